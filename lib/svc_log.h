/*
 * svc_log: one line per event, to stderr.
 *
 * "2026-11-22T09:00:00.123Z info  link hq: up". Under systemd (JOURNAL_STREAM
 * set) the timestamp is left to the journal. Lines are written with a single
 * write(2), so concurrent writers never interleave within a line.
 */
#ifndef SVC_LOG_H
#define SVC_LOG_H

typedef enum {
	SVC_LOG_ERROR = 0,
	SVC_LOG_WARN,
	SVC_LOG_INFO,
	SVC_LOG_DEBUG,
} svc_log_level;

void svc_log_set_level(svc_log_level level);
int svc_log_parse_level(const char *s, svc_log_level *out);
const char *svc_log_level_name(svc_log_level level);

/* tag: the subsystem or peer ("link shop-a", "zap", "store"). */
void svc_log(svc_log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

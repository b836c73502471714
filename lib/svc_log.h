/*
 * svc_log: one line per event, to stderr.
 *
 * "2026-11-22T09:00:00.123Z info  link hq: up". Under systemd (JOURNAL_STREAM
 * set) the timestamp is left to the journal. Lines are written with a single
 * write(2), so concurrent writers never interleave within a line.
 *
 * Repeated warnings and errors are rate-limited: a line is "the same" as
 * another when it has the same level, tag and format string (the same event
 * about the same peer, whatever its numbers). Of those, the first
 * SVC_LOG_BURST in an interval of SVC_LOG_INTERVAL_MS go out; the rest are
 * counted, and one summary line, the last of them followed by "(N more like
 * this in the last T s)", goes out when the interval ends (at the next line
 * of that kind or at svc_log_tick(), whichever comes first). Info and debug
 * lines are progress an operator follows and are never held back. Intervals
 * run on the monotonic clock, so a wall-clock step neither floods nor mutes.
 */
#ifndef SVC_LOG_H
#define SVC_LOG_H

#include <stdint.h>

#define SVC_LOG_BURST 10
#define SVC_LOG_INTERVAL_MS 10000

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

/* Write the summaries of rate-limited lines whose interval has ended. The
 * daemon calls it every tick; it costs a scan of a small table. */
void svc_log_tick(void);

/* Write every pending summary now, whatever its interval (at exit). */
void svc_log_flush(void);

/* Milliseconds on CLOCK_MONOTONIC: the clock of every timer, timeout,
 * back-off and interval in svcsync. It never steps with the wall clock; its
 * values mean nothing across processes or reboots, so they are never stored
 * (the wall clock, svc_journal_now_ms, is for data). */
uint64_t svc_mono_ms(void);

/* For tests: the clock the rate limiter reads (NULL: svc_mono_ms), and
 * forgetting every line seen so far. */
void svc_log_set_clock(uint64_t (*now_ms)(void));
void svc_log_reset_limits(void);

#endif

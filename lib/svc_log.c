/* svc_log: see svc_log.h. */
#include "svc_log.h"

#include "svc_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static svc_log_level current = SVC_LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

void svc_log_set_level(svc_log_level level)
{
	current = level;
}

const char *svc_log_level_name(svc_log_level level)
{
	return level <= SVC_LOG_DEBUG ? names[level] : "info";
}

int svc_log_parse_level(const char *s, svc_log_level *out)
{
	for (int i = 0; i <= SVC_LOG_DEBUG; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (svc_log_level)i;
			return 0;
		}
	}
	return svc_errf(SVC_EINVAL, "log level '%s': expected error, warn, info or debug", s);
}

void svc_log(svc_log_level level, const char *tag, const char *fmt, ...)
{
	char line[2048];
	size_t n = 0;
	va_list ap;

	if (level > current)
		return;
	if (!getenv("JOURNAL_STREAM")) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n += strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ ", ts.tv_nsec / 1000000);
	}
	n += (size_t)snprintf(line + n, sizeof line - n, "%-5s %s: ", svc_log_level_name(level),
			      tag);
	if (n < sizeof line) {
		va_start(ap, fmt);
		int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
		va_end(ap);
		n = m < 0 ? n : n + (size_t)m;
	}
	if (n >= sizeof line - 1)
		n = sizeof line - 2;
	/* One line per event, even if a message carried a newline. */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

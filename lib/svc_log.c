/* svc_log: see svc_log.h. */
#include "svc_log.h"

#include "svc_err.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Kinds of repeated line tracked at once. When the table is full the
 * quietest kind (whose interval started first) makes room. */
#define SLOTS 64
#define TAG_MAX 64
#define TEXT_MAX 512

typedef struct {
	bool used;
	svc_log_level level;
	const char *fmt; /* with tag: what makes two lines "the same" */
	char tag[TAG_MAX];
	uint64_t start;      /* monotonic ms: this interval began */
	unsigned shown;      /* lines written in this interval */
	unsigned held;       /* lines held back in this interval */
	char last[TEXT_MAX]; /* the last line held back, for the summary */
} slot;

static svc_log_level current = SVC_LOG_INFO;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot slots[SLOTS];
static uint64_t (*clock_fn)(void) = svc_mono_ms;

static const char *const names[] = {"error", "warn", "info", "debug"};

uint64_t svc_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void svc_log_set_clock(uint64_t (*now_ms)(void))
{
	pthread_mutex_lock(&lock);
	clock_fn = now_ms ? now_ms : svc_mono_ms;
	pthread_mutex_unlock(&lock);
}

void svc_log_reset_limits(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof slots);
	pthread_mutex_unlock(&lock);
}

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

/* Format and write one line: timestamp, level, tag, text. */
static void emit(svc_log_level level, const char *tag, const char *text)
{
	char line[2048];
	size_t n = 0;

	if (!getenv("JOURNAL_STREAM")) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n += strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ ", ts.tv_nsec / 1000000);
	}
	int m = snprintf(line + n, sizeof line - n, "%-5s %s: %s", svc_log_level_name(level), tag,
	                 text);
	n = m < 0 ? n : n + (size_t)m;
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

/* The summary of a slot's interval, if it held anything back; then the
 * slot starts a new interval at `now`. Called with the lock held. */
static void close_interval(slot *s, uint64_t now)
{
	if (s->held) {
		char text[TEXT_MAX + 80];
		unsigned secs = (unsigned)((now - s->start + 999) / 1000);
		snprintf(text, sizeof text, "%s (%u more like this in the last %u s)", s->last,
		         s->held, secs);
		emit(s->level, s->tag, text);
	}
	s->start = now;
	s->shown = s->held = 0;
}

static slot *slot_for(svc_log_level level, const char *tag, const char *fmt, uint64_t now)
{
	slot *oldest = &slots[0];
	for (size_t i = 0; i < SLOTS; i++) {
		slot *s = &slots[i];
		if (s->used && s->fmt == fmt && s->level == level &&
		    strncmp(s->tag, tag, TAG_MAX) == 0)
			return s;
		if (!s->used || (oldest->used && s->start < oldest->start))
			oldest = s;
	}
	if (oldest->used)
		close_interval(oldest, now);
	memset(oldest, 0, sizeof *oldest);
	oldest->used = true;
	oldest->level = level;
	oldest->fmt = fmt;
	snprintf(oldest->tag, sizeof oldest->tag, "%s", tag);
	oldest->start = now;
	return oldest;
}

void svc_log(svc_log_level level, const char *tag, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (level > current)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (level > SVC_LOG_WARN) {
		emit(level, tag, text);
		return;
	}
	pthread_mutex_lock(&lock);
	uint64_t now = clock_fn();
	slot *s = slot_for(level, tag, fmt, now);
	if (now - s->start >= SVC_LOG_INTERVAL_MS)
		close_interval(s, now);
	if (s->shown < SVC_LOG_BURST) {
		s->shown++;
		emit(level, tag, text);
	} else {
		s->held++;
		/* A summary may cut a long line short. */
		size_t l = strnlen(text, sizeof s->last - 1);
		memcpy(s->last, text, l);
		s->last[l] = '\0';
	}
	pthread_mutex_unlock(&lock);
}

void svc_log_tick(void)
{
	pthread_mutex_lock(&lock);
	uint64_t now = clock_fn();
	for (size_t i = 0; i < SLOTS; i++) {
		slot *s = &slots[i];
		if (s->used && now - s->start >= SVC_LOG_INTERVAL_MS) {
			if (s->held)
				close_interval(s, now);
			else
				s->used = false; /* quiet for a whole interval: forget it */
		}
	}
	pthread_mutex_unlock(&lock);
}

void svc_log_flush(void)
{
	pthread_mutex_lock(&lock);
	uint64_t now = clock_fn();
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].used && slots[i].held)
			close_interval(&slots[i], now);
	pthread_mutex_unlock(&lock);
}

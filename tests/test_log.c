/*
 * test_log: the rate limiter of svc_log.
 *
 * Pinned here, with a clock the test moves by hand and stderr captured in a
 * file: the first SVC_LOG_BURST lines of a kind go out and the rest are
 * held; the interval's end (the next such line, or svc_log_tick) writes one
 * summary with the count and the last held line; kinds are told apart by
 * tag and by format, so a flood from one peer does not mute another peer or
 * another event; info lines are never held; a kind quiet for an interval
 * starts afresh; a table full of kinds makes room without losing a
 * summary; and a flush (at exit) writes what is held at once.
 */
#include "svc_log.h"
#include "testlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static char out_path[SVC_PATH_MAX];
static int saved_stderr = -1;
static long out_pos;

/* Send stderr to a scratch file; lines() reads what came since last time. */
static void capture(const char *dir)
{
	snprintf(out_path, sizeof out_path, "%s/log", dir);
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static void release(void)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

/* The lines written since the last call, joined, and their count. */
static int lines(char *buf, size_t cap)
{
	FILE *f = fopen(out_path, "r");
	int n = 0;
	size_t len = 0;
	char line[4096];
	buf[0] = '\0';
	if (!f)
		return -1;
	fseek(f, out_pos, SEEK_SET);
	while (fgets(line, sizeof line, f)) {
		n++;
		size_t l = strlen(line);
		if (len + l < cap) {
			memcpy(buf + len, line, l + 1);
			len += l;
		}
	}
	out_pos = ftell(f);
	fclose(f);
	return n;
}

static int count_of(const char *buf, const char *what)
{
	int n = 0;
	for (const char *p = buf; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void burst_then_summary(void)
{
	static char buf[1 << 16];
	svc_log_reset_limits();
	fake_now = 1000;
	for (int i = 0; i < 1000; i++)
		svc_log(SVC_LOG_WARN, "link shop-a", "dropped a %d-byte message: %s", 10 + i,
		        "undecodable");
	CHECK_INT(lines(buf, sizeof buf), SVC_LOG_BURST);
	CHECK(strstr(buf, "warn  link shop-a: dropped a 10-byte message: undecodable\n") != NULL);

	/* Within the interval, nothing more; at its end one summary. */
	fake_now += SVC_LOG_INTERVAL_MS - 1;
	svc_log_tick();
	CHECK_INT(lines(buf, sizeof buf), 0);
	fake_now += 1;
	svc_log_tick();
	CHECK_INT(lines(buf, sizeof buf), 1);
	char want[160];
	snprintf(want, sizeof want,
	         "link shop-a: dropped a 1009-byte message: undecodable (%d more like this in "
	         "the last 10 s)",
	         1000 - SVC_LOG_BURST);
	CHECK(strstr(buf, want) != NULL);
	svc_log_tick();
	CHECK_INT(lines(buf, sizeof buf), 0);

	/* The next interval starts with a fresh burst. */
	for (int i = 0; i < SVC_LOG_BURST + 2; i++)
		svc_log(SVC_LOG_WARN, "link shop-a", "dropped a %d-byte message: %s", 1, "x");
	CHECK_INT(lines(buf, sizeof buf), SVC_LOG_BURST);
	/* A line of the same kind after the interval carries the summary. */
	fake_now += SVC_LOG_INTERVAL_MS + 500;
	svc_log(SVC_LOG_WARN, "link shop-a", "dropped a %d-byte message: %s", 2, "y");
	CHECK_INT(lines(buf, sizeof buf), 2);
	CHECK(strstr(buf, "(2 more like this in the last 11 s)\n") != NULL);
	CHECK(strstr(buf, "dropped a 2-byte message: y\n") != NULL);
}

static void kinds_apart(void)
{
	static char buf[1 << 16];
	svc_log_reset_limits();
	fake_now = 50000;
	for (int i = 0; i < 100; i++) {
		svc_log(SVC_LOG_WARN, "link shop-a", "peer reports error %d", i);
		svc_log(SVC_LOG_WARN, "link shop-b", "peer reports error %d", i);
		svc_log(SVC_LOG_WARN, "link shop-a", "speaks protocol %d", i);
		svc_log(SVC_LOG_ERROR, "link shop-a", "peer reports error %d", i);
		svc_log(SVC_LOG_INFO, "link shop-a", "applied %d changes", i);
	}
	CHECK_INT(lines(buf, sizeof buf), 4 * SVC_LOG_BURST + 100);
	CHECK_INT(count_of(buf, "info  link shop-a: applied "), 100);
	CHECK_INT(count_of(buf, "warn  link shop-b: peer reports error"), SVC_LOG_BURST);
	CHECK_INT(count_of(buf, "error link shop-a: peer reports error"), SVC_LOG_BURST);
	fake_now += SVC_LOG_INTERVAL_MS;
	svc_log_tick();
	CHECK_INT(lines(buf, sizeof buf), 4);
	char want[160];
	snprintf(want, sizeof want, "(%d more like this in the last 10 s)", 100 - SVC_LOG_BURST);
	CHECK_INT(count_of(buf, want), 4);
	snprintf(want, sizeof want, "warn  link shop-b: peer reports error 99 (%d more",
	         100 - SVC_LOG_BURST);
	CHECK(strstr(buf, want) != NULL);

	/* Quiet for a whole interval: forgotten, a full burst again. */
	fake_now += SVC_LOG_INTERVAL_MS;
	svc_log_tick();
	CHECK_INT(lines(buf, sizeof buf), 0);
	for (int i = 0; i < SVC_LOG_BURST; i++)
		svc_log(SVC_LOG_WARN, "link shop-b", "peer reports error %d", i);
	CHECK_INT(lines(buf, sizeof buf), SVC_LOG_BURST);
}

static void table_full(void)
{
	static char buf[1 << 18];
	char tag[32];
	svc_log_reset_limits();
	fake_now = 900000;
	/* One kind held back, then many more kinds than the table holds: the
	 * held kind's summary comes out when its slot is taken. */
	for (int i = 0; i < SVC_LOG_BURST + 3; i++)
		svc_log(SVC_LOG_WARN, "zap", "refused %s", "key");
	fake_now += 1;
	for (int k = 0; k < 200; k++) {
		snprintf(tag, sizeof tag, "link shop-%d", k);
		svc_log(SVC_LOG_WARN, tag, "down (%s)", "peer silent");
	}
	CHECK_INT(lines(buf, sizeof buf), SVC_LOG_BURST + 1 + 200);
	CHECK_INT(count_of(buf, "zap: refused key (3 more like this in the last 1 s)"), 1);
}

static void flush_at_exit(void)
{
	static char buf[1 << 16];
	svc_log_reset_limits();
	fake_now = 2000000;
	for (int i = 0; i < SVC_LOG_BURST + 4; i++)
		svc_log(SVC_LOG_ERROR, "store", "disk full: %s", "no space left on device (x)");
	CHECK_INT(lines(buf, sizeof buf), SVC_LOG_BURST);
	/* Long before the interval ends, a flush writes what is held. */
	fake_now += 2500;
	svc_log_flush();
	CHECK_INT(lines(buf, sizeof buf), 1);
	CHECK(strstr(buf, "error store: disk full: no space left on device (x) (4 more like this "
	                  "in the last 3 s)") != NULL);
	svc_log_flush();
	CHECK_INT(lines(buf, sizeof buf), 0);
}

int main(void)
{
	char *dir = svc_test_tmpdir("log");
	svc_log_set_level(SVC_LOG_DEBUG);
	svc_log_set_clock(fake_clock);
	capture(dir);
	burst_then_summary();
	kinds_apart();
	table_full();
	flush_at_exit();
	release();
	svc_log_set_clock(NULL);
	CHECK(svc_mono_ms() > 0);
	svc_test_rmdir(dir);
	free(dir);
	return svc_test_done();
}

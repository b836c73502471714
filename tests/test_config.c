/*
 * test_config: the daemon's INI configuration (svc_config).
 *
 * Pinned here: the defaults validate; a complete file loads field by field;
 * every kind of mistake (unknown section or key, a key outside a section,
 * numbers that are not numbers, out of range or followed by junk, a bad log
 * level, a line without '=', a line too long for the parser, an unreadable
 * file) is refused with a one-line error "config NAME:LINE: ..." that names
 * the right line and what was wrong on it, and leaves the caller's config
 * byte for byte unchanged (a reload with a typo keeps the running config);
 * cross-field rules live in svc_config_validate; and svc_config_print writes
 * a file that loads back to the identical config.
 */
#include "svc_config.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_proto.h"
#include "testlib.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool errmsg_has(const char *s)
{
	if (strstr(svc_errmsg(), s))
		return true;
	fprintf(stderr, "  errmsg \"%s\" lacks \"%s\"\n", svc_errmsg(), s);
	return false;
}

/* Set a string field, zeroing the rest of it, so that configs holding the
 * same values compare equal byte for byte. */
#define SET(field, value)                                                                          \
	do {                                                                                       \
		memset((field), 0, sizeof(field));                                                 \
		snprintf((field), sizeof(field), "%s", (value));                                   \
	} while (0)

/* A config unlike the defaults in every field, so "unchanged" means something. */
static void custom(svc_config *c)
{
	svc_config_defaults(c);
	SET(c->dir, "/srv/svcsync/shop-gz-0042");
	SET(c->listen, "tcp://0.0.0.0:7700");
	c->batch_changes = 1000;
	c->batch_bytes = 1u << 20;
	c->window = 7;
	c->heartbeat_ms = 2500;
	c->reconnect_ms = 250;
	c->reconnect_max_ms = 9000;
	c->max_message = 8u << 20;
	c->commit_delay_ms = 17;
	c->log_level = SVC_LOG_DEBUG;
}

static bool write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

/*
 * Load `text` over a custom config: it must fail with SVC_EINVAL, a message
 * that starts "config t.ini:LINE: " ("config t.ini: " for line 0, an error
 * of the whole file) and contains want1 and want2 (when not NULL), and leave
 * the config unchanged.
 */
static void refused(const char *text, int line, const char *want1, const char *want2)
{
	svc_config c, before;
	char prefix[64];
	custom(&c);
	memcpy(&before, &c, sizeof c);
	svc_errclear();
	int rc = svc_config_load_string(&c, text, "t.ini");
	CHECK_INT(rc, SVC_EINVAL);
	if (line)
		snprintf(prefix, sizeof prefix, "config t.ini:%d: ", line);
	else
		snprintf(prefix, sizeof prefix, "config t.ini: ");
	if (strncmp(svc_errmsg(), prefix, strlen(prefix)) != 0) {
		svc_test_fail++;
		fprintf(stderr, "  for \"%s\": errmsg \"%s\" does not start \"%s\"\n", text,
		        svc_errmsg(), prefix);
	} else {
		svc_test_pass++;
	}
	if (want1)
		CHECK(errmsg_has(want1));
	if (want2)
		CHECK(errmsg_has(want2));
	CHECK(strchr(svc_errmsg(), '\n') == NULL);
	CHECK(memcmp(&c, &before, sizeof c) == 0);
}

/* Load `text` over a custom config; it must be accepted. */
static bool accepted(const char *text, svc_config *c)
{
	custom(c);
	svc_errclear();
	int rc = svc_config_load_string(c, text, "t.ini");
	if (rc)
		fprintf(stderr, "  \"%s\" refused: %s\n", text, svc_errmsg());
	return rc == 0;
}

static void test_defaults(void)
{
	svc_config c;
	svc_config_defaults(&c);
	CHECK_INT(svc_config_validate(&c), 0);
	CHECK_STR(c.dir, "");
	CHECK_STR(c.listen, "");
	CHECK_INT(c.window, 4);
	CHECK(c.window >= 1 && c.window <= SVC_LINK_WINDOW_MAX);
	CHECK_INT(c.batch_changes, 4096);
	CHECK_INT(c.batch_bytes, 4u << 20);
	CHECK_INT(c.heartbeat_ms, 1000);
	CHECK_INT(c.reconnect_ms, 100);
	CHECK_INT(c.reconnect_max_ms, 5000);
	CHECK_INT(c.max_message, SVC_MSG_MAX);
	CHECK_INT(c.commit_delay_ms, 2);
	CHECK_INT(c.log_level, SVC_LOG_INFO);

	/* The custom config the error cases start from is valid too. */
	custom(&c);
	CHECK_INT(svc_config_validate(&c), 0);

	/* An empty file changes nothing. */
	svc_config before;
	custom(&c);
	memcpy(&before, &c, sizeof c);
	CHECK_INT(svc_config_load_string(&c, "", "empty"), 0);
	CHECK_INT(svc_config_load_string(&c, "; only a comment\n\n# another\n", "empty"), 0);
	CHECK(memcmp(&c, &before, sizeof c) == 0);
}

static void test_full_file(const char *dir)
{
	static const char text[] =
	    "; svcsync node configuration\n"
	    "[node]\n"
	    "dir = /var/lib/svcsync/shop-gz-0042\n"
	    "listen = tcp://0.0.0.0:7700        ; where downstream nodes connect\n"
	    "\n"
	    "[sync]\n"
	    "batch_changes = 2048\n"
	    "batch_bytes=2097152\n"
	    "  window   =   8  \n"
	    "heartbeat_ms = 1500\n"
	    "reconnect_ms = 200\n"
	    "reconnect_max_ms = 20000\n"
	    "max_message = 16777216\n"
	    "# gather local writes this long\n"
	    "commit_delay_ms = 0\n"
	    "\n"
	    "[log]\n"
	    "level = WARN\n";
	char path[SVC_PATH_MAX];
	svc_config c;
	snprintf(path, sizeof path, "%s/svcsyncd.ini", dir);
	CHECK(write_file(path, text, sizeof text - 1));
	svc_config_defaults(&c);
	int rc = svc_config_load(&c, path);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n", svc_errmsg());
	CHECK_STR(c.dir, "/var/lib/svcsync/shop-gz-0042");
	CHECK_STR(c.listen, "tcp://0.0.0.0:7700");
	CHECK_INT(c.batch_changes, 2048);
	CHECK_INT(c.batch_bytes, 2097152);
	CHECK_INT(c.window, 8);
	CHECK_INT(c.heartbeat_ms, 1500);
	CHECK_INT(c.reconnect_ms, 200);
	CHECK_INT(c.reconnect_max_ms, 20000);
	CHECK_INT(c.max_message, 16777216);
	CHECK_INT(c.commit_delay_ms, 0);
	CHECK_INT(c.log_level, SVC_LOG_WARN);

	/* The same from a string, and with CRLF line ends. */
	svc_config s;
	svc_config_defaults(&s);
	CHECK_INT(svc_config_load_string(&s, text, "t.ini"), 0);
	CHECK(memcmp(&s, &c, sizeof c) == 0);
	char crlf[sizeof text * 2];
	size_t n = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *p;
	}
	crlf[n] = '\0';
	CHECK(write_file(path, crlf, n));
	svc_config_defaults(&s);
	CHECK_INT(svc_config_load(&s, path), 0);
	CHECK(memcmp(&s, &c, sizeof c) == 0);

	/* Keys the file leaves out keep the caller's values (a reload starts
	 * from the running config). */
	custom(&s);
	CHECK_INT(svc_config_load_string(&s, "[sync]\nwindow = 3\n", "t.ini"), 0);
	CHECK_INT(s.window, 3);
	CHECK_INT(s.heartbeat_ms, 2500);
	CHECK_STR(s.dir, "/srv/svcsync/shop-gz-0042");

	/* Limits are inclusive. */
	CHECK(accepted("[sync]\nwindow = 1\n", &s) && s.window == 1);
	CHECK(accepted("[sync]\nwindow = 16\n", &s) && s.window == SVC_LINK_WINDOW_MAX);
	CHECK(accepted("[sync]\nbatch_changes = 1\n", &s) && s.batch_changes == 1);
	CHECK(accepted("[sync]\nbatch_changes = 8192\n", &s) && s.batch_changes == 8192);
	CHECK(accepted("[sync]\nheartbeat_ms = 100\n", &s) && s.heartbeat_ms == 100);
	CHECK(accepted("[sync]\nheartbeat_ms = 60000\n", &s) && s.heartbeat_ms == 60000);
	CHECK(accepted("[sync]\nmax_message = 33554432\nbatch_bytes = 16777216\n", &s) &&
	      s.max_message == SVC_MSG_MAX && s.batch_bytes == SVC_MSG_MAX / 2);
	CHECK(accepted("[sync]\ncommit_delay_ms = 1000\n", &s) && s.commit_delay_ms == 1000);
	CHECK(accepted("[sync]\nreconnect_ms = 600\nreconnect_max_ms = 600\n", &s) &&
	      s.reconnect_ms == 600 && s.reconnect_max_ms == 600);
	CHECK(accepted("[log]\nlevel = error\n", &s) && s.log_level == SVC_LOG_ERROR);
	CHECK(accepted("[log]\nlevel = debug\n", &s) && s.log_level == SVC_LOG_DEBUG);
	CHECK(accepted("[node]\nlisten = ipc:///run/svcsync.sock\n", &s) &&
	      strcmp(s.listen, "ipc:///run/svcsync.sock") == 0);
	CHECK(accepted("[node]\nlisten =\n", &s) && s.listen[0] == '\0');
}

static void test_refused(void)
{
	/* Sections and keys. */
	refused("[sync]\nwindow = 8\n[bogus]\nx = 1\n", 4, "[bogus]", NULL);
	refused("[node]\ndir = /x\n[Sync]\nwindow = 8\n", 4, "[Sync]", NULL);
	refused("[sync]\nwindw = 4\n", 2, "'windw'", "[sync]");
	refused("[node]\nwindow = 4\n", 2, "'window'", "[node]");
	refused("[log]\nlevel = info\nfile = /tmp/x\n", 3, "'file'", "[log]");
	refused("window = 4\n[sync]\n", 1, "'window'", "section");

	/* Numbers. */
	refused("[sync]\nwindow = four\n", 2, "'window'", "'four'");
	refused("[sync]\nwindow = 4x\n", 2, "'window'", "'4x'");
	refused("[sync]\nwindow = 4.0\n", 2, "'window'", "'4.0'");
	refused("[sync]\nwindow = 0x4\n", 2, "'window'", "'0x4'");
	refused("[sync]\nwindow =\n", 2, "'window'", NULL);
	refused("[sync]\nwindow = 0\n", 2, "'window'", "1 to 16");
	refused("[sync]\nwindow = 17\n", 2, "'window'", "'17'");
	refused("[sync]\nwindow = -1\n", 2, "'window'", "'-1'");
	refused("[sync]\nbatch_changes = 0\n", 2, "'batch_changes'", NULL);
	refused("[sync]\nbatch_changes = 8193\n", 2, "'batch_changes'", NULL);
	refused("[sync]\nbatch_bytes = 4095\n", 2, "'batch_bytes'", NULL);
	refused("[sync]\nbatch_bytes = 16777217\n", 2, "'batch_bytes'", NULL);
	refused("[sync]\nheartbeat_ms = 99\n", 2, "'heartbeat_ms'", NULL);
	refused("[sync]\nheartbeat_ms = 60001\n", 2, "'heartbeat_ms'", NULL);
	refused("[sync]\nreconnect_ms = 9\n", 2, "'reconnect_ms'", NULL);
	refused("[sync]\nreconnect_max_ms = 600001\n", 2, "'reconnect_max_ms'", NULL);
	refused("[sync]\nmax_message = 65535\n", 2, "'max_message'", NULL);
	refused("[sync]\nmax_message = 33554433\n", 2, "'max_message'", NULL);
	refused("[sync]\ncommit_delay_ms = -1\n", 2, "'commit_delay_ms'", NULL);
	refused("[sync]\ncommit_delay_ms = 1001\n", 2, "'commit_delay_ms'", NULL);
	/* Past long long: strtoll's ERANGE, not a wrapped value. */
	refused("[sync]\nwindow = 99999999999999999999\n", 2, "'window'", NULL);
	refused("[sync]\nheartbeat_ms = 4294968296\n", 2, "'heartbeat_ms'", NULL);

	/* Log level. */
	refused("[log]\nlevel = verbose\n", 2, "'level'", "verbose");
	refused("[log]\nlevel =\n", 2, "'level'", NULL);

	/* Syntax. */
	refused("[sync]\nwindow\n", 2, "syntax error", NULL);
	refused("[sync\nwindow = 4\n", 1, "syntax error", NULL);
	refused("; comment\n\n[sync]\n# comment\nwindow = 0\n", 5, "'window'", NULL);

	/* The first error is reported, with its own line's message. */
	refused("[sync]\nwindow = 0\nbogus = 1\n", 2, "'window'", NULL);
	refused("[sync]\nnoequals\nwindw = 1\n", 2, "syntax error", NULL);
	CHECK(strstr(svc_errmsg(), "windw") == NULL);
	refused("[sync]\nwindw = 1\nnoequals\n", 2, "'windw'", NULL);
	refused("[sync]\nwindow = 8\nheartbeat_ms = 5\n[nope]\nk = v\n", 3, "'heartbeat_ms'", NULL);

	/* The good lines before the bad one changed only the refused copy
	 * (refused() compares the config byte for byte). */
	refused("[node]\ndir = /elsewhere\n[sync]\nwindow = 2\nmax_message = 1\n", 5,
	        "'max_message'", NULL);
}

/*
 * inih reads an indented line as more of the previous value: "dir = /x"
 * then "  bogus" used to set dir to "bogus" without a word.
 */
static void test_indented(void)
{
	svc_config c;
	CHECK(accepted("[node]\ndir = /x\n  listen = tcp://a:1\n\t[sync]\n\twindow = 5\n", &c));
	CHECK_STR(c.dir, "/x");
	CHECK_STR(c.listen, "tcp://a:1");
	CHECK_INT(c.window, 5);
	refused("[node]\ndir = /x\n  bogus\n", 3, "syntax error", NULL);
	refused("[sync]\nwindow = 5\n\t6\n", 3, "syntax error", NULL);
	/* Any white space inih skips counts as indentation (found by fuzzing:
	 * a vertical tab made the next key part of dir's value). */
	CHECK(accepted("[node]\ndir = /x\n\vlisten = tcp://a:1\n\f[log]\n\rlevel = warn\n", &c));
	CHECK_STR(c.dir, "/x");
	CHECK_STR(c.listen, "tcp://a:1");
	CHECK_INT(c.log_level, SVC_LOG_WARN);
	/* A value inih would read back as a comment once printed is refused. */
	refused("[node]\ndir=;x\n", 2, "dir", NULL);
}

/*
 * inih reads lines into a fixed buffer (200 bytes here) and used to parse
 * the rest of a longer line as a line of its own: a long dir was cut short
 * and the error, if any, named the wrong line.
 */
static void test_long_lines(void)
{
	char text[1024], val[600];
	svc_config c;

	/* 199 characters on the line: the longest that fits. */
	memset(val, 'd', sizeof val);
	val[0] = '/';
	val[193] = '\0';
	snprintf(text, sizeof text, "[node]\ndir = %s\n[sync]\nwindow = 9\n", val);
	CHECK(accepted(text, &c));
	CHECK_INT(strlen(c.dir), 193);
	CHECK_STR(c.dir, val);
	CHECK_INT(c.window, 9);
	/* ... also as the last line, with no newline. */
	snprintf(text, sizeof text, "[node]\ndir = %s", val);
	CHECK(accepted(text, &c));
	CHECK_STR(c.dir, val);
	/* The error on the line after it still names its own line. */
	snprintf(text, sizeof text, "[node]\ndir = %s\nlisten = tcp://x:1\n[sync]\nwindow = 0\n",
	         val);
	refused(text, 5, "'window'", NULL);

	/* Longer: refused on its own line, nothing cut short. */
	memset(val, 'd', sizeof val);
	val[0] = '/';
	val[sizeof val - 1] = '\0';
	snprintf(text, sizeof text, "[node]\ndir = %s\n[sync]\nwindow = 9\n", val);
	refused(text, 2, "longer than", NULL);
	snprintf(text, sizeof text, "[sync]\nwindow = 9\n;%s\n", val);
	refused(text, 3, "longer than", NULL);
}

static void test_validate(void)
{
	svc_config c;

	/* reconnect_max_ms below reconnect_ms. */
	custom(&c);
	c.reconnect_ms = 1000;
	c.reconnect_max_ms = 999;
	svc_errclear();
	CHECK_INT(svc_config_validate(&c), SVC_EINVAL);
	CHECK(errmsg_has("reconnect_max_ms"));
	c.reconnect_max_ms = 1000;
	CHECK_INT(svc_config_validate(&c), 0);
	refused("[sync]\nreconnect_ms = 2000\nreconnect_max_ms = 1000\n", 0, "reconnect_max_ms",
	        NULL);

	/* batch_bytes must leave room in max_message for commit headers. */
	custom(&c);
	c.max_message = 1u << 20;
	c.batch_bytes = c.max_message - 65536;
	CHECK_INT(svc_config_validate(&c), 0);
	c.batch_bytes++;
	svc_errclear();
	CHECK_INT(svc_config_validate(&c), SVC_EINVAL);
	CHECK(errmsg_has("batch_bytes"));
	CHECK(errmsg_has("max_message"));

	/* listen must be a ZeroMQ tcp:// or ipc:// endpoint. */
	custom(&c);
	SET(c.listen, "udp://0.0.0.0:7700");
	svc_errclear();
	CHECK_INT(svc_config_validate(&c), SVC_EINVAL);
	CHECK(errmsg_has("udp://0.0.0.0:7700"));

	/* Through load: the file name is in the message, the config intact. */
	svc_config before;
	custom(&c);
	memcpy(&before, &c, sizeof c);
	svc_errclear();
	CHECK_INT(svc_config_load_string(&c, "[sync]\nmax_message = 65536\nbatch_bytes = 4096\n",
	                                 "small.ini"),
	          SVC_EINVAL);
	CHECK(errmsg_has("config small.ini"));
	CHECK(errmsg_has("batch_bytes"));
	CHECK(memcmp(&c, &before, sizeof c) == 0);
	CHECK_INT(svc_config_load_string(&c, "[sync]\nreconnect_max_ms = 50\n", "slow.ini"),
	          SVC_EINVAL);
	CHECK(errmsg_has("config slow.ini"));
	CHECK(errmsg_has("reconnect_max_ms"));
	CHECK(memcmp(&c, &before, sizeof c) == 0);
	CHECK_INT(svc_config_load_string(&c, "[node]\nlisten = 0.0.0.0:7700\n", "l.ini"),
	          SVC_EINVAL);
	CHECK(errmsg_has("listen"));
	CHECK(memcmp(&c, &before, sizeof c) == 0);
}

/* print, then load what it printed over the defaults: the same config. */
static void round_trip(const svc_config *c)
{
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	svc_config_print(c, f);
	fclose(f);
	svc_config back;
	svc_config_defaults(&back);
	svc_errclear();
	int rc = svc_config_load_string(&back, text, "printed");
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "  %s\n---\n%s---\n", svc_errmsg(), text);
	if (memcmp(&back, c, sizeof back) != 0) {
		svc_test_fail++;
		fprintf(stderr, "  round trip differs:\n---\n%s---\n", text);
		f = open_memstream(&text2, &len2);
		if (f) {
			svc_config_print(&back, f);
			fclose(f);
			fprintf(stderr, "  loaded back as:\n---\n%s---\n", text2);
			free(text2);
		}
	} else {
		svc_test_pass++;
	}
	free(text);
}

static void test_round_trip(void)
{
	svc_config c;
	svc_config_defaults(&c);
	round_trip(&c);
	custom(&c);
	round_trip(&c);
	c.log_level = SVC_LOG_ERROR;
	c.commit_delay_ms = 0;
	c.window = 1;
	SET(c.dir, "");
	round_trip(&c);
	c.log_level = SVC_LOG_WARN;
	c.window = SVC_LINK_WINDOW_MAX;
	SET(c.listen, "");
	SET(c.dir, "/var/lib/svc sync/with spaces");
	round_trip(&c);
	c.log_level = SVC_LOG_INFO;
	c.batch_changes = SVC_BATCH_CHANGES_MAX;
	c.max_message = SVC_MSG_MAX;
	c.batch_bytes = SVC_MSG_MAX / 2;
	c.heartbeat_ms = 60000;
	c.reconnect_ms = 60000;
	c.reconnect_max_ms = 600000;
	round_trip(&c);

	/* The printed file names every section. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		svc_config_print(&c, f);
		fclose(f);
		CHECK(strstr(text, "[node]") && strstr(text, "[sync]") && strstr(text, "[log]"));
		CHECK(strstr(text, "window = 16\n") != NULL);
		free(text);
	}
}

static void test_files(const char *dir)
{
	char path[SVC_PATH_MAX];
	svc_config c, before;
	custom(&c);
	memcpy(&before, &c, sizeof c);

	snprintf(path, sizeof path, "%s/no-such.ini", dir);
	svc_errclear();
	CHECK_INT(svc_config_load(&c, path), SVC_EIO);
	CHECK(errmsg_has(path));
	CHECK(errmsg_has("No such file"));
	CHECK(memcmp(&c, &before, sizeof c) == 0);

	/* A directory opens but cannot be read: an error, not an empty config. */
	svc_errclear();
	CHECK_INT(svc_config_load(&c, dir), SVC_EIO);
	CHECK(errmsg_has(dir));
	CHECK(memcmp(&c, &before, sizeof c) == 0);

	/* A NUL byte in a file. */
	static const char nul[] = "[sync]\nwindow = 8\nheart\0beat_ms = 200\n";
	snprintf(path, sizeof path, "%s/nul.ini", dir);
	CHECK(write_file(path, nul, sizeof nul - 1));
	svc_errclear();
	CHECK_INT(svc_config_load(&c, path), SVC_EINVAL);
	CHECK(errmsg_has(":3: "));
	CHECK(errmsg_has("NUL"));
	CHECK(memcmp(&c, &before, sizeof c) == 0);

	/* An error in a file names the file and the line. */
	snprintf(path, sizeof path, "%s/bad.ini", dir);
	static const char bad[] = "[sync]\n\nwindow = 40\n";
	CHECK(write_file(path, bad, sizeof bad - 1));
	svc_errclear();
	CHECK_INT(svc_config_load(&c, path), SVC_EINVAL);
	char want[4300];
	snprintf(want, sizeof want, "config %s:3: key 'window'", path);
	CHECK(errmsg_has(want));
	CHECK(errmsg_has("'40'"));
	CHECK(memcmp(&c, &before, sizeof c) == 0);
}

int main(void)
{
	char *dir = svc_test_tmpdir("test_config");
	test_defaults();
	test_full_file(dir);
	test_refused();
	test_indented();
	test_long_lines();
	test_validate();
	test_round_trip();
	test_files(dir);
	svc_test_rmdir(dir);
	free(dir);
	return svc_test_done();
}

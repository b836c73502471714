/*
 * svc_config: see svc_config.h. The only module that includes ini.h.
 */
#include "svc_config.h"

#include "svc_codec.h"
#include "svc_err.h"
#include "svc_proto.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void svc_config_defaults(svc_config *c)
{
	memset(c, 0, sizeof *c);
	c->batch_changes = 4096;
	c->batch_bytes = 4u << 20;
	c->window = 4;
	c->heartbeat_ms = 1000;
	c->reconnect_ms = 100;
	c->reconnect_max_ms = 5000;
	c->max_message = SVC_MSG_MAX;
	c->commit_delay_ms = 2;
	c->log_level = SVC_LOG_INFO;
}

struct parse {
	svc_config cfg;
	FILE *file;       /* the source: a file, */
	const char *text; /* or the rest of a string */
	int read_errno;   /* the file could not be read */
	int line;         /* lines handed to inih so far */
	int line_max;     /* the longest line inih's buffer holds */
	int err_line;     /* the first line refused here, 0 if none */
	char err[256];
};

/* Refuse the current line. Only the first refusal counts: the message must
 * belong to the line number reported with it. */
static void fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	if (p->err_line)
		return;
	p->err_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
}

static int next_char(struct parse *p)
{
	if (!p->file)
		return *p->text ? (unsigned char)*p->text++ : EOF;
	int ch = getc(p->file);
	if (ch == EOF && ferror(p->file) && !p->read_errno)
		p->read_errno = errno ? errno : EIO;
	return ch;
}

/*
 * inih's line reader (ini_parse_stream), one physical line per call. It
 * counts lines, because inih does not tell the handler which line it is on
 * and does not stop at the first error (a later message would otherwise be
 * reported with an earlier line's number); it ends the parse at the first
 * refused line; and it refuses a line longer than inih's fixed buffer, which
 * inih would cut in two and parse as two lines.
 *
 * It also drops leading white space: inih reads an indented line as more of
 * the previous value, so "dir = /x" followed by "  listen = tcp://..." would
 * silently set dir to "listen = tcp://...". Here an indented key is a key.
 * Indented means whatever inih's isspace() skips, so vertical tab, form feed
 * and carriage return go too (not newline, which ends the line).
 */
static char *reader(char *buf, int cap, void *stream)
{
	struct parse *p = stream;
	int n = 0, ch;

	if (p->err_line || cap < 2)
		return NULL;
	p->line_max = cap - 1;
	ch = next_char(p);
	while (ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r')
		ch = next_char(p);
	while (ch != EOF) {
		buf[n++] = (char)ch;
		if (ch == '\n' || ch == '\0' || n == cap - 1)
			break;
		ch = next_char(p);
	}
	if (n == 0)
		return NULL;
	buf[n] = '\0';
	p->line++;
	if (ch == '\0') {
		fail(p, "NUL byte in line");
		return NULL;
	}
	if (n == cap - 1 && buf[n - 1] != '\n') {
		/* The buffer is full: fine if the line ends right here. */
		ch = next_char(p);
		if (ch != '\n' && ch != EOF) {
			fail(p, "line longer than %d characters", cap - 1);
			return NULL;
		}
	}
	return buf;
}

static int num(struct parse *p, const char *key, const char *val, long long lo, long long hi,
               long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi) {
		fail(p, "key '%s': expected a whole number from %lld to %lld, got '%s'", key, lo,
		     hi, val);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * A string value must fit its buffer, and also read back the same from the
 * line svc_config_print writes for it, "key = value". Two values would not:
 * one that fits a line only as "key=value", and one that starts with ';',
 * which inih keeps in "key=;x" but reads as a comment after the space. Both
 * would load and then print as a file that does not load (or loads
 * differently), so both are refused here.
 */
static int str(struct parse *p, const char *key, const char *val, char *out, size_t cap)
{
	size_t max = cap - 1, printed = strlen(key) + strlen(" = ");

	if ((size_t)p->line_max < printed + max)
		max = (size_t)p->line_max > printed ? (size_t)p->line_max - printed : 0;
	if (strlen(val) > max) {
		fail(p, "key '%s': longer than %zu characters", key, max);
		return -1;
	}
#if INI_ALLOW_INLINE_COMMENTS
	if (val[0] && strchr(INI_INLINE_COMMENT_PREFIXES, val[0])) {
		fail(p, "key '%s': a value may not start with '%c' (it reads as a comment)", key,
		     val[0]);
		return -1;
	}
#endif
	snprintf(out, cap, "%s", val);
	return 0;
}

/* inih handler: 1 to go on, 0 to report an error on this line. */
static int handler(void *user, const char *section, const char *key, const char *val)
{
	struct parse *p = user;
	svc_config *c = &p->cfg;
	long long v;

	if (strcmp(section, "node") == 0) {
		if (strcmp(key, "dir") == 0)
			return str(p, key, val, c->dir, sizeof c->dir) == 0;
		if (strcmp(key, "listen") == 0)
			return str(p, key, val, c->listen, sizeof c->listen) == 0;
	} else if (strcmp(section, "sync") == 0) {
		if (strcmp(key, "batch_changes") == 0) {
			if (num(p, key, val, 1, SVC_BATCH_CHANGES_MAX, &v))
				return 0;
			c->batch_changes = (size_t)v;
			return 1;
		}
		if (strcmp(key, "batch_bytes") == 0) {
			if (num(p, key, val, 4096, SVC_MSG_MAX / 2, &v))
				return 0;
			c->batch_bytes = (size_t)v;
			return 1;
		}
		if (strcmp(key, "window") == 0) {
			if (num(p, key, val, 1, SVC_LINK_WINDOW_MAX, &v))
				return 0;
			c->window = (size_t)v;
			return 1;
		}
		if (strcmp(key, "heartbeat_ms") == 0) {
			if (num(p, key, val, 100, 60000, &v))
				return 0;
			c->heartbeat_ms = (int)v;
			return 1;
		}
		if (strcmp(key, "reconnect_ms") == 0) {
			if (num(p, key, val, 10, 60000, &v))
				return 0;
			c->reconnect_ms = (int)v;
			return 1;
		}
		if (strcmp(key, "reconnect_max_ms") == 0) {
			if (num(p, key, val, 10, 600000, &v))
				return 0;
			c->reconnect_max_ms = (int)v;
			return 1;
		}
		if (strcmp(key, "max_message") == 0) {
			if (num(p, key, val, 65536, SVC_MSG_MAX, &v))
				return 0;
			c->max_message = (size_t)v;
			return 1;
		}
		if (strcmp(key, "commit_delay_ms") == 0) {
			if (num(p, key, val, 0, 1000, &v))
				return 0;
			c->commit_delay_ms = (int)v;
			return 1;
		}
	} else if (strcmp(section, "log") == 0) {
		if (strcmp(key, "level") == 0) {
			if (svc_log_parse_level(val, &c->log_level)) {
				fail(p, "key 'level': %s", svc_errmsg());
				return 0;
			}
			return 1;
		}
	} else if (!section[0]) {
		fail(p, "key '%s' before any [section]", key);
		return 0;
	} else {
		fail(p, "unknown section [%s] (expected node, sync or log)", section);
		return 0;
	}
	fail(p, "unknown key '%s' in [%s]", key, section);
	return 0;
}

int svc_config_validate(const svc_config *c)
{
	if (c->listen[0] && strncmp(c->listen, "tcp://", 6) != 0 &&
	    strncmp(c->listen, "ipc://", 6) != 0)
		return svc_errf(SVC_EINVAL, "listen '%s': expected tcp://ADDR:PORT", c->listen);
	if (c->reconnect_max_ms < c->reconnect_ms)
		return svc_errf(SVC_EINVAL, "reconnect_max_ms %d is below reconnect_ms %d",
		                c->reconnect_max_ms, c->reconnect_ms);
	if (c->batch_bytes + 65536 > c->max_message)
		return svc_errf(SVC_EINVAL,
		                "batch_bytes %zu does not fit max_message %zu (leave 64 KiB for "
		                "commit headers)",
		                c->batch_bytes, c->max_message);
	return 0;
}

/* rc is ini_parse_stream's: 0, the first line inih refused, or < 0. */
static int finish(svc_config *c, struct parse *p, int rc, const char *name)
{
	if (p->read_errno)
		return svc_errf(SVC_EIO, "config %s: cannot read: %s", name,
		                strerror(p->read_errno));
	if (rc < 0)
		return svc_errf(SVC_ENOMEM, "config %s: out of memory", name);
	if (rc > 0 && (!p->err_line || rc < p->err_line))
		return svc_errf(SVC_EINVAL,
		                "config %s:%d: syntax error (expected key = value or [section])",
		                name, rc);
	if (p->err_line)
		return svc_errf(SVC_EINVAL, "config %s:%d: %s", name, p->err_line, p->err);
	if (svc_config_validate(&p->cfg))
		return svc_errctx(SVC_EINVAL, "config %s", name);
	*c = p->cfg;
	return 0;
}

static int load(svc_config *c, FILE *file, const char *text, const char *name)
{
	struct parse *p = calloc(1, sizeof *p);
	if (!p)
		return svc_errf(SVC_ENOMEM, "out of memory");
	p->cfg = *c;
	p->file = file;
	p->text = text;
	int rc = finish(c, p, ini_parse_stream(reader, p, handler, p), name);
	free(p);
	return rc;
}

int svc_config_load(svc_config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return svc_errf(SVC_EIO, "config %s: cannot read: %s", path, strerror(errno));
	int rc = load(c, f, NULL, path);
	fclose(f);
	return rc;
}

int svc_config_load_string(svc_config *c, const char *text, const char *name)
{
	return load(c, NULL, text, name);
}

void svc_config_print(const svc_config *c, FILE *out)
{
	fprintf(out, "[node]\n");
	if (c->dir[0])
		fprintf(out, "dir = %s\n", c->dir);
	if (c->listen[0])
		fprintf(out, "listen = %s\n", c->listen);
	fprintf(out,
	        "\n[sync]\nbatch_changes = %zu\nbatch_bytes = %zu\nwindow = %zu\n"
	        "heartbeat_ms = %d\nreconnect_ms = %d\nreconnect_max_ms = %d\n"
	        "max_message = %zu\ncommit_delay_ms = %d\n",
	        c->batch_changes, c->batch_bytes, c->window, c->heartbeat_ms, c->reconnect_ms,
	        c->reconnect_max_ms, c->max_message, c->commit_delay_ms);
	fprintf(out, "\n[log]\nlevel = %s\n", svc_log_level_name(c->log_level));
}

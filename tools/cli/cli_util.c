/*
 * cli_util: argument parsing, error lines, number parsing, formatting and
 * JSON values for the svcsync CLI (lists are in cli_list.c). See cli.h.
 *
 * Error lines are the CLI's contract with scripts: exactly one line on
 * stderr. Library details are already one line; anything that reaches
 * cli_fail with a newline in it (a user's text echoed back) is flattened
 * here, the last place it can be.
 */
#include "cli.h"

#include "svc_tz.h"

#include "svc_err.h"
#include "svc_nodedir.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ errors */

static void put_line(const char *prefix, const char *msg, const char *suffix)
{
	char line[1024];
	snprintf(line, sizeof line, "%s%s%s", prefix, msg, suffix);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	fprintf(stderr, "svcsync: %s\n", line);
}

int cli_fail(void)
{
	put_line("", svc_errmsg(), "");
	return CLI_FAIL;
}

int cli_failf(const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	put_line("", msg, "");
	return CLI_FAIL;
}

int cli_usage(const cli_args *a, const char *fmt, ...)
{
	char msg[512], prefix[96], suffix[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(prefix, sizeof prefix, "%s: ", a->cmd);
	snprintf(suffix, sizeof suffix, " (see 'svcsync %s --help')", a->cmd);
	put_line(prefix, msg, suffix);
	return CLI_USAGE;
}

/* ------------------------------------------------------------ arguments */

/* The spec entry for `name` (length n), or NULL; *kind is 0 for a flag, 1
 * for a valued option, 2 for a repeatable one. Options are recorded by their
 * entry in the spec, so lookups compare names, never user text. */
static const char *spec_find(const char *spec, const char *name, size_t n, int *kind)
{
	const char *p = spec;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ' && *p != '=')
			p++;
		size_t wl = (size_t)(p - w);
		int k = 0;
		if (*p == '=') {
			k = 1;
			p++;
			if (*p == '*') {
				k = 2;
				p++;
			}
		}
		if (wl && wl == n && memcmp(w, name, n) == 0) {
			*kind = k;
			return w;
		}
	}
	return NULL;
}

static bool name_eq(const char *a, const char *b)
{
	/* a is a spec entry (ends at ' ', '=' or NUL), b a plain name. */
	size_t n = strlen(b);
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == ' ' || a[n] == '=');
}

int cli_parse(cli_args *a, const char *cmd, const char *usage, const char *spec, size_t maxpos,
              int argc, char **argv)
{
	bool only_pos = false;
	memset(a, 0, sizeof *a);
	a->cmd = cmd;
	a->usage = usage;
	/* Help wins over any mistake elsewhere on the line, but "-h" as the
	 * value of an option ("--customer -h") is a value. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *arg = argv[i];
		int kind;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(usage, stdout);
			return CLI_HELP;
		}
		if (strncmp(arg, "--", 2) == 0 && !strchr(arg, '=') &&
		    spec_find(spec, arg + 2, strlen(arg + 2), &kind) && kind > 0)
			i++;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (a->npos == maxpos || a->npos == CLI_MAX_POS)
				return cli_usage(a, "unexpected argument '%s'", arg);
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (arg[1] != '-')
			return cli_usage(a, "unknown option %s", arg);
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		int kind;
		const char *sname = spec_find(spec, name, n, &kind);
		if (!sname)
			return cli_usage(a, "unknown option --%.*s", (int)n, name);
		char want[64];
		snprintf(want, sizeof want, "%.*s", (int)n, name);
		const char *val = NULL;
		if (kind == 0 && eq)
			return cli_usage(a, "--%s takes no value", want);
		if (kind > 0) {
			if (eq) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				return cli_usage(a, "--%s needs a value", want);
			}
		}
		if (kind != 2)
			for (size_t k = 0; k < a->nopt; k++)
				if (a->opt[k].name == sname)
					return cli_usage(a, "--%s given twice", want);
		if (a->nopt == CLI_MAX_OPT)
			return cli_usage(a, "too many options");
		a->opt[a->nopt].name = sname;
		a->opt[a->nopt].val = val;
		a->nopt++;
	}
	return 0;
}

const char *cli_opt(const cli_args *a, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->nopt; i++)
		if (name_eq(a->opt[i].name, name))
			v = a->opt[i].val;
	return v;
}

bool cli_flag(const cli_args *a, const char *name)
{
	for (size_t i = 0; i < a->nopt; i++)
		if (name_eq(a->opt[i].name, name))
			return true;
	return false;
}

size_t cli_opts(const cli_args *a, const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nopt; i++)
		if (name_eq(a->opt[i].name, name)) {
			if (n < max)
				out[n] = a->opt[i].val;
			n++;
		}
	return n;
}

int cli_need(const cli_args *a, const char *name, const char **out)
{
	*out = cli_opt(a, name);
	if (!*out || !**out)
		return cli_usage(a, "--%s is required", name);
	return 0;
}

int cli_need_pos(const cli_args *a, size_t n, const char *what)
{
	if (a->npos < n)
		return cli_usage(a, "missing %s", what);
	return 0;
}

int cli_parse_i64(const char *s, int64_t *out)
{
	char *end;
	/* strtoll skips leading blanks and accepts an empty string as 0:
	 * neither is a number a person meant. */
	if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || !(end[-1] >= '0' && end[-1] <= '9'))
		return -1;
	*out = v;
	return 0;
}

static int num_opt(const cli_args *a, const char *name, int64_t *out, bool *given, const char *what)
{
	const char *v = cli_opt(a, name);
	if (given)
		*given = v != NULL;
	if (!v)
		return 0;
	if (cli_parse_i64(v, out))
		return cli_usage(a, "--%s: '%s' is not %s", name, v, what);
	return 0;
}

int cli_fen(const cli_args *a, const char *name, int64_t *out, bool *given)
{
	return num_opt(a, name, out, given,
	               "an amount in fen (a whole number: 12550 is 125.50 yuan)");
}

int cli_int(const cli_args *a, const char *name, int64_t *out, bool *given)
{
	return num_opt(a, name, out, given, "a whole number");
}

int cli_dispatch(const cli_ctx *ctx, const char *cmd, const char *usage, const cli_sub *subs,
                 int argc, char **argv)
{
	if (argc < 2) {
		cli_failf("%s: missing subcommand (see 'svcsync %s --help')", cmd, cmd);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	for (const cli_sub *s = subs; s->name; s++)
		if (strcmp(s->name, argv[1]) == 0)
			return s->fn(ctx, argc - 1, argv + 1);
	cli_failf("%s: unknown subcommand '%s' (see 'svcsync %s --help')", cmd, argv[1], cmd);
	return CLI_USAGE;
}

/* ------------------------------------------------------------ store */

int cli_open(const cli_ctx *ctx, bool write, svc_store **out)
{
	*out = NULL;
	if (!ctx->dir || !ctx->dir[0]) {
		cli_failf("no node directory: give --dir DIR or set SVCSYNC_DIR");
		return CLI_USAGE;
	}
	uint64_t rebuilt = 0;
	if (svc_store_open(ctx->dir, write ? 0 : SVC_STORE_RDONLY, out) ||
	    (write && svc_fold_store_refresh(*out, &rebuilt))) {
		svc_store_close(out);
		return cli_fail();
	}
	cli_zone_load(*out);
	return CLI_OK;
}

void cli_done_write(const cli_ctx *ctx, svc_store **s)
{
	svc_store_close(s);
	svc_nodedir_wake(ctx->dir);
}

/* ------------------------------------------------------------ formatting */

void cli_money(char out[32], int64_t fen)
{
	/* Through the unsigned magnitude, so INT64_MIN prints too. */
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	snprintf(out, 32, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", mag / 100,
	         (unsigned)(mag % 100));
}

/* Times are shown in the network's zone (the policy's, default
 * Asia/Shanghai), never the host's: read once when the store opens. */
static const svc_tz *cli_zone;

void cli_zone_load(svc_store *s)
{
	svc_txn *t = NULL;
	if (cli_zone || svc_txn_begin(s, false, &t) != 0) {
		svc_errclear();
		return;
	}
	if (cli_policy_zone(t, &cli_zone) != 0)
		cli_zone = NULL;
	svc_errclear();
	svc_txn_abort(&t);
}

void cli_time(char out[32], uint64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	if (ms == 0) {
		snprintf(out, 32, "-");
		return;
	}
	if (cli_zone) {
		svc_tz_format_local(cli_zone, (int64_t)ms, out, 32);
		return;
	}
	/* No zone data (tzdata missing): UTC, said so. */
	if (!gmtime_r(&secs, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, 32, "-");
}

void cli_date(char out[16], uint32_t d)
{
	if (d == 0)
		snprintf(out, 16, "-");
	else
		snprintf(out, 16, "%04u-%02u-%02u", d / 10000 % 10000, d / 100 % 100, d % 100);
}

/* Length of the UTF-8 sequence at s and its display width; a malformed
 * byte counts as one column, so any bytes can be measured. */
static size_t char_len(const unsigned char *s, unsigned *width)
{
	uint32_t cp;
	size_t n;
	if (s[0] < 0x80) {
		*width = 1;
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		n = 2, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4, cp = s[0] & 0x07;
	else
		n = 0, cp = 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			n = 0;
			break;
		}
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (n == 0) {
		*width = 1;
		return 1;
	}
	/* East Asian wide and fullwidth ranges: what a terminal draws in two
	 * cells (Hangul Jamo, CJK, Hangul syllables, compatibility forms). */
	bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	            (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	            (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	            (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
	*width = wide ? 2 : 1;
	return n;
}

size_t cli_width(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cw;
		p += char_len(p, &cw);
		w += cw;
	}
	return w;
}

void cli_oneline(char *out, size_t cap, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, w = 0;
	bool cut = cli_width((const char *)p) > max;
	size_t room = cut && max > 3 ? max - 3 : max;
	if (cap == 0)
		return;
	while (*p) {
		unsigned cw;
		size_t n = char_len(p, &cw);
		if (w + cw > room || o + n + 4 > cap)
			break;
		if (*p < 0x20 || *p == 0x7F) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, p, n);
			o += n;
		}
		w += cw;
		p += n;
	}
	if (cut && max > 3) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

void cli_z85(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
	                             "VWXYZ.-:+=^!/*?&<>()[]{}@%$#";
	size_t o = 0;
	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t v = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 |
		             (uint32_t)in[i + 2] << 8 | in[i + 3];
		for (int k = 4; k >= 0; k--) {
			out[o + (size_t)k] = digits[v % 85];
			v /= 85;
		}
		o += 5;
	}
	out[o] = '\0';
}

/* ------------------------------------------------------------ JSON */

int cli_json_print(json_t *v)
{
	if (!v)
		return cli_failf("out of memory building the JSON output");
	int rc = json_dumpf(v, stdout, JSON_INDENT(2));
	json_decref(v);
	if (rc != 0)
		return cli_failf("writing the JSON output failed");
	putchar('\n');
	return CLI_OK;
}

json_t *cli_json_ms(uint64_t ms)
{
	return ms ? json_integer((json_int_t)ms) : json_null();
}

json_t *cli_json_opt(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* ------------------------------------------------------------ histories */

static int history_cb(const svc_logged_change *lc, void *arg)
{
	cli_history *h = arg;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		svc_logged_change *v = realloc(h->v, cap * sizeof *v);
		if (!v) {
			h->oom = true;
			return 1;
		}
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = *lc;
	return 0;
}

int cli_history_load(svc_txn *t, const char *aggregate, cli_history *h)
{
	memset(h, 0, sizeof *h);
	int rc = svc_journal_agg_each(t, aggregate, history_cb, h);
	if (h->oom)
		return svc_errf(SVC_ENOMEM, "out of memory reading the history of %s", aggregate);
	return rc < 0 ? rc : 0;
}

void cli_history_free(cli_history *h)
{
	free(h->v);
	memset(h, 0, sizeof *h);
}

void cli_history_print(const cli_history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		char when[32], summary[512];
		cli_time(when, svc_hlc_ms(lc->c.hlc));
		cli_change_summary(&lc->c, summary, sizeof summary);
		printf("  %s  %-12s %s%s%s%s%s%s\n", when, lc->c.origin, summary,
		       lc->rejected ? "  [REJECTED: " : "", lc->rejected ? lc->reason : "",
		       lc->rejected ? "]" : "", lc->c.operator[0] ? "  by " : "", lc->c.operator);
	}
	if (!h->n)
		printf("  -\n");
}

json_t *cli_history_json(const cli_history *h)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < h->n; i++) {
		json_t *o = cli_json_change(&h->v[i]);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

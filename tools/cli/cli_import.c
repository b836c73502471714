/*
 * cli_import: bulk loads and offline exchange: `svcsync import` (tickets
 * from JSONL, or an export file of changes) and `svcsync export`.
 *
 * Ticket import is all or nothing. The file is read twice: the first pass
 * parses and checks every line (svc_local_ticket_body, the same checks as
 * `ticket new`) and stops at nothing short of the end, so the user hears of
 * every bad line at once (up to MAX_BAD); only a clean file gets a second
 * pass, which appends the tickets SVC_IMPORT_BATCH per write transaction.
 * Reading twice keeps memory to one batch whatever the file's size.
 *
 * Parsing. Each line is one flat JSON object whose values are strings (or
 * null). jansson parses at about 7 us per line here, which alone would cap an
 * import below 150,000 tickets/s, so lines of that simple shape are read by
 * a small strict scanner (flat_parse); it accepts only what it is certain is
 * valid JSON of that shape, with the same values jansson would produce, and
 * hands anything else (nested values, numbers, odd escapes, bad UTF-8,
 * duplicate keys) to jansson, whose verdict and error message then stand.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_identity.h"
#include "svc_local.h"
#include "svc_offline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MEMBERS 32
#define MAX_BAD 20

static const char import_usage[] =
    "usage: svcsync [--dir DIR] import --kind ticket [--check] FILE.jsonl\n"
    "       svcsync [--dir DIR] import --kind changes FILE\n"
    "\n"
    "--kind ticket: open one ticket per line of FILE.jsonl, each line a JSON\n"
    "object with the fields of 'ticket new' as strings: kind, customer, phone,\n"
    "address, product, serial, purchased (YYYY-MM-DD), fault, shop, region\n"
    "(absent, null or \"\" when not given). Every line is checked first; if any is\n"
    "bad nothing is imported and the first bad line is named (FILE:LINE: field:\n"
    "reason). --check only checks, printing up to 20 bad lines on stdout.\n"
    "\n"
    "--kind changes: apply a file made by 'svcsync export --for THIS-NODE' at a\n"
    "linked node (this node's upstream, or a node below this one). The file's\n"
    "signature must verify with its signer's certified key, and the signer must\n"
    "be neither revoked nor expired; otherwise nothing is imported and the reason\n"
    "is printed. Its changes are then verified, authorized and, if they fail,\n"
    "quarantined exactly as if the signer had sent them over the network.\n"
    "Prints: N new, D already here, Q quarantined. Importing a file twice\n"
    "changes nothing; the network link's position is never moved by a file.\n";

static const char export_usage[] =
    "usage: svcsync [--dir DIR] export --for NODE --out FILE\n"
    "\n"
    "Write to FILE what NODE would receive from this node over their link, for\n"
    "NODE to apply with 'svcsync import --kind changes FILE' when the network is\n"
    "down (a shop's week of work carried to its region on a USB stick). NODE must\n"
    "be linked to this node: its upstream (or, from a shop, HQ above its region),\n"
    "or a node whose upstream is this node. Pending local changes are first\n"
    "signed into commits with this node's key (DIR/node.key), and the file is\n"
    "signed with it too. It holds what NODE may see and no more; still, treat it\n"
    "like the store itself (customers' names and phone numbers).\n";

/* ------------------------------------------------------------ flat JSON */

typedef struct {
	const char *key;
	const char *val; /* NULL for JSON null */
} member;

typedef struct {
	member m[MAX_MEMBERS];
	size_t n;
	char *buf; /* decoded strings of the fast path */
	size_t cap;
	json_t *root; /* the jansson parse, when the fast path declined */
} line_obj;

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Length of the well-formed UTF-8 sequence at s (not ASCII), or 0. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
	unsigned char b = s[0];
	size_t n;
	uint32_t cp, min;
	if (b >= 0xC2 && b <= 0xDF)
		n = 2, cp = b & 0x1F, min = 0x80;
	else if (b >= 0xE0 && b <= 0xEF)
		n = 3, cp = b & 0x0F, min = 0x800;
	else if (b >= 0xF0 && b <= 0xF4)
		n = 4, cp = b & 0x07, min = 0x10000;
	else
		return 0;
	if ((size_t)(end - s) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* A JSON string starting after its opening quote, decoded to *o. Returns
 * the position after the closing quote, or NULL when unsure. */
static const char *flat_string(const char *p, const char *end, char **o)
{
	char *w = *o;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			*w++ = '\0';
			*o = w;
			return p + 1;
		}
		if (c < 0x20)
			return NULL;
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)p, (const unsigned char *)end);
			if (!n)
				return NULL;
			memcpy(w, p, n);
			w += n;
			p += n;
			continue;
		}
		if (c != '\\') {
			*w++ = (char)c;
			p++;
			continue;
		}
		if (++p >= end)
			return NULL;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			*w++ = *p;
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(p + 1, end, &cp))
				return NULL;
			p += 4;
			/* NUL and lone or reversed surrogates are jansson's to refuse. */
			if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
				return NULL;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
				    hex4(p + 3, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return NULL;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			w = put_utf8(w, cp);
			break;
		}
		default:
			return NULL;
		}
		p++;
	}
	return NULL;
}

/* The fast path: 1 when the line is a flat object of strings and nulls
 * (members filled), 0 when jansson must decide. */
static int flat_parse(const char *s, size_t len, line_obj *o)
{
	const char *p = s, *end = s + len;
	char *w = o->buf;
	o->n = 0;
	p = skip_ws(p, end);
	if (p == end || *p++ != '{')
		return 0;
	p = skip_ws(p, end);
	if (p < end && *p == '}') {
		p = skip_ws(p + 1, end);
		return p == end;
	}
	for (;;) {
		if (p == end || *p != '"' || o->n == MAX_MEMBERS)
			return 0;
		const char *key = w;
		if (!(p = flat_string(p + 1, end, &w)))
			return 0;
		for (size_t i = 0; i < o->n; i++)
			if (strcmp(o->m[i].key, key) == 0)
				return 0;
		p = skip_ws(p, end);
		if (p == end || *p++ != ':')
			return 0;
		p = skip_ws(p, end);
		const char *val = NULL;
		if (p < end && *p == '"') {
			val = w;
			if (!(p = flat_string(p + 1, end, &w)))
				return 0;
		} else if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
			p += 4;
		} else {
			return 0;
		}
		o->m[o->n].key = key;
		o->m[o->n].val = val;
		o->n++;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			break;
		return 0;
	}
	p = skip_ws(p + 1, end);
	return p == end;
}

/* Parse one line into members; 0, or -1 with the reason in err. */
static int line_parse(const char *s, size_t len, line_obj *o, char *err, size_t errcap)
{
	json_error_t je;
	json_decref(o->root);
	o->root = NULL;
	/* Decoded strings never outgrow their encoding, plus a NUL each. */
	if (o->cap < len + 2 * MAX_MEMBERS + 1) {
		size_t cap = len + 2 * MAX_MEMBERS + 1;
		char *b = realloc(o->buf, cap);
		if (!b) {
			snprintf(err, errcap, "out of memory");
			return -1;
		}
		o->buf = b;
		o->cap = cap;
	}
	if (flat_parse(s, len, o))
		return 0;
	o->n = 0;
	o->root = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (!o->root) {
		snprintf(err, errcap, "not valid JSON: %s (column %d)", je.text, je.column);
		return -1;
	}
	if (!json_is_object(o->root)) {
		snprintf(err, errcap, "not a JSON object");
		return -1;
	}
	const char *key;
	json_t *v;
	json_object_foreach(o->root, key, v)
	{
		if (o->n == MAX_MEMBERS) {
			snprintf(err, errcap, "more than %d fields", MAX_MEMBERS);
			return -1;
		}
		if (!json_is_string(v) && !json_is_null(v)) {
			snprintf(err, errcap, "%s: must be a string (or null)", key);
			return -1;
		}
		o->m[o->n].key = key;
		o->m[o->n].val = json_is_string(v) ? json_string_value(v) : NULL;
		o->n++;
	}
	return 0;
}

/* Members -> ticket fields; -1 with err for a key that is not a field. */
static int to_fields(const line_obj *o, svc_ticket_fields *f, char *err, size_t errcap)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->m[i].key, *v = o->m[i].val;
		if (strcmp(k, "kind") == 0)
			f->kind = v;
		else if (strcmp(k, "customer") == 0)
			f->customer = v;
		else if (strcmp(k, "phone") == 0)
			f->phone = v;
		else if (strcmp(k, "address") == 0)
			f->address = v;
		else if (strcmp(k, "product") == 0)
			f->product = v;
		else if (strcmp(k, "serial") == 0)
			f->serial = v;
		else if (strcmp(k, "purchased") == 0)
			f->purchased = v;
		else if (strcmp(k, "fault") == 0)
			f->fault = v;
		else if (strcmp(k, "shop") == 0)
			f->shop = v;
		else if (strcmp(k, "region") == 0)
			f->region = v;
		else {
			char shown[64];
			cli_oneline(shown, sizeof shown, k, 32);
			snprintf(err, errcap,
			         "%s: not a ticket field (kind, customer, phone, address, product, "
			         "serial, purchased, fault, shop, region)",
			         shown);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ ticket import */

typedef struct {
	const char *path;
	FILE *f;
	char *line;
	size_t line_cap;
	size_t lineno;
	line_obj obj;
	char err[768];
} reader;

/* The next ticket of the file: 1 (body filled), 0 at the end, -1 for a bad
 * line (r->err says "FILE:LINE: reason"), -2 for a read error. `judge` asks
 * the merge rules too (the first pass); the second pass leaves that to the
 * append. */
static int next_ticket(reader *r, svc_txn *t, svc_ticket_open *body, bool judge)
{
	svc_ticket_fields f;
	char why[600];
	for (;;) {
		errno = 0;
		ssize_t n = getline(&r->line, &r->line_cap, r->f);
		if (n < 0) {
			if (ferror(r->f)) {
				snprintf(r->err, sizeof r->err, "%s: read: %s", r->path,
				         strerror(errno ? errno : EIO));
				return -2;
			}
			return 0;
		}
		r->lineno++;
		const char *p = skip_ws(r->line, r->line + n);
		if (p == r->line + n)
			continue; /* blank lines carry nothing */
		if (line_parse(r->line, (size_t)n, &r->obj, why, sizeof why) ||
		    to_fields(&r->obj, &f, why, sizeof why))
			goto bad;
		if (judge ? svc_local_ticket_body(t, &f, body)
		          : svc_local_ticket_fill(t, &f, body)) {
			snprintf(why, sizeof why, "%s", svc_errmsg());
			goto bad;
		}
		return 1;
	bad:
		snprintf(r->err, sizeof r->err, "%s:%zu: %s", r->path, r->lineno, why);
		return -1;
	}
}

static void reader_free(reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->line);
	free(r->obj.buf);
	json_decref(r->obj.root);
}

/* Pass 1: check every line, in read transactions of SVC_IMPORT_BATCH lines. */
static int check_all(svc_store *s, reader *r, bool list, size_t *good, size_t *bad, char *first_err,
                     size_t cap)
{
	svc_ticket_open *body = malloc(sizeof *body);
	svc_txn *t = NULL;
	int rc = 0;
	*good = *bad = 0;
	first_err[0] = '\0';
	if (!body)
		return svc_errf(SVC_ENOMEM, "out of memory");
	for (size_t in_txn = 0;; in_txn++) {
		if (!t || in_txn == SVC_IMPORT_BATCH) {
			svc_txn_abort(&t);
			if ((rc = svc_txn_begin(s, false, &t)))
				break;
			in_txn = 0;
		}
		int got = next_ticket(r, t, body, true);
		if (got == 0)
			break;
		if (got == -2) {
			rc = svc_errf(SVC_EIO, "%s", r->err);
			break;
		}
		if (got == 1) {
			(*good)++;
			continue;
		}
		if (!first_err[0])
			snprintf(first_err, cap, "%s", r->err);
		if (list)
			printf("%s\n", r->err);
		if (++(*bad) == MAX_BAD)
			break;
	}
	svc_txn_abort(&t);
	free(body);
	return rc;
}

/* Pass 2: append, one write transaction per batch. */
static int append_all(svc_store *s, reader *r, size_t *imported, char first[SVC_AGG_LEN])
{
	svc_ticket_open *bodies = malloc(SVC_IMPORT_BATCH * sizeof *bodies);
	int rc = 0;
	*imported = 0;
	first[0] = '\0';
	if (!bodies)
		return svc_errf(SVC_ENOMEM, "out of memory for a batch of %d tickets",
		                SVC_IMPORT_BATCH);
	for (bool more = true; more && !rc;) {
		svc_txn *t = NULL;
		size_t n = 0, done = 0;
		char batch_first[SVC_AGG_LEN];
		if ((rc = svc_txn_begin(s, false, &t)))
			break;
		while (n < SVC_IMPORT_BATCH) {
			int got = next_ticket(r, t, &bodies[n], false);
			if (got == 1) {
				n++;
				continue;
			}
			more = false;
			/* A line that passed the check and fails now: the
			 * directory changed in between. */
			if (got < 0)
				rc = svc_errf(got == -2 ? SVC_EIO : SVC_EINVAL, "%s", r->err);
			break;
		}
		svc_txn_abort(&t);
		if (rc || n == 0)
			break;
		rc = svc_local_ticket_import(s, bodies, n, &done, batch_first);
		if (!first[0])
			snprintf(first, SVC_AGG_LEN, "%s", batch_first);
		*imported += done;
	}
	free(bodies);
	return rc;
}

static int import_tickets(const cli_ctx *ctx, const cli_args *a, const char *path)
{
	reader r;
	svc_store *s = NULL;
	size_t good, bad, imported = 0;
	char first_err[768], first[SVC_AGG_LEN];
	bool check = cli_flag(a, "check");
	int rc;

	memset(&r, 0, sizeof r);
	r.path = path;
	r.f = fopen(path, "r");
	if (!r.f)
		return cli_failf("%s: %s", path, strerror(errno));
	if ((rc = cli_open(ctx, !check, &s))) {
		reader_free(&r);
		return rc;
	}
	if (check_all(s, &r, check, &good, &bad, first_err, sizeof first_err)) {
		rc = cli_fail();
	} else if (bad) {
		rc = cli_failf("%s (%zu%s bad line%s; nothing imported)", first_err, bad,
		               bad == MAX_BAD ? " or more" : "", bad == 1 ? "" : "s");
	} else if (check) {
		printf("%s: %zu tickets, all good\n", path, good);
	} else if (fseek(r.f, 0, SEEK_SET) != 0) {
		rc = cli_failf("%s: cannot read it again: %s", path, strerror(errno));
	} else {
		r.lineno = 0;
		if (append_all(s, &r, &imported, first))
			rc = cli_failf("%s (%zu tickets were imported before it)", svc_errmsg(),
			               imported);
		else if (imported)
			printf("imported %zu tickets from %s, first %s\n", imported, path, first);
		else
			printf("imported 0 tickets from %s\n", path);
	}
	reader_free(&r);
	if (imported)
		cli_done_write(ctx, &s);
	else
		svc_store_close(&s);
	return rc;
}

/* ------------------------------------------------------------ changes */

static int import_changes(const cli_ctx *ctx, const cli_args *a, const char *path)
{
	svc_store *s = NULL;
	svc_import_stats st;
	int rc;
	if (cli_flag(a, "check"))
		return cli_usage(a, "--check applies to --kind ticket only");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	rc = svc_offline_import(s, path, &st);
	/* Batches applied before a failure stay applied: wake the daemon for
	 * them either way. */
	if (st.applied || st.quarantined)
		cli_done_write(ctx, &s);
	else
		svc_store_close(&s);
	if (rc)
		return cli_fail();
	printf("imported %s from %s: %zu changes: %zu new, %zu already here, %zu quarantined\n",
	       path, st.signer, st.total, st.applied, st.present, st.quarantined);
	if (st.quarantined)
		printf("first quarantined: %s (see svcsync quarantine list)\n", st.first_reason);
	return CLI_OK;
}

int cli_cmd_import(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *kind;
	int rc = cli_parse(&a, "import", import_usage, "kind= check", 1, argc, argv);
	if (rc || (rc = cli_need(&a, "kind", &kind)) || (rc = cli_need_pos(&a, 1, "FILE")))
		return rc;
	if (strcmp(kind, "ticket") == 0 || strcmp(kind, "tickets") == 0)
		return import_tickets(ctx, &a, a.pos[0]);
	if (strcmp(kind, "changes") == 0)
		return import_changes(ctx, &a, a.pos[0]);
	return cli_usage(&a, "--kind: '%s' is not ticket or changes", kind);
}

int cli_cmd_export(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *out, *for_node;
	svc_store *s = NULL;
	svc_keypair *kp = NULL;
	svc_export_stats st;
	int rc = cli_parse(&a, "export", export_usage, "out= for=", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "for", &for_node)) || (rc = cli_need(&a, "out", &out)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	memset(&st, 0, sizeof st);
	rc = svc_identity_key(ctx->dir, &kp);
	if (!rc)
		rc = svc_offline_export(s, kp, for_node, out, &st);
	svc_keypair_destroy(&kp);
	if (st.commits)
		cli_done_write(ctx, &s);
	else
		svc_store_close(&s);
	if (rc)
		return cli_fail();
	printf("exported %zu changes for %s to %s (%zu new commits signed)\n", st.changes, for_node,
	       out, st.commits);
	return CLI_OK;
}

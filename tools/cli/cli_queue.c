/*
 * cli_queue: svcsync queue, the region's and HQ's work lists: tickets past
 * their on-site due time, tickets owing a callback, and HQ's spot-check
 * sample. Each walks one of the fold's queue indexes (svc_fold.h,
 * SVC_INDEX_QUEUE_*) from its head and stops after a page, so its cost
 * follows the page and the queue, not the store. "Overdue" and "owed" are
 * computed here, when read, from folded times: never stored decisions.
 */
#include "cli.h"

#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_journal.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char queue_usage[] =
    "usage: svcsync [--dir DIR] queue onsite|callbacks|complaints|samples [--region R]\n"
    "                           [--shop S] [--month YYYY-MM] [--limit N] [--json]\n"
    "\n"
    "  onsite     tickets whose on-site due time has passed without a visit,\n"
    "             most overdue first\n"
    "  callbacks  resolved or closed tickets owing a callback under the policy\n"
    "             (every ticket, or the grade's sampled share), oldest first\n"
    "  complaints open complaints by deadline, overdue first (see 'svcsync queue\n"
    "             complaints --help')\n"
    "  samples    HQ's spot-check sample (抽访) of one month per shop (HQ only)\n"
    "\n"
    "A page is 20 entries unless --limit N says otherwise. Times are shown in\n"
    "the network's time zone.\n";

#define QUEUE_PAGE 20

struct queue_arg {
	svc_txn *t;
	const char *region, *shop;
	size_t limit, n;
	uint64_t now;
	cli_list *l;
	int kind; /* 0 onsite, 1 callbacks */
	/* callbacks: the policy versions read so far (the callback rule of the
	 * version each ticket was judged under) */
	svc_policy pol;
	bool have_pol;
	int err;
};

static bool wanted(const struct queue_arg *a, const svc_ticket *tk)
{
	if (a->region && strcmp(a->region, tk->region) != 0)
		return false;
	return !a->shop || strcmp(a->shop, tk->shop) == 0;
}

/* A hash's first four bytes, as a share of 2^32, below pct percent? */
static bool picked(const uint8_t h[SVC_HASH_LEN], unsigned pct)
{
	uint32_t x = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	return (uint64_t)x * 100 < (uint64_t)pct << 32;
}

/* Is a ticket of a sampled grade among those called back? An unkeyed hash
 * of its id, so every node names the same tickets and a late ticket never
 * changes an earlier pick. */
static bool callback_picked(const svc_ticket *tk, unsigned pct)
{
	uint8_t h[SVC_HASH_LEN];
	if (pct >= 100)
		return true;
	svc_hash(tk->id, strlen(tk->id), h);
	return picked(h, pct);
}

/* The policy version a ticket was judged under (0: the defaults). */
static int policy_version(svc_txn *t, uint32_t version, svc_policy *out)
{
	memset(out, 0, sizeof *out);
	if (version == 0)
		return 0;
	int rc = svc_fold_policy_version(t, version, out);
	if (rc == SVC_ENOTFOUND) { /* not here yet: judge by the defaults */
		svc_errclear();
		memset(out, 0, sizeof *out);
		out->version = version;
		return 0;
	}
	return rc;
}

static void row(struct queue_arg *a, svc_ticket *tk, uint64_t when)
{
	char t1[32], late[32], status[24];
	cli_ticket_customer(a->t, tk);
	cli_time(t1, when);
	snprintf(status, sizeof status, "%s", svc_ticket_status_name(tk->status));
	if (a->kind == 0) {
		uint64_t m = (a->now - when) / 60000;
		snprintf(late, sizeof late, "%" PRIu64 "h%02" PRIu64 "m", m / 60, m % 60);
	} else {
		snprintf(late, sizeof late, "%" PRIu32 "/%" PRIu32, tk->callback_attempts,
		         tk->callback_unreached);
	}
	if (cli_list_json(a->l)) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(tk->id));
		json_object_set_new(o, "region", cli_json_opt(tk->region));
		json_object_set_new(o, "shop", cli_json_opt(tk->shop));
		json_object_set_new(o, "status", json_string(status));
		json_object_set_new(o, "customer", cli_json_opt(tk->customer));
		json_object_set_new(o, "phone", cli_json_opt(tk->phone));
		if (a->kind == 0) {
			json_object_set_new(o, "onsite_due_ms", cli_json_ms(when));
			json_object_set_new(o, "overdue_minutes",
			                    json_integer((json_int_t)((a->now - when) / 60000)));
		} else {
			json_object_set_new(o, "resolved_ms", cli_json_ms(when));
			json_object_set_new(o, "attempts", json_integer(tk->callback_attempts));
			json_object_set_new(o, "unreachable", json_integer(tk->callback_unreached));
		}
		cli_list_obj(a->l, o);
		return;
	}
	const char *cells[] = {
	    tk->id, tk->region[0] ? tk->region : "-",     tk->shop[0] ? tk->shop : "-",  status, t1,
	    late,   tk->customer[0] ? tk->customer : "-", tk->phone[0] ? tk->phone : "-"};
	cli_list_row(a->l, cells);
}

static int queue_cb(const char *value, const char *agg, void *argp)
{
	struct queue_arg *a = argp;
	uint64_t when = strtoull(value, NULL, 16);
	if (a->kind == 0 && when > a->now)
		return 1; /* the rest is not due yet */
	svc_ticket *tk = malloc(sizeof *tk);
	if (!tk) {
		a->err = svc_errf(SVC_ENOMEM, "out of memory");
		return 1;
	}
	int rc = svc_fold_ticket_get(a->t, agg, tk);
	if (rc) {
		free(tk);
		a->err = rc;
		return 1;
	}
	bool take = wanted(a, tk);
	if (take && a->kind == 1) {
		if (!a->have_pol || a->pol.version != tk->policy_version) {
			rc = policy_version(a->t, tk->policy_version, &a->pol);
			if (rc) {
				free(tk);
				a->err = rc;
				return 1;
			}
			a->have_pol = true;
		}
		take = callback_picked(tk, svc_policy_callback_pct(&a->pol, tk->grade));
	}
	if (take) {
		row(a, tk, when);
		a->n++;
	}
	free(tk);
	return a->n >= a->limit;
}

static const char *const onsite_headers[] = {"TICKET", "REGION",  "SHOP",     "STATUS",
                                             "DUE",    "OVERDUE", "CUSTOMER", "PHONE"};
static const char *const callback_headers[] = {
    "TICKET", "REGION", "SHOP", "STATUS", "RESOLVED", "ATTEMPTS/UNREACHED", "CUSTOMER", "PHONE"};

static int queue_walk(const cli_ctx *ctx, const cli_args *a, int kind, size_t limit, bool json)
{
	svc_store *s = NULL;
	struct queue_arg q = {.region = cli_opt(a, "region"),
	                      .shop = cli_opt(a, "shop"),
	                      .limit = limit,
	                      .now = svc_journal_now_ms(),
	                      .kind = kind};
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	q.l = cli_list_new(json, 8, kind == 0 ? onsite_headers : callback_headers, "llllllll");
	if (!q.l || svc_txn_begin(s, false, &q.t)) {
		svc_store_close(&s);
		return q.l ? cli_fail() : CLI_FAIL;
	}
	rc = svc_fold_index_each(q.t, kind == 0 ? SVC_INDEX_QUEUE_ONSITE : SVC_INDEX_QUEUE_CALLBACK,
	                         "", true, queue_cb, &q);
	svc_txn_abort(&q.t);
	svc_store_close(&s);
	int out = cli_list_end(&q.l);
	if (q.err || rc < 0)
		return cli_fail();
	return out;
}

/* ------------------------------------------------------------ samples */

/* HQ's sample key: 32 random bytes in the node directory, made on first use,
 * readable by its owner only, never in the store and so never replicated: a
 * region cannot tell which of its customers HQ will call. */
static int sample_key(const char *dir, uint8_t key[SVC_HASH_KEY_LEN])
{
	char path[4096];
	snprintf(path, sizeof path, "%s/sample.key", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		uint8_t k[SVC_HASH_KEY_LEN];
		char tmp[4200];
		svc_random(k, sizeof k);
		snprintf(tmp, sizeof tmp, "%s.new", path);
		int w = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (w < 0)
			return svc_errf(SVC_EIO, "%s: %s", tmp, strerror(errno));
		bool ok = write(w, k, sizeof k) == (ssize_t)sizeof k && fsync(w) == 0;
		ok = close(w) == 0 && ok;
		/* link, not rename: a key another process made first wins */
		if (!ok || (link(tmp, path) != 0 && errno != EEXIST)) {
			int e = errno;
			unlink(tmp);
			return svc_errf(SVC_EIO, "%s: %s", path, strerror(e));
		}
		unlink(tmp);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	ssize_t n = read(fd, key, SVC_HASH_KEY_LEN);
	close(fd);
	if (n != SVC_HASH_KEY_LEN)
		return svc_errf(SVC_EIO, "%s: not a sample key (%d bytes, want %d)", path, (int)n,
		                SVC_HASH_KEY_LEN);
	return 0;
}

struct sample_arg {
	svc_txn *t;
	const uint8_t *key;
	unsigned pct;
	cli_list *l;
	size_t tickets, picked, limit, shown;
	int err;
};

static int sample_cb(const char *value, const char *agg, void *argp)
{
	struct sample_arg *a = argp;
	uint8_t h[SVC_HASH_LEN];
	(void)value;
	a->tickets++;
	svc_hash_keyed(a->key, agg, strlen(agg), h);
	if (!picked(h, a->pct))
		return 0;
	a->picked++;
	if (a->shown >= a->limit)
		return 0;
	svc_ticket *tk = malloc(sizeof *tk);
	if (!tk) {
		a->err = svc_errf(SVC_ENOMEM, "out of memory");
		return 1;
	}
	int rc = svc_fold_ticket_get(a->t, agg, tk);
	if (rc) {
		free(tk);
		a->err = rc;
		return 1;
	}
	cli_ticket_customer(a->t, tk);
	char res[32];
	cli_time(res, tk->resolved ? tk->resolved : tk->closed);
	if (cli_list_json(a->l)) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(tk->id));
		json_object_set_new(o, "region", cli_json_opt(tk->region));
		json_object_set_new(o, "shop", cli_json_opt(tk->shop));
		json_object_set_new(o, "status", json_string(svc_ticket_status_name(tk->status)));
		json_object_set_new(o, "customer", cli_json_opt(tk->customer));
		json_object_set_new(o, "phone", cli_json_opt(tk->phone));
		json_object_set_new(o, "resolved_ms",
		                    cli_json_ms(tk->resolved ? tk->resolved : tk->closed));
		cli_list_obj(a->l, o);
	} else {
		const char *cells[] = {tk->shop,
		                       tk->id,
		                       svc_ticket_status_name(tk->status),
		                       res,
		                       tk->customer[0] ? tk->customer : "-",
		                       tk->phone[0] ? tk->phone : "-"};
		cli_list_row(a->l, cells);
	}
	a->shown++;
	free(tk);
	return 0;
}

struct shops_arg {
	const char *region, *shop;
	char (*v)[SVC_ID_LEN];
	size_t n, cap;
};

static int shop_cb(const svc_node *n, void *argp)
{
	struct shops_arg *a = argp;
	if (n->role != SVC_ROLE_SHOP || (a->region && strcmp(n->region, a->region) != 0) ||
	    (a->shop && strcmp(n->node, a->shop) != 0))
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void *p = realloc(a->v, cap * sizeof *a->v);
		if (!p)
			return svc_errf(SVC_ENOMEM, "out of memory");
		a->v = p;
		a->cap = cap;
	}
	snprintf(a->v[a->n++], SVC_ID_LEN, "%s", n->node);
	return 0;
}

static int queue_samples(const cli_ctx *ctx, const cli_args *a, size_t limit, bool json)
{
	static const char *const headers[] = {"SHOP",     "TICKET",   "STATUS",
	                                      "RESOLVED", "CUSTOMER", "PHONE"};
	svc_store *s = NULL;
	svc_self self;
	svc_policy pol;
	const svc_tz *tz;
	uint32_t today, month;
	uint8_t key[SVC_HASH_KEY_LEN];
	struct shops_arg shops = {.region = cli_opt(a, "region"), .shop = cli_opt(a, "shop")};
	struct sample_arg sa = {.key = key, .limit = limit};
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	if (svc_txn_begin(s, false, &sa.t)) {
		svc_store_close(&s);
		return cli_fail();
	}
	rc = svc_self_get(sa.t, &self);
	if (!rc && self.role != SVC_ROLE_HQ)
		rc = svc_errf(SVC_EDENIED,
		              "queue samples: HQ only (the sample is drawn with HQ's own key, "
		              "which %s does not hold)",
		              self.node);
	if (!rc)
		rc = svc_local_policy_today(sa.t, svc_journal_now_ms(), &pol, &tz, &today);
	month = today / 100;
	if (!rc && cli_opt(a, "month")) {
		const char *m = cli_opt(a, "month");
		unsigned y, mo;
		char extra;
		if (sscanf(m, "%4u-%2u%c", &y, &mo, &extra) != 2 || strlen(m) != 7 || mo < 1 ||
		    mo > 12 || y < 2000)
			rc = svc_errf(SVC_EINVAL, "month: '%s' is not YYYY-MM", m);
		month = y * 100 + mo;
	}
	if (!rc)
		rc = sample_key(ctx->dir, key);
	if (!rc)
		rc = svc_fold_node_each(sa.t, shop_cb, &shops);
	sa.pct = svc_policy_days(&pol, "sample_pct");
	sa.l = rc ? NULL : cli_list_new(json, 6, headers, "llllll");
	for (size_t i = 0; !rc && sa.l && i < shops.n; i++) {
		char v[SVC_FOLD_INDEX_VALUE_LEN];
		snprintf(v, sizeof v, "%s/%06" PRIu32, shops.v[i], month);
		rc = svc_fold_index_each(sa.t, SVC_INDEX_QUEUE_MONTH, v, false, sample_cb, &sa);
		if (sa.err)
			rc = sa.err;
	}
	svc_txn_abort(&sa.t);
	svc_store_close(&s);
	free(shops.v);
	if (rc) {
		if (sa.l)
			cli_list_end(&sa.l);
		return cli_fail();
	}
	int out = cli_list_end(&sa.l);
	if (!json)
		fprintf(stderr,
		        "%04" PRIu32 "-%02" PRIu32
		        ": %zu of %zu resolved tickets picked (%u%%) in %zu "
		        "shop%s\n",
		        month / 100, month % 100, sa.picked, sa.tickets, sa.pct, shops.n,
		        shops.n == 1 ? "" : "s");
	return out;
}

int cli_cmd_queue(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	size_t limit = 0;
	/* complaints: the complaint module's own queue (cli_complaint.c) */
	if (argc > 1 && strcmp(argv[1], "complaints") == 0)
		return cli_queue_complaints(ctx, argc - 1, argv + 1);
	int rc =
	    cli_parse(&a, "queue", queue_usage, "region= shop= month= limit= json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "queue (onsite, callbacks, complaints or samples)")) ||
	    (rc = cli_list_limit(&a, &limit)))
		return rc;
	if (!limit)
		limit = QUEUE_PAGE;
	bool json = cli_flag(&a, "json");
	if (strcmp(a.pos[0], "onsite") == 0)
		return queue_walk(ctx, &a, 0, limit, json);
	if (strcmp(a.pos[0], "callbacks") == 0)
		return queue_walk(ctx, &a, 1, limit, json);
	if (strcmp(a.pos[0], "samples") == 0)
		return queue_samples(ctx, &a, limit, json);
	return cli_usage(&a, "unknown queue '%s' (onsite, callbacks, complaints or samples)",
	                 a.pos[0]);
}

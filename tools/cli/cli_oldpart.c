/*
 * cli_oldpart: old parts back to the factory (旧件返厂): `part forward`,
 * `part waive` and `part returns` (the shipment itself is `part return`,
 * a receipt `part receive --return`, in cli_part.c).
 *
 * `part returns --outstanding` is a view, computed from what this node
 * holds: per shop and part, the part lines of the shop's standing claims
 * for parts the catalog flags return_old, less what the region accepted of
 * each line's old parts (a waived line counts as back), with the earliest
 * deadline, old_part_days after the claim's approval in the network's zone
 * (svc_rules_oldpart_due, the same helper a ledger uses). A shop, its
 * region and HQ hold the same claims and records of that shop, so they
 * print the same lines.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ forward, waive */

static const char forward_usage[] =
    "usage: svcsync [--dir DIR] part forward RID\n"
    "\n"
    "Send on to HQ all the old parts of return RID (O:<ticket>/<part_no>) that\n"
    "this region accepted at inspection and has not forwarded yet (a region,\n"
    "for its own shops). HQ takes them in with 'part receive --return RID'.\n";

static const char waive_usage[] =
    "usage: svcsync [--dir DIR] part waive RID --reason TEXT\n"
    "\n"
    "HQ needs no return of the old parts of RID (O:<ticket>/<part_no>): they\n"
    "count as back for the claim's line and its deadline. Creates the record\n"
    "when nothing was shipped yet. The reason is at most 60 characters.\n";

int cli_part_forward(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t qty = 0;
	int rc = cli_parse(&a, "part forward", forward_usage, "", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "RID")) || (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_oldpart_forward(s, a.pos[0], &qty)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("forwarded %" PRId64 " old parts of %s to HQ\n", qty, a.pos[0]);
	return CLI_OK;
}

int cli_part_waive(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *reason;
	int rc = cli_parse(&a, "part waive", waive_usage, "reason=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "RID")) || (rc = cli_need(&a, "reason", &reason)) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_oldpart_waive(s, a.pos[0], reason)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("waived %s\n", a.pos[0]);
	return CLI_OK;
}

/* ------------------------------------------------------------ returns */

static const char returns_usage[] =
    "usage: svcsync [--dir DIR] part returns [--shop S] [--outstanding] [--json]\n"
    "\n"
    "Old parts on their way back, one line per ticket and part (RID\n"
    "O:<ticket>/<part_no>): shipped by the shop, received and accepted or\n"
    "rejected at the region, forwarded, received at HQ, and where they are\n"
    "(in_transit, at_region, forwarded, at_hq, waived).\n"
    "\n"
    "With --outstanding: per shop and part, the old parts owed: the part lines\n"
    "of the shop's claims (submitted to approved, not returned or rejected)\n"
    "for parts the catalog flags return_old, less what the region accepted\n"
    "(a waived one counts as back), with the earliest due date: old_part_days\n"
    "(policy, default 30) after the claim's approval, in the network's zone.\n"
    "Works at the shop, its region and HQ over what each holds.\n";

static int returns_id_cb(const svc_old_part *op, void *arg)
{
	cli_ids_add(arg, op->last.hlc, op->id);
	return 0;
}

struct returns_filter {
	const char *shop;
};

static int returns_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	(void)s;
	(void)arg;
	return svc_fold_oldpart_each(t, returns_id_cb, ids);
}

static json_t *oldpart_json(const svc_old_part *op)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(op->id));
	json_object_set_new(o, "ticket", json_string(op->ticket));
	json_object_set_new(o, "part_no", json_string(op->part_no));
	json_object_set_new(o, "shop", json_string(op->shop));
	json_object_set_new(o, "region", json_string(op->region));
	json_object_set_new(o, "shipped", json_integer(op->shipped));
	json_object_set_new(o, "received", json_integer(op->received));
	json_object_set_new(o, "accepted", json_integer(svc_old_part_accepted(op)));
	json_object_set_new(o, "rejected", json_integer(op->rejected));
	json_object_set_new(o, "reject_reason", json_string(op->reject_reason));
	json_object_set_new(o, "forwarded", json_integer(op->forwarded));
	json_object_set_new(o, "hq_received", json_integer(op->hq_received));
	json_object_set_new(o, "state", json_string(svc_old_part_state_name(op)));
	json_object_set_new(o, "shipped_ms", cli_json_ms(op->shipped_at));
	json_object_set_new(o, "accepted_ms", cli_json_ms(op->accepted_at));
	json_object_set_new(o, "waived_ms", cli_json_ms(op->waived));
	json_object_set_new(o, "waive_reason", json_string(op->waive_reason));
	return o;
}

static void returns_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	const struct returns_filter *f = arg;
	svc_old_part op;
	char n[6][24];
	if (svc_fold_oldpart_get(t, id, &op)) {
		svc_errclear();
		return;
	}
	if (f->shop && strcmp(op.shop, f->shop) != 0)
		return;
	if (cli_list_json(l)) {
		cli_list_obj(l, oldpart_json(&op));
		return;
	}
	int64_t v[6] = {op.shipped,  op.received,  svc_old_part_accepted(&op),
	                op.rejected, op.forwarded, op.hq_received};
	for (int i = 0; i < 6; i++)
		snprintf(n[i], sizeof n[i], "%" PRId64, v[i]);
	const char *cells[] = {op.id,
	                       op.ticket,
	                       op.part_no,
	                       op.shop,
	                       n[0],
	                       n[1],
	                       n[2],
	                       n[3],
	                       n[4],
	                       n[5],
	                       svc_old_part_state_name(&op)};
	cli_list_row(l, cells);
}

/* ---- outstanding */

typedef struct {
	char shop[SVC_ID_LEN];
	char part_no[SVC_PART_LEN];
	int64_t claimed, owed;
	uint64_t deadline; /* earliest of the lines still owed; 0 none approved */
} owed_row;

typedef struct {
	svc_txn *t;
	const char *shop;
	const svc_tz *tz;
	owed_row *v;
	size_t n, cap;
	int rc;
} owed_acc;

static bool standing(uint32_t status)
{
	return status == SVC_CS_SUBMITTED || status == SVC_CS_AUDITED ||
	       status == SVC_CS_APPROVED || status == SVC_CS_PARTIAL || status == SVC_CS_PAID;
}

static owed_row *owed_slot(owed_acc *acc, const char *shop, const char *part_no)
{
	for (size_t i = 0; i < acc->n; i++)
		if (strcmp(acc->v[i].shop, shop) == 0 && strcmp(acc->v[i].part_no, part_no) == 0)
			return &acc->v[i];
	if (acc->n == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 32;
		owed_row *v = realloc(acc->v, cap * sizeof *v);
		if (!v)
			return NULL;
		acc->v = v;
		acc->cap = cap;
	}
	owed_row *r = &acc->v[acc->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->shop, sizeof r->shop, "%s", shop);
	snprintf(r->part_no, sizeof r->part_no, "%s", part_no);
	return r;
}

/* The days the policy in force on the approval's date gives. */
static unsigned days_at(owed_acc *acc, uint64_t approved)
{
	svc_policy pol;
	int32_t day = svc_tz_date_of(acc->tz, (int64_t)approved);
	if (svc_fold_policy_at(acc->t, (uint32_t)day, &pol)) {
		svc_errclear();
		return svc_policy_days(NULL, "old_part_days");
	}
	return svc_policy_days(&pol, "old_part_days");
}

static int owed_claim(const svc_claim *cl, void *arg)
{
	owed_acc *acc = arg;
	if (!standing(cl->status) || (acc->shop && strcmp(cl->shop, acc->shop) != 0))
		return 0;
	bool approved = cl->status == SVC_CS_APPROVED || cl->status == SVC_CS_PARTIAL ||
	                cl->status == SVC_CS_PAID;
	for (uint32_t i = 0; i < cl->nparts && i < SVC_CLAIM_PARTS_MAX; i++) {
		const svc_claim_part *p = &cl->parts[i];
		svc_catalog_item item;
		svc_old_part op;
		char id[SVC_AGG_LEN];
		if (svc_fold_catalog_get(acc->t, p->part_no, &item) || !item.return_old) {
			svc_errclear();
			continue;
		}
		svc_rules_oldpart_agg(id, cl->ticket, p->part_no);
		bool have = id[0] && svc_fold_oldpart_get(acc->t, id, &op) == 0;
		svc_errclear();
		uint64_t at = approved ? cl->decided : 0, back, deadline;
		svc_rules_oldpart_due(acc->tz, p->qty, at, at ? days_at(acc, at) : 0,
		                      have ? &op : NULL, &back, &deadline);
		int64_t accepted = have ? svc_old_part_accepted(&op) : 0;
		int64_t owed = have && op.waived ? 0 : (int64_t)p->qty - accepted;
		owed_row *r = owed_slot(acc, cl->shop, p->part_no);
		if (!r) {
			acc->rc = svc_errf(SVC_ENOMEM, "out of memory");
			return 1;
		}
		r->claimed += p->qty;
		if (owed <= 0)
			continue;
		r->owed += owed;
		if (deadline && (!r->deadline || deadline < r->deadline))
			r->deadline = deadline;
	}
	return 0;
}

static int owed_cmp(const void *a, const void *b)
{
	const owed_row *x = a, *y = b;
	int c = strcmp(x->shop, y->shop);
	return c ? c : strcmp(x->part_no, y->part_no);
}

static int returns_outstanding(const cli_ctx *ctx, const char *shop, bool json)
{
	static const char *const headers[] = {"SHOP", "PART_NO", "CLAIMED", "OWED", "DUE"};
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_policy pol;
	uint32_t today;
	owed_acc acc = {.shop = shop};
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_local_policy_today(t, svc_journal_now_ms(), &pol, &acc.tz, &today);
	acc.t = t;
	if (!rc && svc_fold_claim_each(t, owed_claim, &acc) < 0)
		rc = -1;
	if (!rc)
		rc = acc.rc;
	svc_txn_abort(&t);
	if (rc) {
		free(acc.v);
		svc_store_close(&s);
		return cli_fail();
	}
	if (acc.n)
		qsort(acc.v, acc.n, sizeof *acc.v, owed_cmp);
	cli_list *l = cli_list_new(json, 5, headers, "llrrl");
	for (size_t i = 0; l && i < acc.n; i++) {
		const owed_row *r = &acc.v[i];
		char due[16] = "-", claimed[24], owed[24];
		if (r->deadline)
			cli_date(due, (uint32_t)svc_tz_date_of(acc.tz, (int64_t)r->deadline - 1));
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "shop", json_string(r->shop));
			json_object_set_new(o, "part_no", json_string(r->part_no));
			json_object_set_new(o, "claimed", json_integer(r->claimed));
			json_object_set_new(o, "owed", json_integer(r->owed));
			json_object_set_new(o, "due", r->deadline ? json_string(due) : json_null());
			json_object_set_new(o, "deadline_ms", cli_json_ms(r->deadline));
			cli_list_obj(l, o);
			continue;
		}
		snprintf(claimed, sizeof claimed, "%" PRId64, r->claimed);
		snprintf(owed, sizeof owed, "%" PRId64, r->owed);
		const char *cells[] = {r->shop, r->part_no, claimed, owed, due};
		cli_list_row(l, cells);
	}
	free(acc.v);
	svc_store_close(&s);
	return cli_list_end(&l);
}

int cli_part_returns(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"RID",       "TICKET",   "PART_NO",  "SHOP",
	                                      "SHIPPED",   "RECEIVED", "ACCEPTED", "REJECTED",
	                                      "FORWARDED", "AT_HQ",    "STATE"};
	static const cli_list_spec spec = {headers, "llllrrrrrrl", false, returns_collect,
	                                   returns_row};
	cli_args a;
	int rc =
	    cli_parse(&a, "part returns", returns_usage, "shop= outstanding json", 0, argc, argv);
	if (rc)
		return rc;
	struct returns_filter f = {cli_opt(&a, "shop")};
	if (cli_flag(&a, "outstanding"))
		return returns_outstanding(ctx, f.shop, cli_flag(&a, "json"));
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, &f);
}

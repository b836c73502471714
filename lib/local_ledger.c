/*
 * local_ledger: the svc_local operations on a shop's ledger and its months'
 * statements, see svc_local.h.
 *
 * A payment run is chosen here, at HQ's desk: every claim of the shop that
 * HQ approved (in full or in part) in the month, in the network's zone, and
 * that no run has paid yet, in claim id order, SVC_PAY_RUN_CLAIMS_MAX to a
 * change. A claim whose old part must come back and is not back at the
 * region waits for a later run (svc_ledger_payable). The fold then holds
 * each run to its claims as they stand at its place in fold order
 * (svc_fold.c), at every node alike: the desk's choice is a proposal, the
 * fold is the judge.
 *
 * The reads gather one shop's records for its ledger: its claims, its
 * months' statements, at the cost of a walk of the claims this node holds
 * (a region's or HQ's) and of the shop's statements.
 */
#include "svc_local.h"

#include "local_impl.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A shop of this node's directory. */
static int need_shop(svc_txn *t, const char *shop)
{
	char why[SVC_REASON_LEN];
	svc_node n;
	if (!given(shop))
		return svc_errf(SVC_EINVAL, "shop: required (a shop's node id)");
	if (svc_check_node_id("shop", shop, why, sizeof why))
		return svc_errf(SVC_EINVAL, "%s", why);
	int rc = svc_fold_node_get(t, shop, &n);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "shop: unknown shop %s (not in this node's directory)", shop);
	TRY(rc);
	if (n.role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EINVAL, "shop: %s is a %s, not a shop", shop,
		                svc_role_name(n.role));
	return 0;
}

static int need_month(const char *month, uint32_t *out)
{
	RULE(svc_parse_month("month", month, out, reason_, sizeof reason_));
	return 0;
}

int svc_local_month_bounds(svc_txn *t, uint32_t month, uint64_t *from, uint64_t *to,
                           uint32_t *policy_version)
{
	svc_policy *pol = malloc(sizeof *pol);
	const svc_tz *tz;
	uint32_t today;
	if (!pol)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_local_policy_today(t, svc_journal_now_ms(), pol, &tz, &today);
	if (!rc) {
		uint32_t next = month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
		*from = (uint64_t)svc_tz_day_start(tz, (int32_t)(month * 100 + 1));
		*to = (uint64_t)svc_tz_day_start(tz, (int32_t)(next * 100 + 1));
		if (policy_version)
			*policy_version = pol->version;
	}
	free(pol);
	return rc;
}

/* ------------------------------------------------------------ reads */

/* A shop reads its own ledger, a region its shops', HQ every shop's: what
 * read isolation gives each of them. */
static int need_reader(svc_txn *t, const char *shop)
{
	svc_self self;
	svc_node n;
	TRY(svc_self_get(t, &self));
	if (self.role == SVC_ROLE_SHOP && strcmp(self.node, shop) != 0)
		return svc_errf(SVC_EDENIED, "shop: shop %s holds only its own ledger, not %s's",
		                self.node, shop);
	if (self.role == SVC_ROLE_REGION) {
		TRY(svc_fold_node_get(t, shop, &n));
		if (strcmp(n.region, self.node) != 0)
			return svc_errf(SVC_EDENIED, "shop: %s is not a shop of region %s", shop,
			                self.node);
	}
	return 0;
}

struct gather {
	const char *shop;
	svc_local_ledger *out;
};

static int claim_cb(const svc_claim *cl, void *arg)
{
	struct gather *g = arg;
	svc_local_ledger *o = g->out;
	if (strcmp(cl->shop, g->shop) != 0)
		return 0;
	if (o->nclaims == o->claims_cap) {
		size_t cap = o->claims_cap ? o->claims_cap * 2 : 16;
		svc_ledger_claim *v = realloc(o->claims, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		o->claims = v;
		o->claims_cap = cap;
	}
	svc_ledger_claim_of(&o->claims[o->nclaims++], cl);
	return 0;
}

static int statement_cb(const svc_statement *st, void *arg)
{
	struct gather *g = arg;
	svc_local_ledger *o = g->out;
	if (o->nstatements == o->statements_cap) {
		size_t cap = o->statements_cap ? o->statements_cap * 2 : 4;
		svc_statement *v = realloc(o->statements, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		o->statements = v;
		o->statements_cap = cap;
	}
	o->statements[o->nstatements++] = *st;
	return 0;
}

/* The old-part facts of a claim's part lines, as this node holds them:
 * whether the catalog wants the old part back, and when the line's parts
 * were back at the region (accepted there, as many as it claims; the last
 * accepting receipt) or waived by HQ; and the claim's deadline for them,
 * the end of the due day as `part returns --outstanding` shows it. */
static int old_parts_of(svc_txn *t, svc_ledger_claim *c, const svc_tz *tz, unsigned days)
{
	uint64_t back = 0;
	if (c->decided && tz)
		svc_rules_oldpart_due(tz, 1, c->decided, days, NULL, &back, &c->deadline);
	for (uint32_t i = 0; i < c->nlines; i++) {
		svc_ledger_line *l = &c->lines[i];
		svc_catalog_item it;
		svc_old_part op;
		char agg[SVC_AGG_LEN];
		int rc = svc_fold_catalog_get(t, l->part_no, &it);
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			continue;
		}
		if (rc)
			return rc;
		l->returnable = it.return_old;
		if (!l->returnable)
			continue;
		svc_rules_oldpart_agg(agg, c->ticket, l->part_no);
		rc = agg[0] ? svc_fold_oldpart_get(t, agg, &op) : SVC_ENOTFOUND;
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			continue;
		}
		if (rc)
			return rc;
		if (svc_old_part_accepted(&op) >= (int64_t)l->qty)
			l->back = op.accepted_at;
		l->waived = op.waived;
	}
	return 0;
}

int svc_local_ledger_load(svc_txn *t, const char *shop, uint64_t now, svc_local_ledger *out)
{
	struct gather g = {shop, out};
	svc_policy *pol = malloc(sizeof *pol);
	const svc_tz *tz = NULL;
	uint32_t today;
	memset(out, 0, sizeof *out);
	svc_ledger_init(&out->ledger);
	if (!pol)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = need_shop(t, shop);
	if (!rc)
		rc = need_reader(t, shop);
	if (!rc)
		rc = svc_local_policy_today(t, now, pol, &tz, &today);
	unsigned days = rc ? 0 : svc_policy_old_part_days(pol);
	free(pol);
	if (!rc)
		rc = svc_fold_claim_each(t, claim_cb, &g);
	if (!rc)
		rc = svc_fold_statement_each_shop(t, shop, statement_cb, &g);
	for (size_t i = 0; !rc && i < out->nclaims; i++)
		rc = old_parts_of(t, &out->claims[i], tz, days);
	for (size_t i = 0; !rc && i < out->nclaims; i++)
		rc = svc_ledger_add_claim(&out->ledger, &out->claims[i], days, now);
	for (size_t i = 0; !rc && i < out->nstatements; i++)
		rc = svc_ledger_add_statement(&out->ledger, &out->statements[i]);
	if (rc) {
		svc_local_ledger_free(out);
		return rc;
	}
	svc_ledger_finish(&out->ledger);
	return 0;
}

void svc_local_ledger_free(svc_local_ledger *l)
{
	free(l->claims);
	free(l->statements);
	svc_ledger_fini(&l->ledger);
	memset(l, 0, sizeof *l);
}

const svc_statement *svc_local_ledger_statement(const svc_local_ledger *l, uint32_t month)
{
	for (size_t i = 0; i < l->nstatements; i++)
		if (l->statements[i].month == month)
			return &l->statements[i];
	return NULL;
}

/* ------------------------------------------------------------ writes */

static int need_hq(svc_txn *t, const char *what)
{
	svc_self self;
	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED, "%s %s may not %s (HQ only)", svc_role_name(self.role),
		                self.node, what);
	return 0;
}

struct pay_arg {
	const char *shop, *month, *ref;
	svc_pay_result *res;
};

static int id_cmp(const void *a, const void *b)
{
	const svc_ledger_claim *x = a, *y = b;
	return strcmp(x->id, y->id);
}

static int pay_fn(svc_txn *t, void *arg)
{
	struct pay_arg *a = arg;
	svc_pay_result *res = a->res;
	uint32_t month, version = 0;
	uint64_t from, to;
	svc_local_ledger l;
	memset(res, 0, sizeof *res);
	TRY(need_hq(t, "pay claims"));
	TRY(need_shop(t, a->shop));
	TRY(need_month(a->month, &month));
	if (!given(a->ref))
		return svc_errf(SVC_EINVAL, "ref: required (the payment's reference)");
	/* room for "/N" when the month takes several runs */
	if (strlen(a->ref) + 4 > SVC_REF_LEN)
		return svc_errf(SVC_EINVAL, "ref: %zu bytes long, at most %d allowed",
		                strlen(a->ref), SVC_REF_LEN - 5);
	TRY(svc_local_month_bounds(t, month, &from, &to, &version));
	TRY(svc_local_ledger_load(t, a->shop, svc_journal_now_ms(), &l));
	const svc_statement *st = svc_local_ledger_statement(&l, month);
	/* the payable claims, first in the array, in id order */
	size_t n = 0;
	for (size_t i = 0; i < l.nclaims; i++) {
		const svc_ledger_claim *c = &l.claims[i];
		if (c->status != SVC_CS_APPROVED && c->status != SVC_CS_PARTIAL)
			continue;
		if (c->decided < from || c->decided >= to || svc_ledger_claim_paid(c, st))
			continue;
		if (!svc_ledger_payable(c, NULL)) {
			res->held++;
			continue;
		}
		svc_ledger_claim tmp = l.claims[n];
		l.claims[n++] = *c;
		l.claims[i] = tmp;
	}
	qsort(l.claims, n, sizeof l.claims[0], id_cmp);
	char yagg[SVC_AGG_LEN];
	svc_rules_statement_agg(yagg, a->shop, month);
	int rc = 0;
	if (n == 0)
		rc = svc_errf(SVC_EINVAL,
		              "month: shop %s has no approved claim left to pay for %s%s", a->shop,
		              a->month,
		              res->held ? " (claims wait for their old parts to come back)" : "");
	size_t runs = (n + SVC_PAY_RUN_CLAIMS_MAX - 1) / SVC_PAY_RUN_CLAIMS_MAX;
	for (size_t r = 0; !rc && r < runs; r++) {
		svc_change *c = calloc(1, sizeof *c);
		if (!c) {
			rc = svc_errf(SVC_ENOMEM, "out of memory");
			break;
		}
		svc_pay_run *b = &c->u.pay_run;
		c->kind = SVC_CK_PAY_RUN;
		memcpy(c->aggregate, yagg, sizeof yagg);
		if (runs == 1)
			snprintf(b->ref, sizeof b->ref, "%s", a->ref);
		else
			snprintf(b->ref, sizeof b->ref, "%s/%zu", a->ref, r + 1);
		b->from = from;
		b->to = to;
		b->policy_version = version;
		for (size_t i = r * SVC_PAY_RUN_CLAIMS_MAX;
		     i < n && b->nclaims < SVC_PAY_RUN_CLAIMS_MAX; i++) {
			svc_pay_line *pl = &b->claims[b->nclaims++];
			snprintf(pl->claim, sizeof pl->claim, "%s", l.claims[i].id);
			pl->amount = l.claims[i].approved;
			res->fen += pl->amount;
		}
		res->claims += b->nclaims;
		if (res->nrefs < SVC_PAY_RESULT_REFS)
			snprintf(res->refs[res->nrefs++], sizeof res->refs[0], "%s", b->ref);
		res->runs++;
		rc = svc_apply_local(t, c);
		free(c);
	}
	svc_local_ledger_free(&l);
	return rc;
}

int svc_local_pay_run(svc_store *s, const char *shop, const char *month, const char *ref,
                      svc_pay_result *out)
{
	struct pay_arg a = {shop, month, ref, out};
	return svc_store_write(s, pay_fn, &a);
}

struct confirm_arg {
	const char *shop, *month, *invoice;
};

static int confirm_fn(svc_txn *t, void *arg)
{
	struct confirm_arg *a = arg;
	svc_self self;
	uint32_t month;
	svc_change c;
	TRY(need_shop(t, a->shop));
	TRY(need_month(a->month, &month));
	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_SHOP || strcmp(self.node, a->shop) != 0)
		return svc_errf(SVC_EDENIED,
		                "%s %s may not confirm shop %s's statement (the shop does)",
		                svc_role_name(self.role), self.node, a->shop);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_STATEMENT_CONFIRM;
	svc_rules_statement_agg(c.aggregate, a->shop, month);
	svc_statement *st = malloc(sizeof *st);
	if (!st)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_statement_get(t, c.aggregate, st);
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		rc = 0;
	} else if (!rc && st->confirmed) {
		rc = svc_errf(SVC_ECONFLICT, "statement %s: already confirmed with invoice %s",
		              c.aggregate, st->invoice);
	}
	free(st);
	TRY(rc);
	if (!given(a->invoice))
		return svc_errf(SVC_EINVAL, "invoice: required (the invoice number)");
	TRY(SET(c.u.statement_confirm.invoice, "invoice", a->invoice));
	return svc_apply_local(t, &c);
}

int svc_local_statement_confirm(svc_store *s, const char *shop, const char *month,
                                const char *invoice)
{
	struct confirm_arg a = {shop, month, invoice};
	return svc_store_write(s, confirm_fn, &a);
}

struct deduct_arg {
	const char *shop, *month, *reason;
	int64_t fen;
};

static int deduct_fn(svc_txn *t, void *arg)
{
	struct deduct_arg *a = arg;
	uint32_t month;
	svc_change c;
	TRY(need_hq(t, "deduct from a shop's ledger"));
	TRY(need_shop(t, a->shop));
	TRY(need_month(a->month, &month));
	if (a->fen <= 0)
		return svc_errf(SVC_EINVAL, "fen: must be a positive amount, got %" PRId64, a->fen);
	if (!given(a->reason))
		return svc_errf(SVC_EINVAL, "reason: required (why HQ deducts)");
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_LEDGER_DEDUCT;
	svc_rules_statement_agg(c.aggregate, a->shop, month);
	c.u.ledger_deduct.fen = a->fen;
	TRY(SET(c.u.ledger_deduct.reason, "reason", a->reason));
	return svc_apply_local(t, &c);
}

int svc_local_ledger_deduct(svc_store *s, const char *shop, const char *month, int64_t fen,
                            const char *reason)
{
	struct deduct_arg a = {shop, month, reason, fen};
	return svc_store_write(s, deduct_fn, &a);
}

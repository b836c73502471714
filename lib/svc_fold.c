/*
 * svc_fold: the fold driver and the kind table. See svc_fold.h.
 *
 * Folding. A change whose fold position is after the aggregate's last folded
 * position (the common case: every local write, and replicated changes that
 * arrive in causal order) is one step. A change that lands earlier in the
 * order (a late arrival from a node that was offline) triggers a re-fold of
 * that aggregate from its first change; changes whose verdict flips have their
 * stock effects applied or reversed, so stock stays the sum of accepted moves.
 *
 * Holds. A revoked node's changes above the revocation's cut-off (the last
 * seq of it HQ held) are stored like any other, with their bytes, chain and
 * commits, but folded as rejected with a reason starting SVC_HELD_PREFIX,
 * whatever their HLC: the node's clock is not evidence once its key may be
 * in other hands, its seqs are. Keeping them, rather than refusing them on
 * receipt, is what lets every node hold the same ones (a node that applied
 * some before the revocation reached it folds their aggregates again in the
 * revocation's transaction), lets them travel up to HQ for review, and lets
 * a release (which raises the cut-off) fold them back in place on every
 * node, chain and signatures checked once, on arrival.
 *
 * Reads and dependents. A kind whose checks read other records (svc_fold.h)
 * has each read recorded in the dependency index as it folds; whatever
 * changes a record's fold from some position on then folds again the
 * records that read it after that position (cascade(), bounded as
 * svc_fold.h says). Indexes and tallies follow every state save as the
 * difference between the old state's entries and the new one's.
 *
 * The driver reaches storage only through the backend (svc_fold.h), so the
 * same code folds in the store, in tests/test_merge.c's memory and, with
 * fixture kinds, in tests/test_fold.c.
 */
#include "svc_fold.h"

#include "fold_visible.h"
#include "rules_impl.h"
#include "store_kv.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What snprintf(dst, cap, "%s", src) does, without parsing a format: the
 * fold copies a record id or an index name on every change it folds. */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ------------------------------------------------------------ kinds */

/*
 * A claim reads its ticket (the record its checks are about: its kind, who it
 * is assigned to) and, when submitted, the stock line <shop>/<part> of each
 * part it claims: what was consumed on the ticket is not a state of its own
 * but the sum of the consume moves that name the ticket in the shop's ledger
 * of that part (svc_fold_read_ledger()), counted up to the submission's place
 * in fold order. Reading the ledger rather than keeping a per-ticket total
 * keeps a move one change of one record (its stock line), and the dependency
 * index on the stock line makes a consumption or reversal that lands before a
 * claim in fold order judge the claim again, on every node the same way.
 */
/* One more record read, unless already named (the caller stays under
 * SVC_FOLD_READS_MAX: one of each kind per line). */
static int add_ref(svc_fold_ref out[SVC_FOLD_READS_MAX], int n, int type, const char *agg)
{
	for (int j = 0; j < n; j++)
		if (out[j].type == type && strcmp(out[j].agg, agg) == 0)
			return n;
	out[n].type = type;
	copy_str(out[n].agg, sizeof out[n].agg, agg);
	return n + 1;
}

static int claim_reads(const svc_change *c, const void *state, bool exists,
                       svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	const svc_claim *cl = state;
	const char *ticket = exists                           ? cl->ticket
	                     : c->kind == SVC_CK_CLAIM_SUBMIT ? c->u.claim_submit.ticket
	                                                      : "";
	if (!ticket[0])
		return 0;
	out[0].type = SVC_AGG_TICKET;
	copy_str(out[0].agg, sizeof out[0].agg, ticket);
	int n = 1;
	if (c->kind != SVC_CK_CLAIM_SUBMIT)
		return n;
	const svc_claim_submit *b = &c->u.claim_submit;
	for (uint32_t i = 0; i < b->nparts && i < SVC_CLAIM_PARTS_MAX; i++) {
		char agg[SVC_AGG_LEN];
		svc_rules_move_agg(agg, c->origin, b->parts[i].part_no);
		n = add_ref(out, n, SVC_AGG_MOVE, agg);
		svc_rules_catalog_agg(agg, b->parts[i].part_no);
		if (b->priced)
			n = add_ref(out, n, SVC_AGG_CATALOG, agg);
	}
	/* claim lines: the ceilings' policy version, the tariff, the operations */
	char agg[SVC_AGG_LEN];
	if (b->policy_version) {
		svc_rules_policy_agg(agg, b->policy_version);
		n = add_ref(out, n, SVC_AGG_POLICY, agg);
	}
	if (b->nops || b->distance_km) {
		svc_rules_tariff_agg(agg);
		n = add_ref(out, n, SVC_AGG_TARIFF, agg);
	}
	for (uint32_t i = 0; i < b->nops && i < SVC_CLAIM_OPS_MAX; i++) {
		svc_rules_labor_agg(agg, b->ops[i].code);
		n = add_ref(out, n, SVC_AGG_LABOR, agg);
	}
	return n;
}

struct consumed {
	const char *ticket;
	int64_t qty;
	uint64_t first; /* ms of the first consumption on the ticket, 0 none */
};

/* Parts consumed on one ticket: a consume move takes parts out of stock
 * (negative qty), its reversal puts them back (positive qty, with a reason)
 * and never takes the count below zero, whatever the order. */
static int consumed_step(const svc_change *c, void *arg)
{
	struct consumed *a = arg;
	const svc_part_move *m = &c->u.part_move;
	if (c->kind != SVC_CK_PART_MOVE || m->kind != SVC_MV_CONSUME ||
	    strcmp(m->ticket, a->ticket) != 0)
		return 0;
	a->qty -= m->qty;
	if (a->qty < 0)
		a->qty = 0;
	if (m->qty < 0 && (!a->first || svc_hlc_ms(c->hlc) < a->first))
		a->first = svc_hlc_ms(c->hlc);
	return 0;
}

/* The part lines of a submission: each part at most what was consumed on the
 * ticket at the claiming shop before the submission in fold order. */
static int claim_check_parts(svc_fold_reader *rd, const svc_change *c, char *reason, size_t rlen)
{
	const svc_claim_submit *b = &c->u.claim_submit;
	for (uint32_t i = 0; i < b->nparts && i < SVC_CLAIM_PARTS_MAX; i++) {
		bool first = true;
		uint64_t claimed = 0;
		for (uint32_t j = 0; j < b->nparts && j < SVC_CLAIM_PARTS_MAX; j++) {
			if (strcmp(b->parts[j].part_no, b->parts[i].part_no) != 0)
				continue;
			if (j < i)
				first = false;
			claimed += b->parts[j].qty;
		}
		if (!first)
			continue;
		char agg[SVC_AGG_LEN];
		struct consumed a = {b->ticket, 0, 0};
		svc_rules_move_agg(agg, c->origin, b->parts[i].part_no);
		SVC_TRY(svc_fold_read_ledger(rd, SVC_AGG_MOVE, agg, consumed_step, &a));
		if (claimed > (uint64_t)a.qty)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "part: %s x%" PRIu64 " claimed, %" PRId64
			                      " consumed on %s",
			                      b->parts[i].part_no, claimed, a.qty, b->ticket);
		if (!b->priced)
			continue;
		/* the price in force at the first consumption on the ticket */
		svc_catalog_item it;
		bool have = false;
		svc_rules_catalog_agg(agg, b->parts[i].part_no);
		SVC_TRY(svc_fold_read(rd, SVC_AGG_CATALOG, agg, &it, &have));
		if (!have)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "part: %s is not in the catalog",
			                      b->parts[i].part_no);
		int64_t price = svc_rules_price_at(&it, a.first);
		for (uint32_t j = i; j < b->nparts && j < SVC_CLAIM_PARTS_MAX; j++)
			if (strcmp(b->parts[j].part_no, b->parts[i].part_no) == 0 &&
			    b->parts[j].unit_price != price)
				return svc_rules_fail(SVC_EREJECT, reason, rlen,
				                      "part: %s at %" PRId64
				                      " fen, the price in force at its consumption "
				                      "is %" PRId64 " fen",
				                      b->parts[i].part_no, b->parts[j].unit_price,
				                      price);
	}
	return 0;
}

/* The operation lines and travel, as the tariff, the labor operations and
 * the ticket (its category, the grade it was judged under) give them at the
 * submission's place in fold order. */
static int claim_check_ops(svc_fold_reader *rd, const svc_change *c, const svc_ticket *tk,
                           char *reason, size_t rlen)
{
	const svc_claim_submit *b = &c->u.claim_submit;
	if (!b->nops && !b->distance_km)
		return 0;
	char agg[SVC_AGG_LEN];
	svc_tariff tar;
	bool have = false;
	svc_rules_tariff_agg(agg);
	SVC_TRY(svc_fold_read(rd, SVC_AGG_TARIFF, agg, &tar, &have));
	if (!have)
		memset(&tar, 0, sizeof tar);
	int64_t rate =
	    tk->grade >= SVC_GRADE_A && tk->grade <= SVC_GRADE_C ? tar.rates[tk->grade] : 0;
	for (uint32_t i = 0; i < b->nops && i < SVC_CLAIM_OPS_MAX; i++) {
		const svc_claim_op *o = &b->ops[i];
		svc_labor_op op;
		svc_rules_labor_agg(agg, o->code);
		SVC_TRY(svc_fold_read(rd, SVC_AGG_LABOR, agg, &op, &have));
		if (!have)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "op: unknown labor operation %s", o->code);
		if (strcmp(op.category, tk->category) != 0)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "op: %s is an operation on %s, ticket %s is %s",
			                      o->code, op.category, b->ticket,
			                      tk->category[0] ? tk->category : "of no category");
		if (rate <= 0)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "op: no labor rate for grade %s (ticket %s)",
			                      svc_grade_name(tk->grade), b->ticket);
		int64_t amount = svc_rules_op_amount(o->minutes, rate);
		uint32_t flags = o->minutes > op.minutes ? SVC_LINE_OVER_CARD : 0;
		if (amount != o->amount || flags != o->flags)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "op: %s %" PRIu32 " min is %" PRId64
			                      " fen%s at the tariff, not %" PRId64 " fen%s",
			                      o->code, o->minutes, amount,
			                      flags ? " over the card" : "", o->amount,
			                      o->flags ? " over the card" : "");
	}
	if (b->distance_km) {
		bool over;
		int64_t fen = svc_rules_travel_amount(&tar, b->distance_km, &over);
		if (fen < 0)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "distance-km: HQ has set no travel bands");
		uint32_t flags = over ? SVC_LINE_OVER_CARD : 0;
		if (fen != b->travel || flags != b->travel_flags)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "travel: %" PRIu32 " km is %" PRId64
			                      " fen%s by the bands, not %" PRId64 " fen",
			                      b->distance_km, fen, over ? " over the card" : "",
			                      b->travel);
	}
	return 0;
}

/* The ceilings of the policy version the ticket was judged under: per claim
 * and per line. */
static int claim_check_ceilings(svc_fold_reader *rd, const svc_change *c, const svc_ticket *tk,
                                char *reason, size_t rlen)
{
	const svc_claim_submit *b = &c->u.claim_submit;
	if (b->policy_version != tk->policy_version)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "claim %s: names policy version %" PRIu32
		                      ", ticket %s was judged under %" PRIu32,
		                      c->aggregate, b->policy_version, b->ticket,
		                      tk->policy_version);
	svc_policy *pol = NULL;
	if (b->policy_version) {
		char agg[SVC_AGG_LEN];
		bool have = false;
		pol = malloc(sizeof *pol);
		if (!pol)
			return svc_errf(SVC_ENOMEM, "out of memory");
		svc_rules_policy_agg(agg, b->policy_version);
		int rc = svc_fold_read(rd, SVC_AGG_POLICY, agg, pol, &have);
		if (rc || !have) {
			free(pol);
			if (rc)
				return rc;
			pol = NULL;
		}
	}
	int64_t cmax = svc_policy_fen(pol, "claim_max_fen");
	int64_t lmax = svc_policy_fen(pol, "claim_line_max_fen");
	free(pol);
	if (b->total > cmax)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "total: %" PRId64 " fen is over the ceiling of %" PRId64
		                      " fen per claim (policy claim_max_fen)",
		                      b->total, cmax);
	svc_claim *cl = calloc(1, sizeof *cl);
	if (!cl)
		return svc_errf(SVC_ENOMEM, "out of memory");
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	cl->labor = b->labor;
	cl->travel = b->travel;
	cl->other = b->other;
	cl->nparts = b->nparts <= SVC_CLAIM_PARTS_MAX ? b->nparts : SVC_CLAIM_PARTS_MAX;
	memcpy(cl->parts, b->parts, sizeof cl->parts);
	cl->nops = b->nops <= SVC_CLAIM_OPS_MAX ? b->nops : SVC_CLAIM_OPS_MAX;
	memcpy(cl->ops, b->ops, sizeof cl->ops);
	cl->distance_km = b->distance_km;
	cl->travel_flags = b->travel_flags;
	cl->priced = true;
	uint32_t n = svc_claim_lines(cl, v);
	int rc = 0;
	for (uint32_t i = 0; i < n && !rc; i++)
		if (v[i].amount > lmax)
			rc = svc_rules_fail(SVC_EREJECT, reason, rlen,
			                    "line %" PRIu32 ": %s %s is %" PRId64
			                    " fen, over the ceiling of %" PRId64
			                    " fen per line (policy claim_line_max_fen)",
			                    i + 1, svc_claim_line_kind_name(v[i].kind), v[i].what,
			                    v[i].amount, lmax);
	free(cl);
	return rc;
}

/* No claim is made on a consult or a complaint ticket, nor on customer-paid
 * work (out of warranty, or charged to the customer) unless HQ allowed it:
 * the check reads the ticket at the submission's place in fold order (its
 * opening always comes first: the shop held the ticket when it claimed; a
 * charge or HQ's leave that arrives late re-folds the claim). */
static int claim_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                       char *reason, size_t rlen)
{
	(void)state;
	(void)exists;
	if (c->kind != SVC_CK_CLAIM_SUBMIT)
		return 0;
	svc_ticket *tk = malloc(sizeof *tk);
	bool have = false;
	if (!tk)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_read(rd, SVC_AGG_TICKET, c->u.claim_submit.ticket, tk, &have);
	if (!rc && have && (tk->kind == SVC_TK_CONSULT || tk->kind == SVC_TK_COMPLAINT))
		rc = svc_rules_fail(SVC_EREJECT, reason, rlen,
		                    "claim %s: no claim is made on a %s ticket (%s)", c->aggregate,
		                    svc_ticket_kind_name(tk->kind), c->u.claim_submit.ticket);
	else if (!rc && have && svc_ticket_customer_paid(tk) && !tk->claim_allow_reason[0])
		rc = svc_rules_fail(SVC_EREJECT, reason, rlen,
		                    "claim %s: ticket %s is customer-paid (%s) and HQ has not "
		                    "allowed a claim on it",
		                    c->aggregate, c->u.claim_submit.ticket,
		                    tk->charges ? "charged to the customer" : "out of warranty");
	/* claim lines: a claim priced by these rules is held to them */
	if (!rc && have && c->u.claim_submit.priced)
		rc = claim_check_ceilings(rd, c, tk, reason, rlen);
	if (!rc && have && c->u.claim_submit.priced)
		rc = claim_check_ops(rd, c, tk, reason, rlen);
	free(tk);
	if (!rc)
		rc = claim_check_parts(rd, c, reason, rlen);
	return rc;
}

/* policy: a resolution's fault code reads HQ's fault code of the ticket's
 * category (refused when unknown there); a return or exchange opened under
 * an exception reads the exception recorded for its serial; the check refuses one that is not
 * there, is for the other kind, or was recorded by another node, at the ticket's place in fold
 * order (the exception's change comes before it at the node that opened it, so in every node's
 * order). */
static int ticket_reads(const svc_change *c, const void *state, bool exists,
                        svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	const svc_ticket *tk = state;
	if (c->kind == SVC_CK_TICKET_OPEN && c->u.ticket_open.override_by[0]) {
		out[0].type = SVC_AGG_OVERRIDE;
		svc_rules_override_agg(out[0].agg, c->u.ticket_open.serial);
		return 1;
	}
	/* a fault code of the ticket's category, from HQ's list */
	if (c->kind == SVC_CK_TICKET_STATUS && c->u.ticket_status.fault_code[0] && exists &&
	    tk->category[0]) {
		out[0].type = SVC_AGG_FAULT;
		svc_rules_fault_agg(out[0].agg, tk->category, c->u.ticket_status.fault_code);
		return 1;
	}
	return 0;
}

static int ticket_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                        char *reason, size_t rlen)
{
	const svc_ticket *tk = state;
	if (c->kind == SVC_CK_TICKET_STATUS && c->u.ticket_status.fault_code[0] && exists &&
	    tk->category[0]) {
		char agg[SVC_AGG_LEN];
		svc_fault_code fc;
		bool have = false;
		svc_rules_fault_agg(agg, tk->category, c->u.ticket_status.fault_code);
		SVC_TRY(svc_fold_read(rd, SVC_AGG_FAULT, agg, &fc, &have));
		if (!have)
			return svc_rules_fail(SVC_EREJECT, reason, rlen,
			                      "ticket %s: unknown fault code %s for category %s",
			                      c->aggregate, c->u.ticket_status.fault_code,
			                      tk->category);
		return 0;
	}
	if (c->kind != SVC_CK_TICKET_OPEN || !c->u.ticket_open.override_by[0])
		return 0;
	const svc_ticket_open *b = &c->u.ticket_open;
	char agg[SVC_AGG_LEN];
	svc_override o;
	bool have = false;
	svc_rules_override_agg(agg, b->serial);
	SVC_TRY(svc_fold_read(rd, SVC_AGG_OVERRIDE, agg, &o, &have));
	if (!have || o.kind != b->kind || strcmp(o.last.origin, b->override_by) != 0)
		return svc_rules_fail(
		    SVC_EREJECT, reason, rlen,
		    "ticket %s: no exception for a %s of serial %s recorded by %s", c->aggregate,
		    svc_ticket_kind_name(b->kind), b->serial, b->override_by);
	return 0;
}

/* customer: a merge reads its survivor; the check refuses a survivor that
 * is unknown or itself merged at the merge's place in fold order. Refusing
 * a merged survivor is what keeps the pointers free of cycles: a merge adds
 * an edge from a record with none (step() refuses a second merge) to one
 * with none, so it can never close a loop, whatever order merges made at
 * different nodes reach a store in: every node folds them in one order. */
static int merge_reads(int type, const svc_change *c, svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	const char *into = c->kind == SVC_CK_CUSTOMER_MERGE ? c->u.customer_merge.into
	                   : c->kind == SVC_CK_UNIT_MERGE   ? c->u.unit_merge.into
	                                                    : "";
	if (!into[0] || strcmp(into, c->aggregate) == 0)
		return 0;
	out[0].type = type;
	copy_str(out[0].agg, sizeof out[0].agg, into);
	return 1;
}

static int customer_reads(const svc_change *c, const void *state, bool exists,
                          svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	return merge_reads(SVC_AGG_CUSTOMER, c, out);
}

static int unit_reads(const svc_change *c, const void *state, bool exists,
                      svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	return merge_reads(SVC_AGG_UNIT, c, out);
}

static int merge_check(const char *what, const char *dup, const char *into, bool have,
                       const char *survivor_merged_into, char *reason, size_t rlen)
{
	if (!have)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "%s %s: unknown %s %s to merge into", what, dup, what, into);
	if (strcmp(survivor_merged_into, dup) == 0)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "%s %s: merging it into %s would make a cycle (%s is merged "
		                      "into %s)",
		                      what, dup, into, into, dup);
	if (survivor_merged_into[0])
		return svc_rules_fail(
		    SVC_EREJECT, reason, rlen,
		    "%s %s: %s is itself merged into %s (merge into the survivor)", what, dup, into,
		    survivor_merged_into);
	return 0;
}

static int customer_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                          char *reason, size_t rlen)
{
	(void)state;
	(void)exists;
	if (c->kind != SVC_CK_CUSTOMER_MERGE)
		return 0;
	svc_customer *sv = malloc(sizeof *sv);
	bool have = false;
	if (!sv)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_read(rd, SVC_AGG_CUSTOMER, c->u.customer_merge.into, sv, &have);
	if (!rc)
		rc = merge_check("customer", c->aggregate, c->u.customer_merge.into, have,
		                 sv->merged_into, reason, rlen);
	free(sv);
	return rc;
}

static int unit_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                      char *reason, size_t rlen)
{
	(void)state;
	(void)exists;
	if (c->kind != SVC_CK_UNIT_MERGE)
		return 0;
	svc_unit *sv = malloc(sizeof *sv);
	bool have = false;
	if (!sv)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_read(rd, SVC_AGG_UNIT, c->u.unit_merge.into, sv, &have);
	if (!rc)
		rc = merge_check("unit", c->aggregate, c->u.unit_merge.into, have, sv->merged_into,
		                 reason, rlen);
	free(sv);
	return rc;
}

/* An index value: at most SVC_FOLD_INDEX_VALUE_LEN - 1 bytes, cut on a
 * character boundary, ASCII letters in lower case (a name prefix search
 * finds "Wang" by "wa"). */
static void index_value(char out[SVC_FOLD_INDEX_VALUE_LEN], const char *s)
{
	size_t n = strlen(s);
	if (n > SVC_FOLD_INDEX_VALUE_LEN - 1) {
		n = SVC_FOLD_INDEX_VALUE_LEN - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	out[n] = '\0';
}

static int add_entry(svc_fold_index_entry *out, int n, const char *name, const char *value)
{
	for (int i = 0; i < n; i++)
		if (strcmp(out[i].name, name) == 0 && strcmp(out[i].value, value) == 0)
			return n;
	size_t vl = strnlen(value, sizeof out[n].value - 1);
	copy_str(out[n].name, sizeof out[n].name, name);
	memcpy(out[n].value, value, vl);
	out[n].value[vl] = '\0';
	return n + 1;
}

/* A customer: each phone's digits ("cphone") and the name ("cname"); a
 * merged one stays findable (it points to its survivor), and is listed
 * under the survivor it points to ("cmerged"), so the survivor's view
 * gathers its duplicates' tickets without walking every file. */
static int customer_indexes(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX])
{
	const svc_customer *cu = state;
	int n = 0;
	char v[SVC_FOLD_INDEX_VALUE_LEN];
	for (int i = 0; i < SVC_PHONES_MAX; i++) {
		char d[SVC_PHONE_LEN];
		svc_rules_phone_digits(d, cu->phones[i]);
		if (d[0])
			n = add_entry(out, n, SVC_INDEX_CUSTOMER_PHONE, d);
	}
	index_value(v, cu->name);
	if (v[0])
		n = add_entry(out, n, SVC_INDEX_CUSTOMER_NAME, v);
	if (cu->merged_into[0])
		n = add_entry(out, n, SVC_INDEX_CUSTOMER_MERGED, cu->merged_into);
	return n;
}

/* A unit: its serial ("userial"), owner ("uowner") and, once merged, its
 * survivor ("umerged"). */
static int unit_indexes(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX])
{
	const svc_unit *u = state;
	int n = 0;
	char v[SVC_FOLD_INDEX_VALUE_LEN];
	index_value(v, u->serial);
	if (v[0])
		n = add_entry(out, n, SVC_INDEX_UNIT_SERIAL, v);
	if (u->owner[0])
		n = add_entry(out, n, SVC_INDEX_UNIT_OWNER, u->owner);
	if (u->merged_into[0])
		n = add_entry(out, n, SVC_INDEX_UNIT_MERGED, u->merged_into);
	return n;
}

/* A ticket: the customer and unit it refers to ("tcust", "tunit"). */
static int ticket_indexes(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX])
{
	const svc_ticket *tk = state;
	int n = 0;
	if (tk->customer_id[0])
		n = add_entry(out, n, SVC_INDEX_TICKET_CUSTOMER, tk->customer_id);
	if (tk->unit_id[0])
		n = add_entry(out, n, SVC_INDEX_TICKET_UNIT, tk->unit_id);
	if (tk->override_by[0])
		n = add_entry(out, n, SVC_INDEX_TICKET_OVERRIDE, tk->serial);
	/* queues: one entry each, so a queue's cost follows its own length */
	char v[SVC_FOLD_INDEX_VALUE_LEN];
	bool open = tk->status == SVC_TS_NEW || tk->status == SVC_TS_ASSIGNED ||
	            tk->status == SVC_TS_ACCEPTED;
	bool done = tk->status == SVC_TS_RESOLVED || tk->status == SVC_TS_CLOSED;
	if (open && tk->onsite_due && !tk->on_site && !tk->visited) {
		snprintf(v, sizeof v, "%016" PRIx64, tk->onsite_due);
		n = add_entry(out, n, SVC_INDEX_QUEUE_ONSITE, v);
	}
	if (done && tk->callback_state == SVC_CB_NONE) {
		snprintf(v, sizeof v, "%016" PRIx64, tk->resolved ? tk->resolved : tk->closed);
		n = add_entry(out, n, SVC_INDEX_QUEUE_CALLBACK, v);
	}
	if (done && tk->shop[0]) {
		uint32_t month = tk->opened_on ? tk->opened_on / 100 : 0;
		snprintf(v, sizeof v, "%s/%06" PRIu32, tk->shop, month);
		n = add_entry(out, n, SVC_INDEX_QUEUE_MONTH, v);
	}
	return n;
}

/* complaints: the opening reads the shop it is against (in the directory)
 * and the ticket it is about; a conclusion naming a responsible shop reads
 * that shop. The check refuses a shop that is not a shop of the
 * complaint's region, and a ticket that is not of that region or not the
 * shop's, at the change's place in fold order. */
static int complaint_reads(const svc_change *c, const void *state, bool exists,
                           svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	int n = 0;
	if (c->kind == SVC_CK_COMPLAINT_OPEN) {
		const svc_complaint_open *b = &c->u.complaint_open;
		if (b->shop[0]) {
			out[n].type = SVC_AGG_NODE;
			svc_rules_node_agg(out[n++].agg, b->shop);
		}
		if (b->ticket[0]) {
			out[n].type = SVC_AGG_TICKET;
			snprintf(out[n++].agg, sizeof out[0].agg, "%s", b->ticket);
		}
	} else if (c->kind == SVC_CK_COMPLAINT_STATUS && c->u.complaint_status.responsible[0]) {
		out[n].type = SVC_AGG_NODE;
		svc_rules_node_agg(out[n++].agg, c->u.complaint_status.responsible);
	}
	return n;
}

static int complaint_shop_check(svc_fold_reader *rd, const svc_change *c, const char *field,
                                const char *shop, const char *region, char *reason, size_t rlen)
{
	char agg[SVC_AGG_LEN];
	svc_node n;
	bool have = false;
	svc_rules_node_agg(agg, shop);
	SVC_TRY(svc_fold_read(rd, SVC_AGG_NODE, agg, &n, &have));
	if (!have || n.role != SVC_ROLE_SHOP || strcmp(n.region, region) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "complaint %s: %s %s is not a shop of region %s",
		                      c->aggregate, field, shop, region);
	return 0;
}

static int complaint_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                           char *reason, size_t rlen)
{
	const svc_complaint *k = state;
	if (c->kind == SVC_CK_COMPLAINT_STATUS && c->u.complaint_status.responsible[0] && exists)
		return complaint_shop_check(rd, c, "responsible", c->u.complaint_status.responsible,
		                            k->region, reason, rlen);
	if (c->kind != SVC_CK_COMPLAINT_OPEN)
		return 0;
	const svc_complaint_open *b = &c->u.complaint_open;
	if (b->shop[0])
		SVC_TRY(complaint_shop_check(rd, c, "shop", b->shop, b->region, reason, rlen));
	if (!b->ticket[0])
		return 0;
	svc_ticket *tk = malloc(sizeof *tk);
	bool have = false;
	if (!tk)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_read(rd, SVC_AGG_TICKET, b->ticket, tk, &have);
	if (!rc && (!have || strcmp(tk->region, b->region) != 0))
		rc = svc_rules_fail(SVC_EREJECT, reason, rlen,
		                    "complaint %s: ticket %s is not a ticket of region %s",
		                    c->aggregate, b->ticket, b->region);
	else if (!rc && b->shop[0] && strcmp(tk->shop, b->shop) != 0 &&
	         strcmp(tk->opened_by, b->shop) != 0)
		rc = svc_rules_fail(SVC_EREJECT, reason, rlen,
		                    "complaint %s: ticket %s is not shop %s's", c->aggregate,
		                    b->ticket, b->shop);
	free(tk);
	return rc;
}

/* Open complaints (not yet concluded) by deadline, overall, per region and
 * per shop: the queue reads a page of these, whatever the store holds. */
static int complaint_indexes(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX])
{
	const svc_complaint *k = state;
	char v[SVC_FOLD_INDEX_VALUE_LEN];
	int n = 0;
	if (k->status >= SVC_KS_CONCLUDED)
		return 0;
	snprintf(v, sizeof v, "%016" PRIu64, k->deadline);
	n = add_entry(out, n, SVC_INDEX_COMPLAINT_DUE, v);
	snprintf(v, sizeof v, "%s/%016" PRIu64, k->region, k->deadline);
	n = add_entry(out, n, SVC_INDEX_COMPLAINT_DUE_REGION, v);
	if (k->shop[0]) {
		snprintf(v, sizeof v, "%s/%016" PRIu64, k->shop, k->deadline);
		n = add_entry(out, n, SVC_INDEX_COMPLAINT_DUE_SHOP, v);
	}
	return n;
}

/* A substantiated complaint counts once against the shop held responsible,
 * in the month it was received. */
static int complaint_tallies(const void *state, svc_fold_tally_entry out[SVC_FOLD_TALLY_MAX])
{
	const svc_complaint *k = state;
	if (k->status < SVC_KS_CONCLUDED || k->finding != SVC_KF_SUBSTANTIATED ||
	    !k->responsible[0])
		return 0;
	memset(&out[0], 0, sizeof out[0]);
	out[0].month = k->opened_on / 100;
	snprintf(out[0].name, sizeof out[0].name, "%s", SVC_TALLY_COMPLAINT_SUBSTANTIATED);
	snprintf(out[0].scope, sizeof out[0].scope, "%s", k->responsible);
	out[0].delta = 1;
	return 1;
}

/* old parts: a shipment reads the shop's stock line of the part, a ledger,
 * and may carry at most what the shop consumed on the ticket there before
 * it in fold order (consumed_step, as a claim counts it), less what the
 * record shipped before it. A consumption or reversal that lands earlier
 * judges the shipment again, and the receipts after it with it. */
static int oldpart_reads(const svc_change *c, const void *state, bool exists,
                         svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	if (c->kind != SVC_CK_OLD_PART || c->u.old_part.action != SVC_OP_SHIP)
		return 0;
	out[0].type = SVC_AGG_MOVE;
	svc_rules_move_agg(out[0].agg, c->u.old_part.shop, c->u.old_part.part_no);
	return 1;
}

static int oldpart_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                         char *reason, size_t rlen)
{
	const svc_old_part *op = state;
	const svc_old_part_step *b = &c->u.old_part;
	if (c->kind != SVC_CK_OLD_PART || b->action != SVC_OP_SHIP)
		return 0;
	char agg[SVC_AGG_LEN];
	struct consumed a = {b->ticket, 0, 0};
	int64_t before = exists ? op->shipped : 0;
	svc_rules_move_agg(agg, b->shop, b->part_no);
	SVC_TRY(svc_fold_read_ledger(rd, SVC_AGG_MOVE, agg, consumed_step, &a));
	if (before + b->qty > a.qty)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "qty: %s x%" PRId64 " returned, %" PRId64
		                      " consumed on %s and %" PRId64 " returned before",
		                      b->part_no, b->qty, a.qty, b->ticket, before);
	return 0;
}

/* the shop's ledger: a payment run reads each claim it pays and the policy
 * version it was judged under. The check holds each claim, at the run's
 * place in fold order, to what a payment may settle: the statement's shop's
 * claim, approved (in full or in part) within the month's bounds the run
 * carries, for exactly its approved amount, not paid by the older per-claim
 * action; and, when that policy sets pay_require_two, approved by another
 * operator than the one who pays. An approval that lands later in fold
 * order judges the run again (the dependency index), on every node alike. */
static int statement_reads(const svc_change *c, const void *state, bool exists,
                           svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	if (c->kind != SVC_CK_PAY_RUN)
		return 0;
	const svc_pay_run *b = &c->u.pay_run;
	int n = 0;
	for (uint32_t i = 0; i < b->nclaims && i < SVC_PAY_RUN_CLAIMS_MAX; i++) {
		out[n].type = SVC_AGG_CLAIM;
		copy_str(out[n++].agg, sizeof out[0].agg, b->claims[i].claim);
	}
	if (b->policy_version) {
		out[n].type = SVC_AGG_POLICY;
		svc_rules_policy_agg(out[n++].agg, b->policy_version);
	}
	return n;
}

static int pay_line_check(svc_fold_reader *rd, const svc_change *c, const svc_pay_line *l,
                          const char *shop, bool two, svc_claim *cl, char *reason, size_t rlen)
{
	const svc_pay_run *b = &c->u.pay_run;
	bool have = false;
	SVC_TRY(svc_fold_read(rd, SVC_AGG_CLAIM, l->claim, cl, &have));
	if (!have || strcmp(cl->shop, shop) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, rlen, "claim %s: not a claim of shop %s",
		                      l->claim, shop);
	if (cl->status == SVC_CS_PAID)
		return svc_rules_fail(SVC_EREJECT, reason, rlen, "claim %s: already paid (ref %s)",
		                      l->claim, cl->pay_ref);
	if (cl->status != SVC_CS_APPROVED && cl->status != SVC_CS_PARTIAL)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "claim %s: is %s, only an approved claim is paid", l->claim,
		                      svc_claim_status_name(cl->status));
	if (cl->decided < b->from || cl->decided >= b->to)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "claim %s: not approved in the month of %s", l->claim,
		                      c->aggregate);
	if (l->amount != cl->approved)
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "claim %s: pays %" PRId64 " fen, approved %" PRId64 " fen",
		                      l->claim, l->amount, cl->approved);
	if (two && (!c->operator[0] || strcmp(c->operator, cl->decided_op) == 0))
		return svc_rules_fail(SVC_EREJECT, reason, rlen,
		                      "claim %s: approved by %s, and the policy (pay_require_two) "
		                      "wants another operator to pay it",
		                      l->claim, cl->decided_op[0] ? cl->decided_op : "(unknown)");
	return 0;
}

static int statement_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                           char *reason, size_t rlen)
{
	char shop[SVC_ID_LEN];
	uint32_t month;
	(void)state;
	(void)exists;
	if (c->kind != SVC_CK_PAY_RUN || !svc_rules_statement_parse(c->aggregate, shop, &month))
		return 0;
	const svc_pay_run *b = &c->u.pay_run;
	bool two = false;
	if (b->policy_version) {
		char agg[SVC_AGG_LEN];
		svc_policy *pol = malloc(sizeof *pol);
		bool have = false;
		if (!pol)
			return svc_errf(SVC_ENOMEM, "out of memory");
		svc_rules_policy_agg(agg, b->policy_version);
		int rc = svc_fold_read(rd, SVC_AGG_POLICY, agg, pol, &have);
		if (!rc && !have)
			rc = svc_rules_fail(SVC_EREJECT, reason, rlen,
			                    "policy: version %" PRIu32
			                    " is not issued before this run",
			                    b->policy_version);
		if (!rc)
			two = svc_policy_pay_require_two(pol);
		free(pol);
		SVC_TRY(rc);
	}
	svc_claim *cl = malloc(sizeof *cl);
	if (!cl)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = 0;
	for (uint32_t i = 0; !rc && i < b->nclaims && i < SVC_PAY_RUN_CLAIMS_MAX; i++)
		rc = pay_line_check(rd, c, &b->claims[i], shop, two, cl, reason, rlen);
	free(cl);
	return rc;
}

/* A kind with state; the rest (reads, check, indexes, tallies, visible)
 * as designated initializers. */
#define KIND(type_, name_, db_, ctype_, enc_, dec_, rules_, ...)                                   \
	[type_] = {.type = type_,                                                                  \
	           .name = name_,                                                                  \
	           .db = db_,                                                                      \
	           .state_size = sizeof(ctype_),                                                   \
	           .encode = (int (*)(const void *, uint8_t *, size_t, size_t *))enc_,             \
	           .decode = (int (*)(const uint8_t *, size_t, void *))dec_,                       \
	           .rules = &rules_,                                                               \
	           .effects = svc_rules_stock_effects,                                             \
	           __VA_ARGS__}

static const svc_fold_kind kinds[SVC_AGG_MAX_] = {
    KIND(SVC_AGG_TICKET, "ticket", SVC_DB_TICKETS, svc_ticket, svc_codec_ticket_encode,
         svc_codec_ticket_decode, svc_rules_ticket, .reads = ticket_reads, .check = ticket_check,
         .indexes = ticket_indexes, .visible = svc_fold_visible_ticket),
    KIND(SVC_AGG_CLAIM, "claim", SVC_DB_CLAIMS, svc_claim, svc_codec_claim_encode,
         svc_codec_claim_decode, svc_rules_claim, .reads = claim_reads, .check = claim_check,
         .visible = svc_fold_visible_claim),
    KIND(SVC_AGG_TRANSFER, "transfer", SVC_DB_TRANSFERS, svc_transfer, svc_codec_transfer_encode,
         svc_codec_transfer_decode, svc_rules_transfer, .visible = svc_fold_visible_transfer),
    KIND(SVC_AGG_CATALOG, "part", SVC_DB_CATALOG, svc_catalog_item, svc_codec_catalog_encode,
         svc_codec_catalog_decode, svc_rules_catalog, .visible = svc_fold_visible_catalog),
    KIND(SVC_AGG_NODE, "node", SVC_DB_NODES, svc_node, svc_codec_node_encode, svc_codec_node_decode,
         svc_rules_node, .visible = svc_fold_visible_node),
    /* policy: replicated to everyone, like the catalog */
    KIND(SVC_AGG_POLICY, "policy", SVC_DB_POLICY, svc_policy, svc_codec_policy_encode,
         svc_codec_policy_decode, svc_rules_policy, .visible = svc_fold_visible_everyone),
    KIND(SVC_AGG_GRADE, "grade", SVC_DB_GRADES, svc_grade_item, svc_codec_grade_encode,
         svc_codec_grade_decode, svc_rules_grade, .visible = svc_fold_visible_everyone),
    KIND(SVC_AGG_MODEL, "model", SVC_DB_MODELS, svc_model, svc_codec_model_encode,
         svc_codec_model_decode, svc_rules_model, .visible = svc_fold_visible_everyone),
    KIND(SVC_AGG_FAULT, "fault code", SVC_DB_FAULTS, svc_fault_code, svc_codec_fault_code_encode,
         svc_codec_fault_code_decode, svc_rules_fault, .visible = svc_fold_visible_everyone),
    /* Part moves: a ledger, no state. */
    [SVC_AGG_MOVE] = {.type = SVC_AGG_MOVE,
                      .name = "move",
                      .db = -1,
                      .rules = &svc_rules_move,
                      .effects = svc_rules_stock_effects,
                      .visible = svc_fold_visible_move},
    /* customer */
    KIND(SVC_AGG_CUSTOMER, "customer", SVC_DB_CUSTOMERS, svc_customer, svc_codec_customer_encode,
         svc_codec_customer_decode, svc_rules_customer, .reads = customer_reads,
         .check = customer_check, .indexes = customer_indexes,
         .visible = svc_fold_visible_customer),
    KIND(SVC_AGG_UNIT, "unit", SVC_DB_UNITS, svc_unit, svc_codec_unit_encode, svc_codec_unit_decode,
         svc_rules_unit, .reads = unit_reads, .check = unit_check, .indexes = unit_indexes,
         .visible = svc_fold_visible_unit),
    /* policy: exceptions to the return and exchange windows */
    KIND(SVC_AGG_OVERRIDE, "exception", SVC_DB_OVERRIDES, svc_override, svc_codec_override_encode,
         svc_codec_override_decode, svc_rules_override, .visible = svc_fold_visible_override),
    /* complaints */
    KIND(SVC_AGG_COMPLAINT, "complaint", SVC_DB_COMPLAINTS, svc_complaint,
         svc_codec_complaint_encode, svc_codec_complaint_decode, svc_rules_complaint,
         .reads = complaint_reads, .check = complaint_check, .indexes = complaint_indexes,
         .tallies = complaint_tallies, .visible = svc_fold_visible_complaint),
    /* labor operations and the labor tariff: replicated to everyone */
    KIND(SVC_AGG_LABOR, "labor operation", SVC_DB_LABOR, svc_labor_op, svc_codec_labor_encode,
         svc_codec_labor_decode, svc_rules_labor, .visible = svc_fold_visible_everyone),
    KIND(SVC_AGG_TARIFF, "tariff", SVC_DB_TARIFF, svc_tariff, svc_codec_tariff_encode,
         svc_codec_tariff_decode, svc_rules_tariff, .visible = svc_fold_visible_everyone),
    /* old parts */
    KIND(SVC_AGG_OLDPART, "old part", SVC_DB_OLDPARTS, svc_old_part, svc_codec_old_part_encode,
         svc_codec_old_part_decode, svc_rules_oldpart, .reads = oldpart_reads,
         .check = oldpart_check, .visible = svc_fold_visible_oldpart),
    /* the shop's ledger */
    KIND(SVC_AGG_STATEMENT, "statement", SVC_DB_STATEMENTS, svc_statement,
         svc_codec_statement_encode, svc_codec_statement_decode, svc_rules_statement,
         .reads = statement_reads, .check = statement_check, .visible = svc_fold_visible_statement),
    /* shops */
    KIND(SVC_AGG_SHOP, "shop", SVC_DB_SHOPS, svc_shop, svc_codec_shop_encode, svc_codec_shop_decode,
         svc_rules_shop, .visible = svc_fold_visible_shop),
};

static int default_type_of(const svc_change *c)
{
	return (int)svc_rules_agg_type(c);
}

static const svc_fold_kinds default_kinds = {kinds, SVC_AGG_MAX_, default_type_of};

const svc_fold_kinds *svc_fold_kinds_default(void)
{
	return &default_kinds;
}

const svc_fold_kind *svc_fold_kind_of(svc_agg_type type)
{
	if (type <= SVC_AGG_NONE || type >= SVC_AGG_MAX_)
		return NULL;
	return &kinds[type];
}

/* ------------------------------------------------------------ the driver */

#define OPS(f) ((f)->ops)

/* One fold call: the fold, its table, and how often each record was folded
 * again by dependents (cascade()). */
struct seen {
	svc_fold_ref r;
	int n;
};

typedef struct run {
	const svc_fold *f;
	const svc_fold_kinds *kt;
	struct seen *seen;
	size_t nseen, cap;
} run;

static void run_init(run *r, const svc_fold *f)
{
	r->f = f;
	r->kt = f->kinds ? f->kinds : &default_kinds;
	r->seen = NULL;
	r->nseen = r->cap = 0;
}

static int run_done(run *r, int rc)
{
	free(r->seen);
	return rc;
}

static const svc_fold_kind *table_kind(const svc_fold_kinds *kt, int type)
{
	if (type <= 0 || (size_t)type >= kt->n || !kt->kinds[type].name)
		return NULL;
	return &kt->kinds[type];
}

static const svc_fold_kind *change_kind(const run *r, const svc_change *c)
{
	return table_kind(r->kt, r->kt->type_of(c));
}

/* Every fold takes its change's position: a copy, no formatting (the
 * origin is a NUL-terminated array of the same size). */
static void pos_of(svc_fold_pos *p, const svc_change *c)
{
	p->hlc = c->hlc;
	memcpy(p->origin, c->origin, sizeof p->origin);
	p->seq = c->seq;
}

static int pos_cmp(const svc_fold_pos *a, const svc_fold_pos *b)
{
	return svc_rules_order_cmp(a->hlc, a->origin, a->seq, b->hlc, b->origin, b->seq);
}

static int effects_of(const svc_fold *f, const svc_fold_kind *k, const svc_change *c, int sign)
{
	svc_stock_delta d[2];
	int n = k && k->effects ? k->effects(c, d) : k ? 0 : svc_rules_stock_effects(c, d);
	for (int i = 0; i < n; i++) {
		int rc = OPS(f)->stock_add(f->ctx, &d[i], sign);
		if (rc)
			return rc;
	}
	return 0;
}

int svc_fold_effects(const svc_fold *f, const svc_change *c, int sign)
{
	run r;
	run_init(&r, f);
	return effects_of(f, change_kind(&r, c), c, sign);
}

int svc_fold_load(const svc_fold *f, svc_agg_type type, const char *agg, void *state, bool *exists)
{
	const svc_fold_kind *k = table_kind(f->kinds ? f->kinds : &default_kinds, (int)type);
	if (!k || !k->state_size)
		return svc_errf(SVC_EINVAL, "aggregate %s has no state", agg);
	return OPS(f)->state_load(f->ctx, k, agg, state, exists);
}

/* ------------------------------------------------------------ indexes and tallies */

static bool index_same(const svc_fold_index_entry *a, const svc_fold_index_entry *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->value, b->value) == 0;
}

static bool tally_same(const svc_fold_tally_entry *a, const svc_fold_tally_entry *b)
{
	return a->month == b->month && a->delta == b->delta && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->scope, b->scope) == 0;
}

/* Move the index entries and tallies from the old state's (had) to the
 * new state's (has): entries both have are left alone. */
static int derived_update(const svc_fold *f, const svc_fold_kind *k, const char *agg,
                          const void *old, bool had, const void *new, bool has)
{
	if (k->indexes) {
		svc_fold_index_entry a[SVC_FOLD_INDEX_MAX], b[SVC_FOLD_INDEX_MAX];
		int na = had ? k->indexes(old, a) : 0, nb = has ? k->indexes(new, b) : 0;
		for (int i = 0; i < na; i++) {
			bool keep = false;
			for (int j = 0; j < nb && !keep; j++)
				keep = index_same(&a[i], &b[j]);
			if (!keep)
				OPS(f)->index_del(f->ctx, a[i].name, a[i].value, agg);
		}
		for (int j = 0; j < nb; j++) {
			bool was = false;
			for (int i = 0; i < na && !was; i++)
				was = index_same(&a[i], &b[j]);
			if (!was)
				OPS(f)->index_put(f->ctx, b[j].name, b[j].value, agg);
		}
	}
	if (k->tallies) {
		svc_fold_tally_entry a[SVC_FOLD_TALLY_MAX], b[SVC_FOLD_TALLY_MAX];
		bool used[SVC_FOLD_TALLY_MAX] = {false};
		int na = had ? k->tallies(old, a) : 0, nb = has ? k->tallies(new, b) : 0;
		for (int i = 0; i < na; i++) {
			bool keep = false;
			for (int j = 0; j < nb && !keep; j++)
				if (!used[j] && tally_same(&a[i], &b[j]))
					keep = used[j] = true;
			if (!keep)
				OPS(f)->tally_add(f->ctx, a[i].month, a[i].name, a[i].scope,
				                  -a[i].delta);
		}
		for (int j = 0; j < nb; j++)
			if (!used[j])
				OPS(f)->tally_add(f->ctx, b[j].month, b[j].name, b[j].scope,
				                  b[j].delta);
	}
	return OPS(f)->err(f->ctx);
}

/* Store a record's new state (has) or delete it, with its derived entries;
 * old/had are what was stored. */
static int state_store(const svc_fold *f, const svc_fold_kind *k, const char *agg, const void *old,
                       bool had, const void *new, bool has)
{
	if ((k->indexes || k->tallies) && (had || has)) {
		int rc = derived_update(f, k, agg, old, had, new, has);
		if (rc)
			return rc;
	}
	if (has)
		return OPS(f)->state_save(f->ctx, k, agg, new);
	return had ? OPS(f)->state_del(f->ctx, k, agg) : OPS(f)->err(f->ctx);
}

/* ------------------------------------------------------------ reads */

struct svc_fold_reader {
	run *r;
	const svc_change *c; /* the change judged: reads are as of its place */
	svc_fold_ref self;
	int nrefs;
	svc_fold_ref refs[SVC_FOLD_READS_MAX];
};

struct asof {
	const svc_fold *f;
	const svc_fold_kind *k;
	const svc_change *at;
	svc_fold_state state, scratch;
	bool exists;
};

/* Replay a change before the reader's place with its stored verdict. */
static int asof_step(const svc_change *c, void *arg)
{
	struct asof *a = arg;
	const svc_fold *f = a->f;
	bool rejected;
	if (svc_rules_order_cmp(c->hlc, c->origin, c->seq, a->at->hlc, a->at->origin, a->at->seq) >=
	    0)
		return 1;
	int rc = OPS(f)->reject_get(f->ctx, c, &rejected);
	if (rc || rejected)
		return rc;
	char reason[SVC_REASON_LEN];
	memcpy(&a->scratch, &a->state, a->k->state_size);
	if (a->k->rules->step(&a->scratch, a->exists, c, reason, sizeof reason) == 0) {
		memcpy(&a->state, &a->scratch, a->k->state_size);
		a->exists = true;
	}
	return 0;
}

int svc_fold_read(svc_fold_reader *rd, int type, const char *agg, void *state, bool *exists)
{
	const svc_fold *f = rd->r->f;
	bool named = false;
	for (int i = 0; i < rd->nrefs && !named; i++)
		named = rd->refs[i].type == type && strcmp(rd->refs[i].agg, agg) == 0;
	const svc_fold_kind *k = table_kind(rd->r->kt, type);
	if (!named || !k || !k->state_size)
		return svc_errf(SVC_EINVAL, "%s reads %s, which its kind's reads() did not name",
		                rd->self.agg, agg);
	svc_fold_pos at;
	bool later;
	pos_of(&at, rd->c);
	int rc = OPS(f)->has_after(f->ctx, agg, &at, &later);
	if (rc)
		return rc;
	if (!later)
		return OPS(f)->state_load(f->ctx, k, agg, state, exists);
	struct asof *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->f = f;
	a->k = k;
	a->at = rd->c;
	memset(&a->state, 0, sizeof a->state);
	a->exists = false;
	rc = OPS(f)->agg_walk(f->ctx, agg, asof_step, a);
	if (rc == 1)
		rc = 0;
	if (!rc) {
		memcpy(state, &a->state, k->state_size);
		*exists = a->exists;
	}
	free(a);
	return rc;
}

struct ledger_walk {
	const svc_fold *f;
	const svc_change *at;
	svc_fold_walk_fn fn;
	void *arg;
};

static int ledger_step(const svc_change *c, void *arg)
{
	struct ledger_walk *w = arg;
	bool rejected;
	if (svc_rules_order_cmp(c->hlc, c->origin, c->seq, w->at->hlc, w->at->origin, w->at->seq) >=
	    0)
		return 1;
	int rc = OPS(w->f)->reject_get(w->f->ctx, c, &rejected);
	if (rc || rejected)
		return rc;
	rc = w->fn(c, w->arg);
	/* the walk's own stop (1) must not be mistaken for the callback's */
	return rc == 1 ? svc_errf(SVC_EINVAL, "a ledger reader returned 1") : rc;
}

int svc_fold_read_ledger(svc_fold_reader *rd, int type, const char *agg, svc_fold_walk_fn fn,
                         void *arg)
{
	bool named = false;
	for (int i = 0; i < rd->nrefs && !named; i++)
		named = rd->refs[i].type == type && strcmp(rd->refs[i].agg, agg) == 0;
	const svc_fold_kind *k = table_kind(rd->r->kt, type);
	if (!named || !k || k->state_size)
		return svc_errf(SVC_EINVAL,
		                "%s reads ledger %s, which its kind's reads() did not name",
		                rd->self.agg, agg);
	struct ledger_walk w = {rd->r->f, rd->c, fn, arg};
	int rc = OPS(rd->r->f)->agg_walk(rd->r->f->ctx, agg, ledger_step, &w);
	return rc == 1 ? 0 : rc;
}

/*
 * Is c above the cut-off of its origin's revocation? Then it stays out of
 * the fold (1, with the reason), whatever its HLC, until a release raises
 * the cut-off. A node's own changes are not held in its own store: the
 * cut-off is for what the others accept from it.
 */
static int held_by_cutoff(const svc_fold *f, const svc_change *c, char *reason, size_t rlen)
{
	svc_node n;
	char nagg[SVC_AGG_LEN];
	bool have;
	if (OPS(f)->is_self(f->ctx, c->origin))
		return 0;
	svc_rules_node_agg(nagg, c->origin);
	int rc = OPS(f)->state_load(f->ctx, &kinds[SVC_AGG_NODE], nagg, &n, &have);
	if (rc)
		return rc;
	if (!have || c->seq <= n.cutoff_seq || (!n.revoked && c->seq > n.held_through))
		return 0;
	if (n.revoked)
		snprintf(reason, rlen, SVC_HELD_PREFIX "%s (cut-off seq %llu): %.120s", c->origin,
		         (unsigned long long)n.cutoff_seq, n.revoke_reason);
	else
		snprintf(reason, rlen,
		         SVC_HELD_PREFIX "%s (cut-off seq %llu): work of its superseded key "
		                         "(through seq %llu)",
		         c->origin, (unsigned long long)n.cutoff_seq,
		         (unsigned long long)n.held_through);
	return 1;
}

/*
 * The fold's verdict on c: 0 accepted, non-zero rejected (reason set), or a
 * store error (*failed set) from the cut-off check or a read. Records the
 * reads of c in the dependency index unless c is a local change refused
 * (which leaves nothing behind).
 */
static int verdict_of(run *r, const svc_fold_kind *k, void *state, bool exists, const svc_change *c,
                      bool local, char *reason, size_t rlen, bool *failed)
{
	const svc_fold *f = r->f;
	*failed = false;
	if (!local) {
		int h = held_by_cutoff(f, c, reason, rlen);
		if (h < 0)
			*failed = true;
		if (h)
			return h;
	}
	if (!k->reads)
		return k->rules->step(state, exists, c, reason, rlen);

	svc_fold_reader rd;
	rd.r = r;
	rd.c = c;
	rd.self.type = (int)k->type;
	copy_str(rd.self.agg, sizeof rd.self.agg, c->aggregate);
	rd.nrefs = k->reads(c, state, exists, rd.refs);
	int v = 0;
	if (k->check) {
		v = k->check(&rd, state, exists, c, reason, rlen);
		if (v && v != SVC_EREJECT) {
			*failed = true;
			return v;
		}
	}
	if (!v)
		v = k->rules->step(state, exists, c, reason, rlen);
	if (local && v)
		return v;
	svc_fold_pos at;
	pos_of(&at, c);
	for (int i = 0; i < rd.nrefs; i++) {
		if (rd.refs[i].type == rd.self.type && strcmp(rd.refs[i].agg, rd.self.agg) == 0)
			continue;
		int rc = OPS(f)->deps_put(f->ctx, &rd.refs[i], &rd.self, &at);
		if (rc) {
			*failed = true;
			return rc;
		}
	}
	return v;
}

/* ------------------------------------------------------------ re-folds and dependents */

struct refold {
	run *r;
	const svc_fold_kind *kind;
	svc_fold_state state, scratch;
	bool exists;
	bool flipped; /* some change's verdict changed */
};

/* One step of a re-fold: compute the verdict afresh and reconcile it with
 * the stored one (rejection and stock effects). */
static int refold_step(const svc_change *c, void *arg)
{
	struct refold *rf = arg;
	const svc_fold *f = rf->r->f;
	char reason[SVC_REASON_LEN] = "";
	bool was_rejected, failed;
	int rc = OPS(f)->reject_get(f->ctx, c, &was_rejected);
	if (rc)
		return rc;
	memcpy(&rf->scratch, &rf->state, rf->kind->state_size);
	int verdict = verdict_of(rf->r, rf->kind, &rf->scratch, rf->exists, c, false, reason,
	                         sizeof reason, &failed);
	if (failed)
		return verdict;
	if (verdict == 0) {
		memcpy(&rf->state, &rf->scratch, rf->kind->state_size);
		rf->exists = true;
		if (was_rejected) {
			rf->flipped = true;
			OPS(f)->reject_del(f->ctx, c);
			effects_of(f, rf->kind, c, +1);
		}
	} else {
		if (!reason[0])
			snprintf(reason, sizeof reason, "rejected");
		OPS(f)->reject_put(f->ctx, c, reason);
		if (!was_rejected) {
			rf->flipped = true;
			effects_of(f, rf->kind, c, -1);
		}
	}
	return OPS(f)->err(f->ctx);
}

static int cascade(run *r, const char *agg, const svc_fold_pos *from);

/* Does any kind of the table read other records? (else no record has
 * dependents, and folds skip the dependency index altogether) */
static bool table_reads(const svc_fold_kinds *kt)
{
	for (size_t i = 0; i < kt->n; i++)
		if (kt->kinds[i].reads)
			return true;
	return false;
}

/*
 * Fold an aggregate again from its first change, reconciling each change's
 * stored verdict with the new one, then its dependents from `from` on (NULL:
 * all) if its fold changed. A state is a function of its changes and their
 * verdicts, so it changed if a change was added or left (`moved`) or a
 * verdict flipped: no need to read the old state, which only kinds with
 * indexes or tallies do (their entries move from the old state's).
 */
static int refold_agg(run *r, const svc_fold_kind *k, const char *agg, const svc_fold_pos *from,
                      bool moved)
{
	const svc_fold *f = r->f;
	bool derived = k->indexes || k->tallies;
	struct refold *rf = malloc(sizeof *rf);
	svc_fold_state *old = malloc(sizeof *old);
	bool had = false;
	int rc = rf && old ? 0 : svc_errf(SVC_ENOMEM, "out of memory");
	if (!rc && derived)
		rc = (OPS(f)->state_load_stored ? OPS(f)->state_load_stored
		                                : OPS(f)->state_load)(f->ctx, k, agg, old, &had);
	if (!rc) {
		rf->r = r;
		rf->kind = k;
		memset(&rf->state, 0, sizeof rf->state);
		rf->exists = false;
		rf->flipped = false;
		rc = OPS(f)->agg_walk(f->ctx, agg, refold_step, rf);
	}
	bool changed = false;
	if (!rc) {
		changed = moved || rf->flipped;
		if (derived)
			rc = state_store(f, k, agg, old, had, &rf->state, rf->exists);
		else if (rf->exists)
			rc = OPS(f)->state_save(f->ctx, k, agg, &rf->state);
		else
			rc = OPS(f)->state_del(f->ctx, k, agg);
	}
	free(rf);
	free(old);
	if (!rc && changed)
		rc = cascade(r, agg, from);
	return rc;
}

struct dep_list {
	const svc_fold_pos *from;
	size_t n, cap;
	svc_fold_ref *v;
};

static int dep_collect(const svc_fold_ref *dep, const svc_fold_pos *last, void *arg)
{
	struct dep_list *d = arg;
	if (d->from && pos_cmp(last, d->from) <= 0)
		return 0;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? 2 * d->cap : 8;
		svc_fold_ref *nv = realloc(d->v, ncap * sizeof *nv);
		if (!nv)
			return svc_errf(SVC_ENOMEM, "out of memory");
		d->v = nv;
		d->cap = ncap;
	}
	d->v[d->n++] = *dep;
	return 0;
}

/* Count one more re-fold of `ref` in this call; SVC_ESTORE past the cap. */
static int seen_bump(run *r, const svc_fold_ref *ref)
{
	for (size_t i = 0; i < r->nseen; i++)
		if (r->seen[i].r.type == ref->type && strcmp(r->seen[i].r.agg, ref->agg) == 0) {
			if (++r->seen[i].n > SVC_FOLD_CASCADE_MAX)
				return svc_errf(SVC_ESTORE,
				                "%s: its reads do not settle after %d folds",
				                ref->agg, SVC_FOLD_CASCADE_MAX);
			return 0;
		}
	if (r->nseen == r->cap) {
		size_t ncap = r->cap ? 2 * r->cap : 8;
		struct seen *nv = realloc(r->seen, ncap * sizeof *nv);
		if (!nv)
			return svc_errf(SVC_ENOMEM, "out of memory");
		r->seen = nv;
		r->cap = ncap;
	}
	r->seen[r->nseen].r = *ref;
	r->seen[r->nseen++].n = 1;
	return 0;
}

/* The fold of `agg` changed from `from` on (NULL: anywhere): fold again
 * every record that read it after that. Dependents are collected before
 * any is folded, because their folds write the dependency index. */
static int cascade(run *r, const char *agg, const svc_fold_pos *from)
{
	if (!table_reads(r->kt))
		return 0;
	struct dep_list d = {from, 0, 0, NULL};
	int rc = OPS(r->f)->deps_each(r->f->ctx, agg, dep_collect, &d);
	for (size_t i = 0; i < d.n && !rc; i++) {
		const svc_fold_kind *dk = table_kind(r->kt, d.v[i].type);
		if (!dk || !dk->state_size)
			continue;
		rc = seen_bump(r, &d.v[i]);
		if (!rc)
			rc = refold_agg(r, dk, d.v[i].agg, from, false);
	}
	free(d.v);
	return rc;
}

int svc_fold_refold(const svc_fold *f, svc_agg_type type, const char *agg)
{
	run r;
	run_init(&r, f);
	const svc_fold_kind *k = table_kind(r.kt, (int)type);
	if (!k || k->state_size == 0)
		return 0;
	return run_done(&r, refold_agg(&r, k, agg, NULL, true));
}

static int fold(run *r, const svc_change *c, bool local, char *reason, size_t rlen)
{
	const svc_fold *f = r->f;
	const svc_fold_kind *k = change_kind(r, c);
	if (!k)
		return svc_errf(SVC_EINVAL, "change %s/%llu: unknown kind", c->origin,
		                (unsigned long long)c->seq);
	reason[0] = '\0';

	bool failed;
	if (k->state_size == 0) {
		/* Ledger entries: no state, order does not matter. */
		int v = verdict_of(r, k, NULL, false, c, local, reason, rlen, &failed);
		if (failed)
			return v;
		if (v && local)
			return svc_errf(SVC_EREJECT, "%s", reason);
		if (v)
			return OPS(f)->reject_put(f->ctx, c, reason[0] ? reason : "rejected");
		int rc = effects_of(f, k, c, +1);
		if (!rc) {
			/* records that read this ledger after c (a claim after a
			 * consumption that arrived late) are judged again */
			svc_fold_pos at;
			pos_of(&at, c);
			rc = cascade(r, c->aggregate, &at);
		}
		return rc;
	}

	svc_fold_state state, scratch;
	bool exists, later;
	int rc = OPS(f)->state_load(f->ctx, k, c->aggregate, &state, &exists);
	if (!rc)
		rc = OPS(f)->has_later(f->ctx, c, &later);
	if (rc)
		return rc;
	/* The state alone cannot tell: an aggregate with no state yet may
	 * already hold rejected changes that come later in fold order (a
	 * shop's accept that arrived before the region's open). */
	svc_fold_pos at;
	pos_of(&at, c);
	if (!later) {
		memcpy(&scratch, &state, k->state_size);
		int v = verdict_of(r, k, &scratch, exists, c, local, reason, rlen, &failed);
		if (failed)
			return v;
		if (v) {
			if (!reason[0])
				snprintf(reason, rlen, "rejected");
			if (local)
				return svc_errf(SVC_EREJECT, "%s", reason);
			return OPS(f)->reject_put(f->ctx, c, reason);
		}
		rc = state_store(f, k, c->aggregate, &state, exists, &scratch, true);
		if (!rc)
			rc = effects_of(f, k, c, +1);
		if (!rc)
			rc = cascade(r, c->aggregate, &at);
		return rc;
	}

	/* A late arrival: fold the aggregate again from its first change. A
	 * new change counts as "was accepted" until its verdict is known, so
	 * seed it as rejected to get its effects applied exactly once. */
	if (local)
		return svc_errf(SVC_EREJECT, "local change out of fold order");
	OPS(f)->reject_put(f->ctx, c, "pending");
	return refold_agg(r, k, c->aggregate, &at, true);
}

/* ------------------------------------------------------------ holds */

struct held_agg {
	char agg[SVC_AGG_LEN];
	int type;
};

static int held_agg_cmp(const void *a, const void *b)
{
	const struct held_agg *x = a, *y = b;
	int c = strcmp(x->agg, y->agg);
	return c ? c : x->type - y->type;
}

/* Fold one ledger entry (no aggregate state) again and reconcile its stored
 * verdict and stock effects. */
static int refold_ledger(run *r, const svc_fold_kind *k, const svc_change *c)
{
	const svc_fold *f = r->f;
	char reason[SVC_REASON_LEN] = "";
	bool was_rejected, failed;
	int rc = OPS(f)->reject_get(f->ctx, c, &was_rejected);
	if (rc)
		return rc;
	int v = verdict_of(r, k, NULL, false, c, false, reason, sizeof reason, &failed);
	if (failed)
		return v;
	bool flipped = false;
	if (v == 0 && was_rejected) {
		OPS(f)->reject_del(f->ctx, c);
		effects_of(f, k, c, +1);
		flipped = true;
	} else if (v) {
		OPS(f)->reject_put(f->ctx, c, reason[0] ? reason : "rejected");
		if (!was_rejected)
			effects_of(f, k, c, -1);
		flipped = !was_rejected;
	}
	rc = OPS(f)->err(f->ctx);
	if (!rc && flipped) {
		svc_fold_pos at;
		pos_of(&at, c);
		rc = cascade(r, c->aggregate, &at);
	}
	return rc;
}

struct hold_walk {
	run *r;
	struct held_agg *aggs;
	size_t naggs, cap;
};

static int hold_step(const svc_change *c, void *arg)
{
	struct hold_walk *h = arg;
	const svc_fold_kind *k = change_kind(h->r, c);
	if (!k)
		return 0;
	if (k->state_size == 0)
		return refold_ledger(h->r, k, c);
	if (h->naggs == h->cap) {
		size_t ncap = h->cap ? 2 * h->cap : 16;
		struct held_agg *nv = realloc(h->aggs, ncap * sizeof *nv);
		if (!nv)
			return svc_errf(SVC_ENOMEM, "out of memory");
		h->aggs = nv;
		h->cap = ncap;
	}
	snprintf(h->aggs[h->naggs].agg, sizeof h->aggs[h->naggs].agg, "%s", c->aggregate);
	h->aggs[h->naggs++].type = (int)k->type;
	return 0;
}

/*
 * A revocation, a release or a re-issued certificate moved the point from
 * which `origin`'s changes are held: fold again every aggregate that holds a
 * change of it from seq `from` on, so that changes applied before the
 * revocation arrived here leave the fold (and released ones re-enter it) in
 * the same transaction as the directory change. Ledger entries are folded
 * again as they are met (the walk stays valid: they write other records);
 * aggregates are collected first, sorted and folded once each.
 */
static int hold_refold(run *r, const char *origin, uint64_t from)
{
	const svc_fold *f = r->f;
	struct hold_walk h = {r, NULL, 0, 0};
	int out = OPS(f)->origin_walk(f->ctx, origin, from, hold_step, &h);
	if (h.naggs)
		qsort(h.aggs, h.naggs, sizeof *h.aggs, held_agg_cmp);
	for (size_t i = 0; i < h.naggs && !out; i++) {
		if (i && held_agg_cmp(&h.aggs[i], &h.aggs[i - 1]) == 0)
			continue;
		out = refold_agg(r, table_kind(r->kt, h.aggs[i].type), h.aggs[i].agg, NULL, false);
	}
	free(h.aggs);
	return out ? out : OPS(f)->err(f->ctx);
}

static int fold_change(run *r, const svc_change *c, bool local, char *reason, size_t rlen)
{
	const svc_fold *f = r->f;
	const svc_fold_kind *nk = &kinds[SVC_AGG_NODE];
	if (change_kind(r, c) != nk)
		return fold(r, c, local, reason, rlen);
	svc_node before, after;
	bool had, has;
	int rc = OPS(f)->state_load(f->ctx, nk, c->aggregate, &before, &had);
	if (!rc)
		rc = fold(r, c, local, reason, rlen);
	if (!rc)
		rc = OPS(f)->state_load(f->ctx, nk, c->aggregate, &after, &has);
	if (rc)
		return rc;
	/* What is held is (cutoff, held_through], or everything above the
	 * cutoff while revoked: when that changes, fold again from the lower
	 * of the two cut-offs. */
	uint64_t h0 = had && (before.revoked || before.held_through > before.cutoff_seq)
	                  ? before.cutoff_seq
	                  : UINT64_MAX;
	uint64_t h1 = has && (after.revoked || after.held_through > after.cutoff_seq)
	                  ? after.cutoff_seq
	                  : UINT64_MAX;
	uint64_t low = h0 < h1 ? h0 : h1;
	bool same =
	    h0 == h1 &&
	    (!had || !has ||
	     (before.revoked == after.revoked && before.held_through == after.held_through));
	if (same || low == UINT64_MAX)
		return 0;
	return hold_refold(r, has ? after.node : before.node, low + 1);
}

int svc_fold_change(const svc_fold *f, const svc_change *c, bool local, char *reason, size_t rlen)
{
	run r;
	run_init(&r, f);
	return run_done(&r, fold_change(&r, c, local, reason, rlen));
}

/*
 * rules_claim: how a settlement claim (结算单) folds.
 *
 * submitted (shop) -> audited | returned (region or HQ) -> approved |
 * partially_approved | rejected (HQ) -> paid (HQ). A returned or rejected
 * claim comes back as a new revision from the same shop, which replaces its
 * lines and clears every decision taken on the old revision.
 *
 * Money decisions are bound to what was decided on: a decision names the
 * revision and the claimed total it saw, and it is refused if the claim is
 * at another revision or totals another amount at its place in fold order.
 * So an approval can never be replayed onto a resubmitted revision, and a
 * claim altered after its audit cannot ride on the old approval.
 *
 * Claim lines. A submission carries its lines as the shop's desk computed
 * them (operation lines from the labor operations and the rate of the
 * ticket's grade, parts at the price in force at their consumption, travel
 * by band); the fold's check (svc_fold.c) recomputes them from what it reads
 * at the claim's place in fold order, so this file only keeps them. The
 * lines are numbered 1..n (svc_claim_lines()); each keeps the region's
 * proposal and HQ's approved amount. HQ's approval takes, for a line it does
 * not name, the region's proposal, else the full amount; a flagged line
 * (over the card, a free amount, a repeat repair) approved in full needs a
 * reason. The claim's approved amount is the sum of its lines.
 *
 * A claim is one aggregate: whether its ticket is resolved, or assigned to
 * the claiming shop, is another aggregate's state and is checked when the
 * shop writes the claim (svc_local), not here, so that a claim's fold never
 * depends on the order in which two aggregates were folded.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The amounts of a submission, copied field by field so the state's bytes
 * (padding included) never depend on how the change was built. */
static void copy_lines(svc_claim *cl, const svc_claim_submit *b)
{
	cl->labor = b->labor;
	cl->travel = b->travel;
	cl->other = b->other;
	cl->total = b->total;
	memset(cl->parts, 0, sizeof cl->parts);
	cl->nparts = b->nparts <= SVC_CLAIM_PARTS_MAX ? b->nparts : SVC_CLAIM_PARTS_MAX;
	for (uint32_t i = 0; i < cl->nparts; i++) {
		SVC_COPY(cl->parts[i].part_no, b->parts[i].part_no);
		cl->parts[i].qty = b->parts[i].qty;
		cl->parts[i].unit_price = b->parts[i].unit_price;
		cl->parts[i].amount = b->parts[i].amount;
	}
	memset(cl->ops, 0, sizeof cl->ops);
	cl->nops = b->nops <= SVC_CLAIM_OPS_MAX ? b->nops : SVC_CLAIM_OPS_MAX;
	for (uint32_t i = 0; i < cl->nops; i++) {
		SVC_COPY(cl->ops[i].code, b->ops[i].code);
		cl->ops[i].minutes = b->ops[i].minutes;
		cl->ops[i].amount = b->ops[i].amount;
		cl->ops[i].flags = b->ops[i].flags;
	}
	cl->distance_km = b->distance_km;
	cl->travel_flags = b->travel_flags;
	cl->policy_version = b->policy_version;
	cl->priced = b->priced;
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	cl->nlines = svc_claim_lines(cl, v);
	memset(cl->lines, 0, sizeof cl->lines);
	SVC_CLEAR(cl->repeat_of);
	SVC_CLEAR(cl->decided_op);
}

uint32_t svc_claim_lines(const svc_claim *cl, svc_claim_line_view out[SVC_CLAIM_LINES_MAX])
{
	uint32_t n = 0;
	uint32_t repeat = cl->repeat_of[0] ? SVC_LINE_REPEAT : 0;
	/* free amounts are flagged on claims priced by these rules; an older
	 * claim's lines carry no flags */
	uint32_t free = cl->priced ? SVC_LINE_FREE : 0;
	uint32_t travel = cl->distance_km ? cl->travel_flags : free;
	for (uint32_t i = 0; i < cl->nops && i < SVC_CLAIM_OPS_MAX; i++)
		out[n++] = (svc_claim_line_view){SVC_LINE_OP, cl->ops[i].code, cl->ops[i].minutes,
		                                 cl->ops[i].amount, cl->ops[i].flags | repeat};
	if (cl->labor > 0)
		out[n++] = (svc_claim_line_view){SVC_LINE_LABOR, "", 0, cl->labor, free | repeat};
	for (uint32_t i = 0; i < cl->nparts && i < SVC_CLAIM_PARTS_MAX; i++)
		out[n++] = (svc_claim_line_view){SVC_LINE_PART, cl->parts[i].part_no,
		                                 cl->parts[i].qty, cl->parts[i].amount, 0};
	if (cl->travel > 0)
		out[n++] =
		    (svc_claim_line_view){SVC_LINE_TRAVEL, "", cl->distance_km, cl->travel, travel};
	if (cl->other > 0)
		out[n++] = (svc_claim_line_view){SVC_LINE_OTHER, "", 0, cl->other, 0};
	return n;
}

void svc_claim_flags_fmt(char out[48], uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {{SVC_LINE_OVER_CARD, "over-card"},
	             {SVC_LINE_FREE, "free"},
	             {SVC_LINE_REPEAT, "repeat-repair"}};
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(flags & names[i].bit))
			continue;
		n += (size_t)snprintf(out + n, 48 - n, "%s%s", n ? "," : "", names[i].name);
	}
	if (!n)
		memcpy(out, "-", 2);
}

static int claim_submit(svc_claim *cl, bool exists, const svc_change *c, uint64_t ms, char *reason,
                        size_t len)
{
	const svc_claim_submit *b = &c->u.claim_submit;
	if (!exists) {
		if (c->origin_role != SVC_ROLE_SHOP)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: only a shop submits claims, not %s %s",
			                      c->aggregate, svc_role_name(c->origin_role),
			                      c->origin);
		if (b->revision != 1)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: a first submission is revision 1, not "
			                      "%" PRIu32,
			                      c->aggregate, b->revision);
		memset(cl, 0, sizeof *cl);
		SVC_COPY(cl->id, c->aggregate);
		SVC_COPY(cl->ticket, b->ticket);
		SVC_COPY(cl->shop, c->origin);
		SVC_COPY(cl->region, b->region[0] ? b->region : c->origin_region);
	} else {
		if (cl->status != SVC_CS_RETURNED && cl->status != SVC_CS_REJECTED)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: cannot resubmit a claim that is %s (only "
			                      "returned or rejected)",
			                      cl->id, svc_claim_status_name(cl->status));
		if (strcmp(c->origin, cl->shop) != 0)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: %s may not resubmit it (submitted by %s)",
			                      cl->id, c->origin, cl->shop);
		if (b->revision != cl->revision + 1)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: resubmission must be revision %" PRIu32
			                      ", not %" PRIu32,
			                      cl->id, cl->revision + 1, b->revision);
		if (strcmp(b->ticket, cl->ticket) != 0)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len,
			    "claim %s: resubmission names ticket %s, the claim is "
			    "for %s",
			    cl->id, b->ticket, cl->ticket);
		/* The region that audits stays the one the claim was first
		 * routed to; a resubmission cannot pick another auditor. */
		cl->approved = 0;
		SVC_CLEAR(cl->reason);
		SVC_CLEAR(cl->pay_ref);
		SVC_CLEAR(cl->audited_by);
		SVC_CLEAR(cl->decided_by);
		SVC_CLEAR(cl->decided_op);
		cl->audited = 0;
		cl->decided = 0;
		cl->paid = 0;
	}
	cl->revision = b->revision;
	copy_lines(cl, b);
	SVC_COPY(cl->note, b->note);
	cl->status = SVC_CS_SUBMITTED;
	cl->submitted = ms;
	return 0;
}

static int need_hq(const svc_claim *cl, const svc_change *c, const char *verb, char *reason,
                   size_t len)
{
	if (c->origin_role == SVC_ROLE_HQ)
		return 0;
	return svc_rules_fail(SVC_EREJECT, reason, len, "claim %s: %s %s may not %s it (HQ only)",
	                      cl->id, svc_role_name(c->origin_role), c->origin, verb);
}

static int need_region(const svc_claim *cl, const svc_change *c, const char *verb, char *reason,
                       size_t len)
{
	if (svc_rules_is_hq_or_region(c, cl->region))
		return 0;
	return svc_rules_fail(SVC_EREJECT, reason, len,
	                      "claim %s: %s may not %s it (region %s or HQ)", cl->id, c->origin,
	                      verb, cl->region[0] ? cl->region : "none");
}

static int need_status(const svc_claim *cl, bool ok, const char *verb, const char *allowed,
                       char *reason, size_t len)
{
	if (ok)
		return 0;
	return svc_rules_fail(SVC_EREJECT, reason, len,
	                      "claim %s: cannot %s a claim that is %s (only %s)", cl->id, verb,
	                      svc_claim_status_name(cl->status), allowed);
}

/*
 * HQ's decision line by line (approve, or reject of named lines): a line
 * named takes the named amount (0 for a rejected line), one not named the
 * region's proposal, else its full amount. A claim-level amount (the old
 * single-amount approval) then cuts from the last line up. A flagged line
 * left at its full amount needs a reason, the line's or the decision's.
 */
static int decide_lines(svc_claim *cl, const svc_change *c, const svc_claim_line_view *v,
                        uint32_t n, uint64_t ms, char *reason, size_t len)
{
	const svc_claim_decide *b = &c->u.claim_decide;
	bool reject = b->action == SVC_CA_REJECT;
	int64_t amt[SVC_CLAIM_LINES_MAX];
	bool why[SVC_CLAIM_LINES_MAX] = {false};
	int64_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		amt[i] = cl->lines[i].has_proposal ? cl->lines[i].proposed : v[i].amount;
	for (uint32_t i = 0; i < b->nlines && i < SVC_CLAIM_DECISIONS_MAX; i++) {
		uint32_t l = b->lines[i].line - 1;
		amt[l] = reject ? 0 : b->lines[i].amount;
		why[l] = b->lines[i].reason[0] != '\0';
	}
	for (uint32_t i = 0; i < n; i++)
		sum += amt[i];
	if (b->amount > cl->total)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: approves %" PRId64
		                      " fen, more than the claimed %" PRId64 " fen",
		                      cl->id, b->amount, cl->total);
	if (b->amount > sum)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: approves %" PRId64 " fen, more than its lines as "
		                      "decided, %" PRId64 " fen",
		                      cl->id, b->amount, sum);
	for (uint32_t i = n; b->amount && sum > b->amount && i-- > 0;) {
		int64_t cut = sum - b->amount < amt[i] ? sum - b->amount : amt[i];
		amt[i] -= cut;
		sum -= cut;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (!v[i].flags || amt[i] != v[i].amount || amt[i] == 0 || why[i] || b->reason[0])
			continue;
		char f[48];
		svc_claim_flags_fmt(f, v[i].flags);
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: line %" PRIu32 " is flagged (%s): approving it in "
		                      "full needs a reason",
		                      cl->id, i + 1, f);
	}
	if (sum <= 0 && !reject)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: approves nothing; reject it instead", cl->id);
	for (uint32_t i = 0; i < n; i++)
		cl->lines[i].approved = amt[i];
	cl->status = sum == 0           ? SVC_CS_REJECTED
	             : sum == cl->total ? SVC_CS_APPROVED
	                                : SVC_CS_PARTIAL;
	cl->approved = sum;
	SVC_COPY(cl->reason, b->reason); /* why it was cut, when it was */
	SVC_COPY(cl->decided_by, c->origin);
	SVC_COPY(cl->decided_op, c->operator);
	cl->decided = ms;
	return 0;
}

static int claim_decide(svc_claim *cl, const svc_change *c, uint64_t ms, char *reason, size_t len)
{
	const svc_claim_decide *b = &c->u.claim_decide;
	const char *verb = svc_claim_action_name(b->action);
	if (strcmp(c->origin, cl->shop) == 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: %s may not decide on its own claim", cl->id,
		                      c->origin);
	if (b->revision != cl->revision)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: %s is for revision %" PRIu32
		                      ", the claim is at revision %" PRIu32,
		                      cl->id, verb, b->revision, cl->revision);
	if (b->claimed != cl->total)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: %s is for a claimed %" PRId64
		                      " fen, the claim totals %" PRId64 " fen",
		                      cl->id, verb, b->claimed, cl->total);
	uint32_t st = cl->status;
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	uint32_t n = svc_claim_lines(cl, v);
	for (uint32_t i = 0; i < b->nlines && i < SVC_CLAIM_DECISIONS_MAX; i++) {
		const svc_claim_line_decision *d = &b->lines[i];
		if (d->line < 1 || d->line > n)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: line %" PRIu32
			                      ": the claim has lines 1..%" PRIu32,
			                      cl->id, d->line, n);
		if (d->amount > v[d->line - 1].amount)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: line %" PRIu32 ": %" PRId64
			                      " fen is more than the line's %" PRId64 " fen",
			                      cl->id, d->line, d->amount, v[d->line - 1].amount);
	}
	switch (b->action) {
	case SVC_CA_AUDIT:
		SVC_TRY(need_region(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_SUBMITTED, verb, "submitted", reason, len));
		cl->status = SVC_CS_AUDITED;
		SVC_COPY(cl->audited_by, c->origin);
		cl->audited = ms;
		for (uint32_t i = 0; i < b->nlines && i < SVC_CLAIM_DECISIONS_MAX; i++) {
			cl->lines[b->lines[i].line - 1].has_proposal = true;
			cl->lines[b->lines[i].line - 1].proposed = b->lines[i].amount;
		}
		SVC_COPY(cl->repeat_of, b->repeat_of);
		return 0;
	case SVC_CA_RETURN:
		SVC_TRY(need_region(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_SUBMITTED || st == SVC_CS_AUDITED, verb,
		                    "submitted or audited", reason, len));
		cl->status = SVC_CS_RETURNED;
		SVC_COPY(cl->reason, b->reason);
		SVC_COPY(cl->decided_by, c->origin);
		cl->decided = ms;
		return 0;
	case SVC_CA_APPROVE:
		SVC_TRY(need_hq(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_AUDITED, verb, "audited", reason, len));
		return decide_lines(cl, c, v, n, ms, reason, len);
	case SVC_CA_REJECT:
		SVC_TRY(need_hq(cl, c, verb, reason, len));
		if (b->nlines) {
			SVC_TRY(need_status(cl, st == SVC_CS_AUDITED, "reject lines of", "audited",
			                    reason, len));
			return decide_lines(cl, c, v, n, ms, reason, len);
		}
		SVC_TRY(need_status(cl, st == SVC_CS_SUBMITTED || st == SVC_CS_AUDITED, verb,
		                    "submitted or audited", reason, len));
		cl->status = SVC_CS_REJECTED;
		cl->approved = 0;
		for (uint32_t i = 0; i < SVC_CLAIM_LINES_MAX; i++)
			cl->lines[i].approved = 0;
		SVC_COPY(cl->reason, b->reason);
		SVC_COPY(cl->decided_by, c->origin);
		SVC_COPY(cl->decided_op, c->operator);
		cl->decided = ms;
		return 0;
	case SVC_CA_PAY:
		SVC_TRY(need_hq(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_APPROVED || st == SVC_CS_PARTIAL, verb,
		                    "approved or partially_approved", reason, len));
		cl->status = SVC_CS_PAID;
		SVC_COPY(cl->pay_ref, b->ref);
		cl->paid = ms;
		return 0;
	default:
		return svc_rules_fail(SVC_EREJECT, reason, len, "claim %s: unknown action %" PRIu32,
		                      cl->id, b->action);
	}
}

static int claim_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_claim *cl = state;
	uint64_t ms = svc_hlc_ms(c->hlc);
	int rc;
	if (svc_rules_agg_type(c) != SVC_AGG_CLAIM)
		return svc_rules_wrong_kind("claim", c, reason, len);
	if (exists && strcmp(cl->id, c->aggregate) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "claim %s: a change for %s cannot fold into it", cl->id,
		                      c->aggregate);
	if (c->kind == SVC_CK_CLAIM_SUBMIT) {
		rc = claim_submit(cl, exists, c, ms, reason, len);
	} else {
		if (!exists)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: no such claim (not submitted before this "
			                      "decision)",
			                      c->aggregate);
		rc = claim_decide(cl, c, ms, reason, len);
	}
	if (rc != 0)
		return rc;
	svc_rules_set_last(&cl->last, c);
	return 0;
}

const svc_rules svc_rules_claim = {
    .name = "claim",
    .state_size = sizeof(svc_claim),
    .step = claim_step,
};

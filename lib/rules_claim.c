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
 * A claim is one aggregate: whether its ticket is resolved, or assigned to
 * the claiming shop, is another aggregate's state and is checked when the
 * shop writes the claim (svc_local), not here, so that a claim's fold never
 * depends on the order in which two aggregates were folded.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
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
	switch (b->action) {
	case SVC_CA_AUDIT:
		SVC_TRY(need_region(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_SUBMITTED, verb, "submitted", reason, len));
		cl->status = SVC_CS_AUDITED;
		SVC_COPY(cl->audited_by, c->origin);
		cl->audited = ms;
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
	case SVC_CA_APPROVE: {
		SVC_TRY(need_hq(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_AUDITED, verb, "audited", reason, len));
		/* Amount 0 approves the full claim. */
		int64_t amount = b->amount ? b->amount : cl->total;
		if (amount > cl->total)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: approves %" PRId64
			                      " fen, more than the claimed %" PRId64 " fen",
			                      cl->id, amount, cl->total);
		if (amount <= 0)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "claim %s: approves nothing; reject it instead",
			                      cl->id);
		cl->status = amount == cl->total ? SVC_CS_APPROVED : SVC_CS_PARTIAL;
		cl->approved = amount;
		SVC_COPY(cl->reason, b->reason); /* why it was cut, when it was */
		SVC_COPY(cl->decided_by, c->origin);
		SVC_COPY(cl->decided_op, c->operator); /* the payer may have to differ */
		cl->decided = ms;
		return 0;
	}
	case SVC_CA_REJECT:
		SVC_TRY(need_hq(cl, c, verb, reason, len));
		SVC_TRY(need_status(cl, st == SVC_CS_SUBMITTED || st == SVC_CS_AUDITED, verb,
		                    "submitted or audited", reason, len));
		cl->status = SVC_CS_REJECTED;
		cl->approved = 0;
		SVC_COPY(cl->reason, b->reason);
		SVC_COPY(cl->decided_by, c->origin);
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

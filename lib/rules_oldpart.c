/*
 * rules_oldpart: old parts back to the factory (旧件返厂), as two-phase
 * shipments on one record per ticket and part number, O:<ticket>/<part_no>.
 *
 * The shop that consumed parts on a ticket ships the old ones to its region
 * (ship); the region receives what is in transit and inspects it, refusing
 * some with a reason (receive, at a region); it forwards what it accepted to
 * HQ (forward), and HQ receives what was forwarded (receive, at HQ). HQ may
 * instead decide that no return is needed (waive), before or after any
 * shipment. Every step moves cumulative counts, so a record may see several
 * shipments and receipts, and each step is refused when it would move more
 * than the step before it let through, judged at its place in fold order:
 *
 *     shipped >= received >= received - rejected (accepted)
 *             >= forwarded >= hq_received
 *
 * How many a shipment may carry also depends on the work: at most what the
 * shop consumed on the ticket, less what it shipped before. That count is
 * the shop's stock ledger at the shipment's place in fold order, which
 * step() may not read; the fold's kind entry checks it (svc_fold.c,
 * oldpart_check), as a claim's part lines are.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

/* The most one step moves: a movement's bound (svc_rules.c, SVC_QTY_MAX). */
#define OLD_PART_QTY_MAX 1000000000LL

void svc_rules_oldpart_agg(char out[SVC_AGG_LEN], const char *ticket, const char *part_no)
{
	size_t tl = strlen(ticket), pl = strlen(part_no);
	if (2 + tl + 1 + pl >= SVC_AGG_LEN) {
		out[0] = '\0';
		return;
	}
	memcpy(out, "O:", 2);
	memcpy(out + 2, ticket, tl);
	out[2 + tl] = '/';
	memcpy(out + 3 + tl, part_no, pl);
	out[3 + tl + pl] = '\0';
}

int64_t svc_old_part_accepted(const svc_old_part *op)
{
	return op->received - op->rejected;
}

void svc_rules_oldpart_due(const svc_tz *tz, uint32_t qty, uint64_t approved_ms, unsigned days,
                           const svc_old_part *op, uint64_t *back_ms, uint64_t *deadline_ms)
{
	uint64_t back = 0;
	if (op && op->accepted_at && svc_old_part_accepted(op) >= (int64_t)qty)
		back = op->accepted_at;
	if (op && op->waived && (!back || op->waived < back))
		back = op->waived;
	*back_ms = back;
	*deadline_ms = 0;
	if (!approved_ms)
		return;
	int32_t day = svc_tz_date_of(tz, (int64_t)approved_ms);
	*deadline_ms = (uint64_t)svc_tz_day_start(tz, svc_date_add_days(day, (int64_t)days + 1));
}

/* ------------------------------------------------------------ validate */

int svc_rules_oldpart_validate(const svc_change *c, char *reason, size_t len)
{
	const svc_old_part_step *b = &c->u.old_part;
	char q[64];
	TERMINATED("ticket", b->ticket);
	TERMINATED("part_no", b->part_no);
	TERMINATED("reason", b->reason);
	TERMINATED("shop", b->shop);
	TERMINATED("region", b->region);
	if (b->action < SVC_OP_SHIP || b->action > SVC_OP_WAIVE)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "action: unknown old-part step %" PRIu32, b->action);
	if (!svc_rules_is_seq_id(b->ticket, 'T'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "ticket: '%s' is not a ticket id (T-<node>-<seq>)",
		                      svc_rules_quote(q, b->ticket));
	SVC_TRY(svc_check_part_no("part_no", b->part_no, reason, len));
	char want[SVC_AGG_LEN];
	svc_rules_oldpart_agg(want, b->ticket, b->part_no);
	if (!want[0])
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "part_no: ticket %s and part %s make too long a record id",
		                      b->ticket, b->part_no);
	SVC_TRY(svc_rules_expect_agg(c, want, reason, len));
	SVC_TRY(svc_check_node_id("shop", b->shop, reason, len));
	SVC_TRY(svc_check_node_id("region", b->region, reason, len));
	SVC_TRY(svc_check_text("reason", b->reason, false, reason, len));
	if (svc_utf8_chars(b->reason) > SVC_OLD_PART_REASON_CHARS)
		return svc_rules_fail(SVC_EINVAL, reason, len, "reason: %zu characters, limit %d",
		                      svc_utf8_chars(b->reason), SVC_OLD_PART_REASON_CHARS);
	bool counted = b->action != SVC_OP_WAIVE;
	if (counted && (b->qty < 1 || b->qty > OLD_PART_QTY_MAX))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "qty: %" PRId64 " is not a number of parts from 1 to %lld",
		                      b->qty, OLD_PART_QTY_MAX);
	if (!counted && b->qty)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "qty: a waiver carries no quantity, got %" PRId64, b->qty);
	if (b->action == SVC_OP_RECEIVE) {
		if (b->reject < 0 || b->reject > b->qty)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "reject: %" PRId64 " is not from 0 to the %" PRId64
			                      " received",
			                      b->reject, b->qty);
		if (b->reject && !b->reason[0])
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "reason: required when parts are rejected");
		if (!b->reject && b->reason[0])
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "reason: only a rejection (reject > 0) takes one");
	} else if (b->reject) {
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "reject: only a receipt rejects parts, not a %s",
		                      svc_old_part_action_name(b->action));
	}
	if (b->action == SVC_OP_WAIVE && !b->reason[0])
		return svc_rules_fail(SVC_EINVAL, reason, len, "reason: required for a waiver");
	if ((b->action == SVC_OP_SHIP || b->action == SVC_OP_FORWARD) && b->reason[0])
		return svc_rules_fail(SVC_EINVAL, reason, len, "reason: a %s takes none",
		                      svc_old_part_action_name(b->action));
	return 0;
}

/* ------------------------------------------------------------ authorize */

/* The role matrix: a shop ships, for itself in its own region; a region
 * receives and forwards (step() checks the record is its region's); HQ
 * receives, waives, and may not ship (the parts are at the shop). */
int svc_rules_oldpart_authorize(const svc_change *c, char *reason, size_t len)
{
	const svc_old_part_step *b = &c->u.old_part;
	const char *verb = svc_old_part_action_name(b->action);
	const char *role = svc_role_name(c->origin_role);
	switch (c->origin_role) {
	case SVC_ROLE_SHOP:
		if (b->action != SVC_OP_SHIP)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "shop %s may not %s old parts (%s)", c->origin, verb,
			                      b->action == SVC_OP_WAIVE ? "HQ only"
			                                                : "its region or HQ");
		if (strcmp(b->shop, c->origin) != 0 || strcmp(b->region, c->origin_region) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "shop %s may not ship old parts as %s of region %s "
			                      "(only its own, to its region %s)",
			                      c->origin, b->shop, b->region, c->origin_region);
		return 0;
	case SVC_ROLE_REGION:
		if (b->action == SVC_OP_SHIP)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not ship old parts (the shop that "
			                      "consumed them does)",
			                      c->origin);
		if (b->action == SVC_OP_WAIVE)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not waive old parts (HQ only)",
			                      c->origin);
		if (strcmp(b->region, c->origin) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not %s old parts of region %s",
			                      c->origin, verb, b->region);
		return 0;
	case SVC_ROLE_HQ:
		if (b->action == SVC_OP_SHIP || b->action == SVC_OP_FORWARD)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "%s %s may not %s old parts (%s)", role, c->origin,
			                      verb,
			                      b->action == SVC_OP_SHIP ? "the shop that consumed "
			                                                 "them does"
			                                               : "the region does");
		if (b->action == SVC_OP_RECEIVE && b->reject)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "hq %s may not reject old parts (the region inspects "
			                      "them)",
			                      c->origin);
		return 0;
	default:
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "node %s has no role and may not originate changes",
		                      c->origin);
	}
}

/* ------------------------------------------------------------ step */

static int op_ship(svc_old_part *op, const svc_change *c, uint64_t ms)
{
	op->shipped += c->u.old_part.qty;
	op->shipped_at = ms;
	return 0;
}

static int op_receive(svc_old_part *op, bool exists, const svc_change *c, uint64_t ms, char *reason,
                      size_t len)
{
	const svc_old_part_step *b = &c->u.old_part;
	if (c->origin_role == SVC_ROLE_HQ) {
		int64_t due = exists ? op->forwarded - op->hq_received : 0;
		if (b->qty > due)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "old part %s: %" PRId64
			                      " forwarded to HQ and not yet "
			                      "received, a receipt of %" PRId64,
			                      c->aggregate, due, b->qty);
		op->hq_received += b->qty;
		op->hq_received_at = ms;
		return 0;
	}
	int64_t transit = exists ? op->shipped - op->received : 0;
	if (b->qty > transit)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "old part %s: %" PRId64 " in transit, a receipt of %" PRId64,
		                      c->aggregate, transit, b->qty);
	op->received += b->qty;
	op->rejected += b->reject;
	if (b->reject)
		SVC_COPY(op->reject_reason, b->reason);
	if (b->qty > b->reject)
		op->accepted_at = ms;
	return 0;
}

static int op_forward(svc_old_part *op, bool exists, const svc_change *c, uint64_t ms, char *reason,
                      size_t len)
{
	const svc_old_part_step *b = &c->u.old_part;
	int64_t left = exists ? svc_old_part_accepted(op) - op->forwarded : 0;
	if (b->qty > left)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "old part %s: %" PRId64 " accepted and not yet forwarded, a "
		                      "forward of %" PRId64,
		                      c->aggregate, left, b->qty);
	op->forwarded += b->qty;
	op->forwarded_at = ms;
	return 0;
}

static int op_waive(svc_old_part *op, const svc_change *c, uint64_t ms, char *reason, size_t len)
{
	if (op->waived)
		return svc_rules_fail(SVC_EREJECT, reason, len, "old part %s: already waived",
		                      c->aggregate);
	op->waived = ms;
	SVC_COPY(op->waive_reason, c->u.old_part.reason);
	return 0;
}

static int oldpart_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_old_part *op = state;
	const svc_old_part_step *b = &c->u.old_part;
	uint64_t ms = svc_hlc_ms(c->hlc);
	int rc;
	if (c->kind != SVC_CK_OLD_PART)
		return svc_rules_wrong_kind("old part", c, reason, len);
	if (exists && (strcmp(op->region, b->region) != 0 || strcmp(op->shop, b->shop) != 0))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "old part %s: shop %s of region %s, the %s names %s of %s",
		                      c->aggregate, op->shop, op->region,
		                      svc_old_part_action_name(b->action), b->shop, b->region);
	if (!exists) {
		memset(op, 0, sizeof *op);
		SVC_COPY(op->id, c->aggregate);
		SVC_COPY(op->ticket, b->ticket);
		SVC_COPY(op->part_no, b->part_no);
		SVC_COPY(op->shop, b->shop);
		SVC_COPY(op->region, b->region);
	}
	switch (b->action) {
	case SVC_OP_SHIP:
		rc = op_ship(op, c, ms);
		break;
	case SVC_OP_RECEIVE:
		rc = op_receive(op, exists, c, ms, reason, len);
		break;
	case SVC_OP_FORWARD:
		rc = op_forward(op, exists, c, ms, reason, len);
		break;
	default:
		rc = op_waive(op, c, ms, reason, len);
		break;
	}
	if (rc != 0)
		return rc;
	svc_rules_set_last(&op->last, c);
	return 0;
}

const svc_rules svc_rules_oldpart = {
    .name = "old part",
    .state_size = sizeof(svc_old_part),
    .step = oldpart_step,
};

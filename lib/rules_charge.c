/*
 * rules_charge: out-of-warranty work on a ticket, folded into the ticket.
 *
 * Warranty never refuses service: work outside the warranty judged at the
 * ticket's opening is done and recorded as a customer charge (ticket.charge),
 * by the ticket's assigned shop, with its labor, parts (priced from the
 * catalog at the shop's desk) and travel. The ticket keeps the sum and the
 * count. The settlement office does not pay for what the customer pays: a
 * claim on a ticket out of warranty or charged is refused by the claim's
 * check in the fold (svc_fold.c), unless HQ gave leave with a reason
 * (claim.allow), which the check reads from the ticket at the claim's place
 * in fold order.
 *
 * Who may originate them needs no state (svc_rules_authorize: a shop
 * charges, HQ alone allows); whether the shop is the ticket's assigned one
 * is decided here, in step().
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_fen(const char *field, int64_t fen, char *reason, size_t len)
{
	if (fen < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: %" PRId64 " fen is negative",
		                      field, fen);
	if (fen > SVC_CLAIM_FEN_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: %" PRId64 " fen is over the ceiling of %" PRId64
		                      " fen that no amount may pass",
		                      field, fen, SVC_CLAIM_FEN_MAX);
	return 0;
}

static int validate_charge(const svc_change *c, char *reason, size_t len)
{
	const svc_ticket_charge *b = &c->u.ticket_charge;
	SVC_TRY(check_fen("labor", b->labor, reason, len));
	SVC_TRY(check_fen("travel", b->travel, reason, len));
	if (b->nparts > SVC_CLAIM_PARTS_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "parts: %" PRIu32 " lines, at most %d allowed", b->nparts,
		                      SVC_CLAIM_PARTS_MAX);
	int64_t sum = b->labor + b->travel; /* each at most SVC_CLAIM_FEN_MAX */
	for (uint32_t i = 0; i < b->nparts; i++) {
		const svc_claim_part *p = &b->parts[i];
		char field[40];
		snprintf(field, sizeof field, "parts[%" PRIu32 "].part_no", i);
		TERMINATED(field, p->part_no);
		SVC_TRY(svc_check_part_no(field, p->part_no, reason, len));
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(b->parts[j].part_no, p->part_no) == 0)
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "parts[%" PRIu32
				                      "].part_no: %s is listed twice",
				                      i, p->part_no);
		if (p->qty < 1)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "parts[%" PRIu32 "].qty: must be at least 1", i);
		snprintf(field, sizeof field, "parts[%" PRIu32 "].unit_price", i);
		SVC_TRY(check_fen(field, p->unit_price, reason, len));
		int64_t amount = (int64_t)p->qty * p->unit_price; /* < 2^32 x 2^30 */
		if (p->amount != amount)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "parts[%" PRIu32 "].amount: %" PRId64
			                      " fen is not qty %" PRIu32 " x unit_price %" PRId64
			                      " fen",
			                      i, p->amount, p->qty, p->unit_price);
		snprintf(field, sizeof field, "parts[%" PRIu32 "].amount", i);
		SVC_TRY(check_fen(field, amount, reason, len));
		sum += amount; /* at most 2 + SVC_CLAIM_PARTS_MAX ceilings */
	}
	if (b->total != sum)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "total: %" PRId64 " fen is not the sum of the lines, %" PRId64
		                      " fen",
		                      b->total, sum);
	if (b->total <= 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "total: a charge must be more than 0 fen");
	return check_fen("total", b->total, reason, len);
}

int svc_rules_charge_validate(const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_TICKET_CHARGE)
		return validate_charge(c, reason, len);
	const svc_claim_allow *b = &c->u.claim_allow;
	TERMINATED("reason", b->reason);
	SVC_TRY(svc_check_text("reason", b->reason, true, reason, len));
	if (svc_utf8_chars(b->reason) > SVC_OVERRIDE_REASON_CHARS)
		return svc_rules_fail(SVC_EINVAL, reason, len, "reason: %zu characters, limit %d",
		                      svc_utf8_chars(b->reason), SVC_OVERRIDE_REASON_CHARS);
	return 0;
}

int svc_rules_ticket_charge_step(svc_ticket *t, const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_CLAIM_ALLOW) {
		SVC_COPY(t->claim_allow_reason, c->u.claim_allow.reason);
		SVC_COPY(t->claim_allowed_by, c->origin);
		return 0;
	}
	const svc_ticket_charge *b = &c->u.ticket_charge;
	if (strcmp(t->shop, c->origin) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: %s may not charge the customer (the ticket's "
		                      "assigned shop is %s)",
		                      t->id, c->origin, t->shop[0] ? t->shop : "none");
	if (t->status == SVC_TS_CANCELLED)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: cancelled, no work to charge for", t->id);
	int64_t sum;
	if (t->charges == UINT32_MAX || __builtin_add_overflow(t->charge_fen, b->total, &sum))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: no room for another charge", t->id);
	t->charge_fen = sum;
	t->charges++;
	return 0;
}

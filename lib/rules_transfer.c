/*
 * rules_transfer: a two-phase parts shipment between two locations.
 *
 * transfer_out, booked at the source, creates the transfer (its id is
 * X-<source>-<seq> of that change); transfer_in, booked at the destination,
 * closes it. In between the parts belong to neither location's stock: the
 * destination counts them as in transit (see svc_rules_stock_effects()).
 *
 * A receipt takes the whole shipment. A short delivery is received in full
 * and corrected with an adjust movement that carries the reason, so the
 * discrepancy is on record where it was found instead of hidden in a partial
 * receipt. Receiving twice, or at the wrong place, is refused.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

static int transfer_out(svc_transfer *t, bool exists, const svc_change *c, uint64_t ms,
                        char *reason, size_t len)
{
	const svc_part_move *m = &c->u.part_move;
	if (exists)
		return svc_rules_fail(SVC_EREJECT, reason, len, "transfer %s: already shipped",
		                      c->aggregate);
	if (strcmp(m->location, c->origin) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: shipped from %s by %s (only the source ships)",
		                      c->aggregate, m->location, c->origin);
	memset(t, 0, sizeof *t);
	SVC_COPY(t->id, c->aggregate);
	SVC_COPY(t->part_no, m->part_no);
	SVC_COPY(t->source, m->location);
	SVC_COPY(t->dest, m->peer);
	t->qty = -m->qty;
	t->shipped = ms;
	return 0;
}

static int transfer_in(svc_transfer *t, bool exists, const svc_change *c, uint64_t ms, char *reason,
                       size_t len)
{
	const svc_part_move *m = &c->u.part_move;
	if (!exists)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: not shipped (no transfer_out before this "
		                      "receipt)",
		                      c->aggregate);
	if (t->received)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: already received at %s", t->id, t->dest);
	if (strcmp(m->transfer, t->id) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: receipt names transfer %s", t->id, m->transfer);
	if (strcmp(m->location, t->dest) != 0 || strcmp(c->origin, t->dest) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: ships to %s, not received by %s at %s", t->id,
		                      t->dest, c->origin, m->location);
	if (strcmp(m->part_no, t->part_no) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: ships part %s, receipt is for %s", t->id,
		                      t->part_no, m->part_no);
	if (m->qty != t->qty)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: shipped %" PRId64 ", receipt is for %" PRId64
		                      " (receive the whole shipment, then adjust)",
		                      t->id, t->qty, m->qty);
	if (m->peer[0] && strcmp(m->peer, t->source) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "transfer %s: shipped from %s, receipt names %s", t->id,
		                      t->source, m->peer);
	t->received = true;
	t->received_at = ms;
	return 0;
}

static int transfer_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_transfer *t = state;
	uint64_t ms = svc_hlc_ms(c->hlc);
	int rc;
	if (svc_rules_agg_type(c) != SVC_AGG_TRANSFER)
		return svc_rules_wrong_kind("transfer", c, reason, len);
	if (c->u.part_move.kind == SVC_MV_TRANSFER_OUT)
		rc = transfer_out(t, exists, c, ms, reason, len);
	else
		rc = transfer_in(t, exists, c, ms, reason, len);
	if (rc != 0)
		return rc;
	svc_rules_set_last(&t->last, c);
	return 0;
}

const svc_rules svc_rules_transfer = {
    .name = "transfer",
    .state_size = sizeof(svc_transfer),
    .step = transfer_step,
};

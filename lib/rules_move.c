/*
 * rules_move: stock movements other than transfers (receive, consume,
 * defective_return, adjust), one S:<location>/<part_no> aggregate per stock
 * line.
 *
 * These are immutable ledger entries: stock is the sum of their deltas
 * (svc_rules_stock_effects()), and a sum does not depend on order, so there is no
 * state to fold and nothing that a later or earlier change could invalidate.
 * Everything that can be wrong with a movement is wrong on its own (layer 1)
 * or for its origin (layer 2). Whether there was enough stock to consume is a
 * local precondition at the moment of writing (svc_local): replicated
 * movements that drive a count negative are facts to report, not changes to
 * refuse, because refusing them would make stock depend on arrival order.
 */
#include "rules_impl.h"

#include "svc_err.h"

static int move_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	(void)state;
	(void)exists;
	if (svc_rules_agg_type(c) != SVC_AGG_MOVE)
		return svc_rules_wrong_kind("stock movement", c, reason, len);
	return 0;
}

const svc_rules svc_rules_move = {
    .name = "move",
    .state_size = 0,
    .step = move_step,
};

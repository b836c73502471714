/*
 * local_oldpart: the svc_local operations on old parts back to the factory
 * (旧件返厂), see svc_local.h.
 *
 * The desk fills each step from what this node holds, so a person types
 * only what they decide: the shop the quantity it sends, the region how
 * many it rejects and why, HQ why it waives. A receipt takes all that is in
 * transit and a forward all that was accepted, as a transfer's receipt
 * takes the whole shipment. The desk refuses first what the rules and the
 * fold would (a shipment beyond what was consumed, in the same words as the
 * fold), and what only it can see (a record of another region).
 */
#include "svc_local.h"

#include "local_impl.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int svc_local_oldpart_parse(const char *id, char ticket[SVC_AGG_LEN], char part_no[SVC_PART_LEN])
{
	const char *slash = id && strncmp(id, "O:", 2) == 0 ? strchr(id + 2, '/') : NULL;
	if (!slash || (size_t)(slash - id - 2) >= SVC_AGG_LEN || strlen(slash + 1) >= SVC_PART_LEN)
		return svc_errf(SVC_EINVAL,
		                "return: '%.80s' is not an old-part record id "
		                "(O:<ticket>/<part_no>)",
		                id ? id : "");
	memcpy(ticket, id + 2, (size_t)(slash - id - 2));
	ticket[slash - id - 2] = '\0';
	snprintf(part_no, SVC_PART_LEN, "%s", slash + 1);
	return 0;
}

/* The record as held here; *have false (and op zeroed) when there is none. */
static int oldpart_load(svc_txn *t, const char *id, svc_old_part *op, bool *have)
{
	int rc = svc_fold_oldpart_get(t, id, op);
	*have = rc == 0;
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		memset(op, 0, sizeof *op);
		return 0;
	}
	return rc;
}

int svc_local_oldpart_counts(svc_txn *t, const char *shop, const char *part_no, const char *ticket,
                             int64_t *consumed, int64_t *returned)
{
	char id[SVC_AGG_LEN];
	svc_old_part op;
	bool have;
	TRY(svc_local_consumed_on(t, shop, part_no, ticket, consumed));
	svc_rules_oldpart_agg(id, ticket, part_no);
	*returned = 0;
	if (!id[0])
		return 0;
	TRY(oldpart_load(t, id, &op, &have));
	if (have && strcmp(op.shop, shop) == 0)
		*returned = op.shipped;
	return 0;
}

int svc_local_need_unreturned(svc_txn *t, const char *shop, const char *ticket, const char *part_no,
                              int64_t left)
{
	int64_t consumed, returned;
	TRY(svc_local_oldpart_counts(t, shop, part_no, ticket, &consumed, &returned));
	if (returned > left)
		return svc_errf(SVC_ECONFLICT,
		                "qty: %" PRId64 " old %s returned on %s; a reversal would leave "
		                "%" PRId64 " consumed",
		                returned, part_no, ticket, left);
	return 0;
}

/* A step on record `id` with the record's shop and region. */
static void step_init(svc_change *c, uint32_t action, const svc_old_part *op)
{
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_OLD_PART;
	c->u.old_part.action = action;
	snprintf(c->aggregate, sizeof c->aggregate, "%s", op->id);
	snprintf(c->u.old_part.ticket, sizeof c->u.old_part.ticket, "%s", op->ticket);
	snprintf(c->u.old_part.part_no, sizeof c->u.old_part.part_no, "%s", op->part_no);
	snprintf(c->u.old_part.shop, sizeof c->u.old_part.shop, "%s", op->shop);
	snprintf(c->u.old_part.region, sizeof c->u.old_part.region, "%s", op->region);
}

/* ------------------------------------------------------------ ship */

struct ship_arg {
	const char *part_no, *ticket;
	int64_t qty;
	char id[SVC_AGG_LEN];
};

static int ship_fn(svc_txn *t, void *arg)
{
	struct ship_arg *a = arg;
	svc_self self;
	svc_ticket tk;
	svc_catalog_item item;
	svc_old_part op;
	svc_change c;
	int64_t consumed, returned;

	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EDENIED,
		                "old part: only the shop that consumed the part returns it (this "
		                "node is %s %s)",
		                svc_role_name(self.role), self.node);
	if (a->qty <= 0)
		return svc_errf(SVC_EINVAL, "qty: must be a positive number of parts, got %" PRId64,
		                a->qty);
	if (!given(a->ticket))
		return svc_errf(SVC_EINVAL,
		                "ticket: required (the ticket the part was consumed on)");
	RULE(svc_check_part_no("part_no", a->part_no, reason_, sizeof reason_));
	TRY(svc_fold_catalog_get(t, a->part_no, &item));
	TRY(svc_fold_ticket_get(t, a->ticket, &tk));
	if (strcmp(tk.shop, self.node) != 0)
		return svc_errf(SVC_EDENIED, "ticket %s: assigned to %s, not to this shop (%s)",
		                tk.id, tk.shop[0] ? tk.shop : "no shop", self.node);
	TRY(svc_local_oldpart_counts(t, self.node, a->part_no, a->ticket, &consumed, &returned));
	if (returned + a->qty > consumed)
		return svc_errf(SVC_ECONFLICT,
		                "qty: %s x%" PRId64 " returned, %" PRId64
		                " consumed on %s and %" PRId64 " returned before",
		                a->part_no, a->qty, consumed, a->ticket, returned);
	memset(&op, 0, sizeof op);
	svc_rules_oldpart_agg(op.id, a->ticket, a->part_no);
	if (!op.id[0])
		return svc_errf(SVC_EINVAL,
		                "part_no: ticket %s and part %s make too long a record id",
		                a->ticket, a->part_no);
	snprintf(op.ticket, sizeof op.ticket, "%s", a->ticket);
	snprintf(op.part_no, sizeof op.part_no, "%s", a->part_no);
	snprintf(op.shop, sizeof op.shop, "%s", self.node);
	snprintf(op.region, sizeof op.region, "%s", self.region);
	step_init(&c, SVC_OP_SHIP, &op);
	c.u.old_part.qty = a->qty;
	TRY(svc_apply_local(t, &c));
	snprintf(a->id, sizeof a->id, "%s", c.aggregate);
	return 0;
}

int svc_local_oldpart_ship(svc_store *s, const char *part_no, int64_t qty, const char *ticket,
                           char id[SVC_AGG_LEN])
{
	struct ship_arg a = {.part_no = part_no, .ticket = ticket, .qty = qty};
	int rc = svc_store_write(s, ship_fn, &a);
	if (!rc && id)
		snprintf(id, SVC_AGG_LEN, "%s", a.id);
	return rc;
}

/* ------------------------------------------------------------ receive, forward */

struct step_arg {
	const char *id;
	int64_t reject;
	const char *reason;
	int64_t qty; /* result */
};

/* The record, for a step by a region (its own region's) or HQ. */
static int need_record(svc_txn *t, const svc_self *self, const char *id, svc_old_part *op)
{
	char ticket[SVC_AGG_LEN], part_no[SVC_PART_LEN];
	TRY(svc_local_oldpart_parse(id, ticket, part_no));
	TRY(svc_fold_oldpart_get(t, id, op));
	if (self->role == SVC_ROLE_REGION && strcmp(op->region, self->node) != 0)
		return svc_errf(SVC_EDENIED,
		                "old part %s: shop %s of region %s, not of this region (%s)", id,
		                op->shop, op->region, self->node);
	return 0;
}

static int receive_fn(svc_txn *t, void *arg)
{
	struct step_arg *a = arg;
	svc_self self;
	svc_old_part op;
	svc_change c;

	TRY(svc_self_get(t, &self));
	if (self.role == SVC_ROLE_SHOP)
		return svc_errf(
		    SVC_EDENIED,
		    "old part: shop %s does not receive old parts (its region, then HQ)",
		    self.node);
	TRY(need_record(t, &self, a->id, &op));
	if (a->reject < 0)
		return svc_errf(SVC_EINVAL, "reject: %" PRId64 " is negative", a->reject);
	int64_t due;
	if (self.role == SVC_ROLE_HQ) {
		if (a->reject || given(a->reason))
			return svc_errf(SVC_EINVAL, "reject: HQ receives what the region accepted; "
			                            "the region inspects and rejects");
		due = op.forwarded - op.hq_received;
		if (due <= 0)
			return svc_errf(SVC_ECONFLICT,
			                "old part %s: nothing forwarded to HQ and not yet received "
			                "(%" PRId64 " forwarded, %" PRId64 " received)",
			                op.id, op.forwarded, op.hq_received);
	} else {
		due = op.shipped - op.received;
		if (due <= 0)
			return svc_errf(SVC_ECONFLICT,
			                "old part %s: nothing in transit (%" PRId64
			                " shipped, %" PRId64 " received)",
			                op.id, op.shipped, op.received);
		if (a->reject > due)
			return svc_errf(SVC_EINVAL,
			                "reject: %" PRId64 " is more than the %" PRId64 " received",
			                a->reject, due);
		if (a->reject && !given(a->reason))
			return svc_errf(SVC_EINVAL, "reason: required with --reject (why the parts "
			                            "are refused)");
		if (!a->reject && given(a->reason))
			return svc_errf(SVC_EINVAL,
			                "reason: only a rejection (--reject N) takes one");
	}
	step_init(&c, SVC_OP_RECEIVE, &op);
	c.u.old_part.qty = due;
	c.u.old_part.reject = a->reject;
	TRY(SET(c.u.old_part.reason, "reason", a->reason));
	TRY(svc_apply_local(t, &c));
	a->qty = due;
	return 0;
}

int svc_local_oldpart_receive(svc_store *s, const char *id, int64_t reject, const char *reason,
                              int64_t *qty)
{
	struct step_arg a = {.id = id, .reject = reject, .reason = reason};
	int rc = svc_store_write(s, receive_fn, &a);
	if (!rc && qty)
		*qty = a.qty;
	return rc;
}

static int forward_fn(svc_txn *t, void *arg)
{
	struct step_arg *a = arg;
	svc_self self;
	svc_old_part op;
	svc_change c;

	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_REGION)
		return svc_errf(SVC_EDENIED,
		                "old part: %s %s does not forward old parts (the region sends "
		                "what it accepted to HQ)",
		                svc_role_name(self.role), self.node);
	TRY(need_record(t, &self, a->id, &op));
	int64_t left = svc_old_part_accepted(&op) - op.forwarded;
	if (left <= 0)
		return svc_errf(SVC_ECONFLICT,
		                "old part %s: nothing accepted to forward (%" PRId64
		                " accepted, %" PRId64 " forwarded)",
		                op.id, svc_old_part_accepted(&op), op.forwarded);
	step_init(&c, SVC_OP_FORWARD, &op);
	c.u.old_part.qty = left;
	TRY(svc_apply_local(t, &c));
	a->qty = left;
	return 0;
}

int svc_local_oldpart_forward(svc_store *s, const char *id, int64_t *qty)
{
	struct step_arg a = {.id = id};
	int rc = svc_store_write(s, forward_fn, &a);
	if (!rc && qty)
		*qty = a.qty;
	return rc;
}

/* ------------------------------------------------------------ waive */

static int waive_fn(svc_txn *t, void *arg)
{
	struct step_arg *a = arg;
	svc_self self;
	svc_old_part op;
	svc_ticket tk;
	svc_catalog_item item;
	svc_change c;
	bool have;
	char ticket[SVC_AGG_LEN], part_no[SVC_PART_LEN];

	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED, "old part: %s %s may not waive old parts (HQ only)",
		                svc_role_name(self.role), self.node);
	TRY(svc_local_oldpart_parse(a->id, ticket, part_no));
	if (!given(a->reason))
		return svc_errf(SVC_EINVAL, "reason: required (why no return is needed)");
	TRY(oldpart_load(t, a->id, &op, &have));
	if (have && op.waived)
		return svc_errf(SVC_ECONFLICT, "old part %s: already waived (%s)", op.id,
		                op.waive_reason);
	if (!have) {
		RULE(svc_check_part_no("part_no", part_no, reason_, sizeof reason_));
		TRY(svc_fold_catalog_get(t, part_no, &item));
		TRY(svc_fold_ticket_get(t, ticket, &tk));
		if (!tk.shop[0])
			return svc_errf(SVC_ECONFLICT,
			                "ticket %s: assigned to no shop, nothing to "
			                "return",
			                tk.id);
		svc_rules_oldpart_agg(op.id, ticket, part_no);
		if (strcmp(op.id, a->id) != 0)
			return svc_errf(SVC_EINVAL,
			                "return: '%.80s' is not an old-part record id "
			                "(O:<ticket>/<part_no>)",
			                a->id);
		snprintf(op.ticket, sizeof op.ticket, "%s", ticket);
		snprintf(op.part_no, sizeof op.part_no, "%s", part_no);
		snprintf(op.shop, sizeof op.shop, "%s", tk.shop);
		snprintf(op.region, sizeof op.region, "%s", tk.region);
	}
	step_init(&c, SVC_OP_WAIVE, &op);
	TRY(SET(c.u.old_part.reason, "reason", a->reason));
	return svc_apply_local(t, &c);
}

int svc_local_oldpart_waive(svc_store *s, const char *id, const char *reason)
{
	struct step_arg a = {.id = id, .reason = reason};
	return svc_store_write(s, waive_fn, &a);
}

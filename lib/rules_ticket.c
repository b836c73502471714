/*
 * rules_ticket: how a service ticket (work order) folds, change by change.
 *
 * The lifecycle is new -> assigned -> accepted -> on_site -> resolved ->
 * closed, plus cancelled (from any open state) and resolved -> assigned
 * (reopen after an unhappy callback). Who may take each step depends on the
 * ticket as it stands at the change's place in fold order, which is why
 * these checks are here and not in svc_rules_authorize():
 *
 *  - the assigned shop (or HQ) moves the work forward: accept, on site,
 *    resolve. A shop that lost the ticket to a concurrent reassignment is
 *    refused from that point on.
 *  - the ticket's region (or HQ) assigns, closes, reopens, cancels and
 *    records the callback (回访), which rates the shop, so a shop never
 *    records its own.
 *  - a shop may cancel a walk-in ticket it opened, while it still holds it.
 *  - notes come from anyone involved: HQ, the region, the assigned shop.
 *  - a consult taken by the hotline with no shop is resolved by its region
 *    (or HQ) straight from new, then closed there: no shop, no visit.
 *
 * SLA timestamps are the HLC milliseconds of the change that set them, so
 * every node computes the same values. first_response is the first time the
 * ticket left "new" (assigned, or opened straight onto a shop) and on_site is
 * the first arrival on site: both keep their first value across reassignment
 * and reopening, because the SLA measures the customer's first wait. resolved
 * is cleared on reopen and set again by the next resolution.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <string.h>

static const char *region_or_hq(const svc_ticket *t)
{
	return t->region[0] ? t->region : "none, HQ only";
}

static int ticket_open(svc_ticket *t, bool exists, const svc_change *c, uint64_t ms, char *reason,
                       size_t len)
{
	const svc_ticket_open *b = &c->u.ticket_open;
	if (exists)
		return svc_rules_fail(SVC_EREJECT, reason, len, "ticket %s: already opened by %s",
		                      c->aggregate, t->opened_by);
	memset(t, 0, sizeof *t);
	SVC_COPY(t->id, c->aggregate);
	t->kind = b->kind;
	SVC_COPY(t->customer, b->customer);
	SVC_COPY(t->phone, b->phone);
	SVC_COPY(t->address, b->address);
	SVC_COPY(t->product, b->product);
	SVC_COPY(t->serial, b->serial);
	t->purchased = b->purchased;
	SVC_COPY(t->fault, b->fault);
	/* customer */
	SVC_COPY(t->customer_id, b->customer_id);
	SVC_COPY(t->unit_id, b->unit_id);
	/* A region's region id is its own node id; a shop (and HQ) carry theirs
	 * in origin_region. */
	if (b->region[0])
		SVC_COPY(t->region, b->region);
	else if (c->origin_role == SVC_ROLE_REGION)
		SVC_COPY(t->region, c->origin);
	else
		SVC_COPY(t->region, c->origin_region);
	SVC_COPY(t->opened_by, c->origin);
	t->created = ms;
	if (b->shop[0]) {
		/* Opened straight onto a shop (a walk-in, or dispatched on intake):
		 * the customer got a response at once. */
		SVC_COPY(t->shop, b->shop);
		t->status = SVC_TS_ASSIGNED;
		t->first_response = ms;
	} else {
		t->status = SVC_TS_NEW;
	}
	t->in_warranty = svc_in_warranty(b->purchased, ms, SVC_WARRANTY_MONTHS);
	return 0;
}

static int ticket_assign(svc_ticket *t, const svc_change *c, uint64_t ms, char *reason, size_t len)
{
	if (!svc_rules_is_hq_or_region(c, t->region))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: %s may not assign it (region %s)", t->id,
		                      c->origin, region_or_hq(t));
	switch (t->status) {
	case SVC_TS_NEW:
	case SVC_TS_ASSIGNED:
	case SVC_TS_ACCEPTED:
		break;
	default:
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: cannot assign a ticket that is %s (only new, "
		                      "assigned or accepted)",
		                      t->id, svc_ticket_status_name(t->status));
	}
	if (!t->first_response)
		t->first_response = ms;
	SVC_COPY(t->shop, c->u.ticket_assign.shop);
	t->status = SVC_TS_ASSIGNED;
	return 0;
}

/* May c's origin move the work forward? The assigned shop, or HQ. */
static int need_assigned_shop(const svc_ticket *t, const svc_change *c, const char *to,
                              char *reason, size_t len)
{
	if (c->origin_role == SVC_ROLE_HQ || (t->shop[0] && strcmp(c->origin, t->shop) == 0))
		return 0;
	return svc_rules_fail(SVC_EREJECT, reason, len,
	                      "ticket %s: %s may not set it %s (assigned to %s)", t->id, c->origin,
	                      to, t->shop[0] ? t->shop : "no shop");
}

static int need_region(const svc_ticket *t, const svc_change *c, const char *to, char *reason,
                       size_t len)
{
	if (svc_rules_is_hq_or_region(c, t->region))
		return 0;
	return svc_rules_fail(SVC_EREJECT, reason, len,
	                      "ticket %s: %s may not set it %s (region %s)", t->id, c->origin, to,
	                      region_or_hq(t));
}

/* policy: a consult with no shop, which its region or HQ answers itself. */
static bool desk_consult(const svc_ticket *t)
{
	return t->kind == SVC_TK_CONSULT && !t->shop[0];
}

static int ticket_status(svc_ticket *t, const svc_change *c, uint64_t ms, char *reason, size_t len)
{
	uint32_t from = t->status, to = c->u.ticket_status.status;
	const char *to_name = svc_ticket_status_name(to);
	bool ok;
	switch (to) {
	case SVC_TS_ACCEPTED:
		ok = from == SVC_TS_ASSIGNED;
		break;
	case SVC_TS_ON_SITE:
		ok = from == SVC_TS_ACCEPTED;
		break;
	case SVC_TS_RESOLVED:
		/* policy: the hotline's short path, a consult answered where it was
		 * taken, with no shop and no visit. */
		ok = from == SVC_TS_ON_SITE || (desk_consult(t) && from == SVC_TS_NEW);
		break;
	case SVC_TS_CLOSED:
	case SVC_TS_ASSIGNED: /* reopen; assigning from other states is ticket.assign */
		ok = from == SVC_TS_RESOLVED;
		break;
	case SVC_TS_CANCELLED:
		ok = from == SVC_TS_NEW || from == SVC_TS_ASSIGNED || from == SVC_TS_ACCEPTED ||
		     from == SVC_TS_ON_SITE;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: %s -> %s is not a valid transition", t->id,
		                      svc_ticket_status_name(from), to_name);

	switch (to) {
	case SVC_TS_ACCEPTED:
		SVC_TRY(need_assigned_shop(t, c, to_name, reason, len));
		if (!t->first_response)
			t->first_response = ms;
		break;
	case SVC_TS_ON_SITE:
		SVC_TRY(need_assigned_shop(t, c, to_name, reason, len));
		if (!t->on_site)
			t->on_site = ms;
		break;
	case SVC_TS_RESOLVED:
		if (desk_consult(t) && from == SVC_TS_NEW) {
			SVC_TRY(need_region(t, c, to_name, reason, len));
			if (!t->first_response)
				t->first_response = ms;
		} else {
			SVC_TRY(need_assigned_shop(t, c, to_name, reason, len));
		}
		t->resolved = ms;
		break;
	case SVC_TS_CLOSED:
		SVC_TRY(need_region(t, c, to_name, reason, len));
		t->closed = ms;
		break;
	case SVC_TS_ASSIGNED:
		SVC_TRY(need_region(t, c, "assigned again (reopen)", reason, len));
		t->reopened++;
		t->resolved = 0;
		/* callbacks: the next resolution owes a callback of its own */
		t->callback_cycle++;
		t->callback_attempts = 0;
		t->callback_unreached = 0;
		t->callback_state = SVC_CB_NONE;
		t->callback_at = 0;
		t->satisfaction = 0;
		memset(t->callback_note, 0, sizeof t->callback_note);
		break;
	case SVC_TS_CANCELLED: {
		/* A walk-in's shop may withdraw it while the ticket is still its own. */
		bool walk_in_shop = c->origin_role == SVC_ROLE_SHOP &&
		                    strcmp(c->origin, t->opened_by) == 0 &&
		                    strcmp(c->origin, t->shop) == 0;
		if (!walk_in_shop)
			SVC_TRY(need_region(t, c, to_name, reason, len));
		break;
	}
	}
	t->status = to;
	return 0;
}

static int ticket_note(svc_ticket *t, const svc_change *c, char *reason, size_t len)
{
	bool assigned_shop = t->shop[0] && strcmp(c->origin, t->shop) == 0;
	if (!assigned_shop && !svc_rules_is_hq_or_region(c, t->region))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: %s may not add notes (HQ, region %s or the "
		                      "assigned shop %s)",
		                      t->id, c->origin, t->region[0] ? t->region : "none",
		                      t->shop[0] ? t->shop : "none");
	t->notes++;
	return 0;
}

static int ticket_callback(svc_ticket *t, const svc_change *c, uint64_t ms, char *reason,
                           size_t len)
{
	const svc_ticket_callback *b = &c->u.ticket_callback;
	if (!svc_rules_is_hq_or_region(c, t->region))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: %s may not record the callback (region %s)",
		                      t->id, c->origin, region_or_hq(t));
	if (t->status != SVC_TS_RESOLVED && t->status != SVC_TS_CLOSED)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "ticket %s: callback on a ticket that is %s (only resolved "
		                      "or closed)",
		                      t->id, svc_ticket_status_name(t->status));
	/* Every attempt is a change of its own, kept in the ticket's history;
	 * the state counts this cycle's attempts and holds the first that
	 * reached the customer, which a later attempt never overwrites. */
	uint32_t outcome = b->outcome == SVC_CB_NONE ? SVC_CB_REACHED : b->outcome;
	t->callback_attempts++;
	switch (outcome) {
	case SVC_CB_REACHED:
		if (t->callback_state != SVC_CB_REACHED) {
			t->callback_state = SVC_CB_REACHED;
			t->callback_at = ms;
			t->satisfaction = b->satisfaction;
			SVC_COPY(t->callback_note, b->note);
		}
		break;
	case SVC_CB_UNREACHABLE:
		t->callback_unreached++;
		if (t->callback_state == SVC_CB_NONE && b->limit &&
		    t->callback_unreached >= b->limit)
			t->callback_state = SVC_CB_UNREACHABLE;
		break;
	default: /* refused: the customer declined to answer */
		if (t->callback_state == SVC_CB_NONE)
			t->callback_state = SVC_CB_REFUSED;
		break;
	}
	return 0;
}

static int ticket_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_ticket *t = state;
	uint64_t ms = svc_hlc_ms(c->hlc);
	int rc;
	if (svc_rules_agg_type(c) != SVC_AGG_TICKET)
		return svc_rules_wrong_kind("ticket", c, reason, len);
	if (c->kind == SVC_CK_TICKET_OPEN) {
		rc = ticket_open(t, exists, c, ms, reason, len);
	} else {
		if (!exists)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "ticket %s: no such ticket (not opened before this "
			                      "%s)",
			                      c->aggregate, svc_change_kind_name(c->kind));
		if (strcmp(t->id, c->aggregate) != 0)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "ticket %s: a change for %s cannot fold into it",
			                      t->id, c->aggregate);
		switch (c->kind) {
		case SVC_CK_TICKET_ASSIGN:
			rc = ticket_assign(t, c, ms, reason, len);
			break;
		case SVC_CK_TICKET_STATUS:
			rc = ticket_status(t, c, ms, reason, len);
			break;
		case SVC_CK_TICKET_NOTE:
			rc = ticket_note(t, c, reason, len);
			break;
		case SVC_CK_TICKET_CALLBACK:
			rc = ticket_callback(t, c, ms, reason, len);
			break;
		case SVC_CK_TICKET_REJUDGE: /* policy: all of it in the policy step */
			rc = 0;
			break;
		case SVC_CK_TICKET_CHARGE: /* out-of-warranty work */
		case SVC_CK_CLAIM_ALLOW:
			rc = svc_rules_ticket_charge_step(t, c, reason, len);
			break;
		default:
			return svc_rules_wrong_kind("ticket", c, reason, len);
		}
	}
	if (rc == 0)
		rc = svc_rules_ticket_policy_step(t, c, reason, len); /* policy */
	if (rc != 0)
		return rc;
	t->updated = ms;
	svc_rules_set_last(&t->last, c);
	return 0;
}

const svc_rules svc_rules_ticket = {
    .name = "ticket",
    .state_size = sizeof(svc_ticket),
    .step = ticket_step,
};

/*
 * rules_complaint: how a complaint (投诉) folds, and who may originate its
 * changes.
 *
 * received -> investigating -> concluded (a finding, the shop held
 * responsible, a remedy) -> confirmed (the customer was called back) ->
 * closed. The complaint belongs to its region; an escalation (by the region,
 * or by HQ) hands it to HQ before it is concluded, and from then on only HQ
 * moves its status. HQ always may. The shop complained about never moves
 * it: the only change it may originate is its written statement. Notes are
 * the investigators' (region or HQ) and never reach a shop (the kind's
 * visibility rule, fold_visible.c), so a shop folds a complaint with no
 * notes in it.
 *
 * The role matrix that needs no state is here as svc_rules_authorize's part
 * for complaints; what needs the complaint's state (its region, owner and
 * shop) is in step(); what needs another record (the shop in the directory,
 * the ticket) is the kind's check in the fold's kind table (svc_fold.c).
 *
 * The deadline is the opening's time plus the days the policy in force gave
 * the severity, copied into the opening change, so a later policy never
 * moves it. Overdue is a view (deadline passed, not concluded), computed
 * when read.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

#define DAY_MS 86400000ULL
/* The range of policy key complaint_days.<severity>. */
#define DAYS_MAX 365

static int check_id_shape(const svc_change *c, char *reason, size_t len)
{
	if (!svc_rules_is_seq_id(c->aggregate, 'K'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a complaint id (K-<node>-<seq>)");
	return 0;
}

static int validate_open(const svc_change *c, char *reason, size_t len)
{
	const svc_complaint_open *b = &c->u.complaint_open;
	TERMINATED("region", b->region);
	TERMINATED("shop", b->shop);
	TERMINATED("ticket", b->ticket);
	TERMINATED("customer_id", b->customer_id);
	TERMINATED("category", b->category);
	TERMINATED("text", b->text);
	SVC_TRY(svc_check_node_id("region", b->region, reason, len));
	if (b->shop[0])
		SVC_TRY(svc_check_node_id("shop", b->shop, reason, len));
	if (b->ticket[0] && !svc_rules_is_seq_id(b->ticket, 'T'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "ticket: not a ticket id (T-<node>-<seq>)");
	if (!b->shop[0] && !b->ticket[0])
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "against: a complaint names a shop, a ticket or both");
	if (!svc_rules_is_seq_id(b->customer_id, 'C'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "customer_id: not a customer id (C-<node>-<seq>)");
	SVC_TRY(svc_check_text("category", b->category, true, reason, len));
	if (svc_utf8_chars(b->category) > SVC_COMPLAINT_CATEGORY_CHARS)
		return svc_rules_fail(SVC_EINVAL, reason, len, "category: %zu characters, limit %d",
		                      svc_utf8_chars(b->category), SVC_COMPLAINT_CATEGORY_CHARS);
	if (b->severity < SVC_SEV_LOW || b->severity > SVC_SEV_HIGH)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "severity: %" PRIu32 " is not low, normal or high",
		                      b->severity);
	if (b->channel > SVC_CHANNEL_WEB)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "channel: %" PRIu32 " is not phone, walk-in, letter or web",
		                      b->channel);
	SVC_TRY(svc_rules_check_text("text", b->text, true, true, reason, len));
	if (b->days < 1 || b->days > DAYS_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len, "days: %" PRIu32 " is outside 1..%d",
		                      b->days, DAYS_MAX);
	SVC_TRY(svc_check_date("opened_on", b->opened_on, reason, len));
	char want[SVC_AGG_LEN];
	svc_rules_complaint_id(want, c->origin, c->seq);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_status(const svc_change *c, char *reason, size_t len)
{
	const svc_complaint_status_body *b = &c->u.complaint_status;
	TERMINATED("responsible", b->responsible);
	TERMINATED("remedy", b->remedy);
	SVC_TRY(check_id_shape(c, reason, len));
	if (b->status < SVC_KS_INVESTIGATING || b->status > SVC_KS_ESCALATED)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "status: %" PRIu32
		                      " is not investigating, escalated, concluded, confirmed or "
		                      "closed",
		                      b->status);
	bool concluded = b->status == SVC_KS_CONCLUDED;
	if (concluded && b->finding != SVC_KF_SUBSTANTIATED && b->finding != SVC_KF_UNSUBSTANTIATED)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "finding: required to conclude (substantiated or "
		                      "unsubstantiated)");
	if (!concluded && (b->finding || b->responsible[0] || b->remedy[0]))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "finding: a finding, responsible shop and remedy go with "
		                      "concluded only");
	if (b->responsible[0])
		SVC_TRY(svc_check_node_id("responsible", b->responsible, reason, len));
	return svc_check_text("remedy", b->remedy, false, reason, len);
}

int svc_rules_complaint_validate(const svc_change *c, char *reason, size_t len)
{
	switch (c->kind) {
	case SVC_CK_COMPLAINT_OPEN:
		return validate_open(c, reason, len);
	case SVC_CK_COMPLAINT_STATUS:
		return validate_status(c, reason, len);
	case SVC_CK_COMPLAINT_NOTE:
		TERMINATED("text", c->u.complaint_note.text);
		SVC_TRY(check_id_shape(c, reason, len));
		return svc_rules_check_text("text", c->u.complaint_note.text, true, true, reason,
		                            len);
	case SVC_CK_COMPLAINT_STATEMENT:
		TERMINATED("text", c->u.complaint_statement.text);
		SVC_TRY(check_id_shape(c, reason, len));
		return svc_rules_check_text("text", c->u.complaint_statement.text, true, true,
		                            reason, len);
	default:
		return svc_rules_fail(SVC_EINVAL, reason, len, "kind: not a complaint change");
	}
}

static int deny(const svc_change *c, char *reason, size_t len, const char *what)
{
	return svc_rules_fail(SVC_EDENIED, reason, len, "%s %s may not %s",
	                      svc_role_name(c->origin_role), c->origin, what);
}

/* Regions and shops (HQ may originate every complaint change). */
int svc_rules_complaint_authorize(const svc_change *c, char *reason, size_t len)
{
	bool shop = c->origin_role == SVC_ROLE_SHOP;
	switch (c->kind) {
	case SVC_CK_COMPLAINT_OPEN:
		if (shop)
			return deny(c, reason, len, "open complaints (its region or HQ)");
		if (strcmp(c->u.complaint_open.region, c->origin) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not open complaints in region %s "
			                      "(only in its own)",
			                      c->origin, c->u.complaint_open.region);
		return 0;
	case SVC_CK_COMPLAINT_STATUS:
		return shop ? deny(c, reason, len,
		                   "change a complaint's status (its region or HQ; the shop "
		                   "concerned may add a statement)")
		            : 0;
	case SVC_CK_COMPLAINT_NOTE:
		return shop ? deny(c, reason, len,
		                   "write investigation notes on complaints (its region or HQ)")
		            : 0;
	case SVC_CK_COMPLAINT_STATEMENT:
		return shop ? 0
		            : deny(c, reason, len,
		                   "add a statement to a complaint (the shop concerned does)");
	default:
		return deny(c, reason, len, "originate unknown changes");
	}
}

static int open_step(svc_complaint *k, bool exists, const svc_change *c, uint64_t ms, char *reason,
                     size_t len)
{
	const svc_complaint_open *b = &c->u.complaint_open;
	if (exists)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "complaint %s: already opened by %s", c->aggregate,
		                      k->opened_by);
	memset(k, 0, sizeof *k);
	SVC_COPY(k->id, c->aggregate);
	SVC_COPY(k->region, b->region);
	SVC_COPY(k->shop, b->shop);
	SVC_COPY(k->ticket, b->ticket);
	SVC_COPY(k->customer_id, b->customer_id);
	SVC_COPY(k->category, b->category);
	k->severity = b->severity;
	k->channel = b->channel;
	SVC_COPY(k->text, b->text);
	SVC_COPY(k->opened_by, c->origin);
	k->policy_version = b->policy_version;
	k->days = b->days;
	k->opened_on = b->opened_on;
	k->status = SVC_KS_RECEIVED;
	k->created = ms;
	k->deadline = ms + (uint64_t)b->days * DAY_MS;
	return 0;
}

/* Who moves the status: its region until it is escalated, HQ always. */
static int need_owner(const svc_complaint *k, const svc_change *c, char *reason, size_t len)
{
	if (c->origin_role == SVC_ROLE_HQ)
		return 0;
	if (k->escalated)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "complaint %s: escalated to HQ; %s %s may no longer move it",
		                      k->id, svc_role_name(c->origin_role), c->origin);
	if (!svc_rules_is_hq_or_region(c, k->region))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "complaint %s: %s %s may not move it (region %s or HQ)",
		                      k->id, svc_role_name(c->origin_role), c->origin, k->region);
	return 0;
}

static int status_step(svc_complaint *k, const svc_change *c, uint64_t ms, char *reason, size_t len)
{
	const svc_complaint_status_body *b = &c->u.complaint_status;
	SVC_TRY(need_owner(k, c, reason, len));
	uint32_t from = k->status;
	if (b->status == SVC_KS_ESCALATED) {
		if (k->escalated)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "complaint %s: already escalated by %s", k->id,
			                      k->escalated_by);
		if (from != SVC_KS_RECEIVED && from != SVC_KS_INVESTIGATING)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "complaint %s: a %s complaint is no longer escalated "
			                      "(only before it is concluded)",
			                      k->id, svc_complaint_status_name(from));
		k->escalated = ms;
		SVC_COPY(k->escalated_by, c->origin);
		return 0;
	}
	/* The one order: each status follows the one before it. */
	if (b->status != from + 1)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "complaint %s: %s -> %s is not a valid transition (next: %s)",
		                      k->id, svc_complaint_status_name(from),
		                      svc_complaint_status_name(b->status),
		                      from == SVC_KS_CLOSED ? "none, it is closed"
		                                            : svc_complaint_status_name(from + 1));
	k->status = b->status;
	switch (b->status) {
	case SVC_KS_INVESTIGATING:
		k->investigating = ms;
		break;
	case SVC_KS_CONCLUDED:
		k->concluded = ms;
		k->finding = b->finding;
		/* a substantiated complaint counts against the shop held
		 * responsible: the one named, else the one complained about */
		SVC_COPY(k->responsible, b->responsible[0] ? b->responsible : k->shop);
		SVC_COPY(k->remedy, b->remedy);
		break;
	case SVC_KS_CONFIRMED:
		k->confirmed = ms;
		break;
	default:
		k->closed = ms;
		break;
	}
	return 0;
}

static int complaint_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_complaint *k = state;
	uint64_t ms = svc_hlc_ms(c->hlc);
	if (svc_rules_agg_type(c) != SVC_AGG_COMPLAINT)
		return svc_rules_wrong_kind("complaint", c, reason, len);
	if (c->kind == SVC_CK_COMPLAINT_OPEN) {
		SVC_TRY(open_step(k, exists, c, ms, reason, len));
	} else if (!exists) {
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "complaint %s: no such complaint (not opened before this %s)",
		                      c->aggregate, svc_change_kind_name(c->kind));
	} else if (c->kind == SVC_CK_COMPLAINT_STATUS) {
		SVC_TRY(status_step(k, c, ms, reason, len));
	} else if (c->kind == SVC_CK_COMPLAINT_NOTE) {
		if (!svc_rules_is_hq_or_region(c, k->region))
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "complaint %s: %s %s may not write its notes (region "
			                      "%s or HQ)",
			                      k->id, svc_role_name(c->origin_role), c->origin,
			                      k->region);
		k->notes++;
	} else {
		if (c->origin_role != SVC_ROLE_SHOP || !k->shop[0] ||
		    strcmp(c->origin, k->shop) != 0)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "complaint %s: only the shop it is about (%s) adds a "
			                      "statement, not %s",
			                      k->id, k->shop[0] ? k->shop : "none", c->origin);
		if (k->status == SVC_KS_CLOSED)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len,
			    "complaint %s: closed, no statement is added any more", k->id);
		k->statements++;
	}
	k->updated = ms;
	svc_rules_set_last(&k->last, c);
	return 0;
}

const svc_rules svc_rules_complaint = {
    .name = "complaint",
    .state_size = sizeof(svc_complaint),
    .step = complaint_step,
};

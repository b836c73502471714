/*
 * svc_types: the names of svcsync's enumerations, and their parsers.
 *
 * These names are what an operator sees and types: CLI arguments, --json
 * output, log lines, rejection reasons. They are part of the interface, so
 * they are spelled once, here, in one table per enumeration. A value this
 * build does not know (a newer peer's enum, a corrupt record) prints as
 * "unknown" instead of crashing or printing garbage.
 */
#include "svc_types.h"

#include "svc_err.h"

#include <stdio.h>
#include <string.h>

/* Index = enum value; NULL marks a hole (0 is "none" in every enum). */
static const char *const role_names[] = {
    [SVC_ROLE_HQ] = "hq",
    [SVC_ROLE_REGION] = "region",
    [SVC_ROLE_SHOP] = "shop",
};

static const char *const ticket_kind_names[] = {
    [SVC_TK_CONSULT] = "consult", [SVC_TK_COMPLAINT] = "complaint", [SVC_TK_INSTALL] = "install",
    [SVC_TK_REPAIR] = "repair",   [SVC_TK_RETURN] = "return",       [SVC_TK_EXCHANGE] = "exchange",
};

static const char *const ticket_status_names[] = {
    [SVC_TS_NEW] = "new",
    [SVC_TS_ASSIGNED] = "assigned",
    [SVC_TS_ACCEPTED] = "accepted",
    [SVC_TS_ON_SITE] = "on_site",
    [SVC_TS_RESOLVED] = "resolved",
    [SVC_TS_CLOSED] = "closed",
    [SVC_TS_CANCELLED] = "cancelled",
};

static const char *const move_kind_names[] = {
    [SVC_MV_RECEIVE] = "receive",
    [SVC_MV_TRANSFER_OUT] = "transfer_out",
    [SVC_MV_TRANSFER_IN] = "transfer_in",
    [SVC_MV_CONSUME] = "consume",
    [SVC_MV_DEFECTIVE_RETURN] = "defective_return",
    [SVC_MV_ADJUST] = "adjust",
};

static const char *const claim_status_names[] = {
    [SVC_CS_SUBMITTED] = "submitted",
    [SVC_CS_AUDITED] = "audited",
    [SVC_CS_RETURNED] = "returned",
    [SVC_CS_APPROVED] = "approved",
    [SVC_CS_PARTIAL] = "partially_approved",
    [SVC_CS_REJECTED] = "rejected",
    [SVC_CS_PAID] = "paid",
};

static const char *const claim_action_names[] = {
    [SVC_CA_AUDIT] = "audit",   [SVC_CA_RETURN] = "return", [SVC_CA_APPROVE] = "approve",
    [SVC_CA_REJECT] = "reject", [SVC_CA_PAY] = "pay",
};

static const char *const change_kind_names[] = {
    [SVC_CK_TICKET_OPEN] = "ticket.open",
    [SVC_CK_TICKET_ASSIGN] = "ticket.assign",
    [SVC_CK_TICKET_STATUS] = "ticket.status",
    [SVC_CK_TICKET_NOTE] = "ticket.note",
    [SVC_CK_TICKET_CALLBACK] = "ticket.callback",
    [SVC_CK_CATALOG_PUT] = "catalog.put",
    [SVC_CK_PART_MOVE] = "part.move",
    [SVC_CK_CLAIM_SUBMIT] = "claim.submit",
    [SVC_CK_CLAIM_DECIDE] = "claim.decide",
    [SVC_CK_NODE_CERT] = "node.cert",
    [SVC_CK_NODE_REVOKE] = "node.revoke",
    [SVC_CK_QUARANTINE_RELEASE] = "quarantine.release",
    /* policy */
    [SVC_CK_POLICY_SET] = "policy.set",
    [SVC_CK_REGION_GRADE] = "region.grade",
    [SVC_CK_MODEL_PUT] = "model.put",
    [SVC_CK_FAULT_CODE_PUT] = "fault_code.put",
    /* customer */
    [SVC_CK_CUSTOMER_PUT] = "customer.put",
    [SVC_CK_CUSTOMER_MERGE] = "customer.merge",
    [SVC_CK_UNIT_PUT] = "unit.put",
    [SVC_CK_UNIT_MERGE] = "unit.merge",
    /* policy */
    [SVC_CK_TICKET_OVERRIDE] = "ticket.override",
    [SVC_CK_TICKET_REJUDGE] = "ticket.rejudge",
    /* complaints */
    [SVC_CK_COMPLAINT_OPEN] = "complaint.open",
    [SVC_CK_COMPLAINT_STATUS] = "complaint.status",
    [SVC_CK_COMPLAINT_NOTE] = "complaint.note",
    [SVC_CK_COMPLAINT_STATEMENT] = "complaint.statement",
    /* out-of-warranty work */
    [SVC_CK_TICKET_CHARGE] = "ticket.charge",
    [SVC_CK_CLAIM_ALLOW] = "claim.allow",
    /* labor operations, tariff, price history */
    [SVC_CK_LABOR_PUT] = "labor.put",
    [SVC_CK_TARIFF_SET] = "tariff.set",
    [SVC_CK_CATALOG_PRICE] = "catalog.price",
    /* old parts */
    [SVC_CK_OLD_PART] = "old_part",
    /* the shop's ledger */
    [SVC_CK_PAY_RUN] = "claim.pay_run",
    [SVC_CK_STATEMENT_CONFIRM] = "statement.confirm",
    [SVC_CK_LEDGER_DEDUCT] = "ledger.deduct",
    /* shops */
    [SVC_CK_SHOP_PUT] = "shop.put",
    [SVC_CK_SHOP_STAGE] = "shop.stage",
    [SVC_CK_SHOP_ASSESS] = "shop.assess",
};

/* customer */
static const char *const customer_tier_names[] = {
    [SVC_TIER_REGULAR] = "regular",
    [SVC_TIER_VIP] = "vip",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	if (v < n && names[v])
		return names[v];
	return "unknown";
}

/* Exact, case-sensitive match: names are identifiers, not prose. */
static int parse_of(const char *what, const char *const *names, size_t n, const char *s,
                    uint32_t *out)
{
	if (s) {
		for (size_t i = 0; i < n; i++) {
			if (names[i] && strcmp(names[i], s) == 0) {
				*out = (uint32_t)i;
				return 0;
			}
		}
	}
	/* The detail lists the accepted spellings, which is what a CLI user needs. */
	char list[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		int w =
		    snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= sizeof list - used)
			break;
		used += (size_t)w;
	}
	return svc_errf(SVC_EINVAL, "%s: unknown value, expected one of %s", what, list);
}

const char *svc_role_name(uint32_t role)
{
	return name_of(role_names, NELEM(role_names), role);
}

int svc_role_parse(const char *s, uint32_t *out)
{
	return parse_of("role", role_names, NELEM(role_names), s, out);
}

const char *svc_ticket_kind_name(uint32_t k)
{
	return name_of(ticket_kind_names, NELEM(ticket_kind_names), k);
}

int svc_ticket_kind_parse(const char *s, uint32_t *out)
{
	return parse_of("kind", ticket_kind_names, NELEM(ticket_kind_names), s, out);
}

const char *svc_ticket_status_name(uint32_t s)
{
	return name_of(ticket_status_names, NELEM(ticket_status_names), s);
}

int svc_ticket_status_parse(const char *s, uint32_t *out)
{
	return parse_of("status", ticket_status_names, NELEM(ticket_status_names), s, out);
}

const char *svc_move_kind_name(uint32_t k)
{
	return name_of(move_kind_names, NELEM(move_kind_names), k);
}

int svc_move_kind_parse(const char *s, uint32_t *out)
{
	return parse_of("kind", move_kind_names, NELEM(move_kind_names), s, out);
}

const char *svc_claim_status_name(uint32_t s)
{
	return name_of(claim_status_names, NELEM(claim_status_names), s);
}

int svc_claim_status_parse(const char *s, uint32_t *out)
{
	return parse_of("status", claim_status_names, NELEM(claim_status_names), s, out);
}

const char *svc_claim_action_name(uint32_t a)
{
	return name_of(claim_action_names, NELEM(claim_action_names), a);
}

int svc_claim_action_parse(const char *s, uint32_t *out)
{
	return parse_of("action", claim_action_names, NELEM(claim_action_names), s, out);
}

const char *svc_change_kind_name(uint32_t k)
{
	return name_of(change_kind_names, NELEM(change_kind_names), k);
}

int svc_change_kind_parse(const char *s, uint32_t *out)
{
	return parse_of("change kind", change_kind_names, NELEM(change_kind_names), s, out);
}

/* policy */
static const char *const grade_names[] = {
    [SVC_GRADE_A] = "A", [SVC_GRADE_B] = "B", [SVC_GRADE_C] = "C"};

const char *svc_grade_name(uint32_t g)
{
	return g == SVC_GRADE_NONE ? "-" : name_of(grade_names, NELEM(grade_names), g);
}

int svc_grade_parse(const char *s, uint32_t *out)
{
	return parse_of("grade", grade_names, NELEM(grade_names), s, out);
}

static const char *const channel_names[] = {[SVC_CHANNEL_PHONE] = "phone",
                                            [SVC_CHANNEL_WALK_IN] = "walk-in",
                                            [SVC_CHANNEL_LETTER] = "letter",
                                            [SVC_CHANNEL_WEB] = "web"};

const char *svc_channel_name(uint32_t c)
{
	return c == SVC_CHANNEL_NONE ? "-" : name_of(channel_names, NELEM(channel_names), c);
}

int svc_channel_parse(const char *s, uint32_t *out)
{
	return parse_of("channel", channel_names, NELEM(channel_names), s, out);
}

/* callbacks */
static const char *const outcome_names[] = {[SVC_CB_REACHED] = "reached",
                                            [SVC_CB_UNREACHABLE] = "unreachable",
                                            [SVC_CB_REFUSED] = "refused"};

const char *svc_callback_outcome_name(uint32_t o)
{
	return o == SVC_CB_NONE ? "owed" : name_of(outcome_names, NELEM(outcome_names), o);
}

int svc_callback_outcome_parse(const char *s, uint32_t *out)
{
	return parse_of("outcome", outcome_names, NELEM(outcome_names), s, out);
}

/* customer */
const char *svc_customer_tier_name(uint32_t t)
{
	return name_of(customer_tier_names, NELEM(customer_tier_names), t);
}

int svc_customer_tier_parse(const char *s, uint32_t *out)
{
	return parse_of("tier", customer_tier_names, NELEM(customer_tier_names), s, out);
}

/* complaints */
static const char *const complaint_severity_names[] = {
    [SVC_SEV_LOW] = "low", [SVC_SEV_NORMAL] = "normal", [SVC_SEV_HIGH] = "high"};
static const char *const complaint_status_names[] = {
    [SVC_KS_RECEIVED] = "received",   [SVC_KS_INVESTIGATING] = "investigating",
    [SVC_KS_CONCLUDED] = "concluded", [SVC_KS_CONFIRMED] = "confirmed",
    [SVC_KS_CLOSED] = "closed",       [SVC_KS_ESCALATED] = "escalated"};
static const char *const complaint_finding_names[] = {
    [SVC_KF_SUBSTANTIATED] = "substantiated", [SVC_KF_UNSUBSTANTIATED] = "unsubstantiated"};

const char *svc_complaint_severity_name(uint32_t v)
{
	return name_of(complaint_severity_names, NELEM(complaint_severity_names), v);
}

int svc_complaint_severity_parse(const char *s, uint32_t *out)
{
	return parse_of("severity", complaint_severity_names, NELEM(complaint_severity_names), s,
	                out);
}

const char *svc_complaint_status_name(uint32_t v)
{
	return name_of(complaint_status_names, NELEM(complaint_status_names), v);
}

int svc_complaint_status_parse(const char *s, uint32_t *out)
{
	return parse_of("status", complaint_status_names, NELEM(complaint_status_names), s, out);
}

const char *svc_complaint_finding_name(uint32_t v)
{
	return v == SVC_KF_NONE
	           ? "-"
	           : name_of(complaint_finding_names, NELEM(complaint_finding_names), v);
}

int svc_complaint_finding_parse(const char *s, uint32_t *out)
{
	return parse_of("finding", complaint_finding_names, NELEM(complaint_finding_names), s, out);
}

/* claim lines */
static const char *const claim_line_kind_names[] = {
    [SVC_LINE_OP] = "op",         [SVC_LINE_LABOR] = "labor", [SVC_LINE_PART] = "part",
    [SVC_LINE_TRAVEL] = "travel", [SVC_LINE_OTHER] = "other",
};

const char *svc_claim_line_kind_name(uint32_t k)
{
	return name_of(claim_line_kind_names, NELEM(claim_line_kind_names), k);
}

/* old parts */
static const char *const old_part_action_names[] = {[SVC_OP_SHIP] = "ship",
                                                    [SVC_OP_RECEIVE] = "receive",
                                                    [SVC_OP_FORWARD] = "forward",
                                                    [SVC_OP_WAIVE] = "waive"};

const char *svc_old_part_action_name(uint32_t a)
{
	return name_of(old_part_action_names, NELEM(old_part_action_names), a);
}

/* The furthest step the parts reached; waived wins, whatever came before. */
const char *svc_old_part_state_name(const svc_old_part *op)
{
	if (op->waived)
		return "waived";
	if (op->shipped > op->received)
		return "in_transit";
	if (op->hq_received && op->hq_received == op->forwarded &&
	    op->forwarded == op->received - op->rejected)
		return "at_hq";
	if (op->forwarded > op->hq_received)
		return "forwarded";
	if (op->received)
		return "at_region";
	return "none";
}

/* shops */
static const char *const shop_stage_names[] = {[SVC_SHOP_APPLIED] = "applied",
                                               [SVC_SHOP_REVIEWED] = "reviewed",
                                               [SVC_SHOP_TECH_REVIEWED] = "tech_reviewed",
                                               [SVC_SHOP_APPROVED] = "approved",
                                               [SVC_SHOP_PROBATION] = "probation",
                                               [SVC_SHOP_REGULAR] = "regular",
                                               [SVC_SHOP_ENDED] = "ended"};
static const char *const shop_type_names[] = {[SVC_SHOP_TYPE_SPECIAL] = "special",
                                              [SVC_SHOP_TYPE_AUTHORIZED] = "authorized",
                                              [SVC_SHOP_TYPE_NATIONAL] = "national"};

const char *svc_shop_stage_name(uint32_t v)
{
	return name_of(shop_stage_names, NELEM(shop_stage_names), v);
}

int svc_shop_stage_parse(const char *s, uint32_t *out)
{
	return parse_of("stage", shop_stage_names, NELEM(shop_stage_names), s, out);
}

const char *svc_shop_type_name(uint32_t v)
{
	return v == 0 ? "-" : name_of(shop_type_names, NELEM(shop_type_names), v);
}

int svc_shop_type_parse(const char *s, uint32_t *out)
{
	return parse_of("type", shop_type_names, NELEM(shop_type_names), s, out);
}

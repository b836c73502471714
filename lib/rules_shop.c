/*
 * rules_shop: how a shop's record (网点档案) folds, and who may originate its
 * changes.
 *
 * The record "H:<shop>" is the shop's file and its enrollment, in the seeds'
 * stages: the region records the application (shop.put with apply, which
 * reserves the id before the shop has a key) and reviews it (中心审核); HQ's
 * technical review (技术管理科审核) follows, then HQ's approval (部长审批)
 * with the agreement's number and term, which reserves the node id for
 * enrollment; HQ's enrollment records probation (with the certificate's
 * serial and the probation's end); an assessment by the region or HQ makes
 * the shop regular or ends it. A review may refuse, which ends the record.
 * Each stage needs the one before it at its place in fold order, so a stage
 * out of order is refused the same way on every node.
 *
 * A shop enrolled without the stages (a network that enrolls with `enroll
 * approve` alone) gets its record from that enrollment: probation, marked
 * direct, in the region the certificate names.
 *
 * Corrections of the file's fields (shop.put without apply) name the fields
 * they set; in fold order the later one wins, field by field. Technicians
 * are added, replaced or removed one at a time, by name.
 *
 * The role matrix that needs no state is here as svc_rules_authorize's part
 * for shops (HQ may do everything; a shop nothing); what needs the record's
 * region (a region acts on its own shops only) is in step().
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

#define SCORE_MAX 100
#define PER_MILLE 1000

static int check_chars(const char *field, const char *s, size_t max, bool required, char *reason,
                       size_t len)
{
	SVC_TRY(svc_rules_check_text(field, s, required, false, reason, len));
	size_t n = svc_utf8_chars(s);
	if (n > max)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: %zu characters, limit %zu",
		                      field, n, max);
	return 0;
}

static int check_agg(const svc_change *c, char *reason, size_t len)
{
	if (strncmp(c->aggregate, "H:", 2) != 0 || !svc_valid_node_id(c->aggregate + 2))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a shop record id (H:<shop>)");
	return 0;
}

static int validate_put(const svc_change *c, char *reason, size_t len)
{
	const svc_shop_put *b = &c->u.shop_put;
	TERMINATED("region", b->region);
	TERMINATED("legal_name", b->legal_name);
	TERMINATED("legal_rep", b->legal_rep);
	TERMINATED("address", b->address);
	TERMINATED("area", b->area);
	TERMINATED("contact", b->contact);
	TERMINATED("technician", b->tech_name);
	TERMINATED("qualification", b->tech_qual);
	uint32_t f = b->apply ? SVC_SF_ALL_ & ~SVC_SF_TECHNICIAN : b->fields;
	if (b->apply) {
		SVC_TRY(svc_check_node_id("region", b->region, reason, len));
		if (b->fields & ~SVC_SF_TECHNICIAN)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "fields: an application sets every field");
	} else {
		if (b->region[0])
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "region: set by the application only");
		if (!b->fields || (b->fields & ~(uint32_t)SVC_SF_ALL_))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "fields: %#" PRIx32 " names no known field",
			                      b->fields);
	}
	if (f & SVC_SF_LEGAL_NAME)
		SVC_TRY(check_chars("legal_name", b->legal_name, SVC_SHOP_NAME_CHARS, true, reason,
		                    len));
	if (f & SVC_SF_LEGAL_REP)
		SVC_TRY(check_chars("legal_rep", b->legal_rep, SVC_SHOP_PERSON_CHARS, false, reason,
		                    len));
	if (f & SVC_SF_ADDRESS)
		SVC_TRY(check_chars("address", b->address, SVC_CUSTOMER_ADDR_CHARS, false, reason,
		                    len));
	if (f & SVC_SF_AREA)
		SVC_TRY(check_chars("area", b->area, SVC_SHOP_AREA_CHARS, false, reason, len));
	if (f & SVC_SF_CONTACT)
		SVC_TRY(
		    check_chars("contact", b->contact, SVC_SHOP_CONTACT_CHARS, false, reason, len));
	if ((f & SVC_SF_TYPE) &&
	    (b->type < SVC_SHOP_TYPE_SPECIAL || b->type > SVC_SHOP_TYPE_NATIONAL))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "type: %" PRIu32 " is not special, authorized or national",
		                      b->type);
	if (b->fields & SVC_SF_TECHNICIAN) {
		SVC_TRY(check_chars("technician", b->tech_name, SVC_SHOP_PERSON_CHARS, true, reason,
		                    len));
		SVC_TRY(check_chars("qualification", b->tech_qual, SVC_SHOP_PERSON_CHARS,
		                    !b->tech_drop, reason, len));
	} else if (b->tech_name[0] || b->tech_qual[0] || b->tech_drop) {
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "technician: given without the technician field");
	}
	return 0;
}

static int validate_stage(const svc_change *c, char *reason, size_t len)
{
	const svc_shop_stage_body *b = &c->u.shop_stage;
	TERMINATED("reason", b->reason);
	TERMINATED("agreement", b->agreement);
	TERMINATED("region", b->region);
	SVC_TRY(check_chars("reason", b->reason, SVC_SHOP_REASON_CHARS, b->refused, reason, len));
	switch (b->stage) {
	case SVC_SHOP_REVIEWED:
	case SVC_SHOP_TECH_REVIEWED:
		break;
	case SVC_SHOP_APPROVED:
		SVC_TRY(check_chars("agreement", b->agreement, SVC_SHOP_AGREEMENT_CHARS, true,
		                    reason, len));
		SVC_TRY(svc_check_date("from", b->valid_from, reason, len));
		SVC_TRY(svc_check_date("to", b->valid_to, reason, len));
		if (b->valid_to <= b->valid_from)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "to: the agreement ends on or before it starts");
		break;
	case SVC_SHOP_PROBATION:
		if (b->region[0])
			SVC_TRY(svc_check_node_id("region", b->region, reason, len));
		if (!b->probation_until || !b->serial)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "probation: needs the certificate's serial and the "
			                      "probation's end");
		break;
	default:
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "stage: %" PRIu32 " is not reviewed, tech_reviewed, approved "
		                      "or probation",
		                      b->stage);
	}
	if (b->refused && b->stage != SVC_SHOP_REVIEWED && b->stage != SVC_SHOP_TECH_REVIEWED)
		return svc_rules_fail(SVC_EINVAL, reason, len, "refused: only a review refuses");
	if (b->stage != SVC_SHOP_APPROVED && (b->agreement[0] || b->valid_from || b->valid_to))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "agreement: given with the approval only");
	return 0;
}

static int validate_assess(const svc_change *c, char *reason, size_t len)
{
	const svc_shop_assess *b = &c->u.shop_assess;
	TERMINATED("reason", b->reason);
	uint32_t y = b->period / 100, m = b->period % 100;
	if (y < 2000 || y > 2999 || m < 1 || m > 12)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "period: %" PRIu32 " is not a month (YYYY-MM)", b->period);
	if (b->score > SCORE_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "score: %" PRIu32 " is outside 0..%d", b->score, SCORE_MAX);
	if (b->callback_pm > PER_MILLE || b->onsite_pm > PER_MILLE)
		return svc_rules_fail(SVC_EINVAL, reason, len, "rate: above 1000 per mille");
	if (b->outcome > SVC_SHOP_OUTCOME_END)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "outcome: %" PRIu32 " is not none, regular or end",
		                      b->outcome);
	return check_chars("reason", b->reason, SVC_SHOP_REASON_CHARS,
	                   b->outcome == SVC_SHOP_OUTCOME_END, reason, len);
}

int svc_rules_shop_validate(const svc_change *c, char *reason, size_t len)
{
	SVC_TRY(check_agg(c, reason, len));
	switch (c->kind) {
	case SVC_CK_SHOP_PUT:
		return validate_put(c, reason, len);
	case SVC_CK_SHOP_STAGE:
		return validate_stage(c, reason, len);
	case SVC_CK_SHOP_ASSESS:
		return validate_assess(c, reason, len);
	default:
		return svc_rules_wrong_kind("shop", c, reason, len);
	}
}

/* Called for regions and shops (HQ may do everything). */
int svc_rules_shop_authorize(const svc_change *c, char *reason, size_t len)
{
	if (c->origin_role != SVC_ROLE_REGION)
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "%s %s may not change shop records (its region or HQ)",
		                      svc_role_name(c->origin_role), c->origin);
	switch (c->kind) {
	case SVC_CK_SHOP_PUT:
		if (c->u.shop_put.apply && strcmp(c->u.shop_put.region, c->origin) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not record applications in region %s "
			                      "(only in its own)",
			                      c->origin, c->u.shop_put.region);
		return 0;
	case SVC_CK_SHOP_STAGE:
		switch (c->u.shop_stage.stage) {
		case SVC_SHOP_REVIEWED:
			return 0;
		case SVC_SHOP_TECH_REVIEWED:
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not record the technical review (HQ "
			                      "only)",
			                      c->origin);
		default:
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not approve or enroll shops (HQ only)",
			                      c->origin);
		}
	case SVC_CK_SHOP_ASSESS:
		return 0;
	default:
		return svc_rules_wrong_kind("shop", c, reason, len);
	}
}

/* A region acts on the shops of its own region only. */
static int own_region(const svc_shop *h, const svc_change *c, const char *what, char *reason,
                      size_t len)
{
	if (svc_rules_is_hq_or_region(c, h->region))
		return 0;
	return svc_rules_fail(SVC_EREJECT, reason, len, "shop %s: %s %s may not %s (region %s's)",
	                      h->shop, svc_role_name(c->origin_role), c->origin, what, h->region);
}

static int tech_set(svc_shop *h, const svc_shop_put *b, char *reason, size_t len)
{
	uint32_t i;
	for (i = 0; i < h->ntechnicians; i++)
		if (strcmp(h->technicians[i].name, b->tech_name) == 0)
			break;
	if (b->tech_drop) {
		if (i == h->ntechnicians)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "shop %s: technician %s is not on record", h->shop,
			                      b->tech_name);
		memmove(&h->technicians[i], &h->technicians[i + 1],
		        (h->ntechnicians - i - 1) * sizeof h->technicians[0]);
		h->ntechnicians--;
		memset(&h->technicians[h->ntechnicians], 0, sizeof h->technicians[0]);
		return 0;
	}
	if (i == h->ntechnicians) {
		if (h->ntechnicians == SVC_SHOP_TECHS_MAX)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "shop %s: %d technicians on record, the limit",
			                      h->shop, SVC_SHOP_TECHS_MAX);
		h->ntechnicians++;
	}
	SVC_COPY(h->technicians[i].name, b->tech_name);
	SVC_COPY(h->technicians[i].qualification, b->tech_qual);
	return 0;
}

static void put_fields(svc_shop *h, const svc_shop_put *b, uint32_t f)
{
	if (f & SVC_SF_LEGAL_NAME)
		SVC_COPY(h->legal_name, b->legal_name);
	if (f & SVC_SF_LEGAL_REP)
		SVC_COPY(h->legal_rep, b->legal_rep);
	if (f & SVC_SF_ADDRESS)
		SVC_COPY(h->address, b->address);
	if (f & SVC_SF_AREA)
		SVC_COPY(h->area, b->area);
	if (f & SVC_SF_CONTACT)
		SVC_COPY(h->contact, b->contact);
	if (f & SVC_SF_TYPE)
		h->type = b->type;
}

static int put_step(svc_shop *h, bool exists, const svc_change *c, uint64_t ms, char *reason,
                    size_t len)
{
	const svc_shop_put *b = &c->u.shop_put;
	if (b->apply) {
		if (exists)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len,
			    "shop %s: already on record (stage %s); the id is taken", h->shop,
			    svc_shop_stage_name(h->stage));
		memset(h, 0, sizeof *h);
		SVC_COPY(h->id, c->aggregate);
		SVC_COPY(h->shop, c->aggregate + 2);
		SVC_COPY(h->region, b->region);
		put_fields(h, b, SVC_SF_ALL_);
		h->stage = SVC_SHOP_APPLIED;
		h->applied = ms;
		SVC_COPY(h->applied_by, c->origin);
	} else {
		if (!exists)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len,
			    "shop %s: no record (the region records the application "
			    "first)",
			    c->aggregate + 2);
		SVC_TRY(own_region(h, c, "edit its record", reason, len));
		put_fields(h, b, b->fields);
	}
	if (b->fields & SVC_SF_TECHNICIAN)
		SVC_TRY(tech_set(h, b, reason, len));
	return 0;
}

/* The stage each stage follows. */
static uint32_t stage_before(uint32_t stage)
{
	switch (stage) {
	case SVC_SHOP_REVIEWED:
		return SVC_SHOP_APPLIED;
	case SVC_SHOP_TECH_REVIEWED:
		return SVC_SHOP_REVIEWED;
	case SVC_SHOP_APPROVED:
		return SVC_SHOP_TECH_REVIEWED;
	default:
		return SVC_SHOP_APPROVED;
	}
}

static int stage_step(svc_shop *h, bool exists, const svc_change *c, uint64_t ms, char *reason,
                      size_t len)
{
	const svc_shop_stage_body *b = &c->u.shop_stage;
	if (!exists) {
		if (b->stage != SVC_SHOP_PROBATION || !b->region[0])
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "shop %s: no record; stage %s needs the application "
			                      "first",
			                      c->aggregate + 2, svc_shop_stage_name(b->stage));
		/* Enrolled without the stages: the record starts at probation. */
		memset(h, 0, sizeof *h);
		SVC_COPY(h->id, c->aggregate);
		SVC_COPY(h->shop, c->aggregate + 2);
		SVC_COPY(h->region, b->region);
		h->direct = true;
	} else {
		uint32_t need = stage_before(b->stage);
		if (h->stage != need)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len, "shop %s: stage is %s; %s follows %s",
			    h->shop, svc_shop_stage_name(h->stage), svc_shop_stage_name(b->stage),
			    svc_shop_stage_name(need));
		if (b->stage == SVC_SHOP_REVIEWED)
			SVC_TRY(own_region(h, c, "review its application", reason, len));
		if (b->region[0] && strcmp(b->region, h->region) != 0)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "shop %s: of region %s, enrolled in region %s",
			                      h->shop, h->region, b->region);
	}
	SVC_COPY(h->reason, b->reason);
	if (b->refused) {
		h->stage = SVC_SHOP_ENDED;
		h->ended = ms;
		return 0;
	}
	h->stage = b->stage;
	switch (b->stage) {
	case SVC_SHOP_REVIEWED:
		h->reviewed = ms;
		break;
	case SVC_SHOP_TECH_REVIEWED:
		h->tech_reviewed = ms;
		break;
	case SVC_SHOP_APPROVED:
		h->approved = ms;
		SVC_COPY(h->agreement, b->agreement);
		h->valid_from = b->valid_from;
		h->valid_to = b->valid_to;
		break;
	default:
		h->enrolled = ms;
		h->serial = b->serial;
		h->probation_until = b->probation_until;
		break;
	}
	return 0;
}

static int assess_step(svc_shop *h, bool exists, const svc_change *c, uint64_t ms, char *reason,
                       size_t len)
{
	const svc_shop_assess *b = &c->u.shop_assess;
	if (!exists)
		return svc_rules_fail(SVC_EREJECT, reason, len, "shop %s: no record to assess",
		                      c->aggregate + 2);
	SVC_TRY(own_region(h, c, "assess it", reason, len));
	if (h->stage != SVC_SHOP_PROBATION && h->stage != SVC_SHOP_REGULAR)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "shop %s: stage is %s; only an enrolled shop (probation or "
		                      "regular) is assessed",
		                      h->shop, svc_shop_stage_name(h->stage));
	if (b->outcome == SVC_SHOP_OUTCOME_REGULAR && h->stage != SVC_SHOP_PROBATION)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "shop %s: stage is %s; regular follows probation", h->shop,
		                      svc_shop_stage_name(h->stage));
	if (h->nassessments == SVC_SHOP_ASSESS_KEPT) {
		memmove(&h->assessments[0], &h->assessments[1],
		        (SVC_SHOP_ASSESS_KEPT - 1) * sizeof h->assessments[0]);
		h->nassessments--;
	}
	svc_shop_assessment *a = &h->assessments[h->nassessments++];
	memset(a, 0, sizeof *a);
	a->period = b->period;
	a->score = b->score;
	a->complaints = b->complaints;
	a->tickets = b->tickets;
	a->callback_pm = b->callback_pm;
	a->onsite_pm = b->onsite_pm;
	a->outcome = b->outcome;
	SVC_COPY(a->by, c->origin);
	a->at = ms;
	h->nassessed++;
	if (b->outcome == SVC_SHOP_OUTCOME_REGULAR) {
		h->stage = SVC_SHOP_REGULAR;
	} else if (b->outcome == SVC_SHOP_OUTCOME_END) {
		h->stage = SVC_SHOP_ENDED;
		h->ended = ms;
		SVC_COPY(h->reason, b->reason);
	}
	return 0;
}

static int shop_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_shop *h = state;
	uint64_t ms = svc_hlc_ms(c->hlc);
	int rc;
	switch (c->kind) {
	case SVC_CK_SHOP_PUT:
		rc = put_step(h, exists, c, ms, reason, len);
		break;
	case SVC_CK_SHOP_STAGE:
		rc = stage_step(h, exists, c, ms, reason, len);
		break;
	case SVC_CK_SHOP_ASSESS:
		rc = assess_step(h, exists, c, ms, reason, len);
		break;
	default:
		return svc_rules_wrong_kind("shop", c, reason, len);
	}
	if (rc)
		return rc;
	h->updated = ms;
	svc_rules_set_last(&h->last, c);
	return 0;
}

const svc_rules svc_rules_shop = {
    .name = "shop",
    .state_size = sizeof(svc_shop),
    .step = shop_step,
};

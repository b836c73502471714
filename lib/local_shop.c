/*
 * local_shop: the svc_local operations on shop records (网点档案), see
 * svc_local.h.
 *
 * The desk checks what only the writing node can know: that an applied id
 * is not a node of the directory already, the dates of the agreement, and
 * the figures of an assessment, computed from what this node holds (the
 * complaint tally and the shop's tickets) and copied into the change, so
 * every node folds the same numbers. The rules and the fold judge the rest
 * (who may record which stage, and in which order), the same way at every
 * node: a stage out of order is refused with the fold's own reason.
 */
#include "svc_local.h"

#include "local_impl.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int shop_id(const char *shop)
{
	char why[SVC_REASON_LEN];
	if (!given(shop))
		return svc_errf(SVC_EINVAL, "shop: required (the shop's node id)");
	if (svc_check_node_id("shop", shop, why, sizeof why))
		return svc_errf(SVC_EINVAL, "%s", why);
	return 0;
}

/* The scalar fields given, into b; their bits into b->fields. */
static int put_fields(const svc_shop_fields *f, svc_shop_put *b)
{
	if (f->legal_name) {
		TRY(SET(b->legal_name, "name", f->legal_name));
		b->fields |= SVC_SF_LEGAL_NAME;
	}
	if (f->legal_rep) {
		TRY(SET(b->legal_rep, "legal-rep", f->legal_rep));
		b->fields |= SVC_SF_LEGAL_REP;
	}
	if (f->address) {
		TRY(SET(b->address, "address", f->address));
		b->fields |= SVC_SF_ADDRESS;
	}
	if (f->area) {
		TRY(SET(b->area, "area", f->area));
		b->fields |= SVC_SF_AREA;
	}
	if (f->contact) {
		TRY(SET(b->contact, "contact", f->contact));
		b->fields |= SVC_SF_CONTACT;
	}
	if (f->type) {
		TRY(svc_shop_type_parse(f->type, &b->type));
		b->fields |= SVC_SF_TYPE;
	}
	return 0;
}

/* One technician change: "NAME:QUALIFICATION" added or replaced, or (drop)
 * NAME removed. */
static int tech_change(svc_txn *t, const char *shop, const char *spec, bool drop)
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_SHOP_PUT;
	svc_rules_shop_agg(c.aggregate, shop);
	svc_shop_put *b = &c.u.shop_put;
	b->fields = SVC_SF_TECHNICIAN;
	b->tech_drop = drop;
	const char *colon = drop ? NULL : strchr(spec, ':');
	if (!drop && (!colon || colon == spec || !colon[1]))
		return svc_errf(SVC_EINVAL,
		                "technician: '%s' is not NAME:QUALIFICATION (e.g. 陈明:高级维修工)",
		                spec);
	if (drop) {
		TRY(SET(b->tech_name, "technician", spec));
	} else {
		size_t n = (size_t)(colon - spec);
		if (n >= sizeof b->tech_name)
			return svc_errf(SVC_EINVAL, "technician: name longer than %zu bytes",
			                sizeof b->tech_name - 1);
		memcpy(b->tech_name, spec, n);
		TRY(SET(b->tech_qual, "technician", colon + 1));
	}
	return svc_apply_local(t, &c);
}

static int techs_apply(svc_txn *t, const char *shop, const svc_shop_fields *f)
{
	for (size_t i = 0; i < f->ndrops; i++)
		TRY(tech_change(t, shop, f->drops[i], true));
	for (size_t i = 0; i < f->ntechs; i++)
		TRY(tech_change(t, shop, f->techs[i], false));
	return 0;
}

/* ------------------------------------------------------------ apply, edit */

struct put_arg {
	const char *shop, *region;
	const svc_shop_fields *f;
	bool apply;
};

static int apply_fn(svc_txn *t, void *argp)
{
	const struct put_arg *a = argp;
	svc_self self;
	svc_node n;
	svc_shop h;
	svc_change c;
	TRY(svc_self_get(t, &self));
	const char *region = a->region;
	if (self.role == SVC_ROLE_REGION) {
		if (given(region) && strcmp(region, self.node) != 0)
			return svc_errf(SVC_EDENIED,
			                "region: region %s records applications in its own region "
			                "only, not in %s",
			                self.node, region);
		region = self.node;
	} else if (self.role == SVC_ROLE_HQ) {
		svc_node rn;
		if (!given(region))
			return svc_errf(SVC_EINVAL, "region: required at HQ (the shop's region)");
		int rrc = svc_fold_node_get(t, region, &rn);
		if (rrc == SVC_ENOTFOUND ||
		    (rrc == 0 && (rn.role != SVC_ROLE_REGION || rn.revoked)))
			return svc_errf(SVC_EINVAL,
			                "region: %s is not a live region of the directory", region);
		if (rrc)
			return rrc;
	} else {
		return svc_errf(SVC_EDENIED,
		                "shop %s may not record applications (its region or HQ)",
		                self.node);
	}
	int rc = svc_fold_node_get(t, a->shop, &n);
	if (rc == 0)
		return svc_errf(SVC_EEXIST, "shop: %s is already a %s of the directory", a->shop,
		                svc_role_name(n.role));
	if (rc != SVC_ENOTFOUND)
		return rc;
	rc = svc_fold_shop_get(t, a->shop, &h);
	if (rc == 0)
		return svc_errf(SVC_EEXIST, "shop: %s is already on record (stage %s, region %s)",
		                a->shop, svc_shop_stage_name(h.stage), h.region);
	if (rc != SVC_ENOTFOUND)
		return rc;
	svc_errclear();
	if (!given(a->f->legal_name))
		return svc_errf(SVC_EINVAL, "name: required (the shop's legal name)");
	if (!given(a->f->type))
		return svc_errf(SVC_EINVAL, "type: required (special, authorized or national)");
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_SHOP_PUT;
	svc_rules_shop_agg(c.aggregate, a->shop);
	TRY(put_fields(a->f, &c.u.shop_put));
	c.u.shop_put.fields = 0;
	c.u.shop_put.apply = true;
	TRY(SET(c.u.shop_put.region, "region", region));
	TRY(svc_apply_local(t, &c));
	return techs_apply(t, a->shop, a->f);
}

int svc_local_shop_apply(svc_store *s, const char *shop, const char *region,
                         const svc_shop_fields *f)
{
	TRY(shop_id(shop));
	struct put_arg a = {.shop = shop, .region = region, .f = f, .apply = true};
	return svc_store_write(s, apply_fn, &a);
}

static int edit_fn(svc_txn *t, void *argp)
{
	const struct put_arg *a = argp;
	svc_shop h;
	TRY(svc_fold_shop_get(t, a->shop, &h));
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_SHOP_PUT;
	svc_rules_shop_agg(c.aggregate, a->shop);
	TRY(put_fields(a->f, &c.u.shop_put));
	if (c.u.shop_put.fields)
		TRY(svc_apply_local(t, &c));
	return techs_apply(t, a->shop, a->f);
}

int svc_local_shop_edit(svc_store *s, const char *shop, const svc_shop_fields *f)
{
	TRY(shop_id(shop));
	if (!f->legal_name && !f->legal_rep && !f->address && !f->area && !f->contact && !f->type &&
	    !f->ntechs && !f->ndrops)
		return svc_errf(SVC_EINVAL, "fields: nothing to change (give at least one field)");
	struct put_arg a = {.shop = shop, .f = f};
	return svc_store_write(s, edit_fn, &a);
}

/* ------------------------------------------------------------ stages */

struct stage_arg {
	const char *shop;
	svc_shop_stage_body b;
};

static int stage_fn(svc_txn *t, void *argp)
{
	const struct stage_arg *a = argp;
	svc_shop h;
	TRY(svc_fold_shop_get(t, a->shop, &h));
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_SHOP_STAGE;
	svc_rules_shop_agg(c.aggregate, a->shop);
	c.u.shop_stage = a->b;
	return svc_apply_local(t, &c);
}

int svc_local_shop_review(svc_store *s, const char *shop, bool tech, bool accept,
                          const char *reason)
{
	TRY(shop_id(shop));
	struct stage_arg a = {.shop = shop};
	a.b.stage = tech ? SVC_SHOP_TECH_REVIEWED : SVC_SHOP_REVIEWED;
	a.b.refused = !accept;
	if (!accept && !given(reason))
		return svc_errf(SVC_EINVAL, "reason: required to refuse");
	if (reason)
		TRY(SET(a.b.reason, "reason", reason));
	return svc_store_write(s, stage_fn, &a);
}

static int date_of(const char *field, const char *s, uint32_t *out)
{
	int32_t ymd;
	if (!given(s))
		return svc_errf(SVC_EINVAL, "%s: required (YYYY-MM-DD)", field);
	if (svc_date_parse(s, &ymd))
		return svc_errf(SVC_EINVAL, "%s: '%s' is not a date (YYYY-MM-DD)", field, s);
	*out = (uint32_t)ymd;
	return 0;
}

int svc_local_shop_approve(svc_store *s, const char *shop, const char *agreement, const char *from,
                           const char *to)
{
	TRY(shop_id(shop));
	struct stage_arg a = {.shop = shop};
	a.b.stage = SVC_SHOP_APPROVED;
	if (!given(agreement))
		return svc_errf(SVC_EINVAL, "agreement: required (the agreement's number)");
	TRY(SET(a.b.agreement, "agreement", agreement));
	TRY(date_of("from", from, &a.b.valid_from));
	TRY(date_of("to", to, &a.b.valid_to));
	return svc_store_write(s, stage_fn, &a);
}

/* ------------------------------------------------------------ assessment */

struct tally_arg {
	const char *shop;
	uint64_t from, to; /* the month, [from, to) */
	uint32_t tickets, called, due, in_time;
};

static int tally_ticket(const svc_ticket *tk, void *argp)
{
	struct tally_arg *a = argp;
	if (strcmp(tk->shop, a->shop) != 0 || tk->resolved < a->from || tk->resolved >= a->to)
		return 0;
	a->tickets++;
	if (tk->callback_at)
		a->called++;
	if (tk->onsite_due) {
		a->due++;
		uint64_t visit = tk->visited ? tk->visited : tk->on_site;
		if (visit && visit <= tk->onsite_due)
			a->in_time++;
	}
	return 0;
}

struct assess_arg {
	const char *shop;
	uint32_t period;
	svc_shop_assess b;
};

static int assess_fn(svc_txn *t, void *argp)
{
	struct assess_arg *a = argp;
	svc_shop h;
	svc_policy pol;
	const struct svc_tz *tz;
	uint32_t today;
	TRY(svc_fold_shop_get(t, a->shop, &h));
	TRY(svc_local_policy_today(t, svc_journal_now_ms(), &pol, &tz, &today));
	int32_t first = (int32_t)(a->period * 100 + 1);
	struct tally_arg ta = {.shop = a->shop};
	ta.from = (uint64_t)svc_tz_day_start(tz, first);
	ta.to = (uint64_t)svc_tz_day_start(tz, svc_date_add_months(first, 1));
	TRY(svc_fold_ticket_each_brief(t, tally_ticket, &ta));
	int64_t subst = 0;
	TRY(svc_fold_tally_get(t, a->period, SVC_TALLY_COMPLAINT_SUBSTANTIATED, a->shop, &subst));
	a->b.period = a->period;
	a->b.complaints = subst > 0 ? (uint32_t)subst : 0;
	a->b.tickets = ta.tickets;
	a->b.callback_pm = ta.tickets ? ta.called * 1000u / ta.tickets : 0;
	a->b.onsite_pm = ta.due ? ta.in_time * 1000u / ta.due : 0;
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_SHOP_ASSESS;
	svc_rules_shop_agg(c.aggregate, a->shop);
	c.u.shop_assess = a->b;
	return svc_apply_local(t, &c);
}

int svc_local_shop_assess(svc_store *s, const char *shop, const char *period, int64_t score,
                          uint32_t outcome, const char *reason, svc_shop_assess *out)
{
	TRY(shop_id(shop));
	struct assess_arg a = {.shop = shop};
	int32_t ymd;
	char day[16];
	if (!given(period))
		return svc_errf(SVC_EINVAL, "period: required (YYYY-MM)");
	if (strlen(period) != 7 || snprintf(day, sizeof day, "%s-01", period) != 10 ||
	    svc_date_parse(day, &ymd))
		return svc_errf(SVC_EINVAL, "period: '%s' is not a month (YYYY-MM)", period);
	a.period = (uint32_t)ymd / 100;
	if (score < 0 || score > 100)
		return svc_errf(SVC_EINVAL, "score: %lld is outside 0..100", (long long)score);
	a.b.score = (uint32_t)score;
	a.b.outcome = outcome;
	if (outcome == SVC_SHOP_OUTCOME_END && !given(reason))
		return svc_errf(SVC_EINVAL, "reason: required to end the shop");
	if (reason)
		TRY(SET(a.b.reason, "reason", reason));
	int rc = svc_store_write(s, assess_fn, &a);
	if (!rc && out)
		*out = a.b;
	return rc;
}

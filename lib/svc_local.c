/*
 * svc_local: the user's operations on the local store. See svc_local.h.
 *
 * Every operation has the same shape: an argument struct, a write function
 * that svc_store_write runs (possibly more than once, when the map grows, so
 * it builds its change from the arguments every time and writes its results
 * only into the argument struct), and a public wrapper. The write function
 * reads what it needs in the same transaction that appends the change, so a
 * precondition cannot be invalidated between the check and the write by
 * another process writing the same store: LMDB serializes writers.
 *
 * Three kinds of refusal reach the user, and each keeps its own words:
 *  - preconditions checked here ("unknown part number X", "3 on hand");
 *  - field validation and the role matrix (svc_rules, via svc_apply_local:
 *    "phone: must be 7 to 15 digits", "shop shop-a may not approve claims");
 *  - the fold ("ticket T-..: new -> resolved is not a valid transition").
 * This module does not repeat checks the rules make, except where a local
 * check can say something more useful first (which shop, how many on hand).
 *
 * Where the precondition concerns state that replication could change later
 * (stock that a concurrent offline move also draws on), it is still worth
 * checking: it stops a person from recording what they cannot have done,
 * while the rules accept the same movement arriving from elsewhere, because
 * stock is a sum that must not depend on arrival order.
 */
#include "svc_local.h"

#include "local_impl.h"
#include "svc_err.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

int svc_local_set_text(char *dst, size_t cap, const char *field, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		return svc_errf(SVC_EINVAL, "%s: %zu bytes long, at most %zu allowed", field, n,
		                cap - 1);
	if (n)
		memcpy(dst, src, n);
	memset(dst + n, 0, cap - n);
	return 0;
}

static int need_qty(const char *field, int64_t qty)
{
	if (qty <= 0)
		return svc_errf(SVC_EINVAL, "%s: must be a positive number of parts, got %" PRId64,
		                field, qty);
	return 0;
}

/* The part number is well formed and in the catalog. */
static int need_part(svc_txn *t, const char *part_no, svc_catalog_item *item)
{
	svc_catalog_item scratch;
	RULE(svc_check_part_no("part_no", part_no, reason_, sizeof reason_));
	return svc_fold_catalog_get(t, part_no, item ? item : &scratch);
}

static int need_ticket(svc_txn *t, const char *id, svc_ticket *out)
{
	if (!given(id))
		return svc_errf(SVC_EINVAL, "ticket: required (a ticket id, T-<node>-<seq>)");
	return svc_fold_ticket_get(t, id, out);
}

/* A node of the directory with the given role, not revoked. `what` names
 * the role in messages ("shop", "region"). */
static int need_node(svc_txn *t, const char *field, const char *node, uint32_t role, svc_node *out)
{
	const char *what = svc_role_name(role);
	RULE(svc_check_node_id(field, node, reason_, sizeof reason_));
	int rc = svc_fold_node_get(t, node, out);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "unknown %s %s (not in this node's directory)", what, node);
	if (rc)
		return rc;
	if (out->role != role)
		return svc_errf(SVC_EINVAL, "%s: %s is a %s, not a %s", field, node,
		                svc_role_name(out->role), what);
	if (out->revoked)
		return svc_errf(SVC_EDENIED, "%s: %s %s is revoked (%s)", field, what, node,
		                out->revoke_reason);
	return 0;
}

static int need_stock(svc_txn *t, const char *location, const char *part_no, int64_t need,
                      const char *verb)
{
	svc_stock st;
	TRY(svc_fold_stock_get(t, location, part_no, &st));
	if (st.on_hand < need)
		return svc_errf(SVC_ECONFLICT,
		                "part %s: %" PRId64 " on hand at %s, cannot %s %" PRId64, part_no,
		                st.on_hand, location, verb, need);
	return 0;
}

/* A change's origin fields as svc_apply_local will fill them, so the rules
 * can judge a change before it is appended (bulk import checks every line
 * first). The seq is a stand-in: only the aggregate id depends on it. */
static void as_local(svc_change *c, const svc_self *self)
{
	snprintf(c->origin, sizeof c->origin, "%s", self->node);
	c->origin_role = self->role;
	snprintf(c->origin_region, sizeof c->origin_region, "%s", self->region);
	c->seq = 1;
	c->hlc = svc_journal_now_ms() << 16;
}

/* ------------------------------------------------------------ tickets */

/* Where a new ticket goes, by this node's role (svc_local.h). */
static int ticket_route(svc_txn *t, const svc_self *self, const svc_ticket_fields *f,
                        svc_ticket_open *b)
{
	svc_node n;
	switch (self->role) {
	case SVC_ROLE_SHOP:
		if (given(f->shop) && strcmp(f->shop, self->node) != 0)
			return svc_errf(
			    SVC_EDENIED,
			    "shop: a shop opens tickets only for itself (%s), not for %s",
			    self->node, f->shop);
		if (given(f->region) && strcmp(f->region, self->region) != 0)
			return svc_errf(SVC_EDENIED, "region: shop %s is in region %s, not %s",
			                self->node, self->region, f->region);
		TRY(SET(b->shop, "shop", self->node));
		return SET(b->region, "region", self->region);
	case SVC_ROLE_REGION:
		if (given(f->region) && strcmp(f->region, self->node) != 0)
			return svc_errf(SVC_EDENIED,
			                "region: region %s opens tickets only in its own region, "
			                "not in %s",
			                self->node, f->region);
		TRY(SET(b->region, "region", self->node));
		if (!given(f->shop))
			return 0;
		TRY(need_node(t, "shop", f->shop, SVC_ROLE_SHOP, &n));
		if (strcmp(n.region, self->node) != 0)
			return svc_errf(SVC_EDENIED, "shop: %s is in region %s, not in %s", f->shop,
			                n.region, self->node);
		return SET(b->shop, "shop", f->shop);
	case SVC_ROLE_HQ:
		if (given(f->shop)) {
			TRY(need_node(t, "shop", f->shop, SVC_ROLE_SHOP, &n));
			if (given(f->region) && strcmp(f->region, n.region) != 0)
				return svc_errf(SVC_EINVAL,
				                "region: shop %s is in region %s, not %s", f->shop,
				                n.region, f->region);
			TRY(SET(b->shop, "shop", f->shop));
			return SET(b->region, "region", n.region);
		}
		if (!given(f->region))
			return svc_errf(SVC_EINVAL,
			                "region: required at HQ (give the ticket's region, or the "
			                "shop that takes it)");
		TRY(need_node(t, "region", f->region, SVC_ROLE_REGION, &n));
		return SET(b->region, "region", f->region);
	default:
		return svc_errf(SVC_EDENIED, "node %s has no role and cannot open tickets",
		                self->node);
	}
}

/* policy: the network's zone, loaded once per process (a bulk import opens
 * thousands of tickets). */
static svc_tz *zone_cache;

static int zone_get(const char *name, const svc_tz **out)
{
	if (!zone_cache || strcmp(svc_tz_name(zone_cache), name) != 0) {
		svc_tz_destroy(&zone_cache);
		TRY(svc_tz_load(&zone_cache, name));
	}
	*out = zone_cache;
	return 0;
}

/* The zone is itself a policy key: read today's date in the default zone,
 * then again in the zone of the version in force if that differs. */
int svc_local_policy_today(svc_txn *t, uint64_t now, svc_policy *pol, const svc_tz **tz,
                           uint32_t *today)
{
	const char *zone = svc_policy_time_zone(NULL);
	for (int round = 0; round < 2; round++) {
		TRY(zone_get(zone, tz));
		*today = (uint32_t)svc_tz_date_of(*tz, (int64_t)now);
		TRY(svc_fold_policy_at(t, *today, pol));
		if (strcmp(svc_policy_time_zone(pol), zone) == 0)
			break;
		zone = svc_policy_time_zone(pol);
	}
	return 0;
}

/* The warranty's last day: the purchase date plus the category's months,
 * less a day (0: no purchase date, unknown). */
static uint32_t warranty_until(const svc_policy *pol, const char *category, uint32_t purchased)
{
	if (!purchased)
		return 0;
	unsigned months = svc_policy_warranty_months(pol, category);
	return (uint32_t)svc_date_add_days(svc_date_add_months((int32_t)purchased, (int)months),
	                                   -1);
}

/* Is there an exception for this return or exchange that this node may use?
 * One recorded for the serial, of the ticket's kind, naming this shop (or
 * with no shop, for the region itself and HQ), not yet used by a ticket of
 * that kind opened since it was recorded. Copies it into the body when there
 * is; returns 0 either way (the caller refuses without one). */
struct used_arg {
	svc_txn *t;
	const svc_override *o;
	char by[SVC_AGG_LEN];
};

static int used_cb(const char *value, const char *agg, void *arg)
{
	struct used_arg *a = arg;
	svc_ticket *tk = malloc(sizeof *tk);
	(void)value;
	if (!tk)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_ticket_get(a->t, agg, tk);
	if (rc == 0 && tk->kind == a->o->kind && tk->created >= a->o->at &&
	    strcmp(tk->override_by, a->o->last.origin) == 0) {
		snprintf(a->by, sizeof a->by, "%s", tk->id);
		rc = 1;
	}
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		rc = 0;
	}
	free(tk);
	return rc;
}

static int ticket_exception(svc_txn *t, const svc_self *self, svc_ticket_open *b)
{
	svc_override o;
	if (!b->serial[0])
		return 0;
	int rc = svc_fold_override_get(t, b->serial, &o);
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		return 0;
	}
	TRY(rc);
	if (o.kind != b->kind)
		return 0;
	bool mine = o.shop[0] ? strcmp(o.shop, self->node) == 0
	                      : self->role == SVC_ROLE_HQ || strcmp(o.region, self->node) == 0;
	if (!mine && !(self->role == SVC_ROLE_REGION && strcmp(o.region, self->node) == 0))
		return 0;
	struct used_arg u = {.t = t, .o = &o};
	rc = svc_fold_index_each(t, SVC_INDEX_TICKET_OVERRIDE, b->serial, false, used_cb, &u);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return svc_errf(SVC_EDENIED,
		                "kind: the exception for a %s of %s recorded by %s was used by "
		                "ticket %s",
		                svc_ticket_kind_name(b->kind), b->serial, o.last.origin, u.by);
	TRY(SET(b->override_reason, "override_reason", o.reason));
	return SET(b->override_by, "override_by", o.last.origin);
}

/* Judge a new ticket under the policy in force today and record what it was
 * judged on: the version, the model's category, the dates, the region's
 * grade, the channel, the warranty's last day and the on-site hours. A
 * return or exchange outside its window is refused here, at the desk. */
static int ticket_judge(svc_txn *t, const svc_self *self, const svc_ticket_fields *f,
                        svc_ticket_open *b)
{
	svc_policy pol;
	const svc_tz *tz;
	uint32_t today;
	char d1[16], d2[16];
	TRY(svc_local_policy_today(t, svc_journal_now_ms(), &pol, &tz, &today));
	b->policy_version = pol.version;
	b->opened_on = today;
	/* --model, else the model of the linked unit (svc_local_ticket_link) */
	char unit_model[SVC_POLICY_CODE_LEN];
	snprintf(unit_model, sizeof unit_model, "%s", b->model);
	const char *model = given(f->model) ? f->model : unit_model[0] ? unit_model : NULL;
	if (model) {
		svc_model m;
		RULE(svc_check_code("model", model, reason_, sizeof reason_));
		TRY(svc_fold_model_get(t, model, &m));
		TRY(SET(b->model, "model", m.model));
		TRY(SET(b->category, "category", m.category));
	}
	if (given(f->installed))
		RULE(svc_parse_date("installed", f->installed, &b->installed, reason_,
		                    sizeof reason_));
	if (given(f->channel))
		TRY(svc_channel_parse(f->channel, &b->channel));
	if (b->purchased > today) {
		svc_date_format((int32_t)b->purchased, d1, sizeof d1);
		svc_date_format((int32_t)today, d2, sizeof d2);
		return svc_errf(SVC_EINVAL, "purchased: %s is in the future (today is %s)", d1, d2);
	}
	if (b->installed && b->installed > today) {
		svc_date_format((int32_t)b->installed, d1, sizeof d1);
		return svc_errf(SVC_EINVAL, "installed: %s is in the future", d1);
	}
	const char *region = b->region[0]                    ? b->region
	                     : self->role == SVC_ROLE_REGION ? self->node
	                                                     : self->region;
	if (region[0])
		TRY(svc_fold_grade_get(t, region, &b->grade));
	b->onsite_hours = svc_policy_onsite_hours(&pol, b->grade);
	b->warranty_until = warranty_until(&pol, b->category, b->purchased);
	if (b->kind == SVC_TK_RETURN || b->kind == SVC_TK_EXCHANGE) {
		const char *key = b->kind == SVC_TK_RETURN ? "return_days" : "exchange_days";
		const char *what = b->kind == SVC_TK_RETURN ? "return" : "exchange";
		unsigned days = svc_policy_days(&pol, key);
		if (!b->purchased)
			return svc_errf(SVC_EINVAL,
			                "purchased: required for a %s (its %u-day window counts "
			                "from the purchase)",
			                what, days);
		uint32_t last = (uint32_t)svc_date_add_days((int32_t)b->purchased, days);
		if (today > last)
			TRY(ticket_exception(t, self, b));
		if (today > last && !b->override_by[0]) {
			svc_date_format((int32_t)b->purchased, d1, sizeof d1);
			svc_date_format((int32_t)last, d2, sizeof d2);
			return svc_errf(SVC_EDENIED,
			                "kind: a %s is accepted within %u days of purchase "
			                "(purchased %s, window ended %s; policy version %" PRIu32
			                "; its region or HQ may record an exception: ticket "
			                "override)",
			                what, days, d1, d2, pol.version);
		}
	}
	return 0;
}

/* The ticket's own fields and its route, before it is linked and judged. */
static int ticket_fields(svc_txn *t, const svc_self *self, const svc_ticket_fields *f,
                         svc_ticket_open *b)
{
	memset(b, 0, sizeof *b);
	if (!given(f->kind))
		return svc_errf(SVC_EINVAL, "kind: required (consult, complaint, install, repair, "
		                            "return or exchange)");
	TRY(svc_ticket_kind_parse(f->kind, &b->kind));
	/* complaints: older complaint tickets still fold; new ones are records
	 * of their own, owned by the region */
	if (b->kind == SVC_TK_COMPLAINT)
		return svc_errf(
		    SVC_EINVAL,
		    "kind: a complaint is not a ticket; record it with 'svcsync complaint "
		    "new --against SHOP ...' (its region or HQ)");
	TRY(SET(b->customer, "customer", f->customer));
	TRY(SET(b->phone, "phone", f->phone));
	TRY(SET(b->address, "address", f->address));
	TRY(SET(b->product, "product", f->product));
	TRY(SET(b->serial, "serial", f->serial));
	TRY(SET(b->fault, "fault", f->fault));
	if (given(f->purchased))
		RULE(svc_parse_date("purchased", f->purchased, &b->purchased, reason_,
		                    sizeof reason_));
	return ticket_route(t, self, f, b);
}

int svc_local_ticket_fill(svc_txn *t, const svc_ticket_fields *f, svc_ticket_open *b)
{
	svc_self self;
	TRY(svc_self_get(t, &self));
	TRY(ticket_fields(t, &self, f, b));
	return ticket_judge(t, &self, f, b); /* policy */
}

int svc_local_ticket_body(svc_txn *t, const svc_ticket_fields *f, svc_ticket_open *b)
{
	svc_self self;
	svc_change c;
	char reason[SVC_REASON_LEN];
	TRY(svc_local_ticket_fill(t, f, b));
	TRY(svc_self_get(t, &self));
	/* The rules' own verdict, so that a body this function returns is one
	 * that svc_apply_local accepts. */
	memset(&c, 0, sizeof c);
	as_local(&c, &self);
	c.kind = SVC_CK_TICKET_OPEN;
	c.u.ticket_open = *b;
	svc_rules_ticket_id(c.aggregate, self.node, c.seq);
	if (svc_rules_validate(&c, reason, sizeof reason))
		return svc_errf(SVC_EINVAL, "%s", reason);
	if (svc_rules_authorize(&c, reason, sizeof reason))
		return svc_errf(SVC_EDENIED, "%s", reason);
	return 0;
}

struct ticket_new_arg {
	const svc_ticket_fields *f;
	char id[SVC_AGG_LEN];
};

static int ticket_new_fn(svc_txn *t, void *arg)
{
	struct ticket_new_arg *a = arg;
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_OPEN;
	svc_self self;
	TRY(svc_self_get(t, &self));
	/* svc_apply_local judges the change: no need to ask the rules twice. */
	TRY(ticket_fields(t, &self, a->f, &c.u.ticket_open));
	/* customer: the ticket refers to the customer file and unit, found or
	 * created in this transaction, before the ticket opens; a unit this
	 * node holds gives the dates and model the policy judges from */
	TRY(svc_local_ticket_link(t, &c.u.ticket_open, a->f->customer_id, a->f->model,
	                          a->f->installed));
	TRY(ticket_judge(t, &self, a->f, &c.u.ticket_open));
	TRY(svc_apply_local(t, &c));
	snprintf(a->id, sizeof a->id, "%s", c.aggregate);
	return 0;
}

int svc_local_ticket_new(svc_store *s, const svc_ticket_fields *f, char id[SVC_AGG_LEN])
{
	struct ticket_new_arg a = {.f = f};
	int rc = svc_store_write(s, ticket_new_fn, &a);
	if (!rc && id)
		snprintf(id, SVC_AGG_LEN, "%s", a.id);
	return rc;
}

struct import_arg {
	const svc_ticket_open *bodies;
	size_t n;
	char first[SVC_AGG_LEN];
};

static int import_fn(svc_txn *t, void *arg)
{
	struct import_arg *a = arg;
	svc_change c;
	for (size_t i = 0; i < a->n; i++) {
		memset(&c, 0, sizeof c);
		c.kind = SVC_CK_TICKET_OPEN;
		c.u.ticket_open = a->bodies[i];
		/* customer: each line's customer found by phone or created;
		 * the line was judged when it was read: it keeps what it was
		 * judged on, whatever unit it links to */
		int rc = 0;
		if (!c.u.ticket_open.customer_id[0])
			rc = svc_local_ticket_link_judged(t, &c.u.ticket_open);
		if (!rc)
			rc = svc_apply_local(t, &c);
		if (rc)
			return svc_errctx(rc, "ticket %zu of the batch", i + 1);
		if (i == 0)
			snprintf(a->first, sizeof a->first, "%s", c.aggregate);
	}
	return 0;
}

int svc_local_ticket_import(svc_store *s, const svc_ticket_open *bodies, size_t n, size_t *done,
                            char first_id[SVC_AGG_LEN])
{
	size_t committed = 0;
	int rc = 0;
	if (first_id)
		first_id[0] = '\0';
	while (committed < n) {
		struct import_arg a = {.bodies = bodies + committed};
		a.n = n - committed < SVC_IMPORT_BATCH ? n - committed : SVC_IMPORT_BATCH;
		rc = svc_store_write(s, import_fn, &a);
		if (rc) {
			svc_errctx(rc, "import after %zu tickets", committed);
			break;
		}
		if (committed == 0 && first_id)
			snprintf(first_id, SVC_AGG_LEN, "%s", a.first);
		committed += a.n;
	}
	if (done)
		*done = committed;
	return rc;
}

/* The single-ticket changes (assign, status, note, callback) share one
 * write function: the ticket must exist; the rules judge the rest. */
struct ticket_change_arg {
	const char *id;
	svc_change_kind kind;
	const char *shop;
	uint32_t status;
	const char *text; /* reason, note text or callback note */
	uint32_t satisfaction;
	const char *at, *fault_code; /* policy */
	uint32_t outcome;            /* callbacks */
};

/* policy: the visit time and the fault code of a status change. */
static int ticket_status_policy(svc_txn *t, const svc_ticket *tk, const struct ticket_change_arg *a,
                                svc_ticket_status_body *b)
{
	if (given(a->at)) {
		svc_policy pol;
		const svc_tz *tz;
		uint32_t today;
		uint64_t now = svc_journal_now_ms();
		int64_t at;
		char opened[32];
		if (a->status != SVC_TS_ON_SITE)
			return svc_errf(SVC_EINVAL, "at: a visit time goes with on_site only");
		TRY(svc_local_policy_today(t, now, &pol, &tz, &today));
		TRY(svc_tz_parse_local(tz, a->at, &at));
		if (at > (int64_t)now)
			return svc_errf(SVC_EINVAL, "at: %s is in the future (%s)", a->at,
			                svc_tz_name(tz));
		/* The ticket's creation to the minute: a visit in its first minute is fine. */
		if (at < (int64_t)(tk->created / 60000 * 60000)) {
			svc_tz_format_local(tz, (int64_t)tk->created, opened, sizeof opened);
			return svc_errf(SVC_EINVAL, "at: %s is before the ticket was opened (%s)",
			                a->at, opened);
		}
		b->at = (uint64_t)at < tk->created ? tk->created : (uint64_t)at;
	}
	if (given(a->fault_code)) {
		svc_fault_code fc;
		if (a->status != SVC_TS_RESOLVED)
			return svc_errf(SVC_EINVAL, "fault-code: goes with resolved only");
		RULE(svc_check_code("fault-code", a->fault_code, reason_, sizeof reason_));
		if (!tk->category[0])
			return svc_errf(SVC_EINVAL,
			                "fault-code: ticket %s has no product category (opened "
			                "without --model)",
			                tk->id);
		TRY(svc_fold_fault_get(t, tk->category, a->fault_code, &fc));
		TRY(SET(b->fault_code, "fault-code", a->fault_code));
	}
	return 0;
}

static int ticket_change_fn(svc_txn *t, void *arg)
{
	const struct ticket_change_arg *a = arg;
	svc_ticket tk;
	svc_self self;
	svc_node n;
	svc_change c;

	TRY(need_ticket(t, a->id, &tk));
	memset(&c, 0, sizeof c);
	c.kind = a->kind;
	TRY(SET(c.aggregate, "ticket", a->id));
	switch (a->kind) {
	case SVC_CK_TICKET_ASSIGN:
		TRY(svc_self_get(t, &self));
		if (!given(a->shop))
			return svc_errf(SVC_EINVAL,
			                "shop: required (the shop that takes the ticket)");
		TRY(need_node(t, "shop", a->shop, SVC_ROLE_SHOP, &n));
		/* A region dispatches to its own shops. A ticket belongs to
		 * its region for good (its records, claims and read isolation
		 * follow the region), so HQ too assigns it only to a shop of
		 * that region; moving a customer to another region is a new
		 * ticket there. */
		if (self.role == SVC_ROLE_REGION && strcmp(n.region, self.node) != 0)
			return svc_errf(SVC_EDENIED, "shop: %s is in region %s, not in %s", a->shop,
			                n.region, self.node);
		if (strcmp(n.region, tk.region) != 0)
			return svc_errf(
			    SVC_EDENIED,
			    "shop: %s is in region %s, but ticket %s belongs to region %s", a->shop,
			    n.region, tk.id, tk.region);
		TRY(SET(c.u.ticket_assign.shop, "shop", a->shop));
		break;
	case SVC_CK_TICKET_STATUS:
		c.u.ticket_status.status = a->status;
		TRY(SET(c.u.ticket_status.reason, "reason", a->text));
		TRY(ticket_status_policy(t, &tk, a, &c.u.ticket_status)); /* policy */
		break;
	case SVC_CK_TICKET_NOTE:
		TRY(SET(c.u.ticket_note.text, "text", a->text));
		break;
	case SVC_CK_TICKET_CALLBACK: {
		svc_ticket_callback *b = &c.u.ticket_callback;
		b->outcome = a->outcome ? a->outcome : SVC_CB_REACHED;
		if (b->outcome == SVC_CB_REACHED && (a->satisfaction < 1 || a->satisfaction > 5))
			return svc_errf(SVC_EINVAL,
			                a->satisfaction
			                    ? "satisfaction: must be 1 to 5, got %" PRIu32
			                    : "satisfaction: required when the customer "
			                      "was reached (1 to 5)",
			                a->satisfaction);
		if (b->outcome != SVC_CB_REACHED && a->satisfaction)
			return svc_errf(SVC_EINVAL,
			                "satisfaction: given for an attempt that did not reach the "
			                "customer (%s)",
			                svc_callback_outcome_name(b->outcome));
		b->satisfaction = a->satisfaction;
		TRY(SET(b->note, "note", a->text));
		svc_policy pol;
		const svc_tz *tz;
		uint32_t today;
		TRY(svc_local_policy_today(t, svc_journal_now_ms(), &pol, &tz, &today));
		b->limit = svc_policy_days(&pol, "callback_attempts");
		break;
	}
	default:
		return svc_errf(SVC_EINVAL, "not a ticket change");
	}
	return svc_apply_local(t, &c);
}

int svc_local_ticket_assign(svc_store *s, const char *id, const char *shop)
{
	struct ticket_change_arg a = {.id = id, .kind = SVC_CK_TICKET_ASSIGN, .shop = shop};
	return svc_store_write(s, ticket_change_fn, &a);
}

int svc_local_ticket_status(svc_store *s, const char *id, uint32_t status, const char *reason)
{
	struct ticket_change_arg a = {
	    .id = id, .kind = SVC_CK_TICKET_STATUS, .status = status, .text = reason};
	return svc_store_write(s, ticket_change_fn, &a);
}

int svc_local_ticket_status_policy(svc_store *s, const char *id, uint32_t status,
                                   const char *reason, const char *at, const char *fault_code)
{
	struct ticket_change_arg a = {.id = id,
	                              .kind = SVC_CK_TICKET_STATUS,
	                              .status = status,
	                              .text = reason,
	                              .at = at,
	                              .fault_code = fault_code};
	return svc_store_write(s, ticket_change_fn, &a);
}

int svc_local_ticket_note(svc_store *s, const char *id, const char *text)
{
	struct ticket_change_arg a = {.id = id, .kind = SVC_CK_TICKET_NOTE, .text = text};
	return svc_store_write(s, ticket_change_fn, &a);
}

int svc_local_ticket_callback(svc_store *s, const char *id, uint32_t satisfaction, const char *note)
{
	return svc_local_ticket_callback_attempt(s, id, SVC_CB_REACHED, satisfaction, note);
}

int svc_local_ticket_callback_attempt(svc_store *s, const char *id, uint32_t outcome,
                                      uint32_t satisfaction, const char *note)
{
	struct ticket_change_arg a = {.id = id,
	                              .kind = SVC_CK_TICKET_CALLBACK,
	                              .satisfaction = satisfaction,
	                              .text = note,
	                              .outcome = outcome};
	return svc_store_write(s, ticket_change_fn, &a);
}

/* ------------------------------------------------------------ catalog */

struct catalog_arg {
	const char *part_no, *name;
	const int64_t *price;
	uint32_t return_old; /* old parts: svc_return_old */
};

static int catalog_fn(svc_txn *t, void *arg)
{
	const struct catalog_arg *a = arg;
	svc_catalog_item cur;
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CATALOG_PUT;
	RULE(svc_check_part_no("part_no", a->part_no, reason_, sizeof reason_));
	/* old parts: a change of the flag alone states the rest as it is */
	if (!a->name || !a->price)
		TRY(svc_fold_catalog_get(t, a->part_no, &cur));
	int64_t price = a->price ? *a->price : cur.price;
	if (price < 0)
		return svc_errf(SVC_EINVAL, "price: %" PRId64 " fen is negative", price);
	TRY(SET(c.u.catalog_put.part_no, "part_no", a->part_no));
	TRY(SET(c.u.catalog_put.name, "name", a->name ? a->name : cur.name));
	c.u.catalog_put.price = price;
	c.u.catalog_put.return_old = a->return_old;
	svc_rules_catalog_agg(c.aggregate, a->part_no);
	return svc_apply_local(t, &c);
}

int svc_local_catalog_add(svc_store *s, const char *part_no, const char *name, int64_t price)
{
	struct catalog_arg a = {.part_no = part_no, .name = name, .price = &price};
	return svc_store_write(s, catalog_fn, &a);
}

int svc_local_catalog_put(svc_store *s, const char *part_no, const char *name, const int64_t *price,
                          uint32_t return_old)
{
	struct catalog_arg a = {
	    .part_no = part_no, .name = name, .price = price, .return_old = return_old};
	return svc_store_write(s, catalog_fn, &a);
}

/* ------------------------------------------------------------ part movements */

struct move_arg {
	svc_move_kind kind;
	const char *part_no;
	int64_t qty; /* as the user gives it: positive, or a signed adjustment */
	const char *ticket;
	const char *peer;
	const char *text; /* receive ref, adjust reason, a consumption's reversal reason */
	const char *transfer;
	bool reverse; /* consume: put qty back (a consumption recorded by mistake) */
	/* results */
	char aggregate[SVC_AGG_LEN];
	char got_part[SVC_PART_LEN];
	int64_t got_qty;
};

struct consumed_arg {
	svc_txn *t;
	const char *ticket;
	int64_t qty;
	uint64_t first; /* ms of the first consumption on the ticket */
};

static int consumed_step(const svc_change *c, void *arg)
{
	struct consumed_arg *a = arg;
	const svc_part_move *m = &c->u.part_move;
	bool rejected;
	if (c->kind != SVC_CK_PART_MOVE || m->kind != SVC_MV_CONSUME ||
	    strcmp(m->ticket, a->ticket) != 0)
		return 0;
	TRY(svc_journal_reject_get(a->t, c->origin, c->seq, NULL, 0, &rejected));
	if (rejected)
		return 0;
	/* as the claim's fold counts it (svc_fold.c): never below zero */
	a->qty -= m->qty;
	if (a->qty < 0)
		a->qty = 0;
	if (m->qty < 0 && (!a->first || svc_hlc_ms(c->hlc) < a->first))
		a->first = svc_hlc_ms(c->hlc);
	return 0;
}

/* What this node consumed of a part on a ticket, reversals taken off. */
int svc_local_consumed_on(svc_txn *t, const char *location, const char *part_no, const char *ticket,
                          int64_t *qty)
{
	char agg[SVC_AGG_LEN];
	struct consumed_arg a = {t, ticket, 0, 0};
	svc_rules_move_agg(agg, location, part_no);
	TRY(svc_journal_agg_walk(t, agg, consumed_step, &a));
	*qty = a.qty;
	return 0;
}

/* When this node first consumed a part on a ticket (ms; 0 never). */
static int first_consumed(svc_txn *t, const char *location, const char *part_no, const char *ticket,
                          uint64_t *ms)
{
	char agg[SVC_AGG_LEN];
	struct consumed_arg a = {t, ticket, 0, 0};
	svc_rules_move_agg(agg, location, part_no);
	TRY(svc_journal_agg_walk(t, agg, consumed_step, &a));
	*ms = a.first;
	return 0;
}

/* A reversal may not take back parts a standing claim on the ticket claims
 * (the claim was judged against them; return or reject it first). */
static int need_unclaimed(svc_txn *t, const char *ticket, const char *part_no, int64_t left)
{
	char id[SVC_AGG_LEN];
	svc_claim cl;
	if (svc_rules_claim_id(id, ticket))
		return 0;
	int rc = svc_fold_claim_get(t, id, &cl);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (cl.status == SVC_CS_RETURNED || cl.status == SVC_CS_REJECTED)
		return 0;
	for (uint32_t i = 0; i < cl.nparts && i < SVC_CLAIM_PARTS_MAX; i++)
		if (strcmp(cl.parts[i].part_no, part_no) == 0 && cl.parts[i].qty > left)
			return svc_errf(SVC_ECONFLICT,
			                "qty: claim %s (%s) claims %s x%" PRIu32
			                " on %s; a reversal would leave %" PRId64,
			                cl.id, svc_claim_status_name(cl.status), part_no,
			                cl.parts[i].qty, ticket, left);
	return 0;
}

/* A shop may ship only toward its region (the rules say so); it may not hold
 * the region's certificate yet when it has never been online, so its own
 * region and upstream count as known destinations. */
static int need_destination(svc_txn *t, const svc_self *self, const char *to)
{
	svc_node n;
	RULE(svc_check_node_id("to", to, reason_, sizeof reason_));
	if (strcmp(to, self->node) == 0)
		return svc_errf(SVC_EINVAL, "to: %s cannot ship parts to itself", to);
	int rc = svc_fold_node_get(t, to, &n);
	if (rc == SVC_ENOTFOUND &&
	    (strcmp(to, self->region) == 0 || strcmp(to, self->upstream) == 0))
		return 0;
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "to: unknown node %s (not in this node's directory)", to);
	if (rc)
		return rc;
	if (n.revoked)
		return svc_errf(SVC_EDENIED, "to: node %s is revoked (%s)", to, n.revoke_reason);
	return 0;
}

static int move_fn(svc_txn *t, void *arg)
{
	struct move_arg *a = arg;
	svc_self self;
	svc_ticket tk;
	svc_transfer x;
	svc_change c;
	svc_part_move *m = &c.u.part_move;

	TRY(svc_self_get(t, &self));
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_PART_MOVE;
	m->kind = a->kind;
	TRY(SET(m->location, "location", self.node));

	if (a->kind == SVC_MV_TRANSFER_IN) {
		if (!given(a->transfer))
			return svc_errf(SVC_EINVAL,
			                "transfer: required (a transfer id, X-<node>-<seq>)");
		TRY(svc_fold_transfer_get(t, a->transfer, &x));
		if (strcmp(x.dest, self.node) != 0)
			return svc_errf(SVC_EDENIED,
			                "transfer %s: ships to %s, not to this node (%s)", x.id,
			                x.dest, self.node);
		if (x.received)
			return svc_errf(SVC_ECONFLICT, "transfer %s: already received at %s", x.id,
			                x.dest);
		TRY(need_part(t, x.part_no, NULL));
		TRY(SET(m->part_no, "part_no", x.part_no));
		m->qty = x.qty;
		TRY(SET(m->transfer, "transfer", x.id));
		TRY(SET(m->peer, "peer", x.source));
		TRY(SET(c.aggregate, "transfer", x.id));
		snprintf(a->got_part, sizeof a->got_part, "%s", x.part_no);
		a->got_qty = x.qty;
		TRY(svc_apply_local(t, &c));
		snprintf(a->aggregate, sizeof a->aggregate, "%s", c.aggregate);
		return 0;
	}

	if (a->kind == SVC_MV_ADJUST) {
		if (a->qty == 0)
			return svc_errf(SVC_EINVAL, "qty: an adjustment must not be 0");
	} else {
		TRY(need_qty("qty", a->qty));
	}
	TRY(need_part(t, a->part_no, NULL));
	TRY(SET(m->part_no, "part_no", a->part_no));
	switch (a->kind) {
	case SVC_MV_RECEIVE:
		m->qty = a->qty;
		TRY(SET(m->reason, "ref", a->text));
		break;
	case SVC_MV_TRANSFER_OUT:
		if (!given(a->peer))
			return svc_errf(SVC_EINVAL,
			                "to: required (the node that receives the parts)");
		TRY(need_destination(t, &self, a->peer));
		TRY(need_stock(t, self.node, a->part_no, a->qty, "ship"));
		m->qty = -a->qty;
		TRY(SET(m->peer, "to", a->peer));
		break;
	case SVC_MV_CONSUME:
		TRY(need_ticket(t, a->ticket, &tk));
		if (self.role == SVC_ROLE_SHOP && strcmp(tk.shop, self.node) != 0)
			return svc_errf(SVC_EDENIED,
			                "ticket %s: assigned to %s, not to this shop (%s)", tk.id,
			                tk.shop[0] ? tk.shop : "no shop", self.node);
		if (a->reverse) {
			int64_t used;
			if (!given(a->text))
				return svc_errf(SVC_EINVAL, "reason: required to reverse a "
				                            "consumption (--qty -N --reason TEXT)");
			TRY(svc_local_consumed_on(t, self.node, a->part_no, a->ticket, &used));
			if (a->qty > used)
				return svc_errf(SVC_ECONFLICT,
				                "qty: -%" PRId64 " would take %s below zero on %s "
				                "(%" PRId64 " consumed there)",
				                a->qty, a->part_no, a->ticket, used);
			TRY(need_unclaimed(t, a->ticket, a->part_no, used - a->qty));
			/* old parts: nor below what was returned of them */
			TRY(svc_local_need_unreturned(t, self.node, a->ticket, a->part_no,
			                              used - a->qty));
			m->qty = a->qty;
			TRY(SET(m->reason, "reason", a->text));
		} else {
			if (given(a->text))
				return svc_errf(
				    SVC_EINVAL,
				    "reason: only a reversal (--qty -N) takes a reason");
			TRY(need_stock(t, self.node, a->part_no, a->qty, "consume"));
			m->qty = -a->qty;
		}
		TRY(SET(m->ticket, "ticket", a->ticket));
		break;
	case SVC_MV_ADJUST:
		if (a->qty < 0)
			TRY(need_stock(t, self.node, a->part_no, -a->qty, "adjust away"));
		m->qty = a->qty;
		TRY(SET(m->reason, "reason", a->text));
		break;
	default:
		return svc_errf(SVC_EINVAL, "kind: not a movement this function books");
	}
	if (a->kind != SVC_MV_TRANSFER_OUT)
		svc_rules_move_agg(c.aggregate, self.node, a->part_no);
	TRY(svc_apply_local(t, &c));
	snprintf(a->aggregate, sizeof a->aggregate, "%s", c.aggregate);
	return 0;
}

int svc_local_part_receive(svc_store *s, const char *part_no, int64_t qty, const char *ref)
{
	struct move_arg a = {.kind = SVC_MV_RECEIVE, .part_no = part_no, .qty = qty, .text = ref};
	return svc_store_write(s, move_fn, &a);
}

int svc_local_part_transfer(svc_store *s, const char *part_no, int64_t qty, const char *to,
                            char xid[SVC_AGG_LEN])
{
	struct move_arg a = {
	    .kind = SVC_MV_TRANSFER_OUT, .part_no = part_no, .qty = qty, .peer = to};
	int rc = svc_store_write(s, move_fn, &a);
	if (!rc && xid)
		snprintf(xid, SVC_AGG_LEN, "%s", a.aggregate);
	return rc;
}

int svc_local_part_receive_transfer(svc_store *s, const char *xid, char part_no[SVC_PART_LEN],
                                    int64_t *qty)
{
	struct move_arg a = {.kind = SVC_MV_TRANSFER_IN, .transfer = xid};
	int rc = svc_store_write(s, move_fn, &a);
	if (!rc && part_no)
		snprintf(part_no, SVC_PART_LEN, "%s", a.got_part);
	if (!rc && qty)
		*qty = a.got_qty;
	return rc;
}

int svc_local_part_consume(svc_store *s, const char *part_no, int64_t qty, const char *ticket)
{
	struct move_arg a = {
	    .kind = SVC_MV_CONSUME, .part_no = part_no, .qty = qty, .ticket = ticket};
	return svc_store_write(s, move_fn, &a);
}

int svc_local_part_unconsume(svc_store *s, const char *part_no, int64_t qty, const char *ticket,
                             const char *reason)
{
	struct move_arg a = {.kind = SVC_MV_CONSUME,
	                     .part_no = part_no,
	                     .qty = qty,
	                     .ticket = ticket,
	                     .text = reason,
	                     .reverse = true};
	return svc_store_write(s, move_fn, &a);
}

int svc_local_part_adjust(svc_store *s, const char *part_no, int64_t delta, const char *reason)
{
	struct move_arg a = {
	    .kind = SVC_MV_ADJUST, .part_no = part_no, .qty = delta, .text = reason};
	return svc_store_write(s, move_fn, &a);
}

/* ------------------------------------------------------------ claims */

struct claim_submit_arg {
	const svc_claim_request *r;
	char id[SVC_AGG_LEN];
	uint32_t revision;
	int64_t total;
};

/* Price the lines from the catalog and total them, refusing what does not
 * add up before the rules see it. */
static int claim_lines(svc_txn *t, const svc_claim_request *r, svc_claim_submit *b, bool final)
{
	if (r->labor < 0)
		return svc_errf(SVC_EINVAL, "labor: %" PRId64 " fen is negative", r->labor);
	if (r->travel < 0)
		return svc_errf(SVC_EINVAL, "travel: %" PRId64 " fen is negative", r->travel);
	if (r->other < 0)
		return svc_errf(SVC_EINVAL, "other: %" PRId64 " fen is negative", r->other);
	if (r->nparts > SVC_CLAIM_PARTS_MAX)
		return svc_errf(SVC_EINVAL, "parts: %zu lines, at most %d allowed", r->nparts,
		                SVC_CLAIM_PARTS_MAX);
	b->labor = r->labor;
	b->travel = r->travel;
	b->other = r->other;
	int64_t sum = r->labor;
	bool overflow = false;
	for (size_t i = 0; i < r->nparts; i++) {
		const svc_claim_line *l = &r->parts[i];
		svc_claim_part *p = &b->parts[i];
		svc_catalog_item item;
		for (size_t j = 0; j < i; j++)
			if (l->part_no && r->parts[j].part_no &&
			    strcmp(l->part_no, r->parts[j].part_no) == 0)
				return svc_errf(
				    SVC_EINVAL,
				    "parts: %s is listed twice; give its whole quantity "
				    "once",
				    l->part_no);
		TRY(need_part(t, l->part_no, &item));
		if (l->qty <= 0 || l->qty > UINT32_MAX)
			return svc_errf(SVC_EINVAL,
			                "parts: %s: quantity %" PRId64 " is not a positive count",
			                l->part_no, l->qty);
		TRY(SET(p->part_no, "part_no", l->part_no));
		p->qty = (uint32_t)l->qty;
		p->unit_price = item.price;
		if (__builtin_mul_overflow(l->qty, item.price, &p->amount))
			return svc_errf(SVC_EINVAL,
			                "parts: %s: %" PRId64 " x %" PRId64
			                " fen is too large an amount",
			                l->part_no, l->qty, item.price);
		overflow |= __builtin_add_overflow(sum, p->amount, &sum);
	}
	b->nparts = (uint32_t)r->nparts;
	overflow |= __builtin_add_overflow(sum, r->travel, &sum);
	overflow |= __builtin_add_overflow(sum, r->other, &sum);
	if (overflow)
		return svc_errf(SVC_EINVAL, "total: the lines add up to more than a 64-bit amount");
	b->total = sum;
	if (!final)
		return 0;
	if (r->has_total && r->total != sum)
		return svc_errf(SVC_EINVAL,
		                "total: %" PRId64 " does not equal the sum of the lines %" PRId64,
		                r->total, sum);
	if (sum <= 0)
		return svc_errf(SVC_EINVAL, "total: a claim must ask for more than 0 fen");
	return 0;
}

/*
 * A claim's lines from the work, as every node's fold will check them: each
 * operation at minutes x the rate of the ticket's grade (its category the
 * ticket's; over the card past its standard minutes), travel by the bands,
 * each part at the price in force when this shop first consumed it on the
 * ticket. Then the total, as claim_lines() checks it.
 */
static int claim_work_lines(svc_txn *t, const svc_claim_request *r, const svc_ticket *tk,
                            const char *shop, svc_claim_submit *b)
{
	svc_tariff tar;
	TRY(claim_lines(t, r, b, false));
	TRY(svc_fold_tariff_get(t, &tar));
	if (r->nops > SVC_CLAIM_OPS_MAX)
		return svc_errf(SVC_EINVAL, "op: %zu operation lines, at most %d allowed", r->nops,
		                SVC_CLAIM_OPS_MAX);
	int64_t rate =
	    tk->grade >= SVC_GRADE_A && tk->grade <= SVC_GRADE_C ? tar.rates[tk->grade] : 0;
	int64_t sum = b->total;
	for (size_t i = 0; i < r->nops; i++) {
		svc_labor_op op;
		svc_claim_op *o = &b->ops[i];
		RULE(svc_check_code("op", r->ops[i].code, reason_, sizeof reason_));
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->ops[j].code, r->ops[i].code) == 0)
				return svc_errf(SVC_EINVAL,
				                "op: %s is listed twice; give its minutes once",
				                r->ops[i].code);
		TRY(svc_fold_labor_get(t, r->ops[i].code, &op));
		if (strcmp(op.category, tk->category) != 0)
			return svc_errf(SVC_EINVAL, "op: %s is an operation on %s, ticket %s is %s",
			                op.code, op.category, tk->id,
			                tk->category[0] ? tk->category : "of no category");
		if (rate <= 0)
			return svc_errf(
			    SVC_ECONFLICT,
			    "op: no labor rate for grade %s (ticket %s; HQ sets it with "
			    "'labor rate')",
			    svc_grade_name(tk->grade), tk->id);
		TRY(SET(o->code, "op", op.code));
		o->minutes = r->ops[i].minutes ? r->ops[i].minutes : op.minutes;
		o->amount = svc_rules_op_amount(o->minutes, rate);
		if (o->amount < 0 || o->amount > SVC_CLAIM_FEN_MAX)
			return svc_errf(SVC_EINVAL, "op: %s: %" PRIu32 " minutes is too long",
			                op.code, o->minutes);
		o->flags = o->minutes > op.minutes ? SVC_LINE_OVER_CARD : 0;
		sum += o->amount;
	}
	b->nops = (uint32_t)r->nops;
	if (r->distance_km) {
		bool over;
		if (r->travel)
			return svc_errf(
			    SVC_EINVAL,
			    "travel: give --distance-km or a free --travel amount, not both");
		int64_t fen = svc_rules_travel_amount(&tar, r->distance_km, &over);
		if (fen < 0)
			return svc_errf(SVC_ECONFLICT, "distance-km: HQ has set no travel bands");
		b->distance_km = r->distance_km;
		b->travel = fen;
		b->travel_flags = over ? SVC_LINE_OVER_CARD : 0;
		sum += fen;
	}
	for (uint32_t i = 0; i < b->nparts; i++) {
		svc_claim_part *p = &b->parts[i];
		svc_catalog_item item;
		uint64_t first;
		TRY(svc_fold_catalog_get(t, p->part_no, &item));
		TRY(first_consumed(t, shop, p->part_no, tk->id, &first));
		int64_t price = svc_rules_price_at(&item, first);
		sum -= p->amount;
		p->unit_price = price;
		if (__builtin_mul_overflow((int64_t)p->qty, price, &p->amount))
			return svc_errf(SVC_EINVAL, "parts: %s: too large an amount", p->part_no);
		sum += p->amount;
	}
	b->total = sum;
	if (r->has_total && r->total != sum)
		return svc_errf(SVC_EINVAL,
		                "total: %" PRId64 " does not equal the sum of the lines %" PRId64,
		                r->total, sum);
	if (sum <= 0)
		return svc_errf(SVC_EINVAL, "total: a claim must ask for more than 0 fen");
	return 0;
}

/* The ceilings, per claim and per line, of the policy version the ticket was
 * judged under, as every node's fold holds the claim to them. */
static int claim_ceiling(svc_txn *t, const svc_claim_submit *b)
{
	svc_policy pol;
	memset(&pol, 0, sizeof pol);
	if (b->policy_version) {
		int rc = svc_fold_policy_version(t, b->policy_version, &pol);
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			memset(&pol, 0, sizeof pol);
		} else if (rc) {
			return rc;
		}
	}
	int64_t cmax = svc_policy_fen(&pol, "claim_max_fen");
	int64_t lmax = svc_policy_fen(&pol, "claim_line_max_fen");
	for (uint32_t i = 0; i < b->nops; i++)
		if (b->ops[i].amount > lmax)
			return svc_errf(SVC_EINVAL,
			                "op: %s is %" PRId64 " fen, over the ceiling of %" PRId64
			                " fen per line (policy claim_line_max_fen)",
			                b->ops[i].code, b->ops[i].amount, lmax);
	if (b->total > cmax)
		return svc_errf(SVC_EINVAL,
		                "total: %" PRId64 " fen is over the ceiling of %" PRId64
		                " fen per claim (policy claim_max_fen)",
		                b->total, cmax);
	const struct {
		const char *name;
		int64_t fen;
	} lines[] = {{"labor", b->labor}, {"travel", b->travel}, {"other", b->other}};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (lines[i].fen > lmax)
			return svc_errf(SVC_EINVAL,
			                "%s: %" PRId64 " fen is over the ceiling of %" PRId64
			                " fen per line (policy claim_line_max_fen)",
			                lines[i].name, lines[i].fen, lmax);
	for (uint32_t i = 0; i < b->nparts; i++)
		if (b->parts[i].amount > lmax)
			return svc_errf(
			    SVC_EINVAL,
			    "part: %s x%" PRIu32 " is %" PRId64 " fen, over the ceiling of %" PRId64
			    " fen per line (policy claim_line_max_fen)",
			    b->parts[i].part_no, b->parts[i].qty, b->parts[i].amount, lmax);
	return 0;
}

static int claim_submit_fn(svc_txn *t, void *arg)
{
	struct claim_submit_arg *a = arg;
	const svc_claim_request *r = a->r;
	svc_self self;
	svc_ticket tk;
	svc_claim cl;
	svc_change c;
	svc_claim_submit *b = &c.u.claim_submit;

	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EDENIED,
		                "claim: only the shop that did the work submits claims (this node "
		                "is %s %s)",
		                svc_role_name(self.role), self.node);
	TRY(need_ticket(t, r->ticket, &tk));
	if (strcmp(tk.shop, self.node) != 0)
		return svc_errf(SVC_EDENIED, "ticket %s: assigned to %s, not to this shop (%s)",
		                tk.id, tk.shop[0] ? tk.shop : "no shop", self.node);
	/* complaints: the fold refuses these too, everywhere */
	if (tk.kind == SVC_TK_CONSULT || tk.kind == SVC_TK_COMPLAINT)
		return svc_errf(SVC_EDENIED, "ticket %s: no claim is made on a %s ticket", tk.id,
		                svc_ticket_kind_name(tk.kind));
	if (tk.status != SVC_TS_RESOLVED && tk.status != SVC_TS_CLOSED)
		return svc_errf(SVC_ECONFLICT,
		                "ticket %s: status %s, a claim needs resolved or closed", tk.id,
		                svc_ticket_status_name(tk.status));
	if (svc_ticket_customer_paid(&tk) && !tk.claim_allow_reason[0])
		return svc_errf(SVC_EDENIED,
		                "ticket %s: customer-paid (%s); a claim needs HQ's leave (claim "
		                "allow)",
		                tk.id, tk.charges ? "charged to the customer" : "out of warranty");

	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CLAIM_SUBMIT;
	TRY(SET(b->ticket, "ticket", r->ticket));
	if (svc_rules_claim_id(c.aggregate, r->ticket))
		return svc_errf(SVC_EINVAL, "ticket: '%s' is not a ticket id", r->ticket);
	b->policy_version = tk.policy_version;
	b->priced = true;
	TRY(claim_work_lines(t, r, &tk, self.node, b));
	TRY(claim_ceiling(t, b));
	TRY(SET(b->note, "note", r->note));
	TRY(SET(b->region, "region", self.region));

	int rc = svc_fold_claim_get(t, c.aggregate, &cl);
	if (rc == SVC_ENOTFOUND) {
		b->revision = 1;
	} else if (rc) {
		return rc;
	} else if (cl.status == SVC_CS_RETURNED || cl.status == SVC_CS_REJECTED) {
		b->revision = cl.revision + 1;
	} else {
		return svc_errf(SVC_ECONFLICT,
		                "claim %s is %s; only a returned or rejected claim can be "
		                "resubmitted",
		                cl.id, svc_claim_status_name(cl.status));
	}
	TRY(svc_apply_local(t, &c));
	snprintf(a->id, sizeof a->id, "%s", c.aggregate);
	a->revision = b->revision;
	a->total = b->total;
	return 0;
}

int svc_local_claim_submit(svc_store *s, const svc_claim_request *r, char id[SVC_AGG_LEN],
                           uint32_t *revision, int64_t *total)
{
	struct claim_submit_arg a = {.r = r};
	int rc = svc_store_write(s, claim_submit_fn, &a);
	if (rc)
		return rc;
	if (id)
		snprintf(id, SVC_AGG_LEN, "%s", a.id);
	if (revision)
		*revision = a.revision;
	if (total)
		*total = a.total;
	return 0;
}

struct claim_decide_arg {
	const char *id;
	uint32_t action;
	int64_t amount;
	const char *reason, *ref;
	const svc_claim_line_request *lines;
	size_t nlines;
	char repeat_of[SVC_AGG_LEN]; /* result: the audit's repeat repair */
};

/* Repeat repair: another ticket on the same product unit resolved within
 * the 30 days before this one opened. */
#define REPEAT_REPAIR_MS (30 * INT64_C(86400000))

struct repeat_arg {
	svc_txn *t;
	const svc_ticket *tk;
	char found[SVC_AGG_LEN];
	uint64_t when;
};

static int repeat_cb(const char *value, const char *agg, void *arg)
{
	struct repeat_arg *a = arg;
	svc_ticket *o = malloc(sizeof *o);
	(void)value;
	if (!o)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = strcmp(agg, a->tk->id) == 0 ? SVC_ENOTFOUND : svc_fold_ticket_get(a->t, agg, o);
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		free(o);
		return 0;
	}
	if (!rc && o->resolved && o->resolved <= a->tk->created &&
	    a->tk->created - o->resolved <= (uint64_t)REPEAT_REPAIR_MS && o->resolved > a->when) {
		snprintf(a->found, sizeof a->found, "%s", o->id);
		a->when = o->resolved;
	}
	free(o);
	return rc;
}

static int find_repeat(svc_txn *t, const char *ticket, char out[SVC_AGG_LEN])
{
	struct repeat_arg a = {.t = t};
	svc_ticket *tk = malloc(sizeof *tk);
	out[0] = '\0';
	if (!tk)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_fold_ticket_get(t, ticket, tk);
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		free(tk);
		return 0;
	}
	a.tk = tk;
	if (!rc && tk->unit_id[0])
		rc = svc_fold_index_each(t, SVC_INDEX_TICKET_UNIT, tk->unit_id, false, repeat_cb,
		                         &a);
	if (!rc)
		snprintf(out, SVC_AGG_LEN, "%s", a.found);
	free(tk);
	return rc;
}

static int claim_decide_lines(svc_txn *t, struct claim_decide_arg *a, const svc_claim *cl,
                              svc_claim_decide *b)
{
	if (a->nlines > SVC_CLAIM_DECISIONS_MAX)
		return svc_errf(SVC_EINVAL, "line: %zu line decisions, at most %d at once",
		                a->nlines, SVC_CLAIM_DECISIONS_MAX);
	if (a->nlines && a->action != SVC_CA_AUDIT && a->action != SVC_CA_APPROVE &&
	    a->action != SVC_CA_REJECT)
		return svc_errf(SVC_EINVAL, "line: %s takes no line decisions",
		                svc_claim_action_name(a->action));
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	uint32_t n = svc_claim_lines(cl, v);
	for (size_t i = 0; i < a->nlines; i++) {
		const svc_claim_line_request *l = &a->lines[i];
		if (l->line < 1 || l->line > n)
			return svc_errf(SVC_EINVAL,
			                "line: %" PRIu32 " is not a line of %s (1..%" PRIu32 ")",
			                l->line, cl->id, n);
		if (l->amount < 0 || l->amount > v[l->line - 1].amount)
			return svc_errf(SVC_EINVAL,
			                "amount: line %" PRIu32 ": %" PRId64
			                " fen is outside 0..%" PRId64 " (the line's amount)",
			                l->line, l->amount, v[l->line - 1].amount);
		if (given(l->reason) && svc_utf8_chars(l->reason) > SVC_LINE_REASON_CHARS)
			return svc_errf(SVC_EINVAL,
			                "reason: line %" PRIu32 ": %zu characters, limit %d",
			                l->line, svc_utf8_chars(l->reason), SVC_LINE_REASON_CHARS);
		if (a->action == SVC_CA_REJECT && !given(l->reason) && !given(a->reason))
			return svc_errf(SVC_EINVAL,
			                "reason: line %" PRIu32 " is rejected without a reason",
			                l->line);
		b->lines[i].line = l->line;
		b->lines[i].amount = a->action == SVC_CA_REJECT ? 0 : l->amount;
		TRY(SET(b->lines[i].reason, "reason",
		        given(l->reason)             ? l->reason
		        : a->action == SVC_CA_REJECT ? a->reason
		                                     : ""));
	}
	b->nlines = (uint32_t)a->nlines;
	if (a->action == SVC_CA_AUDIT) {
		TRY(find_repeat(t, cl->ticket, a->repeat_of));
		TRY(SET(b->repeat_of, "repeat_of", a->repeat_of));
	}
	return 0;
}

static int claim_decide_fn(svc_txn *t, void *arg)
{
	struct claim_decide_arg *a = arg;
	svc_claim cl;
	svc_change c;
	svc_claim_decide *b = &c.u.claim_decide;
	const char *verb = svc_claim_action_name(a->action);

	if (!given(a->id))
		return svc_errf(SVC_EINVAL, "claim: required (a claim id, C-<node>-<seq>)");
	TRY(svc_fold_claim_get(t, a->id, &cl));
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CLAIM_DECIDE;
	TRY(SET(c.aggregate, "claim", a->id));
	b->action = a->action;
	b->revision = cl.revision;
	b->claimed = cl.total;
	if (a->amount < 0)
		return svc_errf(SVC_EINVAL, "amount: %" PRId64 " fen is negative", a->amount);
	switch (a->action) {
	case SVC_CA_APPROVE:
		if (a->amount > cl.total)
			return svc_errf(SVC_EINVAL,
			                "amount: %" PRId64 " fen is more than the claimed %" PRId64
			                " fen",
			                a->amount, cl.total);
		/* 0: the sum of the lines as decided (the region's proposals,
		 * the lines named); an amount cuts from the last line up. */
		b->amount = a->amount;
		break;
	case SVC_CA_PAY:
		if (a->amount && a->amount != cl.approved)
			return svc_errf(SVC_EINVAL,
			                "amount: pays %" PRId64
			                " fen, the claim was approved for %" PRId64 " fen",
			                a->amount, cl.approved);
		b->amount = cl.approved;
		break;
	case SVC_CA_AUDIT:
	case SVC_CA_RETURN:
	case SVC_CA_REJECT:
		if (a->amount)
			return svc_errf(SVC_EINVAL,
			                "amount: only approve and pay take an amount, "
			                "not %s",
			                verb);
		break;
	default:
		return svc_errf(SVC_EINVAL, "action: unknown claim action %" PRIu32, a->action);
	}
	TRY(SET(b->reason, "reason", a->nlines && a->action == SVC_CA_REJECT ? "" : a->reason));
	TRY(SET(b->ref, "ref", a->ref));
	TRY(claim_decide_lines(t, a, &cl, b));
	return svc_apply_local(t, &c);
}

int svc_local_claim_decide(svc_store *s, const char *id, uint32_t action, int64_t amount,
                           const char *reason, const char *ref)
{
	struct claim_decide_arg a = {
	    .id = id, .action = action, .amount = amount, .reason = reason, .ref = ref};
	return svc_store_write(s, claim_decide_fn, &a);
}

int svc_local_claim_decide_lines(svc_store *s, const char *id, uint32_t action, int64_t amount,
                                 const char *reason, const char *ref,
                                 const svc_claim_line_request *lines, size_t nlines,
                                 char repeat_of[SVC_AGG_LEN])
{
	struct claim_decide_arg a = {.id = id,
	                             .action = action,
	                             .amount = amount,
	                             .reason = reason,
	                             .ref = ref,
	                             .lines = lines,
	                             .nlines = nlines};
	int rc = svc_store_write(s, claim_decide_fn, &a);
	if (!rc && repeat_of)
		snprintf(repeat_of, SVC_AGG_LEN, "%s", a.repeat_of);
	return rc;
}

/* ------------------------------------------------------------ labor operations, the labor
 * tariff, part prices (HQ) */

struct labor_arg {
	svc_change c;
	const char *from; /* catalog.price: YYYY-MM-DD */
};

static int labor_fn(svc_txn *t, void *arg)
{
	struct labor_arg *a = arg;
	svc_change c = a->c;
	if (c.kind == SVC_CK_CATALOG_PRICE) {
		svc_policy pol;
		const svc_tz *tz;
		uint32_t today, ymd;
		svc_catalog_item item;
		RULE(svc_check_part_no("part_no", c.u.catalog_price.part_no, reason_,
		                       sizeof reason_));
		TRY(svc_fold_catalog_get(t, c.u.catalog_price.part_no, &item));
		RULE(svc_parse_date("from", a->from, &ymd, reason_, sizeof reason_));
		TRY(svc_local_policy_today(t, svc_journal_now_ms(), &pol, &tz, &today));
		int64_t ms = svc_tz_day_start(tz, (int32_t)ymd);
		if (ms <= 0)
			return svc_errf(SVC_EINVAL, "from: %s is before 1970", a->from);
		c.u.catalog_price.from = (uint64_t)ms;
		svc_rules_catalog_agg(c.aggregate, c.u.catalog_price.part_no);
	} else if (c.kind == SVC_CK_LABOR_PUT) {
		svc_rules_labor_agg(c.aggregate, c.u.labor_put.code);
	} else {
		svc_rules_tariff_agg(c.aggregate);
	}
	return svc_apply_local(t, &c);
}

int svc_local_labor_add(svc_store *s, const char *code, const char *category, uint32_t minutes,
                        const char *text)
{
	struct labor_arg a;
	memset(&a, 0, sizeof a);
	a.c.kind = SVC_CK_LABOR_PUT;
	TRY(SET(a.c.u.labor_put.code, "code", code));
	TRY(SET(a.c.u.labor_put.category, "category", category));
	TRY(SET(a.c.u.labor_put.text, "text", text));
	a.c.u.labor_put.minutes = minutes;
	return svc_store_write(s, labor_fn, &a);
}

int svc_local_labor_rate(svc_store *s, uint32_t grade, int64_t fen_per_hour)
{
	struct labor_arg a;
	memset(&a, 0, sizeof a);
	a.c.kind = SVC_CK_TARIFF_SET;
	a.c.u.tariff_set.kind = SVC_TARIFF_RATE;
	a.c.u.tariff_set.grade = grade;
	a.c.u.tariff_set.fen_per_hour = fen_per_hour;
	return svc_store_write(s, labor_fn, &a);
}

int svc_local_travel_band(svc_store *s, uint32_t max_km, int64_t fen)
{
	struct labor_arg a;
	memset(&a, 0, sizeof a);
	a.c.kind = SVC_CK_TARIFF_SET;
	a.c.u.tariff_set.kind = SVC_TARIFF_BAND;
	a.c.u.tariff_set.max_km = max_km;
	a.c.u.tariff_set.fen = fen;
	return svc_store_write(s, labor_fn, &a);
}

int svc_local_catalog_price(svc_store *s, const char *part_no, int64_t price, const char *from)
{
	struct labor_arg a;
	memset(&a, 0, sizeof a);
	a.c.kind = SVC_CK_CATALOG_PRICE;
	TRY(SET(a.c.u.catalog_price.part_no, "part_no", part_no));
	a.c.u.catalog_price.price = price;
	a.from = from;
	return svc_store_write(s, labor_fn, &a);
}

/* ------------------------------------------------------------ daemon */

/* ------------------------------------------------------------ restores */

struct replay_entry {
	uint64_t id;
	svc_change c;
};

struct replay_arg {
	struct replay_entry *v;
	size_t n, cap;
	svc_replay_result *res;
	size_t nres;
};

static int replay_collect(svc_txn *t, uint64_t id, const svc_change *c, void *argp)
{
	struct replay_arg *a = argp;
	(void)t;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct replay_entry *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].id = id;
	a->v[a->n++].c = *c;
	return 0;
}

static bool creates_aggregate(const svc_replay_result *r)
{
	return r->kind == SVC_CK_TICKET_OPEN ||
	       (r->kind == SVC_CK_PART_MOVE && r->old_aggregate[0] == 'X');
}

/* Aggregate ids renamed by the replay: a ticket opened at seq 13 is
 * T-<node>-13, and re-entered at seq 21 it is T-<node>-21. The network may
 * hold another T-<node>-13 by now, so a change that names a kept-aside
 * ticket that could not be re-entered must stay aside too (-1). */
static int rename_id(const struct replay_arg *a, char id[SVC_AGG_LEN])
{
	for (size_t i = 0; id[0] && i < a->nres; i++) {
		const svc_replay_result *r = &a->res[i];
		if (!creates_aggregate(r) || strcmp(r->old_aggregate, id) != 0)
			continue;
		if (!r->new_seq)
			return svc_errf(SVC_ECONFLICT, "%s was not re-entered", id);
		memcpy(id, r->aggregate, SVC_AGG_LEN);
		return 0;
	}
	return 0;
}

static int replay_fn(svc_txn *t, void *argp)
{
	struct replay_arg *a = argp;
	a->n = a->nres = 0;
	TRY(svc_restore_refusal(t));
	TRY(svc_replay_each(t, replay_collect, a));
	free(a->res);
	a->res = a->n ? calloc(a->n, sizeof *a->res) : NULL;
	if (a->n && !a->res)
		return svc_errf(SVC_ENOMEM, "out of memory");
	for (size_t i = 0; i < a->n; i++) {
		svc_change c = a->v[i].c;
		svc_replay_result *r = &a->res[a->nres];
		r->kind = c.kind;
		r->old_seq = c.seq;
		snprintf(r->old_aggregate, sizeof r->old_aggregate, "%s", c.aggregate);
		int rc = rename_id(a, c.aggregate);
		if (!rc && c.kind == SVC_CK_PART_MOVE)
			rc = rename_id(a, c.u.part_move.ticket);
		if (!rc && c.kind == SVC_CK_PART_MOVE)
			rc = rename_id(a, c.u.part_move.transfer);
		if (!rc && c.kind == SVC_CK_CLAIM_SUBMIT) {
			rc = rename_id(a, c.u.claim_submit.ticket);
			if (!rc)
				rc = svc_rules_claim_id(c.aggregate, c.u.claim_submit.ticket);
		}
		if (!rc)
			rc = svc_apply_local(t, &c);
		a->nres++;
		if (rc && svc_txn_err(t))
			return rc; /* the store failed: nothing is replayed */
		if (rc) {
			snprintf(r->reason, sizeof r->reason, "%s", svc_errmsg());
			snprintf(r->aggregate, sizeof r->aggregate, "%s", c.aggregate);
			continue;
		}
		r->new_seq = c.seq;
		snprintf(r->aggregate, sizeof r->aggregate, "%s", c.aggregate);
		TRY(svc_replay_del(t, a->v[i].id));
	}
	return 0;
}

int svc_local_replay(svc_store *s, svc_replay_result **out, size_t *n)
{
	struct replay_arg a;
	memset(&a, 0, sizeof a);
	*out = NULL;
	*n = 0;
	int rc = svc_store_write(s, replay_fn, &a);
	free(a.v);
	if (rc) {
		free(a.res);
		return rc;
	}
	*out = a.res;
	*n = a.nres;
	return 0;
}

/* ------------------------------------------------------------ policy: models, fault codes,
 * region grades and the service policy (HQ) */

struct model_arg {
	const char *model, *code, *category, *text;
};

static int model_fn(svc_txn *t, void *arg)
{
	const struct model_arg *a = arg;
	svc_change c;
	memset(&c, 0, sizeof c);
	RULE(svc_check_code("category", a->category, reason_, sizeof reason_));
	if (a->model) {
		RULE(svc_check_code("model", a->model, reason_, sizeof reason_));
		c.kind = SVC_CK_MODEL_PUT;
		TRY(SET(c.u.model_put.model, "model", a->model));
		TRY(SET(c.u.model_put.category, "category", a->category));
		svc_rules_model_agg(c.aggregate, a->model);
	} else {
		RULE(svc_check_code("code", a->code, reason_, sizeof reason_));
		c.kind = SVC_CK_FAULT_CODE_PUT;
		TRY(SET(c.u.fault_code_put.code, "code", a->code));
		TRY(SET(c.u.fault_code_put.category, "category", a->category));
		TRY(SET(c.u.fault_code_put.text, "text", a->text));
		svc_rules_fault_agg(c.aggregate, a->category, a->code);
	}
	return svc_apply_local(t, &c);
}

int svc_local_model_add(svc_store *s, const char *model, const char *category)
{
	struct model_arg a = {.model = model, .category = category};
	return svc_store_write(s, model_fn, &a);
}

int svc_local_fault_code_add(svc_store *s, const char *code, const char *category, const char *text)
{
	struct model_arg a = {.code = code, .category = category, .text = text};
	return svc_store_write(s, model_fn, &a);
}

struct override_arg {
	const char *product, *kind, *reason, *shop;
	char agg[SVC_AGG_LEN];
};

static int override_fn(svc_txn *t, void *arg)
{
	struct override_arg *a = arg;
	svc_change c;
	svc_self self;
	svc_ticket_override *b = &c.u.ticket_override;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_OVERRIDE;
	TRY(svc_self_get(t, &self));
	if (self.role == SVC_ROLE_SHOP)
		return svc_errf(SVC_EDENIED,
		                "shop %s may not record exceptions to the return and exchange "
		                "windows (its region or HQ)",
		                self.node);
	if (!given(a->product))
		return svc_errf(SVC_EINVAL, "product: required (a unit id U-... or a serial)");
	/* A unit this node holds gives its serial; anything else is the serial. */
	svc_unit u;
	int rc = a->product[0] == 'U' ? svc_fold_unit_get(t, a->product, &u) : SVC_ENOTFOUND;
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		TRY(SET(b->serial, "serial", a->product));
	} else {
		TRY(rc);
		TRY(SET(b->serial, "serial", u.serial));
	}
	if (!given(a->kind))
		return svc_errf(SVC_EINVAL, "kind: required (return or exchange)");
	TRY(svc_ticket_kind_parse(a->kind, &b->kind));
	if (!given(a->reason))
		return svc_errf(SVC_EINVAL, "reason: required (why the window is waived)");
	TRY(SET(b->reason, "reason", a->reason));
	if (given(a->shop)) {
		svc_node n;
		TRY(need_node(t, "shop", a->shop, SVC_ROLE_SHOP, &n));
		if (self.role == SVC_ROLE_REGION && strcmp(n.region, self.node) != 0)
			return svc_errf(SVC_EDENIED, "shop: %s is in region %s, not in %s", a->shop,
			                n.region, self.node);
		TRY(SET(b->shop, "shop", a->shop));
		TRY(SET(b->region, "region", n.region));
	} else if (self.role == SVC_ROLE_REGION) {
		TRY(SET(b->region, "region", self.node));
	} else {
		return svc_errf(SVC_EINVAL, "shop: required at HQ (the shop that opens it; its "
		                            "region is recorded)");
	}
	svc_rules_override_agg(c.aggregate, b->serial);
	TRY(svc_apply_local(t, &c));
	snprintf(a->agg, sizeof a->agg, "%s", c.aggregate);
	return 0;
}

int svc_local_ticket_override(svc_store *s, const char *product, const char *kind,
                              const char *reason, const char *shop, char agg[SVC_AGG_LEN])
{
	struct override_arg a = {.product = product, .kind = kind, .reason = reason, .shop = shop};
	int rc = svc_store_write(s, override_fn, &a);
	if (!rc && agg)
		snprintf(agg, SVC_AGG_LEN, "%s", a.agg);
	return rc;
}

struct rejudge_arg {
	const char *id;
	svc_ticket_rejudge out;
};

static int rejudge_fn(svc_txn *t, void *arg)
{
	struct rejudge_arg *a = arg;
	svc_change c;
	svc_self self;
	svc_policy pol;
	const svc_tz *tz;
	uint32_t today;
	svc_ticket_rejudge *b = &c.u.ticket_rejudge;
	svc_ticket *tk = malloc(sizeof *tk);
	if (!tk)
		return svc_errf(SVC_ENOMEM, "out of memory");
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_REJUDGE;
	int rc = svc_self_get(t, &self);
	if (rc)
		goto out;
	if (self.role == SVC_ROLE_SHOP) {
		rc = svc_errf(SVC_EDENIED, "shop %s may not re-judge tickets (its region or HQ)",
		              self.node);
		goto out;
	}
	rc = need_ticket(t, a->id, tk);
	if (rc)
		goto out;
	/* The version in force on the ticket's day (its creation in the
	 * network's zone for a ticket opened before the day was recorded). */
	rc = svc_local_policy_today(t, tk->created, &pol, &tz, &today);
	if (rc)
		goto out;
	if (tk->opened_on && tk->opened_on != today)
		rc = svc_fold_policy_at(t, tk->opened_on, &pol);
	if (!rc)
		rc = svc_fold_grade_get(t, tk->region, &b->grade);
	if (rc)
		goto out;
	b->policy_version = pol.version;
	b->onsite_hours = svc_policy_onsite_hours(&pol, b->grade);
	b->warranty_until = warranty_until(&pol, tk->category, tk->purchased);
	uint64_t due = svc_rules_onsite_due(tk->created, b->onsite_hours);
	if (b->policy_version == tk->policy_version && b->grade == tk->grade &&
	    b->warranty_until == tk->warranty_until && due == tk->onsite_due) {
		rc = svc_errf(SVC_ECONFLICT,
		              "ticket %s: already judged under policy version %" PRIu32
		              " and grade %s (nothing to re-judge)",
		              tk->id, tk->policy_version, svc_grade_name(tk->grade));
		goto out;
	}
	rc = SET(c.aggregate, "ticket", a->id);
	if (!rc)
		rc = svc_apply_local(t, &c);
	if (!rc)
		a->out = *b;
out:
	free(tk);
	return rc;
}

int svc_local_ticket_rejudge(svc_store *s, const char *id, svc_ticket_rejudge *out)
{
	struct rejudge_arg a = {.id = id};
	int rc = svc_store_write(s, rejudge_fn, &a);
	if (!rc && out)
		*out = a.out;
	return rc;
}

/* ------------------------------------------------------------ out-of-warranty work */

struct charge_arg {
	const svc_claim_request *r;
	int64_t total;
};

static int charge_fn(svc_txn *t, void *arg)
{
	struct charge_arg *a = arg;
	const svc_claim_request *r = a->r;
	svc_self self;
	svc_change c;
	svc_ticket_charge *b = &c.u.ticket_charge;
	svc_claim_submit *lines = malloc(sizeof *lines);
	svc_ticket *tk = malloc(sizeof *tk);
	int rc = 0;
	if (!lines || !tk) {
		rc = svc_errf(SVC_ENOMEM, "out of memory");
		goto out;
	}
	rc = svc_self_get(t, &self);
	if (!rc && self.role != SVC_ROLE_SHOP)
		rc = svc_errf(SVC_EDENIED,
		              "charge: only the ticket's assigned shop charges the customer (this "
		              "node is %s %s)",
		              svc_role_name(self.role), self.node);
	if (!rc)
		rc = need_ticket(t, r->ticket, tk);
	if (!rc && strcmp(tk->shop, self.node) != 0)
		rc = svc_errf(SVC_EDENIED, "ticket %s: assigned to %s, not to this shop (%s)",
		              tk->id, tk->shop[0] ? tk->shop : "no shop", self.node);
	if (!rc && r->labor == 0 && r->travel == 0 && r->nparts == 0)
		rc = svc_errf(SVC_EINVAL, "charge: nothing to charge (give --labor, --part or "
		                          "--travel)");
	if (rc)
		goto out;
	/* Parts priced from the catalog as a claim's are; the rules hold every
	 * line and the total to SVC_CLAIM_FEN_MAX. */
	memset(lines, 0, sizeof *lines);
	rc = claim_lines(t, r, lines, true);
	if (rc)
		goto out;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_CHARGE;
	b->labor = lines->labor;
	b->travel = lines->travel;
	b->nparts = lines->nparts;
	memcpy(b->parts, lines->parts, sizeof b->parts);
	b->total = lines->total;
	rc = SET(c.aggregate, "ticket", tk->id);
	if (!rc)
		rc = svc_apply_local(t, &c);
	if (!rc)
		a->total = b->total;
out:
	free(lines);
	free(tk);
	return rc;
}

int svc_local_ticket_charge(svc_store *s, const svc_claim_request *r, int64_t *total)
{
	struct charge_arg a = {.r = r};
	int rc = svc_store_write(s, charge_fn, &a);
	if (!rc && total)
		*total = a.total;
	return rc;
}

struct allow_arg {
	const char *id, *reason;
};

static int allow_fn(svc_txn *t, void *arg)
{
	struct allow_arg *a = arg;
	svc_self self;
	svc_change c;
	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED,
		                "%s %s may not allow claims on customer-paid tickets (HQ only)",
		                svc_role_name(self.role), self.node);
	if (!a->reason || !a->reason[0])
		return svc_errf(SVC_EINVAL, "reason: required (why HQ pays for this ticket)");
	svc_ticket *tk = malloc(sizeof *tk);
	if (!tk)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = need_ticket(t, a->id, tk);
	free(tk);
	if (rc)
		return rc;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CLAIM_ALLOW;
	TRY(SET(c.aggregate, "ticket", a->id));
	TRY(SET(c.u.claim_allow.reason, "reason", a->reason));
	return svc_apply_local(t, &c);
}

int svc_local_claim_allow(svc_store *s, const char *ticket, const char *reason)
{
	struct allow_arg a = {.id = ticket, .reason = reason};
	return svc_store_write(s, allow_fn, &a);
}

struct grade_arg {
	const char *region, *grade;
};

static int grade_fn(svc_txn *t, void *arg)
{
	const struct grade_arg *a = arg;
	svc_change c;
	svc_node n;
	memset(&c, 0, sizeof c);
	TRY(need_node(t, "region", a->region, SVC_ROLE_REGION, &n));
	c.kind = SVC_CK_REGION_GRADE;
	TRY(SET(c.u.region_grade.region, "region", a->region));
	TRY(svc_grade_parse(a->grade, &c.u.region_grade.grade));
	svc_rules_grade_agg(c.aggregate, a->region);
	return svc_apply_local(t, &c);
}

int svc_local_region_grade(svc_store *s, const char *region, const char *grade)
{
	struct grade_arg a = {.region = region, .grade = grade};
	return svc_store_write(s, grade_fn, &a);
}

struct policy_arg {
	const char *const *items;
	size_t n;
	const char *from;
	uint32_t version;
};

static int policy_put(svc_policy_set *b, const char *key, const char *value)
{
	for (uint32_t i = 0; i < b->nentries; i++) {
		if (strcmp(b->entries[i].key, key) == 0) {
			TRY(SET(b->entries[i].value, key, value));
			return 0;
		}
	}
	if (b->nentries >= SVC_POLICY_ENTRIES_MAX)
		return svc_errf(SVC_EINVAL, "%s: a policy holds at most %d keys", key,
		                SVC_POLICY_ENTRIES_MAX);
	svc_policy_entry *e = &b->entries[b->nentries];
	TRY(SET(e->key, "key", key));
	TRY(SET(e->value, key, value));
	b->nentries++;
	return 0;
}

static int policy_fn(svc_txn *t, void *arg)
{
	struct policy_arg *a = arg;
	svc_change c;
	svc_policy latest, today;
	const svc_tz *tz;
	uint32_t day, from;
	memset(&c, 0, sizeof c);
	if (a->n == 0)
		return svc_errf(SVC_EINVAL, "policy: give at least one KEY=VALUE");
	RULE(svc_parse_date("from", a->from, &from, reason_, sizeof reason_));
	TRY(svc_local_policy_today(t, svc_journal_now_ms(), &today, &tz, &day));
	if (from <= day) {
		char d[16];
		svc_date_format((int32_t)day, d, sizeof d);
		return svc_errf(SVC_EINVAL,
		                "from: %s is not after today (%s in %s); a policy takes effect "
		                "from tomorrow or later",
		                a->from, d, svc_policy_time_zone(&today));
	}
	TRY(svc_fold_policy_latest(t, &latest));
	svc_policy_set *b = &c.u.policy_set;
	b->nentries = latest.nentries;
	memcpy(b->entries, latest.entries, sizeof b->entries);
	for (size_t i = 0; i < a->n; i++) {
		const char *eq = strchr(a->items[i], '=');
		char key[SVC_POLICY_KEY_LEN];
		if (!eq || eq == a->items[i] || (size_t)(eq - a->items[i]) >= sizeof key)
			return svc_errf(SVC_EINVAL, "policy: '%s' is not KEY=VALUE", a->items[i]);
		memcpy(key, a->items[i], (size_t)(eq - a->items[i]));
		key[eq - a->items[i]] = '\0';
		RULE(svc_policy_check_entry(key, eq + 1, reason_, sizeof reason_));
		if (strcmp(key, "time_zone") == 0) {
			svc_tz *zone = NULL; /* the zone must exist here to be set */
			TRY(svc_tz_load(&zone, eq + 1));
			svc_tz_destroy(&zone);
		}
		TRY(policy_put(b, key, eq + 1));
	}
	b->version = latest.version + 1;
	b->from = from;
	c.kind = SVC_CK_POLICY_SET;
	svc_rules_policy_agg(c.aggregate, b->version);
	a->version = b->version;
	return svc_apply_local(t, &c);
}

int svc_local_policy_set(svc_store *s, const char *const *items, size_t n, const char *from,
                         uint32_t *version)
{
	struct policy_arg a = {.items = items, .n = n, .from = from};
	int rc = svc_store_write(s, policy_fn, &a);
	if (rc == 0 && version)
		*version = a.version;
	return rc;
}

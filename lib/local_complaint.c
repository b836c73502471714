/*
 * local_complaint: the svc_local operations on complaints (投诉), see
 * svc_local.h.
 *
 * The desk checks what only the writing node can know: that the shop is a
 * shop of this region in the directory, that the ticket is held here and is
 * that shop's, which customer file the complainant is (found by phone or
 * created, as a ticket does: svc_local_ticket_link), and the deadline the
 * policy in force today gives the severity. The rules and the fold judge
 * the rest (who may move the status, the order of statuses), the same way
 * at every node.
 */
#include "svc_local.h"

#include "local_impl.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shop complained about: a shop of the directory, of this region when a
 * region writes. */
static int against_shop(svc_txn *t, const svc_self *self, const char *shop, svc_node *n)
{
	char why[SVC_REASON_LEN];
	if (svc_check_node_id("against", shop, why, sizeof why))
		return svc_errf(SVC_EINVAL, "%s", why);
	int rc = svc_fold_node_get(t, shop, n);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "against: unknown shop %s (not in this node's directory)",
		                shop);
	TRY(rc);
	if (n->role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EINVAL, "against: %s is a %s, not a shop", shop,
		                svc_role_name(n->role));
	if (self->role == SVC_ROLE_REGION && strcmp(n->region, self->node) != 0)
		return svc_errf(SVC_EDENIED,
		                "against: shop %s is in region %s, not in this region (%s)", shop,
		                n->region[0] ? n->region : "none", self->node);
	return 0;
}

static int complaint_fill(svc_txn *t, const svc_self *self, const svc_complaint_fields *f,
                          svc_complaint_open *b)
{
	svc_node shop;
	svc_ticket tk;
	memset(b, 0, sizeof *b);
	memset(&tk, 0, sizeof tk);
	if (self->role == SVC_ROLE_SHOP)
		return svc_errf(SVC_EDENIED, "shop %s may not open complaints (its region or HQ)",
		                self->node);
	if (!given(f->against) && !given(f->ticket))
		return svc_errf(SVC_EINVAL, "against: required (the shop complained about), or "
		                            "--ticket");
	if (given(f->ticket)) {
		if (!svc_rules_is_seq_id(f->ticket, 'T'))
			return svc_errf(SVC_EINVAL,
			                "ticket: '%s' is not a ticket id (T-<node>-<seq>)",
			                f->ticket);
		TRY(svc_fold_ticket_get(t, f->ticket, &tk));
		if (given(f->against) && strcmp(tk.shop, f->against) != 0 &&
		    strcmp(tk.opened_by, f->against) != 0)
			return svc_errf(SVC_EINVAL, "ticket: %s is %s's, not shop %s's", tk.id,
			                tk.shop[0] ? tk.shop : "no shop", f->against);
		TRY(SET(b->ticket, "ticket", tk.id));
		TRY(SET(b->region, "region", tk.region));
		if (!given(f->against))
			TRY(SET(b->shop, "against", tk.shop));
	}
	if (given(f->against)) {
		TRY(against_shop(t, self, f->against, &shop));
		if (b->region[0] && strcmp(b->region, shop.region) != 0)
			return svc_errf(SVC_EINVAL, "ticket: %s is of region %s, shop %s of %s",
			                b->ticket, b->region, f->against, shop.region);
		TRY(SET(b->shop, "against", f->against));
		TRY(SET(b->region, "region", shop.region));
	}
	if (self->role == SVC_ROLE_REGION && strcmp(b->region, self->node) != 0)
		return svc_errf(SVC_EDENIED, "ticket: %s is of region %s, not this region (%s)",
		                b->ticket, b->region, self->node);
	if (!b->region[0])
		return svc_errf(SVC_EINVAL, "against: shop %s has no region", b->shop);

	/* The complainant: a customer file, by id, or found or created from a
	 * name and phone exactly as a ticket's customer is; else the ticket's. */
	if (given(f->customer_id) || given(f->phone)) {
		svc_ticket_open link;
		memset(&link, 0, sizeof link);
		TRY(SET(link.customer, "customer", f->customer));
		TRY(SET(link.phone, "phone", f->phone));
		TRY(svc_local_ticket_link(t, &link, f->customer_id, NULL, NULL));
		TRY(SET(b->customer_id, "customer_id", link.customer_id));
	} else if (b->ticket[0] && tk.customer_id[0]) {
		TRY(SET(b->customer_id, "customer_id", tk.customer_id));
	} else {
		return svc_errf(SVC_EINVAL, "customer: required (--customer-id, or --customer and "
		                            "--phone)");
	}

	if (!given(f->category))
		return svc_errf(SVC_EINVAL, "category: required (free text, at most %d characters)",
		                SVC_COMPLAINT_CATEGORY_CHARS);
	TRY(SET(b->category, "category", f->category));
	if (!given(f->severity))
		return svc_errf(SVC_EINVAL, "severity: required (low, normal or high)");
	TRY(svc_complaint_severity_parse(f->severity, &b->severity));
	if (given(f->channel))
		TRY(svc_channel_parse(f->channel, &b->channel));
	if (!given(f->text))
		return svc_errf(SVC_EINVAL, "text: required (what the customer complains about)");
	TRY(SET(b->text, "text", f->text));

	/* The deadline's inputs, from the policy in force today. */
	svc_policy pol;
	const struct svc_tz *tz;
	uint32_t today;
	char key[SVC_POLICY_KEY_LEN];
	TRY(svc_local_policy_today(t, svc_journal_now_ms(), &pol, &tz, &today));
	snprintf(key, sizeof key, "complaint_days.%s", svc_complaint_severity_name(b->severity));
	b->policy_version = pol.version;
	b->days = svc_policy_days(&pol, key);
	b->opened_on = today;
	return 0;
}

struct open_arg {
	const svc_complaint_fields *f;
	char id[SVC_AGG_LEN];
};

static int open_fn(svc_txn *t, void *arg)
{
	struct open_arg *a = arg;
	svc_self self;
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_COMPLAINT_OPEN;
	TRY(svc_self_get(t, &self));
	TRY(complaint_fill(t, &self, a->f, &c.u.complaint_open));
	TRY(svc_apply_local(t, &c));
	snprintf(a->id, sizeof a->id, "%s", c.aggregate);
	return 0;
}

int svc_local_complaint_new(svc_store *s, const svc_complaint_fields *f, char id[SVC_AGG_LEN])
{
	struct open_arg a = {.f = f};
	int rc = svc_store_write(s, open_fn, &a);
	if (!rc && id)
		snprintf(id, SVC_AGG_LEN, "%s", a.id);
	return rc;
}

/* Status, note and statement: the complaint must be held here; the rules
 * judge who may and in which order. */
struct change_arg {
	const char *id;
	svc_change_kind kind;
	const char *status, *finding, *responsible, *remedy, *text;
};

static int status_body(svc_txn *t, const struct change_arg *a, const svc_complaint *k,
                       svc_complaint_status_body *b)
{
	if (!given(a->status))
		return svc_errf(SVC_EINVAL,
		                "status: required (investigating, escalated, concluded, "
		                "confirmed or closed)");
	TRY(svc_complaint_status_parse(a->status, &b->status));
	if (b->status == SVC_KS_RECEIVED)
		return svc_errf(SVC_EINVAL, "status: received is where a complaint starts, not a "
		                            "step");
	bool concluded = b->status == SVC_KS_CONCLUDED;
	if (!concluded && (given(a->finding) || given(a->responsible) || given(a->remedy)))
		return svc_errf(SVC_EINVAL,
		                "finding: --finding, --responsible and --remedy go with concluded");
	if (!concluded)
		return 0;
	if (!given(a->finding))
		return svc_errf(SVC_EINVAL,
		                "finding: required to conclude (substantiated or unsubstantiated)");
	TRY(svc_complaint_finding_parse(a->finding, &b->finding));
	if (given(a->responsible)) {
		svc_self self;
		svc_node n;
		TRY(svc_self_get(t, &self));
		TRY(against_shop(t, &self, a->responsible, &n));
		if (strcmp(n.region, k->region) != 0)
			return svc_errf(SVC_EINVAL, "responsible: shop %s is not of region %s",
			                a->responsible, k->region);
		TRY(SET(b->responsible, "responsible", a->responsible));
	}
	return SET(b->remedy, "remedy", a->remedy);
}

static int change_fn(svc_txn *t, void *arg)
{
	const struct change_arg *a = arg;
	svc_complaint k;
	svc_change c;
	if (!given(a->id))
		return svc_errf(SVC_EINVAL, "complaint: required (a complaint id, K-<node>-<seq>)");
	TRY(svc_fold_complaint_get(t, a->id, &k));
	memset(&c, 0, sizeof c);
	c.kind = a->kind;
	TRY(SET(c.aggregate, "complaint", k.id));
	switch (a->kind) {
	case SVC_CK_COMPLAINT_STATUS:
		TRY(status_body(t, a, &k, &c.u.complaint_status));
		break;
	case SVC_CK_COMPLAINT_NOTE:
		TRY(SET(c.u.complaint_note.text, "text", a->text));
		break;
	default:
		TRY(SET(c.u.complaint_statement.text, "text", a->text));
		break;
	}
	return svc_apply_local(t, &c);
}

int svc_local_complaint_status(svc_store *s, const char *id, const char *status,
                               const char *finding, const char *responsible, const char *remedy)
{
	struct change_arg a = {.id = id,
	                       .kind = SVC_CK_COMPLAINT_STATUS,
	                       .status = status,
	                       .finding = finding,
	                       .responsible = responsible,
	                       .remedy = remedy};
	return svc_store_write(s, change_fn, &a);
}

int svc_local_complaint_note(svc_store *s, const char *id, const char *text)
{
	struct change_arg a = {.id = id, .kind = SVC_CK_COMPLAINT_NOTE, .text = text};
	return svc_store_write(s, change_fn, &a);
}

int svc_local_complaint_statement(svc_store *s, const char *id, const char *text)
{
	struct change_arg a = {.id = id, .kind = SVC_CK_COMPLAINT_STATEMENT, .text = text};
	return svc_store_write(s, change_fn, &a);
}

/* ------------------------------------------------------------ escalation */

/* Open complaints past their deadline, escalated by the daemon. A region
 * escalates its own as soon as the deadline passes; HQ those of any region
 * still not escalated a grace period later (the region's own escalation,
 * made offline, may still be on its way). At most ESCALATE_BATCH per call,
 * the most overdue first; the rest on the next call. */
#define ESCALATE_BATCH 64

struct overdue_arg {
	svc_txn *t;
	uint64_t cutoff;
	char ids[ESCALATE_BATCH][SVC_AGG_LEN];
	size_t n;
	int rc;
};

static int overdue_step(const char *value, const char *agg, void *argp)
{
	struct overdue_arg *a = argp;
	const char *slash = strrchr(value, '/');
	uint64_t due = strtoull(slash ? slash + 1 : value, NULL, 10); /* decimal, 16 wide */
	if (due > a->cutoff)
		return 1; /* the rest are not overdue yet */
	svc_complaint k;
	a->rc = svc_fold_complaint_get(a->t, agg, &k);
	if (a->rc)
		return 1;
	if (!k.escalated && k.status < SVC_KS_CONCLUDED)
		snprintf(a->ids[a->n++], SVC_AGG_LEN, "%s", agg);
	return a->n == ESCALATE_BATCH;
}

struct escalate_arg {
	uint64_t now, grace_ms;
	size_t done;
};

static int escalate_fn(svc_txn *t, void *argp)
{
	struct escalate_arg *e = argp;
	svc_self self;
	char prefix[SVC_FOLD_INDEX_VALUE_LEN];
	TRY(svc_self_get(t, &self));
	if (self.role != SVC_ROLE_REGION && self.role != SVC_ROLE_HQ)
		return 0;
	struct overdue_arg *a = calloc(1, sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	int rc;
	if (self.role == SVC_ROLE_REGION) {
		a->cutoff = e->now;
		snprintf(prefix, sizeof prefix, "%s/", self.node);
		rc = svc_fold_index_each(t, SVC_INDEX_COMPLAINT_DUE_REGION, prefix, true,
		                         overdue_step, a);
	} else {
		a->cutoff = e->now > e->grace_ms ? e->now - e->grace_ms : 0;
		rc = svc_fold_index_each(t, SVC_INDEX_COMPLAINT_DUE, "", true, overdue_step, a);
	}
	if (rc >= 0)
		rc = a->rc;
	for (size_t i = 0; rc >= 0 && i < a->n; i++) {
		svc_change c;
		memset(&c, 0, sizeof c);
		c.kind = SVC_CK_COMPLAINT_STATUS;
		snprintf(c.aggregate, sizeof c.aggregate, "%s", a->ids[i]);
		c.u.complaint_status.status = SVC_KS_ESCALATED;
		rc = svc_apply_local(t, &c);
		if (rc == 0)
			e->done++;
	}
	free(a);
	return rc < 0 ? rc : 0;
}

int svc_local_complaint_escalate_overdue(svc_store *s, uint64_t now_ms, uint64_t grace_ms,
                                         size_t *done)
{
	struct escalate_arg e = {.now = now_ms, .grace_ms = grace_ms};
	int rc = svc_store_write(s, escalate_fn, &e);
	if (done)
		*done = rc ? 0 : e.done;
	return rc;
}

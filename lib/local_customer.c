/*
 * local_customer: the svc_local operations on customer files and product
 * units (svc_local.h), kept beside the ticket operations that use them.
 *
 * Lookups go through the fold's index database (phone digits, serials), so
 * finding a customer by phone costs a few index entries, not a scan. A
 * merged record is found under its own phone too, and is then replaced by
 * its survivor: the desk always works on the surviving file.
 */
#include "svc_local.h"

#include "local_impl.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* snprintf(dst, SVC_AGG_LEN, "%s", id) without parsing a format (a bulk
 * import copies several ids per line). */
static void copy_id(char dst[SVC_AGG_LEN], const char *id)
{
	size_t n = strnlen(id, SVC_AGG_LEN - 1);
	memmove(dst, id, n);
	dst[n] = '\0';
}

/* A date not after today in the network's time zone (the policy's, never
 * the host's). */
static int past_date(svc_txn *t, const char *field, const char *s, uint32_t *out)
{
	svc_policy pol;
	const struct svc_tz *tz;
	uint32_t today;
	*out = 0;
	if (!given(s))
		return 0;
	RULE(svc_parse_date(field, s, out, reason_, sizeof reason_));
	TRY(svc_local_policy_today(t, svc_journal_now_ms(), &pol, &tz, &today));
	if (*out > today) {
		char d[16];
		svc_date_format((int32_t)today, d, sizeof d);
		return svc_errf(SVC_EINVAL, "%s: %s is in the future (today is %s in %s)", field, s,
		                d, svc_tz_name(tz));
	}
	return 0;
}

static int fill_customer(svc_customer_put *b, const svc_customer_fields *f, bool create)
{
	memset(b, 0, sizeof *b);
	if (create || f->name) {
		b->fields |= SVC_CF_NAME;
		TRY(SET(b->name, "name", f->name));
	}
	if (f->nphones > SVC_PHONES_MAX)
		return svc_errf(SVC_EINVAL, "phone: %zu numbers, at most %d", f->nphones,
		                SVC_PHONES_MAX);
	if (create || f->nphones) {
		b->fields |= SVC_CF_PHONES;
		for (size_t i = 0; i < f->nphones; i++)
			TRY(SET(b->phones[i], "phone", f->phones[i]));
	}
	if (create || f->address) {
		b->fields |= SVC_CF_ADDRESS;
		TRY(SET(b->address, "address", f->address));
	}
	if (create || f->tier) {
		b->fields |= SVC_CF_TIER;
		b->tier = SVC_TIER_REGULAR;
		if (f->tier)
			TRY(svc_customer_tier_parse(f->tier, &b->tier));
	}
	if (!b->fields)
		return svc_errf(SVC_EINVAL, "customer edit: no field to change (--name, --phone, "
		                            "--address or --tier)");
	return 0;
}

int svc_local_customer_new_txn(svc_txn *t, const svc_customer_fields *f, char id[SVC_AGG_LEN])
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CUSTOMER_PUT;
	TRY(fill_customer(&c.u.customer_put, f, true));
	TRY(svc_apply_local(t, &c));
	if (id)
		copy_id(id, c.aggregate);
	return 0;
}

struct customer_arg {
	const svc_customer_fields *f;
	const char *id, *into;
	char out[SVC_AGG_LEN];
};

static int customer_new_fn(svc_txn *t, void *arg)
{
	struct customer_arg *a = arg;
	return svc_local_customer_new_txn(t, a->f, a->out);
}

int svc_local_customer_new(svc_store *s, const svc_customer_fields *f, char id[SVC_AGG_LEN])
{
	struct customer_arg a = {.f = f};
	int rc = svc_store_write(s, customer_new_fn, &a);
	if (!rc && id)
		snprintf(id, SVC_AGG_LEN, "%s", a.out);
	return rc;
}

static int need_customer(svc_txn *t, const char *field, const char *id, svc_customer *out)
{
	if (!given(id))
		return svc_errf(SVC_EINVAL, "%s: required (a customer id, C-<node>-<seq>)", field);
	if (!svc_rules_is_seq_id(id, 'C'))
		return svc_errf(SVC_EINVAL, "%s: '%s' is not a customer id (C-<node>-<seq>)", field,
		                id);
	return svc_fold_customer_get(t, id, out);
}

static int need_unit(svc_txn *t, const char *field, const char *id, svc_unit *out)
{
	if (!given(id))
		return svc_errf(SVC_EINVAL, "%s: required (a product unit id, U-<node>-<seq>)",
		                field);
	if (!svc_rules_is_seq_id(id, 'U'))
		return svc_errf(SVC_EINVAL, "%s: '%s' is not a product unit id (U-<node>-<seq>)",
		                field, id);
	return svc_fold_unit_get(t, id, out);
}

static int customer_edit_fn(svc_txn *t, void *arg)
{
	struct customer_arg *a = arg;
	svc_customer cu;
	svc_change c;
	TRY(need_customer(t, "id", a->id, &cu));
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CUSTOMER_PUT;
	TRY(fill_customer(&c.u.customer_put, a->f, false));
	TRY(SET(c.aggregate, "id", a->id));
	return svc_apply_local(t, &c);
}

int svc_local_customer_edit(svc_store *s, const char *id, const svc_customer_fields *f)
{
	struct customer_arg a = {.f = f, .id = id};
	return svc_store_write(s, customer_edit_fn, &a);
}

static int merge_precheck(const char *what, const char *dup, const char *dup_merged,
                          const char *into, const char *into_merged)
{
	if (strcmp(dup, into) == 0)
		return svc_errf(SVC_EINVAL, "into: a %s cannot be merged into itself", what);
	if (dup_merged[0])
		return svc_errf(SVC_ECONFLICT, "%s %s: already merged into %s", what, dup,
		                dup_merged);
	if (strcmp(into_merged, dup) == 0)
		return svc_errf(
		    SVC_ECONFLICT,
		    "into: merging %s into %s would make a cycle (%s is merged into %s)", dup, into,
		    into, dup);
	if (into_merged[0])
		return svc_errf(SVC_ECONFLICT,
		                "into: %s %s is itself merged into %s (merge into %s)", what, into,
		                into_merged, into_merged);
	return 0;
}

static int customer_merge_fn(svc_txn *t, void *arg)
{
	struct customer_arg *a = arg;
	svc_customer d, v;
	svc_change c;
	TRY(need_customer(t, "id", a->id, &d));
	TRY(need_customer(t, "into", a->into, &v));
	TRY(merge_precheck("customer", d.id, d.merged_into, v.id, v.merged_into));
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CUSTOMER_MERGE;
	TRY(SET(c.aggregate, "id", a->id));
	TRY(SET(c.u.customer_merge.into, "into", a->into));
	return svc_apply_local(t, &c);
}

int svc_local_customer_merge(svc_store *s, const char *dup, const char *into)
{
	struct customer_arg a = {.id = dup, .into = into};
	return svc_store_write(s, customer_merge_fn, &a);
}

static int unit_merge_fn(svc_txn *t, void *arg)
{
	struct customer_arg *a = arg;
	svc_unit d, v;
	svc_change c;
	TRY(need_unit(t, "id", a->id, &d));
	TRY(need_unit(t, "into", a->into, &v));
	TRY(merge_precheck("unit", d.id, d.merged_into, v.id, v.merged_into));
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_UNIT_MERGE;
	TRY(SET(c.aggregate, "id", a->id));
	TRY(SET(c.u.unit_merge.into, "into", a->into));
	return svc_apply_local(t, &c);
}

int svc_local_unit_merge(svc_store *s, const char *dup, const char *into)
{
	struct customer_arg a = {.id = dup, .into = into};
	return svc_store_write(s, unit_merge_fn, &a);
}

/* owner_held: the caller has just found or created the owner in this
 * transaction, so it is not read again. */
static int unit_new(svc_txn *t, const svc_unit_fields *f, bool owner_held, char id[SVC_AGG_LEN])
{
	svc_change c;
	svc_unit_put *b = &c.u.unit_put;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_UNIT_PUT;
	b->fields = SVC_UF_ALL_;
	if (!given(f->serial))
		return svc_errf(SVC_EINVAL, "serial: required for a product unit");
	TRY(SET(b->serial, "serial", f->serial));
	TRY(SET(b->model, "model", f->model));
	TRY(past_date(t, "purchased", f->purchased, &b->purchased));
	TRY(past_date(t, "installed", f->installed, &b->installed));
	if (b->installed && b->purchased && b->installed < b->purchased)
		return svc_errf(SVC_EINVAL, "installed: %s is before the purchase date %s",
		                f->installed, f->purchased);
	if (given(f->owner)) {
		svc_customer cu;
		if (!owner_held)
			TRY(need_customer(t, "owner", f->owner, &cu));
		TRY(SET(b->owner, "owner", f->owner));
	}
	TRY(svc_apply_local(t, &c));
	if (id)
		copy_id(id, c.aggregate);
	return 0;
}

int svc_local_unit_new_txn(svc_txn *t, const svc_unit_fields *f, char id[SVC_AGG_LEN])
{
	return unit_new(t, f, false, id);
}

/* ------------------------------------------------------------ lookups */

struct lookup_arg {
	svc_txn *t;
	int type;
	char (*ids)[SVC_AGG_LEN];
	size_t max, n;
	int rc;
	uint64_t held;
};

/* The survivor of a record: follow the pointers (acyclic, see svc_fold.c),
 * at most a bounded number of hops against a damaged store, as far as this
 * node holds the files: a shop may hold a duplicate (its ticket refers to
 * it) without the file it was merged into, and then works on the
 * duplicate, which the region and HQ gather under the survivor. Each hop
 * reads the record's merged_into alone, not the whole file. *found: the
 * record out names is held here (NULL: not asked). */
static int survivor_of(svc_txn *t, int type, const char *id, char out[SVC_AGG_LEN], bool *found)
{
	char cur[SVC_AGG_LEN];
	bool have = false;
	copy_id(out, id);
	copy_id(cur, id);
	for (int hop = 0; hop < 64; hop++) {
		char next[SVC_AGG_LEN];
		bool held = false;
		int rc = svc_fold_merged_into(t, type, cur, next, &held);
		if (rc)
			return rc;
		if (!held)
			break; /* out stays the last file held here */
		memcpy(out, cur, SVC_AGG_LEN);
		have = true;
		if (!next[0])
			break;
		memcpy(cur, next, SVC_AGG_LEN);
	}
	if (found)
		*found = have;
	return 0;
}

static int lookup_step(const char *value, const char *agg, void *argp)
{
	struct lookup_arg *a = argp;
	char root[SVC_AGG_LEN];
	bool found;
	(void)value;
	a->rc = survivor_of(a->t, a->type, agg, root, &found);
	if (a->rc)
		return 1;
	size_t n = a->n < a->max ? a->n : a->max;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->ids[i], root) == 0)
			return 0;
	if (a->n < a->max) {
		memcpy(a->ids[a->n], root, SVC_AGG_LEN);
		if (found && a->n < 64)
			a->held |= 1ull << a->n;
	}
	a->n++;
	return 0;
}

/* held: bit i set when ids[i] is a record held here (a bulk import then
 * does not read it again). */
static int lookup_held(svc_txn *t, int type, const char *index, const char *value,
                       char (*ids)[SVC_AGG_LEN], size_t max, size_t *n, uint64_t *held)
{
	struct lookup_arg a = {t, type, ids, max, 0, 0, 0};
	int rc = svc_fold_index_each(t, index, value, false, lookup_step, &a);
	if (a.rc)
		return a.rc;
	if (rc < 0)
		return rc;
	*n = a.n;
	if (held)
		*held = a.held;
	return 0;
}

static int lookup(svc_txn *t, int type, const char *index, const char *value,
                  char (*ids)[SVC_AGG_LEN], size_t max, size_t *n)
{
	return lookup_held(t, type, index, value, ids, max, n, NULL);
}

static int by_phone(svc_txn *t, const char *phone, char (*ids)[SVC_AGG_LEN], size_t max, size_t *n,
                    uint64_t *held)
{
	char d[SVC_PHONE_LEN];
	*n = 0;
	RULE(svc_check_phone("phone", phone, reason_, sizeof reason_));
	svc_rules_phone_digits(d, phone);
	return lookup_held(t, SVC_AGG_CUSTOMER, SVC_INDEX_CUSTOMER_PHONE, d, ids, max, n, held);
}

int svc_local_customer_by_phone(svc_txn *t, const char *phone, char (*ids)[SVC_AGG_LEN], size_t max,
                                size_t *n)
{
	return by_phone(t, phone, ids, max, n, NULL);
}

int svc_local_unit_by_serial(svc_txn *t, const char *serial, char (*ids)[SVC_AGG_LEN], size_t max,
                             size_t *n)
{
	char v[SVC_FOLD_INDEX_VALUE_LEN];
	size_t len = strlen(serial);
	*n = 0;
	if (!len)
		return svc_errf(SVC_EINVAL, "serial: must not be empty");
	if (len >= sizeof v)
		len = sizeof v - 1;
	for (size_t i = 0; i < len; i++)
		v[i] = (char)(serial[i] >= 'A' && serial[i] <= 'Z' ? serial[i] - 'A' + 'a'
		                                                   : serial[i]);
	v[len] = '\0';
	return lookup(t, SVC_AGG_UNIT, SVC_INDEX_UNIT_SERIAL, v, ids, max, n);
}

struct group_arg {
	char (*ids)[SVC_AGG_LEN];
	size_t max, n;
};

static int group_step(const char *value, const char *agg, void *argp)
{
	struct group_arg *a = argp;
	(void)value;
	/* acyclic (svc_fold.c), but a damaged store must not loop */
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->ids[i], agg) == 0)
			return 0;
	if (a->n >= a->max)
		return 1;
	snprintf(a->ids[a->n++], SVC_AGG_LEN, "%s", agg);
	return 0;
}

int svc_local_merge_group(svc_txn *t, int type, const char *id, char root[SVC_AGG_LEN],
                          char (*ids)[SVC_AGG_LEN], size_t max, size_t *n)
{
	const char *index =
	    type == SVC_AGG_CUSTOMER ? SVC_INDEX_CUSTOMER_MERGED : SVC_INDEX_UNIT_MERGED;
	svc_customer cu;
	svc_unit u;
	*n = 0;
	TRY(type == SVC_AGG_CUSTOMER ? svc_fold_customer_get(t, id, &cu)
	                             : svc_fold_unit_get(t, id, &u));
	TRY(survivor_of(t, type, id, root, NULL));
	if (max == 0)
		return 0;
	struct group_arg a = {ids, max, 1};
	snprintf(ids[0], SVC_AGG_LEN, "%s", root);
	for (size_t i = 0; i < a.n && a.n < max; i++) {
		char cur[SVC_AGG_LEN];
		snprintf(cur, sizeof cur, "%s", ids[i]);
		int rc = svc_fold_index_each(t, index, cur, false, group_step, &a);
		if (rc < 0)
			return rc;
	}
	*n = a.n;
	return 0;
}

/* ------------------------------------------------------------ tickets */

static int one_of(const char *what, const char *field, const char *value, char (*ids)[SVC_AGG_LEN],
                  size_t n)
{
	char list[4 * SVC_AGG_LEN];
	size_t used = 0;
	list[0] = '\0';
	for (size_t i = 0; i < n && i < 4; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", ids[i]);
		if (w > 0 && (size_t)w < sizeof list - used)
			used += (size_t)w;
	}
	return svc_errf(SVC_ECONFLICT, "%s: %zu %s under %s here (%s%s): give --%s-id", field, n,
	                what, value, list, n > 4 ? ", ..." : "",
	                strcmp(what, "customers") == 0 ? "customer" : "unit");
}

/* A unit's model names a model of HQ's list when it was entered as one;
 * free text (an older unit) is left to --model. */
static void unit_model(svc_txn *t, svc_ticket_open *b, const char *model)
{
	svc_model m;
	char why[SVC_REASON_LEN];
	if (!model[0] || svc_check_code("model", model, why, sizeof why) != 0)
		return;
	if (svc_fold_model_get(t, model, &m) == 0)
		snprintf(b->model, sizeof b->model, "%s", m.model);
}

/* YYYYMMDD as "%04u-%02u-%02u" spells it, without parsing a format. */
static void date_text(char out[16], uint32_t ymd)
{
	unsigned y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	if (y > 9999) {
		snprintf(out, 16, "%04u-%02u-%02u", y, m, d);
		return;
	}
	const char v[10] = {(char)('0' + y / 1000),
	                    (char)('0' + y / 100 % 10),
	                    (char)('0' + y / 10 % 10),
	                    (char)('0' + y % 10),
	                    '-',
	                    (char)('0' + m / 10),
	                    (char)('0' + m % 10),
	                    '-',
	                    (char)('0' + d / 10),
	                    (char)('0' + d % 10)};
	memcpy(out, v, sizeof v);
	out[sizeof v] = '\0';
}

/* judged: the body was judged already (a bulk import's line), so the
 * unit's dates and model are not read into it. */
static int link(svc_txn *t, svc_ticket_open *b, const char *customer_id, const char *model,
                const char *installed, bool judged)
{
	char ids[8][SVC_AGG_LEN], cid[SVC_AGG_LEN], uid[SVC_AGG_LEN];
	size_t n = 0;
	uint64_t held = 0;
	bool owner_held = true; /* cid names a file this transaction has seen */
	if (given(customer_id)) {
		svc_customer cu;
		TRY(need_customer(t, "customer_id", customer_id, &cu));
		TRY(survivor_of(t, SVC_AGG_CUSTOMER, cu.id, cid, &owner_held));
	} else {
		if (!given(b->phone))
			return svc_errf(SVC_EINVAL, "phone: required (or --customer-id)");
		TRY(by_phone(t, b->phone, ids, 8, &n, &held));
		if (n > 1)
			return one_of("customers", "phone", b->phone, ids, n);
		if (n == 1) {
			memcpy(cid, ids[0], sizeof cid);
			owner_held = held & 1;
		} else {
			svc_customer_fields f = {.name = b->customer,
			                         .phones = {b->phone},
			                         .nphones = 1,
			                         .address = b->address};
			if (!given(b->customer))
				return svc_errf(
				    SVC_EINVAL,
				    "customer: required for a new customer (no customer "
				    "under %s here)",
				    b->phone);
			TRY(svc_local_customer_new_txn(t, &f, cid));
		}
	}
	uid[0] = '\0';
	if (b->serial[0]) {
		TRY(svc_local_unit_by_serial(t, b->serial, ids, 8, &n));
		if (n > 1)
			return one_of("units", "serial", b->serial, ids, n);
		if (n == 1 && judged) {
			memcpy(uid, ids[0], sizeof uid);
		} else if (n == 1) {
			memcpy(uid, ids[0], sizeof uid);
			/* the unit's dates and model, when the ticket gives none:
			 * the policy judges the ticket from them */
			svc_unit u;
			TRY(svc_fold_unit_get(t, uid, &u));
			if (!b->purchased)
				b->purchased = u.purchased;
			if (!given(installed) && !b->installed)
				b->installed = u.installed;
			if (!given(model) && !b->model[0])
				unit_model(t, b, u.model);
		} else {
			char purchased[16] = "";
			if (b->purchased)
				date_text(purchased, b->purchased);
			svc_unit_fields u = {.serial = b->serial,
			                     .model = given(model) ? model : b->product,
			                     .purchased = purchased,
			                     .installed = installed,
			                     .owner = cid};
			TRY(unit_new(t, &u, owner_held, uid));
		}
	}
	TRY(SET(b->customer_id, "customer_id", cid));
	TRY(SET(b->unit_id, "unit_id", uid));
	memset(b->customer, 0, sizeof b->customer);
	memset(b->phone, 0, sizeof b->phone);
	memset(b->address, 0, sizeof b->address);
	return 0;
}

int svc_local_ticket_link(svc_txn *t, svc_ticket_open *b, const char *customer_id,
                          const char *model, const char *installed)
{
	return link(t, b, customer_id, model, installed, false);
}

int svc_local_ticket_link_judged(svc_txn *t, svc_ticket_open *b)
{
	return link(t, b, NULL, NULL, NULL, true);
}

/*
 * rules_unit: a product unit (a serial number in a customer's home), change
 * by change. It folds like a customer file (rules_customer.c): created by a
 * put named after itself, "U-<node>-<seq>", corrected field by field
 * (SVC_UF_*), merged by a region or HQ into its survivor when two nodes
 * recorded the same serial offline (the survivor's side is the fold's
 * check, unit_check in svc_fold.c).
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

#define TERMINATED(field, buf)                                                                     \
	do {                                                                                       \
		if (!memchr((buf), 0, sizeof(buf)))                                                \
			return svc_rules_fail(SVC_EINVAL, reason, len,                             \
			                      "%s: longer than %zu bytes", (field),                \
			                      sizeof(buf) - 1);                                    \
	} while (0)

static bool is_create(const svc_change *c)
{
	char want[SVC_AGG_LEN];
	svc_rules_unit_id(want, c->origin, c->seq);
	return strcmp(want, c->aggregate) == 0;
}

static int validate_put(const svc_change *c, char *reason, size_t len)
{
	const svc_unit_put *b = &c->u.unit_put;
	TERMINATED("serial", b->serial);
	TERMINATED("model", b->model);
	TERMINATED("owner", b->owner);
	if (b->fields == 0 || (b->fields & ~(uint32_t)SVC_UF_ALL_))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "fields: %" PRIu32 " names no field or an unknown one",
		                      b->fields);
	if (is_create(c) && b->fields != SVC_UF_ALL_)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "fields: a new product unit sets every field");
	if (b->fields & SVC_UF_SERIAL)
		SVC_TRY(svc_check_text("serial", b->serial, true, reason, len));
	else if (b->serial[0])
		return svc_rules_fail(SVC_EINVAL, reason, len, "serial: set but not in fields");
	if (b->fields & SVC_UF_MODEL) {
		SVC_TRY(svc_check_text("model", b->model, false, reason, len));
		if (svc_utf8_chars(b->model) > SVC_MODEL_CHARS)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "model: %zu characters, limit %d",
			                      svc_utf8_chars(b->model), SVC_MODEL_CHARS);
	} else if (b->model[0]) {
		return svc_rules_fail(SVC_EINVAL, reason, len, "model: set but not in fields");
	}
	if (b->purchased && !(b->fields & SVC_UF_PURCHASED))
		return svc_rules_fail(SVC_EINVAL, reason, len, "purchased: set but not in fields");
	if (b->purchased)
		SVC_TRY(svc_check_date("purchased", b->purchased, reason, len));
	if (b->installed && !(b->fields & SVC_UF_INSTALLED))
		return svc_rules_fail(SVC_EINVAL, reason, len, "installed: set but not in fields");
	if (b->installed)
		SVC_TRY(svc_check_date("installed", b->installed, reason, len));
	if (b->owner[0] && !(b->fields & SVC_UF_OWNER))
		return svc_rules_fail(SVC_EINVAL, reason, len, "owner: set but not in fields");
	if (b->owner[0] && !svc_rules_is_seq_id(b->owner, 'C'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "owner: not a customer id (C-<node>-<seq>)");
	if (!svc_rules_is_seq_id(c->aggregate, 'U'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a product unit id (U-<node>-<seq>)");
	return 0;
}

int svc_rules_unit_validate(const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_UNIT_PUT)
		return validate_put(c, reason, len);
	const svc_record_merge *m = &c->u.unit_merge;
	TERMINATED("into", m->into);
	if (!svc_rules_is_seq_id(c->aggregate, 'U'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a product unit id (U-<node>-<seq>)");
	if (!svc_rules_is_seq_id(m->into, 'U'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "into: not a product unit id (U-<node>-<seq>)");
	if (strcmp(m->into, c->aggregate) == 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "into: a product unit cannot be merged into itself");
	return 0;
}

static void put_fields(svc_unit *u, const svc_unit_put *b)
{
	if (b->fields & SVC_UF_SERIAL)
		SVC_COPY(u->serial, b->serial);
	if (b->fields & SVC_UF_MODEL)
		SVC_COPY(u->model, b->model);
	if (b->fields & SVC_UF_PURCHASED)
		u->purchased = b->purchased;
	if (b->fields & SVC_UF_INSTALLED)
		u->installed = b->installed;
	if (b->fields & SVC_UF_OWNER)
		SVC_COPY(u->owner, b->owner);
}

static int unit_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_unit *u = state;
	if (svc_rules_agg_type(c) != SVC_AGG_UNIT)
		return svc_rules_wrong_kind("unit", c, reason, len);
	const svc_rules_record r = SVC_RULES_RECORD(u, "unit", "product unit");
	bool put = c->kind == SVC_CK_UNIT_PUT;
	if (put && !exists)
		memset(u, 0, sizeof *u);
	int act = svc_rules_record_step(&r, exists, c, put, put && is_create(c),
	                                put ? "" : c->u.unit_merge.into, reason, len);
	if (act < 0)
		return act;
	if (act != SVC_REC_MERGE)
		put_fields(u, &c->u.unit_put);
	svc_rules_record_done(&r, c);
	return 0;
}

const svc_rules svc_rules_unit = {
    .name = "unit",
    .state_size = sizeof(svc_unit),
    .step = unit_step,
};

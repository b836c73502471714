/*
 * rules_customer: a customer file (用户档案), change by change.
 *
 * The node that first serves a person creates the file: a customer.put
 * named after itself, "C-<node>-<seq>", setting every field. Corrections are
 * puts of some fields (SVC_CF_*): each field takes the value of the last put
 * that set it in fold order, so two nodes correcting different fields
 * offline both keep their correction, and the same field ends the same on
 * every node. The history of each field is the record's changes, which the
 * journal keeps (customer show lists them).
 *
 * Two nodes may create the same person offline. A region or HQ merges the
 * duplicate into the survivor (customer.merge on the duplicate): the
 * duplicate keeps its fields and points to the survivor, nothing is
 * deleted. Whether the survivor may take it (it exists and is not itself
 * merged, which is what keeps merges free of cycles) is read from the
 * survivor's state at the merge's place in fold order, by the fold's check
 * (customer_check in svc_fold.c); step() judges the duplicate's own side.
 *
 * The record's region is the creating node's: the region that sees it, and
 * whose region node may merge it.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

/* Every string must end inside its buffer before anything reads it. */
#define TERMINATED(field, buf)                                                                     \
	do {                                                                                       \
		if (!memchr((buf), 0, sizeof(buf)))                                                \
			return svc_rules_fail(SVC_EINVAL, reason, len,                             \
			                      "%s: longer than %zu bytes", (field),                \
			                      sizeof(buf) - 1);                                    \
	} while (0)

/* A Chinese mobile (11 digits from 13x to 19x) or landline (0, an area code
 * and the number: 10 to 12 digits) number, optionally written with +86 and
 * with single spaces or dashes between groups. */
static int check_cn_phone(const char *field, const char *phone, char *reason, size_t len)
{
	char d[SVC_PHONE_LEN];
	SVC_TRY(svc_check_phone(field, phone, reason, len));
	svc_rules_phone_digits(d, phone);
	size_t n = strlen(d);
	bool mobile = n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
	bool landline = n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0';
	if (!mobile && !landline)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: not a Chinese mobile (1[3-9] and 9 digits) or landline "
		                      "(0, area code and number) number",
		                      field);
	return 0;
}

static int check_chars(const char *field, const char *s, size_t max, char *reason, size_t len)
{
	size_t n = svc_utf8_chars(s);
	if (n > max)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: %zu characters, limit %zu",
		                      field, n, max);
	return 0;
}

static bool is_create(const svc_change *c)
{
	char want[SVC_AGG_LEN];
	svc_rules_customer_id(want, c->origin, c->seq);
	return strcmp(want, c->aggregate) == 0;
}

static int validate_put(const svc_change *c, char *reason, size_t len)
{
	const svc_customer_put *b = &c->u.customer_put;
	TERMINATED("name", b->name);
	TERMINATED("address", b->address);
	for (int i = 0; i < SVC_PHONES_MAX; i++)
		TERMINATED("phone", b->phones[i]);
	if (b->fields == 0 || (b->fields & ~(uint32_t)SVC_CF_ALL_))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "fields: %" PRIu32 " names no field or an unknown one",
		                      b->fields);
	if (is_create(c) && b->fields != SVC_CF_ALL_)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "fields: a new customer file sets every field");
	if (b->fields & SVC_CF_NAME) {
		SVC_TRY(svc_check_text("name", b->name, true, reason, len));
		SVC_TRY(check_chars("name", b->name, SVC_CUSTOMER_NAME_CHARS, reason, len));
	} else if (b->name[0]) {
		return svc_rules_fail(SVC_EINVAL, reason, len, "name: set but not in fields");
	}
	if (b->fields & SVC_CF_PHONES) {
		if (!b->phones[0][0])
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "phone: a customer needs at least one phone number");
		for (int i = 0; i < SVC_PHONES_MAX; i++) {
			if (!b->phones[i][0]) {
				for (int j = i + 1; j < SVC_PHONES_MAX; j++)
					if (b->phones[j][0])
						return svc_rules_fail(SVC_EINVAL, reason, len,
						                      "phone: numbers must come "
						                      "first, without gaps");
				break;
			}
			SVC_TRY(check_cn_phone("phone", b->phones[i], reason, len));
		}
	} else {
		for (int i = 0; i < SVC_PHONES_MAX; i++)
			if (b->phones[i][0])
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "phone: set but not in fields");
	}
	if (b->fields & SVC_CF_ADDRESS) {
		SVC_TRY(svc_check_text("address", b->address, false, reason, len));
		SVC_TRY(check_chars("address", b->address, SVC_CUSTOMER_ADDR_CHARS, reason, len));
	} else if (b->address[0]) {
		return svc_rules_fail(SVC_EINVAL, reason, len, "address: set but not in fields");
	}
	if (b->fields & SVC_CF_TIER) {
		if (b->tier != SVC_TIER_REGULAR && b->tier != SVC_TIER_VIP)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "tier: unknown tier %" PRIu32 " (regular or vip)",
			                      b->tier);
	} else if (b->tier) {
		return svc_rules_fail(SVC_EINVAL, reason, len, "tier: set but not in fields");
	}
	if (!svc_rules_is_seq_id(c->aggregate, 'C'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a customer id (C-<node>-<seq>)");
	return 0;
}

int svc_rules_customer_validate(const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_CUSTOMER_PUT)
		return validate_put(c, reason, len);
	const svc_record_merge *m = &c->u.customer_merge;
	TERMINATED("into", m->into);
	if (!svc_rules_is_seq_id(c->aggregate, 'C'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a customer id (C-<node>-<seq>)");
	if (!svc_rules_is_seq_id(m->into, 'C'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "into: not a customer id (C-<node>-<seq>)");
	if (strcmp(m->into, c->aggregate) == 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "into: a customer cannot be merged into itself");
	return 0;
}

static void put_fields(svc_customer *cu, const svc_customer_put *b)
{
	if (b->fields & SVC_CF_NAME)
		SVC_COPY(cu->name, b->name);
	if (b->fields & SVC_CF_PHONES)
		for (int i = 0; i < SVC_PHONES_MAX; i++)
			SVC_COPY(cu->phones[i], b->phones[i]);
	if (b->fields & SVC_CF_ADDRESS)
		SVC_COPY(cu->address, b->address);
	if (b->fields & SVC_CF_TIER)
		cu->tier = b->tier;
}

static int customer_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_customer *cu = state;
	if (svc_rules_agg_type(c) != SVC_AGG_CUSTOMER)
		return svc_rules_wrong_kind("customer", c, reason, len);
	const svc_rules_record r = SVC_RULES_RECORD(cu, "customer", "customer");
	bool put = c->kind == SVC_CK_CUSTOMER_PUT;
	if (put && !exists)
		memset(cu, 0, sizeof *cu);
	int act = svc_rules_record_step(&r, exists, c, put, put && is_create(c),
	                                put ? "" : c->u.customer_merge.into, reason, len);
	if (act < 0)
		return act;
	if (act != SVC_REC_MERGE)
		put_fields(cu, &c->u.customer_put);
	svc_rules_record_done(&r, c);
	return 0;
}

const svc_rules svc_rules_customer = {
    .name = "customer",
    .state_size = sizeof(svc_customer),
    .step = customer_step,
};

/*
 * rules_policy: HQ's service policy, in numbered versions each in force from
 * a date, and the grade (A, B, C) HQ gives each region.
 *
 * A version lists every key set so far (the writer copies the newest version
 * and applies the new values), so one version stands alone and "the policy
 * on date D" is the highest version whose date is on or before D. A version
 * takes effect at least a day after it is issued, so it has reached every
 * node before any ticket it governs: two nodes that hold the same changes
 * always name the same version for a date. The fold checks what it can
 * without a zone (the date has not begun anywhere on Earth when issued); the
 * writer checks "tomorrow or later" in the network's zone.
 *
 * Two changes for the same version number: the first in fold order stands,
 * the second is rejected. A region's grade is the last one set.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000ULL
#define TZ_NAME_CHARS 47

void svc_rules_policy_agg(char out[SVC_AGG_LEN], uint32_t version)
{
	snprintf(out, SVC_AGG_LEN, "V:%" PRIu32, version);
}

void svc_rules_grade_agg(char out[SVC_AGG_LEN], const char *region)
{
	snprintf(out, SVC_AGG_LEN, "G:%s", region);
}

void svc_rules_override_agg(char out[SVC_AGG_LEN], const char *serial)
{
	snprintf(out, SVC_AGG_LEN, "X:%s", serial);
}

/* ---- keys */

enum vtype { V_COUNT, V_CALLBACK, V_ZONE, V_YESNO };

static const struct {
	const char *key; /* a trailing '.' takes a suffix: a category, a grade, a severity */
	enum vtype type;
	long min, max;
} keys[] = {
    {"warranty_months.", V_COUNT, 0, 240},
    {"return_days", V_COUNT, 0, 365},
    {"exchange_days", V_COUNT, 0, 365},
    {"onsite_hours.", V_COUNT, 1, 720},
    {"callback.", V_CALLBACK, 0, 100},
    {"complaint_days.", V_COUNT, 1, 365},
    {"time_zone", V_ZONE, 0, 0},
    /* callbacks: unreachable attempts before a ticket leaves the queue;
     * HQ's spot-check share per shop and month, in percent */
    {"callback_attempts", V_COUNT, 1, 20},
    {"sample_pct", V_COUNT, 0, 100},
    /* claims: the most one claim, and one of its lines, may ask for (fen) */
    {"claim_max_fen", V_COUNT, 1, (long)SVC_CLAIM_FEN_MAX},
    {"claim_line_max_fen", V_COUNT, 1, (long)SVC_CLAIM_FEN_MAX},
    /* old parts: days after a claim's approval to have them back */
    {"old_part_days", V_COUNT, 1, 365},
    /* the shop's ledger: the payer must not be the approver */
    {"pay_require_two", V_YESNO, 0, 0},
    /* shops: the months a newly enrolled shop stays on probation */
    {"probation_months", V_COUNT, 1, 24},
};

static const struct {
	const char *key, *value;
} defaults[] = {
    {"return_days", "15"},
    {"exchange_days", "30"},
    {"onsite_hours.A", "24"},
    {"onsite_hours.B", "48"},
    {"onsite_hours.C", "72"},
    {"callback.A", "all"},
    {"callback.B", "all"},
    {"callback.C", "all"},
    {"time_zone", "Asia/Shanghai"},
    {"callback_attempts", "3"},
    {"sample_pct", "5"},
    {"complaint_days.low", "15"},
    {"complaint_days.normal", "7"},
    {"complaint_days.high", "3"},
    {"claim_max_fen", "10000000"},
    {"claim_line_max_fen", "5000000"},
    {"old_part_days", "30"}, /* old parts */
    {"pay_require_two", "no"},
    {"probation_months", "3"}, /* shops */
};

static bool parse_count(const char *s, long *out)
{
	char *end;
	if (!s[0] || s[0] == '+' || s[0] == '-' || s[0] == ' ')
		return false;
	long v = strtol(s, &end, 10);
	if (*end || end - s > 10)
		return false;
	*out = v;
	return true;
}

static bool zone_ok(const char *z)
{
	size_t n = strlen(z);
	if (n == 0 || n > TZ_NAME_CHARS || z[0] == '/' || z[0] == '-' || z[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = z[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' ||
		          ch == '/' || ch == '.';
		if (!ok || (ch == '.' && (i == 0 || z[i - 1] == '/')))
			return false;
	}
	return true;
}

int svc_policy_check_entry(const char *key, const char *value, char *reason, size_t len)
{
	char q[64], q2[64];
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t kl = strlen(keys[i].key);
		bool prefix = keys[i].key[kl - 1] == '.';
		if (prefix ? strncmp(key, keys[i].key, kl) != 0 : strcmp(key, keys[i].key) != 0)
			continue;
		if (prefix) {
			const char *suf = key + kl;
			bool grade = strcmp(keys[i].key, "onsite_hours.") == 0 ||
			             strcmp(keys[i].key, "callback.") == 0;
			if (grade && strcmp(suf, "A") && strcmp(suf, "B") && strcmp(suf, "C"))
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "%s: the grade must be A, B or C",
				                      svc_rules_quote(q, key));
			if (!grade && svc_check_code(key, suf, NULL, 0))
				return svc_rules_fail(
				    SVC_EINVAL, reason, len,
				    "%s: '%s' must be followed by a name of 1 to 31 of A-Z, a-z, "
				    "0-9, '.', '_', '-'",
				    svc_rules_quote(q, key), keys[i].key);
		}
		long v;
		switch (keys[i].type) {
		case V_COUNT:
			if (!parse_count(value, &v) || v < keys[i].min || v > keys[i].max)
				return svc_rules_fail(
				    SVC_EINVAL, reason, len,
				    "%s: '%s' is not a whole number from %ld to %ld", key,
				    svc_rules_quote(q2, value), keys[i].min, keys[i].max);
			return 0;
		case V_CALLBACK: {
			size_t n = strlen(value);
			char num[8];
			if (strcmp(value, "all") == 0)
				return 0;
			if (n >= 2 && n <= 4 && value[n - 1] == '%') {
				memcpy(num, value, n - 1);
				num[n - 1] = '\0';
				if (parse_count(num, &v) && v >= 0 && v <= 100)
					return 0;
			}
			return svc_rules_fail(
			    SVC_EINVAL, reason, len,
			    "%s: '%s' is neither 'all' nor a percentage like 30%%", key,
			    svc_rules_quote(q2, value));
		}
		case V_YESNO:
			if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "%s: '%s' is neither yes nor no", key,
				                      svc_rules_quote(q2, value));
			return 0;
		case V_ZONE:
			if (!zone_ok(value))
				return svc_rules_fail(
				    SVC_EINVAL, reason, len,
				    "%s: '%s' is not a zone name like Asia/Shanghai", key,
				    svc_rules_quote(q2, value));
			return 0;
		}
	}
	return svc_rules_fail(
	    SVC_EINVAL, reason, len,
	    "%s: unknown policy key (warranty_months.CATEGORY, return_days, "
	    "exchange_days, onsite_hours.A|B|C, callback.A|B|C, "
	    "complaint_days.SEVERITY, time_zone, claim_max_fen, "
	    "claim_line_max_fen, old_part_days, pay_require_two, probation_months)",
	    svc_rules_quote(q, key));
}

const char *svc_policy_get(const svc_policy *p, const char *key)
{
	for (uint32_t i = 0; p && i < p->nentries && i < SVC_POLICY_ENTRIES_MAX; i++)
		if (strcmp(p->entries[i].key, key) == 0)
			return p->entries[i].value;
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		if (strcmp(defaults[i].key, key) == 0)
			return defaults[i].value;
	return NULL;
}

static unsigned number(const svc_policy *p, const char *key, unsigned dflt)
{
	const char *v = svc_policy_get(p, key);
	long n;
	return v && parse_count(v, &n) && n >= 0 ? (unsigned)n : dflt;
}

unsigned svc_policy_warranty_months(const svc_policy *p, const char *category)
{
	char key[SVC_POLICY_KEY_LEN];
	snprintf(key, sizeof key, "warranty_months.%s", category);
	return number(p, key, SVC_WARRANTY_MONTHS);
}

int64_t svc_policy_fen(const svc_policy *p, const char *key)
{
	const char *v = svc_policy_get(p, key);
	long n;
	return v && parse_count(v, &n) && n > 0 && n <= SVC_CLAIM_FEN_MAX ? (int64_t)n
	                                                                  : SVC_CLAIM_FEN_MAX;
}

unsigned svc_policy_days(const svc_policy *p, const char *key)
{
	return number(p, key, 0);
}

unsigned svc_policy_onsite_hours(const svc_policy *p, uint32_t grade)
{
	char key[SVC_POLICY_KEY_LEN];
	if (grade < SVC_GRADE_A || grade > SVC_GRADE_C)
		return 0;
	snprintf(key, sizeof key, "onsite_hours.%s", svc_grade_name(grade));
	return number(p, key, 0);
}

unsigned svc_policy_callback_pct(const svc_policy *p, uint32_t grade)
{
	char key[SVC_POLICY_KEY_LEN];
	long n;
	if (grade < SVC_GRADE_A || grade > SVC_GRADE_C)
		return 100;
	snprintf(key, sizeof key, "callback.%s", svc_grade_name(grade));
	const char *v = svc_policy_get(p, key);
	if (!v || strcmp(v, "all") == 0)
		return 100;
	char num[8];
	size_t l = strlen(v);
	if (l < 2 || l > 4)
		return 100;
	memcpy(num, v, l - 1);
	num[l - 1] = '\0';
	return parse_count(num, &n) ? (unsigned)n : 100;
}

const char *svc_policy_time_zone(const svc_policy *p)
{
	return svc_policy_get(p, "time_zone");
}

/* the shop's ledger */
bool svc_policy_pay_require_two(const svc_policy *p)
{
	const char *v = svc_policy_get(p, "pay_require_two");
	return v && strcmp(v, "yes") == 0;
}

unsigned svc_policy_old_part_days(const svc_policy *p)
{
	return number(p, "old_part_days", 30);
}

/* ---- validation */

int svc_rules_validate_policy(const svc_change *c, char *reason, size_t len)
{
	char want[SVC_AGG_LEN];
	if (c->kind == SVC_CK_REGION_GRADE) {
		const svc_region_grade *b = &c->u.region_grade;
		if (!memchr(b->region, 0, sizeof b->region))
			return svc_rules_fail(SVC_EINVAL, reason, len, "region: too long");
		SVC_TRY(svc_check_node_id("region", b->region, reason, len));
		if (b->grade < SVC_GRADE_A || b->grade > SVC_GRADE_C)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "grade: %" PRIu32 " is not A, B or C", b->grade);
		svc_rules_grade_agg(want, b->region);
		return svc_rules_expect_agg(c, want, reason, len);
	}
	const svc_policy_set *b = &c->u.policy_set;
	if (b->version < 1)
		return svc_rules_fail(SVC_EINVAL, reason, len, "version: must be 1 or more");
	SVC_TRY(svc_check_date("from", b->from, reason, len));
	/* Pure and zone-free: the first day must not have begun anywhere (UTC-12
	 * is the last zone to reach a date) when the version was issued. */
	uint64_t y = b->from / 10000, m = b->from / 100 % 100, d = b->from % 100;
	y -= m <= 2;
	uint64_t era = y / 400, yoe = y - era * 400;
	uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	uint64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	if (days * DAY_MS + DAY_MS / 2 <= svc_hlc_ms(c->hlc))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "from: %" PRIu32 " had begun when the version was issued "
		                      "(a policy takes effect from tomorrow or later)",
		                      b->from);
	if (b->nentries > SVC_POLICY_ENTRIES_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len, "entries: more than %d",
		                      SVC_POLICY_ENTRIES_MAX);
	for (uint32_t i = 0; i < b->nentries; i++) {
		const svc_policy_entry *e = &b->entries[i];
		if (!memchr(e->key, 0, sizeof e->key) || !memchr(e->value, 0, sizeof e->value))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "entries: a key or value is "
			                      "too long");
		SVC_TRY(svc_policy_check_entry(e->key, e->value, reason, len));
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(b->entries[j].key, e->key) == 0)
				return svc_rules_fail(SVC_EINVAL, reason, len, "%s: given twice",
				                      e->key);
	}
	svc_rules_policy_agg(want, b->version);
	return svc_rules_expect_agg(c, want, reason, len);
}

/* An exception's reason: required, one line, at most
 * SVC_OVERRIDE_REASON_CHARS characters. */
static int check_reason(const char *field, const char *r, char *reason, size_t len)
{
	SVC_TRY(svc_check_text(field, r, true, reason, len));
	if (svc_utf8_chars(r) > SVC_OVERRIDE_REASON_CHARS)
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: %zu characters, limit %d",
		                      field, svc_utf8_chars(r), SVC_OVERRIDE_REASON_CHARS);
	return 0;
}

int svc_rules_validate_override(const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_TICKET_REJUDGE) {
		const svc_ticket_rejudge *b = &c->u.ticket_rejudge;
		if (b->grade > SVC_GRADE_C)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "grade: %" PRIu32 " is not A, B or C", b->grade);
		if (b->warranty_until)
			SVC_TRY(svc_check_date("warranty_until", b->warranty_until, reason, len));
		if (b->onsite_hours > 720)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "onsite_hours: %" PRIu32 " is more than 720",
			                      b->onsite_hours);
		return 0;
	}
	const svc_ticket_override *b = &c->u.ticket_override;
	char want[SVC_AGG_LEN];
	TERMINATED("serial", b->serial);
	TERMINATED("reason", b->reason);
	TERMINATED("region", b->region);
	TERMINATED("shop", b->shop);
	SVC_TRY(svc_check_text("serial", b->serial, true, reason, len));
	if (b->kind != SVC_TK_RETURN && b->kind != SVC_TK_EXCHANGE)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "kind: an exception is for a return or an exchange, not %s",
		                      svc_ticket_kind_name(b->kind));
	SVC_TRY(check_reason("reason", b->reason, reason, len));
	SVC_TRY(svc_check_node_id("region", b->region, reason, len));
	if (b->shop[0])
		SVC_TRY(svc_check_node_id("shop", b->shop, reason, len));
	svc_rules_override_agg(want, b->serial);
	return svc_rules_expect_agg(c, want, reason, len);
}

/* ---- steps */

static int policy_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_policy *p = state;
	if (c->kind != SVC_CK_POLICY_SET)
		return svc_rules_wrong_kind("policy", c, reason, len);
	if (exists)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "policy version %" PRIu32 " was already issued by %s",
		                      p->version, p->last.origin);
	const svc_policy_set *b = &c->u.policy_set;
	memset(p, 0, sizeof *p);
	p->version = b->version;
	p->from = b->from;
	p->nentries = b->nentries;
	memcpy(p->entries, b->entries, sizeof p->entries);
	p->issued = svc_hlc_ms(c->hlc);
	svc_rules_set_last(&p->last, c);
	return 0;
}

static int grade_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_grade_item *g = state;
	(void)exists;
	if (c->kind != SVC_CK_REGION_GRADE)
		return svc_rules_wrong_kind("grade", c, reason, len);
	memset(g, 0, sizeof *g);
	SVC_COPY(g->region, c->u.region_grade.region);
	g->grade = c->u.region_grade.grade;
	svc_rules_set_last(&g->last, c);
	return 0;
}

const svc_rules svc_rules_policy = {
    .name = "policy",
    .state_size = sizeof(svc_policy),
    .step = policy_step,
};

/* The last exception recorded for a serial replaces the one before. */
static int override_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_override *o = state;
	(void)exists;
	if (c->kind != SVC_CK_TICKET_OVERRIDE)
		return svc_rules_wrong_kind("override", c, reason, len);
	const svc_ticket_override *b = &c->u.ticket_override;
	memset(o, 0, sizeof *o);
	SVC_COPY(o->serial, b->serial);
	o->kind = b->kind;
	SVC_COPY(o->reason, b->reason);
	SVC_COPY(o->region, b->region);
	SVC_COPY(o->shop, b->shop);
	o->at = svc_hlc_ms(c->hlc);
	svc_rules_set_last(&o->last, c);
	return 0;
}

const svc_rules svc_rules_override = {
    .name = "override",
    .state_size = sizeof(svc_override),
    .step = override_step,
};

const svc_rules svc_rules_grade = {
    .name = "grade",
    .state_size = sizeof(svc_grade_item),
    .step = grade_step,
};

/* ---- what a ticket takes from the policy */

static uint64_t days_of(uint32_t ymd)
{
	uint64_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	y -= m <= 2;
	uint64_t era = y / 400, yoe = y - era * 400;
	uint64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int svc_rules_validate_ticket_policy(const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_TICKET_STATUS) {
		const svc_ticket_status_body *b = &c->u.ticket_status;
		if (!memchr(b->fault_code, 0, sizeof b->fault_code))
			return svc_rules_fail(SVC_EINVAL, reason, len, "fault_code: too long");
		if (b->at && b->status != SVC_TS_ON_SITE)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "at: a visit time goes with on_site only");
		if (b->at > svc_hlc_ms(c->hlc))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "at: the visit time is after the change was entered");
		if (b->fault_code[0] && b->status != SVC_TS_RESOLVED)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "fault_code: goes with resolved only");
		if (b->fault_code[0])
			SVC_TRY(svc_check_code("fault_code", b->fault_code, reason, len));
		return 0;
	}
	const svc_ticket_open *b = &c->u.ticket_open;
	if (!memchr(b->model, 0, sizeof b->model) || !memchr(b->category, 0, sizeof b->category))
		return svc_rules_fail(SVC_EINVAL, reason, len, "model: too long");
	if (b->model[0])
		SVC_TRY(svc_check_code("model", b->model, reason, len));
	if (b->category[0])
		SVC_TRY(svc_check_code("category", b->category, reason, len));
	if (b->installed)
		SVC_TRY(svc_check_date("installed", b->installed, reason, len));
	if (b->warranty_until)
		SVC_TRY(svc_check_date("warranty_until", b->warranty_until, reason, len));
	if (b->grade > SVC_GRADE_C)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "grade: %" PRIu32 " is not A, B or C", b->grade);
	if (b->channel > SVC_CHANNEL_WEB)
		return svc_rules_fail(SVC_EINVAL, reason, len, "channel: unknown channel %" PRIu32,
		                      b->channel);
	if (b->onsite_hours > 720)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "onsite_hours: %" PRIu32 " is more than 720",
		                      b->onsite_hours);
	TERMINATED("override_reason", b->override_reason);
	TERMINATED("override_by", b->override_by);
	if (b->override_reason[0] || b->override_by[0]) {
		if (b->kind != SVC_TK_RETURN && b->kind != SVC_TK_EXCHANGE)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "override_reason: an exception goes with a return or "
			                      "an exchange only");
		if (!b->serial[0])
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "serial: required with an exception (it is recorded "
			                      "for a serial)");
		SVC_TRY(check_reason("override_reason", b->override_reason, reason, len));
		SVC_TRY(svc_check_node_id("override_by", b->override_by, reason, len));
	}
	if (b->opened_on) {
		SVC_TRY(svc_check_date("opened_on", b->opened_on, reason, len));
		/* The desk takes the day from its wall clock, and the HLC is never
		 * behind that clock, so the day is at most a day after the HLC's UTC
		 * day (every zone's date is within a day of UTC's). There is no
		 * bound the other way: a peer whose clock ran ahead pulls the HLC
		 * forward by as much, and the desk's day stays the real one. */
		uint64_t utc = svc_hlc_ms(c->hlc) / DAY_MS, d = days_of(b->opened_on);
		if (d > utc + 1)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "opened_on: %" PRIu32
			                      " is not the day the ticket was "
			                      "entered",
			                      b->opened_on);
	}
	return 0;
}

uint64_t svc_rules_onsite_due(uint64_t created, uint32_t hours)
{
	return hours ? created + (uint64_t)hours * 3600000 : 0;
}

int svc_rules_ticket_policy_step(svc_ticket *t, const svc_change *c, char *reason, size_t len)
{
	if (c->kind == SVC_CK_TICKET_OPEN) {
		const svc_ticket_open *b = &c->u.ticket_open;
		SVC_COPY(t->model, b->model);
		SVC_COPY(t->category, b->category);
		t->installed = b->installed;
		t->policy_version = b->policy_version;
		t->grade = b->grade;
		t->channel = b->channel;
		t->warranty_until = b->warranty_until;
		t->opened_on = b->opened_on;
		/* Judged from the recorded inputs only: the same on every node. */
		if (b->warranty_until && b->opened_on)
			t->in_warranty = b->opened_on <= b->warranty_until;
		t->onsite_due = svc_rules_onsite_due(t->created, b->onsite_hours);
		SVC_COPY(t->override_reason, b->override_reason);
		SVC_COPY(t->override_by, b->override_by);
		return 0;
	}
	if (c->kind == SVC_CK_TICKET_REJUDGE) {
		const svc_ticket_rejudge *b = &c->u.ticket_rejudge;
		if (c->origin_role == SVC_ROLE_REGION && strcmp(t->region, c->origin) != 0)
			return svc_rules_fail(
			    SVC_EREJECT, reason, len,
			    "ticket %s: region %s may not re-judge it (region %s)", t->id,
			    c->origin, t->region);
		t->policy_version = b->policy_version;
		t->grade = b->grade;
		t->warranty_until = b->warranty_until;
		if (b->warranty_until && t->opened_on)
			t->in_warranty = t->opened_on <= b->warranty_until;
		t->onsite_due = svc_rules_onsite_due(t->created, b->onsite_hours);
		t->rejudged = svc_hlc_ms(c->hlc);
		return 0;
	}
	if (c->kind != SVC_CK_TICKET_STATUS)
		return 0;
	const svc_ticket_status_body *b = &c->u.ticket_status;
	if (b->at) {
		if (b->at < t->created)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "ticket %s: the visit time is before the ticket was "
			                      "opened",
			                      t->id);
		if (!t->visited)
			t->visited = b->at;
	}
	if (b->status == SVC_TS_RESOLVED)
		SVC_COPY(t->fault_code, b->fault_code);
	return 0;
}

/*
 * rules_labor: labor operations (工时代码), the labor tariff and part price
 * history, what a claim's lines are computed from.
 *
 * HQ alone writes them (svc_rules_authorize) and every node receives them,
 * like the fault codes. A labor operation (L:<code>) states its whole
 * value, so the last put in fold order wins. The tariff is one record
 * (R:tariff) holding a rate per region grade and the travel bands: each
 * tariff.set sets one entry, so two HQ operators setting different entries
 * both keep theirs, and setting the same entry twice leaves the later one
 * in fold order on every node. A part's price history lives on its catalog
 * record (rules_catalog.c); this file validates its change and holds the
 * lookups the claim's fold and the desk share, so both compute a line the
 * same way.
 */
#include "rules_impl.h"

#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

/* Standard time of one operation: at most a working week. */
#define LABOR_MINUTES_MAX 3000
#define TRAVEL_KM_MAX 100000
/* An operation's text: at most this many characters. */
#define LABOR_TEXT_CHARS 60

void svc_rules_labor_agg(char out[SVC_AGG_LEN], const char *code)
{
	size_t n = strnlen(code, SVC_AGG_LEN - 3);
	memcpy(out, "L:", 2);
	memcpy(out + 2, code, n);
	out[2 + n] = '\0';
}

void svc_rules_tariff_agg(char out[SVC_AGG_LEN])
{
	memcpy(out, "R:tariff", sizeof "R:tariff");
}

int64_t svc_rules_op_amount(uint32_t minutes, int64_t fen_per_hour)
{
	int64_t p;
	if (fen_per_hour < 0 || __builtin_mul_overflow((int64_t)minutes, fen_per_hour, &p) ||
	    p > INT64_MAX - 30)
		return -1;
	return (p + 30) / 60;
}

int64_t svc_rules_travel_amount(const svc_tariff *t, uint32_t km, bool *over)
{
	*over = false;
	if (!t || t->nbands == 0)
		return -1;
	uint32_t n = t->nbands <= SVC_TRAVEL_BANDS_MAX ? t->nbands : SVC_TRAVEL_BANDS_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (km <= t->bands[i].max_km)
			return t->bands[i].fen;
	*over = true;
	return t->bands[n - 1].fen;
}

int64_t svc_rules_price_at(const svc_catalog_item *it, uint64_t ms)
{
	int64_t price = it->price;
	uint32_t n = it->nprices <= SVC_PRICES_MAX ? it->nprices : SVC_PRICES_MAX;
	for (uint32_t i = 0; i < n && it->prices[i].from <= ms; i++)
		price = it->prices[i].price;
	return price;
}

/* ------------------------------------------------------------ validation */

static int check_fen(const char *field, int64_t fen, char *reason, size_t len)
{
	if (fen < 0 || fen > SVC_CLAIM_FEN_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: %" PRId64 " fen is outside 0..%" PRId64, field, fen,
		                      SVC_CLAIM_FEN_MAX);
	return 0;
}

static int validate_labor_put(const svc_change *c, char *reason, size_t len)
{
	const svc_labor_put *b = &c->u.labor_put;
	TERMINATED("code", b->code);
	TERMINATED("category", b->category);
	TERMINATED("text", b->text);
	SVC_TRY(svc_check_code("code", b->code, reason, len));
	SVC_TRY(svc_check_code("category", b->category, reason, len));
	if (b->minutes < 1 || b->minutes > LABOR_MINUTES_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "minutes: %" PRIu32 " is outside 1..%d", b->minutes,
		                      LABOR_MINUTES_MAX);
	SVC_TRY(svc_check_text("text", b->text, true, reason, len));
	if (svc_utf8_chars(b->text) > LABOR_TEXT_CHARS)
		return svc_rules_fail(SVC_EINVAL, reason, len, "text: %zu characters, limit %d",
		                      svc_utf8_chars(b->text), LABOR_TEXT_CHARS);
	char want[SVC_AGG_LEN];
	svc_rules_labor_agg(want, b->code);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_tariff_set(const svc_change *c, char *reason, size_t len)
{
	const svc_tariff_set *b = &c->u.tariff_set;
	if (b->kind == SVC_TARIFF_RATE) {
		if (b->grade < SVC_GRADE_A || b->grade > SVC_GRADE_C)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "grade: %" PRIu32 " is not A, B or C", b->grade);
		SVC_TRY(check_fen("fen_per_hour", b->fen_per_hour, reason, len));
		if (b->max_km || b->fen)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "max_km: a rate carries no travel band");
	} else if (b->kind == SVC_TARIFF_BAND) {
		if (b->max_km < 1 || b->max_km > TRAVEL_KM_MAX)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "max_km: %" PRIu32 " is outside 1..%d", b->max_km,
			                      TRAVEL_KM_MAX);
		SVC_TRY(check_fen("fen", b->fen, reason, len));
		if (b->grade || b->fen_per_hour)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "grade: a travel band carries no rate");
	} else {
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "kind: %" PRIu32 " is not a rate (1) or a travel band (2)",
		                      b->kind);
	}
	char want[SVC_AGG_LEN];
	svc_rules_tariff_agg(want);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_catalog_price(const svc_change *c, char *reason, size_t len)
{
	const svc_catalog_price *b = &c->u.catalog_price;
	TERMINATED("part_no", b->part_no);
	SVC_TRY(svc_check_part_no("part_no", b->part_no, reason, len));
	SVC_TRY(check_fen("price", b->price, reason, len));
	if (b->from < 1 || b->from > (SVC_HLC_MAX >> 16))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "from: %" PRIu64 " is not a time in ms", b->from);
	char want[SVC_AGG_LEN];
	svc_rules_catalog_agg(want, b->part_no);
	return svc_rules_expect_agg(c, want, reason, len);
}

int svc_rules_labor_validate(const svc_change *c, char *reason, size_t len)
{
	switch (c->kind) {
	case SVC_CK_LABOR_PUT:
		return validate_labor_put(c, reason, len);
	case SVC_CK_TARIFF_SET:
		return validate_tariff_set(c, reason, len);
	case SVC_CK_CATALOG_PRICE:
		return validate_catalog_price(c, reason, len);
	default:
		return svc_rules_fail(SVC_EINVAL, reason, len, "kind: not a labor change");
	}
}

/* ------------------------------------------------------------ steps */

static int labor_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_labor_op *op = state;
	(void)exists;
	if (c->kind != SVC_CK_LABOR_PUT)
		return svc_rules_wrong_kind("labor", c, reason, len);
	const svc_labor_put *b = &c->u.labor_put;
	memset(op, 0, sizeof *op);
	SVC_COPY(op->code, b->code);
	SVC_COPY(op->category, b->category);
	op->minutes = b->minutes;
	SVC_COPY(op->text, b->text);
	svc_rules_set_last(&op->last, c);
	return 0;
}

const svc_rules svc_rules_labor = {
    .name = "labor",
    .state_size = sizeof(svc_labor_op),
    .step = labor_step,
};

static int tariff_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_tariff *t = state;
	if (c->kind != SVC_CK_TARIFF_SET)
		return svc_rules_wrong_kind("tariff", c, reason, len);
	if (!exists)
		memset(t, 0, sizeof *t);
	const svc_tariff_set *b = &c->u.tariff_set;
	if (b->kind == SVC_TARIFF_RATE) {
		t->rates[b->grade & 3] = b->fen_per_hour;
	} else {
		uint32_t n = t->nbands <= SVC_TRAVEL_BANDS_MAX ? t->nbands : SVC_TRAVEL_BANDS_MAX;
		uint32_t i = 0;
		while (i < n && t->bands[i].max_km < b->max_km)
			i++;
		if (i == n || t->bands[i].max_km != b->max_km) {
			if (n == SVC_TRAVEL_BANDS_MAX)
				return svc_rules_fail(SVC_EREJECT, reason, len,
				                      "tariff: %d travel bands already, the most "
				                      "there may be",
				                      SVC_TRAVEL_BANDS_MAX);
			memmove(&t->bands[i + 1], &t->bands[i], (n - i) * sizeof t->bands[0]);
			t->nbands = ++n;
		}
		t->bands[i].max_km = b->max_km;
		t->bands[i].fen = b->fen;
	}
	svc_rules_set_last(&t->last, c);
	return 0;
}

const svc_rules svc_rules_tariff = {
    .name = "tariff",
    .state_size = sizeof(svc_tariff),
    .step = tariff_step,
};

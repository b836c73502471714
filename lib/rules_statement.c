/*
 * rules_statement: how a shop's month (its statement, 对账单) folds, and who
 * may originate its changes.
 *
 * The record "Y:<shop>/<YYYY-MM>" gathers what settles the claims HQ
 * approved for the shop in that month (the network's zone): HQ's payment
 * runs, each one change listing the claims it pays with their amounts; HQ's
 * deductions, each with a reason; and the shop's confirmation with its
 * invoice number, once. A claim is paid at most once: a run that names a
 * claim already paid in the month is refused, whatever order runs arrive
 * in. What a run's claims must be (the shop's, approved in the month, the
 * amount approved, approved by another operator when the policy asks for
 * two) is read from the claims themselves, at the run's place in fold order:
 * the kind's check in the fold's kind table (svc_fold.c).
 *
 * A run carries the month's bounds in UTC ms as its writer computed them in
 * the network's zone, and the check holds the claims' approval times against
 * them: the fold never loads a zone. Validation bounds them to the month the
 * record names, give or take a zone's offset (at most 14 hours either way).
 */
#include "rules_impl.h"

#include "svc_err.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS INT64_C(86400000)
#define ZONE_MS (INT64_C(14) * 3600 * 1000)

void svc_rules_statement_agg(char out[SVC_AGG_LEN], const char *shop, uint32_t month)
{
	snprintf(out, SVC_AGG_LEN, "Y:%s/%04" PRIu32 "-%02" PRIu32, shop, month / 100, month % 100);
}

static bool month_ok(uint32_t month)
{
	return month / 100 >= 1970 && month / 100 <= 9999 && month % 100 >= 1 && month % 100 <= 12;
}

static bool parse_month(const char *s, uint32_t *out)
{
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	uint32_t v = 0;
	for (int i = 0; i < 7; i++) {
		if (i == 4)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (!month_ok(v))
		return false;
	*out = v;
	return true;
}

int svc_parse_month(const char *field, const char *s, uint32_t *out, char *reason, size_t len)
{
	char q[64];
	if (!s || !s[0])
		return svc_rules_fail(SVC_EINVAL, reason, len, "%s: required (YYYY-MM)", field);
	if (!parse_month(s, out))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "%s: '%s' is not a month (YYYY-MM, 1970-01 or later)", field,
		                      svc_rules_quote(q, s));
	return 0;
}

bool svc_rules_statement_parse(const char *agg, char shop[SVC_ID_LEN], uint32_t *month)
{
	if (strncmp(agg, "Y:", 2) != 0)
		return false;
	const char *slash = strchr(agg + 2, '/');
	if (!slash || (size_t)(slash - (agg + 2)) >= SVC_ID_LEN)
		return false;
	char node[SVC_ID_LEN];
	memcpy(node, agg + 2, (size_t)(slash - (agg + 2)));
	node[slash - (agg + 2)] = '\0';
	if (!svc_valid_node_id(node) || !parse_month(slash + 1, month))
		return false;
	memcpy(shop, node, SVC_ID_LEN);
	return true;
}

/* The UTC midnight that begins a month. */
static int64_t month_start_utc(uint32_t month)
{
	return svc_date_to_days((int32_t)(month * 100 + 1)) * DAY_MS;
}

static uint32_t next_month(uint32_t month)
{
	return month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
}

/* ------------------------------------------------------------ validation */

static int validate_run(const svc_change *c, uint32_t month, char *reason, size_t len)
{
	const svc_pay_run *b = &c->u.pay_run;
	TERMINATED("ref", b->ref);
	SVC_TRY(svc_check_text("ref", b->ref, true, reason, len));
	if (b->nclaims == 0 || b->nclaims > SVC_PAY_RUN_CLAIMS_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "claims: a payment run pays 1 to %d claims, not %" PRIu32,
		                      SVC_PAY_RUN_CLAIMS_MAX, b->nclaims);
	for (uint32_t i = 0; i < b->nclaims; i++) {
		const svc_pay_line *l = &b->claims[i];
		TERMINATED("claim", l->claim);
		if (!svc_rules_is_seq_id(l->claim, 'C'))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "claim: '%s' is not a claim id (C-<node>-<seq>)",
			                      l->claim);
		if (l->amount <= 0 || l->amount > SVC_CLAIM_FEN_MAX)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "amount: claim %s: %" PRId64
			                      " fen is not from 1 to %" PRId64,
			                      l->claim, l->amount, SVC_CLAIM_FEN_MAX);
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(b->claims[j].claim, l->claim) == 0)
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "claim: %s is listed twice in one run",
				                      l->claim);
	}
	int64_t from = month_start_utc(month), to = month_start_utc(next_month(month));
	if (b->from >= b->to || (int64_t)b->from < from - ZONE_MS ||
	    (int64_t)b->from > from + ZONE_MS || (int64_t)b->to < to - ZONE_MS ||
	    (int64_t)b->to > to + ZONE_MS)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "from: the bounds %" PRIu64 "..%" PRIu64
		                      " are not those of month %04" PRIu32 "-%02" PRIu32
		                      " in any zone",
		                      b->from, b->to, month / 100, month % 100);
	return 0;
}

int svc_rules_statement_validate(const svc_change *c, char *reason, size_t len)
{
	char shop[SVC_ID_LEN];
	uint32_t month;
	if (!svc_rules_statement_parse(c->aggregate, shop, &month))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: not a statement id (Y:<shop>/<YYYY-MM>)");
	switch (c->kind) {
	case SVC_CK_PAY_RUN:
		return validate_run(c, month, reason, len);
	case SVC_CK_STATEMENT_CONFIRM: {
		const svc_statement_confirm *b = &c->u.statement_confirm;
		TERMINATED("invoice", b->invoice);
		SVC_TRY(svc_check_text("invoice", b->invoice, true, reason, len));
		if (svc_utf8_chars(b->invoice) > SVC_INVOICE_CHARS)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "invoice: %zu characters, at most %d",
			                      svc_utf8_chars(b->invoice), SVC_INVOICE_CHARS);
		return 0;
	}
	case SVC_CK_LEDGER_DEDUCT: {
		const svc_ledger_deduct *b = &c->u.ledger_deduct;
		TERMINATED("reason", b->reason);
		if (b->fen <= 0 || b->fen > SVC_CLAIM_FEN_MAX)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "fen: %" PRId64 " is not from 1 to %" PRId64, b->fen,
			                      SVC_CLAIM_FEN_MAX);
		SVC_TRY(svc_check_text("reason", b->reason, true, reason, len));
		if (svc_utf8_chars(b->reason) > SVC_DEDUCT_REASON_CHARS)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "reason: %zu characters, at most %d",
			                      svc_utf8_chars(b->reason), SVC_DEDUCT_REASON_CHARS);
		return 0;
	}
	default:
		return svc_rules_fail(SVC_EINVAL, reason, len, "kind: not a statement change");
	}
}

/* Regions and shops (HQ may originate every change, and runs and deductions
 * are HQ's alone, svc_rules.c): a shop confirms its own statement only. */
int svc_rules_statement_authorize(const svc_change *c, char *reason, size_t len)
{
	char shop[SVC_ID_LEN];
	uint32_t month;
	if (c->kind != SVC_CK_STATEMENT_CONFIRM)
		return svc_rules_fail(SVC_EDENIED, reason, len, "%s %s may not change statements",
		                      svc_role_name(c->origin_role), c->origin);
	if (c->origin_role != SVC_ROLE_SHOP)
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "%s %s may not confirm statements (the shop does)",
		                      svc_role_name(c->origin_role), c->origin);
	if (!svc_rules_statement_parse(c->aggregate, shop, &month) || strcmp(shop, c->origin) != 0)
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "shop %s may not confirm %s (only its own statements)",
		                      c->origin, c->aggregate);
	return 0;
}

/* ------------------------------------------------------------ the fold */

static int run_step(svc_statement *st, const svc_change *c, uint64_t ms, char *reason, size_t len)
{
	const svc_pay_run *b = &c->u.pay_run;
	if (c->origin_role != SVC_ROLE_HQ)
		return svc_rules_fail(SVC_EREJECT, reason, len, "statement %s: only HQ pays claims",
		                      st->id);
	for (uint32_t i = 0; i < st->nruns; i++)
		if (strcmp(st->runs[i].ref, b->ref) == 0)
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "statement %s: payment run %s is already recorded",
			                      st->id, b->ref);
	if (st->nruns >= SVC_STATEMENT_RUNS_MAX)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: already %d payment runs, the most a month "
		                      "holds",
		                      st->id, SVC_STATEMENT_RUNS_MAX);
	if (st->npaid + b->nclaims > SVC_STATEMENT_PAID_MAX)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: %" PRIu32 " claims paid and %" PRIu32
		                      " more would pass the %d a month holds",
		                      st->id, st->npaid, b->nclaims, SVC_STATEMENT_PAID_MAX);
	int64_t total = 0;
	for (uint32_t i = 0; i < b->nclaims && i < SVC_PAY_RUN_CLAIMS_MAX; i++) {
		for (uint32_t j = 0; j < st->npaid; j++)
			if (strcmp(st->paid[j].claim, b->claims[i].claim) == 0)
				return svc_rules_fail(
				    SVC_EREJECT, reason, len, "claim %s: already paid in run %s",
				    b->claims[i].claim,
				    st->runs[st->paid[j].run < SVC_STATEMENT_RUNS_MAX
				                 ? st->paid[j].run
				                 : 0]
				        .ref);
		total += b->claims[i].amount;
	}
	svc_statement_run *r = &st->runs[st->nruns];
	memset(r, 0, sizeof *r);
	SVC_COPY(r->ref, b->ref);
	r->at = ms;
	SVC_COPY(r->op, c->operator);
	r->claims = b->nclaims;
	r->total = total;
	for (uint32_t i = 0; i < b->nclaims && i < SVC_PAY_RUN_CLAIMS_MAX; i++) {
		svc_statement_paid *p = &st->paid[st->npaid++];
		memset(p, 0, sizeof *p);
		SVC_COPY(p->claim, b->claims[i].claim);
		p->amount = b->claims[i].amount;
		p->run = st->nruns;
	}
	st->nruns++;
	return 0;
}

static int confirm_step(svc_statement *st, const svc_change *c, uint64_t ms, char *reason,
                        size_t len)
{
	if (strcmp(c->origin, st->shop) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: only shop %s confirms it, not %s", st->id,
		                      st->shop, c->origin);
	if (st->confirmed)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: already confirmed with invoice %s", st->id,
		                      st->invoice);
	SVC_COPY(st->invoice, c->u.statement_confirm.invoice);
	SVC_COPY(st->confirmed_op, c->operator);
	st->confirmed = ms;
	return 0;
}

static int deduct_step(svc_statement *st, const svc_change *c, uint64_t ms, char *reason,
                       size_t len)
{
	if (c->origin_role != SVC_ROLE_HQ)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: only HQ deducts from a shop's ledger", st->id);
	if (st->ndeductions >= SVC_STATEMENT_DEDUCTIONS_MAX)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: already %d deductions, the most a month holds",
		                      st->id, SVC_STATEMENT_DEDUCTIONS_MAX);
	svc_statement_deduction *d = &st->deductions[st->ndeductions++];
	memset(d, 0, sizeof *d);
	d->fen = c->u.ledger_deduct.fen;
	SVC_COPY(d->reason, c->u.ledger_deduct.reason);
	d->at = ms;
	return 0;
}

static int statement_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_statement *st = state;
	uint64_t ms = svc_hlc_ms(c->hlc);
	int rc;
	if (svc_rules_agg_type(c) != SVC_AGG_STATEMENT)
		return svc_rules_wrong_kind("statement", c, reason, len);
	if (exists && strcmp(st->id, c->aggregate) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "statement %s: a change for %s cannot fold into it", st->id,
		                      c->aggregate);
	if (!exists) {
		char shop[SVC_ID_LEN];
		uint32_t month;
		if (!svc_rules_statement_parse(c->aggregate, shop, &month))
			return svc_rules_fail(SVC_EREJECT, reason, len,
			                      "%s: not a statement id (Y:<shop>/<YYYY-MM>)",
			                      c->aggregate);
		memset(st, 0, sizeof *st);
		SVC_COPY(st->id, c->aggregate);
		SVC_COPY(st->shop, shop);
		st->month = month;
	}
	switch (c->kind) {
	case SVC_CK_PAY_RUN:
		rc = run_step(st, c, ms, reason, len);
		break;
	case SVC_CK_STATEMENT_CONFIRM:
		rc = confirm_step(st, c, ms, reason, len);
		break;
	case SVC_CK_LEDGER_DEDUCT:
		rc = deduct_step(st, c, ms, reason, len);
		break;
	default:
		return svc_rules_wrong_kind("statement", c, reason, len);
	}
	if (rc != 0)
		return rc;
	svc_rules_set_last(&st->last, c);
	return 0;
}

const svc_rules svc_rules_statement = {
    .name = "statement",
    .state_size = sizeof(svc_statement),
    .step = statement_step,
};

/*
 * test_ledger: a shop's ledger derived from its records (lib/svc_ledger.c).
 *
 * The facts are written as the folded records would give them: claims with
 * their approval times and part lines, the old parts' receipts and HQ's
 * waivers (accepted at the region, waived), the months' statements with
 * their payment runs and deductions. Checked: which claims are payable
 * while an old part is out, a chargeback at the deadline and its credit
 * back (a receipt after the deadline, a waiver), none when the part came
 * back in time, the running balance, and a month's opening and closing
 * balance carried into the next month.
 */
#include "svc_ledger.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#define DAY INT64_C(86400000)
/* 2026-11-01 00:00 and 2026-12-01 00:00 in Asia/Shanghai (UTC+8), in ms. */
#define NOV UINT64_C(1761926400000)
#define DEC UINT64_C(1764518400000)
#define JAN UINT64_C(1767196800000)

static void claim(svc_ledger_claim *c, const char *id, uint32_t status, int64_t total,
                  int64_t approved, uint64_t submitted, uint64_t decided)
{
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s", id);
	c->status = status;
	c->total = total;
	c->approved = approved;
	c->submitted = submitted;
	c->decided = decided;
}

static void line(svc_ledger_claim *c, const char *part, int64_t amount, bool returnable,
                 uint64_t back, uint64_t waived)
{
	svc_ledger_line *l = &c->lines[c->nlines++];
	snprintf(l->part_no, sizeof l->part_no, "%s", part);
	l->qty = 1;
	l->amount = amount;
	l->returnable = returnable;
	l->back = back;
	l->waived = waived;
}

static void statement(svc_statement *st, const char *id, uint32_t month)
{
	memset(st, 0, sizeof *st);
	snprintf(st->id, sizeof st->id, "%s", id);
	snprintf(st->shop, sizeof st->shop, "shop-a");
	st->month = month;
}

static void pay(svc_statement *st, const char *ref, uint64_t at, const char *claim_id,
                int64_t amount)
{
	uint32_t r = st->nruns;
	if (!st->nruns || strcmp(st->runs[r - 1].ref, ref) != 0) {
		snprintf(st->runs[r].ref, sizeof st->runs[r].ref, "%s", ref);
		st->runs[r].at = at;
		st->nruns++;
	}
	r = st->nruns - 1;
	st->runs[r].claims++;
	st->runs[r].total += amount;
	svc_statement_paid *p = &st->paid[st->npaid++];
	snprintf(p->claim, sizeof p->claim, "%s", claim_id);
	p->amount = amount;
	p->run = r;
}

static void test_payable(void)
{
	svc_ledger_claim c;
	uint32_t held = 99;
	claim(&c, "C-shop-a-1", SVC_CS_APPROVED, 30000, 30000, NOV + DAY, NOV + 2 * DAY);
	line(&c, "P-FAN", 8000, false, 0, 0);
	line(&c, "P-COMP", 20000, true, 0, 0);
	CHECK(!svc_ledger_payable(&c, &held));
	CHECK_INT(held, 1);
	c.lines[1].back = NOV + 5 * DAY; /* received and accepted at the region */
	CHECK(svc_ledger_payable(&c, &held));
	c.lines[1].back = 0;
	c.lines[1].waived = NOV + 6 * DAY; /* HQ waived the return */
	CHECK(svc_ledger_payable(&c, NULL));
	/* nothing to return: payable at once */
	c.lines[1].returnable = false;
	c.lines[1].waived = 0;
	CHECK(svc_ledger_payable(&c, NULL));
}

static const svc_ledger_entry *find(const svc_ledger *l, uint32_t kind, const char *ref)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == kind && strcmp(l->v[i].ref, ref) == 0)
			return &l->v[i];
	return NULL;
}

static void test_chargeback(void)
{
	svc_ledger_claim c;
	svc_ledger l;
	const svc_ledger_entry *e;
	uint64_t approved = NOV + 2 * DAY, deadline = approved + 30 * DAY;

	claim(&c, "C-shop-a-1", SVC_CS_APPROVED, 30000, 30000, NOV + DAY, approved);
	line(&c, "P-COMP", 20000, true, 0, 0);

	/* before the deadline: the credit only */
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline - 1), 0);
	svc_ledger_finish(&l);
	CHECK_INT(l.n, 1);
	CHECK_INT(l.v[0].kind, SVC_LE_CREDIT);
	CHECK_INT(l.v[0].amount, 30000);
	CHECK_INT(l.v[0].at, approved);
	svc_ledger_fini(&l);

	/* the deadline passed, the part still out: charged back at the deadline */
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline + DAY), 0);
	svc_ledger_finish(&l);
	CHECK_INT(l.n, 2);
	e = find(&l, SVC_LE_CHARGEBACK, "C-shop-a-1");
	CHECK(e != NULL);
	if (e) {
		CHECK_INT(e->at, deadline);
		CHECK_INT(e->amount, -20000);
		CHECK_INT(e->balance, 10000);
		CHECK_STR(e->note, "P-COMP");
	}
	svc_ledger_fini(&l);

	/* it came back after the deadline: credited back on its receipt */
	c.lines[0].back = deadline + 3 * DAY;
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline + 10 * DAY), 0);
	svc_ledger_finish(&l);
	CHECK_INT(l.n, 3);
	e = find(&l, SVC_LE_CHARGEBACK_BACK, "C-shop-a-1");
	CHECK(e != NULL);
	if (e) {
		CHECK_INT(e->at, deadline + 3 * DAY);
		CHECK_INT(e->amount, 20000);
		CHECK_INT(e->balance, 30000);
	}
	svc_ledger_fini(&l);

	/* waived by HQ later instead: the same credit back at the waiver */
	c.lines[0].back = 0;
	c.lines[0].waived = deadline + 4 * DAY;
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline + 10 * DAY), 0);
	svc_ledger_finish(&l);
	e = find(&l, SVC_LE_CHARGEBACK_BACK, "C-shop-a-1");
	CHECK(e != NULL && e->at == deadline + 4 * DAY);
	CHECK_INT(l.v[l.n - 1].balance, 30000);
	svc_ledger_fini(&l);

	/* back in time: never charged */
	c.lines[0].waived = 0;
	c.lines[0].back = deadline;
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline + 10 * DAY), 0);
	svc_ledger_finish(&l);
	CHECK_INT(l.n, 1);
	svc_ledger_fini(&l);

	/* a cut claim gives back at most what it was approved for */
	claim(&c, "C-shop-a-2", SVC_CS_PARTIAL, 30000, 12000, NOV + DAY, approved);
	line(&c, "P-COMP", 20000, true, 0, 0);
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline + DAY), 0);
	svc_ledger_finish(&l);
	e = find(&l, SVC_LE_CHARGEBACK, "C-shop-a-2");
	CHECK(e != NULL && e->amount == -12000);
	CHECK_INT(l.v[l.n - 1].balance, 0);
	svc_ledger_fini(&l);

	/* rejected, returned or undecided claims owe nothing */
	claim(&c, "C-shop-a-3", SVC_CS_REJECTED, 30000, 0, NOV + DAY, approved);
	line(&c, "P-COMP", 20000, true, 0, 0);
	svc_ledger_init(&l);
	CHECK_INT(svc_ledger_add_claim(&l, &c, 30, deadline + DAY), 0);
	CHECK_INT(l.n, 0);
	svc_ledger_fini(&l);
}

/* Two months of one shop: November's claims, a payment run in December,
 * a deduction, a legacy per-claim payment, and December's claims. */
static void test_months(void)
{
	svc_ledger_claim c[5];
	svc_statement nov, dec;
	svc_ledger l;
	svc_ledger_month m;
	uint64_t now = JAN + 40 * DAY;

	claim(&c[0], "C-shop-a-1", SVC_CS_APPROVED, 30000, 30000, NOV + DAY, NOV + 3 * DAY);
	claim(&c[1], "C-shop-a-2", SVC_CS_PARTIAL, 20000, 15000, NOV + DAY, NOV + 4 * DAY);
	claim(&c[2], "C-shop-a-3", SVC_CS_REJECTED, 9000, 0, NOV + 2 * DAY, NOV + 4 * DAY);
	/* paid by the older per-claim action, in December */
	claim(&c[3], "C-shop-a-4", SVC_CS_PAID, 5000, 5000, NOV + 2 * DAY, NOV + 5 * DAY);
	c[3].paid = DEC + 2 * DAY;
	snprintf(c[3].pay_ref, sizeof c[3].pay_ref, "OLD-1");
	/* submitted in November, approved in December, its old part never back */
	claim(&c[4], "C-shop-a-5", SVC_CS_APPROVED, 40000, 40000, NOV + 20 * DAY, DEC + DAY);
	line(&c[4], "P-COMP", 25000, true, 0, 0);

	statement(&nov, "Y:shop-a/2026-11", 202611);
	pay(&nov, "PAY-11/1", DEC + 5 * DAY, "C-shop-a-1", 30000);
	nov.deductions[nov.ndeductions].fen = 2000;
	snprintf(nov.deductions[0].reason, sizeof nov.deductions[0].reason, "虚报工时");
	nov.deductions[nov.ndeductions++].at = NOV + 25 * DAY;
	statement(&dec, "Y:shop-a/2026-12", 202612);

	svc_ledger_init(&l);
	for (size_t i = 0; i < 5; i++)
		CHECK_INT(svc_ledger_add_claim(&l, &c[i], 30, now), 0);
	CHECK_INT(svc_ledger_add_statement(&l, &nov), 0);
	CHECK_INT(svc_ledger_add_statement(&l, &dec), 0);
	svc_ledger_finish(&l);
	/* credits 30000 + 15000 + 5000 + 40000, payments 30000 + 5000,
	 * deduction 2000, chargeback 25000 (December + 30 days = January) */
	CHECK_INT(l.n, 8);
	CHECK_INT(l.v[l.n - 1].balance, 90000 - 35000 - 2000 - 25000);
	for (size_t i = 1; i < l.n; i++)
		CHECK(l.v[i - 1].at <= l.v[i].at);

	svc_ledger_month_of(&m, c, 5, &nov, &l, NOV, DEC);
	CHECK_INT(m.submitted_n, 5);
	CHECK_INT(m.submitted, 30000 + 20000 + 9000 + 5000 + 40000);
	CHECK_INT(m.approved_n, 3);
	CHECK_INT(m.partial_n, 1);
	CHECK_INT(m.claimed, 55000);
	CHECK_INT(m.approved, 50000);
	CHECK_INT(m.cut, 5000);
	CHECK_INT(m.rejected_n, 1);
	CHECK_INT(m.rejected, 9000);
	CHECK_INT(m.paid_n, 2);
	CHECK_INT(m.paid, 35000);
	CHECK_INT(m.outstanding_n, 1);
	CHECK_INT(m.outstanding, 15000);
	CHECK_INT(m.deductions, 2000);
	CHECK_INT(m.chargebacks, 0);
	CHECK_INT(m.opening, 0);
	/* by November's end: 50000 approved, 2000 deducted, nothing paid yet */
	CHECK_INT(m.closing, 48000);

	svc_ledger_month_of(&m, c, 5, &dec, &l, DEC, JAN);
	CHECK_INT(m.opening, 48000); /* November's closing */
	CHECK_INT(m.approved_n, 1);
	CHECK_INT(m.outstanding, 40000);
	CHECK_INT(m.held_n, 1); /* its old part is out */
	CHECK_INT(m.closing, 48000 + 40000 - 30000 - 5000);

	svc_ledger_month_of(&m, c, 5, NULL, &l, JAN, JAN + 31 * DAY);
	CHECK_INT(m.opening, 53000);
	CHECK_INT(m.chargebacks, -25000);
	CHECK_INT(m.closing, 28000);
	svc_ledger_fini(&l);
}

static void test_names(void)
{
	CHECK_STR(svc_ledger_kind_name(SVC_LE_CREDIT), "credit");
	CHECK_STR(svc_ledger_kind_name(SVC_LE_CHARGEBACK_BACK), "chargeback_back");
	CHECK_STR(svc_ledger_kind_name(99), "unknown");
}

int main(void)
{
	test_payable();
	test_chargeback();
	test_months();
	test_names();
	return svc_test_done();
}

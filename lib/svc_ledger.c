/*
 * svc_ledger: a shop's ledger from its folded records. See svc_ledger.h.
 *
 * Every entry is dated by the change it comes from (an approval's, a run's,
 * a deduction's, a receipt's or waiver's hlc) or by a deadline that follows
 * from one, so two nodes that hold the same records list the same entries;
 * only chargebacks depend on the moment asked about (a deadline not yet
 * passed owes nothing).
 *
 * A chargeback is the line's amount, capped at what the claim was approved
 * for (a cut claim never gives back more than it got). It is due at the
 * deadline when the old part was neither back nor waived by then, and
 * credited back at the moment it came back or was waived, if that happened
 * since.
 */
#include "svc_ledger.h"

#include "svc_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS UINT64_C(86400000)

static const char *const kind_names[] = {
    [SVC_LE_CREDIT] = "credit",         [SVC_LE_PAYMENT] = "payment",
    [SVC_LE_CHARGEBACK] = "chargeback", [SVC_LE_CHARGEBACK_BACK] = "chargeback_back",
    [SVC_LE_DEDUCTION] = "deduction",
};

const char *svc_ledger_kind_name(uint32_t kind)
{
	if (kind >= sizeof kind_names / sizeof kind_names[0] || !kind_names[kind])
		return "unknown";
	return kind_names[kind];
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

void svc_ledger_claim_of(svc_ledger_claim *out, const svc_claim *cl)
{
	memset(out, 0, sizeof *out);
	copy(out->id, sizeof out->id, cl->id);
	out->status = cl->status;
	out->total = cl->total;
	out->approved = cl->approved;
	out->submitted = cl->submitted;
	out->decided = cl->decided;
	if (cl->status == SVC_CS_PAID) {
		out->paid = cl->paid;
		copy(out->pay_ref, sizeof out->pay_ref, cl->pay_ref);
	}
	copy(out->ticket, sizeof out->ticket, cl->ticket);
	out->nlines = cl->nparts <= SVC_CLAIM_PARTS_MAX ? cl->nparts : SVC_CLAIM_PARTS_MAX;
	/* a part line's number among the claim's lines: after the operations
	 * and the free labor line (svc_claim_lines) */
	uint32_t first = (cl->nops <= SVC_CLAIM_OPS_MAX ? cl->nops : SVC_CLAIM_OPS_MAX) +
	                 (cl->labor > 0 ? 1 : 0);
	bool decided = svc_ledger_approved(out);
	for (uint32_t i = 0; i < out->nlines; i++) {
		copy(out->lines[i].part_no, sizeof out->lines[i].part_no, cl->parts[i].part_no);
		out->lines[i].qty = cl->parts[i].qty;
		out->lines[i].amount = cl->parts[i].amount;
		if (decided && first + i < cl->nlines && first + i < SVC_CLAIM_LINES_MAX &&
		    cl->lines[first + i].approved >= 0)
			out->lines[i].amount = cl->lines[first + i].approved;
	}
}

bool svc_ledger_approved(const svc_ledger_claim *c)
{
	return (c->status == SVC_CS_APPROVED || c->status == SVC_CS_PARTIAL ||
	        c->status == SVC_CS_PAID) &&
	       c->decided && c->approved > 0;
}

static uint64_t settled(const svc_ledger_line *ln)
{
	if (ln->back && ln->waived)
		return ln->back < ln->waived ? ln->back : ln->waived;
	return ln->back ? ln->back : ln->waived;
}

bool svc_ledger_payable(const svc_ledger_claim *c, uint32_t *held)
{
	for (uint32_t i = 0; i < c->nlines && i < SVC_CLAIM_PARTS_MAX; i++) {
		if (c->lines[i].returnable && !settled(&c->lines[i])) {
			if (held)
				*held = i;
			return false;
		}
	}
	return true;
}

void svc_ledger_init(svc_ledger *l)
{
	memset(l, 0, sizeof *l);
}

void svc_ledger_fini(svc_ledger *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int add(svc_ledger *l, uint64_t at, uint32_t kind, const char *ref, const char *note,
               int64_t amount)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		svc_ledger_entry *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	svc_ledger_entry *e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->at = at;
	e->kind = kind;
	copy(e->ref, sizeof e->ref, ref);
	copy(e->note, sizeof e->note, note);
	e->amount = amount;
	return 0;
}

int svc_ledger_add_claim(svc_ledger *l, const svc_ledger_claim *c, unsigned old_part_days,
                         uint64_t now)
{
	if (!svc_ledger_approved(c))
		return 0;
	int rc = add(l, c->decided, SVC_LE_CREDIT, c->id, "", c->approved);
	if (rc)
		return rc;
	if (c->paid) {
		rc = add(l, c->paid, SVC_LE_PAYMENT, c->id, c->pay_ref, -c->approved);
		if (rc)
			return rc;
	}
	uint64_t deadline =
	    c->deadline ? c->deadline : c->decided + (uint64_t)old_part_days * DAY_MS;
	for (uint32_t i = 0; i < c->nlines && i < SVC_CLAIM_PARTS_MAX; i++) {
		const svc_ledger_line *ln = &c->lines[i];
		if (!ln->returnable || ln->amount <= 0)
			continue;
		uint64_t s = settled(ln);
		if ((s && s <= deadline) || deadline > now)
			continue;
		int64_t fen = ln->amount < c->approved ? ln->amount : c->approved;
		rc = add(l, deadline, SVC_LE_CHARGEBACK, c->id, ln->part_no, -fen);
		if (!rc && s)
			rc = add(l, s, SVC_LE_CHARGEBACK_BACK, c->id, ln->part_no, fen);
		if (rc)
			return rc;
	}
	return 0;
}

int svc_ledger_add_statement(svc_ledger *l, const svc_statement *st)
{
	for (uint32_t i = 0; i < st->npaid && i < SVC_STATEMENT_PAID_MAX; i++) {
		const svc_statement_paid *p = &st->paid[i];
		const svc_statement_run *r = p->run < st->nruns && p->run < SVC_STATEMENT_RUNS_MAX
		                                 ? &st->runs[p->run]
		                                 : NULL;
		int rc = add(l, r ? r->at : st->last.hlc >> 16, SVC_LE_PAYMENT, p->claim,
		             r ? r->ref : "", -p->amount);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < st->ndeductions && i < SVC_STATEMENT_DEDUCTIONS_MAX; i++) {
		const svc_statement_deduction *d = &st->deductions[i];
		int rc = add(l, d->at, SVC_LE_DEDUCTION, st->id, d->reason, -d->fen);
		if (rc)
			return rc;
	}
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const svc_ledger_entry *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int r = strcmp(x->ref, y->ref);
	if (r)
		return r;
	r = strcmp(x->note, y->note);
	if (r)
		return r;
	return x->amount < y->amount ? -1 : x->amount > y->amount;
}

void svc_ledger_finish(svc_ledger *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof l->v[0], entry_cmp);
	int64_t bal = 0;
	for (size_t i = 0; i < l->n; i++) {
		bal += l->v[i].amount;
		l->v[i].balance = bal;
	}
}

int64_t svc_ledger_balance_before(const svc_ledger *l, uint64_t ms)
{
	int64_t bal = 0;
	for (size_t i = 0; i < l->n && l->v[i].at < ms; i++)
		bal = l->v[i].balance;
	return bal;
}

bool svc_ledger_claim_paid(const svc_ledger_claim *c, const svc_statement *st)
{
	if (c->paid)
		return true;
	for (uint32_t i = 0; st && i < st->npaid && i < SVC_STATEMENT_PAID_MAX; i++)
		if (strcmp(st->paid[i].claim, c->id) == 0)
			return true;
	return false;
}

void svc_ledger_month_of(svc_ledger_month *out, const svc_ledger_claim *claims, size_t n,
                         const svc_statement *st, const svc_ledger *l, uint64_t from, uint64_t to)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const svc_ledger_claim *c = &claims[i];
		if (c->submitted >= from && c->submitted < to) {
			out->submitted_n++;
			out->submitted += c->total;
		}
		if (c->decided < from || c->decided >= to)
			continue;
		if (c->status == SVC_CS_REJECTED) {
			out->rejected_n++;
			out->rejected += c->total;
			continue;
		}
		if (!svc_ledger_approved(c))
			continue;
		out->approved_n++;
		out->partial_n += c->approved < c->total;
		out->claimed += c->total;
		out->approved += c->approved;
		if (svc_ledger_claim_paid(c, st)) {
			out->paid_n++;
			out->paid += c->approved;
		} else {
			out->outstanding_n++;
			out->outstanding += c->approved;
			out->held_n += !svc_ledger_payable(c, NULL);
		}
	}
	out->cut = out->claimed - out->approved;
	for (size_t i = 0; l && i < l->n; i++) {
		const svc_ledger_entry *e = &l->v[i];
		if (e->at >= from && e->at < to &&
		    (e->kind == SVC_LE_CHARGEBACK || e->kind == SVC_LE_CHARGEBACK_BACK))
			out->chargebacks += e->amount;
	}
	for (uint32_t i = 0; st && i < st->ndeductions && i < SVC_STATEMENT_DEDUCTIONS_MAX; i++)
		out->deductions += st->deductions[i].fen;
	out->opening = l ? svc_ledger_balance_before(l, from) : 0;
	out->closing = l ? svc_ledger_balance_before(l, to) : 0;
}

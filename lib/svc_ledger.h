/*
 * svc_ledger: a shop's ledger (往来账), derived from its folded records.
 *
 * What HQ owes a shop is not a record of its own: it follows from the
 * shop's claims (an approved amount is owed from the approval), its months'
 * statements (payment runs pay claims, HQ's deductions take from the
 * balance) and its old parts (a part line whose old part must come back and
 * is not back at the region by its deadline, the approval plus the policy's
 * old_part_days, is charged back at the deadline and credited again when
 * the part comes back or HQ waives it). This module turns those facts into
 * dated entries with a running balance, and a month's figures for its
 * statement. It is pure: the caller reads the records (svc_fold) and says
 * what time it is, so the same facts always give the same ledger.
 *
 * Not here: reading the store, the network's zone (a month is given as its
 * bounds in UTC ms), formatting.
 */
#ifndef SVC_LEDGER_H
#define SVC_LEDGER_H

#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	SVC_LE_CREDIT = 1,      /* a claim approved: HQ owes its approved amount */
	SVC_LE_PAYMENT,         /* a claim paid (a payment run, or the older per-claim pay) */
	SVC_LE_CHARGEBACK,      /* an old part not back by its deadline */
	SVC_LE_CHARGEBACK_BACK, /* that old part came back, or HQ waived it */
	SVC_LE_DEDUCTION,       /* HQ's deduction with a reason */
} svc_ledger_kind;

/* "credit", "payment", "chargeback", "chargeback_back", "deduction". */
const char *svc_ledger_kind_name(uint32_t kind);

/* A claim's part line as the ledger sees it: whether its old part must come
 * back (the catalog's return_old), and when it was back at the region
 * (accepted there, as many as the line claims) or waived by HQ (ms, 0 none). */
typedef struct {
	char part_no[SVC_PART_LEN];
	uint32_t qty;
	int64_t amount;
	bool returnable;
	uint64_t back;
	uint64_t waived;
} svc_ledger_line;

typedef struct {
	char id[SVC_AGG_LEN];
	char ticket[SVC_AGG_LEN];
	uint32_t status; /* svc_claim_status */
	int64_t total, approved;
	uint64_t submitted, decided;
	uint64_t paid;             /* the older per-claim pay action (status paid): ms */
	char pay_ref[SVC_REF_LEN]; /* its reference */
	uint32_t nlines;
	svc_ledger_line lines[SVC_CLAIM_PARTS_MAX];
	/* when its old parts are due (ms): the end of the due day in the
	 * network's zone (svc_rules_oldpart_due); 0: approval + old_part_days
	 * days */
	uint64_t deadline;
} svc_ledger_claim;

/* A claim's facts from its folded state: each part line at its approved
 * amount once HQ decided it (else as claimed); the lines' old-part facts
 * are left unset (not returnable) for the caller to fill. */
void svc_ledger_claim_of(svc_ledger_claim *out, const svc_claim *cl);

/* Approved, in full or in part (a claim paid by the older action was). */
bool svc_ledger_approved(const svc_ledger_claim *c);

/* May the claim be paid now: every line whose old part must come back is
 * back at the region or waived. *held names the first line that is not
 * (its index), when it returns false. */
bool svc_ledger_payable(const svc_ledger_claim *c, uint32_t *held);

typedef struct {
	uint64_t at; /* ms */
	uint32_t kind;
	char ref[SVC_AGG_LEN];     /* the claim; the statement for a deduction */
	char note[SVC_REASON_LEN]; /* the run's reference, the part, the reason */
	int64_t amount;            /* fen: positive when HQ owes more */
	int64_t balance;           /* after this entry (svc_ledger_finish) */
} svc_ledger_entry;

typedef struct {
	svc_ledger_entry *v;
	size_t n, cap;
} svc_ledger;

void svc_ledger_init(svc_ledger *l);
void svc_ledger_fini(svc_ledger *l);

/* A claim's entries: its credit, its older per-claim payment, and its
 * chargebacks as of `now` (a deadline, approval + old_part_days days, that
 * `now` has not reached charges nothing yet). 0 or SVC_ENOMEM. */
int svc_ledger_add_claim(svc_ledger *l, const svc_ledger_claim *c, unsigned old_part_days,
                         uint64_t now);
/* A statement's entries: the payments of its runs and its deductions. */
int svc_ledger_add_statement(svc_ledger *l, const svc_statement *st);
/* Put the entries in order (time, then kind, then record) and compute the
 * running balance. */
void svc_ledger_finish(svc_ledger *l);
/* The balance of the entries dated before `ms` (finished ledger). */
int64_t svc_ledger_balance_before(const svc_ledger *l, uint64_t ms);

/* A month's figures for its statement: the claims approved in it (bounds
 * [from, to) in UTC ms) and what became of them, the month's chargebacks,
 * its deductions, and the balance at its start and end. Counts and fen. */
typedef struct {
	uint32_t submitted_n, approved_n, partial_n, rejected_n, paid_n, outstanding_n, held_n;
	int64_t submitted, claimed, approved, cut, rejected, paid, outstanding;
	int64_t chargebacks; /* net of the month's chargebacks and credits back (<= 0 owed less) */
	int64_t deductions;  /* the statement's deductions (positive fen) */
	int64_t opening, closing;
} svc_ledger_month;

/* claims: the shop's claims; st: the month's statement (NULL: none yet);
 * l: the shop's finished ledger. */
void svc_ledger_month_of(svc_ledger_month *out, const svc_ledger_claim *claims, size_t n,
                         const svc_statement *st, const svc_ledger *l, uint64_t from, uint64_t to);
/* Is the claim paid: in the statement's runs, or by the older action? */
bool svc_ledger_claim_paid(const svc_ledger_claim *c, const svc_statement *st);

#endif

/*
 * cli_ledger: `svcsync statement ...` and `svcsync ledger ...`, a shop's
 * monthly statements (对账单) and its ledger (往来账), and `claim pay`, HQ's
 * payment run for a shop's month.
 *
 * Reports are read-side views over the folded records (svc_local_ledger_load,
 * svc_ledger): the same records give the same figures at HQ, at the shop's
 * region and at the shop. A month is the month HQ approved the claims in, in
 * the network's zone.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_journal.h"
#include "svc_local.h"
#include "svc_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char statement_usage[] =
    "usage: svcsync [--dir DIR] statement --shop S --month YYYY-MM [--json|--csv]\n"
    "       svcsync [--dir DIR] statement confirm --shop S --month YYYY-MM --invoice NO\n"
    "\n"
    "A shop's statement for a month: the claims HQ approved in that month (in the\n"
    "network's zone) and what became of them: claims submitted in the month,\n"
    "approved (and partially), cut (claimed less approved), rejected, paid and\n"
    "outstanding (and of those, held until their old parts are back), the month's\n"
    "chargebacks for old parts not back in time, HQ's deductions, the ledger's\n"
    "opening and closing balance (what HQ owes the shop at the month's start and\n"
    "end), the payment runs and the shop's confirmation. HQ reads every shop's,\n"
    "a region its shops', a shop its own. --csv writes UTF-8 with a byte order\n"
    "mark, so a spreadsheet opens Chinese text correctly; amounts in yuan.\n"
    "\n"
    "confirm: the shop confirms its statement with its invoice number (发票号码,\n"
    "at most 32 characters), once.\n";

static const char confirm_usage[] =
    "usage: svcsync [--dir DIR] statement confirm --shop S --month YYYY-MM --invoice NO\n"
    "\n"
    "The shop confirms its statement of the month with its invoice number (at\n"
    "most 32 characters). A statement is confirmed once; a second confirmation\n"
    "is refused.\n";

static const char ledger_usage[] =
    "usage: svcsync [--dir DIR] ledger --shop S [--json]\n"
    "       svcsync [--dir DIR] ledger deduct --shop S --month YYYY-MM --fen N --reason T\n"
    "\n"
    "A shop's ledger, derived from the records this node holds: each approved\n"
    "claim is a credit at its approval, each payment a debit at its run, each\n"
    "part line whose old part must come back and is not back at the region by\n"
    "its deadline (approval + the policy's old_part_days) a chargeback at the\n"
    "deadline, credited back when the part comes back or HQ waives it, and HQ's\n"
    "deductions. The balance is what HQ owes the shop.\n"
    "\n"
    "deduct: HQ deducts N fen from what it owes the shop, in the month's\n"
    "statement, with a reason (at most 60 characters).\n";

static const char deduct_usage[] =
    "usage: svcsync [--dir DIR] ledger deduct --shop S --month YYYY-MM --fen N --reason T\n"
    "\n"
    "HQ deducts N fen (a positive amount) from what it owes the shop, recorded in\n"
    "the shop's statement of the month, with a reason (at most 60 characters).\n";

/* ------------------------------------------------------------ writes */

int cli_claim_pay_run(const cli_ctx *ctx, int argc, char **argv, const char *usage)
{
	cli_args a;
	svc_store *s = NULL;
	const char *shop, *month, *ref;
	svc_pay_result res;
	char fen[32];
	int rc = cli_parse(&a, "claim pay", usage, "shop= month= ref=", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "shop", &shop)) || (rc = cli_need(&a, "month", &month)) ||
	    (rc = cli_need(&a, "ref", &ref)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_pay_run(s, shop, month, ref, &res)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	cli_money(fen, res.fen);
	printf("paid %zu claim%s of %s for %s: %s yuan in %zu run%s", res.claims,
	       res.claims == 1 ? "" : "s", shop, month, fen, res.runs, res.runs == 1 ? "" : "s");
	for (size_t i = 0; i < res.nrefs; i++)
		printf("%s%s", i ? ", " : " (", res.refs[i]);
	printf("%s\n", res.nrefs ? ")" : "");
	if (res.held)
		printf("%zu claim%s held until %s old parts are back\n", res.held,
		       res.held == 1 ? "" : "s", res.held == 1 ? "its" : "their");
	return CLI_OK;
}

static int statement_confirm(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *shop, *month, *invoice;
	int rc = cli_parse(&a, "statement confirm", confirm_usage, "shop= month= invoice=", 0, argc,
	                   argv);
	if (rc || (rc = cli_need(&a, "shop", &shop)) || (rc = cli_need(&a, "month", &month)) ||
	    (rc = cli_need(&a, "invoice", &invoice)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_statement_confirm(s, shop, month, invoice)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("statement of %s for %s confirmed with invoice %s\n", shop, month, invoice);
	return CLI_OK;
}

static int ledger_deduct(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *shop, *month, *reason;
	int64_t fen = 0;
	bool given = false;
	char m[32];
	int rc = cli_parse(&a, "ledger deduct", deduct_usage, "shop= month= fen= reason=", 0, argc,
	                   argv);
	if (rc || (rc = cli_need(&a, "shop", &shop)) || (rc = cli_need(&a, "month", &month)) ||
	    (rc = cli_need(&a, "reason", &reason)) || (rc = cli_fen(&a, "fen", &fen, &given)))
		return rc;
	if (!given)
		return cli_usage(&a, "--fen is required");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ledger_deduct(s, shop, month, fen, reason)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	cli_money(m, fen);
	printf("deducted %s yuan from %s in %s\n", m, shop, month);
	return CLI_OK;
}

/* ------------------------------------------------------------ reads */

/* Load a shop's ledger as this node holds it now. */
static int load(const cli_ctx *ctx, const char *shop, svc_local_ledger *l, uint32_t month,
                uint64_t *from, uint64_t *to)
{
	svc_store *s = NULL;
	svc_txn *t = NULL;
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc && month)
		rc = svc_local_month_bounds(t, month, from, to, NULL);
	if (!rc)
		rc = svc_local_ledger_load(t, shop, svc_journal_now_ms(), l);
	svc_txn_abort(&t);
	svc_store_close(&s);
	return rc ? cli_fail() : CLI_OK;
}

static json_t *money_json(int64_t fen)
{
	return json_integer(fen);
}

static void set(json_t *o, const char *k, json_t *v)
{
	if (o && v)
		json_object_set_new(o, k, v);
	else if (v)
		json_decref(v);
}

static void append(json_t *arr, json_t *v)
{
	if (arr && v)
		json_array_append_new(arr, v);
	else if (v)
		json_decref(v);
}

/* The claims a statement lists: those approved or rejected in its month. */
static bool in_month(const svc_ledger_claim *c, uint64_t from, uint64_t to)
{
	return c->decided >= from && c->decided < to &&
	       (svc_ledger_approved(c) || c->status == SVC_CS_REJECTED);
}

static const char *claim_run(const svc_ledger_claim *c, const svc_statement *st)
{
	if (c->paid)
		return c->pay_ref;
	for (uint32_t i = 0; st && i < st->npaid && i < SVC_STATEMENT_PAID_MAX; i++)
		if (strcmp(st->paid[i].claim, c->id) == 0 && st->paid[i].run < st->nruns &&
		    st->paid[i].run < SVC_STATEMENT_RUNS_MAX)
			return st->runs[st->paid[i].run].ref;
	return "";
}

static int statement_json(const char *shop, const char *month, const svc_local_ledger *l,
                          const svc_statement *st, const svc_ledger_month *m, uint64_t from,
                          uint64_t to)
{
	json_t *o = json_object(), *claims = json_array(), *runs = json_array(),
	       *deds = json_array();
	char id[SVC_AGG_LEN];
	uint32_t mm = 0;
	char why[SVC_REASON_LEN];
	svc_parse_month("month", month, &mm, why, sizeof why);
	svc_rules_statement_agg(id, shop, mm);
	set(o, "id", json_string(id));
	set(o, "shop", json_string(shop));
	set(o, "month", json_string(month));
	set(o, "from_ms", cli_json_ms(from));
	set(o, "to_ms", cli_json_ms(to));
	set(o, "submitted",
	    json_pack("{s:I,s:I}", "claims", (json_int_t)m->submitted_n, "fen",
	              (json_int_t)m->submitted));
	set(o, "approved",
	    json_pack("{s:I,s:I,s:I,s:I}", "claims", (json_int_t)m->approved_n, "partially",
	              (json_int_t)m->partial_n, "claimed_fen", (json_int_t)m->claimed, "fen",
	              (json_int_t)m->approved));
	set(o, "cut_fen", money_json(m->cut));
	set(o, "rejected",
	    json_pack("{s:I,s:I}", "claims", (json_int_t)m->rejected_n, "fen",
	              (json_int_t)m->rejected));
	set(o, "paid",
	    json_pack("{s:I,s:I}", "claims", (json_int_t)m->paid_n, "fen", (json_int_t)m->paid));
	set(o, "outstanding",
	    json_pack("{s:I,s:I,s:I}", "claims", (json_int_t)m->outstanding_n, "held",
	              (json_int_t)m->held_n, "fen", (json_int_t)m->outstanding));
	set(o, "chargebacks_fen", money_json(m->chargebacks));
	set(o, "deductions_fen", money_json(m->deductions));
	set(o, "opening_fen", money_json(m->opening));
	set(o, "closing_fen", money_json(m->closing));
	for (size_t i = 0; i < l->nclaims; i++) {
		const svc_ledger_claim *c = &l->claims[i];
		if (!in_month(c, from, to))
			continue;
		const char *run = claim_run(c, st);
		append(
		    claims,
		    json_pack("{s:s,s:s,s:I,s:I,s:o,s:b}", "id", c->id, "status",
		              svc_claim_status_name(c->status), "claimed_fen", (json_int_t)c->total,
		              "approved_fen", (json_int_t)c->approved, "paid_ref",
		              run[0] ? json_string(run) : json_null(), "held",
		              !run[0] && svc_ledger_approved(c) && !svc_ledger_payable(c, NULL)));
	}
	set(o, "claims", claims);
	for (uint32_t i = 0; st && i < st->nruns && i < SVC_STATEMENT_RUNS_MAX; i++)
		append(runs, json_pack("{s:s,s:o,s:s,s:I,s:I}", "ref", st->runs[i].ref, "at_ms",
		                       cli_json_ms(st->runs[i].at), "by", st->runs[i].op, "claims",
		                       (json_int_t)st->runs[i].claims, "fen",
		                       (json_int_t)st->runs[i].total));
	set(o, "runs", runs);
	for (uint32_t i = 0; st && i < st->ndeductions && i < SVC_STATEMENT_DEDUCTIONS_MAX; i++)
		append(deds, json_pack("{s:I,s:s,s:o}", "fen", (json_int_t)st->deductions[i].fen,
		                       "reason", st->deductions[i].reason, "at_ms",
		                       cli_json_ms(st->deductions[i].at)));
	set(o, "deductions", deds);
	if (st && st->confirmed)
		set(o, "confirmation",
		    json_pack("{s:s,s:s,s:o}", "invoice", st->invoice, "by", st->confirmed_op,
		              "at_ms", cli_json_ms(st->confirmed)));
	else
		set(o, "confirmation", json_null());
	return cli_json_print(o);
}

/* One CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static void csv_row(const char *a, const char *b, int64_t n, int64_t fen)
{
	char num[32], m[32];
	snprintf(num, sizeof num, "%" PRId64, n);
	cli_money(m, fen);
	csv_field(a, false);
	csv_field(b, false);
	csv_field(n >= 0 ? num : "", false);
	csv_field(m, true);
}

static int statement_csv(const char *shop, const char *month, const svc_local_ledger *l,
                         const svc_statement *st, const svc_ledger_month *m, uint64_t from,
                         uint64_t to)
{
	char w[32];
	fputs("\xEF\xBB\xBF", stdout);
	csv_field("item", false);
	csv_field("detail", false);
	csv_field("claims", false);
	csv_field("yuan", true);
	csv_row("shop", shop, -1, 0);
	csv_row("month", month, -1, 0);
	csv_row("submitted", "", m->submitted_n, m->submitted);
	csv_row("approved", "", m->approved_n, m->approved);
	csv_row("partially approved", "", m->partial_n, 0);
	csv_row("claimed (approved claims)", "", m->approved_n, m->claimed);
	csv_row("cut", "", -1, m->cut);
	csv_row("rejected", "", m->rejected_n, m->rejected);
	csv_row("paid", "", m->paid_n, m->paid);
	csv_row("outstanding", "", m->outstanding_n, m->outstanding);
	csv_row("held for old parts", "", m->held_n, 0);
	csv_row("chargebacks", "", -1, m->chargebacks);
	csv_row("deductions", "", -1, m->deductions);
	csv_row("opening balance", "", -1, m->opening);
	csv_row("closing balance", "", -1, m->closing);
	for (uint32_t i = 0; st && i < st->ndeductions && i < SVC_STATEMENT_DEDUCTIONS_MAX; i++)
		csv_row("deduction", st->deductions[i].reason, -1, st->deductions[i].fen);
	if (st && st->confirmed) {
		cli_time(w, st->confirmed);
		csv_row("confirmed", st->invoice, -1, 0);
		csv_row("confirmed by", st->confirmed_op, -1, 0);
		csv_row("confirmed at", w, -1, 0);
	}
	fputs("\r\n", stdout);
	csv_field("claim", false);
	csv_field("status", false);
	csv_field("claimed", false);
	csv_field("approved", false);
	csv_field("paid_ref", true);
	for (size_t i = 0; i < l->nclaims; i++) {
		const svc_ledger_claim *c = &l->claims[i];
		char a[32], b[32];
		if (!in_month(c, from, to))
			continue;
		cli_money(a, c->total);
		cli_money(b, c->approved);
		csv_field(c->id, false);
		csv_field(svc_claim_status_name(c->status), false);
		csv_field(a, false);
		csv_field(b, false);
		csv_field(claim_run(c, st), true);
	}
	return CLI_OK;
}

static void line(const char *label, int64_t n, int64_t fen, const char *extra)
{
	char m[32];
	cli_money(m, fen);
	if (n >= 0)
		printf("%-14s %4" PRId64 " claim%s %14s%s\n", label, n, n == 1 ? " " : "s", m,
		       extra);
	else
		printf("%-14s %26s%s\n", label, m, extra);
}

static int statement_text(const char *shop, const char *month, const svc_local_ledger *l,
                          const svc_statement *st, const svc_ledger_month *m, uint64_t from,
                          uint64_t to)
{
	char extra[64], a[32], b[32];
	printf("shop           %s\n", shop);
	printf("month          %s\n", month);
	line("submitted", m->submitted_n, m->submitted, "");
	snprintf(extra, sizeof extra, "  (%u partially)", m->partial_n);
	line("approved", m->approved_n, m->approved, m->partial_n ? extra : "");
	line("cut", -1, m->cut, "");
	line("rejected", m->rejected_n, m->rejected, "");
	line("paid", m->paid_n, m->paid, "");
	snprintf(extra, sizeof extra, "  (%u held for old parts)", m->held_n);
	line("outstanding", m->outstanding_n, m->outstanding, m->held_n ? extra : "");
	line("chargebacks", -1, m->chargebacks, "");
	line("deductions", -1, m->deductions, "");
	line("opening", -1, m->opening, "");
	line("closing", -1, m->closing, "");
	if (st && st->confirmed) {
		cli_time(a, st->confirmed);
		printf("confirmed      invoice %s by %s at %s\n", st->invoice,
		       st->confirmed_op[0] ? st->confirmed_op : "-", a);
	} else {
		printf("confirmed      no\n");
	}
	for (uint32_t i = 0; st && i < st->nruns && i < SVC_STATEMENT_RUNS_MAX; i++) {
		cli_time(a, st->runs[i].at);
		cli_money(b, st->runs[i].total);
		printf("run            %s  %s  by %s  %" PRIu32 " claim%s  %s\n", st->runs[i].ref,
		       a, st->runs[i].op[0] ? st->runs[i].op : "-", st->runs[i].claims,
		       st->runs[i].claims == 1 ? "" : "s", b);
	}
	for (uint32_t i = 0; st && i < st->ndeductions && i < SVC_STATEMENT_DEDUCTIONS_MAX; i++) {
		cli_time(a, st->deductions[i].at);
		cli_money(b, st->deductions[i].fen);
		printf("deduction      %s  %s  %s\n", b, a, st->deductions[i].reason);
	}
	printf("\n%-24s %-20s %12s %12s  %s\n", "CLAIM", "STATUS", "CLAIMED", "APPROVED", "PAID");
	for (size_t i = 0; i < l->nclaims; i++) {
		const svc_ledger_claim *c = &l->claims[i];
		if (!in_month(c, from, to))
			continue;
		const char *run = claim_run(c, st);
		bool held = !run[0] && svc_ledger_approved(c) && !svc_ledger_payable(c, NULL);
		cli_money(a, c->total);
		cli_money(b, c->approved);
		printf("%-24s %-20s %12s %12s  %s\n", c->id, svc_claim_status_name(c->status), a, b,
		       run[0] ? run
		       : held ? "held"
		              : "-");
	}
	return CLI_OK;
}

static int statement_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *shop, *month;
	uint32_t mm;
	uint64_t from = 0, to = 0;
	char why[SVC_REASON_LEN];
	svc_local_ledger l;
	svc_ledger_month m;
	int rc =
	    cli_parse(&a, "statement", statement_usage, "shop= month= json csv", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "shop", &shop)) || (rc = cli_need(&a, "month", &month)))
		return rc;
	if (svc_parse_month("month", month, &mm, why, sizeof why))
		return cli_failf("%s", why);
	if (cli_flag(&a, "json") && cli_flag(&a, "csv"))
		return cli_usage(&a, "--json and --csv: choose one");
	if ((rc = load(ctx, shop, &l, mm, &from, &to)))
		return rc;
	const svc_statement *st = svc_local_ledger_statement(&l, mm);
	svc_ledger_month_of(&m, l.claims, l.nclaims, st, &l.ledger, from, to);
	if (cli_flag(&a, "json"))
		rc = statement_json(shop, month, &l, st, &m, from, to);
	else if (cli_flag(&a, "csv"))
		rc = statement_csv(shop, month, &l, st, &m, from, to);
	else
		rc = statement_text(shop, month, &l, st, &m, from, to);
	svc_local_ledger_free(&l);
	return rc;
}

int cli_cmd_statement(const cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "confirm") == 0)
		return statement_confirm(ctx, argc - 1, argv + 1);
	return statement_show(ctx, argc, argv);
}

static int ledger_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *shop;
	svc_local_ledger l;
	char when[32], amt[32], bal[32];
	int rc = cli_parse(&a, "ledger", ledger_usage, "shop= json", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "shop", &shop)))
		return rc;
	if ((rc = load(ctx, shop, &l, 0, NULL, NULL)))
		return rc;
	int64_t balance = l.ledger.n ? l.ledger.v[l.ledger.n - 1].balance : 0;
	if (cli_flag(&a, "json")) {
		json_t *o = json_object(), *arr = json_array();
		set(o, "shop", json_string(shop));
		for (size_t i = 0; i < l.ledger.n; i++) {
			const svc_ledger_entry *e = &l.ledger.v[i];
			append(arr,
			       json_pack("{s:o,s:s,s:s,s:s,s:I,s:I}", "at_ms", cli_json_ms(e->at),
			                 "kind", svc_ledger_kind_name(e->kind), "ref", e->ref,
			                 "note", e->note, "fen", (json_int_t)e->amount,
			                 "balance_fen", (json_int_t)e->balance));
		}
		set(o, "entries", arr);
		set(o, "balance_fen", json_integer(balance));
		svc_local_ledger_free(&l);
		return cli_json_print(o);
	}
	printf("%-16s %-16s %-24s %12s %12s  %s\n", "DATE", "KIND", "RECORD", "AMOUNT", "BALANCE",
	       "NOTE");
	for (size_t i = 0; i < l.ledger.n; i++) {
		const svc_ledger_entry *e = &l.ledger.v[i];
		cli_time(when, e->at);
		cli_money(amt, e->amount);
		cli_money(bal, e->balance);
		printf("%-16s %-16s %-24s %12s %12s  %s\n", when, svc_ledger_kind_name(e->kind),
		       e->ref, amt, bal, e->note);
	}
	cli_money(bal, balance);
	printf("balance %s yuan (what HQ owes %s)\n", bal, shop);
	svc_local_ledger_free(&l);
	return CLI_OK;
}

int cli_cmd_ledger(const cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "deduct") == 0)
		return ledger_deduct(ctx, argc - 1, argv + 1);
	return ledger_show(ctx, argc, argv);
}

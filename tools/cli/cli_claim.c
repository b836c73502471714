/*
 * cli_claim: `svcsync claim ...`, settlement claims (结算单).
 *
 * A shop submits; its region (or HQ) audits or returns; HQ approves (fully or
 * partly) or rejects, and pays a shop's month in payment runs (cli_ledger.c). The CLI only names
 * the decision: the revision and the claimed total it applies to are taken from the claim as this
 * node holds it (svc_local_claim_decide), so a decision can never be recorded against a revision
 * the person did not see.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_local.h"
#include "svc_rules.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char claim_usage[] =
    "usage: svcsync [--dir DIR] claim submit --ticket ID [--op CODE[:MINUTES]]...\n"
    "                           [--labor FEN] [--part PART_NO:QTY]... [--distance-km N]\n"
    "                           [--travel FEN] [--other FEN] [--total FEN] [--note TEXT]\n"
    "       svcsync [--dir DIR] claim audit|approve|reject ID\n"
    "                           [--line N [--amount FEN] [--reason TEXT]]... [--reason TEXT]\n"
    "       svcsync [--dir DIR] claim return ID --reason TEXT\n"
    "       svcsync [--dir DIR] claim pay --shop S --month YYYY-MM --ref REF\n"
    "       svcsync [--dir DIR] claim allow TICKET_ID --reason TEXT\n"
    "       svcsync [--dir DIR] claim list [--status S] [--json]\n"
    "       svcsync [--dir DIR] claim show ID [--json]\n"
    "       svcsync [--dir DIR] claim history ID [--json]\n"
    "\n"
    "Amounts are integer fen (12550 is 125.50 yuan). Statuses: submitted, audited,\n"
    "returned, approved, partially_approved, rejected, paid.\n"
    "Run 'svcsync claim SUBCOMMAND --help' for details.\n";

static const char submit_usage[] =
    "usage: svcsync [--dir DIR] claim submit --ticket ID [--op CODE[:MINUTES]]...\n"
    "                           [--labor FEN] [--part PART_NO:QTY]... [--distance-km N]\n"
    "                           [--travel FEN] [--other FEN] [--total FEN] [--note TEXT]\n"
    "\n"
    "Submit this shop's claim for a ticket assigned to it and resolved or closed,\n"
    "and print the claim id alone on stdout. The desk computes each line:\n"
    "  --op       a labor operation ('labor list') of the ticket's product\n"
    "             category: MINUTES (default its standard time) x the labor rate\n"
    "             of the ticket's region grade / 60; more minutes than the\n"
    "             standard is flagged over the card (at most 8 operations)\n"
    "  --labor    a free labor amount, flagged free\n"
    "  --part     at the price in force when this shop first consumed the part\n"
    "             on the ticket ('catalog price'), else the catalog price (at\n"
    "             most 16 lines)\n"
    "  --distance-km  travel by HQ's bands ('travel bands'); beyond the last band\n"
    "             the last band's amount, flagged over the card\n"
    "  --travel   a free travel amount instead, flagged free\n"
    "  --other    any other amount\n"
    "Every node's fold computes the lines again at the claim's place in order and\n"
    "refuses a claim whose lines differ. --total, when given, must equal the sum\n"
    "of the lines. A returned or rejected claim is resubmitted with the same\n"
    "command, as its next revision.\n"
    "Each part may be claimed at most as many times as this shop consumed it on\n"
    "the ticket ('part consume', less reversals) before the claim; every node's\n"
    "fold holds the claim to that too. A claim may ask for at most the\n"
    "claim_max_fen (default 10000000 fen, 100,000 yuan), each line at most the\n"
    "claim_line_max_fen (default 5000000 fen), of the policy version its ticket\n"
    "was judged under; every node's fold holds it to them.\n"
    "No claim is made on a consult or complaint ticket, nor on customer-paid work\n"
    "(a ticket out of the warranty judged at its opening, or with a customer\n"
    "charge: 'ticket charge') unless HQ allowed it ('claim allow').\n";

static const char allow_usage[] =
    "usage: svcsync [--dir DIR] claim allow TICKET_ID --reason TEXT\n"
    "\n"
    "HQ: allow claims on a customer-paid ticket (out of warranty, or charged to\n"
    "the customer), with the reason (at most 60 characters). Every node's fold\n"
    "reads the leave from the ticket at the claim's place in order: a claim\n"
    "folded before the leave stays refused, and is submitted again after it.\n";

static const char decide_usage[] =
    "usage: svcsync [--dir DIR] claim audit|approve|reject ID\n"
    "                           [--line N [--amount FEN] [--reason TEXT]]... [--reason TEXT]\n"
    "       svcsync [--dir DIR] claim return ID --reason TEXT\n"
    "\n"
    "Decide on a claim, at the revision and total it stands at here. Lines are\n"
    "numbered as 'claim show' lists them; each --line N takes the --amount and\n"
    "--reason (at most 40 characters) that follow it, up to the next --line (at\n"
    "most 12 lines at once); a --reason before any --line is the decision's.\n"
    "  audit    the claim's region or HQ: the claim checks out; a line named is\n"
    "           the region's proposed cut. The desk also records a repeat\n"
    "           repair: another ticket on the same product unit resolved within\n"
    "           30 days before this ticket opened, as this store holds them\n"
    "           (flags the labor lines)\n"
    "  return   the claim's region or HQ: back to the shop to correct (--reason)\n"
    "  approve  HQ: each line named at its --amount, every other line at the\n"
    "           region's proposal, else in full; the claim's approved amount is\n"
    "           their sum (less than claimed: partially_approved). A flagged line\n"
    "           (over the card, free, repeat repair) approved in full needs a\n"
    "           reason. --amount before any --line cuts the sum from the last line\n"
    "           up.\n"
    "  reject   HQ: refuse the claim (--reason); with --line, only those lines\n"
    "           (at 0, each with a reason), the rest as approve\n"
    "Claims are paid by the month: see 'svcsync claim pay --help'.\n";

static const char pay_usage[] =
    "usage: svcsync [--dir DIR] claim pay --shop S --month YYYY-MM --ref REF\n"
    "\n"
    "HQ: one payment run for a shop's month: every claim of the shop HQ approved\n"
    "(in full or in part) in that month, in the network's zone, and not yet paid,\n"
    "each for its approved amount. A claim whose old part must come back waits\n"
    "for a later run until it is back at the region (or HQ waived it). A run pays\n"
    "at most 32 claims: a larger month is paid in runs REF/1, REF/2, ... Every\n"
    "node's fold holds each run to its claims: the shop's, approved in the month,\n"
    "for the amount approved, paid once. With the policy's pay_require_two=yes\n"
    "the payer (--operator) must not be the operator who approved the claim.\n"
    "Refused when the month has nothing approved left to pay.\n";

static const char history_usage[] =
    "usage: svcsync [--dir DIR] claim history ID [--json]\n"
    "\n"
    "Each version of a claim: every submission, audit, decision, return and\n"
    "resubmission, with its lines, amounts and per-line decisions and reasons.\n";

static const char list_usage[] =
    "usage: svcsync [--dir DIR] claim list [--status S] [--json]\n"
    "\n"
    "Claims this node holds, newest submission first, with the flags of their\n"
    "lines (over-card, free, repeat-repair): a region's audit list is\n"
    "'claim list --status submitted'.\n";

static const char show_usage[] = "usage: svcsync [--dir DIR] claim show ID [--json]\n"
                                 "\n"
                                 "A claim's lines, amounts, decisions and history\n"
                                 "(each change with the operator who entered it).\n";

/* ------------------------------------------------------------ submit */

int cli_part_lines(const cli_args *a, svc_claim_request *r,
                   char parts[SVC_CLAIM_PARTS_MAX][SVC_PART_LEN])
{
	const char *lines[SVC_CLAIM_PARTS_MAX];
	size_t nlines = cli_opts(a, "part", lines, SVC_CLAIM_PARTS_MAX);
	if (nlines > SVC_CLAIM_PARTS_MAX)
		return cli_usage(a, "--part: %zu lines, at most %d", nlines, SVC_CLAIM_PARTS_MAX);
	for (size_t i = 0; i < nlines; i++) {
		const char *v = lines[i], *colon = strrchr(v, ':');
		size_t n = colon ? (size_t)(colon - v) : 0;
		if (!colon || n == 0 || n >= SVC_PART_LEN ||
		    cli_parse_i64(colon + 1, &r->parts[r->nparts].qty))
			return cli_usage(a, "--part: '%s' is not PART_NO:QTY", v);
		memcpy(parts[r->nparts], v, n);
		parts[r->nparts][n] = '\0';
		r->parts[r->nparts].part_no = parts[r->nparts];
		r->nparts++;
	}
	return 0;
}

/* --op CODE[:MINUTES], each into r->ops (codes copied into ops[]). */
static int claim_ops(const cli_args *a, svc_claim_request *r, char ops[][SVC_POLICY_CODE_LEN])
{
	const char *v[SVC_CLAIM_OPS_MAX + 1];
	size_t n = cli_opts(a, "op", v, SVC_CLAIM_OPS_MAX + 1);
	if (n > SVC_CLAIM_OPS_MAX)
		return cli_usage(a, "--op: at most %d operations", SVC_CLAIM_OPS_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(v[i], ':');
		size_t len = colon ? (size_t)(colon - v[i]) : strlen(v[i]);
		int64_t min = 0;
		if (len == 0 || len >= SVC_POLICY_CODE_LEN ||
		    (colon && (cli_parse_i64(colon + 1, &min) || min < 1 || min > 100000)))
			return cli_usage(a, "--op: '%s' is not CODE or CODE:MINUTES", v[i]);
		memcpy(ops[i], v[i], len);
		ops[i][len] = '\0';
		r->ops[i].code = ops[i];
		r->ops[i].minutes = (uint32_t)min;
	}
	r->nops = n;
	return 0;
}

static int claim_submit(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_claim_request r;
	char parts[SVC_CLAIM_PARTS_MAX][SVC_PART_LEN];
	char ops[SVC_CLAIM_OPS_MAX][SVC_POLICY_CODE_LEN];
	char id[SVC_AGG_LEN];
	bool given;
	int rc = cli_parse(&a, "claim submit", submit_usage,
	                   "ticket= labor= part=* op=* distance-km= travel= other= total= note=", 0,
	                   argc, argv);
	if (rc)
		return rc;
	memset(&r, 0, sizeof r);
	if ((rc = cli_need(&a, "ticket", &r.ticket)) ||
	    (rc = cli_fen(&a, "labor", &r.labor, &given)) || (rc = claim_ops(&a, &r, ops)))
		return rc;
	int64_t km = 0;
	if ((rc = cli_int(&a, "distance-km", &km, &given)))
		return rc;
	if (given && (km < 1 || km > 100000))
		return cli_usage(&a, "--distance-km: %" PRId64 " is outside 1..100000", km);
	r.distance_km = (uint32_t)km;
	if ((rc = cli_fen(&a, "travel", &r.travel, NULL)) ||
	    (rc = cli_fen(&a, "other", &r.other, NULL)) ||
	    (rc = cli_fen(&a, "total", &r.total, &r.has_total)))
		return rc;
	r.note = cli_opt(&a, "note");
	if ((rc = cli_part_lines(&a, &r, parts)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_claim_submit(s, &r, id, NULL, NULL)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", id);
	return CLI_OK;
}

static int claim_allow(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *reason;
	int rc = cli_parse(&a, "claim allow", allow_usage, "reason=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "ticket ID")) || (rc = cli_need(&a, "reason", &reason)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_claim_allow(s, a.pos[0], reason)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("claims allowed on %s\n", a.pos[0]);
	return CLI_OK;
}

/* ------------------------------------------------------------ decisions */

/* The decision's options in the order given: each --line N opens a line
 * decision that takes the --amount and --reason after it; before any --line
 * they are the decision's own. */
struct decide_opts {
	int64_t amount;
	const char *reason;
	size_t nlines;
	svc_claim_line_request lines[SVC_CLAIM_DECISIONS_MAX];
};

/* An option's name as cli_parse keeps it: a pointer into the spec. */
static bool opt_is(const char *sname, const char *want)
{
	size_t n = strlen(want);
	return strncmp(sname, want, n) == 0 &&
	       (sname[n] == '\0' || sname[n] == '=' || sname[n] == ' ');
}

static int decide_opts(const cli_args *a, uint32_t action, struct decide_opts *d)
{
	memset(d, 0, sizeof *d);
	svc_claim_line_request *cur = NULL;
	for (size_t i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].name, *val = a->opt[i].val;
		int64_t v;
		if (opt_is(name, "line")) {
			if (d->nlines == SVC_CLAIM_DECISIONS_MAX)
				return cli_usage(a, "--line: at most %d lines at once",
				                 SVC_CLAIM_DECISIONS_MAX);
			if (cli_parse_i64(val, &v) || v < 1 || v > SVC_CLAIM_LINES_MAX)
				return cli_usage(a, "--line: '%s' is not a line number", val);
			cur = &d->lines[d->nlines++];
			cur->line = (uint32_t)v;
			cur->amount = -1;
		} else if (opt_is(name, "amount")) {
			if (cli_parse_i64(val, &v) || v < 0)
				return cli_usage(a, "--amount: '%s' is not an amount in fen", val);
			if (cur && cur->amount >= 0)
				return cli_usage(a, "--amount: line %" PRIu32 " has two amounts",
				                 cur->line);
			if (cur)
				cur->amount = v;
			else
				d->amount = v;
		} else if (opt_is(name, "reason")) {
			if (cur)
				cur->reason = val;
			else
				d->reason = val;
		}
	}
	for (size_t i = 0; i < d->nlines; i++) {
		svc_claim_line_request *l = &d->lines[i];
		if (l->amount < 0 && action == SVC_CA_REJECT)
			l->amount = 0;
		else if (l->amount < 0)
			return cli_usage(a, "--line %" PRIu32 ": --amount FEN is required",
			                 l->line);
		else if (action == SVC_CA_REJECT)
			return cli_usage(a, "--line %" PRIu32 ": a rejected line takes no --amount",
			                 l->line);
	}
	return 0;
}

static int claim_pay(const cli_ctx *ctx, int argc, char **argv)
{
	return cli_claim_pay_run(ctx, argc, argv, pay_usage);
}

static int claim_decide(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	uint32_t action;
	struct decide_opts d;
	char cmd[32], repeat[SVC_AGG_LEN] = "";
	snprintf(cmd, sizeof cmd, "claim %s", argv[0]);
	int rc = cli_parse(&a, cmd, decide_usage, "amount=* reason=* ref= line=*", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "claim ID")))
		return rc;
	if (svc_claim_action_parse(argv[0], &action))
		return cli_usage(&a, "%s", svc_errmsg());
	if ((rc = decide_opts(&a, action, &d)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_claim_decide_lines(s, a.pos[0], action, d.amount, d.reason,
	                                 cli_opt(&a, "ref"), d.lines, d.nlines, repeat)) {
		svc_store_close(&s);
		return cli_fail();
	}
	if (repeat[0])
		printf("%s: repeat repair (%s on the same unit within 30 days)\n", a.pos[0],
		       repeat);
	/* Report the state the decision produced, as this node now holds it. */
	svc_txn *t = NULL;
	svc_claim cl;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_claim_get(t, a.pos[0], &cl);
	svc_txn_abort(&t);
	cli_done_write(ctx, &s);
	if (rc)
		printf("%s: %s recorded\n", a.pos[0], argv[0]);
	else
		printf("%s: %s (revision %" PRIu32 ")\n", cl.id, svc_claim_status_name(cl.status),
		       cl.revision);
	return CLI_OK;
}

/* ------------------------------------------------------------ list */

struct list_filter {
	bool by_status;
	uint32_t status;
	cli_ids *ids;
};

static int list_cb(const svc_claim *c, void *arg)
{
	struct list_filter *f = arg;
	if (f->by_status && c->status != f->status)
		return 0;
	cli_ids_add(f->ids, c->submitted, c->id);
	return 0;
}

/* The reference of the payment run that paid an approved claim, from the
 * statement of its approval month (network zone), or NULL: a claim's
 * payment is the statement's record, not the claim's. */
static const char *paid_by_run(svc_txn *t, const svc_claim *c, char ref[SVC_REF_LEN])
{
	char when[32], agg[SVC_AGG_LEN];
	unsigned y, m;
	if ((c->status != SVC_CS_APPROVED && c->status != SVC_CS_PARTIAL) || !c->decided)
		return NULL;
	cli_time(when, c->decided);
	if (sscanf(when, "%4u-%2u", &y, &m) != 2)
		return NULL;
	svc_rules_statement_agg(agg, c->shop, y * 100 + m);
	svc_statement *st = malloc(sizeof *st);
	const char *out = NULL;
	if (st && svc_fold_statement_get(t, agg, st) == 0) {
		for (uint32_t i = 0; i < st->npaid && i < SVC_STATEMENT_PAID_MAX && !out; i++)
			if (strcmp(st->paid[i].claim, c->id) == 0 && st->paid[i].run < st->nruns &&
			    st->paid[i].run < SVC_STATEMENT_RUNS_MAX) {
				snprintf(ref, SVC_REF_LEN, "%s", st->runs[st->paid[i].run].ref);
				out = ref;
			}
	}
	svc_errclear();
	free(st);
	return out;
}

static void claim_row(svc_txn *t, cli_list *l, const svc_claim *c)
{
	char ref[SVC_REF_LEN];
	const char *paid = paid_by_run(t, c, ref);
	if (cli_list_json(l)) {
		json_t *o = cli_json_claim(c);
		if (paid) /* as a claim paid by the older per-claim action has it */
			json_object_set_new(o, "pay_ref", json_string(paid));
		json_object_set_new(o, "paid", json_boolean(paid || c->status == SVC_CS_PAID));
		cli_list_obj(l, o);
		return;
	}
	char rev[16], total[32], approved[32], submitted[32];
	snprintf(rev, sizeof rev, "%" PRIu32, c->revision);
	cli_money(total, c->total);
	if (c->approved)
		cli_money(approved, c->approved);
	else
		snprintf(approved, sizeof approved, "-");
	cli_time(submitted, c->submitted);
	/* claim lines: every flag of its lines, for the region's audit */
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	uint32_t n = svc_claim_lines(c, v), flags = 0;
	char f[48];
	for (uint32_t i = 0; i < n; i++)
		flags |= v[i].flags;
	svc_claim_flags_fmt(f, flags);
	/* paid by a run: the claim's own status stays what HQ decided */
	const char *cells[] = {
	    c->id, c->ticket, c->shop,  paid ? "paid" : svc_claim_status_name(c->status),
	    rev,   total,     approved, submitted,
	    f};
	cli_list_row(l, cells);
}

static void claim_row_id(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_claim c;
	(void)arg;
	if (svc_fold_claim_get(t, id, &c) == 0)
		claim_row(t, l, &c);
}

static int claim_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	struct list_filter *f = arg;
	(void)s;
	f->ids = ids;
	return svc_fold_claim_each(t, list_cb, f);
}

static int claim_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID",    "TICKET",   "SHOP",      "STATUS", "REV",
	                                      "TOTAL", "APPROVED", "SUBMITTED", "FLAGS"};
	static const cli_list_spec spec = {headers, "llllrrrll", false, claim_collect,
	                                   claim_row_id};
	cli_args a;
	struct list_filter f = {0};
	const char *st;
	int rc = cli_parse(&a, "claim list", list_usage, "status= json", 0, argc, argv);
	if (rc)
		return rc;
	if ((st = cli_opt(&a, "status"))) {
		if (svc_claim_status_parse(st, &f.status))
			return cli_usage(&a, "--%s", svc_errmsg());
		f.by_status = true;
	}
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, &f);
}

/* ------------------------------------------------------------ show */

/* The claim's lines, numbered, with their flags and decisions. */
static void lines_text(const svc_claim *c)
{
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	uint32_t n = svc_claim_lines(c, v);
	bool approved = c->decided && c->status != SVC_CS_RETURNED;
	printf("  %2s  %-6s %-16s %6s %12s  %-24s %12s %12s\n", "#", "KIND", "WHAT", "QTY",
	       "AMOUNT", "FLAGS", "PROPOSED", "APPROVED");
	for (uint32_t i = 0; i < n; i++) {
		char m[3][32], f[48], q[16];
		cli_money(m[0], v[i].amount);
		if (c->lines[i].has_proposal)
			cli_money(m[1], c->lines[i].proposed);
		else
			snprintf(m[1], sizeof m[1], "-");
		if (approved)
			cli_money(m[2], c->lines[i].approved);
		else
			snprintf(m[2], sizeof m[2], "-");
		svc_claim_flags_fmt(f, v[i].flags);
		if (v[i].qty)
			snprintf(q, sizeof q, "%" PRIu32 "%s", v[i].qty,
			         v[i].kind == SVC_LINE_OP       ? "min"
			         : v[i].kind == SVC_LINE_TRAVEL ? "km"
			                                        : "");
		else
			snprintf(q, sizeof q, "-");
		printf("  %2" PRIu32 "  %-6s %-16s %6s %12s  %-24s %12s %12s\n", i + 1,
		       svc_claim_line_kind_name(v[i].kind), v[i].what[0] ? v[i].what : "-", q, m[0],
		       f, m[1], m[2]);
	}
}

static void show_text(const svc_claim *c, const cli_history *h)
{
	char m[4][32], when[32];
	printf("claim          %s\n", c->id);
	printf("status         %s\n", svc_claim_status_name(c->status));
	printf("revision       %" PRIu32 "\n", c->revision);
	printf("ticket         %s\n", c->ticket);
	printf("shop           %s\n", c->shop);
	printf("region         %s\n", c->region[0] ? c->region : "-");
	cli_money(m[0], c->labor);
	printf("labor          %12s\n", m[0]);
	for (uint32_t i = 0; i < c->nparts && i < SVC_CLAIM_PARTS_MAX; i++) {
		const svc_claim_part *p = &c->parts[i];
		cli_money(m[0], p->amount);
		cli_money(m[1], p->unit_price);
		printf("part           %12s  %s x %" PRIu32 " at %s\n", m[0], p->part_no, p->qty,
		       m[1]);
	}
	cli_money(m[0], c->travel);
	cli_money(m[1], c->other);
	cli_money(m[2], c->total);
	printf("travel         %12s\n", m[0]);
	printf("other          %12s\n", m[1]);
	printf("total          %12s\n", m[2]);
	if (c->approved) {
		cli_money(m[3], c->approved);
		printf("approved       %12s\n", m[3]);
	}
	printf("lines\n");
	lines_text(c);
	if (c->repeat_of[0])
		printf("repeat repair  %s (same unit, within 30 days)\n", c->repeat_of);
	if (c->note[0])
		printf("note           %s\n", c->note);
	if (c->reason[0])
		printf("reason         %s\n", c->reason);
	if (c->pay_ref[0])
		printf("payment ref    %s\n", c->pay_ref);
	cli_time(when, c->submitted);
	printf("submitted      %s\n", when);
	if (c->audited) {
		cli_time(when, c->audited);
		printf("audited        %s by %s\n", when, c->audited_by);
	}
	if (c->decided) {
		cli_time(when, c->decided);
		printf("decided        %s by %s%s%s\n", when, c->decided_by,
		       c->decided_op[0] ? ", " : "", c->decided_op);
	}
	if (c->paid) {
		cli_time(when, c->paid);
		printf("paid           %s\n", when);
	}
	printf("\nhistory\n");
	cli_history_print(h);
}

static int claim_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_claim c;
	cli_history h = {0};
	int rc = cli_parse(&a, "claim show", show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "claim ID")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_claim_get(t, a.pos[0], &c);
	if (!rc)
		rc = cli_history_load(t, c.id, &h);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		cli_history_free(&h);
		return cli_fail();
	}
	if (cli_flag(&a, "json")) {
		json_t *o = cli_json_claim(&c);
		json_object_set_new(o, "history", cli_history_json(&h));
		cli_history_free(&h);
		return cli_json_print(o);
	}
	show_text(&c, &h);
	cli_history_free(&h);
	return CLI_OK;
}

/* ------------------------------------------------------------ history */

/* The claim's versions: its accepted changes replayed through the claim's
 * own rules (svc_rules_for), each one a version of the lines and their
 * decisions. The fold's reads are not repeated: what it accepted stands. */
struct version {
	uint32_t n;
	const svc_logged_change *lc;
};

static const char *version_label(const svc_change *c)
{
	if (c->kind == SVC_CK_CLAIM_SUBMIT)
		return c->u.claim_submit.revision > 1 ? "resubmission" : "submission";
	if (c->kind == SVC_CK_CLAIM_DECIDE)
		return svc_claim_action_name(c->u.claim_decide.action);
	return svc_change_kind_name(c->kind);
}

static json_t *version_json(uint32_t n, const svc_logged_change *lc, const svc_claim *st)
{
	json_t *o = json_object(), *dec = json_array();
	json_object_set_new(o, "version", json_integer(n));
	json_object_set_new(o, "change", json_string(version_label(&lc->c)));
	json_object_set_new(o, "origin", json_string(lc->c.origin));
	json_object_set_new(o, "operator", cli_json_opt(lc->c.operator));
	json_object_set_new(o, "at_ms", cli_json_ms(svc_hlc_ms(lc->c.hlc)));
	if (lc->c.kind == SVC_CK_CLAIM_DECIDE) {
		const svc_claim_decide *b = &lc->c.u.claim_decide;
		json_object_set_new(o, "reason", cli_json_opt(b->reason));
		for (uint32_t i = 0; i < b->nlines && i < SVC_CLAIM_DECISIONS_MAX; i++) {
			json_t *d = json_object();
			json_object_set_new(d, "line", json_integer(b->lines[i].line));
			json_object_set_new(d, "amount", json_integer(b->lines[i].amount));
			json_object_set_new(d, "reason", cli_json_opt(b->lines[i].reason));
			json_array_append_new(dec, d);
		}
	}
	json_object_set_new(o, "decisions", dec);
	json_object_set_new(o, "claim", cli_json_claim(st));
	return o;
}

static void version_text(uint32_t n, const svc_logged_change *lc, const svc_claim *st)
{
	char when[32], m[2][32];
	cli_time(when, svc_hlc_ms(lc->c.hlc));
	printf("version %" PRIu32 "  %s  %s by %s%s%s\n", n, when, version_label(&lc->c),
	       lc->c.origin, lc->c.operator[0] ? ", " : "", lc->c.operator);
	cli_money(m[0], st->total);
	cli_money(m[1], st->approved);
	printf("  revision %" PRIu32 ", %s, claimed %s, approved %s\n", st->revision,
	       svc_claim_status_name(st->status), m[0], st->approved ? m[1] : "-");
	if (lc->c.kind == SVC_CK_CLAIM_DECIDE) {
		const svc_claim_decide *b = &lc->c.u.claim_decide;
		for (uint32_t i = 0; i < b->nlines && i < SVC_CLAIM_DECISIONS_MAX; i++) {
			cli_money(m[0], b->lines[i].amount);
			printf("  line %" PRIu32 ": %s%s%s\n", b->lines[i].line, m[0],
			       b->lines[i].reason[0] ? "  " : "", b->lines[i].reason);
		}
		if (b->reason[0])
			printf("  reason: %s\n", b->reason);
		if (b->repeat_of[0])
			printf("  repeat repair: %s\n", b->repeat_of);
	}
	lines_text(st);
	printf("\n");
}

static int claim_history(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_claim *st = calloc(1, sizeof *st);
	cli_history h = {0};
	char reason[SVC_REASON_LEN];
	int rc = cli_parse(&a, "claim history", history_usage, "json", 1, argc, argv);
	if (!st)
		return cli_failf("out of memory");
	if (rc || (rc = cli_need_pos(&a, 1, "claim ID")) || (rc = cli_open(ctx, false, &s))) {
		free(st);
		return rc;
	}
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_claim_get(t, a.pos[0], st);
	if (!rc)
		rc = cli_history_load(t, st->id, &h);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		free(st);
		cli_history_free(&h);
		return cli_fail();
	}
	const svc_rules *rules = svc_rules_for(SVC_AGG_CLAIM);
	bool json = cli_flag(&a, "json"), exists = false;
	json_t *arr = json ? json_array() : NULL;
	uint32_t n = 0;
	memset(st, 0, sizeof *st);
	for (size_t i = 0; i < h.n; i++) {
		const svc_logged_change *lc = &h.v[i];
		if (lc->rejected || lc->c.kind == SVC_CK_CLAIM_ALLOW ||
		    rules->step(st, exists, &lc->c, reason, sizeof reason))
			continue;
		exists = true;
		n++;
		if (json)
			json_array_append_new(arr, version_json(n, lc, st));
		else
			version_text(n, lc, st);
	}
	free(st);
	cli_history_free(&h);
	if (json)
		return cli_json_print(arr);
	return CLI_OK;
}

int cli_cmd_claim(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"submit", claim_submit},
	    {"audit", claim_decide},
	    {"return", claim_decide},
	    {"approve", claim_decide},
	    {"reject", claim_decide},
	    {"pay", claim_pay},
	    {"list", claim_list},
	    {"show", claim_show},
	    {"allow", claim_allow},
	    {"history", claim_history},
	    {NULL, NULL},
	};
	return cli_dispatch(ctx, "claim", claim_usage, subs, argc, argv);
}

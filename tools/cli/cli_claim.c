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
    "usage: svcsync [--dir DIR] claim submit --ticket ID --labor FEN\n"
    "                           [--part PART_NO:QTY]... [--travel FEN] [--other FEN]\n"
    "                           [--total FEN] [--note TEXT]\n"
    "       svcsync [--dir DIR] claim audit|return|approve|reject ID\n"
    "                           [--amount FEN] [--reason TEXT]\n"
    "       svcsync [--dir DIR] claim pay --shop S --month YYYY-MM --ref REF\n"
    "       svcsync [--dir DIR] claim allow TICKET_ID --reason TEXT\n"
    "       svcsync [--dir DIR] claim list [--status S] [--json]\n"
    "       svcsync [--dir DIR] claim show ID [--json]\n"
    "\n"
    "Amounts are integer fen (12550 is 125.50 yuan). Statuses: submitted, audited,\n"
    "returned, approved, partially_approved, rejected, paid.\n"
    "Run 'svcsync claim SUBCOMMAND --help' for details.\n";

static const char submit_usage[] =
    "usage: svcsync [--dir DIR] claim submit --ticket ID --labor FEN\n"
    "                           [--part PART_NO:QTY]... [--travel FEN] [--other FEN]\n"
    "                           [--total FEN] [--note TEXT]\n"
    "\n"
    "Submit this shop's claim for a ticket assigned to it and resolved or closed,\n"
    "and print the claim id alone on stdout. Parts are priced from the catalog;\n"
    "--part may repeat (at most 16 lines). --total, when given, must equal the sum\n"
    "of the lines. A returned or rejected claim is resubmitted with the same\n"
    "command, as its next revision.\n"
    "Each part may be claimed at most as many times as this shop consumed it on\n"
    "the ticket ('part consume', less reversals) before the claim; every node's\n"
    "fold holds the claim to that too. A claim may ask for at most the policy's\n"
    "claim_max_fen (default 10000000 fen, 100,000 yuan), each line at most\n"
    "claim_line_max_fen (default 5000000 fen).\n"
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
    "usage: svcsync [--dir DIR] claim audit|return|approve|reject ID\n"
    "                           [--amount FEN] [--reason TEXT]\n"
    "\n"
    "Decide on a claim, at the revision and total it stands at here:\n"
    "  audit    the claim's region or HQ: the claim checks out\n"
    "  return   the claim's region or HQ: back to the shop to correct (--reason)\n"
    "  approve  HQ: approve --amount FEN (default: the whole claim; less makes it\n"
    "           partially_approved, --reason says why)\n"
    "  reject   HQ: refuse it (--reason)\n"
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

static const char list_usage[] = "usage: svcsync [--dir DIR] claim list [--status S] [--json]\n"
                                 "\n"
                                 "Claims this node holds, newest submission first.\n";

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

static int claim_submit(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_claim_request r;
	char parts[SVC_CLAIM_PARTS_MAX][SVC_PART_LEN];
	char id[SVC_AGG_LEN];
	bool given;
	int rc = cli_parse(&a, "claim submit", submit_usage,
	                   "ticket= labor= part=* travel= other= total= note=", 0, argc, argv);
	if (rc)
		return rc;
	memset(&r, 0, sizeof r);
	if ((rc = cli_need(&a, "ticket", &r.ticket)) ||
	    (rc = cli_fen(&a, "labor", &r.labor, &given)))
		return rc;
	if (!given)
		return cli_usage(&a, "--labor is required (0 for none)");
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

static int claim_pay(const cli_ctx *ctx, int argc, char **argv)
{
	return cli_claim_pay_run(ctx, argc, argv, pay_usage);
}

static int claim_decide(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	uint32_t action;
	int64_t amount = 0;
	char cmd[32];
	snprintf(cmd, sizeof cmd, "claim %s", argv[0]);
	int rc = cli_parse(&a, cmd, decide_usage, "amount= reason= ref=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "claim ID")) ||
	    (rc = cli_fen(&a, "amount", &amount, NULL)))
		return rc;
	if (svc_claim_action_parse(argv[0], &action))
		return cli_usage(&a, "%s", svc_errmsg());
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_claim_decide(s, a.pos[0], action, amount, cli_opt(&a, "reason"),
	                           cli_opt(&a, "ref"))) {
		svc_store_close(&s);
		return cli_fail();
	}
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

static void claim_row(cli_list *l, const svc_claim *c)
{
	if (cli_list_json(l)) {
		cli_list_obj(l, cli_json_claim(c));
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
	const char *cells[] = {c->id, c->ticket, c->shop,  svc_claim_status_name(c->status),
	                       rev,   total,     approved, submitted};
	cli_list_row(l, cells);
}

static void claim_row_id(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_claim c;
	(void)arg;
	if (svc_fold_claim_get(t, id, &c) == 0)
		claim_row(l, &c);
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
	static const char *const headers[] = {"ID",  "TICKET", "SHOP",     "STATUS",
	                                      "REV", "TOTAL",  "APPROVED", "SUBMITTED"};
	static const cli_list_spec spec = {headers, "llllrrrl", false, claim_collect, claim_row_id};
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
		printf("decided        %s by %s\n", when, c->decided_by);
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

int cli_cmd_claim(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"submit", claim_submit}, {"audit", claim_decide},
	    {"return", claim_decide}, {"approve", claim_decide},
	    {"reject", claim_decide}, {"pay", claim_pay},
	    {"list", claim_list},     {"show", claim_show},
	    {"allow", claim_allow},   {NULL, NULL},
	};
	return cli_dispatch(ctx, "claim", claim_usage, subs, argc, argv);
}

/*
 * cli_ticket: `svcsync ticket ...`, service tickets (work orders).
 *
 * Writes go through svc_local, which checks and explains; this file only
 * maps options to its arguments. `ticket new` prints the new id alone on
 * stdout, so scripts can capture it: ID=$(svcsync ticket new ...).
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "svc_journal.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char ticket_usage[] =
    "usage: svcsync [--dir DIR] ticket new --kind KIND (--customer-id ID | --phone PHONE\n"
    "                           [--customer NAME] [--address ADDR]) --product TEXT\n"
    "                           --fault TEXT [--serial SN] [--model MODEL]\n"
    "                           [--purchased YYYY-MM-DD] [--installed YYYY-MM-DD]\n"
    "                           [--shop SHOP] [--region REGION]\n"
    "                           [--channel phone|walk-in|letter|web]\n"
    "       svcsync [--dir DIR] ticket assign ID --shop SHOP\n"
    "       svcsync [--dir DIR] ticket status ID STATUS [--reason TEXT]\n"
    "                           [--at 'YYYY-MM-DD HH:MM'] [--fault-code CODE]\n"
    "       svcsync [--dir DIR] ticket note ID TEXT\n"
    "       svcsync [--dir DIR] ticket callback ID [--outcome reached|unreachable|refused]\n"
    "                           [--satisfaction 1-5] [--note TEXT]\n"
    "       svcsync [--dir DIR] ticket override UNIT_ID|SERIAL --kind return|exchange\n"
    "                           --reason TEXT [--shop SHOP]\n"
    "       svcsync [--dir DIR] ticket rejudge ID\n"
    "       svcsync [--dir DIR] ticket charge ID [--labor FEN] [--part PART_NO:QTY]...\n"
    "                           [--travel FEN]\n"
    "       svcsync [--dir DIR] ticket list [--status S] [--shop S] [--overdue] [--flagged]\n"
    "                           [--limit N] [--json]\n"
    "       svcsync [--dir DIR] ticket show ID [--json]\n"
    "\n"
    "Kinds: consult, complaint, install, repair, return, exchange.\n"
    "Statuses: new, assigned, accepted, on_site, resolved, closed, cancelled.\n"
    "Run 'svcsync ticket SUBCOMMAND --help' for details.\n";

static const char new_usage[] =
    "usage: svcsync [--dir DIR] ticket new --kind KIND (--customer-id ID | --phone PHONE\n"
    "                           [--customer NAME] [--address ADDR]) --product TEXT\n"
    "                           --fault TEXT [--serial SN] [--model MODEL]\n"
    "                           [--purchased YYYY-MM-DD] [--installed YYYY-MM-DD]\n"
    "                           [--shop SHOP] [--region REGION]\n"
    "                           [--channel phone|walk-in|letter|web]\n"
    "\n"
    "Open a ticket and print its id (T-<node>-<seq>) alone on stdout.\n"
    "KIND is consult, complaint, install, repair, return or exchange. Where it goes\n"
    "depends on this node: a shop opens walk-in tickets assigned to itself; a\n"
    "region opens tickets in its region, optionally straight onto one of its\n"
    "shops (--shop); HQ gives --region, or --shop (the shop's region is used).\n"
    "\n"
    "The ticket refers to a customer file and holds no copy of the person's\n"
    "data: --customer-id names it; otherwise --phone finds the one customer this\n"
    "node holds under that number (several: refused, with their ids), or a new\n"
    "file is created from --customer, --phone and --address. --serial links the\n"
    "product unit the same way, creating it (--model, else --product;\n"
    "--purchased, --installed) when this node holds none.\n"
    "\n"
    "The ticket is judged under the service policy in force today (the network's\n"
    "date) and records what it was judged on: the policy version, the category of\n"
    "--model (a model of HQ's list), the purchase and install dates, the region's\n"
    "grade and the channel. The warranty's end (purchase date plus the category's\n"
    "warranty months) is shown, never used to refuse service. A return or an\n"
    "exchange is refused outside its window (return_days, exchange_days after\n"
    "purchase). The on-site due time is the creation time plus the on-site hours\n"
    "of the region's grade.\n";

static const char assign_usage[] =
    "usage: svcsync [--dir DIR] ticket assign ID --shop SHOP\n"
    "\n"
    "Assign (or reassign) a ticket to a shop of the directory. Regions assign in\n"
    "their region, HQ anywhere; a ticket can be assigned while new, assigned or\n"
    "accepted.\n";

static const char status_usage[] =
    "usage: svcsync [--dir DIR] ticket status ID STATUS [--reason TEXT]\n"
    "\n"
    "Move a ticket along its lifecycle: assigned -> accepted -> on_site ->\n"
    "resolved (the assigned shop), resolved -> closed or back to assigned to\n"
    "reopen (its region or HQ), cancelled (region or HQ; a shop for its own\n"
    "walk-ins).\n"
    "\n"
    "  --at 'YYYY-MM-DD HH:MM'  with on_site: the visit time the technician\n"
    "                           reports, in the network's time zone; not in the\n"
    "                           future, not before the ticket. Recorded beside\n"
    "                           the time it was entered.\n"
    "  --fault-code CODE        with resolved: a fault code of the ticket's\n"
    "                           product category (see 'svcsync fault-code list').\n";

static const char note_usage[] = "usage: svcsync [--dir DIR] ticket note ID TEXT\n"
                                 "\n"
                                 "Append a note to a ticket (notes are never edited or removed).\n";

static const char callback_usage[] =
    "usage: svcsync [--dir DIR] ticket callback ID [--outcome reached|unreachable|refused]\n"
    "                           [--satisfaction 1-5] [--note TEXT]\n"
    "\n"
    "Record a callback attempt (回访) on a resolved or closed ticket (region or\n"
    "HQ). Every attempt is kept; none overwrites another. --outcome defaults to\n"
    "reached, which takes the satisfaction from 1 (very unhappy) to 5 (very\n"
    "happy); unreachable and refused take none. The first attempt that reaches\n"
    "the customer counts; after callback_attempts unreachable attempts (policy,\n"
    "default 3) the ticket leaves the callback queue as unreachable; a refusal\n"
    "ends it too. Reopening the ticket starts a new callback cycle.\n";

static const char override_usage[] =
    "usage: svcsync [--dir DIR] ticket override UNIT_ID|SERIAL --kind return|exchange\n"
    "                           --reason TEXT [--shop SHOP]\n"
    "\n"
    "Record an exception to the return or exchange window for one product (a\n"
    "unit this node holds, or a serial number): region or HQ, with the reason\n"
    "(at most 60 characters). The shop named (a shop of the region) may then\n"
    "open that return or exchange with 'ticket new --serial SN' even outside the\n"
    "window; without --shop the region opens it itself (HQ names the shop).\n"
    "The ticket records the exception and its reason; an exception serves one\n"
    "ticket, and a later one for the same serial replaces it.\n";

static const char rejudge_usage[] =
    "usage: svcsync [--dir DIR] ticket rejudge ID\n"
    "\n"
    "Judge a ticket again (region or HQ) under the policy version this node\n"
    "holds for the ticket's day and the region's grade now: warranty end,\n"
    "on-site hours and due time. For a ticket flagged by 'ticket list\n"
    "--flagged' (opened by a node that had not received the version in force).\n"
    "Refused when nothing would change.\n";

static const char charge_usage[] =
    "usage: svcsync [--dir DIR] ticket charge ID [--labor FEN] [--part PART_NO:QTY]...\n"
    "                           [--travel FEN]\n"
    "\n"
    "Record a customer charge on a ticket assigned to this shop: out-of-warranty\n"
    "work the customer pays. Amounts are integer fen; parts are priced from the\n"
    "catalog (--part may repeat, at most 16 lines); each line and the total at\n"
    "most 1000000000 fen. A ticket may carry several charges; 'ticket show' gives\n"
    "their sum. A charged ticket is customer-paid: no claim is made on it unless\n"
    "HQ allows it ('claim allow').\n";

static const char list_usage[] =
    "usage: svcsync [--dir DIR] ticket list [--status S] [--shop S] [--overdue]\n"
    "                           [--flagged] [--limit N] [--json]\n"
    "\n"
    "List tickets, newest first, optionally only those with a status or at a\n"
    "shop. --json prints an array of ticket objects (see docs/cli.md).\n"
    "--overdue: not yet on site and past the on-site due time (computed now).\n"
    "--flagged: judged under another policy version than the one this node\n"
    "holds for the ticket's day (opened by a node that had not received it).\n";

static const char show_usage[] =
    "usage: svcsync [--dir DIR] ticket show ID [--json]\n"
    "\n"
    "Show a ticket: its fields, its history of changes (rejected ones marked\n"
    "with the reason, each with the operator who entered it) and its notes.\n";

/* ------------------------------------------------------------ writes */

static int ticket_new(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	char id[SVC_AGG_LEN];
	int rc = cli_parse(&a, "ticket new", new_usage,
	                   "kind= customer= phone= product= fault= serial= purchased= address= "
	                   "shop= region= customer-id= model= installed= channel=",
	                   0, argc, argv);
	if (rc)
		return rc;
	static const char *const required[] = {"kind", "fault"};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		const char *v;
		if ((rc = cli_need(&a, required[i], &v)))
			return rc;
	}
	/* customer: the customer file by id, or found by --phone (created from
	 * --customer when there is none); the product names the model */
	if (!cli_opt(&a, "customer-id") && !cli_opt(&a, "phone"))
		return cli_usage(&a, "--customer-id or --phone is required");
	if (!cli_opt(&a, "product") && !cli_opt(&a, "model"))
		return cli_usage(&a, "--product (or --model) is required");
	svc_ticket_fields f = {
	    .kind = cli_opt(&a, "kind"),
	    .customer = cli_opt(&a, "customer"),
	    .phone = cli_opt(&a, "phone"),
	    .address = cli_opt(&a, "address"),
	    .product = cli_opt(&a, "product") ? cli_opt(&a, "product") : cli_opt(&a, "model"),
	    .serial = cli_opt(&a, "serial"),
	    .purchased = cli_opt(&a, "purchased"),
	    .fault = cli_opt(&a, "fault"),
	    .shop = cli_opt(&a, "shop"),
	    .region = cli_opt(&a, "region"),
	    .customer_id = cli_opt(&a, "customer-id"),
	    .model = cli_opt(&a, "model"),
	    .installed = cli_opt(&a, "installed"),
	    .channel = cli_opt(&a, "channel"),
	};
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_new(s, &f, id)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", id);
	return CLI_OK;
}

static int ticket_assign(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *shop;
	int rc = cli_parse(&a, "ticket assign", assign_usage, "shop=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "ticket ID")) || (rc = cli_need(&a, "shop", &shop)) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_assign(s, a.pos[0], shop)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s assigned to %s\n", a.pos[0], shop);
	return CLI_OK;
}

static int ticket_status(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	uint32_t status;
	int rc =
	    cli_parse(&a, "ticket status", status_usage, "reason= at= fault-code=", 2, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 2, "ticket ID and STATUS")))
		return rc;
	if (svc_ticket_status_parse(a.pos[1], &status))
		return cli_usage(&a, "%s", svc_errmsg());
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_status_policy(s, a.pos[0], status, cli_opt(&a, "reason"),
	                                   cli_opt(&a, "at"), cli_opt(&a, "fault-code"))) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s %s\n", a.pos[0], svc_ticket_status_name(status));
	return CLI_OK;
}

static int ticket_note(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int rc = cli_parse(&a, "ticket note", note_usage, "", 2, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 2, "ticket ID and TEXT")) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_note(s, a.pos[0], a.pos[1])) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("note added to %s\n", a.pos[0]);
	return CLI_OK;
}

static int ticket_callback(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t sat = 0;
	bool given;
	uint32_t outcome = SVC_CB_REACHED;
	int rc = cli_parse(&a, "ticket callback", callback_usage, "satisfaction= note= outcome=", 1,
	                   argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "ticket ID")) ||
	    (rc = cli_int(&a, "satisfaction", &sat, &given)))
		return rc;
	if (cli_opt(&a, "outcome") && svc_callback_outcome_parse(cli_opt(&a, "outcome"), &outcome))
		return cli_fail();
	if (given && (sat < 1 || sat > 5))
		return cli_usage(&a, "--satisfaction: %" PRId64 " is not between 1 and 5", sat);
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_callback_attempt(s, a.pos[0], outcome, (uint32_t)sat,
	                                      cli_opt(&a, "note"))) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("callback attempt (%s) recorded on %s\n", svc_callback_outcome_name(outcome),
	       a.pos[0]);
	return CLI_OK;
}

/* policy */
static int ticket_override(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	char agg[SVC_AGG_LEN];
	const char *kind, *reason;
	int rc =
	    cli_parse(&a, "ticket override", override_usage, "kind= reason= shop=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "unit id or serial")) ||
	    (rc = cli_need(&a, "kind", &kind)) || (rc = cli_need(&a, "reason", &reason)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_override(s, a.pos[0], kind, reason, cli_opt(&a, "shop"), agg)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("exception recorded: a %s of serial %s may be opened outside its window\n", kind,
	       agg + 2);
	return CLI_OK;
}

static int ticket_rejudge(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_ticket_rejudge r;
	char until[16] = "-";
	int rc = cli_parse(&a, "ticket rejudge", rejudge_usage, "", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "ticket ID")))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_rejudge(s, a.pos[0], &r)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	if (r.warranty_until)
		svc_date_format((int32_t)r.warranty_until, until, sizeof until);
	printf("%s re-judged: policy version %" PRIu32 ", grade %s, warranty until %s, on-site "
	       "within %" PRIu32 " hours\n",
	       a.pos[0], r.policy_version, svc_grade_name(r.grade), until, r.onsite_hours);
	return CLI_OK;
}

static int ticket_charge(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_claim_request r;
	char parts[SVC_CLAIM_PARTS_MAX][SVC_PART_LEN];
	int64_t total = 0;
	int rc =
	    cli_parse(&a, "ticket charge", charge_usage, "labor= part=* travel=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "ticket ID")))
		return rc;
	memset(&r, 0, sizeof r);
	r.ticket = a.pos[0];
	if ((rc = cli_fen(&a, "labor", &r.labor, NULL)) ||
	    (rc = cli_fen(&a, "travel", &r.travel, NULL)) || (rc = cli_part_lines(&a, &r, parts)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_ticket_charge(s, &r, &total)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s charged to the customer: %" PRId64 " fen\n", a.pos[0], total);
	return CLI_OK;
}

/* ------------------------------------------------------------ list */

struct list_filter {
	bool by_status;
	uint32_t status;
	const char *shop;
	cli_ids *ids;
	svc_store *s;
	size_t seen;
	uint64_t overdue_at; /* policy: 0, or now for --overdue */
	bool flagged;        /* policy: judged under another version than the day's */
	cli_policy_days days;
};

static int list_cb(const svc_ticket *t, void *arg)
{
	struct list_filter *f = arg;
	/* A scan of a large store would otherwise keep every page it read
	 * resident: give them back as it goes. LMDB never rewrites a page a
	 * reader can see, so the snapshot is unaffected. */
	if (++f->seen % 16384 == 0)
		svc_store_release_pages(f->s);
	if (f->by_status && t->status != f->status)
		return 0;
	if (f->shop && strcmp(t->shop, f->shop) != 0)
		return 0;
	if (f->overdue_at && !cli_policy_overdue(t, f->overdue_at))
		return 0;
	if (f->flagged && !cli_policy_flagged(&f->days, t))
		return 0;
	cli_ids_add(f->ids, t->created, t->id);
	return 0;
}

static void ticket_row(cli_list *l, const svc_ticket *t)
{
	if (cli_list_json(l)) {
		cli_list_obj(l, cli_json_ticket(t));
		return;
	}
	char customer[96], product[96], created[32];
	cli_oneline(customer, sizeof customer, t->customer, 20);
	cli_oneline(product, sizeof product, t->product, 20);
	cli_time(created, t->created);
	const char *cells[] = {t->id,
	                       svc_ticket_status_name(t->status),
	                       svc_ticket_kind_name(t->kind),
	                       t->shop[0] ? t->shop : "-",
	                       customer,
	                       product,
	                       created};
	cli_list_row(l, cells);
}

static void ticket_row_id(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_ticket tk;
	(void)arg;
	if (svc_fold_ticket_get(t, id, &tk) == 0) {
		cli_ticket_customer(t, &tk);
		ticket_row(l, &tk);
	}
}

/* Filter and sort on the brief state; only the rows printed are read in
 * full. */
static int ticket_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	struct list_filter *f = arg;
	f->s = s;
	f->ids = ids;
	if (f->flagged) {
		int rc = cli_policy_days_load(t, &f->days);
		if (rc)
			return rc;
	}
	return svc_fold_ticket_each_brief(t, list_cb, f);
}

static int ticket_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID",       "STATUS",  "KIND",   "SHOP",
	                                      "CUSTOMER", "PRODUCT", "CREATED"};
	static const cli_list_spec spec = {headers, "lllllll", false, ticket_collect,
	                                   ticket_row_id};
	cli_args a;
	size_t limit = 0;
	struct list_filter f = {0};
	const char *st;
	int rc = cli_parse(&a, "ticket list", list_usage,
	                   "status= shop= limit= json overdue flagged", 0, argc, argv);
	if (rc || (rc = cli_list_limit(&a, &limit)))
		return rc;
	if ((st = cli_opt(&a, "status"))) {
		if (svc_ticket_status_parse(st, &f.status))
			return cli_usage(&a, "--%s", svc_errmsg());
		f.by_status = true;
	}
	f.shop = cli_opt(&a, "shop");
	if (cli_flag(&a, "overdue"))
		f.overdue_at = svc_journal_now_ms();
	f.flagged = cli_flag(&a, "flagged");
	rc = cli_list_run(ctx, &spec, cli_flag(&a, "json"), limit, &f);
	free(f.days.v);
	return rc;
}

/* ------------------------------------------------------------ show */

static json_t *notes_json(const cli_history *h)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		if (lc->c.kind != SVC_CK_TICKET_NOTE || lc->rejected)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "by", json_string(lc->c.origin));
		json_object_set_new(o, "at_ms", cli_json_ms(svc_hlc_ms(lc->c.hlc)));
		json_object_set_new(o, "text", json_string(lc->c.u.ticket_note.text));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void show_text(const svc_ticket *t, const svc_claim *cl, bool has_claim,
                      const cli_history *h)
{
	char when[5][32], date[16], text[600];
	cli_date(date, t->purchased);
	printf("ticket         %s\n", t->id);
	printf("kind           %s\n", svc_ticket_kind_name(t->kind));
	printf("status         %s%s\n", svc_ticket_status_name(t->status),
	       t->reopened ? " (reopened)" : "");
	printf("customer       %s\n", t->customer);
	printf("phone          %s\n", t->phone);
	printf("address        %s\n", t->address[0] ? t->address : "-");
	printf("product        %s\n", t->product);
	printf("serial         %s\n", t->serial[0] ? t->serial : "-");
	printf("purchased      %s (%s warranty)\n", date, t->in_warranty ? "in" : "out of");
	cli_oneline(text, sizeof text, t->fault, 200);
	printf("fault          %s\n", text);
	printf("region         %s\n", t->region[0] ? t->region : "-");
	printf("shop           %s\n", t->shop[0] ? t->shop : "-");
	printf("opened by      %s\n", t->opened_by);
	cli_time(when[0], t->created);
	cli_time(when[1], t->first_response);
	cli_time(when[2], t->on_site);
	cli_time(when[3], t->resolved);
	cli_time(when[4], t->closed);
	printf("created        %s\n", when[0]);
	printf("first response %s\n", when[1]);
	printf("on site        %s\n", when[2]);
	printf("resolved       %s\n", when[3]);
	printf("closed         %s\n", when[4]);
	if (t->callback_at) {
		cli_time(when[0], t->callback_at);
		cli_oneline(text, sizeof text, t->callback_note, 200);
		printf("callback       %s, satisfaction %" PRIu32 "%s%s\n", when[0],
		       t->satisfaction, text[0] ? ": " : "", text);
	} else {
		printf("callback       %s\n", t->callback_state == SVC_CB_NONE
		                                  ? "-"
		                                  : svc_callback_outcome_name(t->callback_state));
	}
	if (t->callback_attempts)
		printf("               %" PRIu32 " attempt%s this cycle, %" PRIu32
		       " unreachable%s\n",
		       t->callback_attempts, t->callback_attempts == 1 ? "" : "s",
		       t->callback_unreached, t->callback_cycle ? " (after a reopening)" : "");
	if (has_claim)
		printf("claim          %s (%s, revision %" PRIu32 ")\n", cl->id,
		       svc_claim_status_name(cl->status), cl->revision);
	else
		printf("claim          -\n");

	printf("\nhistory\n");
	cli_history_print(h);
	printf("\nnotes\n");
	size_t notes = 0;
	for (size_t i = 0; i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		if (lc->c.kind != SVC_CK_TICKET_NOTE || lc->rejected)
			continue;
		cli_time(when[0], svc_hlc_ms(lc->c.hlc));
		printf("  %s  %s: %s\n", when[0], lc->c.origin, lc->c.u.ticket_note.text);
		notes++;
	}
	if (!notes)
		printf("  -\n");
}

static int ticket_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_ticket tk;
	svc_claim cl;
	char cid[SVC_AGG_LEN];
	cli_history h = {0};
	bool has_claim = false;
	int rc = cli_parse(&a, "ticket show", show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "ticket ID")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_ticket_get(t, a.pos[0], &tk);
	if (!rc)
		cli_ticket_customer(t, &tk);
	if (!rc && svc_rules_claim_id(cid, tk.id) == 0)
		has_claim = svc_fold_claim_get(t, cid, &cl) == 0;
	if (!rc)
		rc = cli_history_load(t, tk.id, &h);
	const svc_tz *tz = NULL;
	if (!rc)
		rc = cli_policy_zone(t, &tz); /* policy */
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		cli_history_free(&h);
		return cli_fail();
	}
	if (cli_flag(&a, "json")) {
		json_t *o = cli_json_ticket(&tk);
		json_object_set_new(o, "claim", has_claim ? json_string(cl.id) : json_null());
		json_object_set_new(o, "notes", notes_json(&h));
		json_object_set_new(o, "history", cli_history_json(&h));
		cli_history_free(&h);
		return cli_json_print(o);
	}
	show_text(&tk, &cl, has_claim, &h);
	cli_policy_ticket_print(&tk, tz); /* policy */
	if (tk.charges)                   /* out-of-warranty work */
		printf("\ncharged        %" PRId64 " fen to the customer (%" PRIu32 " charge%s)\n",
		       tk.charge_fen, tk.charges, tk.charges == 1 ? "" : "s");
	if (tk.claim_allowed_by[0])
		printf("claims allowed by %s: %s\n", tk.claim_allowed_by, tk.claim_allow_reason);
	cli_history_free(&h);
	return CLI_OK;
}

int cli_cmd_ticket(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"new", ticket_new},
	    {"assign", ticket_assign},
	    {"status", ticket_status},
	    {"note", ticket_note},
	    {"callback", ticket_callback},
	    {"list", ticket_list},
	    {"show", ticket_show},
	    {"override", ticket_override},
	    {"rejudge", ticket_rejudge},
	    {"charge", ticket_charge},
	    {NULL, NULL},
	};
	return cli_dispatch(ctx, "ticket", ticket_usage, subs, argc, argv);
}

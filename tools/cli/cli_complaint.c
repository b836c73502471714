/*
 * cli_complaint: `svcsync complaint ...`, complaints (投诉), and the
 * complaints work queue (cli_queue_complaints).
 *
 * A complaint is owned by its region (HQ once escalated); the shop it is
 * about sees its substance and finding and adds its statement. What a node
 * shows is what it holds: a shop's store has no investigation notes and no
 * customer file for the complainant, so they are simply absent there.
 * "Overdue" is computed when shown (deadline passed, not yet concluded).
 * The queue reads the fold's deadline index a page at a time, so its cost
 * follows the page, not the store.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_local.h"
#include "svc_rules.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char complaint_usage[] =
    "usage: svcsync [--dir DIR] complaint new --against SHOP [--ticket ID]\n"
    "                           (--customer-id ID | --customer NAME --phone PHONE)\n"
    "                           --category TEXT --severity low|normal|high --text TEXT\n"
    "                           [--channel phone|walk-in|letter|web]\n"
    "       svcsync [--dir DIR] complaint status ID investigating|escalated|concluded|\n"
    "                           confirmed|closed [--finding substantiated|unsubstantiated]\n"
    "                           [--responsible SHOP] [--remedy TEXT]\n"
    "       svcsync [--dir DIR] complaint note ID TEXT\n"
    "       svcsync [--dir DIR] complaint statement ID TEXT\n"
    "       svcsync [--dir DIR] complaint list [--status S] [--shop S] [--limit N] [--json]\n"
    "       svcsync [--dir DIR] complaint show ID [--json]\n"
    "       svcsync [--dir DIR] complaint queue [--region R] [--shop S] [--limit N] [--json]\n"
    "\n"
    "Complaints (投诉): K-<node>-<seq>, opened by a region (in its region) or HQ,\n"
    "owned by the region until escalated to HQ. The shop complained about sees\n"
    "the complaint and its finding, never the complainant's contact or the\n"
    "investigation notes, and may only add a statement. Run 'svcsync complaint\n"
    "SUBCOMMAND --help' for details.\n";

static const char new_usage[] =
    "usage: svcsync [--dir DIR] complaint new --against SHOP [--ticket ID]\n"
    "                           (--customer-id ID | --customer NAME --phone PHONE)\n"
    "                           --category TEXT --severity low|normal|high --text TEXT\n"
    "                           [--channel phone|walk-in|letter|web]\n"
    "\n"
    "Open a complaint (region or HQ) and print its id alone on stdout. --against\n"
    "names a shop of the region; --ticket a ticket held here, that shop's (with\n"
    "--ticket alone, the ticket's shop is the one complained about). The\n"
    "complainant is a customer file: --customer-id, or --customer and --phone,\n"
    "which find the file under that phone or create it (as 'ticket new' does);\n"
    "with --ticket alone, the ticket's customer. --category is free text of at\n"
    "most 20 characters. The deadline is the policy's complaint_days for the\n"
    "severity (default low 15, normal 7, high 3), counted from now.\n";

static const char status_usage[] =
    "usage: svcsync [--dir DIR] complaint status ID investigating|escalated|concluded|\n"
    "                           confirmed|closed [--finding substantiated|unsubstantiated]\n"
    "                           [--responsible SHOP] [--remedy TEXT]\n"
    "\n"
    "Move a complaint one step: received -> investigating -> concluded (with\n"
    "--finding; --responsible, default the shop complained about, and --remedy)\n"
    "-> confirmed (the customer was called back) -> closed. 'escalated' hands the\n"
    "complaint to HQ before it is concluded (its region or HQ); from then on only\n"
    "HQ moves it. The region moves its own complaints, HQ any; a shop never.\n";

static const char note_usage[] =
    "usage: svcsync [--dir DIR] complaint note ID TEXT\n"
    "\n"
    "An investigation note (region or HQ). Notes are never sent to a shop.\n";

static const char statement_usage[] =
    "usage: svcsync [--dir DIR] complaint statement ID TEXT\n"
    "\n"
    "The written statement of the shop the complaint is about (that shop only,\n"
    "until the complaint is closed).\n";

static const char list_usage[] =
    "usage: svcsync [--dir DIR] complaint list [--status S] [--shop S] [--limit N] [--json]\n"
    "\n"
    "The complaints this node holds, newest first; --status received,\n"
    "investigating, concluded, confirmed or closed. With --shop (table form),\n"
    "a last line counts the substantiated complaints held against the shop per\n"
    "month received.\n";

static const char show_usage[] =
    "usage: svcsync [--dir DIR] complaint show ID [--json]\n"
    "\n"
    "A complaint: its substance, owner, deadline (and whether it is overdue\n"
    "now), finding, the substantiated complaints against its shop in its month,\n"
    "and its history as this node holds it (notes and statements in full).\n";

static const char queue_usage[] =
    "usage: svcsync [--dir DIR] queue complaints [--region R] [--shop S] [--limit N] [--json]\n"
    "       svcsync [--dir DIR] complaint queue [--region R] [--shop S] [--limit N] [--json]\n"
    "\n"
    "Open complaints (received or investigating) by deadline, earliest first, so\n"
    "the overdue ones lead; a page of 20 unless --limit says otherwise.\n";

/* ------------------------------------------------------------ writes */

static int complaint_new(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	char id[SVC_AGG_LEN];
	int rc = cli_parse(&a, "complaint new", new_usage,
	                   "against= ticket= customer-id= customer= phone= category= severity= "
	                   "text= channel=",
	                   0, argc, argv);
	if (rc)
		return rc;
	svc_complaint_fields f = {.against = cli_opt(&a, "against"),
	                          .ticket = cli_opt(&a, "ticket"),
	                          .customer_id = cli_opt(&a, "customer-id"),
	                          .customer = cli_opt(&a, "customer"),
	                          .phone = cli_opt(&a, "phone"),
	                          .category = cli_opt(&a, "category"),
	                          .severity = cli_opt(&a, "severity"),
	                          .channel = cli_opt(&a, "channel"),
	                          .text = cli_opt(&a, "text")};
	if (!f.against && !f.ticket)
		return cli_usage(&a, "--against (or --ticket) is required");
	if (f.customer_id && (f.customer || f.phone))
		return cli_usage(&a, "give --customer-id or --customer with --phone, not both");
	if (!f.category || !f.severity || !f.text)
		return cli_usage(&a, "--category, --severity and --text are required");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_complaint_new(s, &f, id)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", id);
	return CLI_OK;
}

static int complaint_status(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int rc = cli_parse(&a, "complaint status", status_usage, "finding= responsible= remedy=", 2,
	                   argc, argv);
	if (rc || (rc = cli_need_pos(&a, 2, "complaint ID and STATUS")))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_complaint_status(s, a.pos[0], a.pos[1], cli_opt(&a, "finding"),
	                               cli_opt(&a, "responsible"), cli_opt(&a, "remedy"))) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s: %s\n", a.pos[0], a.pos[1]);
	return CLI_OK;
}

static int complaint_text(const cli_ctx *ctx, int argc, char **argv, bool note)
{
	cli_args a;
	svc_store *s = NULL;
	const char *cmd = note ? "complaint note" : "complaint statement";
	int rc = cli_parse(&a, cmd, note ? note_usage : statement_usage, "", 2, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 2, "complaint ID and TEXT")))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	rc = note ? svc_local_complaint_note(s, a.pos[0], a.pos[1])
	          : svc_local_complaint_statement(s, a.pos[0], a.pos[1]);
	if (rc) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s: %s recorded\n", a.pos[0], note ? "note" : "statement");
	return CLI_OK;
}

static int complaint_note(const cli_ctx *ctx, int argc, char **argv)
{
	return complaint_text(ctx, argc, argv, true);
}

static int complaint_statement(const cli_ctx *ctx, int argc, char **argv)
{
	return complaint_text(ctx, argc, argv, false);
}

/* ------------------------------------------------------------ reads */

static bool overdue(const svc_complaint *k, uint64_t now)
{
	return k->status < SVC_KS_CONCLUDED && k->deadline < now;
}

static const char *owner(const svc_complaint *k)
{
	return k->escalated ? "HQ" : k->region;
}

static json_t *complaint_json(const svc_complaint *k, uint64_t now)
{
	char d[16];
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(k->id));
	json_object_set_new(o, "status", json_string(svc_complaint_status_name(k->status)));
	json_object_set_new(o, "region", json_string(k->region));
	json_object_set_new(o, "shop", cli_json_opt(k->shop));
	json_object_set_new(o, "ticket", cli_json_opt(k->ticket));
	json_object_set_new(o, "customer_id", json_string(k->customer_id));
	json_object_set_new(o, "category", json_string(k->category));
	json_object_set_new(o, "severity", json_string(svc_complaint_severity_name(k->severity)));
	json_object_set_new(o, "channel",
	                    k->channel ? json_string(svc_channel_name(k->channel)) : json_null());
	json_object_set_new(o, "text", json_string(k->text));
	json_object_set_new(o, "opened_by", json_string(k->opened_by));
	json_object_set_new(o, "owner", json_string(owner(k)));
	json_object_set_new(o, "policy_version", json_integer(k->policy_version));
	json_object_set_new(o, "days", json_integer(k->days));
	cli_date(d, k->opened_on);
	json_object_set_new(o, "opened_on", json_string(d));
	json_object_set_new(o, "created_ms", cli_json_ms(k->created));
	json_object_set_new(o, "deadline_ms", cli_json_ms(k->deadline));
	json_object_set_new(o, "overdue", json_boolean(overdue(k, now)));
	json_object_set_new(o, "investigating_ms", cli_json_ms(k->investigating));
	json_object_set_new(o, "escalated_ms", cli_json_ms(k->escalated));
	json_object_set_new(o, "escalated_by", cli_json_opt(k->escalated_by));
	json_object_set_new(o, "concluded_ms", cli_json_ms(k->concluded));
	json_object_set_new(o, "finding",
	                    k->finding ? json_string(svc_complaint_finding_name(k->finding))
	                               : json_null());
	json_object_set_new(o, "responsible", cli_json_opt(k->responsible));
	json_object_set_new(o, "remedy", json_string(k->remedy));
	json_object_set_new(o, "confirmed_ms", cli_json_ms(k->confirmed));
	json_object_set_new(o, "closed_ms", cli_json_ms(k->closed));
	json_object_set_new(o, "notes", json_integer(k->notes));
	json_object_set_new(o, "statements", json_integer(k->statements));
	return o;
}

static void complaint_row(cli_list *l, const svc_complaint *k, uint64_t now)
{
	if (cli_list_json(l)) {
		cli_list_obj(l, complaint_json(k, now));
		return;
	}
	char category[96], deadline[32];
	cli_oneline(category, sizeof category, k->category, 20);
	cli_time(deadline, k->deadline);
	const char *cells[] = {k->id,
	                       svc_complaint_status_name(k->status),
	                       overdue(k, now) ? "overdue" : "-",
	                       deadline,
	                       svc_complaint_severity_name(k->severity),
	                       k->shop[0] ? k->shop : "-",
	                       owner(k),
	                       category};
	cli_list_row(l, cells);
}

static const char *const row_headers[] = {"ID",       "STATUS", "OVERDUE", "DEADLINE",
                                          "SEVERITY", "SHOP",   "OWNER",   "CATEGORY"};
#define ROW_ALIGN "llllllll"

struct list_filter {
	bool by_status;
	uint32_t status;
	const char *shop;
	uint64_t now;
	cli_ids *ids;
};

static int list_cb(const svc_complaint *k, void *arg)
{
	struct list_filter *f = arg;
	if (f->by_status && k->status != f->status)
		return 0;
	if (f->shop && strcmp(k->shop, f->shop) != 0)
		return 0;
	cli_ids_add(f->ids, k->created, k->id);
	return 0;
}

static int list_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	struct list_filter *f = arg;
	(void)s;
	f->ids = ids;
	return svc_fold_complaint_each(t, list_cb, f);
}

static void list_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	const struct list_filter *f = arg;
	svc_complaint k;
	if (svc_fold_complaint_get(t, id, &k) == 0)
		complaint_row(l, &k, f->now);
	else
		svc_errclear();
}

/* The substantiated complaints against a shop, per month received. */
struct tally_arg {
	const char *shop;
	size_t n;
};

static int tally_cb(uint32_t month, const char *name, const char *scope, int64_t value, void *arg)
{
	struct tally_arg *a = arg;
	(void)name;
	if (strcmp(scope, a->shop) != 0 || value == 0)
		return 0;
	printf("%s %04" PRIu32 "-%02" PRIu32 " %" PRId64, a->n++ ? "," : "", month / 100,
	       month % 100, value);
	return 0;
}

static int shop_summary(const cli_ctx *ctx, const char *shop)
{
	svc_store *s = NULL;
	svc_txn *t = NULL;
	struct tally_arg ta = {shop, 0};
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	printf("substantiated complaints against %s by month received:", shop);
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_tally_each(t, 0, SVC_TALLY_COMPLAINT_SUBSTANTIATED, tally_cb, &ta);
	svc_txn_abort(&t);
	svc_store_close(&s);
	printf("%s\n", ta.n ? "" : " none");
	return rc ? cli_fail() : CLI_OK;
}

static int complaint_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_list_spec spec = {row_headers, ROW_ALIGN, false, list_collect, list_row};
	cli_args a;
	size_t limit = 0;
	struct list_filter f = {0};
	const char *st;
	int rc =
	    cli_parse(&a, "complaint list", list_usage, "status= shop= limit= json", 0, argc, argv);
	if (rc || (rc = cli_list_limit(&a, &limit)))
		return rc;
	if ((st = cli_opt(&a, "status"))) {
		if (svc_complaint_status_parse(st, &f.status) || f.status == SVC_KS_ESCALATED)
			return cli_usage(&a,
			                 "--status: '%s' is not received, investigating, "
			                 "concluded, confirmed or closed",
			                 st);
		f.by_status = true;
	}
	f.shop = cli_opt(&a, "shop");
	f.now = svc_journal_now_ms();
	bool json = cli_flag(&a, "json");
	rc = cli_list_run(ctx, &spec, json, limit, &f);
	if (rc == CLI_OK && f.shop && !json)
		rc = shop_summary(ctx, f.shop);
	return rc;
}

static void show_text(const svc_complaint *k, const cli_history *h, uint64_t now, int64_t subst)
{
	char t1[32], t2[32], d[16], text[1200];
	cli_time(t1, k->created);
	cli_time(t2, k->deadline);
	cli_oneline(text, sizeof text, k->text, 400);
	printf("complaint    %s\n", k->id);
	printf("status       %s%s\n", svc_complaint_status_name(k->status),
	       overdue(k, now) ? " (overdue)" : "");
	printf("against      %s%s%s\n", k->shop[0] ? k->shop : "-", k->ticket[0] ? ", ticket " : "",
	       k->ticket);
	printf("region       %s\n", k->region);
	printf("owner        %s", owner(k));
	if (k->escalated) {
		cli_time(t1, k->escalated);
		printf(" (escalated by %s at %s)", k->escalated_by, t1);
		cli_time(t1, k->created);
	}
	printf("\n");
	printf("customer     %s\n", k->customer_id);
	printf("category     %s, severity %s, channel %s\n", k->category,
	       svc_complaint_severity_name(k->severity), svc_channel_name(k->channel));
	printf("text         %s\n", text);
	printf("received     %s by %s\n", t1, k->opened_by);
	printf("deadline     %s (%" PRIu32 " days, policy version %" PRIu32 ")\n", t2, k->days,
	       k->policy_version);
	if (k->finding) {
		cli_time(t1, k->concluded);
		printf("finding      %s, responsible %s, at %s\n",
		       svc_complaint_finding_name(k->finding),
		       k->responsible[0] ? k->responsible : "-", t1);
		if (k->remedy[0])
			printf("remedy       %s\n", k->remedy);
	}
	if (k->shop[0]) {
		cli_date(d, k->opened_on);
		printf("shop record  %s: %" PRId64 " substantiated complaint%s received in %.7s\n",
		       k->shop, subst, subst == 1 ? "" : "s", d);
	}
	printf("\nhistory\n");
	for (size_t i = 0; i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		char when[32], line[1400];
		cli_time(when, svc_hlc_ms(lc->c.hlc));
		if (lc->c.kind == SVC_CK_COMPLAINT_NOTE ||
		    lc->c.kind == SVC_CK_COMPLAINT_STATEMENT) {
			cli_oneline(text, sizeof text, lc->c.u.complaint_note.text, 400);
			snprintf(line, sizeof line, "%s: %s",
			         lc->c.kind == SVC_CK_COMPLAINT_NOTE ? "note" : "statement", text);
		} else {
			cli_change_summary(&lc->c, line, sizeof line);
		}
		printf("  %s  %-12s %s%s%s\n", when, lc->c.origin, line,
		       lc->rejected ? "  REJECTED: " : "", lc->rejected ? lc->reason : "");
	}
}

static json_t *texts_json(const cli_history *h, svc_change_kind kind)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		if (lc->c.kind != kind || lc->rejected)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "by", json_string(lc->c.origin));
		json_object_set_new(o, "at_ms", cli_json_ms(svc_hlc_ms(lc->c.hlc)));
		json_object_set_new(o, "text", json_string(lc->c.u.complaint_note.text));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int complaint_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_complaint k;
	cli_history h = {0};
	int64_t subst = 0;
	uint64_t now = svc_journal_now_ms();
	int rc = cli_parse(&a, "complaint show", show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "complaint ID")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_complaint_get(t, a.pos[0], &k);
	if (!rc && k.shop[0])
		rc = svc_fold_tally_get(t, k.opened_on / 100, SVC_TALLY_COMPLAINT_SUBSTANTIATED,
		                        k.shop, &subst);
	if (!rc)
		rc = cli_history_load(t, k.id, &h);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		cli_history_free(&h);
		return cli_fail();
	}
	if (cli_flag(&a, "json")) {
		json_t *o = complaint_json(&k, now);
		json_object_set_new(o, "shop_substantiated_in_month", json_integer(subst));
		json_object_set_new(o, "note_texts", texts_json(&h, SVC_CK_COMPLAINT_NOTE));
		json_object_set_new(o, "statement_texts",
		                    texts_json(&h, SVC_CK_COMPLAINT_STATEMENT));
		json_object_set_new(o, "history", cli_history_json(&h));
		cli_history_free(&h);
		return cli_json_print(o);
	}
	show_text(&k, &h, now, subst);
	cli_history_free(&h);
	return CLI_OK;
}

/* ------------------------------------------------------------ the queue */

#define QUEUE_PAGE 20

struct queue_arg {
	svc_txn *t;
	const char *region; /* with a shop: the shop's complaints of this region */
	size_t limit;
	svc_complaint *v;
	size_t n;
};

static int queue_cb(const char *value, const char *agg, void *argp)
{
	struct queue_arg *q = argp;
	svc_complaint *k = &q->v[q->n];
	(void)value;
	int rc = svc_fold_complaint_get(q->t, agg, k);
	if (rc)
		return rc;
	if (q->region && strcmp(k->region, q->region) != 0)
		return 0;
	return ++q->n >= q->limit ? 1 : 0;
}

int cli_queue_complaints(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	size_t limit = 0;
	char prefix[SVC_ID_LEN + 2] = "";
	const char *index = SVC_INDEX_COMPLAINT_DUE;
	int rc = cli_parse(&a, "queue complaints", queue_usage, "region= shop= limit= json", 0,
	                   argc, argv);
	if (rc || (rc = cli_list_limit(&a, &limit)))
		return rc;
	if (!limit)
		limit = QUEUE_PAGE;
	const char *region = cli_opt(&a, "region"), *shop = cli_opt(&a, "shop");
	const char *scope = shop ? shop : region;
	if (scope) {
		if (!svc_valid_node_id(scope))
			return cli_usage(&a, "--%s: '%s' is not a node id",
			                 shop ? "shop" : "region", scope);
		snprintf(prefix, sizeof prefix, "%s/", scope);
		index = shop ? SVC_INDEX_COMPLAINT_DUE_SHOP : SVC_INDEX_COMPLAINT_DUE_REGION;
	}
	struct queue_arg q = {.region = shop ? region : NULL, .limit = limit};
	q.v = calloc(limit, sizeof *q.v);
	if (!q.v)
		return cli_failf("out of memory for %zu complaints", limit);
	if ((rc = cli_open(ctx, false, &s))) {
		free(q.v);
		return rc;
	}
	uint64_t now = svc_journal_now_ms();
	rc = svc_txn_begin(s, false, &q.t);
	if (!rc)
		rc = svc_fold_index_each(q.t, index, prefix, true, queue_cb, &q);
	svc_txn_abort(&q.t);
	svc_store_close(&s);
	if (rc < 0) {
		free(q.v);
		return cli_fail();
	}
	cli_list *l = cli_list_new(cli_flag(&a, "json"), strlen(ROW_ALIGN), row_headers, ROW_ALIGN);
	for (size_t i = 0; i < q.n; i++)
		complaint_row(l, &q.v[i], now);
	free(q.v);
	return cli_list_end(&l);
}

static int complaint_queue(const cli_ctx *ctx, int argc, char **argv)
{
	return cli_queue_complaints(ctx, argc, argv);
}

/* ------------------------------------------------------------ summaries */

void cli_complaint_summary(const svc_change *c, char *out, size_t cap)
{
	char text[200];
	switch (c->kind) {
	case SVC_CK_COMPLAINT_OPEN: {
		const svc_complaint_open *o = &c->u.complaint_open;
		cli_oneline(text, sizeof text, o->category, 40);
		snprintf(out, cap, "complaint against %s%s%s: %s, %s", o->shop[0] ? o->shop : "-",
		         o->ticket[0] ? ", ticket " : "", o->ticket, text,
		         svc_complaint_severity_name(o->severity));
		break;
	}
	case SVC_CK_COMPLAINT_STATUS: {
		const svc_complaint_status_body *b = &c->u.complaint_status;
		cli_oneline(text, sizeof text, b->remedy, 60);
		if (b->status == SVC_KS_CONCLUDED)
			snprintf(out, cap, "status -> concluded: %s, responsible %s%s%s",
			         svc_complaint_finding_name(b->finding),
			         b->responsible[0] ? b->responsible : "(the shop)",
			         text[0] ? ", " : "", text);
		else
			snprintf(out, cap, "status -> %s", svc_complaint_status_name(b->status));
		break;
	}
	case SVC_CK_COMPLAINT_NOTE:
		cli_oneline(text, sizeof text, c->u.complaint_note.text, 60);
		snprintf(out, cap, "note: %s", text);
		break;
	default:
		cli_oneline(text, sizeof text, c->u.complaint_statement.text, 60);
		snprintf(out, cap, "statement: %s", text);
		break;
	}
}

int cli_cmd_complaint(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"new", complaint_new},     {"status", complaint_status},
	    {"note", complaint_note},   {"statement", complaint_statement},
	    {"list", complaint_list},   {"show", complaint_show},
	    {"queue", complaint_queue}, {NULL, NULL},
	};
	return cli_dispatch(ctx, "complaint", complaint_usage, subs, argc, argv);
}

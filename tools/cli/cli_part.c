/*
 * cli_part: the parts catalog, part movements and stock (`svcsync catalog`,
 * `svcsync part`, `svcsync stock`).
 *
 * Stock is never typed in: it is the sum of the movements booked at a
 * location, so `stock` reads what the store keeps summed and every change to
 * it is a movement with a kind and a reason (`part adjust` for a recount).
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_local.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ catalog */

static const char catalog_usage[] =
    "usage: svcsync [--dir DIR] catalog add PART_NO --name NAME --price FEN [--return-old yes|no]\n"
    "       svcsync [--dir DIR] catalog set PART_NO [--name NAME] [--price FEN]\n"
    "                                       [--return-old yes|no]\n"
    "       svcsync [--dir DIR] catalog price PART_NO --fen N --from YYYY-MM-DD\n"
    "       svcsync [--dir DIR] catalog show PART_NO [--json]\n"
    "       svcsync [--dir DIR] catalog list [--json]\n"
    "\n"
    "The parts catalog is kept by HQ and replicated to every node. Adding a part\n"
    "number that exists changes its name and price. Prices are integer fen\n"
    "(12550 is 125.50 yuan). A part flagged --return-old yes has its old part\n"
    "sent back to the factory ('part return').\n";

static const char catalog_price_usage[] =
    "usage: svcsync [--dir DIR] catalog price PART_NO --fen N --from YYYY-MM-DD\n"
    "\n"
    "Add to a part's price history (HQ only): its price from the first day on\n"
    "(midnight in the network's time zone). A claim's part line carries the\n"
    "price in force when the shop first consumed the part on the ticket: the\n"
    "history entry from the latest day not after it, else the catalog price.\n"
    "A second price for the same day replaces the first; at most 16 days.\n";

static const char catalog_add_usage[] =
    "usage: svcsync [--dir DIR] catalog add PART_NO --name NAME --price FEN [--return-old yes|no]\n"
    "\n"
    "Add a part to the catalog, or change its name and unit price (HQ only).\n"
    "--return-old yes: the old part of every claim line for this part must come\n"
    "back ('part return'); left out, the part keeps what it had (no for a new\n"
    "part).\n";

static const char catalog_set_usage[] =
    "usage: svcsync [--dir DIR] catalog set PART_NO [--name NAME] [--price FEN]\n"
    "                                       [--return-old yes|no]\n"
    "\n"
    "Change a part of the catalog (HQ only): what is not given stays as it is.\n";

static const char catalog_show_usage[] =
    "usage: svcsync [--dir DIR] catalog show PART_NO [--json]\n"
    "\n"
    "One part of the catalog: name, unit price, its price history, and whether\n"
    "its old part comes back to the factory.\n";

static const char catalog_list_usage[] =
    "usage: svcsync [--dir DIR] catalog list [--json]\n"
    "\n"
    "The parts catalog: part number, name, unit price, the latest entry of its\n"
    "price history (LATEST_PRICE) and RETURN_OLD (yes: the old part comes back\n"
    "to the factory).\n";

/* --return-old yes|no: SVC_RETURN_OLD_KEEP when absent. */
static int return_old_opt(const cli_args *a, uint32_t *out)
{
	const char *v = cli_opt(a, "return-old");
	*out = SVC_RETURN_OLD_KEEP;
	if (!v)
		return 0;
	if (strcmp(v, "yes") == 0)
		*out = SVC_RETURN_OLD_YES;
	else if (strcmp(v, "no") == 0)
		*out = SVC_RETURN_OLD_NO;
	else
		return cli_usage(a, "--return-old: '%s' is neither yes nor no", v);
	return 0;
}

static int catalog_add(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *name;
	int64_t price = 0;
	bool has_price;
	char money[32];
	uint32_t return_old;
	int rc = cli_parse(&a, "catalog add", catalog_add_usage, "name= price= return-old=", 1,
	                   argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "PART_NO")) || (rc = cli_need(&a, "name", &name)) ||
	    (rc = cli_fen(&a, "price", &price, &has_price)) ||
	    (rc = return_old_opt(&a, &return_old)))
		return rc;
	if (!has_price)
		return cli_usage(&a, "--price is required");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_catalog_put(s, a.pos[0], name, &price, return_old)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	cli_money(money, price);
	printf("catalog: %s %s at %s\n", a.pos[0], name, money);
	return CLI_OK;
}

static json_t *catalog_json(const svc_catalog_item *c)
{
	json_t *o = json_object(), *h = json_array();
	json_object_set_new(o, "part_no", json_string(c->part_no));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "price", json_integer(c->price));
	for (uint32_t i = 0; i < c->nprices && i < SVC_PRICES_MAX; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "from_ms", cli_json_ms(c->prices[i].from));
		json_object_set_new(e, "price", json_integer(c->prices[i].price));
		json_array_append_new(h, e);
	}
	json_object_set_new(o, "prices", h);
	json_object_set_new(o, "return_old", json_boolean(c->return_old));
	return o;
}

/* The last history entry, "12.00 from 2026-03-01 08:00" ("-" none). */
static void catalog_latest(char out[80], const svc_catalog_item *c)
{
	char m[32], when[32];
	if (!c->nprices || c->nprices > SVC_PRICES_MAX) {
		snprintf(out, 80, "-");
		return;
	}
	cli_money(m, c->prices[c->nprices - 1].price);
	cli_time(when, c->prices[c->nprices - 1].from);
	snprintf(out, 80, "%s from %.10s", m, when);
}

static int catalog_set(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t price = 0;
	bool has_price;
	uint32_t return_old;
	int rc = cli_parse(&a, "catalog set", catalog_set_usage, "name= price= return-old=", 1,
	                   argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "PART_NO")) ||
	    (rc = cli_fen(&a, "price", &price, &has_price)) ||
	    (rc = return_old_opt(&a, &return_old)))
		return rc;
	const char *name = cli_opt(&a, "name");
	if (!name && !has_price && return_old == SVC_RETURN_OLD_KEEP)
		return cli_usage(&a, "nothing to change (give --name, --price or --return-old)");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_catalog_put(s, a.pos[0], name, has_price ? &price : NULL, return_old)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("catalog: %s changed\n", a.pos[0]);
	return CLI_OK;
}

static int catalog_id_cb(const svc_catalog_item *c, void *arg)
{
	cli_ids_add(arg, 0, c->part_no);
	return 0;
}

static void catalog_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_catalog_item c;
	char price[32];
	(void)arg;
	if (svc_fold_catalog_get(t, id, &c))
		return;
	if (cli_list_json(l)) {
		cli_list_obj(l, catalog_json(&c));
		return;
	}
	char latest[80];
	cli_money(price, c.price);
	catalog_latest(latest, &c);
	const char *cells[] = {c.part_no, c.name, price, latest, c.return_old ? "yes" : "no"};
	cli_list_row(l, cells);
}

static int catalog_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	(void)s;
	(void)arg;
	return svc_fold_catalog_each(t, catalog_id_cb, ids);
}

static int catalog_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"PART_NO", "NAME", "PRICE", "LATEST_PRICE",
	                                      "RETURN_OLD"};
	static const cli_list_spec spec = {headers, "llrll", true, catalog_collect, catalog_row};
	cli_args a;
	int rc = cli_parse(&a, "catalog list", catalog_list_usage, "json", 0, argc, argv);
	if (rc)
		return rc;
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, NULL);
}

static int catalog_price(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *from;
	int64_t fen;
	bool given;
	char money[32];
	int rc = cli_parse(&a, "catalog price", catalog_price_usage, "fen= from=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "PART_NO")) || (rc = cli_need(&a, "from", &from)) ||
	    (rc = cli_fen(&a, "fen", &fen, &given)))
		return rc;
	if (!given)
		return cli_usage(&a, "--fen is required");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_catalog_price(s, a.pos[0], fen, from)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	cli_money(money, fen);
	printf("catalog: %s at %s from %s\n", a.pos[0], money, from);
	return CLI_OK;
}

static int catalog_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_catalog_item c;
	char m[32], when[32];
	int rc = cli_parse(&a, "catalog show", catalog_show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "PART_NO")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_catalog_get(t, a.pos[0], &c);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc)
		return cli_fail();
	if (cli_flag(&a, "json"))
		return cli_json_print(catalog_json(&c));
	cli_money(m, c.price);
	printf("part           %s\n", c.part_no);
	printf("name           %s\n", c.name);
	printf("price          %s\n", m);
	printf("return old:    %s\n", c.return_old ? "yes" : "no");
	for (uint32_t i = 0; i < c.nprices && i < SVC_PRICES_MAX; i++) {
		cli_money(m, c.prices[i].price);
		cli_time(when, c.prices[i].from);
		printf("price from     %.10s  %s\n", when, m);
	}
	return CLI_OK;
}

int cli_cmd_catalog(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {{"add", catalog_add},     {"set", catalog_set},
	                               {"price", catalog_price}, {"list", catalog_list},
	                               {"show", catalog_show},   {NULL, NULL}};
	return cli_dispatch(ctx, "catalog", catalog_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ part movements */

static const char part_usage[] =
    "usage: svcsync [--dir DIR] part receive PART_NO --qty N [--ref REF]\n"
    "       svcsync [--dir DIR] part receive --transfer XID\n"
    "       svcsync [--dir DIR] part transfer PART_NO --qty N --to NODE\n"
    "       svcsync [--dir DIR] part consume PART_NO --qty N --ticket ID\n"
    "       svcsync [--dir DIR] part consume PART_NO --qty -N --reason TEXT --ticket ID\n"
    "       svcsync [--dir DIR] part adjust PART_NO --qty +-N --reason TEXT\n"
    "       svcsync [--dir DIR] part transfers [--json]\n"
    "old parts back to the factory:\n"
    "       svcsync [--dir DIR] part return PART_NO --qty N --ticket ID\n"
    "       svcsync [--dir DIR] part receive --return RID [--reject N --reason TEXT]\n"
    "       svcsync [--dir DIR] part forward RID\n"
    "       svcsync [--dir DIR] part waive RID --reason TEXT\n"
    "       svcsync [--dir DIR] part returns [--shop S] [--outstanding] [--json]\n"
    "\n"
    "Every movement is booked at this node and must name a part number of the\n"
    "catalog. Run 'svcsync part SUBCOMMAND --help' for details.\n";

static const char receive_usage[] =
    "usage: svcsync [--dir DIR] part receive PART_NO --qty N [--ref REF]\n"
    "       svcsync [--dir DIR] part receive --transfer XID\n"
    "       svcsync [--dir DIR] part receive --return RID [--reject N --reason TEXT]\n"
    "\n"
    "Stock in. With PART_NO: parts delivered to HQ by a supplier (HQ only; REF is\n"
    "the delivery note). With --transfer: a shipment from another node arrived\n"
    "here; the whole shipment is received (correct a short delivery afterwards\n"
    "with 'part adjust').\n"
    "With --return: old parts of return RID (O:<ticket>/<part_no>) arrived. At\n"
    "the shop's region: all that is in transit, N of them rejected at\n"
    "inspection with a reason (at most 60 characters); the rest are accepted.\n"
    "At HQ: all the region forwarded. Old parts are not stock.\n";

static const char transfer_usage[] =
    "usage: svcsync [--dir DIR] part transfer PART_NO --qty N --to NODE\n"
    "\n"
    "Ship N parts from this node's stock to NODE and print the transfer id\n"
    "(X-<node>-<seq>). The parts are in transit until NODE receives them with\n"
    "'part receive --transfer XID'. A shop ships only back to its region.\n";

static const char consume_usage[] =
    "usage: svcsync [--dir DIR] part consume PART_NO --qty N --ticket ID\n"
    "       svcsync [--dir DIR] part consume PART_NO --qty -N --reason TEXT --ticket ID\n"
    "\n"
    "Use N parts from this node's stock on a ticket (assigned to this shop). A\n"
    "claim on the ticket may claim at most what was consumed on it.\n"
    "With --qty -N: reverse a consumption recorded by mistake (a reason is\n"
    "required): the N parts come back into stock and no longer count for the\n"
    "ticket's claims. At most what this node consumed on the ticket; the\n"
    "consumption and its reversal both stay on record.\n";

static const char return_usage[] =
    "usage: svcsync [--dir DIR] part return PART_NO --qty N --ticket ID\n"
    "\n"
    "Ship N old (defective) parts taken out on a ticket back to this shop's\n"
    "region, on their way to the factory (旧件返厂); prints the return's id RID,\n"
    "O:<ticket>/<part_no>. At most what this shop consumed of the part on the\n"
    "ticket, less what it returned before. Counted as defective at this node,\n"
    "not taken from its stock. The region receives them with 'part receive\n"
    "--return RID'.\n";

static const char adjust_usage[] =
    "usage: svcsync [--dir DIR] part adjust PART_NO --qty +-N --reason TEXT\n"
    "\n"
    "Correct this node's count by N (positive or negative, not 0) with a reason,\n"
    "after a stocktake or a short delivery. Stock cannot go below zero.\n";

static const char transfers_usage[] =
    "usage: svcsync [--dir DIR] part transfers [--json]\n"
    "\n"
    "Shipments this node knows of, newest first: in transit and received.\n";

/* The common options of a movement: PART_NO and --qty N. */
static int move_args(cli_args *a, int64_t *qty)
{
	bool given;
	int rc = cli_need_pos(a, 1, "PART_NO");
	if (!rc)
		rc = cli_int(a, "qty", qty, &given);
	if (!rc && !given)
		rc = cli_usage(a, "--qty is required");
	return rc;
}

static int part_receive(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t qty = 0;
	char part[SVC_PART_LEN];
	const char *xid;
	int rc = cli_parse(&a, "part receive", receive_usage,
	                   "qty= ref= transfer= return= reject= reason=", 1, argc, argv);
	if (rc)
		return rc;
	/* old parts */
	const char *rid = cli_opt(&a, "return");
	if (rid) {
		int64_t reject = 0;
		if (a.npos || cli_opt(&a, "qty") || cli_opt(&a, "ref") || cli_opt(&a, "transfer"))
			return cli_usage(&a,
			                 "--return takes no PART_NO, --qty, --ref or --transfer "
			                 "(the return says what came)");
		if ((rc = cli_int(&a, "reject", &reject, NULL)) || (rc = cli_open(ctx, true, &s)))
			return rc;
		if (svc_local_oldpart_receive(s, rid, reject, cli_opt(&a, "reason"), &qty)) {
			svc_store_close(&s);
			return cli_fail();
		}
		cli_done_write(ctx, &s);
		printf("received %s: %" PRId64 " old parts, %" PRId64 " rejected\n", rid, qty,
		       reject);
		return CLI_OK;
	}
	if (cli_opt(&a, "reject") || cli_opt(&a, "reason"))
		return cli_usage(&a, "--reject and --reason are for old parts (--return RID)");
	xid = cli_opt(&a, "transfer");
	if (xid) {
		if (a.npos || cli_opt(&a, "qty") || cli_opt(&a, "ref"))
			return cli_usage(&a, "--transfer takes no PART_NO, --qty or --ref (the "
			                     "shipment says what came)");
	} else if ((rc = move_args(&a, &qty))) {
		return rc;
	}
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (xid)
		rc = svc_local_part_receive_transfer(s, xid, part, &qty);
	else
		rc = svc_local_part_receive(s, a.pos[0], qty, cli_opt(&a, "ref"));
	if (rc) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	if (xid)
		printf("received %s: %" PRId64 " x %s\n", xid, qty, part);
	else
		printf("received %" PRId64 " x %s\n", qty, a.pos[0]);
	return CLI_OK;
}

static int part_transfer(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t qty = 0;
	const char *to;
	char xid[SVC_AGG_LEN];
	int rc = cli_parse(&a, "part transfer", transfer_usage, "qty= to=", 1, argc, argv);
	if (rc || (rc = move_args(&a, &qty)) || (rc = cli_need(&a, "to", &to)) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_part_transfer(s, a.pos[0], qty, to, xid)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", xid);
	return CLI_OK;
}

static int part_consume(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t qty = 0;
	const char *ticket;
	int rc =
	    cli_parse(&a, "part consume", consume_usage, "qty= ticket= reason=", 1, argc, argv);
	if (rc || (rc = move_args(&a, &qty)) || (rc = cli_need(&a, "ticket", &ticket)))
		return rc;
	const char *why = cli_opt(&a, "reason");
	if (qty < 0 && !why)
		return cli_usage(&a, "--reason is required with --qty -N (a reversal)");
	if (qty >= 0 && why)
		return cli_usage(&a, "--reason is only for a reversal (--qty -N)");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (qty < 0 ? svc_local_part_unconsume(s, a.pos[0], -qty, ticket, why)
	            : svc_local_part_consume(s, a.pos[0], qty, ticket)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	if (qty < 0)
		printf("reversed %" PRId64 " x %s on %s\n", -qty, a.pos[0], ticket);
	else
		printf("consumed %" PRId64 " x %s on %s\n", qty, a.pos[0], ticket);
	return CLI_OK;
}

static int part_return(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t qty = 0;
	const char *ticket;
	char rid[SVC_AGG_LEN];
	int rc = cli_parse(&a, "part return", return_usage, "qty= ticket=", 1, argc, argv);
	if (rc || (rc = move_args(&a, &qty)) || (rc = cli_need(&a, "ticket", &ticket)) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_oldpart_ship(s, a.pos[0], qty, ticket, rid)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", rid);
	return CLI_OK;
}

static int part_adjust(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t qty = 0;
	const char *reason;
	int rc = cli_parse(&a, "part adjust", adjust_usage, "qty= reason=", 1, argc, argv);
	if (rc || (rc = move_args(&a, &qty)) || (rc = cli_need(&a, "reason", &reason)) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_part_adjust(s, a.pos[0], qty, reason)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("adjusted %s by %+" PRId64 "\n", a.pos[0], qty);
	return CLI_OK;
}

static int transfer_id_cb(const svc_transfer *x, void *arg)
{
	cli_ids_add(arg, x->shipped, x->id);
	return 0;
}

static void transfer_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_transfer x;
	char qty[24], shipped[32], received[32];
	(void)arg;
	if (svc_fold_transfer_get(t, id, &x))
		return;
	if (cli_list_json(l)) {
		cli_list_obj(l, cli_json_transfer(&x));
		return;
	}
	snprintf(qty, sizeof qty, "%" PRId64, x.qty);
	cli_time(shipped, x.shipped);
	cli_time(received, x.received_at);
	const char *cells[] = {x.id,     x.part_no, qty,
	                       x.source, x.dest,    x.received ? "received" : "in_transit",
	                       shipped,  received};
	cli_list_row(l, cells);
}

static int transfer_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	(void)s;
	(void)arg;
	return svc_fold_transfer_each(t, transfer_id_cb, ids);
}

static int part_transfers(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID", "PART_NO", "QTY",     "FROM",
	                                      "TO", "STATUS",  "SHIPPED", "RECEIVED"};
	static const cli_list_spec spec = {headers, "llrlllll", false, transfer_collect,
	                                   transfer_row};
	cli_args a;
	int rc = cli_parse(&a, "part transfers", transfers_usage, "json", 0, argc, argv);
	if (rc)
		return rc;
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, NULL);
}

int cli_cmd_part(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"receive", part_receive},
	    {"transfer", part_transfer},
	    {"consume", part_consume},
	    {"return", part_return},
	    {"adjust", part_adjust},
	    {"transfers", part_transfers},
	    /* old parts */
	    {"forward", cli_part_forward},
	    {"waive", cli_part_waive},
	    {"returns", cli_part_returns},
	    {NULL, NULL},
	};
	return cli_dispatch(ctx, "part", part_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ stock */

static const char stock_usage[] =
    "usage: svcsync [--dir DIR] stock [--location NODE | --all] [--json]\n"
    "\n"
    "Stock per part at this node (default), at one location, or at every\n"
    "location (--all) whose stock this node holds in full: HQ everyone's, a\n"
    "region its own and its shops', a shop its own. Columns: on hand, in\n"
    "transit toward the location, defective parts sent back from it.\n";

typedef struct {
	char location[SVC_ID_LEN];
	char part_no[SVC_PART_LEN];
	svc_stock st;
} stock_row;

typedef struct {
	stock_row *v;
	size_t n, cap;
	bool oom;
	svc_txn *t;
	const svc_self *self;
} stock_rows;

/*
 * Whose stock this node holds in full: HQ everyone's, a region its own and
 * its shops', a shop its own. Of other locations it holds only the side of
 * the shipments it took part in (HQ's transfer to a shop debits "hq" in the
 * shop's store too), which is not a count anyone should read.
 */
static bool stock_in_scope(svc_txn *t, const svc_self *self, const char *location)
{
	svc_node n;
	if (self->role == SVC_ROLE_HQ || strcmp(location, self->node) == 0)
		return true;
	return self->role == SVC_ROLE_REGION && svc_fold_node_get(t, location, &n) == 0 &&
	       n.role == SVC_ROLE_SHOP && strcmp(n.region, self->node) == 0;
}

static int stock_cb(const char *location, const char *part_no, const svc_stock *st, void *arg)
{
	stock_rows *r = arg;
	if (!stock_in_scope(r->t, r->self, location))
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		stock_row *v = realloc(r->v, cap * sizeof *v);
		if (!v) {
			r->oom = true;
			return 1;
		}
		r->v = v;
		r->cap = cap;
	}
	stock_row *row = &r->v[r->n++];
	snprintf(row->location, sizeof row->location, "%s", location);
	snprintf(row->part_no, sizeof row->part_no, "%s", part_no);
	row->st = *st;
	return 0;
}

/* The catalog names are looked up while printing, a page at a time. */
static void stock_print(cli_list *l, svc_txn *t, const stock_row *r)
{
	svc_catalog_item item;
	const char *name = svc_fold_catalog_get(t, r->part_no, &item) == 0 ? item.name : "";
	if (cli_list_json(l)) {
		json_t *o = json_object();
		json_object_set_new(o, "location", json_string(r->location));
		json_object_set_new(o, "part_no", json_string(r->part_no));
		json_object_set_new(o, "name", json_string(name));
		json_object_set_new(o, "on_hand", json_integer(r->st.on_hand));
		json_object_set_new(o, "in_transit_in", json_integer(r->st.in_transit_in));
		json_object_set_new(o, "defective", json_integer(r->st.defective));
		cli_list_obj(l, o);
		return;
	}
	char on_hand[24], transit[24], defective[24], nm[96];
	snprintf(on_hand, sizeof on_hand, "%" PRId64, r->st.on_hand);
	snprintf(transit, sizeof transit, "%" PRId64, r->st.in_transit_in);
	snprintf(defective, sizeof defective, "%" PRId64, r->st.defective);
	cli_oneline(nm, sizeof nm, name, 30);
	const char *cells[] = {r->location, r->part_no, nm, on_hand, transit, defective};
	cli_list_row(l, cells);
}

int cli_cmd_stock(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"LOCATION", "PART_NO",    "NAME",
	                                      "ON_HAND",  "IN_TRANSIT", "DEFECTIVE"};
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_self self;
	stock_rows rows = {0};
	char here[SVC_ID_LEN];
	int rc = cli_parse(&a, "stock", stock_usage, "location= all json", 0, argc, argv);
	if (rc)
		return rc;
	const char *loc = cli_opt(&a, "location");
	bool all = cli_flag(&a, "all");
	if (loc && all)
		return cli_usage(&a, "--location and --all exclude each other");
	if ((rc = cli_open(ctx, false, &s)))
		return rc;
	/* Stock lines are small and few per location; one read collects them. */
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_self_get(t, &self);
	if (!rc && !loc && !all) {
		snprintf(here, sizeof here, "%s", self.node);
		loc = here;
	}
	if (!rc && loc && !stock_in_scope(t, &self, loc))
		rc = svc_errf(SVC_EDENIED,
		              "location %s: %s %s does not hold that stock (HQ holds everyone's, "
		              "a region its own and its shops', a shop its own)",
		              loc, svc_role_name(self.role), self.node);
	rows.t = t;
	rows.self = &self;
	if (!rc && svc_fold_stock_each(t, all ? NULL : loc, stock_cb, &rows) < 0)
		rc = -1;
	svc_txn_abort(&t);
	if (!rc && rows.oom)
		rc = svc_errf(SVC_ENOMEM, "out of memory reading stock");
	if (rc) {
		free(rows.v);
		svc_store_close(&s);
		return cli_fail();
	}
	cli_list *l = cli_list_new(cli_flag(&a, "json"), 6, headers, "lllrrr");
	for (size_t i = 0; l && i < rows.n; i += CLI_PAGE) {
		if (svc_txn_begin(s, false, &t)) {
			rc = cli_fail();
			break;
		}
		for (size_t k = i; k < rows.n && k < i + CLI_PAGE; k++)
			stock_print(l, t, &rows.v[k]);
		svc_txn_abort(&t);
	}
	int lrc = cli_list_end(&l);
	free(rows.v);
	svc_store_close(&s);
	return rc ? rc : lrc;
}

/*
 * cli_customer: `svcsync customer ...` and `svcsync unit ...`, customer
 * files (用户档案) and product units.
 *
 * Every read goes through the fold's state readers and its index database
 * (phone digits, names, serials, the tickets that refer to a record), so
 * `customer show --phone` and `customer find` cost a few index entries
 * whatever the store holds. Ids are told apart by the record kind each
 * command asks for, never by their prefix: a claim's id has a customer's
 * shape ("C-<node>-<seq>" of its ticket).
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_fold.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char customer_usage[] =
    "usage: svcsync [--dir DIR] customer new --name N --phone P [--phone P]...\n"
    "                           [--address A] [--tier regular|vip]\n"
    "       svcsync [--dir DIR] customer show ID | --phone PHONE | --serial SN [--json]\n"
    "       svcsync [--dir DIR] customer find TEXT [--json]\n"
    "       svcsync [--dir DIR] customer duplicates [--limit N] [--json]\n"
    "       svcsync [--dir DIR] customer edit ID [--name N] [--phone P]... [--address A]\n"
    "                           [--tier regular|vip]\n"
    "       svcsync [--dir DIR] customer merge DUPLICATE_ID --into ID\n"
    "\n"
    "Customer files: C-<node>-<seq>, created by the node that first serves the\n"
    "person (ticket new creates them). Phones are Chinese mobile or landline\n"
    "numbers, at most 3. Run 'svcsync customer SUBCOMMAND --help' for details.\n";

static const char new_usage[] =
    "usage: svcsync [--dir DIR] customer new --name N --phone P [--phone P]...\n"
    "                           [--address A] [--tier regular|vip]\n"
    "\n"
    "Create a customer file and print its id alone on stdout. The name is at\n"
    "most 40 characters, the address 80; --phone repeats (1 to 3 numbers).\n";

static const char show_usage[] =
    "usage: svcsync [--dir DIR] customer show ID | --phone PHONE | --serial SN [--json]\n"
    "\n"
    "A customer file: its fields, its product units, the tickets this node holds\n"
    "for it, and the history of each field (value, when in the network's time\n"
    "zone, by which node and operator). Units and tickets are gathered over the\n"
    "file's merge group: the survivor and every file merged into it, directly or\n"
    "through another. A merged file shows the survivor it points to, the group's\n"
    "units and tickets, and the survivor's fields and history after its own.\n"
    "--phone finds the customers under a number (any spelling: +86, spaces,\n"
    "dashes), --serial the owner of a product unit; a merged file is shown as\n"
    "its survivor.\n";

static const char find_usage[] =
    "usage: svcsync [--dir DIR] customer find TEXT [--json]\n"
    "\n"
    "Customers whose name starts with TEXT (ASCII letters in any case), or, when\n"
    "TEXT is digits (with +, spaces or dashes), whose phone number starts with\n"
    "them. At most 200 are listed.\n";

static const char dup_usage[] =
    "usage: svcsync [--dir DIR] customer duplicates [--limit N] [--json]\n"
    "\n"
    "The duplicates queue (region or HQ): customers this node holds that share a\n"
    "phone number, in phone order, then product units that share a serial, in\n"
    "serial order, each with the ids not yet merged. At most N groups (default\n"
    "100, 0 for all); the walk stops there. Merge them with 'customer merge' and\n"
    "'unit merge'.\n";

static const char edit_usage[] =
    "usage: svcsync [--dir DIR] customer edit ID [--name N] [--phone P]... [--address A]\n"
    "                           [--tier regular|vip]\n"
    "\n"
    "Correct the given fields of a customer file (--phone replaces the numbers\n"
    "with the ones given). Each correction is a change of its own: the last in\n"
    "the network's order wins per field, and 'customer show' lists them all.\n"
    "The region and HQ correct any file; a shop only the files it created\n"
    "(C-<shop>-<seq>), the others through its region.\n";

static const char merge_usage[] =
    "usage: svcsync [--dir DIR] customer merge DUPLICATE_ID --into ID\n"
    "\n"
    "Region or HQ: record that DUPLICATE_ID is the same person as ID. The\n"
    "duplicate keeps its fields and points to the survivor; nothing is deleted.\n"
    "A survivor that is itself merged is refused (merge into its survivor), and\n"
    "so is a merge that would make a cycle, at every node.\n";

static const char unit_usage[] = "usage: svcsync [--dir DIR] unit show ID [--json]\n"
                                 "       svcsync [--dir DIR] unit merge DUPLICATE_ID --into ID\n"
                                 "\n"
                                 "Product units: U-<node>-<seq>, created by ticket new --serial.\n";

static const char unit_show_usage[] =
    "usage: svcsync [--dir DIR] unit show ID [--json]\n"
    "\n"
    "A product unit, the tickets this node holds for it or for any unit merged\n"
    "into it, and the history of its fields; a merged unit shows its survivor's\n"
    "fields and history too.\n";

static const char unit_merge_usage[] =
    "usage: svcsync [--dir DIR] unit merge DUPLICATE_ID --into ID\n"
    "\n"
    "Region or HQ: record that DUPLICATE_ID is the same product unit as ID (two\n"
    "nodes recorded one serial). Refused like a customer merge.\n";

#define LOOKUP_MAX 32
/* Files in one merge group shown (a person merged more often is cut). */
#define GROUP_MAX 32
#define FIND_MAX 200
/* Duplicate groups listed unless --limit says otherwise. */
#define DUP_LIMIT 100

/* ------------------------------------------------------------ tickets */

void cli_ticket_customer(svc_txn *t, svc_ticket *tk)
{
	svc_customer cu;
	if (!tk->customer_id[0] || tk->customer[0])
		return;
	if (svc_fold_customer_get(t, tk->customer_id, &cu) != 0) {
		svc_errclear();
		return;
	}
	cli_oneline(tk->customer, sizeof tk->customer, cu.name, 60);
	snprintf(tk->phone, sizeof tk->phone, "%s", cu.phones[0]);
	cli_oneline(tk->address, sizeof tk->address, cu.address, 200);
}

/* ------------------------------------------------------------ fields */

static int parse_fields(const cli_args *a, svc_customer_fields *f)
{
	memset(f, 0, sizeof *f);
	f->name = cli_opt(a, "name");
	f->address = cli_opt(a, "address");
	f->tier = cli_opt(a, "tier");
	const char *ph[SVC_PHONES_MAX + 1];
	size_t n = cli_opts(a, "phone", ph, SVC_PHONES_MAX + 1);
	if (n > SVC_PHONES_MAX)
		return cli_usage(a, "--phone: %zu numbers, at most %d", n, SVC_PHONES_MAX);
	for (size_t i = 0; i < n; i++)
		f->phones[i] = ph[i];
	f->nphones = n;
	return 0;
}

static int customer_new(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_customer_fields f;
	char id[SVC_AGG_LEN];
	int rc =
	    cli_parse(&a, "customer new", new_usage, "name= phone=* address= tier=", 0, argc, argv);
	if (rc || (rc = parse_fields(&a, &f)))
		return rc;
	if (!f.name)
		return cli_usage(&a, "--name is required");
	if (!f.nphones)
		return cli_usage(&a, "--phone is required");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_customer_new(s, &f, id)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", id);
	return CLI_OK;
}

static int customer_edit(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_customer_fields f;
	int rc = cli_parse(&a, "customer edit", edit_usage, "name= phone=* address= tier=", 1, argc,
	                   argv);
	if (rc || (rc = cli_need_pos(&a, 1, "customer ID")) || (rc = parse_fields(&a, &f)))
		return rc;
	if (!f.name && !f.nphones && !f.address && !f.tier)
		return cli_usage(&a, "give a field to change (--name, --phone, --address, --tier)");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_customer_edit(s, a.pos[0], &f)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s\n", a.pos[0]);
	return CLI_OK;
}

static int do_merge(const cli_ctx *ctx, int argc, char **argv, bool unit)
{
	cli_args a;
	svc_store *s = NULL;
	const char *into;
	const char *cmd = unit ? "unit merge" : "customer merge";
	int rc = cli_parse(&a, cmd, unit ? unit_merge_usage : merge_usage, "into=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "DUPLICATE_ID")) || (rc = cli_need(&a, "into", &into)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	rc = unit ? svc_local_unit_merge(s, a.pos[0], into)
	          : svc_local_customer_merge(s, a.pos[0], into);
	if (rc) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s -> %s\n", a.pos[0], into);
	return CLI_OK;
}

static int customer_merge(const cli_ctx *ctx, int argc, char **argv)
{
	return do_merge(ctx, argc, argv, false);
}

static int unit_merge(const cli_ctx *ctx, int argc, char **argv)
{
	return do_merge(ctx, argc, argv, true);
}

/* ------------------------------------------------------------ show */

/* What `customer show` and `unit show` print for one record, read in one
 * transaction: the record, its merge group (the survivor it leads to and
 * every file merged into that survivor, through the fold's merged index),
 * and what the whole group gathers: product units owned and tickets held
 * here that refer to any file of the group. */
typedef struct {
	bool unit;
	svc_customer cu; /* !unit */
	svc_unit u;      /* unit */
	char root[SVC_AGG_LEN];
	svc_customer root_cu; /* the survivor, when the record is merged */
	svc_unit root_u;
	char group[GROUP_MAX][SVC_AGG_LEN];
	size_t ngroup;
	svc_unit units[LOOKUP_MAX];
	size_t nunits, more_units;
	svc_ticket tickets[LOOKUP_MAX];
	size_t ntickets, more_tickets;
	cli_history h, root_h; /* root_h: the survivor's, when merged */
	const svc_tz *tz;
} record_view;

static bool view_merged(const record_view *v)
{
	return strcmp(v->root, v->unit ? v->u.id : v->cu.id) != 0;
}

struct collect_arg {
	svc_txn *t;
	record_view *v;
};

static int unit_step(const char *value, const char *agg, void *argp)
{
	struct collect_arg *a = argp;
	(void)value;
	if (a->v->nunits >= LOOKUP_MAX) {
		a->v->more_units++;
		return 0;
	}
	if (svc_fold_unit_get(a->t, agg, &a->v->units[a->v->nunits]) == 0)
		a->v->nunits++;
	else
		svc_errclear();
	return 0;
}

static int ticket_step(const char *value, const char *agg, void *argp)
{
	struct collect_arg *a = argp;
	(void)value;
	if (a->v->ntickets >= LOOKUP_MAX) {
		a->v->more_tickets++;
		return 0;
	}
	if (svc_fold_ticket_get(a->t, agg, &a->v->tickets[a->v->ntickets]) == 0)
		a->v->ntickets++;
	else
		svc_errclear();
	return 0;
}

static int ticket_cmp(const void *pa, const void *pb)
{
	const svc_ticket *a = pa, *b = pb;
	if (a->created != b->created)
		return a->created < b->created ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int view_load(svc_txn *t, bool unit, const char *id, record_view *v)
{
	struct collect_arg a = {t, v};
	int type = unit ? SVC_AGG_UNIT : SVC_AGG_CUSTOMER;
	v->unit = unit;
	int rc = unit ? svc_fold_unit_get(t, id, &v->u) : svc_fold_customer_get(t, id, &v->cu);
	if (!rc)
		rc = svc_local_merge_group(t, type, id, v->root, v->group, GROUP_MAX, &v->ngroup);
	if (!rc && view_merged(v)) {
		rc = unit ? svc_fold_unit_get(t, v->root, &v->root_u)
		          : svc_fold_customer_get(t, v->root, &v->root_cu);
		if (!rc)
			rc = cli_history_load(t, v->root, &v->root_h);
	}
	for (size_t i = 0; !rc && i < v->ngroup; i++) {
		if (!unit)
			rc = svc_fold_index_each(t, SVC_INDEX_UNIT_OWNER, v->group[i], false,
			                         unit_step, &a);
		if (rc >= 0)
			rc = svc_fold_index_each(
			    t, unit ? SVC_INDEX_TICKET_UNIT : SVC_INDEX_TICKET_CUSTOMER,
			    v->group[i], false, ticket_step, &a);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc && v->ntickets)
		qsort(v->tickets, v->ntickets, sizeof *v->tickets, ticket_cmp);
	if (!rc)
		rc = cli_history_load(t, id, &v->h);
	if (!rc)
		rc = cli_policy_zone(t, &v->tz);
	return rc;
}

static void view_free(record_view *v)
{
	cli_history_free(&v->h);
	cli_history_free(&v->root_h);
}

static void phones_text(const svc_customer *cu, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < SVC_PHONES_MAX && cu->phones[i][0]; i++) {
		int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", cu->phones[i]);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

/* The longest field value whole: an 80-character Chinese address is 160
 * columns. */
#define VALUE_COLS 160

/* The history as a table (FIELD, VALUE, WHEN, BY), one row per field a
 * change set, aligned by display columns (a Chinese character is two) by
 * the CLI's list. */
struct hist_row {
	cli_list *l;
	const char *when, *who;
};

static void hist_row(const struct hist_row *r, const char *field, const char *value)
{
	const char *cells[] = {field, value[0] ? value : "-", r->when, r->who};
	cli_list_row(r->l, cells);
}

static void hist_change(const struct hist_row *r, const svc_change *c)
{
	char val[4 * VALUE_COLS + 8];
	switch (c->kind) {
	case SVC_CK_CUSTOMER_PUT: {
		const svc_customer_put *b = &c->u.customer_put;
		if (b->fields & SVC_CF_NAME) {
			cli_oneline(val, sizeof val, b->name, VALUE_COLS);
			hist_row(r, "name", val);
		}
		if (b->fields & SVC_CF_PHONES) {
			svc_customer tmp;
			memcpy(tmp.phones, b->phones, sizeof tmp.phones);
			phones_text(&tmp, val, sizeof val);
			hist_row(r, "phones", val);
		}
		if (b->fields & SVC_CF_ADDRESS) {
			cli_oneline(val, sizeof val, b->address, VALUE_COLS);
			hist_row(r, "address", val);
		}
		if (b->fields & SVC_CF_TIER)
			hist_row(r, "tier", svc_customer_tier_name(b->tier));
		break;
	}
	case SVC_CK_CUSTOMER_MERGE:
		hist_row(r, "merged", c->u.customer_merge.into);
		break;
	case SVC_CK_UNIT_MERGE:
		hist_row(r, "merged", c->u.unit_merge.into);
		break;
	case SVC_CK_UNIT_PUT: {
		const svc_unit_put *b = &c->u.unit_put;
		if (b->fields & SVC_UF_SERIAL)
			hist_row(r, "serial", b->serial);
		if (b->fields & SVC_UF_MODEL) {
			cli_oneline(val, sizeof val, b->model, VALUE_COLS);
			hist_row(r, "model", val);
		}
		if (b->fields & SVC_UF_PURCHASED) {
			cli_date(val, b->purchased);
			hist_row(r, "purchased", val);
		}
		if (b->fields & SVC_UF_INSTALLED) {
			cli_date(val, b->installed);
			hist_row(r, "installed", val);
		}
		if (b->fields & SVC_UF_OWNER)
			hist_row(r, "owner", b->owner);
		break;
	}
	default:
		break;
	}
}

static int history_text(const cli_history *h, const svc_tz *tz, const char *title)
{
	static const char *const hdr[] = {"FIELD", "VALUE", "WHEN", "BY"};
	printf("%s (in the network's order, times in %s):\n", title, tz ? svc_tz_name(tz) : "-");
	cli_list *l = cli_list_new(false, 4, hdr, "llll");
	for (size_t i = 0; l && i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		const svc_change *c = &lc->c;
		char when[32], who[SVC_ID_LEN + SVC_OPERATOR_LEN + SVC_REASON_LEN + 32];
		int w = snprintf(who, sizeof who, "%s", c->origin);
		if (c->operator[0] && w> 0 &&(size_t) w < sizeof who)
			w += snprintf(who + w, sizeof who - (size_t)w, " (%s)", c->operator);
		if (lc->rejected && w > 0 && (size_t)w < sizeof who)
			snprintf(who + w, sizeof who - (size_t)w, "  [REJECTED: %s]", lc->reason);
		cli_time(when, svc_hlc_ms(c->hlc));
		struct hist_row r = {l, when, who};
		hist_change(&r, c);
	}
	return cli_list_end(&l);
}

/* The group's files other than the survivor, "C-a-1, C-b-2". */
static void merged_list(const record_view *v, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 1; i < v->ngroup; i++) {
		int w = snprintf(out + used, cap - used, "%s%s", i > 1 ? ", " : "", v->group[i]);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

/* Where the gathered units and tickets come from: the survivor, and the
 * files merged into it. */
static void gathered_text(const record_view *v)
{
	char list[GROUP_MAX * (SVC_AGG_LEN + 2)];
	const char *beyond = !view_merged(v) ? (v->unit ? v->u.merged_into : v->cu.merged_into)
	                     : v->unit       ? v->root_u.merged_into
	                                     : v->root_cu.merged_into;
	if (beyond[0])
		printf("  survivor %s: not held here (the region and HQ hold it); this node "
		       "works on %s\n",
		       beyond, v->root);
	if (view_merged(v))
		printf("  survivor %s: the %s the desk works on (svcsync %s show %s); the units "
		       "and tickets below are gathered under it\n",
		       v->root, v->unit ? "unit" : "file", v->unit ? "unit" : "customer", v->root);
	merged_list(v, list, sizeof list);
	if (list[0])
		printf("  files merged into %s: %s\n", v->root, list);
}

static int units_text(const record_view *v)
{
	static const char *const hdr[] = {"UNIT",      "SERIAL",    "MODEL",
	                                  "PURCHASED", "INSTALLED", "OWNER"};
	printf("units (%zu):\n", v->nunits + v->more_units);
	if (!v->nunits)
		return CLI_OK;
	cli_list *l = cli_list_new(false, 6, hdr, "llllll");
	for (size_t i = 0; l && i < v->nunits; i++) {
		const svc_unit *u = &v->units[i];
		char p[16], in[16], model[4 * 40 + 8], id[2 * SVC_AGG_LEN + 8];
		cli_date(p, u->purchased);
		cli_date(in, u->installed);
		cli_oneline(model, sizeof model, u->model[0] ? u->model : "-", 40);
		snprintf(id, sizeof id, "%s%s%s", u->id, u->merged_into[0] ? " -> " : "",
		         u->merged_into);
		const char *cells[] = {id, u->serial, model, p, in, u->owner};
		cli_list_row(l, cells);
	}
	int rc = cli_list_end(&l);
	if (v->more_units)
		printf("... and %zu more\n", v->more_units);
	return rc;
}

static int tickets_text(const record_view *v)
{
	static const char *const hdr[] = {"TICKET", "OPENED", "KIND",
	                                  "STATUS", "SHOP",   "REFERS TO"};
	printf("tickets here (%zu):\n", v->ntickets + v->more_tickets);
	if (!v->ntickets)
		return CLI_OK;
	cli_list *l = cli_list_new(false, 6, hdr, "llllll");
	for (size_t i = 0; l && i < v->ntickets; i++) {
		const svc_ticket *tk = &v->tickets[i];
		char when[32];
		cli_time(when, tk->created);
		const char *cells[] = {tk->id,
		                       when,
		                       svc_ticket_kind_name(tk->kind),
		                       svc_ticket_status_name(tk->status),
		                       tk->shop[0] ? tk->shop : "-",
		                       v->unit ? tk->unit_id : tk->customer_id};
		cli_list_row(l, cells);
	}
	int rc = cli_list_end(&l);
	if (v->more_tickets)
		printf("... and %zu more\n", v->more_tickets);
	return rc;
}

static void customer_fields_text(const svc_customer *cu)
{
	char ph[128], when[32];
	phones_text(cu, ph, sizeof ph);
	cli_time(when, cu->created);
	printf("  name     %s\n  phones   %s\n  address  %s\n  tier     %s\n", cu->name, ph,
	       cu->address[0] ? cu->address : "-", svc_customer_tier_name(cu->tier));
	printf("  region   %s\n  created  %s by %s\n", cu->region[0] ? cu->region : "-", when,
	       cu->created_by);
}

static void unit_fields_text(const svc_unit *u)
{
	char p[16], in[16];
	cli_date(p, u->purchased);
	cli_date(in, u->installed);
	printf("  serial     %s\n  model      %s\n  purchased  %s\n  installed  %s\n"
	       "  owner      %s\n",
	       u->serial, u->model[0] ? u->model : "-", p, in, u->owner[0] ? u->owner : "-");
}

static int view_text(const record_view *v)
{
	const char *id = v->unit ? v->u.id : v->cu.id;
	const char *into = v->unit ? v->u.merged_into : v->cu.merged_into;
	printf("%s %s", v->unit ? "unit" : "customer", id);
	if (into[0])
		printf("  (merged into %s)", into);
	printf("\n");
	if (v->unit)
		unit_fields_text(&v->u);
	else
		customer_fields_text(&v->cu);
	gathered_text(v);
	int rc = v->unit ? CLI_OK : units_text(v);
	if (rc == CLI_OK)
		rc = tickets_text(v);
	if (rc == CLI_OK)
		rc = history_text(&v->h, v->tz, "field history");
	if (rc == CLI_OK && view_merged(v)) {
		printf("\nthe survivor %s %s:\n", v->unit ? "unit" : "customer", v->root);
		if (v->unit)
			unit_fields_text(&v->root_u);
		else
			customer_fields_text(&v->root_cu);
		rc = history_text(&v->root_h, v->tz, "its field history");
	}
	return rc;
}

static json_t *customer_json(const svc_customer *cu)
{
	json_t *o = json_object();
	json_t *ph = json_array();
	for (int i = 0; i < SVC_PHONES_MAX && cu->phones[i][0]; i++)
		json_array_append_new(ph, json_string(cu->phones[i]));
	json_object_set_new(o, "id", json_string(cu->id));
	json_object_set_new(o, "name", json_string(cu->name));
	json_object_set_new(o, "phones", ph);
	json_object_set_new(o, "address", json_string(cu->address));
	json_object_set_new(o, "tier", json_string(svc_customer_tier_name(cu->tier)));
	json_object_set_new(o, "region", cli_json_opt(cu->region));
	json_object_set_new(o, "created_by", json_string(cu->created_by));
	json_object_set_new(o, "created", cli_json_ms(cu->created));
	json_object_set_new(o, "merged_into", cli_json_opt(cu->merged_into));
	json_object_set_new(o, "merged", cli_json_ms(cu->merged));
	json_object_set_new(o, "updated", cli_json_ms(cu->updated));
	return o;
}

static json_t *unit_json(const svc_unit *u)
{
	json_t *o = json_object();
	char d[16];
	json_object_set_new(o, "id", json_string(u->id));
	json_object_set_new(o, "serial", json_string(u->serial));
	json_object_set_new(o, "model", json_string(u->model));
	cli_date(d, u->purchased);
	json_object_set_new(o, "purchased", u->purchased ? json_string(d) : json_null());
	cli_date(d, u->installed);
	json_object_set_new(o, "installed", u->installed ? json_string(d) : json_null());
	json_object_set_new(o, "owner", cli_json_opt(u->owner));
	json_object_set_new(o, "region", cli_json_opt(u->region));
	json_object_set_new(o, "created_by", json_string(u->created_by));
	json_object_set_new(o, "merged_into", cli_json_opt(u->merged_into));
	return o;
}

static json_t *view_json(const record_view *v)
{
	json_t *o = v->unit ? unit_json(&v->u) : customer_json(&v->cu);
	json_t *us = json_array(), *ts = json_array(), *ms = json_array();
	for (size_t i = 0; i < v->nunits; i++)
		json_array_append_new(us, unit_json(&v->units[i]));
	for (size_t i = 0; i < v->ntickets; i++)
		json_array_append_new(ts, json_string(v->tickets[i].id));
	for (size_t i = 1; i < v->ngroup; i++)
		json_array_append_new(ms, json_string(v->group[i]));
	json_object_set_new(o, "survivor", json_string(v->root));
	json_object_set_new(o, "merged_files", ms);
	if (!v->unit)
		json_object_set_new(o, "units", us);
	else
		json_decref(us);
	json_object_set_new(o, "tickets", ts);
	json_object_set_new(o, "history", cli_history_json(&v->h));
	if (view_merged(v))
		json_object_set_new(o, "survivor_history", cli_history_json(&v->root_h));
	return o;
}

/* Print the views loaded (text or JSON: one object for an id, an array
 * for a lookup) and free them. */
static int views_print(record_view *views, size_t n, bool json, bool array)
{
	int rc = CLI_OK;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, view_json(&views[i]));
		if (array) {
			rc = cli_json_print(arr);
		} else {
			rc = cli_json_print(json_incref(json_array_get(arr, 0)));
			json_decref(arr);
		}
	} else {
		for (size_t i = 0; rc == CLI_OK && i < n; i++) {
			if (i)
				printf("\n");
			rc = view_text(&views[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		view_free(&views[i]);
	free(views);
	return rc;
}

static int customer_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	char ids[LOOKUP_MAX][SVC_AGG_LEN];
	size_t n = 0;
	int rc = cli_parse(&a, "customer show", show_usage, "phone= serial= json", 1, argc, argv);
	if (rc)
		return rc;
	const char *phone = cli_opt(&a, "phone"), *serial = cli_opt(&a, "serial");
	if ((a.npos == 1) + (phone != NULL) + (serial != NULL) != 1)
		return cli_usage(&a, "give one of ID, --phone or --serial");
	if ((rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc && phone) {
		rc = svc_local_customer_by_phone(t, phone, ids, LOOKUP_MAX, &n);
		if (!rc && n == 0)
			rc = svc_errf(SVC_ENOTFOUND, "phone: no customer under %s here", phone);
	} else if (!rc && serial) {
		char units[LOOKUP_MAX][SVC_AGG_LEN];
		size_t nu = 0;
		rc = svc_local_unit_by_serial(t, serial, units, LOOKUP_MAX, &nu);
		if (!rc && nu == 0)
			rc = svc_errf(SVC_ENOTFOUND, "serial: no product unit %s here", serial);
		for (size_t i = 0; !rc && i < nu && i < LOOKUP_MAX; i++) {
			svc_unit u;
			char owner[SVC_AGG_LEN];
			size_t none;
			rc = svc_fold_unit_get(t, units[i], &u);
			if (rc || !u.owner[0])
				continue;
			/* the owner's survivor: the file the desk works on */
			rc = svc_local_merge_group(t, SVC_AGG_CUSTOMER, u.owner, owner, NULL, 0,
			                           &none);
			if (rc == SVC_ENOTFOUND) {
				svc_errclear();
				rc = 0;
				continue;
			}
			bool dup = false;
			for (size_t j = 0; j < n; j++)
				dup |= strcmp(ids[j], owner) == 0;
			if (!rc && !dup)
				snprintf(ids[n++], SVC_AGG_LEN, "%s", owner);
		}
		if (!rc && n == 0)
			rc = svc_errf(SVC_ENOTFOUND, "serial: product unit %s has no owner here",
			              serial);
	} else if (!rc) {
		n = 1;
		snprintf(ids[0], SVC_AGG_LEN, "%s", a.pos[0]);
	}
	if (n > LOOKUP_MAX)
		n = LOOKUP_MAX;
	record_view *views = rc ? NULL : calloc(n, sizeof *views);
	if (!rc && !views)
		rc = svc_errf(SVC_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		rc = view_load(t, false, ids[i], &views[i]);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		for (size_t i = 0; views && i < n; i++)
			view_free(&views[i]);
		free(views);
		return cli_fail();
	}
	return views_print(views, n, cli_flag(&a, "json"), a.npos != 1);
}

static int unit_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	int rc = cli_parse(&a, "unit show", unit_show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "unit ID")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	record_view *v = calloc(1, sizeof *v);
	rc = v ? svc_txn_begin(s, false, &t) : svc_errf(SVC_ENOMEM, "out of memory");
	if (!rc)
		rc = view_load(t, true, a.pos[0], v);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		if (v)
			view_free(v);
		free(v);
		return cli_fail();
	}
	return views_print(v, 1, cli_flag(&a, "json"), false);
}

/* ------------------------------------------------------------ find and duplicates */

struct find_arg {
	char (*ids)[SVC_AGG_LEN];
	size_t n;
};

static int find_step(const char *value, const char *agg, void *argp)
{
	struct find_arg *a = argp;
	(void)value;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->ids[i], agg) == 0)
			return 0;
	if (a->n >= FIND_MAX)
		return 1;
	snprintf(a->ids[a->n++], SVC_AGG_LEN, "%s", agg);
	return 0;
}

static bool phone_like(const char *s)
{
	bool digit = false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s != '+' && *s != ' ' && *s != '-')
			return false;
	}
	return digit;
}

static int print_customers(svc_txn *t, char (*ids)[SVC_AGG_LEN], size_t n, bool json)
{
	static const char *const hdr[] = {"ID", "NAME", "PHONES", "TIER", "REGION", "MERGED INTO"};
	cli_list *l = cli_list_new(json, 6, hdr, "llllll");
	for (size_t i = 0; i < n; i++) {
		svc_customer cu;
		if (svc_fold_customer_get(t, ids[i], &cu)) {
			svc_errclear();
			continue;
		}
		if (json) {
			cli_list_obj(l, customer_json(&cu));
			continue;
		}
		char ph[128], name[128];
		phones_text(&cu, ph, sizeof ph);
		cli_oneline(name, sizeof name, cu.name, 40);
		const char *cells[] = {cu.id,
		                       name,
		                       ph,
		                       svc_customer_tier_name(cu.tier),
		                       cu.region[0] ? cu.region : "-",
		                       cu.merged_into[0] ? cu.merged_into : "-"};
		cli_list_row(l, cells);
	}
	return cli_list_end(&l);
}

static int customer_find(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	int rc = cli_parse(&a, "customer find", find_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "TEXT")))
		return rc;
	const char *q = a.pos[0];
	char v[SVC_FOLD_INDEX_VALUE_LEN];
	if (phone_like(q)) {
		char d[SVC_PHONE_LEN];
		svc_rules_phone_digits(d, q);
		snprintf(v, sizeof v, "%s", d);
	} else {
		size_t n = strnlen(q, sizeof v - 1);
		for (size_t i = 0; i < n; i++)
			v[i] = (char)(q[i] >= 'A' && q[i] <= 'Z' ? q[i] - 'A' + 'a' : q[i]);
		v[n] = '\0';
	}
	if (!v[0])
		return cli_usage(&a, "TEXT: empty");
	char(*ids)[SVC_AGG_LEN] = calloc(FIND_MAX, SVC_AGG_LEN);
	if (!ids)
		return cli_failf("out of memory");
	struct find_arg fa = {ids, 0};
	if ((rc = cli_open(ctx, false, &s))) {
		free(ids);
		return rc;
	}
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_index_each(
		    t, phone_like(q) ? SVC_INDEX_CUSTOMER_PHONE : SVC_INDEX_CUSTOMER_NAME, v, true,
		    find_step, &fa);
	if (rc >= 0)
		rc = print_customers(t, ids, fa.n, cli_flag(&a, "json"));
	else
		rc = cli_fail();
	svc_txn_abort(&t);
	svc_store_close(&s);
	free(ids);
	return rc;
}

/* The duplicates queue: walk the phone index, then the serial index, in
 * value order with one cursor each, and report the values held by two or
 * more records that are not merged, at most `limit` of them. The cursor
 * walk reads index keys only; a record's state is read only for a value
 * that two or more records share, so the cost is the index entries passed
 * (every phone and serial held here when fewer than `limit` values are
 * shared) plus a few reads per duplicate. */
struct dup_arg {
	svc_txn *t;
	bool unit;
	cli_list *l;
	bool json;
	size_t limit, groups;
	char value[SVC_FOLD_INDEX_VALUE_LEN];
	char ids[LOOKUP_MAX][SVC_AGG_LEN];
	size_t n;
};

/* The records of the value collected so far: keep those not merged, and
 * report the value if two or more remain. Non-zero when the limit is
 * reached. */
static int dup_flush(struct dup_arg *a)
{
	size_t keep = 0;
	for (size_t i = 0; a->n >= 2 && i < a->n; i++) {
		bool merged;
		if (a->unit) {
			svc_unit u;
			merged = svc_fold_unit_get(a->t, a->ids[i], &u) != 0 || u.merged_into[0];
		} else {
			svc_customer cu;
			merged =
			    svc_fold_customer_get(a->t, a->ids[i], &cu) != 0 || cu.merged_into[0];
		}
		svc_errclear();
		if (!merged)
			memmove(a->ids[keep++], a->ids[i], SVC_AGG_LEN);
	}
	a->n = 0;
	if (keep < 2)
		return 0;
	char list[LOOKUP_MAX * (SVC_AGG_LEN + 1)];
	size_t used = 0;
	list[0] = '\0';
	json_t *arr = a->json ? json_array() : NULL;
	for (size_t i = 0; i < keep; i++) {
		if (arr)
			json_array_append_new(arr, json_string(a->ids[i]));
		int w = snprintf(list + used, sizeof list - used, "%s%s", i ? " " : "", a->ids[i]);
		if (w > 0 && (size_t)w < sizeof list - used)
			used += (size_t)w;
	}
	if (a->json) {
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(a->unit ? "unit" : "customer"));
		json_object_set_new(o, a->unit ? "serial" : "phone", json_string(a->value));
		json_object_set_new(o, "ids", arr);
		cli_list_obj(a->l, o);
	} else {
		const char *cells[] = {a->unit ? "unit" : "customer", a->value, list};
		cli_list_row(a->l, cells);
	}
	a->groups++;
	return a->limit && a->groups >= a->limit;
}

static int dup_step(const char *value, const char *agg, void *argp)
{
	struct dup_arg *a = argp;
	if (strcmp(value, a->value) != 0) {
		if (dup_flush(a))
			return 1;
		snprintf(a->value, sizeof a->value, "%s", value);
	}
	if (a->n < LOOKUP_MAX)
		snprintf(a->ids[a->n++], SVC_AGG_LEN, "%s", agg);
	return 0;
}

/* Walk one index: 1 when the limit was reached, else 0 or an error. */
static int dup_walk(struct dup_arg *d, const char *index, bool unit)
{
	d->unit = unit;
	d->value[0] = '\0';
	d->n = 0;
	int rc = svc_fold_index_each(d->t, index, "", true, dup_step, d);
	if (rc < 0)
		return rc;
	if (rc == 0 && dup_flush(d))
		rc = 1;
	return rc;
}

static int customer_duplicates(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_self self;
	size_t limit = DUP_LIMIT;
	static const char *const hdr[] = {"KIND", "PHONE/SERIAL", "IDS (not merged)"};
	int rc = cli_parse(&a, "customer duplicates", dup_usage, "json limit=", 0, argc, argv);
	if (rc)
		return rc;
	if (cli_opt(&a, "limit") && (rc = cli_list_limit(&a, &limit)))
		return rc;
	if ((rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_self_get(t, &self);
	if (!rc && self.role == SVC_ROLE_SHOP)
		rc = svc_errf(SVC_EDENIED,
		              "customer duplicates: the queue is kept at the region and HQ, which "
		              "merge");
	struct dup_arg *d = rc ? NULL : calloc(1, sizeof *d);
	if (!rc && !d)
		rc = svc_errf(SVC_ENOMEM, "out of memory");
	if (rc) {
		svc_txn_abort(&t);
		svc_store_close(&s);
		return cli_fail();
	}
	d->t = t;
	d->json = cli_flag(&a, "json");
	d->limit = limit;
	d->l = cli_list_new(d->json, 3, hdr, "lll");
	rc = dup_walk(d, SVC_INDEX_CUSTOMER_PHONE, false);
	if (rc == 0)
		rc = dup_walk(d, SVC_INDEX_UNIT_SERIAL, true);
	svc_txn_abort(&t);
	svc_store_close(&s);
	int out = cli_list_end(&d->l);
	if (rc == 1 && !d->json)
		fprintf(stderr, "(the first %zu; --limit N for more, 0 for all)\n", d->groups);
	free(d);
	if (rc < 0)
		return cli_fail();
	return out;
}

int cli_cmd_customer(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"new", customer_new},
	    {"show", customer_show},
	    {"find", customer_find},
	    {"duplicates", customer_duplicates},
	    {"edit", customer_edit},
	    {"merge", customer_merge},
	    {NULL, NULL},
	};
	return cli_dispatch(ctx, "customer", customer_usage, subs, argc, argv);
}

int cli_cmd_unit(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"show", unit_show},
	    {"merge", unit_merge},
	    {NULL, NULL},
	};
	return cli_dispatch(ctx, "unit", unit_usage, subs, argc, argv);
}

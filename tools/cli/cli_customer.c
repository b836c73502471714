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

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char customer_usage[] =
    "usage: svcsync [--dir DIR] customer new --name N --phone P [--phone P]...\n"
    "                           [--address A] [--tier regular|vip]\n"
    "       svcsync [--dir DIR] customer show ID | --phone PHONE | --serial SN [--json]\n"
    "       svcsync [--dir DIR] customer find TEXT [--json]\n"
    "       svcsync [--dir DIR] customer duplicates [--json]\n"
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
    "A customer file: its fields, the survivor it is merged into (if any), its\n"
    "product units and the tickets this node holds for it, and the history of\n"
    "each field (value, when, by which node and operator). --phone finds the\n"
    "customers under a number (any spelling: +86, spaces, dashes), --serial the\n"
    "owner of a product unit; a merged file is shown as its survivor.\n";

static const char find_usage[] =
    "usage: svcsync [--dir DIR] customer find TEXT [--json]\n"
    "\n"
    "Customers whose name starts with TEXT (ASCII letters in any case), or, when\n"
    "TEXT is digits (with +, spaces or dashes), whose phone number starts with\n"
    "them. At most 200 are listed.\n";

static const char dup_usage[] =
    "usage: svcsync [--dir DIR] customer duplicates [--json]\n"
    "\n"
    "The duplicates queue (region or HQ): customers this node holds that share a\n"
    "phone number, and product units that share a serial, not yet merged. Merge\n"
    "them with 'customer merge' and 'unit merge'.\n";

static const char edit_usage[] =
    "usage: svcsync [--dir DIR] customer edit ID [--name N] [--phone P]... [--address A]\n"
    "                           [--tier regular|vip]\n"
    "\n"
    "Correct the given fields of a customer file (--phone replaces the numbers\n"
    "with the ones given). Each correction is a change of its own: the last in\n"
    "the network's order wins per field, and 'customer show' lists them all.\n";

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

static const char unit_show_usage[] = "usage: svcsync [--dir DIR] unit show ID [--json]\n"
                                      "\n"
                                      "A product unit and the history of its fields.\n";

static const char unit_merge_usage[] =
    "usage: svcsync [--dir DIR] unit merge DUPLICATE_ID --into ID\n"
    "\n"
    "Region or HQ: record that DUPLICATE_ID is the same product unit as ID (two\n"
    "nodes recorded one serial). Refused like a customer merge.\n";

#define LOOKUP_MAX 32
#define FIND_MAX 200

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

/* What `customer show` prints for one customer, read in one transaction. */
typedef struct {
	svc_customer cu;
	svc_unit units[LOOKUP_MAX];
	size_t nunits;
	svc_ticket tickets[LOOKUP_MAX];
	size_t ntickets, more_tickets;
	cli_history h;
} customer_view;

struct collect_arg {
	svc_txn *t;
	customer_view *v;
	int rc;
};

static int unit_step(const char *value, const char *agg, void *argp)
{
	struct collect_arg *a = argp;
	(void)value;
	if (a->v->nunits >= LOOKUP_MAX)
		return 1;
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

static int view_load(svc_txn *t, const char *id, customer_view *v)
{
	struct collect_arg a = {t, v, 0};
	int rc = svc_fold_customer_get(t, id, &v->cu);
	if (!rc)
		rc = svc_fold_index_each(t, SVC_INDEX_UNIT_OWNER, id, false, unit_step, &a);
	if (rc >= 0)
		rc = svc_fold_index_each(t, SVC_INDEX_TICKET_CUSTOMER, id, false, ticket_step, &a);
	if (rc >= 0)
		rc = cli_history_load(t, id, &v->h);
	return rc < 0 ? rc : 0;
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

/* One line per field a change set: "  name  VALUE  TIME  ORIGIN (operator)". */
static void history_text(const cli_history *h)
{
	printf("field history (in the network's order):\n");
	for (size_t i = 0; i < h->n; i++) {
		const svc_logged_change *lc = &h->v[i];
		const svc_change *c = &lc->c;
		char when[32], who[SVC_ID_LEN + SVC_OPERATOR_LEN + 4], val[160];
		cli_time(when, svc_hlc_ms(c->hlc));
		if (c->operator[0])
			snprintf(who, sizeof who, "%s (%s)", c->origin, c->operator);
		else
			snprintf(who, sizeof who, "%s", c->origin);
		const char *rej = lc->rejected ? "  [REJECTED: " : "";
		const char *rej2 = lc->rejected ? "]" : "";
		const char *why = lc->rejected ? lc->reason : "";
		switch (c->kind) {
		case SVC_CK_CUSTOMER_PUT: {
			const svc_customer_put *b = &c->u.customer_put;
			if (b->fields & SVC_CF_NAME) {
				cli_oneline(val, sizeof val, b->name, 60);
				printf("  %-8s %-40s %s  %s%s%s%s\n", "name", val, when, who, rej,
				       why, rej2);
			}
			if (b->fields & SVC_CF_PHONES) {
				svc_customer tmp;
				memcpy(tmp.phones, b->phones, sizeof tmp.phones);
				phones_text(&tmp, val, sizeof val);
				printf("  %-8s %-40s %s  %s%s%s%s\n", "phones", val, when, who, rej,
				       why, rej2);
			}
			if (b->fields & SVC_CF_ADDRESS) {
				cli_oneline(val, sizeof val, b->address, 60);
				printf("  %-8s %-40s %s  %s%s%s%s\n", "address", val[0] ? val : "-",
				       when, who, rej, why, rej2);
			}
			if (b->fields & SVC_CF_TIER)
				printf("  %-8s %-40s %s  %s%s%s%s\n", "tier",
				       svc_customer_tier_name(b->tier), when, who, rej, why, rej2);
			break;
		}
		case SVC_CK_CUSTOMER_MERGE:
			printf("  %-8s %-40s %s  %s%s%s%s\n", "merged", c->u.customer_merge.into,
			       when, who, rej, why, rej2);
			break;
		case SVC_CK_UNIT_PUT: {
			const svc_unit_put *b = &c->u.unit_put;
			char d[16];
			if (b->fields & SVC_UF_SERIAL)
				printf("  %-9s %-40s %s  %s%s%s%s\n", "serial", b->serial, when,
				       who, rej, why, rej2);
			if (b->fields & SVC_UF_MODEL)
				printf("  %-9s %-40s %s  %s%s%s%s\n", "model",
				       b->model[0] ? b->model : "-", when, who, rej, why, rej2);
			if (b->fields & SVC_UF_PURCHASED) {
				cli_date(d, b->purchased);
				printf("  %-9s %-40s %s  %s%s%s%s\n", "purchased", d, when, who,
				       rej, why, rej2);
			}
			if (b->fields & SVC_UF_INSTALLED) {
				cli_date(d, b->installed);
				printf("  %-9s %-40s %s  %s%s%s%s\n", "installed", d, when, who,
				       rej, why, rej2);
			}
			if (b->fields & SVC_UF_OWNER)
				printf("  %-9s %-40s %s  %s%s%s%s\n", "owner",
				       b->owner[0] ? b->owner : "-", when, who, rej, why, rej2);
			break;
		}
		case SVC_CK_UNIT_MERGE:
			printf("  %-9s %-40s %s  %s%s%s%s\n", "merged", c->u.unit_merge.into, when,
			       who, rej, why, rej2);
			break;
		default:
			break;
		}
	}
}

static void view_text(const customer_view *v)
{
	const svc_customer *cu = &v->cu;
	char ph[128], when[32];
	printf("customer %s", cu->id);
	if (cu->merged_into[0])
		printf("  (merged into %s)", cu->merged_into);
	printf("\n");
	phones_text(cu, ph, sizeof ph);
	cli_time(when, cu->created);
	printf("  name     %s\n  phones   %s\n  address  %s\n  tier     %s\n", cu->name, ph,
	       cu->address[0] ? cu->address : "-", svc_customer_tier_name(cu->tier));
	printf("  region   %s\n  created  %s by %s\n", cu->region[0] ? cu->region : "-", when,
	       cu->created_by);
	printf("units (%zu):\n", v->nunits);
	for (size_t i = 0; i < v->nunits; i++) {
		const svc_unit *u = &v->units[i];
		char p[16], in[16];
		cli_date(p, u->purchased);
		cli_date(in, u->installed);
		printf("  %s  %s  %s  purchased %s  installed %s%s%s\n", u->id, u->serial,
		       u->model[0] ? u->model : "-", p, in,
		       u->merged_into[0] ? "  merged into " : "", u->merged_into);
	}
	printf("tickets here (%zu):\n", v->ntickets + v->more_tickets);
	for (size_t i = 0; i < v->ntickets; i++) {
		const svc_ticket *tk = &v->tickets[i];
		cli_time(when, tk->created);
		printf("  %s  %s  %s  %s  shop %s\n", tk->id, when, svc_ticket_kind_name(tk->kind),
		       svc_ticket_status_name(tk->status), tk->shop[0] ? tk->shop : "-");
	}
	if (v->more_tickets)
		printf("  ... and %zu more\n", v->more_tickets);
	history_text(&v->h);
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

static json_t *view_json(const customer_view *v)
{
	json_t *o = customer_json(&v->cu);
	json_t *us = json_array(), *ts = json_array();
	for (size_t i = 0; i < v->nunits; i++)
		json_array_append_new(us, unit_json(&v->units[i]));
	for (size_t i = 0; i < v->ntickets; i++)
		json_array_append_new(ts, json_string(v->tickets[i].id));
	json_object_set_new(o, "units", us);
	json_object_set_new(o, "tickets", ts);
	json_object_set_new(o, "history", cli_history_json(&v->h));
	return o;
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
			rc = svc_fold_unit_get(t, units[i], &u);
			if (!rc && u.owner[0]) {
				bool dup = false;
				for (size_t j = 0; j < n; j++)
					dup |= strcmp(ids[j], u.owner) == 0;
				if (!dup)
					snprintf(ids[n++], SVC_AGG_LEN, "%s", u.owner);
			}
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
	customer_view *views = rc ? NULL : calloc(n, sizeof *views);
	if (!rc && !views)
		rc = svc_errf(SVC_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		rc = view_load(t, ids[i], &views[i]);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (!rc && cli_flag(&a, "json")) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, view_json(&views[i]));
		rc = cli_json_print(a.npos == 1 ? json_incref(json_array_get(arr, 0)) : arr);
		if (a.npos == 1)
			json_decref(arr);
	} else if (!rc) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				printf("\n");
			view_text(&views[i]);
		}
		rc = CLI_OK;
	} else {
		rc = cli_fail();
	}
	for (size_t i = 0; views && i < n; i++)
		cli_history_free(&views[i].h);
	free(views);
	return rc;
}

static int unit_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_unit u;
	cli_history h = {0};
	int rc = cli_parse(&a, "unit show", unit_show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "unit ID")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_unit_get(t, a.pos[0], &u);
	if (!rc)
		rc = cli_history_load(t, u.id, &h);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		cli_history_free(&h);
		return cli_fail();
	}
	if (cli_flag(&a, "json")) {
		json_t *o = unit_json(&u);
		json_object_set_new(o, "history", cli_history_json(&h));
		cli_history_free(&h);
		return cli_json_print(o);
	}
	char p[16], in[16];
	cli_date(p, u.purchased);
	cli_date(in, u.installed);
	printf("unit %s%s%s\n  serial     %s\n  model      %s\n  purchased  %s\n  installed  %s\n"
	       "  owner      %s\n",
	       u.id, u.merged_into[0] ? "  (merged into " : "",
	       u.merged_into[0] ? u.merged_into : "", u.serial, u.model[0] ? u.model : "-", p, in,
	       u.owner[0] ? u.owner : "-");
	if (u.merged_into[0])
		printf("  (the survivor is %s)\n", u.merged_into);
	history_text(&h);
	cli_history_free(&h);
	return CLI_OK;
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

/* The duplicates queue: walk one index in value order and report the values
 * held by two or more records that are not merged. */
struct dup_arg {
	svc_txn *t;
	bool unit;
	cli_list *l;
	bool json;
	char value[SVC_FOLD_INDEX_VALUE_LEN];
	char ids[LOOKUP_MAX][SVC_AGG_LEN];
	size_t n;
	size_t groups;
};

static void dup_flush(struct dup_arg *a)
{
	if (a->n >= 2) {
		char list[LOOKUP_MAX * 24];
		size_t used = 0;
		list[0] = '\0';
		json_t *arr = a->json ? json_array() : NULL;
		for (size_t i = 0; i < a->n; i++) {
			if (arr)
				json_array_append_new(arr, json_string(a->ids[i]));
			int w = snprintf(list + used, sizeof list - used, "%s%s", i ? " " : "",
			                 a->ids[i]);
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
	}
	a->n = 0;
}

static int dup_step(const char *value, const char *agg, void *argp)
{
	struct dup_arg *a = argp;
	if (strcmp(value, a->value) != 0) {
		dup_flush(a);
		snprintf(a->value, sizeof a->value, "%s", value);
	}
	bool merged;
	if (a->unit) {
		svc_unit u;
		merged = svc_fold_unit_get(a->t, agg, &u) != 0 || u.merged_into[0];
	} else {
		svc_customer cu;
		merged = svc_fold_customer_get(a->t, agg, &cu) != 0 || cu.merged_into[0];
	}
	svc_errclear();
	if (!merged && a->n < LOOKUP_MAX)
		snprintf(a->ids[a->n++], SVC_AGG_LEN, "%s", agg);
	return 0;
}

static int customer_duplicates(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_self self;
	static const char *const hdr[] = {"KIND", "PHONE/SERIAL", "IDS (not merged)"};
	int rc = cli_parse(&a, "customer duplicates", dup_usage, "json", 0, argc, argv);
	if (rc || (rc = cli_open(ctx, false, &s)))
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
	d->l = cli_list_new(d->json, 3, hdr, "lll");
	rc = svc_fold_index_each(t, SVC_INDEX_CUSTOMER_PHONE, "", true, dup_step, d);
	dup_flush(d);
	d->value[0] = '\0';
	d->unit = true;
	if (rc >= 0)
		rc = svc_fold_index_each(t, SVC_INDEX_UNIT_SERIAL, "", true, dup_step, d);
	dup_flush(d);
	svc_txn_abort(&t);
	svc_store_close(&s);
	int out = cli_list_end(&d->l);
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

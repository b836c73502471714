/*
 * cli_policy: what HQ decides for the whole network (`svcsync policy`,
 * `svcsync region grade`, `svcsync model`, `svcsync fault-code`).
 *
 * HQ writes; every node receives and reads the same records, so `policy
 * show` names the same version for the same day on every node. Dates are
 * the network's (the policy's time_zone), never the host's.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_journal.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ models */

static const char model_usage[] =
    "usage: svcsync [--dir DIR] model add MODEL --category CATEGORY\n"
    "       svcsync [--dir DIR] model list [--json]\n"
    "\n"
    "HQ's product model list: each model belongs to a category (aircon, washer,\n"
    "...), which decides its warranty months and its fault codes. A ticket\n"
    "opened with --model copies the category. Adding a model that exists\n"
    "changes its category for tickets opened from then on.\n";

static const char model_add_usage[] =
    "usage: svcsync [--dir DIR] model add MODEL --category CATEGORY\n"
    "\n"
    "Put a model in the list, or change its category (HQ only). MODEL and\n"
    "CATEGORY: 1 to 31 of A-Z a-z 0-9 . _ -\n";

static const char model_list_usage[] = "usage: svcsync [--dir DIR] model list [--json]\n"
                                       "\n"
                                       "The product models and their categories.\n";

static int model_add(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *cat;
	int rc = cli_parse(&a, "model add", model_add_usage, "category=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "MODEL")) || (rc = cli_need(&a, "category", &cat)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_model_add(s, a.pos[0], cat)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("model: %s in category %s\n", a.pos[0], cat);
	return CLI_OK;
}

static int model_id_cb(const svc_model *m, void *arg)
{
	cli_ids_add(arg, 0, m->model);
	return 0;
}

static int model_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	(void)s;
	(void)arg;
	return svc_fold_model_each(t, model_id_cb, ids);
}

static void model_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_model m;
	(void)arg;
	if (svc_fold_model_get(t, id, &m))
		return;
	if (cli_list_json(l)) {
		json_t *o = json_object();
		json_object_set_new(o, "model", json_string(m.model));
		json_object_set_new(o, "category", json_string(m.category));
		cli_list_obj(l, o);
		return;
	}
	const char *cells[] = {m.model, m.category};
	cli_list_row(l, cells);
}

static int model_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"MODEL", "CATEGORY"};
	static const cli_list_spec spec = {headers, "ll", true, model_collect, model_row};
	cli_args a;
	int rc = cli_parse(&a, "model list", model_list_usage, "json", 0, argc, argv);
	if (rc)
		return rc;
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, NULL);
}

int cli_cmd_model(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {{"add", model_add}, {"list", model_list}, {NULL, NULL}};
	return cli_dispatch(ctx, "model", model_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ fault codes */

static const char fault_usage[] =
    "usage: svcsync [--dir DIR] fault-code add CODE --category CATEGORY --text TEXT\n"
    "       svcsync [--dir DIR] fault-code list [--category CATEGORY] [--json]\n"
    "\n"
    "HQ's fault codes, per product category. A shop resolving a ticket names\n"
    "one of its category's codes (ticket status ID resolved --fault-code CODE).\n";

static const char fault_add_usage[] =
    "usage: svcsync [--dir DIR] fault-code add CODE --category CATEGORY --text TEXT\n"
    "\n"
    "Put a fault code of a category, or change its text (HQ only). TEXT: at\n"
    "most 60 characters.\n";

static const char fault_list_usage[] =
    "usage: svcsync [--dir DIR] fault-code list [--category CATEGORY] [--json]\n"
    "\n"
    "The fault codes, by category.\n";

static int fault_add(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *cat, *text;
	int rc = cli_parse(&a, "fault-code add", fault_add_usage, "category= text=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "CODE")) || (rc = cli_need(&a, "category", &cat)) ||
	    (rc = cli_need(&a, "text", &text)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_fault_code_add(s, a.pos[0], cat, text)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("fault code: %s/%s %s\n", cat, a.pos[0], text);
	return CLI_OK;
}

static int fault_id_cb(const svc_fault_code *f, void *arg)
{
	const char **want = ((void **)arg)[1];
	char id[2 * SVC_CODE_LEN + 2];
	if (*want && strcmp(*want, f->category) != 0)
		return 0;
	snprintf(id, sizeof id, "%s/%s", f->category, f->code);
	cli_ids_add(((void **)arg)[0], 0, id);
	return 0;
}

static int fault_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	void *pair[2] = {ids, arg};
	(void)s;
	return svc_fold_fault_each(t, fault_id_cb, pair);
}

static void fault_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_fault_code f;
	char cat[SVC_CODE_LEN];
	const char *slash = strchr(id, '/');
	(void)arg;
	if (!slash || (size_t)(slash - id) >= sizeof cat)
		return;
	memcpy(cat, id, (size_t)(slash - id));
	cat[slash - id] = '\0';
	if (svc_fold_fault_get(t, cat, slash + 1, &f))
		return;
	if (cli_list_json(l)) {
		json_t *o = json_object();
		json_object_set_new(o, "category", json_string(f.category));
		json_object_set_new(o, "code", json_string(f.code));
		json_object_set_new(o, "text", json_string(f.text));
		cli_list_obj(l, o);
		return;
	}
	const char *cells[] = {f.category, f.code, f.text};
	cli_list_row(l, cells);
}

static int fault_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"CATEGORY", "CODE", "TEXT"};
	static const cli_list_spec spec = {headers, "lll", true, fault_collect, fault_row};
	cli_args a;
	int rc =
	    cli_parse(&a, "fault-code list", fault_list_usage, "json category=", 0, argc, argv);
	if (rc)
		return rc;
	const char *cat = cli_opt(&a, "category");
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, &cat);
}

int cli_cmd_fault_code(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {{"add", fault_add}, {"list", fault_list}, {NULL, NULL}};
	return cli_dispatch(ctx, "fault-code", fault_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ region grades */

static const char region_usage[] = "usage: svcsync [--dir DIR] region grade REGION A|B|C\n"
                                   "       svcsync [--dir DIR] region list [--json]\n"
                                   "\n"
                                   "HQ grades each region A, B or C; the grade chooses the "
                                   "on-site due hours\n"
                                   "and the callback rule of the policy for its tickets.\n";

static const char region_grade_usage[] =
    "usage: svcsync [--dir DIR] region grade REGION A|B|C\n"
    "\n"
    "Grade a region of the directory (HQ only). Tickets opened from then on\n"
    "copy the grade; tickets already open keep theirs.\n";

static const char region_list_usage[] = "usage: svcsync [--dir DIR] region list [--json]\n"
                                        "\n"
                                        "The graded regions and their grades.\n";

static int region_grade(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int rc = cli_parse(&a, "region grade", region_grade_usage, "", 2, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 2, "REGION and GRADE")))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_region_grade(s, a.pos[0], a.pos[1])) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("region %s: grade %s\n", a.pos[0], a.pos[1]);
	return CLI_OK;
}

static int grade_id_cb(const svc_grade_item *g, void *arg)
{
	cli_ids_add(arg, 0, g->region);
	return 0;
}

static int grade_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	(void)s;
	(void)arg;
	return svc_fold_grade_each(t, grade_id_cb, ids);
}

static void grade_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	uint32_t g;
	(void)arg;
	if (svc_fold_grade_get(t, id, &g))
		return;
	if (cli_list_json(l)) {
		json_t *o = json_object();
		json_object_set_new(o, "region", json_string(id));
		json_object_set_new(o, "grade", json_string(svc_grade_name(g)));
		cli_list_obj(l, o);
		return;
	}
	const char *cells[] = {id, svc_grade_name(g)};
	cli_list_row(l, cells);
}

static int region_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"REGION", "GRADE"};
	static const cli_list_spec spec = {headers, "ll", true, grade_collect, grade_row};
	cli_args a;
	int rc = cli_parse(&a, "region list", region_list_usage, "json", 0, argc, argv);
	if (rc)
		return rc;
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, NULL);
}

int cli_cmd_region(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"grade", region_grade}, {"list", region_list}, {NULL, NULL}};
	return cli_dispatch(ctx, "region", region_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ policy */

static const char policy_usage[] =
    "usage: svcsync [--dir DIR] policy show [--json]\n"
    "       svcsync [--dir DIR] policy set KEY=VALUE... --from YYYY-MM-DD\n"
    "\n"
    "HQ's service policy, in numbered versions each in force from a date on.\n"
    "Keys and defaults:\n"
    "  warranty_months.CATEGORY  24      warranty of a product category\n"
    "  return_days               15      a return is accepted this many days\n"
    "  exchange_days             30      an exchange likewise\n"
    "  onsite_hours.A|B|C        24/48/72  on-site due hours by region grade\n"
    "  callback.A|B|C            all     every ticket, or a share like 30%\n"
    "  complaint_days.SEVERITY   15/7/3  complaint deadline in days, low/normal/high\n"
    "  time_zone                 Asia/Shanghai  the zone of every date and time\n"
    "  claim_max_fen             10000000  the most one claim asks for (fen)\n"
    "  claim_line_max_fen        5000000   the most one claim line asks for (fen)\n"
    "  old_part_days             30      days after a claim's approval to have its old\n"
    "                                    parts back at the region\n"
    "  pay_require_two           no      yes: the payer of a claim is not its approver\n"
    "  probation_months          3       a newly enrolled shop's probation (1-24)\n"
    "\n"
    "A claim is held to the ceilings of the version its ticket was judged under.\n";

static const char policy_set_usage[] =
    "usage: svcsync [--dir DIR] policy set KEY=VALUE... --from YYYY-MM-DD\n"
    "\n"
    "Issue the next policy version (HQ only): the newest version with these\n"
    "keys changed, in force from the given date, which must be after today in\n"
    "the network's time zone so that every node holds it before it governs\n"
    "a ticket. See 'svcsync policy --help' for the keys.\n";

static const char policy_show_usage[] =
    "usage: svcsync [--dir DIR] policy show [--json]\n"
    "\n"
    "The policy in force today (the network's date) with every key's value,\n"
    "and the versions scheduled after today.\n";

static int policy_set(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *from;
	uint32_t version = 0;
	int rc = cli_parse(&a, "policy set", policy_set_usage, "from=", CLI_MAX_POS, argc, argv);
	if (rc || (rc = cli_need(&a, "from", &from)))
		return rc;
	if (a.npos == 0)
		return cli_usage(&a, "give at least one KEY=VALUE");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_policy_set(s, a.pos, a.npos, from, &version)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("policy: version %" PRIu32 " in force from %s\n", version, from);
	return CLI_OK;
}

/* The keys shown for every version: the fixed ones, then whatever else it sets. */
static const char *const shown_keys[] = {
    "return_days", "exchange_days", "onsite_hours.A", "onsite_hours.B", "onsite_hours.C",
    "callback.A",  "callback.B",    "callback.C",     "time_zone",
};

static bool is_shown(const char *key)
{
	for (size_t i = 0; i < sizeof shown_keys / sizeof shown_keys[0]; i++)
		if (strcmp(shown_keys[i], key) == 0)
			return true;
	return false;
}

static json_t *policy_json(const svc_policy *p)
{
	json_t *o = json_object(), *v = json_object();
	char from[16];
	json_object_set_new(o, "version", json_integer(p->version));
	if (p->version) {
		svc_date_format((int32_t)p->from, from, sizeof from);
		json_object_set_new(o, "from", json_string(from));
	} else {
		json_object_set_new(o, "from", json_null());
	}
	for (size_t i = 0; i < sizeof shown_keys / sizeof shown_keys[0]; i++)
		json_object_set_new(v, shown_keys[i],
		                    json_string(svc_policy_get(p, shown_keys[i])));
	json_object_set_new(v, "warranty_months.*", json_string("24"));
	for (uint32_t i = 0; i < p->nentries; i++)
		if (!is_shown(p->entries[i].key))
			json_object_set_new(v, p->entries[i].key, json_string(p->entries[i].value));
	json_object_set_new(o, "values", v);
	return o;
}

static void policy_print(const svc_policy *p, const char *title)
{
	char from[16];
	if (p->version) {
		svc_date_format((int32_t)p->from, from, sizeof from);
		printf("%s: version %" PRIu32 ", from %s\n", title, p->version, from);
	} else {
		printf("%s: version 0 (the defaults)\n", title);
	}
	for (size_t i = 0; i < sizeof shown_keys / sizeof shown_keys[0]; i++)
		printf("  %-26s %s\n", shown_keys[i], svc_policy_get(p, shown_keys[i]));
	printf("  %-26s %s\n", "warranty_months.*", "24");
	for (uint32_t i = 0; i < p->nentries; i++)
		if (!is_shown(p->entries[i].key))
			printf("  %-26s %s\n", p->entries[i].key, p->entries[i].value);
}

struct scheduled {
	uint32_t today;
	svc_policy *v;
	size_t n, cap;
	bool oom;
};

static int scheduled_cb(const svc_policy *p, void *arg)
{
	struct scheduled *a = arg;
	if (p->from <= a->today)
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;
		svc_policy *nv = realloc(a->v, cap * sizeof *nv);
		if (!nv) {
			a->oom = true;
			return 1;
		}
		a->v = nv;
		a->cap = cap;
	}
	a->v[a->n++] = *p;
	return 0;
}

static int version_cmp(const void *x, const void *y)
{
	const svc_policy *a = x, *b = y;
	return a->version < b->version ? -1 : a->version > b->version;
}

static int policy_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	const svc_tz *tz;
	svc_policy now;
	struct scheduled sc = {0};
	int rc = cli_parse(&a, "policy show", policy_show_usage, "json", 0, argc, argv);
	if (rc)
		return rc;
	if ((rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_local_policy_today(t, svc_journal_now_ms(), &now, &tz, &sc.today);
	if (!rc)
		rc = svc_fold_policy_each(t, scheduled_cb, &sc);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc || sc.oom) {
		free(sc.v);
		return sc.oom ? cli_failf("out of memory") : cli_fail();
	}
	if (sc.n > 1)
		qsort(sc.v, sc.n, sizeof *sc.v, version_cmp);
	char today[16];
	svc_date_format((int32_t)sc.today, today, sizeof today);
	if (cli_flag(&a, "json")) {
		json_t *o = json_object(), *arr = json_array();
		json_object_set_new(o, "today", json_string(today));
		json_object_set_new(o, "in_force", policy_json(&now));
		for (size_t i = 0; i < sc.n; i++)
			json_array_append_new(arr, policy_json(&sc.v[i]));
		json_object_set_new(o, "scheduled", arr);
		free(sc.v);
		return cli_json_print(o);
	}
	printf("today: %s (%s)\n", today, svc_policy_time_zone(&now));
	policy_print(&now, "in force");
	for (size_t i = 0; i < sc.n; i++)
		policy_print(&sc.v[i], "scheduled");
	free(sc.v);
	return CLI_OK;
}

int cli_cmd_policy(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {{"set", policy_set}, {"show", policy_show}, {NULL, NULL}};
	return cli_dispatch(ctx, "policy", policy_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ what a ticket took */

bool cli_policy_overdue(const svc_ticket *t, uint64_t now_ms)
{
	bool waiting =
	    t->status == SVC_TS_NEW || t->status == SVC_TS_ASSIGNED || t->status == SVC_TS_ACCEPTED;
	return t->onsite_due && waiting && !t->on_site && now_ms > t->onsite_due;
}

static json_t *date_json(uint32_t ymd)
{
	char d[16];
	if (!ymd)
		return json_null();
	svc_date_format((int32_t)ymd, d, sizeof d);
	return json_string(d);
}

static json_t *opt_str(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

void cli_policy_ticket_json(json_t *o, const svc_ticket *t)
{
	/* A ticket opened before the policy existed has no opening date. */
	bool judged = t->opened_on != 0;
	json_object_set_new(o, "model", opt_str(t->model));
	json_object_set_new(o, "category", opt_str(t->category));
	json_object_set_new(o, "installed", date_json(t->installed));
	json_object_set_new(o, "policy_version",
	                    judged ? json_integer(t->policy_version) : json_null());
	json_object_set_new(o, "grade",
	                    t->grade ? json_string(svc_grade_name(t->grade)) : json_null());
	json_object_set_new(o, "channel",
	                    t->channel ? json_string(svc_channel_name(t->channel)) : json_null());
	json_object_set_new(o, "opened_on", date_json(t->opened_on));
	json_object_set_new(o, "warranty_until", date_json(t->warranty_until));
	json_object_set_new(o, "warranty",
	                    json_string(!t->warranty_until ? "unknown"
	                                : t->in_warranty   ? "in"
	                                                   : "out (customer-paid)"));
	json_object_set_new(o, "onsite_due_ms", cli_json_ms(t->onsite_due));
	json_object_set_new(o, "overdue",
	                    json_boolean(cli_policy_overdue(t, svc_journal_now_ms())));
	json_object_set_new(o, "visited_ms", cli_json_ms(t->visited));
	json_object_set_new(o, "fault_code", opt_str(t->fault_code));
	json_object_set_new(o, "override_reason", opt_str(t->override_reason));
	json_object_set_new(o, "override_by", opt_str(t->override_by));
	json_object_set_new(o, "rejudged_ms", cli_json_ms(t->rejudged));
}

int cli_policy_zone(svc_txn *t, const svc_tz **tz)
{
	svc_policy p;
	uint32_t today;
	return svc_local_policy_today(t, svc_journal_now_ms(), &p, tz, &today);
}

void cli_policy_ticket_print(const svc_ticket *t, const svc_tz *tz)
{
	char d[16], due[32], visit[32];
	printf("\npolicy (times in %s)\n", svc_tz_name(tz));
	if (t->opened_on) {
		svc_date_format((int32_t)t->opened_on, d, sizeof d);
		printf("  judged       version %" PRIu32 " on %s\n", t->policy_version, d);
	} else {
		printf("  judged       unknown (opened before the service policy)\n");
	}
	printf("  model        %s%s%s%s\n", t->model[0] ? t->model : "-",
	       t->category[0] ? " (" : "", t->category, t->category[0] ? ")" : "");
	if (t->installed) {
		svc_date_format((int32_t)t->installed, d, sizeof d);
		printf("  installed    %s\n", d);
	} else {
		printf("  installed    -\n");
	}
	printf("  channel      %s\n", svc_channel_name(t->channel));
	printf("  grade        %s\n", svc_grade_name(t->grade));
	if (t->warranty_until) {
		svc_date_format((int32_t)t->warranty_until, d, sizeof d);
		printf("  warranty     until %s (%s)\n", d,
		       t->in_warranty ? "in warranty" : "out of warranty: customer-paid");
	} else {
		printf("  warranty     unknown\n");
	}
	if (t->onsite_due) {
		svc_tz_format_local(tz, (int64_t)t->onsite_due, due, sizeof due);
		printf("  on-site due  %s%s\n", due,
		       cli_policy_overdue(t, svc_journal_now_ms()) ? " (overdue)" : "");
	} else {
		printf("  on-site due  -\n");
	}
	if (t->visited) {
		svc_tz_format_local(tz, (int64_t)t->visited, visit, sizeof visit);
		printf("  visited      %s (reported)\n", visit);
	} else {
		printf("  visited      -\n");
	}
	printf("  fault code   %s\n", t->fault_code[0] ? t->fault_code : "-");
	if (t->override_by[0])
		printf("  exception    by %s: %s\n", t->override_by, t->override_reason);
	if (t->rejudged) {
		svc_tz_format_local(tz, (int64_t)t->rejudged, visit, sizeof visit);
		printf("  re-judged    %s\n", visit);
	}
}

static int days_cb(const svc_policy *p, void *arg)
{
	cli_policy_days *d = arg;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct cli_policy_day *nv = realloc(d->v, cap * sizeof *nv);
		if (!nv)
			return svc_errf(SVC_ENOMEM, "out of memory");
		d->v = nv;
		d->cap = cap;
	}
	d->v[d->n].from = p->from;
	d->v[d->n].version = p->version;
	d->n++;
	return 0;
}

int cli_policy_days_load(svc_txn *t, cli_policy_days *d)
{
	return svc_fold_policy_each(t, days_cb, d);
}

bool cli_policy_flagged(const cli_policy_days *d, const svc_ticket *t)
{
	uint32_t want = 0;
	if (!t->opened_on)
		return false; /* opened before the policy: nothing to compare */
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].from <= t->opened_on && d->v[i].version > want)
			want = d->v[i].version;
	return want != t->policy_version;
}

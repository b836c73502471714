/*
 * cli_shop: shop records (网点档案) and the stages of a shop's enrollment:
 * apply, review, tech-review, approve (then `enroll approve` enrolls the
 * shop on probation), assess, edit, show, list.
 *
 * The library decides who may record which stage and in which order; a
 * refusal is its one line. What the commands add is the wording: the stage
 * names, dates in the network's zone, per-mille rates as percentages.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char shop_usage[] =
    "usage: svcsync [--dir DIR] shop SUBCOMMAND ...\n"
    "\n"
    "A shop's record (网点档案) and its enrollment, stage by stage:\n"
    "  apply        the region records the application, before the shop has a key\n"
    "  review       the region's review (中心审核): --accept or --refuse\n"
    "  tech-review  HQ's technical review (技术管理科审核): --accept or --refuse\n"
    "  approve      HQ's approval (部长审批) with the agreement; then 'svcsync\n"
    "               enroll approve' at HQ enrolls the shop on probation\n"
    "  assess       an assessment (region or HQ): --regular ends probation, --end\n"
    "               ends the shop\n"
    "  edit         correct fields of the record (region or HQ)\n"
    "  show, list   the records this node holds\n"
    "Stages: applied, reviewed, tech_reviewed, approved, probation, regular,\n"
    "ended. A stage out of order or by a role that does not own it is refused.\n";

static const char fields_help[] =
    "  --name TEXT           legal name (at most 60 characters)\n"
    "  --legal-rep TEXT      legal representative (20)\n"
    "  --address TEXT        address (80)\n"
    "  --area TEXT           service area (60)\n"
    "  --contact TEXT        contact: phone, person (40)\n"
    "  --type TYPE           special (特约网点), authorized (授权专营店) or\n"
    "                        national (全国联保点)\n"
    "  --technician N:Q      a technician and qualification (repeatable); a name\n"
    "                        already on record gets the new qualification\n";

static const char apply_usage[] =
    "usage: svcsync [--dir DIR] shop apply SHOP --name TEXT --type TYPE [FIELDS]\n"
    "                           [--region REGION]\n"
    "\n"
    "Record the application (申请) of shop SHOP (its future node id) with its\n"
    "registration form; reserves the id. At a region (in its own region), or at\n"
    "HQ with --region. Refused for an id already in the directory or on record.\n"
    "Fields:\n";

static const char edit_usage[] =
    "usage: svcsync [--dir DIR] shop edit SHOP [FIELDS] [--drop-technician NAME]\n"
    "\n"
    "Correct the fields given of shop SHOP's record (its region or HQ); each\n"
    "field is set as given, the later correction winning. --drop-technician\n"
    "(repeatable) removes a technician. Fields:\n";

static const char review_usage[] =
    "usage: svcsync [--dir DIR] shop review SHOP --accept|--refuse [--reason TEXT]\n"
    "\n"
    "The region's review (中心审核) of an application (stage applied -> reviewed).\n"
    "--refuse needs --reason and ends the record.\n";

static const char tech_review_usage[] =
    "usage: svcsync [--dir DIR] shop tech-review SHOP --accept|--refuse [--reason TEXT]\n"
    "\n"
    "HQ's technical review (技术管理科审核), after the region's review (stage\n"
    "reviewed -> tech_reviewed). --refuse needs --reason and ends the record.\n";

static const char approve_usage[] =
    "usage: svcsync [--dir DIR] shop approve SHOP --agreement NO --from YYYY-MM-DD\n"
    "                           --to YYYY-MM-DD\n"
    "\n"
    "HQ's approval (部长审批), after the technical review (stage tech_reviewed ->\n"
    "approved): the agreement's number and term. It reserves the node id: 'svcsync\n"
    "enroll approve' for SHOP then issues the agreement as the enrollment bundle,\n"
    "with a certificate valid to the agreement's end, and starts the probation.\n";

static const char assess_usage[] =
    "usage: svcsync [--dir DIR] shop assess SHOP --period YYYY-MM --score N\n"
    "                           [--regular | --end --reason TEXT]\n"
    "\n"
    "An assessment (考核) of an enrolled shop for a month, by its region or HQ:\n"
    "score 0..100, with the figures this node holds for that month recorded\n"
    "beside it: substantiated complaints, the shop's tickets resolved, the share\n"
    "called back and the share visited on site in time. --regular ends the\n"
    "probation (stage regular); --end ends the shop (stage ended).\n";

static const char show_usage[] =
    "usage: svcsync [--dir DIR] shop show SHOP [--json]\n"
    "\n"
    "A shop's record: its file, technicians, stage and the times of each stage,\n"
    "the agreement, the probation, the latest assessments, and its history.\n";

static const char list_usage[] =
    "usage: svcsync [--dir DIR] shop list [--stage STAGE] [--region REGION] [--limit N]\n"
    "                           [--json]\n"
    "\n"
    "The shop records this node holds, by id; --stage keeps one stage (applied,\n"
    "reviewed, tech_reviewed, approved, probation, regular, ended).\n";

#define FIELD_SPEC "name= legal-rep= address= area= contact= type= technician=* "

static char *usage_with_fields(const char *head)
{
	size_t n = strlen(head) + strlen(fields_help) + 1;
	char *u = malloc(n);
	if (u)
		snprintf(u, n, "%s%s", head, fields_help);
	return u;
}

static void fields_of(const cli_args *a, svc_shop_fields *f, const char **techs, size_t max,
                      const char **drops, size_t dmax)
{
	memset(f, 0, sizeof *f);
	f->legal_name = cli_opt(a, "name");
	f->legal_rep = cli_opt(a, "legal-rep");
	f->address = cli_opt(a, "address");
	f->area = cli_opt(a, "area");
	f->contact = cli_opt(a, "contact");
	f->type = cli_opt(a, "type");
	f->ntechs = cli_opts(a, "technician", techs, max);
	f->techs = techs;
	if (drops) {
		f->ndrops = cli_opts(a, "drop-technician", drops, dmax);
		f->drops = drops;
	}
}

static int shop_apply(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *techs[SVC_SHOP_TECHS_MAX + 1];
	svc_shop_fields f;
	char *usage = usage_with_fields(apply_usage);
	if (!usage)
		return cli_failf("out of memory");
	int rc = cli_parse(&a, "shop apply", usage, FIELD_SPEC "region=", 1, argc, argv);
	if (!rc)
		rc = cli_need_pos(&a, 1, "SHOP");
	if (!rc)
		fields_of(&a, &f, techs, SVC_SHOP_TECHS_MAX + 1, NULL, 0);
	if (!rc && f.ntechs > SVC_SHOP_TECHS_MAX)
		rc = cli_usage(&a, "--technician: at most %d", SVC_SHOP_TECHS_MAX);
	free(usage);
	if (rc || (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_shop_apply(s, a.pos[0], cli_opt(&a, "region"), &f)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("shop %s: application recorded (stage applied); next: svcsync shop review %s\n",
	       a.pos[0], a.pos[0]);
	return CLI_OK;
}

static int shop_edit(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *techs[SVC_SHOP_TECHS_MAX + 1], *drops[SVC_SHOP_TECHS_MAX + 1];
	svc_shop_fields f;
	char *usage = usage_with_fields(edit_usage);
	if (!usage)
		return cli_failf("out of memory");
	int rc = cli_parse(&a, "shop edit", usage, FIELD_SPEC "drop-technician=*", 1, argc, argv);
	if (!rc)
		rc = cli_need_pos(&a, 1, "SHOP");
	if (!rc)
		fields_of(&a, &f, techs, SVC_SHOP_TECHS_MAX + 1, drops, SVC_SHOP_TECHS_MAX + 1);
	if (!rc && (f.ntechs > SVC_SHOP_TECHS_MAX || f.ndrops > SVC_SHOP_TECHS_MAX))
		rc = cli_usage(&a, "--technician: at most %d", SVC_SHOP_TECHS_MAX);
	free(usage);
	if (rc || (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_shop_edit(s, a.pos[0], &f)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("shop %s: record corrected\n", a.pos[0]);
	return CLI_OK;
}

static int review(const cli_ctx *ctx, int argc, char **argv, bool tech)
{
	cli_args a;
	svc_store *s = NULL;
	const char *cmd = tech ? "shop tech-review" : "shop review";
	int rc = cli_parse(&a, cmd, tech ? tech_review_usage : review_usage,
	                   "accept refuse reason=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "SHOP")))
		return rc;
	bool accept = cli_flag(&a, "accept"), refuse = cli_flag(&a, "refuse");
	if (accept == refuse)
		return cli_usage(&a, "give --accept or --refuse");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_shop_review(s, a.pos[0], tech, accept, cli_opt(&a, "reason"))) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	if (!accept)
		printf("shop %s: refused (stage ended)\n", a.pos[0]);
	else
		printf("shop %s: %s passed (stage %s)\n", a.pos[0],
		       tech ? "technical review" : "review",
		       svc_shop_stage_name(tech ? SVC_SHOP_TECH_REVIEWED : SVC_SHOP_REVIEWED));
	return CLI_OK;
}

static int shop_review(const cli_ctx *ctx, int argc, char **argv)
{
	return review(ctx, argc, argv, false);
}

static int shop_tech_review(const cli_ctx *ctx, int argc, char **argv)
{
	return review(ctx, argc, argv, true);
}

static int shop_approve(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *no, *from, *to;
	int rc =
	    cli_parse(&a, "shop approve", approve_usage, "agreement= from= to=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "SHOP")) || (rc = cli_need(&a, "agreement", &no)) ||
	    (rc = cli_need(&a, "from", &from)) || (rc = cli_need(&a, "to", &to)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_shop_approve(s, a.pos[0], no, from, to)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("shop %s: approved, agreement %s from %s to %s; next: svcsync enroll approve "
	       "(with the shop's request)\n",
	       a.pos[0], no, from, to);
	return CLI_OK;
}

static void permille(char out[16], uint32_t pm)
{
	snprintf(out, 16, "%u.%u%%", pm / 10, pm % 10);
}

static int shop_assess(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *period;
	int64_t score = -1;
	bool have_score = false;
	svc_shop_assess out;
	int rc = cli_parse(&a, "shop assess", assess_usage, "period= score= regular end reason=", 1,
	                   argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "SHOP")) || (rc = cli_need(&a, "period", &period)) ||
	    (rc = cli_int(&a, "score", &score, &have_score)))
		return rc;
	if (!have_score)
		return cli_usage(&a, "--score: required (0..100)");
	bool regular = cli_flag(&a, "regular"), end = cli_flag(&a, "end");
	if (regular && end)
		return cli_usage(&a, "--regular and --end: one or the other");
	uint32_t outcome = regular ? SVC_SHOP_OUTCOME_REGULAR
	                   : end   ? SVC_SHOP_OUTCOME_END
	                           : SVC_SHOP_OUTCOME_NONE;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_shop_assess(s, a.pos[0], period, score, outcome, cli_opt(&a, "reason"),
	                          &out)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	char cb[16], os[16];
	permille(cb, out.callback_pm);
	permille(os, out.onsite_pm);
	printf("shop %s: assessed %s, score %u (%u substantiated complaints, %u tickets "
	       "resolved, %s called back, %s on site in time)%s\n",
	       a.pos[0], period, out.score, out.complaints, out.tickets, cb, os,
	       regular ? "; stage regular"
	       : end   ? "; stage ended"
	               : "");
	return CLI_OK;
}

/* ------------------------------------------------------------ show, list */

static json_t *shop_json(const svc_shop *h)
{
	char d[16];
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(h->id));
	json_object_set_new(o, "shop", json_string(h->shop));
	json_object_set_new(o, "region", json_string(h->region));
	json_object_set_new(o, "stage", json_string(svc_shop_stage_name(h->stage)));
	json_object_set_new(o, "direct", json_boolean(h->direct));
	json_object_set_new(o, "legal_name", json_string(h->legal_name));
	json_object_set_new(o, "legal_rep", json_string(h->legal_rep));
	json_object_set_new(o, "address", json_string(h->address));
	json_object_set_new(o, "area", json_string(h->area));
	json_object_set_new(o, "contact", json_string(h->contact));
	json_object_set_new(o, "type",
	                    h->type ? json_string(svc_shop_type_name(h->type)) : json_null());
	json_t *techs = json_array();
	for (uint32_t i = 0; i < h->ntechnicians && i < SVC_SHOP_TECHS_MAX; i++) {
		json_t *t = json_object();
		json_object_set_new(t, "name", json_string(h->technicians[i].name));
		json_object_set_new(t, "qualification",
		                    json_string(h->technicians[i].qualification));
		json_array_append_new(techs, t);
	}
	json_object_set_new(o, "technicians", techs);
	json_object_set_new(o, "agreement", cli_json_opt(h->agreement));
	cli_date(d, h->valid_from);
	json_object_set_new(o, "valid_from", h->valid_from ? json_string(d) : json_null());
	cli_date(d, h->valid_to);
	json_object_set_new(o, "valid_to", h->valid_to ? json_string(d) : json_null());
	json_object_set_new(o, "applied_ms", cli_json_ms(h->applied));
	json_object_set_new(o, "applied_by", cli_json_opt(h->applied_by));
	json_object_set_new(o, "reviewed_ms", cli_json_ms(h->reviewed));
	json_object_set_new(o, "tech_reviewed_ms", cli_json_ms(h->tech_reviewed));
	json_object_set_new(o, "approved_ms", cli_json_ms(h->approved));
	json_object_set_new(o, "enrolled_ms", cli_json_ms(h->enrolled));
	json_object_set_new(o, "probation_until_ms", cli_json_ms(h->probation_until));
	json_object_set_new(o, "serial",
	                    h->serial ? json_integer((json_int_t)h->serial) : json_null());
	json_object_set_new(o, "ended_ms", cli_json_ms(h->ended));
	json_object_set_new(o, "reason", cli_json_opt(h->reason));
	json_t *as = json_array();
	for (uint32_t i = 0; i < h->nassessments && i < SVC_SHOP_ASSESS_KEPT; i++) {
		const svc_shop_assessment *x = &h->assessments[i];
		json_t *t = json_object();
		char p[16];
		snprintf(p, sizeof p, "%04u-%02u", x->period / 100, x->period % 100);
		json_object_set_new(t, "period", json_string(p));
		json_object_set_new(t, "score", json_integer(x->score));
		json_object_set_new(t, "complaints", json_integer(x->complaints));
		json_object_set_new(t, "tickets", json_integer(x->tickets));
		json_object_set_new(t, "callback_permille", json_integer(x->callback_pm));
		json_object_set_new(t, "onsite_permille", json_integer(x->onsite_pm));
		json_object_set_new(t, "outcome",
		                    json_string(x->outcome == SVC_SHOP_OUTCOME_REGULAR ? "regular"
		                                : x->outcome == SVC_SHOP_OUTCOME_END   ? "end"
		                                                                       : "none"));
		json_object_set_new(t, "by", json_string(x->by));
		json_object_set_new(t, "at_ms", cli_json_ms(x->at));
		json_array_append_new(as, t);
	}
	json_object_set_new(o, "assessments", as);
	json_object_set_new(o, "assessed", json_integer(h->nassessed));
	json_object_set_new(o, "updated_ms", cli_json_ms(h->updated));
	return o;
}

static void line_time(const char *label, uint64_t ms)
{
	char w[32];
	if (!ms)
		return;
	cli_time(w, ms);
	printf("%-14s%s\n", label, w);
}

static void show_text(const svc_shop *h, const cli_history *hist)
{
	char d1[16], d2[16];
	printf("shop          %s (%s)\n", h->shop, h->id);
	printf("region        %s\n", h->region);
	printf("stage         %s%s\n", svc_shop_stage_name(h->stage), h->direct ? " (direct)" : "");
	printf("legal name    %s\n", h->legal_name[0] ? h->legal_name : "-");
	printf("legal rep     %s\n", h->legal_rep[0] ? h->legal_rep : "-");
	printf("address       %s\n", h->address[0] ? h->address : "-");
	printf("service area  %s\n", h->area[0] ? h->area : "-");
	printf("contact       %s\n", h->contact[0] ? h->contact : "-");
	printf("type          %s\n", svc_shop_type_name(h->type));
	for (uint32_t i = 0; i < h->ntechnicians && i < SVC_SHOP_TECHS_MAX; i++)
		printf("%-14s%s (%s)\n", i ? "" : "technicians", h->technicians[i].name,
		       h->technicians[i].qualification);
	if (h->agreement[0]) {
		cli_date(d1, h->valid_from);
		cli_date(d2, h->valid_to);
		printf("agreement     %s, %s to %s\n", h->agreement, d1, d2);
	}
	line_time("applied", h->applied);
	line_time("reviewed", h->reviewed);
	line_time("tech reviewed", h->tech_reviewed);
	line_time("approved", h->approved);
	line_time("enrolled", h->enrolled);
	line_time("probation to", h->probation_until);
	if (h->serial)
		printf("certificate   serial %" PRIu64 "\n", h->serial);
	line_time("ended", h->ended);
	if (h->reason[0])
		printf("reason        %s\n", h->reason);
	for (uint32_t i = 0; i < h->nassessments && i < SVC_SHOP_ASSESS_KEPT; i++) {
		const svc_shop_assessment *x = &h->assessments[i];
		char cb[16], os[16];
		permille(cb, x->callback_pm);
		permille(os, x->onsite_pm);
		printf("%-14s%04u-%02u score %u by %s: %u complaints, %u tickets, %s called back, "
		       "%s on site in time%s\n",
		       i ? "" : "assessments", x->period / 100, x->period % 100, x->score, x->by,
		       x->complaints, x->tickets, cb, os,
		       x->outcome == SVC_SHOP_OUTCOME_REGULAR ? " -> regular"
		       : x->outcome == SVC_SHOP_OUTCOME_END   ? " -> ended"
		                                              : "");
	}
	printf("history:\n");
	cli_history_print(hist);
}

static int shop_show(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_shop h;
	cli_history hist = {0};
	int rc = cli_parse(&a, "shop show", show_usage, "json", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "SHOP")) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_shop_get(t, a.pos[0], &h);
	if (!rc)
		rc = cli_history_load(t, h.id, &hist);
	svc_txn_abort(&t);
	svc_store_close(&s);
	if (rc) {
		cli_history_free(&hist);
		return cli_fail();
	}
	if (cli_flag(&a, "json")) {
		json_t *o = shop_json(&h);
		json_object_set_new(o, "history", cli_history_json(&hist));
		cli_history_free(&hist);
		return cli_json_print(o);
	}
	show_text(&h, &hist);
	cli_history_free(&hist);
	return CLI_OK;
}

static const char *const row_headers[] = {"SHOP",      "REGION", "STAGE", "TYPE",
                                          "AGREEMENT", "TO",     "NAME"};
#define ROW_ALIGN "lllllll"

struct list_filter {
	bool by_stage;
	uint32_t stage;
	const char *region;
	cli_ids *ids;
};

static int list_cb(const svc_shop *h, void *arg)
{
	struct list_filter *f = arg;
	if (f->by_stage && h->stage != f->stage)
		return 0;
	if (f->region && strcmp(h->region, f->region) != 0)
		return 0;
	cli_ids_add(f->ids, 0, h->shop);
	return 0;
}

static int list_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	struct list_filter *f = arg;
	(void)s;
	f->ids = ids;
	return svc_fold_shop_each(t, list_cb, f);
}

static void list_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_shop h;
	(void)arg;
	if (svc_fold_shop_get(t, id, &h) != 0) {
		svc_errclear();
		return;
	}
	if (cli_list_json(l)) {
		cli_list_obj(l, shop_json(&h));
		return;
	}
	char name[96], to[16];
	cli_oneline(name, sizeof name, h.legal_name, 30);
	cli_date(to, h.valid_to);
	const char *cells[] = {h.shop,
	                       h.region,
	                       h.direct ? "probation (direct)" : svc_shop_stage_name(h.stage),
	                       svc_shop_type_name(h.type),
	                       h.agreement[0] ? h.agreement : "-",
	                       to,
	                       name[0] ? name : "-"};
	if (h.direct && h.stage != SVC_SHOP_PROBATION)
		cells[2] = svc_shop_stage_name(h.stage);
	cli_list_row(l, cells);
}

static int shop_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_list_spec spec = {row_headers, ROW_ALIGN, true, list_collect, list_row};
	cli_args a;
	size_t limit = 0;
	struct list_filter f = {0};
	const char *st;
	int rc =
	    cli_parse(&a, "shop list", list_usage, "stage= region= limit= json", 0, argc, argv);
	if (rc || (rc = cli_list_limit(&a, &limit)))
		return rc;
	if ((st = cli_opt(&a, "stage"))) {
		if (svc_shop_stage_parse(st, &f.stage))
			return cli_usage(&a, "--stage: %s", svc_errmsg());
		f.by_stage = true;
	}
	f.region = cli_opt(&a, "region");
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), limit, &f);
}

/* ------------------------------------------------------------ summaries */

void cli_shop_summary(const svc_change *c, char *out, size_t cap)
{
	char text[200];
	switch (c->kind) {
	case SVC_CK_SHOP_PUT: {
		const svc_shop_put *p = &c->u.shop_put;
		if (p->apply) {
			cli_oneline(text, sizeof text, p->legal_name, 40);
			snprintf(out, cap, "application in region %s: %s (%s)", p->region, text,
			         svc_shop_type_name(p->type));
		} else if (p->fields & SVC_SF_TECHNICIAN) {
			if (p->tech_drop)
				snprintf(out, cap, "technician %s removed", p->tech_name);
			else
				snprintf(out, cap, "technician %s: %s", p->tech_name, p->tech_qual);
		} else {
			snprintf(out, cap, "record corrected (%s%s%s%s%s%s)",
			         p->fields & SVC_SF_LEGAL_NAME ? " name" : "",
			         p->fields & SVC_SF_LEGAL_REP ? " legal-rep" : "",
			         p->fields & SVC_SF_ADDRESS ? " address" : "",
			         p->fields & SVC_SF_AREA ? " area" : "",
			         p->fields & SVC_SF_CONTACT ? " contact" : "",
			         p->fields & SVC_SF_TYPE ? " type" : "");
		}
		break;
	}
	case SVC_CK_SHOP_STAGE: {
		const svc_shop_stage_body *b = &c->u.shop_stage;
		cli_oneline(text, sizeof text, b->reason, 60);
		if (b->refused)
			snprintf(out, cap, "%s refused: %s",
			         b->stage == SVC_SHOP_REVIEWED ? "review" : "technical review",
			         text);
		else if (b->stage == SVC_SHOP_APPROVED)
			snprintf(out, cap, "stage -> approved, agreement %s (%u to %u)",
			         b->agreement, b->valid_from, b->valid_to);
		else if (b->stage == SVC_SHOP_PROBATION)
			snprintf(out, cap, "stage -> probation%s, certificate serial %" PRIu64,
			         b->region[0] ? " (direct)" : "", b->serial);
		else
			snprintf(out, cap, "stage -> %s%s%s", svc_shop_stage_name(b->stage),
			         text[0] ? ": " : "", text);
		break;
	}
	default: {
		const svc_shop_assess *x = &c->u.shop_assess;
		snprintf(out, cap, "assessment %04u-%02u: score %u%s", x->period / 100,
		         x->period % 100, x->score,
		         x->outcome == SVC_SHOP_OUTCOME_REGULAR ? ", regular"
		         : x->outcome == SVC_SHOP_OUTCOME_END   ? ", ended"
		                                                : "");
		break;
	}
	}
}

int cli_cmd_shop(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"apply", shop_apply},     {"review", shop_review}, {"tech-review", shop_tech_review},
	    {"approve", shop_approve}, {"assess", shop_assess}, {"edit", shop_edit},
	    {"show", shop_show},       {"list", shop_list},     {NULL, NULL},
	};
	return cli_dispatch(ctx, "shop", shop_usage, subs, argc, argv);
}

/*
 * cli_labor: labor operations, labor rates and travel bands (`svcsync labor`,
 * `svcsync travel`), what a claim's labor and travel lines are computed from.
 *
 * HQ writes them and every node receives them; a shop's desk computes its
 * claim lines from them and every node's fold checks the lines again at the
 * claim's place in order, so a rate or an operation that changes later
 * never moves a claim already judged.
 */
#include "cli.h"

#include "svc_err.h"
#include "svc_local.h"
#include "svc_rules.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char labor_usage[] =
    "usage: svcsync [--dir DIR] labor add CODE --category CAT --minutes N --text TEXT\n"
    "       svcsync [--dir DIR] labor list [--category CAT] [--json]\n"
    "       svcsync [--dir DIR] labor rate GRADE --fen-per-hour N\n"
    "       svcsync [--dir DIR] labor rates [--json]\n"
    "\n"
    "Labor operations (工时代码) and the labor rate of each region grade, kept by\n"
    "HQ and replicated to every node. A claim's operation line is the minutes\n"
    "worked x the rate of the ticket's grade / 60, rounded to the fen.\n";

static const char labor_add_usage[] =
    "usage: svcsync [--dir DIR] labor add CODE --category CAT --minutes N --text TEXT\n"
    "\n"
    "Put a labor operation (HQ only): its code, the product category it applies\n"
    "to, its standard time in minutes (1..3000) and its text (at most 60\n"
    "characters). Adding a code again corrects it.\n";

static const char labor_list_usage[] =
    "usage: svcsync [--dir DIR] labor list [--category CAT] [--json]\n"
    "\n"
    "The labor operations, by code.\n";

static const char labor_rate_usage[] =
    "usage: svcsync [--dir DIR] labor rate GRADE --fen-per-hour N\n"
    "\n"
    "Set the labor rate of a region grade (A, B or C) in fen per hour (HQ only).\n";

static const char labor_rates_usage[] = "usage: svcsync [--dir DIR] labor rates [--json]\n"
                                        "\n"
                                        "The labor rate of each region grade.\n";

static const char travel_usage[] =
    "usage: svcsync [--dir DIR] travel band MAX_KM --fen N\n"
    "       svcsync [--dir DIR] travel bands [--json]\n"
    "\n"
    "Travel bands (HQ): the travel allowance of a claim for a distance up to\n"
    "MAX_KM (1..100000) kilometres. A claim's --distance-km takes the first band\n"
    "that covers it; beyond the last band it takes the last band's amount,\n"
    "flagged over the card. Setting a band's MAX_KM again changes its amount.\n";

static int need_count(const cli_args *a, const char *name, int64_t max, uint32_t *out)
{
	int64_t v;
	bool given;
	int rc = cli_int(a, name, &v, &given);
	if (rc)
		return rc;
	if (!given)
		return cli_usage(a, "--%s is required", name);
	if (v < 1 || v > max)
		return cli_usage(a, "--%s: %" PRId64 " is outside 1..%" PRId64, name, v, max);
	*out = (uint32_t)v;
	return 0;
}

static int labor_add(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *cat, *text;
	uint32_t minutes = 0;
	int rc =
	    cli_parse(&a, "labor add", labor_add_usage, "category= minutes= text=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "CODE")) || (rc = cli_need(&a, "category", &cat)) ||
	    (rc = cli_need(&a, "text", &text)) || (rc = need_count(&a, "minutes", 3000, &minutes)))
		return rc;
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_labor_add(s, a.pos[0], cat, minutes, text)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("labor operation: %s %s %" PRIu32 " min %s\n", a.pos[0], cat, minutes, text);
	return CLI_OK;
}

static int labor_id_cb(const svc_labor_op *op, void *arg)
{
	const char **want = ((void **)arg)[1];
	if (*want && strcmp(*want, op->category) != 0)
		return 0;
	cli_ids_add(((void **)arg)[0], 0, op->code);
	return 0;
}

static int labor_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	void *pair[2] = {ids, arg};
	(void)s;
	return svc_fold_labor_each(t, labor_id_cb, pair);
}

static void labor_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_labor_op op;
	char min[16];
	(void)arg;
	if (svc_fold_labor_get(t, id, &op)) {
		svc_errclear();
		return;
	}
	if (cli_list_json(l)) {
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(op.code));
		json_object_set_new(o, "category", json_string(op.category));
		json_object_set_new(o, "minutes", json_integer(op.minutes));
		json_object_set_new(o, "text", json_string(op.text));
		cli_list_obj(l, o);
		return;
	}
	snprintf(min, sizeof min, "%" PRIu32, op.minutes);
	const char *cells[] = {op.code, op.category, min, op.text};
	cli_list_row(l, cells);
}

static int labor_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"CODE", "CATEGORY", "MINUTES", "TEXT"};
	static const cli_list_spec spec = {headers, "llrl", true, labor_collect, labor_row};
	cli_args a;
	int rc = cli_parse(&a, "labor list", labor_list_usage, "json category=", 0, argc, argv);
	if (rc)
		return rc;
	const char *cat = cli_opt(&a, "category");
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, &cat);
}

static int labor_rate(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	uint32_t grade;
	int64_t fen;
	bool given;
	char money[32];
	int rc = cli_parse(&a, "labor rate", labor_rate_usage, "fen-per-hour=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "GRADE")) ||
	    (rc = cli_fen(&a, "fen-per-hour", &fen, &given)))
		return rc;
	if (!given)
		return cli_usage(&a, "--fen-per-hour is required");
	if (svc_grade_parse(a.pos[0], &grade) || grade == SVC_GRADE_NONE)
		return cli_usage(&a, "GRADE: '%s' is not A, B or C", a.pos[0]);
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_labor_rate(s, grade, fen)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	cli_money(money, fen);
	printf("labor rate: grade %s at %s an hour\n", svc_grade_name(grade), money);
	return CLI_OK;
}

static int tariff_load(const cli_ctx *ctx, svc_tariff *tar)
{
	svc_store *s = NULL;
	svc_txn *t = NULL;
	int rc = cli_open(ctx, false, &s);
	if (rc)
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_fold_tariff_get(t, tar);
	svc_txn_abort(&t);
	svc_store_close(&s);
	return rc ? cli_fail() : 0;
}

static int labor_rates(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_tariff tar;
	int rc = cli_parse(&a, "labor rates", labor_rates_usage, "json", 0, argc, argv);
	if (rc || (rc = tariff_load(ctx, &tar)))
		return rc;
	if (cli_flag(&a, "json")) {
		json_t *o = json_object();
		for (uint32_t g = SVC_GRADE_A; g <= SVC_GRADE_C; g++)
			json_object_set_new(o, svc_grade_name(g),
			                    tar.rates[g] ? json_integer(tar.rates[g])
			                                 : json_null());
		return cli_json_print(o);
	}
	printf("GRADE  FEN_PER_HOUR\n");
	for (uint32_t g = SVC_GRADE_A; g <= SVC_GRADE_C; g++) {
		char money[32];
		if (tar.rates[g])
			cli_money(money, tar.rates[g]);
		else
			snprintf(money, sizeof money, "-");
		printf("%-5s  %12s\n", svc_grade_name(g), money);
	}
	return CLI_OK;
}

int cli_cmd_labor(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {{"add", labor_add},
	                               {"list", labor_list},
	                               {"rate", labor_rate},
	                               {"rates", labor_rates},
	                               {NULL, NULL}};
	return cli_dispatch(ctx, "labor", labor_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ travel */

static int travel_band(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	int64_t km, fen;
	bool given;
	char money[32];
	int rc = cli_parse(&a, "travel band", travel_usage, "fen=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "MAX_KM")) || (rc = cli_fen(&a, "fen", &fen, &given)))
		return rc;
	if (!given)
		return cli_usage(&a, "--fen is required");
	if (cli_parse_i64(a.pos[0], &km) || km < 1 || km > UINT32_MAX)
		return cli_usage(&a, "MAX_KM: '%s' is not a positive number of kilometres",
		                 a.pos[0]);
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_local_travel_band(s, (uint32_t)km, fen)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	cli_money(money, fen);
	printf("travel band: up to %" PRId64 " km, %s\n", km, money);
	return CLI_OK;
}

static int travel_bands(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_tariff tar;
	int rc = cli_parse(&a, "travel bands", travel_usage, "json", 0, argc, argv);
	if (rc || (rc = tariff_load(ctx, &tar)))
		return rc;
	if (cli_flag(&a, "json")) {
		json_t *arr = json_array();
		for (uint32_t i = 0; i < tar.nbands && i < SVC_TRAVEL_BANDS_MAX; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "max_km", json_integer(tar.bands[i].max_km));
			json_object_set_new(o, "fen", json_integer(tar.bands[i].fen));
			json_array_append_new(arr, o);
		}
		return cli_json_print(arr);
	}
	printf("MAX_KM  ALLOWANCE\n");
	for (uint32_t i = 0; i < tar.nbands && i < SVC_TRAVEL_BANDS_MAX; i++) {
		char money[32];
		cli_money(money, tar.bands[i].fen);
		printf("%6" PRIu32 "  %9s\n", tar.bands[i].max_km, money);
	}
	return CLI_OK;
}

int cli_cmd_travel(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"band", travel_band}, {"bands", travel_bands}, {NULL, NULL}};
	return cli_dispatch(ctx, "travel", travel_usage, subs, argc, argv);
}

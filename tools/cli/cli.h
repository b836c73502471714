/*
 * cli: what the svcsync command-line tool's subcommands share.
 *
 * The tool is a thin layer over libsvcsync: it parses arguments, opens the
 * store, calls one svc_local (or svc_identity, svc_offline) function and
 * prints the result as an aligned table or as JSON. Nothing here decides
 * what is allowed; the library does, and its one-line reason is what the
 * user reads.
 *
 * Conventions every subcommand keeps:
 *  - exit status 0 on success, CLI_USAGE (2) for a malformed command line,
 *    CLI_FAIL (1) for anything else, with exactly one line on stderr,
 *    "svcsync: <reason>" (cli_fail, cli_usage);
 *  - -h/--help anywhere prints the subcommand's usage on stdout and exits 0;
 *  - options are "--name value" or "--name=value"; a valued option always
 *    takes the next argument, so "--qty -5" passes -5 for the library to
 *    judge; "--" ends the options;
 *  - read-only commands open the store read-only, and every read transaction
 *    is short: a list first collects the ids it will show (cli_ids), then
 *    reads and prints the records a page at a time, one transaction per page.
 */
#ifndef SVC_CLI_H
#define SVC_CLI_H

#include "svc_apply.h"
#include "svc_local.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Returned by cli_parse when it printed the help text: exit 0. */
#define CLI_HELP (-1)

typedef struct {
	const char *dir; /* --dir or SVCSYNC_DIR; NULL when neither was given */
} cli_ctx;

/* ------------------------------------------------------------ arguments */

#define CLI_MAX_POS 8
#define CLI_MAX_OPT 48

typedef struct {
	const char *cmd;   /* "ticket new", for messages */
	const char *usage; /* the --help text */
	size_t npos;
	const char *pos[CLI_MAX_POS];
	size_t nopt;
	struct {
		const char *name; /* as in the spec, without dashes */
		const char *val;  /* NULL for a flag */
	} opt[CLI_MAX_OPT];
} cli_args;

/*
 * Parse argv[1..argc) (argv[0] is the subcommand's own name) against `spec`,
 * a space-separated list of option names: "name" is a flag, "name=" takes a
 * value, "name=*" takes a value and may repeat. `maxpos` positional
 * arguments are accepted. Returns 0, CLI_HELP (help printed), or CLI_USAGE
 * (message printed).
 */
int cli_parse(cli_args *a, const char *cmd, const char *usage, const char *spec, size_t maxpos,
              int argc, char **argv);

/* The value of an option (the last one given), or NULL. */
const char *cli_opt(const cli_args *a, const char *name);
bool cli_flag(const cli_args *a, const char *name);
/* Every value of a repeatable option, in order; returns how many there were
 * (at most `max` are stored). */
size_t cli_opts(const cli_args *a, const char *name, const char **out, size_t max);
/* Require a valued option; prints the usage error itself. */
int cli_need(const cli_args *a, const char *name, const char **out);
/* Require exactly `n` positional arguments named by `what` ("ID"). */
int cli_need_pos(const cli_args *a, size_t n, const char *what);

/* Whole numbers with full checks. `unit` words the message: "--labor: 'abc'
 * is not an amount in fen". Absent options leave *out untouched and set
 * *given false (given may be NULL). Return 0 or CLI_USAGE (printed). */
int cli_fen(const cli_args *a, const char *name, int64_t *out, bool *given);
int cli_int(const cli_args *a, const char *name, int64_t *out, bool *given);
/* Parse one number from a string (for PART:QTY); 0 or -1. */
int cli_parse_i64(const char *s, int64_t *out);

/* ------------------------------------------------------------ errors */

/* Print "svcsync: <svc_errmsg()>" and return CLI_FAIL. */
int cli_fail(void);
/* Print "svcsync: <fmt...>" and return CLI_FAIL. */
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "svcsync: <cmd>: <fmt...> (see 'svcsync <cmd> --help')" and return
 * CLI_USAGE. */
int cli_usage(const cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ store */

/* Open the node's store (read-only unless `write`); prints on failure and
 * returns CLI_FAIL or CLI_USAGE (no directory given). */
int cli_open(const cli_ctx *ctx, bool write, svc_store **out);
/* After a successful write: close the store and wake the daemon. */
void cli_done_write(const cli_ctx *ctx, svc_store **s);

/* ------------------------------------------------------------ formatting */

/* "125.50" for 12550 fen. */
void cli_money(char out[32], int64_t fen);
/* Local "YYYY-MM-DD HH:MM", or "-" for 0. */
/* "YYYY-MM-DD HH:MM" in the network's zone, loaded by cli_open
 * (cli_zone_load); "-" for 0. */
void cli_time(char out[32], uint64_t ms);
void cli_zone_load(svc_store *s);
/* "YYYY-MM-DD" for YYYYMMDD, "-" for 0. */
void cli_date(char out[16], uint32_t yyyymmdd);
/* One line of at most `max` display columns: control characters become
 * spaces, and a longer text is cut on a character boundary with "...". */
void cli_oneline(char *out, size_t cap, const char *s, size_t max);
/* Display width of UTF-8 text (CJK characters count 2). */
size_t cli_width(const char *s);
/* Z85 (ZeroMQ RFC 32) of `len` bytes, len a multiple of 4; out holds
 * len * 5 / 4 + 1. */
void cli_z85(const uint8_t *in, size_t len, char *out);

/* ------------------------------------------------------------ id lists
 *
 * The ids a list will show, with a sort key: newest first by key (a time),
 * or by name (by_name: ids in natural order, keys ignored). With a limit,
 * only the first `limit` entries of that order are kept, so memory stays
 * proportional to what is printed. */

typedef struct {
	uint64_t key;
	char *id;
} cli_id;

typedef struct {
	cli_id *v;
	size_t n, cap;
	size_t limit; /* 0: keep all */
	bool by_name;
	bool oom;
} cli_ids;

void cli_ids_add(cli_ids *l, uint64_t key, const char *id);

/* Ids per read transaction when a list reads its records back. */
#define CLI_PAGE 512

/* row(t, id, l, arg) reads one record and adds its row to `l` (and skips a
 * record gone since the ids were collected). */
typedef struct cli_list cli_list;
typedef void (*cli_row_fn)(svc_txn *t, const char *id, cli_list *l, void *arg);

/* ------------------------------------------------------------ histories */

/* An aggregate's changes in fold order, copied out of the read transaction
 * so they can be printed after it ends. */
typedef struct {
	svc_logged_change *v;
	size_t n, cap;
	bool oom;
} cli_history;

/* 0, or an svc_err code with the detail set. Free with cli_history_free. */
int cli_history_load(svc_txn *t, const char *aggregate, cli_history *h);
void cli_history_free(cli_history *h);
/* The history as lines "  TIME  ORIGIN  SUMMARY [REJECTED: reason]". */
void cli_history_print(const cli_history *h);
/* The history as a JSON array of change objects. */
json_t *cli_history_json(const cli_history *h);

/* ------------------------------------------------------------ output
 *
 * A list is printed either as an aligned table or as a JSON array with one
 * compact object per line. Rows are buffered a page at a time; column widths
 * grow to the widest cell seen so far. */

/* headers: ncols column titles; align: one 'l' or 'r' per column. */
cli_list *cli_list_new(bool json, size_t ncols, const char *const *headers, const char *align);
bool cli_list_json(const cli_list *l);
/* Table mode: one row of ncols cells (copied). */
void cli_list_row(cli_list *l, const char *const *cells);
/* JSON mode: one object (the reference is stolen). */
void cli_list_obj(cli_list *l, json_t *obj);
/* Print what is left and free the list; returns CLI_OK or CLI_FAIL (out of
 * memory, output error). */
int cli_list_end(cli_list **l);

/* ------------------------------------------------------------ list commands
 *
 * A record list (ticket list, claim list, ...) is one spec: its columns, its
 * order, how it collects the ids to show and how it prints one row. */

typedef struct {
	const char *const *headers; /* one title per column */
	const char *align;          /* one 'l' or 'r' per column: its length is the column count */
	bool by_name;               /* natural order of ids, not newest first */
	/* Walk the records in `t` (a read transaction on `s`) and cli_ids_add
	 * each one to show; negative with the svc error set on failure. */
	int (*collect)(svc_store *s, svc_txn *t, cli_ids *ids, void *arg);
	cli_row_fn row;
} cli_list_spec;

/* --limit N (0 when absent); CLI_USAGE (printed) for a malformed or
 * negative number. */
int cli_list_limit(const cli_args *a, size_t *out);
/* Open the store read-only, collect the ids in one short read, keep the
 * first `limit` (0: all) of the spec's order and print them as a table or
 * JSON, reading the rows back CLI_PAGE per transaction. `arg` goes to
 * collect and row. Returns the exit status. */
int cli_list_run(const cli_ctx *ctx, const cli_list_spec *spec, bool json, size_t limit, void *arg);

/* ------------------------------------------------------------ JSON */

/* Print one JSON value (indented) followed by a newline, and release it. */
int cli_json_print(json_t *v);

/* A timestamp in JSON: unix milliseconds, or null when unset. */
json_t *cli_json_ms(uint64_t ms);
/* A string, or null for "" (optional node ids). */
json_t *cli_json_opt(const char *s);

/* ------------------------------------------------------------ records as JSON and text */

json_t *cli_json_ticket(const svc_ticket *t);
json_t *cli_json_claim(const svc_claim *c);
json_t *cli_json_transfer(const svc_transfer *x);
json_t *cli_json_node(const svc_node *n);
json_t *cli_json_change(const svc_logged_change *lc);
/* One line describing a change ("status -> resolved: fixed"), for log and
 * history views. */
void cli_change_summary(const svc_change *c, char *out, size_t cap);

/* ------------------------------------------------------------ subcommands */

typedef int (*cli_cmd_fn)(const cli_ctx *ctx, int argc, char **argv);

int cli_cmd_init(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_enroll(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_id(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_node(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_log(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ticket(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_catalog(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_part(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_stock(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_claim(const cli_ctx *ctx, int argc, char **argv);
/* labor operations, labor rates, travel bands (cli_labor.c) */
int cli_cmd_labor(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_travel(const cli_ctx *ctx, int argc, char **argv);
/* The repeated --part PART_NO:QTY options of a claim or a customer charge
 * into r, their part numbers copied into parts; 0 or a usage error. */
int cli_part_lines(const cli_args *a, svc_claim_request *r,
                   char parts[SVC_CLAIM_PARTS_MAX][SVC_PART_LEN]);
int cli_cmd_import(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_export(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_status(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_quarantine(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_verify(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_backup(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_restore(const cli_ctx *ctx, int argc, char **argv);
/* policy */
int cli_cmd_policy(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_region(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_model(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_fault_code(const cli_ctx *ctx, int argc, char **argv);
/* What a ticket took from the policy: its fields as JSON (dates as
 * YYYY-MM-DD, times as ms, "overdue" computed now), and as text lines after
 * 'ticket show', times in the network's zone (tz from cli_policy_zone, read
 * in the ticket's transaction; the process's copy, not to be destroyed). */
struct svc_tz;
void cli_policy_ticket_json(json_t *o, const svc_ticket *t);
int cli_policy_zone(svc_txn *t, const struct svc_tz **tz);
void cli_policy_ticket_print(const svc_ticket *t, const struct svc_tz *tz);
/* Not on site yet and past its on-site due time at now_ms. */
bool cli_policy_overdue(const svc_ticket *t, uint64_t now_ms);
/* The policy versions this node holds, (from, version) pairs, to tell a
 * ticket judged under another version than the one in force on its day (a
 * shop that had not yet received it): the region's queue to re-judge. */
typedef struct {
	struct cli_policy_day {
		uint32_t from, version;
	} * v;
	size_t n, cap;
} cli_policy_days;
int cli_policy_days_load(svc_txn *t, cli_policy_days *d);
bool cli_policy_flagged(const cli_policy_days *d, const svc_ticket *t);
/* customer: a ticket that refers to a customer file shows the name and phone
 * of the file as this node holds it (copied into tk's display fields);
 * nothing when the node does not hold the file. */
void cli_ticket_customer(svc_txn *t, svc_ticket *tk);
int cli_cmd_customer(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_unit(const cli_ctx *ctx, int argc, char **argv);
/* queues */
int cli_cmd_queue(const cli_ctx *ctx, int argc, char **argv);
/* complaints (cli_complaint.c): the command group, the complaints work
 * queue (a cli_cmd_fn: argv[0] is its own name, as cli_dispatch passes it,
 * then --region, --shop, --limit, --json) and a complaint change's
 * one-line summary. */
int cli_cmd_complaint(const cli_ctx *ctx, int argc, char **argv);
int cli_queue_complaints(const cli_ctx *ctx, int argc, char **argv);
void cli_complaint_summary(const svc_change *c, char *out, size_t cap);
/* old parts (cli_oldpart.c): part forward, part waive, part returns */
int cli_part_forward(const cli_ctx *ctx, int argc, char **argv);
int cli_part_waive(const cli_ctx *ctx, int argc, char **argv);
int cli_part_returns(const cli_ctx *ctx, int argc, char **argv);
/* the shop's ledger (cli_ledger.c): statements, the ledger, and `claim pay`
 * (a month's payment run; `usage` is the claim group's text for it). */
int cli_cmd_statement(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ledger(const cli_ctx *ctx, int argc, char **argv);
int cli_claim_pay_run(const cli_ctx *ctx, int argc, char **argv, const char *usage);
/* shops (cli_shop.c): the command group and a shop record change's one-line
 * summary. */
int cli_cmd_shop(const cli_ctx *ctx, int argc, char **argv);
void cli_shop_summary(const svc_change *c, char *out, size_t cap);

/* Dispatch argv[1] among `subs` (NULL-terminated names with their
 * functions); prints `usage` for help or a missing/unknown subcommand. */
typedef struct {
	const char *name;
	cli_cmd_fn fn;
} cli_sub;
int cli_dispatch(const cli_ctx *ctx, const char *cmd, const char *usage, const cli_sub *subs,
                 int argc, char **argv);

#endif

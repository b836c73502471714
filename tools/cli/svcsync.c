/*
 * svcsync: the command-line tool for a node's local store.
 *
 * main finds the node directory (--dir anywhere on the line, or
 * SVCSYNC_DIR), dispatches to the subcommand and turns a failure to write
 * stdout into an error exit, so `svcsync ticket list > full-disk/x` does not
 * report success. The subcommands live in cli_*.c; see cli.h for the
 * conventions they keep and docs/cli.md for the user's view.
 */
#include "cli.h"

#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_operator.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: svcsync [--dir DIR] [--operator NAME] COMMAND [ARGS]\n"
    "\n"
    "Work on a node's local store: the daemon need not run. DIR is the node\n"
    "directory (default: $SVCSYNC_DIR). NAME is the person entering the\n"
    "changes, recorded in each one and shown by 'show' and 'log' (default:\n"
    "$SVCSYNC_OPERATOR, else the login name; at most 32 characters). Both\n"
    "may also come after the command.\n"
    "\n"
    "commands:\n"
    "  init       create a node (store and key)\n"
    "  enroll     request, approve and accept enrollment in the network\n"
    "  id         this node's identity and keys\n"
    "  ticket     service tickets: new, assign, status, note, callback, list, show\n"
    "  catalog    the parts catalog: add, set, price, show, list\n"
    "  part       part movements: receive, transfer, consume, adjust, transfers;\n"
    "             old parts back to the factory: return, forward, waive, returns\n"
    "  stock      stock on hand\n"
    "  claim      settlement claims: submit, audit, return, approve, reject, pay (a\n"
    "             month's payment run), list, show, history\n"
    "  labor      labor operations and rates: add, list, rate, rates (HQ writes)\n"
    "  travel     travel bands: band (HQ), bands\n"
    "  customer   customer files: new, show, find, duplicates, edit, merge\n"
    "  unit       product units: show, merge\n"
    "  queue      work queues: onsite, callbacks, complaints, samples\n"
    "  complaint  complaints: new, status, note, statement, list, show, queue\n"
    "  shop       shop records and enrollment stages: apply, review, tech-review,\n"
    "             approve, assess, edit, show, list\n"
    "  log        the changes in this store, newest first\n"
    "  node       the network directory: list, revoke (HQ)\n"
    "  status     this node, its daemon's links, backlogs and quarantine\n"
    "  quarantine changes refused on receipt or held by a revocation: list,\n"
    "             release (HQ)\n"
    "  verify     check every hash, chain link and commit signature in the store\n"
    "  import     bulk import of tickets (JSONL) or of an export file of changes\n"
    "  export     write a signed file of what a linked node would receive from here\n"
    "  backup     write a consistent copy of the store (not the key) while it runs\n"
    "  restore    put a backup back (daemon stopped); replay writes kept aside\n"
    "  policy     HQ's service policy: show, set (HQ)\n"
    "  region     region grades: grade (HQ), list\n"
    "  model      the product model list: add (HQ), list\n"
    "  fault-code fault codes per product category: add (HQ), list\n"
    "  statement  a shop's monthly statement; confirm (the shop)\n"
    "  ledger     a shop's ledger and balance; deduct (HQ)\n"
    "\n"
    "Run 'svcsync COMMAND --help' for a command's options. Exit status: 0 on\n"
    "success, 2 for a malformed command line, 1 for any other failure, with a\n"
    "one-line reason on stderr.\n";

static const cli_sub commands[] = {
    {"init", cli_cmd_init},
    {"enroll", cli_cmd_enroll},
    {"id", cli_cmd_id},
    {"ticket", cli_cmd_ticket},
    {"catalog", cli_cmd_catalog},
    {"part", cli_cmd_part},
    {"stock", cli_cmd_stock},
    {"claim", cli_cmd_claim},
    {"labor", cli_cmd_labor},
    {"travel", cli_cmd_travel},
    {"log", cli_cmd_log},
    {"node", cli_cmd_node},
    {"import", cli_cmd_import},
    {"export", cli_cmd_export},
    {"status", cli_cmd_status},
    {"quarantine", cli_cmd_quarantine},
    {"verify", cli_cmd_verify},
    {"backup", cli_cmd_backup},
    {"restore", cli_cmd_restore},
    /* policy */
    {"policy", cli_cmd_policy},
    {"region", cli_cmd_region},
    {"model", cli_cmd_model},
    {"fault-code", cli_cmd_fault_code},
    /* customer */
    {"customer", cli_cmd_customer},
    {"unit", cli_cmd_unit},
    /* queues */
    {"queue", cli_cmd_queue},
    /* complaints */
    {"complaint", cli_cmd_complaint},
    /* the shop's ledger */
    {"statement", cli_cmd_statement},
    {"ledger", cli_cmd_ledger},
    /* shops */
    {"shop", cli_cmd_shop},
    {NULL, NULL},
};

/* Take the global options, --dir DIR and --operator NAME (or --OPT=VALUE),
 * out of argv, wherever they are (before "--"). */
static int take_globals(int *argc, char **argv, const char **dir, const char **op)
{
	const struct {
		const char *opt, *what;
		const char **to;
	} globals[] = {{"--dir", "the node directory", dir},
	               {"--operator", "the person entering the changes", op}};
	int out = 1;
	bool rest = false;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		size_t g = 0, n = 0;
		if (!rest && strcmp(a, "--") == 0)
			rest = true;
		for (; !rest && g < sizeof globals / sizeof globals[0]; g++) {
			n = strlen(globals[g].opt);
			if (strncmp(a, globals[g].opt, n) == 0 && (a[n] == '\0' || a[n] == '='))
				break;
		}
		if (rest || g == sizeof globals / sizeof globals[0]) {
			argv[out++] = argv[i];
			continue;
		}
		if (a[n] == '=') {
			*globals[g].to = a + n + 1;
			continue;
		}
		if (i + 1 >= *argc) {
			cli_failf("%s needs a value (%s)", globals[g].opt, globals[g].what);
			return CLI_USAGE;
		}
		*globals[g].to = argv[++i];
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

/* The person this run writes for: --operator, else $SVCSYNC_OPERATOR, else
 * the login name, else "unknown". Every change written records it; the
 * rules refuse a name over SVC_OPERATOR_CHARS characters when it is used. */
static int set_operator(const char *given)
{
	const char *name = given;
	if (given && !given[0]) {
		cli_failf("--operator: must not be empty");
		return CLI_USAGE;
	}
	if (!name || !name[0])
		name = getenv("SVCSYNC_OPERATOR");
	if (!name || !name[0]) {
		const struct passwd *pw = getpwuid(geteuid());
		name = pw && pw->pw_name && pw->pw_name[0] ? pw->pw_name : "unknown";
	}
	return svc_operator_set(name) ? cli_fail() : 0;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {.dir = getenv("SVCSYNC_DIR")};
	const char *op = NULL;
	int rc = take_globals(&argc, argv, &ctx.dir, &op);
	if (!rc)
		rc = set_operator(op);
	if (rc)
		return rc;
	if (argc < 2) {
		cli_failf("missing command (see 'svcsync --help')");
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (svc_crypto_init() != 0)
		return cli_fail();
	const cli_sub *cmd = commands;
	while (cmd->name && strcmp(cmd->name, argv[1]) != 0)
		cmd++;
	if (!cmd->name) {
		cli_failf("unknown command '%s' (see 'svcsync --help')", argv[1]);
		return CLI_USAGE;
	}
	rc = cmd->fn(&ctx, argc - 1, argv + 1);
	if (rc == CLI_HELP)
		rc = CLI_OK;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_failf("writing output: %s", strerror(errno));
		return CLI_FAIL;
	}
	return rc;
}

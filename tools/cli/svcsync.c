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

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: svcsync [--dir DIR] COMMAND [ARGS]\n"
    "\n"
    "Work on a node's local store: the daemon need not run. DIR is the node\n"
    "directory (default: $SVCSYNC_DIR); --dir may also come after the command.\n"
    "\n"
    "commands:\n"
    "  init       create a node (store and key)\n"
    "  enroll     request, approve and accept enrollment in the network\n"
    "  id         this node's identity and keys\n"
    "  ticket     service tickets: new, assign, status, note, callback, list, show\n"
    "  catalog    the parts catalog: add, list\n"
    "  part       part movements: receive, transfer, consume, return, adjust, transfers\n"
    "  stock      stock on hand\n"
    "  claim      settlement claims: submit, audit, return, approve, reject, pay, list, show\n"
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
    {"log", cli_cmd_log},
    {"node", cli_cmd_node},
    {"import", cli_cmd_import},
    {"export", cli_cmd_export},
    {"status", cli_cmd_status},
    {"quarantine", cli_cmd_quarantine},
    {"verify", cli_cmd_verify},
    {"backup", cli_cmd_backup},
    {"restore", cli_cmd_restore},
    {NULL, NULL},
};

/* Take --dir DIR / --dir=DIR out of argv, wherever it is (before "--"). */
static int take_dir(int *argc, char **argv, const char **dir)
{
	int out = 1;
	bool rest = false;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (!rest && strcmp(a, "--") == 0)
			rest = true;
		if (!rest && strcmp(a, "--dir") == 0) {
			if (i + 1 >= *argc) {
				cli_failf("--dir needs a value (the node directory)");
				return CLI_USAGE;
			}
			*dir = argv[++i];
			continue;
		}
		if (!rest && strncmp(a, "--dir=", 6) == 0) {
			*dir = a + 6;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {.dir = getenv("SVCSYNC_DIR")};
	int rc = take_dir(&argc, argv, &ctx.dir);
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

/*
 * cli_backup: `svcsync backup` and `svcsync restore`.
 *
 * A backup is the store alone, copied consistently while the daemon runs;
 * the node's secret key stays in node.key. A restore puts such a copy back
 * with the daemon stopped, under a new store id, and blocks local writes
 * until the daemon has fetched the node's own later changes back from its
 * upstream; `restore --replay` then re-enters what a restore kept aside.
 * The mechanism is described under "Restores" in lib/svc_journal_restore.c.
 */
#include "cli.h"

#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_local.h"
#include "svc_apply.h"
#include "svc_nodedir.h"
#include "svc_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char backup_usage[] =
    "usage: svcsync [--dir DIR] backup --out FILE\n"
    "\n"
    "Write a consistent, compacted copy of this node's store to FILE, a new\n"
    "file (an existing one is never overwritten). The daemon may keep running.\n"
    "The copy holds the store only: the node's secret key (node.key) is not in\n"
    "it, so keep that file safe separately. Put the copy back with\n"
    "'svcsync restore --from FILE'.\n";

int cli_cmd_backup(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_self self;
	const char *out;
	uint64_t bytes = 0;
	int rc = cli_parse(&a, "backup", backup_usage, "out=", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "out", &out)) || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_self_get(t, &self);
	svc_txn_abort(&t);
	if (!rc)
		rc = svc_store_backup(s, out, &bytes);
	svc_store_close(&s);
	if (rc)
		return cli_fail();
	printf("wrote %s: the store of node %s, %" PRIu64 " bytes (node.key is not in it)\n", out,
	       self.node, bytes);
	return CLI_OK;
}

static const char restore_usage[] =
    "usage: svcsync [--dir DIR] restore --from FILE\n"
    "       svcsync [--dir DIR] restore --replay\n"
    "\n"
    "--from FILE  put a backup made by 'svcsync backup' back as this node's\n"
    "             store. svcsyncd must be stopped. The directory keeps its\n"
    "             node.key (the backup must be of the same node); the store\n"
    "             being replaced is kept as DIR/data.mdb.before-restore. HQ,\n"
    "             which has no upstream to catch up from, cannot be restored. The\n"
    "             restored store gets a new store id, and local writes are\n"
    "             refused until the daemon has fetched this node's own later\n"
    "             changes back from its upstream (see 'svcsync status');\n"
    "             new changes then continue after the highest seq the network\n"
    "             holds.\n"
    "--replay     after a restore has caught up: re-enter, as new changes, the\n"
    "             local changes that were made after the restore but re-used\n"
    "             seqs the network already held (they were kept aside, never\n"
    "             shipped). A ticket they opened gets a new id. A change the\n"
    "             current state refuses stays kept aside, with its reason.\n";

/* Hold the daemon's lock for the whole restore: refuse while svcsyncd runs,
 * and keep one from starting half-way. */
static int lock_daemon(const char *dir, int *fd)
{
	svc_nodedir nd;
	char pid[32] = "?";
	long holder;
	*fd = -1;
	if (svc_nodedir_init(&nd, dir))
		return cli_fail();
	int rc = svc_nodedir_lock(&nd, false, fd, &holder);
	if (rc == SVC_EBUSY) {
		if (holder)
			snprintf(pid, sizeof pid, "%ld", holder);
		return cli_failf("svcsyncd (pid %s) is running on %s: stop it before restoring",
		                 pid, dir);
	}
	return rc ? cli_fail() : CLI_OK;
}

static int restore_from(const cli_ctx *ctx, const char *from)
{
	svc_keypair *kp = NULL;
	svc_self self;
	int fd = -1;
	int rc = lock_daemon(ctx->dir, &fd);
	if (rc)
		return rc;
	if (access(from, R_OK) != 0) {
		rc = cli_failf("backup %s: %s", from, strerror(errno));
	} else if (svc_identity_key(ctx->dir, &kp)) {
		rc = cli_fail();
	} else if (svc_restore_install(ctx->dir, from, kp->pk, &self)) {
		rc = cli_fail();
	} else {
		printf("restored node %s from %s under a new store id; the previous store is "
		       "%s/data.mdb.before-restore\n"
		       "writes are blocked until svcsyncd has fetched %s's own later changes back "
		       "from %s (see svcsync status)\n",
		       self.node, from, ctx->dir, self.node,
		       self.upstream[0] ? self.upstream : "its upstream");
	}
	svc_keypair_destroy(&kp);
	close(fd);
	return rc;
}

static int restore_replay(const cli_ctx *ctx)
{
	svc_store *s = NULL;
	svc_replay_result *r = NULL;
	size_t n = 0, done = 0;
	int rc = cli_open(ctx, true, &s);
	if (rc)
		return rc;
	if (svc_local_replay(s, &r, &n)) {
		svc_store_close(&s);
		return cli_fail();
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].new_seq) {
			done++;
			printf("re-entered seq %" PRIu64 " as %" PRIu64 ": %s %s", r[i].old_seq,
			       r[i].new_seq, svc_change_kind_name(r[i].kind), r[i].aggregate);
			if (strcmp(r[i].aggregate, r[i].old_aggregate) != 0)
				printf(" (was %s)", r[i].old_aggregate);
			printf("\n");
		} else {
			printf("kept aside seq %" PRIu64 ": %s %s: %s\n", r[i].old_seq,
			       svc_change_kind_name(r[i].kind), r[i].old_aggregate, r[i].reason);
		}
	}
	printf("%zu change(s) re-entered, %zu still kept aside\n", done, n - done);
	free(r);
	if (done)
		cli_done_write(ctx, &s);
	else
		svc_store_close(&s);
	return CLI_OK;
}

int cli_cmd_restore(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *from;
	int rc = cli_parse(&a, "restore", restore_usage, "from= replay", 0, argc, argv);
	if (rc)
		return rc;
	from = cli_opt(&a, "from");
	if (!from == !cli_flag(&a, "replay"))
		return cli_usage(&a, "give either --from FILE or --replay");
	if (!ctx->dir || !ctx->dir[0]) {
		cli_failf("no node directory: give --dir DIR or set SVCSYNC_DIR");
		return CLI_USAGE;
	}
	return from ? restore_from(ctx, from) : restore_replay(ctx);
}

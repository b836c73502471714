/*
 * svc_store: a node's LMDB environment and its transactions.
 *
 * The only module that includes lmdb.h; the journal (svc_journal.h), the
 * fold (svc_fold.h) and the apply pipeline (svc_apply.h) sit on it, through
 * the private key/value interface of store_kv.h. One LMDB environment per
 * node directory, opened with LMDB's default durable flags (never MDB_NOSYNC or
 * MDB_WRITEMAP): a committed write survives a power cut. Several processes
 * (the daemon and any number of CLI invocations) may use one store at once;
 * LMDB serializes writers.
 *
 * Every write is a change (svc_types.h) stored in one write transaction
 * together with its effect on the materialized state, its hash chain link and
 * its entry in the arrival log, so a change is never half-stored. See the
 * top of svc_journal.c for the layout of the databases.
 *
 * Transactions carry a sticky error: after the first failure every call on
 * the transaction is a no-op returning that error, and svc_txn_commit()
 * aborts instead. svc_store_write() runs a function in a write transaction and
 * handles map growth: when the map fills, the transaction is aborted, the map
 * doubled and the function run again from the start, so write functions must
 * be re-runnable (build their changes from their arguments, not from state
 * they consumed).
 *
 * Read transactions are short: never hold one across a network wait.
 */
#ifndef SVC_STORE_H
#define SVC_STORE_H

#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_SCHEMA_VERSION 1

typedef struct svc_store svc_store;
typedef struct svc_txn svc_txn;

enum {
	SVC_STORE_CREATE = 1 << 0, /* create the directory's store; refuse if it exists */
	SVC_STORE_RDONLY = 1 << 1,
};

/* Open the store in `dir`. Refuses a store written by a newer schema
 * (SVC_EVERSION) and a missing one unless SVC_STORE_CREATE. Caller owns the
 * result; close with svc_store_close (NULLs, safe twice). */
int svc_store_open(const char *dir, unsigned flags, svc_store **out);
void svc_store_close(svc_store **s);
const char *svc_store_dir(const svc_store *s);

/*
 * Give back the store pages this process has read. LMDB maps the whole file
 * read-only and every page a process touches counts in its resident size;
 * a daemon that streams a million changes would otherwise look as big as the
 * file. The pages stay in the kernel's page cache and are mapped again on
 * the next access, so this changes no data and costs little. It is safe
 * inside a read transaction too: LMDB never rewrites a page a reader can
 * still see.
 */
void svc_store_release_pages(svc_store *s);

/* ------------------------------------------------------------ transactions */

int svc_txn_begin(svc_store *s, bool write, svc_txn **out);
/* Commits, or aborts and returns the sticky error. Frees the handle. */
int svc_txn_commit(svc_txn **t);
void svc_txn_abort(svc_txn **t);
/* The sticky error (0 if none). */
int svc_txn_err(const svc_txn *t);
/* Set the sticky error (returns code). */
int svc_txn_fail(svc_txn *t, int code);
svc_store *svc_txn_store(svc_txn *t);
/* In this transaction, a change of this node's own origin that differs from
 * the stored one is the network's history coming back after a restore, not
 * a forgery: the caller checked it against a commit signed with this node's
 * key, received from its upstream (see "Restores" in svc_journal_restore.c). */
void svc_txn_own_returns(svc_txn *t);

/* Run fn(t, arg) in a write transaction and commit it; grows the map and
 * re-runs fn when the map is full. A non-zero return from fn aborts. */
typedef int (*svc_write_fn)(svc_txn *t, void *arg);
int svc_store_write(svc_store *s, svc_write_fn fn, void *arg);

/* ------------------------------------------------------------ node identity (meta) */

typedef struct {
	char node[SVC_ID_LEN];
	uint32_t role;
	char region[SVC_ID_LEN]; /* a shop's region; a region's own id; "" at HQ */
	uint8_t store_id[16];
	uint8_t pubkey[SVC_PK_LEN];
	/* From the accepted enrollment bundle (HQ: its own key). */
	bool enrolled;
	char hq_node[SVC_ID_LEN];
	uint8_t hq_pubkey[SVC_PK_LEN];
	char upstream[SVC_ID_LEN];
	char endpoint[256];
	uint8_t upstream_pubkey[SVC_PK_LEN];
	svc_node_cert cert; /* this node's own certificate (body_len 0 if none) */
} svc_self;

/* Store-level identity, written once by init and by enroll accept. */
int svc_self_get(svc_txn *t, svc_self *out);
int svc_self_put(svc_txn *t, const svc_self *self);

/* A new store id, written to meta (the identity's store_id): peers'
 * positions in this node's log start over. */
int svc_store_new_id(svc_txn *t);

/* The map's reservation and how much of it is in use, in bytes. */
int svc_store_map_get(svc_txn *t, uint64_t *size, uint64_t *used);

/* ------------------------------------------------------------ backup and installation */

/* Write a compacted, consistent copy of the store to `path` (a new file:
 * an existing one is refused with SVC_EEXIST) while other processes keep
 * using it. The copy holds the store only: the node's secret key is a
 * separate file. *bytes receives the file's size. */
int svc_store_backup(svc_store *s, const char *path, uint64_t *bytes);

/*
 * Install the store file `from` as the store of `dir` (no process may have
 * the store open: the caller holds the daemon lock). A copy is opened first
 * and `mark` run on it in a write transaction (it checks the copy and marks
 * it); only then does the copy replace the old store, which is kept as
 * data.mdb.before-restore. See svc_restore_install() in svc_journal.h.
 */
int svc_store_install(const char *dir, const char *from, svc_write_fn mark, void *arg);

#endif

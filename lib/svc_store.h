/*
 * svc_store: a node's LMDB store, its change log and materialized state.
 *
 * The only module that includes lmdb.h. One LMDB environment per node
 * directory, opened with LMDB's default durable flags (never MDB_NOSYNC or
 * MDB_WRITEMAP): a committed write survives a power cut. Several processes
 * (the daemon and any number of CLI invocations) may use one store at once;
 * LMDB serializes writers.
 *
 * Every write is a change (svc_types.h) stored in one write transaction
 * together with its effect on the materialized state, its hash chain link and
 * its entry in the arrival log, so a change is never half-stored. See the
 * essay at the top of svc_store.c for the layout of the databases.
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

#include "svc_rules.h"
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
 * key, received from its upstream (see "Restores" in svc_store.c). */
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

/* ------------------------------------------------------------ writing changes */

/*
 * Append a change originated here. Fills origin, seq, hlc, prev_hash and the
 * origin's role and region from the store's identity, then validates,
 * authorizes and folds it. If any layer refuses, returns the error with a
 * one-line reason (svc_errmsg) and stores nothing; the transaction stays
 * usable. On success c holds the stored change.
 */
int svc_local_append(svc_txn *t, svc_change *c);

/*
 * Apply a change that arrived from elsewhere, in its original encoding
 * `bytes` (decoded into *c by the caller). Checks it continues its origin's
 * chain (seq = head + 1 and prev_hash = head hash), that the claimed role and
 * region match the origin's certificate in the directory (not enforced when
 * the origin is unknown and `trust_unknown` is set: used by tests and by HQ's
 * own certificates bootstrap), validates, authorizes and folds it.
 *
 * Returns 0 when stored (accepted or stored-as-rejected by its fold),
 * 1 when it was already here (no-op), or a negative code with a reason when
 * it must not be stored (the caller quarantines it). `hash` receives the
 * change's hash.
 */
int svc_store_apply(svc_txn *t, const uint8_t *bytes, size_t len, const svc_change *c,
		    bool trust_unknown, uint8_t hash[SVC_HASH_LEN]);

/* The same, for a caller that has hashed the bytes already (`hashed`: hash
 * holds their BLAKE2b-256 on entry). */
int svc_store_apply_hashed(svc_txn *t, const uint8_t *bytes, size_t len, const svc_change *c,
			   bool trust_unknown, bool hashed, uint8_t hash[SVC_HASH_LEN]);

/* Advance the node's HLC past a remote value (on receipt). */
int svc_hlc_observe(svc_txn *t, uint64_t remote);
/* This node's HLC (the highest clock it has issued or seen). */
int svc_hlc_get(svc_txn *t, uint64_t *hlc);
/* Wall-clock-based HLC for a new local event. */
uint64_t svc_hlc_now_ms(void);

/* ------------------------------------------------------------ reading state */

int svc_ticket_get(svc_txn *t, const char *id, svc_ticket *out);
int svc_claim_get(svc_txn *t, const char *id, svc_claim *out);
int svc_transfer_get(svc_txn *t, const char *id, svc_transfer *out);
int svc_catalog_get(svc_txn *t, const char *part_no, svc_catalog_item *out);
int svc_node_get(svc_txn *t, const char *node, svc_node *out);
int svc_stock_get(svc_txn *t, const char *location, const char *part_no, svc_stock *out);

/* Iteration: the callback returns 0 to go on, non-zero to stop (that value is
 * returned). Values passed to callbacks are valid only during the call. */
typedef int (*svc_ticket_cb)(const svc_ticket *t, void *arg);
typedef int (*svc_claim_cb)(const svc_claim *c, void *arg);
typedef int (*svc_transfer_cb)(const svc_transfer *x, void *arg);
typedef int (*svc_catalog_cb)(const svc_catalog_item *c, void *arg);
typedef int (*svc_node_cb)(const svc_node *n, void *arg);
typedef int (*svc_stock_cb)(const char *location, const char *part_no, const svc_stock *s,
			    void *arg);

int svc_ticket_each(svc_txn *t, svc_ticket_cb cb, void *arg);
/* Tickets without their opening fields (kind, customer, phone, address,
 * product, serial, purchased, fault are empty): what a list needs to filter
 * and sort, without reading every ticket's opening change. */
int svc_ticket_each_brief(svc_txn *t, svc_ticket_cb cb, void *arg);
int svc_claim_each(svc_txn *t, svc_claim_cb cb, void *arg);
int svc_transfer_each(svc_txn *t, svc_transfer_cb cb, void *arg);
int svc_catalog_each(svc_txn *t, svc_catalog_cb cb, void *arg);
int svc_node_each(svc_txn *t, svc_node_cb cb, void *arg);
/* location NULL: all locations. */
int svc_stock_each(svc_txn *t, const char *location, svc_stock_cb cb, void *arg);

/* A stored change with its bookkeeping. */
typedef struct {
	svc_change c;
	uint64_t lsn;           /* position in this node's arrival log */
	bool rejected;
	char reason[SVC_REASON_LEN];
	uint8_t hash[SVC_HASH_LEN];
	const uint8_t *bytes;   /* as first encoded; valid during the callback */
	size_t len;
} svc_logged_change;

typedef int (*svc_change_cb)(const svc_logged_change *lc, void *arg);

/* The arrival log, newest first. */
int svc_log_each_desc(svc_txn *t, svc_change_cb cb, void *arg);
/* The arrival log from lsn `from` (inclusive) upward. */
int svc_log_each_from(svc_txn *t, uint64_t from, svc_change_cb cb, void *arg);
/* The arrival log from lsn `from`, asking want(lsn, origin, seq) before
 * loading and decoding each entry; entries it refuses are skipped. */
typedef bool (*svc_log_want_fn)(uint64_t lsn, const char *origin, uint64_t seq, void *arg);
int svc_log_each_from_want(svc_txn *t, uint64_t from, svc_log_want_fn want, svc_change_cb cb,
			   void *arg);
/* One aggregate's changes in fold order. */
int svc_agg_each(svc_txn *t, const char *aggregate, svc_change_cb cb, void *arg);
/* One change by identity, with its original bytes if bytes != NULL
 * (bytes valid until the transaction ends). */
int svc_change_get(svc_txn *t, const char *origin, uint64_t seq, svc_logged_change *out,
		   const uint8_t **bytes, size_t *len);

/* The changes of one origin that are stored here, in seq order (a filtered
 * receiver holds some of them: the walk costs what is stored, never the
 * distance between seqs). */
int svc_origin_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg);

/* Per-origin head: highest seq stored and its hash (seq 0 when the origin is
 * unknown). */
int svc_head_get(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN]);
/* `contig`: every change of the origin 1..contig is stored here (a filtered
 * receiver holds an origin's changes with gaps; upward streams have none). */
typedef int (*svc_head_cb)(const char *origin, uint64_t seq, const uint8_t hash[SVC_HASH_LEN],
			   uint64_t contig, void *arg);
int svc_head_each(svc_txn *t, svc_head_cb cb, void *arg);

/* The stored hash of one change (SVC_ENOTFOUND when absent). */
int svc_change_hash(svc_txn *t, const char *origin, uint64_t seq, uint8_t hash[SVC_HASH_LEN]);

/* Last lsn of the arrival log (0 when empty). */
int svc_log_last(svc_txn *t, uint64_t *lsn);

/* Counts for status output. */
typedef struct {
	uint64_t changes, tickets, claims, rejected, lsn, map_size, map_used;
} svc_store_stats;
int svc_store_stats_get(svc_txn *t, svc_store_stats *out);

/* ------------------------------------------------------------ replication bookkeeping */

/* What this node knows about a linked peer. Written in the same transaction
 * as the batch it describes, so a checkpoint never runs ahead of the data. */
typedef struct {
	char node[SVC_ID_LEN];
	uint8_t store_id[16];  /* the peer's store the checkpoints refer to */
	uint64_t recv_lsn;     /* how far this node holds the peer's log */
	uint64_t acked_lsn;    /* how far the peer acknowledged this node's log */
	uint64_t last_seen_ms; /* last batch or ack exchanged */
} svc_peer;

/* Zero-filled (recv_lsn 0) with node set when the peer is unknown. */
int svc_peer_get(svc_txn *t, const char *node, svc_peer *out);
int svc_peer_put(svc_txn *t, const svc_peer *p);
typedef int (*svc_peer_cb)(const svc_peer *p, void *arg);
int svc_peer_each(svc_txn *t, svc_peer_cb cb, void *arg);

/* Signed commits (encoded Commit bytes) by (origin, first..last seq). */
int svc_commit_put(svc_txn *t, const char *origin, uint64_t first, uint64_t last,
		   const uint8_t *bytes, size_t len);
/* The commit covering (origin, seq): SVC_ENOTFOUND when none. bytes valid
 * until the transaction ends. */
int svc_commit_find(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
		    size_t *len, uint64_t *first, uint64_t *last);
/* The first commit of the origin whose last seq is >= seq, whether or not
 * it covers seq (SVC_ENOTFOUND when none). */
int svc_commit_next(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
		    size_t *len, uint64_t *first, uint64_t *last);
/* The origin's latest commit: last seq covered (0 if none) and its bytes. */
int svc_commit_latest(svc_txn *t, const char *origin, uint64_t *last, const uint8_t **bytes,
		      size_t *len);

/* Quarantine: a change refused on receipt, with the authenticated peer that
 * sent it and the reason. */
typedef struct {
	uint64_t id;
	uint64_t at_ms;
	char peer[SVC_ID_LEN];
	char reason[SVC_REASON_LEN];
	const uint8_t *bytes; /* the change as received; valid during the callback */
	size_t len;
} svc_quarantined;

int svc_quarantine_put(svc_txn *t, const char *peer, const char *reason, const uint8_t *bytes,
		       size_t len);
typedef int (*svc_quarantine_cb)(const svc_quarantined *q, void *arg);
int svc_quarantine_each(svc_txn *t, svc_quarantine_cb cb, void *arg);
int svc_quarantine_count(svc_txn *t, uint64_t *n);

/* ------------------------------------------------------------ backup and restore
 *
 * See "Restores" at the top of svc_store.c for the mechanism. */

/* Write a compacted, consistent copy of the store to `path` (a new file:
 * an existing one is refused with SVC_EEXIST) while other processes keep
 * using it. The copy holds the store only: the node's secret key is a
 * separate file. *bytes receives the file's size. */
int svc_store_backup(svc_store *s, const char *path, uint64_t *bytes);

/*
 * Install the backup `from` as the store of `dir` (no process may have the
 * store open: the caller holds the daemon lock). The backup must be of the
 * node whose public key is `pubkey` (the directory's node.key). The store
 * gets a new store id and is marked restored, writes blocked, before it
 * replaces the old one, which is kept as data.mdb.before-restore. *out
 * receives the installed store's identity.
 */
int svc_store_install(const char *dir, const char *from, const uint8_t pubkey[SVC_PK_LEN],
		      svc_self *out);

typedef struct {
	bool blocked;       /* local writes refused until the node has caught up */
	bool target_known;  /* the upstream said how far it holds this node */
	bool detected;      /* noticed from the upstream's summary (a plain copy) */
	uint64_t target;    /* highest seq of this node's origin the upstream holds */
	uint64_t head;      /* this node's own head */
	uint64_t confirmed; /* own seqs 1..confirmed are known to be the network's */
	bool confirmed_known; /* false in a store written before confirmations */
	/* A HELLO to the upstream lists this node's own origin at
	 * min(head, confirmed), so the upstream sends back what lies above and a
	 * store that went back in time and wrote again is caught by the first
	 * own change that differs. */
	uint64_t replay;    /* own changes kept aside for `svcsync restore --replay` */
} svc_restore_state;

typedef enum {
	SVC_RESTORE_NONE,
	SVC_RESTORE_DETECTED,  /* the store turned out to be an older copy: now blocked */
	SVC_RESTORE_CAUGHT_UP, /* own head reached the target: writes unblocked */
} svc_restore_event;

int svc_restore_get(svc_txn *t, svc_restore_state *out);
/* The upstream's HELLO says it holds this node's origin through seq
 * `upstream_has`: detect a restore behind svcsync's back (and give the store
 * a new store id), learn the target, or unblock. */
int svc_restore_hello(svc_txn *t, uint64_t upstream_has, svc_restore_event *ev);
/* The upstream holds this node's own seq `seq` exactly as this store does
 * (it acknowledged it without quarantine, or sent it back unchanged): by the
 * hash chain, so it holds 1..seq too. */
int svc_restore_confirm(svc_txn *t, uint64_t seq);
/* After a batch from the upstream: unblock once the target is reached. */
int svc_restore_progress(svc_txn *t, svc_restore_event *ev);
/* 0 when local writes are allowed, else SVC_EDENIED with the one-line
 * reason for the user. */
int svc_restore_refusal(svc_txn *t);

/* The replay table: own changes moved aside, oldest first, with their id.
 * The change is valid during the callback. */
typedef int (*svc_replay_cb)(svc_txn *t, uint64_t id, const svc_change *c, void *arg);
int svc_replay_each(svc_txn *t, svc_replay_cb cb, void *arg);
int svc_replay_del(svc_txn *t, uint64_t id);

/* Changes held out of the fold by their origin's revocation cut-off (stored,
 * chained and signed like any other, recorded as rejected with a reason
 * starting SVC_HELD_PREFIX), in (origin, seq) order; origin NULL for every
 * origin. A release (SVC_CK_QUARANTINE_RELEASE) folds them again. */
#define SVC_HELD_PREFIX "held by the revocation of "
int svc_held_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg);

#endif

/*
 * svc_journal: what the store remembers about changes, as opposed to what
 * they fold to (svc_fold.h).
 *
 * The changes themselves with their hashes, the per-origin heads, the arrival
 * log (the order this node stored changes in, which shipping follows), the
 * fold-order index, the fold's rejections, signed commits, the quarantine,
 * the node's clocks (HLC and arrival lsn), the replication checkpoints of its
 * peers, and the restore state with its replay table. It sits on the store's
 * key/value layer (store_kv.h) and never folds: the apply pipeline
 * (svc_apply.h) decides what enters it, and the fold reads it.
 */
#ifndef SVC_JOURNAL_H
#define SVC_JOURNAL_H

#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ clocks */

/* Advance the node's HLC past a remote value (on receipt). */
int svc_journal_hlc_observe(svc_txn *t, uint64_t remote);
/* This node's HLC (the highest clock it has issued or seen). */
int svc_journal_hlc_get(svc_txn *t, uint64_t *hlc);
/* The next local HLC: wall clock when it is ahead, else last + 1, so a clock
 * that steps back never reorders this node's own changes. */
int svc_journal_hlc_next(svc_txn *t, uint64_t *out);
/* Wall-clock-based HLC for a new local event. */
uint64_t svc_journal_now_ms(void);

/* ------------------------------------------------------------ changes */

/* A stored change with its bookkeeping. */
typedef struct {
	svc_change c;
	uint64_t lsn; /* position in this node's arrival log */
	bool rejected;
	char reason[SVC_REASON_LEN];
	uint8_t hash[SVC_HASH_LEN];
	const uint8_t *bytes; /* as first encoded; valid during the callback */
	size_t len;
} svc_logged_change;

/* Store a change's bytes (as encoded by its origin) with its hash, its
 * arrival entry and its fold index entry. Heads are the caller's
 * (svc_journal_head_set). */
int svc_journal_put(svc_txn *t, const svc_change *c, const uint8_t *bytes, size_t len,
                    const uint8_t hash[SVC_HASH_LEN]);

typedef int (*svc_change_cb)(const svc_logged_change *lc, void *arg);

/* The arrival log, newest first. */
int svc_journal_each_desc(svc_txn *t, svc_change_cb cb, void *arg);
/* The arrival log from lsn `from` (inclusive) upward. */
int svc_journal_each_from(svc_txn *t, uint64_t from, svc_change_cb cb, void *arg);
/* The arrival log from lsn `from`, asking want(lsn, origin, seq) before
 * loading and decoding each entry; entries it refuses are skipped. */
typedef bool (*svc_journal_want_fn)(uint64_t lsn, const char *origin, uint64_t seq, void *arg);
int svc_journal_each_from_want(svc_txn *t, uint64_t from, svc_journal_want_fn want,
                               svc_change_cb cb, void *arg);
/* Last lsn of the arrival log (0 when empty). */
int svc_journal_last(svc_txn *t, uint64_t *lsn);

/* One aggregate's changes in fold order. */
int svc_journal_agg_each(svc_txn *t, const char *aggregate, svc_change_cb cb, void *arg);
/* The same, decoded only (no bookkeeping), for the fold. */
typedef int (*svc_journal_walk_fn)(const svc_change *c, void *arg);
int svc_journal_agg_walk(svc_txn *t, const char *aggregate, svc_journal_walk_fn fn, void *arg);
/* Is any change of c's aggregate after c in fold order? */
int svc_journal_agg_has_later(svc_txn *t, const svc_change *c, bool *later);
/* The stored changes of one origin from seq `from` on, decoded, in seq order. */
int svc_journal_origin_walk(svc_txn *t, const char *origin, uint64_t from, svc_journal_walk_fn fn,
                            void *arg);

/* One change by identity, with its original bytes if bytes != NULL
 * (bytes valid until the transaction ends). */
int svc_journal_change_get(svc_txn *t, const char *origin, uint64_t seq, svc_logged_change *out,
                           const uint8_t **bytes, size_t *len);

/* The changes of one origin that are stored here, in seq order (a filtered
 * receiver holds some of them: the walk costs what is stored, never the
 * distance between seqs). */
int svc_journal_origin_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg);

/* The stored hash of one change (SVC_ENOTFOUND when absent). */
int svc_journal_change_hash(svc_txn *t, const char *origin, uint64_t seq,
                            uint8_t hash[SVC_HASH_LEN]);

/* ------------------------------------------------------------ heads */

/* Per-origin head: highest seq stored and its hash (seq 0 when the origin is
 * unknown). */
int svc_journal_head_get(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN]);
/* The same with `contig`: every change of the origin 1..contig is stored
 * here (a filtered receiver holds an origin's changes with gaps; upward
 * streams have none). */
int svc_journal_head_load(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN],
                          uint64_t *contig);
/* Set the origin's head (cached in the transaction, written at commit). */
void svc_journal_head_set(svc_txn *t, const char *origin, uint64_t seq,
                          const uint8_t hash[SVC_HASH_LEN], uint64_t contig);
typedef int (*svc_head_cb)(const char *origin, uint64_t seq, const uint8_t hash[SVC_HASH_LEN],
                           uint64_t contig, void *arg);
int svc_journal_head_each(svc_txn *t, svc_head_cb cb, void *arg);

/* ------------------------------------------------------------ rejections */

/* The fold's verdicts that refused a stored change. reason may be NULL. */
int svc_journal_reject_get(svc_txn *t, const char *origin, uint64_t seq, char *reason, size_t cap,
                           bool *rejected);
int svc_journal_reject_put(svc_txn *t, const svc_change *c, const char *reason);
int svc_journal_reject_del(svc_txn *t, const svc_change *c);

/* Changes held out of the fold by their origin's revocation cut-off (stored,
 * chained and signed like any other, recorded as rejected with a reason
 * starting SVC_HELD_PREFIX), in (origin, seq) order; origin NULL for every
 * origin. A release (SVC_CK_QUARANTINE_RELEASE) folds them again. */
#define SVC_HELD_PREFIX "held by the revocation of "
int svc_journal_held_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg);

/* ------------------------------------------------------------ status */

/* Counts for status output. */
typedef struct {
	uint64_t changes, tickets, claims, rejected, lsn, map_size, map_used;
} svc_journal_stats;
int svc_journal_stats_get(svc_txn *t, svc_journal_stats *out);

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
int svc_journal_commit_put(svc_txn *t, const char *origin, uint64_t first, uint64_t last,
                           const uint8_t *bytes, size_t len);
/* The commit covering (origin, seq): SVC_ENOTFOUND when none. bytes valid
 * until the transaction ends. */
int svc_journal_commit_find(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
                            size_t *len, uint64_t *first, uint64_t *last);
/* The first commit of the origin whose last seq is >= seq, whether or not
 * it covers seq (SVC_ENOTFOUND when none). */
int svc_journal_commit_next(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
                            size_t *len, uint64_t *first, uint64_t *last);
/* The origin's latest commit: last seq covered (0 if none) and its bytes. */
int svc_journal_commit_latest(svc_txn *t, const char *origin, uint64_t *last, const uint8_t **bytes,
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

/* ------------------------------------------------------------ restores
 *
 * See "Restores" at the top of svc_journal_restore.c for the mechanism. */

/*
 * Install the backup `from` as the store of `dir` (no process may have the
 * store open: the caller holds the daemon lock). The backup must be of the
 * node whose public key is `pubkey` (the directory's node.key). The store
 * gets a new store id and is marked restored, writes blocked, before it
 * replaces the old one, which is kept as data.mdb.before-restore. *out
 * receives the installed store's identity.
 */
int svc_restore_install(const char *dir, const char *from, const uint8_t pubkey[SVC_PK_LEN],
                        svc_self *out);

typedef struct {
	bool blocked;         /* local writes refused until the node has caught up */
	bool target_known;    /* the upstream said how far it holds this node */
	bool detected;        /* noticed from the upstream's summary (a plain copy) */
	uint64_t target;      /* highest seq of this node's origin the upstream holds */
	uint64_t head;        /* this node's own head */
	uint64_t confirmed;   /* own seqs 1..confirmed are known to be the network's */
	bool confirmed_known; /* false in a store written before confirmations */
	/* A HELLO to the upstream lists this node's own origin at
	 * min(head, confirmed), so the upstream sends back what lies above and a
	 * store that went back in time and wrote again is caught by the first
	 * own change that differs. */
	uint64_t replay; /* own changes kept aside for `svcsync restore --replay` */
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
 * reason for the user. Asked once per transaction: a bulk import asks once. */
int svc_restore_refusal(svc_txn *t);
/* The network's version of own seq `seq` differs from this store's: block
 * writes until the network's history is back, under a new store id. */
int svc_restore_diverged(svc_txn *t, uint64_t seq);

/*
 * Move this node's own changes `from`..head out of the log into the replay
 * table, with their arrival, index, reject and commit entries, and set the
 * head to from - 1. moved(c, rejected, arg) is called for each change before
 * it goes, so the caller can take its fold effects back. The caller stores
 * the network's change for `from` next, in the same transaction.
 */
typedef int (*svc_journal_moved_fn)(const svc_change *c, bool rejected, void *arg);
int svc_journal_replay_move(svc_txn *t, const char *origin, uint64_t from,
                            svc_journal_moved_fn moved, void *arg);

/* The replay table: own changes moved aside, oldest first, with their id.
 * The change is valid during the callback. */
typedef int (*svc_replay_cb)(svc_txn *t, uint64_t id, const svc_change *c, void *arg);
int svc_replay_each(svc_txn *t, svc_replay_cb cb, void *arg);
int svc_replay_del(svc_txn *t, uint64_t id);

#endif

/*
 * svc_sync: replication between two stores, with no sockets inside.
 *
 * What travels on a link is built and applied here; svc_proto decides when,
 * and the daemon (lib/svc_daemon.c) moves the bytes over svc_transport.
 * Keeping this free of ZeroMQ means the whole replication path (commits,
 * read isolation, verification, exactly-once apply) is tested by handing
 * batches from one store to another in memory.
 *
 *  - svc_sync_commit_local() signs this node's unsigned changes into commits
 *    (one Ed25519 signature per run of up to SVC_COMMIT_CHANGES_MAX changes).
 *  - svc_sync_build() scans this node's arrival log after a position, keeps
 *    what the peer may see (read isolation, DESIGN.md section 5) and what it
 *    does not hold yet, and encodes a BATCH with the commits the changes need.
 *  - svc_sync_apply() verifies a received BATCH (commit signatures, hashes)
 *    and passes each change to svc_apply_remote() (svc_apply.h), in one write
 *    transaction that ends with the new checkpoint for that peer; changes that
 *    fail verification or authorization go to quarantine and the rest flows.
 */
#ifndef SVC_SYNC_H
#define SVC_SYNC_H

#include "svc_apply.h"
#include "svc_codec.h"
#include "svc_crypto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sign every local change not yet covered by a commit. *made (may be NULL)
 * receives the number of commits written. */
int svc_sync_commit_local(svc_store *s, const svc_keypair *kp, size_t *made);

/* How this node sees a linked peer: from the peer's certificate. */
typedef struct {
	char node[SVC_ID_LEN];
	uint32_t role;
	char region[SVC_ID_LEN];
	bool upstream; /* the peer is this node's upstream */
} svc_peer_view;

/* Look the peer up in the directory (HQ's own entry included). */
int svc_sync_peer_view(svc_txn *t, const char *peer, bool upstream, svc_peer_view *out);

/* May the peer see this change? (read isolation + nothing sent back where it
 * came from). */
bool svc_sync_visible(svc_txn *t, const svc_peer_view *pv, const svc_change *c);

/* The receiver's summary: origins it holds completely up to seq. Sorted by
 * origin so the sender can binary-search it. */
typedef struct {
	size_t n;
	svc_origin_head *heads;
} svc_heads;

void svc_heads_free(svc_heads *h);
/* This node's summary, for its HELLO. */
int svc_sync_heads(svc_txn *t, svc_heads *out);
/* The summary for a HELLO to the peer: upward the whole of it (the
 * upstream may see everything); downward only the origins of the peer's own
 * subtree (itself and the nodes below it), the only ones it ships back and
 * so the only ones it can use, and never another branch's activity. */
int svc_sync_heads_for(svc_txn *t, const svc_peer_view *pv, svc_heads *out);
/* Copy and sort a received summary. */
int svc_heads_from_hello(const svc_hello *h, svc_heads *out);

typedef struct {
	size_t max_changes; /* per batch */
	size_t max_bytes;   /* per batch, changes + commits */
	size_t max_scan;    /* log entries examined per call, to bound latency */
} svc_build_limits;

typedef struct {
	uint64_t to_lsn; /* log scanned through; the peer's next checkpoint */
	size_t nchanges;
	size_t ncommits;
	bool more;         /* stopped on a limit with log left to scan */
	bool blocked;      /* stopped at a local change not yet committed */
	uint64_t own_last; /* highest seq of this node's own changes in it (0: none) */
} svc_build_result;

/*
 * Build the BATCH after `after_lsn` for the peer, encoded as an Envelope in
 * a malloc'ed buffer (*msg; NULL when there is nothing to send and the scan
 * did not move). `skip` (may be NULL) is the peer's summary.
 */
int svc_sync_build(svc_store *s, const svc_peer_view *pv, uint64_t after_lsn, const svc_heads *skip,
                   const svc_build_limits *lim, uint64_t batch_id, uint8_t **msg, size_t *len,
                   svc_build_result *res);

typedef struct {
	uint32_t applied, duplicates, quarantined;
	uint32_t forks; /* quarantined: (origin, seq) held here with another hash */
	uint32_t gaps;  /* 1 when the batch was refused for a hole (see below) */
	uint64_t to_lsn;
	bool directory_changed;            /* a certificate or revocation was applied */
	char first_reason[SVC_REASON_LEN]; /* of the first quarantined change */
	char first_fork[SVC_REASON_LEN];   /* of the first fork */
} svc_sync_result;

/*
 * Apply a received batch from `peer` (the authenticated node id) in one
 * write transaction, with the peer's checkpoint. `pv` describes the peer:
 * changes from a downstream peer must originate at it or below it.
 *
 * `peer_head` is the log head the peer announced for this session: a batch
 * whose to_lsn lies beyond it is refused (SVC_EINVAL, nothing applied), and
 * the checkpoint stored never exceeds it; one stored earlier beyond it (pushed
 * there, or the peer's log started over) is replaced by the batch's to_lsn.
 *
 * A change that (origin, seq) names here with another hash is a fork: it is
 * quarantined as such, never taken for a duplicate. From a downstream peer,
 * whose stream is unfiltered, each origin's seqs must be dense, so nothing is
 * folded past a hole: a signed change above its origin's held head + 1
 * (counting the earlier changes of the batch) is quarantined when a seq
 * between is in quarantine here, and otherwise refuses the whole batch
 * (SVC_EINVAL, res->gaps = 1, nothing applied, checkpoint kept) so that the
 * peer sends it again from where this node stands.
 */
int svc_sync_apply_bounded(svc_store *s, const svc_peer_view *pv, const uint8_t peer_store_id[16],
                           uint64_t peer_head, const svc_batch *b, svc_sync_result *res);

/* svc_sync_apply_bounded() with the batch's own to_lsn as the head, for
 * callers with no HELLO to bound it (in-memory replication in tests). */
int svc_sync_apply(svc_store *s, const svc_peer_view *pv, const uint8_t peer_store_id[16],
                   const svc_batch *b, svc_sync_result *res);

/* What svc_sync_verify found in a store. */
typedef struct {
	uint64_t origins, changes;
	uint64_t bad_hash;             /* stored bytes do not hash to the stored hash */
	uint64_t broken_chain;         /* prev_hash does not name the previous change */
	uint64_t gaps;                 /* seqs missing below an origin's head (normal
	                                  for origins this node sees filtered) */
	uint64_t commits, bad_commits; /* signature or hash list does not match */
	uint64_t uncommitted;          /* local changes not signed yet */
	char first_problem[SVC_REASON_LEN];
} svc_verify_report;

/*
 * Check a whole store: every change's hash against its bytes, every chain
 * link where both changes are held, and every commit's signature (with the
 * origin's certified key) and its hash list against the changes held.
 * Returns 0 when it could read everything (problems are in the report).
 */
int svc_sync_verify(svc_store *s, svc_verify_report *r);

#endif

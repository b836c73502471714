/*
 * svc_apply: the one way a change enters a store.
 *
 * Every change, whether written here (a CLI command, an enrollment, a
 * replay), received in a network batch or read from an export file, passes
 * the same steps in one write transaction:
 *
 *   dedup -> chain -> certificate -> validate -> authorize -> fold -> journal
 *
 * dedup and chain compare it with what the journal holds of its origin; the
 * certificate step checks the claimed role and region against the origin's
 * directory entry (and a certificate change against HQ's key); validate and
 * authorize are the merge rules' layers 1 and 2 (svc_rules.h) followed by
 * the checks that read other aggregates (a region dispatches only to its
 * shops, a shop claims only for its own tickets); the fold (svc_fold.h)
 * decides the change's verdict at its place in order. A local change is
 * built here (origin, seq, hlc, chain link), so it needs no dedup, chain or
 * certificate step, and a refusal at any step stores nothing. The sync layer
 * (svc_sync.h) adds the last step, the peer's checkpoint, in the same
 * transaction after its batch.
 */
#ifndef SVC_APPLY_H
#define SVC_APPLY_H

#include "svc_fold.h"
#include "svc_journal.h"
#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Append a change originated here. Fills origin, seq, hlc, prev_hash and the
 * origin's role and region from the store's identity, then validates,
 * authorizes and folds it. If any layer refuses, returns the error with a
 * one-line reason (svc_errmsg) and stores nothing; the transaction stays
 * usable. On success c holds the stored change.
 */
int svc_apply_local(svc_txn *t, svc_change *c);

/*
 * Apply a change that arrived from elsewhere, in its original encoding
 * `bytes` (decoded into *c by the caller). Checks it continues its origin's
 * chain (seq = head + 1 and prev_hash = head hash), that the claimed role and
 * region match the origin's certificate in the directory (not enforced when
 * the origin is unknown and `trust_unknown` is set: used by tests and by HQ's
 * own certificates bootstrap), validates, authorizes and folds it. With
 * `hashed`, hash holds the bytes' BLAKE2b-256 on entry (a caller that has
 * hashed them already); otherwise it receives it.
 *
 * Returns 0 when stored (accepted or stored-as-rejected by its fold),
 * 1 when it was already here (no-op), or a negative code with a reason when
 * it must not be stored (the caller quarantines it).
 */
int svc_apply_remote(svc_txn *t, const uint8_t *bytes, size_t len, const svc_change *c,
                     bool trust_unknown, bool hashed, uint8_t hash[SVC_HASH_LEN]);

#endif

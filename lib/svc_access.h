/*
 * svc_access: who may connect to this node, and as whom.
 *
 * A listening node admits a CURVE client key only when the node directory
 * holds a valid certificate for it (not revoked, within not_before and
 * not_after) whose node hangs directly below this node or below one of its
 * direct children. The answer to a handshake is the node id the key is
 * certified for: the transport hands it to ZAP as the User-Id, and from then
 * on the peer is that node, whatever its messages say.
 *
 * The table is built from a copy of the directory and then consulted by key
 * without touching the store, so a handshake costs one binary search. It
 * is rebuilt when the directory changes and when a certificate in it ends;
 * a rebuild remembers the nodes a key of which left the table (revoked,
 * expired, replaced by a superseding certificate) so that the node can close
 * every connection made with such a key.
 *
 * Peers are told apart by their key alone, so two nodes must never share
 * one (HQ refuses to certify a key twice). Should a directory still hold
 * one key for two valid nodes, the key admits neither: the table fails
 * closed rather than pick one of them.
 *
 * What this module is not: it holds no sockets (the transport runs the ZAP
 * handler and calls back here), and it never writes the directory.
 */
#ifndef SVC_ACCESS_H
#define SVC_ACCESS_H

#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct svc_access svc_access;

/* An empty table (nobody may connect). Caller owns the result. */
int svc_access_new(svc_access **out);
void svc_access_destroy(svc_access **a);

/* May directory entry n connect to node `self` at wall time now_ms? up is
 * n's upstream's entry (NULL when it is not in the directory). Pure. */
bool svc_access_may_connect(const char *self, const svc_node *n, const svc_node *up,
                            uint64_t now_ms);

/*
 * Replace the table with the keys of the n entries of `dir` (a whole
 * directory; upstreams are looked up in it) that may connect to `self` at
 * now_ms. Keys of the old table that are gone or now name another node are
 * remembered for svc_access_drain_gone. On error the old table stays.
 */
int svc_access_rebuild(svc_access *a, const svc_node *dir, size_t n, const char *self,
                       uint64_t now_ms);

/* The same, from the directory in the store (a read transaction will do). */
int svc_access_load(svc_access *a, svc_txn *t, const char *self, uint64_t now_ms);

/*
 * Which node may connect with CURVE public key pk at wall time now_ms: 0 and
 * its id in node, or -1 and why not (one line) in reason. A certificate that
 * ended after the last rebuild is refused here already.
 */
int svc_access_lookup(const svc_access *a, const uint8_t pk[SVC_CURVE_KEY_LEN], uint64_t now_ms,
                      char node[SVC_ID_LEN], char *reason, size_t rlen);

/* Does any key of `node` admit it? */
bool svc_access_admits(const svc_access *a, const char *node);

/* Keys in the table, and the earliest not_after among them (0: none). */
size_t svc_access_count(const svc_access *a);
uint64_t svc_access_expiry(const svc_access *a);

/* Call fn for each node a key of which left the table in the rebuilds since
 * the last call (a node may come twice), then forget them. */
void svc_access_drain_gone(svc_access *a, void (*fn)(const char *node, void *arg), void *arg);

#endif

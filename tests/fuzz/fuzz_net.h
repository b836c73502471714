/*
 * fuzz_net: a small real network for the fuzz targets that need stores.
 *
 * hq, region-e and shop-a (a shop of region-e), created with the real
 * identity functions in a scratch directory, enrolled by HQ, and HQ's
 * directory shipped down so every node knows the others. The node ids are
 * fixed because the seed corpora name them: gen_corpus builds its seeds on
 * the same network. Stores stay open until fuzz_net_close.
 */
#ifndef SVC_FUZZ_NET_H
#define SVC_FUZZ_NET_H

#include "svc_crypto.h"
#include "svc_apply.h"
#include "svc_sync.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FUZZ_HQ, FUZZ_REGION, FUZZ_SHOP, FUZZ_NNODES };

typedef struct {
	const char *id;
	uint32_t role;
	const char *region;   /* as svc_identity_init takes it */
	const char *upstream; /* "" at HQ */
	char dir[SVC_PATH_MAX];
	svc_store *s;
	svc_keypair *kp;
	uint8_t store_id[SVC_STORE_ID_LEN];
	int idx;                    /* FUZZ_HQ, ... */
	uint64_t sent[FUZZ_NNODES]; /* this node's log shipped to each node so far */
} fuzz_node;

/* Create and enroll the network under a fresh scratch directory. Aborts on
 * failure: a target without its network cannot run at all. */
void fuzz_net_create(const char *tag, fuzz_node net[FUZZ_NNODES]);
/* Close the stores and free the keys (the directory goes at exit). */
void fuzz_net_close(fuzz_node net[FUZZ_NNODES]);

/* How `at` sees `peer` on their link. */
int fuzz_net_view(fuzz_node *at, const fuzz_node *peer, svc_peer_view *pv);

/* Sign `from`'s local changes and ship everything it has for `to`, BATCH by
 * BATCH, as the daemon would. Each encoded BATCH is handed to `each` (may be
 * NULL) before it is applied. Aborts when a step fails. */
typedef void (*fuzz_batch_fn)(const uint8_t *msg, size_t len, void *arg);
void fuzz_net_ship(fuzz_node *from, fuzz_node *to, size_t max_changes, fuzz_batch_fn each,
                   void *arg);

/*
 * Snapshots: a node's store as it was after set-up, so that every fuzz
 * input starts from the same state and a crash reproduces from its input
 * alone. Taking one closes the node's store; opening one writes the saved
 * data.mdb to a working directory and opens it (caller closes).
 */
typedef struct {
	char dir[4300];
	uint8_t *data;
	size_t len;
} fuzz_snapshot;

void fuzz_snapshot_take(fuzz_node *n, fuzz_snapshot *snap);
svc_store *fuzz_snapshot_open(const fuzz_snapshot *snap);

/*
 * Forging: what a node holding an origin's key, or anyone handing over an
 * export file (which carries no signatures), can make of a list of changes.
 * Every change that decodes is re-chained as its origin would have written
 * it (prev_hash set to the hash of the same origin's seq - 1 earlier in the
 * list, or to the store's head of that origin when it continues it) and
 * re-encoded; the rest are kept as they are. So fuzzed field values reach
 * validation, authorization and the folds instead of stopping at the chain.
 */
typedef struct {
	size_t n;
	bool *ok;                      /* change i decoded */
	svc_change *c;                 /* change i decoded and re-chained */
	svc_blob *bytes;               /* change i re-encoded (as given when !ok) */
	uint8_t (*hash)[SVC_HASH_LEN]; /* of bytes[i] */
	uint8_t **own;                 /* the re-encodings, malloc'ed */
} fuzz_forged;

void fuzz_forge(svc_store *s, const svc_blob *in, size_t n, fuzz_forged *out);
void fuzz_forged_free(fuzz_forged *f);

#endif

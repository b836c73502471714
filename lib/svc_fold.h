/*
 * svc_fold: the fold engine. It turns an aggregate's changes, in fold order
 * (hlc, origin, seq), into its materialized state, its rejections and its
 * stock effects, and keeps them right when a change arrives late or a
 * revocation moves what is held.
 *
 * Separate from the journal because it is the one place the merge rules
 * (svc_rules.h) meet storage, and separate from storage because the same
 * driver must run over the store and over memory: tests/test_merge.c feeds it
 * every order of its change sets through an in-memory backend and checks that
 * every order folds to the same bytes. The driver sees storage only through
 * svc_fold_backend; the store's backend (svc_fold_store.c) keeps states in
 * the state databases and walks the journal's fold-order index.
 *
 * Every record kind has one entry in the kind table (svc_fold_kind_of):
 * adding a kind is one rules file and one entry.
 */
#ifndef SVC_FOLD_H
#define SVC_FOLD_H

#include "svc_rules.h"
#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ kinds */

typedef struct svc_fold_kind {
	svc_agg_type type;
	const char *name;  /* "ticket", for messages */
	int db;            /* its state database in the store (store_kv.h); -1 for a ledger */
	size_t state_size; /* 0 for a ledger: entries with no state, folded in any order */
	/* The codec's encoding of the state (svc_codec.h). */
	int (*encode)(const void *state, uint8_t *buf, size_t cap, size_t *len);
	int (*decode)(const uint8_t *buf, size_t len, void *state);
	/* The pure transition rules (svc_rules.h). */
	const svc_rules *rules;
	/* Stock effects of an accepted change (svc_rules_stock_effects). */
	int (*effects)(const svc_change *c, svc_stock_delta out[2]);
} svc_fold_kind;

/* The kind of an aggregate type; NULL for SVC_AGG_NONE and unknown types. */
const svc_fold_kind *svc_fold_kind_of(svc_agg_type type);

/* Any kind's state, for buffers. */
typedef union {
	svc_ticket t;
	svc_claim c;
	svc_transfer x;
	svc_catalog_item p;
	svc_node n;
} svc_fold_state;

/* ------------------------------------------------------------ the backend */

/* A walk's callback: 0 to go on, non-zero to stop (that value is returned). */
typedef int (*svc_fold_walk_fn)(const svc_change *c, void *arg);

/*
 * Where the driver keeps what it folds. Every function returns 0 or an
 * error; after an error the backend may refuse everything (the store's
 * transaction is sticky-failed). A backend holds the changes themselves too
 * (the journal, for the store): a change is recorded there before
 * svc_fold_change() is called for it, except a local one, which is folded
 * first so that a refusal leaves nothing behind.
 */
typedef struct svc_fold_backend {
	/* state zeroed and *exists false when the aggregate has no state */
	int (*state_load)(void *ctx, const svc_fold_kind *k, const char *agg, void *state,
			  bool *exists);
	int (*state_save)(void *ctx, const svc_fold_kind *k, const char *agg, const void *state);
	int (*state_del)(void *ctx, const svc_fold_kind *k, const char *agg);
	/* Is any recorded change of c's aggregate after c in fold order? */
	int (*has_later)(void *ctx, const svc_change *c, bool *later);
	/* The aggregate's recorded changes in fold order. */
	int (*agg_walk)(void *ctx, const char *agg, svc_fold_walk_fn fn, void *arg);
	/* The recorded changes of an origin from seq `from`, in seq order. */
	int (*origin_walk)(void *ctx, const char *origin, uint64_t from, svc_fold_walk_fn fn,
			   void *arg);
	int (*reject_get)(void *ctx, const svc_change *c, bool *rejected);
	int (*reject_put)(void *ctx, const svc_change *c, const char *reason);
	int (*reject_del)(void *ctx, const svc_change *c);
	int (*stock_add)(void *ctx, const svc_stock_delta *d, int sign);
	/* Is `origin` this node? (its own changes are never held here) */
	bool (*is_self)(void *ctx, const char *origin);
	/* The backend's sticky error, 0 if none. */
	int (*err)(void *ctx);
} svc_fold_backend;

typedef struct {
	const svc_fold_backend *ops;
	void *ctx;
} svc_fold;

/* The store's backend over a write (or, for loads, read) transaction. */
svc_fold svc_fold_store(svc_txn *t);

/* ------------------------------------------------------------ the driver */

/*
 * Fold c, already recorded (or, `local`, about to be). The common case is
 * one step onto the aggregate's state; a change that lands before what its
 * aggregate has folded makes the aggregate fold again from its first change,
 * reconciling every change's stored verdict and stock effects. When `local`
 * is set, a rejection is returned as SVC_EREJECT (reason set) and nothing is
 * written; otherwise it is recorded. A directory change that moves the point
 * from which a node's changes are held (its revocation, a release, a
 * re-issued certificate) folds that node's affected changes again too.
 */
int svc_fold_change(const svc_fold *f, const svc_change *c, bool local, char *reason,
		    size_t rlen);

/* Fold an aggregate again from its first recorded change (after changes
 * left it). */
int svc_fold_refold(const svc_fold *f, svc_agg_type type, const char *agg);

/* Apply (sign +1) or take back (-1) the stock effects of c. */
int svc_fold_effects(const svc_fold *f, const svc_change *c, int sign);

/* The state of an aggregate, through the backend (*exists false if none). */
int svc_fold_load(const svc_fold *f, svc_agg_type type, const char *agg, void *state,
		  bool *exists);

/* ------------------------------------------------------------ reading state (the store's) */

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

#endif

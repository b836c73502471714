/*
 * svc_fold: the fold driver and the kind table. See svc_fold.h.
 *
 * Folding. A change whose fold position is after the aggregate's last folded
 * position (the common case: every local write, and replicated changes that
 * arrive in causal order) is one step. A change that lands earlier in the
 * order (a late arrival from a node that was offline) triggers a re-fold of
 * that aggregate from its first change; changes whose verdict flips have their
 * stock effects applied or reversed, so stock stays the sum of accepted moves.
 *
 * Holds. A revoked node's changes above the revocation's cut-off (the last
 * seq of it HQ held) are stored like any other, with their bytes, chain and
 * commits, but folded as rejected with a reason starting SVC_HELD_PREFIX,
 * whatever their HLC: the node's clock is not evidence once its key may be
 * in other hands, its seqs are. Keeping them, rather than refusing them on
 * receipt, is what lets every node hold the same ones (a node that applied
 * some before the revocation reached it folds their aggregates again in the
 * revocation's transaction), lets them travel up to HQ for review, and lets
 * a release (which raises the cut-off) fold them back in place on every
 * node, chain and signatures checked once, on arrival.
 *
 * The driver reaches storage only through the backend (svc_fold.h), so the
 * same code folds in the store and in tests/test_merge.c's memory.
 */
#include "svc_fold.h"

#include "rules_impl.h"
#include "store_kv.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ kinds */

#define KIND(type_, name_, db_, ctype_, enc_, dec_, rules_)                                     \
	[type_] = {                                                                             \
		type_,                                                                          \
		name_,                                                                          \
		db_,                                                                            \
		sizeof(ctype_),                                                                 \
		(int (*)(const void *, uint8_t *, size_t, size_t *))enc_,                       \
		(int (*)(const uint8_t *, size_t, void *))dec_,                                 \
		&rules_,                                                                        \
		svc_rules_stock_effects,                                                              \
	}

static const svc_fold_kind kinds[SVC_AGG_MAX_] = {
	KIND(SVC_AGG_TICKET, "ticket", SVC_DB_TICKETS, svc_ticket, svc_ticket_encode,
	     svc_ticket_decode, svc_rules_ticket),
	KIND(SVC_AGG_CLAIM, "claim", SVC_DB_CLAIMS, svc_claim, svc_claim_encode, svc_claim_decode,
	     svc_rules_claim),
	KIND(SVC_AGG_TRANSFER, "transfer", SVC_DB_TRANSFERS, svc_transfer, svc_transfer_encode,
	     svc_transfer_decode, svc_rules_transfer),
	KIND(SVC_AGG_CATALOG, "part", SVC_DB_CATALOG, svc_catalog_item, svc_catalog_encode,
	     svc_catalog_decode, svc_rules_catalog),
	KIND(SVC_AGG_NODE, "node", SVC_DB_NODES, svc_node, svc_node_encode, svc_node_decode,
	     svc_rules_node),
	/* Part moves: a ledger, no state. */
	[SVC_AGG_MOVE] = {SVC_AGG_MOVE, "move", -1, 0, NULL, NULL, &svc_rules_move,
			  svc_rules_stock_effects},
};

const svc_fold_kind *svc_fold_kind_of(svc_agg_type type)
{
	if (type <= SVC_AGG_NONE || type >= SVC_AGG_MAX_)
		return NULL;
	return &kinds[type];
}

/* ------------------------------------------------------------ the driver */

#define OPS(f) ((f)->ops)

int svc_fold_effects(const svc_fold *f, const svc_change *c, int sign)
{
	svc_stock_delta d[2];
	const svc_fold_kind *k = svc_fold_kind_of(svc_rules_agg_type(c));
	int n = k ? k->effects(c, d) : svc_rules_stock_effects(c, d);
	for (int i = 0; i < n; i++) {
		int rc = OPS(f)->stock_add(f->ctx, &d[i], sign);
		if (rc)
			return rc;
	}
	return 0;
}

int svc_fold_load(const svc_fold *f, svc_agg_type type, const char *agg, void *state,
		  bool *exists)
{
	const svc_fold_kind *k = svc_fold_kind_of(type);
	if (!k || !k->state_size)
		return svc_errf(SVC_EINVAL, "aggregate %s has no state", agg);
	return OPS(f)->state_load(f->ctx, k, agg, state, exists);
}

/*
 * Is c above the cut-off of its origin's revocation? Then it stays out of
 * the fold (1, with the reason), whatever its HLC, until a release raises
 * the cut-off. A node's own changes are not held in its own store: the
 * cut-off is for what the others accept from it.
 */
static int held_by_cutoff(const svc_fold *f, const svc_change *c, char *reason, size_t rlen)
{
	svc_node n;
	char nagg[SVC_AGG_LEN];
	bool have;
	if (OPS(f)->is_self(f->ctx, c->origin))
		return 0;
	svc_rules_node_agg(nagg, c->origin);
	int rc = OPS(f)->state_load(f->ctx, &kinds[SVC_AGG_NODE], nagg, &n, &have);
	if (rc)
		return rc;
	if (!have || c->seq <= n.cutoff_seq || (!n.revoked && c->seq > n.held_through))
		return 0;
	if (n.revoked)
		snprintf(reason, rlen, SVC_HELD_PREFIX "%s (cut-off seq %llu): %.120s", c->origin,
			 (unsigned long long)n.cutoff_seq, n.revoke_reason);
	else
		snprintf(reason, rlen,
			 SVC_HELD_PREFIX "%s (cut-off seq %llu): work of its superseded key "
					 "(through seq %llu)",
			 c->origin, (unsigned long long)n.cutoff_seq,
			 (unsigned long long)n.held_through);
	return 1;
}

/* The fold's verdict on c: 0 accepted, non-zero rejected (reason set), or a
 * negative store error from the cut-off check. */
static int verdict_of(const svc_fold *f, const svc_rules *rules, void *state, bool exists,
		      const svc_change *c, bool local, char *reason, size_t rlen, bool *failed)
{
	*failed = false;
	if (!local) {
		int h = held_by_cutoff(f, c, reason, rlen);
		if (h < 0)
			*failed = true;
		if (h)
			return h;
	}
	return rules->step(state, exists, c, reason, rlen);
}

struct refold {
	const svc_fold *f;
	const svc_fold_kind *kind;
	svc_fold_state state, scratch;
	bool exists;
};

/* One step of a re-fold: compute the verdict afresh and reconcile it with
 * the stored one (rejection and stock effects). */
static int refold_step(const svc_change *c, void *arg)
{
	struct refold *r = arg;
	const svc_fold *f = r->f;
	char reason[SVC_REASON_LEN] = "";
	bool was_rejected, failed;
	int rc = OPS(f)->reject_get(f->ctx, c, &was_rejected);
	if (rc)
		return rc;
	memcpy(&r->scratch, &r->state, r->kind->state_size);
	int verdict = verdict_of(f, r->kind->rules, &r->scratch, r->exists, c, false, reason,
				 sizeof reason, &failed);
	if (failed)
		return verdict;
	if (verdict == 0) {
		memcpy(&r->state, &r->scratch, r->kind->state_size);
		r->exists = true;
		if (was_rejected) {
			OPS(f)->reject_del(f->ctx, c);
			svc_fold_effects(f, c, +1);
		}
	} else {
		if (!reason[0])
			snprintf(reason, sizeof reason, "rejected");
		OPS(f)->reject_put(f->ctx, c, reason);
		if (!was_rejected)
			svc_fold_effects(f, c, -1);
	}
	return OPS(f)->err(f->ctx);
}

/* Fold an aggregate again from its first change, reconciling each change's
 * stored verdict with the new one. */
static int refold_agg(const svc_fold *f, const svc_fold_kind *k, const char *agg)
{
	struct refold r;
	r.f = f;
	r.kind = k;
	memset(&r.state, 0, sizeof r.state);
	r.exists = false;
	int rc = OPS(f)->agg_walk(f->ctx, agg, refold_step, &r);
	if (rc)
		return rc;
	if (r.exists)
		return OPS(f)->state_save(f->ctx, k, agg, &r.state);
	return OPS(f)->state_del(f->ctx, k, agg);
}

int svc_fold_refold(const svc_fold *f, svc_agg_type type, const char *agg)
{
	const svc_fold_kind *k = svc_fold_kind_of(type);
	if (!k || k->state_size == 0)
		return 0;
	return refold_agg(f, k, agg);
}

static int fold(const svc_fold *f, const svc_change *c, bool local, char *reason, size_t rlen)
{
	const svc_fold_kind *k = svc_fold_kind_of(svc_rules_agg_type(c));
	if (!k)
		return svc_errf(SVC_EINVAL, "change %s/%llu: unknown kind", c->origin,
				(unsigned long long)c->seq);
	const svc_rules *rules = k->rules;
	reason[0] = '\0';

	bool failed;
	if (k->state_size == 0) {
		/* Ledger entries: no state, order does not matter. */
		int v = verdict_of(f, rules, NULL, false, c, local, reason, rlen, &failed);
		if (failed)
			return v;
		if (v && local)
			return svc_errf(SVC_EREJECT, "%s", reason);
		if (v)
			return OPS(f)->reject_put(f->ctx, c, reason[0] ? reason : "rejected");
		return svc_fold_effects(f, c, +1);
	}

	svc_fold_state state, scratch;
	bool exists, later;
	int rc = OPS(f)->state_load(f->ctx, k, c->aggregate, &state, &exists);
	if (!rc)
		rc = OPS(f)->has_later(f->ctx, c, &later);
	if (rc)
		return rc;
	/* The state alone cannot tell: an aggregate with no state yet may
	 * already hold rejected changes that come later in fold order (a
	 * shop's accept that arrived before the region's open). */
	if (!later) {
		memcpy(&scratch, &state, k->state_size);
		int v = verdict_of(f, rules, &scratch, exists, c, local, reason, rlen, &failed);
		if (failed)
			return v;
		if (v) {
			if (!reason[0])
				snprintf(reason, rlen, "rejected");
			if (local)
				return svc_errf(SVC_EREJECT, "%s", reason);
			return OPS(f)->reject_put(f->ctx, c, reason);
		}
		OPS(f)->state_save(f->ctx, k, c->aggregate, &scratch);
		return svc_fold_effects(f, c, +1);
	}

	/* A late arrival: fold the aggregate again from its first change. A
	 * new change counts as "was accepted" until its verdict is known, so
	 * seed it as rejected to get its effects applied exactly once. */
	if (local)
		return svc_errf(SVC_EREJECT, "local change out of fold order");
	OPS(f)->reject_put(f->ctx, c, "pending");
	return refold_agg(f, k, c->aggregate);
}

/* ------------------------------------------------------------ holds */

struct held_agg {
	char agg[SVC_AGG_LEN];
	svc_agg_type type;
};

static int held_agg_cmp(const void *a, const void *b)
{
	const struct held_agg *x = a, *y = b;
	int c = strcmp(x->agg, y->agg);
	return c ? c : (int)x->type - (int)y->type;
}

/* Fold one ledger entry (no aggregate state) again and reconcile its stored
 * verdict and stock effects. */
static int refold_ledger(const svc_fold *f, const svc_rules *rules, const svc_change *c)
{
	char reason[SVC_REASON_LEN] = "";
	bool was_rejected, failed;
	int rc = OPS(f)->reject_get(f->ctx, c, &was_rejected);
	if (rc)
		return rc;
	int v = verdict_of(f, rules, NULL, false, c, false, reason, sizeof reason, &failed);
	if (failed)
		return v;
	if (v == 0 && was_rejected) {
		OPS(f)->reject_del(f->ctx, c);
		svc_fold_effects(f, c, +1);
	} else if (v) {
		OPS(f)->reject_put(f->ctx, c, reason[0] ? reason : "rejected");
		if (!was_rejected)
			svc_fold_effects(f, c, -1);
	}
	return OPS(f)->err(f->ctx);
}

struct hold_walk {
	const svc_fold *f;
	struct held_agg *aggs;
	size_t naggs, cap;
};

static int hold_step(const svc_change *c, void *arg)
{
	struct hold_walk *h = arg;
	const svc_fold_kind *k = svc_fold_kind_of(svc_rules_agg_type(c));
	if (!k)
		return 0;
	if (k->state_size == 0)
		return refold_ledger(h->f, k->rules, c);
	if (h->naggs == h->cap) {
		size_t ncap = h->cap ? 2 * h->cap : 16;
		struct held_agg *nv = realloc(h->aggs, ncap * sizeof *nv);
		if (!nv)
			return svc_errf(SVC_ENOMEM, "out of memory");
		h->aggs = nv;
		h->cap = ncap;
	}
	snprintf(h->aggs[h->naggs].agg, sizeof h->aggs[h->naggs].agg, "%s", c->aggregate);
	h->aggs[h->naggs++].type = k->type;
	return 0;
}

/*
 * A revocation, a release or a re-issued certificate moved the point from
 * which `origin`'s changes are held: fold again every aggregate that holds a
 * change of it from seq `from` on, so that changes applied before the
 * revocation arrived here leave the fold (and released ones re-enter it) in
 * the same transaction as the directory change. Ledger entries are folded
 * again as they are met (the walk stays valid: they write other records);
 * aggregates are collected first, sorted and folded once each.
 */
static int hold_refold(const svc_fold *f, const char *origin, uint64_t from)
{
	struct hold_walk h = {f, NULL, 0, 0};
	int out = OPS(f)->origin_walk(f->ctx, origin, from, hold_step, &h);
	if (h.naggs)
		qsort(h.aggs, h.naggs, sizeof *h.aggs, held_agg_cmp);
	for (size_t i = 0; i < h.naggs && !out; i++) {
		if (i && held_agg_cmp(&h.aggs[i], &h.aggs[i - 1]) == 0)
			continue;
		out = refold_agg(f, &kinds[h.aggs[i].type], h.aggs[i].agg);
	}
	free(h.aggs);
	return out ? out : OPS(f)->err(f->ctx);
}

int svc_fold_change(const svc_fold *f, const svc_change *c, bool local, char *reason,
		    size_t rlen)
{
	if (svc_rules_agg_type(c) != SVC_AGG_NODE)
		return fold(f, c, local, reason, rlen);
	const svc_fold_kind *nk = &kinds[SVC_AGG_NODE];
	svc_node before, after;
	bool had, has;
	int rc = OPS(f)->state_load(f->ctx, nk, c->aggregate, &before, &had);
	if (!rc)
		rc = fold(f, c, local, reason, rlen);
	if (!rc)
		rc = OPS(f)->state_load(f->ctx, nk, c->aggregate, &after, &has);
	if (rc)
		return rc;
	/* What is held is (cutoff, held_through], or everything above the
	 * cutoff while revoked: when that changes, fold again from the lower
	 * of the two cut-offs. */
	uint64_t h0 = had && (before.revoked || before.held_through > before.cutoff_seq)
			  ? before.cutoff_seq
			  : UINT64_MAX;
	uint64_t h1 = has && (after.revoked || after.held_through > after.cutoff_seq)
			  ? after.cutoff_seq
			  : UINT64_MAX;
	uint64_t low = h0 < h1 ? h0 : h1;
	bool same = h0 == h1 && (!had || !has ||
				 (before.revoked == after.revoked &&
				  before.held_through == after.held_through));
	if (same || low == UINT64_MAX)
		return 0;
	return hold_refold(f, has ? after.node : before.node, low + 1);
}

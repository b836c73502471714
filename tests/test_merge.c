/*
 * test_merge: the convergence rule of DESIGN.md section 3, checked over
 * every order of its inputs.
 *
 * Two nodes that hold the same set of changes must hold byte-identical
 * materialized state and have rejected the same changes for the same
 * reasons, whatever order the changes arrived in. This test holds the
 * store's own fold driver (lib/svc_fold.c) to that, run over an in-memory
 * backend that records changes the way the journal does, in two ways:
 *
 *  - batch: the whole set sorted by (hlc, origin, seq) with svc_rules_order_cmp, so
 *    every change is one step onto its aggregate's state;
 *  - incremental: changes fed in arrival order through svc_fold_change(), the
 *    entry the store uses; one that lands before what its aggregate has
 *    folded makes the driver fold the aggregate again from its first change,
 *    reconciling the verdicts and stock effects that flip.
 *
 * Every change is either accepted or rejected with a reason, never dropped.
 * Small sets (up to 8 changes) are fed in every permutation, the large one
 * (a ticket's whole life, a claim's return and resubmission, a concurrent
 * reassignment, conflicting concurrent status changes, transfers, the
 * catalog and the directory) in a few thousand random orders. States are
 * compared as raw structs (all state starts zeroed and the rules keep string
 * buffers zero-filled) and as the codec's encoding, which is what the store
 * keeps.
 */
#include "rules_fixture.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_rules.h"
#include "testlib.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#define MAXC 64   /* changes in one set */
#define MAXAGG 32 /* aggregates one set touches */
#define MAXSTOCK 16

typedef svc_fold_state any_state;

typedef struct {
	svc_agg_type type;
	char id[SVC_AGG_LEN];
	bool exists;
	any_state st;
	/* the memory journal: this aggregate's changes in fold order (set indices) */
	int nidx;
	int idx[MAXC];
} agg;

typedef struct {
	char location[SVC_ID_LEN];
	char part_no[SVC_PART_LEN];
	svc_stock s;
} stock_line;

typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t seq;
	char reason[SVC_REASON_LEN];
} rejection;

/* A secondary index entry (the fold's `indexes`), as the store keeps it. */
#define MAXIX 64
typedef struct {
	char name[SVC_FOLD_INDEX_NAME_LEN];
	char value[SVC_FOLD_INDEX_VALUE_LEN];
	char agg[SVC_AGG_LEN];
} index_entry;

/* A monthly tally (the fold's `tallies`), as the store keeps it. */
#define MAXTALLY 16
typedef struct {
	uint32_t month;
	char name[SVC_FOLD_TALLY_NAME_LEN];
	char scope[SVC_ID_LEN];
	int64_t value;
} tally_line;

typedef struct {
	int naggs;
	agg aggs[MAXAGG];
	int nix;
	index_entry ix[MAXIX];
	int ntally;
	tally_line tally[MAXTALLY];
	int nview; /* after result_canon: the aggregates that exist, by (type, id) */
	const agg *view[MAXAGG];
	int nstock;
	stock_line stock[MAXSTOCK];
	int nrej;
	rejection rej[MAXC];
	int naccepted;
} result;

typedef struct {
	const char *name;
	int n;
	svc_change c[MAXC];
	/* per origin: next seq */
	struct {
		const char *id;
		uint64_t seq;
	} seqs[8];
} change_set;

/* ------------------------------------------------------------ the fold, in memory */

/*
 * The memory backend of svc_fold.h. It records changes the way the journal
 * does (each aggregate's changes in fold order) and keeps states, stock and
 * rejections in a result; the fold itself is lib/svc_fold.c's, the store's.
 * Changes are the set's own (a change's index in it names its verdict).
 */
typedef struct {
	result *r;
	const svc_change *base; /* the set's changes */
	int nbase;
	int n; /* recorded, in arrival order */
	int log[MAXC];
	bool rejected[MAXC];
	char why[MAXC][SVC_REASON_LEN];
	/* the dependency index: deps[i] read `read[i]`, last at pos[i] */
	int ndeps;
	svc_fold_ref dep[MAXAGG * 2], read[MAXAGG * 2];
	svc_fold_pos dpos[MAXAGG * 2];
} mem_store;

static int cmp_change_ptr(const void *pa, const void *pb)
{
	const svc_change *a = *(const svc_change *const *)pa;
	const svc_change *b = *(const svc_change *const *)pb;
	return svc_rules_order_cmp(a->hlc, a->origin, a->seq, b->hlc, b->origin, b->seq);
}

static agg *lookup_agg(result *r, svc_agg_type t, const char *id)
{
	for (int i = 0; i < r->naggs; i++)
		if (r->aggs[i].type == t && strcmp(r->aggs[i].id, id) == 0)
			return &r->aggs[i];
	return NULL;
}

static agg *find_agg(result *r, svc_agg_type t, const char *id)
{
	agg *a = lookup_agg(r, t, id);
	if (a)
		return a;
	if (r->naggs == MAXAGG) {
		fprintf(stderr, "test_merge: more than %d aggregates\n", MAXAGG);
		exit(2);
	}
	const svc_fold_kind *k = svc_fold_kind_of(t);
	if (!k) {
		fprintf(stderr, "test_merge: change for %s has no aggregate type\n", id);
		exit(2);
	}
	a = &r->aggs[r->naggs++];
	a->type = t;
	snprintf(a->id, sizeof a->id, "%s", id);
	a->exists = false;
	a->nidx = 0;
	/* Only the state's own bytes: this runs for every aggregate of every order. */
	memset(&a->st, 0, k->state_size);
	return a;
}

/* The index of a change of the set. */
static int mem_index(const mem_store *m, const svc_change *c)
{
	if (c >= m->base && c < m->base + m->nbase)
		return (int)(c - m->base);
	for (int i = 0; i < m->nbase; i++)
		if (m->base[i].seq == c->seq && strcmp(m->base[i].origin, c->origin) == 0)
			return i;
	fprintf(stderr, "test_merge: %s/%" PRIu64 " is not in the set\n", c->origin, c->seq);
	exit(2);
}

static int mem_state_load(void *ctx, const svc_fold_kind *k, const char *id, void *state,
                          bool *exists)
{
	mem_store *m = ctx;
	const agg *a = lookup_agg(m->r, k->type, id);
	*exists = a && a->exists;
	if (*exists)
		memcpy(state, &a->st, k->state_size);
	else
		memset(state, 0, k->state_size);
	return 0;
}

static int mem_state_save(void *ctx, const svc_fold_kind *k, const char *id, const void *state)
{
	mem_store *m = ctx;
	agg *a = find_agg(m->r, k->type, id);
	memcpy(&a->st, state, k->state_size);
	a->exists = true;
	return 0;
}

static int mem_state_del(void *ctx, const svc_fold_kind *k, const char *id)
{
	mem_store *m = ctx;
	agg *a = lookup_agg(m->r, k->type, id);
	if (a) {
		memset(&a->st, 0, k->state_size);
		a->exists = false;
	}
	return 0;
}

static int mem_has_later(void *ctx, const svc_change *c, bool *later)
{
	mem_store *m = ctx;
	const agg *a = lookup_agg(m->r, svc_rules_agg_type(c), c->aggregate);
	*later = false;
	for (int k = a ? a->nidx - 1 : -1; k >= 0 && !*later; k--) {
		const svc_change *d = &m->base[a->idx[k]];
		*later = d != c && cmp_change_ptr(&d, &c) > 0;
	}
	return 0;
}

static int mem_agg_walk(void *ctx, const char *id, svc_fold_walk_fn fn, void *arg)
{
	mem_store *m = ctx;
	const agg *a = NULL;
	for (int i = 0; i < m->r->naggs && !a; i++)
		if (strcmp(m->r->aggs[i].id, id) == 0)
			a = &m->r->aggs[i];
	for (int k = 0; a && k < a->nidx; k++) {
		int rc = fn(&m->base[a->idx[k]], arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_seq_ptr(const void *pa, const void *pb)
{
	const svc_change *a = *(const svc_change *const *)pa;
	const svc_change *b = *(const svc_change *const *)pb;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int mem_origin_walk(void *ctx, const char *origin, uint64_t from, svc_fold_walk_fn fn,
                           void *arg)
{
	mem_store *m = ctx;
	const svc_change *v[MAXC];
	int n = 0;
	for (int i = 0; i < m->n; i++) {
		const svc_change *c = &m->base[m->log[i]];
		if (c->seq >= from && strcmp(c->origin, origin) == 0)
			v[n++] = c;
	}
	qsort(v, (size_t)n, sizeof v[0], cmp_seq_ptr);
	for (int i = 0; i < n; i++) {
		int rc = fn(v[i], arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int mem_reject_get(void *ctx, const svc_change *c, bool *rejected)
{
	mem_store *m = ctx;
	*rejected = m->rejected[mem_index(m, c)];
	return 0;
}

static int mem_reject_put(void *ctx, const svc_change *c, const char *reason)
{
	mem_store *m = ctx;
	int i = mem_index(m, c);
	m->rejected[i] = true;
	snprintf(m->why[i], sizeof m->why[i], "%s", reason);
	return 0;
}

static int mem_reject_del(void *ctx, const svc_change *c)
{
	mem_store *m = ctx;
	int i = mem_index(m, c);
	m->rejected[i] = false;
	m->why[i][0] = '\0';
	return 0;
}

static int mem_stock_add(void *ctx, const svc_stock_delta *d, int sign)
{
	mem_store *m = ctx;
	result *r = m->r;
	stock_line *l = NULL;
	for (int i = 0; i < r->nstock && !l; i++)
		if (strcmp(r->stock[i].location, d->location) == 0 &&
		    strcmp(r->stock[i].part_no, d->part_no) == 0)
			l = &r->stock[i];
	if (!l) {
		if (r->nstock == MAXSTOCK) {
			fprintf(stderr, "test_merge: more than %d stock lines\n", MAXSTOCK);
			exit(2);
		}
		l = &r->stock[r->nstock++];
		memset(l, 0, sizeof *l);
		memcpy(l->location, d->location, sizeof l->location);
		memcpy(l->part_no, d->part_no, sizeof l->part_no);
	}
	l->s.on_hand += sign * d->on_hand;
	l->s.defective += sign * d->defective;
	l->s.in_transit_in += sign * d->in_transit_in;
	return 0;
}

/* No store of its own: nothing is this node's, every change may be held. */
static bool mem_is_self(void *ctx, const char *origin)
{
	(void)ctx;
	(void)origin;
	return false;
}

static int mem_err(void *ctx)
{
	(void)ctx;
	return 0;
}

static int mem_has_after(void *ctx, const char *id, const svc_fold_pos *p, bool *later)
{
	mem_store *m = ctx;
	*later = false;
	for (int i = 0; i < m->r->naggs; i++) {
		const agg *a = &m->r->aggs[i];
		if (strcmp(a->id, id) != 0 || a->nidx == 0)
			continue;
		const svc_change *d = &m->base[a->idx[a->nidx - 1]];
		*later =
		    svc_rules_order_cmp(d->hlc, d->origin, d->seq, p->hlc, p->origin, p->seq) > 0;
	}
	return 0;
}

static int mem_deps_put(void *ctx, const svc_fold_ref *read, const svc_fold_ref *dep,
                        const svc_fold_pos *p)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->ndeps; i++)
		if (strcmp(m->read[i].agg, read->agg) == 0 &&
		    strcmp(m->dep[i].agg, dep->agg) == 0) {
			const svc_fold_pos *o = &m->dpos[i];
			if (svc_rules_order_cmp(o->hlc, o->origin, o->seq, p->hlc, p->origin,
			                        p->seq) < 0)
				m->dpos[i] = *p;
			return 0;
		}
	if (m->ndeps == MAXAGG * 2) {
		fprintf(stderr, "test_merge: more than %d dependencies\n", MAXAGG * 2);
		exit(2);
	}
	m->read[m->ndeps] = *read;
	m->dep[m->ndeps] = *dep;
	m->dpos[m->ndeps++] = *p;
	return 0;
}

static int mem_deps_each(void *ctx, const char *id, svc_fold_deps_fn fn, void *arg)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->ndeps; i++)
		if (strcmp(m->read[i].agg, id) == 0) {
			int rc = fn(&m->dep[i], &m->dpos[i], arg);
			if (rc)
				return rc;
		}
	return 0;
}

/* No kind of the store's table keeps indexes or tallies yet: those members
 * stay NULL (tests/test_fold.c covers them with kinds of its own). */
static int cmp_ix(const void *pa, const void *pb)
{
	const index_entry *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	if (!c)
		c = strcmp(a->value, b->value);
	return c ? c : strcmp(a->agg, b->agg);
}

static int mem_index_put(void *ctx, const char *name, const char *value, const char *id)
{
	mem_store *m = ctx;
	result *r = m->r;
	index_entry e;
	memset(&e, 0, sizeof e);
	snprintf(e.name, sizeof e.name, "%s", name);
	snprintf(e.value, sizeof e.value, "%s", value);
	snprintf(e.agg, sizeof e.agg, "%s", id);
	for (int i = 0; i < r->nix; i++)
		if (cmp_ix(&r->ix[i], &e) == 0)
			return 0;
	if (r->nix == MAXIX) {
		fprintf(stderr, "test_merge: more than %d index entries\n", MAXIX);
		exit(2);
	}
	r->ix[r->nix++] = e;
	return 0;
}

static int mem_index_del(void *ctx, const char *name, const char *value, const char *id)
{
	mem_store *m = ctx;
	result *r = m->r;
	for (int i = 0; i < r->nix; i++) {
		if (strcmp(r->ix[i].name, name) == 0 && strcmp(r->ix[i].value, value) == 0 &&
		    strcmp(r->ix[i].agg, id) == 0) {
			r->ix[i] = r->ix[--r->nix];
			return 0;
		}
	}
	return 0;
}

/* complaints: the first kind with tallies in these sets */
static int mem_tally_add(void *ctx, uint32_t month, const char *name, const char *scope,
                         int64_t delta)
{
	mem_store *m = ctx;
	result *r = m->r;
	for (int i = 0; i < r->ntally; i++) {
		tally_line *l = &r->tally[i];
		if (l->month == month && strcmp(l->name, name) == 0 &&
		    strcmp(l->scope, scope) == 0) {
			l->value += delta;
			return 0;
		}
	}
	if (r->ntally == MAXTALLY) {
		fprintf(stderr, "test_merge: more than %d tallies\n", MAXTALLY);
		exit(2);
	}
	tally_line *l = &r->tally[r->ntally++];
	memset(l, 0, sizeof *l);
	l->month = month;
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(l->scope, sizeof l->scope, "%s", scope);
	l->value = delta;
	return 0;
}

static const svc_fold_backend mem_backend = {
    .state_load = mem_state_load,
    .state_save = mem_state_save,
    .state_del = mem_state_del,
    .has_later = mem_has_later,
    .agg_walk = mem_agg_walk,
    .origin_walk = mem_origin_walk,
    .reject_get = mem_reject_get,
    .reject_put = mem_reject_put,
    .reject_del = mem_reject_del,
    .stock_add = mem_stock_add,
    .is_self = mem_is_self,
    .err = mem_err,
    .has_after = mem_has_after,
    .deps_put = mem_deps_put,
    .deps_each = mem_deps_each,
    .index_put = mem_index_put,
    .index_del = mem_index_del,
    .tally_add = mem_tally_add,
};

static mem_store g_mem;

static void result_reset(result *r)
{
	r->naggs = r->nstock = r->nrej = r->naccepted = r->nix = r->ntally = 0;
}

/* Record c as the journal does (its aggregate's changes in fold order) and
 * fold it through the store's entry. */
static void mem_apply(mem_store *m, const svc_change *c)
{
	int i = mem_index(m, c);
	agg *a = find_agg(m->r, svc_rules_agg_type(c), c->aggregate);
	int pos = a->nidx;
	while (pos > 0) {
		const svc_change *d = &m->base[a->idx[pos - 1]];
		if (cmp_change_ptr(&d, &c) <= 0)
			break;
		pos--;
	}
	memmove(&a->idx[pos + 1], &a->idx[pos], (size_t)(a->nidx - pos) * sizeof a->idx[0]);
	a->idx[pos] = i;
	a->nidx++;
	m->log[m->n++] = i;
	m->rejected[i] = false;
	m->why[i][0] = '\0';
	svc_fold f = {&mem_backend, m, NULL};
	char why[SVC_REASON_LEN];
	int rc = svc_fold_change(&f, c, false, why, sizeof why);
	if (rc)
		fprintf(stderr, "fold %s/%" PRIu64 ": %s\n", c->origin, c->seq, svc_errmsg());
	CHECK_INT(rc, 0);
}

/* Fold `in` (changes of the set `base`) in the order given, through
 * svc_fold_change() over memory, into r. */
static void fold_order(const svc_change *base, int nbase, const svc_change *const *in, int n,
                       result *r)
{
	mem_store *m = &g_mem;
	result_reset(r);
	m->r = r;
	m->base = base;
	m->nbase = nbase;
	m->n = 0;
	m->ndeps = 0;
	for (int i = 0; i < n; i++)
		mem_apply(m, in[i]);
	for (int i = 0; i < m->n; i++) {
		int j = m->log[i];
		if (!m->rejected[j]) {
			r->naccepted++;
			continue;
		}
		rejection *x = &r->rej[r->nrej++];
		snprintf(x->origin, sizeof x->origin, "%s", base[j].origin);
		x->seq = base[j].seq;
		snprintf(x->reason, sizeof x->reason, "%s", m->why[j]);
	}
}

/* Batch: the whole set sorted by (hlc, origin, seq), so every change lands
 * after what its aggregate has folded: one step each. */
static void fold_batch(const svc_change *base, int nbase, const svc_change *const *in, int n,
                       result *r)
{
	const svc_change *v[MAXC];
	memcpy(v, in, (size_t)n * sizeof *v);
	qsort(v, (size_t)n, sizeof *v, cmp_change_ptr);
	fold_order(base, nbase, v, n, r);
}

/* Incremental: arrival order, as a store receives them; a change that lands
 * before what its aggregate has folded makes the fold fold it again. */
static void fold_incremental(const svc_change *base, int nbase, const svc_change *const *in, int n,
                             result *r)
{
	fold_order(base, nbase, in, n, r);
}

/* ------------------------------------------------------------ canonical form */

static int cmp_agg(const agg *a, const agg *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int cmp_stock(const void *pa, const void *pb)
{
	const stock_line *a = pa, *b = pb;
	int c = strcmp(a->location, b->location);
	return c ? c : strcmp(a->part_no, b->part_no);
}

static int cmp_rej(const void *pa, const void *pb)
{
	const rejection *a = pa, *b = pb;
	int c = strcmp(a->origin, b->origin);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_tally(const void *pa, const void *pb)
{
	const tally_line *a = pa, *b = pb;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->scope, b->scope);
}

/* Sort the parts of a result so that two results can be compared. Aggregates
 * that never accepted a change and all-zero stock lines are dropped: they
 * hold nothing, and which of them a driver happened to create depends on the
 * order it saw changes in. */
static void result_canon(result *r)
{
	/* Insertion sort of pointers: a handful of aggregates, no copying. */
	r->nview = 0;
	for (int i = 0; i < r->naggs; i++) {
		if (!r->aggs[i].exists)
			continue;
		int k = r->nview++;
		while (k > 0 && cmp_agg(r->view[k - 1], &r->aggs[i]) > 0) {
			r->view[k] = r->view[k - 1];
			k--;
		}
		r->view[k] = &r->aggs[i];
	}
	int n = 0;
	for (int i = 0; i < r->nstock; i++) {
		const svc_stock *s = &r->stock[i].s;
		if (s->on_hand || s->defective || s->in_transit_in)
			r->stock[n++] = r->stock[i];
	}
	r->nstock = n;
	qsort(r->stock, (size_t)r->nstock, sizeof r->stock[0], cmp_stock);
	qsort(r->rej, (size_t)r->nrej, sizeof r->rej[0], cmp_rej);
	qsort(r->ix, (size_t)r->nix, sizeof r->ix[0], cmp_ix);
	/* complaints: a tally taken back to 0 holds nothing */
	n = 0;
	for (int i = 0; i < r->ntally; i++)
		if (r->tally[i].value)
			r->tally[n++] = r->tally[i];
	r->ntally = n;
	qsort(r->tally, (size_t)r->ntally, sizeof r->tally[0], cmp_tally);
}

/* The codec's bytes of an aggregate's state (what the store keeps). */
static int encode_state(const agg *a, uint8_t *buf, size_t cap, size_t *len)
{
	switch (a->type) {
	case SVC_AGG_TICKET:
		return svc_codec_ticket_encode(&a->st.t, buf, cap, len);
	case SVC_AGG_CLAIM:
		return svc_codec_claim_encode(&a->st.c, buf, cap, len);
	case SVC_AGG_TRANSFER:
		return svc_codec_transfer_encode(&a->st.x, buf, cap, len);
	case SVC_AGG_CATALOG:
		return svc_codec_catalog_encode(&a->st.p, buf, cap, len);
	case SVC_AGG_NODE:
		return svc_codec_node_encode(&a->st.n, buf, cap, len);
	/* policy */
	case SVC_AGG_POLICY:
		return svc_codec_policy_encode(&a->st.pol, buf, cap, len);
	case SVC_AGG_GRADE:
		return svc_codec_grade_encode(&a->st.gr, buf, cap, len);
	case SVC_AGG_MODEL:
		return svc_codec_model_encode(&a->st.mod, buf, cap, len);
	case SVC_AGG_FAULT:
		return svc_codec_fault_code_encode(&a->st.fc, buf, cap, len);
	case SVC_AGG_CUSTOMER:
		return svc_codec_customer_encode(&a->st.cu, buf, cap, len);
	case SVC_AGG_UNIT:
		return svc_codec_unit_encode(&a->st.u, buf, cap, len);
	case SVC_AGG_OVERRIDE:
		return svc_codec_override_encode(&a->st.ov, buf, cap, len);
	case SVC_AGG_COMPLAINT:
		return svc_codec_complaint_encode(&a->st.k, buf, cap, len);
	/* labor operations and the labor tariff */
	case SVC_AGG_LABOR:
		return svc_codec_labor_encode(&a->st.lab, buf, cap, len);
	case SVC_AGG_TARIFF:
		return svc_codec_tariff_encode(&a->st.tar, buf, cap, len);
	case SVC_AGG_OLDPART: /* old parts */
		return svc_codec_old_part_encode(&a->st.op, buf, cap, len);
	case SVC_AGG_STATEMENT: /* the shop's ledger */
		return svc_codec_statement_encode(&a->st.y, buf, cap, len);
	case SVC_AGG_SHOP: /* shops */
		return svc_codec_shop_encode(&a->st.h, buf, cap, len);
	default:
		*len = 0;
		return 0;
	}
}

/* Reference encodings of one canonical result, to compare others against. */
typedef struct {
	size_t len[MAXAGG];
	uint8_t bytes[MAXAGG][SVC_STATE_MAX];
} encoded;

static void encode_all(const result *r, encoded *e)
{
	for (int i = 0; i < r->nview; i++) {
		int rc = encode_state(r->view[i], e->bytes[i], sizeof e->bytes[i], &e->len[i]);
		if (rc)
			fprintf(stderr, "encode %s: %s\n", r->view[i]->id, svc_errmsg());
		CHECK_INT(rc, 0);
	}
}

/* Compare a canonical result with the reference; print the first difference
 * unless `what` is NULL. */
static bool result_same(const result *r, const result *ref, const encoded *ref_enc, bool codec,
                        const char *what)
{
	const char *diff = NULL;
	char where[160] = "";
	if (r->naccepted != ref->naccepted || r->nrej != ref->nrej) {
		diff = "accepted/rejected counts";
	} else if (r->nview != ref->nview) {
		diff = "number of aggregates";
	} else if (r->nstock != ref->nstock) {
		diff = "number of stock lines";
	} else if (r->nix != ref->nix) {
		diff = "number of index entries";
	} else if (r->ntally != ref->ntally) {
		diff = "number of tallies";
	}
	for (int i = 0; !diff && i < r->ntally; i++)
		if (cmp_tally(&r->tally[i], &ref->tally[i]) != 0 ||
		    r->tally[i].value != ref->tally[i].value)
			diff = "tallies";
	for (int i = 0; !diff && i < r->nix; i++) {
		snprintf(where, sizeof where, "%s=%s", ref->ix[i].name, ref->ix[i].value);
		if (cmp_ix(&r->ix[i], &ref->ix[i]) != 0)
			diff = "index entries";
	}
	for (int i = 0; !diff && i < r->nview; i++) {
		const agg *a = r->view[i], *b = ref->view[i];
		size_t sz = svc_fold_kind_of(a->type)->state_size;
		snprintf(where, sizeof where, "%s", b->id);
		if (a->type != b->type || strcmp(a->id, b->id) != 0)
			diff = "aggregate ids";
		else if (memcmp(&a->st, &b->st, sz) != 0)
			diff = "state bytes";
		if (!diff && codec) {
			uint8_t buf[SVC_STATE_MAX];
			size_t len = 0;
			CHECK_INT(encode_state(a, buf, sizeof buf, &len), 0);
			if (len != ref_enc->len[i] || memcmp(buf, ref_enc->bytes[i], len) != 0)
				diff = "encoded state";
		}
	}
	for (int i = 0; !diff && i < r->nstock; i++) {
		snprintf(where, sizeof where, "%s/%s", ref->stock[i].location,
		         ref->stock[i].part_no);
		if (cmp_stock(&r->stock[i], &ref->stock[i]) != 0 ||
		    memcmp(&r->stock[i].s, &ref->stock[i].s, sizeof(svc_stock)) != 0)
			diff = "stock";
	}
	for (int i = 0; !diff && i < r->nrej; i++) {
		snprintf(where, sizeof where, "%s/%" PRIu64, ref->rej[i].origin, ref->rej[i].seq);
		if (cmp_rej(&r->rej[i], &ref->rej[i]) != 0 ||
		    strcmp(r->rej[i].reason, ref->rej[i].reason) != 0)
			diff = "rejections";
	}
	if (diff && what)
		fprintf(stderr, "%s: differs from the reference in %s (%s)\n", what, diff, where);
	return diff == NULL;
}

/* ------------------------------------------------------------ change sets */

/* The next change of set s: from actor a at `sec` seconds, counter ctr. Seqs
 * are per origin and dense, in the order the set is written, which is each
 * origin's own HLC order. */
static svc_change *push(change_set *s, const fx_actor *a, unsigned sec, unsigned ctr)
{
	uint64_t seq = 0;
	for (size_t i = 0; i < sizeof s->seqs / sizeof s->seqs[0]; i++) {
		if (!s->seqs[i].id || strcmp(s->seqs[i].id, a->id) == 0) {
			s->seqs[i].id = a->id;
			seq = ++s->seqs[i].seq;
			break;
		}
	}
	if (s->n == MAXC || seq == 0) {
		fprintf(stderr, "test_merge: set %s too big\n", s->name);
		exit(2);
	}
	svc_change *c = &s->c[s->n++];
	fx_head(c, a, seq, FX_HLC(sec, ctr));
	return c;
}

/* Every change of a set is one a store would fold: valid, authorized, and
 * each origin's seqs follow its HLC. */
static void check_set(const change_set *s)
{
	for (int i = 0; i < s->n; i++) {
		const svc_change *c = &s->c[i];
		char why[SVC_REASON_LEN];
		int v = svc_rules_validate(c, why, sizeof why);
		if (v)
			fprintf(stderr, "%s: %s/%" PRIu64 " invalid: %s\n", s->name, c->origin,
			        c->seq, why);
		CHECK_INT(v, 0);
		int a = svc_rules_authorize(c, why, sizeof why);
		if (a)
			fprintf(stderr, "%s: %s/%" PRIu64 " denied: %s\n", s->name, c->origin,
			        c->seq, why);
		CHECK_INT(a, 0);
		for (int j = 0; j < s->n; j++) {
			const svc_change *d = &s->c[j];
			if (i != j && strcmp(c->origin, d->origin) == 0) {
				CHECK(c->seq != d->seq);
				CHECK((c->seq < d->seq) == (c->hlc < d->hlc));
			}
		}
	}
}

/* S1: a concurrent reassignment. The region gives the ticket to shop-b in
 * the same millisecond shop-a accepts it; HQ's note carries the very same
 * HLC as the reassignment (origin breaks the tie); shop-a's on_site must
 * lose, and shop-b's acceptance arrives out of HLC order. */
static void set_reassign(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN];
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "", "");
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	fx_assign(push(s, &FX_RN, 60, 0), tk, "shop-a");
	fx_status(push(s, &FX_SA, 120, 0), tk, SVC_TS_ACCEPTED);
	fx_note(push(s, &FX_HQ, 120, 1), tk, "VIP customer, please hurry");
	fx_assign(push(s, &FX_RN, 120, 1), tk, "shop-b");
	fx_status(push(s, &FX_SB, 170, 0), tk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_SA, 180, 0), tk, SVC_TS_ON_SITE);
	fx_status(push(s, &FX_SB, 240, 0), tk, SVC_TS_ON_SITE);
}

/* S2: conflicting concurrent status changes. The customer cancels through
 * the hotline (region) in the millisecond the shop arrives on site. Both
 * changes carry the same HLC and the same seq: only the origin orders them,
 * and the cancel folds first ("region-n" < "shop-a"), so every later forward
 * step is rejected, and so are a callback and a close on the cancelled
 * ticket. The shop's note on it still stands. */
static void set_cancel_race(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN];
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "shop-a", ""); /* dispatched on intake */
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	fx_status(push(s, &FX_SA, 30, 0), tk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_RN, 60, 0), tk, SVC_TS_CANCELLED);
	fx_status(push(s, &FX_SA, 60, 0), tk, SVC_TS_ON_SITE);
	fx_note(push(s, &FX_SA, 61, 0), tk, "customer not at home");
	fx_status(push(s, &FX_SA, 90, 0), tk, SVC_TS_RESOLVED);
	fx_callback(push(s, &FX_RN, 100, 0), tk, 3, "");
	fx_status(push(s, &FX_HQ, 110, 0), tk, SVC_TS_CLOSED);
}

/* S3: a claim's life with concurrent decisions. HQ rejects while the region
 * returns in the same millisecond (HQ folds first: the return is refused),
 * the shop resubmits, an approval of revision 1 replays onto revision 2 and
 * is refused, then revision 2 is audited and partially approved. */
static void set_claim(change_set *s)
{
	const char *tk = "T-shop-a-1", *cl = "C-shop-a-1";
	fx_submit(push(s, &FX_SA, 0, 0), tk, 1, 13000, 0, 0, 2000);
	fx_decide(push(s, &FX_RN, 3600, 0), cl, SVC_CA_AUDIT, 1, 0, 15000);
	fx_decide(push(s, &FX_HQ, 7200, 0), cl, SVC_CA_REJECT, 1, 0, 15000);
	fx_decide(push(s, &FX_RN, 7200, 0), cl, SVC_CA_RETURN, 1, 0, 15000);
	fx_submit(push(s, &FX_SA, 9000, 0), tk, 2, 13000, 0, 0, 0);
	fx_decide(push(s, &FX_HQ, 9000, 5), cl, SVC_CA_APPROVE, 1, 0, 15000);
	fx_decide(push(s, &FX_RN, 10000, 0), cl, SVC_CA_AUDIT, 2, 0, 13000);
	fx_decide(push(s, &FX_HQ, 10800, 0), cl, SVC_CA_APPROVE, 2, 12000, 13000);
}

/* S3b: a claim and its ticket in one set, so every order interleaves the
 * two records (DESIGN.md section 3: merge tests permute changes across
 * records). The claim reads its ticket (its kind's reads), so a ticket
 * change that arrives after the claim's folds the claim again through the
 * dependency index; every order must still fold to the same bytes. HQ's
 * approval in the audit's millisecond folds before it and is refused; the
 * region's cancel of the resolved ticket is refused too. */
static void set_claim_ticket(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN], cl[SVC_AGG_LEN];
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "shop-a", "");
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	CHECK_INT(svc_rules_claim_id(cl, tk), 0);
	fx_status(push(s, &FX_SA, 30, 0), tk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_SA, 60, 0), tk, SVC_TS_ON_SITE);
	fx_status(push(s, &FX_SA, 90, 0), tk, SVC_TS_RESOLVED);
	fx_submit(push(s, &FX_SA, 100, 0), tk, 1, 13000, 0, 0, 2000);
	fx_status(push(s, &FX_RN, 200, 0), tk, SVC_TS_CANCELLED);
	fx_decide(push(s, &FX_HQ, 3600, 0), cl, SVC_CA_APPROVE, 1, 15000, 15000);
	fx_decide(push(s, &FX_RN, 3600, 0), cl, SVC_CA_AUDIT, 1, 0, 15000);
}

/* A reversal of a consumption recorded by mistake: a consume move of
 * positive qty, with its reason. */
static void fx_unconsume(svc_change *c, const char *ticket, int64_t qty)
{
	fx_move(c, SVC_MV_CONSUME, "shop-a", "CMP-35", qty, ticket, NULL);
	FX_COPY(c->u.part_move.reason, "booked on the wrong ticket");
}

/* S3c: claims against the parts consumed on their tickets (DESIGN.md
 * section 3: the check reads the shop's CMP-35 ledger as of the claim's
 * place in fold order). On T-shop-a-1 two are consumed, one reversed: a
 * claim for two is refused, the claim for one that follows is accepted and
 * audited. On T-shop-a-9 the claim comes before its consumption in fold
 * order and is refused in every order, the consumption arriving before or
 * after it; its reversal of more than was left stops at zero. */
static void set_claim_parts(change_set *s)
{
	const char *t1 = "T-shop-a-1", *t9 = "T-shop-a-9";
	fx_move(push(s, &FX_SA, 10, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -2, t1, NULL);
	fx_unconsume(push(s, &FX_SA, 20, 0), t1, 1);
	fx_submit(push(s, &FX_SA, 30, 0), t1, 1, 8000, 2, 2500, 0);
	fx_submit(push(s, &FX_SA, 40, 0), t1, 1, 8000, 1, 2500, 0);
	fx_submit(push(s, &FX_SA, 50, 0), t9, 1, 8000, 1, 2500, 0);
	fx_move(push(s, &FX_SA, 60, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -1, t9, NULL);
	fx_unconsume(push(s, &FX_SA, 70, 0), t9, 3);
	fx_decide(push(s, &FX_RN, 3600, 0), "C-shop-a-1", SVC_CA_AUDIT, 1, 0, 10500);
}

/* S3d: consumptions that arrive after the claim they precede in fold order
 * re-judge it (the dependency index on the stock line): the claim for two
 * on T-shop-a-1 stands on the two consumptions before it, in every order;
 * the reversal after it and a consumption on another ticket do not move
 * it, and that ticket's own claim for two stands on one only. */
static void set_claim_parts_late(change_set *s)
{
	const char *t1 = "T-shop-a-1";
	fx_move(push(s, &FX_SA, 10, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -1, t1, NULL);
	fx_move(push(s, &FX_SA, 10, 1), SVC_MV_CONSUME, "shop-a", "CMP-35", -1, t1, NULL);
	fx_submit(push(s, &FX_SA, 20, 0), t1, 1, 8000, 2, 2500, 0);
	fx_unconsume(push(s, &FX_SA, 30, 0), t1, 2);
	fx_move(push(s, &FX_SA, 40, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -1, "T-shop-a-2", NULL);
	fx_submit(push(s, &FX_SA, 50, 0), "T-shop-a-2", 1, 8000, 2, 2500, 0);
	fx_decide(push(s, &FX_RN, 3600, 0), "C-shop-a-1", SVC_CA_AUDIT, 1, 0, 13000);
}

/* S3e: old parts on their way back. Two CMP-35 consumed on T-shop-a-1 are
 * shipped (a third shipment is refused: two returned before), received at
 * the region with one rejected, forwarded and received at HQ; a forward of
 * more than was accepted, in between, is refused. HQ waives T-shop-a-9's,
 * creating the record. The receipts read the record as the shipments before
 * them left it, in every order of arrival. */
static void set_old_parts(change_set *s)
{
	const char *t1 = "T-shop-a-1";
	fx_move(push(s, &FX_SA, 10, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -2, t1, NULL);
	fx_oldpart(push(s, &FX_SA, 20, 0), SVC_OP_SHIP, t1, 2, 0, NULL);
	fx_oldpart(push(s, &FX_SA, 30, 0), SVC_OP_SHIP, t1, 1, 0, NULL);
	fx_oldpart(push(s, &FX_HQ, 50, 0), SVC_OP_WAIVE, "T-shop-a-9", 0, 0, "批次召回");
	fx_oldpart(push(s, &FX_RN, 100, 0), SVC_OP_RECEIVE, t1, 2, 1, "外壳开裂");
	fx_oldpart(push(s, &FX_RN, 110, 0), SVC_OP_FORWARD, t1, 5, 0, NULL);
	fx_oldpart(push(s, &FX_RN, 200, 0), SVC_OP_FORWARD, t1, 1, 0, NULL);
	fx_oldpart(push(s, &FX_HQ, 300, 0), SVC_OP_RECEIVE, t1, 1, 0, NULL);
}

/* S3f: a shipment against the consumptions and reversals it reads. The
 * reversal before it in fold order leaves one consumed, so the shipment of
 * two is refused on every node, whenever the reversal arrives, and with it
 * the region's receipt of two; the shipment of one stands, and so does a
 * later one on a later consumption. */
static void set_old_parts_reversal(change_set *s)
{
	const char *t1 = "T-shop-a-1";
	fx_move(push(s, &FX_SA, 10, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -2, t1, NULL);
	fx_unconsume(push(s, &FX_SA, 15, 0), t1, 1);
	fx_oldpart(push(s, &FX_SA, 20, 0), SVC_OP_SHIP, t1, 2, 0, NULL);
	fx_oldpart(push(s, &FX_SA, 25, 0), SVC_OP_SHIP, t1, 1, 0, NULL);
	fx_oldpart(push(s, &FX_RN, 30, 0), SVC_OP_RECEIVE, t1, 2, 0, NULL);
	fx_oldpart(push(s, &FX_RN, 31, 0), SVC_OP_RECEIVE, t1, 1, 0, NULL);
	fx_move(push(s, &FX_SA, 40, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -1, t1, NULL);
	fx_oldpart(push(s, &FX_SA, 50, 0), SVC_OP_SHIP, t1, 1, 0, NULL);
}

/* customer: a customer file put by `a` (fields: SVC_CF_*), and a merge. */
static void cx_put(svc_change *c, const char *id, uint32_t fields, const char *name,
                   const char *phone1, const char *phone2, uint32_t tier)
{
	c->kind = SVC_CK_CUSTOMER_PUT;
	svc_customer_put *b = &c->u.customer_put;
	b->fields = fields;
	if (fields & SVC_CF_NAME)
		FX_COPY(b->name, name);
	if (fields & SVC_CF_PHONES) {
		FX_COPY(b->phones[0], phone1);
		FX_COPY(b->phones[1], phone2);
	}
	if (fields & SVC_CF_ADDRESS)
		FX_COPY(b->address, "广州市天河区体育西路 100 号");
	if (fields & SVC_CF_TIER)
		b->tier = tier;
	if (id)
		FX_COPY(c->aggregate, id);
	else
		svc_rules_customer_id(c->aggregate, c->origin, c->seq);
}

static void cx_merge(svc_change *c, const char *dup, const char *into)
{
	c->kind = SVC_CK_CUSTOMER_MERGE;
	FX_COPY(c->aggregate, dup);
	FX_COPY(c->u.customer_merge.into, into);
}

/* S3c: customer files. Two shops create the same person offline (one
 * phone, two files); shop-a opens a ticket that refers to its file and
 * corrects the phones; the region corrects the name; then HQ and the region
 * merge the two files into each other in the same millisecond: HQ's merge
 * folds first ("hq" < "region-n"), so the region's, reading its survivor at
 * its place in order, would make a cycle and is refused. Shop-b's later
 * correction of its (now merged) file still stands. Every order folds to
 * the same states, rejections and phone, name and ticket index entries. */
static void set_customer(change_set *s)
{
	svc_change *c;
	const char *ca = "C-shop-a-1", *cb = "C-shop-b-1";
	cx_put(push(s, &FX_SA, 0, 0), NULL, SVC_CF_ALL_, "张伟", "13800138000", "",
	       SVC_TIER_REGULAR);
	cx_put(push(s, &FX_SB, 0, 0), NULL, SVC_CF_ALL_, "Zhang Wei", "+86 138 0013 8000", "",
	       SVC_TIER_REGULAR);
	c = push(s, &FX_SA, 10, 0);
	fx_open(c, "shop-a", "");
	memset(c->u.ticket_open.customer, 0, sizeof c->u.ticket_open.customer);
	memset(c->u.ticket_open.phone, 0, sizeof c->u.ticket_open.phone);
	memset(c->u.ticket_open.address, 0, sizeof c->u.ticket_open.address);
	FX_COPY(c->u.ticket_open.customer_id, ca);
	cx_put(push(s, &FX_SA, 20, 0), ca, SVC_CF_PHONES, NULL, "13800138000", "020-3888 1234", 0);
	cx_put(push(s, &FX_RN, 30, 0), ca, SVC_CF_NAME, "张 伟", NULL, NULL, 0);
	cx_merge(push(s, &FX_HQ, 60, 0), ca, cb);
	cx_merge(push(s, &FX_RN, 60, 0), cb, ca);
	cx_put(push(s, &FX_SB, 90, 0), cb, SVC_CF_TIER, NULL, NULL, NULL, SVC_TIER_VIP);
}

/* customer: a product unit put by `a` (fields: SVC_UF_*), and a merge. */
static void ux_put(svc_change *c, const char *id, uint32_t fields, const char *serial,
                   const char *model)
{
	c->kind = SVC_CK_UNIT_PUT;
	svc_unit_put *b = &c->u.unit_put;
	b->fields = fields;
	if (fields & SVC_UF_SERIAL)
		FX_COPY(b->serial, serial);
	if (fields & SVC_UF_MODEL)
		FX_COPY(b->model, model);
	if (fields & SVC_UF_PURCHASED)
		b->purchased = 20230610;
	if (id)
		FX_COPY(c->aggregate, id);
	else
		svc_rules_unit_id(c->aggregate, c->origin, c->seq);
}

static void ux_merge(svc_change *c, const char *dup, const char *into)
{
	c->kind = SVC_CK_UNIT_MERGE;
	FX_COPY(c->aggregate, dup);
	FX_COPY(c->u.unit_merge.into, into);
}

/* S3d: product units merged in a chain. Shop-a records two units, shop-b
 * one with the first's serial; shop-a opens a ticket on its second unit.
 * The region merges that unit into shop-b's; HQ then merges shop-b's into
 * shop-a's first, and the region, in the same millisecond, the other way
 * round: HQ's folds first, so the region's would close a cycle and is
 * refused. Shop-b's later correction of its merged unit stands. Every
 * order folds to one chain (U-shop-a-2 -> U-shop-b-1 -> U-shop-a-1), with
 * the merged index listing each unit under the one it points to. */
static void set_unit(change_set *s)
{
	svc_change *c;
	const char *a1 = "U-shop-a-1", *a2 = "U-shop-a-2", *b1 = "U-shop-b-1";
	ux_put(push(s, &FX_SA, 0, 0), NULL, SVC_UF_ALL_, "SN-42", "KFR-35GW");
	ux_put(push(s, &FX_SB, 0, 0), NULL, SVC_UF_ALL_, "sn-42", "KFR-35GW");
	ux_put(push(s, &FX_SA, 1, 0), NULL, SVC_UF_ALL_, "SN-43", "WM-8");
	c = push(s, &FX_SA, 10, 0);
	fx_open(c, "shop-a", "");
	FX_COPY(c->u.ticket_open.unit_id, a2);
	ux_merge(push(s, &FX_RN, 20, 0), a2, b1);
	ux_merge(push(s, &FX_HQ, 30, 0), b1, a1);
	ux_merge(push(s, &FX_RN, 30, 0), a1, b1);
	ux_put(push(s, &FX_SB, 40, 0), b1, SVC_UF_MODEL, NULL, "KFR-35GW/BpR3");
}

/* S4: parts flow HQ -> region -> shop, one shipment received twice (the
 * second receipt is rejected and must not count), a part consumed on a
 * ticket and the old one sent back. */
static void set_parts(change_set *s)
{
	svc_change *c;
	char x1[SVC_AGG_LEN], x2[SVC_AGG_LEN];
	fx_move(push(s, &FX_HQ, 0, 0), SVC_MV_RECEIVE, "hq", "CMP-35", 100, NULL, NULL);
	c = push(s, &FX_HQ, 10, 0);
	fx_move(c, SVC_MV_TRANSFER_OUT, "hq", "CMP-35", -40, NULL, "region-n");
	snprintf(x1, sizeof x1, "%s", c->aggregate);
	fx_move(push(s, &FX_RN, 3600, 0), SVC_MV_TRANSFER_IN, "region-n", "CMP-35", 40, x1, NULL);
	c = push(s, &FX_RN, 3700, 0);
	fx_move(c, SVC_MV_TRANSFER_OUT, "region-n", "CMP-35", -10, NULL, "shop-a");
	snprintf(x2, sizeof x2, "%s", c->aggregate);
	fx_move(push(s, &FX_SA, 7200, 0), SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 10, x2, NULL);
	fx_move(push(s, &FX_SA, 7200, 1), SVC_MV_TRANSFER_IN, "shop-a", "CMP-35", 10, x2, NULL);
	fx_move(push(s, &FX_SA, 8000, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -2, "T-shop-a-1",
	        NULL);
	fx_move(push(s, &FX_SA, 8000, 1), SVC_MV_DEFECTIVE_RETURN, "shop-a", "CMP-35", 2,
	        "T-shop-a-1", NULL);
}

/* S5: the directory and the catalog: a re-keyed certificate, a revocation
 * naming the old serial (rejected), the real one, a second revocation
 * (rejected) and a replayed old certificate (rejected); two catalog puts,
 * the later wins. */
static void set_directory(change_set *s)
{
	CHECK_INT(fx_cert(push(s, &FX_HQ, 0, 0), "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	fx_catalog(push(s, &FX_HQ, 1, 0), "CMP-35", "压缩机", 52000);
	fx_catalog(push(s, &FX_HQ, 2, 0), "CMP-35", "压缩机 35 型", 49000);
	CHECK_INT(fx_cert(push(s, &FX_HQ, 3, 0), "shop-a", SVC_ROLE_SHOP, "region-n", 2), 0);
	fx_revoke(push(s, &FX_HQ, 4, 0), "shop-a", 1);
	fx_revoke(push(s, &FX_HQ, 5, 0), "shop-a", 2);
	fx_revoke(push(s, &FX_HQ, 6, 0), "shop-a", 0);
	CHECK_INT(fx_cert(push(s, &FX_HQ, 7, 0), "shop-a", SVC_ROLE_SHOP, "region-n", 2), 0);
}

/* P: HQ's policy records beside a ticket: two puts of one model (the later
 * wins), a fault code, a grade changed twice, two versions and a second
 * change that claims version 1 again (rejected wherever it lands in the
 * order), mixed with a region's ticket. */
static void set_policy(change_set *s)
{
	svc_change *c;
	fx_model(push(s, &FX_HQ, 0, 0), "KFR-35GW", "heater");
	fx_grade(push(s, &FX_HQ, 1, 0), "region-n", SVC_GRADE_B);
	fx_policy(push(s, &FX_HQ, 2, 0), 1, 20240603, "onsite_hours.B", "12");
	c = push(s, &FX_RN, 2, 1);
	fx_open(c, "", "");
	fx_model(push(s, &FX_HQ, 3, 0), "KFR-35GW", "aircon");
	fx_fault(push(s, &FX_HQ, 4, 0), "E1", "aircon", "室内机漏水");
	fx_grade(push(s, &FX_HQ, 5, 0), "region-n", SVC_GRADE_A);
	fx_policy(push(s, &FX_HQ, 6, 0), 1, 20240604, "return_days", "7");
}

/* PT: a ticket judged under the policy, beside HQ's records: a visit time
 * before the ticket (rejected, in every order), a good one, a resolution with
 * a fault code HQ never listed (rejected), one with HQ's code. */
static void set_ticket_policy(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN];
	fx_fault(push(s, &FX_HQ, 0, 0), "E1", "aircon", "室内机漏水");
	fx_grade(push(s, &FX_HQ, 1, 0), "region-n", SVC_GRADE_B);
	c = push(s, &FX_RN, 2, 0);
	fx_open(c, "shop-a", "");
	fx_judged(c);
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	fx_status(push(s, &FX_SA, 30, 0), tk, SVC_TS_ACCEPTED);
	c = push(s, &FX_SA, 50, 0);
	fx_status(c, tk, SVC_TS_ON_SITE);
	c->u.ticket_status.at = FX_T0 + 1000;
	c = push(s, &FX_SA, 60, 0);
	fx_status(c, tk, SVC_TS_ON_SITE);
	c->u.ticket_status.at = FX_T0 + 40000;
	c = push(s, &FX_SA, 80, 0);
	fx_status(c, tk, SVC_TS_RESOLVED);
	FX_COPY(c->u.ticket_status.fault_code, "E9");
	c = push(s, &FX_SA, 90, 0);
	fx_status(c, tk, SVC_TS_RESOLVED);
	FX_COPY(c->u.ticket_status.fault_code, "E1");
}

/* PX: exceptions and re-judging. region-n records an exception for a return
 * of SN-X by shop-a, which opens it (accepted in every order: the check
 * reads the exception at the ticket's place in fold order); a return of
 * SN-Y claiming an exception nobody recorded (rejected); the region
 * re-judges the first ticket, another region may not; a later exception for
 * SN-X (an exchange) replaces the first. */
static void set_override(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN];
	fx_override(push(s, &FX_RN, 1, 0), "SN-X", SVC_TK_RETURN, "region-n", "shop-a");
	c = push(s, &FX_SA, 2, 0);
	fx_open(c, "shop-a", "region-n");
	c->u.ticket_open.kind = SVC_TK_RETURN;
	FX_COPY(c->u.ticket_open.serial, "SN-X");
	FX_COPY(c->u.ticket_open.override_reason, "质量问题，顾客已投诉三次");
	FX_COPY(c->u.ticket_open.override_by, "region-n");
	fx_judged(c);
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	c = push(s, &FX_SA, 3, 0);
	fx_open(c, "shop-a", "region-n");
	c->u.ticket_open.kind = SVC_TK_RETURN;
	FX_COPY(c->u.ticket_open.serial, "SN-Y");
	FX_COPY(c->u.ticket_open.override_reason, "无");
	FX_COPY(c->u.ticket_open.override_by, "region-n");
	fx_rejudge(push(s, &FX_RN, 5, 0), tk, 2, SVC_GRADE_A, 20260609, 24);
	fx_rejudge(push(s, &FX_RS, 6, 0), tk, 3, SVC_GRADE_C, 20260609, 72);
	fx_override(push(s, &FX_RN, 7, 0), "SN-X", SVC_TK_EXCHANGE, "region-n", "");
}

/* CB: callback attempts by the region and HQ on one resolved ticket: an
 * unreachable one (limit 2), a reached one (3), another reached (5), and
 * another region's attempt (rejected). Every order keeps the first reached. */
static void set_callbacks(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN];
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "shop-a", "");
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	fx_status(push(s, &FX_SA, 1, 0), tk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_SA, 2, 0), tk, SVC_TS_ON_SITE);
	fx_status(push(s, &FX_SA, 3, 0), tk, SVC_TS_RESOLVED);
	c = push(s, &FX_RN, 4, 0);
	fx_callback(c, tk, 0, "无人接听");
	c->u.ticket_callback.outcome = SVC_CB_UNREACHABLE;
	c->u.ticket_callback.limit = 2;
	c = push(s, &FX_HQ, 5, 0);
	fx_callback(c, tk, 3, "一般");
	c->u.ticket_callback.outcome = SVC_CB_REACHED;
	fx_callback(push(s, &FX_RN, 6, 0), tk, 5, "满意");
	c = push(s, &FX_RS, 7, 0); /* another region's: rejected */
	fx_callback(c, tk, 0, "");
	c->u.ticket_callback.outcome = SVC_CB_UNREACHABLE;
	c->u.ticket_callback.limit = 2;
}

/* complaints: a complaint opened by region-n (K-region-n-1 of its first
 * change) against shop `shop`, ticket `ticket` ("" none), severity high (3
 * days) on FX_T0's day. */
static void kx_open(svc_change *c, const char *shop, const char *ticket, const char *customer)
{
	svc_complaint_open *b = &c->u.complaint_open;
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_COMPLAINT_OPEN;
	FX_COPY(b->region, "region-n");
	FX_COPY(b->shop, shop);
	FX_COPY(b->ticket, ticket);
	FX_COPY(b->customer_id, customer);
	FX_COPY(b->category, "服务态度");
	b->severity = SVC_SEV_HIGH;
	b->channel = SVC_CHANNEL_PHONE;
	FX_COPY(b->text, "师傅上门迟到两小时");
	b->days = 3;
	b->opened_on = 20240601;
	svc_rules_complaint_id(c->aggregate, c->origin, c->seq);
}

static void kx_status(svc_change *c, const char *k, uint32_t status, uint32_t finding)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_COMPLAINT_STATUS;
	FX_COPY(c->aggregate, k);
	c->u.complaint_status.status = status;
	c->u.complaint_status.finding = finding;
	if (finding)
		FX_COPY(c->u.complaint_status.remedy, "退还上门费");
}

static void kx_text(svc_change *c, svc_change_kind kind, const char *k, const char *text)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = kind;
	FX_COPY(c->aggregate, k);
	FX_COPY(c->u.complaint_note.text, text);
}

/* K1: a complaint's course with the records it reads. HQ's certificate of
 * shop-a; shop-a's customer file and a ticket referring to it; region-n's
 * complaint against shop-a on that ticket (its check reads the directory
 * and the ticket at its place in order, so a late certificate or ticket
 * folds it again); investigating; shop-a's statement; then HQ and the
 * region conclude it in the same millisecond: HQ's (substantiated) folds
 * first ("hq" < "region-n"), so the region's is refused in every order and
 * the complaint counts against shop-a in June. */
static void set_complaint(change_set *s)
{
	svc_change *c;
	const char *k = "K-region-n-1";
	CHECK_INT(fx_cert(push(s, &FX_HQ, 0, 0), "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	cx_put(push(s, &FX_SA, 10, 0), NULL, SVC_CF_ALL_, "张伟", "13800138000", "",
	       SVC_TIER_REGULAR);
	c = push(s, &FX_SA, 20, 0);
	fx_open(c, "shop-a", "");
	memset(c->u.ticket_open.customer, 0, sizeof c->u.ticket_open.customer);
	memset(c->u.ticket_open.phone, 0, sizeof c->u.ticket_open.phone);
	memset(c->u.ticket_open.address, 0, sizeof c->u.ticket_open.address);
	FX_COPY(c->u.ticket_open.customer_id, "C-shop-a-1");
	kx_open(push(s, &FX_RN, 30, 0), "shop-a", "T-shop-a-2", "C-shop-a-1");
	kx_status(push(s, &FX_RN, 40, 0), k, SVC_KS_INVESTIGATING, 0);
	kx_text(push(s, &FX_SA, 50, 0), SVC_CK_COMPLAINT_STATEMENT, k, "当日暴雨");
	kx_status(push(s, &FX_HQ, 80, 0), k, SVC_KS_CONCLUDED, SVC_KF_SUBSTANTIATED);
	kx_status(push(s, &FX_RN, 80, 0), k, SVC_KS_CONCLUDED, SVC_KF_UNSUBSTANTIATED);
}

/* shops: a shop record's changes, H:<shop>. */
static void hx_apply(svc_change *c, const char *shop, const char *region)
{
	svc_shop_put *b = &c->u.shop_put;
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_SHOP_PUT;
	svc_rules_shop_agg(c->aggregate, shop);
	b->apply = true;
	FX_COPY(b->region, region);
	FX_COPY(b->legal_name, "北城家电维修有限公司");
	FX_COPY(b->legal_rep, "赵强");
	FX_COPY(b->address, "北城区解放路1号");
	FX_COPY(b->area, "北城区");
	FX_COPY(b->contact, "0371-6666 0001");
	b->type = SVC_SHOP_TYPE_SPECIAL;
}

static void hx_edit(svc_change *c, const char *shop, uint32_t fields, const char *contact,
                    const char *tech, const char *qual)
{
	svc_shop_put *b = &c->u.shop_put;
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_SHOP_PUT;
	svc_rules_shop_agg(c->aggregate, shop);
	b->fields = fields;
	FX_COPY(b->contact, contact);
	FX_COPY(b->tech_name, tech);
	FX_COPY(b->tech_qual, qual);
}

static void hx_stage(svc_change *c, const char *shop, uint32_t stage, bool refused,
                     const char *reason)
{
	svc_shop_stage_body *b = &c->u.shop_stage;
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_SHOP_STAGE;
	svc_rules_shop_agg(c->aggregate, shop);
	b->stage = stage;
	b->refused = refused;
	FX_COPY(b->reason, reason);
	if (stage == SVC_SHOP_APPROVED) {
		FX_COPY(b->agreement, "TY-2024-0007");
		b->valid_from = 20240601;
		b->valid_to = 20260531;
	} else if (stage == SVC_SHOP_PROBATION) {
		b->serial = 5;
		b->probation_until = FX_T0 + 92 * 86400000ULL;
	}
}

static void hx_assess(svc_change *c, const char *shop, uint32_t outcome, const char *reason)
{
	svc_shop_assess *b = &c->u.shop_assess;
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_SHOP_ASSESS;
	svc_rules_shop_agg(c->aggregate, shop);
	b->period = 202408;
	b->score = outcome == SVC_SHOP_OUTCOME_END ? 40 : 90;
	b->tickets = 20;
	b->callback_pm = 950;
	b->onsite_pm = 900;
	b->outcome = outcome;
	FX_COPY(b->reason, reason);
}

/* H1: a shop's enrollment in the seeds' stages. region-n records the
 * application and reviews it (中心审核); HQ's technical review and approval
 * (the agreement); HQ's enrollment (probation); region-n's assessment makes
 * it regular. region-n corrects the contact in between; HQ's second
 * approval is out of order (refused) in every order. */
static void set_shop(change_set *s)
{
	const char *h = "shop-x";
	hx_apply(push(s, &FX_RN, 10, 0), h, "region-n");
	hx_stage(push(s, &FX_RN, 20, 0), h, SVC_SHOP_REVIEWED, false, "");
	hx_stage(push(s, &FX_HQ, 30, 0), h, SVC_SHOP_TECH_REVIEWED, false, "资质齐全");
	hx_edit(push(s, &FX_RN, 35, 0), h, SVC_SF_CONTACT, "0371-6666 0002", "", "");
	hx_stage(push(s, &FX_HQ, 40, 0), h, SVC_SHOP_APPROVED, false, "");
	hx_stage(push(s, &FX_HQ, 45, 0), h, SVC_SHOP_APPROVED, false, "");
	hx_stage(push(s, &FX_HQ, 50, 0), h, SVC_SHOP_PROBATION, false, "");
	hx_assess(push(s, &FX_RN, 60, 0), h, SVC_SHOP_OUTCOME_REGULAR, "");
}

/* H2: what the fold refuses. HQ's technical review before there is a
 * record; region-n's application, then its review refuses it (ended);
 * region-s edits it (not its region); HQ approves the ended record (out of
 * order). A shop enrolled without the stages (shop-y: HQ's probation names
 * its region) gets a direct record, which region-n's assessment ends; HQ
 * adds a technician to its file. */
static void set_shop_refused(change_set *s)
{
	const char *h = "shop-x";
	hx_stage(push(s, &FX_HQ, 5, 0), h, SVC_SHOP_TECH_REVIEWED, false, "");
	hx_apply(push(s, &FX_RN, 10, 0), h, "region-n");
	hx_edit(push(s, &FX_RS, 15, 0), h, SVC_SF_CONTACT, "0371-6666 0009", "", "");
	hx_stage(push(s, &FX_RN, 20, 0), h, SVC_SHOP_REVIEWED, true, "场地不符合要求");
	hx_stage(push(s, &FX_HQ, 30, 0), h, SVC_SHOP_APPROVED, false, "");
	svc_change *c = push(s, &FX_HQ, 40, 0);
	hx_stage(c, "shop-y", SVC_SHOP_PROBATION, false, "");
	FX_COPY(c->u.shop_stage.region, "region-n");
	hx_assess(push(s, &FX_RN, 50, 0), "shop-y", SVC_SHOP_OUTCOME_END, "连续投诉");
	hx_edit(push(s, &FX_HQ, 55, 0), "shop-y", SVC_SF_TECHNICIAN, "", "钱工", "中级");
}

/* K3: the owner. The region escalates its complaint; its own later move is
 * refused, HQ's accepted; the region may still write notes; a second
 * escalation (by HQ) is refused. */
static void set_complaint_owner(change_set *s)
{
	const char *k = "K-region-n-1";
	CHECK_INT(fx_cert(push(s, &FX_HQ, 0, 0), "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	kx_open(push(s, &FX_RN, 10, 0), "shop-a", "", "C-shop-a-9");
	kx_status(push(s, &FX_RN, 20, 0), k, SVC_KS_ESCALATED, 0);
	kx_status(push(s, &FX_RN, 30, 0), k, SVC_KS_INVESTIGATING, 0);
	kx_status(push(s, &FX_HQ, 40, 0), k, SVC_KS_INVESTIGATING, 0);
	kx_text(push(s, &FX_RN, 50, 0), SVC_CK_COMPLAINT_NOTE, k, "已联系店长");
	kx_status(push(s, &FX_HQ, 60, 0), k, SVC_KS_ESCALATED, 0);
}

/* K2: what the fold refuses. A consult ticket of shop-a and a claim on it
 * (no claim on a consult); a complaint against shop-b, which is not in the
 * directory (refused), one against shop-a (its certificate present);
 * concluding it straight from received; a statement by shop-b; a note by
 * region-s; a note by region-n (accepted). */
static void set_complaint_refused(change_set *s)
{
	svc_change *c;
	const char *k = "K-region-n-2";
	CHECK_INT(fx_cert(push(s, &FX_HQ, 0, 0), "shop-a", SVC_ROLE_SHOP, "region-n", 1), 0);
	c = push(s, &FX_SA, 10, 0);
	fx_open(c, "shop-a", "");
	c->u.ticket_open.kind = SVC_TK_CONSULT;
	fx_submit(push(s, &FX_SA, 20, 0), "T-shop-a-1", 1, 3000, 0, 0, 0);
	kx_open(push(s, &FX_RN, 30, 0), "shop-b", "", "C-shop-a-9");
	kx_open(push(s, &FX_RN, 40, 0), "shop-a", "", "C-shop-a-9");
	kx_status(push(s, &FX_RN, 50, 0), k, SVC_KS_CONCLUDED, SVC_KF_SUBSTANTIATED);
	kx_text(push(s, &FX_SB, 60, 0), SVC_CK_COMPLAINT_STATEMENT, k, "不是我们");
	kx_text(push(s, &FX_RS, 70, 0), SVC_CK_COMPLAINT_NOTE, k, "越界");
}

/* W: out-of-warranty work. Ticket 1 (in warranty) is charged to the
 * customer by shop-a (shop-b's charge is refused): shop-a's claim on it is
 * refused until HQ's leave, and its claim after the leave is accepted.
 * Ticket 2 is out of the warranty judged at its opening: its claim, with no
 * leave, is refused. */
static void set_charge(change_set *s)
{
	svc_change *c;
	const char *t1 = "T-region-n-1", *t2 = "T-region-n-2";
	fx_open(push(s, &FX_RN, 0, 0), "shop-a", "");
	c = push(s, &FX_RN, 10, 0);
	fx_open(c, "shop-a", "");
	fx_judged(c);
	c->u.ticket_open.warranty_until = 20240531; /* the day before: out of warranty */
	fx_charge(push(s, &FX_SA, 50, 0), t1, 8000, 0, 0, 3000);
	fx_charge(push(s, &FX_SB, 70, 0), t1, 100, 0, 0, 0);
	fx_submit(push(s, &FX_SA, 100, 0), t1, 1, 13000, 0, 0, 0);
	fx_submit(push(s, &FX_SA, 110, 0), t2, 1, 9000, 0, 0, 0);
	fx_allow(push(s, &FX_HQ, 200, 0), t1, "批次缺陷，保外由厂家承担");
	fx_submit(push(s, &FX_SA, 300, 0), t1, 1, 13000, 0, 0, 0);
}

/* claim lines. CL1: a claim's part line carries the price in force at the
 * part's first consumption on the ticket (the history entry from 15 s,
 * 460.00), read from the catalog as of the claim's place: the shop's first
 * submission at 450.00 is refused in every order, the second accepted; the
 * price from 25 s (after the consumption) moves neither. A price that
 * arrives after a claim it precedes re-judges the claim. */
static void set_claim_price(change_set *s)
{
	svc_change *c;
	const char *t1 = "T-region-n-1";
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "shop-a", "");
	fx_judged(c);
	fx_catalog(push(s, &FX_HQ, 5, 0), "CMP-35", "Compressor", 48000);
	fx_price(push(s, &FX_HQ, 6, 0), "CMP-35", 45000, FX_T0);
	fx_price(push(s, &FX_HQ, 10, 0), "CMP-35", 46000, FX_T0 + 15000);
	fx_move(push(s, &FX_SA, 20, 0), SVC_MV_CONSUME, "shop-a", "CMP-35", -1, t1, NULL);
	fx_price(push(s, &FX_HQ, 30, 0), "CMP-35", 47000, FX_T0 + 25000);
	c = push(s, &FX_SA, 50, 0);
	fx_submit(c, t1, 1, 0, 1, 45000, 0);
	fx_priced(c, "", 0, 0, 0, 0, 0);
	c = push(s, &FX_SA, 100, 0);
	fx_submit(c, t1, 1, 0, 1, 46000, 0);
	fx_priced(c, "", 0, 0, 0, 0, 0);
}

/* CL2: an operation line and a travel line from the tariff as of the
 * claim's place (the rate of grade B set after it moves nothing), both over
 * the card; the region proposes a cut of the first; HQ's approval leaves
 * the second, flagged, in full without a reason and is refused. */
static void set_claim_tariff(change_set *s)
{
	svc_change *c;
	const char *t1 = "T-region-n-1";
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "shop-a", "");
	fx_judged(c);
	fx_labor(push(s, &FX_HQ, 5, 0), "AC-R01", "aircon", 60);
	fx_tariff(push(s, &FX_HQ, 6, 0), SVC_GRADE_B, 6000, 0, 0);
	fx_tariff(push(s, &FX_HQ, 7, 0), 0, 0, 30, 5000);
	c = push(s, &FX_SA, 100, 0);
	fx_submit(c, t1, 1, 0, 0, 0, 5000);
	fx_priced(c, "AC-R01", 90, 9000, SVC_LINE_OVER_CARD, 45, SVC_LINE_OVER_CARD);
	fx_tariff(push(s, &FX_HQ, 150, 0), SVC_GRADE_B, 7000, 0, 0);
	c = push(s, &FX_RN, 200, 0);
	fx_decide(c, "C-region-n-1", SVC_CA_AUDIT, 1, 0, 14000);
	c->u.claim_decide.nlines = 1;
	c->u.claim_decide.lines[0].line = 1;
	c->u.claim_decide.lines[0].amount = 6000;
	fx_decide(push(s, &FX_HQ, 300, 0), "C-region-n-1", SVC_CA_APPROVE, 1, 0, 14000);
}

/* CL3: the ceilings of the policy version the ticket was judged under
 * (claim_line_max_fen 80.00): a 90-minute operation line is refused, a
 * 60-minute one accepted; a claim naming another version is refused. */
static void set_claim_ceiling(change_set *s)
{
	svc_change *c;
	const char *t1 = "T-region-n-2";
	fx_policy(push(s, &FX_HQ, 0, 0), 1, 20240602, "claim_line_max_fen", "8000");
	fx_open(push(s, &FX_RN, 1, 0), "shop-a", "");
	c = push(s, &FX_RN, 2, 0);
	fx_open(c, "shop-a", "");
	fx_judged(c);
	c->u.ticket_open.policy_version = 1;
	fx_labor(push(s, &FX_HQ, 5, 0), "AC-R01", "aircon", 60);
	fx_tariff(push(s, &FX_HQ, 6, 0), SVC_GRADE_B, 6000, 0, 0);
	c = push(s, &FX_SA, 100, 0);
	fx_submit(c, t1, 1, 0, 0, 0, 0);
	fx_priced(c, "AC-R01", 90, 9000, SVC_LINE_OVER_CARD, 0, 0);
	c->u.claim_submit.policy_version = 1;
	c = push(s, &FX_SA, 110, 0);
	fx_submit(c, t1, 1, 0, 0, 0, 0);
	fx_priced(c, "AC-R01", 60, 6000, 0, 0, 0);
	c = push(s, &FX_SA, 120, 0);
	fx_submit(c, t1, 1, 0, 0, 0, 0);
	fx_priced(c, "AC-R01", 60, 6000, 0, 0, 0);
	c->u.claim_submit.policy_version = 1;
}

/* L: a day in region-n, 44 changes over eight aggregates, written in
 * causal order. */
static void set_large(change_set *s)
{
	svc_change *c;
	char tk[SVC_AGG_LEN], walk[SVC_AGG_LEN], cl[SVC_AGG_LEN], x1[SVC_AGG_LEN], x2[SVC_AGG_LEN];

	/* Directory, catalog and stock at HQ. */
	CHECK_INT(fx_cert(push(s, &FX_HQ, 0, 0), "shop-b", SVC_ROLE_SHOP, "region-n", 1), 0);
	fx_catalog(push(s, &FX_HQ, 0, 1), "CMP-35", "压缩机", 52000);
	fx_move(push(s, &FX_HQ, 0, 2), SVC_MV_RECEIVE, "hq", "CMP-35", 100, NULL, NULL);

	/* A repair ticket: opened, assigned, concurrently reassigned while
	 * shop-a accepts; shop-a's later on_site is refused. */
	c = push(s, &FX_RN, 0, 0);
	fx_open(c, "", "");
	snprintf(tk, sizeof tk, "%s", c->aggregate);
	c = push(s, &FX_HQ, 20, 0);
	fx_move(c, SVC_MV_TRANSFER_OUT, "hq", "CMP-35", -20, NULL, "region-n");
	snprintf(x1, sizeof x1, "%s", c->aggregate);
	fx_assign(push(s, &FX_RN, 60, 0), tk, "shop-a");
	fx_status(push(s, &FX_SA, 120, 0), tk, SVC_TS_ACCEPTED);
	fx_note(push(s, &FX_HQ, 120, 1), tk, "VIP customer");
	fx_assign(push(s, &FX_RN, 120, 1), tk, "shop-b");
	fx_status(push(s, &FX_SB, 170, 0), tk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_SA, 180, 0), tk, SVC_TS_ON_SITE);
	fx_status(push(s, &FX_SB, 240, 0), tk, SVC_TS_ON_SITE);
	fx_note(push(s, &FX_SB, 250, 0), tk, "压缩机烧毁");

	/* The part travels HQ -> region-n -> shop-b and is used on the ticket. */
	fx_move(push(s, &FX_RN, 255, 0), SVC_MV_TRANSFER_IN, "region-n", "CMP-35", 20, x1, NULL);
	c = push(s, &FX_RN, 256, 0);
	fx_move(c, SVC_MV_TRANSFER_OUT, "region-n", "CMP-35", -5, NULL, "shop-b");
	snprintf(x2, sizeof x2, "%s", c->aggregate);
	fx_move(push(s, &FX_SB, 258, 0), SVC_MV_TRANSFER_IN, "shop-b", "CMP-35", 5, x2, NULL);
	fx_move(push(s, &FX_SB, 260, 0), SVC_MV_CONSUME, "shop-b", "CMP-35", -1, tk, NULL);
	fx_move(push(s, &FX_SB, 261, 0), SVC_MV_DEFECTIVE_RETURN, "shop-b", "CMP-35", 1, tk, NULL);
	fx_status(push(s, &FX_SB, 300, 0), tk, SVC_TS_RESOLVED);

	/* Unhappy callback and a reopen; HQ's close one tick later is refused. */
	fx_callback(push(s, &FX_RN, 400, 0), tk, 2, "still noisy");
	fx_status(push(s, &FX_RN, 410, 0), tk, SVC_TS_ASSIGNED);
	fx_status(push(s, &FX_HQ, 410, 1), tk, SVC_TS_CLOSED);
	fx_status(push(s, &FX_SB, 500, 0), tk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_SB, 510, 0), tk, SVC_TS_ON_SITE);
	fx_status(push(s, &FX_SB, 600, 0), tk, SVC_TS_RESOLVED);
	fx_callback(push(s, &FX_RN, 700, 0), tk, 5, "满意");
	fx_status(push(s, &FX_RN, 700, 1), tk, SVC_TS_CLOSED);
	fx_note(push(s, &FX_SB, 710, 0), tk, "customer sent thanks");

	/* The claim: returned, resubmitted, an approval of the old revision
	 * arriving after the resubmission. */
	c = push(s, &FX_SB, 800, 0);
	fx_submit(c, tk, 1, 8000, 1, 52000, 2000);
	snprintf(cl, sizeof cl, "%s", c->aggregate);
	fx_decide(push(s, &FX_RN, 900, 0), cl, SVC_CA_RETURN, 1, 0, 62000);
	fx_submit(push(s, &FX_SB, 950, 0), tk, 2, 8000, 1, 52000, 0);
	fx_decide(push(s, &FX_HQ, 950, 3), cl, SVC_CA_APPROVE, 1, 0, 62000);

	/* A walk-in at shop-a, cancelled by the hotline as the shop arrives
	 * (same HLC: "region-n" folds before "shop-a"). */
	c = push(s, &FX_SA, 1000, 0);
	fx_open(c, "shop-a", "");
	snprintf(walk, sizeof walk, "%s", c->aggregate);
	fx_status(push(s, &FX_SA, 1010, 0), walk, SVC_TS_ACCEPTED);
	fx_status(push(s, &FX_RN, 1020, 0), walk, SVC_TS_CANCELLED);
	fx_status(push(s, &FX_SA, 1020, 0), walk, SVC_TS_ON_SITE);
	fx_move(push(s, &FX_SA, 1030, 0), SVC_MV_ADJUST, "shop-a", "CMP-35", 3, NULL, NULL);

	/* Revision 2 audited; HQ approves part of it in the millisecond the
	 * region tries to return it; then it is paid. */
	fx_decide(push(s, &FX_RN, 1100, 0), cl, SVC_CA_AUDIT, 2, 0, 60000);
	fx_decide(push(s, &FX_HQ, 1200, 0), cl, SVC_CA_APPROVE, 2, 58000, 60000);
	fx_decide(push(s, &FX_RN, 1200, 0), cl, SVC_CA_RETURN, 2, 0, 60000);
	fx_decide(push(s, &FX_HQ, 1300, 0), cl, SVC_CA_PAY, 2, 0, 60000);

	/* Late in the day: a price change and shop-b's re-keyed certificate; a
	 * revocation written against the old serial misses. */
	fx_catalog(push(s, &FX_HQ, 1400, 0), "CMP-35", "压缩机 35 型", 49000);
	CHECK_INT(fx_cert(push(s, &FX_HQ, 1500, 0), "shop-b", SVC_ROLE_SHOP, "region-n", 2), 0);
	fx_revoke(push(s, &FX_HQ, 1501, 0), "shop-b", 1);
}

/* ------------------------------------------------------------ expectations */

static bool rejected(const result *r, const char *origin, uint64_t seq, const char *sub)
{
	for (int i = 0; i < r->nrej; i++)
		if (strcmp(r->rej[i].origin, origin) == 0 && r->rej[i].seq == seq)
			return strstr(r->rej[i].reason, sub) != NULL;
	return false;
}

static const agg *find(const result *r, const char *id)
{
	for (int i = 0; i < r->nview; i++)
		if (strcmp(r->view[i]->id, id) == 0)
			return r->view[i];
	return NULL;
}

static const svc_stock *stock_of(const result *r, const char *location)
{
	static const svc_stock zero;
	for (int i = 0; i < r->nstock; i++)
		if (strcmp(r->stock[i].location, location) == 0)
			return &r->stock[i].s;
	return &zero;
}

#define CHECK_REJ(r, origin, seq, sub)                                                             \
	do {                                                                                       \
		bool ok_ = rejected((r), (origin), (seq), (sub));                                  \
		if (!ok_)                                                                          \
			fprintf(stderr, "%s:%d: %s/%d not rejected with \"%s\"\n", __FILE__,       \
			        __LINE__, (origin), (seq), (sub));                                 \
		CHECK(ok_);                                                                        \
	} while (0)

static void expect_reassign(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "shop-a", 2, "shop-a may not set it on_site (assigned to shop-b)");
	const agg *a = find(r, "T-region-n-1");
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_STR(a->st.t.shop, "shop-b");
	CHECK_INT(a->st.t.status, SVC_TS_ON_SITE);
	CHECK_INT(a->st.t.notes, 1);
	CHECK_INT(a->st.t.first_response, FX_T0 + 60000);
	CHECK_INT(a->st.t.on_site, FX_T0 + 240000);
}

static void expect_cancel_race(const result *r)
{
	CHECK_INT(r->nrej, 4);
	CHECK_REJ(r, "shop-a", 2, "cancelled -> on_site is not a valid transition");
	CHECK_REJ(r, "shop-a", 4, "cancelled -> resolved is not a valid transition");
	CHECK_REJ(r, "region-n", 3, "callback on a ticket that is cancelled");
	CHECK_REJ(r, "hq", 1, "cancelled -> closed is not a valid transition");
	const agg *a = find(r, "T-region-n-1");
	CHECK(a && a->st.t.status == SVC_TS_CANCELLED && a->st.t.notes == 1);
}

static void expect_claim(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "region-n", 2, "cannot return a claim that is rejected");
	CHECK_REJ(r, "hq", 2, "approve is for revision 1, the claim is at revision 2");
	const agg *a = find(r, "C-shop-a-1");
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_INT(a->st.c.status, SVC_CS_PARTIAL);
	CHECK_INT(a->st.c.revision, 2);
	CHECK_INT(a->st.c.approved, 12000);
	CHECK_INT(a->st.c.total, 13000);
	CHECK_STR(a->st.c.audited_by, "region-n");
}

static void expect_claim_ticket(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "hq", 1, "cannot approve a claim that is submitted (only audited)");
	CHECK_REJ(r, "region-n", 2, "resolved -> cancelled is not a valid transition");
	const agg *t = find(r, "T-region-n-1"), *c = find(r, "C-region-n-1");
	CHECK(t && t->st.t.status == SVC_TS_RESOLVED);
	CHECK(c && c->st.c.status == SVC_CS_AUDITED && c->st.c.total == 15000);
	/* The reference fold recorded that the claim reads its ticket, at the
	 * claim's last change. */
	CHECK_INT(g_mem.ndeps, 1);
	CHECK_STR(g_mem.read[0].agg, "T-region-n-1");
	CHECK_STR(g_mem.dep[0].agg, "C-region-n-1");
	CHECK_INT(g_mem.dep[0].type, SVC_AGG_CLAIM);
	CHECK_STR(g_mem.dpos[0].origin, "region-n");
}

static bool has_ix(const result *r, const char *name, const char *value, const char *id)
{
	for (int i = 0; i < r->nix; i++)
		if (strcmp(r->ix[i].name, name) == 0 && strcmp(r->ix[i].value, value) == 0 &&
		    strcmp(r->ix[i].agg, id) == 0)
			return true;
	return false;
}

static void expect_customer(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "region-n", 2, "would make a cycle");
	const agg *a = find(r, "C-shop-a-1"), *b = find(r, "C-shop-b-1"),
	          *t = find(r, "T-shop-a-2");
	CHECK(a && b && t);
	if (!a || !b || !t)
		return;
	CHECK_STR(a->st.cu.merged_into, "C-shop-b-1");
	CHECK_STR(a->st.cu.name, "张 伟");
	CHECK_STR(a->st.cu.phones[1], "020-3888 1234");
	CHECK_STR(a->st.cu.region, "region-n");
	CHECK_STR(b->st.cu.merged_into, "");
	CHECK_INT(b->st.cu.tier, SVC_TIER_VIP);
	CHECK_STR(t->st.t.customer_id, "C-shop-a-1");
	CHECK_STR(t->st.t.customer, "");
	/* Both files under the phone's digits, the second phone, the names in
	 * lower case, the ticket under its customer, the merged file under its
	 * survivor. */
	CHECK_INT(r->nix, 7);
	CHECK(has_ix(r, SVC_INDEX_CUSTOMER_MERGED, "C-shop-b-1", "C-shop-a-1"));
	CHECK(has_ix(r, SVC_INDEX_CUSTOMER_PHONE, "13800138000", "C-shop-a-1"));
	CHECK(has_ix(r, SVC_INDEX_CUSTOMER_PHONE, "13800138000", "C-shop-b-1"));
	CHECK(has_ix(r, SVC_INDEX_CUSTOMER_PHONE, "02038881234", "C-shop-a-1"));
	CHECK(has_ix(r, SVC_INDEX_CUSTOMER_NAME, "张 伟", "C-shop-a-1"));
	CHECK(has_ix(r, SVC_INDEX_CUSTOMER_NAME, "zhang wei", "C-shop-b-1"));
	CHECK(has_ix(r, SVC_INDEX_TICKET_CUSTOMER, "C-shop-a-1", "T-shop-a-2"));
}

static void expect_unit(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "region-n", 2, "would make a cycle");
	const agg *a1 = find(r, "U-shop-a-1"), *a2 = find(r, "U-shop-a-2"),
	          *b1 = find(r, "U-shop-b-1"), *t = find(r, "T-shop-a-3");
	CHECK(a1 && a2 && b1 && t);
	if (!a1 || !a2 || !b1 || !t)
		return;
	CHECK_STR(a2->st.u.merged_into, "U-shop-b-1");
	CHECK_STR(b1->st.u.merged_into, "U-shop-a-1");
	CHECK_STR(a1->st.u.merged_into, "");
	CHECK_STR(b1->st.u.model, "KFR-35GW/BpR3");
	CHECK_STR(t->st.t.unit_id, "U-shop-a-2");
	/* the serials in lower case, each merged unit under its survivor, the
	 * ticket under its unit */
	CHECK_INT(r->nix, 6);
	CHECK(has_ix(r, SVC_INDEX_UNIT_SERIAL, "sn-42", "U-shop-a-1"));
	CHECK(has_ix(r, SVC_INDEX_UNIT_SERIAL, "sn-42", "U-shop-b-1"));
	CHECK(has_ix(r, SVC_INDEX_UNIT_SERIAL, "sn-43", "U-shop-a-2"));
	CHECK(has_ix(r, SVC_INDEX_UNIT_MERGED, "U-shop-b-1", "U-shop-a-2"));
	CHECK(has_ix(r, SVC_INDEX_UNIT_MERGED, "U-shop-a-1", "U-shop-b-1"));
	CHECK(has_ix(r, SVC_INDEX_TICKET_UNIT, "U-shop-a-2", "T-shop-a-3"));
}

static void expect_parts(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "shop-a", 2, "transfer X-region-n-2: already received at shop-a");
	const svc_stock *hq = stock_of(r, "hq"), *rn = stock_of(r, "region-n"),
	                *sa = stock_of(r, "shop-a");
	CHECK_INT(hq->on_hand, 60);
	CHECK_INT(rn->on_hand, 30);
	CHECK_INT(rn->in_transit_in, 0);
	CHECK_INT(sa->on_hand, 8);
	CHECK_INT(sa->defective, 2);
	CHECK_INT(sa->in_transit_in, 0);
}

static void expect_claim_parts(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "shop-a", 3, "part: CMP-35 x2 claimed, 1 consumed on T-shop-a-1");
	CHECK_REJ(r, "shop-a", 5, "part: CMP-35 x1 claimed, 0 consumed on T-shop-a-9");
	const agg *c1 = find(r, "C-shop-a-1");
	CHECK(c1 && c1->st.c.status == SVC_CS_AUDITED && c1->st.c.total == 10500 &&
	      c1->st.c.parts[0].qty == 1);
	CHECK(!find(r, "C-shop-a-9"));
	/* stock: -2 +1 -1 +3; a reversal is a ledger entry like any other */
	const svc_stock *sa = stock_of(r, "shop-a");
	CHECK_INT(sa->on_hand, 1);
}

static void expect_claim_parts_late(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "shop-a", 6, "part: CMP-35 x2 claimed, 1 consumed on T-shop-a-2");
	const agg *c1 = find(r, "C-shop-a-1");
	CHECK(c1 && c1->st.c.status == SVC_CS_AUDITED && c1->st.c.parts[0].qty == 2);
	CHECK_INT(stock_of(r, "shop-a")->on_hand, -1);
}

static void expect_old_parts(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "shop-a", 3,
	          "qty: CMP-35 x1 returned, 2 consumed on T-shop-a-1 and 2 returned before");
	CHECK_REJ(r, "region-n", 2,
	          "old part O:T-shop-a-1/CMP-35: 1 accepted and not yet forwarded, a forward of 5");
	const agg *o = find(r, "O:T-shop-a-1/CMP-35");
	CHECK(o && o->st.op.shipped == 2 && o->st.op.received == 2 && o->st.op.rejected == 1 &&
	      o->st.op.forwarded == 1 && o->st.op.hq_received == 1 && !o->st.op.waived);
	CHECK(o && o->st.op.accepted_at == FX_HLC(100, 0) >> 16);
	CHECK(o && strcmp(o->st.op.reject_reason, "外壳开裂") == 0);
	const agg *w = find(r, "O:T-shop-a-9/CMP-35");
	CHECK(w && w->st.op.waived && w->st.op.shipped == 0 &&
	      strcmp(w->st.op.shop, "shop-a") == 0);
	/* a shipment counts as defective at the shop */
	CHECK_INT(stock_of(r, "shop-a")->defective, 2);
}

static void expect_old_parts_reversal(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "shop-a", 3,
	          "qty: CMP-35 x2 returned, 1 consumed on T-shop-a-1 and 0 returned before");
	CHECK_REJ(r, "region-n", 1, "old part O:T-shop-a-1/CMP-35: 1 in transit, a receipt of 2");
	const agg *o = find(r, "O:T-shop-a-1/CMP-35");
	CHECK(o && o->st.op.shipped == 2 && o->st.op.received == 1 && o->st.op.rejected == 0);
	CHECK_INT(stock_of(r, "shop-a")->defective, 2);
}

static void expect_directory(const result *r)
{
	CHECK_INT(r->nrej, 3);
	CHECK_REJ(r, "hq", 5, "revocation is for serial 1, the current certificate is serial 2");
	CHECK_REJ(r, "hq", 7, "already revoked");
	CHECK_REJ(r, "hq", 8, "certificate serial 2 is not newer than the current serial 2");
	const agg *n = find(r, "N:shop-a"), *p = find(r, "P:CMP-35");
	CHECK(n && n->st.n.revoked && n->st.n.serial == 2 && n->st.n.revoked_hlc == FX_HLC(5, 0));
	CHECK(p && p->st.p.price == 49000);
}

static void expect_policy(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "hq", 7, "policy version 1 was already issued by hq");
	const agg *m = find(r, "M:KFR-35GW"), *g = find(r, "G:region-n"), *v = find(r, "V:1");
	CHECK(m && strcmp(m->st.mod.category, "aircon") == 0);
	CHECK(g && g->st.gr.grade == SVC_GRADE_A);
	CHECK(v && v->st.pol.from == 20240603 && v->st.pol.nentries == 1 &&
	      strcmp(v->st.pol.entries[0].key, "onsite_hours.B") == 0);
	CHECK(find(r, "F:aircon/E1") != NULL);
	CHECK(find(r, "T-region-n-1") != NULL);
}

static void expect_ticket_policy(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "shop-a", 2, "the visit time is before the ticket was opened");
	CHECK_REJ(r, "shop-a", 4, "unknown fault code E9 for category aircon");
	const agg *t = find(r, "T-region-n-1");
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_INT(t->st.t.status, SVC_TS_RESOLVED);
	CHECK_INT(t->st.t.visited, FX_T0 + 40000);
	CHECK_INT(t->st.t.onsite_due, FX_T0 + 2000 + 48 * 3600000ULL);
	CHECK(t->st.t.in_warranty);
	CHECK_INT(t->st.t.grade, SVC_GRADE_B);
	CHECK(strcmp(t->st.t.fault_code, "E1") == 0 && strcmp(t->st.t.category, "aircon") == 0);
}

static void expect_override(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "shop-a", 2, "no exception for a return of serial SN-Y recorded by region-n");
	CHECK_REJ(r, "region-s", 1, "region region-s may not re-judge it (region region-n)");
	const agg *t = find(r, "T-shop-a-1"), *o = find(r, "X:SN-X");
	CHECK(t && o);
	if (!t || !o)
		return;
	CHECK(strcmp(t->st.t.override_by, "region-n") == 0);
	CHECK_INT(t->st.t.policy_version, 2);
	CHECK_INT(t->st.t.grade, SVC_GRADE_A);
	CHECK_INT(t->st.t.onsite_due, t->st.t.created + 24 * 3600000ULL);
	CHECK_INT(t->st.t.rejudged, FX_T0 + 5000);
	CHECK_INT(o->st.ov.kind, SVC_TK_EXCHANGE);
	CHECK(o->st.ov.shop[0] == '\0');
	CHECK(find(r, "T-shop-a-2") == NULL);
}

static void expect_callbacks(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "region-s", 1, "region-s may not record the callback (region region-n)");
	const agg *t = find(r, "T-region-n-1");
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_INT(t->st.t.callback_state, SVC_CB_REACHED);
	CHECK_INT(t->st.t.satisfaction, 3);
	CHECK_INT(t->st.t.callback_attempts, 3);
	CHECK_INT(t->st.t.callback_unreached, 1);
	CHECK_INT(t->st.t.callback_at, FX_T0 + 5000);
}

static bool has_tally(const result *r, uint32_t month, const char *name, const char *scope,
                      int64_t value)
{
	for (int i = 0; i < r->ntally; i++)
		if (r->tally[i].month == month && strcmp(r->tally[i].name, name) == 0 &&
		    strcmp(r->tally[i].scope, scope) == 0)
			return r->tally[i].value == value;
	return false;
}

static void expect_complaint(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "region-n", 3,
	          "complaint K-region-n-1: concluded -> concluded is not a valid transition");
	const agg *k = find(r, "K-region-n-1");
	CHECK(k != NULL);
	if (!k)
		return;
	CHECK_INT(k->st.k.status, SVC_KS_CONCLUDED);
	CHECK_INT(k->st.k.finding, SVC_KF_SUBSTANTIATED);
	CHECK_STR(k->st.k.responsible, "shop-a");
	CHECK_INT(k->st.k.escalated, 0);
	CHECK_INT(k->st.k.concluded, FX_T0 + 80000);
	CHECK_INT(k->st.k.deadline, FX_T0 + 30000 + 3 * 86400000ULL);
	CHECK_INT(k->st.k.statements, 1);
	CHECK_STR(k->st.k.ticket, "T-shop-a-2");
	/* concluded: out of the deadline index; counted against shop-a */
	for (int i = 0; i < r->nix; i++)
		CHECK(strcmp(r->ix[i].agg, "K-region-n-1") != 0);
	CHECK_INT(r->ntally, 1);
	CHECK(has_tally(r, 202406, SVC_TALLY_COMPLAINT_SUBSTANTIATED, "shop-a", 1));
}

static void expect_shop(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "hq", 3, "shop shop-x: stage is approved; approved follows tech_reviewed");
	const agg *a = find(r, "H:shop-x");
	CHECK(a != NULL);
	if (!a)
		return;
	const svc_shop *h = &a->st.h;
	CHECK_INT(h->stage, SVC_SHOP_REGULAR);
	CHECK(!h->direct);
	CHECK_STR(h->region, "region-n");
	CHECK_STR(h->contact, "0371-6666 0002");
	CHECK_STR(h->agreement, "TY-2024-0007");
	CHECK_INT(h->valid_to, 20260531);
	CHECK_INT(h->ntechnicians, 0);
	CHECK_INT(h->serial, 5);
	CHECK_INT(h->enrolled, FX_T0 + 50000);
	CHECK_INT(h->nassessments, 1);
	CHECK_INT(h->assessments[0].score, 90);
	CHECK_STR(h->assessments[0].by, "region-n");
}

static void expect_shop_refused(const result *r)
{
	CHECK_INT(r->nrej, 3);
	CHECK_REJ(r, "hq", 1, "shop shop-x: no record; stage tech_reviewed needs the application");
	CHECK_REJ(r, "region-s", 1, "region region-s may not edit its record (region region-n's)");
	CHECK_REJ(r, "hq", 2, "shop shop-x: stage is ended; approved follows tech_reviewed");
	const agg *x = find(r, "H:shop-x"), *y = find(r, "H:shop-y");
	CHECK(x && x->st.h.stage == SVC_SHOP_ENDED && x->st.h.ended == FX_T0 + 20000);
	CHECK(x && strcmp(x->st.h.reason, "场地不符合要求") == 0);
	CHECK(x && strcmp(x->st.h.contact, "0371-6666 0001") == 0);
	CHECK(y && y->st.h.direct && y->st.h.stage == SVC_SHOP_ENDED);
	CHECK(y && strcmp(y->st.h.region, "region-n") == 0 && y->st.h.nassessed == 1);
	CHECK(y && y->st.h.ntechnicians == 1 && strcmp(y->st.h.technicians[0].name, "钱工") == 0);
}

static void expect_charge(const result *r)
{
	CHECK_INT(r->nrej, 3);
	CHECK_REJ(r, "shop-b", 1,
	          "shop-b may not charge the customer (the ticket's assigned shop is shop-a)");
	CHECK_REJ(r, "shop-a", 2,
	          "ticket T-region-n-1 is customer-paid (charged to the customer) and HQ has "
	          "not allowed a claim on it");
	CHECK_REJ(r, "shop-a", 3,
	          "ticket T-region-n-2 is customer-paid (out of warranty) and HQ has not "
	          "allowed a claim on it");
	const agg *t1 = find(r, "T-region-n-1"), *c1 = find(r, "C-region-n-1");
	CHECK(t1 && t1->st.t.charge_fen == 11000 && t1->st.t.charges == 1);
	CHECK(t1 && strcmp(t1->st.t.claim_allowed_by, "hq") == 0);
	CHECK(c1 && c1->st.c.status == SVC_CS_SUBMITTED && c1->st.c.total == 13000);
	CHECK(find(r, "C-region-n-2") == NULL);
	const agg *t2 = find(r, "T-region-n-2");
	CHECK(t2 && !t2->st.t.in_warranty && t2->st.t.charges == 0);
}

/* claim lines */
static void expect_claim_price(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "shop-a", 2,
	          "part: CMP-35 at 45000 fen, the price in force at its consumption is 46000 fen");
	const agg *c1 = find(r, "C-region-n-1"), *p = find(r, "P:CMP-35");
	CHECK(c1 && c1->st.c.status == SVC_CS_SUBMITTED && c1->st.c.total == 46000);
	CHECK(c1 && c1->st.c.priced && c1->st.c.parts[0].unit_price == 46000);
	CHECK(p && p->st.p.nprices == 3 && p->st.p.price == 48000);
}

static void expect_claim_tariff(const result *r)
{
	CHECK_INT(r->nrej, 1);
	CHECK_REJ(r, "hq", 5,
	          "claim C-region-n-1: line 2 is flagged (over-card): approving it in full needs "
	          "a reason");
	const agg *c1 = find(r, "C-region-n-1"), *t = find(r, "R:tariff");
	CHECK(c1 && c1->st.c.status == SVC_CS_AUDITED && c1->st.c.total == 14000);
	CHECK(c1 && c1->st.c.nlines == 2 && c1->st.c.lines[0].has_proposal &&
	      c1->st.c.lines[0].proposed == 6000);
	CHECK(t && t->st.tar.rates[SVC_GRADE_B] == 7000 && t->st.tar.nbands == 1);
}

static void expect_claim_ceiling(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "shop-a", 1,
	          "line 1: op AC-R01 is 9000 fen, over the ceiling of 8000 fen per line (policy "
	          "claim_line_max_fen)");
	CHECK_REJ(r, "shop-a", 2, "names policy version 0, ticket T-region-n-2 was judged under 1");
	const agg *c1 = find(r, "C-region-n-2");
	CHECK(c1 && c1->st.c.status == SVC_CS_SUBMITTED && c1->st.c.total == 6000 &&
	      c1->st.c.policy_version == 1);
}

static void expect_complaint_owner(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "region-n", 3,
	          "complaint K-region-n-1: escalated to HQ; region region-n may no longer move it");
	CHECK_REJ(r, "hq", 3, "complaint K-region-n-1: already escalated by region-n");
	const agg *k = find(r, "K-region-n-1");
	CHECK(k != NULL);
	if (!k)
		return;
	CHECK_INT(k->st.k.status, SVC_KS_INVESTIGATING);
	CHECK_INT(k->st.k.investigating, FX_T0 + 40000);
	CHECK_INT(k->st.k.notes, 1);
}

static void expect_complaint_refused(const result *r)
{
	char due[SVC_FOLD_INDEX_VALUE_LEN];
	CHECK_INT(r->nrej, 5);
	CHECK_REJ(r, "shop-a", 2, "no claim is made on a consult ticket (T-shop-a-1)");
	CHECK_REJ(r, "region-n", 1, "shop shop-b is not a shop of region region-n");
	CHECK_REJ(r, "region-n", 3,
	          "received -> concluded is not a valid transition (next: "
	          "investigating)");
	CHECK_REJ(r, "shop-b", 1, "only the shop it is about (shop-a) adds a statement");
	CHECK_REJ(r, "region-s", 1, "region region-s may not write its notes (region region-n");
	CHECK(find(r, "K-region-n-1") == NULL);
	const agg *k = find(r, "K-region-n-2");
	CHECK(k != NULL);
	if (!k)
		return;
	CHECK_INT(k->st.k.status, SVC_KS_RECEIVED);
	CHECK_INT(k->st.k.notes, 0);
	/* open: in the queue's three indexes under its deadline */
	snprintf(due, sizeof due, "%016" PRIu64, (uint64_t)(FX_T0 + 40000 + 3 * 86400000ULL));
	CHECK(has_ix(r, SVC_INDEX_COMPLAINT_DUE, due, "K-region-n-2"));
	snprintf(due, sizeof due, "region-n/%016" PRIu64,
	         (uint64_t)(FX_T0 + 40000 + 3 * 86400000ULL));
	CHECK(has_ix(r, SVC_INDEX_COMPLAINT_DUE_REGION, due, "K-region-n-2"));
	snprintf(due, sizeof due, "shop-a/%016" PRIu64,
	         (uint64_t)(FX_T0 + 40000 + 3 * 86400000ULL));
	CHECK(has_ix(r, SVC_INDEX_COMPLAINT_DUE_SHOP, due, "K-region-n-2"));
	CHECK_INT(r->ntally, 0);
}

static void expect_large(const result *r)
{
	CHECK_INT(r->nrej, 6);
	CHECK_REJ(r, "shop-a", 2, "shop-a may not set it on_site (assigned to shop-b)");
	CHECK_REJ(r, "hq", 6, "assigned -> closed is not a valid transition");
	CHECK_REJ(r, "hq", 7, "approve is for revision 1, the claim is at revision 2");
	CHECK_REJ(r, "shop-a", 5, "cancelled -> on_site is not a valid transition");
	CHECK_REJ(r, "region-n", 13, "cannot return a claim that is partially_approved");
	CHECK_REJ(r, "hq", 12, "revocation is for serial 1, the current certificate is serial 2");
	const agg *t = find(r, "T-region-n-1"), *w = find(r, "T-shop-a-3"),
	          *cl = find(r, "C-region-n-1"), *n = find(r, "N:shop-b"), *p = find(r, "P:CMP-35");
	CHECK(t && w && cl && n && p);
	if (!t || !w || !cl || !n || !p)
		return;
	CHECK_INT(t->st.t.status, SVC_TS_CLOSED);
	CHECK_STR(t->st.t.shop, "shop-b");
	CHECK_INT(t->st.t.reopened, 1);
	CHECK_INT(t->st.t.first_response, FX_T0 + 60000);
	CHECK_INT(t->st.t.on_site, FX_T0 + 240000);
	CHECK_INT(t->st.t.resolved, FX_T0 + 600000);
	CHECK_INT(t->st.t.closed, FX_T0 + 700000);
	CHECK_INT(t->st.t.satisfaction, 5);
	CHECK_INT(t->st.t.notes, 3);
	CHECK_INT(w->st.t.status, SVC_TS_CANCELLED);
	CHECK_INT(cl->st.c.status, SVC_CS_PAID);
	CHECK_INT(cl->st.c.revision, 2);
	CHECK_INT(cl->st.c.approved, 58000);
	CHECK(!n->st.n.revoked);
	CHECK_INT(n->st.n.serial, 2);
	CHECK_INT(p->st.p.price, 49000);
	CHECK_INT(stock_of(r, "hq")->on_hand, 80);
	CHECK_INT(stock_of(r, "region-n")->on_hand, 15);
	CHECK_INT(stock_of(r, "region-n")->in_transit_in, 0);
	CHECK_INT(stock_of(r, "shop-b")->on_hand, 4);
	CHECK_INT(stock_of(r, "shop-b")->defective, 1);
	CHECK_INT(stock_of(r, "shop-b")->in_transit_in, 0);
	CHECK_INT(stock_of(r, "shop-a")->on_hand, 3);
}

/* ------------------------------------------------------------ running */

static result g_ref, g_batch, g_incr;
static encoded g_ref_enc;
static long g_orders;

/* Fold one order both ways and compare with the reference. Stops reporting
 * after the first mismatch of a set to keep the log readable. */
static bool run_order(const change_set *s, const svc_change *const *order, bool codec)
{
	fold_batch(s->c, s->n, order, s->n, &g_batch);
	result_canon(&g_batch);
	fold_incremental(s->c, s->n, order, s->n, &g_incr);
	result_canon(&g_incr);
	g_orders++;
	bool ok =
	    g_batch.naccepted + g_batch.nrej == s->n && g_incr.naccepted + g_incr.nrej == s->n;
	ok = result_same(&g_batch, &g_ref, &g_ref_enc, codec, "batch fold") && ok;
	ok = result_same(&g_incr, &g_ref, &g_ref_enc, codec, "incremental fold") && ok;
	return ok;
}

static void report_order(const change_set *s, const svc_change *const *order)
{
	fprintf(stderr, "%s: failing arrival order:", s->name);
	for (int i = 0; i < s->n; i++)
		fprintf(stderr, " %s/%" PRIu64, order[i]->origin, order[i]->seq);
	fprintf(stderr, "\n");
}

static void prepare(change_set *s, void (*build)(change_set *), const char *name,
                    void (*expect)(const result *))
{
	memset(s, 0, sizeof *s);
	s->name = name;
	build(s);
	check_set(s);
	const svc_change *order[MAXC];
	for (int i = 0; i < s->n; i++)
		order[i] = &s->c[i];
	fold_batch(s->c, s->n, order, s->n, &g_ref);
	result_canon(&g_ref);
	encode_all(&g_ref, &g_ref_enc);
	CHECK_INT(g_ref.naccepted + g_ref.nrej, s->n);
	CHECK(g_ref.nrej > 0); /* every set exercises a conflict */
	for (int i = 0; i < g_ref.nrej; i++) {
		CHECK(g_ref.rej[i].reason[0] != '\0');
		CHECK(strchr(g_ref.rej[i].reason, '\n') == NULL);
	}
	expect(&g_ref);
}

/* the shop's ledger: shop-a's June 2024 (FX_T0's month in Asia/Shanghai:
 * its bounds in UTC ms, as the writer computes them). */
#define YX_MONTH "Y:shop-a/2024-06"
#define YX_FROM 1717171200000ULL
#define YX_TO 1719763200000ULL

static void yx_run(svc_change *c, const char *op, const char *ref, const char *claim,
                   int64_t amount, uint32_t version)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_PAY_RUN;
	FX_COPY(c->aggregate, YX_MONTH);
	FX_COPY(c->operator, op);
	svc_pay_run *b = &c->u.pay_run;
	FX_COPY(b->ref, ref);
	b->nclaims = 1;
	FX_COPY(b->claims[0].claim, claim);
	b->claims[0].amount = amount;
	b->from = YX_FROM;
	b->to = YX_TO;
	b->policy_version = version;
}

/* Y1: a shop's month. shop-a's claim is audited and approved in part; HQ
 * pays it in a run, and a second run that names it again is refused (paid
 * once); HQ deducts; the shop confirms with its invoice, and its second
 * confirmation is refused. The run reads the claim at its place in fold
 * order: whatever order the approval arrives in, it precedes the run. */
static void set_statement(change_set *s)
{
	svc_change *c;
	fx_submit(push(s, &FX_SA, 10, 0), "T-shop-a-1", 1, 8000, 0, 0, 2000);
	fx_decide(push(s, &FX_RN, 20, 0), "C-shop-a-1", SVC_CA_AUDIT, 1, 0, 10000);
	c = push(s, &FX_HQ, 30, 0);
	fx_decide(c, "C-shop-a-1", SVC_CA_APPROVE, 1, 9000, 10000);
	FX_COPY(c->operator, "王审核");
	yx_run(push(s, &FX_HQ, 40, 0), "李出纳", "BANK-1", "C-shop-a-1", 9000, 0);
	yx_run(push(s, &FX_HQ, 41, 0), "李出纳", "BANK-2", "C-shop-a-1", 9000, 0);
	c = push(s, &FX_HQ, 45, 0);
	c->kind = SVC_CK_LEDGER_DEDUCT;
	FX_COPY(c->aggregate, YX_MONTH);
	c->u.ledger_deduct.fen = 500;
	FX_COPY(c->u.ledger_deduct.reason, "虚报工时");
	c = push(s, &FX_SA, 50, 0);
	c->kind = SVC_CK_STATEMENT_CONFIRM;
	FX_COPY(c->aggregate, YX_MONTH);
	FX_COPY(c->u.statement_confirm.invoice, "发票 44031234");
	c = push(s, &FX_SA, 51, 0);
	c->kind = SVC_CK_STATEMENT_CONFIRM;
	FX_COPY(c->aggregate, YX_MONTH);
	FX_COPY(c->u.statement_confirm.invoice, "44031235");
}

static void expect_statement(const result *r)
{
	CHECK_INT(r->nrej, 2);
	CHECK_REJ(r, "hq", 3, "claim C-shop-a-1: already paid in run BANK-1");
	CHECK_REJ(r, "shop-a", 3, "statement Y:shop-a/2024-06: already confirmed with invoice");
	const agg *y = find(r, YX_MONTH);
	CHECK(y != NULL);
	if (!y)
		return;
	const svc_statement *st = &y->st.y;
	CHECK_STR(st->shop, "shop-a");
	CHECK_INT(st->month, 202406);
	CHECK_INT(st->nruns, 1);
	CHECK_STR(st->runs[0].ref, "BANK-1");
	CHECK_STR(st->runs[0].op, "李出纳");
	CHECK_INT(st->runs[0].total, 9000);
	CHECK_INT(st->npaid, 1);
	CHECK_STR(st->paid[0].claim, "C-shop-a-1");
	CHECK_INT(st->ndeductions, 1);
	CHECK_INT(st->deductions[0].fen, 500);
	CHECK_STR(st->invoice, "发票 44031234");
	CHECK_INT(st->confirmed, FX_T0 + 50000);
}

/* Y2: what a run may pay, judged from the claims it reads. With policy
 * version 1 (pay_require_two=yes), the approver's own run is refused, a
 * run that precedes the
 * approval in fold order is refused (the claim is only audited there), a
 * run for another shop's claim is refused; another operator's run for the
 * approved amount stands. */
static void set_statement_pay(change_set *s)
{
	svc_change *c;
	fx_policy(push(s, &FX_HQ, 0, 0), 1, 20240610, "pay_require_two", "yes");
	fx_submit(push(s, &FX_SA, 10, 0), "T-shop-a-1", 1, 8000, 0, 0, 0);
	fx_decide(push(s, &FX_RN, 20, 0), "C-shop-a-1", SVC_CA_AUDIT, 1, 0, 8000);
	yx_run(push(s, &FX_HQ, 25, 0), "李出纳", "EARLY", "C-shop-a-1", 8000, 1);
	c = push(s, &FX_HQ, 30, 0);
	fx_decide(c, "C-shop-a-1", SVC_CA_APPROVE, 1, 8000, 8000);
	FX_COPY(c->operator, "王审核");
	yx_run(push(s, &FX_HQ, 40, 0), "王审核", "SELF", "C-shop-a-1", 8000, 1);
	yx_run(push(s, &FX_HQ, 42, 0), "李出纳", "OTHER", "C-shop-b-1", 8000, 1);
	yx_run(push(s, &FX_HQ, 43, 0), "李出纳", "BANK-1", "C-shop-a-1", 8000, 1);
}

static void expect_statement_pay(const result *r)
{
	CHECK_INT(r->nrej, 3);
	CHECK_REJ(r, "hq", 2, "claim C-shop-a-1: is audited, only an approved claim is paid");
	CHECK_REJ(r, "hq", 4,
	          "claim C-shop-a-1: approved by 王审核, and the policy (pay_require_two) wants "
	          "another operator to pay it");
	CHECK_REJ(r, "hq", 5, "claim C-shop-b-1: not a claim of shop shop-a");
	const agg *y = find(r, YX_MONTH);
	CHECK(y && y->st.y.nruns == 1 && strcmp(y->st.y.runs[0].ref, "BANK-1") == 0);
	CHECK(y && y->st.y.npaid == 1 && y->st.y.paid[0].amount == 8000);
}

/* Every permutation (Heap's algorithm, iterative). */
static void all_orders(void (*build)(change_set *), const char *name,
                       void (*expect)(const result *))
{
	static change_set s;
	prepare(&s, build, name, expect);
	if (s.n > 8) {
		fprintf(stderr, "%s: %d changes, too many for every order\n", name, s.n);
		CHECK(s.n <= 8);
		return;
	}
	const svc_change *order[MAXC];
	int cnt[MAXC] = {0};
	for (int i = 0; i < s.n; i++)
		order[i] = &s.c[i];
	long n = 0, bad = 0;
	/* The codec runs on a sample of orders: its bytes follow from the
	 * struct bytes, which every order compares. */
	if (!run_order(&s, order, true) && bad++ == 0)
		report_order(&s, order);
	n++;
	int i = 0;
	while (i < s.n) {
		if (cnt[i] < i) {
			int j = (i % 2 == 0) ? 0 : cnt[i];
			const svc_change *tmp = order[j];
			order[j] = order[i];
			order[i] = tmp;
			if (!run_order(&s, order, n % 64 == 0) && bad++ == 0)
				report_order(&s, order);
			n++;
			cnt[i]++;
			i = 0;
		} else {
			cnt[i] = 0;
			i++;
		}
	}
	long fact = 1;
	for (int k = 2; k <= s.n; k++)
		fact *= k;
	CHECK_INT(n, fact);
	CHECK_INT(bad, 0);
	printf("%-12s %2d changes, %6ld orders (all), %d rejected, %ld orders differ\n", name, s.n,
	       n, g_ref.nrej, bad);
}

static void random_orders(void (*build)(change_set *), const char *name,
                          void (*expect)(const result *), int rounds)
{
	static change_set s;
	prepare(&s, build, name, expect);
	CHECK(s.n >= 30);
	const svc_change *order[MAXC];
	for (int i = 0; i < s.n; i++)
		order[i] = &s.c[i];
	uint64_t rng = 0x5eed5eedULL;
	long bad = 0;
	for (int round = 0; round < rounds; round++) {
		/* Round 0 is the written (causal) order, round 1 its reverse. */
		if (round == 1) {
			for (int i = 0; i < s.n / 2; i++) {
				const svc_change *tmp = order[i];
				order[i] = order[s.n - 1 - i];
				order[s.n - 1 - i] = tmp;
			}
		} else if (round > 1) {
			for (int i = s.n - 1; i > 0; i--) {
				int j = (int)(svc_test_rand(&rng) % (uint64_t)(i + 1));
				const svc_change *tmp = order[i];
				order[i] = order[j];
				order[j] = tmp;
			}
		}
		if (!run_order(&s, order, true) && bad++ == 0)
			report_order(&s, order);
	}
	CHECK_INT(bad, 0);
	printf("%-12s %2d changes, %6d orders (random), %d rejected, %ld orders differ\n", name,
	       s.n, rounds, g_ref.nrej, bad);
}

/* The drivers must notice a difference when there is one: a set with one
 * change left out folds differently. */
static void test_drivers_discriminate(void)
{
	static change_set s;
	memset(&s, 0, sizeof s);
	s.name = "discriminate";
	set_reassign(&s);
	const svc_change *order[MAXC];
	for (int i = 0; i < s.n; i++)
		order[i] = &s.c[i];
	fold_batch(s.c, s.n, order, s.n, &g_ref);
	result_canon(&g_ref);
	encode_all(&g_ref, &g_ref_enc);
	/* Without HQ's note (index 3). */
	const svc_change *fewer[MAXC];
	int m = 0;
	for (int i = 0; i < s.n; i++)
		if (i != 3)
			fewer[m++] = &s.c[i];
	fold_batch(s.c, s.n, fewer, m, &g_batch);
	result_canon(&g_batch);
	CHECK(!result_same(&g_batch, &g_ref, &g_ref_enc, true, NULL));
	/* ... and so does a state that differs in one byte. */
	fold_batch(s.c, s.n, order, s.n, &g_batch);
	result_canon(&g_batch);
	CHECK(result_same(&g_batch, &g_ref, &g_ref_enc, true, "same set"));
	agg *t = NULL;
	for (int i = 0; i < g_batch.naggs; i++)
		if (strcmp(g_batch.aggs[i].id, "T-region-n-1") == 0)
			t = &g_batch.aggs[i];
	CHECK(t != NULL);
	if (!t)
		return;
	t->st.t.notes++;
	CHECK(!result_same(&g_batch, &g_ref, &g_ref_enc, false, NULL));
	t->st.t.notes--;
	snprintf(g_batch.rej[0].reason, sizeof g_batch.rej[0].reason, "another reason");
	CHECK(!result_same(&g_batch, &g_ref, &g_ref_enc, false, NULL));
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	clock_t t0 = clock();
	test_drivers_discriminate();
	all_orders(set_reassign, "reassign", expect_reassign);
	all_orders(set_cancel_race, "cancel-race", expect_cancel_race);
	all_orders(set_claim, "claim", expect_claim);
	all_orders(set_claim_ticket, "claim-ticket", expect_claim_ticket);
	all_orders(set_claim_parts, "claim-parts", expect_claim_parts);
	all_orders(set_claim_parts_late, "claim-parts-late", expect_claim_parts_late);
	all_orders(set_old_parts, "old-parts", expect_old_parts);
	all_orders(set_old_parts_reversal, "old-parts-rev", expect_old_parts_reversal);
	all_orders(set_customer, "customer", expect_customer);
	all_orders(set_unit, "unit", expect_unit);
	all_orders(set_parts, "parts", expect_parts);
	all_orders(set_directory, "directory", expect_directory);
	all_orders(set_policy, "policy", expect_policy);
	all_orders(set_ticket_policy, "tk-policy", expect_ticket_policy);
	all_orders(set_override, "override", expect_override);
	all_orders(set_callbacks, "callbacks", expect_callbacks);
	all_orders(set_complaint, "complaint", expect_complaint);
	all_orders(set_complaint_owner, "complaint-owner", expect_complaint_owner);
	all_orders(set_complaint_refused, "complaint-refused", expect_complaint_refused);
	all_orders(set_charge, "charge", expect_charge);
	all_orders(set_claim_price, "claim-price", expect_claim_price);
	all_orders(set_claim_tariff, "claim-tariff", expect_claim_tariff);
	all_orders(set_claim_ceiling, "claim-ceiling", expect_claim_ceiling);
	all_orders(set_statement, "statement", expect_statement);
	all_orders(set_statement_pay, "statement-pay", expect_statement_pay);
	all_orders(set_shop, "shop", expect_shop);
	all_orders(set_shop_refused, "shop-refused", expect_shop_refused);
	random_orders(set_large, "large", expect_large, rounds);
	printf("%ld orders folded twice each in %.1f s CPU\n", g_orders,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	return svc_test_done();
}

/*
 * svc_sync: commits, read isolation, batch build and apply. See svc_sync.h.
 *
 * Trust. A receiver believes a change because (1) it is covered by a commit
 * whose Ed25519 signature verifies with its origin's certified key (HQ's key
 * from the enrollment bundle for HQ itself), (2) its BLAKE2b hash is the one
 * that commit lists for its seq, and (3) svc_apply_remote() finds it chains to
 * the origin's previous change where that is held, and that the origin's
 * certificate allows it. The peer that relayed it is trusted for nothing but
 * the shape of the tree: a downstream peer may only relay changes from its
 * own subtree.
 *
 * Read isolation. Downward, a peer receives only what DESIGN.md section 5
 * says it may see, decided per change against the current folded state of
 * its aggregate, which holds accepted changes only: a rejected assignment
 * gives nobody the ticket, and a late change that re-folds an assignment
 * away takes the ticket's later changes away from that shop. Each kind's
 * rule is in its entry of the fold's kind table (lib/fold_visible.c); this
 * file keeps what holds for every kind. Upward, a node sends what
 * originated at it or below it.
 */
#include "svc_sync.h"

#include "svc_err.h"
#include "svc_fold.h"
#include "svc_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ commits */

struct commit_arg {
	const svc_keypair *kp;
	size_t made;
	uint8_t (*hashes)[SVC_HASH_LEN];
	uint8_t *hbuf, *sbuf;
};

static int commit_fn(svc_txn *t, void *argp)
{
	struct commit_arg *a = argp;
	svc_self self;
	uint64_t head, last;
	uint8_t head_hash[SVC_HASH_LEN], sig[SVC_SIG_LEN];
	const uint8_t *prev_bytes;
	size_t prev_len;
	svc_commit_header h;
	int rc;

	a->made = 0;
	rc = svc_self_get(t, &self);
	if (!rc)
		rc = svc_journal_head_get(t, self.node, &head, head_hash);
	if (!rc)
		rc = svc_journal_commit_latest(t, self.node, &last, &prev_bytes, &prev_len);
	if (rc)
		return rc;
	memset(&h, 0, sizeof h);
	snprintf(h.origin, sizeof h.origin, "%s", self.node);
	if (prev_bytes) {
		const uint8_t *body;
		size_t blen;
		uint8_t psig[SVC_SIG_LEN];
		rc = svc_codec_signed_decode(prev_bytes, prev_len, &body, &blen, psig);
		if (rc)
			return svc_errctx(rc, "own commit %s/%llu", self.node,
			                  (unsigned long long)last);
		svc_hash(body, blen, h.prev_commit);
		h.has_prev = true;
	}
	/* At most 16 commits per write transaction, so a long offline backlog
	 * is signed in bounded memory (LMDB keeps a transaction's dirty pages
	 * in memory until it commits). */
	while (last < head && a->made < 16) {
		uint64_t n = head - last;
		if (n > SVC_COMMIT_CHANGES_MAX)
			n = SVC_COMMIT_CHANGES_MAX;
		for (uint64_t i = 0; i < n; i++) {
			rc = svc_journal_change_hash(t, self.node, last + 1 + i, a->hashes[i]);
			if (rc)
				return rc == SVC_ENOTFOUND
				           ? svc_errf(SVC_ESTORE, "own change %s/%llu is missing",
				                      self.node, (unsigned long long)(last + 1 + i))
				           : rc;
		}
		h.first_seq = last + 1;
		h.last_seq = last + n;
		h.nhashes = (size_t)n;
		h.hashes = a->hashes;
		size_t hlen, slen;
		rc = svc_codec_commit_header_encode(&h, a->hbuf, SVC_COMMIT_MAX, &hlen);
		if (rc)
			return rc;
		svc_sign(a->kp, a->hbuf, hlen, sig);
		rc = svc_codec_signed_encode(a->hbuf, hlen, sig, a->sbuf, SVC_COMMIT_MAX + 256,
		                             &slen);
		if (rc)
			return rc;
		rc = svc_journal_commit_put(t, self.node, h.first_seq, h.last_seq, a->sbuf, slen);
		if (rc)
			return rc;
		svc_hash(a->hbuf, hlen, h.prev_commit);
		h.has_prev = true;
		last += n;
		a->made++;
	}
	return 0;
}

int svc_sync_commit_local(svc_store *s, const svc_keypair *kp, size_t *made)
{
	struct commit_arg a = {.kp = kp};
	a.hashes = malloc(SVC_COMMIT_CHANGES_MAX * sizeof *a.hashes);
	a.hbuf = malloc(SVC_COMMIT_MAX);
	a.sbuf = malloc(SVC_COMMIT_MAX + 256);
	size_t total = 0;
	int rc = (a.hashes && a.hbuf && a.sbuf) ? 0 : svc_errf(SVC_ENOMEM, "out of memory");
	while (!rc) {
		rc = svc_store_write(s, commit_fn, &a);
		total += rc ? 0 : a.made;
		if (rc || a.made < 16)
			break;
		/* Signing a week offline reads every change once: do not keep
		 * what was read resident. */
		svc_store_release_pages(s);
	}
	a.made = total;
	free(a.hashes);
	free(a.hbuf);
	free(a.sbuf);
	if (made)
		*made = rc ? 0 : a.made;
	return rc;
}

/* ------------------------------------------------------------ peers and visibility */

int svc_sync_peer_view(svc_txn *t, const char *peer, bool upstream, svc_peer_view *out)
{
	svc_node n;
	memset(out, 0, sizeof *out);
	snprintf(out->node, sizeof out->node, "%s", peer);
	out->upstream = upstream;
	int rc = svc_fold_node_get(t, peer, &n);
	if (rc == SVC_ENOTFOUND && upstream) {
		/* A fresh node learns its upstream's certificate only from
		 * the first batch; the enrollment bundle already says who it
		 * is: HQ, or else this node's region. */
		svc_self self;
		if (svc_self_get(t, &self) == 0 && strcmp(self.upstream, peer) == 0) {
			svc_errclear();
			bool hq = strcmp(self.hq_node, peer) == 0;
			out->role = hq ? SVC_ROLE_HQ : SVC_ROLE_REGION;
			if (!hq)
				snprintf(out->region, sizeof out->region, "%s", peer);
			return 0;
		}
	}
	if (rc)
		return rc;
	out->role = n.role;
	snprintf(out->region, sizeof out->region, "%s", n.region);
	return 0;
}

/* The upstream of `node` per the directory ("" when unknown). */
static void upstream_of(svc_txn *t, const char *node, char out[SVC_ID_LEN])
{
	svc_node n;
	out[0] = '\0';
	if (svc_fold_node_get(t, node, &n) == 0)
		snprintf(out, SVC_ID_LEN, "%s", n.upstream);
	svc_errclear();
}

bool svc_sync_visible(svc_txn *t, const svc_peer_view *pv, const svc_change *c)
{
	svc_self self;
	char up[SVC_ID_LEN];

	if (strcmp(c->origin, pv->node) == 0)
		return false; /* never send a peer its own changes (but see own_wanted) */
	if (svc_self_get(t, &self))
		return false;
	if (pv->upstream) {
		if (strcmp(c->origin, self.node) == 0)
			return true;
		upstream_of(t, c->origin, up);
		return strcmp(up, self.node) == 0;
	}
	/* Downward: not what came from the peer's own subtree. */
	upstream_of(t, c->origin, up);
	if (strcmp(up, pv->node) == 0)
		return false;
	if (pv->role == SVC_ROLE_HQ)
		return true; /* HQ below this node cannot happen; be generous */

	/* The rest is the kind's rule (its entry in the fold's kind table). */
	const svc_fold_kind *k = svc_fold_kind_of(svc_rules_agg_type(c));
	svc_fold_peer fp = {pv->node, pv->role, pv->region};
	return k && k->visible && k->visible(t, &fp, c);
}

/* ------------------------------------------------------------ heads */

void svc_heads_free(svc_heads *h)
{
	free(h->heads);
	h->heads = NULL;
	h->n = 0;
}

static int heads_cmp(const void *a, const void *b)
{
	return strcmp(((const svc_origin_head *)a)->origin, ((const svc_origin_head *)b)->origin);
}

struct heads_arg {
	svc_heads *h;
	size_t cap;
	svc_txn *t;
	const svc_peer_view *pv; /* downward: keep only its subtree; else NULL */
};

static int heads_step(const char *origin, uint64_t seq, const uint8_t hash[SVC_HASH_LEN],
                      uint64_t contig, void *argp)
{
	struct heads_arg *a = argp;
	(void)seq;
	(void)hash;
	if (!contig)
		return 0;
	if (a->pv && strcmp(origin, a->pv->node) != 0) {
		char up[SVC_ID_LEN];
		upstream_of(a->t, origin, up);
		if (strcmp(up, a->pv->node) != 0)
			return 0;
	}
	if (a->h->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		if (cap > SVC_HELLO_HEADS_MAX)
			return 0; /* a summary is an optimisation: stop growing */
		svc_origin_head *p = realloc(a->h->heads, cap * sizeof *p);
		if (!p)
			return svc_errf(SVC_ENOMEM, "out of memory");
		a->h->heads = p;
		a->cap = cap;
	}
	svc_origin_head *oh = &a->h->heads[a->h->n++];
	snprintf(oh->origin, sizeof oh->origin, "%s", origin);
	oh->seq = contig;
	return 0;
}

int svc_sync_heads(svc_txn *t, svc_heads *out)
{
	struct heads_arg a = {out, 0, t, NULL};
	memset(out, 0, sizeof *out);
	int rc = svc_journal_head_each(t, heads_step, &a);
	if (rc)
		svc_heads_free(out);
	return rc;
}

int svc_sync_heads_for(svc_txn *t, const svc_peer_view *pv, svc_heads *out)
{
	struct heads_arg a = {out, 0, t, pv->upstream ? NULL : pv};
	memset(out, 0, sizeof *out);
	int rc = svc_journal_head_each(t, heads_step, &a);
	if (rc)
		svc_heads_free(out);
	return rc;
}

int svc_heads_from_hello(const svc_hello *h, svc_heads *out)
{
	memset(out, 0, sizeof *out);
	if (!h->nheads)
		return 0;
	out->heads = malloc(h->nheads * sizeof *out->heads);
	if (!out->heads)
		return svc_errf(SVC_ENOMEM, "out of memory");
	memcpy(out->heads, h->heads, h->nheads * sizeof *out->heads);
	out->n = h->nheads;
	qsort(out->heads, out->n, sizeof *out->heads, heads_cmp);
	return 0;
}

static const svc_origin_head *heads_find(const svc_heads *h, const char *origin)
{
	if (!h || !h->n)
		return NULL;
	svc_origin_head key;
	snprintf(key.origin, sizeof key.origin, "%s", origin);
	return bsearch(&key, h->heads, h->n, sizeof key, heads_cmp);
}

static uint64_t heads_lookup(const svc_heads *h, const char *origin)
{
	const svc_origin_head *f = heads_find(h, origin);
	return f ? f->seq : 0;
}

/*
 * A peer is never sent its own changes, except downward when its HELLO
 * summary says it lacks them: a node restored from a backup fetches back
 * what it made after the backup (see "Restores" in svc_journal_restore.c). Its summary
 * must list its own origin for that; a summary that leaves it out asks for
 * nothing.
 */
static bool own_wanted(const svc_peer_view *pv, const svc_heads *skip, const char *origin,
                       uint64_t seq)
{
	if (pv->upstream || strcmp(origin, pv->node) != 0)
		return false;
	const svc_origin_head *f = heads_find(skip, origin);
	return f && seq > f->seq;
}

/* ------------------------------------------------------------ build */

typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t last;
} commit_ref;

struct build {
	svc_txn *t;
	const svc_peer_view *pv;
	const svc_heads *skip;
	const svc_build_limits *lim;
	svc_self self;
	svc_blob *changes;
	size_t nchanges, cap_changes;
	svc_blob *commits; /* with refs: cap_commits entries each */
	commit_ref *refs;
	size_t ncommits, cap_commits;
	size_t bytes, scanned;
	uint64_t to_lsn, own_last;
	uint64_t own_hold; /* upward: own changes above this wait (0: none wait) */
	bool more, blocked;
	int err;
};

static bool have_commit(struct build *b, const char *origin, uint64_t last)
{
	/* Batches hold few commits (one per 1,024 changes of an origin), and
	 * the newest is the likeliest match: search backwards. */
	for (size_t i = b->ncommits; i-- > 0;)
		if (b->refs[i].last == last && strcmp(b->refs[i].origin, origin) == 0)
			return true;
	return false;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 256;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return svc_errf(SVC_ENOMEM, "out of memory");
	*p = q;
	*cap = n;
	return 0;
}

/* Add one change and the commit covering it. Returns 1 when a limit says
 * the batch is full (nothing added). */
static int add_change(struct build *b, const svc_logged_change *lc)
{
	const uint8_t *cb = NULL;
	size_t clen = 0;
	uint64_t first, last;
	bool need_commit;
	int rc = svc_journal_commit_find(b->t, lc->c.origin, lc->c.seq, &cb, &clen, &first, &last);
	if (rc == SVC_ENOTFOUND) {
		if (strcmp(lc->c.origin, b->self.node) == 0) {
			b->blocked = true; /* sign first, then ship */
			return 1;
		}
		cb = NULL; /* the receiver will quarantine it, visibly */
	} else if (rc) {
		return rc;
	}
	need_commit = cb && !have_commit(b, lc->c.origin, last);
	size_t add = lc->len + (need_commit ? clen : 0);
	if (b->nchanges &&
	    (b->nchanges + 1 > b->lim->max_changes || b->bytes + add > b->lim->max_bytes)) {
		b->more = true;
		return 1;
	}
	rc = grow((void **)&b->changes, &b->cap_changes, b->nchanges + 1, sizeof *b->changes);
	if (rc)
		return rc;
	b->changes[b->nchanges].data = lc->bytes;
	b->changes[b->nchanges].len = lc->len;
	b->nchanges++;
	if (strcmp(lc->c.origin, b->self.node) == 0 && lc->c.seq > b->own_last)
		b->own_last = lc->c.seq;
	if (need_commit) {
		if (b->ncommits == b->cap_commits) {
			size_t n = b->cap_commits ? b->cap_commits * 2 : 16;
			svc_blob *c2 = realloc(b->commits, n * sizeof *c2);
			if (!c2)
				return svc_errf(SVC_ENOMEM, "out of memory");
			b->commits = c2;
			commit_ref *r2 = realloc(b->refs, n * sizeof *r2);
			if (!r2)
				return svc_errf(SVC_ENOMEM, "out of memory");
			b->refs = r2;
			b->cap_commits = n;
		}
		b->commits[b->ncommits].data = cb;
		b->commits[b->ncommits].len = clen;
		snprintf(b->refs[b->ncommits].origin, SVC_ID_LEN, "%s", lc->c.origin);
		b->refs[b->ncommits].last = last;
		b->ncommits++;
	}
	b->bytes += add;
	return 0;
}

struct backfill {
	struct build *b;
	uint64_t before_lsn;
};

static int backfill_step(const svc_logged_change *lc, void *argp)
{
	struct backfill *bf = argp;
	if (lc->lsn >= bf->before_lsn || strcmp(lc->c.origin, bf->b->pv->node) == 0)
		return 0;
	if (lc->c.seq <= heads_lookup(bf->b->skip, lc->c.origin))
		return 0;
	return add_change(bf->b, lc);
}

/* Entries the peer must not get, recognised from the arrival log alone:
 * no change is loaded or decoded for them. */
static bool build_want(uint64_t lsn, const char *origin, uint64_t seq, void *argp)
{
	struct build *b = argp;
	if (b->scanned >= b->lim->max_scan)
		return true; /* build_step stops the scan */
	if ((strcmp(origin, b->pv->node) == 0 && !own_wanted(b->pv, b->skip, origin, seq)) ||
	    seq <= heads_lookup(b->skip, origin)) {
		b->scanned++;
		b->to_lsn = lsn;
		return false;
	}
	return true;
}

static int build_step(const svc_logged_change *lc, void *argp)
{
	struct build *b = argp;
	int rc;

	if (++b->scanned > b->lim->max_scan) {
		b->more = true;
		return 1;
	}
	if (b->own_hold && lc->c.seq > b->own_hold && strcmp(lc->c.origin, b->self.node) == 0)
		return 1; /* not past this change: it goes once the hold is lifted */
	if (lc->c.seq <= heads_lookup(b->skip, lc->c.origin) ||
	    (!own_wanted(b->pv, b->skip, lc->c.origin, lc->c.seq) &&
	     !svc_sync_visible(b->t, b->pv, &lc->c))) {
		b->to_lsn = lc->lsn;
		return 0;
	}
	/* A shop that gains a ticket first gets the ticket's earlier history.
	 * (A ticket's history is tens of changes; a batch holds thousands.) */
	if (b->pv->role == SVC_ROLE_SHOP && !b->pv->upstream && !lc->rejected &&
	    lc->c.kind == SVC_CK_TICKET_ASSIGN &&
	    strcmp(lc->c.u.ticket_assign.shop, b->pv->node) == 0) {
		size_t mark = b->nchanges;
		struct backfill bf = {b, lc->lsn};
		/* customer: the customer file and product unit the ticket refers
		 * to come first, then the ticket's own history */
		svc_ticket tk;
		rc = 0;
		if (svc_fold_ticket_get(b->t, lc->c.aggregate, &tk) == 0) {
			if (tk.customer_id[0])
				rc = svc_journal_agg_each(b->t, tk.customer_id, backfill_step, &bf);
			if (rc == 0 && tk.unit_id[0])
				rc = svc_journal_agg_each(b->t, tk.unit_id, backfill_step, &bf);
		} else {
			svc_errclear();
		}
		if (rc == 0)
			rc = svc_journal_agg_each(b->t, lc->c.aggregate, backfill_step, &bf);
		if (rc == 1 && mark > 0) {
			/* Did not fit: send what we have, this change next time. */
			b->nchanges = mark;
			return 1;
		}
		if (rc < 0)
			return rc;
	}
	/* customer: a shop that receives a merge of a file it holds first gets
	 * the survivor's history (the merge's check reads the survivor). */
	if (b->pv->role == SVC_ROLE_SHOP && !b->pv->upstream && !lc->rejected &&
	    (lc->c.kind == SVC_CK_CUSTOMER_MERGE || lc->c.kind == SVC_CK_UNIT_MERGE)) {
		size_t mark = b->nchanges;
		struct backfill bf = {b, lc->lsn};
		rc = svc_journal_agg_each(b->t,
		                          lc->c.kind == SVC_CK_CUSTOMER_MERGE
		                              ? lc->c.u.customer_merge.into
		                              : lc->c.u.unit_merge.into,
		                          backfill_step, &bf);
		if (rc == 1 && mark > 0) {
			b->nchanges = mark;
			return 1;
		}
		if (rc < 0)
			return rc;
	}
	rc = add_change(b, lc);
	if (rc)
		return rc;
	b->to_lsn = lc->lsn;
	return 0;
}

int svc_sync_build(svc_store *s, const svc_peer_view *pv, uint64_t after_lsn, const svc_heads *skip,
                   const svc_build_limits *lim, uint64_t batch_id, uint8_t **msg, size_t *len,
                   svc_build_result *res)
{
	struct build b;
	svc_txn *t;
	int rc;

	*msg = NULL;
	*len = 0;
	memset(res, 0, sizeof *res);
	memset(&b, 0, sizeof b);
	rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	b.t = t;
	b.pv = pv;
	b.skip = skip;
	b.lim = lim;
	b.to_lsn = after_lsn;
	rc = svc_self_get(t, &b.self);
	if (!rc && pv->upstream) {
		/*
		 * The upstream holds this node's origin through seq X. Until
		 * this node knows that those X are its own (see "Restores" in
		 * svc_journal_restore.c), a later own change would be chained to
		 * something the upstream may not hold: hold it back until the
		 * upstream has sent the unconfirmed ones back.
		 */
		svc_restore_state r;
		uint64_t x = heads_lookup(skip, b.self.node);
		rc = svc_restore_get(t, &r);
		if (!rc && r.confirmed_known && x > r.confirmed)
			b.own_hold = x;
	}
	if (!rc) {
		rc = svc_journal_each_from_want(t, after_lsn + 1, build_want, build_step, &b);
		if (rc == 1)
			rc = 0;
	}
	if (!rc && (b.nchanges || b.to_lsn > after_lsn)) {
		svc_msg m;
		memset(&m, 0, sizeof m);
		m.type = SVC_MSG_BATCH;
		m.u.batch.id = batch_id;
		m.u.batch.to_lsn = b.to_lsn;
		m.u.batch.nchanges = b.nchanges;
		m.u.batch.changes = b.changes;
		m.u.batch.ncommits = b.ncommits;
		m.u.batch.commits = b.commits;
		rc = svc_codec_msg_encode(&m, msg, len);
	}
	svc_txn_abort(&t);
	res->to_lsn = b.to_lsn;
	res->nchanges = b.nchanges;
	res->ncommits = b.ncommits;
	res->more = b.more;
	res->blocked = b.blocked;
	res->own_last = b.own_last;
	free(b.changes);
	free(b.commits);
	free(b.refs);
	return rc;
}

/* ------------------------------------------------------------ apply */

typedef struct {
	int state; /* 0 unchecked, 1 good, -1 bad */
	char origin[SVC_ID_LEN];
	uint64_t first, last;
	uint8_t (*hashes)[SVC_HASH_LEN];
	char reason[SVC_REASON_LEN];
	bool stored;
} commit_check;

/* Per origin of a downstream peer's batch: the lowest of its seqs held in
 * quarantine here (0: none known), and whether the quarantine was searched. */
typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t seq;
	bool searched;
} origin_quarantine;

struct apply {
	const svc_peer_view *pv;
	const uint8_t *peer_store_id;
	uint64_t peer_head;
	const svc_batch *b;
	svc_sync_result *res;
	commit_check *cc;
	origin_quarantine *oq;
	size_t noq, capq;
};

/* Decode and verify commit i (once per batch). */
static int commit_verify(svc_txn *t, struct apply *a, size_t i)
{
	commit_check *c = &a->cc[i];
	const svc_blob *blob = &a->b->commits[i];
	const uint8_t *hb;
	size_t hlen;
	uint8_t sig[SVC_SIG_LEN], pk[SVC_PK_LEN];
	svc_commit_header h;
	svc_self self;
	svc_node n;

	if (c->state)
		return 0;
	c->state = -1;
	if (!c->hashes) {
		c->hashes = malloc(SVC_COMMIT_CHANGES_MAX * SVC_HASH_LEN);
		if (!c->hashes)
			return svc_errf(SVC_ENOMEM, "out of memory");
	}
	if (svc_codec_signed_decode(blob->data, blob->len, &hb, &hlen, sig) ||
	    svc_codec_commit_header_decode(hb, hlen, &h, c->hashes)) {
		snprintf(c->reason, sizeof c->reason, "commit: %s", svc_errmsg());
		return 0;
	}
	snprintf(c->origin, sizeof c->origin, "%s", h.origin);
	c->first = h.first_seq;
	c->last = h.last_seq;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	if (strcmp(h.origin, self.hq_node) == 0) {
		memcpy(pk, self.hq_pubkey, SVC_PK_LEN);
	} else if (strcmp(h.origin, self.node) == 0) {
		/* Its own history, sent back after a restore. */
		memcpy(pk, self.pubkey, SVC_PK_LEN);
	} else if (svc_fold_node_get(t, h.origin, &n) == 0) {
		memcpy(pk, n.pubkey, SVC_PK_LEN);
	} else {
		snprintf(c->reason, sizeof c->reason,
		         "commit %s/%llu-%llu: unknown origin (no certificate)", h.origin,
		         (unsigned long long)h.first_seq, (unsigned long long)h.last_seq);
		svc_errclear();
		return svc_txn_err(t);
	}
	if (svc_verify(pk, hb, hlen, sig)) {
		snprintf(c->reason, sizeof c->reason,
		         "commit %s/%llu-%llu: signature does not verify", h.origin,
		         (unsigned long long)h.first_seq, (unsigned long long)h.last_seq);
		return 0;
	}
	c->state = 1;
	return 0;
}

/* Find the batch commit that covers (origin, seq); -1 when none. */
static long find_commit(svc_txn *t, struct apply *a, const char *origin, uint64_t seq, int *err)
{
	for (size_t i = 0; i < a->b->ncommits; i++) {
		*err = commit_verify(t, a, i);
		if (*err)
			return -1;
		commit_check *c = &a->cc[i];
		if (c->origin[0] && strcmp(c->origin, origin) == 0 && seq >= c->first &&
		    seq <= c->last)
			return (long)i;
	}
	return -1;
}

static origin_quarantine *oq_find(struct apply *a, const char *origin, bool add)
{
	for (size_t i = 0; i < a->noq; i++)
		if (strcmp(a->oq[i].origin, origin) == 0)
			return &a->oq[i];
	if (!add)
		return NULL;
	if (grow((void **)&a->oq, &a->capq, a->noq + 1, sizeof *a->oq))
		return NULL;
	origin_quarantine *q = &a->oq[a->noq++];
	memset(q, 0, sizeof *q);
	snprintf(q->origin, sizeof q->origin, "%s", origin);
	return q;
}

static void oq_note(struct apply *a, const char *origin, uint64_t seq)
{
	origin_quarantine *q = oq_find(a, origin, true);
	if (q && (!q->seq || seq < q->seq))
		q->seq = seq;
	svc_errclear();
}

static int quarantine(svc_txn *t, struct apply *a, const svc_blob *blob, const char *why)
{
	char reason[SVC_REASON_LEN];
	svc_change c;
	/* (why may be svc_errmsg(), which decoding below overwrites) */
	snprintf(reason, sizeof reason, "%s", why);
	/* Downward streams are filtered and may skip seqs; upward, what is
	 * quarantined here explains a seq missing from the held ones. */
	if (!a->pv->upstream && blob->len <= SVC_CHANGE_MAX &&
	    svc_codec_change_decode(blob->data, blob->len, &c) == 0)
		oq_note(a, c.origin, c.seq);
	svc_errclear();
	a->res->quarantined++;
	if (!a->res->first_reason[0])
		snprintf(a->res->first_reason, sizeof a->res->first_reason, "%s", reason);
	return svc_quarantine_put(t, a->pv->node, reason, blob->data, blob->len);
}

struct oq_scan {
	const char *origin;
	uint64_t above, lowest;
};

static int oq_scan_step(const svc_quarantined *q, void *argp)
{
	struct oq_scan *sc = argp;
	svc_change c;
	if (q->len <= SVC_CHANGE_MAX && svc_codec_change_decode(q->bytes, q->len, &c) == 0 &&
	    strcmp(c.origin, sc->origin) == 0 && c.seq > sc->above &&
	    (!sc->lowest || c.seq < sc->lowest))
		sc->lowest = c.seq;
	svc_errclear();
	return 0;
}

/* The lowest seq of `origin` above `head` held in quarantine here (in this
 * batch or before it), or 0. The quarantine is searched once per origin and
 * batch, and only when a seq seems to be missing. */
static int quarantined_above(svc_txn *t, struct apply *a, const char *origin, uint64_t head,
                             uint64_t *seq)
{
	origin_quarantine *q = oq_find(a, origin, true);
	if (!q)
		return svc_errf(SVC_ENOMEM, "out of memory");
	if (!q->searched) {
		struct oq_scan sc = {origin, head, 0};
		int rc = svc_quarantine_each(t, oq_scan_step, &sc);
		if (rc)
			return rc;
		q->searched = true;
		if (sc.lowest && (!q->seq || sc.lowest < q->seq))
			q->seq = sc.lowest;
	}
	*seq = q->seq > head ? q->seq : 0;
	return 0;
}

/* Is the origin the peer or in the peer's subtree? */
static bool from_subtree(svc_txn *t, const svc_peer_view *pv, const char *origin)
{
	char up[SVC_ID_LEN];
	if (strcmp(origin, pv->node) == 0)
		return true;
	upstream_of(t, origin, up);
	return strcmp(up, pv->node) == 0;
}

/* This node's own change, sent back by its upstream and now held here as
 * the network holds it (see "Restores" in svc_journal_restore.c). */
static int own_returned(svc_txn *t, struct apply *a, const svc_change *c)
{
	svc_self self;
	if (!a->pv->upstream || svc_self_get(t, &self) != 0 || strcmp(c->origin, self.node) != 0)
		return svc_txn_err(t);
	return svc_restore_confirm(t, c->seq);
}

static int apply_one(svc_txn *t, struct apply *a, const svc_blob *blob)
{
	char reason[SVC_REASON_LEN];
	uint8_t hash[SVC_HASH_LEN], have[SVC_HASH_LEN];
	svc_change c;
	int rc, err = 0;

	if (blob->len > SVC_CHANGE_MAX) {
		snprintf(reason, sizeof reason, "change of %zu bytes exceeds %d", blob->len,
		         SVC_CHANGE_MAX);
		return quarantine(t, a, blob, reason);
	}
	if (svc_codec_change_decode(blob->data, blob->len, &c)) {
		snprintf(reason, sizeof reason, "undecodable change: %s", svc_errmsg());
		return quarantine(t, a, blob, reason);
	}
	/* Replays are common (reconnects, backfill): recognise them before
	 * spending a signature check. */
	svc_hash(blob->data, blob->len, hash);
	rc = svc_journal_change_hash(t, c.origin, c.seq, have);
	if (rc == 0 && memcmp(hash, have, SVC_HASH_LEN) == 0) {
		a->res->duplicates++;
		return own_returned(t, a, &c);
	}
	if (rc && rc != SVC_ENOTFOUND)
		return rc;
	/* Another change under the same (origin, seq): once its signature
	 * checks out below, the origin has two histories. */
	bool fork = rc == 0;
	svc_errclear();

	if (!a->pv->upstream && !from_subtree(t, a->pv, c.origin)) {
		snprintf(reason, sizeof reason,
		         "change %s/%llu relayed by %s, which is not its origin's upstream",
		         c.origin, (unsigned long long)c.seq, a->pv->node);
		return quarantine(t, a, blob, reason);
	}
	long ci = find_commit(t, a, c.origin, c.seq, &err);
	if (err)
		return err;
	if (ci < 0) {
		/* A batch ships the commit with the first change it covers;
		 * any earlier one is stored here already. */
		const uint8_t *cb;
		size_t clen;
		uint64_t first, last;
		rc = svc_journal_commit_find(t, c.origin, c.seq, &cb, &clen, &first, &last);
		if (rc == 0) {
			const uint8_t *hb;
			size_t hlen;
			uint8_t sig[SVC_SIG_LEN];
			svc_commit_header h;
			uint8_t(*hb_hashes)[SVC_HASH_LEN] =
			    malloc(SVC_COMMIT_CHANGES_MAX * SVC_HASH_LEN);
			if (!hb_hashes)
				return svc_errf(SVC_ENOMEM, "out of memory");
			bool ok = svc_codec_signed_decode(cb, clen, &hb, &hlen, sig) == 0 &&
			          svc_codec_commit_header_decode(hb, hlen, &h, hb_hashes) == 0 &&
			          memcmp(hb_hashes[c.seq - h.first_seq], hash, SVC_HASH_LEN) == 0;
			free(hb_hashes);
			if (!ok) {
				snprintf(reason, sizeof reason,
				         "change %s/%llu: hash not in its commit", c.origin,
				         (unsigned long long)c.seq);
				return quarantine(t, a, blob, reason);
			}
		} else if (rc == SVC_ENOTFOUND) {
			snprintf(reason, sizeof reason,
			         "change %s/%llu: no signed commit covers it", c.origin,
			         (unsigned long long)c.seq);
			svc_errclear();
			return quarantine(t, a, blob, reason);
		} else {
			return rc;
		}
	} else {
		commit_check *cc = &a->cc[ci];
		if (cc->state < 0)
			return quarantine(t, a, blob, cc->reason);
		if (memcmp(cc->hashes[c.seq - cc->first], hash, SVC_HASH_LEN) != 0) {
			snprintf(reason, sizeof reason,
			         "change %s/%llu: hash differs from the one its commit signs",
			         c.origin, (unsigned long long)c.seq);
			return quarantine(t, a, blob, reason);
		}
	}
	if (!fork && !a->pv->upstream) {
		/* Upward each origin's seqs arrive dense: one above the held
		 * head + 1 would be folded past a hole. When the seqs between
		 * are in quarantine here, it waits there too (in view, and
		 * released with them); otherwise the relay skipped them and
		 * the batch is refused until they come. */
		uint8_t hh[SVC_HASH_LEN];
		uint64_t head, q = 0;
		rc = svc_journal_head_get(t, c.origin, &head, hh);
		if (rc)
			return rc;
		if (c.seq > head && c.seq - head > 1) {
			rc = quarantined_above(t, a, c.origin, head, &q);
			if (rc)
				return rc;
			if (q && q < c.seq) {
				snprintf(reason, sizeof reason,
				         "change %s/%llu follows %s/%llu, which is in quarantine "
				         "here",
				         c.origin, (unsigned long long)c.seq, c.origin,
				         (unsigned long long)q);
				return quarantine(t, a, blob, reason);
			}
			a->res->gaps = 1;
			return svc_errf(
			    SVC_EINVAL,
			    "change %s/%llu leaves a hole after seq %llu of its origin, "
			    "which %s skipped",
			    c.origin, (unsigned long long)c.seq, (unsigned long long)head,
			    a->pv->node);
		}
	}
	if (fork && a->pv->upstream) {
		/* This node's own change, sent back by its upstream while it
		 * catches up after a restore: the store takes the network's
		 * version and keeps the local one aside for replay (svc_journal_restore.c,
		 * "Restores"). Any other origin's is a fork. */
		svc_self self;
		rc = svc_self_get(t, &self);
		if (rc)
			return rc;
		if (strcmp(c.origin, self.node) == 0)
			fork = false;
	}
	if (fork) {
		snprintf(reason, sizeof reason, "fork: %s/%llu held here with a different hash",
		         c.origin, (unsigned long long)c.seq);
		a->res->forks++;
		if (!a->res->first_fork[0])
			snprintf(a->res->first_fork, sizeof a->res->first_fork, "%s", reason);
		return quarantine(t, a, blob, reason);
	}

	rc = svc_apply_remote(t, blob->data, blob->len, &c, false, true, hash);
	if (rc == 1) {
		a->res->duplicates++;
		return 0;
	}
	if (rc < 0) {
		if (svc_txn_err(t))
			return svc_txn_err(t); /* the store failed: abort the batch */
		return quarantine(t, a, blob, svc_errmsg());
	}
	a->res->applied++;
	rc = own_returned(t, a, &c);
	if (rc)
		return rc;
	if (c.kind == SVC_CK_NODE_CERT || c.kind == SVC_CK_NODE_REVOKE ||
	    c.kind == SVC_CK_QUARANTINE_RELEASE)
		a->res->directory_changed = true;
	if (ci >= 0 && !a->cc[ci].stored) {
		const svc_blob *cb = &a->b->commits[ci];
		rc = svc_journal_commit_put(t, c.origin, a->cc[ci].first, a->cc[ci].last, cb->data,
		                            cb->len);
		if (rc)
			return rc;
		a->cc[ci].stored = true;
	}
	return 0;
}

static int apply_fn(svc_txn *t, void *argp)
{
	struct apply *a = argp;
	svc_peer p;
	int rc;

	memset(a->res, 0, sizeof *a->res);
	if (a->pv->upstream)
		svc_txn_own_returns(t); /* apply_one checks every commit's signature */
	for (size_t i = 0; i < a->b->ncommits; i++) {
		a->cc[i].state = 0;
		a->cc[i].stored = false;
		a->cc[i].origin[0] = '\0';
	}
	a->noq = 0;
	for (size_t i = 0; i < a->b->nchanges; i++) {
		rc = apply_one(t, a, &a->b->changes[i]);
		if (rc)
			return rc;
	}
	rc = svc_peer_get(t, a->pv->node, &p);
	if (rc)
		return rc;
	if (memcmp(p.store_id, a->peer_store_id, sizeof p.store_id) != 0) {
		/* A new store behind the same node id (restored, rebuilt):
		 * positions in its log start over. */
		memcpy(p.store_id, a->peer_store_id, sizeof p.store_id);
		p.recv_lsn = 0;
	}
	if (p.recv_lsn > a->peer_head) {
		/* A checkpoint beyond the peer's own log is not a position
		 * in it (pushed there, or its log started over): this batch
		 * says where the peer really is. */
		p.recv_lsn = a->b->to_lsn;
	} else if (a->b->to_lsn > p.recv_lsn) {
		p.recv_lsn = a->b->to_lsn;
	}
	p.last_seen_ms = svc_journal_now_ms();
	a->res->to_lsn = p.recv_lsn;
	return svc_peer_put(t, &p);
}

int svc_sync_apply_bounded(svc_store *s, const svc_peer_view *pv, const uint8_t peer_store_id[16],
                           uint64_t peer_head, const svc_batch *b, svc_sync_result *res)
{
	struct apply a = {pv, peer_store_id, peer_head, b, res, NULL, NULL, 0, 0};
	memset(res, 0, sizeof *res);
	if (b->ncommits > SVC_BATCH_COMMITS_MAX || b->nchanges > SVC_BATCH_CHANGES_MAX)
		return svc_errf(SVC_ETOOBIG, "batch from %s: %zu changes, %zu commits", pv->node,
		                b->nchanges, b->ncommits);
	if (b->to_lsn > peer_head)
		return svc_errf(SVC_EINVAL, "to_lsn %llu is beyond the log head %llu %s announced",
		                (unsigned long long)b->to_lsn, (unsigned long long)peer_head,
		                pv->node);
	if (b->ncommits) {
		a.cc = calloc(b->ncommits, sizeof *a.cc);
		if (!a.cc)
			return svc_errf(SVC_ENOMEM, "out of memory");
	}
	int rc = svc_store_write(s, apply_fn, &a);
	if (rc) {
		/* Nothing of the batch stayed: say so, and why. */
		uint32_t gaps = res->gaps;
		memset(res, 0, sizeof *res);
		res->gaps = gaps;
	}
	for (size_t i = 0; i < b->ncommits; i++)
		free(a.cc[i].hashes);
	free(a.cc);
	free(a.oq);
	return rc;
}

int svc_sync_apply(svc_store *s, const svc_peer_view *pv, const uint8_t peer_store_id[16],
                   const svc_batch *b, svc_sync_result *res)
{
	return svc_sync_apply_bounded(s, pv, peer_store_id, b->to_lsn, b, res);
}

/* ------------------------------------------------------------ verify */

struct verify {
	svc_txn *t;
	svc_verify_report *r;
	svc_self self;
	uint8_t (*hashes)[SVC_HASH_LEN];
};

static void problem(struct verify *v, const char *fmt, const char *origin, uint64_t seq)
{
	if (!v->r->first_problem[0])
		snprintf(v->r->first_problem, sizeof v->r->first_problem, "%s/%llu: %s", origin,
		         (unsigned long long)seq, fmt);
}

/* Check the origin's commits from `from` on; returns the last seq covered. */
static int verify_commits(struct verify *v, const char *origin, uint64_t head, uint64_t *covered)
{
	uint8_t pk[SVC_PK_LEN];
	svc_node n;
	bool have_key = false;
	uint64_t seq = 1;

	*covered = 0;
	if (strcmp(origin, v->self.node) == 0) {
		/* This node's own commits: its own key, certified or not yet. */
		memcpy(pk, v->self.pubkey, SVC_PK_LEN);
		have_key = true;
	} else if (strcmp(origin, v->self.hq_node) == 0) {
		memcpy(pk, v->self.hq_pubkey, SVC_PK_LEN);
		have_key = true;
	} else if (svc_fold_node_get(v->t, origin, &n) == 0) {
		memcpy(pk, n.pubkey, SVC_PK_LEN);
		have_key = true;
	}
	svc_errclear();
	while (seq <= head) {
		const uint8_t *cb, *hb;
		size_t clen, hlen;
		uint64_t first, last;
		uint8_t sig[SVC_SIG_LEN], h[SVC_HASH_LEN];
		svc_commit_header hdr;
		/* A filtered receiver holds only some of an origin's commits:
		 * take the next one it has. */
		int rc = svc_journal_commit_next(v->t, origin, seq, &cb, &clen, &first, &last);
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			break;
		}
		if (rc)
			return rc;
		v->r->commits++;
		*covered = last > *covered ? last : *covered;
		bool ok = svc_codec_signed_decode(cb, clen, &hb, &hlen, sig) == 0 &&
		          svc_codec_commit_header_decode(hb, hlen, &hdr, v->hashes) == 0 &&
		          strcmp(hdr.origin, origin) == 0 && have_key &&
		          svc_verify(pk, hb, hlen, sig) == 0;
		for (uint64_t q = first; ok && q <= last; q++)
			if (svc_journal_change_hash(v->t, origin, q, h) == 0 &&
			    memcmp(h, v->hashes[q - first], SVC_HASH_LEN) != 0)
				ok = false;
		svc_errclear();
		if (!ok) {
			v->r->bad_commits++;
			problem(v, "commit does not verify", origin, first);
		}
		seq = last + 1;
	}
	return 0;
}

/* One stored change of the origin being verified, in seq order. */
struct verify_walk {
	struct verify *v;
	const char *origin;
	uint64_t prev_seq;
	uint8_t prev[SVC_HASH_LEN];
};

static int verify_change(const svc_logged_change *lc, void *arg)
{
	struct verify_walk *w = arg;
	struct verify *v = w->v;
	uint8_t h[SVC_HASH_LEN];
	uint64_t seq = lc->c.seq;

	/* Missing seqs are counted from the distance between stored ones,
	 * so the walk costs what is stored, however far apart the seqs. */
	v->r->gaps += seq - w->prev_seq - 1;
	v->r->changes++;
	svc_hash(lc->bytes, lc->len, h);
	if (memcmp(h, lc->hash, SVC_HASH_LEN) != 0) {
		v->r->bad_hash++;
		problem(v, "stored bytes do not match their hash", w->origin, seq);
	}
	if (w->prev_seq && seq == w->prev_seq + 1 &&
	    memcmp(lc->c.prev_hash, w->prev, SVC_HASH_LEN) != 0) {
		v->r->broken_chain++;
		problem(v, "does not chain to the previous change", w->origin, seq);
	}
	memcpy(w->prev, lc->hash, SVC_HASH_LEN);
	w->prev_seq = seq;
	return 0;
}

static int verify_origin(const char *origin, uint64_t head, const uint8_t hash[SVC_HASH_LEN],
                         uint64_t contig, void *arg)
{
	struct verify *v = arg;
	struct verify_walk w = {v, origin, 0, {0}};
	(void)hash;
	(void)contig;
	v->r->origins++;
	int rc = svc_journal_origin_each(v->t, origin, verify_change, &w);
	if (rc)
		return rc;
	if (head > w.prev_seq)
		v->r->gaps += head - w.prev_seq;
	uint64_t covered;
	rc = verify_commits(v, origin, head, &covered);
	if (rc)
		return rc;
	if (strcmp(origin, v->self.node) == 0 && covered < head)
		v->r->uncommitted = head - covered;
	return 0;
}

int svc_sync_verify(svc_store *s, svc_verify_report *r)
{
	struct verify v;
	memset(r, 0, sizeof *r);
	memset(&v, 0, sizeof v);
	v.r = r;
	v.hashes = malloc(SVC_COMMIT_CHANGES_MAX * SVC_HASH_LEN);
	if (!v.hashes)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_txn_begin(s, false, &v.t);
	if (!rc)
		rc = svc_self_get(v.t, &v.self);
	if (!rc)
		rc = svc_journal_head_each(v.t, verify_origin, &v);
	svc_txn_abort(&v.t);
	free(v.hashes);
	return rc;
}

/*
 * svc_journal: changes, heads, the arrival log, rejections, commits,
 * quarantine, clocks, peers' checkpoints and the restore state. See
 * svc_journal.h for the contract.
 *
 * Layout. One environment, these named databases (all keys big-endian where
 * numeric, so LMDB's byte order is numeric order); the keys are encoded in
 * store_kv.h, once, since the fold reads what the journal writes:
 *
 *   meta       name -> value: schema version, the node's identity, the HLC.
 *   changes    origin \0 seq(8) -> hash(32) lsn(8) encoded-change
 *              The change exactly as first encoded by its origin. The hash is
 *              kept beside it so chains and commits never re-hash.
 *   heads      origin -> seq(8) hash(32) contig(8): the highest seq stored per
 *              origin, and the highest below which none is missing.
 *   arrival    lsn(8) -> origin \0 seq(8): the order this node stored changes
 *              in (its own and received ones). Shipping follows it.
 *   aggidx     aggregate \0 hlc(8) origin \0 seq(8) -> (empty)
 *              An aggregate's changes in fold order (hlc, origin, seq), so a
 *              re-fold is one cursor walk and `ticket show` lists history.
 *   rejects    origin \0 seq(8) -> reason: changes kept but refused by the
 *              fold at their place in order.
 *   tickets, claims, transfers, catalog, nodes
 *              aggregate id -> encoded state (svc_codec), the fold's.
 *   stock      location \0 part_no -> encoded svc_stock, the fold's.
 *   peers      node -> svc_peer (fixed layout): replication checkpoints.
 *   commits    origin \0 last_seq(8) -> first_seq(8) encoded-Commit
 *              Signed commit headers, this node's and those received, kept
 *              so they can be relayed with the changes they cover.
 *   quarantine id(8) -> at(8) peer \0 reason \0 bytes: changes refused on
 *              receipt (bad signature, chain, authorization), kept for audit.
 *   replay     id(8) -> encoded-change: this node's own changes moved out of
 *              the log after a restore because the network holds other
 *              changes under the same seqs (see "Restores" in svc_journal_restore.c).
 *
 * Caching. The arrival lsn, the HLC and the head of the origin written last
 * are kept in the write transaction (store_kv.h) and flushed at commit.
 *
 * The restore state and the replay table live in svc_journal_restore.c.
 */
#include "svc_journal.h"

#include "store_kv.h"
#include "svc_codec.h"
#include "svc_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define be64_put svc_kv_be64_put
#define be64_get svc_kv_be64_get
#define key_origin_seq svc_kv_key_origin_seq

/* A walk's own stop, told apart from a callback's. */
#define WALK_END 1

static void journal_flush(svc_txn *t);

/* ------------------------------------------------------------ HLC, lsn, heads */

uint64_t svc_journal_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int hlc_load(svc_txn *t)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	if (j->hlc_loaded)
		return 0;
	int rc = svc_kv_meta_get_u64(t, "hlc", &j->hlc);
	if (rc == SVC_ENOTFOUND) {
		j->hlc = 0;
		rc = 0;
	}
	if (!rc)
		j->hlc_loaded = true;
	return rc;
}

int svc_journal_hlc_next(svc_txn *t, uint64_t *out)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	int rc = hlc_load(t);
	if (rc)
		return rc;
	uint64_t wall = svc_journal_now_ms() << 16;
	if (wall <= j->hlc && j->hlc >= SVC_HLC_MAX)
		return svc_errf(SVC_ETOOBIG, "store %s: the clock is at its end (%llu)",
		                svc_kv_dir(t), (unsigned long long)j->hlc);
	j->hlc = wall > j->hlc ? wall : j->hlc + 1;
	j->hlc_dirty = true;
	svc_kv_on_commit(t, journal_flush);
	*out = j->hlc;
	return 0;
}

int svc_journal_hlc_get(svc_txn *t, uint64_t *hlc)
{
	int rc = hlc_load(t);
	if (!rc)
		*hlc = svc_kv_journal(t)->hlc;
	return rc;
}

int svc_journal_hlc_observe(svc_txn *t, uint64_t remote)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	int rc = hlc_load(t);
	if (rc)
		return rc;
	if (remote > j->hlc && remote <= SVC_HLC_MAX) {
		j->hlc = remote;
		j->hlc_dirty = true;
		svc_kv_on_commit(t, journal_flush);
	}
	return 0;
}

static int lsn_next(svc_txn *t, uint64_t *out)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	if (!j->lsn_loaded) {
		int rc = svc_journal_last(t, &j->lsn);
		if (rc)
			return rc;
		j->lsn_loaded = true;
	}
	if (j->lsn >= SVC_SEQ_MAX)
		return svc_txn_fail(t, svc_errf(SVC_ETOOBIG,
		                                "store %s: the arrival log is full "
		                                "(lsn %llu)",
		                                svc_kv_dir(t), (unsigned long long)j->lsn));
	*out = ++j->lsn;
	return 0;
}

#define HEAD_VAL_LEN (8 + SVC_HASH_LEN + 8)

static void head_flush(svc_txn *t)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	if (!j->head_dirty)
		return;
	uint8_t v[HEAD_VAL_LEN];
	be64_put(v, j->head_seq);
	memcpy(v + 8, j->head_hash, SVC_HASH_LEN);
	be64_put(v + 8 + SVC_HASH_LEN, j->head_contig);
	svc_kv_put(t, SVC_DB_HEADS, j->head_origin, strlen(j->head_origin), v, sizeof v, 0);
	j->head_dirty = false;
}

/* At commit: the head and the HLC cached in the transaction. */
static void journal_flush(svc_txn *t)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	head_flush(t);
	if (j->hlc_dirty) {
		svc_kv_meta_put_u64(t, "hlc", j->hlc);
		j->hlc_dirty = false;
	}
}

int svc_journal_head_load(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN],
                          uint64_t *contig)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	if (j->head_origin[0] && strcmp(j->head_origin, origin) == 0) {
		*seq = j->head_seq;
		*contig = j->head_contig;
		memcpy(hash, j->head_hash, SVC_HASH_LEN);
		return 0;
	}
	svc_kv_val v;
	int rc = svc_kv_get(t, SVC_DB_HEADS, origin, strlen(origin), &v);
	if (rc == SVC_ENOTFOUND) {
		*seq = *contig = 0;
		memset(hash, 0, SVC_HASH_LEN);
		return 0;
	}
	if (rc)
		return rc;
	if (v.len != HEAD_VAL_LEN)
		return svc_kv_corrupt(t, "head of %s is corrupt", origin);
	*seq = be64_get(v.data);
	memcpy(hash, (const uint8_t *)v.data + 8, SVC_HASH_LEN);
	*contig = be64_get((const uint8_t *)v.data + 8 + SVC_HASH_LEN);
	return 0;
}

int svc_journal_head_get(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN])
{
	uint64_t contig;
	return svc_journal_head_load(t, origin, seq, hash, &contig);
}

void svc_journal_head_set(svc_txn *t, const char *origin, uint64_t seq,
                          const uint8_t hash[SVC_HASH_LEN], uint64_t contig)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	if (strcmp(j->head_origin, origin) != 0) {
		head_flush(t);
		snprintf(j->head_origin, sizeof j->head_origin, "%s", origin);
	}
	j->head_seq = seq;
	j->head_contig = contig;
	memcpy(j->head_hash, hash, SVC_HASH_LEN);
	j->head_dirty = true;
	svc_kv_on_commit(t, journal_flush);
}

struct head_each_arg {
	svc_head_cb cb;
	void *arg;
};

static int head_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct head_each_arg *a = arg;
	char origin[SVC_ID_LEN];
	if (k->len >= SVC_ID_LEN || v->len != HEAD_VAL_LEN)
		return 0;
	memcpy(origin, k->data, k->len);
	origin[k->len] = '\0';
	const uint8_t *p = v->data;
	return a->cb(origin, be64_get(p), p + 8, be64_get(p + 8 + SVC_HASH_LEN), a->arg);
}

int svc_journal_head_each(svc_txn *t, svc_head_cb cb, void *arg)
{
	struct head_each_arg a = {cb, arg};
	head_flush(t);
	return svc_kv_walk(t, SVC_DB_HEADS, NULL, 0, NULL, 0, 0, head_each_step, &a);
}

int svc_journal_change_hash(svc_txn *t, const char *origin, uint64_t seq,
                            uint8_t hash[SVC_HASH_LEN])
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	svc_kv_val v;
	int rc = svc_kv_get(t, SVC_DB_CHANGES, k, key_origin_seq(k, origin, seq), &v);
	if (rc)
		return rc;
	if (v.len < SVC_HASH_LEN)
		return svc_kv_corrupt(t, "change %s/%llu is corrupt", origin,
		                      (unsigned long long)seq);
	memcpy(hash, v.data, SVC_HASH_LEN);
	return 0;
}

int svc_journal_last(svc_txn *t, uint64_t *lsn)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	if (j->lsn_loaded) {
		*lsn = j->lsn;
		return 0;
	}
	return svc_kv_last_u64(t, SVC_DB_ARRIVAL, lsn);
}

/* ------------------------------------------------------------ changes */

int svc_journal_reject_put(svc_txn *t, const svc_change *c, const char *reason)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	return svc_kv_put(t, SVC_DB_REJECTS, k, key_origin_seq(k, c->origin, c->seq), reason,
	                  strlen(reason), 0);
}

int svc_journal_reject_del(svc_txn *t, const svc_change *c)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	return svc_kv_del(t, SVC_DB_REJECTS, k, key_origin_seq(k, c->origin, c->seq));
}

int svc_journal_reject_get(svc_txn *t, const char *origin, uint64_t seq, char *reason, size_t cap,
                           bool *rejected)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	svc_kv_val v;
	*rejected = false;
	int rc = svc_kv_get(t, SVC_DB_REJECTS, k, key_origin_seq(k, origin, seq), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	*rejected = true;
	if (reason) {
		size_t n = v.len < cap - 1 ? v.len : cap - 1;
		memcpy(reason, v.data, n);
		reason[n] = '\0';
	}
	return 0;
}

int svc_journal_put(svc_txn *t, const svc_change *c, const uint8_t *bytes, size_t len,
                    const uint8_t hash[SVC_HASH_LEN])
{
	uint8_t k[SVC_KV_OSKEY_LEN], ak[SVC_KV_AGGIDX_KEY_LEN], lk[8];
	uint64_t lsn = 0;
	size_t klen;
	void *val;
	int rc;

	if ((rc = svc_txn_err(t)))
		return rc;
	rc = lsn_next(t, &lsn);
	if (rc)
		return rc;
	/* Reserve the value and write hash, lsn and bytes straight into the
	 * page: one copy instead of two. */
	klen = key_origin_seq(k, c->origin, c->seq);
	rc = svc_kv_reserve(t, SVC_DB_CHANGES, k, klen, SVC_KV_CHANGE_HDR + len, 0, &val);
	if (rc)
		return rc;
	memcpy(val, hash, SVC_HASH_LEN);
	be64_put((uint8_t *)val + SVC_HASH_LEN, lsn);
	memcpy((uint8_t *)val + SVC_KV_CHANGE_HDR, bytes, len);

	be64_put(lk, lsn);
	svc_kv_put(t, SVC_DB_ARRIVAL, lk, 8, k, klen, SVC_KV_APPEND);
	svc_kv_put(t, SVC_DB_AGGIDX, ak, svc_kv_aggidx_key(ak, c), "", 0, 0);
	return svc_txn_err(t);
}

struct later_arg {
	const uint8_t *own;
	size_t ownlen;
	bool *later;
};

static int later_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct later_arg *a = arg;
	(void)v;
	/* Skip c's own entry when it is already indexed. */
	if (k->len == a->ownlen && memcmp(k->data, a->own, a->ownlen) == 0)
		return 0;
	*a->later = true;
	return WALK_END;
}

int svc_journal_agg_has_later(svc_txn *t, const svc_change *c, bool *later)
{
	uint8_t k[SVC_KV_AGGIDX_KEY_LEN], prefix[SVC_KV_AGG_KEY_LEN + 1];
	size_t alen = svc_kv_agg_key(c->aggregate, prefix);
	prefix[alen] = 0;
	*later = false;
	struct later_arg a = {k, svc_kv_aggidx_key(k, c), later};
	/* The prefix has the separator: the aggregate "T-a-1" is no prefix
	 * of "T-a-10"'s entries. */
	int rc = svc_kv_walk(t, SVC_DB_AGGIDX, k, a.ownlen, prefix, alen + 1, 0, later_step, &a);
	return rc == WALK_END ? 0 : rc;
}

/* Load and decode the change that an index entry names. */
static int change_load(svc_txn *t, const char *origin, uint64_t seq, svc_change *c)
{
	uint8_t ck[SVC_KV_OSKEY_LEN];
	svc_kv_val cv;
	int rc = svc_kv_get(t, SVC_DB_CHANGES, ck, key_origin_seq(ck, origin, seq), &cv);
	if (rc == SVC_ENOTFOUND)
		return svc_kv_corrupt(t, "index names missing change %s/%llu", origin,
		                      (unsigned long long)seq);
	if (rc)
		return rc;
	if (svc_kv_change_decode(&cv, c))
		return svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: change %s/%llu",
		                                  svc_kv_dir(t), origin, (unsigned long long)seq));
	return 0;
}

struct agg_walk_arg {
	svc_txn *t;
	size_t alen;
	svc_journal_walk_fn fn;
	void *arg;
	svc_change c;
};

static int agg_walk_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct agg_walk_arg *a = arg;
	const uint8_t *kb = k->data;
	char origin[SVC_ID_LEN];
	uint64_t seq = 0;
	(void)v;
	if (k->len < a->alen + 1 + 8)
		return WALK_END;
	if (svc_kv_parse_origin_seq(kb + a->alen + 9, k->len - a->alen - 9, origin, &seq))
		return svc_txn_fail(a->t, SVC_ESTORE);
	int rc = change_load(a->t, origin, seq, &a->c);
	return rc ? rc : a->fn(&a->c, a->arg);
}

int svc_journal_agg_walk(svc_txn *t, const char *aggregate, svc_journal_walk_fn fn, void *arg)
{
	uint8_t prefix[SVC_KV_AGG_KEY_LEN + 1];
	struct agg_walk_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->alen = svc_kv_agg_key(aggregate, prefix);
	a->fn = fn;
	a->arg = arg;
	prefix[a->alen] = 0;
	int rc = svc_kv_walk(t, SVC_DB_AGGIDX, prefix, a->alen + 1, prefix, a->alen + 1, 0,
	                     agg_walk_step, a);
	free(a);
	return rc == WALK_END ? 0 : rc;
}

struct origin_walk_arg {
	svc_txn *t;
	const char *origin;
	size_t plen;
	svc_journal_walk_fn fn;
	void *arg;
	svc_change c;
};

static int origin_walk_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct origin_walk_arg *a = arg;
	if (k->len != a->plen + 8)
		return WALK_END;
	if (svc_kv_change_decode(v, &a->c))
		return svc_txn_fail(a->t, svc_errctx(SVC_ESTORE, "store %s: change of %s",
		                                     svc_kv_dir(a->t), a->origin));
	return a->fn(&a->c, a->arg);
}

int svc_journal_origin_walk(svc_txn *t, const char *origin, uint64_t from, svc_journal_walk_fn fn,
                            void *arg)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	struct origin_walk_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->origin = origin;
	a->plen = strlen(origin) + 1;
	a->fn = fn;
	a->arg = arg;
	size_t klen = key_origin_seq(k, origin, from);
	int rc = svc_kv_walk(t, SVC_DB_CHANGES, k, klen, k, a->plen, 0, origin_walk_step, a);
	free(a);
	return rc == WALK_END ? 0 : rc;
}

/* Load a logged change by its key in the changes database. */
static int logged_load(svc_txn *t, const char *origin, uint64_t seq, svc_logged_change *out,
                       const uint8_t **bytes, size_t *blen)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	svc_kv_val v;
	int rc = svc_kv_get(t, SVC_DB_CHANGES, k, key_origin_seq(k, origin, seq), &v);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "no change %s/%llu", origin, (unsigned long long)seq);
	if (rc)
		return rc;
	if (v.len < SVC_KV_CHANGE_HDR)
		return svc_kv_corrupt(t, "change %s/%llu is corrupt", origin,
		                      (unsigned long long)seq);
	const uint8_t *p = v.data;
	memcpy(out->hash, p, SVC_HASH_LEN);
	out->lsn = be64_get(p + SVC_HASH_LEN);
	if (svc_codec_change_decode(p + SVC_KV_CHANGE_HDR, v.len - SVC_KV_CHANGE_HDR, &out->c))
		return svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: change %s/%llu",
		                                  svc_kv_dir(t), origin, (unsigned long long)seq));
	out->bytes = p + SVC_KV_CHANGE_HDR;
	out->len = v.len - SVC_KV_CHANGE_HDR;
	if (bytes) {
		*bytes = out->bytes;
		*blen = out->len;
	}
	return svc_journal_reject_get(t, origin, seq, out->reason, sizeof out->reason,
	                              &out->rejected);
}

int svc_journal_change_get(svc_txn *t, const char *origin, uint64_t seq, svc_logged_change *out,
                           const uint8_t **bytes, size_t *len)
{
	return logged_load(t, origin, seq, out, bytes, len);
}

struct origin_each_arg {
	svc_txn *t;
	const char *origin;
	size_t slen, olen;
	svc_change_cb cb;
	void *arg;
	svc_logged_change lc;
};

static int origin_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct origin_each_arg *a = arg;
	(void)v;
	/* Keys are origin NUL seq: the origin's run ends at the first key
	 * with another prefix. */
	if (k->len != a->slen)
		return WALK_END;
	uint64_t seq = be64_get((const uint8_t *)k->data + a->olen + 1);
	int rc = logged_load(a->t, a->origin, seq, &a->lc, NULL, NULL);
	return rc ? rc : a->cb(&a->lc, a->arg);
}

int svc_journal_origin_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg)
{
	uint8_t start[SVC_KV_OSKEY_LEN];
	size_t olen = strlen(origin);
	if (svc_txn_err(t))
		return svc_txn_err(t);
	if (olen >= SVC_ID_LEN)
		return svc_errf(SVC_EINVAL, "origin %s: too long", origin);
	struct origin_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->origin = origin;
	a->olen = olen;
	a->slen = key_origin_seq(start, origin, 0);
	a->cb = cb;
	a->arg = arg;
	int rc =
	    svc_kv_walk(t, SVC_DB_CHANGES, start, a->slen, start, olen + 1, 0, origin_each_step, a);
	free(a);
	return rc == WALK_END ? 0 : rc;
}

struct log_each_arg {
	svc_txn *t;
	svc_journal_want_fn want;
	svc_change_cb cb;
	void *arg;
	svc_logged_change lc;
};

static int log_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct log_each_arg *a = arg;
	char origin[SVC_ID_LEN];
	uint64_t seq = 0;
	if (svc_kv_parse_origin_seq(v->data, v->len, origin, &seq))
		return svc_txn_fail(a->t, SVC_ESTORE);
	if (a->want && k->len == 8 && !a->want(be64_get(k->data), origin, seq, a->arg))
		return 0;
	int rc = logged_load(a->t, origin, seq, &a->lc, NULL, NULL);
	return rc ? rc : a->cb(&a->lc, a->arg);
}

static int log_each(svc_txn *t, uint64_t from, bool desc, svc_journal_want_fn want,
                    svc_change_cb cb, void *arg)
{
	uint8_t start[8];
	if (svc_txn_err(t))
		return svc_txn_err(t);
	struct log_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->want = want;
	a->cb = cb;
	a->arg = arg;
	be64_put(start, from);
	int rc = desc ? svc_kv_walk(t, SVC_DB_ARRIVAL, NULL, 0, NULL, 0, SVC_KV_REVERSE,
	                            log_each_step, a)
	              : svc_kv_walk(t, SVC_DB_ARRIVAL, start, 8, NULL, 0, 0, log_each_step, a);
	free(a);
	return rc;
}

int svc_journal_each_from_want(svc_txn *t, uint64_t from, svc_journal_want_fn want,
                               svc_change_cb cb, void *arg)
{
	return log_each(t, from, false, want, cb, arg);
}

int svc_journal_each_desc(svc_txn *t, svc_change_cb cb, void *arg)
{
	return log_each(t, 0, true, NULL, cb, arg);
}

int svc_journal_each_from(svc_txn *t, uint64_t from, svc_change_cb cb, void *arg)
{
	return log_each(t, from, false, NULL, cb, arg);
}

struct agg_each_arg {
	svc_txn *t;
	svc_change_cb cb;
	void *arg;
	svc_logged_change lc;
};

static int agg_each_step(const svc_change *c, void *arg)
{
	struct agg_each_arg *a = arg;
	int rc = logged_load(a->t, c->origin, c->seq, &a->lc, NULL, NULL);
	if (rc)
		return rc;
	return a->cb(&a->lc, a->arg);
}

int svc_journal_agg_each(svc_txn *t, const char *aggregate, svc_change_cb cb, void *arg)
{
	struct agg_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->cb = cb;
	a->arg = arg;
	int rc = svc_journal_agg_walk(t, aggregate, agg_each_step, a);
	free(a);
	return rc;
}

int svc_journal_stats_get(svc_txn *t, svc_journal_stats *out)
{
	memset(out, 0, sizeof *out);
	if (svc_txn_err(t))
		return svc_txn_err(t);
	svc_kv_count(t, SVC_DB_CHANGES, &out->changes);
	svc_kv_count(t, SVC_DB_TICKETS, &out->tickets);
	svc_kv_count(t, SVC_DB_CLAIMS, &out->claims);
	svc_kv_count(t, SVC_DB_REJECTS, &out->rejected);
	svc_journal_last(t, &out->lsn);
	return svc_store_map_get(t, &out->map_size, &out->map_used);
}

/* ------------------------------------------------------------ peers */

#define PEER_VAL_LEN (16 + 8 + 8 + 8)

int svc_peer_get(svc_txn *t, const char *node, svc_peer *out)
{
	svc_kv_val v;
	memset(out, 0, sizeof *out);
	snprintf(out->node, sizeof out->node, "%s", node);
	int rc = svc_kv_get(t, SVC_DB_PEERS, node, strlen(node), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.len != PEER_VAL_LEN)
		return svc_kv_corrupt(t, "peer %s is corrupt", node);
	const uint8_t *p = v.data;
	memcpy(out->store_id, p, 16);
	out->recv_lsn = be64_get(p + 16);
	out->acked_lsn = be64_get(p + 24);
	out->last_seen_ms = be64_get(p + 32);
	return 0;
}

int svc_peer_put(svc_txn *t, const svc_peer *pe)
{
	uint8_t v[PEER_VAL_LEN];
	memcpy(v, pe->store_id, 16);
	be64_put(v + 16, pe->recv_lsn);
	be64_put(v + 24, pe->acked_lsn);
	be64_put(v + 32, pe->last_seen_ms);
	return svc_kv_put(t, SVC_DB_PEERS, pe->node, strlen(pe->node), v, sizeof v, 0);
}

struct peer_each_arg {
	svc_txn *t;
	svc_peer_cb cb;
	void *arg;
};

static int peer_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct peer_each_arg *a = arg;
	if (k->len >= SVC_ID_LEN || v->len != PEER_VAL_LEN)
		return 0;
	svc_peer pe;
	char node[SVC_ID_LEN];
	memcpy(node, k->data, k->len);
	node[k->len] = '\0';
	int rc = svc_peer_get(a->t, node, &pe);
	return rc ? rc : a->cb(&pe, a->arg);
}

int svc_peer_each(svc_txn *t, svc_peer_cb cb, void *arg)
{
	struct peer_each_arg a = {t, cb, arg};
	return svc_kv_walk(t, SVC_DB_PEERS, NULL, 0, NULL, 0, 0, peer_each_step, &a);
}

/* ------------------------------------------------------------ commits */

int svc_journal_commit_put(svc_txn *t, const char *origin, uint64_t first, uint64_t last,
                           const uint8_t *bytes, size_t len)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	void *val;
	int rc =
	    svc_kv_reserve(t, SVC_DB_COMMITS, k, key_origin_seq(k, origin, last), 8 + len, 0, &val);
	if (rc)
		return rc;
	be64_put(val, first);
	memcpy((uint8_t *)val + 8, bytes, len);
	return 0;
}

struct commit_seek_arg {
	size_t olen;
	svc_kv_val k, v;
};

static int commit_seek_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct commit_seek_arg *a = arg;
	a->k = *k;
	a->v = *v;
	return WALK_END;
}

/* The first commit of `origin` with last >= seq (or its latest commit).
 * With `covering`, it must also start at or before seq. */
static int commit_seek(svc_txn *t, const char *origin, uint64_t seq, bool latest, bool covering,
                       const uint8_t **bytes, size_t *len, uint64_t *first, uint64_t *last)
{
	uint8_t k[SVC_KV_OSKEY_LEN];
	struct commit_seek_arg a;
	a.olen = strlen(origin);
	size_t klen = key_origin_seq(k, origin, latest ? UINT64_MAX : seq);
	int rc = svc_kv_walk(t, SVC_DB_COMMITS, k, klen, k, a.olen + 1, latest ? SVC_KV_REVERSE : 0,
	                     commit_seek_step, &a);
	if (rc == 0)
		return SVC_ENOTFOUND;
	if (rc != WALK_END)
		return rc;
	if (a.k.len != a.olen + 9 || a.v.len < 8)
		return SVC_ENOTFOUND;
	*last = be64_get((const uint8_t *)a.k.data + a.olen + 1);
	*first = be64_get(a.v.data);
	*bytes = (const uint8_t *)a.v.data + 8;
	*len = a.v.len - 8;
	if (covering && (seq < *first || seq > *last))
		return SVC_ENOTFOUND;
	return 0;
}

int svc_journal_commit_find(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
                            size_t *len, uint64_t *first, uint64_t *last)
{
	return commit_seek(t, origin, seq, false, true, bytes, len, first, last);
}

int svc_journal_commit_next(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
                            size_t *len, uint64_t *first, uint64_t *last)
{
	return commit_seek(t, origin, seq, false, false, bytes, len, first, last);
}

int svc_journal_commit_latest(svc_txn *t, const char *origin, uint64_t *last, const uint8_t **bytes,
                              size_t *len)
{
	uint64_t first;
	int rc = commit_seek(t, origin, 0, true, false, bytes, len, &first, last);
	if (rc == SVC_ENOTFOUND) {
		*last = 0;
		*bytes = NULL;
		*len = 0;
		return 0;
	}
	return rc;
}

/* ------------------------------------------------------------ quarantine */

int svc_quarantine_put(svc_txn *t, const char *peer, const char *reason, const uint8_t *bytes,
                       size_t len)
{
	uint8_t k[8];
	uint64_t id;
	size_t plen = strlen(peer), rlen = strlen(reason);
	void *val;
	int rc = svc_kv_last_u64(t, SVC_DB_QUARANTINE, &id);
	if (rc)
		return rc;
	be64_put(k, ++id);
	rc = svc_kv_reserve(t, SVC_DB_QUARANTINE, k, 8, 8 + plen + 1 + rlen + 1 + len,
	                    SVC_KV_APPEND, &val);
	if (rc)
		return rc;
	uint8_t *p = val;
	be64_put(p, svc_journal_now_ms());
	memcpy(p + 8, peer, plen + 1);
	memcpy(p + 8 + plen + 1, reason, rlen + 1);
	if (len)
		memcpy(p + 8 + plen + 1 + rlen + 1, bytes, len);
	return 0;
}

struct quarantine_each_arg {
	svc_quarantine_cb cb;
	void *arg;
};

static int quarantine_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct quarantine_each_arg *a = arg;
	const uint8_t *p = v->data, *end = p + v->len;
	if (k->len != 8 || v->len < 10)
		return 0;
	const uint8_t *peer = p + 8;
	const uint8_t *pz = memchr(peer, 0, (size_t)(end - peer));
	if (!pz)
		return 0;
	const uint8_t *reason = pz + 1;
	const uint8_t *rz = memchr(reason, 0, (size_t)(end - reason));
	if (!rz)
		return 0;
	svc_quarantined q;
	memset(&q, 0, sizeof q);
	q.id = be64_get(k->data);
	q.at_ms = be64_get(p);
	snprintf(q.peer, sizeof q.peer, "%s", (const char *)peer);
	snprintf(q.reason, sizeof q.reason, "%s", (const char *)reason);
	q.bytes = rz + 1;
	q.len = (size_t)(end - (rz + 1));
	return a->cb(&q, a->arg);
}

int svc_quarantine_each(svc_txn *t, svc_quarantine_cb cb, void *arg)
{
	struct quarantine_each_arg a = {cb, arg};
	return svc_kv_walk(t, SVC_DB_QUARANTINE, NULL, 0, NULL, 0, 0, quarantine_each_step, &a);
}

int svc_quarantine_count(svc_txn *t, uint64_t *n)
{
	return svc_kv_count(t, SVC_DB_QUARANTINE, n);
}

struct held_each_arg {
	svc_txn *t;
	const char *origin;
	svc_change_cb cb;
	void *arg;
	svc_logged_change lc;
};

static int held_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	static const char prefix[] = SVC_HELD_PREFIX;
	struct held_each_arg *a = arg;
	if (v->len < sizeof prefix - 1 || memcmp(v->data, prefix, sizeof prefix - 1))
		return 0;
	char o[SVC_ID_LEN];
	uint64_t seq;
	if (svc_kv_parse_origin_seq(k->data, k->len, o, &seq))
		return svc_kv_corrupt(a->t, "bad rejects key");
	if (a->origin && strcmp(o, a->origin) != 0)
		return 0;
	int rc = logged_load(a->t, o, seq, &a->lc, NULL, NULL);
	return rc ? rc : a->cb(&a->lc, a->arg);
}

int svc_journal_held_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg)
{
	struct held_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->origin = origin;
	a->cb = cb;
	a->arg = arg;
	int rc = svc_kv_walk(t, SVC_DB_REJECTS, NULL, 0, NULL, 0, 0, held_each_step, a);
	free(a);
	return rc;
}

/*
 * svc_fold_store: the fold's backend in the store, and the state readers.
 *
 * Separate from the driver (svc_fold.c), which must not know where states
 * live, and from the journal, which must not know what states are. States
 * are kept in one database per kind, keyed by svc_kv_agg_key() and encoded by
 * the kind's codec; stock lines in the stock database; an aggregate's
 * changes are walked through the journal's fold-order index. The
 * dependency index, the kinds' secondary indexes and their tallies have a
 * database each (layouts below, where they are written).
 */
#include "svc_fold.h"

#include "store_kv.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A ticket's opening fields (customer, phone, address, product, serial,
 * purchase date, fault, kind) never change after the open, and the opening
 * change already holds them. The stored ticket state leaves them out and
 * they are read back from that change: half the bytes of a ticket, which a
 * bulk import otherwise writes twice.
 */
static void ticket_strip(svc_ticket *tk)
{
	tk->kind = 0;
	tk->customer[0] = tk->phone[0] = tk->address[0] = '\0';
	tk->product[0] = tk->serial[0] = tk->fault[0] = '\0';
	tk->purchased = 0;
}

static int ticket_fill(svc_txn *t, svc_ticket *tk)
{
	/* "T-<node>-<seq>": the opening change is (node, seq). */
	const char *dash = strrchr(tk->id, '-');
	char origin[SVC_ID_LEN];
	size_t olen = dash ? (size_t)(dash - tk->id) - 2 : 0;
	uint8_t k[SVC_KV_OSKEY_LEN];
	svc_kv_val v;
	svc_change c;
	if (!dash || tk->id[0] != 'T' || tk->id[1] != '-' || olen == 0 || olen >= sizeof origin)
		return svc_kv_corrupt(t, "bad ticket id %s", tk->id);
	memcpy(origin, tk->id + 2, olen);
	origin[olen] = '\0';
	int rc = svc_kv_get(t, SVC_DB_CHANGES, k,
	                    svc_kv_key_origin_seq(k, origin, strtoull(dash + 1, NULL, 10)), &v);
	if (rc == 0 && (svc_kv_change_decode(&v, &c) != 0 || c.kind != SVC_CK_TICKET_OPEN))
		rc = SVC_EDECODE;
	if (rc)
		return svc_kv_corrupt(t, "opening change of %s: %s", tk->id, svc_strerror(rc));
	const svc_ticket_open *b = &c.u.ticket_open;
	tk->kind = b->kind;
	memcpy(tk->customer, b->customer, sizeof tk->customer);
	memcpy(tk->phone, b->phone, sizeof tk->phone);
	memcpy(tk->address, b->address, sizeof tk->address);
	memcpy(tk->product, b->product, sizeof tk->product);
	memcpy(tk->serial, b->serial, sizeof tk->serial);
	memcpy(tk->fault, b->fault, sizeof tk->fault);
	tk->purchased = b->purchased;
	return 0;
}

static int state_decode(svc_txn *t, const svc_fold_kind *k, const svc_kv_val *v, void *state)
{
	int rc = k->decode(v->data, v->len, state);
	if (!rc && k->type == SVC_AGG_TICKET)
		rc = ticket_fill(t, state);
	return rc;
}

static int state_load_as(svc_txn *t, const svc_fold_kind *k, const char *agg, void *state,
                         bool *exists, bool brief)
{
	svc_kv_fold_cache *fc = svc_kv_fold(t);
	uint8_t key[SVC_KV_AGG_KEY_LEN];
	svc_kv_val v;
	bool node = k->type == SVC_AGG_NODE;
	if (node && fc->node_cached && strcmp(fc->node_agg, agg) == 0) {
		memcpy(state, &fc->node, sizeof fc->node);
		*exists = fc->node_exists;
		return svc_txn_err(t);
	}
	memset(state, 0, k->state_size);
	*exists = false;
	int rc = svc_kv_get(t, k->db, key, svc_kv_agg_key(agg, key), &v);
	if (rc == SVC_ENOTFOUND) {
		if (node) {
			snprintf(fc->node_agg, sizeof fc->node_agg, "%s", agg);
			memset(&fc->node, 0, sizeof fc->node);
			fc->node_exists = false;
			fc->node_cached = true;
		}
		return 0;
	}
	if (rc)
		return rc;
	rc = brief ? k->decode(v.data, v.len, state) : state_decode(t, k, &v, state);
	if (rc)
		return svc_txn_fail(
		    t, svc_errctx(SVC_ESTORE, "store %s: state of %s", svc_kv_dir(t), agg));
	*exists = true;
	if (node) {
		snprintf(fc->node_agg, sizeof fc->node_agg, "%s", agg);
		memcpy(&fc->node, state, sizeof fc->node);
		fc->node_exists = true;
		fc->node_cached = true;
	}
	return 0;
}

static int state_load(svc_txn *t, const svc_fold_kind *k, const char *agg, void *state,
                      bool *exists)
{
	return state_load_as(t, k, agg, state, exists, false);
}

/* A write to a state some cache of the transaction holds drops that cache. */
static void cache_drop(svc_txn *t, const svc_fold_kind *k)
{
	svc_kv_fold_cache *fc = svc_kv_fold(t);
	if (k->type == SVC_AGG_NODE)
		fc->node_cached = false;
	else if (k->type == SVC_AGG_POLICY)
		fc->policy_cached = false;
	else if (k->type == SVC_AGG_GRADE)
		fc->grade_cached = false;
}

static int state_save(svc_txn *t, const svc_fold_kind *k, const char *agg, const void *state)
{
	cache_drop(t, k);
	uint8_t buf[SVC_STATE_MAX], key[SVC_KV_AGG_KEY_LEN];
	size_t len;
	int rc;
	if (k->type == SVC_AGG_TICKET) {
		svc_ticket tk = *(const svc_ticket *)state;
		ticket_strip(&tk);
		rc = k->encode(&tk, buf, sizeof buf, &len);
	} else {
		rc = k->encode(state, buf, sizeof buf, &len);
	}
	if (rc)
		return svc_txn_fail(t, rc);
	return svc_kv_put(t, k->db, key, svc_kv_agg_key(agg, key), buf, len, 0);
}

static int state_del(svc_txn *t, const svc_fold_kind *k, const char *agg)
{
	uint8_t key[SVC_KV_AGG_KEY_LEN];
	cache_drop(t, k);
	return svc_kv_del(t, k->db, key, svc_kv_agg_key(agg, key));
}

static size_t stock_key(uint8_t *k, const char *location, const char *part_no)
{
	size_t a = strlen(location), b = strlen(part_no);
	memcpy(k, location, a + 1);
	memcpy(k + a + 1, part_no, b);
	return a + 1 + b;
}

int svc_fold_stock_get(svc_txn *t, const char *location, const char *part_no, svc_stock *out)
{
	uint8_t k[SVC_ID_LEN + SVC_PART_LEN];
	svc_kv_val v;
	memset(out, 0, sizeof *out);
	int rc = svc_kv_get(t, SVC_DB_STOCK, k, stock_key(k, location, part_no), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (svc_codec_stock_decode(v.data, v.len, out))
		return svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: stock %s/%s",
		                                  svc_kv_dir(t), location, part_no));
	return 0;
}

static int stock_add(svc_txn *t, const svc_stock_delta *d, int sign)
{
	svc_stock s;
	uint8_t k[SVC_ID_LEN + SVC_PART_LEN], buf[64];
	size_t len;
	int rc = svc_fold_stock_get(t, d->location, d->part_no, &s);
	if (rc)
		return rc;
	s.on_hand += sign * d->on_hand;
	s.defective += sign * d->defective;
	s.in_transit_in += sign * d->in_transit_in;
	rc = svc_codec_stock_encode(&s, buf, sizeof buf, &len);
	if (rc)
		return svc_txn_fail(t, rc);
	return svc_kv_put(t, SVC_DB_STOCK, k, stock_key(k, d->location, d->part_no), buf, len, 0);
}

/* ------------------------------------------------------------ reads, indexes, tallies */

#define WALK_STOP 1

struct after_arg {
	bool *later;
};

static int after_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct after_arg *a = arg;
	(void)k;
	(void)v;
	*a->later = true;
	return WALK_STOP;
}

/* Any change of agg after pos: the first fold-order index entry from pos's
 * key (no change of agg is at pos itself: pos is another record's change). */
static int has_after(svc_txn *t, const char *agg, const svc_fold_pos *pos, bool *later)
{
	uint8_t k[SVC_KV_AGGIDX_KEY_LEN];
	size_t n = svc_kv_agg_key(agg, k);
	k[n] = 0;
	svc_kv_be64_put(k + n + 1, pos->hlc);
	size_t klen = n + 9 + svc_kv_key_origin_seq(k + n + 9, pos->origin, pos->seq);
	struct after_arg a = {later};
	*later = false;
	int rc = svc_kv_walk(t, SVC_DB_AGGIDX, k, klen, k, n + 1, 0, after_step, &a);
	return rc == WALK_STOP ? 0 : rc;
}

/*
 * The dependency index: read-record-key \0 dependent-id -> type(4)
 * hlc(8) seq(8) origin \0: the dependent's kind and the place of its last
 * change that read the record. The key's read record is spelled as its
 * state key (svc_kv_agg_key), so one record's dependents are one prefix.
 */
#define DEPS_KEY_LEN (SVC_KV_AGG_KEY_LEN + 1 + SVC_AGG_LEN)
#define DEPS_VAL_LEN (4 + 8 + 8 + SVC_ID_LEN)

static size_t deps_prefix(uint8_t *k, const char *agg)
{
	size_t n = svc_kv_agg_key(agg, k);
	k[n] = 0;
	return n + 1;
}

static int deps_decode(svc_txn *t, const svc_kv_val *v, svc_fold_ref *dep, svc_fold_pos *pos,
                       const char *id, size_t idlen)
{
	const uint8_t *p = v->data;
	size_t olen = v->len > 20 ? strnlen((const char *)p + 20, v->len - 20) : 0;
	if (v->len < 21 || olen == v->len - 20 || olen >= sizeof pos->origin ||
	    idlen >= sizeof dep->agg)
		return svc_kv_corrupt(t, "bad dependency entry");
	memset(dep, 0, sizeof *dep);
	memset(pos, 0, sizeof *pos);
	dep->type = (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
	memcpy(dep->agg, id, idlen);
	pos->hlc = svc_kv_be64_get(p + 4);
	pos->seq = svc_kv_be64_get(p + 12);
	memcpy(pos->origin, p + 20, olen);
	return 0;
}

static int deps_put(svc_txn *t, const svc_fold_ref *read, const svc_fold_ref *dep,
                    const svc_fold_pos *pos)
{
	uint8_t k[DEPS_KEY_LEN], v[DEPS_VAL_LEN + 4];
	size_t n = deps_prefix(k, read->agg), dlen = strlen(dep->agg);
	memcpy(k + n, dep->agg, dlen);
	n += dlen;
	svc_kv_val old;
	svc_kv_fold(t)->deps_empty = false;
	int rc = svc_kv_get(t, SVC_DB_DEPS, k, n, &old);
	if (rc == 0) {
		svc_fold_ref od;
		svc_fold_pos op;
		rc = deps_decode(t, &old, &od, &op, dep->agg, dlen);
		if (rc)
			return rc;
		if (svc_rules_order_cmp(op.hlc, op.origin, op.seq, pos->hlc, pos->origin,
		                        pos->seq) >= 0)
			return 0;
	} else if (rc != SVC_ENOTFOUND) {
		return rc;
	}
	uint32_t type = (uint32_t)dep->type;
	v[0] = (uint8_t)(type >> 24);
	v[1] = (uint8_t)(type >> 16);
	v[2] = (uint8_t)(type >> 8);
	v[3] = (uint8_t)type;
	svc_kv_be64_put(v + 4, pos->hlc);
	svc_kv_be64_put(v + 12, pos->seq);
	size_t olen = strlen(pos->origin);
	memcpy(v + 20, pos->origin, olen + 1);
	return svc_kv_put(t, SVC_DB_DEPS, k, n, v, 20 + olen + 1, 0);
}

struct deps_arg {
	svc_txn *t;
	size_t plen;
	svc_fold_deps_fn fn;
	void *arg;
};

static int deps_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct deps_arg *a = arg;
	svc_fold_ref dep;
	svc_fold_pos pos;
	int rc =
	    deps_decode(a->t, v, &dep, &pos, (const char *)k->data + a->plen, k->len - a->plen);
	return rc ? rc : a->fn(&dep, &pos, a->arg);
}

static int deps_each(svc_txn *t, const char *agg, svc_fold_deps_fn fn, void *arg)
{
	uint8_t k[DEPS_KEY_LEN];
	uint64_t n;
	svc_kv_fold_cache *fc = svc_kv_fold(t);
	/* Every fold of a record that some kind reads asks: a store without
	 * dependencies answers from the database's entry count, with no
	 * cursor, and a transaction that found none and wrote none (a bulk
	 * import of tickets) asks the database once, not once per change. */
	if (fc->deps_empty)
		return svc_txn_err(t);
	int rc = svc_kv_count(t, SVC_DB_DEPS, &n);
	if (rc || n == 0) {
		fc->deps_empty = rc == 0;
		return rc;
	}
	struct deps_arg a = {t, deps_prefix(k, agg), fn, arg};
	return svc_kv_walk(t, SVC_DB_DEPS, k, a.plen, k, a.plen, 0, deps_step, &a);
}

/* The index: name \0 value \0 record -> empty, so one name's entries sort
 * by value and a value's records are one prefix. */
#define INDEX_KEY_LEN (SVC_FOLD_INDEX_NAME_LEN + SVC_FOLD_INDEX_VALUE_LEN + SVC_AGG_LEN)

static size_t index_key(uint8_t *k, const char *name, const char *value, const char *agg)
{
	size_t a = strnlen(name, SVC_FOLD_INDEX_NAME_LEN - 1);
	size_t b = strnlen(value, SVC_FOLD_INDEX_VALUE_LEN - 1);
	size_t c = agg ? strnlen(agg, SVC_AGG_LEN - 1) : 0;
	memcpy(k, name, a);
	k[a] = 0;
	memcpy(k + a + 1, value, b);
	if (!agg)
		return a + 1 + b;
	k[a + 1 + b] = 0;
	memcpy(k + a + 2 + b, agg, c);
	return a + 2 + b + c;
}

static int index_put(svc_txn *t, const char *name, const char *value, const char *agg)
{
	uint8_t k[INDEX_KEY_LEN];
	return svc_kv_put(t, SVC_DB_INDEX, k, index_key(k, name, value, agg), "", 0, 0);
}

static int index_del(svc_txn *t, const char *name, const char *value, const char *agg)
{
	uint8_t k[INDEX_KEY_LEN];
	return svc_kv_del(t, SVC_DB_INDEX, k, index_key(k, name, value, agg));
}

struct index_arg {
	size_t nlen;
	svc_fold_index_cb cb;
	void *arg;
};

static int index_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct index_arg *a = arg;
	(void)v;
	const char *p = (const char *)k->data + a->nlen + 1;
	size_t rest = k->len - a->nlen - 1;
	const char *nul = memchr(p, 0, rest);
	if (!nul)
		return 0;
	char value[SVC_FOLD_INDEX_VALUE_LEN], agg[SVC_AGG_LEN];
	size_t vlen = (size_t)(nul - p), alen = rest - vlen - 1;
	if (vlen >= sizeof value || alen >= sizeof agg)
		return 0;
	memcpy(value, p, vlen);
	value[vlen] = 0;
	memcpy(agg, nul + 1, alen);
	agg[alen] = 0;
	return a->cb(value, agg, a->arg);
}

int svc_fold_index_each(svc_txn *t, const char *name, const char *value, bool prefix,
                        svc_fold_index_cb cb, void *arg)
{
	uint8_t k[INDEX_KEY_LEN];
	size_t klen = index_key(k, name, value, NULL);
	/* An exact value is the prefix name \0 value \0. */
	if (!prefix)
		k[klen++] = 0;
	struct index_arg a = {strnlen(name, SVC_FOLD_INDEX_NAME_LEN - 1), cb, arg};
	return svc_kv_walk(t, SVC_DB_INDEX, k, klen, k, klen, 0, index_step, &a);
}

/* Tallies: month(4, big-endian) name \0 scope -> value(8, big-endian two's
 * complement); a tally that comes back to zero is removed, so equal
 * states give equal databases whatever the order they were reached in. */
#define TALLY_KEY_LEN (4 + SVC_FOLD_TALLY_NAME_LEN + SVC_ID_LEN)

static size_t tally_key(uint8_t *k, uint32_t month, const char *name, const char *scope)
{
	size_t a = strnlen(name, SVC_FOLD_TALLY_NAME_LEN - 1), b = strnlen(scope, SVC_ID_LEN - 1);
	k[0] = (uint8_t)(month >> 24);
	k[1] = (uint8_t)(month >> 16);
	k[2] = (uint8_t)(month >> 8);
	k[3] = (uint8_t)month;
	memcpy(k + 4, name, a);
	k[4 + a] = 0;
	memcpy(k + 5 + a, scope, b);
	return 5 + a + b;
}

int svc_fold_tally_get(svc_txn *t, uint32_t month, const char *name, const char *scope,
                       int64_t *out)
{
	uint8_t k[TALLY_KEY_LEN];
	svc_kv_val v;
	*out = 0;
	int rc = svc_kv_get(t, SVC_DB_TALLY, k, tally_key(k, month, name, scope), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.len != 8)
		return svc_kv_corrupt(t, "bad tally %u %s", month, name);
	*out = (int64_t)svc_kv_be64_get(v.data);
	return 0;
}

static int tally_add(svc_txn *t, uint32_t month, const char *name, const char *scope, int64_t delta)
{
	uint8_t k[TALLY_KEY_LEN], v[8];
	int64_t now;
	size_t klen = tally_key(k, month, name, scope);
	int rc = svc_fold_tally_get(t, month, name, scope, &now);
	if (rc)
		return rc;
	now += delta;
	if (now == 0)
		return svc_kv_del(t, SVC_DB_TALLY, k, klen);
	svc_kv_be64_put(v, (uint64_t)now);
	return svc_kv_put(t, SVC_DB_TALLY, k, klen, v, 8, 0);
}

struct tally_arg {
	svc_txn *t;
	svc_fold_tally_cb cb;
	void *arg;
};

static int tally_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct tally_arg *a = arg;
	const uint8_t *p = k->data;
	char name[SVC_FOLD_TALLY_NAME_LEN], scope[SVC_ID_LEN];
	const uint8_t *nul = k->len > 4 ? memchr(p + 4, 0, k->len - 4) : NULL;
	if (!nul || v->len != 8)
		return svc_kv_corrupt(a->t, "bad tally entry");
	size_t nlen = (size_t)(nul - p - 4), slen = k->len - 4 - nlen - 1;
	if (nlen >= sizeof name || slen >= sizeof scope)
		return svc_kv_corrupt(a->t, "bad tally entry");
	memcpy(name, p + 4, nlen);
	name[nlen] = 0;
	memcpy(scope, nul + 1, slen);
	scope[slen] = 0;
	uint32_t month = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return a->cb(month, name, scope, (int64_t)svc_kv_be64_get(v->data), a->arg);
}

int svc_fold_tally_each(svc_txn *t, uint32_t month, const char *name, svc_fold_tally_cb cb,
                        void *arg)
{
	uint8_t k[TALLY_KEY_LEN];
	size_t plen = 0;
	struct tally_arg a = {t, cb, arg};
	if (month) {
		plen = tally_key(k, month, name ? name : "", "");
		/* month alone, or month name \0 */
		if (!name)
			plen = 4;
	}
	return svc_kv_walk(t, SVC_DB_TALLY, plen ? k : NULL, plen, plen ? k : NULL, plen, 0,
	                   tally_step, &a);
}

/* ------------------------------------------------------------ derived data of older stores */

struct rebuild_arg {
	svc_txn *t;
	const svc_fold_kind *k;
	void *state;
	uint64_t records;
};

static int rebuild_step(const svc_kv_val *key, const svc_kv_val *v, void *arg)
{
	struct rebuild_arg *a = arg;
	char agg[SVC_AGG_LEN];
	memset(a->state, 0, a->k->state_size);
	if (svc_kv_agg_unkey(key->data, key->len, agg) || state_decode(a->t, a->k, v, a->state))
		return svc_txn_fail(a->t, svc_errctx(SVC_ESTORE, "store %s: %s record %.*s",
		                                     svc_kv_dir(a->t), a->k->name, (int)key->len,
		                                     (const char *)key->data));
	if (a->k->indexes) {
		svc_fold_index_entry e[SVC_FOLD_INDEX_MAX];
		int n = a->k->indexes(a->state, e);
		for (int i = 0; i < n; i++)
			index_put(a->t, e[i].name, e[i].value, agg);
	}
	if (a->k->tallies) {
		svc_fold_tally_entry e[SVC_FOLD_TALLY_MAX];
		int n = a->k->tallies(a->state, e);
		for (int i = 0; i < n; i++)
			tally_add(a->t, e[i].month, e[i].name, e[i].scope, e[i].delta);
	}
	a->records++;
	return svc_txn_err(a->t);
}

int svc_fold_derived_refresh(svc_txn *t, uint64_t *records)
{
	uint64_t have = 0;
	*records = 0;
	int rc = svc_kv_meta_u64_or0(t, "derived", &have);
	if (rc || have == SVC_FOLD_DERIVED_VERSION)
		return rc;
	if ((rc = svc_kv_clear(t, SVC_DB_INDEX)) || (rc = svc_kv_clear(t, SVC_DB_TALLY)))
		return rc;
	struct rebuild_arg a = {t, NULL, NULL, 0};
	for (int type = SVC_AGG_NONE + 1; type < SVC_AGG_MAX_ && !rc; type++) {
		const svc_fold_kind *k = svc_fold_kind_of((svc_agg_type)type);
		if (!k || k->db < 0 || !k->state_size || (!k->indexes && !k->tallies))
			continue;
		a.k = k;
		a.state = malloc(k->state_size);
		if (!a.state)
			return svc_errf(SVC_ENOMEM, "out of memory");
		rc = svc_kv_walk(t, k->db, NULL, 0, NULL, 0, 0, rebuild_step, &a);
		free(a.state);
	}
	if (!rc)
		rc = svc_kv_meta_put_u64(t, "derived", SVC_FOLD_DERIVED_VERSION);
	*records = a.records;
	return rc;
}

int svc_fold_store_refresh(svc_store *s, uint64_t *records)
{
	svc_txn *t;
	*records = 0;
	int rc = svc_txn_begin(s, false, &t);
	uint64_t have = 0;
	if (rc)
		return rc;
	/* Read first: the usual case, nothing to do, takes no write lock. */
	rc = svc_kv_meta_u64_or0(t, "derived", &have);
	svc_txn_abort(&t);
	if (rc || have == SVC_FOLD_DERIVED_VERSION)
		return rc;
	if ((rc = svc_txn_begin(s, true, &t)))
		return rc;
	rc = svc_fold_derived_refresh(t, records);
	if (rc) {
		svc_txn_abort(&t);
		return rc;
	}
	return svc_txn_commit(&t);
}

/* ------------------------------------------------------------ the backend */

static int b_state_load(void *ctx, const svc_fold_kind *k, const char *agg, void *state,
                        bool *exists)
{
	return state_load(ctx, k, agg, state, exists);
}

/* The state as stored (a ticket without its opening fields): what a
 * re-fold moves index entries from, even when the opening change itself
 * has just left the log (a restore's replay). */
static int b_state_load_stored(void *ctx, const svc_fold_kind *k, const char *agg, void *state,
                               bool *exists)
{
	return state_load_as(ctx, k, agg, state, exists, true);
}

static int b_state_save(void *ctx, const svc_fold_kind *k, const char *agg, const void *state)
{
	return state_save(ctx, k, agg, state);
}

static int b_state_del(void *ctx, const svc_fold_kind *k, const char *agg)
{
	return state_del(ctx, k, agg);
}

static int b_has_later(void *ctx, const svc_change *c, bool *later)
{
	return svc_journal_agg_has_later(ctx, c, later);
}

static int b_agg_walk(void *ctx, const char *agg, svc_fold_walk_fn fn, void *arg)
{
	return svc_journal_agg_walk(ctx, agg, fn, arg);
}

static int b_origin_walk(void *ctx, const char *origin, uint64_t from, svc_fold_walk_fn fn,
                         void *arg)
{
	return svc_journal_origin_walk(ctx, origin, from, fn, arg);
}

static int b_reject_get(void *ctx, const svc_change *c, bool *rejected)
{
	return svc_journal_reject_get(ctx, c->origin, c->seq, NULL, 0, rejected);
}

static int b_reject_put(void *ctx, const svc_change *c, const char *reason)
{
	return svc_journal_reject_put(ctx, c, reason);
}

static int b_reject_del(void *ctx, const svc_change *c)
{
	return svc_journal_reject_del(ctx, c);
}

static int b_stock_add(void *ctx, const svc_stock_delta *d, int sign)
{
	return stock_add(ctx, d, sign);
}

static bool b_is_self(void *ctx, const char *origin)
{
	svc_txn *t = ctx;
	const svc_self *self = svc_kv_self(t);
	if (!self) {
		svc_self s;
		if (svc_self_get(t, &s)) {
			svc_errclear(); /* a store without identity (tests) holds by the rule alone
			                 */
			return false;
		}
		self = svc_kv_self(t);
	}
	return strcmp(self->node, origin) == 0;
}

static int b_err(void *ctx)
{
	return svc_txn_err(ctx);
}

static int b_has_after(void *ctx, const char *agg, const svc_fold_pos *pos, bool *later)
{
	return has_after(ctx, agg, pos, later);
}

static int b_deps_put(void *ctx, const svc_fold_ref *read, const svc_fold_ref *dep,
                      const svc_fold_pos *pos)
{
	return deps_put(ctx, read, dep, pos);
}

static int b_deps_each(void *ctx, const char *agg, svc_fold_deps_fn fn, void *arg)
{
	return deps_each(ctx, agg, fn, arg);
}

static int b_index_put(void *ctx, const char *name, const char *value, const char *agg)
{
	return index_put(ctx, name, value, agg);
}

static int b_index_del(void *ctx, const char *name, const char *value, const char *agg)
{
	return index_del(ctx, name, value, agg);
}

static int b_tally_add(void *ctx, uint32_t month, const char *name, const char *scope,
                       int64_t delta)
{
	return tally_add(ctx, month, name, scope, delta);
}

static const svc_fold_backend store_backend = {
    .state_load = b_state_load,
    .state_load_stored = b_state_load_stored,
    .state_save = b_state_save,
    .state_del = b_state_del,
    .has_later = b_has_later,
    .agg_walk = b_agg_walk,
    .origin_walk = b_origin_walk,
    .reject_get = b_reject_get,
    .reject_put = b_reject_put,
    .reject_del = b_reject_del,
    .stock_add = b_stock_add,
    .is_self = b_is_self,
    .err = b_err,
    .has_after = b_has_after,
    .deps_put = b_deps_put,
    .deps_each = b_deps_each,
    .index_put = b_index_put,
    .index_del = b_index_del,
    .tally_add = b_tally_add,
};

svc_fold svc_fold_store(svc_txn *t)
{
	svc_fold f = {&store_backend, t, NULL};
	return f;
}

svc_fold svc_fold_store_kinds(svc_txn *t, const svc_fold_kinds *kinds)
{
	svc_fold f = {&store_backend, t, kinds};
	return f;
}

/* ------------------------------------------------------------ readers */

static int getter(svc_txn *t, svc_agg_type type, const char *agg, void *out, const char *what)
{
	bool exists;
	int rc = state_load(t, svc_fold_kind_of(type), agg, out, &exists);
	if (rc)
		return rc;
	if (!exists)
		return svc_errf(SVC_ENOTFOUND, "unknown %s %s", what, agg);
	return 0;
}

int svc_fold_ticket_get(svc_txn *t, const char *id, svc_ticket *out)
{
	return getter(t, SVC_AGG_TICKET, id, out, "ticket");
}

int svc_fold_claim_get(svc_txn *t, const char *id, svc_claim *out)
{
	return getter(t, SVC_AGG_CLAIM, id, out, "claim");
}

int svc_fold_transfer_get(svc_txn *t, const char *id, svc_transfer *out)
{
	return getter(t, SVC_AGG_TRANSFER, id, out, "transfer");
}

int svc_fold_catalog_get(svc_txn *t, const char *part_no, svc_catalog_item *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_catalog_agg(agg, part_no);
	int rc = getter(t, SVC_AGG_CATALOG, agg, out, "part");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "unknown part number %s (not in the catalog)", part_no);
	return rc;
}

int svc_fold_node_get(svc_txn *t, const char *node, svc_node *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_node_agg(agg, node);
	int rc = getter(t, SVC_AGG_NODE, agg, out, "node");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "unknown node %s (no certificate in the directory)", node);
	return rc;
}
/* customer */
int svc_fold_customer_get(svc_txn *t, const char *id, svc_customer *out)
{
	return getter(t, SVC_AGG_CUSTOMER, id, out, "customer");
}

int svc_fold_unit_get(svc_txn *t, const char *id, svc_unit *out)
{
	return getter(t, SVC_AGG_UNIT, id, out, "product unit");
}

int svc_fold_merged_into(svc_txn *t, int type, const char *id, char out[SVC_AGG_LEN], bool *exists)
{
	const svc_fold_kind *k = svc_fold_kind_of((svc_agg_type)type);
	uint8_t key[SVC_KV_AGG_KEY_LEN];
	svc_kv_val v;
	out[0] = '\0';
	*exists = false;
	if (type != SVC_AGG_CUSTOMER && type != SVC_AGG_UNIT)
		return svc_errf(SVC_EINVAL, "%s: only customers and units are merged", id);
	int rc = svc_kv_get(t, k->db, key, svc_kv_agg_key(id, key), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	rc = type == SVC_AGG_CUSTOMER ? svc_codec_customer_merged_into(v.data, v.len, out)
	                              : svc_codec_unit_merged_into(v.data, v.len, out);
	if (rc) {
		/* the whole decode says what is wrong with the bytes */
		svc_fold_state st;
		out[0] = '\0';
		rc = state_load(t, k, id, &st, exists);
		if (rc)
			return rc;
		memcpy(out, type == SVC_AGG_CUSTOMER ? st.cu.merged_into : st.u.merged_into,
		       SVC_AGG_LEN);
	}
	*exists = true;
	return 0;
}

struct state_each_arg {
	svc_txn *t;
	const svc_fold_kind *k;
	bool brief;
	int (*cb)(const void *, void *);
	void *arg;
	svc_fold_state st;
};

static int state_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct state_each_arg *a = arg;
	int drc =
	    a->brief ? a->k->decode(v->data, v->len, &a->st) : state_decode(a->t, a->k, v, &a->st);
	if (drc)
		return svc_txn_fail(a->t, svc_errctx(SVC_ESTORE, "store %s: %.*s", svc_kv_dir(a->t),
		                                     (int)k->len, (const char *)k->data));
	return a->cb(&a->st, a->arg);
}

static int state_each(svc_txn *t, svc_agg_type type, bool brief, int (*cb)(const void *, void *),
                      void *arg)
{
	struct state_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->k = svc_fold_kind_of(type);
	a->brief = brief;
	a->cb = cb;
	a->arg = arg;
	int rc = svc_kv_walk(t, a->k->db, NULL, 0, NULL, 0, 0, state_each_step, a);
	free(a);
	return rc;
}

#define EACH_STATE(fname, type_enum, cbtype)                                                       \
	int fname(svc_txn *t, cbtype cb, void *arg)                                                \
	{                                                                                          \
		return state_each(t, type_enum, false, (int (*)(const void *, void *))cb, arg);    \
	}

EACH_STATE(svc_fold_ticket_each, SVC_AGG_TICKET, svc_ticket_cb)

int svc_fold_ticket_each_brief(svc_txn *t, svc_ticket_cb cb, void *arg)
{
	return state_each(t, SVC_AGG_TICKET, true, (int (*)(const void *, void *))cb, arg);
}
EACH_STATE(svc_fold_claim_each, SVC_AGG_CLAIM, svc_claim_cb)
EACH_STATE(svc_fold_transfer_each, SVC_AGG_TRANSFER, svc_transfer_cb)
EACH_STATE(svc_fold_catalog_each, SVC_AGG_CATALOG, svc_catalog_cb)
EACH_STATE(svc_fold_node_each, SVC_AGG_NODE, svc_node_cb)
EACH_STATE(svc_fold_customer_each, SVC_AGG_CUSTOMER, svc_customer_cb)
/* complaints */
EACH_STATE(svc_fold_complaint_each, SVC_AGG_COMPLAINT, svc_complaint_cb)
/* shops */
EACH_STATE(svc_fold_shop_each, SVC_AGG_SHOP, svc_shop_cb)

int svc_fold_shop_get(svc_txn *t, const char *shop, svc_shop *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_shop_agg(agg, shop);
	return getter(t, SVC_AGG_SHOP, agg, out, "shop record");
}

int svc_fold_complaint_get(svc_txn *t, const char *id, svc_complaint *out)
{
	return getter(t, SVC_AGG_COMPLAINT, id, out, "complaint");
}

/* old parts */
EACH_STATE(svc_fold_oldpart_each, SVC_AGG_OLDPART, svc_old_part_cb)

int svc_fold_oldpart_get(svc_txn *t, const char *id, svc_old_part *out)
{
	return getter(t, SVC_AGG_OLDPART, id, out, "old part");
}

/* the shop's ledger */
int svc_fold_statement_get(svc_txn *t, const char *id, svc_statement *out)
{
	return getter(t, SVC_AGG_STATEMENT, id, out, "statement");
}

struct statement_shop_arg {
	svc_txn *t;
	svc_statement_cb cb;
	void *arg;
	svc_statement st;
};

static int statement_shop_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct statement_shop_arg *a = arg;
	const svc_fold_kind *kind = svc_fold_kind_of(SVC_AGG_STATEMENT);
	if (state_decode(a->t, kind, v, &a->st))
		return svc_txn_fail(a->t, svc_errctx(SVC_ESTORE, "store %s: %.*s", svc_kv_dir(a->t),
		                                     (int)k->len, (const char *)k->data));
	return a->cb(&a->st, a->arg);
}

int svc_fold_statement_each_shop(svc_txn *t, const char *shop, svc_statement_cb cb, void *arg)
{
	char prefix[SVC_AGG_LEN];
	uint8_t key[SVC_KV_AGG_KEY_LEN];
	snprintf(prefix, sizeof prefix, "Y:%s/", shop);
	struct statement_shop_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->cb = cb;
	a->arg = arg;
	size_t klen = svc_kv_agg_key(prefix, key);
	int rc = svc_kv_walk(t, SVC_DB_STATEMENTS, key, klen, key, klen, 0, statement_shop_step, a);
	free(a);
	return rc;
}

/* ---- policy */

int svc_fold_model_get(svc_txn *t, const char *model, svc_model *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_model_agg(agg, model);
	int rc = getter(t, SVC_AGG_MODEL, agg, out, "model");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "model: unknown model %s (not in HQ's model list)", model);
	return rc;
}

int svc_fold_fault_get(svc_txn *t, const char *category, const char *code, svc_fault_code *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_fault_agg(agg, category, code);
	int rc = getter(t, SVC_AGG_FAULT, agg, out, "fault code");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "fault-code: unknown fault code %s for category %s", code, category);
	return rc;
}

int svc_fold_grade_get(svc_txn *t, const char *region, uint32_t *grade)
{
	char agg[SVC_AGG_LEN];
	svc_grade_item g;
	svc_kv_fold_cache *fc = svc_kv_fold(t);
	if (fc->grade_cached && strcmp(fc->grade_region, region) == 0) {
		*grade = fc->grade;
		return svc_txn_err(t);
	}
	svc_rules_grade_agg(agg, region);
	int rc = getter(t, SVC_AGG_GRADE, agg, &g, "grade");
	*grade = rc == 0 ? g.grade : SVC_GRADE_NONE;
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		rc = 0;
	}
	if (rc == 0 && strlen(region) < sizeof fc->grade_region) {
		memcpy(fc->grade_region, region, strlen(region) + 1);
		fc->grade = *grade;
		fc->grade_cached = true;
	}
	return rc;
}

int svc_fold_override_get(svc_txn *t, const char *serial, svc_override *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_override_agg(agg, serial);
	return getter(t, SVC_AGG_OVERRIDE, agg, out, "exception");
}

int svc_fold_policy_version(svc_txn *t, uint32_t version, svc_policy *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_policy_agg(agg, version);
	return getter(t, SVC_AGG_POLICY, agg, out, "policy version");
}

/* labor operations and the labor tariff */
int svc_fold_labor_get(svc_txn *t, const char *code, svc_labor_op *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_labor_agg(agg, code);
	int rc = getter(t, SVC_AGG_LABOR, agg, out, "labor operation");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "op: unknown labor operation %s (not in HQ's list)", code);
	return rc;
}

int svc_fold_tariff_get(svc_txn *t, svc_tariff *out)
{
	char agg[SVC_AGG_LEN];
	svc_rules_tariff_agg(agg);
	int rc = getter(t, SVC_AGG_TARIFF, agg, out, "tariff");
	if (rc == SVC_ENOTFOUND) {
		svc_errclear();
		memset(out, 0, sizeof *out);
		rc = 0;
	}
	return rc;
}

EACH_STATE(svc_fold_labor_each, SVC_AGG_LABOR, svc_labor_cb)
EACH_STATE(svc_fold_model_each, SVC_AGG_MODEL, svc_model_cb)
EACH_STATE(svc_fold_fault_each, SVC_AGG_FAULT, svc_fault_cb)
EACH_STATE(svc_fold_grade_each, SVC_AGG_GRADE, svc_grade_cb)
EACH_STATE(svc_fold_policy_each, SVC_AGG_POLICY, svc_policy_cb)

struct policy_pick {
	uint32_t ymd; /* 0: any date */
	svc_policy *out;
};

static int policy_pick_cb(const svc_policy *p, void *arg)
{
	struct policy_pick *a = arg;
	if ((a->ymd == 0 || p->from <= a->ymd) && p->version > a->out->version)
		*a->out = *p;
	return 0;
}

int svc_fold_policy_at(svc_txn *t, uint32_t ymd, svc_policy *out)
{
	svc_kv_fold_cache *fc = svc_kv_fold(t);
	uint32_t day = ymd ? ymd : 1;
	/* every version is read and decoded to pick one: once per day asked
	 * in a transaction */
	if (fc->policy_cached && fc->policy_day == day) {
		memcpy(out, &fc->policy, sizeof *out);
		return svc_txn_err(t);
	}
	memset(out, 0, sizeof *out);
	struct policy_pick a = {day, out};
	int rc = svc_fold_policy_each(t, policy_pick_cb, &a);
	if (rc == 0) {
		memcpy(&fc->policy, out, sizeof *out);
		fc->policy_day = day;
		fc->policy_cached = true;
	}
	return rc;
}

int svc_fold_policy_latest(svc_txn *t, svc_policy *out)
{
	memset(out, 0, sizeof *out);
	struct policy_pick a = {0, out};
	return svc_fold_policy_each(t, policy_pick_cb, &a);
}

struct stock_each_arg {
	svc_txn *t;
	const char *location;
	size_t llen;
	svc_stock_cb cb;
	void *arg;
};

static int stock_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct stock_each_arg *a = arg;
	const char *kb = k->data;
	const char *nul = memchr(kb, 0, k->len);
	if (!nul)
		return 0;
	char loc[SVC_ID_LEN], part[SVC_PART_LEN];
	size_t plen = k->len - (size_t)(nul - kb) - 1;
	if ((size_t)(nul - kb) >= sizeof loc || plen >= sizeof part)
		return 0;
	memcpy(loc, kb, (size_t)(nul - kb) + 1);
	memcpy(part, nul + 1, plen);
	part[plen] = '\0';
	svc_stock s;
	if (svc_codec_stock_decode(v->data, v->len, &s))
		return svc_txn_fail(a->t, svc_errctx(SVC_ESTORE, "store %s: stock %s/%s",
		                                     svc_kv_dir(a->t), loc, part));
	return a->cb(loc, part, &s, a->arg);
}

int svc_fold_stock_each(svc_txn *t, const char *location, svc_stock_cb cb, void *arg)
{
	struct stock_each_arg a = {t, location, location ? strlen(location) : 0, cb, arg};
	/* A location's lines are the keys location \0 part. */
	if (location)
		return svc_kv_walk(t, SVC_DB_STOCK, location, a.llen + 1, location, a.llen + 1, 0,
		                   stock_each_step, &a);
	return svc_kv_walk(t, SVC_DB_STOCK, NULL, 0, NULL, 0, 0, stock_each_step, &a);
}

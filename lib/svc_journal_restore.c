/*
 * svc_journal_restore: the journal's restore state and replay table (see
 * svc_journal.h, "restores"). Part of the journal module, in a file of its
 * own because it is one mechanism with one story, told here:
 *
 * Restores. A node's own seqs are only unique while its store never goes
 * back in time. A store copied back from a backup (`svcsync restore`, or a
 * plain copy of an old directory) lacks the changes it made after the copy,
 * and the next local write would re-issue their seqs with other content: a
 * fork of its own history. So meta holds a restore state:
 *
 *   restore         flags: blocked, target known, caught from the upstream
 *   restore_target  the highest seq of this node's origin its upstream holds
 *   upstream_has    the same, as the upstream's last HELLO said
 *   own_confirmed   own seqs 1..n known to be the network's: the upstream
 *                   acknowledged n without quarantine, or sent it back
 *                   unchanged (by the hash chain, 1..n-1 then match too)
 *
 * The HELLO to the upstream lists this node's own origin at min(head,
 * own_confirmed), and the upstream sends a peer its own changes above the
 * seq the peer lists for itself: normally the few changes shipped but not
 * acknowledged before a disconnect, each a cheap duplicate. A restore is
 * recognised in three ways: `svcsync restore` marks it; the upstream's HELLO
 * summary holds a higher seq of this origin than the store (a plain copy of
 * an old directory); or a change sent back differs from the store's (a
 * plain copy that went on writing as far as the network had gone).
 *
 * While blocked, local writes are refused (svc_apply_local) and the daemon
 * fetches the node's own later changes back. The store unblocks once its
 * own head reaches the target; local seqs then continue after the highest
 * seq the network holds. A detected restore also takes a new store id, so
 * peers' positions in this node's log, which went back, start over.
 *
 * A plain copy is noticed only at the first contact with the upstream, and
 * writes made before that re-used seqs the network already holds. When the
 * network's version of one of them arrives (signed with this node's own key,
 * so it is this node's earlier history, not a forgery), the local divergent
 * changes from that seq to the head are moved into the replay table, in the
 * same transaction that stores the network's change: their arrival, index,
 * reject and commit entries go, their stock effects are reversed and the
 * aggregates they touched are folded again without them (svc_apply.c).
 * `svcsync restore --replay` later re-enters them as new changes (new seq,
 * new hlc, same content). Moving whole suffixes keeps the node's chain
 * intact: a change after the first divergent one chains to it, so it cannot
 * stay either.
 */
#include "svc_journal.h"

#include "store_kv.h"
#include "svc_codec.h"
#include "svc_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define be64_put svc_kv_be64_put
#define be64_get svc_kv_be64_get
#define key_origin_seq svc_kv_key_origin_seq

/* A walk's own stop, told apart from a callback's. */
#define WALK_END 1

/* ------------------------------------------------------------ restores */

enum { RESTORE_BLOCKED = 1, RESTORE_TARGET = 2, RESTORE_DETECTED = 4 };

int svc_restore_get(svc_txn *t, svc_restore_state *out)
{
	uint64_t flags;
	uint8_t h[SVC_HASH_LEN];
	svc_self self;
	memset(out, 0, sizeof *out);
	int rc = svc_kv_meta_u64_or0(t, "restore", &flags);
	if (!rc)
		rc = svc_kv_meta_u64_or0(t, "restore_target", &out->target);
	if (!rc) {
		rc = svc_kv_meta_get_u64(t, "own_confirmed", &out->confirmed);
		out->confirmed_known = rc == 0;
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			rc = svc_txn_err(t);
		}
	}
	if (!rc)
		rc = svc_self_get(t, &self);
	if (!rc)
		rc = svc_journal_head_get(t, self.node, &out->head, h);
	if (rc)
		return rc;
	out->blocked = flags & RESTORE_BLOCKED;
	out->target_known = flags & RESTORE_TARGET;
	out->detected = flags & RESTORE_DETECTED;
	return svc_kv_count(t, SVC_DB_REPLAY, &out->replay);
}

static int restore_put(svc_txn *t, const svc_restore_state *r)
{
	uint64_t flags = (r->blocked ? RESTORE_BLOCKED : 0) |
	                 (r->target_known ? RESTORE_TARGET : 0) |
	                 (r->detected ? RESTORE_DETECTED : 0);
	svc_kv_meta_put_u64(t, "restore", flags);
	svc_kv_meta_put_u64(t, "restore_target", r->target);
	return svc_kv_meta_put_u64(t, "own_confirmed", r->confirmed);
}

/*
 * The network's version of own seq `seq` differs from this store's: the
 * store is an older copy that went on writing. Block writes until the
 * network's history is back (at least through what the upstream last said
 * it holds), under a new store id.
 */
int svc_restore_diverged(svc_txn *t, uint64_t seq)
{
	svc_restore_state r;
	uint64_t has;
	int rc = svc_restore_get(t, &r);
	if (!rc)
		rc = svc_kv_meta_u64_or0(t, "upstream_has", &has);
	if (rc || r.blocked)
		return rc;
	r.blocked = r.target_known = r.detected = true;
	r.target = has > seq ? has : seq;
	if (r.confirmed >= seq)
		r.confirmed = seq - 1;
	rc = svc_store_new_id(t);
	return rc ? rc : restore_put(t, &r);
}

int svc_restore_confirm(svc_txn *t, uint64_t seq)
{
	uint64_t confirmed;
	int rc = svc_kv_meta_u64_or0(t, "own_confirmed", &confirmed);
	if (rc || seq <= confirmed)
		return rc;
	return svc_kv_meta_put_u64(t, "own_confirmed", seq);
}

int svc_restore_hello(svc_txn *t, uint64_t upstream_has, svc_restore_event *ev)
{
	svc_restore_state r;
	uint64_t had;
	*ev = SVC_RESTORE_NONE;
	int rc = svc_restore_get(t, &r);
	if (!rc)
		rc = svc_kv_meta_u64_or0(t, "upstream_has", &had);
	if (!rc && had != upstream_has)
		rc = svc_kv_meta_put_u64(t, "upstream_has", upstream_has);
	if (rc)
		return rc;
	if (!r.blocked) {
		/* Holding as many is no proof of holding the same: the
		 * upstream sends back what lies above `confirmed`, and a
		 * different version there is caught on arrival. A store
		 * written before confirmations were kept starts from what the
		 * upstream holds, as it trusted before. */
		if (!r.confirmed_known && upstream_has <= r.head)
			return svc_kv_meta_put_u64(t, "own_confirmed", upstream_has);
		if (upstream_has <= r.head)
			return 0;
		/* The network holds more of this node's history than this
		 * store: it was copied back from an older state. */
		r.blocked = r.target_known = r.detected = true;
		r.target = upstream_has;
		*ev = SVC_RESTORE_DETECTED;
		rc = svc_store_new_id(t);
		return rc ? rc : restore_put(t, &r);
	}
	if (!r.target_known || upstream_has > r.target) {
		r.target = upstream_has;
		r.target_known = true;
	}
	if (r.head >= r.target) {
		r.blocked = false;
		r.confirmed = r.target;
		*ev = SVC_RESTORE_CAUGHT_UP;
	}
	return restore_put(t, &r);
}

int svc_restore_progress(svc_txn *t, svc_restore_event *ev)
{
	svc_restore_state r;
	*ev = SVC_RESTORE_NONE;
	int rc = svc_restore_get(t, &r);
	if (rc || !r.blocked || !r.target_known || r.head < r.target)
		return rc;
	r.blocked = false;
	r.confirmed = r.target;
	*ev = SVC_RESTORE_CAUGHT_UP;
	return restore_put(t, &r);
}

int svc_restore_refusal(svc_txn *t)
{
	svc_restore_state r;
	svc_self self;
	int rc = svc_restore_get(t, &r);
	if (rc || !r.blocked)
		return rc;
	rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	const char *up = self.upstream[0] ? self.upstream : "its upstream";
	if (r.detected)
		return svc_errf(
		    SVC_EDENIED,
		    "node %s was restored from an older copy of its directory (%s holds "
		    "its changes through seq %llu, this store through %llu); writes are "
		    "blocked until it has fetched them from %s (start svcsyncd, or see "
		    "svcsync status)",
		    self.node, up, (unsigned long long)r.target, (unsigned long long)r.head, up);
	return svc_errf(SVC_EDENIED,
	                "node %s was restored from a backup; writes are blocked until it has "
	                "fetched its own later changes from %s (start svcsyncd, or see svcsync "
	                "status)",
	                self.node, up);
}

/* ------------------------------------------------------------ the replay table */

struct replay_each_arg {
	svc_txn *t;
	svc_replay_cb cb;
	void *arg;
	svc_change c;
};

static int replay_each_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	struct replay_each_arg *a = arg;
	if (k->len != 8 || svc_codec_change_decode(v->data, v->len, &a->c))
		return svc_kv_corrupt(a->t, "replay entry is corrupt");
	return a->cb(a->t, be64_get(k->data), &a->c, a->arg);
}

int svc_replay_each(svc_txn *t, svc_replay_cb cb, void *arg)
{
	struct replay_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->t = t;
	a->cb = cb;
	a->arg = arg;
	int rc = svc_kv_walk(t, SVC_DB_REPLAY, NULL, 0, NULL, 0, 0, replay_each_step, a);
	free(a);
	return rc;
}

int svc_replay_del(svc_txn *t, uint64_t id)
{
	uint8_t k[8];
	be64_put(k, id);
	return svc_kv_del(t, SVC_DB_REPLAY, k, 8);
}

static int first_key_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	svc_kv_val *out = arg;
	(void)v;
	*out = *k;
	return WALK_END;
}

int svc_journal_replay_move(svc_txn *t, const char *origin, uint64_t from,
                            svc_journal_moved_fn moved, void *arg)
{
	svc_kv_journal_cache *j = svc_kv_journal(t);
	uint64_t head, contig, lsn, id = 1;
	uint8_t head_hash[SVC_HASH_LEN];
	int rc = svc_journal_head_load(t, origin, &head, head_hash, &contig);
	/* Load the lsn counter before entries leave the arrival log, so no
	 * lsn is ever handed out twice. */
	if (!rc)
		rc = svc_journal_last(t, &lsn);
	if (!rc && !j->lsn_loaded) {
		j->lsn = lsn;
		j->lsn_loaded = true;
	}
	if (!rc)
		rc = svc_kv_last_u64(t, SVC_DB_REPLAY, &id);
	id++;
	for (uint64_t q = from; !rc && q <= head; q++) {
		uint8_t k[SVC_KV_OSKEY_LEN], ak[SVC_KV_AGGIDX_KEY_LEN], lk[8], rid[8];
		size_t klen = key_origin_seq(k, origin, q);
		svc_kv_val v;
		svc_change c;
		bool rejected;
		rc = svc_kv_get(t, SVC_DB_CHANGES, k, klen, &v);
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			rc = svc_txn_err(t);
			continue;
		}
		if (rc)
			break;
		if (svc_kv_change_decode(&v, &c)) {
			rc = svc_kv_corrupt(t, "change %s/%llu is corrupt", origin,
			                    (unsigned long long)q);
			break;
		}
		be64_put(rid, id++);
		memcpy(lk, (const uint8_t *)v.data + SVC_HASH_LEN, 8);
		rc = svc_kv_put(t, SVC_DB_REPLAY, rid, 8,
		                (const uint8_t *)v.data + SVC_KV_CHANGE_HDR,
		                v.len - SVC_KV_CHANGE_HDR, 0);
		if (!rc)
			rc = svc_journal_reject_get(t, origin, q, NULL, 0, &rejected);
		if (!rc)
			rc = moved(&c, rejected, arg);
		if (rc)
			break;
		svc_kv_del(t, SVC_DB_REJECTS, k, klen);
		svc_kv_del(t, SVC_DB_AGGIDX, ak, svc_kv_aggidx_key(ak, &c));
		svc_kv_del(t, SVC_DB_ARRIVAL, lk, 8);
		svc_kv_del(t, SVC_DB_CHANGES, k, klen);
		rc = svc_txn_err(t);
	}
	if (rc)
		return rc;

	/* Commits this node signed over the moved changes go with them; the
	 * network's commits arrive with the network's changes. */
	size_t olen = strlen(origin);
	for (;;) {
		uint8_t ck[SVC_KV_OSKEY_LEN], found[SVC_KV_OSKEY_LEN];
		svc_kv_val key;
		size_t cklen = key_origin_seq(ck, origin, from);
		rc = svc_kv_walk(t, SVC_DB_COMMITS, ck, cklen, ck, olen + 1, 0, first_key_step,
		                 &key);
		if (rc != WALK_END)
			break;
		if (key.len != olen + 9) {
			rc = 0;
			break;
		}
		memcpy(found, key.data, key.len);
		rc = svc_kv_del(t, SVC_DB_COMMITS, found, key.len);
		if (rc)
			break;
	}
	if (rc)
		return rc;

	uint8_t h[SVC_HASH_LEN];
	memset(h, 0, sizeof h);
	if (from > 1) {
		rc = svc_journal_change_hash(t, origin, from - 1, h);
		if (rc)
			return rc;
	}
	svc_journal_head_set(t, origin, from - 1, h, from - 1);
	return svc_txn_err(t);
}

/* ------------------------------------------------------------ installing a backup */

struct install_arg {
	const uint8_t *pubkey;
	svc_self self;
};

static int install_fn(svc_txn *t, void *argp)
{
	struct install_arg *a = argp;
	svc_restore_state r;
	int rc = svc_self_get(t, &a->self);
	if (rc)
		return rc;
	if (memcmp(a->self.pubkey, a->pubkey, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EKEY,
		                "the backup is of node %s, whose key is not this "
		                "directory's node.key",
		                a->self.node);
	/* A restored node catches up from its upstream. HQ has none, and its
	 * later changes exist below it only filtered: no node could give them
	 * all back. */
	if (!a->self.upstream[0])
		return svc_errf(SVC_EINVAL,
		                "node %s has no upstream to fetch its later changes back from: "
		                "restoring it from a backup would re-issue seqs the network holds",
		                a->self.node);
	rc = svc_restore_get(t, &r);
	if (!rc)
		rc = svc_store_new_id(t);
	if (rc)
		return rc;
	r.blocked = true;
	r.target_known = r.detected = false;
	r.target = 0;
	rc = restore_put(t, &r);
	if (!rc)
		rc = svc_self_get(t, &a->self);
	return rc;
}

int svc_restore_install(const char *dir, const char *from, const uint8_t pubkey[SVC_PK_LEN],
                        svc_self *out)
{
	struct install_arg a;
	memset(&a, 0, sizeof a);
	a.pubkey = pubkey;
	int rc = svc_store_install(dir, from, install_fn, &a);
	if (!rc)
		*out = a.self;
	return rc;
}

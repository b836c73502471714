/*
 * svc_store: the node's LMDB store. See svc_store.h for the contract.
 *
 * Layout. One environment, these named databases (all keys big-endian where
 * numeric, so LMDB's byte order is numeric order):
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
 *              aggregate id -> encoded state (svc_codec).
 *   stock      location \0 part_no -> encoded svc_stock.
 *   peers      node -> svc_peer (fixed layout): replication checkpoints.
 *   commits    origin \0 last_seq(8) -> first_seq(8) encoded-Commit
 *              Signed commit headers, this node's and those received, kept
 *              so they can be relayed with the changes they cover.
 *   quarantine id(8) -> at(8) peer \0 reason \0 bytes: changes refused on
 *              receipt (bad signature, chain, authorization), kept for audit.
 *   replay     id(8) -> encoded-change: this node's own changes moved out of
 *              the log after a restore because the network holds other
 *              changes under the same seqs (see "Restores" below).
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
 * Caching. A write transaction caches the arrival lsn, the HLC and the head of
 * the last origin it wrote, and flushes them at commit: a bulk import then
 * costs four puts per change (change, arrival, aggidx, state), not seven.
 *
 * Map growth. LMDB's map is a fixed reservation. When a put reports
 * MDB_MAP_FULL the transaction becomes sticky-failed with `map_full`;
 * svc_store_write() aborts it, doubles the map and runs the write again. A
 * second process that finds the map grown by another (MDB_MAP_RESIZED)
 * adopts the new size and retries. A full file system is another matter:
 * LMDB passes the errno of the failed write through (ENOSPC, EDQUOT), and
 * a bigger map cannot help, so it is reported as SVC_ENOSPACE at once and
 * the map is left as it is. A write that stops short, as one does when the
 * last free blocks run out halfway through it, comes back from LMDB as EIO
 * without an errno: a commit's EIO on a file system with almost no room
 * left is taken for what it is.
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
 * While blocked, local writes are refused (svc_local_append) and the daemon
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
 * aggregates they touched are folded again without them. `svcsync restore
 * --replay` later re-enters them as new changes (new seq, new hlc, same
 * content). Moving whole suffixes keeps the node's chain intact: a change
 * after the first divergent one chains to it, so it cannot stay either.
 */
#include "svc_store.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_operator.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAP_INITIAL (64UL << 20)
#define MAP_MAX (1UL << 40)

enum {
	DB_META,
	DB_CHANGES,
	DB_HEADS,
	DB_ARRIVAL,
	DB_AGGIDX,
	DB_REJECTS,
	DB_TICKETS,
	DB_CLAIMS,
	DB_TRANSFERS,
	DB_CATALOG,
	DB_NODES,
	DB_STOCK,
	DB_PEERS,
	DB_COMMITS,
	DB_QUARANTINE,
	DB_REPLAY,
	DB_COUNT_
};

static const char *const db_names[DB_COUNT_] = {
	"meta", "changes", "heads", "arrival", "aggidx", "rejects",
	"tickets", "claims", "transfers", "catalog", "nodes", "stock",
	"peers", "commits", "quarantine", "replay",
};

struct svc_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT_];
	char dir[4096];
	bool rdonly;
	bool no_replay; /* read-only open of a store that never had a replay table */
};

struct svc_txn {
	svc_store *s;
	MDB_txn *txn;
	bool write;
	int err;
	bool map_full;

	bool self_loaded;
	svc_self self;
	bool writes_allowed; /* no restore blocks local writes (checked once) */
	bool own_returns;    /* own changes from the upstream may replace divergent ones */

	bool lsn_loaded;
	uint64_t lsn; /* last used */

	bool hlc_loaded, hlc_dirty;
	uint64_t hlc;

	/* head of the origin written last, flushed when another origin is
	 * written or at commit */
	char head_origin[SVC_ID_LEN];
	uint64_t head_seq, head_contig;
	uint8_t head_hash[SVC_HASH_LEN];
	bool head_dirty;

	/* The last directory entry loaded: a batch is runs of changes from one
	 * origin, each of which needs its certificate. Dropped when any node
	 * state is saved or deleted. */
	bool node_cached, node_exists;
	char node_agg[SVC_AGG_LEN];
	svc_node node;
};

/* ------------------------------------------------------------ helpers */

static void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* origin \0 seq(8) */
static size_t key_origin_seq(uint8_t *k, const char *origin, uint64_t seq)
{
	size_t n = strlen(origin);
	memcpy(k, origin, n + 1);
	be64_put(k + n + 1, seq);
	return n + 9;
}

static int parse_origin_seq(const uint8_t *k, size_t len, char origin[SVC_ID_LEN], uint64_t *seq)
{
	const uint8_t *nul = memchr(k, 0, len);
	if (!nul || (size_t)(nul - k) >= SVC_ID_LEN || len != (size_t)(nul - k) + 9)
		return svc_errf(SVC_EDECODE, "store: malformed change key");
	memcpy(origin, k, (size_t)(nul - k) + 1);
	*seq = be64_get(nul + 1);
	return 0;
}

/* LMDB returns the errno of a failed write or sync as it is. */
static bool no_space(int rc)
{
	return rc == ENOSPC || rc == EDQUOT;
}

/* Less than this free on the file system and a short write was no mystery. */
#define NEARLY_FULL_BYTES (1ULL << 20)

static bool nearly_full(const char *dir)
{
	struct statvfs vfs;
	if (statvfs(dir, &vfs) != 0)
		return false;
	return (unsigned long long)vfs.f_bavail * vfs.f_frsize < NEARLY_FULL_BYTES;
}

static int no_space_err(const char *dir)
{
	return svc_errf(SVC_ENOSPACE, "no space left on device (%s)", dir);
}

/* Translate an LMDB error into ours, remembering it on the transaction. */
static int txn_mdb_fail(svc_txn *t, int rc, const char *what)
{
	int code = SVC_ESTORE;
	if (rc == MDB_MAP_FULL) {
		t->map_full = true;
		code = SVC_EFULL;
	} else if (no_space(rc)) {
		code = SVC_ENOSPACE;
	}
	if (!t->err) {
		t->err = code;
		if (code == SVC_ENOSPACE)
			no_space_err(t->s->dir);
		else
			svc_errf(code, "store %s: %s: %s", t->s->dir, what, mdb_strerror(rc));
	}
	return t->err;
}

int svc_txn_fail(svc_txn *t, int code)
{
	if (!t->err)
		t->err = code;
	return t->err;
}

int svc_txn_err(const svc_txn *t)
{
	return t->err;
}

void svc_txn_own_returns(svc_txn *t)
{
	t->own_returns = true;
}

svc_store *svc_txn_store(svc_txn *t)
{
	return t->s;
}

const char *svc_store_dir(const svc_store *s)
{
	return s->dir;
}

static int get(svc_txn *t, int db, const void *k, size_t klen, MDB_val *v)
{
	if (t->err)
		return t->err;
	MDB_val key = {klen, (void *)(uintptr_t)k};
	int rc = mdb_get(t->txn, t->s->dbi[db], &key, v);
	if (rc == MDB_NOTFOUND)
		return SVC_ENOTFOUND;
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	return 0;
}

static int put(svc_txn *t, int db, const void *k, size_t klen, const void *v, size_t vlen,
	       unsigned flags)
{
	if (t->err)
		return t->err;
	MDB_val key = {klen, (void *)(uintptr_t)k};
	MDB_val val = {vlen, (void *)(uintptr_t)v};
	int rc = mdb_put(t->txn, t->s->dbi[db], &key, &val, flags);
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	return 0;
}

static int del(svc_txn *t, int db, const void *k, size_t klen)
{
	if (t->err)
		return t->err;
	MDB_val key = {klen, (void *)(uintptr_t)k};
	int rc = mdb_del(t->txn, t->s->dbi[db], &key, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, db_names[db]);
	return 0;
}

static int meta_get_u64(svc_txn *t, const char *name, uint64_t *out)
{
	MDB_val v;
	int rc = get(t, DB_META, name, strlen(name), &v);
	if (rc)
		return rc;
	if (v.mv_size != 8)
		return svc_errf(SVC_ESTORE, "store %s: meta %s is corrupt", t->s->dir, name);
	*out = be64_get(v.mv_data);
	return 0;
}

static int meta_put_u64(svc_txn *t, const char *name, uint64_t val)
{
	uint8_t b[8];
	be64_put(b, val);
	return put(t, DB_META, name, strlen(name), b, 8, 0);
}

static int meta_get_str(svc_txn *t, const char *name, char *out, size_t cap)
{
	MDB_val v;
	int rc = get(t, DB_META, name, strlen(name), &v);
	if (rc == SVC_ENOTFOUND) {
		out[0] = '\0';
		return 0;
	}
	if (rc)
		return rc;
	if (v.mv_size >= cap)
		return svc_errf(SVC_ESTORE, "store %s: meta %s is corrupt", t->s->dir, name);
	memcpy(out, v.mv_data, v.mv_size);
	out[v.mv_size] = '\0';
	return 0;
}

static int meta_get_bytes(svc_txn *t, const char *name, void *out, size_t len, size_t *got)
{
	MDB_val v;
	int rc = get(t, DB_META, name, strlen(name), &v);
	if (rc == SVC_ENOTFOUND) {
		if (got)
			*got = 0;
		return 0;
	}
	if (rc)
		return rc;
	if (got ? v.mv_size > len : v.mv_size != len)
		return svc_errf(SVC_ESTORE, "store %s: meta %s is corrupt", t->s->dir, name);
	memcpy(out, v.mv_data, v.mv_size);
	if (got)
		*got = v.mv_size;
	return 0;
}

static int meta_put_str(svc_txn *t, const char *name, const char *val)
{
	return put(t, DB_META, name, strlen(name), val, strlen(val), 0);
}

/* ------------------------------------------------------------ open / close */

static int file_size(const char *path, uint64_t *out)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	*out = (uint64_t)st.st_size;
	return 0;
}

int svc_store_open(const char *dir, unsigned flags, svc_store **out)
{
	char path[4200];
	uint64_t fsize = 0;
	bool exists;
	int rc;

	*out = NULL;
	if (strlen(dir) >= sizeof(((svc_store *)0)->dir))
		return svc_errf(SVC_EINVAL, "store directory name too long");
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	exists = file_size(path, &fsize) == 0;
	if (flags & SVC_STORE_CREATE) {
		if (exists)
			return svc_errf(SVC_EEXIST, "store %s already exists; refusing to touch it",
					dir);
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return svc_errf(SVC_EIO, "store %s: cannot create directory: %s", dir,
					strerror(errno));
	} else if (!exists) {
		return svc_errf(SVC_ENOTFOUND,
				"no store in %s (create one with: svcsync init --dir %s ...)", dir,
				dir);
	}

	svc_store *s = calloc(1, sizeof *s);
	if (!s)
		return svc_errf(SVC_ENOMEM, "out of memory");
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	s->rdonly = (flags & SVC_STORE_RDONLY) != 0;

	rc = mdb_env_create(&s->env);
	if (rc) {
		free(s);
		return svc_errf(SVC_ESTORE, "store %s: %s", dir, mdb_strerror(rc));
	}
	mdb_env_set_maxdbs(s->env, DB_COUNT_ + 8);
	mdb_env_set_maxreaders(s->env, 256);
	/* Reserve comfortably more than the file: LMDB needs the whole map
	 * reserved up front, and growing later costs a retry. */
	uint64_t want = MAP_INITIAL;
	/* Tests shrink the first reservation to exercise growth quickly. */
	const char *env = getenv("SVCSYNC_MAP_INITIAL");
	if (env && strtoull(env, NULL, 10) >= (1UL << 20))
		want = strtoull(env, NULL, 10);
	while (want < fsize + fsize / 2)
		want *= 2;
	mdb_env_set_mapsize(s->env, want);
	/* MDB_NOTLS: the daemon may use read transactions from more than one
	 * thread. Durability flags stay at LMDB's defaults. */
	unsigned eflags = MDB_NOTLS | (s->rdonly ? MDB_RDONLY : 0);
	rc = mdb_env_open(s->env, dir, eflags, 0600);
	if (rc) {
		svc_errf(rc == EACCES ? SVC_EIO : SVC_ESTORE, "store %s: cannot open: %s", dir,
			 mdb_strerror(rc));
		mdb_env_close(s->env);
		free(s);
		return rc == EACCES ? SVC_EIO : SVC_ESTORE;
	}

	/* Open (or create) the databases and check the schema in one txn. */
	MDB_txn *txn;
	rc = mdb_txn_begin(s->env, NULL, s->rdonly ? MDB_RDONLY : 0, &txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, NULL, s->rdonly ? MDB_RDONLY : 0, &txn);
	}
	if (rc)
		goto fail_rc;
	for (int i = 0; i < DB_COUNT_; i++) {
		rc = mdb_dbi_open(txn, db_names[i], s->rdonly ? 0 : MDB_CREATE, &s->dbi[i]);
		if (rc == MDB_NOTFOUND && s->rdonly && i == DB_REPLAY) {
			/* Written before restores kept anything aside: empty. */
			s->no_replay = true;
			rc = 0;
		}
		if (rc) {
			mdb_txn_abort(txn);
			goto fail_rc;
		}
	}
	MDB_val k = {6, (void *)(uintptr_t) "schema"}, v;
	rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && (flags & SVC_STORE_CREATE)) {
		uint8_t b[8];
		be64_put(b, SVC_SCHEMA_VERSION);
		v.mv_size = 8;
		v.mv_data = b;
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
	} else if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		svc_errf(SVC_ESTORE, "store %s: no schema version; not an svcsync store", dir);
		goto fail;
	} else if (rc == 0) {
		uint64_t ver = v.mv_size == 8 ? be64_get(v.mv_data) : 0;
		if (ver == 0 || ver > SVC_SCHEMA_VERSION) {
			mdb_txn_abort(txn);
			svc_errf(SVC_EVERSION,
				 "store %s: written by schema version %llu, this build reads up to %d; "
				 "upgrade svcsync",
				 dir, (unsigned long long)ver, SVC_SCHEMA_VERSION);
			goto fail_ver;
		}
	}
	if (rc) {
		mdb_txn_abort(txn);
		goto fail_rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		goto fail_rc;
	*out = s;
	return 0;

fail_rc:
	if (no_space(rc))
		no_space_err(dir);
	else
		svc_errf(SVC_ESTORE, "store %s: %s", dir, mdb_strerror(rc));
fail:
	mdb_env_close(s->env);
	free(s);
	return no_space(rc) ? SVC_ENOSPACE : SVC_ESTORE;
fail_ver:
	mdb_env_close(s->env);
	free(s);
	return SVC_EVERSION;
}

void svc_store_release_pages(svc_store *s)
{
	char path[4200], line[4400];
	struct stat st;
	snprintf(path, sizeof path, "%s/data.mdb", s->dir);
	if (stat(path, &st) != 0)
		return;
	/* LMDB tells the map's address only for MDB_FIXEDMAP: find the
	 * mapping of data.mdb by its inode. */
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end, ino;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &start, &end, perms, &ino) == 4 &&
		    ino == (unsigned long)st.st_ino && perms[3] == 's')
			madvise((void *)start, end - start, MADV_DONTNEED);
	}
	fclose(f);
}

void svc_store_close(svc_store **sp)
{
	if (!sp || !*sp)
		return;
	mdb_env_close((*sp)->env);
	free(*sp);
	*sp = NULL;
}

/* ------------------------------------------------------------ transactions */

int svc_txn_begin(svc_store *s, bool write, svc_txn **out)
{
	*out = NULL;
	if (write && s->rdonly)
		return svc_errf(SVC_EINVAL, "store %s is open read-only", s->dir);
	svc_txn *t = calloc(1, sizeof *t);
	if (!t)
		return svc_errf(SVC_ENOMEM, "out of memory");
	t->s = s;
	t->write = write;
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size. */
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	}
	if (rc) {
		free(t);
		if (rc == MDB_READERS_FULL)
			return svc_errf(SVC_EBUSY, "store %s: too many readers", s->dir);
		return svc_errf(SVC_ESTORE, "store %s: begin: %s", s->dir, mdb_strerror(rc));
	}
	*out = t;
	return 0;
}

static void head_flush(svc_txn *t);

static void caches_flush(svc_txn *t)
{
	head_flush(t);
	if (t->hlc_dirty) {
		meta_put_u64(t, "hlc", t->hlc);
		t->hlc_dirty = false;
	}
}

int svc_txn_commit(svc_txn **tp)
{
	svc_txn *t = *tp;
	int rc;
	if (!t)
		return 0;
	*tp = NULL;
	if (t->write)
		caches_flush(t);
	if (t->err) {
		rc = t->err;
		mdb_txn_abort(t->txn);
		free(t);
		return rc;
	}
	rc = mdb_txn_commit(t->txn);
	if (rc) {
		bool full = no_space(rc) || (rc == EIO && nearly_full(t->s->dir));
		int code = full ? SVC_ENOSPACE : SVC_ESTORE;
		if (rc == MDB_MAP_FULL)
			code = svc_errf(SVC_EFULL, "store %s: commit: %s", t->s->dir,
					mdb_strerror(rc));
		else if (code == SVC_ENOSPACE)
			no_space_err(t->s->dir);
		else
			svc_errf(code, "store %s: commit: %s", t->s->dir, mdb_strerror(rc));
		free(t);
		return code;
	}
	free(t);
	return 0;
}

void svc_txn_abort(svc_txn **tp)
{
	if (!tp || !*tp)
		return;
	mdb_txn_abort((*tp)->txn);
	free(*tp);
	*tp = NULL;
}

static int grow_map(svc_store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	size_t want = info.me_mapsize * 2;
	if (want > MAP_MAX)
		return svc_errf(SVC_EFULL, "store %s: map would exceed %lu GiB", s->dir,
				(unsigned long)(MAP_MAX >> 30));
	int rc = mdb_env_set_mapsize(s->env, want);
	if (no_space(rc))
		return no_space_err(s->dir);
	if (rc)
		return svc_errf(SVC_EFULL, "store %s: cannot grow map to %zu MiB: %s", s->dir,
				want >> 20, mdb_strerror(rc));
	return 0;
}

int svc_store_write(svc_store *s, svc_write_fn fn, void *arg)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		svc_txn *t;
		int rc = svc_txn_begin(s, true, &t);
		if (rc)
			return rc;
		rc = fn(t, arg);
		if (!rc && t->err)
			rc = t->err;
		bool map_full = t->map_full;
		if (rc) {
			svc_txn_abort(&t);
		} else {
			rc = svc_txn_commit(&t);
			/* A commit can hit the map's end while writing the
			 * free list: treat it like a full map. (A full file
			 * system is SVC_ENOSPACE: growing would not help.) */
			map_full = map_full || rc == SVC_EFULL;
		}
		if (rc == SVC_EFULL && map_full) {
			int g = grow_map(s);
			if (g)
				return g;
			continue;
		}
		return rc;
	}
	return svc_errf(SVC_EFULL, "store %s: still full after growing the map", s->dir);
}

/* ------------------------------------------------------------ identity */

int svc_self_get(svc_txn *t, svc_self *out)
{
	if (t->self_loaded) {
		*out = t->self;
		return 0;
	}
	svc_self s;
	uint64_t role = 0, enrolled = 0;
	memset(&s, 0, sizeof s);
	int rc = meta_get_str(t, "node", s.node, sizeof s.node);
	if (!rc && !s.node[0])
		return svc_errf(SVC_ENOTFOUND, "store %s: node not initialized", t->s->dir);
	if (!rc)
		rc = meta_get_u64(t, "role", &role);
	if (!rc)
		rc = meta_get_str(t, "region", s.region, sizeof s.region);
	if (!rc)
		rc = meta_get_bytes(t, "store_id", s.store_id, sizeof s.store_id, NULL);
	if (!rc)
		rc = meta_get_bytes(t, "pubkey", s.pubkey, sizeof s.pubkey, NULL);
	if (!rc) {
		rc = meta_get_u64(t, "enrolled", &enrolled);
		if (rc == SVC_ENOTFOUND)
			rc = 0;
	}
	if (!rc && enrolled) {
		size_t got;
		rc = meta_get_str(t, "hq_node", s.hq_node, sizeof s.hq_node);
		if (!rc)
			rc = meta_get_bytes(t, "hq_pubkey", s.hq_pubkey, sizeof s.hq_pubkey, NULL);
		if (!rc)
			rc = meta_get_str(t, "upstream", s.upstream, sizeof s.upstream);
		if (!rc)
			rc = meta_get_str(t, "endpoint", s.endpoint, sizeof s.endpoint);
		if (!rc)
			rc = meta_get_bytes(t, "upstream_pubkey", s.upstream_pubkey,
					    sizeof s.upstream_pubkey, &got);
		if (!rc)
			rc = meta_get_bytes(t, "cert_body", s.cert.body, sizeof s.cert.body,
					    &s.cert.body_len);
		if (!rc)
			rc = meta_get_bytes(t, "cert_sig", s.cert.signature,
					    sizeof s.cert.signature, &got);
	}
	if (rc)
		return rc;
	s.role = (uint32_t)role;
	s.enrolled = enrolled != 0;
	t->self = s;
	t->self_loaded = true;
	*out = s;
	return 0;
}

int svc_self_put(svc_txn *t, const svc_self *s)
{
	meta_put_str(t, "node", s->node);
	meta_put_u64(t, "role", s->role);
	meta_put_str(t, "region", s->region);
	put(t, DB_META, "store_id", 8, s->store_id, sizeof s->store_id, 0);
	put(t, DB_META, "pubkey", 6, s->pubkey, sizeof s->pubkey, 0);
	meta_put_u64(t, "enrolled", s->enrolled);
	if (s->enrolled) {
		meta_put_str(t, "hq_node", s->hq_node);
		put(t, DB_META, "hq_pubkey", 9, s->hq_pubkey, sizeof s->hq_pubkey, 0);
		meta_put_str(t, "upstream", s->upstream);
		meta_put_str(t, "endpoint", s->endpoint);
		put(t, DB_META, "upstream_pubkey", 15, s->upstream_pubkey,
		    s->upstream[0] ? sizeof s->upstream_pubkey : 0, 0);
		put(t, DB_META, "cert_body", 9, s->cert.body, s->cert.body_len, 0);
		put(t, DB_META, "cert_sig", 8, s->cert.signature,
		    s->cert.body_len ? sizeof s->cert.signature : 0, 0);
	}
	if (t->err)
		return t->err;
	t->self = *s;
	t->self_loaded = true;
	return 0;
}

/* ------------------------------------------------------------ HLC, lsn, heads */

uint64_t svc_hlc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int hlc_load(svc_txn *t)
{
	if (t->hlc_loaded)
		return 0;
	int rc = meta_get_u64(t, "hlc", &t->hlc);
	if (rc == SVC_ENOTFOUND) {
		t->hlc = 0;
		rc = 0;
	}
	if (!rc)
		t->hlc_loaded = true;
	return rc;
}

/* The next local HLC: wall clock when it is ahead, else last + 1, so a clock
 * that steps back never reorders this node's own changes. */
static int hlc_next(svc_txn *t, uint64_t *out)
{
	int rc = hlc_load(t);
	if (rc)
		return rc;
	uint64_t wall = svc_hlc_now_ms() << 16;
	if (wall <= t->hlc && t->hlc >= SVC_HLC_MAX)
		return svc_errf(SVC_ETOOBIG, "store %s: the clock is at its end (%llu)", t->s->dir,
				(unsigned long long)t->hlc);
	t->hlc = wall > t->hlc ? wall : t->hlc + 1;
	t->hlc_dirty = true;
	*out = t->hlc;
	return 0;
}

int svc_hlc_get(svc_txn *t, uint64_t *hlc)
{
	int rc = hlc_load(t);
	if (!rc)
		*hlc = t->hlc;
	return rc;
}

int svc_hlc_observe(svc_txn *t, uint64_t remote)
{
	int rc = hlc_load(t);
	if (rc)
		return rc;
	if (remote > t->hlc && remote <= SVC_HLC_MAX) {
		t->hlc = remote;
		t->hlc_dirty = true;
	}
	return 0;
}

static int lsn_next(svc_txn *t, uint64_t *out)
{
	if (!t->lsn_loaded) {
		int rc = svc_log_last(t, &t->lsn);
		if (rc)
			return rc;
		t->lsn_loaded = true;
	}
	if (t->lsn >= SVC_SEQ_MAX)
		return svc_txn_fail(t, svc_errf(SVC_ETOOBIG, "store %s: the arrival log is full "
							    "(lsn %llu)",
						t->s->dir, (unsigned long long)t->lsn));
	*out = ++t->lsn;
	return 0;
}

#define HEAD_VAL_LEN (8 + SVC_HASH_LEN + 8)

static void head_flush(svc_txn *t)
{
	if (!t->head_dirty)
		return;
	uint8_t v[HEAD_VAL_LEN];
	be64_put(v, t->head_seq);
	memcpy(v + 8, t->head_hash, SVC_HASH_LEN);
	be64_put(v + 8 + SVC_HASH_LEN, t->head_contig);
	put(t, DB_HEADS, t->head_origin, strlen(t->head_origin), v, sizeof v, 0);
	t->head_dirty = false;
}

static int head_load(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN],
		     uint64_t *contig)
{
	if (t->head_origin[0] && strcmp(t->head_origin, origin) == 0) {
		*seq = t->head_seq;
		*contig = t->head_contig;
		memcpy(hash, t->head_hash, SVC_HASH_LEN);
		return 0;
	}
	MDB_val v;
	int rc = get(t, DB_HEADS, origin, strlen(origin), &v);
	if (rc == SVC_ENOTFOUND) {
		*seq = *contig = 0;
		memset(hash, 0, SVC_HASH_LEN);
		return 0;
	}
	if (rc)
		return rc;
	if (v.mv_size != HEAD_VAL_LEN)
		return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: head of %s is corrupt",
						t->s->dir, origin));
	*seq = be64_get(v.mv_data);
	memcpy(hash, (const uint8_t *)v.mv_data + 8, SVC_HASH_LEN);
	*contig = be64_get((const uint8_t *)v.mv_data + 8 + SVC_HASH_LEN);
	return 0;
}

int svc_head_get(svc_txn *t, const char *origin, uint64_t *seq, uint8_t hash[SVC_HASH_LEN])
{
	uint64_t contig;
	return head_load(t, origin, seq, hash, &contig);
}

static void head_set(svc_txn *t, const char *origin, uint64_t seq, const uint8_t hash[SVC_HASH_LEN],
		     uint64_t contig)
{
	if (strcmp(t->head_origin, origin) != 0) {
		head_flush(t);
		snprintf(t->head_origin, sizeof t->head_origin, "%s", origin);
	}
	t->head_seq = seq;
	t->head_contig = contig;
	memcpy(t->head_hash, hash, SVC_HASH_LEN);
	t->head_dirty = true;
}

int svc_head_each(svc_txn *t, svc_head_cb cb, void *arg)
{
	head_flush(t);
	if (t->err)
		return t->err;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[DB_HEADS], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "heads");
	int out = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char origin[SVC_ID_LEN];
		if (k.mv_size >= SVC_ID_LEN || v.mv_size != HEAD_VAL_LEN)
			continue;
		memcpy(origin, k.mv_data, k.mv_size);
		origin[k.mv_size] = '\0';
		const uint8_t *p = v.mv_data;
		out = cb(origin, be64_get(p), p + 8, be64_get(p + 8 + SVC_HASH_LEN), arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "heads");
	return out;
}

int svc_change_hash(svc_txn *t, const char *origin, uint64_t seq, uint8_t hash[SVC_HASH_LEN])
{
	uint8_t k[SVC_ID_LEN + 8];
	MDB_val v;
	int rc = get(t, DB_CHANGES, k, key_origin_seq(k, origin, seq), &v);
	if (rc)
		return rc;
	if (v.mv_size < SVC_HASH_LEN)
		return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: change %s/%llu is corrupt",
						t->s->dir, origin, (unsigned long long)seq));
	memcpy(hash, v.mv_data, SVC_HASH_LEN);
	return 0;
}

/* The last key of a database keyed by big-endian u64 (0 when empty). */
static int last_u64_key(svc_txn *t, int db, const char *what, uint64_t *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, what);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*out = 0;
		return 0;
	}
	if (rc)
		return txn_mdb_fail(t, rc, what);
	*out = k.mv_size == 8 ? be64_get(k.mv_data) : 0;
	return 0;
}

int svc_log_last(svc_txn *t, uint64_t *lsn)
{
	if (t->lsn_loaded) {
		*lsn = t->lsn;
		return 0;
	}
	if (t->err)
		return t->err;
	return last_u64_key(t, DB_ARRIVAL, "arrival", lsn);
}

/* ------------------------------------------------------------ aggregate state */

typedef struct {
	int db;
	size_t size;
	int (*encode)(const void *, uint8_t *, size_t, size_t *);
	int (*decode)(const uint8_t *, size_t, void *);
} state_kind;

#define SK(db_, type_, enc_, dec_)                                                              \
	{                                                                                       \
		db_, sizeof(type_), (int (*)(const void *, uint8_t *, size_t, size_t *))enc_,   \
		    (int (*)(const uint8_t *, size_t, void *))dec_                              \
	}

static const state_kind state_kinds[SVC_AGG_MAX_] = {
	[SVC_AGG_TICKET] = SK(DB_TICKETS, svc_ticket, svc_ticket_encode, svc_ticket_decode),
	[SVC_AGG_CLAIM] = SK(DB_CLAIMS, svc_claim, svc_claim_encode, svc_claim_decode),
	[SVC_AGG_TRANSFER] = SK(DB_TRANSFERS, svc_transfer, svc_transfer_encode,
				svc_transfer_decode),
	[SVC_AGG_CATALOG] = SK(DB_CATALOG, svc_catalog_item, svc_catalog_encode,
			       svc_catalog_decode),
	[SVC_AGG_NODE] = SK(DB_NODES, svc_node, svc_node_encode, svc_node_decode),
};

/* The largest state struct, for stack buffers. */
typedef union {
	svc_ticket t;
	svc_claim c;
	svc_transfer x;
	svc_catalog_item p;
	svc_node n;
} any_state;

/*
 * The database key of an aggregate id. Ids end in the seq of the change that
 * created them ("T-shop-a-17"), and as text "T-shop-a-10" sorts before
 * "T-shop-a-2", so a node's new aggregates would land all over the tree and
 * leave its pages half full. The key spells the number as 16 hex digits after
 * a 0x01 byte (which no id contains), so one node's aggregates sort in the
 * order they were made and a bulk import appends. Other ids are used as they
 * are. The key never contains NUL, so it can be followed by a separator.
 */
#define AGG_KEY_LEN (SVC_AGG_LEN + 18)

static size_t agg_key(const char *agg, uint8_t out[AGG_KEY_LEN])
{
	size_t n = strlen(agg), d = n;
	while (d > 0 && agg[d - 1] >= '0' && agg[d - 1] <= '9')
		d--;
	if (d == n || d < 2 || agg[d - 1] != '-' || n - d > 19 || agg[0] < 'A' || agg[0] > 'Z' ||
	    agg[1] != '-') {
		memcpy(out, agg, n);
		return n;
	}
	unsigned long long num = strtoull(agg + d, NULL, 10);
	memcpy(out, agg, d);
	out[d] = 0x01;
	for (int i = 15; i >= 0; i--) {
		out[d + 1 + (size_t)i] = (uint8_t)"0123456789abcdef"[num & 15];
		num >>= 4;
	}
	return d + 17;
}

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
	uint8_t k[SVC_ID_LEN + 8];
	MDB_val v;
	svc_change c;
	if (!dash || tk->id[0] != 'T' || tk->id[1] != '-' || olen == 0 || olen >= sizeof origin)
		return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: bad ticket id %s",
						t->s->dir, tk->id));
	memcpy(origin, tk->id + 2, olen);
	origin[olen] = '\0';
	int rc = get(t, DB_CHANGES, k, key_origin_seq(k, origin, strtoull(dash + 1, NULL, 10)), &v);
	if (rc == 0 && (v.mv_size < SVC_HASH_LEN + 8 ||
			svc_change_decode((const uint8_t *)v.mv_data + SVC_HASH_LEN + 8,
					  v.mv_size - SVC_HASH_LEN - 8, &c) != 0 ||
			c.kind != SVC_CK_TICKET_OPEN))
		rc = SVC_EDECODE;
	if (rc)
		return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: opening change of %s: %s",
						t->s->dir, tk->id, svc_strerror(rc)));
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

static int state_decode(svc_txn *t, svc_agg_type type, const MDB_val *v, void *state)
{
	int rc = state_kinds[type].decode(v->mv_data, v->mv_size, state);
	if (!rc && type == SVC_AGG_TICKET)
		rc = ticket_fill(t, state);
	return rc;
}

static int state_load(svc_txn *t, svc_agg_type type, const char *agg, void *state, bool *exists)
{
	const state_kind *k = &state_kinds[type];
	uint8_t key[AGG_KEY_LEN];
	MDB_val v;
	if (type == SVC_AGG_NODE && t->node_cached && strcmp(t->node_agg, agg) == 0) {
		memcpy(state, &t->node, sizeof t->node);
		*exists = t->node_exists;
		return t->err;
	}
	memset(state, 0, k->size);
	*exists = false;
	int rc = get(t, k->db, key, agg_key(agg, key), &v);
	if (rc == SVC_ENOTFOUND) {
		if (type == SVC_AGG_NODE) {
			snprintf(t->node_agg, sizeof t->node_agg, "%s", agg);
			memset(&t->node, 0, sizeof t->node);
			t->node_exists = false;
			t->node_cached = true;
		}
		return 0;
	}
	if (rc)
		return rc;
	rc = state_decode(t, type, &v, state);
	if (rc)
		return svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: state of %s", t->s->dir,
						  agg));
	*exists = true;
	if (type == SVC_AGG_NODE) {
		snprintf(t->node_agg, sizeof t->node_agg, "%s", agg);
		memcpy(&t->node, state, sizeof t->node);
		t->node_exists = true;
		t->node_cached = true;
	}
	return 0;
}

static int state_save(svc_txn *t, svc_agg_type type, const char *agg, const void *state)
{
	const state_kind *k = &state_kinds[type];
	if (type == SVC_AGG_NODE)
		t->node_cached = false;
	uint8_t buf[SVC_STATE_MAX], key[AGG_KEY_LEN];
	size_t len;
	int rc;
	if (type == SVC_AGG_TICKET) {
		svc_ticket tk = *(const svc_ticket *)state;
		ticket_strip(&tk);
		rc = k->encode(&tk, buf, sizeof buf, &len);
	} else {
		rc = k->encode(state, buf, sizeof buf, &len);
	}
	if (rc)
		return svc_txn_fail(t, rc);
	return put(t, k->db, key, agg_key(agg, key), buf, len, 0);
}

static int getter(svc_txn *t, svc_agg_type type, const char *agg, void *out, const char *what)
{
	bool exists;
	int rc = state_load(t, type, agg, out, &exists);
	if (rc)
		return rc;
	if (!exists)
		return svc_errf(SVC_ENOTFOUND, "unknown %s %s", what, agg);
	return 0;
}

int svc_ticket_get(svc_txn *t, const char *id, svc_ticket *out)
{
	return getter(t, SVC_AGG_TICKET, id, out, "ticket");
}

int svc_claim_get(svc_txn *t, const char *id, svc_claim *out)
{
	return getter(t, SVC_AGG_CLAIM, id, out, "claim");
}

int svc_transfer_get(svc_txn *t, const char *id, svc_transfer *out)
{
	return getter(t, SVC_AGG_TRANSFER, id, out, "transfer");
}

int svc_catalog_get(svc_txn *t, const char *part_no, svc_catalog_item *out)
{
	char agg[SVC_AGG_LEN];
	svc_catalog_agg(agg, part_no);
	int rc = getter(t, SVC_AGG_CATALOG, agg, out, "part");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "unknown part number %s (not in the catalog)", part_no);
	return rc;
}

int svc_node_get(svc_txn *t, const char *node, svc_node *out)
{
	char agg[SVC_AGG_LEN];
	svc_node_agg(agg, node);
	int rc = getter(t, SVC_AGG_NODE, agg, out, "node");
	if (rc == SVC_ENOTFOUND)
		svc_errf(rc, "unknown node %s (no certificate in the directory)", node);
	return rc;
}

static size_t stock_key(uint8_t *k, const char *location, const char *part_no)
{
	size_t a = strlen(location), b = strlen(part_no);
	memcpy(k, location, a + 1);
	memcpy(k + a + 1, part_no, b);
	return a + 1 + b;
}

int svc_stock_get(svc_txn *t, const char *location, const char *part_no, svc_stock *out)
{
	uint8_t k[SVC_ID_LEN + SVC_PART_LEN];
	MDB_val v;
	memset(out, 0, sizeof *out);
	int rc = get(t, DB_STOCK, k, stock_key(k, location, part_no), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (svc_stock_decode(v.mv_data, v.mv_size, out))
		return svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: stock %s/%s",
						  t->s->dir, location, part_no));
	return 0;
}

static int stock_apply(svc_txn *t, const svc_stock_delta *d, int sign)
{
	svc_stock s;
	uint8_t k[SVC_ID_LEN + SVC_PART_LEN], buf[64];
	size_t len;
	int rc = svc_stock_get(t, d->location, d->part_no, &s);
	if (rc)
		return rc;
	s.on_hand += sign * d->on_hand;
	s.defective += sign * d->defective;
	s.in_transit_in += sign * d->in_transit_in;
	rc = svc_stock_encode(&s, buf, sizeof buf, &len);
	if (rc)
		return svc_txn_fail(t, rc);
	return put(t, DB_STOCK, k, stock_key(k, d->location, d->part_no), buf, len, 0);
}

static int effects_apply(svc_txn *t, const svc_change *c, int sign)
{
	svc_stock_delta d[2];
	int n = svc_stock_effects(c, d);
	for (int i = 0; i < n; i++) {
		int rc = stock_apply(t, &d[i], sign);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ changes */

/* aggregate-key \0 hlc(8) origin \0 seq(8) */
#define AGGIDX_KEY_LEN (AGG_KEY_LEN + 1 + 8 + SVC_ID_LEN + 8)

static size_t aggidx_key(uint8_t *k, const svc_change *c)
{
	size_t n = agg_key(c->aggregate, k);
	k[n] = 0;
	be64_put(k + n + 1, c->hlc);
	return n + 9 + key_origin_seq(k + n + 9, c->origin, c->seq);
}

static int reject_put(svc_txn *t, const svc_change *c, const char *reason)
{
	uint8_t k[SVC_ID_LEN + 8];
	return put(t, DB_REJECTS, k, key_origin_seq(k, c->origin, c->seq), reason, strlen(reason),
		   0);
}

static int reject_get(svc_txn *t, const char *origin, uint64_t seq, char *reason, size_t cap,
		      bool *rejected)
{
	uint8_t k[SVC_ID_LEN + 8];
	MDB_val v;
	*rejected = false;
	int rc = get(t, DB_REJECTS, k, key_origin_seq(k, origin, seq), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	*rejected = true;
	if (reason) {
		size_t n = v.mv_size < cap - 1 ? v.mv_size : cap - 1;
		memcpy(reason, v.mv_data, n);
		reason[n] = '\0';
	}
	return 0;
}

/* Store the change's bytes, its arrival entry and its fold index entry. */
static int log_put(svc_txn *t, const svc_change *c, const uint8_t *bytes, size_t len,
		   const uint8_t hash[SVC_HASH_LEN])
{
	uint8_t k[SVC_ID_LEN + 8], ak[AGGIDX_KEY_LEN], lk[8];
	uint64_t lsn = 0;
	MDB_val key, val;
	int rc;

	if (t->err)
		return t->err;
	rc = lsn_next(t, &lsn);
	if (rc)
		return rc;
	/* Reserve the value and write hash, lsn and bytes straight into the
	 * page: one copy instead of two. */
	key.mv_size = key_origin_seq(k, c->origin, c->seq);
	key.mv_data = k;
	val.mv_size = SVC_HASH_LEN + 8 + len;
	val.mv_data = NULL;
	rc = mdb_put(t->txn, t->s->dbi[DB_CHANGES], &key, &val, MDB_RESERVE);
	if (rc)
		return txn_mdb_fail(t, rc, "changes");
	memcpy(val.mv_data, hash, SVC_HASH_LEN);
	be64_put((uint8_t *)val.mv_data + SVC_HASH_LEN, lsn);
	memcpy((uint8_t *)val.mv_data + SVC_HASH_LEN + 8, bytes, len);

	be64_put(lk, lsn);
	put(t, DB_ARRIVAL, lk, 8, k, key.mv_size, MDB_APPEND);
	put(t, DB_AGGIDX, ak, aggidx_key(ak, c), "", 0, 0);
	return t->err;
}

/* Is any change of c's aggregate after c in fold order? */
static int agg_has_later(svc_txn *t, const svc_change *c, bool *later)
{
	uint8_t k[AGGIDX_KEY_LEN], prefix[AGG_KEY_LEN];
	size_t alen = agg_key(c->aggregate, prefix);
	MDB_cursor *cur;
	MDB_val key, v;
	int rc;

	*later = false;
	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_AGGIDX], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "aggidx");
	key.mv_size = aggidx_key(k, c);
	key.mv_data = k;
	size_t own = key.mv_size;
	rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
	/* Skip c's own entry when it is already indexed. */
	if (rc == 0 && key.mv_size == own && memcmp(key.mv_data, k, own) == 0)
		rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT);
	if (rc == 0)
		*later = key.mv_size > alen && memcmp(key.mv_data, k, alen + 1) == 0;
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "aggidx");
	return 0;
}

/* Call fn for each of an aggregate's changes in fold order. */
typedef int (*agg_walk_fn)(svc_txn *t, const svc_change *c, void *arg);

static int agg_walk(svc_txn *t, const char *aggregate, agg_walk_fn fn, void *arg)
{
	uint8_t prefix[AGG_KEY_LEN + 1];
	size_t alen = agg_key(aggregate, prefix);
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;

	if (t->err)
		return t->err;
	prefix[alen] = 0;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_AGGIDX], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "aggidx");
	k.mv_size = alen + 1;
	k.mv_data = prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		if (k.mv_size < alen + 1 + 8 || memcmp(kb, prefix, alen + 1) != 0)
			break;
		char origin[SVC_ID_LEN];
		uint64_t seq = 0;
		if (parse_origin_seq(kb + alen + 9, k.mv_size - alen - 9, origin, &seq)) {
			out = svc_txn_fail(t, SVC_ESTORE);
			break;
		}
		MDB_val cv;
		uint8_t ck[SVC_ID_LEN + 8];
		int grc = get(t, DB_CHANGES, ck, key_origin_seq(ck, origin, seq), &cv);
		if (grc) {
			out = grc == SVC_ENOTFOUND
				      ? svc_txn_fail(t, svc_errf(SVC_ESTORE,
								 "store %s: index names missing "
								 "change %s/%llu",
								 t->s->dir, origin,
								 (unsigned long long)seq))
				      : grc;
			break;
		}
		svc_change c;
		if (cv.mv_size < SVC_HASH_LEN + 8 ||
		    svc_change_decode((const uint8_t *)cv.mv_data + SVC_HASH_LEN + 8,
				      cv.mv_size - SVC_HASH_LEN - 8, &c)) {
			out = svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: change %s/%llu",
							 t->s->dir, origin,
							 (unsigned long long)seq));
			break;
		}
		out = fn(t, &c, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "aggidx");
	return out;
}

struct refold {
	const svc_rules *rules;
	svc_agg_type type;
	any_state state, scratch;
	bool exists;
};


/*
 * Is c above the cut-off of its origin's revocation? Then it stays out of
 * the fold (1, with the reason), whatever its HLC, until a release raises
 * the cut-off. A node's own changes are not held in its own store: the
 * cut-off is for what the others accept from it.
 */
static int held_by_cutoff(svc_txn *t, const svc_change *c, char *reason, size_t rlen)
{
	svc_self self;
	svc_node n;
	char nagg[SVC_AGG_LEN];
	bool have;
	int rc = svc_self_get(t, &self);
	if (rc == 0 && strcmp(self.node, c->origin) == 0)
		return 0;
	if (rc)
		svc_errclear(); /* a store without identity (tests) holds by the rule alone */
	svc_node_agg(nagg, c->origin);
	rc = state_load(t, SVC_AGG_NODE, nagg, &n, &have);
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
static int verdict_of(svc_txn *t, const svc_rules *rules, void *state, bool exists,
		      const svc_change *c, bool local, char *reason, size_t rlen, bool *failed)
{
	*failed = false;
	if (!local) {
		int h = held_by_cutoff(t, c, reason, rlen);
		if (h < 0)
			*failed = true;
		if (h)
			return h;
	}
	return rules->step(state, exists, c, reason, rlen);
}

/* One step of a re-fold: compute the verdict afresh and reconcile it with
 * the stored one (rejects entry and stock effects). */
static int refold_step(svc_txn *t, const svc_change *c, void *arg)
{
	struct refold *r = arg;
	char reason[SVC_REASON_LEN] = "";
	bool was_rejected, failed;
	int rc = reject_get(t, c->origin, c->seq, NULL, 0, &was_rejected);
	if (rc)
		return rc;
	memcpy(&r->scratch, &r->state, r->rules->state_size);
	int verdict = verdict_of(t, r->rules, &r->scratch, r->exists, c, false, reason,
				 sizeof reason, &failed);
	if (failed)
		return verdict;
	if (verdict == 0) {
		memcpy(&r->state, &r->scratch, r->rules->state_size);
		r->exists = true;
		if (was_rejected) {
			uint8_t k[SVC_ID_LEN + 8];
			del(t, DB_REJECTS, k, key_origin_seq(k, c->origin, c->seq));
			effects_apply(t, c, +1);
		}
	} else {
		if (!reason[0])
			snprintf(reason, sizeof reason, "rejected");
		reject_put(t, c, reason);
		if (!was_rejected)
			effects_apply(t, c, -1);
	}
	return t->err;
}

/* Fold an aggregate again from its first change, reconciling each change's
 * stored verdict with the new one. */
static int refold_agg(svc_txn *t, svc_agg_type type, const svc_rules *rules, const char *agg)
{
	struct refold r;
	r.type = type;
	r.rules = rules;
	memset(&r.state, 0, sizeof r.state);
	r.exists = false;
	int rc = agg_walk(t, agg, refold_step, &r);
	if (rc)
		return rc;
	if (r.exists)
		return state_save(t, type, agg, &r.state);
	uint8_t key[AGG_KEY_LEN];
	if (type == SVC_AGG_NODE)
		t->node_cached = false;
	return del(t, state_kinds[type].db, key, agg_key(agg, key));
}

/*
 * Fold a change that is already in the log (bytes and index stored). When
 * `local` is set, a rejection is returned as an error and the caller aborts;
 * otherwise it is recorded.
 */
static int fold(svc_txn *t, const svc_change *c, bool local, char *reason, size_t rlen)
{
	svc_agg_type type = svc_change_agg_type(c);
	const svc_rules *rules = svc_rules_for(type);
	if (!rules)
		return svc_errf(SVC_EINVAL, "change %s/%llu: unknown kind", c->origin,
				(unsigned long long)c->seq);
	reason[0] = '\0';

	bool failed;
	if (rules->state_size == 0) {
		/* Ledger entries: no state, order does not matter. */
		int v = verdict_of(t, rules, NULL, false, c, local, reason, rlen, &failed);
		if (failed)
			return v;
		if (v && local)
			return svc_errf(SVC_EREJECT, "%s", reason);
		if (v)
			return reject_put(t, c, reason[0] ? reason : "rejected");
		return effects_apply(t, c, +1);
	}

	struct refold r;
	bool later;
	int rc = state_load(t, type, c->aggregate, &r.state, &r.exists);
	if (!rc)
		rc = agg_has_later(t, c, &later);
	if (rc)
		return rc;
	/* The state alone cannot tell: an aggregate with no state yet may
	 * already hold rejected changes that come later in fold order (a
	 * shop's accept that arrived before the region's open). */
	if (!later) {
		memcpy(&r.scratch, &r.state, rules->state_size);
		int v = verdict_of(t, rules, &r.scratch, r.exists, c, local, reason, rlen, &failed);
		if (failed)
			return v;
		if (v) {
			if (!reason[0])
				snprintf(reason, rlen, "rejected");
			if (local)
				return svc_errf(SVC_EREJECT, "%s", reason);
			return reject_put(t, c, reason);
		}
		state_save(t, type, c->aggregate, &r.scratch);
		return effects_apply(t, c, +1);
	}

	/* A late arrival: fold the aggregate again from its first change. A
	 * new change counts as "was accepted" until its verdict is known, so
	 * seed it as rejected to get its effects applied exactly once. */
	if (local)
		return svc_errf(SVC_EREJECT, "local change out of fold order");
	reject_put(t, c, "pending");
	return refold_agg(t, type, rules, c->aggregate);
}

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
static int refold_ledger(svc_txn *t, const svc_rules *rules, const svc_change *c)
{
	char reason[SVC_REASON_LEN] = "";
	bool was_rejected, failed;
	int rc = reject_get(t, c->origin, c->seq, NULL, 0, &was_rejected);
	if (rc)
		return rc;
	int v = verdict_of(t, rules, NULL, false, c, false, reason, sizeof reason, &failed);
	if (failed)
		return v;
	if (v == 0 && was_rejected) {
		uint8_t k[SVC_ID_LEN + 8];
		del(t, DB_REJECTS, k, key_origin_seq(k, c->origin, c->seq));
		effects_apply(t, c, +1);
	} else if (v) {
		reject_put(t, c, reason[0] ? reason : "rejected");
		if (!was_rejected)
			effects_apply(t, c, -1);
	}
	return t->err;
}

/*
 * A revocation, a release or a re-issued certificate moved the point from
 * which `origin`'s changes are held: fold again every aggregate that holds a
 * change of it from seq `from` on, so that changes applied before the
 * revocation arrived here leave the fold (and released ones re-enter it) in
 * the same transaction as the directory change. Aggregates are collected
 * first, sorted and folded once each.
 */
static int hold_refold(svc_txn *t, const char *origin, uint64_t from)
{
	uint8_t k[SVC_ID_LEN + 8];
	size_t plen = strlen(origin) + 1;
	struct held_agg *aggs = NULL;
	size_t naggs = 0, cap = 0;
	MDB_cursor *cur;
	MDB_val key, v;
	int rc, out = 0;

	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_CHANGES], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "changes");
	key.mv_size = key_origin_seq(k, origin, from);
	key.mv_data = k;
	for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE); rc == 0 && !out;
	     rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
		if (key.mv_size != plen + 8 || memcmp(key.mv_data, k, plen) != 0)
			break;
		svc_change c;
		if (v.mv_size < SVC_HASH_LEN + 8 ||
		    svc_change_decode((const uint8_t *)v.mv_data + SVC_HASH_LEN + 8,
				      v.mv_size - SVC_HASH_LEN - 8, &c)) {
			out = svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: change of %s",
							 t->s->dir, origin));
			break;
		}
		svc_agg_type type = svc_change_agg_type(&c);
		const svc_rules *rules = svc_rules_for(type);
		if (!rules)
			continue;
		if (rules->state_size == 0) {
			/* Writes to other databases leave this cursor valid. */
			out = refold_ledger(t, rules, &c);
			continue;
		}
		if (naggs == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct held_agg *nv = realloc(aggs, ncap * sizeof *nv);
			if (!nv) {
				out = svc_errf(SVC_ENOMEM, "out of memory");
				break;
			}
			aggs = nv;
			cap = ncap;
		}
		snprintf(aggs[naggs].agg, sizeof aggs[naggs].agg, "%s", c.aggregate);
		aggs[naggs++].type = type;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		out = txn_mdb_fail(t, rc, "changes");
	if (naggs)
		qsort(aggs, naggs, sizeof *aggs, held_agg_cmp);
	for (size_t i = 0; i < naggs && !out; i++) {
		if (i && held_agg_cmp(&aggs[i], &aggs[i - 1]) == 0)
			continue;
		out = refold_agg(t, aggs[i].type, svc_rules_for(aggs[i].type), aggs[i].agg);
	}
	free(aggs);
	return out ? out : t->err;
}

/*
 * Fold c; when it is a directory change that moves the point from which a
 * node's changes are held (its revocation, a release, a re-issued
 * certificate), fold that node's affected changes again too.
 */
static int fold_and_hold(svc_txn *t, const svc_change *c, bool local, char *reason, size_t rlen)
{
	if (svc_change_agg_type(c) != SVC_AGG_NODE)
		return fold(t, c, local, reason, rlen);
	svc_node before, after;
	bool had, has;
	int rc = state_load(t, SVC_AGG_NODE, c->aggregate, &before, &had);
	if (!rc)
		rc = fold(t, c, local, reason, rlen);
	if (!rc)
		rc = state_load(t, SVC_AGG_NODE, c->aggregate, &after, &has);
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
	return hold_refold(t, has ? after.node : before.node, low + 1);
}

/*
 * A region dispatches tickets only to shops of its own region (DESIGN.md
 * section 5: a region acts within its region). svc_local refuses such a
 * write at the region; this refuses the same change arriving replicated.
 * The directory decides: a node that does not know the shop (a shop that
 * has not received that certificate yet) cannot judge and lets it pass,
 * except HQ, which issued every certificate and so knows every shop of a
 * region it certified (a store fed changes of uncertified origins, with
 * trust_unknown, has no directory to judge by).
 */
static int authorize_dispatch(svc_txn *t, const svc_change *c)
{
	const char *shop = NULL;
	if (c->origin_role != SVC_ROLE_REGION)
		return 0;
	if (c->kind == SVC_CK_TICKET_ASSIGN)
		shop = c->u.ticket_assign.shop;
	else if (c->kind == SVC_CK_TICKET_OPEN)
		shop = c->u.ticket_open.shop;
	if (!shop || !shop[0])
		return 0;
	svc_node n;
	svc_self self;
	char nagg[SVC_AGG_LEN];
	bool have;
	svc_node_agg(nagg, shop);
	int rc = state_load(t, SVC_AGG_NODE, nagg, &n, &have);
	if (rc)
		return rc;
	if (!have) {
		rc = svc_self_get(t, &self);
		if (rc)
			return rc;
		if (self.role != SVC_ROLE_HQ)
			return 0;
		svc_node_agg(nagg, c->origin);
		rc = state_load(t, SVC_AGG_NODE, nagg, &n, &have);
		if (rc || !have)
			return rc;
		return svc_errf(SVC_EDENIED, "region %s may not give ticket %s to %s (no such shop)",
				c->origin, c->aggregate, shop);
	}
	if (n.role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EDENIED, "region %s may not give ticket %s to %s (a %s, not a shop)",
				c->origin, c->aggregate, shop, svc_role_name(n.role));
	if (strcmp(n.region, c->origin) != 0)
		return svc_errf(SVC_EDENIED,
				"region %s may not give ticket %s to %s (a shop of region %s)",
				c->origin, c->aggregate, shop, n.region);
	return 0;
}

/*
 * Authorization that needs another aggregate's state, for local and
 * replicated changes alike: a shop may claim only for a ticket assigned to
 * it (else any shop that guessed a ticket id could take its claim, which is
 * named after the ticket); a region dispatches only to its own shops.
 */
static int authorize_state(svc_txn *t, const svc_change *c)
{
	int rc = authorize_dispatch(t, c);
	if (rc || c->kind != SVC_CK_CLAIM_SUBMIT)
		return rc;
	svc_ticket tk;
	bool have;
	rc = state_load(t, SVC_AGG_TICKET, c->u.claim_submit.ticket, &tk, &have);
	if (rc)
		return rc;
	if (!have)
		return svc_errf(SVC_EDENIED, "claim %s: unknown ticket %s", c->aggregate,
				c->u.claim_submit.ticket);
	if (strcmp(tk.shop, c->origin) != 0)
		return svc_errf(SVC_EDENIED, "claim %s: ticket %s is assigned to %s, not to %s",
				c->aggregate, tk.id, tk.shop[0] ? tk.shop : "no shop", c->origin);
	return 0;
}

static int encode_and_hash(svc_txn *t, const svc_change *c, uint8_t *buf, size_t *len,
			   uint8_t hash[SVC_HASH_LEN])
{
	int rc = svc_change_encode(c, buf, SVC_CHANGE_MAX, len);
	if (rc)
		return rc;
	(void)t;
	svc_hash(buf, *len, hash);
	return 0;
}

int svc_local_append(svc_txn *t, svc_change *c)
{
	svc_self self;
	uint8_t buf[SVC_CHANGE_MAX], hash[SVC_HASH_LEN];
	char reason[SVC_REASON_LEN];
	size_t len;
	uint64_t head;
	int rc;

	if (t->err)
		return t->err;
	rc = svc_self_get(t, &self);
	if (!rc && !t->writes_allowed) {
		/* Once per transaction: a bulk import asks once. */
		rc = svc_restore_refusal(t);
		t->writes_allowed = rc == 0;
	}
	if (rc)
		return rc;
	snprintf(c->origin, sizeof c->origin, "%s", self.node);
	c->origin_role = self.role;
	snprintf(c->origin_region, sizeof c->origin_region, "%s", self.region);
	snprintf(c->operator, sizeof c->operator, "%s", svc_operator_get());
	rc = svc_head_get(t, self.node, &head, c->prev_hash);
	if (rc)
		return rc;
	if (head >= SVC_SEQ_MAX)
		return svc_errf(SVC_ETOOBIG, "node %s has used every seq (%llu)", self.node,
				(unsigned long long)head);
	c->seq = head + 1;
	rc = hlc_next(t, &c->hlc);
	if (rc)
		return rc;
	/* Aggregates named after the change that creates them (a ticket, a
	 * transfer) can only be named once seq is known, which is here. */
	if (c->kind == SVC_CK_TICKET_OPEN)
		svc_ticket_id(c->aggregate, c->origin, c->seq);
	else if (c->kind == SVC_CK_PART_MOVE && c->u.part_move.kind == SVC_MV_TRANSFER_OUT)
		svc_transfer_id(c->aggregate, c->origin, c->seq);

	rc = svc_change_validate(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EINVAL, "%s", reason);
	rc = svc_authorize(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EDENIED, "%s", reason);
	rc = authorize_state(t, c);
	if (rc)
		return rc;
	rc = encode_and_hash(t, c, buf, &len, hash);
	if (rc)
		return rc;

	/* Fold first: a rejected local write must leave nothing behind. The
	 * fold's puts and the log's puts share the transaction, so the order
	 * does not matter for atomicity. */
	rc = fold_and_hold(t, c, true, reason, sizeof reason);
	if (rc)
		return rc;
	rc = log_put(t, c, buf, len, hash);
	if (rc)
		return rc;
	head_set(t, c->origin, c->seq, hash, c->seq);
	return t->err;
}

/*
 * A certificate is the directory's word that a key may speak for a node, and
 * authorization only says the origin may issue one: a replicated certificate
 * must also carry HQ's signature, checked against the HQ key this node
 * accepted at enrollment (HQ's own at HQ).
 */
static int apply_cert_check(svc_txn *t, const svc_change *c)
{
	svc_self self;
	if (c->kind != SVC_CK_NODE_CERT)
		return 0;
	int rc = svc_self_get(t, &self);
	if (rc && rc != SVC_ENOTFOUND)
		return rc;
	if (rc || !self.enrolled)
		return svc_errf(SVC_EDENIED,
				"change %s/%llu: cannot verify certificate: this node has no HQ key yet",
				c->origin, (unsigned long long)c->seq);
	rc = svc_cert_verify(&c->u.node_cert, self.hq_pubkey, NULL);
	if (rc)
		return svc_errctx(rc, "change %s/%llu", c->origin, (unsigned long long)c->seq);
	return 0;
}

/* The HQ node id this store trusts ("" before enrollment). */
static const char *self_hq(svc_txn *t)
{
	svc_self self;
	if (svc_self_get(t, &self) || !self.enrolled)
		return "";
	return t->self.hq_node;
}

/* ------------------------------------------------------------ restores */

enum { RESTORE_BLOCKED = 1, RESTORE_TARGET = 2, RESTORE_DETECTED = 4 };

static int meta_u64_or0(svc_txn *t, const char *name, uint64_t *out)
{
	int rc = meta_get_u64(t, name, out);
	if (rc == SVC_ENOTFOUND) {
		*out = 0;
		svc_errclear();
		return t->err;
	}
	return rc;
}

/* Re-fold an aggregate from its first change, after changes left it. */
static int refold_all(svc_txn *t, const char *aggregate, svc_agg_type type)
{
	struct refold r;
	uint8_t key[AGG_KEY_LEN];
	memset(&r, 0, sizeof r);
	r.type = type;
	r.rules = svc_rules_for(type);
	if (!r.rules || r.rules->state_size == 0)
		return 0;
	int rc = agg_walk(t, aggregate, refold_step, &r);
	if (rc)
		return rc;
	if (r.exists)
		return state_save(t, type, aggregate, &r.state);
	if (type == SVC_AGG_NODE)
		t->node_cached = false;
	return del(t, state_kinds[type].db, key, agg_key(aggregate, key));
}

static int restore_diverged(svc_txn *t, uint64_t seq);

/* The next free id of the replay table. */
static int replay_next_id(svc_txn *t, uint64_t *id)
{
	int rc = last_u64_key(t, DB_REPLAY, "replay", id);
	if (!rc)
		++*id;
	return rc;
}

/*
 * Move this node's own changes `from`..head out of the log into the replay
 * table (see "Restores" at the top). The caller stores the network's change
 * for `from` next, in the same transaction.
 */
static int replay_keep(svc_txn *t, const char *origin, uint64_t from)
{
	uint64_t head, contig, lsn, id = 1;
	uint8_t head_hash[SVC_HASH_LEN];
	char (*aggs)[SVC_AGG_LEN] = NULL;
	svc_agg_type *types = NULL;
	size_t naggs = 0, cap = 0;
	int rc = head_load(t, origin, &head, head_hash, &contig);
	/* Load the lsn counter before entries leave the arrival log, so no
	 * lsn is ever handed out twice. */
	if (!rc)
		rc = svc_log_last(t, &lsn);
	if (!rc && !t->lsn_loaded) {
		t->lsn = lsn;
		t->lsn_loaded = true;
	}
	if (!rc)
		rc = replay_next_id(t, &id);
	for (uint64_t q = from; !rc && q <= head; q++) {
		uint8_t k[SVC_ID_LEN + 8], ak[AGGIDX_KEY_LEN], lk[8];
		size_t klen = key_origin_seq(k, origin, q);
		MDB_val v;
		svc_change c;
		bool rejected;
		rc = get(t, DB_CHANGES, k, klen, &v);
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			rc = t->err;
			continue;
		}
		if (rc)
			break;
		if (v.mv_size < SVC_HASH_LEN + 8 ||
		    svc_change_decode((const uint8_t *)v.mv_data + SVC_HASH_LEN + 8,
				      v.mv_size - SVC_HASH_LEN - 8, &c)) {
			rc = svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: change %s/%llu is corrupt",
						      t->s->dir, origin, (unsigned long long)q));
			break;
		}
		uint8_t rid[8];
		be64_put(rid, id++);
		memcpy(lk, (const uint8_t *)v.mv_data + SVC_HASH_LEN, 8);
		rc = put(t, DB_REPLAY, rid, 8, (const uint8_t *)v.mv_data + SVC_HASH_LEN + 8,
			 v.mv_size - SVC_HASH_LEN - 8, 0);
		if (!rc)
			rc = reject_get(t, origin, q, NULL, 0, &rejected);
		if (rc)
			break;
		if (!rejected)
			effects_apply(t, &c, -1);
		del(t, DB_REJECTS, k, klen);
		del(t, DB_AGGIDX, ak, aggidx_key(ak, &c));
		del(t, DB_ARRIVAL, lk, 8);
		del(t, DB_CHANGES, k, klen);
		rc = t->err;
		svc_agg_type type = svc_change_agg_type(&c);
		const svc_rules *rules = svc_rules_for(type);
		if (rc || !rules || rules->state_size == 0)
			continue;
		size_t i = 0;
		while (i < naggs && strcmp(aggs[i], c.aggregate) != 0)
			i++;
		if (i < naggs)
			continue;
		if (naggs == cap) {
			size_t n = cap ? cap * 2 : 16;
			void *a2 = realloc(aggs, n * sizeof *aggs);
			if (a2)
				aggs = a2;
			void *t2 = a2 ? realloc(types, n * sizeof *types) : NULL;
			if (t2)
				types = t2;
			if (!a2 || !t2) {
				rc = svc_txn_fail(t, svc_errf(SVC_ENOMEM, "out of memory"));
				break;
			}
			cap = n;
		}
		snprintf(aggs[naggs], SVC_AGG_LEN, "%s", c.aggregate);
		types[naggs++] = type;
	}
	for (size_t i = 0; !rc && i < naggs; i++)
		rc = refold_all(t, aggs[i], types[i]);
	free(aggs);
	free(types);
	if (rc)
		return rc;

	/* Commits this node signed over the moved changes go with them; the
	 * network's commits arrive with the network's changes. */
	MDB_cursor *cur;
	MDB_val key, val;
	uint8_t ck[SVC_ID_LEN + 8];
	size_t olen = strlen(origin);
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_COMMITS], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "commits");
	for (;;) {
		key.mv_size = key_origin_seq(ck, origin, from);
		key.mv_data = ck;
		rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		if (rc || key.mv_size != olen + 9 || memcmp(key.mv_data, origin, olen + 1) != 0)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "commits");

	uint8_t h[SVC_HASH_LEN];
	memset(h, 0, sizeof h);
	if (from > 1) {
		rc = svc_change_hash(t, origin, from - 1, h);
		if (rc)
			return rc;
	}
	head_set(t, origin, from - 1, h, from - 1);
	return t->err;
}

int svc_store_apply(svc_txn *t, const uint8_t *bytes, size_t len, const svc_change *c,
		    bool trust_unknown, uint8_t hash[SVC_HASH_LEN])
{
	return svc_store_apply_hashed(t, bytes, len, c, trust_unknown, false, hash);
}

int svc_store_apply_hashed(svc_txn *t, const uint8_t *bytes, size_t len, const svc_change *c,
			   bool trust_unknown, bool hashed, uint8_t hash[SVC_HASH_LEN])
{
	char reason[SVC_REASON_LEN];
	uint8_t k[SVC_ID_LEN + 8], head_hash[SVC_HASH_LEN];
	uint64_t head, contig;
	MDB_val v;
	int rc;

	if (t->err)
		return t->err;
	if (!hashed)
		svc_hash(bytes, len, hash);

	/* Already here? Same bytes: a no-op. Other bytes: a forged or forked
	 * history for that (origin, seq). */
	rc = get(t, DB_CHANGES, k, key_origin_seq(k, c->origin, c->seq), &v);
	if (rc == 0 && v.mv_size >= SVC_HASH_LEN && memcmp(v.mv_data, hash, SVC_HASH_LEN) == 0)
		return 1;
	if (rc == 0) {
		/* This node's own change, sent back while it catches up after a
		 * restore: the network's is its real history, the local one
		 * re-used the seq. (Only then: the caller checked the change
		 * against a commit signed with this node's key.) */
		svc_self self;
		bool own = t->own_returns && svc_self_get(t, &self) == 0 &&
			   strcmp(c->origin, self.node) == 0;
		if (!own) {
			if (t->err)
				return t->err;
			return svc_errf(SVC_ECRYPTO,
					"fork: %s/%llu held here with a different hash",
					c->origin, (unsigned long long)c->seq);
		}
		rc = restore_diverged(t, c->seq);
		if (!rc)
			rc = replay_keep(t, c->origin, c->seq);
		if (rc)
			return rc;
		rc = SVC_ENOTFOUND;
	}
	if (rc != SVC_ENOTFOUND)
		return rc;

	/* Chain: when the previous change of the origin is here, this one
	 * must name its hash. (A filtered receiver may lack it; then the
	 * commit header vouches for the change.) */
	if (c->seq > 1) {
		rc = head_load(t, c->origin, &head, head_hash, &contig);
		if (rc)
			return rc;
		if (head == c->seq - 1) {
			v.mv_size = SVC_HASH_LEN;
			v.mv_data = head_hash;
		} else {
			rc = get(t, DB_CHANGES, k, key_origin_seq(k, c->origin, c->seq - 1), &v);
		}
		if (rc == 0) {
			if (v.mv_size < SVC_HASH_LEN ||
			    memcmp(v.mv_data, c->prev_hash, SVC_HASH_LEN) != 0)
				return svc_errf(SVC_ECRYPTO,
						"change %s/%llu does not chain to %s/%llu",
						c->origin, (unsigned long long)c->seq, c->origin,
						(unsigned long long)(c->seq - 1));
		} else if (rc != SVC_ENOTFOUND) {
			return rc;
		}
	} else {
		static const uint8_t zero[SVC_HASH_LEN];
		if (memcmp(c->prev_hash, zero, SVC_HASH_LEN) != 0)
			return svc_errf(SVC_ECRYPTO, "change %s/1 has a predecessor hash",
					c->origin);
	}

	/* The claimed role and region must be the origin's certified ones. */
	svc_node n;
	char nagg[SVC_AGG_LEN];
	bool known;
	svc_node_agg(nagg, c->origin);
	rc = state_load(t, SVC_AGG_NODE, nagg, &n, &known);
	if (rc)
		return rc;
	if (known) {
		if (n.role != c->origin_role || strcmp(n.region, c->origin_region) != 0)
			return svc_errf(SVC_EDENIED,
					"change %s/%llu claims role %s region '%s', certificate "
					"says %s region '%s'",
					c->origin, (unsigned long long)c->seq,
					svc_role_name(c->origin_role), c->origin_region,
					svc_role_name(n.role), n.region);
		/* A certificate past its validity is treated as a revocation
		 * at not_after: what the node stamped later is refused. HQ's
		 * own is exempt: its key is the root this node pinned. */
		if (n.not_after && svc_hlc_ms(c->hlc) > n.not_after &&
		    strcmp(c->origin, self_hq(t)) != 0) {
			char when[32];
			time_t sec = (time_t)(n.not_after / 1000);
			struct tm tm;
			if (!gmtime_r(&sec, &tm) ||
			    !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm))
				snprintf(when, sizeof when, "%llu ms",
					 (unsigned long long)n.not_after);
			return svc_errf(SVC_EDENIED,
					"change %s/%llu: certificate of %s (serial %llu) expired "
					"at %s",
					c->origin, (unsigned long long)c->seq, c->origin,
					(unsigned long long)n.serial, when);
		}
	} else if (strcmp(c->origin, self_hq(t)) == 0) {
		/* HQ is the root of trust this node accepted at enrollment:
		 * its changes (its own certificate first) need no entry. */
		if (c->origin_role != SVC_ROLE_HQ || c->origin_region[0])
			return svc_errf(SVC_EDENIED, "change %s/%llu claims to be HQ's but not as hq",
					c->origin, (unsigned long long)c->seq);
	} else if (!trust_unknown) {
		return svc_errf(SVC_EDENIED, "change %s/%llu: unknown origin %s (no certificate)",
				c->origin, (unsigned long long)c->seq, c->origin);
	}

	rc = svc_change_validate(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EINVAL, "change %s/%llu: %s", c->origin,
				(unsigned long long)c->seq, reason);
	rc = svc_authorize(c, reason, sizeof reason);
	if (rc)
		return svc_errf(SVC_EDENIED, "change %s/%llu: %s", c->origin,
				(unsigned long long)c->seq, reason);
	rc = authorize_state(t, c);
	if (rc)
		return svc_errctx(rc, "change %s/%llu", c->origin, (unsigned long long)c->seq);
	rc = apply_cert_check(t, c);
	if (rc)
		return rc;

	rc = log_put(t, c, bytes, len, hash);
	if (rc)
		return rc;
	rc = head_load(t, c->origin, &head, head_hash, &contig);
	if (rc)
		return rc;
	if (c->seq == contig + 1) {
		/* Close the gap as far as the stored changes reach: a
		 * filtered receiver may later be sent what it lacked. */
		uint8_t h2[SVC_HASH_LEN];
		contig = c->seq;
		while (contig < head && svc_change_hash(t, c->origin, contig + 1, h2) == 0)
			contig++;
		if (t->err)
			return t->err;
	}
	if (c->seq > head)
		head_set(t, c->origin, c->seq, hash, contig);
	else
		head_set(t, c->origin, head, head_hash, contig);
	svc_hlc_observe(t, c->hlc);
	rc = fold_and_hold(t, c, false, reason, sizeof reason);
	return rc ? rc : t->err;
}

/* ------------------------------------------------------------ iteration */

#define EACH_STATE(fname, type_enum, ctype, cbtype)                                             \
	int fname(svc_txn *t, cbtype cb, void *arg)                                             \
	{                                                                                       \
		return state_each(t, type_enum, false, (int (*)(const void *, void *))cb, arg);  \
	}

static int state_each(svc_txn *t, svc_agg_type type, bool brief, int (*cb)(const void *, void *),
		      void *arg)
{
	const state_kind *k = &state_kinds[type];
	MDB_cursor *cur;
	MDB_val key, v;
	any_state st;
	int rc, out = 0;

	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[k->db], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, db_names[k->db]);
	for (rc = mdb_cursor_get(cur, &key, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
		int drc = brief ? state_kinds[type].decode(v.mv_data, v.mv_size, &st)
				: state_decode(t, type, &v, &st);
		if (drc) {
			out = svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: %.*s", t->s->dir,
							 (int)key.mv_size,
							 (const char *)key.mv_data));
			break;
		}
		out = cb(&st, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, db_names[k->db]);
	return out;
}

EACH_STATE(svc_ticket_each, SVC_AGG_TICKET, svc_ticket, svc_ticket_cb)

int svc_ticket_each_brief(svc_txn *t, svc_ticket_cb cb, void *arg)
{
	return state_each(t, SVC_AGG_TICKET, true, (int (*)(const void *, void *))cb, arg);
}
EACH_STATE(svc_claim_each, SVC_AGG_CLAIM, svc_claim, svc_claim_cb)
EACH_STATE(svc_transfer_each, SVC_AGG_TRANSFER, svc_transfer, svc_transfer_cb)
EACH_STATE(svc_catalog_each, SVC_AGG_CATALOG, svc_catalog_item, svc_catalog_cb)
EACH_STATE(svc_node_each, SVC_AGG_NODE, svc_node, svc_node_cb)

int svc_stock_each(svc_txn *t, const char *location, svc_stock_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;
	size_t llen = location ? strlen(location) : 0;

	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_STOCK], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "stock");
	k.mv_size = location ? llen + 1 : 0;
	k.mv_data = (void *)(uintptr_t)location;
	for (rc = mdb_cursor_get(cur, &k, &v, location ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *kb = k.mv_data;
		const char *nul = memchr(kb, 0, k.mv_size);
		if (!nul)
			continue;
		if (location && ((size_t)(nul - kb) != llen || memcmp(kb, location, llen) != 0))
			break;
		char loc[SVC_ID_LEN], part[SVC_PART_LEN];
		size_t plen = k.mv_size - (size_t)(nul - kb) - 1;
		if ((size_t)(nul - kb) >= sizeof loc || plen >= sizeof part)
			continue;
		memcpy(loc, kb, (size_t)(nul - kb) + 1);
		memcpy(part, nul + 1, plen);
		part[plen] = '\0';
		svc_stock s;
		if (svc_stock_decode(v.mv_data, v.mv_size, &s)) {
			out = svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: stock %s/%s",
							 t->s->dir, loc, part));
			break;
		}
		out = cb(loc, part, &s, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "stock");
	return out;
}

/* Load a logged change by its key in the changes database. */
static int logged_load(svc_txn *t, const char *origin, uint64_t seq, svc_logged_change *out,
		       const uint8_t **bytes, size_t *blen)
{
	uint8_t k[SVC_ID_LEN + 8];
	MDB_val v;
	int rc = get(t, DB_CHANGES, k, key_origin_seq(k, origin, seq), &v);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "no change %s/%llu", origin, (unsigned long long)seq);
	if (rc)
		return rc;
	if (v.mv_size < SVC_HASH_LEN + 8)
		return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: change %s/%llu is corrupt",
						t->s->dir, origin, (unsigned long long)seq));
	const uint8_t *p = v.mv_data;
	memcpy(out->hash, p, SVC_HASH_LEN);
	out->lsn = be64_get(p + SVC_HASH_LEN);
	if (svc_change_decode(p + SVC_HASH_LEN + 8, v.mv_size - SVC_HASH_LEN - 8, &out->c))
		return svc_txn_fail(t, svc_errctx(SVC_ESTORE, "store %s: change %s/%llu",
						  t->s->dir, origin, (unsigned long long)seq));
	out->bytes = p + SVC_HASH_LEN + 8;
	out->len = v.mv_size - SVC_HASH_LEN - 8;
	if (bytes) {
		*bytes = out->bytes;
		*blen = out->len;
	}
	return reject_get(t, origin, seq, out->reason, sizeof out->reason, &out->rejected);
}

int svc_change_get(svc_txn *t, const char *origin, uint64_t seq, svc_logged_change *out,
		   const uint8_t **bytes, size_t *len)
{
	return logged_load(t, origin, seq, out, bytes, len);
}

int svc_origin_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg)
{
	uint8_t start[SVC_ID_LEN + 8];
	size_t slen, olen = strlen(origin);
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;

	if (t->err)
		return t->err;
	if (olen >= SVC_ID_LEN)
		return svc_errf(SVC_EINVAL, "origin %s: too long", origin);
	slen = key_origin_seq(start, origin, 0);
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_CHANGES], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "changes");
	k.mv_size = slen;
	k.mv_data = start;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* Keys are origin NUL seq: the origin's run ends at the first
		 * key with another prefix. */
		if (k.mv_size != slen || memcmp(k.mv_data, start, olen + 1) != 0)
			break;
		svc_logged_change lc;
		uint64_t seq = be64_get((const uint8_t *)k.mv_data + olen + 1);
		out = logged_load(t, origin, seq, &lc, NULL, NULL);
		if (!out)
			out = cb(&lc, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "changes");
	return out;
}

static int log_each_want(svc_txn *t, uint64_t from, bool desc, svc_log_want_fn want,
			 svc_change_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t start[8];
	int rc, out = 0;
	svc_logged_change *lc = malloc(sizeof *lc);

	if (!lc)
		return svc_errf(SVC_ENOMEM, "out of memory");
	if (t->err) {
		free(lc);
		return t->err;
	}
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_ARRIVAL], &cur);
	if (rc) {
		free(lc);
		return txn_mdb_fail(t, rc, "arrival");
	}
	be64_put(start, from);
	k.mv_size = 8;
	k.mv_data = start;
	rc = mdb_cursor_get(cur, &k, &v, desc ? MDB_LAST : MDB_SET_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, desc ? MDB_PREV : MDB_NEXT)) {
		char origin[SVC_ID_LEN];
		uint64_t seq = 0;
		if (parse_origin_seq(v.mv_data, v.mv_size, origin, &seq)) {
			out = svc_txn_fail(t, SVC_ESTORE);
			break;
		}
		if (want && k.mv_size == 8 && !want(be64_get(k.mv_data), origin, seq, arg))
			continue;
		out = logged_load(t, origin, seq, lc, NULL, NULL);
		if (!out)
			out = cb(lc, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	free(lc);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "arrival");
	return out;
}

static int log_each(svc_txn *t, uint64_t from, bool desc, svc_change_cb cb, void *arg)
{
	return log_each_want(t, from, desc, NULL, cb, arg);
}

int svc_log_each_from_want(svc_txn *t, uint64_t from, svc_log_want_fn want, svc_change_cb cb,
			   void *arg)
{
	return log_each_want(t, from, false, want, cb, arg);
}

int svc_log_each_desc(svc_txn *t, svc_change_cb cb, void *arg)
{
	return log_each(t, 0, true, cb, arg);
}

int svc_log_each_from(svc_txn *t, uint64_t from, svc_change_cb cb, void *arg)
{
	return log_each(t, from, false, cb, arg);
}

struct agg_each_arg {
	svc_change_cb cb;
	void *arg;
	svc_logged_change lc;
};

static int agg_each_step(svc_txn *t, const svc_change *c, void *arg)
{
	struct agg_each_arg *a = arg;
	int rc = logged_load(t, c->origin, c->seq, &a->lc, NULL, NULL);
	if (rc)
		return rc;
	return a->cb(&a->lc, a->arg);
}

int svc_agg_each(svc_txn *t, const char *aggregate, svc_change_cb cb, void *arg)
{
	struct agg_each_arg *a = malloc(sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->cb = cb;
	a->arg = arg;
	int rc = agg_walk(t, aggregate, agg_each_step, a);
	free(a);
	return rc;
}

int svc_store_stats_get(svc_txn *t, svc_store_stats *out)
{
	MDB_stat st;
	MDB_envinfo info;
	memset(out, 0, sizeof *out);
	if (t->err)
		return t->err;
	if (mdb_stat(t->txn, t->s->dbi[DB_CHANGES], &st) == 0)
		out->changes = st.ms_entries;
	if (mdb_stat(t->txn, t->s->dbi[DB_TICKETS], &st) == 0)
		out->tickets = st.ms_entries;
	if (mdb_stat(t->txn, t->s->dbi[DB_CLAIMS], &st) == 0)
		out->claims = st.ms_entries;
	if (mdb_stat(t->txn, t->s->dbi[DB_REJECTS], &st) == 0)
		out->rejected = st.ms_entries;
	svc_log_last(t, &out->lsn);
	mdb_env_info(t->s->env, &info);
	mdb_env_stat(t->s->env, &st);
	out->map_size = info.me_mapsize;
	out->map_used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	return 0;
}

/* ------------------------------------------------------------ peers */

#define PEER_VAL_LEN (16 + 8 + 8 + 8)

int svc_peer_get(svc_txn *t, const char *node, svc_peer *out)
{
	MDB_val v;
	memset(out, 0, sizeof *out);
	snprintf(out->node, sizeof out->node, "%s", node);
	int rc = get(t, DB_PEERS, node, strlen(node), &v);
	if (rc == SVC_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.mv_size != PEER_VAL_LEN)
		return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: peer %s is corrupt",
						t->s->dir, node));
	const uint8_t *p = v.mv_data;
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
	return put(t, DB_PEERS, pe->node, strlen(pe->node), v, sizeof v, 0);
}

int svc_peer_each(svc_txn *t, svc_peer_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;
	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_PEERS], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "peers");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size >= SVC_ID_LEN || v.mv_size != PEER_VAL_LEN)
			continue;
		svc_peer pe;
		char node[SVC_ID_LEN];
		memcpy(node, k.mv_data, k.mv_size);
		node[k.mv_size] = '\0';
		out = svc_peer_get(t, node, &pe);
		if (!out)
			out = cb(&pe, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "peers");
	return out;
}

/* ------------------------------------------------------------ commits */

int svc_commit_put(svc_txn *t, const char *origin, uint64_t first, uint64_t last,
		   const uint8_t *bytes, size_t len)
{
	uint8_t k[SVC_ID_LEN + 8];
	MDB_val key, val;
	if (t->err)
		return t->err;
	key.mv_size = key_origin_seq(k, origin, last);
	key.mv_data = k;
	val.mv_size = 8 + len;
	val.mv_data = NULL;
	int rc = mdb_put(t->txn, t->s->dbi[DB_COMMITS], &key, &val, MDB_RESERVE);
	if (rc)
		return txn_mdb_fail(t, rc, "commits");
	be64_put(val.mv_data, first);
	memcpy((uint8_t *)val.mv_data + 8, bytes, len);
	return 0;
}

/* Position a cursor at the first commit of `origin` with last >= seq (or at
 * its latest commit). With `covering`, it must also start at or before seq. */
static int commit_seek(svc_txn *t, const char *origin, uint64_t seq, bool latest, bool covering,
		       const uint8_t **bytes, size_t *len, uint64_t *first, uint64_t *last)
{
	uint8_t k[SVC_ID_LEN + 8];
	size_t olen = strlen(origin);
	MDB_cursor *cur;
	MDB_val key, v;
	int rc;
	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_COMMITS], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "commits");
	key.mv_size = key_origin_seq(k, origin, latest ? UINT64_MAX : seq);
	key.mv_data = k;
	rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
	if (latest) {
		/* One past the origin's last commit, then step back. */
		rc = rc == 0 ? mdb_cursor_get(cur, &key, &v, MDB_PREV)
			     : mdb_cursor_get(cur, &key, &v, MDB_LAST);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return SVC_ENOTFOUND;
	if (rc)
		return txn_mdb_fail(t, rc, "commits");
	if (key.mv_size != olen + 9 || memcmp(key.mv_data, origin, olen + 1) != 0 ||
	    v.mv_size < 8)
		return SVC_ENOTFOUND;
	*last = be64_get((const uint8_t *)key.mv_data + olen + 1);
	*first = be64_get(v.mv_data);
	*bytes = (const uint8_t *)v.mv_data + 8;
	*len = v.mv_size - 8;
	if (covering && (seq < *first || seq > *last))
		return SVC_ENOTFOUND;
	return 0;
}

int svc_commit_find(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
		    size_t *len, uint64_t *first, uint64_t *last)
{
	return commit_seek(t, origin, seq, false, true, bytes, len, first, last);
}

int svc_commit_next(svc_txn *t, const char *origin, uint64_t seq, const uint8_t **bytes,
		    size_t *len, uint64_t *first, uint64_t *last)
{
	return commit_seek(t, origin, seq, false, false, bytes, len, first, last);
}

int svc_commit_latest(svc_txn *t, const char *origin, uint64_t *last, const uint8_t **bytes,
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
	MDB_val key, v;
	uint8_t k[8];
	uint64_t id;
	size_t plen = strlen(peer), rlen = strlen(reason);
	if (t->err)
		return t->err;
	int rc = last_u64_key(t, DB_QUARANTINE, "quarantine", &id);
	if (rc)
		return rc;
	be64_put(k, ++id);
	key.mv_size = 8;
	key.mv_data = k;
	v.mv_size = 8 + plen + 1 + rlen + 1 + len;
	v.mv_data = NULL;
	rc = mdb_put(t->txn, t->s->dbi[DB_QUARANTINE], &key, &v, MDB_RESERVE | MDB_APPEND);
	if (rc)
		return txn_mdb_fail(t, rc, "quarantine");
	uint8_t *p = v.mv_data;
	be64_put(p, svc_hlc_now_ms());
	memcpy(p + 8, peer, plen + 1);
	memcpy(p + 8 + plen + 1, reason, rlen + 1);
	if (len)
		memcpy(p + 8 + plen + 1 + rlen + 1, bytes, len);
	return 0;
}

int svc_quarantine_each(svc_txn *t, svc_quarantine_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;
	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_QUARANTINE], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "quarantine");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data, *end = p + v.mv_size;
		if (k.mv_size != 8 || v.mv_size < 10)
			continue;
		const uint8_t *peer = p + 8;
		const uint8_t *pz = memchr(peer, 0, (size_t)(end - peer));
		if (!pz)
			continue;
		const uint8_t *reason = pz + 1;
		const uint8_t *rz = memchr(reason, 0, (size_t)(end - reason));
		if (!rz)
			continue;
		svc_quarantined q;
		memset(&q, 0, sizeof q);
		q.id = be64_get(k.mv_data);
		q.at_ms = be64_get(p);
		snprintf(q.peer, sizeof q.peer, "%s", (const char *)peer);
		snprintf(q.reason, sizeof q.reason, "%s", (const char *)reason);
		q.bytes = rz + 1;
		q.len = (size_t)(end - (rz + 1));
		out = cb(&q, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "quarantine");
	return out;
}

int svc_held_each(svc_txn *t, const char *origin, svc_change_cb cb, void *arg)
{
	static const char prefix[] = SVC_HELD_PREFIX;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;

	if (t->err)
		return t->err;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_REJECTS], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "rejects");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size < sizeof prefix - 1 || memcmp(v.mv_data, prefix, sizeof prefix - 1))
			continue;
		char o[SVC_ID_LEN];
		uint64_t seq;
		if (parse_origin_seq(k.mv_data, k.mv_size, o, &seq)) {
			out = svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: bad rejects key",
						       t->s->dir));
			break;
		}
		if (origin && strcmp(o, origin) != 0)
			continue;
		svc_logged_change lc;
		out = logged_load(t, o, seq, &lc, NULL, NULL);
		if (!out)
			out = cb(&lc, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "rejects");
	return out;
}

int svc_quarantine_count(svc_txn *t, uint64_t *n)
{
	MDB_stat st;
	if (t->err)
		return t->err;
	int rc = mdb_stat(t->txn, t->s->dbi[DB_QUARANTINE], &st);
	if (rc)
		return txn_mdb_fail(t, rc, "quarantine");
	*n = st.ms_entries;
	return 0;
}

/* ------------------------------------------------------------ backup and restore */

int svc_restore_get(svc_txn *t, svc_restore_state *out)
{
	uint64_t flags;
	uint8_t h[SVC_HASH_LEN];
	svc_self self;
	memset(out, 0, sizeof *out);
	int rc = meta_u64_or0(t, "restore", &flags);
	if (!rc)
		rc = meta_u64_or0(t, "restore_target", &out->target);
	if (!rc) {
		rc = meta_get_u64(t, "own_confirmed", &out->confirmed);
		out->confirmed_known = rc == 0;
		if (rc == SVC_ENOTFOUND) {
			svc_errclear();
			rc = t->err;
		}
	}
	if (!rc)
		rc = svc_self_get(t, &self);
	if (!rc)
		rc = svc_head_get(t, self.node, &out->head, h);
	if (rc)
		return rc;
	out->blocked = flags & RESTORE_BLOCKED;
	out->target_known = flags & RESTORE_TARGET;
	out->detected = flags & RESTORE_DETECTED;
	if (t->s->no_replay)
		return 0;
	MDB_stat st;
	rc = mdb_stat(t->txn, t->s->dbi[DB_REPLAY], &st);
	if (rc)
		return txn_mdb_fail(t, rc, "replay");
	out->replay = st.ms_entries;
	return 0;
}

static int restore_put(svc_txn *t, const svc_restore_state *r)
{
	uint64_t flags = (r->blocked ? RESTORE_BLOCKED : 0) | (r->target_known ? RESTORE_TARGET : 0) |
			 (r->detected ? RESTORE_DETECTED : 0);
	meta_put_u64(t, "restore", flags);
	meta_put_u64(t, "restore_target", r->target);
	return meta_put_u64(t, "own_confirmed", r->confirmed);
}

/* A new store id: peers' positions in this node's log start over. */
static int new_store_id(svc_txn *t)
{
	svc_self self;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	svc_random(self.store_id, sizeof self.store_id);
	put(t, DB_META, "store_id", 8, self.store_id, sizeof self.store_id, 0);
	if (!t->err)
		t->self = self;
	return t->err;
}

/*
 * The network's version of own seq `seq` differs from this store's: the
 * store is an older copy that went on writing. Block writes until the
 * network's history is back (at least through what the upstream last said
 * it holds), under a new store id.
 */
static int restore_diverged(svc_txn *t, uint64_t seq)
{
	svc_restore_state r;
	uint64_t has;
	int rc = svc_restore_get(t, &r);
	if (!rc)
		rc = meta_u64_or0(t, "upstream_has", &has);
	if (rc || r.blocked)
		return rc;
	r.blocked = r.target_known = r.detected = true;
	r.target = has > seq ? has : seq;
	if (r.confirmed >= seq)
		r.confirmed = seq - 1;
	rc = new_store_id(t);
	return rc ? rc : restore_put(t, &r);
}

int svc_restore_confirm(svc_txn *t, uint64_t seq)
{
	uint64_t confirmed;
	int rc = meta_u64_or0(t, "own_confirmed", &confirmed);
	if (rc || seq <= confirmed)
		return rc;
	return meta_put_u64(t, "own_confirmed", seq);
}

int svc_restore_hello(svc_txn *t, uint64_t upstream_has, svc_restore_event *ev)
{
	svc_restore_state r;
	uint64_t had;
	*ev = SVC_RESTORE_NONE;
	int rc = svc_restore_get(t, &r);
	if (!rc)
		rc = meta_u64_or0(t, "upstream_has", &had);
	if (!rc && had != upstream_has)
		rc = meta_put_u64(t, "upstream_has", upstream_has);
	if (rc)
		return rc;
	if (!r.blocked) {
		/* Holding as many is no proof of holding the same: the
		 * upstream sends back what lies above `confirmed`, and a
		 * different version there is caught on arrival. A store
		 * written before confirmations were kept starts from what the
		 * upstream holds, as it trusted before. */
		if (!r.confirmed_known && upstream_has <= r.head)
			return meta_put_u64(t, "own_confirmed", upstream_has);
		if (upstream_has <= r.head)
			return 0;
		/* The network holds more of this node's history than this
		 * store: it was copied back from an older state. */
		r.blocked = r.target_known = r.detected = true;
		r.target = upstream_has;
		*ev = SVC_RESTORE_DETECTED;
		rc = new_store_id(t);
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
		return svc_errf(SVC_EDENIED,
				"node %s was restored from an older copy of its directory (%s holds "
				"its changes through seq %llu, this store through %llu); writes are "
				"blocked until it has fetched them from %s (start svcsyncd, or see "
				"svcsync status)",
				self.node, up, (unsigned long long)r.target,
				(unsigned long long)r.head, up);
	return svc_errf(SVC_EDENIED,
			"node %s was restored from a backup; writes are blocked until it has "
			"fetched its own later changes from %s (start svcsyncd, or see svcsync "
			"status)",
			self.node, up);
}

int svc_store_backup(svc_store *s, const char *path, uint64_t *bytes)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return svc_errf(errno == EEXIST ? SVC_EEXIST : SVC_EIO, "backup %s: %s%s", path,
				strerror(errno),
				errno == EEXIST ? " (refusing to overwrite it)" : "");
	/* A compacting copy runs in one read transaction: a consistent
	 * snapshot while the daemon and the CLI keep writing. */
	int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	if (!rc && fsync(fd) != 0)
		rc = errno;
	if (!rc && fstat(fd, &st) != 0)
		rc = errno;
	close(fd);
	if (rc) {
		unlink(path);
		return svc_errf(rc == ENOSPC ? SVC_EFULL : SVC_EIO, "backup %s: %s", path,
				rc == ENOSPC ? "no space left on device" : mdb_strerror(rc));
	}
	*bytes = (uint64_t)st.st_size;
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return svc_errf(SVC_EIO, "%s: %s", from, strerror(errno));
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		int e = errno;
		close(in);
		return svc_errf(SVC_EIO, "%s: %s", to, strerror(e));
	}
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				rc = svc_errf(errno == ENOSPC ? SVC_EFULL : SVC_EIO, "%s: %s", to,
					      strerror(errno));
				break;
			}
			off += w;
		}
		if (rc)
			break;
	}
	if (!rc && n < 0)
		rc = svc_errf(SVC_EIO, "%s: %s", from, strerror(errno));
	if (!rc && fsync(out) != 0)
		rc = svc_errf(SVC_EIO, "%s: %s", to, strerror(errno));
	close(in);
	if (close(out) != 0 && !rc)
		rc = svc_errf(SVC_EIO, "%s: %s", to, strerror(errno));
	return rc;
}

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
		return svc_errf(SVC_EKEY, "the backup is of node %s, whose key is not this "
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
		rc = new_store_id(t);
	if (rc)
		return rc;
	r.blocked = true;
	r.target_known = r.detected = false;
	r.target = 0;
	rc = restore_put(t, &r);
	if (!rc)
		a->self = t->self;
	return rc;
}

int svc_store_install(const char *dir, const char *from, const uint8_t pubkey[SVC_PK_LEN],
		      svc_self *out)
{
	char tmpdir[4200], tmpdata[4300], tmplock[4300], data[4200], lock[4200], keep[4200];
	svc_store *s = NULL;
	struct install_arg a;
	memset(&a, 0, sizeof a);
	a.pubkey = pubkey;
	snprintf(tmpdir, sizeof tmpdir, "%s/.restore", dir);
	snprintf(tmpdata, sizeof tmpdata, "%s/data.mdb", tmpdir);
	snprintf(tmplock, sizeof tmplock, "%s/lock.mdb", tmpdir);
	snprintf(data, sizeof data, "%s/data.mdb", dir);
	snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
	snprintf(keep, sizeof keep, "%s/data.mdb.before-restore", dir);
	unlink(tmpdata);
	unlink(tmplock);
	if (mkdir(tmpdir, 0700) != 0 && errno != EEXIST)
		return svc_errf(SVC_EIO, "%s: %s", tmpdir, strerror(errno));
	/* Work on a copy: the backup file stays as it was, and the store in
	 * place is only replaced once the copy is checked and marked. */
	int rc = copy_file(from, tmpdata);
	if (!rc)
		rc = svc_store_open(tmpdir, 0, &s);
	if (!rc)
		rc = svc_store_write(s, install_fn, &a);
	svc_store_close(&s);
	if (!rc && rename(data, keep) != 0 && errno != ENOENT)
		rc = svc_errf(SVC_EIO, "%s: %s", data, strerror(errno));
	if (!rc && rename(tmpdata, data) != 0)
		rc = svc_errf(SVC_EIO, "%s: %s", data, strerror(errno));
	if (!rc)
		unlink(lock); /* the old store's reader table; no process has it open */
	if (rc && rc != SVC_EKEY && rc != SVC_EINVAL && rc != SVC_EIO && rc != SVC_EFULL)
		svc_errctx(rc, "%s is not a usable svcsync backup", from);
	unlink(tmpdata);
	unlink(tmplock);
	rmdir(tmpdir);
	if (!rc)
		*out = a.self;
	return rc;
}

int svc_replay_each(svc_txn *t, svc_replay_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;
	if (t->err)
		return t->err;
	if (t->s->no_replay)
		return 0;
	rc = mdb_cursor_open(t->txn, t->s->dbi[DB_REPLAY], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, "replay");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		svc_change c;
		if (k.mv_size != 8 || svc_change_decode(v.mv_data, v.mv_size, &c)) {
			out = svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: replay entry is corrupt",
						       t->s->dir));
			break;
		}
		out = cb(t, be64_get(k.mv_data), &c, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, "replay");
	return out;
}

int svc_replay_del(svc_txn *t, uint64_t id)
{
	uint8_t k[8];
	be64_put(k, id);
	return del(t, DB_REPLAY, k, 8);
}

/*
 * svc_store: the node's LMDB environment. See svc_store.h for the contract.
 *
 * The only includer of lmdb.h. It owns the environment (open, schema check,
 * close), transactions with their sticky error, map growth, the node's
 * identity in meta, and the backup and installation of the store file; the
 * modules above reach the databases through the small key/value interface
 * of store_kv.h, whose keys and layout svc_journal.c describes.
 *
 * Caching. A write transaction carries the journal's caches (the arrival
 * lsn, the HLC and the head of the last origin it wrote) and the fold's (the
 * last directory entry loaded); the journal flushes its own at commit: a bulk
 * import then costs four puts per change (change, arrival, aggidx, state),
 * not seven.
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
 */
#include "svc_store.h"

#include "store_kv.h"
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MAP_INITIAL (64UL << 20)
#define MAP_MAX (1UL << 40)

_Static_assert(SVC_DB_COUNT_ <= 64, "svc_store.missing is a 64-bit mask of databases");

static const char *const db_names[SVC_DB_COUNT_] = {
    "meta",
    "changes",
    "heads",
    "arrival",
    "aggidx",
    "rejects",
    "tickets",
    "claims",
    "transfers",
    "catalog",
    "nodes",
    "stock",
    "peers",
    "commits",
    "quarantine",
    "replay",
    "deps",
    "index",
    "tally",
    /* policy */
    "policy",
    "grades",
    "models",
    "faults",
    /* customer */
    "customers",
    "units",
    /* policy: ticket exceptions */
    "overrides",
    /* complaints */
    "complaints",
    /* labor operations and the labor tariff */
    "labor",
    "tariff",
    /* old parts */
    "oldparts",
    /* the shop's ledger */
    "statements",
    /* shops */
    "shops",
};

struct svc_store {
	MDB_env *env;
	MDB_dbi dbi[SVC_DB_COUNT_];
	char dir[4096];
	bool rdonly;
	/* Databases a read-only open did not find: a store written before they
	 * existed (the replay table; the fold's dependency index, indexes and
	 * tallies). They read as empty until the first write creates them. */
	uint64_t missing;
};

#define ON_COMMIT_MAX 4

struct svc_txn {
	svc_store *s;
	MDB_txn *txn;
	bool write;
	int err;
	bool map_full;

	bool self_loaded;
	svc_self self;
	bool own_returns; /* own changes from the upstream may replace divergent ones */

	void (*on_commit[ON_COMMIT_MAX])(svc_txn *t);
	int non_commit;

	svc_kv_journal_cache journal;
	svc_kv_fold_cache fold;
};

/* ------------------------------------------------------------ helpers */
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

const char *svc_kv_dir(svc_txn *t)
{
	return t->s->dir;
}

svc_kv_journal_cache *svc_kv_journal(svc_txn *t)
{
	return &t->journal;
}

svc_kv_fold_cache *svc_kv_fold(svc_txn *t)
{
	return &t->fold;
}

bool svc_kv_own_returns(svc_txn *t)
{
	return t->own_returns;
}

const svc_self *svc_kv_self(svc_txn *t)
{
	return t->self_loaded ? &t->self : NULL;
}

void svc_kv_on_commit(svc_txn *t, void (*fn)(svc_txn *t))
{
	for (int i = 0; i < t->non_commit; i++)
		if (t->on_commit[i] == fn)
			return;
	if (t->non_commit < ON_COMMIT_MAX)
		t->on_commit[t->non_commit++] = fn;
	else
		svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: too many commit hooks", t->s->dir));
}

int svc_kv_corrupt(svc_txn *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return svc_txn_fail(t, svc_errf(SVC_ESTORE, "store %s: %s", t->s->dir, msg));
}

int svc_kv_parse_origin_seq(const uint8_t *k, size_t len, char origin[SVC_ID_LEN], uint64_t *seq)
{
	const uint8_t *nul = memchr(k, 0, len);
	if (!nul || (size_t)(nul - k) >= SVC_ID_LEN || len != (size_t)(nul - k) + 9)
		return svc_errf(SVC_EDECODE, "store: malformed change key");
	memcpy(origin, k, (size_t)(nul - k) + 1);
	*seq = svc_kv_be64_get(nul + 1);
	return 0;
}

size_t svc_kv_agg_key(const char *agg, uint8_t out[SVC_KV_AGG_KEY_LEN])
{
	size_t n = strlen(agg), d = n;
	while (d > 0 && agg[d - 1] >= '0' && agg[d - 1] <= '9')
		d--;
	if (d == n || d < 2 || agg[d - 1] != '-' || n - d > 19 || agg[0] < 'A' || agg[0] > 'Z' ||
	    agg[1] != '-') {
		memcpy(out, agg, n);
		return n;
	}
	/* at most 19 digits: no overflow (what strtoull would read) */
	unsigned long long num = 0;
	for (size_t i = d; i < n; i++)
		num = num * 10 + (unsigned)(agg[i] - '0');
	memcpy(out, agg, d);
	out[d] = 0x01;
	for (int i = 15; i >= 0; i--) {
		out[d + 1 + (size_t)i] = (uint8_t) "0123456789abcdef"[num & 15];
		num >>= 4;
	}
	return d + 17;
}

int svc_kv_agg_unkey(const uint8_t *k, size_t len, char out[SVC_AGG_LEN])
{
	const uint8_t *mark = memchr(k, 0x01, len);
	size_t d = mark ? (size_t)(mark - k) : len;
	if (d >= SVC_AGG_LEN || (mark && len != d + 17))
		return svc_errf(SVC_EDECODE, "store: malformed record key");
	memcpy(out, k, d);
	out[d] = '\0';
	if (!mark)
		return 0;
	unsigned long long num = 0;
	for (size_t i = d + 1; i < len; i++) {
		uint8_t h = k[i];
		if (h >= '0' && h <= '9')
			num = num * 16 + (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			num = num * 16 + (unsigned)(h - 'a' + 10);
		else
			return svc_errf(SVC_EDECODE, "store: malformed record key");
	}
	int n = snprintf(out + d, SVC_AGG_LEN - d, "%llu", num);
	if (n < 0 || (size_t)n >= SVC_AGG_LEN - d)
		return svc_errf(SVC_EDECODE, "store: malformed record key");
	return 0;
}

size_t svc_kv_aggidx_key(uint8_t *k, const svc_change *c)
{
	size_t n = svc_kv_agg_key(c->aggregate, k);
	k[n] = 0;
	svc_kv_be64_put(k + n + 1, c->hlc);
	return n + 9 + svc_kv_key_origin_seq(k + n + 9, c->origin, c->seq);
}

int svc_kv_change_decode(const svc_kv_val *v, svc_change *c)
{
	if (v->len < SVC_KV_CHANGE_HDR)
		return SVC_EDECODE;
	return svc_codec_change_decode((const uint8_t *)v->data + SVC_KV_CHANGE_HDR,
	                               v->len - SVC_KV_CHANGE_HDR, c);
}

/* ------------------------------------------------------------ key/value access */

int svc_kv_get(svc_txn *t, int db, const void *k, size_t klen, svc_kv_val *v)
{
	if (t->err)
		return t->err;
	if (svc_kv_missing(t, db))
		return SVC_ENOTFOUND;
	MDB_val key = {klen, (void *)(uintptr_t)k}, val;
	int rc = mdb_get(t->txn, t->s->dbi[db], &key, &val);
	if (rc == MDB_NOTFOUND)
		return SVC_ENOTFOUND;
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	v->data = val.mv_data;
	v->len = val.mv_size;
	return 0;
}

static unsigned put_flags(unsigned flags)
{
	return (flags & SVC_KV_APPEND) ? MDB_APPEND : 0;
}

int svc_kv_put(svc_txn *t, int db, const void *k, size_t klen, const void *v, size_t vlen,
               unsigned flags)
{
	if (t->err)
		return t->err;
	MDB_val key = {klen, (void *)(uintptr_t)k};
	MDB_val val = {vlen, (void *)(uintptr_t)v};
	int rc = mdb_put(t->txn, t->s->dbi[db], &key, &val, put_flags(flags));
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	return 0;
}

int svc_kv_reserve(svc_txn *t, int db, const void *k, size_t klen, size_t vlen, unsigned flags,
                   void **out)
{
	if (t->err)
		return t->err;
	MDB_val key = {klen, (void *)(uintptr_t)k};
	MDB_val val = {vlen, NULL};
	int rc = mdb_put(t->txn, t->s->dbi[db], &key, &val, MDB_RESERVE | put_flags(flags));
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	*out = val.mv_data;
	return 0;
}

int svc_kv_del(svc_txn *t, int db, const void *k, size_t klen)
{
	if (t->err)
		return t->err;
	MDB_val key = {klen, (void *)(uintptr_t)k};
	int rc = mdb_del(t->txn, t->s->dbi[db], &key, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, db_names[db]);
	return 0;
}

int svc_kv_count(svc_txn *t, int db, uint64_t *n)
{
	MDB_stat st;
	*n = 0;
	if (t->err)
		return t->err;
	if (svc_kv_missing(t, db))
		return 0;
	int rc = mdb_stat(t->txn, t->s->dbi[db], &st);
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	*n = st.ms_entries;
	return 0;
}

int svc_kv_clear(svc_txn *t, int db)
{
	if (t->err)
		return t->err;
	if (svc_kv_missing(t, db))
		return 0;
	int rc = mdb_drop(t->txn, t->s->dbi[db], 0);
	return rc ? txn_mdb_fail(t, rc, db_names[db]) : 0;
}

bool svc_kv_missing(svc_txn *t, int db)
{
	return (t->s->missing >> db) & 1u;
}

int svc_kv_walk(svc_txn *t, int db, const void *from, size_t fromlen, const void *prefix,
                size_t plen, unsigned flags, svc_kv_walk_fn fn, void *arg)
{
	bool rev = (flags & SVC_KV_REVERSE) != 0;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, out = 0;

	if (t->err)
		return t->err;
	if (svc_kv_missing(t, db))
		return 0;
	rc = mdb_cursor_open(t->txn, t->s->dbi[db], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	if (!from) {
		rc = mdb_cursor_get(cur, &k, &v, rev ? MDB_LAST : MDB_FIRST);
	} else {
		k.mv_size = fromlen;
		k.mv_data = (void *)(uintptr_t)from;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rev && rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		else if (rev && rc == 0 &&
		         (k.mv_size != fromlen || memcmp(k.mv_data, from, fromlen) != 0))
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	}
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, rev ? MDB_PREV : MDB_NEXT)) {
		if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		svc_kv_val kv = {k.mv_data, k.mv_size}, vv = {v.mv_data, v.mv_size};
		out = fn(&kv, &vv, arg);
		if (out)
			break;
	}
	mdb_cursor_close(cur);
	if (!out && rc && rc != MDB_NOTFOUND)
		return txn_mdb_fail(t, rc, db_names[db]);
	return out;
}

int svc_kv_last_u64(svc_txn *t, int db, uint64_t *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	*out = 0;
	if (t->err)
		return t->err;
	if (svc_kv_missing(t, db))
		return 0;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &cur);
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return txn_mdb_fail(t, rc, db_names[db]);
	*out = k.mv_size == 8 ? svc_kv_be64_get(k.mv_data) : 0;
	return 0;
}

/* ------------------------------------------------------------ meta */

int svc_kv_meta_get_u64(svc_txn *t, const char *name, uint64_t *out)
{
	svc_kv_val v;
	int rc = svc_kv_get(t, SVC_DB_META, name, strlen(name), &v);
	if (rc)
		return rc;
	if (v.len != 8)
		return svc_errf(SVC_ESTORE, "store %s: meta %s is corrupt", t->s->dir, name);
	*out = svc_kv_be64_get(v.data);
	return 0;
}

int svc_kv_meta_put_u64(svc_txn *t, const char *name, uint64_t val)
{
	uint8_t b[8];
	svc_kv_be64_put(b, val);
	return svc_kv_put(t, SVC_DB_META, name, strlen(name), b, 8, 0);
}

int svc_kv_meta_u64_or0(svc_txn *t, const char *name, uint64_t *out)
{
	int rc = svc_kv_meta_get_u64(t, name, out);
	if (rc == SVC_ENOTFOUND) {
		*out = 0;
		svc_errclear();
		return t->err;
	}
	return rc;
}

static int meta_get_str(svc_txn *t, const char *name, char *out, size_t cap)
{
	svc_kv_val v;
	int rc = svc_kv_get(t, SVC_DB_META, name, strlen(name), &v);
	if (rc == SVC_ENOTFOUND) {
		out[0] = '\0';
		return 0;
	}
	if (rc)
		return rc;
	if (v.len >= cap)
		return svc_errf(SVC_ESTORE, "store %s: meta %s is corrupt", t->s->dir, name);
	memcpy(out, v.data, v.len);
	out[v.len] = '\0';
	return 0;
}

static int meta_get_bytes(svc_txn *t, const char *name, void *out, size_t len, size_t *got)
{
	svc_kv_val v;
	int rc = svc_kv_get(t, SVC_DB_META, name, strlen(name), &v);
	if (rc == SVC_ENOTFOUND) {
		if (got)
			*got = 0;
		return 0;
	}
	if (rc)
		return rc;
	if (got ? v.len > len : v.len != len)
		return svc_errf(SVC_ESTORE, "store %s: meta %s is corrupt", t->s->dir, name);
	memcpy(out, v.data, v.len);
	if (got)
		*got = v.len;
	return 0;
}

static int meta_put_str(svc_txn *t, const char *name, const char *val)
{
	return svc_kv_put(t, SVC_DB_META, name, strlen(name), val, strlen(val), 0);
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
	mdb_env_set_maxdbs(s->env, SVC_DB_COUNT_ + 8);
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
	for (int i = 0; i < SVC_DB_COUNT_; i++) {
		rc = mdb_dbi_open(txn, db_names[i], s->rdonly ? 0 : MDB_CREATE, &s->dbi[i]);
		if (rc == MDB_NOTFOUND && s->rdonly && i >= SVC_DB_REPLAY) {
			/* Databases are only ever appended, and the first
			 * stores were written with those before the replay
			 * table: a later one missing from a store written by
			 * an older version reads as empty. */
			s->missing |= UINT64_C(1) << i;
			rc = 0;
		}
		if (rc) {
			mdb_txn_abort(txn);
			goto fail_rc;
		}
	}
	MDB_val k = {6, (void *)(uintptr_t) "schema"}, v;
	rc = mdb_get(txn, s->dbi[SVC_DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && (flags & SVC_STORE_CREATE)) {
		uint8_t b[8];
		svc_kv_be64_put(b, SVC_SCHEMA_VERSION);
		v.mv_size = 8;
		v.mv_data = b;
		rc = mdb_put(txn, s->dbi[SVC_DB_META], &k, &v, 0);
	} else if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		svc_errf(SVC_ESTORE, "store %s: no schema version; not an svcsync store", dir);
		goto fail;
	} else if (rc == 0) {
		uint64_t ver = v.mv_size == 8 ? svc_kv_be64_get(v.mv_data) : 0;
		if (ver == 0 || ver > SVC_SCHEMA_VERSION) {
			mdb_txn_abort(txn);
			svc_errf(
			    SVC_EVERSION,
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

static void caches_flush(svc_txn *t)
{
	/* The modules above flush what they cached in the transaction. */
	for (int i = 0; i < t->non_commit; i++)
		t->on_commit[i](t);
	t->non_commit = 0;
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
		rc = svc_kv_meta_get_u64(t, "role", &role);
	if (!rc)
		rc = meta_get_str(t, "region", s.region, sizeof s.region);
	if (!rc)
		rc = meta_get_bytes(t, "store_id", s.store_id, sizeof s.store_id, NULL);
	if (!rc)
		rc = meta_get_bytes(t, "pubkey", s.pubkey, sizeof s.pubkey, NULL);
	if (!rc) {
		rc = svc_kv_meta_get_u64(t, "enrolled", &enrolled);
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
	svc_kv_meta_put_u64(t, "role", s->role);
	meta_put_str(t, "region", s->region);
	svc_kv_put(t, SVC_DB_META, "store_id", 8, s->store_id, sizeof s->store_id, 0);
	svc_kv_put(t, SVC_DB_META, "pubkey", 6, s->pubkey, sizeof s->pubkey, 0);
	svc_kv_meta_put_u64(t, "enrolled", s->enrolled);
	if (s->enrolled) {
		meta_put_str(t, "hq_node", s->hq_node);
		svc_kv_put(t, SVC_DB_META, "hq_pubkey", 9, s->hq_pubkey, sizeof s->hq_pubkey, 0);
		meta_put_str(t, "upstream", s->upstream);
		meta_put_str(t, "endpoint", s->endpoint);
		svc_kv_put(t, SVC_DB_META, "upstream_pubkey", 15, s->upstream_pubkey,
		           s->upstream[0] ? sizeof s->upstream_pubkey : 0, 0);
		svc_kv_put(t, SVC_DB_META, "cert_body", 9, s->cert.body, s->cert.body_len, 0);
		svc_kv_put(t, SVC_DB_META, "cert_sig", 8, s->cert.signature,
		           s->cert.body_len ? sizeof s->cert.signature : 0, 0);
	}
	if (t->err)
		return t->err;
	t->self = *s;
	t->self_loaded = true;
	return 0;
}

int svc_store_map_get(svc_txn *t, uint64_t *size, uint64_t *used)
{
	MDB_stat st;
	MDB_envinfo info;
	mdb_env_info(t->s->env, &info);
	mdb_env_stat(t->s->env, &st);
	*size = info.me_mapsize;
	*used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	return t->err;
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
int svc_store_install(const char *dir, const char *from, svc_write_fn mark, void *arg)
{
	char tmpdir[4200], tmpdata[4300], tmplock[4300], data[4200], lock[4200], keep[4200];
	svc_store *s = NULL;
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
		rc = svc_store_write(s, mark, arg);
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
	return rc;
}

/* A new store id: peers' positions in this node's log start over. */
int svc_store_new_id(svc_txn *t)
{
	svc_self self;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	svc_random(self.store_id, sizeof self.store_id);
	svc_kv_put(t, SVC_DB_META, "store_id", 8, self.store_id, sizeof self.store_id, 0);
	if (!t->err)
		t->self = self;
	return t->err;
}

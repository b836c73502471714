/*
 * bench_lmdb: the raw LMDB baselines svcsync's numbers are compared with.
 *
 * This is the one file of the bench that includes lmdb.h, on purpose: a
 * baseline must be LMDB with nothing of ours in between. It writes records
 * of the size of our encoded change under keys shaped like ours (origin \0
 * seq), with LMDB's default durable flags, in a fresh environment; and it
 * compacts a copy of a store (mdb_env_copy2 with MDB_CP_COMPACT) to see how
 * much of data.mdb is free pages.
 */
#include "bench_lmdb.h"

#include "bench_util.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RAW_MAP (16ULL << 30)

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "svcsync-bench: raw lmdb: %s: %s\n", what, mdb_strerror(rc));
	return -1;
}

static int raw_open(const char *dir, MDB_env **env, MDB_dbi *dbi)
{
	int rc;
	if (mkdir(dir, 0700) != 0)
		return fail(dir, -1);
	if ((rc = mdb_env_create(env)))
		return fail("create", rc);
	mdb_env_set_maxdbs(*env, 4);
	mdb_env_set_mapsize(*env, RAW_MAP);
	if ((rc = mdb_env_open(*env, dir, 0, 0600))) {
		mdb_env_close(*env);
		return fail("open", rc);
	}
	MDB_txn *txn;
	if ((rc = mdb_txn_begin(*env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, "changes", MDB_CREATE, dbi)) || (rc = mdb_txn_commit(txn))) {
		mdb_env_close(*env);
		return fail("dbi", rc);
	}
	return 0;
}

/* key: "shop-a" \0 seq(8), like ours; value: vsize bytes that vary by seq. */
static void record(uint64_t seq, uint8_t *k, uint8_t *v, size_t vsize)
{
	memcpy(k, "shop-a", 7);
	be64(k + 7, seq);
	uint64_t x = seq * 0x9E3779B97F4A7C15ULL;
	for (size_t i = 0; i + 8 <= vsize; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(v + i, &x, 8);
	}
}

int bench_raw_put(const char *dir, uint64_t n, size_t vsize, size_t batch, double *secs,
                  uint64_t *file_bytes)
{
	MDB_env *env;
	MDB_dbi dbi;
	uint8_t k[15];
	uint8_t *v = calloc(1, vsize + 8);
	int rc = 0;
	if (!v || raw_open(dir, &env, &dbi)) {
		free(v);
		return -1;
	}
	double t0 = bench_now_s();
	for (uint64_t seq = 1; seq <= n && !rc && !bench_interrupted;) {
		MDB_txn *txn;
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn))) {
			fail("begin", rc);
			break;
		}
		for (size_t i = 0; i < batch && seq <= n; i++, seq++) {
			record(seq, k, v, vsize);
			MDB_val key = {sizeof k, k}, val = {vsize, v};
			if ((rc = mdb_put(txn, dbi, &key, &val, 0))) {
				fail("put", rc);
				break;
			}
		}
		if (rc) {
			mdb_txn_abort(txn);
			break;
		}
		if ((rc = mdb_txn_commit(txn)))
			fail("commit", rc);
	}
	*secs = bench_now_s() - t0;
	mdb_env_close(env);
	free(v);
	char p[SVC_PATH_MAX];
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	if (file_bytes)
		*file_bytes = bench_file_size(p);
	return rc || bench_interrupted ? -1 : 0;
}

int bench_raw_commit_ms(const char *dir, size_t n, size_t vsize, double *ms)
{
	MDB_env *env;
	MDB_dbi dbi;
	uint8_t k[15];
	uint8_t *v = calloc(1, vsize + 8);
	int rc = 0;
	if (!v || raw_open(dir, &env, &dbi)) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		MDB_txn *txn;
		record(i + 1, k, v, vsize);
		MDB_val key = {sizeof k, k}, val = {vsize, v};
		uint64_t t0 = bench_now_ns();
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn))) {
			fail("begin", rc);
			break;
		}
		if ((rc = mdb_put(txn, dbi, &key, &val, 0))) {
			mdb_txn_abort(txn);
			fail("put", rc);
			break;
		}
		if ((rc = mdb_txn_commit(txn)))
			fail("commit", rc);
		ms[i] = (double)(bench_now_ns() - t0) / 1e6;
	}
	mdb_env_close(env);
	free(v);
	return rc ? -1 : 0;
}

int bench_compact_copy(const char *store_dir, const char *out_dir, uint64_t *bytes)
{
	MDB_env *env;
	int rc;
	*bytes = 0;
	if (mkdir(out_dir, 0700) != 0)
		return fail(out_dir, -1);
	if ((rc = mdb_env_create(&env)))
		return fail("create", rc);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_set_mapsize(env, RAW_MAP);
	if ((rc = mdb_env_open(env, store_dir, MDB_RDONLY, 0600))) {
		mdb_env_close(env);
		return fail("open for copy", rc);
	}
	rc = mdb_env_copy2(env, out_dir, MDB_CP_COMPACT);
	mdb_env_close(env);
	if (rc)
		return fail("compacting copy", rc);
	char p[SVC_PATH_MAX];
	snprintf(p, sizeof p, "%s/data.mdb", out_dir);
	*bytes = bench_file_size(p);
	return 0;
}

int bench_db_sizes(const char *store_dir, bench_db_size *out, size_t cap, size_t *n)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi main_dbi;
	MDB_val k, v;
	int rc;
	*n = 0;
	if ((rc = mdb_env_create(&env)))
		return fail("create", rc);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_set_mapsize(env, RAW_MAP);
	if ((rc = mdb_env_open(env, store_dir, MDB_RDONLY, 0600))) {
		mdb_env_close(env);
		return fail("open for stat", rc);
	}
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))) {
		mdb_env_close(env);
		return fail("begin", rc);
	}
	mdb_dbi_open(txn, NULL, 0, &main_dbi);
	mdb_cursor_open(txn, main_dbi, &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && *n < cap;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char name[sizeof out->name];
		MDB_dbi dbi;
		MDB_stat st;
		if (k.mv_size >= sizeof name)
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_stat(txn, dbi, &st))
			continue;
		bench_db_size *d = &out[(*n)++];
		snprintf(d->name, sizeof d->name, "%s", name);
		d->entries = st.ms_entries;
		d->bytes =
		    (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) *
		    st.ms_psize;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}

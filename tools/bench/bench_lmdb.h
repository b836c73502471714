/*
 * bench_lmdb: raw LMDB baselines for svcsync-bench (the bench's only user of
 * lmdb.h). Every function works on a directory of its own, never on a store
 * the bench holds open through libsvcsync.
 */
#ifndef SVC_BENCH_LMDB_H
#define SVC_BENCH_LMDB_H

#include <stddef.h>
#include <stdint.h>

/*
 * Put n records of vsize bytes, `batch` per durable write transaction, into
 * a fresh environment created at dir (which must not exist). *secs receives
 * the time from the first begin to the last commit; *file_bytes (may be NULL)
 * the size of data.mdb afterwards.
 */
int bench_raw_put(const char *dir, uint64_t n, size_t vsize, size_t batch, double *secs,
                  uint64_t *file_bytes);

/* n durable transactions of one record each; ms[i] is the i-th's latency. */
int bench_raw_commit_ms(const char *dir, size_t n, size_t vsize, double *ms);

/* Copy the store at store_dir to out_dir (must not exist) with compaction;
 * *bytes receives the copy's size. The store must not be open in this
 * process. */
int bench_compact_copy(const char *store_dir, const char *out_dir, uint64_t *bytes);

/* Pages used by each named database of a store (not open in this process). */
typedef struct {
	char name[32];
	uint64_t entries, bytes;
} bench_db_size;

int bench_db_sizes(const char *store_dir, bench_db_size *out, size_t cap, size_t *n);

#endif

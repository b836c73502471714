/*
 * store_kv: the key/value access that the store-side modules (journal, fold,
 * apply) share, private to lib/ and never installed.
 *
 * svc_store.c alone includes lmdb.h; the modules above it see named
 * databases, values as (pointer, length) pairs valid until the transaction
 * writes that database again or ends, and one cursor walk. Every call goes
 * through the transaction's sticky error (svc_store.h): after the first
 * failure each of them is a no-op returning that error. The key encoders
 * live here, once, because the journal writes the keys the fold reads.
 *
 * The transaction also carries the journal's and the fold's per-transaction
 * caches (the arrival lsn, the HLC, the head of the origin written last, the
 * last directory entry loaded), so a bulk write costs what it did when all of
 * this was one file; a module registers a flush that runs before commit.
 */
#ifndef SVC_STORE_KV_H
#define SVC_STORE_KV_H

#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The databases of one environment (see "Layout" in svc_journal.c). The
 * order is the order they are opened in; names are on disk. */
enum {
	SVC_DB_META,
	SVC_DB_CHANGES,
	SVC_DB_HEADS,
	SVC_DB_ARRIVAL,
	SVC_DB_AGGIDX,
	SVC_DB_REJECTS,
	SVC_DB_TICKETS,
	SVC_DB_CLAIMS,
	SVC_DB_TRANSFERS,
	SVC_DB_CATALOG,
	SVC_DB_NODES,
	SVC_DB_STOCK,
	SVC_DB_PEERS,
	SVC_DB_COMMITS,
	SVC_DB_QUARANTINE,
	SVC_DB_REPLAY,
	SVC_DB_DEPS,  /* the fold's dependency index (svc_fold_store.c) */
	SVC_DB_INDEX, /* the kinds' secondary indexes */
	SVC_DB_TALLY, /* the kinds' monthly tallies */
	/* policy */
	SVC_DB_POLICY,
	SVC_DB_GRADES,
	SVC_DB_MODELS,
	SVC_DB_FAULTS,
	/* customer */
	SVC_DB_CUSTOMERS,
	SVC_DB_UNITS,
	/* policy: ticket exceptions */
	SVC_DB_OVERRIDES,
	/* complaints */
	SVC_DB_COMPLAINTS,
	/* labor operations and the labor tariff */
	SVC_DB_LABOR,
	SVC_DB_TARIFF,
	/* old parts */
	SVC_DB_OLDPARTS,
	/* the shop's ledger */
	SVC_DB_STATEMENTS,
	/* shops */
	SVC_DB_SHOPS,
	SVC_DB_COUNT_
};

typedef struct {
	const void *data;
	size_t len;
} svc_kv_val;

/* SVC_ENOTFOUND (no error recorded) when the key is absent. */
int svc_kv_get(svc_txn *t, int db, const void *k, size_t klen, svc_kv_val *v);

enum {
	SVC_KV_APPEND = 1 << 0, /* the key sorts after every key of the database */
};
int svc_kv_put(svc_txn *t, int db, const void *k, size_t klen, const void *v, size_t vlen,
               unsigned flags);
/* Put a value of vlen bytes and return where to write it (*out): one copy
 * instead of two for large values. */
int svc_kv_reserve(svc_txn *t, int db, const void *k, size_t klen, size_t vlen, unsigned flags,
                   void **out);
/* Absent keys are no error. */
int svc_kv_del(svc_txn *t, int db, const void *k, size_t klen);
/* Entries in the database. */
int svc_kv_count(svc_txn *t, int db, uint64_t *n);
/* Remove every entry of a database (it stays open). */
int svc_kv_clear(svc_txn *t, int db);
/* The database was absent from a store opened read-only (it is then empty). */
bool svc_kv_missing(svc_txn *t, int db);

/*
 * The walk. Calls fn for each entry from key `from` (NULL: the first entry;
 * reverse: the last entry at or before `from`, or the last entry) while the
 * key starts with prefix[0..plen) (plen 0: to the end). fn returns 0 to go
 * on, non-zero to stop; that value is returned. Entries are valid during the
 * call; fn may write other databases, not the walked one.
 */
enum {
	SVC_KV_REVERSE = 1 << 0,
};
typedef int (*svc_kv_walk_fn)(const svc_kv_val *k, const svc_kv_val *v, void *arg);
int svc_kv_walk(svc_txn *t, int db, const void *from, size_t fromlen, const void *prefix,
                size_t plen, unsigned flags, svc_kv_walk_fn fn, void *arg);

/* The last key of a database keyed by big-endian u64 (0 when empty). */
int svc_kv_last_u64(svc_txn *t, int db, uint64_t *out);

/* The store's directory, for messages. */
const char *svc_kv_dir(svc_txn *t);

/* Record a corrupt-store error on the transaction (one line, printf-like). */
int svc_kv_corrupt(svc_txn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* meta entries: a big-endian u64, a string, fixed or bounded bytes. */
int svc_kv_meta_get_u64(svc_txn *t, const char *name, uint64_t *out);
int svc_kv_meta_put_u64(svc_txn *t, const char *name, uint64_t val);
/* Absent: 0 (and no error recorded). */
int svc_kv_meta_u64_or0(svc_txn *t, const char *name, uint64_t *out);

/* ------------------------------------------------------------ per-transaction caches */

/* The journal's: see svc_journal.c. */
typedef struct {
	bool writes_allowed; /* no restore blocks local writes (checked once) */

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
} svc_kv_journal_cache;

/* The fold's: the last directory entry loaded (a batch is runs of changes
 * from one origin, each of which needs its certificate). Dropped when any
 * node state is saved or deleted. */
typedef struct {
	bool node_cached, node_exists;
	char node_agg[SVC_AGG_LEN];
	svc_node node;
	/* The dependency index was seen empty in this transaction and has
	 * not been written since. */
	bool deps_empty;
	/* policy: the version in force on policy_day and the last region's
	 * grade read in this transaction (every ticket a bulk import opens
	 * asks both); dropped when a policy or grade state is written. */
	bool policy_cached, grade_cached;
	uint32_t policy_day, grade;
	svc_policy policy;
	char grade_region[SVC_ID_LEN];
} svc_kv_fold_cache;

svc_kv_journal_cache *svc_kv_journal(svc_txn *t);
svc_kv_fold_cache *svc_kv_fold(svc_txn *t);
/* Run fn(t) before the transaction commits (once per registered fn; a
 * failure sets the sticky error and the commit aborts). */
void svc_kv_on_commit(svc_txn *t, void (*fn)(svc_txn *t));
/* The identity loaded in this transaction (svc_self_get), or NULL. */
const svc_self *svc_kv_self(svc_txn *t);
/* See svc_txn_own_returns(). */
bool svc_kv_own_returns(svc_txn *t);

/* ------------------------------------------------------------ keys */

static inline void svc_kv_be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t svc_kv_be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* origin \0 seq(8): the key of a change, its reject and its commit. */
#define SVC_KV_OSKEY_LEN (SVC_ID_LEN + 8)

static inline size_t svc_kv_key_origin_seq(uint8_t *k, const char *origin, uint64_t seq)
{
	size_t n = strlen(origin);
	memcpy(k, origin, n + 1);
	svc_kv_be64_put(k + n + 1, seq);
	return n + 9;
}

/* SVC_EDECODE (error set) when the key is not origin \0 seq(8). */
int svc_kv_parse_origin_seq(const uint8_t *k, size_t len, char origin[SVC_ID_LEN], uint64_t *seq);

/*
 * The database key of an aggregate id. Ids end in the seq of the change that
 * created them ("T-shop-a-17"), and as text "T-shop-a-10" sorts before
 * "T-shop-a-2", so a node's new aggregates would land all over the tree and
 * leave its pages half full. The key spells the number as 16 hex digits after
 * a 0x01 byte (which no id contains), so one node's aggregates sort in the
 * order they were made and a bulk import appends. Other ids are used as they
 * are. The key never contains NUL, so it can be followed by a separator.
 */
#define SVC_KV_AGG_KEY_LEN (SVC_AGG_LEN + 18)
size_t svc_kv_agg_key(const char *agg, uint8_t out[SVC_KV_AGG_KEY_LEN]);
/* The aggregate id of a database key (svc_kv_agg_key's inverse). */
int svc_kv_agg_unkey(const uint8_t *k, size_t len, char out[SVC_AGG_LEN]);

/* aggregate-key \0 hlc(8) origin \0 seq(8): a change's place in fold order. */
#define SVC_KV_AGGIDX_KEY_LEN (SVC_KV_AGG_KEY_LEN + 1 + 8 + SVC_ID_LEN + 8)
size_t svc_kv_aggidx_key(uint8_t *k, const svc_change *c);

/* Stored change values: hash(32) lsn(8) encoded-change. */
#define SVC_KV_CHANGE_HDR (SVC_HASH_LEN + 8)

/* Decode a stored change value (SVC_EDECODE when malformed). */
int svc_kv_change_decode(const svc_kv_val *v, svc_change *c);

#endif

/*
 * test_store: the store's promises, checked against real LMDB files.
 *
 * Opening and refusing (missing store, existing store, newer schema), the
 * hash chain of local changes, map growth under a small first reservation,
 * atomicity when a writer dies before commit, idempotent and forged
 * replays, that folding late arrivals (re-fold) ends in the same bytes
 * as folding in order, and that a revocation's cut-off holds the same
 * changes out of the fold whether they arrive before or after it.
 */
#include "svc_apply.h"
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_rules.h"
#include "testlib.h"

#include <lmdb.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static svc_store *make_store(const char *dir, const char *node, uint32_t role, const char *region)
{
	svc_self self;
	memset(&self, 0, sizeof self);
	snprintf(self.node, sizeof self.node, "%s", node);
	self.role = role;
	snprintf(self.region, sizeof self.region, "%s", region);
	return svc_test_store(dir, &self);
}

/* A ticket as `shop` opens it for a walk-in customer (shop NULL: as a
 * region opens it, unassigned). */
static void ticket_body_at(svc_change *c, int i, const char *shop)
{
	memset(c, 0, sizeof *c);
	if (shop)
		snprintf(c->u.ticket_open.shop, sizeof c->u.ticket_open.shop, "%s", shop);
	c->kind = SVC_CK_TICKET_OPEN;
	c->u.ticket_open.kind = SVC_TK_REPAIR;
	snprintf(c->u.ticket_open.customer, sizeof c->u.ticket_open.customer, "客户 %d", i);
	snprintf(c->u.ticket_open.phone, sizeof c->u.ticket_open.phone, "138%08d", i);
	snprintf(c->u.ticket_open.product, sizeof c->u.ticket_open.product, "AC-3000");
	snprintf(c->u.ticket_open.fault, sizeof c->u.ticket_open.fault, "no cooling, unit %d", i);
}

static void ticket_body(svc_change *c, int i)
{
	ticket_body_at(c, i, "shop-a");
}

struct append_arg {
	int first, count;
	bool big;
};

static int append_tickets(svc_txn *t, void *argp)
{
	struct append_arg *a = argp;
	svc_change c;
	for (int i = a->first; i < a->first + a->count; i++) {
		ticket_body(&c, i);
		if (a->big)
			memset(c.u.ticket_open.fault, 'x', sizeof c.u.ticket_open.fault - 1);
		int rc = svc_apply_local(t, &c);
		if (rc)
			return rc;
	}
	return 0;
}

static void test_open_refusals(void)
{
	char *dir = svc_test_tmpdir("store-open");
	svc_store *s = NULL;
	char sub[SVC_PATH_MAX];
	snprintf(sub, sizeof sub, "%s/none", dir);
	CHECK_INT(svc_store_open(sub, 0, &s), SVC_ENOTFOUND);
	CHECK(strstr(svc_errmsg(), "svcsync init") != NULL);

	s = make_store(sub, "shop-a", SVC_ROLE_SHOP, "region-e");
	svc_store_close(&s);
	svc_store_close(&s); /* safe twice */
	CHECK_INT(svc_store_open(sub, SVC_STORE_CREATE, &s), SVC_EEXIST);

	/* A store from a newer schema is refused, not misread. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t v[8] = {0, 0, 0, 0, 0, 0, 0, 99};
	MDB_val k = {6, "schema"}, val = {8, v};
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	CHECK_INT(mdb_env_open(env, sub, 0, 0600), 0);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "meta", 0, &dbi);
	mdb_put(txn, dbi, &k, &val, 0);
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	CHECK_INT(svc_store_open(sub, 0, &s), SVC_EVERSION);
	CHECK(strstr(svc_errmsg(), "schema version 99") != NULL);
	CHECK(s == NULL);
	svc_test_rmdir(dir);
	free(dir);
}

static int count_ticket(const svc_ticket *tk, void *arg)
{
	(void)tk;
	(*(int *)arg)++;
	return 0;
}

static int count_replay(svc_txn *t, uint64_t id, const svc_change *c, void *arg)
{
	(void)t, (void)id, (void)c;
	(*(int *)arg)++;
	return 0;
}

static int count_entry(const char *value, const char *agg, void *arg)
{
	(void)value, (void)agg;
	(*(int *)arg)++;
	return 0;
}

/*
 * A store written by an older version lacks the databases added since (the
 * replay table, the fold's dependency index, indexes and tallies, HQ's
 * policy records). Read-only commands must read it as it is, those
 * databases as empty, and the first write must create them.
 */
static void test_older_store(void)
{
	static const char *const later[] = {"replay", "deps",   "index",  "tally",
	                                    "policy", "grades", "models", "faults"};
	char *dir = svc_test_tmpdir("store-older");
	svc_store *s = make_store(dir, "shop-a", SVC_ROLE_SHOP, "region-e");
	struct append_arg a = {1, 3, false};
	CHECK_INT(svc_store_write(s, append_tickets, &a), 0);
	svc_store_close(&s);

	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int dropped = 0;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 64);
	CHECK_INT(mdb_env_open(env, dir, 0, 0600), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
		if (mdb_dbi_open(txn, later[i], 0, &dbi) == 0 && mdb_drop(txn, dbi, 1) == 0)
			dropped++;
	CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	CHECK_INT(dropped, (int)(sizeof later / sizeof later[0]));

	svc_txn *t = NULL;
	int n = 0, replays = 0, entries = 0;
	int64_t tally = 1;
	CHECK_INT(svc_store_open(dir, SVC_STORE_RDONLY, &s), 0);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_fold_ticket_each(t, count_ticket, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(svc_replay_each(t, count_replay, &replays), 0);
	CHECK_INT(replays, 0);
	CHECK_INT(svc_fold_index_each(t, "phone", "138", true, count_entry, &entries), 0);
	CHECK_INT(entries, 0);
	CHECK_INT(svc_fold_tally_get(t, 202612, "tickets", "region-e", &tally), 0);
	CHECK_INT((int)tally, 0);
	svc_txn_abort(&t);
	svc_store_close(&s);

	/* The first write opens it read-write and creates what is missing. */
	CHECK_INT(svc_store_open(dir, 0, &s), 0);
	a.first = 4;
	a.count = 1;
	CHECK_INT(svc_store_write(s, append_tickets, &a), 0);
	svc_store_close(&s);
	svc_test_rmdir(dir);
	free(dir);
}

struct chain_check {
	uint64_t n;
	uint8_t prev[SVC_HASH_LEN];
	int broken;
	svc_txn *t;
};

static int chain_step(const svc_logged_change *lc, void *argp)
{
	struct chain_check *cc = argp;
	const uint8_t *bytes;
	size_t len;
	svc_logged_change again;
	uint8_t h[SVC_HASH_LEN];
	cc->n++;
	if (lc->c.seq != cc->n || memcmp(lc->c.prev_hash, cc->prev, SVC_HASH_LEN) != 0)
		cc->broken++;
	if (svc_journal_change_get(cc->t, lc->c.origin, lc->c.seq, &again, &bytes, &len) != 0)
		cc->broken++;
	svc_hash(bytes, len, h);
	if (memcmp(h, lc->hash, SVC_HASH_LEN) != 0)
		cc->broken++;
	memcpy(cc->prev, lc->hash, SVC_HASH_LEN);
	return 0;
}

static void test_chain_and_growth(void)
{
	char *dir = svc_test_tmpdir("store-grow");
	/* 1 MiB first reservation: 2,000 tickets of ~1.3 KB must grow it. */
	setenv("SVCSYNC_MAP_INITIAL", "1048576", 1);
	svc_store *s = make_store(dir, "shop-a", SVC_ROLE_SHOP, "region-e");
	unsetenv("SVCSYNC_MAP_INITIAL");
	struct append_arg a = {0, 2000, true};
	CHECK_INT(svc_store_write(s, append_tickets, &a), 0);
	svc_txn *t;
	svc_journal_stats st;
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_journal_stats_get(t, &st), 0);
	CHECK_INT(st.changes, 2000);
	CHECK_INT(st.tickets, 2000);
	CHECK(st.map_size > (1UL << 20));
	struct chain_check cc = {.t = t};
	CHECK_INT(svc_journal_each_from(t, 1, chain_step, &cc), 0);
	CHECK_INT(cc.n, 2000);
	CHECK_INT(cc.broken, 0);
	svc_ticket tk;
	char id[SVC_AGG_LEN];
	svc_rules_ticket_id(id, "shop-a", 1234);
	CHECK_INT(svc_fold_ticket_get(t, id, &tk), 0);
	CHECK_STR(tk.id, id);
	CHECK_INT(tk.status, SVC_TS_ASSIGNED);
	CHECK_STR(tk.shop, "shop-a");
	CHECK_STR(tk.region, "region-e");
	svc_txn_abort(&t);
	svc_store_close(&s);

	/* Reopened by a new process-like open, everything is still there. */
	CHECK_INT(svc_store_open(dir, 0, &s), 0);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_journal_stats_get(t, &st), 0);
	CHECK_INT(st.changes, 2000);
	svc_txn_abort(&t);
	svc_store_close(&s);
	svc_test_rmdir(dir);
	free(dir);
}

static void test_atomic_on_death(void)
{
	char *dir = svc_test_tmpdir("store-kill");
	svc_store *s = make_store(dir, "shop-a", SVC_ROLE_SHOP, "region-e");
	struct append_arg a = {0, 10, false};
	CHECK_INT(svc_store_write(s, append_tickets, &a), 0);
	svc_store_close(&s);

	/* A writer that dies mid-transaction leaves nothing behind. */
	pid_t pid = fork();
	if (pid == 0) {
		svc_store *cs = NULL;
		svc_txn *ct = NULL;
		if (svc_store_open(dir, 0, &cs) || svc_txn_begin(cs, true, &ct))
			_exit(3);
		struct append_arg b = {100, 500, false};
		append_tickets(ct, &b);
		_exit(0); /* no commit */
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK_INT(svc_store_open(dir, 0, &s), 0);
	svc_txn *t;
	svc_journal_stats st;
	uint64_t seq;
	uint8_t h[SVC_HASH_LEN];
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_journal_stats_get(t, &st), 0);
	CHECK_INT(st.changes, 10);
	CHECK_INT(st.lsn, 10);
	CHECK_INT(svc_journal_head_get(t, "shop-a", &seq, h), 0);
	CHECK_INT(seq, 10);
	svc_txn_abort(&t);
	/* And the next write continues the chain without a gap. */
	struct append_arg b = {10, 1, false};
	CHECK_INT(svc_store_write(s, append_tickets, &b), 0);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_journal_head_get(t, "shop-a", &seq, h), 0);
	CHECK_INT(seq, 11);
	svc_txn_abort(&t);
	svc_store_close(&s);
	svc_test_rmdir(dir);
	free(dir);
}

/* A local refusal stores nothing and leaves the transaction usable. */
static void test_local_refusal(void)
{
	char *dir = svc_test_tmpdir("store-refuse");
	svc_store *s = make_store(dir, "shop-a", SVC_ROLE_SHOP, "region-e");
	svc_txn *t;
	svc_change c;
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	ticket_body(&c, 1);
	snprintf(c.u.ticket_open.phone, sizeof c.u.ticket_open.phone, "12ab");
	CHECK_INT(svc_apply_local(t, &c), SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "phone") != NULL);
	/* A shop may not put catalog entries. */
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_CATALOG_PUT;
	snprintf(c.u.catalog_put.part_no, sizeof c.u.catalog_put.part_no, "P-1");
	snprintf(c.u.catalog_put.name, sizeof c.u.catalog_put.name, "fan");
	svc_rules_catalog_agg(c.aggregate, "P-1");
	CHECK_INT(svc_apply_local(t, &c), SVC_EDENIED);
	ticket_body(&c, 2);
	CHECK_INT(svc_apply_local(t, &c), 0);
	CHECK_INT(c.seq, 1);
	CHECK_INT(svc_txn_commit(&t), 0);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	svc_journal_stats st;
	CHECK_INT(svc_journal_stats_get(t, &st), 0);
	CHECK_INT(st.changes, 1);
	svc_txn_abort(&t);
	svc_store_close(&s);
	svc_test_rmdir(dir);
	free(dir);
}

/* --------------------------------------------------------- replay and refold */

struct collected {
	size_t n;
	svc_change c[64];
	uint8_t bytes[64][SVC_CHANGE_MAX];
	size_t len[64];
};

static int collect(const svc_logged_change *lc, void *argp)
{
	struct collected *col = argp;
	svc_change c = lc->c;
	if (col->n >= 64)
		return 1;
	col->c[col->n] = c;
	CHECK_INT(
	    svc_codec_change_encode(&c, col->bytes[col->n], SVC_CHANGE_MAX, &col->len[col->n]), 0);
	col->n++;
	return 0;
}

struct write_change_arg {
	svc_change c;
	int rc;
};

static int write_one(svc_txn *t, void *argp)
{
	struct write_change_arg *w = argp;
	w->rc = svc_apply_local(t, &w->c);
	return w->rc;
}

static void local(svc_store *s, svc_change *c)
{
	struct write_change_arg w = {*c, 0};
	CHECK_INT(svc_store_write(s, write_one, &w), 0);
	*c = w.c;
}

/* Changes from three nodes about one ticket, including a concurrent pair
 * the fold must reject one of, then replayed into fresh stores in order and
 * reversed; states must be byte-identical. */
static struct collected *history(const char *base)
{
	char d1[SVC_PATH_MAX], d2[SVC_PATH_MAX], d3[SVC_PATH_MAX];
	snprintf(d1, sizeof d1, "%s/region", base);
	snprintf(d2, sizeof d2, "%s/shop-a", base);
	snprintf(d3, sizeof d3, "%s/shop-b", base);
	svc_store *region = make_store(d1, "region-e", SVC_ROLE_REGION, "region-e");
	svc_store *sa = make_store(d2, "shop-a", SVC_ROLE_SHOP, "region-e");
	svc_store *sb = make_store(d3, "shop-b", SVC_ROLE_SHOP, "region-e");
	struct collected *col = calloc(1, sizeof *col);
	svc_change c;
	char tid[SVC_AGG_LEN];
	uint8_t h[SVC_HASH_LEN];

	ticket_body_at(&c, 7, NULL);
	local(region, &c);
	snprintf(tid, sizeof tid, "%s", c.aggregate);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_ASSIGN;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tid);
	snprintf(c.u.ticket_assign.shop, sizeof c.u.ticket_assign.shop, "shop-a");
	local(region, &c);

	/* shop-a and shop-b learn of the ticket the way replication would. */
	svc_txn *t;
	svc_txn_begin(region, false, &t);
	struct collected *rc0 = calloc(1, sizeof *rc0);
	svc_journal_each_from(t, 1, collect, rc0);
	svc_txn_abort(&t);
	svc_store *peers[2] = {sa, sb};
	for (int p = 0; p < 2; p++) {
		svc_txn_begin(peers[p], true, &t);
		for (size_t i = 0; i < rc0->n; i++)
			CHECK_INT(svc_apply_remote(t, rc0->bytes[i], rc0->len[i], &rc0->c[i], true,
			                           false, h),
			          0);
		CHECK_INT(svc_txn_commit(&t), 0);
	}
	free(rc0);

	/* shop-a accepts and goes on site; then the region, not yet aware,
	 * re-assigns to shop-b: invalid once the ticket is on site, so the
	 * fold must reject it, in whatever order the changes arrive. */
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_STATUS;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tid);
	c.u.ticket_status.status = SVC_TS_ACCEPTED;
	local(sa, &c);
	c.u.ticket_status.status = SVC_TS_ON_SITE;
	local(sa, &c);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_ASSIGN;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tid);
	snprintf(c.u.ticket_assign.shop, sizeof c.u.ticket_assign.shop, "shop-b");
	local(region, &c);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_NOTE;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tid);
	snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "customer asked for Sunday");
	local(sa, &c);

	svc_store *all[3] = {region, sa, sb};
	for (int p = 0; p < 3; p++) {
		svc_txn_begin(all[p], false, &t);
		svc_journal_each_from(t, 1, collect, col);
		svc_txn_abort(&t);
	}
	for (int p = 0; p < 3; p++)
		svc_store_close(&all[p]);
	return col;
}

struct snap {
	uint8_t bytes[SVC_STATE_MAX];
	size_t len;
	uint64_t rejected;
};

static void replay(const char *dir, struct collected *col, const size_t *order, struct snap *out)
{
	svc_store *s = make_store(dir, "hq", SVC_ROLE_HQ, "");
	svc_txn *t;
	uint8_t h[SVC_HASH_LEN];
	char tid[SVC_AGG_LEN] = "";
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	for (size_t i = 0; i < col->n; i++) {
		const svc_change *c = &col->c[order[i]];
		int rc = svc_apply_remote(t, col->bytes[order[i]], col->len[order[i]], c, true,
		                          false, h);
		CHECK(rc == 0 || rc == 1);
		if (c->kind == SVC_CK_TICKET_OPEN)
			snprintf(tid, sizeof tid, "%s", c->aggregate);
	}
	CHECK_INT(svc_txn_commit(&t), 0);
	svc_ticket tk;
	svc_journal_stats st;
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_fold_ticket_get(t, tid, &tk), 0);
	CHECK_INT(svc_codec_ticket_encode(&tk, out->bytes, sizeof out->bytes, &out->len), 0);
	svc_journal_stats_get(t, &st);
	out->rejected = st.rejected;
	svc_txn_abort(&t);
	svc_store_close(&s);
}

static void test_replay_and_refold(void)
{
	char *base = svc_test_tmpdir("store-refold");
	struct collected *col = history(base);
	size_t order[64], rev[64];
	uint8_t h[SVC_HASH_LEN];
	/* Dedup and keep each origin's own order (a chain must arrive in
	 * order), but interleave origins backwards. */
	size_t n = 0;
	for (size_t i = 0; i < col->n; i++) {
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(col->c[order[j]].origin, col->c[i].origin) == 0 &&
			    col->c[order[j]].seq == col->c[i].seq)
				dup = true;
		if (!dup)
			order[n++] = i;
	}
	/* Reverse by origin blocks: shop-b's, then shop-a's, then region's. */
	size_t m = 0;
	const char *origins[3] = {"shop-b", "shop-a", "region-e"};
	for (int o = 0; o < 3; o++)
		for (size_t i = 0; i < n; i++)
			if (strcmp(col->c[order[i]].origin, origins[o]) == 0)
				rev[m++] = order[i];
	CHECK_INT(m, n);
	col->n = n;
	/* replay() indexes col->c by order[], so compact the set first. */
	struct collected *uniq = calloc(1, sizeof *uniq);
	for (size_t i = 0; i < n; i++) {
		uniq->c[i] = col->c[order[i]];
		memcpy(uniq->bytes[i], col->bytes[order[i]], col->len[order[i]]);
		uniq->len[i] = col->len[order[i]];
		for (size_t j = 0; j < n; j++)
			if (rev[j] == order[i])
				rev[j] = i;
	}
	uniq->n = n;
	size_t ident[64];
	for (size_t i = 0; i < n; i++)
		ident[i] = i;

	struct snap a, b;
	char d1[SVC_PATH_MAX], d2[SVC_PATH_MAX];
	snprintf(d1, sizeof d1, "%s/in-order", base);
	snprintf(d2, sizeof d2, "%s/reversed", base);
	replay(d1, uniq, ident, &a);
	replay(d2, uniq, rev, &b);
	CHECK_INT(a.len, b.len);
	CHECK(a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0);
	CHECK_INT(a.rejected, b.rejected);
	/* The re-assignment and the shop's work are concurrent (the region
	 * had not seen the shop's changes): which loses depends on their
	 * clocks, but something is refused, and the same on both stores. */
	CHECK(a.rejected >= 1);

	/* Replaying a change is a no-op; a forged twin is refused. */
	svc_store *s;
	svc_txn *t;
	CHECK_INT(svc_store_open(d1, 0, &s), 0);
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	CHECK_INT(svc_apply_remote(t, uniq->bytes[0], uniq->len[0], &uniq->c[0], true, false, h),
	          1);
	svc_change forged = uniq->c[0];
	uint8_t fb[SVC_CHANGE_MAX];
	size_t flen;
	snprintf(forged.u.ticket_open.customer, sizeof forged.u.ticket_open.customer, "Mallory");
	CHECK_INT(svc_codec_change_encode(&forged, fb, sizeof fb, &flen), 0);
	CHECK_INT(svc_apply_remote(t, fb, flen, &forged, true, false, h), SVC_ECRYPTO);
	svc_txn_abort(&t);
	svc_store_close(&s);

	free(uniq);
	free(col);
	svc_test_rmdir(base);
	free(base);
}

/* ------------------------------------------------------------ revocation cut-off */

/* Apply every change of `from`'s log that `to` lacks, in `from`'s order. */
static void pull(svc_store *to, svc_store *from)
{
	struct collected *col = calloc(1, sizeof *col);
	svc_txn *t;
	uint8_t h[SVC_HASH_LEN];
	CHECK_INT(svc_txn_begin(from, false, &t), 0);
	svc_journal_each_from(t, 1, collect, col);
	svc_txn_abort(&t);
	CHECK_INT(svc_txn_begin(to, true, &t), 0);
	for (size_t i = 0; i < col->n; i++) {
		int rc =
		    svc_apply_remote(t, col->bytes[i], col->len[i], &col->c[i], false, false, h);
		if (rc < 0)
			fprintf(stderr, "  pull %s/%llu: %s\n", col->c[i].origin,
			        (unsigned long long)col->c[i].seq, svc_errmsg());
		CHECK(rc == 0 || rc == 1);
	}
	CHECK_INT(svc_txn_commit(&t), 0);
	free(col);
}

/* Apply the changes of shop-a's log with seq in [from, to]. */
static void pull_seqs(svc_store *dst, svc_store *shop, uint64_t from, uint64_t to)
{
	struct collected *col = calloc(1, sizeof *col);
	svc_txn *t;
	uint8_t h[SVC_HASH_LEN];
	CHECK_INT(svc_txn_begin(shop, false, &t), 0);
	svc_journal_each_from(t, 1, collect, col);
	svc_txn_abort(&t);
	CHECK_INT(svc_txn_begin(dst, true, &t), 0);
	for (size_t i = 0; i < col->n; i++)
		if (strcmp(col->c[i].origin, "shop-a") == 0 && col->c[i].seq >= from &&
		    col->c[i].seq <= to)
			CHECK_INT(svc_apply_remote(t, col->bytes[i], col->len[i], &col->c[i], false,
			                           false, h),
			          0);
	CHECK_INT(svc_txn_commit(&t), 0);
	free(col);
}

static int held_seq(const svc_logged_change *lc, void *arg)
{
	uint64_t *mask = arg;
	if (lc->c.seq < 64)
		*mask |= 1ull << lc->c.seq;
	return 0;
}

/* What a store folded of shop-a's work: T1's state, whether T2 exists, the
 * stock at shop-a and which of shop-a's seqs are held. */
struct cut_view {
	uint8_t t1[SVC_STATE_MAX];
	size_t t1_len;
	bool t2;
	int64_t on_hand;
	uint64_t held;
	uint64_t cutoff;
};

static void cut_view_of(svc_store *s, const char *t1, const char *t2, struct cut_view *v)
{
	svc_txn *t;
	svc_ticket tk;
	svc_stock st;
	svc_node n;
	memset(v, 0, sizeof *v);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_fold_ticket_get(t, t1, &tk), 0);
	CHECK_INT(svc_codec_ticket_encode(&tk, v->t1, sizeof v->t1, &v->t1_len), 0);
	v->t2 = svc_fold_ticket_get(t, t2, &tk) == 0;
	svc_errclear();
	CHECK_INT(svc_fold_stock_get(t, "shop-a", "P-1", &st), 0);
	v->on_hand = st.on_hand;
	CHECK_INT(svc_journal_held_each(t, "shop-a", held_seq, &v->held), 0);
	CHECK_INT(svc_fold_node_get(t, "shop-a", &n), 0);
	v->cutoff = n.revoked ? n.cutoff_seq : UINT64_MAX;
	svc_txn_abort(&t);
}

static bool cut_view_eq(const struct cut_view *a, const struct cut_view *b)
{
	return a->t1_len == b->t1_len && memcmp(a->t1, b->t1, a->t1_len) == 0 && a->t2 == b->t2 &&
	       a->on_hand == b->on_hand && a->held == b->held && a->cutoff == b->cutoff;
}

static svc_store *enrolled(const char *base, const char *id, uint32_t role, const char *region,
                           const char *upstream, svc_store *hq, const svc_keypair *hq_kp)
{
	char dir[SVC_PATH_MAX];
	svc_store *s = NULL;
	svc_keypair *kp = NULL;
	uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX];
	size_t rlen, blen;
	svc_approve_opts o = {upstream, "tcp://127.0.0.1:7700", 0};
	snprintf(dir, sizeof dir, "%s/%s", base, id);
	CHECK_INT(svc_identity_init(dir, id, role, region, &s), 0);
	CHECK_INT(svc_identity_key(dir, &kp), 0);
	CHECK_INT(svc_enroll_make_request(s, kp, req, sizeof req, &rlen), 0);
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, rlen, &o, bundle, sizeof bundle, &blen, NULL),
	          0);
	CHECK_INT(svc_enroll_accept(s, bundle, blen, hq_kp->pk), 0);
	svc_keypair_destroy(&kp);
	return s;
}

/*
 * shop-a writes four changes (T1 open and accepted, T2 open, a stock
 * adjustment); HQ holds the first two when it revokes shop-a, so the
 * cut-off is seq 2, and every later change is stamped before the
 * revocation. HQ gets seqs 3 and 4 after the revocation; the region gets
 * all four first and the revocation last (it must take 3 and 4 back out).
 * Both end with the same state; a release at HQ lets them in on both.
 */
static void test_revocation_cutoff(void)
{
	char *base = svc_test_tmpdir("store-cutoff");
	char dir[SVC_PATH_MAX];
	svc_store *hq = NULL;
	svc_keypair *hq_kp = NULL;
	snprintf(dir, sizeof dir, "%s/hq", base);
	CHECK_INT(svc_identity_init(dir, "hq", SVC_ROLE_HQ, "", &hq), 0);
	CHECK_INT(svc_identity_key(dir, &hq_kp), 0);
	svc_store *re = enrolled(base, "region-e", SVC_ROLE_REGION, "region-e", "hq", hq, hq_kp);
	svc_store *sa = enrolled(base, "shop-a", SVC_ROLE_SHOP, "region-e", "region-e", hq, hq_kp);
	pull(re, hq);
	pull(sa, hq);

	svc_change c;
	char t1[SVC_AGG_LEN], t2[SVC_AGG_LEN];
	ticket_body_at(&c, 1, "shop-a");
	local(sa, &c);
	snprintf(t1, sizeof t1, "%s", c.aggregate);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_STATUS;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", t1);
	c.u.ticket_status.status = SVC_TS_ACCEPTED;
	local(sa, &c);
	ticket_body_at(&c, 2, "shop-a");
	local(sa, &c);
	snprintf(t2, sizeof t2, "%s", c.aggregate);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_PART_MOVE;
	c.u.part_move.kind = SVC_MV_ADJUST;
	snprintf(c.u.part_move.location, sizeof c.u.part_move.location, "shop-a");
	snprintf(c.u.part_move.part_no, sizeof c.u.part_move.part_no, "P-1");
	snprintf(c.u.part_move.reason, sizeof c.u.part_move.reason, "count");
	c.u.part_move.qty = 5;
	svc_rules_move_agg(c.aggregate, "shop-a", "P-1");
	local(sa, &c);

	/* HQ holds seqs 1..2 when it revokes; the region holds all four. */
	pull_seqs(hq, sa, 1, 2);
	pull_seqs(re, sa, 1, 4);
	struct cut_view before;
	cut_view_of(re, t1, t2, &before);
	CHECK(before.t2);
	CHECK_INT(before.on_hand, 5);
	CHECK_INT(svc_identity_revoke(hq, "shop-a", "withdrawn", NULL), 0);
	pull_seqs(hq, sa, 3, 4); /* after the revocation, stamped before it */
	pull(re, hq);            /* the revocation reaches the region last */

	struct cut_view at_hq, at_re;
	cut_view_of(hq, t1, t2, &at_hq);
	cut_view_of(re, t1, t2, &at_re);
	CHECK_INT(at_hq.cutoff, 2);
	CHECK(!at_hq.t2);
	CHECK_INT(at_hq.on_hand, 0);
	CHECK_INT(at_hq.held, (1u << 3) | (1u << 4));
	CHECK(cut_view_eq(&at_hq, &at_re));

	/* Only HQ releases; a region's own attempt is refused by name. */
	CHECK_INT(svc_identity_release(re, "shop-a", 4, "reviewed", NULL), SVC_EDENIED);
	CHECK(strstr(svc_errmsg(), "only HQ") != NULL);
	svc_errclear();
	CHECK_INT(svc_identity_release(hq, "shop-a", 2, "reviewed", NULL), SVC_EINVAL);
	svc_errclear();
	uint64_t released = 0;
	CHECK_INT(svc_identity_release(hq, "shop-a", 3, "reviewed: T2 was real", &released), 0);
	CHECK_INT(released, 1);
	cut_view_of(hq, t1, t2, &at_hq);
	CHECK(at_hq.t2);
	CHECK_INT(at_hq.on_hand, 0); /* seq 4 is still held */
	CHECK_INT(at_hq.held, 1u << 4);
	pull(re, hq);
	cut_view_of(re, t1, t2, &at_re);
	CHECK(cut_view_eq(&at_hq, &at_re));
	CHECK_INT(svc_identity_release(hq, "shop-a", 4, "reviewed: the count too", &released), 0);
	CHECK_INT(released, 1);
	pull(re, hq);
	cut_view_of(hq, t1, t2, &at_hq);
	cut_view_of(re, t1, t2, &at_re);
	CHECK_INT(at_hq.on_hand, 5);
	CHECK_INT(at_hq.held, 0);
	CHECK(cut_view_eq(&at_hq, &at_re));

	svc_store_close(&sa);
	svc_store_close(&re);
	svc_store_close(&hq);
	svc_keypair_destroy(&hq_kp);
	svc_test_rmdir(base);
	free(base);
}

int main(void)
{
	if (svc_crypto_init())
		return 2;
	test_open_refusals();
	test_older_store();
	test_chain_and_growth();
	test_atomic_on_death();
	test_local_refusal();
	test_replay_and_refold();
	test_revocation_cutoff();
	return svc_test_done();
}

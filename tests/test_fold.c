/*
 * test_fold: the fold engine's extension points (svc_fold.h), run through
 * the store's own driver with fixture kinds, over memory and over a real
 * LMDB store.
 *
 * Two fixture kinds stand for what the next record kinds need: an "order"
 * (O:<n>) whose spends are checked against an "account" (A:<n>) as of the
 * spend's place in fold order, and an account whose close is refused while
 * its order has spent anything, so the two read each other (a cycle). The
 * order declares index entries (its account, a status, its amount) and
 * monthly tallies (amount spent per account, orders per month); the account
 * an index entry and a tally of its balance. Months come from the changes'
 * HLCs, set around a month's end, so a re-fold moves a tally from one
 * month to another.
 *
 * Checked: every order of arrival gives the same states, rejections, index
 * entries and tallies as a fold in sorted order, in memory and in the
 * store; a late change to the account folds the order again within the
 * same svc_fold_change() call; index entries and tallies follow re-folds;
 * reads of an undeclared record are refused; and a pair of kinds whose
 * checks never settle is stopped by the cascade bound.
 */
#include "store_kv.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_journal.h"
#include "testlib.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ fixture kinds */

enum { FX_ACCOUNT = SVC_AGG_MAX_, FX_ORDER, FX_NKINDS };

typedef struct {
	char id[SVC_AGG_LEN];
	int64_t balance;
	uint32_t closed;
	uint32_t month; /* of its opening */
	svc_fold_pos last;
} fx_account;

typedef struct {
	char id[SVC_AGG_LEN];
	char account[SVC_AGG_LEN];
	int64_t spent;
	uint32_t n;
	uint32_t month; /* of its last accepted spend */
	svc_fold_pos last;
} fx_order;

/* A change's verb and arguments, from its note text. */
typedef struct {
	char verb[16];
	long long amount;
	char account[SVC_AGG_LEN];
} fx_op;

static void op_of(const svc_change *c, fx_op *op)
{
	memset(op, 0, sizeof *op);
	sscanf(c->u.ticket_note.text, "%15s %lld %71s", op->verb, &op->amount, op->account);
}

static uint32_t month_of(const svc_change *c)
{
	time_t sec = (time_t)((c->hlc >> 16) / 1000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	return (uint32_t)((tm.tm_year + 1900) * 100 + tm.tm_mon + 1);
}

static void set_last(svc_fold_pos *p, const svc_change *c)
{
	memset(p, 0, sizeof *p);
	p->hlc = c->hlc;
	snprintf(p->origin, sizeof p->origin, "%s", c->origin);
	p->seq = c->seq;
}

static int reject(char *reason, size_t len, const char *why)
{
	snprintf(reason, len, "%s", why);
	return SVC_EREJECT;
}

static int account_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	fx_account *a = state;
	fx_op op;
	op_of(c, &op);
	if (strcmp(op.verb, "open") == 0) {
		if (exists)
			return reject(reason, len, "account already open");
		memset(a, 0, sizeof *a);
		snprintf(a->id, sizeof a->id, "%s", c->aggregate);
		a->month = month_of(c);
	} else if (!exists) {
		return reject(reason, len, "no such account");
	} else if (a->closed) {
		return reject(reason, len, "account closed");
	} else if (strcmp(op.verb, "deposit") == 0) {
		a->balance += op.amount;
	} else if (strcmp(op.verb, "close") == 0) {
		a->closed = 1;
	} else {
		return reject(reason, len, "unknown verb");
	}
	set_last(&a->last, c);
	return 0;
}

static int order_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	fx_order *o = state;
	fx_op op;
	op_of(c, &op);
	if (strcmp(op.verb, "spend") != 0)
		return reject(reason, len, "unknown verb");
	if (!exists) {
		memset(o, 0, sizeof *o);
		snprintf(o->id, sizeof o->id, "%s", c->aggregate);
		snprintf(o->account, sizeof o->account, "%s", op.account);
	} else if (strcmp(o->account, op.account) != 0) {
		return reject(reason, len, "another account");
	}
	o->spent += op.amount;
	o->n++;
	o->month = month_of(c);
	set_last(&o->last, c);
	return 0;
}

static const svc_rules account_rules = {"account", sizeof(fx_account), account_step};
static const svc_rules order_rules = {"order", sizeof(fx_order), order_step};

/* Misbehaviour on demand: checks whose verdict on a change flips each time
 * it is judged (not a function of the records), so every re-fold changes
 * something and its dependents must fold again. */
static int g_chaos, g_chaos_calls;
static int g_judged[64];

static int chaos(const svc_change *c, char *reason, size_t len)
{
	g_chaos_calls++;
	int i = (int)(c->seq * 8 + (unsigned char)c->origin[0] % 8) % 64;
	return g_judged[i]++ % 2 ? reject(reason, len, "chaos") : 0;
}

/* A spend reads the account it names. */
static int order_reads(const svc_change *c, const void *state, bool exists,
                       svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	fx_op op;
	op_of(c, &op);
	if (!op.account[0])
		return 0;
	out[0].type = FX_ACCOUNT;
	snprintf(out[0].agg, sizeof out[0].agg, "%s", op.account);
	return 1;
}

static int order_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                       char *reason, size_t len)
{
	const fx_order *o = state;
	fx_op op;
	fx_account a;
	bool have;
	op_of(c, &op);
	if (g_chaos)
		return chaos(c, reason, len);
	int rc = svc_fold_read(rd, FX_ACCOUNT, op.account, &a, &have);
	if (rc)
		return rc;
	if (!have)
		return reject(reason, len, "no such account yet");
	if (a.closed)
		return reject(reason, len, "account closed");
	if ((exists ? o->spent : 0) + op.amount > a.balance)
		return reject(reason, len, "over the balance");
	return 0;
}

/* A close reads the account's order (A:n reads O:n). */
static int account_reads(const svc_change *c, const void *state, bool exists,
                         svc_fold_ref out[SVC_FOLD_READS_MAX])
{
	(void)state;
	(void)exists;
	fx_op op;
	op_of(c, &op);
	if (strcmp(op.verb, "close") != 0)
		return 0;
	out[0].type = FX_ORDER;
	snprintf(out[0].agg, sizeof out[0].agg, "O:%s", c->aggregate + 2);
	return 1;
}

static int account_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                         char *reason, size_t len)
{
	(void)state;
	(void)exists;
	fx_op op;
	fx_order o;
	bool have;
	char agg[SVC_AGG_LEN];
	op_of(c, &op);
	if (strcmp(op.verb, "close") != 0)
		return 0;
	if (g_chaos)
		return chaos(c, reason, len);
	snprintf(agg, sizeof agg, "O:%s", c->aggregate + 2);
	int rc = svc_fold_read(rd, FX_ORDER, agg, &o, &have);
	if (rc)
		return rc;
	if (have && o.spent > 0)
		return reject(reason, len, "its order has spent");
	return 0;
}

static int order_indexes(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX])
{
	const fx_order *o = state;
	memset(out, 0, 3 * sizeof *out);
	snprintf(out[0].name, sizeof out[0].name, "account");
	snprintf(out[0].value, sizeof out[0].value, "%.63s", o->account);
	snprintf(out[1].name, sizeof out[1].name, "status");
	snprintf(out[1].value, sizeof out[1].value, "%s", o->spent >= 10 ? "big" : "small");
	snprintf(out[2].name, sizeof out[2].name, "spent");
	snprintf(out[2].value, sizeof out[2].value, "%08" PRId64, o->spent);
	return 3;
}

static int order_tallies(const void *state, svc_fold_tally_entry out[SVC_FOLD_TALLY_MAX])
{
	const fx_order *o = state;
	memset(out, 0, 2 * sizeof *out);
	out[0].month = out[1].month = o->month;
	snprintf(out[0].name, sizeof out[0].name, "spent");
	snprintf(out[0].scope, sizeof out[0].scope, "%s", o->account + 2);
	out[0].delta = o->spent;
	snprintf(out[1].name, sizeof out[1].name, "orders");
	out[1].delta = 1;
	return 2;
}

static int account_indexes(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX])
{
	const fx_account *a = state;
	memset(out, 0, sizeof *out);
	snprintf(out[0].name, sizeof out[0].name, "state");
	snprintf(out[0].value, sizeof out[0].value, "%s", a->closed ? "closed" : "open");
	return 1;
}

static int account_tallies(const void *state, svc_fold_tally_entry out[SVC_FOLD_TALLY_MAX])
{
	const fx_account *a = state;
	memset(out, 0, sizeof *out);
	out[0].month = a->month;
	snprintf(out[0].name, sizeof out[0].name, "balance");
	out[0].delta = a->balance;
	return 1;
}

/* States are stored as their bytes: the fixture needs no codec. */
static int raw_encode_account(const void *s, uint8_t *buf, size_t cap, size_t *len)
{
	if (cap < sizeof(fx_account))
		return SVC_EINVAL;
	memcpy(buf, s, sizeof(fx_account));
	*len = sizeof(fx_account);
	return 0;
}

static int raw_decode_account(const uint8_t *buf, size_t len, void *s)
{
	if (len != sizeof(fx_account))
		return SVC_EDECODE;
	memcpy(s, buf, len);
	return 0;
}

static int raw_encode_order(const void *s, uint8_t *buf, size_t cap, size_t *len)
{
	if (cap < sizeof(fx_order))
		return SVC_EINVAL;
	memcpy(buf, s, sizeof(fx_order));
	*len = sizeof(fx_order);
	return 0;
}

static int raw_decode_order(const uint8_t *buf, size_t len, void *s)
{
	if (len != sizeof(fx_order))
		return SVC_EDECODE;
	memcpy(s, buf, len);
	return 0;
}

/* Both live in the store's catalog database: their ids ("A:", "O:") never
 * meet a part's ("P:"), and the store under test holds nothing else. */
static const svc_fold_kind fx_kinds[FX_NKINDS] = {
    [FX_ACCOUNT] = {.type = (svc_agg_type)FX_ACCOUNT,
                    .name = "account",
                    .db = SVC_DB_CATALOG,
                    .state_size = sizeof(fx_account),
                    .encode = raw_encode_account,
                    .decode = raw_decode_account,
                    .rules = &account_rules,
                    .reads = account_reads,
                    .check = account_check,
                    .indexes = account_indexes,
                    .tallies = account_tallies},
    [FX_ORDER] = {.type = (svc_agg_type)FX_ORDER,
                  .name = "order",
                  .db = SVC_DB_CATALOG,
                  .state_size = sizeof(fx_order),
                  .encode = raw_encode_order,
                  .decode = raw_decode_order,
                  .rules = &order_rules,
                  .reads = order_reads,
                  .check = order_check,
                  .indexes = order_indexes,
                  .tallies = order_tallies},
};

static int fx_type_of(const svc_change *c)
{
	if (c->kind != SVC_CK_TICKET_NOTE)
		return 0;
	return c->aggregate[0] == 'A' ? FX_ACCOUNT : c->aggregate[0] == 'O' ? FX_ORDER : 0;
}

static const svc_fold_kinds fx_table = {fx_kinds, FX_NKINDS, fx_type_of};

/* ------------------------------------------------------------ the change set */

#define NCH 7
/* 2026-01-31 23:59:57 UTC: the set straddles the end of January. */
#define T0_MS 1769903997000ULL

static svc_change g_set[NCH];

static void mk(svc_change *c, const char *origin, uint64_t seq, unsigned sec, const char *agg,
               const char *text)
{
	memset(c, 0, sizeof *c);
	snprintf(c->origin, sizeof c->origin, "%s", origin);
	c->seq = seq;
	c->hlc = (T0_MS + sec * 1000ULL) << 16;
	snprintf(c->aggregate, sizeof c->aggregate, "%s", agg);
	c->origin_role = SVC_ROLE_HQ;
	c->kind = SVC_CK_TICKET_NOTE;
	snprintf(c->u.ticket_note.text, sizeof c->u.ticket_note.text, "%s", text);
}

/*
 * In fold order: open, deposit 10, spend 6 (ok), spend 5 (over: 11 > 10),
 * deposit 3, spend 4 (ok: 10 <= 13), close (refused: the order has spent).
 * The first three are in January, the rest in February.
 */
static void build_set(void)
{
	mk(&g_set[0], "hq", 1, 0, "A:1", "open");
	mk(&g_set[1], "hq", 2, 1, "A:1", "deposit 10");
	mk(&g_set[2], "shop-a", 1, 2, "O:1", "spend 6 A:1");
	mk(&g_set[3], "shop-a", 2, 3, "O:1", "spend 5 A:1");
	mk(&g_set[4], "region-n", 1, 4, "A:1", "deposit 3");
	mk(&g_set[5], "shop-a", 3, 5, "O:1", "spend 4 A:1");
	mk(&g_set[6], "hq", 3, 6, "A:1", "close");
}

/* ------------------------------------------------------------ the memory backend */

#define MAXS 8
#define MAXX 32

typedef struct {
	int type;
	char agg[SVC_AGG_LEN];
	bool exists;
	svc_fold_state st;
} mem_state;

typedef struct {
	int n; /* recorded, in arrival order */
	const svc_change *log[NCH * 2];
	bool rejected[NCH * 2];
	char why[NCH * 2][SVC_REASON_LEN];
	int nstates;
	mem_state states[MAXS];
	int ndeps;
	svc_fold_ref dread[MAXX], ddep[MAXX];
	svc_fold_pos dpos[MAXX];
	int nidx;
	svc_fold_index_entry idx[MAXX];
	char idx_agg[MAXX][SVC_AGG_LEN];
	int ntal;
	svc_fold_tally_entry tal[MAXX];
} mem_store;

static int cmp_change(const svc_change *a, const svc_change *b)
{
	return svc_rules_order_cmp(a->hlc, a->origin, a->seq, b->hlc, b->origin, b->seq);
}

static int mem_find(mem_store *m, const svc_change *c)
{
	for (int i = 0; i < m->n; i++)
		if (m->log[i]->seq == c->seq && strcmp(m->log[i]->origin, c->origin) == 0)
			return i;
	fprintf(stderr, "test_fold: %s/%" PRIu64 " not recorded\n", c->origin, c->seq);
	exit(2);
}

static mem_state *mem_lookup(mem_store *m, int type, const char *agg, bool make)
{
	for (int i = 0; i < m->nstates; i++)
		if (m->states[i].type == type && strcmp(m->states[i].agg, agg) == 0)
			return &m->states[i];
	if (!make)
		return NULL;
	if (m->nstates == MAXS)
		exit(2);
	mem_state *s = &m->states[m->nstates++];
	memset(s, 0, sizeof *s);
	s->type = type;
	snprintf(s->agg, sizeof s->agg, "%s", agg);
	return s;
}

static int m_state_load(void *ctx, const svc_fold_kind *k, const char *agg, void *state,
                        bool *exists)
{
	mem_state *s = mem_lookup(ctx, (int)k->type, agg, false);
	*exists = s && s->exists;
	if (*exists)
		memcpy(state, &s->st, k->state_size);
	else
		memset(state, 0, k->state_size);
	return 0;
}

static int m_state_save(void *ctx, const svc_fold_kind *k, const char *agg, const void *state)
{
	mem_state *s = mem_lookup(ctx, (int)k->type, agg, true);
	memcpy(&s->st, state, k->state_size);
	s->exists = true;
	return 0;
}

static int m_state_del(void *ctx, const svc_fold_kind *k, const char *agg)
{
	mem_state *s = mem_lookup(ctx, (int)k->type, agg, false);
	if (s) {
		memset(&s->st, 0, sizeof s->st);
		s->exists = false;
	}
	return 0;
}

static int m_has_later(void *ctx, const svc_change *c, bool *later)
{
	mem_store *m = ctx;
	*later = false;
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->log[i]->aggregate, c->aggregate) == 0 && cmp_change(m->log[i], c) > 0)
			*later = true;
	return 0;
}

static int m_agg_walk(void *ctx, const char *agg, svc_fold_walk_fn fn, void *arg)
{
	mem_store *m = ctx;
	const svc_change *v[NCH * 2];
	int n = 0;
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->log[i]->aggregate, agg) == 0)
			v[n++] = m->log[i];
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cmp_change(v[j - 1], v[j]) > 0; j--) {
			const svc_change *x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	for (int i = 0; i < n; i++) {
		int rc = fn(v[i], arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int m_origin_walk(void *ctx, const char *origin, uint64_t from, svc_fold_walk_fn fn,
                         void *arg)
{
	(void)ctx;
	(void)origin;
	(void)from;
	(void)fn;
	(void)arg;
	return 0; /* no directory changes in the fixture: nothing is ever held */
}

static int m_reject_get(void *ctx, const svc_change *c, bool *rejected)
{
	mem_store *m = ctx;
	*rejected = m->rejected[mem_find(m, c)];
	return 0;
}

static int m_reject_put(void *ctx, const svc_change *c, const char *reason)
{
	mem_store *m = ctx;
	int i = mem_find(m, c);
	m->rejected[i] = true;
	snprintf(m->why[i], sizeof m->why[i], "%s", reason);
	return 0;
}

static int m_reject_del(void *ctx, const svc_change *c)
{
	mem_store *m = ctx;
	int i = mem_find(m, c);
	m->rejected[i] = false;
	m->why[i][0] = '\0';
	return 0;
}

static int m_stock_add(void *ctx, const svc_stock_delta *d, int sign)
{
	(void)ctx;
	(void)d;
	(void)sign;
	return svc_errf(SVC_EINVAL, "fixture kinds have no stock effects");
}

static bool m_is_self(void *ctx, const char *origin)
{
	(void)ctx;
	(void)origin;
	return false;
}

static int m_err(void *ctx)
{
	(void)ctx;
	return 0;
}

static int m_has_after(void *ctx, const char *agg, const svc_fold_pos *p, bool *later)
{
	mem_store *m = ctx;
	*later = false;
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->log[i]->aggregate, agg) == 0 &&
		    svc_rules_order_cmp(m->log[i]->hlc, m->log[i]->origin, m->log[i]->seq, p->hlc,
		                        p->origin, p->seq) > 0)
			*later = true;
	return 0;
}

static int m_deps_put(void *ctx, const svc_fold_ref *read, const svc_fold_ref *dep,
                      const svc_fold_pos *p)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->ndeps; i++)
		if (strcmp(m->dread[i].agg, read->agg) == 0 &&
		    strcmp(m->ddep[i].agg, dep->agg) == 0) {
			const svc_fold_pos *o = &m->dpos[i];
			if (svc_rules_order_cmp(o->hlc, o->origin, o->seq, p->hlc, p->origin,
			                        p->seq) < 0)
				m->dpos[i] = *p;
			return 0;
		}
	if (m->ndeps == MAXX)
		exit(2);
	m->dread[m->ndeps] = *read;
	m->ddep[m->ndeps] = *dep;
	m->dpos[m->ndeps++] = *p;
	return 0;
}

static int m_deps_each(void *ctx, const char *agg, svc_fold_deps_fn fn, void *arg)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->ndeps; i++)
		if (strcmp(m->dread[i].agg, agg) == 0) {
			int rc = fn(&m->ddep[i], &m->dpos[i], arg);
			if (rc)
				return rc;
		}
	return 0;
}

static int m_index_put(void *ctx, const char *name, const char *value, const char *agg)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->nidx; i++)
		if (strcmp(m->idx[i].name, name) == 0 && strcmp(m->idx[i].value, value) == 0 &&
		    strcmp(m->idx_agg[i], agg) == 0)
			return 0;
	if (m->nidx == MAXX)
		exit(2);
	snprintf(m->idx[m->nidx].name, sizeof m->idx[0].name, "%s", name);
	snprintf(m->idx[m->nidx].value, sizeof m->idx[0].value, "%s", value);
	snprintf(m->idx_agg[m->nidx++], SVC_AGG_LEN, "%s", agg);
	return 0;
}

static int m_index_del(void *ctx, const char *name, const char *value, const char *agg)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->nidx; i++)
		if (strcmp(m->idx[i].name, name) == 0 && strcmp(m->idx[i].value, value) == 0 &&
		    strcmp(m->idx_agg[i], agg) == 0) {
			m->nidx--;
			m->idx[i] = m->idx[m->nidx];
			memcpy(m->idx_agg[i], m->idx_agg[m->nidx], SVC_AGG_LEN);
			return 0;
		}
	return 0;
}

static int m_tally_add(void *ctx, uint32_t month, const char *name, const char *scope,
                       int64_t delta)
{
	mem_store *m = ctx;
	for (int i = 0; i < m->ntal; i++)
		if (m->tal[i].month == month && strcmp(m->tal[i].name, name) == 0 &&
		    strcmp(m->tal[i].scope, scope) == 0) {
			m->tal[i].delta += delta;
			if (m->tal[i].delta == 0)
				m->tal[i] = m->tal[--m->ntal];
			return 0;
		}
	if (m->ntal == MAXX)
		exit(2);
	svc_fold_tally_entry *e = &m->tal[m->ntal++];
	memset(e, 0, sizeof *e);
	e->month = month;
	snprintf(e->name, sizeof e->name, "%s", name);
	snprintf(e->scope, sizeof e->scope, "%s", scope);
	e->delta = delta;
	return 0;
}

static const svc_fold_backend mem_backend = {
    .state_load = m_state_load,
    .state_save = m_state_save,
    .state_del = m_state_del,
    .has_later = m_has_later,
    .agg_walk = m_agg_walk,
    .origin_walk = m_origin_walk,
    .reject_get = m_reject_get,
    .reject_put = m_reject_put,
    .reject_del = m_reject_del,
    .stock_add = m_stock_add,
    .is_self = m_is_self,
    .err = m_err,
    .has_after = m_has_after,
    .deps_put = m_deps_put,
    .deps_each = m_deps_each,
    .index_put = m_index_put,
    .index_del = m_index_del,
    .tally_add = m_tally_add,
};

/* ------------------------------------------------------------ canonical dumps */

/* A fold's outcome as sorted text lines: states (their bytes in hex),
 * rejections with reasons, index entries, tallies. */
typedef struct {
	int n;
	char line[64][640];
} dump;

static void dump_add(dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dump_add(dump *d, const char *fmt, ...)
{
	if (d->n == 64)
		exit(2);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->line[d->n++], sizeof d->line[0], fmt, ap);
	va_end(ap);
}

static void dump_state(dump *d, const char *agg, const void *st, size_t n)
{
	char hex[2 * sizeof(fx_order) + 1];
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *)st)[i]);
	dump_add(d, "state %s %s", agg, hex);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void dump_sort(dump *d)
{
	qsort(d->line, (size_t)d->n, sizeof d->line[0], cmp_line);
}

static bool dump_same(const dump *a, const dump *b, const char *what)
{
	bool same = a->n == b->n;
	for (int i = 0; same && i < a->n; i++)
		same = strcmp(a->line[i], b->line[i]) == 0;
	if (!same && what) {
		fprintf(stderr, "%s differs:\n", what);
		for (int i = 0; i < a->n || i < b->n; i++)
			fprintf(stderr, "  %-60.200s | %.200s\n", i < a->n ? a->line[i] : "",
			        i < b->n ? b->line[i] : "");
	}
	return same;
}

static void mem_dump(const mem_store *m, dump *d)
{
	d->n = 0;
	for (int i = 0; i < m->nstates; i++)
		if (m->states[i].exists)
			dump_state(d, m->states[i].agg, &m->states[i].st,
			           fx_kinds[m->states[i].type].state_size);
	for (int i = 0; i < m->n; i++)
		if (m->rejected[i])
			dump_add(d, "reject %s/%" PRIu64 " %s", m->log[i]->origin, m->log[i]->seq,
			         m->why[i]);
	for (int i = 0; i < m->nidx; i++)
		dump_add(d, "index %s %s %s", m->idx[i].name, m->idx[i].value, m->idx_agg[i]);
	for (int i = 0; i < m->ntal; i++)
		dump_add(d, "tally %u %s %s %" PRId64, m->tal[i].month, m->tal[i].name,
		         m->tal[i].scope, m->tal[i].delta);
	dump_sort(d);
}

struct lmdb_dump_arg {
	dump *d;
	const char *name;
};

static int index_line(const char *value, const char *agg, void *arg)
{
	struct lmdb_dump_arg *a = arg;
	dump_add(a->d, "index %s %s %s", a->name, value, agg);
	return 0;
}

static int tally_line(uint32_t month, const char *name, const char *scope, int64_t value, void *arg)
{
	dump_add(arg, "tally %u %s %s %" PRId64, month, name, scope, value);
	return 0;
}

static void lmdb_dump(svc_txn *t, dump *d)
{
	svc_fold f = svc_fold_store_kinds(t, &fx_table);
	d->n = 0;
	static const struct {
		int type;
		const char *agg;
	} recs[] = {{FX_ACCOUNT, "A:1"}, {FX_ORDER, "O:1"}};
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		svc_fold_state st;
		bool have;
		CHECK_INT(svc_fold_load(&f, (svc_agg_type)recs[i].type, recs[i].agg, &st, &have),
		          0);
		if (have)
			dump_state(d, recs[i].agg, &st, fx_kinds[recs[i].type].state_size);
	}
	for (int i = 0; i < NCH; i++) {
		char why[SVC_REASON_LEN];
		bool rej;
		CHECK_INT(
		    svc_journal_reject_get(t, g_set[i].origin, g_set[i].seq, why, sizeof why, &rej),
		    0);
		if (rej)
			dump_add(d, "reject %s/%" PRIu64 " %s", g_set[i].origin, g_set[i].seq, why);
	}
	static const char *const names[] = {"account", "status", "spent", "state"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct lmdb_dump_arg a = {d, names[i]};
		CHECK_INT(svc_fold_index_each(t, names[i], "", true, index_line, &a), 0);
	}
	CHECK_INT(svc_fold_tally_each(t, 0, NULL, tally_line, d), 0);
	dump_sort(d);
}

/* ------------------------------------------------------------ folding */

static mem_store g_mem;

/* Record c as the journal would and fold it. */
static int mem_fold(mem_store *m, const svc_change *c)
{
	m->rejected[m->n] = false;
	m->why[m->n][0] = '\0';
	m->log[m->n++] = c;
	svc_fold f = {&mem_backend, m, &fx_table};
	char why[SVC_REASON_LEN];
	return svc_fold_change(&f, c, false, why, sizeof why);
}

static void mem_run(const svc_change *const *order, int n, dump *d)
{
	memset(&g_mem, 0, sizeof g_mem);
	for (int i = 0; i < n; i++)
		CHECK_INT(mem_fold(&g_mem, order[i]), 0);
	mem_dump(&g_mem, d);
}

static int lmdb_fold(svc_txn *t, const svc_change *c)
{
	uint8_t buf[SVC_CHANGE_MAX], hash[SVC_HASH_LEN] = {0};
	size_t len;
	char why[SVC_REASON_LEN];
	int rc = svc_codec_change_encode(c, buf, sizeof buf, &len);
	if (!rc)
		rc = svc_journal_put(t, c, buf, len, hash);
	svc_fold f = svc_fold_store_kinds(t, &fx_table);
	if (!rc)
		rc = svc_fold_change(&f, c, false, why, sizeof why);
	return rc;
}

/* Fold an order in a write transaction that is then thrown away. */
static void lmdb_run(svc_store *s, const svc_change *const *order, int n, dump *d)
{
	svc_txn *t = NULL;
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	if (!t)
		return;
	for (int i = 0; i < n; i++) {
		int rc = lmdb_fold(t, order[i]);
		if (rc)
			fprintf(stderr, "fold %s/%" PRIu64 ": %s\n", order[i]->origin,
			        order[i]->seq, svc_errmsg());
		CHECK_INT(rc, 0);
	}
	lmdb_dump(t, d);
	svc_txn_abort(&t);
}

/* ------------------------------------------------------------ tests */

static dump g_ref;

static const char *find_line(const dump *d, const char *prefix)
{
	for (int i = 0; i < d->n; i++)
		if (strncmp(d->line[i], prefix, strlen(prefix)) == 0)
			return d->line[i];
	return NULL;
}

/* The reference: the set in fold order, one step each; and what it says. */
static void test_reference(void)
{
	const svc_change *order[NCH];
	for (int i = 0; i < NCH; i++)
		order[i] = &g_set[i];
	mem_run(order, NCH, &g_ref);
	CHECK(find_line(&g_ref, "reject shop-a/2 over the balance") != NULL);
	CHECK(find_line(&g_ref, "reject hq/3 its order has spent") != NULL);
	CHECK(find_line(&g_ref, "reject ") != NULL);
	int nrej = 0;
	for (int i = 0; i < g_ref.n; i++)
		nrej += strncmp(g_ref.line[i], "reject ", 7) == 0;
	CHECK_INT(nrej, 2);
	const mem_state *a = mem_lookup(&g_mem, FX_ACCOUNT, "A:1", false);
	const mem_state *o = mem_lookup(&g_mem, FX_ORDER, "O:1", false);
	CHECK(a && a->exists);
	CHECK(o && o->exists);
	if (!a || !o)
		return;
	const fx_account *fa = (const void *)&a->st;
	const fx_order *fo = (const void *)&o->st;
	CHECK_INT(fa->balance, 13);
	CHECK_INT(fa->closed, 0);
	CHECK_INT(fa->month, 202601);
	CHECK_INT(fo->spent, 10);
	CHECK_INT(fo->n, 2);
	CHECK_INT(fo->month, 202602);
	CHECK(find_line(&g_ref, "index account A:1 O:1") != NULL);
	CHECK(find_line(&g_ref, "index status big O:1") != NULL);
	CHECK(find_line(&g_ref, "index spent 00000010 O:1") != NULL);
	CHECK(find_line(&g_ref, "index state open A:1") != NULL);
	CHECK(find_line(&g_ref, "tally 202601 balance  13") != NULL);
	CHECK(find_line(&g_ref, "tally 202602 spent 1 10") != NULL);
	CHECK(find_line(&g_ref, "tally 202602 orders  1") != NULL);
	CHECK_INT(g_ref.n, 2 + 2 + 4 + 3);
	/* Each reads the other: the order its account, the account's close
	 * its order. */
	CHECK_INT(g_mem.ndeps, 2);
}

/* Every order of arrival, in memory and in the store. */
static void test_every_order(svc_store *s)
{
	const svc_change *order[NCH];
	int cnt[NCH] = {0};
	for (int i = 0; i < NCH; i++)
		order[i] = &g_set[i];
	long n = 0, bad = 0;
	dump d;
	for (int i = 0;;) {
		mem_run(order, NCH, &d);
		bool ok = dump_same(&d, &g_ref, bad ? NULL : "memory");
		lmdb_run(s, order, NCH, &d);
		ok = dump_same(&d, &g_ref, bad ? NULL : "store") && ok;
		if (!ok && bad++ == 0) {
			fprintf(stderr, "failing order:");
			for (int k = 0; k < NCH; k++)
				fprintf(stderr, " %s/%" PRIu64, order[k]->origin, order[k]->seq);
			fprintf(stderr, "\n");
		}
		n++;
		/* Heap's algorithm, iterative. */
		while (i < NCH && cnt[i] >= i) {
			cnt[i] = 0;
			i++;
		}
		if (i == NCH)
			break;
		int j = (i % 2 == 0) ? 0 : cnt[i];
		const svc_change *tmp = order[j];
		order[j] = order[i];
		order[i] = tmp;
		cnt[i]++;
		i = 0;
	}
	CHECK_INT(n, 5040);
	CHECK_INT(bad, 0);
	printf("fixture      %d changes, %5ld orders (all), memory and store, %ld differ\n", NCH, n,
	       bad);
}

/*
 * A late change to the account folds the order again in the same call: the
 * spend of 6 arrives first and is refused (no account), the open and then
 * the deposit arrive later with earlier places, and the deposit's own
 * svc_fold_change() accepts the spend, moving its index entries and
 * tallies in the same transaction.
 */
static void test_late_account(svc_store *s)
{
	svc_txn *t = NULL;
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	if (!t)
		return;
	CHECK_INT(lmdb_fold(t, &g_set[2]), 0);
	char why[SVC_REASON_LEN];
	bool rej;
	int64_t v;
	CHECK_INT(svc_journal_reject_get(t, "shop-a", 1, why, sizeof why, &rej), 0);
	CHECK(rej);
	CHECK_STR(why, "no such account yet");
	CHECK_INT(svc_fold_tally_get(t, 202601, "orders", "", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(lmdb_fold(t, &g_set[0]), 0);
	CHECK_INT(svc_journal_reject_get(t, "shop-a", 1, why, sizeof why, &rej), 0);
	CHECK(rej);
	CHECK_STR(why, "over the balance");
	CHECK_INT(lmdb_fold(t, &g_set[1]), 0);
	CHECK_INT(svc_journal_reject_get(t, "shop-a", 1, why, sizeof why, &rej), 0);
	CHECK(!rej);
	CHECK_INT(svc_fold_tally_get(t, 202601, "spent", "1", &v), 0);
	CHECK_INT(v, 6);
	CHECK_INT(svc_fold_tally_get(t, 202601, "orders", "", &v), 0);
	CHECK_INT(v, 1);
	int hits = 0;
	struct lmdb_dump_arg a;
	dump d = {0};
	a.d = &d;
	a.name = "status";
	CHECK_INT(svc_fold_index_each(t, "status", "small", false, index_line, &a), 0);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.line[0], "index status small O:1");

	/* The next spend, in February (6 + 4 <= 10), moves the order's
	 * tallies to February and its status to big; a deposit earlier than
	 * it (region-n's) folds the order again, which changes none of that. */
	CHECK_INT(lmdb_fold(t, &g_set[5]), 0);
	CHECK_INT(svc_journal_reject_get(t, "shop-a", 3, why, sizeof why, &rej), 0);
	CHECK(!rej);
	CHECK_INT(lmdb_fold(t, &g_set[4]), 0);
	CHECK_INT(svc_journal_reject_get(t, "shop-a", 3, why, sizeof why, &rej), 0);
	CHECK(!rej);
	CHECK_INT(svc_fold_tally_get(t, 202601, "orders", "", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(svc_fold_tally_get(t, 202601, "spent", "1", &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(svc_fold_tally_get(t, 202602, "spent", "1", &v), 0);
	CHECK_INT(v, 10);
	d.n = 0;
	CHECK_INT(svc_fold_index_each(t, "status", "", true, index_line, &a), 0);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.line[0], "index status big O:1");
	d.n = 0;
	a.name = "spent";
	CHECK_INT(svc_fold_index_each(t, "spent", "0000001", true, index_line, &a), 0);
	hits = d.n;
	CHECK_INT(hits, 1);
	svc_txn_abort(&t);
}

/* A check may read only what its kind's reads() named. */
static int sneaky_check(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
                        char *reason, size_t len)
{
	(void)state;
	(void)exists;
	(void)c;
	(void)reason;
	(void)len;
	fx_account a;
	bool have;
	return svc_fold_read(rd, FX_ACCOUNT, "A:2", &a, &have);
}

static void test_undeclared_read(void)
{
	svc_fold_kind k2[FX_NKINDS];
	memcpy(k2, fx_kinds, sizeof k2);
	k2[FX_ORDER].check = sneaky_check;
	svc_fold_kinds table = {k2, FX_NKINDS, fx_type_of};
	memset(&g_mem, 0, sizeof g_mem);
	g_mem.log[g_mem.n++] = &g_set[2];
	svc_fold f = {&mem_backend, &g_mem, &table};
	char why[SVC_REASON_LEN];
	CHECK_INT(svc_fold_change(&f, &g_set[2], false, why, sizeof why), SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "did not name") != NULL);
	svc_errclear();
}

/*
 * Checks that never settle (each call flips its verdict) would fold the
 * account and the order in turn for ever: the cascade's bound stops them
 * with an error, which aborts the store's transaction. The well-behaved
 * cycle (account and order reading each other as of their places) settles,
 * which every order of test_every_order shows.
 */
static void test_unsettled_cycle(void)
{
	memset(&g_mem, 0, sizeof g_mem);
	for (int i = 0; i < NCH; i++)
		if (i != 1)
			CHECK_INT(mem_fold(&g_mem, &g_set[i]), 0);
	g_chaos = 1;
	int rc = mem_fold(&g_mem, &g_set[1]);
	g_chaos = 0;
	CHECK_INT(rc, SVC_ESTORE);
	CHECK(strstr(svc_errmsg(), "do not settle") != NULL);
	CHECK(g_chaos_calls > SVC_FOLD_CASCADE_MAX);
	svc_errclear();
}

int main(void)
{
	build_set();
	char *dir = svc_test_tmpdir("fold");
	svc_self self;
	memset(&self, 0, sizeof self);
	snprintf(self.node, sizeof self.node, "hq");
	self.role = SVC_ROLE_HQ;
	svc_store *s = dir ? svc_test_store(dir, &self) : NULL;
	CHECK(s != NULL);
	test_reference();
	test_undeclared_read();
	test_unsettled_cycle();
	if (s) {
		test_late_account(s);
		test_every_order(s);
	}
	svc_store_close(&s);
	if (dir)
		svc_test_rmdir(dir);
	free(dir);
	return svc_test_done();
}

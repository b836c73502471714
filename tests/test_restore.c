/*
 * test_restore: a store that went back in time, at the store level.
 *
 * A backup installed with svc_restore_install is blocked under a new store id
 * and refuses local writes. Another version of an own change is refused
 * unless it comes from the upstream, signature checked. A plain copy of an old store that wrote on,
 * as far as the network had gone and beyond, meets the network's version of its own re-used seq:
 * its own changes from that seq on move to the replay table in the same transaction, their stock
 * effects are reversed, the tickets they touched are folded again without them, and its head goes
 * back. Once the network's changes are in, the store unblocks, and
 * svc_local_replay re-enters the kept-aside changes under new seqs and
 * ticket ids, the ones that name a replayed ticket following it.
 */
#include "svc_apply.h"
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NODE "shop-a"
#define PART "P-100"

static uint8_t pubkey[SVC_PK_LEN];

static svc_store *make_store(const char *dir)
{
	svc_self self;
	memset(&self, 0, sizeof self);
	snprintf(self.node, sizeof self.node, NODE);
	self.role = SVC_ROLE_SHOP;
	snprintf(self.region, sizeof self.region, "region-1");
	snprintf(self.upstream, sizeof self.upstream, "region-1");
	self.enrolled = true;
	memcpy(self.pubkey, pubkey, sizeof pubkey);
	return svc_test_store(dir, &self);
}

static int append_fn(svc_txn *t, void *arg)
{
	return svc_apply_local(t, arg);
}

static int local(svc_store *s, svc_change *c)
{
	return svc_store_write(s, append_fn, c);
}

static void open_ticket(svc_store *s, const char *customer, char id[SVC_AGG_LEN])
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_OPEN;
	c.u.ticket_open.kind = SVC_TK_REPAIR;
	snprintf(c.u.ticket_open.shop, sizeof c.u.ticket_open.shop, NODE);
	snprintf(c.u.ticket_open.customer, sizeof c.u.ticket_open.customer, "%s", customer);
	snprintf(c.u.ticket_open.phone, sizeof c.u.ticket_open.phone, "13800000000");
	snprintf(c.u.ticket_open.product, sizeof c.u.ticket_open.product, "AC-3000");
	snprintf(c.u.ticket_open.fault, sizeof c.u.ticket_open.fault, "no cooling");
	CHECK_INT(local(s, &c), 0);
	snprintf(id, SVC_AGG_LEN, "%s", c.aggregate);
}

static void note(svc_store *s, const char *ticket, const char *text)
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_NOTE;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", ticket);
	snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "%s", text);
	CHECK_INT(local(s, &c), 0);
}

static void status(svc_store *s, const char *ticket, uint32_t st)
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_STATUS;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", ticket);
	c.u.ticket_status.status = st;
	CHECK_INT(local(s, &c), 0);
}

static void adjust(svc_store *s, int64_t qty)
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_PART_MOVE;
	c.u.part_move.kind = SVC_MV_ADJUST;
	snprintf(c.u.part_move.location, sizeof c.u.part_move.location, NODE);
	snprintf(c.u.part_move.part_no, sizeof c.u.part_move.part_no, PART);
	snprintf(c.u.part_move.reason, sizeof c.u.part_move.reason, "count");
	c.u.part_move.qty = qty;
	svc_rules_move_agg(c.aggregate, NODE, PART);
	CHECK_INT(local(s, &c), 0);
}

static int64_t on_hand(svc_store *s)
{
	svc_txn *t = NULL;
	svc_stock st;
	memset(&st, 0, sizeof st);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_fold_stock_get(t, NODE, PART, &st), 0);
	svc_txn_abort(&t);
	return st.on_hand;
}

static svc_restore_state state(svc_store *s)
{
	svc_txn *t = NULL;
	svc_restore_state r;
	memset(&r, 0, sizeof r);
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_restore_get(t, &r), 0);
	svc_txn_abort(&t);
	return r;
}

/* The stored bytes of own change `seq` (the network's version). */
struct net_change {
	uint8_t bytes[SVC_CHANGE_MAX];
	size_t len;
	svc_change c;
};

static void take(svc_store *s, uint64_t seq, struct net_change *out)
{
	svc_txn *t = NULL;
	svc_logged_change lc;
	const uint8_t *b = NULL;
	size_t len = 0;
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_journal_change_get(t, NODE, seq, &lc, &b, &len), 0);
	if (b && len <= sizeof out->bytes) {
		memcpy(out->bytes, b, len);
		out->len = len;
		out->c = lc.c;
	}
	svc_txn_abort(&t);
}

struct apply_arg {
	const struct net_change *n;
	bool from_upstream;
	int rc;
};

static int apply_fn(svc_txn *t, void *argp)
{
	struct apply_arg *a = argp;
	uint8_t hash[SVC_HASH_LEN];
	if (a->from_upstream)
		svc_txn_own_returns(t);
	a->rc = svc_apply_remote(t, a->n->bytes, a->n->len, &a->n->c, true, false, hash);
	return a->rc < 0 ? a->rc : 0;
}

struct hello_arg {
	uint64_t has;
	svc_restore_event ev;
};

static int hello_fn(svc_txn *t, void *argp)
{
	struct hello_arg *a = argp;
	return svc_restore_hello(t, a->has, &a->ev);
}

static int progress_fn(svc_txn *t, void *argp)
{
	return svc_restore_progress(t, argp);
}

static void ticket(svc_store *s, const char *id, svc_ticket *tk, int want_rc)
{
	svc_txn *t = NULL;
	CHECK_INT(svc_txn_begin(s, false, &t), 0);
	CHECK_INT(svc_fold_ticket_get(t, id, tk), want_rc);
	svc_txn_abort(&t);
	svc_errclear();
}

static void copy(const char *from, const char *dir)
{
	char cmd[9000];
	mkdir(dir, 0700);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s/data.mdb'", from, dir);
	CHECK_INT(system(cmd), 0);
}

int main(void)
{
	char *base = svc_test_tmpdir("restore");
	char net[SVC_PATH_MAX], bak[SVC_PATH_MAX], inst[SVC_PATH_MAX], cp[SVC_PATH_MAX],
	    id1[SVC_AGG_LEN], id2[SVC_AGG_LEN], off3[SVC_AGG_LEN], off6[SVC_AGG_LEN];
	uint64_t bytes = 0;
	svc_ticket tk;

	CHECK_INT(svc_crypto_init(), 0);
	svc_random(pubkey, sizeof pubkey);
	snprintf(net, sizeof net, "%s/net", base);
	snprintf(bak, sizeof bak, "%s/backup", base);
	snprintf(inst, sizeof inst, "%s/installed", base);
	snprintf(cp, sizeof cp, "%s/copy", base);

	/* The node as the network knows it: 1..2 before the backup, 3..5
	 * after. */
	svc_store *s = make_store(net);
	open_ticket(s, "before one", id1);
	adjust(s, 5);
	CHECK_INT(svc_store_backup(s, bak, &bytes), 0);
	CHECK(bytes > 0);
	CHECK_INT(svc_store_backup(s, bak, &bytes), SVC_EEXIST);
	open_ticket(s, "network three", id2);
	note(s, id1, "network four");
	adjust(s, 2);
	struct net_change n3, n4, n5;
	take(s, 3, &n3);
	take(s, 4, &n4);
	take(s, 5, &n5);
	CHECK_INT(on_hand(s), 7);
	svc_store_close(&s);

	/* svc_restore_install: blocked, new store id, the key must match. */
	uint8_t other[SVC_PK_LEN];
	svc_self self;
	mkdir(inst, 0700);
	svc_random(other, sizeof other);
	CHECK_INT(svc_restore_install(inst, bak, other, &self), SVC_EKEY);
	CHECK_INT(svc_restore_install(inst, bak, pubkey, &self), 0);
	CHECK_INT(svc_store_open(inst, 0, &s), 0);
	svc_restore_state r = state(s);
	CHECK(r.blocked && !r.target_known && !r.detected);
	CHECK_INT(r.head, 2);
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_NOTE;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", id1);
	snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "refused");
	CHECK_INT(local(s, &c), SVC_EDENIED);
	CHECK(strstr(svc_errmsg(), "was restored from a backup; writes are blocked") != NULL);
	svc_store_close(&s);

	/* A plain copy that wrote on: seqs 3..6, three of them re-used. */
	copy(bak, cp);
	CHECK_INT(svc_store_open(cp, 0, &s), 0);
	open_ticket(s, "offline three", off3);
	CHECK_STR(off3, id2); /* the re-used id */
	status(s, id1, SVC_TS_ACCEPTED);
	adjust(s, -4);
	open_ticket(s, "offline six", off6);
	note(s, off6, "offline seven");
	CHECK_INT(on_hand(s), 1);
	ticket(s, id1, &tk, 0);
	CHECK_INT(tk.status, SVC_TS_ACCEPTED);

	/* The upstream says it holds 5: no more than the copy's 7. */
	struct hello_arg h = {5, SVC_RESTORE_NONE};
	CHECK_INT(svc_store_write(s, hello_fn, &h), 0);
	CHECK_INT(h.ev, SVC_RESTORE_NONE);
	CHECK(!state(s).blocked);

	/* From anywhere but the upstream (an import file), another version
	 * of an own change is refused as before. */
	struct apply_arg a = {&n3, false, 0};
	CHECK_INT(svc_store_write(s, apply_fn, &a), SVC_ECRYPTO);
	CHECK(!state(s).blocked);
	CHECK_INT(state(s).head, 7);

	/* The network's seq 3 arrives from the upstream: the copy's 3..7 move
	 * aside. */
	a.from_upstream = true;
	CHECK_INT(svc_store_write(s, apply_fn, &a), 0);
	CHECK_INT(a.rc, 0);
	r = state(s);
	CHECK(r.blocked && r.detected && r.target_known);
	CHECK_INT(r.target, 5);
	CHECK_INT(r.head, 3);
	CHECK_INT(r.replay, 5);
	CHECK_INT(on_hand(s), 5); /* the -4 is reversed */
	ticket(s, id1, &tk, 0);
	CHECK_INT(tk.status, SVC_TS_ASSIGNED); /* re-folded without the accept */
	ticket(s, id2, &tk, 0);
	CHECK_STR(tk.customer, "network three");
	ticket(s, off6, &tk, SVC_ENOTFOUND);
	CHECK_INT(local(s, &c), SVC_EDENIED);

	svc_restore_event ev = SVC_RESTORE_NONE;
	a.n = &n4;
	CHECK_INT(svc_store_write(s, apply_fn, &a), 0);
	CHECK_INT(a.rc, 0);
	CHECK_INT(svc_store_write(s, progress_fn, &ev), 0);
	CHECK_INT(ev, SVC_RESTORE_NONE);
	a.n = &n5;
	CHECK_INT(svc_store_write(s, apply_fn, &a), 0);
	CHECK_INT(a.rc, 0);
	CHECK_INT(svc_store_write(s, progress_fn, &ev), 0);
	CHECK_INT(ev, SVC_RESTORE_CAUGHT_UP);
	r = state(s);
	CHECK(!r.blocked);
	CHECK_INT(r.head, 5);
	CHECK_INT(r.confirmed, 5);
	CHECK_INT(on_hand(s), 7);

	/* Replay: 6 takes the accept, 7 the -4, 8 and 9 the offline tickets;
	 * the note on the offline six follows it to its new id. */
	svc_replay_result *res = NULL;
	size_t nres = 0;
	CHECK_INT(svc_local_replay(s, &res, &nres), 0);
	CHECK_INT(nres, 5);
	if (nres == 5) {
		CHECK_INT(res[0].new_seq, 6);
		CHECK_STR(res[0].aggregate, "T-" NODE "-6");
		CHECK_STR(res[0].old_aggregate, off3);
		CHECK_INT(res[1].new_seq, 7);
		CHECK_STR(res[1].aggregate, id1);
		CHECK_INT(res[3].new_seq, 9);
		CHECK_STR(res[3].aggregate, "T-" NODE "-9");
		CHECK_INT(res[4].new_seq, 10);
		CHECK_STR(res[4].aggregate, "T-" NODE "-9");
	}
	free(res);
	CHECK_INT(state(s).replay, 0);
	CHECK_INT(state(s).head, 10);
	CHECK_INT(on_hand(s), 3);
	ticket(s, id1, &tk, 0);
	CHECK_INT(tk.status, SVC_TS_ACCEPTED);
	ticket(s, "T-" NODE "-6", &tk, 0);
	CHECK_STR(tk.customer, "offline three");
	ticket(s, id2, &tk, 0);
	CHECK_STR(tk.customer, "network three");
	svc_store_close(&s);

	svc_test_rmdir(base);
	free(base);
	return svc_test_done();
}

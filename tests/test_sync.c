/*
 * test_sync: replication between real stores, without sockets.
 *
 * A network of HQ, two regions and three shops is created and enrolled with
 * the real identity functions; "links" hand encoded batches from one store
 * to another through svc_sync_build / svc_codec_msg_decode / svc_sync_apply, the
 * same calls the daemon makes. Checked: changes flow up and down the tree;
 * read isolation (a shop never receives another shop's tickets or claims, a
 * region nothing of the other region); a shop that gains a ticket gets its
 * history; exactly-once (a batch applied twice applies nothing the second
 * time); tampered changes, forged commit signatures and impersonating relays
 * are quarantined while the rest of the batch is applied; a store restored
 * from an old copy that re-issues a seq is quarantined as a fork; a relay
 * that skips a seq upward has its batch refused until the seq comes along.
 */
#include "svc_apply.h"
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "svc_sync.h"
#include "testlib.h"

#include <stdlib.h>

typedef struct {
	const char *id;
	uint32_t role;
	const char *region;
	const char *upstream;
	char dir[SVC_PATH_MAX];
	svc_store *s;
	svc_keypair *kp;
} node;

static char *base;
static node net[] = {
    {.id = "hq", .role = SVC_ROLE_HQ, .region = "", .upstream = ""},
    {.id = "region-e", .role = SVC_ROLE_REGION, .region = "region-e", .upstream = "hq"},
    {.id = "region-w", .role = SVC_ROLE_REGION, .region = "region-w", .upstream = "hq"},
    {.id = "shop-a", .role = SVC_ROLE_SHOP, .region = "region-e", .upstream = "region-e"},
    {.id = "shop-b", .role = SVC_ROLE_SHOP, .region = "region-e", .upstream = "region-e"},
    {.id = "shop-c", .role = SVC_ROLE_SHOP, .region = "region-w", .upstream = "region-w"},
};
#define NNODES (sizeof net / sizeof net[0])
enum { HQ, RE, RW, SA, SB, SC };

/* How far each directed link has shipped (from, to). */
static uint64_t pos[NNODES][NNODES];

static void enroll(node *hq, node *n)
{
	uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX];
	size_t rlen, blen;
	svc_approve_opts o = {n->upstream, "tcp://127.0.0.1:7700", 0};
	CHECK_INT(svc_enroll_make_request(n->s, n->kp, req, sizeof req, &rlen), 0);
	CHECK_INT(
	    svc_enroll_approve(hq->s, hq->kp, req, rlen, &o, bundle, sizeof bundle, &blen, NULL),
	    0);
	CHECK_INT(svc_enroll_accept(n->s, bundle, blen, NULL), 0);
}

static void setup(void)
{
	base = svc_test_tmpdir("sync");
	for (size_t i = 0; i < NNODES; i++) {
		node *n = &net[i];
		snprintf(n->dir, sizeof n->dir, "%s/%s", base, n->id);
		CHECK_INT(svc_identity_init(n->dir, n->id, n->role,
		                            n->role == SVC_ROLE_HQ ? "" : n->region, &n->s),
		          0);
		CHECK_INT(svc_identity_key(n->dir, &n->kp), 0);
		if (i > 0)
			enroll(&net[HQ], n);
	}
}

static void teardown(void)
{
	for (size_t i = 0; i < NNODES; i++) {
		svc_store_close(&net[i].s);
		svc_keypair_destroy(&net[i].kp);
	}
	svc_test_rmdir(base);
	free(base);
}

/* The peer view `from` has of `to`; false when `from` does not know `to`
 * yet (its certificate has not reached it: ZAP would refuse the link). */
static bool view(size_t from, size_t to, svc_peer_view *pv)
{
	svc_txn *t;
	bool up = strcmp(net[from].upstream, net[to].id) == 0;
	CHECK_INT(svc_txn_begin(net[from].s, false, &t), 0);
	int rc = svc_sync_peer_view(t, net[to].id, up, pv);
	svc_txn_abort(&t);
	return rc == 0;
}

static uint8_t *last_batch;
static size_t last_len;

/* Ship everything `from` has for `to`; returns changes applied. If keep is
 * set, the last non-empty encoded batch is kept in last_batch. */
static svc_sync_result ship(size_t from, size_t to)
{
	svc_peer_view out_pv, in_pv;
	svc_build_limits lim = {64, 1 << 20, 100000};
	svc_sync_result total;
	svc_self fself;
	svc_txn *t;
	memset(&total, 0, sizeof total);
	CHECK_INT(svc_sync_commit_local(net[from].s, net[from].kp, NULL), 0);
	if (!view(from, to, &out_pv) || !view(to, from, &in_pv))
		return total;
	CHECK_INT(svc_txn_begin(net[from].s, false, &t), 0);
	svc_self_get(t, &fself);
	svc_txn_abort(&t);
	for (int round = 0; round < 1000; round++) {
		uint8_t *buf;
		size_t len;
		svc_build_result br;
		CHECK_INT(svc_sync_build(net[from].s, &out_pv, pos[from][to], NULL, &lim, round + 1,
		                         &buf, &len, &br),
		          0);
		if (!buf)
			break;
		svc_msg m;
		CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
		CHECK_INT(m.type, SVC_MSG_BATCH);
		svc_sync_result r;
		int arc = svc_sync_apply(net[to].s, &in_pv, fself.store_id, &m.u.batch, &r);
		if (arc)
			fprintf(stderr, "  ship %s -> %s: %s\n", net[from].id, net[to].id,
			        svc_errmsg());
		CHECK_INT(arc, 0);
		total.applied += r.applied;
		total.duplicates += r.duplicates;
		total.quarantined += r.quarantined;
		if (r.quarantined && !total.first_reason[0])
			snprintf(total.first_reason, sizeof total.first_reason, "%s",
			         r.first_reason);
		CHECK_INT(r.to_lsn, br.to_lsn);
		svc_codec_msg_free(&m);
		pos[from][to] = br.to_lsn;
		if (br.nchanges) {
			free(last_batch);
			last_batch = buf;
			last_len = len;
		} else {
			free(buf);
		}
		if (!br.more)
			break;
	}
	return total;
}

/* Run the tree to quiescence: down, then up, a few times. */
static void settle(void)
{
	for (int i = 0; i < 3; i++) {
		ship(HQ, RE);
		ship(HQ, RW);
		ship(RE, SA);
		ship(RE, SB);
		ship(RW, SC);
		ship(SA, RE);
		ship(SB, RE);
		ship(SC, RW);
		ship(RE, HQ);
		ship(RW, HQ);
	}
}

static int count_tickets_cb(const svc_ticket *tk, void *arg)
{
	(void)tk;
	(*(int *)arg)++;
	return 0;
}

static int tickets(size_t n)
{
	int c = 0;
	svc_txn *t;
	CHECK_INT(svc_txn_begin(net[n].s, false, &t), 0);
	svc_fold_ticket_each(t, count_tickets_cb, &c);
	svc_txn_abort(&t);
	return c;
}

static bool has_ticket(size_t n, const char *id)
{
	svc_txn *t;
	svc_ticket tk;
	CHECK_INT(svc_txn_begin(net[n].s, false, &t), 0);
	int rc = svc_fold_ticket_get(t, id, &tk);
	svc_txn_abort(&t);
	return rc == 0;
}

static void ticket_status(size_t n, const char *id, uint32_t *status, char shop[SVC_ID_LEN])
{
	svc_txn *t;
	svc_ticket tk;
	memset(&tk, 0, sizeof tk);
	CHECK_INT(svc_txn_begin(net[n].s, false, &t), 0);
	CHECK_INT(svc_fold_ticket_get(t, id, &tk), 0);
	svc_txn_abort(&t);
	*status = tk.status;
	if (shop)
		snprintf(shop, SVC_ID_LEN, "%s", tk.shop);
}

static void walk_in(size_t shop, char id[SVC_AGG_LEN], const char *customer)
{
	svc_ticket_fields f = {
	    .kind = "repair",
	    .customer = customer,
	    .phone = "138-0013-8000",
	    .product = "AC-3000",
	    .fault = "no cooling",
	    .address = "北京市朝阳区 1 号",
	};
	CHECK_INT(svc_test_ticket_new_legacy(net[shop].s, &f, id), 0);
}

static void test_flow_and_isolation(void)
{
	char ta[SVC_AGG_LEN], tb[SVC_AGG_LEN], tc[SVC_AGG_LEN], cid[SVC_AGG_LEN];
	uint32_t st;

	CHECK_INT(svc_local_catalog_add(net[HQ].s, "CMP-35", "compressor", 35000), 0);
	walk_in(SA, ta, "张三");
	walk_in(SB, tb, "李四");
	walk_in(SC, tc, "王五");
	settle();

	/* HQ holds everything; each shop only its own; regions their own. */
	CHECK(has_ticket(HQ, ta) && has_ticket(HQ, tb) && has_ticket(HQ, tc));
	CHECK(has_ticket(RE, ta) && has_ticket(RE, tb) && !has_ticket(RE, tc));
	CHECK(has_ticket(RW, tc) && !has_ticket(RW, ta));
	CHECK_INT(tickets(SA), 1);
	CHECK(has_ticket(SA, ta) && !has_ticket(SA, tb) && !has_ticket(SA, tc));
	CHECK_INT(tickets(SC), 1);
	/* The catalog reached every shop. */
	svc_txn *t;
	svc_catalog_item ci;
	CHECK_INT(svc_txn_begin(net[SC].s, false, &t), 0);
	CHECK_INT(svc_fold_catalog_get(t, "CMP-35", &ci), 0);
	CHECK_INT(ci.price, 35000);
	svc_txn_abort(&t);

	/* The shop works the ticket and claims; region audits; HQ approves
	 * and pays; the decision is visible at the shop. */
	CHECK_INT(svc_local_ticket_status(net[SA].s, ta, SVC_TS_ACCEPTED, NULL), 0);
	CHECK_INT(svc_local_ticket_status(net[SA].s, ta, SVC_TS_ON_SITE, NULL), 0);
	CHECK_INT(svc_local_ticket_status(net[SA].s, ta, SVC_TS_RESOLVED, NULL), 0);
	svc_claim_request cr = {.ticket = ta, .labor = 8000, .travel = 2000};
	CHECK_INT(svc_local_claim_submit(net[SA].s, &cr, cid, NULL, NULL), 0);
	settle();
	CHECK_INT(svc_local_claim_decide(net[RE].s, cid, SVC_CA_AUDIT, 0, NULL, NULL), 0);
	settle();
	CHECK_INT(svc_local_claim_decide(net[HQ].s, cid, SVC_CA_APPROVE, 9000, "travel cut", NULL),
	          0);
	CHECK_INT(svc_local_claim_decide(net[HQ].s, cid, SVC_CA_PAY, 0, NULL, "PAY-2026-11-0001"),
	          0);
	settle();
	svc_claim cl;
	CHECK_INT(svc_txn_begin(net[SA].s, false, &t), 0);
	CHECK_INT(svc_fold_claim_get(t, cid, &cl), 0);
	svc_txn_abort(&t);
	CHECK_INT(cl.status, SVC_CS_PAID);
	CHECK_INT(cl.approved, 9000);
	CHECK_STR(cl.pay_ref, "PAY-2026-11-0001");
	/* shop-b never sees shop-a's claim. */
	CHECK_INT(svc_txn_begin(net[SB].s, false, &t), 0);
	CHECK_INT(svc_fold_claim_get(t, cid, &cl), SVC_ENOTFOUND);
	svc_txn_abort(&t);
	ticket_status(HQ, ta, &st, NULL);
	CHECK_INT(st, SVC_TS_RESOLVED);

	/* Re-assignment: the region gives shop-b's ticket to shop-a, which
	 * receives the ticket's earlier history with it. */
	CHECK_INT(svc_local_ticket_assign(net[RE].s, tb, "shop-a"), 0);
	settle();
	CHECK(has_ticket(SA, tb));
	char shop[SVC_ID_LEN];
	ticket_status(SA, tb, &st, shop);
	CHECK_STR(shop, "shop-a");
	CHECK_INT(st, SVC_TS_ASSIGNED);
	/* shop-b hears that it lost the ticket. */
	ticket_status(SB, tb, &st, shop);
	CHECK_STR(shop, "shop-a");

	/* Every node's view of a shared ticket is byte-identical to HQ's. */
	uint8_t b1[SVC_STATE_MAX], b2[SVC_STATE_MAX];
	size_t l1, l2;
	svc_ticket k1, k2;
	CHECK_INT(svc_txn_begin(net[HQ].s, false, &t), 0);
	svc_fold_ticket_get(t, ta, &k1);
	svc_txn_abort(&t);
	CHECK_INT(svc_txn_begin(net[SA].s, false, &t), 0);
	svc_fold_ticket_get(t, ta, &k2);
	svc_txn_abort(&t);
	svc_codec_ticket_encode(&k1, b1, sizeof b1, &l1);
	svc_codec_ticket_encode(&k2, b2, sizeof b2, &l2);
	CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
}

static void test_exactly_once(void)
{
	char id[SVC_AGG_LEN];
	for (int i = 0; i < 50; i++)
		walk_in(SC, id, "赵六");
	svc_sync_result r = ship(SC, RW);
	CHECK_INT(r.applied, 50);
	CHECK(last_batch != NULL);
	/* The same batch again (a resend after a lost ACK) applies nothing. */
	svc_msg m;
	svc_peer_view pv;
	svc_self self;
	svc_txn *t;
	CHECK_INT(svc_codec_msg_decode(last_batch, last_len, &m), 0);
	CHECK(view(RW, SC, &pv));
	CHECK_INT(svc_txn_begin(net[SC].s, false, &t), 0);
	svc_self_get(t, &self);
	svc_txn_abort(&t);
	CHECK_INT(svc_sync_apply(net[RW].s, &pv, self.store_id, &m.u.batch, &r), 0);
	CHECK_INT(r.applied, 0);
	CHECK_INT(r.quarantined, 0);
	CHECK(r.duplicates > 0);
	svc_codec_msg_free(&m);
	/* A lost checkpoint (ship from the start): still nothing twice. */
	pos[SC][RW] = 0;
	r = ship(SC, RW);
	CHECK_INT(r.applied, 0);
	CHECK_INT(r.quarantined, 0);
	CHECK(r.duplicates >= 50);
	settle();
	CHECK_INT(tickets(HQ), tickets(RE) + tickets(RW));
}

/* Build one batch from shop-c for region-w, let `mutate` change it, and
 * apply it. */
static svc_sync_result tampered(void (*mutate)(svc_batch *b, uint8_t **owned))
{
	svc_peer_view out_pv, in_pv;
	svc_build_limits lim = {64, 1 << 20, 100000};
	svc_build_result br;
	svc_sync_result r;
	svc_self self;
	svc_txn *t;
	uint8_t *buf, *owned[64] = {0};
	size_t len;
	char id[SVC_AGG_LEN];

	memset(&r, 0, sizeof r);
	walk_in(SC, id, "一");
	walk_in(SC, id, "二");
	walk_in(SC, id, "三");
	CHECK_INT(svc_sync_commit_local(net[SC].s, net[SC].kp, NULL), 0);
	CHECK(view(SC, RW, &out_pv) && view(RW, SC, &in_pv));
	CHECK_INT(svc_sync_build(net[SC].s, &out_pv, pos[SC][RW], NULL, &lim, 1, &buf, &len, &br),
	          0);
	if (!buf)
		return r;
	svc_msg m;
	CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
	mutate(&m.u.batch, owned);
	CHECK_INT(svc_txn_begin(net[SC].s, false, &t), 0);
	svc_self_get(t, &self);
	svc_txn_abort(&t);
	CHECK_INT(svc_sync_apply(net[RW].s, &in_pv, self.store_id, &m.u.batch, &r), 0);
	svc_codec_msg_free(&m);
	for (int i = 0; i < 64; i++)
		free(owned[i]);
	free(buf);
	pos[SC][RW] = br.to_lsn;
	return r;
}

static void flip_change(svc_batch *b, uint8_t **owned)
{
	/* Change the middle change's customer name: its hash no longer
	 * matches the signed commit. */
	svc_blob *c = &b->changes[b->nchanges / 2];
	owned[0] = malloc(c->len);
	memcpy(owned[0], c->data, c->len);
	for (size_t i = 0; i + 2 < c->len; i++)
		if (memcmp(owned[0] + i, "\xe4\xba\x8c", 3) == 0) /* 二 */
			memcpy(owned[0] + i, "\xe4\xb8\x89", 3);  /* 三 */
	c->data = owned[0];
}

static void flip_signature(svc_batch *b, uint8_t **owned)
{
	svc_blob *c = &b->commits[0];
	owned[0] = malloc(c->len);
	memcpy(owned[0], c->data, c->len);
	owned[0][c->len - 1] ^= 0x01; /* last byte of the signature */
	c->data = owned[0];
}

static void test_tamper(void)
{
	/* The change after the tampered one waits in quarantine with it:
	 * nothing is folded past a hole. */
	svc_sync_result r = tampered(flip_change);
	CHECK_INT(r.quarantined, 2);
	CHECK_INT(r.applied, 1);
	CHECK(strstr(r.first_reason, "hash") != NULL);
	CHECK_INT(r.gaps, 0);

	r = tampered(flip_signature);
	CHECK_INT(r.applied, 0);
	CHECK_INT(r.quarantined, 3);
	CHECK(strstr(r.first_reason, "signature does not verify") != NULL);

	uint64_t q = 0;
	svc_txn *t;
	CHECK_INT(svc_txn_begin(net[RW].s, false, &t), 0);
	CHECK_INT(svc_quarantine_count(t, &q), 0);
	svc_txn_abort(&t);
	CHECK_INT(q, 5);
}

/* shop-b's link carries a change originated (and validly signed) by
 * shop-c, from another region: region-e must refuse it. */
static void test_impersonating_relay(void)
{
	char id[SVC_AGG_LEN];
	svc_peer_view out_pv, in_pv;
	svc_build_limits lim = {64, 1 << 20, 100000};
	svc_build_result br;
	svc_sync_result r;
	uint8_t *buf;
	size_t len;
	svc_self self;
	svc_txn *t;

	walk_in(SC, id, "冒充");
	CHECK_INT(svc_sync_commit_local(net[SC].s, net[SC].kp, NULL), 0);
	CHECK(view(SC, RW, &out_pv));
	CHECK_INT(svc_sync_build(net[SC].s, &out_pv, pos[SC][RW], NULL, &lim, 1, &buf, &len, &br),
	          0);
	CHECK(buf != NULL);
	svc_msg m;
	CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
	CHECK(view(RE, SB, &in_pv)); /* region-e believes this came from shop-b */
	CHECK_INT(svc_txn_begin(net[SB].s, false, &t), 0);
	svc_self_get(t, &self);
	svc_txn_abort(&t);
	CHECK_INT(svc_sync_apply(net[RE].s, &in_pv, self.store_id, &m.u.batch, &r), 0);
	CHECK_INT(r.applied, 0);
	CHECK(r.quarantined >= 1);
	CHECK(strstr(r.first_reason, "relayed by shop-b") != NULL);
	CHECK(!has_ticket(RE, id));
	svc_codec_msg_free(&m);
	free(buf);
}

/* Encode `changes` (with b's commits) as a batch, apply it at `to` as
 * coming from `from`, and return svc_sync_apply's code. */
static int apply_changes(size_t from, size_t to, const svc_batch *b, svc_blob *changes, size_t n,
                         svc_sync_result *r)
{
	svc_peer_view in_pv;
	svc_self self;
	svc_txn *t;
	svc_batch copy = *b;
	copy.changes = changes;
	copy.nchanges = n;
	CHECK(view(to, from, &in_pv));
	CHECK_INT(svc_txn_begin(net[from].s, false, &t), 0);
	svc_self_get(t, &self);
	svc_txn_abort(&t);
	return svc_sync_apply(net[to].s, &in_pv, self.store_id, &copy, r);
}

static uint64_t recv_lsn(size_t at, size_t peer)
{
	svc_txn *t;
	svc_peer p;
	memset(&p, 0, sizeof p);
	CHECK_INT(svc_txn_begin(net[at].s, false, &t), 0);
	CHECK_INT(svc_peer_get(t, net[peer].id, &p), 0);
	svc_txn_abort(&t);
	return p.recv_lsn;
}

/* A checkpoint never lies beyond the head the peer announced, and one
 * pushed there earlier gives way to the next honest batch. */
static void test_checkpoint_bound(void)
{
	const uint64_t big = 1ULL << 62;
	svc_peer_view in_pv;
	svc_sync_result r;
	svc_self self;
	svc_txn *t;
	svc_batch b;

	settle();
	CHECK(view(RE, SA, &in_pv));
	CHECK_INT(svc_txn_begin(net[SA].s, false, &t), 0);
	svc_self_get(t, &self);
	uint64_t head = 0;
	svc_journal_last(t, &head);
	svc_txn_abort(&t);
	uint64_t before = recv_lsn(RE, SA);
	CHECK(before <= head);
	memset(&b, 0, sizeof b);
	b.id = 1;
	b.to_lsn = big;
	svc_errclear();
	CHECK_INT(svc_sync_apply_bounded(net[RE].s, &in_pv, self.store_id, head, &b, &r),
	          SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "beyond the log head") != NULL);
	CHECK_INT(recv_lsn(RE, SA), before);
	/* A lying HELLO cannot be told from the truth here ... */
	CHECK_INT(svc_sync_apply_bounded(net[RE].s, &in_pv, self.store_id, big, &b, &r), 0);
	CHECK_INT(recv_lsn(RE, SA), big);
	/* ... but the next session's honest head puts it back. */
	b.to_lsn = head;
	CHECK_INT(svc_sync_apply_bounded(net[RE].s, &in_pv, self.store_id, head, &b, &r), 0);
	CHECK_INT(recv_lsn(RE, SA), head);
	CHECK_INT(r.to_lsn, head);
	pos[SA][RE] = head;
}

/* shop-a is restored from an old copy of its directory and re-issues a seq
 * region-e already holds: a fork, quarantined as one, never a duplicate. */
static void test_fork(void)
{
	char old_dir[4300], id1[SVC_AGG_LEN], id2[SVC_AGG_LEN], cmd[9000];
	svc_store *old = NULL;
	svc_ticket tk;
	svc_txn *t;

	settle();
	svc_store_close(&net[SA].s);
	snprintf(old_dir, sizeof old_dir, "%s/shop-a-old", base);
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", net[SA].dir, old_dir);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(svc_store_open(net[SA].dir, 0, &net[SA].s), 0);
	CHECK_INT(svc_store_open(old_dir, 0, &old), 0);

	walk_in(SA, id1, "原版");
	svc_sync_result r = ship(SA, RE);
	CHECK_INT(r.applied, 1);

	/* The restored copy writes the same seq with other bytes and signs
	 * it with the same key. */
	svc_ticket_fields f = {.kind = "repair",
	                       .customer = "分叉",
	                       .phone = "139-0000-0000",
	                       .product = "AC-3000",
	                       .fault = "no cooling",
	                       .address = "西安"};
	CHECK_INT(svc_test_ticket_new_legacy(old, &f, id2), 0);
	CHECK_INT(svc_sync_commit_local(old, net[SA].kp, NULL), 0);
	svc_peer_view out_pv;
	svc_build_limits lim = {64, 1 << 20, 100000};
	svc_build_result br;
	uint8_t *buf = NULL;
	size_t len;
	CHECK(view(SA, RE, &out_pv));
	CHECK_INT(svc_sync_build(old, &out_pv, 0, NULL, &lim, 1, &buf, &len, &br), 0);
	CHECK(buf != NULL);
	if (buf) {
		svc_msg m;
		CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
		CHECK_INT(
		    apply_changes(SA, RE, &m.u.batch, m.u.batch.changes, m.u.batch.nchanges, &r),
		    0);
		CHECK_INT(r.applied, 0);
		CHECK_INT(r.forks, 1);
		CHECK_INT(r.quarantined, 1);
		CHECK(r.duplicates >= 1);
		CHECK(strstr(r.first_fork, "fork: shop-a/") != NULL);
		CHECK(strstr(r.first_fork, "held here with a different hash") != NULL);
		CHECK(strcmp(r.first_reason, r.first_fork) == 0);
		svc_codec_msg_free(&m);
	}
	free(buf);
	/* region-e keeps the version it had. */
	CHECK_INT(svc_txn_begin(net[RE].s, false, &t), 0);
	CHECK_INT(svc_fold_ticket_get(t, id1, &tk), 0);
	svc_txn_abort(&t);
	CHECK(strcmp(tk.customer, "原版") == 0);
	svc_store_close(&old);
}

/* region-e relays shop-b's n3 without n2: HQ refuses the batch and holds
 * nothing past the hole; with n2 both apply. */
static void test_upward_hole(void)
{
	char id[3][SVC_AGG_LEN];
	svc_peer_view out_pv;
	svc_build_limits lim = {64, 1 << 20, 100000};
	svc_build_result br;
	svc_sync_result r;
	uint8_t *buf = NULL;
	size_t len;

	settle();
	for (int i = 0; i < 3; i++)
		walk_in(SB, id[i], "连号");
	ship(SB, RE);
	CHECK(has_ticket(RE, id[2]));
	CHECK(view(RE, HQ, &out_pv));
	CHECK_INT(svc_sync_build(net[RE].s, &out_pv, pos[RE][HQ], NULL, &lim, 1, &buf, &len, &br),
	          0);
	CHECK(buf != NULL);
	if (!buf)
		return;
	svc_msg m;
	CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
	const svc_batch *b = &m.u.batch;
	svc_blob *v = calloc(b->nchanges + 1, sizeof *v);
	size_t n = 0, mine[3], nmine = 0;
	for (size_t i = 0; i < b->nchanges; i++) {
		svc_change c;
		CHECK_INT(svc_codec_change_decode(b->changes[i].data, b->changes[i].len, &c), 0);
		if (strcmp(c.origin, "shop-b") == 0 && nmine < 3)
			mine[nmine++] = i;
	}
	CHECK_INT(nmine, 3);
	if (nmine == 3) {
		uint64_t before = recv_lsn(HQ, RE);
		for (size_t i = 0; i < b->nchanges; i++)
			if (i != mine[1])
				v[n++] = b->changes[i];
		svc_errclear();
		CHECK_INT(apply_changes(RE, HQ, b, v, n, &r), SVC_EINVAL);
		CHECK_INT(r.gaps, 1);
		CHECK(strstr(svc_errmsg(), "leaves a hole") != NULL);
		CHECK(!has_ticket(HQ, id[2]));
		CHECK(!has_ticket(HQ, id[0])); /* refused whole */
		CHECK_INT(recv_lsn(HQ, RE), before);

		/* n3 before n2 is a hole too: a relay ships in arrival order,
		 * and upward that is seq order. */
		n = 0;
		for (size_t i = 0; i < b->nchanges; i++)
			v[n++] = b->changes[i == mine[1] ? mine[2] : i == mine[2] ? mine[1] : i];
		CHECK_INT(apply_changes(RE, HQ, b, v, n, &r), SVC_EINVAL);
		CHECK_INT(r.gaps, 1);
		CHECK(!has_ticket(HQ, id[0]));

		/* n2 arrives: both apply. */
		CHECK_INT(apply_changes(RE, HQ, b, b->changes, b->nchanges, &r), 0);
		CHECK_INT(r.gaps, 0);
		CHECK_INT(r.quarantined, 0);
		for (int i = 0; i < 3; i++)
			CHECK(has_ticket(HQ, id[i]));
		CHECK_INT(recv_lsn(HQ, RE), br.to_lsn);
		pos[RE][HQ] = br.to_lsn;
	}
	free(v);
	svc_codec_msg_free(&m);
	free(buf);
}

int main(void)
{
	if (svc_crypto_init())
		return 2;
	setup();
	test_flow_and_isolation();
	test_exactly_once();
	test_tamper();
	test_impersonating_relay();
	test_checkpoint_bound();
	test_fork();
	test_upward_hole();
	free(last_batch);
	teardown();
	return svc_test_done();
}

/*
 * test_attacks: library-level attacks on svcsync, each asserting it fails.
 *
 * The honest level for these is the library: real stores, enrolled with the
 * real identity functions, exchanging batches through svc_sync_build /
 * svc_sync_apply as the daemon does (tests/test_sync.c builds its network
 * the same way). Attacks forge changes with an origin's real key, or a
 * wrong one, and hand them to a receiver as if a given peer had relayed
 * them. A receiver is restored from a snapshot of its data.mdb after each
 * attack, so every attack meets the same state.
 *
 *  A. authorization: the role matrix of DESIGN.md section 5 for every change
 *     kind x origin (HQ, the ticket's region, the other region, the assigned
 *     shop, another shop of the region, a shop of the other region) x the
 *     state of the aggregate: applied, stored-as-rejected (the fold refuses
 *     it at its place) or quarantined (the role may never do it), compared
 *     with the table below, and the same change appended locally at its
 *     origin (svc_apply_local) refused in the same way. Then what a
 *     person is refused live (svc_local_*) replayed as a change.
 *     Impersonation, self-dealing, revocation and certificate expiry.
 *     Read isolation: 20 shops in two regions.
 *  D. tampering: every byte of a relayed change, of a commit header and of a
 *     signature flipped, each variant applied to a fresh copy of the
 *     receiver; replaying an old batch and a whole old session.
 *
 * Each attack is counted per category; the end prints one line per
 * category, "attacks: CATEGORY tried N, got through M" (docs/security.md).
 */
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_local.h"
#include "svc_offline.h"
#include "svc_rules.h"
#include "svc_apply.h"
#include "svc_sync.h"
#include "svc_tz.h"
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ the tally */

enum {
	CAT_AUTHZ,
	CAT_LIVE_REPLAY,
	CAT_IMPERSONATE,
	CAT_SELFDEAL,
	CAT_REVOKE,
	CAT_EXPIRY,
	CAT_ISOLATION,
	CAT_TAMPER,
	CAT_REPLAY,
	CAT_COUNT_
};

/* `min`: the attempts each category makes when every attack in it runs. A
 * tally below it means attacks were skipped (a setup step that silently
 * failed, a loop that ended early), and "got through 0" would then prove
 * nothing: the run fails. */
static struct {
	const char *name;
	unsigned min;
	unsigned tried, through;
} cats[CAT_COUNT_] = {
    {"authorization-matrix", 684, 0, 0},
    {"refused-live-refused-on-replay", 8, 0, 0},
    {"impersonation", 34, 0, 0},
    {"self-dealing", 45, 0, 0},
    {"revoked-key", 3, 0, 0},
    {"expired-certificate", 2, 0, 0},
    {"read-isolation", 1661, 0, 0},
    {"tampering", 1146, 0, 0},
    {"replay", 5, 0, 0},
};

static unsigned through_printed;

/* One attack: `through` means it succeeded, which is a failure of svcsync. */
static void attack(int cat, bool through, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void attack(int cat, bool through, const char *fmt, ...)
{
	cats[cat].tried++;
	if (!through) {
		svc_test_pass++;
		return;
	}
	cats[cat].through++;
	svc_test_fail++;
	if (through_printed++ < 200) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "ATTACK GOT THROUGH [%s]: ", cats[cat].name);
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
		va_end(ap);
	}
}

/* ------------------------------------------------------------ the network */

typedef struct {
	char id[SVC_ID_LEN];
	uint32_t role;
	char region[SVC_ID_LEN];
	char upstream[SVC_ID_LEN];
	char dir[SVC_PATH_MAX];
	svc_store *s;
	svc_keypair *kp;
	uint8_t store_id[SVC_STORE_ID_LEN];
} node;

#define MAXN 32
static node N[MAXN];
static size_t NN;
static uint64_t pos[MAXN][MAXN];
static char *base;

static size_t find(const char *id)
{
	for (size_t i = 0; i < NN; i++)
		if (strcmp(N[i].id, id) == 0)
			return i;
	fprintf(stderr, "no node %s\n", id);
	exit(2);
}

static void load_store_id(size_t i)
{
	svc_txn *t;
	svc_self self;
	CHECK_INT(svc_txn_begin(N[i].s, false, &t), 0);
	CHECK_INT(svc_self_get(t, &self), 0);
	svc_txn_abort(&t);
	memcpy(N[i].store_id, self.store_id, SVC_STORE_ID_LEN);
}

/* Create a node; enrolled by N[0] (HQ) below `upstream` unless enroll is
 * false (then it holds a key and a store, but no certificate). */
static size_t add_node(const char *id, uint32_t role, const char *region, const char *upstream,
                       bool enroll)
{
	size_t i = NN++;
	node *n = &N[i];
	memset(n, 0, sizeof *n);
	snprintf(n->id, sizeof n->id, "%s", id);
	n->role = role;
	snprintf(n->region, sizeof n->region, "%s", role == SVC_ROLE_REGION ? id : region);
	snprintf(n->upstream, sizeof n->upstream, "%s", upstream);
	snprintf(n->dir, sizeof n->dir, "%s/%s", base, id);
	CHECK_INT(svc_identity_init(n->dir, id, role, role == SVC_ROLE_HQ ? "" : n->region, &n->s),
	          0);
	CHECK_INT(svc_identity_key(n->dir, &n->kp), 0);
	if (role != SVC_ROLE_HQ && enroll) {
		uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX];
		size_t rlen, blen;
		svc_approve_opts o = {upstream, "tcp://127.0.0.1:7700", 0};
		CHECK_INT(svc_enroll_make_request(n->s, n->kp, req, sizeof req, &rlen), 0);
		CHECK_INT(svc_enroll_approve(N[0].s, N[0].kp, req, rlen, &o, bundle, sizeof bundle,
		                             &blen, NULL),
		          0);
		CHECK_INT(svc_enroll_accept(n->s, bundle, blen, N[0].kp->pk), 0);
	}
	load_store_id(i);
	return i;
}

static void net_new(const char *tag)
{
	base = svc_test_tmpdir(tag);
	NN = 0;
	memset(pos, 0, sizeof pos);
}

static void net_free(void)
{
	for (size_t i = 0; i < NN; i++) {
		svc_store_close(&N[i].s);
		svc_keypair_destroy(&N[i].kp);
	}
	svc_test_rmdir(base);
	free(base);
	base = NULL;
	NN = 0;
}

static bool is_up(size_t from, size_t to)
{
	return strcmp(N[from].upstream, N[to].id) == 0;
}

/* How `from` sees `to`; false when `from` does not know `to` yet. */
static bool view(size_t from, size_t to, svc_peer_view *pv)
{
	svc_txn *t;
	CHECK_INT(svc_txn_begin(N[from].s, false, &t), 0);
	int rc = svc_sync_peer_view(t, N[to].id, is_up(from, to), pv);
	svc_txn_abort(&t);
	svc_errclear();
	return rc == 0;
}

/* Batches recorded by ship() while `rec` is set (encoded messages). */
typedef struct {
	uint8_t **msgs;
	size_t *lens;
	size_t n, cap;
} recording;

static recording *rec;

static void rec_add(recording *r, uint8_t *msg, size_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->msgs = realloc(r->msgs, r->cap * sizeof *r->msgs);
		r->lens = realloc(r->lens, r->cap * sizeof *r->lens);
	}
	r->msgs[r->n] = msg;
	r->lens[r->n++] = len;
}

static void rec_free(recording *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->msgs[i]);
	free(r->msgs);
	free(r->lens);
	memset(r, 0, sizeof *r);
}

static size_t batch_changes = 64;

/* Ship everything `from` has for `to`. */
static svc_sync_result ship(size_t from, size_t to)
{
	svc_peer_view out_pv, in_pv;
	svc_build_limits lim = {batch_changes, 1 << 20, 100000};
	svc_sync_result total;
	memset(&total, 0, sizeof total);
	CHECK_INT(svc_sync_commit_local(N[from].s, N[from].kp, NULL), 0);
	if (!view(from, to, &out_pv) || !view(to, from, &in_pv))
		return total;
	for (int round = 0; round < 10000; round++) {
		uint8_t *buf;
		size_t len;
		svc_build_result br;
		CHECK_INT(svc_sync_build(N[from].s, &out_pv, pos[from][to], NULL, &lim, round + 1,
		                         &buf, &len, &br),
		          0);
		if (!buf)
			break;
		svc_msg m;
		CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
		svc_sync_result r;
		CHECK_INT(svc_sync_apply(N[to].s, &in_pv, N[from].store_id, &m.u.batch, &r), 0);
		total.applied += r.applied;
		total.duplicates += r.duplicates;
		total.quarantined += r.quarantined;
		if (r.quarantined && !total.first_reason[0])
			snprintf(total.first_reason, sizeof total.first_reason, "%s",
			         r.first_reason);
		svc_codec_msg_free(&m);
		pos[from][to] = br.to_lsn;
		if (rec && br.nchanges)
			rec_add(rec, buf, len);
		else
			free(buf);
		if (!br.more)
			break;
	}
	return total;
}

static int depth(size_t i)
{
	return N[i].role == SVC_ROLE_HQ ? 0 : N[i].role == SVC_ROLE_REGION ? 1 : 2;
}

/* Down the tree, then up, a few times: quiescence for these sizes. */
static unsigned settle(void)
{
	unsigned quarantined = 0;
	for (int round = 0; round < 3; round++) {
		for (int d = 1; d <= 2; d++)
			for (size_t i = 0; i < NN; i++)
				if (depth(i) == d && N[i].upstream[0])
					quarantined += ship(find(N[i].upstream), i).quarantined;
		for (int d = 2; d >= 1; d--)
			for (size_t i = 0; i < NN; i++)
				if (depth(i) == d && N[i].upstream[0])
					quarantined += ship(i, find(N[i].upstream)).quarantined;
	}
	return quarantined;
}

/* ------------------------------------------------------------ snapshots */

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || out < 0) {
		fprintf(stderr, "copy %s -> %s: %s\n", from, to, strerror(errno));
		exit(2);
	}
	static char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			fprintf(stderr, "write %s: %s\n", to, strerror(errno));
			exit(2);
		}
	close(in);
	close(out);
}

static void snap_paths(size_t i, char *db, char *snap)
{
	snprintf(db, 4300, "%s/data.mdb", N[i].dir);
	snprintf(snap, 4300, "%s/snap-%s.mdb", base, N[i].id);
}

static void snap_save(size_t i)
{
	char db[4300], snap[4300];
	snap_paths(i, db, snap);
	svc_store_close(&N[i].s);
	copy_file(db, snap);
	CHECK_INT(svc_store_open(N[i].dir, 0, &N[i].s), 0);
}

static void snap_restore(size_t i)
{
	char db[4300], snap[4300];
	snap_paths(i, db, snap);
	svc_store_close(&N[i].s);
	copy_file(snap, db);
	CHECK_INT(svc_store_open(N[i].dir, 0, &N[i].s), 0);
}

static void snap_save_all(void)
{
	for (size_t i = 0; i < NN; i++)
		snap_save(i);
}

/* ------------------------------------------------------------ forging */

typedef struct {
	svc_change c;
	uint8_t bytes[SVC_CHANGE_MAX];
	size_t len;
	uint8_t hash[SVC_HASH_LEN];
	uint8_t commit[SVC_COMMIT_MAX + 256];
	size_t clen; /* 0: no commit */
} forged;

enum { SIGN_ORIGIN = -1, SIGN_NONE = -2 };

typedef struct {
	int signer;     /* node index, SIGN_ORIGIN or SIGN_NONE */
	bool keep_role; /* origin_role / origin_region as the caller set them */
	uint64_t hlc;   /* 0: the origin's next clock value */
	uint64_t seq;   /* 0: the origin's head + 1 */
} forge_opts;

static const forge_opts DEFAULT_FORGE = {SIGN_ORIGIN, false, 0, 0};

/* A change as node `origin` would write it next (its seq, chain and
 * clock), encoded, with a one-change commit signed by `o->signer`. */
static void forge(size_t origin, const svc_change *tmpl, const forge_opts *o, forged *f)
{
	svc_txn *t;
	svc_self self;
	uint64_t head, hlc;
	memset(f, 0, sizeof *f);
	f->c = *tmpl;
	svc_change *c = &f->c;
	CHECK_INT(svc_txn_begin(N[origin].s, false, &t), 0);
	CHECK_INT(svc_self_get(t, &self), 0);
	CHECK_INT(svc_journal_head_get(t, self.node, &head, c->prev_hash), 0);
	CHECK_INT(svc_journal_hlc_get(t, &hlc), 0);
	svc_txn_abort(&t);
	snprintf(c->origin, sizeof c->origin, "%s", self.node);
	c->seq = o->seq ? o->seq : head + 1;
	uint64_t now = svc_journal_now_ms() << 16;
	c->hlc = o->hlc ? o->hlc : (now > hlc ? now : hlc + 1);
	if (!o->keep_role) {
		c->origin_role = self.role;
		snprintf(c->origin_region, sizeof c->origin_region, "%s", self.region);
	}
	if (c->kind == SVC_CK_TICKET_OPEN)
		svc_rules_ticket_id(c->aggregate, c->origin, c->seq);
	else if (c->kind == SVC_CK_PART_MOVE && c->u.part_move.kind == SVC_MV_TRANSFER_OUT)
		svc_rules_transfer_id(c->aggregate, c->origin, c->seq);
	int rc = svc_codec_change_encode(c, f->bytes, sizeof f->bytes, &f->len);
	if (rc) {
		fprintf(stderr, "forge: cannot encode %s %s: %s\n", svc_change_kind_name(c->kind),
		        c->aggregate, svc_errmsg());
		CHECK_INT(rc, 0);
		return;
	}
	svc_hash(f->bytes, f->len, f->hash);
	if (o->signer == SIGN_NONE)
		return;
	size_t signer = o->signer == SIGN_ORIGIN ? origin : (size_t)o->signer;
	svc_commit_header h;
	uint8_t hb[1024], sig[SVC_SIG_LEN];
	size_t hlen;
	memset(&h, 0, sizeof h);
	snprintf(h.origin, sizeof h.origin, "%s", c->origin);
	h.first_seq = h.last_seq = c->seq;
	h.nhashes = 1;
	h.hashes = &f->hash;
	CHECK_INT(svc_codec_commit_header_encode(&h, hb, sizeof hb, &hlen), 0);
	svc_sign(N[signer].kp, hb, hlen, sig);
	CHECK_INT(svc_codec_signed_encode(hb, hlen, sig, f->commit, sizeof f->commit, &f->clen), 0);
}

typedef enum { OUT_APPLIED, OUT_REJECTED, OUT_QUARANTINED, OUT_ABSENT, OUT_OTHER } outcome;

static const char *outcome_name(outcome o)
{
	static const char *n[] = {"applied", "stored-as-rejected", "quarantined", "absent",
	                          "other bytes stored"};
	return n[o];
}

/* Hand changes (and their commits) to `to` as relayed by `relay`. */
static svc_sync_result deliver(size_t to, size_t relay, forged *const *fs, size_t n)
{
	svc_peer_view pv;
	svc_sync_result r;
	svc_blob ch[16], cm[16];
	svc_batch b;
	memset(&r, 0, sizeof r);
	memset(&b, 0, sizeof b);
	if (!view(to, relay, &pv)) {
		fprintf(stderr, "deliver: %s does not know %s\n", N[to].id, N[relay].id);
		CHECK(0);
		return r;
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		ch[b.nchanges].data = fs[i]->bytes;
		ch[b.nchanges++].len = fs[i]->len;
		if (fs[i]->clen) {
			cm[b.ncommits].data = fs[i]->commit;
			cm[b.ncommits++].len = fs[i]->clen;
		}
	}
	b.id = 1;
	b.changes = ch;
	b.commits = cm;
	CHECK_INT(svc_sync_apply(N[to].s, &pv, N[relay].store_id, &b, &r), 0);
	return r;
}

/* What `at` holds of the forged change. */
static outcome outcome_of(size_t at, const forged *f, const svc_sync_result *r)
{
	svc_txn *t;
	svc_logged_change lc;
	const uint8_t *bytes;
	size_t len;
	outcome o;
	CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
	int rc = svc_journal_change_get(t, f->c.origin, f->c.seq, &lc, &bytes, &len);
	if (rc == 0)
		o = len == f->len && memcmp(bytes, f->bytes, len) == 0
		        ? (lc.rejected ? OUT_REJECTED : OUT_APPLIED)
		        : OUT_OTHER;
	else
		o = r->quarantined ? OUT_QUARANTINED : OUT_ABSENT;
	svc_txn_abort(&t);
	svc_errclear();
	return o;
}

/* The last quarantine entry's peer and reason at `at`. */
struct last_q {
	char peer[SVC_ID_LEN];
	char reason[SVC_REASON_LEN];
};

static int last_q_step(const svc_quarantined *q, void *arg)
{
	struct last_q *l = arg;
	snprintf(l->peer, sizeof l->peer, "%s", q->peer);
	snprintf(l->reason, sizeof l->reason, "%s", q->reason);
	return 0;
}

static struct last_q last_quarantined(size_t at)
{
	struct last_q l;
	svc_txn *t;
	memset(&l, 0, sizeof l);
	CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
	svc_quarantine_each(t, last_q_step, &l);
	svc_txn_abort(&t);
	return l;
}

/* Append a change at its origin as a local write, then throw the write
 * away: only whether svc_apply_local took it matters. */
struct local_try {
	svc_change c;
	int rc;
	char msg[SVC_REASON_LEN];
};

static int local_try_fn(svc_txn *t, void *arg)
{
	struct local_try *l = arg;
	svc_change c = l->c;
	l->rc = svc_apply_local(t, &c);
	snprintf(l->msg, sizeof l->msg, "%s", l->rc ? svc_errmsg() : "");
	return 1; /* abort: leave the store as it was */
}

static int local_try(size_t origin, const svc_change *tmpl, char msg[SVC_REASON_LEN])
{
	struct local_try l;
	memset(&l, 0, sizeof l);
	l.c = *tmpl;
	svc_store_write(N[origin].s, local_try_fn, &l);
	svc_errclear();
	if (msg)
		snprintf(msg, SVC_REASON_LEN, "%s", l.msg);
	return l.rc;
}

/* ------------------------------------------------------------ the main network */

enum { HQ, RE, RW, SA, SB, SC, NMAIN };
static const char *actor_name[NMAIN] = {"hq", "region-e", "region-w", "shop-a", "shop-b", "shop-c"};

static void main_net(void)
{
	net_new("attacks");
	add_node("hq", SVC_ROLE_HQ, "", "", false);
	add_node("region-e", SVC_ROLE_REGION, "", "hq", true);
	add_node("region-w", SVC_ROLE_REGION, "", "hq", true);
	add_node("shop-a", SVC_ROLE_SHOP, "region-e", "region-e", true);
	add_node("shop-b", SVC_ROLE_SHOP, "region-e", "region-e", true);
	add_node("shop-c", SVC_ROLE_SHOP, "region-w", "region-w", true);
}

static unsigned customer_no;

static void ticket_new(size_t at, const char *shop, const char *region, char id[SVC_AGG_LEN])
{
	char cust[64];
	snprintf(cust, sizeof cust, "客户-%u", ++customer_no);
	svc_ticket_fields f = {
	    .kind = "repair",
	    .customer = cust,
	    .phone = "138-0013-8000",
	    .product = "AC-3000",
	    .fault = "no cooling",
	    .address = "上海市 1 号",
	    .shop = shop,
	    .region = region,
	};
	int rc = svc_test_ticket_new_legacy(N[at].s, &f, id);
	if (rc)
		fprintf(stderr, "ticket new at %s: %s\n", N[at].id, svc_errmsg());
	CHECK_INT(rc, 0);
}

static void must(int rc, const char *what)
{
	if (rc)
		fprintf(stderr, "setup: %s: %s\n", what, svc_errmsg());
	CHECK_INT(rc, 0);
}

/* The fixture: tickets of region-e in every state, shop-a's claims in every
 * state, stock and transfers. */
static char tk[8][SVC_AGG_LEN];     /* by svc_ticket_status (1..7) */
static char tk_walk[SVC_AGG_LEN];   /* shop-a's walk-in */
static char tk_free[SVC_AGG_LEN];   /* resolved by shop-a, no claim yet */
static char tk_w[SVC_AGG_LEN];      /* region-w's, shop-c's, resolved */
static char tcl[8][SVC_AGG_LEN];    /* tickets of the claims, by svc_claim_status */
static char cl[8][SVC_AGG_LEN];     /* claims by svc_claim_status (1..7) */
static char cl_w[SVC_AGG_LEN];      /* shop-c's claim, submitted */
static char x_pending[SVC_AGG_LEN]; /* region-e -> shop-a, in transit */

static void resolve(size_t shop, const char *id)
{
	must(svc_local_ticket_status(N[shop].s, id, SVC_TS_ACCEPTED, NULL), "accept");
	must(svc_local_ticket_status(N[shop].s, id, SVC_TS_ON_SITE, NULL), "on site");
	must(svc_local_ticket_status(N[shop].s, id, SVC_TS_RESOLVED, NULL), "resolve");
}

static void claim(size_t shop, const char *ticket, char id[SVC_AGG_LEN])
{
	svc_claim_request r = {.ticket = ticket, .labor = 8000, .travel = 1500};
	must(svc_local_claim_submit(N[shop].s, &r, id, NULL, NULL), "claim submit");
}

static void fixture(void)
{
	char x[SVC_AGG_LEN];
	must(svc_local_catalog_add(N[HQ].s, "P-1", "filter", 1000), "catalog");
	must(svc_local_part_receive(N[HQ].s, "P-1", 100, "PO-1"), "receive");
	char xe[SVC_AGG_LEN], xw[SVC_AGG_LEN];
	must(svc_local_part_transfer(N[HQ].s, "P-1", 20, "region-e", xe), "hq -> region-e");
	must(svc_local_part_transfer(N[HQ].s, "P-1", 20, "region-w", xw), "hq -> region-w");
	settle();
	must(svc_local_part_receive_transfer(N[RE].s, xe, NULL, NULL), "region-e receives");
	must(svc_local_part_receive_transfer(N[RW].s, xw, NULL, NULL), "region-w receives");
	must(svc_local_part_transfer(N[RE].s, "P-1", 5, "shop-a", x), "region-e -> shop-a");
	must(svc_local_part_transfer(N[RE].s, "P-1", 3, "shop-a", x_pending), "pending");
	settle();
	must(svc_local_part_receive_transfer(N[SA].s, x, NULL, NULL), "shop-a receives");

	ticket_new(RE, NULL, NULL, tk[SVC_TS_NEW]);
	for (int s = SVC_TS_ASSIGNED; s <= SVC_TS_CANCELLED; s++)
		ticket_new(RE, "shop-a", NULL, tk[s]);
	ticket_new(SA, NULL, NULL, tk_walk);
	ticket_new(RE, "shop-a", NULL, tk_free);
	for (int s = SVC_CS_SUBMITTED; s <= SVC_CS_PAID; s++)
		ticket_new(RE, "shop-a", NULL, tcl[s]);
	ticket_new(RW, "shop-c", NULL, tk_w);
	settle();
	must(svc_local_ticket_status(N[SA].s, tk[SVC_TS_ACCEPTED], SVC_TS_ACCEPTED, NULL), "acc");
	must(svc_local_ticket_status(N[SA].s, tk[SVC_TS_ON_SITE], SVC_TS_ACCEPTED, NULL), "acc");
	must(svc_local_ticket_status(N[SA].s, tk[SVC_TS_ON_SITE], SVC_TS_ON_SITE, NULL), "ons");
	resolve(SA, tk[SVC_TS_RESOLVED]);
	resolve(SA, tk[SVC_TS_CLOSED]);
	resolve(SA, tk_free);
	for (int s = SVC_CS_SUBMITTED; s <= SVC_CS_PAID; s++)
		resolve(SA, tcl[s]);
	resolve(SC, tk_w);
	settle();
	must(svc_local_ticket_status(N[RE].s, tk[SVC_TS_CLOSED], SVC_TS_CLOSED, NULL), "close");
	must(svc_local_ticket_status(N[RE].s, tk[SVC_TS_CANCELLED], SVC_TS_CANCELLED, "dup"),
	     "cancel");
	for (int s = SVC_CS_SUBMITTED; s <= SVC_CS_PAID; s++)
		claim(SA, tcl[s], cl[s]);
	claim(SC, tk_w, cl_w);
	settle();
	must(svc_local_claim_decide(N[RE].s, cl[SVC_CS_RETURNED], SVC_CA_RETURN, 0, "photo", NULL),
	     "return");
	for (int s = SVC_CS_AUDITED; s <= SVC_CS_PAID; s++)
		if (s != SVC_CS_RETURNED)
			must(svc_local_claim_decide(N[RE].s, cl[s], SVC_CA_AUDIT, 0, NULL, NULL),
			     "audit");
	settle();
	must(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_APPROVED], SVC_CA_APPROVE, 0,
	                            "labor checked", NULL),
	     "approve");
	must(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_PARTIAL], SVC_CA_APPROVE, 5000, "cut", NULL),
	     "partial");
	must(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_REJECTED], SVC_CA_REJECT, 0, "no", NULL),
	     "reject");
	must(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_PAID], SVC_CA_APPROVE, 0, "labor checked",
	                            NULL),
	     "approve");
	must(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_PAID], SVC_CA_PAY, 0, NULL, "PAY-1"), "pay");
	CHECK_INT(settle(), 0);
}

/* ------------------------------------------------------------ the role matrix */

/* Expected outcome of a change: applied; stored but refused by the fold
 * at its place (the role may do this, not to this aggregate in this state);
 * quarantined (the role may never do this, or the change is malformed);
 * DENY: not applied, either way. */
typedef enum { EXP_A, EXP_R, EXP_Q, EXP_DENY } expect;

static const char *expect_name(expect e)
{
	static const char *n[] = {"applied", "stored-as-rejected", "quarantined", "refused"};
	return n[e];
}

static uint32_t role_of(int actor)
{
	return N[actor].role;
}

static bool outcome_matches(expect e, outcome o)
{
	switch (e) {
	case EXP_A:
		return o == OUT_APPLIED;
	case EXP_R:
		return o == OUT_REJECTED;
	case EXP_Q:
		return o == OUT_QUARANTINED;
	default:
		return o == OUT_REJECTED || o == OUT_QUARANTINED;
	}
}

static bool local_matches(expect e, int rc)
{
	switch (e) {
	case EXP_A:
		return rc == 0;
	case EXP_R:
		return rc == SVC_EREJECT;
	case EXP_Q:
		return rc == SVC_EDENIED || rc == SVC_EINVAL;
	default:
		return rc != 0;
	}
}

static unsigned matrix_cases, matrix_allowed;
static unsigned by_outcome[5];

/*
 * One cell of the matrix: the change from `actor`, replicated along the
 * tree to HQ (or, for HQ's own changes, down to region-e) and written
 * locally at the actor. `cat` is the tally category when it is an attack.
 */
static void cell(int cat, const char *label, int actor, const svc_change *tmpl, expect e)
{
	forged f;
	char msg[SVC_REASON_LEN];
	outcome o1 = OUT_ABSENT, o2 = OUT_ABSENT;
	svc_sync_result r;
	forged *fp = &f;
	size_t at1, relay1, at2 = 0, relay2 = 0;
	bool two = false;

	forge((size_t)actor, tmpl, &DEFAULT_FORGE, &f);
	switch (role_of(actor)) {
	case SVC_ROLE_HQ:
		at1 = RE, relay1 = HQ;
		break;
	case SVC_ROLE_REGION:
		at1 = HQ, relay1 = (size_t)actor;
		break;
	default:
		at1 = find(N[actor].upstream), relay1 = (size_t)actor;
		at2 = HQ, relay2 = at1, two = true;
		break;
	}
	r = deliver(at1, relay1, &fp, 1);
	o1 = outcome_of(at1, &f, &r);
	snap_restore(at1);
	if (two) {
		r = deliver(at2, relay2, &fp, 1);
		o2 = outcome_of(at2, &f, &r);
		snap_restore(at2);
	}
	int lrc = local_try((size_t)actor, tmpl, msg);

	matrix_cases++;
	by_outcome[o1]++;
	bool ok =
	    outcome_matches(e, o1) && (!two || outcome_matches(e, o2)) && local_matches(e, lrc);
	if (e == EXP_A) {
		matrix_allowed++;
		if (!ok) {
			svc_test_fail++;
			fprintf(stderr,
			        "matrix: %s by %s should be applied: replicated %s%s%s, local %s\n",
			        label, actor_name[actor], outcome_name(o1), two ? " / at hq " : "",
			        two ? outcome_name(o2) : "", lrc ? msg : "ok");
		} else {
			svc_test_pass++;
		}
		return;
	}
	/* An attack: it got through if the change was applied anywhere or the
	 * local write was taken. A refusal of the other kind than the table
	 * says is a (lesser) mismatch, reported but not counted as through. */
	bool through =
	    o1 == OUT_APPLIED || o1 == OUT_OTHER || (two && (o2 == OUT_APPLIED)) || lrc == 0;
	attack(cat, through, "%s by %s (expected %s): replicated %s%s%s, local %s", label,
	       actor_name[actor], expect_name(e), outcome_name(o1), two ? ", at hq " : "",
	       two ? outcome_name(o2) : "", lrc ? msg : "accepted");
	if (!through && !ok) {
		svc_test_fail++;
		fprintf(stderr,
		        "matrix: %s by %s refused, but not as expected (%s): "
		        "replicated %s%s%s, local rc %d %s\n",
		        label, actor_name[actor], expect_name(e), outcome_name(o1),
		        two ? ", at hq " : "", two ? outcome_name(o2) : "", lrc, msg);
	}
}

/* What the fixture's tickets look like (independently of the store). */
typedef struct {
	const char *id;
	uint32_t status;
	int shop;      /* actor index of the assigned shop, -1 none */
	int region;    /* actor index of the ticket's region */
	int opened_by; /* actor index */
} tkinfo;

static size_t tickets_known(tkinfo *out)
{
	size_t n = 0;
	for (int s = SVC_TS_NEW; s <= SVC_TS_CANCELLED; s++)
		out[n++] = (tkinfo){tk[s], (uint32_t)s, s == SVC_TS_NEW ? -1 : SA, RE, RE};
	out[n++] = (tkinfo){tk_walk, SVC_TS_ASSIGNED, SA, RE, SA};
	return n;
}

static bool valid_transition(uint32_t from, uint32_t to)
{
	switch (to) {
	case SVC_TS_ACCEPTED:
		return from == SVC_TS_ASSIGNED;
	case SVC_TS_ON_SITE:
		return from == SVC_TS_ACCEPTED;
	case SVC_TS_RESOLVED:
		return from == SVC_TS_ON_SITE;
	case SVC_TS_CLOSED:
	case SVC_TS_ASSIGNED: /* reopen */
		return from == SVC_TS_RESOLVED;
	case SVC_TS_CANCELLED:
		return from == SVC_TS_NEW || from == SVC_TS_ASSIGNED || from == SVC_TS_ACCEPTED ||
		       from == SVC_TS_ON_SITE;
	default:
		return false;
	}
}

/* README "Records and rules" and DESIGN.md section 5, as a table. */
static expect exp_ticket_status(int a, const tkinfo *t, uint32_t to)
{
	uint32_t role = role_of(a);
	if (role == SVC_ROLE_SHOP &&
	    (to == SVC_TS_CLOSED || to == SVC_TS_ASSIGNED || to == SVC_TS_NEW))
		return EXP_Q; /* closing, reopening: the region's or HQ's */
	/* The work itself is the assigned shop's. A region may resolve only a
	 * consult it holds with no shop (the hotline's short path), which the
	 * fold decides: for these repair tickets its resolve is rejected there. */
	if (role == SVC_ROLE_REGION &&
	    (to == SVC_TS_ACCEPTED || to == SVC_TS_ON_SITE || to == SVC_TS_NEW))
		return EXP_Q;
	if (!valid_transition(t->status, to))
		return EXP_R;
	bool hq = a == HQ, region = a == t->region, assigned = a == t->shop;
	switch (to) {
	case SVC_TS_ACCEPTED:
	case SVC_TS_ON_SITE:
	case SVC_TS_RESOLVED:
		return hq || assigned ? EXP_A : EXP_R;
	case SVC_TS_CLOSED:
	case SVC_TS_ASSIGNED:
		return hq || region ? EXP_A : EXP_R;
	case SVC_TS_CANCELLED:
		if (hq || region)
			return EXP_A;
		return role == SVC_ROLE_SHOP && a == t->opened_by && assigned ? EXP_A : EXP_R;
	default:
		return EXP_R;
	}
}

static void matrix_tickets(void)
{
	tkinfo t[16];
	size_t n = tickets_known(t);
	char label[160];
	for (size_t i = 0; i < n; i++) {
		for (int a = 0; a < NMAIN; a++) {
			svc_change c;
			/* status changes */
			for (uint32_t to = SVC_TS_NEW; to <= SVC_TS_CANCELLED; to++) {
				memset(&c, 0, sizeof c);
				c.kind = SVC_CK_TICKET_STATUS;
				snprintf(c.aggregate, sizeof c.aggregate, "%s", t[i].id);
				c.u.ticket_status.status = to;
				snprintf(label, sizeof label, "ticket.status %s -> %s on %s",
				         svc_ticket_status_name(t[i].status),
				         svc_ticket_status_name(to), t[i].id);
				cell(CAT_AUTHZ, label, a, &c, exp_ticket_status(a, &t[i], to));
			}
			/* assign to another shop of the region */
			memset(&c, 0, sizeof c);
			c.kind = SVC_CK_TICKET_ASSIGN;
			snprintf(c.aggregate, sizeof c.aggregate, "%s", t[i].id);
			snprintf(c.u.ticket_assign.shop, sizeof c.u.ticket_assign.shop, "shop-b");
			expect e;
			if (role_of(a) == SVC_ROLE_SHOP)
				e = EXP_Q;
			else if (a != HQ && a != t[i].region)
				e = EXP_DENY; /* another region's ticket, and shop */
			else
				e = t[i].status == SVC_TS_NEW || t[i].status == SVC_TS_ASSIGNED ||
				            t[i].status == SVC_TS_ACCEPTED
				        ? EXP_A
				        : EXP_R;
			snprintf(label, sizeof label, "ticket.assign %s (%s) to shop-b", t[i].id,
			         svc_ticket_status_name(t[i].status));
			cell(CAT_AUTHZ, label, a, &c, e);
			/* notes: HQ, the region, the assigned shop */
			memset(&c, 0, sizeof c);
			c.kind = SVC_CK_TICKET_NOTE;
			snprintf(c.aggregate, sizeof c.aggregate, "%s", t[i].id);
			snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "note");
			e = a == HQ || a == t[i].region || a == t[i].shop ? EXP_A : EXP_R;
			snprintf(label, sizeof label, "ticket.note on %s (%s)", t[i].id,
			         svc_ticket_status_name(t[i].status));
			cell(CAT_AUTHZ, label, a, &c, e);
			/* callbacks: HQ and the region, on resolved or closed */
			memset(&c, 0, sizeof c);
			c.kind = SVC_CK_TICKET_CALLBACK;
			snprintf(c.aggregate, sizeof c.aggregate, "%s", t[i].id);
			c.u.ticket_callback.satisfaction = 5;
			if (role_of(a) == SVC_ROLE_SHOP)
				e = EXP_Q;
			else if (a != HQ && a != t[i].region)
				e = EXP_R;
			else
				e = t[i].status == SVC_TS_RESOLVED || t[i].status == SVC_TS_CLOSED
				        ? EXP_A
				        : EXP_R;
			snprintf(label, sizeof label, "ticket.callback on %s (%s)", t[i].id,
			         svc_ticket_status_name(t[i].status));
			cell(CAT_AUTHZ, label, a, &c, e);
		}
	}
}

static void open_body(svc_change *c, const char *shop, const char *region)
{
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_TICKET_OPEN;
	svc_ticket_open *b = &c->u.ticket_open;
	b->kind = SVC_TK_INSTALL;
	snprintf(b->customer, sizeof b->customer, "王五");
	snprintf(b->phone, sizeof b->phone, "13900001111");
	snprintf(b->product, sizeof b->product, "WH-50");
	snprintf(b->fault, sizeof b->fault, "install");
	snprintf(b->shop, sizeof b->shop, "%s", shop);
	snprintf(b->region, sizeof b->region, "%s", region);
}

static void matrix_open(void)
{
	svc_change c;
	static const struct {
		int actor;
		const char *shop, *region;
		expect e;
	} cases[] = {
	    {SA, "shop-a", "region-e", EXP_A}, /* a walk-in */
	    {SA, "shop-a", "", EXP_A},
	    {SA, "shop-b", "region-e", EXP_Q}, /* for another shop */
	    {SA, "", "region-e", EXP_Q},       /* not assigned to itself */
	    {SA, "shop-a", "region-w", EXP_Q}, /* in another region */
	    {SC, "shop-a", "region-e", EXP_Q},
	    {RE, "", "region-e", EXP_A},
	    {RE, "", "", EXP_A},
	    {RE, "shop-a", "region-e", EXP_A}, /* onto its own shop */
	    {RE, "", "region-w", EXP_Q},       /* in another region */
	    {RW, "shop-a", "region-e", EXP_Q},
	    {HQ, "", "region-e", EXP_A},
	    {HQ, "shop-c", "region-w", EXP_A},
	};
	char label[160];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		open_body(&c, cases[i].shop, cases[i].region);
		snprintf(label, sizeof label, "ticket.open shop '%s' region '%s'", cases[i].shop,
		         cases[i].region);
		cell(CAT_AUTHZ, label, cases[i].actor, &c, cases[i].e);
	}
}

static void catalog_body(svc_change *c)
{
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_CATALOG_PUT;
	snprintf(c->u.catalog_put.part_no, sizeof c->u.catalog_put.part_no, "P-1");
	snprintf(c->u.catalog_put.name, sizeof c->u.catalog_put.name, "filter (cheap)");
	c->u.catalog_put.price = 1;
	svc_rules_catalog_agg(c->aggregate, "P-1");
}

static void move_body(svc_change *c, uint32_t kind, const char *loc, int64_t qty, const char *peer,
                      const char *ticket, const char *transfer)
{
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_PART_MOVE;
	svc_part_move *m = &c->u.part_move;
	m->kind = kind;
	snprintf(m->location, sizeof m->location, "%s", loc);
	snprintf(m->part_no, sizeof m->part_no, "P-1");
	m->qty = qty;
	snprintf(m->peer, sizeof m->peer, "%s", peer ? peer : "");
	snprintf(m->ticket, sizeof m->ticket, "%s", ticket ? ticket : "");
	snprintf(m->transfer, sizeof m->transfer, "%s", transfer ? transfer : "");
	if (kind == SVC_MV_ADJUST)
		snprintf(m->reason, sizeof m->reason, "count");
	if (kind == SVC_MV_TRANSFER_IN)
		snprintf(c->aggregate, sizeof c->aggregate, "%s", transfer);
	else if (kind != SVC_MV_TRANSFER_OUT)
		svc_rules_move_agg(c->aggregate, loc, "P-1");
}

static void matrix_catalog_and_moves(void)
{
	svc_change c;
	char label[160];
	for (int a = 0; a < NMAIN; a++) {
		catalog_body(&c);
		cell(CAT_AUTHZ, "catalog.put P-1", a, &c, a == HQ ? EXP_A : EXP_Q);
		const char *own = actor_name[a];
		const char *other = a == SA ? "shop-b" : "shop-a";
		move_body(&c, SVC_MV_RECEIVE, own, 5, NULL, NULL, NULL);
		cell(CAT_AUTHZ, "part.move receive at own location", a, &c,
		     a == HQ ? EXP_A : EXP_Q);
		static const uint32_t kinds[] = {SVC_MV_CONSUME, SVC_MV_DEFECTIVE_RETURN,
		                                 SVC_MV_ADJUST};
		for (size_t k = 0; k < 3; k++) {
			int64_t q = kinds[k] == SVC_MV_CONSUME ? -1 : 1;
			const char *ticket =
			    kinds[k] == SVC_MV_CONSUME ? tk[SVC_TS_ACCEPTED] : NULL;
			move_body(&c, kinds[k], own, q, NULL, ticket, NULL);
			snprintf(label, sizeof label, "part.move %s at own location",
			         svc_move_kind_name(kinds[k]));
			cell(CAT_AUTHZ, label, a, &c, EXP_A);
			move_body(&c, kinds[k], other, q, NULL, ticket, NULL);
			snprintf(label, sizeof label, "part.move %s at %s",
			         svc_move_kind_name(kinds[k]), other);
			cell(CAT_AUTHZ, label, a, &c, a == HQ ? EXP_A : EXP_Q);
		}
		/* shipping from another node's stock */
		move_body(&c, SVC_MV_TRANSFER_OUT, other, -1, "region-e", NULL, NULL);
		if (strcmp(other, "region-e") == 0)
			snprintf(c.u.part_move.peer, sizeof c.u.part_move.peer, "hq");
		snprintf(label, sizeof label, "part.move transfer_out from %s's stock", other);
		/* not even HQ: only the source ships (its stock leaves it) */
		cell(CAT_AUTHZ, label, a, &c, a == HQ ? EXP_R : EXP_Q);
		/* receiving region-e's pending shipment to shop-a */
		move_body(&c, SVC_MV_TRANSFER_IN, own, 3, "region-e", NULL, x_pending);
		snprintf(label, sizeof label, "part.move transfer_in of %s (to shop-a) at %s",
		         x_pending, own);
		cell(CAT_AUTHZ, label, a, &c, a == SA ? EXP_A : EXP_R);
		if (a != SA) {
			move_body(&c, SVC_MV_TRANSFER_IN, "shop-a", 3, "region-e", NULL, x_pending);
			snprintf(label, sizeof label,
			         "part.move transfer_in of %s at shop-a by another node",
			         x_pending);
			cell(CAT_AUTHZ, label, a, &c, a == HQ ? EXP_R : EXP_Q);
		}
	}
	/* where a shop may ship: back to its region only */
	static const struct {
		int actor;
		const char *to;
		expect e;
	} ships[] = {
	    {SA, "region-e", EXP_A}, {SA, "hq", EXP_Q},     {SA, "shop-b", EXP_Q},
	    {SA, "region-w", EXP_Q}, {SA, "shop-c", EXP_Q}, {RE, "shop-a", EXP_A},
	    {RE, "hq", EXP_A},       {HQ, "shop-c", EXP_A},
	};
	for (size_t i = 0; i < sizeof ships / sizeof ships[0]; i++) {
		move_body(&c, SVC_MV_TRANSFER_OUT, actor_name[ships[i].actor], -1, ships[i].to,
		          NULL, NULL);
		snprintf(label, sizeof label, "part.move transfer_out to %s", ships[i].to);
		cell(CAT_AUTHZ, label, ships[i].actor, &c, ships[i].e);
	}
}

static void submit_body(svc_change *c, const char *ticket, uint32_t revision, const char *region)
{
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_CLAIM_SUBMIT;
	svc_claim_submit *b = &c->u.claim_submit;
	snprintf(b->ticket, sizeof b->ticket, "%s", ticket);
	b->revision = revision;
	b->labor = 9000;
	b->total = 9000;
	snprintf(b->region, sizeof b->region, "%s", region);
	svc_rules_claim_id(c->aggregate, ticket);
}

static void matrix_claim_submit(void)
{
	svc_change c;
	char label[160];
	for (int a = 0; a < NMAIN; a++) {
		submit_body(&c, tk_free, 1, a == SC ? "region-w" : "region-e");
		snprintf(label, sizeof label, "claim.submit rev 1 for %s (shop-a's, resolved)",
		         tk_free);
		cell(CAT_AUTHZ, label, a, &c, a == SA ? EXP_A : a == HQ ? EXP_DENY : EXP_Q);
	}
	submit_body(&c, tk_free, 1, "region-w");
	cell(CAT_AUTHZ, "claim.submit to another region's audit", SA, &c, EXP_Q);
	submit_body(&c, tk_free, 1, "region-e");
	c.u.claim_submit.total = 19000; /* lines add up to 9000 */
	cell(CAT_AUTHZ, "claim.submit whose total is not its lines", SA, &c, EXP_Q);
	/* parts never consumed on the ticket: well-formed and signed by the
	 * shop, refused by every node's fold (the region's, HQ's), not only at
	 * the shop's desk */
	submit_body(&c, tk_free, 1, "region-e");
	c.u.claim_submit.nparts = 1;
	snprintf(c.u.claim_submit.parts[0].part_no, sizeof c.u.claim_submit.parts[0].part_no,
	         "P-1");
	c.u.claim_submit.parts[0].qty = 5;
	c.u.claim_submit.parts[0].unit_price = 1000;
	c.u.claim_submit.parts[0].amount = 5000;
	c.u.claim_submit.total = 14000;
	cell(CAT_AUTHZ, "claim.submit of 5 parts none of which was consumed on the ticket", SA, &c,
	     EXP_R);
	submit_body(&c, tcl[SVC_CS_SUBMITTED], 1, "region-e");
	cell(CAT_AUTHZ, "claim.submit rev 1 again on a submitted claim", SA, &c, EXP_R);
	submit_body(&c, tcl[SVC_CS_RETURNED], 2, "region-e");
	cell(CAT_AUTHZ, "claim.submit rev 2 of a returned claim", SA, &c, EXP_A);
	submit_body(&c, tcl[SVC_CS_RETURNED], 3, "region-e");
	cell(CAT_AUTHZ, "claim.submit rev 3 of a returned rev-1 claim", SA, &c, EXP_R);
	for (int s = SVC_CS_SUBMITTED; s <= SVC_CS_PAID; s++) {
		if (s == SVC_CS_RETURNED || s == SVC_CS_REJECTED)
			continue;
		submit_body(&c, tcl[s], 2, "region-e");
		snprintf(label, sizeof label, "claim.submit rev 2 of a %s claim",
		         svc_claim_status_name((uint32_t)s));
		cell(CAT_AUTHZ, label, SA, &c, EXP_R);
	}
	submit_body(&c, tcl[SVC_CS_REJECTED], 2, "region-e");
	cell(CAT_AUTHZ, "claim.submit rev 2 of a rejected claim", SA, &c, EXP_A);
	submit_body(&c, tcl[SVC_CS_REJECTED], 2, "region-e");
	cell(CAT_AUTHZ, "claim.submit rev 2 of shop-a's rejected claim", SB, &c, EXP_Q);
}

static svc_claim claim_state(size_t at, const char *id)
{
	svc_claim x;
	svc_txn *t;
	memset(&x, 0, sizeof x);
	CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
	CHECK_INT(svc_fold_claim_get(t, id, &x), 0);
	svc_txn_abort(&t);
	return x;
}

static void decide_body(svc_change *c, const char *claim_id, uint32_t action, const svc_claim *st)
{
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_CLAIM_DECIDE;
	snprintf(c->aggregate, sizeof c->aggregate, "%s", claim_id);
	svc_claim_decide *b = &c->u.claim_decide;
	b->action = action;
	b->revision = st->revision;
	b->claimed = st->total;
	if (action == SVC_CA_APPROVE) {
		b->amount = st->total;
		/* a free labor line approved in full needs a reason */
		snprintf(b->reason, sizeof b->reason, "labor checked");
	}
	if (action == SVC_CA_PAY) {
		b->amount = st->approved;
		snprintf(b->ref, sizeof b->ref, "PAY-X");
	}
	if (action == SVC_CA_RETURN || action == SVC_CA_REJECT)
		snprintf(b->reason, sizeof b->reason, "because");
}

static expect exp_decide(int a, uint32_t st, uint32_t action, int claim_region)
{
	uint32_t role = role_of(a);
	if (role == SVC_ROLE_SHOP)
		return EXP_Q;
	if (role == SVC_ROLE_REGION && action != SVC_CA_AUDIT && action != SVC_CA_RETURN)
		return EXP_Q; /* approve, reject, pay: HQ only */
	if (a != HQ && a != claim_region)
		return EXP_R;
	bool ok;
	switch (action) {
	case SVC_CA_AUDIT:
		ok = st == SVC_CS_SUBMITTED;
		break;
	case SVC_CA_RETURN:
	case SVC_CA_REJECT:
		ok = st == SVC_CS_SUBMITTED || st == SVC_CS_AUDITED;
		break;
	case SVC_CA_APPROVE:
		ok = st == SVC_CS_AUDITED;
		break;
	default:
		ok = st == SVC_CS_APPROVED || st == SVC_CS_PARTIAL;
		break;
	}
	return ok ? EXP_A : EXP_R;
}

static void matrix_claim_decide(void)
{
	char label[160];
	for (int s = SVC_CS_SUBMITTED; s <= SVC_CS_PAID; s++) {
		svc_claim st = claim_state(HQ, cl[s]);
		CHECK_INT(st.status, s);
		for (uint32_t action = SVC_CA_AUDIT; action <= SVC_CA_PAY; action++) {
			for (int a = 0; a < NMAIN; a++) {
				svc_change c;
				decide_body(&c, cl[s], action, &st);
				snprintf(label, sizeof label, "claim.decide %s on a %s claim",
				         svc_claim_action_name(action),
				         svc_claim_status_name((uint32_t)s));
				int cat = a == SA ? CAT_SELFDEAL : CAT_AUTHZ;
				cell(cat, label, a, &c, exp_decide(a, (uint32_t)s, action, RE));
			}
		}
	}
}

/* the shop's ledger: a change of `shop`'s statement for the month HQ
 * approved `st` in (Asia/Shanghai, the default zone): a payment run of
 * that claim for `amount`, a confirmation, or a deduction. */
static void ledger_body(svc_change *c, uint32_t kind, const char *shop, const svc_claim *st,
                        int64_t amount)
{
	svc_tz *tz = NULL;
	memset(c, 0, sizeof *c);
	CHECK_INT(svc_tz_load(&tz, "Asia/Shanghai"), 0);
	if (!tz)
		return;
	uint32_t month = (uint32_t)svc_tz_date_of(tz, (int64_t)st->decided) / 100;
	uint32_t next = month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
	c->kind = kind;
	svc_rules_statement_agg(c->aggregate, shop, month);
	if (kind == SVC_CK_PAY_RUN) {
		svc_pay_run *b = &c->u.pay_run;
		snprintf(b->ref, sizeof b->ref, "BANK-X");
		b->nclaims = 1;
		snprintf(b->claims[0].claim, sizeof b->claims[0].claim, "%s", st->id);
		b->claims[0].amount = amount;
		b->from = (uint64_t)svc_tz_day_start(tz, (int32_t)(month * 100 + 1));
		b->to = (uint64_t)svc_tz_day_start(tz, (int32_t)(next * 100 + 1));
	} else if (kind == SVC_CK_STATEMENT_CONFIRM) {
		snprintf(c->u.statement_confirm.invoice, sizeof c->u.statement_confirm.invoice,
		         "发票 1");
	} else {
		c->u.ledger_deduct.fen = amount;
		snprintf(c->u.ledger_deduct.reason, sizeof c->u.ledger_deduct.reason, "虚报工时");
	}
	svc_tz_destroy(&tz);
}

/* Payment runs, confirmations and deductions from every actor: HQ alone
 * pays and deducts, shop-a alone confirms its own statement; HQ's run is
 * held by every node's fold to the claim it reads (approved, the amount
 * approved, the shop's own). */
static void matrix_ledger(void)
{
	svc_claim ap = claim_state(HQ, cl[SVC_CS_APPROVED]);
	svc_claim sub = claim_state(HQ, cl[SVC_CS_SUBMITTED]);
	svc_change c;
	char label[160];
	for (int a = 0; a < NMAIN; a++) {
		bool hq = a == HQ;
		int cat = a == SA ? CAT_SELFDEAL : CAT_AUTHZ;
		ledger_body(&c, SVC_CK_PAY_RUN, "shop-a", &ap, ap.approved);
		snprintf(label, sizeof label, "claim.pay_run of an approved claim");
		cell(cat, label, a, &c, hq ? EXP_A : EXP_Q);
		ledger_body(&c, SVC_CK_STATEMENT_CONFIRM, "shop-a", &ap, 0);
		cell(cat, "statement.confirm of shop-a's month", a, &c,
		     a == SA ? EXP_A
		     : hq    ? EXP_R
		             : EXP_Q);
		ledger_body(&c, SVC_CK_LEDGER_DEDUCT, "shop-a", &ap, 100);
		cell(cat, "ledger.deduct from shop-a's month", a, &c, hq ? EXP_A : EXP_Q);
	}
	ledger_body(&c, SVC_CK_PAY_RUN, "shop-a", &ap, ap.approved + 1);
	cell(CAT_AUTHZ, "claim.pay_run for 1 fen more than approved", HQ, &c, EXP_R);
	sub.decided = ap.decided; /* the month of the approved one: it has none */
	ledger_body(&c, SVC_CK_PAY_RUN, "shop-a", &sub, sub.total);
	cell(CAT_AUTHZ, "claim.pay_run of a submitted claim", HQ, &c, EXP_R);
	ledger_body(&c, SVC_CK_PAY_RUN, "shop-b", &ap, ap.approved);
	cell(CAT_AUTHZ, "claim.pay_run of shop-a's claim in shop-b's month", HQ, &c, EXP_R);
}

static void cert_body(svc_change *c, size_t issuer, const char *node_id, uint32_t role,
                      const char *region, const char *upstream, const uint8_t pk[SVC_PK_LEN],
                      uint64_t not_before, uint64_t not_after, uint64_t serial)
{
	svc_cert cert;
	memset(&cert, 0, sizeof cert);
	snprintf(cert.node, sizeof cert.node, "%s", node_id);
	cert.role = role;
	snprintf(cert.region, sizeof cert.region, "%s", region);
	snprintf(cert.upstream, sizeof cert.upstream, "%s", upstream);
	memcpy(cert.pubkey, pk, SVC_PK_LEN);
	cert.not_before = not_before;
	cert.not_after = not_after;
	cert.serial = serial;
	snprintf(cert.issuer, sizeof cert.issuer, "hq");
	memset(c, 0, sizeof *c);
	c->kind = SVC_CK_NODE_CERT;
	svc_rules_node_agg(c->aggregate, node_id);
	CHECK_INT(svc_codec_cert_encode(&cert, c->u.node_cert.body, sizeof c->u.node_cert.body,
	                                &c->u.node_cert.body_len),
	          0);
	svc_sign(N[issuer].kp, c->u.node_cert.body, c->u.node_cert.body_len,
	         c->u.node_cert.signature);
}

static void matrix_directory(void)
{
	svc_change c;
	svc_keypair *kp;
	CHECK_INT(svc_keypair_new(&kp), 0);
	uint64_t now = svc_journal_now_ms();
	for (int a = 0; a < NMAIN; a++) {
		/* a certificate for a new shop, body signed with HQ's key */
		cert_body(&c, HQ, "shop-new", SVC_ROLE_SHOP, "region-e", "region-e", kp->pk, now,
		          now + 86400000ULL, 50);
		cell(CAT_AUTHZ, "node.cert for a new shop (HQ-signed body)", a, &c,
		     a == HQ ? EXP_A : EXP_Q);
		/* ... and with a body the actor signed itself */
		if (a != HQ) {
			cert_body(&c, (size_t)a, "shop-new", SVC_ROLE_SHOP, "region-e", "region-e",
			          kp->pk, now, now + 86400000ULL, 50);
			cell(CAT_AUTHZ, "node.cert for a new shop, body self-signed", a, &c, EXP_Q);
		}
		memset(&c, 0, sizeof c);
		c.kind = SVC_CK_NODE_REVOKE;
		snprintf(c.u.node_revoke.node, sizeof c.u.node_revoke.node, "shop-b");
		snprintf(c.u.node_revoke.reason, sizeof c.u.node_revoke.reason, "withdrawn");
		svc_rules_node_agg(c.aggregate, "shop-b");
		cell(CAT_AUTHZ, "node.revoke shop-b", a, &c, a == HQ ? EXP_A : EXP_Q);
	}
	/* HQ's own change carrying a certificate HQ did not sign */
	cert_body(&c, RE, "shop-new", SVC_ROLE_SHOP, "region-e", "region-e", kp->pk, now,
	          now + 86400000ULL, 50);
	{
		forged f, *fp = &f;
		forge(HQ, &c, &DEFAULT_FORGE, &f);
		svc_sync_result r = deliver(RE, HQ, &fp, 1);
		outcome o = outcome_of(RE, &f, &r);
		snap_restore(RE);
		attack(CAT_AUTHZ, o == OUT_APPLIED,
		       "HQ's change carrying a certificate signed by region-e: %s",
		       outcome_name(o));
	}
	svc_keypair_destroy(&kp);
}

/*
 * What a person is refused at the CLI (svc_local_*) for reasons of
 * authorization must be refused when the same change arrives replicated.
 * Preconditions the design leaves to the writer (stock on hand, the ticket
 * of a claim resolved) are printed, not counted.
 */
static void live_then_replay(const char *label, int actor, int live_rc, const svc_change *tmpl,
                             bool counted)
{
	forged f, *fp = &f;
	outcome o1, o2 = OUT_ABSENT;
	svc_sync_result r;
	bool two = role_of(actor) == SVC_ROLE_SHOP;
	size_t at1 = role_of(actor) == SVC_ROLE_HQ ? RE : two ? find(N[actor].upstream) : HQ;
	size_t relay1 = role_of(actor) == SVC_ROLE_HQ ? HQ : (size_t)actor;
	CHECK(live_rc != 0); /* the live refusal itself */
	forge((size_t)actor, tmpl, &DEFAULT_FORGE, &f);
	r = deliver(at1, relay1, &fp, 1);
	o1 = outcome_of(at1, &f, &r);
	snap_restore(at1);
	if (two) {
		r = deliver(HQ, at1, &fp, 1);
		o2 = outcome_of(HQ, &f, &r);
		snap_restore(HQ);
	}
	bool through = o1 == OUT_APPLIED || o2 == OUT_APPLIED;
	if (counted)
		attack(CAT_LIVE_REPLAY, through, "%s by %s: refused live, replicated %s%s%s", label,
		       actor_name[actor], outcome_name(o1), two ? ", at hq " : "",
		       two ? outcome_name(o2) : "");
	else
		printf("   (design: a writer's precondition) %s by %s: refused live, replicated "
		       "%s%s%s\n",
		       label, actor_name[actor], outcome_name(o1), two ? ", at hq " : "",
		       two ? outcome_name(o2) : "");
}

static void refused_live(void)
{
	svc_change c;
	char id[SVC_AGG_LEN], x[SVC_AGG_LEN];
	svc_ticket_fields f = {.kind = "repair",
	                       .customer = "x",
	                       .phone = "13800138000",
	                       .product = "p",
	                       .fault = "f",
	                       .shop = "shop-c"};
	int rc;

	/* a region opens a ticket onto another region's shop */
	rc = svc_test_ticket_new_legacy(N[RE].s, &f, id);
	open_body(&c, "shop-c", "region-e");
	live_then_replay("ticket.open onto shop-c (region-w)", RE, rc, &c, true);
	/* a region assigns its ticket to another region's shop */
	rc = svc_local_ticket_assign(N[RE].s, tk[SVC_TS_NEW], "shop-c");
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_ASSIGN;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tk[SVC_TS_NEW]);
	snprintf(c.u.ticket_assign.shop, sizeof c.u.ticket_assign.shop, "shop-c");
	live_then_replay("ticket.assign to shop-c (region-w)", RE, rc, &c, true);
	/* ... or to a node that is not a shop at all */
	rc = svc_local_ticket_assign(N[RE].s, tk[SVC_TS_NEW], "region-w");
	snprintf(c.u.ticket_assign.shop, sizeof c.u.ticket_assign.shop, "region-w");
	live_then_replay("ticket.assign to region-w (not a shop)", RE, rc, &c, true);
	rc = svc_local_ticket_assign(N[RE].s, tk[SVC_TS_NEW], "shop-zz");
	snprintf(c.u.ticket_assign.shop, sizeof c.u.ticket_assign.shop, "shop-zz");
	live_then_replay("ticket.assign to shop-zz (no such node)", RE, rc, &c, true);
	/* a shop claims for a ticket it has not resolved */
	svc_claim_request cr = {.ticket = tk[SVC_TS_ACCEPTED], .labor = 9000};
	rc = svc_local_claim_submit(N[SA].s, &cr, id, NULL, NULL);
	submit_body(&c, tk[SVC_TS_ACCEPTED], 1, "region-e");
	live_then_replay("claim.submit for an accepted (unresolved) ticket", SA, rc, &c, false);
	/* a shop uses parts on a ticket that is not its own */
	rc = svc_local_part_consume(N[SB].s, "P-1", 1, tk[SVC_TS_ACCEPTED]);
	move_body(&c, SVC_MV_CONSUME, "shop-b", -1, NULL, tk[SVC_TS_ACCEPTED], NULL);
	live_then_replay("part.move consume on shop-a's ticket", SB, rc, &c, false);
	/* a region ships to a node nobody knows */
	rc = svc_local_part_transfer(N[RE].s, "P-1", 1, "ghost", x);
	move_body(&c, SVC_MV_TRANSFER_OUT, "region-e", -1, "ghost", NULL, NULL);
	live_then_replay("part.move transfer_out to an unknown node", RE, rc, &c, false);
	/* a shop approves, pays its own claim; a region approves */
	rc = svc_local_claim_decide(N[SA].s, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, 0, NULL, NULL);
	svc_claim st = claim_state(SA, cl[SVC_CS_AUDITED]);
	decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, &st);
	live_then_replay("claim approve of its own claim", SA, rc, &c, true);
	rc = svc_local_claim_decide(N[SA].s, cl[SVC_CS_APPROVED], SVC_CA_PAY, 0, NULL, "PAY-ME");
	st = claim_state(SA, cl[SVC_CS_APPROVED]);
	decide_body(&c, cl[SVC_CS_APPROVED], SVC_CA_PAY, &st);
	live_then_replay("claim pay of its own claim", SA, rc, &c, true);
	rc = svc_local_claim_decide(N[RE].s, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, 0, NULL, NULL);
	st = claim_state(RE, cl[SVC_CS_AUDITED]);
	decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, &st);
	live_then_replay("claim approve by the region", RE, rc, &c, true);
	rc = svc_local_claim_decide(N[RE].s, cl[SVC_CS_APPROVED], SVC_CA_PAY, 0, NULL, "PAY-R");
	st = claim_state(RE, cl[SVC_CS_APPROVED]);
	decide_body(&c, cl[SVC_CS_APPROVED], SVC_CA_PAY, &st);
	live_then_replay("claim pay by the region", RE, rc, &c, true);
}

/* ------------------------------------------------------------ impersonation */

static void impersonation(void)
{
	svc_change c;
	forged f, *fp = &f;
	forge_opts o = DEFAULT_FORGE;
	svc_sync_result r;
	struct last_q q;

	/* shop-a's link carries changes whose origin is someone else */
	static const struct {
		int origin;
		int signer; /* SIGN_NONE: no commit */
		const char *what;
	} as[] = {
	    {SB, SA, "origin shop-b, commit signed with shop-a's key"},
	    {SB, SIGN_NONE, "origin shop-b, no commit"},
	    {SB, SB, "origin shop-b, commit signed with shop-b's own key"},
	    {RE, SA, "origin region-e, commit signed with shop-a's key"},
	    {RE, SIGN_NONE, "origin region-e, no commit"},
	    {HQ, SA, "origin hq, commit signed with shop-a's key"},
	    {HQ, SIGN_NONE, "origin hq, no commit"},
	    {HQ, HQ, "origin hq, commit signed with hq's key"},
	    {SC, SA, "origin shop-c (other region), commit signed with shop-a's key"},
	};
	for (size_t i = 0; i < sizeof as / sizeof as[0]; i++) {
		/* a note on a ticket the claimed origin may write on */
		memset(&c, 0, sizeof c);
		c.kind = SVC_CK_TICKET_NOTE;
		snprintf(c.aggregate, sizeof c.aggregate, "%s",
		         as[i].origin == SC ? tk_w : tk[SVC_TS_ACCEPTED]);
		snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "impostor");
		if (as[i].origin == SB) {
			/* shop-b may write only on its own tickets: a walk-in */
			open_body(&c, "shop-b", "region-e");
		}
		o.signer = as[i].signer;
		forge((size_t)as[i].origin, &c, &o, &f);
		for (int hop = 0; hop < 2; hop++) {
			/* at region-e over shop-a's link; at HQ as if shop-a had
			 * connected to HQ directly (ZAP admits shops below) */
			size_t at = hop == 0 ? RE : HQ;
			r = deliver(at, SA, &fp, 1);
			outcome out = outcome_of(at, &f, &r);
			q = last_quarantined(at);
			snap_restore(at);
			attack(CAT_IMPERSONATE, out == OUT_APPLIED || out == OUT_OTHER,
			       "shop-a's link to %s: %s: %s", N[at].id, as[i].what,
			       outcome_name(out));
			CHECK(out == OUT_QUARANTINED);
			if (out == OUT_QUARANTINED)
				CHECK_STR(q.peer,
				          "shop-a"); /* logged with the authenticated peer */
		}
	}

	/* region-w relays a change claiming to come from shop-a (region-e's) */
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_NOTE;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tk[SVC_TS_ACCEPTED]);
	snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "via the wrong region");
	for (int signer = 0; signer < 3; signer++) {
		o.signer = signer == 0 ? SIGN_ORIGIN : signer == 1 ? RW : SIGN_NONE;
		forge(SA, &c, &o, &f);
		r = deliver(HQ, RW, &fp, 1);
		outcome out = outcome_of(HQ, &f, &r);
		q = last_quarantined(HQ);
		snap_restore(HQ);
		attack(CAT_IMPERSONATE, out == OUT_APPLIED,
		       "region-w relays shop-a's change (%s): %s",
		       signer == 0   ? "shop-a's genuine signature"
		       : signer == 1 ? "signed by region-w"
		                     : "no commit",
		       outcome_name(out));
		CHECK(out == OUT_QUARANTINED);
		if (out == OUT_QUARANTINED)
			CHECK_STR(q.peer, "region-w");
	}

	/* a compromised region forges a change of its own shop: the right
	 * link, the right subtree; only the shop's signature is missing */
	submit_body(&c, tk_free, 1, "region-e");
	c.u.claim_submit.labor = c.u.claim_submit.total = 990000;
	for (int signer = 0; signer < 2; signer++) {
		o = DEFAULT_FORGE;
		o.signer = signer == 0 ? RE : SIGN_NONE;
		forge(SA, &c, &o, &f);
		r = deliver(HQ, RE, &fp, 1);
		outcome out = outcome_of(HQ, &f, &r);
		q = last_quarantined(HQ);
		snap_restore(HQ);
		attack(CAT_IMPERSONATE, out == OUT_APPLIED,
		       "region-e relays a claim of shop-a's it wrote itself (%s): %s",
		       signer == 0 ? "commit signed by region-e" : "no commit", outcome_name(out));
		CHECK(out == OUT_QUARANTINED);
		if (out == OUT_QUARANTINED)
			CHECK_STR(q.peer, "region-e");
	}

	/* origin_role / origin_region that differ from the certificate */
	static const struct {
		uint32_t role;
		const char *region;
		const char *what;
	} claims[] = {
	    {SVC_ROLE_REGION, "region-e", "shop-a claiming role region"},
	    {SVC_ROLE_HQ, "", "shop-a claiming role hq"},
	    {SVC_ROLE_SHOP, "region-w", "shop-a claiming region region-w"},
	    {SVC_ROLE_NONE, "", "shop-a claiming no role"},
	};
	for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
		decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_APPROVE,
		            &(svc_claim){.revision = 1, .total = 9500});
		c.origin_role = claims[i].role;
		snprintf(c.origin_region, sizeof c.origin_region, "%s", claims[i].region);
		o = DEFAULT_FORGE;
		o.keep_role = true;
		forge(SA, &c, &o, &f);
		size_t at = RE;
		for (int hop = 0; hop < 2; hop++, at = HQ) {
			r = deliver(at, hop ? RE : SA, &fp, 1);
			outcome out = outcome_of(at, &f, &r);
			q = last_quarantined(at);
			snap_restore(at);
			attack(CAT_IMPERSONATE, out == OUT_APPLIED, "%s (an approval) at %s: %s",
			       claims[i].what, N[at].id, outcome_name(out));
			CHECK(out == OUT_QUARANTINED);
			if (out == OUT_QUARANTINED)
				CHECK(strstr(q.reason, "certificate says") != NULL);
		}
	}
}

/* ------------------------------------------------------------ self-dealing */

/* HQ's genuine approval of one claim, re-pointed at another claim, or at
 * another revision of the same claim. */
/* The first claim decision with this action by this origin. */
struct find_decide {
	uint32_t action;
	const char *origin;
	svc_change c;
	bool found;
};

static int find_decide_step(const svc_logged_change *lc, void *arg)
{
	struct find_decide *fd = arg;
	if (lc->c.kind == SVC_CK_CLAIM_DECIDE && lc->c.u.claim_decide.action == fd->action &&
	    strcmp(lc->c.origin, fd->origin) == 0) {
		fd->c = lc->c;
		fd->found = true;
		return 1;
	}
	return 0;
}

static void self_dealing(void)
{
	svc_change c;
	forged f, g, *fp = &f, *gp = &g;
	svc_sync_result r;

	/* HQ's genuine approval of cl[APPROVED] (a 9500 fen rev-1 claim, as
	 * cl[AUDITED] is), with HQ's genuine commit, re-pointed at cl[AUDITED]:
	 * the same body on another aggregate */
	struct find_decide fd = {.action = SVC_CA_APPROVE, .origin = "hq"};
	svc_txn *t;
	const uint8_t *cb;
	size_t clen;
	uint64_t first, last;
	CHECK_INT(svc_txn_begin(N[HQ].s, false, &t), 0);
	svc_journal_agg_each(t, cl[SVC_CS_APPROVED], find_decide_step, &fd);
	CHECK(fd.found);
	memset(&g, 0, sizeof g);
	g.c = fd.c;
	if (fd.found &&
	    svc_journal_commit_find(t, "hq", fd.c.seq, &cb, &clen, &first, &last) == 0 &&
	    clen <= sizeof g.commit) {
		memcpy(g.commit, cb, clen);
		g.clen = clen;
	}
	svc_txn_abort(&t);
	CHECK(g.clen > 0);
	svc_claim st = claim_state(HQ, cl[SVC_CS_AUDITED]);
	CHECK_INT(st.total, g.c.u.claim_decide.claimed);
	CHECK_INT(st.revision, g.c.u.claim_decide.revision);
	snprintf(g.c.aggregate, sizeof g.c.aggregate, "%s", cl[SVC_CS_AUDITED]);
	CHECK_INT(svc_codec_change_encode(&g.c, g.bytes, sizeof g.bytes, &g.len), 0);
	svc_change c2 = g.c;
	for (int with_commit = 1; with_commit >= 0; with_commit--) {
		if (!with_commit)
			g.clen = 0;
		r = deliver(RE, HQ, &gp, 1);
		/* its (origin, seq) is the genuine approval's, stored at region-e
		 * already: what matters is whether cl[AUDITED] moved */
		svc_claim after = claim_state(RE, cl[SVC_CS_AUDITED]);
		snap_restore(RE);
		attack(CAT_SELFDEAL, after.status != SVC_CS_AUDITED || r.applied,
		       "HQ's approval of one claim re-pointed at another of the same total and "
		       "revision (%s): applied %u, quarantined %u, the target claim %s",
		       with_commit ? "HQ's commit kept" : "no commit", r.applied, r.quarantined,
		       svc_claim_status_name(after.status));
		CHECK_INT(r.quarantined, 1);
	}
	outcome o;
	/* the whole approval re-signed by shop-a as its own change */
	forge(SA, &c2, &DEFAULT_FORGE, &g);
	r = deliver(RE, SA, &gp, 1);
	o = outcome_of(RE, &g, &r);
	snap_restore(RE);
	attack(CAT_SELFDEAL, o == OUT_APPLIED, "shop-a re-issues HQ's approval as its own: %s",
	       outcome_name(o));

	/* an approval for revision 1 after the claim moved to revision 2:
	 * apply HQ's approval-by-body of a returned claim after resubmission */
	svc_claim ret = claim_state(HQ, cl[SVC_CS_RETURNED]);
	decide_body(&c, cl[SVC_CS_RETURNED], SVC_CA_APPROVE, &ret);
	c.u.claim_decide.revision = 1; /* what an old approval says */
	svc_claim_request cr = {.ticket = tcl[SVC_CS_RETURNED], .labor = 20000};
	must(svc_local_claim_submit(N[SA].s, &cr, NULL, NULL, NULL), "resubmit");
	settle();
	must(svc_local_claim_decide(N[RE].s, cl[SVC_CS_RETURNED], SVC_CA_AUDIT, 0, NULL, NULL),
	     "audit rev 2");
	settle();
	forge(HQ, &c, &DEFAULT_FORGE, &f);
	r = deliver(RE, HQ, &fp, 1);
	o = outcome_of(RE, &f, &r);
	snap_restore(RE); /* (the fixture's snapshot: rev 1, returned) */
	attack(CAT_SELFDEAL, o == OUT_APPLIED,
	       "an approval of revision 1 applied to revision 2 of the claim: %s", outcome_name(o));
	/* and at HQ itself, as a local write */
	int rc = local_try(HQ, &c, NULL);
	attack(CAT_SELFDEAL, rc == 0, "HQ writes an approval of revision 1 on revision 2: %s",
	       rc ? "refused" : "accepted");

	/* amount altered after audit: the decision's claimed total differs */
	st = claim_state(HQ, cl[SVC_CS_AUDITED]);
	for (int delta = -1; delta <= 1; delta += 2) {
		decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, &st);
		c.u.claim_decide.claimed = st.total + delta * 5000;
		c.u.claim_decide.amount = st.total + delta * 5000;
		rc = local_try(HQ, &c, NULL);
		forge(HQ, &c, &DEFAULT_FORGE, &f);
		r = deliver(RE, HQ, &fp, 1);
		o = outcome_of(RE, &f, &r);
		snap_restore(RE);
		attack(
		    CAT_SELFDEAL, o == OUT_APPLIED || rc == 0,
		    "approval whose claimed total is %+d fen off the audited claim: replicated %s, "
		    "local %s",
		    delta * 5000, outcome_name(o), rc ? "refused" : "accepted");
	}
	/* approving more than claimed */
	decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, &st);
	c.u.claim_decide.amount = st.total + 1;
	rc = local_try(HQ, &c, NULL);
	attack(CAT_SELFDEAL, rc == 0, "HQ approves 1 fen more than claimed: %s",
	       rc ? "refused" : "accepted");
	/* restore every node to the fixture */
	for (size_t i = 0; i < NMAIN; i++)
		snap_restore(i);
	memset(pos, 0, sizeof pos);
}

/* ------------------------------------------------------------ export files */

/* Write an export file signed by `signer` for `target`, holding one BATCH
 * with the given changes and the commits they carry. */
static void write_export(const char *path, size_t signer, const char *target, forged *const *fs,
                         size_t n)
{
	svc_blob ch[16], cm[16];
	svc_msg m;
	svc_export_writer *w = NULL;
	svc_export_header h;
	uint8_t *msg;
	size_t len, nc = 0;
	memset(&m, 0, sizeof m);
	for (size_t i = 0; i < n; i++) {
		ch[i] = (svc_blob){fs[i]->bytes, fs[i]->len};
		if (fs[i]->clen)
			cm[nc++] = (svc_blob){fs[i]->commit, fs[i]->clen};
	}
	m.type = SVC_MSG_BATCH;
	m.u.batch.id = 1;
	m.u.batch.nchanges = n;
	m.u.batch.changes = ch;
	m.u.batch.ncommits = nc;
	m.u.batch.commits = cm;
	CHECK_INT(svc_codec_msg_encode(&m, &msg, &len), 0);
	CHECK_INT(svc_export_writer_open(&w, path), 0);
	CHECK_INT(svc_export_writer_add(w, msg, len, n), 0);
	memset(&h, 0, sizeof h);
	snprintf(h.signer, sizeof h.signer, "%s", N[signer].id);
	snprintf(h.target, sizeof h.target, "%s", target);
	CHECK_INT(svc_export_writer_close(&w, N[signer].kp, &h), 0);
	free(msg);
}

/*
 * A file in which "HQ" approves and pays shop-a's audited claim, correctly
 * signed by the node that writes it, imported as if that node had sent it
 * over its link:
 *  0. shop-a for region-e, HQ's commit forged with shop-a's key;
 *  1. shop-a for region-e, with no commit at all;
 *  2. region-e for shop-a (an upstream may relay HQ's changes, so only the
 *     commit signature stands in the way), HQ's commit forged with
 *     region-e's key.
 * Both changes must be quarantined and the claim stay audited.
 */
static void forged_export(void)
{
	static const struct {
		size_t signer, at;
		int commit_key;
		const char *what;
	} v[] = {
	    {SA, RE, SA, "by shop-a for region-e, HQ's commit signed with shop-a's key"},
	    {SA, RE, SIGN_NONE, "by shop-a for region-e, no commit"},
	    {RE, SA, RE, "by region-e for shop-a, HQ's commit signed with region-e's key"},
	};
	for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
		svc_change c;
		forged a, p;
		forged *fs[2] = {&a, &p};
		forge_opts o = DEFAULT_FORGE;
		char path[4300];
		size_t at = v[k].at;
		svc_claim st = claim_state(at, cl[SVC_CS_AUDITED]);
		uint64_t head;
		uint8_t hh[SVC_HASH_LEN];
		svc_txn *t;
		CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
		svc_journal_head_get(t, "hq", &head, hh);
		svc_txn_abort(&t);
		o.signer = v[k].commit_key;
		decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, &st);
		o.seq = head + 1;
		forge(HQ, &c, &o, &a);
		memcpy(a.c.prev_hash, hh, SVC_HASH_LEN);
		CHECK_INT(svc_codec_change_encode(&a.c, a.bytes, sizeof a.bytes, &a.len), 0);
		svc_hash(a.bytes, a.len, a.hash);
		svc_claim approved = st;
		approved.approved = st.total;
		decide_body(&c, cl[SVC_CS_AUDITED], SVC_CA_PAY, &approved);
		o.seq = head + 2;
		forge(HQ, &c, &o, &p);
		memcpy(p.c.prev_hash, a.hash, SVC_HASH_LEN);
		CHECK_INT(svc_codec_change_encode(&p.c, p.bytes, sizeof p.bytes, &p.len), 0);
		svc_hash(p.bytes, p.len, p.hash);
		/* The commit forge() signed covers the bytes before they were
		 * chained to this node's head of HQ; it fails on its signature
		 * (not HQ's key) before any hash is compared. */
		snprintf(path, sizeof path, "%s/forged.chg", base);
		write_export(path, v[k].signer, N[at].id, fs, 2);
		svc_import_stats is;
		int rc = svc_offline_import(N[at].s, path, &is);
		svc_claim after = claim_state(at, cl[SVC_CS_AUDITED]);
		attack(CAT_IMPERSONATE,
		       rc != 0 || is.applied != 0 || is.quarantined != 2 ||
		           after.status != SVC_CS_AUDITED,
		       "a file signed %s in which HQ approves and pays shop-a's claim, imported "
		       "at %s: %s, %zu new, %zu quarantined, claim %s",
		       v[k].what, N[at].id, rc ? svc_errmsg() : "imported", is.applied,
		       is.quarantined, svc_claim_status_name(after.status));
		if (rc == 0)
			printf("   forged export file (%s): quarantined at %s: %s\n", v[k].what,
			       N[at].id, is.first_reason);
		svc_errclear();
		snap_restore(at);
	}
}

/* ------------------------------------------------------------ revocation and expiry */

static void revocation(void)
{
	svc_change c;
	forged f, *fp = &f;
	forge_opts o = DEFAULT_FORGE;
	svc_sync_result r;
	outcome out;

	/* shop-a's earlier claim (audited) is settled after its withdrawal */
	uint64_t before = svc_journal_now_ms() << 16;
	struct timespec ts = {0, 5 * 1000000};
	nanosleep(&ts, NULL);
	must(svc_identity_revoke(N[HQ].s, "shop-a", "withdrawn", NULL), "revoke shop-a");
	CHECK_INT(settle(), 0);
	snap_save(RE);
	snap_save(HQ);
	/* a walk-in written after the revocation */
	open_body(&c, "shop-a", "region-e");
	forge(SA, &c, &o, &f);
	for (int hop = 0; hop < 2; hop++) {
		size_t at = hop ? HQ : RE, relay = hop ? RE : SA;
		r = deliver(at, relay, &fp, 1);
		out = outcome_of(at, &f, &r);
		struct last_q q = last_quarantined(at);
		snap_restore(at);
		attack(CAT_REVOKE, out == OUT_APPLIED, "revoked shop-a's new ticket at %s: %s",
		       N[at].id, outcome_name(out));
		if (out == OUT_QUARANTINED)
			CHECK(strstr(q.reason, "revoked") != NULL);
	}
	/* its claim decision written after the revocation (self-approval
	 * attempt is refused anyway; a note on its ticket) */
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_NOTE;
	snprintf(c.aggregate, sizeof c.aggregate, "%s", tk[SVC_TS_ACCEPTED]);
	snprintf(c.u.ticket_note.text, sizeof c.u.ticket_note.text, "after withdrawal");
	forge(SA, &c, &o, &f);
	r = deliver(RE, SA, &fp, 1);
	out = outcome_of(RE, &f, &r);
	attack(CAT_REVOKE, out == OUT_APPLIED, "revoked shop-a's note at region-e: %s",
	       outcome_name(out));
	/* a backdated change (clock before the revocation) is held all the
	 * same: the cut-off is the last seq HQ held, not the node's clock */
	o.hlc = before;
	forge(SA, &c, &o, &f);
	r = deliver(RE, SA, &fp, 1);
	out = outcome_of(RE, &f, &r);
	attack(CAT_REVOKE, out == OUT_APPLIED,
	       "revoked shop-a's change stamped before the revocation at region-e: %s",
	       outcome_name(out));

	/* earlier claims stay valid: HQ approves and pays shop-a's audited claim */
	CHECK_INT(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_AUDITED], SVC_CA_APPROVE, 0,
	                                 "labor checked", NULL),
	          0);
	CHECK_INT(svc_local_claim_decide(N[HQ].s, cl[SVC_CS_AUDITED], SVC_CA_PAY, 0, NULL,
	                                 "PAY-AFTER-REVOKE"),
	          0);
	settle();
	svc_claim x = claim_state(RE, cl[SVC_CS_AUDITED]);
	CHECK_INT(x.status, SVC_CS_PAID);
}

/* A shop whose certificate has expired: HQ issued it valid from two days
 * ago to one day ago. */
static void expiry(void)
{
	svc_change c;
	forged f, *fp = &f;
	forge_opts o = DEFAULT_FORGE;
	svc_sync_result r;
	uint64_t now = svc_journal_now_ms();
	uint64_t day = 86400000ULL;

	size_t sx = add_node("shop-x", SVC_ROLE_SHOP, "region-e", "region-e", false);
	cert_body(&c, HQ, "shop-x", SVC_ROLE_SHOP, "region-e", "region-e", N[sx].kp->pk,
	          now - 2 * day, now - day, 900);
	svc_txn *t;
	CHECK_INT(svc_txn_begin(N[HQ].s, true, &t), 0);
	CHECK_INT(svc_apply_local(t, &c), 0);
	CHECK_INT(svc_txn_commit(&t), 0);
	CHECK_INT(settle(), 0);
	svc_node n;
	CHECK_INT(svc_txn_begin(N[RE].s, false, &t), 0);
	CHECK_INT(svc_fold_node_get(t, "shop-x", &n), 0);
	svc_txn_abort(&t);
	CHECK(n.not_after < now);

	/* a walk-in stamped now, past the certificate's validity */
	open_body(&c, "shop-x", "region-e");
	forge(sx, &c, &o, &f);
	for (int hop = 0; hop < 2; hop++) {
		size_t at = hop ? HQ : RE, relay = hop ? RE : sx;
		snap_save(at);
		r = deliver(at, relay, &fp, 1);
		outcome out = outcome_of(at, &f, &r);
		snap_restore(at);
		attack(CAT_EXPIRY, out == OUT_APPLIED,
		       "shop-x (certificate expired a day ago) opens a ticket at %s: %s", N[at].id,
		       outcome_name(out));
	}
	/* one stamped inside the validity is accepted (like revocation) */
	o.hlc = (now - day - 3600000ULL) << 16;
	forge(sx, &c, &o, &f);
	snap_save(RE);
	r = deliver(RE, sx, &fp, 1);
	outcome out = outcome_of(RE, &f, &r);
	snap_restore(RE);
	printf("   shop-x's change stamped inside its validity: %s\n", outcome_name(out));
	CHECK(out == OUT_APPLIED);
}

/* ------------------------------------------------------------ tampering */

/* The stored bytes of every change in the batch's range at `at` must be the
 * original bytes (or absent). */
static bool stored_is_original(size_t at, const svc_batch *orig)
{
	svc_txn *t;
	bool ok = true;
	CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
	for (size_t i = 0; i < orig->nchanges; i++) {
		svc_change c;
		if (svc_codec_change_decode(orig->changes[i].data, orig->changes[i].len, &c))
			continue;
		svc_logged_change lc;
		const uint8_t *b;
		size_t len;
		if (svc_journal_change_get(t, c.origin, c.seq, &lc, &b, &len) == 0 &&
		    (len != orig->changes[i].len || memcmp(b, orig->changes[i].data, len) != 0))
			ok = false;
	}
	svc_txn_abort(&t);
	svc_errclear();
	return ok;
}

/* Every change of the sender that `at` stores must be one it was sent. */
struct origin_scan {
	const char *origin;
	const svc_batch *orig;
	unsigned foreign;
};

static int origin_scan_step(const svc_logged_change *lc, void *arg)
{
	struct origin_scan *s = arg;
	if (strcmp(lc->c.origin, s->origin) != 0)
		return 0;
	for (size_t i = 0; i < s->orig->nchanges; i++)
		if (s->orig->changes[i].len == lc->len &&
		    memcmp(s->orig->changes[i].data, lc->bytes, lc->len) == 0)
			return 0;
	s->foreign++;
	return 0;
}

static uint64_t lsn_of(size_t at)
{
	svc_txn *t;
	uint64_t lsn = 0;
	CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
	svc_journal_last(t, &lsn);
	svc_txn_abort(&t);
	return lsn;
}

static void tampering(void)
{
	char id[SVC_AGG_LEN];
	svc_peer_view out_pv, in_pv;
	svc_build_limits lim = {64, 1 << 20, 100000};
	svc_build_result br;
	uint8_t *buf;
	size_t len;

	memset(pos, 0, sizeof pos);
	settle();
	for (int i = 0; i < 3; i++)
		ticket_new(SC, NULL, NULL, id);
	CHECK_INT(svc_sync_commit_local(N[SC].s, N[SC].kp, NULL), 0);
	CHECK(view(SC, RW, &out_pv) && view(RW, SC, &in_pv));
	CHECK_INT(svc_sync_build(N[SC].s, &out_pv, pos[SC][RW], NULL, &lim, 1, &buf, &len, &br), 0);
	CHECK(buf != NULL);
	if (!buf)
		return;
	svc_msg m;
	CHECK_INT(svc_codec_msg_decode(buf, len, &m), 0);
	svc_batch *b = &m.u.batch;
	CHECK_INT(b->nchanges, 3);
	CHECK_INT(b->ncommits, 1);
	snap_save(RW);
	uint64_t lsn0 = lsn_of(RW);

	/* the untouched batch applies */
	svc_sync_result r;
	CHECK_INT(svc_sync_apply(N[RW].s, &in_pv, N[SC].store_id, b, &r), 0);
	CHECK_INT(r.applied, 3);
	snap_restore(RW);

	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	const char *part_name[] = {"relayed change", "commit header", "signature"};
	unsigned tried[3] = {0}, through[3] = {0};
	for (int part = 0; part < 3; part++) {
		/* part 0: the middle change; 1: the commit's header (the signed
		 * body and its envelope); 2: the signature bytes */
		svc_blob *target = part == 0 ? &b->changes[1] : &b->commits[0];
		const uint8_t *orig_data = target->data;
		size_t from = 0, to = target->len;
		if (part > 0) {
			const uint8_t *body;
			size_t blen;
			uint8_t sig[SVC_SIG_LEN];
			CHECK_INT(
			    svc_codec_signed_decode(target->data, target->len, &body, &blen, sig),
			    0);
			/* the signature is the last 64 bytes of the Signed message */
			size_t sig_at = target->len - SVC_SIG_LEN;
			CHECK(memcmp(target->data + sig_at, sig, SVC_SIG_LEN) == 0);
			if (part == 1)
				to = sig_at;
			else
				from = sig_at;
		}
		uint8_t *copy = malloc(target->len);
		for (size_t i = from; i < to; i++) {
			for (size_t k = 0; k < sizeof masks; k++) {
				memcpy(copy, orig_data, target->len);
				copy[i] ^= masks[k];
				target->data = copy;
				/* A flip that moves the change's seq or origin, or
				 * breaks its encoding, leaves a hole before the next
				 * one: the whole batch is refused instead. */
				int arc = svc_sync_apply(N[RW].s, &in_pv, N[SC].store_id, b, &r);
				CHECK(arc == 0 || (arc == SVC_EINVAL && r.gaps == 1));
				target->data = orig_data;
				svc_batch orig = *b; /* the untouched batch */
				struct origin_scan sc = {"shop-c", &orig, 0};
				svc_txn *t;
				CHECK_INT(svc_txn_begin(N[RW].s, false, &t), 0);
				svc_journal_each_from(t, lsn0 + 1, origin_scan_step, &sc);
				svc_txn_abort(&t);
				/* a flipped change: the other two apply, it does not;
				 * a flipped commit: nothing applies */
				unsigned max_applied = part == 0 ? 2 : 0;
				bool bad = sc.foreign > 0 || !stored_is_original(RW, &orig) ||
				           r.applied > max_applied;
				tried[part]++;
				if (bad)
					through[part]++;
				attack(CAT_TAMPER, bad,
				       "%s byte %zu ^ 0x%02x: applied %u, quarantined %u, %u "
				       "altered changes stored",
				       part_name[part], i, masks[k], r.applied, r.quarantined,
				       sc.foreign);
				snap_restore(RW);
			}
		}
		free(copy);
		printf("   tampering: %s: %zu bytes x %zu flips = %u variants, %u got through\n",
		       part_name[part], to - from, sizeof masks, tried[part], through[part]);
	}
	svc_codec_msg_free(&m);
	free(buf);
}

/* ------------------------------------------------------------ replay */

struct count_arg {
	unsigned n;
};

static int count_change(const svc_logged_change *lc, void *arg)
{
	(void)lc;
	((struct count_arg *)arg)->n++;
	return 0;
}

static unsigned changes_at(size_t at)
{
	struct count_arg a = {0};
	svc_txn *t;
	CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
	svc_journal_each_from(t, 1, count_change, &a);
	svc_txn_abort(&t);
	return a.n;
}

static bool verify_ok(size_t at)
{
	svc_verify_report vr;
	CHECK_INT(svc_sync_verify(N[at].s, &vr), 0);
	if (vr.bad_hash || vr.broken_chain || vr.bad_commits)
		fprintf(stderr, "verify %s: %s\n", N[at].id, vr.first_problem);
	return !vr.bad_hash && !vr.broken_chain && !vr.bad_commits;
}

/* Re-apply recorded batches from `from` at `to`; returns changes applied. */
static unsigned replay_session(const recording *s, size_t from, size_t to, unsigned *quarantined)
{
	svc_peer_view pv;
	unsigned applied = 0;
	CHECK(view(to, from, &pv));
	for (size_t i = 0; i < s->n; i++) {
		svc_msg m;
		svc_sync_result r;
		CHECK_INT(svc_codec_msg_decode(s->msgs[i], s->lens[i], &m), 0);
		CHECK_INT(svc_sync_apply(N[to].s, &pv, N[from].store_id, &m.u.batch, &r), 0);
		applied += r.applied;
		*quarantined += r.quarantined;
		svc_codec_msg_free(&m);
	}
	return applied;
}

static void replay(void)
{
	char id[SVC_AGG_LEN];
	recording up = {0}, hq = {0};
	settle();
	/* a session: shop-c writes 200 changes; recorded as shipped in
	 * batches of 16 to region-w, and region-w's batches to HQ */
	for (int i = 0; i < 100; i++) {
		ticket_new(SC, NULL, NULL, id);
		must(svc_local_ticket_note(N[SC].s, id, "done"), "note");
	}
	batch_changes = 16;
	rec = &up;
	ship(SC, RW);
	rec = &hq;
	ship(RW, HQ);
	rec = NULL;
	batch_changes = 64;
	CHECK(up.n >= 12);
	unsigned at_rw = changes_at(RW), at_hq = changes_at(HQ);
	uint64_t lsn_rw = lsn_of(RW), lsn_hq = lsn_of(HQ);

	/* the last batch again (a resend after a lost ACK) */
	unsigned q = 0;
	recording last = {.msgs = &up.msgs[up.n - 1], .lens = &up.lens[up.n - 1], .n = 1};
	unsigned a = replay_session(&last, SC, RW, &q);
	attack(CAT_REPLAY, a != 0 || q != 0, "the last batch of shop-c's session again: %u applied",
	       a);
	/* the whole session again, in order, at both receivers */
	a = replay_session(&up, SC, RW, &q);
	attack(CAT_REPLAY, a != 0,
	       "shop-c's whole session (%zu batches) replayed at region-w: %u "
	       "applied",
	       up.n, a);
	a = replay_session(&hq, RW, HQ, &q);
	attack(CAT_REPLAY, a != 0,
	       "region-w's whole session (%zu batches) replayed at HQ: %u "
	       "applied",
	       hq.n, a);
	CHECK_INT(q, 0);
	CHECK_INT(changes_at(RW), at_rw);
	CHECK_INT(changes_at(HQ), at_hq);
	CHECK_INT(lsn_of(RW), lsn_rw);
	CHECK_INT(lsn_of(HQ), lsn_hq);
	/* after the receivers moved on (more traffic, a re-fold) */
	ticket_new(SC, NULL, NULL, id);
	must(svc_local_ticket_status(N[SC].s, id, SVC_TS_ACCEPTED, NULL), "accept");
	settle();
	at_rw = changes_at(RW);
	at_hq = changes_at(HQ);
	a = replay_session(&up, SC, RW, &q) + replay_session(&hq, RW, HQ, &q);
	attack(CAT_REPLAY, a != 0, "both old sessions replayed after newer changes: %u applied", a);
	/* and in reverse order (older batches after newer ones) */
	recording rev_up = up;
	uint8_t **msgs = malloc(up.n * sizeof *msgs);
	size_t *lens = malloc(up.n * sizeof *lens);
	for (size_t i = 0; i < up.n; i++) {
		msgs[i] = up.msgs[up.n - 1 - i];
		lens[i] = up.lens[up.n - 1 - i];
	}
	rev_up.msgs = msgs;
	rev_up.lens = lens;
	a = replay_session(&rev_up, SC, RW, &q);
	attack(CAT_REPLAY, a != 0, "shop-c's session replayed backwards: %u applied", a);
	free(msgs);
	free(lens);
	CHECK_INT(q, 0);
	CHECK_INT(changes_at(RW), at_rw);
	CHECK_INT(changes_at(HQ), at_hq);
	CHECK(verify_ok(RW));
	CHECK(verify_ok(HQ));
	/* the checkpoint never moves back: region-w's next build for HQ from its
	 * recorded position sends nothing new */
	svc_sync_result r = ship(RW, HQ);
	CHECK_INT(r.applied, 0);
	rec_free(&up);
	rec_free(&hq);
}

/* ------------------------------------------------------------ read isolation */

/*
 * 20 shops in two regions, with every kind of record: walk-ins, tickets
 * the region and HQ open onto shops, a reassignment, claims decided by the
 * region and HQ, transfers and consumption. After a full sync each shop
 * must hold nothing that is not its own or meant for it, and each region
 * nothing of the other region's shops: checked on the materialized records,
 * on every change in the store's log, and on the raw bytes of its data.mdb
 * (every customer name and phone number not meant for it is searched for).
 */
#define ISO_SHOPS 10
typedef struct {
	char id[SVC_AGG_LEN];
	char customer[64];
	char phone[24];
	int region;   /* 0 or 1 */
	int shops[3]; /* indices into the shop list (0..19) that held it, -1 */
} iso_ticket;

static iso_ticket *iso;
static size_t niso, capiso;
static size_t iso_hq, iso_region[2], iso_shop[2 * ISO_SHOPS];

static iso_ticket *iso_add(int region, int shop)
{
	if (niso == capiso) {
		capiso = capiso ? 2 * capiso : 64;
		iso = realloc(iso, capiso * sizeof *iso);
	}
	iso_ticket *t = &iso[niso++];
	memset(t, 0, sizeof *t);
	t->region = region;
	t->shops[0] = shop;
	t->shops[1] = t->shops[2] = -1;
	snprintf(t->customer, sizeof t->customer, "cust-%04zu-%s", niso,
	         shop >= 0 ? N[iso_shop[shop]].id : N[iso_region[region]].id);
	snprintf(t->phone, sizeof t->phone, "1390%07zu", 1000000 + niso);
	return t;
}

static void iso_open(size_t at, iso_ticket *t)
{
	int s = t->shops[0];
	svc_ticket_fields f = {
	    .kind = "repair",
	    .customer = t->customer,
	    .phone = t->phone,
	    .product = "WM-7",
	    .fault = "leaks",
	    .address = t->customer,
	    .shop = s >= 0 ? N[iso_shop[s]].id : NULL,
	};
	if (N[at].role == SVC_ROLE_HQ && s < 0)
		f.region = N[iso_region[t->region]].id;
	if (N[at].role == SVC_ROLE_SHOP)
		f.shop = NULL;
	must(svc_test_ticket_new_legacy(N[at].s, &f, t->id), "iso ticket");
}

static bool iso_meant(const iso_ticket *t, size_t who)
{
	if (N[who].role == SVC_ROLE_HQ)
		return true;
	if (N[who].role == SVC_ROLE_REGION)
		return who == iso_region[t->region];
	for (int k = 0; k < 3; k++)
		if (t->shops[k] >= 0 && iso_shop[t->shops[k]] == who)
			return true;
	return false;
}

static const iso_ticket *iso_find(const char *ticket_or_claim)
{
	char tid[SVC_AGG_LEN];
	snprintf(tid, sizeof tid, "%s", ticket_or_claim);
	if (tid[0] == 'C')
		tid[0] = 'T';
	for (size_t i = 0; i < niso; i++)
		if (strcmp(iso[i].id, tid) == 0)
			return &iso[i];
	return NULL;
}

/* Is `loc` a location node `at` may know about? */
static bool iso_location_ok(size_t at, const char *loc)
{
	if (N[at].role == SVC_ROLE_HQ)
		return true;
	size_t l = find(loc);
	if (N[at].role == SVC_ROLE_REGION)
		return l == at || strcmp(N[l].region, N[at].id) == 0 || N[l].role == SVC_ROLE_HQ;
	/* a shop: itself, and the nodes that shipped to it (their side of it) */
	return l == at || N[l].role != SVC_ROLE_SHOP;
}

struct iso_scan {
	size_t at;
	unsigned bad;
	char first[256];
};

static void iso_bad(struct iso_scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void iso_bad(struct iso_scan *s, const char *fmt, ...)
{
	if (!s->bad++) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->first, sizeof s->first, fmt, ap);
		va_end(ap);
	}
}

static int iso_ticket_step(const svc_ticket *t, void *arg)
{
	struct iso_scan *s = arg;
	const iso_ticket *it = iso_find(t->id);
	if (!it || !iso_meant(it, s->at))
		iso_bad(s, "ticket %s (%s)", t->id, t->customer);
	return 0;
}

static int iso_claim_step(const svc_claim *c, void *arg)
{
	struct iso_scan *s = arg;
	const iso_ticket *it = iso_find(c->id);
	bool ok = it && iso_meant(it, s->at);
	if (N[s->at].role == SVC_ROLE_SHOP && strcmp(c->shop, N[s->at].id) != 0)
		ok = false;
	if (!ok)
		iso_bad(s, "claim %s of %s", c->id, c->shop);
	return 0;
}

static int iso_transfer_step(const svc_transfer *x, void *arg)
{
	struct iso_scan *s = arg;
	bool ok;
	if (N[s->at].role == SVC_ROLE_SHOP)
		ok = strcmp(x->source, N[s->at].id) == 0 || strcmp(x->dest, N[s->at].id) == 0;
	else
		ok = iso_location_ok(s->at, x->source) && iso_location_ok(s->at, x->dest);
	if (!ok)
		iso_bad(s, "transfer %s %s -> %s", x->id, x->source, x->dest);
	return 0;
}

static int iso_stock_step(const char *loc, const char *part, const svc_stock *st, void *arg)
{
	struct iso_scan *s = arg;
	(void)part;
	(void)st;
	if (!iso_location_ok(s->at, loc))
		iso_bad(s, "stock line at %s", loc);
	return 0;
}

static int iso_node_step(const svc_node *n, void *arg)
{
	struct iso_scan *s = arg;
	const node *me = &N[s->at];
	bool ok = me->role == SVC_ROLE_HQ || n->role != SVC_ROLE_SHOP ||
	          strcmp(n->region, me->region) == 0;
	if (!ok)
		iso_bad(s, "directory entry of %s (region %s)", n->node, n->region);
	return 0;
}

static int iso_change_step(const svc_logged_change *lc, void *arg)
{
	struct iso_scan *s = arg;
	const svc_change *c = &lc->c;
	switch (svc_rules_agg_type(c)) {
	case SVC_AGG_TICKET:
	case SVC_AGG_CLAIM: {
		const iso_ticket *it = iso_find(c->aggregate);
		if (!it || !iso_meant(it, s->at))
			iso_bad(s, "change %s/%llu on %s", c->origin, (unsigned long long)c->seq,
			        c->aggregate);
		break;
	}
	case SVC_AGG_MOVE:
		if (!iso_location_ok(s->at, c->u.part_move.location) ||
		    (N[s->at].role == SVC_ROLE_SHOP &&
		     strcmp(c->u.part_move.location, N[s->at].id) != 0))
			iso_bad(s, "stock movement %s/%llu at %s", c->origin,
			        (unsigned long long)c->seq, c->u.part_move.location);
		break;
	case SVC_AGG_TRANSFER: {
		const svc_part_move *m = &c->u.part_move;
		const char *other = m->kind == SVC_MV_TRANSFER_OUT ? m->peer : m->location;
		const char *src = m->kind == SVC_MV_TRANSFER_OUT ? m->location : m->peer;
		bool ok = N[s->at].role == SVC_ROLE_SHOP
		              ? strcmp(other, N[s->at].id) == 0 || strcmp(src, N[s->at].id) == 0
		              : iso_location_ok(s->at, other) && iso_location_ok(s->at, src);
		if (!ok)
			iso_bad(s, "transfer change %s/%llu %s", c->origin,
			        (unsigned long long)c->seq, c->aggregate);
		break;
	}
	case SVC_AGG_NODE: {
		size_t n = find(c->aggregate + 2);
		if (N[s->at].role != SVC_ROLE_HQ && N[n].role == SVC_ROLE_SHOP &&
		    strcmp(N[n].region, N[s->at].region) != 0)
			iso_bad(s, "directory change for %s", N[n].id);
		break;
	}
	default:
		break;
	}
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		*len = 0;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint8_t *p = malloc((size_t)st.st_size + 1);
	ssize_t n = read(fd, p, (size_t)st.st_size);
	close(fd);
	*len = n > 0 ? (size_t)n : 0;
	return p;
}

static void read_isolation(void)
{
	char x[SVC_AGG_LEN], cid[SVC_AGG_LEN];
	net_new("attacks-iso");
	iso_hq = add_node("hq", SVC_ROLE_HQ, "", "", false);
	iso_region[0] = add_node("region-n", SVC_ROLE_REGION, "", "hq", true);
	iso_region[1] = add_node("region-s", SVC_ROLE_REGION, "", "hq", true);
	for (int i = 0; i < 2 * ISO_SHOPS; i++) {
		char id[SVC_ID_LEN];
		int r = i / ISO_SHOPS;
		snprintf(id, sizeof id, "shop-%c%02d", r ? 's' : 'n', i % ISO_SHOPS + 1);
		iso_shop[i] =
		    add_node(id, SVC_ROLE_SHOP, N[iso_region[r]].id, N[iso_region[r]].id, true);
	}
	must(svc_local_catalog_add(N[iso_hq].s, "P-9", "pump", 4200), "catalog");
	must(svc_local_part_receive(N[iso_hq].s, "P-9", 1000, "PO"), "receive");
	char xr[2][SVC_AGG_LEN];
	for (int r = 0; r < 2; r++)
		must(svc_local_part_transfer(N[iso_hq].s, "P-9", 300, N[iso_region[r]].id, xr[r]),
		     "hq -> region");
	settle();
	for (int r = 0; r < 2; r++)
		must(svc_local_part_receive_transfer(N[iso_region[r]].s, xr[r], NULL, NULL), "rx");
	char xs[2 * ISO_SHOPS][SVC_AGG_LEN];
	for (int i = 0; i < 2 * ISO_SHOPS; i++) {
		int r = i / ISO_SHOPS;
		must(svc_local_part_transfer(N[iso_region[r]].s, "P-9", 10, N[iso_shop[i]].id,
		                             xs[i]),
		     "region -> shop");
		/* HQ also ships to every shop directly */
		must(svc_local_part_transfer(N[iso_hq].s, "P-9", 2, N[iso_shop[i]].id, x),
		     "hq -> shop");
	}
	/* tickets: 2 walk-ins per shop, 1 per shop from its region, 1 from HQ */
	for (int i = 0; i < 2 * ISO_SHOPS; i++) {
		int r = i / ISO_SHOPS;
		for (int k = 0; k < 2; k++)
			iso_open(iso_shop[i], iso_add(r, i));
		iso_open(iso_region[r], iso_add(r, i));
		iso_open(iso_hq, iso_add(r, i));
	}
	/* a region ticket with no shop yet, in each region */
	for (int r = 0; r < 2; r++)
		iso_open(iso_region[r], iso_add(r, -1));
	settle();
	for (int i = 0; i < 2 * ISO_SHOPS; i++)
		must(svc_local_part_receive_transfer(N[iso_shop[i]].s, xs[i], NULL, NULL), "rx");
	/* every shop works its first walk-in, uses a part and claims */
	for (size_t k = 0; k < niso; k++) {
		iso_ticket *t = &iso[k];
		if (t->shops[0] < 0 || t->id[2] != 's') /* walk-ins are T-shop-... */
			continue;
		size_t s = iso_shop[t->shops[0]];
		if (strncmp(t->id + 2, N[s].id, strlen(N[s].id)) != 0)
			continue;
		svc_ticket tkx;
		svc_txn *tt;
		CHECK_INT(svc_txn_begin(N[s].s, false, &tt), 0);
		CHECK_INT(svc_fold_ticket_get(tt, t->id, &tkx), 0);
		svc_txn_abort(&tt);
		if (tkx.status != SVC_TS_ASSIGNED || k % 2)
			continue;
		resolve(s, t->id);
		must(svc_local_part_consume(N[s].s, "P-9", 1, t->id), "consume");
		svc_claim_request cr = {
		    .ticket = t->id, .labor = 5000, .nparts = 1, .parts = {{"P-9", 1}}};
		must(svc_local_claim_submit(N[s].s, &cr, cid, NULL, NULL), "claim");
	}
	/* reassignment: region-n gives shop-n01's region ticket to shop-n02 */
	for (size_t k = 0; k < niso; k++) {
		iso_ticket *t = &iso[k];
		if (t->region == 0 && t->shops[0] == 0 && strncmp(t->id, "T-region-n", 10) == 0) {
			must(svc_local_ticket_assign(N[iso_region[0]].s, t->id, N[iso_shop[1]].id),
			     "reassign");
			t->shops[1] = 1;
			break;
		}
	}
	/* the open region tickets go to shop-x03 */
	for (size_t k = 0; k < niso; k++) {
		iso_ticket *t = &iso[k];
		if (t->shops[0] < 0) {
			must(svc_local_ticket_assign(N[iso_region[t->region]].s, t->id,
			                             N[iso_shop[t->region * ISO_SHOPS + 2]].id),
			     "assign");
			t->shops[0] = t->region * ISO_SHOPS + 2;
		}
	}
	CHECK_INT(settle(), 0);
	/* the regions audit every claim, HQ approves and pays half */
	for (int r = 0; r < 2; r++) {
		for (size_t k = 0; k < niso; k++) {
			char c[SVC_AGG_LEN];
			if (iso[k].region != r || svc_rules_claim_id(c, iso[k].id))
				continue;
			svc_claim cl2;
			svc_txn *tt;
			CHECK_INT(svc_txn_begin(N[iso_region[r]].s, false, &tt), 0);
			int have = svc_fold_claim_get(tt, c, &cl2);
			svc_txn_abort(&tt);
			svc_errclear();
			if (have)
				continue;
			must(svc_local_claim_decide(N[iso_region[r]].s, c, SVC_CA_AUDIT, 0, NULL,
			                            NULL),
			     "audit");
		}
	}
	CHECK_INT(settle(), 0);
	unsigned paid = 0;
	for (size_t k = 0; k < niso; k++) {
		char c[SVC_AGG_LEN];
		svc_claim cl2;
		svc_txn *tt;
		svc_rules_claim_id(c, iso[k].id);
		CHECK_INT(svc_txn_begin(N[iso_hq].s, false, &tt), 0);
		int have = svc_fold_claim_get(tt, c, &cl2);
		svc_txn_abort(&tt);
		svc_errclear();
		if (have || k % 4)
			continue;
		must(svc_local_claim_decide(N[iso_hq].s, c, SVC_CA_APPROVE, 0, "labor checked",
		                            NULL),
		     "approve");
		must(svc_local_claim_decide(N[iso_hq].s, c, SVC_CA_PAY, 0, NULL, "PAY"), "pay");
		paid++;
	}
	CHECK(paid > 0);
	CHECK_INT(settle(), 0);

	/* the scan */
	unsigned observers = 0;
	for (size_t at = 0; at < NN; at++) {
		if (N[at].role == SVC_ROLE_HQ)
			continue;
		observers++;
		struct iso_scan s = {at, 0, ""};
		svc_txn *t;
		CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
		svc_fold_ticket_each(t, iso_ticket_step, &s);
		svc_fold_claim_each(t, iso_claim_step, &s);
		svc_fold_transfer_each(t, iso_transfer_step, &s);
		svc_fold_stock_each(t, NULL, iso_stock_step, &s);
		svc_fold_node_each(t, iso_node_step, &s);
		svc_journal_each_from(t, 1, iso_change_step, &s);
		svc_txn_abort(&t);
		/* its own tickets and claims did arrive (isolation is not
		 * emptiness) */
		unsigned mine = 0, held = 0;
		CHECK_INT(svc_txn_begin(N[at].s, false, &t), 0);
		for (size_t k = 0; k < niso; k++) {
			if (!iso_meant(&iso[k], at))
				continue;
			mine++;
			svc_ticket tkx;
			if (svc_fold_ticket_get(t, iso[k].id, &tkx) == 0)
				held++;
			svc_errclear();
		}
		svc_txn_abort(&t);
		CHECK_INT(held, mine);
		/* the raw file: no foreign customer's name or phone anywhere */
		char path[4300];
		size_t flen;
		snprintf(path, sizeof path, "%s/data.mdb", N[at].dir);
		svc_store_close(&N[at].s);
		uint8_t *file = read_file(path, &flen);
		CHECK_INT(svc_store_open(N[at].dir, 0, &N[at].s), 0);
		/* one attack per observer on its records and log, one per
		 * (observer, foreign ticket) on the raw bytes */
		attack(CAT_ISOLATION, s.bad > 0, "%s's records and log: %u foreign, first: %s",
		       N[at].id, s.bad, s.first);
		for (size_t k = 0; k < niso; k++) {
			if (iso_meant(&iso[k], at))
				continue;
			bool found = memmem(file, flen, iso[k].customer, strlen(iso[k].customer)) ||
			             memmem(file, flen, iso[k].phone, strlen(iso[k].phone));
			attack(CAT_ISOLATION, found, "%s's data.mdb holds %s's customer %s",
			       N[at].id, iso[k].id, iso[k].customer);
		}
		/* the positive control: the scan finds what is its own */
		unsigned own_found = 0, own = 0;
		for (size_t k = 0; k < niso; k++)
			if (iso_meant(&iso[k], at)) {
				own++;
				own_found += memmem(file, flen, iso[k].customer,
				                    strlen(iso[k].customer)) != NULL;
			}
		CHECK_INT(own_found, own);
		free(file);
	}
	printf("   read isolation: %u observers (%d shops, 2 regions), %zu tickets\n", observers,
	       2 * ISO_SHOPS, niso);
	free(iso);
	iso = NULL;
	niso = capiso = 0;
	net_free();
}

/* ------------------------------------------------------------ main */

static double secs(struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(void)
{
	struct timespec t0;
	if (svc_crypto_init())
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	main_net();
	fixture();
	snap_save_all();
	printf("== fixture ready [%.1fs]\n", secs(&t0));
	matrix_tickets();
	matrix_open();
	matrix_catalog_and_moves();
	matrix_claim_submit();
	matrix_claim_decide();
	matrix_ledger();
	matrix_directory();
	printf("== role matrix: %u cells (%u allowed, %u attacks) [%.1fs]\n", matrix_cases,
	       matrix_allowed, matrix_cases - matrix_allowed, secs(&t0));
	printf("   at the first receiver: %u applied, %u stored-as-rejected, %u quarantined\n",
	       by_outcome[OUT_APPLIED], by_outcome[OUT_REJECTED], by_outcome[OUT_QUARANTINED]);
	refused_live();
	impersonation();
	self_dealing();
	forged_export();
	printf("== impersonation, self-dealing [%.1fs]\n", secs(&t0));
	tampering();
	printf("== tampering [%.1fs]\n", secs(&t0));
	replay();
	printf("== replay [%.1fs]\n", secs(&t0));
	revocation();
	expiry();
	printf("== revocation, expiry [%.1fs]\n", secs(&t0));
	net_free();
	read_isolation();
	printf("== read isolation [%.1fs]\n", secs(&t0));

	for (int i = 0; i < CAT_COUNT_; i++) {
		printf("attacks: %s tried %u, got through %u\n", cats[i].name, cats[i].tried,
		       cats[i].through);
		if (cats[i].tried < cats[i].min) {
			fprintf(stderr, "FAIL: attacks: %s tried %u, fewer than the %u it makes\n",
			        cats[i].name, cats[i].tried, cats[i].min);
			svc_test_fail++;
		} else {
			svc_test_pass++;
		}
	}
	return svc_test_done();
}

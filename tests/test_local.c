/*
 * test_local: the local operations layer (svc_local) and the offline
 * exchange of changes (svc_offline), against real stores.
 *
 * The network: HQ "hq"; regions "region-east" and "region-west"; shop
 * "shop-a" in region-east and "shop-b" in region-west, all created with
 * svc_identity_init and enrolled the way an operator would. What a node
 * would receive by replication is copied with copy_all(), which applies the
 * source's changes in arrival order with svc_apply_remote.
 *
 * Every refusal is checked three ways: the error code, a phrase of the
 * one-line reason (printed, so a run shows what a person would read), and
 * an unchanged arrival log.
 */
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_local.h"
#include "svc_nodedir.h"
#include "svc_offline.h"
#include "svc_apply.h"
#include "store_kv.h"
#include "svc_tz.h"
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char *root;
static svc_store *hq, *re, *rw, *sa, *sb;

#define PATH(var, name)                                                                            \
	char var[4096];                                                                            \
	snprintf(var, sizeof var, "%s/%s", root, name)

/* ------------------------------------------------------------ helpers */

static uint64_t log_len(svc_store *s)
{
	svc_txn *t;
	uint64_t lsn = 0;
	if (svc_txn_begin(s, false, &t) == 0) {
		svc_journal_last(t, &lsn);
		svc_txn_abort(&t);
	}
	return lsn;
}

/* A refusal: the code, a phrase of the reason, and nothing stored. */
#define REFUSED(store, call, code, phrase)                                                         \
	do {                                                                                       \
		uint64_t before_ = log_len(store);                                                 \
		svc_errclear();                                                                    \
		CHECK_INT((call), (code));                                                         \
		printf("  refused: %s\n", svc_errmsg());                                           \
		if (!strstr(svc_errmsg(), (phrase))) {                                             \
			svc_test_fail++;                                                           \
			fprintf(stderr, "%s:%d: reason lacks \"%s\"\n", __FILE__, __LINE__,        \
			        (phrase));                                                         \
		}                                                                                  \
		CHECK_INT(log_len(store), before_);                                                \
	} while (0)

#define OK(call)                                                                                   \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		if (rc_)                                                                           \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, svc_errmsg());          \
		CHECK_INT(rc_, 0);                                                                 \
	} while (0)

struct copy_arg {
	svc_txn *from;
	svc_txn *to;
	size_t applied;
};

static int copy_one(const svc_logged_change *lc, void *arg)
{
	struct copy_arg *a = arg;
	svc_logged_change *full = malloc(sizeof *full);
	const uint8_t *bytes;
	size_t len;
	uint8_t hash[SVC_HASH_LEN];
	int rc = svc_journal_change_get(a->from, lc->c.origin, lc->c.seq, full, &bytes, &len);
	if (!rc) {
		rc = svc_apply_remote(a->to, bytes, len, &full->c, true, false, hash);
		if (rc == 0)
			a->applied++;
		if (rc == 1)
			rc = 0;
	}
	if (rc)
		fprintf(stderr, "copy %s/%llu: %s\n", lc->c.origin, (unsigned long long)lc->c.seq,
		        svc_errmsg());
	free(full);
	return rc;
}

/* Replication stand-in: every change of `from`, in its arrival order. */
static size_t copy_all(svc_store *from, svc_store *to)
{
	struct copy_arg a = {0};
	CHECK_INT(svc_txn_begin(from, false, &a.from), 0);
	CHECK_INT(svc_txn_begin(to, true, &a.to), 0);
	CHECK_INT(svc_journal_each_from(a.from, 1, copy_one, &a), 0);
	CHECK_INT(svc_txn_commit(&a.to), 0);
	svc_txn_abort(&a.from);
	return a.applied;
}

static svc_store *node(const char *name, uint32_t role, const char *region)
{
	PATH(dir, name);
	svc_store *s = NULL;
	OK(svc_identity_init(dir, name, role, region, &s));
	return s;
}

static void enroll(svc_store *s, const char *name, const char *upstream)
{
	PATH(dir, name);
	PATH(hqdir, "hq");
	svc_keypair *kp = NULL, *hq_kp = NULL;
	uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX];
	size_t req_len = 0, bundle_len = 0;
	svc_approve_opts o = {.upstream = upstream, .endpoint = "tcp://127.0.0.1:7000"};
	OK(svc_identity_key(dir, &kp));
	OK(svc_identity_key(hqdir, &hq_kp));
	OK(svc_enroll_make_request(s, kp, req, sizeof req, &req_len));
	OK(svc_enroll_approve(hq, hq_kp, req, req_len, &o, bundle, sizeof bundle, &bundle_len,
	                      NULL));
	OK(svc_enroll_accept(s, bundle, bundle_len, NULL));
	svc_keypair_destroy(&kp);
	svc_keypair_destroy(&hq_kp);
}

static int get_ticket(svc_store *s, const char *id, svc_ticket *out)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (!rc) {
		rc = svc_fold_ticket_get(t, id, out);
		svc_txn_abort(&t);
	}
	return rc;
}

static int get_claim(svc_store *s, const char *id, svc_claim *out)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (!rc) {
		rc = svc_fold_claim_get(t, id, out);
		svc_txn_abort(&t);
	}
	return rc;
}

static svc_stock stock_of(svc_store *s, const char *loc, const char *part)
{
	svc_txn *t;
	svc_stock st;
	memset(&st, 0, sizeof st);
	if (svc_txn_begin(s, false, &t) == 0) {
		svc_fold_stock_get(t, loc, part, &st);
		svc_txn_abort(&t);
	}
	return st;
}

static svc_ticket_fields walk_in(void)
{
	svc_ticket_fields f = {
	    .kind = "repair",
	    .customer = "张三",
	    .phone = "138 0013 8000",
	    .product = "AC-KFR35GW",
	    .serial = "SN0001",
	    .purchased = "2024-05-01",
	    .fault = "does not cool",
	};
	return f;
}

/* ------------------------------------------------------------ the network */

static void test_network(void)
{
	printf("network\n");
	hq = node("hq", SVC_ROLE_HQ, NULL);
	re = node("region-east", SVC_ROLE_REGION, NULL);
	rw = node("region-west", SVC_ROLE_REGION, NULL);
	sa = node("shop-a", SVC_ROLE_SHOP, "region-east");
	sb = node("shop-b", SVC_ROLE_SHOP, "region-west");
	enroll(re, "region-east", "hq");
	enroll(rw, "region-west", "hq");
	enroll(sa, "shop-a", "region-east");
	enroll(sb, "shop-b", "region-west");
}

/* ------------------------------------------------------------ catalog and stock at HQ */

static char xid_a[SVC_AGG_LEN], xid_b[SVC_AGG_LEN];

static void test_catalog_and_hq_stock(void)
{
	printf("catalog and HQ stock\n");
	OK(svc_local_catalog_add(hq, "P-100", "Compressor 压缩机", 12550));
	OK(svc_local_catalog_add(hq, "P-200", "Fan motor", 3000));
	REFUSED(hq, svc_local_catalog_add(hq, "P 1", "bad", 1), SVC_EINVAL, "part_no");
	REFUSED(hq, svc_local_catalog_add(hq, "P-300", "x", -1), SVC_EINVAL, "price");
	REFUSED(sa, svc_local_catalog_add(sa, "P-300", "x", 1), SVC_EDENIED, "HQ only");

	OK(svc_local_part_receive(hq, "P-100", 50, "PO-2024-001"));
	OK(svc_local_part_receive(hq, "P-200", 20, NULL));
	CHECK_INT(stock_of(hq, "hq", "P-100").on_hand, 50);
	REFUSED(hq, svc_local_part_receive(hq, "P-100", 0, NULL), SVC_EINVAL, "qty");
	REFUSED(hq, svc_local_part_receive(hq, "P-100", -5, NULL), SVC_EINVAL, "positive");
	REFUSED(hq, svc_local_part_receive(hq, "P-999", 5, NULL), SVC_ENOTFOUND,
	        "unknown part number P-999");

	OK(svc_local_part_transfer(hq, "P-100", 10, "shop-a", xid_a));
	CHECK(strncmp(xid_a, "X-hq-", 5) == 0);
	OK(svc_local_part_transfer(hq, "P-200", 4, "shop-b", xid_b));
	svc_stock st = stock_of(hq, "hq", "P-100");
	CHECK_INT(st.on_hand, 40);
	CHECK_INT(stock_of(hq, "shop-a", "P-100").in_transit_in, 10);
	REFUSED(hq, svc_local_part_transfer(hq, "P-100", 41, "shop-a", NULL), SVC_ECONFLICT,
	        "part P-100: 40 on hand at hq, cannot ship 41");
	REFUSED(hq, svc_local_part_transfer(hq, "P-100", 1, "shop-z", NULL), SVC_ENOTFOUND,
	        "unknown node shop-z");
	REFUSED(hq, svc_local_part_transfer(hq, "P-100", 1, "hq", NULL), SVC_EINVAL, "itself");
	REFUSED(hq, svc_local_part_transfer(hq, "P-100", 1, NULL, NULL), SVC_EINVAL, "to:");

	/* The shops and regions learn the directory and catalog. */
	CHECK(copy_all(hq, re) > 0);
	CHECK(copy_all(hq, rw) > 0);
	CHECK(copy_all(hq, sa) > 0);
	CHECK(copy_all(hq, sb) > 0);
	CHECK_INT(copy_all(hq, sa), 0); /* twice is a no-op */
}

/* ------------------------------------------------------------ the shop's day */

static char tk_a[SVC_AGG_LEN], claim_a[SVC_AGG_LEN];

static void test_shop_tickets(void)
{
	printf("shop tickets\n");
	svc_ticket_fields f = walk_in();
	svc_ticket tk;
	char id[SVC_AGG_LEN];

	OK(svc_local_ticket_new(sa, &f, tk_a));
	CHECK(strncmp(tk_a, "T-shop-a-", 9) == 0);
	OK(get_ticket(sa, tk_a, &tk));
	CHECK_STR(tk.shop, "shop-a");
	CHECK_STR(tk.region, "region-east");
	CHECK_INT(tk.status, SVC_TS_ASSIGNED);
	CHECK_INT(tk.purchased, 20240501);

	f = walk_in();
	f.shop = "shop-b";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EDENIED, "only for itself");
	f = walk_in();
	f.region = "region-west";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EDENIED, "region");
	f = walk_in();
	f.phone = "12ab";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "phone:");
	f = walk_in();
	f.purchased = "2023-02-30";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "purchased:");
	f = walk_in();
	f.purchased = "yesterday";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "purchased:");
	f = walk_in();
	f.kind = NULL;
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "kind: required");
	f = walk_in();
	f.kind = "fix";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "kind:");
	f = walk_in();
	f.customer = "";
	/* A known phone finds its customer file; a new one needs the name. */
	f.phone = "137 0000 1111";
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "customer:");
	f = walk_in();
	f.fault = NULL;
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "fault:");
	char longname[SVC_NAME_LEN + 10];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	f = walk_in();
	f.customer = longname;
	REFUSED(sa, svc_local_ticket_new(sa, &f, id), SVC_EINVAL, "at most 95");

	/* Through the lifecycle; the fold refuses skipping steps. */
	REFUSED(sa, svc_local_ticket_status(sa, tk_a, SVC_TS_RESOLVED, NULL), SVC_EREJECT,
	        "assigned -> resolved is not a valid transition");
	REFUSED(sa, svc_local_ticket_status(sa, "T-shop-a-999", SVC_TS_ACCEPTED, NULL),
	        SVC_ENOTFOUND, "unknown ticket T-shop-a-999");
	REFUSED(sa, svc_local_ticket_status(sa, tk_a, SVC_TS_CLOSED, NULL), SVC_EDENIED,
	        "may not close");
	OK(svc_local_ticket_status(sa, tk_a, SVC_TS_ACCEPTED, NULL));
	OK(svc_local_ticket_status(sa, tk_a, SVC_TS_ON_SITE, NULL));
	OK(svc_local_ticket_note(sa, tk_a, "compressor seized; replacing"));
	REFUSED(sa, svc_local_ticket_note(sa, tk_a, ""), SVC_EINVAL, "text:");
	REFUSED(sa, svc_local_ticket_note(sa, "T-nope-1", "x"), SVC_ENOTFOUND, "unknown ticket");
	REFUSED(sa, svc_local_ticket_callback(sa, tk_a, 4, NULL), SVC_EDENIED, "callback");
	REFUSED(sa, svc_local_ticket_assign(sa, tk_a, "shop-a"), SVC_EDENIED, "assign");
	OK(get_ticket(sa, tk_a, &tk));
	CHECK_INT(tk.status, SVC_TS_ON_SITE);
	CHECK_INT(tk.notes, 1);
}

static void test_shop_parts(void)
{
	printf("shop parts\n");
	char part[SVC_PART_LEN];
	int64_t qty = 0;
	REFUSED(sa, svc_local_part_receive_transfer(sa, xid_b, NULL, NULL), SVC_EDENIED,
	        "ships to shop-b");
	REFUSED(sa, svc_local_part_receive_transfer(sa, "X-hq-999", NULL, NULL), SVC_ENOTFOUND,
	        "unknown transfer");
	OK(svc_local_part_receive_transfer(sa, xid_a, part, &qty));
	CHECK_STR(part, "P-100");
	CHECK_INT(qty, 10);
	CHECK_INT(stock_of(sa, "shop-a", "P-100").on_hand, 10);
	CHECK_INT(stock_of(sa, "shop-a", "P-100").in_transit_in, 0);
	REFUSED(sa, svc_local_part_receive_transfer(sa, xid_a, NULL, NULL), SVC_ECONFLICT,
	        "already received");
	REFUSED(sa, svc_local_part_receive(sa, "P-100", 5, NULL), SVC_EDENIED, "HQ only");

	REFUSED(sa, svc_local_part_consume(sa, "P-100", 11, tk_a), SVC_ECONFLICT,
	        "part P-100: 10 on hand at shop-a, cannot consume 11");
	REFUSED(sa, svc_local_part_consume(sa, "P-100", -1, tk_a), SVC_EINVAL, "qty");
	REFUSED(sa, svc_local_part_consume(sa, "P-100", 1, "T-shop-a-999"), SVC_ENOTFOUND,
	        "unknown ticket");
	REFUSED(sa, svc_local_part_consume(sa, "P-100", 1, NULL), SVC_EINVAL, "ticket");
	REFUSED(sa, svc_local_part_consume(sa, "NOPE", 1, tk_a), SVC_ENOTFOUND,
	        "unknown part number NOPE");
	OK(svc_local_part_consume(sa, "P-100", 2, tk_a));
	CHECK_INT(stock_of(sa, "shop-a", "P-100").on_hand, 8);

	REFUSED(sa, svc_local_part_adjust(sa, "P-100", 0, "count"), SVC_EINVAL, "0");
	REFUSED(sa, svc_local_part_adjust(sa, "P-100", -9, "count"), SVC_ECONFLICT,
	        "8 on hand at shop-a");
	REFUSED(sa, svc_local_part_adjust(sa, "P-100", 1, NULL), SVC_EINVAL, "reason");
	OK(svc_local_part_adjust(sa, "P-100", -1, "stocktake: one damaged in storage"));
	CHECK_INT(stock_of(sa, "shop-a", "P-100").on_hand, 7);

	/* old parts: what was consumed on the ticket comes back, no more */
	OK(svc_local_oldpart_ship(sa, "P-100", 2, tk_a, NULL));
	CHECK_INT(stock_of(sa, "shop-a", "P-100").defective, 2);
	CHECK_INT(stock_of(sa, "shop-a", "P-100").on_hand, 7);
	REFUSED(sa, svc_local_oldpart_ship(sa, "P-100", 1, tk_a, NULL), SVC_ECONFLICT,
	        "x1 returned, 2 consumed on");
	REFUSED(sa, svc_local_oldpart_ship(sa, "P-100", 1, "T-shop-a-999", NULL), SVC_ENOTFOUND,
	        "unknown ticket");

	/* A shop ships only back to its region. */
	REFUSED(sa, svc_local_part_transfer(sa, "P-100", 1, "shop-b", NULL), SVC_EDENIED,
	        "only back to its region");
	char x[SVC_AGG_LEN];
	OK(svc_local_part_transfer(sa, "P-100", 1, "region-east", x));
	CHECK_INT(stock_of(sa, "shop-a", "P-100").on_hand, 6);
}

static void test_claims(void)
{
	printf("claims\n");
	svc_claim_request r;
	svc_claim cl;
	uint32_t rev = 0;
	int64_t total = 0;

	memset(&r, 0, sizeof r);
	r.ticket = tk_a;
	r.labor = 8000;
	r.nparts = 1;
	r.parts[0].part_no = "P-100";
	r.parts[0].qty = 2;
	r.travel = 1500;
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_ECONFLICT,
	        "status on_site, a claim needs resolved or closed");
	OK(svc_local_ticket_status(sa, tk_a, SVC_TS_RESOLVED, "compressor replaced"));
	/* Bought 2024-05-01 with 24 months' warranty: out of warranty when
	 * opened, customer-paid, claimed only with HQ's leave. */
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_EDENIED,
	        "customer-paid (out of warranty); a claim needs HQ's leave (claim allow)");
	copy_all(sa, hq);
	REFUSED(re, svc_local_claim_allow(re, tk_a, "批次缺陷"), SVC_EDENIED, "(HQ only)");
	REFUSED(hq, svc_local_claim_allow(hq, tk_a, ""), SVC_EINVAL, "reason: required");
	OK(svc_local_claim_allow(hq, tk_a, "批次缺陷，厂家承担"));
	copy_all(hq, sa);

	r.has_total = true;
	r.total = 34000;
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_EINVAL,
	        "total: 34000 does not equal the sum of the lines 34600");
	r.has_total = false;
	r.parts[0].part_no = "P-999";
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_ENOTFOUND,
	        "unknown part number P-999");
	r.parts[0].part_no = "P-100";
	r.nparts = 2;
	r.parts[1].part_no = "P-100";
	r.parts[1].qty = 1;
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_EINVAL,
	        "listed twice");
	r.nparts = 1;
	r.labor = -1;
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_EINVAL, "labor");
	r.labor = 8000;
	r.ticket = "T-shop-a-999";
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_ENOTFOUND,
	        "unknown ticket");
	r.ticket = tk_a;
	REFUSED(re, svc_local_claim_submit(re, &r, claim_a, NULL, NULL), SVC_EDENIED,
	        "only the shop");

	OK(svc_local_claim_submit(sa, &r, claim_a, &rev, &total));
	CHECK(strncmp(claim_a, "C-shop-a-", 9) == 0);
	CHECK_INT(rev, 1);
	CHECK_INT(total, 8000 + 2 * 12550 + 1500);
	OK(get_claim(sa, claim_a, &cl));
	CHECK_INT(cl.status, SVC_CS_SUBMITTED);
	CHECK_INT(cl.parts[0].unit_price, 12550);
	CHECK_INT(cl.parts[0].amount, 25100);
	REFUSED(sa, svc_local_claim_submit(sa, &r, claim_a, NULL, NULL), SVC_ECONFLICT,
	        "is submitted; only a returned or rejected claim can be resubmitted");

	/* A shop decides nothing on claims. */
	REFUSED(sa, svc_local_claim_decide(sa, claim_a, SVC_CA_APPROVE, 0, NULL, NULL), SVC_EDENIED,
	        "may not approve claims");
	REFUSED(sa, svc_local_claim_decide(sa, claim_a, SVC_CA_AUDIT, 0, NULL, NULL), SVC_EDENIED,
	        "audit");

	/* The region returns it; the shop resubmits as revision 2. */
	copy_all(sa, re);
	REFUSED(re, svc_local_claim_decide(re, claim_a, SVC_CA_RETURN, 0, NULL, NULL), SVC_EINVAL,
	        "reason");
	REFUSED(re, svc_local_claim_decide(re, claim_a, SVC_CA_RETURN, 5, "x", NULL), SVC_EINVAL,
	        "amount");
	REFUSED(re, svc_local_claim_decide(re, "C-shop-a-999", SVC_CA_AUDIT, 0, NULL, NULL),
	        SVC_ENOTFOUND, "unknown claim");
	REFUSED(re, svc_local_claim_decide(re, claim_a, SVC_CA_APPROVE, 0, NULL, NULL), SVC_EDENIED,
	        "HQ only");
	OK(svc_local_claim_decide(re, claim_a, SVC_CA_RETURN, 0, "travel needs a receipt", NULL));
	copy_all(re, sa);
	OK(get_claim(sa, claim_a, &cl));
	CHECK_INT(cl.status, SVC_CS_RETURNED);
	r.travel = 1200;
	OK(svc_local_claim_submit(sa, &r, claim_a, &rev, &total));
	CHECK_INT(rev, 2);
	CHECK_INT(total, 8000 + 25100 + 1200);

	/* Region audits, HQ approves part of it and pays. */
	copy_all(sa, re);
	OK(svc_local_claim_decide(re, claim_a, SVC_CA_AUDIT, 0, NULL, NULL));
	copy_all(sa, hq);
	copy_all(re, hq);
	OK(get_claim(hq, claim_a, &cl));
	CHECK_INT(cl.status, SVC_CS_AUDITED);
	CHECK_INT(cl.revision, 2);
	REFUSED(hq, svc_local_claim_decide(hq, claim_a, SVC_CA_APPROVE, 99999, NULL, NULL),
	        SVC_EINVAL, "more than the claimed 34300");
	REFUSED(hq, svc_local_claim_decide(hq, claim_a, SVC_CA_PAY, 0, NULL, "BANK-1"), SVC_EREJECT,
	        "cannot pay");
	OK(svc_local_claim_decide(hq, claim_a, SVC_CA_APPROVE, 30000, "labor capped", NULL));
	OK(get_claim(hq, claim_a, &cl));
	CHECK_INT(cl.status, SVC_CS_PARTIAL);
	CHECK_INT(cl.approved, 30000);
	REFUSED(hq, svc_local_claim_decide(hq, claim_a, SVC_CA_PAY, 34300, NULL, "BANK-1"),
	        SVC_EINVAL, "approved for 30000");
	REFUSED(hq, svc_local_claim_decide(hq, claim_a, SVC_CA_PAY, 0, NULL, NULL), SVC_EINVAL,
	        "ref");
	OK(svc_local_claim_decide(hq, claim_a, SVC_CA_PAY, 0, NULL, "BANK-2024-0001"));
	OK(get_claim(hq, claim_a, &cl));
	CHECK_INT(cl.status, SVC_CS_PAID);
	CHECK_STR(cl.pay_ref, "BANK-2024-0001");
	copy_all(hq, sa);
	OK(get_claim(sa, claim_a, &cl));
	CHECK_INT(cl.status, SVC_CS_PAID);
}

/* the shop's ledger: a month of 34 claims is paid in two runs (32 and 2),
 * all or nothing, at HQ; the month then has nothing left to pay; the
 * older per-claim payment of claim_a counts in the ledger; the shop holds
 * the same statement and ledger as HQ once it has HQ's changes, confirms
 * once, and may neither pay nor deduct. */
#define PR_CLAIMS 34

static int ledger_at(svc_store *s, const char *shop, svc_local_ledger *l)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (!rc) {
		rc = svc_local_ledger_load(t, shop, (uint64_t)time(NULL) * 1000, l);
		svc_txn_abort(&t);
	}
	return rc;
}

static void test_pay_runs(void)
{
	printf("payment runs\n");
	static char ids[PR_CLAIMS][SVC_AGG_LEN];
	char tk[SVC_AGG_LEN], serial[32], month[16];
	svc_claim_request r;
	svc_claim cl;
	svc_pay_result res;
	int64_t fen = 0;

	for (int i = 0; i < PR_CLAIMS; i++) {
		svc_ticket_fields f = walk_in();
		f.purchased = NULL; /* warranty unknown: claimable */
		snprintf(serial, sizeof serial, "SN-PR-%02d", i);
		f.serial = serial;
		OK(svc_local_ticket_new(sa, &f, tk));
		OK(svc_local_ticket_status(sa, tk, SVC_TS_ACCEPTED, NULL));
		OK(svc_local_ticket_status(sa, tk, SVC_TS_ON_SITE, NULL));
		OK(svc_local_ticket_status(sa, tk, SVC_TS_RESOLVED, "fixed"));
		memset(&r, 0, sizeof r);
		r.ticket = tk;
		r.labor = 1000 + i;
		OK(svc_local_claim_submit(sa, &r, ids[i], NULL, NULL));
		fen += 1000 + i;
	}
	copy_all(sa, re);
	for (int i = 0; i < PR_CLAIMS; i++)
		OK(svc_local_claim_decide(re, ids[i], SVC_CA_AUDIT, 0, NULL, NULL));
	copy_all(sa, hq);
	copy_all(re, hq);
	for (int i = 0; i < PR_CLAIMS; i++)
		OK(svc_local_claim_decide(hq, ids[i], SVC_CA_APPROVE, 0, "labor checked", NULL));
	OK(get_claim(hq, ids[0], &cl));
	svc_tz *tz = NULL;
	OK(svc_tz_load(&tz, "Asia/Shanghai"));
	int32_t ymd = tz ? svc_tz_date_of(tz, (int64_t)cl.decided) : 0;
	svc_tz_destroy(&tz);
	snprintf(month, sizeof month, "%04d-%02d", ymd / 10000, ymd / 100 % 100);

	REFUSED(sa, svc_local_pay_run(sa, "shop-a", month, "BANK-M", &res), SVC_EDENIED,
	        "may not pay claims (HQ only)");
	REFUSED(hq, svc_local_pay_run(hq, "shop-zz", month, "BANK-M", &res), SVC_ENOTFOUND,
	        "shop: unknown shop shop-zz");
	REFUSED(hq, svc_local_pay_run(hq, "shop-a", "2026-1", "BANK-M", &res), SVC_EINVAL,
	        "month: '2026-1' is not a month");
	REFUSED(hq, svc_local_pay_run(hq, "shop-a", month, "", &res), SVC_EINVAL, "ref: required");
	OK(svc_local_pay_run(hq, "shop-a", month, "BANK-M", &res));
	CHECK_INT(res.runs, 2);
	CHECK_INT(res.claims, PR_CLAIMS);
	CHECK_INT(res.fen, fen);
	CHECK_INT(res.held, 0);
	CHECK_STR(res.refs[0], "BANK-M/1");
	CHECK_STR(res.refs[1], "BANK-M/2");
	REFUSED(hq, svc_local_pay_run(hq, "shop-a", month, "BANK-N", &res), SVC_EINVAL,
	        "has no approved claim left to pay for");

	svc_local_ledger l, ls;
	uint32_t mm = (uint32_t)(ymd / 100);
	OK(ledger_at(hq, "shop-a", &l));
	const svc_statement *st = svc_local_ledger_statement(&l, mm);
	CHECK(st != NULL);
	CHECK(st && st->nruns == 2 && st->npaid == PR_CLAIMS);
	CHECK(st && st->runs[0].claims == SVC_PAY_RUN_CLAIMS_MAX && st->runs[1].claims == 2);
	/* claim_a's older per-claim payment is a payment in the ledger too */
	bool old_paid = false;
	for (size_t i = 0; i < l.ledger.n; i++)
		old_paid |= l.ledger.v[i].kind == SVC_LE_PAYMENT &&
		            strcmp(l.ledger.v[i].ref, claim_a) == 0 &&
		            strcmp(l.ledger.v[i].note, "BANK-2024-0001") == 0;
	CHECK(old_paid);
	CHECK_INT(l.ledger.v[l.ledger.n - 1].balance, 0);

	/* the shop holds the same once it has HQ's changes */
	copy_all(hq, re);
	copy_all(re, sa);
	OK(ledger_at(sa, "shop-a", &ls));
	CHECK_INT(ls.ledger.n, l.ledger.n);
	CHECK_INT(ls.nstatements, 1);
	CHECK(ls.nstatements == 1 && ls.statements[0].npaid == PR_CLAIMS);
	svc_local_ledger_free(&ls);
	svc_local_ledger_free(&l);

	REFUSED(re, svc_local_statement_confirm(re, "shop-a", month, "发票 1"), SVC_EDENIED,
	        "(the shop does)");
	OK(svc_local_statement_confirm(sa, "shop-a", month, "发票 1"));
	REFUSED(sa, svc_local_statement_confirm(sa, "shop-a", month, "发票 2"), SVC_ECONFLICT,
	        "already confirmed with invoice 发票 1");
	REFUSED(sa, svc_local_ledger_deduct(sa, "shop-a", month, 100, "x"), SVC_EDENIED, "HQ only");
	REFUSED(hq, svc_local_ledger_deduct(hq, "shop-a", month, 0, "x"), SVC_EINVAL, "fen:");
	REFUSED(hq, svc_local_ledger_deduct(hq, "shop-a", month, 100, ""), SVC_EINVAL,
	        "reason: required");
	OK(svc_local_ledger_deduct(hq, "shop-a", month, 100, "虚报工时"));
}

static void test_region_and_hq_tickets(void)
{
	printf("region and HQ tickets\n");
	svc_ticket_fields f = walk_in();
	svc_ticket tk;
	char id[SVC_AGG_LEN];

	/* A region opens in its region, optionally straight onto its shop. */
	OK(svc_local_ticket_new(re, &f, id));
	OK(get_ticket(re, id, &tk));
	CHECK_INT(tk.status, SVC_TS_NEW);
	CHECK_STR(tk.region, "region-east");
	f.shop = "shop-a";
	OK(svc_local_ticket_new(re, &f, id));
	OK(get_ticket(re, id, &tk));
	CHECK_INT(tk.status, SVC_TS_ASSIGNED);
	CHECK_STR(tk.shop, "shop-a");
	f.shop = "shop-b";
	REFUSED(re, svc_local_ticket_new(re, &f, id), SVC_EDENIED,
	        "shop-b is in region region-west");
	f.shop = "shop-zz";
	REFUSED(re, svc_local_ticket_new(re, &f, id), SVC_ENOTFOUND, "unknown shop shop-zz");
	f.shop = "region-west";
	REFUSED(re, svc_local_ticket_new(re, &f, id), SVC_EINVAL, "is a region, not a shop");
	f.shop = NULL;
	f.region = "region-west";
	REFUSED(re, svc_local_ticket_new(re, &f, id), SVC_EDENIED, "its own region");

	/* Assignment: a known shop, in the region's own region. */
	char fresh[SVC_AGG_LEN];
	f = walk_in();
	OK(svc_local_ticket_new(re, &f, fresh));
	REFUSED(re, svc_local_ticket_assign(re, fresh, "shop-zz"), SVC_ENOTFOUND, "unknown shop");
	REFUSED(re, svc_local_ticket_assign(re, fresh, "shop-b"), SVC_EDENIED, "region-west");
	REFUSED(re, svc_local_ticket_assign(re, "T-region-east-999", "shop-a"), SVC_ENOTFOUND,
	        "unknown ticket");
	/* Only a consult with no shop is resolved at the region (the hotline's
	 * short path): a repair must go through a shop. */
	REFUSED(re, svc_local_ticket_status(re, fresh, SVC_TS_RESOLVED, NULL), SVC_EREJECT,
	        "new -> resolved is not a valid transition");
	OK(svc_local_ticket_assign(re, fresh, "shop-a"));
	OK(get_ticket(re, fresh, &tk));
	CHECK_INT(tk.status, SVC_TS_ASSIGNED);

	/* The callback after the shop's work (copied up and back). */
	copy_all(sa, re);
	REFUSED(re, svc_local_ticket_callback(re, tk_a, 6, NULL), SVC_EINVAL, "satisfaction");
	OK(svc_local_ticket_callback(re, tk_a, 4, "happy with the repair"));
	OK(svc_local_ticket_status(re, tk_a, SVC_TS_CLOSED, NULL));
	OK(get_ticket(re, tk_a, &tk));
	CHECK_INT(tk.satisfaction, 4);
	CHECK_INT(tk.status, SVC_TS_CLOSED);

	/* HQ names the region or a shop. */
	f = walk_in();
	REFUSED(hq, svc_local_ticket_new(hq, &f, id), SVC_EINVAL, "region: required at HQ");
	f.region = "shop-a";
	REFUSED(hq, svc_local_ticket_new(hq, &f, id), SVC_EINVAL, "not a region");
	f.region = "region-east";
	OK(svc_local_ticket_new(hq, &f, id));
	OK(get_ticket(hq, id, &tk));
	CHECK_STR(tk.region, "region-east");
	f.region = NULL;
	f.shop = "shop-b";
	OK(svc_local_ticket_new(hq, &f, id));
	OK(get_ticket(hq, id, &tk));
	CHECK_STR(tk.region, "region-west");
	CHECK_STR(tk.shop, "shop-b");
	f.region = "region-east";
	REFUSED(hq, svc_local_ticket_new(hq, &f, id), SVC_EINVAL, "shop shop-b is in region");
}

/* ------------------------------------------------------------ customer files */

/* The merge group of `id` at store s: its survivor and the files in it. */
static int group_of(svc_store *s, int type, const char *id, char root_id[SVC_AGG_LEN],
                    char (*ids)[SVC_AGG_LEN], size_t max, size_t *n)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (!rc) {
		rc = svc_local_merge_group(t, type, id, root_id, ids, max, n);
		svc_txn_abort(&t);
	}
	return rc;
}

/* A chain of merges (a into b, then b into c) is one group under c, found
 * from any of its files; tickets by a merged file refer to the survivor; a
 * shop corrects only the files it created. */
static void test_customer_files(void)
{
	printf("customer files\n");
	svc_customer_fields f = {.name = "李雷", .phones = {"13912340001"}, .nphones = 1};
	char a[SVC_AGG_LEN], b[SVC_AGG_LEN], c[SVC_AGG_LEN], r[SVC_AGG_LEN], ids[4][SVC_AGG_LEN];
	size_t n = 0;
	OK(svc_local_customer_new(re, &f, a));
	OK(svc_local_customer_new(re, &f, b));
	OK(svc_local_customer_new(re, &f, c));
	OK(svc_local_customer_merge(re, a, b));
	OK(svc_local_customer_merge(re, b, c));
	OK(group_of(re, SVC_AGG_CUSTOMER, a, r, ids, 4, &n));
	CHECK_STR(r, c);
	CHECK_INT(n, 3);
	CHECK_STR(ids[0], c);
	CHECK_STR(ids[1], b);
	CHECK_STR(ids[2], a);
	OK(group_of(re, SVC_AGG_CUSTOMER, c, r, ids, 2, &n));
	CHECK_STR(r, c);
	CHECK_INT(n, 2); /* cut at max */
	CHECK_INT(group_of(re, SVC_AGG_CUSTOMER, "C-region-east-999999", r, ids, 4, &n),
	          SVC_ENOTFOUND);
	svc_errclear();

	/* a ticket by the first file's id, or by the phone, refers to c */
	svc_ticket_fields tf = walk_in();
	svc_ticket tk;
	char id[SVC_AGG_LEN];
	tf.customer = NULL;
	tf.phone = NULL;
	tf.serial = NULL;
	tf.customer_id = a;
	OK(svc_local_ticket_new(re, &tf, id));
	OK(get_ticket(re, id, &tk));
	CHECK_STR(tk.customer_id, c);
	tf.customer_id = NULL;
	tf.phone = "+86 139-1234-0001";
	OK(svc_local_ticket_new(re, &tf, id));
	OK(get_ticket(re, id, &tk));
	CHECK_STR(tk.customer_id, c);

	/* the shop holds the region's file (copied) and may not correct it */
	copy_all(re, sa);
	svc_customer_fields e = {.address = "上海市"};
	REFUSED(sa, svc_local_customer_edit(sa, c, &e), SVC_EDENIED,
	        "may not correct customer C-region-east-");
	char own[SVC_AGG_LEN];
	OK(svc_local_customer_new(sa, &f, own));
	OK(svc_local_customer_edit(sa, own, &e));
	OK(svc_local_customer_edit(re, c, &e));
}

/* ------------------------------------------------------------ bulk import */

static int count_cb(const svc_ticket *t, void *arg)
{
	(void)t;
	(*(size_t *)arg)++;
	return 0;
}

static size_t ticket_count(svc_store *s)
{
	svc_txn *t;
	size_t n = 0;
	if (svc_txn_begin(s, false, &t) == 0) {
		svc_fold_ticket_each(t, count_cb, &n);
		svc_txn_abort(&t);
	}
	return n;
}

static void test_import(void)
{
	printf("import\n");
	const size_t n = 2 * SVC_IMPORT_BATCH + 500;
	svc_ticket_open *bodies = calloc(n, sizeof *bodies);
	svc_txn *t;
	char phone[24], first[SVC_AGG_LEN];
	size_t done = 0, before = ticket_count(re);

	CHECK_INT(svc_txn_begin(re, false, &t), 0);
	for (size_t i = 0; i < n; i++) {
		svc_ticket_fields f = walk_in();
		snprintf(phone, sizeof phone, "139%08zu", i);
		f.phone = phone;
		f.shop = i % 2 ? "shop-a" : NULL;
		if (svc_local_ticket_body(t, &f, &bodies[i]) != 0) {
			CHECK_INT(-1, (long long)i);
			break;
		}
	}
	/* The check names the field, as an import file's line would. */
	svc_ticket_fields bad = walk_in();
	svc_ticket_open scratch;
	bad.phone = "call me";
	CHECK_INT(svc_local_ticket_body(t, &bad, &scratch), SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "phone:") != NULL);
	bad = walk_in();
	bad.shop = "shop-b";
	CHECK_INT(svc_local_ticket_body(t, &bad, &scratch), SVC_EDENIED);
	svc_txn_abort(&t);

	uint64_t lsn = log_len(re);
	OK(svc_local_ticket_import(re, bodies, n, &done, first));
	CHECK_INT(done, n);
	CHECK_INT(ticket_count(re), before + n);
	/* Every line has a phone of its own: a customer file each, before its
	 * ticket (the unit SN0001 is held here already and is linked). */
	CHECK_INT(log_len(re), lsn + 2 * n);
	svc_ticket tk;
	OK(get_ticket(re, first, &tk));
	CHECK_STR(tk.phone, "");
	CHECK(tk.customer_id[0] != '\0' && tk.unit_id[0] != '\0');
	CHECK_INT(svc_txn_begin(re, false, &t), 0);
	svc_customer cu;
	CHECK_INT(svc_fold_customer_get(t, tk.customer_id, &cu), 0);
	CHECK_STR(cu.phones[0], "13900000000");
	svc_txn_abort(&t);

	/* A bad body in the second batch: the first batch stays, the second
	 * leaves nothing. */
	snprintf(bodies[SVC_IMPORT_BATCH + 7].phone, sizeof bodies[0].phone, "x");
	lsn = log_len(re);
	svc_errclear();
	CHECK_INT(svc_local_ticket_import(re, bodies, n, &done, first), SVC_EINVAL);
	printf("  refused: %s\n", svc_errmsg());
	CHECK(strstr(svc_errmsg(), "ticket 8 of the batch") != NULL);
	CHECK_INT(done, SVC_IMPORT_BATCH);
	CHECK_INT(log_len(re), lsn + SVC_IMPORT_BATCH);
	free(bodies);
}

/* The policy in force and a region's grade are kept for the transaction
 * (a bulk import judges every line with them) and follow a policy or grade
 * written in it. */
static void test_policy_cache(void)
{
	printf("policy and grade within a transaction\n");
	static svc_policy p0, p1;
	static svc_change c;
	uint32_t g0, g1;
	svc_txn *t;
	CHECK_INT(svc_txn_begin(hq, true, &t), 0);
	OK(svc_fold_policy_at(t, 20991231, &p0));
	OK(svc_fold_policy_at(t, 20991231, &p1));
	CHECK(memcmp(&p0, &p1, sizeof p0) == 0);
	OK(svc_fold_grade_get(t, "region-east", &g0));
	CHECK_INT(g0, SVC_GRADE_NONE);

	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_POLICY_SET;
	c.u.policy_set.version = p0.version + 1;
	c.u.policy_set.from = 20990101;
	c.u.policy_set.nentries = 1;
	snprintf(c.u.policy_set.entries[0].key, sizeof c.u.policy_set.entries[0].key, "%s",
	         "return_days");
	snprintf(c.u.policy_set.entries[0].value, sizeof c.u.policy_set.entries[0].value, "%s",
	         "20");
	svc_rules_policy_agg(c.aggregate, c.u.policy_set.version);
	OK(svc_apply_local(t, &c));
	OK(svc_fold_policy_at(t, 20991231, &p1));
	CHECK_INT(p1.version, p0.version + 1);
	CHECK_INT(svc_policy_days(&p1, "return_days"), 20);
	/* another day is another question */
	OK(svc_fold_policy_at(t, 20981231, &p1));
	CHECK_INT(p1.version, p0.version);

	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_REGION_GRADE;
	snprintf(c.u.region_grade.region, sizeof c.u.region_grade.region, "%s", "region-east");
	c.u.region_grade.grade = SVC_GRADE_B;
	svc_rules_grade_agg(c.aggregate, "region-east");
	OK(svc_apply_local(t, &c));
	OK(svc_fold_grade_get(t, "region-east", &g1));
	CHECK_INT(g1, SVC_GRADE_B);
	OK(svc_fold_grade_get(t, "region-west", &g1));
	CHECK_INT(g1, SVC_GRADE_NONE);
	svc_txn_abort(&t);
}

/* ------------------------------------------------------------ offline exchange */

static svc_keypair *key_of(const char *name)
{
	PATH(dir, name);
	svc_keypair *kp = NULL;
	OK(svc_identity_key(dir, &kp));
	return kp;
}

static size_t read_whole(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, cap) : -1;
	if (fd >= 0)
		close(fd);
	CHECK(n > 0 && (size_t)n < cap);
	return n > 0 ? (size_t)n : 0;
}

static void write_whole(const char *path, const uint8_t *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, buf, n) == (ssize_t)n);
	close(fd);
}

/* Copy the batches of export file `src` into `dst` under a new header:
 * what anyone holding `kp` could write. */
static void resign(const char *src, const char *dst, const char *signer, const char *target,
                   const svc_keypair *kp)
{
	static uint8_t buf[1 << 20];
	size_t n = read_whole(src, buf, sizeof buf), pos = 8;
	svc_export_writer *w = NULL;
	svc_export_header h;
	OK(svc_export_writer_open(&w, dst));
	while (pos + 4 <= n) {
		uint32_t len = (uint32_t)buf[pos] << 24 | (uint32_t)buf[pos + 1] << 16 |
		               (uint32_t)buf[pos + 2] << 8 | buf[pos + 3];
		svc_msg m;
		if (len == 0 || len > n - pos - 4)
			break;
		OK(svc_codec_msg_decode(buf + pos + 4, len, &m));
		OK(svc_export_writer_add(w, buf + pos + 4, len, m.u.batch.nchanges));
		svc_codec_msg_free(&m);
		pos += 4 + len;
	}
	memset(&h, 0, sizeof h);
	snprintf(h.signer, sizeof h.signer, "%s", signer);
	snprintf(h.target, sizeof h.target, "%s", target);
	OK(svc_export_writer_close(&w, kp, &h));
}

static void test_offline(void)
{
	printf("offline exchange\n");
	PATH(for_w, "hq-for-region-west.chg");
	PATH(for_x, "hq-for-region-x.chg");
	PATH(bad, "bad.chg");
	svc_keypair *hq_kp = key_of("hq"), *re_kp = key_of("region-east");
	svc_keypair *sa_kp = key_of("shop-a");
	svc_import_stats st;
	svc_export_stats es;
	svc_txn *t;

	/* The target must be a node the writer links to (HQ, the root every
	 * node pinned, may write for any), and the key the writer's own. */
	REFUSED(hq, svc_offline_export(hq, hq_kp, "shop-zz", for_w, NULL), SVC_ENOTFOUND,
	        "shop-zz");
	REFUSED(re, svc_offline_export(re, re_kp, "shop-b", for_w, NULL), SVC_EDENIED,
	        "takes files only from a node it links to (its upstream is region-west)");
	REFUSED(hq, svc_offline_export(hq, sa_kp, "region-west", for_w, NULL), SVC_EKEY,
	        "not node hq's key");
	REFUSED(hq, svc_offline_export(hq, hq_kp, NULL, for_w, NULL), SVC_EINVAL, "--for");
	OK(svc_offline_export(hq, hq_kp, "region-west", for_w, &es));
	CHECK(es.changes > 0 && es.batches == 1);

	/* A fresh region: not enrolled, then enrolled but not the target. */
	svc_store *rx = node("region-x", SVC_ROLE_REGION, NULL);
	REFUSED(rx, svc_offline_import(rx, for_w, &st), SVC_EDENIED, "not enrolled");
	enroll(rx, "region-x", "hq");
	REFUSED(rx, svc_offline_import(rx, for_w, &st), SVC_EDENIED,
	        "the file is for region-west, not for this node (region-x)");

	/* The directory bootstraps from HQ's file: HQ's key comes from the
	 * bundle. Region-x gets the catalog and none of region-west's stock. */
	OK(svc_offline_export(hq, hq_kp, "region-x", for_x, &es));
	uint64_t before = log_len(rx);
	OK(svc_offline_import(rx, for_x, &st));
	CHECK_STR(st.signer, "hq");
	CHECK_INT(st.total, es.changes);
	CHECK_INT(st.applied, es.changes);
	CHECK_INT(st.quarantined, 0);
	CHECK_INT(log_len(rx), before + es.changes);
	svc_catalog_item ci;
	svc_peer p;
	CHECK_INT(svc_txn_begin(rx, false, &t), 0);
	CHECK_INT(svc_fold_catalog_get(t, "P-100", &ci), 0);
	CHECK_INT(svc_fold_transfer_get(t, xid_b, &(svc_transfer){0}), SVC_ENOTFOUND);
	/* A file is not the link: HQ's checkpoint here has not moved. */
	CHECK_INT(svc_peer_get(t, "hq", &p), 0);
	CHECK_INT(p.recv_lsn, 0);
	svc_txn_abort(&t);
	OK(svc_offline_import(rx, for_x, &st));
	CHECK_INT(st.applied, 0);
	CHECK_INT(st.present, es.changes);

	/* Damage: a flipped byte, a truncated file, not an export at all, the
	 * old unsigned format. */
	static uint8_t buf[1 << 20];
	size_t n = read_whole(for_x, buf, sizeof buf);
	buf[n / 2] ^= 1;
	write_whole(bad, buf, n);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDECODE, "");
	buf[n / 2] ^= 1;
	write_whole(bad, buf, n - 10);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDECODE, "truncated");
	write_whole(bad, (const uint8_t *)"hello, world, this is not it", 28);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDECODE, "not an svcsync export");
	write_whole(bad, (const uint8_t *)"SVCCHG1\n\0\0\0\0", 12);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDECODE, "older svcsync");
	REFUSED(rx, svc_offline_import(rx, "/nonexistent/x", &st), SVC_EIO, "nonexistent");

	/* Signers: a header claiming HQ but signed by another key; a region
	 * this node does not link to; a shop it has never heard of. */
	resign(for_x, bad, "hq", "region-x", re_kp);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_ECRYPTO,
	        "signature does not verify with hq's key");
	resign(for_x, bad, "region-east", "region-x", re_kp);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDENIED,
	        "signer region-east is not linked to this node");
	resign(for_x, bad, "shop-a", "region-x", sa_kp);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDENIED,
	        "signer shop-a is not in this node's directory");
	resign(for_x, bad, "region-x", "region-x", hq_kp);
	REFUSED(rx, svc_offline_import(rx, bad, &st), SVC_EDENIED, "signed by this node itself");

	/* A shop that worked before its region heard of it: the region refuses
	 * the file as a daemon would refuse the connection, and takes it once
	 * HQ's directory (with the shop's certificate) has arrived. */
	svc_store *sc = node("shop-c", SVC_ROLE_SHOP, "region-east");
	enroll(sc, "shop-c", "region-east");
	svc_keypair *sc_kp = key_of("shop-c");
	svc_ticket_fields f = walk_in();
	char tc[SVC_AGG_LEN];
	OK(svc_local_ticket_new(sc, &f, tc));
	OK(svc_local_ticket_note(sc, tc, "customer will bring the receipt"));
	PATH(sc_file, "shop-c-for-region-east.chg");
	PATH(hq_re, "hq-for-region-east.chg");
	OK(svc_offline_export(sc, sc_kp, "region-east", sc_file, &es));
	/* the customer file, the unit, the ticket and the note */
	CHECK_INT(es.changes, 4);
	CHECK_INT(es.commits, 1);
	REFUSED(re, svc_offline_import(re, sc_file, &st), SVC_EDENIED,
	        "signer shop-c is not in this node's directory");
	OK(svc_offline_export(hq, hq_kp, "region-east", hq_re, NULL));
	OK(svc_offline_import(re, hq_re, &st));
	OK(svc_offline_import(re, sc_file, &st));
	CHECK_INT(st.total, 4);
	CHECK_INT(st.applied, 4);
	CHECK_INT(st.quarantined, 0);
	svc_ticket tk;
	OK(get_ticket(re, tc, &tk));
	CHECK_INT(tk.notes, 1);
	/* The shop exports again: its signed commit is reused, not re-made. */
	OK(svc_offline_export(sc, sc_kp, "region-east", sc_file, &es));
	CHECK_INT(es.commits, 0);
	OK(svc_offline_import(re, sc_file, &st));
	CHECK_INT(st.present, 4);
	CHECK_INT(st.applied, 0);
	svc_keypair_destroy(&sc_kp);
	svc_keypair_destroy(&sa_kp);
	svc_keypair_destroy(&re_kp);
	svc_keypair_destroy(&hq_kp);
	svc_store_close(&rx);
	svc_store_close(&sc);
}

/* ------------------------------------------------------------ wake */

static void test_wake(void)
{
	printf("wake\n");
	PATH(dir, "wake");
	PATH(sock, "wake/wake.sock");
	mkdir(dir, 0700);
	svc_nodedir_wake(dir); /* nobody listening: nothing happens */
	svc_nodedir_wake("/nonexistent");

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa_un;
	memset(&sa_un, 0, sizeof sa_un);
	sa_un.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof sa_un.sun_path) {
		printf("  (socket path too long here, skipped)\n");
		close(fd);
		return;
	}
	memcpy(sa_un.sun_path, sock, strlen(sock) + 1);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa_un, sizeof sa_un), 0);
	svc_nodedir_wake(dir);
	char b[8];
	CHECK_INT(recv(fd, b, sizeof b, MSG_DONTWAIT), 1);
	/* A full queue must not block the writer. */
	for (int i = 0; i < 10000; i++)
		svc_nodedir_wake(dir);
	CHECK(1);
	close(fd);
}

/* ------------------------------------------------------------ derived data */

typedef struct {
	uint8_t *buf;
	size_t len, cap;
	size_t n;
} dump;

static int dump_step(const svc_kv_val *k, const svc_kv_val *v, void *arg)
{
	dump *d = arg;
	size_t need = d->len + k->len + v->len + 16;
	if (need > d->cap) {
		size_t cap = need * 2;
		uint8_t *b = realloc(d->buf, cap);
		if (!b)
			return SVC_ENOMEM;
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, &k->len, sizeof k->len);
	memcpy(d->buf + d->len + sizeof k->len, k->data, k->len);
	d->len += sizeof k->len + k->len;
	memcpy(d->buf + d->len, &v->len, sizeof v->len);
	memcpy(d->buf + d->len + sizeof v->len, v->data, v->len);
	d->len += sizeof v->len + v->len;
	d->n++;
	return 0;
}

/* Every entry of the index and tally databases, as bytes. */
static int dump_derived(svc_store *s, dump *d)
{
	svc_txn *t;
	memset(d, 0, sizeof *d);
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_kv_walk(t, SVC_DB_INDEX, NULL, 0, NULL, 0, 0, dump_step, d);
	if (!rc)
		rc = svc_kv_walk(t, SVC_DB_TALLY, NULL, 0, NULL, 0, 0, dump_step, d);
	svc_txn_abort(&t);
	return rc;
}

/* A store written by a build whose kinds had other (or no) indexes and
 * tallies: opening it rebuilds them from the states, once, to exactly what
 * folding every record under this build leaves. */
static void test_derived_rebuild(void)
{
	printf("derived data of an older store\n");
	char id[SVC_AGG_LEN];
	const char *ids[] = {"T-shop-a-17",
	                     "T-shop-a-0",
	                     "P:CMP-35",
	                     "S:shop-a/CMP-35",
	                     "K-region-east-18446744073709551615",
	                     "V:3"};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		uint8_t k[SVC_KV_AGG_KEY_LEN];
		size_t n = svc_kv_agg_key(ids[i], k);
		OK(svc_kv_agg_unkey(k, n, id));
		CHECK_STR(id, ids[i]);
	}
	CHECK_INT(svc_kv_agg_unkey((const uint8_t *)"T-a-\x01zz", 7, id), SVC_EDECODE);
	svc_errclear();

	dump before, after;
	uint64_t n = 1;
	/* What folding every change left, entry by entry. */
	OK(dump_derived(re, &before));
	CHECK(before.n > 0);
	/* Written here without the daemon or the CLI, so without a derived
	 * version: the first refresh rebuilds the same entries, the next finds
	 * the version it wrote. */
	OK(svc_fold_store_refresh(re, &n));
	CHECK(n > 0);
	OK(dump_derived(re, &after));
	CHECK(after.len == before.len && memcmp(after.buf, before.buf, before.len) == 0);
	free(after.buf);
	OK(svc_fold_store_refresh(re, &n));
	CHECK_INT(n, 0);

	/* What an older build leaves: no derived version, entries missing. */
	svc_txn *t;
	OK(svc_txn_begin(re, true, &t));
	OK(svc_kv_clear(t, SVC_DB_INDEX));
	OK(svc_kv_meta_put_u64(t, "derived", SVC_FOLD_DERIVED_VERSION - 1));
	OK(svc_txn_commit(&t));
	OK(dump_derived(re, &after));
	CHECK_INT(after.n < before.n, 1);
	free(after.buf);

	OK(svc_fold_store_refresh(re, &n));
	CHECK(n > 0);
	OK(dump_derived(re, &after));
	CHECK_INT(after.n, before.n);
	CHECK_INT(after.len, before.len);
	CHECK(after.len == before.len && memcmp(after.buf, before.buf, before.len) == 0);
	free(after.buf);
	OK(svc_fold_store_refresh(re, &n));
	CHECK_INT(n, 0);
	free(before.buf);
}

int main(void)
{
	if (svc_crypto_init() != 0)
		return 2;
	root = svc_test_tmpdir("test_local");
	test_network();
	test_catalog_and_hq_stock();
	test_shop_tickets();
	test_shop_parts();
	test_claims();
	test_pay_runs();
	test_region_and_hq_tickets();
	test_customer_files();
	test_import();
	test_policy_cache();
	test_offline();
	test_wake();
	test_derived_rebuild();
	svc_store_close(&hq);
	svc_store_close(&re);
	svc_store_close(&rw);
	svc_store_close(&sa);
	svc_store_close(&sb);
	svc_test_rmdir(root);
	free(root);
	return svc_test_done();
}

/*
 * test_identity: node init and the enrollment round trip, as an operator
 * would drive them, plus the ways they must refuse.
 *
 * The network built here: HQ "hq", regions "region-south" and "region-north"
 * (both under HQ), shop "shop-gz-0042" in region-south (under region-south)
 * and shop "shop-bj-0007" in region-north. Tampering is exhaustive: every
 * byte of a request and of a bundle is flipped in turn and every variant
 * must be refused, whichever layer (framing, decoding, signature) notices.
 */
#include "svc_cert.h"
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_apply.h"
#include "testlib.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *root;

#define PATH(var, name)                                                                            \
	char var[4096];                                                                            \
	snprintf(var, sizeof var, "%s/%s", root, name)

static int errmsg_has(const char *needle)
{
	return strstr(svc_errmsg(), needle) != NULL;
}

/* Print refusals, so a run shows what an operator would read. */
static void show(const char *what)
{
	printf("  %s: %s\n", what, svc_errmsg());
}

/* Entries in a directory besides . and ..; -1 if it does not exist. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int self_of(svc_store *s, svc_self *out)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_self_get(t, out);
	svc_txn_abort(&t);
	return rc;
}

static int node_of(svc_store *s, const char *node, svc_node *out)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_fold_node_get(t, node, out);
	svc_txn_abort(&t);
	return rc;
}

/* shops: a shop's record as a store holds it. */
static int shop_of(svc_store *s, const char *shop, svc_shop *out)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_fold_shop_get(t, shop, out);
	svc_txn_abort(&t);
	return rc;
}

/* A fresh node under root/name with its store open and its key loaded. */
static svc_store *make_node(const char *name, const char *node, uint32_t role, const char *region,
                            svc_keypair **kp)
{
	PATH(dir, name);
	svc_store *s = NULL;
	int rc = svc_identity_init(dir, node, role, region, &s);
	CHECK_INT(rc, 0);
	if (rc) {
		show(node);
		return NULL;
	}
	CHECK_INT(svc_identity_key(dir, kp), 0);
	return s;
}

/* ------------------------------------------------------------ init */

static void test_init_roles(void)
{
	svc_keypair *kp = NULL;
	svc_self self;
	svc_node n;
	svc_cert c;
	struct stat st;

	svc_store *hq = make_node("roles-hq", "hq", SVC_ROLE_HQ, "", &kp);
	CHECK(hq != NULL);
	if (!hq)
		return;
	CHECK_INT(self_of(hq, &self), 0);
	CHECK_STR(self.node, "hq");
	CHECK_INT(self.role, SVC_ROLE_HQ);
	CHECK_STR(self.region, "");
	CHECK(memcmp(self.pubkey, kp->pk, SVC_PK_LEN) == 0);
	CHECK(self.enrolled);
	CHECK_STR(self.hq_node, "hq");
	CHECK(memcmp(self.hq_pubkey, kp->pk, SVC_PK_LEN) == 0);
	CHECK_STR(self.upstream, "");
	static const uint8_t zero_id[SVC_STORE_ID_LEN];
	CHECK(memcmp(self.store_id, zero_id, sizeof zero_id) != 0);

	/* HQ's own certificate: self-signed, serial 1, ten years, in the
	 * directory and in its identity. */
	CHECK(self.cert.body_len > 0);
	CHECK_INT(svc_cert_verify(&self.cert, kp->pk, &c), 0);
	CHECK_STR(c.node, "hq");
	CHECK_INT(c.role, SVC_ROLE_HQ);
	CHECK_STR(c.region, "");
	CHECK_STR(c.upstream, "");
	CHECK_STR(c.issuer, "hq");
	CHECK_INT(c.serial, 1);
	CHECK(memcmp(c.pubkey, kp->pk, SVC_PK_LEN) == 0);
	CHECK(c.not_after - c.not_before >= 3650ULL * 86400 * 1000);
	CHECK_INT(node_of(hq, "hq", &n), 0);
	CHECK_STR(n.node, "hq");
	CHECK_INT(n.role, SVC_ROLE_HQ);
	CHECK_INT(n.serial, 1);
	CHECK(!n.revoked);
	CHECK(memcmp(n.pubkey, kp->pk, SVC_PK_LEN) == 0);

	/* A certificate checked against another key is refused. */
	svc_keypair *other = NULL;
	CHECK_INT(svc_keypair_new(&other), 0);
	CHECK_INT(svc_cert_verify(&self.cert, other->pk, &c), SVC_ECRYPTO);
	svc_keypair_destroy(&other);

	PATH(key, "roles-hq/node.key");
	CHECK_INT(lstat(key, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0600);
	svc_store_close(&hq);
	svc_keypair_destroy(&kp);

	/* A region's region is itself, given or not. */
	svc_store *r = make_node("roles-region", "region-south", SVC_ROLE_REGION, "", &kp);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(self_of(r, &self), 0);
		CHECK_STR(self.region, "region-south");
		CHECK_INT(self.role, SVC_ROLE_REGION);
		CHECK(!self.enrolled);
		CHECK(self.cert.body_len == 0);
		CHECK_INT(node_of(r, "region-south", &n), SVC_ENOTFOUND);
	}
	svc_store_close(&r);
	svc_keypair_destroy(&kp);
	r = make_node("roles-region2", "region-north", SVC_ROLE_REGION, "region-north", &kp);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(self_of(r, &self), 0);
		CHECK_STR(self.region, "region-north");
	}
	svc_store_close(&r);
	svc_keypair_destroy(&kp);

	svc_store *shop =
	    make_node("roles-shop", "shop-gz-0042", SVC_ROLE_SHOP, "region-south", &kp);
	CHECK(shop != NULL);
	if (shop) {
		CHECK_INT(self_of(shop, &self), 0);
		CHECK_STR(self.region, "region-south");
		CHECK_INT(self.role, SVC_ROLE_SHOP);
		CHECK(!self.enrolled);
	}
	svc_store_close(&shop);
	svc_keypair_destroy(&kp);

	/* out may be NULL: the store is closed again. */
	PATH(noout, "roles-noout");
	CHECK_INT(svc_identity_init(noout, "shop-1", SVC_ROLE_SHOP, "region-south", NULL), 0);
	CHECK_INT(dir_entries(noout), 3); /* data.mdb, lock.mdb, node.key */
}

static void test_init_twice(void)
{
	svc_keypair *kp = NULL, *kp2 = NULL;
	svc_self before, after;
	PATH(dir, "twice");

	svc_store *s = make_node("twice", "region-east", SVC_ROLE_REGION, "", &kp);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(self_of(s, &before), 0);
	svc_store_close(&s);

	/* Same arguments, other arguments: both refused, nothing changed. */
	CHECK_INT(svc_identity_init(dir, "region-east", SVC_ROLE_REGION, "", &s), SVC_EEXIST);
	CHECK(errmsg_has("already holds a store; init changes nothing"));
	show("init twice");
	CHECK(s == NULL);
	CHECK_INT(svc_identity_init(dir, "hq", SVC_ROLE_HQ, "", NULL), SVC_EEXIST);

	CHECK_INT(svc_store_open(dir, 0, &s), 0);
	if (s) {
		CHECK_INT(self_of(s, &after), 0);
		CHECK_STR(after.node, "region-east");
		CHECK_INT(after.role, SVC_ROLE_REGION);
		CHECK(memcmp(after.pubkey, before.pubkey, SVC_PK_LEN) == 0);
		CHECK(memcmp(after.store_id, before.store_id, sizeof after.store_id) == 0);
	}
	svc_store_close(&s);
	CHECK_INT(svc_identity_key(dir, &kp2), 0);
	if (kp2)
		CHECK(memcmp(kp2->pk, kp->pk, SVC_PK_LEN) == 0);
	svc_keypair_destroy(&kp);
	svc_keypair_destroy(&kp2);

	/* A directory holding only a key is refused too, and the key kept. */
	PATH(keyonly, "keyonly");
	PATH(keyfile, "keyonly/node.key");
	CHECK_INT(mkdir(keyonly, 0700), 0);
	CHECK_INT(svc_keypair_new(&kp), 0);
	CHECK_INT(svc_key_save(keyfile, kp), 0);
	CHECK_INT(svc_identity_init(keyonly, "shop-2", SVC_ROLE_SHOP, "region-east", NULL),
	          SVC_EEXIST);
	show("init over a key");
	CHECK_INT(dir_entries(keyonly), 1);
	CHECK_INT(svc_identity_key(keyonly, &kp2), 0);
	if (kp2)
		CHECK(memcmp(kp2->pk, kp->pk, SVC_PK_LEN) == 0);
	svc_keypair_destroy(&kp);
	svc_keypair_destroy(&kp2);
}

static void test_init_bad(void)
{
	static const struct {
		const char *node;
		uint32_t role;
		const char *region;
	} bad[] = {
	    {"", SVC_ROLE_SHOP, "region-south"},
	    {"Shop-1", SVC_ROLE_SHOP, "region-south"},
	    {"-shop", SVC_ROLE_SHOP, "region-south"},
	    {"shop_1", SVC_ROLE_SHOP, "region-south"},
	    {"shop 1", SVC_ROLE_SHOP, "region-south"},
	    {"s23456789012345678901234567890123", SVC_ROLE_SHOP, "region-south"}, /* 33 */
	    {"shop-1", SVC_ROLE_NONE, "region-south"},
	    {"shop-1", 4, "region-south"},
	    {"shop-1", SVC_ROLE_SHOP, ""},
	    {"shop-1", SVC_ROLE_SHOP, NULL},
	    {"shop-1", SVC_ROLE_SHOP, "Region South"},
	    {"shop-1", SVC_ROLE_SHOP, "shop-1"},
	    {"hq", SVC_ROLE_HQ, "region-south"},
	    {"region-west", SVC_ROLE_REGION, "region-south"},
	    {"region-west", SVC_ROLE_REGION, "Region-West"},
	};
	PATH(existing, "bad-existing");
	CHECK_INT(mkdir(existing, 0700), 0);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "bad-%zu", i);
		PATH(dir, name);
		svc_store *s = NULL;
		CHECK_INT(svc_identity_init(dir, bad[i].node, bad[i].role, bad[i].region, &s),
		          SVC_EINVAL);
		show("bad init");
		CHECK(s == NULL);
		CHECK_INT(dir_entries(dir), -1);
		/* In an existing, empty directory it leaves the directory empty. */
		CHECK_INT(
		    svc_identity_init(existing, bad[i].node, bad[i].role, bad[i].region, NULL),
		    SVC_EINVAL);
		CHECK_INT(dir_entries(existing), 0);
	}

	/* A failure after the check (the parent directory is missing) leaves
	 * nothing behind either. */
	PATH(deep, "missing-parent/node");
	PATH(parent, "missing-parent");
	CHECK(svc_identity_init(deep, "shop-1", SVC_ROLE_SHOP, "region-south", NULL) != 0);
	show("init below a missing directory");
	CHECK_INT(dir_entries(parent), -1);

	/* A file where the directory should be. */
	PATH(file, "a-file");
	FILE *f = fopen(file, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	CHECK_INT(svc_identity_init(file, "shop-1", SVC_ROLE_SHOP, "region-south", NULL),
	          SVC_EINVAL);
	show("init over a file");
}

static void test_key_mode(void)
{
	svc_keypair *kp = NULL;
	PATH(dir, "keymode");
	PATH(key, "keymode/node.key");
	CHECK_INT(svc_identity_init(dir, "shop-3", SVC_ROLE_SHOP, "region-south", NULL), 0);
	CHECK_INT(chmod(key, 0644), 0);
	CHECK_INT(svc_identity_key(dir, &kp), SVC_EKEY);
	show("loose key file");
	CHECK(kp == NULL);
	CHECK_INT(chmod(key, 0600), 0);
	CHECK_INT(svc_identity_key(dir, &kp), 0);
	svc_keypair_destroy(&kp);

	PATH(nokey, "keymode-none");
	CHECK_INT(svc_identity_key(nokey, &kp), SVC_EKEY);
}

/* ------------------------------------------------------------ enrollment */

static uint8_t scratch[SVC_ENROLL_MAX];

/* Every single-byte flip of a request must be refused by approve. */
static void tamper_request(svc_store *hq, const svc_keypair *hq_kp, const uint8_t *req, size_t len,
                           const svc_approve_opts *o)
{
	uint8_t bad[SVC_ENROLL_MAX], out[SVC_ENROLL_MAX];
	size_t olen, refused = 0, sig_refused = 0;
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, req, len);
		bad[i] ^= 0xff;
		int rc = svc_enroll_approve(hq, hq_kp, bad, len, o, out, sizeof out, &olen, NULL);
		if (rc != 0)
			refused++;
		if (rc == SVC_ECRYPTO)
			sig_refused++;
	}
	CHECK_INT(refused, len);
	/* Most of the file is body and signature: those flips must be caught
	 * by the signature, not merely by luck in the framing. */
	CHECK(sig_refused >= len / 2);
	/* And a truncated request. */
	for (size_t n = 0; n < len; n++)
		CHECK(svc_enroll_approve(hq, hq_kp, req, n, o, out, sizeof out, &olen, NULL) != 0);
}

/* Every single-byte flip of a bundle must be refused by accept. */
static void tamper_bundle(svc_store *s, const uint8_t *b, size_t len)
{
	uint8_t bad[SVC_ENROLL_MAX];
	size_t refused = 0;
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, b, len);
		bad[i] ^= 0xff;
		if (svc_enroll_accept(s, bad, len, NULL) != 0)
			refused++;
	}
	CHECK_INT(refused, len);
	for (size_t n = 0; n < len; n++)
		CHECK(svc_enroll_accept(s, b, n, NULL) != 0);
}

/* Hand-made bundle signed by HQ, for cases approve never produces. */
static size_t forge_bundle(const svc_keypair *hq_kp, const svc_cert *c, const char *upstream,
                           uint8_t *out)
{
	svc_bundle b;
	uint8_t body[SVC_ENROLL_MAX], sig[SVC_SIG_LEN];
	size_t blen, len = 0;
	memset(&b, 0, sizeof b);
	CHECK_INT(svc_codec_cert_encode(c, b.cert.body, sizeof b.cert.body, &b.cert.body_len), 0);
	svc_sign(hq_kp, b.cert.body, b.cert.body_len, b.cert.signature);
	memcpy(b.hq_pubkey, hq_kp->pk, SVC_PK_LEN);
	snprintf(b.hq_node, sizeof b.hq_node, "hq");
	snprintf(b.upstream, sizeof b.upstream, "%s", upstream);
	snprintf(b.endpoint, sizeof b.endpoint, "tcp://hq.example.com:7700");
	memcpy(b.upstream_pubkey, hq_kp->pk, SVC_PK_LEN);
	CHECK_INT(svc_codec_bundle_encode(&b, body, sizeof body, &blen), 0);
	svc_sign(hq_kp, body, blen, sig);
	CHECK_INT(svc_codec_signed_encode(body, blen, sig, out, SVC_ENROLL_MAX, &len), 0);
	return len;
}

static int revoke_write(svc_txn *t, void *arg)
{
	const svc_node_revoke *r = arg;
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_NODE_REVOKE;
	svc_rules_node_agg(c.aggregate, r->node);
	c.u.node_revoke = *r;
	return svc_apply_local(t, &c);
}

/* Replicate HQ's change (hq, seq) into s, optionally with a forged signature
 * on its certificate. */
static int replicate(svc_store *hq, svc_store *s, uint64_t seq, bool forge)
{
	static svc_logged_change lc;
	static uint8_t bytes[SVC_CHANGE_MAX];
	const uint8_t *b;
	size_t len;
	uint8_t hash[SVC_HASH_LEN];
	svc_txn *t;

	CHECK_INT(svc_txn_begin(hq, false, &t), 0);
	int rc = svc_journal_change_get(t, "hq", seq, &lc, &b, &len);
	CHECK_INT(rc, 0);
	if (!rc && len <= sizeof bytes)
		memcpy(bytes, b, len);
	svc_txn_abort(&t);
	if (rc)
		return rc;
	if (forge) {
		CHECK_INT(lc.c.kind, SVC_CK_NODE_CERT);
		lc.c.u.node_cert.signature[7] ^= 1;
		CHECK_INT(svc_codec_change_encode(&lc.c, bytes, sizeof bytes, &len), 0);
	}
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	rc = svc_apply_remote(t, bytes, len, &lc.c, true, false, hash);
	if (rc < 0) {
		svc_txn_abort(&t);
		return rc;
	}
	int crc = svc_txn_commit(&t);
	return crc ? crc : rc;
}

static void test_enroll(void)
{
	svc_keypair *hq_kp = NULL, *rs_kp = NULL, *rn_kp = NULL, *sh_kp = NULL, *bj_kp = NULL;
	uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX], bundle2[SVC_ENROLL_MAX];
	size_t req_len = 0, bundle_len = 0, bundle2_len = 0;
	svc_cert issued;
	svc_self self;
	svc_node n;

	svc_store *hq = make_node("net-hq", "hq", SVC_ROLE_HQ, NULL, &hq_kp);
	svc_store *rs = make_node("net-rs", "region-south", SVC_ROLE_REGION, NULL, &rs_kp);
	svc_store *rn = make_node("net-rn", "region-north", SVC_ROLE_REGION, NULL, &rn_kp);
	svc_store *sh =
	    make_node("net-shop", "shop-gz-0042", SVC_ROLE_SHOP, "region-south", &sh_kp);
	svc_store *bj = make_node("net-bj", "shop-bj-0007", SVC_ROLE_SHOP, "region-north", &bj_kp);
	if (!hq || !rs || !rn || !sh || !bj || !hq_kp || !rs_kp || !rn_kp || !sh_kp || !bj_kp)
		goto out;

	/* HQ needs no request; a node needs its own key for one. */
	CHECK_INT(svc_enroll_make_request(hq, hq_kp, req, sizeof req, &req_len), SVC_EINVAL);
	show("request at HQ");
	CHECK_INT(svc_enroll_make_request(rs, hq_kp, req, sizeof req, &req_len), SVC_EKEY);
	show("request with another key");
	CHECK_INT(svc_enroll_make_request(rs, rs_kp, req, 8, &req_len), SVC_ETOOBIG);
	CHECK_INT(svc_enroll_make_request(rs, rs_kp, req, sizeof req, &req_len), 0);
	CHECK(req_len > 0 && req_len < 512);

	svc_approve_opts o = {.upstream = "hq", .endpoint = "tcp://hq.example.com:7700"};

	/* Only HQ approves, with its own key. */
	CHECK_INT(svc_enroll_approve(rs, rs_kp, req, req_len, &o, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EDENIED);
	show("approve at a region");
	CHECK_INT(svc_enroll_approve(hq, rs_kp, req, req_len, &o, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EKEY);

	/* Endpoints that are not tcp://HOST:PORT. */
	static const char *const bad_ep[] = {
	    "",
	    "hq.example.com:7700",
	    "tcp://:7700",
	    "tcp://hq.example.com",
	    "tcp://hq.example.com:",
	    "tcp://hq.example.com:0",
	    "tcp://hq.example.com:65536",
	    "tcp://hq.example.com:77a0",
	    "udp://hq.example.com:7700",
	    "tcp://hq example:7700",
	    "tcp://[::1:7700",
	    "tcp://hq.example.com:-1",
	};
	for (size_t i = 0; i < sizeof bad_ep / sizeof bad_ep[0]; i++) {
		svc_approve_opts bo = {.upstream = "hq", .endpoint = bad_ep[i]};
		CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &bo, bundle, sizeof bundle,
		                             &bundle_len, NULL),
		          SVC_EINVAL);
	}
	show("bad endpoint");

	/* A region hangs under HQ: not under an unknown node. */
	svc_approve_opts under_rn = {.upstream = "region-north", .endpoint = "tcp://10.0.0.2:7700"};
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &under_rn, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EINVAL);
	show("region under an unknown upstream");

	/* A bundle buffer too small leaves nothing recorded: a retry works. */
	CHECK(svc_enroll_approve(hq, hq_kp, req, req_len, &o, bundle, 16, &bundle_len, NULL) != 0);
	show("bundle buffer too small");
	CHECK_INT(node_of(hq, "region-south", &n), SVC_ENOTFOUND);

	tamper_request(hq, hq_kp, req, req_len, &o);
	CHECK_INT(node_of(hq, "region-south", &n), SVC_ENOTFOUND);

	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &o, bundle, sizeof bundle,
	                             &bundle_len, &issued),
	          0);
	CHECK_STR(issued.node, "region-south");
	CHECK_INT(issued.role, SVC_ROLE_REGION);
	CHECK_STR(issued.region, "region-south");
	CHECK_STR(issued.upstream, "hq");
	CHECK_STR(issued.issuer, "hq");
	CHECK_INT(issued.serial, 2);
	CHECK(memcmp(issued.pubkey, rs_kp->pk, SVC_PK_LEN) == 0);
	CHECK_INT((issued.not_after - issued.not_before) / (86400ULL * 1000),
	          SVC_CERT_DAYS_DEFAULT);
	CHECK_INT(node_of(hq, "region-south", &n), 0);
	CHECK_INT(n.serial, 2);
	CHECK_STR(n.upstream, "hq");
	CHECK(!n.revoked);

	/* Double enrollment, and the same request again. */
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &o, bundle2, sizeof bundle2,
	                             &bundle2_len, NULL),
	          SVC_EEXIST);
	CHECK(errmsg_has("already enrolled (serial 2); revoke it first"));
	show("double enrollment");

	/* The bundle, tampered, for another node, under a wrong pin. */
	tamper_bundle(rs, bundle, bundle_len);
	CHECK_INT(self_of(rs, &self), 0);
	CHECK(!self.enrolled);
	CHECK_INT(svc_enroll_accept(rs, bundle, bundle_len, rs_kp->pk), SVC_ECRYPTO);
	show("wrong pin");
	CHECK_INT(svc_enroll_accept(rn, bundle, bundle_len, NULL), SVC_EINVAL);
	show("bundle for another node");
	CHECK_INT(svc_enroll_accept(hq, bundle, bundle_len, NULL), SVC_EINVAL);
	CHECK_INT(self_of(rn, &self), 0);
	CHECK(!self.enrolled);

	CHECK_INT(svc_enroll_accept(rs, bundle, bundle_len, hq_kp->pk), 0);
	CHECK_INT(self_of(rs, &self), 0);
	CHECK(self.enrolled);
	CHECK_STR(self.hq_node, "hq");
	CHECK(memcmp(self.hq_pubkey, hq_kp->pk, SVC_PK_LEN) == 0);
	CHECK_STR(self.upstream, "hq");
	CHECK_STR(self.endpoint, "tcp://hq.example.com:7700");
	CHECK(memcmp(self.upstream_pubkey, hq_kp->pk, SVC_PK_LEN) == 0);
	svc_cert own;
	CHECK_INT(svc_cert_verify(&self.cert, hq_kp->pk, &own), 0);
	CHECK_INT(own.serial, 2);
	/* Accepting the same bundle again changes nothing; the node can no
	 * longer ask to be enrolled. */
	CHECK_INT(svc_enroll_accept(rs, bundle, bundle_len, NULL), 0);
	CHECK_INT(svc_enroll_make_request(rs, rs_kp, req, sizeof req, &req_len), SVC_EEXIST);

	/* region-north, then the shops. */
	CHECK_INT(svc_enroll_make_request(rn, rn_kp, req, sizeof req, &req_len), 0);
	svc_approve_opts under_rs = {.upstream = "region-south", .endpoint = "tcp://10.0.0.1:7700"};
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &under_rs, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EINVAL);
	show("region under a region");
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &o, bundle, sizeof bundle,
	                             &bundle_len, &issued),
	          0);
	CHECK_INT(issued.serial, 3);
	CHECK_INT(svc_enroll_accept(rn, bundle, bundle_len, hq_kp->pk), 0);

	CHECK_INT(svc_enroll_make_request(sh, sh_kp, req, sizeof req, &req_len), 0);
	/* A shop of region-south may not hang under region-north, nor under
	 * another shop or an unknown node. */
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &under_rn, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EINVAL);
	CHECK(errmsg_has("belongs to region region-south"));
	show("shop under another region");
	svc_approve_opts under_east = {.upstream = "region-east",
	                               .endpoint = "tcp://10.0.0.3:7700"};
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &under_east, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EINVAL);
	svc_approve_opts bad_up = {.upstream = "Region South", .endpoint = "tcp://10.0.0.3:7700"};
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &bad_up, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EINVAL);
	CHECK_INT(node_of(hq, "shop-gz-0042", &n), SVC_ENOTFOUND);

	svc_approve_opts shop_o = {
	    .upstream = "region-south", .endpoint = "tcp://[fd00::1]:7701", .days = 30};
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len, &shop_o, bundle, sizeof bundle,
	                             &bundle_len, &issued),
	          0);
	CHECK_INT(issued.serial, 4);
	CHECK_STR(issued.upstream, "region-south");
	CHECK_STR(issued.region, "region-south");
	CHECK_INT((issued.not_after - issued.not_before) / (86400ULL * 1000), 30);
	CHECK_INT(svc_enroll_accept(sh, bundle, bundle_len, hq_kp->pk), 0);
	CHECK_INT(self_of(sh, &self), 0);
	CHECK(self.enrolled);
	CHECK_STR(self.upstream, "region-south");
	CHECK_STR(self.endpoint, "tcp://[fd00::1]:7701");
	CHECK(memcmp(self.upstream_pubkey, rs_kp->pk, SVC_PK_LEN) == 0);
	CHECK(memcmp(self.hq_pubkey, hq_kp->pk, SVC_PK_LEN) == 0);

	/* A shop directly under HQ is fine. */
	uint8_t bj_req[SVC_ENROLL_MAX];
	size_t bj_req_len;
	CHECK_INT(svc_enroll_make_request(bj, bj_kp, bj_req, sizeof bj_req, &bj_req_len), 0);
	CHECK_INT(svc_enroll_approve(hq, hq_kp, bj_req, bj_req_len, &o, bundle2, sizeof bundle2,
	                             &bundle2_len, &issued),
	          0);
	CHECK_INT(issued.serial, 5);
	CHECK_STR(issued.upstream, "hq");
	/* shops: enrolled without a record, it gets one at probation, direct */
	svc_shop hs;
	CHECK_INT(shop_of(hq, "shop-bj-0007", &hs), 0);
	CHECK_INT(hs.stage, SVC_SHOP_PROBATION);
	CHECK(hs.direct);
	CHECK_STR(hs.region, "region-north");
	CHECK_INT(hs.serial, 5);
	CHECK(hs.probation_until > hs.enrolled + 88 * 86400000ULL);

	/* A second, valid bundle for an enrolled node is refused. */
	svc_cert c = issued;
	snprintf(c.node, sizeof c.node, "shop-gz-0042");
	snprintf(c.region, sizeof c.region, "region-south");
	memcpy(c.pubkey, sh_kp->pk, SVC_PK_LEN);
	c.serial = 99;
	size_t flen = forge_bundle(hq_kp, &c, "hq", scratch);
	CHECK_INT(svc_enroll_accept(sh, scratch, flen, NULL), SVC_EEXIST);
	show("second bundle");
	CHECK_INT(self_of(sh, &self), 0);
	CHECK_STR(self.upstream, "region-south");

	/* An expired certificate, and one that disagrees with its bundle. */
	c = issued; /* shop-bj-0007, not yet accepted */
	c.not_before = 1000;
	c.not_after = 2000;
	flen = forge_bundle(hq_kp, &c, "hq", scratch);
	CHECK_INT(svc_enroll_accept(bj, scratch, flen, NULL), SVC_EINVAL);
	CHECK(errmsg_has("expired"));
	show("expired certificate");
	flen = forge_bundle(hq_kp, &issued, "region-north", scratch);
	CHECK_INT(svc_enroll_accept(bj, scratch, flen, NULL), SVC_EINVAL);
	show("bundle upstream differs from the certificate");
	CHECK_INT(svc_enroll_accept(bj, bundle2, bundle2_len, hq_kp->pk), 0);

	/* Revoked, then enrolled again: a new, higher serial. */
	uint8_t sh_req[SVC_ENROLL_MAX];
	size_t sh_req_len = req_len;
	memcpy(sh_req, req, req_len);
	CHECK_INT(svc_enroll_approve(hq, hq_kp, sh_req, sh_req_len, &shop_o, bundle, sizeof bundle,
	                             &bundle_len, NULL),
	          SVC_EEXIST);
	svc_node_revoke rv = {.node = "shop-gz-0042", .reason = "withdrawn", .serial = 4};
	CHECK_INT(svc_store_write(hq, revoke_write, &rv), 0);
	CHECK_INT(node_of(hq, "shop-gz-0042", &n), 0);
	CHECK(n.revoked);
	/* A revoked node serves as nobody's upstream. */
	CHECK_INT(svc_enroll_approve(hq, hq_kp, req, req_len,
	                             &(svc_approve_opts){.upstream = "shop-gz-0042",
	                                                 .endpoint = "tcp://10.0.0.9:1"},
	                             bundle, sizeof bundle, &bundle_len, NULL),
	          SVC_EINVAL);
	CHECK_INT(svc_enroll_approve(hq, hq_kp, sh_req, sh_req_len, &shop_o, bundle, sizeof bundle,
	                             &bundle_len, &issued),
	          0);
	CHECK(issued.serial > 5);
	CHECK_INT(node_of(hq, "shop-gz-0042", &n), 0);
	CHECK(!n.revoked);
	CHECK_INT(n.serial, issued.serial);

	/* Renewal: a new bundle for shop-bj-0007, a new serial, the same key
	 * and store, and the upstream's endpoint when one is given. */
	svc_self before;
	bool renewed = false;
	CHECK_INT(self_of(bj, &before), 0);
	svc_approve_opts moved = {.endpoint = "tcp://10.0.0.5:7710", .days = 90};
	CHECK_INT(svc_enroll_renew(rs, rs_kp, "shop-bj-0007", &moved, bundle, sizeof bundle,
	                           &bundle_len, NULL),
	          SVC_EDENIED);
	show("renewal at a region");
	CHECK_INT(svc_enroll_renew(hq, hq_kp, "shop-zz", &moved, bundle, sizeof bundle, &bundle_len,
	                           NULL),
	          SVC_ENOTFOUND);
	show("renewal of an unknown node");
	uint64_t old_serial = n.serial;
	CHECK_INT(svc_enroll_renew(hq, hq_kp, "shop-bj-0007", &moved, bundle, sizeof bundle,
	                           &bundle_len, &issued),
	          0);
	CHECK(issued.serial > old_serial);
	CHECK_STR(issued.upstream, "hq");
	CHECK((issued.not_after - issued.not_before) / (86400ULL * 1000) == 90);
	CHECK_INT(node_of(hq, "shop-bj-0007", &n), 0);
	CHECK_INT(n.serial, issued.serial);
	CHECK(!n.revoked);
	CHECK_INT(svc_enroll_accept_renewal(bj, bundle, bundle_len, hq_kp->pk, &renewed), 0);
	CHECK(renewed);
	CHECK_INT(self_of(bj, &self), 0);
	CHECK_STR(self.endpoint, "tcp://10.0.0.5:7710");
	CHECK(memcmp(self.store_id, before.store_id, sizeof self.store_id) == 0);
	CHECK_INT(svc_cert_verify(&self.cert, hq_kp->pk, &own), 0);
	CHECK_INT(own.serial, issued.serial);
	/* The superseded bundle is refused now; a renewal without an endpoint
	 * keeps the node's. */
	CHECK_INT(svc_enroll_accept(bj, bundle2, bundle2_len, NULL), SVC_EEXIST);
	CHECK_INT(svc_enroll_renew(hq, hq_kp, "shop-bj-0007", NULL, bundle, sizeof bundle,
	                           &bundle_len, &issued),
	          0);
	CHECK_INT(svc_enroll_accept_renewal(bj, bundle, bundle_len, NULL, &renewed), 0);
	CHECK(renewed);
	CHECK_INT(self_of(bj, &self), 0);
	CHECK_STR(self.endpoint, "tcp://10.0.0.5:7710");
	/* A renewal bundle names no endpoint: a node not enrolled refuses it. */
	svc_keypair *f2_kp = NULL;
	svc_store *f2 =
	    make_node("net-fresh2", "shop-bj-0008", SVC_ROLE_SHOP, "region-north", &f2_kp);
	if (f2 && f2_kp) {
		uint8_t f2_req[SVC_ENROLL_MAX];
		size_t f2_len;
		CHECK_INT(svc_enroll_make_request(f2, f2_kp, f2_req, sizeof f2_req, &f2_len), 0);
		CHECK_INT(svc_enroll_approve(hq, hq_kp, f2_req, f2_len, &o, bundle2, sizeof bundle2,
		                             &bundle2_len, NULL),
		          0);
		CHECK_INT(svc_enroll_renew(hq, hq_kp, "shop-bj-0008", NULL, bundle, sizeof bundle,
		                           &bundle_len, NULL),
		          0);
		CHECK_INT(svc_enroll_accept(f2, bundle, bundle_len, NULL), SVC_EINVAL);
		CHECK(errmsg_has("no endpoint"));
		show("renewal bundle at a node not enrolled");
	}
	svc_store_close(&f2);
	svc_keypair_destroy(&f2_kp);
	/* Revoked: renewal is refused (a stolen key is enrolled anew). */
	svc_node_revoke rb = {.node = "shop-bj-0007", .reason = "key stolen", .serial = 0};
	CHECK_INT(svc_store_write(hq, revoke_write, &rb), 0);
	CHECK_INT(svc_enroll_renew(hq, hq_kp, "shop-bj-0007", &moved, bundle, sizeof bundle,
	                           &bundle_len, NULL),
	          SVC_EDENIED);
	CHECK(errmsg_has("renew: node shop-bj-0007 is revoked (key stolen)"));
	show("renewal of a revoked node");

	/* Replicated certificates need HQ's signature. region-south holds HQ's
	 * key from its bundle; shop-gz-0042 would too, but a fresh node does not. */
	CHECK_INT(replicate(hq, rs, 1, false), 0);
	CHECK_INT(replicate(hq, rs, 2, false), 0);
	CHECK_INT(replicate(hq, rs, 3, true), SVC_ECRYPTO);
	show("forged certificate");
	CHECK_INT(replicate(hq, rs, 3, false), 0);
	CHECK_INT(node_of(rs, "region-north", &n), 0);
	CHECK_INT(n.serial, 3);

	PATH(fresh, "net-fresh");
	svc_store *fr = NULL;
	CHECK_INT(svc_identity_init(fresh, "shop-9", SVC_ROLE_SHOP, "region-south", &fr), 0);
	if (fr) {
		CHECK_INT(replicate(hq, fr, 1, false), SVC_EDENIED);
		CHECK(errmsg_has("no HQ key yet"));
		show("certificate before enrollment");
	}
	svc_store_close(&fr);

out:
	svc_store_close(&hq);
	svc_store_close(&rs);
	svc_store_close(&rn);
	svc_store_close(&sh);
	svc_store_close(&bj);
	svc_keypair_destroy(&hq_kp);
	svc_keypair_destroy(&rs_kp);
	svc_keypair_destroy(&rn_kp);
	svc_keypair_destroy(&sh_kp);
	svc_keypair_destroy(&bj_kp);
}

int main(void)
{
	if (svc_crypto_init() != 0) {
		fprintf(stderr, "svc_crypto_init: %s\n", svc_errmsg());
		return 2;
	}
	root = svc_test_tmpdir("identity");
	test_init_roles();
	test_init_twice();
	test_init_bad();
	test_key_mode();
	test_enroll();
	svc_test_rmdir(root);
	free(root);
	return svc_test_done();
}

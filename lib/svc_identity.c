/*
 * svc_identity: node creation and enrollment. See svc_identity.h.
 *
 * Trust. HQ's key is the root: every certificate is HQ's signature over the
 * exact CertBody bytes, and a node trusts HQ's key from the bundle it
 * accepts (optionally pinned by the operator, who can compare it with the
 * key HQ published out of band). A request proves possession of its key by
 * being signed with it; a bundle proves its origin by HQ's signature over the
 * whole bundle, so its endpoint and upstream key cannot be swapped in
 * transit either. Everything is verified on the bytes as read from the file,
 * never on a re-encoding.
 *
 * Atomicity. Init either leaves a complete node (store, identity, key and, at
 * HQ, HQ's own certificate) or removes what it created, so the operator can
 * simply run it again. Approve records the certificate and writes the bundle
 * in one write transaction: if the bundle cannot be written, the certificate
 * is not recorded either, and a retry is not refused as a double enrollment.
 * Accept checks and stores the bundle in one write transaction.
 *
 * This module does no I/O of its own beyond the node directory: request and
 * bundle bytes travel in caller buffers, and the CLI moves them as files.
 */
#include "svc_identity.h"

#include "svc_apply.h"
#include "svc_cert.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_local.h"
#include "svc_rules.h"
#include "svc_tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MS_PER_DAY (86400ULL * 1000ULL)
/* HQ's own certificate: ten years, leap days included. It is the root's
 * statement about itself; rotating HQ's key is a re-founding of the network,
 * not a routine renewal. */
#define HQ_CERT_DAYS 3653
/* Room for "<dir>/data.mdb"; the store itself refuses longer directories. */
#define DIR_MAX 4000
#define PATH_CAP (DIR_MAX + 32)

void svc_identity_key_path(const char *dir, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, SVC_KEY_FILE);
}

/* lstat, so a dangling symlink counts as "there" and is never written through. */
static bool path_exists(const char *dir, const char *name)
{
	char p[PATH_CAP];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

static void path_unlink(const char *dir, const char *name)
{
	char p[PATH_CAP];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
}

/* "2031-05-01 12:00 UTC" for messages about validity. */
static void fmt_time(uint64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&secs, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, 32, "%llu ms", (unsigned long long)ms);
}

/* Read the node's identity in a short read transaction. */
static int self_read(svc_store *s, svc_self *out)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_self_get(t, out);
	svc_txn_abort(&t);
	return rc;
}

static int check_id(const char *field, const char *id)
{
	char reason[SVC_REASON_LEN];
	if (svc_check_node_id(field, id, reason, sizeof reason))
		return svc_errf(SVC_EINVAL, "%s", reason);
	return 0;
}

/*
 * The region rules of svc_identity.h, shared by init and approve: a region's
 * region is its own id, a shop names its region, HQ has none. `region` has
 * already been normalized (a region's empty region means its own id).
 */
static int check_role_region(const char *what, const char *node, uint32_t role, const char *region)
{
	switch (role) {
	case SVC_ROLE_HQ:
		if (region[0])
			return svc_errf(SVC_EINVAL, "%sregion: HQ belongs to no region, got '%s'",
			                what, region);
		return 0;
	case SVC_ROLE_REGION:
		if (strcmp(region, node) != 0)
			return svc_errf(SVC_EINVAL,
			                "%sregion: a region's region is its own id %s, got '%s'",
			                what, node, region);
		return 0;
	case SVC_ROLE_SHOP: {
		char field[64];
		if (!region[0])
			return svc_errf(SVC_EINVAL,
			                "%sregion: a shop needs the node id of its region", what);
		snprintf(field, sizeof field, "%sregion", what);
		int rc = check_id(field, region);
		if (rc)
			return rc;
		if (strcmp(region, node) == 0)
			return svc_errf(SVC_EINVAL, "%sregion: shop %s cannot be its own region",
			                what, node);
		return 0;
	}
	default:
		return svc_errf(SVC_EINVAL, "%srole: must be hq, region or shop (got %u)", what,
		                role);
	}
}

/*
 * tcp://HOST:PORT, where HOST is a name, an IPv4 address or a bracketed IPv6
 * address, and PORT is 1-65535. This is the form ZeroMQ connects to; catching
 * a typo here saves a node that retries a dead address for ever.
 */
static int check_endpoint(const char *field, const char *ep)
{
	static const char prefix[] = "tcp://";
	size_t n = strlen(ep);
	if (n == 0)
		return svc_errf(SVC_EINVAL, "%s: missing (expected tcp://HOST:PORT)", field);
	if (n >= SVC_ENDPOINT_LEN)
		return svc_errf(SVC_EINVAL, "%s: longer than %d bytes", field,
		                SVC_ENDPOINT_LEN - 1);
	if (strncmp(ep, prefix, sizeof prefix - 1) != 0)
		return svc_errf(SVC_EINVAL, "%s: '%s' is not tcp://HOST:PORT", field, ep);
	const char *host = ep + sizeof prefix - 1;
	const char *colon = strrchr(host, ':');
	if (!colon || colon == host)
		return svc_errf(SVC_EINVAL, "%s: '%s' is not tcp://HOST:PORT", field, ep);
	for (const char *p = host; p < colon; p++) {
		if (*p <= ' ' || *p == '/' || *p == 0x7f)
			return svc_errf(SVC_EINVAL, "%s: '%s': bad character in host", field, ep);
	}
	if (host[0] == '[' && (colon - host < 3 || colon[-1] != ']'))
		return svc_errf(SVC_EINVAL, "%s: '%s': unclosed [ in IPv6 host", field, ep);
	const char *port = colon + 1;
	unsigned long v = 0;
	if (!*port || strlen(port) > 5)
		return svc_errf(SVC_EINVAL, "%s: '%s': port must be 1-65535", field, ep);
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9')
			return svc_errf(SVC_EINVAL, "%s: '%s': port must be 1-65535", field, ep);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return svc_errf(SVC_EINVAL, "%s: '%s': port must be 1-65535", field, ep);
	return 0;
}

/* Encode c, sign the exact bytes with kp: the carried form of a certificate. */
static int cert_issue(const svc_cert *c, const svc_keypair *kp, svc_node_cert *out)
{
	memset(out, 0, sizeof *out);
	int rc = svc_codec_cert_encode(c, out->body, sizeof out->body, &out->body_len);
	if (rc)
		return svc_errctx(rc, "certificate for %s", c->node);
	svc_sign(kp, out->body, out->body_len, out->signature);
	return 0;
}

/* Record a certificate as a directory change originated here (HQ). */
static int cert_record(svc_txn *t, const char *node, const svc_node_cert *nc)
{
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_NODE_CERT;
	svc_rules_node_agg(c.aggregate, node);
	c.u.node_cert = *nc;
	return svc_apply_local(t, &c);
}

/* ------------------------------------------------------------ init */

/* Re-runnable: everything it writes comes from the identity it is given. */
static int init_write(svc_txn *t, void *arg)
{
	const svc_self *self = arg;
	int rc = svc_self_put(t, self);
	if (rc)
		return rc;
	if (self->role == SVC_ROLE_HQ)
		return cert_record(t, self->node, &self->cert);
	return 0;
}

/* Build the identity (and HQ's own certificate) for a new node. */
static int init_self(const char *node, uint32_t role, const char *region, const svc_keypair *kp,
                     svc_self *self)
{
	memset(self, 0, sizeof *self);
	snprintf(self->node, sizeof self->node, "%s", node);
	self->role = role;
	snprintf(self->region, sizeof self->region, "%s", region);
	svc_random(self->store_id, sizeof self->store_id);
	memcpy(self->pubkey, kp->pk, SVC_PK_LEN);
	if (role != SVC_ROLE_HQ)
		return 0;

	/* HQ is the root: enrolled by definition, its own upstream-less
	 * certificate signed by itself, serial 1. */
	svc_cert c;
	uint64_t now = svc_journal_now_ms();
	memset(&c, 0, sizeof c);
	snprintf(c.node, sizeof c.node, "%s", node);
	c.role = SVC_ROLE_HQ;
	memcpy(c.pubkey, kp->pk, SVC_PK_LEN);
	c.not_before = now;
	c.not_after = now + HQ_CERT_DAYS * MS_PER_DAY;
	c.serial = 1;
	snprintf(c.issuer, sizeof c.issuer, "%s", node);
	self->enrolled = true;
	snprintf(self->hq_node, sizeof self->hq_node, "%s", node);
	memcpy(self->hq_pubkey, kp->pk, SVC_PK_LEN);
	return cert_issue(&c, kp, &self->cert);
}

int svc_identity_init(const char *dir, const char *node, uint32_t role, const char *region,
                      svc_store **out)
{
	svc_self self;
	svc_keypair *kp = NULL;
	svc_store *s = NULL;
	char own_region[SVC_ID_LEN], keypath[PATH_CAP];
	struct stat st;
	bool made_dir, made_store = false, made_key = false, lock_existed;
	int rc;

	if (out)
		*out = NULL;
	if (!region)
		region = "";
	if (!dir || !dir[0])
		return svc_errf(SVC_EINVAL, "node directory: missing");
	if (strlen(dir) > DIR_MAX)
		return svc_errf(SVC_EINVAL, "node directory: name longer than %d bytes", DIR_MAX);

	/* Everything that can be checked without touching the disk is checked
	 * first, so a typo creates nothing. */
	rc = check_id("node", node ? node : "");
	if (rc)
		return rc;
	if (role == SVC_ROLE_REGION && !region[0])
		region = node;
	rc = check_role_region("", node, role, region);
	if (rc)
		return rc;
	snprintf(own_region, sizeof own_region, "%s", region);

	if (path_exists(dir, "data.mdb"))
		return svc_errf(SVC_EEXIST,
		                "node directory %s already holds a store; init changes nothing",
		                dir);
	if (path_exists(dir, SVC_KEY_FILE))
		return svc_errf(SVC_EEXIST,
		                "node directory %s already holds a key (%s); init changes nothing",
		                dir, SVC_KEY_FILE);
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return svc_errf(SVC_EINVAL,
			                "node directory %s: exists and is not a directory", dir);
		made_dir = false;
	} else if (errno == ENOENT) {
		made_dir = true;
	} else {
		return svc_errf(SVC_EIO, "node directory %s: %s", dir, strerror(errno));
	}
	lock_existed = path_exists(dir, "lock.mdb");

	rc = svc_store_open(dir, SVC_STORE_CREATE, &s);
	if (rc) {
		/* EEXIST means another init won the race: its files are not ours.
		 * Any other failure may have left files that this call created. */
		made_store = rc != SVC_EEXIST;
		made_dir = made_dir && rc != SVC_EEXIST;
		goto fail;
	}
	made_store = true;

	rc = svc_keypair_new(&kp);
	if (rc)
		goto fail;
	svc_identity_key_path(dir, keypath, sizeof keypath);
	rc = svc_key_save(keypath, kp);
	if (rc)
		goto fail;
	made_key = true;

	rc = init_self(node, role, own_region, kp, &self);
	if (rc)
		goto fail;
	rc = svc_store_write(s, init_write, &self);
	if (rc) {
		svc_errctx(rc, "init %s", dir);
		goto fail;
	}
	svc_keypair_destroy(&kp);
	if (out)
		*out = s;
	else
		svc_store_close(&s);
	return 0;

fail:
	/* Undo only what this call created, so a retry starts from where the
	 * operator was; the error detail set above survives (unlink and close
	 * do not touch it). */
	svc_keypair_destroy(&kp);
	svc_store_close(&s);
	if (made_key)
		unlink(keypath);
	if (made_store) {
		path_unlink(dir, "data.mdb");
		if (!lock_existed)
			path_unlink(dir, "lock.mdb");
	}
	if (made_dir)
		rmdir(dir);
	return rc;
}

int svc_identity_key(const char *dir, svc_keypair **out)
{
	char path[PATH_CAP];
	*out = NULL;
	if (strlen(dir) > DIR_MAX)
		return svc_errf(SVC_EINVAL, "node directory: name longer than %d bytes", DIR_MAX);
	svc_identity_key_path(dir, path, sizeof path);
	return svc_key_load(path, out);
}

/* ------------------------------------------------------------ request */

int svc_enroll_make_request(svc_store *s, const svc_keypair *kp, uint8_t *buf, size_t cap,
                            size_t *len)
{
	svc_self self;
	svc_enroll_request r;
	uint8_t body[SVC_ENROLL_MAX], sig[SVC_SIG_LEN];
	size_t blen;
	int rc;

	*len = 0;
	rc = self_read(s, &self);
	if (rc)
		return rc;
	if (svc_memcmp_ct(self.pubkey, kp->pk, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EKEY,
		                "enroll request: the key given is not node %s's key (store %s)",
		                self.node, svc_store_dir(s));
	if (self.role == SVC_ROLE_HQ)
		return svc_errf(
		    SVC_EINVAL,
		    "enroll request: %s is HQ, the root; it issued its own certificate at init",
		    self.node);
	if (self.enrolled)
		return svc_errf(
		    SVC_EEXIST,
		    "enroll request: node %s is already enrolled (upstream %s); a request "
		    "would change nothing",
		    self.node, self.upstream);

	memset(&r, 0, sizeof r);
	snprintf(r.node, sizeof r.node, "%s", self.node);
	r.role = self.role;
	snprintf(r.region, sizeof r.region, "%s", self.region);
	memcpy(r.pubkey, self.pubkey, SVC_PK_LEN);
	r.created = svc_journal_now_ms();
	rc = svc_codec_enroll_request_encode(&r, body, sizeof body, &blen);
	if (rc)
		return svc_errctx(rc, "enroll request");
	/* Signed with the key it names: proof that the node holds it. */
	svc_sign(kp, body, blen, sig);
	rc = svc_codec_signed_encode(body, blen, sig, buf, cap, len);
	if (rc)
		return svc_errctx(rc, "enroll request");
	return 0;
}

/* ------------------------------------------------------------ approve */

/* What a scan of HQ's directory tells approve. */
struct dir_scan {
	const char *node;
	const uint8_t *pubkey;
	uint64_t max_serial;
	bool found;
	bool found_revoked;
	uint64_t found_serial;
	char key_owner[SVC_ID_LEN]; /* another node holding the requested key */
};

static int dir_scan_cb(const svc_node *n, void *arg)
{
	struct dir_scan *d = arg;
	if (n->serial > d->max_serial)
		d->max_serial = n->serial;
	if (strcmp(n->node, d->node) == 0) {
		d->found = true;
		d->found_revoked = n->revoked;
		d->found_serial = n->serial;
	} else if (!d->key_owner[0] && memcmp(n->pubkey, d->pubkey, SVC_PK_LEN) == 0) {
		snprintf(d->key_owner, sizeof d->key_owner, "%s", n->node);
	}
	return 0;
}

struct approve_arg {
	const svc_keypair *hq_key;
	const svc_enroll_request *req;
	const char *upstream;
	const char *endpoint;
	uint64_t now;
	uint64_t not_after;
	uint64_t not_after_days; /* from --days; a shop's agreement may set not_after */
	uint8_t *buf;
	size_t cap;
	size_t *len;
	svc_cert cert;     /* out: the certificate issued */
	svc_bundle bundle; /* scratch, kept off the stack */
	/* shops: the stage the enrollment records in the shop's record */
	bool shop_stage;
	svc_shop_stage_body stage;
	uint8_t body[SVC_ENROLL_MAX];
};

/* The upstream must be HQ or a live node of HQ's directory, and fit the
 * tree: regions hang under HQ, shops under HQ or their own region. */
static int approve_upstream(svc_txn *t, const svc_self *self, const svc_enroll_request *r,
                            const char *upstream, uint8_t up_pk[SVC_PK_LEN])
{
	svc_node up;
	if (strcmp(upstream, self->node) == 0) {
		memcpy(up_pk, self->pubkey, SVC_PK_LEN);
		return 0;
	}
	int rc = svc_fold_node_get(t, upstream, &up);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(SVC_EINVAL,
		                "upstream %s: not in HQ's directory (enroll it first, or use %s)",
		                upstream, self->node);
	if (rc)
		return rc;
	if (up.revoked)
		return svc_errf(SVC_EINVAL, "upstream %s: revoked (%s); pick a live upstream",
		                upstream, up.revoke_reason);
	if (r->role == SVC_ROLE_REGION)
		return svc_errf(SVC_EINVAL,
		                "upstream %s: region %s must connect to HQ (%s), not to a %s",
		                upstream, r->node, self->node, svc_role_name(up.role));
	if (up.role != SVC_ROLE_REGION || strcmp(up.node, r->region) != 0)
		return svc_errf(
		    SVC_EINVAL,
		    "upstream %s: shop %s belongs to region %s; its upstream must be %s "
		    "or HQ (%s)",
		    upstream, r->node, r->region, r->region, self->node);
	memcpy(up_pk, up.pubkey, SVC_PK_LEN);
	return 0;
}

/* The signed bundle of certificate nc, into a->buf. */
static int bundle_write(struct approve_arg *a, const svc_self *self, const svc_node_cert *nc,
                        const uint8_t up_pk[SVC_PK_LEN])
{
	uint8_t sig[SVC_SIG_LEN];
	size_t blen;
	svc_bundle *b = &a->bundle;
	memset(b, 0, sizeof *b);
	b->cert = *nc;
	memcpy(b->hq_pubkey, self->pubkey, SVC_PK_LEN);
	snprintf(b->hq_node, sizeof b->hq_node, "%s", self->node);
	snprintf(b->upstream, sizeof b->upstream, "%s", a->upstream);
	snprintf(b->endpoint, sizeof b->endpoint, "%s", a->endpoint);
	memcpy(b->upstream_pubkey, up_pk, SVC_PK_LEN);
	int rc = svc_codec_bundle_encode(b, a->body, sizeof a->body, &blen);
	if (rc)
		return svc_errctx(rc, "bundle for %s", a->cert.node);
	svc_sign(a->hq_key, a->body, blen, sig);
	rc = svc_codec_signed_encode(a->body, blen, sig, a->buf, a->cap, a->len);
	if (rc)
		return svc_errctx(rc, "bundle for %s", a->cert.node);
	return 0;
}

/* The moment the day after `ymd` begins in the network's zone: the end of an
 * agreement's last day. */
static uint64_t day_end(const struct svc_tz *tz, uint32_t ymd)
{
	return (uint64_t)svc_tz_day_start(tz, svc_date_add_days((int32_t)ymd, 1));
}

/*
 * shops: a shop's enrollment follows its record. A record still in its
 * stages (applied, reviewed, tech_reviewed) or ended is refused; at
 * approved, the certificate runs for the agreement's term and the record
 * goes to probation (policy probation_months); with no record (a network
 * that enrolls with `enroll approve` alone), the record starts at probation,
 * direct. A shop enrolled again after a revocation keeps its stage.
 */
static int shop_enrollment(svc_txn *t, struct approve_arg *a)
{
	const svc_enroll_request *r = a->req;
	svc_shop h;
	svc_policy pol;
	const struct svc_tz *tz;
	uint32_t today;
	a->shop_stage = false;
	int rc = svc_fold_shop_get(t, r->node, &h);
	if (rc && rc != SVC_ENOTFOUND)
		return rc;
	bool have = rc == 0;
	svc_errclear();
	if (have && strcmp(h.region, r->region) != 0)
		return svc_errf(SVC_EINVAL, "request: shop %s is on record in region %s, not %s",
		                r->node, h.region, r->region);
	if (have && h.stage < SVC_SHOP_APPROVED)
		return svc_errf(SVC_ECONFLICT,
		                "shop %s: stage %s; a shop is enrolled once HQ approved it "
		                "(svcsync shop approve)",
		                r->node, svc_shop_stage_name(h.stage));
	if (have && h.stage == SVC_SHOP_ENDED)
		return svc_errf(SVC_ECONFLICT, "shop %s: its record is ended (%s); not enrolled",
		                r->node, h.reason[0] ? h.reason : "no reason recorded");
	if (have && h.stage != SVC_SHOP_APPROVED)
		return 0;
	rc = svc_local_policy_today(t, a->now, &pol, &tz, &today);
	if (rc)
		return rc;
	memset(&a->stage, 0, sizeof a->stage);
	a->stage.stage = SVC_SHOP_PROBATION;
	int32_t until =
	    svc_date_add_months((int32_t)today, (int)svc_policy_days(&pol, "probation_months"));
	a->stage.probation_until = (uint64_t)svc_tz_day_start(tz, until);
	if (have) {
		uint64_t end = day_end(tz, h.valid_to);
		if (end <= a->now) {
			char d[16];
			svc_date_format((int32_t)h.valid_to, d, sizeof d);
			return svc_errf(SVC_ECONFLICT, "shop %s: its agreement %s ended on %s",
			                r->node, h.agreement, d);
		}
		a->not_after = end;
	} else {
		snprintf(a->stage.region, sizeof a->stage.region, "%s", r->region);
	}
	a->shop_stage = true;
	return 0;
}

/*
 * Re-runnable: it reads the directory afresh, derives the serial from it and
 * overwrites the caller's buffer, so a re-run after map growth issues the
 * same certificate. Ed25519 signatures are deterministic, so signing again
 * yields the same bytes.
 */
static int approve_write(svc_txn *t, void *arg)
{
	struct approve_arg *a = arg;
	const svc_enroll_request *r = a->req;
	svc_self self;
	svc_node_cert nc;
	uint8_t up_pk[SVC_PK_LEN];
	int rc;

	rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	rc = approve_upstream(t, &self, r, a->upstream, up_pk);
	if (rc)
		return rc;

	struct dir_scan d = {.node = r->node, .pubkey = r->pubkey};
	rc = svc_fold_node_each(t, dir_scan_cb, &d);
	if (rc)
		return rc;
	if (d.found && !d.found_revoked)
		return svc_errf(SVC_EEXIST,
		                "node %s is already enrolled (serial %llu); revoke it first",
		                r->node, (unsigned long long)d.found_serial);
	/* Peers are identified by their key alone (ZAP), so two nodes must
	 * never share one. */
	if (d.key_owner[0])
		return svc_errf(SVC_EEXIST,
		                "request: node %s's public key already belongs to node %s", r->node,
		                d.key_owner);
	a->not_after = a->not_after_days;
	a->shop_stage = false;
	if (r->role == SVC_ROLE_SHOP) {
		rc = shop_enrollment(t, a);
		if (rc)
			return rc;
	}

	memset(&a->cert, 0, sizeof a->cert);
	snprintf(a->cert.node, sizeof a->cert.node, "%s", r->node);
	a->cert.role = r->role;
	snprintf(a->cert.region, sizeof a->cert.region, "%s", r->region);
	snprintf(a->cert.upstream, sizeof a->cert.upstream, "%s", a->upstream);
	memcpy(a->cert.pubkey, r->pubkey, SVC_PK_LEN);
	a->cert.not_before = a->now;
	a->cert.not_after = a->not_after;
	/* Above every serial ever issued, revoked ones included, so a serial
	 * names one certificate for good. */
	a->cert.serial = d.max_serial + 1;
	snprintf(a->cert.issuer, sizeof a->cert.issuer, "%s", self.node);
	rc = cert_issue(&a->cert, a->hq_key, &nc);
	if (rc)
		return rc;
	if (d.found) {
		/* It supersedes a revoked certificate: the revocation keeps
		 * holding what the old key signed, as far as HQ knows it. */
		const uint8_t *cb;
		size_t clen;
		rc = svc_journal_commit_latest(t, r->node, &nc.held_through, &cb, &clen);
		if (rc)
			return rc;
	}
	rc = cert_record(t, r->node, &nc);
	if (rc)
		return svc_errctx(rc, "certificate for %s", r->node);

	/* shops: the enrollment is the record's probation */
	if (a->shop_stage) {
		svc_change sc;
		memset(&sc, 0, sizeof sc);
		sc.kind = SVC_CK_SHOP_STAGE;
		svc_rules_shop_agg(sc.aggregate, r->node);
		sc.u.shop_stage = a->stage;
		sc.u.shop_stage.serial = a->cert.serial;
		rc = svc_apply_local(t, &sc);
		if (rc)
			return svc_errctx(rc, "shop record of %s", r->node);
	}
	return bundle_write(a, &self, &nc, up_pk);
}

int svc_enroll_approve(svc_store *hq, const svc_keypair *hq_key, const uint8_t *req, size_t req_len,
                       const svc_approve_opts *opts, uint8_t *buf, size_t cap, size_t *len,
                       svc_cert *issued)
{
	svc_self self;
	svc_enroll_request r;
	const uint8_t *body;
	size_t body_len;
	uint8_t sig[SVC_SIG_LEN], curve[32];
	int rc;

	*len = 0;
	rc = self_read(hq, &self);
	if (rc)
		return rc;
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED,
		                "enroll approve: node %s is a %s; only HQ approves enrollments",
		                self.node, svc_role_name(self.role));
	if (svc_memcmp_ct(self.pubkey, hq_key->pk, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EKEY, "enroll approve: the key given is not HQ %s's key",
		                self.node);

	/* The operator's options first: they are the cheapest to fix. */
	const char *upstream = opts && opts->upstream ? opts->upstream : "";
	const char *endpoint = opts && opts->endpoint ? opts->endpoint : "";
	unsigned days = opts && opts->days ? opts->days : SVC_CERT_DAYS_DEFAULT;
	if (!upstream[0])
		return svc_errf(SVC_EINVAL, "upstream: missing (HQ %s or a region)", self.node);
	rc = check_id("upstream", upstream);
	if (rc)
		return rc;
	rc = check_endpoint("endpoint", endpoint);
	if (rc)
		return rc;

	/* Size, then decode, then signature, then meaning. */
	if (req_len > SVC_ENROLL_MAX)
		return svc_errf(SVC_ETOOBIG, "request: %zu bytes, over the %d byte limit", req_len,
		                SVC_ENROLL_MAX);
	rc = svc_codec_signed_decode(req, req_len, &body, &body_len, sig);
	if (rc)
		return svc_errctx(rc, "request");
	rc = svc_codec_enroll_request_decode(body, body_len, &r);
	if (rc)
		return svc_errctx(rc, "request");
	if (svc_verify(r.pubkey, body, body_len, sig))
		return svc_errf(SVC_ECRYPTO, "request: signature does not verify (tampered?)");

	rc = check_id("request: node", r.node);
	if (rc)
		return rc;
	if (r.role != SVC_ROLE_REGION && r.role != SVC_ROLE_SHOP)
		return svc_errf(SVC_EINVAL, "request: role: must be region or shop, got %s",
		                svc_role_name(r.role));
	rc = check_role_region("request: ", r.node, r.role, r.region);
	if (rc)
		return rc;
	/* The CURVE key the node will connect with is derived from this one. */
	if (svc_curve_public(r.pubkey, curve))
		return svc_errf(SVC_ECRYPTO,
		                "request: public key of %s is not a usable Ed25519 key", r.node);

	struct approve_arg *a = calloc(1, sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	a->hq_key = hq_key;
	a->req = &r;
	a->upstream = upstream;
	a->endpoint = endpoint;
	a->now = svc_journal_now_ms();
	a->not_after_days = a->now + (uint64_t)days * MS_PER_DAY;
	a->buf = buf;
	a->cap = cap;
	a->len = len;
	rc = svc_store_write(hq, approve_write, a);
	if (rc)
		*len = 0;
	else if (issued)
		*issued = a->cert;
	free(a);
	return rc;
}

/* ------------------------------------------------------------ renewal */

struct renew_arg {
	struct approve_arg a;
	const char *node;
	bool days_given;
};

/*
 * Re-runnable like approve_write. The certificate is the directory's entry
 * for the node with a new serial and validity: the same key, role, region
 * and upstream, so the node keeps its id, its store and its seqs; the new
 * serial supersedes the old certificate everywhere it replicates. Without
 * --days, a shop with an agreement on record gets the agreement's term.
 */
static int renew_write(svc_txn *t, void *arg)
{
	struct renew_arg *ra = arg;
	struct approve_arg *a = &ra->a;
	svc_self self;
	svc_node n, up;
	svc_node_cert nc;
	uint8_t up_pk[SVC_PK_LEN];
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	if (strcmp(ra->node, self.node) == 0)
		return svc_errf(SVC_EINVAL, "renew: HQ's own certificate is not renewed this way");
	rc = svc_fold_node_get(t, ra->node, &n);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "renew: unknown node %s (not in HQ's directory)", ra->node);
	if (rc)
		return rc;
	if (n.revoked)
		return svc_errf(SVC_EDENIED,
		                "renew: node %s is revoked (%s); a revoked node is enrolled anew "
		                "with a new key, not renewed",
		                ra->node, n.revoke_reason);
	if (strcmp(n.upstream, self.node) == 0) {
		memcpy(up_pk, self.pubkey, SVC_PK_LEN);
	} else {
		rc = svc_fold_node_get(t, n.upstream, &up);
		if (rc)
			return svc_errctx(rc, "renew: upstream %s", n.upstream);
		if (up.revoked)
			return svc_errf(SVC_EINVAL, "renew: upstream %s of %s is revoked (%s)",
			                n.upstream, ra->node, up.revoke_reason);
		memcpy(up_pk, up.pubkey, SVC_PK_LEN);
	}
	struct dir_scan d = {.node = n.node, .pubkey = n.pubkey};
	rc = svc_fold_node_each(t, dir_scan_cb, &d);
	if (rc)
		return rc;
	a->not_after = a->not_after_days;
	if (!ra->days_given && n.role == SVC_ROLE_SHOP) {
		svc_shop h;
		svc_policy pol;
		const struct svc_tz *tz;
		uint32_t today;
		if (svc_fold_shop_get(t, n.node, &h) == 0 && h.valid_to &&
		    svc_local_policy_today(t, a->now, &pol, &tz, &today) == 0 &&
		    day_end(tz, h.valid_to) > a->now)
			a->not_after = day_end(tz, h.valid_to);
		svc_errclear();
	}
	memset(&a->cert, 0, sizeof a->cert);
	snprintf(a->cert.node, sizeof a->cert.node, "%s", n.node);
	a->cert.role = n.role;
	snprintf(a->cert.region, sizeof a->cert.region, "%s", n.region);
	snprintf(a->cert.upstream, sizeof a->cert.upstream, "%s", n.upstream);
	memcpy(a->cert.pubkey, n.pubkey, SVC_PK_LEN);
	a->cert.not_before = a->now;
	a->cert.not_after = a->not_after;
	a->cert.serial = d.max_serial + 1;
	snprintf(a->cert.issuer, sizeof a->cert.issuer, "%s", self.node);
	rc = cert_issue(&a->cert, a->hq_key, &nc);
	if (rc)
		return rc;
	rc = cert_record(t, n.node, &nc);
	if (rc)
		return svc_errctx(rc, "certificate for %s", n.node);
	a->upstream = n.upstream;
	return bundle_write(a, &self, &nc, up_pk);
}

int svc_enroll_renew(svc_store *hq, const svc_keypair *hq_key, const char *node,
                     const svc_approve_opts *opts, uint8_t *buf, size_t cap, size_t *len,
                     svc_cert *issued)
{
	svc_self self;
	int rc;
	*len = 0;
	rc = check_id("renew", node);
	if (rc)
		return rc;
	rc = self_read(hq, &self);
	if (rc)
		return rc;
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED, "enroll approve: node %s is a %s; only HQ renews",
		                self.node, svc_role_name(self.role));
	if (svc_memcmp_ct(self.pubkey, hq_key->pk, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EKEY, "enroll approve: the key given is not HQ %s's key",
		                self.node);
	const char *endpoint = opts && opts->endpoint ? opts->endpoint : "";
	if (endpoint[0]) {
		rc = check_endpoint("endpoint", endpoint);
		if (rc)
			return rc;
	}
	unsigned days = opts && opts->days ? opts->days : SVC_CERT_DAYS_DEFAULT;
	struct renew_arg *ra = calloc(1, sizeof *ra);
	if (!ra)
		return svc_errf(SVC_ENOMEM, "out of memory");
	ra->node = node;
	ra->days_given = opts && opts->days;
	ra->a.hq_key = hq_key;
	ra->a.endpoint = endpoint;
	ra->a.now = svc_journal_now_ms();
	ra->a.not_after_days = ra->a.now + (uint64_t)days * MS_PER_DAY;
	ra->a.buf = buf;
	ra->a.cap = cap;
	ra->a.len = len;
	rc = svc_store_write(hq, renew_write, ra);
	if (rc)
		*len = 0;
	else if (issued)
		*issued = ra->a.cert;
	free(ra);
	return rc;
}

/* ------------------------------------------------------------ accept */

struct accept_arg {
	svc_bundle b;
	svc_cert cert;
	uint64_t now;
	bool renewed; /* out */
};

/* The certificate must describe this very node: a bundle meant for another
 * node, or for this node under another role or key, is refused. */
static int accept_match(const svc_self *self, const svc_cert *c)
{
	if (strcmp(c->node, self->node) != 0)
		return svc_errf(SVC_EINVAL, "bundle: certificate is for node %s, this node is %s",
		                c->node, self->node);
	if (c->role != self->role)
		return svc_errf(SVC_EINVAL,
		                "bundle: certificate gives %s the role %s, this node is a %s",
		                c->node, svc_role_name(c->role), svc_role_name(self->role));
	if (strcmp(c->region, self->region) != 0)
		return svc_errf(SVC_EINVAL,
		                "bundle: certificate puts %s in region '%s', this node is in '%s'",
		                c->node, c->region, self->region);
	if (svc_memcmp_ct(c->pubkey, self->pubkey, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EINVAL,
		                "bundle: certificate names another public key than node %s's",
		                c->node);
	return 0;
}

static int accept_write(svc_txn *t, void *arg)
{
	struct accept_arg *a = arg;
	svc_self self;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	rc = accept_match(&self, &a->cert);
	if (rc)
		return rc;
	if (self.enrolled) {
		/* Accepting the same bundle twice is harmless; anything else
		 * would silently re-parent an enrolled node. */
		if (self.cert.body_len == a->b.cert.body_len &&
		    memcmp(self.cert.body, a->b.cert.body, self.cert.body_len) == 0 &&
		    memcmp(self.cert.signature, a->b.cert.signature, SVC_SIG_LEN) == 0)
			return 0;
		svc_cert old;
		uint64_t serial = 0;
		if (self.cert.body_len &&
		    svc_codec_cert_decode(self.cert.body, self.cert.body_len, &old) == 0)
			serial = old.serial;
		/* A renewal: the same HQ, the same upstream, a newer serial for
		 * this very key (accept_match). It replaces the certificate and,
		 * when the bundle names one, the upstream's endpoint and key; the
		 * store, its id and its seqs stay as they are. */
		if (svc_memcmp_ct(self.hq_pubkey, a->b.hq_pubkey, SVC_PK_LEN) == 0 &&
		    strcmp(self.upstream, a->b.upstream) == 0 && a->cert.serial > serial) {
			if (a->b.endpoint[0])
				snprintf(self.endpoint, sizeof self.endpoint, "%s", a->b.endpoint);
			memcpy(self.upstream_pubkey, a->b.upstream_pubkey, SVC_PK_LEN);
			self.cert = a->b.cert;
			a->renewed = true;
			return svc_self_put(t, &self);
		}
		return svc_errf(SVC_EEXIST,
		                "node %s is already enrolled (serial %llu, upstream %s); "
		                "refusing the bundle with serial %llu",
		                self.node, (unsigned long long)serial, self.upstream,
		                (unsigned long long)a->cert.serial);
	}
	if (!a->b.endpoint[0])
		return svc_errf(SVC_EINVAL,
		                "bundle: no endpoint (a renewal bundle, for an enrolled node)");
	self.enrolled = true;
	snprintf(self.hq_node, sizeof self.hq_node, "%s", a->b.hq_node);
	memcpy(self.hq_pubkey, a->b.hq_pubkey, SVC_PK_LEN);
	snprintf(self.upstream, sizeof self.upstream, "%s", a->b.upstream);
	snprintf(self.endpoint, sizeof self.endpoint, "%s", a->b.endpoint);
	memcpy(self.upstream_pubkey, a->b.upstream_pubkey, SVC_PK_LEN);
	self.cert = a->b.cert;
	return svc_self_put(t, &self);
}

int svc_enroll_accept(svc_store *s, const uint8_t *bundle, size_t len, const uint8_t *pin_hq)
{
	return svc_enroll_accept_renewal(s, bundle, len, pin_hq, NULL);
}

int svc_enroll_accept_renewal(svc_store *s, const uint8_t *bundle, size_t len,
                              const uint8_t *pin_hq, bool *renewed)
{
	const uint8_t *body;
	size_t body_len;
	uint8_t sig[SVC_SIG_LEN];
	int rc;

	if (len > SVC_ENROLL_MAX)
		return svc_errf(SVC_ETOOBIG, "bundle: %zu bytes, over the %d byte limit", len,
		                SVC_ENROLL_MAX);
	struct accept_arg *a = calloc(1, sizeof *a);
	if (!a)
		return svc_errf(SVC_ENOMEM, "out of memory");
	rc = svc_codec_signed_decode(bundle, len, &body, &body_len, sig);
	if (rc) {
		rc = svc_errctx(rc, "bundle");
		goto out;
	}
	rc = svc_codec_bundle_decode(body, body_len, &a->b);
	if (rc) {
		rc = svc_errctx(rc, "bundle");
		goto out;
	}
	const svc_bundle *b = &a->b;
	if (pin_hq && svc_memcmp_ct(b->hq_pubkey, pin_hq, SVC_PK_LEN) != 0) {
		char got[2 * SVC_PK_LEN + 1], want[2 * SVC_PK_LEN + 1];
		svc_hex(b->hq_pubkey, SVC_PK_LEN, got);
		svc_hex(pin_hq, SVC_PK_LEN, want);
		rc = svc_errf(SVC_ECRYPTO,
		              "bundle: HQ key %.16s... is not the pinned HQ key %.16s...", got,
		              want);
		goto out;
	}
	if (svc_verify(b->hq_pubkey, body, body_len, sig)) {
		rc = svc_errf(SVC_ECRYPTO, "bundle: signature does not verify (tampered?)");
		goto out;
	}
	rc = svc_cert_verify(&b->cert, b->hq_pubkey, &a->cert);
	if (rc) {
		rc = svc_errctx(rc, "bundle");
		goto out;
	}
	/* HQ signed both, but they must also agree with each other: the node
	 * will connect to the bundle's upstream on the certificate's word. */
	if (strcmp(a->cert.issuer, b->hq_node) != 0 || strcmp(a->cert.upstream, b->upstream) != 0) {
		rc = svc_errf(
		    SVC_EINVAL,
		    "bundle: certificate (issuer %s, upstream %s) disagrees with the bundle "
		    "(HQ %s, upstream %s)",
		    a->cert.issuer, a->cert.upstream, b->hq_node, b->upstream);
		goto out;
	}
	/* A renewal may leave the endpoint as the node has it. */
	rc = b->endpoint[0] ? check_endpoint("bundle: endpoint", b->endpoint) : 0;
	if (rc)
		goto out;
	a->now = svc_journal_now_ms();
	if (a->cert.not_after <= a->now) {
		char when[32];
		fmt_time(a->cert.not_after, when);
		rc = svc_errf(SVC_EINVAL, "bundle: certificate for %s (serial %llu) expired at %s",
		              a->cert.node, (unsigned long long)a->cert.serial, when);
		goto out;
	}
	rc = svc_store_write(s, accept_write, a);
	if (!rc && renewed)
		*renewed = a->renewed;
out:
	free(a);
	return rc;
}

/* ------------------------------------------------------------ revocation */

struct revoke_arg {
	const char *node;
	const char *reason;
	uint64_t serial;
};

static int revoke_write(svc_txn *t, void *argp)
{
	struct revoke_arg *a = argp;
	svc_self self;
	svc_node n;
	svc_change c;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED, "only HQ revokes certificates; %s is a %s", self.node,
		                svc_role_name(self.role));
	if (strcmp(a->node, self.node) == 0)
		return svc_errf(SVC_EINVAL, "HQ cannot revoke its own certificate");
	rc = svc_fold_node_get(t, a->node, &n);
	if (rc)
		return rc;
	if (n.revoked)
		return svc_errf(SVC_EEXIST, "node %s is already revoked (%s)", a->node,
		                n.revoke_reason);
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_NODE_REVOKE;
	svc_rules_node_agg(c.aggregate, a->node);
	snprintf(c.u.node_revoke.node, sizeof c.u.node_revoke.node, "%s", a->node);
	if (strlen(a->reason) >= sizeof c.u.node_revoke.reason)
		return svc_errf(SVC_EINVAL, "reason: longer than %zu bytes",
		                sizeof c.u.node_revoke.reason - 1);
	snprintf(c.u.node_revoke.reason, sizeof c.u.node_revoke.reason, "%s", a->reason);
	c.u.node_revoke.serial = n.serial;
	a->serial = n.serial;
	/* The cut-off is what HQ holds of the node now, never its clock: an
	 * upward stream arrives dense, so this is the last seq HQ accepted. */
	uint8_t hash[SVC_HASH_LEN];
	rc = svc_journal_head_get(t, a->node, &c.u.node_revoke.cutoff_seq, hash);
	if (rc)
		return rc;
	return svc_apply_local(t, &c);
}

struct release_arg {
	const char *origin;
	const char *reason;
	uint64_t through;
	uint64_t held;
};

static int count_held(const svc_logged_change *lc, void *arg)
{
	struct release_arg *a = arg;
	if (lc->c.seq <= a->through)
		a->held++;
	return 0;
}

static int release_write(svc_txn *t, void *argp)
{
	struct release_arg *a = argp;
	svc_self self;
	svc_node n;
	svc_change c;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	if (self.role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED,
		                "only HQ releases held changes; this node (%s) is a %s", self.node,
		                svc_role_name(self.role));
	rc = svc_fold_node_get(t, a->origin, &n);
	if (rc)
		return rc;
	if (!n.revoked)
		return svc_errf(SVC_EINVAL, "node %s is not revoked: none of its changes is held",
		                a->origin);
	if (a->through <= n.cutoff_seq)
		return svc_errf(
		    SVC_EINVAL, "node %s: changes through seq %llu are not held (cut-off seq %llu)",
		    a->origin, (unsigned long long)a->through, (unsigned long long)n.cutoff_seq);
	a->held = 0;
	rc = svc_journal_held_each(t, a->origin, count_held, a);
	if (rc)
		return rc;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_QUARANTINE_RELEASE;
	svc_rules_node_agg(c.aggregate, a->origin);
	snprintf(c.u.quarantine_release.origin, sizeof c.u.quarantine_release.origin, "%s",
	         a->origin);
	c.u.quarantine_release.through_seq = a->through;
	if (strlen(a->reason) >= sizeof c.u.quarantine_release.reason)
		return svc_errf(SVC_EINVAL, "reason: longer than %zu bytes",
		                sizeof c.u.quarantine_release.reason - 1);
	snprintf(c.u.quarantine_release.reason, sizeof c.u.quarantine_release.reason, "%s",
	         a->reason);
	rc = svc_apply_local(t, &c);
	if (rc)
		return rc;
	/* Every held change through `through` was folded again: the fold
	 * accepted it, or rejected it for another rule at its place. */
	uint64_t before = a->held;
	a->held = 0;
	rc = svc_journal_held_each(t, a->origin, count_held, a);
	a->held = before - a->held;
	return rc;
}

int svc_identity_release(svc_store *hq, const char *origin, uint64_t through, const char *reason,
                         uint64_t *released)
{
	struct release_arg a = {origin, reason ? reason : "", through, 0};
	int rc = check_id("origin", origin);
	if (rc)
		return rc;
	if (through < 1)
		return svc_errf(SVC_EINVAL, "through-seq: must be at least 1");
	if (!a.reason[0])
		return svc_errf(SVC_EINVAL, "reason: required (what did the review find?)");
	rc = svc_store_write(hq, release_write, &a);
	if (!rc && released)
		*released = a.held;
	return rc;
}

int svc_identity_revoke(svc_store *hq, const char *node, const char *reason, uint64_t *serial)
{
	struct revoke_arg a = {node, reason ? reason : "", 0};
	int rc = check_id("node", node);
	if (rc)
		return rc;
	if (!a.reason[0])
		return svc_errf(SVC_EINVAL, "reason: required (why is the node withdrawn?)");
	rc = svc_store_write(hq, revoke_write, &a);
	if (!rc && serial)
		*serial = a.serial;
	return rc;
}

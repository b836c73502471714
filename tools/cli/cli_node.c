/*
 * cli_node: the node itself: init, enroll, id, the directory (node list) and
 * the change log (log).
 *
 * Enrollment moves request and bundle files between machines by hand, so the
 * files are written the careful way: to a temporary name, synced, renamed.
 * `enroll approve` opens its output before it records the certificate, so
 * an unwritable --out fails before HQ's directory changes (a retry would
 * otherwise be refused as a double enrollment).
 */
#include "cli.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ files */

typedef struct {
	char tmp[SVC_PATH_MAX];
	const char *path;
	int fd;
} out_file;

static int out_open(out_file *o, const char *path)
{
	o->path = path;
	o->fd = -1;
	if (snprintf(o->tmp, sizeof o->tmp, "%s.tmp", path) >= (int)sizeof o->tmp)
		return svc_errf(SVC_EINVAL, "%s: path too long", path);
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", o->tmp, strerror(errno));
	return 0;
}

static void out_abort(out_file *o)
{
	if (o->fd >= 0) {
		close(o->fd);
		unlink(o->tmp);
		o->fd = -1;
	}
}

static int out_commit(out_file *o, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(o->fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			out_abort(o);
			return svc_errf(SVC_EIO, "%s: write: %s", o->path, strerror(e));
		}
		done += (size_t)w;
	}
	if (fsync(o->fd) != 0 || close(o->fd) != 0) {
		int e = errno;
		o->fd = -1;
		unlink(o->tmp);
		return svc_errf(SVC_EIO, "%s: %s", o->path, strerror(e));
	}
	o->fd = -1;
	if (rename(o->tmp, o->path) != 0) {
		int e = errno;
		unlink(o->tmp);
		return svc_errf(SVC_EIO, "%s: %s", o->path, strerror(e));
	}
	return 0;
}

/* Read a small file (request, bundle) of at most `cap` bytes. */
static int read_small(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	size_t got = 0;
	for (;;) {
		if (got == cap) {
			close(fd);
			return svc_errf(SVC_ETOOBIG,
			                "%s: larger than %zu bytes; not an enrollment file", path,
			                cap - 1);
		}
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return svc_errf(SVC_EIO, "%s: read: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
}

static int self_read(svc_store *s, svc_self *self)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_self_get(t, self);
	svc_txn_abort(&t);
	return rc;
}

/* ------------------------------------------------------------ init */

static const char init_usage[] =
    "usage: svcsync [--dir DIR] init --id NODE --role hq|region|shop [--region REGION]\n"
    "\n"
    "Create a node in DIR: its store and its secret key (DIR/node.key, mode 0600).\n"
    "A shop names its region; a region's region is itself. HQ issues its own\n"
    "certificate; every other node is then enrolled (svcsync enroll --help).\n"
    "Refuses, and changes nothing, if DIR already holds a store or a key.\n";

int cli_cmd_init(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *id, *role_s, *region;
	uint32_t role;
	int rc = cli_parse(&a, "init", init_usage, "id= role= region=", 0, argc, argv);
	if (rc)
		return rc;
	if ((rc = cli_need(&a, "id", &id)) || (rc = cli_need(&a, "role", &role_s)))
		return rc;
	region = cli_opt(&a, "region");
	if (!ctx->dir || !ctx->dir[0]) {
		cli_failf("no node directory: give --dir DIR or set SVCSYNC_DIR");
		return CLI_USAGE;
	}
	if (svc_role_parse(role_s, &role))
		return cli_usage(&a, "--%s", svc_errmsg());
	if (svc_identity_init(ctx->dir, id, role, region, NULL))
		return cli_fail();
	if (role == SVC_ROLE_HQ)
		printf("created HQ %s in %s\n", id, ctx->dir);
	else
		printf("created %s %s in %s; next: svcsync --dir %s enroll request --out %s.req\n",
		       svc_role_name(role), id, ctx->dir, ctx->dir, id);
	return CLI_OK;
}

/* ------------------------------------------------------------ enroll */

static const char enroll_usage[] =
    "usage: svcsync [--dir DIR] enroll request --out REQ\n"
    "       svcsync [--dir DIR] enroll approve --request REQ --upstream NODE\n"
    "                           --endpoint tcp://HOST:PORT --out BUNDLE [--days N]\n"
    "       svcsync [--dir DIR] enroll approve --renew NODE [--endpoint tcp://HOST:PORT]\n"
    "                           [--days N] --out BUNDLE\n"
    "       svcsync [--dir DIR] enroll accept --bundle BUNDLE [--hq-key HEX]\n"
    "\n"
    "Enrollment in three steps, carried by files:\n"
    "  request  at the new node: write a request signed with the node's key\n"
    "  approve  at HQ: check the request, record the node's certificate and write\n"
    "           the bundle (certificate, HQ's key, the upstream's endpoint and key);\n"
    "           --days sets the certificate's validity (default 730; a shop with an\n"
    "           approved record gets its agreement's term and starts its probation)\n"
    "  accept   at the new node: verify the bundle and store it; --hq-key pins HQ's\n"
    "           public key (64 hex digits, from 'svcsync id' at HQ)\n"
    "Renewal: 'approve --renew NODE' re-issues an enrolled node's bundle (new\n"
    "serial, same id, key and store; optionally a new upstream endpoint), and\n"
    "'accept' takes it at the running node, no revocation, nothing lost.\n";

static const char enroll_request_usage[] =
    "usage: svcsync [--dir DIR] enroll request --out REQ\n"
    "\n"
    "Write this node's enrollment request to REQ, signed with its key, for HQ to\n"
    "approve. Needs the node's key file (refused if its mode is looser than 0600).\n";

static const char enroll_approve_usage[] =
    "usage: svcsync [--dir DIR] enroll approve --request REQ --upstream NODE\n"
    "                           --endpoint tcp://HOST:PORT --out BUNDLE [--days N]\n"
    "       svcsync [--dir DIR] enroll approve --renew NODE [--endpoint tcp://HOST:PORT]\n"
    "                           [--days N] --out BUNDLE\n"
    "\n"
    "At HQ: check the request's signature, issue the node's certificate (recorded\n"
    "as a directory change) and write the signed bundle to BUNDLE. NODE is the\n"
    "node it connects to (HQ, or a shop's region), listening at the endpoint.\n"
    "A shop with a record (svcsync shop --help) is enrolled at stage approved\n"
    "only: its certificate runs to the end of its agreement and the record goes\n"
    "to probation (policy probation_months, default 3). A shop without a record\n"
    "gets one at probation, marked direct; --days (default 730) sets the term.\n"
    "\n"
    "--renew NODE re-issues the bundle of an enrolled node: a new certificate\n"
    "(new serial; the old one superseded) for the same id, key, region and\n"
    "upstream, valid for --days (default: a shop's agreement term, else 730).\n"
    "--endpoint gives the upstream's new endpoint; without it the node keeps\n"
    "its own. Refused for a node HQ does not know or has revoked.\n";

static const char enroll_accept_usage[] =
    "usage: svcsync [--dir DIR] enroll accept --bundle BUNDLE [--hq-key HEX]\n"
    "\n"
    "At the new node: verify the bundle from HQ and store its certificate, HQ's\n"
    "public key and the upstream's endpoint and key. --hq-key refuses a bundle\n"
    "signed by any other HQ key than HEX (64 hex digits).\n"
    "At an enrolled node, a renewed bundle (enroll approve --renew) from the same\n"
    "HQ with a newer serial replaces the certificate and, if it names one, the\n"
    "upstream's endpoint; a running daemon reconnects there.\n";

static int enroll_request(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *out;
	svc_store *s = NULL;
	svc_keypair *kp = NULL;
	uint8_t buf[SVC_ENROLL_MAX];
	size_t len;
	out_file of;
	int rc = cli_parse(&a, "enroll request", enroll_request_usage, "out=", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "out", &out)))
		return rc;
	if ((rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_identity_key(ctx->dir, &kp);
	if (!rc)
		rc = svc_enroll_make_request(s, kp, buf, sizeof buf, &len);
	svc_keypair_destroy(&kp);
	svc_store_close(&s);
	if (!rc)
		rc = out_open(&of, out);
	if (!rc)
		rc = out_commit(&of, buf, len);
	if (rc)
		return cli_fail();
	printf("wrote enrollment request to %s; take it to HQ (svcsync enroll approve)\n", out);
	return CLI_OK;
}

/* enroll approve --renew NODE: a new bundle for an enrolled node. */
static int enroll_renew(const cli_ctx *ctx, const cli_args *a)
{
	const char *node = cli_opt(a, "renew"), *out;
	int64_t days = 0;
	svc_store *s = NULL;
	svc_keypair *kp = NULL;
	uint8_t buf[SVC_ENROLL_MAX];
	size_t len;
	svc_cert cert;
	out_file of;
	int rc;
	if (cli_opt(a, "request") || cli_opt(a, "upstream"))
		return cli_usage(a, "--renew: takes no --request or --upstream (the directory's "
		                    "entry is renewed)");
	if ((rc = cli_need(a, "out", &out)) || (rc = cli_int(a, "days", &days, NULL)))
		return rc;
	if (days < 0 || days > 36500)
		return cli_usage(a, "--days: %" PRId64 " is not between 1 and 36500", days);
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	svc_approve_opts opts = {.endpoint = cli_opt(a, "endpoint"), .days = (unsigned)days};
	rc = svc_identity_key(ctx->dir, &kp);
	if (!rc)
		rc = out_open(&of, out);
	if (!rc) {
		rc = svc_enroll_renew(s, kp, node, &opts, buf, sizeof buf, &len, &cert);
		if (rc)
			out_abort(&of);
		else
			rc = out_commit(&of, buf, len);
	}
	svc_keypair_destroy(&kp);
	if (rc) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	char until[32];
	cli_time(until, cert.not_after);
	printf("renewed %s %s: certificate serial %" PRIu64 " valid until %s%s%s; bundle "
	       "written to %s\n",
	       svc_role_name(cert.role), cert.node, cert.serial, until,
	       opts.endpoint ? ", upstream endpoint " : "", opts.endpoint ? opts.endpoint : "",
	       out);
	return CLI_OK;
}

static int enroll_approve(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *req_path, *upstream, *endpoint, *out;
	int64_t days = 0;
	svc_store *s = NULL;
	svc_keypair *kp = NULL;
	uint8_t req[SVC_ENROLL_MAX + 1], buf[SVC_ENROLL_MAX];
	size_t req_len, len;
	svc_cert cert;
	out_file of;
	int rc = cli_parse(&a, "enroll approve", enroll_approve_usage,
	                   "request= upstream= endpoint= out= days= renew=", 0, argc, argv);
	if (rc)
		return rc;
	if (cli_opt(&a, "renew"))
		return enroll_renew(ctx, &a);
	if ((rc = cli_need(&a, "request", &req_path)) ||
	    (rc = cli_need(&a, "upstream", &upstream)) ||
	    (rc = cli_need(&a, "endpoint", &endpoint)) || (rc = cli_need(&a, "out", &out)) ||
	    (rc = cli_int(&a, "days", &days, NULL)))
		return rc;
	if (days < 0 || days > 36500)
		return cli_usage(&a, "--days: %" PRId64 " is not between 1 and 36500", days);
	if (read_small(req_path, req, sizeof req, &req_len))
		return cli_fail();
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	svc_approve_opts opts = {
	    .upstream = upstream, .endpoint = endpoint, .days = (unsigned)days};
	rc = svc_identity_key(ctx->dir, &kp);
	if (!rc)
		rc = out_open(&of, out);
	if (!rc) {
		rc = svc_enroll_approve(s, kp, req, req_len, &opts, buf, sizeof buf, &len, &cert);
		if (rc)
			out_abort(&of);
		else
			rc = out_commit(&of, buf, len);
	}
	svc_keypair_destroy(&kp);
	if (rc) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	char until[32];
	cli_time(until, cert.not_after);
	printf("approved %s %s%s%s, upstream %s, certificate serial %" PRIu64
	       " valid until %s; bundle written to %s\n",
	       svc_role_name(cert.role), cert.node, cert.role == SVC_ROLE_SHOP ? " in region " : "",
	       cert.role == SVC_ROLE_SHOP ? cert.region : "", cert.upstream, cert.serial, until,
	       out);
	return CLI_OK;
}

static int enroll_accept(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	const char *bundle_path, *hq_hex;
	svc_store *s = NULL;
	uint8_t bundle[SVC_ENROLL_MAX + 1], pin[SVC_PK_LEN];
	size_t len;
	svc_self self;
	int rc =
	    cli_parse(&a, "enroll accept", enroll_accept_usage, "bundle= hq-key=", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "bundle", &bundle_path)))
		return rc;
	hq_hex = cli_opt(&a, "hq-key");
	if (hq_hex && svc_unhex(hq_hex, pin, sizeof pin))
		return cli_usage(&a, "--hq-key: not %d hex digits", 2 * SVC_PK_LEN);
	if (read_small(bundle_path, bundle, sizeof bundle, &len))
		return cli_fail();
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	bool renewed = false;
	rc = svc_enroll_accept_renewal(s, bundle, len, hq_hex ? pin : NULL, &renewed);
	if (!rc)
		rc = self_read(s, &self);
	if (rc) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("%s %s: upstream %s at %s, HQ %s\n", renewed ? "renewed" : "enrolled", self.node,
	       self.upstream, self.endpoint, self.hq_node);
	return CLI_OK;
}

int cli_cmd_enroll(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"request", enroll_request},
	    {"approve", enroll_approve},
	    {"accept", enroll_accept},
	    {NULL, NULL},
	};
	return cli_dispatch(ctx, "enroll", enroll_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ id */

static const char id_usage[] =
    "usage: svcsync [--dir DIR] id [--json]\n"
    "\n"
    "This node's identity: id, role, region, Ed25519 public key (hex), CURVE\n"
    "public key (Z85, what ZeroMQ configuration and firewalls name), store id,\n"
    "and once enrolled its HQ, upstream, endpoint and certificate.\n";

static void curve_z85(const uint8_t pk[SVC_PK_LEN], char out[41])
{
	uint8_t curve[SVC_CURVE_KEY_LEN];
	if (svc_curve_public(pk, curve) != 0)
		snprintf(out, 41, "-");
	else
		cli_z85(curve, sizeof curve, out);
}

int cli_cmd_id(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_self self;
	svc_cert cert;
	char pk[2 * SVC_PK_LEN + 1], hq[2 * SVC_PK_LEN + 1], up[2 * SVC_PK_LEN + 1];
	char store_id[2 * SVC_STORE_ID_LEN + 1], z85[41], up_z85[41], until[32];
	int rc = cli_parse(&a, "id", id_usage, "json", 0, argc, argv);
	if (rc || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = self_read(s, &self);
	svc_store_close(&s);
	if (rc)
		return cli_fail();
	bool has_cert = self.cert.body_len &&
	                svc_codec_cert_decode(self.cert.body, self.cert.body_len, &cert) == 0;
	svc_hex(self.pubkey, SVC_PK_LEN, pk);
	svc_hex(self.hq_pubkey, SVC_PK_LEN, hq);
	svc_hex(self.upstream_pubkey, SVC_PK_LEN, up);
	svc_hex(self.store_id, sizeof self.store_id, store_id);
	curve_z85(self.pubkey, z85);
	curve_z85(self.upstream_pubkey, up_z85);
	bool has_up = self.enrolled && self.upstream[0];

	if (cli_flag(&a, "json")) {
		json_t *o = json_object();
		json_object_set_new(o, "node", json_string(self.node));
		json_object_set_new(o, "role", json_string(svc_role_name(self.role)));
		json_object_set_new(o, "region", cli_json_opt(self.region));
		json_object_set_new(o, "pubkey", json_string(pk));
		json_object_set_new(o, "curve_pubkey", json_string(z85));
		json_object_set_new(o, "store_id", json_string(store_id));
		json_object_set_new(o, "enrolled", json_boolean(self.enrolled));
		json_object_set_new(o, "hq_node", cli_json_opt(self.enrolled ? self.hq_node : ""));
		json_object_set_new(o, "hq_pubkey", self.enrolled ? json_string(hq) : json_null());
		json_object_set_new(o, "upstream", cli_json_opt(has_up ? self.upstream : ""));
		json_object_set_new(o, "endpoint", cli_json_opt(has_up ? self.endpoint : ""));
		json_object_set_new(o, "upstream_pubkey", has_up ? json_string(up) : json_null());
		json_object_set_new(o, "upstream_curve_pubkey",
		                    has_up ? json_string(up_z85) : json_null());
		json_object_set_new(o, "cert_serial",
		                    has_cert ? json_integer((json_int_t)cert.serial) : json_null());
		json_object_set_new(o, "cert_not_after_ms",
		                    has_cert ? cli_json_ms(cert.not_after) : json_null());
		return cli_json_print(o);
	}
	printf("node          %s\n", self.node);
	printf("role          %s\n", svc_role_name(self.role));
	printf("region        %s\n", self.region[0] ? self.region : "-");
	printf("public key    %s\n", pk);
	printf("curve key     %s\n", z85);
	printf("store id      %s\n", store_id);
	printf("enrolled      %s\n", self.enrolled ? "yes" : "no");
	if (self.enrolled)
		printf("hq            %s (%s)\n", self.hq_node, hq);
	if (has_up) {
		printf("upstream      %s\n", self.upstream);
		printf("endpoint      %s\n", self.endpoint);
		printf("upstream key  %s\n", up_z85);
	}
	if (has_cert) {
		cli_time(until, cert.not_after);
		printf("certificate   serial %" PRIu64 ", valid until %s\n", cert.serial, until);
	}
	return CLI_OK;
}

/* ------------------------------------------------------------ node list */

static const char node_usage[] =
    "usage: svcsync [--dir DIR] node list [--json]\n"
    "       svcsync [--dir DIR] node revoke NODE --reason TEXT\n"
    "\n"
    "list: the network directory as this node holds it: every certified node,\n"
    "its role, region, upstream, certificate serial and validity, and revocation.\n"
    "revoke (HQ only): withdraw a node (a shop leaving the network). The\n"
    "revocation records a cut-off: the last seq of the node HQ holds now. Once it\n"
    "reaches a node, that node refuses new connections with the key, closes\n"
    "every connection made with it, and holds the node's changes above the\n"
    "cut-off out of its state (whatever clock they carry; see `quarantine list`),\n"
    "including any it had applied already, until HQ releases them with\n"
    "`quarantine release`. Changes up to the cut-off, its signed claims among\n"
    "them, stay valid for settlement. A new certificate for a revoked node lifts\n"
    "the revocation but keeps holding what its old key signed, until released.\n"
    "HQ's daemon revokes an expired certificate the same way, within a tick.\n";

static int node_id_cb(const svc_node *n, void *arg)
{
	cli_ids_add(arg, 0, n->node);
	return 0;
}

static void node_row(svc_txn *t, const char *id, cli_list *l, void *arg)
{
	svc_node n;
	char serial[24], until[32];
	(void)arg;
	if (svc_fold_node_get(t, id, &n))
		return;
	if (cli_list_json(l)) {
		cli_list_obj(l, cli_json_node(&n));
		return;
	}
	char status[40] = "active";
	snprintf(serial, sizeof serial, "%" PRIu64, n.serial);
	cli_time(until, n.not_after);
	if (n.revoked)
		snprintf(status, sizeof status, "revoked after seq %" PRIu64, n.cutoff_seq);
	const char *cells[] = {n.node,
	                       svc_role_name(n.role),
	                       n.region[0] ? n.region : "-",
	                       n.upstream[0] ? n.upstream : "-",
	                       serial,
	                       until,
	                       status};
	cli_list_row(l, cells);
}

static int node_collect(svc_store *s, svc_txn *t, cli_ids *ids, void *arg)
{
	(void)s;
	(void)arg;
	return svc_fold_node_each(t, node_id_cb, ids);
}

static int node_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"NODE",   "ROLE",        "REGION", "UPSTREAM",
	                                      "SERIAL", "VALID UNTIL", "STATUS"};
	static const cli_list_spec spec = {headers, "llllrll", true, node_collect, node_row};
	cli_args a;
	int rc = cli_parse(&a, "node list", node_usage, "json", 0, argc, argv);
	if (rc)
		return rc;
	return cli_list_run(ctx, &spec, cli_flag(&a, "json"), 0, NULL);
}

static int node_revoke(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *reason;
	uint64_t serial = 0;
	int rc = cli_parse(&a, "node revoke", node_usage, "reason=", 1, argc, argv);
	if (rc || (rc = cli_need_pos(&a, 1, "NODE")) || (rc = cli_need(&a, "reason", &reason)) ||
	    (rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_identity_revoke(s, a.pos[0], reason, &serial)) {
		svc_store_close(&s);
		return cli_fail();
	}
	svc_node n;
	svc_txn *t = NULL;
	memset(&n, 0, sizeof n);
	if (svc_txn_begin(s, false, &t) == 0) {
		svc_fold_node_get(t, a.pos[0], &n);
		svc_txn_abort(&t);
	}
	cli_done_write(ctx, &s);
	printf("revoked %s (certificate serial %" PRIu64 ", cut-off seq %" PRIu64 "): %s\n",
	       a.pos[0], serial, n.cutoff_seq, reason);
	return CLI_OK;
}

int cli_cmd_node(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {{"list", node_list}, {"revoke", node_revoke}, {NULL, NULL}};
	return cli_dispatch(ctx, "node", node_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ log */

static const char log_usage[] =
    "usage: svcsync [--dir DIR] log [--limit N] [--json]\n"
    "\n"
    "The changes in this store, newest first (by arrival): arrival number (lsn),\n"
    "origin/seq, time, kind, aggregate, a summary and the operator who entered\n"
    "it at its origin (- for a change older than the field); a change the merge\n"
    "rules refused at its place in order is shown REJECTED with the reason.\n";

struct log_page {
	uint64_t hi;
	size_t n;
	svc_logged_change *v; /* CLI_PAGE entries */
};

static int log_page_cb(const svc_logged_change *lc, void *arg)
{
	struct log_page *p = arg;
	if (lc->lsn > p->hi || p->n == CLI_PAGE)
		return 1;
	p->v[p->n++] = *lc;
	return 0;
}

static void log_row(cli_list *l, const svc_logged_change *lc)
{
	if (cli_list_json(l)) {
		cli_list_obj(l, cli_json_change(lc));
		return;
	}
	char lsn[24], change[64], when[32], summary[512], text[800];
	snprintf(lsn, sizeof lsn, "%" PRIu64, lc->lsn);
	snprintf(change, sizeof change, "%s/%" PRIu64, lc->c.origin, lc->c.seq);
	cli_time(when, svc_hlc_ms(lc->c.hlc));
	cli_change_summary(&lc->c, summary, sizeof summary);
	if (lc->rejected)
		snprintf(text, sizeof text, "REJECTED (%s): %s", lc->reason, summary);
	else
		snprintf(text, sizeof text, "%s", summary);
	const char *cells[] = {lsn, change, when, svc_change_kind_name(lc->c.kind), lc->c.aggregate,
	                       text, lc->c.operator[0] ? lc->c.operator: "-" };
	cli_list_row(l, cells);
}

int cli_cmd_log(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"LSN",       "CHANGE",  "TIME",    "KIND",
	                                      "AGGREGATE", "SUMMARY", "OPERATOR"};
	cli_args a;
	size_t limit = 0;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	uint64_t last = 0;
	struct log_page p = {0};
	int rc = cli_parse(&a, "log", log_usage, "limit= json", 0, argc, argv);
	if (rc || (rc = cli_list_limit(&a, &limit)))
		return rc;
	if ((rc = cli_open(ctx, false, &s)))
		return rc;
	if (svc_txn_begin(s, false, &t) || svc_journal_last(t, &last)) {
		svc_txn_abort(&t);
		svc_store_close(&s);
		return cli_fail();
	}
	svc_txn_abort(&t);
	p.v = malloc(CLI_PAGE * sizeof *p.v);
	cli_list *l = cli_list_new(cli_flag(&a, "json"), 7, headers, "rllllll");
	if (!p.v || !l)
		rc = cli_failf("out of memory");
	/* The log only grows at its end: pages below `last` are stable, and
	 * each is read in its own short transaction. */
	size_t shown = 0;
	for (uint64_t hi = last; !rc && hi > 0 && (!limit || shown < limit);) {
		uint64_t lo = hi > CLI_PAGE ? hi - CLI_PAGE + 1 : 1;
		p.hi = hi;
		p.n = 0;
		if (svc_txn_begin(s, false, &t) ||
		    svc_journal_each_from(t, lo, log_page_cb, &p) < 0) {
			svc_txn_abort(&t);
			rc = cli_fail();
			break;
		}
		svc_txn_abort(&t);
		for (size_t k = p.n; k > 0 && (!limit || shown < limit); k--, shown++)
			log_row(l, &p.v[k - 1]);
		hi = lo - 1;
	}
	int lrc = cli_list_end(&l);
	free(p.v);
	svc_store_close(&s);
	return rc ? rc : lrc;
}

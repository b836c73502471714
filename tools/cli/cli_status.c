/*
 * cli_status: what a node is doing: status, quarantine list, verify.
 *
 * `status` joins two sources: the store (identity, counts, quarantine, this
 * node's clock) and the daemon's status file (DIR/status, rewritten every
 * second while svcsyncd runs: each link's state, last contact, how far the
 * peer acknowledged this node's log). Whether the daemon runs is decided by
 * its lock on DIR/daemon.lock, not by the status file, which a killed
 * daemon leaves behind.
 *
 * Ages (how long since the daemon wrote the file, since a link last heard
 * from its peer) are taken on the monotonic clock, which the daemon writes
 * next to its figures: a wall-clock step between the daemon's write and
 * this read, or a daemon whose wall clock is off, does not make a live link
 * look silent. Wall times shown are "now minus that age".
 */
#include "cli.h"

#include "svc_codec.h"
#include "svc_err.h"
#include "svc_log.h"
#include "svc_identity.h"
#include "svc_apply.h"
#include "svc_nodedir.h"
#include "svc_proto.h"
#include "svc_store.h"
#include "svc_sync.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* What the daemon last wrote; true when one runs (holds the directory's
 * lock). A status file that cannot be read is said once on stderr; the
 * store's part of `status` still holds. */
static bool read_status(const char *dir, svc_nodedir_status *st)
{
	svc_nodedir nd;
	memset(st, 0, sizeof *st);
	if (svc_nodedir_init(&nd, dir))
		return false;
	bool running = svc_nodedir_locked(&nd);
	int rc = svc_nodedir_status_read(&nd, st);
	if (rc && rc != SVC_ENOTFOUND && running)
		fprintf(stderr, "svcsync: warning: %s\n", svc_errmsg());
	if (rc) {
		svc_nodedir_status_free(st);
		memset(st, 0, sizeof *st);
	}
	svc_errclear();
	return running;
}

static const char status_usage[] =
    "usage: svcsync [--dir DIR] status [--json]\n"
    "\n"
    "This node, its store and, when svcsyncd runs, its links: the upstream\n"
    "(connected or not, last contact, log entries it has not acknowledged yet)\n"
    "and each downstream peer (last seen, its backlog), the quarantine count\n"
    "(and the changes held by a revocation's cut-off), clocks found far ahead\n"
    "(this node's, or a peer's at its last contact), and \"disk FULL\" while\n"
    "the daemon cannot write for lack of space (it retries with back-off and\n"
    "resumes by itself once space is freed).\n"
    "\n"
    "While the daemon runs it also counts, since it started: divergences (a\n"
    "peer asked to resume beyond this node's log; it was sent everything it\n"
    "lacks instead), forks (a change whose origin and seq are held here with\n"
    "another hash; quarantined) and gaps (a batch from below refused because an\n"
    "origin's seqs had a hole).\n";

/* Milliseconds since the daemon wrote its status file. */
static uint64_t file_age(const svc_nodedir_status *st, uint64_t now, uint64_t mono)
{
	if (st->has_mono)
		return mono >= st->mono ? mono - st->mono : 0;
	return now >= st->updated ? now - st->updated : 0; /* a daemon of an older build */
}

/* Milliseconds since the link last heard from its peer; false: never. */
static bool contact_age(const svc_nodedir_status *st, const svc_nodedir_link *r, uint64_t now,
                        uint64_t mono, uint64_t *age)
{
	if (r->has_age) {
		*age = file_age(st, now, mono) + r->rx_age;
		return !r->never;
	}
	*age = now >= r->last_rx ? now - r->last_rx : 0;
	return r->last_rx != 0;
}

static void age_text(char out[32], bool known, uint64_t age)
{
	if (!known)
		snprintf(out, 32, "never");
	else
		snprintf(out, 32, "%.1f s ago", (double)age / 1000.0);
}

static json_t *link_json(const svc_nodedir_status *st, const svc_nodedir_link *r, uint64_t lsn,
                         uint64_t now, uint64_t mono)
{
	json_t *o = json_object();
	uint64_t age;
	bool known = contact_age(st, r, now, mono, &age);
	json_object_set_new(o, "node", json_string(r->node));
	json_object_set_new(o, "state", json_string(r->state));
	json_object_set_new(o, "connected", json_boolean(strcmp(r->state, "up") == 0));
	json_object_set_new(o, "last_contact_ms",
	                    known && now > age ? cli_json_ms(now - age) : json_null());
	json_object_set_new(o, "last_contact_age_ms",
	                    known ? json_integer((json_int_t)age) : json_null());
	json_object_set_new(o, "acked_lsn", json_integer((json_int_t)r->acked));
	json_object_set_new(o, "backlog",
	                    json_integer((json_int_t)(lsn > r->acked ? lsn - r->acked : 0)));
	json_object_set_new(o, "applied", json_integer((json_int_t)r->applied));
	json_object_set_new(o, "quarantined", json_integer((json_int_t)r->quarantined));
	json_object_set_new(o, "protocol_errors", json_integer((json_int_t)r->errors));
	bool ahead = r->peer_ms > now + SVC_PROTO_SKEW_WARN_MS;
	json_object_set_new(o, "clock_ahead_ms",
	                    ahead ? json_integer((json_int_t)(r->peer_ms - now)) : json_null());
	return o;
}

static int count_held(const svc_logged_change *lc, void *arg)
{
	(void)lc;
	++*(uint64_t *)arg;
	return 0;
}

static int status_cmd(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_self self;
	svc_journal_stats stats;
	uint64_t quarantined = 0, held = 0, hlc = 0;
	svc_restore_state rs;
	svc_nodedir_status status, *st = &status;
	int rc = cli_parse(&a, "status", status_usage, "json", 0, argc, argv);
	if (rc || (rc = cli_open(ctx, false, &s)))
		return rc;
	if (svc_txn_begin(s, false, &t) || svc_self_get(t, &self) ||
	    svc_journal_stats_get(t, &stats) || svc_quarantine_count(t, &quarantined) ||
	    svc_journal_held_each(t, NULL, count_held, &held) || svc_journal_hlc_get(t, &hlc) ||
	    svc_restore_get(t, &rs)) {
		svc_txn_abort(&t);
		svc_store_close(&s);
		return cli_fail();
	}
	svc_txn_abort(&t);
	bool running = read_status(ctx->dir, st);
	svc_store_close(&s);

	uint64_t now = svc_journal_now_ms(), mono = svc_mono_ms();
	uint64_t own_ms = svc_hlc_ms(hlc);
	bool own_ahead = own_ms > now + SVC_PROTO_SKEW_WARN_MS;
	const svc_nodedir_link *up = NULL;
	if (!running)
		svc_nodedir_status_free(st); /* a stale file from a stopped daemon */
	for (size_t i = 0; i < st->nlinks; i++)
		if (st->links[i].upstream)
			up = &st->links[i];

	if (cli_flag(&a, "json")) {
		json_t *o = json_object();
		json_object_set_new(o, "node", json_string(self.node));
		json_object_set_new(o, "role", json_string(svc_role_name(self.role)));
		json_object_set_new(o, "region", cli_json_opt(self.region));
		json_object_set_new(o, "enrolled", json_boolean(self.enrolled));
		json_t *store = json_object();
		json_object_set_new(store, "lsn", json_integer((json_int_t)stats.lsn));
		json_object_set_new(store, "changes", json_integer((json_int_t)stats.changes));
		json_object_set_new(store, "tickets", json_integer((json_int_t)stats.tickets));
		json_object_set_new(store, "claims", json_integer((json_int_t)stats.claims));
		json_object_set_new(store, "rejected", json_integer((json_int_t)stats.rejected));
		json_object_set_new(store, "map_bytes", json_integer((json_int_t)stats.map_size));
		json_object_set_new(store, "used_bytes", json_integer((json_int_t)stats.map_used));
		json_object_set_new(o, "store", store);
		json_object_set_new(o, "quarantined", json_integer((json_int_t)quarantined));
		json_object_set_new(o, "held", json_integer((json_int_t)held));
		json_t *ro = json_object();
		json_object_set_new(ro, "writes_blocked", json_boolean(rs.blocked));
		json_object_set_new(
		    ro, "state",
		    json_string(rs.blocked ? (rs.detected ? "restored-copy-detected" : "restored")
		                           : "normal"));
		json_object_set_new(ro, "own_head", json_integer((json_int_t)rs.head));
		json_object_set_new(ro, "upstream_holds",
		                    rs.target_known ? json_integer((json_int_t)rs.target)
		                                    : json_null());
		json_object_set_new(ro, "replay_pending", json_integer((json_int_t)rs.replay));
		json_object_set_new(o, "restore", ro);
		json_object_set_new(o, "clock_ahead_ms",
		                    own_ahead ? json_integer((json_int_t)(own_ms - now))
		                              : json_null());
		json_t *dm = json_object();
		json_object_set_new(dm, "running", json_boolean(running));
		json_object_set_new(dm, "pid", running ? json_integer(st->pid) : json_null());
		json_object_set_new(dm, "updated_ms",
		                    running ? cli_json_ms(now - file_age(st, now, mono))
		                            : json_null());
		json_object_set_new(dm, "disk_full", json_boolean(running && st->disk_full));
		json_object_set_new(dm, "disk_error",
		                    running && st->disk_full ? json_string(st->disk_detail)
		                                             : json_null());
		json_object_set_new(dm, "disk_retries",
		                    running && st->disk_full ? json_integer(st->disk_retries)
		                                             : json_null());
		json_object_set_new(dm, "listen",
		                    running && strcmp(st->listen, "-") != 0
		                        ? json_string(st->listen)
		                        : json_null());
		json_object_set_new(
		    dm, "integrity",
		    running
		        ? json_pack("{s:I,s:I,s:I}", "divergences", (json_int_t)st->divergences,
		                    "forks", (json_int_t)st->forks, "gaps", (json_int_t)st->gaps)
		        : json_null());
		json_object_set_new(o, "daemon", dm);
		json_object_set_new(o, "upstream",
		                    up ? link_json(st, up, stats.lsn, now, mono)
		                       : (self.upstream[0]
		                              ? json_pack("{s:s,s:s,s:b}", "node", self.upstream,
		                                          "state", "down", "connected", 0)
		                              : json_null()));
		json_t *downs = json_array();
		for (size_t i = 0; i < st->nlinks; i++)
			if (!st->links[i].upstream)
				json_array_append_new(
				    downs, link_json(st, &st->links[i], stats.lsn, now, mono));
		json_object_set_new(o, "downstream", downs);
		svc_nodedir_status_free(st);
		return cli_json_print(o);
	}

	char when[32];
	printf("node         %s (%s%s%s)\n", self.node, svc_role_name(self.role),
	       self.region[0] && self.role == SVC_ROLE_SHOP ? ", region " : "",
	       self.role == SVC_ROLE_SHOP ? self.region : "");
	printf("store        %s: %" PRIu64 " changes, %" PRIu64 " tickets, %" PRIu64
	       " claims, %" PRIu64 " rejected, log at %" PRIu64 "\n",
	       ctx->dir, stats.changes, stats.tickets, stats.claims, stats.rejected, stats.lsn);
	printf("quarantine   %" PRIu64 " change(s), %" PRIu64 " held by a revocation%s\n",
	       quarantined, held, quarantined || held ? " (svcsync quarantine list)" : "");
	if (rs.blocked && rs.target_known)
		printf("restore      %s: writes blocked, fetching own changes back: %" PRIu64
		       " of %" PRIu64 " here\n",
		       rs.detected ? "older copy of the store detected" : "restored from a backup",
		       rs.head, rs.target);
	else if (rs.blocked)
		printf("restore      restored from a backup: writes blocked until the upstream "
		       "has been reached (own changes here through seq %" PRIu64 ")\n",
		       rs.head);
	if (rs.replay)
		printf("replay       %" PRIu64 " change(s) made after the restore kept aside%s\n",
		       rs.replay, rs.blocked ? "" : " (svcsync restore --replay re-enters them)");
	if (own_ahead)
		printf(
		    "clock        WARNING: this node's clock is %.0f s ahead of the wall clock\n",
		    (double)(own_ms - now) / 1000.0);
	if (!running) {
		printf("daemon       not running\n");
	} else if (!st->pid) {
		/* Just started, or its status file could not be read. */
		printf("daemon       running, no status record to show\n");
	} else {
		age_text(when, true, file_age(st, now, mono));
		printf("daemon       running (pid %ld), status %s%s%s\n", st->pid, when,
		       strcmp(st->listen, "-") ? ", listening on " : "",
		       strcmp(st->listen, "-") ? st->listen : "");
		printf("integrity    %" PRIu64 " divergence(s), %" PRIu64 " fork(s), %" PRIu64
		       " gap(s) since start%s\n",
		       st->divergences, st->forks, st->gaps,
		       st->divergences || st->forks || st->gaps ? " (see the daemon's log)" : "");
		if (st->disk_full)
			printf("disk         FULL: %s; %u retries so far, replication resumes by "
			       "itself once space is freed\n",
			       st->disk_detail, st->disk_retries);
	}
	if (self.upstream[0]) {
		if (up) {
			uint64_t age;
			bool known = contact_age(st, up, now, mono, &age);
			age_text(when, known, age);
			printf("upstream     %s %s, last contact %s, %" PRIu64
			       " log entries not yet acknowledged\n",
			       up->node, strcmp(up->state, "up") == 0 ? "connected" : up->state,
			       when, stats.lsn > up->acked ? stats.lsn - up->acked : 0);
			if (up->peer_ms > now + SVC_PROTO_SKEW_WARN_MS)
				printf("             WARNING: %s's clock is %.0f s ahead\n",
				       up->node, (double)(up->peer_ms - now) / 1000.0);
		} else {
			printf("upstream     %s not connected (%s)\n", self.upstream,
			       self.endpoint[0] ? self.endpoint : "no endpoint");
		}
	}
	for (size_t i = 0; i < st->nlinks; i++) {
		const svc_nodedir_link *r = &st->links[i];
		if (r->upstream)
			continue;
		uint64_t age;
		bool known = contact_age(st, r, now, mono, &age);
		age_text(when, known, age);
		printf("downstream   %s %s, last seen %s, backlog %" PRIu64 ", applied %" PRIu64
		       ", quarantined %" PRIu64 "%s\n",
		       r->node, strcmp(r->state, "up") == 0 ? "connected" : r->state, when,
		       stats.lsn > r->acked ? stats.lsn - r->acked : 0, r->applied, r->quarantined,
		       r->peer_ms > now + SVC_PROTO_SKEW_WARN_MS ? ", CLOCK AHEAD" : "");
	}
	svc_nodedir_status_free(st);
	return CLI_OK;
}

int cli_cmd_status(const cli_ctx *ctx, int argc, char **argv)
{
	return status_cmd(ctx, argc, argv);
}

/* ------------------------------------------------------------ quarantine */

static const char quarantine_usage[] =
    "usage: svcsync [--dir DIR] quarantine list [--json]\n"
    "       svcsync [--dir DIR] quarantine release --origin NODE --through-seq S\n"
    "                                          --reason TEXT\n"
    "\n"
    "list: changes this node refused on receipt (a signature or hash that does\n"
    "not verify, a broken chain, an origin that may not make them, a relay\n"
    "outside its subtree), oldest first, with the peer that sent them and the\n"
    "reason. They are kept as received, for audit; the rest of their batch was\n"
    "applied. Then the changes held by a revocation's cut-off (ID \"held\",\n"
    "\"held\": true in JSON): a revoked node's changes above the last seq HQ\n"
    "held when it revoked, kept with their commits but out of this node's state,\n"
    "whatever clock they carry.\n"
    "release (HQ only): after review, let the held changes of revoked node NODE\n"
    "up to seq S back into the state (honest work that was in transit). The\n"
    "release is itself a signed change that every node applies the same way;\n"
    "each held change is folded again at its place and still has to pass every\n"
    "rule there.\n";

struct q_arg {
	cli_list *l;
};

static int q_cb(const svc_quarantined *q, void *argp)
{
	struct q_arg *a = argp;
	svc_change c;
	char id[24], when[32], what[160] = "(undecodable)", who[48] = "-";
	bool ok = svc_codec_change_decode(q->bytes, q->len, &c) == 0;
	svc_errclear();
	if (ok) {
		snprintf(who, sizeof who, "%s/%" PRIu64, c.origin, c.seq);
		cli_change_summary(&c, what, sizeof what);
	}
	if (cli_list_json(a->l)) {
		json_t *o = json_object();
		json_object_set_new(o, "held", json_false());
		json_object_set_new(o, "id", json_integer((json_int_t)q->id));
		json_object_set_new(o, "at_ms", cli_json_ms(q->at_ms));
		json_object_set_new(o, "peer", json_string(q->peer));
		json_object_set_new(o, "reason", json_string(q->reason));
		json_object_set_new(o, "origin", ok ? json_string(c.origin) : json_null());
		json_object_set_new(o, "seq", ok ? json_integer((json_int_t)c.seq) : json_null());
		json_object_set_new(o, "kind",
		                    ok ? json_string(svc_change_kind_name(c.kind)) : json_null());
		json_object_set_new(o, "aggregate", ok ? json_string(c.aggregate) : json_null());
		json_object_set_new(o, "bytes", json_integer((json_int_t)q->len));
		cli_list_obj(a->l, o);
		return 0;
	}
	char reason[96];
	snprintf(id, sizeof id, "%" PRIu64, q->id);
	cli_time(when, q->at_ms);
	cli_oneline(reason, sizeof reason, q->reason, 60);
	const char *cells[] = {id, when, q->peer, who, what, reason};
	cli_list_row(a->l, cells);
	return 0;
}

/* A change held by its origin's revocation cut-off: stored, out of the
 * fold. */
static int held_cb(const svc_logged_change *lc, void *argp)
{
	struct q_arg *a = argp;
	const svc_change *c = &lc->c;
	char who[48], what[160], when[32], reason[96];
	snprintf(who, sizeof who, "%s/%" PRIu64, c->origin, c->seq);
	cli_change_summary(c, what, sizeof what);
	if (cli_list_json(a->l)) {
		json_t *o = json_object();
		json_object_set_new(o, "held", json_true());
		json_object_set_new(o, "id", json_null());
		json_object_set_new(o, "at_ms", json_null());
		json_object_set_new(o, "peer", json_null());
		json_object_set_new(o, "reason", json_string(lc->reason));
		json_object_set_new(o, "origin", json_string(c->origin));
		json_object_set_new(o, "seq", json_integer((json_int_t)c->seq));
		json_object_set_new(o, "kind", json_string(svc_change_kind_name(c->kind)));
		json_object_set_new(o, "aggregate", json_string(c->aggregate));
		json_object_set_new(o, "bytes", json_integer((json_int_t)lc->len));
		cli_list_obj(a->l, o);
		return 0;
	}
	cli_time(when, svc_hlc_ms(c->hlc));
	cli_oneline(reason, sizeof reason, lc->reason, 60);
	const char *cells[] = {"held", when, "-", who, what, reason};
	cli_list_row(a->l, cells);
	return 0;
}

static int quarantine_list(const cli_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID", "RECEIVED", "PEER", "CHANGE", "WHAT", "REASON"};
	cli_args a;
	svc_store *s = NULL;
	svc_txn *t = NULL;
	int rc = cli_parse(&a, "quarantine list", quarantine_usage, "json", 0, argc, argv);
	if (rc || (rc = cli_open(ctx, false, &s)))
		return rc;
	struct q_arg qa = {cli_list_new(cli_flag(&a, "json"), 6, headers, "rlllll")};
	if (svc_txn_begin(s, false, &t) || svc_quarantine_each(t, q_cb, &qa) < 0 ||
	    svc_journal_held_each(t, NULL, held_cb, &qa) < 0)
		rc = cli_fail();
	svc_txn_abort(&t);
	svc_store_close(&s);
	int lrc = cli_list_end(&qa.l);
	return rc ? rc : lrc;
}

static int quarantine_release(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	const char *origin, *reason;
	int64_t through = 0;
	bool given = false;
	uint64_t released = 0;
	int rc = cli_parse(&a, "quarantine release", quarantine_usage,
	                   "origin= through-seq= reason=", 0, argc, argv);
	if (rc || (rc = cli_need(&a, "origin", &origin)) ||
	    (rc = cli_int(&a, "through-seq", &through, &given)) ||
	    (rc = cli_need(&a, "reason", &reason)))
		return rc;
	if (!given)
		return cli_usage(&a, "--through-seq is required");
	if (through < 1)
		return cli_usage(&a, "--through-seq: must be at least 1");
	if ((rc = cli_open(ctx, true, &s)))
		return rc;
	if (svc_identity_release(s, origin, (uint64_t)through, reason, &released)) {
		svc_store_close(&s);
		return cli_fail();
	}
	cli_done_write(ctx, &s);
	printf("released %s through seq %" PRId64 ": %" PRIu64
	       " held change(s) folded again here: %s\n",
	       origin, through, released, reason);
	return CLI_OK;
}

int cli_cmd_quarantine(const cli_ctx *ctx, int argc, char **argv)
{
	static const cli_sub subs[] = {
	    {"list", quarantine_list}, {"release", quarantine_release}, {NULL, NULL}};
	return cli_dispatch(ctx, "quarantine", quarantine_usage, subs, argc, argv);
}

/* ------------------------------------------------------------ verify */

static const char verify_usage[] =
    "usage: svcsync [--dir DIR] verify [--json]\n"
    "\n"
    "Check the whole store: every change's bytes against its hash, every hash\n"
    "chain link where both changes are here, every commit's signature against\n"
    "its origin's certified key and its hash list against the changes held.\n"
    "Gaps (seqs of an origin this node was not sent) are normal for origins it\n"
    "sees filtered. Exit status 1 when anything does not verify.\n";

int cli_cmd_verify(const cli_ctx *ctx, int argc, char **argv)
{
	cli_args a;
	svc_store *s = NULL;
	svc_verify_report r;
	int rc = cli_parse(&a, "verify", verify_usage, "json", 0, argc, argv);
	if (rc || (rc = cli_open(ctx, false, &s)))
		return rc;
	rc = svc_sync_verify(s, &r);
	svc_store_close(&s);
	if (rc)
		return cli_fail();
	bool bad = r.bad_hash || r.broken_chain || r.bad_commits;
	if (cli_flag(&a, "json")) {
		json_t *o = json_pack(
		    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "origins", (json_int_t)r.origins,
		    "changes", (json_int_t)r.changes, "bad_hash", (json_int_t)r.bad_hash,
		    "broken_chain", (json_int_t)r.broken_chain, "gaps", (json_int_t)r.gaps,
		    "commits", (json_int_t)r.commits, "bad_commits", (json_int_t)r.bad_commits,
		    "uncommitted", (json_int_t)r.uncommitted, "ok", !bad);
		json_object_set_new(o, "first_problem", cli_json_opt(r.first_problem));
		cli_json_print(o);
	} else {
		printf("%" PRIu64 " changes from %" PRIu64 " origins: %" PRIu64
		       " bad hashes, %" PRIu64 " broken chain links, %" PRIu64 " gaps; %" PRIu64
		       " commits, %" PRIu64 " do not verify; %" PRIu64
		       " local changes not signed yet\n",
		       r.changes, r.origins, r.bad_hash, r.broken_chain, r.gaps, r.commits,
		       r.bad_commits, r.uncommitted);
	}
	if (bad)
		return cli_failf("store does not verify: %s", r.first_problem);
	return CLI_OK;
}

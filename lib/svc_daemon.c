/*
 * svc_daemon: the running node. See svc_daemon.h.
 *
 * This file is the composition root: it opens the node directory
 * (svc_nodedir), the store, the key and the transport, wires the ZAP
 * handler to the access table (svc_access) and the links
 * (svc_daemon_links.c) to the transport, and runs the loop with its timers.
 *
 * Event flow. Everything happens on one thread, in svc_transport_poll():
 *
 *   wake socket / tick   -> commit local changes (sign) -> pump every link
 *   upstream up/down     -> link event CONNECTED / DISCONNECTED
 *   message from a peer  -> decode -> link event (HELLO, BATCH, ACK, PING)
 *   BATCH applied        -> the other links have something to relay: pump
 *   directory changed    -> rebuild the ZAP key table, close sessions of
 *                           nodes that may no longer connect
 *   a certificate ends   -> (HQ) revoke it; rebuild the table
 *   every second         -> rewrite the status record
 *
 * Clocks. Every timer, timeout, heartbeat and interval (the link machines'
 * `now`, ticks, status and watchdog intervals, disk-full back-off) runs on
 * svc_mono_ms(), which an NTP step or a fixed CMOS battery does not move.
 * The wall clock (svc_journal_now_ms) is data only: the HLC stamped on changes,
 * certificate validity, the times shown in `svcsync status`.
 *
 * Disk full. When applying a batch or signing local changes fails because
 * the file system is full, nothing is lost (the transaction is aborted, the
 * peer keeps the batch, the local changes stay unsigned), but trying again
 * at once would spin. The node logs "disk full" once, retries after 100 ms,
 * then twice as long each time up to 30 s (a batch that arrives in between
 * is refused without touching the store, and the peer is asked to resend
 * at the retry), shows "disk full" in the status file, and logs once more
 * when a write succeeds again.
 */
#include "svc_daemon_int.h"

#include "svc_err.h"
#include "svc_identity.h"
#include "svc_log.h"
#include "svc_local.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#ifdef SVC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define TICK_MS 100
#define STATUS_MS 1000
/* complaints: how often a region's or HQ's daemon escalates overdue
 * complaints, and HQ's grace after a deadline for the region's own
 * escalation to arrive */
#define ESCALATE_MS 30000
#define ESCALATE_GRACE_MS (24 * 3600 * 1000ULL)
#define ZAP_REFRESH_MS (60 * 1000)
#define RELEASE_BATCHES 1
#define DISK_RETRY_MIN_MS 100
#define DISK_RETRY_MAX_MS 30000

/* A write failed for lack of space: say so once, and schedule the next try
 * further out each time. */
void svc_daemon_disk_fail(svc_daemon *d)
{
	if (!d->disk_full) {
		d->disk_full = true;
		d->disk_retries = 0;
		d->disk_backoff_ms = DISK_RETRY_MIN_MS;
		snprintf(d->disk_detail, sizeof d->disk_detail, "%s", svc_errmsg());
		svc_log(SVC_LOG_ERROR, "store",
		        "disk full: %s; changes wait, writes are retried (backing off to %d s)",
		        d->disk_detail, DISK_RETRY_MAX_MS / 1000);
	} else {
		d->disk_retries++;
		d->disk_backoff_ms = d->disk_backoff_ms * 2 > DISK_RETRY_MAX_MS
		                         ? DISK_RETRY_MAX_MS
		                         : d->disk_backoff_ms * 2;
	}
	d->disk_retry_at = svc_mono_ms() + d->disk_backoff_ms;
	d->disk_asked = false;
}

/* A write succeeded. Batches of other peers refused meanwhile need not wait
 * for the next try: the main loop asks for them (not here, in the middle of
 * some link's event). */
void svc_daemon_disk_ok(svc_daemon *d)
{
	if (!d->disk_full)
		return;
	d->disk_full = false;
	d->resend_due = true;
	svc_log(SVC_LOG_INFO, "store", "disk space available again after %u retries",
	        d->disk_retries + 1);
}

/* While the disk is full, writes wait for the next scheduled try. */
bool svc_daemon_disk_wait(const svc_daemon *d)
{
	return d->disk_full && svc_mono_ms() < d->disk_retry_at;
}

int svc_daemon_commit_local(svc_daemon *d)
{
	size_t made = 0;
	if (svc_daemon_disk_wait(d))
		return svc_errf(SVC_ENOSPACE, "%s", d->disk_detail);
	int rc = svc_sync_commit_local(d->store, d->kp, &made);
	if (rc == SVC_ENOSPACE)
		svc_daemon_disk_fail(d);
	else if (rc)
		svc_log(SVC_LOG_ERROR, "store", "signing local changes: %s", svc_errmsg());
	else if (made) {
		svc_daemon_disk_ok(d);
		svc_log(SVC_LOG_DEBUG, "store", "signed %zu commit(s)", made);
	}
	return rc;
}

/*
 * Keep the daemon's footprint independent of the store's size: the pages
 * read while shipping or applying batches are given back every few batches.
 * (Here, not in the main loop: one poll can carry hundreds of batches.)
 */
void svc_daemon_note_batch(svc_daemon *d)
{
	if (++d->batches_since_release >= RELEASE_BATCHES) {
		d->batches_since_release = 0;
		svc_store_release_pages(d->store);
	}
}

static void h_zap_refused(void *arg, const char *key_z85, const char *mechanism, const char *reason)
{
	(void)arg;
	svc_log(SVC_LOG_WARN, "zap", "refused %s client key %s: %s", mechanism,
	        key_z85 ? key_z85 : "-", reason);
}

static void h_zap_admitted(void *arg, const char *node)
{
	(void)arg;
	svc_log(SVC_LOG_DEBUG, "zap", "admitted %s", node);
}

/* ------------------------------------------------------------ ZAP key table */

static void zap_rebuild(svc_daemon *d)
{
	svc_txn *t = NULL;
	int rc = svc_txn_begin(d->store, false, &t);
	if (!rc)
		rc = svc_access_load(d->access, t, d->self.node, svc_journal_now_ms());
	svc_txn_abort(&t);
	if (rc) {
		svc_log(SVC_LOG_ERROR, "zap", "cannot read the directory: %s", svc_errmsg());
		return;
	}
	svc_log(SVC_LOG_DEBUG, "zap", "%zu node(s) may connect", svc_access_count(d->access));
}

static int zap_check(void *arg, const uint8_t pk[32], char node[SVC_ID_LEN], char *reason,
                     size_t rlen)
{
	svc_daemon *d = arg;
	return svc_access_lookup(d->access, pk, svc_journal_now_ms(), node, reason, rlen);
}

struct expired_scan {
	uint64_t now;
	const char *self;
	char (*v)[SVC_ID_LEN];
	size_t n, cap;
};

static int expired_step(const svc_node *n, void *arg)
{
	struct expired_scan *e = arg;
	if (n->revoked || !n->not_after || e->now <= n->not_after || strcmp(n->node, e->self) == 0)
		return 0;
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 8;
		char(*v)[SVC_ID_LEN] = realloc(e->v, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		e->v = v;
		e->cap = cap;
	}
	snprintf(e->v[e->n++], SVC_ID_LEN, "%s", n->node);
	return 0;
}

/*
 * At HQ, a certificate that has expired is revoked as a withdrawal is: its
 * node's later work is then cut off by seq (the last one HQ holds when it
 * notices, within a tick of not_after) rather than by the clock the node
 * stamps, and every node holds the same changes. Until the revocation
 * arrives, nodes refuse what the node stamped after not_after.
 */
static void revoke_expired(svc_daemon *d)
{
	struct expired_scan e = {svc_journal_now_ms(), d->self.node, NULL, 0, 0};
	svc_txn *t;
	if (d->self.role != SVC_ROLE_HQ || svc_txn_begin(d->store, false, &t)) {
		svc_errclear();
		return;
	}
	int rc = svc_fold_node_each(t, expired_step, &e);
	svc_txn_abort(&t);
	if (rc)
		svc_log(SVC_LOG_ERROR, "zap", "cannot read the directory: %s", svc_errmsg());
	for (size_t i = 0; i < e.n; i++) {
		char reason[64];
		svc_node n;
		time_t sec = (time_t)(e.now / 1000);
		struct tm tm;
		snprintf(reason, sizeof reason, "certificate expired");
		if (gmtime_r(&sec, &tm))
			strftime(reason, sizeof reason,
			         "certificate expired (noticed %Y-%m-%d %H:%M:%S UTC)", &tm);
		if (svc_identity_revoke(d->store, e.v[i], reason, NULL)) {
			svc_log(SVC_LOG_ERROR, "zap",
			        "cannot revoke %s, whose certificate expired: %s", e.v[i],
			        svc_errmsg());
			continue;
		}
		memset(&n, 0, sizeof n);
		if (svc_txn_begin(d->store, false, &t) == 0) {
			svc_fold_node_get(t, e.v[i], &n);
			svc_txn_abort(&t);
		}
		svc_errclear();
		svc_log(SVC_LOG_INFO, "zap",
		        "revoked %s: its certificate expired (cut-off seq %llu)", e.v[i],
		        (unsigned long long)n.cutoff_seq);
		d->work = true;
	}
	free(e.v);
}

/* Is this node's upstream revoked in its directory? (the reason into why) */
static bool upstream_revoked(svc_daemon *d, char *why, size_t len)
{
	svc_txn *t;
	svc_node n;
	bool revoked = false;
	if (!d->upstream || svc_txn_begin(d->store, false, &t)) {
		svc_errclear();
		return false;
	}
	if (svc_fold_node_get(t, d->self.upstream, &n) == 0 && n.revoked) {
		revoked = true;
		snprintf(why, len, "%s", n.revoke_reason);
	}
	svc_txn_abort(&t);
	svc_errclear();
	return revoked;
}

/* Connect the upstream DEALER (its key from the enrollment bundle). */
static int upstream_connect(svc_daemon *d)
{
	uint8_t server_pk[32];
	int rc = svc_curve_public(d->self.upstream_pubkey, server_pk);
	if (!rc)
		rc = svc_transport_connect(d->tr, d->self.endpoint, server_pk, d->curve_pk,
		                           d->curve_sk);
	return rc;
}

/*
 * A node below a revoked node (a shop of a withdrawn region) drops its link
 * to it as soon as it learns of the revocation, however that news came
 * (relayed, imported): what the revoked node would send or accept is no
 * longer the network's. A new certificate for the upstream lifts it.
 */
static void upstream_check(svc_daemon *d)
{
	char why[SVC_REASON_LEN];
	if (!d->upstream)
		return;
	bool revoked = upstream_revoked(d, why, sizeof why);
	if (revoked && !d->up_revoked) {
		svc_log(SVC_LOG_WARN, "link",
		        "dropping the link to %s: its certificate is revoked (%s); this node "
		        "needs a new upstream",
		        d->upstream->node, why);
		svc_transport_disconnect(d->tr);
		svc_link_handle(&d->upstream->link, SVC_EV_DISCONNECTED, NULL,
		                svc_journal_now_ms());
		d->up_revoked = true;
	} else if (!revoked && d->up_revoked) {
		svc_log(SVC_LOG_INFO, "link", "%s holds a valid certificate again: reconnecting",
		        d->upstream->node);
		d->up_revoked = false;
		if (upstream_connect(d))
			svc_log(SVC_LOG_ERROR, "link", "cannot connect to %s: %s",
			        d->upstream->node, svc_errmsg());
	}
}

/*
 * Close every connection of the nodes the directory no longer admits
 * (revoked, expired) and of those whose key changed (a superseding
 * certificate): not only the session the daemon serves, but any other
 * connection made with the key, spoken or silent. A node that still holds
 * a valid key reconnects through ZAP.
 */
static void close_gone(const char *node, void *arg)
{
	svc_daemon *d = arg;
	size_t n = svc_transport_kick_node(d->tr, node);
	struct peer *p = svc_daemon_down_find(d, node);
	if (p || n)
		svc_log(SVC_LOG_WARN, "zap",
		        "closing the session of %s: %s (%zu connection(s) shut down)", node,
		        svc_access_admits(d->access, node) ? "its key was replaced"
		                                           : "no longer admitted",
		        n);
	if (p)
		svc_daemon_down_remove(d, p);
}

static void enforce_directory(svc_daemon *d)
{
	svc_access_drain_gone(d->access, close_gone, d);
	upstream_check(d);
	for (size_t i = 0; i < d->ndowns;) {
		struct peer *p = d->downs[i];
		if (svc_access_admits(d->access, p->node)) {
			i++;
			continue;
		}
		size_t n = svc_transport_kick_node(d->tr, p->node);
		svc_log(
		    SVC_LOG_WARN, "zap",
		    "closing the session of %s: no longer admitted (%zu connection(s) shut down)",
		    p->node, n);
		svc_daemon_down_remove(d, p);
	}
}

void svc_daemon_directory_changed(svc_daemon *d)
{
	zap_rebuild(d);
	enforce_directory(d);
}

/* ------------------------------------------------------------ local work */

/* The next try after a write failed for lack of space: sign local changes
 * again and have the refused batches sent again. */
static void disk_retry(svc_daemon *d, uint64_t now)
{
	d->disk_asked = true;
	d->work = true;
	svc_daemon_ask_resend(d, now);
}

struct directory_scan {
	const char *hq;
	bool found;
};

/* Directory changes are issued by HQ alone: decode nothing else. */
static bool directory_want(uint64_t lsn, const char *origin, uint64_t seq, void *arg)
{
	const struct directory_scan *ds = arg;
	(void)lsn;
	(void)seq;
	return strcmp(origin, ds->hq) == 0;
}

static int directory_step(const svc_logged_change *lc, void *arg)
{
	struct directory_scan *ds = arg;
	if (lc->c.kind == SVC_CK_NODE_CERT || lc->c.kind == SVC_CK_NODE_REVOKE ||
	    lc->c.kind == SVC_CK_QUARANTINE_RELEASE) {
		ds->found = true;
		return 1;
	}
	return 0;
}

/* Has the arrival log grown since we last looked (a CLI write)? If so, did
 * it bring directory changes (HQ's `node revoke`, `enroll approve`)? */
static bool log_grew(svc_daemon *d, bool *directory)
{
	svc_txn *t;
	uint64_t lsn = d->last_lsn;
	struct directory_scan ds = {d->self.hq_node, false};
	if (svc_txn_begin(d->store, false, &t) == 0) {
		svc_journal_last(t, &lsn);
		if (lsn > d->last_lsn)
			svc_journal_each_from_want(t, d->last_lsn + 1, directory_want,
			                           directory_step, &ds);
		svc_txn_abort(&t);
	}
	*directory = ds.found;
	bool grew = lsn != d->last_lsn;
	d->last_lsn = lsn;
	return grew;
}

/*
 * A renewal accepted at this node (`enroll accept` of a renewed bundle while
 * the daemon runs) may name a new endpoint or key for the upstream: the
 * link is dropped and made again to where the bundle points, with the same
 * store and checkpoints, so replication resumes where it was.
 */
static void upstream_moved(svc_daemon *d)
{
	svc_txn *t;
	svc_self now;
	bool ok = false;
	if (!d->upstream || svc_txn_begin(d->store, false, &t)) {
		svc_errclear();
		return;
	}
	ok = svc_self_get(t, &now) == 0;
	svc_txn_abort(&t);
	svc_errclear();
	if (!ok || (strcmp(now.endpoint, d->self.endpoint) == 0 &&
	            memcmp(now.upstream_pubkey, d->self.upstream_pubkey, SVC_PK_LEN) == 0)) {
		if (ok)
			d->self.cert = now.cert;
		return;
	}
	svc_log(SVC_LOG_INFO, "link",
	        "renewed enrollment: upstream %s now at %s (was %s); "
	        "reconnecting",
	        d->upstream->node, now.endpoint, d->self.endpoint);
	svc_transport_disconnect(d->tr);
	svc_link_handle(&d->upstream->link, SVC_EV_DISCONNECTED, NULL, svc_mono_ms());
	snprintf(d->self.endpoint, sizeof d->self.endpoint, "%s", now.endpoint);
	memcpy(d->self.upstream_pubkey, now.upstream_pubkey, SVC_PK_LEN);
	d->self.cert = now.cert;
	if (!d->up_revoked && upstream_connect(d))
		svc_log(SVC_LOG_ERROR, "link", "cannot connect to %s at %s: %s", d->upstream->node,
		        d->self.endpoint, svc_errmsg());
}

static void do_work(svc_daemon *d)
{
	bool directory = false;
	if (d->work)
		upstream_moved(d);
	if (log_grew(d, &directory) || d->work) {
		d->work = false;
		if (directory)
			svc_daemon_directory_changed(d);
		svc_daemon_commit_local(d);
		svc_daemon_pump_all(d);
	}
}

static void drain_wake(svc_daemon *d)
{
	svc_nodedir_wake_drain(d->wake_fd);
	if (d->cfg.commit_delay_ms > 0) {
		/* Let a burst of CLI writes land in one commit. */
		struct timespec ts = {0, (long)d->cfg.commit_delay_ms * 1000000L};
		nanosleep(&ts, NULL);
	}
	d->work = true;
}

/* complaints: escalation once the deadline passed is the daemon's duty, a
 * change like any other (operator svcsyncd), committed and sent with the
 * next batch. */
static void escalate_overdue(svc_daemon *d)
{
	size_t n = 0;
	if (d->disk_full || svc_local_complaint_escalate_overdue(d->store, svc_journal_now_ms(),
	                                                         ESCALATE_GRACE_MS, &n) != 0) {
		if (!d->disk_full)
			svc_log(SVC_LOG_WARN, "complaints", "escalating overdue complaints: %s",
			        svc_errmsg());
		return;
	}
	if (n) {
		svc_log(SVC_LOG_INFO, "complaints", "escalated %zu overdue complaint%s to HQ", n,
		        n == 1 ? "" : "s");
		d->work = true;
	}
}

static void reload(svc_daemon *d)
{
	if (!d->config_path[0]) {
		svc_log(SVC_LOG_INFO, "config", "SIGHUP: no config file to reload");
		return;
	}
	/* From the defaults, not the running config: a key removed from the
	 * file goes back to its default. */
	svc_config c;
	svc_config_defaults(&c);
	if (svc_config_load(&c, d->config_path)) {
		svc_log(SVC_LOG_ERROR, "config", "%s; not reloading", svc_errmsg());
		return;
	}
	if (strcmp(c.listen, d->cfg.listen) != 0 || (c.dir[0] && strcmp(c.dir, d->cfg.dir)))
		svc_log(SVC_LOG_WARN, "config", "listen and dir changes need a restart");
	snprintf(c.listen, sizeof c.listen, "%s", d->cfg.listen);
	snprintf(c.dir, sizeof c.dir, "%s", d->cfg.dir);
	if (c.reconnect_ms != d->cfg.reconnect_ms ||
	    c.reconnect_max_ms != d->cfg.reconnect_max_ms || c.max_message != d->cfg.max_message)
		svc_log(SVC_LOG_WARN, "config", "reconnect and max_message changes need a restart");
	c.reconnect_ms = d->cfg.reconnect_ms;
	c.reconnect_max_ms = d->cfg.reconnect_max_ms;
	c.max_message = d->cfg.max_message;
	d->cfg = c;
	svc_log_set_level(c.log_level);
	/* Window and heartbeat apply to the links that are up now, too. */
	if (d->upstream)
		svc_daemon_link_tune(d, &d->upstream->link);
	for (size_t i = 0; i < d->ndowns; i++)
		svc_daemon_link_tune(d, &d->downs[i]->link);
	svc_log(SVC_LOG_INFO, "config", "reloaded %s", d->config_path);
}

static void h_fd_ready(void *arg, int fd)
{
	svc_daemon *d = arg;
	if (fd == d->wake_fd) {
		drain_wake(d);
		return;
	}
	if (fd == d->sig_fd) {
		struct signalfd_siginfo si;
		while (read(d->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (si.ssi_signo == SIGHUP) {
				reload(d);
			} else {
				svc_log(SVC_LOG_INFO, "daemon", "signal %u: stopping",
				        si.ssi_signo);
				d->stop = true;
			}
		}
	}
}

/* ------------------------------------------------------------ status file */

static void status_link(const struct peer *p, uint64_t now, uint64_t mono, svc_nodedir_link *l)
{
	/* The link machine keeps last contact on the monotonic clock:
	 * written as its age, and as the wall time that age means now. */
	uint64_t rx = p->link.last_rx_ms;
	uint64_t age = rx && mono >= rx ? mono - rx : 0;
	memset(l, 0, sizeof *l);
	snprintf(l->node, sizeof l->node, "%s", p->node);
	l->upstream = p->up;
	snprintf(l->state, sizeof l->state, "%s", svc_link_state_name(p->link.state));
	l->last_rx = rx && now > age ? now - age : 0;
	l->acked = p->link.acked;
	l->sent = p->link.send_after;
	l->applied = p->applied;
	l->quarantined = p->quarantined;
	l->peer_ms = svc_hlc_ms(p->link.peer_hlc);
	l->errors = p->link.protocol_errors;
	l->has_age = true;
	l->never = !rx;
	l->rx_age = age;
}

static void write_status(svc_daemon *d)
{
	svc_nodedir_status st;
	uint64_t now = svc_journal_now_ms(), mono = svc_mono_ms();
	memset(&st, 0, sizeof st);
	st.links = calloc(1 + d->ndowns, sizeof *st.links);
	if (!st.links)
		return;
	st.pid = (long)getpid();
	st.started = d->started;
	st.updated = now;
	st.lsn = d->last_lsn;
	snprintf(st.listen, sizeof st.listen, "%s", d->bound);
	st.divergences = d->divergences;
	st.forks = d->forks;
	st.gaps = d->gaps;
	st.has_mono = true;
	st.mono = mono;
	st.disk_full = d->disk_full;
	st.disk_retries = d->disk_retries;
	snprintf(st.disk_detail, sizeof st.disk_detail, "%s", d->disk_detail);
	if (d->upstream)
		status_link(d->upstream, now, mono, &st.links[st.nlinks++]);
	for (size_t i = 0; i < d->ndowns; i++)
		status_link(d->downs[i], now, mono, &st.links[st.nlinks++]);
	if (svc_nodedir_status_write(&d->nd, &st))
		svc_log(SVC_LOG_DEBUG, "daemon", "%s", svc_errmsg());
	free(st.links);
}

/* ------------------------------------------------------------ set-up */

static int take_lock(svc_daemon *d)
{
	long holder;
	int rc = svc_nodedir_lock(&d->nd, true, &d->lock_fd, &holder);
	if (rc != SVC_EBUSY)
		return rc;
	char pid[32] = "?";
	if (holder)
		snprintf(pid, sizeof pid, "%ld", holder);
	return svc_errf(SVC_EBUSY, "another svcsyncd (pid %s) is running on %s", pid, d->cfg.dir);
}

static int open_wake(svc_daemon *d)
{
	int rc = svc_nodedir_wake_open(&d->nd, &d->wake_fd);
	if (!rc && d->wake_fd < 0)
		svc_log(SVC_LOG_WARN, "daemon",
		        "node directory path too long for wake.sock; "
		        "local changes ship within %d ms",
		        TICK_MS);
	return rc;
}

static int open_signals(svc_daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return svc_errf(SVC_EIO, "sigprocmask: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd < 0)
		return svc_errf(SVC_EIO, "signalfd: %s", strerror(errno));
	return 0;
}

static int load_self(svc_daemon *d)
{
	svc_txn *t;
	int rc = svc_txn_begin(d->store, false, &t);
	if (rc)
		return rc;
	svc_restore_state r;
	rc = svc_self_get(t, &d->self);
	if (!rc)
		svc_journal_last(t, &d->last_lsn);
	if (!rc)
		rc = svc_restore_get(t, &r);
	svc_txn_abort(&t);
	if (rc)
		return rc;
	d->restore_blocked = r.blocked;
	if (r.blocked)
		svc_log(SVC_LOG_WARN, "store",
		        "restored: local writes are blocked until %s's own changes are fetched "
		        "back from %s",
		        d->self.node, d->self.upstream[0] ? d->self.upstream : "its upstream");
	if (!d->self.enrolled)
		return svc_errf(SVC_EINVAL,
		                "node %s is not enrolled yet: run 'svcsync enroll request' here, "
		                "'svcsync enroll approve' at HQ, then 'svcsync enroll accept'",
		                d->self.node);
	if (memcmp(d->self.pubkey, d->kp->pk, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EKEY, "%s in %s is not the key of node %s", SVC_KEY_FILE,
		                d->cfg.dir, d->self.node);
	return 0;
}

int svc_daemon_new(const svc_config *cfg, const char *config_path, svc_daemon **out)
{
	svc_daemon *d = calloc(1, sizeof *d);
	int rc;
	*out = NULL;
	if (!d)
		return svc_errf(SVC_ENOMEM, "out of memory");
	d->cfg = *cfg;
	d->lock_fd = d->wake_fd = d->sig_fd = -1;
	d->started = svc_journal_now_ms();
	if (config_path)
		snprintf(d->config_path, sizeof d->config_path, "%s", config_path);
	svc_log_set_level(cfg->log_level);

	if ((rc = svc_crypto_init()) || (rc = svc_crypto_harden_process()) ||
	    (rc = svc_access_new(&d->access)))
		goto fail;
	if ((rc = svc_nodedir_init(&d->nd, cfg->dir)) || (rc = take_lock(d)))
		goto fail;
	if ((rc = svc_store_open(cfg->dir, 0, &d->store)))
		goto fail;
	uint64_t rebuilt = 0;
	if ((rc = svc_fold_store_refresh(d->store, &rebuilt)))
		goto fail;
	if (rebuilt)
		svc_log(SVC_LOG_INFO, "store",
		        "rebuilt the indexes and tallies of %llu records for this version",
		        (unsigned long long)rebuilt);
	if ((rc = svc_identity_key(cfg->dir, &d->kp)))
		goto fail;
	if ((rc = load_self(d)))
		goto fail;
	d->curve_sk = svc_secure_alloc(32);
	if (!d->curve_sk) {
		rc = svc_errf(SVC_ENOMEM, "out of secure memory");
		goto fail;
	}
	if ((rc = svc_curve_public(d->kp->pk, d->curve_pk)) ||
	    (rc = svc_curve_secret(d->kp, d->curve_sk)))
		goto fail;
	if ((rc = open_signals(d)) || (rc = open_wake(d)))
		goto fail;

	svc_transport_opts topts = {cfg->max_message, cfg->heartbeat_ms, cfg->reconnect_ms,
	                            cfg->reconnect_max_ms};
	svc_transport_handlers h = {
	    .zap_refused = h_zap_refused,
	    .zap_admitted = h_zap_admitted,
	    .fd_ready = h_fd_ready,
	};
	svc_daemon_link_handlers(&h);
	if ((rc = svc_transport_new(&topts, &h, d, &d->tr)))
		goto fail;
	svc_transport_watch_fd(d->tr, d->sig_fd);
	if (d->wake_fd >= 0)
		svc_transport_watch_fd(d->tr, d->wake_fd);

	if (cfg->listen[0]) {
		zap_rebuild(d);
		rc = svc_transport_listen(d->tr, cfg->listen, d->curve_pk, d->curve_sk, zap_check,
		                          d, d->bound, sizeof d->bound);
		if (rc)
			goto fail;
		/* Fail closed: refuse to run a listener that lets a stranger in. */
		rc = svc_transport_selftest(d->tr, d->bound, d->curve_pk, 3000);
		if (rc) {
			svc_errctx(rc, "listener self-check failed");
			goto fail;
		}
		svc_log(SVC_LOG_INFO, "daemon", "listening on %s (unknown keys refused: checked)",
		        d->bound);
	}
	if (d->self.upstream[0] && d->self.endpoint[0]) {
		uint8_t server_pk[32];
		if ((rc = svc_curve_public(d->self.upstream_pubkey, server_pk)))
			goto fail;
		d->upstream = svc_daemon_peer_new(d, d->self.upstream, true);
		if (!d->upstream) {
			rc = svc_errf(SVC_ENOMEM, "out of memory");
			goto fail;
		}
		svc_daemon_peer_view(d, d->upstream);
		svc_errclear();
		char why[SVC_REASON_LEN];
		if (upstream_revoked(d, why, sizeof why)) {
			d->up_revoked = true;
			svc_log(
			    SVC_LOG_WARN, "daemon",
			    "upstream %s is revoked (%s): not connecting; this node needs a new "
			    "upstream",
			    d->self.upstream, why);
		} else {
			rc = svc_transport_connect(d->tr, d->self.endpoint, server_pk, d->curve_pk,
			                           d->curve_sk);
			if (rc)
				goto fail;
			svc_log(SVC_LOG_INFO, "daemon", "upstream %s at %s", d->self.upstream,
			        d->self.endpoint);
		}
	}
	*out = d;
	return 0;
fail:
	svc_daemon_destroy(&d);
	return rc;
}

static void notify(const char *state)
{
#ifdef SVC_HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

int svc_daemon_run(svc_daemon *d)
{
	char ready[512];
	snprintf(ready, sizeof ready, "READY=1\nSTATUS=node %s (%s) %s%s", d->self.node,
	         svc_role_name(d->self.role), d->bound[0] ? "listening on " : "",
	         d->bound[0] ? d->bound : "");
	notify(ready);
#ifdef SVC_HAVE_SYSTEMD
	if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
		d->watchdog_usec = 0;
#endif
	svc_log(SVC_LOG_INFO, "daemon", "node %s (%s) running, store %s", d->self.node,
	        svc_role_name(d->self.role), d->cfg.dir);
	d->work = true;
	while (!d->stop) {
		int rc = svc_transport_poll(d->tr, TICK_MS);
		if (rc) {
			svc_log(SVC_LOG_ERROR, "daemon", "%s", svc_errmsg());
			return rc;
		}
		if (d->stop)
			break;
		uint64_t now = svc_mono_ms();
		if (d->disk_full && !d->disk_asked && now >= d->disk_retry_at)
			disk_retry(d, now);
		if (d->resend_due) {
			d->resend_due = false;
			svc_daemon_ask_resend(d, now);
		}
		do_work(d);
		if (now >= d->next_tick) {
			d->next_tick = now + TICK_MS;
			if (d->upstream)
				svc_link_handle(&d->upstream->link, SVC_EV_TICK, NULL, now);
			for (size_t i = 0; i < d->ndowns; i++)
				svc_link_handle(&d->downs[i]->link, SVC_EV_TICK, NULL, now);
		}
		if (now >= d->next_status) {
			d->next_status = now + STATUS_MS;
			write_status(d);
		}
		if (now >= d->next_escalate) {
			d->next_escalate = now + ESCALATE_MS;
			escalate_overdue(d);
		}
		if (d->batches_since_release && now >= d->next_status - STATUS_MS / 2) {
			d->batches_since_release = 0;
			svc_store_release_pages(d->store);
		}
		uint64_t expiry = svc_access_expiry(d->access);
		if ((now >= d->next_zap || (expiry && svc_journal_now_ms() > expiry)) &&
		    d->cfg.listen[0]) {
			/* Certificates expire with time, not only by changes:
			 * rebuild when the first one in the table ends (its
			 * session is closed within a tick) and once a minute. */
			d->next_zap = now + ZAP_REFRESH_MS;
			revoke_expired(d);
			svc_daemon_directory_changed(d);
		}
		if (d->watchdog_usec && now >= d->next_watchdog) {
			d->next_watchdog = now + d->watchdog_usec / 2000;
			notify("WATCHDOG=1");
		}
		svc_log_tick();
	}
	notify("STOPPING=1");
	write_status(d);
	svc_log_flush(); /* lines held back would be lost untold */
	svc_log(SVC_LOG_INFO, "daemon", "stopped");
	return 0;
}

void svc_daemon_destroy(svc_daemon **dp)
{
	svc_daemon *d = dp ? *dp : NULL;
	if (!d)
		return;
	svc_transport_destroy(&d->tr);
	svc_daemon_peer_free(d->upstream);
	for (size_t i = 0; i < d->ndowns; i++)
		svc_daemon_peer_free(d->downs[i]);
	free(d->downs);
	svc_access_destroy(&d->access);
	if (d->curve_sk)
		svc_secure_free(d->curve_sk);
	svc_keypair_destroy(&d->kp);
	svc_store_close(&d->store);
	svc_nodedir_wake_close(&d->nd, &d->wake_fd);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	svc_nodedir_unlock(&d->lock_fd);
	free(d);
	*dp = NULL;
}

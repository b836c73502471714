/*
 * svc_daemon: the running node. See svc_daemon.h.
 *
 * Event flow. Everything happens on one thread, in svc_transport_poll():
 *
 *   wake socket / tick   -> commit local changes (sign) -> pump every link
 *   upstream up/down     -> link event CONNECTED / DISCONNECTED
 *   message from a peer  -> decode -> link event (HELLO, BATCH, ACK, PING)
 *   BATCH applied        -> the other links have something to relay: pump
 *   directory changed    -> rebuild the ZAP key table, close sessions of
 *                           nodes that may no longer connect
 *
 * A batch is applied in one LMDB transaction before its ACK is sent, so a
 * crash at any point loses nothing: the peer resends from the checkpoint it
 * finds in our next HELLO, and duplicates are dropped on arrival.
 *
 * Peers are known by the node id ZAP authenticated (downstream) or by the
 * enrollment bundle (upstream); nothing inside a message can claim to be
 * someone else.
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
#include "svc_daemon.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_log.h"
#include "svc_proto.h"
#include "svc_apply.h"
#include "svc_sync.h"
#include "svc_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifdef SVC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define TICK_MS 100
#define STATUS_MS 1000
#define SKEW_WARN_MS (5 * 60 * 1000)
#define ZAP_REFRESH_MS (60 * 1000)
#define RELEASE_BATCHES 1
#define DISK_RETRY_MIN_MS 100
#define DISK_RETRY_MAX_MS 30000

struct peer {
	svc_daemon *d;
	bool up;                 /* this is the upstream link */
	char node[SVC_ID_LEN];
	uint8_t rid[256];
	size_t rid_len;
	svc_link link;
	svc_peer_view pv;
	svc_heads skip;
	uint64_t applied, quarantined;
	/* Upstream batches in flight that carry own changes: the highest own
	 * seq of each, confirmed by an ACK without quarantine. */
	struct {
		uint64_t id, own_last;
	} sent_own[SVC_LINK_WINDOW_MAX];
	size_t nsent_own;
	bool rehello; /* a restore was detected while applying a batch */
	bool resend; /* a batch of it was refused for lack of space: ask again */
};

typedef struct {
	uint8_t curve_pk[32];
	char node[SVC_ID_LEN];
	uint64_t not_after; /* the certificate's end: checked again at each handshake */
} zap_entry;

struct svc_daemon {
	svc_config cfg;
	char config_path[4096];
	svc_store *store;
	svc_keypair *kp;
	uint8_t curve_pk[32];
	uint8_t *curve_sk;
	svc_self self;
	svc_transport *tr;
	char bound[256];
	int lock_fd, wake_fd, sig_fd;
	bool stop;

	struct peer *upstream; /* NULL at HQ */
	bool up_revoked;       /* the upstream's certificate is revoked: link dropped */
	struct peer **downs;
	size_t ndowns;

	zap_entry *zap;
	size_t nzap;
	char up_detail[256]; /* the last upstream failure logged */
	uint64_t zap_expiry;     /* earliest not_after in the table (0: none) */
	/* Nodes a key of which the last rebuild took out of the table (revoked,
	 * expired, superseded): enforce_directory closes all their connections. */
	char (*zap_gone)[SVC_ID_LEN];
	size_t nzap_gone;

	bool work;               /* local changes or relayed ones to ship */
	bool restore_blocked;    /* restored: fetching own changes back from upstream */
	uint64_t last_lsn;       /* arrival log position last seen */
	uint64_t next_tick, next_status, next_watchdog, next_zap, watchdog_usec;
	unsigned batches_since_release; /* batches built or applied */
	uint64_t started;
	/* Integrity events since start, for status: resume points beyond
	 * this node's log, forks quarantined, batches refused for a hole. */
	uint64_t divergences, forks, gaps;

	bool disk_full;           /* the last write failed for lack of space */
	unsigned disk_retries;    /* writes tried since, and failed */
	uint64_t disk_backoff_ms; /* the wait before the next try */
	uint64_t disk_retry_at;   /* monotonic ms: no write is tried before */
	bool disk_asked;          /* peers were asked to resend for this try */
	bool resend_due;          /* space again: ask the peers still refused */
	char disk_detail[256];    /* the error of the first failed write */
};

static svc_build_limits limits_of(const svc_daemon *d)
{
	svc_build_limits l = {d->cfg.batch_changes, d->cfg.batch_bytes, 50000};
	return l;
}

static const char *peer_tag(const struct peer *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "link %s", p->node);
	return buf;
}

/* ------------------------------------------------------------ sending */

static int send_msg(struct peer *p, const svc_msg *m)
{
	uint8_t *buf;
	size_t len;
	int rc = svc_msg_encode(m, &buf, &len);
	if (rc)
		return rc;
	if (p->up)
		rc = svc_transport_send_up(p->d->tr, buf, len);
	else
		rc = svc_transport_send_down(p->d->tr, p->rid, p->rid_len, buf, len);
	free(buf);
	return rc;
}

static uint64_t hlc_now(svc_daemon *d)
{
	(void)d;
	return svc_journal_now_ms() << 16;
}

/* ------------------------------------------------------------ restores */

/*
 * The HELLO to the upstream lists this node's own origin at the seq it
 * knows the network shares with it, not at its head: the upstream then
 * sends back everything of this node above that, the changes made after a
 * backup and the network's versions of any seq a write after a restore
 * re-used (see "Restores" in svc_journal_restore.c).
 */
static int restore_heads(svc_txn *t, svc_daemon *d, svc_heads *h)
{
	svc_restore_state r;
	int rc = svc_restore_get(t, &r);
	if (rc || (!r.confirmed_known && !r.blocked))
		return rc; /* a store from before confirmations: its head, as before */
	for (size_t i = 0; i < h->n; i++) {
		if (strcmp(h->heads[i].origin, d->self.node) == 0) {
			if (h->heads[i].seq > r.confirmed)
				h->heads[i].seq = r.confirmed;
			return 0;
		}
	}
	svc_origin_head *v = realloc(h->heads, (h->n + 1) * sizeof *v);
	if (!v)
		return svc_errf(SVC_ENOMEM, "out of memory");
	h->heads = v;
	snprintf(v[h->n].origin, sizeof v[h->n].origin, "%s", d->self.node);
	v[h->n++].seq = r.confirmed;
	return 0;
}

struct restore_arg {
	uint64_t upstream_has, confirm;
	bool hello;
	svc_restore_event ev;
	svc_restore_state r;
	uint8_t store_id[16];
};

static int restore_fn(svc_txn *t, void *argp)
{
	struct restore_arg *a = argp;
	int rc;
	if (a->confirm)
		rc = svc_restore_confirm(t, a->confirm);
	else if (a->hello)
		rc = svc_restore_hello(t, a->upstream_has, &a->ev);
	else
		rc = svc_restore_progress(t, &a->ev);
	svc_self self;
	if (!rc)
		rc = svc_self_get(t, &self);
	if (!rc)
		memcpy(a->store_id, self.store_id, 16);
	return rc ? rc : svc_restore_get(t, &a->r);
}

/* The upstream acknowledged a batch without quarantining anything: it holds
 * this node's own changes in it as they are here. */
static void restore_acked(svc_daemon *d, struct peer *p, const svc_ack *ack)
{
	struct restore_arg a;
	char tag[64];
	size_t i;
	for (i = 0; i < p->nsent_own; i++)
		if (p->sent_own[i].id == ack->id)
			break;
	if (i == p->nsent_own)
		return;
	memset(&a, 0, sizeof a);
	a.confirm = p->sent_own[i].own_last;
	memmove(&p->sent_own[0], &p->sent_own[i + 1], (p->nsent_own - i - 1) * sizeof p->sent_own[0]);
	p->nsent_own -= i + 1;
	if (ack->quarantined)
		return;
	if (svc_store_write(d->store, restore_fn, &a))
		svc_log(SVC_LOG_ERROR, peer_tag(p, tag, sizeof tag), "restore state: %s",
			svc_errmsg());
}

/* Take a new store id (after a detected restore) into every link. */
static void adopt_store_id(svc_daemon *d)
{
	svc_txn *t;
	if (svc_txn_begin(d->store, false, &t))
		return;
	if (svc_self_get(t, &d->self) == 0) {
		if (d->upstream)
			memcpy(d->upstream->link.my_store_id, d->self.store_id, 16);
		for (size_t i = 0; i < d->ndowns; i++)
			memcpy(d->downs[i]->link.my_store_id, d->self.store_id, 16);
	}
	svc_txn_abort(&t);
}

/*
 * Compare what the upstream holds of this node's own origin (its HELLO, or
 * nothing new for a batch) with the store. Returns true when the store was
 * found to be an older copy: the caller then says HELLO again, announcing
 * the new store id and asking for this node's own history back.
 */
static bool restore_check(svc_daemon *d, struct peer *p, const svc_hello *h)
{
	struct restore_arg a;
	char tag[64];
	memset(&a, 0, sizeof a);
	if (h) {
		a.hello = true;
		for (size_t i = 0; i < h->nheads; i++)
			if (strcmp(h->heads[i].origin, d->self.node) == 0)
				a.upstream_has = h->heads[i].seq;
	} else if (!d->restore_blocked) {
		/* After a batch, only a change sent back that differed can have
		 * changed anything (a new store id): a read tells. */
		svc_txn *t;
		svc_self self;
		bool same = false;
		if (svc_txn_begin(d->store, false, &t) == 0) {
			same = svc_self_get(t, &self) == 0 &&
			       memcmp(self.store_id, d->self.store_id, 16) == 0;
			svc_txn_abort(&t);
		}
		svc_errclear();
		if (same)
			return false;
	}
	if (svc_store_write(d->store, restore_fn, &a)) {
		svc_log(SVC_LOG_ERROR, peer_tag(p, tag, sizeof tag), "restore state: %s",
			svc_errmsg());
		return false;
	}
	bool diverged = !a.hello && memcmp(a.store_id, d->self.store_id, 16) != 0;
	d->restore_blocked = a.r.blocked;
	if (diverged) {
		/* A change sent back differed from the store's (svc_journal_restore.c). */
		adopt_store_id(d);
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
			"this store is an older copy that went on writing: %s holds other "
			"changes of %s under the same seqs (through seq %llu); this store's are "
			"kept aside, and local writes are blocked until the network's are back",
			p->node, d->self.node, (unsigned long long)a.r.target);
		return true;
	}
	if (a.ev == SVC_RESTORE_DETECTED) {
		adopt_store_id(d);
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
			"this store is an older copy: %s holds %s's changes through seq %llu, the "
			"store only through %llu; local writes are blocked until they are fetched "
			"back",
			p->node, d->self.node, (unsigned long long)a.r.target,
			(unsigned long long)a.r.head);
		return true;
	}
	if (a.ev == SVC_RESTORE_CAUGHT_UP)
		svc_log(SVC_LOG_INFO, peer_tag(p, tag, sizeof tag),
			"caught up after the restore: own changes through seq %llu are back; "
			"local writes allowed again%s",
			(unsigned long long)a.r.target,
			a.r.replay ? " (changes kept aside: svcsync restore --replay)" : "");
	return false;
}

/* ------------------------------------------------------------ link ops */

static int op_send_hello(void *ctx, svc_link *l)
{
	struct peer *p = ctx;
	svc_daemon *d = p->d;
	svc_txn *t;
	svc_peer pe;
	svc_heads heads;
	svc_msg m;
	static const uint8_t zero[16];

	uint64_t head = 0;

	int rc = svc_txn_begin(d->store, false, &t);
	if (rc)
		return rc;
	rc = svc_peer_get(t, p->node, &pe);
	if (!rc)
		rc = svc_journal_last(t, &head);
	if (!rc)
		rc = svc_sync_heads_for(t, &p->pv, &heads);
	if (!rc && p->up)
		rc = restore_heads(t, d, &heads);
	svc_txn_abort(&t);
	if (rc)
		return rc;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_HELLO;
	m.u.hello.version = SVC_PROTO_VERSION;
	snprintf(m.u.hello.node, sizeof m.u.hello.node, "%s", d->self.node);
	memcpy(m.u.hello.store_id, d->self.store_id, 16);
	if (memcmp(pe.store_id, zero, 16) != 0) {
		m.u.hello.checkpoint = pe.recv_lsn;
		m.u.hello.has_your_store_id = true;
		memcpy(m.u.hello.your_store_id, pe.store_id, 16);
	}
	if (p->up)
		p->nsent_own = 0; /* a new conversation: earlier batches are sent again */
	m.u.hello.nheads = heads.n;
	m.u.hello.heads = heads.heads;
	m.u.hello.hlc = hlc_now(d);
	m.u.hello.ping_ms = (uint32_t)p->link.ping_ms;
	m.u.hello.log_head = head;
	rc = send_msg(p, &m);
	svc_heads_free(&heads);
	if (!rc)
		l->head_announced = head;
	return rc;
}

/* A write failed for lack of space: say so once, and schedule the next try
 * further out each time. */
static void disk_fail(svc_daemon *d)
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
static void disk_ok(svc_daemon *d)
{
	if (!d->disk_full)
		return;
	d->disk_full = false;
	d->resend_due = true;
	svc_log(SVC_LOG_INFO, "store", "disk space available again after %u retries",
		d->disk_retries + 1);
}

/* While the disk is full, writes wait for the next scheduled try. */
static bool disk_wait(const svc_daemon *d)
{
	return d->disk_full && svc_mono_ms() < d->disk_retry_at;
}

static int commit_local(svc_daemon *d)
{
	size_t made = 0;
	if (disk_wait(d))
		return svc_errf(SVC_ENOSPACE, "%s", d->disk_detail);
	int rc = svc_sync_commit_local(d->store, d->kp, &made);
	if (rc == SVC_ENOSPACE)
		disk_fail(d);
	else if (rc)
		svc_log(SVC_LOG_ERROR, "store", "signing local changes: %s", svc_errmsg());
	else if (made) {
		disk_ok(d);
		svc_log(SVC_LOG_DEBUG, "store", "signed %zu commit(s)", made);
	}
	return rc;
}

/*
 * Keep the daemon's footprint independent of the store's size: the pages
 * read while shipping or applying batches are given back every few batches.
 * (Here, not in the main loop: one poll can carry hundreds of batches.)
 */
static void note_batch(svc_daemon *d)
{
	if (++d->batches_since_release >= RELEASE_BATCHES) {
		d->batches_since_release = 0;
		svc_store_release_pages(d->store);
	}
}

static int op_send_batch(void *ctx, svc_link *l, uint64_t id, uint64_t after, uint64_t *to_lsn,
			 bool *sent)
{
	struct peer *p = ctx;
	svc_daemon *d = p->d;
	svc_build_limits lim = limits_of(d);
	svc_build_result res;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;
	(void)l;

	*sent = false;
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = svc_sync_build(d->store, &p->pv, after, &p->skip, &lim, id, &buf, &len, &res);
		if (rc)
			return rc;
		if (!res.blocked || res.nchanges || attempt)
			break;
		/* Unsigned local changes ahead: sign them and build again. */
		rc = commit_local(d);
		if (rc)
			return rc;
	}
	if (!buf)
		return 0;
	if (res.to_lsn > l->head_announced) {
		/* The log grew since the HELLO: say so first, or the peer
		 * must refuse a batch that goes beyond what it was told. The
		 * whole log as last seen, not just this batch: a catch-up of
		 * many batches then needs one PING, not one each. */
		uint64_t head = res.to_lsn > d->last_lsn ? res.to_lsn : d->last_lsn;
		svc_msg pm;
		memset(&pm, 0, sizeof pm);
		pm.type = SVC_MSG_PING;
		pm.u.ping.hlc = hlc_now(d);
		pm.u.ping.log_head = head;
		rc = send_msg(p, &pm);
		if (rc) {
			free(buf);
			return rc == SVC_EBUSY ? 0 : rc;
		}
		l->head_announced = head;
	}
	if (p->up)
		rc = svc_transport_send_up(d->tr, buf, len);
	else
		rc = svc_transport_send_down(d->tr, p->rid, p->rid_len, buf, len);
	free(buf);
	if (rc == SVC_EBUSY)
		return 0; /* queue full: try again on the next pump */
	if (rc)
		return rc;
	*sent = true;
	*to_lsn = res.to_lsn;
	if (p->up && res.own_last && p->nsent_own < sizeof p->sent_own / sizeof p->sent_own[0]) {
		p->sent_own[p->nsent_own].id = id;
		p->sent_own[p->nsent_own++].own_last = res.own_last;
	}
	note_batch(d);
	if (res.nchanges) {
		char tag[64];
		svc_log(SVC_LOG_DEBUG, peer_tag(p, tag, sizeof tag),
			"sent batch %llu: %zu changes, %zu commits, through lsn %llu",
			(unsigned long long)id, res.nchanges, res.ncommits,
			(unsigned long long)res.to_lsn);
	}
	return 0;
}

static void zap_rebuild(svc_daemon *d);
static void enforce_directory(svc_daemon *d);

static int op_apply_batch(void *ctx, svc_link *l, const svc_batch *b, svc_ack *ack)
{
	struct peer *p = ctx;
	svc_daemon *d = p->d;
	svc_sync_result res;
	char tag[64];

	if (disk_wait(d)) {
		p->resend = true;
		return svc_errf(SVC_ENOSPACE, "%s", d->disk_detail);
	}
	int rc = svc_sync_apply_bounded(d->store, &p->pv, l->peer_store_id, l->peer_log_head, b,
					&res);
	if (rc == SVC_ENOSPACE) {
		disk_fail(d);
		p->resend = true;
		return rc;
	}
	if (!rc)
		p->resend = false; /* it did resend */
	if (rc) {
		d->gaps += res.gaps;
		svc_log(SVC_LOG_ERROR, peer_tag(p, tag, sizeof tag), "batch %llu not applied: %s",
			(unsigned long long)b->id, svc_errmsg());
		return rc;
	}
	if (res.forks) {
		d->forks += res.forks;
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "%u fork(s) quarantined: %s",
			res.forks, res.first_fork);
	}
	disk_ok(d);
	note_batch(d);
	if (p->up && restore_check(d, p, NULL))
		p->rehello = true;
	ack->to_lsn = res.to_lsn;
	ack->applied = res.applied;
	ack->duplicates = res.duplicates;
	ack->quarantined = res.quarantined;
	p->applied += res.applied;
	p->quarantined += res.quarantined;
	if (res.applied || res.quarantined)
		svc_log(SVC_LOG_INFO, peer_tag(p, tag, sizeof tag),
			"applied %u changes (%u already here, %u quarantined) through lsn %llu",
			res.applied, res.duplicates, res.quarantined,
			(unsigned long long)res.to_lsn);
	if (res.quarantined)
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "quarantined: %s",
			res.first_reason);
	if (res.applied || (p->up && res.duplicates))
		d->work = true; /* relay to the other links; own changes sent back
				   may lift the hold on shipping new ones */
	if (res.directory_changed) {
		zap_rebuild(d);
		enforce_directory(d);
	}
	return 0;
}

static int op_send_ack(void *ctx, svc_link *l, const svc_ack *ack)
{
	svc_msg m;
	(void)l;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_ACK;
	m.u.ack = *ack;
	return send_msg(ctx, &m);
}

static int op_send_ping(void *ctx, svc_link *l)
{
	svc_msg m;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_PING;
	m.u.ping.hlc = hlc_now(((struct peer *)ctx)->d);
	m.u.ping.log_head = l->head_announced;
	return send_msg(ctx, &m);
}

static void op_acked(void *ctx, svc_link *l, uint64_t to_lsn)
{
	(void)ctx;
	(void)l;
	(void)to_lsn;
}

static void op_state_changed(void *ctx, svc_link *l, svc_link_state from, const char *why)
{
	struct peer *p = ctx;
	char tag[64];
	/* While the disk is full a link goes down and up at every retry;
	 * the disk-full lines say why. */
	if (p->d->disk_full && (from == SVC_LINK_UP || l->state == SVC_LINK_UP))
		return;
	if (l->state == SVC_LINK_UP)
		svc_log(SVC_LOG_INFO, peer_tag(p, tag, sizeof tag), "up (%s, resuming after lsn %llu)",
			p->up ? "upstream" : "downstream", (unsigned long long)l->send_after);
	else if (l->state == SVC_LINK_DOWN)
		svc_log(SVC_LOG_INFO, peer_tag(p, tag, sizeof tag), "down (%s)", why);
	else if (from == SVC_LINK_UP)
		svc_log(SVC_LOG_INFO, peer_tag(p, tag, sizeof tag), "resync (%s)", why);
}

static uint64_t op_log_head(void *ctx, svc_link *l)
{
	struct peer *p = ctx;
	svc_txn *t;
	uint64_t head = 0;
	(void)l;
	/* Should the store not answer, the head last seen is still a true
	 * bound: the log only grows. */
	if (svc_txn_begin(p->d->store, false, &t) == 0) {
		if (svc_journal_last(t, &head) != 0)
			head = p->d->last_lsn;
		svc_txn_abort(&t);
	} else {
		head = p->d->last_lsn;
	}
	svc_errclear();
	return head;
}

static void op_diverged(void *ctx, svc_link *l, uint64_t resume, uint64_t head)
{
	struct peer *p = ctx;
	char tag[64];
	(void)l;
	p->d->divergences++;
	svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
		"divergence: peer asks to resume after lsn %llu, beyond this node's log head "
		"%llu; resending from the start, skipping what its summary says it holds",
		(unsigned long long)resume, (unsigned long long)head);
}

static const svc_link_ops link_ops = {
	.send_hello = op_send_hello,
	.send_batch = op_send_batch,
	.apply_batch = op_apply_batch,
	.send_ack = op_send_ack,
	.send_ping = op_send_ping,
	.acked = op_acked,
	.state_changed = op_state_changed,
	.log_head = op_log_head,
	.diverged = op_diverged,
};

/* ------------------------------------------------------------ peers */

/* Apply the [sync] settings a link uses (at creation and on reload). */
static void link_tune(svc_daemon *d, svc_link *l)
{
	l->window = d->cfg.window < 1 ? 1 : d->cfg.window > SVC_LINK_WINDOW_MAX ? SVC_LINK_WINDOW_MAX
										     : d->cfg.window;
	l->ping_ms = d->cfg.heartbeat_ms;
	if (l->dead_ms < d->cfg.heartbeat_ms * 5)
		l->dead_ms = d->cfg.heartbeat_ms * 5;
}

static struct peer *peer_new(svc_daemon *d, const char *node, bool up)
{
	struct peer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->d = d;
	p->up = up;
	snprintf(p->node, sizeof p->node, "%s", node);
	svc_link_init(&p->link, node, d->self.store_id, up, d->cfg.window, &link_ops, p);
	link_tune(d, &p->link);
	return p;
}

static void peer_free(struct peer *p)
{
	if (!p)
		return;
	svc_heads_free(&p->skip);
	free(p);
}

static int peer_view(svc_daemon *d, struct peer *p)
{
	svc_txn *t;
	int rc = svc_txn_begin(d->store, false, &t);
	if (rc)
		return rc;
	rc = svc_sync_peer_view(t, p->node, p->up, &p->pv);
	svc_txn_abort(&t);
	return rc;
}

static struct peer *down_find(svc_daemon *d, const char *node)
{
	for (size_t i = 0; i < d->ndowns; i++)
		if (strcmp(d->downs[i]->node, node) == 0)
			return d->downs[i];
	return NULL;
}

static struct peer *down_get(svc_daemon *d, const char *node, const uint8_t *rid, size_t rid_len)
{
	struct peer *p = down_find(d, node);
	if (!p) {
		struct peer **v = realloc(d->downs, (d->ndowns + 1) * sizeof *v);
		if (!v)
			return NULL;
		d->downs = v;
		p = peer_new(d, node, false);
		if (!p)
			return NULL;
		if (peer_view(d, p)) {
			svc_log(SVC_LOG_WARN, "zap", "admitted %s but it is not in the directory: %s",
				node, svc_errmsg());
			peer_free(p);
			return NULL;
		}
		d->downs[d->ndowns++] = p;
	}
	if (rid_len <= sizeof p->rid && (rid_len != p->rid_len || memcmp(rid, p->rid, rid_len))) {
		/* A new connection from the same node (it reconnected). */
		memcpy(p->rid, rid, rid_len);
		p->rid_len = rid_len;
		svc_link_new_session(&p->link);
	}
	return p;
}

static void down_remove(svc_daemon *d, struct peer *p)
{
	for (size_t i = 0; i < d->ndowns; i++) {
		if (d->downs[i] == p) {
			d->downs[i] = d->downs[--d->ndowns];
			break;
		}
	}
	peer_free(p);
}

/* ------------------------------------------------------------ messages */

/* Have the peer send again from what this node really holds: upward our
 * HELLO carries the checkpoint; downward the peer is told to say HELLO. */
static void peer_resend(struct peer *p, uint64_t now)
{
	if (p->up) {
		svc_link_handle(&p->link, SVC_EV_CONNECTED, NULL, now);
		return;
	}
	svc_msg e;
	memset(&e, 0, sizeof e);
	e.type = SVC_MSG_ERROR;
	e.u.error.code = 500;
	snprintf(e.u.error.text, sizeof e.u.error.text, "could not apply: resend");
	send_msg(p, &e);
}

static void on_message(struct peer *p, const uint8_t *data, size_t len)
{
	svc_msg m;
	char tag[64];
	uint64_t now = svc_mono_ms();
	svc_link_event ev;
	bool restored = false;

	if (svc_msg_decode(data, len, &m)) {
		svc_msg e;
		p->link.protocol_errors++;
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "dropped a %zu-byte message: %s",
			len, svc_errmsg());
		memset(&e, 0, sizeof e);
		e.type = SVC_MSG_ERROR;
		e.u.error.code = 400;
		snprintf(e.u.error.text, sizeof e.u.error.text, "undecodable message");
		send_msg(p, &e);
		return;
	}
	switch (m.type) {
	case SVC_MSG_HELLO:
		if (m.u.hello.version != SVC_PROTO_VERSION) {
			svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
				"speaks protocol %u, this node %d: ignoring", m.u.hello.version,
				SVC_PROTO_VERSION);
			svc_msg_free(&m);
			return;
		}
		svc_heads_free(&p->skip);
		svc_heads_from_hello(&m.u.hello, &p->skip);
		uint64_t wall = svc_journal_now_ms();
		if (svc_hlc_ms(m.u.hello.hlc) > wall + SKEW_WARN_MS)
			svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
				"clock is %llu s ahead of this node's",
				(unsigned long long)((svc_hlc_ms(m.u.hello.hlc) - wall) / 1000));
		restored = p->up && restore_check(p->d, p, &m.u.hello);
		ev = SVC_EV_HELLO;
		break;
	case SVC_MSG_BATCH:
		ev = SVC_EV_BATCH;
		break;
	case SVC_MSG_ACK:
		if (p->up)
			restore_acked(p->d, p, &m.u.ack);
		ev = SVC_EV_ACK;
		break;
	case SVC_MSG_PING:
		ev = SVC_EV_PING;
		break;
	case SVC_MSG_ERROR:
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "peer reports error %u: %s",
			m.u.error.code, m.u.error.text);
		svc_msg_free(&m);
		/* The peer could not use what we sent: start over. */
		if (p->up)
			svc_link_handle(&p->link, SVC_EV_CONNECTED, NULL, now);
		return;
	default:
		svc_msg_free(&m);
		return;
	}
	int rc = svc_link_handle(&p->link, ev, &m, now);
	svc_msg_free(&m);
	if (!rc && (restored || p->rehello)) {
		/* Say HELLO again: the new store id, and what this node now
		 * needs of its own history. */
		p->rehello = false;
		rc = svc_link_handle(&p->link, SVC_EV_CONNECTED, NULL, now);
	}
	if (rc == SVC_ENOSPACE)
		return; /* logged once by disk_fail; the peer is asked again later */
	if (rc == SVC_ENET && !p->up) {
		/* The peer's connection ended under us (an ACK to a peer that
		 * is gone): down_gone follows and says so. */
		svc_log(SVC_LOG_DEBUG, peer_tag(p, tag, sizeof tag), "%s", svc_errmsg());
		return;
	}
	if (rc) {
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "%s", svc_errmsg());
		peer_resend(p, now);
	}
}

/* Is any key of `node` in the ZAP table? */
static bool zap_admits(const svc_daemon *d, const char *node)
{
	for (size_t j = 0; j < d->nzap; j++)
		if (strcmp(d->zap[j].node, node) == 0)
			return true;
	return false;
}

/* Is the message a HELLO (which opens a session)? */
static bool is_hello(const uint8_t *data, size_t len)
{
	svc_msg m;
	if (svc_msg_decode(data, len, &m)) {
		svc_errclear();
		return false;
	}
	bool hello = m.type == SVC_MSG_HELLO;
	svc_msg_free(&m);
	return hello;
}

/*
 * A node has at most one session: the connection that sent its latest
 * HELLO. A HELLO on another connection replaces the session (the node
 * reconnected, or someone else holds its key: either way the older one is
 * closed); anything else from a connection that is not the session is
 * dropped, so a second connection of a key can neither be served nor have
 * its batches applied under the first one's HELLO. A key the directory no
 * longer admits gets nothing at all, whatever ZAP said when it connected.
 */
static void h_down_msg(void *arg, const char *peer, const uint8_t *rid, size_t rid_len,
		       const uint8_t *data, size_t len)
{
	svc_daemon *d = arg;
	char tag[64];
	snprintf(tag, sizeof tag, "link %s", peer);
	if (!zap_admits(d, peer)) {
		size_t n = svc_transport_kick_node(d->tr, peer);
		svc_log(SVC_LOG_WARN, tag,
			"dropped a %zu-byte message: the node is no longer admitted (%zu "
			"connection(s) shut down)",
			len, n);
		return;
	}
	struct peer *p = down_find(d, peer);
	if (p && (rid_len != p->rid_len || memcmp(rid, p->rid, rid_len) != 0)) {
		if (!is_hello(data, len)) {
			svc_log(SVC_LOG_WARN, tag,
				"dropped a %zu-byte message: not from the node's current session (a "
				"new connection opens one with HELLO)",
				len);
			return;
		}
		if (p->rid_len) {
			svc_log(SVC_LOG_INFO, tag, "a new session: closing the previous connection");
			svc_transport_kick(d->tr, p->rid, p->rid_len);
		}
		svc_link_handle(&p->link, SVC_EV_DISCONNECTED, NULL, svc_journal_now_ms());
	}
	p = down_get(d, peer, rid, rid_len);
	if (p)
		on_message(p, data, len);
}

static void h_up_msg(void *arg, const uint8_t *data, size_t len)
{
	svc_daemon *d = arg;
	if (d->upstream)
		on_message(d->upstream, data, len);
}

static void h_down_gone(void *arg, const char *peer, const uint8_t *rid, size_t rid_len)
{
	svc_daemon *d = arg;
	struct peer *p = down_find(d, peer);
	/* Only the peer's current connection matters: an older one of a
	 * node that reconnected may end after the new one began. */
	if (p && p->rid_len == rid_len && memcmp(p->rid, rid, rid_len) == 0)
		svc_link_handle(&p->link, SVC_EV_DISCONNECTED, NULL, svc_mono_ms());
}

static void h_down_dropped(void *arg, const char *peer, const uint8_t *rid, size_t rid_len,
			   const char *reason)
{
	char tag[64];
	(void)arg;
	(void)rid_len;
	if (!rid) {
		/* Nothing was dropped that we know of: a connection ended
		 * before it said anything. */
		snprintf(tag, sizeof tag, "link %s", peer[0] ? peer : "?");
		svc_log(SVC_LOG_WARN, tag, "connection closed before its first message: %s",
			reason);
		return;
	}
	svc_log(SVC_LOG_WARN, "link", "dropped a message from %s: %s", peer[0] ? peer : "?",
		reason);
}

static void h_up_state(void *arg, bool connected, const char *detail)
{
	svc_daemon *d = arg;
	if (!d->upstream)
		return;
	if (connected) {
		d->up_detail[0] = '\0';
		svc_log(SVC_LOG_INFO, "link", "connected to %s at %s", d->upstream->node,
			d->self.endpoint);
		peer_view(d, d->upstream);
		svc_link_handle(&d->upstream->link, SVC_EV_CONNECTED, NULL, svc_mono_ms());
	} else {
		/* Say why the upstream is unreachable or refused us, once per
		 * reason: a node that never got through must not be silent. */
		const char *why = detail ? detail : "disconnected";
		if (d->upstream->link.state != SVC_LINK_DOWN || strcmp(why, d->up_detail) != 0)
			svc_log(SVC_LOG_WARN, "link", "%s at %s: %s", d->upstream->node,
				d->self.endpoint, why);
		snprintf(d->up_detail, sizeof d->up_detail, "%s", why);
		svc_link_handle(&d->upstream->link, SVC_EV_DISCONNECTED, NULL, svc_mono_ms());
	}
}

static void h_zap_refused(void *arg, const char *key_z85, const char *mechanism,
			  const char *reason)
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

struct zap_build {
	svc_daemon *d;
	svc_txn *t;
	uint64_t now;
	zap_entry *v;
	size_t n, cap;
	uint64_t expiry;
};

/* May `n` connect here: valid, unrevoked, and its upstream is this node or a
 * node below it. */
static bool may_connect(struct zap_build *b, const svc_node *n)
{
	if (n->revoked || b->now < n->not_before || b->now > n->not_after)
		return false;
	if (strcmp(n->upstream, b->d->self.node) == 0)
		return true;
	svc_node up;
	bool below = n->upstream[0] && svc_node_get(b->t, n->upstream, &up) == 0 &&
		     strcmp(up.upstream, b->d->self.node) == 0;
	svc_errclear();
	return below;
}

static int zap_step(const svc_node *n, void *arg)
{
	struct zap_build *b = arg;
	if (!may_connect(b, n))
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		zap_entry *v = realloc(b->v, cap * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		b->v = v;
		b->cap = cap;
	}
	if (svc_curve_public(n->pubkey, b->v[b->n].curve_pk))
		return 0;
	snprintf(b->v[b->n].node, SVC_ID_LEN, "%s", n->node);
	b->v[b->n].not_after = n->not_after;
	if (!b->expiry || n->not_after < b->expiry)
		b->expiry = n->not_after;
	b->n++;
	return 0;
}

static int zap_cmp(const void *a, const void *b)
{
	return memcmp(((const zap_entry *)a)->curve_pk, ((const zap_entry *)b)->curve_pk, 32);
}

static void zap_rebuild(svc_daemon *d)
{
	struct zap_build b = {.d = d, .now = svc_journal_now_ms()};
	if (svc_txn_begin(d->store, false, &b.t)) {
		svc_log(SVC_LOG_ERROR, "zap", "cannot read the directory: %s", svc_errmsg());
		return;
	}
	int rc = svc_node_each(b.t, zap_step, &b);
	svc_txn_abort(&b.t);
	if (rc) {
		svc_log(SVC_LOG_ERROR, "zap", "cannot read the directory: %s", svc_errmsg());
		free(b.v);
		return;
	}
	if (b.n)
		qsort(b.v, b.n, sizeof *b.v, zap_cmp);
	/* A key that leaves the table ends every connection made with it, but
	 * ZAP's User-Id names the node, not the key: remember the node. */
	for (size_t i = 0; i < d->nzap; i++) {
		const zap_entry *o = &d->zap[i];
		const zap_entry *e = b.n ? bsearch(o, b.v, b.n, sizeof *b.v, zap_cmp) : NULL;
		if (e && strcmp(e->node, o->node) == 0)
			continue;
		char(*g)[SVC_ID_LEN] = realloc(d->zap_gone, (d->nzap_gone + 1) * sizeof *g);
		if (!g)
			break;
		d->zap_gone = g;
		snprintf(d->zap_gone[d->nzap_gone++], SVC_ID_LEN, "%s", o->node);
	}
	free(d->zap);
	d->zap = b.v;
	d->nzap = b.n;
	d->zap_expiry = b.expiry;
	svc_log(SVC_LOG_DEBUG, "zap", "%zu node(s) may connect", b.n);
}

static const zap_entry *zap_find(svc_daemon *d, const uint8_t pk[32])
{
	zap_entry key;
	memcpy(key.curve_pk, pk, 32);
	return d->nzap ? bsearch(&key, d->zap, d->nzap, sizeof key, zap_cmp) : NULL;
}

static int zap_check(void *arg, const uint8_t pk[32], char node[SVC_ID_LEN], char *reason,
		     size_t rlen)
{
	svc_daemon *d = arg;
	const zap_entry *e = zap_find(d, pk);
	if (!e) {
		snprintf(reason, rlen, "no valid certificate for this key with this node upstream");
		return -1;
	}
	if (svc_journal_now_ms() > e->not_after) {
		/* The table is rebuilt when a certificate ends, but a
		 * handshake may come first. */
		snprintf(reason, rlen, "the certificate of %s has expired", e->node);
		return -1;
	}
	snprintf(node, SVC_ID_LEN, "%s", e->node);
	return 0;
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
	int rc = svc_node_each(t, expired_step, &e);
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
			strftime(reason, sizeof reason, "certificate expired (noticed %Y-%m-%d %H:%M:%S UTC)",
				 &tm);
		if (svc_identity_revoke(d->store, e.v[i], reason, NULL)) {
			svc_log(SVC_LOG_ERROR, "zap", "cannot revoke %s, whose certificate expired: %s",
				e.v[i], svc_errmsg());
			continue;
		}
		memset(&n, 0, sizeof n);
		if (svc_txn_begin(d->store, false, &t) == 0) {
			svc_node_get(t, e.v[i], &n);
			svc_txn_abort(&t);
		}
		svc_errclear();
		svc_log(SVC_LOG_INFO, "zap", "revoked %s: its certificate expired (cut-off seq %llu)",
			e.v[i], (unsigned long long)n.cutoff_seq);
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
	if (svc_node_get(t, d->self.upstream, &n) == 0 && n.revoked) {
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
		svc_link_handle(&d->upstream->link, SVC_EV_DISCONNECTED, NULL, svc_journal_now_ms());
		d->up_revoked = true;
	} else if (!revoked && d->up_revoked) {
		svc_log(SVC_LOG_INFO, "link", "%s holds a valid certificate again: reconnecting",
			d->upstream->node);
		d->up_revoked = false;
		if (upstream_connect(d))
			svc_log(SVC_LOG_ERROR, "link", "cannot connect to %s: %s", d->upstream->node,
				svc_errmsg());
	}
}

/*
 * Close every connection of the nodes the directory no longer admits
 * (revoked, expired) and of those whose key changed (a superseding
 * certificate): not only the session the daemon serves, but any other
 * connection made with the key, spoken or silent. A node that still holds
 * a valid key reconnects through ZAP.
 */
static void enforce_directory(svc_daemon *d)
{
	for (size_t i = 0; i < d->nzap_gone; i++) {
		const char *node = d->zap_gone[i];
		size_t n = svc_transport_kick_node(d->tr, node);
		struct peer *p = down_find(d, node);
		if (p || n)
			svc_log(SVC_LOG_WARN, "zap",
				"closing the session of %s: %s (%zu connection(s) shut down)", node,
				zap_admits(d, node) ? "its key was replaced" : "no longer admitted",
				n);
		if (p)
			down_remove(d, p);
	}
	d->nzap_gone = 0;
	upstream_check(d);
	for (size_t i = 0; i < d->ndowns;) {
		struct peer *p = d->downs[i];
		if (zap_admits(d, p->node)) {
			i++;
			continue;
		}
		size_t n = svc_transport_kick_node(d->tr, p->node);
		svc_log(SVC_LOG_WARN, "zap",
			"closing the session of %s: no longer admitted (%zu connection(s) shut down)",
			p->node, n);
		down_remove(d, p);
	}
}

/* ------------------------------------------------------------ local work */

static void pump_one(struct peer *p, uint64_t now)
{
	char tag[64];
	int rc = svc_link_handle(&p->link, SVC_EV_WORK, NULL, now);
	/* Local changes that could not be signed for lack of space were
	 * logged once by disk_fail. */
	if (rc && rc != SVC_ENOSPACE)
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "%s", svc_errmsg());
}

static void pump_all(svc_daemon *d)
{
	uint64_t now = svc_mono_ms();
	if (d->upstream)
		pump_one(d->upstream, now);
	for (size_t i = 0; i < d->ndowns; i++)
		pump_one(d->downs[i], now);
}

/* Ask each peer whose batch was refused for lack of space to send it again. */
static void resend_if_refused(struct peer *p, uint64_t now)
{
	if (p && p->resend) {
		p->resend = false;
		peer_resend(p, now);
	}
}

static void ask_resend(svc_daemon *d, uint64_t now)
{
	resend_if_refused(d->upstream, now);
	for (size_t i = 0; i < d->ndowns; i++)
		resend_if_refused(d->downs[i], now);
}

/* The next try after a write failed for lack of space: sign local changes
 * again and have the refused batches sent again. */
static void disk_retry(svc_daemon *d, uint64_t now)
{
	d->disk_asked = true;
	d->work = true;
	ask_resend(d, now);
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
			svc_journal_each_from_want(t, d->last_lsn + 1, directory_want, directory_step,
					       &ds);
		svc_txn_abort(&t);
	}
	*directory = ds.found;
	bool grew = lsn != d->last_lsn;
	d->last_lsn = lsn;
	return grew;
}

static void do_work(svc_daemon *d)
{
	bool directory = false;
	if (log_grew(d, &directory) || d->work) {
		d->work = false;
		if (directory) {
			zap_rebuild(d);
			enforce_directory(d);
		}
		commit_local(d);
		pump_all(d);
	}
}

static void drain_wake(svc_daemon *d)
{
	char buf[64];
	while (recv(d->wake_fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	if (d->cfg.commit_delay_ms > 0) {
		/* Let a burst of CLI writes land in one commit. */
		struct timespec ts = {0, (long)d->cfg.commit_delay_ms * 1000000L};
		nanosleep(&ts, NULL);
	}
	d->work = true;
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
	if (c.reconnect_ms != d->cfg.reconnect_ms || c.reconnect_max_ms != d->cfg.reconnect_max_ms ||
	    c.max_message != d->cfg.max_message)
		svc_log(SVC_LOG_WARN, "config", "reconnect and max_message changes need a restart");
	c.reconnect_ms = d->cfg.reconnect_ms;
	c.reconnect_max_ms = d->cfg.reconnect_max_ms;
	c.max_message = d->cfg.max_message;
	d->cfg = c;
	svc_log_set_level(c.log_level);
	/* Window and heartbeat apply to the links that are up now, too. */
	if (d->upstream)
		link_tune(d, &d->upstream->link);
	for (size_t i = 0; i < d->ndowns; i++)
		link_tune(d, &d->downs[i]->link);
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

/* Replace the status file with buf. Normally a new file renamed over the
 * old one, so a reader never sees half of it; when the disk is too full to
 * create one, the old file is overwritten in place (its blocks are there
 * already), so that `status` can still say the disk is full. */
static void status_replace(svc_daemon *d, const char *buf, size_t len)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof path, "%s/status", d->cfg.dir);
	snprintf(tmp, sizeof tmp, "%s/.status.tmp", d->cfg.dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		bool ok = write(fd, buf, len) == (ssize_t)len;
		if (close(fd) == 0 && ok && rename(tmp, path) == 0)
			return;
		unlink(tmp);
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0)
		svc_log(SVC_LOG_DEBUG, "daemon", "status file %s: %s", path, strerror(errno));
	close(fd);
}

static void write_status(svc_daemon *d)
{
	uint64_t now = svc_journal_now_ms(), mono = svc_mono_ms();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	fprintf(f, "pid %ld\nstarted %llu\nupdated %llu\nlsn %llu\nlisten %s\n", (long)getpid(),
		(unsigned long long)d->started, (unsigned long long)now,
		(unsigned long long)d->last_lsn, d->bound[0] ? d->bound : "-");
	fprintf(f, "divergences %llu\nforks %llu\ngaps %llu\n", (unsigned long long)d->divergences,
		(unsigned long long)d->forks, (unsigned long long)d->gaps);
	/* The monotonic clock at this write: a reader on this machine tells
	 * the file's age by its own monotonic clock, whatever the wall clock
	 * did in between. */
	fprintf(f, "monotonic %llu\n", (unsigned long long)mono);
	if (d->disk_full)
		fprintf(f, "disk_full %u %s\n", d->disk_retries, d->disk_detail);
	struct peer *all[1 + 4096];
	size_t n = 0;
	if (d->upstream)
		all[n++] = d->upstream;
	for (size_t i = 0; i < d->ndowns && n < sizeof all / sizeof all[0]; i++)
		all[n++] = d->downs[i];
	for (size_t i = 0; i < n; i++) {
		struct peer *p = all[i];
		/* The link machine keeps last contact on the monotonic clock:
		 * written as its age, and as the wall time that age means now. */
		uint64_t rx = p->link.last_rx_ms;
		uint64_t age = rx && mono >= rx ? mono - rx : 0;
		uint64_t rx_wall = rx && now > age ? now - age : 0;
		/* link NODE DIR STATE LAST_RX ACKED SENT APPLIED QUARANTINED PEER_HLC_MS ERRORS */
		fprintf(f, "link %s %s %s %llu %llu %llu %llu %llu %llu %llu\n", p->node,
			p->up ? "upstream" : "downstream", svc_link_state_name(p->link.state),
			(unsigned long long)rx_wall, (unsigned long long)p->link.acked,
			(unsigned long long)p->link.send_after, (unsigned long long)p->applied,
			(unsigned long long)p->quarantined,
			(unsigned long long)svc_hlc_ms(p->link.peer_hlc),
			(unsigned long long)p->link.protocol_errors);
		/* link_age NODE MS_SINCE_LAST_CONTACT ("-": none yet) */
		if (rx)
			fprintf(f, "link_age %s %llu\n", p->node, (unsigned long long)age);
		else
			fprintf(f, "link_age %s -\n", p->node);
	}
	if (fclose(f) == 0)
		status_replace(d, buf, len);
	free(buf);
}

/* ------------------------------------------------------------ set-up */

static int take_lock(svc_daemon *d)
{
	char path[4200], pid[32];
	snprintf(path, sizeof path, "%s/daemon.lock", d->cfg.dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = pread(d->lock_fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return svc_errf(SVC_EBUSY, "another svcsyncd (pid %s) is running on %s",
				pid[0] ? pid : "?", d->cfg.dir);
	}
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, (size_t)n, 0) != n)
		return svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

static int open_wake(svc_daemon *d)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/wake.sock", d->cfg.dir) >=
	    sizeof sa.sun_path) {
		/* Too long for a socket path: local writes are then noticed
		 * on the next tick instead of at once. */
		svc_log(SVC_LOG_WARN, "daemon", "node directory path too long for wake.sock; "
						"local changes ship within %d ms",
			TICK_MS);
		d->wake_fd = -1;
		return 0;
	}
	d->wake_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->wake_fd < 0)
		return svc_errf(SVC_EIO, "wake socket: %s", strerror(errno));
	unlink(sa.sun_path); /* stale from a killed daemon; we hold the lock */
	if (bind(d->wake_fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return svc_errf(SVC_EIO, "%s: %s", sa.sun_path, strerror(errno));
	chmod(sa.sun_path, 0600);
	return 0;
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
		return svc_errf(SVC_EKEY, "node.key in %s is not the key of node %s", d->cfg.dir,
				d->self.node);
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

	if ((rc = svc_crypto_init()) || (rc = svc_crypto_harden_process()))
		goto fail;
	if ((rc = take_lock(d)))
		goto fail;
	if ((rc = svc_store_open(cfg->dir, 0, &d->store)))
		goto fail;
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
		.down_msg = h_down_msg,
		.up_msg = h_up_msg,
		.up_state = h_up_state,
		.zap_refused = h_zap_refused,
		.zap_admitted = h_zap_admitted,
		.fd_ready = h_fd_ready,
		.down_gone = h_down_gone,
		.down_dropped = h_down_dropped,
	};
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
		d->upstream = peer_new(d, d->self.upstream, true);
		if (!d->upstream) {
			rc = svc_errf(SVC_ENOMEM, "out of memory");
			goto fail;
		}
		peer_view(d, d->upstream);
		svc_errclear();
		char why[SVC_REASON_LEN];
		if (upstream_revoked(d, why, sizeof why)) {
			d->up_revoked = true;
			svc_log(SVC_LOG_WARN, "daemon",
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
			ask_resend(d, now);
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
		if (d->batches_since_release && now >= d->next_status - STATUS_MS / 2) {
			d->batches_since_release = 0;
			svc_store_release_pages(d->store);
		}
		if ((now >= d->next_zap || (d->zap_expiry && svc_journal_now_ms() > d->zap_expiry)) &&
		    d->cfg.listen[0]) {
			/* Certificates expire with time, not only by changes:
			 * rebuild when the first one in the table ends (its
			 * session is closed within a tick) and once a minute. */
			d->next_zap = now + ZAP_REFRESH_MS;
			revoke_expired(d);
			zap_rebuild(d);
			enforce_directory(d);
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
	peer_free(d->upstream);
	for (size_t i = 0; i < d->ndowns; i++)
		peer_free(d->downs[i]);
	free(d->downs);
	free(d->zap);
	free(d->zap_gone);
	if (d->curve_sk)
		svc_secure_free(d->curve_sk);
	svc_keypair_destroy(&d->kp);
	svc_store_close(&d->store);
	if (d->wake_fd >= 0) {
		char path[4200];
		snprintf(path, sizeof path, "%s/wake.sock", d->cfg.dir);
		unlink(path);
		close(d->wake_fd);
	}
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->lock_fd >= 0)
		close(d->lock_fd); /* releases the lock */
	free(d);
	*dp = NULL;
}

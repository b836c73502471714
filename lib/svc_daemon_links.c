/*
 * svc_daemon_links: the node's links. See svc_daemon_int.h.
 *
 * Separate from the composition root because it is one thing with its own
 * rules: everything a peer's link does between the transport and the store.
 * Messages from a peer are decoded here and fed to its link machine
 * (svc_proto) as events; the machine's ops build, send and apply batches
 * through the sync layer. A downstream node has at most one session, the
 * connection that sent its latest HELLO. On the upstream link the node also
 * finds out whether its store is an older copy (a restore) and fetches its
 * own history back.
 *
 * A batch is applied in one LMDB transaction before its ACK is sent, so a
 * crash at any point loses nothing: the peer resends from the checkpoint it
 * finds in our next HELLO, and duplicates are dropped on arrival.
 *
 * Peers are known by the node id ZAP authenticated (downstream) or by the
 * enrollment bundle (upstream); nothing inside a message can claim to be
 * someone else.
 */
#include "svc_daemon_int.h"

#include "svc_codec.h"
#include "svc_err.h"
#include "svc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int rc = svc_codec_msg_encode(m, &buf, &len);
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
 * re-used (see "Restores" in svc_store.c).
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
	memmove(&p->sent_own[0], &p->sent_own[i + 1],
	        (p->nsent_own - i - 1) * sizeof p->sent_own[0]);
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
		/* A change sent back differed from the store's (svc_store.c). */
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
		rc = svc_daemon_commit_local(d);
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
	svc_daemon_note_batch(d);
	if (res.nchanges) {
		char tag[64];
		svc_log(SVC_LOG_DEBUG, peer_tag(p, tag, sizeof tag),
		        "sent batch %llu: %zu changes, %zu commits, through lsn %llu",
		        (unsigned long long)id, res.nchanges, res.ncommits,
		        (unsigned long long)res.to_lsn);
	}
	return 0;
}

static int op_apply_batch(void *ctx, svc_link *l, const svc_batch *b, svc_ack *ack)
{
	struct peer *p = ctx;
	svc_daemon *d = p->d;
	svc_sync_result res;
	char tag[64];

	if (svc_daemon_disk_wait(d)) {
		p->resend = true;
		return svc_errf(SVC_ENOSPACE, "%s", d->disk_detail);
	}
	int rc =
	    svc_sync_apply_bounded(d->store, &p->pv, l->peer_store_id, l->peer_log_head, b, &res);
	if (rc == SVC_ENOSPACE) {
		svc_daemon_disk_fail(d);
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
	svc_daemon_disk_ok(d);
	svc_daemon_note_batch(d);
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
	if (res.directory_changed)
		svc_daemon_directory_changed(d);
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
		svc_log(SVC_LOG_INFO, peer_tag(p, tag, sizeof tag),
		        "up (%s, resuming after lsn %llu)", p->up ? "upstream" : "downstream",
		        (unsigned long long)l->send_after);
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
void svc_daemon_link_tune(svc_daemon *d, svc_link *l)
{
	l->window = d->cfg.window < 1                     ? 1
	            : d->cfg.window > SVC_LINK_WINDOW_MAX ? SVC_LINK_WINDOW_MAX
	                                                  : d->cfg.window;
	l->ping_ms = d->cfg.heartbeat_ms;
	if (l->dead_ms < d->cfg.heartbeat_ms * 5)
		l->dead_ms = d->cfg.heartbeat_ms * 5;
}

struct peer *svc_daemon_peer_new(svc_daemon *d, const char *node, bool up)
{
	struct peer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->d = d;
	p->up = up;
	snprintf(p->node, sizeof p->node, "%s", node);
	svc_link_init(&p->link, node, d->self.store_id, up, d->cfg.window, &link_ops, p);
	svc_daemon_link_tune(d, &p->link);
	return p;
}

void svc_daemon_peer_free(struct peer *p)
{
	if (!p)
		return;
	svc_heads_free(&p->skip);
	free(p);
}

int svc_daemon_peer_view(svc_daemon *d, struct peer *p)
{
	svc_txn *t;
	int rc = svc_txn_begin(d->store, false, &t);
	if (rc)
		return rc;
	rc = svc_sync_peer_view(t, p->node, p->up, &p->pv);
	svc_txn_abort(&t);
	return rc;
}

struct peer *svc_daemon_down_find(svc_daemon *d, const char *node)
{
	for (size_t i = 0; i < d->ndowns; i++)
		if (strcmp(d->downs[i]->node, node) == 0)
			return d->downs[i];
	return NULL;
}

static struct peer *down_get(svc_daemon *d, const char *node, const uint8_t *rid, size_t rid_len)
{
	struct peer *p = svc_daemon_down_find(d, node);
	if (!p) {
		struct peer **v = realloc(d->downs, (d->ndowns + 1) * sizeof *v);
		if (!v)
			return NULL;
		d->downs = v;
		p = svc_daemon_peer_new(d, node, false);
		if (!p)
			return NULL;
		if (svc_daemon_peer_view(d, p)) {
			svc_log(SVC_LOG_WARN, "zap",
			        "admitted %s but it is not in the directory: %s", node,
			        svc_errmsg());
			svc_daemon_peer_free(p);
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

void svc_daemon_down_remove(svc_daemon *d, struct peer *p)
{
	for (size_t i = 0; i < d->ndowns; i++) {
		if (d->downs[i] == p) {
			d->downs[i] = d->downs[--d->ndowns];
			break;
		}
	}
	svc_daemon_peer_free(p);
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

/* A send to a downstream peer whose connection just ended (an ACK or a
 * batch racing its disconnection): not a fault, and down_gone follows and
 * logs the link going down; logged at debug level only. */
static bool gone_below(struct peer *p, int rc, char *tag, size_t cap)
{
	if (rc != SVC_ENET || p->up)
		return false;
	svc_log(SVC_LOG_DEBUG, peer_tag(p, tag, cap), "%s", svc_errmsg());
	return true;
}

static void on_message(struct peer *p, const uint8_t *data, size_t len)
{
	svc_msg m;
	char tag[64];
	uint64_t now = svc_mono_ms();
	svc_link_event ev;
	bool restored = false;

	if (svc_codec_msg_decode(data, len, &m)) {
		svc_msg e;
		p->link.protocol_errors++;
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
		        "dropped a %zu-byte message: %s", len, svc_errmsg());
		memset(&e, 0, sizeof e);
		e.type = SVC_MSG_ERROR;
		e.u.error.code = 400;
		snprintf(e.u.error.text, sizeof e.u.error.text, "undecodable message");
		send_msg(p, &e);
		return;
	}
	ev = svc_link_event_of(m.type);
	switch (m.type) {
	case SVC_MSG_HELLO:
		if (m.u.hello.version != SVC_PROTO_VERSION) {
			svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
			        "speaks protocol %u, this node %d: ignoring", m.u.hello.version,
			        SVC_PROTO_VERSION);
			svc_codec_msg_free(&m);
			return;
		}
		svc_heads_free(&p->skip);
		svc_heads_from_hello(&m.u.hello, &p->skip);
		uint64_t wall = svc_journal_now_ms();
		if (svc_hlc_ms(m.u.hello.hlc) > wall + SVC_PROTO_SKEW_WARN_MS)
			svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag),
			        "clock is %llu s ahead of this node's",
			        (unsigned long long)((svc_hlc_ms(m.u.hello.hlc) - wall) / 1000));
		restored = p->up && restore_check(p->d, p, &m.u.hello);
		break;
	case SVC_MSG_ACK:
		if (p->up)
			restore_acked(p->d, p, &m.u.ack);
		break;
	case SVC_MSG_ERROR:
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "peer reports error %u: %s",
		        m.u.error.code, m.u.error.text);
		svc_codec_msg_free(&m);
		/* The peer could not use what we sent: start over. */
		if (p->up)
			svc_link_handle(&p->link, SVC_EV_CONNECTED, NULL, now);
		return;
	default:
		break;
	}
	if (ev == SVC_EV_NONE) {
		svc_codec_msg_free(&m);
		return;
	}
	int rc = svc_link_handle(&p->link, ev, &m, now);
	svc_codec_msg_free(&m);
	if (!rc && (restored || p->rehello)) {
		/* Say HELLO again: the new store id, and what this node now
		 * needs of its own history. */
		p->rehello = false;
		rc = svc_link_handle(&p->link, SVC_EV_CONNECTED, NULL, now);
	}
	if (rc == SVC_ENOSPACE)
		return; /* logged once by svc_daemon_disk_fail; the peer is asked again later */
	if (gone_below(p, rc, tag, sizeof tag))
		return;
	if (rc) {
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "%s", svc_errmsg());
		peer_resend(p, now);
	}
}

/* Is the message a HELLO (which opens a session)? */
static bool is_hello(const uint8_t *data, size_t len)
{
	svc_msg m;
	if (svc_codec_msg_decode(data, len, &m)) {
		svc_errclear();
		return false;
	}
	bool hello = m.type == SVC_MSG_HELLO;
	svc_codec_msg_free(&m);
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
	if (!svc_access_admits(d->access, peer)) {
		size_t n = svc_transport_kick_node(d->tr, peer);
		svc_log(SVC_LOG_WARN, tag,
		        "dropped a %zu-byte message: the node is no longer admitted (%zu "
		        "connection(s) shut down)",
		        len, n);
		return;
	}
	struct peer *p = svc_daemon_down_find(d, peer);
	if (p && (rid_len != p->rid_len || memcmp(rid, p->rid, rid_len) != 0)) {
		if (!is_hello(data, len)) {
			svc_log(
			    SVC_LOG_WARN, tag,
			    "dropped a %zu-byte message: not from the node's current session (a "
			    "new connection opens one with HELLO)",
			    len);
			return;
		}
		if (p->rid_len) {
			svc_log(SVC_LOG_INFO, tag,
			        "a new session: closing the previous connection");
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
	struct peer *p = svc_daemon_down_find(d, peer);
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
		svc_daemon_peer_view(d, d->upstream);
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

/* ------------------------------------------------------------ local work */

static void pump_one(struct peer *p, uint64_t now)
{
	char tag[64];
	int rc = svc_link_handle(&p->link, SVC_EV_WORK, NULL, now);
	/* Local changes that could not be signed for lack of space were
	 * logged once by svc_daemon_disk_fail. */
	if (rc && rc != SVC_ENOSPACE && !gone_below(p, rc, tag, sizeof tag))
		svc_log(SVC_LOG_WARN, peer_tag(p, tag, sizeof tag), "%s", svc_errmsg());
}

void svc_daemon_pump_all(svc_daemon *d)
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

void svc_daemon_ask_resend(svc_daemon *d, uint64_t now)
{
	resend_if_refused(d->upstream, now);
	for (size_t i = 0; i < d->ndowns; i++)
		resend_if_refused(d->downs[i], now);
}

void svc_daemon_link_handlers(svc_transport_handlers *h)
{
	h->down_msg = h_down_msg;
	h->up_msg = h_up_msg;
	h->up_state = h_up_state;
	h->down_gone = h_down_gone;
	h->down_dropped = h_down_dropped;
}

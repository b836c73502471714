/*
 * svc_proto: the link state machine. See the table in svc_proto.h.
 */
#include "svc_proto.h"

#include "svc_err.h"

#include <stdio.h>
#include <string.h>

#define PING_MS_DEFAULT 1000
#define DEAD_MS_DEFAULT 5000

const char *svc_link_state_name(svc_link_state s)
{
	switch (s) {
	case SVC_LINK_DOWN:
		return "down";
	case SVC_LINK_HELLO_SENT:
		return "hello_sent";
	case SVC_LINK_UP:
		return "up";
	}
	return "unknown";
}

svc_link_event svc_link_event_of(svc_msg_type type)
{
	switch (type) {
	case SVC_MSG_HELLO:
		return SVC_EV_HELLO;
	case SVC_MSG_BATCH:
		return SVC_EV_BATCH;
	case SVC_MSG_ACK:
		return SVC_EV_ACK;
	case SVC_MSG_PING:
		return SVC_EV_PING;
	case SVC_MSG_NONE:
	case SVC_MSG_ERROR:
		break;
	}
	return SVC_EV_NONE;
}

void svc_link_init(svc_link *l, const char *peer, const uint8_t my_store_id[16], bool initiator,
                   size_t window, const svc_link_ops *ops, void *ctx)
{
	memset(l, 0, sizeof *l);
	snprintf(l->peer, sizeof l->peer, "%s", peer);
	memcpy(l->my_store_id, my_store_id, 16);
	l->initiator = initiator;
	l->window = window < 1 ? 1 : window > SVC_LINK_WINDOW_MAX ? SVC_LINK_WINDOW_MAX : window;
	l->ping_ms = PING_MS_DEFAULT;
	l->dead_ms = DEAD_MS_DEFAULT;
	l->next_id = 1;
	l->ops = ops;
	l->ctx = ctx;
}

uint64_t svc_link_resume_point(const svc_hello *h, const uint8_t my_store_id[16])
{
	if (h->has_your_store_id && memcmp(h->your_store_id, my_store_id, 16) == 0)
		return h->checkpoint;
	return 0;
}

/* ------------------------------------------------------------ actions */

static void set_state(svc_link *l, svc_link_state to, const char *why)
{
	svc_link_state from = l->state;
	if (from == to)
		return;
	l->state = to;
	if (l->ops->state_changed)
		l->ops->state_changed(l->ctx, l, from, why);
}

static void forget_window(svc_link *l)
{
	l->ninflight = 0;
	/* Anything sent but not confirmed is sent again after the next
	 * HELLO; the receiver drops what it already has. */
	l->send_after = l->acked;
}

static int send_hello(svc_link *l, uint64_t now)
{
	l->last_tx_ms = now;
	return l->ops->send_hello(l->ctx, l);
}

void svc_link_new_session(svc_link *l)
{
	l->peer_head_known = false;
	l->peer_log_head = 0;
}

static void adopt_hello(svc_link *l, const svc_hello *h)
{
	uint64_t resume = svc_link_resume_point(h, l->my_store_id);
	uint64_t head = l->ops->log_head(l->ctx, l);
	if (resume > head) {
		/* The peer says it holds more of this log than exists: a
		 * checkpoint pushed past the data, or this store restored from
		 * an older copy. Resuming there would skip everything written
		 * from here on; start over and let the peer's summary skip
		 * what it has. */
		l->divergences++;
		if (l->ops->diverged)
			l->ops->diverged(l->ctx, l, resume, head);
		resume = 0;
	}
	l->peer_head_known = true;
	l->peer_log_head = h->log_head;
	if (resume > l->sent_high)
		l->sent_high = resume;
	memcpy(l->peer_store_id, h->store_id, 16);
	l->peer_store_known = true;
	l->peer_hlc = h->hlc;
	/* Silence is judged by the slower of the two ping rates: a peer that
	 * pings every 5 s is not dead after 5 of our 200 ms heartbeats. */
	uint32_t slowest = h->ping_ms > (uint32_t)l->ping_ms ? h->ping_ms : (uint32_t)l->ping_ms;
	l->dead_ms = (int)(5 * slowest);
	l->ninflight = 0;
	l->send_after = resume;
	l->acked = resume;
}

/* Send batches while the window has room and the log has more. */
static int pump(svc_link *l, uint64_t now)
{
	while (l->state == SVC_LINK_UP && l->ninflight < l->window) {
		uint64_t to = l->send_after;
		bool sent = false;
		int rc = l->ops->send_batch(l->ctx, l, l->next_id, l->send_after, &to, &sent);
		if (rc)
			return rc;
		if (!sent)
			break;
		l->inflight[l->ninflight].id = l->next_id;
		l->inflight[l->ninflight].to_lsn = to;
		l->ninflight++;
		l->next_id++;
		l->send_after = to;
		if (to > l->sent_high)
			l->sent_high = to;
		l->last_tx_ms = now;
		l->batches_out++;
	}
	return 0;
}

/* The batch claims positions the peer's HELLO does not allow. */
static int batch_out_of_bounds(svc_link *l, const svc_batch *b)
{
	if (b->to_lsn > l->peer_log_head)
		return svc_errf(SVC_EINVAL,
		                "batch %llu refused: to_lsn %llu is beyond the log head %llu "
		                "announced in its HELLO",
		                (unsigned long long)b->id, (unsigned long long)b->to_lsn,
		                (unsigned long long)l->peer_log_head);
	return 0;
}

static int on_batch(svc_link *l, const svc_batch *b, uint64_t now)
{
	svc_ack ack;
	memset(&ack, 0, sizeof ack);
	int rc = batch_out_of_bounds(l, b);
	if (rc)
		l->protocol_errors++;
	else
		rc = l->ops->apply_batch(l->ctx, l, b, &ack);
	if (rc) {
		/* The rest of this window must not be applied: it would move
		 * our checkpoint past the refused batch, and the peer, resuming
		 * from that checkpoint, would never send it again. Stop taking
		 * batches until a HELLO restarts the peer from what we hold;
		 * the node asks for one (the initiator says HELLO, the
		 * responder reports the error to the peer). */
		forget_window(l);
		set_state(l, l->initiator ? SVC_LINK_HELLO_SENT : SVC_LINK_DOWN,
		          "batch not applied");
		return rc;
	}
	ack.id = b->id;
	l->batches_in++;
	l->last_tx_ms = now;
	return l->ops->send_ack(l->ctx, l, &ack);
}

static int on_ack(svc_link *l, const svc_ack *a, uint64_t now)
{
	/* Acks come in order on one connection, and one confirms every
	 * batch before it. Ids only grow and the window holds the newest, so
	 * an id below next_id that is not in it is a stale duplicate (or was
	 * sent before a HELLO reset the window): harmless, ignored. An id
	 * this link never used is the peer's mistake. */
	size_t i;
	for (i = 0; i < l->ninflight; i++)
		if (l->inflight[i].id == a->id)
			break;
	if (i == l->ninflight) {
		if (a->id == 0 || a->id >= l->next_id)
			l->protocol_errors++;
		return 0;
	}
	if (a->to_lsn > l->sent_high) {
		/* It confirms what was never sent: nothing it says can be
		 * believed, so nothing moves (the slot stays taken; the dead
		 * timer or the next HELLO starts over). */
		l->protocol_errors++;
		return svc_errf(SVC_EINVAL,
		                "ACK %llu refused: lsn %llu is beyond the %llu this node has sent",
		                (unsigned long long)a->id, (unsigned long long)a->to_lsn,
		                (unsigned long long)l->sent_high);
	}
	uint64_t to = l->inflight[i].to_lsn;
	memmove(&l->inflight[0], &l->inflight[i + 1],
	        (l->ninflight - i - 1) * sizeof l->inflight[0]);
	l->ninflight -= i + 1;
	if (to > l->acked) {
		l->acked = to;
		if (l->ops->acked)
			l->ops->acked(l->ctx, l, to);
	}
	return pump(l, now);
}

static int on_tick(svc_link *l, uint64_t now)
{
	if (l->state == SVC_LINK_DOWN)
		return 0;
	if (l->last_rx_ms && now > l->last_rx_ms + (uint64_t)l->dead_ms) {
		forget_window(l);
		if (!l->initiator) {
			set_state(l, SVC_LINK_DOWN, "peer silent");
			return 0;
		}
		/* The connection may look alive to ZeroMQ while the peer
		 * does not answer: start the conversation over. */
		l->last_rx_ms = now;
		set_state(l, SVC_LINK_HELLO_SENT, "peer silent, saying hello again");
		return send_hello(l, now);
	}
	if (l->state == SVC_LINK_UP && now >= l->last_tx_ms + (uint64_t)l->ping_ms) {
		l->last_tx_ms = now;
		int rc = l->ops->send_ping(l->ctx, l);
		if (rc)
			return rc;
	}
	return pump(l, now);
}

/* ------------------------------------------------------------ dispatch */

int svc_link_handle(svc_link *l, svc_link_event ev, const svc_msg *msg, uint64_t now)
{
	int rc;
	switch (ev) {
	case SVC_EV_CONNECTED:
		/* The initiator speaks first on every new connection. */
		forget_window(l);
		svc_link_new_session(l);
		l->last_rx_ms = now;
		rc = send_hello(l, now);
		set_state(l, SVC_LINK_HELLO_SENT, "connected");
		return rc;

	case SVC_EV_HELLO:
		if (!msg || msg->type != SVC_MSG_HELLO)
			return svc_errf(SVC_EINVAL, "link %s: HELLO event without a HELLO",
			                l->peer);
		l->last_rx_ms = now;
		if (l->peer_head_known &&
		    memcmp(l->peer_store_id, msg->u.hello.store_id, 16) == 0 &&
		    msg->u.hello.log_head < l->peer_log_head) {
			/* A log only grows: a smaller head from the same store
			 * in one session means its positions cannot be trusted.
			 * End the session; the next HELLO starts a new one. */
			uint64_t was = l->peer_log_head;
			l->protocol_errors++;
			forget_window(l);
			svc_link_new_session(l);
			set_state(l, l->initiator ? SVC_LINK_HELLO_SENT : SVC_LINK_DOWN,
			          "log head shrank");
			return svc_errf(SVC_EINVAL,
			                "HELLO refused: log head %llu is below the %llu announced "
			                "earlier in this session",
			                (unsigned long long)msg->u.hello.log_head,
			                (unsigned long long)was);
		}
		adopt_hello(l, &msg->u.hello);
		if (!l->initiator) {
			/* The responder answers every HELLO: a repeated one
			 * means the peer reconnected and lost our state. */
			rc = send_hello(l, now);
			if (rc)
				return rc;
		}
		set_state(l, SVC_LINK_UP, "hello");
		return pump(l, now);

	case SVC_EV_BATCH:
		l->last_rx_ms = now;
		if (l->state != SVC_LINK_UP || !msg || msg->type != SVC_MSG_BATCH) {
			l->protocol_errors++;
			return 0;
		}
		return on_batch(l, &msg->u.batch, now);

	case SVC_EV_ACK:
		l->last_rx_ms = now;
		if (l->state != SVC_LINK_UP || !msg || msg->type != SVC_MSG_ACK) {
			l->protocol_errors++;
			return 0;
		}
		return on_ack(l, &msg->u.ack, now);

	case SVC_EV_PING:
		l->last_rx_ms = now;
		if (msg && msg->type == SVC_MSG_PING) {
			l->peer_hlc = msg->u.ping.hlc;
			uint64_t head = msg->u.ping.log_head;
			if (head && l->peer_head_known) {
				if (head < l->peer_log_head) {
					l->protocol_errors++;
					return svc_errf(SVC_EINVAL,
					                "PING refused: log head %llu is below the "
					                "%llu announced earlier in this session",
					                (unsigned long long)head,
					                (unsigned long long)l->peer_log_head);
				}
				l->peer_log_head = head;
			}
		}
		return 0;

	case SVC_EV_WORK:
		return pump(l, now);

	case SVC_EV_TICK:
		return on_tick(l, now);

	case SVC_EV_DISCONNECTED:
		forget_window(l);
		svc_link_new_session(l);
		set_state(l, SVC_LINK_DOWN, "disconnected");
		return 0;

	case SVC_EV_NONE:
		break;
	}
	return svc_errf(SVC_EINVAL, "link %s: unknown event %d", l->peer, (int)ev);
}

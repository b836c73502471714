/*
 * test_proto: the per-link replication state machine (svc_proto), driven
 * through fake ops: no sockets, no store.
 *
 * The fake node has a "log" of positions 1..len; send_batch hands out up to
 * per_batch positions after `after`, and says nothing is left once after
 * reaches len. Every op call is recorded (HELLOs, batches with id / after /
 * to, ACKs, pings, acked positions, state changes, applied batch ids), so
 * each case checks exactly what the link asked the node to do.
 *
 * The scripted cases walk the state table in svc_proto.h: the initiator's and
 * the responder's handshakes, credit-based flow control, store identity,
 * the positions a peer states (a batch beyond its announced log head, a head
 * that shrinks, an ACK beyond what was sent, a resume point beyond this
 * node's log), protocol errors, apply failures, disconnects and timers, and
 * the window clamp. The randomized run then wires two links to each other through
 * in-memory queues and throws random deliveries, disconnects, apply failures,
 * log growth, work and timer ticks at them; after a final reconnect each side
 * must hold the other's whole log, with no position skipped, none beyond the
 * log's end, and duplicates only in runs where something went wrong.
 */
#include "svc_proto.h"
#include "svc_err.h"
#include "testlib.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_MAX 256 /* calls kept per kind (the counts go on beyond) */
#define LOG_MAX 400 /* longest log in the randomized run */
#define T0 1000     /* a clock that is not zero */

/* Keep the first REC_MAX values, count them all. */
#define REC(arr, n, v)                                                                             \
	do {                                                                                       \
		if ((n) < REC_MAX)                                                                 \
			(arr)[(n)] = (v);                                                          \
		(n)++;                                                                             \
	} while (0)

struct sent_batch {
	uint64_t id, after, to;
};

/* A message on its way to the peer, with the position the batch starts
 * after (which the wire does not carry) so the receiver can spot a gap. */
struct qmsg {
	svc_msg m;
	uint64_t after;
};

struct queue {
	struct qmsg *v;
	size_t head, len, cap;
};

struct fake {
	uint8_t store_id[SVC_STORE_ID_LEN];
	uint64_t len;       /* this node's log: positions 1..len can be sent */
	uint64_t per_batch; /* positions per batch at most */

	/* Recorded op calls. */
	int hellos, pings, downs, state_changes;
	svc_link_state last_from, last_to;
	struct sent_batch sent[REC_MAX];
	size_t nsent;
	svc_ack acks[REC_MAX];
	size_t nacks;
	uint64_t acked[REC_MAX];
	size_t nacked;
	uint64_t last_acked;
	uint64_t acked_backwards; /* acked() reported a position not above the last */
	uint64_t applied[REC_MAX];
	size_t napplied;
	int diverged; /* diverged() calls, with the last arguments */
	uint64_t diverged_resume, diverged_head;
	int fail_apply;    /* apply_batch returns this, while non-zero */
	bool fail_once;    /* ... for the next batch only */
	uint64_t failures; /* applies refused */

	/* Randomized run: wiring and what arrived from the peer's log. */
	struct queue *out;
	const bool *conn_up; /* sends are lost while the connection is down */
	bool track;
	uint64_t rx_after; /* the batch being delivered starts after this */
	uint64_t peer_len; /* the peer's whole log */
	uint16_t seen[LOG_MAX + 1];
	uint64_t contig; /* peer's log applied through here (the checkpoint) */
	uint64_t gaps, dups, beyond;
	/* ... and what this side sent: ids always grow, and a batch starts
	 * where the last ended or, after a reset, at the acknowledged point. */
	uint64_t last_id, sent_to, order_errors;
};

/* ------------------------------------------------------------ queues */

static void q_push(struct queue *q, const struct qmsg *m)
{
	if (q->head + q->len == q->cap) {
		if (q->head) {
			memmove(q->v, q->v + q->head, q->len * sizeof *q->v);
			q->head = 0;
		} else {
			q->cap = q->cap ? q->cap * 2 : 64;
			q->v = realloc(q->v, q->cap * sizeof *q->v);
			if (!q->v) {
				perror("realloc");
				exit(2);
			}
		}
	}
	q->v[q->head + q->len++] = *m;
}

static bool q_pop(struct queue *q, struct qmsg *m)
{
	if (!q->len)
		return false;
	*m = q->v[q->head++];
	q->len--;
	if (!q->len)
		q->head = 0;
	return true;
}

static void q_clear(struct queue *q)
{
	q->head = q->len = 0;
}

static void emit(struct fake *f, const svc_msg *m, uint64_t after)
{
	struct qmsg q;
	if (!f->out || !*f->conn_up)
		return;
	memset(&q, 0, sizeof q);
	q.m = *m;
	q.after = after;
	q_push(f->out, &q);
}

/* ------------------------------------------------------------ fake ops */

static int op_send_hello(void *ctx, svc_link *l)
{
	struct fake *f = ctx;
	svc_msg m;
	f->hellos++;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_HELLO;
	m.u.hello.version = SVC_PROTO_VERSION;
	memcpy(m.u.hello.store_id, f->store_id, SVC_STORE_ID_LEN);
	m.u.hello.log_head = f->len;
	l->head_announced = f->len;
	/* Like the node: a checkpoint only for a store we know. */
	if (l->peer_store_known) {
		m.u.hello.has_your_store_id = true;
		memcpy(m.u.hello.your_store_id, l->peer_store_id, SVC_STORE_ID_LEN);
		m.u.hello.checkpoint = f->contig;
	}
	emit(f, &m, 0);
	return 0;
}

static int op_send_batch(void *ctx, svc_link *l, uint64_t id, uint64_t after, uint64_t *to_lsn,
                         bool *sent)
{
	struct fake *f = ctx;
	svc_msg m;
	if (after >= f->len) {
		*sent = false;
		return 0;
	}
	uint64_t to = after + f->per_batch < f->len ? after + f->per_batch : f->len;
	struct sent_batch b = {id, after, to};
	if (to > l->head_announced) {
		/* Like the node: the log grew since the HELLO, say so first. */
		memset(&m, 0, sizeof m);
		m.type = SVC_MSG_PING;
		m.u.ping.log_head = to;
		emit(f, &m, 0);
		l->head_announced = to;
	}
	if (id <= f->last_id || (after != f->sent_to && after != l->acked))
		f->order_errors++;
	f->last_id = id;
	f->sent_to = to;
	REC(f->sent, f->nsent, b);
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_BATCH;
	m.u.batch.id = id;
	m.u.batch.to_lsn = to;
	emit(f, &m, after);
	*to_lsn = to;
	*sent = true;
	return 0;
}

static int op_apply_batch(void *ctx, svc_link *l, const svc_batch *b, svc_ack *ack)
{
	struct fake *f = ctx;
	(void)l;
	if (f->fail_apply || f->fail_once) {
		f->fail_once = false;
		f->failures++;
		return f->fail_apply ? f->fail_apply : SVC_ESTORE;
	}
	REC(f->applied, f->napplied, b->id);
	ack->to_lsn = b->to_lsn;
	if (!f->track)
		return 0;
	if (f->rx_after > f->contig)
		f->gaps++; /* positions contig+1..rx_after would be skipped */
	for (uint64_t p = f->rx_after + 1; p <= b->to_lsn; p++) {
		if (p > f->peer_len || p > LOG_MAX) {
			f->beyond++;
			break;
		}
		if (f->seen[p]++)
			f->dups++;
	}
	if (b->to_lsn > f->contig)
		f->contig = b->to_lsn;
	ack->to_lsn = f->contig;
	return 0;
}

static int op_send_ack(void *ctx, svc_link *l, const svc_ack *ack)
{
	struct fake *f = ctx;
	svc_msg m;
	(void)l;
	REC(f->acks, f->nacks, *ack);
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_ACK;
	m.u.ack = *ack;
	emit(f, &m, 0);
	return 0;
}

static int op_send_ping(void *ctx, svc_link *l)
{
	struct fake *f = ctx;
	svc_msg m;
	f->pings++;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_PING;
	m.u.ping.hlc = 42;
	m.u.ping.log_head = l->head_announced;
	emit(f, &m, 0);
	return 0;
}

static void op_acked(void *ctx, svc_link *l, uint64_t to_lsn)
{
	struct fake *f = ctx;
	(void)l;
	if (f->nacked && to_lsn <= f->last_acked)
		f->acked_backwards++;
	f->last_acked = to_lsn;
	REC(f->acked, f->nacked, to_lsn);
}

static void op_state_changed(void *ctx, svc_link *l, svc_link_state from, const char *why)
{
	struct fake *f = ctx;
	(void)why;
	f->state_changes++;
	f->last_from = from;
	f->last_to = l->state;
	if (l->state == SVC_LINK_DOWN)
		f->downs++;
}

static uint64_t op_log_head(void *ctx, svc_link *l)
{
	struct fake *f = ctx;
	(void)l;
	return f->len;
}

static void op_diverged(void *ctx, svc_link *l, uint64_t resume, uint64_t head)
{
	struct fake *f = ctx;
	(void)l;
	f->diverged++;
	f->diverged_resume = resume;
	f->diverged_head = head;
}

static const svc_link_ops fake_ops = {
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

/* ------------------------------------------------------------ helpers */

static const uint8_t STORE_A[SVC_STORE_ID_LEN] = {0xa1, 0xa2, 0xa3, 0xa4, 5,  6,  7,  8,
                                                  9,    10,   11,   12,   13, 14, 15, 16};
static const uint8_t STORE_B[SVC_STORE_ID_LEN] = {0xb1, 0xb2, 0xb3, 0xb4, 5,  6,  7,  8,
                                                  9,    10,   11,   12,   13, 14, 15, 16};
static const uint8_t STORE_X[16] = {0xee, 0xee, 0xee, 0xee, 5,  6,  7,  8,
                                    9,    10,   11,   12,   13, 14, 15, 16};

static void fake_init(struct fake *f, const uint8_t store[SVC_STORE_ID_LEN], uint64_t len,
                      uint64_t per_batch)
{
	memset(f, 0, sizeof *f);
	memcpy(f->store_id, store, SVC_STORE_ID_LEN);
	f->len = len;
	f->per_batch = per_batch;
}

/* The log head the scripted peer announces: above every batch it sends. */
#define PEER_HEAD 1000

/* A HELLO from the peer (store B) carrying `your` (NULL: none) and a checkpoint. */
static svc_msg hello_from(const uint8_t *your, uint64_t checkpoint)
{
	svc_msg m;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_HELLO;
	m.u.hello.version = SVC_PROTO_VERSION;
	memcpy(m.u.hello.store_id, STORE_B, SVC_STORE_ID_LEN);
	m.u.hello.hlc = 777;
	m.u.hello.log_head = PEER_HEAD;
	if (your) {
		m.u.hello.has_your_store_id = true;
		memcpy(m.u.hello.your_store_id, your, SVC_STORE_ID_LEN);
		m.u.hello.checkpoint = checkpoint;
	}
	return m;
}

static int hello(svc_link *l, const uint8_t *your, uint64_t checkpoint, uint64_t now)
{
	svc_msg m = hello_from(your, checkpoint);
	return svc_link_handle(l, SVC_EV_HELLO, &m, now);
}

static int ack(svc_link *l, uint64_t id, uint64_t now)
{
	svc_msg m;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_ACK;
	m.u.ack.id = id;
	return svc_link_handle(l, SVC_EV_ACK, &m, now);
}

static int batch(svc_link *l, uint64_t id, uint64_t to, uint64_t now)
{
	svc_msg m;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_BATCH;
	m.u.batch.id = id;
	m.u.batch.to_lsn = to;
	return svc_link_handle(l, SVC_EV_BATCH, &m, now);
}

/* Batches first..end-1 of f->sent are contiguous from `after`, ids increasing. */
static bool sent_run_ok(const struct fake *f, size_t first, size_t end, uint64_t after)
{
	for (size_t i = first; i < end; i++) {
		const struct sent_batch *b = &f->sent[i];
		if (b->after != after || b->to <= b->after || b->to - b->after > f->per_batch ||
		    (i > first && b->id <= f->sent[i - 1].id)) {
			fprintf(stderr,
			        "  batch %zu: id %llu after %llu to %llu, expected after %llu\n", i,
			        (unsigned long long)b->id, (unsigned long long)b->after,
			        (unsigned long long)b->to, (unsigned long long)after);
			return false;
		}
		after = b->to;
	}
	return true;
}

/* ------------------------------------------------------------ scripted cases */

static void test_initiator(void)
{
	struct fake f;
	svc_link l;
	fake_init(&f, STORE_A, 100, 10);
	svc_link_init(&l, "hq", STORE_A, true, 4, &fake_ops, &f);
	CHECK_INT(l.state, SVC_LINK_DOWN);

	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
	CHECK_INT(l.state, SVC_LINK_HELLO_SENT);
	CHECK_INT(f.hellos, 1);
	CHECK_INT(f.state_changes, 1);
	CHECK_INT(f.last_from, SVC_LINK_DOWN);
	CHECK_INT(f.nsent, 0);

	/* The peer holds our log through 30: pump 30..70 in four batches. */
	CHECK_INT(hello(&l, STORE_A, 30, T0 + 1), 0);
	CHECK_INT(l.state, SVC_LINK_UP);
	CHECK_INT(f.last_from, SVC_LINK_HELLO_SENT);
	CHECK_INT(f.hellos, 1); /* the initiator does not answer the answer */
	CHECK(l.peer_store_known && memcmp(l.peer_store_id, STORE_B, SVC_STORE_ID_LEN) == 0);
	CHECK_INT(l.peer_hlc, 777);
	CHECK_INT(f.nsent, 4);
	CHECK_INT(l.ninflight, 4);
	CHECK(sent_run_ok(&f, 0, f.nsent, 30));
	CHECK_INT(f.sent[3].to, 70);
	CHECK_INT(l.acked, 30);
	CHECK_INT(l.send_after, 70);

	/* WORK with a full window sends nothing. */
	CHECK_INT(svc_link_handle(&l, SVC_EV_WORK, NULL, T0 + 2), 0);
	CHECK_INT(f.nsent, 4);

	/* Each ACK frees one slot: the next batch goes out, in order. */
	for (size_t i = 0; i < 3; i++) {
		CHECK_INT(ack(&l, f.sent[i].id, T0 + 3), 0);
		CHECK_INT(f.nacked, i + 1);
		CHECK_INT(f.acked[i], f.sent[i].to);
		CHECK_INT(f.nsent, 5 + i);
		CHECK_INT(l.ninflight, 4);
	}
	CHECK(sent_run_ok(&f, 0, f.nsent, 30));
	CHECK_INT(f.sent[6].to, 100);

	/* The log is exhausted: acks release slots, nothing more goes out. */
	for (size_t i = 3; i < 7; i++)
		CHECK_INT(ack(&l, f.sent[i].id, T0 + 4), 0);
	CHECK_INT(f.nsent, 7);
	CHECK_INT(l.ninflight, 0);
	CHECK_INT(l.acked, 100);
	CHECK_INT(f.nacked, 7);
	CHECK_INT(f.acked[6], 100);
	CHECK_INT(f.acked_backwards, 0);
	CHECK_INT(svc_link_handle(&l, SVC_EV_WORK, NULL, T0 + 5), 0);
	CHECK_INT(f.nsent, 7);
	CHECK_INT(l.batches_out, 7);
	CHECK_INT(l.protocol_errors, 0);

	/* The log grows: WORK ships the new tail and stops at its end. */
	f.len = 125;
	CHECK_INT(svc_link_handle(&l, SVC_EV_WORK, NULL, T0 + 6), 0);
	CHECK_INT(f.nsent, 10);
	CHECK(sent_run_ok(&f, 0, f.nsent, 30));
	CHECK_INT(f.sent[9].to, 125);
	CHECK_INT(svc_link_handle(&l, SVC_EV_WORK, NULL, T0 + 7), 0);
	CHECK_INT(f.nsent, 10);

	/* An ACK for a later batch confirms the earlier ones too. */
	CHECK_INT(ack(&l, f.sent[8].id, T0 + 8), 0);
	CHECK_INT(l.ninflight, 1);
	CHECK_INT(l.acked, 120);
	CHECK_INT(f.acked[f.nacked - 1], 120);

	/* A stale duplicate ACK (already released) changes nothing. */
	size_t nacked = f.nacked;
	CHECK_INT(ack(&l, f.sent[8].id, T0 + 9), 0);
	CHECK_INT(ack(&l, f.sent[7].id, T0 + 9), 0);
	CHECK_INT(l.ninflight, 1);
	CHECK_INT(l.acked, 120);
	CHECK_INT(f.nacked, nacked);
	CHECK_INT(f.nsent, 10);
	CHECK_INT(l.protocol_errors, 0); /* stale, not wrong */
	CHECK_INT(ack(&l, f.sent[9].id, T0 + 10), 0);
	CHECK_INT(l.ninflight, 0);
	CHECK_INT(l.acked, 125);
	CHECK_INT(f.acked_backwards, 0);
	CHECK_INT(l.state, SVC_LINK_UP);
}

static void test_responder(void)
{
	struct fake f;
	svc_link l;
	fake_init(&f, STORE_A, 200, 5);
	svc_link_init(&l, "shop-1", STORE_A, false, 3, &fake_ops, &f);

	/* The peer speaks first: answer and go up. */
	CHECK_INT(hello(&l, STORE_A, 20, T0), 0);
	CHECK_INT(l.state, SVC_LINK_UP);
	CHECK_INT(f.hellos, 1);
	CHECK_INT(f.state_changes, 1);
	CHECK_INT(f.last_from, SVC_LINK_DOWN);
	CHECK_INT(f.nsent, 3);
	CHECK(sent_run_ok(&f, 0, 3, 20));
	CHECK_INT(ack(&l, f.sent[0].id, T0 + 1), 0);
	CHECK_INT(f.nsent, 4);
	CHECK_INT(l.acked, 25);

	/* The peer reconnected and holds our log through 60 now: answer
	 * again, forget the old window, restart from 60. */
	uint64_t old_last_id = f.sent[3].id;
	CHECK_INT(hello(&l, STORE_A, 60, T0 + 2), 0);
	CHECK_INT(l.state, SVC_LINK_UP);
	CHECK_INT(f.hellos, 2);
	CHECK_INT(f.nsent, 7);
	CHECK_INT(l.ninflight, 3);
	CHECK(sent_run_ok(&f, 4, 7, 60));
	CHECK(f.sent[4].id > old_last_id);
	CHECK_INT(l.acked, 60);

	/* ACKs from the old window release nothing (and are no error:
	 * they were on the wire when the HELLO arrived). */
	CHECK_INT(ack(&l, old_last_id, T0 + 3), 0);
	CHECK_INT(l.ninflight, 3);
	CHECK_INT(f.nsent, 7);
	CHECK_INT(l.acked, 60);
	CHECK_INT(f.nacked, 1);
	CHECK_INT(l.protocol_errors, 0);

	/* And a HELLO with a lower checkpoint (peer restored from backup)
	 * goes back: nothing is skipped. */
	CHECK_INT(hello(&l, STORE_A, 10, T0 + 4), 0);
	CHECK_INT(f.hellos, 3);
	CHECK_INT(f.nsent, 10);
	CHECK(sent_run_ok(&f, 7, 10, 10));
	CHECK_INT(l.acked, 10);
	CHECK_INT(l.protocol_errors, 0);
}

static void test_store_identity(void)
{
	svc_msg m;
	struct fake f;
	svc_link l;

	m = hello_from(STORE_A, 55);
	CHECK_INT(svc_link_resume_point(&m.u.hello, STORE_A), 55);
	CHECK_INT(svc_link_resume_point(&m.u.hello, STORE_X), 0);
	m = hello_from(NULL, 0);
	m.u.hello.checkpoint = 55; /* a checkpoint without a store means nothing */
	CHECK_INT(svc_link_resume_point(&m.u.hello, STORE_A), 0);

	/* The peer's checkpoint refers to another store of ours (we were
	 * restored or re-created): start over from the beginning. */
	fake_init(&f, STORE_A, 50, 10);
	svc_link_init(&l, "hq", STORE_A, true, 2, &fake_ops, &f);
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
	CHECK_INT(hello(&l, STORE_X, 40, T0), 0);
	CHECK_INT(l.state, SVC_LINK_UP);
	CHECK_INT(f.nsent, 2);
	CHECK(sent_run_ok(&f, 0, 2, 0));
	CHECK_INT(l.acked, 0);

	/* No store id at all: also from the start. */
	fake_init(&f, STORE_A, 50, 10);
	svc_link_init(&l, "shop", STORE_A, false, 2, &fake_ops, &f);
	m = hello_from(NULL, 0);
	m.u.hello.checkpoint = 40;
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0), 0);
	CHECK_INT(f.nsent, 2);
	CHECK(sent_run_ok(&f, 0, 2, 0));
}

static int ping_head(svc_link *l, uint64_t head, uint64_t now)
{
	svc_msg m;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_PING;
	m.u.ping.hlc = 777;
	m.u.ping.log_head = head;
	return svc_link_handle(l, SVC_EV_PING, &m, now);
}

/* Positions the peer states are checked against what each side has. */
static void test_positions(void)
{
	struct fake f;
	svc_link l;
	svc_msg m;

	/* A batch beyond the head the peer's HELLO announced is refused:
	 * not applied, no ACK, the session waits for a new HELLO. */
	fake_init(&f, STORE_A, 0, 10);
	svc_link_init(&l, "shop", STORE_A, false, 4, &fake_ops, &f);
	m = hello_from(STORE_A, 0);
	m.u.hello.log_head = 50;
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0), 0);
	CHECK_INT(l.peer_log_head, 50);
	svc_errclear();
	CHECK_INT(batch(&l, 1, 1ULL << 62, T0 + 1), SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "to_lsn 4611686018427387904") != NULL);
	CHECK(strstr(svc_errmsg(), "log head 50") != NULL);
	CHECK_INT(f.napplied, 0);
	CHECK_INT(f.nacks, 0);
	CHECK_INT(l.protocol_errors, 1);
	CHECK_INT(l.state, SVC_LINK_DOWN);
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0 + 2), 0);
	CHECK_INT(batch(&l, 2, 50, T0 + 3), 0);
	CHECK_INT(f.napplied, 1);
	CHECK_INT(batch(&l, 3, 51, T0 + 4), SVC_EINVAL);
	CHECK_INT(f.napplied, 1);

	/* A PING raises the head for the batches that follow it; a smaller
	 * one is refused and lowers nothing. */
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0 + 5), 0);
	CHECK_INT(ping_head(&l, 80, T0 + 6), 0);
	CHECK_INT(l.peer_log_head, 80);
	CHECK_INT(batch(&l, 4, 80, T0 + 7), 0);
	CHECK_INT(f.napplied, 2);
	CHECK_INT(ping_head(&l, 60, T0 + 8), SVC_EINVAL);
	CHECK_INT(l.peer_log_head, 80);
	CHECK_INT(ping_head(&l, 0, T0 + 8), 0); /* no news */
	CHECK_INT(l.peer_log_head, 80);

	/* A later HELLO of the same store with a smaller head ends the
	 * session; the next HELLO starts a new one. */
	uint64_t perr = l.protocol_errors;
	m.u.hello.log_head = 40;
	svc_errclear();
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0 + 9), SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "log head 40 is below the 80") != NULL);
	CHECK_INT(l.protocol_errors, perr + 1);
	CHECK_INT(l.state, SVC_LINK_DOWN);
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0 + 10), 0);
	CHECK_INT(l.state, SVC_LINK_UP);
	CHECK_INT(l.peer_log_head, 40);

	/* A peer whose HELLO says nothing of its head (an older one) may
	 * claim nothing. */
	m.u.hello.log_head = 0;
	CHECK_INT(svc_link_handle(&l, SVC_EV_DISCONNECTED, NULL, T0 + 11), 0);
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, &m, T0 + 12), 0);
	CHECK_INT(batch(&l, 5, 1, T0 + 13), SVC_EINVAL);
	CHECK_INT(f.napplied, 2);

	/* An ACK for more than was ever sent moves nothing. */
	fake_init(&f, STORE_A, 30, 10);
	svc_link_init(&l, "hq", STORE_A, true, 4, &fake_ops, &f);
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
	CHECK_INT(hello(&l, STORE_A, 0, T0 + 1), 0);
	CHECK_INT(f.nsent, 3);
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_ACK;
	m.u.ack.id = f.sent[0].id;
	m.u.ack.to_lsn = 1000;
	CHECK_INT(svc_link_handle(&l, SVC_EV_ACK, &m, T0 + 2), SVC_EINVAL);
	CHECK_INT(l.acked, 0);
	CHECK_INT(f.nacked, 0);
	CHECK_INT(l.ninflight, 3);
	CHECK_INT(l.protocol_errors, 1);
	m.u.ack.to_lsn = 30; /* as far as was sent: fine */
	CHECK_INT(svc_link_handle(&l, SVC_EV_ACK, &m, T0 + 3), 0);
	CHECK_INT(l.acked, 10);

	/* A resume point beyond this node's log is a divergence: reported,
	 * and sending starts over from the beginning, never after it. */
	fake_init(&f, STORE_A, 20, 10);
	svc_link_init(&l, "region", STORE_A, true, 4, &fake_ops, &f);
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
	CHECK_INT(hello(&l, STORE_A, 1ULL << 62, T0 + 1), 0);
	CHECK_INT(f.diverged, 1);
	CHECK_INT(f.diverged_resume, 1ULL << 62);
	CHECK_INT(f.diverged_head, 20);
	CHECK_INT(l.divergences, 1);
	CHECK_INT(f.nsent, 2);
	CHECK(sent_run_ok(&f, 0, 2, 0));
	CHECK_INT(l.acked, 0);
	/* At the head exactly is no divergence. */
	CHECK_INT(hello(&l, STORE_A, 20, T0 + 2), 0);
	CHECK_INT(f.diverged, 1);
	CHECK_INT(l.acked, 20);
}

static void test_errors(void)
{
	struct fake f;
	svc_link l;
	fake_init(&f, STORE_A, 0, 10); /* nothing to send: only the inbound side */
	svc_link_init(&l, "hq", STORE_A, true, 4, &fake_ops, &f);

	/* Not up: BATCH and ACK are counted and ignored. */
	CHECK_INT(batch(&l, 1, 10, T0), 0);
	CHECK_INT(l.protocol_errors, 1);
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
	CHECK_INT(batch(&l, 1, 10, T0), 0);
	CHECK_INT(ack(&l, 1, T0), 0);
	CHECK_INT(l.protocol_errors, 3);
	CHECK_INT(f.napplied, 0);
	CHECK_INT(f.nacks, 0);
	CHECK_INT(l.batches_in, 0);
	CHECK_INT(l.state, SVC_LINK_HELLO_SENT);

	/* A HELLO event must carry a HELLO. */
	svc_errclear();
	CHECK_INT(svc_link_handle(&l, SVC_EV_HELLO, NULL, T0), SVC_EINVAL);
	CHECK(strstr(svc_errmsg(), "hq") != NULL);
	CHECK_INT(l.state, SVC_LINK_HELLO_SENT);
	CHECK_INT(svc_link_handle(&l, (svc_link_event)99, NULL, T0), SVC_EINVAL);

	CHECK_INT(hello(&l, STORE_A, 0, T0), 0);
	CHECK_INT(l.state, SVC_LINK_UP);

	/* Up: apply, then ACK with the batch's id. */
	CHECK_INT(batch(&l, 7, 10, T0 + 1), 0);
	CHECK_INT(f.napplied, 1);
	CHECK_INT(f.applied[0], 7);
	CHECK_INT(f.nacks, 1);
	CHECK_INT(f.acks[0].id, 7);
	CHECK_INT(f.acks[0].to_lsn, 10);
	CHECK_INT(l.batches_in, 1);
	CHECK_INT(batch(&l, 8, 20, T0 + 2), 0);
	CHECK_INT(f.nacks, 2);
	CHECK_INT(f.acks[1].id, 8);
	CHECK_INT(l.protocol_errors, 3);

	/* A BATCH event with no batch in it. */
	CHECK_INT(svc_link_handle(&l, SVC_EV_BATCH, NULL, T0 + 2), 0);
	CHECK_INT(l.protocol_errors, 4);
	CHECK_INT(f.nacks, 2);

	/* ACK for a batch never sent (ids start at 1): counted, nothing
	 * released. */
	CHECK_INT(ack(&l, 12345, T0 + 3), 0);
	CHECK_INT(ack(&l, 0, T0 + 3), 0);
	CHECK_INT(l.protocol_errors, 6);
	CHECK_INT(f.nacked, 0);
	CHECK_INT(l.acked, 0);

	/* Apply fails: the error comes back and no ACK goes out. */
	f.fail_apply = SVC_ESTORE;
	CHECK_INT(batch(&l, 9, 30, T0 + 4), SVC_ESTORE);
	CHECK_INT(f.nacks, 2);
	CHECK_INT(l.batches_in, 2);
	f.fail_apply = 0;
}

/*
 * After a batch is refused, the rest of its window must not be applied:
 * the receiver's checkpoint would move past the refused batch, and the
 * sender, resuming from that checkpoint, would never send it again.
 */
static void test_apply_failure_stops_window(void)
{
	for (int initiator = 0; initiator <= 1; initiator++) {
		struct fake f;
		svc_link l;
		fake_init(&f, STORE_A, 0, 10);
		svc_link_init(&l, "peer", STORE_A, initiator, 4, &fake_ops, &f);
		if (initiator)
			CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
		CHECK_INT(hello(&l, STORE_A, 0, T0), 0);
		CHECK_INT(l.state, SVC_LINK_UP);
		int hellos = f.hellos;

		CHECK_INT(batch(&l, 1, 10, T0 + 1), 0);
		f.fail_once = true;
		CHECK_INT(batch(&l, 2, 20, T0 + 2), SVC_ESTORE);
		CHECK(l.state != SVC_LINK_UP);
		/* Batch 3 was already on the wire: it must not be applied. */
		CHECK_INT(batch(&l, 3, 30, T0 + 3), 0);
		CHECK_INT(f.napplied, 1);
		CHECK_INT(f.nacks, 1);
		CHECK_INT(f.hellos, hellos); /* the node decides how to resync */

		/* The resync: a HELLO brings the link up again. */
		if (initiator)
			CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0 + 4), 0);
		CHECK_INT(hello(&l, STORE_A, 0, T0 + 5), 0);
		CHECK_INT(l.state, SVC_LINK_UP);
		CHECK_INT(batch(&l, 4, 20, T0 + 6), 0);
		CHECK_INT(f.napplied, 2);
		CHECK_INT(f.applied[1], 4);
	}
}

static void test_disconnect(void)
{
	struct fake f;
	svc_link l;
	fake_init(&f, STORE_A, 100, 10);
	svc_link_init(&l, "hq", STORE_A, true, 3, &fake_ops, &f);
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
	CHECK_INT(hello(&l, STORE_A, 0, T0), 0);
	CHECK_INT(f.nsent, 3);
	CHECK_INT(ack(&l, f.sent[0].id, T0 + 1), 0);
	CHECK_INT(ack(&l, f.sent[1].id, T0 + 1), 0);
	CHECK_INT(f.nsent, 5);
	CHECK_INT(l.acked, 20);
	uint64_t last_id = f.sent[4].id;

	/* Batches 3..5 (20..50) are lost with the connection. */
	CHECK_INT(svc_link_handle(&l, SVC_EV_DISCONNECTED, NULL, T0 + 2), 0);
	CHECK_INT(l.state, SVC_LINK_DOWN);
	CHECK_INT(f.last_from, SVC_LINK_UP);
	CHECK_INT(l.ninflight, 0);
	CHECK_INT(l.send_after, 20);

	/* Down: work, ticks and acks send nothing. */
	CHECK_INT(svc_link_handle(&l, SVC_EV_WORK, NULL, T0 + 3), 0);
	CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, T0 + 100000), 0);
	CHECK_INT(ack(&l, f.sent[2].id, T0 + 3), 0);
	CHECK_INT(f.nsent, 5);
	CHECK_INT(f.hellos, 1);
	CHECK_INT(f.pings, 0);
	CHECK_INT(l.acked, 20);

	/* Reconnect; the peer holds 20: send again from exactly there. */
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0 + 200000), 0);
	CHECK_INT(f.hellos, 2);
	CHECK_INT(l.state, SVC_LINK_HELLO_SENT);
	CHECK_INT(f.nsent, 5);
	CHECK_INT(hello(&l, STORE_A, 20, T0 + 200001), 0);
	CHECK_INT(f.nsent, 8);
	CHECK(sent_run_ok(&f, 5, 8, 20));
	CHECK(f.sent[5].id > last_id);
	for (size_t i = 5; i < 8; i++)
		CHECK_INT(ack(&l, f.sent[i].id, T0 + 200002), 0);
	for (size_t i = 8; i < f.nsent && i < 20; i++)
		CHECK_INT(ack(&l, f.sent[i].id, T0 + 200003), 0);
	CHECK_INT(l.acked, 100);
	CHECK(sent_run_ok(&f, 5, f.nsent, 20));
	CHECK_INT(f.nsent, 13);
	CHECK_INT(f.acked_backwards, 0);

	/* CONNECTED while up (the node resyncs after an error) also
	 * forgets the window and starts with a HELLO. */
	f.len = 150;
	CHECK_INT(svc_link_handle(&l, SVC_EV_WORK, NULL, T0 + 200004), 0);
	CHECK_INT(l.ninflight, 3);
	CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0 + 200005), 0);
	CHECK_INT(l.state, SVC_LINK_HELLO_SENT);
	CHECK_INT(l.ninflight, 0);
	CHECK_INT(l.send_after, 100);
	CHECK_INT(f.hellos, 3);
}

static void test_tick(void)
{
	svc_msg ping;
	memset(&ping, 0, sizeof ping);
	ping.type = SVC_MSG_PING;
	ping.u.ping.hlc = 4242;

	for (int initiator = 0; initiator <= 1; initiator++) {
		struct fake f;
		svc_link l;
		fake_init(&f, STORE_A, 0, 10);
		svc_link_init(&l, "peer", STORE_A, initiator, 4, &fake_ops, &f);
		l.ping_ms = 1000;
		l.dead_ms = 5000;
		if (initiator)
			CHECK_INT(svc_link_handle(&l, SVC_EV_CONNECTED, NULL, T0), 0);
		/* Not up yet: no pings. */
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, T0 + 1500), 0);
		CHECK_INT(f.pings, 0);

		/* Up at t. The initiator last spoke at T0 (its HELLO) and
		 * pings at once; the responder just answered the HELLO. */
		uint64_t t = T0 + 2000;
		CHECK_INT(hello(&l, STORE_A, 0, t), 0);
		CHECK_INT(l.state, SVC_LINK_UP);
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, t), 0);
		CHECK_INT(f.pings, initiator ? 1 : 0);
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, t + 999), 0);
		CHECK_INT(f.pings, initiator ? 1 : 0);
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, t + 1000), 0);
		CHECK_INT(f.pings, initiator ? 2 : 1);

		/* An ACK counts as speaking: the next ping waits for it. */
		CHECK_INT(batch(&l, 1, 5, t + 1900), 0);
		CHECK_INT(f.nacks, 1);
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, t + 2899), 0);
		CHECK_INT(f.pings, initiator ? 2 : 1);
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, t + 2900), 0);
		CHECK_INT(f.pings, initiator ? 3 : 2);

		/* The peer's ping keeps the link alive and carries its clock. */
		uint64_t rx = t + 3000;
		CHECK_INT(svc_link_handle(&l, SVC_EV_PING, &ping, rx), 0);
		CHECK_INT(l.peer_hlc, 4242);
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, rx + 5000), 0);
		CHECK_INT(l.state, SVC_LINK_UP);
		int pings = f.pings;
		int hellos = f.hellos;

		/* Silent for longer than dead_ms. */
		CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, rx + 5001), 0);
		CHECK_INT(l.ninflight, 0);
		CHECK_INT(f.pings, pings);
		CHECK_INT(f.last_from, SVC_LINK_UP);
		if (initiator) {
			CHECK_INT(l.state, SVC_LINK_HELLO_SENT);
			CHECK_INT(f.hellos, hellos + 1);
			/* Still silent: HELLO again after another dead_ms,
			 * and never a ping while not up. */
			CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, rx + 10001), 0);
			CHECK_INT(f.hellos, hellos + 1);
			CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, rx + 10002), 0);
			CHECK_INT(f.hellos, hellos + 2);
			CHECK_INT(f.pings, pings);
			CHECK_INT(l.state, SVC_LINK_HELLO_SENT);
		} else {
			CHECK_INT(l.state, SVC_LINK_DOWN);
			CHECK_INT(f.hellos, hellos);
			CHECK_INT(svc_link_handle(&l, SVC_EV_TICK, NULL, rx + 20000), 0);
			CHECK_INT(f.hellos, hellos);
			CHECK_INT(f.pings, pings);
			CHECK_INT(l.state, SVC_LINK_DOWN);
		}
	}
}

static void test_window_bounds(void)
{
	static const struct {
		size_t in, want;
	} cases[] = {{0, 1}, {1, 1}, {5, 5}, {16, 16}, {17, 16}, {1000, 16}, {(size_t)-1, 16}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fake f;
		svc_link l;
		fake_init(&f, STORE_A, 10000, 1);
		svc_link_init(&l, "peer", STORE_A, false, cases[i].in, &fake_ops, &f);
		CHECK_INT(l.window, cases[i].want);
		CHECK_INT(hello(&l, STORE_A, 0, T0), 0);
		CHECK_INT(f.nsent, cases[i].want);
		CHECK_INT(l.ninflight, cases[i].want);
	}
	CHECK_INT(SVC_LINK_WINDOW_MAX, 16);
	CHECK_STR(svc_link_state_name(SVC_LINK_DOWN), "down");
	CHECK_STR(svc_link_state_name(SVC_LINK_HELLO_SENT), "hello_sent");
	CHECK_STR(svc_link_state_name(SVC_LINK_UP), "up");
}

/* The events the node feeds for each message type it decodes. */
static void test_event_of(void)
{
	CHECK_INT(svc_link_event_of(SVC_MSG_HELLO), SVC_EV_HELLO);
	CHECK_INT(svc_link_event_of(SVC_MSG_BATCH), SVC_EV_BATCH);
	CHECK_INT(svc_link_event_of(SVC_MSG_ACK), SVC_EV_ACK);
	CHECK_INT(svc_link_event_of(SVC_MSG_PING), SVC_EV_PING);
	CHECK_INT(svc_link_event_of(SVC_MSG_ERROR), SVC_EV_NONE);
	CHECK_INT(svc_link_event_of(SVC_MSG_NONE), SVC_EV_NONE);
	CHECK_INT(svc_link_event_of((svc_msg_type)99), SVC_EV_NONE);
	/* Not an event: the link refuses it rather than act on it. */
	svc_link l;
	struct fake f;
	fake_init(&f, STORE_A, 0, 1);
	svc_link_init(&l, "peer", STORE_A, true, 1, &fake_ops, &f);
	CHECK_INT(svc_link_handle(&l, SVC_EV_NONE, NULL, T0), SVC_EINVAL);
	svc_errclear();
}

/* ------------------------------------------------------------ randomized run */

struct side {
	svc_link link;
	struct fake f;
	struct queue in; /* messages on their way to this side */
};

struct sim {
	struct side a, b; /* a: initiator (downstream), b: responder */
	bool conn_up;
	uint64_t now, rng;
	uint64_t errors_a, errors_b; /* op errors handed back to the node */
};

static uint64_t rnd(struct sim *s, uint64_t n)
{
	return svc_test_rand(&s->rng) % n;
}

static void sim_connected(struct sim *s)
{
	s->conn_up = true;
	svc_link_handle(&s->a.link, SVC_EV_CONNECTED, NULL, s->now);
}

static void sim_disconnect(struct sim *s)
{
	s->conn_up = false;
	q_clear(&s->a.in);
	q_clear(&s->b.in);
	svc_link_handle(&s->a.link, SVC_EV_DISCONNECTED, NULL, s->now);
	/* The responder (a ROUTER) usually does not hear of it. */
	if (rnd(s, 2))
		svc_link_handle(&s->b.link, SVC_EV_DISCONNECTED, NULL, s->now);
}

/* What the node does with an error from its link: the initiator resyncs
 * with a HELLO, the responder tells the peer, which then resyncs. */
static void sim_error(struct sim *s, struct side *x, int rc)
{
	/* Only the refusals the run injects: anything else is the link
	 * refusing what an honest peer did. */
	if (rc != SVC_ESTORE)
		fprintf(stderr, "  side %c: %s\n", x == &s->a ? 'a' : 'b', svc_errmsg());
	if (x == &s->a) {
		s->errors_a++;
		CHECK_INT(rc, SVC_ESTORE);
		svc_link_handle(&s->a.link, SVC_EV_CONNECTED, NULL, s->now);
	} else {
		svc_msg m;
		s->errors_b++;
		CHECK_INT(rc, SVC_ESTORE);
		memset(&m, 0, sizeof m);
		m.type = SVC_MSG_ERROR;
		emit(&s->b.f, &m, 0);
	}
}

static void sim_deliver(struct sim *s, struct side *to)
{
	struct qmsg q;
	svc_link_event ev;
	if (!q_pop(&to->in, &q))
		return;
	ev = svc_link_event_of(q.m.type);
	if (q.m.type == SVC_MSG_ERROR) {
		CHECK(to == &s->a);
		svc_link_handle(&to->link, SVC_EV_CONNECTED, NULL, s->now);
		return;
	}
	if (ev == SVC_EV_NONE) {
		CHECK(!"unexpected message type");
		return;
	}
	to->f.rx_after = q.after;
	int rc = svc_link_handle(&to->link, ev, &q.m, s->now);
	if (rc)
		sim_error(s, to, rc);
}

static void sim_event(struct sim *s, struct side *x, svc_link_event ev)
{
	int rc = svc_link_handle(&x->link, ev, NULL, s->now);
	CHECK_INT(rc, 0);
}

static void side_init(struct sim *s, struct side *x, const uint8_t store[SVC_STORE_ID_LEN],
                      bool initiator, uint64_t len, struct side *peer)
{
	fake_init(&x->f, store, 0, 1 + rnd(s, 12));
	x->f.len = rnd(s, 2) ? len : rnd(s, len + 1); /* the rest arrives later */
	x->f.out = &peer->in;
	x->f.conn_up = &s->conn_up;
	x->f.track = true;
	svc_link_init(&x->link, initiator ? "hq" : "shop", store, initiator, 1 + rnd(s, 20),
	              &fake_ops, &x->f);
	x->link.ping_ms = 1000;
	x->link.dead_ms = 5000;
}

struct totals {
	uint64_t steps, dups, quiet_runs, disconnects, failures, protocol_errors;
};

static void sim_run(uint64_t seed, struct totals *tot)
{
	struct sim *s = calloc(1, sizeof *s);
	if (!s) {
		perror("calloc");
		exit(2);
	}
	s->rng = seed;
	s->now = T0;
	uint64_t len_a = rnd(s, LOG_MAX + 1), len_b = rnd(s, LOG_MAX + 1);
	side_init(s, &s->a, STORE_A, true, len_a, &s->b);
	side_init(s, &s->b, STORE_B, false, len_b, &s->a);
	s->a.f.peer_len = len_b;
	s->b.f.peer_len = len_a;
	/* A quarter of the runs are calm: no disconnects, stalls or refused
	 * batches. The others refuse up to 2 percent of batches. */
	bool rough = rnd(s, 4) != 0;
	uint64_t fail_pct = rough ? rnd(s, 3) : 0;
	uint64_t disconnects = 0;

	sim_connected(s);
	size_t steps = 200 + rnd(s, 2000);
	for (size_t i = 0; i < steps; i++) {
		uint64_t r = rnd(s, rough ? 1000 : 960);
		s->now += rnd(s, 60);
		if (r < 350) {
			if (s->a.in.len && rnd(s, 100) < fail_pct)
				s->a.f.fail_once = s->a.in.v[s->a.in.head].m.type == SVC_MSG_BATCH;
			sim_deliver(s, &s->a);
		} else if (r < 700) {
			if (s->b.in.len && rnd(s, 100) < fail_pct)
				s->b.f.fail_once = s->b.in.v[s->b.in.head].m.type == SVC_MSG_BATCH;
			sim_deliver(s, &s->b);
		} else if (r < 800) {
			struct side *x = rnd(s, 2) ? &s->a : &s->b;
			uint64_t all = x == &s->a ? len_a : len_b;
			x->f.len += rnd(s, 30);
			if (x->f.len > all)
				x->f.len = all;
			sim_event(s, x, SVC_EV_WORK);
		} else if (r < 960) {
			sim_event(s, rnd(s, 2) ? &s->a : &s->b, SVC_EV_TICK);
		} else if (r < 975) {
			s->now += 2000 + rnd(s, 5000); /* a stall: pings, maybe dead */
		} else if (s->conn_up) {
			disconnects++;
			sim_disconnect(s);
		} else {
			sim_connected(s);
		}
	}

	/* Quiet: one connection, one handshake, no side ever went down. */
	bool quiet = s->a.f.hellos == 1 && s->b.f.downs == 0 && !disconnects;
	uint64_t dups = s->a.f.dups + s->b.f.dups;
	uint64_t perr = s->a.link.protocol_errors + s->b.link.protocol_errors;
	if (quiet) {
		/* Then nothing may be sent twice, refused or out of place. */
		CHECK_INT(dups, 0);
		CHECK_INT(perr, 0);
		CHECK_INT(s->errors_a + s->errors_b, 0);
		tot->quiet_runs++;
	}

	/* Final reconnect, whole logs, and run until nothing moves. */
	s->a.f.fail_once = s->b.f.fail_once = false;
	if (s->conn_up)
		sim_disconnect(s);
	sim_connected(s);
	s->a.f.len = len_a;
	s->b.f.len = len_b;
	int rounds = 0;
	for (;;) {
		while (s->a.in.len || s->b.in.len) {
			if (s->a.in.len && (!s->b.in.len || rnd(s, 2)))
				sim_deliver(s, &s->a);
			else
				sim_deliver(s, &s->b);
		}
		sim_event(s, &s->a, SVC_EV_WORK);
		sim_event(s, &s->b, SVC_EV_WORK);
		if (!s->a.in.len && !s->b.in.len)
			break;
		if (++rounds > 100)
			break;
	}
	CHECK(rounds <= 100);

	const struct side *sides[2] = {&s->a, &s->b};
	for (int k = 0; k < 2; k++) {
		const struct side *x = sides[k], *peer = sides[1 - k];
		uint64_t missing = 0;
		for (uint64_t p = 1; p <= x->f.peer_len; p++)
			missing += x->f.seen[p] == 0;
		if (missing || x->f.gaps || x->f.beyond || x->f.contig != x->f.peer_len)
			fprintf(stderr, "seed %llu side %c: %llu missing, %llu gaps, %llu beyond\n",
			        (unsigned long long)seed, k ? 'b' : 'a',
			        (unsigned long long)missing, (unsigned long long)x->f.gaps,
			        (unsigned long long)x->f.beyond);
		CHECK_INT(missing, 0);
		CHECK_INT(x->f.gaps, 0);
		CHECK_INT(x->f.beyond, 0);
		CHECK_INT(x->f.contig, x->f.peer_len);
		CHECK_INT(x->f.acked_backwards, 0);
		CHECK_INT(x->f.order_errors, 0);
		CHECK_INT(x->link.state, SVC_LINK_UP);
		CHECK_INT(x->link.ninflight, 0);
		CHECK_INT(peer->link.acked, x->f.peer_len);
	}
	/* The final reconnect re-sends nothing: both checkpoints are exact. */
	CHECK_INT(s->a.f.dups + s->b.f.dups, dups);

	tot->steps += steps;
	tot->dups += dups;
	tot->disconnects += disconnects;
	tot->failures += s->a.f.failures + s->b.f.failures;
	tot->protocol_errors += perr;
	free(s->a.in.v);
	free(s->b.in.v);
	free(s);
}

static void test_random(void)
{
	struct totals tot;
	memset(&tot, 0, sizeof tot);
	int fail_before = svc_test_fail;
	uint64_t seeds = 0;
	while (seeds < 400 && svc_test_fail - fail_before < 20)
		sim_run(++seeds, &tot);
	printf("random: %llu seeds, %llu steps, %llu quiet runs, %llu disconnects, "
	       "%llu refused batches, %llu duplicate positions, %llu protocol errors\n",
	       (unsigned long long)seeds, (unsigned long long)tot.steps,
	       (unsigned long long)tot.quiet_runs, (unsigned long long)tot.disconnects,
	       (unsigned long long)tot.failures, (unsigned long long)tot.dups,
	       (unsigned long long)tot.protocol_errors);
	/* The run must actually exercise both the calm and the rough paths. */
	CHECK(tot.quiet_runs > 0);
	CHECK(tot.quiet_runs < seeds);
	CHECK(tot.disconnects > seeds);
	CHECK(tot.failures > 0);
}

int main(void)
{
	test_initiator();
	test_responder();
	test_store_identity();
	test_positions();
	test_errors();
	test_apply_failure_stops_window();
	test_disconnect();
	test_tick();
	test_window_bounds();
	test_event_of();
	test_random();
	return svc_test_done();
}

/*
 * svc_proto: the replication protocol of one link, as a state machine.
 *
 * One svc_link per peer. It consumes events (the transport connected, a
 * HELLO / BATCH / ACK / PING arrived, local work is waiting, a timer ticked,
 * the connection dropped) and decides what to send, through a small ops
 * table the node provides. It holds no sockets and no store: the ops do the
 * I/O, so tests drive it with fakes.
 *
 *   state       event          action                          next
 *   ---------   ------------   -----------------------------   ---------
 *   down        connected      send HELLO                      hello_sent
 *   down        HELLO          adopt checkpoint, send HELLO,   up
 *                              pump
 *   hello_sent  HELLO          adopt checkpoint, pump          up
 *   up          HELLO          (peer reconnected) reset the    up
 *                              window, adopt, reply if we are
 *                              the responder, pump
 *   up          BATCH          apply, send ACK                 up
 *   up          BATCH refused  forget the window; initiator:   hello_sent
 *               (apply failed, the node sends HELLO again;     / down
 *               to_lsn beyond  responder: wait for its HELLO
 *               the peer's
 *               head)
 *   up          ACK            release window slot, pump       up
 *   up          ACK beyond     protocol error: ignore, count   up
 *               what was sent
 *   any         HELLO whose    protocol error: forget the      hello_sent
 *               head shrank    window and the session          / down
 *   up          work / tick    pump; ping when idle            up
 *   any         tick, silent   responder: forget the window    down
 *               too long       initiator: send HELLO again     hello_sent
 *   any         disconnected   forget the window               down
 *   not up      BATCH / ACK    protocol error: ignore, count   same
 *
 * "pump" sends batches while fewer than `window` are unacknowledged and the
 * log has more to ship (credit-based flow control, DESIGN.md section 4).
 * Positions: `send_after` is how far this node's log has been handed to the
 * peer (in flight or acknowledged); `acked` how far the peer confirmed. A new
 * HELLO from the peer restarts sending from its checkpoint, so batches lost
 * with a connection are simply sent again and deduplicated on arrival.
 *
 * Positions a peer states are checked against what each side really has,
 * because a checkpoint pushed past the data silently stops replication:
 *
 *  - A HELLO announces the sender's log head, and a PING may raise it when
 *    the log grew since (the node sends one before a batch that goes
 *    further). Within a session (from
 *    CONNECTED or the first HELLO to DISCONNECTED) it may only grow for the
 *    same store id; a smaller one is a protocol error (in a HELLO it also
 *    ends the session).
 *    A HELLO without it (an older peer) announces 0, so such a peer can move
 *    no checkpoint: the strict reading, chosen because the other one trusts
 *    what the field exists to check.
 *  - A BATCH whose to_lsn is beyond that head is refused like a batch that
 *    could not be applied: nothing of it is applied and the checkpoint
 *    stays. (A to_lsn below an earlier one is legitimate: after a HELLO of
 *    ours crossed its batches, the peer restarts from the older checkpoint
 *    that HELLO carried. The stored checkpoint never goes back for it.)
 *  - A resume point (the peer's checkpoint in this node's log) beyond this
 *    node's own log head is a divergence: it is counted and reported through
 *    the `diverged` op, and sending restarts at 0; the node's build skips what
 *    the peer's per-origin summary says it holds, so nothing is sent twice in
 *    bulk and nothing is skipped.
 *  - An ACK that claims a position beyond anything this link sent is a
 *    protocol error and moves nothing.
 */
#ifndef SVC_PROTO_H
#define SVC_PROTO_H

#include "svc_codec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_LINK_WINDOW_MAX 16

/*
 * A clock this far ahead of this node's wall clock is flagged: a peer's, as
 * its HELLO or PING states it (the daemon logs it at the HELLO; `svcsync
 * status` shows it from the link's last contact), and this node's own HLC,
 * which such a peer pulls forward. Only flagged: the HLC keeps every
 * change's order whatever the clocks say.
 */
#define SVC_PROTO_SKEW_WARN_MS (5ULL * 60 * 1000)

typedef enum {
	SVC_LINK_DOWN = 0,
	SVC_LINK_HELLO_SENT,
	SVC_LINK_UP,
} svc_link_state;

typedef enum {
	SVC_EV_NONE = 0, /* a message that is no event of the link (see below) */
	SVC_EV_CONNECTED,
	SVC_EV_HELLO,
	SVC_EV_BATCH,
	SVC_EV_ACK,
	SVC_EV_PING,
	SVC_EV_WORK,
	SVC_EV_TICK,
	SVC_EV_DISCONNECTED,
} svc_link_event;

typedef struct svc_link svc_link;

typedef struct {
	/* Send this node's HELLO (with its checkpoint for the peer). */
	int (*send_hello)(void *ctx, svc_link *l);
	/*
	 * Build and send the batch after `after` with this id. Set *to_lsn to
	 * the position it covers and *sent when a batch went out; leave *sent
	 * false when there is nothing to send.
	 */
	int (*send_batch)(void *ctx, svc_link *l, uint64_t id, uint64_t after, uint64_t *to_lsn,
	                  bool *sent);
	/* Apply a batch durably and fill the ACK. Non-zero: not applied (the
	 * peer will send it again after the next HELLO). */
	int (*apply_batch)(void *ctx, svc_link *l, const svc_batch *b, svc_ack *ack);
	int (*send_ack)(void *ctx, svc_link *l, const svc_ack *ack);
	int (*send_ping)(void *ctx, svc_link *l);
	/* The peer confirmed this node's log up to to_lsn. */
	void (*acked)(void *ctx, svc_link *l, uint64_t to_lsn);
	/* State changed (for logs and status). */
	void (*state_changed)(void *ctx, svc_link *l, svc_link_state from, const char *why);
	/* This node's arrival log head now (what the HELLO announces, and the
	 * bound of any resume point the peer asks for). */
	uint64_t (*log_head)(void *ctx, svc_link *l);
	/* The peer asked to resume at `resume`, beyond this node's log head
	 * `head`: sending restarts at 0 (may be NULL). */
	void (*diverged)(void *ctx, svc_link *l, uint64_t resume, uint64_t head);
} svc_link_ops;

typedef struct {
	uint64_t id;
	uint64_t to_lsn;
} svc_inflight;

struct svc_link {
	svc_link_state state;
	bool initiator; /* this node connected (it is the downstream end) */
	char peer[SVC_ID_LEN];
	uint8_t my_store_id[16];
	uint8_t peer_store_id[16];
	bool peer_store_known;

	uint64_t send_after; /* this node's log handed to the peer through here */
	uint64_t acked;      /* confirmed by the peer */
	uint64_t next_id;
	svc_inflight inflight[SVC_LINK_WINDOW_MAX];
	size_t ninflight;
	size_t window; /* batches in flight at most */

	uint64_t last_rx_ms, last_tx_ms; /* on the caller's clock: monotonic ms */
	int ping_ms;                     /* ping after this much silence from us */
	int dead_ms;                     /* down after this much silence from the peer */

	/* Positions the peer stated in this session. */
	bool peer_head_known;
	uint64_t peer_log_head;  /* its log head, from its HELLO */
	uint64_t sent_high;      /* highest position of this node's log sent or
	                            accepted as the peer's checkpoint */
	uint64_t head_announced; /* this node's log head as last told the peer
	                            (the node's HELLO and PING ops keep it) */

	uint64_t protocol_errors;
	uint64_t divergences; /* resume points beyond this node's log */
	uint64_t batches_in, batches_out;
	uint64_t peer_hlc; /* from the peer's last HELLO / PING */

	const svc_link_ops *ops;
	void *ctx;
};

void svc_link_init(svc_link *l, const char *peer, const uint8_t my_store_id[16], bool initiator,
                   size_t window, const svc_link_ops *ops, void *ctx);

/* Feed one event. msg is the decoded message for HELLO/BATCH/ACK/PING events
 * (NULL otherwise). now_ms is a monotonic clock (svc_mono_ms): every timer
 * of the link is measured on it, and a clock that stepped would stall or
 * flap the link. Returns 0, or the first error an op returned. */
int svc_link_handle(svc_link *l, svc_link_event ev, const svc_msg *msg, uint64_t now_ms);

/* The event a message of this type is to the link: HELLO, BATCH, ACK and
 * PING are; ERROR (the node decides what to do about the peer's complaint)
 * and anything else are not (SVC_EV_NONE). */
svc_link_event svc_link_event_of(svc_msg_type type);

/* Where to resume sending, given the peer's HELLO and this node's store id:
 * its checkpoint when it refers to this store, else the start. (The link
 * also checks it against this node's log head; see above.) */
uint64_t svc_link_resume_point(const svc_hello *h, const uint8_t my_store_id[16]);

/* The peer opened a new connection: what it stated on the old one no
 * longer binds it (its log may legitimately start over). */
void svc_link_new_session(svc_link *l);

const char *svc_link_state_name(svc_link_state s);

#endif

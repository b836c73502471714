/*
 * svc_transport: CurveZMQ links and ZAP authentication over libzmq 4.3.
 *
 * This is the only file that includes zmq.h; everything above it speaks
 * svc_err codes, byte buffers and the callbacks of svc_transport.h. It is not
 * the sync protocol: it moves opaque single-frame messages and says who sent
 * them. It stays one file, longer than lib/ otherwise allows, because being
 * the one includer of zmq.h is its point: libzmq's sharp edges (listed
 * below) are handled in one place, and every section of it (sockets, ZAP,
 * monitors, the self-test) shares the one context those edges are about.
 *
 * One transport owns one ZeroMQ context with one I/O thread, and every socket
 * in it: the ROUTER listener, the ZAP handler (a REP socket), the upstream
 * DEALER, a PAIR monitor for each of ROUTER and DEALER, and the self-test's
 * short-lived clients. The ZAP endpoint name is fixed by RFC 27 and scoped to
 * the context, so a private context is what makes "our handler, and only
 * ours" true; binding it fails if some other handler got there first.
 *
 * What libzmq 4.3.4 does and does not give us, and what we do about it:
 *
 * - Without a ZAP handler a CURVE server admits every client that knows its
 *   public key (ZMQ_ZAP_ENFORCE_DOMAIN, which would change that, is a draft
 *   option). Hence the handler is bound before the ROUTER exists and lives
 *   until after it is closed, and svc_transport_selftest checks the result.
 *
 * - NULL and PLAIN clients never reach ZAP: the mechanism mismatch ends their
 *   handshake first. We learn about them, and about clients that expect
 *   another server key, from the ROUTER's monitor
 *   (HANDSHAKE_FAILED_PROTOCOL), which does not say who the client was.
 *
 * - A client refused by ZAP, or by a mechanism mismatch, is never retried by
 *   libzmq (the session ends on a protocol error). A refusal can be
 *   temporary for us (the certificate has not replicated down yet), so the
 *   upstream link schedules its own disconnect + connect with back-off.
 *
 * - A ROUTER cannot close one peer's connection (ZMQ_ROUTER_NOTIFY and
 *   disconnect messages are drafts too). The descriptor a message arrived on
 *   is still available (zmq_msg_get ZMQ_SRCFD, deprecated but in the stable
 *   API), and shutdown(2) on it makes libzmq's own I/O thread see end of
 *   stream and tear the connection down as if the peer had hung up. We never
 *   close(2) it: the descriptor stays libzmq's.
 *
 * - Descriptor numbers are reused, so a number alone must not decide which
 *   connection to shut down or report gone. The ROUTER monitor reports
 *   ACCEPTED(fd) and DISCONNECTED(fd) for every connection, in order, and
 *   with our single I/O thread ACCEPTED is queued before any message of
 *   that connection can reach the ROUTER, and DISCONNECTED before the
 *   descriptor is closed. So each descriptor gets a generation counted from
 *   ACCEPTED events, the monitor is drained before a new rid is looked up,
 *   and a rid is tied to (fd, generation). DISCONNECTED ends exactly the rids
 *   of that generation (down_gone). The one case this cannot settle is a
 *   rid whose first message is read only after its connection closed and the
 *   number was taken by a newer connection: that rid is then tied to the
 *   newer generation, so its down_gone comes late (at the latest after a
 *   send to it fails) and, in that narrow race, a kick of it could drop the
 *   newer connection, whose peer simply reconnects. Kick also checks that
 *   the descriptor is a TCP socket on our listening port before touching it.
 *
 * - Monitor events are sent by the I/O thread, which would block if a
 *   monitor queue were full; our monitor PAIRs have no receive limit instead
 *   (an event is a few dozen bytes) and are drained on every poll.
 *
 * - With ZMQ_IMMEDIATE the DEALER queues nothing until the CURVE handshake
 *   is done. Monitor events lag the sockets, though: libzmq takes messages
 *   for a dying connection for a moment after DISCONNECTED and then drops
 *   them. So send_up goes by what up_state last said (SVC_ENET unless
 *   connected), and a rid stays known as gone for a while after down_gone
 *   so that send_down to it fails instead of vanishing.
 *
 * - ZMQ_CURVE_SECRETKEY copies the key into libzmq's ordinary heap; nothing
 *   here can change that. We never keep a copy of our own.
 *
 * Messages are copied in and out (zmq_send, zmq_msg_recv); replication
 * batches are small enough that zero-copy would buy nothing but lifetime
 * rules. Each poll reads at most BATCH_MAX messages per socket so one busy
 * peer cannot starve the others or the extra descriptors. Malformed input
 * from a peer (wrong frame count, missing User-Id, a broken ZAP request) is
 * dropped and reported, never trusted and never fatal. The upstream is only
 * ever expected to send single frames too; a multi-part message from it is
 * dropped without a callback, as there is no peer to blame but the one the
 * link exists for.
 */
#include "svc_transport.h"
#include "svc_err.h"

#include <zmq.h>

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define EP_MAX 256
#define RID_MAX 255 /* ZMTP routing ids are 1..255 bytes */
#define EXTRA_FDS_MAX 8
#define BATCH_MAX 256 /* messages per socket per poll */
#define HWM 1000
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "svcsync"
#define ZAP_FRAMES_MAX 8 /* 6 fixed frames + CURVE's one credential, + 1 to see excess */
#define DETAIL_MAX (EP_MAX + 256)
#define TTL_MAX 6553599  /* ZMQ_HEARTBEAT_TTL ceiling (deciseconds in a uint16) */
#define FD_MAX (1 << 24) /* a monitor fd value beyond this is nonsense */
#define SELFTEST_POLL_MS 5
#define PROBE_MAGIC "svcsync-selftest-probe"
#define PROBE_LEN (sizeof PROBE_MAGIC - 1 + 1 + 16)
#define NPROBES 4
#define HS_FAIL_MAX 32    /* handshake failures queued between two polls */
#define GONE_KEEP_MS 5000 /* how long a gone rid is remembered (see flush_gone) */
/* libzmq applies ZMQ_MAXMSGSIZE to the CURVE MESSAGE command, not to the
 * payload inside: command name with its length byte (8), nonce (8), flags
 * (1) and MAC (16) come on top. */
#define CURVE_MSG_OVERHEAD 33
/* The handshake commands (INITIATE is about 300 bytes) pass the same limit. */
#define MAX_MSG_MIN 512

#define ROUTER_EVENTS                                                                              \
	(ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
#define HANDSHAKE_FAILED_ANY                                                                       \
	(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |              \
	 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define DEALER_EVENTS                                                                              \
	(ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED |                         \
	 ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | HANDSHAKE_FAILED_ANY)
#define PROBE_EVENTS (ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | HANDSHAKE_FAILED_ANY)

/* A downstream connection, known once its first message has arrived. */
typedef struct {
	uint8_t rid[RID_MAX];
	size_t rid_len;
	char node[SVC_ID_LEN]; /* ZAP User-Id */
	int fd;                /* -1 when libzmq did not say */
	uint32_t gen;          /* generation of fd the connection belongs to */
	bool kicked;
	bool gone;       /* the connection has ended */
	bool reported;   /* down_gone was called */
	int64_t gone_at; /* monotonic ms of down_gone */
} peer;

/* What the ROUTER monitor says about one descriptor number. */
typedef struct {
	uint32_t gen;
	bool open;
	bool delivered; /* a message of this generation was read */
	bool kicked;    /* this node shut it down (svc_transport_kick_node) */
} fd_slot;

/* One self-test client. */
typedef struct {
	const char *what;
	void *sock, *mon;
	uint8_t probe[PROBE_LEN];
	bool sent;
	bool arrived; /* its probe reached the ROUTER */
	bool in;      /* handshake succeeded or its probe arrived: a breach */
	bool refused;
	bool by_zap; /* refused by our ZAP handler (status 400) */
} probe;

struct svc_transport {
	void *ctx;
	svc_transport_opts opts;
	svc_transport_handlers h;
	void *arg;
	unsigned mon_seq;

	/* listener */
	void *router, *zap, *rmon;
	char bound[EP_MAX];
	int bound_port;
	svc_zap_check_fn check;
	void *check_arg;
	peer *peers;
	size_t npeers, peers_cap;
	fd_slot *fds;
	size_t nfds;
	uint32_t hs_fail[HS_FAIL_MAX]; /* protocol error codes to report */
	size_t nhs_fail, hs_fail_lost;
	/*
	 * Connections that ended before a message of theirs was read, and
	 * the handshake outcomes not yet matched to a connection: the node
	 * ZAP admitted, or "" for a refusal or a failed handshake. libzmq
	 * drops a connection whose message exceeds ZMQ_MAXMSGSIZE and tells
	 * the monitor only DISCONNECTED, on a descriptor it tied to no
	 * identity; the oldest unmatched outcome says who that was
	 * (flush_silent). A first message matches its node's outcome.
	 */
	struct {
		int fd;
		uint32_t gen;
		bool kicked;
	} silent[HS_FAIL_MAX];
	size_t nsilent;
	char admitted[HS_FAIL_MAX][SVC_ID_LEN];
	size_t nadmitted;

	/* upstream */
	void *dealer, *dmon;
	char up_ep[EP_MAX];
	bool up_connected;   /* handshake done, not yet disconnected */
	bool up_tcp;         /* TCP connected, handshake under way */
	bool up_tcp_attempt; /* this connection attempt reached TCP */
	bool up_reported, up_last_connected;
	char up_last_detail[DETAIL_MAX];
	int64_t up_retry_at; /* monotonic ms of our own reconnect, 0 none */
	int up_retry_ms;

	int extra[EXTRA_FDS_MAX];
	int nextra;

	/* self-test, while it runs */
	probe *probes;
	char probe_key[41]; /* the random CURVE client's key, Z85 */
	bool probe_key_seen;
};

/* ------------------------------------------------------------ helpers */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int code_of(int e)
{
	switch (e) {
	case EAGAIN:
		return SVC_EBUSY;
	case EINVAL:
	case EPROTONOSUPPORT:
	case ENOCOMPATPROTO:
		return SVC_EINVAL;
	case ENOMEM:
		return SVC_ENOMEM;
	default:
		return SVC_ENET;
	}
}

/* svc_errf for a failed zmq call: "<what> <where>: <zmq_strerror>". */
static int zfail(const char *what, const char *where)
{
	int e = zmq_errno();
	return svc_errf(code_of(e), "%s %s: %s", what, where, zmq_strerror(e));
}

static int set_int(void *s, int opt, int v, const char *name, const char *where)
{
	if (zmq_setsockopt(s, opt, &v, sizeof v) != 0)
		return zfail(name, where);
	return 0;
}

static int set_bin(void *s, int opt, const void *v, size_t len, const char *name, const char *where)
{
	if (zmq_setsockopt(s, opt, v, len) != 0)
		return zfail(name, where);
	return 0;
}

static void close_sock(void **s)
{
	if (*s) {
		zmq_close(*s);
		*s = NULL;
	}
}

/* A socket that never lingers, so closing it or the context never waits. */
static void *sock_new(svc_transport *t, int type, const char *where)
{
	void *s = zmq_socket(t->ctx, type);
	if (!s) {
		zfail("socket for", where);
		return NULL;
	}
	if (set_int(s, ZMQ_LINGER, 0, "ZMQ_LINGER", where) != 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

/* Start monitoring s and return the PAIR that receives its events. */
static int monitor_new(svc_transport *t, void *s, int events, const char *where, void **out)
{
	char name[64];
	snprintf(name, sizeof name, "inproc://svc-transport-monitor-%u", ++t->mon_seq);
	if (zmq_socket_monitor(s, name, events) != 0)
		return zfail("monitor for", where);
	void *m = sock_new(t, ZMQ_PAIR, where);
	if (!m) {
		zmq_socket_monitor(s, NULL, 0);
		return svc_errctx(SVC_ENET, "monitor");
	}
	int rc = set_int(m, ZMQ_RCVHWM, 0, "ZMQ_RCVHWM", where);
	if (rc == 0 && zmq_connect(m, name) != 0)
		rc = zfail("monitor connect for", where);
	if (rc != 0) {
		zmq_close(m);
		zmq_socket_monitor(s, NULL, 0);
		return rc;
	}
	*out = m;
	return 0;
}

/* Receive and discard the rest of a multi-part message; count its frames. */
static size_t drain_rest(void *s)
{
	size_t n = 0;
	zmq_msg_t m;
	zmq_msg_init(&m);
	while (zmq_msg_recv(&m, s, ZMQ_DONTWAIT) >= 0) {
		n++;
		if (!zmq_msg_more(&m))
			break;
	}
	zmq_msg_close(&m);
	return n;
}

/* Next event from a monitor PAIR: 1 and the event, or 0 when none is
 * queued. libzmq 4.3 sends two frames: 6 bytes (uint16 event, uint32 value,
 * host order), then the endpoint, which we do not need. */
static int monitor_next(void *mon, uint16_t *ev, uint32_t *val)
{
	for (;;) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return 0;
		}
		bool ok = zmq_msg_size(&m) == 6 && zmq_msg_more(&m);
		if (ok) {
			const uint8_t *d = zmq_msg_data(&m);
			memcpy(ev, d, sizeof *ev);
			memcpy(val, d + 2, sizeof *val);
		}
		bool more = zmq_msg_more(&m);
		zmq_msg_close(&m);
		if (more)
			drain_rest(mon);
		if (ok)
			return 1;
	}
}

void svc_z85_key(const uint8_t key[32], char out[41])
{
	zmq_z85_encode(out, key, 32);
}

static const char *zap_status_text(uint32_t status)
{
	switch (status) {
	case 300:
		return "temporary failure";
	case 400:
		return "authentication refused";
	case 500:
		return "server error";
	default:
		return "refused";
	}
}

static void protocol_error_text(uint32_t code, char *buf, size_t len)
{
	switch (code) {
	case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
		snprintf(buf, len, "security mechanism mismatch");
		break;
	case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
		snprintf(buf, len, "cryptographic error");
		break;
	default:
		if ((code & 0xff000000u) == ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED)
			snprintf(buf, len, "bad ZAP reply (0x%08x)", (unsigned)code);
		else
			snprintf(buf, len, "protocol error (0x%08x)", (unsigned)code);
		break;
	}
}

/* ------------------------------------------------------------ lifecycle */

int svc_transport_new(const svc_transport_opts *opts, const svc_transport_handlers *h, void *arg,
                      svc_transport **out)
{
	assert(opts && out);
	*out = NULL;
	if (opts->max_msg < MAX_MSG_MIN ||
	    (uint64_t)opts->max_msg > (uint64_t)INT64_MAX - CURVE_MSG_OVERHEAD)
		return svc_errf(SVC_EINVAL,
		                "transport: max_msg must be at least %d (the CURVE handshake "
		                "must fit)",
		                MAX_MSG_MIN);
	if (opts->heartbeat_ms < 0 || opts->heartbeat_ms > TTL_MAX / 3)
		return svc_errf(SVC_EINVAL, "transport: heartbeat_ms must be 0..%d", TTL_MAX / 3);
	if (opts->reconnect_ms <= 0 || opts->reconnect_max_ms < opts->reconnect_ms)
		return svc_errf(SVC_EINVAL, "transport: need 0 < reconnect_ms <= reconnect_max_ms");
	svc_transport *t = calloc(1, sizeof *t);
	if (!t)
		return svc_errf(SVC_ENOMEM, "transport: out of memory");
	t->opts = *opts;
	if (h)
		t->h = *h;
	t->arg = arg;
	t->ctx = zmq_ctx_new();
	if (!t->ctx) {
		free(t);
		return zfail("zmq_ctx_new", "for the transport");
	}
	/* One I/O thread keeps the monitor's ordering guarantees (see the top
	 * of this file); not blocking on term is belt and braces next to
	 * every socket's zero linger. */
	if (zmq_ctx_set(t->ctx, ZMQ_IO_THREADS, 1) != 0 ||
	    zmq_ctx_set(t->ctx, ZMQ_BLOCKY, 0) != 0) {
		int rc = zfail("zmq_ctx_set", "for the transport");
		zmq_ctx_term(t->ctx);
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static void close_dealer(svc_transport *t)
{
	close_sock(&t->dealer);
	close_sock(&t->dmon);
	t->up_ep[0] = '\0';
	t->up_connected = t->up_tcp = t->up_tcp_attempt = false;
	t->up_reported = false;
	t->up_retry_at = 0;
}

void svc_transport_destroy(svc_transport **tp)
{
	if (!tp || !*tp)
		return;
	svc_transport *t = *tp;
	close_dealer(t);
	/* The ROUTER goes before the ZAP handler: no handshake may ever run
	 * without it. */
	close_sock(&t->router);
	close_sock(&t->rmon);
	close_sock(&t->zap);
	zmq_ctx_term(t->ctx);
	free(t->peers);
	free(t->fds);
	free(t);
	*tp = NULL;
}

/* ------------------------------------------------------------ downstream peers */

static fd_slot *fd_slot_at(svc_transport *t, uint32_t fd, bool grow)
{
	if (fd >= FD_MAX)
		return NULL;
	if (fd >= t->nfds) {
		if (!grow)
			return NULL;
		size_t n = t->nfds ? t->nfds : 64;
		while (n <= fd)
			n *= 2;
		fd_slot *p = realloc(t->fds, n * sizeof *p);
		if (!p)
			return NULL;
		memset(p + t->nfds, 0, (n - t->nfds) * sizeof *p);
		t->fds = p;
		t->nfds = n;
	}
	return &t->fds[fd];
}

static void mark_gone(svc_transport *t, int fd, uint32_t gen)
{
	for (size_t i = 0; i < t->npeers; i++)
		if (!t->peers[i].gone && t->peers[i].fd == fd && t->peers[i].gen == gen)
			t->peers[i].gone = true;
}

static void report_refused(svc_transport *t, const char *key, const char *mech, const char *reason)
{
	if (t->h.zap_refused)
		t->h.zap_refused(t->arg, key, mech, reason);
}

static void admitted_push(svc_transport *t, const char *node)
{
	if (t->nadmitted == HS_FAIL_MAX) {
		memmove(t->admitted[0], t->admitted[1], (HS_FAIL_MAX - 1) * SVC_ID_LEN);
		t->nadmitted--;
	}
	snprintf(t->admitted[t->nadmitted++], SVC_ID_LEN, "%s", node);
}

static void admitted_pop(svc_transport *t, size_t i)
{
	memmove(t->admitted[i], t->admitted[i + 1], (t->nadmitted - i - 1) * SVC_ID_LEN);
	t->nadmitted--;
}

/* Bring the descriptor generations up to date with the ROUTER monitor. Never
 * calls back, so kick can use it: down_gone waits for flush_gone, handshake
 * failures for flush_hs_fail. */
static void rmon_drain(svc_transport *t)
{
	uint16_t ev;
	uint32_t val;
	if (!t->rmon)
		return;
	while (monitor_next(t->rmon, &ev, &val)) {
		fd_slot *s;
		switch (ev) {
		case ZMQ_EVENT_ACCEPTED:
			s = fd_slot_at(t, val, true);
			if (!s)
				break;
			/* An ACCEPTED on an open slot means its DISCONNECTED
			 * never came: the old connection is gone all the same. */
			if (s->open)
				mark_gone(t, (int)val, s->gen);
			s->gen++;
			s->open = true;
			s->delivered = false;
			s->kicked = false;
			break;
		case ZMQ_EVENT_DISCONNECTED:
			s = fd_slot_at(t, val, false);
			if (s && s->open) {
				s->open = false;
				mark_gone(t, (int)val, s->gen);
				if (!s->delivered && !t->probes && t->nsilent < HS_FAIL_MAX) {
					t->silent[t->nsilent].fd = (int)val;
					t->silent[t->nsilent].kicked = s->kicked;
					t->silent[t->nsilent++].gen = s->gen;
				}
			}
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
			/* The self-test's own clients fail here on purpose. */
			if (t->probes)
				break;
			admitted_push(t, ""); /* a connection that will end unread */
			if (t->nhs_fail < HS_FAIL_MAX)
				t->hs_fail[t->nhs_fail++] = val;
			else
				t->hs_fail_lost++;
			break;
		default:
			break;
		}
	}
}

static void flush_hs_fail(svc_transport *t)
{
	char why[96], reason[192];
	for (size_t i = 0; i < t->nhs_fail; i++) {
		uint32_t val = t->hs_fail[i];
		protocol_error_text(val, why, sizeof why);
		snprintf(reason, sizeof reason, "handshake failed: %s%s", why,
		         val == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
		             ? " (client expects another server key?)"
		             : "");
		report_refused(t, "",
		               val == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? "not CURVE"
		                                                                 : "CURVE",
		               reason);
	}
	if (t->hs_fail_lost) {
		snprintf(reason, sizeof reason, "%zu more failed handshakes not shown",
		         t->hs_fail_lost);
		report_refused(t, "", "?", reason);
	}
	t->nhs_fail = t->hs_fail_lost = 0;
}

static void report_dropped(svc_transport *t, const char *node, const uint8_t *rid, size_t rid_len,
                           const char *reason);

/*
 * Connections that ended with nothing of theirs read, checked at the end of
 * a poll, after the ROUTER was read (a message queued before its connection
 * ended still counts). Each takes the oldest unmatched handshake outcome:
 * an admission is reported (a client that never spoke, or whose first
 * message was too big); a refusal was reported already. A connection that
 * ended before the server saw its handshake fail (a client that hung up
 * first, a port scan) takes no outcome of its own, so in a burst of those
 * a report can name another admitted node: the line is a clue, not proof.
 */
static void flush_silent(svc_transport *t)
{
	char reason[192], node[SVC_ID_LEN];
	for (size_t i = 0; i < t->nsilent; i++) {
		fd_slot *s = fd_slot_at(t, (uint32_t)t->silent[i].fd, false);
		if ((s && s->gen == t->silent[i].gen && s->delivered) || !t->nadmitted)
			continue;
		snprintf(node, sizeof node, "%s", t->admitted[0]);
		admitted_pop(t, 0);
		/* One this node shut down itself was reported when it did. */
		if (!node[0] || t->silent[i].kicked)
			continue;
		/* libzmq does not say why: a hang-up and a reset are the
		 * usual reasons, an over-size first message the rare one. */
		snprintf(reason, sizeof reason,
		         "the peer hung up or the connection was reset (a first message "
		         "over max_message, %zu bytes, would end it the same way)",
		         t->opts.max_msg);
		report_dropped(t, node, NULL, 0, reason);
	}
	t->nsilent = 0;
}

static ssize_t peer_find(const svc_transport *t, const uint8_t *rid, size_t rid_len)
{
	for (size_t i = 0; i < t->npeers; i++)
		if (t->peers[i].rid_len == rid_len && memcmp(t->peers[i].rid, rid, rid_len) == 0)
			return (ssize_t)i;
	return -1;
}

/* Report the peers whose connection ended, and forget them a while later.
 * libzmq removes a ROUTER's pipe only some time after the DISCONNECTED
 * event (once its last queued messages are read); until then a send to the
 * rid would be accepted and silently lost. Remembering the rid for a few
 * seconds makes such a send fail with SVC_ENET, as the header promises. */
static void flush_gone(svc_transport *t)
{
	int64_t now = now_ms();
	size_t i = 0;
	while (i < t->npeers) {
		peer *p = &t->peers[i];
		if (p->reported && now - p->gone_at > GONE_KEEP_MS) {
			*p = t->peers[--t->npeers];
			continue;
		}
		if (p->gone && !p->reported) {
			p->reported = true;
			p->gone_at = now;
			/* The table does not move during callbacks. */
			if (t->h.down_gone)
				t->h.down_gone(t->arg, p->node, p->rid, p->rid_len);
		}
		i++;
	}
}

static void report_dropped(svc_transport *t, const char *node, const uint8_t *rid, size_t rid_len,
                           const char *reason)
{
	if (t->h.down_dropped)
		t->h.down_dropped(t->arg, node, rid, rid_len, reason);
}

/* A message from the self-test's own clients is counted, never delivered. */
static bool is_probe(svc_transport *t, const uint8_t *data, size_t len)
{
	if (!t->probes || len != PROBE_LEN)
		return false;
	for (size_t i = 0; i < NPROBES; i++)
		if (memcmp(t->probes[i].probe, data, len) == 0) {
			t->probes[i].in = t->probes[i].arrived = true;
			return true;
		}
	return false;
}

/* Deliver one message from the ROUTER: 1 done, 0 nothing queued, <0 error. */
static int router_one(svc_transport *t)
{
	zmq_msg_t rid, body;
	zmq_msg_init(&rid);
	if (zmq_msg_recv(&rid, t->router, ZMQ_DONTWAIT) < 0) {
		int e = zmq_errno();
		zmq_msg_close(&rid);
		if (e == EAGAIN || e == EINTR)
			return 0;
		return svc_errf(SVC_ENET, "receive on %s: %s", t->bound, zmq_strerror(e));
	}
	const uint8_t *r = zmq_msg_data(&rid);
	size_t rlen = zmq_msg_size(&rid);
	if (!zmq_msg_more(&rid)) {
		/* A ROUTER always prepends the routing id; this is libzmq's
		 * business, but we do not assume it. */
		report_dropped(t, "", r, rlen, "message without payload");
		zmq_msg_close(&rid);
		return 1;
	}
	zmq_msg_init(&body);
	if (zmq_msg_recv(&body, t->router, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&body);
		zmq_msg_close(&rid);
		return 1;
	}
	const char *uid = zmq_msg_gets(&body, "User-Id");
	const char *who = uid && strlen(uid) < SVC_ID_LEN ? uid : "";
	char reason[96];
	{
		/* this connection delivered something (see flush_silent) */
		int srcfd = zmq_msg_get(&body, ZMQ_SRCFD);
		fd_slot *src = srcfd >= 0 ? fd_slot_at(t, (uint32_t)srcfd, false) : NULL;
		if (srcfd >= 0 && (!src || !src->open)) {
			rmon_drain(t); /* its ACCEPTED may still be queued */
			src = fd_slot_at(t, (uint32_t)srcfd, false);
		}
		if (src)
			src->delivered = true;
		/* the first message of a connection: its admission is used */
		if (*who && peer_find(t, r, rlen) < 0)
			for (size_t k = 0; k < t->nadmitted; k++)
				if (strcmp(t->admitted[k], who) == 0) {
					admitted_pop(t, k);
					break;
				}
	}
	if (zmq_msg_more(&body)) {
		size_t extra = drain_rest(t->router);
		snprintf(reason, sizeof reason, "%zu frames, expected 1", extra + 1);
		report_dropped(t, who, r, rlen, reason);
		goto done;
	}
	const uint8_t *data = zmq_msg_data(&body);
	size_t len = zmq_msg_size(&body);
	if (is_probe(t, data, len))
		goto done;
	if (!uid || !*uid || !*who) {
		report_dropped(t, "", r, rlen, "no ZAP User-Id");
		goto done;
	}
	if (rlen == 0 || rlen > RID_MAX) {
		report_dropped(t, who, r, rlen, "bad routing id");
		goto done;
	}
	ssize_t i = peer_find(t, r, rlen);
	if (i < 0) {
		if (t->npeers == t->peers_cap) {
			size_t n = t->peers_cap ? 2 * t->peers_cap : 16;
			peer *p = realloc(t->peers, n * sizeof *p);
			if (!p) {
				report_dropped(t, who, r, rlen, "out of memory");
				goto done;
			}
			t->peers = p;
			t->peers_cap = n;
		}
		/* The monitor must be current before this connection is tied
		 * to a descriptor generation (see the top of this file). */
		rmon_drain(t);
		peer *p = &t->peers[t->npeers];
		memset(p, 0, sizeof *p);
		memcpy(p->rid, r, rlen);
		p->rid_len = rlen;
		snprintf(p->node, sizeof p->node, "%s", who);
		int fd = zmq_msg_get(&body, ZMQ_SRCFD);
		fd_slot *s = fd >= 0 ? fd_slot_at(t, (uint32_t)fd, false) : NULL;
		if (s && !s->open) {
			/* Never delivered, so no down_gone is owed either. */
			report_dropped(t, who, r, rlen, "connection already closed");
			goto done;
		}
		p->fd = s ? fd : -1;
		p->gen = s ? s->gen : 0;
		i = (ssize_t)t->npeers++;
	}
	/* A message the peer sent before its connection ended still counts,
	 * up to down_gone; nothing follows down_gone. */
	peer *p = &t->peers[i];
	if (p->kicked)
		report_dropped(t, p->node, r, rlen, "peer was kicked");
	else if (p->reported)
		report_dropped(t, p->node, r, rlen, "connection already closed");
	else if (t->h.down_msg)
		t->h.down_msg(t->arg, p->node, r, rlen, data, len);
done:
	zmq_msg_close(&body);
	zmq_msg_close(&rid);
	return 1;
}

/* ------------------------------------------------------------ ZAP (RFC 27) */

static void zap_reply(void *zap, zmq_msg_t *reqid, const char *status, const char *text,
                      const char *user)
{
	const void *id = reqid ? zmq_msg_data(reqid) : "";
	size_t idlen = reqid ? zmq_msg_size(reqid) : 0;
	/* A REP socket that fails mid-reply is left in a state we cannot fix;
	 * libzmq only fails these for a closed socket, so errors are moot. */
	zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(zap, id, idlen, ZMQ_SNDMORE);
	zmq_send(zap, status, strlen(status), ZMQ_SNDMORE);
	zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(zap, "", 0, 0);
}

static bool frame_is(zmq_msg_t *m, const char *s)
{
	size_t n = strlen(s);
	return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), s, n) == 0;
}

/* Copy a frame into a C string for messages, cut short and made printable. */
static void frame_text(zmq_msg_t *m, char *out, size_t len)
{
	size_t n = zmq_msg_size(m);
	const char *d = zmq_msg_data(m);
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = d[i] >= 0x20 && d[i] < 0x7f ? d[i] : '?';
	out[n] = '\0';
}

/* Answer one ZAP request: 1 done, 0 none queued. */
static int zap_one(svc_transport *t)
{
	zmq_msg_t f[ZAP_FRAMES_MAX];
	size_t n = 0;
	bool more = true;
	while (more && n < ZAP_FRAMES_MAX) {
		zmq_msg_init(&f[n]);
		if (zmq_msg_recv(&f[n], t->zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&f[n]);
			break;
		}
		more = zmq_msg_more(&f[n]);
		n++;
	}
	if (n == 0)
		return 0;
	/* More frames than any valid request has: read them all, so the REP
	 * socket can answer, and refuse below. */
	if (more)
		drain_rest(t->zap);

	char mech[16] = "?", addr[64] = "?", reason[SVC_REASON_LEN + 96];
	char key[41] = "";
	char admitted[SVC_ID_LEN] = ""; /* who, when admitted (see flush_silent) */
	if (n >= 6) {
		frame_text(&f[5], mech, sizeof mech);
		frame_text(&f[3], addr, sizeof addr);
	}
	zmq_msg_t *reqid = n >= 2 ? &f[1] : NULL;
	if (n < 6 || more || !frame_is(&f[0], "1.0")) {
		snprintf(reason, sizeof reason, "malformed ZAP request (%zu%s frames)", n,
		         more ? "+" : "");
		zap_reply(t->zap, reqid, "500", "malformed request", "");
		report_refused(t, "", mech, reason);
		goto out;
	}
	if (!frame_is(&f[2], ZAP_DOMAIN)) {
		/* Only our ROUTER sets a domain in this context. */
		char dom[40];
		frame_text(&f[2], dom, sizeof dom);
		snprintf(reason, sizeof reason, "unknown ZAP domain \"%s\" (from %s)", dom, addr);
		zap_reply(t->zap, reqid, "400", "unknown domain", "");
		report_refused(t, "", mech, reason);
		goto out;
	}
	if (!frame_is(&f[5], "CURVE")) {
		snprintf(reason, sizeof reason, "mechanism %s not allowed (from %s)", mech, addr);
		zap_reply(t->zap, reqid, "400", "CURVE required", "");
		report_refused(t, "", mech, reason);
		goto out;
	}
	if (n != 7 || zmq_msg_size(&f[6]) != 32) {
		snprintf(reason, sizeof reason, "malformed CURVE credentials (from %s)", addr);
		zap_reply(t->zap, reqid, "500", "malformed request", "");
		report_refused(t, "", mech, reason);
		goto out;
	}
	const uint8_t *pk = zmq_msg_data(&f[6]);
	svc_z85_key(pk, key);
	bool probe_key = t->probes && strcmp(key, t->probe_key) == 0;
	if (probe_key)
		t->probe_key_seen = true;
	char node[SVC_ID_LEN] = "";
	char why[SVC_REASON_LEN] = "";
	int rc = t->check ? t->check(t->check_arg, pk, node, why, sizeof why) : -1;
	node[SVC_ID_LEN - 1] = '\0';
	why[sizeof why - 1] = '\0';
	if (rc == 0 && !node[0]) {
		/* The callback broke its contract; refusing is the safe reading. */
		rc = -1;
		snprintf(why, sizeof why, "check admitted without a node id");
	}
	if (rc != 0) {
		snprintf(reason, sizeof reason, "%s (from %s)", why[0] ? why : "refused", addr);
		zap_reply(t->zap, reqid, "400", why[0] ? why : "refused", "");
		if (!probe_key)
			report_refused(t, key, mech, reason);
		goto out;
	}
	zap_reply(t->zap, reqid, "200", "OK", node);
	snprintf(admitted, sizeof admitted, "%s", node);
	if (!probe_key && t->h.zap_admitted)
		t->h.zap_admitted(t->arg, node);
out:
	if (!t->probes)
		admitted_push(t, admitted);
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
	return 1;
}

/* ------------------------------------------------------------ listener */

static int listener_options(svc_transport *t, void *s, const uint8_t curve_pk[32],
                            const uint8_t *curve_sk, const char *ep)
{
	int64_t max = (int64_t)t->opts.max_msg + CURVE_MSG_OVERHEAD;
	int rc = 0;
	if (!rc)
		rc = set_int(s, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER", ep);
	if (!rc)
		rc = set_bin(s, ZMQ_CURVE_PUBLICKEY, curve_pk, 32, "ZMQ_CURVE_PUBLICKEY", ep);
	if (!rc)
		rc = set_bin(s, ZMQ_CURVE_SECRETKEY, curve_sk, 32, "ZMQ_CURVE_SECRETKEY", ep);
	if (!rc)
		rc = set_bin(s, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN), "ZMQ_ZAP_DOMAIN",
		             ep);
	if (!rc)
		rc = set_bin(s, ZMQ_MAXMSGSIZE, &max, sizeof max, "ZMQ_MAXMSGSIZE", ep);
	if (!rc)
		rc = set_int(s, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY", ep);
	if (!rc)
		rc = set_int(s, ZMQ_SNDHWM, HWM, "ZMQ_SNDHWM", ep);
	if (!rc)
		rc = set_int(s, ZMQ_RCVHWM, HWM, "ZMQ_RCVHWM", ep);
	return rc;
}

static int heartbeat_options(svc_transport *t, void *s, const char *ep)
{
	int ivl = t->opts.heartbeat_ms;
	if (ivl == 0)
		return 0;
	int rc = set_int(s, ZMQ_HEARTBEAT_IVL, ivl, "ZMQ_HEARTBEAT_IVL", ep);
	if (!rc)
		rc = set_int(s, ZMQ_HEARTBEAT_TIMEOUT, 3 * ivl, "ZMQ_HEARTBEAT_TIMEOUT", ep);
	if (!rc)
		rc = set_int(s, ZMQ_HEARTBEAT_TTL, 3 * ivl, "ZMQ_HEARTBEAT_TTL", ep);
	return rc;
}

int svc_transport_listen(svc_transport *t, const char *endpoint, const uint8_t curve_pk[32],
                         const uint8_t *curve_sk, svc_zap_check_fn check, void *check_arg,
                         char *bound, size_t bound_len)
{
	assert(t && endpoint && curve_pk && curve_sk && check);
	if (t->router)
		return svc_errf(SVC_EINVAL, "listen %s: already listening on %s", endpoint,
		                t->bound);
	if (strlen(endpoint) >= EP_MAX)
		return svc_errf(SVC_EINVAL, "listen: endpoint longer than %d bytes", EP_MAX - 1);
	int rc;
	t->check = check;
	t->check_arg = check_arg;
	t->zap = sock_new(t, ZMQ_REP, ZAP_ENDPOINT);
	if (!t->zap)
		return svc_errctx(SVC_ENET, "ZAP handler");
	if (zmq_bind(t->zap, ZAP_ENDPOINT) != 0) {
		int e = zmq_errno();
		rc =
		    svc_errf(SVC_ENET, "bind ZAP handler %s: %s (another handler in this context?)",
		             ZAP_ENDPOINT, zmq_strerror(e));
		goto fail;
	}
	t->router = sock_new(t, ZMQ_ROUTER, endpoint);
	if (!t->router) {
		rc = SVC_ENET;
		goto fail;
	}
	rc = listener_options(t, t->router, curve_pk, curve_sk, endpoint);
	if (!rc)
		rc = heartbeat_options(t, t->router, endpoint);
	if (!rc)
		rc = monitor_new(t, t->router, ROUTER_EVENTS, endpoint, &t->rmon);
	if (rc)
		goto fail;
	if (zmq_bind(t->router, endpoint) != 0) {
		rc = zfail("listen on", endpoint);
		goto fail;
	}
	size_t len = sizeof t->bound;
	if (zmq_getsockopt(t->router, ZMQ_LAST_ENDPOINT, t->bound, &len) != 0) {
		rc = zfail("ZMQ_LAST_ENDPOINT of", endpoint);
		goto fail;
	}
	t->bound[sizeof t->bound - 1] = '\0';
	const char *colon = strrchr(t->bound, ':');
	t->bound_port = colon ? atoi(colon + 1) : 0;
	if (bound && bound_len) {
		if (strlen(t->bound) >= bound_len) {
			rc = svc_errf(SVC_EINVAL, "listen %s: bound endpoint %s does not fit",
			              endpoint, t->bound);
			goto fail;
		}
		strcpy(bound, t->bound);
	}
	return 0;
fail:
	close_sock(&t->router);
	close_sock(&t->rmon);
	close_sock(&t->zap);
	t->bound[0] = '\0';
	return rc;
}

/* ------------------------------------------------------------ upstream */

static void report_up(svc_transport *t, bool connected, const char *detail)
{
	/* A refused or unreachable upstream fails the same way on every
	 * retry; say so once, and again only when something changes. */
	if (t->up_reported && t->up_last_connected == connected &&
	    strcmp(t->up_last_detail, detail) == 0)
		return;
	t->up_reported = true;
	t->up_last_connected = connected;
	snprintf(t->up_last_detail, sizeof t->up_last_detail, "%s", detail);
	if (t->h.up_state)
		t->h.up_state(t->arg, connected, detail);
}

/* libzmq ends the session for good after a refusal; try again ourselves. */
static void schedule_retry(svc_transport *t)
{
	t->up_retry_at = now_ms() + t->up_retry_ms;
	t->up_retry_ms = t->up_retry_ms > t->opts.reconnect_max_ms / 2 ? t->opts.reconnect_max_ms
	                                                               : 2 * t->up_retry_ms;
}

static void dmon_drain(svc_transport *t)
{
	uint16_t ev;
	uint32_t val;
	char detail[DETAIL_MAX], why[96];
	while (t->dmon && monitor_next(t->dmon, &ev, &val)) {
		switch (ev) {
		case ZMQ_EVENT_CONNECTED:
			t->up_tcp = t->up_tcp_attempt = true;
			break;
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			t->up_tcp = false;
			t->up_connected = true;
			t->up_retry_ms = t->opts.reconnect_ms;
			snprintf(detail, sizeof detail, "%s: connected", t->up_ep);
			report_up(t, true, detail);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			t->up_tcp = false;
			snprintf(detail, sizeof detail, "%s: handshake failed: %s (%u)", t->up_ep,
			         zap_status_text(val), (unsigned)val);
			/* Before the callback, which may replace the link. */
			schedule_retry(t);
			report_up(t, false, detail);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
			t->up_tcp = false;
			protocol_error_text(val, why, sizeof why);
			snprintf(detail, sizeof detail, "%s: handshake failed: protocol: %s",
			         t->up_ep, why);
			schedule_retry(t);
			report_up(t, false, detail);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			/* The value is the errno of the failed read or write.
			 * A server that cannot decrypt our HELLO (it has another
			 * key) closes the connection in order: EPIPE. A reset
			 * (the server went away) or a timeout is something
			 * else and is said as it is. libzmq retries. */
			t->up_tcp = false;
			if (val == EPIPE)
				snprintf(detail, sizeof detail,
				         "%s: handshake failed: the server closed the connection "
				         "(wrong server key?)",
				         t->up_ep);
			else if (val == ECONNRESET)
				snprintf(detail, sizeof detail,
				         "%s: handshake failed: connection reset by the server",
				         t->up_ep);
			else
				snprintf(detail, sizeof detail, "%s: handshake failed: %s",
				         t->up_ep, zmq_strerror((int)val));
			report_up(t, false, detail);
			break;
		case ZMQ_EVENT_DISCONNECTED:
		case ZMQ_EVENT_CLOSED: {
			/* State first: the callback may already send. */
			bool was_up = t->up_connected, was_tcp = t->up_tcp;
			t->up_connected = t->up_tcp = false;
			if (was_up) {
				snprintf(detail, sizeof detail, "%s: disconnected", t->up_ep);
				report_up(t, false, detail);
			} else if (was_tcp) {
				snprintf(detail, sizeof detail,
				         "%s: handshake failed: connection closed", t->up_ep);
				report_up(t, false, detail);
			}
			break;
		}
		case ZMQ_EVENT_CONNECT_RETRIED:
			/* Only an attempt that never reached TCP means the
			 * server is unreachable; a retry after a handshake
			 * failure or a disconnect was reported as such. */
			if (!t->up_tcp_attempt) {
				snprintf(detail, sizeof detail, "%s: unreachable, retrying",
				         t->up_ep);
				report_up(t, false, detail);
			}
			t->up_tcp_attempt = false;
			break;
		default:
			break;
		}
	}
}

static void up_retry(svc_transport *t)
{
	if (!t->dealer || !t->up_retry_at || now_ms() < t->up_retry_at)
		return;
	t->up_retry_at = 0;
	/* Disconnect first so that a session libzmq did keep can never make
	 * a second connection next to the new one. */
	zmq_disconnect(t->dealer, t->up_ep);
	if (zmq_connect(t->dealer, t->up_ep) != 0) {
		char detail[DETAIL_MAX];
		snprintf(detail, sizeof detail, "%s: reconnect failed: %s", t->up_ep,
		         zmq_strerror(zmq_errno()));
		schedule_retry(t);
		report_up(t, false, detail);
	}
}

int svc_transport_connect(svc_transport *t, const char *endpoint, const uint8_t server_pk[32],
                          const uint8_t curve_pk[32], const uint8_t *curve_sk)
{
	assert(t && endpoint && server_pk && curve_pk && curve_sk);
	if (strlen(endpoint) >= EP_MAX)
		return svc_errf(SVC_EINVAL, "connect: endpoint longer than %d bytes", EP_MAX - 1);
	close_dealer(t);
	int64_t max = (int64_t)t->opts.max_msg + CURVE_MSG_OVERHEAD;
	int rc = 0;
	t->dealer = sock_new(t, ZMQ_DEALER, endpoint);
	if (!t->dealer)
		return svc_errctx(SVC_ENET, "upstream");
	if (!rc)
		rc = set_bin(t->dealer, ZMQ_CURVE_SERVERKEY, server_pk, 32, "ZMQ_CURVE_SERVERKEY",
		             endpoint);
	if (!rc)
		rc = set_bin(t->dealer, ZMQ_CURVE_PUBLICKEY, curve_pk, 32, "ZMQ_CURVE_PUBLICKEY",
		             endpoint);
	if (!rc)
		rc = set_bin(t->dealer, ZMQ_CURVE_SECRETKEY, curve_sk, 32, "ZMQ_CURVE_SECRETKEY",
		             endpoint);
	if (!rc)
		rc = set_int(t->dealer, ZMQ_IMMEDIATE, 1, "ZMQ_IMMEDIATE", endpoint);
	if (!rc)
		rc = set_int(t->dealer, ZMQ_RECONNECT_IVL, t->opts.reconnect_ms,
		             "ZMQ_RECONNECT_IVL", endpoint);
	if (!rc)
		rc = set_int(t->dealer, ZMQ_RECONNECT_IVL_MAX, t->opts.reconnect_max_ms,
		             "ZMQ_RECONNECT_IVL_MAX", endpoint);
	if (!rc)
		rc = set_bin(t->dealer, ZMQ_MAXMSGSIZE, &max, sizeof max, "ZMQ_MAXMSGSIZE",
		             endpoint);
	if (!rc)
		rc = set_int(t->dealer, ZMQ_SNDHWM, HWM, "ZMQ_SNDHWM", endpoint);
	if (!rc)
		rc = set_int(t->dealer, ZMQ_RCVHWM, HWM, "ZMQ_RCVHWM", endpoint);
	if (!rc)
		rc = heartbeat_options(t, t->dealer, endpoint);
	if (!rc)
		rc = monitor_new(t, t->dealer, DEALER_EVENTS, endpoint, &t->dmon);
	if (!rc && zmq_connect(t->dealer, endpoint) != 0)
		rc = zfail("connect to", endpoint);
	if (rc) {
		close_dealer(t);
		return rc;
	}
	strcpy(t->up_ep, endpoint);
	t->up_retry_ms = t->opts.reconnect_ms;
	return 0;
}

void svc_transport_disconnect(svc_transport *t)
{
	assert(t);
	close_dealer(t);
}

static int dealer_one(svc_transport *t)
{
	zmq_msg_t m;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, t->dealer, ZMQ_DONTWAIT) < 0) {
		int e = zmq_errno();
		zmq_msg_close(&m);
		if (e == EAGAIN || e == EINTR)
			return 0;
		return svc_errf(SVC_ENET, "receive from %s: %s", t->up_ep, zmq_strerror(e));
	}
	if (zmq_msg_more(&m))
		drain_rest(t->dealer);
	else if (t->h.up_msg)
		t->h.up_msg(t->arg, zmq_msg_data(&m), zmq_msg_size(&m));
	zmq_msg_close(&m);
	return 1;
}

/* ------------------------------------------------------------ sending */

int svc_transport_send_down(svc_transport *t, const uint8_t *rid, size_t rid_len, const void *data,
                            size_t len)
{
	assert(t && rid && (data || len == 0));
	if (!t->router)
		return svc_errf(SVC_ENET, "send down: not listening");
	if (rid_len == 0 || rid_len > RID_MAX)
		return svc_errf(SVC_EINVAL, "send down: routing id of %zu bytes", rid_len);
	if (len > t->opts.max_msg)
		return svc_errf(SVC_ETOOBIG, "send down: %zu bytes over the %zu-byte limit", len,
		                t->opts.max_msg);
	ssize_t i = peer_find(t, rid, rid_len);
	if (i >= 0 && (t->peers[i].kicked || t->peers[i].gone))
		return svc_errf(SVC_ENET, "send down to %s: %s", t->peers[i].node,
		                t->peers[i].kicked ? "peer was kicked" : "peer is gone");
	if (zmq_send(t->router, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		int e = zmq_errno();
		const char *who = i >= 0 ? t->peers[i].node : "unknown peer";
		if (e == EHOSTUNREACH) {
			/* The pipe is gone: nothing more can arrive from it. */
			if (i >= 0)
				t->peers[i].gone = true;
			return svc_errf(SVC_ENET, "send down to %s: peer is gone", who);
		}
		return svc_errf(code_of(e), "send down to %s: %s", who, zmq_strerror(e));
	}
	/* Once the routing id is accepted the ROUTER has picked the pipe and
	 * checked its limit; the payload cannot block. */
	if (zmq_send(t->router, data, len, ZMQ_DONTWAIT) < 0) {
		int e = zmq_errno();
		return svc_errf(code_of(e), "send down: %s", zmq_strerror(e));
	}
	return 0;
}

static int send_up_frames(svc_transport *t, const void *const *frames, const size_t *lens, size_t n)
{
	if (!t->dealer)
		return svc_errf(SVC_ENET, "send up: no upstream link");
	/* The link state the node was told is the one that counts: libzmq
	 * accepts messages for a little while after a disconnect and then
	 * drops them, and would queue them before the handshake otherwise. */
	if (!t->up_connected)
		return svc_errf(SVC_ENET, "send up to %s: not connected", t->up_ep);
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += lens[i];
	if (total > t->opts.max_msg)
		return svc_errf(SVC_ETOOBIG, "send up: %zu bytes over the %zu-byte limit", total,
		                t->opts.max_msg);
	for (size_t i = 0; i < n; i++) {
		int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
		if (zmq_send(t->dealer, frames[i], lens[i], flags) < 0) {
			int e = zmq_errno();
			return svc_errf(code_of(e), "send up to %s: %s", t->up_ep, zmq_strerror(e));
		}
	}
	return 0;
}

int svc_transport_send_up(svc_transport *t, const void *data, size_t len)
{
	assert(t && (data || len == 0));
	return send_up_frames(t, &data, &len, 1);
}

int svc_transport_test_send_up_frames(svc_transport *t, const void *const *frames,
                                      const size_t *lens, size_t n)
{
	assert(t && frames && lens && n > 0);
	return send_up_frames(t, frames, lens, n);
}

/* ------------------------------------------------------------ kick */

/* Is fd a TCP connection accepted on our listening port? */
static bool fd_is_ours(const svc_transport *t, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int type;
	socklen_t tlen = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM)
		return false;
	/* The listening socket has our port too; never shut that one. */
	int listening = 0;
	tlen = sizeof listening;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &tlen) != 0 || listening)
		return false;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	int port;
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return false;
	return port == t->bound_port;
}

int svc_transport_kick(svc_transport *t, const uint8_t *rid, size_t rid_len)
{
	assert(t && rid);
	rmon_drain(t);
	ssize_t i = peer_find(t, rid, rid_len);
	if (i < 0)
		return 0;
	peer *p = &t->peers[i];
	p->kicked = true;
	if (p->gone || p->fd < 0)
		return 0;
	fd_slot *s = fd_slot_at(t, (uint32_t)p->fd, false);
	if (s && s->open && s->gen == p->gen && fd_is_ours(t, p->fd))
		shutdown(p->fd, SHUT_RDWR);
	return 0;
}

size_t svc_transport_kick_node(svc_transport *t, const char *node)
{
	assert(t && node);
	size_t n = 0;
	rmon_drain(t);
	for (size_t i = 0; i < t->npeers; i++) {
		peer *p = &t->peers[i];
		if (strcmp(p->node, node) != 0 || p->kicked)
			continue;
		p->kicked = true;
		if (p->gone || p->fd < 0)
			continue;
		fd_slot *s = fd_slot_at(t, (uint32_t)p->fd, false);
		if (s && s->open && s->gen == p->gen && fd_is_ours(t, p->fd) &&
		    shutdown(p->fd, SHUT_RDWR) == 0)
			n++;
	}
	for (size_t fd = 0; fd < t->nfds; fd++) {
		fd_slot *s = &t->fds[fd];
		if (s->open && !s->delivered && !s->kicked && fd_is_ours(t, (int)fd) &&
		    shutdown((int)fd, SHUT_RDWR) == 0) {
			s->kicked = true;
			n++;
		}
	}
	return n;
}

/* ------------------------------------------------------------ poll */

int svc_transport_watch_fd(svc_transport *t, int fd)
{
	assert(t);
	if (fd < 0)
		return svc_errf(SVC_EINVAL, "watch fd %d: not a descriptor", fd);
	for (int i = 0; i < t->nextra; i++)
		if (t->extra[i] == fd)
			return 0;
	if (t->nextra == EXTRA_FDS_MAX)
		return svc_errf(SVC_ETOOBIG, "watch fd %d: already watching %d descriptors", fd,
		                EXTRA_FDS_MAX);
	t->extra[t->nextra++] = fd;
	return 0;
}

int svc_transport_poll(svc_transport *t, int timeout_ms)
{
	assert(t);
	zmq_pollitem_t it[5 + EXTRA_FDS_MAX];
	void *socks[5] = {t->rmon, t->zap, t->router, t->dmon, t->dealer};
	int n = 0;
	for (int i = 0; i < 5; i++)
		if (socks[i])
			it[n++] = (zmq_pollitem_t){.socket = socks[i], .events = ZMQ_POLLIN};
	int first_fd = n;
	for (int i = 0; i < t->nextra; i++)
		it[n++] = (zmq_pollitem_t){.fd = t->extra[i], .events = ZMQ_POLLIN};

	long timeout = timeout_ms;
	if (t->dealer && t->up_retry_at) {
		int64_t left = t->up_retry_at - now_ms();
		if (left < 0)
			left = 0;
		if (timeout < 0 || left < timeout)
			timeout = (long)left;
	}
	if (zmq_poll(it, n, timeout) < 0) {
		int e = zmq_errno();
		if (e == EINTR)
			return 0;
		return svc_errf(SVC_ENET, "poll: %s", zmq_strerror(e));
	}

	int rc = 0;
	bool ready[5] = {false};
	for (int k = 0; k < first_fd; k++)
		for (int i = 0; i < 5; i++)
			if (it[k].socket == socks[i] && (it[k].revents & ZMQ_POLLIN))
				ready[i] = true;
	/* Handlers may close or replace the upstream socket; every step
	 * below reads the current one from t. */
	rmon_drain(t);
	for (int k = 0; ready[1] && t->zap && k < BATCH_MAX && zap_one(t) > 0; k++)
		;
	for (int k = 0; ready[2] && t->router && k < BATCH_MAX; k++) {
		int r = router_one(t);
		if (r < 0 && !rc)
			rc = r;
		if (r <= 0)
			break;
	}
	dmon_drain(t);
	for (int k = 0; ready[4] && t->dealer == socks[4] && k < BATCH_MAX; k++) {
		int r = dealer_one(t);
		if (r < 0 && !rc)
			rc = r;
		if (r <= 0)
			break;
	}
	for (int k = first_fd; k < n; k++)
		if ((it[k].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) && t->h.fd_ready)
			t->h.fd_ready(t->arg, it[k].fd);
	up_retry(t);
	flush_hs_fail(t);
	flush_silent(t);
	flush_gone(t);
	return rc;
}

/* ------------------------------------------------------------ self-test */

/* Where a client reaches a listener bound to every interface. */
static void local_endpoint(const char *ep, char *out, size_t len)
{
	static const struct {
		const char *any, *local;
	} map[] = {
	    {"tcp://0.0.0.0:", "tcp://127.0.0.1:"},
	    {"tcp://*:", "tcp://127.0.0.1:"},
	    {"tcp://[::]:", "tcp://[::1]:"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		size_t n = strlen(map[i].any);
		if (strncmp(ep, map[i].any, n) == 0) {
			snprintf(out, len, "%s%s", map[i].local, ep + n);
			return;
		}
	}
	snprintf(out, len, "%s", ep);
}

static int probe_open(svc_transport *t, probe *p, int mech, const uint8_t server_pk[32],
                      const char *ep)
{
	int rc = 0;
	p->sock = sock_new(t, ZMQ_DEALER, ep);
	if (!p->sock)
		return svc_errctx(SVC_ENET, "self-test");
	if (mech == ZMQ_CURVE) {
		char pub[41], sec[41], spk[41], unused[41];
		if (zmq_curve_keypair(pub, sec) != 0)
			return zfail("zmq_curve_keypair", "for the self-test");
		if (server_pk) {
			svc_z85_key(server_pk, spk);
			snprintf(t->probe_key, sizeof t->probe_key, "%s", pub);
		} else if (zmq_curve_keypair(spk, unused) != 0) {
			/* A server key whose secret nobody kept. */
			return zfail("zmq_curve_keypair", "for the self-test");
		}
		rc = set_bin(p->sock, ZMQ_CURVE_SERVERKEY, spk, 40, "ZMQ_CURVE_SERVERKEY", ep);
		if (!rc)
			rc = set_bin(p->sock, ZMQ_CURVE_PUBLICKEY, pub, 40, "ZMQ_CURVE_PUBLICKEY",
			             ep);
		if (!rc)
			rc = set_bin(p->sock, ZMQ_CURVE_SECRETKEY, sec, 40, "ZMQ_CURVE_SECRETKEY",
			             ep);
	} else if (mech == ZMQ_PLAIN) {
		rc = set_bin(p->sock, ZMQ_PLAIN_USERNAME, "svcsync", 7, "ZMQ_PLAIN_USERNAME", ep);
		if (!rc)
			rc = set_bin(p->sock, ZMQ_PLAIN_PASSWORD, "selftest", 8,
			             "ZMQ_PLAIN_PASSWORD", ep);
	}
	/* A client that is never let in must not hammer the listener while
	 * the test waits. */
	if (!rc)
		rc = set_int(p->sock, ZMQ_RECONNECT_IVL, 1000, "ZMQ_RECONNECT_IVL", ep);
	if (!rc)
		rc = monitor_new(t, p->sock, PROBE_EVENTS, ep, &p->mon);
	if (!rc && zmq_connect(p->sock, ep) != 0)
		rc = zfail("self-test connect to", ep);
	return rc;
}

static void probe_events(probe *p)
{
	uint16_t ev;
	uint32_t val;
	while (monitor_next(p->mon, &ev, &val)) {
		if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
			p->in = true;
		} else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
			p->refused = true;
			p->by_zap = val == 400;
		} else {
			p->refused = true;
		}
	}
	/* Without ZMQ_IMMEDIATE the probe queues until a connection takes
	 * it, so it flows the moment the client is let in. */
	if (!p->sent && zmq_send(p->sock, p->probe, PROBE_LEN, ZMQ_DONTWAIT) == PROBE_LEN)
		p->sent = true;
}

/* Is a probe of a client that got in still on its way to the ROUTER? */
static bool probe_in_flight(const probe *pr)
{
	for (size_t i = 0; i < NPROBES; i++)
		if (pr[i].in && pr[i].sent && !pr[i].arrived)
			return true;
	return false;
}

int svc_transport_selftest(svc_transport *t, const char *endpoint, const uint8_t server_pk[32],
                           int timeout_ms)
{
	assert(t && endpoint && server_pk);
	if (!t->router)
		return svc_errf(SVC_EINVAL, "self-test: not listening");
	if (t->probes)
		return svc_errf(SVC_EINVAL, "self-test: already running");
	char ep[EP_MAX];
	local_endpoint(endpoint, ep, sizeof ep);

	probe pr[NPROBES] = {
	    {.what = "a CURVE client with an unknown key"},
	    {.what = "a NULL-mechanism client"},
	    {.what = "a PLAIN client"},
	    {.what = "a CURVE client expecting another server key"},
	};
	static const int mechs[NPROBES] = {ZMQ_CURVE, ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE};
	/* Each probe message carries 16 random bytes (a throwaway secret key
	 * from libzmq's generator), so no real peer can forge one. */
	char pub[41], sec[41];
	uint8_t nonce[32];
	if (zmq_curve_keypair(pub, sec) != 0 || !zmq_z85_decode(nonce, sec))
		return zfail("zmq_curve_keypair", "for the self-test");
	for (size_t i = 0; i < NPROBES; i++) {
		memcpy(pr[i].probe, PROBE_MAGIC, sizeof PROBE_MAGIC - 1);
		pr[i].probe[sizeof PROBE_MAGIC - 1] = (uint8_t)i;
		memcpy(pr[i].probe + sizeof PROBE_MAGIC, nonce, 16);
	}
	t->probes = pr;
	t->probe_key_seen = false;
	int rc = 0;
	for (size_t i = 0; i < NPROBES && !rc; i++)
		rc = probe_open(t, &pr[i], mechs[i], i == 0 ? server_pk : NULL, ep);

	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	while (!rc) {
		bool all = true;
		for (size_t i = 0; i < NPROBES; i++) {
			probe_events(&pr[i]);
			all = all && (pr[i].in || pr[i].refused);
		}
		if (all || now_ms() >= deadline)
			break;
		rc = svc_transport_poll(t, SELFTEST_POLL_MS);
	}
	/* Read what a client that got in has sent, so that it is counted
	 * here and never reaches down_msg after the test. */
	while (!rc && probe_in_flight(pr) && now_ms() < deadline)
		rc = svc_transport_poll(t, SELFTEST_POLL_MS);

	for (size_t i = 0; i < NPROBES; i++) {
		close_sock(&pr[i].sock);
		close_sock(&pr[i].mon);
	}
	t->probes = NULL;
	if (rc)
		return svc_errctx(rc, "listener self-test on %s", ep);
	char in[DETAIL_MAX] = "";
	for (size_t i = 0; i < NPROBES; i++)
		if (pr[i].in) {
			size_t l = strlen(in);
			snprintf(in + l, sizeof in - l, "%s%s", l ? "; " : "", pr[i].what);
		}
	if (in[0])
		return svc_errf(SVC_EDENIED, "listener self-test on %s: let in %s", ep, in);
	if (pr[0].refused && !pr[0].by_zap && !t->probe_key_seen) {
		char z[41];
		svc_z85_key(server_pk, z);
		return svc_errf(SVC_EKEY,
		                "listener self-test on %s: server key %s does not match the "
		                "listener's secret key (the handshake failed before ZAP)",
		                ep, z);
	}
	return 0;
}

/*
 * svc_transport: CurveZMQ links and ZAP authentication (libzmq).
 *
 * The only module that includes zmq.h. One node has at most one listener (a
 * ROUTER, CURVE server, where downstream nodes connect) and at most one
 * upstream link (a DEALER, CURVE client, connected to its upstream's
 * listener). Both directions of replication flow over each connection.
 *
 * Authentication. A ZAP handler is bound (inproc://zeromq.zap.01) before the
 * ROUTER binds, so no connection is ever accepted without it. It admits a
 * client only when the CURVE mechanism is used and the node's callback says
 * the client key belongs to a node that may connect; it refuses NULL and
 * PLAIN outright. The ZAP User-Id is the admitted node id, and every message
 * received on the ROUTER is attributed to the User-Id ZeroMQ reports for it
 * (zmq_msg_gets), never to anything inside the message.
 *
 * Limits. ZMQ_MAXMSGSIZE caps every incoming message before it is read; a
 * peer that exceeds it is disconnected by ZeroMQ. Heartbeats (ZMTP PING) find
 * dead connections; the DEALER reconnects with exponential back-off.
 *
 * Everything runs on the caller's thread: svc_transport_poll() waits on the
 * sockets, the ZAP handler and any extra file descriptors, and calls back.
 * Handlers may call the send, kick, connect and disconnect functions; they
 * must not call svc_transport_poll, svc_transport_selftest or
 * svc_transport_destroy.
 *
 * Downstream sessions. A downstream connection is known by its routing id
 * (rid), which ZeroMQ never reuses within a listener; a node that reconnects
 * arrives with a new rid and goes through ZAP again. down_gone tells when a
 * rid's connection has ended; a send to it then fails with SVC_ENET.
 */
#ifndef SVC_TRANSPORT_H
#define SVC_TRANSPORT_H

#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct svc_transport svc_transport;

typedef struct {
	size_t max_msg;       /* ZMQ_MAXMSGSIZE */
	int heartbeat_ms;     /* ZMQ_HEARTBEAT_IVL; timeout is 3x */
	int reconnect_ms;     /* first reconnect delay */
	int reconnect_max_ms; /* back-off ceiling */
} svc_transport_opts;

/* ZAP decision: may the client with this CURVE public key connect? Fill
 * node (the User-Id) and return 0 to admit; return non-zero and fill reason
 * to refuse. */
typedef int (*svc_zap_check_fn)(void *arg, const uint8_t client_curve_pk[32], char node[SVC_ID_LEN],
                                char *reason, size_t reason_len);

/* Callbacks from svc_transport_poll. Data is valid during the call only. Any
 * of them may be NULL. */
typedef struct {
	/* A message from a downstream peer, attributed to its ZAP User-Id;
	 * rid is the ROUTER routing id to reply to. */
	void (*down_msg)(void *arg, const char *peer, const uint8_t *rid, size_t rid_len,
	                 const uint8_t *data, size_t len);
	/* A message from the upstream. */
	void (*up_msg)(void *arg, const uint8_t *data, size_t len);
	/* The upstream connection came up (CURVE handshake done) or went down. */
	void (*up_state)(void *arg, bool connected, const char *detail);
	/* A downstream client was refused by ZAP (key as Z85). Clients that
	 * fail the handshake before ZAP is asked (NULL or PLAIN mechanism, a
	 * client expecting another server key) come here too, with key_z85 ""
	 * because ZeroMQ does not reveal it. */
	void (*zap_refused)(void *arg, const char *key_z85, const char *mechanism,
	                    const char *reason);
	/* A ZAP admission. */
	void (*zap_admitted)(void *arg, const char *node);
	/* An extra fd registered with svc_transport_watch_fd is readable. */
	void (*fd_ready)(void *arg, int fd);
	/* The connection of a rid that down_msg reported has ended (closed by
	 * the peer, heartbeat timeout, over-size message, kick). Called once
	 * per rid; no down_msg for it follows. It can come late (the next
	 * poll after a send to the rid failed with SVC_ENET) but never for a
	 * live connection. */
	void (*down_gone)(void *arg, const char *peer, const uint8_t *rid, size_t rid_len);
	/* A downstream message was dropped before down_msg: not exactly one
	 * frame, no User-Id, or from a kicked peer. peer is "" when unknown.
	 * Also called (rid NULL, rid_len 0, peer the node ZAP admitted, as
	 * best known) for an admitted connection that ended before any
	 * message of it was read: a peer that hung up or was reset, or one
	 * whose first message exceeded max_msg (libzmq drops it so). */
	void (*down_dropped)(void *arg, const char *peer, const uint8_t *rid, size_t rid_len,
	                     const char *reason);
} svc_transport_handlers;

/* Caller owns the result; destroy with svc_transport_destroy (NULLs, safe
 * twice). */
int svc_transport_new(const svc_transport_opts *opts, const svc_transport_handlers *h, void *arg,
                      svc_transport **out);
void svc_transport_destroy(svc_transport **t);

/* Bind the listener: ZAP handler first, then the CURVE server ROUTER.
 * curve_sk points to 32 bytes of secure memory. `bound` receives the actual
 * endpoint (port resolved when the endpoint asked for "*" or 0). */
int svc_transport_listen(svc_transport *t, const char *endpoint, const uint8_t curve_pk[32],
                         const uint8_t *curve_sk, svc_zap_check_fn check, void *check_arg,
                         char *bound, size_t bound_len);

/* Connect the upstream DEALER as a CURVE client, replacing any upstream link.
 * Returns before the handshake; up_state says when it is done or failed.
 * The link retries with back-off from reconnect_ms to reconnect_max_ms,
 * after a refusal too (libzmq itself gives up on a refused handshake). */
int svc_transport_connect(svc_transport *t, const char *endpoint, const uint8_t server_pk[32],
                          const uint8_t curve_pk[32], const uint8_t *curve_sk);

/* Close the upstream link now (and do not reconnect until connect again).
 * No up_state callback follows: the caller knows. */
void svc_transport_disconnect(svc_transport *t);

/* Send to a downstream peer by routing id / to the upstream. Never blocks:
 * SVC_EBUSY when the peer's queue is full, SVC_ENET when it is gone (for the
 * upstream: unless up_state last reported it connected), SVC_ETOOBIG over
 * opts.max_msg (the peer would drop the connection). */
int svc_transport_send_down(svc_transport *t, const uint8_t *rid, size_t rid_len, const void *data,
                            size_t len);
int svc_transport_send_up(svc_transport *t, const void *data, size_t len);

/* Drop a downstream peer's connection (revocation, protocol abuse). From
 * the call on, nothing more from the rid is delivered and sends to it fail
 * with SVC_ENET; its TCP connection is shut down and down_gone follows. A
 * peer that reconnects goes through ZAP again, so revocation is complete
 * only when the check callback refuses the key too. 0 also when the rid is
 * already gone. */
int svc_transport_kick(svc_transport *t, const uint8_t *rid, size_t rid_len);

/* Drop every connection authenticated as `node` (its certificate was
 * revoked, expired or superseded): each rid down_msg reported for it, as
 * svc_transport_kick does, and every accepted connection that has not
 * delivered a message yet. ZeroMQ does not say whose key such a silent
 * connection used, so all of them go: a node that was merely slow to speak
 * reconnects through ZAP, while one of the revoked key could otherwise stay
 * connected and be served the moment it speaks. Returns how many
 * connections were shut down. */
size_t svc_transport_kick_node(svc_transport *t, const char *node);

/* Watch an extra readable fd (wake socket, signalfd); at most 8. */
int svc_transport_watch_fd(svc_transport *t, int fd);

/* Wait up to timeout_ms for events and dispatch them. 0 or a negative code. */
int svc_transport_poll(svc_transport *t, int timeout_ms);

/*
 * Start-up self-check of the listener's authentication: connect to `endpoint`
 * (the bound listener) three ways that must all fail: a CURVE client with a
 * fresh random key, a NULL-mechanism client and a PLAIN client; and a CURVE
 * client that expects the wrong server key. Returns 0 only if every attempt
 * was refused within timeout_ms; otherwise SVC_EDENIED with what got in.
 * The random-key client must be refused by the ZAP handler itself; if the
 * handshake fails before that, server_pk does not match the listener's
 * secret key (no enrolled node could connect either): SVC_EKEY.
 * Drives svc_transport_poll internally (so ZAP requests are served). The
 * self-test's own refusals are not reported to zap_refused.
 */
int svc_transport_selftest(svc_transport *t, const char *endpoint, const uint8_t server_pk[32],
                           int timeout_ms);

/* Z85 (ZeroMQ RFC 32) of a 32-byte key: out holds 41 bytes. */
void svc_z85_key(const uint8_t key[32], char out[41]);

/* For tests only: send n frames upstream as one multi-part message. The
 * protocol always sends single frames; this lets tests check that a listener
 * drops anything else. Same results as svc_transport_send_up. */
int svc_transport_test_send_up_frames(svc_transport *t, const void *const *frames,
                                      const size_t *lens, size_t n);

#endif

/*
 * svc_daemon_int: what the two files of the daemon share, and nothing
 * else includes.
 *
 * svc_daemon.c is the composition root: set-up, the event loop and its
 * timers, the directory duties (who may connect, closing sessions, HQ's
 * revocation of expired certificates), disk-full back-off, the status
 * record. svc_daemon_links.c runs the links: one protocol machine per peer
 * wired to the store, the sync layer and the transport, the sessions of
 * downstream nodes, and restore detection on the upstream link. They share
 * the node's state below; each declares here what the other calls.
 */
#ifndef SVC_DAEMON_INT_H
#define SVC_DAEMON_INT_H

#include "svc_access.h"
#include "svc_config.h"
#include "svc_crypto.h"
#include "svc_daemon.h"
#include "svc_nodedir.h"
#include "svc_apply.h"
#include "svc_proto.h"
#include "svc_store.h"
#include "svc_sync.h"
#include "svc_transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One peer: its link machine and what the node keeps about it. */
struct peer {
	svc_daemon *d;
	bool up; /* this is the upstream link */
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
	bool resend;  /* a batch of it was refused for lack of space: ask again */
};

/* The running node: one per process. */
struct svc_daemon {
	svc_config cfg;
	svc_nodedir nd; /* the paths of daemon.lock, wake.sock, status */
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

	svc_access *access;  /* who may connect: the ZAP handler asks it */
	char up_detail[256]; /* the last upstream failure logged */

	bool work;            /* local changes or relayed ones to ship */
	bool restore_blocked; /* restored: fetching own changes back from upstream */
	uint64_t last_lsn;    /* arrival log position last seen */
	uint64_t next_tick, next_status, next_watchdog, next_zap, watchdog_usec;
	uint64_t next_escalate;         /* complaints: the overdue check */
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

/* ------------------------------------------------------------ svc_daemon.c */

/* A write failed for lack of space / succeeded; while the disk is full,
 * writes wait for the next scheduled try (disk_wait true). */
void svc_daemon_disk_fail(svc_daemon *d);
void svc_daemon_disk_ok(svc_daemon *d);
bool svc_daemon_disk_wait(const svc_daemon *d);

/* Sign the local changes not yet in a commit. */
int svc_daemon_commit_local(svc_daemon *d);

/* A batch was built or applied: give pages back every few. */
void svc_daemon_note_batch(svc_daemon *d);

/* The directory changed: rebuild who may connect, close the sessions of
 * nodes no longer admitted, drop a revoked upstream. */
void svc_daemon_directory_changed(svc_daemon *d);

/* ------------------------------------------------------------ svc_daemon_links.c */

/* A peer and its link (the upstream when up). NULL when out of memory. */
struct peer *svc_daemon_peer_new(svc_daemon *d, const char *node, bool up);
void svc_daemon_peer_free(struct peer *p);
/* Read what the peer may receive from the directory. */
int svc_daemon_peer_view(svc_daemon *d, struct peer *p);
/* Apply the [sync] settings a link uses (at creation and on reload). */
void svc_daemon_link_tune(svc_daemon *d, svc_link *l);

/* The downstream peer `node` (NULL: none), and forgetting one. */
struct peer *svc_daemon_down_find(svc_daemon *d, const char *node);
void svc_daemon_down_remove(svc_daemon *d, struct peer *p);

/* Ship what there is on every link. */
void svc_daemon_pump_all(svc_daemon *d);
/* Ask each peer whose batch was refused for lack of space to send it again. */
void svc_daemon_ask_resend(svc_daemon *d, uint64_t now);

/* The transport's message and connection handlers (the ZAP and fd ones
 * are the root's). */
void svc_daemon_link_handlers(svc_transport_handlers *h);

#endif

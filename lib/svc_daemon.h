/*
 * svc_daemon: one running node. Wires the store, the sync layer, one protocol
 * link per peer and the transport together, and runs the event loop.
 *
 * It is what svcsyncd runs (daemon/main.c only parses arguments), and what
 * the tests start in real processes. Single-threaded: one poll loop serves
 * the upstream link, every downstream peer, the ZAP handler, the wake socket
 * the CLI pokes after a local write, and signals (SIGTERM/SIGINT stop after
 * the batch in hand, SIGHUP reloads the config file).
 *
 * Files in the node directory besides the store (their layout and formats
 * are svc_nodedir's): daemon.lock (held while running; a second daemon on
 * the same directory is refused), wake.sock (datagram socket), status (what
 * the links are doing, rewritten every second, read by `svcsync status`).
 */
#ifndef SVC_DAEMON_H
#define SVC_DAEMON_H

#include "svc_config.h"

typedef struct svc_daemon svc_daemon;

/* Open the node in cfg->dir: lock, store, key, listener (with the ZAP
 * self-check), upstream link. config_path (may be NULL) is re-read on SIGHUP.
 * Caller owns the result. */
int svc_daemon_new(const svc_config *cfg, const char *config_path, svc_daemon **out);

/* Run until SIGTERM/SIGINT. 0 on a clean stop. */
int svc_daemon_run(svc_daemon *d);

void svc_daemon_destroy(svc_daemon **d);

#endif

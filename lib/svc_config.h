/*
 * svc_config: the daemon's INI configuration (libinih).
 *
 * parse -> validate -> print: svc_config_load() fills a copy and only
 * replaces the caller's config when the whole file is valid, so a SIGHUP
 * reload with a mistake keeps the running config. Unknown sections and keys
 * are errors (a typo must not silently fall back to a default). Errors are
 * one line: "config FILE:LINE: key 'window': expected 1 to 16, got 40".
 *
 *   [node]
 *   dir = /var/lib/svcsync/shop-gz-0042
 *   listen = tcp://0.0.0.0:7700        ; where downstream nodes connect
 *
 *   [sync]
 *   batch_changes = 4096               ; changes per BATCH
 *   batch_bytes = 4194304              ; bytes per BATCH
 *   window = 4                         ; BATCHes in flight per link
 *   heartbeat_ms = 1000
 *   reconnect_ms = 100                 ; first reconnect delay
 *   reconnect_max_ms = 5000            ; back-off ceiling
 *   max_message = 33554432             ; ZMQ_MAXMSGSIZE
 *   commit_delay_ms = 2                ; gather local writes this long
 *
 *   [log]
 *   level = info                       ; error | warn | info | debug
 */
#ifndef SVC_CONFIG_H
#define SVC_CONFIG_H

#include "svc_log.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
	char dir[PATH_MAX]; /* paths under it fit SVC_PATH_MAX */
	char listen[256];
	size_t batch_changes;
	size_t batch_bytes;
	size_t window;
	int heartbeat_ms;
	int reconnect_ms;
	int reconnect_max_ms;
	size_t max_message;
	int commit_delay_ms;
	svc_log_level log_level;
} svc_config;

void svc_config_defaults(svc_config *c);

/* Parse and validate; *c is replaced only on success. */
int svc_config_load(svc_config *c, const char *path);
int svc_config_load_string(svc_config *c, const char *text, const char *name);

/* Validate a config assembled from defaults, file and command line. */
int svc_config_validate(const svc_config *c);

/* The effective configuration, as a valid INI file. */
void svc_config_print(const svc_config *c, FILE *out);

#endif

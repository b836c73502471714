/*
 * bench_util: what svcsync-bench's measurements share.
 *
 * The benchmark tool drives the real binaries (svcsync, svcsyncd) the way an
 * operator or a script would, and reads stores through libsvcsync where a
 * measurement needs to watch one without disturbing it. This module holds
 * the plumbing: clocks and percentiles, spawning a process and collecting its
 * resource usage, a scratch directory that is removed at the end, a small
 * network of nodes built with the CLI, daemons started and stopped by pid,
 * /proc sampling, and the synthetic tickets every measurement writes.
 *
 * It is not a test harness: nothing here asserts a time. Only one process,
 * the bench itself, is ever killed by it: the daemons it started, by pid.
 */
#ifndef SVC_BENCH_UTIL_H
#define SVC_BENCH_UTIL_H

#include "svc_local.h"
#include "svc_apply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ------------------------------------------------------------ clocks, stats */

/* CLOCK_MONOTONIC in nanoseconds / seconds. */
uint64_t bench_now_ns(void);
double bench_now_s(void);
void bench_sleep_ms(double ms);

/* Percentile (0..100) of n samples, sorted in place (nearest rank). */
double bench_pct(double *v, size_t n, double pct);

/* Set by SIGINT/SIGTERM: long loops stop early and the bench cleans up. */
extern volatile int bench_interrupted;
void bench_signals(void);

/* Progress lines on stderr ("[bench] ..."). */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------ files */

/* The directory holding this executable (svcsync and svcsyncd sit beside it). */
const char *bench_bindir(void);

/* A fresh scratch directory under base (default /tmp): created on first use,
 * removed with everything in it by bench_scratch_cleanup(). */
void bench_scratch_base(const char *base);
const char *bench_scratch(void);
/* path = scratch/name (static buffer rotation: copy if kept). */
const char *bench_path(const char *name);
int bench_rmrf(const char *path);
void bench_scratch_cleanup(void);

uint64_t bench_file_size(const char *path);
/* "<dir>/data.mdb" size in bytes. */
uint64_t bench_store_bytes(const char *dir);

/* ------------------------------------------------------------ processes */

typedef struct {
	int status;      /* wait status */
	double wall_ms;  /* spawn to reaped */
	long maxrss_kib; /* ru_maxrss from wait4 */
	double user_ms, sys_ms;
} bench_run;

/*
 * Run argv[0] (a path) with argv, stdout to out_path (NULL: /dev/null),
 * stderr to err_path (NULL: inherited), and wait for it, timing fork to
 * reap with CLOCK_MONOTONIC. Runs through a small helper process so that
 * ru_maxrss is the program's own (see bench_util.c). Returns 0 if it exited
 * 0; else -1 (the run is still filled in).
 */
int bench_exec(char *const argv[], const char *out_path, const char *err_path, bench_run *r);
/* The helper's main: `svcsync-bench exec-rss RESULT OUT ERR -- PROG ARGS`. */
int bench_exec_rss_main(int argc, char **argv);
/* Start without waiting; returns the pid or -1. */
pid_t bench_spawn(char *const argv[], const char *out_path, const char *err_path);

/* The CLI with arguments, stdout discarded, stderr kept; fails loudly. */
int bench_cli(const char *dir, ...) __attribute__((sentinel));

/* ------------------------------------------------------------ /proc */

typedef struct {
	long rss_kib, anon_kib, file_kib, hwm_kib;
} bench_mem;

int bench_proc_mem(pid_t pid, bench_mem *m);

/* CPU time used so far (user + system, ms) and bytes written through
 * write(2) and friends (wchar) by a running process. */
typedef struct {
	double cpu_ms;
	uint64_t wchar;
} bench_usage;

int bench_proc_usage(pid_t pid, bench_usage *u);
/* This process's CPU time (user + system, ms). */
double bench_self_cpu_ms(void);
/* "1.23 1.10 0.90" from /proc/loadavg. */
const char *bench_loadavg(void);

/* ------------------------------------------------------------ tickets */

/* The fields of synthetic ticket i (deterministic; strings are in a
 * per-thread buffer valid until the next call). The node is a shop, so shop
 * and region are left to the node. */
void bench_ticket_fields(uint64_t i, svc_ticket_fields *f);
/* One JSONL line for ticket i (with the newline); returns its length. */
size_t bench_ticket_json(uint64_t i, char *buf, size_t cap);
/* Write tickets [0, n) as JSONL. */
int bench_write_jsonl(const char *path, uint64_t n);

/*
 * Import tickets [first, first + n) into an open store through the library
 * (svc_local_ticket_body, then svc_local_ticket_import per SVC_IMPORT_BATCH).
 * Each out-parameter may be NULL: *import_s receives the seconds spent
 * inside svc_local_ticket_import only, *import_cpu_ms the CPU time spent
 * there, *check_s the time spent building and checking the bodies.
 */
int bench_lib_import(svc_store *s, uint64_t first, uint64_t n, double *import_s,
                     double *import_cpu_ms, double *check_s);

/* Average encoded size (bytes as stored) of the first `sample` changes. */
int bench_avg_change_size(svc_store *s, size_t sample, double *avg);

/* ------------------------------------------------------------ nodes and daemons */

/* A free TCP port on 127.0.0.1 (bound, read, released). */
int bench_free_port(void);

/* init a node in dir (via the CLI). region may be NULL. */
int bench_node_init(const char *dir, const char *id, const char *role, const char *region);
/* enroll node_dir at hq_dir under upstream, reachable at endpoint. */
int bench_enroll(const char *hq_dir, const char *node_dir, const char *upstream,
                 const char *endpoint);

typedef struct {
	pid_t pid;
	char dir[512];
	char log[512];
	char name[40];
} bench_daemon;

/* A config file every daemon started from now on is given (--config); NULL
 * for none (the defaults). */
void bench_daemon_config(const char *path);
/* Start svcsyncd for dir (listen may be NULL), log to scratch/<name>.log.
 * Waits until the daemon reports it is running (or times out). */
int bench_daemon_start(bench_daemon *d, const char *name, const char *dir, const char *listen);
/* Is the daemon still running? If it exited (or something else stopped
 * it), says so on stderr with its log and returns false. */
bool bench_daemon_alive(bench_daemon *d);
/* SIGTERM by pid and reap; SIGKILL after timeout_s. */
int bench_daemon_stop(bench_daemon *d, double timeout_s);
/* Stop every daemon still registered (at exit and on interruption). */
void bench_daemons_stop_all(void);

/* The head seq of `origin` in the store (0 when unknown), in one short read
 * transaction. */
int bench_head(svc_store *s, const char *origin, uint64_t *seq);

#endif

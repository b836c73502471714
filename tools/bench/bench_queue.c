/*
 * bench_queue: `svcsync-bench queue`, the work queues at scale.
 *
 *  - A shop's store gets --tickets walk-in tickets of a grade-A region (24 h
 *    on site; the grade copied into each opening as the desk would), every
 *    tenth of them then accepted, visited and resolved by the shop: most
 *    tickets are in the on-site queue, a tenth in the callback queue.
 *  - `svcsync queue onsite` (a page of 20) is timed through the real CLI,
 *    fork to reap, with its wall clock two days ahead (libfaketime), when
 *    every unvisited ticket is overdue; `svcsync queue callbacks` likewise
 *    (no clock shift needed).
 *
 * Both walk one fold index from its head and stop after the page: the
 * figure should not move with --tickets.
 */
#include "bench_queue.h"

#include "bench_util.h"
#include "svc_err.h"
#include "svc_local.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

struct fill_arg {
	const svc_ticket_open *b;
	size_t n;
	uint64_t first;
	char (*ids)[SVC_AGG_LEN]; /* every tenth ticket's id */
};

static int fill_fn(svc_txn *t, void *argp)
{
	struct fill_arg *a = argp;
	svc_change c;
	for (size_t i = 0; i < a->n; i++) {
		memset(&c, 0, sizeof c);
		c.kind = SVC_CK_TICKET_OPEN;
		c.u.ticket_open = a->b[i];
		int rc = svc_apply_local(t, &c);
		if (rc)
			return rc;
		if ((a->first + i) % 10 == 0)
			snprintf(a->ids[(a->first + i) / 10], SVC_AGG_LEN, "%s", c.aggregate);
	}
	return 0;
}

/* accepted, on site, resolved: three changes per ticket, a batch of tickets
 * per transaction */
struct resolve_arg {
	char (*ids)[SVC_AGG_LEN];
	size_t n;
};

static int resolve_fn(svc_txn *t, void *argp)
{
	static const uint32_t steps[] = {SVC_TS_ACCEPTED, SVC_TS_ON_SITE, SVC_TS_RESOLVED};
	struct resolve_arg *a = argp;
	svc_change c;
	for (size_t i = 0; i < a->n; i++) {
		for (size_t k = 0; k < 3; k++) {
			memset(&c, 0, sizeof c);
			c.kind = SVC_CK_TICKET_STATUS;
			snprintf(c.aggregate, sizeof c.aggregate, "%s", a->ids[i]);
			c.u.ticket_status.status = steps[k];
			int rc = svc_apply_local(t, &c);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int fill(const char *dir, uint64_t n)
{
	svc_store *s = NULL;
	svc_ticket_open *bodies = malloc(SVC_IMPORT_BATCH * sizeof *bodies);
	char(*ids)[SVC_AGG_LEN] = calloc((size_t)(n / 10 + 1), sizeof *ids);
	int rc = bodies && ids ? svc_store_open(dir, 0, &s) : svc_errf(SVC_ENOMEM, "out of memory");
	for (uint64_t done = 0; !rc && done < n && !bench_interrupted;) {
		size_t k = n - done < SVC_IMPORT_BATCH ? (size_t)(n - done) : SVC_IMPORT_BATCH;
		svc_txn *t;
		rc = svc_txn_begin(s, false, &t);
		for (size_t j = 0; !rc && j < k; j++) {
			svc_ticket_fields f;
			bench_ticket_fields(done + j, &f);
			rc = svc_local_ticket_body(t, &f, &bodies[j]);
			/* the region's grade, as the desk copies it */
			bodies[j].grade = SVC_GRADE_A;
			bodies[j].onsite_hours = 24;
		}
		svc_txn_abort(&t);
		if (!rc) {
			struct fill_arg a = {bodies, k, done, ids};
			rc = svc_store_write(s, fill_fn, &a);
		}
		done += k;
	}
	/* every tenth ticket resolved: the callback queue */
	for (uint64_t i = 0; !rc && i < n / 10 + (n % 10 != 0) && !bench_interrupted;) {
		struct resolve_arg r = {ids + i, n / 10 + (n % 10 != 0) - i};
		if (r.n > SVC_IMPORT_BATCH / 3)
			r.n = SVC_IMPORT_BATCH / 3;
		rc = svc_store_write(s, resolve_fn, &r);
		i += r.n;
	}
	if (rc)
		fprintf(stderr, "svcsync-bench: queue fill: %s\n", svc_errmsg());
	svc_store_close(&s);
	free(bodies);
	free(ids);
	return rc ? rc : bench_interrupted ? -1 : 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median and p99 of `runs` executions of `svcsync --dir DIR queue Q
 * --json` (stdout to a file, to check the page is full). */
static int time_queue(const char *dir, const char *q, int runs, bool shifted, double *med,
                      double *p99)
{
	char exe[600], out[600];
	double *v = calloc((size_t)runs, sizeof *v);
	if (!v)
		return -1;
	snprintf(exe, sizeof exe, "%s/svcsync", bench_bindir());
	snprintf(out, sizeof out, "%s", bench_path("queue.json"));
	if (shifted) {
		setenv("LD_PRELOAD", FAKETIME_LIB, 1);
		setenv("FAKETIME", "+2d", 1);
		setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
	}
	int rc = 0;
	for (int r = 0; !rc && r < runs && !bench_interrupted; r++) {
		char d[512], qq[16], a1[] = "--dir", a2[] = "queue", a3[] = "--json";
		snprintf(d, sizeof d, "%s", dir);
		snprintf(qq, sizeof qq, "%s", q);
		char *argv[] = {exe, a1, d, a2, qq, a3, NULL};
		bench_run br;
		if (bench_exec(argv, out, NULL, &br) || br.status != 0) {
			fprintf(stderr, "svcsync-bench: svcsync queue %s failed\n", q);
			rc = -1;
			break;
		}
		v[r] = br.wall_ms;
	}
	unsetenv("LD_PRELOAD");
	unsetenv("FAKETIME");
	unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
	/* the last page must be a full one: 20 entries, one per line */
	FILE *f = rc ? NULL : fopen(out, "r");
	int lines = 0, ch;
	while (f && (ch = fgetc(f)) != EOF)
		lines += ch == '\n';
	if (f)
		fclose(f);
	if (!rc && lines < 20) {
		fprintf(stderr, "svcsync-bench: queue %s printed %d lines, want a page of 20\n", q,
		        lines);
		rc = -1;
	}
	if (!rc) {
		qsort(v, (size_t)runs, sizeof *v, cmp_d);
		*med = bench_pct(v, (size_t)runs, 50);
		*p99 = bench_pct(v, (size_t)runs, 99);
	}
	free(v);
	return rc;
}

int bench_queue_run(uint64_t n, int runs)
{
	char dir[512];
	double on_med = 0, on_p99 = 0, cb_med = 0, cb_p99 = 0;
	if (n < 200)
		n = 200;
	if (access(FAKETIME_LIB, R_OK) != 0) {
		fprintf(stderr,
		        "svcsync-bench: queue needs libfaketime (%s; Debian package "
		        "faketime, installed by tools/deps.sh)\n",
		        FAKETIME_LIB);
		return -1;
	}
	snprintf(dir, sizeof dir, "%s", bench_path("queue-shop"));
	if (bench_node_init(dir, "shop-q", "shop", "region-q"))
		return -1;
	bench_note("queue: %" PRIu64 " tickets, every tenth resolved", n);
	double t0 = bench_now_s();
	if (fill(dir, n))
		return -1;
	bench_note("queue: filled in %.1f s; store %.1f MiB", bench_now_s() - t0,
	           (double)bench_store_bytes(dir) / (1 << 20));
	if (time_queue(dir, "onsite", runs, true, &on_med, &on_p99) ||
	    time_queue(dir, "callbacks", runs, false, &cb_med, &cb_p99))
		return -1;
	printf(
	    "\n| queue (a page of 20, `svcsync` CLI, fork to reap) | tickets | median | p99 |\n");
	printf("| --- | ---: | ---: | ---: |\n");
	printf("| `queue onsite` (clock +2 days: all unvisited overdue) | %" PRIu64
	       " | %.1f ms | %.1f ms |\n",
	       n, on_med, on_p99);
	printf("| `queue callbacks` (a tenth resolved) | %" PRIu64 " | %.1f ms | %.1f ms |\n", n,
	       cb_med, cb_p99);
	return 0;
}

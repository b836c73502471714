/*
 * bench_customer: `svcsync-bench customer`, customer files at scale.
 *
 *  - A shop's store is filled with --tickets tickets for --customers
 *    customers (ticket i is customer i % customers's, with that customer's
 *    product unit) through svc_local_ticket_import, which finds each line's
 *    customer by phone or creates the file and unit first: the bulk import
 *    with customers.
 *  - The same tickets go into a second store the way tickets were imported
 *    before customer files (each opening change carries the name, phone and
 *    address, one change per ticket): the import without customers.
 *  - `customer show --phone` over --runs random customers' phones: in the
 *    library (one read transaction: the phone index, the file, its units
 *    and tickets) and through the real CLI (process start included).
 */
#include "bench_customer.h"

#include "bench_util.h"
#include "svc_err.h"
#include "svc_fold.h"
#include "svc_local.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t phone_of(uint64_t k)
{
	return (k * 7919) % 1000000000ull;
}

/* Ticket i's fields: customer k = i % m. */
static void fields(uint64_t i, uint64_t m, svc_ticket_fields *f, char name[64], char phone[24],
                   char serial[32])
{
	uint64_t k = i % m;
	memset(f, 0, sizeof *f);
	snprintf(name, 64, "客户%" PRIu64, k);
	snprintf(phone, 24, "13%09" PRIu64, phone_of(k));
	snprintf(serial, 32, "SN%012" PRIu64, (uint64_t)(k * 104729 % 1000000000000ull));
	f->kind = "repair";
	f->customer = name;
	f->phone = phone;
	f->address = "广东省广州市天河路 1 号";
	f->product = "KFR-35GW";
	f->serial = serial;
	f->purchased = "2024-05-01";
	f->fault = "不制冷";
}

struct legacy_arg {
	const svc_ticket_open *b;
	size_t n;
};

/* The import as it was before customer files: the bodies as they are. */
static int legacy_fn(svc_txn *t, void *argp)
{
	struct legacy_arg *a = argp;
	svc_change c;
	for (size_t i = 0; i < a->n; i++) {
		memset(&c, 0, sizeof c);
		c.kind = SVC_CK_TICKET_OPEN;
		c.u.ticket_open = a->b[i];
		int rc = svc_apply_local(t, &c);
		if (rc)
			return rc;
	}
	return 0;
}

static int fill(const char *dir, uint64_t n, uint64_t m, bool customers, double *secs,
                double *cpu_ms)
{
	svc_store *s = NULL;
	svc_ticket_open *bodies = malloc(SVC_IMPORT_BATCH * sizeof *bodies);
	char name[64], phone[24], serial[32];
	double total = 0, cpu = 0;
	int rc = bodies ? svc_store_open(dir, 0, &s) : svc_errf(SVC_ENOMEM, "out of memory");
	for (uint64_t done = 0; !rc && done < n && !bench_interrupted;) {
		size_t k = n - done < SVC_IMPORT_BATCH ? (size_t)(n - done) : SVC_IMPORT_BATCH;
		svc_txn *t;
		rc = svc_txn_begin(s, false, &t);
		for (size_t j = 0; !rc && j < k; j++) {
			svc_ticket_fields f;
			fields(done + j, m, &f, name, phone, serial);
			rc = svc_local_ticket_body(t, &f, &bodies[j]);
		}
		svc_txn_abort(&t);
		double t0 = bench_now_s(), c0 = bench_self_cpu_ms();
		if (!rc && customers) {
			rc = svc_local_ticket_import(s, bodies, k, NULL, NULL);
		} else if (!rc) {
			struct legacy_arg a = {bodies, k};
			rc = svc_store_write(s, legacy_fn, &a);
		}
		total += bench_now_s() - t0;
		cpu += bench_self_cpu_ms() - c0;
		done += k;
	}
	if (rc)
		fprintf(stderr, "svcsync-bench: customer import: %s\n", svc_errmsg());
	svc_store_close(&s);
	free(bodies);
	*secs = total;
	*cpu_ms = cpu;
	return rc ? rc : bench_interrupted ? -1 : 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct count_arg {
	size_t n;
};

static int count_step(const char *value, const char *agg, void *argp)
{
	(void)value;
	(void)agg;
	((struct count_arg *)argp)->n++;
	return 0;
}

/* What `customer show --phone` reads, in one read transaction. */
static int show_lib(svc_store *s, const char *phone, double *ms)
{
	char ids[8][SVC_AGG_LEN];
	size_t n = 0;
	svc_txn *t;
	svc_customer cu;
	struct count_arg ca = {0};
	uint64_t t0 = bench_now_ns();
	int rc = svc_txn_begin(s, false, &t);
	if (!rc)
		rc = svc_local_customer_by_phone(t, phone, ids, 8, &n);
	if (!rc && n != 1)
		rc = svc_errf(SVC_ENOTFOUND, "%zu customers under %s", n, phone);
	if (!rc)
		rc = svc_fold_customer_get(t, ids[0], &cu);
	if (!rc && svc_fold_index_each(t, SVC_INDEX_UNIT_OWNER, ids[0], false, count_step, &ca) < 0)
		rc = -1;
	if (!rc &&
	    svc_fold_index_each(t, SVC_INDEX_TICKET_CUSTOMER, ids[0], false, count_step, &ca) < 0)
		rc = -1;
	svc_txn_abort(&t);
	*ms = (double)(bench_now_ns() - t0) / 1e6;
	return rc;
}

int bench_customer_run(uint64_t n, uint64_t m, int runs)
{
	char with[512], without[512], phone[24];
	double with_s = 0, without_s = 0, with_cpu = 0, without_cpu = 0;
	if (m > n)
		m = n;
	snprintf(with, sizeof with, "%s", bench_path("customer-with"));
	snprintf(without, sizeof without, "%s", bench_path("customer-without"));
	if (bench_node_init(with, "shop-b", "shop", "region-e") ||
	    bench_node_init(without, "shop-c", "shop", "region-e"))
		return -1;
	bench_note("customer: importing %" PRIu64 " tickets for %" PRIu64 " customers", n, m);
	if (fill(with, n, m, true, &with_s, &with_cpu))
		return -1;
	bench_note("customer: the same tickets without customer files");
	if (fill(without, n, m, false, &without_s, &without_cpu))
		return -1;

	svc_store *s = NULL;
	double *lib = calloc((size_t)runs, sizeof *lib), *cli = calloc((size_t)runs, sizeof *cli);
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	int rc = lib && cli ? svc_store_open(with, SVC_STORE_RDONLY, &s) : -1;
	for (int r = 0; !rc && r < runs; r++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		snprintf(phone, sizeof phone, "13%09" PRIu64, phone_of((rng >> 33) % m));
		rc = show_lib(s, phone, &lib[r]);
	}
	svc_store_close(&s);
	if (rc) {
		fprintf(stderr, "svcsync-bench: customer show: %s\n", svc_errmsg());
		free(lib);
		free(cli);
		return -1;
	}
	char exe[600];
	snprintf(exe, sizeof exe, "%s/svcsync", bench_bindir());
	for (int r = 0; r < runs && !bench_interrupted; r++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		snprintf(phone, sizeof phone, "13%09" PRIu64, phone_of((rng >> 33) % m));
		char *argv[] = {exe,
		                (char *)"--dir",
		                with,
		                (char *)"customer",
		                (char *)"show",
		                (char *)"--phone",
		                phone,
		                NULL};
		bench_run br;
		if (bench_exec(argv, NULL, NULL, &br) || br.status != 0) {
			fprintf(stderr, "svcsync-bench: svcsync customer show --phone %s failed\n",
			        phone);
			free(lib);
			free(cli);
			return -1;
		}
		cli[r] = br.wall_ms;
	}
	qsort(lib, (size_t)runs, sizeof *lib, cmp_d);
	qsort(cli, (size_t)runs, sizeof *cli, cmp_d);
	printf("\ncustomer files: %" PRIu64 " tickets, %" PRIu64 " customers (and as many units)\n",
	       n, m);
	printf("  customer show --phone, %d random phones\n", runs);
	printf("    library (read txn, index, file, units, tickets)  median %.3f ms  p99 %.3f ms\n",
	       lib[runs / 2], lib[(size_t)(runs * 0.99)]);
	printf("    svcsync CLI (process start included)           median %.2f ms  p99 %.2f ms\n",
	       cli[runs / 2], cli[(size_t)(runs * 0.99)]);
	printf("  bulk import (svc_local_ticket_import, %d per transaction)\n", SVC_IMPORT_BATCH);
	printf("    with customers (find by phone or create, units) %8.2f s  %8.0f tickets/s  "
	       "CPU %.2f us/ticket\n",
	       with_s, (double)n / with_s, with_cpu * 1000.0 / (double)n);
	printf("    without (pre-customer tickets, one change each) %8.2f s  %8.0f tickets/s  "
	       "CPU %.2f us/ticket\n",
	       without_s, (double)n / without_s, without_cpu * 1000.0 / (double)n);
	printf("    with / without: %.2f (time), %.2f (CPU)\n", with_s / without_s,
	       with_cpu / without_cpu);
	printf("  store size: with %.1f MiB, without %.1f MiB\n",
	       (double)bench_store_bytes(with) / 1048576.0,
	       (double)bench_store_bytes(without) / 1048576.0);
	free(lib);
	free(cli);
	return 0;
}

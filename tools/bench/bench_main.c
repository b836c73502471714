/*
 * svcsync-bench: measures svcsync against the budgets of issues 2 and 3.
 *
 *   svcsync-bench [--dir BASE] [--keep] COMMAND [OPTIONS]
 *
 *   cli          a single `svcsync ticket new`, process start to durable
 *                commit, on a store already holding --preload tickets
 *   import       bulk import of --tickets tickets: the CLI (JSONL), the
 *                library (svc_local_ticket_import) and raw LMDB side by side;
 *                store size per ticket; the CLI's peak memory on that store
 *   replicate    shop -> HQ catch-up of a --tickets backlog over CURVE on
 *                loopback, against raw LMDB; both daemons' memory
 *   incremental  syncing --new changes after a --tickets backlog has synced,
 *                against the same on an empty store
 *   latency      HQ <- region <- shop, idle: --runs tickets written one by one
 *                at the shop, each timed until HQ holds it
 *   all          everything above at the sizes docs/benchmarks.md reports
 *
 * Every command builds its own nodes with the real binaries (svcsync and
 * svcsyncd from the directory this executable is in) in a fresh directory
 * under BASE (default /tmp), binds 127.0.0.1 only, stops the daemons it
 * started (by pid) and removes the directory at the end (--keep leaves it).
 * Results are Markdown tables on stdout; progress goes to stderr.
 *
 * Nothing here judges a number: budgets are printed beside the results for
 * the reader. This is not a test (see tests/ for those).
 */
#include "bench_customer.h"
#include "bench_queue.h"
#include "bench_lmdb.h"
#include "bench_util.h"

#include "svc_crypto.h"
#include "svc_err.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOP "shop-a"

typedef struct {
	uint64_t tickets; /* import, replicate, incremental */
	int runs;         /* cli, latency */
	uint64_t preload; /* cli */
	int newc;         /* incremental */
	int reps;         /* incremental */
	bool keep;
	uint64_t customers; /* customer */
} opts;

static const char usage[] =
    "usage: svcsync-bench [--dir BASE] [--keep] [--config FILE] COMMAND [OPTIONS]\n"
    "\n"
    "commands (defaults in brackets):\n"
    "  cli          [--runs 200] [--preload 10000]   single CLI write latency\n"
    "  import       [--tickets 1000000]              bulk import vs raw LMDB, size, CLI memory\n"
    "  replicate    [--tickets 1000000]              shop -> HQ catch-up vs raw LMDB, memory\n"
    "  incremental  [--tickets 1000000] [--new 10] [--reps 3]\n"
    "                                                sync a few changes after a big backlog\n"
    "  latency      [--runs 200]                     shop -> region -> HQ, idle\n"
    "  customer     [--tickets 1000000] [--customers 500000] [--runs 200]\n"
    "                                                customer show --phone; import with and\n"
    "                                                without customer files\n"
    "  queue        [--tickets 1000000] [--runs 200] queue onsite and callbacks, a page of 20\n"
    "  all                                           all of the above but customer and queue\n"
    "                                                (--all works too)\n"
    "\n"
    "--dir BASE: where the scratch directory is made (default /tmp); --keep: leave it.\n"
    "--config FILE: give every daemon this svcsyncd config file (default: none).\n"
    "svcsync and svcsyncd are taken from this executable's directory.\n";

/* ------------------------------------------------------------ helpers */

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static void print_machine(void)
{
	char line[512], model[256] = "?", mem[64] = "?";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		char *c = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && c) {
			snprintf(model, sizeof model, "%s", c + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		long kb;
		if (sscanf(line, "MemTotal: %ld", &kb) == 1) {
			snprintf(mem, sizeof mem, "%.1f GiB", (double)kb / 1048576.0);
			break;
		}
	}
	if (f)
		fclose(f);
	/* the mount holding the scratch directory: longest matching prefix */
	char best_mp[1024] = "", src[256] = "?", fstype[64] = "?";
	const char *scratch = bench_scratch();
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		char mp[1024], fs[64], sr[256];
		/* id parent maj:min root mountpoint opts ... - fstype source opts */
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) != 1)
			continue;
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%63s %255s", fs, sr) != 2)
			continue;
		size_t n = strlen(mp);
		if (strncmp(scratch, mp, n) == 0 && (scratch[n] == '/' || n == 1) &&
		    n >= strlen(best_mp)) {
			snprintf(best_mp, sizeof best_mp, "%s", mp);
			snprintf(src, sizeof src, "%s", sr);
			snprintf(fstype, sizeof fstype, "%s", fs);
		}
	}
	if (f)
		fclose(f);
	char rot[16] = "?";
	if (strncmp(src, "/dev/", 5) == 0) {
		char p[512];
		snprintf(p, sizeof p, "/sys/class/block/%s/queue/rotational", src + 5);
		f = fopen(p, "r");
		if (f && fgets(rot, sizeof rot, f))
			rot[strcspn(rot, "\n")] = '\0';
		if (f)
			fclose(f);
	}
	uname(&u);
	/* which source was measured: the commit, and whether the tree had
	 * uncommitted changes */
	char rev[128] = "?";
#ifdef SVC_SOURCE_DIR
	f = popen("git -C '" SVC_SOURCE_DIR "' describe --always --dirty 2>/dev/null", "r");
	if (f) {
		if (fgets(rev, sizeof rev, f))
			rev[strcspn(rev, "\n")] = '\0';
		pclose(f);
	}
#endif
	printf("## Machine\n\n");
	printf("| | |\n| --- | --- |\n");
	printf("| CPU | %s, %ld online cores |\n", model, sysconf(_SC_NPROCESSORS_ONLN));
	printf("| memory | %s |\n", mem);
	printf("| kernel | %s %s |\n", u.sysname, u.release);
	printf("| scratch | %s on %s (%s, rotational=%s) |\n", bench_scratch(), src, fstype, rot);
	printf("| load average at start | %s |\n", bench_loadavg());
	printf("| source | %s |\n", rev);
	printf("\n");
	fflush(stdout);
}

static int need(int rc, const char *what)
{
	if (rc)
		fprintf(stderr, "svcsync-bench: %s failed%s%s\n", what, rc < 0 ? ": " : "",
		        rc < 0 ? svc_errmsg() : "");
	return rc;
}

/* A small network built with the CLI: HQ, optionally a region, one shop. */
typedef struct {
	char hq[512], region[512], shop[512];
	int port, rport;
	char ep[64], rep[64];
	bool has_region;
} net;

static int net_build(net *n, const char *tag, bool with_region)
{
	char name[128];
	memset(n, 0, sizeof *n);
	n->has_region = with_region;
	snprintf(name, sizeof name, "%s-hq", tag);
	snprintf(n->hq, sizeof n->hq, "%s", bench_path(name));
	snprintf(name, sizeof name, "%s-shop", tag);
	snprintf(n->shop, sizeof n->shop, "%s", bench_path(name));
	n->port = bench_free_port();
	snprintf(n->ep, sizeof n->ep, "tcp://127.0.0.1:%d", n->port);
	if (bench_node_init(n->hq, "hq", "hq", NULL))
		return -1;
	if (with_region) {
		snprintf(name, sizeof name, "%s-region", tag);
		snprintf(n->region, sizeof n->region, "%s", bench_path(name));
		n->rport = bench_free_port();
		snprintf(n->rep, sizeof n->rep, "tcp://127.0.0.1:%d", n->rport);
		if (bench_node_init(n->region, "region-e", "region", NULL) ||
		    bench_enroll(n->hq, n->region, "hq", n->ep))
			return -1;
	}
	if (bench_node_init(n->shop, SHOP, "shop", "region-e"))
		return -1;
	if (with_region)
		return bench_enroll(n->hq, n->shop, "region-e", n->rep);
	return bench_enroll(n->hq, n->shop, "hq", n->ep);
}

/* Library import of [first, first+count) into the shop (daemon stopped). */
static int shop_import(const net *n, uint64_t first, uint64_t count, double *secs)
{
	svc_store *s;
	int rc = svc_store_open(n->shop, 0, &s);
	if (rc)
		return need(rc, "opening the shop's store");
	double t0 = bench_now_s();
	rc = bench_lib_import(s, first, count, NULL, NULL, NULL);
	if (secs)
		*secs = bench_now_s() - t0;
	svc_store_close(&s);
	return rc;
}

/* ------------------------------------------------------------ a) cli */

static void ticket_new_argv(char **argv, char *exe, const char *dir, uint64_t i)
{
	static _Thread_local svc_ticket_fields f;
	size_t n = 0;
	bench_ticket_fields(i, &f);
	snprintf(exe, SVC_PATH_MAX, "%s/svcsync", bench_bindir());
	argv[n++] = exe;
	argv[n++] = (char *)(uintptr_t) "--dir";
	argv[n++] = (char *)(uintptr_t)dir;
	argv[n++] = (char *)(uintptr_t) "ticket";
	argv[n++] = (char *)(uintptr_t) "new";
#define ARG(flag, val)                                                                             \
	do {                                                                                       \
		argv[n++] = (char *)(uintptr_t)(flag);                                             \
		argv[n++] = (char *)(uintptr_t)(val);                                              \
	} while (0)
	ARG("--kind", f.kind);
	ARG("--customer", f.customer);
	ARG("--phone", f.phone);
	ARG("--address", f.address);
	ARG("--product", f.product);
	ARG("--serial", f.serial);
	ARG("--purchased", f.purchased);
	ARG("--fault", f.fault);
#undef ARG
	argv[n] = NULL;
}

static void print_dist(const char *what, double *v, size_t n, const char *note)
{
	double med = bench_pct(v, n, 50), p90 = bench_pct(v, n, 90), p99 = bench_pct(v, n, 99);
	printf("| %s | %zu | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n", what, n, v[0], med, p90,
	       p99, v[n - 1], note);
}

static int run_cli(const opts *o)
{
	net n;
	int runs = o->runs;
	double *lat = calloc((size_t)runs, sizeof *lat), *idl = calloc((size_t)runs, sizeof *idl),
	       *raw = calloc((size_t)runs, sizeof *raw);
	long rss_max = 0;
	int rc = 0;
	char exe[SVC_PATH_MAX], *argv[32];

	bench_note("cli: building a shop with %" PRIu64 " tickets", o->preload);
	if (!lat || !idl || !raw || net_build(&n, "cli", false) ||
	    shop_import(&n, 0, o->preload, NULL)) {
		rc = -1;
		goto out;
	}
	/* warm the page cache and the binary the way a busy shop's are */
	for (int i = 0; i < 5; i++) {
		bench_run r;
		ticket_new_argv(argv, exe, n.shop, 1000000 + (uint64_t)i);
		if (bench_exec(argv, NULL, NULL, &r)) {
			rc = need(-1, "svcsync ticket new");
			goto out;
		}
	}
	bench_note("cli: %d x svcsync ticket new", runs);
	for (int i = 0; i < runs && !bench_interrupted; i++) {
		bench_run r;
		ticket_new_argv(argv, exe, n.shop, 2000000 + (uint64_t)i);
		if (bench_exec(argv, NULL, NULL, &r)) {
			rc = need(-1, "svcsync ticket new");
			goto out;
		}
		lat[i] = r.wall_ms;
		if (r.maxrss_kib > rss_max)
			rss_max = r.maxrss_kib;
	}
	/* The floor under it: a process that opens the store and reads it
	 * (no write, no fsync), and a durable one-record LMDB commit. */
	bench_note("cli: floors (svcsync id; raw LMDB single-record commit)");
	for (int i = 0; i < runs && !bench_interrupted; i++) {
		bench_run r;
		char *idargv[] = {exe, (char *)(uintptr_t) "--dir", n.shop,
		                  (char *)(uintptr_t) "id", NULL};
		if (bench_exec(idargv, NULL, NULL, &r)) {
			rc = need(-1, "svcsync id");
			goto out;
		}
		idl[i] = r.wall_ms;
	}
	if (bench_raw_commit_ms(bench_path("cli-raw"), (size_t)runs, 300, raw)) {
		rc = -1;
		goto out;
	}
	if (bench_interrupted) {
		rc = -1;
		goto out;
	}
	printf("## a) Single CLI write latency\n\n");
	printf("`svcsync ticket new` on a shop store already holding %" PRIu64
	       " tickets, process spawn to exit (durable commit), %d runs, ms:\n\n",
	       o->preload, runs);
	printf("| what | n | min | median | p90 | p99 | max | |\n");
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
	print_dist("`svcsync ticket new`", lat, (size_t)runs, "target: median < 10 ms");
	print_dist("floor: `svcsync id` (process + open, no write)", idl, (size_t)runs, "");
	print_dist("floor: raw LMDB, 1 record per durable txn (in process)", raw, (size_t)runs, "");
	printf("\nPeak RSS of `ticket new`: %.1f MiB.\n\n", (double)rss_max / 1024.0);
	fflush(stdout);
out:
	free(lat);
	free(idl);
	free(raw);
	return rc;
}

/* ------------------------------------------------------------ b, c) import */

typedef struct {
	const char *what;
	double ms_med;
	long rss_kib;
} mem_row;

static int cli_mem(const char *dir, const char *what, char **args, mem_row *row)
{
	char exe[SVC_PATH_MAX], *argv[40];
	size_t n = 0;
	snprintf(exe, sizeof exe, "%s/svcsync", bench_bindir());
	argv[n++] = exe;
	argv[n++] = (char *)(uintptr_t) "--dir";
	argv[n++] = (char *)(uintptr_t)dir;
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	double ms[5];
	row->what = what;
	row->rss_kib = 0;
	for (int i = 0; i < 5; i++) {
		bench_run r;
		if (bench_exec(argv, NULL, NULL, &r))
			return need(-1, what);
		ms[i] = r.wall_ms;
		if (r.maxrss_kib > row->rss_kib)
			row->rss_kib = r.maxrss_kib;
	}
	row->ms_med = bench_pct(ms, 5, 50);
	return 0;
}

static int run_import(const opts *o, uint64_t n_t, bool memory)
{
	net n;
	char name[64];
	int rc = 0;
	svc_store *s = NULL;
	double lib_s = 0, lib_cpu = 0, check_s = 0, raw_s = 0, raw_cpu = 0, avg = 0;
	uint64_t raw_bytes = 0;
	bench_run cr;

	snprintf(name, sizeof name, "import-%" PRIu64, n_t);
	bench_note("import %" PRIu64 ": building nodes and the JSONL file", n_t);
	if (net_build(&n, name, false))
		return -1;
	/* a second shop for the library path, enrolled at the same HQ */
	char libdir[512];
	snprintf(name, sizeof name, "import-%" PRIu64 "-lib", n_t);
	snprintf(libdir, sizeof libdir, "%s", bench_path(name));
	if (bench_node_init(libdir, "shop-b", "shop", "region-e") ||
	    bench_enroll(n.hq, libdir, "hq", n.ep))
		return -1;
	snprintf(name, sizeof name, "import-%" PRIu64 ".jsonl", n_t);
	char jsonl[512];
	snprintf(jsonl, sizeof jsonl, "%s", bench_path(name));
	if (bench_write_jsonl(jsonl, n_t))
		return -1;

	/* library path */
	bench_note("import %" PRIu64 ": library (svc_local_ticket_import)", n_t);
	if ((rc = svc_store_open(libdir, 0, &s)))
		return need(rc, "opening the store");
	rc = bench_lib_import(s, 0, n_t, &lib_s, &lib_cpu, &check_s);
	if (!rc)
		rc = bench_avg_change_size(s, n_t < 100000 ? (size_t)n_t : 100000, &avg);
	svc_store_close(&s);
	if (rc)
		return need(rc, "library import");
	uint64_t lib_bytes = bench_store_bytes(libdir);

	/* CLI path */
	bench_note("import %" PRIu64 ": svcsync import --kind ticket", n_t);
	char exe[SVC_PATH_MAX];
	snprintf(exe, sizeof exe, "%s/svcsync", bench_bindir());
	char *argv[] = {exe,
	                (char *)(uintptr_t) "--dir",
	                n.shop,
	                (char *)(uintptr_t) "import",
	                (char *)(uintptr_t) "--kind",
	                (char *)(uintptr_t) "ticket",
	                jsonl,
	                NULL};
	if (bench_exec(argv, NULL, NULL, &cr))
		return need(-1, "svcsync import");
	uint64_t cli_bytes = bench_store_bytes(n.shop);

	/* raw LMDB, same count, size and batch */
	size_t vsize = (size_t)(avg + 0.5);
	bench_note("import %" PRIu64 ": raw LMDB, %zu-byte records, %d per txn", n_t, vsize,
	           SVC_IMPORT_BATCH);
	snprintf(name, sizeof name, "import-%" PRIu64 "-raw", n_t);
	double c0 = bench_self_cpu_ms();
	if (bench_raw_put(bench_path(name), n_t, vsize, SVC_IMPORT_BATCH, &raw_s, &raw_bytes))
		return -1;
	raw_cpu = bench_self_cpu_ms() - c0;
	bench_rmrf(bench_path(name));

	double cli_rate = (double)n_t / (cr.wall_ms / 1e3), lib_rate = (double)n_t / lib_s,
	       raw_rate = (double)n_t / raw_s;
	printf("## b) Bulk import, %" PRIu64 " tickets\n\n", n_t);
	printf("Durable (LMDB default flags), %d tickets per write transaction, one run each, "
	       "side by side. Average encoded change: %.0f bytes (the raw records' size). "
	       "JSONL file: %.1f MiB.\n\n",
	       SVC_IMPORT_BATCH, avg, mib(bench_file_size(jsonl)));
	printf("| path | seconds | tickets/s | ratio to raw LMDB | CPU us/ticket | |\n");
	printf("| --- | ---: | ---: | ---: | ---: | --- |\n");
	printf("| `svcsync import --kind ticket` (end to end: spawn, JSON parse, check, write) "
	       "| %.2f | %.0f | %.2f | %.2f | target: >= 150,000/s, ratio >= 0.5 |\n",
	       cr.wall_ms / 1e3, cli_rate, cli_rate / raw_rate,
	       (cr.user_ms + cr.sys_ms) * 1e3 / (double)n_t);
	printf("| library `svc_local_ticket_import` (pre-validated bodies) | %.2f | %.0f | %.2f "
	       "| %.2f | |\n",
	       lib_s, lib_rate, lib_rate / raw_rate, lib_cpu * 1e3 / (double)n_t);
	printf("| library, including `svc_local_ticket_body` checks | %.2f | %.0f | %.2f | | |\n",
	       lib_s + check_s, (double)n_t / (lib_s + check_s),
	       (double)n_t / (lib_s + check_s) / raw_rate);
	printf("| raw LMDB batched put, %zu B values, 15 B keys | %.2f | %.0f | 1.00 | %.2f | |\n",
	       vsize, raw_s, raw_rate, raw_cpu * 1e3 / (double)n_t);
	printf("\n`svcsync import` peak RSS: %.1f MiB; user %.2f s, sys %.2f s.\n\n",
	       (double)cr.maxrss_kib / 1024.0, cr.user_ms / 1e3, cr.sys_ms / 1e3);

	if (memory) {
		uint64_t compact = 0;
		snprintf(name, sizeof name, "import-%" PRIu64 "-compact", n_t);
		if (bench_compact_copy(n.shop, bench_path(name), &compact))
			return -1;
		bench_rmrf(bench_path(name));
		bench_db_size dbs[32];
		size_t ndb = 0;
		bench_db_sizes(n.shop, dbs, 32, &ndb);
		printf("## c) Store size, %" PRIu64 " tickets\n\n", n_t);
		printf("| store | data.mdb MiB | bytes per ticket |\n| --- | ---: | ---: |\n");
		printf("| after `svcsync import` | %.1f | %.0f |\n", mib(cli_bytes),
		       (double)cli_bytes / (double)n_t);
		printf("| after `mdb_copy -c` (compacted copy) | %.1f | %.0f |\n", mib(compact),
		       (double)compact / (double)n_t);
		printf("| after the library import | %.1f | %.0f |\n", mib(lib_bytes),
		       (double)lib_bytes / (double)n_t);
		printf("| raw LMDB baseline (records only) | %.1f | %.0f |\n\n", mib(raw_bytes),
		       (double)raw_bytes / (double)n_t);
		printf("Pages per database (after `svcsync import`):\n\n");
		printf("| database | entries | MiB | bytes per ticket |\n| --- | ---: | ---: | "
		       "---: |\n");
		for (size_t i = 0; i < ndb; i++)
			if (dbs[i].bytes > 65536)
				printf("| %s | %" PRIu64 " | %.1f | %.0f |\n", dbs[i].name,
				       dbs[i].entries, mib(dbs[i].bytes),
				       (double)dbs[i].bytes / (double)n_t);
		printf("\n");

		bench_note("import %" PRIu64 ": CLI peak memory on the store", n_t);
		mem_row rows[4];
		char exe2[SVC_PATH_MAX], *tn[32];
		ticket_new_argv(tn, exe2, n.shop, 3000000);
		/* ticket_new_argv built a full argv; keep only the arguments */
		if (cli_mem(n.shop, "`ticket new ...`", tn + 3, &rows[0]))
			return -1;
		char *list[] = {(char *)(uintptr_t) "ticket", (char *)(uintptr_t) "list",
		                (char *)(uintptr_t) "--limit", (char *)(uintptr_t) "20", NULL};
		char *stock[] = {(char *)(uintptr_t) "stock", NULL};
		char *claims[] = {(char *)(uintptr_t) "claim", (char *)(uintptr_t) "list", NULL};
		if (cli_mem(n.shop, "`ticket list --limit 20`", list, &rows[1]) ||
		    cli_mem(n.shop, "`stock`", stock, &rows[2]) ||
		    cli_mem(n.shop, "`claim list`", claims, &rows[3]))
			return -1;
		printf("CLI on the %" PRIu64 "-ticket store (5 runs each; ru_maxrss counts the "
		       "store pages the process touched through LMDB's map):\n\n",
		       n_t);
		printf("| command | median ms | peak RSS MiB |\n| --- | ---: | ---: |\n");
		for (int i = 0; i < 4; i++)
			printf("| %s | %.1f | %.1f |\n", rows[i].what, rows[i].ms_med,
			       (double)rows[i].rss_kib / 1024.0);
		printf("\n");
	}
	fflush(stdout);
	bench_rmrf(jsonl);
	bench_rmrf(libdir);
	if (!o->keep) {
		bench_rmrf(n.shop);
		bench_rmrf(n.hq);
	}
	return 0;
}

/* ------------------------------------------------------------ d, g) replicate */

typedef struct {
	uint64_t n;
	double secs, first_s, rate, raw_rate, import_s;
	bench_mem hq_end, shop_end;
	bench_usage hq_use, shop_use;
	long hq_anon, shop_anon, hq_rss, shop_rss, hq_file, shop_file;
	uint64_t hq_bytes;
	bool done;
} repl_result;

static void track(const bench_daemon *d, long *rss, long *anon, long *file)
{
	bench_mem m;
	if (bench_proc_mem(d->pid, &m))
		return;
	if (m.rss_kib > *rss)
		*rss = m.rss_kib;
	if (m.anon_kib > *anon)
		*anon = m.anon_kib;
	if (m.file_kib > *file)
		*file = m.file_kib;
}

/*
 * Start HQ, then time the shop daemon from spawn until HQ holds `target`
 * changes of the shop, polling every poll_ms. Leaves both running.
 */
static int catch_up(const net *n, bench_daemon *hq, bench_daemon *shop, uint64_t target,
                    double poll_ms, double timeout_s, repl_result *r)
{
	svc_store *hs;
	if (bench_daemon_start(hq, "hq", n->hq, n->ep))
		return -1;
	int rc = svc_store_open(n->hq, SVC_STORE_RDONLY, &hs);
	if (rc)
		return need(rc, "opening HQ's store");
	double t0 = bench_now_s();
	if (bench_daemon_start(shop, "shop", n->shop, NULL)) {
		svc_store_close(&hs);
		return -1;
	}
	uint64_t seq = 0;
	r->first_s = 0;
	for (;;) {
		rc = bench_head(hs, SHOP, &seq);
		if (rc) {
			need(rc, "reading HQ's heads");
			break;
		}
		double now = bench_now_s();
		if (seq > 0 && r->first_s == 0)
			r->first_s = now - t0;
		if (seq >= target) {
			r->secs = now - t0;
			r->done = true;
			break;
		}
		if (!bench_daemon_alive(hq) || !bench_daemon_alive(shop))
			break;
		if (now - t0 > timeout_s || bench_interrupted) {
			r->secs = now - t0;
			bench_note("HQ holds %" PRIu64 " of %" PRIu64 " after %.0f s: giving up",
			           seq, target, r->secs);
			break;
		}
		track(hq, &r->hq_rss, &r->hq_anon, &r->hq_file);
		track(shop, &r->shop_rss, &r->shop_anon, &r->shop_file);
		bench_sleep_ms(poll_ms);
	}
	track(hq, &r->hq_rss, &r->hq_anon, &r->hq_file);
	track(shop, &r->shop_rss, &r->shop_anon, &r->shop_file);
	bench_proc_mem(hq->pid, &r->hq_end);
	bench_proc_mem(shop->pid, &r->shop_end);
	bench_proc_usage(hq->pid, &r->hq_use);
	bench_proc_usage(shop->pid, &r->shop_use);
	svc_store_close(&hs);
	return r->done ? 0 : -1;
}

static int replicate(uint64_t n_t, net *n, repl_result *r)
{
	char name[64];
	double avg = 0;
	memset(r, 0, sizeof *r);
	r->n = n_t;
	snprintf(name, sizeof name, "repl-%" PRIu64, n_t);
	bench_note("replicate %" PRIu64 ": building HQ and a shop, importing the backlog", n_t);
	if (net_build(n, name, false) || shop_import(n, 0, n_t, &r->import_s))
		return -1;
	{
		svc_store *s;
		int rc = svc_store_open(n->shop, SVC_STORE_RDONLY, &s);
		if (rc)
			return need(rc, "opening the shop's store");
		rc = bench_avg_change_size(s, n_t < 100000 ? (size_t)n_t : 100000, &avg);
		svc_store_close(&s);
		if (rc)
			return need(rc, "reading the shop's log");
	}
	double raw_s;
	snprintf(name, sizeof name, "repl-%" PRIu64 "-raw", n_t);
	bench_note("replicate %" PRIu64 ": raw LMDB baseline", n_t);
	if (bench_raw_put(bench_path(name), n_t, (size_t)(avg + 0.5), SVC_IMPORT_BATCH, &raw_s,
	                  NULL))
		return -1;
	bench_rmrf(bench_path(name));
	r->raw_rate = (double)n_t / raw_s;

	bench_note("replicate %" PRIu64 ": shop daemon catching up to HQ", n_t);
	bench_daemon hq, shop;
	int rc = catch_up(n, &hq, &shop, n_t, 50, 120 + (double)n_t / 10000, r);
	int s1 = bench_daemon_stop(&shop, 30), s2 = bench_daemon_stop(&hq, 30);
	if (rc || s1 || s2)
		return -1;
	r->rate = (double)n_t / r->secs;
	r->hq_bytes = bench_store_bytes(n->hq);
	return 0;
}

static void print_replicate(const repl_result *rs, size_t k)
{
	printf("## d) Replication throughput, shop -> HQ\n\n");
	printf("A shop whose daemon was stopped while it recorded the backlog (library import); "
	       "HQ's daemon running; then the shop's daemon starts: it signs the backlog into "
	       "commits and ships it over CURVE on 127.0.0.1; HQ verifies every commit signature "
	       "and change hash and applies each batch durably. Timed from the shop daemon's spawn "
	       "until HQ's store holds the last change (HQ's heads polled every 50 ms through "
	       "libsvcsync). The raw LMDB baseline (same count, same record size, %d per "
	       "durable txn, fresh env) ran just before, in the same run.\n\n",
	       SVC_IMPORT_BATCH);
	printf("| backlog | seconds | first change at HQ after | changes/s | raw LMDB /s | ratio | "
	       "|\n");
	printf("| ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t i = 0; i < k; i++)
		printf("| %" PRIu64
		       " | %.2f | %.2f s | %.0f | %.0f | %.2f | target: >= 150,000/s |\n",
		       rs[i].n, rs[i].secs, rs[i].first_s, rs[i].rate, rs[i].raw_rate,
		       rs[i].rate / rs[i].raw_rate);
	printf("\nWhere the work is: CPU time and bytes written (wchar) per change by each daemon "
	       "over the whole catch-up (start-up, signing, shipping, applying):\n\n");
	printf("| backlog | HQ CPU us/change | HQ bytes written/change | HQ store bytes/change | "
	       "shop CPU us/change | shop bytes written/change |\n"
	       "| ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (size_t i = 0; i < k; i++)
		printf("| %" PRIu64 " | %.2f | %.0f | %.0f | %.2f | %.0f |\n", rs[i].n,
		       rs[i].hq_use.cpu_ms * 1e3 / (double)rs[i].n,
		       (double)rs[i].hq_use.wchar / (double)rs[i].n,
		       (double)rs[i].hq_bytes / (double)rs[i].n,
		       rs[i].shop_use.cpu_ms * 1e3 / (double)rs[i].n,
		       (double)rs[i].shop_use.wchar / (double)rs[i].n);
	printf("\n## g) Daemon memory during the catch-up\n\n");
	printf("Sampled from /proc/PID/status every 50 ms; VmHWM read at the end, before "
	       "stopping. RSS counts the LMDB map pages a daemon touched (RssFile, page cache "
	       "shared with every reader of the file); RssAnon is the daemon's own heap and "
	       "stacks. MiB:\n\n");
	printf("| backlog | daemon | VmHWM | peak VmRSS | peak RssAnon | peak RssFile | |\n");
	printf("| ---: | --- | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t i = 0; i < k; i++) {
		printf("| %" PRIu64
		       " | HQ | %.1f | %.1f | %.1f | %.1f | target: < 64 MiB, flat |\n",
		       rs[i].n, rs[i].hq_end.hwm_kib / 1024.0, rs[i].hq_rss / 1024.0,
		       rs[i].hq_anon / 1024.0, rs[i].hq_file / 1024.0);
		printf("| %" PRIu64 " | shop | %.1f | %.1f | %.1f | %.1f | |\n", rs[i].n,
		       rs[i].shop_end.hwm_kib / 1024.0, rs[i].shop_rss / 1024.0,
		       rs[i].shop_anon / 1024.0, rs[i].shop_file / 1024.0);
	}
	printf("\n");
	fflush(stdout);
}

/* ------------------------------------------------------------ f) incremental */

typedef struct {
	double start_ms[16], total_ms[16];
	int reps;
} incr_result;

/* With everything synced and both daemons stopped: write newc tickets at the
 * shop, start HQ, then time the shop daemon from spawn to HQ holding them. */
static int incremental(const net *n, uint64_t have, int newc, int reps, incr_result *ir)
{
	ir->reps = 0;
	for (int i = 0; i < reps && i < 16 && !bench_interrupted; i++) {
		uint64_t target = have + (uint64_t)newc * (uint64_t)(i + 1);
		if (shop_import(n, target - (uint64_t)newc, (uint64_t)newc, NULL))
			return -1;
		bench_daemon hq, shop;
		repl_result r;
		memset(&r, 0, sizeof r);
		int rc = catch_up(n, &hq, &shop, target, 1, 60, &r);
		int s1 = bench_daemon_stop(&shop, 30), s2 = bench_daemon_stop(&hq, 30);
		if (rc || s1 || s2)
			return -1;
		ir->total_ms[i] = r.secs * 1e3;
		ir->reps++;
	}
	return 0;
}

static void print_incremental(uint64_t big, const incr_result *a, const incr_result *b, int newc)
{
	double x[16], y[16];
	memcpy(x, a->total_ms, sizeof x);
	memcpy(y, b->total_ms, sizeof y);
	printf("## f) Incremental cost\n\n");
	printf(
	    "Both daemons stopped, %d new tickets written at the shop, HQ's daemon started; "
	    "timed from the shop daemon's spawn (which includes its start-up, connect and "
	    "CURVE handshake) until HQ holds the %d (polled every 1 ms). %d repetitions; ms:\n\n",
	    newc, newc, a->reps);
	printf("| store | min | median | max |\n| --- | ---: | ---: | ---: |\n");
	printf("| %" PRIu64 " changes already synced | %.1f | %.1f | %.1f |\n", big,
	       bench_pct(x, (size_t)a->reps, 0), bench_pct(x, (size_t)a->reps, 50),
	       bench_pct(x, (size_t)a->reps, 100));
	printf("| empty store (directory only) | %.1f | %.1f | %.1f |\n\n",
	       bench_pct(y, (size_t)b->reps, 0), bench_pct(y, (size_t)b->reps, 50),
	       bench_pct(y, (size_t)b->reps, 100));
	fflush(stdout);
}

static int run_incremental_empty(const opts *o, incr_result *ir)
{
	net n;
	bench_note("incremental: empty store");
	if (net_build(&n, "incr-empty", false))
		return -1;
	int rc = incremental(&n, 0, o->newc, o->reps, ir);
	if (!o->keep) {
		bench_rmrf(n.shop);
		bench_rmrf(n.hq);
	}
	return rc;
}

/* ------------------------------------------------------------ e) latency */

static int run_latency(const opts *o)
{
	net n;
	int runs = o->runs, rc = -1;
	double *e2e = calloc((size_t)runs, sizeof *e2e),
	       *after = calloc((size_t)runs, sizeof *after),
	       *cli = calloc((size_t)runs, sizeof *cli);
	bench_daemon hq = {0}, region = {0}, shop = {0};
	svc_store *hs = NULL;
	char exe[SVC_PATH_MAX], *argv[32];
	uint64_t seq = 0;

	bench_note("latency: HQ <- region <- shop");
	if (!e2e || !after || !cli || net_build(&n, "lat", true))
		goto out;
	if (bench_daemon_start(&hq, "lat-hq", n.hq, n.ep) ||
	    bench_daemon_start(&region, "lat-region", n.region, n.rep))
		goto out;
	/* The region admits the shop once HQ's directory (the shop's
	 * certificate) has reached it: wait for that before starting the shop,
	 * or the shop's first handshakes are refused and it backs off. */
	{
		svc_store *rs;
		if (need(svc_store_open(n.region, SVC_STORE_RDONLY, &rs), "opening the region"))
			goto out;
		double t0 = bench_now_s();
		for (;;) {
			svc_txn *t;
			svc_node nd;
			bool have = false;
			if (svc_txn_begin(rs, false, &t) == 0) {
				have = svc_fold_node_get(t, SHOP, &nd) == 0;
				svc_txn_abort(&t);
			}
			if (have)
				break;
			if (bench_now_s() - t0 > 30 || bench_interrupted) {
				fprintf(stderr, "svcsync-bench: the region never got the shop's "
				                "certificate\n");
				svc_store_close(&rs);
				goto out;
			}
			bench_sleep_ms(10);
		}
		svc_store_close(&rs);
	}
	if (bench_daemon_start(&shop, "lat-shop", n.shop, NULL))
		goto out;
	if (need(svc_store_open(n.hq, SVC_STORE_RDONLY, &hs), "opening HQ's store"))
		goto out;
	/* warm-up: links up end to end */
	for (int i = 0; i < 3; i++) {
		bench_run r;
		ticket_new_argv(argv, exe, n.shop, 4000000 + (uint64_t)i);
		if (bench_exec(argv, NULL, NULL, &r))
			goto out;
	}
	double t0 = bench_now_s();
	while (!bench_interrupted && bench_head(hs, SHOP, &seq) == 0 && seq < 3) {
		if (bench_now_s() - t0 > 30) {
			fprintf(stderr,
			        "svcsync-bench: HQ did not get the shop's warm-up tickets\n");
			goto out;
		}
		bench_sleep_ms(5);
	}
	bench_note("latency: %d tickets, one by one", runs);
	for (int i = 0; i < runs && !bench_interrupted; i++) {
		uint64_t want = seq + 1;
		bench_sleep_ms(20); /* idle between writes */
		ticket_new_argv(argv, exe, n.shop, 5000000 + (uint64_t)i);
		uint64_t ts = bench_now_ns(), texit = 0, thq = 0;
		pid_t pid = bench_spawn(argv, NULL, NULL);
		if (pid < 0)
			goto out;
		while (!thq || !texit) {
			int st;
			if (!texit && waitpid(pid, &st, WNOHANG) == pid) {
				texit = bench_now_ns();
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
					fprintf(stderr, "svcsync-bench: ticket new failed\n");
					goto out;
				}
			}
			if (!thq) {
				if (need(bench_head(hs, SHOP, &seq), "reading HQ's heads"))
					goto out;
				if (seq >= want)
					thq = bench_now_ns();
			}
			if (!bench_daemon_alive(&hq) || !bench_daemon_alive(&region) ||
			    !bench_daemon_alive(&shop)) {
				if (!texit)
					waitpid(pid, &st, 0);
				goto out;
			}
			if ((bench_now_ns() - ts) > 30000000000ull || bench_interrupted) {
				fprintf(stderr, "svcsync-bench: ticket %d never reached HQ\n", i);
				if (!texit)
					waitpid(pid, &st, 0);
				goto out;
			}
			if (!thq || !texit)
				bench_sleep_ms(1);
		}
		e2e[i] = (double)(thq - ts) / 1e6;
		after[i] = ((double)thq - (double)texit) / 1e6;
		cli[i] = (double)(texit - ts) / 1e6;
	}
	if (bench_interrupted)
		goto out;
	printf("## e) Live latency, shop -> region -> HQ (idle)\n\n");
	printf("%d tickets written one by one at the shop with `svcsync ticket new` (which wakes "
	       "the shop's daemon), 20 ms apart; HQ's heads polled every 1 ms through libsvcsync. "
	       "ms:\n\n",
	       runs);
	printf("| interval | n | min | median | p90 | p99 | max | |\n");
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
	print_dist("CLI spawn -> HQ holds it", e2e, (size_t)runs,
	           "target: p50 < 20 ms, p99 < 100 ms");
	print_dist("CLI exit (committed) -> HQ holds it", after, (size_t)runs, "");
	print_dist("CLI spawn -> exit", cli, (size_t)runs, "");
	printf("\n");
	fflush(stdout);
	rc = 0;
out:
	svc_store_close(&hs);
	if (bench_daemon_stop(&shop, 30) | bench_daemon_stop(&region, 30) |
	    bench_daemon_stop(&hq, 30))
		rc = -1;
	free(e2e);
	free(after);
	free(cli);
	return rc;
}

/* ------------------------------------------------------------ commands */

static int cmd_replicate(const opts *o, const uint64_t *sizes, size_t k, bool incr)
{
	repl_result rs[4];
	net n;
	incr_result big = {0}, empty = {0};
	for (size_t i = 0; i < k; i++) {
		if (replicate(sizes[i], &n, &rs[i]))
			return -1;
		bool last = i + 1 == k;
		if (last && incr) {
			bench_note("incremental: %" PRIu64 "-change store", sizes[i]);
			if (incremental(&n, sizes[i], o->newc, o->reps, &big))
				return -1;
		}
		if (!o->keep) {
			bench_rmrf(n.shop);
			bench_rmrf(n.hq);
		}
	}
	print_replicate(rs, k);
	if (incr) {
		if (run_incremental_empty(o, &empty))
			return -1;
		print_incremental(sizes[k - 1], &big, &empty, o->newc);
	}
	return 0;
}

static int cmd_incremental(const opts *o)
{
	net n;
	repl_result r;
	incr_result big = {0}, empty = {0};
	if (replicate(o->tickets, &n, &r))
		return -1;
	bench_note("incremental: %" PRIu64 "-change store", o->tickets);
	int rc = incremental(&n, o->tickets, o->newc, o->reps, &big);
	if (!o->keep) {
		bench_rmrf(n.shop);
		bench_rmrf(n.hq);
	}
	if (rc || run_incremental_empty(o, &empty))
		return -1;
	print_incremental(o->tickets, &big, &empty, o->newc);
	return 0;
}

static int cmd_all(const opts *o)
{
	double t0 = bench_now_s();
	opts a = *o;
	uint64_t sizes[2] = {100000, 1000000};
	if (run_cli(&a) || run_import(&a, 100000, false) || run_import(&a, 1000000, true) ||
	    cmd_replicate(&a, sizes, 2, true) || run_latency(&a))
		return -1;
	printf("Total bench time: %.0f s; load average at the end: %s.\n", bench_now_s() - t0,
	       bench_loadavg());
	return 0;
}

static int parse_u64(const char *flag, const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || !*v || x == 0) {
		fprintf(stderr, "svcsync-bench: %s: expected a positive number, got '%s'\n", flag,
		        v);
		return -1;
	}
	*out = x;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-rss") == 0)
		return bench_exec_rss_main(argc - 1, argv + 1);
	opts o = {.tickets = 1000000,
	          .runs = 200,
	          .preload = 10000,
	          .newc = 10,
	          .reps = 3,
	          .customers = 500000};
	const char *cmd = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t v;
		bool has_val = i + 1 < argc;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(a, "--keep") == 0) {
			o.keep = true;
		} else if (strcmp(a, "--dir") == 0 && has_val) {
			bench_scratch_base(argv[++i]);
		} else if (strcmp(a, "--config") == 0 && has_val) {
			bench_daemon_config(argv[++i]);
		} else if (strcmp(a, "--all") == 0) {
			cmd = "all";
		} else if ((strcmp(a, "--tickets") == 0 || strcmp(a, "--runs") == 0 ||
		            strcmp(a, "--preload") == 0 || strcmp(a, "--new") == 0 ||
		            strcmp(a, "--reps") == 0 || strcmp(a, "--customers") == 0) &&
		           has_val) {
			if (parse_u64(a, argv[++i], &v))
				return 2;
			if (strcmp(a, "--tickets") == 0)
				o.tickets = v;
			else if (strcmp(a, "--runs") == 0)
				o.runs = (int)(v > 100000 ? 100000 : v);
			else if (strcmp(a, "--preload") == 0)
				o.preload = v;
			else if (strcmp(a, "--new") == 0)
				o.newc = (int)(v > 100000 ? 100000 : v);
			else if (strcmp(a, "--customers") == 0)
				o.customers = v;
			else
				o.reps = (int)(v > 16 ? 16 : v);
		} else if (a[0] != '-' && !cmd) {
			cmd = a;
		} else {
			fprintf(stderr,
			        "svcsync-bench: unknown or incomplete argument '%s' (see "
			        "--help)\n",
			        a);
			return 2;
		}
	}
	if (!cmd) {
		fputs(usage, stderr);
		return 2;
	}
	if (svc_crypto_init() != 0) {
		fprintf(stderr, "svcsync-bench: %s\n", svc_errmsg());
		return 1;
	}
	bench_signals();
	print_machine();
	int rc;
	if (strcmp(cmd, "cli") == 0)
		rc = run_cli(&o);
	else if (strcmp(cmd, "import") == 0)
		rc = run_import(&o, o.tickets, true);
	else if (strcmp(cmd, "replicate") == 0)
		rc = cmd_replicate(&o, &o.tickets, 1, false);
	else if (strcmp(cmd, "incremental") == 0)
		rc = cmd_incremental(&o);
	else if (strcmp(cmd, "latency") == 0)
		rc = run_latency(&o);
	else if (strcmp(cmd, "all") == 0)
		rc = cmd_all(&o);
	else if (strcmp(cmd, "customer") == 0)
		rc = bench_customer_run(o.tickets, o.customers, o.runs);
	else if (strcmp(cmd, "queue") == 0)
		rc = bench_queue_run(o.tickets, o.runs);
	else {
		fprintf(stderr, "svcsync-bench: unknown command '%s' (see --help)\n", cmd);
		rc = 2;
	}
	bench_daemons_stop_all();
	if (o.keep)
		bench_note("kept %s", bench_scratch());
	else
		bench_scratch_cleanup();
	if (bench_interrupted) {
		fprintf(stderr, "svcsync-bench: interrupted\n");
		return 130;
	}
	return rc == 2 ? 2 : rc ? 1 : 0;
}

/*
 * bench_util: plumbing for svcsync-bench. See bench_util.h.
 *
 * Processes are started with posix_spawn, never a bare fork: the bench may
 * hold an LMDB environment open (it watches HQ's store), and LMDB handles
 * must not be carried across fork. Every daemon is registered by pid when
 * started and stopped by that pid, at the latest when the bench exits or is
 * interrupted; nothing is ever signalled by name.
 */
#include "bench_util.h"

#include "svc_err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ------------------------------------------------------------ clocks, stats */

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double bench_now_s(void)
{
	return (double)bench_now_ns() / 1e9;
}

void bench_sleep_ms(double ms)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !bench_interrupted)
		;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double bench_pct(double *v, size_t n, double pct)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, dbl_cmp);
	/* nearest rank: the smallest value with at least pct% of samples at
	 * or below it */
	size_t rank = (size_t)((pct / 100.0) * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

volatile int bench_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

void bench_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("[bench] ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------ files */

const char *bench_bindir(void)
{
	static char dir[4096];
	if (dir[0])
		return dir;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		snprintf(dir, sizeof dir, ".");
		return dir;
	}
	exe[n] = '\0';
	snprintf(dir, sizeof dir, "%s", dirname(exe));
	return dir;
}

static char scratch_base[2900] = "/tmp";
static char scratch_dir[3000];

void bench_scratch_base(const char *base)
{
	snprintf(scratch_base, sizeof scratch_base, "%s", base);
}

const char *bench_scratch(void)
{
	if (scratch_dir[0])
		return scratch_dir;
	snprintf(scratch_dir, sizeof scratch_dir, "%s/svcsync-bench.XXXXXX", scratch_base);
	if (!mkdtemp(scratch_dir)) {
		fprintf(stderr, "svcsync-bench: cannot create a directory under %s: %s\n",
		        scratch_base, strerror(errno));
		exit(1);
	}
	return scratch_dir;
}

const char *bench_path(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", bench_scratch(), name);
	return b;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "svcsync-bench: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

int bench_rmrf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void bench_scratch_cleanup(void)
{
	if (!scratch_dir[0])
		return;
	bench_rmrf(scratch_dir);
	scratch_dir[0] = '\0';
}

uint64_t bench_file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

uint64_t bench_store_bytes(const char *dir)
{
	char p[SVC_PATH_MAX];
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	return bench_file_size(p);
}

/* ------------------------------------------------------------ processes */

static pid_t spawn(char *const argv[], const char *out_path, const char *err_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
	                                 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (err_path)
		posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_APPEND,
		                                 0600);
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "svcsync-bench: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	return pid;
}

pid_t bench_spawn(char *const argv[], const char *out_path, const char *err_path)
{
	return spawn(argv, out_path, err_path);
}

/*
 * Peak memory. ru_maxrss of a process created by fork (or posix_spawn's
 * vfork) starts at the RSS of the parent it was copied from: Linux carries
 * the old mm's high-water mark across exec. The bench itself is large (it
 * imports through the library, mapping the store), so its children would all
 * report its size. Hence bench_exec runs the program through a fresh, small
 * copy of the bench ("svcsync-bench exec-rss", bench_exec_rss_main), whose
 * own child then starts from a ~1 MiB parent; that helper also times the
 * child (fork to reap), so its own start-up is not counted.
 */
int bench_exec_rss_main(int argc, char **argv)
{
	/* argv: exec-rss RESULT_FILE OUT_FILE|- ERR_FILE|- -- PROG ARGS... */
	if (argc < 6 || strcmp(argv[4], "--") != 0)
		return 2;
	const char *res = argv[1];
	const char *out = strcmp(argv[2], "-") ? argv[2] : NULL;
	const char *err = strcmp(argv[3], "-") ? argv[3] : NULL;
	struct rusage ru;
	int st = 0;
	uint64_t t0 = bench_now_ns();
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0 && fd != 1) {
			dup2(fd, 1);
			close(fd);
		}
		if (err) {
			fd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0600);
			if (fd >= 0 && fd != 2) {
				dup2(fd, 2);
				close(fd);
			}
		}
		execv(argv[5], argv + 5);
		_exit(127);
	}
	if (pid < 0)
		return 1;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return 1;
	uint64_t t1 = bench_now_ns();
	FILE *f = fopen(res, "w");
	if (!f)
		return 1;
	fprintf(f, "%d %.6f %ld %.3f %.3f\n", st, (double)(t1 - t0) / 1e6, ru.ru_maxrss,
	        (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3,
	        (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3);
	return fclose(f) ? 1 : 0;
}

int bench_exec(char *const argv[], const char *out_path, const char *err_path, bench_run *r)
{
	char self[SVC_PATH_MAX], res[SVC_PATH_MAX];
	char *hargv[64];
	size_t n = 0;
	int st = 0;
	memset(r, 0, sizeof *r);
	r->status = -1;
	snprintf(self, sizeof self, "%s/svcsync-bench", bench_bindir());
	snprintf(res, sizeof res, "%s", bench_path("exec-rss.result"));
	hargv[n++] = self;
	hargv[n++] = (char *)(uintptr_t) "exec-rss";
	hargv[n++] = res;
	hargv[n++] = (char *)(uintptr_t)(out_path ? out_path : "-");
	hargv[n++] = (char *)(uintptr_t)(err_path ? err_path : "-");
	hargv[n++] = (char *)(uintptr_t) "--";
	for (size_t i = 0; argv[i] && n < 63; i++)
		hargv[n++] = argv[i];
	hargv[n] = NULL;
	unlink(res);
	pid_t pid = spawn(hargv, NULL, NULL);
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	FILE *f = fopen(res, "r");
	if (!f || fscanf(f, "%d %lf %ld %lf %lf", &r->status, &r->wall_ms, &r->maxrss_kib,
	                 &r->user_ms, &r->sys_ms) != 5) {
		if (f)
			fclose(f);
		fprintf(stderr, "svcsync-bench: could not run %s\n", argv[0]);
		return -1;
	}
	fclose(f);
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0 ? 0 : -1;
}

int bench_cli(const char *dir, ...)
{
	char *argv[40];
	char exe[SVC_PATH_MAX];
	size_t n = 0;
	va_list ap;
	snprintf(exe, sizeof exe, "%s/svcsync", bench_bindir());
	argv[n++] = exe;
	argv[n++] = (char *)(uintptr_t) "--dir";
	argv[n++] = (char *)(uintptr_t)dir;
	va_start(ap, dir);
	for (const char *a; n < 39 && (a = va_arg(ap, const char *));)
		argv[n++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[n] = NULL;
	bench_run r;
	if (bench_exec(argv, NULL, NULL, &r) != 0) {
		fprintf(stderr, "svcsync-bench: failed:");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ /proc */

int bench_proc_mem(pid_t pid, bench_mem *m)
{
	char path[64], line[256];
	memset(m, 0, sizeof *m);
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		long v;
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			m->rss_kib = v;
		else if (sscanf(line, "RssAnon: %ld", &v) == 1)
			m->anon_kib = v;
		else if (sscanf(line, "RssFile: %ld", &v) == 1)
			m->file_kib = v;
		else if (sscanf(line, "VmHWM: %ld", &v) == 1)
			m->hwm_kib = v;
	}
	fclose(f);
	return 0;
}

int bench_proc_usage(pid_t pid, bench_usage *u)
{
	char path[64], buf[2048], line[256];
	memset(u, 0, sizeof *u);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm)": state is field 3; utime and stime are 14 and 15 */
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	u->cpu_ms = (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f)) {
		unsigned long long v;
		if (sscanf(line, "wchar: %llu", &v) == 1)
			u->wchar = v;
	}
	if (f)
		fclose(f);
	return 0;
}

double bench_self_cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

const char *bench_loadavg(void)
{
	static char buf[64];
	char a[16] = "?", b[16] = "?", c[16] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%15s %15s %15s", a, b, c) != 3)
			a[0] = '?', a[1] = '\0';
		fclose(f);
	}
	snprintf(buf, sizeof buf, "%s %s %s", a, b, c);
	return buf;
}

/* ------------------------------------------------------------ tickets */

/*
 * Synthetic tickets look like a repair network's: Chinese names and
 * addresses (UTF-8), mobile numbers, appliance models and fault texts of the
 * lengths seen in practice, so an encoded change is the size a real one is.
 */
static const char *const t_kinds[] = {"repair",  "install", "repair",   "repair",
                                      "consult", "repair",  "exchange", "return"};
static const char *const t_names[] = {"王芳", "李娜", "张伟", "刘洋", "陈静",
                                      "杨磊", "赵敏", "黄强", "周杰", "吴婷"};
static const char *const t_streets[] = {"天河区体育西路", "越秀区中山五路", "海珠区新港中路",
                                        "番禺区市桥大北路", "白云区广州大道北"};
static const char *const t_products[] = {"KFR-35GW/BP3DN8Y-PH400(B3)", "XQG100-14HB30",
                                         "BCD-520WKPZM(E)", "JSQ30-16WH5D", "CXW-260-J25S"};
static const char *const t_faults[] = {
    "制冷效果差，开机半小时后外机停转，显示E4故障码",
    "滚筒不转，有异响，排水正常",
    "冷藏室不制冷，冷冻室正常，压缩机频繁启动",
    "打不着火，点火针有火花，燃气阀正常",
    "新机安装，需上门测量并安装挂架",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static _Thread_local struct {
	char customer[64], phone[24], address[128], serial[32], purchased[16];
} tbuf;

void bench_ticket_fields(uint64_t i, svc_ticket_fields *f)
{
	memset(f, 0, sizeof *f);
	unsigned long long u = (unsigned long long)i;
	f->kind = t_kinds[i % NELEM(t_kinds)];
	snprintf(tbuf.customer, sizeof tbuf.customer, "%s%llu", t_names[i % NELEM(t_names)],
	         u % 100000);
	snprintf(tbuf.phone, sizeof tbuf.phone, "13%09llu", (u * 7919) % 1000000000ull);
	snprintf(tbuf.address, sizeof tbuf.address, "广东省广州市%s%llu号%llu室",
	         t_streets[i % NELEM(t_streets)], u % 997 + 1, u % 31 * 100 + 101);
	snprintf(tbuf.serial, sizeof tbuf.serial, "SN%012llu", u * 104729 % 1000000000000ull);
	if (strcmp(f->kind, "return") == 0 || strcmp(f->kind, "exchange") == 0) {
		/* A return or an exchange is accepted within its window of the
		 * purchase (15 and 30 days by default): bought a few days ago. */
		time_t when = time(NULL) - (time_t)(u % 10 + 1) * 86400;
		struct tm tm;
		gmtime_r(&when, &tm);
		strftime(tbuf.purchased, sizeof tbuf.purchased, "%Y-%m-%d", &tm);
	} else {
		snprintf(tbuf.purchased, sizeof tbuf.purchased, "20%02llu-%02llu-%02llu",
		         23 + u % 3, u % 12 + 1, u % 28 + 1);
	}
	f->customer = tbuf.customer;
	f->phone = tbuf.phone;
	f->address = tbuf.address;
	f->product = t_products[i % NELEM(t_products)];
	f->serial = tbuf.serial;
	f->purchased = tbuf.purchased;
	f->fault = t_faults[i % NELEM(t_faults)];
}

size_t bench_ticket_json(uint64_t i, char *buf, size_t cap)
{
	svc_ticket_fields f;
	bench_ticket_fields(i, &f);
	int n = snprintf(buf, cap,
	                 "{\"kind\":\"%s\",\"customer\":\"%s\",\"phone\":\"%s\",\"address\":\"%s\","
	                 "\"product\":\"%s\",\"serial\":\"%s\",\"purchased\":\"%s\","
	                 "\"fault\":\"%s\"}\n",
	                 f.kind, f.customer, f.phone, f.address, f.product, f.serial, f.purchased,
	                 f.fault);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int bench_write_jsonl(const char *path, uint64_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "svcsync-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	static char buf[1 << 20];
	setvbuf(f, buf, _IOFBF, sizeof buf);
	char line[1024];
	for (uint64_t i = 0; i < n; i++) {
		size_t len = bench_ticket_json(i, line, sizeof line);
		fwrite(line, 1, len, f);
	}
	int rc = fclose(f);
	if (rc)
		fprintf(stderr, "svcsync-bench: %s: %s\n", path, strerror(errno));
	return rc ? -1 : 0;
}

int bench_lib_import(svc_store *s, uint64_t first, uint64_t n, double *import_s,
                     double *import_cpu_ms, double *check_s)
{
	svc_ticket_open *bodies = malloc(SVC_IMPORT_BATCH * sizeof *bodies);
	double t_import = 0, t_check = 0, cpu = 0;
	int rc = 0;
	if (!bodies)
		return svc_errf(SVC_ENOMEM, "out of memory");
	for (uint64_t done = 0; done < n && !rc && !bench_interrupted;) {
		size_t m = n - done < SVC_IMPORT_BATCH ? (size_t)(n - done) : SVC_IMPORT_BATCH;
		svc_txn *t;
		double t0 = bench_now_s();
		rc = svc_txn_begin(s, false, &t);
		for (size_t k = 0; !rc && k < m; k++) {
			svc_ticket_fields f;
			bench_ticket_fields(first + done + k, &f);
			rc = svc_local_ticket_body(t, &f, &bodies[k]);
		}
		svc_txn_abort(&t);
		double t1 = bench_now_s(), c1 = bench_self_cpu_ms();
		if (!rc)
			rc = svc_local_ticket_import(s, bodies, m, NULL, NULL);
		double t2 = bench_now_s();
		cpu += bench_self_cpu_ms() - c1;
		t_check += t1 - t0;
		t_import += t2 - t1;
		done += m;
	}
	free(bodies);
	if (rc)
		fprintf(stderr, "svcsync-bench: import: %s\n", svc_errmsg());
	if (import_s)
		*import_s = t_import;
	if (import_cpu_ms)
		*import_cpu_ms = cpu;
	if (check_s)
		*check_s = t_check;
	return rc ? rc : bench_interrupted ? -1 : 0;
}

struct avg_arg {
	size_t left, n;
	uint64_t bytes;
};

static int avg_step(const svc_logged_change *lc, void *argp)
{
	struct avg_arg *a = argp;
	if (lc->c.kind != SVC_CK_TICKET_OPEN)
		return 0;
	a->bytes += lc->len;
	a->n++;
	return --a->left == 0;
}

int bench_avg_change_size(svc_store *s, size_t sample, double *avg)
{
	struct avg_arg a = {sample, 0, 0};
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_journal_each_from(t, 1, avg_step, &a);
	svc_txn_abort(&t);
	if (rc < 0)
		return rc;
	*avg = a.n ? (double)a.bytes / (double)a.n : 0;
	return 0;
}

/* ------------------------------------------------------------ nodes and daemons */

int bench_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int port = -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int bench_node_init(const char *dir, const char *id, const char *role, const char *region)
{
	if (region)
		return bench_cli(dir, "init", "--id", id, "--role", role, "--region", region,
		                 (char *)NULL);
	return bench_cli(dir, "init", "--id", id, "--role", role, (char *)NULL);
}

int bench_enroll(const char *hq_dir, const char *node_dir, const char *upstream,
                 const char *endpoint)
{
	char req[SVC_PATH_MAX], bundle[SVC_PATH_MAX];
	snprintf(req, sizeof req, "%s/enroll.req", node_dir);
	snprintf(bundle, sizeof bundle, "%s/enroll.bundle", node_dir);
	if (bench_cli(node_dir, "enroll", "request", "--out", req, (char *)NULL) ||
	    bench_cli(hq_dir, "enroll", "approve", "--request", req, "--upstream", upstream,
	              "--endpoint", endpoint, "--out", bundle, (char *)NULL) ||
	    bench_cli(node_dir, "enroll", "accept", "--bundle", bundle, (char *)NULL))
		return -1;
	return 0;
}

#define MAX_DAEMONS 8
static bench_daemon *running[MAX_DAEMONS];
static char daemon_config[4096];

void bench_daemon_config(const char *path)
{
	snprintf(daemon_config, sizeof daemon_config, "%s", path ? path : "");
}

static bool log_says_running(const char *path)
{
	char line[1024];
	bool yes = false;
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof line, f))
		yes = strstr(line, ") running") != NULL;
	fclose(f);
	return yes;
}

static void dump_log(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

int bench_daemon_start(bench_daemon *d, const char *name, const char *dir, const char *listen)
{
	char exe[SVC_PATH_MAX];
	char *argv[10];
	size_t n = 0;
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	char logname[64];
	snprintf(logname, sizeof logname, "%s.log", name);
	snprintf(d->log, sizeof d->log, "%s", bench_path(logname));
	snprintf(exe, sizeof exe, "%s/svcsyncd", bench_bindir());
	argv[n++] = exe;
	argv[n++] = (char *)(uintptr_t) "--dir";
	argv[n++] = d->dir;
	if (listen) {
		argv[n++] = (char *)(uintptr_t) "--listen";
		argv[n++] = (char *)(uintptr_t)listen;
	}
	if (daemon_config[0]) {
		argv[n++] = (char *)(uintptr_t) "--config";
		argv[n++] = daemon_config;
	}
	argv[n] = NULL;
	/* a fresh log per start, so readiness is this start's */
	unlink(d->log);
	d->pid = spawn(argv, NULL, d->log);
	if (d->pid < 0)
		return -1;
	for (int i = 0; i < MAX_DAEMONS; i++) {
		if (!running[i]) {
			running[i] = d;
			break;
		}
	}
	double t0 = bench_now_s();
	while (!log_says_running(d->log)) {
		int st;
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			fprintf(stderr, "svcsync-bench: daemon %s exited at start:\n", name);
			dump_log(d->log);
			d->pid = 0;
			bench_daemon_stop(d, 0);
			return -1;
		}
		if (bench_now_s() - t0 > 15 || bench_interrupted) {
			fprintf(stderr, "svcsync-bench: daemon %s not running after 15 s:\n", name);
			dump_log(d->log);
			bench_daemon_stop(d, 5);
			return -1;
		}
		bench_sleep_ms(1);
	}
	return 0;
}

bool bench_daemon_alive(bench_daemon *d)
{
	int st;
	if (d->pid <= 0)
		return false;
	if (waitpid(d->pid, &st, WNOHANG) != d->pid)
		return true;
	fprintf(stderr,
	        "svcsync-bench: daemon %s (pid %d) exited with status 0x%x while the bench "
	        "still needed it; its log:\n",
	        d->name, (int)d->pid, st);
	dump_log(d->log);
	d->pid = 0;
	return false;
}

int bench_daemon_stop(bench_daemon *d, double timeout_s)
{
	int rc = 0;
	for (int i = 0; i < MAX_DAEMONS; i++)
		if (running[i] == d)
			running[i] = NULL;
	if (d->pid <= 0)
		return 0;
	kill(d->pid, SIGTERM);
	double t0 = bench_now_s();
	int st = 0;
	for (;;) {
		pid_t r = waitpid(d->pid, &st, WNOHANG);
		if (r == d->pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (bench_now_s() - t0 > timeout_s) {
			fprintf(stderr,
			        "svcsync-bench: daemon %s (pid %d) ignored SIGTERM for %.0f s; "
			        "killing it\n",
			        d->name, (int)d->pid, timeout_s);
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &st, 0);
			rc = -1;
			break;
		}
		bench_sleep_ms(5);
	}
	if (!rc && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "svcsync-bench: daemon %s stopped with status 0x%x; its log:\n",
		        d->name, st);
		dump_log(d->log);
		rc = -1;
	}
	d->pid = 0;
	return rc;
}

void bench_daemons_stop_all(void)
{
	for (int i = 0; i < MAX_DAEMONS; i++)
		if (running[i])
			bench_daemon_stop(running[i], 10);
}

int bench_head(svc_store *s, const char *origin, uint64_t *seq)
{
	svc_txn *t;
	uint8_t hash[SVC_HASH_LEN];
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_journal_head_get(t, origin, seq, hash);
	svc_txn_abort(&t);
	return rc;
}

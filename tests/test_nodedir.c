/*
 * test_nodedir: the node directory's own files. The status record written
 * and read back field for field (and in place when no new file can be
 * made), damaged status files refused with one line and no crash, records
 * of a newer daemon skipped, the daemon lock taken, refused and seen from
 * outside, and the wake socket poked and drained.
 */
#include "svc_err.h"
#include "svc_nodedir.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *root;

static void put_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(fwrite(text, 1, len, f), len);
	fclose(f);
}

static svc_nodedir_status sample(svc_nodedir_link links[3])
{
	svc_nodedir_status st;
	memset(&st, 0, sizeof st);
	memset(links, 0, 3 * sizeof *links);
	st.pid = 4242;
	st.started = 1700000000000ULL;
	st.updated = 1700000005000ULL;
	st.lsn = 77;
	snprintf(st.listen, sizeof st.listen, "tcp://0.0.0.0:7400");
	st.divergences = 1;
	st.forks = 2;
	st.gaps = 3;
	st.has_mono = true;
	st.mono = 123456789;
	st.disk_full = true;
	st.disk_retries = 5;
	snprintf(st.disk_detail, sizeof st.disk_detail, "no space left on device (/mnt/x y)");
	snprintf(links[0].node, SVC_ID_LEN, "hq");
	links[0].upstream = true;
	snprintf(links[0].state, sizeof links[0].state, "up");
	links[0].last_rx = 1700000004000ULL;
	links[0].acked = 70;
	links[0].sent = 75;
	links[0].applied = 9;
	links[0].quarantined = 1;
	links[0].peer_ms = 1700000004500ULL;
	links[0].errors = 2;
	links[0].has_age = true;
	links[0].rx_age = 1000;
	snprintf(links[1].node, SVC_ID_LEN, "shop-a");
	snprintf(links[1].state, sizeof links[1].state, "hello_sent");
	links[1].has_age = true;
	links[1].never = true;
	snprintf(links[2].node, SVC_ID_LEN, "shop-b");
	snprintf(links[2].state, sizeof links[2].state, "down");
	links[2].last_rx = 5;
	st.links = links;
	st.nlinks = 3;
	return st;
}

static void check_same(const svc_nodedir_status *a, const svc_nodedir_status *b)
{
	CHECK_INT(a->pid, b->pid);
	CHECK_INT(a->started, b->started);
	CHECK_INT(a->updated, b->updated);
	CHECK_INT(a->lsn, b->lsn);
	CHECK_STR(a->listen, b->listen);
	CHECK_INT(a->divergences, b->divergences);
	CHECK_INT(a->forks, b->forks);
	CHECK_INT(a->gaps, b->gaps);
	CHECK_INT(a->has_mono, b->has_mono);
	CHECK_INT(a->mono, b->mono);
	CHECK_INT(a->disk_full, b->disk_full);
	CHECK_INT(a->disk_retries, b->disk_retries);
	CHECK_STR(a->disk_detail, b->disk_detail);
	CHECK_INT(a->nlinks, b->nlinks);
	for (size_t i = 0; i < a->nlinks && i < b->nlinks; i++) {
		const svc_nodedir_link *x = &a->links[i], *y = &b->links[i];
		CHECK_STR(x->node, y->node);
		CHECK_INT(x->upstream, y->upstream);
		CHECK_STR(x->state, y->state);
		CHECK_INT(x->last_rx, y->last_rx);
		CHECK_INT(x->acked, y->acked);
		CHECK_INT(x->sent, y->sent);
		CHECK_INT(x->applied, y->applied);
		CHECK_INT(x->quarantined, y->quarantined);
		CHECK_INT(x->peer_ms, y->peer_ms);
		CHECK_INT(x->errors, y->errors);
		CHECK_INT(x->has_age, y->has_age);
		CHECK_INT(x->never, y->never);
		CHECK_INT(x->rx_age, y->rx_age);
	}
}

static void test_paths(void)
{
	printf("paths\n");
	svc_nodedir nd;
	CHECK_INT(svc_nodedir_init(&nd, "/srv/node"), 0);
	CHECK_STR(nd.lock, "/srv/node/daemon.lock");
	CHECK_STR(nd.wake, "/srv/node/wake.sock");
	CHECK_STR(nd.status, "/srv/node/status");
	CHECK_STR(nd.status_tmp, "/srv/node/.status.tmp");
	char *longdir = malloc(SVC_PATH_MAX);
	memset(longdir, 'd', SVC_PATH_MAX - 1);
	longdir[SVC_PATH_MAX - 1] = '\0';
	CHECK_INT(svc_nodedir_init(&nd, longdir), SVC_EINVAL);
	/* A directory of PATH_MAX fits with every name. */
	longdir[4096] = '\0';
	CHECK_INT(svc_nodedir_init(&nd, longdir), 0);
	free(longdir);
	svc_errclear();
}

static void test_status_roundtrip(void)
{
	printf("status round trip\n");
	svc_nodedir nd;
	svc_nodedir_link links[3];
	svc_nodedir_status st = sample(links), got;
	CHECK_INT(svc_nodedir_init(&nd, root), 0);
	CHECK_INT(svc_nodedir_status_read(&nd, &got), SVC_ENOTFOUND);
	svc_nodedir_status_free(&got);

	CHECK_INT(svc_nodedir_status_write(&nd, &st), 0);
	CHECK(access(nd.status_tmp, F_OK) != 0); /* renamed over */
	CHECK_INT(svc_nodedir_status_read(&nd, &got), 0);
	check_same(&st, &got);
	svc_nodedir_status_free(&got);
	CHECK(got.links == NULL);

	/* What shell tests and operators grep for stays where it was. */
	FILE *f = fopen(nd.status, "r");
	char text[4096];
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	CHECK(strstr(text, "pid 4242\n") == text);
	CHECK(strstr(text, "\nupdated 1700000005000\n") != NULL);
	CHECK(strstr(text, "\nlink hq upstream up 1700000004000 70 75 9 1 1700000004500 2\n"));
	CHECK(strstr(text, "\nlink_age hq 1000\n") != NULL);
	CHECK(strstr(text, "\nlink shop-a downstream hello_sent ") != NULL);
	CHECK(strstr(text, "\nlink_age shop-a -\n") != NULL);
	CHECK(strstr(text, "link_age shop-b") == NULL);
	CHECK(strstr(text, "\ndisk_full 5 no space left on device (/mnt/x y)\n") != NULL);

	/* No disk trouble, no links, not listening, no monotonic clock (a
	 * daemon of an older build). */
	svc_nodedir_status quiet;
	memset(&quiet, 0, sizeof quiet);
	quiet.pid = 1;
	CHECK_INT(svc_nodedir_status_write(&nd, &quiet), 0);
	CHECK_INT(svc_nodedir_status_read(&nd, &got), 0);
	snprintf(quiet.listen, sizeof quiet.listen, "-");
	check_same(&quiet, &got);
	svc_nodedir_status_free(&got);

	/* No new file can be made: the old one is overwritten in place. */
	CHECK_INT(mkdir(nd.status_tmp, 0700), 0);
	CHECK_INT(svc_nodedir_status_write(&nd, &st), 0);
	CHECK_INT(svc_nodedir_status_read(&nd, &got), 0);
	check_same(&st, &got);
	svc_nodedir_status_free(&got);
	CHECK_INT(rmdir(nd.status_tmp), 0);
}

/* text must be refused with one line naming the file. */
static void damaged(const svc_nodedir *nd, const char *text, size_t len, const char *why)
{
	svc_nodedir_status got;
	put_file(nd->status, text, len);
	int rc = svc_nodedir_status_read(nd, &got);
	svc_nodedir_status_free(&got);
	if (rc != SVC_EDECODE)
		fprintf(stderr, "  not refused: %s\n", why);
	CHECK_INT(rc, SVC_EDECODE);
	CHECK(strstr(svc_errmsg(), nd->status) != NULL);
	CHECK(strchr(svc_errmsg(), '\n') == NULL);
	svc_errclear();
}

static void test_status_damaged(void)
{
	printf("damaged status files\n");
	svc_nodedir nd;
	CHECK_INT(svc_nodedir_init(&nd, root), 0);
	static const char cut[] = "pid 1\nupdated 17";
	damaged(&nd, "", 0, "empty");
	damaged(&nd, cut, sizeof cut - 1, "cut short");
	damaged(&nd, "pid 1\0\n", 7, "NUL byte");
	damaged(&nd, "pid x\n", 6, "pid not a number");
	damaged(&nd, "updated 12a\n", 12, "trailing garbage");
	damaged(&nd, "gaps 99999999999999999999\n", 26, "overflow");
	damaged(&nd, "gaps\n", 5, "no value");
	damaged(&nd, "listen a b\n", 11, "two addresses");
	damaged(&nd, "link hq upstream up 1 2 3\n", 26, "short link");
	damaged(&nd, "link hq sideways up 1 2 3 4 5 6 7\n", 34, "no such direction");
	damaged(&nd, "link hq upstream up 1 2 3 4 5 6 -7\n", 35, "negative");
	damaged(&nd, "link_age hq soon\n", 17, "age not a number");
	damaged(&nd, "disk_full x no space\n", 21, "retries not a number");

	/* Records a newer daemon may write are skipped; a link_age without
	 * its link means nothing. */
	static const char newer[] = "pid 7\nweather sunny today\nlink_age ghost 5\n"
	                            "link r downstream up 1 2 3 4 5 6 7\n";
	svc_nodedir_status got;
	put_file(nd.status, newer, sizeof newer - 1);
	CHECK_INT(svc_nodedir_status_read(&nd, &got), 0);
	CHECK_INT(got.pid, 7);
	CHECK_INT(got.nlinks, 1);
	CHECK_INT(got.links[0].has_age, false);
	CHECK_INT(got.links[0].errors, 7);
	svc_nodedir_status_free(&got);

	/* Random bytes: refused or read, never a crash. */
	uint64_t rng = 42;
	char buf[256];
	for (int i = 0; i < 2000; i++) {
		size_t len = svc_test_rand(&rng) % sizeof buf;
		for (size_t j = 0; j < len; j++) {
			static const char alphabet[] = "link_age updsd0123456789 -\n\0xyz";
			buf[j] = alphabet[svc_test_rand(&rng) % (sizeof alphabet - 1)];
		}
		int rc = svc_nodedir_status_parse(buf, len, "fuzz", &got);
		CHECK(rc == 0 || rc == SVC_EDECODE);
		svc_nodedir_status_free(&got);
		svc_errclear();
	}
	unlink(nd.status);
}

static void test_lock(void)
{
	printf("daemon lock\n");
	svc_nodedir nd;
	int fd = -1, fd2 = -1;
	long holder = -1;
	CHECK_INT(svc_nodedir_init(&nd, root), 0);
	CHECK(!svc_nodedir_locked(&nd));
	CHECK_INT(svc_nodedir_lock(&nd, true, &fd, &holder), 0);
	CHECK(fd >= 0);
	CHECK_INT(holder, 0);
	CHECK(svc_nodedir_locked(&nd));
	/* A second taker (another open file: flock tells them apart even in
	 * one process) is refused and told who holds it. */
	CHECK_INT(svc_nodedir_lock(&nd, false, &fd2, &holder), SVC_EBUSY);
	CHECK_INT(fd2, -1);
	CHECK_INT(holder, (long)getpid());
	svc_nodedir_unlock(&fd);
	CHECK_INT(fd, -1);
	svc_nodedir_unlock(&fd); /* safe twice */
	CHECK(!svc_nodedir_locked(&nd));
	/* Without the pid: the holder is unknown to whoever is refused. */
	put_file(nd.lock, "", 0);
	CHECK_INT(svc_nodedir_lock(&nd, false, &fd, &holder), 0);
	CHECK_INT(svc_nodedir_lock(&nd, true, &fd2, &holder), SVC_EBUSY);
	CHECK_INT(holder, 0);
	svc_nodedir_unlock(&fd);
	svc_errclear();
	/* No directory at all. */
	svc_nodedir none;
	CHECK_INT(svc_nodedir_init(&none, "/nonexistent/node"), 0);
	CHECK(!svc_nodedir_locked(&none));
	CHECK_INT(svc_nodedir_lock(&none, true, &fd, &holder), SVC_EIO);
	CHECK_INT(fd, -1);
	svc_errclear();
}

static void test_wake(void)
{
	printf("wake socket\n");
	svc_nodedir nd;
	int fd = -1;
	CHECK_INT(svc_nodedir_init(&nd, root), 0);
	svc_nodedir_wake(root); /* nobody bound: nothing happens */
	CHECK_INT(svc_nodedir_wake_open(&nd, &fd), 0);
	if (fd < 0) {
		printf("  (socket path too long here, skipped)\n");
		return;
	}
	CHECK(!svc_nodedir_wake_drain(fd));
	svc_nodedir_wake(root);
	svc_nodedir_wake(root);
	CHECK(svc_nodedir_wake_drain(fd));
	CHECK(!svc_nodedir_wake_drain(fd));
	/* A full queue must not block the writer. */
	for (int i = 0; i < 10000; i++)
		svc_nodedir_wake(root);
	CHECK(svc_nodedir_wake_drain(fd));
	svc_nodedir_wake_close(&nd, &fd);
	CHECK_INT(fd, -1);
	CHECK(access(nd.wake, F_OK) != 0);
	svc_nodedir_wake_close(&nd, &fd); /* safe twice */
	/* A socket file left by a killed daemon is replaced. */
	CHECK_INT(svc_nodedir_wake_open(&nd, &fd), 0);
	int fd2 = fd;
	fd = -1;
	CHECK_INT(svc_nodedir_wake_open(&nd, &fd), 0);
	CHECK(fd >= 0);
	close(fd2);
	svc_nodedir_wake_close(&nd, &fd);
}

int main(void)
{
	root = svc_test_tmpdir("test_nodedir");
	test_paths();
	test_status_roundtrip();
	test_status_damaged();
	test_lock();
	test_wake();
	svc_test_rmdir(root);
	free(root);
	return svc_test_done();
}

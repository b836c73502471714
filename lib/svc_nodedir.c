/*
 * svc_nodedir: the node directory's own files. See svc_nodedir.h.
 *
 * The status record is written and parsed here, both sides in one file,
 * so that a field added to one is added to the other: the CLI used to
 * sscanf a format the daemon printed elsewhere.
 */
#include "svc_nodedir.h"

#include "svc_err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LOCK_FILE "daemon.lock"
#define WAKE_FILE "wake.sock"
#define STATUS_FILE "status"
#define STATUS_TMP_FILE ".status.tmp"

/* A status file this large is not one the daemon wrote. */
#define STATUS_MAX (64u << 20)

int svc_nodedir_init(svc_nodedir *nd, const char *dir)
{
	/* The longest name decides. */
	if (strlen(dir) + 1 + strlen(STATUS_TMP_FILE) >= sizeof nd->dir)
		return svc_errf(SVC_EINVAL, "node directory path too long (%zu bytes)",
		                strlen(dir));
	snprintf(nd->dir, sizeof nd->dir, "%s", dir);
	snprintf(nd->lock, sizeof nd->lock, "%s/%s", dir, LOCK_FILE);
	snprintf(nd->wake, sizeof nd->wake, "%s/%s", dir, WAKE_FILE);
	snprintf(nd->status, sizeof nd->status, "%s/%s", dir, STATUS_FILE);
	snprintf(nd->status_tmp, sizeof nd->status_tmp, "%s/%s", dir, STATUS_TMP_FILE);
	return 0;
}

/* ------------------------------------------------------------ daemon lock */

int svc_nodedir_lock(const svc_nodedir *nd, bool write_pid, int *fd, long *holder)
{
	char pid[32];
	*holder = 0;
	*fd = open(nd->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", nd->lock, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = pread(*fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		*holder = strtol(pid, NULL, 10);
		if (*holder < 0)
			*holder = 0;
		svc_nodedir_unlock(fd);
		return svc_errf(SVC_EBUSY, "%s is held by another process", nd->lock);
	}
	if (!write_pid)
		return 0;
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) != 0 || pwrite(*fd, pid, (size_t)n, 0) != n) {
		int rc = svc_errf(SVC_EIO, "%s: %s", nd->lock, strerror(errno));
		svc_nodedir_unlock(fd);
		return rc;
	}
	return 0;
}

void svc_nodedir_unlock(int *fd)
{
	if (*fd >= 0)
		close(*fd); /* releases the lock */
	*fd = -1;
}

bool svc_nodedir_locked(const svc_nodedir *nd)
{
	int fd = open(nd->lock, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* ------------------------------------------------------------ wake socket */

/* The socket address of dir's wake socket; false when the path is too long. */
static bool wake_addr(const char *dir, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, WAKE_FILE);
	return n >= 0 && (size_t)n < sizeof sa->sun_path;
}

int svc_nodedir_wake_open(const svc_nodedir *nd, int *fd)
{
	struct sockaddr_un sa;
	*fd = -1;
	if (!wake_addr(nd->dir, &sa))
		return 0;
	*fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return svc_errf(SVC_EIO, "wake socket: %s", strerror(errno));
	unlink(sa.sun_path); /* stale from a killed daemon; the caller holds the lock */
	if (bind(*fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int rc = svc_errf(SVC_EIO, "%s: %s", sa.sun_path, strerror(errno));
		close(*fd);
		*fd = -1;
		return rc;
	}
	chmod(sa.sun_path, 0600);
	return 0;
}

bool svc_nodedir_wake_drain(int fd)
{
	char buf[64];
	bool any = false;
	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		any = true;
	return any;
}

void svc_nodedir_wake_close(const svc_nodedir *nd, int *fd)
{
	if (*fd < 0)
		return;
	unlink(nd->wake);
	close(*fd);
	*fd = -1;
}

void svc_nodedir_wake(const char *dir)
{
	struct sockaddr_un sa;
	/* A path too long for a socket address cannot be bound by the daemon
	 * either: there is nobody to wake. */
	if (!wake_addr(dir, &sa))
		return;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* ENOENT, ECONNREFUSED (no daemon) and EAGAIN (wake-ups already
	 * queued) all mean there is nothing more to do. */
	ssize_t sent = sendto(fd, "w", 1, MSG_DONTWAIT, (const struct sockaddr *)&sa, sizeof sa);
	(void)sent;
	close(fd);
}

/* ------------------------------------------------------------ status: write */

static void format_status(FILE *f, const svc_nodedir_status *st)
{
	fprintf(f, "pid %ld\nstarted %llu\nupdated %llu\nlsn %llu\nlisten %s\n", st->pid,
	        (unsigned long long)st->started, (unsigned long long)st->updated,
	        (unsigned long long)st->lsn, st->listen[0] ? st->listen : "-");
	fprintf(f, "divergences %llu\nforks %llu\ngaps %llu\n", (unsigned long long)st->divergences,
	        (unsigned long long)st->forks, (unsigned long long)st->gaps);
	if (st->has_mono)
		fprintf(f, "monotonic %llu\n", (unsigned long long)st->mono);
	if (st->disk_full)
		fprintf(f, "disk_full %u %s\n", st->disk_retries, st->disk_detail);
	for (size_t i = 0; i < st->nlinks; i++) {
		const svc_nodedir_link *l = &st->links[i];
		fprintf(f, "link %s %s %s %llu %llu %llu %llu %llu %llu %llu\n", l->node,
		        l->upstream ? "upstream" : "downstream", l->state,
		        (unsigned long long)l->last_rx, (unsigned long long)l->acked,
		        (unsigned long long)l->sent, (unsigned long long)l->applied,
		        (unsigned long long)l->quarantined, (unsigned long long)l->peer_ms,
		        (unsigned long long)l->errors);
		if (l->has_age && l->never)
			fprintf(f, "link_age %s -\n", l->node);
		else if (l->has_age)
			fprintf(f, "link_age %s %llu\n", l->node, (unsigned long long)l->rx_age);
	}
}

int svc_nodedir_status_write(const svc_nodedir *nd, const svc_nodedir_status *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return svc_errf(SVC_ENOMEM, "status file: %s", strerror(errno));
	format_status(f, st);
	if (fclose(f) != 0) {
		free(buf);
		return svc_errf(SVC_ENOMEM, "status file: out of memory");
	}
	int rc = 0;
	int fd = open(nd->status_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		bool ok = write(fd, buf, len) == (ssize_t)len;
		if (close(fd) == 0 && ok && rename(nd->status_tmp, nd->status) == 0)
			goto out;
		unlink(nd->status_tmp);
	}
	fd = open(nd->status, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = svc_errf(SVC_EIO, "status file %s: %s", nd->status, strerror(errno));
		goto out;
	}
	if (pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0)
		rc = svc_errf(SVC_EIO, "status file %s: %s", nd->status, strerror(errno));
	close(fd);
out:
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ status: read */

#define WORDS_MAX 12

/* Split line (NUL-terminated, modified) at single spaces into at most max
 * words; the last word takes the rest of the line. */
static size_t split(char *line, char **w, size_t max)
{
	size_t n = 0;
	while (n < max) {
		w[n++] = line;
		if (n == max)
			break;
		char *sp = strchr(line, ' ');
		if (!sp)
			break;
		*sp = '\0';
		line = sp + 1;
	}
	return n;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* A word that fits a field of cap bytes, without spaces. */
static bool parse_word(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	if (!n || n >= cap || strchr(s, ' '))
		return false;
	memcpy(out, s, n + 1);
	return true;
}

static int add_link(svc_nodedir_status *st, size_t *cap, char **w)
{
	svc_nodedir_link l;
	memset(&l, 0, sizeof l);
	if (!parse_word(w[1], l.node, sizeof l.node) || !parse_word(w[3], l.state, sizeof l.state))
		return -1;
	if (strcmp(w[2], "upstream") == 0)
		l.upstream = true;
	else if (strcmp(w[2], "downstream") != 0)
		return -1;
	uint64_t *nums[] = {&l.last_rx,     &l.acked,   &l.sent,  &l.applied,
	                    &l.quarantined, &l.peer_ms, &l.errors};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		if (!parse_u64(w[4 + i], nums[i]))
			return -1;
	if (st->nlinks == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		svc_nodedir_link *v = realloc(st->links, c * sizeof *v);
		if (!v)
			return svc_errf(SVC_ENOMEM, "out of memory");
		st->links = v;
		*cap = c;
	}
	st->links[st->nlinks++] = l;
	return 0;
}

static int set_age(svc_nodedir_status *st, char **w)
{
	uint64_t age = 0;
	bool never = strcmp(w[2], "-") == 0;
	if (!never && !parse_u64(w[2], &age))
		return -1;
	for (size_t i = 0; i < st->nlinks; i++) {
		svc_nodedir_link *l = &st->links[i];
		if (strcmp(l->node, w[1]) != 0)
			continue;
		l->has_age = true;
		l->never = never;
		l->rx_age = age;
	}
	return 0;
}

/* One record; -1 when it is malformed, another negative code on failure. */
static int parse_line(svc_nodedir_status *st, size_t *cap, char *line)
{
	char *w[WORDS_MAX];
	size_t n = split(line, w, WORDS_MAX);
	const char *key = w[0];
	uint64_t v;
	if (strcmp(key, "link") == 0)
		return n == 11 ? add_link(st, cap, w) : -1;
	if (strcmp(key, "link_age") == 0)
		return n == 3 ? set_age(st, w) : -1;
	if (strcmp(key, "disk_full") == 0) {
		unsigned long long r;
		char *end;
		if (n < 2 || !w[1][0] || w[1][0] == '-')
			return -1;
		errno = 0;
		r = strtoull(w[1], &end, 10);
		if (errno || *end || r > UINT32_MAX)
			return -1;
		st->disk_full = true;
		st->disk_retries = (unsigned)r;
		/* The detail is the rest of the line, spaces and all. */
		for (size_t i = 3; i < n; i++)
			w[i][-1] = ' ';
		snprintf(st->disk_detail, sizeof st->disk_detail, "%s", n > 2 ? w[2] : "");
		return 0;
	}
	if (strcmp(key, "listen") == 0)
		return n == 2 && parse_word(w[1], st->listen, sizeof st->listen) ? 0 : -1;
	static const struct {
		const char *key;
		size_t off;
	} nums[] = {
	    {"started", offsetof(svc_nodedir_status, started)},
	    {"updated", offsetof(svc_nodedir_status, updated)},
	    {"lsn", offsetof(svc_nodedir_status, lsn)},
	    {"divergences", offsetof(svc_nodedir_status, divergences)},
	    {"forks", offsetof(svc_nodedir_status, forks)},
	    {"gaps", offsetof(svc_nodedir_status, gaps)},
	    {"monotonic", offsetof(svc_nodedir_status, mono)},
	};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (n != 2 || !parse_u64(w[1], &v))
			return -1;
		*(uint64_t *)((char *)st + nums[i].off) = v;
		if (strcmp(key, "monotonic") == 0)
			st->has_mono = true;
		return 0;
	}
	if (strcmp(key, "pid") == 0) {
		if (n != 2 || !parse_u64(w[1], &v) || v > LONG_MAX)
			return -1;
		st->pid = (long)v;
		return 0;
	}
	return 0; /* a record of a newer daemon */
}

int svc_nodedir_status_parse(const char *text, size_t len, const char *name, svc_nodedir_status *st)
{
	size_t cap = 0;
	unsigned lineno = 0;
	memset(st, 0, sizeof *st);
	if (len == 0)
		return svc_errf(SVC_EDECODE, "status file %s is empty", name);
	if (memchr(text, '\0', len))
		return svc_errf(SVC_EDECODE, "status file %s is damaged: it holds NUL bytes", name);
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		lineno++;
		if (!nl)
			return svc_errf(SVC_EDECODE,
			                "status file %s is damaged: line %u is cut short", name,
			                lineno);
		size_t n = (size_t)(nl - (text + at));
		char *line = malloc(n + 1);
		if (!line)
			return svc_errf(SVC_ENOMEM, "out of memory");
		memcpy(line, text + at, n);
		line[n] = '\0';
		char key[24];
		snprintf(key, sizeof key, "%.*s", (int)strcspn(line, " "), line);
		int rc = parse_line(st, &cap, line);
		free(line);
		if (rc == -1)
			return svc_errf(SVC_EDECODE,
			                "status file %s is damaged: line %u (%s) is malformed",
			                name, lineno, key);
		if (rc)
			return rc;
		at += n + 1;
	}
	return 0;
}

int svc_nodedir_status_read(const svc_nodedir *nd, svc_nodedir_status *st)
{
	memset(st, 0, sizeof *st);
	FILE *f = fopen(nd->status, "re");
	if (!f)
		return errno == ENOENT
		           ? svc_errf(SVC_ENOTFOUND, "no status file %s", nd->status)
		           : svc_errf(SVC_EIO, "status file %s: %s", nd->status, strerror(errno));
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (len == cap) {
			size_t c = cap ? cap * 2 : 4096;
			char *v = c <= STATUS_MAX ? realloc(buf, c) : NULL;
			if (!v) {
				rc = c <= STATUS_MAX
				         ? svc_errf(SVC_ENOMEM, "out of memory")
				         : svc_errf(SVC_EDECODE,
				                    "status file %s is damaged: over %u bytes",
				                    nd->status, STATUS_MAX);
				break;
			}
			buf = v;
			cap = c;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				rc = svc_errf(SVC_EIO, "status file %s: read error", nd->status);
			break;
		}
	}
	fclose(f);
	if (!rc)
		rc = svc_nodedir_status_parse(buf, len, nd->status, st);
	free(buf);
	return rc;
}

void svc_nodedir_status_free(svc_nodedir_status *st)
{
	free(st->links);
	st->links = NULL;
	st->nlinks = 0;
}

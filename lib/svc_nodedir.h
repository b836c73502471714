/*
 * svc_nodedir: the node directory, and what the daemon and the CLI say to
 * each other through it.
 *
 * A node is one directory (svcsyncd's `dir`, the CLI's --dir):
 *
 *   data.mdb, lock.mdb        the store (LMDB's own names; svc_store opens
 *                             the directory); data.mdb.before-restore after
 *                             `svcsync restore`
 *   node.key                  the node's secret key (SVC_KEY_FILE, 0600;
 *                             svc_identity)
 *   daemon.lock               held (flock) by the running daemon, which
 *                             writes its pid into it, and by a restore
 *   wake.sock                 the daemon's datagram socket: a local write
 *                             pokes it so the change ships at once
 *   status, .status.tmp       the daemon's status record, rewritten every
 *                             second, read by `svcsync status`
 *
 * This module owns the last three: their names, the lock, the wake-up and
 * the status record's format, which the daemon writes and the CLI reads
 * with the same code. Whether a daemon runs is decided by the lock, never
 * by the status file, which a killed daemon leaves behind.
 *
 * The status file is text, one record per line (tests and operators grep
 * it):
 *
 *   pid PID / started MS / updated MS / lsn LSN / listen ADDRESS|-
 *   divergences N / forks N / gaps N / monotonic MS
 *   disk_full RETRIES DETAIL            (only while the disk is full)
 *   link NODE upstream|downstream STATE LAST_RX ACKED SENT APPLIED
 *        QUARANTINED PEER_HLC_MS ERRORS (one line)
 *   link_age NODE MS|-                  (after its link line)
 *
 * Wall times are unix ms. `monotonic` is the daemon's monotonic clock at
 * the write and link_age the time since the link's last contact on it, so
 * a reader on the same machine tells ages by its own monotonic clock,
 * whatever the wall clock did in between. A reader ignores records it does
 * not know (a newer daemon's).
 *
 * What it depends on: the error vocabulary and POSIX, nothing else, so
 * any module may use it.
 */
#ifndef SVC_NODEDIR_H
#define SVC_NODEDIR_H

#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The paths of the files this module owns, built once for a directory. */
typedef struct {
	char dir[SVC_PATH_MAX];
	char lock[SVC_PATH_MAX];
	char wake[SVC_PATH_MAX];
	char status[SVC_PATH_MAX];
	char status_tmp[SVC_PATH_MAX];
} svc_nodedir;

/* Fill nd for directory `dir`. SVC_EINVAL when dir is too long. */
int svc_nodedir_init(svc_nodedir *nd, const char *dir);

/* ------------------------------------------------------------ daemon lock */

/*
 * Take the daemon lock without waiting; *fd then holds it until
 * svc_nodedir_unlock. With write_pid this process's id is written into the
 * file for others to name (the daemon does; a restore does not). When
 * another process holds it: SVC_EBUSY, and *holder is the pid it wrote (0:
 * unknown); the caller words the refusal. Other failures: SVC_EIO.
 */
int svc_nodedir_lock(const svc_nodedir *nd, bool write_pid, int *fd, long *holder);

/* Release the lock (close *fd; -1 after, safe twice). */
void svc_nodedir_unlock(int *fd);

/* Does a process hold the lock (a daemon runs, or a restore)? */
bool svc_nodedir_locked(const svc_nodedir *nd);

/* ------------------------------------------------------------ wake socket */

/*
 * Bind the wake socket (the caller holds the lock, so a socket file left by
 * a killed daemon is removed first). 0 with *fd = -1 when the directory's
 * path is too long for a socket address: local writes are then noticed on
 * the daemon's next tick instead of at once.
 */
int svc_nodedir_wake_open(const svc_nodedir *nd, int *fd);

/* Read every pending wake-up; true when there was at least one. */
bool svc_nodedir_wake_drain(int fd);

/* Close the wake socket and remove its file (-1 after, safe twice). */
void svc_nodedir_wake_close(const svc_nodedir *nd, int *fd);

/*
 * Tell a running daemon in `dir` that there are new local changes to ship:
 * one datagram to its wake socket. Best effort and never blocking: no
 * daemon (no socket, or nobody bound to it) and a daemon whose queue is full
 * (it has wake-ups pending already) are both fine, because the daemon also
 * ships on its own timer.
 */
void svc_nodedir_wake(const char *dir);

/* ------------------------------------------------------------ status record */

typedef struct {
	char node[SVC_ID_LEN];
	bool upstream;                 /* the upstream link (else a downstream one) */
	char state[16];                /* svc_link_state_name: up, hello_sent, down */
	uint64_t last_rx;              /* wall ms of the last contact (0: none) */
	uint64_t acked;                /* this node's log the peer confirmed */
	uint64_t sent;                 /* this node's log handed to the peer */
	uint64_t applied, quarantined; /* changes received from it */
	uint64_t peer_ms;              /* the peer's clock at its last HELLO or PING */
	uint64_t errors;               /* protocol errors */
	bool has_age;                  /* rx_age / never are known (a link_age record) */
	bool never;                    /* no contact yet */
	uint64_t rx_age;               /* ms between the last contact and the write */
} svc_nodedir_link;

typedef struct {
	long pid;
	uint64_t started, updated; /* wall ms */
	uint64_t lsn;              /* the arrival log as the daemon last saw it */
	char listen[256];          /* the bound address, "-" when not listening */
	/* Integrity events since the daemon started. */
	uint64_t divergences, forks, gaps;
	bool has_mono;
	uint64_t mono; /* the daemon's monotonic clock at the write */
	bool disk_full;
	unsigned disk_retries;
	char disk_detail[256];
	size_t nlinks;
	svc_nodedir_link *links; /* the reader allocates; see svc_nodedir_status_free */
} svc_nodedir_status;

/*
 * Replace the status file with st. Normally a new file renamed over the old
 * one, so a reader never sees half of it; when the disk is too full to
 * create one, the old file is overwritten in place (its blocks are there
 * already), so that `status` can still say the disk is full. Not synced: it
 * is rewritten every second and means nothing after a crash.
 */
int svc_nodedir_status_write(const svc_nodedir *nd, const svc_nodedir_status *st);

/*
 * Read the status file into *st (caller frees with svc_nodedir_status_free,
 * also after an error). SVC_ENOTFOUND when there is none; SVC_EDECODE, with
 * the line that is wrong, when it is damaged.
 */
int svc_nodedir_status_read(const svc_nodedir *nd, svc_nodedir_status *st);

/* The same, from text (len bytes): what svc_nodedir_status_read parses.
 * `name` says where it came from in errors. */
int svc_nodedir_status_parse(const char *text, size_t len, const char *name,
                             svc_nodedir_status *st);

void svc_nodedir_status_free(svc_nodedir_status *st);

#endif

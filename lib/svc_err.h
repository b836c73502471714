/*
 * svc_err: the one error vocabulary of svcsync.
 *
 * Functions return 0 on success or a negative svc_err code. The code says what
 * kind of failure it was (so callers can branch); the detail message says what
 * exactly was wrong in words an operator can act on ("phone: must be 7-15
 * digits", "store /var/lib/x: written by schema 3, this build reads 1").
 *
 * The detail is kept per thread: svc_errf() sets it and returns the code, so
 * `return svc_errf(SVC_EINVAL, "phone: ...")` reads naturally. svc_errmsg()
 * returns the last detail, or svc_strerror(code) when none was set since the
 * last svc_errclear().
 *
 * Crash policy: assert() is for programmer errors only. Nothing a peer, a
 * file, a user or the OS can cause may abort a process; such failures travel
 * as these codes.
 */
#ifndef SVC_ERR_H
#define SVC_ERR_H

#include <stddef.h>

typedef enum {
	SVC_OK = 0,
	SVC_EINVAL = -1,    /* bad input: a field, an argument, a config line */
	SVC_ENOTFOUND = -2, /* no such ticket / claim / part / node */
	SVC_EEXIST = -3,    /* already there */
	SVC_EDENIED = -4,   /* the role or node may not do this */
	SVC_EREJECT = -5,   /* invalid transition at its place in fold order */
	SVC_ESTORE = -6,    /* LMDB failure */
	SVC_EFULL = -7,     /* the store's map is full and could not grow */
	SVC_EVERSION = -8,  /* schema or protocol version mismatch */
	SVC_ECRYPTO = -9,   /* bad signature, bad hash, broken chain */
	SVC_EDECODE = -10,  /* malformed bytes */
	SVC_EIO = -11,      /* file system */
	SVC_ENOMEM = -12,
	SVC_EKEY = -13,      /* key file missing, unsafe mode, wrong owner */
	SVC_EBUSY = -14,     /* another daemon holds the store */
	SVC_ENET = -15,      /* transport */
	SVC_ETOOBIG = -16,   /* over a size cap */
	SVC_ECONFLICT = -17, /* state precondition: not enough stock, already claimed */
	SVC_ENOSPACE = -18,  /* the file system is full (ENOSPC) or over quota (EDQUOT) */
} svc_err;

const char *svc_strerror(int code);

/* Set the thread's detail message and return code. */
int svc_errf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last detail message of this thread (never NULL). */
const char *svc_errmsg(void);

void svc_errclear(void);

/* Prefix the current detail with context: "store /x: " + old detail. */
int svc_errctx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

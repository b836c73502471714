/*
 * testlib: the few helpers the unit tests share.
 *
 * CHECK() records a failure with file and line and carries on, so one run
 * reports every broken expectation; main() returns svc_test_done(), which
 * prints "N passed, N failed" and exits non-zero on any failure.
 */
#ifndef SVC_TESTLIB_H
#define SVC_TESTLIB_H

#include "svc_apply.h"
#include "svc_local.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int svc_test_pass, svc_test_fail;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			svc_test_pass++;                                                           \
		} else {                                                                           \
			svc_test_fail++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long va_ = (long long)(a), vb_ = (long long)(b);                              \
		if (va_ == vb_) {                                                                  \
			svc_test_pass++;                                                           \
		} else {                                                                           \
			svc_test_fail++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",          \
			        __FILE__, __LINE__, #a, #b, va_, vb_);                             \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *sa_ = (a), *sb_ = (b);                                                 \
		if (sa_ && sb_ && strcmp(sa_, sb_) == 0) {                                         \
			svc_test_pass++;                                                           \
		} else {                                                                           \
			svc_test_fail++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",      \
			        __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",                  \
			        sb_ ? sb_ : "(null)");                                             \
		}                                                                                  \
	} while (0)

/* A fresh empty directory under $SVC_TEST_TMP (or /tmp); caller frees. */
char *svc_test_tmpdir(const char *tag);
/* rm -rf of a directory made by svc_test_tmpdir. */
void svc_test_rmdir(const char *dir);
/* A new store in `dir` whose identity is `self`, with a random store id and
 * public key where `self` leaves them zero (a node that was never enrolled,
 * for the store-level tests). NULL, with a failed CHECK, on error; caller
 * closes. */
svc_store *svc_test_store(const char *dir, const svc_self *self);

/* Deterministic PRNG for permutation tests. */
uint64_t svc_test_rand(uint64_t *state);

int svc_test_done(void);

/* Open a ticket as tickets were opened before customer files: the opening
 * change carries the customer's name, phone and address, and no customer
 * file is made. One change per ticket, for tests about replication rather
 * than customers; such changes still fold and travel like any. */
int svc_test_ticket_new_legacy(svc_store *s, const svc_ticket_fields *f, char id[SVC_AGG_LEN]);

#endif

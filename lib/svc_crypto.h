/*
 * svc_crypto: keys, signatures, hashes and key files (libsodium).
 *
 * The only module that includes sodium.h. A node has one Ed25519 key pair;
 * its CURVE (X25519) pair for ZeroMQ is derived from it, so one secret file
 * is all a node has to guard. Secret keys live in sodium_malloc() memory
 * (guard pages, mlock'ed, wiped on free) and never in ordinary heap.
 *
 * Key files are written 0600 with O_EXCL and loaded only if they are regular
 * files (not symlinks), owned by the current user, and not readable or
 * writable by group or others; otherwise loading fails with SVC_EKEY and a
 * message that says which of these was wrong.
 */
#ifndef SVC_CRYPTO_H
#define SVC_CRYPTO_H

#include "svc_types.h"

#include <stddef.h>
#include <stdint.h>

/* Call once per process before anything else here. */
int svc_crypto_init(void);

/* BLAKE2b-256. */
void svc_hash(const void *data, size_t len, uint8_t out[SVC_HASH_LEN]);
/* BLAKE2b keyed with a 32-byte secret (a MAC): HQ's spot-check picks. */
#define SVC_HASH_KEY_LEN 32
void svc_hash_keyed(const uint8_t key[SVC_HASH_KEY_LEN], const void *data, size_t len,
                    uint8_t out[SVC_HASH_LEN]);

/* Incremental BLAKE2b-256, for hashing data that arrives in parts. */
typedef struct {
	_Alignas(64) unsigned char opaque[384];
} svc_hash_state;
void svc_hash_init(svc_hash_state *st);
void svc_hash_update(svc_hash_state *st, const void *data, size_t len);
void svc_hash_final(svc_hash_state *st, uint8_t out[SVC_HASH_LEN]);

void svc_random(void *buf, size_t len);

/* A node's key pair. pk is public; sk (64 bytes) is in sodium_malloc memory. */
typedef struct svc_keypair {
	uint8_t pk[SVC_PK_LEN];
	uint8_t *sk;
} svc_keypair;

/* Caller owns the result; free with svc_keypair_destroy (NULLs, safe twice). */
int svc_keypair_new(svc_keypair **out);
void svc_keypair_destroy(svc_keypair **kp);

/* Write the secret key to `path`, created 0600, refusing to overwrite. */
int svc_key_save(const char *path, const svc_keypair *kp);
/* Load a key file, refusing unsafe files (see above). */
int svc_key_load(const char *path, svc_keypair **out);

void svc_sign(const svc_keypair *kp, const void *msg, size_t len, uint8_t sig[SVC_SIG_LEN]);
/* 0 if sig is pk's signature over msg, SVC_ECRYPTO otherwise. */
int svc_verify(const uint8_t pk[SVC_PK_LEN], const void *msg, size_t len,
               const uint8_t sig[SVC_SIG_LEN]);

/* CURVE (X25519) keys derived from the Ed25519 ones. curve_sk must point to
 * 32 bytes of secure memory (svc_secure_alloc). */
int svc_curve_public(const uint8_t ed_pk[SVC_PK_LEN], uint8_t curve_pk[32]);
int svc_curve_secret(const svc_keypair *kp, uint8_t *curve_sk);

void *svc_secure_alloc(size_t len);
void svc_secure_free(void *p);

/* Lowercase hex; out must hold 2*len+1. */
void svc_hex(const uint8_t *in, size_t len, char *out);
/* Parse hex of exactly out_len bytes; 0 or SVC_EINVAL. */
int svc_unhex(const char *in, uint8_t *out, size_t out_len);

/* Constant-time comparison; 0 when equal. */
int svc_memcmp_ct(const void *a, const void *b, size_t len);

/* Keep secrets out of core files: sets RLIMIT_CORE to 0 (soft and hard) and
 * marks the process non-dumpable, which also stops same-uid processes from
 * ptrace-attaching to read the key. Call once, early in the daemon, before
 * loading keys. 0 or SVC_EIO. */
int svc_crypto_harden_process(void);

#endif

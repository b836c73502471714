/*
 * svc_crypto: keys, signatures, hashes and key files over libsodium.
 *
 * This is the only file that includes sodium.h; everything above it speaks
 * svc_err codes and fixed-size byte arrays. libsodium's own policy fits ours:
 * misuse (a wrong output length) aborts, forged input returns -1, which we
 * turn into SVC_ECRYPTO.
 *
 * Secret keys. An Ed25519 secret key is 64 bytes: the 32-byte seed followed
 * by the 32-byte public key. It lives in sodium_malloc() memory (guard pages,
 * mlock'ed, wiped on free) that is made read-only once filled, so a stray
 * write through a dangling pointer faults instead of silently corrupting the
 * node's identity. Every buffer that ever holds the secret, including the hex
 * text of a key file, is secure memory too, and is wiped before it is freed.
 *
 * Key file format, meant to be recognisable by an operator who opens it:
 *
 *	svcsync-ed25519-secret-v1\n
 *	<128 lowercase hex digits: the 64-byte secret key>\n
 *
 * Loading re-derives the public key from the seed and refuses the file if the
 * stored public half differs, so a damaged file is reported as damaged rather
 * than producing a node that signs with one key and advertises another.
 *
 * Loading checks the file through the descriptor it reads from (fstat after
 * open with O_NOFOLLOW), never by name first and open later, so nothing can
 * swap the file between the check and the read. O_NONBLOCK keeps a FIFO
 * planted at the key path from hanging the daemon before fstat rejects it; it
 * has no effect on regular files.
 *
 * Saving creates the file with O_EXCL (never overwrites a key: losing the old
 * one would orphan the node's certificate), forces mode 0600 whatever the
 * umask, and fsyncs the file and its directory. If any step fails the file is
 * removed, so a failed save leaves nothing that a later load could trip on.
 */
#include "svc_crypto.h"
#include "svc_err.h"

#include <sodium.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define SK_LEN crypto_sign_SECRETKEYBYTES

#define KEY_MAGIC "svcsync-ed25519-secret-v1"
#define KEY_MAGIC_LEN (sizeof KEY_MAGIC - 1)
#define KEY_HEX_LEN (2 * SK_LEN)
/* magic, newline, hex, newline */
#define KEY_FILE_LEN (KEY_MAGIC_LEN + 1 + KEY_HEX_LEN + 1)
/* Anything this long is not a key file; read no further. */
#define KEY_FILE_MAX 1024

_Static_assert(crypto_sign_PUBLICKEYBYTES == SVC_PK_LEN, "Ed25519 public key size");
_Static_assert(crypto_sign_BYTES == SVC_SIG_LEN, "Ed25519 signature size");
_Static_assert(crypto_sign_SECRETKEYBYTES == 64, "svc_crypto.h promises a 64-byte sk");
_Static_assert(crypto_generichash_BYTES == SVC_HASH_LEN, "BLAKE2b-256 output size");
_Static_assert(crypto_scalarmult_curve25519_BYTES == 32,
               "svc_crypto.h promises 32-byte CURVE keys");
_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((svc_hash_state *)0)->opaque),
               "svc_hash_state too small for crypto_generichash_state");
_Static_assert(_Alignof(crypto_generichash_state) <= _Alignof(svc_hash_state),
               "svc_hash_state under-aligned for crypto_generichash_state");
_Static_assert(KEY_FILE_LEN < KEY_FILE_MAX, "key file cap below the format's size");

int svc_crypto_init(void)
{
	/* 0 the first time, 1 on later calls: both are success. */
	if (sodium_init() < 0)
		return svc_errf(SVC_ECRYPTO,
		                "libsodium failed to initialise (no usable random source?)");
	return 0;
}

/* sodium_malloc needs the page size that sodium_init records; initialising
 * here as well costs a mutex round trip and turns a forgotten
 * svc_crypto_init() into a working program instead of a crash. */
static void *secure_alloc(size_t len)
{
	if (sodium_init() < 0)
		return NULL;
	return sodium_malloc(len);
}

/* ------------------------------------------------------------ hashing */

static crypto_generichash_state *hash_state(svc_hash_state *st)
{
	return (crypto_generichash_state *)(void *)st->opaque;
}

void svc_hash(const void *data, size_t len, uint8_t out[SVC_HASH_LEN])
{
	int rc = crypto_generichash(out, SVC_HASH_LEN, data, len, NULL, 0);
	assert(rc == 0);
	(void)rc;
}

void svc_hash_keyed(const uint8_t key[SVC_HASH_KEY_LEN], const void *data, size_t len,
                    uint8_t out[SVC_HASH_LEN])
{
	int rc = crypto_generichash(out, SVC_HASH_LEN, data, len, key, SVC_HASH_KEY_LEN);
	assert(rc == 0);
	(void)rc;
}

void svc_hash_init(svc_hash_state *st)
{
	int rc = crypto_generichash_init(hash_state(st), NULL, 0, SVC_HASH_LEN);
	assert(rc == 0);
	(void)rc;
}

void svc_hash_update(svc_hash_state *st, const void *data, size_t len)
{
	int rc = crypto_generichash_update(hash_state(st), data, len);
	assert(rc == 0);
	(void)rc;
}

void svc_hash_final(svc_hash_state *st, uint8_t out[SVC_HASH_LEN])
{
	/* Fails only when the state was already finalised: a caller bug. */
	int rc = crypto_generichash_final(hash_state(st), out, SVC_HASH_LEN);
	assert(rc == 0);
	(void)rc;
}

void svc_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

/* ------------------------------------------------------------ key pairs */

static int keypair_alloc(svc_keypair **out)
{
	svc_keypair *kp = calloc(1, sizeof *kp);
	if (!kp)
		return svc_errf(SVC_ENOMEM, "key pair: out of memory");
	kp->sk = secure_alloc(SK_LEN);
	if (!kp->sk) {
		int e = errno;
		free(kp);
		return svc_errf(SVC_ENOMEM, "key pair: cannot allocate secure memory: %s",
		                strerror(e));
	}
	*out = kp;
	return 0;
}

/* Once filled, the secret is only ever read. If mprotect fails the memory
 * simply stays writable, which is how ordinary memory is anyway. */
static void keypair_seal(svc_keypair *kp)
{
	(void)sodium_mprotect_readonly(kp->sk);
}

int svc_keypair_new(svc_keypair **out)
{
	svc_keypair *kp = NULL;
	assert(out);
	*out = NULL;
	int rc = keypair_alloc(&kp);
	if (rc)
		return rc;
	if (crypto_sign_keypair(kp->pk, kp->sk) != 0) {
		svc_keypair_destroy(&kp);
		return svc_errf(SVC_ECRYPTO, "key pair: generation failed");
	}
	keypair_seal(kp);
	*out = kp;
	return 0;
}

void svc_keypair_destroy(svc_keypair **kp)
{
	if (!kp || !*kp)
		return;
	/* sodium_free wipes the secret and lifts the read-only protection. */
	sodium_free((*kp)->sk);
	free(*kp);
	*kp = NULL;
}

/* ------------------------------------------------------------ key files */

static int io_fail(const char *path, const char *what)
{
	return svc_errf(SVC_EIO, "key file %s: %s: %s", path, what, strerror(errno));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the new directory entry durable, not only the file's contents. */
static int fsync_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return svc_errf(SVC_ENOMEM, "key file %s: out of memory", path);
	const char *dir = dirname(copy);
	int rc = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = svc_errf(SVC_EIO, "key file %s: open directory %s: %s", path, dir,
		              strerror(errno));
	} else {
		/* Some file systems cannot fsync a directory and say EINVAL;
		 * there is nothing more to do on those. */
		if (fsync(fd) != 0 && errno != EINVAL)
			rc = svc_errf(SVC_EIO, "key file %s: fsync directory %s: %s", path, dir,
			              strerror(errno));
		close(fd);
	}
	free(copy);
	return rc;
}

int svc_key_save(const char *path, const svc_keypair *kp)
{
	assert(path && kp && kp->sk);
	char *text = secure_alloc(KEY_FILE_LEN + 1);
	if (!text)
		return svc_errf(SVC_ENOMEM, "key file %s: cannot allocate secure memory", path);
	memcpy(text, KEY_MAGIC "\n", KEY_MAGIC_LEN + 1);
	sodium_bin2hex(text + KEY_MAGIC_LEN + 1, KEY_HEX_LEN + 1, kp->sk, SK_LEN);
	text[KEY_FILE_LEN - 1] = '\n';

	int rc = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			rc =
			    svc_errf(SVC_EEXIST,
			             "key file %s: already exists, refusing to overwrite it", path);
		else
			rc = io_fail(path, "cannot create");
		goto out;
	}
	/* open's mode was filtered through the umask; make it exactly 0600. */
	if (fchmod(fd, 0600) != 0)
		rc = io_fail(path, "chmod 600");
	else if (write_all(fd, text, KEY_FILE_LEN) != 0)
		rc = io_fail(path, "write");
	else if (fsync(fd) != 0)
		rc = io_fail(path, "fsync");
	if (close(fd) != 0 && rc == 0)
		rc = io_fail(path, "close");
	if (rc == 0)
		rc = fsync_parent(path);
	if (rc != 0)
		unlink(path);
out:
	sodium_memzero(text, KEY_FILE_LEN + 1);
	sodium_free(text);
	return rc;
}

/* The checks that make a key file trustworthy, on the descriptor we read. */
static int check_key_file(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return io_fail(path, "fstat");
	if (!S_ISREG(st.st_mode))
		return svc_errf(SVC_EKEY, "key file %s: not a regular file, refusing", path);
	uid_t me = geteuid();
	if (st.st_uid != me)
		return svc_errf(SVC_EKEY,
		                "key file %s: owned by uid %lu, not by the current uid %lu", path,
		                (unsigned long)st.st_uid, (unsigned long)me);
	if (st.st_mode & 077) {
		const char *what = (st.st_mode & 044)   ? "read"
		                   : (st.st_mode & 022) ? "modify"
		                                        : "access";
		return svc_errf(SVC_EKEY,
		                "key file %s: mode %04o lets group/others %s it; run chmod 600 %s",
		                path, (unsigned)(st.st_mode & 07777), what, path);
	}
	return 0;
}

/* Read the whole file into secure memory; *len excludes the NUL we add. */
static int read_key_file(int fd, const char *path, char **text, size_t *len)
{
	char *buf = secure_alloc(KEY_FILE_MAX);
	if (!buf)
		return svc_errf(SVC_ENOMEM, "key file %s: cannot allocate secure memory", path);
	size_t n = 0;
	while (n < KEY_FILE_MAX) {
		ssize_t r = read(fd, buf + n, KEY_FILE_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = io_fail(path, "read");
			sodium_free(buf);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == KEY_FILE_MAX) {
		sodium_free(buf);
		return svc_errf(SVC_EKEY, "key file %s: too large to be a svcsync key file", path);
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Parse the text into kp->sk and set kp->pk from the re-derived key. */
static int parse_key_file(const char *path, const char *text, size_t len, svc_keypair *kp)
{
	if (len < KEY_MAGIC_LEN + 1 || memcmp(text, KEY_MAGIC "\n", KEY_MAGIC_LEN + 1) != 0)
		return svc_errf(SVC_EKEY,
		                "key file %s: not a svcsync key file (first line must be %s)", path,
		                KEY_MAGIC);
	const char *hex = text + KEY_MAGIC_LEN + 1;
	size_t hex_len = len - (KEY_MAGIC_LEN + 1);
	size_t bin_len = 0;
	const char *end = NULL;
	if (sodium_hex2bin(kp->sk, SK_LEN, hex, hex_len, NULL, &bin_len, &end) != 0 ||
	    bin_len != SK_LEN)
		return svc_errf(SVC_EKEY, "key file %s: damaged: line 2 must be %zu hex digits",
		                path, (size_t)KEY_HEX_LEN);
	size_t rest = hex_len - (size_t)(end - hex);
	if (rest > 1 || (rest == 1 && *end != '\n'))
		return svc_errf(SVC_EKEY, "key file %s: damaged: unexpected data after the key",
		                path);

	/* The first half is the seed; derive the pair from it and compare. */
	uint8_t *derived_sk = secure_alloc(SK_LEN);
	if (!derived_sk)
		return svc_errf(SVC_ENOMEM, "key file %s: cannot allocate secure memory", path);
	int rc = crypto_sign_seed_keypair(kp->pk, derived_sk, kp->sk);
	sodium_free(derived_sk);
	if (rc != 0)
		return svc_errf(SVC_ECRYPTO, "key file %s: cannot derive the public key", path);
	if (sodium_memcmp(kp->pk, kp->sk + SK_LEN - SVC_PK_LEN, SVC_PK_LEN) != 0)
		return svc_errf(SVC_EKEY,
		                "key file %s: damaged: its public half does not match the secret",
		                path);
	return 0;
}

int svc_key_load(const char *path, svc_keypair **out)
{
	assert(path && out);
	*out = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return svc_errf(SVC_EKEY, "key file %s: is a symbolic link, refusing",
			                path);
		return svc_errf(SVC_EKEY, "key file %s: %s", path, strerror(errno));
	}
	char *text = NULL;
	size_t len = 0;
	int rc = check_key_file(fd, path);
	if (rc == 0)
		rc = read_key_file(fd, path, &text, &len);
	close(fd);
	if (rc)
		return rc;

	svc_keypair *kp = NULL;
	rc = keypair_alloc(&kp);
	if (rc == 0)
		rc = parse_key_file(path, text, len, kp);
	sodium_memzero(text, KEY_FILE_MAX);
	sodium_free(text);
	if (rc) {
		svc_keypair_destroy(&kp);
		return rc;
	}
	keypair_seal(kp);
	*out = kp;
	return 0;
}

/* ------------------------------------------------------------ signatures */

void svc_sign(const svc_keypair *kp, const void *msg, size_t len, uint8_t sig[SVC_SIG_LEN])
{
	assert(kp && kp->sk);
	int rc = crypto_sign_detached(sig, NULL, msg, len, kp->sk);
	assert(rc == 0);
	(void)rc;
}

int svc_verify(const uint8_t pk[SVC_PK_LEN], const void *msg, size_t len,
               const uint8_t sig[SVC_SIG_LEN])
{
	if (crypto_sign_verify_detached(sig, msg, len, pk) == 0)
		return 0;
	return svc_errf(SVC_ECRYPTO, "signature does not verify");
}

/* ------------------------------------------------------------ CURVE keys */

int svc_curve_public(const uint8_t ed_pk[SVC_PK_LEN], uint8_t curve_pk[32])
{
	/* Refuses points off the curve, of small order or outside the main
	 * subgroup: a certificate carrying such a key is forged or broken. */
	if (crypto_sign_ed25519_pk_to_curve25519(curve_pk, ed_pk) != 0)
		return svc_errf(SVC_ECRYPTO, "public key is not a valid Ed25519 point");
	return 0;
}

int svc_curve_secret(const svc_keypair *kp, uint8_t *curve_sk)
{
	assert(kp && kp->sk && curve_sk);
	if (crypto_sign_ed25519_sk_to_curve25519(curve_sk, kp->sk) != 0)
		return svc_errf(SVC_ECRYPTO, "cannot derive the CURVE secret key");
	return 0;
}

/* ------------------------------------------------------------ helpers */

void *svc_secure_alloc(size_t len)
{
	return secure_alloc(len);
}

void svc_secure_free(void *p)
{
	sodium_free(p);
}

void svc_hex(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int svc_unhex(const char *in, uint8_t *out, size_t out_len)
{
	assert(in && (out || out_len == 0) && out_len <= SIZE_MAX / 2);
	size_t in_len = strlen(in);
	if (in_len != 2 * out_len)
		return svc_errf(SVC_EINVAL, "expected %zu hex digits, got %zu characters",
		                out_len * 2, in_len);
	size_t bin_len = 0;
	const char *end = NULL;
	if (sodium_hex2bin(out, out_len, in, in_len, NULL, &bin_len, &end) != 0 ||
	    bin_len != out_len || end != in + in_len)
		return svc_errf(SVC_EINVAL, "not a hex string");
	return 0;
}

int svc_memcmp_ct(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len);
}

/* ------------------------------------------------------------ process */

int svc_crypto_harden_process(void)
{
	/* Both limits to zero, so nothing later in the process can raise them. */
	const struct rlimit none = {0, 0};
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return svc_errf(SVC_EIO, "setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return svc_errf(SVC_EIO, "prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
	return 0;
}

/*
 * test_crypto: svc_crypto against known answers, round trips and unsafe key
 * files.
 *
 * Known answers come from outside libsodium: the BLAKE2b-256 digests were
 * computed with Python's hashlib, the Ed25519 key and signature are RFC 8032
 * section 7.1 test 1. Unlike the library modules, this test includes sodium.h
 * itself, to cross-check the derived CURVE keys with crypto_scalarmult.
 *
 * Every key file refusal prints its message, so a run shows what an operator
 * would read.
 */
#include "svc_crypto.h"
#include "svc_err.h"
#include "testlib.h"

#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAGIC "svcsync-ed25519-secret-v1"
#define KEY_TEXT_LEN (sizeof MAGIC + 128 + 1)

static char *tmp;

#define PATH(var, name)                                                                            \
	char var[4096];                                                                            \
	snprintf(var, sizeof var, "%s/%s", tmp, name)

static int errmsg_has(const char *needle)
{
	return strstr(svc_errmsg(), needle) != NULL;
}

static void show(const char *what)
{
	printf("  %s: %s\n", what, svc_errmsg());
}

/* Create path with exactly `mode`, whatever the umask. */
static int put_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0;
	return close(fd) == 0 && ok ? 0 : -1;
}

static size_t get_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return (size_t)n;
}

/* The key file text for a 64-byte secret, as svc_key_save writes it. */
static void key_text(const uint8_t sk[64], char out[KEY_TEXT_LEN + 1])
{
	char hex[129];
	svc_hex(sk, 64, hex);
	snprintf(out, KEY_TEXT_LEN + 1, "%s\n%s\n", MAGIC, hex);
}

static int hex_eq(const uint8_t *bin, size_t len, const char *hex)
{
	char buf[257];
	if (2 * len + 1 > sizeof buf)
		return 0;
	svc_hex(bin, len, buf);
	return strcmp(buf, hex) == 0;
}

/* ------------------------------------------------------------ hashing */

static const char blake_empty[] =
    "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
static const char blake_abc[] = "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";
/* bytes 0..255 repeated four times */
static const char blake_1k[] = "f1551feeb252c7e60bb362205bd1ac2f70b145260a91d41e8c5d0a187549a5f2";

static void test_hash(void)
{
	uint8_t h[SVC_HASH_LEN], h2[SVC_HASH_LEN];
	svc_hash("", 0, h);
	CHECK(hex_eq(h, sizeof h, blake_empty));
	svc_hash(NULL, 0, h);
	CHECK(hex_eq(h, sizeof h, blake_empty));
	svc_hash("abc", 3, h);
	CHECK(hex_eq(h, sizeof h, blake_abc));

	uint8_t data[1024];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	svc_hash(data, sizeof data, h);
	CHECK(hex_eq(h, sizeof h, blake_1k));

	/* Incremental in every chunk size from 1 to 200 equals one-shot;
	 * BLAKE2b's block is 128 bytes, so this crosses its edges. */
	int all_equal = 1;
	for (size_t chunk = 1; chunk <= 200; chunk++) {
		svc_hash_state st;
		svc_hash_init(&st);
		for (size_t off = 0; off < sizeof data; off += chunk) {
			size_t n = sizeof data - off < chunk ? sizeof data - off : chunk;
			svc_hash_update(&st, data + off, n);
		}
		svc_hash_final(&st, h2);
		if (memcmp(h, h2, sizeof h) != 0)
			all_equal = 0;
	}
	CHECK(all_equal);

	svc_hash_state st;
	svc_hash_init(&st);
	svc_hash_update(&st, "a", 1);
	svc_hash_update(&st, "", 0);
	svc_hash_update(&st, "bc", 2);
	svc_hash_final(&st, h2);
	CHECK(hex_eq(h2, sizeof h2, blake_abc));

	svc_hash_init(&st);
	svc_hash_final(&st, h2);
	CHECK(hex_eq(h2, sizeof h2, blake_empty));
}

/* ------------------------------------------------------------ signatures */

static void test_sign(void)
{
	svc_keypair *a = NULL, *b = NULL;
	CHECK_INT(svc_keypair_new(&a), 0);
	CHECK_INT(svc_keypair_new(&b), 0);
	if (!a || !b)
		goto out;
	CHECK(memcmp(a->pk, b->pk, SVC_PK_LEN) != 0);
	/* The public half of the secret is the public key. */
	CHECK(memcmp(a->sk + 32, a->pk, SVC_PK_LEN) == 0);

	uint8_t msg[100], sig[SVC_SIG_LEN];
	svc_random(msg, sizeof msg);
	svc_sign(a, msg, sizeof msg, sig);
	CHECK_INT(svc_verify(a->pk, msg, sizeof msg, sig), 0);

	msg[37] ^= 0x10;
	CHECK_INT(svc_verify(a->pk, msg, sizeof msg, sig), SVC_ECRYPTO);
	CHECK_STR(svc_errmsg(), "signature does not verify");
	msg[37] ^= 0x10;
	CHECK_INT(svc_verify(a->pk, msg, sizeof msg, sig), 0);

	sig[5] ^= 0x01;
	CHECK_INT(svc_verify(a->pk, msg, sizeof msg, sig), SVC_ECRYPTO);
	sig[5] ^= 0x01;
	sig[63] ^= 0x80;
	CHECK_INT(svc_verify(a->pk, msg, sizeof msg, sig), SVC_ECRYPTO);
	sig[63] ^= 0x80;

	CHECK_INT(svc_verify(b->pk, msg, sizeof msg, sig), SVC_ECRYPTO);
	CHECK_INT(svc_verify(a->pk, msg, sizeof msg - 1, sig), SVC_ECRYPTO);

	svc_sign(a, NULL, 0, sig);
	CHECK_INT(svc_verify(a->pk, NULL, 0, sig), 0);
	CHECK_INT(svc_verify(a->pk, "x", 1, sig), SVC_ECRYPTO);

out:
	svc_keypair_destroy(&a);
	svc_keypair_destroy(&b);
	CHECK(a == NULL);
	svc_keypair_destroy(&a);
	svc_keypair_destroy(NULL);
}

/* RFC 8032, 7.1, TEST 1, loaded through a key file. */
static const char rfc_seed[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char rfc_pk[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc_sig[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
                              "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static void test_rfc8032(void)
{
	PATH(p, "rfc.key");
	char text[512];
	snprintf(text, sizeof text, "%s\n%s%s\n", MAGIC, rfc_seed, rfc_pk);
	CHECK_INT(put_file(p, text, strlen(text), 0600), 0);
	svc_keypair *kp = NULL;
	CHECK_INT(svc_key_load(p, &kp), 0);
	if (!kp)
		return;
	CHECK(hex_eq(kp->pk, SVC_PK_LEN, rfc_pk));
	uint8_t sig[SVC_SIG_LEN];
	svc_sign(kp, "", 0, sig);
	CHECK(hex_eq(sig, sizeof sig, rfc_sig));
	CHECK_INT(svc_verify(kp->pk, "", 0, sig), 0);
	svc_keypair_destroy(&kp);

	/* Uppercase hex and a missing final newline are still the same key. */
	char upper[256];
	snprintf(upper, sizeof upper, "%s%s", rfc_seed, rfc_pk);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	snprintf(text, sizeof text, "%s\n%s", MAGIC, upper);
	CHECK_INT(put_file(p, text, strlen(text), 0600), 0);
	CHECK_INT(svc_key_load(p, &kp), 0);
	if (kp)
		CHECK(hex_eq(kp->pk, SVC_PK_LEN, rfc_pk));
	svc_keypair_destroy(&kp);
}

/* ------------------------------------------------------------ key files */

static void test_key_roundtrip(void)
{
	PATH(p, "node.key");
	svc_keypair *kp = NULL, *back = NULL;
	CHECK_INT(svc_keypair_new(&kp), 0);
	if (!kp)
		return;
	CHECK_INT(svc_key_save(p, kp), 0);

	struct stat st;
	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);

	char want[KEY_TEXT_LEN + 1], got[1024];
	key_text(kp->sk, want);
	CHECK_INT(get_file(p, got, sizeof got), KEY_TEXT_LEN);
	CHECK_STR(got, want);

	CHECK_INT(svc_key_load(p, &back), 0);
	if (back) {
		CHECK(memcmp(back->pk, kp->pk, SVC_PK_LEN) == 0);
		CHECK(svc_memcmp_ct(back->sk, kp->sk, 64) == 0);
		uint8_t sig[SVC_SIG_LEN];
		svc_sign(back, "hello", 5, sig);
		CHECK_INT(svc_verify(kp->pk, "hello", 5, sig), 0);
		svc_sign(kp, "world", 5, sig);
		CHECK_INT(svc_verify(back->pk, "world", 5, sig), 0);
	}
	svc_keypair_destroy(&back);

	/* Never overwrite a key: the file keeps the old secret. */
	svc_keypair *other = NULL;
	CHECK_INT(svc_keypair_new(&other), 0);
	if (other) {
		CHECK_INT(svc_key_save(p, other), SVC_EEXIST);
		CHECK(errmsg_has(p));
		show("save over existing");
		CHECK_INT(get_file(p, got, sizeof got), KEY_TEXT_LEN);
		CHECK_STR(got, want);
	}
	svc_keypair_destroy(&other);

	/* O_EXCL also refuses a dangling symlink, and creates nothing at its
	 * target. */
	PATH(target, "elsewhere.key");
	PATH(link, "dangling.key");
	CHECK_INT(symlink(target, link), 0);
	CHECK_INT(svc_key_save(link, kp), SVC_EEXIST);
	CHECK(access(target, F_OK) != 0);

	PATH(nodir, "no/such/dir/node.key");
	CHECK_INT(svc_key_save(nodir, kp), SVC_EIO);
	CHECK(errmsg_has(nodir));
	show("save into a missing directory");

	svc_keypair_destroy(&kp);
}

static void test_save_umask(void)
{
	svc_keypair *kp = NULL;
	CHECK_INT(svc_keypair_new(&kp), 0);
	if (!kp)
		return;
	/* 0600 exactly, whether the umask would widen or narrow it. */
	static const mode_t masks[] = {0, 0277, 0777};
	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "umask%03o.key", (unsigned)masks[i]);
		PATH(p, name);
		mode_t old = umask(masks[i]);
		int rc = svc_key_save(p, kp);
		umask(old);
		CHECK_INT(rc, 0);
		struct stat st;
		CHECK_INT(stat(p, &st), 0);
		CHECK_INT(st.st_mode & 07777, 0600);
		svc_keypair *back = NULL;
		CHECK_INT(svc_key_load(p, &back), 0);
		svc_keypair_destroy(&back);
	}
	svc_keypair_destroy(&kp);
}

static void test_load_unsafe(void)
{
	svc_keypair *kp = NULL, *back = NULL;
	CHECK_INT(svc_keypair_new(&kp), 0);
	if (!kp)
		return;
	char text[KEY_TEXT_LEN + 1];
	key_text(kp->sk, text);

	static const struct {
		mode_t mode;
		const char *shown;
	} modes[] = {
	    {0640, "0640"}, {0604, "0604"}, {0620, "0620"},
	    {0602, "0602"}, {0644, "0644"}, {0610, "0610"},
	};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		PATH(p, modes[i].shown);
		CHECK_INT(put_file(p, text, strlen(text), modes[i].mode), 0);
		back = NULL;
		CHECK_INT(svc_key_load(p, &back), SVC_EKEY);
		CHECK(back == NULL);
		CHECK(errmsg_has(modes[i].shown));
		CHECK(errmsg_has("chmod 600"));
		CHECK(errmsg_has(p));
		if (i < 2)
			show("loose mode");
	}
	/* 0400 is fine: the daemon only reads the key. */
	PATH(ro, "readonly.key");
	CHECK_INT(put_file(ro, text, strlen(text), 0400), 0);
	CHECK_INT(svc_key_load(ro, &back), 0);
	svc_keypair_destroy(&back);

	PATH(good, "good.key");
	CHECK_INT(put_file(good, text, strlen(text), 0600), 0);
	CHECK_INT(svc_key_load(good, &back), 0);
	if (back)
		CHECK(memcmp(back->pk, kp->pk, SVC_PK_LEN) == 0);
	svc_keypair_destroy(&back);

	PATH(link, "link.key");
	CHECK_INT(symlink(good, link), 0);
	CHECK_INT(svc_key_load(link, &back), SVC_EKEY);
	CHECK(back == NULL);
	CHECK(errmsg_has("symbolic link"));
	show("symlink");

	PATH(missing, "missing.key");
	CHECK_INT(svc_key_load(missing, &back), SVC_EKEY);
	CHECK(errmsg_has(missing));
	show("missing");

	PATH(dir, "dir.key");
	CHECK_INT(mkdir(dir, 0700), 0);
	CHECK_INT(svc_key_load(dir, &back), SVC_EKEY);
	CHECK(errmsg_has("not a regular file"));

	/* A FIFO must be refused, not block the load waiting for a writer. */
	PATH(fifo, "fifo.key");
	CHECK_INT(mkfifo(fifo, 0600), 0);
	CHECK_INT(svc_key_load(fifo, &back), SVC_EKEY);
	CHECK(errmsg_has("not a regular file"));
	show("fifo");

	if (geteuid() == 0) {
		PATH(owned, "owned.key");
		CHECK_INT(put_file(owned, text, strlen(text), 0600), 0);
		CHECK_INT(chown(owned, 12345, (gid_t)-1), 0);
		CHECK_INT(svc_key_load(owned, &back), SVC_EKEY);
		CHECK(back == NULL);
		CHECK(errmsg_has("uid 12345"));
		show("wrong owner");
	} else {
		printf("  (not root: owner check not exercised)\n");
	}
	svc_keypair_destroy(&kp);
}

static void expect_damaged(const char *name, const char *text, size_t len, const char *needle)
{
	PATH(p, name);
	svc_keypair *back = NULL;
	CHECK_INT(put_file(p, text, len, 0600), 0);
	int rc = svc_key_load(p, &back);
	CHECK_INT(rc, SVC_EKEY);
	CHECK(back == NULL);
	if (needle && !errmsg_has(needle))
		fprintf(stderr, "%s: message lacks \"%s\": %s\n", name, needle, svc_errmsg());
	CHECK(!needle || errmsg_has(needle));
	CHECK(errmsg_has(p));
	show(name);
	svc_keypair_destroy(&back);
}

static void test_load_damaged(void)
{
	svc_keypair *kp = NULL;
	CHECK_INT(svc_keypair_new(&kp), 0);
	if (!kp)
		return;
	char good[KEY_TEXT_LEN + 1], bad[4096];
	key_text(kp->sk, good);
	size_t n = strlen(good);

	expect_damaged("empty", "", 0, "not a svcsync key file");
	expect_damaged("magic-only", MAGIC "\n", sizeof MAGIC, "hex digits");

	snprintf(bad, sizeof bad, "%s", good);
	bad[3] = 'X';
	expect_damaged("wrong-magic", bad, n, "not a svcsync key file");

	/* Truncated anywhere in the hex: one digit short, one byte short,
	 * half the key. */
	expect_damaged("truncated-1", good, n - 2, "hex digits");
	expect_damaged("truncated-2", good, n - 3, "hex digits");
	expect_damaged("truncated-half", good, n - 65, "hex digits");

	snprintf(bad, sizeof bad, "%s", good);
	bad[sizeof MAGIC + 40] = 'z';
	expect_damaged("garbled", bad, n, "hex digits");

	/* One hex digit too many. */
	snprintf(bad, sizeof bad, "%s\n%.128s0\n", MAGIC, good + sizeof MAGIC);
	expect_damaged("too-long", bad, strlen(bad), "hex digits");

	snprintf(bad, sizeof bad, "%sextra\n", good);
	expect_damaged("trailing", bad, strlen(bad), "after the key");
	snprintf(bad, sizeof bad, "%.*s\r\n", (int)(n - 1), good);
	expect_damaged("crlf", bad, strlen(bad), "after the key");

	/* Changing either half breaks the seed/public key relation. */
	snprintf(bad, sizeof bad, "%s", good);
	bad[n - 2] = bad[n - 2] == '0' ? '1' : '0';
	expect_damaged("public-half", bad, n, "does not match");
	snprintf(bad, sizeof bad, "%s", good);
	bad[sizeof MAGIC] = bad[sizeof MAGIC] == '0' ? '1' : '0';
	expect_damaged("seed-half", bad, n, "does not match");

	memset(bad, 'a', sizeof bad);
	expect_damaged("huge", bad, sizeof bad, "too large");

	svc_keypair_destroy(&kp);
}

/* The secret is sealed read-only: a stray write faults. */
static void test_sealed(void)
{
	svc_keypair *kp = NULL;
	CHECK_INT(svc_keypair_new(&kp), 0);
	if (!kp)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		/* The sanitizers and valgrind report the fault; that is expected. */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		volatile uint8_t *p = kp->sk;
		p[0] ^= 1;
		_exit(0);
	}
	int status = 0;
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
	svc_keypair_destroy(&kp);
}

/* ------------------------------------------------------------ CURVE keys */

static void test_curve(void)
{
	svc_keypair *a = NULL, *b = NULL;
	CHECK_INT(svc_keypair_new(&a), 0);
	CHECK_INT(svc_keypair_new(&b), 0);
	uint8_t *ask = svc_secure_alloc(SVC_CURVE_KEY_LEN),
	        *bsk = svc_secure_alloc(SVC_CURVE_KEY_LEN);
	CHECK(ask && bsk);
	if (!a || !b || !ask || !bsk)
		goto out;

	uint8_t apk[SVC_CURVE_KEY_LEN], bpk[SVC_CURVE_KEY_LEN], check[SVC_CURVE_KEY_LEN];
	CHECK_INT(svc_curve_public(a->pk, apk), 0);
	CHECK_INT(svc_curve_public(b->pk, bpk), 0);
	CHECK_INT(svc_curve_secret(a, ask), 0);
	CHECK_INT(svc_curve_secret(b, bsk), 0);

	/* The derived public key is the derived secret's public key. */
	CHECK_INT(crypto_scalarmult_base(check, ask), 0);
	CHECK(memcmp(check, apk, SVC_CURVE_KEY_LEN) == 0);
	CHECK_INT(crypto_scalarmult_base(check, bsk), 0);
	CHECK(memcmp(check, bpk, SVC_CURVE_KEY_LEN) == 0);

	/* And the two sides of a CURVE handshake agree. */
	uint8_t ab[SVC_CURVE_KEY_LEN], ba[SVC_CURVE_KEY_LEN];
	CHECK_INT(crypto_scalarmult(ab, ask, bpk), 0);
	CHECK_INT(crypto_scalarmult(ba, bsk, apk), 0);
	CHECK(memcmp(ab, ba, SVC_CURVE_KEY_LEN) == 0);

	/* Small-order and off-curve points are refused. */
	uint8_t zero[SVC_CURVE_KEY_LEN] = {0}, out[SVC_CURVE_KEY_LEN];
	CHECK_INT(svc_curve_public(zero, out), SVC_ECRYPTO);
	uint8_t one[SVC_CURVE_KEY_LEN] = {1};
	CHECK_INT(svc_curve_public(one, out), SVC_ECRYPTO);
	uint8_t junk[SVC_CURVE_KEY_LEN];
	memset(junk, 0xff, sizeof junk);
	CHECK_INT(svc_curve_public(junk, out), SVC_ECRYPTO);
	show("bad point");

out:
	svc_secure_free(ask);
	svc_secure_free(bsk);
	svc_secure_free(NULL);
	svc_keypair_destroy(&a);
	svc_keypair_destroy(&b);
}

/* ------------------------------------------------------------ helpers */

static void test_helpers(void)
{
	char hex[65];
	const uint8_t dead[] = {0xde, 0xad, 0x00, 0x0f};
	svc_hex(dead, sizeof dead, hex);
	CHECK_STR(hex, "dead000f");
	svc_hex(dead, 0, hex);
	CHECK_STR(hex, "");

	uint8_t b[4];
	CHECK_INT(svc_unhex("dead000f", b, 4), 0);
	CHECK(memcmp(b, dead, 4) == 0);
	CHECK_INT(svc_unhex("DEAD000F", b, 4), 0);
	CHECK(memcmp(b, dead, 4) == 0);
	CHECK_INT(svc_unhex("", b, 0), 0);
	CHECK_INT(svc_unhex("dead000", b, 4), SVC_EINVAL);
	CHECK_INT(svc_unhex("dead00", b, 4), SVC_EINVAL);
	CHECK_INT(svc_unhex("dead000f00", b, 4), SVC_EINVAL);
	CHECK_INT(svc_unhex("dead000g", b, 4), SVC_EINVAL);
	CHECK_INT(svc_unhex("dead 00f", b, 4), SVC_EINVAL);
	CHECK_INT(svc_unhex(" dead000", b, 4), SVC_EINVAL);
	CHECK_INT(svc_unhex("dead:00f", b, 4), SVC_EINVAL);

	uint8_t r[32], r2[32], zero[32] = {0};
	svc_random(r, sizeof r);
	svc_random(r2, sizeof r2);
	CHECK(memcmp(r, r2, sizeof r) != 0);
	CHECK(memcmp(r, zero, sizeof r) != 0);
	svc_hex(r, sizeof r, hex);
	CHECK_INT(svc_unhex(hex, r2, sizeof r2), 0);
	CHECK(memcmp(r, r2, sizeof r) == 0);

	CHECK_INT(svc_memcmp_ct(r, r2, sizeof r), 0);
	r2[31] ^= 1;
	CHECK(svc_memcmp_ct(r, r2, sizeof r) != 0);
	CHECK_INT(svc_memcmp_ct(r, r2, 0), 0);

	uint8_t *s = svc_secure_alloc(100);
	CHECK(s != NULL);
	if (s) {
		memset(s, 0x5a, 100);
		CHECK(s[99] == 0x5a);
	}
	svc_secure_free(s);
}

static void test_harden(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int ok = svc_crypto_harden_process() == 0;
		struct rlimit rl;
		ok = ok && getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 && rl.rlim_max == 0;
		ok = ok && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	CHECK_INT(svc_crypto_init(), 0);
	CHECK_INT(svc_crypto_init(), 0);
	tmp = svc_test_tmpdir("crypto");

	test_hash();
	test_sign();
	test_rfc8032();
	test_key_roundtrip();
	test_save_umask();
	test_load_unsafe();
	test_load_damaged();
	test_sealed();
	test_curve();
	test_helpers();
	test_harden();

	svc_test_rmdir(tmp);
	free(tmp);
	return svc_test_done();
}

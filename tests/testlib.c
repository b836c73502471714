/* testlib: see testlib.h. */
#include "testlib.h"

#include "svc_crypto.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int svc_test_pass, svc_test_fail;

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

svc_store *svc_test_store(const char *dir, const svc_self *self)
{
	svc_store *s = NULL;
	svc_txn *t = NULL;
	svc_self me = *self;
	CHECK_INT(svc_store_open(dir, SVC_STORE_CREATE, &s), 0);
	if (!s)
		return NULL;
	if (all_zero(me.store_id, sizeof me.store_id))
		svc_random(me.store_id, sizeof me.store_id);
	if (all_zero(me.pubkey, sizeof me.pubkey))
		svc_random(me.pubkey, sizeof me.pubkey);
	CHECK_INT(svc_txn_begin(s, true, &t), 0);
	CHECK_INT(svc_self_put(t, &me), 0);
	CHECK_INT(svc_txn_commit(&t), 0);
	return s;
}

char *svc_test_tmpdir(const char *tag)
{
	const char *base = getenv("SVC_TEST_TMP");
	char tmpl[4096];
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(tmpl, sizeof tmpl, "%s/%s.XXXXXX", base, tag);
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpl, strerror(errno));
		exit(2);
	}
	return strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void svc_test_rmdir(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t svc_test_rand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int svc_test_done(void)
{
	printf("%d passed, %d failed\n", svc_test_pass, svc_test_fail);
	return svc_test_fail ? 1 : 0;
}

struct legacy_arg {
	const svc_ticket_fields *f;
	char id[SVC_AGG_LEN];
};

static int legacy_fn(svc_txn *t, void *arg)
{
	struct legacy_arg *a = arg;
	svc_change c;
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_OPEN;
	int rc = svc_local_ticket_fill(t, a->f, &c.u.ticket_open);
	if (!rc)
		rc = svc_apply_local(t, &c);
	if (!rc)
		snprintf(a->id, sizeof a->id, "%s", c.aggregate);
	return rc;
}

int svc_test_ticket_new_legacy(svc_store *s, const svc_ticket_fields *f, char id[SVC_AGG_LEN])
{
	struct legacy_arg a = {.f = f};
	int rc = svc_store_write(s, legacy_fn, &a);
	if (!rc && id)
		snprintf(id, SVC_AGG_LEN, "%s", a.id);
	return rc;
}

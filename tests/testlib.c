/* testlib: see testlib.h. */
#include "testlib.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int svc_test_pass, svc_test_fail;

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

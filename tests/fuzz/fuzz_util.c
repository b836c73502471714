/*
 * fuzz_util: invariant failures and scratch directories for the fuzz targets.
 *
 * Scratch directories live under $SVC_TEST_TMP (ctest points it into the
 * build tree; tools/fuzz at a scratch directory it removes afterwards), else
 * $TMPDIR, else /tmp, and are removed when the process exits normally. A
 * fuzzer that crashes leaves its directory behind on purpose: it may help to
 * see the store the crash happened in.
 */
#include "fuzz.h"

#include "svc_err.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz invariant broken: %s (last detail: %s)\n", file, line, what,
	        svc_errmsg());
	abort();
}

static char *scratch[8];
static size_t nscratch;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fuzz_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_scratch(void)
{
	for (size_t i = 0; i < nscratch; i++) {
		fuzz_rmtree(scratch[i]);
		free(scratch[i]);
	}
	nscratch = 0;
}

const char *fuzz_tmpdir(const char *tag)
{
	const char *base = getenv("SVC_TEST_TMP");
	char tmpl[4096];

	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if (nscratch == sizeof scratch / sizeof scratch[0]) {
		fprintf(stderr, "fuzz_tmpdir: more than %zu scratch directories\n", nscratch);
		abort();
	}
	mkdir(base, 0700);
	snprintf(tmpl, sizeof tmpl, "%s/fuzz-%s.XXXXXX", base, tag);
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpl, strerror(errno));
		abort();
	}
	if (nscratch == 0)
		atexit(remove_scratch);
	scratch[nscratch] = strdup(tmpl);
	if (!scratch[nscratch])
		abort();
	return scratch[nscratch++];
}

/*
 * replay: run a fuzz target over files without libFuzzer.
 *
 *   fuzz_replay_<target> DIR|FILE...
 *
 * Calls LLVMFuzzerInitialize (when the target defines one) and then
 * LLVMFuzzerTestOneInput once per file, directories in name order, so the
 * checked-in corpus runs as an ordinary ctest test in every build, gcc and
 * sanitizer builds included. Each input is copied into a buffer of exactly
 * its size, as libFuzzer does, so a read past its end is caught by ASan.
 * A target signals failure by crashing; replay itself fails (exit 1) when it
 * cannot read an argument or finds no input at all, so a wrong path cannot
 * pass as an empty success.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Weak: a target without set-up leaves this NULL. */
extern int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;
	size_t len;

	if (!f || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	len = (size_t)st.st_size;
	/* malloc(0) may return NULL; an empty input is a valid one. */
	buf = malloc(len ? len : 1);
	if (!buf || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "replay: %s: cannot read %zu bytes\n", path, len);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
	return 0;
}

static int only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int run_dir(const char *dir, size_t *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, only_files, alphasort);
	int rc = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		if (!rc && run_file(path, count))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int rc;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i], &count);
		if (rc)
			return 1;
	}
	if (count == 0) {
		fprintf(stderr, "replay: no inputs in %s\n", argv[1]);
		return 1;
	}
	printf("replay: %zu inputs, no crash\n", count);
	return 0;
}

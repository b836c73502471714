/*
 * fuzz: what every fuzz target and the replay driver share.
 *
 * Each tests/fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput (and, when
 * it needs set-up such as a store, LLVMFuzzerInitialize). The same object is
 * linked two ways: with clang's libFuzzer (-fsanitize=fuzzer) into
 * bin/fuzz_<target> when SVC_FUZZ is on, and with replay.c into
 * tests/fuzz_replay_<target> in every build, which runs the checked-in
 * corpus as an ordinary ctest test. See docs/fuzzing.md.
 *
 * A target reports a broken invariant with FUZZ_CHECK, which aborts: under
 * libFuzzer that is a crash it minimizes and saves, under replay a failed
 * test. Decoders refusing the input is not a failure; only crashes, leaks,
 * sanitizer reports and broken invariants (a value that decodes but does not
 * survive encode and decode again) are.
 */
#ifndef SVC_FUZZ_H
#define SVC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: defined only by targets that need set-up. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with the condition and its place when an invariant does not hold. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond);                                      \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);

/* A fresh scratch directory, removed with its contents at exit (valid until
 * then). Aborts when it cannot be made. */
const char *fuzz_tmpdir(const char *tag);
/* rm -rf. */
void fuzz_rmtree(const char *dir);

#endif

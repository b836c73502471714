/*
 * fuzz_config: the daemon's INI file (svc_config over libinih).
 *
 * The input, NUL-terminated, goes to svc_config_load_string. Invariants:
 *  - a refused config leaves the caller's config untouched (a bad SIGHUP
 *    reload keeps the running one);
 *  - parse -> print -> parse: what svc_config_print writes for an accepted
 *    config loads again to the same config;
 *  - the same bytes in a file (svc_config_load, the other reader) get the
 *    same verdict and the same config, unless they hold a NUL, which only
 *    the file reader can see.
 */
#include "fuzz.h"

#include "svc_config.h"
#include "svc_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char path[SVC_PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "%s/svcsyncd.conf", fuzz_tmpdir("config"));
	return 0;
}

static int config_equal(const svc_config *a, const svc_config *b)
{
	return strcmp(a->dir, b->dir) == 0 && strcmp(a->listen, b->listen) == 0 &&
	       a->batch_changes == b->batch_changes && a->batch_bytes == b->batch_bytes &&
	       a->window == b->window && a->heartbeat_ms == b->heartbeat_ms &&
	       a->reconnect_ms == b->reconnect_ms && a->reconnect_max_ms == b->reconnect_max_ms &&
	       a->max_message == b->max_message && a->commit_delay_ms == b->commit_delay_ms &&
	       a->log_level == b->log_level;
}

/* The config as svc_config_print writes it, loaded again. */
static void print_and_reload(const svc_config *c)
{
	svc_config again;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	FUZZ_CHECK(f != NULL);
	svc_config_print(c, f);
	FUZZ_CHECK(fclose(f) == 0);
	svc_config_defaults(&again);
	FUZZ_CHECK(svc_config_load_string(&again, text, "printed") == 0);
	FUZZ_CHECK(config_equal(c, &again));
	free(text);
}

/* The same bytes through the file reader. */
static void from_file(const uint8_t *data, size_t size, int rc, const svc_config *c)
{
	svc_config fc;
	FILE *f = fopen(path, "wb");

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	FUZZ_CHECK(fclose(f) == 0);
	svc_config_defaults(&fc);
	FUZZ_CHECK((svc_config_load(&fc, path) == 0) == (rc == 0));
	FUZZ_CHECK(config_equal(c, &fc));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svc_config c, before;
	char *text = malloc(size + 1);
	int rc;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	svc_config_defaults(&c);
	memcpy(&before, &c, sizeof c);
	rc = svc_config_load_string(&c, text, "fuzz");
	if (rc)
		FUZZ_CHECK(memcmp(&c, &before, sizeof c) == 0);
	else
		print_and_reload(&c);
	if (path[0] && !memchr(data, 0, size))
		from_file(data, size, rc, &c);
	free(text);
	return 0;
}

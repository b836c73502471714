/*
 * fuzz_offline: an export file handed over for `svcsync import --kind
 * changes` (svc_offline_import), imported at HQ.
 *
 * An export file carries no signatures: whoever writes one can give it any
 * changes with correct hash chains and a correct trailer. So each input is
 * imported twice into a fresh copy of HQ's store (one copy per input: LMDB
 * allocates megabytes per environment, which under ASan dominates the time):
 *
 *  1. as it is, which mostly exercises the framing and trailer checks;
 *  2. as an attacker would write it: if it starts with the magic, its
 *     records are read with the file's own framing, forged (fuzz_net.h:
 *     re-chained and re-encoded) and written back with a valid trailer, so
 *     the fuzzer's values reach svc_store_apply, the directory checks,
 *     validation, authorization and the folds.
 *
 * Invariants: a successful import accounts for every change (new or already
 * present), and every ticket, claim and stock entry it stored reads back.
 */
#include "fuzz.h"
#include "fuzz_net.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_offline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_LEN 8 /* strlen(SVC_OFFLINE_MAGIC) */

static fuzz_node net[FUZZ_NNODES];
static fuzz_snapshot hq;
static char path[4400];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_net_create("offline", net);
	fuzz_snapshot_take(&net[FUZZ_HQ], &hq);
	snprintf(path, sizeof path, "%s-import.svcchg", net[FUZZ_HQ].dir);
	return 0;
}

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int ticket_cb(const svc_ticket *tk, void *arg)
{
	(void)tk;
	(void)arg;
	return 0;
}

static int claim_cb(const svc_claim *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

static int stock_cb(const char *location, const char *part_no, const svc_stock *st, void *arg)
{
	(void)location;
	(void)part_no;
	(void)st;
	(void)arg;
	return 0;
}

static void import(svc_store *s, const uint8_t *file, size_t len)
{
	svc_import_stats st;
	FILE *f = fopen(path, "wb");
	svc_txn *t;

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(len == 0 || fwrite(file, 1, len, f) == len);
	FUZZ_CHECK(fclose(f) == 0);
	if (svc_offline_import(s, path, &st) == 0) {
		FUZZ_CHECK(st.applied + st.present == st.total);
		FUZZ_CHECK(st.rejected <= st.applied);
	}
	FUZZ_CHECK(svc_txn_begin(s, false, &t) == 0);
	FUZZ_CHECK(svc_ticket_each(t, ticket_cb, NULL) == 0);
	FUZZ_CHECK(svc_claim_each(t, claim_cb, NULL) == 0);
	FUZZ_CHECK(svc_stock_each(t, NULL, stock_cb, NULL) == 0);
	svc_txn_abort(&t);
}

/* The records of a file body: u32 length, bytes; up to a zero length, the
 * end, or a length that does not fit (the file's own framing). */
static size_t records(const uint8_t *p, size_t len, svc_blob *out, size_t cap)
{
	size_t n = 0, pos = 0;

	while (n < cap && len - pos >= 4) {
		uint32_t rl = be32_get(p + pos);
		if (rl == 0 || rl > len - pos - 4)
			break;
		out[n].data = p + pos + 4;
		out[n].len = rl;
		n++;
		pos += 4 + (size_t)rl;
	}
	return n;
}

/* The forged file: magic, forged records, zero, count and hash. */
static void forged_import(svc_store *s, const uint8_t *data, size_t size)
{
	svc_blob *in = malloc((size / 4 + 1) * sizeof *in);
	size_t n, len = MAGIC_LEN, cap;
	fuzz_forged f;
	uint8_t *file;

	FUZZ_CHECK(in != NULL);
	n = records(data + MAGIC_LEN, size - MAGIC_LEN, in, size / 4 + 1);
	fuzz_forge(s, in, n, &f);
	cap = MAGIC_LEN + 4 + 8 + SVC_HASH_LEN;
	for (size_t i = 0; i < n; i++)
		cap += 4 + f.bytes[i].len;
	file = malloc(cap);
	FUZZ_CHECK(file != NULL);
	memcpy(file, SVC_OFFLINE_MAGIC, MAGIC_LEN);
	for (size_t i = 0; i < n; i++) {
		be32_put(file + len, (uint32_t)f.bytes[i].len);
		memcpy(file + len + 4, f.bytes[i].data, f.bytes[i].len);
		len += 4 + f.bytes[i].len;
	}
	be32_put(file + len, 0);
	be32_put(file + len + 4, (uint32_t)((uint64_t)n >> 32));
	be32_put(file + len + 8, (uint32_t)n);
	svc_hash(file, len, file + len + 12);
	len += 4 + 8 + SVC_HASH_LEN;
	import(s, file, len);
	free(file);
	fuzz_forged_free(&f);
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svc_store *s = fuzz_snapshot_open(&hq);

	/* An import is all or nothing: when the first one fails, the second
	 * starts from the snapshot still. */
	import(s, data, size);
	if (size >= MAGIC_LEN && memcmp(data, SVC_OFFLINE_MAGIC, MAGIC_LEN) == 0)
		forged_import(s, data, size);
	svc_store_close(&s);
	return 0;
}

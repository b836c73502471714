/*
 * fuzz_offline: an export file handed over for `svcsync import --kind
 * changes` (svc_offline_import), imported at region-e.
 *
 * Each input is imported twice into a fresh copy of region-e's store (one
 * copy per input: LMDB allocates megabytes per environment, which under ASan
 * dominates the time):
 *
 *  1. as it is: the framing, the signed header (svc_codec_signed_decode and
 *     svc_codec_export_header_decode on whatever the input puts after the u32 0),
 *     the content hash and the refusals of a whole file;
 *  2. as shop-a could write it with its own key: the changes of every batch
 *     of the input that decodes are forged (fuzz_net.h: re-chained and
 *     re-encoded), each given a one-change commit signed with shop-a's key,
 *     and written as one batch in a file that shop-a signs for region-e. So
 *     the fuzzer's values reach svc_sync_apply through a file: commit checks,
 *     the subtree rule, validation, authorization, quarantine and the folds.
 *
 * Invariants: an import that succeeds accounts for every change of the file
 * (new, already here or quarantined), and every ticket, claim and stock
 * entry stored reads back.
 */
#include "fuzz.h"
#include "fuzz_net.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_offline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_LEN 8   /* strlen(SVC_OFFLINE_MAGIC) */
#define FORGE_MAX 256 /* changes taken into the forged file */

static fuzz_node net[FUZZ_NNODES];
static fuzz_snapshot region;
static char path[4400];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_net_create("offline", net);
	fuzz_snapshot_take(&net[FUZZ_REGION], &region);
	snprintf(path, sizeof path, "%s-import.svcchg", net[FUZZ_REGION].dir);
	return 0;
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

static void import_file(svc_store *s)
{
	svc_import_stats st;
	svc_txn *t;

	if (svc_offline_import(s, path, &st) == 0) {
		FUZZ_CHECK(st.applied + st.present + st.quarantined == st.total);
		FUZZ_CHECK(strcmp(st.signer, "") != 0);
	}
	FUZZ_CHECK(svc_txn_begin(s, false, &t) == 0);
	FUZZ_CHECK(svc_fold_ticket_each(t, ticket_cb, NULL) == 0);
	FUZZ_CHECK(svc_fold_claim_each(t, claim_cb, NULL) == 0);
	FUZZ_CHECK(svc_fold_stock_each(t, NULL, stock_cb, NULL) == 0);
	svc_txn_abort(&t);
}

static void import_bytes(svc_store *s, const uint8_t *file, size_t len)
{
	FILE *f = fopen(path, "wb");

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(len == 0 || fwrite(file, 1, len, f) == len);
	FUZZ_CHECK(fclose(f) == 0);
	import_file(s);
}

/* The changes of the input's batches, by the file's own framing, up to a
 * zero length, the end, or a length that does not fit. The blobs point into
 * copies owned by *keep (caller frees). */
static size_t changes_of(const uint8_t *p, size_t len, svc_blob *out, size_t cap, uint8_t **keep)
{
	size_t n = 0, pos = 0, used = 0;

	*keep = malloc(len ? len : 1);
	FUZZ_CHECK(*keep != NULL);
	while (n < cap && len - pos >= 4) {
		uint32_t rl = be32_get(p + pos);
		svc_msg m;
		if (rl == 0 || rl > len - pos - 4)
			break;
		if (svc_codec_msg_decode(p + pos + 4, rl, &m) == 0) {
			for (size_t i = 0;
			     m.type == SVC_MSG_BATCH && i < m.u.batch.nchanges && n < cap; i++) {
				const svc_blob *c = &m.u.batch.changes[i];
				memcpy(*keep + used, c->data, c->len);
				out[n].data = *keep + used;
				out[n].len = c->len;
				used += c->len;
				n++;
			}
			svc_codec_msg_free(&m);
		}
		pos += 4 + (size_t)rl;
	}
	return n;
}

/* A one-change commit over bytes[i], signed with shop-a's key. */
static void commit_for(const fuzz_forged *f, size_t i, uint8_t *out, size_t cap, size_t *len)
{
	svc_commit_header h;
	uint8_t hb[1024], sig[SVC_SIG_LEN];
	size_t hlen;

	*len = 0;
	if (!f->ok[i] || f->c[i].seq == 0)
		return;
	memset(&h, 0, sizeof h);
	snprintf(h.origin, sizeof h.origin, "%s", f->c[i].origin);
	h.first_seq = h.last_seq = f->c[i].seq;
	h.nhashes = 1;
	h.hashes = &f->hash[i];
	if (svc_codec_commit_header_encode(&h, hb, sizeof hb, &hlen) != 0)
		return;
	svc_sign(net[FUZZ_SHOP].kp, hb, hlen, sig);
	if (svc_codec_signed_encode(hb, hlen, sig, out, cap, len) != 0)
		*len = 0;
}

/* The forged file: one batch of the forged changes with their commits,
 * signed by shop-a for region-e. */
static void forged_import(svc_store *s, const uint8_t *data, size_t size)
{
	static svc_blob in[FORGE_MAX], changes[FORGE_MAX], commits[FORGE_MAX];
	static uint8_t cbuf[FORGE_MAX][1200];
	svc_export_writer *w = NULL;
	svc_export_header h;
	fuzz_forged f;
	uint8_t *keep, *msg;
	size_t n, nc = 0, len;
	svc_msg m;

	n = changes_of(data + MAGIC_LEN, size - MAGIC_LEN, in, FORGE_MAX, &keep);
	fuzz_forge(s, in, n, &f);
	for (size_t i = 0; i < n; i++) {
		size_t clen;
		changes[i] = f.bytes[i];
		commit_for(&f, i, cbuf[nc], sizeof cbuf[nc], &clen);
		if (clen) {
			commits[nc] = (svc_blob){cbuf[nc], clen};
			nc++;
		}
	}
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_BATCH;
	m.u.batch.id = 1;
	m.u.batch.nchanges = n;
	m.u.batch.changes = changes;
	m.u.batch.ncommits = nc;
	m.u.batch.commits = commits;
	if (svc_codec_msg_encode(&m, &msg, &len) == 0) {
		FUZZ_CHECK(svc_export_writer_open(&w, path) == 0);
		FUZZ_CHECK(svc_export_writer_add(w, msg, len, n) == 0);
		memset(&h, 0, sizeof h);
		snprintf(h.signer, sizeof h.signer, "shop-a");
		snprintf(h.target, sizeof h.target, "region-e");
		memcpy(h.store_id, net[FUZZ_SHOP].store_id, sizeof h.store_id);
		FUZZ_CHECK(svc_export_writer_close(&w, net[FUZZ_SHOP].kp, &h) == 0);
		free(msg);
		import_file(s);
	}
	fuzz_forged_free(&f);
	free(keep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svc_store *s = fuzz_snapshot_open(&region);

	/* A file refused as a whole changes nothing, so the second import
	 * mostly starts from the snapshot still. */
	import_bytes(s, data, size);
	if (size >= MAGIC_LEN && memcmp(data, SVC_OFFLINE_MAGIC, MAGIC_LEN) == 0)
		forged_import(s, data, size);
	svc_store_close(&s);
	return 0;
}

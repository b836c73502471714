/*
 * fuzz_apply: a BATCH from an authenticated shop, applied at HQ.
 *
 * The input is a protocol message. If it decodes to a BATCH it is applied
 * twice to a fresh copy of HQ's store, as coming from shop-a (the peer ZAP
 * would have authenticated):
 *
 *  1. as received: forged or foreign commit signatures, broken hash chains
 *     and undecodable changes must be quarantined, the rest applied;
 *  2. as a compromised shop would send it: the changes forged (fuzz_net.h:
 *     re-chained and re-encoded) and covered by commits signed with shop-a's
 *     real key, so the fuzzer's values get past the signature check into
 *     svc_apply_remote, validation, authorization and the folds, which must
 *     refuse whatever a shop may not do.
 *
 * Invariants: svc_sync_apply returns 0 (a hostile batch is quarantined, it
 * does not fail the link) unless an origin's seqs have a hole (refused whole,
 * SVC_EINVAL with res.gaps set); every change is counted exactly once as applied,
 * duplicate or quarantined; and every ticket, claim and stock entry the folds
 * stored reads back.
 *
 * Every input starts from the same snapshot of HQ's store. SVC_TEST_TMP on a
 * tmpfs (tools/fuzz uses /dev/shm) keeps LMDB's fsyncs cheap.
 */
#include "fuzz.h"
#include "fuzz_net.h"

#include "svc_codec.h"
#include "svc_err.h"
#include "svc_apply.h"
#include "svc_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fuzz_node net[FUZZ_NNODES];
static fuzz_snapshot hq;
static svc_peer_view shop_view; /* HQ's view of shop-a */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_net_create("apply", net);
	FUZZ_CHECK(fuzz_net_view(&net[FUZZ_HQ], &net[FUZZ_SHOP], &shop_view) == 0);
	fuzz_snapshot_take(&net[FUZZ_HQ], &hq);
	return 0;
}

/* The batch a compromised shop-a would send; owns the commits. */
typedef struct {
	fuzz_forged f;
	svc_batch b;
	uint8_t **commits;
} forged_batch;

/* A commit over forged changes [from, to) (one origin, consecutive seqs),
 * signed with shop-a's key, added to fb. Nothing when the run cannot be a
 * commit (seq 0, for one): its changes then go without. */
static void sign_commit(forged_batch *fb, size_t from, size_t to)
{
	const fuzz_forged *f = &fb->f;
	static uint8_t hashes[SVC_COMMIT_CHANGES_MAX][SVC_HASH_LEN];
	static uint8_t body[SVC_COMMIT_MAX];
	svc_commit_header h;
	uint8_t sig[SVC_SIG_LEN], *buf;
	size_t body_len, len;

	memset(&h, 0, sizeof h);
	snprintf(h.origin, sizeof h.origin, "%s", f->c[from].origin);
	h.first_seq = f->c[from].seq;
	h.last_seq = f->c[to - 1].seq;
	h.nhashes = to - from;
	memcpy(hashes, f->hash[from], h.nhashes * SVC_HASH_LEN);
	h.hashes = hashes;
	if (svc_codec_commit_header_encode(&h, body, sizeof body, &body_len) != 0)
		return;
	svc_sign(net[FUZZ_SHOP].kp, body, body_len, sig);
	buf = malloc(SVC_COMMIT_MAX);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(svc_codec_signed_encode(body, body_len, sig, buf, SVC_COMMIT_MAX, &len) == 0);
	fb->commits[fb->b.ncommits] = buf;
	fb->b.commits[fb->b.ncommits].data = buf;
	fb->b.commits[fb->b.ncommits].len = len;
	fb->b.ncommits++;
}

/* The forged changes, with one signed commit per run of one origin's
 * consecutive seqs. */
static void forge_batch(svc_store *s, const svc_batch *in, forged_batch *fb)
{
	const fuzz_forged *f = &fb->f;
	size_t from = 0;

	memset(fb, 0, sizeof *fb);
	fuzz_forge(s, in->changes, in->nchanges, &fb->f);
	fb->b.id = in->id;
	fb->b.to_lsn = in->to_lsn;
	fb->b.nchanges = f->n;
	fb->b.changes = f->bytes;
	fb->b.commits = calloc(f->n + 1, sizeof *fb->b.commits);
	fb->commits = calloc(f->n + 1, sizeof *fb->commits);
	FUZZ_CHECK(fb->b.commits && fb->commits);
	for (size_t i = 1; i <= f->n; i++) {
		bool extends = i < f->n && f->ok[i] && f->ok[from] &&
		               strcmp(f->c[i].origin, f->c[from].origin) == 0 &&
		               f->c[i].seq == f->c[i - 1].seq + 1 &&
		               i - from < SVC_COMMIT_CHANGES_MAX;
		if (extends)
			continue;
		if (f->ok[from])
			sign_commit(fb, from, i);
		from = i;
	}
}

static void forged_batch_free(forged_batch *fb)
{
	for (size_t i = 0; i < fb->b.ncommits; i++)
		free(fb->commits[i]);
	free(fb->commits);
	free(fb->b.commits);
	fuzz_forged_free(&fb->f);
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

static void apply(svc_store *s, const svc_batch *b)
{
	svc_sync_result res;
	svc_txn *t;

	int rc = svc_sync_apply(s, &shop_view, net[FUZZ_SHOP].store_id, b, &res);
	/* The one refusal of a whole batch: an origin's seqs with a hole. */
	FUZZ_CHECK(rc == 0 || (rc == SVC_EINVAL && res.gaps == 1));
	if (rc == 0)
		FUZZ_CHECK((size_t)res.applied + res.duplicates + res.quarantined == b->nchanges);
	FUZZ_CHECK(svc_txn_begin(s, false, &t) == 0);
	FUZZ_CHECK(svc_fold_ticket_each(t, ticket_cb, NULL) == 0);
	FUZZ_CHECK(svc_fold_claim_each(t, claim_cb, NULL) == 0);
	FUZZ_CHECK(svc_fold_stock_each(t, NULL, stock_cb, NULL) == 0);
	svc_txn_abort(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svc_store *s;
	svc_msg m;
	forged_batch fb;

	if (svc_codec_msg_decode(data, size, &m) != 0)
		return 0;
	if (m.type != SVC_MSG_BATCH) {
		svc_codec_msg_free(&m);
		return 0;
	}
	s = fuzz_snapshot_open(&hq);
	apply(s, &m.u.batch);
	forge_batch(s, &m.u.batch, &fb);
	apply(s, &fb.b);
	forged_batch_free(&fb);
	svc_store_close(&s);
	svc_codec_msg_free(&m);
	return 0;
}

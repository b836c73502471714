/*
 * fuzz_msg: one ZeroMQ message from a peer, the daemon's widest door.
 *
 * svc_codec_msg_decode sees every frame an authenticated peer sends. What decodes
 * must encode again and decode to the same message. A HELLO's summary goes
 * through svc_heads_from_hello (copy and sort); a BATCH's blobs go through
 * the decoders svc_sync_apply runs on them: svc_codec_change_decode for each
 * change, svc_codec_signed_decode and svc_codec_commit_header_decode for each commit.
 */
#include "fuzz.h"

#include "svc_codec.h"
#include "svc_sync.h"

#include <stdlib.h>
#include <string.h>

static uint8_t hashbuf[SVC_COMMIT_CHANGES_MAX][SVC_HASH_LEN];

static int blobs_equal(const svc_blob *a, const svc_blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].len != b[i].len || (a[i].len && memcmp(a[i].data, b[i].data, a[i].len)))
			return 0;
	return 1;
}

static int hello_equal(const svc_hello *a, const svc_hello *b)
{
	if (a->version != b->version || strcmp(a->node, b->node) ||
	    memcmp(a->store_id, b->store_id, sizeof a->store_id) ||
	    a->checkpoint != b->checkpoint || a->has_your_store_id != b->has_your_store_id ||
	    a->hlc != b->hlc || a->nheads != b->nheads)
		return 0;
	if (a->has_your_store_id && memcmp(a->your_store_id, b->your_store_id, SVC_STORE_ID_LEN))
		return 0;
	for (size_t i = 0; i < a->nheads; i++)
		if (strcmp(a->heads[i].origin, b->heads[i].origin) ||
		    a->heads[i].seq != b->heads[i].seq)
			return 0;
	return 1;
}

static int msg_equal(const svc_msg *a, const svc_msg *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case SVC_MSG_HELLO:
		return hello_equal(&a->u.hello, &b->u.hello);
	case SVC_MSG_BATCH:
		return a->u.batch.id == b->u.batch.id && a->u.batch.to_lsn == b->u.batch.to_lsn &&
		       a->u.batch.nchanges == b->u.batch.nchanges &&
		       a->u.batch.ncommits == b->u.batch.ncommits &&
		       blobs_equal(a->u.batch.changes, b->u.batch.changes, a->u.batch.nchanges) &&
		       blobs_equal(a->u.batch.commits, b->u.batch.commits, a->u.batch.ncommits);
	case SVC_MSG_ACK:
		return memcmp(&a->u.ack, &b->u.ack, sizeof a->u.ack) == 0;
	case SVC_MSG_PING:
		return a->u.ping.hlc == b->u.ping.hlc;
	case SVC_MSG_ERROR:
		return a->u.error.code == b->u.error.code &&
		       strcmp(a->u.error.text, b->u.error.text) == 0;
	case SVC_MSG_NONE:
	default:
		return 0;
	}
}

static void batch_contents(const svc_batch *b)
{
	static svc_change c;

	for (size_t i = 0; i < b->nchanges; i++)
		svc_codec_change_decode(b->changes[i].data, b->changes[i].len, &c);
	for (size_t i = 0; i < b->ncommits; i++) {
		const uint8_t *body;
		size_t body_len;
		uint8_t sig[SVC_SIG_LEN];
		svc_commit_header h;

		if (svc_codec_signed_decode(b->commits[i].data, b->commits[i].len, &body, &body_len,
		                            sig) == 0)
			svc_codec_commit_header_decode(body, body_len, &h, hashbuf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svc_msg m, again;
	uint8_t *enc;
	size_t len;

	if (svc_codec_msg_decode(data, size, &m) != 0)
		return 0;
	FUZZ_CHECK(m.type != SVC_MSG_NONE);
	FUZZ_CHECK(svc_codec_msg_encode(&m, &enc, &len) == 0);
	FUZZ_CHECK(svc_codec_msg_decode(enc, len, &again) == 0);
	FUZZ_CHECK(msg_equal(&m, &again));
	svc_codec_msg_free(&again);
	free(enc);
	if (m.type == SVC_MSG_HELLO) {
		svc_heads heads;
		if (svc_heads_from_hello(&m.u.hello, &heads) == 0) {
			FUZZ_CHECK(heads.n == m.u.hello.nheads);
			for (size_t i = 1; i < heads.n; i++)
				FUZZ_CHECK(
				    strcmp(heads.heads[i - 1].origin, heads.heads[i].origin) <= 0);
			svc_heads_free(&heads);
		}
	} else if (m.type == SVC_MSG_BATCH) {
		batch_contents(&m.u.batch);
	}
	svc_codec_msg_free(&m);
	return 0;
}

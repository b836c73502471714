/*
 * fuzz_commit: a signed commit as it arrives in a BATCH or sits in the store.
 *
 * The input goes through svc_codec_signed_decode (the hand-written parser) and its
 * body through svc_codec_commit_header_decode, as svc_sync_apply does; the input is
 * also decoded as a bare header, so the fuzzer reaches the header decoder
 * without having to keep the Signed framing intact. Whatever decodes must
 * encode again and decode to the same value.
 */
#include "fuzz.h"

#include "svc_codec.h"

#include <string.h>

static uint8_t hashbuf[SVC_COMMIT_CHANGES_MAX][SVC_HASH_LEN];
static uint8_t hashbuf2[SVC_COMMIT_CHANGES_MAX][SVC_HASH_LEN];
static uint8_t buf[SVC_COMMIT_MAX];

static void header_roundtrip(const uint8_t *data, size_t size)
{
	svc_commit_header h, again;
	size_t len;

	if (svc_codec_commit_header_decode(data, size, &h, hashbuf) != 0)
		return;
	FUZZ_CHECK(h.nhashes == h.last_seq - h.first_seq + 1);
	FUZZ_CHECK(svc_codec_commit_header_encode(&h, buf, sizeof buf, &len) == 0);
	FUZZ_CHECK(svc_codec_commit_header_decode(buf, len, &again, hashbuf2) == 0);
	FUZZ_CHECK(strcmp(h.origin, again.origin) == 0);
	FUZZ_CHECK(h.first_seq == again.first_seq && h.last_seq == again.last_seq);
	FUZZ_CHECK(h.nhashes == again.nhashes);
	FUZZ_CHECK(memcmp(h.hashes, again.hashes, h.nhashes * SVC_HASH_LEN) == 0);
	FUZZ_CHECK(h.has_prev == again.has_prev);
	FUZZ_CHECK(memcmp(h.prev_commit, again.prev_commit, SVC_HASH_LEN) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body, *body2;
	size_t body_len, body2_len, len;
	uint8_t sig[SVC_SIG_LEN], sig2[SVC_SIG_LEN];

	header_roundtrip(data, size);
	if (svc_codec_signed_decode(data, size, &body, &body_len, sig) != 0)
		return 0;
	FUZZ_CHECK(body >= data && body_len > 0 && body + body_len <= data + size);
	FUZZ_CHECK(svc_codec_signed_encode(body, body_len, sig, buf, sizeof buf, &len) == 0);
	FUZZ_CHECK(svc_codec_signed_decode(buf, len, &body2, &body2_len, sig2) == 0);
	FUZZ_CHECK(body_len == body2_len && memcmp(body, body2, body_len) == 0);
	FUZZ_CHECK(memcmp(sig, sig2, SVC_SIG_LEN) == 0);
	header_roundtrip(body, body_len);
	return 0;
}

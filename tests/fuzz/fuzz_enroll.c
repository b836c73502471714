/*
 * fuzz_enroll: enrollment files, which an operator carries between nodes.
 *
 * A request file and a bundle file are Signed envelopes; their bodies go
 * through svc_codec_enroll_request_decode and svc_codec_bundle_decode, and a bundle's
 * certificate body through svc_codec_cert_decode, as svc_enroll_approve and
 * svc_enroll_accept do (signatures cannot be forged by a fuzzer, so the
 * decoders are also fed the input directly, as if the envelope were intact).
 * Whatever decodes must encode again and decode to the same value.
 */
#include "fuzz.h"

#include "svc_codec.h"

#include <string.h>

static uint8_t buf[SVC_ENROLL_MAX];

static void cert(const uint8_t *data, size_t size)
{
	svc_cert c, again;
	size_t len;

	if (svc_codec_cert_decode(data, size, &c) != 0)
		return;
	FUZZ_CHECK(svc_codec_cert_encode(&c, buf, sizeof buf, &len) == 0);
	FUZZ_CHECK(svc_codec_cert_decode(buf, len, &again) == 0);
	FUZZ_CHECK(memcmp(&c, &again, sizeof c) == 0);
}

static void request(const uint8_t *data, size_t size)
{
	svc_enroll_request r, again;
	size_t len;

	if (svc_codec_enroll_request_decode(data, size, &r) != 0)
		return;
	FUZZ_CHECK(svc_codec_enroll_request_encode(&r, buf, sizeof buf, &len) == 0);
	FUZZ_CHECK(svc_codec_enroll_request_decode(buf, len, &again) == 0);
	FUZZ_CHECK(memcmp(&r, &again, sizeof r) == 0);
}

static void bundle(const uint8_t *data, size_t size)
{
	static svc_bundle b, again;
	size_t len;

	if (svc_codec_bundle_decode(data, size, &b) != 0)
		return;
	FUZZ_CHECK(b.cert.body_len <= SVC_CERT_BODY_MAX);
	FUZZ_CHECK(svc_codec_bundle_encode(&b, buf, sizeof buf, &len) == 0);
	FUZZ_CHECK(svc_codec_bundle_decode(buf, len, &again) == 0);
	FUZZ_CHECK(memcmp(&b, &again, sizeof b) == 0);
	cert(b.cert.body, b.cert.body_len);
}

static void bodies(const uint8_t *data, size_t size)
{
	request(data, size);
	bundle(data, size);
	cert(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body;
	size_t body_len;
	uint8_t sig[SVC_SIG_LEN];

	bodies(data, size);
	if (svc_codec_signed_decode(data, size, &body, &body_len, sig) == 0)
		bodies(body, body_len);
	return 0;
}

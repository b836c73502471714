/*
 * fuzz_change: a change as it arrives in a BATCH or an export file.
 *
 * svc_codec_change_decode must refuse anything malformed without crashing, and
 * what it accepts must be a value its own origin could have sent: encoding
 * it succeeds (the codec's promise "whatever an encoder accepts, the
 * matching decoder accepts" read backwards) and decoding that encoding gives
 * the same value. A node certificate's body, which HQ signed, is decoded too.
 */
#include "fuzz.h"

#include "svc_codec.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static svc_change c, again;
	static uint8_t buf[SVC_CHANGE_MAX];
	size_t len;

	if (svc_codec_change_decode(data, size, &c) != 0)
		return 0;
	FUZZ_CHECK(svc_codec_change_encode(&c, buf, sizeof buf, &len) == 0);
	FUZZ_CHECK(svc_codec_change_decode(buf, len, &again) == 0);
	FUZZ_CHECK(memcmp(&c, &again, sizeof c) == 0);
	if (c.kind == SVC_CK_NODE_CERT) {
		svc_cert cert;
		svc_codec_cert_decode(c.u.node_cert.body, c.u.node_cert.body_len, &cert);
	}
	return 0;
}

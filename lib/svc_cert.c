/*
 * svc_cert: certificate checking. See svc_cert.h.
 *
 * Verified on the bytes as carried, never on a re-encoding: the signature
 * covers the body exactly as HQ encoded it.
 */
#include "svc_cert.h"

#include "svc_codec.h"
#include "svc_err.h"

int svc_cert_verify(const svc_node_cert *nc, const uint8_t issuer_pk[SVC_PK_LEN], svc_cert *out)
{
	svc_cert c;
	if (nc->body_len == 0 || nc->body_len > sizeof nc->body)
		return svc_errf(SVC_EDECODE, "certificate: body of %zu bytes (expected 1-%zu)",
		                nc->body_len, sizeof nc->body);
	if (svc_verify(issuer_pk, nc->body, nc->body_len, nc->signature))
		return svc_errf(SVC_ECRYPTO, "certificate: signature does not verify");
	int rc = svc_codec_cert_decode(nc->body, nc->body_len, &c);
	if (rc)
		return svc_errctx(rc, "certificate");
	if (out)
		*out = c;
	return 0;
}

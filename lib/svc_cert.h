/*
 * svc_cert: checking a node certificate, HQ's signature over the exact
 * CertBody bytes.
 *
 * Separate from svc_identity (which issues certificates and enrolls nodes,
 * and so writes the store) because the store's apply pipeline must check the
 * certificates that replicate to it: checking sits below the store, beside
 * the crypto it uses, and issuing sits above it.
 */
#ifndef SVC_CERT_H
#define SVC_CERT_H

#include "svc_crypto.h"
#include "svc_types.h"

#include <stdint.h>

/* Check a certificate's signature against an issuer key and decode it (out
 * may be NULL). SVC_EDECODE, SVC_ECRYPTO or a codec error, with a reason. */
int svc_cert_verify(const svc_node_cert *nc, const uint8_t issuer_pk[SVC_PK_LEN], svc_cert *out);

#endif

/*
 * rules_node: a node's entry in the directory (its certificate and whether
 * it is revoked).
 *
 * A node.cert change carries the certificate as HQ signed it (the encoded
 * body and its signature). The store checks that signature before the change
 * is accepted; here the body is decoded only to fold its fields. A re-issued
 * certificate (new key, moved to another region) must carry a higher serial
 * than the current one, so a stale certificate replayed later cannot roll a
 * node back, and it lifts an earlier revocation: re-admitting a withdrawn
 * shop is done by issuing it a new certificate.
 *
 * A revocation records a cut-off: the last seq of the node that HQ held when
 * it revoked. The node's own clock cannot be trusted once its key may be in
 * other hands (it can stamp new work a minute before the revocation), but
 * its seqs are chained and HQ's view of them is one fact every node gets
 * the same way. The store keeps the node's changes above the cut-off out of
 * the fold (held, whatever their HLC), while its earlier (signed) claims
 * stay valid so accounts can be settled. Revoking twice is refused, because
 * a second revocation would move that cut-off. A revocation naming a serial
 * only revokes that certificate, so it cannot hit a certificate issued after
 * it was written.
 *
 * A certificate that supersedes a revoked one keeps the revocation's hold
 * on the old key's work: the seqs above the cut-off through the last one the
 * old key's commits covered at HQ (carried in the change). The node's work
 * under its new key, above that, folds as usual; releases still apply.
 *
 * A quarantine release is HQ's word, after review, that the held changes of
 * a revoked node up to a seq are honest work in transit: it raises the
 * cut-off, and the store folds them again in their place. It never lowers
 * the cut-off, and there is nothing to release for a node not revoked.
 */
#include "rules_impl.h"

#include "svc_codec.h"
#include "svc_err.h"

#include <inttypes.h>
#include <string.h>

static int node_cert(svc_node *n, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_cert cert;
	memset(&cert, 0, sizeof cert);
	if (c->u.node_cert.body_len > sizeof c->u.node_cert.body ||
	    svc_codec_cert_decode(c->u.node_cert.body, c->u.node_cert.body_len, &cert) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: certificate body does not decode", c->aggregate);
	char want[SVC_AGG_LEN];
	svc_rules_node_agg(want, cert.node);
	if (strcmp(want, c->aggregate) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: certificate is for node %s", c->aggregate,
		                      cert.node);
	if (exists && cert.serial <= n->serial)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: certificate serial %" PRIu64
		                      " is not newer than the current serial %" PRIu64,
		                      n->node, cert.serial, n->serial);
	bool holding = exists && (n->revoked || n->held_through > n->cutoff_seq);
	uint64_t cutoff = n->cutoff_seq, held = n->revoked ? UINT64_MAX : n->held_through;
	memset(n, 0, sizeof *n);
	if (holding) {
		uint64_t through = c->u.node_cert.held_through;
		if (held != UINT64_MAX && held > through)
			through = held;
		n->cutoff_seq = cutoff;
		n->held_through = through > cutoff ? through : cutoff;
	}
	SVC_COPY(n->node, cert.node);
	n->role = cert.role;
	SVC_COPY(n->region, cert.region);
	SVC_COPY(n->upstream, cert.upstream);
	memcpy(n->pubkey, cert.pubkey, sizeof n->pubkey);
	n->not_before = cert.not_before;
	n->not_after = cert.not_after;
	n->serial = cert.serial;
	return 0;
}

static int node_revoke(svc_node *n, bool exists, const svc_change *c, char *reason, size_t len)
{
	const svc_node_revoke *b = &c->u.node_revoke;
	if (!exists)
		return svc_rules_fail(SVC_EREJECT, reason, len, "node %s: no certificate to revoke",
		                      b->node);
	if (strcmp(n->node, b->node) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: revocation is for node %s", n->node, b->node);
	if (n->revoked)
		return svc_rules_fail(SVC_EREJECT, reason, len, "node %s: already revoked",
		                      n->node);
	if (b->serial != 0 && b->serial != n->serial)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: revocation is for serial %" PRIu64
		                      ", the current certificate is serial %" PRIu64,
		                      n->node, b->serial, n->serial);
	n->revoked = true;
	SVC_COPY(n->revoke_reason, b->reason);
	n->revoked_hlc = c->hlc;
	n->cutoff_seq = b->cutoff_seq;
	return 0;
}

static int node_release(svc_node *n, bool exists, const svc_change *c, char *reason, size_t len)
{
	const svc_quarantine_release *b = &c->u.quarantine_release;
	if (!exists || (!n->revoked && n->held_through <= n->cutoff_seq))
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: not revoked, so nothing of it is held", b->origin);
	if (strcmp(n->node, b->origin) != 0)
		return svc_rules_fail(SVC_EREJECT, reason, len, "node %s: release is for node %s",
		                      n->node, b->origin);
	if (b->through_seq <= n->cutoff_seq)
		return svc_rules_fail(SVC_EREJECT, reason, len,
		                      "node %s: changes through seq %" PRIu64
		                      " are folded already (cut-off seq %" PRIu64 ")",
		                      n->node, b->through_seq, n->cutoff_seq);
	n->cutoff_seq = b->through_seq;
	return 0;
}

static int node_step(void *state, bool exists, const svc_change *c, char *reason, size_t len)
{
	svc_node *n = state;
	int rc;
	if (c->kind == SVC_CK_NODE_CERT)
		rc = node_cert(n, exists, c, reason, len);
	else if (c->kind == SVC_CK_NODE_REVOKE)
		rc = node_revoke(n, exists, c, reason, len);
	else if (c->kind == SVC_CK_QUARANTINE_RELEASE)
		rc = node_release(n, exists, c, reason, len);
	else
		return svc_rules_wrong_kind("node", c, reason, len);
	if (rc != 0)
		return rc;
	svc_rules_set_last(&n->last, c);
	return 0;
}

const svc_rules svc_rules_node = {
    .name = "node",
    .state_size = sizeof(svc_node),
    .step = node_step,
};

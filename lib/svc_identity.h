/*
 * svc_identity: creating a node and enrolling it in the network.
 *
 * A node directory holds the LMDB store and the node's secret key file
 * (`node.key`, 0600). HQ is the root of trust: at init it issues its own
 * certificate; every other node is enrolled by HQ in three local steps that
 * an operator carries out with files (there is no network in enrollment):
 *
 *   node:  svc_enroll_make_request() -> request file (signed by the node's key,
 *                                   proving it holds the key it names)
 *   HQ:    svc_enroll_approve()  -> records an HQ-signed certificate as a
 *                                   directory change and writes a bundle
 *                                   (certificate, HQ's key, upstream endpoint
 *                                   and key), signed by HQ
 *   node:  svc_enroll_accept()   -> checks the bundle and stores it
 *
 * Everything is verified on the bytes as received; a tampered request or
 * bundle is refused with a one-line reason.
 */
#ifndef SVC_IDENTITY_H
#define SVC_IDENTITY_H

#include "svc_crypto.h"
#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_KEY_FILE "node.key"
#define SVC_CERT_DAYS_DEFAULT 730

/* Path of the node's key file in dir (out of `cap` bytes). */
void svc_identity_key_path(const char *dir, char *out, size_t cap);

/*
 * Create a node: its store in `dir` and its Ed25519 key. `region` is required
 * for a shop (its region node's id), refused for HQ, and for a region must be
 * empty or equal to its own id (a region's region is itself). Refuses, and
 * changes nothing, when the directory already holds a store or a key. At HQ,
 * also issues HQ's own certificate. On success *out is the open store (caller
 * closes it) if out is not NULL.
 */
int svc_identity_init(const char *dir, const char *node, uint32_t role, const char *region,
                      svc_store **out);

/* Load the node's key from its directory (refusing unsafe key files). */
int svc_identity_key(const char *dir, svc_keypair **out);

/* Write an enrollment request for this node to buf. */
int svc_enroll_make_request(svc_store *s, const svc_keypair *kp, uint8_t *buf, size_t cap,
                            size_t *len);

typedef struct {
	const char *upstream; /* node the new node connects to: HQ or a region */
	const char *endpoint; /* tcp://HOST:PORT of that upstream */
	unsigned days;        /* certificate validity; 0 = default */
} svc_approve_opts;

/*
 * At HQ: check a request, record the certificate as a directory change and
 * write the signed bundle to buf. Refuses a request whose signature does not
 * verify, a node id already enrolled with an unrevoked certificate, an
 * upstream HQ does not know, and a shop whose upstream region is not its own.
 * `issued` (may be NULL) receives the certificate.
 */
int svc_enroll_approve(svc_store *hq, const svc_keypair *hq_key, const uint8_t *req, size_t req_len,
                       const svc_approve_opts *opts, uint8_t *buf, size_t cap, size_t *len,
                       svc_cert *issued);

/*
 * At the node: verify the bundle (HQ's signature over it, HQ's signature over
 * the certificate, the certificate names this node, its role, region and key)
 * and store HQ's key, the certificate, and the upstream's endpoint and key.
 * If `pin_hq` is not NULL the bundle's HQ key must equal it.
 */
int svc_enroll_accept(svc_store *s, const uint8_t *bundle, size_t len,
                      const uint8_t *pin_hq /* SVC_PK_LEN or NULL */);

/*
 * Renewal (same node id, key and store; no revocation, nothing lost).
 *
 * At HQ: svc_enroll_renew() re-issues the certificate of enrolled node
 * `node` from HQ's directory entry with a new serial (the old certificate
 * superseded) and a new validity (opts->days, else a shop's agreement term,
 * else the default), recorded as a directory change, and writes the signed
 * bundle. opts->endpoint, when given, is the upstream's new endpoint; an
 * empty one leaves the node's as it is. opts->upstream is not used (the
 * upstream stays the directory's). Refused for a node HQ does not know or
 * has revoked.
 *
 * At the node: svc_enroll_accept_renewal() is svc_enroll_accept() that also
 * takes, at an enrolled node, a bundle from the same HQ for the same key and
 * upstream with a newer serial: it replaces the certificate and, if the
 * bundle names one, the endpoint and the upstream's key. *renewed (may be
 * NULL) tells which it was. A running daemon reconnects to a changed
 * endpoint when woken.
 */
int svc_enroll_renew(svc_store *hq, const svc_keypair *hq_key, const char *node,
                     const svc_approve_opts *opts, uint8_t *buf, size_t cap, size_t *len,
                     svc_cert *issued);
int svc_enroll_accept_renewal(svc_store *s, const uint8_t *bundle, size_t len,
                              const uint8_t *pin_hq, bool *renewed);

/*
 * At HQ: revoke a node's certificate (shop withdrawal). Recorded as a
 * directory change carrying a cut-off: the last seq of the node HQ holds.
 * Once it reaches a node, that node refuses new handshakes with the key,
 * closes every connection of it, and holds its changes above the cut-off out
 * of the fold (whatever their clock) until HQ releases them. Its earlier
 * signed changes stay valid. *serial (may be NULL) receives the revoked
 * certificate's serial.
 */
int svc_identity_revoke(svc_store *hq, const char *node, const char *reason, uint64_t *serial);

/*
 * At HQ: release, after review, the changes of revoked node `origin` held
 * above its cut-off, through seq `through`. Recorded as a change that every
 * node applies the same way: it raises the cut-off, and the held changes up
 * to it are folded again in their place (they still pass every rule there).
 * *released (may be NULL) receives how many held changes this store folded
 * back; changes HQ does not hold yet are folded when they arrive.
 */
int svc_identity_release(svc_store *hq, const char *origin, uint64_t through, const char *reason,
                         uint64_t *released);

#endif

/*
 * svc_offline: carrying changes between two linked nodes in a file, for when
 * the network between them is down (a shop's week of work on a USB stick).
 *
 * A file is what the link would have carried, signed by the node that wrote
 * it. Export first signs the node's pending local changes into commits with
 * its key (svc_sync_commit_local), then builds BATCHes for the target node
 * with svc_sync_build, exactly as the daemon would for that peer: the same
 * read isolation, causal (arrival) order, and the commit headers that cover
 * each change (the origin's stored commits for relayed changes). Finally it
 * signs a header naming the signer, the target, the exporting store, the
 * creation time and a hash of everything before the header.
 *
 * Import trusts the file's signer exactly as far as it would trust that node
 * on a link, and no further:
 *  - the header must verify with the signer's certified key (HQ's and the
 *    upstream's from the enrollment bundle, any other node's from the
 *    directory), name this node as the target, and hash the content;
 *  - the signer must be a peer this node links to: its upstream, or a node
 *    whose upstream is this node or a node below it (the nodes a daemon here
 *    would admit), with a certificate that is neither revoked nor outside its
 *    validity;
 *  - every BATCH then goes through svc_sync_apply with the signer as the
 *    peer, so each change is verified against its origin's signed commit,
 *    authorized, and quarantined with its reason if it fails, as if it had
 *    arrived from the signer over the network. A file in which "HQ" pays a
 *    shop's claim, written by the shop, therefore lands in quarantine: the
 *    shop cannot sign HQ's commit.
 * A file refused as a whole (damaged, unsigned, for another node, from an
 * unrelated or revoked signer, or a BATCH that does not decode) changes
 * nothing. Otherwise batches are applied one write transaction each; a store
 * failure part-way leaves the earlier batches applied, which is harmless:
 * importing the same file again applies only what is missing.
 *
 * Positions. A BATCH's to_lsn is a position in the exporter's log, and
 * svc_sync_apply stores it as this node's checkpoint for the peer (its
 * recv_lsn, keyed by the peer's store id). A file is not the link: it is
 * filtered by the visibility the exporter judged when writing it, and may be
 * imported long after the link moved on or before it ever ran. So import
 * applies every batch with to_lsn 0 and the store id this node already holds
 * for the peer: the link's checkpoint never moves because of a file. When the
 * link comes back, the peers' HELLO summaries of per-origin heads tell the
 * sender what the receiver already holds, so nothing is sent or applied
 * twice, and nothing is skipped.
 *
 * File format (all integers big-endian):
 *   "SVCEXP2\n"                         8 bytes of magic
 *   { u32 len (1..SVC_MSG_MAX), len bytes: an Envelope holding a BATCH } ...
 *   u32 0
 *   u32 len (1..SVC_COMMIT_MAX), len bytes: a Signed whose body is an
 *       ExportHeader (proto/svcsync.proto): version, signer, target,
 *       store_id, created_ms, content_hash = BLAKE2b-256 of every byte
 *       before the u32 0, batches, changes; signed with the signer's key
 *   nothing after it.
 * The header comes last so that a file is written in one pass; import reads
 * it, and checks the signature and the hash, before it decodes any batch.
 */
#ifndef SVC_OFFLINE_H
#define SVC_OFFLINE_H

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_apply.h"

#include <stddef.h>
#include <stdint.h>

#define SVC_OFFLINE_MAGIC "SVCEXP2\n"

typedef struct {
	size_t commits; /* commits made for pending local changes */
	size_t batches;
	size_t changes;
} svc_export_stats;

/*
 * Write what `for_node` would receive from this node over their link to
 * `path` (replaced atomically: written to a temporary file, synced and
 * renamed), signed with `kp`, which must be this node's key. `for_node` must
 * be linked to this node (see above). *st (may be NULL) receives the counts.
 */
int svc_offline_export(svc_store *s, const svc_keypair *kp, const char *for_node, const char *path,
                       svc_export_stats *st);

typedef struct {
	char signer[SVC_ID_LEN];
	size_t batches;
	size_t total;                      /* changes in the file */
	size_t applied;                    /* newly stored */
	size_t present;                    /* already here */
	size_t quarantined;                /* failed verification or authorization */
	char first_reason[SVC_REASON_LEN]; /* of the first quarantined change */
} svc_import_stats;

/* Import an export file (see above). On a refusal of the whole file nothing
 * is stored and the detail names the file and the reason. */
int svc_offline_import(svc_store *s, const char *path, svc_import_stats *st);

/*
 * The file writer on its own, for export and for tools that must produce a
 * file by hand (tests, corpora). Open writes the magic to `path`.tmp; add
 * appends one encoded BATCH envelope holding `nchanges` changes; close fills
 * h's content_hash, batches and changes, signs the header with kp, syncs
 * and renames the file into place (caller fills the rest of h). Abort (and a
 * failed close) removes the temporary file. Both NULL *w and are safe twice.
 */
typedef struct svc_export_writer svc_export_writer;
int svc_export_writer_open(svc_export_writer **w, const char *path);
int svc_export_writer_add(svc_export_writer *w, const uint8_t *msg, size_t len, size_t nchanges);
int svc_export_writer_close(svc_export_writer **w, const svc_keypair *kp, svc_export_header *h);
void svc_export_writer_abort(svc_export_writer **w);

#endif

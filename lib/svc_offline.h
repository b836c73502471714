/*
 * svc_offline: carrying changes between nodes in a file, for when the
 * network is down (or not set up yet).
 *
 * An export file holds a store's changes exactly as their origins encoded
 * them, in the exporting node's arrival order, which is causal order: the
 * certificates HQ issued come before the changes of the nodes they certify.
 * The importing node applies them as replication would (svc_store_apply:
 * deduplication, hash chain, the origin's certificate, validation,
 * authorization, fold) in one write transaction, so an import is all or
 * nothing, and importing the same file twice changes nothing.
 *
 * What it does not carry: commit signatures (the daemon signs commits when it
 * ships; an export is unsigned). So an import accepts only changes whose
 * origin is already in the importing node's directory, or becomes known
 * through a certificate earlier in the same file; and the certificates
 * themselves are checked against the HQ key the node accepted at enrollment.
 * A file therefore cannot introduce a node HQ has not certified, but within
 * those limits it trusts whoever handed it over: treat export files like the
 * store itself (they hold customers' names and phone numbers).
 *
 * File format (all integers big-endian):
 *   "SVCCHG1\n"                       8 bytes of magic
 *   { u32 len (1..SVC_CHANGE_MAX), len bytes of an encoded change } ...
 *   u32 0, u64 count, BLAKE2b-256 of every byte before the u32 0
 * The trailer makes a truncated or damaged file fail as a whole instead of
 * importing a prefix of it.
 */
#ifndef SVC_OFFLINE_H
#define SVC_OFFLINE_H

#include "svc_store.h"

#include <stddef.h>
#include <stdint.h>

#define SVC_OFFLINE_MAGIC "SVCCHG1\n"

/*
 * Write this store's changes to `path` (replaced atomically: written to a
 * temporary file, synced and renamed). With `for_node` (may be NULL) only the
 * changes that node may see are written: the directory and the catalog
 * always; tickets, claims and stock movements within its scope (its own, a
 * shop's assigned tickets and claims, a region's region; everything for HQ).
 * The node must be in this store's directory. *count (may be NULL) receives
 * how many changes were written.
 */
int svc_offline_export(svc_store *s, const char *path, const char *for_node, size_t *count);

typedef struct {
	size_t total;    /* changes in the file */
	size_t applied;  /* newly stored (accepted or stored as rejected by the fold) */
	size_t present;  /* already here */
	size_t rejected; /* of `applied`, refused by the fold at their place in order */
} svc_import_stats;

/* Apply an export file to this store (see above). On any error nothing is
 * stored and the detail names the file and the change. */
int svc_offline_import(svc_store *s, const char *path, svc_import_stats *stats);

#endif

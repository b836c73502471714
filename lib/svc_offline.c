/*
 * svc_offline: export and import files of changes. See svc_offline.h for the
 * format and the trust rules.
 *
 * Export walks the arrival log in pages of EXPORT_PAGE changes, one short read
 * transaction per page, so exporting a large store never pins old pages for
 * long; each page is written out before the next is read.
 *
 * Import reads the whole file, checks its framing and trailer before it looks
 * inside, and then applies every change in one write transaction. A change
 * whose origin is not (yet) in the directory is set aside and retried after
 * the others, because a certificate for it may come later in the file (a
 * shop's export lists the shop's own offline work before the directory it
 * imported from HQ afterwards). Whatever is still unknown when a pass makes
 * no progress fails the import.
 */
#include "svc_offline.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC_LEN 8
#define EXPORT_PAGE 10000
#define TRAILER_LEN (4 + 8 + SVC_HASH_LEN)
/* An export file is read whole; refuse what cannot be one. */
#define IMPORT_MAX ((size_t)1 << 34)

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void be64_put(uint8_t *p, uint64_t v)
{
	be32_put(p, (uint32_t)(v >> 32));
	be32_put(p + 4, (uint32_t)v);
}

static uint64_t be64_get(const uint8_t *p)
{
	return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

/* ------------------------------------------------------------ visibility */

/* Who the export is for: NULL node means everyone (no filter). */
typedef struct {
	const svc_node *node;
} audience;

/* A region sees its region; a shop sees what is its own. */
static bool in_scope(const svc_node *to, const char *shop, const char *region)
{
	if (to->role == SVC_ROLE_REGION)
		return strcmp(region, to->node) == 0;
	return strcmp(shop, to->node) == 0;
}

/* Is `location` the audience itself or, for a region, one of its shops? */
static bool location_in_scope(svc_txn *t, const svc_node *to, const char *location)
{
	svc_node n;
	if (strcmp(location, to->node) == 0)
		return true;
	if (to->role != SVC_ROLE_REGION)
		return false;
	return svc_node_get(t, location, &n) == 0 && strcmp(n.region, to->node) == 0;
}

/*
 * The changes a node may see (DESIGN.md section 5, read isolation), judged
 * by the aggregate's current state so that a node that gained an aggregate
 * (a ticket reassigned to it) gets the aggregate's earlier changes too.
 */
static bool visible(svc_txn *t, const audience *au, const svc_change *c)
{
	const svc_node *to = au->node;
	svc_ticket tk;
	svc_claim cl;
	svc_transfer x;

	if (!to || to->role == SVC_ROLE_HQ || strcmp(c->origin, to->node) == 0)
		return true;
	switch (svc_change_agg_type(c)) {
	case SVC_AGG_NODE:
	case SVC_AGG_CATALOG:
		return true;
	case SVC_AGG_TICKET:
		if (svc_ticket_get(t, c->aggregate, &tk) != 0)
			return false;
		return in_scope(to, tk.shop, tk.region);
	case SVC_AGG_CLAIM:
		if (svc_claim_get(t, c->aggregate, &cl) != 0)
			return false;
		return in_scope(to, cl.shop, cl.region);
	case SVC_AGG_TRANSFER:
		if (svc_transfer_get(t, c->aggregate, &x) != 0)
			return false;
		return location_in_scope(t, to, x.source) || location_in_scope(t, to, x.dest);
	case SVC_AGG_MOVE:
		return location_in_scope(t, to, c->u.part_move.location);
	default:
		return false;
	}
}

/* ------------------------------------------------------------ export */

typedef struct {
	FILE *f;
	const char *path;
	svc_hash_state hs;
	audience au;
	svc_txn *t; /* the current page's read transaction */
	size_t count;
	uint64_t next_lsn; /* where the next page starts */
	size_t in_page;
	bool page_full;
} exporter;

static int out_bytes(exporter *e, const void *p, size_t n)
{
	svc_hash_update(&e->hs, p, n);
	if (fwrite(p, 1, n, e->f) != n)
		return svc_errf(SVC_EIO, "%s: write: %s", e->path, strerror(errno));
	return 0;
}

static int export_one(svc_txn *t, const svc_logged_change *lc, exporter *e)
{
	svc_logged_change *full;
	const uint8_t *bytes;
	size_t len;
	uint8_t hdr[4];

	if (!visible(t, &e->au, &lc->c))
		return 0;
	/* The log walk decodes; the original bytes come from the change table. */
	full = malloc(sizeof *full);
	if (!full)
		return svc_errf(SVC_ENOMEM, "out of memory");
	int rc = svc_change_get(t, lc->c.origin, lc->c.seq, full, &bytes, &len);
	free(full);
	if (rc)
		return rc;
	be32_put(hdr, (uint32_t)len);
	rc = out_bytes(e, hdr, sizeof hdr);
	if (!rc)
		rc = out_bytes(e, bytes, len);
	if (!rc)
		e->count++;
	return rc;
}

static int export_cb(const svc_logged_change *lc, void *arg)
{
	exporter *e = arg;
	if (e->in_page == EXPORT_PAGE) {
		e->page_full = true;
		e->next_lsn = lc->lsn;
		return 1;
	}
	e->in_page++;
	return export_one(e->t, lc, e);
}

static int export_pages(svc_store *s, exporter *e)
{
	e->next_lsn = 1;
	for (;;) {
		svc_txn *t;
		int rc = svc_txn_begin(s, false, &t);
		if (rc)
			return rc;
		e->t = t;
		e->in_page = 0;
		e->page_full = false;
		rc = svc_log_each_from(t, e->next_lsn, export_cb, e);
		svc_txn_abort(&t);
		if (rc < 0)
			return rc;
		if (!e->page_full)
			return 0;
	}
}

static int export_audience(svc_store *s, const char *for_node, svc_node *n)
{
	svc_txn *t;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_node_get(t, for_node, n);
	svc_txn_abort(&t);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "for: unknown node %s (not in this node's directory)",
		                for_node);
	return rc;
}

int svc_offline_export(svc_store *s, const char *path, const char *for_node, size_t *count)
{
	exporter e;
	svc_node to;
	char tmp[4200];
	uint8_t trailer[TRAILER_LEN];
	int rc;

	memset(&e, 0, sizeof e);
	if (count)
		*count = 0;
	if (for_node && for_node[0]) {
		rc = export_audience(s, for_node, &to);
		if (rc)
			return rc;
		e.au.node = &to;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return svc_errf(SVC_EINVAL, "%s: path too long", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", tmp, strerror(errno));
	e.f = fdopen(fd, "wb");
	if (!e.f) {
		close(fd);
		unlink(tmp);
		return svc_errf(SVC_EIO, "%s: %s", tmp, strerror(errno));
	}
	e.path = path;
	svc_hash_init(&e.hs);
	rc = out_bytes(&e, SVC_OFFLINE_MAGIC, MAGIC_LEN);
	if (!rc)
		rc = export_pages(s, &e);
	if (!rc) {
		uint8_t hash[SVC_HASH_LEN];
		svc_hash_final(&e.hs, hash);
		be32_put(trailer, 0);
		be64_put(trailer + 4, e.count);
		memcpy(trailer + 12, hash, SVC_HASH_LEN);
		if (fwrite(trailer, 1, sizeof trailer, e.f) != sizeof trailer)
			rc = svc_errf(SVC_EIO, "%s: write: %s", path, strerror(errno));
	}
	/* Durable before it replaces anything: the operator may carry the file
	 * away the moment the command returns. */
	if (!rc && (fflush(e.f) != 0 || fsync(fileno(e.f)) != 0))
		rc = svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	if (fclose(e.f) != 0 && !rc)
		rc = svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	if (!rc && rename(tmp, path) != 0)
		rc = svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	if (rc) {
		unlink(tmp);
		return rc;
	}
	if (count)
		*count = e.count;
	return 0;
}

/* ------------------------------------------------------------ import */

typedef struct {
	const uint8_t *bytes;
	size_t len;
} record;

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return svc_errf(SVC_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return svc_errf(SVC_EIO, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > IMPORT_MAX) {
		close(fd);
		return svc_errf(SVC_ETOOBIG, "%s: %lld bytes is too large for an export file", path,
		                (long long)st.st_size);
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		close(fd);
		return svc_errf(SVC_ENOMEM, "%s: out of memory", path);
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return svc_errf(SVC_EIO, "%s: read: %s", path,
			                r < 0 ? strerror(e) : "file shrank while reading");
		}
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;
}

/* Check the framing and the trailer; fill recs (caller frees). */
static int parse_file(const char *path, const uint8_t *buf, size_t len, record **recs,
                      size_t *nrecs)
{
	size_t pos = MAGIC_LEN, n = 0, cap = 0;
	record *r = NULL;
	*recs = NULL;
	*nrecs = 0;
	if (len < MAGIC_LEN + TRAILER_LEN || memcmp(buf, SVC_OFFLINE_MAGIC, MAGIC_LEN) != 0)
		return svc_errf(SVC_EDECODE, "%s: not an svcsync export file", path);
	for (;;) {
		if (len - pos < 4)
			goto truncated;
		uint32_t rl = be32_get(buf + pos);
		if (rl == 0)
			break;
		if (rl > SVC_CHANGE_MAX) {
			free(r);
			return svc_errf(SVC_EDECODE,
			                "%s: change %zu: %u bytes, over the %d byte limit", path,
			                n + 1, rl, SVC_CHANGE_MAX);
		}
		if (len - pos - 4 < rl)
			goto truncated;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			record *nr = realloc(r, cap * sizeof *r);
			if (!nr) {
				free(r);
				return svc_errf(SVC_ENOMEM, "out of memory");
			}
			r = nr;
		}
		r[n].bytes = buf + pos + 4;
		r[n].len = rl;
		n++;
		pos += 4 + (size_t)rl;
	}
	if (len - pos != TRAILER_LEN)
		goto truncated;
	uint8_t hash[SVC_HASH_LEN];
	svc_hash(buf, pos, hash);
	if (be64_get(buf + pos + 4) != n || memcmp(hash, buf + pos + 12, SVC_HASH_LEN) != 0) {
		free(r);
		return svc_errf(SVC_EDECODE, "%s: damaged (trailer does not match the contents)",
		                path);
	}
	*recs = r;
	*nrecs = n;
	return 0;
truncated:
	free(r);
	return svc_errf(SVC_EDECODE, "%s: truncated (no complete trailer)", path);
}

typedef struct {
	const char *path;
	const record *recs;
	size_t n;
	size_t *pending; /* indexes of the changes still to apply, in file order */
	char (*blocked)[SVC_ID_LEN];
	size_t nblocked, cap_blocked;
	svc_import_stats st;
} importer;

static bool is_blocked(const importer *im, const char *origin)
{
	for (size_t i = 0; i < im->nblocked; i++)
		if (strcmp(im->blocked[i], origin) == 0)
			return true;
	return false;
}

static int block(importer *im, const char *origin)
{
	if (im->nblocked == im->cap_blocked) {
		size_t cap = im->cap_blocked ? im->cap_blocked * 2 : 16;
		char(*nb)[SVC_ID_LEN] = realloc(im->blocked, cap * sizeof *nb);
		if (!nb)
			return svc_errf(SVC_ENOMEM, "out of memory");
		im->blocked = nb;
		im->cap_blocked = cap;
	}
	snprintf(im->blocked[im->nblocked++], SVC_ID_LEN, "%s", origin);
	return 0;
}

/* 0 applied, 1 already present, 2 origin unknown (try again later), or an
 * error. */
static int import_one(svc_txn *t, importer *im, size_t i, const svc_self *self, const svc_change *c)
{
	uint8_t hash[SVC_HASH_LEN];
	svc_node n;
	/* HQ's certificates bootstrap the directory: the store verifies them
	 * against the HQ key from the enrollment bundle, not the directory. And
	 * a node knows itself even before its own certificate reaches its
	 * directory (its changes coming back in another node's export). */
	bool hq_cert = c->kind == SVC_CK_NODE_CERT && strcmp(c->origin, self->hq_node) == 0;
	bool own = strcmp(c->origin, self->node) == 0 && c->origin_role == self->role;
	if (!hq_cert && !own) {
		int rc = svc_node_get(t, c->origin, &n);
		if (rc == SVC_ENOTFOUND)
			return 2;
		if (rc)
			return rc;
	}
	int rc = svc_store_apply(t, im->recs[i].bytes, im->recs[i].len, c, hq_cert || own, hash);
	if (rc < 0)
		return svc_errctx(rc, "%s: change %zu", im->path, i + 1);
	if (rc == 1) {
		im->st.present++;
		return 1;
	}
	im->st.applied++;
	svc_logged_change *lc = malloc(sizeof *lc);
	if (!lc)
		return svc_errf(SVC_ENOMEM, "out of memory");
	rc = svc_change_get(t, c->origin, c->seq, lc, NULL, NULL);
	if (!rc && lc->rejected)
		im->st.rejected++;
	/* A revoked node's work above its cut-off enters only where HQ can
	 * review and release it: a file carrying it is refused whole, since
	 * nothing but the file vouches for where it came from. */
	if (!rc && lc->rejected &&
	    strncmp(lc->reason, SVC_HELD_PREFIX, sizeof SVC_HELD_PREFIX - 1) == 0)
		rc = svc_errf(SVC_EDENIED, "%s: change %zu (%s/%llu): %s", im->path, i + 1,
			      c->origin, (unsigned long long)c->seq, lc->reason);
	free(lc);
	return rc;
}

/*
 * One pass over the pending changes. Once a change of some origin has to
 * wait, every later change of that origin waits with it, so each origin's
 * changes are still applied in seq order and its hash chain is checked link
 * by link.
 */
static int import_pass(svc_txn *t, importer *im, const svc_self *self, svc_change *c,
                       size_t npending, size_t *left)
{
	*left = 0;
	im->nblocked = 0;
	for (size_t k = 0; k < npending; k++) {
		size_t i = im->pending[k];
		int rc = svc_change_decode(im->recs[i].bytes, im->recs[i].len, c);
		if (rc)
			return svc_errctx(rc, "%s: change %zu", im->path, i + 1);
		if (!is_blocked(im, c->origin)) {
			rc = import_one(t, im, i, self, c);
			if (rc < 0)
				return rc;
			if (rc != 2)
				continue;
			rc = block(im, c->origin);
			if (rc)
				return rc;
		}
		im->pending[(*left)++] = i;
	}
	return 0;
}

static int import_fn(svc_txn *t, void *arg)
{
	importer *im = arg;
	svc_self self;
	size_t npending = im->n, left;
	int rc = svc_self_get(t, &self);
	if (rc)
		return rc;
	if (!self.enrolled)
		return svc_errf(SVC_EDENIED,
		                "%s: node %s is not enrolled yet; accept its bundle first "
		                "(svcsync enroll accept), which gives it HQ's key",
		                im->path, self.node);
	memset(&im->st, 0, sizeof im->st);
	im->st.total = im->n;
	for (size_t i = 0; i < im->n; i++)
		im->pending[i] = i;
	svc_change *c = malloc(sizeof *c);
	if (!c)
		return svc_errf(SVC_ENOMEM, "out of memory");
	while (!rc && npending > 0) {
		rc = import_pass(t, im, &self, c, npending, &left);
		if (!rc && left == npending) {
			size_t first = im->pending[0];
			svc_change_decode(im->recs[first].bytes, im->recs[first].len, c);
			rc = svc_errf(SVC_EDENIED,
			              "%s: %zu changes from nodes this node has no certificate for "
			              "(first: change %zu, %s/%llu); import the directory first "
			              "(an export from HQ)",
			              im->path, left, first + 1, c->origin,
			              (unsigned long long)c->seq);
		}
		npending = left;
	}
	free(c);
	return rc;
}

int svc_offline_import(svc_store *s, const char *path, svc_import_stats *stats)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	record *recs = NULL;
	importer im;
	int rc;

	memset(&im, 0, sizeof im);
	if (stats)
		memset(stats, 0, sizeof *stats);
	rc = read_file(path, &buf, &len);
	if (!rc)
		rc = parse_file(path, buf, len, &recs, &im.n);
	if (!rc) {
		im.path = path;
		im.recs = recs;
		im.pending = malloc((im.n ? im.n : 1) * sizeof *im.pending);
		if (!im.pending)
			rc = svc_errf(SVC_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = svc_store_write(s, import_fn, &im);
	if (!rc && stats)
		*stats = im.st;
	free(im.pending);
	free(im.blocked);
	free(recs);
	free(buf);
	return rc;
}

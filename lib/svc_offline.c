/*
 * svc_offline: signed export files. See svc_offline.h for the format, the
 * trust rules and why an import never moves a link's checkpoint.
 *
 * Export is the daemon's sending side run into a file: svc_sync_build is
 * called with the target's peer view until it has scanned the whole log, and
 * each BATCH it encodes is written as it comes, so memory stays at one batch
 * whatever the store's size. A local change written while the export runs is
 * signed when the build reaches it (the build stops at unsigned local work).
 *
 * Import reads the whole file, checks its framing, the signed header, the
 * signer and the content hash, then decodes every batch once to refuse a bad
 * one before anything is applied, and finally applies them in order through
 * svc_sync_apply.
 */
#include "svc_offline.h"

#include "svc_err.h"
#include "svc_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC_LEN 8
/* An export file is read whole; refuse what cannot be one. */
#define IMPORT_MAX ((size_t)1 << 34)
/* The first export format carried no signatures; it is refused by name. */
#define OLD_MAGIC "SVCCHG1\n"

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

/* ------------------------------------------------------------ links */

/* The upstream of `node` per the directory ("" when unknown). */
static void upstream_of(svc_txn *t, const char *node, char out[SVC_ID_LEN])
{
	svc_node n;
	out[0] = '\0';
	if (node[0] && svc_fold_node_get(t, node, &n) == 0)
		snprintf(out, SVC_ID_LEN, "%s", n.upstream);
	svc_errclear();
}

/* A certificate this node would still admit on a link. */
static int cert_usable(const svc_node *n, const char *what)
{
	uint64_t now = svc_journal_now_ms();
	if (n->revoked)
		return svc_errf(SVC_EDENIED, "%s %s is revoked (%s)", what, n->node,
		                n->revoke_reason);
	if (now < n->not_before || now > n->not_after)
		return svc_errf(SVC_EDENIED, "%s %s: its certificate is not valid now", what,
		                n->node);
	return 0;
}

/*
 * May this node (self) take a file from `signer`? The peers a link would
 * connect: this node's upstream (its key from the enrollment bundle, HQ's
 * too), or a node the daemon here would admit (its upstream is this node or
 * a node below it, key from its certificate). And HQ, the root this node
 * pinned at enrollment, from anywhere: a shop whose region was revoked
 * learns it, and what HQ sends it, only that way. Fills the key and
 * whether the signer is above this node.
 */
static int signer_linked(svc_txn *t, const svc_self *self, const char *signer,
                         uint8_t pk[SVC_PK_LEN], bool *upstream)
{
	svc_node n;
	int rc;

	if (strcmp(signer, self->node) == 0)
		return svc_errf(SVC_EDENIED, "signed by this node itself (%s), not by a peer",
		                signer);
	rc = svc_fold_node_get(t, signer, &n);
	if (rc && rc != SVC_ENOTFOUND)
		return rc;
	svc_errclear();
	if (strcmp(signer, self->upstream) == 0 || strcmp(signer, self->hq_node) == 0) {
		/* Known in the directory or not yet, its certificate must not be
		 * revoked or expired there. */
		if (rc == 0 && (rc = cert_usable(&n, "signer")))
			return rc;
		memcpy(pk,
		       strcmp(signer, self->hq_node) == 0 ? self->hq_pubkey : self->upstream_pubkey,
		       SVC_PK_LEN);
		*upstream = true;
		return 0;
	}
	if (rc == SVC_ENOTFOUND)
		return svc_errf(SVC_EDENIED, "signer %s is not in this node's directory", signer);
	if ((rc = cert_usable(&n, "signer")))
		return rc;
	char up[SVC_ID_LEN];
	upstream_of(t, n.upstream, up);
	if (strcmp(n.upstream, self->node) != 0 && strcmp(up, self->node) != 0)
		return svc_errf(SVC_EDENIED,
		                "signer %s is not linked to this node (its upstream is %s; "
		                "this node's upstream is %s)",
		                signer, n.upstream[0] ? n.upstream : "none",
		                self->upstream[0] ? self->upstream : "none");
	memcpy(pk, n.pubkey, SVC_PK_LEN);
	*upstream = false;
	return 0;
}

/* The mirror of signer_linked, judged at the exporting node: would `target`
 * take a file from this node? */
static int target_linked(svc_txn *t, const svc_self *self, const char *target, bool *upstream)
{
	svc_node n;
	char up[SVC_ID_LEN];
	int rc;

	if (strcmp(target, self->node) == 0)
		return svc_errf(SVC_EINVAL, "--for: %s is this node; export for a linked peer",
		                target);
	upstream_of(t, self->upstream, up);
	if (strcmp(target, self->upstream) == 0 || strcmp(target, up) == 0) {
		*upstream = true;
		return 0;
	}
	rc = svc_fold_node_get(t, target, &n);
	if (rc == SVC_ENOTFOUND)
		return svc_errf(rc, "--for: unknown node %s (not in this node's directory)",
		                target);
	if (rc)
		return rc;
	/* HQ may write for any node: every node takes files signed by the
	 * root it pinned (signer_linked). */
	if (strcmp(n.upstream, self->node) != 0 && self->role != SVC_ROLE_HQ)
		return svc_errf(SVC_EDENIED,
		                "--for: %s takes files only from a node it links to (its "
		                "upstream is %s), not from %s",
		                target, n.upstream[0] ? n.upstream : "none", self->node);
	if ((rc = cert_usable(&n, "--for: node")))
		return rc;
	*upstream = false;
	return 0;
}

/* ------------------------------------------------------------ writer */

struct svc_export_writer {
	FILE *f;
	char path[4096];
	char tmp[4200];
	svc_hash_state hs;
	size_t batches, changes;
	int err;
};

static int w_out(svc_export_writer *w, const void *p, size_t n, bool hashed)
{
	if (w->err)
		return w->err;
	if (hashed)
		svc_hash_update(&w->hs, p, n);
	if (fwrite(p, 1, n, w->f) != n)
		w->err = svc_errf(errno == ENOSPC ? SVC_EFULL : SVC_EIO, "%s: write: %s", w->path,
		                  strerror(errno));
	return w->err;
}

int svc_export_writer_open(svc_export_writer **out, const char *path)
{
	svc_export_writer *w;
	*out = NULL;
	if (strlen(path) >= sizeof w->path)
		return svc_errf(SVC_EINVAL, "%s: path too long", path);
	w = calloc(1, sizeof *w);
	if (!w)
		return svc_errf(SVC_ENOMEM, "out of memory");
	snprintf(w->path, sizeof w->path, "%s", path);
	snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
	int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = svc_errf(SVC_EIO, "%s: %s", w->tmp, strerror(errno));
		free(w);
		return rc;
	}
	w->f = fdopen(fd, "wb");
	if (!w->f) {
		int rc = svc_errf(SVC_EIO, "%s: %s", w->tmp, strerror(errno));
		close(fd);
		unlink(w->tmp);
		free(w);
		return rc;
	}
	svc_hash_init(&w->hs);
	*out = w;
	return w_out(w, SVC_OFFLINE_MAGIC, MAGIC_LEN, true);
}

int svc_export_writer_add(svc_export_writer *w, const uint8_t *msg, size_t len, size_t nchanges)
{
	uint8_t hdr[4];
	if (len == 0 || len > SVC_MSG_MAX)
		return svc_errf(SVC_EINVAL, "%s: a batch of %zu bytes cannot be written", w->path,
		                len);
	be32_put(hdr, (uint32_t)len);
	int rc = w_out(w, hdr, sizeof hdr, true);
	if (!rc)
		rc = w_out(w, msg, len, true);
	if (!rc) {
		w->batches++;
		w->changes += nchanges;
	}
	return rc;
}

void svc_export_writer_abort(svc_export_writer **wp)
{
	svc_export_writer *w = *wp;
	if (!w)
		return;
	fclose(w->f);
	unlink(w->tmp);
	free(w);
	*wp = NULL;
}

int svc_export_writer_close(svc_export_writer **wp, const svc_keypair *kp, svc_export_header *h)
{
	svc_export_writer *w = *wp;
	uint8_t body[SVC_EXPORT_HEADER_MAX], sig[SVC_SIG_LEN];
	uint8_t signed_buf[SVC_EXPORT_HEADER_MAX + 128], hdr[4];
	size_t blen, slen;

	h->version = SVC_EXPORT_VERSION;
	svc_hash_final(&w->hs, h->content_hash);
	h->batches = w->batches;
	h->changes = w->changes;
	int rc = svc_codec_export_header_encode(h, body, sizeof body, &blen);
	if (!rc) {
		svc_sign(kp, body, blen, sig);
		rc = svc_codec_signed_encode(body, blen, sig, signed_buf, sizeof signed_buf, &slen);
	}
	be32_put(hdr, 0);
	if (!rc)
		rc = w_out(w, hdr, sizeof hdr, false);
	be32_put(hdr, (uint32_t)(rc ? 0 : slen));
	if (!rc)
		rc = w_out(w, hdr, sizeof hdr, false);
	if (!rc)
		rc = w_out(w, signed_buf, slen, false);
	/* Durable before it replaces anything: the operator may carry the file
	 * away the moment the command returns. */
	if (!rc && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
		rc = svc_errf(errno == ENOSPC ? SVC_EFULL : SVC_EIO, "%s: %s", w->path,
		              strerror(errno));
	if (rc) {
		svc_export_writer_abort(wp);
		return rc;
	}
	int closed = fclose(w->f);
	w->f = NULL;
	if (closed != 0)
		rc = svc_errf(SVC_EIO, "%s: %s", w->path, strerror(errno));
	else if (rename(w->tmp, w->path) != 0)
		rc = svc_errf(SVC_EIO, "%s: %s", w->path, strerror(errno));
	if (rc)
		unlink(w->tmp);
	free(w);
	*wp = NULL;
	return rc;
}

/* ------------------------------------------------------------ export */

/* Batches as the daemon's defaults would make them, well under the limits
 * an importer enforces. */
static const svc_build_limits export_limits = {
    .max_changes = 4096,
    .max_bytes = 4u << 20,
    .max_scan = 1u << 20,
};

static int export_prepare(svc_store *s, const svc_keypair *kp, const char *for_node, svc_self *self,
                          svc_peer_view *pv)
{
	svc_txn *t;
	bool up = false;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_self_get(t, self);
	if (!rc && !self->enrolled)
		rc = svc_errf(SVC_EDENIED,
		              "node %s is not enrolled yet: no peer could verify its export",
		              self->node);
	if (!rc && memcmp(kp->pk, self->pubkey, SVC_PK_LEN) != 0)
		rc = svc_errf(SVC_EKEY, "the key given is not node %s's key", self->node);
	if (!rc)
		rc = target_linked(t, self, for_node, &up);
	if (!rc)
		rc = svc_sync_peer_view(t, for_node, up, pv);
	svc_txn_abort(&t);
	return rc;
}

int svc_offline_export(svc_store *s, const svc_keypair *kp, const char *for_node, const char *path,
                       svc_export_stats *st)
{
	svc_export_stats z;
	svc_export_writer *w = NULL;
	svc_peer_view pv;
	svc_self self;
	uint64_t after = 0, id = 0, stuck_at = UINT64_MAX;
	size_t made;
	int rc;

	if (!st)
		st = &z;
	memset(st, 0, sizeof *st);
	if (!for_node || !for_node[0])
		return svc_errf(SVC_EINVAL, "--for: the node the file is for is required");
	rc = export_prepare(s, kp, for_node, &self, &pv);
	if (!rc)
		rc = svc_sync_commit_local(s, kp, &made);
	if (rc)
		return rc;
	st->commits = made;
	rc = svc_export_writer_open(&w, path);
	while (!rc) {
		svc_build_result res;
		uint8_t *msg = NULL;
		size_t len = 0;
		rc = svc_sync_build(s, &pv, after, NULL, &export_limits, ++id, &msg, &len, &res);
		if (!rc && msg && res.nchanges)
			rc = svc_export_writer_add(w, msg, len, res.nchanges);
		free(msg);
		if (rc)
			break;
		after = res.to_lsn;
		if (res.blocked) {
			/* Written since the export started: sign it too. */
			rc = svc_sync_commit_local(s, kp, &made);
			st->commits += made;
			/* Nothing to sign means the daemon signed it meanwhile;
			 * stuck twice at the same place means it cannot be. */
			if (!rc && made == 0 && stuck_at == after)
				rc = svc_errf(SVC_ESTORE,
				              "a local change after lsn %llu cannot be signed",
				              (unsigned long long)after);
			stuck_at = after;
			continue;
		}
		if (!res.more)
			break;
	}
	if (rc) {
		svc_export_writer_abort(&w);
		return rc;
	}
	svc_export_header h;
	memset(&h, 0, sizeof h);
	snprintf(h.signer, sizeof h.signer, "%s", self.node);
	snprintf(h.target, sizeof h.target, "%s", for_node);
	memcpy(h.store_id, self.store_id, sizeof h.store_id);
	h.created_ms = svc_journal_now_ms();
	rc = svc_export_writer_close(&w, kp, &h);
	if (rc)
		return rc;
	st->batches = h.batches;
	st->changes = h.changes;
	return 0;
}

/* ------------------------------------------------------------ import */

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

typedef struct {
	const char *path;
	const uint8_t *buf;
	size_t len;
	svc_blob *frames; /* the BATCH envelopes, pointing into buf */
	size_t nframes;
	svc_export_header h;
	const uint8_t *hbody; /* the signed header bytes and their signature */
	size_t hbody_len;
	uint8_t sig[SVC_SIG_LEN];
} export_file;

/* Framing, trailer and content hash; nothing inside a batch is read. */
static int parse_file(export_file *x)
{
	const uint8_t *buf = x->buf;
	size_t len = x->len, pos = MAGIC_LEN, cap = 0;

	if (len >= MAGIC_LEN && memcmp(buf, OLD_MAGIC, MAGIC_LEN) == 0)
		return svc_errf(SVC_EDECODE,
		                "%s: an unsigned export file of an older svcsync; export it "
		                "again (files are signed now)",
		                x->path);
	if (len < MAGIC_LEN + 8 || memcmp(buf, SVC_OFFLINE_MAGIC, MAGIC_LEN) != 0)
		return svc_errf(SVC_EDECODE, "%s: not an svcsync export file", x->path);
	for (;;) {
		if (len - pos < 4)
			goto truncated;
		uint32_t rl = be32_get(buf + pos);
		if (rl == 0)
			break;
		if (rl > SVC_MSG_MAX)
			return svc_errf(SVC_EDECODE,
			                "%s: batch %zu: %u bytes, over the %u byte limit", x->path,
			                x->nframes + 1, rl, SVC_MSG_MAX);
		if (len - pos - 4 < rl)
			goto truncated;
		if (x->nframes == cap) {
			cap = cap ? cap * 2 : 64;
			svc_blob *nf = realloc(x->frames, cap * sizeof *nf);
			if (!nf)
				return svc_errf(SVC_ENOMEM, "out of memory");
			x->frames = nf;
		}
		x->frames[x->nframes].data = buf + pos + 4;
		x->frames[x->nframes].len = rl;
		x->nframes++;
		pos += 4 + (size_t)rl;
	}
	size_t content_end = pos;
	pos += 4;
	if (len - pos < 4)
		goto truncated;
	uint32_t hl = be32_get(buf + pos);
	pos += 4;
	if (hl == 0 || hl > SVC_COMMIT_MAX || len - pos < hl)
		goto truncated;
	if (len - pos != hl)
		return svc_errf(SVC_EDECODE, "%s: %zu bytes after the signed header", x->path,
		                len - pos - hl);
	if (svc_codec_signed_decode(buf + pos, hl, &x->hbody, &x->hbody_len, x->sig) ||
	    svc_codec_export_header_decode(x->hbody, x->hbody_len, &x->h))
		return svc_errf(SVC_EDECODE, "%s: header: %s", x->path, svc_errmsg());
	uint8_t hash[SVC_HASH_LEN];
	svc_hash(buf, content_end, hash);
	if (memcmp(hash, x->h.content_hash, SVC_HASH_LEN) != 0 || x->h.batches != x->nframes)
		return svc_errf(SVC_EDECODE,
		                "%s: damaged (the content does not match its signed header)",
		                x->path);
	return 0;
truncated:
	return svc_errf(SVC_EDECODE, "%s: truncated (no complete signed header)", x->path);
}

/* The file's signer, target and signature, judged at this node. Fills the
 * peer view the batches are applied with and the store id this node holds
 * for that peer. */
static int check_signer(svc_store *s, export_file *x, svc_peer_view *pv, uint8_t store_id[16])
{
	svc_txn *t;
	svc_self self;
	svc_peer p;
	uint8_t pk[SVC_PK_LEN];
	bool up = false;
	int rc = svc_txn_begin(s, false, &t);
	if (rc)
		return rc;
	rc = svc_self_get(t, &self);
	if (!rc && !self.enrolled)
		rc = svc_errf(SVC_EDENIED,
		              "node %s is not enrolled yet; accept its bundle first "
		              "(svcsync enroll accept), which gives it HQ's key",
		              self.node);
	if (!rc && strcmp(x->h.target, self.node) != 0)
		rc = svc_errf(SVC_EDENIED, "the file is for %s, not for this node (%s)",
		              x->h.target, self.node);
	if (!rc)
		rc = signer_linked(t, &self, x->h.signer, pk, &up);
	if (!rc && svc_verify(pk, x->hbody, x->hbody_len, x->sig) != 0)
		rc = svc_errf(SVC_ECRYPTO, "the signature does not verify with %s's key",
		              x->h.signer);
	if (!rc)
		rc = svc_sync_peer_view(t, x->h.signer, up, pv);
	if (!rc)
		rc = svc_peer_get(t, x->h.signer, &p);
	if (!rc)
		memcpy(store_id, p.store_id, 16);
	svc_txn_abort(&t);
	return rc ? svc_errctx(rc, "%s", x->path) : 0;
}

/* Every batch decodes and is one a link could carry; counts its changes. */
static int check_batches(export_file *x, size_t *changes)
{
	*changes = 0;
	for (size_t i = 0; i < x->nframes; i++) {
		svc_msg m;
		int rc = svc_codec_msg_decode(x->frames[i].data, x->frames[i].len, &m);
		if (rc)
			return svc_errctx(rc, "%s: batch %zu", x->path, i + 1);
		bool ok = m.type == SVC_MSG_BATCH && m.u.batch.nchanges <= SVC_BATCH_CHANGES_MAX &&
		          m.u.batch.ncommits <= SVC_BATCH_COMMITS_MAX;
		*changes += ok ? m.u.batch.nchanges : 0;
		svc_codec_msg_free(&m);
		if (!ok)
			return svc_errf(SVC_EDECODE,
			                "%s: batch %zu: not a batch a link could carry", x->path,
			                i + 1);
	}
	if (*changes != x->h.changes)
		return svc_errf(SVC_EDECODE, "%s: %zu changes, its header says %llu", x->path,
		                *changes, (unsigned long long)x->h.changes);
	return 0;
}

static int apply_batches(svc_store *s, export_file *x, const svc_peer_view *pv,
                         const uint8_t store_id[16], svc_import_stats *st)
{
	for (size_t i = 0; i < x->nframes; i++) {
		svc_msg m;
		svc_sync_result res;
		int rc = svc_codec_msg_decode(x->frames[i].data, x->frames[i].len, &m);
		if (rc)
			return svc_errctx(rc, "%s: batch %zu", x->path, i + 1);
		svc_batch b = m.u.batch;
		/* A file's positions are not the link's: see svc_offline.h. */
		b.to_lsn = 0;
		rc = svc_sync_apply(s, pv, store_id, &b, &res);
		svc_codec_msg_free(&m);
		if (rc)
			return svc_errctx(rc, "%s: batch %zu", x->path, i + 1);
		st->batches++;
		st->applied += res.applied;
		st->present += res.duplicates;
		st->quarantined += res.quarantined;
		if (res.quarantined && !st->first_reason[0])
			snprintf(st->first_reason, sizeof st->first_reason, "%s", res.first_reason);
	}
	return 0;
}

int svc_offline_import(svc_store *s, const char *path, svc_import_stats *st)
{
	svc_import_stats z;
	export_file x;
	svc_peer_view pv;
	uint8_t store_id[16];
	uint8_t *buf = NULL;
	int rc;

	if (!st)
		st = &z;
	memset(st, 0, sizeof *st);
	memset(&x, 0, sizeof x);
	x.path = path;
	rc = read_file(path, &buf, &x.len);
	x.buf = buf;
	if (!rc)
		rc = parse_file(&x);
	if (!rc)
		rc = check_signer(s, &x, &pv, store_id);
	if (!rc) {
		snprintf(st->signer, sizeof st->signer, "%s", x.h.signer);
		rc = check_batches(&x, &st->total);
	}
	if (!rc)
		rc = apply_batches(s, &x, &pv, store_id, st);
	free(x.frames);
	free(buf);
	return rc;
}

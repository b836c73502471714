/*
 * fuzz_net: see fuzz_net.h. Set-up code: every failure aborts with the
 * library's detail, because a fuzz target on a half-built network would only
 * report noise.
 */
#include "fuzz_net.h"

#include "fuzz.h"
#include "svc_codec.h"
#include "svc_err.h"
#include "svc_identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MUST(call)                                                                                 \
	do {                                                                                       \
		if ((call) != 0) {                                                                 \
			fprintf(stderr, "fuzz_net: %s: %s\n", #call, svc_errmsg());                \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void enroll(fuzz_node *hq, fuzz_node *n)
{
	uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX];
	size_t rlen, blen;
	svc_approve_opts o = {n->upstream, "tcp://127.0.0.1:7700", 0};

	MUST(svc_enroll_make_request(n->s, n->kp, req, sizeof req, &rlen));
	MUST(svc_enroll_approve(hq->s, hq->kp, req, rlen, &o, bundle, sizeof bundle, &blen, NULL));
	MUST(svc_enroll_accept(n->s, bundle, blen, NULL));
}

void fuzz_net_create(const char *tag, fuzz_node net[FUZZ_NNODES])
{
	static const fuzz_node proto[FUZZ_NNODES] = {
	    {.id = "hq", .role = SVC_ROLE_HQ, .region = "", .upstream = ""},
	    {.id = "region-e", .role = SVC_ROLE_REGION, .region = "region-e", .upstream = "hq"},
	    {.id = "shop-a", .role = SVC_ROLE_SHOP, .region = "region-e", .upstream = "region-e"},
	};
	const char *base = fuzz_tmpdir(tag);

	MUST(svc_crypto_init());
	for (int i = 0; i < FUZZ_NNODES; i++) {
		fuzz_node *n = &net[i];
		svc_txn *t;
		svc_self self;

		*n = proto[i];
		n->idx = i;
		snprintf(n->dir, sizeof n->dir, "%s/%s", base, n->id);
		MUST(svc_identity_init(n->dir, n->id, n->role, n->region, &n->s));
		MUST(svc_identity_key(n->dir, &n->kp));
		if (i != FUZZ_HQ)
			enroll(&net[FUZZ_HQ], n);
		MUST(svc_txn_begin(n->s, false, &t));
		MUST(svc_self_get(t, &self));
		svc_txn_abort(&t);
		memcpy(n->store_id, self.store_id, sizeof n->store_id);
	}
	/* The directory flows down, so the region knows its shop and the
	 * shop its region, as after a first sync. */
	fuzz_net_ship(&net[FUZZ_HQ], &net[FUZZ_REGION], 4096, NULL, NULL);
	fuzz_net_ship(&net[FUZZ_REGION], &net[FUZZ_SHOP], 4096, NULL, NULL);
}

void fuzz_net_close(fuzz_node net[FUZZ_NNODES])
{
	for (int i = 0; i < FUZZ_NNODES; i++) {
		svc_store_close(&net[i].s);
		svc_keypair_destroy(&net[i].kp);
	}
}

int fuzz_net_view(fuzz_node *at, const fuzz_node *peer, svc_peer_view *pv)
{
	svc_txn *t;
	int rc = svc_txn_begin(at->s, false, &t);

	if (rc)
		return rc;
	rc = svc_sync_peer_view(t, peer->id, strcmp(at->upstream, peer->id) == 0, pv);
	svc_txn_abort(&t);
	return rc;
}

void fuzz_net_ship(fuzz_node *from, fuzz_node *to, size_t max_changes, fuzz_batch_fn each,
                   void *arg)
{
	svc_peer_view out_pv, in_pv;
	svc_build_limits lim = {max_changes, 1u << 20, 100000};

	MUST(svc_sync_commit_local(from->s, from->kp, NULL));
	MUST(fuzz_net_view(from, to, &out_pv));
	MUST(fuzz_net_view(to, from, &in_pv));
	for (uint64_t id = 1;; id++) {
		uint8_t *buf;
		size_t len;
		svc_build_result br;
		svc_sync_result ar;
		svc_msg m;

		MUST(svc_sync_build(from->s, &out_pv, from->sent[to->idx], NULL, &lim, id, &buf,
		                    &len, &br));
		if (!buf)
			break;
		if (each)
			each(buf, len, arg);
		MUST(svc_codec_msg_decode(buf, len, &m));
		FUZZ_CHECK(m.type == SVC_MSG_BATCH);
		MUST(svc_sync_apply(to->s, &in_pv, from->store_id, &m.u.batch, &ar));
		if (ar.quarantined) {
			fprintf(stderr, "fuzz_net: %s -> %s: %s\n", from->id, to->id,
			        ar.first_reason);
			abort();
		}
		svc_codec_msg_free(&m);
		free(buf);
		from->sent[to->idx] = br.to_lsn;
		if (!br.more)
			break;
	}
}

/* ------------------------------------------------------------ snapshots */

void fuzz_snapshot_take(fuzz_node *n, fuzz_snapshot *snap)
{
	char path[4400];
	FILE *f;
	long len = -1;

	svc_store_close(&n->s);
	snprintf(path, sizeof path, "%s/data.mdb", n->dir);
	f = fopen(path, "rb");
	FUZZ_CHECK(f != NULL);
	if (fseek(f, 0, SEEK_END) == 0)
		len = ftell(f);
	FUZZ_CHECK(len > 0 && fseek(f, 0, SEEK_SET) == 0);
	snap->data = malloc((size_t)len);
	FUZZ_CHECK(snap->data && fread(snap->data, 1, (size_t)len, f) == (size_t)len);
	snap->len = (size_t)len;
	fclose(f);
	snprintf(snap->dir, sizeof snap->dir, "%s-work", n->dir);
	FUZZ_CHECK(mkdir(snap->dir, 0700) == 0);
}

svc_store *fuzz_snapshot_open(const fuzz_snapshot *snap)
{
	char path[4400];
	svc_store *s;
	FILE *f;

	snprintf(path, sizeof path, "%s/data.mdb", snap->dir);
	f = fopen(path, "wb");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(snap->data, 1, snap->len, f) == snap->len);
	FUZZ_CHECK(fclose(f) == 0);
	MUST(svc_store_open(snap->dir, 0, &s));
	return s;
}

/* ------------------------------------------------------------ forging */

/* The hash change i must chain to; false when nothing precedes it. */
static bool chain_to(svc_txn *t, const fuzz_forged *f, size_t i, uint8_t out[SVC_HASH_LEN])
{
	const svc_change *c = &f->c[i];
	uint64_t head;

	for (size_t j = i; j-- > 0;) {
		if (f->ok[j] && f->c[j].seq + 1 == c->seq &&
		    strcmp(f->c[j].origin, c->origin) == 0) {
			memcpy(out, f->hash[j], SVC_HASH_LEN);
			return true;
		}
	}
	if (svc_journal_head_get(t, c->origin, &head, out) != 0) {
		svc_errclear();
		return false;
	}
	return head + 1 == c->seq;
}

void fuzz_forge(svc_store *s, const svc_blob *in, size_t n, fuzz_forged *f)
{
	static uint8_t enc[SVC_CHANGE_MAX];
	svc_txn *t;

	memset(f, 0, sizeof *f);
	f->n = n;
	/* One more than needed everywhere: calloc(0) may return NULL. */
	f->ok = calloc(n + 1, sizeof *f->ok);
	f->c = calloc(n + 1, sizeof *f->c);
	f->bytes = calloc(n + 1, sizeof *f->bytes);
	f->hash = calloc(n + 1, sizeof *f->hash);
	f->own = calloc(n + 1, sizeof *f->own);
	FUZZ_CHECK(f->ok && f->c && f->bytes && f->hash && f->own);
	MUST(svc_txn_begin(s, false, &t));
	for (size_t i = 0; i < n; i++) {
		size_t len;

		f->bytes[i] = in[i];
		if (svc_codec_change_decode(in[i].data, in[i].len, &f->c[i]) == 0) {
			f->ok[i] = true;
			chain_to(t, f, i, f->c[i].prev_hash);
			/* What decodes encodes (fuzz_change checks it). */
			MUST(svc_codec_change_encode(&f->c[i], enc, sizeof enc, &len));
			f->own[i] = malloc(len);
			FUZZ_CHECK(f->own[i] != NULL);
			memcpy(f->own[i], enc, len);
			f->bytes[i].data = f->own[i];
			f->bytes[i].len = len;
		}
		svc_hash(f->bytes[i].data, f->bytes[i].len, f->hash[i]);
	}
	svc_txn_abort(&t);
}

void fuzz_forged_free(fuzz_forged *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->own[i]);
	free(f->own);
	free(f->ok);
	free(f->c);
	free(f->bytes);
	free(f->hash);
	memset(f, 0, sizeof *f);
}

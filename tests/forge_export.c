/*
 * forge_export: what a shop's operator, holding the shop's directory and its
 * key, can write as an export file without HQ's key, for tests/cli_net_usb.sh.
 *
 *   forge_export --dir SHOP-DIR --claim CLAIM-ID --for REGION --out FILE
 *
 * FILE is a well-formed export file, correctly signed with the shop's own
 * key, addressed to REGION, holding one BATCH in which "HQ" approves the
 * claim for its full total and pays it: two changes with origin HQ, the next
 * seqs after the HQ changes the shop holds and chained to them, with a commit
 * header over both signed with the shop's key (HQ's key is not the shop's to
 * use). Everything but that commit signature is what HQ itself would write.
 *
 * Prints one line saying what it wrote; exit 0 when it wrote the file, 1 on
 * an error (one line on stderr), 2 on a usage error.
 */
#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_offline.h"
#include "svc_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(const char *why)
{
	fprintf(stderr, "forge_export: %s (see the comment at the top of forge_export.c)\n", why);
	exit(2);
}

static void must(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "forge_export: %s: %s\n", what, svc_errmsg());
		exit(1);
	}
}

/* HQ's decision `action` on the claim, as HQ would write it next. */
static void decision(svc_change *c, const svc_self *self, const svc_claim *cl, uint32_t action,
                     uint64_t seq, const uint8_t prev[SVC_HASH_LEN])
{
	memset(c, 0, sizeof *c);
	snprintf(c->origin, sizeof c->origin, "%s", self->hq_node);
	c->seq = seq;
	c->hlc = (svc_journal_now_ms() << 16) + seq;
	snprintf(c->aggregate, sizeof c->aggregate, "%s", cl->id);
	memcpy(c->prev_hash, prev, SVC_HASH_LEN);
	c->origin_role = SVC_ROLE_HQ;
	c->kind = SVC_CK_CLAIM_DECIDE;
	svc_claim_decide *b = &c->u.claim_decide;
	b->action = action;
	b->revision = cl->revision;
	b->claimed = cl->total;
	b->amount = cl->total;
	if (action == SVC_CA_PAY)
		snprintf(b->ref, sizeof b->ref, "FORGED-PAY");
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *claim = NULL, *target = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char **slot = !strcmp(argv[i], "--dir")     ? &dir
		                    : !strcmp(argv[i], "--claim") ? &claim
		                    : !strcmp(argv[i], "--for")   ? &target
		                    : !strcmp(argv[i], "--out")   ? &out
		                                                  : NULL;
		if (!slot || i + 1 == argc)
			usage("unknown option or missing value");
		*slot = argv[++i];
	}
	if (!dir || !claim || !target || !out)
		usage("--dir, --claim, --for and --out are required");
	if (svc_crypto_init())
		return 1;

	svc_store *s = NULL;
	svc_keypair *kp = NULL;
	svc_txn *t;
	svc_self self;
	svc_claim cl;
	uint64_t head;
	uint8_t prev[SVC_HASH_LEN];
	must(svc_store_open(dir, SVC_STORE_RDONLY, &s), dir);
	must(svc_identity_key(dir, &kp), "key");
	must(svc_txn_begin(s, false, &t), "read");
	must(svc_self_get(t, &self), "self");
	must(svc_fold_claim_get(t, claim, &cl), claim);
	must(svc_journal_head_get(t, self.hq_node, &head, prev), "HQ's head");
	svc_txn_abort(&t);

	static svc_change c[2];
	static uint8_t bytes[2][SVC_CHANGE_MAX];
	uint8_t hashes[2][SVC_HASH_LEN];
	size_t len[2];
	decision(&c[0], &self, &cl, SVC_CA_APPROVE, head + 1, prev);
	must(svc_codec_change_encode(&c[0], bytes[0], sizeof bytes[0], &len[0]), "approve");
	svc_hash(bytes[0], len[0], hashes[0]);
	decision(&c[1], &self, &cl, SVC_CA_PAY, head + 2, hashes[0]);
	must(svc_codec_change_encode(&c[1], bytes[1], sizeof bytes[1], &len[1]), "pay");
	svc_hash(bytes[1], len[1], hashes[1]);

	/* HQ's commit over both, signed with the shop's key. */
	svc_commit_header h;
	uint8_t hb[1024], sig[SVC_SIG_LEN], commit[2048];
	size_t hlen, clen;
	memset(&h, 0, sizeof h);
	snprintf(h.origin, sizeof h.origin, "%s", self.hq_node);
	h.first_seq = head + 1;
	h.last_seq = head + 2;
	h.nhashes = 2;
	h.hashes = hashes;
	must(svc_codec_commit_header_encode(&h, hb, sizeof hb, &hlen), "commit");
	svc_sign(kp, hb, hlen, sig);
	must(svc_codec_signed_encode(hb, hlen, sig, commit, sizeof commit, &clen), "commit");

	svc_blob ch[2] = {{bytes[0], len[0]}, {bytes[1], len[1]}}, cm = {commit, clen};
	svc_msg m;
	uint8_t *msg;
	size_t mlen;
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_BATCH;
	m.u.batch.id = 1;
	m.u.batch.nchanges = 2;
	m.u.batch.changes = ch;
	m.u.batch.ncommits = 1;
	m.u.batch.commits = &cm;
	must(svc_codec_msg_encode(&m, &msg, &mlen), "batch");

	svc_export_writer *w = NULL;
	svc_export_header eh;
	memset(&eh, 0, sizeof eh);
	snprintf(eh.signer, sizeof eh.signer, "%s", self.node);
	snprintf(eh.target, sizeof eh.target, "%s", target);
	memcpy(eh.store_id, self.store_id, sizeof eh.store_id);
	eh.created_ms = svc_journal_now_ms();
	must(svc_export_writer_open(&w, out), out);
	must(svc_export_writer_add(w, msg, mlen, 2), out);
	must(svc_export_writer_close(&w, kp, &eh), out);
	printf("wrote %s: signed by %s for %s; %s/%llu-%llu approve and pay %s (%lld fen)\n", out,
	       self.node, target, self.hq_node, (unsigned long long)(head + 1),
	       (unsigned long long)(head + 2), cl.id, (long long)cl.total);
	free(msg);
	svc_keypair_destroy(&kp);
	svc_store_close(&s);
	return 0;
}

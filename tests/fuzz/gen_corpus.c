/*
 * gen_corpus: write the seed corpora of the fuzz targets.
 *
 *   gen_corpus OUTDIR      writes OUTDIR/<target>/<seed> for every target
 *
 * Seeds are made with the real encoders on a real network (fuzz_net: hq,
 * region-e, shop-a) driven through a short working day: the directory and
 * catalog flow down, shop-a opens, works and claims tickets and moves parts,
 * and every BATCH shipped on the way is kept, with its changes and commits.
 * Hand-built values add what a day does not produce (every change kind with
 * every field at its longest, full commits, every message type) and a few
 * edge cases (empty, truncated, unknown fields) that decoders must refuse.
 *
 * It was run once to make tests/fuzz/corpus/ (keys and clocks differ on every
 * run, so its output is not reproducible byte for byte; the checked-in
 * corpus is the reference). It stays in the build, and ctest runs it into a
 * scratch directory, so that it keeps compiling and working as the encoders
 * change. Regression inputs found by fuzzing are added to the corpus by hand
 * (named crash-*, leak-*, timeout-*), not here.
 */
#include "fuzz.h"
#include "fuzz_net.h"

#include "svc_codec.h"
#include "svc_err.h"
#include "svc_identity.h"
#include "svc_local.h"
#include "svc_offline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MUST(call)                                                                                 \
	do {                                                                                       \
		if ((call) != 0) {                                                                 \
			fprintf(stderr, "gen_corpus: %s: %s\n", #call, svc_errmsg());              \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static const char *outdir;
static size_t written, total_bytes;

/* OUTDIR/<target>/<name>, where name is printf-formatted. */
static void put(const char *target, const uint8_t *data, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(const char *target, const uint8_t *data, size_t len, const char *fmt, ...)
{
	char dir[SVC_PATH_MAX], name[256], path[4500];
	va_list ap;
	FILE *f;

	snprintf(dir, sizeof dir, "%s/%s", outdir, target);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		fprintf(stderr, "gen_corpus: %s: cannot write\n", path);
		exit(1);
	}
	written++;
	total_bytes += len;
}

static void put_text(const char *target, const char *name, const char *text)
{
	put(target, (const uint8_t *)text, strlen(text), "%s", name);
}

/* A string of n copies of the UTF-8 character ch (n * strlen(ch) bytes). */
static void fill(char *dst, size_t cap, const char *ch)
{
	size_t w = strlen(ch), used = 0;

	while (used + w < cap) {
		memcpy(dst + used, ch, w);
		used += w;
	}
	dst[used] = '\0';
}

#define FILL(dst, ch) fill((dst), sizeof(dst), (ch))

/* ------------------------------------------------------------ the working day */

static size_t nbatch;

/* Every BATCH shipped: a seed for fuzz_msg and fuzz_apply, and its changes
 * and commits seeds for fuzz_change and fuzz_commit. */
static void keep_batch(const uint8_t *msg, size_t len, void *arg)
{
	const char *link = arg;
	svc_msg m;

	nbatch++;
	put("msg", msg, len, "batch-%s-%02zu", link, nbatch);
	put("apply", msg, len, "batch-%s-%02zu", link, nbatch);
	MUST(svc_codec_msg_decode(msg, len, &m));
	for (size_t i = 0; i < m.u.batch.nchanges; i++)
		put("change", m.u.batch.changes[i].data, m.u.batch.changes[i].len,
		    "real-%s-%02zu-%02zu", link, nbatch, i);
	for (size_t i = 0; i < m.u.batch.ncommits; i++)
		put("commit", m.u.batch.commits[i].data, m.u.batch.commits[i].len,
		    "real-%s-%02zu-%02zu", link, nbatch, i);
	svc_codec_msg_free(&m);
}

static void walk_in(svc_store *s, char id[SVC_AGG_LEN], const char *customer)
{
	svc_ticket_fields f = {
	    .kind = "repair",
	    .customer = customer,
	    .phone = "13800138000",
	    .address = "北京市朝阳区建国路 1 号",
	    .product = "AC-3000",
	    .serial = "SN-0042",
	    .purchased = "2025-06-01",
	    .fault = "no cooling",
	};
	MUST(svc_local_ticket_new(s, &f, id));
}

/* States as the folds wrote them. */
static int ticket_seed(const svc_ticket *t, void *arg)
{
	uint8_t buf[SVC_STATE_MAX];
	size_t len;
	(void)arg;
	MUST(svc_codec_ticket_encode(t, buf, sizeof buf, &len));
	put("state", buf, len, "ticket-%s", t->id);
	return 0;
}

static int claim_seed(const svc_claim *c, void *arg)
{
	uint8_t buf[SVC_STATE_MAX];
	size_t len;
	(void)arg;
	MUST(svc_codec_claim_encode(c, buf, sizeof buf, &len));
	put("state", buf, len, "claim-%s", c->id);
	return 0;
}

static int node_seed(const svc_node *n, void *arg)
{
	uint8_t buf[SVC_STATE_MAX];
	size_t len;
	(void)arg;
	MUST(svc_codec_node_encode(n, buf, sizeof buf, &len));
	put("state", buf, len, "node-%s", n->node);
	return 0;
}

static int stock_seed(const char *location, const char *part_no, const svc_stock *st, void *arg)
{
	uint8_t buf[SVC_STATE_MAX];
	size_t len;
	(void)arg;
	MUST(svc_codec_stock_encode(st, buf, sizeof buf, &len));
	put("state", buf, len, "stock-%s-%s", location, part_no);
	return 0;
}

static int catalog_seed(const svc_catalog_item *c, void *arg)
{
	uint8_t buf[SVC_STATE_MAX];
	size_t len;
	(void)arg;
	MUST(svc_codec_catalog_encode(c, buf, sizeof buf, &len));
	put("state", buf, len, "catalog-%s", c->part_no);
	return 0;
}

static int transfer_seed(const svc_transfer *x, void *arg)
{
	uint8_t buf[SVC_STATE_MAX];
	size_t len;
	(void)arg;
	MUST(svc_codec_transfer_encode(x, buf, sizeof buf, &len));
	put("state", buf, len, "transfer-%s", x->id);
	return 0;
}

static void working_day(fuzz_node net[FUZZ_NNODES])
{
	fuzz_node *hq = &net[FUZZ_HQ], *re = &net[FUZZ_REGION], *sa = &net[FUZZ_SHOP];
	char t1[SVC_AGG_LEN], t2[SVC_AGG_LEN], cid[SVC_AGG_LEN], xid[SVC_AGG_LEN];
	svc_txn *t;

	/* HQ: catalog and stock, shipped to the shop; down the tree. */
	MUST(svc_local_catalog_add(hq->s, "CMP-35", "压缩机 compressor", 35000));
	MUST(svc_local_part_receive(hq->s, "CMP-35", 20, "DN-2026-001"));
	MUST(svc_local_part_transfer(hq->s, "CMP-35", 5, "shop-a", xid));
	fuzz_net_ship(hq, re, 8, keep_batch, "hq-region");
	fuzz_net_ship(re, sa, 8, keep_batch, "region-shop");

	/* shop-a: two walk-ins, one worked through to a claim; parts used. */
	walk_in(sa->s, t1, "张三");
	walk_in(sa->s, t2, "Li Si");
	MUST(svc_local_part_receive_transfer(sa->s, xid, NULL, NULL));
	MUST(svc_local_ticket_status(sa->s, t1, SVC_TS_ACCEPTED, NULL));
	MUST(svc_local_ticket_note(sa->s, t1, "customer asks for a morning visit"));
	MUST(svc_local_ticket_status(sa->s, t1, SVC_TS_ON_SITE, NULL));
	MUST(svc_local_part_consume(sa->s, "CMP-35", 1, t1));
	MUST(svc_local_oldpart_ship(sa->s, "CMP-35", 1, t1, NULL));
	MUST(svc_local_part_adjust(sa->s, "CMP-35", -1, "found damaged in stock"));
	MUST(svc_local_ticket_status(sa->s, t1, SVC_TS_RESOLVED, NULL));
	svc_claim_request cr = {.ticket = t1, .labor = 8000, .travel = 2000, .nparts = 1};
	cr.parts[0].part_no = "CMP-35";
	cr.parts[0].qty = 1;
	MUST(svc_local_claim_submit(sa->s, &cr, cid, NULL, NULL));
	MUST(svc_local_ticket_status(sa->s, t2, SVC_TS_CANCELLED, "duplicate"));
	fuzz_net_ship(sa, re, 4, keep_batch, "shop-region");
	MUST(svc_local_ticket_callback(re->s, t1, 5, "很满意"));
	fuzz_net_ship(re, hq, 64, keep_batch, "region-hq");

	/* The region audits, HQ approves and pays; the decisions go down. */
	MUST(svc_local_claim_decide(re->s, cid, SVC_CA_AUDIT, 0, NULL, NULL));
	fuzz_net_ship(re, hq, 64, keep_batch, "region-hq");
	MUST(svc_local_claim_decide(hq->s, cid, SVC_CA_APPROVE, 9000, "核减路费", NULL));
	MUST(svc_local_claim_decide(hq->s, cid, SVC_CA_PAY, 0, NULL, "PAY-2026-11-0001"));
	fuzz_net_ship(hq, re, 64, keep_batch, "hq-region");
	fuzz_net_ship(re, sa, 64, keep_batch, "region-shop");

	MUST(svc_txn_begin(hq->s, false, &t));
	MUST(svc_fold_ticket_each(t, ticket_seed, NULL));
	MUST(svc_fold_claim_each(t, claim_seed, NULL));
	MUST(svc_fold_node_each(t, node_seed, NULL));
	MUST(svc_fold_stock_each(t, NULL, stock_seed, NULL));
	MUST(svc_fold_catalog_each(t, catalog_seed, NULL));
	MUST(svc_fold_transfer_each(t, transfer_seed, NULL));
	svc_txn_abort(&t);
}

/* ------------------------------------------------------------ protocol messages */

static void put_msg(const char *name, const svc_msg *m)
{
	uint8_t *buf;
	size_t len;

	MUST(svc_codec_msg_encode(m, &buf, &len));
	put("msg", buf, len, "%s", name);
	if (m->type == SVC_MSG_BATCH)
		put("apply", buf, len, "%s", name);
	free(buf);
}

static void messages(fuzz_node net[FUZZ_NNODES])
{
	svc_msg m;
	svc_heads heads;
	svc_txn *t;
	uint8_t *buf;
	size_t len;

	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_HELLO;
	m.u.hello.version = SVC_PROTO_VERSION;
	snprintf(m.u.hello.node, sizeof m.u.hello.node, "shop-a");
	memcpy(m.u.hello.store_id, net[FUZZ_SHOP].store_id, SVC_STORE_ID_LEN);
	m.u.hello.hlc = svc_journal_now_ms() << 16;
	put_msg("hello-first", &m);

	MUST(svc_txn_begin(net[FUZZ_HQ].s, false, &t));
	MUST(svc_sync_heads(t, &heads));
	svc_txn_abort(&t);
	m.u.hello.checkpoint = 17;
	m.u.hello.has_your_store_id = true;
	memcpy(m.u.hello.your_store_id, net[FUZZ_HQ].store_id, SVC_STORE_ID_LEN);
	m.u.hello.nheads = heads.n;
	m.u.hello.heads = heads.heads;
	put_msg("hello-heads", &m);
	svc_heads_free(&heads);

	/* Unsorted, duplicated and longest origins: the receiver sorts. */
	svc_origin_head odd[4];
	memset(odd, 0, sizeof odd);
	FILL(odd[0].origin, "z");
	odd[0].seq = UINT64_MAX;
	snprintf(odd[1].origin, sizeof odd[1].origin, "shop-a");
	odd[1].seq = 3;
	snprintf(odd[2].origin, sizeof odd[2].origin, "shop-a");
	odd[2].seq = 1;
	odd[3].seq = 9; /* empty origin */
	m.u.hello.nheads = 4;
	m.u.hello.heads = odd;
	put_msg("hello-odd-heads", &m);

	/* The sender's log head: the bound of the batches that follow. */
	m.u.hello.nheads = 0;
	m.u.hello.heads = NULL;
	m.u.hello.log_head = UINT64_MAX;
	put_msg("hello-log-head", &m);

	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_BATCH;
	m.u.batch.id = 1;
	m.u.batch.to_lsn = 42;
	put_msg("batch-empty", &m);

	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_ACK;
	m.u.ack.id = 7;
	m.u.ack.to_lsn = 1234;
	m.u.ack.applied = 60;
	m.u.ack.duplicates = 3;
	m.u.ack.quarantined = 1;
	put_msg("ack", &m);

	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_PING;
	m.u.ping.hlc = UINT64_MAX;
	put_msg("ping", &m);
	m.u.ping.log_head = 1ULL << 62;
	put_msg("ping-log-head", &m);

	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_ERROR;
	m.u.error.code = (uint32_t)-SVC_EVERSION;
	FILL(m.u.error.text, "版");
	put_msg("error-longest", &m);

	/* Edge cases the decoder must refuse. */
	put("msg", NULL, 0, "edge-empty");
	memset(&m, 0, sizeof m);
	m.type = SVC_MSG_PING;
	m.u.ping.hlc = 5;
	MUST(svc_codec_msg_encode(&m, &buf, &len));
	{
		uint8_t more[64];
		memcpy(more, buf, len);
		/* field 1000, varint: unknown to this version */
		more[len] = 0xc0;
		more[len + 1] = 0x3e;
		more[len + 2] = 0x01;
		put("msg", more, len + 3, "edge-ping-unknown-field");
		put("msg", buf, len - 1, "edge-ping-truncated");
	}
	free(buf);
}

/* ------------------------------------------------------------ changes */

static void put_change(const char *name, svc_change *c)
{
	uint8_t buf[SVC_CHANGE_MAX];
	size_t len;

	MUST(svc_codec_change_encode(c, buf, sizeof buf, &len));
	put("change", buf, len, "%s", name);
}

/* Every kind with every string at its longest (in multi-byte characters
 * where the field allows any text), and extreme numbers. */
static void changes(fuzz_node net[FUZZ_NNODES])
{
	static svc_change c;
	svc_self self;
	svc_txn *t;

	memset(&c, 0, sizeof c);
	FILL(c.origin, "s");
	c.seq = UINT64_MAX;
	c.hlc = UINT64_MAX;
	FILL(c.aggregate, "T");
	memset(c.prev_hash, 0xff, sizeof c.prev_hash);
	c.origin_role = SVC_ROLE_SHOP;
	FILL(c.origin_region, "r");

	c.kind = SVC_CK_TICKET_OPEN;
	c.u.ticket_open.kind = SVC_TK_EXCHANGE;
	FILL(c.u.ticket_open.customer, "张");
	FILL(c.u.ticket_open.phone, "9");
	FILL(c.u.ticket_open.address, "路");
	FILL(c.u.ticket_open.product, "P");
	FILL(c.u.ticket_open.serial, "S");
	c.u.ticket_open.purchased = 99991231;
	FILL(c.u.ticket_open.fault, "𝄞");
	FILL(c.u.ticket_open.region, "r");
	FILL(c.u.ticket_open.shop, "s");
	put_change("longest-ticket-open", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_ASSIGN;
	FILL(c.u.ticket_assign.shop, "s");
	put_change("longest-ticket-assign", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_STATUS;
	c.u.ticket_status.status = UINT32_MAX;
	FILL(c.u.ticket_status.reason, "é");
	put_change("longest-ticket-status", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_NOTE;
	FILL(c.u.ticket_note.text, "注");
	put_change("longest-ticket-note", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_CALLBACK;
	c.u.ticket_callback.satisfaction = 5;
	FILL(c.u.ticket_callback.note, "好");
	put_change("longest-ticket-callback", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CATALOG_PUT;
	FILL(c.u.catalog_put.part_no, "P");
	FILL(c.u.catalog_put.name, "件");
	c.u.catalog_put.price = INT64_MIN;
	put_change("longest-catalog-put", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_PART_MOVE;
	c.u.part_move.kind = SVC_MV_ADJUST;
	FILL(c.u.part_move.location, "l");
	FILL(c.u.part_move.part_no, "P");
	c.u.part_move.qty = INT64_MIN;
	FILL(c.u.part_move.ticket, "T");
	FILL(c.u.part_move.transfer, "X");
	FILL(c.u.part_move.peer, "p");
	FILL(c.u.part_move.reason, "因");
	put_change("longest-part-move", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CLAIM_SUBMIT;
	FILL(c.u.claim_submit.ticket, "T");
	c.u.claim_submit.revision = UINT32_MAX;
	c.u.claim_submit.labor = INT64_MAX;
	c.u.claim_submit.nparts = SVC_CLAIM_PARTS_MAX;
	for (int i = 0; i < SVC_CLAIM_PARTS_MAX; i++) {
		FILL(c.u.claim_submit.parts[i].part_no, "P");
		c.u.claim_submit.parts[i].qty = UINT32_MAX;
		c.u.claim_submit.parts[i].unit_price = INT64_MIN;
		c.u.claim_submit.parts[i].amount = INT64_MAX;
	}
	c.u.claim_submit.travel = -1;
	c.u.claim_submit.other = INT64_MIN;
	c.u.claim_submit.total = INT64_MAX;
	FILL(c.u.claim_submit.note, "注");
	FILL(c.u.claim_submit.region, "r");
	put_change("longest-claim-submit", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CLAIM_DECIDE;
	c.u.claim_decide.action = SVC_CA_PAY;
	c.u.claim_decide.revision = 1;
	c.u.claim_decide.amount = INT64_MAX;
	FILL(c.u.claim_decide.reason, "拒");
	FILL(c.u.claim_decide.ref, "R");
	c.u.claim_decide.claimed = INT64_MIN;
	put_change("longest-claim-decide", &c);

	/* policy */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_POLICY_SET;
	c.u.policy_set.version = UINT32_MAX;
	c.u.policy_set.from = 99991231;
	c.u.policy_set.nentries = SVC_POLICY_ENTRIES_MAX;
	for (int i = 0; i < SVC_POLICY_ENTRIES_MAX; i++) {
		FILL(c.u.policy_set.entries[i].key, "k");
		FILL(c.u.policy_set.entries[i].value, "值");
	}
	put_change("longest-policy-set", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_REGION_GRADE;
	FILL(c.u.region_grade.region, "r");
	c.u.region_grade.grade = UINT32_MAX;
	put_change("longest-region-grade", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_MODEL_PUT;
	FILL(c.u.model_put.model, "M");
	FILL(c.u.model_put.category, "c");
	put_change("longest-model-put", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_FAULT_CODE_PUT;
	FILL(c.u.fault_code_put.code, "E");
	FILL(c.u.fault_code_put.category, "c");
	FILL(c.u.fault_code_put.text, "漏");
	put_change("longest-fault-code-put", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_OVERRIDE;
	FILL(c.u.ticket_override.serial, "S");
	c.u.ticket_override.kind = UINT32_MAX;
	FILL(c.u.ticket_override.reason, "退");
	FILL(c.u.ticket_override.region, "r");
	FILL(c.u.ticket_override.shop, "s");
	put_change("longest-ticket-override", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_REJUDGE;
	c.u.ticket_rejudge.policy_version = UINT32_MAX;
	c.u.ticket_rejudge.grade = UINT32_MAX;
	c.u.ticket_rejudge.warranty_until = UINT32_MAX;
	c.u.ticket_rejudge.onsite_hours = UINT32_MAX;
	put_change("longest-ticket-rejudge", &c);
	/* complaints */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_COMPLAINT_OPEN;
	FILL(c.u.complaint_open.region, "r");
	FILL(c.u.complaint_open.shop, "s");
	FILL(c.u.complaint_open.ticket, "T");
	FILL(c.u.complaint_open.customer_id, "C");
	FILL(c.u.complaint_open.category, "𠀀");
	c.u.complaint_open.severity = UINT32_MAX;
	c.u.complaint_open.channel = UINT32_MAX;
	FILL(c.u.complaint_open.text, "诉");
	c.u.complaint_open.policy_version = UINT32_MAX;
	c.u.complaint_open.days = UINT32_MAX;
	c.u.complaint_open.opened_on = UINT32_MAX;
	put_change("longest-complaint-open", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_COMPLAINT_STATUS;
	c.u.complaint_status.status = UINT32_MAX;
	c.u.complaint_status.finding = UINT32_MAX;
	FILL(c.u.complaint_status.responsible, "s");
	FILL(c.u.complaint_status.remedy, "赔");
	put_change("longest-complaint-status", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_COMPLAINT_NOTE;
	FILL(c.u.complaint_note.text, "记");
	put_change("longest-complaint-note", &c);
	c.kind = SVC_CK_COMPLAINT_STATEMENT;
	put_change("longest-complaint-statement", &c);
	/* out-of-warranty work */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_CHARGE;
	c.u.ticket_charge.labor = INT64_MAX;
	c.u.ticket_charge.nparts = SVC_CLAIM_PARTS_MAX;
	for (int i = 0; i < SVC_CLAIM_PARTS_MAX; i++) {
		FILL(c.u.ticket_charge.parts[i].part_no, "P");
		c.u.ticket_charge.parts[i].qty = UINT32_MAX;
		c.u.ticket_charge.parts[i].unit_price = INT64_MIN;
		c.u.ticket_charge.parts[i].amount = INT64_MAX;
	}
	c.u.ticket_charge.travel = INT64_MIN;
	c.u.ticket_charge.total = INT64_MAX;
	put_change("longest-ticket-charge", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CLAIM_ALLOW;
	FILL(c.u.claim_allow.reason, "准");
	put_change("longest-claim-allow", &c);
	/* labor operations, tariff, price history; claim lines */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_LABOR_PUT;
	FILL(c.u.labor_put.code, "C");
	FILL(c.u.labor_put.category, "c");
	c.u.labor_put.minutes = UINT32_MAX;
	FILL(c.u.labor_put.text, "换");
	put_change("longest-labor-put", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TARIFF_SET;
	c.u.tariff_set.kind = UINT32_MAX;
	c.u.tariff_set.grade = UINT32_MAX;
	c.u.tariff_set.fen_per_hour = INT64_MIN;
	c.u.tariff_set.max_km = UINT32_MAX;
	c.u.tariff_set.fen = INT64_MIN;
	put_change("longest-tariff-set", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CATALOG_PRICE;
	FILL(c.u.catalog_price.part_no, "P");
	c.u.catalog_price.price = INT64_MIN;
	c.u.catalog_price.from = UINT64_MAX;
	put_change("longest-catalog-price", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CLAIM_SUBMIT;
	FILL(c.u.claim_submit.ticket, "t");
	c.u.claim_submit.nops = SVC_CLAIM_OPS_MAX;
	for (int i = 0; i < SVC_CLAIM_OPS_MAX; i++) {
		FILL(c.u.claim_submit.ops[i].code, "C");
		c.u.claim_submit.ops[i].minutes = UINT32_MAX;
		c.u.claim_submit.ops[i].amount = INT64_MIN;
		c.u.claim_submit.ops[i].flags = UINT32_MAX;
	}
	c.u.claim_submit.nparts = SVC_CLAIM_PARTS_MAX;
	for (int i = 0; i < SVC_CLAIM_PARTS_MAX; i++) {
		FILL(c.u.claim_submit.parts[i].part_no, "P");
		c.u.claim_submit.parts[i].qty = UINT32_MAX;
		c.u.claim_submit.parts[i].unit_price = INT64_MIN;
		c.u.claim_submit.parts[i].amount = INT64_MAX;
	}
	c.u.claim_submit.distance_km = UINT32_MAX;
	c.u.claim_submit.travel_flags = UINT32_MAX;
	c.u.claim_submit.policy_version = UINT32_MAX;
	c.u.claim_submit.priced = true;
	FILL(c.u.claim_submit.note, "注");
	put_change("longest-claim-submit-lines", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CLAIM_DECIDE;
	c.u.claim_decide.action = SVC_CA_APPROVE;
	c.u.claim_decide.nlines = SVC_CLAIM_DECISIONS_MAX;
	for (int i = 0; i < SVC_CLAIM_DECISIONS_MAX; i++) {
		c.u.claim_decide.lines[i].line = UINT32_MAX;
		c.u.claim_decide.lines[i].amount = INT64_MIN;
		FILL(c.u.claim_decide.lines[i].reason, "𠀀");
	}
	FILL(c.u.claim_decide.repeat_of, "t");
	FILL(c.u.claim_decide.reason, "驳");
	put_change("longest-claim-decide-lines", &c);
	/* old parts: the longest step, and a record on its way back */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_OLD_PART;
	c.u.old_part.action = SVC_OP_RECEIVE;
	FILL(c.u.old_part.ticket, "T");
	FILL(c.u.old_part.part_no, "P");
	c.u.old_part.qty = INT64_MAX;
	c.u.old_part.reject = INT64_MAX;
	FILL(c.u.old_part.reason, "裂");
	FILL(c.u.old_part.shop, "s");
	FILL(c.u.old_part.region, "r");
	put_change("longest-old-part", &c);
	{
		static svc_old_part op;
		uint8_t sbuf[SVC_STATE_MAX];
		size_t slen;
		FILL(op.id, "O");
		FILL(op.ticket, "T");
		FILL(op.part_no, "P");
		FILL(op.shop, "s");
		FILL(op.region, "r");
		op.shipped = op.received = op.rejected = INT64_MAX;
		op.forwarded = op.hq_received = INT64_MIN;
		op.shipped_at = op.accepted_at = op.forwarded_at = UINT64_MAX;
		op.hq_received_at = op.waived = UINT64_MAX;
		FILL(op.waive_reason, "免");
		FILL(op.reject_reason, "裂");
		op.last.hlc = op.last.seq = UINT64_MAX;
		FILL(op.last.origin, "o");
		MUST(svc_codec_old_part_encode(&op, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "longest-old-part");
	}
	/* the shop's ledger: the longest run, confirmation and deduction */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_PAY_RUN;
	FILL(c.u.pay_run.ref, "付");
	c.u.pay_run.nclaims = SVC_PAY_RUN_CLAIMS_MAX;
	for (int i = 0; i < SVC_PAY_RUN_CLAIMS_MAX; i++) {
		FILL(c.u.pay_run.claims[i].claim, "C");
		c.u.pay_run.claims[i].amount = INT64_MIN;
	}
	c.u.pay_run.from = UINT64_MAX;
	c.u.pay_run.to = UINT64_MAX;
	c.u.pay_run.policy_version = UINT32_MAX;
	put_change("longest-pay-run", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_STATEMENT_CONFIRM;
	FILL(c.u.statement_confirm.invoice, "𠀀");
	put_change("longest-statement-confirm", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_LEDGER_DEDUCT;
	c.u.ledger_deduct.fen = INT64_MIN;
	FILL(c.u.ledger_deduct.reason, "扣");
	put_change("longest-ledger-deduct", &c);
	/* shops */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_SHOP_PUT;
	c.u.shop_put.apply = true;
	c.u.shop_put.fields = UINT32_MAX;
	FILL(c.u.shop_put.region, "r");
	FILL(c.u.shop_put.legal_name, "𠀀");
	FILL(c.u.shop_put.legal_rep, "王");
	FILL(c.u.shop_put.address, "路");
	FILL(c.u.shop_put.area, "区");
	FILL(c.u.shop_put.contact, "9");
	c.u.shop_put.type = UINT32_MAX;
	FILL(c.u.shop_put.tech_name, "李");
	FILL(c.u.shop_put.tech_qual, "级");
	c.u.shop_put.tech_drop = true;
	put_change("longest-shop-put", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_SHOP_STAGE;
	c.u.shop_stage.stage = UINT32_MAX;
	FILL(c.u.shop_stage.reason, "理");
	FILL(c.u.shop_stage.agreement, "协");
	c.u.shop_stage.valid_from = UINT32_MAX;
	c.u.shop_stage.valid_to = UINT32_MAX;
	FILL(c.u.shop_stage.region, "r");
	c.u.shop_stage.serial = UINT64_MAX;
	c.u.shop_stage.probation_until = UINT64_MAX;
	c.u.shop_stage.refused = true;
	put_change("longest-shop-stage", &c);
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_SHOP_ASSESS;
	c.u.shop_assess.period = UINT32_MAX;
	c.u.shop_assess.score = UINT32_MAX;
	c.u.shop_assess.complaints = UINT32_MAX;
	c.u.shop_assess.tickets = UINT32_MAX;
	c.u.shop_assess.callback_pm = UINT32_MAX;
	c.u.shop_assess.onsite_pm = UINT32_MAX;
	c.u.shop_assess.outcome = UINT32_MAX;
	FILL(c.u.shop_assess.reason, "考");
	put_change("longest-shop-assess", &c);
	{
		static svc_policy pol;
		uint8_t sbuf[SVC_STATE_MAX];
		size_t slen;
		pol.version = 2;
		pol.from = 20261205;
		pol.nentries = 2;
		snprintf(pol.entries[0].key, sizeof pol.entries[0].key, "onsite_hours.A");
		snprintf(pol.entries[0].value, sizeof pol.entries[0].value, "12");
		snprintf(pol.entries[1].key, sizeof pol.entries[1].key, "time_zone");
		snprintf(pol.entries[1].value, sizeof pol.entries[1].value, "Asia/Shanghai");
		pol.issued = 1733230000000ULL;
		MUST(svc_codec_policy_encode(&pol, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "policy-2");
		svc_model mod = {.model = "KFR-35GW", .category = "aircon"};
		MUST(svc_codec_model_encode(&mod, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "model-KFR-35GW");
		svc_fault_code fc = {.code = "E1", .category = "aircon", .text = "室内机漏水"};
		MUST(svc_codec_fault_code_encode(&fc, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "fault-code-aircon-E1");
		svc_override ov = {.serial = "SN-X",
		                   .kind = SVC_TK_RETURN,
		                   .reason = "质量问题，顾客已投诉三次",
		                   .region = "region-01",
		                   .shop = "shop-01-01",
		                   .at = 1733230000000ULL};
		MUST(svc_codec_override_encode(&ov, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "override-SN-X");
		/* complaints */
		svc_complaint k = {.id = "K-region-01-7",
		                   .region = "region-01",
		                   .shop = "shop-01-01",
		                   .customer_id = "C-region-01-6",
		                   .category = "服务态度",
		                   .severity = SVC_SEV_HIGH,
		                   .text = "师傅上门迟到两小时",
		                   .opened_by = "region-01",
		                   .days = 3,
		                   .opened_on = 20261203,
		                   .status = SVC_KS_CONCLUDED,
		                   .created = 1733230000000ULL,
		                   .deadline = 1733489200000ULL,
		                   .finding = SVC_KF_SUBSTANTIATED,
		                   .responsible = "shop-01-01",
		                   .notes = 2,
		                   .statements = 1};
		MUST(svc_codec_complaint_encode(&k, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "complaint-K-region-01-7");
		/* the shop's ledger: a month with a run, a deduction, a confirmation */
		static svc_statement y;
		snprintf(y.id, sizeof y.id, "Y:shop-01-01/2026-12");
		snprintf(y.shop, sizeof y.shop, "shop-01-01");
		y.month = 202612;
		y.nruns = 1;
		snprintf(y.runs[0].ref, sizeof y.runs[0].ref, "BANK-2026-12/1");
		y.runs[0].at = 1767300000000ULL;
		snprintf(y.runs[0].op, sizeof y.runs[0].op, "李出纳");
		y.runs[0].claims = 2;
		y.runs[0].total = 65000;
		y.npaid = 2;
		snprintf(y.paid[0].claim, sizeof y.paid[0].claim, "C-shop-01-01-4");
		y.paid[0].amount = 56000;
		snprintf(y.paid[1].claim, sizeof y.paid[1].claim, "C-shop-01-01-9");
		y.paid[1].amount = 9000;
		y.ndeductions = 1;
		y.deductions[0].fen = 1000;
		snprintf(y.deductions[0].reason, sizeof y.deductions[0].reason, "虚报工时");
		y.deductions[0].at = 1767200000000ULL;
		snprintf(y.invoice, sizeof y.invoice, "发票 44031234");
		snprintf(y.confirmed_op, sizeof y.confirmed_op, "张店长");
		y.confirmed = 1767400000000ULL;
		MUST(svc_codec_statement_encode(&y, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "statement-Y-shop-01-01-2026-12");
		/* shops */
		static svc_shop sh;
		snprintf(sh.id, sizeof sh.id, "H:shop-gz-0042");
		snprintf(sh.shop, sizeof sh.shop, "shop-gz-0042");
		snprintf(sh.region, sizeof sh.region, "region-south");
		snprintf(sh.legal_name, sizeof sh.legal_name, "广州市天河区华信家电维修有限公司");
		sh.type = SVC_SHOP_TYPE_SPECIAL;
		sh.ntechnicians = 1;
		snprintf(sh.technicians[0].name, sizeof sh.technicians[0].name, "陈师傅");
		snprintf(sh.technicians[0].qualification, sizeof sh.technicians[0].qualification,
		         "高级");
		sh.stage = SVC_SHOP_PROBATION;
		sh.nassessments = 1;
		sh.assessments[0].period = 202701;
		sh.assessments[0].score = 85;
		MUST(svc_codec_shop_encode(&sh, sbuf, sizeof sbuf, &slen));
		put("state", sbuf, slen, "shop-H-shop-gz-0042");
	}

	/* A real certificate (HQ's own, from its self record). */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_NODE_CERT;
	MUST(svc_txn_begin(net[FUZZ_HQ].s, false, &t));
	MUST(svc_self_get(t, &self));
	svc_txn_abort(&t);
	c.u.node_cert = self.cert;
	put_change("longest-node-cert", &c);
	c.u.node_cert.held_through = UINT64_MAX;
	put_change("longest-node-cert-held", &c);
	put("enroll", self.cert.body, self.cert.body_len, "cert-hq");

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_NODE_REVOKE;
	FILL(c.u.node_revoke.node, "n");
	FILL(c.u.node_revoke.reason, "撤");
	c.u.node_revoke.serial = UINT64_MAX;
	c.u.node_revoke.cutoff_seq = UINT64_MAX;
	put_change("longest-node-revoke", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_QUARANTINE_RELEASE;
	FILL(c.u.quarantine_release.origin, "n");
	FILL(c.u.quarantine_release.reason, "复");
	c.u.quarantine_release.through_seq = UINT64_MAX;
	put_change("longest-quarantine-release", &c);

	/* customer files and product units */
	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CUSTOMER_PUT;
	c.u.customer_put.fields = SVC_CF_ALL_;
	c.u.customer_put.tier = SVC_TIER_VIP;
	FILL(c.u.customer_put.name, "𠀀");
	for (int i = 0; i < SVC_PHONES_MAX; i++)
		FILL(c.u.customer_put.phones[i], "9");
	FILL(c.u.customer_put.address, "𠀀");
	put_change("longest-customer-put", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_CUSTOMER_MERGE;
	FILL(c.u.customer_merge.into, "C");
	put_change("longest-customer-merge", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_UNIT_PUT;
	c.u.unit_put.fields = SVC_UF_ALL_;
	FILL(c.u.unit_put.serial, "S");
	FILL(c.u.unit_put.model, "𠀀");
	c.u.unit_put.purchased = c.u.unit_put.installed = 99991231;
	FILL(c.u.unit_put.owner, "C");
	put_change("longest-unit-put", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_UNIT_MERGE;
	FILL(c.u.unit_merge.into, "U");
	put_change("longest-unit-merge", &c);

	memset(&c.u, 0, sizeof c.u);
	c.kind = SVC_CK_TICKET_OPEN;
	c.u.ticket_open.kind = SVC_TK_REPAIR;
	FILL(c.u.ticket_open.product, "P");
	FILL(c.u.ticket_open.fault, "𝄞");
	FILL(c.u.ticket_open.customer_id, "C");
	FILL(c.u.ticket_open.unit_id, "U");
	put_change("longest-ticket-open-customer", &c);

	/* The shortest change: every default left out but the hash. */
	memset(&c, 0, sizeof c);
	c.kind = SVC_CK_TICKET_NOTE;
	put_change("shortest-ticket-note", &c);
}

/* ------------------------------------------------------------ commits */

static void commits(fuzz_node net[FUZZ_NNODES])
{
	static uint8_t hashes[SVC_COMMIT_CHANGES_MAX][SVC_HASH_LEN];
	static uint8_t body[SVC_COMMIT_MAX], buf[SVC_COMMIT_MAX];
	svc_commit_header h;
	uint8_t sig[SVC_SIG_LEN];
	size_t blen, len;

	for (int i = 0; i < SVC_COMMIT_CHANGES_MAX; i++)
		svc_hash(&i, sizeof i, hashes[i]);
	memset(&h, 0, sizeof h);
	snprintf(h.origin, sizeof h.origin, "shop-a");
	h.first_seq = 1;
	h.last_seq = 3;
	h.nhashes = 3;
	h.hashes = hashes;
	MUST(svc_codec_commit_header_encode(&h, body, sizeof body, &blen));
	put("commit", body, blen, "bare-header");
	svc_sign(net[FUZZ_SHOP].kp, body, blen, sig);
	MUST(svc_codec_signed_encode(body, blen, sig, buf, sizeof buf, &len));
	put("commit", buf, len, "signed-3");
	put("commit", buf, len / 2, "edge-signed-truncated");

	/* The largest commit there may be, chained to a previous one. */
	FILL(h.origin, "o");
	h.first_seq = SVC_SEQ_MAX - SVC_COMMIT_CHANGES_MAX + 1;
	h.last_seq = SVC_SEQ_MAX;
	h.nhashes = SVC_COMMIT_CHANGES_MAX;
	h.has_prev = true;
	memset(h.prev_commit, 0xab, sizeof h.prev_commit);
	MUST(svc_codec_commit_header_encode(&h, body, sizeof body, &blen));
	svc_sign(net[FUZZ_SHOP].kp, body, blen, sig);
	MUST(svc_codec_signed_encode(body, blen, sig, buf, sizeof buf, &len));
	put("commit", buf, len, "signed-largest");
}

/* ------------------------------------------------------------ enrollment */

static void enrollment(fuzz_node net[FUZZ_NNODES])
{
	static svc_bundle b;
	char dir[4300];
	uint8_t req[SVC_ENROLL_MAX], bundle[SVC_ENROLL_MAX];
	const uint8_t *body;
	size_t rlen, blen, body_len;
	uint8_t sig[SVC_SIG_LEN];
	svc_store *s;
	svc_keypair *kp;
	svc_approve_opts o = {"region-e", "tcp://region-e.example.com:7700", 365};

	snprintf(dir, sizeof dir, "%s-shop-b", net[FUZZ_SHOP].dir);
	MUST(svc_identity_init(dir, "shop-b", SVC_ROLE_SHOP, "region-e", &s));
	MUST(svc_identity_key(dir, &kp));
	MUST(svc_enroll_make_request(s, kp, req, sizeof req, &rlen));
	put("enroll", req, rlen, "request");
	put("enroll", req, rlen - 3, "edge-request-truncated");
	MUST(svc_codec_signed_decode(req, rlen, &body, &body_len, sig));
	put("enroll", body, body_len, "request-body");
	MUST(svc_enroll_approve(net[FUZZ_HQ].s, net[FUZZ_HQ].kp, req, rlen, &o, bundle,
	                        sizeof bundle, &blen, NULL));
	put("enroll", bundle, blen, "bundle");
	MUST(svc_codec_signed_decode(bundle, blen, &body, &body_len, sig));
	put("enroll", body, body_len, "bundle-body");
	MUST(svc_codec_bundle_decode(body, body_len, &b));
	put("enroll", b.cert.body, b.cert.body_len, "cert-shop-b");
	svc_keypair_destroy(&kp);
	svc_store_close(&s);
}

/* ------------------------------------------------------------ states */

static void states(void)
{
	static svc_ticket tk;
	static svc_claim cl;
	static svc_node n;
	uint8_t buf[SVC_STATE_MAX];
	size_t len;

	memset(&tk, 0, sizeof tk);
	FILL(tk.id, "T");
	tk.kind = UINT32_MAX;
	FILL(tk.customer, "张");
	FILL(tk.phone, "1");
	FILL(tk.address, "路");
	FILL(tk.product, "P");
	FILL(tk.serial, "S");
	tk.purchased = UINT32_MAX;
	tk.in_warranty = true;
	FILL(tk.fault, "坏");
	FILL(tk.region, "r");
	FILL(tk.shop, "s");
	FILL(tk.opened_by, "o");
	tk.status = SVC_TS_CLOSED;
	tk.created = tk.first_response = tk.on_site = tk.resolved = tk.closed = UINT64_MAX;
	tk.callback_at = UINT64_MAX;
	tk.satisfaction = 5;
	FILL(tk.callback_note, "好");
	tk.notes = tk.reopened = UINT32_MAX;
	tk.updated = UINT64_MAX;
	tk.last.hlc = UINT64_MAX;
	FILL(tk.last.origin, "o");
	tk.last.seq = UINT64_MAX;
	MUST(svc_codec_ticket_encode(&tk, buf, sizeof buf, &len));
	put("state", buf, len, "longest-ticket");
	/* out-of-warranty work: the charges and HQ's leave */
	tk.charge_fen = INT64_MAX;
	tk.charges = UINT32_MAX;
	FILL(tk.claim_allow_reason, "准");
	FILL(tk.claim_allowed_by, "h");
	MUST(svc_codec_ticket_encode(&tk, buf, sizeof buf, &len));
	put("state", buf, len, "longest-ticket-charged");

	memset(&cl, 0, sizeof cl);
	FILL(cl.id, "C");
	FILL(cl.ticket, "T");
	FILL(cl.shop, "s");
	FILL(cl.region, "r");
	cl.revision = UINT32_MAX;
	cl.status = SVC_CS_PAID;
	cl.labor = INT64_MIN;
	cl.nparts = SVC_CLAIM_PARTS_MAX;
	for (int i = 0; i < SVC_CLAIM_PARTS_MAX; i++) {
		FILL(cl.parts[i].part_no, "P");
		cl.parts[i].qty = UINT32_MAX;
		cl.parts[i].unit_price = INT64_MAX;
		cl.parts[i].amount = INT64_MIN;
	}
	cl.travel = cl.other = cl.total = cl.approved = INT64_MAX;
	FILL(cl.reason, "因");
	FILL(cl.pay_ref, "R");
	FILL(cl.audited_by, "a");
	FILL(cl.decided_by, "d");
	cl.submitted = cl.audited = cl.decided = cl.paid = UINT64_MAX;
	FILL(cl.note, "注");
	FILL(cl.last.origin, "o");
	MUST(svc_codec_claim_encode(&cl, buf, sizeof buf, &len));
	put("state", buf, len, "longest-claim");
	/* claim lines: every operation, line decision and who decided */
	FILL(cl.decided_op, "𠀀");
	cl.nops = SVC_CLAIM_OPS_MAX;
	for (int i = 0; i < SVC_CLAIM_OPS_MAX; i++) {
		FILL(cl.ops[i].code, "C");
		cl.ops[i].minutes = cl.ops[i].flags = UINT32_MAX;
		cl.ops[i].amount = INT64_MIN;
	}
	cl.distance_km = cl.travel_flags = cl.policy_version = UINT32_MAX;
	cl.nlines = SVC_CLAIM_LINES_MAX;
	for (int i = 0; i < SVC_CLAIM_LINES_MAX; i++) {
		cl.lines[i].has_proposal = true;
		cl.lines[i].proposed = cl.lines[i].approved = INT64_MIN;
	}
	FILL(cl.repeat_of, "t");
	cl.priced = true;
	MUST(svc_codec_claim_encode(&cl, buf, sizeof buf, &len));
	put("state", buf, len, "longest-claim-lines");

	memset(&n, 0, sizeof n);
	FILL(n.node, "n");
	n.role = SVC_ROLE_SHOP;
	FILL(n.region, "r");
	FILL(n.upstream, "u");
	memset(n.pubkey, 0x5a, sizeof n.pubkey);
	n.not_before = 1;
	n.not_after = UINT64_MAX;
	n.serial = UINT64_MAX;
	n.revoked = true;
	FILL(n.revoke_reason, "撤");
	n.revoked_hlc = UINT64_MAX;
	n.cutoff_seq = UINT64_MAX;
	MUST(svc_codec_node_encode(&n, buf, sizeof buf, &len));
	put("state", buf, len, "longest-node");

	/* customer */
	static svc_customer cu;
	memset(&cu, 0, sizeof cu);
	FILL(cu.id, "C");
	FILL(cu.name, "𠀀");
	for (int i = 0; i < SVC_PHONES_MAX; i++)
		FILL(cu.phones[i], "9");
	FILL(cu.address, "𠀀");
	cu.tier = SVC_TIER_VIP;
	FILL(cu.region, "r");
	FILL(cu.created_by, "o");
	FILL(cu.merged_into, "C");
	cu.created = cu.merged = cu.updated = cu.last.hlc = cu.last.seq = UINT64_MAX;
	FILL(cu.last.origin, "o");
	MUST(svc_codec_customer_encode(&cu, buf, sizeof buf, &len));
	put("state", buf, len, "longest-customer");

	static svc_unit un;
	memset(&un, 0, sizeof un);
	FILL(un.id, "U");
	FILL(un.serial, "S");
	FILL(un.model, "𠀀");
	un.purchased = un.installed = UINT32_MAX;
	FILL(un.owner, "C");
	FILL(un.region, "r");
	FILL(un.created_by, "o");
	FILL(un.merged_into, "U");
	un.created = un.merged = un.updated = un.last.hlc = un.last.seq = UINT64_MAX;
	FILL(un.last.origin, "o");
	MUST(svc_codec_unit_encode(&un, buf, sizeof buf, &len));
	put("state", buf, len, "longest-unit");

	/* labor operations and the labor tariff */
	static svc_labor_op lo;
	static svc_tariff ta;
	FILL(lo.code, "C");
	FILL(lo.category, "c");
	lo.minutes = UINT32_MAX;
	FILL(lo.text, "换");
	FILL(lo.last.origin, "o");
	MUST(svc_codec_labor_encode(&lo, buf, sizeof buf, &len));
	put("state", buf, len, "longest-labor");
	ta.rates[1] = ta.rates[2] = ta.rates[3] = INT64_MIN;
	ta.nbands = SVC_TRAVEL_BANDS_MAX;
	for (int i = 0; i < SVC_TRAVEL_BANDS_MAX; i++) {
		ta.bands[i].max_km = UINT32_MAX;
		ta.bands[i].fen = INT64_MIN;
	}
	FILL(ta.last.origin, "o");
	MUST(svc_codec_tariff_encode(&ta, buf, sizeof buf, &len));
	put("state", buf, len, "longest-tariff");

	svc_stock st = {INT64_MIN, INT64_MAX, -1};
	MUST(svc_codec_stock_encode(&st, buf, sizeof buf, &len));
	put("state", buf, len, "extreme-stock");
	put("state", NULL, 0, "edge-empty");
}

/* ------------------------------------------------------------ export files */

static size_t read_back(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		exit(1);
	size_t len = fread(buf, 1, cap, f);
	fclose(f);
	return len;
}

static void exports(fuzz_node net[FUZZ_NNODES])
{
	static uint8_t buf[1 << 20];
	char path[4400];
	svc_export_stats st;
	svc_export_writer *w = NULL;
	svc_export_header h;
	size_t len;

	/* A real export, as svcsync export writes it: shop-a's work for its
	 * region. (The target's shop-a has another key, so as it is the file is
	 * refused on its signature; its batches are what the target forges.) */
	snprintf(path, sizeof path, "%s-export", net[FUZZ_SHOP].dir);
	MUST(svc_offline_export(net[FUZZ_SHOP].s, net[FUZZ_SHOP].kp, "region-e", path, &st));
	len = read_back(path, buf, sizeof buf);
	put("offline", buf, len, "export-shop-a");
	put("offline", buf, len - 1, "edge-header-cut");
	/* HQ's export for region-e: certificates, catalog, decisions. */
	snprintf(path, sizeof path, "%s-export", net[FUZZ_HQ].dir);
	MUST(svc_offline_export(net[FUZZ_HQ].s, net[FUZZ_HQ].kp, "region-e", path, &st));
	len = read_back(path, buf, sizeof buf);
	put("offline", buf, len, "export-hq");
	/* A file with no batches at all. */
	MUST(svc_export_writer_open(&w, path));
	memset(&h, 0, sizeof h);
	snprintf(h.signer, sizeof h.signer, "shop-a");
	snprintf(h.target, sizeof h.target, "region-e");
	MUST(svc_export_writer_close(&w, net[FUZZ_SHOP].kp, &h));
	len = read_back(path, buf, sizeof buf);
	put("offline", buf, len, "edge-no-batches");
	put("offline", (const uint8_t *)SVC_OFFLINE_MAGIC, 8, "edge-magic-only");
	put("offline", (const uint8_t *)"SVCCHG1\n\0\0\0\0", 12, "edge-old-format");
}

/* ------------------------------------------------------------ text inputs */

static void configs(void)
{
	put_text("config", "example",
	         "[node]\n"
	         "dir = /var/lib/svcsync/shop-gz-0042\n"
	         "listen = tcp://0.0.0.0:7700        ; where downstream nodes connect\n"
	         "\n"
	         "[sync]\n"
	         "batch_changes = 4096               ; changes per BATCH\n"
	         "batch_bytes = 4194304              ; bytes per BATCH\n"
	         "window = 4                         ; BATCHes in flight per link\n"
	         "heartbeat_ms = 1000\n"
	         "reconnect_ms = 100                 ; first reconnect delay\n"
	         "reconnect_max_ms = 5000            ; back-off ceiling\n"
	         "max_message = 33554432             ; ZMQ_MAXMSGSIZE\n"
	         "commit_delay_ms = 2                ; gather local writes this long\n"
	         "\n"
	         "[log]\n"
	         "level = info                       ; error | warn | info | debug\n");
	put_text("config", "minimal", "[node]\ndir=/srv/svcsync\n");
	put_text("config", "crlf-comments-indent",
	         "# comment\r\n[node]\r\n  dir = /d\r\n\tlisten = ipc:///run/svcsync.sock\r\n"
	         "[log]\r\nlevel=debug\r\n");
	put_text("config", "bounds",
	         "[sync]\nbatch_changes = 1\nbatch_bytes = 4096\nwindow = 16\n"
	         "heartbeat_ms = 60000\nreconnect_ms = 10\n"
	         "reconnect_max_ms = 600000\nmax_message = 65536\n"
	         "commit_delay_ms = 0\n");
	put_text("config", "edge-out-of-range", "[sync]\nwindow = 40\n");
	put_text("config", "edge-unknown-key", "[sync]\nwindo = 4\n");
	put_text("config", "edge-unknown-section", "[nodes]\ndir = /x\n");
	put_text("config", "edge-key-before-section", "dir = /x\n");
	put_text("config", "edge-not-a-number", "[sync]\nwindow = 4x\n");
	put_text("config", "edge-reconnect-order",
	         "[sync]\nreconnect_ms = 900\nreconnect_max_ms = 100\n");
	put_text("config", "edge-listen-scheme", "[node]\nlisten = udp://0.0.0.0:1\n");
	put_text("config", "edge-no-equals", "[node]\ndir\n");
	put_text("config", "edge-unclosed-section", "[node\ndir = /x\n");
	put_text("config", "edge-utf8-bom", "\xef\xbb\xbf[node]\ndir = /x\n");
	{
		char line[600];
		memset(line, 'a', sizeof line - 1);
		line[sizeof line - 1] = '\0';
		memcpy(line, "[node]\ndir = /", 14);
		put_text("config", "edge-long-line", line);
	}
	static const uint8_t nul[] = "[node]\ndir = /x\0y\n";
	put("config", nul, sizeof nul - 1, "edge-nul-byte");
}

static void imports(void)
{
	put_text("import", "good-shop",
	         "{\"kind\":\"repair\",\"customer\":\"张三\",\"phone\":\"13800138000\",\"address\":"
	         "\"北京市朝阳区 1 号\","
	         "\"product\":\"AC-3000\",\"serial\":\"SN-1\",\"purchased\":\"2025-06-01\","
	         "\"fault\":\"no cooling\"}\n"
	         "\n"
	         "{\"kind\":\"install\",\"customer\":\"Li "
	         "Si\",\"phone\":\"021-5555-0101\",\"product\":\"WH-80\","
	         "\"fault\":\"new "
	         "unit\",\"shop\":\"shop-a\",\"region\":\"region-e\",\"address\":null}\n");
	put_text("import", "good-hq-region",
	         "{\"kind\":\"consult\",\"customer\":\"Wang\",\"phone\":\"13900139000\","
	         "\"product\":\"P\","
	         "\"fault\":\"F\",\"region\":\"region-e\"}\n"
	         "{\"kind\":\"complaint\",\"customer\":\"Zhao\",\"phone\":\"13900139001\","
	         "\"product\":\"P\","
	         "\"fault\":\"F\",\"shop\":\"shop-a\"}\n");
	put_text("import", "escapes",
	         "{\"kind\":\"return\",\"customer\":\"\\u5f20\\u4e09 "
	         "\\ud834\\udd1e\",\"phone\":\"13800138000\","
	         "\"product\":\"P\\/Q\",\"fault\":\"line1\\nline2\\t\\\"quoted\\\"\\\\\"}\r\n");
	put_text(
	    "import", "edge-bad-lines",
	    "{\"kind\":\"repair\",\"customer\":\"B\",\"phone\":\"12ab\",\"product\":\"P\","
	    "\"fault\":\"F\"}\n"
	    "{\"kind\":\"repair\", oops}\n"
	    "{\"kind\":\"repair\",\"customer\":\"E\",\"phone\":13800138000,\"product\":\"P\","
	    "\"fault\":\"F\"}\n"
	    "{\"kind\":\"repair\",\"kind\":\"install\"}\n"
	    "{\"kind\":\"repair\",\"customer\":\"A\\u0000B\"}\n"
	    "{\"kind\":\"repair\",\"customer\":\"\\ud800\"}\n"
	    "{\"kind\":\"repair\",\"customer\":\"\xff\"}\n"
	    "{\"kind\":\"repair\",\"phnoe\":\"1\"}\n"
	    "{\"kind\":\"repair\",\"customer\":\"A\",\"phone\":\"13800138000\",\"product\":\"P\","
	    "\"fault\":\"F\",\"purchased\":\"2023-02-30\"}\n"
	    "{\"kind\":\"repair\",\"customer\":\"A\",\"phone\":\"13800138000\",\"product\":\"P\","
	    "\"fault\":\"F\",\"shop\":\"shop-zz\"}\n"
	    "[1,2,3]\n"
	    "{\"kind\":{\"nested\":true}}\n"
	    "   \t  \n"
	    "{}\n");
	char big[1400];
	FILL(big, "长");
	char line[1600];
	snprintf(
	    line, sizeof line,
	    "{\"kind\":\"repair\",\"customer\":\"A\",\"phone\":\"13800138000\",\"product\":\"P\","
	    "\"fault\":\"%s\"}\n",
	    big);
	put_text("import", "edge-fault-too-long", line);
}

int main(int argc, char **argv)
{
	fuzz_node net[FUZZ_NNODES];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: %s: %s\n", outdir, strerror(errno));
		return 1;
	}
	fuzz_net_create("gen", net);
	working_day(net);
	messages(net);
	changes(net);
	commits(net);
	enrollment(net);
	exports(net);
	states();
	configs();
	imports();
	fuzz_net_close(net);
	printf("gen_corpus: %zu seeds, %zu bytes, in %s\n", written, total_bytes, outdir);
	return 0;
}

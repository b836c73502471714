/*
 * test_codec_golden: the exact bytes of every encoder, frozen.
 *
 * Changes and commit headers are hashed and signed over the bytes their
 * origin first wrote, and materialized states must be byte-identical on every
 * node, so the encoders may be rewritten but their output never changes. This
 * test encodes a fixed value of every change kind (one realistic, one with
 * every field at its limit), every state, the enrollment bodies, commit
 * headers, Signed, the export header and every protocol message, and compares
 * the bytes with those the encoders wrote when the table was frozen. Small
 * encodings are kept as hex so a difference can be read; large ones (fields
 * at their limits) as their length and BLAKE2b-256. Each frozen encoding must
 * also decode back to the value it was made from.
 *
 * `test_codec_golden --print` prints the table from the current encoders: run
 * it only to add a case, never to make a failing case pass.
 */
#include "svc_codec.h"
#include "svc_crypto.h"
#include "testlib.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Encodings up to this many bytes are kept as hex, longer ones as a hash. */
#define GOLD_HEX_MAX 300

static uint8_t gbuf[SVC_COMMIT_MAX];

/* Fills dst with exactly cap-1 bytes: whole copies of unit, then ASCII. */
__attribute__((noinline)) static void fill_to(char *dst, size_t cap, const char *unit)
{
	size_t u = strlen(unit), n = 0;

	while (n + u <= cap - 1) {
		memcpy(dst + n, unit, u);
		n += u;
	}
	while (n < cap - 1)
		dst[n++] = 'y';
	dst[n] = '\0';
}

#define FILL(dst, unit) fill_to((dst), sizeof(dst), (unit))
#define SET(dst, s) snprintf((dst), sizeof(dst), "%s", (s))
#define STR(dst, max, unit, s) ((max) ? (void)FILL(dst, unit) : (void)SET(dst, s))

static void seq_bytes(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 13);
}

/* ------------------------------------------------------------ values */

static void gold_claim_parts(svc_claim_part *parts, uint32_t *nparts, bool max)
{
	*nparts = max ? SVC_CLAIM_PARTS_MAX : 3;
	for (uint32_t i = 0; i < *nparts; i++) {
		STR(parts[i].part_no, max, "件", i == 1 ? "" : "P-MOTOR-7");
		parts[i].qty = max ? UINT32_MAX : i;
		parts[i].unit_price = max ? INT64_MIN : -(int64_t)i * 300;
		parts[i].amount = max ? INT64_MAX : (int64_t)i * 900;
	}
}

static void gold_change(svc_change *c, svc_change_kind kind, bool max)
{
	memset(c, 0, sizeof *c);
	STR(c->origin, max, "o", "region-east");
	c->seq = max ? UINT64_MAX : 1000;
	c->hlc = max ? UINT64_MAX : (1733230000123ULL << 16) | 9;
	STR(c->aggregate, max, "聚", "c-t-region-east-1000");
	seq_bytes(c->prev_hash, SVC_HASH_LEN, (uint8_t)kind);
	c->origin_role = max ? UINT32_MAX : SVC_ROLE_REGION;
	STR(c->origin_region, max, "r", "region-east");
	c->kind = kind;
	switch (kind) {
	case SVC_CK_TICKET_OPEN: {
		svc_ticket_open *o = &c->u.ticket_open;
		o->kind = max ? UINT32_MAX : SVC_TK_INSTALL;
		STR(o->customer, max, "李", "李四");
		STR(o->phone, max, "8", "+86 21 5555 0101");
		STR(o->address, max, "上海市", "上海市浦东新区世纪大道100号");
		STR(o->product, max, "机", "AC-2 空调");
		STR(o->serial, max, "Z", "");
		o->purchased = max ? UINT32_MAX : 0;
		STR(o->fault, max, "制冷", "安装");
		STR(o->region, max, "r", "region-east");
		STR(o->shop, max, "s", "");
		break;
	}
	case SVC_CK_TICKET_ASSIGN:
		STR(c->u.ticket_assign.shop, max, "s", "shop-sh-0003");
		break;
	case SVC_CK_TICKET_STATUS:
		c->u.ticket_status.status = max ? UINT32_MAX : SVC_TS_CANCELLED;
		STR(c->u.ticket_status.reason, max, "😀", "customer moved");
		break;
	case SVC_CK_TICKET_NOTE:
		STR(c->u.ticket_note.text, max, "é", "called twice, no answer");
		break;
	case SVC_CK_TICKET_CALLBACK:
		c->u.ticket_callback.satisfaction = max ? UINT32_MAX : 1;
		STR(c->u.ticket_callback.note, max, "差", "");
		break;
	case SVC_CK_CATALOG_PUT:
		c->u.catalog_put.price = max ? INT64_MAX : -1;
		STR(c->u.catalog_put.part_no, max, "P", "P-MOTOR-7");
		STR(c->u.catalog_put.name, max, "电机", "电机");
		break;
	case SVC_CK_PART_MOVE: {
		svc_part_move *m = &c->u.part_move;
		m->kind = max ? UINT32_MAX : SVC_MV_CONSUME;
		m->qty = max ? INT64_MAX : -1;
		STR(m->location, max, "l", "shop-sh-0003");
		STR(m->part_no, max, "p", "P-MOTOR-7");
		STR(m->ticket, max, "t", "t-shop-sh-0003-5");
		STR(m->transfer, max, "x", "");
		STR(m->peer, max, "q", "");
		STR(m->reason, max, "换", "");
		break;
	}
	case SVC_CK_CLAIM_SUBMIT: {
		svc_claim_submit *s = &c->u.claim_submit;
		s->revision = max ? UINT32_MAX : 3;
		s->labor = max ? INT64_MAX : 0;
		s->travel = max ? INT64_MAX : 1500;
		s->other = max ? INT64_MAX : -20;
		s->total = max ? INT64_MAX : 3280;
		gold_claim_parts(s->parts, &s->nparts, max);
		STR(s->ticket, max, "t", "t-shop-sh-0003-5");
		STR(s->note, max, "注", "");
		STR(s->region, max, "r", "region-east");
		break;
	}
	case SVC_CK_CLAIM_DECIDE: {
		svc_claim_decide *d = &c->u.claim_decide;
		d->action = max ? UINT32_MAX : SVC_CA_PAY;
		d->revision = max ? UINT32_MAX : 3;
		d->amount = max ? INT64_MAX : 3280;
		d->claimed = max ? INT64_MAX : 3280;
		STR(d->reason, max, "准", "");
		STR(d->ref, max, "F", "PAY-2024-0777");
		break;
	}
	case SVC_CK_NODE_CERT: {
		svc_node_cert *n = &c->u.node_cert;
		n->body_len = max ? SVC_CERT_BODY_MAX : 97;
		n->held_through = max ? UINT64_MAX : 12;
		seq_bytes(n->body, n->body_len, 4);
		seq_bytes(n->signature, SVC_SIG_LEN, 5);
		break;
	}
	case SVC_CK_NODE_REVOKE:
		c->u.node_revoke.serial = max ? UINT64_MAX : 0;
		STR(c->u.node_revoke.node, max, "n", "shop-sh-0003");
		STR(c->u.node_revoke.reason, max, "丢", "lost laptop");
		c->u.node_revoke.cutoff_seq = max ? UINT64_MAX : 88;
		break;
	case SVC_CK_QUARANTINE_RELEASE:
		c->u.quarantine_release.through_seq = max ? UINT64_MAX : 90;
		STR(c->u.quarantine_release.origin, max, "n", "shop-sh-0003");
		STR(c->u.quarantine_release.reason, max, "放", "");
		break;
	/* policy */
	case SVC_CK_POLICY_SET: {
		svc_policy_set *p = &c->u.policy_set;
		p->version = max ? UINT32_MAX : 2;
		p->from = max ? UINT32_MAX : 20261205;
		p->nentries = max ? SVC_POLICY_ENTRIES_MAX : 2;
		for (uint32_t i = 0; i < p->nentries; i++) {
			STR(p->entries[i].key, max, "k", i ? "time_zone" : "return_days");
			STR(p->entries[i].value, max, "值", i ? "Asia/Shanghai" : "7");
		}
		break;
	}
	case SVC_CK_REGION_GRADE:
		c->u.region_grade.grade = max ? UINT32_MAX : SVC_GRADE_B;
		STR(c->u.region_grade.region, max, "r", "region-east");
		break;
	case SVC_CK_MODEL_PUT:
		STR(c->u.model_put.model, max, "M", "KFR-35GW");
		STR(c->u.model_put.category, max, "c", "aircon");
		break;
	case SVC_CK_FAULT_CODE_PUT:
		STR(c->u.fault_code_put.code, max, "E", "E1");
		STR(c->u.fault_code_put.category, max, "c", "aircon");
		STR(c->u.fault_code_put.text, max, "漏", "室内机漏水");
		break;
	/* complaints */
	case SVC_CK_COMPLAINT_OPEN: {
		svc_complaint_open *o = &c->u.complaint_open;
		STR(o->region, max, "r", "region-east");
		STR(o->shop, max, "s", "shop-sh-0003");
		STR(o->ticket, max, "t", "T-shop-sh-0003-40");
		STR(o->customer_id, max, "c", "C-region-east-17");
		STR(o->category, max, "𠀀", "服务态度");
		o->severity = max ? UINT32_MAX : SVC_SEV_HIGH;
		o->channel = max ? UINT32_MAX : SVC_CHANNEL_PHONE;
		STR(o->text, max, "诉", "师傅上门迟到两小时，态度恶劣");
		o->policy_version = max ? UINT32_MAX : 3;
		o->days = max ? UINT32_MAX : 3;
		o->opened_on = max ? UINT32_MAX : 20261203;
		break;
	}
	case SVC_CK_COMPLAINT_STATUS: {
		svc_complaint_status_body *b = &c->u.complaint_status;
		b->status = max ? UINT32_MAX : SVC_KS_CONCLUDED;
		b->finding = max ? UINT32_MAX : SVC_KF_SUBSTANTIATED;
		STR(b->responsible, max, "s", "shop-sh-0003");
		STR(b->remedy, max, "赔", "赔偿上门费并道歉");
		break;
	}
	case SVC_CK_COMPLAINT_NOTE:
		STR(c->u.complaint_note.text, max, "记", "已致电店长核实");
		break;
	case SVC_CK_COMPLAINT_STATEMENT:
		STR(c->u.complaint_statement.text, max, "述", "当日暴雨，交通堵塞");
		break;
	case SVC_CK_TICKET_OVERRIDE: {
		svc_ticket_override *o = &c->u.ticket_override;
		o->kind = max ? UINT32_MAX : SVC_TK_EXCHANGE;
		STR(o->serial, max, "S", "AC2-0099-7731");
		STR(o->reason, max, "换", "安装后三次漏水");
		STR(o->region, max, "r", "region-east");
		STR(o->shop, max, "s", "shop-sh-0003");
		break;
	}
	case SVC_CK_TICKET_REJUDGE: {
		svc_ticket_rejudge *r = &c->u.ticket_rejudge;
		r->policy_version = max ? UINT32_MAX : 3;
		r->grade = max ? UINT32_MAX : SVC_GRADE_A;
		r->warranty_until = max ? UINT32_MAX : 20261119;
		r->onsite_hours = max ? UINT32_MAX : 24;
		break;
	}
	case SVC_CK_CUSTOMER_PUT: {
		svc_customer_put *p = &c->u.customer_put;
		p->fields = max ? UINT32_MAX : SVC_CF_NAME | SVC_CF_PHONES;
		p->tier = max ? UINT32_MAX : 0;
		STR(p->name, max, "𠀀", "王小明");
		STR(p->phones[0], max, "1", "13912345678");
		STR(p->phones[1], max, "2", "");
		STR(p->phones[2], max, "3", "");
		STR(p->address, max, "𠀀", "");
		break;
	}
	case SVC_CK_CUSTOMER_MERGE:
		STR(c->u.customer_merge.into, max, "c", "C-region-east-12");
		break;
	case SVC_CK_UNIT_PUT: {
		svc_unit_put *u = &c->u.unit_put;
		u->fields = max ? UINT32_MAX : SVC_UF_ALL_;
		u->purchased = max ? UINT32_MAX : 20240301;
		u->installed = max ? UINT32_MAX : 0;
		STR(u->serial, max, "S", "AC2-0099-7731");
		STR(u->model, max, "𠀀", "AC-2");
		STR(u->owner, max, "c", "C-region-east-12");
		break;
	}
	case SVC_CK_UNIT_MERGE:
		STR(c->u.unit_merge.into, max, "u", "U-shop-sh-0003-40");
		break;
	case SVC_CK_TICKET_CHARGE: {
		svc_ticket_charge *ch = &c->u.ticket_charge;
		ch->labor = max ? INT64_MAX : 6000;
		ch->travel = max ? INT64_MAX : 0;
		ch->total = max ? INT64_MAX : 8700;
		gold_claim_parts(ch->parts, &ch->nparts, max);
		break;
	}
	case SVC_CK_CLAIM_ALLOW:
		STR(c->u.claim_allow.reason, max, "准", "批次缺陷，保外由厂家承担");
		break;
	/* labor operations, tariff, price history */
	case SVC_CK_LABOR_PUT:
		STR(c->u.labor_put.code, max, "C", "AC-R03");
		STR(c->u.labor_put.category, max, "c", "aircon");
		c->u.labor_put.minutes = max ? UINT32_MAX : 120;
		STR(c->u.labor_put.text, max, "换", "更换压缩机");
		break;
	case SVC_CK_TARIFF_SET:
		c->u.tariff_set.kind = max ? UINT32_MAX : SVC_TARIFF_RATE;
		c->u.tariff_set.grade = max ? UINT32_MAX : SVC_GRADE_B;
		c->u.tariff_set.fen_per_hour = max ? INT64_MIN : 4800;
		c->u.tariff_set.max_km = max ? UINT32_MAX : 0;
		c->u.tariff_set.fen = max ? INT64_MIN : 0;
		break;
	case SVC_CK_CATALOG_PRICE:
		STR(c->u.catalog_price.part_no, max, "P", "P-MOTOR-7");
		c->u.catalog_price.price = max ? INT64_MIN : 23800;
		c->u.catalog_price.from = max ? UINT64_MAX : 1767196800000ULL;
		break;
	/* old parts */
	case SVC_CK_OLD_PART: {
		svc_old_part_step *o = &c->u.old_part;
		o->action = max ? UINT32_MAX : SVC_OP_RECEIVE;
		STR(o->ticket, max, "t", "T-shop-sh-0003-40");
		STR(o->part_no, max, "p", "CMP-35");
		o->qty = max ? INT64_MAX : 3;
		o->reject = max ? INT64_MAX : 1;
		STR(o->reason, max, "裂", "外壳开裂，非质量件");
		STR(o->shop, max, "s", "shop-sh-0003");
		STR(o->region, max, "r", "region-east");
		break;
	}
	/* the shop's ledger */
	case SVC_CK_PAY_RUN: {
		svc_pay_run *r = &c->u.pay_run;
		r->nclaims = max ? SVC_PAY_RUN_CLAIMS_MAX : 2;
		for (uint32_t i = 0; i < r->nclaims; i++) {
			STR(r->claims[i].claim, max, "c",
			    i ? "C-shop-sh-0003-9" : "C-shop-sh-0003-5");
			r->claims[i].amount = max ? INT64_MAX : 3280 + (int64_t)i;
		}
		r->from = max ? UINT64_MAX : 1764518400000ULL;
		r->to = max ? UINT64_MAX : 1767196800000ULL;
		r->policy_version = max ? UINT32_MAX : 4;
		STR(r->ref, max, "R", "PAY-2025-12/1");
		break;
	}
	case SVC_CK_STATEMENT_CONFIRM:
		STR(c->u.statement_confirm.invoice, max, "𠀀", "发票 No.44031234");
		break;
	case SVC_CK_LEDGER_DEDUCT:
		c->u.ledger_deduct.fen = max ? INT64_MAX : 5000;
		STR(c->u.ledger_deduct.reason, max, "扣", "虚报工时");
		break;
	/* shops */
	case SVC_CK_SHOP_PUT: {
		svc_shop_put *p = &c->u.shop_put;
		p->apply = !max;
		p->fields = max ? UINT32_MAX : 0;
		p->type = max ? UINT32_MAX : SVC_SHOP_TYPE_SPECIAL;
		p->tech_drop = max;
		STR(p->region, max, "r", "region-east");
		STR(p->legal_name, max, "𠀀", "上海浦东家电服务有限公司");
		STR(p->legal_rep, max, "王", "周建国");
		STR(p->address, max, "路", "上海市浦东新区张杨路500号");
		STR(p->area, max, "区", "浦东新区");
		STR(p->contact, max, "9", "021-5888 0003");
		STR(p->tech_name, max, "李", "");
		STR(p->tech_qual, max, "级", "");
		break;
	}
	case SVC_CK_SHOP_STAGE: {
		svc_shop_stage_body *b = &c->u.shop_stage;
		b->stage = max ? UINT32_MAX : SVC_SHOP_PROBATION;
		b->valid_from = max ? UINT32_MAX : 0;
		b->valid_to = max ? UINT32_MAX : 0;
		b->serial = max ? UINT64_MAX : 7;
		b->probation_until = max ? UINT64_MAX : 1741000000000ULL;
		b->refused = max;
		STR(b->reason, max, "理", "");
		STR(b->agreement, max, "协", "");
		STR(b->region, max, "r", "region-east");
		break;
	}
	case SVC_CK_SHOP_ASSESS: {
		svc_shop_assess *a = &c->u.shop_assess;
		a->period = max ? UINT32_MAX : 202503;
		a->score = max ? UINT32_MAX : 91;
		a->complaints = max ? UINT32_MAX : 0;
		a->tickets = max ? UINT32_MAX : 12;
		a->callback_pm = max ? UINT32_MAX : 1000;
		a->onsite_pm = max ? UINT32_MAX : 833;
		a->outcome = max ? UINT32_MAX : SVC_SHOP_OUTCOME_REGULAR;
		STR(a->reason, max, "考", "");
		break;
	}
	case SVC_CK_NONE:
	case SVC_CK_MAX_:
		break;
	}
}

/* customer */
static void gold_customer(svc_customer *cu, bool max)
{
	uint64_t big = max ? UINT64_MAX : 1733230000000ULL;

	memset(cu, 0, sizeof *cu);
	STR(cu->id, max, "c", "C-shop-sh-0003-40");
	STR(cu->name, max, "𠀀", "王小明");
	STR(cu->phones[0], max, "1", "13912345678");
	STR(cu->phones[1], max, "2", "021-5555 0101");
	STR(cu->phones[2], max, "3", "");
	STR(cu->address, max, "𠀀", "上海市浦东新区");
	cu->tier = max ? UINT32_MAX : SVC_TIER_REGULAR;
	STR(cu->region, max, "r", "region-east");
	STR(cu->created_by, max, "o", "shop-sh-0003");
	cu->created = big;
	STR(cu->merged_into, max, "m", "");
	cu->merged = max ? big : 0;
	cu->updated = big;
	cu->last.hlc = big;
	STR(cu->last.origin, max, "h", "shop-sh-0003");
	cu->last.seq = max ? UINT64_MAX : 40;
}

static void gold_unit(svc_unit *u, bool max)
{
	uint64_t big = max ? UINT64_MAX : 1733230000000ULL;

	memset(u, 0, sizeof *u);
	STR(u->id, max, "u", "U-shop-sh-0003-41");
	STR(u->serial, max, "s", "AC2-0099-7731");
	STR(u->model, max, "𠀀", "AC-2");
	u->purchased = max ? UINT32_MAX : 20240301;
	u->installed = max ? UINT32_MAX : 20240305;
	STR(u->owner, max, "c", "C-shop-sh-0003-40");
	STR(u->region, max, "r", "region-east");
	STR(u->created_by, max, "o", "shop-sh-0003");
	u->created = big;
	STR(u->merged_into, max, "m", "U-region-east-9");
	u->merged = big;
	u->updated = big;
	u->last.hlc = big;
	STR(u->last.origin, max, "h", "region-east");
	u->last.seq = max ? UINT64_MAX : 41;
}

static void gold_ticket(svc_ticket *t, bool max)
{
	uint64_t big = max ? UINT64_MAX : 1733230000000ULL;

	memset(t, 0, sizeof *t);
	STR(t->id, max, "t", "t-shop-sh-0003-5");
	STR(t->customer, max, "王", "王五");
	STR(t->phone, max, "7", "13900000000");
	STR(t->address, max, "路", "");
	STR(t->product, max, "p", "AC-2");
	STR(t->serial, max, "s", "");
	STR(t->fault, max, "漏水", "漏水");
	STR(t->region, max, "r", "region-east");
	STR(t->shop, max, "s", "shop-sh-0003");
	STR(t->opened_by, max, "o", "region-east");
	STR(t->callback_note, max, "好", "");
	STR(t->last.origin, max, "h", "shop-sh-0003");
	t->kind = max ? UINT32_MAX : SVC_TK_COMPLAINT;
	t->purchased = max ? UINT32_MAX : 20240229;
	t->in_warranty = !max;
	t->status = max ? UINT32_MAX : SVC_TS_RESOLVED;
	t->created = big;
	t->first_response = max ? big : 0;
	t->on_site = big - 7;
	t->resolved = big - 8;
	t->closed = 0;
	t->callback_at = max ? big : 0;
	t->satisfaction = max ? UINT32_MAX : 0;
	t->notes = max ? UINT32_MAX : 4;
	t->reopened = max ? UINT32_MAX : 1;
	t->updated = big - 9;
	t->last.hlc = big;
	t->last.seq = max ? big : 5;
}

static void gold_claim(svc_claim *c, bool max)
{
	memset(c, 0, sizeof *c);
	STR(c->id, max, "c", "c-t-shop-sh-0003-5");
	STR(c->ticket, max, "t", "t-shop-sh-0003-5");
	STR(c->shop, max, "s", "shop-sh-0003");
	STR(c->region, max, "r", "region-east");
	STR(c->reason, max, "理由", "");
	STR(c->pay_ref, max, "R", "PAY-2024-0777");
	STR(c->audited_by, max, "a", "region-east");
	STR(c->decided_by, max, "d", "hq");
	STR(c->note, max, "注", "");
	STR(c->last.origin, max, "h", "hq");
	c->revision = max ? UINT32_MAX : 3;
	c->status = max ? UINT32_MAX : SVC_CS_PAID;
	c->labor = max ? INT64_MAX : 0;
	gold_claim_parts(c->parts, &c->nparts, max);
	c->travel = max ? INT64_MAX : 1500;
	c->other = max ? INT64_MAX : -20;
	c->total = max ? INT64_MAX : 3280;
	c->approved = max ? INT64_MIN : 3280;
	c->submitted = max ? UINT64_MAX : 11;
	c->audited = max ? UINT64_MAX : 12;
	c->decided = max ? UINT64_MAX : 13;
	c->paid = max ? UINT64_MAX : 14;
	c->last.hlc = max ? UINT64_MAX : 15;
	c->last.seq = max ? UINT64_MAX : 16;
}

static void gold_transfer(svc_transfer *t, bool max)
{
	memset(t, 0, sizeof *t);
	STR(t->id, max, "i", "tr-region-east-3");
	STR(t->part_no, max, "p", "P-MOTOR-7");
	STR(t->source, max, "s", "region-east");
	STR(t->dest, max, "d", "shop-sh-0003");
	STR(t->last.origin, max, "o", "region-east");
	t->qty = max ? INT64_MAX : 2;
	t->received = max;
	t->shipped = max ? UINT64_MAX : 21;
	t->received_at = max ? UINT64_MAX : 0;
	t->last.hlc = max ? UINT64_MAX : 22;
	t->last.seq = max ? UINT64_MAX : 23;
}

static void gold_catalog(svc_catalog_item *c, bool max)
{
	memset(c, 0, sizeof *c);
	STR(c->part_no, max, "p", "P-MOTOR-7");
	STR(c->name, max, "电机", "");
	STR(c->last.origin, max, "h", "hq");
	c->price = max ? INT64_MAX : 0;
	c->last.hlc = max ? UINT64_MAX : 31;
	c->last.seq = max ? UINT64_MAX : 32;
}

static void gold_node(svc_node *n, bool max)
{
	memset(n, 0, sizeof *n);
	STR(n->node, max, "n", "region-east");
	STR(n->region, max, "r", "region-east");
	STR(n->upstream, max, "u", "hq");
	STR(n->revoke_reason, max, "撤", "");
	STR(n->last.origin, max, "h", "hq");
	n->role = max ? UINT32_MAX : SVC_ROLE_REGION;
	seq_bytes(n->pubkey, SVC_PK_LEN, 6);
	n->not_before = max ? UINT64_MAX : 41;
	n->not_after = max ? UINT64_MAX : 42;
	n->serial = max ? UINT64_MAX : 43;
	n->revoked = max;
	n->revoked_hlc = max ? UINT64_MAX : 0;
	n->cutoff_seq = max ? UINT64_MAX : 44;
	n->held_through = max ? UINT64_MAX : 45;
	n->last.hlc = max ? UINT64_MAX : 46;
	n->last.seq = max ? UINT64_MAX : 47;
}

/* policy */
static void gold_policy(svc_policy *p, bool max)
{
	memset(p, 0, sizeof *p);
	p->version = max ? UINT32_MAX : 1;
	p->from = max ? UINT32_MAX : 20261205;
	p->nentries = max ? SVC_POLICY_ENTRIES_MAX : 1;
	for (uint32_t i = 0; i < p->nentries; i++) {
		STR(p->entries[i].key, max, "k", "onsite_hours.A");
		STR(p->entries[i].value, max, "值", "12");
	}
	p->issued = max ? UINT64_MAX : 1733230000000ULL;
	STR(p->last.origin, max, "h", "hq");
	p->last.hlc = max ? UINT64_MAX : 51;
	p->last.seq = max ? UINT64_MAX : 52;
}

/* the shop's ledger */
static void gold_statement(svc_statement *st, bool max)
{
	memset(st, 0, sizeof *st);
	STR(st->id, max, "y", "Y:shop-sh-0003/2025-12");
	STR(st->shop, max, "s", "shop-sh-0003");
	st->month = max ? UINT32_MAX : 202512;
	st->nruns = max ? SVC_STATEMENT_RUNS_MAX : 1;
	for (uint32_t i = 0; i < st->nruns; i++) {
		STR(st->runs[i].ref, max, "R", "PAY-2025-12/1");
		st->runs[i].at = max ? UINT64_MAX : 1767300000000ULL;
		STR(st->runs[i].op, max, "𠀀", "李出纳");
		st->runs[i].claims = max ? UINT32_MAX : 2;
		st->runs[i].total = max ? INT64_MIN : 6561;
	}
	st->npaid = max ? SVC_STATEMENT_PAID_MAX : 2;
	for (uint32_t i = 0; i < st->npaid; i++) {
		STR(st->paid[i].claim, max, "c", i ? "C-shop-sh-0003-9" : "C-shop-sh-0003-5");
		st->paid[i].amount = max ? INT64_MIN : 3280 + (int64_t)i;
		st->paid[i].run = max ? UINT32_MAX : 0;
	}
	st->ndeductions = max ? SVC_STATEMENT_DEDUCTIONS_MAX : 1;
	for (uint32_t i = 0; i < st->ndeductions; i++) {
		st->deductions[i].fen = max ? INT64_MIN : 5000;
		STR(st->deductions[i].reason, max, "扣", "虚报工时");
		st->deductions[i].at = max ? UINT64_MAX : 1767200000000ULL;
	}
	STR(st->invoice, max, "𠀀", "发票 No.44031234");
	STR(st->confirmed_op, max, "𠀀", "张店长");
	st->confirmed = max ? UINT64_MAX : 1767400000000ULL;
	st->last.hlc = max ? UINT64_MAX : 15;
	STR(st->last.origin, max, "o", "shop-sh-0003");
	st->last.seq = max ? UINT64_MAX : 16;
}

/* complaints */
static void gold_complaint(svc_complaint *k, bool max)
{
	memset(k, 0, sizeof *k);
	STR(k->id, max, "k", "K-region-east-18");
	STR(k->region, max, "r", "region-east");
	STR(k->shop, max, "s", "shop-sh-0003");
	STR(k->ticket, max, "t", "T-shop-sh-0003-40");
	STR(k->customer_id, max, "c", "C-region-east-17");
	STR(k->category, max, "𠀀", "服务态度");
	k->severity = max ? UINT32_MAX : SVC_SEV_HIGH;
	k->channel = max ? UINT32_MAX : SVC_CHANNEL_PHONE;
	STR(k->text, max, "诉", "师傅上门迟到两小时，态度恶劣");
	STR(k->opened_by, max, "r", "region-east");
	k->policy_version = max ? UINT32_MAX : 3;
	k->days = max ? UINT32_MAX : 3;
	k->opened_on = max ? UINT32_MAX : 20261203;
	k->status = max ? UINT32_MAX : SVC_KS_CONCLUDED;
	k->created = max ? UINT64_MAX : 1764720000000ULL;
	k->deadline = max ? UINT64_MAX : 1764979200000ULL;
	k->investigating = max ? UINT64_MAX : 1764723600000ULL;
	k->escalated = max ? UINT64_MAX : 1764727200000ULL;
	STR(k->escalated_by, max, "r", "region-east");
	k->concluded = max ? UINT64_MAX : 1764730800000ULL;
	k->finding = max ? UINT32_MAX : SVC_KF_SUBSTANTIATED;
	STR(k->responsible, max, "s", "shop-sh-0003");
	STR(k->remedy, max, "赔", "赔偿上门费并道歉");
	k->confirmed = max ? UINT64_MAX : 0;
	k->closed = max ? UINT64_MAX : 0;
	k->notes = max ? UINT32_MAX : 2;
	k->statements = max ? UINT32_MAX : 1;
	k->updated = max ? UINT64_MAX : 1764730800000ULL;
	STR(k->last.origin, max, "h", "hq");
	k->last.hlc = max ? UINT64_MAX : 71;
	k->last.seq = max ? UINT64_MAX : 72;
}

/* shops */
static void gold_shop(svc_shop *h, bool max)
{
	uint64_t big = max ? UINT64_MAX : 1733230000000ULL;
	memset(h, 0, sizeof *h);
	STR(h->id, max, "h", "H:shop-sh-0003");
	STR(h->shop, max, "s", "shop-sh-0003");
	STR(h->region, max, "r", "region-east");
	STR(h->legal_name, max, "𠀀", "上海浦东家电服务有限公司");
	STR(h->legal_rep, max, "王", "周建国");
	STR(h->address, max, "路", "上海市浦东新区张杨路500号");
	STR(h->area, max, "区", "浦东新区");
	STR(h->contact, max, "9", "021-5888 0003");
	h->type = max ? UINT32_MAX : SVC_SHOP_TYPE_AUTHORIZED;
	h->ntechnicians = max ? SVC_SHOP_TECHS_MAX : 2;
	for (uint32_t i = 0; i < h->ntechnicians; i++) {
		STR(h->technicians[i].name, max, "李", i ? "李强" : "张伟");
		STR(h->technicians[i].qualification, max, "级", i ? "中级" : "高级维修工");
	}
	h->stage = max ? UINT32_MAX : SVC_SHOP_REGULAR;
	h->direct = max;
	STR(h->agreement, max, "协", "TY-2025-0003");
	h->valid_from = max ? UINT32_MAX : 20250101;
	h->valid_to = max ? UINT32_MAX : 20261231;
	h->applied = big;
	STR(h->applied_by, max, "r", "region-east");
	h->reviewed = big + !max;
	h->tech_reviewed = big + 2 * !max;
	h->approved = big + 3 * !max;
	h->enrolled = big + 4 * !max;
	h->probation_until = big + 5 * !max;
	h->serial = max ? UINT64_MAX : 9;
	h->ended = max ? UINT64_MAX : 0;
	STR(h->reason, max, "理", "");
	h->nassessments = max ? SVC_SHOP_ASSESS_KEPT : 1;
	for (uint32_t i = 0; i < h->nassessments; i++) {
		svc_shop_assessment *a = &h->assessments[i];
		a->period = max ? UINT32_MAX : 202503;
		a->score = max ? UINT32_MAX : 91;
		a->complaints = max ? UINT32_MAX : 0;
		a->tickets = max ? UINT32_MAX : 12;
		a->callback_pm = max ? UINT32_MAX : 1000;
		a->onsite_pm = max ? UINT32_MAX : 833;
		a->outcome = max ? UINT32_MAX : SVC_SHOP_OUTCOME_REGULAR;
		STR(a->by, max, "r", "region-east");
		a->at = big;
	}
	h->nassessed = max ? UINT32_MAX : 1;
	h->updated = big;
	STR(h->last.origin, max, "r", "region-east");
	h->last.hlc = max ? UINT64_MAX : 81;
	h->last.seq = max ? UINT64_MAX : 82;
}

static void gold_override(svc_override *o, bool max)
{
	memset(o, 0, sizeof *o);
	STR(o->serial, max, "S", "AC2-0099-7731");
	o->kind = max ? UINT32_MAX : SVC_TK_RETURN;
	STR(o->reason, max, "退", "到货即损坏");
	STR(o->region, max, "r", "region-east");
	STR(o->shop, max, "s", "shop-sh-0003");
	o->at = max ? UINT64_MAX : 1764720000000ULL;
	STR(o->last.origin, max, "r", "region-east");
	o->last.hlc = max ? UINT64_MAX : 61;
	o->last.seq = max ? UINT64_MAX : 62;
}

static void gold_grade(svc_grade_item *g, bool max)
{
	memset(g, 0, sizeof *g);
	STR(g->region, max, "r", "region-east");
	g->grade = max ? UINT32_MAX : SVC_GRADE_C;
	STR(g->last.origin, max, "h", "hq");
	g->last.hlc = max ? UINT64_MAX : 53;
	g->last.seq = max ? UINT64_MAX : 54;
}

static void gold_model(svc_model *m, bool max)
{
	memset(m, 0, sizeof *m);
	STR(m->model, max, "M", "KFR-35GW");
	STR(m->category, max, "c", "aircon");
	STR(m->last.origin, max, "h", "hq");
	m->last.hlc = max ? UINT64_MAX : 55;
	m->last.seq = max ? UINT64_MAX : 56;
}

static void gold_fault(svc_fault_code *f, bool max)
{
	memset(f, 0, sizeof *f);
	STR(f->code, max, "E", "E1");
	STR(f->category, max, "c", "aircon");
	STR(f->text, max, "漏", "室内机漏水");
	STR(f->last.origin, max, "h", "hq");
	f->last.hlc = max ? UINT64_MAX : 57;
	f->last.seq = max ? UINT64_MAX : 58;
}

static void gold_stock(svc_stock *s, bool max)
{
	s->on_hand = max ? INT64_MIN : 12;
	s->defective = max ? INT64_MAX : -1;
	s->in_transit_in = max ? INT64_MIN : 0;
}

static void gold_cert(svc_cert *c, bool max)
{
	memset(c, 0, sizeof *c);
	STR(c->node, max, "n", "region-east");
	STR(c->region, max, "r", "region-east");
	STR(c->upstream, max, "u", "hq");
	STR(c->issuer, max, "i", "hq");
	c->role = max ? UINT32_MAX : SVC_ROLE_REGION;
	seq_bytes(c->pubkey, SVC_PK_LEN, 7);
	c->not_before = max ? UINT64_MAX : 1733230000000ULL;
	c->not_after = max ? UINT64_MAX : 1796302000000ULL;
	c->serial = max ? UINT64_MAX : 2;
}

static void gold_enroll(svc_enroll_request *r, bool max)
{
	memset(r, 0, sizeof *r);
	STR(r->node, max, "n", "region-east");
	STR(r->region, max, "r", "");
	r->role = max ? UINT32_MAX : SVC_ROLE_REGION;
	seq_bytes(r->pubkey, SVC_PK_LEN, 8);
	r->created = max ? UINT64_MAX : 1733230000000ULL;
}

static void gold_bundle(svc_bundle *b, bool max)
{
	memset(b, 0, sizeof *b);
	b->cert.body_len = max ? SVC_CERT_BODY_MAX : 64;
	seq_bytes(b->cert.body, b->cert.body_len, 9);
	seq_bytes(b->cert.signature, SVC_SIG_LEN, 10);
	b->cert.held_through = max ? UINT64_MAX : 0;
	seq_bytes(b->hq_pubkey, SVC_PK_LEN, 11);
	seq_bytes(b->upstream_pubkey, SVC_PK_LEN, 12);
	STR(b->hq_node, max, "h", "hq");
	STR(b->upstream, max, "u", "hq");
	STR(b->endpoint, max, "e", "tcp://hq.example.cn:7411");
}

static void gold_export(svc_export_header *h, bool max)
{
	memset(h, 0, sizeof *h);
	h->version = SVC_EXPORT_VERSION;
	STR(h->signer, max, "s", "shop-sh-0003");
	STR(h->target, max, "t", "region-east");
	seq_bytes(h->store_id, sizeof h->store_id, 13);
	h->created_ms = max ? UINT64_MAX : 1733230000000ULL;
	seq_bytes(h->content_hash, SVC_HASH_LEN, 14);
	h->batches = max ? UINT64_MAX : 1;
	h->changes = max ? UINT64_MAX : 0;
}

static uint8_t gold_hashes[5][SVC_HASH_LEN];

static void gold_commit(svc_commit_header *h, bool prev)
{
	memset(h, 0, sizeof *h);
	SET(h->origin, "shop-sh-0003");
	h->first_seq = prev ? 6 : 1;
	h->last_seq = prev ? 10 : 1;
	h->nhashes = prev ? 5 : 1;
	for (size_t i = 0; i < 5; i++)
		seq_bytes(gold_hashes[i], SVC_HASH_LEN, (uint8_t)(20 + i));
	h->hashes = gold_hashes;
	h->has_prev = prev;
	if (prev)
		seq_bytes(h->prev_commit, SVC_HASH_LEN, 30);
}

static svc_origin_head gold_heads[2];
static uint8_t gold_blob[40];
static svc_blob gold_changes[3], gold_commits[1];

static void gold_msg(svc_msg *m, svc_msg_type type, bool full)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	switch (type) {
	case SVC_MSG_HELLO: {
		svc_hello *h = &m->u.hello;
		h->version = SVC_PROTO_VERSION;
		SET(h->node, "region-east");
		seq_bytes(h->store_id, sizeof h->store_id, 15);
		h->checkpoint = full ? SVC_SEQ_MAX : 0;
		h->has_your_store_id = full;
		if (full)
			seq_bytes(h->your_store_id, sizeof h->your_store_id, 16);
		memset(gold_heads, 0, sizeof gold_heads);
		SET(gold_heads[0].origin, "hq");
		gold_heads[0].seq = 3;
		FILL(gold_heads[1].origin, "o");
		gold_heads[1].seq = 0;
		h->nheads = full ? 2 : 0;
		h->heads = full ? gold_heads : NULL;
		h->hlc = full ? UINT64_MAX : 1;
		h->ping_ms = full ? 15000 : 0;
		h->log_head = full ? 77 : 0;
		break;
	}
	case SVC_MSG_BATCH:
		seq_bytes(gold_blob, sizeof gold_blob, 17);
		gold_changes[0] = (svc_blob){gold_blob, 10};
		gold_changes[1] = (svc_blob){NULL, 0};
		gold_changes[2] = (svc_blob){gold_blob + 10, 30};
		gold_commits[0] = (svc_blob){gold_blob + 5, 20};
		m->u.batch.id = full ? UINT64_MAX : 1;
		m->u.batch.to_lsn = full ? SVC_SEQ_MAX : 0;
		m->u.batch.nchanges = full ? 3 : 0;
		m->u.batch.changes = full ? gold_changes : NULL;
		m->u.batch.ncommits = full ? 1 : 0;
		m->u.batch.commits = full ? gold_commits : NULL;
		break;
	case SVC_MSG_ACK:
		m->u.ack.id = full ? UINT64_MAX : 2;
		m->u.ack.to_lsn = full ? SVC_SEQ_MAX : 3;
		m->u.ack.applied = full ? UINT32_MAX : 4;
		m->u.ack.duplicates = full ? UINT32_MAX : 0;
		m->u.ack.quarantined = full ? UINT32_MAX : 5;
		break;
	case SVC_MSG_PING:
		m->u.ping.hlc = full ? UINT64_MAX : 6;
		m->u.ping.log_head = full ? SVC_SEQ_MAX : 0;
		break;
	case SVC_MSG_ERROR:
		m->u.error.code = full ? UINT32_MAX : 0;
		if (full)
			FILL(m->u.error.text, "错");
		else
			SET(m->u.error.text, "bad batch");
		break;
	case SVC_MSG_NONE:
		break;
	}
}

/* ------------------------------------------------------------ the frozen table */

struct gold {
	const char *name;
	size_t len;
	const char *bytes; /* hex, or "#" and the hex BLAKE2b-256 */
};

static const struct gold golden[] = {
    {"change.ticket.open", 203,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98a5b230023a0b7265"
     "67696f6e2d6561737482016708031206e69d8ee59b9b1a102b3836203231203535353520303130312227e4b8"
     "8ae6b5b7e5b882e6b5a6e4b89ce696b0e58cbae4b896e7baaae5a4a7e98193313030e58fb72a0b41432d3220"
     "e7a9bae8b0834206e5ae89e8a3854a0b726567696f6e2d65617374"},
    {"change.ticket.assign", 114,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a203e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daab7c4d130023a0b7265"
     "67696f6e2d656173748a010e0a0c73686f702d73682d30303033"},
    {"change.ticket.status", 118,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a205d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f030023a0b7265"
     "67696f6e2d656173749201120807120e637573746f6d6572206d6f766564"},
    {"change.ticket.note", 125,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a207c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe8f5020f30023a0b7265"
     "67696f6e2d656173749a01190a1763616c6c65642074776963652c206e6f20616e73776572"},
    {"change.ticket.callback", 102,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a209ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e0edfa0714212e30023a0b7265"
     "67696f6e2d65617374a201020801"},
    {"change.catalog.put", 130,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20bac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff0c192633404d30023a0b7265"
     "67696f6e2d65617374aa011e0a09502d4d4f544f522d371206e794b5e69cba18ffffffffffffffffff01"},
    {"change.part.move", 147,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20d9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b3845525f6c30023a0b7265"
     "67696f6e2d65617374b2012f0804120c73686f702d73682d303030331a09502d4d4f544f522d3720012a1074"
     "2d73686f702d73682d303030332d35"},
    {"change.claim.submit", 210,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20f805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b30023a0b7265"
     "67696f6e2d65617374ba016e0a10742d73686f702d73682d303030332d351003220b0a09502d4d4f544f522d"
     "372210100118d4fdffffffffffffff01208407221b0a09502d4d4f544f522d37100218a8fbffffffffffffff"
     "0120880e28dc0b30ecffffffffffffffff0138d0194a0b726567696f6e2d65617374"},
    {"change.claim.decide", 125,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daa30023a0b7265"
     "67696f6e2d65617374c201190805100318d0192a0d5041592d323032342d3037373730d019"},
    {"change.node.cert", 268,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a203643505d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc930023a0b7265"
     "67696f6e2d65617374ca01a7010a617c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe8"
     "f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f0fd0a1724"
     "313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c12409ba8b5c2cfdce9f603101d2a3744515e6b78"
     "85929facb9c6d3e0edfa0714212e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4"
     "c1ce180c"},
    {"change.node.revoke", 129,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a2055626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe830023a0b7265"
     "67696f6e2d65617374d2011d0a0c73686f702d73682d30303033120b6c6f7374206c6170746f702058"},
    {"change.quarantine.release", 116,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a2074818e9ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e0edfa0730023a0b7265"
     "67696f6e2d65617374da01100a0c73686f702d73682d30303033105a"},
    {"change.policy.set", 153,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a2093a0adbac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff0c192630023a0b7265"
     "67696f6e2d65617374820235080210d5d2d4091a100a0b72657475726e5f646179731201371a1a0a0974696d"
     "655f7a6f6e65120d417369612f5368616e67686169"},
    {"change.region.grade", 115,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b384530023a0b7265"
     "67696f6e2d656173748a020f0a0b726567696f6e2d656173741002"},
    {"change.model.put", 118,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a576430023a0b7265"
     "67696f6e2d656173749202120a084b46522d333547571206616972636f6e"},
    {"change.fault_code.put", 129,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c69768330023a0b7265"
     "67696f6e2d656173749a021d0a0245311206616972636f6e1a0fe5aea4e58685e69cbae6bc8fe6b0b4"},
    {"change.customer.put", 126,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a200f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a230023a0b7265"
     "67696f6e2d65617374e2011a08031209e78e8be5b08fe6988e1a0b3133393132333435363738"},
    {"change.customer.merge", 118,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a202e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c130023a0b7265"
     "67696f6e2d65617374ea01120a10432d726567696f6e2d656173742d3132"},
    {"change.unit.put", 146,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a204d5a6774818e9ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e030023a0b7265"
     "67696f6e2d65617374f2012e081f120d4143322d303039392d373733311a0441432d3220adafd3093210432d"
     "726567696f6e2d656173742d3132"},
    {"change.unit.merge", 119,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a206c798693a0adbac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff30023a0b7265"
     "67696f6e2d65617374fa01130a11552d73686f702d73682d303030332d3430"},
    {"change.ticket.override", 167,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a208b98a5b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e30023a0b7265"
     "67696f6e2d65617374a202430a0d4143322d303039392d3737333110061a15e5ae89e8a385e5908ee4b889e6"
     "aca1e6bc8fe6b0b4220b726567696f6e2d656173742a0c73686f702d73682d30303033"},
    {"change.ticket.rejudge", 111,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20aab7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d30023a0b7265"
     "67696f6e2d65617374aa020b0803100118ffd1d4092018"},
    {"change.complaint.open", 236,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20c9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c30023a0b7265"
     "67696f6e2d65617374b20287010a0b726567696f6e2d65617374120c73686f702d73682d303030331a11542d"
     "73686f702d73682d303030332d34302210432d726567696f6e2d656173742d31372a0ce69c8de58aa1e68081"
     "e5baa630033801422ae5b888e58285e4b88ae997a8e8bf9fe588b0e4b8a4e5b08fe697b6efbc8ce68081e5ba"
     "a6e681b6e58aa34803500358d3d2d409"},
    {"change.complaint.status", 144,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20e8f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b30023a0b7265"
     "67696f6e2d65617374ba022c080310011a0c73686f702d73682d303030332218e8b594e581bfe4b88ae997a8"
     "e8b4b9e5b9b6e98193e6ad89"},
    {"change.complaint.note", 123,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a200714212e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9a30023a0b7265"
     "67696f6e2d65617374c202170a15e5b7b2e887b4e794b5e5ba97e995bfe6a0b8e5ae9e"},
    {"change.complaint.statement", 129,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a202633404d5a6774818e9ba8b5c2cfdce9f603101d2a3744515e6b7885929facb930023a0b7265"
     "67696f6e2d65617374ca021d0a1be5bd93e697a5e69ab4e99ba8efbc8ce4baa4e9809ae5a0b5e5a19e"},
    {"change.ticket.charge", 166,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a2045525f6c798693a0adbac7d4e1eefb0815222f3c495663707d8a97a4b1becbd830023a0b7265"
     "67696f6e2d65617374d2024208f02e120b0a09502d4d4f544f522d371210100118d4fdffffffffffffff0120"
     "8407121b0a09502d4d4f544f522d37100218a8fbffffffffffffff0120880e20fc43"},
    {"change.claim.allow", 138,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a2064717e8b98a5b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf730023a0b7265"
     "67696f6e2d65617374da02260a24e689b9e6aca1e7bcbae999b7efbc8ce4bf9de5a496e794b1e58e82e5aeb6"
     "e689bfe68b85"},
    {"change.labor.put", 135,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a2083909daab7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091630023a0b7265"
     "67696f6e2d65617374e202230a0641432d5230331206616972636f6e1878220fe69bb4e68da2e58e8be7bca9"
     "e69cba"},
    {"change.tariff.set", 107,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20a2afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b283530023a0b7265"
     "67696f6e2d65617374ea02070801100218c025"},
    {"change.catalog.price", 122,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20c1cedbe8f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a475430023a0b7265"
     "67696f6e2d65617374f202160a09502d4d4f544f522d3710f8b9011880e88ca9b733"},
    {"change.old_part", 189,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20e0edfa0714212e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c59667330023a0b7265"
     "67696f6e2d65617374fa025908021211542d73686f702d73682d303030332d34301a06434d502d3335200328"
     "01321be5a496e5a3b3e5bc80e8a382efbc8ce99d9ee8b4a8e9878fe4bbb63a0c73686f702d73682d30303033"
     "420b726567696f6e2d65617374"},
    {"change.claim.pay_run", 177,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20ff0c192633404d5a6774818e9ba8b5c2cfdce9f603101d2a3744515e6b78859230023a0b7265"
     "67696f6e2d6561737482034d0a0d5041592d323032352d31322f3112150a10432d73686f702d73682d303030"
     "332d3510d01912150a10432d73686f702d73682d303030332d3910d1191880a0f8abad332080e88ca9b73328"
     "04"},
    {"change.statement.confirm", 120,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201e2b3845525f6c798693a0adbac7d4e1eefb0815222f3c495663707d8a97a4b130023a0b7265"
     "67696f6e2d656173748a03140a12e58f91e7a5a8204e6f2e3434303331323334"},
    {"change.ledger.deduct", 117,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a203d4a5764717e8b98a5b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d030023a0b7265"
     "67696f6e2d65617374920311088827120ce8999ae68aa5e5b7a5e697b6"},
    {"change.shop.put", 234,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a205c697683909daab7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2ef30023a0b7265"
     "67696f6e2d656173749a03850108011a0b726567696f6e2d656173742224e4b88ae6b5b7e6b5a6e4b89ce5ae"
     "b6e794b5e69c8de58aa1e69c89e99990e585ace58fb82a09e591a8e5bbbae59bbd3224e4b88ae6b5b7e5b882"
     "e6b5a6e4b89ce696b0e58cbae5bca0e69da8e8b7af353030e58fb73a0ce6b5a6e4b89ce696b0e58cba420d30"
     "32312d3538383820303030334801"},
    {"change.shop.stage", 124,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a207b8895a2afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e30023a0b7265"
     "67696f6e2d65617374a203180805320b726567696f6e2d656173743807408084bfddd532"},
    {"change.shop.assess", 116,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a209aa7b4c1cedbe8f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d30023a0b7265"
     "67696f6e2d65617374aa03100887ae0c105b200c28e80730c1063801"},
    {"change.ticket.open.max", 1823,
     "#cfbd8fa8141651a540e91ed581bdafcbeb0e0e4f67ef479121bdb3746e4a428e"},
    {"change.ticket.assign.max", 240,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a203e"
     "4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daab7c4d130ffffffff0f3a207272727272"
     "7272727272727272727272727272727272727272727272727272728a01220a20737373737373737373737373"
     "7373737373737373737373737373737373737373"},
    {"change.ticket.status.max", 471,
     "#9419d88042b43eb2318b5fc617ff1cffc56c25862e92b72d48a993e493253425"},
    {"change.ticket.note.max", 1233,
     "#721e0ae673c2e60bf77eb01a32102ceff420beb7720074ba8e9d706717dfb0c6"},
    {"change.ticket.callback.max", 471,
     "#67a29c0021ac0f52f6c862204b3a9e9641891138ad9164f67fd22d718714cc7c"},
    {"change.catalog.put.max", 379,
     "#8c45cd5d7b497f295903fa1e7ff3a9a0e1df18bcccf8effca22d60cca24da879"},
    {"change.part.move.max", 729,
     "#6e1296ff6aa3f06acb834fe7686d3ee65e75e8fcf02ff90bae7c4acb3373b587"},
    {"change.claim.submit.max", 1610,
     "#6388f398d7ba29b6e2fc56d939cb5865a42ae01218bca97920f369604c4d3831"},
    {"change.claim.decide.max", 562,
     "#cc749f78d447eac19f6c5898c73329eb645df5276699f277424717d41431ca2b"},
    {"change.node.cert.max", 799,
     "#417635ca63eee489a72226f23b7a15ae1ed6204e4c76664a15900a98253bee95"},
    {"change.node.revoke.max", 521,
     "#ff13605a2cb35ca595f41ebd82abe8b944a9d33e86871a583ab8f8a434b85135"},
    {"change.quarantine.release.max", 510,
     "#0de4f9c33e3976d8abbbdb942954f6e2c21135aaae60a7f2934d7597f63359c5"},
    {"change.policy.set.max", 3419,
     "#89252d7e83a07ae2147063a17bae353e094e43469c2025cb3d333840c39f428c"},
    {"change.region.grade.max", 246,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a20b2"
     "bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b384530ffffffff0f3a207272727272"
     "7272727272727272727272727272727272727272727272727272728a02280a20727272727272727272727272"
     "727272727272727272727272727272727272727210ffffffff0f"},
    {"change.model.put.max", 272,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a20d1"
     "deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a576430ffffffff0f3a207272727272"
     "7272727272727272727272727272727272727272727272727272729202420a1f4d4d4d4d4d4d4d4d4d4d4d4d"
     "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d121f6363636363636363636363636363636363636363636363"
     "6363636363636363"},
    {"change.fault_code.put.max", 531,
     "#c99eef9971a5acfc821b848a221463321ea24d3769105f1aa6af919c2b32b08b"},
    {"change.customer.put.max", 715,
     "#ba7483f157a4951e53e53cdbe75ec3c635611f3dec223334514eb5702c13cd41"},
    {"change.customer.merge.max", 279,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a202e"
     "3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c130ffffffff0f3a207272727272"
     "727272727272727272727272727272727272727272727272727272ea01490a47636363636363636363636363"
     "6363636363636363636363636363636363636363636363636363636363636363636363636363636363636363"
     "636363636363636363636363636363"},
    {"change.unit.put.max", 428,
     "#0cd5648538cb79e540365d35cfe46adc26c57e21591a979908578ce2a17e4a6b"},
    {"change.unit.merge.max", 279,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a206c"
     "798693a0adbac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff30ffffffff0f3a207272727272"
     "727272727272727272727272727272727272727272727272727272fa01490a47757575757575757575757575"
     "7575757575757575757575757575757575757575757575757575757575757575757575757575757575757575"
     "757575757575757575757575757575"},
    {"change.ticket.override.max", 604,
     "#6743f9d4acd0a0085b5ca2054dc77241679d73e05a3c5ec88bbc0c4190b4435f"},
    {"change.ticket.rejudge.max", 230,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a20aa"
     "b7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d30ffffffff0f3a207272727272"
     "727272727272727272727272727272727272727272727272727272aa021808ffffffff0f10ffffffff0f18ff"
     "ffffff0f20ffffffff0f"},
    {"change.complaint.open.max", 1559,
     "#a253ae9d9d527d86a0f1e1e48b8a52e3918ba1a8b6dcc6211cfacee6484ab5bc"},
    {"change.complaint.status.max", 511,
     "#47fe851c104de59bedbc1f1dac6c75bd7a2a058dd7c0d3b592f4fc71504d1f29"},
    {"change.complaint.note.max", 1233,
     "#ba63dff672ae1bec767d34aafe2f18db6fa611f68b404aade376284303725c0c"},
    {"change.complaint.statement.max", 1233,
     "#88a64390f6a991bc3cce44c150b42d47594f6213f3271284b456af923a0f62e6"},
    {"change.ticket.charge.max", 1229,
     "#269ac4829e3884290076262117c46b854e081a3e45aa8582ac8ea6c15ff6900c"},
    {"change.claim.allow.max", 465,
     "#a546da25445e1e9ce0be25d21b06eff41ed511982b5bcc076aba47734341ba7d"},
    {"change.labor.put.max", 537,
     "#4edeb22a31d0e316635161f66e560990fcd7382104a204fd76ef83e729b55a28"},
    {"change.tariff.set.max", 246,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a20a2"
     "afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b283530ffffffff0f3a207272727272"
     "727272727272727272727272727272727272727272727272727272ea022808ffffffff0f10ffffffff0f1880"
     "80808080808080800120ffffffff0f2880808080808080808001"},
    {"change.catalog.price.max", 261,
     "0a206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f10ffffffffffffffffff"
     "0118ffffffffffffffffff012247e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a"
     "e8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819ae8819a79792a20c1"
     "cedbe8f5020f1c293643505d6a7784919eabb8c5d2dfecf90613202d3a475430ffffffff0f3a207272727272"
     "727272727272727272727272727272727272727272727272727272f202370a1f505050505050505050505050"
     "50505050505050505050505050505050505050108080808080808080800118ffffffffffffffffff01"},
    {"change.old_part.max", 665,
     "#1db8ac6008c4774d5df052114e936717f6c5b360589281c594c4bfe31ac22792"},
    {"change.claim.pay_run.max", 3020,
     "#0a2c6c2fa2981d1dc091473d158d61acafbe0227d7345b0fbb064e559331001e"},
    {"change.statement.confirm.max", 338,
     "#c7b651d36f0e4a25fb864360ece63ec01a8906daf92cee39c972bba3c4be186f"},
    {"change.ledger.deduct.max", 475,
     "#560d91a6cea8b756302f9437130057c75b31b5bdadfd8af6229360f14b82bb16"},
    {"change.shop.put.max", 1408,
     "#721e8aa136eacea204bc95cbffffab996eb36077cb9b7137e6ecfb57317202e2"},
    {"change.shop.stage.max", 663,
     "#c9558d79606b2def1939ecfb880591d4243983617266f80a510bfd07a8004446"},
    {"change.shop.assess.max", 507,
     "#b3906ca5b0deb1d65e2841f4f20f09d91992c467fbf902ac0fbc5b8fbb249914"},
    {"change.ticket.note.operator", 133,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a207c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe8f5020f30023a0b7265"
     "67696f6e2d656173744206e5bca0e4bc9f9a01190a1763616c6c65642074776963652c206e6f20616e737765"
     "72"},
    {"change.ticket.note.operator.max", 1364,
     "#acb223350e14a682695064a1dce986e7ca6ffe7a0d21a154b8146e1b48cc3212"},
    {"change.ticket.open.policy", 251,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98a5b230023a0b7265"
     "67696f6e2d656173748201960108031206e69d8ee59b9b1a102b3836203231203535353520303130312227e4"
     "b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cbae4b896e7baaae5a4a7e98193313030e58fb72a0b41432d32"
     "20e7a9bae8b0834206e5ae89e8a3854a0b726567696f6e2d656173746a084b46522d33354757720661697263"
     "6f6e78e0b5d3098001038801019001039801ffd1d409a00118a801b3b6d309"},
    {"change.ticket.status.at", 125,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a205d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f030023a0b7265"
     "67696f6e2d656173749201190804120e637573746f6d6572206d6f7665641880efbbe4b832"},
    {"change.ticket.status.fault_code", 122,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a205d6a7784919eabb8c5d2dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f030023a0b7265"
     "67696f6e2d656173749201160805120e637573746f6d6572206d6f76656422024531"},
    {"change.ticket.open.customer", 174,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98a5b230023a0b7265"
     "67696f6e2d6561737482014a08032a0b41432d3220e7a9bae8b0834206e5ae89e8a3854a0b726567696f6e2d"
     "656173745a11432d726567696f6e2d656173742d3939396211552d726567696f6e2d656173742d393938"},
    {"change.ticket.callback.outcome", 104,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a209ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e0edfa0714212e30023a0b7265"
     "67696f6e2d65617374a2010418022003"},
    {"change.ticket.open.override", 212,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98a5b230023a0b7265"
     "67696f6e2d6561737482017008062a0b41432d3220e7a9bae8b0834206e5ae89e8a3854a0b726567696f6e2d"
     "656173745a11432d726567696f6e2d656173742d3939396211552d726567696f6e2d656173742d393938b201"
     "15e5ae89e8a385e5908ee4b889e6aca1e6bc8fe6b0b4ba010b726567696f6e2d65617374"},
    {"change.claim.submit.lines", 252,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20f805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b30023a0b7265"
     "67696f6e2d65617374ba0197010a10742d73686f702d73682d303030332d351003220b0a09502d4d4f544f52"
     "2d372210100118d4fdffffffffffffff01208407221b0a09502d4d4f544f522d37100218a8fbffffffffffff"
     "ff0120880e28dc0b30ecffffffffffffffff0138d0194a0b726567696f6e2d6561737452100a0641432d5230"
     "3310960118e05d2001520d0a0641432d473031101e18e012582a600168037001"},
    {"change.claim.decide.lines", 172,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a201724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daa30023a0b7265"
     "67696f6e2d65617374c201480805100318d0192a0d5041592d323032342d3037373730d0193a16080110804b"
     "1a0fe8b685e6a087e58786e5b7a5e697b63a0208044211542d73686f702d73682d303030332d3132"},
    {"change.catalog.put.return_old", 132,
     "0a0b726567696f6e2d6561737410e807188980ecbfef91e3c9012214632d742d726567696f6e2d656173742d"
     "313030302a20bac7d4e1eefb0815222f3c495663707d8a97a4b1becbd8e5f2ff0c192633404d30023a0b7265"
     "67696f6e2d65617374aa01200a09502d4d4f544f522d371206e794b5e69cba18ffffffffffffffffff012001"},
    {"ticket", 167,
     "0a10742d73686f702d73682d303030332d3510021a06e78e8be4ba94220b3133393030303030303030320441"
     "432d3240e5aed30948015206e6bc8fe6b0b45a0b726567696f6e2d65617374620c73686f702d73682d303030"
     "336a0b726567696f6e2d6561737470057880efbbe4b8328801f9eebbe4b8329001f8eebbe4b832b80104c001"
     "01c801f7eebbe4b832d00180efbbe4b832da010c73686f702d73682d30303033e00105"},
    {"ticket.customer", 207,
     "0a10742d73686f702d73682d303030332d3510021a06e78e8be4ba94220b3133393030303030303030320441"
     "432d3240e5aed30948015206e6bc8fe6b0b45a0b726567696f6e2d65617374620c73686f702d73682d303030"
     "336a0b726567696f6e2d6561737470057880efbbe4b8328801f9eebbe4b8329001f8eebbe4b832b80104c001"
     "01c801f7eebbe4b832d00180efbbe4b832da010c73686f702d73682d30303033e00105ea0111432d73686f70"
     "2d73682d303030332d3430f20111552d73686f702d73682d303030332d3431"},
    {"ticket.charge", 258,
     "0a10742d73686f702d73682d303030332d3510021a06e78e8be4ba94220b3133393030303030303030320441"
     "432d3240e5aed30948015206e6bc8fe6b0b45a0b726567696f6e2d65617374620c73686f702d73682d303030"
     "336a0b726567696f6e2d6561737470057880efbbe4b8328801f9eebbe4b8329001f8eebbe4b832b80104c001"
     "01c801f7eebbe4b832d00180efbbe4b832da010c73686f702d73682d30303033e00105ea0111432d73686f70"
     "2d73682d303030332d3430f20111552d73686f702d73682d303030332d3431a8039e73b00302ba0324e689b9"
     "e6aca1e7bcbae999b7efbc8ce4bf9de5a496e794b1e58e82e5aeb6e689bfe68b85c203026871"},
    {"customer", 148,
     "0a11432d73686f702d73682d303030332d34301209e78e8be5b08fe6988e1a0b313339313233343536373822"
     "0d3032312d3535353520303130313215e4b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cba3801420b726567"
     "696f6e2d656173744a0c73686f702d73682d303030335080efbbe4b8326880efbbe4b8327080efbbe4b8327a"
     "0c73686f702d73682d30303033800128"},
    {"unit", 156,
     "0a11552d73686f702d73682d303030332d3431120d4143322d303039392d373733311a0441432d3220adafd3"
     "0928b1afd3093211432d73686f702d73682d303030332d34303a0b726567696f6e2d65617374420c73686f70"
     "2d73682d303030334880efbbe4b832520f552d726567696f6e2d656173742d395880efbbe4b8326080efbbe4"
     "b8326880efbbe4b832720b726567696f6e2d656173747829"},
    {"claim", 205,
     "0a12632d742d73686f702d73682d303030332d351210742d73686f702d73682d303030332d351a0c73686f70"
     "2d73682d30303033220b726567696f6e2d6561737428033007420b0a09502d4d4f544f522d374210100118d4"
     "fdffffffffffffff01208407421b0a09502d4d4f544f522d37100218a8fbffffffffffffff0120880e48dc0b"
     "50ecffffffffffffffff0158d01960d019720d5041592d323032342d303737377a0b726567696f6e2d656173"
     "74820102687188010b90010c98010da0010eb0010fba01026871c00110"},
    {"transfer", 77,
     "0a1074722d726567696f6e2d656173742d331209502d4d4f544f522d371a0b726567696f6e2d65617374220c"
     "73686f702d73682d30303033280238154816520b726567696f6e2d656173745817"},
    {"catalog", 19, "0a09502d4d4f544f522d37201f2a0268713020"},
    {"node", 85,
     "0a0b726567696f6e2d6561737410021a0b726567696f6e2d65617374220268712a20bac7d4e1eefb0815222f"
     "3c495663707d8a97a4b1becbd8e5f2ff0c192633404d3029382a402b602e6a026871702f782c80012d"},
    {"stock", 4, "08181001"},
    {"cert", 86,
     "0a0b726567696f6e2d6561737410021a0b726567696f6e2d65617374220268712a20d9e6f3000d1a2734414e"
     "5b6875828f9ca9b6c3d0ddeaf704111e2b3845525f6c3080efbbe4b83238809fc5dfa33440024a026871"},
    {"enroll", 56,
     "0a0b726567696f6e2d6561737410022220f805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a"
     "5764717e8b2880efbbe4b832"},
    {"bundle", 237,
     "0a84010a401724313e4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c697683909daab7c4d1deebf805"
     "121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a12403643505d6a7784919eabb8c5d2dfecf906"
     "13202d3a4754616e7b8895a2afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b283542"
     "4f5c69122055626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe81a026871220268"
     "712a187463703a2f2f68712e6578616d706c652e636e3a37343131322074818e9ba8b5c2cfdce9f603101d2a"
     "3744515e6b7885929facb9c6d3e0edfa07"},
    {"export", 90,
     "0801120c73686f702d73682d303030331a0b726567696f6e2d65617374221093a0adbac7d4e1eefb0815222f"
     "3c49562880efbbe4b8323220b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b3845"
     "3801"},
    {"policy", 44,
     "080110d5d2d4091a140a0e6f6e736974655f686f7572732e41120231322080efbbe4b8322833320268713834"},
    {"grade", 23, "0a0b726567696f6e2d6561737410031835220268712836"},
    {"model", 26, "0a084b46522d333547571206616972636f6e1837220268712838"},
    {"fault_code", 37,
     "0a0245311206616972636f6e1a0fe5aea4e58685e69cbae6bc8fe6b0b420392a026871303a"},
    {"override", 85,
     "0a0d4143322d303039392d3737333110051a0fe588b0e8b4a7e58db3e68d9fe59d8f220b726567696f6e2d65"
     "6173742a0c73686f702d73682d303030333080f8888cae33383d420b726567696f6e2d65617374483e"},
    {"complaint", 291,
     "0a104b2d726567696f6e2d656173742d3138120b726567696f6e2d656173741a0c73686f702d73682d303030"
     "332211542d73686f702d73682d303030332d34302a10432d726567696f6e2d656173742d3137320ce69c8de5"
     "8aa1e68081e5baa6380340014a2ae5b888e58285e4b88ae997a8e8bf9fe588b0e4b8a4e5b08fe697b6efbc8c"
     "e68081e5baa6e681b6e58aa3520b726567696f6e2d656173745803600368d3d2d40970037880f8888cae3380"
     "0180a0d587af33880180d5e48dae33900180b2c08fae339a010b726567696f6e2d65617374a001808f9c91ae"
     "33a80101b2010c73686f702d73682d30303033ba0118e8b594e581bfe4b88ae997a8e8b4b9e5b9b6e98193e6"
     "ad89d00102d80101e001808f9c91ae33e80147f201026871f80148"},
    {"claim.lines", 285,
     "0a12632d742d73686f702d73682d303030332d351210742d73686f702d73682d303030332d351a0c73686f70"
     "2d73682d30303033220b726567696f6e2d6561737428033007420b0a09502d4d4f544f522d374210100118d4"
     "fdffffffffffffff01208407421b0a09502d4d4f544f522d37100218a8fbffffffffffffff0120880e48dc0b"
     "50ecffffffffffffffff0158d01960d019720d5041592d323032342d303737377a0b726567696f6e2d656173"
     "74820102687188010b90010c98010da0010eb0010fba01026871c00110ca0109e78e8be7bb8fe79086d20110"
     "0a0641432d52303310960118e05d2001d8012ae80103f20108080110804b18804bf2010610804b18804bfa01"
     "11542d73686f702d73682d303030332d3132800201"},
    {"catalog.prices", 45,
     "0a09502d4d4f544f522d37201f2a0268713020420b0880e88ca9b73310f8b901420b0880a0a6d2b73310dcba"
     "01"},
    {"labor", 48,
     "0a0641432d5230331206616972636f6e1878220fe69bb4e68da2e58e8be7bca9e69cba2880efbbe4b8323202"
     "68713807"},
    {"tariff", 36, "08982a10c02518e8202205081410b8172205082810f02e2880efbbe4b832320268713808"},
    {"old_part", 166,
     "0a1a4f3a542d73686f702d73682d303030332d34302f434d502d33351211542d73686f702d73682d30303033"
     "2d34301a06434d502d3335220c73686f702d73682d303030332a0b726567696f6e2d65617374300338034001"
     "480250025880efbbe4b8326081efbbe4b8326882efbbe4b8327083efbbe4b8328a011be5a496e5a3b3e5bc80"
     "e8a382efbc8ce99d9ee8b4a8e9878fe4bbb6900180efbbe4b8329a01026871a0014d"},
    {"catalog.return_old", 47,
     "0a09502d4d4f544f522d37201f2a02687130203801420b0880e88ca9b73310f8b901420b0880a0a6d2b73310"
     "dcba01"},
    {"statement", 210,
     "0a16593a73686f702d73682d303030332f323032352d3132120c73686f702d73682d303030331890ae0c2226"
     "0a0d5041592d323032352d31322f311080d2a7dab7331a09e69d8ee587bae7bab3200228a1332a150a10432d"
     "73686f702d73682d303030332d3510d0192a150a10432d73686f702d73682d303030332d3910d11932180888"
     "27120ce8999ae68aa5e5b7a5e697b6188090d0aab7333a12e58f91e7a5a8204e6f2e34343033313233344209"
     "e5bca0e5ba97e995bf488094ff89b833500f5a0c73686f702d73682d303030336010"},
    {"claim.decided_op", 217,
     "0a12632d742d73686f702d73682d303030332d351210742d73686f702d73682d303030332d351a0c73686f70"
     "2d73682d30303033220b726567696f6e2d6561737428033007420b0a09502d4d4f544f522d374210100118d4"
     "fdffffffffffffff01208407421b0a09502d4d4f544f522d37100218a8fbffffffffffffff0120880e48dc0b"
     "50ecffffffffffffffff0158d01960d019720d5041592d323032342d303737377a0b726567696f6e2d656173"
     "74820102687188010b90010c98010da0010eb0010fba01026871c00110ca0109e78e8be4bc9ae8aea1"},
    {"shop", 367, "#617f2a07309ab56caed3de621539352e06ec2ef374aba5e8630afd088d623a64"},
    {"ticket.max", 2139, "#0b7516a9808f4967e373759199d918086cb78957a8b2befe3075601e38718c14"},
    {"ticket.customer.max", 2287,
     "#d7a6d214253c3716f63933dfc15c336f31edded928e79d704dd8ad63d817ec64"},
    {"ticket.charge.max", 2599,
     "#d7f36c097377f2270276021ffd06d5fa52ef9a98ff4c211edbadf92fdb7afa62"},
    {"customer.max", 806, "#01401ed2a6a0ca981d3c2f3c9e44e767041664758b928e0db379a88894858d40"},
    {"unit.max", 518, "#9f7a1584887697f4238320e8b00b89f5c633ed50a7d9e394a6c34d9f58313c33"},
    {"claim.max", 2027, "#956284eff475e9338bcf9e3359103a47b54bf6d8c53452d4990aaa479e714367"},
    {"transfer.max", 264,
     "0a47696969696969696969696969696969696969696969696969696969696969696969696969696969696969"
     "6969696969696969696969696969696969696969696969696969696969121f70707070707070707070707070"
     "7070707070707070707070707070707070701a20737373737373737373737373737373737373737373737373"
     "73737373737373732220646464646464646464646464646464646464646464646464646464646464646428ff"
     "ffffffffffffff7f300138ffffffffffffffffff0140ffffffffffffffffff0148ffffffffffffffffff0152"
     "206f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f58ffffffffffffffffff01"},
    {"catalog.max", 228,
     "0a1f70707070707070707070707070707070707070707070707070707070707070127fe794b5e69cbae794b5"
     "e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69c"
     "bae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae7"
     "94b5e69cbae794b5e69cbae794b5e69cbae794b5e69cbae794b5e69cba7918ffffffffffffffff7f20ffffff"
     "ffffffffffff012a20686868686868686868686868686868686868686868686868686868686868686830ffff"
     "ffffffffffffff01"},
    {"node.max", 525, "#86b9dcd5dd095fe08d8ebfe5e01c855da606dd5ba39cd67a499efbcbe10759ed"},
    {"stock.max", 33, "08ffffffffffffffffff0110feffffffffffffffff0118ffffffffffffffffff01"},
    {"cert.max", 209,
     "0a206e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e10ffffffff0f1a207272"
     "7272727272727272727272727272727272727272727272727272727272722220757575757575757575757575"
     "75757575757575757575757575757575757575752a20d9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddea"
     "f704111e2b3845525f6c30ffffffffffffffffff0138ffffffffffffffffff0140ffffffffffffffffff014a"
     "206969696969696969696969696969696969696969696969696969696969696969"},
    {"enroll.max", 119,
     "0a206e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e10ffffffff0f1a207272"
     "7272727272727272727272727272727272727272727272727272727272722220f805121f2c394653606d7a87"
     "94a1aebbc8d5e2effc091623303d4a5764717e8b28ffffffffffffffffff01"},
    {"bundle.max", 989, "#3d27a89dc781e8e717088c71e6bca836bca308c291887bf759a7930c385f3651"},
    {"export.max", 155,
     "0801122073737373737373737373737373737373737373737373737373737373737373731a20747474747474"
     "7474747474747474747474747474747474747474747474747474221093a0adbac7d4e1eefb0815222f3c4956"
     "28ffffffffffffffffff013220b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2b38"
     "4538ffffffffffffffffff0140ffffffffffffffffff01"},
    {"policy.max", 3279, "#267672c2f9091481f3fc5fc458d28370d7f5a85a138f0c43a80cb58927033013"},
    {"grade.max", 96,
     "0a20727272727272727272727272727272727272727272727272727272727272727210ffffffff0f18ffffff"
     "ffffffffffff012220686868686868686868686868686868686868686868686868686868686868686828ffff"
     "ffffffffffffff01"},
    {"model.max", 122,
     "0a1f4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d121f636363636363636363"
     "6363636363636363636363636363636363636363636318ffffffffffffffffff012220686868686868686868"
     "686868686868686868686868686868686868686868686828ffffffffffffffffff01"},
    {"fault_code.max", 380, "#af27716c729e0eed29aa5a77cb40f39a6b4c4d539e9154638207929c72d2f209"},
    {"override.max", 464, "#c7ec276e88fd0e809c81380d4587526b39cf8f8d71406e2e4af8d1c790d6c032"},
    {"complaint.max", 1969, "#a536118048f2e35ef74a2db3c425925b16803c489c39c503ddbb72f126c15e21"},
    {"claim.lines.max", 3396, "#e8a3b7a1a57be1fd6a78cf6da79f34cac4be31bf5760a6f74268728085dd6e45"},
    {"catalog.prices.max", 612,
     "#ec1594d31f7b9bad5e92185319d73ba12245e1f493d16738a42fcb4820e69310"},
    {"labor.max", 386, "#74dbdb58f2b4768d66fc23e17fdb674b4a4703cb3d25c9d49c62105b1291479f"},
    {"tariff.max", 393, "#ad46a4a217cf66e0faae1f8743ee9d619f71ed05c76a20bc96fce5dcc5338d02"},
    {"old_part.max", 929, "#4301d43ab54665750bfe0e1a16eeae204e687f3aa7a883ad346181a967d4d7cc"},
    {"catalog.return_old.max", 614,
     "#ef2ef06db6a0a2f2185794f784365e87503495bf71ea095a361d13264b39dbba"},
    {"statement.max", 16298, "#259341883cd05fccfbcb88d40c5de7721e9eae16a82c92c35966f02396a21c2c"},
    {"claim.decided_op.max", 2159,
     "#17a2fb60dd13317fb0957dfadaee7bbf173a60ec96697a70cd4eb73d19c9f207"},
    {"shop.max", 4290, "#9c7d0f16166f219e26304c2430a649b976df83ec7ac9787b7204d0fdceaf3b5a"},
    {"commit", 52,
     "0a0c73686f702d73682d303030331001180122206c798693a0adbac7d4e1eefb0815222f3c495663707d8a97"
     "a4b1becbd8e5f2ff"},
    {"commit.prev", 222,
     "0a0c73686f702d73682d303030331006180a22206c798693a0adbac7d4e1eefb0815222f3c495663707d8a97"
     "a4b1becbd8e5f2ff22208b98a5b2bfccd9e6f3000d1a2734414e5b6875828f9ca9b6c3d0ddeaf704111e2220"
     "aab7c4d1deebf805121f2c394653606d7a8794a1aebbc8d5e2effc091623303d2220c9d6e3f0fd0a1724313e"
     "4b5865727f8c99a6b3c0cddae7f4010e1b2835424f5c2220e8f5020f1c293643505d6a7784919eabb8c5d2df"
     "ecf90613202d3a4754616e7b2a20a2afbcc9d6e3f0fd0a1724313e4b5865727f8c99a6b3c0cddae7f4010e1b"
     "2835"},
    {"signed", 108,
     "0a284d5a6774818e9ba8b5c2cfdce9f603101d2a3744515e6b7885929facb9c6d3e0edfa0714212e3b481240"
     "2e3b4855626f7c8996a3b0bdcad7e4f1fe0b1825323f4c596673808d9aa7b4c1cedbe8f5020f1c293643505d"
     "6a7784919eabb8c5d2dfecf90613202d3a475461"},
    {"msg.hello", 37, "0a230801120b726567696f6e2d656173741a10d1deebf805121f2c394653606d7a87943801"},
    {"msg.batch", 4, "12020801"},
    {"msg.ack", 10, "1a080802100318042805"},
    {"msg.ping", 4, "22020806"},
    {"msg.error", 13, "2a0b1209626164206261746368"},
    {"msg.hello.full", 122,
     "0a780801120b726567696f6e2d656173741a10d1deebf805121f2c394653606d7a879420ffffffffffffff0f"
     "2a10f0fd0a1724313e4b5865727f8c99a6b332060a026871100332220a206f6f6f6f6f6f6f6f6f6f6f6f6f6f"
     "6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f38ffffffffffffffffff01409875484d"},
    {"msg.batch.full", 90,
     "125808ffffffffffffffffff0110ffffffffffffff0f1a0a0f1c293643505d6a77841a001a1e919eabb8c5d2"
     "dfecf90613202d3a4754616e7b8895a2afbcc9d6e3f0fd0a2214505d6a7784919eabb8c5d2dfecf90613202d"
     "3a47"},
    {"msg.ack.full", 40,
     "1a2608ffffffffffffffffff0110ffffffffffffff0f18ffffffff0f20ffffffff0f28ffffffff0f"},
    {"msg.ping.full", 22, "221408ffffffffffffffffff0110ffffffffffffff0f"},
    {"msg.error.full", 267,
     "2a880208ffffffff0f12ff01e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e994"
     "99e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e9"
     "9499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499"
     "e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e994"
     "99e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e9"
     "9499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499e99499"
     "e99499"},
};

static bool print_mode;
static size_t gold_next;

/* Compares (or, in print mode, prints) the next frozen encoding. */
static void gold_check(const char *name, int rc, const uint8_t *b, size_t n)
{
	static char hex[2 * GOLD_HEX_MAX + 2];
	uint8_t h[SVC_HASH_LEN];

	CHECK_INT(rc, 0);
	if (n <= GOLD_HEX_MAX) {
		svc_hex(b, n, hex);
	} else {
		hex[0] = '#';
		svc_hash(b, n, h);
		svc_hex(h, SVC_HASH_LEN, hex + 1);
	}
	if (print_mode) {
		size_t hl = strlen(hex);

		printf("    {\"%s\", %zu,\n", name, n);
		for (size_t i = 0; i < hl || i == 0; i += 88)
			printf("     \"%.88s\"%s\n", hex + i, i + 88 < hl ? "" : "},");
		return;
	}
	if (gold_next >= sizeof golden / sizeof golden[0]) {
		CHECK(!"more cases than frozen encodings");
		return;
	}
	const struct gold *g = &golden[gold_next++];
	CHECK_STR(name, g->name);
	CHECK_INT(n, g->len);
	CHECK_STR(hex, g->bytes);
}

/* Encode, compare with the table, decode back, compare with the value. */
#define GOLD(name, type, enc, dec, val)                                                            \
	do {                                                                                       \
		static type back_;                                                                 \
		size_t n_ = 0;                                                                     \
		int rc_ = enc((val), gbuf_fresh(), sizeof gbuf, &n_);                              \
		gold_check((name), rc_, gbuf, n_);                                                 \
		if (!print_mode) {                                                                 \
			CHECK_INT(dec(gbuf, n_, &back_), 0);                                       \
			CHECK(memcmp((val), &back_, sizeof back_) == 0);                           \
		}                                                                                  \
	} while (0)

static uint8_t *gbuf_fresh(void)
{
	memset(gbuf, 0xee, sizeof gbuf);
	return gbuf;
}

static void run_changes(void)
{
	static svc_change c;
	char name[64];

	for (int max = 0; max <= 1; max++)
		for (int k = SVC_CK_TICKET_OPEN; k < SVC_CK_MAX_; k++) {
			snprintf(name, sizeof name, "change.%s%s",
			         svc_change_kind_name((uint32_t)k), max ? ".max" : "");
			gold_change(&c, (svc_change_kind)k, max);
			GOLD(name, svc_change, svc_codec_change_encode, svc_codec_change_decode,
			     &c);
		}
	/* The operator (field 8): a Chinese name, and 32 four-byte characters,
	 * the most the buffer holds. Every case above leaves it empty, which
	 * is how changes older than the field look. */
	gold_change(&c, SVC_CK_TICKET_NOTE, false);
	SET(c.operator, "张伟");
	GOLD("change.ticket.note.operator", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	gold_change(&c, SVC_CK_TICKET_NOTE, true);
	FILL(c.operator, "𠀀");
	GOLD("change.ticket.note.operator.max", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	/* policy: the inputs a ticket was judged on, a visit time, a fault code */
	gold_change(&c, SVC_CK_TICKET_OPEN, false);
	SET(c.u.ticket_open.model, "KFR-35GW");
	SET(c.u.ticket_open.category, "aircon");
	c.u.ticket_open.installed = 20241120;
	c.u.ticket_open.policy_version = 3;
	c.u.ticket_open.grade = SVC_GRADE_A;
	c.u.ticket_open.channel = SVC_CHANNEL_LETTER;
	c.u.ticket_open.warranty_until = 20261119;
	c.u.ticket_open.onsite_hours = 24;
	c.u.ticket_open.opened_on = 20241203;
	GOLD("change.ticket.open.policy", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	gold_change(&c, SVC_CK_TICKET_STATUS, false);
	c.u.ticket_status.status = SVC_TS_ON_SITE;
	c.u.ticket_status.at = 1733230000000ULL;
	GOLD("change.ticket.status.at", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	c.u.ticket_status.status = SVC_TS_RESOLVED;
	c.u.ticket_status.at = 0;
	SET(c.u.ticket_status.fault_code, "E1");
	GOLD("change.ticket.status.fault_code", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	/* customer: a ticket that refers to a customer file and unit (fields
	 * 11, 12) and holds no copy of personal data. */
	gold_change(&c, SVC_CK_TICKET_OPEN, false);
	memset(c.u.ticket_open.customer, 0, sizeof c.u.ticket_open.customer);
	memset(c.u.ticket_open.phone, 0, sizeof c.u.ticket_open.phone);
	memset(c.u.ticket_open.address, 0, sizeof c.u.ticket_open.address);
	SET(c.u.ticket_open.customer_id, "C-region-east-999");
	SET(c.u.ticket_open.unit_id, "U-region-east-998");
	GOLD("change.ticket.open.customer", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	/* callbacks: an attempt's outcome and the policy's limit (fields 3, 4) */
	gold_change(&c, SVC_CK_TICKET_CALLBACK, false);
	c.u.ticket_callback.satisfaction = 0;
	c.u.ticket_callback.outcome = SVC_CB_UNREACHABLE;
	c.u.ticket_callback.limit = 3;
	GOLD("change.ticket.callback.outcome", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	gold_change(&c, SVC_CK_TICKET_OPEN, false);
	memset(c.u.ticket_open.customer, 0, sizeof c.u.ticket_open.customer);
	memset(c.u.ticket_open.phone, 0, sizeof c.u.ticket_open.phone);
	memset(c.u.ticket_open.address, 0, sizeof c.u.ticket_open.address);
	SET(c.u.ticket_open.customer_id, "C-region-east-999");
	SET(c.u.ticket_open.unit_id, "U-region-east-998");
	/* policy: an exchange opened under an exception (fields 22, 23) */
	SET(c.u.ticket_open.override_reason, "安装后三次漏水");
	SET(c.u.ticket_open.override_by, "region-east");
	c.u.ticket_open.kind = SVC_TK_EXCHANGE;
	GOLD("change.ticket.open.override", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	/* claim lines: operation lines, a travel distance and the ceilings'
	 * policy version (fields 10..13); per-line decisions and a repeat
	 * repair (fields 7, 8) */
	gold_change(&c, SVC_CK_CLAIM_SUBMIT, false);
	c.u.claim_submit.nops = 2;
	SET(c.u.claim_submit.ops[0].code, "AC-R03");
	c.u.claim_submit.ops[0].minutes = 150;
	c.u.claim_submit.ops[0].amount = 12000;
	c.u.claim_submit.ops[0].flags = SVC_LINE_OVER_CARD;
	SET(c.u.claim_submit.ops[1].code, "AC-G01");
	c.u.claim_submit.ops[1].minutes = 30;
	c.u.claim_submit.ops[1].amount = 2400;
	c.u.claim_submit.distance_km = 42;
	c.u.claim_submit.travel_flags = SVC_LINE_OVER_CARD;
	c.u.claim_submit.policy_version = 3;
	c.u.claim_submit.priced = true;
	GOLD("change.claim.submit.lines", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	gold_change(&c, SVC_CK_CLAIM_DECIDE, false);
	c.u.claim_decide.nlines = 2;
	c.u.claim_decide.lines[0].line = 1;
	c.u.claim_decide.lines[0].amount = 9600;
	SET(c.u.claim_decide.lines[0].reason, "超标准工时");
	c.u.claim_decide.lines[1].line = 4;
	SET(c.u.claim_decide.repeat_of, "T-shop-sh-0003-12");
	GOLD("change.claim.decide.lines", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
	/* old parts: a catalog put that flags the part (field 4) */
	gold_change(&c, SVC_CK_CATALOG_PUT, false);
	c.u.catalog_put.return_old = SVC_RETURN_OLD_YES;
	GOLD("change.catalog.put.return_old", svc_change, svc_codec_change_encode,
	     svc_codec_change_decode, &c);
}

/* old parts */
static void gold_old_part(svc_old_part *o, bool max)
{
	uint64_t big = max ? UINT64_MAX : 1733230000000ULL;
	int64_t n = max ? INT64_MAX : 3;

	memset(o, 0, sizeof *o);
	STR(o->id, max, "o", "O:T-shop-sh-0003-40/CMP-35");
	STR(o->ticket, max, "t", "T-shop-sh-0003-40");
	STR(o->part_no, max, "p", "CMP-35");
	STR(o->shop, max, "s", "shop-sh-0003");
	STR(o->region, max, "r", "region-east");
	o->shipped = n;
	o->received = n;
	o->rejected = max ? INT64_MAX : 1;
	o->forwarded = max ? INT64_MAX : 2;
	o->hq_received = max ? INT64_MAX : 2;
	o->shipped_at = big;
	o->accepted_at = big + !max;
	o->forwarded_at = big + 2 * !max;
	o->hq_received_at = big + 3 * !max;
	o->waived = max ? UINT64_MAX : 0;
	STR(o->waive_reason, max, "免", "");
	STR(o->reject_reason, max, "裂", "外壳开裂，非质量件");
	STR(o->last.origin, max, "h", "hq");
	o->last.hlc = big;
	o->last.seq = max ? UINT64_MAX : 77;
}

static void run_states(void)
{
	static svc_ticket t;
	static svc_claim c;
	static svc_transfer tr;
	static svc_catalog_item ci;
	static svc_node n;
	static svc_stock s;
	static svc_cert ce;
	static svc_enroll_request er;
	static svc_bundle b;
	static svc_export_header eh;
	static svc_policy po;
	static svc_grade_item gr;
	static svc_model mo;
	static svc_fault_code fc;
	static svc_override ov;
	static svc_complaint ko;
	static svc_old_part op;
	static svc_statement ys;
	static svc_shop sh;
	static svc_customer cu;
	static svc_unit un;

	for (int max = 0; max <= 1; max++) {
		const char *sfx = max ? ".max" : "";
		char name[64];

#define GOLD_NAMED(tag, ...)                                                                       \
	do {                                                                                       \
		snprintf(name, sizeof name, "%s%s", (tag), sfx);                                   \
		GOLD(name, __VA_ARGS__);                                                           \
	} while (0)
		gold_ticket(&t, max);
		GOLD_NAMED("ticket", svc_ticket, svc_codec_ticket_encode, svc_codec_ticket_decode,
		           &t);
		/* customer */
		STR(t.customer_id, max, "c", "C-shop-sh-0003-40");
		STR(t.unit_id, max, "u", "U-shop-sh-0003-41");
		GOLD_NAMED("ticket.customer", svc_ticket, svc_codec_ticket_encode,
		           svc_codec_ticket_decode, &t);
		/* out-of-warranty work: the customer's charges and HQ's leave */
		t.charge_fen = max ? INT64_MAX : 14750;
		t.charges = max ? UINT32_MAX : 2;
		STR(t.claim_allow_reason, max, "准", "批次缺陷，保外由厂家承担");
		STR(t.claim_allowed_by, max, "h", "hq");
		GOLD_NAMED("ticket.charge", svc_ticket, svc_codec_ticket_encode,
		           svc_codec_ticket_decode, &t);
		gold_customer(&cu, max);
		GOLD_NAMED("customer", svc_customer, svc_codec_customer_encode,
		           svc_codec_customer_decode, &cu);
		gold_unit(&un, max);
		GOLD_NAMED("unit", svc_unit, svc_codec_unit_encode, svc_codec_unit_decode, &un);
		gold_claim(&c, max);
		GOLD_NAMED("claim", svc_claim, svc_codec_claim_encode, svc_codec_claim_decode, &c);
		gold_transfer(&tr, max);
		GOLD_NAMED("transfer", svc_transfer, svc_codec_transfer_encode,
		           svc_codec_transfer_decode, &tr);
		gold_catalog(&ci, max);
		GOLD_NAMED("catalog", svc_catalog_item, svc_codec_catalog_encode,
		           svc_codec_catalog_decode, &ci);
		gold_node(&n, max);
		GOLD_NAMED("node", svc_node, svc_codec_node_encode, svc_codec_node_decode, &n);
		gold_stock(&s, max);
		GOLD_NAMED("stock", svc_stock, svc_codec_stock_encode, svc_codec_stock_decode, &s);
		gold_cert(&ce, max);
		GOLD_NAMED("cert", svc_cert, svc_codec_cert_encode, svc_codec_cert_decode, &ce);
		gold_enroll(&er, max);
		GOLD_NAMED("enroll", svc_enroll_request, svc_codec_enroll_request_encode,
		           svc_codec_enroll_request_decode, &er);
		gold_bundle(&b, max);
		GOLD_NAMED("bundle", svc_bundle, svc_codec_bundle_encode, svc_codec_bundle_decode,
		           &b);
		gold_export(&eh, max);
		GOLD_NAMED("export", svc_export_header, svc_codec_export_header_encode,
		           svc_codec_export_header_decode, &eh);
		/* policy */
		gold_policy(&po, max);
		GOLD_NAMED("policy", svc_policy, svc_codec_policy_encode, svc_codec_policy_decode,
		           &po);
		gold_grade(&gr, max);
		GOLD_NAMED("grade", svc_grade_item, svc_codec_grade_encode, svc_codec_grade_decode,
		           &gr);
		gold_model(&mo, max);
		GOLD_NAMED("model", svc_model, svc_codec_model_encode, svc_codec_model_decode, &mo);
		gold_fault(&fc, max);
		GOLD_NAMED("fault_code", svc_fault_code, svc_codec_fault_code_encode,
		           svc_codec_fault_code_decode, &fc);
		gold_override(&ov, max);
		GOLD_NAMED("override", svc_override, svc_codec_override_encode,
		           svc_codec_override_decode, &ov);
		/* complaints */
		gold_complaint(&ko, max);
		GOLD_NAMED("complaint", svc_complaint, svc_codec_complaint_encode,
		           svc_codec_complaint_decode, &ko);
		/* claim lines: the lines, their decisions and who decided */
		gold_claim(&c, max);
		STR(c.decided_op, max, "𠀀", "王经理");
		c.nops = max ? SVC_CLAIM_OPS_MAX : 1;
		for (uint32_t i = 0; i < c.nops; i++) {
			STR(c.ops[i].code, max, "C", "AC-R03");
			c.ops[i].minutes = max ? UINT32_MAX : 150;
			c.ops[i].amount = max ? INT64_MAX : 12000;
			c.ops[i].flags = max ? UINT32_MAX : SVC_LINE_OVER_CARD;
		}
		c.distance_km = max ? UINT32_MAX : 42;
		c.travel_flags = max ? UINT32_MAX : 0;
		c.policy_version = max ? UINT32_MAX : 3;
		c.nlines = max ? SVC_CLAIM_LINES_MAX : 2;
		for (uint32_t i = 0; i < c.nlines; i++) {
			c.lines[i].has_proposal = max || i == 0;
			c.lines[i].proposed = max ? INT64_MAX : 9600;
			c.lines[i].approved = max ? INT64_MAX : 9600;
		}
		STR(c.repeat_of, max, "t", "T-shop-sh-0003-12");
		c.priced = true;
		GOLD_NAMED("claim.lines", svc_claim, svc_codec_claim_encode, svc_codec_claim_decode,
		           &c);
		/* price history */
		gold_catalog(&ci, max);
		ci.nprices = max ? SVC_PRICES_MAX : 2;
		for (uint32_t i = 0; i < ci.nprices; i++) {
			ci.prices[i].from = max ? UINT64_MAX : 1767196800000ULL + i * 86400000ULL;
			ci.prices[i].price = max ? INT64_MIN : 23800 + (int64_t)i * 100;
		}
		GOLD_NAMED("catalog.prices", svc_catalog_item, svc_codec_catalog_encode,
		           svc_codec_catalog_decode, &ci);
		/* labor operations and the labor tariff */
		static svc_labor_op lo;
		static svc_tariff ta;
		memset(&lo, 0, sizeof lo);
		STR(lo.code, max, "C", "AC-R03");
		STR(lo.category, max, "c", "aircon");
		lo.minutes = max ? UINT32_MAX : 120;
		STR(lo.text, max, "换", "更换压缩机");
		lo.last.hlc = max ? UINT64_MAX : 1733230000000ULL;
		STR(lo.last.origin, max, "h", "hq");
		lo.last.seq = max ? UINT64_MAX : 7;
		GOLD_NAMED("labor", svc_labor_op, svc_codec_labor_encode, svc_codec_labor_decode,
		           &lo);
		memset(&ta, 0, sizeof ta);
		for (int g = SVC_GRADE_A; g <= SVC_GRADE_C; g++)
			ta.rates[g] = max ? INT64_MIN : 6000 - 600 * g;
		ta.nbands = max ? SVC_TRAVEL_BANDS_MAX : 2;
		for (uint32_t i = 0; i < ta.nbands; i++) {
			ta.bands[i].max_km = max ? UINT32_MAX : 20 * (i + 1);
			ta.bands[i].fen = max ? INT64_MIN : 3000 * (int64_t)(i + 1);
		}
		ta.last.hlc = max ? UINT64_MAX : 1733230000000ULL;
		STR(ta.last.origin, max, "h", "hq");
		ta.last.seq = max ? UINT64_MAX : 8;
		GOLD_NAMED("tariff", svc_tariff, svc_codec_tariff_encode, svc_codec_tariff_decode,
		           &ta);
		/* old parts: a record, and a part flagged return_old (field 7) */
		gold_old_part(&op, max);
		GOLD_NAMED("old_part", svc_old_part, svc_codec_old_part_encode,
		           svc_codec_old_part_decode, &op);
		ci.return_old = true;
		GOLD_NAMED("catalog.return_old", svc_catalog_item, svc_codec_catalog_encode,
		           svc_codec_catalog_decode, &ci);
		/* the shop's ledger: a statement, and the approver's operator */
		gold_statement(&ys, max);
		GOLD_NAMED("statement", svc_statement, svc_codec_statement_encode,
		           svc_codec_statement_decode, &ys);
		gold_claim(&c, max);
		STR(c.decided_op, max, "𠀀", "王会计");
		GOLD_NAMED("claim.decided_op", svc_claim, svc_codec_claim_encode,
		           svc_codec_claim_decode, &c);
		/* shops */
		gold_shop(&sh, max);
		GOLD_NAMED("shop", svc_shop, svc_codec_shop_encode, svc_codec_shop_decode, &sh);
#undef GOLD_NAMED
	}
}

static void run_commit_signed(void)
{
	static uint8_t hb[SVC_COMMIT_CHANGES_MAX][SVC_HASH_LEN];
	static uint8_t sig[SVC_SIG_LEN];
	svc_commit_header h, back;
	const uint8_t *body;
	size_t n = 0, blen = 0;
	uint8_t sback[SVC_SIG_LEN];
	int rc;

	for (int prev = 0; prev <= 1; prev++) {
		gold_commit(&h, prev);
		rc = svc_codec_commit_header_encode(&h, gbuf_fresh(), sizeof gbuf, &n);
		gold_check(prev ? "commit.prev" : "commit", rc, gbuf, n);
		if (print_mode)
			continue;
		CHECK_INT(svc_codec_commit_header_decode(gbuf, n, &back, hb), 0);
		CHECK_STR(back.origin, h.origin);
		CHECK(back.first_seq == h.first_seq && back.last_seq == h.last_seq);
		CHECK(back.nhashes == h.nhashes &&
		      memcmp(hb, gold_hashes, h.nhashes * SVC_HASH_LEN) == 0);
		CHECK(back.has_prev == h.has_prev &&
		      memcmp(back.prev_commit, h.prev_commit, SVC_HASH_LEN) == 0);
	}
	seq_bytes(sig, sizeof sig, 18);
	seq_bytes(gold_blob, sizeof gold_blob, 19);
	rc = svc_codec_signed_encode(gold_blob, sizeof gold_blob, sig, gbuf_fresh(), sizeof gbuf,
	                             &n);
	gold_check("signed", rc, gbuf, n);
	if (!print_mode) {
		CHECK_INT(svc_codec_signed_decode(gbuf, n, &body, &blen, sback), 0);
		CHECK(blen == sizeof gold_blob && memcmp(body, gold_blob, blen) == 0);
		CHECK(memcmp(sback, sig, sizeof sig) == 0);
	}
}

/* Decoded messages point into their own memory: compare field by field. */
static void msg_same(const svc_msg *a, const svc_msg *b)
{
	CHECK_INT(a->type, b->type);
	switch (a->type) {
	case SVC_MSG_HELLO:
		CHECK(a->u.hello.version == b->u.hello.version);
		CHECK_STR(a->u.hello.node, b->u.hello.node);
		CHECK(memcmp(a->u.hello.store_id, b->u.hello.store_id, 16) == 0);
		CHECK(a->u.hello.checkpoint == b->u.hello.checkpoint);
		CHECK(a->u.hello.has_your_store_id == b->u.hello.has_your_store_id);
		CHECK(memcmp(a->u.hello.your_store_id, b->u.hello.your_store_id, 16) == 0);
		CHECK(a->u.hello.nheads == b->u.hello.nheads);
		for (size_t i = 0; i < a->u.hello.nheads && i < b->u.hello.nheads; i++) {
			CHECK_STR(a->u.hello.heads[i].origin, b->u.hello.heads[i].origin);
			CHECK(a->u.hello.heads[i].seq == b->u.hello.heads[i].seq);
		}
		CHECK(a->u.hello.hlc == b->u.hello.hlc && a->u.hello.ping_ms == b->u.hello.ping_ms);
		CHECK(a->u.hello.log_head == b->u.hello.log_head);
		break;
	case SVC_MSG_BATCH:
		CHECK(a->u.batch.id == b->u.batch.id && a->u.batch.to_lsn == b->u.batch.to_lsn);
		CHECK(a->u.batch.nchanges == b->u.batch.nchanges);
		for (size_t i = 0; i < a->u.batch.nchanges && i < b->u.batch.nchanges; i++)
			CHECK(a->u.batch.changes[i].len == b->u.batch.changes[i].len &&
			      (!a->u.batch.changes[i].len ||
			       memcmp(a->u.batch.changes[i].data, b->u.batch.changes[i].data,
			              a->u.batch.changes[i].len) == 0));
		CHECK(a->u.batch.ncommits == b->u.batch.ncommits);
		break;
	case SVC_MSG_ACK:
	case SVC_MSG_PING:
	case SVC_MSG_ERROR:
	case SVC_MSG_NONE:
		CHECK(memcmp(&a->u, &b->u, sizeof a->u) == 0);
		break;
	}
}

static void run_msgs(void)
{
	static const char *const names[] = {"", "hello", "batch", "ack", "ping", "error"};

	for (int full = 0; full <= 1; full++)
		for (int t = SVC_MSG_HELLO; t <= SVC_MSG_ERROR; t++) {
			svc_msg m, back;
			uint8_t *out = NULL;
			size_t n = 0;
			char name[64];

			gold_msg(&m, (svc_msg_type)t, full);
			snprintf(name, sizeof name, "msg.%s%s", names[t], full ? ".full" : "");
			int rc = svc_codec_msg_encode(&m, &out, &n);

			gold_check(name, rc, out, n);
			if (!print_mode && out) {
				CHECK_INT(svc_codec_msg_decode(out, n, &back), 0);
				msg_same(&m, &back);
				svc_codec_msg_free(&back);
			}
			free(out);
		}
}

int main(int argc, char **argv)
{
	print_mode = argc > 1 && strcmp(argv[1], "--print") == 0;
	if (svc_crypto_init())
		return 1;
	run_changes();
	run_states();
	run_commit_signed();
	run_msgs();
	if (print_mode)
		return 0;
	CHECK_INT(gold_next, sizeof golden / sizeof golden[0]);
	return svc_test_done();
}

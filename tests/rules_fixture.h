/*
 * rules_fixture: builders of realistic changes for the merge-rule tests
 * (test_rules.c, test_merge.c).
 *
 * A change is built in two steps: fx_head() fills who sent it and when
 * (origin, claimed role and region, seq, hlc) on a zeroed change, then one
 * fx_<kind>() fills the body and the aggregate id the way the CLI would, so
 * every change built here passes svc_rules_validate() unless a test breaks
 * it on purpose afterwards. A body builder clears the whole body first, so a
 * change can be rebuilt as another kind (fx_fix_agg() recomputes the aggregate after a
 * test edits a body field the aggregate depends on).
 *
 * The network used throughout: HQ "hq"; regions "region-n" and "region-s";
 * shops "shop-a" and "shop-b" under region-n, "shop-s" under region-s.
 */
#ifndef SVC_RULES_FIXTURE_H
#define SVC_RULES_FIXTURE_H

#include "svc_codec.h"
#include "svc_rules.h"
#include "svc_types.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	const char *id;
	uint32_t role;
	const char *region;
} fx_actor;

static const fx_actor FX_HQ = {"hq", SVC_ROLE_HQ, ""};
static const fx_actor FX_RN = {"region-n", SVC_ROLE_REGION, "region-n"};
static const fx_actor FX_RS = {"region-s", SVC_ROLE_REGION, "region-s"};
static const fx_actor FX_SA = {"shop-a", SVC_ROLE_SHOP, "region-n"};
static const fx_actor FX_SB = {"shop-b", SVC_ROLE_SHOP, "region-n"};
static const fx_actor FX_SS = {"shop-s", SVC_ROLE_SHOP, "region-s"};
static const fx_actor FX_NONE = {"stranger", SVC_ROLE_NONE, ""};

/* 2024-06-01T00:00:00Z, in ms: the day the tests happen. */
#define FX_T0 1717200000000ULL
/* An HLC `sec` seconds after FX_T0 with logical counter `ctr`. */
#define FX_HLC(sec, ctr) (((FX_T0 + (uint64_t)(sec)*1000u) << 16) | (uint64_t)(ctr))

#define FX_COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static inline void fx_head(svc_change *c, const fx_actor *a, uint64_t seq, uint64_t hlc)
{
	memset(c, 0, sizeof *c);
	FX_COPY(c->origin, a->id);
	c->origin_role = a->role;
	FX_COPY(c->origin_region, a->region);
	c->seq = seq;
	c->hlc = hlc;
}

/* Recompute the aggregate id from the body, as the writer would. */
static inline void fx_fix_agg(svc_change *c)
{
	switch (c->kind) {
	case SVC_CK_TICKET_OPEN:
		svc_rules_ticket_id(c->aggregate, c->origin, c->seq);
		break;
	case SVC_CK_CATALOG_PUT:
		svc_rules_catalog_agg(c->aggregate, c->u.catalog_put.part_no);
		break;
	case SVC_CK_PART_MOVE: {
		const svc_part_move *m = &c->u.part_move;
		if (m->kind == SVC_MV_TRANSFER_OUT)
			svc_rules_transfer_id(c->aggregate, c->origin, c->seq);
		else if (m->kind == SVC_MV_TRANSFER_IN)
			FX_COPY(c->aggregate, m->transfer);
		else
			svc_rules_move_agg(c->aggregate, m->location, m->part_no);
		break;
	}
	case SVC_CK_CLAIM_SUBMIT:
		svc_rules_claim_id(c->aggregate, c->u.claim_submit.ticket);
		break;
	case SVC_CK_NODE_REVOKE:
		svc_rules_node_agg(c->aggregate, c->u.node_revoke.node);
		break;
	case SVC_CK_QUARANTINE_RELEASE:
		svc_rules_node_agg(c->aggregate, c->u.quarantine_release.origin);
		break;
	/* policy */
	case SVC_CK_POLICY_SET:
		svc_rules_policy_agg(c->aggregate, c->u.policy_set.version);
		break;
	case SVC_CK_REGION_GRADE:
		svc_rules_grade_agg(c->aggregate, c->u.region_grade.region);
		break;
	case SVC_CK_MODEL_PUT:
		svc_rules_model_agg(c->aggregate, c->u.model_put.model);
		break;
	case SVC_CK_FAULT_CODE_PUT:
		svc_rules_fault_agg(c->aggregate, c->u.fault_code_put.category,
		                    c->u.fault_code_put.code);
		break;
	case SVC_CK_TICKET_OVERRIDE:
		svc_rules_override_agg(c->aggregate, c->u.ticket_override.serial);
		break;
	/* labor operations, tariff, price history */
	case SVC_CK_LABOR_PUT:
		svc_rules_labor_agg(c->aggregate, c->u.labor_put.code);
		break;
	case SVC_CK_TARIFF_SET:
		svc_rules_tariff_agg(c->aggregate);
		break;
	case SVC_CK_CATALOG_PRICE:
		svc_rules_catalog_agg(c->aggregate, c->u.catalog_price.part_no);
		break;
	default:
		break;
	}
}

/* An air conditioner repair, bought 2023-06-10 (in warranty on FX_T0). */
static inline void fx_open(svc_change *c, const char *shop, const char *region)
{
	memset(&c->u, 0, sizeof c->u);
	svc_ticket_open *b = &c->u.ticket_open;
	c->kind = SVC_CK_TICKET_OPEN;
	b->kind = SVC_TK_REPAIR;
	FX_COPY(b->customer, "张伟");
	FX_COPY(b->phone, "138-0013-8000");
	FX_COPY(b->address, "广州市天河区体育西路 100 号 3 栋 1201");
	FX_COPY(b->product, "KFR-35GW/BpR3");
	FX_COPY(b->serial, "SN20230610-0042");
	b->purchased = 20230610;
	FX_COPY(b->fault, "不制冷。\n外机异响,\t开机 10 分钟后停机。");
	FX_COPY(b->region, region);
	FX_COPY(b->shop, shop);
	fx_fix_agg(c);
}

static inline void fx_assign(svc_change *c, const char *ticket, const char *shop)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TICKET_ASSIGN;
	FX_COPY(c->aggregate, ticket);
	FX_COPY(c->u.ticket_assign.shop, shop);
}

static inline void fx_status(svc_change *c, const char *ticket, uint32_t status)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TICKET_STATUS;
	FX_COPY(c->aggregate, ticket);
	c->u.ticket_status.status = status;
	if (status == SVC_TS_CANCELLED)
		FX_COPY(c->u.ticket_status.reason, "customer cancelled by phone");
}

static inline void fx_note(svc_change *c, const char *ticket, const char *text)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TICKET_NOTE;
	FX_COPY(c->aggregate, ticket);
	FX_COPY(c->u.ticket_note.text, text);
}

static inline void fx_callback(svc_change *c, const char *ticket, uint32_t satisfaction,
                               const char *note)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TICKET_CALLBACK;
	FX_COPY(c->aggregate, ticket);
	c->u.ticket_callback.satisfaction = satisfaction;
	FX_COPY(c->u.ticket_callback.note, note);
}

static inline void fx_catalog(svc_change *c, const char *part_no, const char *name, int64_t price)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_CATALOG_PUT;
	FX_COPY(c->u.catalog_put.part_no, part_no);
	FX_COPY(c->u.catalog_put.name, name);
	c->u.catalog_put.price = price;
	fx_fix_agg(c);
}

/* A movement with the references its kind needs: consume names `ref` as the
 * ticket, transfer_in names it as the transfer; transfer_out ships to
 * `peer`; adjust gets a reason. */
static inline void fx_move(svc_change *c, uint32_t kind, const char *location, const char *part_no,
                           int64_t qty, const char *ref, const char *peer)
{
	memset(&c->u, 0, sizeof c->u);
	svc_part_move *m = &c->u.part_move;
	c->kind = SVC_CK_PART_MOVE;
	m->kind = kind;
	FX_COPY(m->location, location);
	FX_COPY(m->part_no, part_no);
	m->qty = qty;
	if (kind == SVC_MV_TRANSFER_IN)
		FX_COPY(m->transfer, ref ? ref : "");
	else if (ref)
		FX_COPY(m->ticket, ref);
	if (peer)
		FX_COPY(m->peer, peer);
	if (kind == SVC_MV_ADJUST)
		FX_COPY(m->reason, "stocktake count");
	fx_fix_agg(c);
}

/* A claim: labor, one parts line (qty x unit price, skipped when qty is 0),
 * travel; the total adds up. */
static inline void fx_submit(svc_change *c, const char *ticket, uint32_t revision, int64_t labor,
                             uint32_t qty, int64_t unit_price, int64_t travel)
{
	memset(&c->u, 0, sizeof c->u);
	svc_claim_submit *b = &c->u.claim_submit;
	c->kind = SVC_CK_CLAIM_SUBMIT;
	FX_COPY(b->ticket, ticket);
	b->revision = revision;
	b->labor = labor;
	if (qty) {
		b->nparts = 1;
		FX_COPY(b->parts[0].part_no, "CMP-35");
		b->parts[0].qty = qty;
		b->parts[0].unit_price = unit_price;
		b->parts[0].amount = (int64_t)qty * unit_price;
	}
	b->travel = travel;
	b->total = labor + (int64_t)qty * unit_price + travel;
	FX_COPY(b->note, "更换压缩机");
	fx_fix_agg(c);
}

static inline void fx_decide(svc_change *c, const char *claim, uint32_t action, uint32_t revision,
                             int64_t amount, int64_t claimed)
{
	memset(&c->u, 0, sizeof c->u);
	svc_claim_decide *b = &c->u.claim_decide;
	c->kind = SVC_CK_CLAIM_DECIDE;
	FX_COPY(c->aggregate, claim);
	b->action = action;
	b->revision = revision;
	b->amount = amount;
	b->claimed = claimed;
	if (action == SVC_CA_RETURN)
		FX_COPY(b->reason, "invoice photo missing");
	else if (action == SVC_CA_REJECT)
		FX_COPY(b->reason, "duplicate of an earlier claim");
	else if (action == SVC_CA_PAY)
		FX_COPY(b->ref, "PAY-2024-06-0001");
}

static inline void fx_cert_body(svc_cert *cert, const char *node, uint32_t role, const char *region,
                                uint64_t serial)
{
	memset(cert, 0, sizeof *cert);
	FX_COPY(cert->node, node);
	cert->role = role;
	FX_COPY(cert->region, region);
	FX_COPY(cert->upstream, region[0] ? region : "hq");
	for (size_t i = 0; i < SVC_PK_LEN; i++)
		cert->pubkey[i] = (uint8_t)(serial * 31 + i);
	cert->not_before = FX_T0;
	cert->not_after = FX_T0 + 365ULL * 86400000ULL;
	cert->serial = serial;
	FX_COPY(cert->issuer, "hq");
}

/* Returns the codec's result: 0 when the body encoded. */
static inline int fx_cert(svc_change *c, const char *node, uint32_t role, const char *region,
                          uint64_t serial)
{
	memset(&c->u, 0, sizeof c->u);
	svc_cert cert;
	fx_cert_body(&cert, node, role, region, serial);
	c->kind = SVC_CK_NODE_CERT;
	svc_rules_node_agg(c->aggregate, node);
	return svc_codec_cert_encode(&cert, c->u.node_cert.body, sizeof c->u.node_cert.body,
	                             &c->u.node_cert.body_len);
}

static inline void fx_revoke(svc_change *c, const char *node, uint64_t serial)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_NODE_REVOKE;
	FX_COPY(c->u.node_revoke.node, node);
	FX_COPY(c->u.node_revoke.reason, "shop withdrawn from the network (撤点)");
	c->u.node_revoke.serial = serial;
	fx_fix_agg(c);
}

static inline void fx_release(svc_change *c, const char *origin, uint64_t through)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_QUARANTINE_RELEASE;
	FX_COPY(c->u.quarantine_release.origin, origin);
	FX_COPY(c->u.quarantine_release.reason, "reviewed: honest work in transit");
	c->u.quarantine_release.through_seq = through;
	fx_fix_agg(c);
}

/* ---- policy: models, fault codes, grades, policy versions (HQ's) */

static inline void fx_model(svc_change *c, const char *model, const char *category)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_MODEL_PUT;
	FX_COPY(c->u.model_put.model, model);
	FX_COPY(c->u.model_put.category, category);
	fx_fix_agg(c);
}

static inline void fx_fault(svc_change *c, const char *code, const char *category, const char *text)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_FAULT_CODE_PUT;
	FX_COPY(c->u.fault_code_put.code, code);
	FX_COPY(c->u.fault_code_put.category, category);
	FX_COPY(c->u.fault_code_put.text, text);
	fx_fix_agg(c);
}

static inline void fx_grade(svc_change *c, const char *region, uint32_t grade)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_REGION_GRADE;
	FX_COPY(c->u.region_grade.region, region);
	c->u.region_grade.grade = grade;
	fx_fix_agg(c);
}

/* A policy version from `from` (YYYYMMDD) with one KEY=VALUE. */
static inline void fx_policy(svc_change *c, uint32_t version, uint32_t from, const char *key,
                             const char *value)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_POLICY_SET;
	c->u.policy_set.version = version;
	c->u.policy_set.from = from;
	c->u.policy_set.nentries = 1;
	FX_COPY(c->u.policy_set.entries[0].key, key);
	FX_COPY(c->u.policy_set.entries[0].value, value);
	fx_fix_agg(c);
}

/* An exception for a `kind` (return or exchange) of `serial` in `region`,
 * for `shop` ("" : the region opens it). */
static inline void fx_override(svc_change *c, const char *serial, uint32_t kind, const char *region,
                               const char *shop)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TICKET_OVERRIDE;
	FX_COPY(c->u.ticket_override.serial, serial);
	c->u.ticket_override.kind = kind;
	FX_COPY(c->u.ticket_override.reason, "质量问题，顾客已投诉三次");
	FX_COPY(c->u.ticket_override.region, region);
	FX_COPY(c->u.ticket_override.shop, shop);
	fx_fix_agg(c);
}

/* A re-judging of `ticket`: version, grade, warranty's last day, hours. */
static inline void fx_rejudge(svc_change *c, const char *ticket, uint32_t version, uint32_t grade,
                              uint32_t until, uint32_t hours)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TICKET_REJUDGE;
	FX_COPY(c->aggregate, ticket);
	c->u.ticket_rejudge.policy_version = version;
	c->u.ticket_rejudge.grade = grade;
	c->u.ticket_rejudge.warranty_until = until;
	c->u.ticket_rejudge.onsite_hours = hours;
}

/* A customer charge on `ticket`: labor, one part line of CMP-35 (skipped
 * when qty is 0) at unit_price, travel; the total adds up. */
static inline void fx_charge(svc_change *c, const char *ticket, int64_t labor, uint32_t qty,
                             int64_t unit_price, int64_t travel)
{
	memset(&c->u, 0, sizeof c->u);
	svc_ticket_charge *b = &c->u.ticket_charge;
	c->kind = SVC_CK_TICKET_CHARGE;
	FX_COPY(c->aggregate, ticket);
	b->labor = labor;
	if (qty) {
		b->nparts = 1;
		FX_COPY(b->parts[0].part_no, "CMP-35");
		b->parts[0].qty = qty;
		b->parts[0].unit_price = unit_price;
		b->parts[0].amount = (int64_t)qty * unit_price;
	}
	b->travel = travel;
	b->total = labor + (int64_t)qty * unit_price + travel;
}

/* HQ's leave to claim on `ticket`. */
static inline void fx_allow(svc_change *c, const char *ticket, const char *reason)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_CLAIM_ALLOW;
	FX_COPY(c->aggregate, ticket);
	FX_COPY(c->u.claim_allow.reason, reason);
}

/* claim lines: a labor operation, a rate of a grade, a travel band, a
 * part's price from `from` ms on */
static inline void fx_labor(svc_change *c, const char *code, const char *category, uint32_t minutes)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_LABOR_PUT;
	FX_COPY(c->u.labor_put.code, code);
	FX_COPY(c->u.labor_put.category, category);
	c->u.labor_put.minutes = minutes;
	FX_COPY(c->u.labor_put.text, "更换压缩机");
	fx_fix_agg(c);
}

static inline void fx_tariff(svc_change *c, uint32_t grade, int64_t fen_per_hour, uint32_t max_km,
                             int64_t fen)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_TARIFF_SET;
	c->u.tariff_set.kind = grade ? SVC_TARIFF_RATE : SVC_TARIFF_BAND;
	c->u.tariff_set.grade = grade;
	c->u.tariff_set.fen_per_hour = fen_per_hour;
	c->u.tariff_set.max_km = max_km;
	c->u.tariff_set.fen = fen;
	fx_fix_agg(c);
}

static inline void fx_price(svc_change *c, const char *part_no, int64_t price, uint64_t from)
{
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_CATALOG_PRICE;
	FX_COPY(c->u.catalog_price.part_no, part_no);
	c->u.catalog_price.price = price;
	c->u.catalog_price.from = from;
	fx_fix_agg(c);
}

/* A claim priced by the tariff: fx_submit's lines, marked priced, with
 * one operation line (code "" : none) and a distance. */
static inline void fx_priced(svc_change *c, const char *op, uint32_t minutes, int64_t op_fen,
                             uint32_t op_flags, uint32_t km, uint32_t km_flags)
{
	svc_claim_submit *b = &c->u.claim_submit;
	b->priced = true;
	if (op[0]) {
		b->nops = 1;
		FX_COPY(b->ops[0].code, op);
		b->ops[0].minutes = minutes;
		b->ops[0].amount = op_fen;
		b->ops[0].flags = op_flags;
		b->total += op_fen;
	}
	b->distance_km = km;
	b->travel_flags = km_flags;
}

/* The policy inputs of a ticket opened on FX_T0's day: version 0, an
 * air conditioner of a grade-B region, warranty to 2025-06-09, 48 h on site. */
static inline void fx_judged(svc_change *c)
{
	svc_ticket_open *b = &c->u.ticket_open;
	FX_COPY(b->model, "KFR-35GW");
	FX_COPY(b->category, "aircon");
	b->installed = 20230612;
	b->policy_version = 0;
	b->grade = SVC_GRADE_B;
	b->channel = SVC_CHANNEL_PHONE;
	b->warranty_until = 20250609;
	b->onsite_hours = 48;
	b->opened_on = 20240601;
}

/* old parts: a step on shop-a's old CMP-35 of `ticket` (region-n). */
static inline void fx_oldpart(svc_change *c, uint32_t action, const char *ticket, int64_t qty,
                              int64_t reject, const char *reason)
{
	svc_old_part_step *b = &c->u.old_part;
	memset(&c->u, 0, sizeof c->u);
	c->kind = SVC_CK_OLD_PART;
	svc_rules_oldpart_agg(c->aggregate, ticket, "CMP-35");
	b->action = action;
	FX_COPY(b->ticket, ticket);
	FX_COPY(b->part_no, "CMP-35");
	b->qty = qty;
	b->reject = reject;
	FX_COPY(b->reason, reason ? reason : "");
	FX_COPY(b->shop, "shop-a");
	FX_COPY(b->region, "region-n");
}

#endif

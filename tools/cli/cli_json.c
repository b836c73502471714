/*
 * cli_json: svcsync records as JSON objects, and changes as one-line text.
 *
 * The JSON shapes are an interface (docs/cli.md documents every field):
 * money is integer fen, times are unix milliseconds or null when unset,
 * enumerations are their names from svc_types.c, and every record of a kind
 * has the same keys whatever its state, so scripts never test for presence.
 */
#include "cli.h"

#include "svc_codec.h"
#include "svc_crypto.h"
#include "svc_rules.h"

#include <inttypes.h>
#include <string.h>

/* json_object_set_new that tolerates a NULL value (out of memory): the
 * object is then incomplete and the caller's dump reports the failure. */
static void put(json_t *o, const char *k, json_t *v)
{
	if (o && v)
		json_object_set_new(o, k, v);
}

static json_t *str(const char *s)
{
	return json_string(s ? s : "");
}

json_t *cli_json_ticket(const svc_ticket *t)
{
	char date[16];
	json_t *o = json_object();
	put(o, "id", str(t->id));
	put(o, "kind", str(svc_ticket_kind_name(t->kind)));
	put(o, "status", str(svc_ticket_status_name(t->status)));
	put(o, "customer", str(t->customer));
	put(o, "phone", str(t->phone));
	put(o, "address", str(t->address));
	/* customer */
	put(o, "customer_id", t->customer_id[0] ? str(t->customer_id) : json_null());
	put(o, "unit_id", t->unit_id[0] ? str(t->unit_id) : json_null());
	put(o, "product", str(t->product));
	put(o, "serial", str(t->serial));
	cli_date(date, t->purchased);
	put(o, "purchased", t->purchased ? str(date) : json_null());
	put(o, "in_warranty", json_boolean(t->in_warranty));
	put(o, "fault", str(t->fault));
	put(o, "region", cli_json_opt(t->region));
	put(o, "shop", cli_json_opt(t->shop));
	put(o, "opened_by", str(t->opened_by));
	put(o, "created_ms", cli_json_ms(t->created));
	put(o, "first_response_ms", cli_json_ms(t->first_response));
	put(o, "on_site_ms", cli_json_ms(t->on_site));
	put(o, "resolved_ms", cli_json_ms(t->resolved));
	put(o, "closed_ms", cli_json_ms(t->closed));
	if (t->callback_at) {
		json_t *cb = json_object();
		put(cb, "at_ms", cli_json_ms(t->callback_at));
		put(cb, "satisfaction", json_integer(t->satisfaction));
		put(cb, "note", str(t->callback_note));
		put(o, "callback", cb);
	} else {
		put(o, "callback", json_null());
	}
	/* callbacks: this cycle's state and attempts */
	put(o, "callback_state", str(svc_callback_outcome_name(t->callback_state)));
	put(o, "callback_attempts", json_integer(t->callback_attempts));
	put(o, "callback_unreachable", json_integer(t->callback_unreached));
	put(o, "callback_cycle", json_integer(t->callback_cycle));
	put(o, "note_count", json_integer(t->notes));
	put(o, "reopened", json_integer(t->reopened));
	put(o, "updated_ms", cli_json_ms(t->updated));
	cli_policy_ticket_json(o, t); /* policy */
	/* out-of-warranty work */
	put(o, "charge_fen", json_integer(t->charge_fen));
	put(o, "charges", json_integer(t->charges));
	put(o, "customer_paid", json_boolean(svc_ticket_customer_paid(t)));
	put(o, "claim_allowed_by", cli_json_opt(t->claim_allowed_by));
	put(o, "claim_allow_reason", cli_json_opt(t->claim_allow_reason));
	return o;
}

json_t *cli_json_claim(const svc_claim *c)
{
	json_t *o = json_object(), *parts = json_array();
	put(o, "id", str(c->id));
	put(o, "ticket", str(c->ticket));
	put(o, "shop", str(c->shop));
	put(o, "region", cli_json_opt(c->region));
	put(o, "revision", json_integer(c->revision));
	put(o, "status", str(svc_claim_status_name(c->status)));
	put(o, "labor", json_integer(c->labor));
	for (uint32_t i = 0; i < c->nparts && i < SVC_CLAIM_PARTS_MAX; i++) {
		json_t *p = json_object();
		put(p, "part_no", str(c->parts[i].part_no));
		put(p, "qty", json_integer(c->parts[i].qty));
		put(p, "unit_price", json_integer(c->parts[i].unit_price));
		put(p, "amount", json_integer(c->parts[i].amount));
		if (parts && p)
			json_array_append_new(parts, p);
	}
	put(o, "parts", parts);
	put(o, "travel", json_integer(c->travel));
	put(o, "other", json_integer(c->other));
	put(o, "total", json_integer(c->total));
	put(o, "approved", json_integer(c->approved));
	put(o, "note", str(c->note));
	put(o, "reason", str(c->reason));
	put(o, "pay_ref", str(c->pay_ref));
	put(o, "audited_by", cli_json_opt(c->audited_by));
	put(o, "decided_by", cli_json_opt(c->decided_by));
	put(o, "submitted_ms", cli_json_ms(c->submitted));
	put(o, "audited_ms", cli_json_ms(c->audited));
	put(o, "decided_ms", cli_json_ms(c->decided));
	put(o, "paid_ms", cli_json_ms(c->paid));
	/* claim lines: numbered as `claim show` lists them, with their flags
	 * and decisions */
	json_t *lines = json_array();
	svc_claim_line_view v[SVC_CLAIM_LINES_MAX];
	uint32_t n = svc_claim_lines(c, v);
	for (uint32_t i = 0; i < n; i++) {
		json_t *l = json_object(), *flags = json_array();
		char f[48];
		put(l, "line", json_integer(i + 1));
		put(l, "kind", str(svc_claim_line_kind_name(v[i].kind)));
		put(l, "what", cli_json_opt(v[i].what));
		put(l, "qty", json_integer(v[i].qty));
		put(l, "amount", json_integer(v[i].amount));
		svc_claim_flags_fmt(f, v[i].flags);
		for (char *tok = strtok(f, ","); tok && v[i].flags; tok = strtok(NULL, ","))
			json_array_append_new(flags, str(tok));
		put(l, "flags", flags);
		put(l, "proposed",
		    c->lines[i].has_proposal ? json_integer(c->lines[i].proposed) : json_null());
		put(l, "approved",
		    c->decided && c->status != SVC_CS_RETURNED ? json_integer(c->lines[i].approved)
		                                               : json_null());
		if (lines && l)
			json_array_append_new(lines, l);
	}
	put(o, "lines", lines);
	put(o, "distance_km", json_integer(c->distance_km));
	put(o, "repeat_of", cli_json_opt(c->repeat_of));
	put(o, "decided_op", cli_json_opt(c->decided_op));
	return o;
}

json_t *cli_json_transfer(const svc_transfer *x)
{
	json_t *o = json_object();
	put(o, "id", str(x->id));
	put(o, "part_no", str(x->part_no));
	put(o, "source", str(x->source));
	put(o, "dest", str(x->dest));
	put(o, "qty", json_integer(x->qty));
	put(o, "status", str(x->received ? "received" : "in_transit"));
	put(o, "shipped_ms", cli_json_ms(x->shipped));
	put(o, "received_ms", cli_json_ms(x->received_at));
	return o;
}

json_t *cli_json_node(const svc_node *n)
{
	char hex[2 * SVC_PK_LEN + 1];
	json_t *o = json_object();
	svc_hex(n->pubkey, SVC_PK_LEN, hex);
	put(o, "node", str(n->node));
	put(o, "role", str(svc_role_name(n->role)));
	put(o, "region", cli_json_opt(n->region));
	put(o, "upstream", cli_json_opt(n->upstream));
	put(o, "pubkey", str(hex));
	put(o, "serial", json_integer((json_int_t)n->serial));
	put(o, "not_before_ms", cli_json_ms(n->not_before));
	put(o, "not_after_ms", cli_json_ms(n->not_after));
	put(o, "revoked", json_boolean(n->revoked));
	put(o, "revoke_reason", str(n->revoke_reason));
	bool holding = n->revoked || n->held_through > n->cutoff_seq;
	put(o, "cutoff_seq", holding ? json_integer((json_int_t)n->cutoff_seq) : json_null());
	put(o, "held_through",
	    !n->revoked && holding ? json_integer((json_int_t)n->held_through) : json_null());
	return o;
}

json_t *cli_json_change(const svc_logged_change *lc)
{
	char summary[512];
	json_t *o = json_object();
	cli_change_summary(&lc->c, summary, sizeof summary);
	put(o, "lsn", json_integer((json_int_t)lc->lsn));
	put(o, "origin", str(lc->c.origin));
	put(o, "seq", json_integer((json_int_t)lc->c.seq));
	put(o, "hlc", json_integer((json_int_t)lc->c.hlc));
	put(o, "time_ms", cli_json_ms(svc_hlc_ms(lc->c.hlc)));
	put(o, "kind", str(svc_change_kind_name(lc->c.kind)));
	put(o, "aggregate", str(lc->c.aggregate));
	put(o, "summary", str(summary));
	put(o, "rejected", json_boolean(lc->rejected));
	put(o, "reason", str(lc->rejected ? lc->reason : ""));
	put(o, "operator", str(lc->c.operator));
	return o;
}

static void move_summary(const svc_part_move *m, char *out, size_t cap)
{
	char tail[256] = "";
	const char *kind = svc_move_kind_name(m->kind);
	switch (m->kind) {
	case SVC_MV_TRANSFER_OUT:
		snprintf(tail, sizeof tail, " -> %s", m->peer);
		break;
	case SVC_MV_TRANSFER_IN:
		snprintf(tail, sizeof tail, " from %s (%s)", m->peer, m->transfer);
		break;
	case SVC_MV_CONSUME:
	case SVC_MV_DEFECTIVE_RETURN:
		if (m->ticket[0])
			snprintf(tail, sizeof tail, " on %s", m->ticket);
		break;
	case SVC_MV_RECEIVE:
		if (m->reason[0])
			snprintf(tail, sizeof tail, " ref %.200s", m->reason);
		break;
	case SVC_MV_ADJUST:
		snprintf(tail, sizeof tail, ": %.200s", m->reason);
		break;
	default:
		break;
	}
	snprintf(out, cap, "%s %+" PRId64 " x %s at %s%s", kind, m->qty, m->part_no, m->location,
	         tail);
}

void cli_change_summary(const svc_change *c, char *out, size_t cap)
{
	char a[32], b[32], text[200];
	switch (c->kind) {
	case SVC_CK_TICKET_OPEN: {
		const svc_ticket_open *o = &c->u.ticket_open;
		/* customer: a ticket that refers to a customer file names it */
		cli_oneline(text, sizeof text, o->customer_id[0] ? o->customer_id : o->customer,
		            40);
		snprintf(out, cap, "open %s for %s, %s%s%s", svc_ticket_kind_name(o->kind), text,
		         o->product, o->shop[0] ? ", shop " : "", o->shop);
		break;
	}
	case SVC_CK_TICKET_ASSIGN:
		snprintf(out, cap, "assign to %s", c->u.ticket_assign.shop);
		break;
	case SVC_CK_TICKET_STATUS:
		cli_oneline(text, sizeof text, c->u.ticket_status.reason, 60);
		snprintf(out, cap, "status -> %s%s%s",
		         svc_ticket_status_name(c->u.ticket_status.status), text[0] ? ": " : "",
		         text);
		break;
	case SVC_CK_TICKET_NOTE:
		cli_oneline(text, sizeof text, c->u.ticket_note.text, 60);
		snprintf(out, cap, "note: %s", text);
		break;
	case SVC_CK_TICKET_CALLBACK:
		cli_oneline(text, sizeof text, c->u.ticket_callback.note, 60);
		snprintf(out, cap, "callback: satisfaction %" PRIu32 "%s%s",
		         c->u.ticket_callback.satisfaction, text[0] ? ", " : "", text);
		break;
	case SVC_CK_CATALOG_PUT:
		cli_money(a, c->u.catalog_put.price);
		cli_oneline(text, sizeof text, c->u.catalog_put.name, 40);
		snprintf(out, cap, "catalog %s '%s' at %s", c->u.catalog_put.part_no, text, a);
		break;
	case SVC_CK_PART_MOVE:
		move_summary(&c->u.part_move, out, cap);
		break;
	case SVC_CK_CLAIM_SUBMIT:
		cli_money(a, c->u.claim_submit.total);
		snprintf(out, cap, "submit revision %" PRIu32 " for %s, total %s",
		         c->u.claim_submit.revision, c->u.claim_submit.ticket, a);
		break;
	case SVC_CK_CLAIM_DECIDE: {
		const svc_claim_decide *d = &c->u.claim_decide;
		cli_money(a, d->amount);
		cli_money(b, d->claimed);
		cli_oneline(text, sizeof text, d->action == SVC_CA_PAY ? d->ref : d->reason, 60);
		if (d->action == SVC_CA_APPROVE)
			snprintf(out, cap, "approve %s of %s (revision %" PRIu32 ")%s%s", a, b,
			         d->revision, text[0] ? ": " : "", text);
		else if (d->action == SVC_CA_PAY)
			snprintf(out, cap, "pay %s (revision %" PRIu32 "), ref %s", a, d->revision,
			         text);
		else
			snprintf(out, cap, "%s revision %" PRIu32 "%s%s",
			         svc_claim_action_name(d->action), d->revision, text[0] ? ": " : "",
			         text);
		/* claim lines: how many lines the decision names */
		if (d->nlines) {
			size_t n = strlen(out);
			snprintf(out + n, cap - n, " (%" PRIu32 " line%s)", d->nlines,
			         d->nlines == 1 ? "" : "s");
		}
		break;
	}
	case SVC_CK_NODE_CERT: {
		svc_cert cert;
		memset(&cert, 0, sizeof cert);
		if (svc_codec_cert_decode(c->u.node_cert.body, c->u.node_cert.body_len, &cert) !=
		    0) {
			snprintf(out, cap, "certificate (undecodable)");
			break;
		}
		snprintf(out, cap, "certificate for %s (%s%s%s), serial %" PRIu64, cert.node,
		         svc_role_name(cert.role), cert.region[0] ? ", region " : "", cert.region,
		         cert.serial);
		break;
	}
	case SVC_CK_NODE_REVOKE:
		cli_oneline(text, sizeof text, c->u.node_revoke.reason, 60);
		snprintf(out, cap, "revoke %s after seq %" PRIu64 ": %s", c->u.node_revoke.node,
		         c->u.node_revoke.cutoff_seq, text);
		break;
	/* customer */
	case SVC_CK_CUSTOMER_PUT:
		cli_oneline(text, sizeof text, c->u.customer_put.name, 40);
		snprintf(out, cap, "customer %s%s%s%s%s",
		         (c->u.customer_put.fields & SVC_CF_NAME) ? text : "",
		         (c->u.customer_put.fields & SVC_CF_PHONES) ? " phones" : "",
		         (c->u.customer_put.fields & SVC_CF_ADDRESS) ? " address" : "",
		         (c->u.customer_put.fields & SVC_CF_TIER) ? " tier " : "",
		         (c->u.customer_put.fields & SVC_CF_TIER)
		             ? svc_customer_tier_name(c->u.customer_put.tier)
		             : "");
		break;
	case SVC_CK_CUSTOMER_MERGE:
		snprintf(out, cap, "merge into %s", c->u.customer_merge.into);
		break;
	case SVC_CK_UNIT_PUT:
		snprintf(out, cap, "unit %s %s%s%s", c->u.unit_put.serial, c->u.unit_put.model,
		         c->u.unit_put.owner[0] ? ", owner " : "", c->u.unit_put.owner);
		break;
	case SVC_CK_UNIT_MERGE:
		snprintf(out, cap, "merge into %s", c->u.unit_merge.into);
		break;
	case SVC_CK_QUARANTINE_RELEASE:
		cli_oneline(text, sizeof text, c->u.quarantine_release.reason, 60);
		snprintf(out, cap, "release %s through seq %" PRIu64 ": %s",
		         c->u.quarantine_release.origin, c->u.quarantine_release.through_seq, text);
		break;
	/* complaints */
	case SVC_CK_COMPLAINT_OPEN:
	case SVC_CK_COMPLAINT_STATUS:
	case SVC_CK_COMPLAINT_NOTE:
	case SVC_CK_COMPLAINT_STATEMENT:
		cli_complaint_summary(c, out, cap);
		break;
	/* out-of-warranty work */
	case SVC_CK_TICKET_CHARGE:
		cli_money(a, c->u.ticket_charge.total);
		snprintf(out, cap, "charge the customer %s (%" PRIu32 " part line%s)", a,
		         c->u.ticket_charge.nparts, c->u.ticket_charge.nparts == 1 ? "" : "s");
		break;
	case SVC_CK_CLAIM_ALLOW:
		cli_oneline(text, sizeof text, c->u.claim_allow.reason, 60);
		snprintf(out, cap, "allow claims: %s", text);
		break;
	/* labor operations, tariff, price history */
	case SVC_CK_LABOR_PUT:
		cli_oneline(text, sizeof text, c->u.labor_put.text, 60);
		snprintf(out, cap, "labor operation %s (%s) %" PRIu32 " min: %s",
		         c->u.labor_put.code, c->u.labor_put.category, c->u.labor_put.minutes,
		         text);
		break;
	case SVC_CK_TARIFF_SET:
		cli_money(a, c->u.tariff_set.kind == SVC_TARIFF_RATE ? c->u.tariff_set.fen_per_hour
		                                                     : c->u.tariff_set.fen);
		if (c->u.tariff_set.kind == SVC_TARIFF_RATE)
			snprintf(out, cap, "labor rate of grade %s: %s an hour",
			         svc_grade_name(c->u.tariff_set.grade), a);
		else
			snprintf(out, cap, "travel band up to %" PRIu32 " km: %s",
			         c->u.tariff_set.max_km, a);
		break;
	case SVC_CK_CATALOG_PRICE:
		cli_money(a, c->u.catalog_price.price);
		cli_time(b, c->u.catalog_price.from);
		snprintf(out, cap, "price of %s from %.10s: %s", c->u.catalog_price.part_no, b, a);
		break;
	/* old parts */
	case SVC_CK_OLD_PART: {
		const svc_old_part_step *o = &c->u.old_part;
		cli_oneline(text, sizeof text, o->reason, 60);
		if (o->action == SVC_OP_WAIVE)
			snprintf(out, cap, "old part %s on %s waived: %s", o->part_no, o->ticket,
			         text);
		else if (o->reject)
			snprintf(out, cap,
			         "old part %s %" PRId64 " x %s on %s, %" PRId64 " rejected: %s",
			         svc_old_part_action_name(o->action), o->qty, o->part_no, o->ticket,
			         o->reject, text);
		else
			snprintf(out, cap, "old part %s %" PRId64 " x %s on %s",
			         svc_old_part_action_name(o->action), o->qty, o->part_no,
			         o->ticket);
		break;
	}
	/* the shop's ledger */
	case SVC_CK_PAY_RUN: {
		int64_t total = 0;
		for (uint32_t i = 0; i < c->u.pay_run.nclaims && i < SVC_PAY_RUN_CLAIMS_MAX; i++)
			total += c->u.pay_run.claims[i].amount;
		cli_money(a, total);
		cli_oneline(text, sizeof text, c->u.pay_run.ref, 40);
		snprintf(out, cap, "payment run %s: %" PRIu32 " claim%s, %s", text,
		         c->u.pay_run.nclaims, c->u.pay_run.nclaims == 1 ? "" : "s", a);
		break;
	}
	case SVC_CK_STATEMENT_CONFIRM:
		cli_oneline(text, sizeof text, c->u.statement_confirm.invoice, 40);
		snprintf(out, cap, "statement confirmed, invoice %s", text);
		break;
	case SVC_CK_LEDGER_DEDUCT:
		cli_money(a, c->u.ledger_deduct.fen);
		cli_oneline(text, sizeof text, c->u.ledger_deduct.reason, 60);
		snprintf(out, cap, "deduct %s: %s", a, text);
		break;
	/* shops */
	case SVC_CK_SHOP_PUT:
	case SVC_CK_SHOP_STAGE:
	case SVC_CK_SHOP_ASSESS:
		cli_shop_summary(c, out, cap);
		break;
	default:
		snprintf(out, cap, "%s", svc_change_kind_name(c->kind));
		break;
	}
}

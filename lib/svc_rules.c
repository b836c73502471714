/*
 * svc_rules: the first two layers of the merge rules (see svc_rules.h), the
 * aggregate ids, the fold order and the stock effects of part movements.
 * The state-dependent third layer lives in one rules_<aggregate>.c per
 * aggregate type.
 *
 * Everything here is a pure function of its arguments: no I/O, no allocation,
 * no clock, no locale. That is what lets every node reach the same verdict on
 * the same change. Reasons are one line, name the field first and echo
 * user-typed values only quoted, shortened and with control characters
 * replaced, because they end up in logs, the quarantine and the CLI.
 *
 * Decisions the design leaves open, made here:
 *  - Single-line text (names, addresses, reasons) may not contain control
 *    characters; the long texts (a ticket's fault and its notes) may contain
 *    newlines and tabs, nothing else. "Blank" counts the Unicode spaces a
 *    Chinese input method produces (U+3000 and friends), not only ASCII.
 *  - A claim must ask for more than 0 fen: a zero claim could never be
 *    approved (approval needs 0 < amount), only rejected.
 *  - A part movement moves at most SVC_QTY_MAX parts either way, which keeps
 *    every stock sum and every negation far from int64 overflow.
 *  - A certificate's serial is at least 1: a revocation uses serial 0 to mean
 *    "whatever certificate is current".
 *  - A purchase date after the ticket's day is not refused: the purchase date
 *    is a local (Beijing) date and the ticket's day is a UTC day, so a
 *    morning purchase is legitimately "tomorrow" in UTC.
 *  - A shop may ship parts only back to its own region; a shop directly under
 *    HQ (no region) names its upstream, which the store's directory checks.
 *  - A shop opens and submits only within its own region: a body naming
 *    another region is refused, so a shop cannot route its claims to a
 *    friendlier auditor.
 */
#include "svc_rules.h"

#include "rules_impl.h"
#include "svc_codec.h"
#include "svc_err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Largest quantity one part movement may carry, either sign. */
#define SVC_QTY_MAX 1000000000LL

/* ------------------------------------------------------------ shared helpers */

/* Drop a UTF-8 sequence that truncation cut in half at the end of s. */
static void trim_partial_utf8(char *s)
{
	size_t n = strlen(s);
	size_t i = n;
	size_t back = 0;
	while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need;
	if (lead < 0x80)
		return;
	else if ((lead & 0xE0) == 0xC0)
		need = 1;
	else if ((lead & 0xF0) == 0xE0)
		need = 2;
	else if ((lead & 0xF8) == 0xF0)
		need = 3;
	else
		return;
	if (back < need)
		s[i - 1] = '\0';
}

int svc_rules_fail(int code, char *reason, size_t len, const char *fmt, ...)
{
	if (!reason || len == 0)
		return code;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	if (w < 0) {
		reason[0] = '\0';
		return code;
	}
	if ((size_t)w >= len)
		trim_partial_utf8(reason);
	for (char *p = reason; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch == 0x7F)
			*p = '?';
	}
	return code;
}

void svc_rules_copy(char *dst, size_t cap, const char *src)
{
	if (cap == 0)
		return;
	memset(dst, 0, cap);
	if (!src)
		return;
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
}

void svc_rules_set_last(svc_fold_pos *last, const svc_change *c)
{
	memset(last, 0, sizeof *last);
	last->hlc = c->hlc;
	SVC_COPY(last->origin, c->origin);
	last->seq = c->seq;
}

int svc_rules_wrong_kind(const char *rules, const svc_change *c, char *reason, size_t len)
{
	return svc_rules_fail(SVC_EREJECT, reason, len, "%s rules cannot fold a %s change (%s)",
	                      rules, svc_change_kind_name(c->kind), c->aggregate);
}

bool svc_rules_is_hq_or_region(const svc_change *c, const char *region)
{
	if (c->origin_role == SVC_ROLE_HQ)
		return true;
	return c->origin_role == SVC_ROLE_REGION && region[0] && strcmp(c->origin, region) == 0;
}

/* A user-typed value for a reason: at most ~40 bytes, cut on a character
 * boundary, with "..." when shortened. fail() replaces control characters. */
const char *svc_rules_quote(char buf[64], const char *s)
{
	if (!s)
		s = "";
	size_t n = strnlen(s, 41);
	if (n <= 40) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		return buf;
	}
	n = 40;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

/* ------------------------------------------------------------ aggregate ids */

/* Parse "<prefix>-<node>-<seq>": node a node id, seq decimal >= 1 without
 * leading zeros. Node ids may contain '-', so the seq is after the last one. */
static bool parse_seq_id(const char *id, char prefix, char node[SVC_ID_LEN], uint64_t *seq)
{
	if (!id || id[0] != prefix || id[1] != '-')
		return false;
	const char *rest = id + 2;
	const char *dash = strrchr(rest, '-');
	if (!dash || dash == rest)
		return false;
	size_t nlen = (size_t)(dash - rest);
	if (nlen >= SVC_ID_LEN)
		return false;
	memcpy(node, rest, nlen);
	node[nlen] = '\0';
	if (!svc_valid_node_id(node))
		return false;
	const char *d = dash + 1;
	if (*d < '1' || *d > '9')
		return false;
	uint64_t v = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return false;
		unsigned digit = (unsigned)(*d - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*seq = v;
	return true;
}

static bool is_ticket_id(const char *id)
{
	char node[SVC_ID_LEN];
	uint64_t seq;
	return parse_seq_id(id, 'T', node, &seq);
}

static bool is_claim_id(const char *id)
{
	char node[SVC_ID_LEN];
	uint64_t seq;
	return parse_seq_id(id, 'C', node, &seq);
}

static bool is_transfer_id(const char *id)
{
	char node[SVC_ID_LEN];
	uint64_t seq;
	return parse_seq_id(id, 'X', node, &seq);
}

/* Aggregate ids are never truncated: two long names must not collide on a
 * shared prefix. An id that does not fit comes out empty, which matches no
 * change's aggregate. Ids built from valid node ids and seqs always fit; a
 * stock line may not (see validate_part_move). */
static void agg_cat(char out[SVC_AGG_LEN], size_t *n, const char *s, size_t len)
{
	if (*n + len >= SVC_AGG_LEN) {
		*n = SVC_AGG_LEN; /* too long: the id comes out empty */
		return;
	}
	memmove(out + *n, s, len);
	*n += len;
}

static void agg_end(char out[SVC_AGG_LEN], size_t n)
{
	out[n < SVC_AGG_LEN ? n : 0] = '\0';
}

/* "<letter>-<node>-<seq>", as "%c-%s-%" PRIu64 would spell it, without
 * parsing a format: every local write names its aggregate, and the rules
 * spell the expected id again. */
static void agg_seq_id(char out[SVC_AGG_LEN], char letter, const char *node, uint64_t seq)
{
	char d[24];
	size_t nd = sizeof d, n = 0;
	const char head[2] = {letter, '-'};
	do {
		d[--nd] = (char)('0' + seq % 10);
		seq /= 10;
	} while (seq);
	d[--nd] = '-';
	agg_cat(out, &n, head, 2);
	agg_cat(out, &n, node, strlen(node));
	agg_cat(out, &n, d + nd, sizeof d - nd);
	agg_end(out, n);
}

/* "<prefix><a>", or "<prefix><a>/<b>" when b is given. */
static void agg_key(char out[SVC_AGG_LEN], const char *prefix, const char *a, const char *b)
{
	size_t n = 0;
	agg_cat(out, &n, prefix, strlen(prefix));
	agg_cat(out, &n, a, strlen(a));
	if (b) {
		agg_cat(out, &n, "/", 1);
		agg_cat(out, &n, b, strlen(b));
	}
	agg_end(out, n);
}

void svc_rules_ticket_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq)
{
	agg_seq_id(out, 'T', node, seq);
}

int svc_rules_claim_id(char out[SVC_AGG_LEN], const char *ticket)
{
	char node[SVC_ID_LEN];
	uint64_t seq;
	out[0] = '\0';
	if (!parse_seq_id(ticket, 'T', node, &seq))
		return SVC_EINVAL;
	agg_seq_id(out, 'C', node, seq);
	return 0;
}

void svc_rules_transfer_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq)
{
	agg_seq_id(out, 'X', node, seq);
}

/* customer */
void svc_rules_customer_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq)
{
	agg_seq_id(out, 'C', node, seq);
}

void svc_rules_unit_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq)
{
	agg_seq_id(out, 'U', node, seq);
}

/* complaints */
void svc_rules_complaint_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq)
{
	agg_seq_id(out, 'K', node, seq);
}

/* shops */
void svc_rules_shop_agg(char out[SVC_AGG_LEN], const char *shop)
{
	agg_key(out, "H:", shop, NULL);
}

bool svc_rules_is_seq_id(const char *id, char prefix)
{
	char node[SVC_ID_LEN];
	uint64_t seq;
	return parse_seq_id(id, prefix, node, &seq);
}

void svc_rules_phone_digits(char out[SVC_PHONE_LEN], const char *phone)
{
	size_t n = 0;
	for (const char *p = phone; *p && n + 1 < SVC_PHONE_LEN; p++)
		if (*p >= '0' && *p <= '9')
			out[n++] = *p;
	out[n] = '\0';
	/* A mainland number written with the country code is the same number:
	 * "+86 138 0013 8000" and "13800138000" find the same customer. */
	if (n == 13 && out[0] == '8' && out[1] == '6')
		memmove(out, out + 2, n - 1);
}

void svc_rules_catalog_agg(char out[SVC_AGG_LEN], const char *part_no)
{
	agg_key(out, "P:", part_no, NULL);
}

void svc_rules_node_agg(char out[SVC_AGG_LEN], const char *node)
{
	agg_key(out, "N:", node, NULL);
}

void svc_rules_move_agg(char out[SVC_AGG_LEN], const char *location, const char *part_no)
{
	agg_key(out, "S:", location, part_no);
}

/* ------------------------------------------------------------ types and order */

svc_agg_type svc_rules_agg_type(const svc_change *c)
{
	switch (c->kind) {
	case SVC_CK_TICKET_OPEN:
	case SVC_CK_TICKET_ASSIGN:
	case SVC_CK_TICKET_STATUS:
	case SVC_CK_TICKET_NOTE:
	case SVC_CK_TICKET_CALLBACK:
	case SVC_CK_TICKET_REJUDGE: /* policy */
	case SVC_CK_TICKET_CHARGE:  /* out-of-warranty work */
	case SVC_CK_CLAIM_ALLOW:
		return SVC_AGG_TICKET;
	case SVC_CK_CLAIM_SUBMIT:
	case SVC_CK_CLAIM_DECIDE:
		return SVC_AGG_CLAIM;
	case SVC_CK_CATALOG_PUT:
		return SVC_AGG_CATALOG;
	case SVC_CK_NODE_CERT:
	case SVC_CK_NODE_REVOKE:
	case SVC_CK_QUARANTINE_RELEASE:
		return SVC_AGG_NODE;
	/* policy */
	case SVC_CK_POLICY_SET:
		return SVC_AGG_POLICY;
	case SVC_CK_REGION_GRADE:
		return SVC_AGG_GRADE;
	case SVC_CK_MODEL_PUT:
		return SVC_AGG_MODEL;
	case SVC_CK_FAULT_CODE_PUT:
		return SVC_AGG_FAULT;
	/* labor operations, tariff, price history */
	case SVC_CK_LABOR_PUT:
		return SVC_AGG_LABOR;
	case SVC_CK_TARIFF_SET:
		return SVC_AGG_TARIFF;
	case SVC_CK_CATALOG_PRICE:
		return SVC_AGG_CATALOG;
	case SVC_CK_TICKET_OVERRIDE:
		return SVC_AGG_OVERRIDE;
	case SVC_CK_CUSTOMER_PUT:
	case SVC_CK_CUSTOMER_MERGE:
		return SVC_AGG_CUSTOMER;
	case SVC_CK_UNIT_PUT:
	case SVC_CK_UNIT_MERGE:
		return SVC_AGG_UNIT;
	/* complaints */
	case SVC_CK_COMPLAINT_OPEN:
	case SVC_CK_COMPLAINT_STATUS:
	case SVC_CK_COMPLAINT_NOTE:
	case SVC_CK_COMPLAINT_STATEMENT:
		return SVC_AGG_COMPLAINT;
	case SVC_CK_OLD_PART: /* old parts */
		return SVC_AGG_OLDPART;
	/* the shop's ledger */
	case SVC_CK_PAY_RUN:
	case SVC_CK_STATEMENT_CONFIRM:
	case SVC_CK_LEDGER_DEDUCT:
		return SVC_AGG_STATEMENT;
	/* shops */
	case SVC_CK_SHOP_PUT:
	case SVC_CK_SHOP_STAGE:
	case SVC_CK_SHOP_ASSESS:
		return SVC_AGG_SHOP;
	case SVC_CK_PART_MOVE:
		switch (c->u.part_move.kind) {
		case SVC_MV_TRANSFER_OUT:
		case SVC_MV_TRANSFER_IN:
			return SVC_AGG_TRANSFER;
		case SVC_MV_RECEIVE:
		case SVC_MV_CONSUME:
		case SVC_MV_DEFECTIVE_RETURN:
		case SVC_MV_ADJUST:
			return SVC_AGG_MOVE;
		default:
			return SVC_AGG_NONE; /* unknown movement kind: nowhere to fold it */
		}
	default:
		return SVC_AGG_NONE;
	}
}

const svc_rules *svc_rules_for(svc_agg_type t)
{
	switch (t) {
	case SVC_AGG_TICKET:
		return &svc_rules_ticket;
	case SVC_AGG_CLAIM:
		return &svc_rules_claim;
	case SVC_AGG_TRANSFER:
		return &svc_rules_transfer;
	case SVC_AGG_CATALOG:
		return &svc_rules_catalog;
	case SVC_AGG_NODE:
		return &svc_rules_node;
	case SVC_AGG_MOVE:
		return &svc_rules_move;
	/* policy */
	case SVC_AGG_POLICY:
		return &svc_rules_policy;
	case SVC_AGG_GRADE:
		return &svc_rules_grade;
	case SVC_AGG_MODEL:
		return &svc_rules_model;
	case SVC_AGG_FAULT:
		return &svc_rules_fault;
	case SVC_AGG_OVERRIDE:
		return &svc_rules_override;
	case SVC_AGG_CUSTOMER:
		return &svc_rules_customer;
	case SVC_AGG_UNIT:
		return &svc_rules_unit;
	case SVC_AGG_LABOR:
		return &svc_rules_labor;
	case SVC_AGG_TARIFF:
		return &svc_rules_tariff;
	case SVC_AGG_COMPLAINT:
		return &svc_rules_complaint;
	case SVC_AGG_OLDPART: /* old parts */
		return &svc_rules_oldpart;
	case SVC_AGG_STATEMENT: /* the shop's ledger */
		return &svc_rules_statement;
	case SVC_AGG_SHOP: /* shops */
		return &svc_rules_shop;
	default:
		return NULL;
	}
}

int svc_rules_order_cmp(uint64_t hlc_a, const char *origin_a, uint64_t seq_a, uint64_t hlc_b,
                        const char *origin_b, uint64_t seq_b)
{
	if (hlc_a != hlc_b)
		return hlc_a < hlc_b ? -1 : 1;
	int o = strcmp(origin_a, origin_b);
	if (o != 0)
		return o < 0 ? -1 : 1;
	if (seq_a != seq_b)
		return seq_a < seq_b ? -1 : 1;
	return 0;
}

/* ------------------------------------------------------------ layer 1: validate */

static int check_optional_node_id(const char *field, const char *id, char *reason, size_t len)
{
	return id[0] ? svc_check_node_id(field, id, reason, len) : 0;
}

int svc_rules_expect_agg(const svc_change *c, const char *expected, char *reason, size_t len)
{
	char q[64];
	if (strcmp(c->aggregate, expected) != 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "aggregate: '%s' does not match this %s, expected '%s'",
		                      svc_rules_quote(q, c->aggregate),
		                      svc_change_kind_name(c->kind), expected);
	return 0;
}

static int expect_agg_shape(const svc_change *c, bool ok, const char *shape, char *reason,
                            size_t len)
{
	char q[64];
	if (!ok)
		return svc_rules_fail(
		    SVC_EINVAL, reason, len, "aggregate: '%s' is not %s, as a %s needs",
		    svc_rules_quote(q, c->aggregate), shape, svc_change_kind_name(c->kind));
	return 0;
}

static int validate_ticket_open(const svc_change *c, char *reason, size_t len)
{
	const svc_ticket_open *b = &c->u.ticket_open;
	TERMINATED("customer", b->customer);
	TERMINATED("phone", b->phone);
	TERMINATED("address", b->address);
	TERMINATED("product", b->product);
	TERMINATED("serial", b->serial);
	TERMINATED("fault", b->fault);
	TERMINATED("region", b->region);
	TERMINATED("shop", b->shop);
	if (b->kind < SVC_TK_CONSULT || b->kind > SVC_TK_EXCHANGE)
		return svc_rules_fail(SVC_EINVAL, reason, len, "kind: unknown ticket kind %" PRIu32,
		                      b->kind);
	TERMINATED("customer_id", b->customer_id);
	TERMINATED("unit_id", b->unit_id);
	/* customer: a ticket that refers to a customer file carries no copy
	 * of the person's data; older tickets carry the copy and no id. */
	if (b->customer_id[0]) {
		if (!svc_rules_is_seq_id(b->customer_id, 'C'))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "customer_id: not a customer id (C-<node>-<seq>)");
		if (b->customer[0] || b->phone[0] || b->address[0])
			return svc_rules_fail(
			    SVC_EINVAL, reason, len,
			    "customer: a ticket with customer_id holds no copy of "
			    "the customer's name, phone or address");
	} else {
		SVC_TRY(svc_check_text("customer", b->customer, true, reason, len));
		SVC_TRY(svc_check_phone("phone", b->phone, reason, len));
	}
	if (b->unit_id[0] && !svc_rules_is_seq_id(b->unit_id, 'U'))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "unit_id: not a product unit id (U-<node>-<seq>)");
	SVC_TRY(svc_check_text("address", b->address, false, reason, len));
	SVC_TRY(svc_check_text("product", b->product, true, reason, len));
	SVC_TRY(svc_check_text("serial", b->serial, false, reason, len));
	if (b->purchased != 0)
		SVC_TRY(svc_check_date("purchased", b->purchased, reason, len));
	SVC_TRY(svc_rules_check_text("fault", b->fault, true, true, reason, len));
	SVC_TRY(check_optional_node_id("region", b->region, reason, len));
	SVC_TRY(check_optional_node_id("shop", b->shop, reason, len));
	SVC_TRY(svc_rules_validate_ticket_policy(c, reason, len)); /* policy */
	char want[SVC_AGG_LEN];
	svc_rules_ticket_id(want, c->origin, c->seq);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_ticket_change(const svc_change *c, char *reason, size_t len)
{
	SVC_TRY(expect_agg_shape(c, is_ticket_id(c->aggregate), "a ticket id (T-<node>-<seq>)",
	                         reason, len));
	switch (c->kind) {
	case SVC_CK_TICKET_ASSIGN:
		TERMINATED("shop", c->u.ticket_assign.shop);
		return svc_check_node_id("shop", c->u.ticket_assign.shop, reason, len);
	case SVC_CK_TICKET_STATUS: {
		const svc_ticket_status_body *b = &c->u.ticket_status;
		TERMINATED("reason", b->reason);
		if (b->status < SVC_TS_NEW || b->status > SVC_TS_CANCELLED)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "status: unknown ticket status %" PRIu32, b->status);
		SVC_TRY(svc_rules_validate_ticket_policy(c, reason, len)); /* policy */
		return svc_check_text("reason", b->reason, false, reason, len);
	}
	case SVC_CK_TICKET_NOTE:
		TERMINATED("text", c->u.ticket_note.text);
		return svc_rules_check_text("text", c->u.ticket_note.text, true, true, reason, len);
	case SVC_CK_TICKET_CALLBACK: {
		const svc_ticket_callback *b = &c->u.ticket_callback;
		TERMINATED("note", b->note);
		if (b->outcome > SVC_CB_REFUSED)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "outcome: unknown callback outcome %" PRIu32,
			                      b->outcome);
		bool reached = b->outcome == SVC_CB_NONE || b->outcome == SVC_CB_REACHED;
		if (reached && (b->satisfaction < 1 || b->satisfaction > 5))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "satisfaction: must be 1 to 5, got %" PRIu32,
			                      b->satisfaction);
		if (!reached && b->satisfaction)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "satisfaction: given for an attempt that did not "
			                      "reach the customer (%s)",
			                      svc_callback_outcome_name(b->outcome));
		if (b->limit > 20)
			return svc_rules_fail(
			    SVC_EINVAL, reason, len,
			    "limit: %" PRIu32 " unreachable attempts is more than 20", b->limit);
		return svc_check_text("note", b->note, false, reason, len);
	}
	default:
		return svc_rules_fail(SVC_EINVAL, reason, len, "kind: not a ticket change");
	}
}

static int validate_catalog_put(const svc_change *c, char *reason, size_t len)
{
	const svc_catalog_put *b = &c->u.catalog_put;
	TERMINATED("part_no", b->part_no);
	TERMINATED("name", b->name);
	SVC_TRY(svc_check_part_no("part_no", b->part_no, reason, len));
	SVC_TRY(svc_check_text("name", b->name, true, reason, len));
	if (b->price < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len, "price: %" PRId64 " fen is negative",
		                      b->price);
	if (b->return_old > SVC_RETURN_OLD_NO) /* old parts */
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "return_old: %" PRIu32 " is not 0 (keep), 1 (yes) or 2 (no)",
		                      b->return_old);
	char want[SVC_AGG_LEN];
	svc_rules_catalog_agg(want, b->part_no);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_part_move(const svc_change *c, char *reason, size_t len)
{
	const svc_part_move *b = &c->u.part_move;
	char q[64];
	TERMINATED("location", b->location);
	TERMINATED("part_no", b->part_no);
	TERMINATED("ticket", b->ticket);
	TERMINATED("transfer", b->transfer);
	TERMINATED("peer", b->peer);
	TERMINATED("reason", b->reason);
	if (b->kind < SVC_MV_RECEIVE || b->kind > SVC_MV_ADJUST)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "kind: unknown part movement kind %" PRIu32, b->kind);
	const char *kind = svc_move_kind_name(b->kind);
	SVC_TRY(svc_check_node_id("location", b->location, reason, len));
	SVC_TRY(svc_check_part_no("part_no", b->part_no, reason, len));

	if (b->qty > SVC_QTY_MAX || b->qty < -SVC_QTY_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "qty: %" PRId64 " is more than %lld parts in one movement",
		                      b->qty, SVC_QTY_MAX);
	const char *sign = NULL;
	switch (b->kind) {
	case SVC_MV_RECEIVE:
	case SVC_MV_TRANSFER_IN:
	case SVC_MV_DEFECTIVE_RETURN:
		if (b->qty <= 0)
			sign = "positive";
		break;
	case SVC_MV_TRANSFER_OUT:
		if (b->qty >= 0)
			sign = "negative (the delta at the source)";
		break;
	case SVC_MV_CONSUME:
		/* positive: a reversal of a consumption recorded by mistake */
		if (b->qty == 0)
			sign = "non-zero (negative to consume, positive to reverse)";
		break;
	case SVC_MV_ADJUST:
		if (b->qty == 0)
			sign = "non-zero";
		break;
	}
	if (sign)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "qty: must be %s for %s, got %" PRId64, sign, kind, b->qty);

	if (b->ticket[0] && !is_ticket_id(b->ticket))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "ticket: '%s' is not a ticket id (T-<node>-<seq>)",
		                      svc_rules_quote(q, b->ticket));
	if (b->kind == SVC_MV_CONSUME && !b->ticket[0])
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "ticket: required for consume (parts are used on a ticket)");
	if (b->transfer[0] && !is_transfer_id(b->transfer))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "transfer: '%s' is not a transfer id (X-<node>-<seq>)",
		                      svc_rules_quote(q, b->transfer));
	if (b->kind == SVC_MV_TRANSFER_IN && !b->transfer[0])
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "transfer: required for transfer_in (the shipment received)");
	if (b->kind == SVC_MV_TRANSFER_OUT) {
		if (!b->peer[0])
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "peer: required for transfer_out (the destination)");
		SVC_TRY(svc_check_node_id("peer", b->peer, reason, len));
		if (strcmp(b->peer, b->location) == 0)
			return svc_rules_fail(SVC_EINVAL, reason, len, "peer: %s ships to itself",
			                      b->location);
	} else {
		SVC_TRY(check_optional_node_id("peer", b->peer, reason, len));
	}
	if (b->kind == SVC_MV_CONSUME && b->qty > 0 && !b->reason[0])
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "reason: required to reverse a consumption (qty %" PRId64 ")",
		                      b->qty);
	SVC_TRY(svc_check_text("reason", b->reason, b->kind == SVC_MV_ADJUST, reason, len));

	char want[SVC_AGG_LEN];
	switch (b->kind) {
	case SVC_MV_TRANSFER_OUT:
		svc_rules_transfer_id(want, c->origin, c->seq);
		break;
	case SVC_MV_TRANSFER_IN:
		SVC_COPY(want, b->transfer);
		break;
	default:
		/* "S:<location>/<part_no>" always fits: no two stock lines can
		 * share a truncated name. */
		_Static_assert(2 + (SVC_ID_LEN - 1) + 1 + (SVC_PART_LEN - 1) < SVC_AGG_LEN,
		               "a stock line's aggregate id must fit SVC_AGG_LEN");
		svc_rules_move_agg(want, b->location, b->part_no);
		break;
	}
	return svc_rules_expect_agg(c, want, reason, len);
}

/* claim lines: the operation lines (each code once, its amount and flags as
 * the desk computed them; the fold checks them against the tariff) and the
 * travel line's flags (a travel amount without a distance is free). */
static int validate_claim_ops(const svc_claim_submit *b, int64_t *sum, char *reason, size_t len)
{
	if (b->nops > SVC_CLAIM_OPS_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "ops: %" PRIu32 " lines, at most %d allowed", b->nops,
		                      SVC_CLAIM_OPS_MAX);
	for (uint32_t i = 0; i < b->nops; i++) {
		const svc_claim_op *o = &b->ops[i];
		char field[32];
		snprintf(field, sizeof field, "ops[%" PRIu32 "].code", i);
		TERMINATED(field, o->code);
		SVC_TRY(svc_check_code(field, o->code, reason, len));
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(b->ops[j].code, o->code) == 0)
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "%s: %s is listed twice", field, o->code);
		if (o->minutes < 1)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "ops[%" PRIu32 "].minutes: must be at least 1", i);
		if (o->amount < 0 || o->amount > SVC_CLAIM_FEN_MAX)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "ops[%" PRIu32 "].amount: %" PRId64
			                      " fen is outside 0..%" PRId64,
			                      i, o->amount, SVC_CLAIM_FEN_MAX);
		if (o->flags & ~SVC_LINE_OVER_CARD)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "ops[%" PRIu32 "].flags: %" PRIu32
			                      " is not 0 or over the card (1)",
			                      i, o->flags);
		*sum += o->amount;
	}
	if (b->travel_flags & ~SVC_LINE_OVER_CARD || (b->travel_flags && !b->distance_km))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "travel_flags: %" PRIu32 " is not 0 or over the card (1) "
		                      "with a distance",
		                      b->travel_flags);
	if (!b->priced && (b->nops || b->distance_km || b->policy_version))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "priced: operation lines, a distance and a policy version "
		                      "come with priced lines");
	return 0;
}

static int validate_claim_submit(const svc_change *c, char *reason, size_t len)
{
	const svc_claim_submit *b = &c->u.claim_submit;
	char q[64];
	TERMINATED("ticket", b->ticket);
	TERMINATED("note", b->note);
	TERMINATED("region", b->region);
	char want[SVC_AGG_LEN];
	if (svc_rules_claim_id(want, b->ticket) != 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "ticket: '%s' is not a ticket id (T-<node>-<seq>)",
		                      svc_rules_quote(q, b->ticket));
	if (b->revision < 1)
		return svc_rules_fail(SVC_EINVAL, reason, len, "revision: must be at least 1");
	if (b->labor < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len, "labor: %" PRId64 " fen is negative",
		                      b->labor);
	if (b->travel < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "travel: %" PRId64 " fen is negative", b->travel);
	if (b->other < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len, "other: %" PRId64 " fen is negative",
		                      b->other);
	if (b->nparts > SVC_CLAIM_PARTS_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "parts: %" PRIu32 " lines, at most %d allowed", b->nparts,
		                      SVC_CLAIM_PARTS_MAX);
	int64_t sum = b->labor;
	bool overflow = false;
	SVC_TRY(validate_claim_ops(b, &sum, reason, len));
	for (uint32_t i = 0; i < b->nparts; i++) {
		const svc_claim_part *p = &b->parts[i];
		char field[32];
		snprintf(field, sizeof field, "parts[%" PRIu32 "].part_no", i);
		TERMINATED(field, p->part_no);
		SVC_TRY(svc_check_part_no(field, p->part_no, reason, len));
		if (p->qty < 1)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "parts[%" PRIu32 "].qty: must be at least 1", i);
		if (p->unit_price < 0)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "parts[%" PRIu32 "].unit_price: %" PRId64
			                      " fen is negative",
			                      i, p->unit_price);
		int64_t amount;
		if (__builtin_mul_overflow((int64_t)p->qty, p->unit_price, &amount))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "parts[%" PRIu32 "].amount: qty x unit_price "
			                      "overflows",
			                      i);
		if (p->amount != amount)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "parts[%" PRIu32 "].amount: %" PRId64
			                      " fen is not qty %" PRIu32 " x unit_price %" PRId64
			                      " fen = %" PRId64 " fen",
			                      i, p->amount, p->qty, p->unit_price, amount);
		overflow |= __builtin_add_overflow(sum, amount, &sum);
	}
	overflow |= __builtin_add_overflow(sum, b->travel, &sum);
	overflow |= __builtin_add_overflow(sum, b->other, &sum);
	if (overflow)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "total: the lines add up to more than a 64-bit amount");
	if (b->total != sum)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "total: %" PRId64 " fen is not the sum of the lines, %" PRId64
		                      " fen",
		                      b->total, sum);
	if (b->total <= 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "total: a claim must ask for more than 0 fen");
	if (b->total > SVC_CLAIM_FEN_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "total: %" PRId64 " fen is over the ceiling of %" PRId64
		                      " fen that no claim may pass",
		                      b->total, SVC_CLAIM_FEN_MAX);
	SVC_TRY(svc_check_text("note", b->note, false, reason, len));
	SVC_TRY(check_optional_node_id("region", b->region, reason, len));
	return svc_rules_expect_agg(c, want, reason, len);
}

/* claim lines: per-line decisions (audit, approve, reject), each line once,
 * a rejected line with its reason; the repeat repair an audit names. */
static int validate_claim_decisions(const svc_claim_decide *b, char *reason, size_t len)
{
	uint32_t a = b->action;
	TERMINATED("repeat_of", b->repeat_of);
	if (b->nlines > SVC_CLAIM_DECISIONS_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "lines: %" PRIu32 " decisions, at most %d allowed", b->nlines,
		                      SVC_CLAIM_DECISIONS_MAX);
	if (b->nlines && a != SVC_CA_AUDIT && a != SVC_CA_APPROVE && a != SVC_CA_REJECT)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "lines: only audit, approve and reject decide lines");
	for (uint32_t i = 0; i < b->nlines; i++) {
		const svc_claim_line_decision *d = &b->lines[i];
		char field[32];
		snprintf(field, sizeof field, "lines[%" PRIu32 "].reason", i);
		TERMINATED(field, d->reason);
		if (d->line < 1 || d->line > SVC_CLAIM_LINES_MAX)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "lines[%" PRIu32 "].line: %" PRIu32
			                      " is outside 1..%d",
			                      i, d->line, SVC_CLAIM_LINES_MAX);
		for (uint32_t j = 0; j < i; j++)
			if (b->lines[j].line == d->line)
				return svc_rules_fail(SVC_EINVAL, reason, len,
				                      "lines[%" PRIu32 "].line: line %" PRIu32
				                      " is decided twice",
				                      i, d->line);
		if (d->amount < 0 || (a == SVC_CA_REJECT && d->amount != 0))
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "lines[%" PRIu32 "].amount: %" PRId64 " fen %s", i,
			                      d->amount,
			                      d->amount < 0 ? "is negative" : "on a rejected line");
		SVC_TRY(svc_check_text(field, d->reason, a == SVC_CA_REJECT, reason, len));
		if (svc_utf8_chars(d->reason) > SVC_LINE_REASON_CHARS)
			return svc_rules_fail(SVC_EINVAL, reason, len,
			                      "%s: %zu characters, limit %d", field,
			                      svc_utf8_chars(d->reason), SVC_LINE_REASON_CHARS);
	}
	if (b->repeat_of[0] && (a != SVC_CA_AUDIT || !is_ticket_id(b->repeat_of)))
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "repeat_of: an audit's ticket id (T-<node>-<seq>)");
	return 0;
}

static int validate_claim_decide(const svc_change *c, char *reason, size_t len)
{
	const svc_claim_decide *b = &c->u.claim_decide;
	TERMINATED("reason", b->reason);
	TERMINATED("ref", b->ref);
	SVC_TRY(expect_agg_shape(c, is_claim_id(c->aggregate), "a claim id (C-<node>-<seq>)",
	                         reason, len));
	if (b->action < SVC_CA_AUDIT || b->action > SVC_CA_PAY)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "action: unknown claim action %" PRIu32, b->action);
	if (b->revision < 1)
		return svc_rules_fail(SVC_EINVAL, reason, len, "revision: must be at least 1");
	if (b->amount < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "amount: %" PRId64 " fen is negative", b->amount);
	if (b->claimed < 0)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "claimed: %" PRId64 " fen is negative", b->claimed);
	bool need_reason = (b->action == SVC_CA_REJECT && !b->nlines) || b->action == SVC_CA_RETURN;
	SVC_TRY(svc_check_text("reason", b->reason, need_reason, reason, len));
	SVC_TRY(validate_claim_decisions(b, reason, len));
	return svc_check_text("ref", b->ref, b->action == SVC_CA_PAY, reason, len);
}

static int validate_node_cert(const svc_change *c, char *reason, size_t len)
{
	const svc_node_cert *b = &c->u.node_cert;
	if (b->body_len == 0)
		return svc_rules_fail(SVC_EINVAL, reason, len, "node_cert.body: empty");
	if (b->body_len > sizeof b->body)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "node_cert.body: %zu bytes, at most %zu allowed", b->body_len,
		                      sizeof b->body);
	svc_cert cert;
	memset(&cert, 0, sizeof cert);
	if (svc_codec_cert_decode(b->body, b->body_len, &cert) != 0)
		return svc_rules_fail(SVC_EINVAL, reason, len, "node_cert.body: %s", svc_errmsg());
	TERMINATED("cert.node", cert.node);
	TERMINATED("cert.region", cert.region);
	TERMINATED("cert.upstream", cert.upstream);
	TERMINATED("cert.issuer", cert.issuer);
	SVC_TRY(svc_check_node_id("cert.node", cert.node, reason, len));
	if (cert.role < SVC_ROLE_HQ || cert.role > SVC_ROLE_SHOP)
		return svc_rules_fail(SVC_EINVAL, reason, len, "cert.role: unknown role %" PRIu32,
		                      cert.role);
	SVC_TRY(check_optional_node_id("cert.region", cert.region, reason, len));
	SVC_TRY(check_optional_node_id("cert.upstream", cert.upstream, reason, len));
	SVC_TRY(check_optional_node_id("cert.issuer", cert.issuer, reason, len));
	if (cert.serial < 1)
		return svc_rules_fail(SVC_EINVAL, reason, len, "cert.serial: must be at least 1");
	if (cert.not_after != 0 && cert.not_after <= cert.not_before)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "cert.not_after: not after not_before");
	char want[SVC_AGG_LEN];
	svc_rules_node_agg(want, cert.node);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_node_revoke(const svc_change *c, char *reason, size_t len)
{
	const svc_node_revoke *b = &c->u.node_revoke;
	TERMINATED("node", b->node);
	TERMINATED("reason", b->reason);
	SVC_TRY(svc_check_node_id("node", b->node, reason, len));
	SVC_TRY(svc_check_text("reason", b->reason, true, reason, len));
	char want[SVC_AGG_LEN];
	svc_rules_node_agg(want, b->node);
	return svc_rules_expect_agg(c, want, reason, len);
}

static int validate_quarantine_release(const svc_change *c, char *reason, size_t len)
{
	const svc_quarantine_release *b = &c->u.quarantine_release;
	TERMINATED("origin", b->origin);
	TERMINATED("reason", b->reason);
	SVC_TRY(svc_check_node_id("origin", b->origin, reason, len));
	SVC_TRY(svc_check_text("reason", b->reason, true, reason, len));
	if (b->through_seq < 1)
		return svc_rules_fail(SVC_EINVAL, reason, len, "through_seq: must be at least 1");
	char want[SVC_AGG_LEN];
	svc_rules_node_agg(want, b->origin);
	return svc_rules_expect_agg(c, want, reason, len);
}

int svc_rules_validate(const svc_change *c, char *reason, size_t len)
{
	if (!c)
		return svc_rules_fail(SVC_EINVAL, reason, len, "change: missing");
	TERMINATED("origin", c->origin);
	TERMINATED("aggregate", c->aggregate);
	TERMINATED("origin_region", c->origin_region);
	SVC_TRY(svc_check_node_id("origin", c->origin, reason, len));
	if (c->seq < 1 || c->seq > SVC_SEQ_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "seq: %" PRIu64 " is outside 1..%" PRIu64, c->seq,
		                      SVC_SEQ_MAX);
	if (c->hlc < 1 || c->hlc > SVC_HLC_MAX)
		return svc_rules_fail(SVC_EINVAL, reason, len,
		                      "hlc: %" PRIu64 " is outside 1..%" PRIu64, c->hlc,
		                      SVC_HLC_MAX);
	if (c->origin_role > SVC_ROLE_SHOP)
		return svc_rules_fail(SVC_EINVAL, reason, len, "origin_role: unknown role %" PRIu32,
		                      c->origin_role);
	SVC_TRY(check_optional_node_id("origin_region", c->origin_region, reason, len));
	TERMINATED("operator", c->operator);
	SVC_TRY(svc_check_text("operator", c->operator, false, reason, len));
	if (svc_utf8_chars(c->operator) > SVC_OPERATOR_CHARS)
		return svc_rules_fail(SVC_EINVAL, reason, len, "operator: %zu characters, limit %d",
		                      svc_utf8_chars(c->operator), SVC_OPERATOR_CHARS);

	switch (c->kind) {
	case SVC_CK_TICKET_OPEN:
		return validate_ticket_open(c, reason, len);
	case SVC_CK_TICKET_ASSIGN:
	case SVC_CK_TICKET_STATUS:
	case SVC_CK_TICKET_NOTE:
	case SVC_CK_TICKET_CALLBACK:
		return validate_ticket_change(c, reason, len);
	case SVC_CK_CATALOG_PUT:
		return validate_catalog_put(c, reason, len);
	case SVC_CK_PART_MOVE:
		return validate_part_move(c, reason, len);
	case SVC_CK_CLAIM_SUBMIT:
		return validate_claim_submit(c, reason, len);
	case SVC_CK_CLAIM_DECIDE:
		return validate_claim_decide(c, reason, len);
	case SVC_CK_NODE_CERT:
		return validate_node_cert(c, reason, len);
	case SVC_CK_NODE_REVOKE:
		return validate_node_revoke(c, reason, len);
	case SVC_CK_QUARANTINE_RELEASE:
		return validate_quarantine_release(c, reason, len);
	/* policy */
	case SVC_CK_POLICY_SET:
	case SVC_CK_REGION_GRADE:
		return svc_rules_validate_policy(c, reason, len);
	case SVC_CK_MODEL_PUT:
	case SVC_CK_FAULT_CODE_PUT:
		return svc_rules_validate_model(c, reason, len);
	case SVC_CK_TICKET_OVERRIDE:
		return svc_rules_validate_override(c, reason, len);
	case SVC_CK_TICKET_REJUDGE:
		SVC_TRY(expect_agg_shape(c, is_ticket_id(c->aggregate),
		                         "a ticket id (T-<node>-<seq>)", reason, len));
		return svc_rules_validate_override(c, reason, len);
	case SVC_CK_TICKET_CHARGE: /* out-of-warranty work */
	case SVC_CK_CLAIM_ALLOW:
		SVC_TRY(expect_agg_shape(c, is_ticket_id(c->aggregate),
		                         "a ticket id (T-<node>-<seq>)", reason, len));
		return svc_rules_charge_validate(c, reason, len);
	case SVC_CK_CUSTOMER_PUT:
	case SVC_CK_CUSTOMER_MERGE:
		return svc_rules_customer_validate(c, reason, len);
	case SVC_CK_UNIT_PUT:
	case SVC_CK_UNIT_MERGE:
		return svc_rules_unit_validate(c, reason, len);
	/* complaints */
	case SVC_CK_COMPLAINT_OPEN:
	case SVC_CK_COMPLAINT_STATUS:
	case SVC_CK_COMPLAINT_NOTE:
	case SVC_CK_COMPLAINT_STATEMENT:
		return svc_rules_complaint_validate(c, reason, len);
	/* labor operations, tariff, price history */
	case SVC_CK_LABOR_PUT:
	case SVC_CK_TARIFF_SET:
	case SVC_CK_CATALOG_PRICE:
		return svc_rules_labor_validate(c, reason, len);
	case SVC_CK_OLD_PART: /* old parts */
		return svc_rules_oldpart_validate(c, reason, len);
	/* the shop's ledger */
	case SVC_CK_PAY_RUN:
	case SVC_CK_STATEMENT_CONFIRM:
	case SVC_CK_LEDGER_DEDUCT:
		return svc_rules_statement_validate(c, reason, len);
	/* shops */
	case SVC_CK_SHOP_PUT:
	case SVC_CK_SHOP_STAGE:
	case SVC_CK_SHOP_ASSESS:
		return svc_rules_shop_validate(c, reason, len);
	default:
		return svc_rules_fail(SVC_EINVAL, reason, len, "kind: unknown change kind %d",
		                      (int)c->kind);
	}
}

/* ------------------------------------------------------------ layer 2: authorize */

static int deny(const svc_change *c, char *reason, size_t len, const char *what)
{
	return svc_rules_fail(SVC_EDENIED, reason, len, "%s %s may not %s",
	                      svc_role_name(c->origin_role), c->origin, what);
}

static int deny_hq_only(const svc_change *c, char *reason, size_t len, const char *what)
{
	return svc_rules_fail(SVC_EDENIED, reason, len, "%s %s may not %s (HQ only)",
	                      svc_role_name(c->origin_role), c->origin, what);
}

/* The kinds of change only HQ originates, whatever the role asking: what a
 * refusal says the origin may not do; NULL for kinds other roles may
 * originate (under the rules of their role). One list, so a new HQ-owned
 * record kind is added once and refused alike for regions and shops. */
static const char *hq_only(uint32_t kind)
{
	switch (kind) {
	case SVC_CK_CATALOG_PUT:
		return "edit the parts catalog";
	case SVC_CK_NODE_CERT:
		return "issue node certificates";
	case SVC_CK_NODE_REVOKE:
		return "revoke nodes";
	case SVC_CK_QUARANTINE_RELEASE:
		return "release held changes";
	case SVC_CK_POLICY_SET:
		return "set the service policy";
	case SVC_CK_REGION_GRADE:
		return "grade regions";
	case SVC_CK_MODEL_PUT:
		return "edit the model list";
	case SVC_CK_FAULT_CODE_PUT:
		return "edit the fault codes";
	case SVC_CK_CLAIM_ALLOW:
		return "allow claims on out-of-warranty or charged tickets";
	/* labor operations, tariff, price history */
	case SVC_CK_LABOR_PUT:
		return "edit the labor operations";
	case SVC_CK_TARIFF_SET:
		return "set labor rates and travel bands";
	case SVC_CK_CATALOG_PRICE:
		return "edit the parts catalog";
	/* the shop's ledger */
	case SVC_CK_PAY_RUN:
		return "pay claims";
	case SVC_CK_LEDGER_DEDUCT:
		return "deduct from a shop's ledger";
	default:
		return NULL;
	}
}

static const char *decide_verb(uint32_t action)
{
	switch (action) {
	case SVC_CA_AUDIT:
		return "audit claims";
	case SVC_CA_RETURN:
		return "return claims";
	case SVC_CA_APPROVE:
		return "approve claims";
	case SVC_CA_REJECT:
		return "reject claims";
	case SVC_CA_PAY:
		return "pay claims";
	default:
		return "decide claims";
	}
}

/* Movements happen where the origin is: a region or shop never books stock
 * at another node's location. */
static int authorize_move_location(const svc_change *c, char *reason, size_t len)
{
	const svc_part_move *m = &c->u.part_move;
	if (strcmp(m->location, c->origin) != 0)
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "%s %s may not move parts at %s (only at its own location)",
		                      svc_role_name(c->origin_role), c->origin, m->location);
	return 0;
}

static int authorize_region(const svc_change *c, char *reason, size_t len)
{
	switch (c->kind) {
	case SVC_CK_TICKET_OPEN: {
		const char *r = c->u.ticket_open.region;
		if (r[0] && strcmp(r, c->origin) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not open tickets in region %s (only "
			                      "in its own)",
			                      c->origin, r);
		return 0;
	}
	case SVC_CK_TICKET_ASSIGN:
	case SVC_CK_TICKET_NOTE:
	case SVC_CK_TICKET_CALLBACK:
		return 0;
	case SVC_CK_TICKET_STATUS:
		switch (c->u.ticket_status.status) {
		case SVC_TS_CANCELLED:
		case SVC_TS_CLOSED:
		case SVC_TS_ASSIGNED: /* reopen; step() checks it comes from resolved */
			return 0;
		case SVC_TS_ACCEPTED:
			return deny(c, reason, len, "accept tickets (the assigned shop does)");
		case SVC_TS_ON_SITE:
			return deny(c, reason, len, "set tickets on_site (the assigned shop does)");
		case SVC_TS_RESOLVED: /* policy: a consult answered at the desk; step() checks */
			return 0;
		default:
			return deny(c, reason, len, "set tickets back to new");
		}
	case SVC_CK_CLAIM_SUBMIT:
		return deny(c, reason, len, "submit claims (shops only)");
	case SVC_CK_CLAIM_DECIDE: {
		uint32_t a = c->u.claim_decide.action;
		if (a == SVC_CA_AUDIT || a == SVC_CA_RETURN)
			return 0;
		return deny_hq_only(c, reason, len, decide_verb(a));
	}
	case SVC_CK_PART_MOVE:
		if (c->u.part_move.kind == SVC_MV_RECEIVE)
			return deny_hq_only(c, reason, len, "receive stock");
		return authorize_move_location(c, reason, len);
	/* policy: a region records exceptions in its own region; a re-judging's
	 * region is checked in step() against the ticket's */
	case SVC_CK_TICKET_OVERRIDE:
		if (strcmp(c->u.ticket_override.region, c->origin) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "region %s may not record exceptions in region %s "
			                      "(only in its own)",
			                      c->origin, c->u.ticket_override.region);
		return 0;
	case SVC_CK_TICKET_REJUDGE:
		return 0;
	case SVC_CK_TICKET_CHARGE:
		return deny(c, reason, len, "charge customers (the ticket's assigned shop does)");
	case SVC_CK_CUSTOMER_PUT:
	case SVC_CK_CUSTOMER_MERGE:
	case SVC_CK_UNIT_PUT:
	case SVC_CK_UNIT_MERGE:
		return 0;
	/* complaints */
	case SVC_CK_COMPLAINT_OPEN:
	case SVC_CK_COMPLAINT_STATUS:
	case SVC_CK_COMPLAINT_NOTE:
	case SVC_CK_COMPLAINT_STATEMENT:
		return svc_rules_complaint_authorize(c, reason, len);
	/* the shop's ledger */
	case SVC_CK_STATEMENT_CONFIRM:
		return svc_rules_statement_authorize(c, reason, len);
	/* shops */
	case SVC_CK_SHOP_PUT:
	case SVC_CK_SHOP_STAGE:
	case SVC_CK_SHOP_ASSESS:
		return svc_rules_shop_authorize(c, reason, len);
	default:
		return deny(c, reason, len, "originate unknown changes");
	}
}

/* customer: a shop creates and corrects only the customer files and product
 * units it created, which their ids name ("C-<shop>-<seq>"); another
 * node's file is corrected by the shop's region or HQ. The rule reads the
 * change alone, so every node decides it alike: whether the shop holds a
 * ticket of the customer is a fact of each node's store (read isolation
 * gives the region and HQ tickets the shop never sees, and a shop may hold
 * a ticket before or after its assignment reaches another node), not of the
 * change, and may not decide authorization. */
static int authorize_shop_file(const svc_change *c, char *reason, size_t len)
{
	bool cust = c->kind == SVC_CK_CUSTOMER_PUT;
	char node[SVC_ID_LEN];
	uint64_t seq;
	if (!parse_seq_id(c->aggregate, cust ? 'C' : 'U', node, &seq))
		return svc_rules_fail(SVC_EDENIED, reason, len, "%s: not a %s id", c->aggregate,
		                      cust ? "customer" : "product unit");
	if (strcmp(node, c->origin) != 0)
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "shop %s may not correct %s %s (created by %s: its region "
		                      "or HQ)",
		                      c->origin, cust ? "customer" : "product unit", c->aggregate,
		                      node);
	return 0;
}

static int authorize_shop(const svc_change *c, char *reason, size_t len)
{
	switch (c->kind) {
	case SVC_CK_TICKET_OPEN: {
		const svc_ticket_open *b = &c->u.ticket_open;
		if (strcmp(b->shop, c->origin) != 0)
			return deny(c, reason, len,
			            "open a ticket without assigning it to itself (walk-in "
			            "tickets only)");
		if (b->region[0] && strcmp(b->region, c->origin_region) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "shop %s may not open tickets in region %s (only in "
			                      "its own)",
			                      c->origin, b->region);
		return 0;
	}
	case SVC_CK_TICKET_STATUS:
		switch (c->u.ticket_status.status) {
		case SVC_TS_ACCEPTED:
		case SVC_TS_ON_SITE:
		case SVC_TS_RESOLVED:
		case SVC_TS_CANCELLED: /* its own walk-ins only; step() checks */
			return 0;
		case SVC_TS_CLOSED:
			return deny(c, reason, len, "close tickets (its region or HQ)");
		case SVC_TS_ASSIGNED:
			return deny(c, reason, len, "reopen tickets (its region or HQ)");
		default:
			return deny(c, reason, len, "set tickets back to new");
		}
	case SVC_CK_TICKET_NOTE:
		return 0;
	case SVC_CK_TICKET_ASSIGN:
		return deny(c, reason, len, "assign tickets (its region or HQ)");
	case SVC_CK_TICKET_CALLBACK:
		return deny(c, reason, len, "record customer callbacks (its region or HQ)");
	case SVC_CK_CLAIM_SUBMIT: {
		const char *r = c->u.claim_submit.region;
		if (r[0] && strcmp(r, c->origin_region) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "shop %s may not submit claims to region %s (only to "
			                      "its own)",
			                      c->origin, r);
		return 0;
	}
	case SVC_CK_CLAIM_DECIDE: {
		uint32_t a = c->u.claim_decide.action;
		if (a == SVC_CA_AUDIT || a == SVC_CA_RETURN)
			return deny(c, reason, len,
			            a == SVC_CA_AUDIT ? "audit claims (its region or HQ)"
			                              : "return claims (its region or HQ)");
		return deny_hq_only(c, reason, len, decide_verb(a));
	}
	case SVC_CK_PART_MOVE: {
		const svc_part_move *m = &c->u.part_move;
		if (m->kind == SVC_MV_RECEIVE)
			return deny_hq_only(c, reason, len, "receive stock");
		SVC_TRY(authorize_move_location(c, reason, len));
		if (m->kind == SVC_MV_TRANSFER_OUT && c->origin_region[0] &&
		    strcmp(m->peer, c->origin_region) != 0)
			return svc_rules_fail(SVC_EDENIED, reason, len,
			                      "shop %s may not ship parts to %s (only back to its "
			                      "region %s)",
			                      c->origin, m->peer, c->origin_region);
		return 0;
	}
	case SVC_CK_CUSTOMER_PUT:
	case SVC_CK_UNIT_PUT:
		return authorize_shop_file(c, reason, len);
	case SVC_CK_TICKET_OVERRIDE:
		return deny(c, reason, len,
		            "record exceptions to the return and exchange windows (its "
		            "region or HQ)");
	case SVC_CK_TICKET_REJUDGE:
		return deny(c, reason, len, "re-judge tickets (its region or HQ)");
	case SVC_CK_TICKET_CHARGE: /* its assigned shop: step() checks */
		return 0;
	case SVC_CK_CUSTOMER_MERGE:
		return deny(c, reason, len, "merge customers (its region or HQ)");
	case SVC_CK_UNIT_MERGE:
		return deny(c, reason, len, "merge product units (its region or HQ)");
	/* complaints */
	case SVC_CK_COMPLAINT_OPEN:
	case SVC_CK_COMPLAINT_STATUS:
	case SVC_CK_COMPLAINT_NOTE:
	case SVC_CK_COMPLAINT_STATEMENT:
		return svc_rules_complaint_authorize(c, reason, len);
	/* the shop's ledger */
	case SVC_CK_STATEMENT_CONFIRM:
		return svc_rules_statement_authorize(c, reason, len);
	/* shops */
	case SVC_CK_SHOP_PUT:
	case SVC_CK_SHOP_STAGE:
	case SVC_CK_SHOP_ASSESS:
		return svc_rules_shop_authorize(c, reason, len);
	default:
		return deny(c, reason, len, "originate unknown changes");
	}
}

int svc_rules_authorize(const svc_change *c, char *reason, size_t len)
{
	const char *what = hq_only(c->kind);
	if (c->kind == SVC_CK_OLD_PART) /* old parts: each step has its roles */
		return svc_rules_oldpart_authorize(c, reason, len);
	switch (c->origin_role) {
	case SVC_ROLE_HQ:
		return 0;
	case SVC_ROLE_REGION:
		return what ? deny_hq_only(c, reason, len, what) : authorize_region(c, reason, len);
	case SVC_ROLE_SHOP:
		return what ? deny_hq_only(c, reason, len, what) : authorize_shop(c, reason, len);
	default:
		return svc_rules_fail(SVC_EDENIED, reason, len,
		                      "node %s has no role and may not originate changes",
		                      c->origin);
	}
}

/* ------------------------------------------------------------ stock effects */

static void stock_line(svc_stock_delta *d, const char *location, const char *part_no)
{
	memset(d, 0, sizeof *d);
	SVC_COPY(d->location, location);
	SVC_COPY(d->part_no, part_no);
}

int svc_rules_stock_effects(const svc_change *c, svc_stock_delta out[2])
{
	/* old parts: a shipment counts as defective parts sent back from the
	 * shop, as a defective_return movement did */
	if (c->kind == SVC_CK_OLD_PART && c->u.old_part.action == SVC_OP_SHIP &&
	    c->u.old_part.qty > 0 && c->u.old_part.qty <= SVC_QTY_MAX) {
		stock_line(&out[0], c->u.old_part.shop, c->u.old_part.part_no);
		out[0].defective = c->u.old_part.qty;
		return 1;
	}
	if (c->kind != SVC_CK_PART_MOVE)
		return 0;
	const svc_part_move *m = &c->u.part_move;
	/* Only validated movements (|qty| <= SVC_QTY_MAX) have effects; this
	 * also keeps the negations below defined for any input. */
	if (m->qty > SVC_QTY_MAX || m->qty < -SVC_QTY_MAX)
		return 0;
	switch (m->kind) {
	case SVC_MV_RECEIVE:
	case SVC_MV_CONSUME:
	case SVC_MV_ADJUST:
		stock_line(&out[0], m->location, m->part_no);
		out[0].on_hand = m->qty;
		return 1;
	case SVC_MV_DEFECTIVE_RETURN:
		/* The old part was never good stock: only the defective count moves. */
		stock_line(&out[0], m->location, m->part_no);
		out[0].defective = m->qty;
		return 1;
	case SVC_MV_TRANSFER_OUT:
		/* In transit belongs to neither side's stock; the destination
		 * counts it as expected (in_transit_in) until it arrives. */
		stock_line(&out[0], m->location, m->part_no);
		out[0].on_hand = m->qty;
		stock_line(&out[1], m->peer, m->part_no);
		out[1].in_transit_in = -m->qty;
		return 2;
	case SVC_MV_TRANSFER_IN:
		stock_line(&out[0], m->location, m->part_no);
		out[0].on_hand = m->qty;
		out[0].in_transit_in = -m->qty;
		return 1;
	default:
		return 0;
	}
}

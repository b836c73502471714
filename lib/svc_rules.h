/*
 * svc_rules: the merge rules. Pure functions, no I/O, no allocation.
 *
 * The materialized state of an aggregate (a ticket, a claim, a transfer, a
 * catalog part, a node's directory entry) is the fold of its changes sorted by
 * (hlc, origin, seq). Each aggregate type has a small ops struct whose step()
 * folds one change into the state or rejects it with a reason. Because step()
 * looks only at the state and the change, every node that holds the same set
 * of changes folds them to the same state and rejects the same ones: that is
 * the convergence rule of DESIGN.md section 3, and tests/test_merge.c checks it
 * over every order of its inputs.
 *
 * Three layers of checks exist, and this module holds the first two:
 *
 *  1. svc_rules_validate(): the change on its own. Field formats (phone,
 *     dates, ids, amounts that add up, signs of quantities). A change that
 *     fails here is malformed wherever it comes from.
 *  2. svc_rules_authorize(): the role matrix. May a node of this role (and region)
 *     originate this kind of change at all, and at this location? Failing here
 *     means quarantine for a replicated change, refusal for a local one.
 *     The store checks separately that the claimed role/region match the
 *     origin's certificate.
 *  3. step(): the transition at its place in fold order, including checks that
 *     depend on state (only the assigned shop may accept a ticket; only the
 *     claim's region may audit it). A rejected change is kept and marked, the
 *     same way on every node.
 *
 * Local writes additionally check preconditions against the current state
 * (enough stock, a known part number); those live in svc_local.
 */
#ifndef SVC_RULES_H
#define SVC_RULES_H

#include "svc_tz.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	SVC_AGG_NONE = 0,
	SVC_AGG_TICKET,   /* T-... : svc_ticket */
	SVC_AGG_CLAIM,    /* C-... : svc_claim */
	SVC_AGG_TRANSFER, /* X-... : svc_transfer */
	SVC_AGG_CATALOG,  /* P:<part_no> : svc_catalog_item */
	SVC_AGG_NODE,     /* N:<node> : svc_node */
	SVC_AGG_MOVE,     /* S:<location>/<part_no> : stateless ledger entries */
	/* policy */
	SVC_AGG_POLICY, /* V:<version> : svc_policy */
	SVC_AGG_GRADE,  /* G:<region> : svc_grade_item */
	SVC_AGG_MODEL,  /* M:<model> : svc_model */
	SVC_AGG_FAULT,  /* F:<category>/<code> : svc_fault_code */
	/* customer */
	SVC_AGG_CUSTOMER, /* C-... (customer.put/merge) : svc_customer */
	SVC_AGG_UNIT,     /* U-... : svc_unit */
	/* policy */
	SVC_AGG_OVERRIDE, /* X:<serial> : svc_override */
	/* complaints */
	SVC_AGG_COMPLAINT, /* K-<node>-<seq> : svc_complaint */
	/* labor operations and the labor tariff */
	SVC_AGG_LABOR,  /* L:<code> : svc_labor_op */
	SVC_AGG_TARIFF, /* R:tariff : svc_tariff */
	/* old parts */
	SVC_AGG_OLDPART, /* O:<ticket>/<part_no> : svc_old_part */
	/* the shop's ledger */
	SVC_AGG_STATEMENT, /* Y:<shop>/<YYYY-MM> : svc_statement */
	/* shops */
	SVC_AGG_SHOP, /* H:<shop> : svc_shop */
	SVC_AGG_MAX_
} svc_agg_type;

/* The aggregate type a change kind belongs to (SVC_AGG_NONE if unknown).
 * Part moves of kind transfer_out/transfer_in belong to SVC_AGG_TRANSFER. */
svc_agg_type svc_rules_agg_type(const svc_change *c);

typedef struct svc_rules {
	const char *name;
	size_t state_size; /* 0 for stateless aggregates */
	/*
	 * Fold change c into *state. `exists` is false before the aggregate's
	 * first accepted change (state is then all zero). Returns 0 when the
	 * change is accepted (state updated, including state->last), or
	 * SVC_EREJECT with a one-line reason. On rejection *state may have been
	 * modified: the fold driver works on a copy.
	 */
	int (*step)(void *state, bool exists, const svc_change *c, char *reason, size_t reason_len);
} svc_rules;

const svc_rules *svc_rules_for(svc_agg_type t);

/* Layer 1: field validation of one change. 0 or SVC_EINVAL with reason
 * naming the field ("phone: must be 7 to 15 digits, optionally with a leading +"). */
int svc_rules_validate(const svc_change *c, char *reason, size_t reason_len);

/* Layer 2: may the change's origin (by its claimed role and region) originate
 * this change? 0 or SVC_EDENIED with reason. */
int svc_rules_authorize(const svc_change *c, char *reason, size_t reason_len);

/* Order of changes within an aggregate: (hlc, origin, seq). */
int svc_rules_order_cmp(uint64_t hlc_a, const char *origin_a, uint64_t seq_a, uint64_t hlc_b,
                        const char *origin_b, uint64_t seq_b);

/* Stock effects of an accepted change: up to two (location, part) deltas. */
typedef struct {
	char location[SVC_ID_LEN];
	char part_no[SVC_PART_LEN];
	int64_t on_hand;
	int64_t defective;
	int64_t in_transit_in;
} svc_stock_delta;

/* Fills out[0..n) and returns n (0, 1 or 2). Computed from the change alone:
 * transfer_out debits the source and credits the destination's in-transit
 * count; transfer_in moves that count into the destination's stock. */
int svc_rules_stock_effects(const svc_change *c, svc_stock_delta out[2]);

/* Aggregate ids. A ticket is named after the change that opened it,
 * "T-<node>-<seq>"; its (single) claim is "C-<node>-<seq>" of the same ticket,
 * so a ticket never has two claims and resubmission is a new revision. */
void svc_rules_ticket_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq);
/* SVC_EINVAL if `ticket` is not a ticket id. */
int svc_rules_claim_id(char out[SVC_AGG_LEN], const char *ticket);
/* A transfer is named after its transfer_out change: "X-<node>-<seq>". */
void svc_rules_transfer_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq);
/* Aggregate of a catalog part, a node and a stock line. */
void svc_rules_catalog_agg(char out[SVC_AGG_LEN], const char *part_no);
void svc_rules_node_agg(char out[SVC_AGG_LEN], const char *node);
void svc_rules_move_agg(char out[SVC_AGG_LEN], const char *location, const char *part_no);

/* ---- policy: aggregates, the policy's keys and their defaults */
void svc_rules_policy_agg(char out[SVC_AGG_LEN], uint32_t version);
void svc_rules_grade_agg(char out[SVC_AGG_LEN], const char *region);
void svc_rules_override_agg(char out[SVC_AGG_LEN], const char *serial);
void svc_rules_model_agg(char out[SVC_AGG_LEN], const char *model);
void svc_rules_fault_agg(char out[SVC_AGG_LEN], const char *category, const char *code);
/* A model, category or fault code: 1..31 of A-Z a-z 0-9 . _ - (not first). */
int svc_check_code(const char *field, const char *s, char *reason, size_t len);
/* One KEY=VALUE of a policy: a known key and a value of its type. */
int svc_policy_check_entry(const char *key, const char *value, char *reason, size_t len);
/* A policy's value for key (p NULL or key unset: the default, NULL if none). */
const char *svc_policy_get(const svc_policy *p, const char *key);
/* Numbers: warranty months of a category, return and exchange days, on-site
 * hours of a grade (0 for no grade). */
unsigned svc_policy_warranty_months(const svc_policy *p, const char *category);
unsigned svc_policy_days(const svc_policy *p, const char *key);
/* An amount in fen (claim_max_fen, claim_line_max_fen): at most SVC_CLAIM_FEN_MAX. */
int64_t svc_policy_fen(const svc_policy *p, const char *key);
unsigned svc_policy_onsite_hours(const svc_policy *p, uint32_t grade);
/* The callback rule of a grade: 100 for every ticket, else a percentage. */
unsigned svc_policy_callback_pct(const svc_policy *p, uint32_t grade);
const char *svc_policy_time_zone(const svc_policy *p);
/* the shop's ledger: must a payment be made by another operator than the
 * approval's (pay_require_two, default no)? Days before an unreturned old
 * part is charged back (old_part_days, default 30). */
bool svc_policy_pay_require_two(const svc_policy *p);
unsigned svc_policy_old_part_days(const svc_policy *p);
/* A ticket's on-site due time: created plus the hours (elapsed, whatever
 * the wall clock does); 0 when there are none. */
uint64_t svc_rules_onsite_due(uint64_t created, uint32_t hours);
/* customer: a customer file is named after the change that creates it,
 * "C-<node>-<seq>", a product unit "U-<node>-<seq>". A claim's id has the
 * customer's shape too ("C-<node>-<seq>" of its ticket's seq); the two never
 * collide, since one seq is one change, and nothing tells them apart by the
 * prefix: a change's kind says which record it is for, and a reader asks
 * the record kind it means (svc_fold_customer_get, svc_fold_claim_get). */
void svc_rules_customer_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq);
void svc_rules_unit_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq);
/* Is id shaped like a customer (prefix 'C') or unit ('U') id? Shape only:
 * see above. */
bool svc_rules_is_seq_id(const char *id, char prefix);
/* The digits of a phone number ("+86 138-0013-8000" -> "8613800138000"),
 * the key of the phone index; "" when none fit. */
void svc_rules_phone_digits(char out[SVC_PHONE_LEN], const char *phone);

/* complaints: a complaint is named after its opening change, "K-<node>-<seq>"
 * (K: no other record's id starts with it). */
void svc_rules_complaint_id(char out[SVC_AGG_LEN], const char *node, uint64_t seq);

/* ---- claim lines (rules_claim.c, rules_labor.c) */
void svc_rules_labor_agg(char out[SVC_AGG_LEN], const char *code);
/* The one tariff record, "R:tariff". */
void svc_rules_tariff_agg(char out[SVC_AGG_LEN]);
/* An operation line's amount: minutes x fen_per_hour / 60, rounded half up;
 * -1 when it overflows. */
int64_t svc_rules_op_amount(uint32_t minutes, int64_t fen_per_hour);
/* The travel allowance for km from the bands: the first band whose max_km
 * is >= km, else the last band's amount with *over set; -1 with no bands. */
int64_t svc_rules_travel_amount(const svc_tariff *t, uint32_t km, bool *over);
/* The price of a part in force at ms: the history entry with the greatest
 * from <= ms, else the catalog price. */
int64_t svc_rules_price_at(const svc_catalog_item *it, uint64_t ms);

/* One line of a claim as `claim show` numbers it (svc_types.h). */
typedef struct {
	uint32_t kind;    /* svc_claim_line_kind */
	const char *what; /* op code or part number ("" for the others); points into the claim */
	uint32_t qty;     /* op: minutes, part: count, travel: km */
	int64_t amount;
	uint32_t flags; /* SVC_LINE_* */
} svc_claim_line_view;
/* The lines of a claim, 1..n as out[0..n); returns n. */
uint32_t svc_claim_lines(const svc_claim *cl, svc_claim_line_view out[SVC_CLAIM_LINES_MAX]);
/* The flag names of a line ("over-card,free"; "-" for none). */
void svc_claim_flags_fmt(char out[48], uint32_t flags);
/* old parts: one ticket's old parts of one part number, "O:<ticket>/<part_no>"
 * ("" when the two do not fit SVC_AGG_LEN: validation refuses such a step). */
void svc_rules_oldpart_agg(char out[SVC_AGG_LEN], const char *ticket, const char *part_no);
/* Parts accepted at the region: received - rejected. */
int64_t svc_old_part_accepted(const svc_old_part *op);
/* For a claim's part line of `qty` parts approved at `approved_ms` (0: not
 * approved), under old_part_days `days`, and the line's old-part record
 * `op` (NULL: none): *back_ms, when the old parts were back (the last
 * region receipt that accepted parts once at least qty are accepted, or
 * HQ's waiver, whichever came first; 0 not yet), and *deadline_ms, the end
 * of the day `days` after the approval's date in the network's zone `tz`
 * (0 when not approved). Pure: the same inputs give the same answer on
 * every node. */
void svc_rules_oldpart_due(const svc_tz *tz, uint32_t qty, uint64_t approved_ms, unsigned days,
                           const svc_old_part *op, uint64_t *back_ms, uint64_t *deadline_ms);
/* the shop's ledger: a shop's month, "Y:<shop>/<YYYY-MM>" (month YYYYMM). */
void svc_rules_statement_agg(char out[SVC_AGG_LEN], const char *shop, uint32_t month);
/* The shop and month (YYYYMM) of a statement id: false if it is not one. */
bool svc_rules_statement_parse(const char *agg, char shop[SVC_ID_LEN], uint32_t *month);
/* "YYYY-MM" -> YYYYMM: 0 or SVC_EINVAL with a reason naming `field`. */
int svc_parse_month(const char *field, const char *s, uint32_t *out, char *reason, size_t len);
/* shops: a shop's record is "H:<shop>" (its node id, reserved by the
 * application before the shop has a key). */
void svc_rules_shop_agg(char out[SVC_AGG_LEN], const char *shop);

/* ------------------------------------------------------------ field validators
 * All return 0 or SVC_EINVAL with a reason naming `field`. */
int svc_valid_node_id(const char *id); /* bool-ish: 1 valid, 0 not */
int svc_check_node_id(const char *field, const char *id, char *reason, size_t len);
int svc_check_phone(const char *field, const char *phone, char *reason, size_t len);
int svc_check_text(const char *field, const char *s, bool required, char *reason, size_t len);
int svc_check_part_no(const char *field, const char *s, char *reason, size_t len);
/* YYYY-MM-DD -> YYYYMMDD with calendar check. */
int svc_parse_date(const char *field, const char *s, uint32_t *out, char *reason, size_t len);
int svc_check_date(const char *field, uint32_t yyyymmdd, char *reason, size_t len);
/* In warranty: purchased (YYYYMMDD) + months > day of created_ms (UTC). */
bool svc_in_warranty(uint32_t purchased, uint64_t created_ms, unsigned months);

#endif

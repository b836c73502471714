/*
 * svc_types: the records of svcsync as plain C values.
 *
 * Every module speaks these structs; only the codec knows the protobuf form and
 * only the store knows how they sit in LMDB. Strings are fixed-size, NUL
 * terminated buffers: the limits below are part of the data model (the codec
 * refuses longer fields), which keeps the merge rules free of allocation and
 * makes a change a value that can be copied, compared and folded.
 *
 * Money is always int64 fen. Times are unix milliseconds taken from the HLC of
 * the change that set them, so every node computes the same values.
 */
#ifndef SVC_TYPES_H
#define SVC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_ID_LEN 33   /* node id: [a-z0-9][a-z0-9-]{0,31} + NUL */
#define SVC_AGG_LEN 72  /* aggregate id: up to "S:<node>/<part_no>" */
#define SVC_NAME_LEN 96 /* customer name, UTF-8 */
#define SVC_PHONE_LEN 24
#define SVC_ADDR_LEN 256
#define SVC_PRODUCT_LEN 64
#define SVC_SERIAL_LEN 64
#define SVC_TEXT_LEN 1024 /* fault text, notes */
#define SVC_REASON_LEN 256
#define SVC_PART_LEN 32 /* part number */
#define SVC_PART_NAME_LEN 128
#define SVC_REF_LEN 64 /* payment reference */
#define SVC_CLAIM_PARTS_MAX 16
/* No claim asks for more than this, whatever the policy: 10,000,000 yuan in
 * fen. The policy's claim_max_fen and claim_line_max_fen (lower) are checked
 * at the desk; this bound is checked wherever a claim is validated. */
#define SVC_CLAIM_FEN_MAX INT64_C(1000000000)
#define SVC_POLICY_CODE_LEN 32 /* policy: a model, category or fault code */
/* The person who entered a change: a limit in characters, not bytes, since
 * Chinese names take three bytes a character; the buffer holds the longest
 * UTF-8 encoding of that many. */
#define SVC_OPERATOR_CHARS 32
#define SVC_OPERATOR_LEN (SVC_OPERATOR_CHARS * 4 + 1)
#define SVC_HASH_LEN 32      /* BLAKE2b-256 */
#define SVC_PK_LEN 32        /* Ed25519 public key */
#define SVC_SIG_LEN 64       /* Ed25519 signature */
#define SVC_CURVE_KEY_LEN 32 /* X25519 (CurveZMQ) key, public or secret */
#define SVC_STORE_ID_LEN 16  /* random id of one store, so a restored copy is told apart */
/* A path buffer: a directory of up to PATH_MAX (4096) and a file name under it. */
#define SVC_PATH_MAX 4200

#define SVC_WARRANTY_MONTHS 24

typedef enum {
	SVC_ROLE_NONE = 0,
	SVC_ROLE_HQ = 1,
	SVC_ROLE_REGION = 2,
	SVC_ROLE_SHOP = 3,
} svc_role;

typedef enum {
	SVC_TK_CONSULT = 1,
	SVC_TK_COMPLAINT,
	SVC_TK_INSTALL,
	SVC_TK_REPAIR,
	SVC_TK_RETURN,
	SVC_TK_EXCHANGE,
} svc_ticket_kind;

typedef enum {
	SVC_TS_NEW = 1,
	SVC_TS_ASSIGNED,
	SVC_TS_ACCEPTED,
	SVC_TS_ON_SITE,
	SVC_TS_RESOLVED,
	SVC_TS_CLOSED,
	SVC_TS_CANCELLED,
} svc_ticket_status;

typedef enum {
	SVC_MV_RECEIVE = 1,      /* stock in at HQ */
	SVC_MV_TRANSFER_OUT,     /* shipped at the source */
	SVC_MV_TRANSFER_IN,      /* received at the destination */
	SVC_MV_CONSUME,          /* used on a ticket */
	SVC_MV_DEFECTIVE_RETURN, /* old part sent back toward HQ */
	SVC_MV_ADJUST,           /* count correction with a reason */
} svc_move_kind;

typedef enum {
	SVC_CS_SUBMITTED = 1,
	SVC_CS_AUDITED,
	SVC_CS_RETURNED,
	SVC_CS_APPROVED,
	SVC_CS_PARTIAL, /* partially_approved */
	SVC_CS_REJECTED,
	SVC_CS_PAID,
} svc_claim_status;

typedef enum {
	SVC_CA_AUDIT = 1,
	SVC_CA_RETURN,
	SVC_CA_APPROVE, /* amount < claimed makes it partially_approved */
	SVC_CA_REJECT,
	SVC_CA_PAY,
} svc_claim_action;

/* The kind of a change is the case of its body. */
typedef enum {
	SVC_CK_NONE = 0,
	SVC_CK_TICKET_OPEN,
	SVC_CK_TICKET_ASSIGN,
	SVC_CK_TICKET_STATUS,
	SVC_CK_TICKET_NOTE,
	SVC_CK_TICKET_CALLBACK,
	SVC_CK_CATALOG_PUT,
	SVC_CK_PART_MOVE,
	SVC_CK_CLAIM_SUBMIT,
	SVC_CK_CLAIM_DECIDE,
	SVC_CK_NODE_CERT,
	SVC_CK_NODE_REVOKE,
	SVC_CK_QUARANTINE_RELEASE,
	/* policy: service policy, region grades, product models, fault codes */
	SVC_CK_POLICY_SET,
	SVC_CK_REGION_GRADE,
	SVC_CK_MODEL_PUT,
	SVC_CK_FAULT_CODE_PUT,
	/* customer files and product units */
	SVC_CK_CUSTOMER_PUT,
	SVC_CK_CUSTOMER_MERGE,
	SVC_CK_UNIT_PUT,
	SVC_CK_UNIT_MERGE,
	/* policy: ticket exceptions and re-judging */
	SVC_CK_TICKET_OVERRIDE,
	SVC_CK_TICKET_REJUDGE,
	/* complaints */
	SVC_CK_COMPLAINT_OPEN,
	SVC_CK_COMPLAINT_STATUS,
	SVC_CK_COMPLAINT_NOTE,
	SVC_CK_COMPLAINT_STATEMENT,
	/* out-of-warranty work */
	SVC_CK_TICKET_CHARGE,
	SVC_CK_CLAIM_ALLOW,
	/* labor operations, the labor tariff, part price history */
	SVC_CK_LABOR_PUT,
	SVC_CK_TARIFF_SET,
	SVC_CK_CATALOG_PRICE,
	/* old parts back to the factory */
	SVC_CK_OLD_PART,
	/* the shop's ledger: payment runs, statement confirmations, deductions */
	SVC_CK_PAY_RUN,
	SVC_CK_STATEMENT_CONFIRM,
	SVC_CK_LEDGER_DEDUCT,
	/* shops: the shop record, its enrollment stages and assessments */
	SVC_CK_SHOP_PUT,
	SVC_CK_SHOP_STAGE,
	SVC_CK_SHOP_ASSESS,
	SVC_CK_MAX_
} svc_change_kind;

/* ------------------------------------------------------------ change bodies */

/* customer: the tiers of a customer file and the fields a put sets. */
typedef enum {
	SVC_TIER_REGULAR = 1,
	SVC_TIER_VIP,
} svc_customer_tier;

#define SVC_PHONES_MAX 3
/* Limits in characters (the buffers hold their longest UTF-8 form). */
#define SVC_CUSTOMER_NAME_CHARS 40
#define SVC_CUSTOMER_ADDR_CHARS 80
#define SVC_MODEL_CHARS 32
#define SVC_CUSTOMER_NAME_LEN (SVC_CUSTOMER_NAME_CHARS * 4 + 1)

enum {
	SVC_CF_NAME = 1 << 0,
	SVC_CF_PHONES = 1 << 1,
	SVC_CF_ADDRESS = 1 << 2,
	SVC_CF_TIER = 1 << 3,
	SVC_CF_ALL_ = 0xf,
};

enum {
	SVC_UF_SERIAL = 1 << 0,
	SVC_UF_MODEL = 1 << 1,
	SVC_UF_PURCHASED = 1 << 2,
	SVC_UF_INSTALLED = 1 << 3,
	SVC_UF_OWNER = 1 << 4,
	SVC_UF_ALL_ = 0x1f,
};

typedef struct {
	uint32_t kind; /* svc_ticket_kind */
	char customer[SVC_NAME_LEN];
	char phone[SVC_PHONE_LEN];
	char address[SVC_ADDR_LEN];
	char product[SVC_PRODUCT_LEN];
	char serial[SVC_SERIAL_LEN];
	uint32_t purchased; /* YYYYMMDD, 0 unknown */
	char fault[SVC_TEXT_LEN];
	char region[SVC_ID_LEN];
	char shop[SVC_ID_LEN];
	/* policy: the inputs the ticket was judged on, copied when it opened
	 * (all zero in tickets opened before these fields: unknown) */
	char model[SVC_POLICY_CODE_LEN];
	char category[SVC_POLICY_CODE_LEN];
	uint32_t installed;      /* YYYYMMDD, 0 unknown */
	uint32_t policy_version; /* 0: the defaults */
	uint32_t grade;          /* svc_grade of the region, 0 ungraded */
	uint32_t channel;        /* svc_channel, 0 unknown */
	uint32_t warranty_until; /* YYYYMMDD, the last day covered; 0 unknown */
	uint32_t onsite_hours;   /* from the policy and the grade; 0 none */
	uint32_t opened_on;      /* YYYYMMDD in the network's zone; 0 unknown */
	/* customer */
	char customer_id[SVC_AGG_LEN];
	char unit_id[SVC_AGG_LEN];
	/* policy: opened outside its window under the exception recorded for
	 * the serial by override_by, its reason copied ("" : none) */
	char override_reason[SVC_REASON_LEN];
	char override_by[SVC_ID_LEN];
} svc_ticket_open;

typedef struct {
	char shop[SVC_ID_LEN];
} svc_ticket_assign;

typedef struct {
	uint32_t status; /* svc_ticket_status */
	char reason[SVC_REASON_LEN];
	/* policy */
	uint64_t at;                          /* on_site: the visit time reported, ms; 0 none */
	char fault_code[SVC_POLICY_CODE_LEN]; /* resolved: one of the category's codes */
} svc_ticket_status_body;

typedef struct {
	char text[SVC_TEXT_LEN];
} svc_ticket_note;

/* callbacks: an attempt's outcome (0 in older changes: reached) */
enum svc_callback_outcome {
	SVC_CB_NONE = 0,
	SVC_CB_REACHED = 1,
	SVC_CB_UNREACHABLE = 2,
	SVC_CB_REFUSED = 3,
};

typedef struct {
	uint32_t satisfaction; /* 1..5 when reached, else 0 */
	char note[SVC_REASON_LEN];
	uint32_t outcome; /* svc_callback_outcome */
	uint32_t limit;   /* unreachable attempts before giving up (policy) */
} svc_ticket_callback;

/* old parts: what a catalog put says of the return_old flag */
typedef enum {
	SVC_RETURN_OLD_KEEP = 0, /* older puts, or a put that does not say */
	SVC_RETURN_OLD_YES,
	SVC_RETURN_OLD_NO,
} svc_return_old;

typedef struct {
	char part_no[SVC_PART_LEN];
	char name[SVC_PART_NAME_LEN];
	int64_t price;
	uint32_t return_old; /* svc_return_old */
} svc_catalog_put;

typedef struct {
	uint32_t kind; /* svc_move_kind */
	char location[SVC_ID_LEN];
	char part_no[SVC_PART_LEN];
	int64_t qty; /* signed delta at location */
	char ticket[SVC_AGG_LEN];
	char transfer[SVC_AGG_LEN];
	char peer[SVC_ID_LEN];
	char reason[SVC_REASON_LEN];
} svc_part_move;

typedef struct {
	char part_no[SVC_PART_LEN];
	uint32_t qty;
	int64_t unit_price;
	int64_t amount;
} svc_claim_part;

/* ---- claim lines: labor by operation code, travel bands, per-line
 * decisions. A claim's lines are numbered 1..n in this order: its operation
 * lines, the free labor amount (if any), its parts, travel (if any), other
 * (if any) (svc_claim_lines()). */
#define SVC_CLAIM_OPS_MAX 8
#define SVC_CLAIM_LINES_MAX (SVC_CLAIM_OPS_MAX + SVC_CLAIM_PARTS_MAX + 3)
/* Line decisions one change carries; a per-line reason's characters. */
#define SVC_CLAIM_DECISIONS_MAX 12
#define SVC_LINE_REASON_CHARS 40
#define SVC_LINE_REASON_LEN (SVC_LINE_REASON_CHARS * 4 + 1)

typedef enum {
	SVC_LINE_OP = 1, /* an operation code: standard time x rate */
	SVC_LINE_LABOR,  /* a free labor amount */
	SVC_LINE_PART,
	SVC_LINE_TRAVEL,
	SVC_LINE_OTHER,
} svc_claim_line_kind;

/* Line flags: what HQ may approve in full only with a reason. */
#define SVC_LINE_OVER_CARD 1u /* minutes above standard, distance past the last band */
#define SVC_LINE_FREE 2u      /* an amount not from the tariff */
#define SVC_LINE_REPEAT 4u    /* labor on a unit repaired within 30 days (the audit) */
#define SVC_LINE_FLAGS_ALL 7u

typedef struct {
	char code[SVC_POLICY_CODE_LEN];
	uint32_t minutes;
	int64_t amount;
	uint32_t flags; /* SVC_LINE_* */
} svc_claim_op;

typedef struct {
	char ticket[SVC_AGG_LEN];
	uint32_t revision;
	int64_t labor;
	uint32_t nparts;
	svc_claim_part parts[SVC_CLAIM_PARTS_MAX];
	int64_t travel;
	int64_t other;
	int64_t total;
	char note[SVC_REASON_LEN];
	char region[SVC_ID_LEN];
	/* claim lines */
	uint32_t nops;
	svc_claim_op ops[SVC_CLAIM_OPS_MAX];
	uint32_t distance_km;
	uint32_t travel_flags; /* SVC_LINE_OVER_CARD or 0 */
	uint32_t policy_version;
	/* the lines were priced and flagged by these rules (false in older
	 * submissions: no tariff, price or ceiling checks, no flags) */
	bool priced;
} svc_claim_submit;

typedef struct {
	uint32_t line; /* 1..n */
	int64_t amount;
	char reason[SVC_LINE_REASON_LEN];
} svc_claim_line_decision;

typedef struct {
	uint32_t action; /* svc_claim_action */
	uint32_t revision;
	int64_t amount;
	char reason[SVC_REASON_LEN];
	char ref[SVC_REF_LEN];
	int64_t claimed;
	/* claim lines */
	uint32_t nlines;
	svc_claim_line_decision lines[SVC_CLAIM_DECISIONS_MAX];
	char repeat_of[SVC_AGG_LEN];
} svc_claim_decide;

/* labor operations (HQ): aggregate L:<code> */
typedef struct {
	char code[SVC_POLICY_CODE_LEN];
	char category[SVC_POLICY_CODE_LEN];
	uint32_t minutes;
	char text[SVC_REASON_LEN];
} svc_labor_put;

typedef enum {
	SVC_TARIFF_RATE = 1, /* fen per hour of a region grade */
	SVC_TARIFF_BAND,     /* travel allowance up to max_km */
} svc_tariff_kind;

#define SVC_TRAVEL_BANDS_MAX 16
#define SVC_PRICES_MAX 16

typedef struct {
	uint32_t kind; /* svc_tariff_kind */
	uint32_t grade;
	int64_t fen_per_hour;
	uint32_t max_km;
	int64_t fen;
} svc_tariff_set;

typedef struct {
	char part_no[SVC_PART_LEN];
	int64_t price;
	uint64_t from; /* ms: midnight of the first day in the network's zone */
} svc_catalog_price;

/* customer */
typedef struct {
	uint32_t fields; /* SVC_CF_* */
	char name[SVC_CUSTOMER_NAME_LEN];
	char phones[SVC_PHONES_MAX][SVC_PHONE_LEN];
	char address[SVC_ADDR_LEN];
	uint32_t tier; /* svc_customer_tier */
} svc_customer_put;

typedef struct {
	char into[SVC_AGG_LEN];
} svc_record_merge;

typedef struct {
	uint32_t fields; /* SVC_UF_* */
	char serial[SVC_SERIAL_LEN];
	char model[SVC_PRODUCT_LEN];
	uint32_t purchased, installed; /* YYYYMMDD, 0 unknown */
	char owner[SVC_AGG_LEN];
} svc_unit_put;

/* The signed content of a node certificate. */
typedef struct {
	char node[SVC_ID_LEN];
	uint32_t role; /* svc_role */
	char region[SVC_ID_LEN];
	char upstream[SVC_ID_LEN];
	uint8_t pubkey[SVC_PK_LEN];
	uint64_t not_before;
	uint64_t not_after;
	uint64_t serial;
	char issuer[SVC_ID_LEN];
} svc_cert;

#define SVC_CERT_BODY_MAX 512

/* A certificate as carried: the exact encoded body bytes and HQ's signature. */
typedef struct {
	uint8_t body[SVC_CERT_BODY_MAX];
	size_t body_len;
	uint8_t signature[SVC_SIG_LEN];
	/* Superseding a revoked certificate: the last seq the old key's commits
	 * covered at HQ (0 otherwise). Not signed: the change's commit is. */
	uint64_t held_through;
} svc_node_cert;

typedef struct {
	char node[SVC_ID_LEN];
	char reason[SVC_REASON_LEN];
	uint64_t serial;
	uint64_t cutoff_seq; /* the node's last seq HQ held: later ones are held */
} svc_node_revoke;

/* HQ releases a revoked origin's held changes through a seq. */
typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t through_seq;
	char reason[SVC_REASON_LEN];
} svc_quarantine_release;

/* ---- policy: service policy, region grades, product models, fault codes */

#define SVC_CODE_LEN SVC_POLICY_CODE_LEN /* 1..31 of [A-Za-z0-9._-] */
#define SVC_POLICY_KEY_LEN 48
#define SVC_POLICY_VAL_LEN 48
#define SVC_POLICY_ENTRIES_MAX 32

typedef enum {
	SVC_CHANNEL_NONE = 0,
	SVC_CHANNEL_PHONE,
	SVC_CHANNEL_WALK_IN,
	SVC_CHANNEL_LETTER,
	SVC_CHANNEL_WEB,
} svc_channel;

typedef enum {
	SVC_GRADE_NONE = 0,
	SVC_GRADE_A,
	SVC_GRADE_B,
	SVC_GRADE_C,
} svc_grade;

typedef struct {
	char key[SVC_POLICY_KEY_LEN];
	char value[SVC_POLICY_VAL_LEN];
} svc_policy_entry;

typedef struct {
	uint32_t version;
	uint32_t from; /* YYYYMMDD in the network's zone */
	uint32_t nentries;
	svc_policy_entry entries[SVC_POLICY_ENTRIES_MAX];
} svc_policy_set;

typedef struct {
	char region[SVC_ID_LEN];
	uint32_t grade; /* svc_grade */
} svc_region_grade;

typedef struct {
	char model[SVC_CODE_LEN];
	char category[SVC_CODE_LEN];
} svc_model_put;

typedef struct {
	char code[SVC_CODE_LEN];
	char category[SVC_CODE_LEN];
	char text[SVC_REASON_LEN];
} svc_fault_code_put;

/* An exception's reason: at most this many characters. */
#define SVC_OVERRIDE_REASON_CHARS 60

typedef struct {
	char serial[SVC_SERIAL_LEN];
	uint32_t kind; /* SVC_TK_RETURN or SVC_TK_EXCHANGE */
	char reason[SVC_REASON_LEN];
	char region[SVC_ID_LEN];
	char shop[SVC_ID_LEN]; /* "" : the region opens it */
} svc_ticket_override;

typedef struct {
	uint32_t policy_version;
	uint32_t grade;
	uint32_t warranty_until;
	uint32_t onsite_hours;
} svc_ticket_rejudge;

/* ---- out-of-warranty work: a customer charge on a ticket (its assigned
 * shop; parts priced from the catalog as a claim's are), and HQ's leave to
 * claim on such a ticket all the same. */
typedef struct {
	int64_t labor;
	uint32_t nparts;
	svc_claim_part parts[SVC_CLAIM_PARTS_MAX];
	int64_t travel;
	int64_t total;
} svc_ticket_charge;

typedef struct {
	char reason[SVC_REASON_LEN];
} svc_claim_allow;

/* ---- old parts back to the factory (旧件返厂): the steps of the record
 * O:<ticket>/<part_no> (rules_oldpart.c). */
typedef enum {
	SVC_OP_SHIP = 1, /* the shop sends old parts to its region */
	SVC_OP_RECEIVE,  /* the region (inspecting) or HQ takes them in */
	SVC_OP_FORWARD,  /* the region sends accepted ones on to HQ */
	SVC_OP_WAIVE,    /* HQ needs no return */
} svc_old_part_action;

typedef struct {
	uint32_t action; /* svc_old_part_action */
	char ticket[SVC_AGG_LEN];
	char part_no[SVC_PART_LEN];
	int64_t qty;
	int64_t reject; /* receive at the region: refused at inspection */
	char reason[SVC_REASON_LEN];
	char shop[SVC_ID_LEN];
	char region[SVC_ID_LEN];
} svc_old_part_step;

/* A reason for a rejection at inspection or a waiver: at most this many
 * characters. */
#define SVC_OLD_PART_REASON_CHARS 60
/* ---- shops: a shop's record (网点档案), its enrollment stages (each a change
 * by the role that owns it) and its assessments. */

typedef enum {
	SVC_SHOP_APPLIED = 1,   /* the region recorded the application */
	SVC_SHOP_REVIEWED,      /* the region's review (中心审核) passed */
	SVC_SHOP_TECH_REVIEWED, /* HQ's technical review (技术管理科审核) passed */
	SVC_SHOP_APPROVED,      /* HQ approved (部长审批): agreement, node id reserved */
	SVC_SHOP_PROBATION,     /* enrolled, on probation */
	SVC_SHOP_REGULAR,       /* probation passed */
	SVC_SHOP_ENDED,         /* refused at a review, or ended by an assessment */
} svc_shop_stage;

typedef enum {
	SVC_SHOP_TYPE_SPECIAL = 1, /* 特约网点 */
	SVC_SHOP_TYPE_AUTHORIZED,  /* 授权专营店 */
	SVC_SHOP_TYPE_NATIONAL,    /* 全国联保点 */
} svc_shop_type;

/* The fields a shop.put sets (apply sets them all). */
enum {
	SVC_SF_LEGAL_NAME = 1u << 0,
	SVC_SF_LEGAL_REP = 1u << 1,
	SVC_SF_ADDRESS = 1u << 2,
	SVC_SF_AREA = 1u << 3,
	SVC_SF_CONTACT = 1u << 4,
	SVC_SF_TYPE = 1u << 5,
	SVC_SF_TECHNICIAN = 1u << 6,
	SVC_SF_ALL_ = (1u << 7) - 1,
};

/* Limits in characters. */
#define SVC_SHOP_NAME_CHARS 60
#define SVC_SHOP_NAME_LEN (SVC_SHOP_NAME_CHARS * 4 + 1)
#define SVC_SHOP_PERSON_CHARS 20
#define SVC_SHOP_PERSON_LEN (SVC_SHOP_PERSON_CHARS * 4 + 1)
#define SVC_SHOP_AREA_CHARS 60
#define SVC_SHOP_AREA_LEN (SVC_SHOP_AREA_CHARS * 4 + 1)
#define SVC_SHOP_CONTACT_CHARS 40
#define SVC_SHOP_CONTACT_LEN (SVC_SHOP_CONTACT_CHARS * 4 + 1)
#define SVC_SHOP_AGREEMENT_CHARS 30
#define SVC_SHOP_AGREEMENT_LEN (SVC_SHOP_AGREEMENT_CHARS * 4 + 1)
#define SVC_SHOP_REASON_CHARS 60
#define SVC_SHOP_TECHS_MAX 12
#define SVC_SHOP_ASSESS_KEPT 6 /* the latest assessments a record keeps */

typedef struct {
	bool apply;
	uint32_t fields; /* SVC_SF_* */
	char region[SVC_ID_LEN];
	char legal_name[SVC_SHOP_NAME_LEN];
	char legal_rep[SVC_SHOP_PERSON_LEN];
	char address[SVC_ADDR_LEN];
	char area[SVC_SHOP_AREA_LEN];
	char contact[SVC_SHOP_CONTACT_LEN];
	uint32_t type; /* svc_shop_type */
	char tech_name[SVC_SHOP_PERSON_LEN];
	char tech_qual[SVC_SHOP_PERSON_LEN];
	bool tech_drop;
} svc_shop_put;

typedef struct {
	uint32_t stage; /* svc_shop_stage */
	char reason[SVC_REASON_LEN];
	char agreement[SVC_SHOP_AGREEMENT_LEN];
	uint32_t valid_from, valid_to; /* YYYYMMDD */
	char region[SVC_ID_LEN];       /* probation without a record */
	uint64_t serial;
	uint64_t probation_until; /* ms */
	bool refused;
} svc_shop_stage_body;

typedef enum {
	SVC_SHOP_OUTCOME_NONE = 0,
	SVC_SHOP_OUTCOME_REGULAR,
	SVC_SHOP_OUTCOME_END,
} svc_shop_outcome;

typedef struct {
	uint32_t period; /* YYYYMM */
	uint32_t score;  /* 0..100 */
	uint32_t complaints, tickets, callback_pm, onsite_pm;
	uint32_t outcome; /* svc_shop_outcome */
	char reason[SVC_REASON_LEN];
} svc_shop_assess;

/* ---- complaints (投诉): a record of their own, owned by the region (HQ once
 * escalated); the shop complained about may only add a statement. */

typedef enum {
	SVC_SEV_LOW = 1,
	SVC_SEV_NORMAL,
	SVC_SEV_HIGH,
} svc_complaint_severity;

/* received -> investigating -> concluded -> confirmed -> closed. ESCALATED
 * is what a status change asks for to hand the complaint to HQ: the owner
 * moves, the status does not. */
typedef enum {
	SVC_KS_RECEIVED = 1,
	SVC_KS_INVESTIGATING,
	SVC_KS_CONCLUDED,
	SVC_KS_CONFIRMED,
	SVC_KS_CLOSED,
	SVC_KS_ESCALATED,
} svc_complaint_status;

typedef enum {
	SVC_KF_NONE = 0,
	SVC_KF_SUBSTANTIATED,
	SVC_KF_UNSUBSTANTIATED,
} svc_complaint_finding;

/* A complaint's category: at most this many characters. */
#define SVC_COMPLAINT_CATEGORY_CHARS 20
#define SVC_COMPLAINT_CATEGORY_LEN (SVC_COMPLAINT_CATEGORY_CHARS * 4 + 1)

typedef struct {
	char region[SVC_ID_LEN];
	char shop[SVC_ID_LEN];         /* "" : none */
	char ticket[SVC_AGG_LEN];      /* "" : none */
	char customer_id[SVC_AGG_LEN]; /* the customer file, never a copy of it */
	char category[SVC_COMPLAINT_CATEGORY_LEN];
	uint32_t severity; /* svc_complaint_severity */
	uint32_t channel;  /* svc_channel, 0 unknown */
	char text[SVC_TEXT_LEN];
	uint32_t policy_version;
	uint32_t days;      /* complaint_days.<severity> of that version */
	uint32_t opened_on; /* YYYYMMDD in the network's zone */
} svc_complaint_open;

typedef struct {
	uint32_t status;  /* svc_complaint_status */
	uint32_t finding; /* concluded: svc_complaint_finding */
	char responsible[SVC_ID_LEN];
	char remedy[SVC_REASON_LEN];
} svc_complaint_status_body;

/* A note (region or HQ) or the shop's statement. */
typedef struct {
	char text[SVC_TEXT_LEN];
} svc_complaint_text;

/* ---- the shop's ledger: a shop's month ("Y:<shop>/<YYYY-MM>", the month
 * its claims were approved in the network's zone) gathers HQ's payment runs
 * for it, HQ's deductions and the shop's confirmation with its invoice. */

/* Claims one payment run pays: a month with more is paid in several runs. */
#define SVC_PAY_RUN_CLAIMS_MAX 32
/* Claims, runs and deductions one statement holds. */
#define SVC_STATEMENT_PAID_MAX 128
#define SVC_STATEMENT_RUNS_MAX 8
#define SVC_STATEMENT_DEDUCTIONS_MAX 8
/* An invoice number (发票号码): at most this many characters. */
#define SVC_INVOICE_CHARS 32
#define SVC_INVOICE_LEN (SVC_INVOICE_CHARS * 4 + 1)
/* A deduction's reason: at most this many characters. */
#define SVC_DEDUCT_REASON_CHARS 60

typedef struct {
	char claim[SVC_AGG_LEN];
	int64_t amount; /* fen: the claim's approved amount */
} svc_pay_line;

/* A payment run (HQ): the month's bounds in UTC ms as the writer computed
 * them in the network's zone, [from, to), and the policy version it was
 * judged under (pay_require_two). */
typedef struct {
	char ref[SVC_REF_LEN];
	uint32_t nclaims;
	svc_pay_line claims[SVC_PAY_RUN_CLAIMS_MAX];
	uint64_t from, to;
	uint32_t policy_version;
} svc_pay_run;

typedef struct {
	char invoice[SVC_INVOICE_LEN];
} svc_statement_confirm;

typedef struct {
	int64_t fen;
	char reason[SVC_REASON_LEN];
} svc_ledger_deduct;

/* ------------------------------------------------------------ the change */

typedef struct {
	char origin[SVC_ID_LEN];
	uint64_t seq;
	uint64_t hlc;
	char aggregate[SVC_AGG_LEN];
	uint8_t prev_hash[SVC_HASH_LEN];
	uint32_t origin_role; /* svc_role, claimed; checked against the directory */
	char origin_region[SVC_ID_LEN];
	/* Who entered it at the origin ("" in changes older than the field):
	 * recorded and shown, never a basis for a decision. */
	char operator[SVC_OPERATOR_LEN];
	svc_change_kind kind;
	union {
		svc_ticket_open ticket_open;
		svc_ticket_assign ticket_assign;
		svc_ticket_status_body ticket_status;
		svc_ticket_note ticket_note;
		svc_ticket_callback ticket_callback;
		svc_catalog_put catalog_put;
		svc_part_move part_move;
		svc_claim_submit claim_submit;
		svc_claim_decide claim_decide;
		svc_node_cert node_cert;
		svc_node_revoke node_revoke;
		svc_quarantine_release quarantine_release;
		/* policy */
		svc_policy_set policy_set;
		svc_region_grade region_grade;
		svc_model_put model_put;
		svc_fault_code_put fault_code_put;
		/* customer */
		svc_customer_put customer_put;
		svc_record_merge customer_merge;
		svc_unit_put unit_put;
		svc_record_merge unit_merge;
		/* policy */
		svc_ticket_override ticket_override;
		svc_ticket_rejudge ticket_rejudge;
		/* complaints */
		svc_complaint_open complaint_open;
		svc_complaint_status_body complaint_status;
		svc_complaint_text complaint_note;
		svc_complaint_text complaint_statement;
		/* out-of-warranty work */
		svc_ticket_charge ticket_charge;
		svc_claim_allow claim_allow;
		/* labor operations, tariff, price history */
		svc_labor_put labor_put;
		svc_tariff_set tariff_set;
		svc_catalog_price catalog_price;
		/* old parts */
		svc_old_part_step old_part;
		/* the shop's ledger */
		svc_pay_run pay_run;
		svc_statement_confirm statement_confirm;
		svc_ledger_deduct ledger_deduct;
		/* shops */
		svc_shop_put shop_put;
		svc_shop_stage_body shop_stage;
		svc_shop_assess shop_assess;
	} u;
} svc_change;

/*
 * The valid ranges of positions. A seq (per origin) and an lsn (per node's
 * arrival log) lie in 1..SVC_SEQ_MAX, 2^53 - 1: a node writing a million
 * changes a second would need 285 years to reach it, every loop and sum over
 * positions stays far from wrapping (a count of changes, a seq plus a
 * commit's length), and the value survives JSON readers that hold numbers as
 * doubles. An HLC's milliseconds end at 2^47 (the year 6429), so a clock
 * value can always grow by one. Anything outside is refused on arrival with
 * the field named, before it touches the store.
 */
#define SVC_SEQ_MAX ((UINT64_C(1) << 53) - 1)
#define SVC_HLC_MAX ((UINT64_C(1) << 63) - 1)

/* Characters (code points) of a valid UTF-8 string. */
static inline size_t svc_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Milliseconds of an HLC value (48-bit ms + 16-bit counter). */
static inline uint64_t svc_hlc_ms(uint64_t hlc)
{
	return hlc >> 16;
}

/* ------------------------------------------------------------ materialized state */

/* Position of the last change folded into an aggregate, in fold order. */
typedef struct {
	uint64_t hlc;
	char origin[SVC_ID_LEN];
	uint64_t seq;
} svc_fold_pos;

typedef struct {
	char id[SVC_AGG_LEN];
	uint32_t kind;
	char customer[SVC_NAME_LEN];
	char phone[SVC_PHONE_LEN];
	char address[SVC_ADDR_LEN];
	char product[SVC_PRODUCT_LEN];
	char serial[SVC_SERIAL_LEN];
	uint32_t purchased;
	bool in_warranty;
	char fault[SVC_TEXT_LEN];
	char region[SVC_ID_LEN];
	char shop[SVC_ID_LEN];
	char opened_by[SVC_ID_LEN];
	uint32_t status;
	uint64_t created, first_response, on_site, resolved, closed;
	uint64_t callback_at;
	uint32_t satisfaction;
	char callback_note[SVC_REASON_LEN];
	uint32_t notes;
	uint32_t reopened;
	uint64_t updated;
	svc_fold_pos last;
	/* policy: copied from the opening change, and what follows from it */
	char model[SVC_POLICY_CODE_LEN];
	char category[SVC_POLICY_CODE_LEN];
	uint32_t installed;
	uint32_t policy_version;
	uint32_t grade;
	uint32_t channel;
	uint32_t warranty_until; /* 0: unknown */
	uint32_t opened_on;
	uint64_t onsite_due; /* created + the grade's on-site hours; 0 none */
	uint64_t visited;    /* the first visit time reported; 0 none */
	char fault_code[SVC_POLICY_CODE_LEN];
	/* customer */
	char customer_id[SVC_AGG_LEN];
	char unit_id[SVC_AGG_LEN];
	/* policy: the exception it was opened under ("" none), the last
	 * re-judging (ms, 0 never) */
	char override_reason[SVC_REASON_LEN];
	char override_by[SVC_ID_LEN];
	uint64_t rejudged;
	/* callbacks: this cycle (reopening starts the next) */
	uint32_t callback_cycle;
	uint32_t callback_attempts;
	uint32_t callback_unreached;
	uint32_t callback_state; /* 0 owed; else the svc_callback_outcome that ended it */
	/* out-of-warranty work: the customer's charges (sum, count), and HQ's
	 * leave to claim all the same ("" none) */
	int64_t charge_fen;
	uint32_t charges;
	char claim_allow_reason[SVC_REASON_LEN];
	char claim_allowed_by[SVC_ID_LEN];
} svc_ticket;

/* Customer-paid work: out of the warranty judged at opening (a known
 * warranty end), or with a customer charge recorded. No claim is made on it
 * without HQ's leave (claim_allow_reason). */
static inline bool svc_ticket_customer_paid(const svc_ticket *t)
{
	return (!t->in_warranty && t->warranty_until != 0) || t->charges > 0;
}

/* customer: a customer file and a product unit. A merged record keeps its
 * fields and points to its survivor (merged_into). */
typedef struct {
	char id[SVC_AGG_LEN];
	char name[SVC_CUSTOMER_NAME_LEN];
	char phones[SVC_PHONES_MAX][SVC_PHONE_LEN];
	char address[SVC_ADDR_LEN];
	uint32_t tier;
	char region[SVC_ID_LEN];
	char created_by[SVC_ID_LEN];
	uint64_t created;
	char merged_into[SVC_AGG_LEN];
	uint64_t merged;
	uint64_t updated;
	svc_fold_pos last;
} svc_customer;

typedef struct {
	char id[SVC_AGG_LEN];
	char serial[SVC_SERIAL_LEN];
	char model[SVC_PRODUCT_LEN];
	uint32_t purchased, installed;
	char owner[SVC_AGG_LEN];
	char region[SVC_ID_LEN];
	char created_by[SVC_ID_LEN];
	uint64_t created;
	char merged_into[SVC_AGG_LEN];
	uint64_t merged;
	uint64_t updated;
	svc_fold_pos last;
} svc_unit;

/* One claim line's decisions: the region's proposal, HQ's approval. */
typedef struct {
	bool has_proposal;
	int64_t proposed;
	int64_t approved;
} svc_claim_line_state;

typedef struct {
	char id[SVC_AGG_LEN];
	char ticket[SVC_AGG_LEN];
	char shop[SVC_ID_LEN];
	char region[SVC_ID_LEN];
	uint32_t revision;
	uint32_t status;
	int64_t labor;
	uint32_t nparts;
	svc_claim_part parts[SVC_CLAIM_PARTS_MAX];
	int64_t travel;
	int64_t other;
	int64_t total;
	int64_t approved;
	char reason[SVC_REASON_LEN];
	char pay_ref[SVC_REF_LEN];
	char audited_by[SVC_ID_LEN];
	char decided_by[SVC_ID_LEN];
	uint64_t submitted, audited, decided, paid;
	char note[SVC_REASON_LEN];
	svc_fold_pos last;
	/* claim lines: who recorded HQ's decision, the labor lines, travel,
	 * the ceilings' policy version, each line's decisions */
	char decided_op[SVC_OPERATOR_LEN];
	uint32_t nops;
	svc_claim_op ops[SVC_CLAIM_OPS_MAX];
	uint32_t distance_km;
	uint32_t travel_flags;
	uint32_t policy_version;
	uint32_t nlines;
	svc_claim_line_state lines[SVC_CLAIM_LINES_MAX];
	char repeat_of[SVC_AGG_LEN];
	bool priced;
} svc_claim;

typedef struct {
	char id[SVC_AGG_LEN];
	char part_no[SVC_PART_LEN];
	char source[SVC_ID_LEN];
	char dest[SVC_ID_LEN];
	int64_t qty;
	bool received;
	uint64_t shipped;
	uint64_t received_at;
	svc_fold_pos last;
} svc_transfer;

typedef struct {
	uint64_t from; /* ms */
	int64_t price;
} svc_price_entry;

typedef struct {
	char part_no[SVC_PART_LEN];
	char name[SVC_PART_NAME_LEN];
	int64_t price;
	svc_fold_pos last;
	/* price history, by from ascending */
	uint32_t nprices;
	svc_price_entry prices[SVC_PRICES_MAX];
	bool return_old; /* old parts: its old part comes back to the factory */
} svc_catalog_item;

/* A labor operation (L:<code>). */
typedef struct {
	char code[SVC_POLICY_CODE_LEN];
	char category[SVC_POLICY_CODE_LEN];
	uint32_t minutes;
	char text[SVC_REASON_LEN];
	svc_fold_pos last;
} svc_labor_op;

typedef struct {
	uint32_t max_km;
	int64_t fen;
} svc_travel_band;

/* The labor tariff (R:tariff): rates[grade] in fen per hour (0: none set),
 * travel bands by max_km ascending. */
typedef struct {
	int64_t rates[4];
	uint32_t nbands;
	svc_travel_band bands[SVC_TRAVEL_BANDS_MAX];
	svc_fold_pos last;
} svc_tariff;

typedef struct {
	char node[SVC_ID_LEN];
	uint32_t role;
	char region[SVC_ID_LEN];
	char upstream[SVC_ID_LEN];
	uint8_t pubkey[SVC_PK_LEN];
	uint64_t not_before;
	uint64_t not_after;
	uint64_t serial;
	bool revoked;
	char revoke_reason[SVC_REASON_LEN];
	uint64_t revoked_hlc;
	/* With revoked: the last seq of the node that is folded; later ones
	 * are held (rejected with a "held" reason) until released. */
	uint64_t cutoff_seq;
	/* Not revoked (a superseding certificate): seqs cutoff_seq+1 through
	 * held_through, the old key's work, stay held. */
	uint64_t held_through;
	svc_fold_pos last;
} svc_node;

/* ---- policy: a policy version, a region's grade, a model, a fault code */

typedef struct {
	uint32_t version; /* 0: no version issued, the defaults */
	uint32_t from;
	uint32_t nentries;
	svc_policy_entry entries[SVC_POLICY_ENTRIES_MAX];
	uint64_t issued; /* ms */
	svc_fold_pos last;
} svc_policy;

typedef struct {
	char region[SVC_ID_LEN];
	uint32_t grade;
	svc_fold_pos last;
} svc_grade_item;

typedef struct {
	char model[SVC_CODE_LEN];
	char category[SVC_CODE_LEN];
	svc_fold_pos last;
} svc_model;

typedef struct {
	char code[SVC_CODE_LEN];
	char category[SVC_CODE_LEN];
	char text[SVC_REASON_LEN];
	svc_fold_pos last;
} svc_fault_code;

/* The last exception recorded for a serial (aggregate "X:<serial>"). */
typedef struct {
	char serial[SVC_SERIAL_LEN];
	uint32_t kind;
	char reason[SVC_REASON_LEN];
	char region[SVC_ID_LEN];
	char shop[SVC_ID_LEN];
	uint64_t at; /* ms */
	svc_fold_pos last;
} svc_override;

/* complaints: a complaint as folded here (a shop holds no notes, so its
 * count of them stays 0). The deadline is created + days; "overdue" is a
 * view (deadline passed, not concluded), never stored. */
typedef struct {
	char id[SVC_AGG_LEN];
	char region[SVC_ID_LEN];
	char shop[SVC_ID_LEN];
	char ticket[SVC_AGG_LEN];
	char customer_id[SVC_AGG_LEN];
	char category[SVC_COMPLAINT_CATEGORY_LEN];
	uint32_t severity;
	uint32_t channel;
	char text[SVC_TEXT_LEN];
	char opened_by[SVC_ID_LEN];
	uint32_t policy_version, days, opened_on;
	uint32_t status; /* svc_complaint_status, never ESCALATED */
	uint64_t created, deadline, investigating;
	uint64_t escalated; /* ms; 0: the region owns it */
	char escalated_by[SVC_ID_LEN];
	uint64_t concluded;
	uint32_t finding;
	char responsible[SVC_ID_LEN];
	char remedy[SVC_REASON_LEN];
	uint64_t confirmed, closed;
	uint32_t notes, statements;
	uint64_t updated;
	svc_fold_pos last;
} svc_complaint;

/* old parts: one ticket's old parts of one part number on their way back
 * (O:<ticket>/<part_no>). Quantities are cumulative; accepted at the region
 * is received - rejected; times are ms, 0 not yet. */
typedef struct {
	char id[SVC_AGG_LEN];
	char ticket[SVC_AGG_LEN];
	char part_no[SVC_PART_LEN];
	char shop[SVC_ID_LEN];
	char region[SVC_ID_LEN];
	int64_t shipped, received, rejected, forwarded, hq_received;
	uint64_t shipped_at;  /* the last shipment */
	uint64_t accepted_at; /* the last region receipt that accepted parts */
	uint64_t forwarded_at, hq_received_at;
	uint64_t waived; /* HQ needs no return */
	char waive_reason[SVC_REASON_LEN];
	char reject_reason[SVC_REASON_LEN]; /* the last rejection at inspection */
	svc_fold_pos last;
} svc_old_part;
/* the shop's ledger: one shop's month. A paid claim names its run (index
 * into runs). */
typedef struct {
	char claim[SVC_AGG_LEN];
	int64_t amount;
	uint32_t run;
} svc_statement_paid;

typedef struct {
	char ref[SVC_REF_LEN];
	uint64_t at; /* ms */
	char op[SVC_OPERATOR_LEN];
	uint32_t claims;
	int64_t total;
} svc_statement_run;

typedef struct {
	int64_t fen;
	char reason[SVC_REASON_LEN];
	uint64_t at; /* ms */
} svc_statement_deduction;

typedef struct {
	char id[SVC_AGG_LEN];
	char shop[SVC_ID_LEN];
	uint32_t month; /* YYYYMM */
	uint32_t nruns;
	svc_statement_run runs[SVC_STATEMENT_RUNS_MAX];
	uint32_t npaid;
	svc_statement_paid paid[SVC_STATEMENT_PAID_MAX];
	uint32_t ndeductions;
	svc_statement_deduction deductions[SVC_STATEMENT_DEDUCTIONS_MAX];
	char invoice[SVC_INVOICE_LEN];
	char confirmed_op[SVC_OPERATOR_LEN];
	uint64_t confirmed; /* ms; 0 not confirmed */
	svc_fold_pos last;
} svc_statement;

typedef struct {
	int64_t on_hand;
	int64_t defective;     /* old parts sent back from here, counted for reports */
	int64_t in_transit_in; /* shipped toward here, not yet received */
} svc_stock;

/* shops: a shop record as folded here. */
typedef struct {
	char name[SVC_SHOP_PERSON_LEN];
	char qualification[SVC_SHOP_PERSON_LEN];
} svc_shop_technician;

typedef struct {
	uint32_t period, score, complaints, tickets, callback_pm, onsite_pm, outcome;
	char by[SVC_ID_LEN];
	uint64_t at;
} svc_shop_assessment;

typedef struct {
	char id[SVC_AGG_LEN];
	char shop[SVC_ID_LEN];
	char region[SVC_ID_LEN];
	char legal_name[SVC_SHOP_NAME_LEN];
	char legal_rep[SVC_SHOP_PERSON_LEN];
	char address[SVC_ADDR_LEN];
	char area[SVC_SHOP_AREA_LEN];
	char contact[SVC_SHOP_CONTACT_LEN];
	uint32_t type;
	uint32_t ntechnicians;
	svc_shop_technician technicians[SVC_SHOP_TECHS_MAX];
	uint32_t stage; /* svc_shop_stage */
	bool direct;    /* enrolled without going through the stages */
	char agreement[SVC_SHOP_AGREEMENT_LEN];
	uint32_t valid_from, valid_to;
	uint64_t applied;
	char applied_by[SVC_ID_LEN];
	uint64_t reviewed, tech_reviewed, approved, enrolled, probation_until;
	uint64_t serial;
	uint64_t ended;
	char reason[SVC_REASON_LEN];
	uint32_t nassessments;
	svc_shop_assessment assessments[SVC_SHOP_ASSESS_KEPT];
	uint32_t nassessed;
	uint64_t updated;
	svc_fold_pos last;
} svc_shop;

/* ------------------------------------------------------------ names
 * *_name() returns a static string, "unknown" for a value this build does not
 * know. *_parse() takes the exact name and returns 0, or SVC_EINVAL with a
 * detail (svc_errmsg) listing the accepted names. */

const char *svc_role_name(uint32_t role);
int svc_role_parse(const char *s, uint32_t *out);
const char *svc_ticket_kind_name(uint32_t k);
int svc_ticket_kind_parse(const char *s, uint32_t *out);
const char *svc_ticket_status_name(uint32_t s);
int svc_ticket_status_parse(const char *s, uint32_t *out);
const char *svc_move_kind_name(uint32_t k);
int svc_move_kind_parse(const char *s, uint32_t *out);
const char *svc_claim_status_name(uint32_t s);
int svc_claim_status_parse(const char *s, uint32_t *out);
const char *svc_claim_action_name(uint32_t a);
int svc_claim_action_parse(const char *s, uint32_t *out);
const char *svc_change_kind_name(uint32_t k);
int svc_change_kind_parse(const char *s, uint32_t *out);
/* policy: "A", "B", "C" ("-" for none) */
const char *svc_grade_name(uint32_t g);
int svc_grade_parse(const char *s, uint32_t *out);
/* policy: phone, walk-in, letter, web ("-" for none) */
const char *svc_channel_name(uint32_t c);
int svc_channel_parse(const char *s, uint32_t *out);
/* callbacks: reached, unreachable, refused ("owed" for none) */
const char *svc_callback_outcome_name(uint32_t o);
int svc_callback_outcome_parse(const char *s, uint32_t *out);
/* customer */
const char *svc_customer_tier_name(uint32_t t);
int svc_customer_tier_parse(const char *s, uint32_t *out);
/* complaints */
const char *svc_complaint_severity_name(uint32_t v);
int svc_complaint_severity_parse(const char *s, uint32_t *out);
const char *svc_complaint_status_name(uint32_t v);
int svc_complaint_status_parse(const char *s, uint32_t *out);
const char *svc_complaint_finding_name(uint32_t v);
int svc_complaint_finding_parse(const char *s, uint32_t *out);
/* claim lines: "op", "labor", "part", "travel", "other" */
const char *svc_claim_line_kind_name(uint32_t k);
/* old parts: ship, receive, forward, waive; and a record's state in words
 * (waived, in_transit, at_region, forwarded, at_hq, none) */
const char *svc_old_part_action_name(uint32_t a);
const char *svc_old_part_state_name(const svc_old_part *op);
/* shops: stages (applied, reviewed, tech_reviewed, approved, probation,
 * regular, ended) and types (special, authorized, national) */
const char *svc_shop_stage_name(uint32_t v);
int svc_shop_stage_parse(const char *s, uint32_t *out);
const char *svc_shop_type_name(uint32_t v);
int svc_shop_type_parse(const char *s, uint32_t *out);

#endif

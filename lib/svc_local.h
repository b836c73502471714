/*
 * svc_local: the operations a person performs at a node, one function each.
 *
 * This is the layer under the CLI: every function opens its own write
 * transaction (svc_store_write), checks the local preconditions against the
 * node's current state, builds one change and appends it with
 * svc_apply_local, which validates, authorizes and folds it. Preconditions
 * are what only the writing node can know at the moment of writing and what
 * the merge rules deliberately do not check: that the ticket, the part
 * number or the shop exists here, that there is stock to ship or consume,
 * that a claimed ticket is resolved and this shop's. On any error the store
 * is unchanged and the function returns a negative svc_err code with a
 * one-line detail (svc_errmsg) that names the field and the reason, e.g.
 * "part P-100: 3 on hand at shop-a, cannot ship 5".
 *
 * Strings are taken as given; NULL means "not given" wherever a field is
 * optional. A string longer than its field in svc_types.h is refused, never
 * truncated. Quantities and amounts are int64 (fen for money).
 *
 * What this module is not: it does not print, parse argv or JSON (the CLI
 * does), and it never touches the network. After a successful write the
 * caller wakes the daemon with svc_nodedir_wake() so the change ships at once.
 */
#ifndef SVC_LOCAL_H
#define SVC_LOCAL_H

#include "svc_apply.h"
#include "svc_ledger.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ tickets */

/* A new ticket as a person or an import file states it: unparsed text.
 * Required: kind (consult, complaint, install, repair, return, exchange),
 * customer, phone, product, fault. purchased is YYYY-MM-DD. Where the ticket
 * goes depends on this node's role:
 *  - a shop opens walk-in tickets for itself (shop, if given, must be itself);
 *  - a region opens tickets in its own region, optionally straight onto one
 *    of its shops (a shop in the directory);
 *  - HQ names the region, or a shop (whose region is then the ticket's). */
typedef struct {
	const char *kind;
	const char *customer;
	const char *phone;
	const char *address;
	const char *product;
	const char *serial;
	const char *purchased;
	const char *fault;
	const char *shop;
	const char *region;
	/* policy: a model of HQ's list (its category is copied), the install
	 * date (YYYY-MM-DD) and the channel (phone, walk-in, letter, web) */
	const char *model;
	const char *installed;
	const char *channel;
	/* customer: the customer file (instead of customer and phone, which
	 * then only find or create it); model and installed above also
	 * describe the unit when --serial creates one */
	const char *customer_id;
} svc_ticket_fields;

/*
 * Check the fields at this node and build the ticket_open body that
 * svc_local_ticket_new would append: parsing, lengths, the routing rules
 * above against the directory, and the merge rules' field validation and
 * authorization. Needs a transaction (a read transaction is enough). Used by
 * bulk import to check every line before anything is written.
 */
int svc_local_ticket_body(svc_txn *t, const svc_ticket_fields *f, svc_ticket_open *out);

/* The same body without asking the rules (svc_apply_local will): for the
 * second pass of an import, over lines svc_local_ticket_body accepted. */
int svc_local_ticket_fill(svc_txn *t, const svc_ticket_fields *f, svc_ticket_open *out);

/* Open a ticket; its id ("T-<node>-<seq>") is written to id. */
int svc_local_ticket_new(svc_store *s, const svc_ticket_fields *f, char id[SVC_AGG_LEN]);

/* Tickets per write transaction in svc_local_ticket_import. */
#define SVC_IMPORT_BATCH 10000

/*
 * Append bodies prepared by svc_local_ticket_body, SVC_IMPORT_BATCH per
 * write transaction. *done (may be NULL) receives how many were committed:
 * all n on success; on an error, the batches before the failing one (the
 * failing batch leaves nothing). first_id (may be NULL) receives the id of
 * the first ticket appended.
 */
int svc_local_ticket_import(svc_store *s, const svc_ticket_open *bodies, size_t n, size_t *done,
                            char first_id[SVC_AGG_LEN]);

/* Assign (or reassign) a ticket to a shop known in the directory. */
int svc_local_ticket_assign(svc_store *s, const char *id, const char *shop);

/* Move a ticket to `status` (svc_ticket_status); reason may be NULL. */
int svc_local_ticket_status(svc_store *s, const char *id, uint32_t status, const char *reason);

int svc_local_ticket_note(svc_store *s, const char *id, const char *text);

/* policy: on_site with the visit time the technician reports (at:
 * "YYYY-MM-DD HH:MM" in the network's zone, not in the future, not before
 * the ticket; NULL for none), or resolved with a fault code of the ticket's
 * category (NULL for none). */
int svc_local_ticket_status_policy(svc_store *s, const char *id, uint32_t status,
                                   const char *reason, const char *at, const char *fault_code);

/* Record the customer callback (回访): satisfaction 1 to 5, note optional
 * (an attempt that reached the customer). */
int svc_local_ticket_callback(svc_store *s, const char *id, uint32_t satisfaction,
                              const char *note);
/* callbacks: one attempt, kept beside the earlier ones: outcome
 * SVC_CB_REACHED (satisfaction 1 to 5), SVC_CB_UNREACHABLE or SVC_CB_REFUSED
 * (satisfaction 0). The policy's callback_attempts in force today is
 * recorded with it: that many unreachable attempts end the cycle. */
int svc_local_ticket_callback_attempt(svc_store *s, const char *id, uint32_t outcome,
                                      uint32_t satisfaction, const char *note);

/* ------------------------------------------------------------ customer files and product units
 * (lib/local_customer.c) */

/* A customer as a person states it. Phones: up to SVC_PHONES_MAX, each a
 * Chinese mobile or landline number; tier "regular" (default) or "vip". In
 * an edit, NULL (and nphones 0) leaves a field as it is. */
typedef struct {
	const char *name;
	const char *phones[SVC_PHONES_MAX];
	size_t nphones;
	const char *address;
	const char *tier;
} svc_customer_fields;

/* A product unit: serial required; purchased and installed YYYY-MM-DD, not
 * in the future; owner a customer id. */
typedef struct {
	const char *serial;
	const char *model;
	const char *purchased;
	const char *installed;
	const char *owner;
} svc_unit_fields;

/* Create a customer file; its id ("C-<node>-<seq>") is written to id. */
int svc_local_customer_new(svc_store *s, const svc_customer_fields *f, char id[SVC_AGG_LEN]);
/* The same inside the caller's write transaction (a ticket and the
 * customer it creates are one transaction). */
int svc_local_customer_new_txn(svc_txn *t, const svc_customer_fields *f, char id[SVC_AGG_LEN]);
int svc_local_unit_new_txn(svc_txn *t, const svc_unit_fields *f, char id[SVC_AGG_LEN]);
/* Correct the given fields of a customer this node holds. */
int svc_local_customer_edit(svc_store *s, const char *id, const svc_customer_fields *f);
/* Merge a duplicate into its survivor (region or HQ): both held here, the
 * survivor not itself merged (that would make a cycle or a chain). */
int svc_local_customer_merge(svc_store *s, const char *dup, const char *into);
int svc_local_unit_merge(svc_store *s, const char *dup, const char *into);

/*
 * Make a ticket body refer to its customer file and product unit instead of
 * carrying the person's data, in the caller's write transaction: the
 * customer is customer_id (its survivor, if merged and held here), or the one customer
 * this node holds under the body's phone (several: refused, naming them),
 * or a new file made from the body's name, phone and address (a
 * customer.put before the ticket). The body's serial finds or creates the
 * product unit the same way (model, else the body's product; purchased from
 * the body; installed YYYY-MM-DD). The body's name, phone and address are
 * then cleared: the ticket holds no copy of personal data.
 */
int svc_local_ticket_link(svc_txn *t, svc_ticket_open *b, const char *customer_id,
                          const char *model, const char *installed);
/* The same for a body judged already (svc_local_ticket_body: a bulk
 * import's line), found by its phone: the unit's dates and model are not
 * read into it, the ones it was judged on stay. */
int svc_local_ticket_link_judged(svc_txn *t, svc_ticket_open *b);

/* The customers this node holds under a phone number (any spelling), merged
 * ones replaced by their survivors (as far as held here), each once, in id order: up to max ids,
 * *n how many there are. */
int svc_local_customer_by_phone(svc_txn *t, const char *phone, char (*ids)[SVC_AGG_LEN], size_t max,
                                size_t *n);
/* Likewise the product units under a serial number. */
int svc_local_unit_by_serial(svc_txn *t, const char *serial, char (*ids)[SVC_AGG_LEN], size_t max,
                             size_t *n);

/*
 * A customer file or product unit (type SVC_AGG_CUSTOMER or SVC_AGG_UNIT)
 * and its merge group: `root` is the survivor id leads to (id itself when
 * not merged; the last file of the chain this node holds, when a shop holds
 * a duplicate but not its survivor); ids[0] is the root, then every file
 * merged into it, directly or through another, in breadth-first order. Found through the fold's
 * merged index (SVC_INDEX_CUSTOMER_MERGED, SVC_INDEX_UNIT_MERGED), a few
 * index entries per file, never a walk of all files. At most max ids (a
 * larger group is cut there); SVC_ENOTFOUND when id is unknown here.
 */
int svc_local_merge_group(svc_txn *t, int type, const char *id, char root[SVC_AGG_LEN],
                          char (*ids)[SVC_AGG_LEN], size_t max, size_t *n);
/* ------------------------------------------------------------ complaints
 * (lib/local_complaint.c) */

/* A complaint as the region's desk (or HQ's) takes it: against a shop of
 * the directory and/or a ticket held here (the ticket's shop when no shop
 * is named); the complainant by customer_id, or by customer and phone
 * (found or created as for a ticket), else the ticket's customer; category
 * free text of at most 20 characters; severity low, normal or high;
 * channel phone, walk-in, letter or web (optional); text required. */
typedef struct {
	const char *against;
	const char *ticket;
	const char *customer_id;
	const char *customer;
	const char *phone;
	const char *category;
	const char *severity;
	const char *channel;
	const char *text;
} svc_complaint_fields;

/* Open a complaint (region or HQ); its id ("K-<node>-<seq>") is written to
 * id. The deadline's inputs (the policy version in force today and its
 * complaint_days for the severity) are recorded in the opening. */
int svc_local_complaint_new(svc_store *s, const svc_complaint_fields *f, char id[SVC_AGG_LEN]);
/* Move a complaint: status investigating, escalated, concluded, confirmed
 * or closed; with concluded, finding (substantiated or unsubstantiated)
 * required, responsible (a shop of the complaint's region; default the
 * shop complained about) and remedy optional, NULL otherwise. */
int svc_local_complaint_status(svc_store *s, const char *id, const char *status,
                               const char *finding, const char *responsible, const char *remedy);
/* An investigation note (region or HQ). */
int svc_local_complaint_note(svc_store *s, const char *id, const char *text);
/* The statement of the shop complained about. */
int svc_local_complaint_statement(svc_store *s, const char *id, const char *text);
/* Escalate open complaints past their deadline at now_ms (the daemon's
 * duty): a region its own; HQ any region's still not escalated grace_ms
 * after the deadline. A few dozen per call, most overdue first; *done
 * gets how many were escalated. Other roles: nothing. */
int svc_local_complaint_escalate_overdue(svc_store *s, uint64_t now_ms, uint64_t grace_ms,
                                         size_t *done);

/* ------------------------------------------------------------ catalog and parts */

/* Add a part to the catalog, or change its name and price (HQ only). */
int svc_local_catalog_add(svc_store *s, const char *part_no, const char *name, int64_t price);
/* old parts: add or change a part (HQ only); name NULL or price NULL keep
 * the part's (then it must exist), return_old an svc_return_old (KEEP:
 * leave the flag as it is). */
int svc_local_catalog_put(svc_store *s, const char *part_no, const char *name, const int64_t *price,
                          uint32_t return_old);

/* Stock in at this node (HQ): qty > 0; ref (a delivery note) optional. */
int svc_local_part_receive(svc_store *s, const char *part_no, int64_t qty, const char *ref);

/* Ship qty > 0 parts from this node's stock to node `to`; the transfer id
 * ("X-<node>-<seq>") is written to xid. */
int svc_local_part_transfer(svc_store *s, const char *part_no, int64_t qty, const char *to,
                            char xid[SVC_AGG_LEN]);

/* Receive a whole shipment addressed to this node. part_no and qty (may be
 * NULL) receive what came in. */
int svc_local_part_receive_transfer(svc_store *s, const char *xid, char part_no[SVC_PART_LEN],
                                    int64_t *qty);

/* Use qty > 0 parts from this node's stock on a ticket. */
int svc_local_part_consume(svc_store *s, const char *part_no, int64_t qty, const char *ticket);

/* Reverse qty > 0 parts consumed on ticket by mistake (reason required): they
 * come back into stock and no longer count toward the ticket's claims; at most
 * what this node consumed there. A reversal is a consume move of positive qty,
 * kept in the ledger like any other. */
int svc_local_part_unconsume(svc_store *s, const char *part_no, int64_t qty, const char *ticket,
                             const char *reason);

/* Correct this node's count by delta (non-zero); reason required. */
int svc_local_part_adjust(svc_store *s, const char *part_no, int64_t delta, const char *reason);

/* ------------------------------------------------------------ claims */

typedef struct {
	const char *part_no;
	int64_t qty;
} svc_claim_line;

/* An operation line as the shop gives it: the code, and the minutes spent
 * (0: the operation's standard time). */
typedef struct {
	const char *code;
	uint32_t minutes;
} svc_claim_op_request;

typedef struct {
	const char *ticket;
	int64_t labor, travel, other; /* fen, >= 0; labor and travel are free amounts */
	size_t nparts;
	svc_claim_line parts[SVC_CLAIM_PARTS_MAX];
	bool has_total; /* the submitter's own total, checked against the lines */
	int64_t total;
	const char *note;
	/* claim lines (claims only): operation codes and the travel distance */
	size_t nops;
	svc_claim_op_request ops[SVC_CLAIM_OPS_MAX];
	uint32_t distance_km; /* 0: none; travel then by band, and --travel not given */
} svc_claim_request;

/*
 * Submit this shop's claim for a ticket assigned to it and resolved or
 * closed. Parts are priced from the catalog. A claim that was returned or
 * rejected is resubmitted as the next revision. id receives the claim id,
 * revision and total (may be NULL) what was submitted.
 */
int svc_local_claim_submit(svc_store *s, const svc_claim_request *r, char id[SVC_AGG_LEN],
                           uint32_t *revision, int64_t *total);

/*
 * Decide on a claim (svc_claim_action) at the revision and total it stands
 * at now. amount is for approve (0 approves the full claim; less than the
 * claim makes it partially_approved) and must be 0 or the approved amount
 * for pay; reason is required to return or reject, ref to pay.
 */
int svc_local_claim_decide(svc_store *s, const char *id, uint32_t action, int64_t amount,
                           const char *reason, const char *ref);

/*
 * Decide on a claim line by line (audit: the region's proposals; approve:
 * HQ's amounts; reject: those lines at 0): lines[i].line numbers the line
 * as `claim show` does. An audit also records a repeat repair: another
 * ticket on the claim's product unit resolved within 30 days before the
 * claim's ticket opened, as this node's store holds them. amount as for
 * svc_local_claim_decide (approve: 0 for the sum of the lines).
 */
typedef struct {
	uint32_t line;
	int64_t amount;
	const char *reason;
} svc_claim_line_request;
int svc_local_claim_decide_lines(svc_store *s, const char *id, uint32_t action, int64_t amount,
                                 const char *reason, const char *ref,
                                 const svc_claim_line_request *lines, size_t nlines,
                                 char repeat_of[SVC_AGG_LEN]);

/* ---- labor operations, the labor tariff and part prices (HQ) */

/* A labor operation: code, product category, standard minutes, text. A
 * second add of the same code corrects it. */
int svc_local_labor_add(svc_store *s, const char *code, const char *category, uint32_t minutes,
                        const char *text);
/* The labor rate of a region grade (svc_grade), fen per hour. */
int svc_local_labor_rate(svc_store *s, uint32_t grade, int64_t fen_per_hour);
/* A travel band: the allowance up to max_km. */
int svc_local_travel_band(svc_store *s, uint32_t max_km, int64_t fen);
/* A part's price from a day on (YYYY-MM-DD, midnight in the network's zone). */
int svc_local_catalog_price(svc_store *s, const char *part_no, int64_t price, const char *from);

/*
 * Record a customer charge (out-of-warranty work the customer pays) on a
 * ticket assigned to this shop: labor, travel and parts priced from the
 * catalog, as r gives them (r->other and r->note unused). total (may be
 * NULL) receives the charge's total.
 */
int svc_local_ticket_charge(svc_store *s, const svc_claim_request *r, int64_t *total);

/* HQ's leave to claim on a customer-paid ticket, with its reason. */
int svc_local_claim_allow(svc_store *s, const char *ticket, const char *reason);

/* ------------------------------------------------------------ restores */

/* One change of the replay table, as `svcsync restore --replay` handled it. */
typedef struct {
	svc_change_kind kind;
	uint64_t old_seq;                /* the seq it had re-used */
	uint64_t new_seq;                /* 0: refused now, still kept aside */
	char old_aggregate[SVC_AGG_LEN]; /* what it touched then */
	char aggregate[SVC_AGG_LEN];     /* and now (a re-entered ticket gets a new id) */
	char reason[SVC_REASON_LEN];     /* why it was refused */
} svc_replay_result;

/*
 * Re-enter the changes a restore kept aside (see "Restores" in
 * svc_journal_restore.c) as new local changes, oldest first: new seq and hlc, same
 * content. A ticket or transfer they created gets the id of its new seq,
 * and the later kept-aside changes that name it follow it. A change the
 * node's current state refuses (another change of the network came first)
 * stays in the table with its reason. Refused while writes are blocked.
 * *out (caller frees) receives one result per change examined.
 */
int svc_local_replay(svc_store *s, svc_replay_result **out, size_t *n);

/* ------------------------------------------------------------ policy (HQ)
 * The product model list, fault codes per category, region grades and the
 * service policy: HQ writes them, every node receives them. */

struct svc_tz;

/* Put a model in the list (or change its category). */
int svc_local_model_add(svc_store *s, const char *model, const char *category);
/* Put a fault code of a category (or change its text). */
int svc_local_fault_code_add(svc_store *s, const char *code, const char *category,
                             const char *text);
/* Record an exception to the return or exchange window (region or HQ) for a
 * product: `product` is a unit id (U-...) this node holds or a serial;
 * `kind` "return" or "exchange"; `shop` (optional) the shop of the region
 * that is to open it, else the region opens it. The aggregate written
 * ("X:<serial>") is copied to agg. */
int svc_local_ticket_override(svc_store *s, const char *product, const char *kind,
                              const char *reason, const char *shop, char agg[SVC_AGG_LEN]);
/* Judge a ticket again (region or HQ): the policy version in force on the
 * ticket's day as this node holds it, the region's grade now, the warranty
 * from the recorded purchase date and category. Refused when nothing would
 * change. What it recorded is copied to *out (may be NULL). */
int svc_local_ticket_rejudge(svc_store *s, const char *id, svc_ticket_rejudge *out);

/* Grade a region of the directory A, B or C. */
int svc_local_region_grade(svc_store *s, const char *region, const char *grade);
/* Issue the next policy version: the newest version's keys with items
 * ("KEY=VALUE") applied, in force from `from` (YYYY-MM-DD, after today in
 * the network's zone). The version number is written to *version. */
int svc_local_policy_set(svc_store *s, const char *const *items, size_t n, const char *from,
                         uint32_t *version);
/* The network's zone, today's date in it and the policy in force today, at
 * the moment now_ms. *tz is the process's one loaded copy of the zone (a
 * bulk import judges thousands of tickets): do not destroy it; it stays
 * valid until a call finds the network in another zone. */
int svc_local_policy_today(svc_txn *t, uint64_t now_ms, svc_policy *out, const struct svc_tz **tz,
                           uint32_t *today);

/* ------------------------------------------------------------ old parts
 * (lib/local_oldpart.c): old parts back to the factory, on the record
 * O:<ticket>/<part_no>. Each writes one old_part change; its id is the
 * record's. */

/* The shop ships qty old parts consumed on a ticket to its region: at most
 * what it consumed there (reversals taken off) less what it shipped before.
 * The record's id is copied to id. */
int svc_local_oldpart_ship(svc_store *s, const char *part_no, int64_t qty, const char *ticket,
                           char id[SVC_AGG_LEN]);
/* The region receives all that is in transit, `reject` of them refused at
 * inspection (with a reason); HQ receives all the region forwarded (no
 * rejection). How many were received is written to *qty. */
int svc_local_oldpart_receive(svc_store *s, const char *id, int64_t reject, const char *reason,
                              int64_t *qty);
/* The region forwards to HQ all it accepted and has not forwarded yet. */
int svc_local_oldpart_forward(svc_store *s, const char *id, int64_t *qty);
/* HQ needs no return of these old parts (a reason is required); the record
 * is created if nothing was shipped yet (its ticket must be held here). */
int svc_local_oldpart_waive(svc_store *s, const char *id, const char *reason);
/* Split "O:<ticket>/<part_no>" into its ticket and part number: 0, or
 * SVC_EINVAL naming the field. */
int svc_local_oldpart_parse(const char *id, char ticket[SVC_AGG_LEN], char part_no[SVC_PART_LEN]);
/* What this node consumed of a part on a ticket, reversals taken off, and
 * what the shop returned as old parts of it (0 when nothing). */
int svc_local_oldpart_counts(svc_txn *t, const char *shop, const char *part_no, const char *ticket,
                             int64_t *consumed, int64_t *returned);
/* ------------------------------------------------------------ the shop's ledger
 * (local_ledger.c) A shop's month ("Y:<shop>/<YYYY-MM>", the month HQ
 * approved its claims in, in the network's zone): HQ's payment runs and
 * deductions, the shop's confirmation. */

/* The bounds [from, to) in UTC ms of month (YYYYMM) in the network's zone,
 * and the policy version in force today (may be NULL). */
int svc_local_month_bounds(svc_txn *t, uint32_t month, uint64_t *from, uint64_t *to,
                           uint32_t *policy_version);

#define SVC_PAY_RESULT_REFS 8
typedef struct {
	size_t runs, claims, held; /* held: approved, waiting for an old part */
	int64_t fen;
	char refs[SVC_PAY_RESULT_REFS][SVC_REF_LEN];
	size_t nrefs;
} svc_pay_result;

/* HQ: pay every claim of the shop approved in month (YYYY-MM) and not yet
 * paid, whose old parts are back, in runs of at most
 * SVC_PAY_RUN_CLAIMS_MAX claims: one run is `ref`, several are ref/1,
 * ref/2, ... All or none are recorded. Refused when nothing is payable. */
int svc_local_pay_run(svc_store *s, const char *shop, const char *month, const char *ref,
                      svc_pay_result *out);
/* The shop: confirm its statement of month with its invoice number, once. */
int svc_local_statement_confirm(svc_store *s, const char *shop, const char *month,
                                const char *invoice);
/* HQ: deduct fen from what it owes the shop, in month's statement. */
int svc_local_ledger_deduct(svc_store *s, const char *shop, const char *month, int64_t fen,
                            const char *reason);

/* A shop's records as this node holds them, and its ledger as of now.
 * Caller frees with svc_local_ledger_free. */
typedef struct {
	svc_ledger_claim *claims;
	size_t nclaims, claims_cap;
	svc_statement *statements; /* month order */
	size_t nstatements, statements_cap;
	svc_ledger ledger; /* finished */
} svc_local_ledger;

int svc_local_ledger_load(svc_txn *t, const char *shop, uint64_t now, svc_local_ledger *out);
void svc_local_ledger_free(svc_local_ledger *l);
/* The statement of month (YYYYMM), NULL when there is none. */
const svc_statement *svc_local_ledger_statement(const svc_local_ledger *l, uint32_t month);
/* ------------------------------------------------------------ shops
 * (lib/local_shop.c) */

/* A shop's file as the desk types it: legal name, legal representative,
 * address, service area, contact, type (special, authorized, national);
 * technicians "NAME:QUALIFICATION" (added, or replaced by name), and for an
 * edit the names of technicians to remove. NULL: not given. */
typedef struct {
	const char *legal_name, *legal_rep, *address, *area, *contact, *type;
	const char *const *techs;
	size_t ntechs;
	const char *const *drops;
	size_t ndrops;
} svc_shop_fields;

/* The region records a shop's application (申请) before the shop has a key,
 * reserving the id; HQ may record one for a region it names. Refused for an
 * id the directory already holds or a record already kept. */
int svc_local_shop_apply(svc_store *s, const char *shop, const char *region,
                         const svc_shop_fields *f);
/* Correct the fields given (region of the shop, or HQ). */
int svc_local_shop_edit(svc_store *s, const char *shop, const svc_shop_fields *f);
/* A review: the region's (中心审核, tech false) or HQ's technical review
 * (技术管理科审核, tech true); refusing ends the record and needs a reason. */
int svc_local_shop_review(svc_store *s, const char *shop, bool tech, bool accept,
                          const char *reason);
/* HQ's approval (部长审批): the agreement's number and term (YYYY-MM-DD),
 * which reserves the node id for enrollment. */
int svc_local_shop_approve(svc_store *s, const char *shop, const char *agreement, const char *from,
                           const char *to);
/* An assessment (region or HQ) of a month ("YYYY-MM") with a score 0..100;
 * outcome SVC_SHOP_OUTCOME_REGULAR ends probation, _END ends the shop (with
 * a reason). The figures beside the score are computed from what this node
 * holds: substantiated complaints of that month (the complaint tally), and
 * of the shop's tickets resolved that month the share called back and the
 * share of those with an on-site due time visited in time. The change that
 * was recorded is copied to *out (may be NULL). */
int svc_local_shop_assess(svc_store *s, const char *shop, const char *period, int64_t score,
                          uint32_t outcome, const char *reason, svc_shop_assess *out);

#endif

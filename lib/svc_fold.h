/*
 * svc_fold: the fold engine. It turns an aggregate's changes, in fold order
 * (hlc, origin, seq), into its materialized state, its rejections and its
 * stock effects, and keeps them right when a change arrives late or a
 * revocation moves what is held.
 *
 * Separate from the journal because it is the one place the merge rules
 * (svc_rules.h) meet storage, and separate from storage because the same
 * driver must run over the store and over memory: tests/test_merge.c feeds it
 * every order of its change sets through an in-memory backend and checks that
 * every order folds to the same bytes. The driver sees storage only through
 * svc_fold_backend; the store's backend (svc_fold_store.c) keeps states in
 * the state databases and walks the journal's fold-order index.
 *
 * Every record kind has one entry in the kind table (svc_fold_kind_of):
 * adding a kind is one rules file (its pure step, svc_rules.h) and one
 * entry, which says besides the rules which other records its checks read,
 * which secondary index entries and monthly tallies its state contributes,
 * and which peers may receive its changes. The driver keeps the dependency
 * index, the index and the tallies right through every fold and re-fold,
 * in the transaction of the change; tests/test_fold.c runs it with fixture
 * kinds of its own.
 */
#ifndef SVC_FOLD_H
#define SVC_FOLD_H

#include "svc_rules.h"
#include "svc_store.h"
#include "svc_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ kinds */

/* A record: its kind's number in the kinds table and its id. */
typedef struct {
	int type;
	char agg[SVC_AGG_LEN];
} svc_fold_ref;

/* Most records one change's checks may read: a claim reads its ticket, its
 * policy version, the labor tariff, the labor operation of each operation
 * line, and the stock line and catalog item of each part line; a payment
 * run each claim it pays and the policy it was judged under (svc_fold.c). */
#define SVC_FOLD_READS_CLAIM (3 + SVC_CLAIM_OPS_MAX + 2 * SVC_CLAIM_PARTS_MAX)
#define SVC_FOLD_READS_MAX                                                                         \
	(SVC_FOLD_READS_CLAIM > 1 + SVC_PAY_RUN_CLAIMS_MAX ? SVC_FOLD_READS_CLAIM                  \
	                                                   : 1 + SVC_PAY_RUN_CLAIMS_MAX)

/* A secondary index entry: (name, value) names the record. */
#define SVC_FOLD_INDEX_NAME_LEN 16
#define SVC_FOLD_INDEX_VALUE_LEN 64
#define SVC_FOLD_INDEX_MAX 8
typedef struct {
	char name[SVC_FOLD_INDEX_NAME_LEN];
	char value[SVC_FOLD_INDEX_VALUE_LEN];
} svc_fold_index_entry;

/* A contribution to a monthly aggregate: counter `name` of month (YYYYMM)
 * within `scope` (a region, a shop, "" for the network) moves by delta. */
#define SVC_FOLD_TALLY_NAME_LEN 16
#define SVC_FOLD_TALLY_MAX 8
typedef struct {
	uint32_t month;
	char name[SVC_FOLD_TALLY_NAME_LEN];
	char scope[SVC_ID_LEN];
	int64_t delta;
} svc_fold_tally_entry;

/* The node a change would be sent to, as this node's directory sees it. */
typedef struct {
	const char *node;
	uint32_t role;      /* svc_role */
	const char *region; /* a shop's region; a region's own id */
} svc_fold_peer;

/* Reading other records from a check (svc_fold_read()). */
typedef struct svc_fold_reader svc_fold_reader;

typedef struct svc_fold_kind {
	svc_agg_type type; /* its index in its kinds table */
	const char *name;  /* "ticket", for messages */
	int db;            /* its state database in the store (store_kv.h); -1 for a ledger */
	size_t state_size; /* 0 for a ledger: entries with no state, folded in any order */
	/* The codec's encoding of the state (svc_codec.h). */
	int (*encode)(const void *state, uint8_t *buf, size_t cap, size_t *len);
	int (*decode)(const uint8_t *buf, size_t len, void *state);
	/* The pure transition rules (svc_rules.h): one rules file per kind. */
	const svc_rules *rules;
	/* Stock effects of an accepted change (svc_rules_stock_effects); NULL: none. */
	int (*effects)(const svc_change *c, svc_stock_delta out[2]);

	/*
	 * The members from here on may be NULL (the kind has no such thing):
	 * the driver then skips that step at no cost, which is why the
	 * existing kinds declare only what their behaviour needs.
	 *
	 * Reads (dependencies). reads() names the other records whose state
	 * c's checks read, given the record's state before c (a claim: its
	 * ticket); it returns how many it wrote to out. check() runs those
	 * checks at c's place in fold order, after the hold check and before
	 * rules->step: 0 to go on to step(), SVC_EREJECT with a one-line
	 * reason to reject c, or a store error. It may read only the records
	 * reads() named, through svc_fold_read(), which gives each one's state
	 * as of c's place in (hlc, origin, seq) order, never as it is now.
	 * The store records, for every record read, that this record depends
	 * on it (the dependency index), so a change that lands earlier in the
	 * read record's order folds this record again in the same
	 * transaction. A kind with reads() and no check() keeps its
	 * dependency recorded (its folds are then order-free of the other
	 * record; the index is what a check added later relies on). A record
	 * never reads itself.
	 */
	int (*reads)(const svc_change *c, const void *state, bool exists,
	             svc_fold_ref out[SVC_FOLD_READS_MAX]);
	int (*check)(svc_fold_reader *rd, const void *state, bool exists, const svc_change *c,
	             char *reason, size_t rlen);

	/*
	 * Secondary indexes. The entries of a state (phone, serial, status,
	 * due time): returns how many it wrote. On every save the driver
	 * removes the old state's entries that the new one lacks and adds the
	 * new ones, and a deleted state takes its entries with it, so the
	 * index always equals the entries of the states stored
	 * (svc_fold_index_each()). Pure: a function of the state alone.
	 */
	int (*indexes)(const void *state, svc_fold_index_entry out[SVC_FOLD_INDEX_MAX]);

	/*
	 * Monthly tallies. The state's contribution to per-month counters:
	 * returns how many it wrote. On every save the old state's
	 * contributions are taken back and the new state's added, so a
	 * re-fold (a late change, a hold, a release) leaves the tallies
	 * exactly the sum over the states stored (svc_fold_tally_get()).
	 * Pure, like indexes().
	 */
	int (*tallies)(const void *state, svc_fold_tally_entry out[SVC_FOLD_TALLY_MAX]);

	/*
	 * Visibility: may `peer` (below this node) receive c? The sync layer
	 * asks this after its own rules (nothing goes back to the subtree it
	 * came from; everything goes up). It reads this node's current
	 * state. NULL: never sent down.
	 */
	bool (*visible)(svc_txn *t, const svc_fold_peer *peer, const svc_change *c);
} svc_fold_kind;

/*
 * A kinds table: the entries, indexed by type (entry i has type i; entry 0
 * and gaps are zero), and how a change finds its kind. The store folds with
 * svc_fold_kinds_default(); tests fold fixture kinds through the same
 * driver with a table of their own. The directory kind of the default table
 * decides holds (svc_fold_change()) whatever the table.
 */
typedef struct svc_fold_kinds {
	const svc_fold_kind *kinds;
	size_t n;
	int (*type_of)(const svc_change *c); /* 0 when the change belongs to no kind */
} svc_fold_kinds;

const svc_fold_kinds *svc_fold_kinds_default(void);

/* The kind of an aggregate type; NULL for SVC_AGG_NONE and unknown types. */
const svc_fold_kind *svc_fold_kind_of(svc_agg_type type);

/* Any kind's state, for buffers. */
typedef union {
	svc_ticket t;
	svc_claim c;
	svc_transfer x;
	svc_catalog_item p;
	svc_node n;
	/* policy */
	svc_policy pol;
	svc_grade_item gr;
	svc_model mod;
	svc_fault_code fc;
	/* customer */
	svc_customer cu;
	svc_unit u;
	/* policy */
	svc_override ov;
	/* complaints */
	svc_complaint k;
	/* labor operations and the labor tariff */
	svc_labor_op lab;
	svc_tariff tar;
	/* old parts */
	svc_old_part op;
	/* the shop's ledger */
	svc_statement y;
	/* shops */
	svc_shop h;
} svc_fold_state;

/* ------------------------------------------------------------ the backend */

/* A walk's callback: 0 to go on, non-zero to stop (that value is returned). */
typedef int (*svc_fold_walk_fn)(const svc_change *c, void *arg);
/* A dependency walk's callback: `dep` reads the walked record; `last` is the
 * fold position of dep's last change that read it. */
typedef int (*svc_fold_deps_fn)(const svc_fold_ref *dep, const svc_fold_pos *last, void *arg);

/*
 * Where the driver keeps what it folds. Every function returns 0 or an
 * error; after an error the backend may refuse everything (the store's
 * transaction is sticky-failed). A backend holds the changes themselves too
 * (the journal, for the store): a change is recorded there before
 * svc_fold_change() is called for it, except a local one, which is folded
 * first so that a refusal leaves nothing behind.
 */
typedef struct svc_fold_backend {
	/* state zeroed and *exists false when the aggregate has no state */
	int (*state_load)(void *ctx, const svc_fold_kind *k, const char *agg, void *state,
	                  bool *exists);
	int (*state_save)(void *ctx, const svc_fold_kind *k, const char *agg, const void *state);
	int (*state_del)(void *ctx, const svc_fold_kind *k, const char *agg);
	/* Is any recorded change of c's aggregate after c in fold order? */
	int (*has_later)(void *ctx, const svc_change *c, bool *later);
	/* The aggregate's recorded changes in fold order. */
	int (*agg_walk)(void *ctx, const char *agg, svc_fold_walk_fn fn, void *arg);
	/* The recorded changes of an origin from seq `from`, in seq order. */
	int (*origin_walk)(void *ctx, const char *origin, uint64_t from, svc_fold_walk_fn fn,
	                   void *arg);
	int (*reject_get)(void *ctx, const svc_change *c, bool *rejected);
	int (*reject_put)(void *ctx, const svc_change *c, const char *reason);
	int (*reject_del)(void *ctx, const svc_change *c);
	int (*stock_add)(void *ctx, const svc_stock_delta *d, int sign);
	/* Is `origin` this node? (its own changes are never held here) */
	bool (*is_self)(void *ctx, const char *origin);
	/* The backend's sticky error, 0 if none. */
	int (*err)(void *ctx);

	/* Is any recorded change of agg after `pos` in fold order? (the
	 * fast path of svc_fold_read()) */
	int (*has_after)(void *ctx, const char *agg, const svc_fold_pos *pos, bool *later);
	/* The dependency index: `dep` read `read` at its change `pos` (an
	 * entry per pair, keeping the latest pos); the records that read agg. */
	int (*deps_put)(void *ctx, const svc_fold_ref *read, const svc_fold_ref *dep,
	                const svc_fold_pos *pos);
	int (*deps_each)(void *ctx, const char *agg, svc_fold_deps_fn fn, void *arg);
	/* The state as stored, without what the backend fills in from the
	 * record's changes (the store's tickets keep their opening fields in
	 * the opening change): what a re-fold moves index entries and tallies
	 * from, so a kind's indexes() and tallies() read only stored fields.
	 * NULL: state_load. */
	int (*state_load_stored)(void *ctx, const svc_fold_kind *k, const char *agg, void *state,
	                         bool *exists);
	/* Secondary index entries and tallies; NULL when no kind of the
	 * table declares any. */
	int (*index_put)(void *ctx, const char *name, const char *value, const char *agg);
	int (*index_del)(void *ctx, const char *name, const char *value, const char *agg);
	int (*tally_add)(void *ctx, uint32_t month, const char *name, const char *scope,
	                 int64_t delta);
} svc_fold_backend;

typedef struct {
	const svc_fold_backend *ops;
	void *ctx;
	const svc_fold_kinds *kinds; /* NULL: svc_fold_kinds_default() */
} svc_fold;

/* The store's backend over a write (or, for loads, read) transaction,
 * folding the default kinds. */
svc_fold svc_fold_store(svc_txn *t);
/* The same with another kinds table (tests' fixture kinds). */
svc_fold svc_fold_store_kinds(svc_txn *t, const svc_fold_kinds *kinds);

/* ------------------------------------------------------------ the driver */

/*
 * Fold c, already recorded (or, `local`, about to be). The common case is
 * one step onto the aggregate's state; a change that lands before what its
 * aggregate has folded makes the aggregate fold again from its first change,
 * reconciling every change's stored verdict and stock effects. When `local`
 * is set, a rejection is returned as SVC_EREJECT (reason set) and nothing is
 * written; otherwise it is recorded. A directory change that moves the point
 * from which a node's changes are held (its revocation, a release, a
 * re-issued certificate) folds that node's affected changes again too.
 */
int svc_fold_change(const svc_fold *f, const svc_change *c, bool local, char *reason, size_t rlen);

/*
 * Reading another record from a check: its state as of the judged change's
 * place in fold order. When the record has no change after that place (the
 * common case) that is its stored state; otherwise its changes before that
 * place are folded again into a scratch state, taking each change's stored
 * verdict (so a read never judges, and a cycle of reads cannot recurse).
 * SVC_EINVAL when reads() did not name the record.
 */
int svc_fold_read(svc_fold_reader *rd, int type, const char *agg, void *state, bool *exists);

/*
 * Reading a ledger (a kind without state, such as a stock line's moves) from
 * a check: fn sees, in fold order, each of its entries that precedes the
 * judged change and is not rejected; fn returns 0 to go on. A ledger entry
 * that is folded (or folded again by a hold) re-folds the records that read
 * its ledger after its place, as a stateful record's change does, so a
 * consumption that arrives late re-judges the claims after it.
 * SVC_EINVAL when reads() did not name the ledger.
 */
int svc_fold_read_ledger(svc_fold_reader *rd, int type, const char *agg, svc_fold_walk_fn fn,
                         void *arg);

/*
 * Dependents. When a record's fold changes at position P (an accepted change
 * in order, or any re-fold from P on), every record whose last read of it is
 * after P is folded again, and so on for theirs, in the same call. Each
 * re-fold that changes nothing (same state, same verdicts) ends its branch;
 * a read sees only changes strictly before the reader's, so verdicts settle
 * from the earliest position on and a cycle of reads settles too; as a
 * guard against a kind that breaks that rule, one call re-folds a record at
 * most SVC_FOLD_CASCADE_MAX times and then fails with SVC_ESTORE (the
 * store's transaction aborts; nothing half-folded is kept).
 */
#define SVC_FOLD_CASCADE_MAX 64

/* Fold an aggregate again from its first recorded change (after changes
 * left it). */
int svc_fold_refold(const svc_fold *f, svc_agg_type type, const char *agg);

/* Apply (sign +1) or take back (-1) the stock effects of c. */
int svc_fold_effects(const svc_fold *f, const svc_change *c, int sign);

/* The state of an aggregate, through the backend (*exists false if none). */
int svc_fold_load(const svc_fold *f, svc_agg_type type, const char *agg, void *state, bool *exists);

/* ------------------------------------------------------------ reading state (the store's) */

/* Index entries (name, value) of the states stored, in value order: value
 * exactly, or (prefix true) every value starting with it. cb gets the
 * entry's value and record; it returns 0 to go on. */
typedef int (*svc_fold_index_cb)(const char *value, const char *agg, void *arg);
int svc_fold_index_each(svc_txn *t, const char *name, const char *value, bool prefix,
                        svc_fold_index_cb cb, void *arg);

/*
 * The version of the kinds' indexes() and tallies(): bump it whenever one
 * of them changes what it returns for a state, or a kind gains one. A store
 * written by a build with another version has its index and tally databases
 * rebuilt from the states stored, once, by svc_fold_derived_refresh() (the
 * daemon and the CLI call it when they open a store for writing); without
 * it a record folded before the upgrade would be missing from the new
 * indexes until something folded it again.
 */
#define SVC_FOLD_DERIVED_VERSION 1

/* Rebuild the index and tally databases from the states if the store's
 * derived version is not SVC_FOLD_DERIVED_VERSION (*records: how many
 * states were read; 0 when nothing was to do). */
int svc_fold_derived_refresh(svc_txn *t, uint64_t *records);

/* The same in a transaction of its own, writing only when the version
 * differs. */
int svc_fold_store_refresh(svc_store *s, uint64_t *records);

/* A tally (0 when nothing contributed). */
int svc_fold_tally_get(svc_txn *t, uint32_t month, const char *name, const char *scope,
                       int64_t *out);
/* The tallies of one month (month 0: all) and counter (NULL: all), in
 * (month, name, scope) order. */
typedef int (*svc_fold_tally_cb)(uint32_t month, const char *name, const char *scope, int64_t value,
                                 void *arg);
int svc_fold_tally_each(svc_txn *t, uint32_t month, const char *name, svc_fold_tally_cb cb,
                        void *arg);

int svc_fold_ticket_get(svc_txn *t, const char *id, svc_ticket *out);
int svc_fold_claim_get(svc_txn *t, const char *id, svc_claim *out);
int svc_fold_transfer_get(svc_txn *t, const char *id, svc_transfer *out);
int svc_fold_catalog_get(svc_txn *t, const char *part_no, svc_catalog_item *out);
int svc_fold_node_get(svc_txn *t, const char *node, svc_node *out);
int svc_fold_stock_get(svc_txn *t, const char *location, const char *part_no, svc_stock *out);
/* customer: a customer file or product unit by id (SVC_ENOTFOUND: "unknown
 * customer C-..."). These read the record kind they name: a claim's id has a
 * customer's shape, and is never looked up here. */
int svc_fold_customer_get(svc_txn *t, const char *id, svc_customer *out);
int svc_fold_unit_get(svc_txn *t, const char *id, svc_unit *out);
/* Only the merged_into of a customer (type SVC_AGG_CUSTOMER) or unit
 * (SVC_AGG_UNIT): "" when not merged; *exists false when no such record. */
int svc_fold_merged_into(svc_txn *t, int type, const char *id, char out[SVC_AGG_LEN], bool *exists);
/* The index names of customers, units and the tickets that refer to them
 * (svc_fold_index_each): phone digits (svc_rules_phone_digits), a name or
 * serial (ASCII in lower case, at most 63 bytes), a customer or unit id.
 * The merged indexes list each merged record under the survivor it points
 * to (value: the survivor's id, record: the duplicate). */
#define SVC_INDEX_CUSTOMER_PHONE "cphone"
#define SVC_INDEX_CUSTOMER_NAME "cname"
#define SVC_INDEX_CUSTOMER_MERGED "cmerged"
#define SVC_INDEX_UNIT_SERIAL "userial"
#define SVC_INDEX_UNIT_OWNER "uowner"
#define SVC_INDEX_UNIT_MERGED "umerged"
#define SVC_INDEX_TICKET_CUSTOMER "tcust"
#define SVC_INDEX_TICKET_UNIT "tunit"
/* policy: tickets opened under an exception, by serial */
#define SVC_INDEX_TICKET_OVERRIDE "tovr"
/* queues: tickets owing a visit by on-site due time, tickets owing a
 * callback by resolution time (16 hex digits of unix ms, then the ticket),
 * resolved or closed tickets by shop and month ("<shop>/<YYYYMM>", the
 * month opened in the network's zone) for HQ's spot checks */
#define SVC_INDEX_QUEUE_ONSITE "qons"
#define SVC_INDEX_QUEUE_CALLBACK "qcb"
#define SVC_INDEX_QUEUE_MONTH "qmon"

/* Iteration: the callback returns 0 to go on, non-zero to stop (that value is
 * returned). Values passed to callbacks are valid only during the call. */
typedef int (*svc_ticket_cb)(const svc_ticket *t, void *arg);
typedef int (*svc_claim_cb)(const svc_claim *c, void *arg);
typedef int (*svc_transfer_cb)(const svc_transfer *x, void *arg);
typedef int (*svc_catalog_cb)(const svc_catalog_item *c, void *arg);
typedef int (*svc_node_cb)(const svc_node *n, void *arg);
typedef int (*svc_stock_cb)(const char *location, const char *part_no, const svc_stock *s,
                            void *arg);

int svc_fold_ticket_each(svc_txn *t, svc_ticket_cb cb, void *arg);
/* Tickets without their opening fields (kind, customer, phone, address,
 * product, serial, purchased, fault are empty): what a list needs to filter
 * and sort, without reading every ticket's opening change. */
int svc_fold_ticket_each_brief(svc_txn *t, svc_ticket_cb cb, void *arg);
int svc_fold_claim_each(svc_txn *t, svc_claim_cb cb, void *arg);
int svc_fold_transfer_each(svc_txn *t, svc_transfer_cb cb, void *arg);
int svc_fold_catalog_each(svc_txn *t, svc_catalog_cb cb, void *arg);
int svc_fold_node_each(svc_txn *t, svc_node_cb cb, void *arg);
/* policy: models, fault codes, grades and policy versions. */
int svc_fold_model_get(svc_txn *t, const char *model, svc_model *out);
int svc_fold_fault_get(svc_txn *t, const char *category, const char *code, svc_fault_code *out);
/* A region's grade: SVC_GRADE_NONE when HQ has not graded it. */
int svc_fold_grade_get(svc_txn *t, const char *region, uint32_t *grade);
/* The last exception recorded for a serial (SVC_ENOTFOUND: none). */
int svc_fold_override_get(svc_txn *t, const char *serial, svc_override *out);
typedef int (*svc_model_cb)(const svc_model *m, void *arg);
typedef int (*svc_fault_cb)(const svc_fault_code *f, void *arg);
typedef int (*svc_grade_cb)(const svc_grade_item *g, void *arg);
typedef int (*svc_policy_cb)(const svc_policy *p, void *arg);
int svc_fold_model_each(svc_txn *t, svc_model_cb cb, void *arg);
int svc_fold_fault_each(svc_txn *t, svc_fault_cb cb, void *arg);
/* labor operations (SVC_ENOTFOUND naming the code) and the labor tariff
 * (all zero, no error, when HQ has set none). */
int svc_fold_labor_get(svc_txn *t, const char *code, svc_labor_op *out);
typedef int (*svc_labor_cb)(const svc_labor_op *op, void *arg);
int svc_fold_labor_each(svc_txn *t, svc_labor_cb cb, void *arg);
int svc_fold_tariff_get(svc_txn *t, svc_tariff *out);
int svc_fold_grade_each(svc_txn *t, svc_grade_cb cb, void *arg);
/* Policy versions, in the order of their keys. */
int svc_fold_policy_each(svc_txn *t, svc_policy_cb cb, void *arg);
/* The version in force on a date (YYYYMMDD): the highest version dated on or
 * before it; version 0 (no entries: the defaults) when there is none. */
int svc_fold_policy_at(svc_txn *t, uint32_t ymd, svc_policy *out);
/* One version (SVC_ENOTFOUND when this node does not hold it). */
int svc_fold_policy_version(svc_txn *t, uint32_t version, svc_policy *out);
/* The newest version issued (version 0 when none). */
int svc_fold_policy_latest(svc_txn *t, svc_policy *out);

/* customer */
typedef int (*svc_customer_cb)(const svc_customer *c, void *arg);
int svc_fold_customer_each(svc_txn *t, svc_customer_cb cb, void *arg);
/* complaints: a complaint by id (SVC_ENOTFOUND: "unknown complaint K-..."),
 * every complaint held here, and the fold's index and tally names. The
 * queue's indexes hold complaints not yet concluded, under their deadline
 * as 16 decimal digits of ms (so value order is deadline order): "kdue"
 * alone, "kdue.r" and "kdue.s" after "<region>/" and "<shop>/". The tally
 * counts substantiated complaints per shop held responsible and month
 * (YYYYMM of the day the complaint was received, in the network's zone). */
int svc_fold_complaint_get(svc_txn *t, const char *id, svc_complaint *out);
typedef int (*svc_complaint_cb)(const svc_complaint *k, void *arg);
int svc_fold_complaint_each(svc_txn *t, svc_complaint_cb cb, void *arg);
/* the shop's ledger: a statement by id (Y:<shop>/<YYYY-MM>), and a shop's
 * statements in month order. */
int svc_fold_statement_get(svc_txn *t, const char *id, svc_statement *out);
typedef int (*svc_statement_cb)(const svc_statement *st, void *arg);
int svc_fold_statement_each_shop(svc_txn *t, const char *shop, svc_statement_cb cb, void *arg);
#define SVC_INDEX_COMPLAINT_DUE "kdue"
#define SVC_INDEX_COMPLAINT_DUE_REGION "kdue.r"
#define SVC_INDEX_COMPLAINT_DUE_SHOP "kdue.s"
#define SVC_TALLY_COMPLAINT_SUBSTANTIATED "ksubst"
/* old parts: a record by id, O:<ticket>/<part_no> (SVC_ENOTFOUND: "unknown
 * old part O:..."), and every record held here. */
int svc_fold_oldpart_get(svc_txn *t, const char *id, svc_old_part *out);
typedef int (*svc_old_part_cb)(const svc_old_part *op, void *arg);
int svc_fold_oldpart_each(svc_txn *t, svc_old_part_cb cb, void *arg);
/* shops: a shop's record by its node id (SVC_ENOTFOUND: "no record of shop
 * S"), and every shop record held here. */
int svc_fold_shop_get(svc_txn *t, const char *shop, svc_shop *out);
typedef int (*svc_shop_cb)(const svc_shop *h, void *arg);
int svc_fold_shop_each(svc_txn *t, svc_shop_cb cb, void *arg);
/* location NULL: all locations. */
int svc_fold_stock_each(svc_txn *t, const char *location, svc_stock_cb cb, void *arg);

#endif

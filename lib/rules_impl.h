/*
 * rules_impl: what the merge-rule files share among themselves.
 *
 * Not part of libsvcsync's interface: everything outside lib/rules_*.c,
 * lib/svc_rules.c and the fold's kind table (lib/svc_fold.c, which names
 * each ops struct once) goes through svc_rules.h (svc_rules_for() and
 * friends).
 * Each rules_<aggregate>.c defines exactly one ops struct declared here, and
 * the helpers below keep their states canonical (string buffers zero-filled
 * past the NUL, so two nodes' states compare equal byte for byte) and their
 * rejection reasons one line long.
 */
#ifndef SVC_RULES_IMPL_H
#define SVC_RULES_IMPL_H

#include "svc_rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

extern const svc_rules svc_rules_ticket;
extern const svc_rules svc_rules_claim;
extern const svc_rules svc_rules_transfer;
extern const svc_rules svc_rules_catalog;
extern const svc_rules svc_rules_node;
extern const svc_rules svc_rules_move;
/* policy */
extern const svc_rules svc_rules_policy;
extern const svc_rules svc_rules_grade;
extern const svc_rules svc_rules_model;
extern const svc_rules svc_rules_fault;
extern const svc_rules svc_rules_override;
/* ticket.override and ticket.rejudge (rules_policy.c). */
int svc_rules_validate_override(const svc_change *c, char *reason, size_t len);
/* Field validation of policy.set and region.grade (rules_policy.c), of
 * model.put and fault_code.put (rules_model.c). */
int svc_rules_validate_policy(const svc_change *c, char *reason, size_t len);
int svc_rules_validate_model(const svc_change *c, char *reason, size_t len);
/* The policy fields of ticket.open and ticket.status (rules_policy.c). */
int svc_rules_validate_ticket_policy(const svc_change *c, char *reason, size_t len);
/* Fold the policy fields of a ticket's changes (rules_policy.c): 0 or
 * SVC_EREJECT with a reason. */
int svc_rules_ticket_policy_step(svc_ticket *t, const svc_change *c, char *reason, size_t len);
/* customer */
extern const svc_rules svc_rules_customer;
extern const svc_rules svc_rules_unit;
/* Field validation of customer and unit changes (svc_rules_validate). */
int svc_rules_customer_validate(const svc_change *c, char *reason, size_t len);
int svc_rules_unit_validate(const svc_change *c, char *reason, size_t len);
/* complaints: the rules, field validation and the role matrix of complaint
 * changes (rules_complaint.c); authorize is called for regions and shops. */
extern const svc_rules svc_rules_complaint;
int svc_rules_complaint_validate(const svc_change *c, char *reason, size_t len);
int svc_rules_complaint_authorize(const svc_change *c, char *reason, size_t len);

/* the shop's ledger: a shop's month (rules_statement.c); authorize is
 * called for regions and shops. */
extern const svc_rules svc_rules_statement;
int svc_rules_statement_validate(const svc_change *c, char *reason, size_t len);
int svc_rules_statement_authorize(const svc_change *c, char *reason, size_t len);
/* out-of-warranty work (rules_charge.c): field validation of ticket.charge
 * and claim.allow, and their fold into the ticket (0 or SVC_EREJECT). */
int svc_rules_charge_validate(const svc_change *c, char *reason, size_t len);
/* shops: the rules, field validation and the role matrix of shop record
 * changes (rules_shop.c); authorize is called for regions and shops. */
extern const svc_rules svc_rules_shop;
int svc_rules_shop_validate(const svc_change *c, char *reason, size_t len);
int svc_rules_shop_authorize(const svc_change *c, char *reason, size_t len);
int svc_rules_ticket_charge_step(svc_ticket *t, const svc_change *c, char *reason, size_t len);
/* labor operations, the labor tariff (rules_labor.c), and the field
 * validation of labor.put, tariff.set and catalog.price. */
extern const svc_rules svc_rules_labor;
extern const svc_rules svc_rules_tariff;
int svc_rules_labor_validate(const svc_change *c, char *reason, size_t len);

/*
 * A record created once by the node that first serves it, corrected field by
 * field and merged into a survivor (customer files, product units). Its
 * bookkeeping fields, wherever they sit in the kind's state, and what the
 * change does to them: svc_rules_record_step() checks the order of create,
 * correct and merge, fills the bookkeeping and returns which it is, the
 * kind's step copying its own fields.
 */
typedef struct {
	const char *noun;   /* "customer", for reasons */
	const char *longer; /* "customer", "product unit" */
	char *id, *region, *created_by, *merged_into;
	size_t id_cap, region_cap, created_by_cap, merged_into_cap;
	uint64_t *created, *merged, *updated;
	svc_fold_pos *last;
} svc_rules_record;

enum { SVC_REC_CREATE = 1, SVC_REC_CORRECT, SVC_REC_MERGE };

/* The svc_rules_record of a state x with fields of those names. */
#define SVC_RULES_RECORD(x, noun, longer)                                                          \
	{                                                                                          \
		(noun), (longer), (x)->id, (x)->region, (x)->created_by, (x)->merged_into,         \
		    sizeof(x)->id, sizeof(x)->region, sizeof(x)->created_by,                       \
		    sizeof(x)->merged_into, &(x)->created, &(x)->merged, &(x)->updated, &(x)->last \
	}

/* put: c is the kind's put (else its merge, into `into`); create: the put
 * names the record its change creates. Returns SVC_REC_* or SVC_EREJECT
 * with a reason; the caller zeroes the state before a create is filled. */
int svc_rules_record_step(const svc_rules_record *r, bool exists, const svc_change *c, bool put,
                          bool create, const char *into, char *reason, size_t len);

/* After the kind's own fields: the record's last update. */
void svc_rules_record_done(const svc_rules_record *r, const svc_change *c);
/* old parts (rules_oldpart.c): the rules, field validation and the role
 * matrix of old_part changes; authorize is called for every role. */
extern const svc_rules svc_rules_oldpart;
int svc_rules_oldpart_validate(const svc_change *c, char *reason, size_t len);
int svc_rules_oldpart_authorize(const svc_change *c, char *reason, size_t len);

/* Write a one-line reason (if `reason` is non-NULL and `len` > 0) and return
 * `code`. Newlines and other control characters that slip in through %s are
 * replaced by '?', so a reason never spans lines in a log or a report. */
int svc_rules_fail(int code, char *reason, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copy the string `src` into the buffer dst[cap], truncating, and zero the
 * rest of the buffer so the state's bytes depend only on its value. */
void svc_rules_copy(char *dst, size_t cap, const char *src);
#define SVC_COPY(dst, src) svc_rules_copy((dst), sizeof(dst), (src))
#define SVC_CLEAR(dst) svc_rules_copy((dst), sizeof(dst), "")

/* Return from the calling function if expr is non-zero. */
#define SVC_TRY(expr)                                                                              \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ != 0)                                                                      \
			return rc_;                                                                \
	} while (0)

/* Record c as the last change folded into an aggregate. */
void svc_rules_set_last(svc_fold_pos *last, const svc_change *c);

/* A kind's change that reached the wrong aggregate type's step(): a driver
 * bug, but reported as a rejection rather than trusted. */
int svc_rules_wrong_kind(const char *rules, const svc_change *c, char *reason, size_t len);

/* True if the change's origin speaks for the region `region`: HQ always, a
 * region node for its own id (a region's region id is its node id). */
bool svc_rules_is_hq_or_region(const svc_change *c, const char *region);

/* A user-typed value for a reason: at most ~40 bytes, cut on a character
 * boundary, with "..." when shortened (svc_rules_fail replaces control
 * characters). Returns buf. */
const char *svc_rules_quote(char buf[64], const char *s);

/* svc_check_text, with `multiline` allowing newlines and tabs (a ticket's
 * fault and its notes). */
int svc_rules_check_text(const char *field, const char *s, bool required, bool multiline,
                         char *reason, size_t len);

/* Every string of a change must end inside its buffer before anything reads
 * it; the codec guarantees it, but a change can also be built in memory.
 * For validators with `reason` and `len` in scope. */
#define TERMINATED(field, buf)                                                                     \
	do {                                                                                       \
		if (!memchr((buf), 0, sizeof(buf)))                                                \
			return svc_rules_fail(SVC_EINVAL, reason, len,                             \
			                      "%s: longer than %zu bytes", (field),                \
			                      sizeof(buf) - 1);                                    \
	} while (0)

/* SVC_EINVAL unless the change names the aggregate `expected`. */
int svc_rules_expect_agg(const svc_change *c, const char *expected, char *reason, size_t len);

#endif

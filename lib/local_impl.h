/*
 * local_impl: the helpers the svc_local files share (svc_local.c,
 * local_customer.c, local_complaint.c). Private to the module.
 */
#ifndef LOCAL_IMPL_H
#define LOCAL_IMPL_H

#include "svc_err.h"
#include "svc_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool given(const char *s)
{
	return s && s[0];
}

/* Copy a field, refusing (rather than truncating) one that does not fit:
 * 0, or SVC_EINVAL naming the field. */
int svc_local_set_text(char *dst, size_t cap, const char *field, const char *src);

/* What `location` consumed of a part on a ticket, reversals taken off, as
 * the fold counts it (svc_local.c). */
int svc_local_consumed_on(svc_txn *t, const char *location, const char *part_no, const char *ticket,
                          int64_t *qty);
/* old parts: a reversal may not leave fewer consumed than the shop returned
 * as old parts (local_oldpart.c). */
int svc_local_need_unreturned(svc_txn *t, const char *shop, const char *ticket, const char *part_no,
                              int64_t left);

#define SET(dst, field, src) svc_local_set_text((dst), sizeof(dst), (field), (src))

/* Run a svc_rules validator that writes its reason to reason_. */
#define RULE(call)                                                                                 \
	do {                                                                                       \
		char reason_[SVC_REASON_LEN];                                                      \
		int rc_ = (call);                                                                  \
		if (rc_)                                                                           \
			return svc_errf(rc_, "%s", reason_);                                       \
	} while (0)

#define TRY(call)                                                                                  \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		if (rc_)                                                                           \
			return rc_;                                                                \
	} while (0)

#endif

/*
 * local_impl: the helpers the svc_local files share (svc_local.c,
 * local_customer.c, local_complaint.c). Private to the module.
 */
#ifndef LOCAL_IMPL_H
#define LOCAL_IMPL_H

#include "svc_err.h"

#include <stdbool.h>
#include <stddef.h>

static inline bool given(const char *s)
{
	return s && s[0];
}

/* Copy a field, refusing (rather than truncating) one that does not fit:
 * 0, or SVC_EINVAL naming the field. */
int svc_local_set_text(char *dst, size_t cap, const char *field, const char *src);

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

/*
 * svc_operator: the person on whose behalf this process writes changes. See
 * svc_operator.h for why this is a process-wide setting.
 */
#include "svc_operator.h"

#include "svc_err.h"
#include "svc_types.h"

#include <stdio.h>
#include <string.h>

static char operator_name[SVC_OPERATOR_LEN];

int svc_operator_set(const char *name)
{
	size_t n;

	if (!name)
		return svc_errf(SVC_EINVAL, "svc_operator_set: NULL argument");
	n = strlen(name);
	if (n >= sizeof operator_name)
		return svc_errf(SVC_EINVAL, "operator: %zu bytes, limit %zu", n,
		                sizeof operator_name - 1);
	memcpy(operator_name, name, n + 1);
	return 0;
}

const char *svc_operator_get(void)
{
	return operator_name;
}

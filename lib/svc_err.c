/*
 * svc_err: error codes and the per-thread detail message. See svc_err.h.
 */
#include "svc_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char detail[512];
static _Thread_local int detail_code;

const char *svc_strerror(int code)
{
	switch (code) {
	case SVC_OK:
		return "success";
	case SVC_EINVAL:
		return "invalid input";
	case SVC_ENOTFOUND:
		return "not found";
	case SVC_EEXIST:
		return "already exists";
	case SVC_EDENIED:
		return "not permitted for this node";
	case SVC_EREJECT:
		return "invalid transition";
	case SVC_ESTORE:
		return "store error";
	case SVC_EFULL:
		return "store full";
	case SVC_EVERSION:
		return "version mismatch";
	case SVC_ECRYPTO:
		return "verification failed";
	case SVC_EDECODE:
		return "malformed data";
	case SVC_EIO:
		return "I/O error";
	case SVC_ENOMEM:
		return "out of memory";
	case SVC_EKEY:
		return "key error";
	case SVC_EBUSY:
		return "busy";
	case SVC_ENET:
		return "network error";
	case SVC_ETOOBIG:
		return "too big";
	case SVC_ECONFLICT:
		return "conflicts with current state";
	case SVC_ENOSPACE:
		return "no space left on device";
	default:
		return "unknown error";
	}
}

int svc_errf(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	detail_code = code;
	return code;
}

int svc_errctx(int code, const char *fmt, ...)
{
	char prefix[256];
	char old[sizeof detail];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	if (detail[0])
		snprintf(old, sizeof old, "%s", detail);
	else
		snprintf(old, sizeof old, "%s", svc_strerror(code));
	/* A detail cut short is still better than none. */
	if (snprintf(detail, sizeof detail, "%s: %s", prefix, old) >= (int)sizeof detail)
		detail[sizeof detail - 1] = '\0';
	detail_code = code;
	return code;
}

const char *svc_errmsg(void)
{
	if (detail[0])
		return detail;
	return svc_strerror(detail_code);
}

void svc_errclear(void)
{
	detail[0] = '\0';
	detail_code = 0;
}

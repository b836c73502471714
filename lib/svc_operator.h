/*
 * svc_operator: the person on whose behalf this process writes changes.
 *
 * Every change records who entered it (svc_change.operator). That is a fact
 * about the process, not about a store handle or a transaction: the CLI runs
 * for one person (--operator, $SVCSYNC_OPERATOR or the login name) and
 * svcsyncd writes as SVC_OPERATOR_DAEMON. So it is set once at start-up,
 * before any write and before any thread, and the local write path copies it
 * into every change it appends, whichever module asked for the write. It is
 * its own module so that the store need not know about command lines and the
 * CLI need not reach into the store. The rules (svc_rules_validate) judge
 * the name like any other field; this module only keeps it.
 */
#ifndef SVC_OPERATOR_H
#define SVC_OPERATOR_H

/* What a daemon records for the changes it originates itself (HQ revoking
 * a node whose certificate expired). */
#define SVC_OPERATOR_DAEMON "svcsyncd"

/* Sets the operator of this process's writes ("" until set). Refuses, with
 * SVC_EINVAL and a one-line detail naming the field, a name that does not
 * fit svc_change.operator; whether it is a valid name is for the rules. */
int svc_operator_set(const char *name);

/* The operator of this process's writes; never NULL. */
const char *svc_operator_get(void);

#endif

/*
 * fold_visible: each record kind's visibility rule (lib/fold_visible.c),
 * private to lib/: the fold's kind table names them once, and everything
 * else asks a kind's entry (svc_fold_kind.visible).
 */
#ifndef SVC_FOLD_VISIBLE_H
#define SVC_FOLD_VISIBLE_H

#include "svc_fold.h"

bool svc_fold_visible_catalog(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* policy: the policy, grades, models and fault codes go to every node. */
bool svc_fold_visible_everyone(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
bool svc_fold_visible_node(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
bool svc_fold_visible_ticket(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
bool svc_fold_visible_claim(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
bool svc_fold_visible_transfer(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
bool svc_fold_visible_move(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* customer */
bool svc_fold_visible_customer(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
bool svc_fold_visible_unit(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* policy */
bool svc_fold_visible_override(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* complaints */
bool svc_fold_visible_complaint(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* old parts */
bool svc_fold_visible_oldpart(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* the shop's ledger: a shop's statement goes to the shop and its region. */
bool svc_fold_visible_statement(svc_txn *t, const svc_fold_peer *p, const svc_change *c);
/* shops */
bool svc_fold_visible_shop(svc_txn *t, const svc_fold_peer *p, const svc_change *c);

#endif

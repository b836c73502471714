#!/usr/bin/env bash
# cli_net_visibility: who may see a ticket follows its folded, accepted state.
#
# HQ, region-v and its shops shop-v1 and shop-v2, live daemons.
#
#  1. A rejected assignment gives nobody the ticket. The region opens T1;
#     HQ cancels it while the region is offline; the region, not knowing,
#     assigns T1 to shop-v2. When the region reconnects both nodes fold the
#     cancel first (it is earlier) and reject the assignment. shop-v2, which
#     connects only after that, must never receive T1: not its opening change
#     (customer name and phone), not the rejected assignment.
#  2. A late change that re-folds an accepted assignment away takes the
#     ticket's later changes away from that shop. With HQ's daemon down, HQ
#     cancels T3 and the region assigns T3 to shop-v1, which receives it.
#     When HQ comes back the cancel re-folds the assignment away; a note the
#     region then adds to T3 must not reach shop-v1.
#
# Each absence is asserted only after a positive event: a later ticket the
# region assigned to the same shop has arrived there, so the link has
# carried everything before it. The raw byte scan of the shop's LMDB file
# checks its own markers first (the scan works), then the hidden ones.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_visibility

W=15
net_hq hq
net_region region-v
net_shop shop-v1 region-v
net_shop shop-v2 region-v
start hq
start region-v
start shop-v1

has_ticket() { svq "$1" ticket show "$2" >/dev/null; }

section "1. a rejected assignment: the shop never gets the ticket"
T1=$(sv region-v ticket new --kind repair --customer "Wombat Hidden" --phone 13900000001 \
	--address "Wombat Road 1" --product AC-1 --fault "never for shop-v2")
wait_json $W hq 'j["status"]' new ticket show "$T1"
stop region-v
sv hq ticket status "$T1" cancelled --reason "customer withdrew" >/dev/null
sv region-v ticket assign "$T1" --shop shop-v2 >/dev/null
assert_eq "$(jget region-v 'j["shop"] or ""' ticket show "$T1")" shop-v2 "offline assignment at region-v"
start region-v
wait_json $W region-v 'j["status"]' cancelled ticket show "$T1"
wait_json $W hq 'j["status"]' cancelled ticket show "$T1"
expect_eq "$(jget region-v 'j["shop"] or ""' ticket show "$T1")" "" "T1's shop at region-v after the re-fold"
expect_eq "$(jget region-v "[c['rejected'] for c in j if c['kind'] == 'ticket.assign' and c['aggregate'] == '$T1']" log)" \
	"[True]" "T1's assignment rejected at region-v"
T2=$(sv region-v ticket new --kind install --customer "Koala Visible" --phone 13900000002 \
	--address "Koala Road 2" --product WH-2 --fault "for shop-v2")
sv region-v ticket assign "$T2" --shop shop-v2 >/dev/null
start shop-v2
wait_json $W shop-v2 'j["status"]' assigned ticket show "$T2"
net_quiesce 20
if has_ticket shop-v2 "$T1"; then bad "shop-v2 holds $T1, whose assignment was rejected"; else ok; fi
expect_eq "$(jget shop-v2 "len([c for c in j if c['aggregate'] == '$T1'])" log)" 0 \
	"changes of $T1 at shop-v2"
# (the customer file's change and its state: one line or more)
assert_ge "$(count_in shop-v2 "Koala Visible")" 1 "raw scan of shop-v2: its own customer (the scan works)"
expect_eq "$(count_in shop-v2 "Wombat Hidden")" 0 "raw scan of shop-v2: T1's customer"
expect_eq "$(count_in shop-v2 13900000001)" 0 "raw scan of shop-v2: T1's phone"

section "2. a late cancel re-folds an accepted assignment away"
T3=$(sv region-v ticket new --kind repair --customer "Dingo Early" --phone 13900000003 \
	--address "Dingo Road 3" --product TV-3 --fault "assigned, then voided")
wait_json $W hq 'j["status"]' new ticket show "$T3"
stop hq
sv hq ticket status "$T3" cancelled --reason "duplicate of another ticket" >/dev/null
sv region-v ticket assign "$T3" --shop shop-v1 >/dev/null
wait_json $W shop-v1 'j["status"]' assigned ticket show "$T3"
start hq
wait_json $W region-v 'j["status"]' cancelled ticket show "$T3"
expect_eq "$(jget region-v 'j["shop"] or ""' ticket show "$T3")" "" "T3's shop at region-v after the re-fold"
sv region-v ticket note "$T3" "Platypus note after the cancel" >/dev/null
T4=$(sv region-v ticket new --kind repair --customer "Emu Later" --phone 13900000004 \
	--address "Emu Road 4" --product AC-4 --fault "after the note")
sv region-v ticket assign "$T4" --shop shop-v1 >/dev/null
wait_json $W shop-v1 'j["status"]' assigned ticket show "$T4"
net_quiesce 20
assert_ge "$(count_in shop-v1 "Emu Later")" 1 "raw scan of shop-v1: its later ticket's customer (the scan works)"
expect_eq "$(count_in shop-v1 "Platypus note")" 0 "raw scan of shop-v1: the note on the voided ticket"
expect_eq "$(jget shop-v1 "len([c for c in j if c['aggregate'] == '$T3' and c['kind'] == 'ticket.note'])" log)" 0 \
	"notes of $T3 at shop-v1"
expect_eq "$(count_in shop-v2 "Dingo Early")" 0 "raw scan of shop-v2: T3's customer"

net_verify_all
net_done

#!/usr/bin/env bash
# cli_net_restore: a shop restored from an older copy never forks its history.
#
# HQ, region-1 and shop-1, each its own svcsyncd on loopback (sections run
# in the order c, b, b2, a: the first three need no new command).
#  a. `svcsync backup` while the shop runs, more work, `svcsync restore`
#     (refused while the daemon runs; writes refused after it): on restart
#     the shop fetches its own later changes back from region-1, writes
#     unblock, and new tickets get seqs after the highest the network held.
#  c. A plain `cp -a` of an old directory put back: caught at the first
#     contact with region-1 from its heads summary (log line, status),
#     blocked, then caught up.
#  b. The same, with tickets written offline before the restart, more than
#     the network went on to hold (b) and fewer (b2): they re-used seqs the
#     network holds, so they are kept aside, never shipped; after catching
#     up `svcsync restore --replay` re-enters them under new seqs.
# In each: no acknowledged change lost (the shop's tickets against HQ's), no
# seq reused (HQ's log of shop-1 is dense and unique, its quarantine empty),
# and `svcsync verify` clean at every node.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_restore

W=20
# The copies' first contact with region-1 is expected to be logged as a warning.
NET_LOG_ALLOW='this store is an older copy|restored: local writes are blocked'

# Every ticket refers to one customer file, made before the scenarios, so a
# ticket is one change and the seqs below count tickets; a ticket's label is
# its fault text.
ticket() { # NAME LABEL: open a ticket, print its id
	sv "$1" ticket new --kind repair --customer-id "$CUST" --product AC-1 --fault "$2"
}
has_ticket() { svq "$1" ticket show "$2" --json >/dev/null; }
restore_state() { json_val shop-1 'j["restore"]["state"]' status; }
blocked_false() { [ "$(json_val shop-1 'j["restore"]["writes_blocked"]' status)" = False ]; }

# check_network WHAT: shop-1's tickets are HQ's (ids and labels), HQ holds
# shop-1's seqs 1..max once each, and every store verifies.
check_network() {
	net_quiesce $W
	net_pycheck "$1" <<'PY'
what = sys.argv[1]
def tickets(n):
    return sorted((t["id"], t["fault"]) for t in sv(n, "ticket", "list")
                  if t["id"].startswith("T-shop-1-"))
expect(tickets("shop-1"), tickets("hq"), f"{what}: shop-1's tickets at HQ")
seqs = [c["seq"] for c in sv("hq", "log") if c["origin"] == "shop-1"]
expect(sorted(seqs), list(range(1, max(seqs) + 1)), f"{what}: shop-1's seqs at HQ, each once")
PY
	net_verify_all
}
own_head() { jget "$1" 'max([c["seq"] for c in j if c["origin"] == "shop-1"] or [0])' log; }

section "the network: hq, region-1, shop-1"
net_hq hq
net_region region-1
net_shop shop-1 region-1
start_all
CUST=$(sv shop-1 customer new --name "Restore customer" --phone 13912345678)
net_quiesce $W

section "c. a plain cp -a of an old directory"
stop shop-1
cp -a "$T/shop-1" "$T/shop-1.copy"
start shop-1
C1=$(ticket shop-1 "After the copy one")
C2=$(ticket shop-1 "After the copy two")
net_quiesce $W
HQ_HEAD=$(own_head hq)
stop shop-1
rm -rf "$T/shop-1"
cp -a "$T/shop-1.copy" "$T/shop-1"
start shop-1
wait_until $W grep -q "this store is an older copy: region-1 holds shop-1's changes through seq $HQ_HEAD" "$T/shop-1.log"
ok
wait_until $W blocked_false
assert_eq "$(restore_state)" normal "status after catching up"
for id in "$C1" "$C2"; do wait_until $W has_ticket shop-1 "$id"; done
C3=$(ticket shop-1 "After the copy came back")
assert_eq "$C3" "T-shop-1-$((HQ_HEAD + 1))" "first ticket after the copy came back"
wait_until $W has_ticket hq "$C3"
check_network "c"

section "b. a copy put back, written offline, then reconnected"
stop shop-1
rm -rf "$T/shop-1.copy"
cp -a "$T/shop-1" "$T/shop-1.copy"
start shop-1
D1=$(ticket shop-1 "Network one")
D2=$(ticket shop-1 "Network two")
net_quiesce $W
HQ_HEAD=$(own_head hq)
stop shop-1
rm -rf "$T/shop-1"
cp -a "$T/shop-1.copy" "$T/shop-1"
# The shop cannot know yet: this re-uses D1's seq with other content.
B1=$(ticket shop-1 "Written offline")
assert_eq "$B1" "$D1" "the offline ticket's id (a re-used seq)"
sv shop-1 ticket note "$B1" "offline note" >/dev/null
# One more than the network went on to hold: a seq above the upstream's.
B2=$(ticket shop-1 "Written offline too")
start shop-1
wait_until $W grep -q "this store is an older copy that went on writing: region-1 holds other changes of shop-1 under the same seqs (through seq $HQ_HEAD)" "$T/shop-1.log"
ok
wait_until $W blocked_false
assert_eq "$(json_val shop-1 'j["restore"]["replay_pending"]' status)" 3 "changes kept aside"
sv shop-1 status | grep -q '^replay       3 change(s) made after the restore kept aside' ||
	fail "status text: $(sv shop-1 status)"
ok
# The network's versions won: nothing of the offline write was shipped.
assert_eq "$(jget hq 'j["fault"]' ticket show "$D1")" "Network one" "HQ's $D1"
assert_eq "$(jget shop-1 'j["fault"]' ticket show "$D1")" "Network one" "shop-1's $D1"
wait_until $W has_ticket shop-1 "$D2"
check_network "b, before the replay"
out=$(sv shop-1 restore --replay)
NEW="T-shop-1-$((HQ_HEAD + 1))"
assert_match "$out" "re-entered seq [0-9]+ as $((HQ_HEAD + 1)): ticket.open $NEW \\(was $D1\\)" "replay output"
NEW2="T-shop-1-$((HQ_HEAD + 3))"
assert_match "$out" "as $((HQ_HEAD + 3)): ticket.open $NEW2 \\(was $B2\\)" "replay output, second ticket"
assert_match "$out" "3 change\\(s\\) re-entered, 0 still kept aside" "replay summary"
wait_until $W has_ticket hq "$NEW2"
assert_eq "$(jget hq 'j["fault"]' ticket show "$NEW")" "Written offline" "HQ's replayed ticket"
assert_eq "$(jget hq 'j["fault"]' ticket show "$NEW2")" "Written offline too" \
	"HQ's second replayed ticket"
wait_json $W hq '[n["text"] for n in j["notes"]]' \
	"['offline note']" ticket show "$NEW"
assert_eq "$(json_val shop-1 'j["restore"]["replay_pending"]' status)" 0 "kept aside after the replay"
check_network "b, after the replay"
section "b2. the same with fewer offline writes than the network holds after the copy"
stop shop-1
rm -rf "$T/shop-1.copy"
cp -a "$T/shop-1" "$T/shop-1.copy"
start shop-1
E1=$(ticket shop-1 "Network three")
E2=$(ticket shop-1 "Network four")
net_quiesce $W
HQ_HEAD=$(own_head hq)
stop shop-1
rm -rf "$T/shop-1"
cp -a "$T/shop-1.copy" "$T/shop-1"
B3=$(ticket shop-1 "Written offline three")
assert_eq "$B3" "$E1" "the offline ticket's id (a re-used seq)"
start shop-1
wait_until $W grep -q "this store is an older copy: region-1 holds shop-1's changes through seq $HQ_HEAD, the store only through $((HQ_HEAD - 1))" "$T/shop-1.log"
ok
wait_until $W blocked_false
for id in "$E1" "$E2"; do wait_until $W has_ticket shop-1 "$id"; done
assert_eq "$(jget shop-1 'j["fault"]' ticket show "$E1")" "Network three" "shop-1's $E1"
assert_eq "$(json_val shop-1 'j["restore"]["replay_pending"]' status)" 1 "changes kept aside"
out=$(sv shop-1 restore --replay)
assert_match "$out" "re-entered seq $((HQ_HEAD - 1)) as $((HQ_HEAD + 1)): ticket.open T-shop-1-$((HQ_HEAD + 1)) \\(was $E1\\)" "replay output"
wait_until $W has_ticket hq "T-shop-1-$((HQ_HEAD + 1))"
assert_eq "$(jget hq 'j["fault"]' ticket show "T-shop-1-$((HQ_HEAD + 1))")" "Written offline three" \
	"HQ's replayed ticket"
check_network "b2"

section "a. backup while running, restore, restart online"
A1=$(ticket shop-1 "Before backup")
wait_until $W has_ticket hq "$A1"
out=$(sv shop-1 backup --out "$T/shop-1.bak")
assert_match "$out" "^wrote $T/shop-1.bak: the store of node shop-1, [0-9]+ bytes" "backup output"
err=$("$S" --dir "$T/shop-1" backup --out "$T/shop-1.bak" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "second backup onto the same file"
assert_match "$err" "refusing to overwrite it" "second backup's refusal"
A2=$(ticket shop-1 "After backup one")
A3=$(ticket shop-1 "After backup two")
sv shop-1 ticket status "$A2" accepted >/dev/null
net_quiesce $W
HQ_HEAD=$(own_head hq)
err=$("$S" --dir "$T/shop-1" restore --from "$T/shop-1.bak" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "restore while the daemon runs"
assert_match "$err" "svcsyncd \\(pid [0-9]+\\) is running on .*: stop it before restoring" \
	"restore's refusal while the daemon runs"
stop shop-1
out=$(sv shop-1 restore --from "$T/shop-1.bak")
assert_match "$out" "restored node shop-1 from .* under a new store id" "restore output"
err=$("$S" --dir "$T/shop-1" ticket new --kind repair --customer X --phone 13912345678 \
	--product AC-1 --fault x 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "a write after the restore"
assert_eq "$err" "svcsync: node shop-1 was restored from a backup; writes are blocked until it has fetched its own later changes from region-1 (start svcsyncd, or see svcsync status)" \
	"the write's refusal"
assert_eq "$(restore_state)" restored "status after the restore"
sv shop-1 status | grep -q '^restore      restored from a backup: writes blocked' ||
	fail "status text: $(sv shop-1 status)"
ok
start shop-1
wait_until $W blocked_false
assert_grep "$T/shop-1.log" "caught up after the restore: own changes through seq $HQ_HEAD are back" \
	"catch-up log line"
for id in "$A2" "$A3"; do wait_until $W has_ticket shop-1 "$id"; done
A4=$(ticket shop-1 "After the restore")
assert_eq "$A4" "T-shop-1-$((HQ_HEAD + 1))" "first ticket after the restore"
wait_until $W has_ticket hq "$A4"
check_network "a"

net_done

#!/usr/bin/env bash
# cli_queue: callbacks with history and the work queues, across live
# daemons.
#
# HQ, region-q (grade A: 24 h on site) and its shop shop-q1.
#  1. The region dispatches three repairs to the shop. Nothing is overdue
#     now; two days on (faketime) all three are in 'queue onsite', most
#     overdue first; once the shop is on site for one, it leaves the queue.
#  2. Callbacks: a resolved ticket is owed a callback ('queue callbacks').
#     Attempts are kept: unreachable ones count (a satisfaction with one is
#     refused), and after callback_attempts (3) the ticket leaves the queue
#     as unreachable. Another ticket is reached (satisfaction 4): it leaves
#     the queue; a second reached attempt (1) does not overwrite the first.
#     Reopening it starts a new cycle: resolved again, it is owed again.
#     A shop may not record callbacks. HQ folds the same attempts.
#  3. HQ's spot-check sample: with sample_pct=100 every resolved ticket of
#     the month is picked, drawn with a key only HQ holds (a file in its
#     node directory, mode 0600, never in any store); a region is refused.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, faketime.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_queue
need_faketime || exit 77

# fkj OFFSET NAME PY-EXPR ARGS...: svcsync --json under a shifted clock.
fkj() {
	local off=$1 n=$2 e=$3 out rc=0
	shift 3
	out=$(timeout 60 env LD_PRELOAD="$SEC_PRELOAD" FAKETIME="$off" FAKETIME_DONT_FAKE_MONOTONIC=1 \
		"$S" --dir "$T/$n" "$@" --json) || rc=$?
	[ "$rc" = 0 ] || fail "FAKETIME=$off svcsync --dir $n $* exited $rc"
	printf '%s' "$out" | py "$e"
}

refused() { # WHAT REGEX NODE ARGS...: exit 1 and one line matching REGEX
	local what=$1 re=$2 n=$3 err rc=0
	shift 3
	err=$(timeout 60 "$S" --dir "$T/$n" "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$rc" 1 "$what: exit status"
	assert_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$what: one line"
	assert_match "$err" "$re" "$what"
}

W=20
net_hq hq
net_region region-q
net_shop shop-q1 region-q
start hq
start region-q
start shop-q1

day() { TZ=Asia/Shanghai date -d "$1" +%F; }
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)

section "1. queue onsite: overdue is computed when read"
sv hq region grade region-q A >/dev/null
sv hq policy set sample_pct=100 --from "$(day tomorrow)" >/dev/null
wait_json $W region-q '[(r["region"], r["grade"]) for r in j]' "[('region-q', 'A')]" region list
T1=$(sv region-q ticket new --kind repair --customer "王芳" --phone 13900000101 --product p --fault f --shop shop-q1)
T2=$(sv region-q ticket new --kind repair --customer "李雷" --phone 13900000102 --product p --fault f --shop shop-q1)
T3=$(sv region-q ticket new --kind repair --customer "韩梅梅" --phone 13900000103 --product p --fault f --shop shop-q1)
expect_eq "$(jget region-q 'j["onsite_due_ms"] - j["created_ms"]' ticket show "$T1")" 86400000 "grade A: 24 h"
expect_eq "$(jget region-q '[t["id"] for t in j]' queue onsite)" "[]" "nothing overdue now"
expect_eq "$(fkj +2d region-q '[t["id"] for t in j]' queue onsite)" "['$T1', '$T2', '$T3']" \
	"two days on: all three, most overdue first"
expect_eq "$(fkj +2d region-q '(j[0]["customer"], j[0]["overdue_minutes"] >= 24 * 60)' queue onsite --limit 1)" \
	"('王芳', True)" "a page of one, with the customer's name"
wait_json $W shop-q1 'j["status"]' assigned ticket show "$T3"
for t in "$T1" "$T2"; do
	sv shop-q1 ticket status "$t" accepted >/dev/null
	sv shop-q1 ticket status "$t" on_site >/dev/null
done
wait_json $W region-q 'j["status"]' on_site ticket show "$T2"
expect_eq "$(fkj +2d region-q '[t["id"] for t in j]' queue onsite --shop shop-q1)" "['$T3']" \
	"visited tickets leave the queue"

section "2. callbacks with history"
sv shop-q1 ticket status "$T1" resolved >/dev/null
sv shop-q1 ticket status "$T2" resolved >/dev/null
wait_json $W region-q 'j["status"]' resolved ticket show "$T2"
expect_eq "$(jget region-q '[t["id"] for t in j]' queue callbacks)" "['$T1', '$T2']" \
	"resolved tickets owe a callback, oldest first"
refused "a shop recording a callback" "may not record customer callbacks" \
	shop-q1 ticket callback "$T1" --outcome unreachable
refused "a satisfaction for an unreached attempt" \
	"^svcsync: satisfaction: given for an attempt that did not reach the customer \\(unreachable\\)$" \
	region-q ticket callback "$T1" --outcome unreachable --satisfaction 3
refused "a reached attempt without satisfaction" "^svcsync: satisfaction: required" \
	region-q ticket callback "$T1" --outcome reached
OUT=$(sv region-q ticket callback "$T1" --outcome unreachable --note "无人接听")
assert_match "$OUT" "^callback attempt \\(unreachable\\) recorded on $T1$" "attempt output"
expect_eq "$(jget region-q '[(t["id"], t["attempts"], t["unreachable"]) for t in j]' queue callbacks)" \
	"[('$T1', 1, 1), ('$T2', 0, 0)]" "one unreachable attempt: still owed"
sv region-q ticket callback "$T1" --outcome unreachable >/dev/null
sv region-q ticket callback "$T1" --outcome unreachable >/dev/null
expect_eq "$(jget region-q '(j["callback_state"], j["callback_attempts"], j["callback"])' ticket show "$T1")" \
	"('unreachable', 3, None)" "three unreachable attempts end the cycle"
sv region-q ticket callback "$T2" --satisfaction 4 --note "满意" >/dev/null
sv region-q ticket callback "$T2" --outcome reached --satisfaction 1 >/dev/null
expect_eq "$(jget region-q '(j["callback_state"], j["callback_attempts"], j["callback"]["satisfaction"])' ticket show "$T2")" \
	"('reached', 2, 4)" "a later attempt never overwrites the first that reached"
expect_eq "$(jget region-q '[t["id"] for t in j]' queue callbacks)" "[]" "nothing owed"
wait_json $W hq '(j["callback_state"], j["callback_attempts"], j["callback"]["satisfaction"])' \
	"('reached', 2, 4)" ticket show "$T2"
expect_eq "$(jget region-q 'len([h for h in j["history"] if h["kind"] == "ticket.callback"])' ticket show "$T1")" \
	3 "every attempt is in the ticket's history"
sv region-q ticket status "$T2" assigned --reason "顾客不满意" >/dev/null
wait_json $W shop-q1 'j["status"]' assigned ticket show "$T2"
sv shop-q1 ticket status "$T2" accepted >/dev/null
sv shop-q1 ticket status "$T2" on_site >/dev/null
sv shop-q1 ticket status "$T2" resolved >/dev/null
wait_json $W region-q '(j["status"], j["callback_state"], j["callback_cycle"], j["callback_attempts"])' \
	"('resolved', 'owed', 1, 0)" ticket show "$T2"
expect_eq "$(jget region-q '[t["id"] for t in j]' queue callbacks)" "['$T2']" \
	"reopened and resolved again: a new callback is owed"

section "3. HQ's spot-check sample"
wait_json $W hq 'j["status"]' resolved ticket show "$T1"
refused "a region drawing the sample" "^svcsync: queue samples: HQ only" \
	region-q queue samples --month "$MONTH"
GOT=$(fkj +2d hq 'sorted(t["id"] for t in j)' queue samples --month "$MONTH" --shop shop-q1)
expect_eq "$GOT" "$(python3 -c "print(sorted(['$T1', '$T2']))")" "sample_pct=100: every resolved ticket of the month"
expect_eq "$(stat -c %a "$T/hq/sample.key")" 600 "the sample key is HQ's alone"
expect_eq "$(stat -c %s "$T/hq/sample.key")" 32 "a 32-byte key"
AGAIN=$(fkj +2d hq 'sorted(t["id"] for t in j)' queue samples --month "$MONTH" --shop shop-q1)
expect_eq "$AGAIN" "$GOT" "the same picks again"
[ ! -e "$T/region-q/sample.key" ] || fail "the region holds a sample key"
for n in hq region-q shop-q1; do
	[ -s "$T/$n/data.mdb" ] || fail "no store at $T/$n/data.mdb"
	python3 - "$T/hq/sample.key" "$T/$n/data.mdb" <<'PY' || fail "the sample key is in $n's store"
import sys
key = open(sys.argv[1], "rb").read()
assert len(key) == 32
sys.exit(1 if key in open(sys.argv[2], "rb").read() else 0)
PY
done
ok

net_done

#!/usr/bin/env bash
# cli_region_day: one day at a region's service desk, across live daemons,
# with the work queues checked at every step.
#
# HQ, region-d (grade B: 48 h on site) and its shops shop-d1, shop-d2.
#  1. The hotline answers a consult and closes it at the desk; it dispatches
#     two repairs, one to each shop, with the customers' files linked. The
#     on-site queue is empty now and holds both two days on (faketime).
#  2. shop-d1 visits and resolves its repair: it leaves the on-site queue
#     and enters the callback queue.
#  3. The callback: nobody answers (kept), the retry reaches the customer,
#     who is unhappy (satisfaction 2): the callback queue is empty.
#  4. The complaint: the region logs it against shop-d1 on that ticket; it
#     leads the complaints queue; the region investigates and notes;
#     shop-d1 adds its statement and cannot move the status; concluded
#     substantiated, confirmed by a call, closed: the queue is empty and the
#     shop's count of substantiated complaints is one.
#  5. HQ holds all of it (the consult, both repairs, the callback attempts,
#     the complaint with its note); shop-d2 holds nothing of the complaint.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, faketime.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_region_day
need_faketime || exit 77

fkj() { # OFFSET NAME PY-EXPR ARGS...: svcsync --json under a shifted clock
	local off=$1 n=$2 e=$3 out rc=0
	shift 3
	out=$(timeout 60 env LD_PRELOAD="$SEC_PRELOAD" FAKETIME="$off" FAKETIME_DONT_FAKE_MONOTONIC=1 \
		"$S" --dir "$T/$n" "$@" --json) || rc=$?
	[ "$rc" = 0 ] || fail "FAKETIME=$off svcsync --dir $n $* exited $rc"
	printf '%s' "$out" | py "$e"
}
queue() { jget region-d '[t["id"] for t in j]' queue "$@"; }

W=20
net_hq hq
net_region region-d
net_shop shop-d1 region-d
net_shop shop-d2 region-d
start hq
start region-d
start shop-d1
start shop-d2

section "1. the hotline: a consult closed at the desk, two repairs dispatched"
sv hq region grade region-d B >/dev/null
wait_json $W region-d '[r["grade"] for r in j]' "['B']" region list
CS=$(sv region-d ticket new --kind consult --customer "赵敏" --phone 13900000201 --product p \
	--fault "怎么设置定时" --channel phone)
sv region-d ticket status "$CS" resolved >/dev/null
sv region-d ticket status "$CS" closed >/dev/null
TA=$(sv region-d ticket new --kind repair --customer "钱多多" --phone 13900000202 --product p \
	--fault "不制冷" --shop shop-d1 --channel phone)
TB=$(sv region-d ticket new --kind repair --customer "孙悟" --phone 13900000203 --product p \
	--fault "漏水" --shop shop-d2 --channel phone)
CA=$(jget region-d 'j["customer_id"]' ticket show "$TA")
assert_match "$CA" '^C-region-d-' "the repair refers to the customer's file"
wait_json $W shop-d1 '(j["status"], j["customer"])' "('assigned', '钱多多')" ticket show "$TA"
expect_eq "$(queue onsite)" "[]" "nothing overdue this morning"
expect_eq "$(fkj +3d region-d '[t["id"] for t in j]' queue onsite)" "['$TA', '$TB']" \
	"two days on, both repairs are overdue"
expect_eq "$(queue callbacks)" "['$CS']" "the consult answered at the desk owes its callback"

section "2. shop-d1 visits and resolves"
sv shop-d1 ticket status "$TA" accepted >/dev/null
sv shop-d1 ticket status "$TA" on_site >/dev/null
sv shop-d1 ticket status "$TA" resolved >/dev/null
wait_json $W region-d 'j["status"]' resolved ticket show "$TA"
expect_eq "$(fkj +3d region-d '[t["id"] for t in j]' queue onsite)" "['$TB']" \
	"the visited repair left the on-site queue"
expect_eq "$(queue callbacks)" "['$CS', '$TA']" "the resolved repair (and the consult) owe a callback"

section "3. the callback, with a retry"
sv region-d ticket callback "$CS" --satisfaction 5 >/dev/null
sv region-d ticket callback "$TA" --outcome unreachable --note "无人接听" >/dev/null
expect_eq "$(jget region-d '[(t["id"], t["attempts"]) for t in j]' queue callbacks)" "[('$TA', 1)]" \
	"an unanswered call keeps the ticket in the queue"
sv region-d ticket callback "$TA" --outcome reached --satisfaction 2 --note "还是有异味" >/dev/null
expect_eq "$(queue callbacks)" "[]" "called back: nothing owed"

section "4. the complaint"
K=$(sv region-d complaint new --ticket "$TA" --category "维修质量" --severity normal \
	--text "修后仍有异味" --channel phone)
expect_eq "$(queue complaints)" "['$K']" "the complaint leads the complaints queue"
sv region-d complaint status "$K" investigating >/dev/null
sv region-d complaint note "$K" "ComplaintNoteMarker: 师傅承认未清洗滤网" >/dev/null
wait_json $W shop-d1 'j["status"]' investigating complaint show "$K"
sv shop-d1 complaint statement "$K" "我们会免费上门清洗" >/dev/null
rc=0
ERR=$(timeout 60 "$S" --dir "$T/shop-d1" complaint status "$K" concluded --finding unsubstantiated 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "the shop concerned cannot move the status"
assert_match "$ERR" "shop" "the refusal names the shop"
wait_json $W region-d 'j["statements"]' 1 complaint show "$K"
sv region-d complaint status "$K" concluded --finding substantiated --remedy "免费清洗并补偿" >/dev/null
sv region-d complaint status "$K" confirmed >/dev/null
sv region-d complaint status "$K" closed >/dev/null
expect_eq "$(queue complaints)" "[]" "closed: the complaints queue is empty"
expect_eq "$(jget region-d 'j["shop_substantiated_in_month"]' complaint show "$K")" 1 \
	"one substantiated complaint against shop-d1 this month"

section "5. HQ holds all of it; the other shop holds nothing of the complaint"
wait_json $W hq '(j["status"], j["notes"], j["statements"])' "('closed', 1, 1)" complaint show "$K"
wait_json $W hq '(j["callback_state"], j["callback_attempts"], j["callback"]["satisfaction"])' \
	"('reached', 2, 2)" ticket show "$TA"
wait_json $W hq 'j["status"]' closed ticket show "$CS"
wait_json $W hq 'j["status"]' assigned ticket show "$TB"
wait_json $W shop-d1 'j["status"]' closed complaint show "$K"
for n in shop-d1 shop-d2; do
	[ -s "$T/$n/data.mdb" ] || fail "no store at $T/$n/data.mdb"
	python3 - "$T/$n/data.mdb" <<'PY' || fail "$n holds the investigation note"
import sys
sys.exit(1 if "ComplaintNoteMarker".encode() in open(sys.argv[1], "rb").read() else 0)
PY
done
expect_eq "$(jget shop-d2 'len(j)' complaint list)" 0 "shop-d2 lists no complaint"
ok

net_done

#!/usr/bin/env bash
# cli_claim_lines: claim lines by labor operation, travel band and part
# price, per-line decisions and claim versions, across live daemons (HQ,
# region-e, shop-a).
#
#  1. HQ publishes labor operations, the labor rate of grade B, travel bands
#     and a part's price history; they reach the shop. Bad input (a shop's
#     operation, 0 minutes, a grade D, a price for a part not in the
#     catalog) is refused, one line each, nothing stored.
#  2. The shop works two tickets on one unit (the second within 30 days of
#     the first) and claims the second with operation codes (one over the
#     card), a free labor amount, a part at the price in force when it was
#     consumed, and a distance beyond the last band. An unknown operation,
#     an operation of another category and a line over the ceiling are
#     refused at the desk.
#  3. The region sees the flags, audits with a proposed cut, and its desk
#     records the repeat repair (the first ticket).
#  4. HQ approving a flagged line in full without a reason is refused; its
#     per-line approval (a line cut to 0, the rest by proposal or in full)
#     makes the claim partially_approved for the sum, with the operator.
#  5. A second claim is returned and resubmitted as a new version; HQ
#     rejects one line; `claim history` shows every version.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_claim_lines

W=20
net_hq hq
net_region region-e
net_shop shop-a region-e
start_all
wait_json $W shop-a '"shop-a" in [n["node"] for n in j]' True node list

section "1. HQ publishes operations, rates, bands and prices"
sv hq model add AC-35 --category aircon >/dev/null
sv hq region grade region-e B >/dev/null
sv hq labor add AC-R01 --category aircon --minutes 60 --text "更换压缩机" >/dev/null
sv hq labor add AC-G01 --category aircon --minutes 30 --text "加注冷媒" >/dev/null
sv hq labor add WM-R01 --category washer --minutes 45 --text "更换排水泵" >/dev/null
sv hq labor rate B --fen-per-hour 6000 >/dev/null
sv hq travel band 30 --fen 5000 >/dev/null
sv hq travel band 10 --fen 2000 >/dev/null
sv hq catalog add CMP-35 --name "Compressor 压缩机" --price 48000 >/dev/null
sv hq catalog price CMP-35 --fen 45000 --from 2020-01-01 >/dev/null
sv hq catalog price CMP-35 --fen 99000 --from 2099-01-01 >/dev/null
refused "an operation of 0 minutes" 2 "^svcsync: labor add: --minutes: 0 is outside 1..3000" \
	hq labor add AC-X --category aircon --minutes 0 --text x
refused "a grade D" 2 "GRADE: 'D' is not A, B or C" hq labor rate D --fen-per-hour 1
refused "a price for a part not in the catalog" 1 "^svcsync: unknown part" \
	hq catalog price NOPE-1 --fen 1 --from 2026-01-01
refused "a shop's operation" 1 "^svcsync: shop shop-a may not edit the labor operations \\(HQ only\\)\$" \
	shop-a labor add AC-X --category aircon --minutes 10 --text x
refused "a shop's travel band" 1 "may not set labor rates and travel bands \\(HQ only\\)\$" \
	shop-a travel band 50 --fen 1
assert_eq "$(jget hq '[(p["price"]) for p in j["prices"]]' catalog show CMP-35)" "[45000, 99000]" \
	"the price history"
wait_json $W shop-a 'len(j)' 3 labor list
wait_json $W shop-a '[(b["max_km"], b["fen"]) for b in j]' "[(10, 2000), (30, 5000)]" travel bands
wait_json $W shop-a 'j["B"]' 6000 labor rates
wait_json $W shop-a 'len(j["prices"])' 2 catalog show CMP-35
assert_eq "$(jget shop-a '[o["code"] for o in j]' labor list --category aircon)" \
	"['AC-G01', 'AC-R01']" "labor list --category"

section "2. the shop claims by operation code, part price and distance"
sv hq part receive CMP-35 --qty 10 --ref PO-1 >/dev/null
X1=$(sv hq part transfer CMP-35 --qty 4 --to region-e)
wait_json $W region-e '[t["status"] for t in j if t["id"] == "'"$X1"'"]' "['in_transit']" part transfers
sv region-e part receive --transfer "$X1" >/dev/null
X2=$(sv region-e part transfer CMP-35 --qty 3 --to shop-a)
wait_json $W shop-a '[t["status"] for t in j if t["id"] == "'"$X2"'"]' "['in_transit']" part transfers
sv shop-a part receive --transfer "$X2" >/dev/null
ticket() { # SERIAL: a repair of an AC-35, worked to resolved
	local t
	t=$(sv shop-a ticket new --kind repair --customer "张三" --phone 13800138000 --product AC-35 \
		--model AC-35 --serial "$1" --purchased 2025-06-01 --fault "does not cool")
	sv shop-a ticket status "$t" accepted >/dev/null
	sv shop-a ticket status "$t" on_site >/dev/null
	echo "$t"
}
T0=$(ticket SN-CL-1)
sv shop-a ticket status "$T0" resolved >/dev/null
T1=$(ticket SN-CL-1)
sv shop-a part consume CMP-35 --qty 1 --ticket "$T1" >/dev/null
sv shop-a ticket status "$T1" resolved >/dev/null
refused "an unknown operation code" 1 "^svcsync: op: unknown labor operation XX-9 \\(not in HQ's list\\)\$" \
	shop-a claim submit --ticket "$T1" --op XX-9
refused "an operation of another category" 1 \
	"^svcsync: op: WM-R01 is an operation on washer, ticket $T1 is aircon\$" \
	shop-a claim submit --ticket "$T1" --op WM-R01
refused "a line over the ceiling" 1 \
	"^svcsync: other: 5000001 fen is over the ceiling of 5000000 fen per line \\(policy claim_line_max_fen\\)\$" \
	shop-a claim submit --ticket "$T1" --op AC-R01 --other 5000001
refused "a distance and a free travel amount" 1 "^svcsync: travel: give --distance-km or a free --travel amount, not both\$" \
	shop-a claim submit --ticket "$T1" --op AC-R01 --distance-km 5 --travel 100
refused "an operation without its code" 2 "--op: ':5' is not CODE or CODE:MINUTES" \
	shop-a claim submit --ticket "$T1" --op :5
C1=$(sv shop-a claim submit --ticket "$T1" --op AC-R01:90 --op AC-G01 --labor 1000 \
	--part CMP-35:1 --distance-km 45)
# 90 min x 60.00/h = 90.00 over the card; 30 min = 30.00; labor 10.00 free;
# the part at 450.00 (in force since 2020); 45 km: the last band, over the card
LINES='[(l["line"], l["kind"], l["what"], l["amount"], l["flags"]) for l in j["lines"]]'
WANT="[(1, 'op', 'AC-R01', 9000, ['over-card']), (2, 'op', 'AC-G01', 3000, []), (3, 'labor', None, 1000, ['free']), (4, 'part', 'CMP-35', 45000, []), (5, 'travel', None, 5000, ['over-card'])]"
assert_eq "$(jget shop-a "$LINES" claim show "$C1")" "$WANT" "the claim's lines at the shop"
assert_eq "$(jget shop-a 'j["total"]' claim show "$C1")" 63000 "the total"
assert_match "$(sv shop-a claim show "$C1")" "1  op +AC-R01 +90min +90.00  over-card" "claim show numbers the lines"

section "3. the region sees the flags, proposes a cut, records the repeat repair"
wait_json $W region-e "$LINES" "$WANT" claim show "$C1"
wait_json $W region-e 'j["status"]' resolved ticket show "$T0"
out=$(sv region-e claim audit "$C1" --line 1 --amount 6000 --reason "标准工时60分钟")
assert_match "$out" "repeat repair \\($T0 on the same unit within 30 days\\)" "the desk finds the repeat repair"
assert_eq "$(jget region-e '[l["flags"] for l in j["lines"]][:3], j["repeat_of"], j["lines"][0]["proposed"]' claim show "$C1")" \
	"([['over-card', 'repeat-repair'], ['repeat-repair'], ['free', 'repeat-repair']], '$T0', 6000)" \
	"the region's flags and proposal"
assert_match "$(sv region-e claim show "$C1")" "repeat repair  $T0" "claim show: the repeat repair"
assert_match "$(sv region-e claim list --status audited)" "$C1 .* over-card,free,repeat-repair" \
	"the region's audit list shows the flags"

section "4. HQ decides line by line"
wait_json $W hq 'j["status"]' audited claim show "$C1"
refused "a flagged line in full without a reason" 1 \
	"^svcsync: claim $C1: line 2 is flagged \\(repeat-repair\\): approving it in full needs a reason\$" \
	hq claim approve "$C1"
refused "a line that is not there" 1 "^svcsync: line: 9 is not a line of $C1 \\(1..5\\)\$" \
	hq claim approve "$C1" --line 9 --amount 1
refused "a line above its amount" 1 "line 4: 45001 fen is outside 0..45000" \
	hq claim approve "$C1" --line 4 --amount 45001
refused "a line without an amount" 2 "--line 2: --amount FEN is required" \
	hq claim approve "$C1" --line 2
refused "a region's approval" 1 "may not approve claims \\(HQ only\\)" \
	region-e claim approve "$C1" --reason x
SVCSYNC_OPERATOR="王经理" sv hq claim approve "$C1" --line 2 --amount 3000 --reason "复修已核实" \
	--line 3 --amount 0 --line 5 --amount 5000 --reason "偏远地区" >/dev/null
assert_eq "$(jget hq 'j["status"], j["approved"], [l["approved"] for l in j["lines"]], j["decided_op"]' claim show "$C1")" \
	"('partially_approved', 59000, [6000, 3000, 0, 45000, 5000], '王经理')" "approved line by line"
wait_json $W shop-a 'j["status"], j["approved"]' "('partially_approved', 59000)" claim show "$C1"

section "5. a return and a resubmission are versions; a line rejected"
T2=$(ticket SN-CL-2)
sv shop-a ticket status "$T2" resolved >/dev/null
C2=$(sv shop-a claim submit --ticket "$T2" --op AC-R01 --distance-km 5)
wait_json $W region-e 'j["total"]' 8000 claim show "$C2"
sv region-e claim return "$C2" --reason "距离有误" >/dev/null
wait_json $W shop-a 'j["status"]' returned claim show "$C2"
C2b=$(sv shop-a claim submit --ticket "$T2" --op AC-R01 --distance-km 20)
assert_eq "$C2b" "$C2" "the resubmission is the same claim"
wait_json $W region-e 'j["revision"], j["total"]' "(2, 11000)" claim show "$C2"
sv region-e claim audit "$C2" >/dev/null
wait_json $W hq 'j["status"]' audited claim show "$C2"
refused "a rejected line without a reason" 1 "reason: line 2 is rejected without a reason" \
	hq claim reject "$C2" --line 2
sv hq claim reject "$C2" --line 2 --reason "路程不符" >/dev/null
assert_eq "$(jget hq 'j["status"], j["approved"]' claim show "$C2")" "('partially_approved', 6000)" \
	"one line rejected, the rest approved"
wait_json $W shop-a 'len(j)' 5 claim history "$C2"
assert_eq "$(jget shop-a '[(v["version"], v["change"], v["claim"]["revision"], v["claim"]["total"]) for v in j]' claim history "$C2")" \
	"[(1, 'submission', 1, 8000), (2, 'return', 1, 8000), (3, 'resubmission', 2, 11000), (4, 'audit', 2, 11000), (5, 'reject', 2, 11000)]" \
	"every version"
assert_eq "$(jget shop-a '[d["reason"] for d in j[4]["decisions"]], j[4]["claim"]["lines"][1]["approved"]' claim history "$C2")" \
	"(['路程不符'], 0)" "the rejected line's reason in the history"
out=$(sv shop-a claim history "$C2")
assert_match "$out" "version 3  .*resubmission by shop-a" "claim history: the resubmission"
assert_match "$out" "line 2: 0.00  路程不符" "claim history: the line decision"

net_done

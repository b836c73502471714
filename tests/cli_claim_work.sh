#!/usr/bin/env bash
# cli_claim_work: a claim's part lines against the parts consumed on its
# ticket, across live daemons (HQ, region-e, shop-a).
#
#  1. shop-a consumes one CMP-35 on a ticket and claims five: refused at the
#     desk with one line naming the part, what was claimed and consumed;
#     nothing written.
#  2. A consumption recorded by mistake is reversed, not deleted
#     (part consume --qty -N --reason): stock comes back, both moves stay on
#     record; a reversal needs its reason and never goes below zero; a claim
#     of what was reversed is refused; one of what is left is accepted, and
#     the region's fold (its own copy of the moves) accepts it too. A standing
#     claim's parts cannot be reversed away.
#  3. Ceilings: a line over the policy's claim_line_max_fen, a claim over
#     claim_max_fen, and 10^13 yuan are refused, one line each.
#  4. Out-of-warranty work: a ticket out of warranty is charged to the
#     customer (ticket charge); a claim on it is refused at the desk until HQ
#     allows it (claim allow, with a reason); a region's charge or leave, a
#     negative or over-cap amount and a leave without a reason are refused;
#     the claim made after HQ's leave stands at the region too.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_claim_work

W=20
net_hq hq
net_region region-e
net_shop shop-a region-e
start_all
wait_json $W shop-a '"shop-a" in [n["node"] for n in j]' True node list

section "parts reach the shop; a ticket is worked"
sv hq catalog add CMP-35 --name "Compressor 压缩机" --price 48000 >/dev/null
sv hq part receive CMP-35 --qty 20 --ref PO-1 >/dev/null
X1=$(sv hq part transfer CMP-35 --qty 10 --to region-e)
wait_json $W region-e '[t["status"] for t in j if t["id"] == "'"$X1"'"]' "['in_transit']" part transfers
sv region-e part receive --transfer "$X1" >/dev/null
X2=$(sv region-e part transfer CMP-35 --qty 6 --to shop-a)
wait_json $W shop-a '[t["status"] for t in j if t["id"] == "'"$X2"'"]' "['in_transit']" part transfers
sv shop-a part receive --transfer "$X2" >/dev/null
T1=$(sv shop-a ticket new --kind repair --customer "张三" --phone 13800138000 --product AC-35 \
	--serial SN-CW-1 --purchased 2025-06-01 --fault "does not cool")
T2=$(sv shop-a ticket new --kind repair --customer "李四" --phone 13900139000 --product AC-35 \
	--serial SN-CW-2 --purchased 2025-06-01 --fault "noisy")
for t in "$T1" "$T2"; do
	sv shop-a ticket status "$t" accepted >/dev/null
	sv shop-a ticket status "$t" on_site >/dev/null
	sv shop-a ticket status "$t" resolved >/dev/null
done

section "1. one consumed, five claimed: refused at the desk"
sv shop-a part consume CMP-35 --qty 1 --ticket "$T1" >/dev/null
refused "five claimed, one consumed" 1 \
	"^svcsync: part: CMP-35 x5 claimed, 1 consumed on $T1\$" \
	shop-a claim submit --ticket "$T1" --labor 8000 --part CMP-35:5
refused "a part never consumed on the ticket" 1 \
	"^svcsync: part: CMP-35 x1 claimed, 0 consumed on $T2\$" \
	shop-a claim submit --ticket "$T2" --labor 8000 --part CMP-35:1

section "2. a mistaken consumption is reversed"
sv shop-a part consume CMP-35 --qty 3 --ticket "$T2" >/dev/null
refused "a reversal without a reason" 2 "--reason is required with --qty -N" \
	shop-a part consume CMP-35 --qty -2 --ticket "$T2"
refused "a reason on a consumption" 2 "--reason is only for a reversal" \
	shop-a part consume CMP-35 --qty 2 --ticket "$T2" --reason why
refused "a reversal below zero" 1 \
	"^svcsync: qty: -4 would take CMP-35 below zero on $T2 \\(3 consumed there\\)\$" \
	shop-a part consume CMP-35 --qty -4 --ticket "$T2" --reason "booked twice"
assert_eq "$(sv shop-a part consume CMP-35 --qty -2 --ticket "$T2" --reason "booked twice")" \
	"reversed 2 x CMP-35 on $T2" "the reversal"
assert_eq "$(jget shop-a '[r["on_hand"] for r in j]' stock)" "[4]" "stock came back: 6 - 1 - 3 + 2"
refused "a claim of what was reversed" 1 \
	"^svcsync: part: CMP-35 x2 claimed, 1 consumed on $T2\$" \
	shop-a claim submit --ticket "$T2" --labor 8000 --part CMP-35:2
C2=$(sv shop-a claim submit --ticket "$T2" --labor 8000 --part CMP-35:1)
assert_match "$C2" "^C-shop-a-[0-9]+$" "the claim of what is left"
refused "reversing a standing claim's part" 1 \
	"^svcsync: qty: claim $C2 \\(submitted\\) claims CMP-35 x1 on $T2; a reversal would leave 0\$" \
	shop-a part consume CMP-35 --qty -1 --ticket "$T2" --reason "oops"
# The region folds the same moves and claim: the claim stands there too.
wait_json $W region-e 'j["status"], j["total"], [(p["part_no"], p["qty"]) for p in j["parts"]]' \
	"('submitted', 56000, [('CMP-35', 1)])" claim show "$C2"
sv region-e claim audit "$C2" >/dev/null
wait_json $W hq 'j["status"]' audited claim show "$C2"
assert_eq "$(sv hq stock --all --json | py '[r["on_hand"] for r in j if r["location"] == "shop-a"]')" \
	"[4]" "HQ's count of shop-a's stock, the reversal included"

section "3. ceilings"
refused "a line over claim_line_max_fen" 1 \
	"^svcsync: labor: 5000001 fen is over the ceiling of 5000000 fen per line \\(policy claim_line_max_fen\\)\$" \
	shop-a claim submit --ticket "$T1" --labor 5000001
refused "a claim over claim_max_fen" 1 \
	"^svcsync: total: 12000000 fen is over the ceiling of 10000000 fen per claim \\(policy claim_max_fen\\)\$" \
	shop-a claim submit --ticket "$T1" --labor 4000000 --travel 4000000 --other 4000000
refused "10^13 yuan" 1 \
	"^svcsync: total: 1000000000000000 fen is over the ceiling of 10000000 fen per claim" \
	shop-a claim submit --ticket "$T1" --labor 1000000000000000
C1=$(sv shop-a claim submit --ticket "$T1" --labor 8000 --part CMP-35:1 --travel 1500)
wait_json $W region-e 'j["status"], j["total"]' "('submitted', 57500)" claim show "$C1"

section "4. out-of-warranty work: a customer charge, and HQ's leave to claim"
T3=$(sv shop-a ticket new --kind repair --customer "王五" --phone 13700137000 --product AC-35 \
	--serial SN-CW-3 --purchased 2019-03-01 --fault "leaks")
assert_eq "$(jget shop-a 'j["warranty"], j["charge_fen"]' ticket show "$T3")" \
	"('out (customer-paid)', 0)" "judged out of warranty at opening"
for st in accepted on_site resolved; do sv shop-a ticket status "$T3" $st >/dev/null; done
sv shop-a part consume CMP-35 --qty 1 --ticket "$T3" >/dev/null
refused "a claim on customer-paid work" 1 \
	"^svcsync: ticket $T3: customer-paid \\(out of warranty\\); a claim needs HQ's leave \\(claim allow\\)\$" \
	shop-a claim submit --ticket "$T3" --labor 5000
refused "a negative charge" 1 "^svcsync: labor: -5 fen is negative\$" \
	shop-a ticket charge "$T3" --labor -5
refused "a charge over the cap" 1 \
	"^svcsync: .*labor: 1000000001 fen is over the ceiling of 1000000000 fen" \
	shop-a ticket charge "$T3" --labor 1000000001
assert_eq "$(sv shop-a ticket charge "$T3" --labor 5000 --part CMP-35:1 --travel 1000)" \
	"$T3 charged to the customer: 54000 fen" "the charge"
assert_eq "$(jget shop-a 'j["charge_fen"], j["charges"], j["customer_paid"]' ticket show "$T3")" \
	"(54000, 1, True)" "the ticket's charges"
assert_match "$(sv shop-a ticket show "$T3")" "charged +54000 fen to the customer \\(1 charge\\)" \
	"ticket show: the charges"
wait_json $W region-e 'j["charge_fen"]' 54000 ticket show "$T3"
refused "a region's charge" 1 \
	"^svcsync: charge: only the ticket's assigned shop charges the customer \\(this node is region region-e\\)\$" \
	region-e ticket charge "$T3" --labor 100
refused "a region's leave" 1 \
	"^svcsync: region region-e may not allow claims on customer-paid tickets \\(HQ only\\)\$" \
	region-e claim allow "$T3" --reason "厂家承担"
wait_json $W hq 'j["charge_fen"]' 54000 ticket show "$T3"
refused "a leave without a reason" 2 "--reason" hq claim allow "$T3"
assert_eq "$(sv hq claim allow "$T3" --reason "批次缺陷，厂家承担")" "claims allowed on $T3" "HQ's leave"
wait_json $W shop-a 'j["claim_allowed_by"], j["claim_allow_reason"]' "('hq', '批次缺陷，厂家承担')" \
	ticket show "$T3"
C3=$(sv shop-a claim submit --ticket "$T3" --labor 5000 --part CMP-35:1)
assert_match "$C3" "^C-shop-a-[0-9]+$" "the claim after HQ's leave"
wait_json $W region-e 'j["status"], j["total"]' "('submitted', 53000)" claim show "$C3"

net_done

#!/usr/bin/env bash
# cli_ledger: a shop's month from claims to payment, its statement and its
# ledger, across live daemons (HQ, region-e, shop-a).
#
#  1. shop-a claims three tickets (parts and labor); region-e audits; HQ
#     approves one in full, one in part (cut) and rejects one.
#  2. The statement (HQ, the region, the shop alike): submitted, approved,
#     cut, rejected, nothing paid, all outstanding; --csv opens with a UTF-8
#     byte order mark. Bad input: a month not YYYY-MM, an unknown shop, a
#     payment run for a month with nothing approved, a shop paying; each one
#     line and nothing stored.
#  3. One payment run pays both approved claims for their approved amounts
#     (one change); the statement says paid at every node; a second run for
#     the month finds nothing left.
#  4. The shop confirms with its invoice number; a second confirmation and the
#     region's are refused; the confirmation shows at HQ.
#  5. HQ deducts with a reason; the ledger's entries and balance (credits,
#     payments, the deduction) agree at HQ and at the shop.
#  6. pay_require_two: with the policy in force (two days on, faketime), the
#     approver's own run is refused, another operator's is recorded.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3; libfaketime for part 6.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_ledger

W=20
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-b region-e
start_all
wait_json $W shop-a '"shop-b" in [n["node"] for n in j]' True node list

# The month HQ approves in, in the network's zone.
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)

section "1. a shop's month of claims"
sv hq catalog add CMP-35 --name "Compressor 压缩机" --price 48000 >/dev/null
sv hq part receive CMP-35 --qty 10 --ref PO-1 >/dev/null
X1=$(sv hq part transfer CMP-35 --qty 5 --to region-e)
wait_json $W region-e '[t["status"] for t in j if t["id"] == "'"$X1"'"]' "['in_transit']" part transfers
sv region-e part receive --transfer "$X1" >/dev/null
X2=$(sv region-e part transfer CMP-35 --qty 3 --to shop-a)
wait_json $W shop-a '[t["status"] for t in j if t["id"] == "'"$X2"'"]' "['in_transit']" part transfers
sv shop-a part receive --transfer "$X2" >/dev/null
declare -a TK
for i in 1 2 3 4; do
	TK[$i]=$(sv shop-a ticket new --kind repair --customer "客户$i" --phone "1380013800$i" \
		--product AC-35 --serial "SN-LG-$i" --purchased 2025-06-01 --fault "不制冷")
	for st in accepted on_site resolved; do sv shop-a ticket status "${TK[$i]}" $st >/dev/null; done
done
sv shop-a part consume CMP-35 --qty 1 --ticket "${TK[1]}" >/dev/null
C1=$(sv shop-a claim submit --ticket "${TK[1]}" --labor 8000 --part CMP-35:1)
C2=$(sv shop-a claim submit --ticket "${TK[2]}" --labor 10000 --travel 2000)
C3=$(sv shop-a claim submit --ticket "${TK[3]}" --labor 5000)
for c in "$C1" "$C2" "$C3"; do
	wait_json $W region-e 'j["status"]' submitted claim show "$c"
	sv region-e claim audit "$c" >/dev/null
	wait_json $W hq 'j["status"]' audited claim show "$c"
done
sv hq claim approve "$C1" --reason "工时已核" >/dev/null
sv hq claim approve "$C2" --amount 9000 --reason "路费超标" >/dev/null
sv hq claim reject "$C3" --reason "重复报单" >/dev/null

section "2. the statement before payment"
SUMMARY='(j["submitted"]["claims"], j["approved"]["claims"], j["approved"]["partially"], j["approved"]["fen"], j["cut_fen"], j["rejected"]["claims"], j["paid"]["claims"], j["outstanding"]["claims"], j["outstanding"]["fen"], j["closing_fen"])'
assert_eq "$(jget hq "$SUMMARY" statement --shop shop-a --month "$MONTH")" \
	"(3, 2, 1, 65000, 3000, 1, 0, 2, 65000, 65000)" "HQ's statement"
wait_json $W region-e "$SUMMARY" "(3, 2, 1, 65000, 3000, 1, 0, 2, 65000, 65000)" \
	statement --shop shop-a --month "$MONTH"
wait_json $W shop-a "$SUMMARY" "(3, 2, 1, 65000, 3000, 1, 0, 2, 65000, 65000)" \
	statement --shop shop-a --month "$MONTH"
assert_eq "$(sv hq statement --shop shop-a --month "$MONTH" --csv | head -c 3 | od -An -tx1 | tr -d ' ')" \
	"efbbbf" "the CSV opens with a UTF-8 byte order mark"
assert_match "$(sv hq statement --shop shop-a --month "$MONTH" --csv)" "$C2,partially_approved,120.00,90.00," \
	"the CSV's claim rows"
TEXT=$(sv hq statement --shop shop-a --month "$MONTH")
assert_match "$TEXT" "cut +30.00" "the text statement: the cut"
assert_match "$TEXT" "confirmed +no" "the text statement: not confirmed"
refused "a month not YYYY-MM" 1 "^svcsync: month: '2026-13' is not a month \\(YYYY-MM" \
	hq statement --shop shop-a --month 2026-13
refused "an unknown shop" 1 "^svcsync: shop: unknown shop shop-zz " \
	hq statement --shop shop-zz --month "$MONTH"
refused "a run for a month with nothing approved" 1 \
	"^svcsync: month: shop shop-a has no approved claim left to pay for 2020-01\$" \
	hq claim pay --shop shop-a --month 2020-01 --ref BANK-0
refused "a run for an unknown shop" 1 "^svcsync: shop: unknown shop shop-zz " \
	hq claim pay --shop shop-zz --month "$MONTH" --ref BANK-0
refused "a run with a bad month" 1 "^svcsync: month: '12-2026' is not a month" \
	hq claim pay --shop shop-a --month 12-2026 --ref BANK-0
refused "the shop paying" 1 "^svcsync: shop shop-a may not pay claims \\(HQ only\\)\$" \
	shop-a claim pay --shop shop-a --month "$MONTH" --ref BANK-0
refused "another shop's statement at a shop" 1 \
	"^svcsync: shop: shop shop-b holds only its own ledger, not shop-a's\$" \
	shop-b statement --shop shop-a --month "$MONTH"

section "3. one payment run"
OUT=$(sv hq claim pay --shop shop-a --month "$MONTH" --ref BANK-1)
assert_eq "$OUT" "paid 2 claims of shop-a for $MONTH: 650.00 yuan in 1 run (BANK-1)" "the run"
assert_eq "$(jget hq '[(c["kind"], c["aggregate"]) for c in j if c["kind"] == "claim.pay_run"]' log)" \
	"[('claim.pay_run', 'Y:shop-a/$MONTH')]" "one change for the run"
assert_match "$(sv hq log)" "payment run BANK-1: 2 claims, 650.00" "the run in the log"
PAID='(j["paid"]["claims"], j["paid"]["fen"], j["outstanding"]["claims"], sorted((c["id"], c["paid_ref"]) for c in j["claims"]), [(r["ref"], r["claims"], r["fen"]) for r in j["runs"]])'
WANT=$(python3 -c "print(repr((2, 65000, 0, sorted([('$C1', 'BANK-1'), ('$C2', 'BANK-1'), ('$C3', None)]), [('BANK-1', 2, 65000)])))")
assert_eq "$(jget hq "$PAID" statement --shop shop-a --month "$MONTH")" "$WANT" "paid at HQ"
wait_json $W region-e "$PAID" "$WANT" statement --shop shop-a --month "$MONTH"
wait_json $W shop-a "$PAID" "$WANT" statement --shop shop-a --month "$MONTH"
refused "a second run for the month" 1 \
	"^svcsync: month: shop shop-a has no approved claim left to pay for $MONTH\$" \
	hq claim pay --shop shop-a --month "$MONTH" --ref BANK-1B

section "4. the shop confirms, once"
assert_eq "$(sv shop-a statement confirm --shop shop-a --month "$MONTH" --invoice "发票 44031234")" \
	"statement of shop-a for $MONTH confirmed with invoice 发票 44031234" "the confirmation"
refused "confirmed twice" 1 \
	"^svcsync: statement Y:shop-a/$MONTH: already confirmed with invoice 发票 44031234\$" \
	shop-a statement confirm --shop shop-a --month "$MONTH" --invoice "44031235"
refused "the region confirming" 1 "may not confirm shop shop-a's statement \\(the shop does\\)" \
	region-e statement confirm --shop shop-a --month "$MONTH" --invoice X
wait_json $W hq 'j["confirmation"]["invoice"]' "发票 44031234" statement --shop shop-a --month "$MONTH"

section "5. a deduction, and the ledger"
refused "a deduction without a reason" 2 "--reason" \
	hq ledger deduct --shop shop-a --month "$MONTH" --fen 1000
refused "a shop deducting" 1 "^svcsync: shop shop-a may not deduct from a shop's ledger \\(HQ only\\)\$" \
	shop-a ledger deduct --shop shop-a --month "$MONTH" --fen 1000 --reason x
assert_eq "$(sv hq ledger deduct --shop shop-a --month "$MONTH" --fen 1000 --reason "虚报工时")" \
	"deducted 10.00 yuan from shop-a in $MONTH" "the deduction"
LEDGER='(sorted(e["kind"] for e in j["entries"]), j["balance_fen"])'
LWANT="(['credit', 'credit', 'deduction', 'payment', 'payment'], -1000)"
assert_eq "$(jget hq "$LEDGER" ledger --shop shop-a)" "$LWANT" "HQ's ledger of shop-a"
wait_json $W shop-a "$LEDGER" "$LWANT" ledger --shop shop-a
assert_match "$(sv shop-a ledger --shop shop-a)" "balance -10.00 yuan \\(what HQ owes shop-a\\)" \
	"the balance line"
wait_json $W shop-a '(j["deductions_fen"], j["closing_fen"])' "(1000, -1000)" \
	statement --shop shop-a --month "$MONTH"

section "6. pay_require_two"
if need_faketime; then
	day() { TZ=Asia/Shanghai date -d "$1" +%F; }
	sv hq policy set pay_require_two=yes --from "$(day tomorrow)" >/dev/null
	sv shop-a part consume CMP-35 --qty 1 --ticket "${TK[4]}" >/dev/null
	C4=$(sv shop-a claim submit --ticket "${TK[4]}" --labor 6000 --part CMP-35:1)
	wait_json $W region-e 'j["status"]' submitted claim show "$C4"
	sv region-e claim audit "$C4" >/dev/null
	wait_json $W hq 'j["status"]' audited claim show "$C4"
	sv hq --operator "王审核" claim approve "$C4" --reason "工时已核" >/dev/null
	before=$(lsn hq)
	rc=0
	ERR=$(timeout 60 env LD_PRELOAD="$SEC_PRELOAD" FAKETIME=+2d FAKETIME_DONT_FAKE_MONOTONIC=1 \
		"$S" --dir "$T/hq" --operator "王审核" claim pay --shop shop-a --month "$MONTH" \
		--ref BANK-2 2>&1 >/dev/null) || rc=$?
	assert_eq "$rc" 1 "the approver paying: exit status"
	assert_match "$ERR" "^svcsync: .*claim $C4: approved by 王审核, and the policy \\(pay_require_two\\) wants another operator to pay it\$" \
		"the approver paying"
	assert_eq "$(lsn hq)" "$before" "the approver paying: nothing stored"
	OUT=$(fk +2d hq --operator "李出纳" claim pay --shop shop-a --month "$MONTH" --ref BANK-2)
	assert_eq "$OUT" "paid 1 claim of shop-a for $MONTH: 540.00 yuan in 1 run (BANK-2)" \
		"another operator's run"
	wait_json $W shop-a '[(r["ref"], r["by"], r["claims"]) for r in j["runs"] if r["ref"] == "BANK-2"]' \
		"[('BANK-2', '李出纳', 1)]" statement --shop shop-a --month "$MONTH"
fi

net_done

#!/usr/bin/env bash
# cli_claim_month: a shop's month of settlement, end to end across live
# daemons (HQ, region-e, shop-a).
#
#  1. HQ publishes the rate card: labor operations with standard times, the
#     labor rate of the region's grade, travel bands, a compressor's price
#     history and its old-part flag.
#  2. shop-a works three tickets and claims them by operation code, with the
#     compressor at the price in force when it was consumed, travel by
#     distance, and one free labor amount (flagged).
#  3. region-e audits: its list shows the flags; it cuts the free line.
#  4. HQ decides per line: one approved in full, one at the region's cut,
#     one rejected.
#  5. The compressor's claim is held from payment until its old part is
#     back: shipped by the shop, inspected and forwarded by the region,
#     received at HQ; what is owed agrees at every level meanwhile.
#  6. A second run pays it once the part is back; the statement shows submitted,
#     approved, cut, rejected and paid alike at HQ, region and shop; the shop
#     confirms it with its invoice number, once; the ledger's balance is 0.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_claim_month

W=20
net_hq hq
net_region region-e
net_shop shop-a region-e
start_all
wait_json $W shop-a '"shop-a" in [n["node"] for n in j]' True node list
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)

section "1. HQ's rate card"
sv hq model add AC-35 --category aircon >/dev/null
sv hq region grade region-e B >/dev/null
sv hq labor add AC-R01 --category aircon --minutes 120 --text "更换压缩机" >/dev/null
sv hq labor add AC-G01 --category aircon --minutes 30 --text "加注冷媒" >/dev/null
sv hq labor rate B --fen-per-hour 6000 >/dev/null
sv hq travel band 10 --fen 2000 >/dev/null
sv hq travel band 30 --fen 5000 >/dev/null
sv hq catalog add CMP-35 --name "压缩机 35" --price 48000 --return-old yes >/dev/null
sv hq catalog price CMP-35 --fen 45000 --from 2020-01-01 >/dev/null
sv hq part receive CMP-35 --qty 4 --ref PO-1 >/dev/null
X1=$(sv hq part transfer CMP-35 --qty 2 --to region-e)
wait_json $W region-e '[t["status"] for t in j if t["id"] == "'"$X1"'"]' "['in_transit']" part transfers
sv region-e part receive --transfer "$X1" >/dev/null
X2=$(sv region-e part transfer CMP-35 --qty 2 --to shop-a)
wait_json $W shop-a '[t["status"] for t in j if t["id"] == "'"$X2"'"]' "['in_transit']" part transfers
sv shop-a part receive --transfer "$X2" >/dev/null
wait_json $W shop-a 'j["B"]' 6000 labor rates
wait_json $W shop-a 'len(j)' 2 travel bands

section "2. the shop's work and its claims"
for i in 1 2 3; do
	TK[$i]=$(sv shop-a ticket new --kind repair --customer "客户$i" --phone "1390013900$i" \
		--product AC-35 --model AC-35 --serial "SN-MO-$i" --purchased "$(date -d '-6 months' +%F)" \
		--fault "不制冷")
	for st in accepted on_site resolved; do sv shop-a ticket status "${TK[$i]}" $st >/dev/null; done
done
sv shop-a part consume CMP-35 --qty 1 --ticket "${TK[1]}" >/dev/null
refused "an operation HQ never published" 1 "^svcsync: op: unknown labor operation AC-Z9 " \
	shop-a claim submit --ticket "${TK[1]}" --op AC-Z9
refused "two compressors claimed, one used" 1 "^svcsync: part: CMP-35 x2 claimed, 1 consumed on ${TK[1]}\$" \
	shop-a claim submit --ticket "${TK[1]}" --op AC-R01 --part CMP-35:2
C1=$(sv shop-a claim submit --ticket "${TK[1]}" --op AC-R01 --part CMP-35:1 --distance-km 12)
C2=$(sv shop-a claim submit --ticket "${TK[2]}" --op AC-G01 --labor 1500)
C3=$(sv shop-a claim submit --ticket "${TK[3]}" --op AC-G01)
LINES='[(l["kind"], l["what"], l["amount"], l["flags"]) for l in j["lines"]]'
# 120 min at 60.00/h; the compressor at 450.00 (in force since 2020); 12 km: the 30 km band
assert_eq "$(jget shop-a "$LINES, j[\"total\"]" claim show "$C1")" \
	"([('op', 'AC-R01', 12000, []), ('part', 'CMP-35', 45000, []), ('travel', None, 5000, [])], 62000)" \
	"the compressor claim's lines"
assert_eq "$(jget shop-a "$LINES" claim show "$C2")" \
	"[('op', 'AC-G01', 3000, []), ('labor', None, 1500, ['free'])]" "a free labor line is flagged"

section "3. the region audits"
for c in "$C1" "$C2" "$C3"; do wait_json $W region-e 'j["status"]' submitted claim show "$c"; done
sv region-e claim audit "$C1" >/dev/null
sv region-e claim audit "$C2" --line 2 --amount 500 --reason "辅助工时按标准" >/dev/null
sv region-e claim audit "$C3" >/dev/null
assert_match "$(sv region-e claim list --status audited)" "$C2 .* free" "the audit list shows the flag"
assert_eq "$(jget region-e 'j["lines"][1]["proposed"]' claim show "$C2")" 500 "the region's cut"

section "4. HQ decides line by line"
for c in "$C1" "$C2" "$C3"; do wait_json $W hq 'j["status"]' audited claim show "$c"; done
refused "a claim rejected without a reason" 1 "reason" hq claim reject "$C3"
sv hq claim approve "$C1" >/dev/null
sv hq claim approve "$C2" >/dev/null
sv hq claim reject "$C3" --reason "重复报单" >/dev/null
assert_eq "$(jget hq 'j["status"], j["approved"]' claim show "$C1")" "('approved', 62000)" "C1 in full"
assert_eq "$(jget hq 'j["status"], j["approved"], [l["approved"] for l in j["lines"]]' claim show "$C2")" \
	"('partially_approved', 3500, [3000, 500])" "C2 at the region's cut"
assert_eq "$(jget hq 'j["status"]' claim show "$C3")" rejected "C3 rejected"

section "5. the old compressor comes back before its claim is paid"
OWED='[(r["part_no"], r["claimed"], r["owed"]) for r in j]'
for n in hq region-e shop-a; do
	wait_json $W $n "$OWED" "[('CMP-35', 1, 1)]" part returns --outstanding --shop shop-a
done
OUT=$(sv hq claim pay --shop shop-a --month "$MONTH" --ref HOLD-1)
assert_eq "$OUT" "paid 1 claim of shop-a for $MONTH: 35.00 yuan in 1 run (HOLD-1)
1 claim held until its old parts are back" "the compressor claim waits for its old part"
R1=$(sv shop-a part return CMP-35 --qty 1 --ticket "${TK[1]}")
wait_json $W region-e '[r["state"] for r in j if r["id"] == "'"$R1"'"]' "['in_transit']" part returns
sv region-e part receive --return "$R1" >/dev/null
sv region-e part forward "$R1" >/dev/null
wait_json $W hq '[r["state"] for r in j if r["id"] == "'"$R1"'"]' "['forwarded']" part returns
sv hq part receive --return "$R1" >/dev/null
for n in hq region-e shop-a; do
	wait_json $W $n "$OWED" "[('CMP-35', 1, 0)]" part returns --outstanding --shop shop-a
done

section "6. the next run, the statement and its confirmation"
assert_eq "$(sv hq claim pay --shop shop-a --month "$MONTH" --ref BANK-1)" \
	"paid 1 claim of shop-a for $MONTH: 620.00 yuan in 1 run (BANK-1)" "the next run pays what came back"
SUMMARY='(j["submitted"]["claims"], j["approved"]["claims"], j["approved"]["fen"], j["cut_fen"], j["rejected"]["claims"], j["paid"]["claims"], j["paid"]["fen"], j["outstanding"]["claims"], j["closing_fen"])'
WANT="(3, 2, 65500, 1000, 1, 2, 65500, 0, 0)"
for n in hq region-e shop-a; do
	wait_json $W $n "$SUMMARY" "$WANT" statement --shop shop-a --month "$MONTH"
done
assert_eq "$(sv shop-a statement confirm --shop shop-a --month "$MONTH" --invoice "NO.0042 发票")" \
	"statement of shop-a for $MONTH confirmed with invoice NO.0042 发票" "the confirmation"
refused "a statement confirmed twice" 1 "already confirmed with invoice NO.0042 发票\$" \
	shop-a statement confirm --shop shop-a --month "$MONTH" --invoice "NO.0043"
wait_json $W hq 'j["confirmation"]["invoice"]' "NO.0042 发票" statement --shop shop-a --month "$MONTH"
assert_eq "$(jget hq 'j["balance_fen"]' ledger --shop shop-a)" 0 "HQ owes shop-a nothing more"
PAIDL='sorted((c["id"], c["paid"], c["pay_ref"]) for c in j)'
WANTL=$(python3 -c "print(repr(sorted([('$C1', True, 'BANK-1'), ('$C2', True, 'HOLD-1'), ('$C3', False, '')])))")
wait_json $W shop-a "$PAIDL" "$WANTL" claim list
assert_match "$(sv shop-a claim list)" "$C1 .* paid " "claim list says paid"

net_done

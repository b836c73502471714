#!/usr/bin/env bash
# cli_old_parts: old parts back to the factory, as two-phase shipments,
# across live daemons (HQ, region-e, shop-a).
#
#  1. HQ flags CMP-35 return_old; a later put that does not name the flag
#     keeps it; catalog show and list say so.
#  2. shop-a consumes 2 CMP-35 on a ticket: returning 3 is refused at the
#     desk with one line (what was consumed and returned before), returning
#     2 ships them to the region (defective 2 at the shop); a reversal that
#     would leave fewer consumed than returned is refused.
#  3. The region receives the 2 in transit, 1 rejected at inspection with a
#     reason, and forwards the 1 accepted; HQ receives it. A shop cannot
#     receive, nothing is received or forwarded twice, HQ cannot reject, a
#     rejection needs its reason: one line each, nothing stored.
#  4. Claims on two tickets are approved: the old parts owed per shop and
#     part (claim lines less what the region accepted), with the due date
#     (approval + old_part_days), are the same at the shop, the region and
#     HQ; HQ waives one ticket's (creating its record), and all three agree
#     on what is left.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_old_parts

W=20
net_hq hq
net_region region-e
net_shop shop-a region-e
start_all
wait_json $W shop-a '"shop-a" in [n["node"] for n in j]' True node list

section "1. the catalog flags the parts whose old part comes back"
sv hq catalog add CMP-35 --name "Compressor 压缩机" --price 48000 --return-old yes >/dev/null
sv hq catalog add FLT-1 --name "Filter" --price 1500 >/dev/null
sv hq catalog add CMP-35 --name "Compressor 压缩机" --price 49000 >/dev/null
assert_eq "$(jget hq 'j["price"], j["return_old"]' catalog show CMP-35)" "(49000, True)" \
	"a put that does not name the flag keeps it"
refused "a flag neither yes nor no" 2 "--return-old: 'maybe' is neither yes nor no" \
	hq catalog set FLT-1 --return-old maybe
wait_json $W shop-a '[(p["part_no"], p["return_old"]) for p in j]' \
	"[('CMP-35', True), ('FLT-1', False)]" catalog list
assert_match "$(sv shop-a catalog show CMP-35)" "return old: +yes" "catalog show"

section "parts reach the shop; two tickets are worked"
sv hq part receive CMP-35 --qty 20 --ref PO-1 >/dev/null
X1=$(sv hq part transfer CMP-35 --qty 10 --to region-e)
wait_json $W region-e '[t["status"] for t in j if t["id"] == "'"$X1"'"]' "['in_transit']" part transfers
sv region-e part receive --transfer "$X1" >/dev/null
X2=$(sv region-e part transfer CMP-35 --qty 6 --to shop-a)
wait_json $W shop-a '[t["status"] for t in j if t["id"] == "'"$X2"'"]' "['in_transit']" part transfers
sv shop-a part receive --transfer "$X2" >/dev/null
T1=$(sv shop-a ticket new --kind repair --customer "张三" --phone 13800138000 --product AC-35 \
	--serial SN-OP-1 --purchased 2025-06-01 --fault "does not cool")
T2=$(sv shop-a ticket new --kind repair --customer "李四" --phone 13900139000 --product AC-35 \
	--serial SN-OP-2 --purchased 2025-06-01 --fault "noisy")
for t in "$T1" "$T2"; do
	for st in accepted on_site resolved; do sv shop-a ticket status "$t" $st >/dev/null; done
done
sv shop-a part consume CMP-35 --qty 2 --ticket "$T1" >/dev/null
sv shop-a part consume CMP-35 --qty 1 --ticket "$T2" >/dev/null

section "2. the shop returns what it consumed, no more"
refused "three returned, two consumed" 1 \
	"^svcsync: qty: CMP-35 x3 returned, 2 consumed on $T1 and 0 returned before\$" \
	shop-a part return CMP-35 --qty 3 --ticket "$T1"
refused "a return without its ticket" 2 "--ticket" shop-a part return CMP-35 --qty 1
R1=$(sv shop-a part return CMP-35 --qty 2 --ticket "$T1")
assert_eq "$R1" "O:$T1/CMP-35" "the return's id"
refused "one more than consumed" 1 \
	"^svcsync: qty: CMP-35 x1 returned, 2 consumed on $T1 and 2 returned before\$" \
	shop-a part return CMP-35 --qty 1 --ticket "$T1"
refused "a reversal below what was returned" 1 \
	"^svcsync: qty: 2 old CMP-35 returned on $T1; a reversal would leave 1 consumed\$" \
	shop-a part consume CMP-35 --qty -1 --ticket "$T1" --reason "booked twice"
assert_eq "$(jget shop-a '[(r["on_hand"], r["defective"]) for r in j]' stock)" "[(3, 2)]" \
	"stock: 6 - 3 consumed; 2 old parts sent back"
refused "a region ships old parts" 1 "only the shop that consumed the part returns it" \
	region-e part return CMP-35 --qty 1 --ticket "$T1"

section "3. the region inspects and forwards, HQ receives"
wait_json $W region-e '[(r["id"], r["shipped"], r["state"]) for r in j]' \
	"[('$R1', 2, 'in_transit')]" part returns
refused "a rejection without its reason" 1 "^svcsync: reason: required with --reject" \
	region-e part receive --return "$R1" --reject 1
refused "rejecting more than arrived" 1 "^svcsync: reject: 3 is more than the 2 received\$" \
	region-e part receive --return "$R1" --reject 3 --reason "裂"
refused "forwarding before any receipt" 1 \
	"^svcsync: old part $R1: nothing accepted to forward \\(0 accepted, 0 forwarded\\)\$" \
	region-e part forward "$R1"
assert_eq "$(sv region-e part receive --return "$R1" --reject 1 --reason "外壳开裂，非质量件")" \
	"received $R1: 2 old parts, 1 rejected" "the region's receipt"
refused "receiving twice" 1 \
	"^svcsync: old part $R1: nothing in transit \\(2 shipped, 2 received\\)\$" \
	region-e part receive --return "$R1"
wait_json $W shop-a '[(r["received"], r["accepted"], r["rejected"], r["reject_reason"]) for r in j]' \
	"[(2, 1, 1, '外壳开裂，非质量件')]" part returns
refused "a shop receives" 1 \
	"^svcsync: old part: shop shop-a does not receive old parts \\(its region, then HQ\\)\$" \
	shop-a part receive --return "$R1"
assert_eq "$(sv region-e part forward "$R1")" "forwarded 1 old parts of $R1 to HQ" "the forward"
wait_json $W hq '[(r["forwarded"], r["state"]) for r in j]' "[(1, 'forwarded')]" part returns
refused "HQ rejects" 1 "^svcsync: reject: HQ receives what the region accepted" \
	hq part receive --return "$R1" --reject 1 --reason "x"
assert_eq "$(sv hq part receive --return "$R1")" "received $R1: 1 old parts, 0 rejected" \
	"HQ's receipt"
refused "HQ receives twice" 1 \
	"^svcsync: old part $R1: nothing forwarded to HQ and not yet received \\(1 forwarded, 1 received\\)\$" \
	hq part receive --return "$R1"
wait_json $W shop-a '[(r["shipped"], r["received"], r["accepted"], r["rejected"], r["forwarded"], r["hq_received"], r["state"]) for r in j]' \
	"[(2, 2, 1, 1, 1, 1, 'at_hq')]" part returns

section "4. old parts owed, at every level"
C1=$(sv shop-a claim submit --ticket "$T1" --labor 8000 --part CMP-35:2)
C2=$(sv shop-a claim submit --ticket "$T2" --labor 8000 --part CMP-35:1)
owed='[(r["shop"], r["part_no"], r["claimed"], r["owed"], r["due"]) for r in j]'
assert_eq "$(jget shop-a "$owed" part returns --outstanding)" "[('shop-a', 'CMP-35', 3, 2, None)]" \
	"submitted claims: owed, no due date yet"
for c in "$C1" "$C2"; do
	wait_json $W region-e 'j["status"]' submitted claim show "$c"
	sv region-e claim audit "$c" >/dev/null
	wait_json $W hq 'j["status"]' audited claim show "$c"
	sv hq claim approve "$c" --reason "labor as agreed" >/dev/null
done
DUE=$(python3 -c 'import datetime, zoneinfo
print((datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date() + datetime.timedelta(days=30)).isoformat())')
for n in hq region-e shop-a; do
	wait_json $W $n "$owed" "[('shop-a', 'CMP-35', 3, 2, '$DUE')]" part returns --outstanding
done
assert_match "$(sv hq part returns --outstanding --shop shop-a)" "shop-a +CMP-35 +3 +2 +$DUE" \
	"the table"
assert_eq "$(jget hq 'len(j)' part returns --outstanding --shop shop-b)" 0 "another shop owes nothing"
refused "a region waives" 1 "^svcsync: old part: region region-e may not waive old parts \\(HQ only\\)\$" \
	region-e part waive "O:$T2/CMP-35" --reason "x"
refused "a waiver without its reason" 2 "--reason" hq part waive "O:$T2/CMP-35"
refused "a waiver's reason over 60 characters" 1 "^svcsync: reason: 61 characters, limit 60\$" \
	hq part waive "O:$T2/CMP-35" --reason "$(printf '旧%.0s' $(seq 61))"
refused "not a return id" 1 "^svcsync: return: 'X-1' is not an old-part record id" \
	hq part waive X-1 --reason "x"
assert_eq "$(sv hq part waive "O:$T2/CMP-35" --reason "批次召回，旧件就地销毁")" \
	"waived O:$T2/CMP-35" "HQ's waiver"
refused "waiving twice" 1 "^svcsync: old part O:$T2/CMP-35: already waived" \
	hq part waive "O:$T2/CMP-35" --reason "again"
for n in hq region-e shop-a; do
	wait_json $W $n "$owed" "[('shop-a', 'CMP-35', 3, 1, '$DUE')]" part returns --outstanding
done
wait_json $W shop-a '[(r["id"], r["state"], r["waive_reason"]) for r in j if r["waived_ms"]]' \
	"[('O:$T2/CMP-35', 'waived', '批次召回，旧件就地销毁')]" part returns

net_done

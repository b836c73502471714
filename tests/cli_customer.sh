#!/usr/bin/env bash
# cli_customer: customer files and product units across live daemons.
#
# HQ, region-c and its shops shop-c1 and shop-c2.
#
#  1. Read isolation. The region opens a ticket for a customer of shop-c1's
#     and one for a customer of shop-c2's and assigns each to its shop; each
#     shop opens a walk-in of its own. Each shop must hold its own customers'
#     files and units and nothing of the other shop's: checked through the
#     CLI and by scanning the shop's LMDB file for the other customers' names
#     and phones, after a positive control (its own names are found by the
#     same scan). The region and HQ hold all of them.
#  2. Duplicates and merges. With both shops offline, each creates a file
#     for the same person (same phone, in two spellings). When they
#     reconnect, the region's duplicates queue lists the two; the region
#     merges one into the other; the merge reaches HQ, the queue empties, a
#     merge back (a cycle) is refused, and show --phone at HQ gives the
#     survivor.
#  3. Corrections and history: an edit at the shop reaches the region, and
#     show lists both values of the field with who made them.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_customer

W=20
net_hq hq
net_region region-c
net_shop shop-c1 region-c
net_shop shop-c2 region-c
start_all

has_ticket() { svq "$1" ticket show "$2" >/dev/null; }
has_customer() { svq "$1" customer show "$2" >/dev/null; }

section "1. each shop holds only its own customers"
R1=$(sv region-c ticket new --kind repair --customer "Kiwi Bird" --phone 13811110001 \
	--address "Kiwi Road 1" --product AC-1 --serial SN-KIWI-1 --fault "no cooling" --shop shop-c1)
R2=$(sv region-c ticket new --kind repair --customer "Tapir Beast" --phone 13822220002 \
	--address "Tapir Road 2" --product AC-2 --serial SN-TAPIR-2 --fault "noise")
sv region-c ticket assign "$R2" --shop shop-c2 >/dev/null
W1=$(sv shop-c1 ticket new --kind install --customer "Kiwi Walkin" --phone 13811110003 \
	--product WH-1 --fault "install")
W2=$(sv shop-c2 ticket new --kind install --customer "Tapir Walkin" --phone 13822220004 \
	--product WH-2 --fault "install")
C1=$(jget region-c 'j["customer_id"]' ticket show "$R1")
C2=$(jget region-c 'j["customer_id"]' ticket show "$R2")
wait_until $W has_ticket shop-c1 "$R1"
wait_until $W has_ticket shop-c2 "$R2"
wait_until $W has_ticket hq "$W1"
wait_until $W has_ticket hq "$W2"
net_quiesce $W
# The tickets hold no copy of personal data; the shops read the files.
assert_eq "$(jget shop-c1 'j["customer"], j["phone"]' ticket show "$R1")" "('Kiwi Bird', '13811110001')" \
	"shop-c1 shows R1's customer from the file"
assert_eq "$(jget shop-c2 'j["customer"]' ticket show "$R2")" "Tapir Beast" \
	"shop-c2 shows R2's customer (the file came with the assignment)"
assert_eq "$(jget shop-c2 'len(j["units"])' customer show "$C2")" 1 "shop-c2 holds R2's unit"
if has_customer shop-c1 "$C2"; then bad "shop-c1 holds $C2"; else ok; fi
if has_customer shop-c2 "$C1"; then bad "shop-c2 holds $C1"; else ok; fi
for n in region-c hq; do
	assert_eq "$(jget $n 'len(j)' customer find 138)" 4 "customers at $n"
done
expect_eq "$(jget hq 'j[0]["id"]' customer show --serial SN-TAPIR-2)" "$C2" "HQ finds R2's customer by serial"
scan() { # SHOP OWN... -- FOREIGN...
	local s=$1 str c own=1
	shift
	for str in "$@"; do
		if [ "$str" = -- ]; then own=0; continue; fi
		c=$(count_in "$s" "$str")
		if [ $own = 1 ]; then
			if [ "$c" -gt 0 ]; then ok; else bad "raw scan of $s: its own '$str' not found (the scan does not work)"; fi
		else
			if [ "$c" = 0 ]; then ok; else bad "raw scan of $s: '$str' found ($c lines)"; fi
		fi
	done
}
scan shop-c1 "Kiwi Bird" 13811110001 "Kiwi Walkin" 13811110003 SN-KIWI-1 -- \
	"Tapir Beast" 13822220002 "Tapir Walkin" 13822220004 "Tapir Road" SN-TAPIR-2
scan shop-c2 "Tapir Beast" 13822220002 "Tapir Walkin" 13822220004 SN-TAPIR-2 -- \
	"Kiwi Bird" 13811110001 "Kiwi Walkin" 13811110003 "Kiwi Road" SN-KIWI-1
scan region-c "Kiwi Bird" "Tapir Beast" "Kiwi Walkin" "Tapir Walkin"

section "2. the same person created offline at two shops, merged at the region"
stop shop-c1
stop shop-c2
D1=$(sv shop-c1 customer new --name "Wombat Twin" --phone 13933330005)
D2=$(sv shop-c2 customer new --name "Wombat Twin" --phone "+86 139-3333-0005" --tier vip)
# Each shop opens a walk-in for the person: the file travels with it.
sv shop-c1 ticket new --kind repair --customer-id "$D1" --product AC-5 --fault "offline one" >/dev/null
sv shop-c2 ticket new --kind repair --customer-id "$D2" --product AC-5 --fault "offline two" >/dev/null
start shop-c1
start shop-c2
wait_until $W has_customer region-c "$D1"
wait_until $W has_customer region-c "$D2"
assert_eq "$(jget region-c '[(d["phone"], sorted(d["ids"])) for d in j]' customer duplicates)" \
	"[('13933330005', $(python3 -c "import sys; print(sorted(sys.argv[1:]))" "$D1" "$D2"))]" \
	"the region's duplicates queue"
err=$("$S" --dir "$T/shop-c1" customer duplicates 2>&1) && bad "duplicates at a shop" || ok
# (two files the shop holds: the role decides)
CW1=$(jget shop-c1 'j["customer_id"]' ticket show "$W1")
err=$("$S" --dir "$T/shop-c1" customer merge "$D1" --into "$CW1" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "a merge at a shop"
assert_match "$err" "may not merge customers" "a shop's merge refused"
sv region-c customer merge "$D2" --into "$D1" >/dev/null
wait_json $W hq 'j["merged_into"]' "$D1" customer show "$D2"
assert_eq "$(jget region-c 'len(j)' customer duplicates)" 0 "the region's queue after the merge"
assert_eq "$(jget hq 'len(j)' customer duplicates)" 0 "HQ's queue after the merge"
assert_eq "$(jget hq '[c["id"] for c in j]' customer show --phone 13933330005)" "['$D1']" \
	"HQ's show --phone gives the survivor"
err=$("$S" --dir "$T/hq" customer merge "$D1" --into "$D2" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "a merge back"
assert_match "$err" "would make a cycle" "the merge back (a cycle) refused"
assert_eq "$(jget hq 'j["merged_into"]' customer show "$D1")" None "the survivor stays unmerged"

section "3. a correction and its history"
sv shop-c1 customer edit "$C1" --name "Kiwi B. Bird" --operator "王芳" >/dev/null
wait_json $W region-c 'j["name"]' "Kiwi B. Bird" customer show "$C1"
hist=$(sv region-c customer show "$C1")
assert_match "$hist" "name +Kiwi Bird .*region-c" "the first name's history line"
assert_match "$hist" "name +Kiwi B. Bird .*shop-c1 \\(王芳\\)" "the correction's history line"
expect_eq "$(jget shop-c1 'j["customer"]' ticket show "$R1")" "Kiwi B. Bird" "shop-c1's ticket shows the corrected name"

net_verify_all
net_done

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
#     for the same person (same phone, in two spellings) and opens a ticket
#     for it with the same serial. When they reconnect, the region's
#     duplicates queue lists the two files, then the two units (in that
#     order; --limit 1 stops after the first); the region merges one into
#     the other; the merge reaches HQ, the queue empties, a merge back (a
#     cycle) is refused, and show --phone at HQ gives the survivor. The
#     survivor's show gathers both tickets and both units; the duplicate's
#     points to the survivor and shows its history; a new ticket by the
#     duplicate's id or by the phone refers to the survivor. A shop that
#     holds the duplicate receives the survivor's file with the merge (and
#     not the other shop's ticket). The units merge
#     the same way: the survivor unit lists both tickets.
#  3. Corrections and history: a shop corrects the file it created, and
#     may not correct one the region created (one line naming who can,
#     store unchanged); the region does, and the correction reaches the
#     shop; show lists both values of the field with who made them.
#  4. Display width: a 40-character Chinese name and address, corrected to
#     a short Latin name: the history table's columns line up in display
#     columns (a Chinese character is two), at byte offsets that differ.
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
# Each shop opens a walk-in for the person with the unit's serial (in two
# spellings): the file and the unit travel with it.
WT1=$(sv shop-c1 ticket new --kind repair --customer-id "$D1" --product AC-5 --serial SN-WOMBAT-5 \
	--fault "offline one")
WT2=$(sv shop-c2 ticket new --kind repair --customer-id "$D2" --product AC-5 --serial sn-wombat-5 \
	--fault "offline two")
U1=$(jget shop-c1 'j["unit_id"]' ticket show "$WT1")
U2=$(jget shop-c2 'j["unit_id"]' ticket show "$WT2")
start shop-c1
start shop-c2
wait_until $W has_ticket region-c "$WT1"
wait_until $W has_ticket region-c "$WT2"
sorted_ids() { python3 -c "import sys; print(sorted(sys.argv[1:]))" "$@"; }
assert_eq "$(jget region-c '[(d["kind"], d.get("phone") or d.get("serial"), sorted(d["ids"])) for d in j]' customer duplicates)" \
	"[('customer', '13933330005', $(sorted_ids "$D1" "$D2")), ('unit', 'sn-wombat-5', $(sorted_ids "$U1" "$U2"))]" \
	"the region's duplicates queue: the files by phone, then the units by serial"
assert_eq "$(jget region-c '[d["kind"] for d in j]' customer duplicates --limit 1)" "['customer']" \
	"duplicates --limit 1 stops after the first"
err=$("$S" --dir "$T/shop-c1" customer duplicates 2>&1) && bad "duplicates at a shop" || ok
# (two files the shop holds: the role decides)
CW1=$(jget shop-c1 'j["customer_id"]' ticket show "$W1")
err=$("$S" --dir "$T/shop-c1" customer merge "$D1" --into "$CW1" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "a merge at a shop"
assert_match "$err" "may not merge customers" "a shop's merge refused"
sv region-c customer merge "$D2" --into "$D1" >/dev/null
wait_json $W hq 'j["merged_into"]' "$D1" customer show "$D2"
assert_eq "$(jget region-c '[d["kind"] for d in j]' customer duplicates)" "['unit']" \
	"the region's queue after the merge: the units"
assert_eq "$(jget hq '[d["kind"] for d in j]' customer duplicates)" "['unit']" "HQ's queue after the merge"
assert_eq "$(jget hq '[c["id"] for c in j]' customer show --phone 13933330005)" "['$D1']" \
	"HQ's show --phone gives the survivor"
err=$("$S" --dir "$T/hq" customer merge "$D1" --into "$D2" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "a merge back"
assert_match "$err" "would make a cycle" "the merge back (a cycle) refused"
assert_eq "$(jget hq 'j["merged_into"]' customer show "$D1")" None "the survivor stays unmerged"
# The survivor gathers the duplicate's ticket and unit.
for n in region-c hq; do
	assert_eq "$(jget $n '(sorted(j["tickets"]), sorted(u["id"] for u in j["units"]), j["merged_files"], j["survivor"])' customer show "$D1")" \
		"($(sorted_ids "$WT1" "$WT2"), $(sorted_ids "$U1" "$U2"), ['$D2'], '$D1')" \
		"$n: the survivor's tickets and units include the duplicate's"
done
txt=$(sv region-c customer show "$D1")
assert_match "$txt" "merged into $D1: $D2" "the survivor's text names the file merged into it"
assert_match "$txt" "$WT2 .* $D2" "the survivor's text lists the duplicate's ticket, with the file it refers to"
txt=$(sv region-c customer show "$D2")
assert_match "$txt" "^customer $D2  \\(merged into $D1\\)" "the duplicate says it is merged"
assert_match "$txt" "survivor $D1: the file the desk works on" "the duplicate points to the survivor"
assert_match "$txt" "the survivor customer $D1:" "the duplicate shows the survivor's file"
assert_match "$txt" "its field history" "and the survivor's history"
assert_eq "$(jget region-c '(j["survivor"], sorted(j["tickets"]), len(j["survivor_history"]) > 0)' customer show "$D2")" \
	"('$D1', $(sorted_ids "$WT1" "$WT2"), True)" "the duplicate's JSON: the survivor, the group's tickets, its history"
# shop-c2 holds the duplicate (its ticket's): the merge brings it the
# survivor's file, under which it gathers its ticket.
wait_json $W shop-c2 'j["merged_into"]' "$D1" customer show "$D2"
assert_eq "$(jget shop-c2 '(j["survivor"], j["tickets"], j["name"])' customer show "$D2")" \
	"('$D1', ['$WT2'], 'Wombat Twin')" "shop-c2 received the survivor with the merge"
assert_eq "$(jget shop-c2 '[c["id"] for c in j]' customer show --phone 13933330005)" "['$D1']" \
	"shop-c2's show --phone gives the survivor"
if has_ticket shop-c2 "$WT1"; then bad "shop-c2 received shop-c1's ticket with the merge"; else ok; fi
# New tickets refer to the survivor, by the duplicate's id or by the phone.
N1=$(sv region-c ticket new --kind repair --customer-id "$D2" --product AC-5 --fault "by id" --shop shop-c2)
N2=$(sv region-c ticket new --kind repair --phone "139 3333 0005" --product AC-5 --fault "by phone" --shop shop-c1)
assert_eq "$(jget region-c 'j["customer_id"]' ticket show "$N1")" "$D1" "ticket new --customer-id DUP refers to the survivor"
assert_eq "$(jget region-c 'j["customer_id"]' ticket show "$N2")" "$D1" "ticket new --phone of a merged file refers to the survivor"
# The units: the survivor unit's tickets include the duplicate's.
sv region-c unit merge "$U2" --into "$U1" >/dev/null
assert_eq "$(jget region-c 'len(j)' customer duplicates)" 0 "the queue after the unit merge"
assert_eq "$(jget region-c '(sorted(j["tickets"]), j["merged_files"])' unit show "$U1")" \
	"($(sorted_ids "$WT1" "$WT2"), ['$U2'])" "the survivor unit's tickets include the duplicate's"
assert_eq "$(jget region-c '(j["survivor"], sorted(j["tickets"]))' unit show "$U2")" \
	"('$U1', $(sorted_ids "$WT1" "$WT2"))" "the duplicate unit points to its survivor"
wait_json $W hq 'j["merged_files"]' "['$U2']" unit show "$U1"

section "3. corrections: who may make them, and their history"
# A shop corrects a file it created...
sv shop-c1 customer edit "$CW1" --address "Kiwi Lane 3" >/dev/null
wait_json $W region-c 'j["address"]' "Kiwi Lane 3" customer show "$CW1"
# ...but not the region's file of its assigned ticket: one line naming who can.
before=$(jget shop-c1 '(j["name"], len(j["history"]))' customer show "$C1")
err=$("$S" --dir "$T/shop-c1" customer edit "$C1" --name "Kiwi Wrong" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 1 "a shop's correction of the region's file: exit status"
assert_eq "$(printf '%s\n' "$err" | wc -l)" 1 "a shop's correction of the region's file: one line"
assert_match "$err" "^svcsync: shop shop-c1 may not correct customer $C1 \\(created by region-c: its region or HQ\\)$" \
	"a shop's correction of the region's file refused"
assert_eq "$(jget shop-c1 '(j["name"], len(j["history"]))' customer show "$C1")" "$before" \
	"the refused correction stored nothing"
sv region-c customer edit "$C1" --name "Kiwi B. Bird" --operator "王芳" >/dev/null
wait_json $W shop-c1 'j["name"]' "Kiwi B. Bird" customer show "$C1"
hist=$(sv shop-c1 customer show "$C1")
assert_match "$hist" "name +Kiwi Bird .*region-c" "the first name's history line"
assert_match "$hist" "name +Kiwi B. Bird .*region-c \\(王芳\\)" "the correction's history line"
expect_eq "$(jget shop-c1 'j["customer"]' ticket show "$R1")" "Kiwi B. Bird" "shop-c1's ticket shows the corrected name"

section "4. Chinese text is aligned by display columns"
NAME40=$(python3 -c 'print("欧阳" * 20)')
ADDR40=$(python3 -c 'print("广州市天河区体育西路" * 4)')
CZ=$(sv region-c customer new --name "$NAME40" --phone 13944440006 --address "$ADDR40")
assert_eq "$(jget region-c '(len(j["name"]), len(j["address"]))' customer show "$CZ")" "(40, 40)" \
	"a 40-character Chinese name and address are kept whole"
sv region-c customer edit "$CZ" --name "Ouyang Li" >/dev/null
sv region-c customer show "$CZ" >"$T/cz.txt"
python3 - "$T/cz.txt" <<'PY' && ok || bad "the history table is not aligned by display width"
import re, sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("field history")) + 1
rows = [l for l in lines[start:] if re.match(r"(FIELD|name|phones|address|tier) ", l)]
def cols(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
when = [re.search(r"(WHEN|\d{4}-\d\d-\d\d \d\d:\d\d)", l).start() for l in rows]
by_cols = {cols(l[:p]) for l, p in zip(rows, when)}
by_bytes = {len(l[:p].encode()) for l, p in zip(rows, when)}
names = [l for l in rows if l.startswith("name ")]
print(len(rows), "rows; WHEN at display columns", by_cols, "byte offsets", by_bytes)
assert len(rows) == 6 and len(names) == 2, rows
assert len(by_cols) == 1, "WHEN starts at different display columns"
assert len(by_bytes) > 1, "the rows do not differ in bytes: the check proves nothing"
PY

net_verify_all
net_done

#!/usr/bin/env bash
# cli_shop_day: a shop's whole day from the command line, no daemon.
#
# HQ, region-east and shop-a are created and enrolled with files, as an
# operator would. What the network would carry (HQ's directory and catalog,
# a parts shipment, the shop's claim, HQ's decisions) travels as export files
# (svcsync export / import --kind changes). The shop opens tickets, receives
# parts, works a repair, consumes parts, submits a claim and looks at its
# stock, tickets and log; the refusals a person meets on a bad day are
# checked to be one line on stderr with the store unchanged.
#
# Needs: SVC_BIN (the directory holding svcsync and svcsyncd), SVC_TEST_TMP,
# python3 (see netlib.sh, which sets up the scratch directory $T and the helpers).
set -euo pipefail

. "$(dirname "$0")/netlib.sh"
net_setup cli_shop_day

loglen() { "$S" --dir "$1" log --limit 1 --json | py 'j[0]["lsn"] if j else 0'; }

# refuse DIR EXIT PHRASE ARGS...: the command exits EXIT, prints nothing on
# stdout and exactly one line "svcsync: ...PHRASE..." on stderr, and the
# store's log does not grow.
refuse() {
	local dir=$1 code=$2 phrase=$3 before out rc
	shift 3
	before=$(loglen "$dir")
	set +e
	out=$("$S" --dir "$dir" "$@" 2>"$T/err")
	rc=$?
	set -e
	[ "$rc" = "$code" ] || fail "svcsync $*: exit $rc, want $code ($(cat "$T/err"))"
	[ -z "$out" ] || fail "svcsync $*: printed on stdout: $out"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "svcsync $*: stderr is not one line: $(cat "$T/err")"
	grep -q '^svcsync: ' "$T/err" || fail "svcsync $*: stderr lacks the svcsync: prefix"
	grep -qF -- "$phrase" "$T/err" || fail "svcsync $*: '$phrase' not in: $(cat "$T/err")"
	assert_eq "$(loglen "$dir")" "$before" "log length after svcsync $*"
	echo "  refused: $(cat "$T/err")"
	ok
}

echo "== the network: HQ, region-east, shop-a"
sv hq init --id hq --role hq >/dev/null
sv re init --id region-east --role region >/dev/null
sv sa init --id shop-a --role shop --region region-east >/dev/null
sv re enroll request --out re.req >/dev/null
sv hq enroll approve --request re.req --upstream hq --endpoint tcp://127.0.0.1:7001 \
	--out re.bundle >/dev/null
HQKEY=$(sv hq id --json | py 'j["pubkey"]')
sv re enroll accept --bundle re.bundle --hq-key "$HQKEY" >/dev/null
sv sa enroll request --out sa.req >/dev/null
sv hq enroll approve --request sa.req --upstream region-east \
	--endpoint tcp://127.0.0.1:7002 --out sa.bundle --days 365 >/dev/null
sv sa enroll accept --bundle sa.bundle --hq-key "$HQKEY" >/dev/null
assert_eq "$(sv sa id --json | py 'j["enrolled"], j["upstream"], j["hq_node"]')" \
	"(True, 'region-east', 'hq')" "shop-a enrolled"
assert_eq "$(sv sa id --json | py 'len(j["curve_pubkey"])')" 40 "Z85 CURVE key length"
assert_eq "$(sv hq node list --json | py 'sorted(n["node"] for n in j)')" \
	"['hq', 'region-east', 'shop-a']" "HQ's directory"

echo "== HQ: catalog, stock in, a shipment to shop-a"
sv hq catalog add P-100 --name "Compressor 压缩机" --price 12550 >/dev/null
sv hq catalog add P-200 --name "Fan motor" --price 3000 >/dev/null
sv hq part receive P-100 --qty 50 --ref PO-2024-001 >/dev/null
XID=$(sv hq part transfer P-100 --qty 10 --to shop-a)
[[ "$XID" =~ ^X-hq-[0-9]+$ ]] || fail "transfer id '$XID'"
ok
assert_eq "$(sv hq stock --json | py '[(r["part_no"], r["on_hand"]) for r in j]')" "[('P-100', 40)]" \
	"HQ stock after shipping"
# Files travel along links, as the network would: HQ to the region, the
# region to its shop.
sv hq export --out hq-to-re.chg --for region-east >/dev/null
sv re import --kind changes hq-to-re.chg >/dev/null
sv re export --out re-to-sa.chg --for shop-a >/dev/null
sv sa import --kind changes re-to-sa.chg >/dev/null
assert_eq "$(sv sa catalog list --json | py '[(p["part_no"], p["price"]) for p in j]')" \
	"[('P-100', 12550), ('P-200', 3000)]" "catalog at the shop"
assert_eq "$(sv sa part transfers --json | py '[(x["id"], x["status"]) for x in j]')" \
	"[('$XID', 'in_transit')]" "shipment in transit"
assert_eq "$(sv sa stock --json | py '[(r["on_hand"], r["in_transit_in"]) for r in j]')" "[(0, 10)]" \
	"in transit toward the shop"

echo "== shop-a opens: receive the shipment, open walk-in tickets"
sv sa part receive --transfer "$XID" >/dev/null
assert_eq "$(sv sa stock --json | py '[(r["part_no"], r["on_hand"], r["in_transit_in"]) for r in j]')" \
	"[('P-100', 10, 0)]" "stock after receipt"
T1=$(sv sa ticket new --kind repair --customer "张三" --phone 13800138000 \
	--product AC-KFR35GW --serial SN-0001 --purchased 2025-03-01 \
	--address "上海市黄浦区南京路 88 号" --fault "does not cool")
T2=$(sv sa ticket new --kind install --customer "Li Si" --phone "+86 139 0000 0000" \
	--product WH-60 --fault "new water heater")
[[ "$T1" =~ ^T-shop-a-[0-9]+$ && "$T2" =~ ^T-shop-a-[0-9]+$ && "$T1" != "$T2" ]] ||
	fail "ticket ids '$T1' '$T2'"
ok
assert_eq "$(sv sa ticket show "$T1" --json | py 'j["status"], j["shop"], j["region"], j["in_warranty"]')" \
	"('assigned', 'shop-a', 'region-east', True)" "walk-in ticket"

echo "== the repair"
sv sa ticket status "$T1" accepted >/dev/null
sv sa ticket status "$T1" on_site >/dev/null
sv sa part consume P-100 --qty 2 --ticket "$T1" >/dev/null
sv sa ticket note "$T1" "compressor seized; replaced with P-100 x2" >/dev/null
sv sa ticket status "$T1" resolved --reason "cooling restored" >/dev/null
sv sa part return P-100 --qty 2 --ticket "$T1" >/dev/null
sv sa part adjust P-100 --qty -1 --reason "stocktake: one damaged in storage" >/dev/null
assert_eq "$(sv sa stock --json | py '[(r["on_hand"], r["defective"]) for r in j]')" "[(7, 2)]" \
	"stock after the repair"
sv sa stock | grep -q '^shop-a  *P-100  *Compressor 压缩机  *7  *0  *2$' ||
	fail "stock table: $(sv sa stock)"
ok

# A shop holds its own stock in full, nobody else's (it sees only its side
# of HQ's shipment); HQ holds everyone's.
assert_eq "$(sv sa stock --all --json | py 'sorted(set(r["location"] for r in j))')" "['shop-a']" \
	"stock --all at the shop"
refuse sa 1 "location hq: shop shop-a does not hold that stock" stock --location hq
assert_eq "$(sv hq stock --all --json | py 'sorted((r["location"], r["on_hand"], r["in_transit_in"]) for r in j)')" \
	"[('hq', 40, 0), ('shop-a', 0, 10)]" "stock --all at HQ (the receipt has not reached it)"

echo "== the claim"
C1=$(sv sa claim submit --ticket "$T1" --labor 8000 --part P-100:2 --travel 1500 \
	--note "compressor replacement")
[[ "$C1" =~ ^C-shop-a-[0-9]+$ ]] || fail "claim id '$C1'"
ok
assert_eq "$(sv sa claim show "$C1" --json | py 'j["status"], j["revision"], j["total"], j["parts"][0]["amount"]')" \
	"('submitted', 1, 34600, 25100)" "claim as submitted"
sv sa claim show "$C1" | grep -q '^total  *346.00$' || fail "claim show: $(sv sa claim show "$C1")"
ok
assert_eq "$(sv sa claim list --json | py '[(c["id"], c["status"]) for c in j]')" "[('$C1', 'submitted')]" \
	"claim list"

echo "== what the shop sees"
assert_eq "$(sv sa ticket list --json | py 'sorted((t["id"], t["status"]) for t in j)')" \
	"$(printf "[('%s', 'resolved'), ('%s', 'assigned')]" "$T1" "$T2" |
		python3 -c 'import sys,ast; print(sorted(ast.literal_eval(sys.stdin.read())))')" \
	"ticket list"
assert_eq "$(sv sa ticket list --status resolved --json | py '[t["id"] for t in j]')" "['$T1']" \
	"ticket list --status"
assert_eq "$(sv sa ticket list --limit 1 --json | py 'len(j)')" 1 "ticket list --limit"
sv sa ticket list | head -1 | grep -q '^ID  *STATUS  *KIND  *SHOP  *CUSTOMER  *PRODUCT  *CREATED$' ||
	fail "ticket table header"
sv sa ticket list | grep -q "^$T1  *resolved  *repair  *shop-a  *张三 " || fail "ticket table row"
ok
assert_eq "$(sv sa ticket show "$T1" --json | py '[n["text"] for n in j["notes"]], j["claim"], len(j["history"])')" \
	"(['compressor seized; replaced with P-100 x2'], '$C1', 5)" "ticket show"
sv sa ticket show "$T1" | grep -q '^claim  *'"$C1"' (submitted, revision 1)$' || fail "ticket show text"
ok
assert_eq "$(sv sa log --json | py 'all(a["lsn"] > b["lsn"] for a, b in zip(j, j[1:]))')" True \
	"log newest first"
assert_eq "$(sv sa log --limit 3 --json | py '[c["kind"] for c in j]')" \
	"['claim.submit', 'part.move', 'old_part']" "log --limit"
sv sa log | head -1 | grep -q '^LSN  *CHANGE  *TIME  *KIND  *AGGREGATE  *SUMMARY  *OPERATOR$' || fail "log header"
ok

echo "== refusals, each one line and the store unchanged"
refuse sa 1 "may not approve claims" claim approve "$C1"
refuse sa 1 "assigned -> resolved is not a valid transition" ticket status "$T2" resolved
refuse sa 1 "unknown part number P-999" part consume P-999 --qty 1 --ticket "$T1"
refuse sa 1 "unknown ticket T-shop-a-999" ticket note T-shop-a-999 "hello"
refuse sa 1 "unknown ticket T-shop-a-999" part consume P-100 --qty 1 --ticket T-shop-a-999
refuse sa 1 "phone:" ticket new --kind repair --customer X --phone 12ab --product P \
	--fault F
refuse sa 1 "purchased: 2023-02-30 is not a calendar date" ticket new --kind repair \
	--customer X --phone 13800138000 --product P --fault F --purchased 2023-02-30
refuse sa 2 "--reason is required with --qty -N (a reversal)" part consume P-100 --qty -2 \
	--ticket "$T1"
refuse sa 1 "7 on hand at shop-a, cannot consume 8" part consume P-100 --qty 8 --ticket "$T1"
refuse sa 1 "total: 12000 does not equal the sum of the lines 34600" claim submit \
	--ticket "$T1" --labor 8000 --part P-100:2 --travel 1500 --total 12000
refuse sa 1 "is submitted; only a returned or rejected claim can be resubmitted" claim submit \
	--ticket "$T1" --labor 8000
refuse sa 1 "status assigned, a claim needs resolved or closed" claim submit --ticket "$T2" \
	--labor 100
refuse sa 1 "may not edit the parts catalog (HQ only)" catalog add P-300 --name X --price 1
refuse sa 1 "a shop opens tickets only for itself" ticket new --kind repair --customer X \
	--phone 13800138000 --product P --fault F --shop shop-b
refuse sa 2 "--labor: 'abc' is not an amount in fen" claim submit --ticket "$T1" --labor abc
refuse sa 2 "--qty: '2x' is not a whole number" part consume P-100 --qty 2x --ticket "$T1"
refuse sa 2 "--status: unknown value" ticket list --status done
refuse sa 2 "--kind is required" ticket new --customer X --phone 1 --product P --fault F

echo "== HQ decides; the decisions come back to the shop"
sv sa export --out sa-to-re.chg --for region-east >/dev/null
sv re import --kind changes sa-to-re.chg >/dev/null
sv re export --out re-to-hq.chg --for hq >/dev/null
sv hq import --kind changes re-to-hq.chg >/dev/null
sv hq claim audit "$C1" >/dev/null
refuse hq 1 "more than the claimed 34600" claim approve "$C1" --amount 50000
sv hq claim approve "$C1" --amount 30000 --reason "labor above the standard rate" >/dev/null
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
sv hq claim pay --shop shop-a --month "$MONTH" --ref BANK-2024-0001 >/dev/null
assert_eq "$(sv hq claim show "$C1" --json | py 'j["status"], j["approved"]')" \
	"('partially_approved', 30000)" "claim at HQ"
assert_eq "$(sv hq statement --shop shop-a --month "$MONTH" --json | py '[(c["id"], c["paid_ref"]) for c in j["claims"]]')" \
	"[('$C1', 'BANK-2024-0001')]" "the claim paid in shop-a's month at HQ"
# Meanwhile HQ cancels T2, and the shop, not knowing, accepts it later.
sv hq ticket status "$T2" cancelled --reason "customer withdrew" >/dev/null
sv sa ticket status "$T2" accepted >/dev/null
sv hq export --out hq-to-re-2.chg --for region-east >/dev/null
sv re import --kind changes hq-to-re-2.chg >/dev/null
sv re export --out re-to-sa-2.chg --for shop-a >/dev/null
sv sa import --kind changes re-to-sa-2.chg >/dev/null
assert_eq "$(sv sa claim show "$C1" --json | py 'j["status"], j["approved"]')" \
	"('partially_approved', 30000)" "claim back at the shop"
assert_eq "$(sv sa statement --shop shop-a --month "$MONTH" --json | py '[(c["id"], c["paid_ref"]) for c in j["claims"]]')" \
	"[('$C1', 'BANK-2024-0001')]" "the payment back at the shop"
assert_eq "$(sv sa ticket show "$T2" --json | py 'j["status"], [(h["summary"], h["rejected"]) for h in j["history"] if h["rejected"]]')" \
	"('cancelled', [('status -> accepted', True)])" "the shop's late accept is rejected"
# (captured first: grep -q may stop reading early, and a writer cut off
# by SIGPIPE would fail the pipeline under pipefail)
OUT=$(sv sa ticket show "$T2")
grep -q 'status -> accepted  \[REJECTED: ' <<<"$OUT" || fail "rejected marker"
ok
OUT=$(sv sa log)
grep -q 'REJECTED (ticket .*cancelled -> accepted is not a valid transition)' <<<"$OUT" ||
	fail "log shows the rejection: $(sv sa log --limit 3)"
ok
# Importing the same file again changes nothing.
before=$(loglen sa)
sv sa import --kind changes re-to-sa-2.chg | grep -q ': 0 new, ' || fail "re-import"
assert_eq "$(loglen sa)" "$before" "re-import is a no-op"

net_done

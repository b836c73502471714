#!/usr/bin/env bash
# cli_sec_store: attacks through the CLI and on the store file, no daemons.
#
#  - self-dealing at the CLI: shop-a may not audit, approve or pay its own
#    claim, region-e may not approve or pay it, shop-a may not assign or
#    revoke, region-e may not edit the catalog or revoke; each refused with
#    exit 1 and one line, and the store unchanged (same log position). The
#    claim travels between the nodes as export files (`export --for`,
#    `import --kind changes`), the offline exchange.
#  - tampering at rest: with no process holding the store, a byte of a
#    stored change is flipped in data.mdb (every copy LMDB holds of it:
#    found by a marker in a ticket note and in a customer's name), and
#    `svcsync verify` exits 1 reporting a bad hash; `verify` of an untouched
#    store exits 0.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_sec_store

section "nodes: hq, region-e, shop-a (no daemons; files carry the changes)"
net_hq hq
net_region region-e
net_shop shop-a region-e
# carry FROM TO: FROM's changes that TO may see, by file
carry() {
	sv "$1" export --for "${NET_ID[$2]}" --out "$T/$1-$2.chg" >/dev/null
	sv "$2" import --kind changes "$T/$1-$2.chg" >/dev/null
}
carry hq region-e
carry region-e shop-a
sv hq catalog add P-1 --name filter --price 1000 >/dev/null
carry hq region-e
carry region-e shop-a
TA=$(sv shop-a ticket new --kind repair --customer "Alice Original" --phone 13800000001 \
	--product AC-1 --fault "no cooling")
for st in accepted on_site resolved; do sv shop-a ticket status "$TA" "$st" >/dev/null; done
CA=$(sv shop-a claim submit --ticket "$TA" --labor 8000 --travel 1500)
carry shop-a region-e

# refuse NAME WHAT EXPECT ARGS...: `svcsync ARGS` at NAME must fail with
# exit 1, one line saying EXPECT, and leave the store as it was.
refuse() {
	local n=$1 what=$2 expect=$3 rc=0 before after
	shift 3
	before=$(lsn "$n")
	timeout 60 "$S" --dir "$T/$n" "$@" >"$T/out" 2>"$T/err" || rc=$?
	after=$(lsn "$n")
	local through=0
	[ "$rc" != 0 ] || through=1
	[ "$before" = "$after" ] || through=1
	sec_attack self-dealing "$through" "$what at $n: exit $rc: $(cat "$T/err")"
	if [ "$through" = 0 ]; then
		assert_eq "$rc" 1 "exit status: $what"
		assert_eq "$(wc -l <"$T/err")" 1 "lines on stderr: $what"
		assert_grep "$T/err" "$expect" "reason: $what"
		[ ! -s "$T/out" ] || bad "stdout not empty: $what"
	fi
}

section "self-dealing at the CLI"
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
refuse shop-a "shop audits its own claim" "may not audit" claim audit "$CA"
refuse shop-a "shop approves its own claim" "may not approve" claim approve "$CA"
refuse shop-a "shop approves its own claim, amount given" "may not approve" claim approve "$CA" --amount 9500
refuse shop-a "shop rejects its own claim" "may not reject" claim reject "$CA" --reason x
refuse shop-a "shop pays its own claim" "may not pay" claim pay --shop shop-a --month "$MONTH" --ref PAY-SELF
refuse region-e "region approves" "may not approve" claim approve "$CA"
refuse region-e "region pays" "may not pay" claim pay --shop shop-a --month "$MONTH" --ref PAY-REGION
refuse region-e "region rejects" "may not reject" claim reject "$CA" --reason x
sv region-e claim audit "$CA" >/dev/null
carry region-e hq
carry region-e shop-a
refuse region-e "region approves an audited claim" "may not approve" claim approve "$CA"
refuse shop-a "shop approves its own audited claim" "may not approve" claim approve "$CA"
sv hq claim approve "$CA" --amount 9000 --reason "travel cut" >/dev/null
carry hq region-e
carry region-e shop-a
refuse shop-a "shop pays its own approved claim" "may not pay" claim pay --shop shop-a --month "$MONTH" --ref PAY-SELF
refuse region-e "region pays an approved claim" "may not pay" claim pay --shop shop-a --month "$MONTH" --ref PAY-REGION
refuse hq "HQ pays a month the claim was not approved in" "no approved claim left to pay for 2020-01" \
	claim pay --shop shop-a --month 2020-01 --ref P
refuse shop-a "shop assigns a ticket" "may not assign" ticket assign "$TA" --shop shop-a
refuse shop-a "shop closes its ticket" "may not close" ticket status "$TA" closed
refuse shop-a "shop records its own callback" "may not record" ticket callback "$TA" --satisfaction 5
refuse shop-a "shop revokes a node" "HQ" node revoke region-e --reason x
refuse region-e "region revokes its shop" "HQ" node revoke shop-a --reason x
refuse region-e "region edits the catalog" "may not edit the parts catalog" catalog add P-1 --name x --price 1
refuse shop-a "shop receives stock" "may not receive stock" part receive P-1 --qty 100
sv hq claim pay --shop shop-a --month "$MONTH" --ref PAY-1 >/dev/null
assert_eq "$(jget hq '[(c["id"], c["paid_ref"]) for c in j["claims"]]' statement --shop shop-a --month "$MONTH")" \
	"[('$CA', 'PAY-1')]" "the claim paid at HQ"
ok

section "tampering at rest: a flipped byte in data.mdb"
for n in hq region-e shop-a; do
	rc=0
	"$S" --dir "$T/$n" verify --json >"$T/v.json" 2>&1 || rc=$?
	assert_eq "$rc" 0 "verify of untouched $n"
done
MARK="Marker-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
sv shop-a ticket note "$TA" "inspection $MARK done" >/dev/null

# flip NAME TEXT: flip one byte (the last of TEXT) in every copy of TEXT in
# NAME's data.mdb; prints how many copies.
flip() {
	python3 - "$T/$1/data.mdb" "$2" <<'EOF'
import sys
path, text = sys.argv[1], sys.argv[2].encode()
data = bytearray(open(path, "rb").read())
n, at = 0, data.find(text)
while at >= 0:
    data[at + len(text) - 1] ^= 0x01
    n += 1
    at = data.find(text, at + 1)
open(path, "r+b").write(data)
print(n)
EOF
}
# verify_bad NAME WHAT: verify must exit 1 and count a bad hash.
verify_bad() {
	local rc=0 got
	"$S" --dir "$T/$1" verify --json >"$T/v.json" 2>"$T/v.err" || rc=$?
	got=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["bad_hash"], j["ok"], j["first_problem"])' "$T/v.json" 2>/dev/null || echo "? ? $(cat "$T/v.err")")
	echo "   verify $1 after $2: exit $rc: $got"
	local through=0
	[ "$rc" = 1 ] || through=1
	[[ $got == [1-9]*" False "* ]] || through=1
	sec_attack tamper-at-rest "$through" "$2 in $1's data.mdb: verify exit $rc ($got)"
}
copies=$(flip shop-a "$MARK")
echo "   $MARK: $copies copies in shop-a's data.mdb, one byte flipped in each"
[ "$copies" -ge 1 ] || fail "marker not found in shop-a's data.mdb"
verify_bad shop-a "a flipped byte in a ticket note"
carry shop-a region-e 2>/dev/null || true
# a customer's name altered in place (same length), at region-e and HQ
carry region-e hq
for n in region-e hq; do
	copies=$(python3 - "$T/$n/data.mdb" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
old, new = b"Alice Original", b"Malice Origin!"
n, at = 0, data.find(old)
while at >= 0:
    data[at:at + len(old)] = new
    n += 1
    at = data.find(old, at + 1)
open(path, "r+b").write(data)
print(n)
EOF
)
	echo "   'Alice Original' -> 'Malice Origin!': $copies copies in $n's data.mdb"
	[ "$copies" -ge 1 ] || fail "customer name not found in $n's data.mdb"
	verify_bad "$n" "a customer's name rewritten"
done

sec_done self-dealing=20 tamper-at-rest=3

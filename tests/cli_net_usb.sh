#!/usr/bin/env bash
# cli_net_usb: a shop with no working link sends its week's work on a USB
# stick, and a file cannot carry more authority than its signer has.
#
# HQ, region-e and shop-a, each its own svcsyncd on loopback.
#  1. shop-a's link is down (its daemon stopped); the shop records a week of
#     work (tickets, status changes, a claim) and exports it for region-e.
#  2. region-e imports the file: every change new, nothing quarantined; its
#     daemon relays the work to HQ, which shows the tickets. A second import
#     finds everything already there. The file did not move the link's
#     checkpoint.
#  3. shop-a's daemon comes back: the link settles, and shop-a sends no batch
#     with changes, region-e applies nothing from it and HQ nothing more
#     from region-e. Each node holds shop-a's seqs 1..N densely, and
#     `svcsync verify` is clean with an empty quarantine everywhere.
#  4. Refused whole, exit 1 with one line: a file for another node, a
#     damaged file.
#  5. The forged file: shop-a's operator writes a file, correctly signed with
#     the shop's key, in which "HQ" approves and pays the shop's audited
#     claim (tests/forge_export.c). region-e quarantines both changes with
#     the reason, the claim stays audited at region-e and at HQ.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3; forge_export built with the tests.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_usb

FE="${SVC_BIN}/../tests/forge_export"
WEEK=20 # tickets

log_has() { log_since "$1" "$2" | grep -qF -- "$3"; }
# link_applied NAME PEER: changes NAME's daemon applied from PEER's link.
link_applied() {
	jget "$1" '[l["applied"] for l in ([j["upstream"]] if j["upstream"] else []) + j["downstream"] if l["node"] == "'"$2"'"][0]' status
}
# shop_seqs NAME: the seqs of shop-a held at NAME, in order, space-separated.
shop_seqs() { jget "$1" '" ".join(str(s) for s in sorted(c["seq"] for c in j if c["origin"] == "shop-a"))' log --limit 100000; }
# refuse NAME PHRASE ARGS...: exit 1, one line on stderr naming PHRASE.
refuse() {
	local n=$1 phrase=$2 rc=0 before
	shift 2
	before=$(lsn "$n")
	timeout 60 "$S" --dir "$T/$n" "$@" >"$T/out" 2>"$T/err" || rc=$?
	assert_eq "$rc" 1 "exit status of svcsync $* at $n ($(cat "$T/err"))"
	assert_eq "$(wc -l <"$T/err")" 1 "lines on stderr of svcsync $* at $n"
	grep -qF -- "$phrase" "$T/err" || fail "svcsync $* at $n: '$phrase' not in: $(cat "$T/err")"
	ok
	assert_eq "$(lsn "$n")" "$before" "log length at $n after the refused import"
	echo "   refused: $(cat "$T/err")"
}

section "the network: hq, region-e, shop-a"
net_hq hq
net_region region-e
net_shop shop-a region-e
sv hq catalog add P-1 --name filter --price 1000 >/dev/null
start hq
start region-e
start shop-a
net_quiesce 30
hq_from_region=$(link_applied hq region-e)
stop shop-a

section "shop-a works a week with no link"
IDS=()
for i in $(seq 1 $WEEK); do
	IDS+=("$(sv shop-a ticket new --kind repair --customer "Week Customer $i" \
		--phone "1380000$(printf %04d "$i")" --product AC-1 --fault "no cooling")")
done
for id in "${IDS[@]:0:5}"; do
	for st in accepted on_site resolved; do sv shop-a ticket status "$id" "$st" >/dev/null; done
done
CL=$(sv shop-a claim submit --ticket "${IDS[0]}" --labor 8000 --travel 1500)
# each ticket with its customer file, 5 x 3 status changes, the claim
N=$((2 * WEEK + 5 * 3 + 1))
assert_eq "$(shop_seqs shop-a)" "$(seq -s ' ' 1 $N)" "shop-a's own seqs"
out=$(sv shop-a export --for region-e --out "$T/week.chg")
echo "   $out"
assert_eq "$out" "exported $N changes for region-e to $T/week.chg (1 new commits signed)" \
	"export output"
# The key signs; nothing else changes at the shop.
assert_eq "$(jget shop-a 'j["uncommitted"]' verify)" 0 "shop-a's uncommitted changes after export"

section "region-e imports the file; its daemon relays the week to HQ"
mark_hq=$(log_mark hq)
out=$(sv region-e import --kind changes "$T/week.chg")
echo "   $out"
assert_eq "$out" "imported $T/week.chg from shop-a: $N changes: $N new, 0 already here, 0 quarantined" \
	"first import"
assert_eq "$(jget region-e 'len([t for t in j if t["shop"] == "shop-a"])' ticket list)" $WEEK \
	"shop-a's tickets at region-e"
wait_json 30 hq 'len([t for t in j if t["shop"] == "shop-a"])' $WEEK ticket list
wait_json 30 hq 'j["status"]' submitted claim show "$CL"
net_quiesce 30
# The daemons refresh their link figures each second: wait for HQ's.
wait_json 10 hq '[l["applied"] for l in j["downstream"] if l["node"] == "region-e"][0]' \
	$((hq_from_region + N)) status
log_since hq "$mark_hq" | grep -F 'link region-e: applied' | sed 's/^/   hq: /'
out=$(sv region-e import --kind changes "$T/week.chg")
assert_eq "$out" "imported $T/week.chg from shop-a: $N changes: 0 new, $N already here, 0 quarantined" \
	"second import"
# A file is not the link: region-e's checkpoint for shop-a stayed where the
# link left it, and the heads summaries keep the link from re-sending.

section "shop-a's link comes back: nothing is sent or applied twice"
mark_sa=$(log_mark shop-a)
mark_re=$(log_mark region-e)
re_from_shop=$(link_applied region-e shop-a)
start shop-a -v
WAIT_WHY="log_since shop-a $mark_sa" wait_until 20 log_has shop-a "$mark_sa" "link region-e: up ("
ok
net_quiesce 30
log_since shop-a "$mark_sa" | grep -F 'link region-e: up (' | sed 's/^/   shop-a: /'
sent=$(log_since shop-a "$mark_sa" | grep -F 'link region-e: sent batch' || true)
assert_eq "$sent" "" "batches with changes shop-a sent to region-e after reconnecting"
assert_eq "$(link_applied region-e shop-a)" "$re_from_shop" "changes region-e applied from shop-a"
applied=$(log_since region-e "$mark_re" | grep -F 'link shop-a: applied' || true)
assert_eq "$applied" "" "region-e's log of batches applied from shop-a"
assert_eq "$(link_applied hq region-e)" $((hq_from_region + N)) \
	"changes HQ applied from region-e, after shop-a's return"
for n in shop-a region-e hq; do
	assert_eq "$(shop_seqs $n)" "$(seq -s ' ' 1 $N)" "shop-a's seqs at $n (dense, each once)"
done
net_verify_all

section "files refused as a whole"
sv shop-a export --for region-e --out "$T/again.chg" >/dev/null
refuse hq "the file is for region-e, not for this node (hq)" import --kind changes "$T/again.chg"
python3 - "$T/again.chg" "$T/damaged.chg" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 3] ^= 0x01
open(sys.argv[2], "wb").write(b)
EOF
refuse region-e "damaged.chg" import --kind changes "$T/damaged.chg"

section "a forged file: shop-a's operator makes HQ pay the shop's claim"
[ -x "$FE" ] || fail "$FE missing (it is built with the tests)"
sv region-e claim audit "$CL" >/dev/null
wait_json 30 hq 'j["status"]' audited claim show "$CL"
wait_json 30 shop-a 'j["status"]' audited claim show "$CL"
out=$("$FE" --dir "$T/shop-a" --claim "$CL" --for region-e --out "$T/forged.chg")
echo "   $out"
out=$(sv region-e import --kind changes "$T/forged.chg")
sed 's/^/   /' <<<"$out"
assert_eq "$(head -1 <<<"$out")" \
	"imported $T/forged.chg from shop-a: 2 changes: 0 new, 0 already here, 2 quarantined" \
	"import of the forged file"
assert_eq "$(jget region-e 'j["status"], j["pay_ref"]' claim show "$CL")" "('audited', '')" \
	"the claim at region-e after the forged file"
net_pycheck "$CL" <<'EOF'
q = sv("region-e", "quarantine", "list")
expect(sorted((c["origin"], c["kind"], c["aggregate"], c["peer"]) for c in q),
       [("hq", "claim.decide", sys.argv[1], "shop-a")] * 2,
       "region-e's quarantine: HQ's two decisions, carried by shop-a")
for c in q:
    print(f'   quarantined at region-e: {c["origin"]}/{c["seq"]} {c["kind"]}: {c["reason"]}')
    expect("relayed by shop-a, which is not its origin's upstream" in c["reason"], True,
           "the quarantine reason names the relay rule")
EOF
mark_hq=$(log_mark hq)
sv region-e ticket note "${IDS[1]}" "after the forged file" >/dev/null
WAIT_WHY="log_since hq $mark_hq" wait_until 30 log_has hq "$mark_hq" "link region-e: applied"
ok
net_quiesce 30
assert_eq "$(jget hq 'j["status"], j["pay_ref"]' claim show "$CL")" "('audited', '')" \
	"the claim at HQ after the forged file"
assert_eq "$(jget hq 'len(j)' quarantine list)" 0 "HQ's quarantine"

net_done

#!/usr/bin/env bash
# cli_net_flow: a working day of a live network, real daemons on loopback.
#
# HQ, two regions (region-e, region-w) with two shops each, every node its
# own svcsyncd. Parts flow HQ -> region -> shop (two-phase transfers) and are
# consumed on tickets; tickets are opened at shops (walk-in) and at regions
# (assigned to a shop), worked at the shops, called back and closed (or
# cancelled) by the region; a ticket moves from one shop to another (the new
# shop gets its history, the old one learns it lost it); HQ hands a ticket
# to a shop of another region (refused, or it must reach that shop); claims
# are submitted by shops, audited (or returned) by their region, approved in
# full, in part, rejected and resubmitted, and paid by HQ, and every
# decision is checked at the submitting shop. At the end, once the network
# is quiet, every node's tickets and claims are exactly the ones it may see,
# field for field equal to HQ's, HQ holds every change of every node, stock
# is exact everywhere, and every store passes `svcsync verify` with nothing
# in quarantine.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_flow

W=10 # seconds any single change may take to arrive where it is going

section "the network: hq, region-e (shop-e1, shop-e2), region-w (shop-w1, shop-w2)"
net_hq hq
net_region region-e
net_region region-w
net_shop shop-e1 region-e
net_shop shop-e2 region-e
net_shop shop-w1 region-w
net_shop shop-w2 region-w
SHOPS="shop-e1 shop-e2 shop-w1 shop-w2"
REGIONS="region-e region-w"
region_of() { case $1 in shop-e*) echo region-e ;; *) echo region-w ;; esac; }
start_all
# Every shop's link is up: its own certificate came back down from HQ.
for s in $SHOPS; do
	wait_json $W "$s" '"'"$s"'" in [n["node"] for n in j]' True node list
done

section "parts: HQ -> regions -> shops"
sv hq catalog add P-100 --name "Compressor" --price 12550 >/dev/null
sv hq catalog add P-200 --name "Fan motor" --price 3000 >/dev/null
sv hq part receive P-100 --qty 100 --ref PO-1 >/dev/null
sv hq part receive P-200 --qty 50 --ref PO-2 >/dev/null
XE1=$(sv hq part transfer P-100 --qty 30 --to region-e)
XE2=$(sv hq part transfer P-200 --qty 10 --to region-e)
XW1=$(sv hq part transfer P-100 --qty 20 --to region-w)
for x in "$XE1:region-e" "$XE2:region-e" "$XW1:region-w"; do
	wait_json $W "${x#*:}" '[t["status"] for t in j if t["id"] == "'"${x%%:*}"'"]' \
		"['in_transit']" part transfers
	sv "${x#*:}" part receive --transfer "${x%%:*}" >/dev/null
done
for s in $SHOPS; do
	wait_json $W "$s" 'sorted(p["part_no"] for p in j)' "['P-100', 'P-200']" catalog list
done
# The regions ship on only what they received (more would be refused).
assert_eq "$(jget region-e '[(r["part_no"], r["on_hand"]) for r in j]' stock)" \
	"[('P-100', 30), ('P-200', 10)]" "region-e stock after receiving"
declare -A XS
XS[shop-e1]="$(sv region-e part transfer P-100 --qty 8 --to shop-e1) $(sv region-e part transfer P-200 --qty 4 --to shop-e1)"
XS[shop-e2]=$(sv region-e part transfer P-100 --qty 5 --to shop-e2)
XS[shop-w1]=$(sv region-w part transfer P-100 --qty 6 --to shop-w1)
for s in shop-e1 shop-e2 shop-w1; do
	for x in ${XS[$s]}; do
		wait_json $W "$s" '[t["status"] for t in j if t["id"] == "'"$x"'"]' "['in_transit']" \
			part transfers
		sv "$s" part receive --transfer "$x" >/dev/null
	done
done

section "tickets: walk-ins at the shops, region tickets assigned to shops"
declare -A WALK WALK2 REG
for s in $SHOPS; do
	WALK[$s]=$(sv "$s" ticket new --kind repair --customer "Walkin $s one" --phone "1390000000${s: -1}" \
		--product AC-35 --serial "SN-$s-1" --purchased 2025-06-01 --fault "no cooling")
	WALK2[$s]=$(sv "$s" ticket new --kind install --customer "Walkin $s two" \
		--phone "1370000000${s: -1}" --product WH-60 --fault "install heater")
	assert_eq "$(jget "$s" 'j["status"], j["shop"], j["region"], j["in_warranty"]' ticket show "${WALK[$s]}")" \
		"('assigned', '$s', '$(region_of "$s")', True)" "walk-in ticket at $s"
done
for r in $REGIONS; do
	for s in $SHOPS; do
		[ "$(region_of "$s")" = "$r" ] || continue
		t=$(sv "$r" ticket new --kind repair --customer "Hotline for $s" --phone "1360000000${s: -1}" \
			--product TV-55 --fault "noise at night")
		assert_eq "$(jget "$r" 'j["status"], j["shop"]' ticket show "$t")" "('new', None)" \
			"region ticket before assignment"
		sv "$r" ticket assign "$t" --shop "$s" >/dev/null
		REG[$s]=$t
	done
done
for s in $SHOPS; do
	wait_json $W "$s" '[(t["status"], t["shop"], t["opened_by"]) for t in j if t["id"] == "'"${REG[$s]}"'"]' \
		"[('assigned', '$s', '$(region_of "$s")')]" ticket list
	# The earlier change (the open at the region) arrived with the assignment.
	assert_eq "$(jget "$s" '[h["kind"] for h in j["history"]][:2], j["customer"]' ticket show "${REG[$s]}")" \
		"(['ticket.open', 'ticket.assign'], 'Hotline for $s')" "$s holds ${REG[$s]} from its open"
done

section "a ticket moves: region-e gives shop-e1's ticket to shop-e2"
MV=$(sv region-e ticket new --kind repair --customer "Moving customer" --phone 13500000009 \
	--product AC-35 --fault "intermittent")
sv region-e ticket assign "$MV" --shop shop-e1 >/dev/null
wait_json $W shop-e1 'j["status"]' assigned ticket show "$MV"
sv shop-e1 ticket status "$MV" accepted >/dev/null
sv shop-e1 ticket note "$MV" "shop-e1: needs a part we lack" >/dev/null
wait_json $W region-e 'j["status"], j["note_count"]' "('accepted', 1)" ticket show "$MV"
sv region-e ticket assign "$MV" --shop shop-e2 >/dev/null
# shop-e2 gains the ticket with everything before it, shop-e1's work included.
wait_json $W shop-e2 'j["status"], j["shop"], [h["kind"] for h in j["history"]]' \
	"('assigned', 'shop-e2', ['ticket.open', 'ticket.assign', 'ticket.status', 'ticket.note', 'ticket.assign'])" \
	ticket show "$MV"
assert_eq "$(jget shop-e2 '[n["text"] for n in j["notes"]]' ticket show "$MV")" \
	"['shop-e1: needs a part we lack']" "shop-e1's note at shop-e2"
# shop-e1 learns it lost the ticket, and can no longer work it.
wait_json $W shop-e1 'j["shop"]' shop-e2 ticket show "$MV"
if svq shop-e1 ticket status "$MV" on_site >/dev/null; then
	fail "shop-e1 worked a ticket given to shop-e2"
fi
ok
sv shop-e2 ticket status "$MV" accepted >/dev/null
sv shop-e2 ticket status "$MV" on_site >/dev/null
sv shop-e2 ticket status "$MV" resolved >/dev/null
wait_json $W hq 'j["status"], j["shop"], j["note_count"]' "('resolved', 'shop-e2', 1)" ticket show "$MV"

section "the shops work their tickets and consume parts"
work() { # SHOP TICKET
	sv "$1" ticket status "$2" accepted >/dev/null
	sv "$1" ticket status "$2" on_site >/dev/null
	sv "$1" ticket note "$2" "$1 on site for $2" >/dev/null
}
for s in $SHOPS; do
	work "$s" "${WALK[$s]}"
	work "$s" "${REG[$s]}"
done
sv shop-e1 part consume P-100 --qty 2 --ticket "${WALK[shop-e1]}" >/dev/null
sv shop-e1 part consume P-200 --qty 1 --ticket "${REG[shop-e1]}" >/dev/null
sv shop-e2 part consume P-100 --qty 1 --ticket "${WALK[shop-e2]}" >/dev/null
sv shop-w1 part consume P-100 --qty 3 --ticket "${WALK[shop-w1]}" >/dev/null
for s in $SHOPS; do
	sv "$s" ticket status "${WALK[$s]}" resolved --reason "fixed by $s" >/dev/null
	sv "$s" ticket status "${REG[$s]}" resolved --reason "quiet now" >/dev/null
done

section "the regions call back and close"
for s in $SHOPS; do
	r=$(region_of "$s")
	wait_json $W "$r" 'j["status"], j["note_count"]' "('resolved', 1)" ticket show "${REG[$s]}"
	sv "$r" ticket callback "${REG[$s]}" --satisfaction 4 --note "customer content ($s)" >/dev/null
	sv "$r" ticket status "${REG[$s]}" closed >/dev/null
done
for s in $SHOPS; do
	wait_json $W "$s" 'j["status"], j["callback"]["satisfaction"]' "('closed', 4)" ticket show "${REG[$s]}"
done
# region-w cancels one of shop-w2's walk-ins (the customer withdrew).
wait_until $W svq region-w ticket show "${WALK2[shop-w2]}"
sv region-w ticket status "${WALK2[shop-w2]}" cancelled --reason "customer withdrew" >/dev/null
wait_json $W shop-w2 'j["status"]' cancelled ticket show "${WALK2[shop-w2]}"

section "claims: submitted, audited or returned, decided, paid"
declare -A CL
CL[shop-e1]=$(sv shop-e1 claim submit --ticket "${WALK[shop-e1]}" --labor 8000 --part P-100:2 \
	--travel 1500 --note "compressor x2")
CL[shop-e2]=$(sv shop-e2 claim submit --ticket "${WALK[shop-e2]}" --labor 6000 --part P-100:1)
CL[shop-w1]=$(sv shop-w1 claim submit --ticket "${WALK[shop-w1]}" --labor 9000 --part P-100:3 \
	--other 500)
CL[shop-w2]=$(sv shop-w2 claim submit --ticket "${WALK[shop-w2]}" --labor 4000 --travel 800)
for s in $SHOPS; do
	assert_match "${CL[$s]}" "^C-$s-[0-9]+$" "claim id at $s"
done
wait_json $W region-e 'j["status"]' submitted claim show "${CL[shop-e1]}"
wait_json $W region-e 'j["status"]' submitted claim show "${CL[shop-e2]}"
wait_json $W region-w 'j["status"]' submitted claim show "${CL[shop-w1]}"
wait_json $W region-w 'j["status"]' submitted claim show "${CL[shop-w2]}"
sv region-e claim audit "${CL[shop-e1]}" >/dev/null
sv region-e claim audit "${CL[shop-e2]}" >/dev/null
sv region-w claim audit "${CL[shop-w1]}" >/dev/null
sv region-w claim return "${CL[shop-w2]}" --reason "travel needs a receipt" >/dev/null
for s in shop-e1 shop-e2 shop-w1; do
	wait_json $W hq 'j["status"]' audited claim show "${CL[$s]}"
done
sv hq claim approve "${CL[shop-e1]}" --reason "labor checked" >/dev/null
sv hq claim approve "${CL[shop-e2]}" --amount 15000 --reason "labor above the standard rate" >/dev/null
sv hq claim reject "${CL[shop-w1]}" --reason "out of warranty" >/dev/null
# Claims are paid by the shop's month (the approval's, in the network's zone).
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
sv hq claim pay --shop shop-e1 --month "$MONTH" --ref BANK-0001 >/dev/null
sv hq claim pay --shop shop-e2 --month "$MONTH" --ref BANK-0002 >/dev/null

# The decisions at the submitting shops, and the payments in their statements.
E1_TOTAL=$((8000 + 2 * 12550 + 1500))
wait_json $W shop-e1 'j["status"], j["approved"], j["revision"]' \
	"('approved', $E1_TOTAL, 1)" claim show "${CL[shop-e1]}"
wait_json $W shop-e1 '[(c["id"], c["paid_ref"]) for c in j["claims"]]' \
	"[('${CL[shop-e1]}', 'BANK-0001')]" statement --shop shop-e1 --month "$MONTH"
wait_json $W shop-e2 'j["status"], j["approved"], j["total"]' \
	"('partially_approved', 15000, $((6000 + 12550)))" claim show "${CL[shop-e2]}"
wait_json $W shop-e2 '[(c["id"], c["paid_ref"]) for c in j["claims"]]' \
	"[('${CL[shop-e2]}', 'BANK-0002')]" statement --shop shop-e2 --month "$MONTH"
wait_json $W shop-w1 'j["status"], j["reason"]' "('rejected', 'out of warranty')" \
	claim show "${CL[shop-w1]}"
wait_json $W shop-w2 'j["status"], j["reason"]' "('returned', 'travel needs a receipt')" \
	claim show "${CL[shop-w2]}"

section "resubmissions: revision 2 of the rejected and of the returned claim"
assert_eq "$(sv shop-w1 claim submit --ticket "${WALK[shop-w1]}" --labor 7000 --part P-100:3 \
	--note "in warranty: invoice attached")" "${CL[shop-w1]}" "resubmission keeps the claim id"
assert_eq "$(sv shop-w2 claim submit --ticket "${WALK[shop-w2]}" --labor 4000)" "${CL[shop-w2]}" \
	"resubmission keeps the claim id"
for s in shop-w1 shop-w2; do
	wait_json $W region-w 'j["status"], j["revision"]' "('submitted', 2)" claim show "${CL[$s]}"
	sv region-w claim audit "${CL[$s]}" >/dev/null
	wait_json $W hq 'j["status"], j["revision"]' "('audited', 2)" claim show "${CL[$s]}"
done
sv hq claim approve "${CL[shop-w1]}" --reason "labor checked" >/dev/null
sv hq claim pay --shop shop-w1 --month "$MONTH" --ref BANK-0003 >/dev/null
sv hq claim approve "${CL[shop-w2]}" --amount 3000 --reason "travel cut" >/dev/null
W1_TOTAL=$((7000 + 3 * 12550))
wait_json $W shop-w1 'j["status"], j["revision"], j["total"], j["approved"]' \
	"('approved', 2, $W1_TOTAL, $W1_TOTAL)" claim show "${CL[shop-w1]}"
wait_json $W shop-w1 '[(c["id"], c["paid_ref"]) for c in j["claims"]]' \
	"[('${CL[shop-w1]}', 'BANK-0003')]" statement --shop shop-w1 --month "$MONTH"
wait_json $W shop-w2 'j["status"], j["revision"], j["approved"], j["decided_by"], j["audited_by"]' \
	"('partially_approved', 2, 3000, 'hq', 'region-w')" claim show "${CL[shop-w2]}"

section "HQ hands a region-w ticket to shop-e1, a shop of region-e"
XR=$(sv hq ticket new --kind repair --customer "Customer who moved east" --phone 13500000010 \
	--product AC-35 --fault "moved house" --region region-w --shop shop-w1)
wait_json $W shop-w1 'j["status"]' assigned ticket show "$XR"
sv shop-w1 ticket note "$XR" "shop-w1: the customer moved to the east" >/dev/null
wait_json $W hq 'j["note_count"]' 1 ticket show "$XR"
if "$S" --dir "$T/hq" ticket assign "$XR" --shop shop-e1 >/dev/null 2>"$T/err"; then
	# Accepted: then the ticket must reach shop-e1 (through region-e, now its
	# region), with what happened before.
	expect_json $W shop-e1 'j["shop"], j["region"], j["note_count"]' "('shop-e1', 'region-e', 1)" \
		ticket show "$XR"
	expect_json 2 region-e 'j["shop"], j["region"], j["note_count"]' "('shop-e1', 'region-e', 1)" \
		ticket show "$XR"
	expect_json 2 hq 'j["shop"], j["region"]' "('shop-e1', 'region-e')" ticket show "$XR"
else
	# Refused: one line, and the ticket stays where it was.
	assert_eq "$(wc -l <"$T/err")" 1 "lines on stderr of a refused cross-region assign"
	echo "   refused: $(cat "$T/err")"
	expect_json $W hq 'j["shop"], j["region"]' "('shop-w1', 'region-w')" ticket show "$XR"
fi

section "quiescence"
net_quiesce 20

section "stock, exact, at every node and at HQ; views against HQ's"
net_pycheck "$XR" <<'EOF'
STOCK = {
    "hq": [("P-100", 50), ("P-200", 40)],
    "region-e": [("P-100", 17), ("P-200", 6)],
    "region-w": [("P-100", 14)],
    "shop-e1": [("P-100", 6), ("P-200", 3)],
    "shop-e2": [("P-100", 4)],
    "shop-w1": [("P-100", 3)],
    "shop-w2": [],
}
def levels(rows):
    return sorted((r["part_no"], r["on_hand"]) for r in rows if r["on_hand"] or r["in_transit_in"])
for n, want in STOCK.items():
    expect(levels(sv(n, "stock")), want, f"stock at {n}, its own view")
    expect(levels(sv("hq", "stock", "--location", ID[n])), want, f"stock of {n} in HQ's view")
    if n.startswith("shop"):
        r = "region-" + n[5]
        expect(levels(sv(r, "stock", "--location", ID[n])), want, f"stock of {n} in {r}'s view")
hq_all = sv("hq", "stock", "--all")
# A shop does not hold its region's stock (only its side of the shipments).
p = subprocess.run([S, "--dir", f"{T}/shop-e1", "stock", "--location", "region-e", "--json"],
                   capture_output=True, text=True)
expect((p.returncode, p.stdout), (1, ""), "shop-e1 stock --location region-e is refused")
expect(sorted((r["location"], r["part_no"], r["on_hand"], r["in_transit_in"]) for r in hq_all
              if r["on_hand"] or r["in_transit_in"]),
       sorted((n, p, q, 0) for n, v in STOCK.items() for p, q in v), "HQ stock --all")
# Whatever location a node lists, it lists with HQ's numbers: no node shows
# a stock level for a location whose movements it sees only in part.
at_hq = {(r["location"], r["part_no"]): (r["on_hand"], r["in_transit_in"], r["defective"])
         for r in hq_all}
for n in NODES:
    wrong = [f"{r['location']} {r['part_no']}: {(r['on_hand'], r['in_transit_in'], r['defective'])} "
             f"here, {at_hq.get((r['location'], r['part_no']))} at HQ"
             for r in sv(n, "stock", "--all")
             if at_hq.get((r["location"], r["part_no"]), (0, 0, 0)) !=
                (r["on_hand"], r["in_transit_in"], r["defective"])]
    expect(wrong, [], f"stock --all at {n} agrees with HQ for every location it lists")

# Every node holds exactly what it may see, field for field as HQ has it.
compare_views([n for n in NODES if n != "hq"], skip={sys.argv[1]})
expect(len(sv("hq", "ticket", "list")), 14, "tickets at HQ (8 walk-ins, 5 region tickets, HQ's)")
expect(len(sv("hq", "claim", "list")), 4, "claims at HQ")
COUNTS = {"shop-e1": (4, 1), "shop-e2": (4, 1), "shop-w1": (3, 1), "shop-w2": (3, 1),
          "region-e": (7, 2), "region-w": (6, 2)}
for n, want in COUNTS.items():
    expect((len([t for t in sv(n, "ticket", "list") if t["id"] != sys.argv[1]]),
            len(sv(n, "claim", "list"))), want, f"tickets and claims at {n}")
# Every change made anywhere is at HQ: each origin's seqs 1..N, once each.
hq_log = sv("hq", "log")
for n in NODES:
    own = sorted(c["seq"] for c in sv(n, "log") if c["origin"] == ID[n])
    expect(own, list(range(1, len(own) + 1)), f"{n}'s own seqs are dense")
    expect(sorted(c["seq"] for c in hq_log if c["origin"] == ID[n]), own,
           f"{n}'s own changes at HQ")
expect([c["aggregate"] + ": " + c["reason"] for c in hq_log if c["rejected"]], [],
       "rejected changes at HQ")
EOF
net_verify_all

net_done

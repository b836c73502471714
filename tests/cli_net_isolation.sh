#!/usr/bin/env bash
# cli_net_isolation: read isolation, checked by scanning stores.
#
# HQ, region-e (shop-e1, shop-e2) and region-w (shop-w1, shop-w2), live
# daemons. Every shop gets tickets whose customers have names, phones and
# addresses found nowhere else (walk-ins it opens, one its region opens and
# assigns to it, one HQ opens for it) and a claim with a distinctive note,
# decided by HQ. After a full sync each shop's store is scanned for anything
# of another shop, through the CLI (ticket list, claim list, every change in
# log) and as raw bytes (grep -a -c over the LMDB file). The raw scan must
# find each shop's own markers (the positive control: the scan works) and
# none of another shop's. Likewise a region holds nothing of the other
# region's shops, and HQ holds everything.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_isolation

W=10
SHOPS="shop-e1 shop-e2 shop-w1 shop-w2"
region_of() { case $1 in shop-e*) echo region-e ;; *) echo region-w ;; esac; }
# Markers: distinctive strings per shop, in customer names, phones,
# addresses and claim notes. k is the shop's digit: 1..4.
declare -A K=([shop-e1]=1 [shop-e2]=2 [shop-w1]=3 [shop-w2]=4)
declare -A MARK=([1]=Quokka [2]=Narwhal [3]=Axolotl [4]=Pangolin)
name() { echo "${MARK[${K[$1]}]} Customer$2"; } # SHOP N
phone() { local k=${K[$1]}; echo "1$((k + 4))${k}${k}${k}${k}${k}${k}${k}0$2"; } # SHOP N: a mobile number, 11 digits
addr() { echo "${MARK[${K[$1]}]} Lane $2"; }

section "the network: hq, region-e (shop-e1, shop-e2), region-w (shop-w1, shop-w2)"
net_hq hq
net_region region-e
net_region region-w
for s in $SHOPS; do net_shop "$s" "$(region_of "$s")"; done
start_all
sv hq catalog add P-100 --name Compressor --price 12550 >/dev/null
sv hq part receive P-100 --qty 20 >/dev/null
X=$(sv hq part transfer P-100 --qty 10 --to region-e)
wait_json $W region-e '[t["status"] for t in j]' "['in_transit']" part transfers
sv region-e part receive --transfer "$X" >/dev/null
XS=$(sv region-e part transfer P-100 --qty 3 --to shop-e1)

section "tickets and claims with distinctive customers at every shop"
declare -A WALK RT HT CL
for s in $SHOPS; do
	WALK[$s]=$(sv "$s" ticket new --kind repair --customer "$(name "$s" 1)" --phone "$(phone "$s" 1)" \
		--address "$(addr "$s" 1)" --product AC-1 --serial "SER${MARK[${K[$s]}]}" --fault "fault 1")
	sv "$s" ticket new --kind install --customer "$(name "$s" 2)" --phone "$(phone "$s" 2)" \
		--address "$(addr "$s" 2)" --product WH-2 --fault "fault 2" >/dev/null
	r=$(region_of "$s")
	RT[$s]=$(sv "$r" ticket new --kind repair --customer "$(name "$s" 3)" --phone "$(phone "$s" 3)" \
		--address "$(addr "$s" 3)" --product TV-3 --fault "fault 3")
	sv "$r" ticket assign "${RT[$s]}" --shop "$s" >/dev/null
	HT[$s]=$(sv hq ticket new --kind repair --customer "$(name "$s" 4)" --phone "$(phone "$s" 4)" \
		--address "$(addr "$s" 4)" --product AC-4 --fault "fault 4" --region "$r" --shop "$s")
done
wait_json $W shop-e1 '[t["status"] for t in j]' "['in_transit']" part transfers
sv shop-e1 part receive --transfer "$XS" >/dev/null
for s in $SHOPS; do
	t=${WALK[$s]}
	sv "$s" ticket status "$t" accepted >/dev/null
	sv "$s" ticket status "$t" on_site >/dev/null
	sv "$s" ticket note "$t" "${MARK[${K[$s]}]} note on site" >/dev/null
	[ "$s" = shop-e1 ] && sv "$s" part consume P-100 --qty 1 --ticket "$t" >/dev/null
	sv "$s" ticket status "$t" resolved >/dev/null
	CL[$s]=$(sv "$s" claim submit --ticket "$t" --labor $((1000 * ${K[$s]})) --note "${MARK[${K[$s]}]}ClaimNote")
done
for s in $SHOPS; do
	wait_json $W "$(region_of "$s")" 'j["status"]' submitted claim show "${CL[$s]}"
	sv "$(region_of "$s")" claim audit "${CL[$s]}" >/dev/null
done
for s in $SHOPS; do
	wait_json $W hq 'j["status"]' audited claim show "${CL[$s]}"
	sv hq claim approve "${CL[$s]}" --reason "labor checked" >/dev/null
done
for s in $SHOPS; do
	wait_json $W "$s" 'j["status"]' approved claim show "${CL[$s]}"
	wait_json $W "$s" 'j["status"]' assigned ticket show "${HT[$s]}"
done
net_quiesce 20

section "HQ holds everything; each shop and region exactly its own (CLI)"
net_pycheck <<'EOF'
MARK = {"shop-e1": "Quokka", "shop-e2": "Narwhal", "shop-w1": "Axolotl", "shop-w2": "Pangolin"}
REGION = {"shop-e1": "region-e", "shop-e2": "region-e", "shop-w1": "region-w", "shop-w2": "region-w"}
hq_t, hq_c = sv("hq", "ticket", "list"), sv("hq", "claim", "list")
expect(len(hq_t), 16, "tickets at HQ")
expect(len(hq_c), 4, "claims at HQ")
for s, m in MARK.items():
    expect(sorted(t["customer"] for t in hq_t if t["shop"] == s),
           [f"{m} Customer{i}" for i in (1, 2, 3, 4)], f"{s}'s customers at HQ")
compare_views([n for n in NODES if n != "hq"])

# What a node must not hold, and may not even mention: the ids of other
# shops' tickets and claims, and their markers.
def foreign(node):
    if node.startswith("shop"):
        return [s for s in MARK if s != node]
    return [s for s in MARK if REGION[s] != node]
for n in NODES:
    if n == "hq":
        continue
    others = foreign(n)
    ids = {r["id"] for r in hq_t + hq_c if r["shop"] in others}
    marks = [MARK[s] for s in others]
    tickets, claims, log = sv(n, "ticket", "list"), sv(n, "claim", "list"), sv(n, "log")
    expect(sorted(t["id"] for t in tickets if t["id"] in ids or t["shop"] in others), [],
           f"other shops' tickets at {n}")
    expect(sorted(c["id"] for c in claims if c["id"] in ids or c["shop"] in others), [],
           f"other shops' claims at {n}")
    # Every change at n: none concerns another shop's records (the
    # directory, which names every node, aside).
    leaks = [f'{c["origin"]}/{c["seq"]} {c["kind"]} {c["aggregate"]}: {c["summary"]}'
             for c in log
             if c["aggregate"] in ids
             or any(m in json.dumps(c, ensure_ascii=False) for m in marks)
             or (not c["kind"].startswith("node.")
                 and any(s in c["summary"] or s in c["aggregate"] for s in others))]
    expect(leaks, [], f"changes at {n} about other shops")
    # Each shop sees all of its own changes, and the region's and HQ's on its records.
    if n.startswith("shop"):
        own = {r["id"] for r in tickets + claims}
        expect(sorted({c["aggregate"] for c in log
                       if c["kind"].startswith(("ticket.", "claim."))} - own), [],
               f"ticket and claim changes at {n} outside its own records")
EOF

section "raw byte scan of every store"
scan() { # NODE OWNER-SHOP WANT-PRESENT(yes|no)
	local n=$1 s=$2 want=$3 str c
	for str in "${MARK[${K[$s]}]}" "$(name "$s" 1)" "$(name "$s" 3)" "$(name "$s" 4)" \
		"$(phone "$s" 1)" "$(phone "$s" 2)" "$(phone "$s" 3)" "$(phone "$s" 4)" \
		"$(addr "$s" 2)" "${MARK[${K[$s]}]}ClaimNote"; do
		c=$(count_in "$n" "$str")
		if [ "$want" = yes ]; then
			if [ "$c" -gt 0 ]; then ok; else bad "raw scan of $n: its own '$str' (of $s) not found: the scan does not work"; fi
		else
			if [ "$c" = 0 ]; then ok; else bad "raw scan of $n: '$str' of $s found ($c lines)"; fi
		fi
	done
}
for n in "${NET_NODES[@]}"; do
	for s in $SHOPS; do
		case $n in
		hq) scan hq "$s" yes ;;
		region-*) if [ "$(region_of "$s")" = "$n" ]; then scan "$n" "$s" yes; else scan "$n" "$s" no; fi ;;
		*) if [ "$s" = "$n" ]; then scan "$n" "$s" yes; else scan "$n" "$s" no; fi ;;
		esac
	done
done
echo "   raw scan: e.g. shop-e1 holds '$(name shop-e1 1)' on $(count_in shop-e1 "$(name shop-e1 1)") line(s), '$(name shop-e2 1)' on $(count_in shop-e1 "$(name shop-e2 1)")"

net_verify_all
net_done

#!/usr/bin/env bash
# cli_net_offline: nodes that are down keep their work and catch up.
#
# HQ, region-e and two shops, each its own svcsyncd on loopback.
#  1. shop-a's daemon is stopped; the shop records 10,000 changes (a bulk
#     import of tickets plus individual CLI writes), starts its daemon and
#     catches up: HQ ends with exactly the shop's tickets, and its changes.
#     Meanwhile the region cancelled a ticket the offline shop accepted:
#     every node ends with the same verdict (cancelled, the accept rejected).
#  2. HQ's daemon is stopped while the shops and the region keep working
#     (and HQ's operators too, on HQ's store); HQ restarts and everything
#     arrives, both ways.
#  3. region-e's daemon is stopped for a while; the shops' writes queue at
#     the shops, HQ's decisions queue at HQ; the region restarts and
#     everything arrives at HQ and at the shops.
# Checked by ticket counts, specific ids and fields, per-origin seqs, views
# against HQ's, and `svcsync verify` and an empty quarantine everywhere.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_offline

W=10
BULK=4996 # a customer file and a ticket per line (2 x 4,996) + 8 CLI writes (a walk-in and its customer file among them) = 10,000 changes

# own_seqs NAME: how many changes NAME originated (its last own seq).
own_seqs() { jget "$1" 'max([c["seq"] for c in j if c["origin"] == "'"${NET_ID[$1]}"'"] or [0])' log; }
# has_ticket NAME ID [STATUS]: NAME holds ticket ID (with STATUS).
has_ticket() {
	local out
	out=$(svq "$1" ticket show "$2" --json) || return 1
	[ -z "${3:-}" ] || grep -q "\"status\": *\"$3\"" <<<"$out"
}
# lsn_at_least NAME N
lsn_at_least() { [ "$(lsn "$1")" -ge "$2" ]; }

section "the network: hq, region-e, shop-a, shop-b"
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-b region-e
start_all
net_quiesce 20
sv hq catalog add P-100 --name Compressor --price 12550 >/dev/null
net_quiesce 20

section "1. shop-a offline records 10,000 changes"
TC=$(sv shop-a ticket new --kind repair --customer "Cancelled meanwhile" --phone 13912345670 \
	--product AC-98 --fault "double booking")
wait_until $W has_ticket region-e "$TC"
stop shop-a
# While shop-a is offline its region cancels a ticket that shop-a, not
# knowing, accepts: once they meet, every node rejects the accept the same way.
sv region-e ticket status "$TC" cancelled --reason "booked twice" >/dev/null
python3 -c '
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"kind": "repair", "customer": "Offline customer %05d" % i,
                      "phone": "1380%07d" % i, "product": "AC-%d" % (i % 7),
                      "fault": "bulk fault %d" % i, "address": "Road %d" % i}))' $BULK >"$T/bulk.jsonl"
seq0=$(own_seqs shop-a)
hq0=$(lsn hq)
FIRST=$(sv shop-a import --kind ticket "$T/bulk.jsonl" | sed -n 's/.*first \(T-[^ ]*\).*/\1/p')
assert_match "$FIRST" '^T-shop-a-[0-9]+$' "first imported ticket id"
TK=$(sv shop-a ticket new --kind repair --customer "Offline walk-in" --phone 13912345678 \
	--product AC-99 --fault "rattles")
sv shop-a ticket status "$TK" accepted >/dev/null
sv shop-a ticket status "$TK" on_site >/dev/null
sv shop-a ticket note "$TK" "fixed the fan mount while offline" >/dev/null
sv shop-a ticket status "$TK" resolved >/dev/null
sv shop-a ticket status "$TC" accepted >/dev/null
sv shop-a ticket note "$TC" "customer not home" >/dev/null
assert_eq "$(($(own_seqs shop-a) - seq0))" 10000 "changes shop-a recorded offline"
SA_TICKETS=$(tcount shop-a)
assert_eq "$SA_TICKETS" $((BULK + 2)) "tickets at shop-a"
# Nothing left the shop while its daemon was down.
sleep 0.5
assert_eq "$(lsn hq)" "$hq0" "HQ's log while shop-a is offline"
LAST=$(jget shop-a '[c["aggregate"] for c in j if c["kind"] == "ticket.open" and c["aggregate"] != "'"$TK"'"][0]' log --limit 20)

t0=$(date +%s%N)
start shop-a
WAIT_WHY="lsn hq" wait_until 30 lsn_at_least hq $((hq0 + 10000))
echo "   catch-up of 10,000 changes shop-a -> region-e -> hq: $((($(date +%s%N) - t0) / 1000000)) ms"
net_quiesce 20
assert_eq "$(jget hq 'len(j)' ticket list --shop shop-a)" "$SA_TICKETS" "shop-a's tickets at HQ"
assert_eq "$(jget region-e 'len(j)' ticket list --shop shop-a)" "$SA_TICKETS" \
	"shop-a's tickets at region-e"
assert_eq "$(jget hq 'j["status"], j["note_count"], j["customer"]' ticket show "$TK")" \
	"('resolved', 1, 'Offline walk-in')" "the walked-in ticket at HQ"
assert_eq "$(jget hq 'j["customer"], j["address"]' ticket show "$FIRST")" \
	"('Offline customer 00000', 'Road 0')" "first imported ticket at HQ"
assert_eq "$(jget hq 'j["customer"]' ticket show "$LAST")" \
	"Offline customer $(printf %05d $((BULK - 1)))" "last imported ticket at HQ ($LAST)"
assert_eq "$(own_seqs shop-a)" "$(jget hq 'max(c["seq"] for c in j if c["origin"] == "shop-a")' log)" \
	"shop-a's last seq at HQ"
for n in hq region-e shop-a; do
	assert_eq "$(jget "$n" 'j["status"], j["note_count"], [(h["origin"], h["kind"], h["rejected"]) for h in j["history"][1:]]' ticket show "$TC")" \
		"('cancelled', 1, [('region-e', 'ticket.status', False), ('shop-a', 'ticket.status', True), ('shop-a', 'ticket.note', False)])" \
		"the late accept of $TC at $n"
done

section "2. HQ down while the others keep working"
stop hq
hqlsn=$(lsn hq)
declare -a LIVE=()
for s in shop-a shop-b; do
	for i in 1 2 3; do
		LIVE+=("$(sv "$s" ticket new --kind install --customer "While HQ down $s $i" \
			--phone 1350000000$i --product WH-$i --fault "install $i")")
	done
done
sv shop-b ticket status "${LIVE[3]}" accepted >/dev/null
RT=$(sv region-e ticket new --kind repair --customer "Hotline while HQ down" \
	--phone 13600000001 --product TV-1 --fault "no picture")
sv region-e ticket assign "$RT" --shop shop-b >/dev/null
# HQ's operators work on HQ's store without its daemon.
sv hq catalog add P-200 --name "Fan motor" --price 3000 >/dev/null
HT=$(sv hq ticket new --kind repair --customer "Escalated at HQ" --phone 13700000002 \
	--product AC-1 --fault "escalated" --region region-e --shop shop-a)
# The region and the shops still talk to each other.
wait_json $W region-e 'j["status"]' accepted ticket show "${LIVE[3]}"
wait_json $W shop-b 'j["status"], j["shop"]' "('assigned', 'shop-b')" ticket show "$RT"
# (the catalog entry, and the ticket with its customer file)
assert_eq "$(lsn hq)" $((hqlsn + 3)) "HQ's log while its daemon is down (its own 3 writes only)"
start hq
for t in "${LIVE[@]}" "$RT"; do
	wait_until $W has_ticket hq "$t"
done
wait_until $W has_ticket hq "${LIVE[3]}" accepted
wait_until $W has_ticket shop-a "$HT" assigned
wait_json $W shop-b '[p["part_no"] for p in j]' "['P-100', 'P-200']" catalog list
net_quiesce 20

section "3. region-e down for a while"
stop region-e
relsn=$(lsn region-e)
hqlsn=$(lsn hq)
declare -a QUEUED=()
for i in 1 2 3 4; do
	QUEUED+=("$(sv shop-a ticket new --kind repair --customer "While region down A$i" \
		--phone 1330000000$i --product AC-$i --fault "queued $i")")
	QUEUED+=("$(sv shop-b ticket new --kind repair --customer "While region down B$i" \
		--phone 1320000000$i --product AC-$i --fault "queued $i")")
done
sv shop-a ticket status "$HT" accepted >/dev/null
sv hq ticket status "${LIVE[0]}" cancelled --reason "duplicate" >/dev/null
sv hq catalog add P-300 --name "Remote" --price 900 >/dev/null
sleep 2 # "a while": the shops notice the region is gone and retry
# The writes queue where they were made.
assert_eq "$(lsn region-e)" "$relsn" "region-e's store while its daemon is down"
assert_eq "$(lsn hq)" $((hqlsn + 2)) "HQ's log while region-e is down (its own 2 writes only)"
for t in "${QUEUED[@]}"; do
	has_ticket hq "$t" && fail "$t reached HQ with region-e down"
done
ok
start region-e
for t in "${QUEUED[@]}"; do
	wait_until 20 has_ticket hq "$t"
done
wait_until $W has_ticket hq "$HT" accepted
wait_until $W has_ticket shop-a "${LIVE[0]}" cancelled
wait_json $W shop-a '[p["part_no"] for p in j]' "['P-100', 'P-200', 'P-300']" catalog list
net_quiesce 20

section "the end: counts, seqs and views against HQ"
net_pycheck <<'EOF'
hq_t = sv("hq", "ticket", "list")
expect(len([t for t in hq_t if t["shop"] == "shop-a"]), 4996 + 2 + 3 + 4 + 1,
       "shop-a's tickets at HQ (bulk, walk-in, cancelled, 3 while HQ was down, 4 while the "
       "region was, HQ's)")
expect(len([t for t in hq_t if t["shop"] == "shop-b"]), 3 + 4 + 1, "shop-b's tickets at HQ")
for n in ("shop-a", "shop-b"):
    expect(len(sv(n, "ticket", "list")), len([t for t in hq_t if t["shop"] == ID[n]]),
           f"{n}'s ticket count equals HQ's count of {n}'s tickets")
hq_log = sv("hq", "log")
for n in NODES:
    own = [c["seq"] for c in sv(n, "log") if c["origin"] == ID[n]]
    at_hq = sorted(c["seq"] for c in hq_log if c["origin"] == ID[n])
    expect(at_hq, list(range(1, len(own) + 1)), f"{n}'s changes at HQ: seqs 1..{len(own)} once each")
compare_views(["region-e", "shop-a", "shop-b"])
EOF
net_verify_all
net_done

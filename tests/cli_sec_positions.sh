#!/usr/bin/env bash
# cli_sec_positions: what a peer says about positions is checked against
# what each side really holds.
#
# HQ, region-e, shop-b (working) and shop-a, whose daemon does not run at
# first: the hostile client (tests/hostile_client.c) uses shop-a's key and
# node directory, so its HELLO is shop-a's own (store id, log head).
#
#  0. It sends an empty BATCH with to_lsn 2^62, outside the range of
#     positions (svc_types.h): region-e's decoder refuses the message,
#     naming the field.
#  1. It sends an empty BATCH with to_lsn 2^53 - 1, the last valid position,
#     after an honest HELLO: region-e refuses it, logging peer, to_lsn and
#     the announced head.
#  2. It announces a head of 2^53 - 1 (a lie the region cannot see through)
#     and sends the same BATCH: region-e takes it and keeps that as shop-a's
#     checkpoint. When the real shop-a starts, region-e's HELLO asks it to
#     resume there, beyond its log: shop-a reports a divergence (log and
#     `svcsync status`) and resends from the start, so the tickets it writes
#     reach region-e and HQ.
#  3. The HELLO region-e sends a shop lists shop-a's own origin and never
#     another shop's (shop-b's activity is none of shop-a's business).
#
# SVC_TEST_HC may name another hostile_client (to run this against older
# daemons with a client that has the modes used here).
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
HC=${SVC_TEST_HC:-$HC}
net_setup cli_sec_positions

HUGE=4611686018427387904 # 2^62: outside the range of positions
BIG=9007199254740991     # 2^53 - 1: the last valid position
NET_LOG_ALLOW="dropped a [0-9]+-byte message: envelope.batch.to_lsn: $HUGE is above $BIG"

section "the network: hq, region-e, shop-b (working), shop-a (key only for now)"
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-b region-e
start hq
start region-e
start shop-b
TB=$(sv shop-b ticket new --kind repair --customer "Busy Customer" --phone 13900000001 \
	--product AC-1 --fault "noisy")
at() { svq "$1" ticket show "$2" --json >/dev/null; }
wait_until 20 at hq "$TB"
net_quiesce 20
RPID=${NET_PID[region-e]}
KEY=(--key "$T/shop-a/node.key" --node shop-a --dir "$T/shop-a")

section "0. an empty BATCH to lsn 2^62, outside the range of positions"
mark=$(log_mark region-e)
out=$(hc region-e "${KEY[@]}" --mode position --to-lsn "$HUGE" --wait 1500)
while IFS= read -r line; do echo "      client: $line"; done <<<"$out"
through=0
if log_wait region-e "$mark" 5 "envelope.batch.to_lsn: $HUGE is above $BIG" >/dev/null; then
	echo "      region-e: $(log_since region-e "$mark" | grep -F 'envelope.batch.to_lsn' | head -1 | cut -c26-)"
else
	echo "      region-e logged no refusal: $(log_since region-e "$mark" | cut -c26- | tr '\n' '|')"
	through=1
fi
[[ $out == *"ack 0"* ]] || through=1
sec_attack positions "$through" "BATCH to_lsn 2^62, outside the range: refused by the decoder, no ACK"

section "1. an empty BATCH to lsn 2^53 - 1 after shop-a's honest HELLO"
mark=$(log_mark region-e)
out=$(hc region-e "${KEY[@]}" --mode position --to-lsn "$BIG" --wait 1500)
while IFS= read -r line; do echo "      client: $line"; done <<<"$out"
assert_eq "$(sed -n 's/^handshake: //p' <<<"$out")" succeeded "the attack's handshake"
[[ $out == *"hello 1"* ]] || fail "region-e did not answer the attack's HELLO: $out"
through=0
if log_wait region-e "$mark" 5 "link shop-a: batch 1 refused: to_lsn $BIG is beyond the log head" >/dev/null; then
	echo "      region-e: $(log_since region-e "$mark" | grep -F 'batch 1 refused' | head -1 | cut -c26-)"
else
	echo "      region-e logged no refusal: $(log_since region-e "$mark" | cut -c26- | tr '\n' '|')"
	through=1
fi
[[ $out == *"ack 0"* ]] || through=1
sec_attack positions "$through" "BATCH to_lsn 2^53 - 1 beyond the announced head: refused, no ACK"

section "2. the same BATCH after a HELLO announcing 2^53 - 1"
mark=$(log_mark region-e)
out=$(hc region-e "${KEY[@]}" --mode position --head "$BIG" --to-lsn "$BIG" --wait 1500)
while IFS= read -r line; do echo "      client: $line"; done <<<"$out"
# The region cannot tell this lie from the truth: it acknowledges the batch.
[[ $out == *"ack 1"* ]] || fail "the lying HELLO's batch was not acknowledged: $out"
ok

shop_a_tail() { tail -n 5 "$T/shop-a.log"; }

section "   the real shop-a starts and works"
start shop-a
ids=()
for i in 1 2 3; do
	ids+=("$(sv shop-a ticket new --kind repair --customer "Shop A Customer $i" \
		--phone "1380000000$i" --product AC-2 --fault "no cooling")")
done
for id in "${ids[@]}"; do
	WAIT_WHY=shop_a_tail wait_until 20 at region-e "$id"
	wait_until 20 at hq "$id"
done
echo "   shop-a's ${#ids[@]} tickets are at region-e and HQ"
ok
line=$(grep -F "link region-e: divergence: peer asks to resume after lsn $BIG" "$T/shop-a.log" | head -1 || true)
[ -n "$line" ] || fail "shop-a logged no divergence: $(tail -n 10 "$T/shop-a.log")"
echo "   shop-a: $(cut -c26- <<<"$line")"
ok
wait_json 5 shop-a 'j["daemon"]["integrity"]["divergences"] >= 1' True status
sv shop-a status | grep '^integrity' | sed 's/^/   /'
through=0
for id in "${ids[@]}"; do at hq "$id" || through=1; done
sec_attack positions "$through" "checkpoint pushed to 2^53 - 1 by a lying HELLO: shop-a resent, nothing lost"
net_quiesce 20

section "3. the heads summary region-e sends a shop"
stop shop-a
out=$(hc region-e "${KEY[@]}" --mode heads --wait 1500)
heads=$(sed -n 's/^heads: *//p' <<<"$out" | head -1)
echo "   region-e told shop-a: ${heads:-(nothing)}"
[[ " $heads" == *" shop-a="* ]] || fail "shop-a's own origin is missing from region-e's HELLO: $out"
ok
through=0
[[ " $heads" == *" shop-b="* ]] && through=1
sec_attack isolation "$through" "region-e's HELLO to shop-a does not name shop-b's origin"

net_alive "$RPID" || fail "region-e died"
assert_eq "${NET_PID[region-e]}" "$RPID" "region-e's pid"
sec_done positions=3 isolation=1

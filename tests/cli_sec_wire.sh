#!/usr/bin/env bash
# cli_sec_wire: hostile frames to a live daemon while a good shop replicates.
#
# HQ, region-e and shop-a (a good shop, writing a ticket every 0.2 s for the
# whole test); shop-h is enrolled below region-e but runs no daemon: the
# hostile client (tests/hostile_client.c) uses its valid key, so it passes
# ZAP and talks to region-e's protocol layer. It sends, one attack at a time:
#
#   an oversized message (33 MiB + 1 > max_message), first thing on a new
#   connection and after a HELLO; truncated HELLO and BATCH; random
#   garbage; a HELLO then a BATCH of 8193 changes (one over the limit);
#   a 3-frame message; a flood of 1,000 garbage messages,
#
# and then the same without a valid key (a random CURVE key: ZAP refuses
# it). After each: region-e is alive (same pid), it logged a line for the
# offending message or peer (a flood: a few lines and one "N more like
# this" summary), and shop-a's tickets keep reaching HQ. At the
# end every ticket shop-a wrote is at HQ (nothing lost) and HQ's tickets are
# exactly shop-a's (nothing of the attacker's).
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_sec_wire
NET_LOG_ALLOW='dropped a|zap: refused|not applied|quarantined:|could not apply|peer reports error'

section "the network: hq, region-e, shop-a (good), shop-h (key only)"
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-h region-e
start hq
start region-e
start shop-a
net_quiesce 20
RPID=${NET_PID[region-e]}

# The good shop: a ticket every 0.2 s until $T/stop exists.
: >"$T/written"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		id=$("$S" --dir "$T/shop-a" ticket new --kind repair --customer "Good Customer $i" \
			--phone "1380000$(printf %04d "$i")" --product AC-1 --fault "steady" 2>/dev/null) &&
			echo "$id" >>"$T/written"
		sleep 0.2
	done
) &
NET_BG+=($!)
WRITER=$!

at_hq() { jget hq 'len([t for t in j if t["opened_by"]=="shop-a"])' ticket list; }
grew() { [ "$(at_hq)" -gt "$1" ]; }

# wire WHAT PATTERN HC-ARGS...: one attack on region-e's listener.
wire() {
	local what=$1 pattern=$2 mark before out through=0 ms
	shift 2
	mark=$(log_mark region-e)
	before=$(at_hq)
	out=$(hc region-e --node shop-h --wait 1000 "$@")
	net_alive "$RPID" || through=1
	if ms=$(log_wait region-e "$mark" 3 "$pattern"); then
		echo "      region-e: $(log_since region-e "$mark" | grep -F -- "$pattern" | head -1 | cut -c26- | cut -c1-150)"
	else
		echo "      region-e logged nothing matching '$pattern'; client: $(tr '\n' ' ' <<<"$out")"
		through=1
	fi
	# the good shop's next ticket still arrives
	local t0
	t0=$(date +%s%N)
	if WAIT_WHY=true expect_until 5 grew "$before"; then :; fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	grew "$before" || through=1
	sec_attack hostile-input "$through" \
		"$what: region-e alive, shop-a's tickets at HQ $before -> $(at_hq) (next one after ${ms} ms)"
}

KEY=(--key "$T/shop-h/node.key")
section "with shop-h's valid key (past ZAP)"
wire "oversized message (33 MiB + 1) first thing" "link shop-h: connection closed before its first message" \
	"${KEY[@]}" --mode oversize
wire "oversized message after a HELLO" "link shop-h: down" "${KEY[@]}" --mode oversize --hello-first
wire "truncated HELLO and BATCH" "link shop-h: dropped a" "${KEY[@]}" --mode truncated --hello-first
wire "random garbage" "link shop-h: dropped a" "${KEY[@]}" --mode garbage
wire "BATCH of 8193 changes" "more than 8192" "${KEY[@]}" --mode bigbatch
wire "3-frame message" "3 frames, expected 1" "${KEY[@]}" --mode frames3
mark=$(log_mark region-e)
wire "flood of 1,000 garbage messages" "link shop-h: dropped a" "${KEY[@]}" --mode flood --count 1000 --hello-first
# Repeated lines are rate-limited: a few, then one summary with the count
# at the end of each interval (10 s) that held lines back; a flood that
# outlasts an interval gets a few lines and a summary per interval.
# (grep exits 1 when no line matches: none is a count of 0, asserted below.)
flood_lines() { log_since region-e "$mark" | grep "link shop-h: dropped a" || :; }
flood_count() { # shown lines + the counts in the summaries
	flood_lines | sed -n 's/.*(\([0-9]*\) more like this in the last [0-9]* s)$/\1/p' |
		awk -v shown="$(flood_lines | grep -vc "more like this")" '{n += $1} END {print n + shown}'
}
flood_done() { [ "$(flood_count)" -ge 1000 ]; }
WAIT_WHY=flood_count wait_until 30 flood_done
shown=$(flood_lines | grep -vc "more like this" || :)
summaries=$(flood_lines | grep -c "more like this" || :)
echo "   region-e: $shown drop lines and $summaries summaries, e.g. $(flood_lines | grep -m1 -o '(.*more like this.*')"
[ "$shown" -le 30 ] || bad "region-e logged $shown lines for the 1,000 flood messages (want a few and a summary)"
ok
[ "$summaries" -ge 1 ] && [ "$summaries" -le 3 ] || bad "$summaries summaries of the flood's drops"
ok

section "without a valid key (random CURVE key: ZAP refuses)"
for m in oversize garbage bigbatch frames3 flood; do
	wire "$m, unknown key" "zap: refused CURVE client key" --mode "$m"
done

section "afterwards: nothing lost, nothing of the attacker's"
touch "$T/stop"
wait "$WRITER" || true
NET_BG=()
written=$(wc -l <"$T/written")
echo "   shop-a wrote $written tickets during the attacks"
wait_json 20 hq 'len([t for t in j if t["opened_by"]=="shop-a"])' "$written" ticket list
missing=$(jget hq "len(set(open('$T/written').read().split()) - {t['id'] for t in j})" ticket list)
assert_eq "$missing" 0 "shop-a's tickets missing at HQ"
assert_eq "$(jget hq 'len([t for t in j if t["opened_by"]!="shop-a"])' ticket list)" 0 \
	"tickets at HQ not written by shop-a"
assert_eq "$(jget region-e 'len(j)' quarantine list)" 0 "changes quarantined at region-e"
assert_eq "${NET_PID[region-e]}" "$RPID" "region-e's pid"
net_alive "$RPID" || fail "region-e died"
net_quiesce 20

sec_done hostile-input=12

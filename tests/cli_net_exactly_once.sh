#!/usr/bin/env bash
# cli_net_exactly_once: kill -9 in the middle of a large catch-up loses
# nothing and applies nothing twice.
#
# HQ, region-e and shop-a, live daemons on loopback.
#  1. shop-a, offline, imports 30,000 tickets and starts its daemon; while
#     region-e is receiving the catch-up (it holds some of the changes but
#     not all) region-e's daemon is killed with SIGKILL, then restarted.
#  2. HQ's daemon is stopped, shop-a imports 20,000 more (they reach the
#     region live); HQ is started, killed with SIGKILL while it holds some
#     but not all, and restarted.
#  3. shop-a, offline again, imports 10,000 more; its own daemon (the
#     sender, which signs the commits) is killed mid catch-up and restarted.
#  4. shop-a writes 100 tickets one CLI call at a time while region-e is
#     killed -9 and restarted twice.
#  5. 10,000 more offline; region-e is stopped with SIGTERM mid catch-up
#     (it must exit 0 within 2 s) and restarted.
# Each time, once everything has arrived: at the receiver the shop's
# changes are exactly its own (origin shop-a, seqs 1..N, each once), the
# arrival log is dense and has no pair twice, the ticket counts match,
# `svcsync verify` passes (every hash, chain link and commit signature) and
# nothing is in quarantine.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_exactly_once

# Batches of 250 changes, one in flight (defaults: 4,096 and 4): the
# catch-up becomes a hundred-odd round trips, each with a durable commit at
# the receiver, so the receiver can be caught holding part of it however
# fast the machine replicates.
printf '[sync]\nbatch_changes = 250\nwindow = 1\n' >"$T/sync.ini"

bulk() { # N START FILE: N ticket lines
	python3 -c '
import json, sys
n, s = int(sys.argv[1]), int(sys.argv[2])
for i in range(s, s + n):
    print(json.dumps({"kind": "repair", "customer": "Customer %06d" % i,
                      "phone": "138%08d" % i, "product": "AC-%d" % (i % 9), "fault": "f%d" % i}))' "$1" "$2" >"$3"
}
lsn_at_least() { [ "$(lsn "$1")" -ge "$2" ]; }

# when_mid NAME FROM TO: poll NAME's arrival log as fast as the CLI goes
# and return as soon as it holds more than FROM but fewer than TO changes.
# Fails if the window is missed (all arrived, or 20 s).
when_mid() {
	local n=$1 from=$2 to=$3 l t0=$SECONDS
	while :; do
		l=$(lsn "$n")
		if [ "$l" -gt "$from" ] && [ "$l" -lt "$to" ]; then
			ok
			return 0
		fi
		[ "$l" -lt "$to" ] || fail "$n received the whole catch-up before it could be interrupted (lsn $l)"
		[ $((SECONDS - t0)) -lt 20 ] || fail "$n stuck at lsn $l (want between $from and $to)"
	done
}

# kill_mid NAME FROM TO [VICTIM]: when_mid, then SIGKILL VICTIM's daemon
# (default NAME's). A killed receiver must have been caught short.
kill_mid() {
	local n=$1 from=$2 to=$3 victim=${4:-$1}
	when_mid "$n" "$from" "$to"
	kill9 "$victim"
	KILLED_AT=$(lsn "$n")
	echo "   killed $victim with SIGKILL; $n held $((KILLED_AT - from)) of $((to - from)) new changes"
	# (A killed sender's last batches may still land.)
	[ "$victim" != "$n" ] || [ "$KILLED_AT" -lt "$to" ] ||
		fail "$n had everything by the time it was killed: no mid-catch-up kill happened"
	ok
}

# check_exact [--tickets] NAME...: each NAME holds shop-a's changes exactly
# once each, and each NAME's store verifies (svcsync verify) with nothing in
# quarantine. --tickets (the final check): also the ticket counts, and
# shop-a's own store.
check_exact() {
	net_pycheck "$@" <<'EOF'
tickets = sys.argv[1] == "--tickets"
shop = [c["seq"] for c in sv("shop-a", "log") if c["origin"] == "shop-a"]
shop_tickets = len(sv("shop-a", "ticket", "list")) if tickets else 0
for n in sys.argv[1 + tickets:]:
    log = sv(n, "log")
    got = sorted(c["seq"] for c in log if c["origin"] == "shop-a")
    expect(len(got), len(shop), f"number of shop-a's changes at {n}")
    dense = got == list(range(1, len(shop) + 1))
    expect(dense, True, f"shop-a's seqs at {n} are 1..{len(shop)}, each once")
    if not dense:
        seen, dup = set(), set()
        for q in got:
            (dup if q in seen else seen).add(q)
        miss = sorted(set(range(1, len(shop) + 1)) - seen)
        print(f"FAIL: at {n}: {len(dup)} seqs twice (e.g. {sorted(dup)[:5]}), "
              f"{len(miss)} missing (e.g. {miss[:5]})")
    pairs = [(c["origin"], c["seq"]) for c in log]
    expect(len(pairs) - len(set(pairs)), 0, f"(origin, seq) pairs twice in {n}'s log")
    expect(sorted(c["lsn"] for c in log), list(range(1, len(log) + 1)),
           f"{n}'s arrival log is dense")
    if tickets:
        expect(len(sv(n, "ticket", "list", "--shop", "shop-a")), shop_tickets,
               f"shop-a's tickets at {n} (the shop's own count)")
EOF
	# Hashes, chains and commit signatures hold; nothing was quarantined.
	if [ "$1" = --tickets ]; then
		shift
		net_verify_all shop-a "$@"
	else
		net_verify_all "$@"
	fi
}

section "the network: hq, region-e, shop-a"
net_hq hq
net_region region-e
net_shop shop-a region-e
NET_ARGS[shop-a]="--config $T/sync.ini"
NET_ARGS[region-e]="--config $T/sync.ini"
NET_ARGS[hq]="--config $T/sync.ini"
start hq
start region-e
net_quiesce 20

section "1. 30,000 tickets offline at shop-a; region-e killed -9 mid catch-up"
bulk 30000 0 "$T/b1.jsonl"
sv shop-a import --kind ticket "$T/b1.jsonl" >/dev/null
r0=$(lsn region-e)
start shop-a
kill_mid region-e "$r0" $((r0 + 30000))
start region-e
WAIT_WHY="lsn region-e" wait_until 30 lsn_at_least region-e $((r0 + 30000))
net_quiesce 30
assert_ge "$(lsn region-e)" "$KILLED_AT" "region-e kept what it held when killed"
check_exact region-e hq

section "2. HQ stopped; 20,000 more reach the region; HQ killed -9 mid catch-up"
stop hq
h0=$(lsn hq)
r0=$(lsn region-e)
bulk 20000 30000 "$T/b2.jsonl"
sv shop-a import --kind ticket "$T/b2.jsonl" >/dev/null
WAIT_WHY="lsn region-e" wait_until 30 lsn_at_least region-e $((r0 + 20000))
start hq
kill_mid hq "$h0" $((h0 + 20000))
start hq
WAIT_WHY="lsn hq" wait_until 30 lsn_at_least hq $((h0 + 20000))
net_quiesce 30
check_exact hq

section "3. 10,000 more offline; the sending shop killed -9 mid catch-up"
stop shop-a
r0=$(lsn region-e)
bulk 10000 50000 "$T/b3.jsonl"
sv shop-a import --kind ticket "$T/b3.jsonl" >/dev/null
start shop-a
kill_mid region-e "$r0" $((r0 + 10000)) shop-a
start shop-a
WAIT_WHY="lsn hq" wait_until 30 lsn_at_least hq $((h0 + 20000 + 10000))
net_quiesce 30
check_exact region-e hq
assert_eq "$(tcount shop-a)" 60000 "tickets at shop-a"

section "4. live writes at shop-a while region-e is killed -9, twice"
r0=$(lsn region-e)
(
	for i in $(seq 1 100); do
		"$S" --dir "$T/shop-a" ticket new --kind repair --customer "Live $i" \
			--phone 13900000000 --product AC-1 --fault "live $i" >/dev/null || exit 1
		sleep 0.005
	done
) &
WRITER=$!
NET_BG+=("$WRITER")
wait_until 10 lsn_at_least region-e $((r0 + 20))
kill9 region-e
sleep 0.3
start region-e
wait_until 10 lsn_at_least region-e $((r0 + 60))
kill9 region-e
start region-e
rc=0
wait "$WRITER" || rc=$?
assert_eq "$rc" 0 "the writer's 100 CLI writes"
WAIT_WHY="lsn hq" wait_until 30 lsn_at_least hq $((h0 + 20000 + 10000 + 100))
net_quiesce 30
check_exact region-e hq
assert_eq "$(tcount shop-a)" 60100 "tickets at shop-a"

section "5. 10,000 more offline; region-e stopped with SIGTERM mid catch-up"
stop shop-a
r0=$(lsn region-e)
bulk 10000 60100 "$T/b5.jsonl"
sv shop-a import --kind ticket "$T/b5.jsonl" >/dev/null
start shop-a
when_mid region-e "$r0" $((r0 + 10000))
t0=$(date +%s%N)
stop region-e # exit 0 within 5 s, or fail
ms=$((($(date +%s%N) - t0) / 1000000))
echo "   region-e stopped in $ms ms holding $(($(lsn region-e) - r0)) of 10000 new changes"
if [ "$ms" -lt 2000 ]; then ok; else bad "region-e took $ms ms to stop on SIGTERM mid catch-up (2 s allowed)"; fi
start region-e
WAIT_WHY="lsn hq" wait_until 30 lsn_at_least hq $((h0 + 20000 + 10000 + 100 + 10000))
net_quiesce 30
check_exact --tickets region-e hq
assert_eq "$(tcount shop-a)" 70100 "tickets at shop-a"

net_done

#!/usr/bin/env bash
# cli_net_clock: the wall clock of a running shop steps back an hour, then
# forward an hour, while its daemon runs.
#
# HQ, region-e and shop-c; shop-c's daemon and CLI run under libfaketime
# with FAKETIME_DONT_FAKE_MONOTONIC=1 (the monotonic clock stays real, as
# it does when NTP or an operator sets the time) and read the offset from a
# file the test rewrites while they run. After each step, once shop-c's
# daemon shows the new time (its status file's wall time), asserted:
#
#  - a ticket written at shop-c reaches region-e and HQ within 10 s, and a
#    catalog entry added at HQ reaches shop-c within 10 s;
#  - after at least 8 s on the stepped clock (longer than the 5 s a silent
#    peer is given), `svcsync status --json` on region-e shows shop-c up
#    with a last contact under 3 s old, and on shop-c shows region-e up
#    with a last contact under 3 s old;
#  - region-e never marked shop-c down and shop-c never took region-e for
#    silent (their logs);
#  - shop-c's hybrid logical clock never went back: its changes' hlc grow
#    with their seq across both steps.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, libfaketime (Debian package
# faketime): without it the test prints "SKIP: faketime not installed" and
# exits 77 (ctest: skipped).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
need_faketime || exit 77
net_setup cli_net_clock

# shop-c's clock offset, read by libfaketime at most once a second.
FK_FILE="$T/shop-c.faketime"
echo "+0" >"$FK_FILE"
FK_ENV=(LD_PRELOAD="$SEC_PRELOAD" FAKETIME_TIMESTAMP_FILE="$FK_FILE" FAKETIME_CACHE_DURATION=1
	FAKETIME_DONT_FAKE_MONOTONIC=1)

# csv ARGS...: svcsync on shop-c under its (stepped) clock.
csv() {
	local rc=0
	timeout 60 env -u FAKETIME "${FK_ENV[@]}" "$S" --dir "$T/shop-c" "$@" || rc=$?
	[ "$rc" = 0 ] || fail "svcsync --dir shop-c $* (stepped clock) exited $rc"
}

section "the network: hq, region-e, shop-c (stepped clock)"
net_hq hq
net_region region-e
net_shop shop-c region-e
start hq
start region-e
wrap="$T/.svcsyncd-clock"
{
	printf '#!/bin/sh\nunset FAKETIME\n'
	printf 'export %q\n' "${FK_ENV[@]}"
	printf 'exec %q "$@"\n' "$SD"
} >"$wrap"
chmod +x "$wrap"
save=$SD
SD=$wrap
start shop-c
SD=$save
net_quiesce 20

has_ticket() { svq "$1" ticket show "$2" --json >/dev/null; }
has_part() { svq "$1" catalog list --json | grep -qF "\"$2\""; }
# The wall time (ms) shop-c's daemon last wrote into its status file.
shop_wall() { awk '$1 == "updated" {print $2}' "$T/shop-c/status"; }
real_ms() { echo $(($(date +%s%N) / 1000000)); }
# shop-c's daemon runs OFF_S seconds (about) off the real clock.
clock_at() {
	local w
	w=$(shop_wall) || return 1
	[ -n "$w" ] || return 1
	local d=$(((w - $(real_ms)) / 1000 - $1))
	[ "${d#-}" -le 30 ]
}
# shop-c's daemon has lived N ms on its current clock since FROM (ms).
lived() { [ $(($(shop_wall) - $1)) -ge "$2" ]; }

# step OFFSET-TEXT OFFSET-S: set shop-c's clock and check it all still works.
STEP=0
step() {
	local text=$1 off=$2 t0 tk part ms w0
	STEP=$((STEP + 1))
	section "step $STEP: shop-c's clock to $text"
	echo "$text" >"$FK_FILE"
	# libfaketime re-reads the file within a second; the daemon's status
	# file, rewritten every second, then carries the new time.
	t0=$(date +%s%N)
	until clock_at "$off"; do
		if [ $((($(date +%s%N) - t0) / 1000000)) -ge 10000 ]; then
			bad "shop-c's daemon stopped rewriting its status file after the step (last: $(date -u -d "@$(($(shop_wall) / 1000))" +%H:%M:%S), real $(date -u +%H:%M:%S))"
			break
		fi
		sleep 0.1
	done
	w0=$(shop_wall)
	echo "   shop-c's daemon now writes $(date -u -d "@$((w0 / 1000))" +%H:%M:%S) (real $(date -u +%H:%M:%S))"

	t0=$(date +%s%N)
	tk=$(csv ticket new --kind repair --customer "After step $STEP" --phone 1380000000$STEP \
		--product AC-1 --fault "clock stepped")
	wait_until 10 has_ticket region-e "$tk"
	wait_until 10 has_ticket hq "$tk"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "   shop-c's ticket $tk at region-e and HQ after $ms ms"
	ok
	part="P-STEP-$STEP"
	t0=$(date +%s%N)
	sv hq catalog add "$part" --name "step $STEP" --price 100 >/dev/null
	wait_until 10 has_part shop-c "$part"
	echo "   HQ's catalog entry $part at shop-c after $((($(date +%s%N) - t0) / 1000000)) ms"
	ok

	# Longer than a silent peer is given (5 heartbeats of 1 s), on the
	# stepped clock, measured by the daemon's own status writes.
	t0=$(date +%s%N)
	until lived "$w0" 8000; do
		if [ $((($(date +%s%N) - t0) / 1000000)) -ge 20000 ]; then
			bad "shop-c's daemon did not rewrite its status file for 20 s"
			break
		fi
		sleep 0.1
	done
	net_pycheck <<'EOF'
re = sv("region-e", "status")
down = {d["node"]: d for d in re["downstream"]}
c = down.get("shop-c", {})
print(f"   region-e: shop-c {c.get('state')}, last contact {c.get('last_contact_age_ms')} ms ago")
expect(c.get("state"), "up", "region-e's link to shop-c")
expect(c.get("last_contact_age_ms") is not None and c["last_contact_age_ms"] < 3000, True,
       "region-e heard from shop-c in the last 3 s")
EOF
	local up
	up=$(csv status --json | py '(j["upstream"]["state"], j["upstream"].get("last_contact_age_ms"))')
	echo "   shop-c (its own clock): region-e $up"
	[[ "$up" =~ ^\(\'up\',\ ([0-9]+)\)$ ]] && [ "${BASH_REMATCH[1]}" -lt 3000 ] ||
		bad "shop-c's status of its upstream after step $STEP: $up (want up, contact < 3 s)"
	ok
	if grep -E 'link shop-c: (down|resync)' "$T/region-e.log" | grep -q .; then
		bad "region-e marked shop-c down: $(grep -E 'link shop-c: (down|resync)' "$T/region-e.log" | head -2)"
	fi
	ok
	if grep -qE 'peer silent|link region-e: (down|resync)' "$T/shop-c.log"; then
		bad "shop-c lost region-e: $(grep -E 'peer silent|link region-e: (down|resync)' "$T/shop-c.log" | head -2)"
	fi
	ok
}

# One change before the steps, for the HLC comparison.
csv ticket new --kind repair --customer "Before the steps" --phone 13800000000 \
	--product AC-1 --fault "clock right" >/dev/null
step "-1h" -3600
step "+0" 0

section "shop-c's clock (HLC) never went back"
net_pycheck <<'EOF'
mine = sorted((c["seq"], c["hlc"]) for c in sv("shop-c", "log") if c["origin"] == "shop-c")
bad = [(a, b) for a, b in zip(mine, mine[1:]) if not b[1] > a[1]]
expect(bad, [], "shop-c's changes: hlc grows with seq across the steps")
print(f"   {len(mine)} changes of shop-c, hlc increasing with seq: {not bad}")
EOF
net_verify_all
net_done

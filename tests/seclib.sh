# shellcheck shell=bash
# seclib.sh: helpers for the security tests (tests/cli_sec_*.sh), on top of
# netlib.sh (source netlib.sh first, then this).
#
#   sec_attack CATEGORY THROUGH WHAT   count one attack; THROUGH=1 means it
#                                      got through (a failure, reported)
#   sec_done CATEGORY=MIN...           print "attacks: CATEGORY tried N, got
#                                      through M" per category, fail any
#                                      named category tried fewer than MIN
#                                      times (attacks that silently did not
#                                      run prove nothing), then net_done
#   HC                                 path of the hostile_client binary
#   hc NAME ARGS...                    run hostile_client against NAME's
#                                      listener (endpoint and server key
#                                      filled in), bounded to 60 s
#   (log_mark NAME / log_since NAME MARK come from netlib.sh)
#   log_wait NAME MARK TIMEOUT_S TEXT  poll (20 ms) until a line after MARK
#                                      holds TEXT; prints the delay in ms,
#                                      returns 1 on timeout
#   need_faketime                      0 if libfaketime is installed; else
#                                      prints "SKIP: faketime not installed"
#   fk OFFSET NAME ARGS...             svcsync on NAME with its wall clock
#                                      shifted by OFFSET ("-6h", "+2d", "-86395")
#   start_fk OFFSET NAME               start NAME's daemon, clock shifted
#
# Needs: SVC_BIN (netlib.sh), the hostile_client built into
# $SVC_BIN/../tests (tests/CMakeLists.txt, "# security test client").

HC="${SVC_BIN}/../tests/hostile_client"
if [ ! -x "$HC" ]; then
	echo "FAIL: $HC missing (built by tests/CMakeLists.txt, '# security test client')" >&2
	exit 1
fi

declare -A SEC_TRIED=()
declare -A SEC_THROUGH=()
SEC_CATS=()

sec_attack() { # CATEGORY THROUGH WHAT
	local cat=$1 through=$2
	shift 2
	if [ -z "${SEC_TRIED[$cat]+x}" ]; then
		SEC_CATS+=("$cat")
		SEC_TRIED[$cat]=0
		SEC_THROUGH[$cat]=0
	fi
	SEC_TRIED[$cat]=$((SEC_TRIED[$cat] + 1))
	if [ "$through" = 1 ]; then
		SEC_THROUGH[$cat]=$((SEC_THROUGH[$cat] + 1))
		bad "ATTACK GOT THROUGH [$cat]: $*"
	else
		ok
		echo "   refused [$cat]: $*"
	fi
}

sec_done() {
	local c want min tried
	[ $# -gt 0 ] || bad "sec_done: name each category with the least attempts it makes"
	for c in "${SEC_CATS[@]}"; do
		echo "attacks: $c tried ${SEC_TRIED[$c]}, got through ${SEC_THROUGH[$c]}"
	done
	for want in "$@"; do
		c=${want%=*}
		min=${want#*=}
		tried=${SEC_TRIED[$c]:-0}
		if [ "$tried" -ge "$min" ]; then
			ok
		else
			bad "attacks: $c tried $tried, fewer than the $min this test makes"
		fi
	done
	net_done
}

# hc NAME ARGS...: hostile_client toward NAME's listener.
hc() {
	local n=$1 key
	shift
	key=$(jget "$n" 'j["curve_pubkey"]' id)
	timeout 60 "$HC" --endpoint "tcp://127.0.0.1:${NET_PORT[$n]}" --server-key "$key" "$@"
}

# log_wait NAME MARK TIMEOUT_S TEXT: wait for TEXT in NAME's log after MARK.
log_wait() {
	local n=$1 mark=$2 limit=$3 text=$4 t0
	t0=$(date +%s%N)
	while :; do
		if log_since "$n" "$mark" | grep -qF -- "$text"; then
			echo $((($(date +%s%N) - t0) / 1000000))
			return 0
		fi
		if [ $((($(date +%s%N) - t0) / 1000000)) -ge $((limit * 1000)) ]; then
			echo $((limit * 1000))
			return 1
		fi
		sleep 0.02
	done
}

# libfaketime, preloaded directly: the faketime(1) wrapper forks and would
# leave the daemon behind when the test stops it.
SEC_FAKETIME_LIB=""
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	if [ -e "$f" ]; then
		SEC_FAKETIME_LIB=$f
		break
	fi
done

# A sanitizer build's runtime must come first among preloaded libraries.
SEC_PRELOAD=$SEC_FAKETIME_LIB
SEC_ASAN_LIB=$(ldd "$S" 2>/dev/null | awk '/libasan/ {print $3; exit}')
if [ -n "$SEC_ASAN_LIB" ] && [ -n "$SEC_FAKETIME_LIB" ]; then
	SEC_PRELOAD="$SEC_ASAN_LIB $SEC_FAKETIME_LIB"
fi

need_faketime() {
	if [ -n "$SEC_FAKETIME_LIB" ]; then
		return 0
	fi
	echo "SKIP: faketime not installed (Debian package faketime)"
	return 1
}

fk() { # OFFSET NAME ARGS...: svcsync under a shifted wall clock
	local off=$1 n=$2 rc=0
	shift 2
	# (the preload is for svcsync alone, not for timeout(1))
	timeout 60 env LD_PRELOAD="$SEC_PRELOAD" FAKETIME="$off" FAKETIME_DONT_FAKE_MONOTONIC=1 \
		"$S" --dir "$T/$n" "$@" || rc=$?
	[ "$rc" = 0 ] || fail "FAKETIME=$off svcsync --dir $n $* exited $rc"
}

# start_fk OFFSET NAME: start NAME's daemon with a shifted wall clock
# (monotonic timers stay real). netlib's start() runs "$SD": point it at a
# wrapper that execs the daemon (same pid) for the one call.
start_fk() {
	local off=$1 n=$2 wrap="$T/.svcsyncd-fk-$2"
	printf '#!/bin/sh\nLD_PRELOAD=%q FAKETIME=%q FAKETIME_DONT_FAKE_MONOTONIC=1 exec %q "$@"\n' \
		"$SEC_PRELOAD" "$off" "${SVC_BIN}/svcsyncd" >"$wrap"
	chmod +x "$wrap"
	local save=$SD
	SD=$wrap
	start "$n"
	SD=$save
}

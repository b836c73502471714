#!/usr/bin/env bash
# cli_customer_tz: a product unit's dates and "today" are the network's
# (Asia/Shanghai, the default policy), never the host's.
#
# HQ, region-z and its shop shop-z1, live daemons. The shop's CLI runs under
# libfaketime at two instants either side of midnight in Shanghai, each
# under TZ=UTC and TZ=America/New_York, where the host's date is still the
# day before at both:
#   2026-12-03 15:30 UTC = 12-03 23:30 in Shanghai: a unit bought on 12-04
#     is refused ("in the future", naming today 12-03 and the zone), one
#     installed on 12-03 is taken;
#   2026-12-03 16:30 UTC = 12-04 00:30 in Shanghai: bought on 12-04 is taken
#     (the host's calendar would call it tomorrow), installed on 12-05 is
#     refused.
# The same answers in both host zones; the units reach the region with the
# same dates, and customer show (text and JSON) and unit show print the same
# under both zones, at the shop and at the region.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, libfaketime (skipped with "SKIP:
# faketime not installed" without it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_customer_tz
need_faketime || exit 77

W=20
net_hq hq
net_region region-z
net_shop shop-z1 region-z
start_all

# at INSTANT ZONE ARGS...: svcsync on shop-z1 at INSTANT (UTC) under host
# zone ZONE; prints stdout and stderr, exits with its status. The clock is
# shifted by an offset in seconds (an absolute FAKETIME is read in the
# host's zone, and parsing it hangs an ASan build under some zones).
offset_to() { # INSTANT: +N or -N seconds from now
	local d=$(($(date -u -d "$1" +%s) - $(date +%s)))
	[ "$d" -ge 0 ] && echo "+$d" || echo "$d"
}
at() {
	local when=$1 z=$2
	shift 2
	timeout 60 env TZ="$z" LD_PRELOAD="$SEC_PRELOAD" FAKETIME="$(offset_to "$when")" \
		FAKETIME_DONT_FAKE_MONOTONIC=1 "$S" --dir "$T/shop-z1" "$@" 2>&1
}
# The control: the fake clock works, at the same instant in both zones
# (date(1) is not built with ASan: libfaketime alone).
for z in UTC America/New_York; do
	got=$(TZ=$z LD_PRELOAD="$SEC_FAKETIME_LIB" FAKETIME="$(offset_to "2026-12-03 16:30:00")" date +%s)
	want=$(date -u -d "2026-12-03 16:30:00" +%s)
	[ $((got - want)) -ge 0 ] && [ $((got - want)) -le 5 ] && ok ||
		bad "faketime's instant under TZ=$z: $got, want $want"
done

EVE="2026-12-03 15:30:00"   # 23:30 in Shanghai, 12-03
AFTER="2026-12-03 16:30:00" # 00:30 in Shanghai, 12-04
section "dates at 23:30 and 00:30 in Shanghai, under TZ=UTC and TZ=America/New_York"
declare -a U_EVE U_AFTER
CID=$(sv shop-z1 customer new --name "时区 测试" --phone 13955550007)
i=0
for z in UTC America/New_York; do
	i=$((i + 1))
	out=$(at "$EVE" "$z" ticket new --kind repair --customer-id "$CID" --product "AC-Z" \
		--fault "late" --serial "SN-EVE-$i" --purchased 2026-12-04) && rc=0 || rc=$?
	assert_eq "$rc" 1 "TZ=$z, 23:30 in Shanghai: bought tomorrow, exit status"
	assert_eq "$out" "svcsync: purchased: 2026-12-04 is in the future (today is 2026-12-03 in Asia/Shanghai)" \
		"TZ=$z, 23:30 in Shanghai: bought tomorrow refused"
	T1=$(at "$EVE" "$z" ticket new --kind repair --customer-id "$CID" --product "AC-Z" \
		--fault "eve" --serial "SN-EVE-$i" --purchased 2026-12-02 --installed 2026-12-03) ||
		fail "TZ=$z, 23:30 in Shanghai: installed today refused: $T1"
	out=$(at "$AFTER" "$z" ticket new --kind repair --customer-id "$CID" --product "AC-Z" \
		--fault "late" --serial "SN-AFTER-$i" --purchased 2026-12-04 --installed 2026-12-05) && rc=0 || rc=$?
	assert_eq "$out" "svcsync: installed: 2026-12-05 is in the future (today is 2026-12-04 in Asia/Shanghai)" \
		"TZ=$z, 00:30 in Shanghai: installed tomorrow refused"
	T2=$(at "$AFTER" "$z" ticket new --kind repair --customer-id "$CID" --product "AC-Z" \
		--fault "after" --serial "SN-AFTER-$i" --purchased 2026-12-04) ||
		fail "TZ=$z, 00:30 in Shanghai: bought today refused: $T2"
	U_EVE[$i]=$(jget shop-z1 'j["unit_id"]' ticket show "$T1")
	U_AFTER[$i]=$(jget shop-z1 'j["unit_id"]' ticket show "$T2")
done
section "the same units and the same output whatever the host's zone"
# Both zones gave the same units, at the shop and at the region.
for n in shop-z1 region-z; do
	[ "$n" = region-z ] && wait_json $W region-z 'len(j["units"])' 4 customer show "$CID"
	assert_eq "$(jget $n 'sorted((u["serial"], u["purchased"], u["installed"]) for u in j["units"])' customer show "$CID")" \
		"[('SN-AFTER-1', '2026-12-04', None), ('SN-AFTER-2', '2026-12-04', None), ('SN-EVE-1', '2026-12-02', '2026-12-03'), ('SN-EVE-2', '2026-12-02', '2026-12-03')]" \
		"$n: the units' dates, the same from both host zones"
done
# What show prints does not follow the host's zone either.
for n in shop-z1 region-z; do
	for args in "customer show $CID" "customer show $CID --json" "unit show ${U_EVE[1]}" "unit show ${U_AFTER[2]} --json"; do
		# shellcheck disable=SC2086
		A=$(TZ=UTC "$S" --dir "$T/$n" $args)
		# shellcheck disable=SC2086
		B=$(TZ=America/New_York "$S" --dir "$T/$n" $args)
		expect_eq "$B" "$A" "$n: $args under TZ=America/New_York and TZ=UTC"
	done
done
assert_match "$(sv region-z customer show "$CID")" "times in Asia/Shanghai" "show names the zone of its times"

net_verify_all
net_done

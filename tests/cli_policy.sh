#!/usr/bin/env bash
# cli_policy: HQ's model list, fault codes, region grades and service policy
# reach every node, and every node reads the same answers whatever its
# host's TZ.
#
# HQ, region-p and its shop shop-p1, live daemons.
#  1. HQ adds models and fault codes, grades the region and issues a policy
#     version from tomorrow (the network's date); the region and the shop
#     receive them. Bad input is refused with one line naming the field, and
#     a region may not write any of them.
#  2. policy show: version 0 (the defaults) in force today and version 1
#     scheduled; two days later (faketime) version 1 is in force. The same
#     output at the shop under TZ=America/New_York and TZ=UTC.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, faketime.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_policy

W=20
net_hq hq
net_region region-p
net_shop shop-p1 region-p
start hq
start region-p
start shop-p1

# The network's dates (Asia/Shanghai), whatever this host's zone.
day() { TZ=Asia/Shanghai date -d "$1" +%F; }
TODAY=$(day today)
TOMORROW=$(day tomorrow)

refused() { # WHAT REGEX NODE ARGS...: exit 1 and one line matching REGEX
	local what=$1 re=$2 n=$3 err rc=0
	shift 3
	err=$(timeout 60 "$S" --dir "$T/$n" "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$rc" 1 "$what: exit status"
	assert_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$what: one line"
	assert_match "$err" "$re" "$what"
}

section "1. HQ writes the catalogs, grades and a policy; the others receive them"
sv hq model add KFR-35GW --category aircon >/dev/null
sv hq model add WM-8 --category washer >/dev/null
sv hq fault-code add E1 --category aircon --text "室内机漏水" >/dev/null
sv hq fault-code add E21 --category washer --text "不脱水" >/dev/null
sv hq region grade region-p B >/dev/null
V=$(sv hq policy set warranty_months.aircon=36 onsite_hours.B=12 return_days=7 --from "$TOMORROW")
assert_match "$V" "version 1 in force from $TOMORROW" "policy set"

refused "a policy from today" "^svcsync: from: $TODAY is not after today" \
	hq policy set return_days=9 --from "$TODAY"
refused "an unknown key" "^svcsync: colour: unknown policy key" \
	hq policy set colour=red --from "$TOMORROW"
refused "a bad value" "^svcsync: onsite_hours.B: 'soon' is not a whole number" \
	hq policy set onsite_hours.B=soon --from "$TOMORROW"
refused "an unknown zone" "^svcsync: time_zone: Mars/Base: " \
	hq policy set time_zone=Mars/Base --from "$TOMORROW"
refused "a grade D" "^svcsync: grade: unknown value" hq region grade region-p D
refused "grading a shop" "^svcsync: region: shop-p1 is a shop, not a region" \
	hq region grade shop-p1 A
refused "a bad model" "^svcsync: model: 'K F' must be" hq model add "K F" --category aircon
refused "a region's model" "^svcsync: region region-p may not edit the model list" \
	region-p model add X1 --category aircon
refused "a region's policy" "^svcsync: region region-p may not set the service policy" \
	region-p policy set return_days=3 --from "$TOMORROW"
refused "a shop's grade" "^svcsync: shop shop-p1 may not grade regions" \
	shop-p1 region grade region-p A
assert_eq "$(jget hq 'len(j["scheduled"])' policy show)" 1 "refusals stored nothing"

for n in region-p shop-p1; do
	wait_json $W "$n" '[m["category"] for m in j]' "['aircon', 'washer']" model list
	wait_json $W "$n" '[(f["category"], f["code"], f["text"]) for f in j]' \
		"[('aircon', 'E1', '室内机漏水'), ('washer', 'E21', '不脱水')]" fault-code list
	wait_json $W "$n" '[(g["region"], g["grade"]) for g in j]' "[('region-p', 'B')]" region list
	wait_json $W "$n" '[v["version"] for v in j["scheduled"]]' "[1]" policy show
done

section "2. the policy in force, today and in two days, in two host zones"
expect_eq "$(jget shop-p1 '(j["today"], j["in_force"]["version"], j["in_force"]["values"]["onsite_hours.B"])' policy show)" \
	"('$TODAY', 0, '48')" "today at shop-p1"
LATER=$(day "+2 days")
expect_eq "$(faketime -f '+2d' "$S" --dir "$T/shop-p1" policy show --json | py '(j["today"], j["in_force"]["version"], j["in_force"]["values"]["onsite_hours.B"], j["in_force"]["values"]["warranty_months.aircon"], j["in_force"]["values"]["return_days"])')" \
	"('$LATER', 1, '12', '36', '7')" "in two days at shop-p1"
A=$(TZ=UTC "$S" --dir "$T/shop-p1" policy show)
B=$(TZ=America/New_York "$S" --dir "$T/shop-p1" policy show)
expect_eq "$B" "$A" "policy show under TZ=America/New_York and TZ=UTC"
A=$(TZ=UTC faketime -f '+2d' "$S" --dir "$T/hq" policy show)
B=$(TZ=America/New_York faketime -f '+2d' "$S" --dir "$T/shop-p1" policy show)
expect_eq "$B" "$A" "HQ under UTC and the shop under New York, two days on"

net_done

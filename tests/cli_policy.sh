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
#  3. Tickets take the policy: the region opens tickets with a model, dates
#     and a channel; the opening records version 0, the category, the
#     region's grade B, the warranty's last day and the on-site due time
#     (48 h), and the shop sees the same. A return outside its 15 days is
#     refused at 'ticket new'; inside, accepted. The shop reports its visit
#     time (not in the future, not before the ticket) and resolves with a
#     fault code of the ticket's category. Three days on, the ticket not
#     visited is listed by 'ticket list --overdue'.
#  4. The hotline's short path: a consult the region takes by phone is
#     resolved and closed there, with no shop; a repair is not.
#  5. A ticket judged under an older version (its region offline when HQ
#     issued the next) is flagged in the region's queue.
#  6. 'ticket rejudge' (region or HQ, not a shop): the flagged ticket is
#     judged under the version in force on its day, leaves the queue, and
#     HQ folds the same; a second re-judging has nothing to change.
#  7. Exceptions: a shop's return outside its window is refused; the shop
#     may not record an exception, the region does (a reason required, at
#     most 60 characters) naming the shop; the exception reaches the shop,
#     which then opens the return, recorded with the exception at every
#     node; the exception serves one ticket.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, faketime.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_policy
need_faketime || exit 77

# fkz ZONE OFFSET NAME ARGS...: svcsync on NAME under host zone ZONE with its
# wall clock shifted by OFFSET (libfaketime, preloaded after ASan's runtime).
fkz() {
	local z=$1 off=$2 n=$3 rc=0
	shift 3
	timeout 60 env TZ="$z" LD_PRELOAD="$SEC_PRELOAD" FAKETIME="$off" \
		FAKETIME_DONT_FAKE_MONOTONIC=1 "$S" --dir "$T/$n" "$@" || rc=$?
	[ "$rc" = 0 ] || fail "FAKETIME=$off svcsync --dir $n $* exited $rc"
}

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
expect_eq "$(fkz Asia/Shanghai +2d shop-p1 policy show --json | py '(j["today"], j["in_force"]["version"], j["in_force"]["values"]["onsite_hours.B"], j["in_force"]["values"]["warranty_months.aircon"], j["in_force"]["values"]["return_days"])')" \
	"('$LATER', 1, '12', '36', '7')" "in two days at shop-p1"
A=$(TZ=UTC "$S" --dir "$T/shop-p1" policy show)
B=$(TZ=America/New_York "$S" --dir "$T/shop-p1" policy show)
expect_eq "$B" "$A" "policy show under TZ=America/New_York and TZ=UTC"
A=$(fkz UTC +2d hq policy show)
B=$(fkz America/New_York +2d shop-p1 policy show)
expect_eq "$B" "$A" "HQ under UTC and the shop under New York, two days on"

section "3. tickets take the policy: judged, windows, due times, visit and fault code"
P100=$(day "-100 days")
P20=$(day "-20 days")
P3=$(day "-3 days")
TK=$(sv region-p ticket new --kind repair --customer "Panda Policy" --phone 13900000011 \
	--product "空调 KFR-35GW" --fault "漏水" --model KFR-35GW --purchased "$P100" \
	--installed "$P100" --channel phone)
refused "an unknown model" "^svcsync: model: unknown model XX-1" region-p ticket new --kind repair \
	--customer "Panda" --phone 13900000012 --product p --fault f --model XX-1
refused "a purchase in the future" "^svcsync: purchased: $(day tomorrow) is in the future" \
	region-p ticket new --kind repair --customer "Panda" --phone 13900000012 --product p \
	--fault f --purchased "$(day tomorrow)"
refused "a return after its window" \
	"^svcsync: kind: a return is accepted within 15 days of purchase \\(purchased $P20, window ended $(day '-5 days'); policy version 0; its region or HQ may record an exception: ticket override\\)$" \
	region-p ticket new --kind return --customer "Panda" --phone 13900000012 --product p \
	--fault f --purchased "$P20"
refused "a bad channel" "^svcsync: channel: unknown value" region-p ticket new --kind repair \
	--customer "Panda" --phone 13900000012 --product p --fault f --channel pigeon
RT=$(sv region-p ticket new --kind return --customer "Panda Return" --phone 13900000013 \
	--product p --fault "不想要了" --purchased "$P3" --channel walk-in)
WANT_UNTIL=$(python3 -c "
import datetime
p = datetime.date.fromisoformat('$P100')
y, m = (p.year + 2, p.month)
import calendar
d = min(p.day, calendar.monthrange(y, m)[1])
print(datetime.date(y, m, d) - datetime.timedelta(days=1))")
sv region-p ticket assign "$TK" --shop shop-p1 >/dev/null
wait_json $W shop-p1 'j["status"]' assigned ticket show "$TK"
J='(j["policy_version"], j["category"], j["grade"], j["channel"], j["installed"], j["warranty_until"], j["warranty"], j["onsite_due_ms"] - j["created_ms"])'
for n in region-p shop-p1 hq; do
	wait_json $W "$n" "$J" "(0, 'aircon', 'B', 'phone', '$P100', '$WANT_UNTIL', 'in', 172800000)" ticket show "$TK"
done
expect_eq "$(jget region-p '(j["kind"], j["channel"], j["warranty"])' ticket show "$RT")" \
	"('return', 'walk-in', 'in')" "the return inside its window"
sv shop-p1 ticket status "$TK" accepted >/dev/null
refused "a visit in the future" "^svcsync: at: $(day tomorrow) 10:00 is in the future" \
	shop-p1 ticket status "$TK" on_site --at "$(day tomorrow) 10:00"
refused "a visit before the ticket" "^svcsync: at: $(day yesterday) 10:00 is before the ticket was opened" \
	shop-p1 ticket status "$TK" on_site --at "$(day yesterday) 10:00"
refused "a malformed visit time" "^svcsync: at: '10:00' is not 'YYYY-MM-DD HH:MM'" \
	shop-p1 ticket status "$TK" on_site --at "10:00"
VISIT=$(TZ=Asia/Shanghai date +'%F %H:%M')
sv shop-p1 ticket status "$TK" on_site --at "$VISIT" >/dev/null
refused "a code of another category" "^svcsync: fault-code: unknown fault code E21 for category aircon" \
	shop-p1 ticket status "$TK" resolved --fault-code E21
sv shop-p1 ticket status "$TK" resolved --fault-code E1 >/dev/null
wait_json $W hq '(j["status"], j["fault_code"])' "('resolved', 'E1')" ticket show "$TK"
expect_eq "$(sv shop-p1 ticket show "$TK" | grep -E '^  (visited|fault code|on-site due|warranty) ' | head -2 | tail -1 | sed 's/ *$//')" \
	"  on-site due  $(TZ=Asia/Shanghai date -d "@$(( $(jget shop-p1 'j["onsite_due_ms"]' ticket show "$TK") / 1000 ))" +'%F %H:%M')" \
	"the due time in the network's zone"
assert_grep_out() { printf '%s' "$1" | grep -qF -- "$2" || bad "$3: no '$2' in output"; }
assert_grep_out "$(sv shop-p1 ticket show "$TK")" "  visited      $VISIT (reported)" "ticket show's visit time"

# The same answers in every host zone, and at every node.
A=$(TZ=UTC "$S" --dir "$T/shop-p1" ticket show "$TK" --json | py 'sorted((k, v) for k, v in j.items() if k not in ("history",))')
B=$(TZ=America/New_York "$S" --dir "$T/shop-p1" ticket show "$TK" --json | py 'sorted((k, v) for k, v in j.items() if k not in ("history",))')
expect_eq "$B" "$A" "ticket show --json under TZ=America/New_York and TZ=UTC"
A=$(TZ=UTC "$S" --dir "$T/shop-p1" ticket show "$TK" | sed -n '/^policy/,$p')
B=$(TZ=America/New_York "$S" --dir "$T/hq" ticket show "$TK" | sed -n '/^policy/,$p')
expect_eq "$B" "$A" "the policy lines of ticket show at the shop (UTC) and HQ (New York)"

# Overdue is computed when read: nothing now; three days on, the return
# ticket (never visited, due 48 h after it opened) is.
expect_eq "$(jget region-p '[t["id"] for t in j]' ticket list --overdue)" "[]" "overdue now"
expect_eq "$(fkz UTC +3d region-p ticket list --overdue --json | py '[t["id"] for t in j]')" \
	"['$RT']" "overdue in three days"

section "4. the hotline's short path: a consult closed at the region"
CS=$(sv region-p ticket new --kind consult --customer "Panda Asks" --phone 13900000014 \
	--product p --fault "how to clean the filter" --channel phone)
sv region-p ticket status "$CS" resolved --reason "explained on the phone" >/dev/null
sv region-p ticket status "$CS" closed >/dev/null
wait_json $W hq '(j["status"], j["shop"], j["channel"])' "('closed', None, 'phone')" ticket show "$CS"
refused "a repair resolved at the desk" "new -> resolved is not a valid transition" \
	region-p ticket status "$RT" resolved

section "5. a ticket judged under an older version is flagged in the region's queue"
stop region-p
V2=$(sv hq policy set onsite_hours.B=6 --from "$TOMORROW")
assert_match "$V2" "version 2 in force from $TOMORROW" "version 2"
OLD=$(fkz Asia/Shanghai +2d region-p ticket new --kind repair --customer "Panda Late" \
	--phone 13900000015 --product p --fault f --model WM-8)
expect_eq "$(jget region-p '[t["id"] for t in j]' ticket list --flagged)" "[]" "nothing flagged before version 2 arrives"
start region-p
wait_json $W region-p '[v["version"] for v in j["scheduled"]]' "[1, 2]" policy show
expect_eq "$(jget region-p '[(t["id"], t["policy_version"]) for t in j]' ticket list --flagged)" \
	"[('$OLD', 1)]" "the ticket judged under version 1 is flagged"

section "6. ticket rejudge: the region judges the flagged ticket again"
refused "a shop re-judging" "^svcsync: shop shop-p1 may not re-judge tickets \\(its region or HQ\\)$" \
	shop-p1 ticket rejudge "$OLD"
OUT=$(sv region-p ticket rejudge "$OLD")
assert_match "$OUT" "^$OLD re-judged: policy version 2, grade B, warranty until -, on-site within 6 hours$" \
	"rejudge output"
expect_eq "$(jget region-p '[t["id"] for t in j]' ticket list --flagged)" "[]" "the queue is empty after re-judging"
wait_json $W hq '(j["policy_version"], j["onsite_due_ms"] - j["created_ms"], j["rejudged_ms"] is not None)' \
	"(2, 21600000, True)" ticket show "$OLD"
refused "a second re-judging" "^svcsync: ticket $OLD: already judged under policy version 2 and grade B \\(nothing to re-judge\\)$" \
	region-p ticket rejudge "$OLD"

section "7. exceptions to the return window"
refused "the shop's late return" "^svcsync: kind: a return is accepted within 15 days .*ticket override\\)$" \
	shop-p1 ticket new --kind return --customer "Panda Late" --phone 13900000016 --product p \
	--fault f --purchased "$P20" --serial SN-OV-1
refused "an exception by a shop" "^svcsync: shop shop-p1 may not record exceptions to the return and exchange windows \\(its region or HQ\\)$" \
	shop-p1 ticket override SN-OV-1 --kind return --reason "质量问题"
rc=0
ERR=$(timeout 60 "$S" --dir "$T/region-p" ticket override SN-OV-1 --kind return 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 2 "an exception without a reason: usage error"
assert_match "$ERR" "--reason" "an exception without a reason names --reason"
LONG=$(python3 -c 'print("退" * 61)')
refused "a reason of 61 characters" "^svcsync: .*reason: 61 characters, limit 60" \
	region-p ticket override SN-OV-1 --kind return --reason "$LONG"
refused "an exception for a repair" "^svcsync: kind: an exception is for a return or an exchange, not repair" \
	region-p ticket override SN-OV-1 --kind repair --reason "质量问题"
OUT=$(sv region-p ticket override SN-OV-1 --kind return --reason "$(python3 -c 'print("质" * 60)')" --shop shop-p1)
assert_match "$OUT" "^exception recorded: a return of serial SN-OV-1 may be opened outside its window$" "override output"
# The exception travels region -> shop: the shop's return goes through once
# it has arrived (each refused attempt writes nothing).
RET=""
for _ in $(seq 1 $((W * 5))); do
	RET=$(timeout 60 "$S" --dir "$T/shop-p1" ticket new --kind return --customer "Panda Late" \
		--phone 13900000016 --product p --fault f --purchased "$P20" --serial SN-OV-1 2>/dev/null) && break
	sleep 0.2
done
assert_match "$RET" "^T-shop-p1-" "the shop opens the return under the exception"
for n in shop-p1 region-p hq; do
	wait_json $W "$n" '(j["kind"], j["override_by"], len(j["override_reason"]))' \
		"('return', 'region-p', 60)" ticket show "$RET"
done
refused "the exception used twice" "^svcsync: kind: the exception for a return of SN-OV-1 recorded by region-p was used by ticket $RET$" \
	shop-p1 ticket new --kind return --customer "Panda Late" --phone 13900000016 --product p \
	--fault f --purchased "$P20" --serial SN-OV-1

net_done

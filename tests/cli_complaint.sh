#!/usr/bin/env bash
# cli_complaint: complaints (投诉) across live daemons: owned by the region
# (HQ once escalated), never by the shop complained about.
#
# HQ, region-k and its shops shop-k1 (complained about) and shop-k2.
#  1. Refusals, one line each, store unchanged: a shop opening a complaint,
#     'ticket new --kind complaint' (pointing to 'complaint new'), a category
#     of 21 characters, an unknown shop, a shop of another region.
#  2. The region logs a complaint against shop-k1, creating the
#     complainant's customer file; shop-k1 and HQ receive the complaint,
#     shop-k2 nothing.
#  3. Investigating, an investigation note (region), shop-k1's statement
#     (which reaches the region); shop-k1 may not move the status or write a
#     note. Escalated to HQ: the region may no longer move it; HQ concludes
#     it substantiated with a remedy; the finding reaches shop-k1; HQ
#     confirms (the customer was called back) and closes it. A status out of
#     order is refused. The substantiated complaint counts against shop-k1
#     in its month (complaint show, complaint list --shop).
#  4. No claim on a consult ticket (the desk refuses it).
#  5. Read isolation in the stores' raw bytes: shop-k1 holds the complaint's
#     text and its own statement (positive control) but neither the note
#     nor the complainant's phone; shop-k2 holds nothing of it; HQ holds the
#     note, the region the phone.
#  6. The queue: a high-severity complaint (3 days) is open and not overdue
#     now; four days on (faketime) it is overdue and first; once concluded
#     it leaves the queue. --region and --shop filter it.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, faketime.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_complaint
need_faketime || exit 77

W=20
net_hq hq
net_region region-k
net_region region-j
net_shop shop-k1 region-k
net_shop shop-k2 region-k
net_shop shop-j1 region-j
start_all

refused() { # WHAT REGEX NODE ARGS...: exit 1 and one line matching REGEX
	local what=$1 re=$2 n=$3 err rc=0
	shift 3
	err=$(timeout 60 "$S" --dir "$T/$n" "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$rc" 1 "$what: exit status"
	assert_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$what: one line"
	assert_match "$err" "$re" "$what"
}

PHONE=13911112222
new_args=(--customer "Marmot Complainant" --phone "$PHONE" --category "服务态度"
	--severity normal --text "MarmotText: the technician came two hours late" --channel phone)

section "1. refusals"
# the directory has reached the region and the shop before anything else
wait_json $W region-k '"shop-k1" in [n["node"] for n in j]' True node list
wait_json $W shop-k1 '"shop-k2" in [n["node"] for n in j]' True node list
refused "a shop opening a complaint" "^svcsync: shop shop-k1 may not open complaints \\(its region or HQ\\)$" \
	shop-k1 complaint new --against shop-k1 "${new_args[@]}"
refused "a complaint ticket" "^svcsync: kind: a complaint is not a ticket; record it with 'svcsync complaint new --against SHOP \\.\\.\\.' \\(its region or HQ\\)$" \
	region-k ticket new --kind complaint --customer "Marmot Complainant" --phone "$PHONE" \
	--product TV --fault "late"
refused "a category of 21 characters" "^svcsync: category: 21 characters, limit 20$" \
	region-k complaint new --against shop-k1 --customer "Marmot Complainant" --phone "$PHONE" \
	--category "$(python3 -c 'print("态" * 21)')" --severity low --text t
refused "an unknown shop" "^svcsync: against: unknown shop shop-zz " \
	region-k complaint new --against shop-zz "${new_args[@]}"
refused "another region's shop" "^svcsync: against: unknown shop shop-j1 \\(not in this node's directory\\)$" \
	region-k complaint new --against shop-j1 "${new_args[@]}"
refused "a bad severity" "^svcsync: severity: unknown value" \
	region-k complaint new --against shop-k1 --customer "Marmot Complainant" --phone "$PHONE" \
	--category c --severity urgent --text t
expect_eq "$(jget region-k 'len(j)' complaint list)" 0 "nothing written by the refusals"
expect_eq "$(jget region-k 'len(j)' customer find Marmot)" 0 "no customer file written by the refusals"

section "2. the region logs a complaint against shop-k1"
K=$(sv region-k complaint new --against shop-k1 "${new_args[@]}")
assert_match "$K" "^K-region-k-[0-9]+$" "complaint id"
expect_eq "$(jget region-k '(j["status"], j["shop"], j["owner"], j["severity"], j["days"], j["overdue"])' complaint show "$K")" \
	"('received', 'shop-k1', 'region-k', 'normal', 7, False)" "the complaint at the region"
expect_eq "$(jget region-k '(j["deadline_ms"] - j["created_ms"]) // 3600000' complaint show "$K")" 168 \
	"deadline: 7 days (complaint_days.normal)"
CUST=$(jget region-k 'j["customer_id"]' complaint show "$K")
assert_match "$CUST" "^C-region-k-[0-9]+$" "the complainant's customer file"
expect_eq "$(jget region-k '[(c["id"], c["phones"]) for c in j]' customer show --phone "$PHONE")" "[('$CUST', ['$PHONE'])]" \
	"the customer file holds the phone at the region"
wait_json $W shop-k1 '(j["status"], j["text"][:10], j["customer_id"])' "('received', 'MarmotText', '$CUST')" \
	complaint show "$K"
wait_json $W hq 'j["status"]' received complaint show "$K"

section "3. investigated, noted, stated, escalated, concluded, confirmed, closed"
sv region-k complaint status "$K" investigating >/dev/null
sv region-k complaint note "$K" "MarmotNote: the shop manager admits the delay" >/dev/null
refused "the shop moving the status" "^svcsync: shop shop-k1 may not change a complaint's status \\(its region or HQ; the shop concerned may add a statement\\)$" \
	shop-k1 complaint status "$K" closed
refused "the shop writing a note" "^svcsync: shop shop-k1 may not write investigation notes on complaints \\(its region or HQ\\)$" \
	shop-k1 complaint note "$K" "MarmotShopNote"
refused "the region writing a statement" "^svcsync: region region-k may not add a statement to a complaint \\(the shop concerned does\\)$" \
	region-k complaint statement "$K" "MarmotFake"
refused "concluding without a finding" "^svcsync: finding: required to conclude" \
	region-k complaint status "$K" concluded
wait_json $W shop-k1 'j["status"]' investigating complaint show "$K"
sv shop-k1 complaint statement "$K" "MarmotStatement: heavy rain that day" >/dev/null
wait_json $W region-k '(j["statements"], j["statement_texts"][0]["by"])' "(1, 'shop-k1')" complaint show "$K"
sv region-k complaint status "$K" escalated >/dev/null
expect_eq "$(jget region-k '(j["owner"], j["escalated_by"], j["status"])' complaint show "$K")" \
	"('HQ', 'region-k', 'investigating')" "escalated: HQ owns it, the status stays"
refused "the region after escalation" "^svcsync: complaint $K: escalated to HQ; region region-k may no longer move it$" \
	region-k complaint status "$K" concluded --finding substantiated
wait_json $W hq '(j["owner"], j["notes"], j["statements"])' "('HQ', 1, 1)" complaint show "$K"
sv hq complaint status "$K" concluded --finding substantiated --remedy "MarmotRemedy: refund of the visit fee" >/dev/null
wait_json $W shop-k1 '(j["status"], j["finding"], j["responsible"], j["remedy"][:12])' \
	"('concluded', 'substantiated', 'shop-k1', 'MarmotRemedy')" complaint show "$K"
wait_json $W region-k 'j["status"]' concluded complaint show "$K"
refused "closing before confirming" "^svcsync: complaint $K: concluded -> closed is not a valid transition \\(next: confirmed\\)$" \
	hq complaint status "$K" closed
sv hq complaint status "$K" confirmed >/dev/null
sv hq complaint status "$K" closed >/dev/null
wait_json $W shop-k1 '(j["status"], j["notes"], j["statements"])' "('closed', 0, 1)" complaint show "$K"
wait_json $W region-k '(j["status"], j["notes"])' "('closed', 1)" complaint show "$K"
expect_eq "$(jget hq 'j["shop_substantiated_in_month"]' complaint show "$K")" 1 \
	"the substantiated complaint counts against shop-k1 in its month"
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
expect_eq "$(sv hq complaint list --shop shop-k1 | tail -1)" \
	"substantiated complaints against shop-k1 by month received: $MONTH 1" "complaint list --shop summary"
expect_eq "$(jget shop-k1 '[h["kind"] for h in j["history"]]' complaint show "$K")" \
	"['complaint.open', 'complaint.status', 'complaint.statement', 'complaint.status', 'complaint.status', 'complaint.status', 'complaint.status']" \
	"the shop's history: no note"

section "4. no claim on a consult ticket"
CS=$(sv shop-k1 ticket new --kind consult --customer "Marmot Asks" --phone 13911113333 \
	--product TV --fault "how to pair the remote")
sv shop-k1 ticket status "$CS" accepted >/dev/null
sv shop-k1 ticket status "$CS" on_site >/dev/null
sv shop-k1 ticket status "$CS" resolved --reason "explained" >/dev/null
refused "a claim on a consult" "^svcsync: ticket $CS: no claim is made on a consult ticket$" \
	shop-k1 claim submit --ticket "$CS" --labor 5000

section "5. read isolation in the raw stores"
wait_json $W hq 'j["status"]' closed complaint show "$K"
wait_json $W shop-k1 'j["status"]' closed complaint show "$K"
# the shop has sent its statement up and received everything meant for it
net_quiesce $W
for str in MarmotText MarmotStatement MarmotRemedy; do
	assert_ge "$(count_in shop-k1 "$str")" 1 "shop-k1 holds '$str' (the scan works)"
	expect_eq "$(count_in shop-k2 "$str")" 0 "shop-k2 holds no '$str'"
done
for str in MarmotNote "$PHONE" "Marmot Complainant"; do
	expect_eq "$(count_in shop-k1 "$str")" 0 "shop-k1 holds no '$str'"
	expect_eq "$(count_in shop-k2 "$str")" 0 "shop-k2 holds no '$str'"
done
assert_ge "$(count_in hq MarmotNote)" 1 "HQ holds the note"
assert_ge "$(count_in region-k "$PHONE")" 1 "the region holds the phone"
expect_eq "$(jget shop-k2 'len(j)' complaint list)" 0 "shop-k2 lists no complaint"
expect_eq "$(count_in shop-j1 MarmotText)" 0 "another region's shop holds nothing"
expect_eq "$(count_in region-j MarmotText)" 0 "another region holds nothing"

section "6. the queue: overdue after the deadline, gone once concluded"
K2=$(sv region-k complaint new --against shop-k2 --customer-id "$CUST" --category "乱收费" \
	--severity high --text "charged twice")
K3=$(sv region-k complaint new --against shop-k1 --customer-id "$CUST" --category "态度" \
	--severity low --text "rude on the phone")
expect_eq "$(jget region-k '[(c["id"], c["overdue"]) for c in j]' complaint queue)" \
	"[('$K2', False), ('$K3', False)]" "the queue now: by deadline, none overdue, the closed one absent"
expect_eq "$(fk +4d region-k queue complaints --json | py '[(c["id"], c["overdue"]) for c in j]')" \
	"[('$K2', True), ('$K3', False)]" "four days on: the high-severity complaint is overdue, first"
expect_eq "$(fk +4d region-k queue complaints --shop shop-k1 --json | py '[c["id"] for c in j]')" \
	"['$K3']" "--shop"
expect_eq "$(fk +4d region-k complaint queue --region region-j --json | py '[c["id"] for c in j]')" \
	"[]" "--region of another region"
expect_eq "$(fk +4d region-k complaint queue --limit 1 --json | py '[c["id"] for c in j]')" \
	"['$K2']" "--limit"
sv region-k complaint status "$K2" investigating >/dev/null
sv region-k complaint status "$K2" concluded --finding unsubstantiated >/dev/null
expect_eq "$(fk +4d region-k complaint queue --json | py '[(c["id"], c["overdue"]) for c in j]')" \
	"[('$K3', False)]" "concluded: out of the queue"
expect_eq "$(fk +4d region-k complaint show "$K2" --json | py 'j["overdue"]')" False \
	"a concluded complaint is never overdue"
wait_json $W hq '[c["id"] for c in j]' "['$K3']" complaint queue --region region-k
expect_eq "$(jget hq 'j["shop_substantiated_in_month"]' complaint show "$K2")" 0 \
	"an unsubstantiated complaint counts against nobody"

section "7. the region's daemon escalates an overdue complaint itself"
expect_eq "$(jget region-k 'j["escalated_ms"]' complaint show "$K3")" None "not escalated while in time"
stop region-k
# K3 is low severity (15 days): sixteen days on, the daemon finds it overdue
start_fk +16d region-k
wait_json $W hq '(j["escalated_by"], j["escalated_ms"] is not None)' "('region-k', True)" \
	complaint show "$K3"
expect_eq "$(jget hq '[h["operator"] for h in j["history"] if h["summary"].startswith("status -> escalated")]' complaint show "$K3")" \
	"['svcsyncd']" "escalated by the daemon, once"
refused_status=$(timeout 60 "$S" --dir "$T/region-k" complaint status "$K3" investigating 2>&1 >/dev/null) && \
	fail "the region moved an escalated complaint"
assert_match "$refused_status" "escalated to HQ" "only HQ moves it now"
stop region-k
start region-k

net_done

#!/usr/bin/env bash
# cli_sec_revoke: a withdrawn shop and an expired certificate, on live daemons.
#
# HQ, region-e, shop-a (to be withdrawn) and shop-b (a good shop).
#
#  - shop-a resolves a ticket and claims; region-e audits. HQ revokes
#    shop-a (`svcsync node revoke`). Asserted: region-e closes shop-a's live
#    session within 1 s of the revocation (its log says "closing the
#    session of shop-a", the measured delay is printed) and its status no
#    longer lists shop-a; shop-a's daemon, restarted, is refused by ZAP
#    ("zap: refused CURVE client key <shop-a's key>"); tickets shop-a writes
#    afterwards never reach HQ, whether over the link (asserted once
#    shop-a's daemon has tried again and been refused, and a later ticket
#    of shop-b has reached HQ) or carried by hand (`export` at shop-a,
#    `import --kind changes` at region-e: refused with exit 1 naming the
#    revocation's cut-off, region-e's log unchanged); shop-a's earlier claim
#    is still approved and paid at HQ, and the decision reaches region-e;
#    shop-b keeps replicating.
#  - a certificate that expires while its shop is connected (enrolled by
#    HQ with its clock set back, so the one-day certificate has seconds
#    left; needs libfaketime): region-e closes the session within 1 s of
#    not_after, HQ revokes the certificate (a cut-off by seq, like a
#    withdrawal) and region-e learns of it, a restarted daemon is refused
#    by ZAP, and what the shop writes afterwards never reaches HQ (over
#    the link, or imported: exit 1 naming the expiry).
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3; libfaketime for the second part
# (skipped with "SKIP: faketime not installed" without it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_sec_revoke
# Provoked below: refusals of the withdrawn and expired shops, the failing
# reconnects on their side, and what a withdrawn shop had in flight when the
# region kicked its session (dropped, never applied).
NET_LOG_ALLOW='revoked|expired|zap: refused|closing the session|peer was kicked'

has_ticket() { svq "$1" ticket show "$2" --json >/dev/null; }
# shop_b_marker TEXT: a ticket of shop-b, once HQ holds it: what was queued
# before it at region-e has been dealt with.
shop_b_marker() {
	local id
	id=$(sv shop-b ticket new --kind install --customer "$1" --phone 13900000009 \
		--product WH-1 --fault "marker")
	wait_until 10 has_ticket hq "$id"
}
claim_status() { json_val "$1" 'j["status"]' claim show "$2"; }
tickets() { jget "$1" 'len(j)' ticket list; }

section "the network: hq, region-e, shop-a, shop-b"
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-b region-e
start_all
sv hq catalog add P-1 --name filter --price 1000 >/dev/null
KEY_A=$(jget shop-a 'j["curve_pubkey"]' id)

section "shop-a's claim, audited by region-e, before the withdrawal"
TA=$(sv shop-a ticket new --kind repair --customer "Before Withdrawal" --phone 13800000001 \
	--product AC-1 --fault "no cooling")
for st in accepted on_site resolved; do sv shop-a ticket status "$TA" "$st"; done
CA=$(sv shop-a claim submit --ticket "$TA" --labor 8000 --travel 1500)
wait_json 10 region-e 'j["status"]' submitted claim show "$CA"
sv region-e claim audit "$CA" >/dev/null
wait_json 10 hq 'j["status"]' audited claim show "$CA"
net_quiesce 20
assert_match "$(link_line region-e shop-a)" " up " "shop-a's session at region-e before"

section "HQ withdraws shop-a: its live session at region-e ends"
mark=$(log_mark region-e)
t0=$(date +%s%N)
sv hq node revoke shop-a --reason "shop closed" >/dev/null
if ms=$(log_wait region-e "$mark" 3 "closing the session of shop-a"); then
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "   region-e closed shop-a's session ${ms} ms after 'node revoke' at HQ"
	sec_attack revocation "$([ "$ms" -le 1000 ] && echo 0 || echo 1)" \
		"shop-a's live session closed ${ms} ms after the revocation (limit 1000 ms)"
else
	sec_attack revocation 1 "shop-a's live session still open 3 s after the revocation"
fi
gone() { ! grep -q "^link shop-a " "$T/region-e/status"; }
expect_until 3 gone
down=$(jget region-e '[d["node"] for d in j["downstream"]]' status)
echo "   region-e's downstream links now: $down"
sec_attack revocation "$([[ $down == *shop-a* ]] && echo 1 || echo 0)" \
	"region-e's status lists shop-a after the revocation"
wait_json 10 region-e '[n["revoked"] for n in j if n["node"]=="shop-a"]' "[True]" node list

section "shop-a's daemon restarted: the handshake is refused"
mark=$(log_mark region-e)
stop shop-a
start shop-a
if ms=$(log_wait region-e "$mark" 5 "refused CURVE client key $KEY_A"); then
	sec_attack revocation 0 "restarted shop-a's handshake refused by ZAP (after ${ms} ms)"
else
	sec_attack revocation 1 "restarted shop-a's handshake: no ZAP refusal at region-e"
fi

section "what shop-a writes after the withdrawal never reaches HQ"
hq_before=$(tickets hq)
q_before=$(jget region-e 'len(j)' quarantine list)
mark=$(log_mark region-e)
LATE=()
for i in 1 2 3; do
	LATE+=("$(sv shop-a ticket new --kind repair --customer "After Withdrawal $i" \
		--phone 1380000001$i --product AC-1 --fault "late")")
done
# Positive events first: shop-a's daemon, holding the three, tried its
# link again and was refused, and a later ticket of shop-b got through.
log_wait region-e "$mark" 10 "refused CURVE client key $KEY_A" >/dev/null ||
	fail "shop-a's daemon did not try its link again within 10 s"
shop_b_marker "Marker After Late Writes"
hq_before=$((hq_before + 1))
hq_after=$(tickets hq)
sec_attack revocation "$([ "$hq_after" = "$hq_before" ] && echo 0 || echo 1)" \
	"shop-a's 3 tickets after the revocation over its link: HQ holds $hq_after tickets, had $hq_before"
for id in "${LATE[@]}"; do
	has_ticket region-e "$id" && sec_attack revocation 1 "$id reached region-e"
done
# Carried by hand: the offline exchange has no ZAP to stop it.
sv shop-a export --for region-e --out "$T/late.chg" >/dev/null
lsn_before=$(lsn region-e)
rc=0
timeout 60 "$S" --dir "$T/region-e" import --kind changes "$T/late.chg" >"$T/imp.out" 2>"$T/imp.err" || rc=$?
echo "   import of shop-a's export at region-e: exit $rc: $(cat "$T/imp.err" "$T/imp.out" | head -2)"
assert_eq "$rc" 1 "import of shop-a's post-revocation export at region-e: exit status"
assert_grep "$T/imp.err" "signer shop-a is revoked (shop closed)" \
	"import of shop-a's post-revocation export at region-e"
assert_eq "$(lsn region-e)" "$lsn_before" "region-e's last lsn across the refused import"
through=0
for id in "${LATE[@]}"; do
	has_ticket region-e "$id" && through=1
done
sec_attack revocation "$through" "shop-a's post-revocation tickets imported at region-e from an export file"
q_after=$(jget region-e 'len(j)' quarantine list)
echo "   region-e's quarantine: $q_before before, $q_after after"
shop_b_marker "Marker After Import"
hq_before=$((hq_before + 1))
assert_eq "$(tickets hq)" "$hq_before" "tickets at HQ after shop-a's late writes"

section "shop-a's earlier claim is still settled"
sv hq claim approve "$CA" --reason "labor checked" >/dev/null
MONTH=$(TZ=Asia/Shanghai date +%Y-%m)
sv hq claim pay --shop shop-a --month "$MONTH" --ref PAY-WITHDRAWN-1 >/dev/null
PAID='[(c["id"], c["paid_ref"]) for c in j["claims"]]'
assert_eq "$(jget hq "$PAID" statement --shop shop-a --month "$MONTH")" "[('$CA', 'PAY-WITHDRAWN-1')]" \
	"shop-a's claim paid at HQ after the withdrawal"
wait_json 10 region-e "$PAID" "[('$CA', 'PAY-WITHDRAWN-1')]" statement --shop shop-a --month "$MONTH"

section "shop-b, a good shop, still replicates"
TB=$(sv shop-b ticket new --kind install --customer "Good Shop" --phone 13900000002 \
	--product WH-1 --fault "install")
wait_until 10 has_ticket hq "$TB"
ok

section "a certificate that expires while its shop is connected"
if need_faketime; then
	net_node shop-x shop region-e
	sv shop-x enroll request --out "$T/shop-x.req" >/dev/null
	# HQ's clock 1 day minus LEFT seconds behind: a 1-day certificate
	# issued then has LEFT seconds of validity left.
	LEFT=8
	fk "-$((86400 - LEFT))" hq enroll approve --request "$T/shop-x.req" --upstream region-e \
		--endpoint "tcp://127.0.0.1:${NET_PORT[region-e]}" --out "$T/shop-x.bundle" --days 1 >/dev/null
	sv shop-x enroll accept --bundle "$T/shop-x.bundle" --hq-key "$(jget hq 'j["pubkey"]' id)" >/dev/null
	not_after=$(jget shop-x 'j["cert_not_after_ms"]' id)
	echo "   shop-x's certificate ends in $((not_after - $(date +%s%3N))) ms"
	KEY_X=$(jget shop-x 'j["curve_pubkey"]' id)
	wait_json 10 region-e '[n["node"] for n in j if n["node"]=="shop-x"]' "['shop-x']" node list
	start shop-x
	TX=$(sv shop-x ticket new --kind repair --customer "Valid Certificate" --phone 13900000003 \
		--product AC-1 --fault "in time")
	wait_until 5 has_ticket hq "$TX"
	link_up() { [[ "$(link_line region-e "$1")" == *" up "* ]]; }
	wait_until 3 link_up shop-x
	mark=$(log_mark region-e)
	hq_mark=$(log_mark hq)
	# wait for not_after, then give the region 1 s (polling up to 3 s)
	while [ "$(date +%s%3N)" -le "$not_after" ]; do sleep 0.05; done
	if log_wait region-e "$mark" 3 "closing the session of shop-x" >/dev/null; then
		ms=$(($(date +%s%3N) - not_after))
		echo "   region-e closed shop-x's session ${ms} ms after its certificate expired"
		sec_attack expiry "$([ "$ms" -le 1000 ] && echo 0 || echo 1)" \
			"shop-x's session closed ${ms} ms after not_after (limit 1000 ms)"
	else
		sec_attack expiry 1 "shop-x's session still open 3 s after its certificate expired"
	fi
	# HQ turns the expiry into a revocation with a cut-off by seq.
	if log_wait hq "$hq_mark" 5 "revoked shop-x: its certificate expired (cut-off seq" >/dev/null; then
		log_since hq "$hq_mark" | grep -m1 "revoked shop-x" | sed 's/^/   /'
		ok
	else
		bad "HQ did not revoke shop-x within 5 s of its certificate's expiry"
	fi
	wait_json 10 region-e '[n["revoked"] for n in j if n["node"]=="shop-x"]' "[True]" node list
	# Nobody typed that revocation: it records the daemon as its operator.
	expect_eq "$(jget hq "[c['operator'] for c in j if c['kind'] == 'node.revoke' and c['aggregate'] == 'N:shop-x']" log)" \
		"['svcsyncd']" "operator of HQ's revocation of the expired shop-x"
	hq_before=$(tickets hq)
	TX2=$(sv shop-x ticket new --kind repair --customer "Expired Certificate" --phone 13900000004 \
		--product AC-1 --fault "too late")
	mark=$(log_mark region-e)
	stop shop-x
	start shop-x
	if ms=$(log_wait region-e "$mark" 5 "refused CURVE client key $KEY_X"); then
		sec_attack expiry 0 "restarted shop-x's handshake refused by ZAP (after ${ms} ms)"
	else
		sec_attack expiry 1 "restarted shop-x's handshake: no ZAP refusal at region-e"
	fi
	shop_b_marker "Marker After Expiry"
	through=0
	has_ticket hq "$TX2" && through=1
	sec_attack expiry "$through" "shop-x's ticket written after expiry reaches HQ"
	sv shop-x export --for region-e --out "$T/x.chg" >/dev/null
	lsn_before=$(lsn region-e)
	rc=0
	timeout 60 "$S" --dir "$T/region-e" import --kind changes "$T/x.chg" >"$T/ximp.out" \
		2>"$T/ximp.err" || rc=$?
	echo "   import of shop-x's export at region-e: exit $rc: $(head -1 "$T/ximp.err")"
	assert_eq "$rc" 1 "import of shop-x's post-expiry export at region-e: exit status"
	assert_grep "$T/ximp.err" "signer shop-x is revoked (certificate expired" \
		"import of shop-x's post-expiry export at region-e"
	assert_eq "$(lsn region-e)" "$lsn_before" "region-e's last lsn across the refused import"
	through=0
	has_ticket region-e "$TX2" && through=1
	sec_attack expiry "$through" "shop-x's post-expiry ticket imported at region-e from an export file"
fi

sec_done revocation=5 expiry=4

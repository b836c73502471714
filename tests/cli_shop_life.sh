#!/usr/bin/env bash
# cli_shop_life: a shop's life cycle across live daemons (HQ, region-e,
# shop-a enrolled the old way, shop-b through the seeds' stages).
#
#  1. shop-a, enrolled with `enroll approve` alone, has a record at
#     probation marked direct, at HQ, at region-e and at shop-a itself.
#  2. region-e records shop-b's application (shop apply) before shop-b has a
#     key; stages by the wrong role or out of order are refused with one
#     line and nothing stored (a region's technical review, HQ's approval
#     before the reviews, an enrollment before approval); the region's review
#     reaches HQ, HQ's technical review and approval reach the region;
#     `enroll approve` issues the agreement as the bundle (certificate to
#     the agreement's end) and records probation; region-e's assessment
#     makes shop-b regular, seen everywhere; corrections by the region
#     replicate, a shop's own edit is refused.
#  3. region-e moves to a new port. shop-a works offline meanwhile; HQ
#     renews shop-a (enroll approve --renew --endpoint): new serial, same id
#     and store; shop-a accepts the bundle while its daemon runs, the daemon
#     reconnects to the new endpoint and the offline ticket reaches HQ.
#  4. A renewal for a revoked node or an unknown node is refused.
#  5. An emergency `node revoke` of shop-b (regular, running) takes effect
#     at once: region-e closes its session.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_shop_life
NET_LOG_ALLOW='revoked|closing the session|peer was kicked|zap: refused|refused CURVE|connection refused|Connection refused|disconnected|renewed enrollment'

W=20
net_hq hq
net_region region-e
net_shop shop-a region-e
start_all
wait_json $W shop-a '"shop-a" in [n["node"] for n in j]' True node list

stage() { jget "$1" 'j["stage"]' shop show "$2"; }

section "a shop enrolled the old way has a record at probation, direct"
assert_eq "$(jget hq '[j["stage"], j["direct"], j["region"]]' shop show shop-a)" \
	"['probation', True, 'region-e']" "shop-a's record at HQ"
wait_json $W region-e '[j["stage"], j["direct"]]' "['probation', True]" shop show shop-a
wait_json $W shop-a 'j["stage"]' probation shop show shop-a
assert_eq "$(jget hq 'len([s for s in j if s["stage"] == "probation"])' shop list --stage probation)" \
	1 "shop list --stage probation at HQ"

section "shop-b's application, stage by stage"
sv region-e shop apply shop-b --name "东城家电维修服务部" --legal-rep "陈明" \
	--address "东城区和平路8号" --area "东城区、南城区" --contact "0371-6000 0008" \
	--type special --technician "陈明:高级维修工" --technician "李强:中级维修工" >/dev/null
assert_eq "$(jget region-e '[j["stage"], len(j["technicians"]), j["applied_by"]]' shop show shop-b)" \
	"['applied', 2, 'region-e']" "shop-b applied at region-e"
refused "a second application for the id" 1 "shop: shop-b is already on record \(stage applied" \
	region-e shop apply shop-b --name X --type special
refused "an application for an enrolled id" 1 "shop: shop-a is already a shop of the directory" \
	region-e shop apply shop-a --name X --type special
refused "a region's technical review" 1 \
	"region region-e may not record the technical review \(HQ only\)" \
	region-e shop tech-review shop-b --accept
refused "the shop's record edited by a shop" 1 \
	"shop shop-a may not change shop records \(its region or HQ\)" \
	shop-a shop edit shop-a --contact "x"
wait_json $W hq 'j["stage"]' applied shop show shop-b
refused "HQ's approval before the reviews" 1 \
	"shop shop-b: stage is applied; approved follows tech_reviewed" \
	hq shop approve shop-b --agreement TY-1 --from 2026-01-01 --to 2027-12-31
refused "HQ's technical review before the region's" 1 \
	"shop shop-b: stage is applied; tech_reviewed follows reviewed" \
	hq shop tech-review shop-b --accept

net_node shop-b shop region-e
sv shop-b enroll request --out "$T/shop-b.req" >/dev/null
refused "an enrollment before the approval" 1 \
	"shop shop-b: stage applied; a shop is enrolled once HQ approved it" \
	hq enroll approve --request "$T/shop-b.req" --upstream region-e \
	--endpoint "tcp://127.0.0.1:${NET_PORT[region-e]}" --out "$T/shop-b.bundle"

sv region-e shop review shop-b --accept >/dev/null
wait_json $W hq 'j["stage"]' reviewed shop show shop-b
sv hq shop tech-review shop-b --accept --reason "资质齐全" >/dev/null
FROM=$(date -u +%Y-%m-%d)
TO=$(date -u -d "+2 years" +%Y-%m-%d)
sv hq shop approve shop-b --agreement TY-2026-0108 --from "$FROM" --to "$TO" >/dev/null
wait_json $W region-e '[j["stage"], j["agreement"]]' "['approved', 'TY-2026-0108']" shop show shop-b

section "the agreement issued as the bundle: probation"
out=$(sv hq enroll approve --request "$T/shop-b.req" --upstream region-e \
	--endpoint "tcp://127.0.0.1:${NET_PORT[region-e]}" --out "$T/shop-b.bundle")
echo "   $out"
END=$(date -u -d "$TO +1 day" +%Y-%m-%d)
assert_match "$out" "valid until $END 00:00" "shop-b's certificate runs to the end of the agreement's last day"
sv shop-b enroll accept --bundle "$T/shop-b.bundle" --hq-key "$(jget hq 'j["pubkey"]' id)" >/dev/null
SERIAL_B=$(jget hq '[n["serial"] for n in j if n["node"] == "shop-b"][0]' node list)
assert_eq "$(jget hq '[j["stage"], j["direct"], j["serial"]]' shop show shop-b)" \
	"['probation', False, $SERIAL_B]" "shop-b on probation at HQ"
PROB=$(jget hq 'j["probation_until_ms"] - j["enrolled_ms"]' shop show shop-b)
assert_ge "$PROB" $((88 * 86400000)) "probation of three months (from)"
assert_eq "$((PROB <= 93 * 86400000))" 1 "probation of three months (to)"
start shop-b
wait_json $W shop-b 'j["stage"]' probation shop show shop-b
wait_json $W region-e 'j["stage"]' probation shop show shop-b

section "an assessment makes shop-b regular; corrections replicate"
PERIOD=$(date -u +%Y-%m)
refused "a score out of range" 1 "score: 120 is outside 0..100" \
	region-e shop assess shop-b --period "$PERIOD" --score 120 --regular
out=$(sv region-e shop assess shop-b --period "$PERIOD" --score 92 --regular)
assert_match "$out" "stage regular" "the assessment's line"
wait_json $W hq '[j["stage"], j["assessments"][-1]["score"], j["assessments"][-1]["by"]]' \
	"['regular', 92, 'region-e']" shop show shop-b
wait_json $W shop-b 'j["stage"]' regular shop show shop-b
refused "regular twice" 1 "shop shop-b: stage is regular; regular follows probation" \
	region-e shop assess shop-b --period "$PERIOD" --score 95 --regular
sv region-e shop edit shop-b --contact "0371-6000 0009" --technician "李强:高级维修工" \
	--drop-technician "陈明" >/dev/null
wait_json $W hq '[j["contact"], [(t["name"], t["qualification"]) for t in j["technicians"]]]' \
	"['0371-6000 0009', [('李强', '高级维修工')]]" shop show shop-b
assert_eq "$(jget hq 'sorted([s["shop"] for s in j])' shop list)" "['shop-a', 'shop-b']" \
	"HQ's shop list"
assert_eq "$(jget shop-a '[s["shop"] for s in j]' shop list)" "['shop-a']" \
	"shop-a holds its own record only"

section "region-e moves; a renewal with the new endpoint reaches running shop-a"
SERIAL_A=$(jget shop-a 'j["cert_serial"]' id)
STORE_A=$(jget shop-a 'j["store_id"]' id)
stop region-e
NET_PORT[region-e]=$(free_port)
start region-e
TK=$(sv shop-a ticket new --kind repair --customer "王五" --phone 13700137000 --product AC-35 \
	--serial SN-SL-1 --purchased 2025-06-01 --fault "does not cool")
sleep 1
assert_eq "$(jget region-e "len([t for t in j if t['id'] == '$TK'])" ticket list)" 0 \
	"the offline ticket has not reached region-e"
out=$(sv hq enroll approve --renew shop-a --endpoint "tcp://127.0.0.1:${NET_PORT[region-e]}" \
	--out "$T/shop-a.renew")
echo "   $out"
out=$(sv shop-a enroll accept --bundle "$T/shop-a.renew")
assert_match "$out" "^renewed shop-a: upstream region-e at tcp://127.0.0.1:${NET_PORT[region-e]}" \
	"shop-a accepts the renewal"
NEW_A=$(jget shop-a 'j["cert_serial"]' id)
assert_eq "$((NEW_A > SERIAL_A))" 1 "a new serial ($SERIAL_A -> $NEW_A)"
assert_eq "$(jget shop-a 'j["store_id"]' id)" "$STORE_A" "the same store"
wait_json $W hq "[t['status'] for t in j if t['id'] == '$TK']" "['assigned']" ticket list
wait_json $W region-e "[n['serial'] for n in j if n['node'] == 'shop-a']" "[$NEW_A]" node list
assert_eq "$(jget hq "[n['revoked'] for n in j if n['node'] == 'shop-a']" node list)" "[False]" \
	"no revocation"
assert_grep "$T/shop-a.log" "renewed enrollment: upstream region-e now at" "shop-a's daemon reconnected"
# shop-b too: its renewal without --days keeps its agreement's term
sv hq enroll approve --renew shop-b --endpoint "tcp://127.0.0.1:${NET_PORT[region-e]}" \
	--out "$T/shop-b.renew" >/dev/null
sv shop-b enroll accept --bundle "$T/shop-b.renew" >/dev/null
TB=$(sv shop-b ticket new --kind repair --customer "赵六" --phone 13600136000 --product AC-35 \
	--serial SN-SL-2 --purchased 2025-06-01 --fault "noisy")
wait_json $W hq "len([t for t in j if t['id'] == '$TB'])" 1 ticket list

section "renewals refused: a revoked node, an unknown node"
net_shop shop-c region-e
sv hq node revoke shop-c --reason "撤点" >/dev/null
refused "a renewal of a revoked node" 1 "renew: node shop-c is revoked \(撤点\)" \
	hq enroll approve --renew shop-c --out "$T/shop-c.renew"
refused "a renewal of an unknown node" 1 "renew: unknown node shop-zz" \
	hq enroll approve --renew shop-zz --out "$T/shop-zz.renew"
refused "a renewal at a region" 1 "only HQ renews" \
	region-e enroll approve --renew shop-a --out "$T/x.renew"

section "an emergency revocation of shop-b takes effect at once"
net_quiesce 20
mark=$(log_mark region-e)
sv hq node revoke shop-b --reason "密钥被盗" >/dev/null
closed() { log_since region-e "$mark" | grep -q "closing the session of shop-b"; }
wait_until 5 closed
wait_json 10 region-e '[n["revoked"] for n in j if n["node"] == "shop-b"]' "[True]" node list
assert_eq "$(jget hq 'j["stage"]' shop show shop-b)" regular "the record stays as it was"

net_verify_all
net_done

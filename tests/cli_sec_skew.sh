#!/usr/bin/env bash
# cli_sec_skew: shops whose clocks are hours off, on live daemons.
#
# HQ, region-e, shop-n (a correct clock), shop-m (6 hours behind) and shop-p
# (6 hours ahead); the skewed shops' daemons and CLI run with libfaketime.
# Each shop works a walk-in offline before its first sync (stamped by its
# own clock alone), then walk-ins through to resolved and claims, and a
# ticket region-e opens onto it. Asserted:
#
#  - nothing lost: every ticket and claim of every shop reaches HQ, in the
#    state the shop left it (the shop's own transitions are neither refused
#    nor reordered by the merge rules);
#  - each node's changes stay in their own order: for every origin, HQ's log
#    ordered by seq has strictly increasing clocks (hlc);
#  - region-e's `svcsync status --json` flags shop-p's clock as far ahead
#    (downstream clock_ahead_ms about 6 h) and not shop-m's or shop-n's.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, libfaketime (Debian package
# faketime): without it the test prints "SKIP: faketime not installed" and
# exits 77 (ctest: skipped).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
need_faketime || exit 77
net_setup cli_sec_skew

declare -A OFF=([shop-n]=+0 [shop-m]=-6h [shop-p]=+6h)
SHOPS="shop-n shop-m shop-p"

section "the network: hq, region-e; shop-n (+0), shop-m (-6 h), shop-p (+6 h)"
net_hq hq
net_region region-e
for s in $SHOPS; do net_shop "$s" region-e; done
# a walk-in each shop works offline first, stamped with its own clock alone
declare -A OFFLINE
for s in $SHOPS; do
	OFFLINE[$s]=$(fk "${OFF[$s]}" "$s" ticket new --kind repair --customer "Offline $s" \
		--phone 13600000001 --product AC-1 --fault "before the first sync")
	for st in accepted on_site resolved; do fk "${OFF[$s]}" "$s" ticket status "${OFFLINE[$s]}" "$st" >/dev/null; done
done
start hq
start region-e
for s in $SHOPS; do start_fk "${OFF[$s]}" "$s"; done
sv hq catalog add P-1 --name filter --price 1000 >/dev/null
net_quiesce 20
for s in $SHOPS; do
	echo "   $s's clock: $(LD_PRELOAD=$SEC_FAKETIME_LIB FAKETIME=${OFF[$s]} date -u +%H:%M) (UTC; real $(date -u +%H:%M))"
done

section "each shop works walk-ins and region-e's tickets, on its own clock"
declare -A RT
for s in $SHOPS; do
	RT[$s]=$(sv region-e ticket new --kind install --customer "Region For $s" \
		--phone 13700000001 --product WH-1 --fault "dispatched" --shop "$s")
done
has_ticket() { svq "$1" ticket show "$2" --json >/dev/null; }
for s in $SHOPS; do wait_until 10 has_ticket "$s" "${RT[$s]}"; done
for round in 1 2 3; do
	for s in $SHOPS; do
		t=$(fk "${OFF[$s]}" "$s" ticket new --kind repair --customer "Walk-in $s $round" \
			--phone "1390000000$round" --product AC-1 --fault "skewed")
		for st in accepted on_site resolved; do fk "${OFF[$s]}" "$s" ticket status "$t" "$st" >/dev/null; done
		fk "${OFF[$s]}" "$s" ticket note "$t" "done at round $round" >/dev/null
		fk "${OFF[$s]}" "$s" claim submit --ticket "$t" --labor $((1000 * round)) >/dev/null
	done
done
for s in $SHOPS; do
	for st in accepted on_site resolved; do fk "${OFF[$s]}" "$s" ticket status "${RT[$s]}" "$st" >/dev/null; done
done
net_quiesce 30
for s in $SHOPS; do
	sv region-e ticket status "${RT[$s]}" closed >/dev/null
done
net_quiesce 30

section "nothing lost, nothing refused"
f0=$NET_FAILED
net_pycheck <<'EOF'
hq_t = {t["id"]: t for t in sv("hq", "ticket", "list")}
hq_c = {c["id"]: c for c in sv("hq", "claim", "list")}
for s in ("shop-n", "shop-m", "shop-p"):
    mine = sv(s, "ticket", "list")
    expect(sorted(t["id"] for t in mine if t["id"] not in hq_t), [], f"{s}'s tickets missing at HQ")
    expect(sorted((t["id"], t["status"]) for t in mine if t["id"] in hq_t and hq_t[t["id"]]["status"] != t["status"]
                  and t["opened_by"] == s), [], f"{s}'s walk-ins in another state at HQ")
    walk = [t for t in mine if t["opened_by"] == s]
    expect(sorted(t["status"] for t in walk), ["resolved"] * 4, f"{s}'s walk-ins resolved")
    claims = sv(s, "claim", "list")
    expect(len(claims), 3, f"{s}'s claims")
    expect(sorted(c["id"] for c in claims if c["id"] not in hq_c), [], f"{s}'s claims missing at HQ")
    region_t = [t for t in hq_t.values() if t["opened_by"] == "region-e" and t["shop"] == s]
    expect([t["status"] for t in region_t], ["closed"], f"region-e's ticket for {s} at HQ (after the shop resolved it)")
log = sv("hq", "log")
expect([c["origin"] + "/" + str(c["seq"]) + ": " + c["reason"] for c in log if c["rejected"]], [],
       "changes refused by the merge rules at HQ")
by_origin = {}
for c in log:
    by_origin.setdefault(c["origin"], []).append((c["seq"], c["hlc"]))
for o, v in sorted(by_origin.items()):
    v.sort()
    bad = [(a, b) for a, b in zip(v, v[1:]) if not b[1] > a[1]]
    expect(bad, [], f"{o}: clocks not increasing with seq ({len(v)} changes)")
    print(f"   {o}: {len(v)} changes, seq order == hlc order: {not bad}")
EOF
sec_attack clock-skew "$([ "$NET_FAILED" = "$f0" ] && echo 0 || echo 1)" \
	"changes of shops 6 h behind and 6 h ahead: all at HQ, none refused, each origin's seq order == hlc order"

section "region-e's status flags the clock far ahead"
f0=$NET_FAILED
net_pycheck <<'EOF'
st = sv("region-e", "status")
down = {d["node"]: d for d in st["downstream"]}
for s in ("shop-n", "shop-m", "shop-p"):
    d = down.get(s, {})
    print(f"   region-e sees {s}: state {d.get('state')}, clock_ahead_ms {d.get('clock_ahead_ms')}")
p = down.get("shop-p", {}).get("clock_ahead_ms")
expect(p is not None and 5.5 * 3600e3 < p < 6.5 * 3600e3, True, "shop-p flagged about 6 h ahead")
expect(down.get("shop-m", {}).get("clock_ahead_ms"), None, "shop-m (behind) not flagged ahead")
expect(down.get("shop-n", {}).get("clock_ahead_ms"), None, "shop-n not flagged")
print(f"   region-e's own clock_ahead_ms (pulled by shop-p's changes): {st.get('clock_ahead_ms')}")
EOF
sec_attack clock-skew "$([ "$NET_FAILED" = "$f0" ] && echo 0 || echo 1)" \
	"a clock 6 h ahead goes unflagged in region-e's status"

sec_done clock-skew=2

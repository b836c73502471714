#!/usr/bin/env bash
# cli_sec_revoke_sessions: a stolen shop key, several connections of it, and
# work stamped before the revocation, on live daemons.
#
# HQ, region-e, shop-a (whose key is stolen) and shop-b (a good shop).
#
#  - HQ revokes shop-a while its daemon is down, so the revocation waits
#    at HQ. Meanwhile shop-a writes a ticket with its clock a minute back
#    (stamped before the revocation) and region-e applies it.
#  - shop-a's daemon stops; hostile clients use its key: H1 says HELLO and
#    is served, H2 connects and never says anything, H3 says HELLO later.
#    Asserted: H3's session replaces H1's (H1 is closed by region-e: a key
#    has one session at a time).
#  - HQ's daemon starts: the revocation reaches region-e. Asserted: H2 and
#    H3 are both closed by region-e; a catalog entry HQ adds afterwards
#    reaches shop-b but none of them; the backdated ticket is held out of
#    the state at region-e (which had applied it) and at HQ (which gets it
#    from region-e after the revocation), listed by `quarantine list` as
#    held by the revocation's cut-off.
#  - `quarantine release` is refused at region-e; at HQ it lets the held
#    ticket in, at HQ and at region-e.
#  - HQ revokes region-e; shop-b, below it, learns of it (HQ's export,
#    imported) and drops its link to region-e, saying why.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, libfaketime (skipped with "SKIP:
# faketime not installed" without it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
need_faketime || exit 77
net_setup cli_sec_revoke_sessions
# Provoked below: the revoked key's connections closed and refused, the
# held ticket, HQ's absence while shop-a's region relays.
NET_LOG_ALLOW='dropping the link|revoked|zap: refused|closing the session|no longer admitted|not from the node.s current session|held by the revocation|hq at tcp'

has_ticket() { svq "$1" ticket show "$2" --json >/dev/null; }
has_part() { [ "$(json_val "$1" "[p['part_no'] for p in j if p['part_no']=='$2']" catalog list)" = "['$2']" ]; }
closed() { grep -q '^closed: by the server' "$1"; }
# held_seq NAME AGGREGATE: the seq of the change of AGGREGATE held at NAME.
held_seq() {
	json_val "$1" "[q['seq'] for q in j if q['held'] and q['aggregate']=='$2'][0]" quarantine list
}
# within SECS CMD...: poll CMD (0.1 s) up to SECS; status says whether it held.
within() {
	local limit=$1 t0
	shift
	t0=$(date +%s%N)
	until "$@" >/dev/null 2>&1; do
		[ $((($(date +%s%N) - t0) / 1000000)) -lt $((limit * 1000)) ] || return 1
		sleep 0.1
	done
}

section "the network: hq, region-e, shop-a, shop-b"
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-b region-e
start_all
sv hq catalog add P-1 --name filter --price 1000 >/dev/null
TA=$(sv shop-a ticket new --kind repair --customer "Honest Work" --phone 13800000001 \
	--product AC-1 --fault "no cooling")
wait_until 10 has_ticket hq "$TA"
net_quiesce 20

section "HQ revokes shop-a while HQ's daemon is down; shop-a backdates a ticket"
stop hq
out=$(sv hq node revoke shop-a --reason "key stolen")
echo "   $out"
if [[ $out =~ cut-off\ seq\ [0-9]+ ]]; then ok; else bad "node revoke names no cut-off seq"; fi
TB=$(fk -60 shop-a ticket new --kind repair --customer "Backdated" --phone 13800000002 \
	--product AC-1 --fault "stamped a minute before the revocation")
wait_until 10 has_ticket region-e "$TB"
echo "   region-e applied $TB (stamped a minute back) before it knew of the revocation"

section "three connections with shop-a's key at region-e"
stop shop-a
KEY=(--key "$T/shop-a/node.key" --node shop-a --mode hold --wait 50000)
hc region-e "${KEY[@]}" --hello-first >"$T/h1.out" 2>&1 &
NET_BG+=($!)
wait_until 10 grep -q '^change: hq/.* catalog.put' "$T/h1.out"
echo "   H1 (HELLO) is served: $(grep -c '^change:' "$T/h1.out") change(s) received"
hc region-e "${KEY[@]}" >"$T/h2.out" 2>&1 &
NET_BG+=($!)
wait_until 10 grep -q '^session: up' "$T/h2.out"
echo "   H2 (never speaks) is connected"
mark=$(log_mark region-e)
hc region-e "${KEY[@]}" --hello-first >"$T/h3.out" 2>&1 &
NET_BG+=($!)
wait_until 10 grep -q '^change: hq/.* catalog.put' "$T/h3.out"
if within 5 closed "$T/h1.out"; then
	sec_attack sessions 0 "H3's HELLO replaced H1's session: $(grep '^closed' "$T/h1.out")"
else
	sec_attack sessions 1 "H1 still open 5 s after H3 opened a session with the same key"
fi
assert_eq "$(closed "$T/h2.out" && echo closed || echo open)" open "H2 before the revocation"

section "the revocation reaches region-e: every connection of the key ends"
start hq
if log_wait region-e "$mark" 10 "closing the session of shop-a" >/dev/null; then
	log_since region-e "$mark" | grep -m1 "closing the session of shop-a" | sed 's/^/   /'
else
	sec_attack sessions 1 "region-e did not close shop-a's session within 10 s of HQ's start"
fi
for h in h2 h3; do
	if within 5 closed "$T/$h.out"; then
		sec_attack sessions 0 "${h^^} closed after the revocation: $(grep '^closed' "$T/$h.out")"
	else
		sec_attack sessions 1 "${h^^} still open 5 s after region-e learned of the revocation"
	fi
done
wait_json 10 region-e '[n["revoked"] for n in j if n["node"]=="shop-a"]' "[True]" node list

section "a catalog entry added after the revocation reaches shop-b, no shop-a connection"
sv hq catalog add P-2 --name "after revocation" --price 2000 >/dev/null
wait_until 10 has_part shop-b P-2
echo "   shop-b has P-2"
for h in h1 h2 h3; do
	n=$(grep -c 'catalog.put P-2$' "$T/$h.out" || true)
	sec_attack sessions "$([ "$n" = 0 ] && echo 0 || echo 1)" \
		"P-2 (added after the revocation) received by ${h^^}: $n time(s)"
done

section "the backdated ticket is held at region-e and at HQ"
held_seq_ok() { [[ "$(held_seq "$1" "$TB")" =~ ^[0-9]+$ ]]; }
for n in region-e hq; do
	if within 10 held_seq_ok "$n"; then
		seq=$(held_seq "$n" "$TB")
		echo "   $n holds shop-a/$seq ($TB) out of its state: $(json_val "$n" \
			"[q['reason'] for q in j if q['held']][0]" quarantine list)"
	else
		seq=""
	fi
	through=0
	[ -n "$seq" ] || through=1
	has_ticket "$n" "$TB" && through=1
	sec_attack cut-off "$through" "$TB, stamped before the revocation, in the state at $n"
done
SEQ=$(held_seq hq "$TB")
# the backdated ticket and its customer file (seq SEQ - 1, released with it)
expect_json 5 hq 'j["held"]' 2 status

section "release: refused at region-e, applied everywhere from HQ"
rc=0
"$S" --dir "$T/region-e" quarantine release --origin shop-a --through-seq "$SEQ" \
	--reason "not ours to say" >"$T/rel.out" 2>"$T/rel.err" || rc=$?
echo "   at region-e: exit $rc: $(cat "$T/rel.err")"
assert_eq "$rc" 1 "quarantine release at region-e: exit status"
assert_grep "$T/rel.err" "only HQ releases held changes" "quarantine release at region-e"
has_ticket region-e "$TB" && fail "$TB in region-e's state after its refused release"
out=$(sv hq quarantine release --origin shop-a --through-seq "$SEQ" --reason "reviewed: a real repair")
echo "   $out"
wait_until 10 has_ticket hq "$TB"
wait_until 10 has_ticket region-e "$TB"
echo "   $TB is in the state at HQ and at region-e"
expect_json 5 region-e 'j["held"]' 0 status
ok

section "HQ withdraws region-e: shop-b drops its link once it learns of it"
sv hq node revoke region-e --reason "region closed" >/dev/null
sv hq export --out "$T/hq-for-shop-b.chg" --for shop-b >/dev/null
mark=$(log_mark shop-b)
sv shop-b import --kind changes "$T/hq-for-shop-b.chg" >/dev/null
if log_wait shop-b "$mark" 10 "dropping the link to region-e" >/dev/null; then
	log_since shop-b "$mark" | grep -m1 "dropping the link" | sed 's/^/   /'
	ok
else
	bad "shop-b kept its link to region-e 10 s after learning of its revocation"
fi
expect_json 5 shop-b 'j["upstream"]["state"]' down status

sec_done sessions=6 cut-off=2

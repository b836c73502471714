#!/usr/bin/env bash
# cli_net_daemon: svcsyncd as an operator meets it.
#
#  - the listener's start-up self-check is logged; `svcsync status` shows
#    the daemon and its links; a second svcsyncd on a running node's
#    directory is refused in one line naming the other pid;
#  - SIGTERM: exit 0 within 2 s, the lock released, wake.sock removed;
#  - -n --config prints the effective config and exits 0; an unknown key
#    fails with "config FILE:LINE: ..." and exit 2;
#  - an unenrolled shop and a node whose key file is 0644 refuse to start,
#    saying why;
#  - SIGHUP: a broken config is refused ("not reloading") and the daemon
#    keeps working; a good one is reloaded;
#  - ZAP: a shop enrolled into ANOTHER network (whose HQ certified it below
#    a node called region-e with region-e's real key) is refused by
#    region-e: its log shows the handshake failure, region-e's log shows
#    "zap: refused" with that shop's key, and nothing crosses;
#  - an upstream that nothing listens for is logged as unreachable, and
#    work signed before the first contact verifies;
#  - heartbeats: a region frozen with SIGSTOP is noticed by its shop; after
#    SIGCONT the link recovers and changes flow, and then stays up while
#    idle (the shop pings every 200 ms, the region at its default 1 s);
#  - live latency smoke: a ticket written at a shop is at HQ, through its
#    region, within 5 s (the time is printed, not asserted);
#  - in the end every store verifies and nothing is in quarantine.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_net_daemon
# Provoked below: a broken config on SIGHUP; messages of a connection the
# frozen region-e had given up on, dropped after SIGCONT (they are resent).
NET_LOG_ALLOW="config: .*; not reloading|dropped a message from shop-k: connection already closed"

# run_d OUT ERR ARGS...: svcsyncd ARGS, bounded (10 s); prints its exit status.
run_d() {
	local out=$1 err=$2 rc=0
	shift 2
	timeout 10 "$SD" "$@" >"$out" 2>"$err" || rc=$?
	[ "$rc" != 124 ] || fail "svcsyncd $* did not exit within 10 s"
	echo "$rc"
}
has_ticket() { svq "$1" ticket show "$2" --json >/dev/null; }
log_has() { grep -qF -- "$2" "$T/$1.log"; }
# jq_true NAME PY-EXPR SVCSYNC-ARGS...: the expression over the JSON is True
# (whatever the exit status of svcsync).
jq_true() {
	local n=$1 e=$2
	shift 2
	[ "$("$S" --dir "$T/$n" "$@" --json 2>/dev/null | py "$e" 2>/dev/null)" = True ]
}

section "the network: hq, region-e, shop-a"
net_hq hq
net_region region-e
net_shop shop-a region-e
start hq
start region-e
start shop-a
for n in hq region-e; do
	assert_grep "$T/$n.log" "listening on tcp://127.0.0.1:${NET_PORT[$n]} (unknown keys refused: checked)" \
		"$n's listener self-check"
done
net_quiesce 20
assert_eq "$(jget region-e 'j["daemon"]["running"], j["daemon"]["pid"], j["daemon"]["listen"], j["upstream"]["node"], j["upstream"]["state"], [(p["node"], p["state"]) for p in j["downstream"]]' status)" \
	"(True, ${NET_PID[region-e]}, 'tcp://127.0.0.1:${NET_PORT[region-e]}', 'hq', 'up', [('shop-a', 'up')])" \
	"svcsync status at region-e"

section "a second svcsyncd on the same directory"
rc=$(run_d "$T/out" "$T/err" --dir "$T/region-e" --listen "tcp://127.0.0.1:$(free_port)")
assert_eq "$rc" 1 "exit status of a second svcsyncd on region-e"
assert_eq "$(wc -l <"$T/err")" 1 "lines on stderr of the refused second svcsyncd"
assert_grep "$T/err" "(pid ${NET_PID[region-e]})" "the refusal names the running daemon's pid"
assert_grep "$T/err" "another svcsyncd" "the refusal says why"
echo "   refused: $(cat "$T/err")"
net_alive "${NET_PID[region-e]}" || fail "the first region-e daemon died"
ok

section "live latency smoke: shop -> region -> HQ"
t0=$(date +%s%N)
TK=$(sv shop-a ticket new --kind repair --customer "Latency probe" --phone 13800000001 \
	--product AC-1 --fault "probe")
wait_until 5 has_ticket hq "$TK"
echo "   $TK at HQ after $((($(date +%s%N) - t0) / 1000000)) ms (CLI write and polling included)"
ok

section "SIGTERM: exit 0 within 2 s"
pid=${NET_PID[shop-a]}
t0=$(date +%s%N)
kill -TERM "$pid"
while net_alive "$pid" && [ $((($(date +%s%N) - t0) / 1000000)) -lt 2000 ]; do sleep 0.02; done
net_alive "$pid" && fail "shop-a's svcsyncd still running 2 s after SIGTERM"
ms=$((($(date +%s%N) - t0) / 1000000))
unset "NET_PID[shop-a]"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
echo "   stopped in $ms ms"
assert_grep "$T/shop-a.log" "signal 15: stopping" "SIGTERM logged"
assert_eq "$(jget shop-a 'j["daemon"]["running"], j["upstream"]["state"]' status)" "(False, 'down')" \
	"svcsync status at shop-a with its daemon stopped"
[ ! -e "$T/shop-a/wake.sock" ] || fail "wake.sock left behind after a clean stop"
ok
start shop-a # the lock was released

section "svcsyncd -n --config"
cat >"$T/good.ini" <<EOF
; comment
[node]
dir = $T/region-e
listen = tcp://127.0.0.1:${NET_PORT[region-e]}

[sync]
window = 2
heartbeat_ms = 700
batch_changes = 777

[log]
level = debug
EOF
rc=$(run_d "$T/out" "$T/err" -n --config "$T/good.ini")
assert_eq "$rc" 0 "exit status of -n with a good config"
for l in "dir = $T/region-e" "listen = tcp://127.0.0.1:${NET_PORT[region-e]}" "window = 2" \
	"heartbeat_ms = 700" "batch_changes = 777" "level = debug" "reconnect_ms = "; do
	assert_grep "$T/out" "$l" "-n prints the effective config"
done
# The config shipped for systemd passes its own check.
if [ -n "${SVC_SRC:-}" ] && [ -e "$SVC_SRC/systemd/svcsyncd.conf" ]; then
	rc=$(run_d "$T/out" "$T/err" -n --config "$SVC_SRC/systemd/svcsyncd.conf")
	assert_eq "$rc" 0 "exit status of -n with systemd/svcsyncd.conf ($(cat "$T/err"))"
	assert_grep "$T/out" "dir = /var/lib/svcsync/node" "systemd/svcsyncd.conf's node directory"
fi
printf '[node]\ndir = %s\n[sync]\nwindow = 2\nflux_capacitor = 1.21\n' "$T/region-e" >"$T/bad.ini"
rc=$(run_d "$T/out" "$T/err" -n --config "$T/bad.ini")
assert_eq "$rc" 2 "exit status of -n with an unknown key"
assert_eq "$(wc -l <"$T/err")" 1 "lines on stderr for a bad config"
assert_grep "$T/err" "config $T/bad.ini:5: " "the error names FILE:LINE"
assert_grep "$T/err" "flux_capacitor" "the error names the key"
[ ! -s "$T/out" ] || fail "-n with a bad config printed on stdout: $(cat "$T/out")"
ok
echo "   refused: $(cat "$T/err")"
printf '[sync]\nwindow = lots\n' >"$T/bad2.ini"
rc=$(run_d "$T/out" "$T/err" -n --config "$T/bad2.ini" --dir "$T/region-e")
assert_eq "$rc" 2 "exit status of -n with a bad value"
assert_grep "$T/err" "config $T/bad2.ini:2: " "bad value: FILE:LINE"
# A bad config does not start a daemon either.
rc=$(run_d "$T/out" "$T/err" --config "$T/bad.ini")
assert_eq "$rc" 2 "exit status of svcsyncd with an unknown key"

section "nodes that must not start"
net_node shop-z shop region-e
rc=$(run_d "$T/out" "$T/err" --dir "$T/shop-z")
[ "$rc" != 0 ] || fail "an unenrolled shop started"
ok
assert_grep "$T/err" "not enrolled" "why an unenrolled shop does not start"
assert_eq "$(wc -l <"$T/err")" 1 "lines on stderr for an unenrolled shop"
echo "   refused: $(cat "$T/err")"
net_shop shop-k region-e
chmod 644 "$T/shop-k/node.key"
rc=$(run_d "$T/out" "$T/err" --dir "$T/shop-k")
[ "$rc" != 0 ] || fail "a shop with a 0644 key file started"
ok
assert_grep "$T/err" "0644" "the refusal names the key file's mode"
assert_grep "$T/err" "node.key" "the refusal names the key file"
echo "   refused: $(cat "$T/err")"
[ ! -e "$T/shop-k/status" ] || fail "the refused shop-k wrote a status file"
ok
chmod 600 "$T/shop-k/node.key"
start shop-k # now it may

section "SIGHUP: a broken config is not loaded, a good one is"
stop shop-k
# shop-k pings every 200 ms and gives up on a silent peer after 1 s.
printf '[sync]\nheartbeat_ms = 200\n' >"$T/shop-k.ini"
NET_ARGS[shop-k]="--config $T/shop-k.ini"
start shop-k
printf '[sync]\nheartbeat_ms = 200\nbogus_key = 1\n' >"$T/shop-k.ini"
kill -HUP "${NET_PID[shop-k]}"
wait_until 5 log_has shop-k "not reloading"
assert_grep "$T/shop-k.log" "$T/shop-k.ini:3" "the refused reload names FILE:LINE"
net_alive "${NET_PID[shop-k]}" || fail "shop-k's daemon died on SIGHUP with a broken config"
ok
TK2=$(sv shop-k ticket new --kind repair --customer "After a bad reload" --phone 13800000002 \
	--product AC-2 --fault "still syncing")
wait_until 10 has_ticket hq "$TK2"
grep -q ' debug ' "$T/shop-k.log" && fail "debug lines before the log level was raised"
ok
printf '[sync]\nheartbeat_ms = 200\n[log]\nlevel = debug\n' >"$T/shop-k.ini"
kill -HUP "${NET_PID[shop-k]}"
wait_until 5 log_has shop-k "reloaded $T/shop-k.ini"
# The new level is in force: shipping a change now logs at debug level.
sv shop-k ticket note "$TK2" "after the reload" >/dev/null
wait_until 5 grep -q ' debug ' "$T/shop-k.log"

section "heartbeats: a frozen region is noticed, and the link recovers"
n0=$(wc -l <"$T/shop-k.log")
link_lost() { tail -n +"$((n0 + 1))" "$T/shop-k.log" | grep -qE 'region-e: (down|resync)|disconnected'; }
kill -STOP "${NET_PID[region-e]}"
t0=$(date +%s%N)
wait_until 8 link_lost
echo "   shop-k noticed the frozen region after $((($(date +%s%N) - t0) / 1000000)) ms:" \
	"$(tail -n +"$((n0 + 1))" "$T/shop-k.log" | grep -E 'region-e: (down|resync)|disconnected' | head -1 | cut -c26-)"
TK3=$(sv shop-k ticket new --kind repair --customer "While the region is frozen" \
	--phone 13800000003 --product AC-3 --fault "queued")
sleep 0.5
has_ticket region-e "$TK3" && fail "$TK3 reached a frozen region"
ok
kill -CONT "${NET_PID[region-e]}"
wait_until 10 has_ticket hq "$TK3"
# Once recovered, the idle link stays up: shop-k pings every 200 ms, region-e
# (default config) every 1000 ms; neither may take the other for dead.
net_quiesce 10
k0=$(wc -l <"$T/shop-k.log")
r0=$(wc -l <"$T/region-e.log")
sleep 3
flaps=$(tail -n +"$((k0 + 1))" "$T/shop-k.log" | grep -cE 'peer silent|down \(' || true)
flaps_r=$(tail -n +"$((r0 + 1))" "$T/region-e.log" | grep -E 'link shop-k: ' | grep -cE 'peer silent|down \(' || true)
expect_eq "$flaps $flaps_r" "0 0" "link drops over 3 s of an idle, healthy link shop-k -> region-e (at shop-k, at region-e)"

section "ZAP: a shop of another network is refused by region-e"
net_hq hq-other
# hq-other certifies region-e's key (from region-e's own request) and a shop
# below it, so the shop's bundle carries region-e's real server key: the
# CURVE handshake succeeds and only ZAP stands in the way.
sv hq-other enroll approve --request "$T/region-e.req" --upstream hq-other \
	--endpoint "tcp://127.0.0.1:${NET_PORT[hq-other]}" --out "$T/re-other.bundle" >/dev/null
net_node shop-x shop region-e
net_enroll shop-x region-e hq-other
XKEY=$(jget shop-x 'j["curve_pubkey"]' id)
re0=$(lsn region-e)
x0=$(lsn shop-x)
start shop-x
wait_until 10 log_has region-e "zap: refused CURVE client key $XKEY"
echo "   region-e: $(grep -F "$XKEY" "$T/region-e.log" | head -1 | cut -c26-)"
# The refused shop says so in its own log (its operator must learn why
# nothing syncs).
expect_until 10 log_has shop-x "handshake failed"
echo "   shop-x:   $(grep -F "handshake failed" "$T/shop-x.log" | head -1 | cut -c26-)"
sv shop-x ticket new --kind repair --customer "Intruder" --phone 13800000004 --product X \
	--fault "should not travel" >/dev/null
sleep 1
assert_eq "$(lsn region-e)" "$re0" "region-e's log after the foreign shop tried"
assert_eq "$(lsn shop-x)" $((x0 + 2)) "shop-x's log: its own ticket (and customer file) only"
log_has region-e "link shop-x" && fail "region-e opened a link to shop-x"
ok
sleep 1 # status figures are refreshed each second
assert_eq "$(jget shop-x 'j["upstream"]["connected"]' status)" False "shop-x's upstream in its status"
assert_eq "$(jget region-e 'sorted(p["node"] for p in j["downstream"])' status)" "['shop-a', 'shop-k']" \
	"region-e's downstream peers in its status"
net_alive "${NET_PID[region-e]}" || fail "region-e died"
ok
# The real network still works.
TK4=$(sv shop-a ticket new --kind repair --customer "After the intruder" --phone 13800000005 \
	--product AC-5 --fault "ok")
wait_until 5 has_ticket hq "$TK4"

section "an unreachable upstream is logged"
net_region region-d # enrolled, never started: nothing listens on its port
net_shop shop-u region-d
start shop-u
expect_until 5 log_has shop-u "unreachable"
echo "   shop-u: $(grep -E 'unreachable|region-d' "$T/shop-u.log" | tail -1 | cut -c26-)"
# Work recorded before the shop ever reached its region is signed by its
# daemon and verifies (its certificate came in its enrollment bundle).
TU=$(sv shop-u ticket new --kind repair --customer "Before first contact" --phone 13800000006 \
	--product AC-6 --fault "offline from day one")
wait_until 5 jq_true shop-u 'j["uncommitted"] == 0' verify
rc=0
"$S" --dir "$T/shop-u" verify >"$T/out" 2>"$T/err" || rc=$?
expect_eq "$rc $(cat "$T/err")" "0 " "svcsync verify at shop-u (never connected), after signing $TU"

section "stores verify; nothing quarantined"
net_verify_all hq region-e shop-a shop-k

section "every daemon stops cleanly"
for n in shop-u shop-x shop-k shop-a region-e hq hq-other; do
	[ -z "${NET_PID[$n]:-}" ] || stop "$n"
done
for n in hq region-e shop-a shop-k; do
	assert_grep "$T/$n.log" "daemon: stopped" "$n logged its stop"
done
net_done

#!/usr/bin/env bash
# cli_net_logs: what the daemons log when connections simply end.
#
# HQ, region-e, shop-a (a real daemon) and shop-h (enrolled, its key used by
# the hostile client). Asserted, each after the line that says what
# happened (a positive event) has appeared:
#
#  - shop-a killed with SIGKILL while connected and shipping tickets:
#    region-e logs the link down, and no warning or error (nothing about
#    dropped messages, max_message, server keys or a peer gone);
#  - region-e killed with SIGKILL while shop-a is connected, then
#    restarted: shop-a logs the disconnection and the link comes back up,
#    and nothing about a wrong server key;
#  - a connection of shop-h's key that ends before its first message:
#    region-e says the connection closed before its first message, not
#    that it dropped a message.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_net_logs
# Provoked below: shop-h's silent connection; shop-a losing its region.
NET_LOG_ALLOW='link shop-h: connection closed before its first message|link: region-e at .*: (disconnected|unreachable, retrying)'

MISLEADING='dropped a message|max_message|wrong server key|another server key'

section "the network: hq, region-e, shop-a; shop-h (key only)"
net_hq hq
net_region region-e
net_shop shop-a region-e
net_shop shop-h region-e
start_all
net_quiesce 20

section "shop-a killed with SIGKILL while connected, shipping tickets"
mark=$(log_mark region-e)
(
	for i in $(seq 1 200); do
		"$S" --dir "$T/shop-a" ticket new --kind repair --customer "Busy $i" \
			--phone "1380000$(printf %04d "$i")" --product AC-1 --fault "busy" >/dev/null
	done
) &
WRITER=$!
NET_BG+=("$WRITER")
log_wait region-e "$mark" 10 "link shop-a: applied" >/dev/null || fail "region-e applied nothing of shop-a's within 10 s"
kill9 shop-a
ms=$(log_wait region-e "$mark" 10 "link shop-a: down") || fail "region-e did not log shop-a's link down within 10 s"
echo "   region-e after ${ms} ms: $(log_since region-e "$mark" | grep -F 'link shop-a: down' | head -1 | cut -c26-)"
# Anything said about it comes within the same poll; the restart below is
# the next positive event, and everything before it is checked.
wait "$WRITER"
NET_BG=()
start shop-a
net_quiesce 20
said=$(log_since region-e "$mark" | grep -E ' (warn|error) ' || true)
[ -z "$said" ] || bad "region-e warned about a plain disconnection: $(head -3 <<<"$said" | cut -c26-)"
ok
log_since region-e "$mark" | grep -qE "$MISLEADING" &&
	bad "region-e's log misleads: $(log_since region-e "$mark" | grep -E "$MISLEADING" | head -2 | cut -c26-)"
ok

section "region-e killed with SIGKILL while shop-a is connected, then restarted"
mark=$(log_mark shop-a)
kill9 region-e
ms=$(log_wait shop-a "$mark" 10 "link region-e: down") || fail "shop-a did not log region-e's link down within 10 s"
echo "   shop-a after ${ms} ms: $(log_since shop-a "$mark" | grep -E 'region-e' | head -1 | cut -c26-)"
start region-e
net_quiesce 20
echo "   shop-a: $(log_since shop-a "$mark" | grep -F 'link region-e: up' | tail -1 | cut -c26-)"
log_since shop-a "$mark" | grep -qE "$MISLEADING" &&
	bad "shop-a's log misleads: $(log_since shop-a "$mark" | grep -E "$MISLEADING" | head -2 | cut -c26-)"
ok

section "a connection that ends before its first message"
mark=$(log_mark region-e)
out=$(hc region-e --node shop-h --key "$T/shop-h/node.key" --mode flood --count 0 --wait 100)
echo "   client: $(tr '\n' ' ' <<<"$out")"
[[ "$out" == *"handshake: succeeded"* && "$out" == *"sent: 0 messages"* ]] ||
	fail "the client did not connect and stay silent: $out"
ms=$(log_wait region-e "$mark" 10 "link shop-h: connection closed before its first message") ||
	bad "region-e did not say shop-h's connection closed before its first message: $(log_since region-e "$mark" | cut -c26- | head -3)"
echo "   region-e: $(log_since region-e "$mark" | grep -F 'shop-h' | head -1 | cut -c26-)"
log_since region-e "$mark" | grep -qF "dropped a message" &&
	bad "region-e says it dropped a message: $(log_since region-e "$mark" | grep -F 'dropped a message' | head -1 | cut -c26-)"
ok

net_verify_all
net_done

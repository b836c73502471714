#!/usr/bin/env bash
# cli_sec_keys: a node's secret key file, and the daemon's process hygiene.
#
#  - node.key readable or writable by group or others (0640, 0604, 0660,
#    0644, 0620), owned by another user (uid 12345), a symbolic link (to a
#    good 0600 key), a FIFO: svcsyncd refuses to start and `svcsync enroll
#    request` (which signs with the key) refuses, each with one line naming
#    the problem (mode / owner / symbolic link / not a regular file); the
#    same with the file put right again works.
#  - a running svcsyncd has core dumps off (/proc/PID/limits: Max core file
#    size 0, soft and hard) and keeps its secrets in locked memory
#    (VmLck > 0: libsodium's sodium_malloc mlocks). Run as an unprivileged
#    user (uid 65534, when this test runs as root), its /proc/PID files are
#    owned by root: the kernel's sign of PR_SET_DUMPABLE 0, which also stops
#    same-uid processes from ptrace-reading the key.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3; root for the chown and uid cases
# (skipped otherwise, saying so).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_sec_keys
NOBODY_DIR=""
trap 'rc=$?; [ -z "$NOBODY_DIR" ] || rm -rf "$NOBODY_DIR"; net_exit $rc' EXIT

section "nodes: hq, region-e, shop-k (enrolled: for the daemon), shop-r (not yet: for enroll request)"
net_hq hq
net_region region-e
net_shop shop-k region-e
net_node shop-r shop region-e
cp -p "$T/shop-k/node.key" "$T/good-k.key"
cp -p "$T/shop-r/node.key" "$T/good-r.key"

# try_key WHAT EXPECT: the daemon (shop-k) and the CLI (shop-r) refuse
# their key files as they are now, and say EXPECT (a fixed string) on their
# one line.
try_key() {
	local what=$1 expect=$2 rc out
	rc=0
	timeout 10 "$SD" --dir "$T/shop-k" >"$T/d.out" 2>"$T/d.err" || rc=$?
	out=$(tail -n 1 "$T/d.err")
	if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
		sec_attack key-file 1 "svcsyncd started with a key file that is $what (exit $rc)"
	elif [[ $out != *"$expect"* ]]; then
		sec_attack key-file 0 "svcsyncd refused a key file that is $what"
		bad "svcsyncd's refusal does not say '$expect': $out"
	else
		sec_attack key-file 0 "svcsyncd, key file $what: $out"
	fi
	rc=0
	timeout 10 "$S" --dir "$T/shop-r" enroll request --out "$T/k.req" >"$T/c.out" 2>"$T/c.err" || rc=$?
	out=$(cat "$T/c.err")
	if [ "$rc" = 0 ]; then
		sec_attack key-file 1 "svcsync enroll request signed with a key file that is $what"
	else
		assert_eq "$rc" 1 "exit status of enroll request, key file $what"
		assert_eq "$(wc -l <"$T/c.err")" 1 "lines on stderr, key file $what"
		[[ $out == *"$expect"* ]] || bad "enroll request's refusal does not say '$expect': $out"
		sec_attack key-file 0 "svcsync enroll request, key file $what: $out"
	fi
	[ ! -e "$T/k.req" ] || bad "enroll request wrote $T/k.req with a refused key"
}

restore_key() {
	local n
	for n in k r; do
		rm -f "$T/shop-$n/node.key"
		cp -p "$T/good-$n.key" "$T/shop-$n/node.key"
		chmod 600 "$T/shop-$n/node.key"
	done
}
# each_key CMD... {}: run CMD on both nodes' key files ({} is the path)
each_key() { # COMMAND-WORDS... with {} for the key path
	local n k
	for n in k r; do
		k="$T/shop-$n/node.key"
		"${@//\{\}/$k}"
	done
}

section "key file modes"
for mode in 640 604 660 644 620 602 611; do
	restore_key
	each_key chmod "$mode" {}
	try_key "mode 0$mode" "mode 0$mode lets group/others"
done

section "owned by another user, a symbolic link, a FIFO"
if [ "$(id -u)" = 0 ]; then
	restore_key
	each_key chown 12345 {}
	try_key "owned by uid 12345" "owned by uid 12345"
else
	echo "   SKIP: not root, cannot chown the key to another user"
fi
restore_key
for n in k r; do
	mv "$T/shop-$n/node.key" "$T/shop-$n/real.key"
	ln -s real.key "$T/shop-$n/node.key"
done
try_key "a symbolic link to a 0600 key" "symbolic link"
for n in k r; do
	rm -f "$T/shop-$n/node.key" "$T/shop-$n/real.key"
	ln -s "$T/good-$n.key" "$T/shop-$n/node.key"
done
try_key "a symbolic link to another directory's key" "symbolic link"
each_key rm -f {}
each_key mkfifo -m 600 {}
try_key "a FIFO" "not a regular file"

section "the key put right again"
restore_key
sv shop-r enroll request --out "$T/k2.req" >/dev/null
[ -s "$T/k2.req" ] || fail "enroll request with a 0600 key wrote nothing"
ok

section "a running daemon: no core dumps, secrets in locked memory"
start shop-k
pid=${NET_PID[shop-k]}
core=$(awk '/^Max core file size/ {print $5, $6}' "/proc/$pid/limits")
echo "   /proc/$pid/limits: Max core file size (soft hard) = $core"
sec_attack core-dump "$([ "$core" = "0 0" ] && echo 0 || echo 1)" \
	"svcsyncd's core file size limit is '$core' (want 0 0)"
lck=$(awk '/^VmLck:/ {print $2}' "/proc/$pid/status")
echo "   VmLck: ${lck} kB"
# grep reads all of ldd's output: with -q it could exit first and, under
# pipefail, ldd's SIGPIPE would make the test think this is no ASan build.
if ldd "$SD" 2>/dev/null | grep libasan >/dev/null; then
	echo "   (AddressSanitizer build: its mlock() interceptor locks nothing; VmLck not checked)"
else
	[ "${lck:-0}" -gt 0 ] || bad "svcsyncd has no locked memory (VmLck 0): secrets not in sodium_malloc?"
	ok
fi
stop shop-k

if [ "$(id -u)" = 0 ]; then
	section "as an unprivileged user (uid 65534): non-dumpable"
	NOBODY_DIR=$(mktemp -d /tmp/cli_sec_keys.XXXXXX)
	chmod 711 "$NOBODY_DIR"
	cp -a "$T/shop-k" "$NOBODY_DIR/shop-k"
	rm -f "$NOBODY_DIR/shop-k/daemon.lock" "$NOBODY_DIR/shop-k/wake.sock" "$NOBODY_DIR/shop-k/status"
	chown -R 65534:65534 "$NOBODY_DIR/shop-k"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SD" --dir "$NOBODY_DIR/shop-k" >"$T/nobody.log" 2>&1 &
	NET_BG+=($!)
	npid=$!
	for _ in $(seq 1 50); do
		grep -q ') running, store ' "$T/nobody.log" && break
		net_alive "$npid" || break
		sleep 0.1
	done
	grep -q ') running, store ' "$T/nobody.log" || fail "svcsyncd as uid 65534 did not start: $(tail -n 3 "$T/nobody.log")"
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$npid/status")
	owner=$(stat -c %u "/proc/$npid/mem")
	core=$(awk '/^Max core file size/ {print $5, $6}' "/proc/$npid/limits")
	echo "   uid $uid, /proc/$npid/mem owned by uid $owner, core limit '$core'"
	assert_eq "$uid" 65534 "the unprivileged daemon's uid"
	sec_attack core-dump "$([ "$owner" = 0 ] && echo 0 || echo 1)" \
		"uid-65534 svcsyncd's /proc files owned by uid $owner (root means non-dumpable)"
	sec_attack core-dump "$([ "$core" = "0 0" ] && echo 0 || echo 1)" \
		"uid-65534 svcsyncd's core file size limit '$core'"
	kill -TERM "$npid"
	wait "$npid" || true
	NET_BG=()
else
	echo "   SKIP: not root, cannot run the daemon as another user"
fi

sec_done key-file=22 core-dump=3

#!/usr/bin/env bash
# cli_net_diskfull: a region whose file system fills up while a shop ships
# changes to it, and then has room again.
#
# region-e's node directory is a small tmpfs (mount -t tmpfs -o size=...),
# filled to the last block with a filler file while HQ, region-e and shop-a
# run. shop-a writes tickets; asserted while the disk is full:
#
#  - region-e logs one "disk full: no space left on device (DIR)" line, and
#    over the 3 s after it at most a few lines of any kind (no retry storm);
#  - region-e's daemon uses little CPU over those 3 s (utime + stime from
#    /proc/PID/stat under 0.3 s), and its map was not grown;
#  - a write on region-e by the CLI fails with the one line
#    "svcsync: no space left on device (DIR)";
#  - `svcsync status` on region-e says the disk is full (text and --json);
#  - shop-a's tickets have not reached region-e;
#
# then, once the filler is deleted: every ticket of shop-a reaches region-e
# and HQ, region-e logs "disk space available again after N retries",
# status no longer says full, and every store verifies.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3, root (or whatever lets mount(8)
# mount a tmpfs): without it the test prints SKIP and exits 77.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/seclib.sh"
net_setup cli_net_diskfull
# Provoked below: region-e's disk-full line; shop-a is told to resend.
NET_LOG_ALLOW='disk full: no space left on device|peer reports error 500: could not apply: resend'

MNT="$T/region-e"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=8m,mode=0700 tmpfs "$MNT" 2>"$T/mount.err"; then
	echo "SKIP: cannot mount a tmpfs: $(cat "$T/mount.err")"
	exit 77
fi
# Unmount (lazily: the daemon may still hold it) before netlib's clean-up.
trap 'rc=$?; umount -l "$MNT" 2>/dev/null; net_exit $rc' EXIT

section "the network: hq, region-e (on an 8 MiB tmpfs), shop-a"
net_hq hq
net_region region-e
net_shop shop-a region-e
start_all
net_quiesce 20
RPID=${NET_PID[region-e]}
map0=$(jget region-e 'j["store"]["map_bytes"]' status)

section "fill region-e's file system"
rc=0
dd if=/dev/zero of="$MNT/filler" bs=64k status=none 2>"$T/dd.err" || rc=$?
assert_eq "$rc" 1 "dd exit status filling the tmpfs"
assert_grep "$T/dd.err" "No space left on device" "dd's reason"
assert_eq "$(df --output=avail -k "$MNT" | tail -1 | tr -d ' ')" 0 "KiB free on region-e's file system"

section "shop-a ships tickets to the full region"
TICKETS=()
for i in $(seq 1 20); do
	TICKETS+=("$(sv shop-a ticket new --kind repair --customer "Disk Full $i" \
		--phone "1380000$(printf %04d "$i")" --product AC-1 --fault "while the disk is full")")
done
# The positive event: region-e failed to store a batch (said one way or another).
refused() { grep -qE 'disk full|not applied' "$T/region-e.log"; }
wait_until 10 refused
echo "   region-e: $(grep -E 'disk full|not applied' "$T/region-e.log" | head -1 | cut -c26- | cut -c1-150)"

# Over the next 3 s: a few lines at most, and little CPU.
cpu() { awk '{print $14 + $15}' "/proc/$RPID/stat"; }
l0=$(log_mark region-e)
c0=$(cpu)
t0=$(date +%s%N)
sleep 3 # the measurement window itself
c1=$(cpu)
ms=$((($(date +%s%N) - t0) / 1000000))
lines=$(log_since region-e "$l0" | wc -l)
hz=$(getconf CLK_TCK)
cpu_ms=$(((c1 - c0) * 1000 / hz))
echo "   over ${ms} ms region-e wrote $lines log lines and used ${cpu_ms} ms of CPU"
[ "$lines" -le 3 ] || bad "region-e wrote $lines log lines in 3 s of a full disk: $(log_since region-e "$l0" | head -3 | cut -c26- | cut -c1-120)"
ok
[ "$cpu_ms" -le 300 ] || bad "region-e used ${cpu_ms} ms of CPU in 3 s of a full disk"
ok
expect_eq "$(grep -c 'disk full' "$T/region-e.log")" 1 "disk-full lines in region-e's log"
full_line=$(grep -m1 'disk full' "$T/region-e.log" | cut -c26- || true)
[[ "$full_line" == *"disk full: no space left on device ($MNT)"* ]] ||
	bad "region-e's disk-full line: '$full_line'"
ok
expect_eq "$(jget region-e 'j["store"]["map_bytes"]' status)" "$map0" "region-e's map size (not grown)"

section "the CLI and status on the full region"
rc=0
"$S" --dir "$MNT" ticket new --kind install --customer "Region Write" --phone 13900000001 \
	--product WH-1 --fault "no room" >/dev/null 2>"$T/err" || rc=$?
expect_eq "$rc" 1 "exit status of a write on the full region"
expect_eq "$(cat "$T/err")" "svcsync: no space left on device ($MNT)" "the CLI's error"
sv region-e status >"$T/status.txt"
grep -q "^disk         FULL: no space left on device ($MNT)" "$T/status.txt" ||
	bad "region-e's status does not say the disk is full: $(cat "$T/status.txt")"
ok
expect_eq "$(jget region-e '(j["daemon"].get("disk_full"), j["daemon"].get("disk_error"))' status)" \
	"(True, 'no space left on device ($MNT)')" "region-e's status --json disk fields"
missing=$(for t in "${TICKETS[@]}"; do svq region-e ticket show "$t" --json >/dev/null || echo "$t"; done | wc -l)
echo "   $missing of ${#TICKETS[@]} tickets of shop-a are not at region-e yet"
[ "$missing" -gt 0 ] || bad "every ticket reached the full region"
ok

section "space again: everything arrives by itself"
rm "$MNT/filler"
t0=$(date +%s%N)
all_at() {
	local t
	for t in "${TICKETS[@]}"; do svq "$1" ticket show "$t" --json >/dev/null || return 1; done
}
wait_until 40 all_at region-e
echo "   every ticket at region-e $((($(date +%s%N) - t0) / 1000000)) ms after the filler went"
wait_until 10 all_at hq
ok
again() { grep -q 'disk space available again after [0-9]* retries' "$T/region-e.log"; }
wait_until 5 again
echo "   region-e: $(grep -m1 'disk space available again' "$T/region-e.log" | cut -c26-)"
wait_json 5 region-e 'j["daemon"].get("disk_full")' False status
sv region-e status >"$T/status.txt"
grep -q "^disk " "$T/status.txt" && bad "region-e's status still has a disk line: $(grep '^disk ' "$T/status.txt")"
ok
expect_eq "${NET_PID[region-e]}" "$RPID" "region-e's pid"
net_quiesce 30
net_verify_all
net_done

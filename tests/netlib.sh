# netlib.sh: helpers for the black-box network tests (tests/cli_net_*.sh).
#
# Source it from a test script after `set -euo pipefail`:
#
#   . "$(dirname "$0")/netlib.sh"
#   net_setup cli_net_flow
#
# It creates a scratch directory ($T), nodes below it ($T/NAME, the node
# directory; $T/NAME.log, every daemon run of that node appended), picks
# free loopback ports, enrolls nodes, starts and stops daemons and always
# stops every daemon it started when the script exits (EXIT trap), whether
# the test passed or not. Only 127.0.0.1 is used.
#
# Needs: SVC_BIN (directory holding svcsync and svcsyncd), SVC_TEST_TMP
# (scratch space; /tmp if unset), python3.
#
# Failure: `fail MSG` prints MSG, the tail of every daemon's log and exits 1.
# `expect_*` record a failure and go on (for final comparisons, so that one
# broken property does not hide the others); `net_done` exits 1 if any
# expectation failed. `assert_*` fail at once.

S="${SVC_BIN:?SVC_BIN must name the build bin directory}/svcsync"
SD="${SVC_BIN}/svcsyncd"
if [ ! -x "$S" ] || [ ! -x "$SD" ]; then
	echo "FAIL: $S or $SD missing" >&2
	exit 1
fi
unset SVCSYNC_DIR JOURNAL_STREAM

declare -A NET_PID=()  # name -> pid of its running daemon
declare -A NET_PORT=() # name -> listening port (HQ and regions)
declare -A NET_ID=()   # name -> node id
declare -A NET_ARGS=() # name -> extra svcsyncd arguments (e.g. --config F)
declare -A NET_HQKEY=() # HQ name -> its public key (hex)
NET_NODES=()           # every node name, in creation order
NET_BG=()              # other background processes of the test (writers)
NET_CHECKS=0
NET_FAILED=0
NET_NAME=""
NET_SOFT=0
NET_T0=$SECONDS

net_setup() {
	NET_NAME=$1
	local base="${SVC_TEST_TMP:-/tmp}"
	mkdir -p "$base"
	T=$(mktemp -d "$base/$NET_NAME.XXXXXX")
	cd "$T" || exit 1
	trap 'net_exit $?' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ------------------------------------------------------------ reporting

net_logs() {
	local n
	for n in "${NET_NODES[@]}"; do
		[ -s "$T/$n.log" ] || continue
		echo "---- $n.log (last 20 lines)" >&2
		tail -n 20 "$T/$n.log" >&2
	done
}

fail() {
	echo "FAIL: $*" >&2
	net_logs
	exit 1
}

ok() { NET_CHECKS=$((NET_CHECKS + 1)); }

# section TEXT: announce a step, with the seconds since the start.
section() { echo "== $* [$((SECONDS - NET_T0))s]"; }

# A soft failure: reported now, fails the test in net_done.
bad() {
	echo "FAIL: $*" >&2
	NET_FAILED=$((NET_FAILED + 1))
}

assert_eq() { # GOT WANT WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	ok
}

expect_eq() { # GOT WANT WHAT
	if [ "$1" = "$2" ]; then ok; else bad "$3: expected '$2', got '$1'"; fi
}

assert_match() { # GOT REGEX WHAT
	[[ "$1" =~ $2 ]] || fail "$3: expected to match /$2/, got '$1'"
	ok
}

assert_ge() { # GOT MIN WHAT
	[ "$1" -ge "$2" ] || fail "$3: expected at least $2, got $1"
	ok
}

# assert_grep FILE FIXED-STRING WHAT: FILE holds the string.
assert_grep() {
	grep -qF -- "$2" "$1" || fail "$3: '$2' not in $1: $(tail -n 15 "$1")"
	ok
}

# Log lines that mean something went wrong: error level, quarantined
# changes, dropped or refused messages. NET_LOG_ALLOW (an extended regex)
# names the ones a test provokes on purpose.
NET_LOG_ALLOW='^$'
net_log_trouble() {
	grep -E '^[0-9T:.-]+Z (error|warn) ' "$T/$1.log" |
		grep -E ' error |quarantined:|dropped a|not applied|peer reports error|could not apply' |
		grep -vE "$NET_LOG_ALLOW" || true
}

net_done() {
	local took=$((SECONDS - NET_T0)) n
	for n in "${NET_NODES[@]}"; do
		[ -e "$T/$n.log" ] || continue
		# A sanitizer build that does not halt on error still leaves its report.
		if grep -qE 'runtime error:|ERROR: (Address|Leak|Memory|Thread)Sanitizer' "$T/$n.log"; then
			bad "sanitizer report in $n.log: $(grep -m1 -E 'runtime error:|Sanitizer' "$T/$n.log")"
		else
			ok
		fi
		# Trouble the daemons logged and the test did not ask for.
		if net_log_trouble "$n" | grep -q .; then
			bad "$n.log reports trouble: $(net_log_trouble "$n" | head -3)"
		else
			ok
		fi
	done
	if [ "$NET_FAILED" -gt 0 ]; then
		echo "$NET_NAME: $NET_FAILED of $((NET_CHECKS + NET_FAILED)) checks FAILED (${took}s)" >&2
		net_logs
		exit 1
	fi
	echo "$NET_NAME: $NET_CHECKS checks passed (${took}s)"
}

# ------------------------------------------------------------ clean-up

net_alive() { # PID: running (a zombie is not)
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

net_exit() {
	local rc=$1 n pid
	trap - EXIT
	set +e
	for pid in "${NET_BG[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for n in "${!NET_PID[@]}"; do
		kill -TERM "${NET_PID[$n]}" 2>/dev/null
		kill -CONT "${NET_PID[$n]}" 2>/dev/null # in case a test froze it
	done
	for n in "${!NET_PID[@]}"; do
		pid=${NET_PID[$n]}
		for _ in $(seq 1 30); do
			net_alive "$pid" || break
			sleep 0.1
		done
		if net_alive "$pid"; then
			echo "$NET_NAME: daemon $n (pid $pid) ignored SIGTERM for 3 s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	cd /
	if [ "$rc" = 0 ]; then
		rm -rf "$T"
	else
		echo "$NET_NAME: failed (exit $rc); node directories and logs kept in $T" >&2
	fi
	exit "$rc"
}

# ------------------------------------------------------------ commands

# svcsync on node NAME; any failure fails the test. Bounded: 60 s.
sv() {
	local n=$1 rc=0
	shift
	timeout 60 "$S" --dir "$T/$n" "$@" || rc=$?
	[ "$rc" = 0 ] || fail "svcsync --dir $n $* exited $rc"
}

# svcsync on node NAME, quietly, status passed through (for conditions).
svq() {
	local n=$1
	shift
	timeout 60 "$S" --dir "$T/$n" "$@" 2>/dev/null
}

# py 'EXPRESSION over j' with JSON on stdin.
# refused WHAT CODE REGEX NODE ARGS...: svcsync ARGS at NODE exits CODE with
# one line on stderr matching REGEX, and the node's store is unchanged.
refused() {
	local what=$1 code=$2 re=$3 n=$4 err rc=0 before
	shift 4
	before=$(lsn "$n")
	err=$(timeout 60 "$S" --dir "$T/$n" "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$rc" "$code" "$what: exit status"
	assert_eq "$(printf '%s\n' "$err" | wc -l)" 1 "$what: one line"
	assert_match "$err" "$re" "$what"
	assert_eq "$(lsn "$n")" "$before" "$what: nothing stored"
}

py() { python3 -c "import json,sys; j=json.load(sys.stdin); print(($1))"; }

# jget NAME PY-EXPR SVCSYNC-ARGS...: run svcsync --json on NAME, evaluate.
jget() {
	local n=$1 e=$2 out
	shift 2
	out=$(sv "$n" "$@" --json) || exit 1
	printf '%s' "$out" | py "$e" || fail "cannot evaluate $e over svcsync --dir $n $*"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The last arrival number at NAME (its number of stored changes).
lsn() {
	local out
	out=$(svq "$1" log --limit 1 --json) || {
		echo -1
		return 0
	}
	out=$(printf '%s' "$out" | grep -o '"lsn":[0-9]*' | head -1)
	out=${out#*:}
	echo "${out:-0}"
}

tcount() { jget "$1" 'len(j)' ticket list; }
ccount() { jget "$1" 'len(j)' claim list; }

# ------------------------------------------------------------ checks in python
#
# Python starts slowly (0.1-0.3 s here), so comparisons over many nodes are
# done in one python process: `net_pycheck ARGS... <<'EOF' ... EOF` runs the
# script after a prelude that offers
#   sv(name, *args)          svcsync --dir $T/name ARGS --json, parsed
#   svt(name, *args)         the same without --json: the text
#   ID[name]                 node ids; NODES: every node name
#   expect(got, want, what)  one check; a mismatch prints both and fails the
#                            test at net_done (the script goes on)
#   visible(role, node_id, records)  the records a node of that role may see
#   compare_views(names, skip=ids)  every name's tickets and claims against
#                            HQ's (but the ids in skip)
# and counts its checks and failures into the test's.
NET_PY_PRELUDE='
import json, os, subprocess, sys
T, S = os.environ["NET_T"], os.environ["NET_S"]
ID = dict(x.split("=", 1) for x in os.environ["NET_IDS"].split())
NODES = list(ID)
_checks = _fails = 0
def svt(node, *args):
    p = subprocess.run([S, "--dir", f"{T}/{node}", *args], capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        cmd = " ".join(args)
        print(f"FAIL: svcsync --dir {node} {cmd}: exit {p.returncode}: {p.stderr.strip()}",
              flush=True)
        sys.exit(1)
    return p.stdout
def sv(node, *args):
    return json.loads(svt(node, *args, "--json"))
def expect(got, want, what):
    global _checks, _fails
    if got == want:
        _checks += 1
    else:
        _fails += 1
        print(f"FAIL: {what}: expected {want!r}, got {got!r}", flush=True)
def visible(role, node_id, records):
    if role == "hq":
        return list(records)
    key = "shop" if role == "shop" else "region"
    return [r for r in records if r.get(key) == node_id]
def former_tickets(node, hq_log):
    """Tickets once assigned to a shop and since given to another: the shop
    keeps the ticket as it was when it lost it (it learns the reassignment,
    nothing after it)."""
    return {c["aggregate"] for c in hq_log if c["kind"] == "ticket.assign"
            and c["summary"] == f"assign to {node}"}
def compare_views(names, hq="hq", skip=()):
    hq_log = sv(hq, "log")
    for what in ("ticket", "claim"):
        at_hq = sv(hq, what, "list")
        by_id = {r["id"]: r for r in at_hq}
        for n in names:
            role = sv(n, "id")["role"]
            want = {r["id"]: r for r in visible(role, ID[n], at_hq) if r["id"] not in skip}
            have = {r["id"]: r for r in sv(n, what, "list") if r["id"] not in skip}
            if role == "shop" and what == "ticket":
                former = (former_tickets(ID[n], hq_log) & set(have)) - set(want)
                expect(sorted((i, have[i]["shop"]) for i in former),
                       sorted((i, by_id[i]["shop"]) for i in former),
                       f"tickets {n} lost to another shop: it knows who has them")
                for i in former:
                    del have[i]
            expect(sorted(set(have) - set(want)), [], f"{what}s at {n} it may not see")
            expect(sorted(set(want) - set(have)), [], f"{what}s missing at {n}")
            diffs = [f"{i}.{f}: {have[i].get(f)!r} here, {want[i].get(f)!r} at HQ"
                     for i in sorted(set(want) & set(have))
                     for f in sorted(set(want[i]) | set(have[i]))
                     if want[i].get(f) != have[i].get(f)]
            expect(diffs, [], f"{what}s at {n} field for field against HQ")
'

# shellcheck disable=SC2120 # its arguments are the python script's sys.argv
net_pycheck() {
	local out rc=0 line ids="" n
	for n in "${NET_NODES[@]}"; do ids+="$n=${NET_ID[$n]} "; done
	out=$({
		printf '%s\n' "$NET_PY_PRELUDE"
		cat
		printf '\nprint("NET_RESULT", _checks, _fails)\n'
	} | NET_T=$T NET_S=$S NET_IDS=$ids python3 - "$@") || rc=$?
	while IFS= read -r line; do
		case $line in
		"NET_RESULT "*)
			line=${line#NET_RESULT }
			NET_CHECKS=$((NET_CHECKS + ${line% *}))
			NET_FAILED=$((NET_FAILED + ${line#* }))
			;;
		FAIL:*) echo "$line" >&2 ;;
		*) [ -z "$line" ] || echo "$line" ;;
		esac
	done <<<"$out"
	[ "$rc" = 0 ] || bad "python check exited $rc"
}

# net_verify_all [NAME...]: every node (default: all) verifies its whole
# store (svcsync verify: hashes, chains, commit signatures) and has nothing
# in quarantine.
# shellcheck disable=SC2120 # optional arguments: the nodes to check
net_verify_all() {
	net_pycheck "$@" <<'EOF'
for n in sys.argv[1:] or NODES:
    p = subprocess.run([S, "--dir", f"{T}/{n}", "verify", "--json"], capture_output=True,
                       text=True, timeout=300)
    try:
        v = json.loads(p.stdout)
    except ValueError:
        v = {"ok": None, "first_problem": p.stderr.strip()}
    expect((p.returncode, v.get("ok"), v.get("first_problem")), (0, True, None),
           f"svcsync verify at {n}")
    q = sv(n, "quarantine", "list")
    expect([f'{c.get("origin")}/{c.get("seq")}: {c.get("reason")}' for c in q], [],
           f"quarantine at {n}")
EOF
}

# ------------------------------------------------------------ waiting

# wait_until TIMEOUT_S CMD...: run CMD every 0.1 s until it succeeds; after
# TIMEOUT_S fail, naming CMD and dumping the daemons' logs.
wait_until() {
	local limit=$1 t0 now
	shift
	t0=$(date +%s%N)
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		now=$(date +%s%N)
		if [ $(((now - t0) / 1000000)) -ge $((limit * 1000)) ]; then
			fail "timed out after ${limit}s waiting for: $*${WAIT_WHY:+ ($($WAIT_WHY 2>&1))}"
		fi
		sleep 0.1
	done
}

# json_val NAME PY-EXPR SVCSYNC-ARGS...: like jget, but prints "?" instead of
# failing (for polling).
json_val() {
	local n=$1 e=$2 out
	shift 2
	out=$(svq "$n" "$@" --json) || {
		echo "? (svcsync $* failed)"
		return 0
	}
	printf '%s' "$out" | py "$e" 2>/dev/null || echo "? (no $e)"
}

# wait_json TIMEOUT_S NAME PY-EXPR WANT SVCSYNC-ARGS...: poll (0.1 s) until the
# expression over NAME's `svcsync ARGS --json` prints WANT; on timeout fail
# with the last value seen. expect_json: the same, a timeout a soft failure.
wait_json() { NET_SOFT=0 net_poll_json "$@"; }
expect_json() { NET_SOFT=1 net_poll_json "$@"; }
net_poll_json() {
	local limit=$1 n=$2 e=$3 want=$4 t0 got msg
	shift 4
	t0=$(date +%s%N)
	while :; do
		got=$(json_val "$n" "$e" "$@")
		if [ "$got" = "$want" ]; then
			ok
			return 0
		fi
		if [ $((($(date +%s%N) - t0) / 1000000)) -ge $((limit * 1000)) ]; then
			msg="timed out after ${limit}s: at $n, $e over 'svcsync $*': expected '$want', last got '$got'"
			[ "$NET_SOFT" = 1 ] || fail "$msg"
			bad "$msg"
			return 0
		fi
		sleep 0.1
	done
}

# expect_until TIMEOUT_S CMD...: like wait_until, but a timeout is a soft
# failure (reported, the test goes on, net_done fails it).
expect_until() {
	local limit=$1 t0
	shift
	t0=$(date +%s%N)
	until "$@" >/dev/null 2>&1; do
		if [ $((($(date +%s%N) - t0) / 1000000)) -ge $((limit * 1000)) ]; then
			bad "timed out after ${limit}s waiting for: $*"
			return 0
		fi
		sleep 0.1
	done
	ok
}

# ------------------------------------------------------------ the network

# net_node NAME ROLE [REGION] [ID]: create a node (init) in $T/NAME. HQ and
# regions get a free loopback port to listen on.
net_node() {
	local n=$1 role=$2 region=${3:-} id=${4:-$1}
	sv "$n" init --id "$id" --role "$role" ${region:+--region "$region"} >/dev/null
	NET_ID[$n]=$id
	NET_NODES+=("$n")
	if [ "$role" != shop ]; then
		NET_PORT[$n]=$(free_port)
	fi
}

# net_enroll NAME UPSTREAM [HQ]: enroll NAME below UPSTREAM (both names),
# approved by HQ (default hq), HQ's key pinned.
net_enroll() {
	local n=$1 up=$2 hq=${3:-hq} key
	sv "$n" enroll request --out "$T/$n.req" >/dev/null
	sv "$hq" enroll approve --request "$T/$n.req" --upstream "${NET_ID[$up]}" \
		--endpoint "tcp://127.0.0.1:${NET_PORT[$up]}" --out "$T/$n.bundle" >/dev/null
	key=${NET_HQKEY[$hq]:-}
	if [ -z "$key" ]; then
		key=$(jget "$hq" 'j["pubkey"]' id)
		NET_HQKEY[$hq]=$key
	fi
	sv "$n" enroll accept --bundle "$T/$n.bundle" --hq-key "$key" >/dev/null
}

net_hq() { net_node "$1" hq "" "${2:-$1}"; }
net_region() { # NAME [HQ]
	net_node "$1" region
	net_enroll "$1" "${2:-hq}" "${2:-hq}"
}
net_shop() { # NAME REGION [HQ]
	net_node "$1" shop "$2"
	net_enroll "$1" "$2" "${3:-hq}"
}

# A daemon started and logged the line "node ID (ROLE) running".
net_started() { [ "$(grep -c ') running, store ' "$T/$1.log" 2>/dev/null)" -gt "$2" ]; }

# start NAME [SVCSYNCD-ARGS...]: start NAME's daemon (listening on its port
# if it has one), wait until it runs (10 s).
start() {
	local n=$1 before
	shift
	[ -z "${NET_PID[$n]:-}" ] || fail "start $n: already running (pid ${NET_PID[$n]})"
	before=$(grep -c ') running, store ' "$T/$n.log" 2>/dev/null || true)
	echo "==== $(date -u +%H:%M:%S.%N) start" >>"$T/$n.log"
	# shellcheck disable=SC2086
	"$SD" --dir "$T/$n" ${NET_PORT[$n]:+--listen "tcp://127.0.0.1:${NET_PORT[$n]}"} \
		${NET_ARGS[$n]:-} "$@" >>"$T/$n.log" 2>&1 &
	NET_PID[$n]=$!
	for _ in $(seq 1 100); do
		net_started "$n" "${before:-0}" && return 0
		if ! net_alive "${NET_PID[$n]}"; then
			local pid=${NET_PID[$n]} rc=0
			unset "NET_PID[$n]"
			wait "$pid" || rc=$?
			fail "svcsyncd for $n exited $rc at start: $(tail -n 3 "$T/$n.log")"
		fi
		sleep 0.1
	done
	fail "svcsyncd for $n did not log 'running' within 10 s"
}

# stop NAME: SIGTERM; it must exit 0 within 5 s.
stop() {
	local n=$1 pid=${NET_PID[$1]:?$1 is not running} rc=0
	kill -TERM "$pid"
	for _ in $(seq 1 50); do
		net_alive "$pid" || break
		sleep 0.1
	done
	net_alive "$pid" && fail "svcsyncd for $n still running 5 s after SIGTERM"
	unset "NET_PID[$n]"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "svcsyncd for $n exited $rc after SIGTERM"
	ok
}

# kill9 NAME: SIGKILL, no questions asked.
kill9() {
	local n=$1 pid=${NET_PID[$1]:?$1 is not running}
	kill -KILL "$pid"
	unset "NET_PID[$n]"
	wait "$pid" 2>/dev/null || true # reap it now, without bash's "Killed" notice
	echo "==== $(date -u +%H:%M:%S.%N) killed with SIGKILL" >>"$T/$n.log"
}

start_all() {
	local n
	for n in "${NET_NODES[@]}"; do
		[ -n "${NET_PID[$n]:-}" ] || start "$n"
	done
}

# net_settled: every link between two running daemons is up with nothing
# left to acknowledge, seen from both ends (svcsync status --json, whose
# link figures the daemons refresh each second).
net_settled() {
	local n args=()
	for n in "${!NET_PID[@]}"; do
		args+=("$n" "${NET_ID[$n]}")
	done
	python3 - "$S" "$T" "${args[@]}" <<'EOF'
import json, subprocess, sys
s, t, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
nodes = dict(zip(rest[1::2], rest[0::2]))  # id -> name
bad = []
for nid, name in nodes.items():
    p = subprocess.run([s, "--dir", f"{t}/{name}", "status", "--json"], capture_output=True,
                       text=True, timeout=60)
    if p.returncode:
        bad.append(f"{name}: status: {p.stderr.strip()}"); continue
    st = json.loads(p.stdout)
    if not (st.get("daemon") or {}).get("running"):
        bad.append(f"{name}: daemon not running"); continue
    links = ([st["upstream"]] if st.get("upstream") else []) + st.get("downstream", [])
    for l in links:
        if l["node"] not in nodes:
            continue
        if l.get("state") != "up" or l.get("backlog") != 0:
            bad.append(f"{name}->{l['node']}: {l.get('state')}, backlog {l.get('backlog')}")
if bad:
    print("; ".join(bad))
    sys.exit(1)
EOF
}

# net_quiesce [TIMEOUT_S]: wait until net_settled holds (default 20 s).
net_quiesce() {
	WAIT_WHY=net_settled wait_until "${1:-20}" net_settled
}

# ------------------------------------------------------------ logs and files
#
# These print what they find, and the callers assert on what they print: a
# log not written yet is no lines, a string that is absent counts 0, but a
# file that exists and cannot be read is an error, never a quiet 0.

# log_mark NAME: the number of lines in NAME's log now.
log_mark() {
	[ -e "$T/$1.log" ] || { echo 0; return 0; }
	wc -l <"$T/$1.log"
}

# log_since NAME MARK: the log lines after line MARK.
# A node whose daemon has not started yet has no log: nothing since.
log_since() {
	[ -e "$T/$1.log" ] || return 0
	tail -n +"$(($2 + 1))" "$T/$1.log"
}

# count_in NAME STRING: lines of NAME's LMDB file holding STRING (raw scan).
# grep exits 1 when it counts 0 (a count, not a failure) and 2 when it
# cannot read the file (a failure: the caller's comparison must not see 0).
count_in() {
	local n rc=0
	n=$(grep -a -c -F -- "$2" "$T/$1/data.mdb") || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "count_in: cannot read $T/$1/data.mdb" >&2
		return 2
	fi
	echo "$n"
}

# The status-file line of NAME's link to PEER (empty if none).
link_line() {
	[ -e "$T/$1/status" ] || return 0
	grep "^link $2 " "$T/$1/status" || [ $? -eq 1 ]
}

#!/usr/bin/env bash
# cli_errors: the CLI's contract at its edges.
#
# --help works everywhere without a store; malformed command lines exit 2
# and everything else that fails exits 1, always with exactly one line on
# stderr; the node directory comes from --dir (before or after the
# subcommand) or SVCSYNC_DIR; init never touches an existing node; an unsafe
# key file is refused with its mode named.
#
# Needs: SVC_BIN (the directory holding svcsync and svcsyncd), SVC_TEST_TMP,
# python3 (see netlib.sh, which sets up the scratch directory $T and the helpers).
set -euo pipefail

. "$(dirname "$0")/netlib.sh"
net_setup cli_errors

# expect EXIT PHRASE ARGS...: exit status EXIT, nothing on stdout, one line
# "svcsync: ...PHRASE..." on stderr.
expect() {
	local code=$1 phrase=$2 out rc
	shift 2
	set +e
	out=$("$S" "$@" 2>"$T/err")
	rc=$?
	set -e
	[ "$rc" = "$code" ] || fail "svcsync $*: exit $rc, want $code ($(cat "$T/err"))"
	[ -z "$out" ] || fail "svcsync $*: printed on stdout: $out"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "svcsync $*: stderr is not one line: $(cat "$T/err")"
	grep -q '^svcsync: ' "$T/err" || fail "svcsync $*: no svcsync: prefix"
	grep -qF -- "$phrase" "$T/err" || fail "svcsync $*: '$phrase' not in: $(cat "$T/err")"
	echo "  $(cat "$T/err")"
	ok
}

# help ARGS...: usage on stdout, nothing on stderr, exit 0, no store needed.
help() {
	local out
	out=$("$S" "$@" 2>"$T/err") || fail "svcsync $*: exit $?"
	[ -s "$T/err" ] && fail "svcsync $*: wrote to stderr: $(cat "$T/err")"
	[[ "$out" == usage:* ]] || fail "svcsync $*: no usage text: $out"
	ok
}

echo "== --help everywhere"
help --help
help -h
help help
for cmd in init enroll id ticket catalog part stock claim log node import export; do
	help "$cmd" --help
	help "$cmd" -h
done
for sub in request approve accept; do help enroll "$sub" --help; done
for sub in new assign status note callback list show; do help ticket "$sub" --help; done
for sub in add list; do help catalog "$sub" --help; done
for sub in receive transfer consume return adjust transfers; do help part "$sub" --help; done
for sub in submit audit return approve reject pay list show; do help claim "$sub" --help; done
help node list --help
help ticket help
# Help wins over everything else on the line, even a missing directory.
help ticket new --kind nonsense --help

echo "== malformed command lines exit 2"
expect 2 "missing command" 
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "ticket: unknown subcommand 'frob'" --dir x ticket frob
expect 2 "ticket: missing subcommand" --dir x ticket
expect 2 "unknown option --frob" --dir x ticket list --frob
expect 2 "unknown option -x" --dir x ticket list -x
expect 2 "--limit needs a value" --dir x ticket list --limit
expect 2 "--json takes no value" --dir x ticket list --json=yes
expect 2 "--json given twice" --dir x ticket list --json --json
expect 2 "unexpected argument 'extra'" --dir x ticket list extra
expect 2 "missing ticket ID" --dir x ticket show
expect 2 "--dir needs a value" ticket list --dir
expect 2 "--price: '1.5' is not an amount in fen" --dir x catalog add P-1 --name X --price 1.5
expect 2 "--limit: '' is not a whole number" --dir x log --limit ''
expect 2 "--qty: ' 5' is not a whole number" --dir x part adjust P-1 --qty ' 5' --reason x
expect 2 "--qty: '99999999999999999999' is not a whole number" --dir x part adjust P-1 \
	--qty 99999999999999999999 --reason x
expect 2 "--satisfaction: 9 is not between 1 and 5" --dir x ticket callback T-a-1 --satisfaction 9
expect 2 "--part: 'P-100' is not PART_NO:QTY" --dir x claim submit --ticket T-a-1 --labor 1 \
	--part P-100
expect 2 "--role: unknown value" --dir x init --id a --role king
expect 2 "--kind: 'tickets2' is not ticket or changes" --dir x import --kind tickets2 f

echo "== the node directory"
expect 2 "no node directory: give --dir DIR or set SVCSYNC_DIR" ticket list
expect 2 "no node directory" init --id hq --role hq
expect 1 "no store in $T/nowhere" --dir "$T/nowhere" ticket list
"$S" --dir hq init --id hq --role hq >/dev/null || fail "init hq"
ok
"$S" ticket list --dir hq >/dev/null || fail "--dir after the subcommand"
ok
"$S" id --dir=hq --json | grep -q '"node": "hq"' || fail "--dir=DIR after the subcommand"
ok
SVCSYNC_DIR=hq "$S" id | grep -q '^node  *hq$' || fail "SVCSYNC_DIR"
ok
SVCSYNC_DIR=nowhere "$S" --dir hq id >/dev/null || fail "--dir overrides SVCSYNC_DIR"
ok

echo "== init never touches an existing node"
sum() { sha256sum hq/data.mdb hq/node.key | sha256sum; }
before=$(sum)
expect 1 "already holds a store" --dir hq init --id other --role hq
expect 1 "already holds a store" --dir hq init --id hq --role hq
eq_sum=$(sum)
[ "$before" = "$eq_sum" ] || fail "init changed an existing store"
ok
expect 1 "id" --dir new1 init --id "Bad_Id" --role hq
[ ! -e new1 ] || fail "a refused init left new1 behind"
ok
expect 1 "region" --dir new2 init --id shop-x --role shop
[ ! -e new2 ] || fail "a refused init left new2 behind"
ok

echo "== the key file"
"$S" --dir sa init --id shop-a --role shop --region region-east >/dev/null || fail "init shop"
chmod 644 sa/node.key
expect 1 "mode 0644" --dir sa enroll request --out sa.req
[ ! -e sa.req ] || fail "a refused request left a file"
ok
chmod 600 sa/node.key
"$S" --dir sa enroll request --out sa.req >/dev/null || fail "request with a safe key"
ok
# Ordinary writes need no key: the daemon signs them later.
chmod 644 sa/node.key
"$S" --dir sa ticket new --kind repair --customer X --phone 13800138000 --product P \
	--fault F >/dev/null || fail "a write needs no key"
ok
chmod 600 sa/node.key

echo "== values that look like options"
id=$("$S" --dir sa ticket new --kind repair --customer -h --phone 13800138999 --product P \
	--fault --help) || fail "-h and --help as values"
"$S" --dir sa ticket show "$id" --json | grep -q '"customer": "-h"' || fail "customer -h"
ok
"$S" --dir sa ticket note "$id" -- --help >/dev/null || fail "-- ends the options"
"$S" --dir sa ticket show "$id" | grep -q ': --help$' || fail "note --help"
ok

echo "== enrollment files"
expect 1 "sa.req.missing: No such file" --dir hq enroll approve --request "$T/sa.req.missing" \
	--upstream hq --endpoint tcp://127.0.0.1:1 --out b
printf 'garbage' >bad.req
expect 1 "request" --dir hq enroll approve --request bad.req --upstream hq \
	--endpoint tcp://127.0.0.1:1 --out b
[ ! -e b ] || fail "a refused approval left a bundle"
ok
expect 1 "upstream region-east: not in HQ's directory" --dir hq enroll approve \
	--request sa.req --upstream region-east --endpoint tcp://127.0.0.1:1 --out b
expect 1 "only HQ approves" --dir sa enroll approve --request sa.req --upstream hq \
	--endpoint tcp://127.0.0.1:1 --out b
expect 2 "--hq-key: not 64 hex digits" --dir sa enroll accept --bundle b --hq-key abc

echo "== reads of what is not there"
expect 1 "unknown ticket T-hq-999" --dir hq ticket show T-hq-999
expect 1 "unknown claim C-hq-999" --dir hq claim show C-hq-999
expect 1 "nothing.chg" --dir hq import --kind changes nothing.chg
expect 1 "nothing.jsonl" --dir hq import --kind ticket nothing.jsonl
"$S" --dir hq ticket list --json | grep -qx '\[\]' || fail "an empty list is []"
ok

net_done

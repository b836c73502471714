#!/usr/bin/env bash
# cli_operator: every change records the person who entered it, and every
# node that receives the change shows that person.
#
# HQ, region-o and its shop shop-o, live daemons. At shop-o one ticket gets
# three changes: opened with `--operator 张伟` (before the command), a note
# with SVCSYNC_OPERATOR=李娜, a note with neither (the login name), then a
# status change with `--operator=王芳` after the command, which also wins
# over the variable. `ticket show` (history lines and JSON) and `log` (the
# OPERATOR column and JSON) show each one at shop-o, and after replication
# at region-o and at HQ. A name of 33 characters (ASCII or Chinese) is
# refused with one line naming the field and writes nothing; 32 Chinese
# characters pass.
#
# Needs: SVC_BIN, SVC_TEST_TMP, python3.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/netlib.sh"
net_setup cli_operator
unset SVCSYNC_OPERATOR

W=20
LOGIN=$(python3 -c 'import os, pwd; print(pwd.getpwuid(os.geteuid()).pw_name)')
net_hq hq
net_region region-o
net_shop shop-o region-o
start hq
start region-o
start shop-o

section "writes at shop-o: --operator, SVCSYNC_OPERATOR, the login name"
T1=$(sv shop-o --operator "张伟" ticket new --kind repair --customer "Operator Test" \
	--phone 13900000009 --address "Test Road 9" --product AC-9 --fault "records who")
SVCSYNC_OPERATOR="李娜" sv shop-o ticket note "$T1" "called the customer" >/dev/null
sv shop-o ticket note "$T1" "parts ordered" >/dev/null
SVCSYNC_OPERATOR="李娜" sv shop-o ticket status "$T1" accepted --operator="王芳" >/dev/null
WANT="['张伟', '李娜', '$LOGIN', '王芳']"

# check_node NAME: the ticket's four changes and their operators, in show
# (JSON and text) and in log (JSON and text).
check_node() {
	local n=$1 show log
	wait_json $W "$n" '[h["operator"] for h in j["history"]]' "$WANT" ticket show "$T1"
	expect_eq "$(jget "$n" "[c['operator'] for c in reversed(j) if c['aggregate'] == '$T1']" log)" \
		"$WANT" "operators of $T1 in $n's log --json"
	show=$(sv "$n" ticket show "$T1")
	expect_eq "$(printf '%s\n' "$show" | grep -c ' by 张伟$')" 1 "$n: show line by 张伟"
	expect_eq "$(printf '%s\n' "$show" | grep -c ' by 李娜$')" 1 "$n: show line by 李娜"
	expect_eq "$(printf '%s\n' "$show" | grep -c " by $LOGIN\$")" 1 "$n: show line by $LOGIN"
	expect_eq "$(printf '%s\n' "$show" | grep -c 'status -> accepted.* by 王芳$')" 1 \
		"$n: show line by 王芳"
	log=$(sv "$n" log)
	expect_eq "$(printf '%s\n' "$log" | head -1 | grep -c 'SUMMARY  *OPERATOR$')" 1 \
		"$n: log header ends with OPERATOR"
	expect_eq "$(printf '%s\n' "$log" | grep "$T1" | grep -c '  张伟$')" 1 "$n: log row by 张伟"
	expect_eq "$(printf '%s\n' "$log" | grep "$T1" | grep -c '  李娜$')" 1 "$n: log row by 李娜"
	expect_eq "$(printf '%s\n' "$log" | grep "$T1" | grep -c "  $LOGIN\$")" 1 \
		"$n: log row by $LOGIN"
	expect_eq "$(printf '%s\n' "$log" | grep "$T1" | grep -c '  王芳$')" 1 "$n: log row by 王芳"
}

check_node shop-o
section "after replication: region-o and HQ show the same operators"
check_node region-o
check_node hq

section "a name of 33 characters is refused with one line naming the field"
before=$(lsn shop-o)
for name in "$(printf 'o%.0s' $(seq 33))" "$(printf '伟%.0s' $(seq 33))"; do
	rc=0
	"$S" --dir "$T/shop-o" --operator "$name" ticket note "$T1" "too long a name" \
		>"$T/out" 2>"$T/err" || rc=$?
	expect_eq "$rc" 1 "exit status for a ${#name}-character operator"
	expect_eq "$(wc -l <"$T/err")" 1 "stderr lines for a ${#name}-character operator"
	expect_eq "$(grep -c 'operator: 33 characters, limit 32' "$T/err")" 1 \
		"the reason names the field: $(cat "$T/err")"
done
expect_eq "$(lsn shop-o)" "$before" "nothing written by the refused notes"
rc=0
"$S" --dir "$T/shop-o" --operator "" ticket note "$T1" "empty name" 2>"$T/err" || rc=$?
expect_eq "$rc" 2 "exit status for an empty --operator"
expect_eq "$(lsn shop-o)" "$before" "nothing written with an empty --operator"
name32=$(printf '伟%.0s' $(seq 32))
sv shop-o ticket note "$T1" "a long name" --operator "$name32" >/dev/null
expect_eq "$(jget shop-o 'j["history"][-1]["operator"]' ticket show "$T1")" "$name32" \
	"32 Chinese characters recorded"

net_verify_all
net_done

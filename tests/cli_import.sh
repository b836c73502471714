#!/usr/bin/env bash
# cli_import: bulk ticket import from JSONL (svcsync import --kind ticket).
#
# A region moving from a legacy system loads its open tickets: every line is
# checked before anything is written, a bad line is named FILE:LINE with the
# field and the reason, and a file with any bad line imports nothing. The
# same tickets written with raw UTF-8 and with \u escapes (surrogate pairs
# included) must come out identical, whichever parser read them.
#
# Needs: SVC_BIN (the directory holding svcsync and svcsyncd), SVC_TEST_TMP,
# python3 (see netlib.sh, which sets up the scratch directory $T and the helpers).
set -euo pipefail

. "$(dirname "$0")/netlib.sh"
net_setup cli_import
loglen() { "$S" --dir "$1" log --limit 1 --json | py 'j[0]["lsn"] if j else 0'; }

# refuse DIR PHRASE ARGS...: exit 1, one line on stderr, nothing stored.
refuse() {
	local dir=$1 phrase=$2 before rc
	shift 2
	before=$(loglen "$dir")
	set +e
	"$S" --dir "$dir" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "svcsync $*: exit $rc ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "svcsync $*: stderr is not one line: $(cat "$T/err")"
	grep -qF -- "$phrase" "$T/err" || fail "svcsync $*: '$phrase' not in: $(cat "$T/err")"
	assert_eq "$(loglen "$dir")" "$before" "log length after svcsync $*"
	echo "  refused: $(cat "$T/err")"
}

echo "== HQ with a region and a shop"
sv hq init --id hq --role hq >/dev/null
sv re init --id region-east --role region >/dev/null
sv sa init --id shop-a --role shop --region region-east >/dev/null
sv re enroll request --out re.req >/dev/null
sv hq enroll approve --request re.req --upstream hq --endpoint tcp://127.0.0.1:7001 \
	--out re.bundle >/dev/null
sv re enroll accept --bundle re.bundle >/dev/null
sv sa enroll request --out sa.req >/dev/null
sv hq enroll approve --request sa.req --upstream region-east \
	--endpoint tcp://127.0.0.1:7002 --out sa.bundle >/dev/null
sv hq export --for region-east --out dir.chg >/dev/null
sv re import --kind changes dir.chg >/dev/null

echo "== a clean file: 2,500 tickets, raw UTF-8 and escaped"
python3 - <<'EOF'
import json
rows = []
for i in range(2500):
    r = {"kind": ["repair", "install", "consult"][i % 3],
         "customer": "客户 %d 😀" % i,
         "phone": "139%08d" % i,
         "product": "AC-KFR35GW",
         "fault": "line one\nline \"two\"\t\\ é /%d" % i}
    if i % 2:
        r["shop"] = "shop-a"
    if i % 5 == 0:
        r["purchased"] = "2024-02-29"
        r["serial"] = None
        r["address"] = ""
    rows.append(r)
with open("raw.jsonl", "w", encoding="utf-8") as f:
    for n, r in enumerate(rows):
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
        if n == 10:
            f.write("\n   \n")  # blank lines are skipped
with open("esc.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=True, indent=None, separators=(" ,", " : ")) + "\r\n")
EOF
sv re import --kind ticket --check raw.jsonl | grep -q '2500 tickets, all good' || fail "--check"
ok
assert_eq "$(loglen re)" "$(loglen re)" "check writes nothing"
before=$(loglen re)
sv re import --kind ticket raw.jsonl | grep -q '^imported 2500 tickets from raw.jsonl, first T-region-east-' ||
	fail "import raw"
ok
# Each line a new phone: a customer file and its ticket.
assert_eq "$(($(loglen re) - before))" 5000 "2500 customers and 2500 tickets appended"
sv re import --kind ticket esc.jsonl >/dev/null
assert_eq "$(sv re ticket list --json | py 'len(j)')" 5000 "tickets after both files"
# The same line, read raw and escaped, gives the same ticket.
sv re ticket list --json >all.json
python3 - <<'EOF' || fail "raw and escaped imports differ"
import json
ts = json.load(open("all.json"))
by_phone = {}
for t in ts:
    by_phone.setdefault(t["phone"], []).append(t)
keys = ["kind", "customer", "phone", "address", "product", "serial", "purchased",
        "in_warranty", "fault", "region", "shop", "status"]
assert len(by_phone) == 2500, len(by_phone)
for phone, pair in by_phone.items():
    assert len(pair) == 2, phone
    a, b = ({k: t[k] for k in keys} for t in pair)
    assert a == b, (a, b)
t = by_phone["13900000001"][0]
assert t["customer"] == "客户 1 😀", t["customer"]
assert t["fault"] == "line one\nline \"two\"\t\\ é /1", repr(t["fault"])
assert t["shop"] == "shop-a" and t["status"] == "assigned", t
t = by_phone["13900000000"][0]
assert t["purchased"] == "2024-02-29" and t["serial"] == "" and t["shop"] is None, t
assert t["status"] == "new" and t["region"] == "region-east", t
EOF
ok

echo "== bad files import nothing"
cat >bad.jsonl <<'EOF'
{"kind":"repair","customer":"A","phone":"13800138000","product":"P","fault":"F"}
{"kind":"repair","customer":"B","phone":"12ab","product":"P","fault":"F"}
{"kind":"repair","customer":"C","phone":"13800138000","product":"P","fault":"F"}
{"kind":"repair", oops}
{"kind":"repair","customer":"E","phone":13800138000,"product":"P","fault":"F"}
EOF
refuse re "bad.jsonl:2: phone: only digits" import --kind ticket bad.jsonl
grep -qF "(3 bad lines; nothing imported)" "$T/err" || fail "bad line count"
ok
set +e
"$S" --dir re import --kind ticket --check bad.jsonl >check.out 2>/dev/null
rc=$?
set -e
assert_eq "$rc" 1 "--check on a bad file"
assert_eq "$(cut -d: -f1-2 check.out | tr '\n' ' ')" "bad.jsonl:2 bad.jsonl:4 bad.jsonl:5 " \
	"--check lists every bad line"
grep -q '^bad.jsonl:4: not valid JSON: ' check.out || fail "line 4 reason"
ok
grep -q '^bad.jsonl:5: phone: must be a string (or null)$' check.out || fail "line 5 reason"
ok
printf '{"kind":"repair","customer":"A","phnoe":"1","product":"P","fault":"F"}\n' >f1.jsonl
refuse re "f1.jsonl:1: phnoe: not a ticket field" import --kind ticket f1.jsonl
printf '["kind","repair"]\n' >f2.jsonl
refuse re "f2.jsonl:1: not a JSON object" import --kind ticket f2.jsonl
printf '{"kind":"repair","kind":"install","customer":"A","phone":"13800138000","product":"P","fault":"F"}\n' >f3.jsonl
refuse re "f3.jsonl:1: not valid JSON: duplicate object key" import --kind ticket f3.jsonl
printf '{"kind":"repair","customer":"A\\u0000B","phone":"13800138000","product":"P","fault":"F"}\n' >f4.jsonl
refuse re "f4.jsonl:1: not valid JSON" import --kind ticket f4.jsonl
printf '{"kind":"repair","customer":"\\ud800","phone":"13800138000","product":"P","fault":"F"}\n' >f5.jsonl
refuse re "f5.jsonl:1: not valid JSON" import --kind ticket f5.jsonl
printf '{"kind":"repair","customer":"\xff","phone":"13800138000","product":"P","fault":"F"}\n' >f6.jsonl
refuse re "f6.jsonl:1: not valid JSON" import --kind ticket f6.jsonl
printf '{"kind":"repair","customer":"A","phone":"13800138000","product":"P","fault":"F","shop":"shop-zz"}\n' >f7.jsonl
refuse re "f7.jsonl:1: unknown shop shop-zz" import --kind ticket f7.jsonl
printf '{"kind":"repair","customer":"A","phone":"13800138000","product":"P","fault":"F","purchased":"2023-02-30"}\n' >f8.jsonl
refuse re "f8.jsonl:1: purchased: 2023-02-30 is not a calendar date" import --kind ticket f8.jsonl
# A shop imports walk-ins for itself only.
printf '{"kind":"repair","customer":"A","phone":"13800138000","product":"P","fault":"F","region":"region-west"}\n' >f9.jsonl
refuse re "f9.jsonl:1: region: region region-east opens tickets only in its own region" \
	import --kind ticket f9.jsonl
: >empty.jsonl
sv re import --kind ticket empty.jsonl | grep -q '^imported 0 tickets' || fail "empty file"
ok

net_done

#!/usr/bin/env bash
# Comparisons over HTTP: two kernels on one host, the head's order-0 fork
# 10% slower and its pmd fork 30% faster than the base (8 runs a side,
# 0.5% noise): the JSON names a regression and a gain, the baseline is
# found through the head's parent commit, and /compare.txt has the review
# thread's table.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"



mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "lab-c"}' "$URL/api/v1/hosts" >"$T/reg.json" ||
	fail "register"
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/reg.json")

"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-c
for d in base head; do
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$T/$d.json" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $d: $code $(cat "$T/up.json")"
done

say "GET /api/v1/compare picks the parent commit as the baseline"
curl -sf "$URL/api/v1/compare?host=lab-c&head=bbbbbbbbbbbb" >"$T/cmp.json" || fail "compare"
"$PY" - "$T/cmp.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
def check(c, m):
    if not c: print("FAIL:", m, json.dumps(d)[:2000]); sys.exit(1)
check(d["base"] == "aaaaaaaaaaaa" and d["base_chosen_as"] == "parent commit", "baseline")
rows = {(r["layout"], r["metric"]): r for r in d["rows"]}
o0 = rows[("order-0", "ns")]
check(o0["verdict"] == "regression", "order-0 regression: %s" % o0)
check(9 < o0["delta_pct"] < 11 and o0["ci_pct"][0] > 1, "order-0 +10%%: %s" % o0)
check(o0["p_welch"] < 0.01 and o0["base"]["n"] == 8 and o0["head"]["n"] == 8, "order-0 stats")
pmd = rows[("pmd", "ns")]
check(pmd["verdict"] == "gain" and -31 < pmd["delta_pct"] < -29, "pmd gain: %s" % pmd)
check(rows[("pmd", "tlb_flushes")]["verdict"] == "unchanged", "tlb unchanged")
check(rows[("order-0", "cycles")]["verdict"] == "unsupported", "cycles unsupported")
print("compare ok")
PYEOF

say "GET /compare.txt: the review thread's table"
curl -sf "$URL/compare.txt?host=lab-c&head=bbbbbbbbbbbb&base=aaaaaaaaaaaa" >"$T/cmp.txt" ||
	fail "compare.txt"
cat "$T/cmp.txt"
grep -q '^| baseline      |    0.0% |' "$T/cmp.txt" || fail "no baseline row"
grep -q '^| after-change  |   10\.[0-9]% |' "$T/cmp.txt" || grep -q '^| after-change  |    9\.[0-9]% |' "$T/cmp.txt" ||
	fail "no after-change row with about +10% for order-0"
grep -q 'fork order-0: regression' "$T/cmp.txt" || fail "no regression line"
grep -q 'fork pmd: gain' "$T/cmp.txt" || fail "no gain line"

say "forkwatch compare prints the same report"
"$FW" compare --server "$URL" --host lab-c bbbbbbbbbbbb >"$T/cli.txt" || fail "forkwatch compare exited $?"
grep -q 'fork order-0: regression' "$T/cli.txt" || { cat "$T/cli.txt"; fail "CLI report"; }
rc=0; "$FW" compare --server "$URL" --host nobody bbbbbbbbbbbb >/dev/null 2>"$T/cli.err" || rc=$?
[ $rc = 1 ] && grep -q "no host named 'nobody'" "$T/cli.err" || fail "CLI unknown host: $rc $(cat "$T/cli.err")"

say "baselines: the previous kernel, then a pinned one"
code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	--data-binary @"$T/other.json" "$URL/api/v1/runs")
[ "$code" = 201 ] || fail "upload other: $code"
curl -sf "$URL/api/v1/compare?host=lab-c&head=cccccccccccc" >"$T/c2.json" || fail "compare other"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["base"], d["base_chosen_as"]) == ("bbbbbbbbbbbb", "previous kernel"), d["base"]' "$T/c2.json" ||
	fail "previous kernel as the baseline"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
code=$(curl -s -o "$T/p.json" -w '%{http_code}' "${admin[@]}" -d '{"baseline": "nosuch"}' "$URL/api/v1/hosts/lab-c")
[ "$code" = 404 ] || fail "pinning a missing kernel: $code"
code=$(curl -s -o "$T/p.json" -w '%{http_code}' "${admin[@]}" -d '{"baseline": "aaaaaaaaaaaa"}' "$URL/api/v1/hosts/lab-c")
[ "$code" = 200 ] || fail "pinning: $code $(cat "$T/p.json")"
curl -sf "$URL/api/v1/compare?host=lab-c&head=cccccccccccc" >"$T/c3.json" || fail "compare pinned"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["base"], d["base_chosen_as"]) == ("aaaaaaaaaaaa", "pinned baseline"), d["base"]' "$T/c3.json" ||
	fail "the pinned baseline"
curl -sf "$URL/api/v1/compare?host=lab-c&head=bbbbbbbbbbbb" >"$T/c4.json" || fail "compare head"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["base_chosen_as"] == "parent commit", d' "$T/c4.json" ||
	fail "the parent commit goes before the pinned baseline"

say "thresholds are configurable: a 15% order-0 budget makes +10% unchanged"
stop_daemon
expect_fail "bad --alpha" "\-\-alpha '2'" "$FWD" --alpha 2 --db "$T/db/fw.db"
expect_fail "bad --budget" "\-\-budget 'x'" "$FWD" --budget x --db "$T/db/fw.db"
start_daemon "$T/d2.log" --db "$T/db/fw.db" --budget-order0 15
curl -sf "$URL/api/v1/compare?host=lab-c&head=bbbbbbbbbbbb&base=aaaaaaaaaaaa" >"$T/c5.json" || fail "compare"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); r=[x for x in d["rows"] if x["layout"]=="order-0" and x["metric"]=="ns"][0]; assert r["verdict"]=="unchanged" and r["threshold_pct"]==15, r' "$T/c5.json" ||
	fail "--budget-order0 15 not applied"

say "errors"
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/api/v1/compare?host=lab-c")
[ "$code" = 400 ] && grep -q '"field":"head"' "$T/e.json" || fail "missing head: $code $(cat "$T/e.json")"
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/api/v1/compare?host=nobody&head=bbbbbbbbbbbb")
[ "$code" = 404 ] || fail "unknown host: $code"
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/api/v1/compare?host=lab-c&head=aaaaaaaaaaaa")
[ "$code" = 404 ] && grep -q "is the first kernel on host 'lab-c': nothing to compare yet" "$T/e.json" &&
	grep -q '"field":"base"' "$T/e.json" || fail "no baseline: $code $(cat "$T/e.json")"
echo ok

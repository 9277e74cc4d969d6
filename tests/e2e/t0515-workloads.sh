#!/usr/bin/env bash
# Workloads forkwatchd has never heard of reach every view: it learns them
# from the rows it stores, never from a list.  Two kernels on one host,
# each with the workloads mprotect, mremap, dontneed and one named with 27
# characters (beyond the 15 that the old [16] arrays held), at order-0 and
# pmd: mremap order-0 10% slower, dontneed pmd 30% faster, the long one's
# order-0 10% slower.  /api/v1/compare, /compare.txt, the kernel page
# (glance and tables), /compare, the host's trends, the run page and the
# alerts all show each of them, the long name whole.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

LONG=a-workload-of-27-characters
mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-w"}'
tok=$(jget "$T/body" 'd["token"]')

"$PY" - "$T" "$LONG" <<'PYEOF'
import json, random, sys, uuid

out, long_name = sys.argv[1], sys.argv[2]
rnd = random.Random(7)
workloads = ("mprotect", "mremap", "dontneed", long_name)


def doc(commit, parent, scale):
    cases = []
    for layout, order, mapping, base in (("order-0", 0, "pte", 4_000_000), ("pmd", 9, "pmd", 400_000)):
        for w in workloads:
            mean = base * scale.get((w, layout), 1.0)
            runs = []
            for r in range(8):
                m = mean * (1 + rnd.gauss(0, 0.005))
                ns = [int(m * (1 + rnd.gauss(0, 0.002))) for _ in range(4)]
                runs.append({"index": r, "ok": True, "error": None, "ns": ns,
                             "counters": {"tlb_flushes": [1] * 4}, "counter_times": []})
            cases.append({"workload": w, "layout": layout, "order": order, "mapping": mapping,
                          "iterations": 4,
                          "layout_check": {"ok": True, "folios": {str(order): 1}, "reason": None},
                          "counters": {"tlb_flushes": {"status": "ok", "event": "tlb:tlb_flush"}},
                          "runs_ok": 8, "runs": runs})
    return {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
            "host": {"hostname": "lab-w", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34,
                     "page_size": 4096},
            "kernel": {"release": "6.9.0-g" + commit, "commit": commit, "parent_commit": parent},
            "params": {"size_bytes": 1 << 30, "runs": 8, "iterations": 4, "fresh_iterations": 4,
                       "warmup": 3},
            "cases": cases}


json.dump(doc("aaaaaaaaaaaa", None, {}), open(out + "/base.json", "w"))
json.dump(doc("bbbbbbbbbbbb", "aaaaaaaaaaaa",
              {("mremap", "order-0"): 1.10, ("dontneed", "pmd"): 0.70, (long_name, "order-0"): 1.10}),
          open(out + "/head.json", "w"))
PYEOF
for d in base head; do
	expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/$d.json"
done

say "GET /api/v1/compare: a row per workload, layout and metric, with its verdict"
expect 200 GET "/api/v1/compare?host=lab-w&head=bbbbbbbbbbbb"
"$PY" - "$T/body" "$LONG" <<'PYEOF' || fail "/api/v1/compare"
import json, sys
d, long_name = json.load(open(sys.argv[1])), sys.argv[2]
rows = {(r["workload"], r["layout"], r["metric"]): r for r in d["rows"]}
for w in ("mprotect", "mremap", "dontneed", long_name):
    for l in ("order-0", "pmd"):
        assert (w, l, "ns") in rows and (w, l, "tlb_flushes") in rows, (w, l, sorted(rows))
assert rows[("mremap", "order-0", "ns")]["verdict"] == "regression", rows[("mremap", "order-0", "ns")]
assert rows[("dontneed", "pmd", "ns")]["verdict"] == "gain", rows[("dontneed", "pmd", "ns")]
assert rows[(long_name, "order-0", "ns")]["verdict"] == "regression"
assert rows[("mprotect", "order-0", "ns")]["verdict"] == "unchanged"
print("compare ok:", len(rows), "rows")
PYEOF

say "GET /compare.txt: the review thread's table per workload, and every verdict"
expect 200 GET "/compare.txt?host=lab-w&head=bbbbbbbbbbbb"
cp "$T/body" "$T/cmp.txt"
cat "$T/cmp.txt"
for w in mprotect mremap dontneed "$LONG"; do
	grep -q "^| $w *|---" "$T/cmp.txt" || fail "/compare.txt has no table for $w"
	grep -q "^$w order-0: " "$T/cmp.txt" && grep -q "^$w pmd: " "$T/cmp.txt" ||
		fail "/compare.txt has no verdict lines for $w"
done
grep -q '^mremap order-0: regression' "$T/cmp.txt" || fail "no mremap regression line"
grep -q '^dontneed pmd: gain' "$T/cmp.txt" || fail "no dontneed gain line"
grep -q "^$LONG order-0: regression" "$T/cmp.txt" || fail "the long workload's name is not whole"
grep -q 'TLB flushes per mremap' "$T/cmp.txt" || fail "the counters are not per operation of the workload"
[ "$(grep -c '^| after-change  *|' "$T/cmp.txt")" = 4 ] || fail "expected four tables"
# a table as wide as its workload's name: every line of it the same length
"$PY" - "$T/cmp.txt" "$LONG" <<'PYEOF' || fail "the long workload's table is not aligned"
import sys
lines, long_name = open(sys.argv[1]).read().split("\n"), sys.argv[2]
i = next(k for k, l in enumerate(lines) if l.startswith("| " + long_name + " "))
table = lines[i - 1:i + 5]
assert len({len(l) for l in table}) == 1 and all(l.startswith("|") and l.endswith("|") for l in table), table
PYEOF

CHECK="$PY $top/tests/e2e/page-check.py"
say "/kernels/{commit}: the glance and a table per workload"
expect 200 GET /kernels/bbbbbbbbbbbb
cp "$T/body" "$T/k.html"
$CHECK "$T/k.html" --has 'v-regression:order-0 slowdown' --has 'v-gain:batching gain' || fail "kernel page cells"
for w in mprotect mremap dontneed "$LONG"; do
	grep -q "<span class=\"wl\">$w</span>" "$T/k.html" || fail "the glance lacks $w"
	grep -q "<th rowspan=\"2\">$w</th>" "$T/k.html" || fail "the kernel page has no table for $w"
done
grep -q 'title="mremap order-0: order-0 slowdown"' "$T/k.html" || fail "the glance cell of mremap order-0"
grep -q '<th>fork</th>' "$T/k.html" && fail "the glance still has a fork column"

say "/compare: the same tables"
expect 200 GET "/compare?host=lab-w&head=bbbbbbbbbbbb"
for w in mprotect mremap dontneed "$LONG"; do
	grep -q "<th rowspan=\"2\">$w</th>" "$T/body" || fail "/compare has no table for $w"
	grep -q "<td>$w pmd</td>" "$T/body" || fail "/compare's details lack $w"
done

say "/hosts/{name}: the trend of each case and the ratio to order-0 per workload"
expect 200 GET /hosts/lab-w
for w in mprotect mremap dontneed "$LONG"; do
	grep -q "<figcaption>$w order-0</figcaption>" "$T/body" && grep -q "<figcaption>$w pmd</figcaption>" "$T/body" ||
		fail "the host page has no trend of $w"
	grep -q "<figcaption>$w: each layout&#39;s time / order-0&#39;s\|<figcaption>$w: each layout's time / order-0's" "$T/body" ||
		fail "the host page has no ratio chart of $w"
done
grep -q 'class="mark-alert"' "$T/body" || fail "the regression alert is not marked on a trend"

say "alerts: the regressions of the new workloads raise them"
expect 200 GET "/api/v1/alerts?kind=regression"
"$PY" - "$T/body" "$LONG" <<'PYEOF' || fail "alerts"
import json, sys
a, long_name = json.load(open(sys.argv[1]))["alerts"], sys.argv[2]
got = sorted((x["workload"], x["layout"], x["metric"]) for x in a)
assert got == sorted([("mremap", "order-0", "ns"), (long_name, "order-0", "ns")]), got
print("alerts ok:", got)
PYEOF
expect 200 GET /alerts
grep -q "mremap order-0" "$T/body" && grep -q "$LONG order-0" "$T/body" || fail "/alerts lacks them"

say "/runs/{id}: a section per case"
expect 200 GET /runs/2
for w in mprotect mremap dontneed "$LONG"; do
	grep -q "<h3>$w order-0</h3>" "$T/body" || fail "the run page has no $w section"
done
grep -q "4 iterations per run" "$T/body" || fail "the run page does not give a case's iterations"
stop_daemon
echo ok

#!/usr/bin/env bash
# forkwatch bench --time-budget: the runs end within the budget, each case
# takes its own runs (interleaved, stopping when its interval is narrow
# enough or its next run would not fit), the table and the document say
# how many and why it stopped, each case carries its variance components,
# and forkwatchd takes the document (cases of unequal runs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"

say "errors"
expect_fail "--time-budget 0" "--time-budget '0': expected seconds" "$FW" bench --time-budget 0
expect_fail "--time-budget soon" "--time-budget 'soon': expected seconds" "$FW" bench --time-budget soon
expect_fail "--time-budget with --runs 3" "a case takes at least 5 runs" \
	"$FW" bench --time-budget 10 --runs 3

budget=8
say "bench --time-budget $budget"
rc=0
"$FW" bench --wait --quiet --size 16M --iterations 5 --warmup 1 --layouts order-0,pmd \
	--time-budget $budget --json "$T/r.json" >"$T/table" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; fail "bench exited $rc"; }
cat "$T/table"
grep -q "^| 16M ${budget}s x5 " "$T/table" || fail "the table's heading does not name the budget"
grep -q "^--time-budget ${budget}s: runs took" "$T/table" || fail "the table does not say what the runs took"

"$PY" - "$T/r.json" "$T/table" "$budget" <<'PYEOF'
import json, re, sys, datetime
doc = json.load(open(sys.argv[1]))
table = open(sys.argv[2]).read()
budget = float(sys.argv[3])
def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)
p = doc["params"]
check(p["time_budget_s"] == budget, "params.time_budget_s")
check(0 < p["elapsed_s"] <= budget, "the runs took %.2f s of a %g s budget" % (p["elapsed_s"], budget))
t = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
took = (t(doc["finished_at"]) - t(doc["started_at"])).total_seconds()
check(took <= budget + 1, "started_at to finished_at: %g s" % took)
runs = []
for c in doc["cases"]:
    name = c["workload"] + " " + c["layout"]
    n = len(c["runs"])
    runs.append(n)
    b = c["budget"]
    check(b["stopped"] in ("precise", "time", "max-runs"), name + ": stopped " + b["stopped"])
    check(b["budget_pct"] == (1 if c["layout"] == "order-0" else 2), name + ": budget_pct")
    check(b["target_half_width_pct"] == b["budget_pct"] / 2, name + ": target")
    check(n >= 1 and c["layout_check"]["runs"] == n and c["runs_ok"] == n, name + ": runs %d" % n)
    check([r["index"] for r in c["runs"]] == list(range(n)), name + ": run indices")
    if b["stopped"] == "precise":
        check(n >= 5 and b["half_width_pct"] <= b["target_half_width_pct"], name + ": precise")
    elif n >= 2:
        check(b["half_width_pct"] > b["target_half_width_pct"], name + ": stopped short, yet narrow enough")
    v = c["variance"]
    check(v["runs"] == n and v["iterations"] == 5 * n, name + ": variance over its runs")
    if n >= 2:
        check(v["between_runs_sd_pct"] >= 0 and v["within_run_sd_pct"] > 0, name + ": variance components")
        check(0 <= v["between_share"] <= 1 and 0 <= v["p"] <= 1, name + ": between_share, p")
    f = lambda x: "-" if x is None else "%.1f" % x
    print("    %-14s %3d runs, stopped %-8s +-%s%% (target +-%.1f%%); runs sd %s%%, iterations sd %s%%"
          % (name, n, b["stopped"], f(b["half_width_pct"]), b["target_half_width_pct"],
             f(v["between_runs_sd_pct"]), f(v["within_run_sd_pct"])))
check(p["runs"] == max(runs), "params.runs is the most runs a case took")
# the table's "runs" rows, fork then munmap, layouts in order
rows = [list(map(int, re.findall(r"\|\s+(\d+) \|", l))) for l in table.splitlines() if l.startswith("| runs ")]
order = [c["runs"] for c in doc["cases"]]
want = [[len(c["runs"]) for c in doc["cases"] if c["workload"] == w] for w in ("fork", "munmap")]
check(rows == want, "table runs rows %s, document %s" % (rows, want))
PYEOF

say "forkwatchd takes it"
mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
host=$(jget "$T/r.json" 'd["host"]["hostname"]')
curl -sf "${admin[@]}" -d "{\"hostname\": \"$host\"}" "$URL/api/v1/hosts" >"$T/reg.json" || fail "register"
tok=$(jget "$T/reg.json" 'd["token"]')
code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	--data-binary @"$T/r.json" "$URL/api/v1/runs")
[ "$code" = 201 ] || fail "upload: $code $(cat "$T/up.json")"
run=$(jget "$T/up.json" 'd["run"]["id"]')
curl -sf "$URL/api/v1/runs/$run" >"$T/run.json" || fail "GET the run"
"$PY" - "$T/r.json" "$T/run.json" <<'PYEOF' || fail "the server's run"
import json, sys
doc, run = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)
took = {(c["workload"], c["layout"]): len(c["runs"]) for c in doc["cases"]}
got = {(c["workload"], c["layout"]): (c["runs_ok"], c["metrics"]["ns"]["runs"]["n"]) for c in run["cases"]}
check(got == {k: (n, n) for k, n in took.items()}, "the server's runs per case %s, the document's %s" % (got, took))
print("    the server keeps each case's runs:", sorted(got.items()))
PYEOF
stop_daemon
say "ok"

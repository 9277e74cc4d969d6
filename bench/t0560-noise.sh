#!/usr/bin/env bash
# t0560's derived head against a loaded machine's spread: a run of 12 x 20
# iterations whose run means scatter lognormally by SPREAD, its head made
# the old way (every sample x1.40 for order-0, x0.70 for pmd) and t0560's
# way (each run first scaled to a fixed -2%/0/+2% offset from its case's
# mean); prints the verdicts forkwatchd gives each.  Needs no root and no
# machine lock (no benchmark runs).
#   bash bench/t0560-noise.sh            # SPREADS="0.05 0.15 0.30 0.45" SEEDS="1 2 3 4 5"
cd "$(dirname "$0")/.."
. tests/e2e/lib.sh
. tests/e2e/daemon-lib.sh
for spread in ${SPREADS:-0.05 0.15 0.30 0.45}; do
	for seed in ${SEEDS:-1 2 3 4 5}; do
		rm -rf "$T/db"
		mkdir -p "$T/db"
		start_daemon "$T/d.log" --db "$T/db/fw.db"
		tok=$(curl -sf -H "Authorization: Bearer $(cat "$T/db/admin.token")" -d '{"hostname": "noisy"}' \
			"$URL/api/v1/hosts" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["token"])')
		"$PY" - "$T" "$spread" "$seed" <<'PYEOF'
import copy, json, random, sys, uuid
out, spread, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
cases = []
for layout, order, mapping, m0 in (("order-0", 0, "pte", 5_000_000), ("pmd", 9, "pmd", 900_000)):
    runs = []
    for r in range(12):
        m = m0 * rnd.lognormvariate(0, spread)
        runs.append({"index": r, "ok": True, "error": None, "counters": {}, "counter_times": [],
                     "ns": [int(m * rnd.lognormvariate(0, 0.05)) for _ in range(20)]})
    cases.append({"workload": "fork", "layout": layout, "order": order, "mapping": mapping,
                  "iterations": 20, "layout_check": {"ok": True, "folios": {str(order): 1}, "reason": None},
                  "counters": {}, "runs_ok": 12, "runs": runs})
base = {"format": "forkwatch-result/1", "run_uuid": "", "cases": cases,
        "host": {"hostname": "noisy", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34, "page_size": 4096},
        "kernel": {"release": "6.9", "commit": None, "parent_commit": None},
        "params": {"size_bytes": 1 << 26, "runs": 12, "iterations": 20, "warmup": 3}}
def mean(v):
    return sum(v) / len(v)
def t0560(d):  # the derivation t0560 uses
    d = copy.deepcopy(d)
    for c in d["cases"]:
        means = [mean(r["ns"]) for r in c["runs"]]
        g = mean(means)
        for i, r in enumerate(c["runs"]):
            k = g * (1 + 0.02 * (i % 3 - 1)) / means[i]
            r["ns"] = [int(round(v * k)) for v in r["ns"]]
    return d
for tag, a, b, d in (("old", "1" * 40, "2" * 40, base), ("new", "3" * 40, "4" * 40, t0560(base))):
    d = copy.deepcopy(d)
    d["run_uuid"], d["kernel"]["commit"] = str(uuid.uuid4()), a
    json.dump(d, open("%s/%s-a.json" % (out, tag), "w"))
    d["run_uuid"], d["kernel"]["commit"], d["kernel"]["parent_commit"] = str(uuid.uuid4()), b, a
    for c in d["cases"]:
        s = 1.40 if c["layout"] == "order-0" else 0.70
        for r in c["runs"]:
            r["ns"] = [int(v * s) for v in r["ns"]]
    json.dump(d, open("%s/%s-b.json" % (out, tag), "w"))
PYEOF
		for f in old-a old-b new-a new-b; do
			curl -sf -o /dev/null -H "Authorization: Bearer $tok" --data-binary @"$T/$f.json" "$URL/api/v1/runs" ||
				fail "upload $f"
		done
		for tag in old:2222222222222222222222222222222222222222 new:4444444444444444444444444444444444444444; do
			curl -sf "$URL/api/v1/compare?host=noisy&head=${tag#*:}" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
v = {r["layout"]: r["verdict"] for r in d["rows"] if r["metric"] == "ns"}
print("spread %s seed %s %s: order-0 %s, pmd %s" % (sys.argv[1], sys.argv[2], sys.argv[3], v["order-0"], v["pmd"]))
' "$spread" "$seed" "${tag%%:*}"
		done
		stop_daemon
	done
done

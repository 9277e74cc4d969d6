#!/usr/bin/env bash
# Change points along a host's kernels: 16 kernels uploaded in order, the
# order-0 fork 4% slower from the 10th on, each neighbour pair within a
# regression's reach or not: E-divisive names the step and nothing else.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/db" "$T/docs"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "lab-e"}' "$URL/api/v1/hosts" >"$T/reg.json" || fail "register"
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/reg.json")
"$PY" - "$T/docs" <<'PYEOF'
import json, random, sys, uuid
rnd = random.Random(9)
for i in range(16):
    mean = 5_000_000 * (1.04 if i >= 9 else 1.0) * (1 + rnd.gauss(0, 0.003))
    runs = [{"index": r, "ok": True, "error": None,
             "ns": [int(mean * (1 + rnd.gauss(0, 0.002))) for _ in range(3)], "counters": {}}
            for r in range(8)]
    commit = "%012x" % (0xc0ffee000000 + i)
    doc = {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
           "host": {"hostname": "lab-e", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34,
                    "page_size": 4096},
           "kernel": {"release": "6.9.0-g" + commit, "commit": commit},
           "params": {"size_bytes": 1 << 30, "runs": 8, "iterations": 3, "warmup": 0},
           "cases": [{"workload": "fork", "layout": "order-0", "order": 0, "mapping": "pte",
                      "iterations": 3, "layout_check": {"ok": True, "reason": None},
                      "counters": {}, "runs_ok": 8, "runs": runs}]}
    json.dump(doc, open("%s/k%02d.json" % (sys.argv[1], i), "w"))
PYEOF
for f in "$T"/docs/k*.json; do
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$f" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $f: $code $(cat "$T/up.json")"
done
curl -sf "$URL/api/v1/changepoints?host=lab-e&workload=fork&layout=order-0" >"$T/cp.json" ||
	fail "GET changepoints"
"$PY" - "$T/cp.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["kernels"]) == 16, d["kernels"]
cps = d["change_points"]
assert len(cps) == 1, cps
c = cps[0]
assert c["kernel"] == "%012x" % (0xc0ffee000000 + 9), c
assert 3 < c["change_pct"] < 5 and c["p"] <= 0.01, c
print("change point ok:", c)
PYEOF
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/api/v1/changepoints?host=lab-e")
[ "$code" = 400 ] || fail "missing workload: $code"
code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/api/v1/changepoints?host=nobody&workload=fork&layout=order-0")
[ "$code" = 404 ] || fail "unknown host: $code"
echo ok

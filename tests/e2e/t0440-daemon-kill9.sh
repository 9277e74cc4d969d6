#!/usr/bin/env bash
# forkwatchd killed with SIGKILL in the middle of concurrent uploads, a
# few times: a small bench/durability.sh (3 writers, 3 kills).  After each
# restart every upload that was acknowledged is there, whole, none twice,
# no half-stored run, and PRAGMA integrity_check says ok; then the writers
# re-send what was not acknowledged and every document is there once.
. "$(dirname "$0")/lib.sh"
need_root # bench/server-common.sh checks for root: it can make its documents with forkwatch
command -v gcc >/dev/null || skip "needs gcc"
[ -f /usr/include/curl/curl.h ] || [ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] ||
	[ -f "/usr/include/$(gcc -dumpmachine)/curl/curl.h" ] || skip "needs libcurl's headers (libcurl4-openssl-dev)"

# the document every upload varies: the shape of a real one (4 cases, 8
# runs of 100 iterations, time and two counters), about 100 kB, so that
# uploads are still in flight when the kill comes
"$PY" "$top/tests/e2e/daemon-doc.py" make --out "$T/small.json"
"$PY" - "$T/small.json" "$T/template.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["params"].update(runs=8, iterations=100, fresh_iterations=100)
cases = []
for wl in ("fork", "munmap"):
    for layout, order, mapping in (("order-0", 0, "pte"), ("pmd", 9, "pmd")):
        runs = []
        for r in range(8):
            ns = [100000 * (order + 1) + 37 * r + 11 * i for i in range(100)]
            runs.append({"index": r, "ok": True, "error": None, "ns": ns,
                         "counters": {"tlb_flushes": [2 + (i % 3 == 0) for i in range(100)],
                                      "page_faults": [1] * 100},
                         "counter_times": [{"metrics": ["tlb_flushes", "page_faults"],
                                            "enabled_ns": ns, "running_ns": ns}]})
        cases.append({"workload": wl, "layout": layout, "order": order, "mapping": mapping,
                      "iterations": 100,
                      "layout_check": {"ok": True, "runs_verified": 8, "runs": 8,
                                       "folios": {str(order): 16384 >> order}, "reason": None},
                      "counters": {"cycles": {"status": "unsupported", "reason": "no PMU in this test"},
                                   "tlb_flushes": {"status": "ok", "event": "tlb:tlb_flush", "multiplexed": False},
                                   "page_faults": {"status": "ok", "event": "perf::PAGE-FAULTS", "multiplexed": False}},
                      "runs_ok": 8, "runs": runs})
d["cases"] = cases
json.dump(d, open(sys.argv[2], "w"))
PYEOF

say "bench/durability.sh: 240 documents, 3 writers, 3 kills"
rc=0
# bounded: a daemon that stalls its writers must fail the test, not hang the suite
TEMPLATE=$T/template.json N=240 ROUNDS=3 CLIENTS=3 OUT=$T/dur SEED=1616 \
	FORKWATCHD=${FWD:-$top/build/$arch/forkwatchd} timeout -k 10 300 bash "$top/bench/durability.sh" \
	>"$T/dur.txt" 2>"$T/dur.err" || rc=$?
cat "$T/dur.txt"
case $rc in
0) ;;
3) fail "an acknowledged upload is missing, half stored or twice there, or the database is damaged" ;;
124 | 137) tail -20 "$T/dur.err"; fail "bench/durability.sh did not finish within 300 s" ;;
*) tail -20 "$T/dur.err"; fail "bench/durability.sh exited $rc" ;;
esac
# the kills came while uploads were in flight (some of them, at least once)
"$PY" - "$T/dur/checks.txt" <<'PYEOF' || fail "the kills"
import json, sys
c = [json.loads(l) for l in open(sys.argv[1])]
kills = [x for x in c if x["tag"].startswith("kill-")]
assert len(kills) == 3, c
assert all(x["integrity"] == "ok" and not x["acked_missing"] and not x["half_stored"] for x in kills), kills
assert sum(x["inflight"] for x in kills) > 0, ("no upload was in flight at any kill", kills)
final = [x for x in c if x["tag"] == "final"][0]
assert final["stored"] == final["generated"] == 240 and not final["duplicates"], final
print("    %d uploads in flight at the kills, %d of them committed before; all 240 stored once"
      % (sum(x["inflight"] for x in kills), sum(x["inflight_stored"] for x in kills)))
PYEOF
echo ok

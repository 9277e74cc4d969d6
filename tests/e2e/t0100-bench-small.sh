#!/usr/bin/env bash
# A small matrix end to end (64 MiB, 2 runs x 5 iterations): every case's
# layout verified, every counter present with per-iteration values or
# unsupported with a reason, each supported counter above 0 in every
# iteration where the call cannot but count (task clock, cycles,
# instructions, the fork's page fault, TLB flushes), the document
# well-formed.
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"

layouts=order-0,order-9,pmd
[ -d /sys/kernel/mm/transparent_hugepage/hugepages-64kB ] && layouts=order-0,order-4,order-9,pmd
say "bench --layouts $layouts"
rc=0
"$FW" bench --wait --size 64M --runs 2 --iterations 5 --warmup 2 --layouts "$layouts" \
	--json "$T/r.json" >"$T/table" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; fail "bench exited $rc"; }
cat "$T/table"
# not a terminal: a line per run, the second with the time left estimated from the first
grep -q '^forkwatch: run 1/2 ([0-9]*s elapsed)$' "$T/err" || { cat "$T/err"; fail "no progress line of run 1"; }
grep -q '^forkwatch: run 2/2 ([0-9]*s elapsed, about [0-9ms]* left)$' "$T/err" ||
	{ cat "$T/err"; fail "the progress line of run 2 does not say how long is left"; }
grep -q '^| fork  ' "$T/table" || fail "no fork table"
grep -q '^| munmap' "$T/table" || fail "no munmap table"

"$PY" - "$T/r.json" "$layouts" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
layouts = sys.argv[2].split(",")
def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)
check(doc["format"] == "forkwatch-result/1", "format")
check(len(doc["run_uuid"]) == 36, "run_uuid")
for k in ("hostname", "arch", "cpus", "mem_bytes", "page_size"):
    check(k in doc["host"], "host." + k)
for k in ("release", "commit", "parent_commit", "version", "build_id"):
    check(k in doc["kernel"], "kernel." + k)
p = doc["params"]
check(p["size_bytes"] == 64 << 20 and p["runs"] == 2 and p["iterations"] == 5, "params")
cases = doc["cases"]
check(len(cases) == 2 * len(layouts), "one case per workload and layout: %d" % len(cases))
metrics = ["cycles", "instructions", "dtlb_misses", "cache_misses", "tlb_flushes",
           "page_faults", "task_clock_ns"]
for c in cases:
    name = c["workload"] + " " + c["layout"]
    check(c["layout"] in layouts, name + ": layout")
    lc = c["layout_check"]
    check(lc["ok"] is True, name + ": layout not verified: %s" % lc.get("reason"))
    order = c["order"]
    check(lc["folios"].get(str(order), 0) * (1 << order) * doc["host"]["page_size"] == p["size_bytes"],
          name + ": folio histogram %s" % lc["folios"])
    check(len(c["runs"]) == 2, name + ": runs")
    check(sorted(c["counters"]) == sorted(metrics), name + ": counters %s" % sorted(c["counters"]))
    for m, st in c["counters"].items():
        if st["status"] == "ok":
            check(st["event"], name + ": " + m + " event")
        else:
            check(st["status"] == "unsupported" and len(st["reason"]) > 10,
                  name + ": " + m + " unsupported without a reason")
    n = c["iterations"]
    for r in c["runs"]:
        check(r["ok"] is True, name + ": run failed: %s" % r["error"])
        check(r["layout_check"]["before"]["ok"] and r["layout_check"]["after"]["ok"],
              name + ": run layout check")
        check(len(r["ns"]) == n and all(isinstance(x, int) and x > 0 for x in r["ns"]),
              name + ": ns %s" % r["ns"])
        # a run's cost holds its measured iterations, which hold the timed calls
        check(r["wall_s"] >= r["measured_s"] >= sum(r["ns"]) / 1e9 > 0,
              name + ": wall_s %s >= measured_s %s >= sum(ns) %s" %
              (r["wall_s"], r["measured_s"], sum(r["ns"]) / 1e9))
        for m, st in c["counters"].items():
            if st["status"] == "ok":
                v = r["counters"][m]
                check(len(v) == n and all(isinstance(x, int) for x in v),
                      name + ": " + m + " values %s" % v)
            else:
                check(m not in r["counters"], name + ": unsupported " + m + " has values")
        for g in r["counter_times"]:
            check(len(g["enabled_ns"]) == n and len(g["running_ns"]) == n, name + ": counter_times")
            check(all(run <= en for en, run in zip(g["enabled_ns"], g["running_ns"])),
                  name + ": running > enabled")
    # What must have counted something in every measured call, where the
    # machine counts it: the call runs (task clock, cycles, instructions);
    # the parent's first write after fork() is a COW fault on its own stack
    # (page faults); fork() write-protects the parent's pages and munmap()
    # unmaps them, and both flush the TLB (tlb:tlb_flush).  A 0 there is a
    # counter that was not counting, never a measurement.
    must = {"task_clock_ns": ("fork", "munmap"), "cycles": ("fork", "munmap"),
            "instructions": ("fork", "munmap"), "page_faults": ("fork",),
            "tlb_flushes": ("fork", "munmap")}
    for m, wls in must.items():
        if c["counters"][m]["status"] != "ok" or c["workload"] not in wls:
            continue
        for r in c["runs"]:
            v = r["counters"][m]
            check(all(x is not None and x > 0 for x in v),
                  "%s: run %d: %s counted nothing in some iteration: %s" % (name, r["index"], m, v))
print("document ok:", len(cases), "cases")
PYEOF

say "--json - writes the document alone to standard output"
"$FW" bench --wait --size 4M --runs 1 --iterations 2 --warmup 0 --layouts order-0 --workloads fork \
	--kernel-commit 0123456789abcdef0123456789abcdef01234567 --parent-commit abcdef012345 \
	--json - >"$T/stdout.json" 2>"$T/err"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); k=d["kernel"]; assert k["commit"]=="0123456789abcdef0123456789abcdef01234567" and k["commit_source"]=="option" and k["parent_commit"]=="abcdef012345", k' "$T/stdout.json"
grep -q '| order-0' "$T/err" || fail "the table should go to stderr with --json -"
echo ok

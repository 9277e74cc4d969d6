#!/usr/bin/env bash
# The workloads beyond the review thread's two, end to end on this
# machine's kernel (64 MiB, 2 runs): mprotect and mremap reuse one region
# per run, dontneed needs a fresh one per iteration (--fresh-iterations).
# Every run of every case verifies its layout before and after: mremap's
# region where it moved to, dontneed's region before it was zapped.  The
# terminal table and the document cover them; forkwatchd takes the
# document and shows its cases.  --workloads all, and the older spelling
# --munmap-iterations.  mremap counts apart: its counters read one move
# each, in a pass of untimed moves after the timed ones.
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"

layouts=order-0,order-9,pmd
[ -d /sys/kernel/mm/transparent_hugepage/hugepages-64kB ] && layouts=order-0,order-4,order-9,pmd
say "bench --workloads mprotect,mremap,dontneed --layouts $layouts"
rc=0
"$FW" bench --wait --size 64M --runs 2 --iterations 4 --fresh-iterations 2 --warmup 1 --layouts "$layouts" \
	--workloads mprotect,mremap,dontneed --json "$T/r.json" >"$T/table" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; fail "bench exited $rc"; }
cat "$T/table"
for w in mprotect mremap dontneed; do
	grep -q "^| $w " "$T/table" || fail "no $w table"
done
grep -q '^| fork \|^| munmap ' "$T/table" && fail "tables of workloads not asked for"
grep -q 'MISMATCH' "$T/table" && fail "a layout did not verify"

"$PY" - "$T/r.json" "$layouts" <<'PYEOF' || fail "the document"
import json, sys
doc = json.load(open(sys.argv[1]))
layouts = sys.argv[2].split(",")
def check(cond, msg):
    if not cond:
        print("FAIL:", msg); sys.exit(1)
p = doc["params"]
check(p["workloads"] == ["mprotect", "mremap", "dontneed"], "params.workloads %r" % p["workloads"])
check(p["iterations"] == 4 and p["fresh_iterations"] == 2 and "munmap_iterations" not in p, "params %r" % p)
cases = doc["cases"]
check([(c["workload"], c["layout"]) for c in cases] ==
      [(w, l) for l in layouts for w in ("mprotect", "mremap", "dontneed")], "cases in run order")
page = doc["host"]["page_size"]
for c in cases:
    name = c["workload"] + " " + c["layout"]
    n = 2 if c["workload"] == "dontneed" else 4
    check(c["iterations"] == n, name + ": iterations %d" % c["iterations"])
    check(c["layout_check"]["ok"] is True and c["layout_check"]["runs_verified"] == 2,
          name + ": layout not verified: %s" % c["layout_check"]["reason"])
    order = c["order"]
    check(c["counted_apart"] is (c["workload"] == "mremap"), name + ": counted_apart %r" % c["counted_apart"])
    for r in c["runs"]:
        check(r["ok"] is True, name + ": run failed: %s" % r["error"])
        check(len(r["ns"]) == n and all(x > 0 for x in r["ns"]), name + ": ns %s" % r["ns"])
        for when in ("before", "after"):
            lc = r["layout_check"][when]
            check(lc["ok"] is True, "%s: %s: %s" % (name, when, lc["reason"]))
            # the region itself, populated, in whole folios of its order
            check(lc["present_pages"] == lc["pages"] == p["size_bytes"] // page,
                  "%s %s: %d of %d pages present" % (name, when, lc["present_pages"], lc["pages"]))
            check(lc["folios"].get(str(order), 0) << order == lc["pages"], "%s %s: folios %s" % (name, when, lc["folios"]))
            check((lc["anon_huge_kb"] << 10 == p["size_bytes"]) == (c["layout"] == "pmd"),
                  "%s %s: AnonHugePages %d kB" % (name, when, lc["anon_huge_kb"]))
        for m, st in c["counters"].items():
            if st["status"] == "ok":
                check(len(r["counters"][m]) == n and None not in r["counters"][m], name + ": " + m)
    # each call zaps, moves or protects the whole region: it flushes the TLB
    if c["counters"]["tlb_flushes"]["status"] == "ok":
        check(all(min(r["counters"]["tlb_flushes"]) >= 1 for r in c["runs"]),
              name + ": no TLB flush per operation: %s" % [r["counters"]["tlb_flushes"] for r in c["runs"]])
    # mremap counts apart: each reading is one untimed move's, one flush
    # per PMD moved on x86-64 6.18 (one more in the direction whose move
    # frees a page table), twice that where the worker had run on the
    # other CPU (tlb:tlb_flush also counts the IPIs sent to it)
    if c["workload"] == "mremap" and c["counters"]["tlb_flushes"]["status"] == "ok":
        pmds = p["size_bytes"] // (page * page // 8)
        flushes = [x for r in c["runs"] for x in r["counters"]["tlb_flushes"]]
        check(all(1 <= x <= 2 * pmds + 2 for x in flushes), name + ": TLB flushes %s, %d PMDs moved" % (flushes, pmds))
print("document ok:", len(cases), "cases")
PYEOF

say "forkwatchd takes the document and shows every case"
. "$(dirname "$0")/daemon-lib.sh"
mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
host=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["host"]["hostname"])' "$T/r.json")
expect 201 POST /api/v1/hosts -H "Authorization: Bearer $(cat "$T/db/admin.token")" \
	-d "$("$PY" -c 'import json,sys; print(json.dumps({"hostname": sys.argv[1], "name": "lab"}))' "$host")"
tok=$(jget "$T/body" 'd["token"]')
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/r.json"
expect 200 GET /runs/1
for w in mprotect mremap dontneed; do
	grep -q "<h3>$w order-0</h3>" "$T/body" || fail "/runs/1 lacks $w"
done
expect 200 GET /hosts/lab
grep -q '<figcaption>mremap pmd</figcaption>' "$T/body" || fail "/hosts/lab has no mremap trend"
stop_daemon

say "--workloads all: every workload of the table, as --help lists it"
"$FW" bench --help | sed -n '/^Workloads:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .*/\1/p' >"$T/table-names"
grep -qx mremap "$T/table-names" || fail "bench --help does not list the workloads: $(cat "$T/table-names")"
"$FW" bench --wait --size 4M --runs 1 --iterations 2 --warmup 0 --layouts order-0 --workloads all \
	--quiet --json "$T/all.json" >"$T/table" 2>"$T/err" || { cat "$T/err"; fail "bench --workloads all"; }
"$PY" -c 'import json,sys; d = json.load(open(sys.argv[1])); w = [c["workload"] for c in d["cases"]]; want = open(sys.argv[2]).read().split(); assert w == want == d["params"]["workloads"], (w, want)' "$T/all.json" "$T/table-names" ||
	fail "--workloads all"

say "--munmap-iterations, the name before 0.2, still sets the fresh-region iterations"
"$FW" bench --wait --size 4M --runs 1 --iterations 3 --munmap-iterations 1 --warmup 0 --layouts order-0 \
	--workloads munmap,dontneed --quiet --json "$T/old.json" >"$T/table" 2>"$T/err" || { cat "$T/err"; fail "bench"; }
grep -q -- '--munmap-iterations is now --fresh-iterations' "$T/err" || fail "no word on the new name: $(cat "$T/err")"
"$PY" -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["params"]["fresh_iterations"] == 1 and all(c["iterations"] == 1 for c in d["cases"]), d["params"]' "$T/old.json" ||
	fail "--munmap-iterations did not set the fresh-region iterations"
echo ok

#!/usr/bin/env bash
# The measurements are physically right, at a small size (64 MiB) with
# enough runs to stand this VM's noise:
#   - fork() of PMD-mapped THPs (32 PMD entries to copy) is clearly faster
#     than of order-0 pages (16384 PTEs): the mean under half, the runs
#     faster by a rank test;
#   - fork() of PTE-mapped order-9 folios is no slower than order-0 beyond
#     the noise (batched PTE copies, and never worse than per-page work);
#   - the TLB flushes and page faults forkwatch counts per fork agree with
#     `perf stat` over a plain fork loop (bench/counters.sh, on this very
#     document, exits 3 when they do not).
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
[ -d /sys/kernel/mm/transparent_hugepage ] || skip "no transparent huge pages in this kernel"

size=64M runs=10 iters=30
say "bench --workloads fork --layouts order-0,order-9,pmd --size $size --runs $runs --iterations $iters"
rc=0
"$FW" bench --wait --workloads fork --layouts order-0,order-9,pmd --size "$size" --runs "$runs" \
	--iterations "$iters" --warmup 3 --json "$T/fork.json" >"$T/table" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; fail "bench exited $rc"; }
cat "$T/table"

rc=0
"$PY" - "$T/fork.json" <<'PYEOF' || rc=$?
import json, math, statistics as st, sys
try:
    from scipy.stats import mannwhitneyu
except ImportError:
    print("skip: needs scipy (/usr/bin/python3, apt-get install python3-scipy)"); sys.exit(77)
doc = json.load(open(sys.argv[1]))
means = {}
for c in doc["cases"]:
    lc = c["layout_check"]
    if not lc["ok"]:
        print("FAIL: %s: layout not verified: %s" % (c["layout"], lc["reason"])); sys.exit(1)
    # per run, the mean fork time: the unit of replication
    means[c["layout"]] = [st.mean(r["ns"]) for r in c["runs"] if r["ok"]]
for l in ("order-0", "order-9", "pmd"):
    v = means.get(l, [])
    if len(v) < 5:
        print("FAIL: %s: %d runs measured" % (l, len(v))); sys.exit(1)
    print("    %-8s mean %8.1f us, sd %4.1f%%, runs %s us" % (
        l, st.mean(v) / 1e3, 100 * st.stdev(v) / st.mean(v), " ".join("%.0f" % (x / 1e3) for x in v)))
m0, m9, mp = means["order-0"], means["order-9"], means["pmd"]
ok = True
# pmd: clearly faster; a preempted run may stray, the bulk may not: the
# mean under half, and the runs faster by a rank test (one-sided
# Mann-Whitney, p < 0.01), which a few strays do not turn
faster = sum(p < z for p in mp for z in m0) / (len(mp) * len(m0))
p = mannwhitneyu(mp, m0, alternative="less").pvalue
print("    pmd run faster than order-0 run in %.0f%% of the pairs (Mann-Whitney p = %.2g)" % (100 * faster, p))
if not (p < 0.01 and st.mean(mp) < 0.5 * st.mean(m0)):
    print("FAIL: pmd is not clearly faster than order-0: faster in %.0f%% of the pairs of runs "
          "(p = %.2g), means %.0f / %.0f us" % (100 * faster, p, st.mean(mp) / 1e3, st.mean(m0) / 1e3))
    ok = False
# order-9: no slower than order-0 beyond the noise (3 standard errors of the ratio, 5% at least)
ratio = st.mean(m9) / st.mean(m0)
se = math.sqrt((st.stdev(m9) / st.mean(m9)) ** 2 / len(m9) + (st.stdev(m0) / st.mean(m0)) ** 2 / len(m0))
margin = max(0.05, 3 * se)
print("    order-9 / order-0 = %.3f (no slower: at most 1 + %.3f); pmd / order-0 = %.3f"
      % (ratio, margin, st.mean(mp) / st.mean(m0)))
if ratio > 1 + margin:
    print("FAIL: PTE-mapped order-9 forks %.1f%% slower than order-0, beyond the noise (%.1f%%)"
          % (100 * (ratio - 1), 100 * margin))
    ok = False
sys.exit(0 if ok else 1)
PYEOF
[ $rc -ne 77 ] || skip "needs scipy (python3-scipy)"
[ $rc -eq 0 ] || fail "fork times"

say "TLB flushes and page faults per fork against perf stat (bench/counters.sh on this document)"
command -v perf >/dev/null || skip "no perf (apt-get install linux-perf)"
rc=0
FW_JSON=$T/fork.json SIZE=$size REPEAT=3 FORKS=200 OUT=$T/counters FORKWATCH=$FW \
	bash "$top/bench/counters.sh" >"$T/counters.txt" 2>"$T/counters.err" || rc=$?
case $rc in
0) sed -n '/^per fork/,/^$/p' "$T/counters.txt"; tail -1 "$T/counters.txt" ;;
2) cat "$T/counters.err"; skip "bench/counters.sh cannot run here: $(tail -1 "$T/counters.err")" ;;
3) cat "$T/counters.txt"; fail "forkwatch's counts disagree with perf stat's" ;;
*) cat "$T/counters.txt" "$T/counters.err"; fail "bench/counters.sh exited $rc" ;;
esac
echo ok

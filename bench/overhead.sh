#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Harness overhead of forkwatch: its times of each workload next to a plain
# loop written apart from it (bench/plain-fork.c), same layouts, size,
# runs, iterations and warm-up, in interleaved rounds.  See bench/README.md.
#
#   sudo bench/overhead.sh                      # fork, 1 GiB, 3 rounds of 8 x 100
#   sudo SIZE=256M ROUNDS=1 bench/overhead.sh   # a quick check
#   sudo WORKLOADS=mprotect,mremap,dontneed SIZE=256M bench/overhead.sh
#
# Environment: WORKLOADS (fork), SIZE (1G), ROUNDS (3), RUNS (8), ITERS (100),
# FRESH_ITERS (10: of munmap and dontneed, which need a fresh region per
# iteration), WARMUP (3), EVENTS (forkwatch's --events; its default set
# when empty), PLAIN_TRACEPOINT (none; e.g. tlb:tlb_flush: the plain loop
# counts that tracepoint as forkwatch counts: around each call, or for
# mremap, which counts apart, in a second pass after the timed calls; tracefs is
# mounted for the duration when it is not), PLACEMENT (free: no affinity for
# either tool; same: forkwatch --placement same and plain-fork --pin on the
# same CPU, the highest this shell may use; split: --placement split and
# --pin P,C alike), FORKWATCH (build/<arch>/forkwatch), OUT
# (bench/out/overhead-<time>); ANALYSE=DIR prints the figures of an
# earlier run's files (its OUT) without measuring.
# Prints figures and PASS/FAIL against the targets.  Exits 0 when every
# target is met, 3 when one is missed (named on the last line), 2 when it
# cannot run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

WORKLOADS=${WORKLOADS:-fork}
SIZE=${SIZE:-1G}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-8}
ITERS=${ITERS:-100}
FRESH_ITERS=${FRESH_ITERS:-10}
WARMUP=${WARMUP:-3}
EVENTS=${EVENTS:-}
PLAIN_TRACEPOINT=${PLAIN_TRACEPOINT:-}
PLACEMENT=${PLACEMENT:-free}
[[ -z $PLAIN_TRACEPOINT || $PLAIN_TRACEPOINT =~ ^[a-z0-9_]+:[a-z0-9_]+$ ]] ||
	die "PLAIN_TRACEPOINT='$PLAIN_TRACEPOINT': expected SYSTEM:NAME, like tlb:tlb_flush"
LAYOUTS=order-0,order-9,pmd
placement_cpus
plain_pin "$PLACEMENT"
MB=$(size_mb "$SIZE")
posint ROUNDS "$ROUNDS"
posint RUNS "$RUNS"
posint ITERS "$ITERS"
posint FRESH_ITERS "$FRESH_ITERS"

# measured iterations per run of workload $1: fewer where each needs a fresh region
iters_of() {
	if wl_fresh "$1"; then echo "$FRESH_ITERS"; else echo "$ITERS"; fi
}
wholenum WARMUP "$WARMUP"
((MB % 2 == 0)) || die "SIZE='$SIZE': must be a multiple of 2 MiB"

# report DIR ROUNDS WORKLOADS: the table and the verdicts of a run's
# files; exits 3 when a target is missed
report() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import json, math, os, statistics, sys

out, rounds, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
layouts = ["order-0", "order-9", "pmd"]
target = {"order-0": 2.0, "order-9": 2.0, "pmd": 5.0}
ratio_target = 3.0

def mean(v):
    return sum(v) / len(v)

def sd(v):
    if len(v) < 2:
        return float("nan")
    m = mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))

fw = {(w, l): [] for w in workloads for l in layouts}   # per-run means, all rounds
pl = {(w, l): [] for w in workloads for l in layouts}
fw_r = {}                          # (round, workload, layout) -> per-run means
pl_r = {}
dropped = []
missed = []
for r in range(1, rounds + 1):
    for w in workloads:
        doc = json.load(open(os.path.join(out, f"forkwatch-{r}-{w}.json")))
        for c in doc["cases"]:
            if c["workload"] != w or (w, c["layout"]) not in fw:
                continue
            for run in c["runs"]:
                lc = run.get("layout_check") or {}
                ok = run["ok"] and run["ns"] and all(
                    (lc.get(k) or {}).get("ok") for k in ("before", "after"))
                if not ok:
                    why = run.get("error") or next(
                        ((lc.get(k) or {}).get("reason") for k in ("before", "after")
                         if not (lc.get(k) or {}).get("ok")), "?")
                    dropped.append(f"forkwatch round {r} {w} {c['layout']} run {run['index']}: {why}")
                    continue
                m = mean(run["ns"])
                fw[(w, c["layout"])].append(m)
                fw_r.setdefault((r, w, c["layout"]), []).append(m)
        for line in open(os.path.join(out, f"plain-{r}-{w}.txt")):
            l, _, m = line.split()
            pl[(w, l)].append(float(m))
            pl_r.setdefault((r, w, l), []).append(float(m))
        for line in open(os.path.join(out, f"plain-{r}-{w}.log")):
            if line.strip():
                dropped.append(f"plain-fork round {r} {w}: {line.strip()}")

def fmt_ns(x):
    return f"{x / 1e3:9.1f}us" if x < 1e6 else f"{x / 1e6:9.3f}ms"

print()
print("time of the call: mean of the per-run means over all rounds; sd = stdev of")
print("the per-run means in % of their mean; +-95% ~ 2 standard errors; median: the")
print("overhead of the medians of the per-run means, which a few runs at a process's")
print("slower level (each fresh process settles at its own) move less than the means")
for w in workloads:
    print()
    print(f"{w:8} {'forkwatch':>11} {'sd':>6} {'n':>3}   {'plain':>11} {'sd':>6} {'n':>3}"
          f"   {'overhead':>8} {'+-95%':>6} {'median':>7}   target   verdict")
    res = {}
    for l in layouts:
        a, b = fw[(w, l)], pl[(w, l)]
        if not a or not b:
            print(f"{l:8} no data (forkwatch {len(a)} runs, plain {len(b)} runs)")
            missed.append(f"{w} {l}: no data")
            continue
        ma, mb = mean(a), mean(b)
        ov = (ma / mb - 1) * 100
        se = math.sqrt((sd(a) / ma) ** 2 / len(a) + (sd(b) / mb) ** 2 / len(b)) \
            if len(a) > 1 and len(b) > 1 else float("nan")
        ci = 2 * se * (ma / mb) * 100
        med = (statistics.median(a) / statistics.median(b) - 1) * 100
        res[l] = (ma, mb)
        verdict = "PASS" if ov <= target[l] else "FAIL"
        if verdict == "FAIL":
            missed.append(f"{w} {l}: overhead {ov:+.2f}% > {target[l]:.0f}%")
        print(f"{l:8} {fmt_ns(ma):>11} {100 * sd(a) / ma:5.1f}% {len(a):3}   "
              f"{fmt_ns(mb):>11} {100 * sd(b) / mb:5.1f}% {len(b):3}   "
              f"{ov:+7.2f}% {ci:5.2f}% {med:+6.2f}%   <= {target[l]:.0f}%    {verdict}")
    if "order-0" in res and "order-9" in res:
        rf = res["order-9"][0] / res["order-0"][0]
        rp = res["order-9"][1] / res["order-0"][1]
        diff = (rf / rp - 1) * 100
        verdict = "PASS" if abs(diff) <= ratio_target else "FAIL"
        if verdict == "FAIL":
            missed.append(f"{w} order-9/order-0 ratio {diff:+.2f}% off the plain loop's")
        print(f"{w} order-9/order-0 ratio: forkwatch {rf:.4f}, plain {rp:.4f}, "
              f"relative difference {diff:+.2f}% (target within +-{ratio_target:.0f}%)   {verdict}")
    else:
        print(f"{w} order-9/order-0 ratio: no data")
        missed.append(f"{w} order-9/order-0 ratio: no data")

print()
print("per round (overhead % per workload and layout; which tool ran first):")
for r in range(1, rounds + 1):
    first = open(os.path.join(out, f"first-{r}")).read().strip()
    for w in workloads:
        cells = []
        for l in layouts:
            a, b = fw_r.get((r, w, l)), pl_r.get((r, w, l))
            cells.append(f"{l} {(mean(a) / mean(b) - 1) * 100:+6.2f}%" if a and b else f"{l}   n/a")
        print(f"  round {r} {w:8} ({first + ' first':15}): " + "   ".join(cells))

if dropped:
    print()
    print("left out of the figures:")
    for d in dropped:
        print("  " + d)
print()
print("targets: harness overhead (forkwatch/plain - 1) <= 2% for order-0 and order-9, <= 5% for")
print("pmd; order-9/order-0 ratio of forkwatch within 3% of the plain loop's.  Figures, not")
print("tests: judge a FAIL against the +-95% column and the run-to-run sd.")
print()
if missed:
    print("targets missed: " + "; ".join(missed))
    sys.exit(3)
print("every target met")
EOF
}

if [[ -n ${ANALYSE:-} ]]; then
	[[ -d $ANALYSE ]] || die "ANALYSE='$ANALYSE': no such directory"
	ROUNDS=$(find "$ANALYSE" -maxdepth 1 -name 'first-*' | wc -l)
	((ROUNDS > 0)) || die "ANALYSE='$ANALYSE': no first-N in it"
	WORKLOADS=$(find "$ANALYSE" -maxdepth 1 -name 'forkwatch-1-*.json' -printf '%f\n' |
		sed 's/^forkwatch-1-//; s/\.json$//' | sort | paste -sd,)
	[[ -n $WORKLOADS ]] || die "ANALYSE='$ANALYSE': no forkwatch-1-WORKLOAD.json in it"
	report "$ANALYSE" "$ROUNDS" "$WORKLOADS"
	exit 0
fi
load_workloads
check_workloads WORKLOADS "$WORKLOADS"
IFS=, read -ra WLS <<<"$WORKLOADS"

# plain-fork checks the layouts as the THP knobs are: not while another
# benchmark has them changed
bench_lock
preflight
bench_unlock
OUT=${OUT:-$BENCH_DIR/out/overhead-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
cleanup() {
	thp_restore
	tracefs_umount
}
thp_snapshot
trap cleanup EXIT
[[ -z $PLAIN_TRACEPOINT ]] || tracefs_mount
[[ -z $PLAIN_TRACEPOINT || -d $TRACEFS/events/${PLAIN_TRACEPOINT/://} ]] ||
	die "PLAIN_TRACEPOINT=$PLAIN_TRACEPOINT: no such tracepoint in $TRACEFS/events"

run_forkwatch() { # ROUND WORKLOAD
	if ! "$FORKWATCH" bench --wait --workloads "$2" --layouts "$LAYOUTS" --size "${MB}M" \
		--runs "$RUNS" --iterations "$ITERS" --fresh-iterations "$FRESH_ITERS" --warmup "$WARMUP" \
		--placement "$PLACEMENT" ${EVENTS:+--events "$EVENTS"} --quiet --json "$OUT/forkwatch-$1-$2.json" >"$OUT/forkwatch-$1-$2.log" 2>&1; then
		tail -n 20 "$OUT/forkwatch-$1-$2.log" >&2
		echo "${0##*/}: forkwatch failed in round $1 (log: $OUT/forkwatch-$1-$2.log)" >&2
		exit 1
	fi
}

run_plain() { # ROUND WORKLOAD
	# layouts interleaved run by run, as forkwatch does; a failed run is
	# reported on stderr and left out of the figures
	# Under the machine's benchmark lock, as forkwatch runs
	bench_lock
	# where forkwatch counts a workload apart (+ in its table), so does the plain loop
	local tp_flag=--tracepoint
	wl_apart "$2" && tp_flag=--tracepoint-after
	if ! "$PLAIN" --workload "$2" "${PLAIN_PIN[@]}" ${PLAIN_TRACEPOINT:+"$tp_flag" "$PLAIN_TRACEPOINT"} "$LAYOUTS" "${MB}M" "$RUNS" "$(iters_of "$2")" "$WARMUP" \
		>"$OUT/plain-$1-$2.txt" 2>"$OUT/plain-$1-$2.log"; then
		cat "$OUT/plain-$1-$2.log" >&2
		if [[ ! -s $OUT/plain-$1-$2.txt ]]; then
			echo "${0##*/}: plain-fork --workload $2 failed in round $1" >&2
			exit 1
		fi
	fi
	bench_unlock
}

echo "forkwatch harness overhead: $WORKLOADS, ${MB} MiB, layouts $LAYOUTS,"
echo "$ROUNDS round(s) of $RUNS runs x $ITERS iterations ($FRESH_ITERS of munmap and dontneed)"
echo "after $WARMUP warm-up iterations, each tool, placement $PLACEMENT${PLAIN_PIN[*]:+ (plain-fork ${PLAIN_PIN[*]})}${EVENTS:+; forkwatch counts $EVENTS}${PLAIN_TRACEPOINT:+; plain-fork counts $PLAIN_TRACEPOINT}; kernel $(uname -r), $(nproc) CPUs; files in $OUT"
for ((r = 1; r <= ROUNDS; r++)); do
	for w in "${WLS[@]}"; do
		if ((r % 2)); then
			echo "round $r/$ROUNDS, $w: forkwatch, then plain-fork" >&2
			run_forkwatch "$r" "$w"
			run_plain "$r" "$w"
			echo forkwatch >"$OUT/first-$r"
		else
			echo "round $r/$ROUNDS, $w: plain-fork, then forkwatch" >&2
			run_plain "$r" "$w"
			run_forkwatch "$r" "$w"
			echo plain >"$OUT/first-$r"
		fi
	done
done

report "$OUT" "$ROUNDS" "$WORKLOADS"

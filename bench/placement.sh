#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run-to-run noise of fork() times under each CPU placement (forkwatch
# bench --placement same|split|free), forkwatch beside the plain loop
# (bench/plain-fork.c --pin) under the same placement, interleaved in one
# session, at each size.  What forkwatch's default placement is chosen
# from.  See bench/README.md.
#
#   flock /tmp/fw-machine.lock bash bench/placement.sh        # ~10 minutes
#   ROUNDS=1 RUNS=2 SIZES=64M bash bench/placement.sh         # a quick check
#   ANALYSE=bench/out/placement-<time> bash bench/placement.sh # the tables again
#
# A session cut short (a tool failed, or stopped by hand) still has its
# figures: ANALYSE= reads the rounds it completed for each placement.
#
# Environment: SIZES ("128M 1G"), ROUNDS (3), RUNS (5), ITERS (20),
# WARMUP (3), LAYOUTS (order-0,order-9), FORKWATCH (build/<arch>/forkwatch),
# OUT (bench/out/placement-<time>).  Exits 0 with the tables, 2 when it
# cannot run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

SIZES=${SIZES:-128M 1G}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
ITERS=${ITERS:-20}
WARMUP=${WARMUP:-3}
LAYOUTS=${LAYOUTS:-order-0,order-9}
PLACEMENTS=(same split free)
posint ROUNDS "$ROUNDS"
posint RUNS "$RUNS"
posint ITERS "$ITERS"
wholenum WARMUP "$WARMUP"
[[ $LAYOUTS =~ ^(order-0|order-9|pmd)(,(order-0|order-9|pmd))*$ ]] ||
	die "LAYOUTS='$LAYOUTS': expected order-0, order-9 and pmd, comma-separated"
MBS=()
for s in $SIZES; do
	mb=$(size_mb "$s")
	((mb % 2 == 0)) || die "SIZES: '$s' is not a multiple of 2 MiB"
	MBS+=("$mb")
done

analyze() { # OUT ROUNDS
	"$PY" - "$1" "$2" "$LAYOUTS" "${MBS[@]}" <<'PYEOF'
import json, math, os, sys

out, rounds, layouts, mbs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4:]
placements = ["same", "split", "free"]

def mean(v):
    return sum(v) / len(v)

def sd(v):
    if len(v) < 2:
        return float("nan")
    m = mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))

runs = {}      # (tool, mb, placement, layout) -> per-run means, all rounds
inv = {}       # the same per round (one invocation)
moved = []
dropped = []
missing = []    # rounds not completed (a session cut short)
for mb in mbs:
    for pl in placements:
        for r in range(1, rounds + 1):
            name = f"{mb}-{pl}-{r}"
            if not all(os.path.exists(os.path.join(out, f)) for f in
                       (f"fw-{name}.json", f"plain-{name}.txt", f"plain-{name}.log")):
                missing.append(name)
                continue
            doc = json.load(open(os.path.join(out, f"fw-{name}.json")))
            if doc["params"].get("placement") != pl:
                sys.exit(f"fw-{name}.json: placement {doc['params'].get('placement')}, not {pl}")
            pc = doc["params"].get("placement_cpus")
            for c in doc["cases"]:
                if c["workload"] != "fork" or c["layout"] not in layouts:
                    continue
                for run in c["runs"]:
                    lc = run.get("layout_check") or {}
                    if not (run["ok"] and run["ns"] and all((lc.get(k) or {}).get("ok") for k in ("before", "after"))):
                        dropped.append(f"forkwatch {name} {c['layout']} run {run['index']}")
                        continue
                    if pc and (run["cpus"]["parent"] != [pc["parent"]] or run["cpus"]["child"] != [pc["child"]]):
                        moved.append(f"forkwatch {name} {c['layout']} run {run['index']}: {run['cpus']}")
                    m = mean(run["ns"])
                    runs.setdefault(("forkwatch", mb, pl, c["layout"]), []).append(m)
                    inv.setdefault(("forkwatch", mb, pl, c["layout"], r), []).append(m)
            for line in open(os.path.join(out, f"plain-{name}.txt")):
                l, _, m = line.split()
                runs.setdefault(("plain", mb, pl, l), []).append(float(m))
                inv.setdefault(("plain", mb, pl, l, r), []).append(float(m))
            for line in open(os.path.join(out, f"plain-{name}.log")):
                if line.strip():
                    dropped.append(f"plain {name}: {line.strip()}")

def fmt_ns(x):
    return f"{x / 1e3:.1f}us" if x < 1e6 else f"{x / 1e6:.3f}ms"

print()
print("fork() time in the parent per run (mean of its iterations); per case:")
print("  mean of the per-run means, sd = run-to-run stdev of the per-run means in %")
print("  of their mean over every round (n runs), sd-in = the mean of the stdevs")
print("  within one invocation (the runs of one process tree, one round)")
print()
hdr = f"{'size':>6} {'layout':8} {'placement':9} | {'forkwatch':>9} {'sd':>6} {'sd-in':>6} {'n':>3} | {'plain':>9} {'sd':>6} {'sd-in':>6} {'n':>3}"
print(hdr)
print("-" * len(hdr))
summary = {}
for mb in mbs:
    for l in layouts:
        for pl in placements:
            cells = []
            for tool in ("forkwatch", "plain"):
                v = runs.get((tool, mb, pl, l), [])
                if not v:
                    cells.append(f"{'-':>9} {'-':>6} {'-':>6} {0:3}")
                    continue
                m = mean(v)
                ins = [sd(inv[(tool, mb, pl, l, r)]) / mean(inv[(tool, mb, pl, l, r)]) * 100
                       for r in range(1, rounds + 1) if len(inv.get((tool, mb, pl, l, r), [])) > 1]
                sdin = mean(ins) if ins else float("nan")
                summary[(tool, mb, pl, l)] = (m, 100 * sd(v) / m)
                cells.append(f"{fmt_ns(m):>9} {100 * sd(v) / m:5.1f}% {sdin:5.1f}% {len(v):3}")
            print(f"{mb + 'M':>6} {l:8} {pl:9} | {cells[0]} | {cells[1]}")
        print()

if "order-0" in layouts and len(layouts) > 1:
    print("time of each layout in % of order-0's (the answer forkwatch gives), per placement:")
    for mb in mbs:
        for l in layouts:
            if l == "order-0":
                continue
            parts = []
            for pl in placements:
                c = []
                for tool in ("forkwatch", "plain"):
                    a, b = summary.get((tool, mb, pl, l)), summary.get((tool, mb, pl, "order-0"))
                    c.append(f"{100 * a[0] / b[0]:5.1f}%" if a and b else "    -")
                parts.append(f"{pl} {c[0]} / {c[1]}")
            print(f"  {mb + 'M':>6} {l}/order-0 (forkwatch / plain): " + ";  ".join(parts))
    print()

print("mean run-to-run sd over the cases (forkwatch / plain):")
for pl in placements:
    f = [summary[k][1] for k in summary if k[0] == "forkwatch" and k[2] == pl]
    p = [summary[k][1] for k in summary if k[0] == "plain" and k[2] == pl]
    if f and p:
        print(f"  {pl:6} {mean(f):5.1f}% / {mean(p):5.1f}%   (worst {max(f):5.1f}% / {max(p):5.1f}%)")
if missing:
    print("\nnot measured (the session stopped first): " + ", ".join(missing))
if moved:
    print("\nforkwatch runs seen on a CPU other than the pinned one:")
    for m in moved:
        print("  " + m)
if dropped:
    print("\nruns left out (failed, or their layout did not verify):")
    for d in dropped:
        print("  " + d)
PYEOF
}
if [[ -n ${ANALYSE:-} ]]; then
	[[ -d $ANALYSE ]] || die "ANALYSE='$ANALYSE': no such directory"
	analyze "$ANALYSE" "$ROUNDS"
	exit 0
fi

preflight
placement_cpus
plain_pin split # refuses early with fewer than two CPUs
OUT=${OUT:-$BENCH_DIR/out/placement-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
thp_snapshot
trap thp_restore EXIT

run_forkwatch() { # NAME MB PLACEMENT
	if ! "$FORKWATCH" bench --workloads fork --layouts "$LAYOUTS" --size "$2M" --runs "$RUNS" \
		--iterations "$ITERS" --warmup "$WARMUP" --placement "$3" --quiet --wait \
		--json "$OUT/$1.json" >"$OUT/$1.log" 2>&1; then
		tail -n 20 "$OUT/$1.log" >&2
		echo "${0##*/}: forkwatch failed ($OUT/$1.log)" >&2
		exit 1
	fi
}

run_plain() { # NAME MB PLACEMENT
	local rc=0
	# under the machine's benchmark lock, as forkwatch bench runs: no other
	# forkwatch changes THP knobs or forks beside it
	bench_lock
	plain_pin "$3"
	"$PLAIN" "${PLAIN_PIN[@]}" "$LAYOUTS" "$2M" "$RUNS" "$ITERS" "$WARMUP" \
		>"$OUT/$1.txt" 2>"$OUT/$1.log" || rc=$?
	bench_unlock
	if ((rc)); then
		cat "$OUT/$1.log" >&2
		if [[ ! -s $OUT/$1.txt ]]; then
			echo "${0##*/}: plain-fork failed ($OUT/$1.log)" >&2
			exit 1
		fi
	fi
}

echo "fork() run-to-run noise per placement: sizes ${MBS[*]} MiB, layouts $LAYOUTS,"
echo "$ROUNDS round(s) of $RUNS runs x $ITERS iterations after $WARMUP warm-up forks, per tool,"
echo "placement and size; same = CPU $PIN_P, split = parent $PIN_P, child $PIN_C"
echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); files in $OUT"
start=$SECONDS
step=0
for ((r = 1; r <= ROUNDS; r++)); do
	for mb in "${MBS[@]}"; do
		for ((k = 0; k < 3; k++)); do
			# rotate the placements' order each round and size, and alternate the tools
			pl=${PLACEMENTS[$(((k + r + step) % 3))]}
			name=$mb-$pl-$r
			echo "round $r/$ROUNDS: ${mb} MiB $pl ($((SECONDS - start))s)" >&2
			if (((k + r) % 2)); then
				run_forkwatch "fw-$name" "$mb" "$pl"
				run_plain "plain-$name" "$mb" "$pl"
			else
				run_plain "plain-$name" "$mb" "$pl"
				run_forkwatch "fw-$name" "$mb" "$pl"
			fi
		done
		step=$((step + 1))
	done
done
echo "took $((SECONDS - start))s; load now $(cut -d' ' -f1-3 /proc/loadavg)"

analyze "$OUT" "$ROUNDS"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counter sanity: TLB flushes and page faults per fork as forkwatch records
# them, next to what `perf stat -e tlb:tlb_flush,page-faults` counts over
# the plain loop (bench/plain-fork.c --count).  See bench/README.md.
#
#   sudo bench/counters.sh                      # 1 GiB
#   sudo SIZE=256M bench/counters.sh            # a quick check
#
# Environment: SIZE (1G), RUNS (2) x ITERS (100) after WARMUP (3) for
# forkwatch (FW_JSON=FILE: that fork document of SIZE instead of a run);
# perf stat runs each variant REPEAT (3) times with FORKS (=ITERS) forks;
# FORKWATCH, PERF (/usr/bin/perf), OUT (bench/out/counters-<time>);
# ANALYSE=DIR prints the table and comparison of an earlier run's files.
# Exits 0 when forkwatch and perf stat agree (see the table's last line),
# 3 when they do not, 2 when it cannot run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

SIZE=${SIZE:-1G}
RUNS=${RUNS:-2}
ITERS=${ITERS:-100}
WARMUP=${WARMUP:-3}
REPEAT=${REPEAT:-3}
FORKS=${FORKS:-$ITERS}
PERF=${PERF:-/usr/bin/perf}
LAYOUTS=(order-0 order-9 pmd)
MB=$(size_mb "$SIZE")
posint RUNS "$RUNS"
posint ITERS "$ITERS"
posint REPEAT "$REPEAT"
posint FORKS "$FORKS"
wholenum WARMUP "$WARMUP"
((MB % 2 == 0)) || die "SIZE='$SIZE': must be a multiple of 2 MiB"
[[ -x $PERF ]] || die "$PERF not found (Debian: apt-get install linux-perf)"

# report DIR REPEAT FORKS LAYOUT...: the table of a run's files and the
# comparison; exits 3 when forkwatch and perf stat disagree
report() {
	"$PY" - "$@" <<'EOF'
import json, math, os, sys

out, repeat, forks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
layouts = sys.argv[4:]
events = {"tlb:tlb_flush": "tlb", "page-faults": "pf"}

def mean(v):
    return sum(v) / len(v) if v else float("nan")

def sd(v):
    if len(v) < 2:
        return float("nan")
    m = mean(v)
    return math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))

def perf_csv(path):
    got = {}
    for line in open(path):
        f = line.strip().split(",")
        if len(f) < 3 or line.startswith("#"):
            continue
        name = f[2].split(":u")[0] if f[2].endswith(":u") else f[2]
        if name in events:
            try:
                got[events[name]] = float(f[0])
            except ValueError:
                raise SystemExit(f"{path}: {name} not counted: {f[0]}")
    if set(got) != set(events.values()):
        raise SystemExit(f"{path}: missing events in perf output")
    return got

# forkwatch: per-iteration counts in the forking worker, fork() call only
doc = json.load(open(os.path.join(out, "forkwatch.json")))
fw, notes = {}, []
for c in doc["cases"]:
    if c["workload"] != "fork":
        continue
    l = c["layout"]
    fw[l] = {}
    if not c["layout_check"]["ok"]:
        notes.append(f"forkwatch {l}: layout check: {c['layout_check']['reason']}")
    for metric, key in (("tlb_flushes", "tlb"), ("page_faults", "pf")):
        st = c["counters"].get(metric, {})
        if st.get("status") != "ok":
            fw[l][key] = None
            notes.append(f"forkwatch {l} {metric}: {st.get('status', 'absent')}: {st.get('reason', '')}")
            continue
        vals = [v for r in c["runs"] if r["ok"] for v in r["counters"].get(metric, []) if v is not None]
        fw[l][key] = (mean(vals), len(vals))

# perf stat: (populate + FORKS forks) - (populate only), per fork, each repeat
pr = {}
for l in layouts:
    for inh in ("no-inherit", "inherit"):
        est = {"tlb": [], "pf": []}
        base = {"tlb": [], "pf": []}
        for rep in range(1, repeat + 1):
            a = perf_csv(os.path.join(out, f"perf-{l}-0-{inh}-{rep}.csv"))
            b = perf_csv(os.path.join(out, f"perf-{l}-{forks}-{inh}-{rep}.csv"))
            for k in est:
                est[k].append((b[k] - a[k]) / forks)
                base[k].append(a[k])
        pr[(l, inh)] = (est, base)

# The comparison.  forkwatch's window (the fork() call) lies inside perf's
# (the whole iteration), so per fork: TLB flushes within 1.5 of perf's
# (preemption inside a fork() adds task-switch flushes to either), page
# faults at most 0.5 above perf's; and both at least one per fork, as
# fork() write-protects the parent's pages (a flush) and the parent's first
# write after it is a COW fault on its stack.  Plus three standard
# deviations of perf's estimate over the repetitions.
TOL = {"tlb": 1.5, "pf": 0.5}
missed = []
for l in layouts:
    for key, label in (("tlb", "tlb_flush"), ("pf", "page-faults")):
        f = fw.get(l, {}).get(key)
        est = pr[(l, "no-inherit")][0][key]
        m, s3 = mean(est), 3 * (sd(est) if len(est) > 1 else 0)
        if f is None:
            missed.append(f"{l} {label}: forkwatch did not count it, perf stat did ({m:.2f} per fork)")
            continue
        if f[0] < 0.9:
            missed.append(f"{l} {label}: forkwatch counts {f[0]:.3f} per fork, below the 1 every fork makes")
        if m < 0.9:
            missed.append(f"{l} {label}: perf stat counts {m:.3f} per fork, below the 1 every fork makes")
        if key == "tlb" and abs(f[0] - m) > TOL[key] + s3:
            missed.append(f"{l} {label}: forkwatch {f[0]:.3f} vs perf stat {m:.3f} per fork, "
                          f"more than {TOL[key] + s3:.2f} apart")
        if key == "pf" and f[0] > m + TOL[key] + s3:
            missed.append(f"{l} {label}: forkwatch {f[0]:.3f} per fork, more than perf stat's "
                          f"{m:.3f} (+{TOL[key] + s3:.2f}) for the whole iteration")

def cell(x):
    return "      n/a" if x is None else f"{x:9.3f}"

print()
print("per fork                  forkwatch      perf stat --no-inherit   perf stat (inherit)    children")
print("                          parent,        parent, whole            parent + child          (inherit -")
print("                          fork() call    iteration                                        no-inherit)")
print(f"{'layout':8} {'counter':12}  {'mean':>9}    {'mean':>9} {'sd':>7}        {'mean':>9} {'sd':>7}        {'mean':>9}")
for l in layouts:
    for key, label in (("tlb", "tlb_flush"), ("pf", "page-faults")):
        f = fw.get(l, {}).get(key)
        ni, ih = pr[(l, "no-inherit")][0][key], pr[(l, "inherit")][0][key]
        print(f"{l:8} {label:12}  {cell(f[0] if f else None)}    {mean(ni):9.3f} {sd(ni):7.3f}"
              f"        {mean(ih):9.3f} {sd(ih):7.3f}        {mean(ih) - mean(ni):9.3f}")
print()
print("populate only (perf stat --no-inherit, whole process, 0 forks; subtracted above):")
for l in layouts:
    base = pr[(l, "no-inherit")][1]
    print(f"  {l:8} tlb_flush {mean(base['tlb']):10.0f}   page-faults {mean(base['pf']):10.0f}")
if notes:
    print()
    for n in notes:
        print("note: " + n)
print("""
What was counted:
  forkwatch  per-iteration readings in the forking worker only (inherit=0),
             counters enabled right before fork() and disabled right after it
             returns in the parent: the fork() call, nothing of the child.
  perf stat --no-inherit
             the plain-fork process itself (it populates and forks, no worker),
             whole process; per fork = (populate + N forks - populate only) / N,
             so one fork iteration of the parent: fork(), blocking in waitpid
             and reaping.  Nothing of the child.  The parent takes COW faults
             on its own pages that fork() write-protected: one inside fork()
             (glibc's __libc_fork writing the stack, counted by forkwatch too)
             and one after it (here: the kernel's __put_user_8 into the TLS,
             most likely the rseq update on return to user space after the
             sleep in waitpid); sleeping and waking can add task-switch TLB
             flushes.  So expect perf >= forkwatch, up to noise (a fork() that
             is preempted picks up such extras in forkwatch's window too).
  perf stat (default, inherit)
             the same plus the children: their exit tears down a copy of the
             whole address space (TLB flushes) and their few faults before
             _exit.  Shown only to say what the default would have mixed in.
  sd         stdev of the per-fork estimate over the REPEAT repetitions.""")
print()
if missed:
    print("disagreements: " + "; ".join(missed))
    sys.exit(3)
print("forkwatch and perf stat agree: TLB flushes within %.1f per fork (+3 sd), page faults at most "
      "%.1f above perf's, at least 1 per fork each" % (TOL["tlb"], TOL["pf"]))
EOF
}

if [[ -n ${ANALYSE:-} ]]; then
	[[ -s $ANALYSE/settings ]] || die "ANALYSE='$ANALYSE': no settings file in it"
	setting() { sed -n "s/^$1=//p" "$ANALYSE/settings"; }
	# shellcheck disable=SC2046 # the layouts are words
	report "$ANALYSE" "$(setting repeat)" "$(setting forks)" $(setting layouts)
	exit 0
fi

# plain-fork checks the layouts as the THP knobs are: not while another
# benchmark has them changed
bench_lock
preflight
bench_unlock
OUT=${OUT:-$BENCH_DIR/out/counters-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

cleanup() {
	thp_restore
	tracefs_umount
}
thp_snapshot
trap cleanup EXIT
tracefs_mount
[[ -d $TRACEFS/events/tlb/tlb_flush ]] || die "no tracepoint tlb:tlb_flush in $TRACEFS/events (x86 only)"

echo "counter sanity: fork, ${MB} MiB, layouts ${LAYOUTS[*]}"
echo "forkwatch: $RUNS runs x $ITERS iterations after $WARMUP warm-up forks;"
echo "perf stat: plain-fork --count, populate-only and populate + $FORKS forks, $REPEAT times each"
echo "kernel $(uname -r), $(nproc) CPUs, $($PERF --version); files in $OUT"

printf 'repeat=%s\nforks=%s\nlayouts=%s\n' "$REPEAT" "$FORKS" "${LAYOUTS[*]}" >"$OUT/settings"
if [[ -n ${FW_JSON:-} ]]; then
	cp "$FW_JSON" "$OUT/forkwatch.json" || die "FW_JSON='$FW_JSON': cannot read it"
	echo "forkwatch: the document $FW_JSON"
else
	echo "forkwatch..." >&2
	if ! "$FORKWATCH" bench --wait --workloads fork --layouts "$(
		IFS=,
		echo "${LAYOUTS[*]}"
	)" --size "${MB}M" --runs "$RUNS" --iterations "$ITERS" --warmup "$WARMUP" --quiet \
		--json "$OUT/forkwatch.json" >"$OUT/forkwatch.log" 2>&1; then
		tail -n 20 "$OUT/forkwatch.log" >&2
		echo "${0##*/}: forkwatch failed (log: $OUT/forkwatch.log)" >&2
		exit 1
	fi
fi

# perf stat over plain-fork --count: the variants interleaved, REPEAT times,
# holding the machine's benchmark lock as forkwatch does
bench_lock
for ((rep = 1; rep <= REPEAT; rep++)); do
	echo "perf stat, repeat $rep/$REPEAT..." >&2
	for l in "${LAYOUTS[@]}"; do
		for n in 0 "$FORKS"; do
			for inh in no-inherit inherit; do
				f=$OUT/perf-$l-$n-$inh-$rep.csv
				args=(-x, -o "$f" -e tlb:tlb_flush,page-faults)
				[[ $inh == no-inherit ]] && args+=(--no-inherit)
				if ! "$PERF" stat "${args[@]}" "$PLAIN" --count "$l" "${MB}M" 1 "$n" 0 \
					2>"$OUT/perf-$l-$n-$inh-$rep.log"; then
					cat "$OUT/perf-$l-$n-$inh-$rep.log" >&2
					echo "${0##*/}: perf stat over plain-fork --count $l failed" >&2
					exit 1
				fi
			done
		done
	done
done
bench_unlock

report "$OUT" "$REPEAT" "$FORKS" "${LAYOUTS[@]}"

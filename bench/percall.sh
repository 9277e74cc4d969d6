#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Call by call: a workload's timed calls in the plain loop and in forkwatch,
# four programs interleaved round by round (order rotated): the plain loop,
# the plain loop counting tlb:tlb_flush as forkwatch counts the workload
# (--tracepoint-after where it counts apart, + in its table; --tracepoint
# around each call otherwise), forkwatch with software counters only,
# forkwatch with its default counters.  Prints the p10 and p50 of every call and the
# median of the run means per program and layout, then forkwatch's ratios
# to the plain loop per round.  See bench/README.md, "mremap: what the
# 17 us were".
#
#   sudo bench/percall.sh                                   # mremap, 128 MiB, 24 rounds, unpinned
#   sudo taskset -c 0 env PLACEMENT=same bench/percall.sh   # everything on CPU 0
#
# Environment: WORKLOAD (mremap; any that reuses its region), SIZE (128M), ROUNDS
# (24), RUNS (4), ITERS (20), WARMUP (3), PLACEMENT (free, same or split:
# forkwatch --placement and plain-fork --pin alike, as overhead.sh does),
# FORKWATCH, OUT (bench/out/percall-<time>); ANALYSE=DIR prints an earlier
# run's figures.
set -euo pipefail
. "$(dirname "$0")/common.sh"

WORKLOAD=${WORKLOAD:-mremap}
SIZE=${SIZE:-128M}
ROUNDS=${ROUNDS:-24}
RUNS=${RUNS:-4}
ITERS=${ITERS:-20}
WARMUP=${WARMUP:-3}
PLACEMENT=${PLACEMENT:-free}
LAYOUTS=order-0,order-9,pmd
posint ROUNDS "$ROUNDS"
posint RUNS "$RUNS"
posint ITERS "$ITERS"
wholenum WARMUP "$WARMUP"
MB=$(size_mb "$SIZE")
((MB % 2 == 0)) || die "SIZE='$SIZE': must be a multiple of 2 MiB"

analyse() {
	"$PY" - "$1" "$LAYOUTS" <<'PYEOF'
import glob, json, math, os, statistics as st, sys
out = sys.argv[1]
progs = ["plain", "plain-counted", "fw-soft", "fw-default"]
layouts = sys.argv[2].split(",")
calls, runs, rounds = {}, {}, {}
def add(p, r, l, v):
    calls.setdefault((p, l), []).extend(v)
    m = sum(v) / len(v)
    runs.setdefault((p, l), []).append(m)
    rounds.setdefault((p, r, l), []).append(m)
for f in glob.glob(os.path.join(out, "*-*.calls")):
    p, r = os.path.basename(f)[:-6].rsplit("-", 1)
    per = {}
    for line in open(f):
        w = line.split()
        if len(w) == 4 and w[0] == "call":
            per.setdefault((w[1], w[2]), []).append(int(w[3]))
    for (l, _), v in per.items():
        add(p, r, l, v)
for f in glob.glob(os.path.join(out, "*-*.json")):
    p, r = os.path.basename(f)[:-5].rsplit("-", 1)
    for c in json.load(open(f))["cases"]:
        for run in c["runs"]:
            if run.get("ok") and run.get("ns"):
                add(p, r, c["layout"], run["ns"])
def q(v, f):
    v = sorted(v)
    return v[int(f * (len(v) - 1))]
print(f"{'program':13} {'layout':8} {'calls':>6} {'p10 us':>8} {'p50 us':>8} {'median run us':>14}")
for l in layouts:
    for p in progs:
        v = calls.get((p, l))
        if v:
            print(f"{p:13} {l:8} {len(v):6} {q(v, .1) / 1e3:8.1f} {q(v, .5) / 1e3:8.1f} {st.median(runs[(p, l)]) / 1e3:14.1f}")
print()
print("forkwatch / plain loop: p10, median of the run means, mean of the rounds' ratios +-95%")
for p in ("fw-soft", "fw-default", "plain-counted"):
    for l in layouts:
        a, b = calls.get((p, l)), calls.get(("plain", l))
        if not a or not b:
            continue
        rs = sorted({k[1] for k in rounds if k[0] == p})
        d = [math.log(st.mean(rounds[(p, r, l)]) / st.mean(rounds[("plain", r, l)]))
             for r in rs if (p, r, l) in rounds and ("plain", r, l) in rounds]
        h = 2 * st.stdev(d) / math.sqrt(len(d)) if len(d) > 1 else float("nan")
        m = st.mean(d)
        print(f"  {p:13} {l:8} p10 {(q(a, .1) / q(b, .1) - 1) * 100:+5.1f}%  "
              f"median {(st.median(runs[(p, l)]) / st.median(runs[('plain', l)]) - 1) * 100:+5.1f}%  "
              f"rounds {(math.exp(m) - 1) * 100:+5.1f}% +-{h * 100:.1f}% (n={len(d)})")
PYEOF
}

if [[ -n ${ANALYSE:-} ]]; then
	[[ -d $ANALYSE ]] || die "ANALYSE='$ANALYSE': no such directory"
	analyse "$ANALYSE"
	exit 0
fi

load_workloads
check_workloads WORKLOAD "$WORKLOAD"
! wl_fresh "$WORKLOAD" || die "WORKLOAD=$WORKLOAD needs a fresh region per call (* in the table): compare it with overhead.sh"
count_flag=--tracepoint
wl_apart "$WORKLOAD" && count_flag=--tracepoint-after
placement_cpus
plain_pin "$PLACEMENT"
bench_lock
preflight
bench_unlock
OUT=${OUT:-$BENCH_DIR/out/percall-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
cleanup() {
	thp_restore
	tracefs_umount
}
thp_snapshot
trap cleanup EXIT
tracefs_mount
[[ -d $TRACEFS/events/tlb/tlb_flush ]] || die "no tracepoint tlb:tlb_flush in $TRACEFS/events (x86 only)"
progs=(plain plain-counted fw-soft fw-default)
echo "$WORKLOAD, ${MB} MiB, $ROUNDS rounds of $RUNS runs x $ITERS calls per program, placement $PLACEMENT${PLAIN_PIN[*]:+ (plain-fork ${PLAIN_PIN[*]})}; files in $OUT"
for ((r = 1; r <= ROUNDS; r++)); do
	for k in 0 1 2 3; do
		p=${progs[$(((k + r) % 4))]}
		case $p in
		plain | plain-counted)
			extra=()
			[[ $p == plain-counted ]] && extra=("$count_flag" tlb:tlb_flush)
			bench_lock # as forkwatch takes it
			"$PLAIN" --workload "$WORKLOAD" "${PLAIN_PIN[@]}" "${extra[@]}" --per-call "$LAYOUTS" \
				"${MB}M" "$RUNS" "$ITERS" "$WARMUP" >/dev/null 2>"$OUT/$p-$r.calls" ||
				die "plain-fork failed: $(grep -v '^call' "$OUT/$p-$r.calls" | tail -n 3)"
			bench_unlock
			;;
		fw-soft | fw-default)
			events=()
			[[ $p == fw-soft ]] && events=(--events page_faults,task_clock_ns)
			"$FORKWATCH" bench --wait --quiet --placement "$PLACEMENT" "${events[@]}" --workloads "$WORKLOAD" \
				--layouts "$LAYOUTS" --size "${MB}M" --runs "$RUNS" --iterations "$ITERS" \
				--warmup "$WARMUP" --json "$OUT/$p-$r.json" >"$OUT/$p-$r.log" 2>&1 ||
				die "forkwatch failed: $(tail -n 3 "$OUT/$p-$r.log")"
			;;
		esac
	done
	echo "round $r/$ROUNDS done" >&2
done
analyse "$OUT"

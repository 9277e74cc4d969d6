#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The statistics of issue 10 on real A/A data: DOCS forkwatch bench results
# of the running kernel (every default case, SIZE, RUNS x ITERS), then the
# cost of a run and of an iteration per case (wall time of small single-case
# benches: fork 2 and 6 runs of ITERS and 2 runs of 3 ITERS iterations,
# munmap the same with MUNMAP_ITERS (its iterations populate), COST_REPS
# times, the median taken), analysed
# by bench/aa-stats.c with lib/: per case the run-to-run spread of the
# per-run mean, median and trimmed mean, the variance components (between
# runs, within a run), the allocation for a 60 s and a 300 s budget, and the
# verdicts of the A/A pairs.
#
#   flock /tmp/fw-machine.lock bash bench/aa-stats.sh     # about 10 minutes
#   REUSE=bench/out/aa-DATE bash bench/aa-stats.sh         # analyse again, run nothing
#
# Environment: DOCS (10; 0 measures the costs only), SIZE (128M), RUNS (8),
# ITERS (10), MUNMAP_ITERS (3), COST_REPS (2), OUT (bench/out/aa-<time>);
# ANALYSE=0 collects only.  Benches pass --wait; take
# the machine lock around the whole script so that nothing else measures.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=${DOCS:-10}
SIZE=${SIZE:-128M}
RUNS=${RUNS:-8}
ITERS=${ITERS:-10}
MUNMAP_ITERS=${MUNMAP_ITERS:-3}
COST_REPS=${COST_REPS:-2}
fw=build/$(uname -m)/forkwatch
mkdir -p bench/out

now() { date +%s.%N; }

if [ -n "${REUSE:-}" ]; then
	out=$REUSE
else
	[ "$(id -u)" = 0 ] || { echo "aa-stats: needs root (forkwatch bench)" >&2; exit 2; }
	[ -x "$fw" ] || { echo "aa-stats: no $fw: run make" >&2; exit 2; }
	out=${OUT:-bench/out/aa-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$out"
	for i in $(seq -w 1 "$DOCS" | grep -v '^0*$'); do
		echo "aa-stats: document $i of $DOCS" >&2
		"$fw" bench --wait --quiet --size "$SIZE" --runs "$RUNS" --iterations "$ITERS" \
			--munmap-iterations "$ITERS" --json "$out/aa-$i.json" >/dev/null
	done
	# wall seconds of single-case benches: "workload layout runs iterations warmup seconds";
	# without --wait, retried while another forkwatch holds the machine, so
	# that no wait is counted
	: >"$out/costs.txt"
	for rep in $(seq "$COST_REPS"); do
		for wl in fork munmap; do
			[ $wl = fork ] && cfgs="2:$ITERS 6:$ITERS 2:$((ITERS * 3))" ||
				cfgs="2:$MUNMAP_ITERS 4:$MUNMAP_ITERS 2:$((MUNMAP_ITERS * 3))"
			for lay in order-0 order-4 order-9 pmd; do
				for cfg in $cfgs; do
					r=${cfg%:*} it=${cfg#*:}
					echo "aa-stats: cost $rep $wl $lay $r x $it" >&2
					while :; do
						t0=$(now)
						if "$fw" bench --quiet --size "$SIZE" --runs "$r" --iterations "$it" \
							--munmap-iterations "$it" --workloads "$wl" --layouts "$lay" \
							>/dev/null 2>"$out/cost.err"; then
							break
						fi
						grep -q 'another forkwatch' "$out/cost.err" ||
							{ cat "$out/cost.err" >&2; exit 1; }
						sleep 2
					done
					t1=$(now)
					echo "$wl $lay $r $it 3 $(echo "$t1 - $t0" | bc -l)" >>"$out/costs.txt"
				done
			done
		done
	done
fi
[ "${ANALYSE:-1}" = 0 ] && { echo "aa-stats: collected into $out" >&2; exit 0; }
gcc -O2 -std=gnu11 -I. -D_GNU_SOURCE bench/aa-stats.c lib/cmp.c lib/plan.c lib/jread.c lib/strbuf.c \
	lib/stats.c -lm -o bench/out/aa-stats
bench/out/aa-stats --costs "$out/costs.txt" "$out"/aa-*.json

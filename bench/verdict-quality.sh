#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Verdict quality on this machine's real noise (issue 10): collect a pool
# of real forkwatch runs of the running kernel, then replay A/A pairs from
# it through the daemon's comparison (lib/cmp) for today's fixed 8 runs and
# for --time-budget's stopping rule (collectors/budget.c, on a clock that
# advances by each replayed run's measured cost), with the head's order-0
# slowed by +2%, +5% and +10%.  bench/verdict-quality.c does the replay.
#
#   flock /tmp/fw-machine.lock bash bench/verdict-quality.sh    # 25 minutes of runs, then the tables
#   REUSE=bench/out/vq-DATE bash bench/verdict-quality.sh        # the tables again, nothing run
#
# Environment: MINUTES (25: how long to collect), SIZE (128M), LAYOUTS
# (order-0,order-9,pmd), WORKLOADS (fork), RUNS (10 runs per invocation),
# ITERS (100, the default), PAIRS (200 replayed pairs per row),
# BUDGETS (the --time-budget seconds per kernel to replay), SEED,
# OUT (bench/out/vq-<time>); ANALYSE=0 collects only.  Every invocation
# is a `forkwatch bench --wait`: take the machine lock around the script.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${MINUTES:-25}
SIZE=${SIZE:-128M}
LAYOUTS=${LAYOUTS:-order-0,order-9,pmd}
WORKLOADS=${WORKLOADS:-fork}
RUNS=${RUNS:-10}
ITERS=${ITERS:-100}
fw=build/$(uname -m)/forkwatch
mkdir -p bench/out

if [ -n "${REUSE:-}" ]; then
	out=$REUSE
else
	[ "$(id -u)" = 0 ] || { echo "verdict-quality: needs root (forkwatch bench)" >&2; exit 2; }
	[ -x "$fw" ] || { echo "verdict-quality: no $fw: run make" >&2; exit 2; }
	out=${OUT:-bench/out/vq-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$out"
	end=$(($(date +%s) + MINUTES * 60))
	i=0
	while [ "$(date +%s)" -lt "$end" ]; do
		i=$((i + 1))
		f=$(printf '%s/pool-%04d.json' "$out" "$i")
		echo "verdict-quality: invocation $i, $(( (end - $(date +%s)) / 60 )) min left, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
		echo "$i $(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/load.txt"
		"$fw" bench --wait --quiet --size "$SIZE" --workloads "$WORKLOADS" --layouts "$LAYOUTS" \
			--runs "$RUNS" --iterations "$ITERS" --json "$f.tmp" >/dev/null
		mv "$f.tmp" "$f"
	done
fi
[ "${ANALYSE:-1}" = 0 ] && { echo "verdict-quality: collected into $out" >&2; exit 0; }
gcc -O2 -std=gnu11 -Wall -I. -D_GNU_SOURCE bench/verdict-quality.c collectors/budget.c lib/cmp.c lib/nest.c lib/plan.c lib/jread.c lib/strbuf.c lib/stats.c -lm \
	-o bench/out/verdict-quality
bench/out/verdict-quality ${PAIRS:+--pairs "$PAIRS"} ${BUDGETS:+--budgets "$BUDGETS"} \
	${LEVEL_FROM:+--level-from "$LEVEL_FROM"} ${SEED:+--seed "$SEED"} "$out"/pool-*.json

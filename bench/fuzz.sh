#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The long fuzz run: every libFuzzer target of tests/fuzz (or the ones
# named) for DURATION seconds each, from its seeds and regression inputs,
# then a table per target: executions, exec/s, coverage (cov/ft of the
# seeds against the corpus at the end), corpus size and crashes.  See
# bench/README.md.
#
#   bench/fuzz.sh                               # 300 s per target
#   DURATION=120 JOBS=1 bench/fuzz.sh doc jread # two targets, 2 minutes each
#
# Environment: DURATION (300 s per target), JOBS (processes per target,
# default half the CPUs, at least 1), OUT (bench/out/fuzz-<time>).
# Exits 0 with the table when nothing crashed, 3 when a target crashed, 2 when it cannot
# run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

DURATION=${DURATION:-300}
ncpu=$(nproc)
JOBS=${JOBS:-$((ncpu > 1 ? ncpu / 2 : 1))}
posint DURATION "$DURATION"
posint JOBS "$JOBS"
FZ=$ROOT_DIR/tests/fuzz
BIN=$ROOT_DIR/build/fuzz

command -v clang >/dev/null || die "clang not found (Debian: apt-get install clang libclang-rt-14-dev)"
all=$(cd "$FZ" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
targets=${*:-$all}
for t in $targets; do
	grep -qx "$t" <<<"$all" || die "unknown target '$t': expected one of $(echo $all)"
done
make -s -C "$ROOT_DIR" fuzz || die "make fuzz failed"

OUT=${OUT:-$BENCH_DIR/out/fuzz-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
echo "fuzz: DURATION=${DURATION}s per target, JOBS=$JOBS, $(nproc) CPUs; everything under $OUT"

# "INITED"/"DONE" line of a corpus replay -> "cov ft corp"
replay_cov() { # name dirs...
	local n=$1
	shift
	"$BIN/fuzz_$n" -runs=0 -rss_limit_mb=4096 "$@" 2>&1 |
		sed -n 's/.*\(INITED\|DONE\) *cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\2 \3 \4/p' | tail -1
}

printf '%-8s %6s %12s %9s %15s %15s %7s %7s\n' target secs executions exec/s \
	"cov seed->end" "ft seed->end" corpus crashes >"$OUT/table"
for n in $targets; do
	seeds=() dict=()
	[ -d "$FZ/corpus/$n" ] && seeds+=("$FZ/corpus/$n")
	[ -d "$FZ/regress/$n" ] && [ -n "$(ls -A "$FZ/regress/$n")" ] && seeds+=("$FZ/regress/$n")
	[ -f "$FZ/$n.dict" ] && dict=(-dict="$FZ/$n.dict")
	corpus=$OUT/corpus/$n logs=$OUT/logs/$n crashes=$OUT/crashes
	mkdir -p "$corpus" "$logs" "$crashes"
	cov0=? ft0=?
	read -r cov0 ft0 _ < <(replay_cov "$n" "${seeds[@]}") || true
	opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/$n-"
		"${dict[@]}")
	echo "fuzz_$n: ${DURATION}s x $JOBS job(s)"
	start=$(date +%s)
	if [ "$JOBS" -eq 1 ]; then
		# a crash ends a run: go on with the time left, at most 10 times
		tries=0
		while [ $(($(date +%s) - start)) -lt "$DURATION" ] && [ $tries -lt 10 ]; do
			left=$((DURATION - ($(date +%s) - start)))
			"$BIN/fuzz_$n" "${opts[@]}" -max_total_time="$left" "$corpus" "${seeds[@]}" \
				>"$logs/run-$tries.log" 2>&1 || true
			tries=$((tries + 1))
		done
	else
		# libFuzzer's own jobs: fuzz-<i>.log each, in the working directory
		(cd "$logs" && "$BIN/fuzz_$n" "${opts[@]}" -max_total_time="$DURATION" -jobs="$JOBS" \
			-workers="$JOBS" "$corpus" "${seeds[@]}" >"$logs/jobs.log" 2>&1) || true
	fi
	secs=$(($(date +%s) - start))
	execs=$(cat "$logs"/*.log | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{s += $1} END {print s + 0}')
	cov1=? ft1=? corp=?
	read -r cov1 ft1 corp < <(replay_cov "$n" "$corpus" "${seeds[@]}") || true
	ncrash=$(ls "$crashes" | grep -c "^$n-" || true)
	printf '%-8s %6s %12s %9s %15s %15s %7s %7s\n' "$n" "$secs" "$execs" $((execs / (secs ? secs : 1))) \
		"$cov0 -> $cov1" "$ft0 -> $ft1" "$corp" "$ncrash" >>"$OUT/table"
done

echo
cat "$OUT/table"
echo
echo "executions: every process's stat::number_of_executed_units; exec/s over the wall time;"
echo "cov/ft: edges and features of the seeds and regression inputs, then of them with"
echo "everything found (a replay with -runs=0); corpus: the inputs that replay keeps."
if [ -n "$(ls -A "$OUT/crashes")" ]; then
	echo
	echo "crashes (replay: build/fuzz/fuzz_<target> FILE):"
	ls "$OUT/crashes" | sed "s|^|  $OUT/crashes/|"
	exit 3
fi
echo "no crashes"

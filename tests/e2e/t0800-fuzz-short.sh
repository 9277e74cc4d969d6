#!/usr/bin/env bash
# A short run of every libFuzzer target (tests/fuzz, built or rebuilt with
# `make fuzz` first, and checked up to date): first
# the regression inputs of tests/fuzz/regress/<name>/ (each once), then
# FUZZ_SECONDS (default 5) of fuzzing from the seed corpus and the
# regression inputs, with the target's dictionary; FUZZ_JOBS targets
# (default 2) at once.  Any crash, leak,
# timeout or broken contract fails the test; the input that did it is kept
# under tests/out/fuzz/ with the command that replays it.
# bench/fuzz.sh is the long run.
. "$(dirname "$0")/lib.sh"
secs=${FUZZ_SECONDS:-5}
fjobs=${FUZZ_JOBS:-2}
fz=$top/tests/fuzz
bin=$top/build/fuzz
art=$top/tests/out/fuzz

command -v "${FUZZ_CC:-clang}" >/dev/null || skip "no clang (apt-get install clang libclang-rt-14-dev)"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n%s\n' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$T/probe.c"
"${FUZZ_CC:-clang}" -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" >"$T/probe.log" 2>&1 ||
	skip "clang cannot link libFuzzer with ASan/UBSan (apt-get install libclang-rt-14-dev): $(head -1 "$T/probe.log")"

names=$(cd "$fz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
[ -n "$names" ] || fail "no fuzz targets in $fz"
# always: a fuzzer older than the code it links would fuzz yesterday's code
say "make fuzz (builds what is missing or stale)"
make -C "$top" -s fuzz >"$T/make.log" 2>&1 || { tail -20 "$T/make.log"; fail "make fuzz failed"; }
for n in $names; do
	make -C "$top" -q "build/fuzz/fuzz_$n" || fail "fuzz_$n is older than its sources after make fuzz"
done
mkdir -p "$art"

# fuzz_one NAME: its regression inputs, then its fuzzing; what it says goes
# to $T/NAME.out, and a failure exits non-zero (run in a subshell)
fuzz_one() {
	local n=$1 reg seeds dict opts a
	reg=$fz/regress/$n seeds=$fz/corpus/$n dict=()
	[ -f "$fz/$n.dict" ] && dict=(-dict="$fz/$n.dict")
	[ -d "$seeds" ] || seeds=
	opts=(-error_exitcode=1 -timeout_exitcode=1 -timeout=10 -rss_limit_mb=2048
		-artifact_prefix="$art/$n-" -print_final_stats=1)
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		"$bin/fuzz_$n" "${opts[@]}" "$reg"/* >"$T/$n-regress.log" 2>&1 || {
			tail -30 "$T/$n-regress.log"
			fail "fuzz_$n: a regression input of $reg crashes again"
		}
		say "fuzz_$n: $(ls "$reg" | wc -l) regression input(s) pass"
	else
		reg=
	fi
	mkdir -p "$T/corpus-$n"
	# new inputs go to the first directory, a scratch one: the seeds stay as they are
	"$bin/fuzz_$n" "${opts[@]}" "${dict[@]}" -max_total_time="$secs" "$T/corpus-$n" \
		${seeds:+"$seeds"} ${reg:+"$reg"} >"$T/$n.log" 2>&1 || {
		tail -40 "$T/$n.log"
		a=$(ls -t "$art/$n-"* 2>/dev/null | head -1)
		echo "replay: $bin/fuzz_$n $a"
		fail "fuzz_$n crashed within ${secs}s; the input is kept as $a"
	}
	say "fuzz_$n: $(grep -a -m1 'stat::number_of_executed_units' "$T/$n.log" | awk '{print $2}') runs," \
		"$(grep -a 'DONE\|INITED' "$T/$n.log" | tail -1 | grep -o 'cov: [0-9]* ft: [0-9]*')," \
		"corpus $(ls "$T/corpus-$n" | wc -l) new"
}

declare -A pid_of
for n in $names; do
	while [ "$(jobs -rp | wc -l)" -ge "$fjobs" ]; do wait -n || true; done
	(fuzz_one "$n") >"$T/$n.out" 2>&1 &
	pid_of[$n]=$!
done
for n in $names; do
	rc=0
	wait "${pid_of[$n]}" || rc=$?
	cat "$T/$n.out"
	if [ $rc -ne 0 ]; then
		# the others still running: each subshell and the fuzzer it runs
		for p in $(jobs -p); do pkill -P "$p" || true; kill "$p" 2>/dev/null || true; done
		wait || true
		fail "fuzz_$n failed (above)"
	fi
done
say "ok: every fuzz target ran ${secs}s without a crash"

#!/usr/bin/env bash
# tests/run-all.sh tells the truth: a program that passes is a pass, a
# cmocka test that called skip() (cmocka still exits 0) is a skip, exit 77
# is a skip, anything else a failure; a unit-test program that the
# Makefile builds but that is not there fails the run instead of being
# passed over; and `make unit-list` names a program for every unit-test
# source.  run-all.sh's own functions, sourced, on made-up programs; and
# tests/run.sh (make unit, make check) on a cmocka skip.
. "$(dirname "$0")/lib.sh"
command -v gcc >/dev/null || skip "needs gcc"
printf '#include <cmocka.h>\n' | gcc -E -x c - >/dev/null 2>&1 || skip "needs cmocka's header (libcmocka-dev)"

out=$T/out
mkdir -p "$out"
. "$top/tests/run-all.sh"
set +e # run and units return what the programs did; fail() still exits

# counts PASS FAIL SKIP: what run-all.sh has counted so far
counts() {
	[ "$pass $fail $skip" = "$1 $2 $3" ] || fail "counted $pass passed, $fail failed, $skip skipped; expected $1, $2, $3"
}

cat >"$T/cm.c" <<'EOF'
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
static void test_runs(void **state) { (void)state; assert_int_equal(1, 1); }
static void test_cannot(void **state)
{
	(void)state;
	if (getenv("CM_SKIP")) {
		printf("skip: no such device here\n");
		skip();
	}
	if (getenv("CM_FAIL"))
		fail_msg("broken");
}
int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_runs), cmocka_unit_test(test_cannot) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
EOF
gcc -o "$T/cm" "$T/cm.c" -lcmocka || fail "cannot build the cmocka program"

say "a passing cmocka program passes"
run x/pass "$T/cm" >"$T/line"
cat "$T/line"
counts 1 0 0
grep -q '^PASS  x/pass$' "$T/line" || fail "no PASS line"

say "a cmocka skip() is a skip, with the test's name and its reason"
run x/cmocka-skip env CM_SKIP=1 "$T/cm" >"$T/line"
cat "$T/line"
counts 1 0 1
grep -q '^SKIP  x/cmocka-skip: cmocka skipped test_cannot: no such device here$' "$T/line" ||
	fail "the skip line does not name the test and the reason"

say "a cmocka failure fails"
run x/cmocka-fail env CM_FAIL=1 "$T/cm" >"$T/line"
head -1 "$T/line"
counts 1 1 1
grep -q '^FAIL  x/cmocka-fail (exit 1)' "$T/line" || fail "no FAIL line"

say "exit 77 with a skip: line is a skip; another exit is a failure"
run x/script-skip sh -c 'echo "skip: needs a thing"; exit 77' >"$T/line"
cat "$T/line"
grep -q '^SKIP  x/script-skip: needs a thing$' "$T/line" || fail "no SKIP line"
run x/script-fail sh -c 'exit 3' >/dev/null
counts 1 2 2

say "a unit-test program the Makefile builds but that is missing fails"
mkdir -p "$T/mk/b/tests/d"
printf 'unit-list:\n\t@printf "%%s\\n" b/tests/test_here b/tests/d/test_gone\n' >"$T/mk/Makefile"
cp "$T/cm" "$T/mk/b/tests/test_here"
(
	cd "$T/mk" || exit 1
	units lab "" 0 >"$T/lines"
	cat "$T/lines"
	counts 2 3 2
	grep -q '^PASS  lab/test_here$' "$T/lines" || fail "test_here was not run"
	grep -q '^FAIL  lab/d/test_gone: b/tests/d/test_gone was not built' "$T/lines" || fail "test_gone was not failed"
	[ "${failed[*]}" = "x/cmocka-fail x/script-fail lab/d/test_gone" ] || fail "failed list: ${failed[*]}"
	say "an optional configuration with nothing built is one skip; with some built, a missing one still fails"
	rm b/tests/test_here
	units opt "" 1 >"$T/lines"
	cat "$T/lines"
	counts 2 3 3
	cp "$T/cm" b/tests/test_here
	units opt "" 1 >"$T/lines"
	counts 3 4 3
	say "a Makefile without unit-list fails"
	: >Makefile
	units none "" 1 >"$T/lines" 2>/dev/null
	cat "$T/lines"
	counts 3 5 3
) || exit 1

say "the job runner (run-all.sh -j): queued tests run N at once, an alone test by itself, one benchmark at a time, each counted once"
(
	pass=0 fail=0 skip=0 failed=()
	jobs=3 queueing=1 alone_tests="t9-alone" cpu_tests="t9-cpu" bench_tests="t9-bench"
	tr=$T/trace
	# each test writes "NAME start" and "NAME end" to the trace, SECONDS apart
	step='echo "$1 start" >>"$0"; sleep "$2"; echo "$1 end" >>"$0"; [ "$3" != 77 ] || echo "skip: $1 cannot"; exit "$3"'
	run y/t9-a sh -c "$step" "$tr" a 2 0
	run y/t9-b sh -c "$step" "$tr" b 2 3
	run y/t9-alone sh -c "$step" "$tr" alone 2 0
	run y/t9-cpu sh -c "$step" "$tr" cpu 2 0
	run y/t9-c sh -c "$step" "$tr" c 2 77
	run y/t9-bench sh -c "$step" "$tr" bench1 2 0
	run z/t9-bench sh -c "$step" "$tr" bench2 2 0
	[ ! -e "$tr" ] || fail "run ran a test while queueing"
	run_queued >"$T/lines"
	cat "$T/lines"
	counts 5 1 1
	[ "${failed[*]}" = "y/t9-b" ] || fail "failed list: ${failed[*]}"
	grep -q '^FAIL  y/t9-b (exit 3, [0-9]* s), last lines of ' "$T/lines" || fail "no FAIL line with the exit status and time"
	grep -q '^SKIP  y/t9-c: c cannot ([0-9]* s)$' "$T/lines" || fail "no SKIP line with the reason"
	[ "$(head -2 "$tr" | paste -sd' ')" = "alone start alone end" ] || fail "the alone test did not run first by itself: $(paste -sd' ' "$tr")"
	[ "$(sed -n 3,5p "$tr" | grep -c start)" = 3 ] || fail "three tests did not start at once: $(paste -sd' ' "$tr")"
	[ "$(grep -n 'bench1 end' "$tr" | cut -d: -f1)" -lt "$(grep -n 'bench2 start' "$tr" | cut -d: -f1)" ] ||
		fail "two benchmarks ran at once: $(paste -sd' ' "$tr")"
	[ "$(wc -l <"$tr")" = 14 ] || fail "not every test ran once: $(paste -sd' ' "$tr")"
) || exit 1

say "tests/run.sh (make unit, make check) counts a cmocka skip() as a skip too"
mkdir -p "$top/build/t0015-$$/tests"
cleanup_hooks+=('rm -rf "$top/build/t0015-$$"')
cp "$T/cm" "$top/build/t0015-$$/tests/test_cm"
(cd "$top" && CM_SKIP=1 tests/run.sh "build/t0015-$$/tests/test_cm" >"$T/lines" 2>&1)
tail -2 "$T/lines"
[ "$(tail -1 "$T/lines")" = "0 passed, 0 failed, 1 skipped" ] || fail "tests/run.sh counted a cmocka skip as $(tail -1 "$T/lines")"
(cd "$top" && tests/run.sh "build/t0015-$$/tests/test_cm" >"$T/lines" 2>&1)
[ "$(tail -1 "$T/lines")" = "1 passed, 0 failed, 0 skipped" ] || fail "tests/run.sh: $(tail -1 "$T/lines")"

say "make unit-list names a program for every unit-test source"
make -s --no-print-directory -C "$top" unit-list >"$T/list" || fail "make unit-list"
n=0
while read -r src; do
	b=$(basename "$src" .c)
	grep -q "/$b\$" "$T/list" || fail "$src: no program in make unit-list"
	n=$((n + 1))
done < <(cd "$top" && find tests/unit -name 'test_*.c')
[ "$n" -gt 0 ] || fail "no unit-test sources found"
[ "$(wc -l <"$T/list")" = "$n" ] || fail "make unit-list names $(wc -l <"$T/list") programs for $n sources"
say "ok: $n unit-test sources, $n programs"
echo ok

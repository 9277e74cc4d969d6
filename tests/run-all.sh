#!/usr/bin/env bash
# Run every test: unit tests (native, ASan/UBSan, aarch64 under qemu-user)
# and the end-to-end scripts in tests/e2e.  Each program counts as one test;
# the last line is the summary CI reads: "N passed, N failed, N skipped".
# Sourced (tests/e2e/t0015-run-all.sh), it only defines its functions.
set -u
out=${out:-tests/out}
pass=0 fail=0 skip=0 failed=()

# result NAME RC LOG [SECONDS]: count what a test's exit status and log say,
# and print its line (with its time when given)
result() {
	local name=$1 rc=$2 log=$3 t=${4:+ (${4} s)} ft=${4:+, ${4} s}
	# cmocka exits 0 when a test called skip(): it is a skip, not a pass
	if [ "$rc" -eq 0 ] && grep -q '^\[  SKIPPED \] [A-Za-z_][A-Za-z0-9_]*$' "$log"; then
		skip=$((skip + 1))
		printf 'SKIP  %s: cmocka skipped %s: %s%s\n' "$name" \
			"$(grep '^\[  SKIPPED \] [A-Za-z_][A-Za-z0-9_]*$' "$log" | cut -c14- | sort -u | paste -sd, -)" \
			"$(grep -m1 '^skip:' "$log" | cut -c7-)" "$t"
	elif [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS  %s%s\n' "$name" "$t"
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1)); printf 'SKIP  %s: %s%s\n' "$name" "$(grep -m1 '^skip:' "$log" | cut -c7-)" "$t"
	else
		fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL  %s (exit %d%s), last lines of %s:\n' "$name" "$rc" "$ft" "$log"
		tail -15 "$log" | sed 's/^/      /'
	fi
}

logof() { echo "$out/$(echo "$1" | tr '/ ' '__').log"; }

# run NAME COMMAND...: run a test now and count it; under the job runner
# (tests/run-all.sh -j, below) it is queued instead
run() {
	local name=$1 log
	shift
	if [ -n "${queueing:-}" ]; then
		enqueue "$name" "$@"
		return
	fi
	log=$(logof "$name")
	"$@" >"$log" 2>&1
	result "$name" $? "$log"
}

skip_all() { # name, reason
	skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$1" "$2"
}

missing() { # name, reason: a test that should be there and is not fails
	fail=$((fail + 1)); failed+=("$1")
	printf 'FAIL  %s: %s\n' "$1" "$2"
}

# units LABEL "MAKE OPTIONS" OPTIONAL [RUNNER...]: every unit-test program
# that the Makefile builds with those options (make unit-list: wherever
# tests/unit/ keeps its source, BUILD/tests/[DIR/]test_X), run as
# LABEL/[DIR/]test_X; one that is not there fails.  OPTIONAL=1: a build
# with none of them at all (not made here) is one skip instead.
units() {
	local label=$1 opts=$2 optional=$3 t n=0 bins
	shift 3
	# shellcheck disable=SC2086 # opts are separate make arguments
	bins=$(MAKEFLAGS= make -s --no-print-directory $opts unit-list) || { missing "$label" "make${opts:+ $opts} unit-list failed"; return; }
	[ -n "$bins" ] || { missing "$label" "make${opts:+ $opts} unit-list names no unit test"; return; }
	for t in $bins; do [ -x "$t" ] && n=$((n + 1)); done
	if [ $n -eq 0 ] && [ "$optional" = 1 ]; then
		skip_all "$label" "not built (make${opts:+ $opts} unit-build)"
		return
	fi
	for t in $bins; do
		if [ -x "$t" ]; then
			run "$label/${t#*/tests/}" "$@" "$t"
		else
			missing "$label/${t#*/tests/}" "$t was not built (make${opts:+ $opts} unit-build)"
		fi
	done
}

# The job runner (tests/run-all.sh -j N): run queues each test, and
# run_queued runs them, up to N at once.  Most tests mostly wait (for a
# daemon, a socket, a sleep); some keep a CPU busy for long, and some must
# have the machine to themselves.  By the name of their script:
#   alone: they time something with a tight bound, or set machine-global
#          knobs outside the benchmark lock (kill -9 in a benchmark): each
#          runs with no other test running, before the others
#   bench: they benchmark this machine (forkwatch bench --wait): one at a
#          time, as the benchmark lock would have them anyway, without
#          holding other slots while they wait for it
#   cpu:   they keep CPUs busy for long (qemu's TCG, the fuzzers, the
#          browser): on at most half the slots (rounded up), longest first
#          (in the order of this list), niced so that the others' answers
#          stay quick
# Every other test shares the slots.  A new test that times something or
# sets a knob belongs in alone_tests; one that benchmarks in bench_tests.
alone_tests="t0106-bench-time-budget t0120-knob-journal-kill9 t0135-tune-kill9
	t0150-bench-physics t0535-delivery-failures t0610-slow-clients t0640-collector-kill9
	t0662-trends"
bench_tests="t0025-make-run t0100-bench-small t0105-bench-workloads t0107-bench-placement t0136-calibrate
	t0200-arm64-qemu"
cpu_tests="t0720-ab t0560-web-browser t0710-vm t0800-fuzz-short t0730-vm-failures
	t0700-arm64-system t0725-compare-boots"
jobs=1
q_name=() q_cmd=() q_kind=()

# kind NAME: alone, cpu or shared, by the script's name (the last part of NAME)
kind() {
	local base=${1##*/}
	case " $(echo $alone_tests) " in *" $base "*) echo alone; return ;; esac
	case " $(echo $bench_tests) " in *" $base "*) echo bench; return ;; esac
	case " $(echo $cpu_tests) " in *" $base "*) echo cpu; return ;; esac
	echo shared
}

enqueue() { # name, command...
	local name=$1
	shift
	q_name+=("$name")
	q_cmd+=("$(printf '%q ' "$@")")
	q_kind+=("$(kind "$name")")
}

declare -A r_name r_start
nrun=0 ncpu=0 nbench=0
launch() { # index in the queue
	local i=$1 c=${q_cmd[$1]}
	[ "${q_kind[$i]}" = cpu ] && [ "$jobs" -gt 1 ] && c="nice -n 10 $c"
	# shellcheck disable=SC2086 # $c is printf %q's quoting of the command
	eval "$c" >"$(logof "${q_name[$i]}")" 2>&1 </dev/null &
	r_name[$!]=${q_name[$i]} r_start[$!]=${EPOCHREALTIME/./}
	nrun=$((nrun + 1))
	case ${q_kind[$i]} in
	cpu) ncpu=$((ncpu + 1)) ;;
	bench) nbench=$((nbench + 1)) ;;
	esac
	q_kind[$i]=started
}

reap() { # wait for one test to end and count it
	local pid rc name
	wait -n -p pid
	rc=$?
	name=${r_name[$pid]}
	nrun=$((nrun - 1))
	case $(kind "$name") in
	cpu) ncpu=$((ncpu - 1)) ;;
	bench) nbench=$((nbench - 1)) ;;
	esac
	result "$name" $rc "$(logof "$name")" $(((${EPOCHREALTIME/./} - r_start[$pid] + 500000) / 1000000))
	unset "r_name[$pid]" "r_start[$pid]"
}

# next KIND: the index of the first queued test of that kind, or nothing;
# of the cpu kind, the first in cpu_tests' order
next() {
	local i c
	if [ "$1" = cpu ]; then
		for c in $cpu_tests; do
			for i in "${!q_kind[@]}"; do
				[ "${q_kind[$i]}" = cpu ] && [ "${q_name[$i]##*/}" = "$c" ] && { echo "$i"; return; }
			done
		done
	fi
	for i in "${!q_kind[@]}"; do
		[ "${q_kind[$i]}" = "$1" ] && { echo "$i"; return; }
	done
}

run_queued() {
	local i s c b half=$(((jobs + 1) / 2))
	# alone: one at a time, nothing else running
	while i=$(next alone) && [ -n "$i" ]; do
		launch "$i"
		reap
	done
	while :; do
		while [ "$nrun" -lt "$jobs" ]; do
			s=$(next shared) c=$(next cpu) b=$(next bench)
			if [ -n "$c" ] && [ "$ncpu" -lt "$half" ]; then
				launch "$c"
			elif [ -n "$b" ] && [ "$nbench" -eq 0 ]; then
				launch "$b"
			elif [ -n "$s" ]; then
				launch "$s"
			else
				break
			fi
		done
		[ "$nrun" -gt 0 ] || break
		reap
	done
	q_name=() q_cmd=() q_kind=()
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

usage() { echo "usage: tests/run-all.sh [-j N]   (N tests at once; tests/README)" >&2; exit 2; }
while getopts j: o; do
	case $o in
	j) [[ $OPTARG =~ ^[1-9][0-9]*$ ]] || usage; jobs=$OPTARG ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage
cd "$(dirname "$0")/.." || exit 1
arch=$(uname -m)
mkdir -p "$out"
start_all=$SECONDS

# PostgreSQL: one throw-away cluster (tests/pg-cluster.sh) for the run, for
# the store's unit test and the daemon's end-to-end tests on PostgreSQL
# (below) and those that need it (t0450, t0460: FW_PG_DIR).  When it cannot
# start (PostgreSQL not installed), that half is skipped with the reason.
pg_dir=$(mktemp -d /tmp/fw-pg.XXXXXX)
trap 'tests/pg-cluster.sh stop "$pg_dir"' EXIT
pg_rc=0
pg_why=$(tests/pg-cluster.sh start "$pg_dir" fsync=off) || pg_rc=$?
if [ $pg_rc -eq 0 ]; then
	export FW_PG_DIR=$pg_dir
else
	pg_why=${pg_why:-the cluster did not start}
fi
# the daemon's end-to-end tests that run on PostgreSQL too: the API, the
# pages, comparisons, alerts and their delivery, the noise warnings,
# hostile input, tokens (not the collector's, nor those of SQLite's files)
pg_e2e="t0400-daemon-api t0431-wants-runs t0510-compare t0517-session-level t0520-alerts t0530-delivery t0550-web-pages
	t0570-noise-pages t0600-hostile-values t0605-hostile-text t0620-tokens"

# every test from here on is queued, then run_queued runs them
queueing=1
echo "running the tests, $jobs at once (logs in $out/)"

units unit "" 0
units unit-san "SAN=1" 1 env ASAN_OPTIONS=detect_leaks=1
if [ "$arch" != aarch64 ]; then
	if command -v qemu-aarch64-static >/dev/null; then
		units unit-aarch64 "ARCH=aarch64" 1 env QEMU_LD_PREFIX=/ qemu-aarch64-static
	else
		skip_all unit-aarch64 "no qemu-aarch64-static (apt-get install qemu-user-static)"
	fi
fi
for t in tests/e2e/t[0-9]*.sh; do
	run "e2e/$(basename "$t" .sh)" bash "$t"
done
# the small matrix once more with the ASan/UBSan binary
if [ -x build/$arch-san/forkwatch ]; then
	run "e2e-san/t0100-bench-small" env FW=build/$arch-san/forkwatch bash tests/e2e/t0100-bench-small.sh
	run "e2e-san/t0110-bench-errors" env FW=build/$arch-san/forkwatch bash tests/e2e/t0110-bench-errors.sh
	run "e2e-san/t0550-web-pages" env FWD=build/$arch-san/forkwatchd bash tests/e2e/t0550-web-pages.sh
	# the attack review's (issue 11): what a hostile client sends, under the sanitizers
	for t in tests/e2e/t066[0-9]-*.sh; do
		run "e2e-san/$(basename "$t" .sh)" env FWD=build/$arch-san/forkwatchd bash "$t"
	done
	run "e2e-san/t0565-first-kernel" env FWD=build/$arch-san/forkwatchd bash tests/e2e/t0565-first-kernel.sh
else
	skip_all e2e-san "no ASan build (make SAN=1)"
fi

# the PostgreSQL half
if [ $pg_rc -eq 0 ]; then
	for b in "build/$arch" "build/$arch-san"; do
		[ -x "$b/tests/daemon/test_store" ] || continue
		name=unit-pg/test_store
		[ "$b" = "build/$arch" ] || name=unit-san-pg/test_store
		db=unit_$(basename "$b" | tr -c 'a-z0-9\n' _)
		if tests/pg-cluster.sh createdb "$pg_dir" "$db" 2>/dev/null; then
			run "$name" env ASAN_OPTIONS=detect_leaks=1 \
				FW_TEST_PG="$(tests/pg-cluster.sh url "$pg_dir" "$db")" "$b/tests/daemon/test_store"
		else
			run "$name" false
		fi
	done
	for t in $pg_e2e; do
		run "e2e-pg/$t" env FW_TEST_DB=pg bash "tests/e2e/$t.sh"
	done
	if [ -x build/$arch-san/forkwatchd ]; then
		run "e2e-san-pg/t0550-web-pages" env FW_TEST_DB=pg FWD=build/$arch-san/forkwatchd \
			bash tests/e2e/t0550-web-pages.sh
	fi
else
	skip_all unit-pg "$pg_why"
	skip_all e2e-pg "$pg_why"
fi

run_queued

echo
[ $fail -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "tests took $(((SECONDS - start_all) / 60)) min $(((SECONDS - start_all) % 60)) s, $jobs at once"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# The journal restores an mTHP knob after the benchmark is killed with
# SIGKILL in the middle of a run: by 'forkwatch restore' and by the next
# 'forkwatch bench'.
. "$(dirname "$0")/lib.sh"
need_root
knob=/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled
[ -w "$knob" ] || skip "no writable mTHP knob $knob (kernel without mTHP)"
[ -x "$FW" ] || fail "no $FW: run make first"
pmdknob=/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled
choice() { sed -n 's/.*\[\(.*\)\].*/\1/p' "${1:-$knob}"; }
orig=$(choice)
pmdorig=$(choice $pmdknob)
cleanup_hooks+=("echo $orig > $knob" "echo $pmdorig > $pmdknob")
# the benchmark sets the layout's own size to madvise unless already allowed:
# start from never so that it must change the knob
echo never >"$knob"
orig=never

kill9_midrun() {
	"$FW" bench --size 256M --runs 1000 --iterations 1000 --layouts order-4 --workloads fork \
		--quiet >/dev/null 2>&1 &
	local pid=$! i
	for i in $(seq 1 200); do
		[ "$(choice)" != "$orig" ] && [ -s "$FORKWATCH_STATE_DIR/knobs.journal" ] && break
		sleep 0.05
	done
	[ "$(choice)" = madvise ] || fail "bench did not set $knob (it is '$(choice)')"
	sleep 0.3
	kill -9 $pid
	wait $pid 2>/dev/null || true
	sleep 0.2 # the worker dies with its parent (PDEATHSIG)
	[ "$(choice)" = madvise ] || fail "knob changed back without a restore?"
	grep -q "$knob" "$FORKWATCH_STATE_DIR/knobs.journal" || fail "journal does not hold $knob"
}

say "kill -9, then forkwatch restore"
kill9_midrun
"$FW" restore | tee "$T/restore.out"
grep -q "restored [1-9][0-9]* knob" "$T/restore.out" || fail "restore did not report the knob"
[ "$(choice)" = "$orig" ] || fail "knob is '$(choice)' after restore, expected '$orig'"
[ "$(choice $pmdknob)" = "$pmdorig" ] || fail "PMD knob is '$(choice $pmdknob)' after restore, expected '$pmdorig'"
[ ! -e "$FORKWATCH_STATE_DIR/knobs.journal" ] || fail "journal left after restore"

say "kill -9, then the next bench restores at start"
kill9_midrun
"$FW" bench --size 4M --runs 1 --iterations 1 --warmup 0 --layouts order-0 --workloads fork \
	>/dev/null 2>"$T/err"
grep -q "restored [1-9][0-9]* knob" "$T/err" || { cat "$T/err"; fail "bench did not say it restored"; }
[ "$(choice)" = "$orig" ] || fail "knob is '$(choice)' after the next bench, expected '$orig'"
[ "$(choice $pmdknob)" = "$pmdorig" ] || fail "PMD knob not restored by the next bench"

say "a second benchmark on the machine is refused, whatever its state directory"
"$FW" bench --size 256M --runs 1000 --layouts order-4 --workloads fork --quiet >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 200); do [ "$(choice)" = madvise ] && break; sleep 0.05; done
expect_fail "concurrent bench" "another forkwatch is benchmarking on this machine" \
	env FORKWATCH_STATE_DIR="$T/other-state" "$FW" bench --size 4M --runs 1 --layouts order-0
say "with --wait, a second benchmark waits for the first, says so, then runs"
env FORKWATCH_STATE_DIR="$T/other-state" "$FW" bench --wait --size 4M --runs 1 --iterations 1 \
	--warmup 0 --layouts order-0 --workloads fork --quiet >/dev/null 2>"$T/wait.err" &
waiter=$!
for i in $(seq 1 100); do grep -q waiting "$T/wait.err" && break; sleep 0.05; done
grep -q "another forkwatch is benchmarking on this machine.*waiting" "$T/wait.err" ||
	{ cat "$T/wait.err"; fail "the waiting bench did not say it waits"; }
kill -0 $waiter 2>/dev/null || fail "the waiting bench did not wait"
kill -INT $pid
wait $pid || true
rc=0; wait $waiter || rc=$?
[ $rc -eq 0 ] || { cat "$T/wait.err"; fail "the waiting bench exited $rc once the lock was free"; }
say "ok: $(head -1 "$T/wait.err")"
[ "$(choice)" = "$orig" ] || fail "knob is '$(choice)' after both benchmarks stopped"

say "SIGINT restores too, and writes no result"
"$FW" bench --wait --size 256M --runs 1000 --layouts order-4 --workloads fork --quiet \
	--json "$T/never.json" >/dev/null 2>"$T/err" &
pid=$!
# --wait: another benchmark on the machine (a developer's) is waited for
for i in $(seq 1 6000); do [ "$(choice)" = madvise ] && break; sleep 0.05; done
kill -0 $pid 2>/dev/null || { cat "$T/err"; fail "the bench to interrupt ended on its own"; }
kill -INT $pid
rc=0; wait $pid || rc=$?
[ $rc -eq 130 ] || fail "exit $rc after SIGINT, expected 130"
grep -q "knobs restored" "$T/err" || fail "no word on the restore"
[ "$(choice)" = "$orig" ] || fail "knob is '$(choice)' after SIGINT"
[ ! -e "$T/never.json" ] || fail "an interrupted run wrote a result"
echo ok

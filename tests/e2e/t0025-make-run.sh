#!/usr/bin/env bash
# `make run`'s script on a tiny benchmark (RUN_DIR in the test's directory,
# a free port): the daemon starts, this machine is registered, benchmarked
# and uploaded, and the closing message says where the programs, the
# admin token, the log and the database are (each of them there), and that
# a first kernel has nothing to compare with yet; a second run says no
# such thing once the machine has two kernels.
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$top/build/$arch/forkwatchd" ] || fail "no build/$arch/forkwatchd: run make first"
command -v curl >/dev/null || skip "needs curl (Debian package curl)"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
"$FW" register --help >/dev/null 2>&1 || skip "this build has no libcurl"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop_run() { [ -f "$T/run/forkwatchd.pid" ] && kill "$(cat "$T/run/forkwatchd.pid")" 2>/dev/null; rm -f "$T/run/forkwatchd.pid"; }
cleanup_hooks+=(stop_run)
export RUN_DIR=$T/run FORKWATCH_PORT=$port
export BENCH_ARGS="--wait --quiet --size 4M --runs 2 --iterations 2 --warmup 0 --layouts order-0 --workloads fork"

say "scripts/run.sh (make run without the build), a tiny benchmark"
start=$(date +%s)
bash "$top/scripts/run.sh" >"$T/out" 2>&1 || { cat "$T/out"; fail "run.sh exited $?"; }
echo "    $(($(date +%s) - start)) s"
cat "$T/out"
line() { # what: the path on the line starting with it, which must exist
	local p
	p=$(sed -n "s|^  $1 *\(/[^ ,]*\).*|\1|p" "$T/out" | head -1)
	[ -n "$p" ] && [ -e "$p" ] || fail "the message's '$1' line names no file that exists: '$p'"
	echo "$p"
}
[ "$(line 'the programs (not on PATH):')" = "$top/build/$arch/forkwatch" ] || fail "the programs' path"
[ "$(line 'the admin token (to log in for triage on [^)]*):')" = "$T/run/admin.token" ] || fail "the token's path"
[ "$(line "forkwatchd's log:")" = "$T/run/forkwatchd.log" ] || fail "the log's path"
line 'its database:' >/dev/null
line "this machine's host token:" >/dev/null
grep -q "^  this machine (its kernels, trends, runs):  http://127.0.0.1:$port/hosts/" "$T/out" || fail "no host URL"
host_url=$(sed -n 's|^  this machine (its kernels, trends, runs):  ||p' "$T/out")
curl -sf -o /dev/null "$host_url" || fail "$host_url does not answer 200"
grep -q "^This is the first kernel this machine ran: nothing to compare it with yet" "$T/out" ||
	fail "no word on the first kernel"

say "a second kernel: no first-kernel note"
BENCH_ARGS="$BENCH_ARGS --kernel-commit 2222222222222222222222222222222222222222" \
	bash "$top/scripts/run.sh" >"$T/out2" 2>&1 || { cat "$T/out2"; fail "second run.sh exited $?"; }
grep -q "^forkwatchd already running" "$T/out2" || fail "the second run started another daemon"
grep -q "first kernel" "$T/out2" && fail "the second run still says first kernel"
stop_run
echo ok

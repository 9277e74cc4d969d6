# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by bench/ingest.sh, bench/read.sh and bench/durability.sh (sourced,
# not run): the load programs, the template document, forkwatchd's start
# and stop.  Sources common.sh for die, posint, BENCH_DIR, ROOT_DIR, PY,
# FORKWATCH and the THP snapshot.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FORKWATCHD=${FORKWATCHD:-$ROOT_DIR/build/$(uname -m)/forkwatchd}
LOADGEN=$BENCH_DIR/out/ingest-load
SQLALONE=$BENCH_DIR/out/sqlite-alone
TEMPLATE=${TEMPLATE:-$BENCH_DIR/out/template.json}

server_preflight() {
	[[ $(id -u) == 0 ]] || die "needs root: the template document comes from 'forkwatch bench', which reads /proc/kpageflags and sets THP knobs"
	command -v gcc >/dev/null || die "gcc not found (Debian: apt-get install gcc)"
	[[ -x $PY ]] || die "$PY not found (Debian: apt-get install python3)"
	"$PY" -c 'import sqlite3' 2>/dev/null || die "$PY has no sqlite3 module (Debian: apt-get install python3)"
	command -v curl >/dev/null || die "curl not found (Debian: apt-get install curl)"
	[[ -x $FORKWATCHD ]] || die "no forkwatchd at $FORKWATCHD: run 'make' in $ROOT_DIR first (or set FORKWATCHD=)"
	[[ -x $FORKWATCH ]] || die "no forkwatch at $FORKWATCH: run 'make' in $ROOT_DIR first (or set FORKWATCH=)"
	[[ -f /usr/include/curl/curl.h || -f /usr/include/x86_64-linux-gnu/curl/curl.h ]] ||
		die "libcurl headers missing (Debian: apt-get install libcurl4-openssl-dev)"
	[[ -f /usr/include/jansson.h ]] || die "jansson headers missing (Debian: apt-get install libjansson-dev)"
	[[ -f /usr/include/sqlite3.h ]] || die "SQLite headers missing (Debian: apt-get install libsqlite3-dev)"
	mkdir -p "$BENCH_DIR/out"
	gcc -O2 -Wall -Wextra -pthread -o "$LOADGEN" "$BENCH_DIR/ingest-load.c" -lcurl -ljansson -lm ||
		die "compiling ingest-load.c failed"
	[[ -f /usr/include/zstd.h ]] || die "zstd headers missing (Debian: apt-get install libzstd-dev)"
	# the samples codec is the daemon's own (lib/sampcodec.c): the same blobs
	gcc -O2 -Wall -Wextra -pthread -I"$ROOT_DIR" -o "$SQLALONE" "$BENCH_DIR/sqlite-alone.c" \
		"$ROOT_DIR/lib/sampcodec.c" "$ROOT_DIR/lib/strbuf.c" -lsqlite3 -ljansson -lzstd -lm ||
		die "compiling sqlite-alone.c failed"
}

# The real document every upload varies: forkwatch bench at its default
# runs and iterations (8 x 100; 4 layouts x 2 workloads), 64 MiB per case.
# Made once into bench/out/template.json; NEW_TEMPLATE=1 makes it again.
template_ready() {
	if [[ -s $TEMPLATE && ${NEW_TEMPLATE:-0} != 1 ]]; then
		echo "template document: $TEMPLATE ($(stat -c %s "$TEMPLATE") bytes)"
		return
	fi
	echo "making the template document with 'forkwatch bench --size 64M' (8 runs x 100 iterations, 4 layouts x 2 workloads; under a minute)..." >&2
	thp_snapshot
	if ! bg_run "$FORKWATCH" bench --size 64M --quiet --json "$TEMPLATE.tmp" >"$TEMPLATE.log" 2>&1; then
		thp_restore
		tail -n 20 "$TEMPLATE.log" >&2
		die "forkwatch bench failed (log: $TEMPLATE.log)"
	fi
	thp_restore
	mv "$TEMPLATE.tmp" "$TEMPLATE"
	echo "template document: $TEMPLATE ($(stat -c %s "$TEMPLATE") bytes, new)"
}

# ---- forkwatchd ------------------------------------------------------------

DAEMON_PID=
DAEMON_URL=
DAEMON_PORT=

# daemon_start DB LOG [PORT [OPTION...]]: forkwatchd on 127.0.0.1 (PORT, or
# any free port: 0), with more options if given (after --upload-rate 0
# --kernels-per-hour 0, which they may override); waits until /healthz
# answers.  Sets DAEMON_PID, DAEMON_URL, DAEMON_PORT.
daemon_start() {
	local db=$1 log=$2 port=${3:-0} i lift=()
	shift $(($# < 3 ? $# : 3))
	: >"$log"
	# benches upload as fast as they can: a daemon's per-host bounds are
	# lifted where it has them (a build of an older tree has none)
	if "$FORKWATCHD" --help 2>/dev/null | grep -q -- '--upload-rate'; then
		lift=(--upload-rate 0 --kernels-per-hour 0)
	fi
	"$FORKWATCHD" --listen "127.0.0.1:$port" --db "$db" "${lift[@]}" "$@" >>"$log" 2>&1 &
	DAEMON_PID=$!
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID" 2>/dev/null || true
			DAEMON_PID=
			tail -n 20 "$log" >&2
			die "forkwatchd did not start (log: $log)"
		fi
		DAEMON_PORT=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$log" | tail -n 1)
		if [[ -n $DAEMON_PORT ]] && curl -sf "http://127.0.0.1:$DAEMON_PORT/healthz" >/dev/null; then
			DAEMON_URL=http://127.0.0.1:$DAEMON_PORT
			return
		fi
		sleep 0.05
	done
	die "forkwatchd did not answer /healthz within 10 s (log: $log)"
}

# SIGTERM, up to 30 s for requests in flight, then SIGKILL.
daemon_stop() {
	local i
	[[ -n $DAEMON_PID ]] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		echo "${0##*/}: forkwatchd $DAEMON_PID did not stop within 30 s: SIGKILL" >&2
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

# CPU seconds (user + system) the daemon has used so far.
daemon_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$DAEMON_PID/stat"
}

# CPU ticks of each of the daemon's threads: "tid:ticks ..." on one line.
daemon_thread_ticks() {
	local t
	for t in /proc/"$DAEMON_PID"/task/*; do
		printf '%s:%s ' "${t##*/}" "$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null || echo 0)"
	done
	echo
}

# Background programs started by a script, killed at exit by pid.
BG_PIDS=()
server_cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	daemon_stop
	thp_restore # only if forkwatch bench was cut short: it restores its own knobs
}

# The traps of every server script: SIGINT and SIGTERM exit, the exit
# stops the daemon and whatever bg_run started.
server_traps() {
	trap server_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# bg_run CMD...: CMD in the background, waited for, so that a signal
# stops the script at once (bash runs traps only between foreground
# commands) and server_cleanup kills CMD.  Returns CMD's exit status.
bg_run() {
	local pid rc=0 p keep=()
	"$@" &
	pid=$!
	BG_PIDS+=("$pid")
	wait "$pid" || rc=$?
	for p in "${BG_PIDS[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
	return $rc
}

# Checkpoint the WAL into the database, then print the bytes of the
# database and its WAL (after TRUNCATE the WAL is empty, if it exists).
db_bytes() { # DB
	"$PY" - "$1" <<'EOF'
import os, sqlite3, sys
db = sys.argv[1]
c = sqlite3.connect(db, timeout=30)
busy, log, done = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
c.close()
size = sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
print(size if not busy else f"{size} (checkpoint busy)")
EOF
}

# read_db_ready DBDIR HOSTS KERNELS LOAD_CLIENTS REBUILD [BINARY]: DBDIR/forkwatch.db
# holds HOSTS x KERNELS uploads of the template document (hosts lab-000...,
# one upload per host and kernel), loaded through the API of $FORKWATCHD;
# reused when it holds them already (REBUILD=1 loads it again).  BINARY,
# when given, names the daemon that loads it (read.sh's BEFORE: its path
# and time), kept in the meta line: a database loaded by another binary is
# loaded again.  Needs server_preflight.
read_db_ready() {
	local dir=$1 hosts=$2 kernels=$3 clients=$4 rebuild=${5:-0} db=$1/forkwatch.db
	local want="hosts=$2 kernels=$3 runs=$(($2 * $3))${6:+ binary=$6}"
	if [[ $rebuild != 1 && -s $dir/meta && -s $db ]]; then
		if [[ $(cat "$dir/meta") == "$want" && $(db_runs "$db") == $((hosts * kernels)) ]]; then
			echo "database: $db, loaded before ($(grep -v RESULT "$dir/load.txt" 2>/dev/null || true)); REBUILD=1 loads it again"
			return
		fi
		echo "$dir holds '$(cat "$dir/meta")' ($(db_runs "$db") runs), not '$want': rebuilding it" >&2
	fi
	template_ready
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "loading $((hosts * kernels)) uploads through the API with $clients clients (a few hundred per second)..." >&2
	daemon_start "$db" "$dir/forkwatchd-load.log"
	"$LOADGEN" register --url "$DAEMON_URL" --admin-token "$dir/admin.token" --prefix lab- \
		--count "$hosts" --out "$dir/tokens" >/dev/null
	if ! bg_run "$LOADGEN" load --url "$DAEMON_URL" --template "$TEMPLATE" --tokens "$dir/tokens" \
		--kernels "$kernels" --clients "$clients" >"$dir/load.txt"; then
		cat "$dir/load.txt" >&2
		die "loading failed (forkwatchd log: $dir/forkwatchd-load.log)"
	fi
	daemon_stop
	[[ $(db_runs "$db") == $((hosts * kernels)) ]] || die "$db holds $(db_runs "$db") runs after loading, expected $((hosts * kernels))"
	echo "$want" >"$dir/meta"
	echo "database: $db, $(grep -v RESULT "$dir/load.txt")"
}

# Runs stored in a database (0 when it cannot be read).
db_runs() { # DB
	"$PY" -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT count(*) FROM runs").fetchone()[0])' "$1" 2>/dev/null || echo 0
}

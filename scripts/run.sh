#!/usr/bin/env bash
# `make run`: start forkwatchd on 127.0.0.1 with a local SQLite database
# (build/run/), register this machine, benchmark it and upload the result,
# then print where to look.  The daemon keeps running; `make stop` stops it.
# Environment: FORKWATCH_PORT (8080), BENCH_ARGS (extra forkwatch bench options),
# RUN_DIR (build/run: the database, log, admin token and state).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$(uname -m)
bin=$PWD/build/$arch
dir=$(realpath -m "${RUN_DIR:-build/run}")
port=${FORKWATCH_PORT:-8080}
url=http://127.0.0.1:$port
mkdir -p "$dir"
export FORKWATCH_STATE_DIR=$dir/state

[ "$(id -u)" = 0 ] || { echo "make run: the benchmark needs root (sudo make run)" >&2; exit 1; }

running() { [ -f "$dir/forkwatchd.pid" ] && kill -0 "$(cat "$dir/forkwatchd.pid")" 2>/dev/null; }
if running; then
	echo "forkwatchd already running (pid $(cat "$dir/forkwatchd.pid")) on $url"
else
	"$bin/forkwatchd" --listen "127.0.0.1:$port" --db "$dir/forkwatch.db" >>"$dir/forkwatchd.log" 2>&1 &
	echo $! >"$dir/forkwatchd.pid"
	for _ in $(seq 1 50); do
		curl -sf "$url/healthz" >/dev/null 2>&1 && break
		running || { tail -5 "$dir/forkwatchd.log" >&2; echo "make run: forkwatchd did not start" >&2; exit 1; }
		sleep 0.1
	done
	echo "forkwatchd started on $url (database $dir/forkwatch.db, log $dir/forkwatchd.log)"
fi

if [ ! -f "$FORKWATCH_STATE_DIR/host.token" ]; then
	"$bin/forkwatch" register --server "$url" --admin-token-file "$dir/admin.token"
fi
# shellcheck disable=SC2086
"$bin/forkwatch" run --server "$url" ${BENCH_ARGS:-}
host=$(sed -n 's/^name=//p' "$FORKWATCH_STATE_DIR/host.token")
urlenc() { # percent-encode all but the unreserved characters
	local LC_ALL=C s=$1 i c out=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in [A-Za-z0-9._~-]) out+=$c ;; *) out+=$(printf '%%%02X' "'$c") ;; esac
	done
	printf '%s' "$out"
}
enc=$(urlenc "$host")
cat <<MSG

Results are stored.  The dashboard:
  this machine (its kernels, trends, runs):  $url/hosts/$enc
  every machine, latest kernels, alerts:     $url/
  the same as JSON:                          $url/api/v1/hosts/$enc
Where things are:
  the programs (not on PATH):  $bin/forkwatch, $bin/forkwatchd
                               ('sudo make install' puts them in /usr/local/bin, with man pages)
  the admin token (to log in for triage on $url/alerts):  $dir/admin.token
  forkwatchd's log:            $dir/forkwatchd.log
  its database:                $dir/forkwatch.db
  this machine's host token:   $FORKWATCH_STATE_DIR/host.token
('make stop' stops the daemon)
MSG
kernels=$(curl -sf "$url/api/v1/hosts/$enc" | grep -o '"ident":' | wc -l || true)
if [ "${kernels:-0}" -le 1 ]; then
	cat <<MSG
This is the first kernel this machine ran: nothing to compare it with yet.
Boot another kernel and 'make run' again (it is compared with this one), or
compare two kernels yourself: $bin/forkwatch compare --server $url --host $host BASE HEAD
MSG
fi
command -v xdg-open >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ] && xdg-open "$url/hosts/$enc" >/dev/null 2>&1 || true

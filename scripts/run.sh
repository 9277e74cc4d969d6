#!/usr/bin/env bash
# `make run`: start forkwatchd on 127.0.0.1 with a local SQLite database
# (build/run/), register this machine, benchmark it and upload the result,
# then print where to look.  The daemon keeps running; `make stop` stops it.
# Environment: FORKWATCH_PORT (8080), BENCH_ARGS (extra forkwatch bench options).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$(uname -m)
bin=build/$arch
dir=build/run
port=${FORKWATCH_PORT:-8080}
url=http://127.0.0.1:$port
mkdir -p "$dir"
export FORKWATCH_STATE_DIR=$PWD/$dir/state

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
('make stop' stops the daemon)
MSG
command -v xdg-open >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ] && xdg-open "$url/hosts/$enc" >/dev/null 2>&1 || true

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load: wrk with CONNECTIONS concurrent connections on the dashboard
# pages while lab clients upload results, REQUESTS requests in all, in
# chunks of SAMPLE_EVERY; after each chunk the daemon's memory (VmRSS,
# VmHWM).  Prints wrk's errors (socket errors, non-2xx answers), p50/p99
# latency and requests/s per chunk and in all, the uploads done meanwhile,
# and whether memory grows with the requests.  See bench/README.md.
#
#   sudo bench/load.sh                                  # 1,000,000 requests, 200 connections
#   sudo REQUESTS=50000 SAMPLE_EVERY=10000 bench/load.sh  # a quick check
#
# Environment: REQUESTS (1000000), SAMPLE_EVERY (REQUESTS/20),
# CONNECTIONS (200), THREADS (wrk threads: the CPUs, at most CONNECTIONS),
# PATHS (comma-separated; default /,/hosts/<first host>,/kernels/<latest
# kernel>, or /api/v1/hosts,/api/v1/kernels while the pages are not
# there), UPLOAD_CLIENTS (4), UPLOAD_BATCH (8 uploads), UPLOAD_PAUSE (1 s
# between batches), HOSTS (20), KERNELS (10), LOAD_CLIENTS (4), REBUILD
# (0), DBDIR (bench/out/load-db), TEMPLATE, OUT (bench/out/load-<time>).
# Exits 0 with the table (2 when it cannot run, 1 when a tool failed).
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

REQUESTS=${REQUESTS:-1000000}
SAMPLE_EVERY=${SAMPLE_EVERY:-$(((REQUESTS + 19) / 20))}
CONNECTIONS=${CONNECTIONS:-200}
THREADS=${THREADS:-$(nproc)}
UPLOAD_CLIENTS=${UPLOAD_CLIENTS:-4}
UPLOAD_BATCH=${UPLOAD_BATCH:-8}
UPLOAD_PAUSE=${UPLOAD_PAUSE:-1}
HOSTS=${HOSTS:-20}
KERNELS=${KERNELS:-10}
LOAD_CLIENTS=${LOAD_CLIENTS:-4}
REBUILD=${REBUILD:-0}
DBDIR=${DBDIR:-$BENCH_DIR/out/load-db}
for v in REQUESTS SAMPLE_EVERY CONNECTIONS THREADS UPLOAD_CLIENTS UPLOAD_BATCH HOSTS KERNELS LOAD_CLIENTS; do
	posint "$v" "${!v}"
done
[[ $UPLOAD_PAUSE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "UPLOAD_PAUSE='$UPLOAD_PAUSE': expected seconds"
((THREADS <= CONNECTIONS)) || THREADS=$CONNECTIONS
((UPLOAD_CLIENTS <= HOSTS)) || die "UPLOAD_CLIENTS=$UPLOAD_CLIENTS: at most HOSTS=$HOSTS (one host each)"
((HOSTS <= 1000)) || die "HOSTS=$HOSTS: at most 1000"

if ! command -v wrk >/dev/null; then
	[[ $(id -u) == 0 ]] && command -v apt-get >/dev/null &&
		{ echo "wrk not found: apt-get install wrk..." >&2; apt-get install -y -q wrk >/dev/null 2>&1 || true; }
	command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
fi
server_preflight
OUT=${OUT:-$BENCH_DIR/out/load-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
server_traps

echo "load: $REQUESTS requests by wrk, $CONNECTIONS connections, $THREADS threads, memory every $SAMPLE_EVERY requests"
echo "kernel $(uname -r), $(nproc) CPUs; files in $OUT"
read_db_ready "$DBDIR" "$HOSTS" "$KERNELS" "$LOAD_CLIENTS" "$REBUILD"
# a copy: the uploads during the run must not grow the database that is reused
mkdir -p "$OUT/db"
cp "$DBDIR/forkwatch.db" "$DBDIR/admin.token" "$OUT/db/"
daemon_start "$OUT/db/forkwatch.db" "$OUT/forkwatchd.log" 0 \
	--conn-per-ip $((CONNECTIONS + 2 * UPLOAD_CLIENTS + 16)) --max-connections $((CONNECTIONS + 100))

# the pages: the first host, the newest kernel
if [[ -z ${PATHS:-} ]]; then
	PATHS=$("$PY" - "$DAEMON_URL" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1]
hosts = json.load(urllib.request.urlopen(url + "/api/v1/hosts"))["hosts"]
kernels = json.load(urllib.request.urlopen(url + "/api/v1/kernels"))["kernels"]
q = lambda s: urllib.parse.quote(s, safe="")
print(",".join(["/", "/hosts/" + q(hosts[0]["name"]), "/kernels/" + q(kernels[0]["ident"])]))
EOF
)
	missing=()
	IFS=, read -ra paths <<<"$PATHS"
	for p in "${paths[@]}"; do
		[[ $(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL$p") == 200 ]] || missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "${0##*/}: no page at ${missing[*]} yet: loading /api/v1/hosts and /api/v1/kernels instead" >&2
		PATHS=/api/v1/hosts,/api/v1/kernels
	fi
fi
IFS=, read -ra paths <<<"$PATHS"
for p in "${paths[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$DAEMON_URL$p")
	[[ $code == 200 ]] || die "GET $p answers $code, not 200"
done
echo "paths: ${paths[*]}"

cat >"$OUT/load.lua" <<'EOF'
-- wrk: rotate over the paths after "--", stop each thread after its share
local paths, limit, n, i = {}, 0, 0, 0
function init(args)
	limit = tonumber(args[1])
	for j = 2, #args do paths[#paths + 1] = args[j] end
	i = math.random(#paths) - 1
end
function request()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end
function response(status, headers, body)
	n = n + 1
	if n >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("LOADRESULT requests=%d duration_us=%d connect=%d read=%d write=%d "
		.. "timeout=%d non2xx=%d p50_us=%d p99_us=%d max_us=%d\n", summary.requests,
		summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
		latency:percentile(50), latency:percentile(99), latency.max))
end
EOF

# lab clients uploading meanwhile: batches of fresh documents, a pause between
uploader() {
	local i=0
	while [[ ! -e $OUT/wrk.done ]]; do
		i=$((i + 1))
		"$LOADGEN" post --url "$DAEMON_URL" --template "$TEMPLATE" --tokens "$DBDIR/tokens" \
			--count "$UPLOAD_BATCH" --clients "$UPLOAD_CLIENTS" --seed $((1000 + i)) \
			>>"$OUT/uploads.txt" 2>>"$OUT/uploads.log" || true
		timeout "$UPLOAD_PAUSE" bash -c 'until [[ -e $1 ]]; do sleep 0.2; done' - "$OUT/wrk.done" || true
	done
}
rm -f "$OUT/wrk.done"
uploader &
BG_PIDS+=($!)

# wrk_count N: wrk until each of its threads has had N answers.  A thread
# that stops (load.lua) ends only itself: wrk's main thread sleeps out -d
# and is woken with SIGINT, on which it prints its summary, once it is
# the only thread left.
wrk_count() {
	local pid i
	wrk -t"$THREADS" -c"$CONNECTIONS" -d86400s --timeout 10s -s "$OUT/load.lua" \
		"$DAEMON_URL" -- "$1" "${paths[@]}" &
	pid=$!
	sleep 0.5
	for ((i = 0; i < 864000; i++)); do
		[[ -d /proc/$pid ]] || break
		(($(ls /proc/$pid/task 2>/dev/null | wc -l) <= 1)) && { kill -INT "$pid" 2>/dev/null; break; }
		sleep 0.1
	done
	wait "$pid"
}

mem() { # VmRSS VmHWM of the daemon, in kB, and its SQLite connections (descriptors of the database)
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%d %d ", r, h }' "/proc/$DAEMON_PID/status"
	find "/proc/$DAEMON_PID/fd" -lname '*/forkwatch.db' 2>/dev/null | wc -l
}
read -r rss0 hwm0 dbc0 < <(mem)
echo "0 0 0 0 0 0 0 0 0 $rss0 $hwm0 $dbc0" >"$OUT/chunks.txt"
done_n=0
chunk=0
while ((done_n < REQUESTS)); do
	chunk=$((chunk + 1))
	n=$((REQUESTS - done_n < SAMPLE_EVERY ? REQUESTS - done_n : SAMPLE_EVERY))
	per_thread=$(((n + THREADS - 1) / THREADS))
	if ! bg_run wrk_count "$per_thread" >"$OUT/wrk-$chunk.txt" 2>&1; then
		cat "$OUT/wrk-$chunk.txt" >&2
		echo "${0##*/}: wrk failed" >&2
		exit 1
	fi
	r=$(sed -n 's/^LOADRESULT //p' "$OUT/wrk-$chunk.txt")
	[[ -n $r ]] || { cat "$OUT/wrk-$chunk.txt" >&2; echo "${0##*/}: no result from wrk" >&2; exit 1; }
	kill -0 "$DAEMON_PID" 2>/dev/null || { tail "$OUT/forkwatchd.log" >&2; echo "${0##*/}: forkwatchd died" >&2; exit 1; }
	read -r rss hwm dbc < <(mem)
	for kv in $r; do # requests= duration_us= connect= ...: numbers only
		[[ $kv =~ ^([a-z0-9_]+)=([0-9]+)$ ]] || die "wrk said '$kv'"
		declare "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
	done
	done_n=$((done_n + requests))
	echo "$chunk $done_n $requests $duration_us $((connect + read + write + timeout)) $non2xx $p50_us $p99_us $max_us $rss $hwm $dbc" >>"$OUT/chunks.txt"
	echo "${0##*/}: $done_n/$REQUESTS requests, $((requests * 1000000 / duration_us))/s," \
		"p99 $((p99_us / 1000)) ms, errors $((connect + read + write + timeout)) + $non2xx non-2xx," \
		"VmRSS $((rss / 1024)) MiB" >&2
done
touch "$OUT/wrk.done"
wait "${BG_PIDS[-1]}" 2>/dev/null || true
daemon_stop

"$PY" - "$OUT" "$CONNECTIONS" "$THREADS" "${paths[*]}" <<'EOF'
import os, statistics, sys
out, conns, threads, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = [list(map(int, l.split())) for l in open(os.path.join(out, "chunks.txt"))]
base, rows = rows[0], rows[1:]
print()
print(f"load: wrk, {conns} connections, {threads} threads, paths {paths}")
hdr = (f"{'chunk':>5} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} "
       f"{'sock err':>8} {'non-2xx':>7} {'VmRSS MiB':>9} {'VmHWM MiB':>9} {'db conns':>8}")
print(hdr)
print("-" * len(hdr))
print(f"{'start':>5} {0:>9} {'':>8} {'':>7} {'':>7} {'':>8} {'':>8} {'':>7} {base[9] / 1024:>9.1f} {base[10] / 1024:>9.1f} {base[11]:>8}")
for c, total, n, dur, sock, non2xx, p50, p99, mx, rss, hwm, dbc in rows:
    print(f"{c:>5} {total:>9} {n / (dur / 1e6):>8.0f} {p50 / 1e3:>7.2f} {p99 / 1e3:>7.2f} {mx / 1e3:>8.1f} "
          f"{sock:>8} {non2xx:>7} {rss / 1024:>9.1f} {hwm / 1024:>9.1f} {dbc:>8}")
total = rows[-1][1]
wall = sum(r[3] for r in rows) / 1e6
sock = sum(r[4] for r in rows)
non2xx = sum(r[5] for r in rows)
print("-" * len(hdr))
print(f"in all: {total} requests in {wall:.1f} s of wrk, {total / wall:.0f} requests/s; "
      f"errors: {sock} socket, {non2xx} non-2xx")
print(f"latency: p50 {statistics.median(r[6] for r in rows) / 1e3:.2f} ms (median of the chunks' p50), "
      f"p99 {max(r[7] for r in rows) / 1e3:.2f} ms (the largest chunk p99), max {max(r[8] for r in rows) / 1e3:.1f} ms")
# memory: the slope of VmRSS over the second half of the requests
half = [r for r in rows if r[1] > total / 2] or rows[-1:]
if len(half) >= 2:
    xs = [r[1] for r in half]
    ys = [r[9] / 1024 for r in half]
    mx_, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx_) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx_) ** 2 for x in xs)
    slope_100k = slope * 1e5
else:
    slope_100k = float("nan")
print(f"memory: VmRSS {base[9] / 1024:.1f} MiB at start, {rows[0][9] / 1024:.1f} after the first chunk, "
      f"{rows[-1][9] / 1024:.1f} at the end; VmHWM {rows[-1][10] / 1024:.1f} MiB; "
      f"over the second half {slope_100k:+.2f} MiB per 100,000 requests "
      f"({'flat' if abs(slope_100k) < 1 else 'GROWS' if slope_100k > 0 else 'shrinks'})")
up = [dict(kv.split("=", 1) for kv in l.split()[2:]) for l in open(os.path.join(out, "uploads.txt"))
      if l.startswith("RESULT post")] if os.path.exists(os.path.join(out, "uploads.txt")) else []
if up:
    n = sum(int(u["n"]) for u in up)
    err = sum(int(u["errors"]) for u in up)
    created = sum(int(u["created"]) for u in up)
    p99 = max(float(u["p99_ms"]) for u in up)
    print(f"uploads meanwhile: {n} in {len(up)} batches, {created} created, {err} errors, "
          f"upload p99 {p99:.0f} ms (the largest batch p99)")
else:
    print("uploads meanwhile: none finished (see uploads.log)")
EOF

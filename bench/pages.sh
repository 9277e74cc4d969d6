#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pages: throughput and latency of the dashboards /kernels/{commit} and
# /hosts/{name} on a database of HOSTS x KERNELS uploads, with wrk and
# CONNS connections over loopback, next to a fixed 20 KB page served by
# the daemon's own HTTP layer (bench/fixed-page.c: daemon/server.c,
# libmicrohttpd, the same options) in the same run.  Pages are measured
# as browsers ask for them (Accept-Encoding: gzip) and without
# compression; from the page cache (what a lab sees between uploads) and
# rendered on every request (--page-cache 0: the cost after each upload).
# Then each page's weight, plain and gzip, and a check that it loads
# nothing from elsewhere.  See bench/README.md.
#
#   sudo bench/pages.sh                                  # 100 hosts x 300 kernels
#   sudo HOSTS=5 KERNELS=10 DURATION=3 bench/pages.sh    # a quick check
#
# Environment: HOSTS (100), KERNELS (300), CONNS (64), THREADS (2),
# DURATION (10 s per measurement), LOAD_CLIENTS (4), REBUILD (0),
# DBDIR (bench/out/read-db, shared with bench/read.sh), OUT; ANALYSE=DIR
# prints the table of an earlier run's files (its OUT) without measuring.
# Exits 0 when every target is met and every answer was 2xx, 3 when not
# (named on the last line), 2 when it cannot run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

HOSTS=${HOSTS:-100}
KERNELS=${KERNELS:-300}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
LOAD_CLIENTS=${LOAD_CLIENTS:-4}
REBUILD=${REBUILD:-0}
DBDIR=${DBDIR:-$BENCH_DIR/out/read-db}
for v in HOSTS KERNELS CONNS THREADS DURATION LOAD_CLIENTS; do posint "$v" "${!v}"; done
((HOSTS <= 1000)) || die "HOSTS=$HOSTS: at most 1000 (host names lab-000 to lab-999)"
# report RESULTS HOSTS KERNELS CONNS: the table and verdicts of a run's
# results; exits 3 when a target is missed or a page did not answer 2xx
report() {
	"$PY" - "$@" <<'PYEOF'
import sys
rows = []
for line in open(sys.argv[1]):
    f = line.split()
    rows.append((f[1], dict(kv.split("=", 1) for kv in f[2:])))
hosts, kernels, conns = sys.argv[2:5]
wrk = {k: v for k, v in rows if "rps" in v}
fixed = float(wrk["fixed"]["rps"])
print()
print(f"pages: {hosts} hosts x {kernels} kernels, wrk -c{conns}; fixed page: 20 KB from daemon/server.c alone")
print(f"{'':34} {'req/s':>8} {'of fixed':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  target")
names = {"fixed": "fixed 20 KB page", "kernel-gzip": "/kernels/{commit} (gzip)",
         "kernel-plain": "/kernels/{commit} (plain)", "host-gzip": "/hosts/{name} (gzip)",
         "host-plain": "/hosts/{name} (plain)", "hosts-all-gzip": "/hosts/* all hosts (gzip)",
         "kernel-uncached": "/kernels/{commit} rendered each time",
         "host-uncached": "/hosts/{name} rendered each time"}
missed = []
for k, v in wrk.items():
    rps, p99, errs = float(v["rps"]), float(v["p99_ms"]), int(v["errors"])
    verdict = "" if k == "fixed" else ("p99<20ms %s, >=1/5 %s" % ("pass" if p99 < 20 else "FAIL",
                                       "pass" if rps >= fixed / 5 else "FAIL"))
    # an answer that is not 2xx (or a socket error) is no page served, however fast
    verdict += "%sanswers %s" % (", " if verdict else "", "pass" if not errs else "FAIL")
    if k != "fixed" and (p99 >= 20 or rps < fixed / 5):
        missed.append(f"{names.get(k, k)}: p99 {p99:.2f} ms, {rps / fixed:.2f} of the fixed page's rate")
    if errs:
        missed.append(f"{names.get(k, k)}: {errs} answers not 2xx or failed")
    print(f"{names.get(k, k):34} {rps:8.0f} {rps / fixed:8.2f} {float(v['p50_ms']):8.2f} {p99:8.2f} {v['errors']:>6}  {verdict}")
print()
for k, v in rows:
    if k == "first-render":
        print(f"first request of {v['path']}: {float(v['s']) * 1e3:.0f} ms (renders it)")
for k, v in rows:
    if k == "cold-pass":
        print(f"first rendering of every one of the {v['pages']} /hosts/{{name}} pages, one after another: {v['s']} s")
for k, v in rows:
    if k == "render":
        bad = int(v.get("non200", 0))
        print(f"render of {v['path']}: p50 {v['p50_ms']} ms, max {v['max_ms']} ms ({v['n']} requests, no cache)"
              + (f", {bad} answers not 200: FAIL" if bad else ""))
        if bad:
            missed.append(f"render of {v['path']}: {bad} answers not 200")
    if k == "status" and v["code"] != "200":
        print(f"{v['path']}: answered {v['code']}, expected 200: FAIL")
        missed.append(f"{v['path']}: answered {v['code']}")
print()
print(f"{'page weight':50} {'plain':>9} {'gzip':>8}  external requests")
for k, v in rows:
    if k == "weight":
        print(f"{v['path'][:50]:50} {int(v['plain']):9d} {int(v['gzip']):8d}  {v['external']}")
print()
if missed:
    print("targets missed: " + "; ".join(missed))
    sys.exit(3)
print("every target met")
PYEOF
}

if [[ -n ${ANALYSE:-} ]]; then
	[[ -s $ANALYSE/results.txt && -s $ANALYSE/settings ]] || die "ANALYSE='$ANALYSE': no results.txt and settings in it"
	setting() { sed -n "s/^$1=//p" "$ANALYSE/settings"; }
	report "$ANALYSE/results.txt" "$(setting hosts)" "$(setting kernels)" "$(setting conns)"
	exit 0
fi

command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
FIXED=$ROOT_DIR/build/$(uname -m)/bench/fixed-page
make -s -C "$ROOT_DIR" "build/$(uname -m)/bench/fixed-page" >/dev/null || die "building $FIXED failed"

server_preflight
OUT=${OUT:-$BENCH_DIR/out/pages-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
server_traps
DB=$DBDIR/forkwatch.db
echo "pages: $HOSTS hosts x $KERNELS kernels; wrk -c$CONNS -t$THREADS -d${DURATION}s per measurement"
echo "kernel $(uname -r), $(nproc) CPUs; files in $OUT"
read_db_ready "$DBDIR" "$HOSTS" "$KERNELS" "$LOAD_CLIENTS" "$REBUILD"

KERNEL=$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT ident FROM kernels ORDER BY first_seen_at DESC, id DESC LIMIT 1").fetchone()[0])' "$DB")
HOST=lab-000
RUN=$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT max(id) FROM runs").fetchone()[0])' "$DB")

# a Lua script that rotates over the paths of a file
rotate_lua() { # paths-file
	"$PY" - "$1" <<'PYEOF'
import sys
paths = [l.strip() for l in open(sys.argv[1]) if l.strip()]
print("local paths = {" + ",".join('"%s"' % p for p in paths) + "}")
print("local i = 0")
print("request = function() i = i % #paths + 1; return wrk.format(nil, paths[i]) end")
PYEOF
}
for ((h = 0; h < HOSTS; h++)); do printf '/hosts/lab-%03d\n' "$h"; done >"$OUT/hosts.paths"
rotate_lua "$OUT/hosts.paths" >"$OUT/hosts.lua"

# measure LABEL URL [wrk options]: one wrk run, its summary in $OUT/LABEL.wrk
RESULTS=$OUT/results.txt
: >"$RESULTS"
printf 'hosts=%s\nkernels=%s\nconns=%s\n' "$HOSTS" "$KERNELS" "$CONNS" >"$OUT/settings"
# status PATH CODE: one answer's status, for the report (anything but 200 fails)
status() { echo "RESULT status path=$1 code=$2" >>"$RESULTS"; }
measure() {
	local label=$1 url=$2
	shift 2
	echo "wrk $label..." >&2
	status "$url" "$(curl -s -o /dev/null -w '%{http_code}' "$url")"
	# connections of the last measurement still being answered count against the per-address limit
	sleep 2
	wrk -c"$CONNS" -t"$THREADS" -d"${DURATION}s" --latency --timeout 10s "$@" "$url" >"$OUT/$label.wrk" 2>&1 ||
		{ cat "$OUT/$label.wrk" >&2; die "wrk $label failed"; }
	"$PY" - "$OUT/$label.wrk" "$label" >>"$RESULTS" <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
def lat(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, t, re.M)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
n = int(re.search(r"(\d+) requests in", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
errs = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
tr = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", t)
print("RESULT %s rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d transfer=%s%s" %
      (sys.argv[2], rps, lat(50), lat(99), n, errs, tr.group(1), tr.group(2)))
PYEOF
}

GZ=(-H 'Accept-Encoding: gzip')
echo "fixed 20 KB page (daemon/server.c alone)..." >&2
"$FIXED" --listen 127.0.0.1:0 --db "$OUT/fixed.db" --bytes 20480 --conn-per-ip $((CONNS * 4)) >"$OUT/fixed.log" 2>&1 &
FPID=$!
BG_PIDS+=("$FPID")
for ((i = 0; i < 100; i++)); do
	FPORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$OUT/fixed.log")
	[[ -n $FPORT ]] && break
	sleep 0.05
done
[[ -n ${FPORT:-} ]] || die "fixed-page did not start: $(cat "$OUT/fixed.log")"
measure fixed "http://127.0.0.1:$FPORT/fixed"
kill -TERM "$FPID"; wait "$FPID" 2>/dev/null || true

start_pages() { # extra forkwatchd options
	local log=$OUT/forkwatchd${1:-}.log
	: >"$log"
	"$FORKWATCHD" --listen 127.0.0.1:0 --db "$DB" --conn-per-ip $((CONNS * 4)) "$@" >>"$log" 2>&1 &
	DAEMON_PID=$!
	for ((i = 0; i < 200; i++)); do
		DAEMON_PORT=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$log" | tail -n 1)
		[[ -n $DAEMON_PORT ]] && curl -sf "http://127.0.0.1:$DAEMON_PORT/healthz" >/dev/null && break
		sleep 0.05
	done
	DAEMON_URL=http://127.0.0.1:$DAEMON_PORT
}

start_pages
U=$DAEMON_URL
# the first request of each page renders it: timed apart
for p in "/kernels/$KERNEL" "/hosts/$HOST"; do
	curl -s -o /dev/null -w "RESULT first-render path=$p s=%{time_total}\n" "$U$p" >>"$RESULTS"
done
measure kernel-gzip "$U/kernels/$KERNEL" "${GZ[@]}"
measure kernel-plain "$U/kernels/$KERNEL"
measure host-gzip "$U/hosts/$HOST" "${GZ[@]}"
measure host-plain "$U/hosts/$HOST"
# every host's page once (the first rendering of each), then all of them in rotation
t0=$(date +%s.%N)
while read -r p; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$U$p") || die "GET $p failed"
	[[ $code == 200 ]] || status "$p" "$code"
done <"$OUT/hosts.paths"
echo "RESULT cold-pass pages=$HOSTS s=$("$PY" -c "import sys; print(round($(date +%s.%N) - $t0, 2))")" >>"$RESULTS"
measure hosts-all-gzip "$U" -s "$OUT/hosts.lua" "${GZ[@]}"

say_weight() { # path
	local plain gz
	plain=$(curl -sf -o "$OUT/page.html" -w '%{size_download}' "$U$1") || die "GET $1 failed"
	gz=$(curl -sf -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$U$1")
	"$PY" "$ROOT_DIR/tests/e2e/page-check.py" "$OUT/page.html" >/dev/null || die "$1 loads something from elsewhere or is malformed"
	echo "RESULT weight path=$1 plain=$plain gzip=$gz external=0" >>"$RESULTS"
}
for p in / /kernels "/kernels/$KERNEL" "/hosts/$HOST" "/hosts/$HOST?last=all" \
	"/compare?host=$HOST&head=$KERNEL" "/runs/$RUN" /alerts /login; do
	say_weight "$p"
done
daemon_stop

echo "rendering every request (--page-cache 0)..." >&2
start_pages --page-cache 0
U=$DAEMON_URL
for p in "/kernels/$KERNEL" "/hosts/$HOST" / "/compare?host=$HOST&head=$KERNEL" "/runs/$RUN"; do
	for ((i = 0; i < 21; i++)); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$U$p"
	done | "$PY" -c '
import sys, statistics
a = [l.split() for l in sys.stdin]
v = sorted(float(t) * 1e3 for _, t in a)[1:]  # the first warms the connection pool
print("RESULT render path=%s p50_ms=%.1f max_ms=%.1f n=%d non200=%d" %
      (sys.argv[1], statistics.median(v), v[-1], len(v), sum(c != "200" for c, _ in a)))' "$p" >>"$RESULTS"
done
measure kernel-uncached "$U/kernels/$KERNEL"
measure host-uncached "$U/hosts/$HOST"
daemon_stop

report "$RESULTS" "$HOSTS" "$KERNELS" "$CONNS"

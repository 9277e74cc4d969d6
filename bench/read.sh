#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Read: latency of GET /api/v1/hosts/{name} and GET /api/v1/runs/{id}
# (one run's summaries) on a database of HOSTS x KERNELS uploads loaded
# through the API, sequential and with concurrent clients; and the
# store's summary query against SQLite directly, with and without the
# sample blobs.  See bench/README.md.
#
#   sudo bench/read.sh                                # 100 hosts x 300 kernels
#   sudo HOSTS=5 KERNELS=10 REQUESTS=500 bench/read.sh  # a quick check
#   sudo BEFORE=/tmp/old/build/x86_64/forkwatchd bench/read.sh  # that binary and this one, interleaved
#
# Environment: HOSTS (100), KERNELS (300), REQUESTS (5000 per
# measurement), CLIENTS (8, the concurrent measurement), QUERIES (5000,
# SQLite directly), LOAD_CLIENTS (4),
# REBUILD (0: reuse bench/out/read-db when it holds HOSTS x KERNELS),
# DBDIR (bench/out/read-db), BEFORE (another forkwatchd, e.g. built from
# an older commit: it gets its own database, loaded through its own API
# into BEFORE_DBDIR, bench/out/read-db-before, and the two daemons are
# measured in turn, ROUNDS times, alternating which goes first; "" for
# none), ROUNDS (1, or 2 with BEFORE), WARM (1: read the database file
# into the page cache before each start, and wait, before measuring, until
# a daemon that reports its trend cache in /healthz has made every host's
# trend in the background, as it does after each start; 0: neither),
# TEMPLATE, OUT (bench/out/read-<time>).
# Prints a table; exits 0 (2 when it cannot run, 1 when a tool failed).
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

HOSTS=${HOSTS:-100}
KERNELS=${KERNELS:-300}
REQUESTS=${REQUESTS:-5000}
CLIENTS=${CLIENTS:-8}
QUERIES=${QUERIES:-5000}
LOAD_CLIENTS=${LOAD_CLIENTS:-4}
REBUILD=${REBUILD:-0}
DBDIR=${DBDIR:-$BENCH_DIR/out/read-db}
BEFORE=${BEFORE:-}
BEFORE_DBDIR=${BEFORE_DBDIR:-$BENCH_DIR/out/read-db-before}
ROUNDS=${ROUNDS:-$([[ -n $BEFORE ]] && echo 2 || echo 1)}
WARM=${WARM:-1}
[[ $WARM == [01] ]] || die "WARM=$WARM: expected 0 or 1"
for v in HOSTS KERNELS REQUESTS CLIENTS QUERIES LOAD_CLIENTS ROUNDS; do posint "$v" "${!v}"; done
[[ -z $BEFORE || -x $BEFORE ]] || die "BEFORE=$BEFORE: not an executable forkwatchd"
[[ -z $BEFORE || $(realpath -m "$BEFORE_DBDIR") != $(realpath -m "$DBDIR") ]] ||
	die "BEFORE_DBDIR and DBDIR are one directory: each binary needs its own database"
((HOSTS <= 1000)) || die "HOSTS=$HOSTS: at most 1000 (host names lab-000 to lab-999)"

server_preflight
OUT=${OUT:-$BENCH_DIR/out/read-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
server_traps
DB=$DBDIR/forkwatch.db

# the store's summary query, as the daemon runs it: its macros expanded by
# the preprocessor, its string literals joined
gcc -E -P -D_GNU_SOURCE -I"$ROOT_DIR" "$ROOT_DIR/daemon/store_reads.c" >"$OUT/store_reads.i" ||
	die "cannot preprocess daemon/store_reads.c"
"$PY" - "$OUT/store_reads.i" >"$OUT/summary.sql" <<'EOF' ||
import re, sys
src = open(sys.argv[1]).read()
m = re.search(r'q_run_series\s*=\s*\{\s*(?:\.sql\s*=\s*)?((?:"(?:[^"\\]|\\.)*"\s*)+)', src)
if not m:
    sys.exit("no q_run_series in " + sys.argv[1])
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
EOF
	die "cannot find the store's summary query (q_run_series) in daemon/store_reads.c"

echo "read: $HOSTS hosts x $KERNELS kernels; $REQUESTS requests per measurement, 1 and $CLIENTS clients${BEFORE:+; before: $BEFORE, $ROUNDS rounds}"
echo "kernel $(uname -r), $(nproc) CPUs; files in $OUT"
read_db_ready "$DBDIR" "$HOSTS" "$KERNELS" "$LOAD_CLIENTS" "$REBUILD"
DBBYTES=$(db_bytes "$DB")
if [[ -n $BEFORE ]]; then
	# the older binary's own schema: a database loaded through its own API,
	# marked with the binary it was loaded by
	FORKWATCHD=$BEFORE read_db_ready "$BEFORE_DBDIR" "$HOSTS" "$KERNELS" "$LOAD_CLIENTS" "$REBUILD" \
		"$(realpath "$BEFORE") $(stat -c %Y "$BEFORE")"
	echo "before $(db_bytes "$BEFORE_DBDIR/forkwatch.db")" >"$OUT/before-bytes"
fi

# what the clients ask for: every host, and every run (picked at random)
paths() { # DB TAG
	"$PY" - "$1" "$OUT" "$2" <<'EOF'
import sqlite3, sys
db, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
with open(f"{out}/hosts-{tag}.paths", "w") as f:
    for (name,) in c.execute("SELECT name FROM hosts ORDER BY id"):
        f.write(f"/api/v1/hosts/{name}\n")
with open(f"{out}/runs-{tag}.paths", "w") as f:
    for (i,) in c.execute("SELECT id FROM runs ORDER BY id"):
        f.write(f"/api/v1/runs/{i}\n")
EOF
}
paths "$DB" after
[[ -z $BEFORE ]] || paths "$BEFORE_DBDIR/forkwatch.db" before

# Until the daemon's trend cache has made every host's trend in the
# background (GET /healthz: trends.background), at most 300 s: after a
# start it does so for every host, for 22 to 25 s on 100 hosts x 300
# kernels on the 2-vCPU VM (up to a quarter of a CPU).  A daemon without the cache
# (a546511) is not waited for.  Prints the seconds waited into FILE.
trends_warm() { # FILE
	local t0=$EPOCHREALTIME n
	while :; do
		n=$(curl -sf "$DAEMON_URL/healthz" |
			"$PY" -c 'import json, sys; print(json.load(sys.stdin).get("trends", {}).get("background", "none"))') ||
			n=none
		[[ $n == none ]] || ((n >= HOSTS)) && break
		if awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 300) }'; then
			echo "${0##*/}: the daemon's trends not all made in 300 s: measuring anyway" >&2
			break
		fi
		sleep 0.1
	done
	awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$n" 'BEGIN { printf "trends=%s waited_s=%.1f\n", n, b - a }' >"$1"
}

measure() { # TAG BINARY DB ROUND: a fresh daemon, every measurement
	local tag=$1 what c f
	# the database read once into the page cache: before's is four times
	# the size, and a cache others emptied made its rounds uneven
	((WARM == 0)) || cat "$3" "$3-wal" >/dev/null 2>&1 || true
	FORKWATCHD=$2 daemon_start "$3" "$OUT/forkwatchd-$tag-r$4.log"
	((WARM == 0)) || trends_warm "$OUT/warm-$tag-r$4.txt"
	for what in hosts runs; do
		for c in 1 "$CLIENTS"; do
			echo "${BEFORE:+$tag, round $4: }GET $what, $c client(s)..." >&2
			f=$OUT/get-$tag-$what-c$c-r$4
			if ! bg_run "$LOADGEN" get --url "$DAEMON_URL" --paths "$OUT/$what-$tag.paths" --requests "$REQUESTS" \
				--clients "$c" --warmup 100 --label "$what" >"$f.txt" 2>"$f.log"; then
				cat "$f.txt" "$f.log" >&2
				grep -q '^RESULT get' "$f.txt" || die "ingest-load get failed"
				echo "${0##*/}: some requests failed (see above)" >&2
			fi
		done
	done
	daemon_stop
}
for ((r = 1; r <= ROUNDS; r++)); do
	if [[ -z $BEFORE ]]; then
		measure after "$FORKWATCHD" "$DB" "$r"
	elif ((r % 2)); then
		measure before "$BEFORE" "$BEFORE_DBDIR/forkwatch.db" "$r"
		measure after "$FORKWATCHD" "$DB" "$r"
	else
		measure after "$FORKWATCHD" "$DB" "$r"
		measure before "$BEFORE" "$BEFORE_DBDIR/forkwatch.db" "$r"
	fi
done

echo "SQLite directly: $QUERIES summary queries with and without samples..." >&2
bg_run "$SQLALONE" read --db "$DB" --summary-sql "$OUT/summary.sql" --queries "$QUERIES" >"$OUT/sqlite-read.txt" ||
	{ cat "$OUT/sqlite-read.txt" >&2; echo "${0##*/}: sqlite-alone read failed" >&2; exit 1; }

"$PY" - "$OUT" "$HOSTS" "$KERNELS" "$CLIENTS" "$DBBYTES" "$DBDIR/load.txt" "$ROUNDS" "${BEFORE:+$BEFORE_DBDIR/load.txt}" <<'EOF'
import glob, os, statistics, sys
out, hosts, kernels, clients, dbbytes, loadtxt, rounds, beforeload = sys.argv[1:9]
n = int(hosts) * int(kernels)
rounds = int(rounds)
tags = ["before", "after"] if beforeload else ["after"]

def results(path):
    r = []
    for line in open(path):
        if line.startswith("RESULT "):
            f = line.split()
            r.append((f[1], dict(kv.split("=", 1) for kv in f[2:] if "=" in kv)))
    return r

size = int(dbbytes.split()[0])
load = dict(results(loadtxt)).get("load", {}) if os.path.exists(loadtxt) else {}
print()
print(f"read: database of {hosts} hosts x {kernels} kernels = {n} uploads, loaded through the API"
      + (f" in {float(load['wall_s']):.0f} s ({n / float(load['wall_s']):.0f} uploads/s)" if load else ""))
print(f"database + WAL after a checkpoint: {size / 2**20:.1f} MiB, {size / n:.0f} bytes per upload")
print()
hdr = (f"{'':30} {'daemon':>6} {'round':>5} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50 us':>8} "
       f"{'p99 us':>8} {'max us':>9} {'bytes/answer':>12} {'errors':>6}")
print(hdr)
print("-" * len(hdr))
got = {}
for what, label in (("hosts", "GET /api/v1/hosts/{name}"), ("runs", "GET /api/v1/runs/{id}")):
    for c in ("1", clients):
        for r in range(1, rounds + 1):
            for tag in tags:
                _, g = results(os.path.join(out, f"get-{tag}-{what}-c{c}-r{r}.txt"))[0]
                got.setdefault((what, c, tag), []).append(g)
                print(f"{label:30} {tag:>6} {r:>5} {c:>7} {g['n']:>8} {float(g['rate']):>8.0f} "
                      f"{float(g['p50_us']):>8.0f} {float(g['p99_us']):>8.0f} {float(g['max_us']):>9.0f} "
                      f"{float(g['bytes']):>12.0f} {g['errors']:>6}")
waits = {}
for tag in tags:
    for r in range(1, rounds + 1):
        f = os.path.join(out, f"warm-{tag}-r{r}.txt")
        if os.path.exists(f):
            kv = dict(x.split("=", 1) for x in open(f).read().split())
            if kv["trends"] != "none":
                waits.setdefault(tag, []).append(float(kv["waited_s"]))
for tag, w in waits.items():
    print(f"{tag}: waited {statistics.median(w):.1f} s (median of {len(w)}) after each start for its trend cache "
          "to make every host's trend (WARM=0: no wait)")
if beforeload:
    bsize = int(open(os.path.join(out, "before-bytes")).read().split()[1])
    print()
    print(f"before's database + WAL: {bsize / 2**20:.1f} MiB, {bsize / n:.0f} bytes per upload")
    print()
    print(f"before and after, the median over {rounds} round(s) of each figure (after/before - 1):")
    hdr = f"{'':30} {'clients':>7} {'p50 us before':>13} {'after':>7} {'':>7} {'p99 us before':>13} {'after':>7} {'':>7}"
    print(hdr)
    print("-" * len(hdr))
    for what, label in (("hosts", "GET /api/v1/hosts/{name}"), ("runs", "GET /api/v1/runs/{id}")):
        for c in ("1", clients):
            cells = []
            for k in ("p50_us", "p99_us"):
                b = statistics.median(float(g[k]) for g in got[(what, c, "before")])
                a = statistics.median(float(g[k]) for g in got[(what, c, "after")])
                cells.append(f"{b:>13.0f} {a:>7.0f} {(a / b - 1) * 100:>+6.0f}%")
            print(f"{label:30} {c:>7} " + " ".join(cells))
print()
txt = open(os.path.join(out, "sqlite-read.txt")).read()
sq = {r["query"]: r for k, r in results(os.path.join(out, "sqlite-read.txt")) if k == "sqlread"}
print("SQLite directly, one read-only connection, random runs, the two queries interleaved:")
hdr = f"{'':34} {'p50 us':>8} {'p99 us':>8} {'mean us':>8} {'rows':>5} {'blob bytes':>10} {'pages':>6}"
print(hdr)
print("-" * len(hdr))
for key, label in (("summaries", "summaries (the store's query)"), ("with_samples", "summaries + samples blobs")):
    r = sq[key]
    print(f"{label:34} {float(r['p50_us']):>8.1f} {float(r['p99_us']):>8.1f} {float(r['mean_us']):>8.1f} "
          f"{float(r['rows']):>5.0f} {float(r['blob_bytes']):>10.0f} {float(r['pages']):>6.1f}")
plan = txt.split("query plan, summaries (the store's query):\n", 1)[1].split("query plan,", 1)[0]
print()
print("query plan of the store's summary query:")
print(plan.rstrip())
print("samples table in that plan:", "YES (the summaries read sample pages)" if "samples" in plan else
      "no: summaries never touch the sample blobs")
print("(blob bytes: run_means only for the store's query; pages: SQLite pages fetched per query)")
EOF

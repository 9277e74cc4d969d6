#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PostgreSQL next to SQLite, in one run: ingest (full-matrix uploads per
# second into one forkwatchd on SQLite, one on PostgreSQL, two on one
# PostgreSQL database with the clients split between them, interleaved
# round by round) and the database bytes each upload adds; the time
# forkwatchd migrate takes to copy the HOSTS x KERNELS database of
# bench/pages.sh and bench/read.sh into PostgreSQL; then p50/p99 of
# /kernels/{commit} and /hosts/{name} on that database from a forkwatchd
# on SQLite and one on PostgreSQL, from the page cache and rendered on
# every request (--page-cache 0).  See bench/README.md.
#
# The PostgreSQL server is Debian's, a throw-away cluster started here
# (tests/pg-cluster.sh) with its default settings (fsync and synchronous
# commit on: a 2xx means committed), reached over TCP on 127.0.0.1: the
# database is on the same machine, on loopback, so the figures have no
# network in them.
#
#   sudo bench/pg.sh                                        # the full run
#   sudo N=200 HOSTS=5 KERNELS=10 REQUESTS=300 bench/pg.sh  # a quick check
#
# Environment: N (2000 uploads per ingest configuration), CLIENTS (8),
# ROUNDS (2: each round runs the configurations in turn, the second in the
# reverse order), HOSTS (100), KERNELS (300), REQUESTS (3000 per page
# measurement from the cache), RENDERS (200 per measurement of pages
# rendered each time), READERS (8 concurrent readers; 1 is measured too),
# LOAD_CLIENTS (4), REBUILD (0), DBDIR (bench/out/read-db, shared with
# bench/read.sh and bench/pages.sh), TEMPLATE, OUT (bench/out/pg-<time>).
# Prints a table; exits 0 (2 when it cannot run, 1 when a tool failed).
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

N=${N:-2000}
CLIENTS=${CLIENTS:-8}
ROUNDS=${ROUNDS:-2}
HOSTS=${HOSTS:-100}
KERNELS=${KERNELS:-300}
REQUESTS=${REQUESTS:-3000}
RENDERS=${RENDERS:-200}
READERS=${READERS:-8}
LOAD_CLIENTS=${LOAD_CLIENTS:-4}
REBUILD=${REBUILD:-0}
DBDIR=${DBDIR:-$BENCH_DIR/out/read-db}
for v in N CLIENTS ROUNDS HOSTS KERNELS REQUESTS RENDERS READERS LOAD_CLIENTS; do posint "$v" "${!v}"; done
((CLIENTS % 2 == 0)) || die "CLIENTS=$CLIENTS: an even number, split over two daemons"
((HOSTS <= 1000)) || die "HOSTS=$HOSTS: at most 1000 (host names lab-000 to lab-999)"
PGC=$ROOT_DIR/tests/pg-cluster.sh

server_preflight
OUT=${OUT:-$BENCH_DIR/out/pg-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
server_traps
template_ready

# ---- the cluster -------------------------------------------------------------
PGDIR=$(mktemp -d /tmp/fw-bench-pg.XXXXXX)
PGPORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_stop() { "$PGC" stop "$PGDIR"; }
trap 'server_cleanup; pg_stop' EXIT
why=$("$PGC" start "$PGDIR" "listen_addresses='127.0.0.1'" "port=$PGPORT") || die "PostgreSQL: $why"
PGVERSION=$("$PGC" psql "$PGDIR" postgres -At -c "SHOW server_version")
pg_url() { echo "postgresql://fw@127.0.0.1:$PGPORT/$1"; }
pg_new() { "$PGC" createdb "$PGDIR" "$1" || die "cannot create database $1"; pg_url "$1"; }
pg_val() { "$PGC" psql "$PGDIR" "$1" -At -c "$2"; }
(umask 077 && "$PY" -c 'import secrets; print("fwa_" + secrets.token_urlsafe(32))' >"$OUT/admin.token")

echo "pg: PostgreSQL $PGVERSION on 127.0.0.1:$PGPORT (loopback, this machine), default settings"
echo "ingest: $N uploads per configuration, $CLIENTS clients, $ROUNDS rounds; pages: $HOSTS hosts x $KERNELS kernels"
echo "kernel $(uname -r), $(nproc) CPUs; files in $OUT"

# start_fwd DB LOG [options]: one more forkwatchd; its URL appended to FWD_URLS
FWD_PIDS=()
FWD_URLS=()
start_fwd() {
	local db=$1 log=$2 i port=
	shift 2
	: >"$log"
	"$FORKWATCHD" --listen 127.0.0.1:0 --db "$db" --admin-token-file "$OUT/admin.token" \
		--conn-per-ip 1000 "$@" >>"$log" 2>&1 &
	FWD_PIDS+=("$!")
	BG_PIDS+=("$!")
	for ((i = 0; i < 200; i++)); do
		port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$log" | tail -n 1)
		[[ -n $port ]] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
		kill -0 "${FWD_PIDS[-1]}" 2>/dev/null || die "forkwatchd did not start (log: $log)"
		sleep 0.05
	done
	[[ -n $port ]] || die "forkwatchd did not answer within 10 s (log: $log)"
	FWD_URLS+=("http://127.0.0.1:$port")
}
stop_fwds() {
	local p
	for p in "${FWD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${FWD_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	FWD_PIDS=()
	FWD_URLS=()
}

# ---- ingest ------------------------------------------------------------------
SEED=${SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
ingest() { # CONFIG ROUND: sqlite, pg1 or pg2
	local cfg=$1 r=$2 dir=$OUT/ingest-$1-r$2 db urls before after
	mkdir -p "$dir"
	echo "ingest: $cfg, round $r..." >&2
	case $cfg in
	sqlite) db=$dir/forkwatch.db ;;
	*) db=$(pg_new "ingest_${cfg}_$r") ;;
	esac
	start_fwd "$db" "$dir/a.log"
	[[ $cfg != pg2 ]] || start_fwd "$db" "$dir/b.log"
	urls=$(IFS=,; echo "${FWD_URLS[*]}")
	"$LOADGEN" register --url "${FWD_URLS[0]}" --admin-token "$OUT/admin.token" \
		--prefix bench-ingest- --count "$CLIENTS" --out "$dir/tokens" >/dev/null
	[[ $cfg == sqlite ]] || before=$(pg_val "ingest_${cfg}_$r" "SELECT pg_database_size(current_database())")
	bg_run "$LOADGEN" post --url "$urls" --template "$TEMPLATE" --tokens "$dir/tokens" \
		--count "$N" --clients "$CLIENTS" --seed "$SEED" >"$dir/post.txt" 2>"$dir/post.log" ||
		{ cat "$dir/post.txt" "$dir/post.log" >&2; grep -q '^RESULT post' "$dir/post.txt" || die "ingest-load failed"; }
	stop_fwds
	if [[ $cfg == sqlite ]]; then
		echo "RESULT bytes total=$(db_bytes "$db" | cut -d' ' -f1)" >>"$dir/post.txt"
	else
		after=$(pg_val "ingest_${cfg}_$r" "SELECT pg_database_size(current_database())")
		echo "RESULT bytes total=$((after - before))" >>"$dir/post.txt"
		pg_val "ingest_${cfg}_$r" "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC" >"$dir/tables.txt"
	fi
	echo "$cfg $r $dir" >>"$OUT/ingest.list"
}
: >"$OUT/ingest.list"
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then order="sqlite pg1 pg2"; else order="pg2 pg1 sqlite"; fi
	for cfg in $order; do ingest "$cfg" "$r"; done
done

# ---- migrate the pages' database ---------------------------------------------
read_db_ready "$DBDIR" "$HOSTS" "$KERNELS" "$LOAD_CLIENTS" "$REBUILD"
DB=$DBDIR/forkwatch.db
PGDB=$(pg_new pages)
echo "forkwatchd migrate $DB -> PostgreSQL..." >&2
t0=$(date +%s.%N)
bg_run "$FORKWATCHD" migrate --from "$DB" --to "$PGDB" >"$OUT/migrate.txt" 2>&1 ||
	{ cat "$OUT/migrate.txt" >&2; die "forkwatchd migrate failed"; }
echo "RESULT migrate s=$("$PY" -c "print(round($(date +%s.%N) - $t0, 2))") pg_bytes=$(pg_val pages "SELECT pg_database_size(current_database())") sqlite_bytes=$(db_bytes "$DB" | cut -d' ' -f1)" >>"$OUT/migrate.txt"
pg_val pages "VACUUM ANALYZE" >/dev/null

# ---- pages -------------------------------------------------------------------
KERNEL=$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT ident FROM kernels ORDER BY first_seen_at DESC, id DESC LIMIT 1").fetchone()[0])' "$DB")
echo "/kernels/$KERNEL" >"$OUT/kernel.paths"
for ((h = 0; h < HOSTS; h++)); do printf '/hosts/lab-%03d\n' "$h"; done >"$OUT/hosts.paths"
pages() { # BACKEND DB CACHE(cached|render)
	local be=$1 db=$2 cache=$3 opt=() what c n=$REQUESTS
	[[ $cache == cached ]] || { opt=(--page-cache 0); n=$RENDERS; }
	echo "pages: $be, $cache..." >&2
	start_fwd "$db" "$OUT/pages-$be-$cache.log" "${opt[@]}"
	for what in kernel hosts; do
		for c in 1 "$READERS"; do
			# every host's page once before the measurement: the first rendering searches its change points
			bg_run "$LOADGEN" get --url "${FWD_URLS[0]}" --paths "$OUT/$what.paths" --requests "$n" \
				--clients "$c" --warmup $((HOSTS + 10)) --label "$be-$cache-$what-c$c" \
				>"$OUT/get-$be-$cache-$what-c$c.txt" 2>"$OUT/get-$be-$cache-$what-c$c.log" ||
				grep -q '^RESULT get' "$OUT/get-$be-$cache-$what-c$c.txt" || die "ingest-load get failed"
		done
	done
	stop_fwds
}
for cache in cached render; do
	pages sqlite "$DB" "$cache"
	pages pg "$PGDB" "$cache"
done

"$PY" - "$OUT" "$N" "$CLIENTS" "$READERS" "$HOSTS" "$KERNELS" "$PGVERSION" <<'EOF' | tee "$OUT/summary.txt"
import os, statistics, sys
out, n, clients, readers, hosts, kernels, pgv = sys.argv[1:8]
n = int(n)

def results(path):
    r = {}
    for line in open(path):
        if line.startswith("RESULT "):
            f = line.split()
            r.setdefault(f[1], {}).update(kv.split("=", 1) for kv in f[2:] if "=" in kv)
    return r

runs = {}
for line in open(os.path.join(out, "ingest.list")):
    cfg, r, d = line.split()
    runs.setdefault(cfg, []).append(results(os.path.join(d, "post.txt")))
print()
print(f"PostgreSQL {pgv} on 127.0.0.1 (loopback, the same machine as forkwatchd and the clients)")
print()
print(f"ingest: {n} full-matrix uploads per configuration, {clients} clients, rounds interleaved")
hdr = f"{'':34} {'uploads/s (each round)':>24} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'DB bytes/upload':>16}"
print(hdr)
print("-" * len(hdr))
labels = {"sqlite": "1 forkwatchd, SQLite", "pg1": "1 forkwatchd, PostgreSQL",
          "pg2": "2 forkwatchd, one PostgreSQL"}
for cfg in ("sqlite", "pg1", "pg2"):
    rs = runs.get(cfg, [])
    if not rs:
        continue
    rates = [float(r["post"]["rate"]) for r in rs]
    p50 = statistics.median(float(r["post"]["p50_ms"]) for r in rs)
    p99 = statistics.median(float(r["post"]["p99_ms"]) for r in rs)
    errs = sum(int(r["post"]["errors"]) for r in rs)
    bpu = statistics.median(int(r["bytes"]["total"]) / n for r in rs)
    print(f"{labels[cfg]:34} {' '.join('%.0f' % x for x in rates):>24} {p50:>8.1f} {p99:>8.1f} {errs:>6} {bpu:>16.0f}")
m = results(os.path.join(out, "migrate.txt"))["migrate"]
print()
print(f"forkwatchd migrate of the {hosts} x {kernels} database ({int(hosts) * int(kernels)} uploads, "
      f"SQLite {int(m['sqlite_bytes']) / 2**20:.0f} MiB) into PostgreSQL ({int(m['pg_bytes']) / 2**20:.0f} MiB): "
      f"{float(m['s']):.1f} s, copy and verification")
print()
print(f"pages on the {hosts} x {kernels} database, ingest-load get, 1 and {readers} clients (microseconds)")
hdr = f"{'':40} {'p50 SQLite':>11} {'p50 PG':>8} {'p99 SQLite':>11} {'p99 PG':>8} {'req/s SQLite':>13} {'req/s PG':>9}"
print(hdr)
print("-" * len(hdr))
for cache, cl in (("cached", "from the page cache"), ("render", "rendered (--page-cache 0)")):
    for what, wl in (("kernel", "/kernels/{commit}"), ("hosts", "/hosts/{name}")):
        for c in ("1", readers):
            g = {be: results(os.path.join(out, f"get-{be}-{cache}-{what}-c{c}.txt"))["get"] for be in ("sqlite", "pg")}
            print(f"{wl + ', ' + cl + ', ' + c + 'c':40} {float(g['sqlite']['p50_us']):>11.0f} {float(g['pg']['p50_us']):>8.0f} "
                  f"{float(g['sqlite']['p99_us']):>11.0f} {float(g['pg']['p99_us']):>8.0f} "
                  f"{float(g['sqlite']['rate']):>13.0f} {float(g['pg']['rate']):>9.0f}")
EOF

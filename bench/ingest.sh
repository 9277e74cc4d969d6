#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Ingest: full-matrix uploads per second into forkwatchd over loopback,
# with several concurrent clients, next to what SQLite alone sustains for
# the same rows and blobs, in the same run.  See bench/README.md.
#
#   sudo bench/ingest.sh                 # 2000 uploads per configuration
#   sudo N=200 bench/ingest.sh           # a quick check
#   sudo BEFORE=/tmp/old/forkwatchd bench/ingest.sh   # that binary and this one, interleaved
#
# Environment: N (2000 uploads per configuration), CLIENTS ("4 8"),
# BEFORE (another forkwatchd, e.g. built from an older commit: each client
# count runs both, alternating, ROUNDS times; "" for none), ROUNDS (1, or
# 2 with BEFORE),
# SQLITE_CONNS ("4": also SQLite alone with that many connections at once,
# for reference; "" for none),
# SEED (random), TEMPLATE
# (bench/out/template.json, made by forkwatch bench if missing;
# NEW_TEMPLATE=1 makes it again), KEEP_DB (0: databases deleted once
# measured), OUT (bench/out/ingest-<time>); ANALYSE=DIR prints the table
# of an earlier run's files (its OUT) without measuring.
# Prints a table and PASS/FAIL against the target (the daemon at least
# half of SQLite's rate, no failed upload, the same rows as SQLite alone).
# Exits 0 when every target is met, 3 when one is missed (named on the
# last line), 2 when it cannot run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

N=${N:-2000}
CLIENTS=${CLIENTS:-"4 8"}
BEFORE=${BEFORE:-}
ROUNDS=${ROUNDS:-$([[ -n $BEFORE ]] && echo 2 || echo 1)}
posint ROUNDS "$ROUNDS"
[[ -z $BEFORE || -x $BEFORE ]] || die "BEFORE=$BEFORE: not an executable forkwatchd"
KEEP_DB=${KEEP_DB:-0}
SQLITE_CONNS=${SQLITE_CONNS-4}
posint N "$N"
for t in $SQLITE_CONNS; do posint SQLITE_CONNS "$t"; done
for c in $CLIENTS; do posint CLIENTS "$c"; done
[[ -n $CLIENTS ]] || die "CLIENTS is empty"

# report DIR N TEMPLATE CLIENTS SQLITE_CONNS: the table and verdicts of a
# run's files; exits 3 when a target is missed
report() {
	"$PY" - "$@" <<'EOF'
import hashlib, json, os, re, sqlite3, sys

out, n, template, clients = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split()
conns = sys.argv[5].split()

def results(path):
    r = {}
    for line in open(path):
        if line.startswith("RESULT "):
            f = line.split()
            r.setdefault(f[1], {}).update(kv.split("=", 1) for kv in f[2:] if "=" in kv)
    return r

def digest(db):
    """Per uuid, a hash of every stored value of the run but its host, its times and its
    samples; per uuid, a hash of its samples; whether they are stored compressed per case
    (schema 4), and the row counts (None when the database was deleted: KEEP_DB=0 and
    ANALYSE)."""
    if not os.path.exists(db):
        return None, None, None, None
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    per_case = "case_id" in [r[1] for r in c.execute("PRAGMA table_info(samples)")]
    # runs.munmap_iterations before schema 6
    fresh = next(n for n in ("fresh_iterations", "munmap_iterations")
                 if n in [r[1] for r in c.execute("PRAGMA table_info(runs)")])
    d, sd = {}, {}
    q = """SELECT r.uuid, k.ident, k.commit_sha, k.release, r.started_at, r.finished_at,
             r.tool_version, r.size_bytes, r.runs, r.iterations, r.%s, r.warmup,
             r.complete, r.doc_bytes, c.workload, c.layout, c.folio_order, c.mapping,
             c.iterations, c.layout_ok, c.layout_reason, c.folios, c.runs_ok, s.metric,
             s.status, s.event, s.reason, s.multiplexed, s.runs_n, s.runs_mean, s.runs_stdev,
             s.runs_median, s.runs_min, s.runs_max, s.it_n, s.it_mean, s.it_stdev,
             s.it_median, s.it_min, s.it_max, s.run_means
           FROM runs r JOIN kernels k ON k.id = r.kernel_id JOIN cases c ON c.run_id = r.id
           JOIN series s ON s.case_id = c.id ORDER BY r.uuid, c.id, s.id""" % fresh
    for row in c.execute(q):
        d.setdefault(row[0], hashlib.sha256()).update(repr(row[1:]).encode())
    if per_case:
        q = """SELECT r.uuid, c.workload, c.layout, sm.data FROM runs r JOIN cases c ON c.run_id = r.id
               LEFT JOIN samples sm ON sm.case_id = c.id ORDER BY r.uuid, c.id"""
    else:
        q = """SELECT r.uuid, c.workload, c.layout, s.metric, sm.run_lengths, sm.data FROM runs r
               JOIN cases c ON c.run_id = r.id JOIN series s ON s.case_id = c.id
               LEFT JOIN samples sm ON sm.series_id = s.id ORDER BY r.uuid, c.id, s.id"""
    for row in c.execute(q):
        sd.setdefault(row[0], hashlib.sha256()).update(repr(row[1:]).encode())
    counts = c.execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM cases), "
                       "(SELECT count(*) FROM series), (SELECT count(*) FROM samples)").fetchone()
    c.close()
    return ({k: v.hexdigest() for k, v in d.items()}, {k: v.hexdigest() for k, v in sd.items()},
            per_case, counts)

doc = json.load(open(template))
ncases = len(doc["cases"])
nseries = sum(1 + len(c["counters"]) for c in doc["cases"])
nsamples = len(doc["cases"])

rows = []
sq = {}
for tag in ("first", "last"):
    r = results(os.path.join(out, f"sqlite-{tag}.txt"))
    sq[tag] = r
ref_rate = (float(sq["first"]["sqlite"]["rate"]) + float(sq["last"]["sqlite"]["rate"])) / 2

print()
print(f"ingest: {n} uploads per configuration of a {int(float(sq['first']['sqlite']['doc_bytes']))}-byte "
      f"document ({ncases} cases, {nseries} series rows, up to {nsamples} sample blobs per upload)")
print()
hdr = f"{'':36} {'uploads/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'DB bytes/upload':>16} {'CPU ms/upload':>14} {'of SQLite':>10}  target >= 50%"
print(hdr)
print("-" * len(hdr))

def line(label, rate, p50, p99, mx, bpu, cpu, share, verdict):
    print(f"{label:36} {rate:>10.1f} {p50:>8.2f} {p99:>8.2f} {mx:>8.2f} {bpu:>16} {cpu:>14} {share:>10}  {verdict}")

ref_db = os.path.join(out, "sqlite-first.db")
ref_digest, ref_samples, ref_per_case, ref_counts = digest(ref_db)
notes = []
for tag, label in (("first", "SQLite alone (before)"),):
    s = sq[tag]["sqlite"]
    b = int(str(sq[tag]["bytes"]["total"]).split()[0])
    line(label, float(s["rate"]), float(s["p50_ms"]), float(s["p99_ms"]), float(s["max_ms"]),
         f"{b / n:.0f}", "-", "-", "")
for t in conns:
    r = results(os.path.join(out, f"sqlite-conns{t}.txt"))
    s = r["sqlite"]
    b = int(str(r["bytes"]["total"]).split()[0])
    line(f"SQLite alone, {t} connections", float(s["rate"]), float(s["p50_ms"]), float(s["p99_ms"]),
         float(s["max_ms"]), f"{b / n:.0f}", "-", f"{100 * float(s['rate']) / ref_rate:.0f}%", "(for reference)")
verdicts = []
missed = []
daemons = [line.split(None, 3) for line in open(os.path.join(out, "daemons.list"))]
tags = sorted({t for t, _, _, _ in daemons}, reverse=True)  # before, after
agg = {}
for tag, c, rnd, d in daemons:
    d = os.path.join(out, os.path.basename(d.strip()))  # out may have moved since (ANALYSE)
    label = f"forkwatchd{'' if tags == ['after'] else ' ' + tag}, {c} clients" + (f", round {rnd}" if int(rnd) > 1 or any(x[2] != "1" for x in daemons) else "")
    r = results(os.path.join(d, "post.txt"))
    p = r["post"]
    b = int(str(r["bytes"]["total"]).split()[0])
    cpu = float(r["cpu"]["daemon_s"]) / n * 1e3
    share = float(p["rate"]) / ref_rate
    ok = share >= 0.5 and int(p["errors"]) == 0
    verdicts.append(ok)
    if not ok:
        missed.append(f"{tag}, {c} clients, round {rnd}: {100 * share:.0f}% of SQLite's rate, "
                      f"{p['errors']} failed uploads")
    agg.setdefault((tag, c), []).append((float(p["rate"]), b / n, cpu, float(p["p50_ms"]), float(p["p99_ms"])))
    line(label, float(p["rate"]), float(p["p50_ms"]), float(p["p99_ms"]),
         float(p["max_ms"]), f"{b / n:.0f}", f"{cpu:.2f}", f"{100 * share:.0f}%",
         "PASS" if ok else "FAIL")
    who = f"{tag}, {c} clients, round {rnd}"
    if int(p["errors"]) or int(p["existed"]):
        notes.append(f"{who}: {p['errors']} failed uploads, {p['existed']} answered 'already there'")
    notes.append(f"{who}: the load generator used {float(p['client_cpu_ms']):.2f} ms CPU per upload "
                 f"(it shares the machine's CPUs with forkwatchd)")
    notes.append(f"{who}: CPU seconds per forkwatchd thread over the uploads, busiest first: "
                 f"{r['threads']['cpu_s'].replace(',', ' ')} (wall {float(p['wall_s']):.2f} s)")
    if int(p["connections"]) != int(c):
        notes.append(f"{who}: {p['connections']} connections opened (keep-alive expects {c})")
    dg, dsamples, per_case, counts = digest(os.path.join(d, "forkwatch.db"))
    if dg is None or ref_digest is None:
        notes.append(f"{who}: the databases were deleted (KEEP_DB=0): rows not compared")
        continue
    same = sum(1 for u, h in ref_digest.items() if dg.get(u) == h)
    same_samples = sum(1 for u, h in ref_samples.items() if dsamples.get(u) == h)
    if counts[:3] != ref_counts[:3] or same != n:
        notes.append(f"{who}: rows differ from SQLite alone's: runs/cases/series "
                     f"{counts[:3]} vs {ref_counts[:3]}, {same}/{n} runs identical")
        missed.append(f"{who}: stored rows differ from SQLite alone's")
    elif per_case != ref_per_case:
        notes.append(f"{who}: the daemon stored the same summary rows as SQLite alone for all {n} "
                     f"documents (runs/cases/series {counts[:3]}); its samples are in the other "
                     f"format ({counts[3]} samples rows), not compared")
    elif same_samples != n or counts != ref_counts:
        notes.append(f"{who}: samples differ from SQLite alone's: {same_samples}/{n} runs identical, "
                     f"samples rows {counts[3]} vs {ref_counts[3]}")
        missed.append(f"{who}: stored samples differ from SQLite alone's")
    else:
        notes.append(f"{who}: the daemon stored the same rows as SQLite alone for all {n} "
                     f"documents (every column but host and times, samples blobs included; "
                     f"runs/cases/series/samples {counts})")
s = sq["last"]["sqlite"]
b = int(str(sq["last"]["bytes"]["total"]).split()[0])
line("SQLite alone (after)", float(s["rate"]), float(s["p50_ms"]), float(s["p99_ms"]),
     float(s["max_ms"]), f"{b / n:.0f}", "-", "-", "")
print()
print(f"of SQLite: the daemon's rate over SQLite alone's mean rate ({ref_rate:.1f}/s, before and after).")
print("SQLite alone: one connection, one transaction per document, the store's statements and")
print("settings (WAL, synchronous=FULL, foreign_keys); documents made and reduced to rows before timing.")
print("SQLite alone, N connections: N threads, a connection each, as forkwatchd has one per worker")
print("thread; they queue for the write lock through SQLite's busy handler (busy timeout 5 s).")
print("forkwatchd: latency is per upload as the client sees it (HTTP, parsing, validation, the")
print("transaction); CPU ms/upload is the daemon's user+system time over the uploads.")
print("DB bytes/upload: database + WAL after a TRUNCATE checkpoint, over the uploads.")
if "before" in tags:
    print()
    print("before and after, interleaved (means over the rounds):")
    print(f"{'clients':>8} {'uploads/s before':>17} {'after':>8} {'ratio':>6} {'bytes/upload before':>20} {'after':>8} {'ratio':>6} {'CPU ms before':>14} {'after':>6}")
    mean = lambda xs: sum(xs) / len(xs)
    for c in clients:
        bf, af = agg.get(("before", c)), agg.get(("after", c))
        if not bf or not af:
            continue
        rb, ra = mean([x[0] for x in bf]), mean([x[0] for x in af])
        bb, ba = mean([x[1] for x in bf]), mean([x[1] for x in af])
        cb, ca = mean([x[2] for x in bf]), mean([x[2] for x in af])
        print(f"{c:>8} {rb:>17.1f} {ra:>8.1f} {ra / rb:>6.2f} {bb:>20.0f} {ba:>8.0f} {bb / ba:>5.2f}x {cb:>14.2f} {ca:>6.2f}")
for x in notes:
    print("note:", x)
print()
if missed:
    print("targets missed: " + "; ".join(missed))
    sys.exit(3)
print("every target met")
EOF
}

if [[ -n ${ANALYSE:-} ]]; then
	[[ -s $ANALYSE/settings ]] || die "ANALYSE='$ANALYSE': no settings file in it"
	setting() { sed -n "s/^$1=//p" "$ANALYSE/settings"; }
	report "$ANALYSE" "$(setting n)" "$(setting template)" "$(setting clients)" "$(setting conns)"
	exit 0
fi

server_preflight
OUT=${OUT:-$BENCH_DIR/out/ingest-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
server_traps
template_ready
SEED=${SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
# SQLite alone spreads its documents over as many hosts as the first
# client count: with the same SEED, the daemon gets the very same documents
HOSTS0=${CLIENTS%% *}

printf 'n=%s\ntemplate=%s\nclients=%s\nconns=%s\n' "$N" "$TEMPLATE" "$CLIENTS" "$SQLITE_CONNS" >"$OUT/settings"
echo "ingest: $N uploads per configuration, clients: $CLIENTS, seed $SEED${BEFORE:+, before: $BEFORE, $ROUNDS rounds}"
echo "kernel $(uname -r), $(nproc) CPUs; files in $OUT"

run_sqlite() { # TAG [CONNECTIONS]
	local db=$OUT/sqlite-$1.db
	echo "SQLite alone ($1)..." >&2
	if ! bg_run "$SQLALONE" ingest --schema "$ROOT_DIR/schema/migrations" --template "$TEMPLATE" \
		--count "$N" --hosts "$HOSTS0" --seed "$SEED" --db "$db" --threads "${2:-1}" \
		>"$OUT/sqlite-$1.txt" 2>"$OUT/sqlite-$1.log"; then
		cat "$OUT/sqlite-$1.txt" "$OUT/sqlite-$1.log" >&2
		echo "${0##*/}: sqlite-alone failed" >&2
		exit 1
	fi
	echo "RESULT bytes total=$(db_bytes "$db")" >>"$OUT/sqlite-$1.txt"
}

run_daemon() { # TAG BINARY CLIENTS ROUND
	local tag=$1 bin=$2 c=$3 round=$4 dir=$OUT/daemon-$1-c$3-r$4 cpu0 cpu1 ticks0 ticks1 rc=0
	mkdir -p "$dir"
	echo "$tag $c $round $dir" >>"$OUT/daemons.list"
	echo "forkwatchd ($tag), $c clients, round $round..." >&2
	FORKWATCHD=$bin daemon_start "$dir/forkwatch.db" "$dir/forkwatchd.log"
	"$LOADGEN" register --url "$DAEMON_URL" --admin-token "$dir/admin.token" \
		--prefix bench-ingest- --count "$c" --out "$dir/tokens" >/dev/null
	cpu0=$(daemon_cpu)
	ticks0=$(daemon_thread_ticks)
	bg_run "$LOADGEN" post --url "$DAEMON_URL" --template "$TEMPLATE" --tokens "$dir/tokens" \
		--count "$N" --clients "$c" --seed "$SEED" >"$dir/post.txt" 2>"$dir/post.log" || rc=$?
	cpu1=$(daemon_cpu)
	ticks1=$(daemon_thread_ticks)
	if ((rc == 2)) || ! grep -q '^RESULT post' "$dir/post.txt"; then
		cat "$dir/post.txt" "$dir/post.log" >&2
		echo "${0##*/}: ingest-load failed (forkwatchd log: $dir/forkwatchd.log)" >&2
		exit 1
	fi
	((rc == 0)) || echo "${0##*/}: some uploads failed, see $dir/post.log" >&2
	echo "RESULT cpu daemon_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.3f", b - a }')" >>"$dir/post.txt"
	echo "RESULT bytes total=$(db_bytes "$dir/forkwatch.db")" >>"$dir/post.txt"
	# CPU seconds per daemon thread over the uploads, busiest first
	echo "RESULT threads cpu_s=$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], p, ":"); t0[p[1]] = p[2] }
		n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], p, ":"); d[i] = (p[2] - t0[p[1]]) / hz }
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (d[j] > d[i]) { t = d[i]; d[i] = d[j]; d[j] = t }
		for (i = 1; i <= n; i++) printf "%s%.2f", (i > 1 ? "," : ""), d[i] }')" >>"$dir/post.txt"
	daemon_stop
}

run_sqlite first
for t in $SQLITE_CONNS; do
	run_sqlite "conns$t" "$t"
done
: >"$OUT/daemons.list"
for c in $CLIENTS; do
	for ((r = 1; r <= ROUNDS; r++)); do
		if [[ -z $BEFORE ]]; then
			run_daemon after "$FORKWATCHD" "$c" "$r"
		elif ((r % 2)); then
			run_daemon before "$BEFORE" "$c" "$r"
			run_daemon after "$FORKWATCHD" "$c" "$r"
		else
			run_daemon after "$FORKWATCHD" "$c" "$r"
			run_daemon before "$BEFORE" "$c" "$r"
		fi
	done
done
run_sqlite last

rc=0
report "$OUT" "$N" "$TEMPLATE" "$CLIENTS" "$SQLITE_CONNS" || rc=$?
if [[ $KEEP_DB != 1 ]]; then
	rm -f "$OUT"/sqlite-*.db "$OUT"/sqlite-*.db-wal "$OUT"/sqlite-*.db-shm \
		"$OUT"/daemon-*/forkwatch.db "$OUT"/daemon-*/forkwatch.db-wal "$OUT"/daemon-*/forkwatch.db-shm
fi
exit "$rc"

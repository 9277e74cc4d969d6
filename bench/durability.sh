#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Durability: forkwatchd killed with SIGKILL in the middle of concurrent
# uploads, then restarted.  Every upload that got a 2xx must be there,
# none may be half there, the database must pass integrity_check; then
# the clients re-send what was not acknowledged (as a lab machine's
# spool does) and every document must be there exactly once.
# See bench/README.md.
#
#   sudo bench/durability.sh                 # 1100 documents, 10 kills
#   sudo N=120 ROUNDS=2 bench/durability.sh  # a quick check
#
# Environment: N (1100 documents), ROUNDS (10 kills), CLIENTS (4),
# TEMPLATE, SEED (random), OUT
# (bench/out/durability-<time>); ANALYSE=DIR prints the table of an
# earlier run's files (its OUT) without running it.
# Prints a table and PASS/FAIL.  Exits 0 when every check passed, 3 when
# one failed, 2 when it cannot run, 1 when a tool failed.
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

N=${N:-1100}
ROUNDS=${ROUNDS:-10}
CLIENTS=${CLIENTS:-4}
for v in N ROUNDS CLIENTS; do posint "$v" "${!v}"; done
((N >= 10 * (ROUNDS + 1))) || die "N=$N: too few documents for $ROUNDS kills (at least $((10 * (ROUNDS + 1))))"

# report DIR ROUNDS: the table of a run's checks; exits 3 when one failed
report() {
	"$PY" - "$1" "$2" <<'EOF'
import json, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])
checks = {c["tag"]: c for c in map(json.loads, open(os.path.join(out, "checks.txt")))}

def spool(tag):
    for l in open(os.path.join(out, f"spool-{tag}.txt")):
        if l.startswith("RESULT spool"):
            return dict(kv.split("=") for kv in l.split()[2:])
    return {}

print()
hdr = (f"{'':10} {'posted':>6} {'201':>5} {'200':>5} {'acked':>6} {'in flight':>9} {'of them':>7} "
       f"{'stored':>6} {'acked but':>9} {'half-':>6} {'integrity':>9}  verdict")
hdr2 = (f"{'':10} {'':>6} {'':>5} {'':>5} {'so far':>6} {'at kill':>9} {'stored':>7} "
        f"{'':>6} {'missing':>9} {'stored':>6} {'':>9}")
print(hdr)
print(hdr2)
print("-" * len(hdr))
allok = True
for r in range(1, rounds + 1):
    c, s = checks[f"kill-{r}"], spool(r)
    ok = c["ok"]
    allok &= ok
    print(f"{'kill ' + str(r):10} {s.get('posted', '?'):>6} {s.get('created', '?'):>5} {s.get('existed', '?'):>5} "
          f"{c['acked']:>6} {c['inflight']:>9} {c['inflight_stored']:>7} {c['stored']:>6} "
          f"{c['acked_missing']:>9} {c['half_stored']:>6} {c['integrity']:>9}  {'PASS' if ok else 'FAIL'}")
c, s = checks["final"], spool("final")
allok &= c["ok"]
print(f"{'re-send':10} {s.get('posted', '?'):>6} {s.get('created', '?'):>5} {s.get('existed', '?'):>5} "
      f"{c['acked']:>6} {'-':>9} {'-':>7} {c['stored']:>6} {c['acked_missing']:>9} "
      f"{c['half_stored']:>6} {c['integrity']:>9}  {'PASS' if c['ok'] else 'FAIL'}")
print()
last = checks[f"kill-{rounds}"]
print(f"acknowledged before the last kill: {last['acked']}; stored after the last restart: "
      f"{last['stored']} ({last['stored_unacked']} stored but never acknowledged)")
print(f"re-sent: {s.get('posted', '?')} posts of the {int(s.get('created', 0)) + int(s.get('existed', 0))} "
      f"documents left in the spools: {s.get('existed', '?')} were already stored (200), "
      f"{s.get('created', '?')} new (201); left in the spools: {s.get('left', '?')}")
print(f"final: {c['stored']} of {c['generated']} documents stored, {c['duplicates']} twice, "
      f"{c['missing']} missing, {c['half_stored']} half-stored, {c['orphans']} orphan rows, "
      f"{c['fk_violations']} foreign-key violations, integrity_check {c['integrity']}")
print("in flight at kill: uploads whose body had (partly) left for the daemon when the connection broke;")
print("'of them stored' were committed before the kill but never acknowledged: the re-send gets 200.")
print("overall:", "PASS" if allok else "FAIL")
sys.exit(0 if allok else 3)
EOF
}

if [[ -n ${ANALYSE:-} ]]; then
	[[ -s $ANALYSE/checks.txt ]] || die "ANALYSE='$ANALYSE': no checks.txt in it"
	ROUNDS=$(grep -c '"tag": "kill-' "$ANALYSE/checks.txt" || true)
	report "$ANALYSE" "$ROUNDS"
	exit 0
fi

server_preflight
OUT=${OUT:-$BENCH_DIR/out/durability-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
server_traps
template_ready
SEED=${SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
DB=$OUT/forkwatch.db

echo "durability: $N documents from $CLIENTS clients (one host each), $ROUNDS kill -9 of forkwatchd, seed $SEED"
echo "kernel $(uname -r), $(nproc) CPUs; files in $OUT"

daemon_start "$DB" "$OUT/forkwatchd-0.log"
PORT=$DAEMON_PORT
"$LOADGEN" register --url "$DAEMON_URL" --admin-token "$OUT/admin.token" --prefix dur- \
	--count "$CLIENTS" --out "$OUT/tokens" >/dev/null
bg_run "$LOADGEN" spool-gen --template "$TEMPLATE" --tokens "$OUT/tokens" --count "$N" \
	--dir "$OUT/spool" --list "$OUT/generated.txt" --seed "$SEED" >/dev/null
: >"$OUT/acked.txt"

lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }

# check TAG FAILED_FILE MODE: one JSON line of counts into checks.txt
check() {
	"$PY" - "$DB" "$TEMPLATE" "$OUT/generated.txt" "$OUT/acked.txt" "$2" "$1" "$3" \
		>>"$OUT/checks.txt" <<'EOF'
import json, sqlite3, sys
db, template, generated, acked, failed, tag, mode = sys.argv[1:8]
doc = json.load(open(template))
# what one whole upload is: per case, its series rows and its samples blob
# (one per case: every case has its ns)
want = {(c["workload"], c["layout"]): (1 + len(c["counters"]), 1) for c in doc["cases"]}
gen = [l.split()[0] for l in open(generated) if l.strip()]
ack = {l.split()[0] for l in open(acked) if l.strip()}
inflight = []
try:
    for l in open(failed):
        f = l.split()
        # sent=0: the request never reached the daemon (it was dead already)
        if len(f) >= 4 and f[1] == "transport" and f[3] != "sent=0":
            inflight.append(f[0])
except FileNotFoundError:
    pass
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
rows = c.execute("SELECT uuid FROM runs").fetchall()
stored = [r[0] for r in rows]
sset = set(stored)
ncases = {r: n for r, n in c.execute(
    "SELECT r.id, count(c.id) FROM runs r LEFT JOIN cases c ON c.run_id = r.id GROUP BY r.id")}
bad = set(r for r, n in ncases.items() if n != len(want))
for rid, wl, lay, ns, nsm in c.execute(
        "SELECT c.run_id, c.workload, c.layout, (SELECT count(*) FROM series s WHERE s.case_id = c.id), "
        "(SELECT count(*) FROM samples sm WHERE sm.case_id = c.id) FROM cases c"):
    if want.get((wl, lay)) != (ns, nsm):
        bad.add(rid)
orphans = c.execute(
    "SELECT (SELECT count(*) FROM cases WHERE run_id NOT IN (SELECT id FROM runs)) + "
    "(SELECT count(*) FROM series WHERE case_id NOT IN (SELECT id FROM cases)) + "
    "(SELECT count(*) FROM samples WHERE case_id NOT IN (SELECT id FROM cases))").fetchone()[0]
integrity = ";".join(r[0] for r in c.execute("PRAGMA integrity_check"))
fk = len(c.execute("PRAGMA foreign_key_check").fetchall())
c.close()
res = {
    "tag": tag, "generated": len(gen), "acked": len(ack), "stored": len(stored),
    "duplicates": len(stored) - len(sset), "acked_missing": len(ack - sset),
    "half_stored": len(bad), "orphans": orphans, "integrity": integrity, "fk_violations": fk,
    "stored_unacked": len(sset - ack), "inflight": len(inflight),
    "inflight_stored": sum(u in sset for u in inflight),
    "missing": len(set(gen) - sset), "unknown": len(sset - set(gen)),
}
if mode == "final":
    res["ok"] = (res["stored"] == len(gen) and not res["duplicates"] and not res["missing"]
                 and not res["unknown"] and not res["half_stored"] and not orphans
                 and integrity == "ok" and not fk and not res["acked_missing"])
else:
    res["ok"] = (not res["acked_missing"] and not res["half_stored"] and not orphans
                 and integrity == "ok" and not fk and not res["duplicates"])
print(json.dumps(res))
EOF
}

for ((r = 1; r <= ROUNDS; r++)); do
	target=$((r * N / (ROUNDS + 1)))
	echo "round $r/$ROUNDS: uploading, kill -9 once $target uploads are acknowledged..." >&2
	"$LOADGEN" spool --url "$DAEMON_URL" --tokens "$OUT/tokens" --dir "$OUT/spool" \
		--clients "$CLIENTS" --acked "$OUT/acked.txt" --failed "$OUT/failed-$r.txt" \
		--stop-on-error >"$OUT/spool-$r.txt" 2>"$OUT/spool-$r.log" &
	spool_pid=$!
	BG_PIDS=("$spool_pid")
	for ((i = 0; i < 12000; i++)); do # 120 s at most
		(($(lines "$OUT/acked.txt") >= target)) && break
		kill -0 "$spool_pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -0 "$spool_pid" 2>/dev/null ||
		die "round $r: the uploads ended before the kill ($(lines "$OUT/acked.txt") acknowledged): raise N"
	(($(lines "$OUT/acked.txt") >= target)) || die "round $r: fewer than $target uploads acknowledged in 120 s"
	kill -KILL "$DAEMON_PID"
	acked_at_kill=$(lines "$OUT/acked.txt")
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	# the clients stop at their first transport error
	for ((i = 0; i < 600; i++)); do
		kill -0 "$spool_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$spool_pid" 2>/dev/null; then
		kill -TERM "$spool_pid"
		echo "${0##*/}: round $r: the clients did not stop within 60 s of the kill" >&2
	fi
	wait "$spool_pid" 2>/dev/null || true
	BG_PIDS=()
	echo "killed at $acked_at_kill acknowledged; restarting" >>"$OUT/spool-$r.txt"
	daemon_start "$DB" "$OUT/forkwatchd-$r.log" "$PORT"
	check "kill-$r" "$OUT/failed-$r.txt" round
done

echo "re-sending what was not acknowledged..." >&2
bg_run "$LOADGEN" spool --url "$DAEMON_URL" --tokens "$OUT/tokens" --dir "$OUT/spool" \
	--clients "$CLIENTS" --acked "$OUT/acked.txt" --failed "$OUT/failed-final.txt" \
	--retries 10 >"$OUT/spool-final.txt" 2>"$OUT/spool-final.log" ||
	{ cat "$OUT/spool-final.txt" "$OUT/spool-final.log" >&2; echo "${0##*/}: the re-send failed" >&2; }
check final "$OUT/failed-final.txt" final
daemon_stop

report "$OUT" "$ROUNDS"

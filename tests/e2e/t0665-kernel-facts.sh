#!/usr/bin/env bash
# A kernel's facts as each host gives them (issue 11, item 1), against the
# real forkwatchd.  Host C uploads commit X with parent P1; host A uploads
# X with parent P0, 30% slower than P0 (and as fast as P1, which A also
# ran).  A's comparison of X must be against P0, its own parent, and raise
# the alert (it once went by C's claim: against P1, "unchanged", no
# alert); C's stays against P1.  Each run shows its own release; the
# kernel listings and page say the hosts disagree and what each says.  A
# host's first upload without a parent is filled in by a later one that
# gives it.  A version-3 database is migrated: each host's facts are the
# kernel's as they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
A=(-H "Authorization: Bearer $(cat "$T/srv/admin.token")")
declare -A tok
for h in lab-a lab-b lab-c; do
	expect 201 POST /api/v1/hosts "${A[@]}" -d "{\"hostname\": \"$h\"}"
	tok[$h]=$(jget "$T/body" 'd["token"]')
done

# up HOST COMMIT PARENT RELEASE MEAN_NS: one upload (fork order-0, 8 runs x 5)
up() {
	"$PY" - "$1" "$2" "$3" "$4" "$5" >"$T/up.json" <<'PYEOF'
import json, random, sys, uuid
host, commit, parent, release, mean = sys.argv[1:6]
rnd = random.Random(commit + host)
runs = []
for r in range(8):
    m = float(mean) * (1 + rnd.gauss(0, 0.003))
    runs.append({"index": r, "ok": True, "error": None,
                 "ns": [int(m * (1 + rnd.gauss(0, 0.001))) for _ in range(5)], "counters": {}})
print(json.dumps({
    "format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
    "host": {"hostname": host, "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34, "page_size": 4096},
    "kernel": {"release": release, "commit": commit, "parent_commit": parent or None},
    "params": {"size_bytes": 1 << 30, "runs": 8, "iterations": 5, "warmup": 0},
    "cases": [{"workload": "fork", "layout": "order-0", "order": 0, "mapping": "pte", "iterations": 5,
               "layout_check": {"ok": True, "reason": None}, "counters": {}, "runs_ok": 8, "runs": runs}]}))
PYEOF
	expect 201 POST /api/v1/runs -H "Authorization: Bearer ${tok[$1]}" --data-binary @"$T/up.json"
	jget "$T/body" 'd["run"]["id"]'
}

P0=00000000a0a0 P1=00000000a1a1 X=00000000cccc
say "C: P1, then X with parent P1; A: P0, P1 (30% slower), X with parent P0 (as slow as P1)"
up lab-c $P1 "" 6.9.0-p1 5000000 >/dev/null
rc=$(up lab-c $X $P1 6.9.0-x-from-c 5000000)
up lab-a $P0 "" 6.9.0-p0 5000000 >/dev/null
up lab-a $P1 "" 6.9.0-p1 6500000 >/dev/null
ra=$(up lab-a $X $P0 6.9.0-x-from-a 6500000)

say "A's comparison of X goes by A's parent, and raises the alert"
expect 200 GET "/api/v1/compare?host=lab-a&head=$X"
jcheck "$T/body" 'd["base"] == "'$P0'" and d["base_chosen_as"] == "parent commit"' "A's baseline of X"
jcheck "$T/body" '[r["verdict"] for r in d["rows"] if r["metric"] == "ns"] == ["regression"]' "A's verdict"
expect 200 GET "/api/v1/alerts?host=lab-a&kind=regression"
jcheck "$T/body" '[a["base"] for a in d["alerts"] if a["kernel"] == "'$X'"] == ["'$P0'"]' "A's alert on X"
expect 200 GET "/api/v1/compare?host=lab-c&head=$X"
jcheck "$T/body" 'd["base"] == "'$P1'" and d["base_chosen_as"] == "parent commit"' "C's baseline of X"
expect 200 GET "/api/v1/alerts?host=lab-c"
jcheck "$T/body" 'd["alerts"] == []' "no alert for C"

say "each run its own release; each host's kernels its own facts"
expect 200 GET "/api/v1/runs/$ra"
jcheck "$T/body" 'd["run"]["release"] == "6.9.0-x-from-a"' "A's run's release"
expect 200 GET "/api/v1/runs/$rc"
jcheck "$T/body" 'd["run"]["release"] == "6.9.0-x-from-c"' "C's run's release"
expect 200 GET /api/v1/hosts/lab-a
jcheck "$T/body" '[(k["release"], k["parent_commit"]) for k in d["kernels"] if k["ident"] == "'$X'"] == [("6.9.0-x-from-a", "'$P0'")]' "A's facts of X"
expect 200 GET /api/v1/hosts/lab-c
jcheck "$T/body" '[(k["release"], k["parent_commit"]) for k in d["kernels"] if k["ident"] == "'$X'"] == [("6.9.0-x-from-c", "'$P1'")]' "C's facts of X"

say "the disagreement is shown"
expect 200 GET /api/v1/kernels
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$X'"][0]["disputed"] == ["parent_commit", "release"]' "X disputed"
jcheck "$T/body" '[k for k in d["kernels"] if k["ident"] == "'$X'"][0]["claims"] == [{"host": "lab-a", "release": "6.9.0-x-from-a", "parent_commit": "'$P0'"}, {"host": "lab-c", "release": "6.9.0-x-from-c", "parent_commit": "'$P1'"}]' "X's claims"
jcheck "$T/body" 'all("disputed" not in k for k in d["kernels"] if k["ident"] != "'$X'")' "the others undisputed"
expect 200 GET "/kernels/$X"
grep -q 'The machines disagree' "$T/body" || fail "the kernel page does not show the disagreement"
grep -q '6.9.0-x-from-a' "$T/body" && grep -q '6.9.0-x-from-c' "$T/body" || fail "the kernel page lacks a claim"

say "a later upload fills a parent the host left out"
Q=00000000b0b0 R=00000000b1b1 Y=00000000bbbb
up lab-b $Q "" 6.9.0-q 5000000 >/dev/null
up lab-b $R "" 6.9.0-r 5000000 >/dev/null
up lab-b $Y "" 6.9.0-y 5000000 >/dev/null
expect 200 GET "/api/v1/compare?host=lab-b&head=$Y"
jcheck "$T/body" 'd["base"] == "'$R'" and d["base_chosen_as"] == "previous kernel"' "Y without a parent"
up lab-b $Y $Q 6.9.0-y 5000000 >/dev/null
expect 200 GET "/api/v1/compare?host=lab-b&head=$Y"
jcheck "$T/body" 'd["base"] == "'$Q'" and d["base_chosen_as"] == "parent commit"' "Y's parent filled in"
# and a third upload with another parent changes nothing: the host's first word stands
up lab-b $Y $R 6.9.0-y 5000000 >/dev/null
expect 200 GET "/api/v1/compare?host=lab-b&head=$Y"
jcheck "$T/body" 'd["base"] == "'$Q'"' "Y's parent kept"
stop_daemon

say "a version-3 database: each host's facts are the kernel's as they were"
mkdir "$T/v3"
"$PY" - "$T/v3/fw.db" "$top/schema/migrations" <<'PYEOF'
import glob, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for f in sorted(glob.glob(sys.argv[2] + "/00[123]-*.sql")):
    c.executescript(open(f).read())
c.execute("INSERT INTO hosts (id, name, hostname, token_hash, created_at) VALUES (1, 'old', 'old', x'01', 1)")
c.execute("INSERT INTO kernels (id, ident, commit_sha, release, parent_commit, first_seen_at) "
          "VALUES (1, 'abcdef123456', 'abcdef123456', '6.8.0-old', '123456abcdef', 1)")
c.execute("INSERT INTO runs (id, uuid, host_id, kernel_id, received_at, size_bytes, runs, iterations, "
          "complete, doc_bytes) VALUES (1, '00000000-0000-0000-0000-000000000001', 1, 1, 2, 4096, 1, 1, 1, 10)")
c.execute("PRAGMA user_version = 3")
c.commit()
PYEOF
start_daemon "$T/v3.log" --db "$T/v3/fw.db"
expect 200 GET /healthz
latest=$(ls "$top"/schema/migrations/*.sql | wc -l)
jcheck "$T/body" 'd["schema_version"] == '"$latest" "migrated to the latest version, $latest"
expect 200 GET /api/v1/runs/1
jcheck "$T/body" 'd["run"]["release"] == "6.8.0-old"' "an old run's release"
expect 200 GET /api/v1/hosts/old
jcheck "$T/body" '[(k["release"], k["parent_commit"]) for k in d["kernels"]] == [("6.8.0-old", "123456abcdef")]' "an old host's facts"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

#!/usr/bin/env bash
# The noise snapshot from the collector to the pages: forkwatchd accepts a
# document's noise object (and refuses a malformed one), keeps its noisy
# sources with the run (runs.noise; NULL without a snapshot), gives them
# in the JSON API, and warns on the run page, on /compare, /compare.txt
# and the kernel page where a comparison uses such runs, and in the host
# page's kernel table.  A real `forkwatch bench --json` document, with
# this machine's snapshot, goes the same way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
CHECK="$PY $(dirname "$0")/page-check.py"
mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")

reg() { # hostname -> token
	curl -sf "${admin[@]}" -d "{\"hostname\": \"$1\"}" "$URL/api/v1/hosts" >"$T/reg.json" ||
		fail "register $1"
	jget "$T/reg.json" 'd["token"]'
}
up() { # token file -> run id
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $1" \
		--data-binary @"$2" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $2: $code $(cat "$T/up.json")"
	jget "$T/up.json" 'd["run"]["id"]'
}
page() { # path -> $T/page.html, checked
	curl -sf -o "$T/page.html" "$URL$1" || fail "GET $1"
	$CHECK "$T/page.html" || fail "GET $1: not a well-formed page"
}

tok=$(reg lab-n)
"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-n
say "the baseline measured quiet, one upload of the head noisy, the other without a snapshot"
"$PY" - "$T" <<'PYEOF'
import json, sys
t = sys.argv[1]
def src(name, status, state):
    return {"name": name, "status": status, "state": state, "advice": "a line", "tunable": False}
def noise(noisy):
    names = ["damon", "khugepaged", "load", "hypervisor"]
    return {"cpus": "0-1", "quiet": not noisy, "noisy": noisy,
            "sources": [src(n, "noisy" if n in noisy else "quiet", "state of " + n) for n in names],
            "damon": {"kdamonds": [], "modules": None}, "tuned": [],
            "during": {"seconds": 2.5, "cpus": "0-1", "steal_pct": 0, "steal_ms": 0, "interrupts": 10,
                       "softirqs": 4, "schedules": None, "context_switches": 77, "per_cpu": []}}
for f, n in (("base", []), ("head", ["damon", "load"]), ("other", [])):
    d = json.load(open("%s/%s.json" % (t, f)))
    d["noise"] = noise(n)
    json.dump(d, open("%s/%s.json" % (t, f), "w"))
d = json.load(open(t + "/head.json"))
d["noise"]["sources"][0]["status"] = "loud"
d["run_uuid"] = "0b5ab5cc-7f2f-4f4a-9d8a-0123456789ab"
json.dump(d, open(t + "/bad.json", "w"))
PYEOF
base=$(up "$tok" "$T/base.json")
head=$(up "$tok" "$T/head.json")
head2=$(up "$tok" "$T/head2.json")
up "$tok" "$T/other.json" >/dev/null

say "a malformed snapshot is refused, naming the field"
expect_error 400 "noise.sources[0].status" "expected absent, quiet, info or noisy" POST /api/v1/runs \
	-H "Authorization: Bearer $tok" --data-binary @"$T/bad.json"

say "the store and the JSON API"
# the rows as Python's sqlite3 prints them, from either database
if on_pg; then
	sql() { pg_sql "${pg_of[$T/db/fw.db]}" "SELECT '[' || string_agg('(' || id || ', ' ||
		coalesce(quote_literal(noise), 'None') || ')', ', ' ORDER BY id) || ']' FROM ($1) q"; }
else
	sql() { "$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall())' "$T/db/fw.db" "$1"; }
fi
[ "$(sql "SELECT id, noise FROM runs WHERE id <= $head2 ORDER BY id")" = "[($base, ''), ($head, 'damon load'), ($head2, None)]" ] ||
	fail "runs.noise: $(sql "SELECT id, noise FROM runs ORDER BY id")"
expect 200 GET "/api/v1/runs/$head"
jcheck "$T/body" 'd["run"]["noise"] == ["damon", "load"]' "the noisy run's noise"
expect 200 GET "/api/v1/runs/$base"
jcheck "$T/body" 'd["run"]["noise"] == []' "the quiet run's noise"
expect 200 GET "/api/v1/runs/$head2"
jcheck "$T/body" 'd["run"]["noise"] is None' "no snapshot: null"
expect 200 GET "/api/v1/compare?host=lab-n&head=bbbbbbbbbbbb"
jcheck "$T/body" 'd["head_noise"] == {"uploads": 2, "noisy_uploads": 1, "unknown_uploads": 1, "sources": ["damon", "load"]} and d["base_noise"]["noisy_uploads"] == 0 and d["base_noise"]["uploads"] == 1' "the comparison's noise"

say "the run pages"
page "/runs/$head"
$CHECK "$T/page.html" --has "noise:Measured with noise sources active: damon (a DAMON kdamond ran" \
	--has "noise:load (other work was running)" || fail "the noisy run's page does not warn"
page "/runs/$base"
grep -q "quiet: no known noise source was active" "$T/page.html" || fail "the quiet run's page"
! grep -q 'class="noise"' "$T/page.html" || fail "the quiet run's page warns"
page "/runs/$head2"
grep -q "not recorded" "$T/page.html" || fail "the page of a run without a snapshot"
! grep -q 'class="noise"' "$T/page.html" || fail "a run without a snapshot warns"

say "the comparison, the kernel and the host pages"
page "/compare?host=lab-n&head=bbbbbbbbbbbb"
$CHECK "$T/page.html" --has "noise:Noise sources active in the uploads compared: after-change, 1 of 2 uploads: damon, load." ||
	fail "/compare does not warn"
grep -q '<b title="a DAMON kdamond ran; its schemes may page out' "$T/page.html" || fail "/compare does not explain damon"
! grep -q "baseline, " "$T/page.html" || fail "/compare names noise on the quiet baseline"
page "/kernels/bbbbbbbbbbbb"
$CHECK "$T/page.html" --has "noise:after-change, 1 of 2 uploads: damon, load" --has "cell:noise" ||
	fail "the kernel page does not warn"
grep -q 'title="noise sources active: after-change: 1 of 2 uploads with damon, load active"' "$T/page.html" ||
	fail "the glance mark does not name the sources"
# a quiet kernel whose baseline (the kernel before it) was measured noisy
page "/kernels/cccccccccccc"
$CHECK "$T/page.html" --has "noise:baseline, 1 of 2 uploads: damon, load" ||
	fail "the kernel page does not warn of a noisy baseline"
! grep -q "after-change, " "$T/page.html" || fail "the kernel page names noise on a quiet head"
page "/hosts/lab-n"
$CHECK "$T/page.html" --has "noise:1 of 2: damon" || fail "the host page's kernel table"
curl -sf -o "$T/c.txt" "$URL/compare.txt?host=lab-n&head=bbbbbbbbbbbb" || fail "GET /compare.txt"
grep -q "^warning: measured with noise sources active (forkwatch check): after-change: 1 of 2 uploads with damon, load active" \
	"$T/c.txt" || { cat "$T/c.txt"; fail "/compare.txt does not warn"; }
curl -sf -o "$T/c.txt" "$URL/compare.txt?host=lab-n&head=cccccccccccc&base=aaaaaaaaaaaa" || fail "GET /compare.txt"
! grep -q "warning" "$T/c.txt" || fail "/compare.txt warns on quiet runs"

say "a document from forkwatch bench carries this machine's snapshot"
if [ "$(id -u)" != 0 ]; then
	say "skip: forkwatch bench needs root"
	echo ok
	exit 0
fi
"$FW" bench --wait --size 4M --runs 2 --iterations 2 --warmup 0 --layouts order-0 --workloads fork --quiet \
	--json "$T/real.json" >"$T/real.out" 2>&1 || { cat "$T/real.out"; fail "forkwatch bench"; }
"$PY" - "$T/real.json" <<'PYEOF' || fail "the bench document's noise object"
import json, sys
n = json.load(open(sys.argv[1]))["noise"]
names = [s["name"] for s in n["sources"]]
assert names[0] == "damon" and "hypervisor" in names and len(names) == 12, names
assert n["noisy"] == [s["name"] for s in n["sources"] if s["status"] == "noisy"], n["noisy"]
d = n["during"]
assert d["seconds"] > 0 and d["context_switches"] > 0 and d["interrupts"] is not None, d
assert [c["cpu"] for c in d["per_cpu"]] and all("steal_ms" in c for c in d["per_cpu"]), d["per_cpu"]
print("    noisy here: %s; during: %.2f s, %d interrupts, %d context switches" %
      (" ".join(n["noisy"]) or "none", d["seconds"], d["interrupts"], d["context_switches"]))
PYEOF
host=$(jget "$T/real.json" 'd["host"]["hostname"]')
rtok=$(reg "$host")
real=$(up "$rtok" "$T/real.json")
expect 200 GET "/api/v1/runs/$real"
"$PY" -c 'import json, sys; a = json.load(open(sys.argv[1]))["run"]["noise"]; d = json.load(open(sys.argv[2]))["noise"]["noisy"]; sys.exit(a != d)' \
	"$T/body" "$T/real.json" || fail "the stored noise is not the document's"
page "/runs/$real"
if [ "$(jget "$T/real.json" 'len(d["noise"]["noisy"])')" != 0 ]; then
	$CHECK "$T/page.html" --has "noise:Measured with noise sources active: $(jget "$T/real.json" 'd["noise"]["noisy"][0]')" ||
		fail "the page of this machine's noisy run does not warn"
else
	grep -q "quiet: no known noise source was active" "$T/page.html" || fail "the page of this machine's quiet run"
fi
stop_daemon
echo ok

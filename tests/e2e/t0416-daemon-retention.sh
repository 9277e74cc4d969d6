#!/usr/bin/env bash
# forkwatchd --keep-samples DAYS: the per-iteration samples of runs older
# than DAYS go, and nothing else: every summary stays (the API answers the
# same, comparisons still work), and so do the samples of a host's pinned
# baseline, of the kernel and the base of its alerts, and of recent runs.
# Another host's runs of those kernels are not kept for them.  The run
# page says when the samples were dropped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

expect_fail "--keep-samples 0" "\-\-keep-samples '0': expected 1 to 36500 days" "$FWD" --keep-samples 0 --db "$T/x.db"
expect_fail "--keep-samples 36501" "\-\-keep-samples '36501'" "$FWD" --keep-samples 36501 --db "$T/x.db"
expect_fail "--keep-samples ten" "\-\-keep-samples 'ten'" "$FWD" --keep-samples ten --db "$T/x.db"
[ ! -e "$T/x.db" ] || fail "a bad option created the database"

db=$T/fw.db
commit() { printf 'c0ffee%034d' "$1"; }
# plan: name host kernel age kept
plan='a1 lab-a 1 old kept
a2 lab-a 2 old kept
a3 lab-a 3 old kept
a4 lab-a 4 new kept
a5 lab-a 5 old dropped
b1 lab-b 1 old dropped
b2 lab-b 2 old dropped'

say "uploads of two hosts on five kernels"
start_daemon "$T/d1.log" --db "$db"
adm=$(cat "$T/admin.token")
for h in a b; do
	expect 201 POST /api/v1/hosts -H "Authorization: Bearer $adm" -d "{\"hostname\": \"vm-$h\", \"name\": \"lab-$h\"}"
	jget "$T/body" 'd["token"]' >"$T/token-$h"
done
i=0
while read -r name host k _; do
	i=$((i + 1))
	"$PY" - "$top/tests/fuzz/corpus/doc/matrix-16M.json" "$T/$name.json" "$i" "$(commit "$k")" "${host#lab-}" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["run_uuid"] = "%08d-d5b0-4a47-b2d3-bb5215788bcf" % int(sys.argv[3])
d["kernel"]["commit"] = sys.argv[4]
d["kernel"]["parent_commit"] = None
d["host"]["hostname"] = "vm-" + sys.argv[5]
json.dump(d, open(sys.argv[2], "w"))
PYEOF
	expect 201 POST /api/v1/runs -H "Authorization: Bearer $(cat "$T/token-${host#lab-}")" --data-binary @"$T/$name.json"
	jget "$T/body" 'd["run"]["id"]' >"$T/$name.id"
	expect 200 GET "/api/v1/runs/$(cat "$T/$name.id")"
	cp "$T/body" "$T/$name.before"
done <<<"$plan"
expect 200 POST /api/v1/hosts/lab-a -H "Authorization: Bearer $adm" -d "{\"baseline\": \"$(commit 1)\"}"
stop_daemon

# an alert of lab-a on kernel 2 against kernel 3, and every run but a4 received 40 days ago
"$PY" - "$db" "$(commit 2)" "$(commit 3)" "$(cat "$T/a4.id")" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
k = lambda ident: c.execute("SELECT id FROM kernels WHERE ident = ?", (ident,)).fetchone()[0]
a = c.execute("SELECT id FROM hosts WHERE name = 'lab-a'").fetchone()[0]
c.execute("INSERT INTO alerts (host_id, kernel_id, base_kernel_id, workload, layout, metric, kind, "
          "summary, created_at) VALUES (?, ?, ?, 'fork', 'order-0', 'ns', 'regression', 'slower', 1)",
          (a, k(sys.argv[2]), k(sys.argv[3])))
c.execute("UPDATE runs SET received_at = received_at - 40 * 86400 WHERE id != ?", (int(sys.argv[4]),))
c.commit()
assert c.execute("SELECT count(*) FROM samples").fetchone()[0] == 7 * 8
PYEOF

say "forkwatchd --keep-samples 30"
start_daemon "$T/d2.log" --db "$db" --keep-samples 30
grep -q 'keeping per-iteration samples 30 days' "$T/d2.log" || fail "the log does not say --keep-samples"
for _ in $(seq 100); do
	grep -q 'retention: dropped' "$T/d2.log" && break
	sleep 0.1
done
grep -q 'retention: dropped the samples of 3 runs received more than 30 days ago' "$T/d2.log" ||
	fail "retention: $(grep retention "$T/d2.log" || echo 'nothing logged')"
while read -r name host k age kept; do
	id=$(cat "$T/$name.id")
	expect 200 GET "/api/v1/runs/$id"
	"$PY" - "$T/body" "$T/$name.before" "$kept" "$name" <<'PYEOF' || fail "run $name"
import json, sys
now, before, kept, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
dropped = now["run"].pop("samples_dropped_at")
assert before["run"].pop("samples_dropped_at") is None
assert (dropped is None) == (kept == "kept"), "%s: samples_dropped_at %r, expected them %s" % (name, dropped, kept)
for d in now, before:
    d["run"].pop("received_at")  # moved back 40 days above
assert now == before, "%s: the summaries changed" % name
print("    %s: samples %s, summaries as they were" % (name, kept))
PYEOF
	expect 200 GET "/runs/$id"
	hist=$(grep -o 'every iteration ([0-9]* in [0-9]* runs)' "$T/body" | wc -l)
	if [ "$kept" = kept ]; then
		[ "$hist" = 8 ] || fail "run page $name: $hist histograms, expected 8"
		! grep -q 'samples dropped' "$T/body" || fail "run page $name says its samples were dropped"
	else
		[ "$hist" = 0 ] || fail "run page $name: $hist histograms of dropped samples"
		grep -q 'per-iteration samples dropped' "$T/body" || fail "run page $name does not say its samples were dropped"
	fi
done <<<"$plan"
say "comparisons read summaries: one with a dropped run still answers"
expect 200 GET "/api/v1/compare?host=lab-a&base=$(commit 5)&head=$(commit 4)"
jcheck "$T/body" 'len(d["rows"]) > 0' "a comparison against a run without samples"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"

"$PY" - "$db" <<'PYEOF' || fail "the database after retention"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n = c.execute("SELECT count(*) FROM samples").fetchone()[0]
assert n == 4 * 8, "%d samples rows, expected those of 4 runs" % n
orphans = c.execute("SELECT count(*) FROM samples v JOIN cases c ON c.id = v.case_id JOIN runs r "
                    "ON r.id = c.run_id WHERE r.samples_dropped_at IS NOT NULL").fetchone()[0]
assert orphans == 0, "samples of runs marked dropped"
assert c.execute("SELECT count(*) FROM series").fetchone()[0] == 7 * 8 * 8, "series rows lost"
print("    4 runs x 8 cases of samples left, every series row kept")
PYEOF

say "a second start finds nothing more to drop"
start_daemon "$T/d3.log" --db "$db" --keep-samples 30
sleep 0.5
stop_daemon
! grep -q 'retention: dropped' "$T/d3.log" || fail "the second start dropped more: $(grep retention "$T/d3.log")"
echo ok

#!/usr/bin/env bash
# A database that forkwatchd wrote before samples were compressed (schema
# version 3, tests/e2e/data/schema-v3.sql) is migrated in place at start:
# every summary row unchanged, every sample back bit for bit from one
# compressed blob per case (decoded here with a reader of its own, through
# the zstd command, against the version-3 float64 arrays), the old table
# gone, pages and new uploads working.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
command -v zstd >/dev/null || skip "needs the zstd command (Debian package zstd)"

db=$T/v3/fw.db
mkdir "$T/v3"
"$PY" - "$db" "$top/tests/e2e/data/schema-v3.sql" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript(open(sys.argv[2]).read())
c.commit()
PYEOF

# what version 3 holds, before: summaries, and samples per series
"$PY" - "$db" "$T/before.json" <<'PYEOF'
import json, sqlite3, struct, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA user_version").fetchone()[0] == 3
summaries = [list(map(repr, r)) for r in c.execute("SELECT * FROM series ORDER BY id")]
samples = {}
for case_id, metric, rl, data in c.execute(
        "SELECT s.case_id, s.metric, v.run_lengths, v.data FROM samples v "
        "JOIN series s ON s.id = v.series_id ORDER BY s.id"):
    samples.setdefault(str(case_id), {})[metric] = {
        "runs": list(struct.unpack("<%dI" % (len(rl) // 4), rl)),
        "bits": list(struct.unpack("<%dQ" % (len(data) // 8), data))}
json.dump({"summaries": summaries, "samples": samples,
           "runs": c.execute("SELECT count(*) FROM runs").fetchone()[0]}, open(sys.argv[2], "w"))
print("version 3: %d series rows, %d samples rows in %d cases" % (
    len(summaries), sum(len(v) for v in samples.values()), len(samples)))
PYEOF

say "forkwatchd migrates it to version $SCHEMA"
start_daemon "$T/d1.log" --db "$db"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "schema_version after the migration"
grep -q "database $db, schema version $SCHEMA" "$T/d1.log" || fail "the log does not say version $SCHEMA"
expect 200 GET /api/v1/runs/1
jcheck "$T/body" 'd["run"]["samples_dropped_at"] is None and len(d["cases"]) == 8' "run 1 after the migration"
expect 200 GET /runs/1
[ "$(grep -o 'every iteration ([0-9]* in [0-9]* runs)' "$T/body" | wc -l)" = 8 ] ||
	fail "the run page of run 1 does not show a histogram per case"
grep -q 'samples dropped' "$T/body" && fail "run 1 says its samples were dropped"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"

say "every summary as it was, every sample bit for bit"
"$PY" - "$db" "$T/before.json" <<'PYEOF' || fail "the migrated database"
import json, os, sqlite3, struct, subprocess, sys
c = sqlite3.connect(sys.argv[1])
before = json.load(open(sys.argv[2]))

def varint(p, i):
    u = shift = 0
    while True:
        b = p[i]; i += 1
        u |= (b & 0x7f) << shift; shift += 7
        if not b & 0x80:
            return u, i

def decode(blob):
    """lib/sampcodec.h's format, read independently of the C code"""
    assert blob[0] == 1, "version %d" % blob[0]
    if blob[1] == 1:
        p = subprocess.run(["zstd", "-dc"], input=blob[2:], capture_output=True, check=True).stdout
    else:
        assert blob[1] == 0
        p = blob[2:]
    out, i = {}, 0
    n, i = varint(p, i)
    for _ in range(n):
        ln, i = varint(p, i); name = p[i:i + ln].decode(); i += ln
        nruns, i = varint(p, i)
        runs = []
        for _ in range(nruns):
            r, i = varint(p, i); runs.append(r)
        nv = sum(runs)
        nexc, i = varint(p, i)
        exc, at = {}, 0
        for _ in range(nexc):
            gap, i = varint(p, i); at += gap
            exc[at] = int.from_bytes(p[i:i + 8], "little"); i += 8; at += 1
        w = p[i]; i += 1
        nz = nv - nexc
        planes = [p[i + b * nz:i + (b + 1) * nz] for b in range(w)]
        i += w * nz
        bits, prev, k = [], 0, 0
        for j in range(nv):
            if j in exc:
                bits.append(exc[j]); continue
            z = sum(planes[b][k] << (8 * b) for b in range(w)); k += 1
            d = (z >> 1) ^ -(z & 1)
            prev = (prev + d) & (2**64 - 1)
            v = prev - 2**64 if prev >= 2**63 else prev
            bits.append(int.from_bytes(struct.pack("<d", float(v)), "little"))
        out[name] = {"runs": runs, "bits": bits}
    assert i == len(p), "trailing bytes"
    return out

assert c.execute("PRAGMA user_version").fetchone()[0] == int(os.environ["SCHEMA"])
assert not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'samples_v3'").fetchall(), "samples_v3 left"
summaries = [list(map(repr, r)) for r in c.execute("SELECT * FROM series ORDER BY id")]
assert summaries == before["summaries"], "series rows changed"
assert c.execute("SELECT count(*) FROM runs WHERE samples_dropped_at IS NULL").fetchone()[0] == before["runs"]
after = {str(case_id): decode(data) for case_id, data in c.execute("SELECT case_id, data FROM samples")}
assert sorted(after) == sorted(before["samples"]), "cases with samples: %s, expected %s" % (
    sorted(after), sorted(before["samples"]))
n = 0
for case_id, series in before["samples"].items():
    assert after[case_id] == series, "case %s: samples differ" % case_id
    n += sum(len(s["bits"]) for s in series.values())
print("ok: %d series rows unchanged; %d values in %d cases, bit for bit" % (len(summaries), n, len(after)))
PYEOF

say "a second start: uploads and pages work"
start_daemon "$T/d2.log" --db "$db"
expect 200 GET /healthz
jcheck "$T/body" "d['schema_version'] == $SCHEMA" "schema_version at the second start"
adm=$(cat "$T/v3/admin.token")
expect 201 POST /api/v1/hosts -H "Authorization: Bearer $adm" -d '{"hostname": "vm", "name": "lab-new"}'
tok=$(jget "$T/body" 'd["token"]')
"$PY" - "$top/tests/fuzz/corpus/doc/matrix-16M.json" "$T/new.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["run_uuid"] = "7c27f627-d5b0-4a47-b2d3-bb5215788bcf"
json.dump(d, open(sys.argv[2], "w"))
PYEOF
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/new.json"
id=$(jget "$T/body" 'd["run"]["id"]')
expect 200 GET "/runs/$id"
[ "$(grep -o 'every iteration ([0-9]* in [0-9]* runs)' "$T/body" | wc -l)" = 8 ] ||
	fail "the run page of a new upload does not show a histogram per case"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

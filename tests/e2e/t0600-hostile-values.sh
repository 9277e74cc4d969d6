#!/usr/bin/env bash
# Hostile values in uploaded result documents, end to end: every rule of
# schema/result-format.md broken once (a commit that is not hex, NaN and
# Infinity as bare words and 1e999, negative and absurdly large numbers,
# arrays of the wrong length, workload names against their rule, unknown layouts and metric
# names, NUL bytes escaped and raw, invalid UTF-8, duplicate keys, deep
# nesting), each in a document that is otherwise valid and carries a
# kernel and run_uuid of its own.  Each must be answered 400 with the
# JSON error shape, naming the offending field where one applies, and
# nothing of it may be stored: no run, no kernel row, no host change
# (checked through the API and in the database).  t0400 covers the
# ordinary refusals; this is the long tail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
DOC="$PY $top/tests/e2e/daemon-doc.py"

mkdir -p "$T/srv"
db=$T/srv/fw.db
start_daemon "$T/d.log" --db "$db" --upload-rate 0
admin=(-H "Authorization: Bearer $(cat "$T/srv/admin.token")")

say "one host, one accepted upload as the reference"
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-h.example", "name": "lab-h"}'
tok=$(jget "$T/body" 'd["token"]')
$DOC make --hostname lab-h.example --out "$T/good.json"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/good.json"

say "hostile documents"
"$PY" - "$PORT" "$tok" "$T/good.json" "$T/uuids" <<'PYEOF' || fail "hostile documents"
import copy, http.client, json, re, sys, uuid

port, tok, good_path, uuids_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
good = json.load(open(good_path))
RAW = "@@raw@@"
failures, n, uuids = [], 0, []


def post(body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/api/v1/runs", body=body,
              headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def split(path):
    return [int(i) if i else k for k, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]


def edit(doc, path, value):
    obj = doc
    parts = split(path)
    for p in parts[:-1]:
        obj = obj[p]
    if value is DELETE:
        del obj[parts[-1]]
    else:
        obj[parts[-1]] = value


DELETE = object()


def case(what, field, edits=(), raw=None, text=None, binary=None, message=None, status=400):
    """One hostile upload: edits (path, value) of the good document, then
    the placeholder RAW replaced by raw (text that JSON cannot say), or
    text(s) -> s applied to the JSON text, or binary(b) -> b to its bytes.
    field: the expected "field" (None: none), or a callable on it."""
    global n
    n += 1
    doc = copy.deepcopy(good)
    u = str(uuid.uuid4())
    uuids.append(u)
    doc["run_uuid"] = u
    # a kernel of its own, so that a stored kernel row would show
    doc["kernel"]["commit"] = "%012x" % (0xabc000000000 + n)
    doc["kernel"]["release"] = "6.9.0-hostile-%d" % n
    for path, value in edits:
        edit(doc, path, value)
    s = json.dumps(doc, ensure_ascii=False)
    if raw is not None:
        assert RAW in s, what
        s = s.replace('"' + RAW + '"', raw, 1)
    if text:
        s = text(s)
    b = s.encode("utf-8", "surrogatepass")
    if binary:
        b = binary(b)
    st, data = post(b)
    try:
        e = json.loads(data)["error"]
        assert e["status"] == st and isinstance(e["message"], str) and e["message"], e
    except Exception as x:
        failures.append("%s: answer %d is not a JSON error: %r (%s)" % (what, st, data[:300], x))
        return
    got = e.get("field")
    ok = st == status
    if callable(field):
        ok = ok and got is not None and field(got)
    else:
        ok = ok and got == field
    if message:
        ok = ok and message in e["message"]
    line = "%d %s%s" % (st, e["message"][:150], " (field %s)" % got[:80] if got else "")
    if not ok:
        failures.append("%s: %s; expected %d with field %s%s" % (
            what, line, status, field if not callable(field) else "(pattern)",
            " and %r" % message if message else ""))
    else:
        print("    ok: %-46s %s" % (what, line))


ns00 = "cases[0].runs[0].ns[0]"
tf = "cases[0].runs[1].counters.tlb_flushes"

# kernel commits that are not hex
case("commit with g", "kernel.commit", [("kernel.commit", "g123456789ab")], message="'g123456789ab'")
case("commit upper case", "kernel.commit", [("kernel.commit", "DEADBEEF1234")])
case("commit with a space", "kernel.commit", [("kernel.commit", "dead beef1234")])
case("commit with markup", "kernel.commit", [("kernel.commit", "<script>alert(1)</script>")])
case("commit too short", "kernel.commit", [("kernel.commit", "abc123")])
case("commit of 41 digits", "kernel.commit", [("kernel.commit", "a" * 41)])
case("commit empty", "kernel.commit", [("kernel.commit", "")])
case("commit a number", "kernel.commit", [("kernel.commit", 1234567)])
case("commit with \\u0000", "kernel.commit", [("kernel.commit", "deadbeef1234\u0000")])
case("parent commit not hex", "kernel.parent_commit", [("kernel.parent_commit", "HEAD~1")])
case("parent commit 'null'", "kernel.parent_commit", [("kernel.parent_commit", "null")])
case("build id not hex", "kernel.build_id", [("kernel.build_id", "zz-not-hex")])

# NaN and infinities: JSON has none; 1e999 overflows a double
case("NaN in ns", ns00, [(ns00, RAW)], raw="NaN")
case("nan in a counter", tf + "[1]", [(tf + "[1]", RAW)], raw="nan")
case("Infinity as size", "params.size_bytes", [("params.size_bytes", RAW)], raw="Infinity")
case("-Infinity as runs", "params.runs", [("params.runs", RAW)], raw="-Infinity")
case("1e999 in ns", ns00, [(ns00, RAW)], raw="1e999")
case("-1e999 as mem_bytes", "host.mem_bytes", [("host.mem_bytes", RAW)], raw="-1e999")
case("1e999 in host.loadavg", "host.loadavg[0]", [("host.loadavg", [RAW, 0, 0])], raw="1e999")
case("1e308 in ns (finite, not an integer)", ns00, [(ns00, 1e308)])
case("2.5 in a counter", tf + "[0]", [(tf + "[0]", 2.5)])
case("1e3 as iterations (a real)", "params.iterations", [("params.iterations", RAW)], raw="1e3")
case("'NaN' as a string in ns", ns00, [(ns00, "NaN")])

# negative numbers
for path in ("params.size_bytes", "params.runs", "params.iterations", "params.fresh_iterations",
             "params.munmap_iterations", "params.warmup", "host.cpus", "host.mem_bytes", "host.page_size",
             "cases[0].iterations", "cases[0].order", "cases[0].runs_ok", ns00, tf + "[0]"):
    case("negative " + path, path, [(path, -1)])
case("-0.0 in ns", ns00, [(ns00, RAW)], raw="-0.0")
case("negative folio count", "cases[0].layout_check.folios",
     [("cases[0].layout_check.folios", {"0": -1})])

# absurdly large numbers
big = [("params.size_bytes", (1 << 40) + 1), ("params.size_bytes", (1 << 63) - 1),
       ("params.runs", 1001), ("params.runs", 1 << 62), ("params.iterations", 1000001),
       ("params.fresh_iterations", 1 << 40), ("params.munmap_iterations", 1 << 40),
       ("params.warmup", 10 ** 9),
       ("host.cpus", 1 << 40), ("host.mem_bytes", 1 << 62), ("host.page_size", 1 << 40),
       ("cases[0].iterations", 1 << 31), ("cases[0].order", 21), (ns00, 10 ** 18 + 1),
       (ns00, (1 << 63) - 1), (tf + "[0]", 1 << 62)]
for path, v in big:
    case("%s = %d" % (path, v), path, [(path, v)])
case("ns beyond int64", ns00, [(ns00, RAW)], raw="18446744073709551616")
case("size beyond int64", "params.size_bytes", [("params.size_bytes", RAW)], raw="1" + "0" * 40)
case("runs x iterations too many for the body", "cases[0].iterations",
     [("params.iterations", 1000000), ("cases[0].iterations", 1000000)])

# arrays of the wrong length: samples against runs x iterations
case("ns one too many", "cases[0].runs[0].ns", [("cases[0].runs[0].ns", [1, 2, 3, 4])], message="has 4 values")
case("ns one too few (run ok)", "cases[0].runs[0].ns", [("cases[0].runs[0].ns", [1, 2])], message="has 2 values")
case("ns empty (run ok)", "cases[0].runs[0].ns", [("cases[0].runs[0].ns", [])])
case("ns not an array", "cases[0].runs[0].ns", [("cases[0].runs[0].ns", 5)])
case("counter shorter than ns", tf, [(tf, [1, 2])])
case("counter longer than ns", tf, [(tf, [1, 2, 3, 4])])
case("a run too many", "cases[0].runs", [("cases[0].runs", good["cases"][0]["runs"] * 2)])
case("a run too few", "cases[0].runs", [("cases[0].runs", good["cases"][0]["runs"][:1])])
case("no runs", "cases[0].runs", [("cases[0].runs", [])])
# a case's iterations are one of params' counts (which one is the collector's business)
case("iterations unlike params.iterations and fresh_iterations", "cases[0].iterations",
     [("params.iterations", 4), ("params.fresh_iterations", 2)])
case("iterations that params never announced", "cases[1].iterations",
     [("cases[1].iterations", 5)])
case("fresh_iterations and its older name disagree", "params.munmap_iterations",
     [("params.munmap_iterations", 2)])
case("no cases", "cases", [("cases", [])])
case("65 cases", "cases", [("cases", [good["cases"][0]] * 65)])

# workload names against the rule (any that passes it is taken: t0515), layouts, metrics
for v in ("9exec", "FORK", "fork ", "<script>", "", "x" * 32, "caf\u00e9", "-fork"):
    case("workload %r" % v, "cases[0].workload", [("cases[0].workload", v)])
case("workload 'fork\\u0000x'", "cases[0].workload", [("cases[0].workload", "fork\u0000x")])
for v in ("order-21", "order-04", "order--1", "order-", "pmd ", "huge", "order-9999999999999999999"):
    case("layout %r" % v, "cases[0].layout", [("cases[0].layout", v)])
case("layout order-4 with order 0", "cases[0].order", [("cases[0].layout", "order-4")])
case("pmd with pte mapping", "cases[0].mapping", [("cases[0].layout", "pmd"), ("cases[0].order", 9)])
for m in ("Cycles", "dtlb-misses", "<script>", "x" * 32, "ns", "caf\u00e9"):
    c0 = copy.deepcopy(good["cases"][0]["counters"])
    c0[m] = {"status": "ok", "event": "x"}
    case("metric %r" % m[:20], "cases[0].counters." + m, [("cases[0].counters", c0)])
case("metric ''", "cases[0].counters.", [("cases[0].counters", {"": {"status": "ok"}})])
case("counter status 'maybe'", "cases[0].counters.tlb_flushes.status",
     [("cases[0].counters.tlb_flushes.status", "maybe")])
case("values of an unknown counter in a run", "cases[0].runs[0].counters.dtlb_misses",
     [("cases[0].runs[0].counters.dtlb_misses", [1, 2, 3])])
case("values for an unsupported counter", "cases[0].runs[0].counters.cycles",
     [("cases[0].runs[0].counters.cycles", [1, 2, 3])])
case("18 counters", "cases[0].counters",
     [("cases[0].counters", {"m%d" % i: {"status": "unsupported", "reason": "r"} for i in range(18)})])
case("format /2", "format", [("format", "forkwatch-result/2")])
case("run_uuid with markup", "run_uuid", [("run_uuid", "<script>alert(1)</script>-0000-000000000")])

# NUL bytes: escaped inside strings, and raw in the body
for path in ("host.hostname", "host.arch", "host.cpu_model", "kernel.release", "kernel.version",
             "tool.version", "started_at", "cases[0].layout_check.reason",
             "cases[0].counters.tlb_flushes.event", "cases[0].runs[0].error"):
    case("\\u0000 in " + path, path, [(path, "x\u0000y")])
case("\\u0000 in a member name", lambda f: f.startswith("cases[0].counters"),
     [("cases[0].counters.tlb\u0000x", {"status": "ok"})])
case("raw NUL inside host.cpu_model", "host.cpu_model", [("host.cpu_model", "x" + RAW)],
     text=lambda s: s.replace(RAW, "\x00", 1))
case("raw NUL between tokens", lambda f: f.startswith("host"),
     text=lambda s: s.replace('"hostname"', '\x00"hostname"', 1))
case("raw NUL after the document", None, binary=lambda b: b + b"\x00")
case("raw NUL before the document", None, binary=lambda b: b"\x00" + b)

# invalid UTF-8 in strings (raw bytes, and escapes no UTF-8 can hold)
def bytes_in(path, junk):
    return dict(edits=[(path, "lab" + RAW)],
                binary=lambda b: b.replace(RAW.encode(), junk, 1))
for path in ("host.hostname", "host.cpu_model", "kernel.release", "kernel.version",
             "cases[0].runs[1].error", "cases[0].layout_check.reason"):
    case("\\xff\\xfe in " + path, path, **bytes_in(path, b"\xff\xfe"))
case("truncated sequence", "host.cpu_model", **bytes_in("host.cpu_model", b"\xe2\x82"))
case("overlong '/'", "kernel.release", **bytes_in("kernel.release", b"\xc0\xaf"))
case("UTF-8 of a surrogate", "kernel.version", **bytes_in("kernel.version", b"\xed\xa0\x80"))
case("beyond U+10FFFF", "host.arch", **bytes_in("host.arch", b"\xf4\x90\x80\x80"))
case("lone continuation byte", "tool.version", **bytes_in("tool.version", b"\x80"))
case("lone surrogate escape", "host.cpu_model", [("host.cpu_model", "x" + RAW)],
     text=lambda s: s.replace(RAW, "\\ud800", 1))
case("low surrogate first", "host.cpu_model", [("host.cpu_model", "x" + RAW)],
     text=lambda s: s.replace(RAW, "\\udc00\\ud800", 1))
case("invalid UTF-8 in a member name", lambda f: f.startswith("host"),
     [("host.x" + RAW, 1)], binary=lambda b: b.replace(RAW.encode(), b"\xff", 1))

# duplicate keys
case("run_uuid twice", "run_uuid",
     text=lambda s: s.replace('"run_uuid":', '"run_uuid": "%s", "run_uuid":' % uuid.uuid4(), 1))
case("host.cpus twice", "host.cpus", text=lambda s: s.replace('"cpus":', '"cpus": 2, "cpus":', 1))
case("ns twice in a run", "cases[0].runs[0].ns",
     text=lambda s: s.replace('"ns":', '"ns": [1, 2, 3], "ns":', 1))
case("kernel twice", "kernel", text=lambda s: s.replace('"kernel":', '"kernel": {}, "kernel":', 1))
case("a duplicate in a large object", "host.k7",
     [("host", dict(good["host"], **{"k%d" % i: i for i in range(40)}))],
     text=lambda s: s.replace('"k39": 39', '"k39": 39, "k7": 7', 1))
case("the same name escaped differently", "host.arch",
     text=lambda s: s.replace('"arch":', '"\\u0061rch": "x", "arch":', 1))

# deep nesting
deep = "[" * 70 + "]" * 70
case("70 arrays deep in host.thp", lambda f: f.startswith("host.thp"),
     [("host.thp", RAW)], raw=deep)
case("40 objects deep in host (the writer's limit)", lambda f: f.startswith("host"),
     [("host.thp", RAW)], raw='{"a":' * 40 + "1" + "}" * 40)
case("100000 arrays deep in an ignored key", lambda f: f.startswith("extra"),
     [("extra", RAW)], raw="[" * 100000 + "]" * 100000)
case("a deep bare array", lambda f: f.startswith("[0]"), text=lambda s: "[" * 100000 + "]" * 100000)

# not the document at all
case("a bare string", None, text=lambda s: json.dumps("forkwatch-result/1"))
case("an empty body", None, text=lambda s: "")
case("only whitespace", None, text=lambda s: " \n\t ")
case("two documents", None, text=lambda s: s + s)
case("a truncated document", lambda f: f.startswith("cases[0]"), text=lambda s: s[: len(s) // 2])
case("a UTF-8 BOM first", None, binary=lambda b: b"\xef\xbb\xbf" + b)
case("UTF-16", None, binary=lambda b: b.decode().encode("utf-16"))

open(uuids_path, "w").write("\n".join(uuids) + "\n")
print("%d hostile documents, %d answered wrongly" % (n, len(failures)))
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PYEOF

say "nothing of them stored: API"
expect 200 GET /api/v1/hosts/lab-h
jcheck "$T/body" 'd["host"]["uploads"] == 1 and len(d["kernels"]) == 1' "the host has its one upload"
jcheck "$T/body" 'd["host"]["cpus"] == 2 and d["host"]["mem_bytes"] == 8 << 30' "host facts unchanged"
expect 200 GET /api/v1/kernels
jcheck "$T/body" '[k["ident"] for k in d["kernels"]] == ["deadbeef1234"]' "only the reference kernel"
expect_error 404 - "" GET /api/v1/runs/2

say "nothing of them stored: the database"
if on_pg; then
	pgdb=${pg_of[$db]}
	[ "$(pg_sql "$pgdb" "SELECT count(*) FROM runs")" = 1 ] || fail "runs stored: $(pg_sql "$pgdb" "SELECT uuid FROM runs")"
	! grep -qxF "$(pg_sql "$pgdb" "SELECT uuid FROM runs")" "$T/uuids" || fail "a hostile run_uuid is stored"
	[ "$(pg_sql "$pgdb" "SELECT string_agg(ident, ',') FROM kernels")" = deadbeef1234 ] || fail "kernels stored"
	[ "$(pg_sql "$pgdb" "SELECT count(*) FROM cases WHERE run_id NOT IN (SELECT id FROM runs)")" = 0 ] ||
		fail "cases of no run"
	say "    database: 1 run, 1 kernel, $(wc -w <"$T/uuids") hostile run_uuids absent"
else
"$PY" - "$db" "$T/uuids" <<'PYEOF' || fail "database check"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
uuids = [u for u in open(sys.argv[2]).read().split() if u]
runs = c.execute("SELECT uuid FROM runs").fetchall()
assert len(runs) == 1 and runs[0][0] not in uuids, runs
kernels = c.execute("SELECT ident FROM kernels").fetchall()
assert kernels == [("deadbeef1234",)], kernels
tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
for t in tables:
    if t in ("runs", "kernels", "hosts", "schema_version") or t.startswith("sqlite_"):
        continue
    cols = [r[1] for r in c.execute("PRAGMA table_info(%s)" % t)]
    if "run_id" in cols:
        bad = c.execute("SELECT count(*) FROM %s WHERE run_id NOT IN (SELECT id FROM runs)" % t).fetchone()[0]
        assert bad == 0, "%s: %d rows of no run" % (t, bad)
print("    database: 1 run, 1 kernel, %d hostile run_uuids absent" % len(uuids))
PYEOF
fi

say "the daemon is still well"
expect 200 GET /healthz
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

#!/usr/bin/env bash
# Placement (forkwatch bench --placement) on the server: the document's
# placement is validated and stored (a document without one is free), a
# comparison pools only the runs of the head's placement (the base's runs
# of another placement, twice as slow here, must not move the answer), and
# when the base has no run of that placement every row is missing and the
# JSON, /compare.txt and /compare say why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "lab-p"}' "$URL/api/v1/hosts" >"$T/reg.json" ||
	fail "register"
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/reg.json")
auth=(-H "Authorization: Bearer $tok")

"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-p
# variants of compare-docs.py's documents: PLACEMENT CPUS SCALE (of every time)
"$PY" - "$T" <<'PYEOF'
import json, sys, uuid
t = sys.argv[1]
def variant(src, dst, placement, cpus, scale, ident=None):
    d = json.load(open(f"{t}/{src}.json"))
    d["run_uuid"] = str(uuid.uuid4())
    if placement is not None:
        d["params"]["placement"] = placement
        d["params"]["placement_cpus"] = cpus
    for c in d["cases"]:
        for r in c["runs"]:
            r["ns"] = [int(x * scale) for x in r["ns"]]
    if ident:
        d["kernel"]["commit"] = ident
        d["kernel"]["release"] = "6.9.0-g" + ident
    json.dump(d, open(f"{t}/{dst}.json", "w"))
# base: an old document (no placement: free) at 1.0, a pinned one at 0.5
variant("base", "base-free", None, None, 1.0)
variant("base", "base-same", "same", {"parent": 1, "child": 1}, 0.5)
# head (order-0 +10%, pmd -30% of the same placement's base), pinned
variant("base", "head-same", "same", {"parent": 1, "child": 1}, 0.5, "bbbbbbbbbbbb")
d = json.load(open(f"{t}/head-same.json")); d["kernel"]["parent_commit"] = "aaaaaaaaaaaa"
json.dump(d, open(f"{t}/head-same.json", "w"))
variant("head-same", "head-split", "split", {"parent": 1, "child": 0}, 1.0)
for name, pl, cpus in (("bad-name", "sideways", None), ("bad-same", "same", {"parent": 1, "child": 0}),
                       ("bad-split", "split", {"parent": 0, "child": 0}), ("bad-free", "free", {"parent": 0, "child": 0}),
                       ("bad-nocpus", "same", None)):
    variant("base", name, pl, cpus, 1.0)
PYEOF

say "documents with a wrong placement are refused, naming the field"
expect_error 400 params.placement "sideways" POST /api/v1/runs "${auth[@]}" --data-binary @"$T/bad-name.json"
expect_error 400 params.placement_cpus "one CPU" POST /api/v1/runs "${auth[@]}" --data-binary @"$T/bad-same.json"
expect_error 400 params.placement_cpus "two CPUs" POST /api/v1/runs "${auth[@]}" --data-binary @"$T/bad-split.json"
expect_error 400 params.placement_cpus "pins no CPU" POST /api/v1/runs "${auth[@]}" --data-binary @"$T/bad-free.json"
expect_error 400 params.placement_cpus "missing" POST /api/v1/runs "${auth[@]}" --data-binary @"$T/bad-nocpus.json"

say "uploads: a document without placement is stored as free"
for d in base-free base-same head-same; do
	expect 201 POST /api/v1/runs "${auth[@]}" --data-binary @"$T/$d.json"
	cp "$T/body" "$T/up-$d.json"
done
expect 200 GET "$(jget "$T/up-base-free.json" 'd["run"]["url"]')"
jcheck "$T/body" 'd["run"]["params"]["placement"] == "free" and d["run"]["params"]["placement_cpus"] is None' "old document stored as free"
expect 200 GET "$(jget "$T/up-base-same.json" 'd["run"]["url"]')"
jcheck "$T/body" 'd["run"]["params"]["placement"] == "same" and d["run"]["params"]["placement_cpus"] == {"parent": 1, "child": 1}' "placement same stored"

say "a comparison pools only the runs of the head's placement"
expect 200 GET "/api/v1/compare?host=lab-p&head=bbbbbbbbbbbb"
cp "$T/body" "$T/cmp.json"
"$PY" - "$T/cmp.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
def check(c, m):
    if not c: print("FAIL:", m, json.dumps(d)[:3000]); sys.exit(1)
check(d["placement"] == "same" and d["placement_cpus"] == {"parent": 1, "child": 1}, "placement")
check(d["base"] == "aaaaaaaaaaaa" and d["base_uploads"] == {"same": 1, "split": 0, "free": 1}, "base uploads")
check(not d["base_lacks_placement"], "the base has runs of it")
rows = {(r["layout"], r["metric"]): r for r in d["rows"]}
o0 = rows[("order-0", "ns")]
# pooled with the free upload (twice as slow) the base would have 16 runs and read as a gain
check(o0["base"]["n"] == 8 and o0["head"]["n"] == 8, "only the same-placement runs pooled: %s" % o0)
check(abs(o0["delta_pct"]) < 1.5 and o0["verdict"] != "gain", "no change against the same placement: %s" % o0)
print("pooled by placement ok")
PYEOF
expect 200 GET "/compare.txt?host=lab-p&head=bbbbbbbbbbbb"
grep -q '^placement same (parent and child on CPU 1): only runs made with it are compared; left out of the baseline: free: 1 upload$' "$T/body" ||
	{ cat "$T/body"; fail "compare.txt does not name the placement"; }

say "a newer head upload made with split: the base has no split run"
expect 201 POST /api/v1/runs "${auth[@]}" --data-binary @"$T/head-split.json"
expect 200 GET "/api/v1/compare?host=lab-p&head=bbbbbbbbbbbb"
cp "$T/body" "$T/cmp2.json"
"$PY" - "$T/cmp2.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
def check(c, m):
    if not c: print("FAIL:", m, json.dumps(d)[:3000]); sys.exit(1)
check(d["placement"] == "split" and d["base_lacks_placement"], "split, and the base lacks it")
check(d["head_uploads"] == {"same": 1, "split": 1, "free": 0}, "head uploads")
for r in d["rows"]:
    if r["verdict"] == "unsupported":
        continue
    check(r["verdict"] == "missing" and "no runs with placement split" in r["reason"], "row %s" % r)
    check(r["base"]["n"] == 0 and r["head"]["n"] == 8, "row %s: only the split upload" % r)
print("no mixing ok")
PYEOF
expect 200 GET "/compare.txt?host=lab-p&head=bbbbbbbbbbbb"
grep -q "the baseline aaaaaaaaaaaa has no runs with placement split (it has same: 1 upload, free: 1 upload): nothing to compare" "$T/body" ||
	{ cat "$T/body"; fail "compare.txt does not say the baseline lacks the placement"; }
expect 200 GET "/compare?host=lab-p&head=bbbbbbbbbbbb"
grep -q 'class="placement noise"' "$T/body" && grep -q 'no runs with placement split' "$T/body" ||
	fail "/compare does not warn that the baseline lacks the placement"

say "the run page shows the placement"
expect 200 GET "/runs/$(jget "$T/up-base-same.json" 'd["run"]["id"]')"
grep -q 'same (parent and child on CPU 1)' "$T/body" || fail "run page without the placement"
stop_daemon

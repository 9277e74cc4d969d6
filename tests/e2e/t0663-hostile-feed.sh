#!/usr/bin/env bash
# Every hostile string of tests/e2e/hostile_strings.py (issue 11, item 4)
# tried as a kernel release (of a regression, so that it reaches an
# alert, the Atom feed and the pages), as a host's name and as who
# triages: whatever forkwatchd takes, /alerts.atom stays XML 1.0 for
# xmllint (one release holding U+FFFF once made the whole feed invalid),
# the pages hold no character XML 1.0 or HTML forbids, and what it
# refuses it refuses with 400 naming the field.  Stored values read back
# verbatim through the JSON API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
command -v xmllint >/dev/null || skip "needs xmllint (Debian package libxml2-utils; scripts/deps.sh test)"

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db" --upload-rate 0 --kernels-per-hour 0
admin=$(cat "$T/srv/admin.token")
expect 201 POST /api/v1/hosts -H "Authorization: Bearer $admin" -d '{"hostname": "lab-x", "name": "lab-x"}'
tok=$(jget "$T/body" 'd["token"]')
"$PY" "$top/tests/e2e/compare-docs.py" "$T" lab-x

say "each hostile string as a release (base and head of a regression), a host name, who triages"
"$PY" - "$PORT" "$tok" "$admin" "$T" "$top/tests/e2e" <<'PYEOF' || fail "hostile strings"
import http.client, json, os, sys, urllib.parse, uuid

port, tok, admin, t, lib = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
sys.path.insert(0, lib)
from hostile_strings import HOSTILE

base, head = json.load(open(os.path.join(t, "base.json"))), json.load(open(os.path.join(t, "head.json")))
failures, taken = [], {"release": 0, "name": 0, "by": 0}


def call(method, path, body, token):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=json.dumps(body, ensure_ascii=True).encode(),
              headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def refused_ok(what, st, d, field):
    e = (d or {}).get("error", {})
    # U+0000: the JSON of the small routes is malformed to jansson, before any field
    if st == 400 and (e.get("field") == field or "malformed JSON" in e.get("message", "")):
        return
    failures.append("%s: %d %s (expected 201 or 400 naming %s)" % (what, st, d, field))


for i, s in enumerate(HOSTILE):
    # a regression between two kernels known by their releases only
    ok = True
    for doc, tag in ((base, "b"), (head, "h")):
        d = json.loads(json.dumps(doc))
        d["run_uuid"] = str(uuid.uuid4())
        d["kernel"] = {"release": "6.9.0-%s%d-%s" % (tag, i, s), "commit": None, "parent_commit": None}
        st, ans = call("POST", "/api/v1/runs", d, tok)
        if st != 201:
            refused_ok("release %r" % s, st, ans, "kernel.release")
            ok = False
            break
    if ok:
        taken["release"] += 1
    # a host named so
    st, ans = call("POST", "/api/v1/hosts", {"hostname": "h%d" % i, "name": "n%d-%s" % (i, s)}, admin)
    if st == 201:
        taken["name"] += 1
        st2, back = call("GET", "/api/v1/hosts/" + urllib.parse.quote(ans["host"]["name"], safe=""), None, admin)
        if st2 != 200 or back["host"]["name"] != "n%d-%s" % (i, s):
            failures.append("name %r does not read back through its URL: %d" % (s, st2))
    else:
        refused_ok("name %r" % s, st, ans, "name")

# who triages: each string on the newest regression
st, alerts = call("GET", "/api/v1/alerts?kind=regression", None, admin)
assert st == 200 and alerts["alerts"], (st, alerts)
aid = alerts["alerts"][0]["id"]
for s in HOSTILE:
    st, ans = call("POST", "/api/v1/alerts/%d" % aid, {"state": "acknowledged", "by": s}, admin)
    if st == 200:
        taken["by"] += 1
    else:
        refused_ok("by %r" % s, st, ans, "by")
print("    taken of %d: %s; %d regression alerts" % (len(HOSTILE), taken, len(alerts["alerts"])))
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PYEOF

say "the Atom feed is XML 1.0"
curl -s -o "$T/feed.xml" "$URL/alerts.atom" || fail "GET /alerts.atom"
xmllint --noout "$T/feed.xml" 2>"$T/xmllint.err" || { head -20 "$T/xmllint.err"; fail "xmllint refuses /alerts.atom"; }
n=$(grep -c '<entry>' "$T/feed.xml")
[ "$n" -ge 10 ] || fail "only $n entries in the feed"
say "    xmllint: ok, $n entries"

say "the pages hold no character XML 1.0 or HTML forbids"
"$PY" - "$URL" "$T/feed.xml" <<'PYEOF' || fail "pages"
import json, re, sys, urllib.parse, urllib.request

url = sys.argv[1]
bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]|[\U0001fffe-\U0001ffff]|"
                 "[\U0010fffe-\U0010ffff]")
alerts = json.load(urllib.request.urlopen(url + "/api/v1/alerts"))["alerts"]
hosts = json.load(urllib.request.urlopen(url + "/api/v1/hosts"))["hosts"]
kernels = json.load(urllib.request.urlopen(url + "/api/v1/kernels"))["kernels"]
q = lambda s: urllib.parse.quote(s, safe="")
pages = ["/", "/alerts", "/kernels", "/alerts.atom", "/hosts/lab-x"]
pages += ["/hosts/" + q(h["name"]) for h in hosts]
pages += ["/kernels/" + q(k["ident"]) for k in kernels]
pages += ["/compare?host=lab-x&head=" + q(a["kernel"]) for a in alerts[:20]]
failures = 0
for p in pages:
    try:
        r = urllib.request.urlopen(url + p)
        text = r.read().decode("utf-8")
    except Exception as e:
        print("FAIL: %s: %s" % (p, e))
        failures += 1
        continue
    m = bad.search(text)
    if m:
        print("FAIL: %s: U+%04X at %d" % (p, ord(m.group()), m.start()))
        failures += 1
print("    %d pages, every stored name reached through its link" % len(pages))
sys.exit(1 if failures else 0)
PYEOF
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

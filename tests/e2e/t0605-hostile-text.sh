#!/usr/bin/env bash
# Free text with quotes, markup, '&' and lengths at the limits, end to
# end: host names (register, rename), hostnames, CPU models and kernel
# releases in documents, who triaged an alert.  Each is stored verbatim
# (read back equal through the JSON API), refused with its field one byte
# past its limit, and escaped wherever it is shown: the Atom feed parses
# as XML and holds no raw markup, /compare.txt is text/plain with nosniff,
# and the HTML pages (/, /kernels, /hosts/NAME, /kernels/IDENT, /runs/ID,
# /alerts, /compare) answer 200 and never carry the raw '<script>'.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/srv/admin.token")")

# the hostile texts ('/' is refused in names and hostnames, see t0400;
# uname -r never holds one either)
name='<script>alert("n")<\script> & '"'q'"' "dq" &amp; <b>'
hostname='h<script>alert(1)&"'"'"'.example'
cpu='<script>alert("cpu")</script> & Co "Xeon"'
rel_base='6.9.0-<script>alert("base")&"q'"'"
rel_head='6.9.0-<script>alert("head")&"q'"'"
by='<script>alert("by") & "dev"'
renamed='<img src=x onerror=alert(1)> & "<script>"'
export name hostname cpu rel_base rel_head by renamed

# body: JSON of the python expression (the texts are in os.environ)
body() { "$PY" -c 'import json, os, sys; e = os.environ; print(json.dumps(eval(sys.argv[1])))' "$1"; }

say "register with markup in the name and the hostname"
expect 201 POST /api/v1/hosts "${admin[@]}" -d "$(body '{"hostname": e["hostname"], "name": e["name"]}')"
tok=$(jget "$T/body" 'd["token"]')
"$PY" -c 'import json, os, sys; h = json.load(open(sys.argv[1]))["host"]; assert h["name"] == os.environ["name"] and h["hostname"] == os.environ["hostname"], h' "$T/body" ||
	fail "the registration answer does not give the names verbatim"

say "limits: 128 bytes of name and 255 of hostname are taken verbatim, one more is refused"
long_name=$("$PY" -c 'print(("<&\"'"'"'>" * 24) + "é" * 4)')
[ "$(printf %s "$long_name" | wc -c)" = 128 ] || fail "long name of $(printf %s "$long_name" | wc -c) bytes"
long_host=$("$PY" -c 'print("<&>\"" * 63 + "abc")')
export long_name long_host
expect 201 POST /api/v1/hosts "${admin[@]}" -d "$(body '{"hostname": e["long_host"], "name": e["long_name"]}')"
expect 200 GET "/api/v1/hosts/$(pct "$long_name")"
"$PY" -c 'import json, os, sys; h = json.load(open(sys.argv[1]))["host"]; assert h["name"] == os.environ["long_name"] and h["hostname"] == os.environ["long_host"], h' "$T/body" ||
	fail "names at their limits are not read back verbatim"
expect_error 400 name "" POST /api/v1/hosts "${admin[@]}" -d "$(body '{"hostname": "x", "name": e["long_name"] + "x"}')"
expect_error 400 hostname "" POST /api/v1/hosts "${admin[@]}" -d "$(body '{"hostname": e["long_host"] + "x", "name": "x"}')"
expect_error 400 name "" POST /api/v1/hosts "${admin[@]}" -d "$(body '{"hostname": "x", "name": "é" * 65}')"
expect_error 400 rename "" POST "/api/v1/hosts/$(pct "$long_name")" "${admin[@]}" -d "$(body '{"rename": e["long_name"] + "<"}')"
# a 60 kB name: 400; a 1 MB one: 413 (small bodies only on this route); nothing stored
"$PY" -c 'import json; print(json.dumps({"hostname": "x", "name": "<script>" * 7500}))' >"$T/huge.json"
expect_error 400 name "" POST /api/v1/hosts "${admin[@]}" --data-binary @"$T/huge.json"
"$PY" -c 'import json; print(json.dumps({"hostname": "x", "name": "<script>" * 131072}))' >"$T/huge.json"
expect_error 413 - "" POST /api/v1/hosts "${admin[@]}" --data-binary @"$T/huge.json"
expect 200 GET /api/v1/hosts
jcheck "$T/body" 'len(d["hosts"]) == 2' "two hosts after the refusals"

say "uploads with markup in hostname, CPU model and kernel release: a regression"
"$PY" "$top/tests/e2e/compare-docs.py" "$T" "$hostname"
"$PY" - "$T" <<'PYEOF'
import json, os, sys
e = os.environ
for f, rel in (("base", e["rel_base"]), ("head", e["rel_head"])):
    p = os.path.join(sys.argv[1], f + ".json")
    d = json.load(open(p))
    d["kernel"] = {"release": rel, "commit": None, "parent_commit": None}
    d["host"]["cpu_model"] = e["cpu"]
    json.dump(d, open(p, "w"))
PYEOF
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/base.json"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/head.json"

say "everything reads back verbatim"
expect 200 GET "/api/v1/hosts/$(pct "$name")"
"$PY" - "$T/body" <<'PYEOF' || fail "host read back"
import json, os, sys
e = os.environ
d = json.load(open(sys.argv[1]))
h = d["host"]
assert h["name"] == e["name"] and h["hostname"] == e["hostname"] and h["cpu_model"] == e["cpu"], h
assert h["latest_kernel"] == "release:" + e["rel_head"], h
assert sorted(k["release"] for k in d["kernels"]) == sorted([e["rel_base"], e["rel_head"]]), d["kernels"]
PYEOF
expect 200 GET /api/v1/kernels
"$PY" -c 'import json, os, sys; k = json.load(open(sys.argv[1]))["kernels"]; e = os.environ
assert sorted(x["ident"] for x in k) == sorted(["release:" + e["rel_base"], "release:" + e["rel_head"]]), k' "$T/body" ||
	fail "kernel idents"
expect 200 GET /api/v1/runs/2
"$PY" -c 'import json, os, sys; r = json.load(open(sys.argv[1]))["run"]; e = os.environ
assert r["host"] == e["name"] and r["release"] == e["rel_head"] and r["kernel"] == "release:" + e["rel_head"], r' "$T/body" ||
	fail "run read back"
expect 200 GET /api/v1/alerts?kind=regression
jcheck "$T/body" 'len(d["alerts"]) == 1' "one regression alert"
aid=$(jget "$T/body" 'd["alerts"][0]["id"]')
expect 200 POST "/api/v1/alerts/$aid" "${admin[@]}" -d "$(body '{"state": "acknowledged", "by": e["by"]}')"
expect 200 GET /api/v1/alerts
"$PY" -c 'import json, os, sys; a = json.load(open(sys.argv[1]))["alerts"]; e = os.environ
r = [x for x in a if x["kind"] == "regression"][0]
assert r["host"] == e["name"] and r["kernel"] == "release:" + e["rel_head"] and r["base"] == "release:" + e["rel_base"], r
assert r["state_by"] == e["by"], r' "$T/body" || fail "alert read back"

say "rename to markup, and back through the new name"
expect 200 POST "/api/v1/hosts/$(pct "$name")" "${admin[@]}" -d "$(body '{"rename": e["renamed"]}')"
expect 200 GET "/api/v1/hosts/$(pct "$renamed")"
"$PY" -c 'import json, os, sys; h = json.load(open(sys.argv[1]))["host"]; assert h["name"] == os.environ["renamed"] and h["uploads"] == 2, h' "$T/body" ||
	fail "renamed host"
expect 200 POST "/api/v1/hosts/$(pct "$renamed")" "${admin[@]}" -d "$(body '{"rename": e["name"]}')"

say "the Atom feed: XML, the texts escaped, a hostile Host header ignored"
for hosthdr in "127.0.0.1:$PORT" 'x"><script>alert(1)</script><x y="'; do
	curl -s -D "$T/feed.h" -o "$T/feed.xml" -H "Host: $hosthdr" "$URL/alerts.atom" || fail "GET /alerts.atom"
	head -1 "$T/feed.h" | grep -q ' 200' || { cat "$T/feed.h"; fail "/alerts.atom with Host '$hosthdr'"; }
	"$PY" - "$T/feed.xml" <<'PYEOF' || fail "Atom feed with Host '$hosthdr'"
import os, sys, xml.etree.ElementTree as ET
e = os.environ
raw = open(sys.argv[1], "rb").read()
assert b"<script" not in raw and b"<img" not in raw and b"<b>" not in raw, "raw markup in the feed"
ns = {"a": "http://www.w3.org/2005/Atom"}
root = ET.fromstring(raw)
entries = root.findall("a:entry", ns)
assert len(entries) == 1, len(entries)
title = entries[0].find("a:title", ns).text
assert e["name"] in title and "release:" + e["rel_head"] in title, title
# the link's query is percent-encoded; its base is --public-url, whatever the Host header says
link = entries[0].find("a:link", ns).get("href")
base = link.split("/compare.txt?", 1)[0]
assert base.startswith("http://127.0.0.1:") and "script" not in base, link
query = link.split("/compare.txt?", 1)[1]
assert not any(c in query for c in '<>"\' ') and query.count("&") == 2, link
print("    feed ok:", title[:100])
PYEOF
done

say "/compare.txt: plain text with nosniff, the names verbatim"
q="host=$(pct "$name")&head=$(pct "release:$rel_head")"
curl -s -D "$T/cmp.h" -o "$T/cmp.txt" "$URL/compare.txt?$q" || fail "GET /compare.txt"
head -1 "$T/cmp.h" | grep -q ' 200' || { cat "$T/cmp.h" "$T/cmp.txt"; fail "/compare.txt"; }
grep -qi '^content-type: text/plain' "$T/cmp.h" || fail "/compare.txt is not text/plain: $(cat "$T/cmp.h")"
grep -qi '^x-content-type-options: nosniff' "$T/cmp.h" || fail "/compare.txt without nosniff"
"$PY" -c 'import os, sys; t = open(sys.argv[1]).read(); e = os.environ
assert e["name"] in t and e["rel_head"] in t and e["rel_base"] in t, t[:2000]' "$T/cmp.txt" || fail "names in /compare.txt"
expect 200 GET "/api/v1/compare?$q"
"$PY" -c 'import json, os, sys; c = json.load(open(sys.argv[1])); e = os.environ
assert c["host"] == e["name"] and c["head"] == "release:" + e["rel_head"] and c["base"] == "release:" + e["rel_base"], c' "$T/body" ||
	fail "/api/v1/compare names"

say "HTML pages: never the raw markup"
pages=("/" "/kernels" "/hosts/$(pct "$name")" "/kernels/$(pct "release:$rel_head")" "/runs/1" "/runs/2"
	"/alerts" "/compare?$q" "/hosts/$(pct "$long_name")")
for p in "${pages[@]}"; do
	code=$(curl -s -D "$T/page.h" -o "$T/page.html" -w '%{http_code}' "$URL$p") || fail "GET $p"
	[ "$code" = 200 ] || { head -c 2000 "$T/page.html"; fail "GET $p: $code, expected 200"; }
	grep -qi '^content-type: text/html' "$T/page.h" || fail "GET $p: not text/html: $(cat "$T/page.h")"
	"$PY" - "$T/page.html" "$p" <<'PYEOF' || fail "GET $p: raw markup"
import html, os, sys
t = open(sys.argv[1], encoding="utf-8").read()
for bad in ("<script>alert", "<img src=x", "onerror=alert", os.environ["name"], os.environ["renamed"]):
    assert bad not in t, "%s: raw %r in the page" % (sys.argv[2], bad)
# what is shown is the text itself once unescaped
shown = html.unescape(t)
print("    %s: no raw markup (%d bytes)%s" % (sys.argv[2][:40], len(t),
      ", the host name shown escaped" if os.environ["name"] in shown else ""))
PYEOF
done

stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

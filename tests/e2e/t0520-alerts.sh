#!/usr/bin/env bash
# Alerts on ingest: two uploads whose order-0 fork differs by a clear
# margin (+10%, 8 runs a side) raise exactly one alert, the pmd gain is a
# notice; re-uploads raise nothing new; triage states are kept; the Atom
# feed is well-formed XML even with markup in the host's name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
host='lab <b>&"quoted"'
"$PY" -c 'import json,sys; print(json.dumps({"hostname": sys.argv[1]}))' "$host" >"$T/reg-body.json"
curl -sf "${admin[@]}" --data-binary @"$T/reg-body.json" "$URL/api/v1/hosts" >"$T/reg.json" ||
	fail "register"
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/reg.json")
"$PY" "$(dirname "$0")/compare-docs.py" "$T" "$host"

upload() { # FILE EXPECTED-STATUS
	local code
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$1" "$URL/api/v1/runs")
	[ "$code" = "$2" ] || fail "upload $1: $code, expected $2: $(cat "$T/up.json")"
}
alerts() { curl -sf "$URL/api/v1/alerts$1" >"$T/alerts.json" || fail "GET /api/v1/alerts$1"; }
count() { "$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["alerts"]))' "$T/alerts.json"; }

say "the base alone raises nothing"
upload "$T/base.json" 201
alerts ""
[ "$(count)" = 0 ] || fail "alerts without a baseline: $(cat "$T/alerts.json")"

say "the head: one regression (order-0), one notice (pmd)"
upload "$T/head.json" 201
alerts "?kind=regression"
"$PY" - "$T/alerts.json" "$host" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))["alerts"]
assert len(a) == 1, a
a = a[0]
assert (a["workload"], a["layout"], a["metric"], a["state"]) == ("fork", "order-0", "ns", "new"), a
assert a["host"] == sys.argv[2] and a["kernel"] == "bbbbbbbbbbbb" and a["base"] == "aaaaaaaaaaaa", a
assert 9 < a["delta_pct"] < 11 and a["p_welch"] < 0.01, a
assert "slower" in a["summary"] and "TLB flushes per fork" in a["summary"], a["summary"]
print("regression ok:", a["summary"])
PYEOF
alerts "?kind=gain"
[ "$(count)" = 1 ] || fail "expected one notice for the pmd gain: $(cat "$T/alerts.json")"

say "re-uploads raise nothing new"
upload "$T/head.json" 200
upload "$T/head2.json" 201
alerts ""
[ "$(count)" = 2 ] || fail "after re-uploads: $(cat "$T/alerts.json")"
id=$("$PY" -c 'import json,sys; print([a["id"] for a in json.load(open(sys.argv[1]))["alerts"] if a["kind"] == "regression"][0])' "$T/alerts.json")

say "triage"
code=$(curl -s -o "$T/t.json" -w '%{http_code}' -d '{"state": "acknowledged", "by": "dev"}' "$URL/api/v1/alerts/$id")
[ "$code" = 401 ] || fail "triage without the admin token: $code"
code=$(curl -s -o "$T/t.json" -w '%{http_code}' "${admin[@]}" -d '{"state": "done", "by": "dev"}' "$URL/api/v1/alerts/$id")
[ "$code" = 400 ] && grep -q '"field":"state"' "$T/t.json" || fail "bad state: $code $(cat "$T/t.json")"
code=$(curl -s -o "$T/t.json" -w '%{http_code}' "${admin[@]}" -d '{"state": "acknowledged", "by": "dev"}' "$URL/api/v1/alerts/$id")
[ "$code" = 200 ] || fail "triage: $code $(cat "$T/t.json")"
code=$(curl -s -o "$T/t.json" -w '%{http_code}' "${admin[@]}" -d '{"state": "fixed", "by": "dev"}' "$URL/api/v1/alerts/99999")
[ "$code" = 404 ] || fail "triage of a missing alert: $code"
alerts "?state=acknowledged"
"$PY" -c '
import json, sys
a = json.load(open(sys.argv[1]))["alerts"]
assert len(a) == 1 and a[0]["state_by"] == "dev" and a[0]["state_at"], a' "$T/alerts.json" ||
	fail "triage state not kept"
stop_daemon
start_daemon "$T/d2.log" --db "$T/db/fw.db"
alerts "?state=acknowledged"
[ "$(count)" = 1 ] || fail "triage state lost across a restart"

say "the Atom feed"
curl -sf "$URL/alerts.atom" >"$T/feed.xml" || fail "GET /alerts.atom"
"$PY" - "$T/feed.xml" "$host" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
root = ET.parse(sys.argv[1]).getroot()
entries = root.findall("a:entry", ns)
assert len(entries) == 1, ET.tostring(root)
title = entries[0].find("a:title", ns).text
assert sys.argv[2] in title and "order-0" in title, title
for e in ("a:id", "a:updated", "a:summary", "a:link"):
    assert entries[0].find(e, ns) is not None, e
print("feed ok:", title)
PYEOF
echo ok

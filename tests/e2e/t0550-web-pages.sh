#!/usr/bin/env bash
# The HTML dashboards over HTTP (no browser; t0560 loads them in Chromium):
# every page answers with well-formed, self-contained HTML (no script, no
# external URL, a Content-Security-Policy), hostile host names and kernel
# releases are escaped everywhere they are shown, the comparison cells
# carry their verdicts, cached pages revalidate (ETag, 304) and follow new
# uploads, gzip is offered, and triage works only in a logged-in browser
# session with the session's CSRF token from our own origin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

CHECK="$PY $(dirname "$0")/page-check.py"
mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
ADMIN=$(cat "$T/db/admin.token")
admin=(-H "Authorization: Bearer $ADMIN")

# a hostile name: markup, quotes, an ampersand (no '/': names may not hold one)
HOST='<script>alert("h")<b> & '"'q'"
LONG=$(printf 'x%.0s' $(seq 128))
say "register '$HOST' and a 128-byte name"
reg() { # name hostname -> token
	curl -sf "${admin[@]}" --data-binary "$("$PY" -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "hostname": sys.argv[2]}))' "$1" "$2")" \
		"$URL/api/v1/hosts" >"$T/reg.json" || fail "register '$1'"
	jget "$T/reg.json" 'd["token"]'
}
tok=$(reg "$HOST" lab-c)
tok2=$(reg "$LONG" lab-long)
"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-c
# a kernel without a commit whose release is markup: its ident is "release:<...>"
"$PY" - "$T" <<'PYEOF'
import json, sys, uuid
d = json.load(open(sys.argv[1] + "/other.json"))
d["run_uuid"] = str(uuid.uuid4())
d["kernel"] = {"release": "6.1<img src=x onerror=alert(1)>\"'", "commit": None, "parent_commit": None}
json.dump(d, open(sys.argv[1] + "/evil.json", "w"))
d["host"]["hostname"] = "lab-long"
d["run_uuid"] = str(uuid.uuid4())
json.dump(d, open(sys.argv[1] + "/long.json", "w"))
PYEOF
up() { # token file
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $1" \
		--data-binary @"$2" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $2: $code $(cat "$T/up.json")"
}
up "$tok" "$T/base.json"

say "a cached page follows new uploads"
curl -sf -D "$T/h1" -o "$T/k1.html" "$URL/kernels" || fail "GET /kernels"
grep -q 'aaaaaaaaaaaa' "$T/k1.html" || fail "/kernels lacks the first kernel"
! grep -q 'bbbbbbbbbbbb' "$T/k1.html" || fail "/kernels shows a kernel not uploaded yet"
etag=$(sed -n 's/^ETag: *//Ip' "$T/h1" | tr -d '\r')
[ -n "$etag" ] || fail "no ETag on a page"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/kernels")
[ "$code" = 304 ] || fail "If-None-Match with the current ETag: $code, expected 304"
# a re-sent upload changes nothing: the page stays valid
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" --data-binary @"$T/base.json" "$URL/api/v1/runs")
[ "$code" = 200 ] || fail "re-sent upload: $code, expected 200"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/kernels")
[ "$code" = 304 ] || fail "a re-sent upload outdated the page ($code)"
up "$tok" "$T/head.json"
up "$tok" "$T/evil.json"
up "$tok2" "$T/long.json"
code=$(curl -s -o "$T/k2.html" -w '%{http_code}' -H "If-None-Match: $etag" "$URL/kernels")
[ "$code" = 200 ] || fail "after an upload the old ETag still matched ($code)"
grep -q 'bbbbbbbbbbbb' "$T/k2.html" || fail "/kernels does not show the new kernel"

say "gzip for clients that accept it, the same page"
curl -sf -H 'Accept-Encoding: gzip' -D "$T/hg" -o "$T/k.gz" "$URL/kernels" || fail "gzip GET"
grep -qi '^Content-Encoding: gzip' "$T/hg" || fail "no Content-Encoding: gzip"
gzip -dc "$T/k.gz" | cmp -s - "$T/k2.html" || fail "the gzip body differs from the plain one"
curl -sf -H 'Accept-Encoding: gzip;q=0' -D "$T/hn" -o /dev/null "$URL/kernels" || fail "q=0 GET"
! grep -qi '^Content-Encoding' "$T/hn" || fail "gzip sent to a client that refused it (q=0)"

EVIL_IDENT='release:6.1<img src=x onerror=alert(1)>"'"'"
H=$(pct "$HOST")
pages=(
	"/" "/kernels" "/kernels/bbbbbbbbbbbb" "/kernels/$(pct "$EVIL_IDENT")" "/hosts/$H"
	"/hosts/$LONG" "/compare?host=$H&head=bbbbbbbbbbbb" "/compare" "/runs/1" "/runs/3"
	"/alerts" "/alerts?host=$H&state=new&kind=regression" "/login?next=/alerts"
)
say "every page: 200, HTML, a CSP, nothing from elsewhere, every value escaped"
for p in "${pages[@]}"; do
	code=$(curl -s -D "$T/hdr" -o "$T/page.html" -w '%{http_code}' "$URL$p")
	[ "$code" = 200 ] || { head -c 600 "$T/page.html"; fail "GET $p: $code"; }
	grep -qi '^Content-Type: text/html; charset=utf-8' "$T/hdr" || fail "GET $p: not text/html"
	grep -qi "^Content-Security-Policy: default-src 'none'" "$T/hdr" || fail "GET $p: no CSP"
	$CHECK "$T/page.html" --no '<script>alert' --no '<img src=x' --no '<b> &' || fail "GET $p"
done
say "the hostile values are shown, escaped"
curl -sf "$URL/" >"$T/o.html"
grep -qF '&lt;script&gt;alert("h")&lt;b&gt; &amp; '"'q'" "$T/o.html" || fail "/ does not show the host name escaped"
curl -sf "$URL/kernels" >"$T/k.html"
grep -qF 'release:6.1&lt;img src=x onerror=alert(1)&gt;"'"'" "$T/k.html" || fail "/kernels lacks the escaped release"
grep -qF "href=\"/hosts/$(pct "$HOST")\"" "$T/o.html" || fail "/ lacks the host link, percent-encoded"
curl -sf "$URL/hosts/$LONG" | grep -q "<h1>Machine $LONG</h1>" || fail "the 128-byte name is not shown whole"

say "the comparison cells carry their verdicts"
curl -sf "$URL/kernels/bbbbbbbbbbbb" >"$T/kb.html"
$CHECK "$T/kb.html" --has 'v-regression:order-0 slowdown' --has 'v-gain:batching gain' || fail "/kernels/bbbbbbbbbbbb verdict cells"
grep -q '<th>after-change</th><td class="v-regression"' "$T/kb.html" || fail "the after-change row's order-0 cell is not the regression"
curl -sf "$URL/compare?host=$H&head=bbbbbbbbbbbb" >"$T/c.html"
$CHECK "$T/c.html" --has 'v-regression:order-0 slowdown' --has 'v-gain:batching gain' || fail "/compare verdict cells"
grep -q 'p (Welch)' "$T/c.html" || fail "/compare lacks the per-metric details"
curl -sf "$URL/hosts/$H" >"$T/h.html"
grep -q '<svg class="chart"' "$T/h.html" || fail "/hosts/{name} has no chart"
grep -q 'class="mark-alert"' "$T/h.html" || fail "/hosts/{name}: the regression alert is not marked on its chart"
curl -sf "$URL/runs/1" >"$T/r.html"
grep -q '<svg class="hist"' "$T/r.html" || fail "/runs/1 has no histogram"
grep -q 'unsupported: no PMU here' "$T/r.html" || fail "/runs/1 does not say cycles are unsupported"
grep -Eq '<p class="hint components">Variance components: between runs sd [0-9.]+%, within a run sd [0-9.]+% of the mean; [0-9]+% of the variance is between runs' "$T/r.html" ||
	fail "/runs/1 does not split the variance between runs and within a run"

say "errors are pages too"
for x in "/hosts/nobody 404" "/kernels/0000 404" "/runs/abc 400" "/runs/999 404" "/nowhere 404" \
	"/alerts?state=bogus 400" "/static/nothing.css 404"; do
	set -- $x
	code=$(curl -s -o "$T/e.html" -w '%{http_code}' "$URL$1")
	[ "$code" = "$2" ] || fail "GET $1: $code, expected $2"
done
curl -sf -D "$T/hc" -o "$T/c.css" "$URL/static/forkwatch.css" || fail "the CSS"
grep -qi '^Content-Type: text/css' "$T/hc" || fail "the CSS is not text/css"
! grep -q 'url(' "$T/c.css" || fail "the CSS loads something"

say "triage from the browser: log in once, CSRF-protected forms"
aid=$(curl -sf "$URL/api/v1/alerts?kind=regression" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["alerts"][0]["id"])') ||
	fail "no regression alert to triage"
curl -sf "$URL/alerts" | grep -q 'name="csrf"' && fail "triage forms shown without a session"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "state=fixed" "$URL/alerts/$aid")
[ "$code" = 403 ] || fail "triage without a session: $code, expected 403"
code=$(curl -s -o "$T/l.html" -w '%{http_code}' --data-urlencode "who=ann" --data-urlencode "token=wrong" "$URL/login")
[ "$code" = 403 ] || fail "log in with a wrong token: $code, expected 403"
grep -q 'not the admin token' "$T/l.html" || fail "no reason on a failed login"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" \
	--data-urlencode "who=ann" --data-urlencode "token=$ADMIN" "$URL/login")
[ "$code" = 403 ] || fail "log in from another origin: $code, expected 403"
code=$(curl -s -c "$T/jar" -D "$T/lh" -o /dev/null -w '%{http_code}' -H "Origin: $URL" \
	--data-urlencode "who=ann <admin>" --data-urlencode "token=$ADMIN" --data-urlencode "next=/alerts" "$URL/login")
[ "$code" = 303 ] || fail "log in: $code, expected 303"
grep -qi '^Set-Cookie: fw_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict' "$T/lh" || fail "session cookie: $(grep -i set-cookie "$T/lh")"
grep -qi '^Location: /alerts' "$T/lh" || fail "log in does not go back to /alerts"
for bad in '//evil.example' '/%09/evil.example' '/%5Cevil.example' 'http://evil.example' '/%0d%0aSet-Cookie:x=1'; do
	curl -s -D "$T/rh" -o /dev/null -H "Origin: $URL" --data "who=ann&token=$ADMIN&next=$bad" "$URL/login"
	grep -qi '^Location: /alerts' "$T/rh" || fail "log in with next=$bad went to $(grep -i '^Location' "$T/rh")"
done
curl -sf -b "$T/jar" "$URL/alerts" >"$T/a.html" || fail "GET /alerts in the session"
csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/a.html" | head -1)
[ ${#csrf} = 64 ] || fail "no CSRF token in the triage forms"
curl -sf "$URL/alerts" | grep -q "$csrf" && fail "the CSRF token leaked into the public page"
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' --data-urlencode "state=fixed" \
	--data-urlencode "csrf=$(echo "$csrf" | tr 0-9a-f 1-9a-f0)" "$URL/alerts/$aid")
[ "$code" = 403 ] || fail "triage with a wrong CSRF token: $code, expected 403"
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" \
	--data-urlencode "state=fixed" --data-urlencode "csrf=$csrf" "$URL/alerts/$aid")
[ "$code" = 403 ] || fail "triage from another origin: $code, expected 403"
curl -sf "$URL/api/v1/alerts?kind=regression" >"$T/al.json"
jcheck "$T/al.json" '[a for a in d["alerts"] if a["id"] == '"$aid"'][0]["state"] == "new"' "refused triage changed the alert"
code=$(curl -s -b "$T/jar" -D "$T/th" -o /dev/null -w '%{http_code}' -H "Origin: $URL" \
	--data-urlencode "state=acknowledged" --data-urlencode "csrf=$csrf" --data-urlencode "back=?host=&state=&kind=" "$URL/alerts/$aid")
[ "$code" = 303 ] || fail "triage: $code, expected 303"
curl -sf "$URL/api/v1/alerts?kind=regression" >"$T/al.json"
jcheck "$T/al.json" '[a for a in d["alerts"] if a["id"] == '"$aid"'][0]["state"] == "acknowledged"' "triage did not change the state"
jcheck "$T/al.json" '[a for a in d["alerts"] if a["id"] == '"$aid"'][0]["state_by"] == "ann <admin>"' "triage not recorded as by ann"
curl -sf "$URL/alerts" | grep -qF 'by ann &lt;admin&gt;' || fail "/alerts does not show who triaged, escaped"
say "log out ends the session"
code=$(curl -s -b "$T/jar" -c "$T/jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$csrf" "$URL/logout")
[ "$code" = 303 ] || fail "log out: $code"
code=$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' --data-urlencode "state=fixed" --data-urlencode "csrf=$csrf" "$URL/alerts/$aid")
[ "$code" = 403 ] || fail "triage after log out: $code, expected 403"
! grep -q "$ADMIN" "$T/d.log" || fail "the admin token is in the log"
stop_daemon

say "the page cache stays within --page-cache"
start_daemon "$T/d2.log" --db "$T/db/fw.db" --page-cache 40k
for i in $(seq 1 30); do
	curl -sf -o /dev/null "$URL/hosts/$H?last=$i" || fail "GET /hosts/{name}?last=$i"
	curl -sf -o /dev/null "$URL/hosts/$H?last=$i" || fail "GET /hosts/{name}?last=$i again"
done
curl -sf "$URL/healthz" >"$T/hz.json" || fail "healthz"
jget "$T/hz.json" 'd["page_cache"]'
jcheck "$T/hz.json" 'd["page_cache"]["limit_bytes"] == 40960' "the limit is --page-cache"
# one page may stand above the limit alone; here every page is under 20 kB
jcheck "$T/hz.json" 'd["page_cache"]["bytes"] <= 40960 + 20000 and d["page_cache"]["evictions"] > 0' "the cache grew past its limit"
jcheck "$T/hz.json" 'd["page_cache"]["hits"] >= 1 and d["page_cache"]["renders"] >= 30' "hits and renders"
stop_daemon
echo "ok"

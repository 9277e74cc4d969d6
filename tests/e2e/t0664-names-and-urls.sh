#!/usr/bin/env bash
# Names and their URLs, and the smaller findings of the attack review
# (issue 11, items 5 and 7), against the real forkwatchd:
# - every stored name comes back through its URL: a release holding '/'
#   (its kernel once linked from /kernels and answering 404), every link
#   of the pages answers; '.' and '..' are refused as names (browsers
#   resolve /hosts/.. to /), a '%00' is refused, not cut short;
# - names holding format, control or invisible characters are refused,
#   and so is one that reads like an existing name but for them;
# - the login's 'who' must be UTF-8; a baseline must be a kernel the host
#   ran; gzip and identity answers have ETags of their own and
#   If-None-Match takes lists, weak tags and '*'; an upload re-sent in a
#   loop is not evaluated for alerts again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
DOC="$PY $top/tests/e2e/daemon-doc.py"

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
admin=$(cat "$T/srv/admin.token")
A=(-H "Authorization: Bearer $admin")
expect 201 POST /api/v1/hosts "${A[@]}" -d '{"hostname": "lab-u"}'
tok=$(jget "$T/body" 'd["token"]')

say "releases holding '/': their kernels' pages answer, and every link of the pages does"
for rel in '6.9/..' '6.9.0/x' '..'; do
	$DOC make --hostname lab-u --out "$T/r.json"
	"$PY" - "$T/r.json" "$rel" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["kernel"] = {"release": sys.argv[2], "commit": None, "parent_commit": None}
json.dump(d, open(sys.argv[1], "w"))
PYEOF
	expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok" --data-binary @"$T/r.json"
done
"$PY" - "$URL" <<'PYEOF' || fail "links"
import html.parser, json, sys, urllib.error, urllib.parse, urllib.request

url = sys.argv[1]
q = lambda s: urllib.parse.quote(s, safe="")
kernels = [k["ident"] for k in json.load(urllib.request.urlopen(url + "/api/v1/kernels"))["kernels"]]
assert "release:6.9/.." in kernels, kernels


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "href" and v.startswith("/") and not v.startswith("//"):
                self.links.append(v)


def get(p):
    try:
        r = urllib.request.urlopen(url + p)
        return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


failures = []
seen = set()
for page in ["/", "/kernels", "/hosts/lab-u", "/alerts"] + ["/kernels/" + q(k) for k in kernels]:
    st, text = get(page)
    if st != 200:
        failures.append("%s: %d" % (page, st))
        continue
    p = Links()
    p.feed(text)
    for link in p.links:
        link = link.split("#")[0]
        if link in seen or link.startswith("/static/") or link in ("/login",):
            continue
        seen.add(link)
        st, text = get(link)
        # a comparison of a host's first kernel has no baseline to compare with: that 404 says so
        if st != 200 and not (st == 404 and link.startswith("/compare?") and "give a base" in text):
            failures.append("%s links %s: %d" % (page, link, st))
st, text = get("/kernels/" + q("release:6.9/.."))
assert st == 200 and "6.9/.." in text, st
print("    %d links followed, %d kernels' pages" % (len(seen), len(kernels)))
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PYEOF
expect 200 GET "/api/v1/compare?host=lab-u&head=$(pct 'release:6.9/..')&base=$(pct 'release:6.9.0/x')"

say "names that cannot round-trip through a URL, or read as another: refused"
for name in '.' '..' 'lab-a\u200b' 'lab-\u202ea' 'lab\u0085' 'lab\u00a0b' '\ufefflab' ' lab' 'lab ' 'lab\uffff'; do
	expect_error 400 name "" POST /api/v1/hosts "${A[@]}" -d "{\"hostname\": \"h\", \"name\": \"$name\"}"
done
expect_error 400 hostname "" POST /api/v1/hosts "${A[@]}" -d '{"hostname": ".."}'
expect_error 400 rename "" POST /api/v1/hosts/lab-u "${A[@]}" -d '{"rename": ".."}'
# a name stored before such names were refused: one that reads like it is a 409
"$PY" - "$T/srv/fw.db" <<'PYEOF'
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
db.execute("INSERT INTO hosts (name, hostname, token_hash, created_at) VALUES (?, 'lab-old', ?, ?)",
           ("lab-old\u200b", os.urandom(32), int(time.time())))
db.commit()
PYEOF
expect_error 409 name "reads like" POST /api/v1/hosts "${A[@]}" -d '{"hostname": "h", "name": "lab-old"}'
expect_error 409 hostname "reads like" POST /api/v1/hosts "${A[@]}" -d '{"hostname": "lab-old"}'
expect_error 409 rename "reads like" POST /api/v1/hosts/lab-u "${A[@]}" -d '{"rename": "lab-old"}'
expect 200 GET "/api/v1/hosts/$(pct $'lab-old\u200b')"
# a %00 is refused, never cut short to another name
expect 201 POST /api/v1/hosts "${A[@]}" -d '{"hostname": "h", "name": "lab-a"}'
api GET "/api/v1/hosts/lab-a%00x"
[ "$status" = 400 ] || fail "/api/v1/hosts/lab-a%00x: $status $(cat "$T/body")"

say "the login's who: UTF-8"
code=$(curl -s -o "$T/login.html" -w '%{http_code}' --data-urlencode "token=$admin" --data "who=%FF%FEx" "$URL/login")
[ "$code" = 400 ] || fail "login with who=%FF%FE: $code"
code=$(curl -s -o "$T/login.html" -w '%{http_code}' --data-urlencode "token=$admin" --data "who=dev%C3%A9" "$URL/login")
[ "$code" = 303 ] || fail "login with who=devé: $code"

say "a baseline is a kernel the host ran"
$DOC make --hostname h --out "$T/other.json" # lab-a's hostname is h
"$PY" - "$T/other.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["kernel"] = {"release": "6.9.0-other", "commit": "0123456789ab", "parent_commit": None}
json.dump(d, open(sys.argv[1], "w"))
PYEOF
expect 201 POST /api/v1/hosts "${A[@]}" -d '{"hostname": "h", "name": "lab-other"}'
tok2=$(jget "$T/body" 'd["token"]')
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok2" --data-binary @"$T/other.json"
expect_error 404 baseline "no upload" POST /api/v1/hosts/lab-u "${A[@]}" -d '{"baseline": "0123456789ab"}'
expect 200 POST /api/v1/hosts/lab-other "${A[@]}" -d '{"baseline": "0123456789ab"}'
expect 200 POST /api/v1/hosts/lab-u "${A[@]}" -d "{\"baseline\": \"release:6.9/..\"}"

say "ETags: one per representation; If-None-Match lists, weak tags, '*'"
curl -s -o /dev/null -D "$T/id.h" "$URL/kernels"
curl -s -o /dev/null -D "$T/gz.h" -H "Accept-Encoding: gzip" "$URL/kernels"
grep -qi '^content-encoding: gzip' "$T/gz.h" || fail "no gzip answer"
e_id=$(sed -n 's/^ETag: *//Ip' "$T/id.h" | tr -d '\r')
e_gz=$(sed -n 's/^ETag: *//Ip' "$T/gz.h" | tr -d '\r')
[ -n "$e_id" ] && [ -n "$e_gz" ] && [ "$e_id" != "$e_gz" ] || fail "ETags identity '$e_id', gzip '$e_gz'"
inm() { curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $1" "${@:2}" "$URL/kernels"; }
[ "$(inm "$e_id")" = 304 ] || fail "If-None-Match: its ETag"
[ "$(inm "$e_gz")" = 200 ] || fail "If-None-Match: the gzip ETag answered 304 to an identity request"
[ "$(inm "$e_gz" -H 'Accept-Encoding: gzip')" = 304 ] || fail "If-None-Match: the gzip ETag"
[ "$(inm "\"nope\", $e_id")" = 304 ] || fail "If-None-Match: a list"
[ "$(inm "\"nope\",W/$e_id")" = 304 ] || fail "If-None-Match: a weak tag in a list"
[ "$(inm '*')" = 304 ] || fail "If-None-Match: *"
[ "$(inm '"nope", "other"')" = 200 ] || fail "If-None-Match: none of them"

say "an upload re-sent in a loop is not evaluated again"
"$PY" "$top/tests/e2e/compare-docs.py" "$T" h
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok2" --data-binary @"$T/base.json"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $tok2" --data-binary @"$T/head.json"
expect 200 GET /healthz
before=$(jget "$T/body" 'd["uploads"]["evaluated"]')
for _ in 1 2 3 4 5; do
	expect 200 POST /api/v1/runs -H "Authorization: Bearer $tok2" --data-binary @"$T/head.json"
done
expect 200 GET /healthz
jcheck "$T/body" "d['uploads']['evaluated'] == $before and d['uploads']['resent_not_evaluated'] == 5" \
	"re-sent uploads evaluated again"
expect 200 GET '/api/v1/alerts?host=lab-other'
jcheck "$T/body" 'len([a for a in d["alerts"] if a["kind"] == "regression"]) == 1' "one regression alert"

stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

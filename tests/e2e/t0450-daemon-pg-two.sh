#!/usr/bin/env bash
# Two forkwatchd on one PostgreSQL database, stateless toward each other:
# an upload through one is read through the other, at once, pages cached
# by either included; a login on one holds on the other, and so do failed
# token counts; an alert is delivered once, by the daemon holding the
# delivery lease; kill -9 of that daemon hands delivery to the other;
# kill -9 of either daemon in the middle of concurrent uploads loses no
# upload it acknowledged (each acknowledged uuid is in the database, and
# sending the rest again stores each once); a daemon whose move of the
# data generation failed after its write committed serves no cached page
# until it has made the move, at its next page.  Needs PostgreSQL (a
# throw-away cluster, tests/pg-cluster.sh): skips without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
DOC="$PY $top/tests/e2e/daemon-doc.py"
pg_need

cat >"$T/receiver.py" <<'PYEOF'
import http.server, json, sys
port_file, log = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with open(log, "a") as f:
            f.write(json.dumps({"host": body["host"], "kernel": body["kernel"],
                                "alerts": len(body["alerts"])}) + "\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(srv.server_address[1]))
srv.serve_forever()
PYEOF
"$PY" "$T/receiver.py" "$T/rport" "$T/hook.log" &
cleanup_hooks+=("kill $!")
for _ in $(seq 50); do [ -s "$T/rport" ] && break; sleep 0.1; done
[ -s "$T/rport" ] || fail "the webhook receiver did not start"
: >"$T/hook.log"

pg_db two
db=$PG_URI
(umask 077 && "$PY" -c 'import secrets; print("fwa_" + secrets.token_urlsafe(32))' >"$T/admin.token")
admin=(-H "Authorization: Bearer $(cat "$T/admin.token")")

# start_as NAME: a forkwatchd on the database; its pid, URL and log in NAME_pid, NAME_url, NAME_log
start_as() {
	start_daemon "$T/$1.$(date +%s%N).log" --db "$db" --admin-token-file "$T/admin.token" \
		--webhook "http://127.0.0.1:$(cat "$T/rport")/hook" --delivery-retry 1 --log-level debug \
		--upload-rate 0 # a burst of uploads from one host: not what this test limits
	printf -v "$1_pid" %s "$dpid"
	printf -v "$1_url" %s "$URL"
	printf -v "$1_log" %s "$DLOG"
	cleanup_hooks+=("kill -9 $dpid 2>/dev/null")
	dpid=
}
# use NAME: the next requests go to that daemon
use() { local u=$1_url; URL=${!u}; }
sanitized() { # LOG: no sanitizer report in it
	! grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$1" || { cat "$1" >&2; fail "sanitizer report in $1"; }
}

start_as a
start_as b
say "a on $a_url, b on $b_url"

say "register through a, upload through b, read through a"
use a
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-1.example", "name": "lab-1"}'
tok=$(jget "$T/body" 'd["token"]')
host=(-H "Authorization: Bearer $tok")
"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-1.example
use b
expect 201 POST /api/v1/runs "${host[@]}" --data-binary @"$T/base.json"
run=$(jget "$T/body" 'd["run"]["id"]')
use a
expect 200 GET "/api/v1/runs/$run"
expect 200 GET /hosts/lab-1
grep -q aaaaaaaaaaaa "$T/body" || fail "a's page of lab-1 lacks the upload made through b"
expect 200 GET /kernels/aaaaaaaaaaaa
cp "$T/body" "$T/kernel-before.html"

say "pages cached by a follow an upload through b"
expect 200 GET /hosts/lab-1
grep -q bbbbbbbbbbbb "$T/body" && fail "the head is on the page before its upload"
use b
expect 201 POST /api/v1/runs "${host[@]}" --data-binary @"$T/head.json"
use a
expect 200 GET /hosts/lab-1
grep -q bbbbbbbbbbbb "$T/body" || fail "a served its cached page of lab-1 after b stored the head"
expect 200 GET /api/v1/alerts
jcheck "$T/body" 'len([a for a in d["alerts"] if a["kind"] == "regression"]) == 1' "the head's regression, seen through a"

say "the regression is delivered once, by one daemon"
for _ in $(seq 100); do [ -s "$T/hook.log" ] && break; sleep 0.1; done
[ -s "$T/hook.log" ] || fail "no delivery within 10 s"
sleep 3 # time for a second delivery, were there one
[ "$(grep -c '"kernel": "bbbbbbbbbbbb"' "$T/hook.log")" = 1 ] || { cat "$T/hook.log"; fail "not delivered exactly once"; }
holder=
grep -q 'delivering the alerts of this database' "$a_log" && holder=a
grep -q 'delivering the alerts of this database' "$b_log" && { [ -z "$holder" ] || fail "both daemons deliver"; holder=b; }
[ -n "$holder" ] || fail "neither daemon says it delivers"
other=$([ $holder = a ] && echo b || echo a)
ol=${other}_log
grep -q 'another forkwatchd delivers the alerts of this database: standing by' "${!ol}" ||
	fail "$other does not say it stands by"
[ "$(cat "$a_log" "$b_log" | grep -c 'delivered bbbbbbbbbbbb on lab-1')" = 1 ] || fail "the logs say more than one delivery"
say "    $holder delivers, $other stands by"

say "a login on one daemon holds on the other; failed tokens count on both"
use a
curl -s -o /dev/null -D "$T/login.h" -H "Origin: $a_url" --data-urlencode "token=$(cat "$T/admin.token")" \
	--data-urlencode "who=dev" "$a_url/login"
cookie=$(sed -n 's/^Set-Cookie: \(fw_session=[0-9a-f]*\).*/\1/p' "$T/login.h" | tr -d '\r')
[ -n "$cookie" ] || fail "no session cookie from a's login"
use b
expect 200 GET /alerts -H "Cookie: $cookie"
grep -q 'name="csrf"' "$T/body" || fail "b does not know a's session"
for _ in $(seq 10); do
	use a
	api POST /api/v1/hosts -H "Authorization: Bearer fwa_wrong" -d '{"hostname": "x"}'
	use b
	api POST /api/v1/hosts -H "Authorization: Bearer fwa_wrong" -d '{"hostname": "x"}'
done
use a
expect_error 429 - "too many" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "y"}'
use b
expect_error 429 - "too many" POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "y"}'
say "    20 failures, 10 on each: both refuse"
# the limit ends with its window: a fresh database for what follows needs none; wait it out
pg_sql "$db" "DELETE FROM auth_failures" >/dev/null

say "kill -9 of the delivering daemon: the other takes over"
hp=${holder}_pid
kill -9 "${!hp}"
wait "${!hp}" 2>/dev/null || true
use "$other"
$DOC make --from "$T/head.json" --new-uuid --set 'kernel.commit="dddddddddddd"' \
	--set 'kernel.parent_commit="aaaaaaaaaaaa"' --out "$T/head-d.json"
expect 201 POST /api/v1/runs "${host[@]}" --data-binary @"$T/head-d.json"
for _ in $(seq 150); do grep -q dddddddddddd "$T/hook.log" && break; sleep 0.1; done
grep -q dddddddddddd "$T/hook.log" || fail "no delivery of the new regression within 15 s of the kill"
grep -q 'delivering the alerts of this database: took over' "${!ol}" || fail "$other does not say it took over"
sleep 2
[ "$(grep -c dddddddddddd "$T/hook.log")" = 1 ] || fail "the new regression delivered more than once"
say "    $other took over"
start_as "$holder"

# load ACKS URLS TOKEN TEMPLATE: concurrent uploads of fresh documents (4
# threads) to the URLs in turn for 3 s; each uuid answered 2xx goes to
# ACKS, the others to ACKS.failed.  A URL that refuses a connection is
# dropped, as a lab machine would wait before trying that daemon again.
cat >"$T/load.py" <<'PYEOF'
import json, sys, threading, time, urllib.error, urllib.request, uuid
acks, urls, tok, tmpl = sys.argv[1], sys.argv[2].split(), sys.argv[3], json.load(open(sys.argv[4]))
lock, end = threading.Lock(), time.time() + 3
def worker(k):
    i = 0
    while time.time() < end and urls:
        d = dict(tmpl, run_uuid=str(uuid.uuid4()))
        with lock:
            base = urls[(k + i) % len(urls)] if urls else None
        if not base:
            break
        i += 1
        req = urllib.request.Request(base + "/api/v1/runs", data=json.dumps(d).encode(),
                                     headers={"Authorization": "Bearer " + tok})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                ok = 200 <= r.status < 300
        except urllib.error.HTTPError:
            ok = False
        except Exception:
            ok = False
            with lock:
                if base in urls:
                    urls.remove(base)
        with lock:
            with open(acks if ok else acks + ".failed", "a") as f:
                f.write(d["run_uuid"] + "\n")
                f.flush()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
PYEOF

# kill_mid_upload NAME: uploads through both, NAME killed once some are acknowledged
kill_mid_upload() {
	local victim=$1 p u n lpid
	p=${victim}_pid
	: >"$T/acks.$victim"
	: >"$T/acks.$victim.failed"
	"$PY" "$T/load.py" "$T/acks.$victim" "$a_url $b_url" "$tok" "$T/base.json" &
	lpid=$!
	for _ in $(seq 100); do [ "$(wc -l <"$T/acks.$victim")" -ge 10 ] && break; sleep 0.05; done
	kill -9 "${!p}"
	wait "${!p}" 2>/dev/null || true
	wait $lpid || fail "the load generator failed"
	n=$(wc -l <"$T/acks.$victim")
	[ "$(wc -l <"$T/acks.$victim.failed")" -gt 0 ] || fail "no upload failed: the kill came after the load"
	pg_sql "$db" "SELECT uuid FROM runs" | sort >"$T/stored"
	sort "$T/acks.$victim" | comm -23 - "$T/stored" >"$T/lost"
	[ ! -s "$T/lost" ] || fail "$(wc -l <"$T/lost") acknowledged uploads lost with $victim: $(head -3 "$T/lost")"
	say "    $n acknowledged uploads all stored, $(wc -l <"$T/acks.$victim.failed") refused by the dead daemon"
	# the spool sends the rest again: each stored once
	start_as "$victim"
	use "$victim"
	while read -r u; do
		"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); d["run_uuid"] = sys.argv[2]; json.dump(d, open(sys.argv[3], "w"))' \
			"$T/base.json" "$u" "$T/again.json"
		api POST /api/v1/runs "${host[@]}" --data-binary @"$T/again.json"
		case $status in 200 | 201) ;; *) fail "re-send of $u: $status $(cat "$T/body")" ;; esac
	done <"$T/acks.$victim.failed"
	[ "$(pg_sql "$db" "SELECT count(*) - count(DISTINCT uuid) FROM runs")" = 0 ] || fail "a uuid stored twice"
}

say "kill -9 of a in the middle of uploads through both"
kill_mid_upload a
say "kill -9 of b in the middle of uploads through both"
kill_mid_upload b

say "a write whose move of the generation fails: the move is owed, and made at the next page"
$DOC make --from "$T/base.json" --new-uuid --set 'kernel.commit="eeeeeeeeeeee"' \
	--set 'kernel.parent_commit="aaaaaaaaaaaa"' --out "$T/e.json"
for d in a b; do
	use $d
	expect 200 GET /hosts/lab-1
	! grep -q eeeeeeeeeeee "$T/body" || fail "the kernel is on $d's page before its upload"
done
# the sequence can move no more: a's upload commits, its move fails
pg_sql "$db" "ALTER SEQUENCE data_generation MAXVALUE $(pg_sql "$db" "SELECT last_value FROM data_generation")" >/dev/null
use a
expect 201 POST /api/v1/runs "${host[@]}" --data-binary @"$T/e.json"
grep -q 'cannot move the shared data generation' "$a_log" || fail "a does not say the move failed"
expect 200 GET /hosts/lab-1
grep -q eeeeeeeeeeee "$T/body" || fail "a served its cached page while it owes the move"
use b
expect 200 GET /hosts/lab-1
grep -q eeeeeeeeeeee "$T/body" && fail "b's page is fresh: the move did not fail, this shows nothing"
pg_sql "$db" "ALTER SEQUENCE data_generation NO MAXVALUE" >/dev/null
use a
expect 200 GET /hosts/lab-1
use b
expect 200 GET /hosts/lab-1
grep -q eeeeeeeeeeee "$T/body" || fail "b still serves its page after a made the move it owed"
say "    a rendered while it owed the move, and made it at its next page: b's page followed"

say "both still well; no sanitizer reports"
use a
expect 200 GET /healthz
use b
expect 200 GET /healthz
kill -TERM "$a_pid" "$b_pid"
wait "$a_pid" "$b_pid" 2>/dev/null || true
for f in "$T"/a.*.log "$T"/b.*.log; do sanitized "$f"; done
echo ok

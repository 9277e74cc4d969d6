#!/usr/bin/env bash
# Uploads without forkwatchd: a stand-in HTTP server (Python's http.server)
# answers like the API (docs/http-api.md).  forkwatch run spools a result
# while nothing listens (exit 3), delivers the spool in order once the
# server is up (after 503s), moves a document the server refuses (400) to
# rejected/ with its reason, keeps everything on a 401; agent skips a
# kernel that has results and runs enough to decide, and adds runs to one
# whose comparison is undecided and too wide; register writes the token file and never
# prints the token.  The real end-to-end against forkwatchd is elsewhere.
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
"$FW" --help | grep -q '^  run ' || skip "this forkwatch has no upload commands"
"$FW" run --help >/dev/null 2>&1 || skip "this forkwatch was built without upload support"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

spool=$FORKWATCH_STATE_DIR/spool
bench=(--wait --size 4M --runs 1 --iterations 2 --warmup 0 --layouts order-0 --workloads fork --quiet)
printf 'name=lab test\ntoken=fwh_test\n' >"$T/host.token"
chmod 600 "$T/host.token"

cat >"$T/stub.py" <<'PYEOF'
# stub.py PORTFILE LOGDIR: a stand-in for forkwatchd, set up by STUB_* variables
import http.server, json, os, sys

port_file, log_dir = sys.argv[1], sys.argv[2]
fail_first = int(os.environ.get("STUB_FAIL_FIRST", "0"))
reject = os.environ.get("STUB_REJECT") == "1"
token = os.environ.get("STUB_TOKEN", "fwh_test")
ident = os.environ.get("STUB_IDENT", "")
# STUB_COMPARE: the time row's verdict and whether its runs are enough ("inconclusive:false")
compare = os.environ.get("STUB_COMPARE", "")
posts = 0

def log(name, text):
    with open(os.path.join(log_dir, name), "a") as f:
        f.write(text + "\n")

class Stub(http.server.BaseHTTPRequestHandler):
    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message, field=None):
        e = {"status": status, "message": message}
        if field:
            e["field"] = field
        self.answer(status, {"error": e})

    def do_GET(self):
        log("requests", "GET " + self.path)
        if self.path.startswith("/api/v1/hosts/"):
            kernels = [{"ident": ident, "complete_uploads": 1}] if ident else []
            self.answer(200, {"host": {"name": "lab test"}, "kernels": kernels})
        elif self.path.startswith("/api/v1/compare?") and compare:
            verdict, enough = compare.split(":")
            rows = [{"workload": "fork", "layout": "order-4", "metric": "ns", "verdict": "unchanged",
                     "precision": {"half_width_pct": 0.8, "target_pct": 1, "enough_runs": True}},
                    {"workload": "fork", "layout": "order-0", "metric": "cycles", "verdict": "inconclusive"},
                    {"workload": "fork", "layout": "order-0", "metric": "ns", "verdict": verdict,
                     "precision": {"half_width_pct": 3.1, "target_pct": 0.5, "enough_runs": enough == "true",
                                   "more_runs": 37}}]
            self.answer(200, {"host": "lab test", "head": ident, "rows": rows})
        elif self.path == "/api/v1/hosts":
            self.answer(200, {"hosts": [{"name": "lab test", "hostname": "h1", "arch": "x86_64",
                                         "cpus": 2, "uploads": 3, "last_seen_at": 1700000000,
                                         "retired_at": None, "latest_kernel": "deadbeef1234"}]})
        else:
            self.error(404, "no such route")

    def do_POST(self):
        global posts
        posts += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        log("requests", "POST " + self.path)
        if self.headers.get("Authorization") != "Bearer " + token:
            return self.error(401 if self.path == "/api/v1/runs" else 403, "wrong token")
        if self.path == "/api/v1/hosts":
            req = json.loads(body)
            log("register", json.dumps(req, sort_keys=True))
            return self.answer(201, {"host": {"name": req.get("name", req["hostname"])},
                                     "token": "fwh_new_secret"})
        if self.path.startswith("/api/v1/hosts/"):
            log("admin", self.path + " " + json.dumps(json.loads(body), sort_keys=True))
            return self.answer(200, {"host": {"name": "x"}})
        if self.path != "/api/v1/runs":
            return self.error(404, "no such route")
        if posts <= fail_first:
            return self.error(503, "database busy")
        doc = json.loads(body)
        if reject:
            return self.error(400, "expected a UUID", "run_uuid")
        log("delivered", doc["run_uuid"])
        self.answer(201, {"run": {"id": posts, "uuid": doc["run_uuid"], "url": "/runs/%d" % posts},
                          "created": True})

    def log_message(self, *args):
        pass

srv = http.server.HTTPServer(("127.0.0.1", 0), Stub)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
PYEOF

stub_pid=
stop_stub() { [ -z "$stub_pid" ] || { kill "$stub_pid" 2>/dev/null; wait "$stub_pid" 2>/dev/null || true; }; stub_pid=; }
cleanup_hooks+=(stop_stub)
# start_stub [VAR=value...]: a fresh stand-in with an empty log; sets $url
start_stub() {
	stop_stub
	rm -rf "$T/log" "$T/port"
	mkdir -p "$T/log"
	env "$@" "$PY" "$T/stub.py" "$T/port" "$T/log" &
	stub_pid=$!
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	[ -s "$T/port" ] || fail "the stand-in server did not start"
	url=http://127.0.0.1:$(cat "$T/port")
}
entries() { find "$spool" -maxdepth 1 -name '*.json' | sort; }
# run_fw CODE cmd...: run forkwatch, expect exit CODE
run_fw() {
	local want=$1 rc=0
	shift
	"$FW" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "forkwatch $1: exit $rc, expected $want"; }
}

say "--help prints help and spools nothing"
run_fw 0 run --help
grep -q -- '--retry-for' "$T/out" && grep -q -- '--size' "$T/out" || fail "run --help lacks options"
[ ! -d "$spool" ] || [ -z "$(entries)" ] || fail "--help spooled something"

say "nothing listens: exit 3, the result stays spooled"
dead=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_fw 3 run --server "http://127.0.0.1:$dead" --token-file "$T/host.token" --retry-for 2 "${bench[@]}"
grep -q 'retrying in' "$T/err" || fail "no retry line: $(cat "$T/err")"
grep -q "1 result(s) stay spooled in '$spool'" "$T/err" || fail "no spooled line: $(cat "$T/err")"
[ "$(entries | wc -l)" = 1 ] || fail "expected 1 spooled entry: $(entries)"
first=$(basename "$(entries)" .json | cut -d- -f2-)
[ "$(stat -c %a "$spool")" = 700 ] || fail "spool directory not 0700"
grep -q '"run_uuid": *"'"$first"'"' "$spool"/*.json || fail "spooled document is not run $first"

say "server up after two 503s: the spooled result, then the new one, in order"
start_stub STUB_FAIL_FIRST=2
run_fw 0 run --server "$url" --token-file "$T/host.token" --retry-for 60 "${bench[@]}"
[ -z "$(entries)" ] || fail "spool not empty: $(entries)"
[ "$(wc -l <"$T/log/delivered")" = 2 ] || fail "expected 2 deliveries: $(cat "$T/log/delivered")"
[ "$(head -1 "$T/log/delivered")" = "$first" ] || fail "the older result was not delivered first"
[ "$(grep -c 'POST /api/v1/runs' "$T/log/requests")" = 4 ] || fail "expected 2 failed + 2 posts"
[ "$(grep -c 'server answered 503' "$T/err")" = 2 ] || fail "each 503 should be one line: $(cat "$T/err")"
grep -q 'delivered 2 result(s)' "$T/err" || fail "no delivery summary"

say "a 400 moves the document to rejected/ with the reason"
start_stub STUB_REJECT=1
run_fw 1 run --server "$url" --token-file "$T/host.token" "${bench[@]}"
[ -z "$(entries)" ] || fail "a rejected result stayed in the spool"
rej=$(find "$spool/rejected" -name '*.json')
[ "$(echo "$rej" | wc -l)" = 1 ] && [ -s "$rej" ] || fail "expected 1 rejected document: $rej"
grep -q "HTTP 400: expected a UUID (field 'run_uuid')" "$rej.reason" || fail "reason: $(cat "$rej.reason")"
grep -q 'refused 1 result(s) for good' "$T/err" || fail "no refusal line: $(cat "$T/err")"

say "a 401 stops the upload and keeps the result spooled (exit 4)"
start_stub STUB_TOKEN=fwh_other
run_fw 4 run --server "$url" --token-file "$T/host.token" "${bench[@]}"
[ "$(entries | wc -l)" = 1 ] || fail "the result should stay spooled on a 401"
grep -q 'server answered 401' "$T/err" || fail "no 401 line: $(cat "$T/err")"
! grep -q fwh_test "$T/out" "$T/err" || fail "the token was printed"

say "agent: flushes the spool, then skips a kernel that has complete uploads"
start_stub STUB_IDENT=0123456789ab
run_fw 0 agent --server "$url" --token-file "$T/host.token" --kernel-commit 0123456789ab "${bench[@]}"
[ -z "$(entries)" ] || fail "agent did not flush the spool"
grep -q 'not benchmarking it again' "$T/out" || fail "agent should skip: $(cat "$T/out" "$T/err")"
grep -q 'GET /api/v1/hosts/lab%20test$' "$T/log/requests" || fail "host name not percent-encoded: $(cat "$T/log/requests")"

grep -q 'GET /api/v1/compare?host=lab%20test&head=0123456789ab$' "$T/log/requests" ||
	fail "agent did not ask for the comparison: $(cat "$T/log/requests")"

say "agent: a kernel with complete uploads but an undecided comparison gets more runs"
for c in inconclusive:false significant-size-uncertain:false; do
	start_stub STUB_IDENT=0123456789ab STUB_COMPARE=$c
	: >"$T/log/delivered"
	run_fw 0 agent --server "$url" --token-file "$T/host.token" --kernel-commit 0123456789ab "${bench[@]}"
	grep -q "not enough runs to decide (fork order-0 ${c%:*}, about 37 more runs to decide): adding runs" "$T/out" ||
		fail "agent should add runs ($c): $(cat "$T/out" "$T/err")"
	[ "$(wc -l <"$T/log/delivered")" = 1 ] || fail "agent did not deliver the added runs ($c)"
done
say "agent: enough runs, or a decided verdict, and it stops"
for c in inconclusive:true regression:false unchanged:false; do
	start_stub STUB_IDENT=0123456789ab STUB_COMPARE=$c
	run_fw 0 agent --server "$url" --token-file "$T/host.token" --kernel-commit 0123456789ab "${bench[@]}"
	grep -q 'not benchmarking it again' "$T/out" || fail "agent should skip ($c): $(cat "$T/out" "$T/err")"
done

say "agent: a kernel without results is benchmarked, spooled and delivered"
start_stub
run_fw 0 agent --server "$url" --token-file "$T/host.token" "${bench[@]}"
[ -z "$(entries)" ] && [ "$(wc -l <"$T/log/delivered")" = 1 ] || fail "agent did not deliver its result"
grep -q 'result spooled as' "$T/err" || fail "agent did not spool first: $(cat "$T/err")"

say "agent: SIGTERM while waiting for the server ends it at once (exit 130)"
"$FW" agent --server "http://127.0.0.1:$dead" --token-file "$T/host.token" "${bench[@]}" \
	>"$T/out" 2>"$T/err" &
agent=$!
for _ in $(seq 50); do grep -q 'retrying in' "$T/err" && break; sleep 0.1; done
kill -TERM $agent
rc=0; wait $agent || rc=$?
[ $rc = 130 ] || fail "agent after SIGTERM: exit $rc: $(cat "$T/err")"
grep -q 'interrupted' "$T/err" || fail "no interrupted line: $(cat "$T/err")"

say "register writes the token file (0600) and never prints the token"
start_stub STUB_TOKEN=fwh_admin
printf 'fwh_admin\n' >"$T/admin.token"
run_fw 0 register --server "$url" --admin-token-file "$T/admin.token" --name 'lab "7" x' --hostname h1 \
	--token-file "$T/new.token"
grep -q "registered host 'lab \"7\" x'" "$T/out" || fail "register output: $(cat "$T/out")"
! grep -q fwh_new_secret "$T/out" "$T/err" || fail "the token was printed"
[ "$(stat -c %a "$T/new.token")" = 600 ] || fail "token file not 0600"
grep -qx 'token=fwh_new_secret' "$T/new.token" && grep -qx 'name=lab "7" x' "$T/new.token" ||
	fail "token file: $(cat "$T/new.token")"
grep -q '"hostname": "h1", "name": "lab \\"7\\" x"' "$T/log/register" || fail "register body: $(cat "$T/log/register")"
expect_fail "register over a token file" "exists" "$FW" register --server "$url" \
	--admin-token-file "$T/admin.token" --token-file "$T/new.token"
run_fw 0 hosts --server "$url" list
grep -q '^lab test  *h1  *x86_64' "$T/out" || fail "hosts list: $(cat "$T/out")"
expect_fail "a name with '/'" "new name '--odd/name'" "$FW" hosts --server "$url" \
	--admin-token-file "$T/admin.token" rename -- 'lab "7" x' --odd/name
run_fw 0 hosts --server "$url" --admin-token-file "$T/admin.token" rename -- 'lab "7" x' --odd
run_fw 0 hosts --server "$url" --admin-token-file "$T/admin.token" retire 'a b%'
grep -qxF '/api/v1/hosts/lab%20%227%22%20x {"rename": "--odd"}' "$T/log/admin" &&
	grep -qxF '/api/v1/hosts/a%20b%25 {"retire": true}' "$T/log/admin" || fail "hosts posts: $(cat "$T/log/admin")"
expect_fail "rename without the admin token" "needs --admin-token-file" "$FW" hosts --server "$url" rename a b

say "refusals"
expect_fail "run without --server" "needs --server" "$FW" run "${bench[@]}"
expect_fail "bad --server" "\-\-server 'fw.lab'" "$FW" run --server fw.lab --token-file "$T/host.token"
expect_fail "no token file" "register this machine first" "$FW" run --server "$url" --token-file "$T/none"
expect_fail "bad --retry-for" "\-\-retry-for 'soon'" "$FW" agent --server "$url" --token-file "$T/host.token" --retry-for soon
expect_fail "hosts without action" "expected list, rename OLD NEW or retire NAME" "$FW" hosts --server "$url"
echo ok

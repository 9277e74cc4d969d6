#!/usr/bin/env bash
# Deliveries that fail, end to end (t0530 has the ones that succeed):
#   - a sendmail command that fails and a webhook where nothing listens:
#     every attempt logged with its reason, retried with the backoff
#     (--delivery-retry 1: after 1 s, then 2 s, doubling), never given up;
#   - forkwatchd killed with SIGKILL while they are pending: restarted, it
#     delivers them once the receivers work, continuing their attempts;
#   - a webhook that hangs past --delivery-timeout: given up and logged as
#     a timeout, and uploads made while it hangs are answered as fast as
#     ever (ingest never waits for a receiver).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

# an HTTP receiver: /ok answers 200, /hang sleeps HANG seconds first;
# each request is logged as it arrives (time, path, n)
cat >"$T/receiver.py" <<'PYEOF'
import http.server, json, sys, threading, time
port, port_file, log, hang = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock, open(log, "a") as f:
            f.write(json.dumps({"t": time.time(), "path": self.path, "host": json.loads(body)["host"]}) + "\n")
        if self.path == "/hang":
            time.sleep(hang)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
srv = S(("127.0.0.1", port), H)
open(port_file, "w").write(str(srv.server_address[1]))
srv.serve_forever()
PYEOF
rpid=
start_receiver() { # PORT HANG_SECONDS
	rm -f "$T/rport"
	"$PY" "$T/receiver.py" "$1" "$T/rport" "$T/hook.log" "$2" &
	rpid=$!
	for _ in $(seq 50); do [ -s "$T/rport" ] && break; sleep 0.1; done
	[ -s "$T/rport" ] || fail "the webhook receiver did not start"
}
cleanup_hooks+=('[ -z "$rpid" ] || kill $rpid')
# a loopback port nothing listens on (yet)
rport=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

printf '#!/bin/sh\necho "$(date +%%s) called" >>"%s"\ncat >/dev/null\necho "sendmail: host unreachable" >&2\nexit 75\n' \
	"$T/sendmail.calls" >"$T/bad-sendmail"
printf '#!/bin/sh\ncat >>"%s"\n' "$T/mail.out" >"$T/good-sendmail"
chmod +x "$T/bad-sendmail" "$T/good-sendmail"

# log HOST KERNEL: the delivery log into $T/log.json
dlog() {
	curl -sf "$URL/api/v1/deliveries?host=$1&kernel=$2" >"$T/log.json" || fail "GET deliveries"
}
# wait_log HOST KERNEL SECONDS 'python condition on a (the attempts)' WHAT
wait_log() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		dlog "$1" "$2"
		"$PY" -c 'import json, sys; a = json.load(open(sys.argv[1]))["attempts"]; sys.exit(0 if eval(sys.argv[2]) else 1)' \
			"$T/log.json" "$4" && return 0
		sleep 0.1
	done
	cat "$T/log.json" >&2
	echo >&2
	fail "$5: not within $3 s"
}

register() { # NAME: the host token into $tok
	curl -sf "${admin[@]}" -d "{\"hostname\": \"$1\"}" "$URL/api/v1/hosts" >"$T/reg.json" || fail "register $1"
	tok=$(jget "$T/reg.json" 'd["token"]')
}
upload() { # FILE CODE
	local code
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$1" "$URL/api/v1/runs")
	[ "$code" = "$2" ] || { cat "$T/up.json" >&2; fail "upload $1: $code, expected $2"; }
}

mkdir -p "$T/db"
say "sendmail fails, nothing listens for the webhook: retried with the backoff"
start_daemon "$T/d1.log" --db "$T/db/fw.db" --webhook "http://127.0.0.1:$rport/ok" \
	--sendmail "$T/bad-sendmail" --mail-to dev@example.org --delivery-retry 1 --delivery-timeout 2 \
	--public-url http://fw.example:8080
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
register lab-f
"$PY" "$top/tests/e2e/compare-docs.py" "$T" lab-f
upload "$T/base.json" 201
upload "$T/head.json" 201
K=bbbbbbbbbbbb
# three attempts of each: at 0, after 1 s, after 2 s more
wait_log lab-f $K 15 'sum(x["channel"] == "mail" for x in a) >= 3 and sum(x["channel"] == "webhook" for x in a) >= 3' \
	"three attempts per receiver"
"$PY" - "$T/log.json" <<'PYEOF' || fail "the failed attempts"
import json, sys
a = json.load(open(sys.argv[1]))["attempts"]
for ch, why in (("mail", "exited with status 75"), ("webhook", "connect")):
    x = [e for e in a if e["channel"] == ch]
    assert all(not e["ok"] and why in e["detail"] for e in x), (ch, x)
    assert all(e["state"] == "pending" for e in x), (ch, x)
    t = [e["at"] for e in x]
    gaps = [b - a for a, b in zip(t, t[1:])]
    # the worker looks once a second: a wait of S seconds shows as S to S + 1 (+1 for
    # rounding, +1 for a busy machine); never sooner
    assert 1 <= gaps[0] <= 4 and 2 <= gaps[1] <= 5, (ch, "gaps", gaps)
    print("    %s: %d failed attempts, %s apart: %s" % (ch, len(x), gaps, x[0]["detail"]))
PYEOF
[ "$(wc -l <"$T/sendmail.calls")" -ge 3 ] || fail "sendmail was not run for each attempt"

say "SIGKILL while they are pending; restarted with working receivers, it delivers them"
kill -KILL "$dpid"
wait "$dpid" 2>/dev/null || true
dpid=
before=$(grep -c 'failed (attempt' "$T/d1.log")
start_receiver "$rport" 0
start_daemon "$T/d2.log" --db "$T/db/fw.db" --webhook "http://127.0.0.1:$rport/ok" \
	--sendmail "$T/good-sendmail" --mail-to dev@example.org --delivery-retry 1 --delivery-timeout 2 \
	--public-url http://fw.example:8080
wait_log lab-f $K 20 'all(e["state"] == "delivered" for e in a) and sum(e["ok"] for e in a) == 2' \
	"both delivered after the restart"
"$PY" - "$T/log.json" <<'PYEOF' || fail "the deliveries after the restart"
import json, sys
a = json.load(open(sys.argv[1]))["attempts"]
for ch in ("mail", "webhook"):
    x = [e for e in a if e["channel"] == ch]
    # the failed attempts from before the kill, then the one that worked
    assert len(x) >= 4 and [e["ok"] for e in x] == [False] * (len(x) - 1) + [True], (ch, x)
    assert x[-1]["attempts"] == len(x), (ch, x)
    print("    %s: delivered at attempt %d: %s" % (ch, len(x), x[-1]["detail"]))
PYEOF
[ "$before" -ge 6 ] || fail "forkwatchd logged $before failed attempts before the kill"
[ "$(grep -c '"path": "/ok"' "$T/hook.log")" = 1 ] || fail "the webhook got $(grep -c . "$T/hook.log") posts, expected 1"
grep -q '^Subject: \[forkwatch\] 1 regression: bbbbbbbbbbbb on lab-f' "$T/mail.out" || fail "no mail: $(head -5 "$T/mail.out" 2>/dev/null)"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
kill "$rpid"
wait "$rpid" 2>/dev/null || true
rpid=

say "a webhook that hangs past --delivery-timeout; uploads while it hangs"
start_receiver 0 30
hport=$(cat "$T/rport")
: >"$T/hook.log"
mkdir -p "$T/db2"
start_daemon "$T/d3.log" --db "$T/db2/fw.db" --webhook "http://127.0.0.1:$hport/hang" \
	--delivery-retry 600 --delivery-timeout 6 --public-url http://fw.example:8080
admin=(-H "Authorization: Bearer $(cat "$T/db2/admin.token")")
register lab-h
"$PY" "$top/tests/e2e/compare-docs.py" "$T" lab-h
# each a new kernel after the base, slower: an alert and a delivery queued per upload
for i in $(seq 12); do
	"$PY" "$top/tests/e2e/daemon-doc.py" make --from "$T/head2.json" --new-uuid \
		--commit "$(printf 'd%011x' "$i")" --out "$T/more-$i.json"
done
upload "$T/base.json" 201
upload "$T/head.json" 201
for _ in $(seq 100); do grep -q '"/hang"' "$T/hook.log" 2>/dev/null && break; sleep 0.05; done
grep -q '"/hang"' "$T/hook.log" || fail "the webhook was not called: $(cat "$T/d3.log")"
t0=$(date +%s.%N)
: >"$T/lat"
for i in $(seq 12); do
	curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $tok" \
		--data-binary @"$T/more-$i.json" "$URL/api/v1/runs" >>"$T/lat" || fail "upload $i"
done
t1=$(date +%s.%N)
dlog lab-h $K
"$PY" - "$T/lat" "$T/hook.log" "$T/log.json" "$t0" "$t1" <<'PYEOF' || fail "ingest while the webhook hangs"
import json, statistics, sys
lat = [l.split() for l in open(sys.argv[1])]
arrived = json.loads(open(sys.argv[2]).readline())["t"]
attempts = json.load(open(sys.argv[3]))["attempts"]
t0, t1 = float(sys.argv[4]), float(sys.argv[5])
assert all(code == "201" for code, _ in lat), lat
ms = sorted(float(t) * 1e3 for _, t in lat)
print("    12 uploads while the webhook hangs: median %.1f ms, max %.1f ms (%.1f s after it was called)"
      % (statistics.median(ms), ms[-1], t1 - arrived))
# all of them while the receiver held the delivery (it gives up after 6 s)
assert not [x for x in attempts if x.get("at")], ("the attempt ended before the uploads did", attempts)
assert t1 - arrived < 6, "the uploads took until %.1f s after the webhook was called" % (t1 - arrived)
# a delivery holding up ingest would show as seconds, not milliseconds
assert ms[-1] < 2000, "an upload took %.0f ms while the webhook hung" % ms[-1]
PYEOF
expect 200 GET '/api/v1/alerts?kind=regression'
jcheck "$T/body" 'len(d["alerts"]) == 13' "an alert for the head and each of the 12 kernels uploaded while it hung"
wait_log lab-h $K 15 'len(a) == 1 and a[0].get("at") is not None' "the hanging attempt to end"
"$PY" - "$T/log.json" "$T/hook.log" <<'PYEOF' || fail "the timed-out attempt"
import json, sys
a = json.load(open(sys.argv[1]))["attempts"][0]
arrived = json.loads(open(sys.argv[2]).readline())["t"]
assert not a["ok"] and "Timeout" in a["detail"] and a["state"] == "pending", a
# given up after the 6 s timeout, not at once and not when the receiver answers (30 s)
assert 4.5 <= a["at"] - arrived <= 10, (a["at"] - arrived, a)
print("    given up %.1f s after the call: %s; still pending" % (a["at"] - arrived, a["detail"]))
PYEOF
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

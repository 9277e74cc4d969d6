#!/usr/bin/env bash
# Alert delivery: a regression is posted to a webhook receiver on
# loopback (which fails once, then takes it: the delivery is retried) and
# mailed through a sendmail stand-in that writes the message to a file; the
# delivery log shows every attempt; ingest does not wait for receivers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

cat >"$T/receiver.py" <<'PYEOF'
import http.server, json, sys, threading
port_file, log = sys.argv[1], sys.argv[2]
state = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        state["n"] += 1
        code = 500 if state["n"] == 1 else 200  # the first delivery fails
        with open(log, "a") as f:
            f.write(json.dumps({"n": state["n"], "code": code, "body": json.loads(body)}) + "\n")
        self.send_response(code)
        self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(srv.server_address[1]))
srv.serve_forever()
PYEOF
"$PY" "$T/receiver.py" "$T/rport" "$T/hook.log" &
rpid=$!
cleanup_hooks+=("kill $rpid")
for _ in $(seq 50); do [ -s "$T/rport" ] && break; sleep 0.1; done
[ -s "$T/rport" ] || fail "the webhook receiver did not start"
printf '#!/bin/sh\ncat >>"%s"\n' "$T/mail.out" >"$T/fake-sendmail"
chmod +x "$T/fake-sendmail"

mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db" --webhook "http://127.0.0.1:$(cat "$T/rport")/hook" \
	--sendmail "$T/fake-sendmail" --mail-to dev@example.org --delivery-retry 1 \
	--public-url http://fw.example:8080
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "lab-d"}' "$URL/api/v1/hosts" >"$T/reg.json" || fail "register"
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/reg.json")
"$PY" "$(dirname "$0")/compare-docs.py" "$T" lab-d
for d in base head; do
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$T/$d.json" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $d: $code"
done

say "the webhook gets the alert on the second attempt, the mail on the first"
for _ in $(seq 100); do
	[ "$(grep -c '"code": 200' "$T/hook.log" 2>/dev/null)" -ge 1 ] && [ -s "$T/mail.out" ] && break
	sleep 0.1
done
grep -q '"code": 500' "$T/hook.log" || fail "no failed first attempt: $(cat "$T/hook.log" 2>/dev/null)"
grep -q '"code": 200' "$T/hook.log" || fail "the webhook was not retried: $(cat "$T/d.log")"
"$PY" - "$T/hook.log" <<'PYEOF'
import json, sys
last = [json.loads(l) for l in open(sys.argv[1])][-1]["body"]
assert last["host"] == "lab-d" and last["kernel"] == "bbbbbbbbbbbb", last
assert len(last["alerts"]) == 1 and last["alerts"][0]["layout"] == "order-0", last["alerts"]
rows = {(r["layout"], r["metric"]): r for r in last["comparison"]["rows"]}
assert rows[("order-0", "ns")]["verdict"] == "regression", last["comparison"]
assert last["compare_txt"].startswith("http://fw.example:8080/compare.txt?host=lab-d&head=bbbbbbbbbbbb"), last
print("webhook body ok")
PYEOF
grep -q '^To: dev@example.org' "$T/mail.out" || fail "mail headers: $(head -5 "$T/mail.out")"
grep -q '^Subject: \[forkwatch\] 1 regression: bbbbbbbbbbbb on lab-d' "$T/mail.out" || fail "mail subject"
grep -q '^| after-change  |' "$T/mail.out" || fail "the mail lacks the comparison table"

say "the delivery log"
sleep 0.3
curl -sf "$URL/api/v1/deliveries?host=lab-d&kernel=bbbbbbbbbbbb" >"$T/log.json" || fail "GET deliveries"
"$PY" - "$T/log.json" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))["attempts"]
hook = [x for x in a if x["channel"] == "webhook"]
mail = [x for x in a if x["channel"] == "mail"]
assert [x["ok"] for x in hook] == [False, True] and hook[-1]["state"] == "delivered", hook
assert "HTTP 500" in hook[0]["detail"] and "HTTP 200" in hook[1]["detail"], hook
assert [x["ok"] for x in mail] == [True] and mail[0]["target"] == "dev@example.org", mail
print("delivery log ok:", [(x["channel"], x["ok"], x["detail"]) for x in a])
PYEOF

say "a re-upload delivers nothing new"
code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	--data-binary @"$T/head.json" "$URL/api/v1/runs")
[ "$code" = 200 ] || fail "re-upload: $code"
sleep 1.5
[ "$(wc -l <"$T/hook.log")" = 2 ] || fail "a re-upload was delivered again: $(cat "$T/hook.log")"
echo ok

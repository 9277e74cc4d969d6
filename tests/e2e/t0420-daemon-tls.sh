#!/usr/bin/env bash
# forkwatchd over HTTPS: a self-signed certificate for 127.0.0.1, curl
# that trusts it, curl that does not, plain HTTP to the TLS port, and the
# certificate problems that must stop it at start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
command -v openssl >/dev/null || skip "needs openssl (Debian package openssl)"
DOC="$PY $top/tests/e2e/daemon-doc.py"

# cert NAME [openssl req options]: $T/NAME.crt and $T/NAME.key, for 127.0.0.1
cert() {
	local name=$1
	shift
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1" "$@" \
		-keyout "$T/$name.key" -out "$T/$name.crt" >"$T/openssl.out" 2>&1 ||
		{ cat "$T/openssl.out"; fail "openssl could not make a certificate"; }
}
cert fw
cert other

# refused WHAT PATTERN forkwatchd-args...: one error line at start, non-zero exit
refused() {
	local what=$1 pat=$2 rc=0
	shift 2
	timeout 20 "$FWD" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "$what: exit $rc, expected a refusal"
	grep -v '^forkwatchd: \(info\|warn\|debug\): ' "$T/err" >"$T/errline" || true
	[ "$(wc -l <"$T/errline")" = 1 ] && grep -qF -- "$pat" "$T/errline" ||
		{ cat "$T/err" >&2; fail "$what: expected one error line with '$pat'"; }
	say "ok: $what -> $(cat "$T/errline")"
}

mkdir "$T/srv"
say "HTTPS with a certificate that curl is told to trust"
DAEMON_CACERT=$T/fw.crt start_daemon "$T/d.log" --db "$T/srv/fw.db" --tls-cert "$T/fw.crt" --tls-key "$T/fw.key"
grep -q "listening on https://127.0.0.1:0 (port $PORT)" "$T/d.log" || fail "the log does not say https: $(cat "$T/d.log")"
tls=(--cacert "$T/fw.crt")
expect 200 GET /healthz "${tls[@]}"
jcheck "$T/body" 'd["status"] == "ok"' "/healthz over TLS"

say "a client that does not trust the certificate refuses it"
rc=0
curl -s -o /dev/null "$URL/healthz" || rc=$?
[ $rc = 60 ] || fail "curl without --cacert: exit $rc, expected 60 (certificate not trusted)"
rc=0
curl -s -o /dev/null --cacert "$T/other.crt" "$URL/healthz" || rc=$?
[ $rc = 60 ] || fail "curl with another CA: exit $rc, expected 60"

say "plain HTTP to the TLS port gets no answer"
rc=0
code=$(curl -s -o "$T/plain" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/healthz") || rc=$?
[ "$code" != 200 ] || fail "plain HTTP to the TLS port answered 200"
[ $rc != 0 ] || [ "$code" = 400 ] || fail "plain HTTP: curl exit $rc, status $code"
say "plain HTTP: curl exit $rc, status $code"
# the daemon still serves TLS afterwards
expect 200 GET /healthz "${tls[@]}"

say "register and upload over TLS"
admin=(-H "Authorization: Bearer $(cat "$T/srv/admin.token")")
expect 201 POST /api/v1/hosts "${tls[@]}" "${admin[@]}" -d '{"hostname": "lab-1.example", "name": "lab-1"}'
tok=$(jget "$T/body" 'd["token"]')
$DOC make --out "$T/doc.json"
expect 201 POST /api/v1/runs "${tls[@]}" -H "Authorization: Bearer $tok" --data-binary @"$T/doc.json"
expect 200 GET /api/v1/hosts/lab-1 "${tls[@]}"
jcheck "$T/body" 'd["host"]["uploads"] == 1' "upload over TLS"
if "$FW" register --help >/dev/null 2>&1; then
	say "forkwatch register --cacert"
	rc=0
	"$FW" register --server "$URL" --cacert "$T/fw.crt" --admin-token-file "$T/srv/admin.token" \
		--name lab-2 --hostname lab-2.example --token-file "$T/lab2.token" >"$T/out" 2>&1 || rc=$?
	[ $rc = 0 ] || { cat "$T/out"; fail "forkwatch register over TLS: exit $rc"; }
	rc=0
	"$FW" register --server "$URL" --admin-token-file "$T/srv/admin.token" \
		--name lab-3 --hostname lab-3.example --token-file "$T/lab3.token" >"$T/out" 2>&1 || rc=$?
	[ $rc != 0 ] || fail "forkwatch register trusted an unknown certificate"
	[ ! -e "$T/lab3.token" ] || fail "a token file was written after a TLS failure"
	expect 200 GET /api/v1/hosts "${tls[@]}"
	jcheck "$T/body" 'sorted(h["name"] for h in d["hosts"]) == ["lab-1", "lab-2"]' "hosts registered over TLS"
fi
stop_daemon
[ "$drc" = 0 ] || fail "SIGTERM: exit $drc"

say "TLS from --config"
printf 'listen = 127.0.0.1:0\ndb = %s\ntls_cert = %s\ntls_key = %s\n' "$T/srv/fw.db" "$T/fw.crt" "$T/fw.key" >"$T/tls.conf"
DAEMON_CACERT=$T/fw.crt start_daemon "$T/d2.log" --config "$T/tls.conf"
grep -q "listening on https://" "$T/d2.log" || fail "tls_cert in the config was not used"
expect 200 GET /healthz "${tls[@]}"
stop_daemon

say "certificate problems stop it at start"
refused "a certificate without its key" "needs both" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-cert "$T/fw.crt"
refused "a key without a certificate" "needs both" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-key "$T/fw.key"
refused "a missing certificate" "$T/none.crt" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-cert "$T/none.crt" --tls-key "$T/fw.key"
refused "a missing key" "$T/none.key" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-cert "$T/fw.crt" --tls-key "$T/none.key"
printf 'not a certificate\n' >"$T/junk.pem"
refused "a certificate that is not PEM" "cannot listen" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-cert "$T/junk.pem" --tls-key "$T/fw.key"
refused "a key that is not PEM" "cannot listen" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-cert "$T/fw.crt" --tls-key "$T/junk.pem"
refused "a key of another certificate" "cannot listen" --listen 127.0.0.1:0 --db "$T/srv/fw.db" --tls-cert "$T/fw.crt" --tls-key "$T/other.key"
grep -q 'do not match' "$T/err" || fail "the log does not say why: $(cat "$T/err")"
echo ok

#!/usr/bin/env bash
# HTTP framing a proxy in front could read otherwise than forkwatchd
# (issue 11, item 6), over raw sockets: two Content-Length headers (the
# bytes after the first length once answered as a second, smuggled
# request), Content-Length with Transfer-Encoding, a Transfer-Encoding
# other than chunked, a NUL byte in the request line (once cut short
# unseen: "GET /healthz\0junk" answered as /healthz), "%00" and control
# characters in the target: each answered 400 and the connection closed,
# nothing after it answered.  A Content-Length of -5 is refused by
# libmicrohttpd itself before forkwatchd sees it (400, closed).  Also
# item 7's HEAD (answered as GET, without a body) and the answers to
# paths that are no route: JSON under /api/, an HTML page elsewhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"

"$PY" - "$PORT" <<'PYEOF' || fail "framing"
import socket, sys, time

port = int(sys.argv[1])
failures = []


def raw(data, wait=3.0):
    """Send data, read until the server closes (or wait passes): the bytes and whether it closed."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(data)
    s.settimeout(wait)
    out, closed = b"", False
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < wait:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            out += b
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return out, closed


smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
cases = [
    ("two Content-Length headers, a request smuggled after the first length",
     b"POST /api/v1/hosts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: %d\r\n\r\n{}"
     % (2 + len(smuggled)) + smuggled, "Content-Length"),
    ("two equal Content-Length headers",
     b"POST /api/v1/hosts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}" + smuggled,
     "Content-Length"),
    ("Content-Length and Transfer-Encoding",
     b"POST /api/v1/hosts HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n" + smuggled, "Transfer-Encoding"),
    ("Transfer-Encoding: gzip",
     b"POST /api/v1/hosts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, "chunked"),
    ("two Transfer-Encoding headers",
     b"POST /api/v1/hosts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n" + smuggled, "Transfer-Encoding"),
    ("a NUL byte in the method", b"G\x00ET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "NUL"),
    ("a NUL byte in the path", b"GET /hea\x00lthz HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "NUL"),
    ("a NUL byte after the path", b"GET /healthz\x00junk HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "NUL"),
    ("a NUL byte in the query", b"GET /api/v1/alerts?host=a\x00b HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "NUL"),
    ("%00 in a path segment", b"GET /api/v1/hosts/lab-a%00x HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "%00"),
    ("%00 in a query value", b"GET /api/v1/alerts?host=lab-a%00x HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "%00"),
    ("a tab in the target", b"GET /api/v1/hosts/a\tb HTTP/1.1\r\nHost: x\r\n\r\n" + smuggled, "control"),
]
for what, data, word in cases:
    out, closed = raw(data)
    first = out.split(b"\r\n", 1)[0]
    answers = out.count(b"HTTP/1.1 ")
    ok = first == b"HTTP/1.1 400 Bad Request" and closed and answers == 1 and word.encode() in out
    print("    %s %-70s %s, %d answer(s)%s" % ("ok:  " if ok else "FAIL:", what, first.decode("latin1"),
                                             answers, ", closed" if closed else ", left open"))
    if not ok:
        failures.append("%s: %r" % (what, out[:400]))

# libmicrohttpd refuses a length that is no number before forkwatchd sees it
out, closed = raw(b"POST /api/v1/hosts HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n" + smuggled)
ok = out.startswith(b"HTTP/1.1 400") and closed and b"HTTP/1.1 200" not in out
print("    %s Content-Length: -5 (libmicrohttpd's own 400)%s" % ("ok:  " if ok else "FAIL:", ", closed" if closed else ""))
if not ok:
    failures.append("Content-Length -5: %r" % out[:400])

# HEAD is answered as GET is, without the body
get, _ = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
head, _ = raw(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
hh, hb = head.split(b"\r\n\r\n", 1)
gh = get.split(b"\r\n\r\n", 1)[0]
cl = lambda h: [l for l in h.split(b"\r\n") if l.lower().startswith(b"content-length:")]
ok = hh.startswith(b"HTTP/1.1 200") and hb == b"" and cl(hh) == cl(gh) and cl(hh)
print("    %s HEAD /healthz: %s, %s, body %d bytes" % ("ok:  " if ok else "FAIL:", hh.split(b"\r\n")[0].decode(),
                                                    cl(hh), len(hb)))
if not ok:
    failures.append("HEAD: %r" % head[:400])
head, _ = raw(b"HEAD /api/v1/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
if not head.startswith(b"HTTP/1.1 404") or not head.endswith(b"\r\n\r\n"):
    failures.append("HEAD of no route: %r" % head[:400])

# paths that are no route: JSON under /api/, a page elsewhere
for path, want in (("/api/v1/nothing", b"application/json"), ("/nowhere", b"text/html"),
                   ("/hosts/a/b", b"text/html"), ("/kernels/", b"text/html"), ("/static/", b"text/html")):
    out, _ = raw(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
    h, b = out.split(b"\r\n\r\n", 1)
    ok = h.startswith(b"HTTP/1.1 404") and (b"Content-Type: " + want) in h and \
        (b"<h1>404</h1>" in b if want == b"text/html" else b'"status":404' in b)
    print("    %s GET %-16s 404 %s" % ("ok:  " if ok else "FAIL:", path, want.decode()))
    if not ok:
        failures.append("GET %s: %r" % (path, out[:600]))
out, _ = raw(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
if not out.startswith(b"HTTP/1.1 405") or b"text/html" not in out.split(b"\r\n\r\n")[0] or \
        b"Allow: GET, HEAD\r\n" not in out:
    failures.append("POST /: %r" % out[:600])
out, _ = raw(b"DELETE /api/v1/hosts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
if not out.startswith(b"HTTP/1.1 405") or b"Allow: POST, GET, HEAD\r\n" not in out:
    failures.append("DELETE /api/v1/hosts: %r" % out[:600])

# the server still answers afterwards
out, _ = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
if not out.startswith(b"HTTP/1.1 200"):
    failures.append("healthz afterwards: %r" % out[:200])
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PYEOF

stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

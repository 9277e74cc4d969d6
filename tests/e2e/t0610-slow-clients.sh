#!/usr/bin/env bash
# Slow and stuck clients against the real forkwatchd: connections that
# send their headers a byte a second, send a Content-Length but never the
# whole body, or say nothing at all are closed once --conn-timeout has
# passed since their request began (not only when idle: a byte a second
# is never idle), and while they hang a normal client's requests are
# answered quickly.  --conn-per-ip: the connections past the limit from
# one address are refused, and another address is served as usual.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

timeout_s=3
per_ip=12
mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db" --conn-timeout $timeout_s --conn-per-ip $per_ip
# a body is read only after its token is checked: the slow bodies carry a host's
expect 201 POST /api/v1/hosts -H "Authorization: Bearer $(cat "$T/srv/admin.token")" -d '{"hostname": "lab-slow"}'
tok=$(jget "$T/body" 'd["token"]')

"$PY" - "$PORT" "$timeout_s" "$per_ip" "$tok" <<'PYEOF' || fail "slow clients"
import socket, statistics, sys, threading, time

port, limit, per_ip, tok = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode()
slack = 2.0       # seconds past the timeout a hanging connection may live
bound = 0.5       # seconds a normal request may take while they hang
failures = []


def conn(src="127.0.0.1"):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


class Hanger(threading.Thread):
    """A connection that sends `first`, then one byte of `drip` a second
    (forever when drip is endless), and notes when the server closes it."""

    def __init__(self, kind, first=b"", drip=b"", src="127.0.0.1"):
        super().__init__(daemon=True)
        self.kind, self.first, self.drip = kind, first, drip
        self.s = conn(src)
        self.start_t = time.monotonic()
        self.closed_t = None
        self.answer = b""

    def run(self):
        s = self.s
        s.settimeout(1.0)
        try:
            if self.first:
                s.sendall(self.first)
            i = 0
            while True:
                try:
                    data = s.recv(4096)
                    if not data:
                        break
                    self.answer += data
                    continue
                except socket.timeout:
                    pass
                if self.drip:
                    s.sendall(self.drip[i % len(self.drip):i % len(self.drip) + 1])
                    i += 1
                if time.monotonic() - self.start_t > limit + 30:
                    return
        except (ConnectionResetError, BrokenPipeError):
            pass
        self.closed_t = time.monotonic()


def normal(path="/healthz", src="127.0.0.1"):
    t = time.monotonic()
    data = b""
    try:
        s = conn(src)
        s.settimeout(5)
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
    except OSError:
        pass
    ok = data.startswith(b"HTTP/1.1 200")
    return time.monotonic() - t, ok


# headers a byte a second: a request line, then a header that never ends
header_drip = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
# a body a byte a second, after a whole header
body_drip_hdr = (b"POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + b"\r\n"
                 b"Content-Length: 100000\r\n\r\n")
# a Content-Length, a bit of the body, then nothing
stuck_hdr = (b"POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Authorization: Bearer " + tok + b"\r\nContent-Length: 5000\r\n\r\n{\"format\": ")

# 8 of them from each of 5 addresses
hangers = []
for a in range(1, 6):
    src = "127.0.0.%d" % a
    hangers += [Hanger("header a byte a second", drip=header_drip, src=src) for _ in range(3)]
    hangers += [Hanger("body a byte a second", first=body_drip_hdr, drip=b" ", src=src) for _ in range(2)]
    hangers += [Hanger("body never finished", first=stuck_hdr, src=src) for _ in range(2)]
    hangers += [Hanger("silent after connect", src=src)]
print("--- %d slow and stuck clients from 5 addresses against --conn-timeout %d" % (len(hangers), limit))
for h in hangers:
    h.start()

# a normal client while they hang, until all are gone or the deadline passed
lat, bad = [], 0
t0 = time.monotonic()
while time.monotonic() - t0 < limit + slack + 1 and any(h.is_alive() for h in hangers):
    for path in ("/healthz", "/api/v1/hosts", "/api/v1/kernels"):
        dt, ok = normal(path)
        lat.append(dt)
        bad += not ok
    time.sleep(0.05)
for h in hangers:
    h.join(timeout=limit + 35)
lat.sort()
print("    normal client: %d requests while they hung, median %.1f ms, max %.1f ms, %d not 200"
      % (len(lat), 1e3 * statistics.median(lat), 1e3 * lat[-1], bad))
if bad or lat[-1] > bound:
    failures.append("a normal client waited %.3f s (bound %.1f s), %d answers not 200" % (lat[-1], bound, bad))
lives = {}
for h in hangers:
    if h.closed_t is None:
        failures.append("%s: still open after %.0f s" % (h.kind, time.monotonic() - h.start_t))
        continue
    life = h.closed_t - h.start_t
    lives.setdefault(h.kind, []).append(life)
    if life > limit + slack:
        failures.append("%s: closed only after %.1f s (--conn-timeout %d)" % (h.kind, life, limit))
    if life < limit - 0.5:
        failures.append("%s: closed after %.1f s, before --conn-timeout %d" % (h.kind, life, limit))
for kind, l in lives.items():
    print("    %-24s %2d closed after %.1f to %.1f s" % (kind, len(l), min(l), max(l)))

print("--- a keep-alive client busy for longer than --conn-timeout is not cut")
s = conn()
s.settimeout(5)
t0, n, buf = time.monotonic(), 0, b""
try:
    while time.monotonic() - t0 < limit + 1.5:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        while b"\r\n\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                raise ConnectionResetError("closed by the server")
            buf += d
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
        while len(rest) < length:
            rest += s.recv(4096)
        assert head.startswith(b"HTTP/1.1 200"), head
        buf = rest[length:]
        n += 1
        time.sleep(0.3 if n % 5 else limit * 0.6)  # now and then a pause, shorter than the timeout
    print("    %d requests on one connection over %.1f s" % (n, time.monotonic() - t0))
except (OSError, AssertionError) as x:
    failures.append("keep-alive client cut after %d requests, %.1f s: %s" % (n, time.monotonic() - t0, x))
s.close()

print("--- --conn-per-ip %d: from 127.0.0.1 %d connections, and another address" % (per_ip, per_ip + 4))
held = [Hanger("held", drip=header_drip) for _ in range(per_ip + 4)]
for h in held:
    h.start()
time.sleep(1.0)
refused = [h for h in held if h.closed_t is not None]
print("    %d refused at once, %d held" % (len(refused), len(held) - len(refused)))
if len(refused) != 4:
    failures.append("%d of %d connections from one address refused, expected 4 (limit %d)"
                    % (len(refused), len(held), per_ip))
dt, ok = normal("/api/v1/hosts", src="127.0.0.2")
print("    from 127.0.0.2 meanwhile: %s in %.1f ms" % ("200" if ok else "no answer", 1e3 * dt))
if not ok or dt > bound:
    failures.append("another address: ok=%s in %.3f s" % (ok, dt))
dt, ok = normal("/healthz")
print("    from 127.0.0.1 meanwhile: %s" % ("answered (a slot was free)" if ok else "refused, as it should"))
if ok:
    failures.append("127.0.0.1 got an answer past its limit")
for h in held:
    h.join(timeout=limit + 35)
dt, ok = normal("/healthz")
print("    from 127.0.0.1 once they timed out: %s in %.1f ms" % ("200" if ok else "no answer", 1e3 * dt))
if not ok:
    failures.append("127.0.0.1 is not served again after its slow connections were closed")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PYEOF
n=$(grep -c 'closed a connection from 127\.0\.0\.[0-9]*: no whole request within 3 s' "$DLOG" || true)
[ "$n" -ge 37 ] || fail "the log names $n cut connections, expected at least the 37 that dripped"
say "the log names $n connections cut"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

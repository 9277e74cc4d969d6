#!/usr/bin/env bash
# Change points under attack (issue 11, item 3), against the real
# forkwatchd: a host with 600 kernels, a daemon just started, then 40
# concurrent GET /api/v1/changepoints of the same series while /healthz is
# asked every 50 ms: /healthz never waits behind them (it once waited 22
# s: each request searched the series again, holding one of the 32 store
# connections), the trend is computed once (the counters of /healthz),
# the step is found where it is, the host's page shares that trend, an
# upload makes it again (in the background) with the new kernel, and
# --kernels-per-hour bounds the kernels a host's token may add (429 with
# Retry-After; a kernel it has already uploaded is always taken).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db" --upload-rate 0 --kernels-per-hour 0
admin=(-H "Authorization: Bearer $(cat "$T/srv/admin.token")")
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-cp"}'
tok=$(jget "$T/body" 'd["token"]')

# doc.py N OUT: a document of kernel number N (order-0 fork 4% slower from 300 on)
cat >"$T/doc.py" <<'PYEOF'
import json, random, sys, uuid


def doc(i, rnd):
    mean = 5_000_000 * (1.04 if i >= 300 else 1.0) * (1 + rnd.gauss(0, 0.003))
    runs = [{"index": k, "ok": True, "error": None,
             "ns": [int(mean * (1 + rnd.gauss(0, 0.002))) for _ in range(3)], "counters": {}}
            for k in range(4)]
    commit = "%012x" % (0xc0ffee000000 + i)
    return {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
            "host": {"hostname": "lab-cp", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34,
                     "page_size": 4096},
            "kernel": {"release": "6.9.0-g" + commit, "commit": commit},
            "params": {"size_bytes": 1 << 30, "runs": 4, "iterations": 3, "warmup": 0},
            "cases": [{"workload": "fork", "layout": "order-0", "order": 0, "mapping": "pte",
                       "iterations": 3, "layout_check": {"ok": True, "reason": None},
                       "counters": {}, "runs_ok": 4, "runs": runs}]}
PYEOF

say "600 kernels on one host"
"$PY" - "$PORT" "$tok" "$T/doc.py" <<'PYEOF' || fail "uploads"
import http.client, json, random, sys
exec(open(sys.argv[3]).read())
port, tok = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
rnd = random.Random(9)
for i in range(600):
    c.request("POST", "/api/v1/runs", body=json.dumps(doc(i, rnd)), headers={"Authorization": "Bearer " + tok})
    r = c.getresponse()
    r.read()
    assert r.status == 201, (i, r.status)
PYEOF
stop_daemon

say "restarted: 40 concurrent change-point requests, /healthz every 50 ms"
start_daemon "$T/d2.log" --db "$T/srv/fw.db" --upload-rate 0 --kernels-per-hour 0
"$PY" - "$PORT" <<'PYEOF' || fail "change points under load"
import http.client, json, statistics, sys, threading, time

port = int(sys.argv[1])
path = "/api/v1/changepoints?host=lab-cp&workload=fork&layout=order-0"
answers, hz = [], []


def get(p):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("GET", p)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def cp():
    answers.append(get(path))


def healthz():
    # asked at least once, and on until the last answer: the 40 may all
    # be answered before this thread first runs when the trend is ready
    while True:
        t = time.monotonic()
        st, _ = get("/healthz")
        hz.append((time.monotonic() - t, st))
        if len(answers) >= 40:
            break
        time.sleep(0.05)


threads = [threading.Thread(target=cp) for _ in range(40)]
h = threading.Thread(target=healthz)
h.start()
for t in threads:
    t.start()
for t in threads:
    t.join()
h.join()
lat = sorted(x for x, _ in hz)
print("    /healthz: %d answers, median %.1f ms, max %.1f ms" % (len(lat), 1e3 * statistics.median(lat), 1e3 * lat[-1]))
assert all(st == 200 for _, st in hz), hz
assert lat[-1] < 1.0, "/healthz waited %.2f s behind the change-point requests" % lat[-1]
bodies = set(b for _, b in answers)
assert all(st == 200 for st, _ in answers) and len(bodies) == 1, "40 answers differ"
d = json.loads(answers[0][1])
assert len(d["kernels"]) == 600, len(d["kernels"])
cps = d["change_points"]
assert any(c["kernel"] == "%012x" % (0xc0ffee000000 + 300) and 3 < c["change_pct"] < 5 for c in cps), cps
t = json.loads(get("/healthz")[1])["trends"]
print("    trends:", t)
# computed once: by the first request or the background warm-up, whichever came first
assert t["computed"] == 1, t
st, _ = get("/hosts/lab-cp")
assert st == 200
t = json.loads(get("/healthz")[1])["trends"]
assert t["computed"] == 1 and t["hits"] >= 1, "the host's page computed it again: %s" % t
PYEOF

say "an upload makes the trend again, in the background, with the new kernel"
"$PY" - "$PORT" "$tok" "$T/doc.py" <<'PYEOF' || fail "after an upload"
import http.client, json, random, sys, time
exec(open(sys.argv[3]).read())
port, tok = int(sys.argv[1]), sys.argv[2]


def call(method, path, body=None, hdrs={}):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request(method, path, body=body, headers=hdrs)
    r = c.getresponse()
    b = r.read()
    return r.status, b


st, _ = call("POST", "/api/v1/runs", json.dumps(doc(600, random.Random(1))), {"Authorization": "Bearer " + tok})
assert st == 201, st
for _ in range(100):
    t = json.loads(call("GET", "/healthz")[1])["trends"]
    if t["background"] >= 1 and t["computed"] >= 2:
        break
    time.sleep(0.05)
print("    trends:", t)
assert t["background"] >= 1, "not made again in the background: %s" % t
st, b = call("GET", "/api/v1/changepoints?host=lab-cp&workload=fork&layout=order-0")
assert st == 200 and len(json.loads(b)["kernels"]) == 601, b[:300]
t2 = json.loads(call("GET", "/healthz")[1])["trends"]
assert t2["computed"] == t["computed"], "the request computed it again: %s then %s" % (t, t2)
PYEOF
stop_daemon

say "--kernels-per-hour 3: a fourth new kernel within the hour is refused (429), a known one is taken"
start_daemon "$T/d3.log" --db "$T/srv/fw.db" --kernels-per-hour 3
expect 201 POST /api/v1/hosts "${admin[@]}" -d '{"hostname": "lab-cp", "name": "lab-q"}'
tok2=$(jget "$T/body" 'd["token"]')
"$PY" - "$PORT" "$tok2" "$T/doc.py" <<'PYEOF' || fail "kernels per hour"
import http.client, json, random, sys
exec(open(sys.argv[3]).read())
port, tok = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(4)


def up(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/api/v1/runs", body=json.dumps(doc(i, rnd)), headers={"Authorization": "Bearer " + tok})
    r = c.getresponse()
    return r.status, r.getheader("Retry-After"), r.read()


for i in range(3):
    assert up(1000 + i)[0] == 201, i
st, ra, body = up(1003)
print("    fourth new kernel: %d, Retry-After %s: %s" % (st, ra, body.decode()[:160]))
assert st == 429 and ra and 0 < int(ra) <= 3600 and b"kernels-per-hour" in body, (st, ra, body)
st, _, _ = up(1001)
assert st == 201, "a known kernel refused: %d" % st
PYEOF
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
echo ok

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# /healthz under the change-point attack of issue 11, item 3: a host with
# KERNELS kernels (one upload each, the order-0 fork 4% slower from the
# middle on), a daemon just started (nothing computed), then REQUESTS
# concurrent GET /api/v1/changepoints?host=H&workload=fork&layout=order-0
# while a client asks /healthz every 50 ms: its latency (median, max),
# how long the change-point requests took, and (where the daemon says)
# how many times the trend was computed; then four concurrent host pages
# (every kernel).  The binaries side by side on
# the same database, REPEAT times: BEFORE (e.g. a build of main), AFTER
# (this tree's).  The database is made once by the older binary (a newer
# one migrates it; an older one refuses a newer schema).
#
#   flock /tmp/fw-machine.lock bench/attack-changepoints.sh
#   BEFORE=/tmp/fw-before/build/x86_64/forkwatchd flock /tmp/fw-machine.lock bench/attack-changepoints.sh
#
# Environment: BEFORE, AFTER (build/<arch>/forkwatchd), KERNELS (1500),
# REQUESTS (40), REPEAT (1), LIMIT (300: seconds one round may take).
# Needs python3 only; no root.  Figures land in bench/out/attack-changepoints-<date>/.
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

AFTER=${AFTER:-$FORKWATCHD}
BEFORE=${BEFORE:-}
KERNELS=${KERNELS:-1500}
REQUESTS=${REQUESTS:-40}
REPEAT=${REPEAT:-1}
LIMIT=${LIMIT:-300}
for v in KERNELS REQUESTS REPEAT LIMIT; do posint "$v" "${!v}"; done
[[ -x $AFTER ]] || die "no forkwatchd at $AFTER: run make (or set AFTER=)"
[[ -z $BEFORE || -x $BEFORE ]] || die "BEFORE=$BEFORE is not an executable"
OUT=$BENCH_DIR/out/attack-changepoints-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/db"
server_traps

# the database: KERNELS uploads by one host, through the oldest binary
FORKWATCHD=${BEFORE:-$AFTER}
daemon_start "$OUT/db/fw.db" "$OUT/make-db.log"
echo "making a host with $KERNELS kernels..." >&2
"$PY" - "$DAEMON_PORT" "$OUT/db" "$KERNELS" <<'PYEOF'
import http.client, json, os, random, sys, uuid

port, d, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
admin = open(os.path.join(d, "admin.token")).read().strip()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
c.request("POST", "/api/v1/hosts", body=json.dumps({"hostname": "lab-cp"}),
          headers={"Authorization": "Bearer " + admin})
r = c.getresponse()
tok = json.loads(r.read())["token"]
rnd = random.Random(3)
for i in range(n):
    mean = 5_000_000 * (1.04 if i >= n // 2 else 1.0) * (1 + rnd.gauss(0, 0.003))
    runs = [{"index": k, "ok": True, "error": None,
             "ns": [int(mean * (1 + rnd.gauss(0, 0.002))) for _ in range(3)], "counters": {}}
            for k in range(4)]
    commit = "%012x" % (0xa77ac0000000 + i)
    doc = {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
           "host": {"hostname": "lab-cp", "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34,
                    "page_size": 4096},
           "kernel": {"release": "6.9.0-g" + commit, "commit": commit},
           "params": {"size_bytes": 1 << 30, "runs": 4, "iterations": 3, "warmup": 0},
           "cases": [{"workload": "fork", "layout": "order-0", "order": 0, "mapping": "pte",
                      "iterations": 3, "layout_check": {"ok": True, "reason": None},
                      "counters": {}, "runs_ok": 4, "runs": runs}]}
    c.request("POST", "/api/v1/runs", body=json.dumps(doc), headers={"Authorization": "Bearer " + tok})
    r = c.getresponse()
    r.read()
    if r.status != 201:
        sys.exit("upload %d: %d" % (i, r.status))
PYEOF
daemon_stop

binaries=()
[[ -n $BEFORE ]] && binaries+=("before=$BEFORE")
binaries+=("after=$AFTER")
for ((r = 0; r < REPEAT; r++)); do
	for b in "${binaries[@]}"; do
		name=${b%%=*}
		FORKWATCHD=${b#*=}
		# each round from the same database, copied: a round never sees another's work
		rm -rf "$OUT/run" && cp -a "$OUT/db" "$OUT/run"
		daemon_start "$OUT/run/fw.db" "$OUT/$name-$r.log"
		"$PY" - "$DAEMON_PORT" "$REQUESTS" "$LIMIT" "$name" "$KERNELS" >>"$OUT/results.txt" <<'PYEOF'
import http.client, json, statistics, sys, threading, time

port, nreq, limit, name, kernels = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
path = "/api/v1/changepoints?host=lab-cp&workload=fork&layout=order-0"
done, times, codes, hz = [], [], [], []


def get(p, timeout):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("GET", p)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def cp():
    t = time.monotonic()
    try:
        st, _ = get(path, limit)
    except Exception:
        st = 0
    times.append(time.monotonic() - t)
    codes.append(st)


def healthz():
    # asked at least once, then on until the last answer (it may come first)
    while True:
        t = time.monotonic()
        try:
            st, _ = get("/healthz", limit)
        except Exception:
            st = 0
        hz.append((time.monotonic() - t, st))
        if len(times) >= nreq:
            break
        time.sleep(0.05)


def page(out):
    t = time.monotonic()
    try:
        st, _ = get("/hosts/lab-cp?last=all", limit)
    except Exception:
        st = 0
    out.append((time.monotonic() - t, st))


threads = [threading.Thread(target=cp) for _ in range(nreq)]
h = threading.Thread(target=healthz)
t0 = time.monotonic()
h.start()
for t in threads:
    t.start()
for t in threads:
    t.join()
h.join()
wall = time.monotonic() - t0
lat = sorted(x for x, _ in hz)
st, body = get("/healthz", 30)
trends = json.loads(body).get("trends", {})
# then the host's page (every kernel), four at once: what a browser pays
pages = []
pt = [threading.Thread(target=page, args=(pages,)) for _ in range(4)]
for t in pt:
    t.start()
for t in pt:
    t.join()
print("%-6s %s kernels, %d changepoint requests: all answered in %.1f s (each %.2f to %.2f s, %s); "
      "/healthz during: %d asked, median %.1f ms, max %.1f ms; trend computed %s time(s); "
      "then 4 x /hosts/lab-cp?last=all: %.2f to %.2f s (%s)"
      % (name, kernels, nreq, wall, min(times), max(times),
         ",".join("%d x%d" % (c, codes.count(c)) for c in sorted(set(codes))),
         len(lat), 1e3 * statistics.median(lat), 1e3 * lat[-1],
         trends.get("computed", "?"), min(x for x, _ in pages), max(x for x, _ in pages),
         ",".join(str(s) for _, s in pages)))
PYEOF
		tail -n 1 "$OUT/results.txt"
		daemon_stop
	done
done
echo "figures: $OUT/results.txt (a shared machine: others' work adds noise)"

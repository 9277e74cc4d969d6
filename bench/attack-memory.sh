#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Memory of forkwatchd under the request bodies of an attack (issue 11,
# item 2): its peak RSS (VmHWM) and its RSS a few seconds after, for
#   notoken-32x16M   32 connections with no token, each sending 16 MiB
#                    of a declared 16 MiB body and holding back the last bytes
#   token-1x16M      a host token, one 16 MiB {"a":[0,0,...]} body
#   token-8x16M      the same, eight at once
# Each case runs against a fresh daemon and database, the binaries side by
# side: BEFORE (e.g. a build of main) then AFTER (this tree's), case by case.
#
#   flock /tmp/fw-machine.lock bench/attack-memory.sh
#   BEFORE=/tmp/fw-before/build/x86_64/forkwatchd flock /tmp/fw-machine.lock bench/attack-memory.sh
#
# Environment: BEFORE (no default: only AFTER is measured without it),
# AFTER (build/<arch>/forkwatchd), MB (16), CONNS (32), REPEAT (1).
# Needs python3 only; no root.  Figures land in bench/out/attack-memory-<date>/.
set -euo pipefail
. "$(dirname "$0")/server-common.sh"

AFTER=${AFTER:-$FORKWATCHD}
BEFORE=${BEFORE:-}
MB=${MB:-16}
CONNS=${CONNS:-32}
REPEAT=${REPEAT:-1}
for v in MB CONNS REPEAT; do posint "$v" "${!v}"; done
[[ -x $AFTER ]] || die "no forkwatchd at $AFTER: run make (or set AFTER=)"
[[ -z $BEFORE || -x $BEFORE ]] || die "BEFORE=$BEFORE is not an executable"
OUT=$BENCH_DIR/out/attack-memory-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
server_traps

binaries=()
[[ -n $BEFORE ]] && binaries+=("before=$BEFORE")
binaries+=("after=$AFTER")

for ((r = 0; r < REPEAT; r++)); do
	for c in notoken-${CONNS}x${MB}M token-1x${MB}M token-8x${MB}M; do
		for b in "${binaries[@]}"; do
			name=${b%%=*}
			FORKWATCHD=${b#*=}
			dir=$OUT/$name-$c-$r
			mkdir -p "$dir"
			# bodies past the default 16M would be refused for their size, not measured
			daemon_start "$dir/fw.db" "$dir/forkwatchd.log" 0 --max-body $((MB + 1))M
			"$PY" - "$DAEMON_PORT" "$DAEMON_PID" "$dir" "$c" "$MB" "$CONNS" "$name" >>"$OUT/results.txt" <<'PYEOF'
import json, os, socket, sys, threading, time, urllib.request

port, pid, d, case, mb, conns, name = sys.argv[1:8]
port, pid, mb, conns = int(port), int(pid), int(mb), int(conns)


def status(key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024  # MiB
    return -1


admin = open(os.path.join(d, "admin.token")).read().strip()
req = urllib.request.Request("http://127.0.0.1:%d/api/v1/hosts" % port,
                             data=json.dumps({"hostname": "lab-m"}).encode(),
                             headers={"Authorization": "Bearer " + admin})
tok = json.load(urllib.request.urlopen(req))["token"]
time.sleep(0.5)
base = status("VmRSS")
body = b'{"a":[' + b"0," * (mb * (1 << 20) // 2 - 8) + b"0]}"
answers = []


def client(auth, hold):
    s = socket.create_connection(("127.0.0.1", port))
    hdr = "POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if auth:
        hdr += "Authorization: Bearer %s\r\n" % tok
    hdr += "Content-Length: %d\r\n\r\n" % len(body)
    data = b""
    try:
        s.sendall(hdr.encode())
        s.sendall(body[:len(body) - 16] if hold else body)
        if hold:
            time.sleep(3)  # the last bytes held back while the RSS is read
            s.sendall(body[len(body) - 16:])
    except OSError:
        pass  # refused before the body: the answer may be there still
    try:
        s.settimeout(120)
        while not data.endswith(b"}\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    answers.append(data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "closed")


if case.startswith("notoken"):
    threads = [threading.Thread(target=client, args=(False, True)) for _ in range(conns)]
else:
    n = int(case.split("-")[1].split("x")[0])
    threads = [threading.Thread(target=client, args=(True, False)) for _ in range(n)]
t0 = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
dt = time.monotonic() - t0
time.sleep(3)
peak, after = status("VmHWM"), status("VmRSS")
print("%-7s %-16s base %5d MiB  peak %5d MiB (+%d)  3 s after %5d MiB  %5.1f s  answers %s"
      % (name, case, base, peak, peak - base, after, dt,
         ",".join("%s x%d" % (a, answers.count(a)) for a in sorted(set(answers)))))
sys.stdout.flush()
PYEOF
			tail -n 1 "$OUT/results.txt"
			daemon_stop
		done
	done
done
echo "figures: $OUT/results.txt (a shared machine: others' work adds noise, not memory)"

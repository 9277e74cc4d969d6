#!/usr/bin/env bash
# kill -9 of the collector's upload commands (t0120 covers `forkwatch
# bench`): `forkwatch run` and `forkwatch agent` killed in the middle of
# their benchmark leave THP knobs changed and their journal; the next
# start of either restores every knob (all writable files under
# /sys/kernel/mm/transparent_hugepage compared before and after).  Killed
# at random moments (benchmark, spooling, retrying), the spool never
# holds a half-written result: every entry parses, a temporary file left
# by a dead writer is removed by the next start and never delivered, and
# a result delivered just before the kill (still spooled) is stored once.
# The knobs this test sets are put back at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
"$FW" run --help >/dev/null 2>&1 && "$FW" agent --help >/dev/null 2>&1 || skip "this forkwatch has no run/agent commands"
thp=/sys/kernel/mm/transparent_hugepage
[ -w $thp/hugepages-64kB/enabled ] || skip "no writable mTHP knob $thp/hugepages-64kB/enabled (kernel without mTHP)"

cat >"$T/knobs.py" <<'PYEOF'
# knobs.py snap FILE | peek FILE | set PATH=VALUE... | restore FILE | same A B
# Every writable file under the THP directory, read (or written) while
# holding the lock a benchmarking forkwatch holds, so that no benchmark
# is half-way through its changes meanwhile (peek: without the lock).
import fcntl, json, os, sys, time

THP = "/sys/kernel/mm/transparent_hugepage"


def locked():
    fd = os.open(THP, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            time.sleep(0.1)
    sys.exit("knobs.py: another forkwatch held %s for 2 minutes" % THP)


def choice(text):
    text = text.strip()
    if "[" in text:
        return text.split("[", 1)[1].split("]", 1)[0]
    return text


def snap():
    out = {}
    for d, _, files in os.walk(THP):
        for f in files:
            p = os.path.join(d, f)
            if os.stat(p).st_mode & 0o200:
                try:
                    out[p] = choice(open(p).read())
                except OSError:
                    pass
    return out


cmd = sys.argv[1]
if cmd in ("snap", "peek"):
    fd = locked() if cmd == "snap" else None
    json.dump(snap(), open(sys.argv[2], "w"), indent=1, sort_keys=True)
elif cmd == "set":
    fd = locked()
    for a in sys.argv[2:]:
        p, v = a.split("=", 1)
        open(os.path.join(THP, p), "w").write(v)
elif cmd == "restore":
    fd = locked()
    want = json.load(open(sys.argv[2]))
    now = snap()
    for p, v in want.items():
        if now.get(p) != v:
            open(p, "w").write(v)
elif cmd == "same":
    a, b = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
    diff = ["%s: %s -> %s" % (p, a.get(p), b.get(p)) for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]
    for d in diff:
        print("    " + d)
    sys.exit(1 if diff else 0)
PYEOF
knobs() { "$PY" "$T/knobs.py" "$@"; }
knobs snap "$T/orig.json" || fail "cannot read the knobs"
cleanup_hooks+=("'$PY' '$T/knobs.py' restore '$T/orig.json'")
# several sizes on, so that an order-4 layout must turn knobs off and on
sizes=()
for s in 16 32 128 512; do [ -w "$thp/hugepages-${s}kB/enabled" ] && sizes+=("hugepages-${s}kB/enabled=always"); done
knobs set hugepages-64kB/enabled=never "${sizes[@]}"
knobs snap "$T/before.json"
say "knobs before: $(grep -c . "$T/before.json") writable files, $(knobs same "$T/orig.json" "$T/before.json" | wc -l) set by this test"

spool=$FORKWATCH_STATE_DIR/spool
long=(--wait --size 128M --runs 1000 --iterations 200 --warmup 0 --layouts order-4,pmd --workloads fork --quiet)
small=(--wait --size 4M --runs 2 --iterations 3 --warmup 0 --layouts order-4 --workloads fork --quiet)
entries() { find "$spool" -maxdepth 1 -name '*.json' 2>/dev/null | sort; }
# wait_bench PID: until the journal holds a change and the knobs differ from before
wait_bench() {
	local i
	for i in $(seq 600); do
		kill -0 "$1" 2>/dev/null || { cat "$T/bg.err" >&2; fail "forkwatch exited before benchmarking"; }
		if [ -s "$FORKWATCH_STATE_DIR/knobs.journal" ] && knobs peek "$T/peek.json" &&
			! knobs same "$T/before.json" "$T/peek.json" >/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	fail "forkwatch changed no knob within 60 s"
}
# kill9 PID: SIGKILL, reaped; its benchmark worker dies with it
kill9() {
	kill -9 "$1"
	wait "$1" 2>/dev/null || true
	sleep 0.2
}
# fw CODE args...: forkwatch must exit CODE (waiting while another
# forkwatch benchmarks here); output in $T/out, $T/err
fw() {
	local want=$1 rc i
	shift
	for i in $(seq 60); do
		rc=0
		timeout 300 "$FW" "$@" >"$T/out" 2>"$T/err" || rc=$?
		grep -q 'another forkwatch is benchmarking' "$T/err" || break
		sleep 2
	done
	[ $rc -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "forkwatch $1: exit $rc, expected $want"; }
}
# start_bg args...: forkwatch in the background, once no other forkwatch benchmarks; sets $bg
start_bg() {
	local i
	for i in $(seq 60); do
		"$FW" "$@" >"$T/bg.out" 2>"$T/bg.err" &
		bg=$!
		sleep 0.3
		if ! kill -0 $bg 2>/dev/null && grep -q 'another forkwatch is benchmarking' "$T/bg.err"; then
			wait $bg || true
			sleep 2
			continue
		fi
		return 0
	done
	fail "another forkwatch kept benchmarking for 2 minutes"
}
spool_ok() { # every entry parses as a result document; nothing temporary visible as a result
	"$PY" - "$spool" <<'PYEOF' || fail "spool check"
import json, os, sys
d = sys.argv[1]
names = sorted(os.listdir(d)) if os.path.isdir(d) else []
for n in names:
    p = os.path.join(d, n)
    if n.endswith(".json"):
        doc = json.load(open(p))
        assert doc["format"] == "forkwatch-result/1" and n.endswith(doc["run_uuid"] + ".json"), n
        assert os.stat(p).st_mode & 0o777 == 0o600, "%s: mode %o" % (n, os.stat(p).st_mode & 0o777)
    elif n.startswith(".tmp-") or n == "rejected":
        pass
    else:
        raise AssertionError("unknown file in the spool: " + n)
print("    spool: %d entries, all whole" % len([n for n in names if n.endswith(".json")]))
PYEOF
}

mkdir -p "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
fw 0 register --server "$URL" --admin-token-file "$T/srv/admin.token" --name lab-k9 --token-file "$T/host.token"
dead=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

for cmd in run agent; do
	say "forkwatch $cmd killed in its benchmark: the next forkwatch $cmd restores every knob"
	# agent benchmarks a kernel without results: a commit of its own each time
	commit=$(printf '%012x' $((RANDOM * 32768 + RANDOM)))
	start_bg $cmd --server "$URL" --token-file "$T/host.token" --kernel-commit "$commit" "${long[@]}"
	wait_bench $bg
	kill9 $bg
	knobs snap "$T/killed.json"
	if knobs same "$T/before.json" "$T/killed.json" >"$T/diff"; then
		fail "no knob changed when killed"
	fi
	say "    changed when killed: $(wc -l <"$T/diff") knob(s); journal: $(wc -l <"$FORKWATCH_STATE_DIR/knobs.journal") line(s)"
	spool_ok
	fw 0 $cmd --server "$URL" --token-file "$T/host.token" --kernel-commit "$commit" "${small[@]}"
	grep -q 'restored [1-9][0-9]* knob' "$T/err" || { cat "$T/err"; fail "forkwatch $cmd did not say it restored knobs"; }
	say "    $(grep -m1 'restored' "$T/err")"
	knobs snap "$T/after.json"
	knobs same "$T/before.json" "$T/after.json" || fail "knobs differ after the next forkwatch $cmd"
	[ ! -e "$FORKWATCH_STATE_DIR/knobs.journal" ] || fail "journal left"
	[ -z "$(entries)" ] || fail "the spool is not empty after a delivered run: $(entries)"
done

say "killed at random moments while the server is away: no half-written result"
for _ in $(seq 8); do
	start_bg run --server "http://127.0.0.1:$dead" --token-file "$T/host.token" --retry-for 30 \
		--size 32M --runs 4 --iterations 100 --warmup 0 --layouts order-4 --workloads fork --quiet
	sleep "$("$PY" -c 'import random; print(round(random.uniform(0, 1.2), 2))')"
	kill9 $bg
	spool_ok
done
n_spooled=$(entries | wc -l)
say "    $n_spooled of 8 got as far as the spool"

say "a temporary file of a dead writer, and a result delivered just before a kill"
"$PY" "$top/tests/e2e/daemon-doc.py" make --hostname "$(hostname)" --out "$T/early.json"
dead_pid=$(sh -c 'echo $$')
head -c 700 "$T/early.json" >"$spool/.tmp-$dead_pid-0"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $(sed -n 's/^token=//p' "$T/host.token")" \
	--data-binary @"$T/early.json"
early=$(jget "$T/early.json" 'd["run_uuid"]')
cp "$T/early.json" "$spool/00000000000000000001-$early.json"
chmod 600 "$spool/00000000000000000001-$early.json"
want=$(($(entries | wc -l) + 1))
fw 0 run --server "$URL" --token-file "$T/host.token" "${small[@]}"
grep -q "delivered $want result" "$T/err" || { cat "$T/err"; fail "expected $want results delivered"; }
[ -z "$(find "$spool" -mindepth 1 -maxdepth 1 ! -name rejected)" ] || fail "the spool is not empty: $(ls -la "$spool")"
knobs snap "$T/after.json"
knobs same "$T/before.json" "$T/after.json" || fail "knobs differ at the end"
stop_daemon
"$PY" - "$T/srv/fw.db" "$early" <<'PYEOF' || fail "database"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
dup = c.execute("SELECT uuid, count(*) FROM runs GROUP BY uuid HAVING count(*) > 1").fetchall()
assert not dup, dup
n = c.execute("SELECT count(*) FROM runs WHERE uuid = ?", (sys.argv[2],)).fetchone()[0]
assert n == 1, n
print("    %d runs stored, each once" % c.execute("SELECT count(*) FROM runs").fetchone()[0])
PYEOF
echo ok

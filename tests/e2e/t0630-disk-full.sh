#!/usr/bin/env bash
# Disk full during ingest: the database on a small tmpfs that is then
# filled.  An upload is answered 507 with the JSON error shape (also when
# tried again), reads still work, PRAGMA integrity_check is ok and the
# runs stored before are intact; `forkwatch run` keeps its result in its
# spool (an entry of mode 0600 that parses, no temporary file) and gives
# up after --retry-for (exit 3); a spool on the full disk itself fails
# cleanly.  Once space is freed the next `forkwatch run` delivers the
# spooled result and its own, and each run is stored exactly once.
# (bench/durability.sh measures kill -9 of the daemon; this is ENOSPC.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
DOC="$PY $top/tests/e2e/daemon-doc.py"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
"$FW" run --help >/dev/null 2>&1 || skip "this forkwatch was built without upload support"
mnt=$T/mnt
mkdir -p "$mnt"
mount -t tmpfs -o size=6m,mode=700 forkwatch-t0630 "$mnt" 2>"$T/mount.err" ||
	skip "cannot mount a tmpfs: $(head -1 "$T/mount.err")"
cleanup_hooks+=("stop_daemon quiet; umount '$mnt'")
db=$mnt/fw.db
spool=$T/spool
bench=(--wait --size 4M --runs 2 --iterations 3 --warmup 0 --layouts order-0 --workloads fork --quiet)
entries() { find "$1" -maxdepth 1 -name '*.json' 2>/dev/null | sort; }
# fw CODE args...: forkwatch must exit CODE (waiting while another
# forkwatch benchmarks on this machine); output in $T/out, $T/err
fw() {
	local want=$1 rc i
	shift
	for i in $(seq 60); do
		rc=0
		timeout 120 "$FW" "$@" >"$T/out" 2>"$T/err" || rc=$?
		grep -q 'another forkwatch is benchmarking' "$T/err" || break
		sleep 2
	done
	[ $rc -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "forkwatch $1: exit $rc, expected $want"; }
}
dbcheck() { # RUNS: integrity, foreign keys, the number of runs
	"$PY" - "$db" "$1" <<'PYEOF' || fail "database check"
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
r = c.execute("PRAGMA integrity_check").fetchall()
assert r == [("ok",)], r
assert c.execute("PRAGMA foreign_key_check").fetchall() == []
n = c.execute("SELECT count(*) FROM runs").fetchone()[0]
assert n == int(sys.argv[2]), "%d runs, expected %s" % (n, sys.argv[2])
dup = c.execute("SELECT uuid, count(*) FROM runs GROUP BY uuid HAVING count(*) > 1").fetchall()
assert not dup, dup
print("    integrity ok, %d runs, each once" % n)
PYEOF
}

say "the database on a 6 MiB tmpfs; three runs stored"
start_daemon "$T/d.log" --db "$db"
fw 0 register --server "$URL" --admin-token-file "$mnt/admin.token" --name lab-df --token-file "$T/host.token"
tok=$(sed -n 's/^token=//p' "$T/host.token")
auth=(-H "Authorization: Bearer $tok")
for i in 1 2 3; do
	$DOC make --hostname "$(hostname)" --out "$T/doc$i.json"
	expect 201 POST /api/v1/runs "${auth[@]}" --data-binary @"$T/doc$i.json"
	expect 200 GET "/api/v1/runs/$i"
	cp "$T/body" "$T/run$i.json"
done

say "the WAL checkpointed and truncated, then the disk filled"
"$PY" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
busy, log, done = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
assert busy == 0, "checkpoint busy"' "$db" || fail "checkpoint"
cat /dev/zero >"$mnt/fill" 2>/dev/null || true
avail=$(df --output=avail -B1 "$mnt" | tail -1 | tr -d ' ')
[ "$avail" -lt 65536 ] || fail "the tmpfs still has $avail bytes"
say "    $(df -h --output=size,used,avail "$mnt" | tail -1)"

say "an upload: 507 with a JSON error, again on retry; reads still answered"
$DOC make --hostname "$(hostname)" --out "$T/full.json"
full_uuid=$(jget "$T/full.json" 'd["run_uuid"]')
for i in 1 2; do
	expect_error 507 - "disk is full" POST /api/v1/runs "${auth[@]}" --data-binary @"$T/full.json"
done
expect 200 GET /api/v1/hosts
expect 200 GET /api/v1/kernels
grep -q 'the disk holding the database is full' "$DLOG" || fail "the log does not say the disk is full"
dbcheck 3
for i in 1 2 3; do
	expect 200 GET "/api/v1/runs/$i"
	cmp -s "$T/body" "$T/run$i.json" || fail "run $i reads back differently after the failed uploads"
	$DOC check-run "$T/doc$i.json" "$T/body" lab-df || fail "run $i does not match its document"
done

say "forkwatch run: the server answers 507, the result stays spooled (exit 3)"
fw 3 run --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 4 "${bench[@]}"
grep -q 'answered 507' "$T/err" || fail "no 507 in forkwatch's output: $(cat "$T/err")"
say "    $(grep -m1 'answered 507' "$T/err")"
[ "$(entries "$spool" | wc -l)" = 1 ] || fail "expected 1 spooled result: $(ls -la "$spool")"
entry=$(entries "$spool")
[ "$(stat -c %a "$entry")" = 600 ] || fail "spool entry mode $(stat -c %a "$entry")"
[ "$(stat -c %a "$spool")" = 700 ] || fail "spool directory mode $(stat -c %a "$spool")"
spooled=$(jget "$entry" 'd["run_uuid"]') || fail "the spooled entry does not parse"
[ -z "$(find "$spool" -maxdepth 1 -name '.tmp-*')" ] || fail "a temporary file is left in the spool"
dbcheck 3

say "a spool on the full disk: a clear error, nothing half-written"
fw 2 run --server "$URL" --token-file "$T/host.token" --spool "$mnt/spool" --retry-for 4 "${bench[@]}"
grep -qi 'no space left on device' "$T/err" || fail "no ENOSPC in: $(cat "$T/err")"
say "    $(grep -i -m1 'no space' "$T/err")"
[ "$(wc -l <"$T/err")" -le 2 ] || fail "not one clear line: $(cat "$T/err")"
[ -z "$(find "$mnt/spool" -maxdepth 1 -type f 2>/dev/null)" ] || fail "files left in the full spool: $(ls -la "$mnt/spool")"

say "space freed: the next forkwatch run delivers the spooled result and its own"
rm -f "$mnt/fill"
fw 0 run --server "$URL" --token-file "$T/host.token" --spool "$spool" --retry-for 30 "${bench[@]}"
[ -z "$(entries "$spool")" ] || fail "the spool is not empty: $(entries "$spool")"
grep -q 'delivered 2 result' "$T/err" || fail "not 2 results delivered: $(cat "$T/err")"
expect 201 POST /api/v1/runs "${auth[@]}" --data-binary @"$T/full.json"
expect 200 POST /api/v1/runs "${auth[@]}" --data-binary @"$T/full.json"
jcheck "$T/body" 'd["created"] is False' "the refused upload, sent again"
dbcheck 6
"$PY" - "$db" "$spooled" "$full_uuid" <<'PYEOF' || fail "runs stored once"
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for u in sys.argv[2:]:
    n = c.execute("SELECT count(*) FROM runs WHERE uuid = ?", (u,)).fetchone()[0]
    assert n == 1, "%s stored %d times" % (u, n)
PYEOF
expect 200 GET /api/v1/hosts/lab-df
jcheck "$T/body" 'd["host"]["uploads"] == 6' "6 uploads"

stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exited $drc"
dbcheck 6
echo ok

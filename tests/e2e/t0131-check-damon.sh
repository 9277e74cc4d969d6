#!/usr/bin/env bash
# forkwatch check reports the DAMON kdamonds running on this machine, with
# their operations set and their schemes' actions as sysfs has them, and
# exits 1 for them.
. "$(dirname "$0")/lib.sh"
[ -x "$FW" ] || fail "no $FW: run make first"
kd=/sys/kernel/mm/damon/admin/kdamonds
[ -d "$kd" ] || skip "no DAMON sysfs interface ($kd): kernel without CONFIG_DAMON_SYSFS"
on=
for s in "$kd"/[0-9]*/state; do
	[ -r "$s" ] && [ "$(cat "$s")" = on ] && on="$on $(basename "$(dirname "$s")")"
done
[ -n "$on" ] || skip "no DAMON kdamond is on here ($(cat "$kd/nr_kdamonds") configured, none running)"

rc=0
"$FW" check --interval 0 >"$T/out" 2>"$T/err" || rc=$?
cat "$T/out"
[ $rc -eq 1 ] || fail "a kdamond is on, but check exits $rc"
grep "^damon " "$T/out" >"$T/damon" || fail "no damon line"
grep -q "^damon *noisy " "$T/damon" || fail "damon not noisy"
"$FW" check --interval 0 --json >"$T/out.json" || true
for i in $on; do
	line="kdamond $i on"
	pid=$(cat "$kd/$i/pid")
	[ "$pid" -gt 0 ] 2>/dev/null && line="$line (pid $pid)"
	ops=$(cat "$kd/$i/contexts/0/operations" 2>/dev/null || true)
	[ -z "$ops" ] || line="$line: $ops"
	grep -qF "$line" "$T/damon" || fail "the damon line lacks '$line': $(cat "$T/damon")"
	n=$(cat "$kd/$i/contexts/0/schemes/nr_schemes" 2>/dev/null || echo 0)
	for ((k = 0; k < n && k < 8; k++)); do
		a=$(cat "$kd/$i/contexts/0/schemes/$k/action")
		grep -q "scheme.* $a\b\|scheme $a\b" "$T/damon" || fail "scheme action '$a' of kdamond $i not reported"
	done
	"$PY" - "$T/out.json" "$i" "$ops" "$n" "$kd" <<'PYEOF' || fail "--json: kdamond $i"
import json, sys
d = json.load(open(sys.argv[1]))
i, ops, n, kd = int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
k = [k for k in d["damon"]["kdamonds"] if k["index"] == i][0]
assert k["state"] == "on", k
c = k["contexts"][0]
assert c["operations"] == ops and c["nr_schemes"] == n, c
want = [open("%s/%d/contexts/0/schemes/%d/action" % (kd, i, s)).read().strip() for s in range(min(n, 8))]
assert c["actions"] == want, (c, want)
assert "damon" in d["noisy"], d["noisy"]
PYEOF
	say "ok: $line, $n scheme(s)"
done
echo ok

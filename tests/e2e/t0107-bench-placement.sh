#!/usr/bin/env bash
# --placement pins: with same the worker and every fork child run on one
# CPU, with split each child moves to a second CPU before it exits, with
# free no affinity is set.  Checked from the document (the CPUs the worker
# and the children saw, sched_getcpu) and, for same, from outside: the
# CPU affinity and the processor field (/proc/PID/stat) of the running
# worker and its children.  The table and the noise snapshot name the CPUs.
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
read -r P C < <("$PY" -c 'import os; c = sorted(os.sched_getaffinity(0)); print(c[-1], c[-2] if len(c) > 1 else -1)')

bench() { # PLACEMENT OUT [options]
	local pl=$1 out=$2 rc=0
	shift 2
	"$FW" bench --wait --quiet --placement "$pl" --size 16M --runs 2 --iterations 5 --warmup 1 \
		--layouts order-0 "$@" --json "$out.json" >"$out.table" 2>"$out.err" || rc=$?
	[ $rc -eq 0 ] || { cat "$out.err"; fail "bench --placement $pl exited $rc"; }
}

# check_doc FILE PLACEMENT PARENT CHILD: params and every run's CPUs
check_doc() {
	"$PY" - "$@" <<'PYEOF' || fail "$1: placement $2 not as recorded"
import json, sys
doc, pl, parent, child = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def check(c, m):
    if not c: print("FAIL:", m); sys.exit(1)
p = doc["params"]
check(p["placement"] == pl, "params.placement %r" % p.get("placement"))
if pl == "free":
    check(p["placement_cpus"] is None, "free pins nothing: %r" % p["placement_cpus"])
else:
    check(p["placement_cpus"] == {"parent": parent, "child": child}, "placement_cpus %r" % p["placement_cpus"])
    want = str(parent) if parent == child else ",".join(map(str, sorted({parent, child})))
    check(doc["noise"]["cpus"] in (want, "%d-%d" % (min(parent, child), max(parent, child))),
          "noise snapshot of the CPUs in use: %r" % doc["noise"]["cpus"])
n = 0
for c in doc["cases"]:
    for r in c["runs"]:
        check(r["ok"], "%s run %d failed: %s" % (c["workload"], r["index"], r["error"]))
        cpus = r["cpus"]
        check(cpus["parent"], "no CPU seen for the worker")
        if pl != "free":
            check(cpus["parent"] == [parent], "%s run %d: worker on %r" % (c["workload"], r["index"], cpus))
        if c["workload"] == "fork":
            check(cpus["child"], "no CPU seen for the children")
            if pl != "free":
                check(cpus["child"] == [child], "fork run %d: children on %r" % (r["index"], cpus))
        else:
            check("child" not in cpus, "munmap forks no child")
        n += 1
print("%s: %d runs as placed" % (pl, n))
PYEOF
}

say "--placement same: worker and children on CPU $P"
bench same "$T/same" --workloads fork,munmap
check_doc "$T/same.json" same "$P" "$P"
grep -q "^placement same (parent and child on CPU $P)$" "$T/same.table" ||
	{ cat "$T/same.table"; fail "the table does not name the placement"; }

say "--placement same, seen from outside: the running worker's and its children's affinity and CPU"
"$FW" bench --wait --quiet --placement same --size 64M --runs 3 --iterations 300 --warmup 1 \
	--layouts order-0 --workloads fork --json "$T/same2.json" >/dev/null 2>"$T/same2.err" &
fw=$!
: >"$T/seen"
while kill -0 "$fw" 2>/dev/null; do
	for w in $(cat /proc/"$fw"/task/*/children 2>/dev/null); do
		for pid in "$w" $(cat /proc/"$w"/task/*/children 2>/dev/null); do
			a=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/"$pid"/status 2>/dev/null) || continue
			# the processor field (39th) counted after the ")" that ends the name
			cpu=$(sed 's/.*) //' /proc/"$pid"/stat 2>/dev/null | cut -d' ' -f37) || continue
			[ -n "$a" ] && [ -n "$cpu" ] && echo "$pid $a $cpu" >>"$T/seen"
		done
	done
	sleep 0.05
done
wait "$fw" || { cat "$T/same2.err"; fail "bench --placement same (long) failed"; }
[ -s "$T/seen" ] || skip "the workers ended before /proc could be read"
sort -u -k2 "$T/seen" | head
awk -v p="$P" '$2 != p || $3 != p { bad = 1 } END { exit bad }' "$T/seen" ||
	fail "a worker or child ran outside CPU $P (pid, Cpus_allowed_list, processor above)"
echo "$(wc -l <"$T/seen") samples, all on CPU $P"
check_doc "$T/same2.json" same "$P" "$P"

if [ "$C" -ge 0 ]; then
	say "--placement split: worker on CPU $P, children moved to CPU $C"
	bench split "$T/split"
	check_doc "$T/split.json" split "$P" "$C"
	grep -q "^placement split (parent on CPU $P, child on CPU $C)$" "$T/split.table" ||
		{ cat "$T/split.table"; fail "the table does not name the placement"; }
	say "--placement split refused on one CPU"
	command -v taskset >/dev/null || skip "needs taskset (util-linux)"
	expect_fail "split on one CPU" "needs two CPUs; this process may run on CPU $P only" \
		taskset -c "$P" "$FW" bench --wait --quiet --placement split --size 16M --runs 1
else
	echo "one CPU allowed here: split not tried"
fi

say "--placement free: no affinity set"
bench free "$T/free"
check_doc "$T/free.json" free -1 -1

say "a wrong --placement"
expect_fail "--placement sideways" "--placement 'sideways': expected same, split or free" \
	"$FW" bench --placement sideways --size 16M

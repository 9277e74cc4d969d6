#!/usr/bin/env bash
# bench --tune changes knobs for the length of a run only: on a
# constructed noisy machine (FORKWATCH_SYSROOT: every knob --tune knows,
# DAMON to the governor) and on this machine's own DAMON and khugepaged
# where they run.  The document records what was tuned; every knob comes
# back at the end, after a SIGKILL by 'forkwatch restore' and by the next
# bench, as the THP knobs do (t0120).
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
TREE="$PY $(dirname "$0")/noise-tree.py"
R=$T/root
$TREE noisy "$R"
thp=/sys/kernel/mm/transparent_hugepage
kd=/sys/kernel/mm/damon/admin/kdamonds
choice() { local v; v=$(cat "$1"); case $v in *\[*) v=${v#*[}; v=${v%%]*} ;; esac; echo "$v"; }

# the fixture's knobs: path, its value now, the value --tune sets
fixture_knobs=(
	"$R$kd/0/state on off"
	"$R$thp/khugepaged/pages_to_scan 4096 1"
	"$R$thp/khugepaged/scan_sleep_millisecs 10000 86400000"
	"$R$thp/khugepaged/defrag 1 0"
	"$R/sys/kernel/mm/ksm/run 1 0"
	"$R/proc/sys/kernel/numa_balancing 1 0"
	"$R$thp/defrag always madvise"
	"$R/sys/devices/system/cpu/cpufreq/policy0/scaling_governor schedutil performance"
	"$R/sys/devices/system/cpu/intel_pstate/no_turbo 0 1"
)
# fixture_are orig|tuned: every fixture knob holds that value
fixture_are() {
	local k path orig tuned want
	for k in "${fixture_knobs[@]}"; do
		read -r path orig tuned <<<"$k"
		want=$orig
		[ "$1" = tuned ] && want=$tuned
		[ "$(choice "$path")" = "$want" ] || { echo "${path#"$R"} is '$(choice "$path")', expected '$want'"; return 1; }
	done
}
fixture_are orig || fail "the fixture is not as made"

say "bench --tune on the constructed machine: the document says what was tuned; all restored at the end"
FORKWATCH_SYSROOT=$R "$FW" bench --wait --tune --size 4M --runs 2 --iterations 2 --warmup 0 --layouts order-0 \
	--workloads fork --quiet --json "$T/doc.json" >"$T/table" 2>"$T/err" || { cat "$T/err"; fail "bench --tune"; }
fixture_are orig || fail "after bench --tune: $(fixture_are orig)"
"$PY" - "$T/doc.json" "$R" <<'PYEOF' || fail "the document's noise"
import json, sys
d, root = json.load(open(sys.argv[1]))["noise"], sys.argv[2]
t = {(x["knob"][len(root):], x["from"], x["to"]) for x in d["tuned"]}
want = {("/sys/kernel/mm/damon/admin/kdamonds/0/state", "on", "off"),
        ("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan", "4096", "1"),
        ("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs", "10000", "86400000"),
        ("/sys/kernel/mm/transparent_hugepage/khugepaged/defrag", "1", "0"),
        ("/sys/kernel/mm/ksm/run", "1", "0"),
        ("/proc/sys/kernel/numa_balancing", "1", "0"),
        ("/sys/kernel/mm/transparent_hugepage/defrag", "always", "madvise"),
        ("/sys/devices/system/cpu/cpufreq/policy0/scaling_governor", "schedutil", "performance"),
        ("/sys/devices/system/cpu/intel_pstate/no_turbo", "0", "1")}
assert t == want, (t ^ want)
st = {s["name"]: s["status"] for s in d["sources"]}
# measured under: the tuned sources quiet, the rest as they were
for n in ("damon", "khugepaged", "ksm", "numa_balancing", "governor", "boost"):
    assert st[n] == "quiet", (n, st[n])
for n in ("thp", "smt", "load", "hypervisor"):   # thp: enabled always is not forkwatch's
    assert st[n] == "noisy", (n, st[n])
assert d["during"]["seconds"] >= 0 and d["during"]["cpus"] == "0-3", d["during"]
print("    tuned: %d knobs; noisy while measured: %s" % (len(t), " ".join(d["noisy"])))
PYEOF
grep -q "^noise sources active: thp smt load" "$T/table" || { cat "$T/table"; fail "the table does not name the noise"; }

# start_tuned PRED: a long bench --tune in the background ($pid), until PRED holds
# (it waits its turn behind other benchmarks: --wait)
start_tuned() {
	local pred=$1 i
	"$FW" bench --wait --tune --size 64M --runs 1000 --iterations 1000 --layouts order-0 \
		--workloads fork --quiet >/dev/null 2>"$T/bg.err" &
	pid=$!
	for i in $(seq 1 24000); do
		$pred >/dev/null && [ -s "$FORKWATCH_STATE_DIR/knobs.journal" ] && return 0
		kill -0 $pid 2>/dev/null || { cat "$T/bg.err"; fail "bench --tune exited"; }
		# another benchmark holds the machine: wait as long as it says so
		[ "$i" -lt 300 ] || grep -q waiting "$T/bg.err" || break
		sleep 0.05
	done
	kill -9 $pid
	fail "bench --tune did not tune: $($pred)"
}
kill9() {
	sleep 0.3
	kill -9 $pid
	wait $pid 2>/dev/null || true
	sleep 0.2
}

say "kill -9 mid-run, then forkwatch restore"
export FORKWATCH_SYSROOT=$R
start_tuned "fixture_are tuned"
kill9
fixture_are tuned || fail "knobs changed back without a restore? $(fixture_are tuned)"
for k in "${fixture_knobs[@]}"; do
	grep -q "^${k%% *}	" "$FORKWATCH_STATE_DIR/knobs.journal" || fail "the journal lacks ${k%% *}"
done
"$FW" restore --wait | tee "$T/restore.out"
grep -q "restored \(9\|[1-9][0-9]\) knob" "$T/restore.out" || fail "restore did not restore the 9 knobs and more"
fixture_are orig || fail "after restore: $(fixture_are orig)"
[ ! -e "$FORKWATCH_STATE_DIR/knobs.journal" ] || fail "journal left after restore"

say "kill -9 mid-run, then the next bench restores at start"
start_tuned "fixture_are tuned"
kill9
"$FW" bench --wait --size 4M --runs 1 --iterations 1 --warmup 0 --layouts order-0 --workloads fork \
	>/dev/null 2>"$T/err"
grep -q "restored [1-9][0-9]* knob" "$T/err" || { cat "$T/err"; fail "bench did not say it restored"; }
fixture_are orig || fail "after the next bench: $(fixture_are orig)"
unset FORKWATCH_SYSROOT

say "this machine's own knobs"
# path, value now, value --tune sets: for what runs here
real=()
for s in "$kd"/[0-9]*/state; do
	[ -w "$s" ] && [ "$(cat "$s")" = on ] && real+=("$s on off") &&
		cleanup_hooks+=("[ \"\$(cat $s)\" = on ] || echo on > $s")
done
if [ -r $thp/khugepaged/scan_sleep_millisecs ] && [ "$(cat $thp/khugepaged/scan_sleep_millisecs)" -lt 3600000 ] &&
	{ [ "$(choice $thp/enabled)" != never ] || grep -qv never $thp/hugepages-*/enabled 2>/dev/null; }; then
	for k in "pages_to_scan 1" "scan_sleep_millisecs 86400000" "defrag 0"; do
		f=$thp/khugepaged/${k% *}
		v=$(cat "$f")
		[ "$v" = "${k#* }" ] && continue
		real+=("$f $v ${k#* }")
		cleanup_hooks+=("echo $v > $f")
	done
fi
if [ ${#real[@]} -eq 0 ]; then
	say "skip: no DAMON kdamond runs and khugepaged is paused here: nothing of this machine's to tune"
	echo ok
	exit 0
fi
real_are() {
	local k path orig tuned want
	for k in "${real[@]}"; do
		read -r path orig tuned <<<"$k"
		want=$orig
		[ "$1" = tuned ] && want=$tuned
		[ "$(choice "$path")" = "$want" ] || { echo "$path is '$(choice "$path")', expected '$want'"; return 1; }
	done
}
printf '    %s\n' "${real[@]}"
start_tuned "real_are tuned"
kill9
real_are tuned || fail "this machine's knobs changed back without a restore? $(real_are tuned)"
"$FW" restore --wait | tee "$T/restore.out"
real_are orig || fail "after restore: $(real_are orig)"
for s in "$kd"/[0-9]*/state; do
	[ "$(cat "$s")" = on ] || continue
	[ "$(cat "$(dirname "$s")/pid")" -gt 0 ] || fail "kdamond $(dirname "$s") on without a pid"
done
echo ok

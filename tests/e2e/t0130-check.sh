#!/usr/bin/env bash
# forkwatch check: --help, errors (exit 2), a quiet machine (exit 0) and a
# noisy one (exit 1) as constructed /proc and /sys trees
# (FORKWATCH_SYSROOT), --json, --cpus; then this machine, whose report
# and exit status must agree.
. "$(dirname "$0")/lib.sh"
[ -x "$FW" ] || fail "no $FW: run make first"
TREE="$PY $(dirname "$0")/noise-tree.py"
names="damon khugepaged ksm numa_balancing thp governor boost smt isolated_cpus load steal hypervisor"

# run_check OUT [args...]: forkwatch check's exit status in $rc, stdout in OUT, stderr in $T/err
run_check() {
	local out=$1
	shift
	rc=0
	"$FW" check "$@" >"$out" 2>"$T/err" || rc=$?
}

say "--help"
run_check "$T/help" --help
[ $rc -eq 0 ] || fail "--help: exit $rc"
grep -q "usage: forkwatch check" "$T/help" || fail "--help lacks the usage line"
grep -q "0 when the machine is quiet, 1 when something will add noise" "$T/help" ||
	fail "--help does not say the exit statuses"
"$FW" --help | grep -q "^  check " || fail "forkwatch --help does not list check"

say "errors: one line, exit 2"
for args in "--bogus" "--interval -1" "--interval x" "--cpus 3-1" "--cpus ,"; do
	# shellcheck disable=SC2086
	run_check "$T/out" $args
	[ $rc -eq 2 ] || fail "check $args: exit $rc, expected 2"
	[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "check $args: not one line"; }
	say "ok: check $args -> $(cat "$T/err")"
done
FORKWATCH_SYSROOT=$T/nowhere run_check "$T/out" --interval 0
[ $rc -eq 2 ] || fail "a root without /proc: exit $rc, expected 2"
grep -q "cannot read '$T/nowhere/proc/stat'" "$T/err" || { cat "$T/err"; fail "the error does not name /proc/stat"; }

say "a quiet machine: exit 0"
$TREE quiet "$T/quiet"
FORKWATCH_SYSROOT=$T/quiet run_check "$T/quiet.out" --interval 0 --cpus 2-3
cat "$T/quiet.out"
[ $rc -eq 0 ] || fail "quiet tree: exit $rc, expected 0"
for n in $names; do grep -q "^$n " "$T/quiet.out" || fail "no line for $n"; done
grep -q "^quiet: no known noise source is active" "$T/quiet.out" || fail "no 'quiet' summary"
grep -q "^CPUs in use: 2-3 (the benchmark's)" "$T/quiet.out" || fail "--cpus not used"
! grep -q " noisy " "$T/quiet.out" || fail "a noisy source on the quiet tree"
# every online CPU: 0-1 are not isolated, which is advice, not noise
FORKWATCH_SYSROOT=$T/quiet run_check "$T/quiet2.out" --interval 0
[ $rc -eq 0 ] || fail "quiet tree, every CPU: exit $rc"
grep -q "^isolated_cpus *info *CPUs 2-3 isolated, but not all CPUs in use" "$T/quiet2.out" ||
	fail "isolated CPUs not reported as advice"

say "a noisy machine: exit 1, each source with its state and advice"
$TREE noisy "$T/noisy"
FORKWATCH_SYSROOT=$T/noisy run_check "$T/noisy.out" --interval 0
cat "$T/noisy.out"
[ $rc -eq 1 ] || fail "noisy tree: exit $rc, expected 1"
grep -q "^damon *noisy *kdamond 0 on (pid 83): paddr, scheme pageout" "$T/noisy.out" || fail "DAMON line"
for n in khugepaged ksm numa_balancing thp governor boost smt load steal hypervisor; do
	grep -q "^$n *noisy " "$T/noisy.out" || fail "$n not noisy"
done
[ "$(grep -c '^ *-> ' "$T/noisy.out")" -ge 11 ] || fail "not one line of advice per noisy source"
grep -q "^noisy: 11 sources will add noise: damon, khugepaged" "$T/noisy.out" || fail "no 'noisy' summary"
grep -q "^'forkwatch bench --tune' quiets damon, khugepaged, ksm, numa_balancing, thp, governor, boost" \
	"$T/noisy.out" || fail "the summary does not say what --tune quiets"

say "--json: the document's noise object"
FORKWATCH_SYSROOT=$T/noisy run_check "$T/noisy.json" --interval 0 --json
[ $rc -eq 1 ] || fail "--json on the noisy tree: exit $rc"
"$PY" - "$T/noisy.json" "$names" <<'PYEOF' || fail "--json"
import json, sys
d = json.load(open(sys.argv[1]))
assert [s["name"] for s in d["sources"]] == sys.argv[2].split(), d["sources"]
assert d["quiet"] is False and len(d["noisy"]) == 11 and d["noisy"][0] == "damon", d["noisy"]
k = d["damon"]["kdamonds"][0]
assert k["state"] == "on" and k["pid"] == 83 and k["contexts"][0]["operations"] == "paddr", k
assert k["contexts"][0]["actions"] == ["pageout"], k
assert d["tuned"] == [] and d["during"] is None, d
PYEOF

say "this machine: the report and the exit status agree"
run_check "$T/here.out" --interval 0.3
cat "$T/here.out"
case $rc in
0) grep -q "^quiet: " "$T/here.out" || fail "exit 0 without 'quiet'" ;;
1) grep -q "^noisy: [1-9][0-9]* source" "$T/here.out" || fail "exit 1 without 'noisy'" ;;
*) cat "$T/err"; fail "check on this machine: exit $rc" ;;
esac
for n in $names; do grep -q "^$n " "$T/here.out" || fail "no line for $n here"; done
here=$rc
run_check "$T/here.json" --interval 0.3 --json
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["during"]["seconds"] > 0.2, d["during"]' \
	"$T/here.json" || fail "--json here: no sample"
say "ok: exit $here here; noisy: $("$PY" -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["noisy"]))' "$T/here.json")"
echo ok

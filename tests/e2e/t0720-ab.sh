#!/usr/bin/env bash
# forkwatch ab, A/A: Debian's amd64 cloud kernel against itself, 2 boots
# each (base, head, base, head) under qemu, 4 runs of each kernel shared
# out 2 a boot, the two sides named by --base-commit/--head-commit, with a
# --time-budget of 1 s (spent: no pair past --boots).
# Checked: every boot's document (its kernel, its boot and role, one
# session, the head's parent commit the base's), the printed table with
# a verdict per case and the variance split, no gain or regression
# verdict (two boots a side never decide), and the upload to forkwatchd
# with the guest's host name and the default token file, where both
# kernels and the comparison show, labelled as VM results of their
# accelerator and compared by boot, and where a bare-metal result for the
# VM's host is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vm-lib.sh"
need_guest x86_64
. "$(dirname "$0")/daemon-lib.sh"

accel=tcg
if [ "$(uname -m)" = x86_64 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=kvm
fi
gname=$(hostname)-vm-x86-64-$accel
base=aaaaaaa0
head=bbbbbbb0
rel=$(deb_release "$deb")

say "forkwatchd, and the guest's host '$gname' registered into the default vm token file"
mkdir "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
mkdir -p "$FORKWATCH_STATE_DIR"
"$FW" register --server "$URL" --admin-token-file "$T/srv/admin.token" --name "$gname" --hostname "$gname" \
	--token-file "$FORKWATCH_STATE_DIR/vm-x86_64-$accel.token" >"$T/out" 2>"$T/err" ||
	{ cat "$T/out" "$T/err" >&2; fail "forkwatch register --name '$gname' failed"; }

say "ab: $rel against itself, 2 boots each"
start=$SECONDS
rc=0
"$FW" ab --base "$deb" --head "$deb" --boots 2 --runs 4 --base-commit $base --head-commit $head \
	--size 64M --iterations 4 --munmap-iterations 2 --warmup 1 --layouts order-0,order-9,pmd \
	--json-dir "$T/docs" --server "$URL" --spool "$T/spool" --time-budget 1 >"$T/ab.out" 2>"$T/ab.err" || rc=$?
cat "$T/ab.out"
[ $rc = 0 ] || { cat "$T/ab.err" >&2; fail "forkwatch ab: exit $rc"; }
say "ab took $((SECONDS - start)) s"
grep 'booted in' "$T/ab.err"
grep -q "delivered 4 result(s)" "$T/ab.err" || { cat "$T/ab.err"; fail "ab did not deliver its 4 documents"; }
# --boots pairs whatever the budget; past them none, the second of budget spent and the cases not yet precise
grep -q '^forkwatch: --time-budget 1 s: time is up with some cases not yet precise after 2 boots each' "$T/ab.err" ||
	{ cat "$T/ab.err"; fail "ab --time-budget 1: no line saying time is up after the 2 boots each"; }

say "the documents: boots, roles, one session, the head's parent"
i=0
for f in 0-base 1-head 2-base 3-head; do
	[ -f "$T/docs/$f.json" ] || fail "no $f.json in --json-dir"
	role=${f#*-}
	RUNS=2 check_vm_doc "$T/docs/$f.json" x86_64 "$rel" console $((i / 2)) "$role"
	jtrue "$T/docs/$f.json" 'd["host"]["vm"]["boot_seq"] == '$i' and d["host"]["vm"]["boots"] == 2' "$f: boot_seq, boots"
	if [ "$role" = base ]; then
		jtrue "$T/docs/$f.json" 'd["kernel"]["commit"] == "'$base'" and d["kernel"]["parent_commit"] is None' "$f: base identity"
	else
		jtrue "$T/docs/$f.json" 'd["kernel"]["commit"] == "'$head'" and d["kernel"]["parent_commit"] == "'$base'"' \
			"$f: the head's parent is the base"
	fi
	i=$((i + 1))
done
sessions=$(for f in "$T"/docs/*.json; do jget "$f" 'd["host"]["vm"]["session"]'; done | sort -u | wc -l)
[ "$sessions" = 1 ] || fail "the boots of one ab name $sessions sessions"

say "the table: every case, a verdict each, none a gain or regression"
for wl in fork munmap; do
	grep -q "^| $wl " "$T/ab.out" || fail "no $wl table"
	for l in order-0 order-9 pmd; do
		grep -q "^$wl $l: " "$T/ab.out" || fail "no verdict line for $wl $l"
	done
done
grep -q '^   spread: boot to boot' "$T/ab.out" || fail "no variance split"
[ "$accel" = kvm ] || grep -q 'only ratios and counts are meaningful' "$T/ab.out" || fail "TCG results not labelled"
verdicts=$(grep -E '^(fork|munmap) [a-z0-9-]+: ' "$T/ab.out" | sed 's/^[a-z]* [a-z0-9-]*: \([a-z -]*\).*/\1/' | sort | uniq -c)
echo "$verdicts"
grep -Eq '^(fork|munmap) [a-z0-9-]+: (batching gain|lost gain|order-0 slowdown|faster)' "$T/ab.out" &&
	fail "an A/A comparison with a gain or regression verdict"
grep -Eq '^(fork|munmap) [a-z0-9-]+: inconclusive .*boots 2/2, runs 4/4' "$T/ab.out" ||
	fail "verdicts do not count 2 boots and 4 runs a side"

say "forkwatchd has both kernels from host '$gname', and the comparison"
expect 200 GET "/api/v1/hosts/$gname"
cp "$T/body" "$T/host.json"
jcheck "$T/host.json" 'd["host"]["uploads"] == 4 and d["host"]["arch"] == "x86_64"' "4 uploads from '$gname'"
jcheck "$T/host.json" 'sorted((k["ident"], k["uploads"]) for k in d["kernels"]) == [("'$base'", 2), ("'$head'", 2)]' \
	"both kernels, 2 boots each"
jcheck "$T/host.json" '[k["parent_commit"] for k in d["kernels"] if k["ident"] == "'$head'"] == ["'$base'"]' \
	"the head kernel's parent on the server"
note="VM results under $(echo "$accel" | tr a-z A-Z)"
expect 200 GET "/compare?host=$(pct "$gname")&base=$base&head=$head"
grep -q 'order-9' "$T/body" || fail "/compare does not show order-9"
grep -q "$note" "$T/body" || fail "/compare does not say '$note'"
expect 200 GET "/compare.txt?host=$(pct "$gname")&base=$base&head=$head"
cp "$T/body" "$T/compare.txt"
grep -q '^| after-change' "$T/compare.txt" || { cat "$T/compare.txt"; fail "/compare.txt has no table"; }
grep -q "^$note" "$T/compare.txt" || { cat "$T/compare.txt"; fail "/compare.txt does not say '$note'"; }
[ "$accel" = kvm ] || grep -q "only ratios and counts are meaningful" "$T/compare.txt" || fail "/compare.txt: no TCG warning"
expect 200 GET "/api/v1/compare?host=$(pct "$gname")&base=$base&head=$head"
jcheck "$T/body" 'd["vm_accel"] == "'$accel'"' "/api/v1/compare: vm_accel"
jcheck "$T/body" 'd["unit"] == "boot" and all(r["base"]["boots"] == 2 and r["head"]["boots"] == 2 and r["base"]["n"] == 4
	for r in d["rows"] if r["metric"] == "ns")' "/api/v1/compare: by boot, 2 boots and 4 runs a side"
jcheck "$T/body" 'not [r for r in d["rows"] if r["verdict"] in ("gain", "regression")]' \
	"/api/v1/compare: a gain or regression in an A/A comparison by boot"
grep -Eq '^fork order-0: inconclusive .*boots 2/2, runs 4/4' "$T/compare.txt" ||
	{ cat "$T/compare.txt"; fail "/compare.txt: verdicts not by boot"; }
expect 200 GET "/hosts/$(pct "$gname")"
grep -q "$note" "$T/body" || fail "/hosts/$gname does not say '$note'"

say "a bare-metal result for the VM's host is refused: comparisons never mix the two"
"$PY" - "$T/docs/0-base.json" "$T/bare.json" <<'PYEOF'
import json, sys, uuid
d = json.load(open(sys.argv[1]))
del d["host"]["vm"]
d["run_uuid"] = str(uuid.uuid4())
json.dump(d, open(sys.argv[2], "w"))
PYEOF
token=$(sed -n 's/^token=//p' "$FORKWATCH_STATE_DIR/vm-x86_64-$accel.token")
expect_error 409 host.vm "has VM" POST /api/v1/runs -H "Authorization: Bearer $token" \
	-H "Content-Type: application/json" --data-binary @"$T/bare.json"
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exit $drc"
say "ok"

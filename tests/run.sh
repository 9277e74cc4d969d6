#!/usr/bin/env bash
# Run the tests named, as tests/run-all.sh runs every one (tests/README):
#   tests/run.sh TEST...
# TEST is an end-to-end script by its number, name or path (t0510,
# t0510-compare, tests/e2e/t0510-compare.sh), or a unit test binary
# (build/x86_64/tests/daemon/test_store).  A unit test of an ASan build
# (build/<arch>-san) runs with leak detection; one of build/aarch64 runs
# under qemu-aarch64-static on another machine, and skips without it.
# `make check T=...` and `make unit` call this; it installs nothing.
#
# One test shows its output as it runs; of several, each says PASS, SKIP
# (exit 77, with the reason from its "skip:" line) or FAIL with its last
# lines.  Logs go to tests/out/.  The last line is "N passed, N failed,
# N skipped"; the exit status is 1 when a test failed, 2 for a name that
# is not a test.
set -u
cd "$(dirname "$0")/.." || exit 2
out=tests/out
mkdir -p "$out"
pass=0 fail=0 skip=0 failed=()
host=$(uname -m)

[ $# -gt 0 ] || { echo "usage: tests/run.sh TEST... (see tests/README)" >&2; exit 2; }

# what to run for a test: its name and its command, on two lines per word
resolve() {
	local t=$1 m b rel
	case $t in
	build/*)
		[ -x "$t" ] || { echo "tests/run.sh: no unit test binary '$t': build it with make unit" >&2; return 2; }
		b=${t%%/tests/*}
		rel=${t#"$b"/tests/}
		case $b in
		*-san) echo "unit-san/$rel"; echo "env ASAN_OPTIONS=detect_leaks=1 $t" ;;
		build/aarch64) if [ "$host" = aarch64 ]; then echo "unit/$rel"; echo "$t"; else
			echo "unit-aarch64/$rel"; echo "env QEMU_LD_PREFIX=/ qemu-aarch64-static $t"; fi ;;
		*) echo "unit/$rel"; echo "$t" ;;
		esac
		;;
	*)
		t=${t#tests/e2e/}
		t=${t%.sh}
		m=$(compgen -G "tests/e2e/$t.sh" || compgen -G "tests/e2e/$t-*.sh")
		if [ "$(printf '%s\n' "$m" | grep -c .)" != 1 ]; then
			echo "tests/run.sh: '$1' names ${m:+more than one test: $(echo "$m" | tr '\n' ' ')}${m:-no test in tests/e2e/}" >&2
			return 2
		fi
		echo "e2e/$(basename "$m" .sh)"
		echo "bash $m"
		;;
	esac
}

names=() cmds=()
for t in "$@"; do
	r=$(resolve "$t") || exit 2
	names+=("$(sed -n 1p <<<"$r")")
	cmds+=("$(sed -n 2p <<<"$r")")
done

for i in "${!names[@]}"; do
	name=${names[$i]}
	read -ra cmd <<<"${cmds[$i]}"
	log=$out/$(echo "$name" | tr '/ ' '__').log
	if [[ $name == unit-aarch64/* ]] && ! command -v qemu-aarch64-static >/dev/null; then
		echo "skip: no qemu-aarch64-static (apt-get install qemu-user-static)" >"$log"
		rc=77
	elif [ ${#names[@]} -eq 1 ]; then
		"${cmd[@]}" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		"${cmd[@]}" >"$log" 2>&1
		rc=$?
	fi
	# cmocka exits 0 when a test called skip(): a skip, not a pass
	if [ "$rc" -eq 0 ] && grep -q '^\[  SKIPPED \] [A-Za-z_][A-Za-z0-9_]*$' "$log"; then
		rc=77
	fi
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS  %s\n' "$name"
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$name" "$(grep -m1 '^skip:' "$log" | cut -c7-)"
	else
		fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL  %s (exit %d), log %s\n' "$name" "$rc" "$log"
		[ ${#names[@]} -eq 1 ] || tail -15 "$log" | sed 's/^/      /'
	fi
done
[ $fail -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

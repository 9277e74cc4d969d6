#!/usr/bin/env bash
# lib/cmp.c against scipy: `test_cmp --oracle` prints 200 fixed
# pseudo-random sample pairs with its Welch t, df and p, Mann-Whitney U and
# p, change interval and t quantiles, and tests/stats_oracle.py recomputes
# them with scipy and compares (1e-6 relative).  The aarch64 build is checked
# the same way under qemu-user when it is there.
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import scipy' 2>/dev/null || skip "scipy is not importable by $PY (apt-get install python3-scipy)"
bin=$top/build/$arch/tests/test_cmp
[ -x "$bin" ] || skip "no unit build (make unit)"

say "native $arch"
"$bin" --oracle >"$T/native.jsonl" || fail "test_cmp --oracle exited non-zero"
"$PY" "$top/tests/stats_oracle.py" "$T/native.jsonl" || fail "native results differ from scipy"

a64=$top/build/aarch64/tests/test_cmp
if [ "$arch" != aarch64 ] && [ -x "$a64" ] && command -v qemu-aarch64-static >/dev/null; then
	say "aarch64 under qemu-user"
	QEMU_LD_PREFIX=/ qemu-aarch64-static "$a64" --oracle >"$T/aarch64.jsonl" ||
		fail "aarch64 test_cmp --oracle exited non-zero"
	"$PY" "$top/tests/stats_oracle.py" "$T/aarch64.jsonl" || fail "aarch64 results differ from scipy"
else
	say "aarch64 not checked: no build/aarch64/tests/test_cmp or no qemu-aarch64-static"
fi
echo ok

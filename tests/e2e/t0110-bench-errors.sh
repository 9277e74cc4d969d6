#!/usr/bin/env bash
# Refusals: bad sizes, layouts, workloads, events, options; not root; not
# enough memory.  Each is one clear line and a non-zero exit, and nothing
# is changed.
. "$(dirname "$0")/lib.sh"
[ -x "$FW" ] || fail "no $FW: run make first"

"$FW" --help | grep -q 'bench' || fail "forkwatch --help"
"$FW" bench --help | grep -q -- '--layouts' || fail "forkwatch bench --help"
"$FW" restore --help | grep -q 'journal' || fail "forkwatch restore --help"
expect_fail "unknown command" "unknown command 'frob'" "$FW" frob
expect_fail "bad size" "\-\-size '1X': expected a size like 512M or 1G" "$FW" bench --size 1X
expect_fail "size not a PMD multiple" "expected a multiple of" "$FW" bench --size 3k
expect_fail "bad runs" "\-\-runs '0'" "$FW" bench --runs 0
expect_fail "unknown option" "unknown option '--frob'" "$FW" bench --frob
expect_fail "missing value" "needs a value" "$FW" bench --size
expect_fail "unknown layout" "unknown layout 'order-x'" "$FW" bench --layouts order-0,order-x
expect_fail "layout too large" "order-12" "$FW" bench --layouts order-12
expect_fail "unknown workload" "unknown workload 'exec'" "$FW" bench --workloads fork,exec
expect_fail "bad commit" "\-\-kernel-commit 'xyz'" "$FW" bench --kernel-commit xyz
if [ "$(id -u)" = 0 ]; then
	expect_fail "unknown event" "event 'nosuch::event'" "$FW" bench --size 4M --events cycles=nosuch::event
	expect_fail "unknown metric" "unknown metric" "$FW" bench --size 4M --events frobs
	expect_fail "too large for memory" "available memory" "$FW" bench --size 64T
	if command -v setpriv >/dev/null; then
		expect_fail "not root" "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups \
			env FORKWATCH_STATE_DIR="$T/nobody" "$FW" bench --size 4M
	fi
	[ ! -e "$FORKWATCH_STATE_DIR/knobs.journal" ] || fail "a refused run left a journal"
fi
echo ok

# Shared by the end-to-end scripts: source it first.
# Exit 77 = skipped (the reason on a "skip:" line), anything else non-zero = failed.
set -eu
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
arch=$(uname -m)
FW=${FW:-$top/build/$arch/forkwatch}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d /tmp/forkwatch-test.XXXXXX)
# the schema version forkwatchd writes: its migrations are numbered 1 to N
SCHEMA=$(find "$top/schema/migrations" -maxdepth 1 -name '[0-9]*.sql' | wc -l)
export SCHEMA
export FORKWATCH_STATE_DIR=$T/state
cleanup_hooks=()
cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$T"
}
trap cleanup EXIT

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "--- $*"; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# expect_fail "what" "pattern" cmd...: the command must exit non-zero and say pattern on stderr
expect_fail() {
	local what=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc -ne 0 ] || fail "$what: exit 0, expected an error"
	grep -q -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "$what: stderr lacks '$pat'"; }
	[ "$(wc -l <"$T/err")" -le 2 ] || { cat "$T/err" >&2; fail "$what: error is not one clear line"; }
	say "ok: $what -> $(head -1 "$T/err")"
}

# the newest schema version: the number of the last schema/migrations/NNN-*.sql
SCHEMA_LATEST=$(find "$top/schema/migrations" -maxdepth 1 -name '[0-9][0-9][0-9]-*.sql' -printf '%f\n' |
	sort | tail -n 1 | sed 's/^0*\([0-9][0-9]*\)-.*/\1/')

#!/usr/bin/env bash
# The aarch64 build runs a small bench under qemu-aarch64 (user mode):
# perf_event_open is ENOSYS there, so every counter must be unsupported with
# a reason, and MADV_HUGEPAGE is ignored, so large-folio layouts must be
# reported as mismatches, never as measured.
. "$(dirname "$0")/lib.sh"
need_root
bin=$top/build/aarch64/forkwatch
[ "$arch" != aarch64 ] || skip "native aarch64: the native tests cover it"
command -v qemu-aarch64-static >/dev/null || skip "no qemu-aarch64-static (apt-get install qemu-user-static)"
[ -x "$bin" ] || skip "no aarch64 build (make ARCH=aarch64)"
qemu-aarch64-static "$bin" --help | grep -q bench || fail "aarch64 --help"
# --wait: another test's benchmark (make test runs tests side by side) is waited for
qemu-aarch64-static "$bin" bench --wait --size 16M --runs 2 --iterations 3 --warmup 1 \
	--layouts order-0,order-9,pmd --json "$T/a.json" >"$T/table" 2>"$T/err" ||
	{ cat "$T/err"; fail "aarch64 bench exited non-zero"; }
cat "$T/table"
"$PY" - "$T/a.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
def check(c, m):
    if not c: print("FAIL:", m); sys.exit(1)
check(d["host"]["arch"] == "aarch64", "arch %s" % d["host"]["arch"])
for c in d["cases"]:
    name = c["workload"] + " " + c["layout"]
    for m, st in c["counters"].items():
        check(st["status"] == "unsupported" and st["reason"], name + ": " + m + " should be unsupported")
    check(all(len(r["ns"]) == c["iterations"] for r in c["runs"]), name + ": ns")
    if c["layout"] == "order-0":
        check(c["layout_check"]["ok"], name + ": order-0 should verify")
    else:
        check(c["layout_check"]["ok"] is False and c["layout_check"]["reason"],
              name + ": qemu-user ignores MADV_HUGEPAGE, expected a mismatch")
tf = d["cases"][0]["counters"]["tlb_flushes"]["reason"]
check("arm64" in tf, "tlb_flushes reason names arm64: " + tf)
print("aarch64 document ok")
PYEOF
grep -q MISMATCH "$T/table" || fail "the table does not show the mismatch"
echo ok

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# forkwatch vm and ab with Debian's packaged kernels (scripts/deps.sh test
# fetches them into build/deps/guest-<arch>), KVM where it works, else TCG:
#
#   flock /tmp/fw-machine.lock bash bench/vm.sh [boot] [ab]
#
# boot: for each guest arch, 'forkwatch vm --size $SIZE' with bench's
#       defaults otherwise (order-0,order-4,order-9,pmd; fork,munmap; 8
#       runs x 100 iterations): boot-to-document time, and its parts from
#       the document's host.vm: the boot (guest uptime when init starts),
#       the bench, the rest (qemu, unpacking the initramfs, sending the
#       document back).  REPEAT times each.
# ab:   'forkwatch ab' of each arch's kernel against itself (A/A), $BOOTS
#       boots each, $RUNS runs of each kernel shared out among its boots,
#       --size $SIZE: its table and verdicts, and the variance split of
#       every case over all 2 x $BOOTS boots (one kernel: a one-way
#       analysis of variance of the per-run means by boot, scipy's F test).
#
# Settings (environment): ARCHES ("x86_64 aarch64"), SIZE (64M), REPEAT (2),
# BOOTS (3), RUNS (9), ITERATIONS (bench's default), AB_LAYOUTS and
# AB_WORKLOADS (ab's; bench's defaults), FORKWATCH (the build's).
# Output: bench/out/vm-*.  The figures in bench/README.md came from here.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
FW=${FORKWATCH:-$ROOT/build/$(uname -m)/forkwatch}
PY=/usr/bin/python3
ARCHES=${ARCHES:-x86_64 aarch64}
SIZE=${SIZE:-64M}
REPEAT=${REPEAT:-2}
BOOTS=${BOOTS:-3}
RUNS=${RUNS:-9}
ITER=()
[ -z "${ITERATIONS:-}" ] || ITER=(--iterations "$ITERATIONS")
AB=()
[ -z "${AB_LAYOUTS:-}" ] || AB+=(--layouts "$AB_LAYOUTS")
[ -z "${AB_WORKLOADS:-}" ] || AB+=(--workloads "$AB_WORKLOADS")
OUT=$BENCH_DIR/out
mkdir -p "$OUT"
export FORKWATCH_STATE_DIR=${FORKWATCH_STATE_DIR:-$OUT/vm-state}
what=${*:-boot ab}

deb_of() {
	local d=$ROOT/build/deps/guest-$([ "$1" = x86_64 ] && echo amd64 || echo arm64)
	ls "$d"/linux-image-*.deb 2>/dev/null | head -1 || true
}

for a in $ARCHES; do
	deb=$(deb_of "$a")
	[ -n "$deb" ] || { echo "vm.sh: no $a kernel package: run scripts/deps.sh test" >&2; exit 2; }
	case " $what " in *" boot "*)
		for i in $(seq "$REPEAT"); do
			start=$(date +%s.%N)
			"$FW" vm --kernel-deb "$deb" --size "$SIZE" "${ITER[@]}" --quiet --json "$OUT/vm-boot-$a-$i.json" >"$OUT/vm-boot-$a-$i.txt"
			end=$(date +%s.%N)
			"$PY" - "$OUT/vm-boot-$a-$i.json" "$start" "$end" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1])); vm = d["host"]["vm"]
total = float(sys.argv[3]) - float(sys.argv[2])
print("%-7s %s %s: %.1f s to the document (qemu %.1f s): boot %.1f s (%.0f%%), bench %.1f s (%.0f%%), "
      "the rest %.1f s (unpacking the package, qemu, sending %d bytes back over %s)" % (
      d["host"]["arch"], vm["accel"], d["kernel"]["release"], total, vm["wall_s"], vm["boot_s"],
      100 * vm["boot_s"] / total, vm["bench_s"], 100 * vm["bench_s"] / total,
      total - vm["boot_s"] - vm["bench_s"], len(open(sys.argv[1]).read()), vm["channel"]))
PYEOF
		done
		;;
	esac
	case " $what " in *" ab "*)
		rm -rf "$OUT/vm-ab-$a"
		"$FW" ab --base "$deb" --head "$deb" --boots "$BOOTS" --runs "$RUNS" --size "$SIZE" "${ITER[@]}" "${AB[@]}" --quiet \
			--json-dir "$OUT/vm-ab-$a" >"$OUT/vm-ab-$a.txt"
		cat "$OUT/vm-ab-$a.txt"
		"$PY" - "$OUT/vm-ab-$a" <<'PYEOF'
import glob, json, math, sys
from scipy import stats
docs = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json"))]
print("the variance split over all %d boots of the one kernel (per-run means by boot):" % len(docs))
print("%-7s %-8s %9s %9s %6s %9s" % ("", "", "boot sd", "run sd", "ICC", "F test p"))
cases = {}
for d in docs:
    for c in d["cases"]:
        g = [sum(r["ns"]) / len(r["ns"]) for r in c["runs"] if r["ok"]]
        cases.setdefault((c["workload"], c["layout"]), []).append(g)
for (wl, lay), groups in cases.items():
    allv = [x for g in groups for x in g]
    N, k, m = len(allv), len(groups), sum(allv) / len(allv)
    msb = sum(len(g) * (sum(g) / len(g) - m) ** 2 for g in groups) / (k - 1)
    msw = sum((x - sum(g) / len(g)) ** 2 for g in groups for x in g) / (N - k)
    n0 = (N - sum(len(g) ** 2 for g in groups) / N) / (k - 1)
    vb = max(0.0, (msb - msw) / n0)
    p = stats.f_oneway(*groups).pvalue
    print("%-7s %-8s %8.2f%% %8.2f%% %6.2f %9.3g" % (wl, lay, 100 * math.sqrt(vb) / m, 100 * math.sqrt(msw) / m,
          vb / (vb + msw) if vb + msw else float("nan"), p))
PYEOF
		;;
	esac
done

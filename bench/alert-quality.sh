#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# False alarms and detection: PAIRS pairs of forkwatch bench results of the
# running kernel (fork, order-0 and pmd, 1 GiB, 8 runs x 100 iterations: the
# defaults) compared with the daemon's statistics (lib/cmp); then the same
# pairs with the head's order-0 runs slowed by +1%, +2% and +5%.
#
#   sudo bench/alert-quality.sh              # 20 pairs: about 20 minutes
#   sudo PAIRS=3 SIZE=256M bench/alert-quality.sh
#
# Environment: PAIRS (20), SIZE (1G), OUT (bench/out/quality-<time>); with
# REUSE=DIR the results already in DIR are analysed, nothing is run.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-20}
SIZE=${SIZE:-1G}
fw=build/$(uname -m)/forkwatch
[ "$(id -u)" = 0 ] || { echo "alert-quality: needs root (forkwatch bench)" >&2; exit 2; }
[ -x "$fw" ] || { echo "alert-quality: no $fw: run make" >&2; exit 2; }
mkdir -p bench/out
gcc -O2 -I. -D_GNU_SOURCE bench/alert-quality.c lib/cmp.c lib/jread.c lib/strbuf.c lib/stats.c \
	-lm -o bench/out/alert-quality
if [ -n "${REUSE:-}" ]; then
	out=$REUSE
else
	out=${OUT:-bench/out/quality-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$out"
	for i in $(seq -w 1 $((2 * PAIRS))); do
		echo "run $i of $((2 * PAIRS))" >&2
		"$fw" bench --size "$SIZE" --workloads fork --layouts order-0,pmd --quiet \
			--json "$out/run-$i.json" >/dev/null
	done
fi
bench/out/alert-quality "$out"/run-*.json

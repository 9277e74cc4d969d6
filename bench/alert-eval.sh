#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Time to evaluate alerts on ingest with a long history: alerts_find() (what
# every upload runs) on the database bench/read.sh loads (100 hosts x 300
# kernels), for the host's newest kernel.
#
#   sudo bench/read.sh         # once, to load bench/out/read-db
#   bench/alert-eval.sh [DB] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-bench/out/read-db/forkwatch.db}
[ -f "$db" ] || { echo "alert-eval: no database $db: run bench/read.sh first" >&2; exit 2; }
make -s all >/dev/null
b=build/$(uname -m)
gcc -O2 -I. -D_GNU_SOURCE bench/alert-eval.c "$b/daemon.a" "$b/lib.a" -lsqlite3 -lm \
	-o bench/out/alert-eval
bench/out/alert-eval "$db" "${2:-200}"

# SPDX-License-Identifier: GPL-2.0
# Shared by the bench scripts (sourced, not run).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
THP_DIR=/sys/kernel/mm/transparent_hugepage
PY=/usr/bin/python3
PLAIN=$BENCH_DIR/out/plain-fork
FORKWATCH=${FORKWATCH:-$ROOT_DIR/build/$(uname -m)/forkwatch}

die() {
	echo "${0##*/}: $*" >&2
	exit 2
}

# SIZE (1G, 256M, 512MiB...) -> whole MiB, printed
size_mb() {
	local s=$1 n u
	[[ $s =~ ^([0-9]+)([MmGg])(i?B)?$ ]] || die "SIZE='$s': expected a size like 1G or 256M"
	n=${BASH_REMATCH[1]}
	u=${BASH_REMATCH[2]}
	case $u in
	[Gg]) echo $((n * 1024)) ;;
	*) echo "$n" ;;
	esac
}

posint() { # NAME VALUE
	[[ $2 =~ ^[0-9]+$ ]] && (($2 > 0)) || die "$1='$2': expected a whole number >= 1"
}

wholenum() { # NAME VALUE
	[[ $2 =~ ^[0-9]+$ ]] || die "$1='$2': expected a whole number"
}

# The CPUs forkwatch's placement_choose() takes (collectors/placement.c):
# PIN_P the highest CPU this process may use (the worker), PIN_C the next
# lower one (split's children), -1 when there is none.
placement_cpus() {
	read -r PIN_P PIN_C < <("$PY" -c 'import os; c = sorted(os.sched_getaffinity(0)); print(c[-1], c[-2] if len(c) > 1 else -1)')
}

# plain_pin PLACEMENT: PLAIN_PIN, plain-fork's arguments for what forkwatch's
# --placement PLACEMENT does (after placement_cpus)
plain_pin() {
	case $1 in
	free) PLAIN_PIN=() ;;
	same) PLAIN_PIN=(--pin "$PIN_P") ;;
	split)
		((PIN_C >= 0)) || die "placement split needs two CPUs: this process may use CPU $PIN_P only"
		PLAIN_PIN=(--pin "$PIN_P,$PIN_C")
		;;
	*) die "PLACEMENT='$1': expected free, same or split" ;;
	esac
}

# tracefs_mount: perf finds tracepoints through tracefs (perf 6.1 would
# otherwise mount it itself and leave it mounted): mount it for the
# script's duration when it is not; tracefs_umount (in the EXIT trap)
# undoes only that.
TRACEFS=/sys/kernel/tracing
TRACEFS_MOUNTED=
tracefs_mount() {
	[[ -d $TRACEFS/events ]] && return 0
	[[ -d $TRACEFS ]] || die "$TRACEFS does not exist (kernel without tracefs?)"
	mount -t tracefs nodev "$TRACEFS" || die "cannot mount tracefs on $TRACEFS"
	TRACEFS_MOUNTED=1
}
tracefs_umount() {
	if [[ -n $TRACEFS_MOUNTED ]]; then
		umount "$TRACEFS" || echo "${0##*/}: could not unmount $TRACEFS" >&2
		TRACEFS_MOUNTED=
	fi
}

preflight() {
	[[ $(id -u) == 0 ]] || die "needs root: forkwatch and plain-fork read PFNs and /proc/kpageflags, forkwatch sets THP knobs, perf reads tracepoints"
	[[ $(uname -m) == x86_64 ]] || echo "${0##*/}: warning: written for x86-64 (4 KiB pages, PMD = 2 MiB)" >&2
	command -v gcc >/dev/null || die "gcc not found (Debian: apt-get install gcc)"
	[[ -x $PY ]] || die "$PY not found (Debian: apt-get install python3)"
	[[ -x $FORKWATCH ]] || die "no forkwatch binary at $FORKWATCH: run 'make' in $ROOT_DIR first (or set FORKWATCH=)"
	mkdir -p "$BENCH_DIR/out"
	gcc -O2 -Wall -Wextra -o "$PLAIN" "$BENCH_DIR/plain-fork.c" || die "compiling plain-fork.c failed"
	# the plain loop changes no THP knob: refuse early when order-9/pmd cannot be made
	# as things are (it checks the knobs, then verifies one PMD block of each layout)
	"$PLAIN" order-0,order-9,pmd 2M 1 1 0 >/dev/null ||
		die "plain-fork cannot make the layouts order-0, order-9, pmd here (see above)"
}

# The workload table, as `forkwatch bench --help` prints it: WL_NAMES in
# table order, WL_MARKS[name] its marks, '*' (a fresh region per
# iteration) and '+' (counted apart).  The scripts name no workload.
WL_NAMES=()
declare -A WL_MARKS=()
load_workloads() {
	local line
	[[ -x $FORKWATCH ]] || die "no forkwatch binary at $FORKWATCH: run 'make' in $ROOT_DIR first (or set FORKWATCH=)"
	while IFS= read -r line; do
		[[ $line =~ ^\ \ ([a-z][a-z0-9_-]*)\ .*[^*+\ ]((\ [*+])*)$ ]] || continue
		WL_NAMES+=("${BASH_REMATCH[1]}")
		WL_MARKS[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]// /}
	done < <("$FORKWATCH" bench --help | sed -n '/^Workloads:/,/^$/p')
	((${#WL_NAMES[@]})) || die "cannot read the workload table from '$FORKWATCH bench --help'"
}

# check_workloads VAR VALUE: VALUE is a comma-separated list of table names
check_workloads() {
	local w list
	IFS=, read -ra list <<<"$2"
	[[ -n $2 && $2 != *, ]] || die "$1='$2': expected a comma-separated list of ${WL_NAMES[*]}"
	for w in "${list[@]}"; do
		[[ -n $w && -n ${WL_MARKS[$w]+x} ]] || die "$1='$2': '$w' is not a workload of $FORKWATCH: ${WL_NAMES[*]}"
	done
}
wl_fresh() { [[ ${WL_MARKS[$1]} == *'*'* ]]; }
wl_apart() { [[ ${WL_MARKS[$1]} == *+* ]]; }

# THP knobs: forkwatch journals and restores the ones it changes; as a
# safety net (a forkwatch killed with SIGKILL), snapshot them all here and
# put back whatever differs at exit.
declare -A THP_SNAPSHOT=()
thp_snapshot() {
	local f
	for f in "$THP_DIR"/enabled "$THP_DIR"/hugepages-*/enabled; do
		[[ -f $f ]] || continue
		THP_SNAPSHOT[$f]=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$f")
	done
}

thp_restore() {
	local f now
	for f in "${!THP_SNAPSHOT[@]}"; do
		now=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$f")
		if [[ -n ${THP_SNAPSHOT[$f]} && $now != "${THP_SNAPSHOT[$f]}" ]]; then
			echo "${0##*/}: restoring $f: $now -> ${THP_SNAPSHOT[$f]}" >&2
			echo "${THP_SNAPSHOT[$f]}" >"$f" || echo "${0##*/}: could not restore $f" >&2
		fi
	done
}

# bench_lock / bench_unlock: hold the machine's benchmark lock (the THP
# sysfs directory, flocked, as forkwatch bench takes it) around loops this
# script runs itself, waiting for it as --wait does.  Never around a
# forkwatch bench: it takes the lock itself.
BENCH_LOCK_FD=
bench_lock() {
	exec {BENCH_LOCK_FD}<"$THP_DIR" || die "cannot open $THP_DIR for the benchmark lock"
	if ! flock -n "$BENCH_LOCK_FD"; then
		echo "${0##*/}: another benchmark holds the machine's lock ($THP_DIR); waiting" >&2
		flock "$BENCH_LOCK_FD"
	fi
}
bench_unlock() {
	[[ -z $BENCH_LOCK_FD ]] || exec {BENCH_LOCK_FD}<&-
	BENCH_LOCK_FD=
}

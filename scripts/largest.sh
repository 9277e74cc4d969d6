#!/usr/bin/env bash
# The largest C files and functions of the tree, in lines:
#   scripts/largest.sh [-n N] [REV]
# N of each (default 5), from the working tree's tracked files or from the
# commit REV (e.g. main), so that a change can be read before and after:
#   scripts/largest.sh main; scripts/largest.sh
# Files: every tracked *.c and *.h.  Functions: a definition in the
# kernel style the tree is written in, from the line naming it to the
# closing brace in column 0 (the comment above it not counted).
set -euo pipefail
cd "$(dirname "$0")/.."
n=5
if [ "${1:-}" = -n ]; then
	n=$2
	shift 2
fi
rev=${1:-}
if [ -n "$rev" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	git archive "$rev" | tar -x -C "$tmp"
	mapfile -t files < <(git ls-tree -r --name-only "$rev" | grep '\.[ch]$')
	cd "$tmp"
else
	mapfile -t files < <(git ls-files -- '*.c' '*.h')
fi
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.c$')

echo "largest files${rev:+ at $rev} (lines):"
wc -l "${files[@]}" | grep -v ' total$' | sort -rn | sed -n "1,${n}p"

echo "largest functions${rev:+ at $rev} (lines):"
# a definition: a line in column 0 with "name(" that is neither a
# statement nor a preprocessor line, followed (maybe over several lines of
# parameters) by "{" alone in column 0; it ends at "}" in column 0
awk '
	FNR == 1 { sig = 0; start = 0 }
	/^[A-Za-z_].*[A-Za-z_0-9]\(/ && !/;[ \t]*$/ && !/^(#|typedef)/ {
		sig = FNR; s = $0
		sub(/\(.*/, "", s); k = split(s, w, /[ \t*]+/); name = w[k]
		next
	}
	/^\{/ && sig { start = sig; fn = name; sig = 0; next }
	/^\}/ && start { printf "%7d %s:%d %s()\n", FNR - start + 1, FILENAME, start, fn; start = 0; next }
	/;[ \t]*$/ && !start { sig = 0 }
' "${sources[@]}" | sort -rn | sed -n "1,${n}p"

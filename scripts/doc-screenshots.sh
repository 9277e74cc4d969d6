#!/usr/bin/env bash
# Refresh the README's screenshots (docs/screenshots/) from the browser
# test's latest run: `make check T=t0560` (root, chromium) then this.
# t0560 fails when the README shows a screenshot it does not take.
set -euo pipefail
cd "$(dirname "$0")/.."
src=tests/out/screenshots
mkdir -p docs/screenshots
for f in $(grep -o 'docs/screenshots/[a-z-]*\.png' README.md | sort -u); do
	[ -s "$src/${f##*/}" ] || { echo "doc-screenshots: no $src/${f##*/}: run 'make check T=t0560' first" >&2; exit 1; }
	cp "$src/${f##*/}" "$f"
	echo "$f"
done

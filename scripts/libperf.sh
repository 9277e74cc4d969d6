#!/usr/bin/env bash
# Build libperf (and libapi) for one architecture into build/deps/<arch>/:
#   scripts/libperf.sh [x86_64|aarch64]      (default: this machine's)
# Debian does not package libperf: it is built from the kernel tree of
# Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz).  Neither
# root nor apt: `make` calls this when the library is missing, and
# scripts/deps.sh installs the packages it needs (linux-source-6.1; for
# aarch64 the cross toolchain).  Does nothing when it is built already.
set -euo pipefail
cd "$(dirname "$0")/.."
deps=$PWD/build/deps
tarball=/usr/src/linux-source-6.1.tar.xz

log() { printf 'libperf: %s\n' "$*" >&2; }

arch=${1:-$(uname -m)}
cross=()
out=$deps/$arch
case $arch in
x86_64) karch=x86 ;;
aarch64) karch=arm64 ;;
*) log "no recipe for '$arch': expected x86_64 or aarch64"; exit 2 ;;
esac
if [ "$arch" != "$(uname -m)" ]; then
	cross=(ARCH="$karch" CROSS_COMPILE="$arch-linux-gnu-")
	command -v "$arch-linux-gnu-gcc" >/dev/null ||
		{ log "no $arch-linux-gnu-gcc: install the cross toolchain (scripts/deps.sh $arch, as root)"; exit 1; }
fi
if [ -f "$out/lib/libperf.a" ] && [ -f "$out/lib/libapi.a" ] && [ -f "$out/include/perf/evlist.h" ]; then
	exit 0
fi
[ -f "$tarball" ] || { log "no $tarball: install linux-source-6.1 (scripts/deps.sh host, as root)"; exit 1; }
src=$deps/src-$arch
rm -rf "$src" "$out"
mkdir -p "$src" "$out/lib"
log "extracting the sources for $arch from linux-source-6.1"
tar -C "$src" -xf "$tarball" -I 'xz -T0' \
	linux-source-6.1/tools/lib/perf linux-source-6.1/tools/lib/api \
	linux-source-6.1/tools/lib/zalloc.c linux-source-6.1/tools/lib/str_error_r.c \
	linux-source-6.1/tools/build linux-source-6.1/tools/include \
	"linux-source-6.1/tools/arch/$karch/include" linux-source-6.1/tools/scripts
log "building for $arch"
make -s -C "$src/linux-source-6.1/tools/lib/perf" "${cross[@]}" -j"$(nproc)" \
	DESTDIR="$out" prefix=/ libdir=/lib install_lib install_headers >"$src/build.log" 2>&1 ||
	{ tail -20 "$src/build.log" >&2; exit 1; }
cp "$src/linux-source-6.1/tools/lib/api/libapi.a" "$out/lib/"
# a static link only: no shared libperf to find at run time
rm -f "$out"/lib/libperf.so*
rm -rf "$src"

#!/usr/bin/env bash
# Install what forkwatch builds and tests with, on Debian 12, as root:
#   scripts/deps.sh [host|aarch64|test]...
# host:    Debian packages for the native build, libperf built for this arch
# aarch64: the cross toolchain, libpfm4/cmocka for arm64, qemu-user, libperf for arm64
# test:    what the tests use besides (perf for counter checks; qemu-system-arm
#          and Debian's arm64 kernel for the arm64 system test, and postgresql
#          for the tests on PostgreSQL, not fatal)
# Nothing is downloaded from anywhere but the Debian package registry:
# libperf comes from Debian's linux-source-6.1 package (scripts/libperf.sh,
# which `make` also runs, without root, when the library is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
deps=$top/build/deps

log() { printf 'deps: %s\n' "$*" >&2; }

apt_updated=
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		log "missing packages: ${missing[*]}; run as root or install them"
		exit 1
	fi
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		apt-get update -qq
		apt_updated=1
	fi
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The guest of tests/e2e/t0700-arm64-system.sh: Debian's arm64 kernel (the
# image and the modules a 9p share needs) and static busybox, fetched with
# apt-get download and unpacked under build/deps/arm64-guest, never
# installed: the host keeps its own kernel and busybox.  Returns non-zero
# with the reason in build/deps/arm64-guest.failed, which t0700 prints
# when it skips.
guest_fail() {
	log "arm64 guest: $*; t0700 will skip"
	echo "$*" >"$deps/arm64-guest.failed"
	rm -rf "$deps/arm64-guest"
	return 1
}

arm64_guest() {
	local dir=$deps/arm64-guest dl kpkg release deb
	[ -f "$dir/ok" ] && return 0
	mkdir -p "$deps"
	rm -rf "$dir" "$deps/arm64-guest.failed"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ "$(id -u)" = 0 ] || { guest_fail "dpkg has no arm64 architecture: run scripts/deps.sh aarch64 as root"; return 1; }
		dpkg --add-architecture arm64 && apt_updated= || { guest_fail "dpkg --add-architecture arm64 failed"; return 1; }
	fi
	if ! apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1 && [ -z "$apt_updated" ] && [ "$(id -u)" = 0 ]; then
		log "apt-get update"
		apt-get update -qq && apt_updated=1
	fi
	kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -1)
	[ -n "$kpkg" ] || { guest_fail "apt knows no package 'linux-image-arm64:arm64'"; return 1; }
	dl=$dir/dl
	mkdir -p "$dl"
	log "downloading $kpkg and busybox-static:arm64"
	(cd "$dl" && apt-get download -q "$kpkg" busybox-static:arm64) >"$dir/download.log" 2>&1 ||
		{ guest_fail "apt-get download '$kpkg' busybox-static:arm64 failed: $(grep -m1 '^E:' "$dir/download.log")"; return 1; }
	for deb in "$dl"/*.deb; do
		# the kernel image, its config, and the modules a virtio 9p share needs
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards --no-wildcards-match-slash \
			'./boot/vmlinuz-*' './boot/config-*' './bin/busybox' \
			'./lib/modules/*/modules.builtin' \
			'./lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' \
			'./lib/modules/*/kernel/fs/fscache/*' './lib/modules/*/kernel/net/9p/*' \
			'./lib/modules/*/kernel/drivers/virtio/*' 2>/dev/null
	done
	rm -rf "$dl"
	release=$(cd "$dir/boot" 2>/dev/null && ls vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | head -1)
	[ -n "$release" ] && [ -d "$dir/lib/modules/$release/kernel/fs/9p" ] ||
		{ guest_fail "'$kpkg' holds no vmlinuz or 9p modules"; return 1; }
	[ -x "$dir/bin/busybox" ] || { guest_fail "busybox-static:arm64 holds no /bin/busybox"; return 1; }
	echo "$release" >"$dir/ok"
	log "arm64 guest kernel $release in $dir"
}

host_pkgs=(build-essential pkg-config xz-utils linux-source-6.1 libpfm4-dev libcmocka-dev
	libsqlite3-dev libpq-dev libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libsodium-dev zlib1g-dev
	libzstd-dev curl)

[ $# -eq 0 ] && set -- host
for what in "$@"; do
	case $what in
	host)
		need_pkgs "${host_pkgs[@]}"
		scripts/libperf.sh "$(uname -m)"
		;;
	aarch64)
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			[ "$(id -u)" = 0 ] || { log "need root to add the arm64 architecture"; exit 1; }
			dpkg --add-architecture arm64
			apt_updated=
		fi
		need_pkgs "${host_pkgs[@]}" gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static \
			libpfm4-dev:arm64 libcmocka-dev:arm64
		scripts/libperf.sh aarch64
		;;
	test)
		# clang and its libFuzzer runtime: make fuzz, tests/e2e/t0800-fuzz-short.sh
		need_pkgs linux-perf python3 python3-scipy clang libclang-rt-14-dev
		# the zstd command: t0415 reads compressed samples with a decoder of its own
		need_pkgs zstd
		# PostgreSQL for the store's tests on it (tests/pg-cluster.sh makes a
		# throw-away cluster); without it that half of the tests skips
		(need_pkgs postgresql) || log "postgresql missing: the tests on PostgreSQL will skip"
		# the browser test (t0560) skips, with the reason, without it
		(need_pkgs chromium) || log "chromium missing: the browser test (t0560) will skip"
		# the arm64 system test skips, with the reason, where these fail
		# (a subshell: need_pkgs exits when it may not install)
		{ (need_pkgs qemu-system-arm cpio) && arm64_guest; } ||
			log "arm64 system test (t0700) prerequisites missing: it will skip"
		;;
	*) log "unknown target '$what': expected host, aarch64 or test"; exit 2 ;;
	esac
done

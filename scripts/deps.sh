#!/usr/bin/env bash
# Install what forkwatch builds and tests with, on Debian 12, as root:
#   scripts/deps.sh [host|aarch64|test]...
# host:    Debian packages for the native build, libperf built for this arch
# aarch64: the cross toolchain, libpfm4/cmocka for arm64, qemu-user, libperf for arm64
# test:    what the tests use besides (perf for counter checks; qemu-system-arm,
#          qemu-system-x86 and Debian's arm64 and amd64 kernels for the arm64
#          system test and forkwatch vm's, and postgresql for the tests on
#          PostgreSQL, not fatal)
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

# The guests of forkwatch vm (and its tests, t0710-t0730): Debian's packaged
# kernel of each architecture (linux-image-cloud-amd64, linux-image-arm64)
# and busybox-static, fetched with apt-get download and never installed:
# build/deps/guest-<debarch>/ keeps the kernel's .deb as Debian ships it
# (what 'forkwatch vm --kernel-deb' takes) and the static busybox
# (bin/busybox, found there by forkwatch vm run from the build tree).
# Returns non-zero with the reason in build/deps/guest-<debarch>.failed,
# which the tests print when they skip.
deb_fail() {
	log "$1 guest: $2; its tests will skip"
	echo "$2" >"$deps/guest-$1.failed"
	rm -rf "$deps/guest-$1"
	return 1
}

guest_debs() {
	local debarch=$1 dir=$deps/guest-$1 meta q= kpkg dl
	[ -f "$dir/ok" ] && return 0
	case $debarch in
	amd64) meta=linux-image-cloud-amd64 ;;
	arm64) meta=linux-image-arm64 ;;
	*) deb_fail "$debarch" "no Debian kernel named for '$debarch'"; return 1 ;;
	esac
	[ "$debarch" = "$(dpkg --print-architecture)" ] || q=:$debarch
	mkdir -p "$deps"
	rm -rf "$dir" "$deps/guest-$debarch.failed"
	if [ -n "$q" ] && ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
		[ "$(id -u)" = 0 ] || { deb_fail "$debarch" "dpkg has no $debarch architecture: run scripts/deps.sh as root"; return 1; }
		dpkg --add-architecture "$debarch" && apt_updated= || { deb_fail "$debarch" "dpkg --add-architecture $debarch failed"; return 1; }
	fi
	if ! apt-cache show "$meta$q" >/dev/null 2>&1 && [ -z "$apt_updated" ] && [ "$(id -u)" = 0 ]; then
		log "apt-get update"
		apt-get update -qq && apt_updated=1
	fi
	kpkg=$(apt-cache depends "$meta$q" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -1)
	[ -n "$kpkg" ] || { deb_fail "$debarch" "apt knows no package '$meta$q'"; return 1; }
	dl=$dir/dl
	mkdir -p "$dl"
	log "downloading $kpkg and busybox-static$q"
	# apt's sandbox user cannot write into build/: download as root there
	(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$kpkg" "busybox-static$q") >"$dir/download.log" 2>&1 ||
		{ deb_fail "$debarch" "apt-get download '$kpkg' busybox-static$q failed: $(grep -m1 '^E:' "$dir/download.log")"; return 1; }
	mv "$dl"/linux-image-*.deb "$dir/" 2>/dev/null || { deb_fail "$debarch" "'$kpkg' downloaded no .deb"; return 1; }
	dpkg-deb --fsys-tarfile "$dl"/busybox-static_*.deb | tar -x -C "$dir" ./bin/busybox 2>/dev/null
	rm -rf "$dl"
	[ -x "$dir/bin/busybox" ] || { deb_fail "$debarch" "busybox-static$q holds no /bin/busybox"; return 1; }
	echo "$kpkg" >"$dir/ok"
	log "$debarch guest: $(ls "$dir"/linux-image-*.deb) and busybox in $dir"
}

# The guest of tests/e2e/t0700-arm64-system.sh: from the arm64 kernel
# package above, the image and the modules a virtio 9p share needs,
# unpacked under build/deps/arm64-guest.  Returns non-zero with the reason
# in build/deps/arm64-guest.failed, which t0700 prints when it skips.
guest_fail() {
	log "arm64 guest: $*; t0700 will skip"
	echo "$*" >"$deps/arm64-guest.failed"
	rm -rf "$deps/arm64-guest"
	return 1
}

arm64_guest() {
	local dir=$deps/arm64-guest release deb
	[ -f "$dir/ok" ] && return 0
	mkdir -p "$deps"
	rm -rf "$dir" "$deps/arm64-guest.failed"
	guest_debs arm64 || { guest_fail "$(cat "$deps/guest-arm64.failed")"; return 1; }
	mkdir -p "$dir/bin"
	cp "$deps/guest-arm64/bin/busybox" "$dir/bin/busybox"
	for deb in "$deps"/guest-arm64/linux-image-*.deb; do
		# the kernel image, its config, and the modules a virtio 9p share needs
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards --no-wildcards-match-slash \
			'./boot/vmlinuz-*' './boot/config-*' \
			'./lib/modules/*/modules.builtin' \
			'./lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' \
			'./lib/modules/*/kernel/fs/fscache/*' './lib/modules/*/kernel/net/9p/*' \
			'./lib/modules/*/kernel/drivers/virtio/*' 2>/dev/null
	done
	release=$(cd "$dir/boot" 2>/dev/null && ls vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | head -1)
	[ -n "$release" ] && [ -d "$dir/lib/modules/$release/kernel/fs/9p" ] ||
		{ guest_fail "the arm64 kernel package holds no vmlinuz or 9p modules"; return 1; }
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
		# xmllint: the Atom feed is checked against XML 1.0 (t0663)
		need_pkgs libxml2-utils
		# PostgreSQL for the store's tests on it (tests/pg-cluster.sh makes a
		# throw-away cluster); without it that half of the tests skips
		(need_pkgs postgresql) || log "postgresql missing: the tests on PostgreSQL will skip"
		# the browser test (t0560) skips, with the reason, without it
		(need_pkgs chromium) || log "chromium missing: the browser test (t0560) will skip"
		# the arm64 system test and forkwatch vm's tests skip, with the
		# reason, where these fail (a subshell: need_pkgs exits when it
		# may not install)
		{ (need_pkgs qemu-system-arm cpio) && guest_debs arm64 && arm64_guest; } ||
			log "arm64 system test (t0700) prerequisites missing: it will skip"
		{ (need_pkgs qemu-system-x86) && guest_debs amd64; } ||
			log "x86-64 guest (forkwatch vm's tests) prerequisites missing: they will skip"
		;;
	*) log "unknown target '$what': expected host, aarch64 or test"; exit 2 ;;
	esac
done

#!/usr/bin/env bash
# forkwatch vm with Debian's packaged kernels under qemu (TCG here: no
# /dev/kvm): the arm64 package (linux-image-arm64, 9p modules in it: the
# result comes back over 9p), the amd64 one (linux-image-cloud-amd64,
# which has no 9p at all: the result comes back framed over the serial
# console), the arm64 package again without its 9p modules (over the
# PL011 console), and the arm64 image with its modules given apart, as
# 'make modules_install INSTALL_MOD_PATH=' lays them out.  Each document
# is the guest kernel's (release, build-id, arch), says how it ran
# (host.vm), and verified every layout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vm-lib.sh"
command -v dpkg-deb >/dev/null || skip "no dpkg-deb"
ran=0

vm() { # NAME, forkwatch vm options...: the document in $T/NAME.json, stderr in $T/NAME.err
	local name=$1 rc=0 start=$SECONDS
	shift
	"$FW" vm "$@" --json "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	[ $rc = 0 ] || { cat "$T/$name.err" >&2; fail "forkwatch vm ($name): exit $rc"; }
	grep -q MISMATCH "$T/$name.out" && { cat "$T/$name.out"; fail "$name: the guest's table shows a layout mismatch"; }
	say "$name: $((SECONDS - start)) s: $(grep 'booted in' "$T/$name.err")"
}

if (need_guest aarch64) >"$T/skip-arm64" 2>&1; then
	need_guest aarch64
	arm=$deb
	rel=$(deb_release "$arm")
	say "arm64: $(basename "$arm") over 9p"
	vm arm64 --kernel-deb "$arm" "${VM_BENCH[@]}"
	check_vm_doc "$T/arm64.json" aarch64 "$rel" 9p 0 -
	grep -q 'result over 9p' "$T/arm64.err" || fail "arm64: stderr does not say the result came over 9p"

	say "arm64: the package without its 9p modules: over the console"
	mkdir -p "$T/no9p/DEBIAN"
	dpkg-deb --fsys-tarfile "$arm" | tar -x -C "$T/no9p" --wildcards './boot/vmlinuz-*' './lib/modules/*/modules.builtin' \
		'./lib/modules/*/kernel/drivers/virtio/*'
	printf 'Package: linux-image-no9p\nVersion: 1\nArchitecture: arm64\nMaintainer: t0710\nDescription: no 9p\n' \
		>"$T/no9p/DEBIAN/control"
	dpkg-deb -Zgzip -z1 -b "$T/no9p" "$T/no9p.deb" >/dev/null
	RUNS=1 vm arm64-no9p --kernel-deb "$T/no9p.deb" --size 64M --runs 1 --iterations 2 --warmup 0 --layouts order-0,pmd \
		--workloads fork
	RUNS=1 check_vm_doc "$T/arm64-no9p.json" aarch64 "$rel" console 0 -
	grep -q "no 9p: module '9pnet_virtio' is neither in" "$T/arm64-no9p.err" ||
		{ cat "$T/arm64-no9p.err"; fail "arm64-no9p: stderr does not say why there is no 9p"; }

	say "arm64: a bare image with --modules (INSTALL_MOD_PATH)"
	mkdir -p "$T/img"
	dpkg-deb --fsys-tarfile "$arm" | tar -x -C "$T/img" --wildcards './boot/vmlinuz-*' './lib/modules/*/modules.builtin' \
		'./lib/modules/*/kernel/drivers/virtio/*' './lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/fs/*'
	RUNS=1 vm arm64-image --kernel "$T/img/boot/vmlinuz-$rel" --modules "$T/img" --size 64M --runs 1 --iterations 2 \
		--warmup 0 --layouts order-0,pmd --workloads fork
	RUNS=1 check_vm_doc "$T/arm64-image.json" aarch64 "$rel" 9p 0 -
	jtrue "$T/arm64-image.json" 'd["host"]["vm"]["kernel_input"] == "image"' "arm64-image: kernel_input"
	ran=$((ran + 1))
else
	say "arm64: skipped: $(grep '^skip:' "$T/skip-arm64")"
fi

if (need_guest x86_64) >"$T/skip-x86" 2>&1; then
	need_guest x86_64
	say "x86-64: $(basename "$deb"), which has no 9p: over the serial console"
	vm x86 --kernel-deb "$deb" "${VM_BENCH[@]}"
	check_vm_doc "$T/x86.json" x86_64 "$(deb_release "$deb")" console 0 -
	grep -q "no 9p: module '9pnet_virtio' is neither in" "$T/x86.err" || fail "x86: stderr does not say why there is no 9p"
	grep -q '| time ' "$T/x86.out" || fail "x86: no bench table on standard output"
	ran=$((ran + 1))
else
	say "x86-64: skipped: $(grep '^skip:' "$T/skip-x86")"
fi
[ $ran -gt 0 ] || skip "neither guest: $(grep -h '^skip:' "$T/skip-arm64" "$T/skip-x86" | cut -c7- | paste -sd';')"
say "ok"

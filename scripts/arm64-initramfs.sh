#!/usr/bin/env bash
# Build the initramfs of the arm64 system test (tests/e2e/t0700-arm64-system.sh):
#
#   scripts/arm64-initramfs.sh [--guest DIR] [--forkwatch FILE] [--hostname NAME]
#           [--bench 'OPTIONS'] [--setup 'COMMANDS'] [--job NAME 'OPTIONS']... OUT.cpio.gz
#
# It holds busybox-static:arm64, the static aarch64 forkwatch, the kernel
# modules of a virtio 9p share, and an /init that mounts proc, sysfs,
# devtmpfs, tracefs and the share (mount tag "fwshare"), runs the setup
# commands, then each job's 'forkwatch bench OPTIONS --json /share/NAME.json'
# with its exit status, table and errors beside it (NAME.rc, NAME.out,
# NAME.err), and powers the machine off.  The console shows every step.
#
# --guest    what 'scripts/deps.sh test' unpacked from Debian's arm64 kernel
#            and busybox packages (default build/deps/arm64-guest)
# --hostname the guest's hostname: host.hostname in its documents
# --bench    the options of job 'result' (default: a small matrix, 64 MiB)
# --setup    shell commands run before the jobs (e.g. define a kprobe event)
# --job      one more bench, after 'result'
#
# Boot it with
#   qemu-system-aarch64 -M virt -accel tcg -cpu max,pauth-impdef=on -m 1G -nic none \
#     -kernel DIR/boot/vmlinuz-* -initrd OUT.cpio.gz \
#     -append 'console=ttyAMA0 transparent_hugepage=madvise panic=-1' \
#     -fsdev local,id=fw,path=SHARE,security_model=none \
#     -device virtio-9p-pci,fsdev=fw,mount_tag=fwshare -display none -serial stdio -no-reboot
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

guest=$top/build/deps/arm64-guest
fw=$top/build/aarch64/forkwatch
hostname=fw-arm64-guest
bench='--size 64M --runs 2 --iterations 4 --fresh-iterations 2 --warmup 1 --layouts order-0,order-9,pmd --workloads fork,munmap'
setup=
jobs=()
out=

die() { printf 'arm64-initramfs: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--guest) guest=${2:?}; shift 2 ;;
	--forkwatch) fw=${2:?}; shift 2 ;;
	--hostname) hostname=${2:?}; shift 2 ;;
	--bench) bench=${2:?}; shift 2 ;;
	--setup) setup=${2:?}; shift 2 ;;
	--job)
		case ${2:-} in
		'' | result | *[!a-z0-9_-]*) die "--job '${2:-}': expected a name in [a-z0-9_-], not 'result'" ;;
		esac
		jobs+=("$2 ${3:?}")
		shift 3
		;;
	--help | -h) usage ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$out" ] || die "one output file, not '$out' and '$1'"; out=$1; shift ;;
	esac
done
[ -n "$out" ] || usage
case $hostname in
*[!A-Za-z0-9.-]* | '') die "--hostname '$hostname': expected letters, digits, dots and dashes" ;;
esac
release=$(cat "$guest/ok" 2>/dev/null) || die "no arm64 guest kernel in '$guest': run scripts/deps.sh test"
moddir=$guest/lib/modules/$release
[ -d "$moddir" ] || die "no modules of '$release' in '$guest'"
[ -x "$guest/bin/busybox" ] || die "no arm64 busybox in '$guest/bin'"
[ -x "$fw" ] || die "no '$fw': run make ARCH=aarch64"
if command -v file >/dev/null && ! file -b "$fw" | grep -q 'ARM aarch64.*statically linked'; then
	die "'$fw' is not a static aarch64 executable"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/fw-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,share,etc/forkwatch,lib/modules,var/lib/forkwatch}
cp "$guest/bin/busybox" "$root/bin/busybox"
cp "$fw" "$root/bin/forkwatch"
printf '%s\n' "result $bench" "${jobs[@]}" >"$root/etc/forkwatch/jobs"
printf '%s\n' "$setup" >"$root/etc/forkwatch/setup.sh"
printf '%s\n' "$hostname" >"$root/etc/hostname"

# The modules in load order, dependencies first (from each module's
# depends= field: the package ships no modules.dep, depmod makes it).
modfile() { find "$moddir/kernel" -name "$1.ko" -o -name "$1.ko.xz" | head -1; }
declare -A loaded=()
order=()
add_module() {
	local m=$1 f d
	[ -n "${loaded[$m]:-}" ] && return 0
	loaded[$m]=1
	f=$(modfile "$m")
	if [ -z "$f" ]; then
		# built in: nothing to load
		grep -q "/$m.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
		die "module '$m' is neither in '$moddir' nor built in"
	fi
	case $f in
	*.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
	*) cp "$f" "$root/lib/modules/$m.ko" ;;
	esac
	for d in $(tr '\0' '\n' <"$root/lib/modules/$m.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$d"
	done
	order+=("$m")
}
for m in virtio_pci 9pnet_virtio 9p; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$root/etc/forkwatch/modules"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# forkwatch's arm64 guest (scripts/arm64-initramfs.sh): bench, write the
# document to the 9p share, power off.  Whatever happens, power off.
/bin/busybox --install -s /bin
export PATH=/bin
say() { echo "fw-guest: $*"; }
off() { sync; umount /share 2>/dev/null; say "power off"; poweroff -f; }
trap off EXIT
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing || say "no tracefs"
hostname "$(cat /etc/hostname)"
for m in $(cat /etc/forkwatch/modules); do
	insmod "/lib/modules/$m.ko" || say "insmod '$m' failed"
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 fwshare /share; then
	say "cannot mount the 9p share 'fwshare': no document comes back"
	exit 1
fi
say "kernel $(uname -r) $(uname -m), hostname $(hostname), thp $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
. /etc/forkwatch/setup.sh || say "setup failed"
while read -r name args; do
	say "$name: forkwatch bench $args"
	rc=0
	forkwatch bench $args --quiet --json "/share/$name.json" \
		>"/share/$name.out" 2>"/share/$name.err" </dev/null || rc=$?
	echo "$rc" >"/share/$name.rc"
	cat "/share/$name.out" "/share/$name.err"
	say "$name: bench exit $rc"
done </etc/forkwatch/jobs
INIT
chmod 755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "arm64-initramfs: $out: kernel $release, modules ${order[*]}, hostname $hostname" >&2

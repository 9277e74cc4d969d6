#!/usr/bin/env bash
# forkwatch vm's failures, with Debian's amd64 cloud kernel under qemu:
# each is one line on stderr naming what went wrong, exit 2, no document
# written, nothing spooled, and the guest's console log kept in the file
# the line names.  A file that is no kernel image, a bzImage cut short, a
# gzip'ed arm64 Image cut short (all refused before booting), a corrupt
# bzImage (its decompressor halts), a kernel that hangs (an init that
# never starts: --boot-timeout), one that panics (no init at all), the
# guest's bench refusing an option, and --accel kvm where KVM cannot work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vm-lib.sh"
need_guest x86_64
rel=$(deb_release "$deb")
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$T" "./boot/vmlinuz-$rel"
img=$T/boot/vmlinuz-$rel

# uploads set up (a server that is never reached), so that "nothing spooled" means something
mkdir -p "$FORKWATCH_STATE_DIR"
printf 'name=t0730\ntoken=fw_%s\n' "$(printf 'x%.0s' $(seq 40))" >"$T/token"
chmod 600 "$T/token"
up=(--server http://127.0.0.1:9 --token-file "$T/token" --spool "$T/spool" --json "$T/doc.json")
small=(--size 64M --runs 1 --iterations 1 --munmap-iterations 1 --warmup 0 --layouts order-0 --workloads fork --quiet)

# vm_fails WHAT PATTERN [options...]: one line with PATTERN, exit 2, no document, an empty spool;
# a console log, when the line names one, that exists
vm_fails() {
	local what=$1 pat=$2 rc=0 log start=$SECONDS
	shift 2
	# the test's own options last: bench takes the last of an option given twice
	"$FW" vm "${up[@]}" "${small[@]}" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ $rc = 2 ] || { cat "$T/err" >&2; fail "$what: exit $rc, expected 2"; }
	grep -q -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "$what: stderr lacks '$pat'"; }
	[ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err" >&2; fail "$what: not one line"; }
	[ ! -e "$T/doc.json" ] || fail "$what: a document was written"
	[ -z "$(ls -A "$T/spool" 2>/dev/null | grep -v '^rejected$')" ] || fail "$what: something was spooled: $(ls "$T/spool")"
	log=$(sed -n "s/.*console log kept in '\(.*\)'$/\1/p" "$T/err")
	if [ -n "$log" ]; then
		[ -f "$log" ] || fail "$what: the console log '$log' is not there"
		cp "$log" "$T/last-console.log"
		rm -f "$log"
	fi
	say "ok: $what ($((SECONDS - start)) s): $(cat "$T/err")"
}

head -c 3000000 /dev/urandom >"$T/garbage"
vm_fails "not a kernel image" "not a kernel image" --kernel "$T/garbage"
head -c 300000 "$img" >"$T/cut"
vm_fails "a bzImage cut short" "cut short: 300000 bytes" --kernel "$T/cut"
a64=$(ls "$top"/build/deps/arm64-guest/boot/vmlinuz-* 2>/dev/null | head -1)
if [ -n "$a64" ]; then
	gzip -c "$a64" | head -c 2000000 >"$T/Image.gz"
	vm_fails "an arm64 Image.gz cut short" "gzip -dc: exit 1 (a corrupt or truncated file)" --kernel "$T/Image.gz"
fi
cp "$img" "$T/corrupt"
dd if=/dev/zero of="$T/corrupt" bs=4096 count=1 seek=$(($(stat -c %s "$img") / 8192)) conv=notrunc 2>/dev/null
vm_fails "a corrupt bzImage" "halted in its decompressor.*console log kept in" --kernel "$T/corrupt"
grep -q 'System halted' "$T/last-console.log" || fail "the kept console log does not show the halt"
vm_fails "a kernel that hangs" "hung: no init within --boot-timeout 8 s; console log kept in" \
	--kernel "$img" --boot-timeout 8 --append 'rdinit=/bin/busybox -- sleep 3600'
vm_fails "a kernel that panics" "panicked: 'Kernel panic - not syncing: .*'; console log kept in" \
	--kernel "$img" --append rdinit=/nonexistent
grep -q 'Kernel panic' "$T/last-console.log" || fail "the kept console log does not show the panic"
vm_fails "the guest's bench refuses an option" "booted, but the guest's 'forkwatch bench' failed (exit 2): forkwatch: unknown layout 'order-77'" \
	--kernel "$img" --layouts order-77
if [ ! -w /dev/kvm ]; then
	vm_fails "--accel kvm without KVM" "accel kvm: no /dev/kvm" --kernel "$img" --accel kvm
fi
expect_fail "no kernel" "vm needs one of --kernel-deb" "$FW" vm --size 64M
expect_fail "--modules with a package" "--modules goes with --kernel" "$FW" vm --kernel-deb "$deb" --modules "$T"
expect_fail "ab without --boots" "ab needs --base FILE, --head FILE and --boots N" "$FW" ab --base "$img" --head "$img"
expect_fail "ab with fewer runs than boots" "fewer runs than --boots 3" "$FW" ab --base "$img" --head "$img" --boots 3 --runs 2
expect_fail "ab with --time-budget 0" "--time-budget '0': expected a whole number from 1 to" "$FW" ab --base "$img" --head "$img" --boots 1 --time-budget 0
expect_fail "ab with --kernel-commit" "ab takes --base-commit" "$FW" ab --base "$img" --head "$img" --boots 1 --kernel-commit abcdef0
say "ok"

# shellcheck shell=bash
# Shared by forkwatch vm's end-to-end scripts (t071*.sh): source it after
# lib.sh.  Debian's packaged kernels and busybox come from
# 'scripts/deps.sh test' (apt-get download into build/deps/guest-<arch>);
# a test skips, with the reason, where qemu or they cannot be had.
VM_BENCH=(--size 64M --runs 2 --iterations 4 --munmap-iterations 2 --warmup 1
	--layouts order-0,order-9,pmd --workloads fork,munmap)

# need_guest ARCH (x86_64|aarch64): qemu, the packaged kernel, busybox and
# the static forkwatch for it, or skip; sets $deb (the kernel package)
need_guest() {
	local a=$1 debarch qpkg fwg
	case $a in
	x86_64) debarch=amd64 qpkg=qemu-system-x86 fwg=$top/build/x86_64-static/forkwatch ;;
	aarch64) debarch=arm64 qpkg=qemu-system-arm fwg=$top/build/aarch64/forkwatch ;;
	esac
	command -v "qemu-system-$a" >/dev/null || skip "no qemu-system-$a (apt-get install $qpkg)"
	[ -f "$top/build/deps/guest-$debarch/ok" ] ||
		skip "no $debarch guest kernel: $(cat "$top/build/deps/guest-$debarch.failed" 2>/dev/null ||
			echo "run scripts/deps.sh test (apt-get download of Debian's $debarch kernel and busybox-static)")"
	deb=$(ls "$top/build/deps/guest-$debarch"/linux-image-*.deb | head -1)
	[ -x "$fwg" ] || skip "no static $a forkwatch for the guest ($([ "$a" = x86_64 ] && echo 'make STATIC=1' || echo 'make ARCH=aarch64'))"
	[ -x "$FW" ] || fail "no $FW: run make first"
}

# deb_release FILE.deb: the release of the image it holds
deb_release() {
	dpkg-deb -c "$1" | sed -n 's|.*\./boot/vmlinuz-\(.*\)$|\1|p' | head -1
}

# check_vm_doc FILE ARCH RELEASE CHANNEL BOOT ROLE: a guest's document, its host.vm,
# every layout verified; RUNS runs per case (env, default 2)
check_vm_doc() {
	"$PY" - "$@" "$(hostname)" "${RUNS:-2}" <<'PYEOF' || fail "the guest's document $1"
import json, re, sys
path, arch, release, channel, boot, role, hostname, runs = sys.argv[1:9]
d = json.load(open(path))
bad = []
def check(c, m):
    if not c:
        bad.append(m)
h, k, vm = d["host"], d["kernel"], d["host"].get("vm") or {}
check(d["format"] == "forkwatch-result/1", "format %r" % d["format"])
check(h["arch"] == arch, "host.arch %r" % h["arch"])
check(h["thp"]["enabled"] == "madvise", "thp %r (below 512M of RAM the kernel turns THP off)" % h["thp"])
check(h["hostname"] == "%s-vm-%s-%s" % (hostname, arch.replace("_", "-"), vm.get("accel")), "host.hostname %r" % h["hostname"])
check(k["release"] == release, "kernel.release %r, expected %r" % (k["release"], release))
check(re.fullmatch(r"[0-9a-f]{40}", k["build_id"] or ""), "kernel.build_id %r" % k["build_id"])
check("Debian" in (k["version"] or ""), "kernel.version %r" % k["version"])
check(vm.get("accel") in ("kvm", "tcg"), "host.vm.accel %r" % vm.get("accel"))
check(re.match(r"\d+\.\d+", vm.get("qemu") or ""), "host.vm.qemu %r" % vm.get("qemu"))
check(vm.get("vcpus") == 2 and h["cpus"] == 2, "vcpus %r, the guest saw %r" % (vm.get("vcpus"), h["cpus"]))
check(vm.get("mem_bytes", 0) >= 1 << 30, "host.vm.mem_bytes %r" % vm.get("mem_bytes"))
check(vm.get("host_hostname") == hostname, "host.vm.host_hostname %r" % vm.get("host_hostname"))
check(vm.get("channel") == channel, "host.vm.channel %r, expected %r" % (vm.get("channel"), channel))
check(vm.get("boot") == int(boot), "host.vm.boot %r, expected %s" % (vm.get("boot"), boot))
check(vm.get("role") == (None if role == "-" else role), "host.vm.role %r" % vm.get("role"))
check(re.fullmatch(r"[0-9a-f-]{36}", vm.get("session") or ""), "host.vm.session %r" % vm.get("session"))
check(0 < vm.get("boot_s", 0) < vm.get("wall_s", 0), "boot_s %r, wall_s %r" % (vm.get("boot_s"), vm.get("wall_s")))
check(d["params"]["runs"] == int(runs), "params.runs %r" % d["params"]["runs"])
for c in d["cases"]:
    lc = c["layout_check"]
    check(lc["ok"] and lc["runs_verified"] == int(runs), "%s %s: layout %r" % (c["workload"], c["layout"], lc["reason"]))
if bad:
    print("\n".join("FAIL: " + b for b in bad))
    sys.exit(1)
print("    %s: %s %s, %s, boot %s in %.1f s of %.1f s, over %s, %d cases verified" % (path.split("/")[-1],
      h["arch"], k["release"], vm["accel"], vm["boot"], vm["boot_s"], vm["wall_s"], vm["channel"], len(d["cases"])))
PYEOF
}

# jtrue FILE 'python condition on d' MESSAGE: fail with MESSAGE unless it holds
jtrue() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
		fail "$3"
}

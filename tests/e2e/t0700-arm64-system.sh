#!/usr/bin/env bash
# forkwatch on a real arm64 kernel: Debian's arm64 kernel boots under
# qemu-system-aarch64 (TCG, no guest network) with an initramfs holding the
# static aarch64 forkwatch (scripts/arm64-initramfs.sh), benchmarks 64 MiB
# of order-0, order-9 (pte-mapped) and pmd folios under every workload of
# the table, and writes its document to a 9p share.  Checked here: the document is the guest's (aarch64, the
# Debian arm64 release), every layout verified from kpageflags with the
# folio orders it should have, every counter counted or unsupported with a
# reason (never 0), the PMU path counted cycles, and the kprobe events that
# docs/counters.md offers in place of tlb:tlb_flush count what it says.
# Then the document is uploaded from this side to a local forkwatchd and
# shows up as the guest host's run.  Timings under TCG mean nothing.
. "$(dirname "$0")/lib.sh"
guest=${FW_ARM64_GUEST:-$top/build/deps/arm64-guest}
fwa=$top/build/aarch64/forkwatch
why_no_guest() {
	cat "$top/build/deps/arm64-guest.failed" 2>/dev/null ||
		echo "run scripts/deps.sh test (apt-get download of linux-image-arm64:arm64 and busybox-static:arm64)"
}
command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (apt-get install qemu-system-arm)"
command -v cpio >/dev/null || skip "no cpio (apt-get install cpio)"
[ -f "$guest/ok" ] || skip "no arm64 guest kernel in $guest: $(why_no_guest)"
[ -x "$fwa" ] || skip "no aarch64 build (make ARCH=aarch64)"
[ -x "$FW" ] || fail "no $FW: run make first"
. "$(dirname "$0")/daemon-lib.sh"

release=$(cat "$guest/ok")
gname=fw-arm64-guest
size=64M
runs=2
iters=4
fresh_iters=2
bench="--size $size --runs $runs --iterations $iters --fresh-iterations $fresh_iters --warmup 1"
bench+=" --layouts order-0,order-9,pmd --workloads all"
# What stands in for tlb:tlb_flush on arm64 (docs/counters.md): kprobe
# events on the mmu_gather flushes of the zap path
kprobes='p:fw/tlb_flush_mmu tlb_flush_mmu
p:fw/tlb_finish_mmu tlb_finish_mmu'
kjob="--size $size --runs 1 --iterations 1 --fresh-iterations 1 --warmup 0 --layouts order-0,pmd"
kjob+=" --workloads fork,munmap --events tlb_batch_flushes=fw:tlb_flush_mmu,tlb_gathers=fw:tlb_finish_mmu"

say "initramfs: busybox, forkwatch, 9p modules of $release"
"$top/scripts/arm64-initramfs.sh" --guest "$guest" --forkwatch "$fwa" --hostname "$gname" \
	--bench "$bench" --setup "echo '$kprobes' >>/sys/kernel/tracing/kprobe_events" \
	--job kprobe "$kjob" "$T/initrd.gz" 2>"$T/initramfs.err" ||
	{ cat "$T/initramfs.err" >&2; fail "scripts/arm64-initramfs.sh failed"; }

say "boot $release under qemu-system-aarch64 (TCG)"
mkdir "$T/share"
start=$(date +%s)
rc=0
timeout 150 qemu-system-aarch64 -M virt -accel tcg -cpu max,pauth-impdef=on -smp 2 -m 1024 \
	-nic none -display none -monitor none -serial stdio -no-reboot \
	-kernel "$guest/boot/vmlinuz-$release" -initrd "$T/initrd.gz" \
	-append "console=ttyAMA0 transparent_hugepage=madvise panic=-1 loglevel=4" \
	-fsdev "local,id=fw,path=$T/share,security_model=none" \
	-device virtio-9p-pci,fsdev=fw,mount_tag=fwshare \
	</dev/null >"$T/console.log" 2>&1 || rc=$?
say "guest ran $(($(date +%s) - start)) s, qemu exit $rc"
guest_failed() { tail -40 "$T/console.log" >&2; fail "$*"; }
[ $rc -eq 0 ] || guest_failed "qemu-system-aarch64 exit $rc (124: the guest ran past 150 s)"
grep -q 'fw-guest: power off' "$T/console.log" || guest_failed "the guest did not reach its power-off"
for job in result kprobe; do
	[ -f "$T/share/$job.rc" ] || guest_failed "no $job.rc in the share: the guest did not run its '$job' bench"
	[ "$(cat "$T/share/$job.rc")" = 0 ] ||
		{ cat "$T/share/$job.err" >&2; fail "guest bench '$job' exit $(cat "$T/share/$job.rc")"; }
done
grep -q MISMATCH "$T/share/result.out" && { cat "$T/share/result.out"; fail "the guest's table shows a layout mismatch"; }

say "the guest's document"
# the workload table as bench --help lists it: NAME, and " *" for those that need a fresh region
"$FW" bench --help | sed -n '/^Workloads:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .* \*$/\1 fresh/p' >"$T/fresh"
"$FW" bench --help | sed -n '/^Workloads:/,/^$/s/^  \([a-z][a-z0-9_-]*\) .*/\1/p' >"$T/workloads"
"$PY" - "$T/share/result.json" "$release" "$gname" "$runs" "$iters" "$fresh_iters" "$T" <<'PYEOF' || fail "the guest's document"
import json, re, sys
d = json.load(open(sys.argv[1]))
release, gname = sys.argv[2], sys.argv[3]
runs, iters, fresh_iters = (int(x) for x in sys.argv[4:7])
workloads = open(sys.argv[7] + "/workloads").read().split()
fresh = {l.split()[0] for l in open(sys.argv[7] + "/fresh")}  # those whose call consumes the region
bad = []
def check(c, m):
    if not c:
        bad.append(m)
check(d["format"] == "forkwatch-result/1", "format %r" % d["format"])
check("fork" in workloads and "munmap" in fresh and "fork" not in fresh, "the table per --help: %r %r" % (workloads, fresh))
h, k = d["host"], d["kernel"]
check(h["arch"] == "aarch64", "host.arch %r" % h["arch"])
check(h["hostname"] == gname, "host.hostname %r" % h["hostname"])
check(h["page_size"] == 4096, "page_size %r" % h["page_size"])
check(h["thp"]["enabled"] == "madvise", "thp %r" % h["thp"])
check(k["release"] == release and release.endswith("-arm64"), "kernel.release %r, expected %r" % (k["release"], release))
check("Debian" in (k["version"] or "") and "debian-kernel@lists.debian.org" in k["version"], "kernel.version %r" % k["version"])
check(re.fullmatch(r"[0-9a-f]{40}", k["build_id"] or ""), "kernel.build_id %r" % k["build_id"])
p = d["params"]
check(p["size_bytes"] == 64 << 20 and p["runs"] == runs and p["iterations"] == iters and
      p["fresh_iterations"] == fresh_iters, "params %r" % p)
check(p["workloads"] == workloads, "workloads %r" % p["workloads"])
check(p["layouts"] == ["order-0", "order-9", "pmd"], "layouts %r" % p["layouts"])
want = {(w, l) for w in workloads for l in p["layouts"]}
check({(c["workload"], c["layout"]) for c in d["cases"]} == want, "cases %r" % [(c["workload"], c["layout"]) for c in d["cases"]])
pages = (64 << 20) // 4096
expect = {  # layout: folio histogram, order, mapping, AnonHugePages
    "order-0": ({"0": pages}, 0, "pte", 0),
    "order-9": ({"9": pages // 512}, 9, "pte", 0),
    "pmd": ({"9": pages // 512}, 9, "pmd", 64 << 10),
}
metrics = ["cycles", "instructions", "dtlb_misses", "cache_misses", "tlb_flushes", "page_faults", "task_clock_ns"]
for c in d["cases"]:
    name = "%s %s" % (c["workload"], c["layout"])
    folios, order, mapping, ahp = expect[c["layout"]]
    n = fresh_iters if c["workload"] in fresh else iters
    lc = c["layout_check"]
    check(lc["ok"] is True and lc["reason"] is None, name + ": layout not verified: %r" % lc["reason"])
    check(lc["runs_verified"] == runs == lc["runs"], name + ": runs verified %r of %r" % (lc["runs_verified"], lc["runs"]))
    check(c["order"] == order and c["mapping"] == mapping, name + ": order %r mapping %r" % (c["order"], c["mapping"]))
    for r in c["runs"]:
        for when in ("before", "after"):
            v = r["layout_check"][when]
            check(v["ok"] and v["folios"] == folios and v["partial_pages"] == 0 and v["present_pages"] == pages
                  and v["anon_huge_kb"] == ahp,
                  "%s run %d %s: folios %r partial %r present %r AnonHugePages %r kB" % (name, r["index"], when,
                  v["folios"], v["partial_pages"], v["present_pages"], v["anon_huge_kb"]))
        check(r["ok"] and len(r["ns"]) == n, "%s run %d: ok %r, %d ns" % (name, r["index"], r["ok"], len(r["ns"])))
    check(c["runs_ok"] == runs, name + ": runs_ok %r" % c["runs_ok"])
    check(sorted(c["counters"]) == sorted(metrics), name + ": counters %r" % sorted(c["counters"]))
    for m, st in c["counters"].items():
        if st["status"] == "ok":
            check(st["event"], name + ": " + m + " ok without an event")
            for r in c["runs"]:
                v = r["counters"].get(m)
                check(isinstance(v, list) and len(v) == n and all(isinstance(x, int) and x >= 0 for x in v),
                      "%s run %d: %s readings %r" % (name, r["index"], m, v))
        else:
            check(st["status"] == "unsupported" and st.get("reason"), name + ": " + m + " %r" % st)
            for r in c["runs"]:
                check(m not in r["counters"], "%s run %d: unsupported %s has readings %r" % (name, r["index"], m, r["counters"].get(m)))
    # the PMU path: QEMU's emulated PMUv3 counts cycles (values mean nothing);
    # libpfm4 knows no "implementer 0x00" CPU, so the perf:: name stands
    cy = c["counters"]["cycles"]
    check(cy["status"] == "ok" and cy["event"] == "perf::CYCLES", name + ": cycles %r" % cy)
    check(all(x > 0 for r in c["runs"] for x in r["counters"].get("cycles", [0])), name + ": 0 cycles counted")
    for m in ("page_faults", "task_clock_ns"):
        check(c["counters"][m]["status"] == "ok", name + ": software event %s %r" % (m, c["counters"][m]))
    tf = c["counters"]["tlb_flushes"]
    check(tf["status"] == "unsupported" and "arm64" in tf["reason"], name + ": tlb_flushes %r" % tf)
if bad:
    print("\n".join("FAIL: " + b for b in bad))
    sys.exit(1)
for c in d["cases"]:
    print("    %-6s %-7s verified %d/%d folios %s AnonHugePages %d kB; counted: %s; unsupported: %s" % (
        c["workload"], c["layout"], c["layout_check"]["runs_verified"], c["layout_check"]["runs"],
        json.dumps(c["layout_check"]["folios"]), c["layout_check"]["anon_huge_kb"],
        " ".join("%s=%s" % (m, s["event"]) for m, s in c["counters"].items() if s["status"] == "ok"),
        " ".join(m for m, s in c["counters"].items() if s["status"] != "ok")))
PYEOF

say "the kprobe events that stand in for tlb:tlb_flush count mmu_gather flushes"
"$PY" - "$T/share/kprobe.json" <<'PYEOF' || fail "kprobe counters"
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
for c in d["cases"]:
    name = "%s %s" % (c["workload"], c["layout"])
    for m, ev in (("tlb_batch_flushes", "fw:tlb_flush_mmu"), ("tlb_gathers", "fw:tlb_finish_mmu")):
        st = c["counters"][m]
        if st["status"] != "ok" or st["event"] != ev or not st["encoding"].startswith("tracepoint id "):
            bad.append("%s: %s %r" % (name, m, st))
    if bad:
        continue
    v = {m: c["runs"][0]["counters"][m] for m in ("tlb_batch_flushes", "tlb_gathers")}
    # fork: its one flush_tlb_mm() is inline on arm64 and never reaches mmu_gather
    if c["workload"] == "fork":
        ok = v["tlb_batch_flushes"] == [0] and v["tlb_gathers"] == [0]
    # munmap: one gather per region; 16384 small pages overflow its batches
    # and flush mid-way, 32 PMD-mapped folios do not
    elif c["layout"] == "order-0":
        ok = v["tlb_gathers"] == [1] and v["tlb_batch_flushes"][0] >= 1
    else:
        ok = v["tlb_gathers"] == [1] and v["tlb_batch_flushes"] == [0]
    print("    %-6s %-7s %s" % (c["workload"], c["layout"], v))
    if not ok:
        bad.append("%s: unexpected counts %r" % (name, v))
if bad:
    print("\n".join("FAIL: " + b for b in bad))
    sys.exit(1)
PYEOF

say "upload the guest's document to forkwatchd as host '$gname'"
mkdir "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
"$FW" register --server "$URL" --admin-token-file "$T/srv/admin.token" --name "$gname" \
	--hostname "$gname" --token-file "$T/host.token" >"$T/out" 2>"$T/err" ||
	{ cat "$T/out" "$T/err" >&2; fail "forkwatch register --name '$gname' failed"; }
token=$(sed -n 's/^token=//p' "$T/host.token")
[ -n "$token" ] || fail "no token in the token file"
expect 201 POST /api/v1/runs -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
	--data-binary @"$T/share/result.json"
run_id=$(jget "$T/body" 'd["run"]["id"]')
uuid=$(jget "$T/share/result.json" 'd["run_uuid"]')
jcheck "$T/body" 'd["created"] is True and d["run"]["uuid"] == "'"$uuid"'"' "the run was created"

expect 200 GET "/api/v1/hosts/$gname"
cp "$T/body" "$T/host.json"
jcheck "$T/host.json" 'd["host"]["name"] == "'"$gname"'" and d["host"]["uploads"] == 1' "host '$gname' has 1 upload"
jcheck "$T/host.json" '[k["release"] for k in d["kernels"]] == ["'"$release"'"]' "the host's kernel is $release"
jcheck "$T/host.json" 'd["host"]["arch"] == "aarch64"' "the host is aarch64"
expect 200 GET "/api/v1/runs/$run_id"
jcheck "$T/body" 'd["run"]["host"] == "'"$gname"'" and d["run"]["release"] == "'"$release"'"' "GET /api/v1/runs/$run_id"
jcheck "$T/body" "all(c[\"layout_ok\"] for c in d[\"cases\"]) and len(d[\"cases\"]) == 3 * $(wc -l <"$T/workloads")" \
	"the stored cases are verified"
jcheck "$T/body" 'all(c["metrics"]["tlb_flushes"]["status"] == "unsupported" and c["metrics"]["cycles"]["status"] == "ok" for c in d["cases"])' "stored counter statuses"

# The host's HTML page, where this build has one: a build without it
# answers "no such route"; a page that 404s a registered host fails
api GET "/hosts/$gname"
if [ "$status" = 404 ] && grep -q '"no such route' "$T/body"; then
	say "no HTML page /hosts/$gname in this build: not checked"
else
	[ "$status" = 200 ] || { cat "$T/body" >&2; fail "GET /hosts/$gname: status $status"; }
	grep -qF "$release" "$T/body" || fail "/hosts/$gname does not mention the kernel $release"
	say "/hosts/$gname: 200, mentions $release"
fi
stop_daemon
[ "$drc" = 0 ] || fail "forkwatchd exit $drc"
say "ok: $(($(date +%s) - start)) s since boot"

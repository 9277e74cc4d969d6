#!/usr/bin/env bash
# The bench scripts say when a target is missed with their exit status,
# not only in their table: overhead.sh, counters.sh, durability.sh,
# ingest.sh and pages.sh (which counts answers that are not 2xx) exit 0
# when every target is met and 3 when one is missed.  Each analyses made-up
# result files (ANALYSE=DIR, the mode that re-prints an earlier run), once
# meeting its targets and once missing each kind of target.
. "$(dirname "$0")/lib.sh"
bench=$top/bench

# verdict WANT SCRIPT DIR [VAR=VALUE...]: ANALYSE=DIR SCRIPT must exit WANT
verdict() {
	local want=$1 script=$2 dir=$3 rc=0
	shift 3
	env ANALYSE="$dir" "$@" bash "$bench/$script" >"$dir.out" 2>&1 || rc=$?
	[ $rc -eq "$want" ] || { cat "$dir.out"; fail "$script on $(basename "$dir"): exit $rc, expected $want"; }
	say "ok: $script on $(basename "$dir"): exit $rc: $(tail -1 "$dir.out" | cut -c1-110)"
}

# gen KIND DIR [VARIANT]: made-up result files of one script's run
gen() {
	"$PY" - "$@" <<'PYEOF'
import json, os, sys
kind, d = sys.argv[1], sys.argv[2]
variant = sys.argv[3] if len(sys.argv) > 3 else "ok"
os.makedirs(d, exist_ok=True)
def w(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
layouts = ["order-0", "order-9", "pmd"]
base = {"order-0": 1_000_000, "order-9": 400_000, "pmd": 100_000}

def fork_doc(scale, counters=None):
    cases = []
    for l in layouts:
        runs = []
        for r in range(4):
            ns = [int(base[l] * scale.get(l, 1) * (1 + 0.001 * ((r + i) % 3))) for i in range(5)]
            runs.append({"index": r, "ok": True, "error": None, "ns": ns,
                         "layout_check": {"before": {"ok": True}, "after": {"ok": True}},
                         "counters": {m: [v] * 5 for m, v in (counters or {}).items()}})
        cases.append({"workload": "fork", "layout": l, "layout_check": {"ok": True, "reason": None},
                      "counters": {m: {"status": "ok", "event": m} for m in (counters or {})},
                      "runs": runs})
    return json.dumps({"format": "forkwatch-result/1", "cases": cases})

if kind == "overhead":
    # forkwatch's fork times next to the plain loop's: equal, or order-0 10% slower
    w("forkwatch-1-fork.json", fork_doc({"order-0": 1.10} if variant == "slow" else {}))
    w("plain-1-fork.txt", "".join(f"{l} {r} {base[l] * (1 + 0.001 * r)}\n" for l in layouts for r in range(4)))
    w("plain-1-fork.log", "")
    w("first-1", "forkwatch\n")
elif kind == "counters":
    # per fork: forkwatch 2 TLB flushes and 1 fault (or the children's too), perf 2.4 and 2.2
    forks, repeat = 100, 3
    fw = {"tlb_flushes": 9, "page_faults": 19} if variant == "children" else {"tlb_flushes": 2, "page_faults": 1}
    w("forkwatch.json", fork_doc({}, fw))
    w("settings", f"repeat={repeat}\nforks={forks}\nlayouts={' '.join(layouts)}\n")
    for l in layouts:
        for inh in ("no-inherit", "inherit"):
            for rep in range(1, repeat + 1):
                for n in (0, forks):
                    tlb, pf = 10 + 2.4 * n + rep * 0.1, 150 + 2.2 * n
                    w(f"perf-{l}-{n}-{inh}-{rep}.csv",
                      f"# started\n\n{tlb:.0f},,tlb:tlb_flush,1000,100.00,,\n{pf:.0f},,page-faults,1000,100.00,,\n")
elif kind == "durability":
    def check(tag, final=False, bad=False):
        c = {"tag": tag, "generated": 40, "acked": 30, "stored": 31, "duplicates": 0,
             "acked_missing": 1 if bad else 0, "half_stored": 0, "orphans": 0, "integrity": "ok",
             "fk_violations": 0, "stored_unacked": 1, "inflight": 2, "inflight_stored": 1,
             "missing": 0 if final else 9, "unknown": 0}
        c["ok"] = not bad
        return json.dumps(c) + "\n"
    w("checks.txt", check("kill-1") + check("kill-2", bad=variant == "lost") + check("final", True))
    for t in ("1", "2", "final"):
        w(f"spool-{t}.txt", "RESULT spool posted=20 created=18 existed=2 transport=1 rejected=0 left=0\n")
elif kind == "ingest":
    tmpl = os.path.join(d, "template.json")
    w("template.json", fork_doc({}, {"tlb_flushes": 2}))
    w("settings", f"n=100\ntemplate={tmpl}\nclients=4\nconns=\n")
    for t in ("first", "last"):
        w(f"sqlite-{t}.txt", "RESULT sqlite threads=1 n=100 wall_s=1 rate=100.00 p50_ms=5 p99_ms=9 "
          "max_ms=12 doc_bytes=150000\nRESULT bytes total=9000000\n")
    rate = {"slow": 30, "errors": 80}.get(variant, 80)
    errors = 3 if variant == "errors" else 0
    os.makedirs(os.path.join(d, "daemon-after-c4-r1"), exist_ok=True)
    w("daemons.list", f"after 4 1 {os.path.join(d, 'daemon-after-c4-r1')}\n")
    w("daemon-after-c4-r1/post.txt", f"RESULT post clients=4 n=100 wall_s=1.2 rate={rate} p50_ms=20 p99_ms=40 "
      f"max_ms=50 mean_ms=22 created={100 - errors} existed=0 errors={errors} connections=4 "
      "doc_bytes=150000 client_cpu_ms=1.5\nRESULT cpu daemon_s=1.100\n"
      "RESULT bytes total=9100000\nRESULT threads cpu_s=0.50,0.30\n")
elif kind == "pages":
    w("settings", "hosts=5\nkernels=10\nconns=64\n")
    lines = ["RESULT fixed rps=20000 p50_ms=1.00 p99_ms=3.00 requests=200000 errors=0 transfer=400MB"]
    for k in ("kernel-gzip", "kernel-plain", "host-gzip", "host-plain", "hosts-all-gzip"):
        errs = 17 if (variant == "non2xx" and k == "host-gzip") else 0
        lines.append(f"RESULT {k} rps=9000 p50_ms=2.00 p99_ms=8.00 requests=90000 errors={errs} transfer=200MB")
    for k in ("kernel-uncached", "host-uncached"):
        p99 = 45.0 if variant == "slow" else 15.0
        lines.append(f"RESULT {k} rps=5000 p50_ms=5.00 p99_ms={p99} requests=50000 errors=0 transfer=100MB")
    lines.append("RESULT first-render path=/kernels/x s=0.020")
    lines.append("RESULT cold-pass pages=5 s=0.1")
    lines.append("RESULT render path=/runs/1 p50_ms=3.0 max_ms=5.0 n=20 non200=%d"
                 % (20 if variant == "render404" else 0))
    lines.append("RESULT weight path=/ plain=5000 gzip=1500 external=0")
    if variant == "status404":
        lines.append("RESULT status path=/hosts/lab-003 code=404")
    w("results.txt", "\n".join(lines) + "\n")
PYEOF
}

for k in overhead counters durability ingest pages; do
	gen "$k" "$T/$k-ok"
	verdict 0 "$k.sh" "$T/$k-ok"
done
gen overhead "$T/overhead-slow" slow
verdict 3 overhead.sh "$T/overhead-slow"
gen counters "$T/counters-children" children
verdict 3 counters.sh "$T/counters-children"
gen durability "$T/durability-lost" lost
verdict 3 durability.sh "$T/durability-lost"
gen ingest "$T/ingest-slow" slow
verdict 3 ingest.sh "$T/ingest-slow"
gen ingest "$T/ingest-errors" errors
verdict 3 ingest.sh "$T/ingest-errors"
for v in non2xx slow render404 status404; do
	gen pages "$T/pages-$v" "$v"
	verdict 3 pages.sh "$T/pages-$v"
done
grep -q 'host-gzip\|/hosts/{name} (gzip): 17 answers' "$T/pages-non2xx.out" || fail "pages.sh does not name the page with the failed answers"
echo ok

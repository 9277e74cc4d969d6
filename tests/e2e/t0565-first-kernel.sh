#!/usr/bin/env bash
# A machine's first kernel, the normal first state of a new lab: every
# page answers 200 and a crawler following every link of every page finds
# no dead end; the pages say "the first kernel on this machine: nothing to
# compare yet" and show the kernel's own figures (the host page its table
# and links to its runs, the kernel page every workload at a glance);
# /compare.txt refuses in text.  Then kernels named by their bare release
# (`forkwatch compare --host H RELEASE`): resolved when one kernel has it,
# the candidates named when several do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
[ -x "$FW" ] || fail "no $FW: run make first"
CRAWL="$PY $(dirname "$0")/crawl.py"
REL=6.18.44-fc-v1300

mkdir -p "$T/db"
start_daemon "$T/d.log" --db "$T/db/fw.db"
admin=(-H "Authorization: Bearer $(cat "$T/db/admin.token")")
curl -sf "${admin[@]}" -d '{"hostname": "vm"}' "$URL/api/v1/hosts" >"$T/reg.json" || fail "register"
tok=$(jget "$T/reg.json" 'd["token"]')
"$PY" "$(dirname "$0")/compare-docs.py" "$T" vm
# kernels as a lab without a build system names them: by release alone
"$PY" - "$T" "$REL" <<'PYEOF'
import json, sys, uuid
t, rel = sys.argv[1:]
def variant(src, dst, release, commit=None, parent=None, munmap=True, mismatch=False):
    d = json.load(open(t + "/" + src))
    d["run_uuid"] = str(uuid.uuid4())
    d["kernel"] = {"release": release, "commit": commit, "parent_commit": parent}
    if munmap:  # a second workload, for "at a glance covers every workload"
        for c in list(d["cases"]):
            m = json.loads(json.dumps(c))
            m["workload"] = "munmap"
            if mismatch and m["layout"] == "pmd":  # a layout that did not verify
                m["layout_check"] = {"ok": False, "folios": {"0": 512}, "reason": "no THP could be allocated"}
            d["cases"].append(m)
    json.dump(d, open(t + "/" + dst, "w"))
variant("base.json", "first.json", rel, mismatch=True)
variant("head.json", "second.json", "6.18.45-fc-v1301")
variant("base.json", "amb1.json", "6.19.0-test", "dddddddddddd")
variant("head.json", "amb2.json", "6.19.0-test", "eeeeeeeeeeee")
PYEOF
up() {
	code=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		--data-binary @"$T/$1" "$URL/api/v1/runs")
	[ "$code" = 201 ] || fail "upload $1: $code $(cat "$T/up.json")"
}
up first.json
RUN=$(jget "$T/up.json" 'd["run"]["id"]')
K="release:$REL"
KP=$(pct "$K")

say "every page of the one-kernel state answers 200, every link too"
$CRAWL "$URL" --must /runs/ --must /kernels/ --must /hosts/vm || fail "a dead end in the one-kernel state"

say "the overview: no open alert says none, not an empty table"
expect 200 GET /
grep -q '<h2>Open regression alerts</h2><p class="none">none</p>' "$T/body" || fail "overview: no 'none' for the alerts"

say "the kernel page says what the state is, with the kernel's own figures"
expect 200 GET "/kernels/$KP"
grep -q 'give a base' "$T/body" && fail "kernel page: the old error text"
grep -q "is the first kernel on host" "$T/body" || fail "kernel page: no first-kernel note"
grep -q 'nothing to compare yet' "$T/body" || fail "kernel page: no 'nothing to compare yet'"
grep -q '<span class="wl">munmap</span>' "$T/body" || fail "kernel page: at a glance lacks munmap"
grep -q 'none yet' "$T/body" || fail "kernel page: the baseline column does not say none"
grep -q 'class="thread own"' "$T/body" || fail "kernel page: no table of its own figures"
grep -q 'order-0 [0-9.]* *ms' "$T/body" || fail "kernel page: no order-0 time at a glance"

say "/compare of the first kernel: 200, the note and its own table, no comparison link"
expect 200 GET "/compare?host=vm&head=$KP"
grep -q 'nothing to compare yet' "$T/body" || fail "/compare: no note"
grep -q 'class="thread own"' "$T/body" || fail "/compare: no own table"
grep -q '<th>vs order-0</th>' "$T/body" || fail "/compare: no ratio to order-0"
grep -q 'href="/compare.txt' "$T/body" && fail "/compare: links the mailing-list text of no comparison"

say "the host page: the latest kernel's table, links to its runs, no link to a comparison"
expect 200 GET "/hosts/vm"
grep -q 'class="thread own"' "$T/body" || fail "host page: no table of the latest kernel"
grep -q "href=\"/runs/$RUN\"" "$T/body" || fail "host page: no link to run $RUN"
grep -q 'against its baseline' "$T/body" && fail "host page: links a comparison that cannot be made"
grep -q 'its first kernel: nothing to compare yet' "$T/body" || fail "host page: no first-kernel note"
# munmap pmd's time and TLB flushes (cycles: unsupported, n/a)
[ "$(grep -o '>MISMATCH</td>' "$T/body" | wc -l)" = 2 ] ||
	fail "host page: munmap pmd's layout did not verify, and its table does not say so"

say "the host page's charts of one kernel: one label, the values as text"
"$PY" - "$T/body" <<'PYEOF' || fail "host page charts"
import re, sys
t = open(sys.argv[1]).read()
figs = re.findall(r'<figure>(.*?)</figure>', t, re.S)
if len(figs) < 4:
    print("FAIL: %d charts" % len(figs)); sys.exit(1)
empty = [f for f in figs if 'no verified values' in f]
if len(empty) != 1:  # munmap pmd
    print("FAIL: %d charts without verified values, expected 1" % len(empty)); sys.exit(1)
for f in figs:
    if f in empty:
        continue
    ticks = re.findall(r'<text class="tick" x="\d+" y="\d+"[^>]*>([^<]*)</text>', f)
    xt = [x for x in ticks if x.startswith("release:")]
    if len(xt) != 1:
        print("FAIL: a one-point chart labels its kernel %d times: %s" % (len(xt), xt)); sys.exit(1)
    if not re.search(r'<ul class="values"><li>release:[^<]*: [0-9.]+ [mµn]?s \xb1 ', f):
        print("FAIL: a chart without its value as text: %s" % f[-400:]); sys.exit(1)
print("    %d charts, each with values its kernel once and its value as text" % (len(figs) - 1))
PYEOF

say "the run page leads with the side-by-side table, one note per unsupported counter, labelled histograms"
expect 200 GET "/runs/$RUN"
"$PY" - "$T/body" <<'PYEOF' || fail "run page"
import re, sys
t = open(sys.argv[1]).read()
own, case = t.find('class="thread own"'), t.find('<section class="case">')
if not 0 <= own < case:
    print("FAIL: the side-by-side table does not come before the cases (%d, %d)" % (own, case)); sys.exit(1)
if t.count("no PMU here") != 1:
    print("FAIL: 'cycles unsupported' said %d times" % t.count("no PMU here")); sys.exit(1)
if not re.search(r'<li><b>cycles</b> \(<code>[^<]*</code>\): unsupported: no PMU here</li>', t):
    print("FAIL: no note on cycles"); sys.exit(1)
h = len(re.findall(r'<svg class="hist"', t))
if h < 2 or len(re.findall(r'>time per iteration</text>', t)) != h or \
        len(re.findall(r'>iterations \(tallest bar: \d+\)</text>', t)) != h:
    print("FAIL: %d histograms, not every one with its axes named" % h); sys.exit(1)
if '<th>vs order-0</th>' not in t:
    print("FAIL: no ratio to order-0"); sys.exit(1)
print("    the table first, cycles noted once, %d histograms with named axes" % h)
PYEOF

say "/compare.txt refuses in text, the API in JSON naming the base"
code=$(curl -s -o "$T/c.txt" -D "$T/c.h" -w '%{http_code}' "$URL/compare.txt?host=vm&head=$KP")
[ "$code" = 404 ] || fail "/compare.txt: $code"
grep -qi '^content-type: text/plain' "$T/c.h" || fail "/compare.txt answers its 404 as $(grep -i content-type "$T/c.h")"
[ "$(wc -l <"$T/c.txt")" = 1 ] && grep -q "^'$K' is the first kernel on host 'vm': nothing to compare yet" "$T/c.txt" ||
	fail "/compare.txt: $(cat "$T/c.txt")"
expect_error 404 base 'first kernel' GET "/api/v1/compare?host=vm&head=$KP"

if "$FW" compare --help >/dev/null 2>&1; then
	say "forkwatch compare with a bare release"
	"$FW" compare --help | tr '\n' ' ' | grep -q "or by the bare release when one kernel the machine ran has it" ||
		fail "compare --help does not say a kernel may be named by its release"
	rc=0
	"$FW" compare --server "$URL" --host vm "$REL" >"$T/o" 2>"$T/e" || rc=$?
	[ $rc -ne 0 ] || fail "compare of the first kernel exited 0"
	grep -q "is the first kernel on host 'vm': nothing to compare yet. Boot another kernel, or pass a base" "$T/e" ||
		fail "compare of the first kernel: $(cat "$T/e")"
	up second.json
	"$FW" compare --server "$URL" --host vm 6.18.45-fc-v1301 >"$T/o" 2>"$T/e" ||
		fail "compare by bare release: $(cat "$T/e")"
	grep -q "release:$REL" "$T/o" || fail "compare by bare release: the base is not named: $(head -5 "$T/o")"
	"$FW" compare --server "$URL" --host vm "$REL" 6.18.45-fc-v1301 >"$T/o2" 2>"$T/e" ||
		fail "compare of two bare releases: $(cat "$T/e")"
	up amb1.json
	up amb2.json
	rc=0
	"$FW" compare --server "$URL" --host vm 6.19.0-test >"$T/o" 2>"$T/e" || rc=$?
	[ $rc -ne 0 ] || fail "an ambiguous release exited 0"
	grep -q "'6.19.0-test' is the release of 2 kernels host 'vm' ran: name one of" "$T/e" &&
		grep -q dddddddddddd "$T/e" && grep -q eeeeeeeeeeee "$T/e" || fail "ambiguous release: $(cat "$T/e")"
	rc=0
	"$FW" compare --server "$URL" --host vm 9.9.9-none >"$T/o" 2>"$T/e" || rc=$?
	[ $rc -ne 0 ] && grep -q "no kernel '9.9.9-none' on host 'vm'" "$T/e" || fail "unknown release: $(cat "$T/e")"
else
	say "skip forkwatch compare: this build has no libcurl"
	up second.json
	up amb1.json
	up amb2.json
fi
expect 200 GET "/api/v1/compare?host=vm&head=6.18.45-fc-v1301"
jcheck "$T/body" 'd["base"] == "release:'"$REL"'" and d["head"] == "release:6.18.45-fc-v1301"' "API: bare release resolved"

say "with more kernels, still no dead end"
$CRAWL "$URL" --must /compare --must /runs/ || fail "a dead end with several kernels"
stop_daemon
echo "ok"

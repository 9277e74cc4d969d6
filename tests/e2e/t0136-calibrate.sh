#!/usr/bin/env bash
# forkwatch calibrate against the real forkwatchd: one small benchmark
# (fork, 16 MiB, 3 runs a half) split into interleaved halves; the table
# names every case with what it resolves and the runs for 1% and 2%; the
# profile (--json) is a forkwatch-calibration/1 document whose numbers
# agree with each other and with scipy (the runs for 1%/2% are the first
# whose half-width, t.ppf(0.975, 2(r-1)) sqrt(2/r) cv, reaches the
# target); the upload is stored once (idempotent) and read back by
# GET /api/v1/calibrations; the host page says what the machine resolves
# (and hints at calibrate before); malformed profiles are refused with
# the field that is wrong.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
need_root
[ -x "$FW" ] || fail "no $FW: run make first"
"$FW" register --help >/dev/null 2>&1 || skip "this forkwatch has no register command (built without upload support?)"

name="calib-lab"
mkdir "$T/srv"
start_daemon "$T/d.log" --db "$T/srv/fw.db"
"$FW" register --server "$URL" --admin-token-file "$T/srv/admin.token" --name "$name" \
	--token-file "$T/host.token" >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "register"; }
token=$(sed -n 's/^token=//p' "$T/host.token")

say "the host page before: a hint to calibrate"
expect 200 GET "/hosts/$(pct "$name")"
grep -q 'forkwatch calibrate' "$T/body" || fail "no hint to calibrate on the host page"
expect_error 404 - "no calibration" GET "/api/v1/calibrations?host=$(pct "$name")"

say "bad options are refused before any work"
expect_fail "--runs 2" "^forkwatch: --runs '2': expected a whole number from 3 to 500$" "$FW" calibrate --runs 2
expect_fail "a missing token file" "--token-file '$T/nothing.token'" \
	"$FW" calibrate --server "$URL" --token-file "$T/nothing.token" --size 16M

say "calibrate: fork, 16M, 3 runs a half"
rc=0
timeout 600 "$FW" calibrate --wait --size 16M --runs 3 --iterations 5 --warmup 1 --workloads fork \
	--layouts order-0,pmd --json "$T/cal.json" --server "$URL" --token-file "$T/host.token" \
	>"$T/table" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/table" "$T/err"; fail "calibrate exited $rc"; }
cat "$T/table"
grep -q '^forkwatch: run 6/6' "$T/err" || { cat "$T/err"; fail "the benchmark did not take 2 x 3 runs"; }
grep -q "^forkwatch: uploaded the calibration to '$URL' as host '$name'$" "$T/err" || { cat "$T/err"; fail "no upload line"; }
grep -Eq '^workload +layout +runs +resolves +run sd +for 1% +for 2% +A/A verdict' "$T/table" || fail "no table header"
for l in order-0 pmd; do
	grep -Eq "^fork +$l +3 +(\+-[0-9.]+%|-) " "$T/table" || fail "no row of fork $l"
done

/usr/bin/python3 - "$T/cal.json" <<'PYEOF' || fail "the profile"
import json, math, sys
try:
    from scipy import stats
except ImportError:
    stats = None
d = json.load(open(sys.argv[1]))
def check(c, m):
    if not c:
        print("FAIL:", m); sys.exit(1)
check(d["format"] == "forkwatch-calibration/1", "format")
check(len(d["calibration_uuid"]) == 36, "uuid")
check(d["params"]["runs"] == 6 and d["params"]["runs_per_half"] == 3, "runs")
check(d["host"]["hostname"] and d["kernel"]["release"], "identity")
check([(c["workload"], c["layout"]) for c in d["cases"]] == [("fork", "order-0"), ("fork", "pmd")], "cases")
for c in d["cases"]:
    check(c["runs"] == 3 and c["budget_pct"] == (1 if c["layout"] == "order-0" else 2), "runs, budget")
    check(c["verdict"] in ("inconclusive", "unchanged", "gain", "regression", "significant-size-uncertain"), "verdict")
    check(c["false_alarm"] == (c["verdict"] not in ("inconclusive", "unchanged")), "false_alarm")
    hw = c["half_width_pct"]
    if c["ci_lo_pct"] is not None:
        # the half-width is half the interval's width on the log scale
        h = (math.log1p(c["ci_hi_pct"] / 100) - math.log1p(c["ci_lo_pct"] / 100)) / 2
        check(abs(100 * math.expm1(h) - hw) <= 1e-6 * max(1, hw), "half-width %r against the interval" % hw)
    cv = c["run_cv_pct"] / 100
    for target, key in ((1, "runs_for_1pct"), (2, "runs_for_2pct")):
        r = c[key]
        if stats is None:
            continue
        hr = lambda n: stats.t.ppf(0.975, 2 * (n - 1)) * math.sqrt(2 / n) * cv
        if r is None:
            check(hr(d["runs_max"]) > math.log1p(target / 100), "%s null but %d runs reach it" % (key, d["runs_max"]))
        else:
            check(hr(r) <= math.log1p(target / 100) and (r == 3 or hr(r - 1) > math.log1p(target / 100)),
                  "%s %d is not the first to reach +-%d%% (scipy)" % (key, r, target))
    print("    fork %s: +-%s%% in %d runs, run sd %.2f%%, runs for 1%%: %s, 2%%: %s, %s" %
          (c["layout"], hw, c["runs"], c["run_cv_pct"], c["runs_for_1pct"], c["runs_for_2pct"], c["verdict"]))
PYEOF

say "stored: GET /api/v1/calibrations gives it back; a second upload is the same one"
expect 200 GET "/api/v1/calibrations?host=$(pct "$name")"
jcheck "$T/body" 'd["host"] == "'"$name"'" and d["profile"] == json.load(open("'"$T/cal.json"'"))' "the stored profile"
expect 200 POST /api/v1/calibrations -H "Authorization: Bearer $token" --data-binary @"$T/cal.json"
jcheck "$T/body" 'd["created"] is False' "a re-sent profile is not stored twice"

say "the host page says what the machine resolves, per case"
expect 200 GET "/hosts/$(pct "$name")"
for l in order-0 pmd; do
	hw=$(jget "$T/cal.json" '"%.2f" % [c for c in d["cases"] if c["layout"] == "'$l'"][0]["half_width_pct"]')
	grep -q "This machine resolves ±$hw% on $l fork in 3 runs (budget [12]%" "$T/body" ||
		fail "the host page lacks 'This machine resolves ±$hw% on $l fork in 3 runs'"
done
grep -q "Calibrated $(jget "$T/cal.json" 'd["finished_at"]') on kernel $(uname -r)" "$T/body" ||
	fail "the host page does not say when and on which kernel"
! grep -q 'Not calibrated' "$T/body" || fail "the hint stays after a calibration"
"$PY" "$(dirname "$0")/page-check.py" "$T/body" --has "calibration:This machine resolves" --no "Not calibrated" ||
	fail "the host page with a calibration"

say "malformed profiles are refused with the field that is wrong"
expect_error 401 - "token" POST /api/v1/calibrations --data-binary @"$T/cal.json"
expect_error 400 - "malformed JSON" POST /api/v1/calibrations -H "Authorization: Bearer $token" --data-binary '{"format":'
"$PY" - "$T/cal.json" "$T" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
def out(name, f):
    x = json.loads(json.dumps(d)); f(x); json.dump(x, open(sys.argv[2] + "/" + name, "w"))
out("bad-format.json", lambda x: x.update(format="forkwatch-result/1"))
out("bad-runs.json", lambda x: x["cases"][1].update(runs=-3))
out("bad-layout.json", lambda x: x["cases"][0].update(layout="order-0<script>"))
out("bad-host.json", lambda x: x["host"].update(hostname="someone-else"))
def other(x):
    # the latest now (same finished_at, stored later), of a known spread:
    # order-0 5% run to run (8 runs resolve +-5.5%), pmd 0.1%
    x.update(calibration_uuid="00000000-0000-4000-8000-000000000000")
    for c in x["cases"]:
        c["run_cv_pct"] = 5.0 if c["layout"] == "order-0" else 0.1
out("other.json", other)
PYEOF
H=(-H "Authorization: Bearer $token")
expect_error 400 format "forkwatch-calibration/1" POST /api/v1/calibrations "${H[@]}" --data-binary @"$T/bad-format.json"
expect_error 400 "cases[1].runs" "whole number" POST /api/v1/calibrations "${H[@]}" --data-binary @"$T/bad-runs.json"
expect_error 400 "cases[0].layout" "order-N or pmd" POST /api/v1/calibrations "${H[@]}" --data-binary @"$T/bad-layout.json"
expect_error 403 host.hostname "not the machine" POST /api/v1/calibrations "${H[@]}" --data-binary @"$T/bad-host.json"
# over 256 KiB: answered before the body is sent (curl waits for 100 Continue)
head -c 270000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect_error 413 - "larger than the limit of 262144 bytes" POST /api/v1/calibrations "${H[@]}" \
	-H "Expect: 100-continue" --data-binary @"$T/big.json"
expect 201 POST /api/v1/calibrations "${H[@]}" --data-binary @"$T/other.json"

say "an alert on a case the machine cannot resolve in the runs compared says so"
"$PY" "$(dirname "$0")/compare-docs.py" "$T" "$(hostname)"
expect 201 POST /api/v1/runs "${H[@]}" --data-binary @"$T/base.json"
expect 201 POST /api/v1/runs "${H[@]}" --data-binary @"$T/head.json"
expect 200 GET "/api/v1/alerts?host=$(pct "$name")"
day=$(jget "$T/cal.json" 'd["finished_at"][:10]')
"$PY" - "$T/body" "$day" <<'PYEOF' || fail "the alerts' calibration note"
import json, sys
a = {x["layout"]: x for x in json.load(open(sys.argv[1]))["alerts"]}
note = "; this machine resolves only \u00b1%s on order-0 fork in 8 runs (calibrated " + sys.argv[2] + ")"
assert a["order-0"]["kind"] == "regression" and (note % "5.5%") in a["order-0"]["summary"], a["order-0"]["summary"]
# one upload a side, no kernel uploaded twice: the session level's note too
assert a["order-0"]["summary"].endswith("; this host's session level is not known yet (too few repeated "
                                        "uploads): one upload's own level can read as a change"), a["order-0"]["summary"]
# pmd: 0.1% resolves its 2% budget in 8 runs: no note on its notice
assert a["pmd"]["kind"] == "gain" and "resolves only" not in a["pmd"]["summary"], a["pmd"]["summary"]
print("    " + a["order-0"]["summary"])
PYEOF
expect 200 GET /alerts.atom
grep -q "this machine resolves only ±5.5% on order-0 fork in 8 runs (calibrated $day)" "$T/body" || fail "the Atom feed lacks the note"
expect 200 GET "/hosts/$(pct "$name")"
grep -q "this machine resolves only ±5.5% on order-0 fork" "$T/body" || fail "the host page's alert lacks the note"

say "forkwatch calibrate --no-upload and --json -: the profile alone on standard output"
rc=0
timeout 600 "$FW" calibrate --wait --size 16M --runs 3 --iterations 3 --warmup 0 --workloads fork \
	--layouts order-0 --json - --server "$URL" --token-file "$T/host.token" --no-upload \
	>"$T/stdout.json" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; fail "calibrate --json - exited $rc"; }
jcheck "$T/stdout.json" 'd["format"] == "forkwatch-calibration/1" and len(d["cases"]) == 1' "--json -"
grep -q 'the profile was not uploaded (--no-upload)' "$T/err" || fail "no --no-upload line"
grep -Eq '^fork +order-0 +3 ' "$T/err" || fail "the table is not on standard error with --json -"
jcheck "$T/stdout.json" 'd["params"]["split"] == "interleaved"' "the default split"

say "forkwatch calibrate --split sequential: the first runs against the last"
expect_fail "--split bogus" "^forkwatch: --split 'bogus': expected interleaved or sequential$" "$FW" calibrate --split bogus
rc=0
timeout 600 "$FW" calibrate --wait --size 16M --runs 3 --iterations 3 --warmup 0 --workloads fork \
	--layouts order-0 --split sequential --json - --no-upload >"$T/seq.json" 2>"$T/err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; fail "calibrate --split sequential exited $rc"; }
jcheck "$T/seq.json" 'd["params"]["split"] == "sequential" and d["cases"][0]["runs"] == 3' "--split sequential"
grep -q 'split into sequential halves' "$T/err" || fail "the table does not say the halves are sequential"
say "ok"

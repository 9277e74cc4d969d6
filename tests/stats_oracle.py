#!/usr/bin/python3
"""Check lib/cmp.c against scipy.

Usage: stats_oracle.py RESULTS.jsonl   (the output of `test_cmp --oracle`)

Each line holds a pair of samples x, y and what the C code computed for
them: Welch's t, df and two-sided p (scipy.stats.ttest_ind(x, y,
equal_var=False)), the Mann-Whitney U and two-sided p
(scipy.stats.mannwhitneyu(x, y), default method), the 95% interval of the
change of x against the base y in percent, and t quantiles at (q, df) pairs
(scipy.stats.t.ppf).  Each value must agree to 1e-6 relative, or 1e-12
absolute near zero; NaN and infinities must agree exactly.

Prints the largest relative difference seen for each quantity.  Exit 0 when
everything agrees, 1 when something does not, 77 when scipy is missing.
"""
import json
import math
import sys
import warnings

try:
    import numpy as np
    import scipy
    from scipy import stats
except ImportError as e:
    print("skip: scipy is not importable (%s): apt-get install python3-scipy" % e)
    sys.exit(77)

# the constant samples make numpy warn about its moments; expected here
warnings.simplefilter("ignore", RuntimeWarning)

REL = 1e-6
ABS = 1e-12


class Tally:
    """The largest relative difference per quantity, and the failures."""

    def __init__(self):
        self.worst = {}
        self.count = {}
        self.failures = []

    def check(self, what, case, got, want):
        got = math.nan if got is None else float(got)
        want = float(want)
        self.count[what] = self.count.get(what, 0) + 1
        if math.isnan(want) or math.isinf(want):
            ok = (math.isnan(want) and math.isnan(got)) or got == want
            rel = 0.0 if ok else math.inf
        else:
            diff = abs(got - want)
            ok = diff <= max(REL * abs(want), ABS)
            # relative where that means something; near zero the absolute rule applies
            rel = diff / abs(want) if abs(want) > ABS else (0.0 if ok else math.inf)
        if math.isnan(rel):
            rel, ok = math.inf, False
        if rel >= self.worst.get(what, (-1.0,))[0]:
            self.worst[what] = (rel, case, got, want)
        if not ok:
            self.failures.append("case %s: %s = %.17g, scipy %.17g" % (case, what, got, want))


def welch_df(x, y):
    """scipy's own Welch-Satterthwaite df (ttest_ind in 1.10 does not return it)."""
    v1, v2 = np.var(x, ddof=1), np.var(y, ddof=1)
    denom = getattr(stats._stats_py, "_unequal_var_ttest_denom", None)
    if denom is not None:
        df, _ = denom(v1, len(x), v2, len(y))
        return float(df)
    vn1, vn2 = v1 / len(x), v2 / len(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (len(x) - 1) + vn2 ** 2 / (len(y) - 1))
    return 1.0 if np.isnan(df) else float(df)


def change_ci(x, y, df, level=0.95):
    """The interval of 100 (mean_x - mean_y) / mean_y from the Welch interval."""
    mx, my = np.mean(x), np.mean(y)
    se = math.sqrt(np.var(x, ddof=1) / len(x) + np.var(y, ddof=1) / len(y))
    h = stats.t.ppf((1 + level) / 2, df) * se
    lo, hi = 100 * (mx - my - h) / my, 100 * (mx - my + h) / my
    return min(lo, hi), max(lo, hi)


def main():
    if len(sys.argv) != 2:
        print("usage: stats_oracle.py RESULTS.jsonl", file=sys.stderr)
        return 2
    tally = Tally()
    cover = {"exact": 0, "asymptotic": 0, "ties": 0, "t nan": 0, "t inf": 0, "p < 1e-6": 0}
    cases = 0
    with open(sys.argv[1]) as f:
        for line in f:
            d = json.loads(line)
            c = d["case"]
            x, y = np.array(d["x"], dtype=float), np.array(d["y"], dtype=float)
            cases += 1
            with np.errstate(divide="ignore", invalid="ignore"):
                r = stats.ttest_ind(x, y, equal_var=False)
            df = welch_df(x, y)
            tally.check("welch t", c, d["t"], r.statistic)
            tally.check("welch df", c, d["df"], df)
            tally.check("welch p", c, d["p"], r.pvalue)
            cover["t nan"] += bool(np.isnan(r.statistic))
            cover["t inf"] += bool(np.isinf(r.statistic))
            cover["p < 1e-6"] += bool(r.pvalue < 1e-6)

            m = stats.mannwhitneyu(x, y)
            tally.check("mannwhitney U", c, d["mw_u"], m.statistic)
            tally.check("mannwhitney p", c, d["mw_p"], m.pvalue)
            # the branch the C code took gives scipy's 'auto' answer, so scipy took it too
            method = "exact" if d["mw_exact"] else "asymptotic"
            tally.check("mannwhitney p (%s)" % method, c, d["mw_p"],
                        stats.mannwhitneyu(x, y, method=method).pvalue)
            cover[method] += 1
            cover["ties"] += len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)

            if np.isfinite(df) and len(x) > 1 and len(y) > 1 and np.mean(y) != 0:
                lo, hi = change_ci(x, y, df)
                tally.check("change ci", c, d["ci"][0], lo)
                tally.check("change ci", c, d["ci"][1], hi)

            for q, qdf, got in d["ppf"]:
                tally.check("t ppf", c, got, stats.t.ppf(q, qdf))

    print("scipy %s, numpy %s, %d cases" % (scipy.__version__, np.__version__, cases))
    print("coverage: " + ", ".join("%s %d" % kv for kv in cover.items()))
    for what in sorted(tally.worst):
        rel, case, got, want = tally.worst[what]
        print("%-28s %5d checks, max relative difference %.3g (case %s: %.17g vs %.17g)"
              % (what, tally.count[what], rel, case, got, want))
    bare = [k for k, v in cover.items() if not v]
    for f in tally.failures:
        print("FAIL: " + f)
    if bare:
        print("FAIL: no case covers: " + ", ".join(bare))
    if cases < 100:
        print("FAIL: only %d cases" % cases)
    return 1 if tally.failures or bare or cases < 100 else 0


if __name__ == "__main__":
    sys.exit(main())

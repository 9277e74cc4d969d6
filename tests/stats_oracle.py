#!/usr/bin/python3
"""Check lib/cmp.c against scipy.

Usage: stats_oracle.py RESULTS.jsonl   (the output of `test_cmp --oracle`)

Each line holds a pair of samples x, y and what the C code computed for
them: Welch's t, df and two-sided p (scipy.stats.ttest_ind(x, y,
equal_var=False)), the Mann-Whitney U and two-sided p
(scipy.stats.mannwhitneyu(x, y), default method), the 95% interval of the
change of x against the base y in percent on the log of the ratio of the
means (with its ratio, standard error and degrees of freedom, by the
formulas of lib/cmp.h and scipy.stats.t.ppf), the variance components of
three groups (scipy.stats.f_oneway, and the ANOVA mean squares by hand), an
F tail (scipy.stats.f.sf), and t quantiles at (q, df) pairs
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


def change_ci(x, y, level=0.95):
    """The interval of 100 (mean_x / mean_y - 1), head x against base y, on
    the log of the ratio (lib/cmp.h): Welch's interval for the relative
    variances, mapped back.  Returns (lo, hi, ratio, se, df)."""
    nan = math.nan
    mx, my = np.mean(x), np.mean(y)
    vx, vy = np.var(x, ddof=1), np.var(y, ddof=1)
    if not my > 0 or not mx >= 0:
        return nan, nan, nan, nan, nan
    b = vy / (len(y) * my ** 2)
    if mx == 0:
        if vx != 0:
            return nan, nan, nan, nan, nan
        return -100.0, -100.0, 0.0, math.sqrt(b), float(len(y) - 1)
    a = vx / (len(x) * mx ** 2)
    se = math.sqrt(a + b)
    ratio = mx / my
    if a + b == 0:
        return 100 * (ratio - 1), 100 * (ratio - 1), ratio, 0.0, nan
    df = (a + b) ** 2 / (a ** 2 / (len(x) - 1) + b ** 2 / (len(y) - 1))
    h = stats.t.ppf((1 + level) / 2, df) * se
    lo, hi = np.log(ratio) - h, np.log(ratio) + h
    return 100 * math.expm1(lo), 100 * math.expm1(hi), ratio, se, df


def anova(groups):
    """One-way random-effects ANOVA by the formulas of lib/cmp.h."""
    allv = np.concatenate(groups)
    n, k, m = len(allv), len(groups), np.mean(allv)
    msb = sum(len(g) * (np.mean(g) - m) ** 2 for g in groups) / (k - 1)
    msw = sum(((g - np.mean(g)) ** 2).sum() for g in groups) / (n - k)
    n0 = (n - sum(len(g) ** 2 for g in groups) / n) / (k - 1)
    return msb, msw, n0, (msb - msw) / n0


def main():
    if len(sys.argv) != 2:
        print("usage: stats_oracle.py RESULTS.jsonl", file=sys.stderr)
        return 2
    tally = Tally()
    cover = {"exact": 0, "asymptotic": 0, "ties": 0, "t nan": 0, "t inf": 0, "p < 1e-6": 0,
             "ci nan": 0, "ci -100%": 0, "ci below -50%": 0, "var between < 0": 0}
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

            # the comparison of base y and head x: the interval on the log of the ratio
            if len(x) > 1 and len(y) > 1:
                lo, hi, ratio, se, ldf = change_ci(x, y)
                tally.check("change ci (log ratio)", c, d["ci"][0], lo)
                tally.check("change ci (log ratio)", c, d["ci"][1], hi)
                tally.check("log ratio", c, d["lr"][0], ratio)
                tally.check("log ratio se", c, d["lr"][1], se)
                tally.check("log ratio df", c, d["lr"][2], ldf)
                cover["ci nan"] += bool(math.isnan(lo))
                cover["ci -100%"] += lo == -100.0
                cover["ci below -50%"] += lo < -50

            groups = [np.array(g, dtype=float) for g in d["groups"]]
            with np.errstate(divide="ignore", invalid="ignore"):
                fo = stats.f_oneway(*groups)
            msb, msw, n0, vb = anova(groups)
            tally.check("anova F", c, d["anova"][0], fo.statistic)
            tally.check("anova p", c, d["anova"][1], fo.pvalue)
            tally.check("anova ms between", c, d["anova"][2], msb)
            tally.check("anova ms within", c, d["anova"][3], msw)
            tally.check("anova n0", c, d["anova"][4], n0)
            tally.check("anova var between", c, d["anova"][5], vb)
            cover["var between < 0"] += bool(vb < 0)
            f, d1, d2, got = d["fsf"]
            tally.check("f sf", c, got, stats.f.sf(f, d1, d2))

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

"""Reference values of the drift statistics from scipy / numpy, for test/integration/drift-scipy.test.ts.

Reads a JSON list of cases ({"ref": [...], "cur": [...], "numerical": bool}) on stdin and prints, per
case, scipy's ks_2samp, wasserstein_distance / numpy std, chisquare (Evidently's expected counts),
jensenshannon (base 2) and PSI over numpy's histogram, binned as Evidently's get_binned_data does.
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance


def binned(ref, cur, numerical, fill):
    if numerical and len(set(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        r = np.histogram(ref, bins)[0] / len(ref)
        c = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref) | set(cur))
        r = np.array([list(ref).count(k) / len(ref) for k in keys])
        c = np.array([list(cur).count(k) / len(cur) for k in keys])
    if fill:
        for a in (r, c):
            m = min(a[a != 0])
            np.place(a, a == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return r, c


out = []
for case in json.load(sys.stdin):
    ref, cur, numerical = case["ref"], case["cur"], case["numerical"]
    res = {}
    if numerical:
        ref_a, cur_a = np.array(ref, dtype=float), np.array(cur, dtype=float)
        ks = stats.ks_2samp(ref_a, cur_a)
        res["ks_stat"], res["ks_p"] = float(ks.statistic), float(ks.pvalue)
        res["wasserstein"] = float(stats.wasserstein_distance(ref_a, cur_a))
        res["std"] = float(np.std(ref_a))
    keys = list(set(ref) | set(cur))
    k = len(cur) / len(ref)
    f_exp = [ref.count(x) * k for x in keys]
    f_obs = [cur.count(x) for x in keys]
    if len(keys) > 1 and all(e > 0 for e in f_exp):
        res["chisquare_p"] = float(stats.chisquare(f_obs, f_exp)[1])
    r, c = binned(ref, cur, numerical, False)
    res["jensenshannon"] = float(distance.jensenshannon(r, c, 2))
    r, c = binned(ref, cur, numerical, True)
    res["psi"] = float(np.sum((r - c) * np.log(r / c)))
    out.append(res)
print(json.dumps(out))

#!/usr/bin/env python3
"""Golden values for Sources/Evaluation: AUC, UAUC, log loss (scikit-learn) and DeLong's test.

Run (from the repository root; `make fixtures` does it):
    python3 Tests/Fixtures/eval/make_eval_fixture.py Tests/Fixtures/eval/metrics.h5
Pins: scikit-learn 1.9.1, numpy 2.4.6, h5py 3.16.0 (requirements/fixtures.txt).

References:
  auc      sklearn.metrics.roc_auc_score (ROC curve and trapezoid rule; ties count one half)
  logloss  sklearn.metrics.log_loss (probabilities clipped to [eps, 1 - eps], eps = 2.22e-16)
  uauc     mean of roc_auc_score over users having both labels, users in increasing id order;
           users with a single label are left out of numerator and denominator
  delong   DeLong, DeLong & Clarke-Pearson (1988), written here directly from its definition with
           the O(m n) kernel psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise, i.e. independently
           of the Swift code, which uses Sun & Xu's (2014) midrank algorithm. Two-sided p-value
           erfc(|z| / sqrt(2)).

Cases (HDF5 groups): hand (a small example with ties across classes), rounded (500 samples,
scores rounded to two decimals, two correlated classifiers), coarse (scores in {0, 0.5, 1}),
separated (classifier A ranks every positive first); "rounded" also has a second seed of each
classifier (scores_a2, scores_b2) and the seed-averaged DeLong test (seeds_*). Each group holds labels (int64), users
(int64), scores_a, scores_b (float64), probs (float64, with exact 0 and 1 for the clipping) and
the expected auc_a, auc_b, uauc_a, uauc_users, logloss, delong_var_a, delong_var_b, delong_cov,
delong_z, delong_p as scalar datasets. Root attribute format_version.
"""
import math
import os
import sys

import h5py
import numpy as np
import sklearn
from sklearn.metrics import log_loss, roc_auc_score

FORMAT_VERSION = 1
assert sklearn.__version__ == "1.9.1", f"pinned scikit-learn 1.9.1, found {sklearn.__version__}"


def delong_direct(labels, a, b):
    """DeLong 1988 from its definition: structural components from the pairwise kernel.

    `a` and `b` are one score vector each, or a list of per-seed score vectors: then each
    classifier's components are averaged over its seeds, and the test compares the seed-mean AUCs.
    """
    pos, neg = labels == 1, labels == 0
    m, n = pos.sum(), neg.sum()
    v10, v01, aucs = [], [], []
    for runs in (a, b):
        runs = [runs] if np.ndim(runs) == 1 else runs
        c10, c01, c = [], [], []
        for s in runs:
            x, y = s[pos][:, None], s[neg][None, :]
            psi = (x > y).astype(np.float64) + 0.5 * (x == y)
            c10.append(psi.mean(axis=1))   # per positive
            c01.append(psi.mean(axis=0))   # per negative
            c.append(psi.mean())
        v10.append(np.mean(c10, axis=0))
        v01.append(np.mean(c01, axis=0))
        aucs.append(float(np.mean(c)))
    s10 = np.cov(np.array(v10), ddof=1)
    s01 = np.cov(np.array(v01), ddof=1)
    s = s10 / m + s01 / n
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    z = (aucs[0] - aucs[1]) / math.sqrt(var)
    return aucs, s, z, math.erfc(abs(z) / math.sqrt(2))


def uauc(users, labels, scores):
    values = []
    for u in sorted(set(users.tolist())):
        mask = users == u
        if len(set(labels[mask].tolist())) == 2:
            values.append(roc_auc_score(labels[mask], scores[mask]))
    return float(np.mean(values)), len(values)


def cases():
    rng = np.random.default_rng(20240611)
    out = {}
    out["hand"] = dict(
        labels=np.array([1, 0, 1, 0, 1, 0, 1, 1, 0, 0]),
        users=np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 3]),
        scores_a=np.array([0.9, 0.9, 0.5, 0.3, 0.1, 0.5, 0.7, 0.7, 0.7, 0.2]),
        scores_b=np.array([0.8, 0.6, 0.6, 0.4, 0.4, 0.1, 0.9, 0.3, 0.5, 0.5]),
    )
    n = 500
    labels = (rng.random(n) < 0.4).astype(np.int64)
    signal = labels * 0.6 + rng.normal(0, 1, n)
    out["rounded"] = dict(
        labels=labels,
        users=rng.integers(0, 40, n),
        scores_a=np.round(1 / (1 + np.exp(-signal)), 2),
        scores_b=np.round(1 / (1 + np.exp(-(signal + rng.normal(0, 0.8, n)))), 2),
    )
    # A second training seed of both classifiers on the same samples, for the seed-averaged test.
    out["rounded"]["scores_a2"] = np.round(1 / (1 + np.exp(-(signal + rng.normal(0, 0.5, 500)))), 2)
    out["rounded"]["scores_b2"] = np.round(1 / (1 + np.exp(-(signal + rng.normal(0, 0.9, 500)))), 2)
    n = 200
    labels = (rng.random(n) < 0.5).astype(np.int64)
    out["coarse"] = dict(
        labels=labels,
        users=rng.integers(0, 15, n),
        scores_a=np.clip(np.round(labels * 0.5 + rng.normal(0.25, 0.35, n) * 2) / 2, 0, 1),
        scores_b=np.clip(np.round(rng.random(n) * 2) / 2, 0, 1),
    )
    n = 60
    labels = np.array([1] * 25 + [0] * 35)
    out["separated"] = dict(
        labels=labels,
        users=np.arange(n) % 7,
        scores_a=np.where(labels == 1, 0.6 + 0.4 * rng.random(n), 0.5 * rng.random(n)),
        scores_b=rng.random(n),
    )
    for c in out.values():
        p = np.clip(c["scores_a"], 0, 1).astype(np.float64)
        p[:3] = [0.0, 1.0, 0.5]  # exact 0 and 1 exercise the clipping
        c["probs"] = p
    return out


def main():
    path = sys.argv[1]
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["generator"] = "Tests/Fixtures/eval/make_eval_fixture.py"
        f.attrs["sklearn"] = sklearn.__version__
        for name, c in cases().items():
            g = f.create_group(name)
            labels = c["labels"].astype(np.int64)
            for key in ("users", "scores_a", "scores_b", "probs"):
                g[key] = c[key]
            g["labels"] = labels
            auc_a = roc_auc_score(labels, c["scores_a"])
            auc_b = roc_auc_score(labels, c["scores_b"])
            aucs, s, z, p = delong_direct(labels, c["scores_a"], c["scores_b"])
            assert abs(aucs[0] - auc_a) < 1e-12 and abs(aucs[1] - auc_b) < 1e-12, "kernel AUC disagrees with sklearn"
            u, count = uauc(c["users"], labels, c["scores_a"])
            g["auc_a"], g["auc_b"] = auc_a, auc_b
            g["uauc_a"], g["uauc_users"] = u, np.int64(count)
            g["logloss"] = log_loss(labels, c["probs"])
            g["delong_var_a"], g["delong_var_b"], g["delong_cov"] = s[0, 0], s[1, 1], s[0, 1]
            g["delong_z"], g["delong_p"] = z, p
            if "scores_a2" in c:
                g["scores_a2"], g["scores_b2"] = c["scores_a2"], c["scores_b2"]
                aucs2, s2, z2, p2 = delong_direct(labels, [c["scores_a"], c["scores_a2"]], [c["scores_b"], c["scores_b2"]])
                g["seeds_auc_a"], g["seeds_auc_b"] = aucs2
                g["seeds_var_a"], g["seeds_var_b"], g["seeds_cov"] = s2[0, 0], s2[1, 1], s2[0, 1]
                g["seeds_z"], g["seeds_p"] = z2, p2
                print(f"{name} (two seeds): auc {aucs2[0]:.6f} / {aucs2[1]:.6f}, delong z {z2:.4f} p {p2:.3g}")
            print(f"{name}: auc {auc_a:.6f} / {auc_b:.6f}, uauc {u:.6f} over {count} users, "
                  f"logloss {g['logloss'][()]:.6f}, delong z {z:.4f} p {p:.3g}")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()

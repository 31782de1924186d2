#!/usr/bin/env python3
"""Figures of `make paper`, drawn from the committed runs and tables (never from typed numbers).

Usage: make_figures.py PAPER_DIR [RUNS_DIR]
  reads  PAPER_DIR/tables/table-*.csv, PAPER_DIR/tables/cells.json, RUNS_DIR/<run>/ (default
         PAPER_DIR/runs; an edition of the plan, e.g. paper/exact-fma, reads the shared paper/runs)
  writes PAPER_DIR/figures/*.png (each written to a temporary name, then renamed)

Figures: ROC curves of Table II (seed 0 of each row, per dataset and K), bar charts with
error bars (sample standard deviation over seeds) for Tables III-V, training curves (train loss
and validation AUC per epoch) for the Table II runs. Needs numpy and matplotlib (pinned in
requirements/paper.txt); the Agg backend and a fixed font make the PNGs reproducible.
"""
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "atflrec"
matplotlib.rcParams["font.family"] = "DejaVu Sans"
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save(fig, path):
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110, metadata={"Software": None})
    plt.close(fig)
    os.replace(tmp, path)


def roc(labels, scores):
    order = np.argsort(-scores, kind="mergesort")
    labels = labels[order]
    scores = scores[order]
    distinct = np.r_[np.where(np.diff(scores))[0], len(scores) - 1]
    tps = np.cumsum(labels)[distinct]
    fps = (1 + distinct) - tps
    return np.r_[0, fps / max(fps[-1], 1)], np.r_[0, tps / max(tps[-1], 1)]


def read_predictions(run_dir):
    with open(os.path.join(run_dir, "predictions.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return (np.array([int(r["label"]) for r in rows]), np.array([float(r["score"]) for r in rows]))


def main(paper, runs=None):
    runs = runs or os.path.join(paper, "runs")
    tables = os.path.join(paper, "tables")
    figures = os.path.join(paper, "figures")
    os.makedirs(figures, exist_ok=True)
    with open(os.path.join(tables, "cells.json")) as f:
        cells = json.load(f)

    # Bar charts for every table and dataset.
    groups = {}
    for c in cells:
        groups.setdefault((c["table"], c["dataset"]), []).append(c)
    for (table, dataset), items in sorted(groups.items()):
        columns = sorted({c["column"] for c in items}, key=lambda s: [c["column"] for c in items].index(s))
        rows = []
        for c in items:
            if c["row"] not in rows:
                rows.append(c["row"])
        fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(rows) * len(columns), 3.4))
        width = 0.8 / len(columns)
        for j, column in enumerate(columns):
            means, sds = [], []
            for r in rows:
                # cells.json holds finished cells only: a row may be done in one column and not
                # yet in the other (a plan worked through in sittings); its bar is left out.
                cell = next((c for c in items if c["row"] == r and c["column"] == column), None)
                if cell is None:
                    means.append(np.nan)
                    sds.append(0.0)
                    continue
                # A ranking table's cells carry the values their rows are ranked by (NDCG@K).
                aucs = np.array(cell.get("values", cell["aucs"]))
                means.append(aucs.mean())
                sds.append(aucs.std(ddof=1) if len(aucs) > 1 else 0.0)
            ax.bar(np.arange(len(rows)) + j * width, means, width, yerr=sds, capsize=3, label=column)
        metric = next((c["metric"] for c in items if "metric" in c), None)
        if metric is None:
            ax.axhline(0.5, color="grey", lw=0.8, ls="--")
        ax.set_xticks(np.arange(len(rows)) + width * (len(columns) - 1) / 2)
        ax.set_xticklabels(rows, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(f"test {metric or 'AUC'} (mean ± sd over seeds)")
        ax.set_title(f"Table {table} ({dataset})")
        ax.legend(fontsize=8)
        fig.tight_layout()
        save(fig, os.path.join(figures, f"table-{table}-{dataset}.png"))

    # ROC curves and training curves for Table II (first seed of each cell).
    for (table, dataset), items in sorted(groups.items()):
        if table != "II":
            continue
        for column in sorted({c["column"] for c in items}):
            fig, ax = plt.subplots(figsize=(4.2, 4.0))
            fig2, (ax_loss, ax_auc) = plt.subplots(1, 2, figsize=(8.0, 3.2))
            for c in (c for c in items if c["column"] == column):
                run_dir = os.path.join(runs, c["runs"][0])
                labels, scores = read_predictions(run_dir)
                fpr, tpr = roc(labels, scores)
                ax.plot(fpr, tpr, label=c["row"], lw=1.2)
                with open(os.path.join(run_dir, "result.json")) as f:
                    result = json.load(f)
                ax_loss.plot(result.get("trainLossCurve", []), label=c["row"])
                ax_auc.plot(result.get("validationAUCCurve", []), label=c["row"])
            ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
            ax.set_xlabel("false positive rate")
            ax.set_ylabel("true positive rate")
            ax.set_title(f"ROC, Table II, {dataset}, {column}, seed 0")
            ax.legend(fontsize=7)
            fig.tight_layout()
            save(fig, os.path.join(figures, f"roc-II-{dataset}-{column.replace('=', '')}.png"))
            ax_loss.set_title("train loss per epoch")
            ax_auc.set_title("validation AUC per epoch")
            ax_auc.legend(fontsize=7)
            fig2.tight_layout()
            save(fig2, os.path.join(figures, f"curves-II-{dataset}-{column.replace('=', '')}.png"))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make_figures.py PAPER_DIR [RUNS_DIR]")
    main(*sys.argv[1:])

#!/usr/bin/env python3
"""Collects the evaluations of bench/docking_sampler_sweep.sh (RUNS/TAG-SETTING-SET/metrics.json, written by
`disco eval`) into OUT.json and OUT.md: per model, sampler setting and evaluation set, the redocking metrics.
For runs with a confidence model it also pools the poses of every draw of a setting (SETTING and SETTING_seedN,
each evaluation's eval/rmsd.csv) and computes the confidence model's ROC AUC for "RMSD < 2 A" over them, with the
number of positive poses. Nothing here is computed from anything but those files, and the rows of an earlier
OUT.json whose evaluation folder is not in RUNS (evaluated on an earlier machine), which are kept as they were."""
import argparse
import csv
import json
import os
import re
from collections import defaultdict

from bench_report_common import with_earlier_rows

KEYS = ["complexes", "top1_below_2A", "top5_below_2A", "median_top1_rmsd", "best_of_n_below_2A", "poses_below_2A",
        "seconds_per_complex", "ranked_by_confidence_model", "top1_below_2A_by_model_score",
        "top5_below_2A_by_model_score", "median_top1_rmsd_by_model_score", "confidence_auc"]


def roc_auc(scores, labels):
    """P(score of a random positive > score of a random negative), ties counted half (Mann-Whitney U)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return None
    rank_sum = sum(r for r, y in zip(ranks, labels) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def confidence_poses(folder):
    """(confidence, RMSD < 2 A) of every pose of one evaluation, or [] without a confidence model."""
    path = os.path.join(folder, "eval", "rmsd.csv")
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if r.get("confidence")]
    return [(float(r["confidence"]), float(r["rmsd"]) < 2.0) for r in rows]


def previous(out):
    """(evaluations, confidence_pooled) of an earlier OUT.json, or empty lists."""
    try:
        with open(out + ".json") as f:
            old = json.load(f)
    except (OSError, ValueError):
        return [], []
    return old.get("evaluations", []), old.get("confidence_pooled", [])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", help="the --runs folder of bench/docking_sampler_sweep.sh")
    ap.add_argument("--out", required=True, help="path without extension: writes OUT.json and OUT.md")
    a = ap.parse_args()
    rows = []
    draws = defaultdict(list)  # (model, setting without _seedN, set) -> [(folder, poses)]
    for name in sorted(os.listdir(a.runs)) if os.path.isdir(a.runs) else []:
        path = os.path.join(a.runs, name, "metrics.json")
        m = re.fullmatch(r"([^-]+)-(.+)-(validation|astex)", name)
        if not m or not os.path.isfile(path):
            continue
        with open(path) as f:
            metrics = json.load(f)
        rows.append({"model": m.group(1), "setting": m.group(2), "set": m.group(3),
                     **{k: metrics[k] for k in KEYS if k in metrics}})
        poses = confidence_poses(os.path.join(a.runs, name))
        if poses:
            draws[(m.group(1), re.sub(r"_seed\d+$", "", m.group(2)), m.group(3))].append((name, poses))
    old_rows, old_pooled = previous(a.out)
    key = lambda r: (r["model"], r["setting"], r["set"])
    rows = with_earlier_rows(rows, old_rows, key)
    rows.sort(key=lambda r: (r["set"] != "validation", r["model"], r["setting"]))
    lines = ["| model | sampler | set | complexes | top-1 < 2 Å | top-5 < 2 Å | median top-1 RMSD | best of 40 < 2 Å | "
             "poses < 2 Å | ranked by |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        n = int(r.get("complexes", 0))
        count = lambda k: f"{round(r[k] * n)} ({100 * r[k]:.1f} %)" if k in r else "-"
        ranked = "confidence" if r.get("ranked_by_confidence_model") else "model score"
        lines.append(f"| {r['model']} | {r['setting']} | {r['set']} | {n} | {count('top1_below_2A')} | "
                     f"{count('top5_below_2A')} | {r.get('median_top1_rmsd', float('nan')):.2f} Å | "
                     f"{count('best_of_n_below_2A')} | {100 * r.get('poses_below_2A', float('nan')):.2f} % | {ranked} |")
        if "top1_below_2A_by_model_score" in r:  # the same poses ranked by the model score
            lines.append(f"| {r['model']} | {r['setting']} | {r['set']} | {n} | {count('top1_below_2A_by_model_score')} | "
                         f"{count('top5_below_2A_by_model_score')} | "
                         f"{r.get('median_top1_rmsd_by_model_score', float('nan')):.2f} Å | (same poses) | | model score |")
    pooled = []
    for (model, setting, eval_set), found in sorted(draws.items()):
        poses = [p for _, p_list in found for p in p_list]
        scores, labels = [p[0] for p in poses], [p[1] for p in poses]
        pooled.append({"model": model, "setting": setting, "set": eval_set, "evaluations": [n for n, _ in found],
                       "poses": len(poses), "positive_poses": sum(labels), "confidence_auc": roc_auc(scores, labels)})
    pooled = sorted(with_earlier_rows(pooled, old_pooled, key), key=key)
    if pooled:
        lines += ["", "Confidence model, every pose of every draw pooled (positive: RMSD < 2 Å):", "",
                  "| model | sampler | set | draws | poses | positive poses | confidence AUC |", "|---|---|---|---|---|---|---|"]
        for p in pooled:
            auc = "-" if p["confidence_auc"] is None else f"{p['confidence_auc']:.3f}"
            lines.append(f"| {p['model']} | {p['setting']} | {p['set']} | {len(p['evaluations'])} | {p['poses']} | "
                         f"{p['positive_poses']} | {auc} |")
    for ext, text in (("json", json.dumps({"script": "bench/docking_sampler_sweep.sh", "evaluations": rows,
                                           "confidence_pooled": pooled}, indent=1)),
                      ("md", "\n".join(lines))):
        tmp = f"{a.out}.{ext}.tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, f"{a.out}.{ext}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

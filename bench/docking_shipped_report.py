#!/usr/bin/env python3
"""Collects the evaluations of bench/docking_shipped_train.sh (RUNS/evals/RUN-CHECKPOINT-SET/metrics.json) into one
JSON file and prints them as a markdown table: per run, checkpoint and evaluation set, the redocking metrics that
`disco eval` measured. Nothing here is computed from anything but those files, and the rows of an earlier --out
whose evaluation is not in RUNS (evaluated on an earlier machine), which are kept as they were."""
import argparse
import json
import os
import re
import sys

from bench_report_common import with_earlier_rows

KEYS = ["complexes", "top1_below_2A", "top5_below_2A", "median_top1_rmsd", "best_of_n_below_2A", "poses_below_2A",
        "seconds_per_complex"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", help="the --runs folder of bench/docking_shipped_train.sh")
    ap.add_argument("--out", required=True, help="JSON file to write")
    a = ap.parse_args()
    evals_dir = os.path.join(a.runs, "evals")
    rows = []
    for name in sorted(os.listdir(evals_dir)) if os.path.isdir(evals_dir) else []:
        path = os.path.join(evals_dir, name, "metrics.json")
        m = re.fullmatch(r"(.+)-ckpt-s(\d+)-(\d+)-(validation|astex)", name)
        if not m or not os.path.isfile(path):
            continue
        with open(path) as f:
            metrics = json.load(f)
        rows.append({"run": m.group(1), "stage": int(m.group(2)), "step": int(m.group(3)), "set": m.group(4),
                     "evaluation": os.path.join(evals_dir, name),
                     **{k: metrics[k] for k in KEYS if k in metrics}})
    try:
        with open(a.out) as f:
            old_rows = json.load(f).get("evaluations", [])
    except (OSError, ValueError):
        old_rows = []
    key = lambda r: (r["run"], r["stage"], r["step"], r["set"])
    rows = sorted(with_earlier_rows(rows, old_rows, key), key=key)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"script": "bench/docking_shipped_train.sh", "evaluations": rows}, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.out)
    print("| run | checkpoint | set | complexes | top-1 < 2 A | top-5 < 2 A | median top-1 RMSD | best of n < 2 A |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        n = int(r.get("complexes", 0))
        pct = lambda k: f"{round(r[k] * n)} ({100 * r[k]:.1f} %)" if k in r else "-"
        print(f"| {r['run']} | stage {r['stage']} step {r['step']} | {r['set']} | {n} | {pct('top1_below_2A')} | "
              f"{pct('top5_below_2A')} | {r.get('median_top1_rmsd', float('nan')):.2f} A | {pct('best_of_n_below_2A')} |")
    if not rows:
        print("(no evaluation yet)", file=sys.stderr)


if __name__ == "__main__":
    main()

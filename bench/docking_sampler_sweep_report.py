#!/usr/bin/env python3
"""Collects the evaluations of bench/docking_sampler_sweep.sh (RUNS/TAG-SETTING-SET/metrics.json, written by
`disco eval`) into OUT.json and OUT.md: per model, sampler setting and evaluation set, the redocking metrics.
Nothing here is computed from anything but those files."""
import argparse
import json
import os
import re

KEYS = ["complexes", "top1_below_2A", "top5_below_2A", "median_top1_rmsd", "best_of_n_below_2A", "poses_below_2A",
        "seconds_per_complex", "ranked_by_confidence_model"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", help="the --runs folder of bench/docking_sampler_sweep.sh")
    ap.add_argument("--out", required=True, help="path without extension: writes OUT.json and OUT.md")
    a = ap.parse_args()
    rows = []
    for name in sorted(os.listdir(a.runs)) if os.path.isdir(a.runs) else []:
        path = os.path.join(a.runs, name, "metrics.json")
        m = re.fullmatch(r"([^-]+)-(.+)-(validation|astex)", name)
        if not m or not os.path.isfile(path):
            continue
        with open(path) as f:
            metrics = json.load(f)
        rows.append({"model": m.group(1), "setting": m.group(2), "set": m.group(3),
                     **{k: metrics[k] for k in KEYS if k in metrics}})
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
    for ext, text in (("json", json.dumps({"script": "bench/docking_sampler_sweep.sh", "evaluations": rows}, indent=1)),
                      ("md", "\n".join(lines))):
        tmp = f"{a.out}.{ext}.tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, f"{a.out}.{ext}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

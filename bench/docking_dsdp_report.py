"""Summarises bench/docking_dsdp.sh: the DisCo run and its latent.m = 0 twin, each trained on DSDP and evaluated
on Astex by `disco eval` (RUN/metrics.json, RUN/eval/rmsd.csv, RUN/log.txt, RUN/metrics.csv).

Writes a JSON summary and prints a markdown table: top-1 and top-5 < 2 Å, median top-1 RMSD, best of N < 2 Å,
training time and steps, seconds per complex; then the paired comparison on the complexes both runs docked
(which run's rank-1 pose is closer, where exactly one is below 2 Å) with a bootstrap interval over complexes for the
difference in top-1 < 2 Å.
"""
import argparse
import csv
import datetime
import json
import os
import random
import re
import statistics


def read_metrics(run):
    with open(os.path.join(run, "metrics.json")) as f:
        return json.load(f)


def rank_rmsds(run):
    """complex -> RMSDs in rank order (rank 1 first), from RUN/eval/rmsd.csv."""
    out = {}
    with open(os.path.join(run, "eval", "rmsd.csv")) as f:
        for row in csv.DictReader(f):
            out.setdefault(row["complex"], []).append((int(row["rank"]), float(row["rmsd"])))
    return {k: [d for _, d in sorted(v)] for k, v in out.items()}


def training(run):
    """Wall time of training from RUN/log.txt: the sum over each `disco train` invocation of the time from its first
    line to its last training line (a stopped run's last step, or "training finished"), so neither the gap between a
    stop and its resume nor an evaluation logged between two trainings counts; and the first and last logged
    stage-1 loss and step from RUN/metrics.csv."""
    stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ")
    training_line = re.compile(r"disco train:|resumed from|train\.steps = |stage [12]|training finished")
    seconds = 0.0
    start = last = None
    with open(os.path.join(run, "log.txt")) as f:
        for line in f:
            m = stamp.match(line)
            if not m or not training_line.search(line):
                continue
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
            if "disco train:" in line:
                if start is not None:
                    seconds += (last - start).total_seconds()
                start = t
            last = t
    if start is not None:
        seconds += (last - start).total_seconds()
    else:
        seconds = None
    stage1 = [r for r in csv.DictReader(open(os.path.join(run, "metrics.csv"))) if r["stage"] == "1"]
    last = stage1[-1] if stage1 else {}
    return {
        "train_seconds": seconds,
        "stage1_steps": int(last["step"]) if last else None,
        "stage1_last_loss": float(last["loss"]) if last else None,
        "stage1_first_loss": float(stage1[0]["loss"]) if stage1 else None,
    }


def bootstrap_difference(pairs, rounds=10000, seed=0):
    """95 % interval of mean(a) - mean(b) over complexes resampled with replacement; pairs = [(a, b)]."""
    rng = random.Random(seed)
    n = len(pairs)
    diffs = []
    for _ in range(rounds):
        s = [pairs[rng.randrange(n)] for _ in range(n)]
        diffs.append(sum(a - b for a, b in s) / n)
    diffs.sort()
    return diffs[int(0.025 * rounds)], diffs[int(0.975 * rounds) - 1]


def summarise(disco_run, m0_run, size):
    runs = {"disco": disco_run, "m0": m0_run}
    res = {"date": datetime.date.today().isoformat(), "size": size, "command": "bench/docking_dsdp.sh", "runs": {}}
    top1 = {}
    for name, run in runs.items():
        metrics = read_metrics(run)
        res["runs"][name] = {"dir": run, **training(run), "metrics": metrics}
        top1[name] = {k: v[0] for k, v in rank_rmsds(run).items()}
    both = sorted(set(top1["disco"]) & set(top1["m0"]))
    pairs = [(top1["disco"][k] < 2.0, top1["m0"][k] < 2.0) for k in both]
    lo, hi = bootstrap_difference([(float(a), float(b)) for a, b in pairs]) if pairs else (None, None)
    res["paired"] = {
        "complexes": len(both),
        "disco_closer": sum(top1["disco"][k] < top1["m0"][k] for k in both),
        "m0_closer": sum(top1["m0"][k] < top1["disco"][k] for k in both),
        "only_disco_below_2A": sum(a and not b for a, b in pairs),
        "only_m0_below_2A": sum(b and not a for a, b in pairs),
        "median_top1_difference_A": statistics.median(top1["disco"][k] - top1["m0"][k] for k in both) if both else None,
        "top1_below_2A_difference_95ci": [lo, hi],
    }
    return res


def table(res):
    def num(m, key, scale=1.0, digits=1, suffix=""):
        v = m.get(key)
        return "–" if v is None else f"{float(v) * scale:.{digits}f}{suffix}"

    lines = ["| run | top-1 < 2 Å | top-5 < 2 Å | median top-1 RMSD | best of 40 < 2 Å | stage-1 steps | training | s per complex |",
             "|---|---|---|---|---|---|---|---|"]
    for name, label in (("disco", "DisCo (m = 2)"), ("m0", "m = 0")):
        r = res["runs"][name]
        m = r["metrics"]
        n = int(float(m["complexes"]))
        count = lambda key: f"{round(float(m[key]) * n)} of {n} ({float(m[key]) * 100:.1f} %)"
        secs = r["train_seconds"]
        train = "–" if secs is None else f"{secs / 60:.{0 if secs >= 600 else 1}f} min"
        lines.append(f"| {label} | {count('top1_below_2A')} | {count('top5_below_2A')} | "
                     f"{num(m, 'median_top1_rmsd', digits=2, suffix=' Å')} | {count('best_of_n_below_2A')} | "
                     f"{r['stage1_steps']} | {train} | {num(m, 'seconds_per_complex')} |")
    p = res["paired"]
    lo, hi = p["top1_below_2A_difference_95ci"]
    ci = "–" if lo is None else f"[{lo * 100:+.1f}, {hi * 100:+.1f}] points"
    lines.append("")
    lines.append(f"Paired over {p['complexes']} complexes: DisCo's rank-1 pose is closer in {p['disco_closer']}, "
                 f"m = 0's in {p['m0_closer']}; only DisCo below 2 Å in {p['only_disco_below_2A']}, only m = 0 in "
                 f"{p['only_m0_below_2A']}; median top-1 difference (DisCo − m = 0) "
                 f"{p['median_top1_difference_A']:+.2f} Å; 95 % bootstrap interval of the top-1 < 2 Å difference {ci}.")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--disco", required=True, help="run directory of the DisCo (latent.m = 2) model")
    ap.add_argument("--m0", required=True, help="run directory of its latent.m = 0 twin")
    ap.add_argument("--size", default="diffdock-s")
    ap.add_argument("--out", help="summary JSON to write (temp file + rename)")
    ap.add_argument("--note", action="append", default=[],
                    help="a line recorded in the JSON's notes (what the logs cannot say; repeatable)")
    o = ap.parse_args()
    res = summarise(o.disco, o.m0, o.size)
    if o.note:
        res["notes"] = o.note
    if o.out:
        with open(o.out + ".tmp", "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        os.replace(o.out + ".tmp", o.out)
    print(table(res))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""bench/image_study_report.py RUNS_DIR: the image study's table (issue #26) from every evaluated run.

Reads RUNS_DIR/<variant>_s<seed>/metrics.json (written by `disco eval`) and the training time from
RUNS_DIR/<variant>_s<seed>.train.log; keeps the rows of bench/results/image_study.csv whose run is not in RUNS_DIR
(runs evaluated on another machine, or before RUNS_DIR was cleared) and replaces those that are; writes
bench/results/image_study.csv (one row per run) and
bench/results/image_study.md (one row per variant: mean and sample standard deviation over its seeds, and the
FD ratio to the baseline's mean). Variants are described by `bench/image_study.sh --list`.
"""
import csv
import json
import math
import os
import re
import subprocess
import sys

from bench_report_common import with_earlier_rows

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")

COLUMNS = [  # (csv column, metrics.json key or None, markdown header)
    ("fd", "fd_fashion_mnist", "FD (prior latents)"),
    ("fd_encoded", "fd_fashion_mnist_encoded_latents", "FD (encoded latents)"),
    ("fd_train_latents", "fd_fashion_mnist_train_latents", "FD (training images' latents)"),
    ("class_accuracy", "class_accuracy_mean", "class acc."),
    ("codes_in_use", "latent_codes_in_use", "codes in use"),
    ("perplexity", "latent_perplexity", "perplexity / latent"),
    ("mi_code_class", "latent_class_mutual_info", "I(code; class)"),
    ("mi_tuple_class", "latent_tuple_class_mutual_info", "I(tuple; class)"),
    ("prior_nll_test", "prior_nll_test", "prior NLL"),
    ("prior_nll_uniform", "prior_nll_uniform", "uniform NLL"),
    ("gain_sigma1", "loss_gain_sigma1", "gain σ=1"),
    ("gain_sigma3", "loss_gain_sigma3", "gain σ=3"),
]


def variant_notes():
    """{variant: description} from bench/image_study.sh --list."""
    try:
        out = subprocess.run([os.path.join(HERE, "image_study.sh"), "--list"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {}
    notes = {}  # {variant: (what, flags)}
    name = None
    for line in out:
        if not line.startswith(" "):
            name, _, what = line.partition(": ")
            notes[name] = (what.strip(), "")
        elif name and line.strip().startswith("flags: "):
            notes[name] = (notes[name][0], line.strip()[len("flags: "):])
        elif name and line.strip().startswith("prior only, of: "):
            PRIOR_ONLY_PARENT[name] = line.strip()[len("prior only, of: "):]
    return notes


PRIOR_ONLY_PARENT = {}  # {variant: parent} for variants that retrain only the prior (filled by variant_notes)
# Columns that do not involve the prior: a prior-only variant's run has its parent's samples for them.
PARENT_COLUMNS = ["fd_encoded", "fd_train_latents"]


def train_seconds(log):
    """Seconds of training in a run's log: a resumed run sums its pieces; a run that extends a shorter one
    ("extends RUN" in its log, written by image_study.sh) adds that run's time."""
    try:
        with open(log) as f:
            text = f.read()
    except OSError:
        return None
    found = re.findall(r"^training finished in ([0-9.]+) s", text, re.M)
    if not found:
        return None
    total = sum(float(s) for s in found)
    for parent in re.findall(r"^extends (\S+)$", text, re.M):
        before = train_seconds(parent + ".train.log")
        if before is None:
            return None
        total += before
    return total


def baseline_of(variant):
    """The baseline a variant's FD ratio is taken to: the one trained as long and with the same learning-rate
    schedule (base_6k for emb_hard_6k and emb_hard_ee_6k_pcos4k, base_cool for emb_hard_cool_pcos4k)."""
    kept = [t for t in variant.split("_")[1:] if re.fullmatch(r"\d+k|cool", t)]
    return "_".join(["base"] + kept)


def mean_std(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None
    m = sum(values) / len(values)
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else None
    return m, s


def fmt(m, s, digits=3):
    if m is None:
        return "–"
    return f"{m:.{digits}f}" + (f" ± {s:.{digits}f}" if s is not None else "")


def previous_rows(path):
    """The rows of an earlier image_study.csv, typed as main() builds them ([] when there is none)."""
    try:
        with open(path, newline="") as f:
            reader = list(csv.DictReader(f))
    except OSError:
        return []
    rows = []
    for line, r in enumerate(reader, start=2):
        try:
            row = {"variant": r["variant"], "seed": int(r["seed"]), "nfe": int(r["nfe"]) if r["nfe"] else None}
            for col in ["train_s"] + [c for c, _, _ in COLUMNS]:
                row[col] = (int(r[col]) if r[col].lstrip("-").isdigit() else float(r[col])) if r.get(col) else None
        except (KeyError, ValueError) as e:
            sys.exit(f"image_study_report.py: {path}:{line}: unreadable row ({e})")
        rows.append(row)
    return rows


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: image_study_report.py RUNS_DIR")
    runs = sys.argv[1]
    kept = previous_rows(os.path.join(RESULTS, "image_study.csv"))
    rows = []
    for name in sorted(os.listdir(runs)):
        match = re.fullmatch(r"(.+)_s(\d+)", name)
        path = os.path.join(runs, name, "metrics.json")
        if not match or not os.path.isfile(path):
            continue
        with open(path) as f:
            metrics = json.load(f)
        row = {"variant": match.group(1), "seed": int(match.group(2)), "nfe": metrics.get("nfe"),
               "train_s": train_seconds(os.path.join(runs, name + ".train.log"))}
        for col, key, _ in COLUMNS:
            row[col] = metrics.get(key)
        rows.append(row)
    rows = with_earlier_rows(rows, kept, lambda r: (r["variant"], r["seed"]))
    if not rows:
        sys.exit(f"image_study_report.py: no evaluated run (RUN/metrics.json) in {runs}, and no earlier table")
    rows.sort(key=lambda r: f"{r['variant']}_s{r['seed']}")  # as the run directories sort
    os.makedirs(RESULTS, exist_ok=True)
    fields = ["variant", "seed", "nfe", "train_s"] + [c for c, _, _ in COLUMNS]
    tmp = os.path.join(RESULTS, "image_study.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, os.path.join(RESULTS, "image_study.csv"))

    notes = variant_notes()
    by_run = {(r["variant"], r["seed"]): r for r in rows}
    for r in rows:
        parent = by_run.get((PRIOR_ONLY_PARENT.get(r["variant"]), r["seed"]))
        for col in PARENT_COLUMNS:
            if r[col] is None and parent is not None:
                r[col] = parent[col]
    order = list(notes) + sorted({r["variant"] for r in rows} - set(notes))
    lines = ["# Image study: DisCo-Diff against its EDM baseline on unconditional Fashion-MNIST (issue #26)", "",
             "Written by `bench/image_study_report.py` from the runs of `bench/image_study.sh` (variants: "
             "`bench/image_study.sh --list`). Every run: 16-channel U-Net, batch 64, 3000 steps (6000 for "
             "the variants named `_6k`), one thread; `disco eval` with 2000 samples at 35 NFE (Heun, 18 steps) "
             "against 2000 test images, FD in the features of disco's Fashion-MNIST classifier. Mean ± sample std "
             "over the seeds listed; FD ratio = the variant's mean FD / the mean FD of the baseline trained as long "
             "(`base` or `base_6k`). DisCo variants start from "
             "`examples/image/fashion_mnist_uncond.toml` with the paper's setting pinned (m = 4, k = 16, soft Gumbel "
             "τ = 1, p_null 0.1, cross-attention, a shared encoder head) and then apply their flags; the baseline is "
             "`fashion_mnist_uncond_baseline.toml`. A variant that retrains only the prior (`--retrain-prior`) has its "
             "parent's encoded and training-image-latent FDs (the same encoder, denoiser and samples). "
             "Gains: (null − encoded) / null EDM-weighted "
             "denoising loss on 1000 test images at that σ. Per-run numbers: `image_study.csv`.", "",
             "| variant | seeds | " + " | ".join(h for _, _, h in COLUMNS) + " | FD ratio | train s |",
             "|---" * (len(COLUMNS) + 4) + "|"]
    for v in order:
        group = [r for r in rows if r["variant"] == v]
        if not group:
            continue
        cells = []
        for col, _, _ in COLUMNS:
            digits = 0 if col == "codes_in_use" else (2 if col.startswith(("perplexity", "prior", "mi")) else 3)
            if col.startswith("gain"):
                m, s = mean_std([100 * r[col] if r[col] is not None else None for r in group])
                cells.append(fmt(m, s, 1) + (" %" if m is not None else ""))
            else:
                cells.append(fmt(*mean_std([r[col] for r in group]), digits))
        fd, _ = mean_std([r["fd"] for r in group])
        base_fd, _ = mean_std([r["fd"] for r in rows if r["variant"] == baseline_of(v)])
        ratio = f"{fd / base_fd:.2f}" if fd is not None and base_fd else "–"
        seconds, _ = mean_std([r["train_s"] for r in group])
        lines.append(f"| {v} | {','.join(str(r['seed']) for r in group)} | " + " | ".join(cells) +
                     f" | {ratio} | {fmt(seconds, None, 0)} |")
    lines += ["", "Variants:", ""]
    for v in order:
        if v in notes and any(r["variant"] == v for r in rows):
            lines.append(f"- `{v}`: {notes[v][0]}; flags `{notes[v][1]}`")
    tmp = os.path.join(RESULTS, "image_study.md.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(RESULTS, "image_study.md"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

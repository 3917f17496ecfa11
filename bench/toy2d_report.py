#!/usr/bin/python3
"""Aggregates the per-process JSON of bench/run.sh into bench/results/toy2d.json and the README table.

Each input file is one process (disco_bench_toy2d or toy2d_reference.py, one workload, one round). Times of all
rounds are pooled per side; the ratio is python_median / disco_median (> 1: disco is faster).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report_common import (arguments, check_same_threads, common_fields, first_of_each_side,  # noqa: E402
                                 load_note, load_runs, publish, render_only, summarise)

TRAIN_TARGET = 1.5  # disco's training step should be at least this many times faster than Python's
BEGIN, END = "<!-- bench:toy2d:begin -->", "<!-- bench:toy2d:end -->"
TIME_KEY = {"train": "seconds_per_step", "sample": "seconds"}
CPU_KEY = {"train": "cpu_seconds_per_step", "sample": "cpu_seconds"}


def summarise_side(runs, workload):
    s = summarise(runs, workload, TIME_KEY[workload], CPU_KEY[workload])
    s["cpu_times"] = [t for r in runs for t in r["workloads"][workload][CPU_KEY[workload]]]
    s["peak_rss_mib_max"] = max(r["peak_rss_kb"] / 1024.0 for r in runs)
    return s


def fmt_time(seconds, workload):
    return f"{seconds * 1e3:.3f} ms" if workload == "train" else f"{seconds:.3f} s"


def table(res):
    w = res["workloads"]
    rows = ["| workload | disco (C++) median | Python median | speedup (Python / disco) | disco min – max "
            "| Python min – max | speedup of the minima | CPU time disco / Python (speedup) | peak RSS disco / Python |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    names = {"train": f"train step, batch {w['train']['batch']}" if "train" in w else "",
             "sample": (f"sample {w['sample']['n']:,} points, Heun {w['sample']['steps']} steps "
                        f"({w['sample']['nfe']} NFE)") if "sample" in w else ""}
    for k in ("train", "sample"):
        if k not in w:
            continue
        d, p = w[k]["disco"], w[k]["python"]
        rows.append(f"| {names[k]} | {fmt_time(d['median'], k)} | {fmt_time(p['median'], k)} | "
                    f"**{w[k]['ratio']:.2f}×** | {fmt_time(d['min'], k)} – {fmt_time(d['max'], k)} | "
                    f"{fmt_time(p['min'], k)} – {fmt_time(p['max'], k)} | {p['min'] / d['min']:.2f}× | "
                    f"{fmt_time(d['cpu_median'], k)} / "
                    f"{fmt_time(p['cpu_median'], k)} ({w[k]['cpu_ratio']:.2f}×) | "
                    f"{d['peak_rss_mib_median']:.0f} / {p['peak_rss_mib_median']:.0f} MiB |")
    t = res["target"]
    notes = [
        f"{res['mode']} run (`{res['command']}`), {res['date']}: "
        f"{res['threads']} thread{'s' if res['threads'] != 1 else ''} on both sides, "
        f"{res['rounds']} alternating rounds per workload (C++, Python, C++, ...), medians over "
        f"{w['train']['disco']['n_timed'] if 'train' in w else '?'} timed repeats per side for training "
        f"({w['train']['steps_per_repeat'] if 'train' in w else '?'} steps each, time per step) and "
        f"{w['sample']['disco']['n_timed'] if 'sample' in w else '?'} for sampling.",
        f"CPU: {res['cpu_model']} ({res['nproc']} cores); disco on LibTorch {res['versions']['disco_libtorch']}, "
        f"Python {res['versions']['python']} with torch {res['versions']['python_torch']}; "
        + (f"{res['param_count']['disco']:,} parameters in each model. "
           if res["param_count"]["disco"] == res["param_count"]["python"] else
           f"**parameter counts differ** (disco {res['param_count']['disco']:,}, Python "
           f"{res['param_count']['python']:,}). ")
        + "CPU time: user + system time of the whole process (all threads) over "
        "the same interval, median; less disturbed than wall time when other work shares the cores. Peak RSS: whole "
        "process (getrusage), median over its runs.",
        load_note(res, 0.5 * res["nproc"], "other work shared its cores, so times are inflated and scattered; the "
                  "alternation keeps the comparison fair on average, and the minima estimate the undisturbed speed"),
        ("Parity: not checked." if not res.get("parity") else
         f"Parity: same seeds give the same loss after 3 steps and the same sample mean in both programs "
         f"(max relative difference {res['parity']['max_relative_difference']:.1e})." if res["parity"]["match"] else
         f"**Parity FAILED** (max relative difference {res['parity']['max_relative_difference']:.1e}): the Python "
         "reference may no longer mirror domains/toy2d/src/networks.cpp; the comparison is suspect."),
        *(["Environment: " + ", ".join(f"`{k}={v}`" for k, v in res["environment"].items()) + " (both sides)."]
          if res.get("environment") else []),
        f"Target: training step ≥ {t['train_ratio_min']}× Python → **{'met' if t['met'] else 'missed'}** "
        f"({t['train_ratio']:.2f}×).",
    ]
    return "\n".join(rows + [""] + ["- " + n for n in notes])


def parity(raw):
    """Compares the parity runs (same seeds, 3 training steps, 5-step sampling) of the two programs."""
    try:
        d, p = (json.load(open(os.path.join(raw, "parity", f"{k}.json")))["workloads"] for k in ("disco", "python"))
    except (OSError, ValueError, KeyError):
        return None
    pairs = [(d["train"]["last_loss"], p["train"]["last_loss"])] + list(zip(d["sample"]["mean_xy"],
                                                                          p["sample"]["mean_xy"]))
    worst = max(abs(a - b) / max(abs(a), abs(b), 1e-3) for a, b in pairs)
    return {"disco": {"loss_after_3_steps": pairs[0][0], "sample_mean_xy": d["sample"]["mean_xy"]},
            "python": {"loss_after_3_steps": pairs[0][1], "sample_mean_xy": p["sample"]["mean_xy"]},
            "max_relative_difference": worst, "match": worst < 1e-4}


def main():
    o = arguments(__doc__, "bench/results/toy2d.json")
    if o.render:
        render_only(o, table, BEGIN, END)
        return
    runs = load_runs(o.raw, "toy2d_report.py")
    first = first_of_each_side(runs)
    check_same_threads(first, "toy2d_report.py")
    res = {
        "benchmark": "toy2d baseline (latent.m = 0): disco C++ vs PyTorch-Python",
        "mode": o.mode, "command": o.command,
        **common_fields(runs, first),
        "workloads": {},
        # Settings that change what is measured, inherited by both sides from run.sh's environment.
        "environment": {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "GLIBC_TUNABLES",
                                                   "MALLOC_ARENA_MAX", "LD_PRELOAD") if os.environ.get(k)},
    }
    for workload, sides in runs.items():
        meta = dict(sides["disco"][0]["workloads"][workload])
        meta.pop(TIME_KEY[workload])
        meta.pop("last_loss", None)
        entry = {**meta, "disco": summarise_side(sides["disco"], workload),
                 "python": summarise_side(sides["python"], workload)}
        entry["ratio"] = entry["python"]["median"] / entry["disco"]["median"]
        entry["cpu_ratio"] = entry["python"]["cpu_median"] / entry["disco"]["cpu_median"]
        entry["min_ratio"] = entry["python"]["min"] / entry["disco"]["min"]
        entry["unit"] = "seconds per step" if workload == "train" else "seconds per run"
        res["workloads"][workload] = entry
    res["parity"] = parity(o.raw)
    train_ratio = res["workloads"].get("train", {}).get("ratio", float("nan"))
    res["target"] = {"train_ratio_min": TRAIN_TARGET, "train_ratio": train_ratio, "met": train_ratio >= TRAIN_TARGET}
    publish(o, res, table, BEGIN, END)
    if res["parity"] is not None and not res["parity"]["match"]:
        print("toy2d_report.py: warning: parity check failed (see above)", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Aggregates the per-process JSON of bench/run.sh's image workloads into bench/results/image.json and a table.

Each input file is one process (disco_bench_image or image_reference.py, one workload, one round), named
WORKLOAD-IMPL-ROUND.json with WORKLOAD in train, sample, roofline, roofline_cl (the forward in channels-last).
Times of all rounds are pooled per side; ratio = python_median / disco_median (> 1: disco is faster). Exits
non-zero when the two sides' networks differ (parameter counts or any parameter's name and shape).
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report_common import (arguments, check_same_networks, check_same_threads, common_fields,  # noqa: E402
                                 first_of_each_side, fmt, load_note, load_runs, publish, render_only, run_notes,
                                 summarise, timing_table_rows)

BEGIN, END = "<!-- bench:image:begin -->", "<!-- bench:image:end -->"
TIME_KEY = {"train": "seconds_per_step", "sample": "seconds", "roofline": "forward_seconds",
            "roofline_cl": "forward_seconds"}
CPU_KEY = {"train": "cpu_seconds_per_step", "sample": "cpu_seconds"}
RATIO_TARGET = 1.0  # U-Net training and sampling at least as fast as Python
PRIOR_SHARE_TARGET = 0.01


def summarise_side(runs, workload):
    key = "roofline" if workload.startswith("roofline") else workload
    s = summarise(runs, key, TIME_KEY[workload], CPU_KEY.get(workload))
    times = s["times"]
    if workload == "sample":
        prior = [t for r in runs for t in r["workloads"][key]["prior_seconds"]]
        s["prior_median"] = statistics.median(prior)
        s["prior_share"] = statistics.median(p / t for p, t in zip(prior, times))
    if key == "roofline":
        mm = [t for r in runs for t in r["workloads"][key]["mm_seconds"]]
        n = runs[0]["workloads"][key]["mm_n"]
        s["sgemm_peak_gflops"] = 2 * n ** 3 / min(mm) / 1e9
        s["sgemm_median_gflops"] = 2 * n ** 3 / statistics.median(mm) / 1e9
    return s


def table(res):
    w = res["workloads"]
    names = {"train": lambda e: f"train step, batch {e['batch']} (U-Net + ViT encoder, Adam, EMA)",
             "sample": lambda e: f"sample {e['n']} images, Heun {e['steps']} steps ({e['nfe']} NFE), with the AR prior",
             "roofline": lambda e: f"U-Net forward alone, batch {e['batch']}, inference mode",
             "roofline_cl": lambda e: f"U-Net forward alone, batch {e['batch']}, channels-last"}
    rows = timing_table_rows(w, names)
    pc, t = res["param_count"], res["targets"]
    notes = run_notes(res, f"model of `{res['config']}` as `Model::build` makes it.") + [
        f"Parameters, equal on both sides tensor by tensor (same names and shapes): U-Net denoiser "
        f"{pc['disco']['denoiser']:,}, ViT encoder {pc['disco']['encoder']:,}, AR prior {pc['disco']['prior']:,}. "
        "The weights are drawn independently (no same-weights parity check), so both sides do the same FLOPs on "
        "different numbers.",
        load_note(res, 0.5 * res["nproc"]),
    ]
    if "sample" in w:
        d, p = w["sample"]["disco"], w["sample"]["python"]
        notes.append(f"AR prior inside sampling: disco {fmt(d['prior_median'])} = {100 * d['prior_share']:.2f} % of "
                     f"the sampling time, Python {fmt(p['prior_median'])} = {100 * p['prior_share']:.2f} % (paper: "
                     "0.44 s against 78 s = 0.56 %).")
    if "roofline" in w:
        r = w["roofline"]
        line = (f"Roofline: one U-Net forward at batch {r['batch']} is {r['flops'] / 1e9:.2f} GFLOP (counted with "
                f"`torch.profiler(with_flops=True)` in the reference; {r['matmul_flops'] / 1e9:.2f} GFLOP of it in "
                f"conv2d/mm/addmm/bmm) → disco {r['disco_gflops']:.1f} GFLOP/s, Python {r['python_gflops']:.1f} "
                f"GFLOP/s (median forward) against an sgemm peak of {r['disco']['sgemm_peak_gflops']:.1f} GFLOP/s "
                f"(best 1024³ `at::mm` in the same processes; median {r['disco']['sgemm_median_gflops']:.1f}): "
                f"disco reaches {100 * r['disco_gflops'] / r['disco']['sgemm_peak_gflops']:.0f} % of it.")
        if "roofline_cl" in w:
            line += (f" Channels-last: disco {w['roofline_cl']['disco']['median'] * 1e3:.1f} ms vs contiguous "
                     f"{r['disco']['median'] * 1e3:.1f} ms.")
        notes.append(line)
    for name, tgt in t.items():
        if tgt.get("value") is None:
            continue
        shown = f"{100 * tgt['value']:.2f} %" if name == "prior_share" else f"{tgt['value']:.2f}×"
        notes.append(f"Target {tgt['what']} → **{'met' if tgt['met'] else 'missed'}** ({shown}).")
    return "\n".join(rows + [""] + ["- " + n for n in notes])


def main():
    o = arguments(__doc__, "bench/results/image.json", extra=[("--config", "examples/image/fashion_mnist.toml")])
    if o.render:
        render_only(o, table, BEGIN, END)
        return
    runs = load_runs(o.raw, "image_report.py")
    first = first_of_each_side(runs)
    # The two sides must build the same networks: same parameter count, same names and shapes.
    check_same_networks(first, ("denoiser", "encoder", "prior"), "image_report.py", "disco's image networks")
    check_same_threads(first, "image_report.py")
    res = {
        "benchmark": "image U-Net (DisCo-Diff, examples/image/fashion_mnist.toml): disco C++ vs PyTorch-Python",
        "mode": o.mode, "command": o.command, "config": o.config,
        **common_fields(runs, first),
        "workloads": {},
    }
    for workload, sides in runs.items():
        key = "roofline" if workload.startswith("roofline") else workload
        meta = {k: v for k, v in sides["disco"][0]["workloads"][key].items() if not isinstance(v, list)}
        meta.pop("last_loss", None)
        e = {**meta, "disco": summarise_side(sides["disco"], workload),
             "python": summarise_side(sides["python"], workload)}
        e["ratio"] = e["python"]["median"] / e["disco"]["median"]
        e["min_ratio"] = e["python"]["min"] / e["disco"]["min"]
        if key == "roofline":
            pw = sides["python"][0]["workloads"]["roofline"]
            e["flops"], e["matmul_flops"] = pw["forward_flops"], pw["forward_matmul_flops"]
            e["disco_gflops"] = e["flops"] / e["disco"]["median"] / 1e9
            e["python_gflops"] = e["flops"] / e["python"]["median"] / 1e9
        res["workloads"][workload] = e
    w = res["workloads"]
    tr = w.get("train", {}).get("ratio")
    sr = w.get("sample", {}).get("ratio")
    ps = w.get("sample", {}).get("disco", {}).get("prior_share")
    res["targets"] = {
        "train_ratio": {"what": f"U-Net training step ≥ {RATIO_TARGET}× Python", "value": tr,
                        "met": tr is not None and tr >= RATIO_TARGET},
        "sample_ratio": {"what": f"U-Net sampling ≥ {RATIO_TARGET}× Python", "value": sr,
                         "met": sr is not None and sr >= RATIO_TARGET},
        "prior_share": {"what": "AR prior < 1 % of disco's sampling time", "value": ps,
                        "met": ps is not None and ps < PRIOR_SHARE_TARGET},
    }
    publish(o, res, table, BEGIN, END)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Aggregates the per-process JSON of bench/run.sh's docking workloads into bench/results/docking_vs_python.json
and a table.

Each input file is one process (disco_bench_docking or docking_reference.py, one workload, one round), named
WORKLOAD-IMPL-ROUND.json with WORKLOAD in dock, forward; RAW/parity/parity.json is docking_reference.py --check against
disco's exported outputs. Times of all rounds are pooled per side; ratio = python_median / disco_median (> 1:
disco is faster). Exits non-zero when the two sides' networks differ or the parity check failed.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report_common import (arguments, check_same_networks, check_same_threads, common_fields,  # noqa: E402
                                 first_of_each_side, load_note, load_runs, publish, render_only, run_notes,
                                 summarise, timing_table_rows)

BEGIN, END = "<!-- bench:docking:begin -->", "<!-- bench:docking:end -->"
TIME_TARGET_S = 10.0  # the docking target: 40 samples x 20 steps at DiffDock-S size in under 10 s on 2 cores
# Parity limits: float32 networks, float64 poses; the same kernels on both sides (Debian's libtorch under both).
# The two sides sum some products in different orders (disco's fused tensor-product kernel), so the scores differ
# by about 1e-6. Along 20 reverse steps that stays at 1e-5 Å for almost every pose, but a trajectory can amplify
# it: on 1a0q at DiffDock-S size one pose of 40 ended 0.33 Å apart (all others within 3e-5 Å; also before the
# fused kernel). So at least POSE_SHARE of the poses must agree within POSE_TOL_A, not every one.
# The latents: the AR prior's draws are not compared for equality, since a draw is an argmax over Gumbel-max
# scores p_i / q_i and two nodes' scores may tie to within the 1e-6 noise (one flip in 80 draws sent a pose
# 27.7 Å away). docking_reference.py replays the draws' q from the same generator; every latent disco drew
# must score within FORWARD_REL_TOL (relative) of the best score on the Python side: the same sampler on the
# same distribution, up to ties. The prior's log-likelihoods of disco's draws must agree to FORWARD_REL_TOL,
# and the dock's poses are those of disco's latents on both sides, matched pose to pose (not rank to rank).
FORWARD_REL_TOL, POSE_TOL_A, POSE_SHARE = 1e-4, 1e-3, 0.95


def parity_failures(par):
    """The parity limits this run misses (empty: parity holds)."""
    bad = []
    if par["forward_max_rel_diff"] > FORWARD_REL_TOL:
        bad.append(f"forward scores differ by {par['forward_max_rel_diff']:.2e} > {FORWARD_REL_TOL} (relative)")
    if par.get("prior_nll_max_rel_diff", 0.0) > FORWARD_REL_TOL:
        bad.append(f"prior log-likelihoods differ by {par['prior_nll_max_rel_diff']:.2e} > {FORWARD_REL_TOL}")
    if par.get("dock_latent_draws") is None:
        bad.append("the parity output has no latent draw check (docking_reference.py too old?)")
    else:
        if not par["dock_latent_replay_ok"]:
            bad.append("the replayed Exp(1) draws do not reproduce torch.multinomial's picks")
        if par["dock_latent_worst_rel_gap"] > FORWARD_REL_TOL:
            bad.append(f"a latent disco drew scores {par['dock_latent_worst_rel_gap']:.2e} below the best "
                       f"(> {FORWARD_REL_TOL}, not a tie)")
    if par["dock_poses_within_1e-3_angstrom"] < POSE_SHARE * par["dock_poses"]:
        bad.append(f"{par['dock_poses_within_1e-3_angstrom']} of {par['dock_poses']} poses within {POSE_TOL_A} Å "
                   f"(< {POSE_SHARE:.0%})")
    return bad


def latent_note(par):
    if "dock_latent_draws" not in par:  # summaries from before the draw check
        return f"a whole seeded dock gives the same latents ({'yes' if par['dock_latents_equal'] else 'NO'})"
    if par["dock_latent_draws"] == 0:
        return "no latents (m = 0)"
    tie = par.get("dock_latent_closest_tie")
    return (f"the priors' log-likelihoods of disco's {par['dock_latent_draws']} latent draws agree to "
            f"{par['prior_nll_max_rel_diff']:.1e} (relative), {par['dock_latent_draws_identical']} of them are drawn "
            f"identically and every one within {par['dock_latent_worst_rel_gap']:.1e} of the best Gumbel-max score "
            f"(closest tie between two nodes: {tie:.1e} relative); the dock then uses disco's latents on both sides")


def table(res):
    w = res["workloads"]
    names = {"dock": lambda e: f"dock one complex: {e['samples']} poses × {e['steps']} steps, prior, ranking",
             "forward": lambda e: f"score network forward alone ({e['graphs']} graphs, {e['nodes']:,} nodes, "
                                  f"{e['edges']:,} edges)"}
    rows = timing_table_rows(w, names)
    pc, par = res["param_count"], res["parity"]
    notes = run_notes(res, f"PDBBind {res['complex']}, its pocket of 48 residues; network: {res['size']}.") + [
        f"Parameters, equal on both sides tensor by tensor: score network {pc['disco']['denoiser']:,}, AR prior "
        f"{pc['disco']['prior']:,}; the Python side loads disco's weights.",
        f"Parity (same weights, same inputs, same generator): scores of the forward input agree to "
        f"{par['forward_max_rel_diff']:.1e} (relative); {latent_note(par)}; "
        f"{par['dock_poses_within_1e-3_angstrom']} of "
        f"{par['dock_poses']} poses agree within 1e-3 Å (median {par['dock_median_pose_diff_angstrom']:.1e} Å, "
        f"worst {par['dock_max_pose_diff_angstrom']:.1e} Å); model scores within "
        f"{par['dock_max_score_rel_diff']:.1e} (relative).",
        load_note(res, 0.5 * res["nproc"] + res["threads"]),
    ]
    t = res["targets"]["dock_seconds"]
    if t["value"] is not None:
        if t["applies"]:
            notes.append(f"Target {t['what']} → **{'met' if t['met'] else 'missed'}** ({t['value']:.1f} s).")
        else:
            notes.append(f"Target {t['what']}: not decided by this run ({t['value']:.1f} s with this network on "
                         f"{res['threads']} thread{'s' if res['threads'] != 1 else ''}).")
    return "\n".join(rows + [""] + ["- " + n for n in notes])


def main():
    o = arguments(__doc__, "bench/results/docking_vs_python.json")
    if o.render:
        render_only(o, table, BEGIN, END)
        return
    parity = json.load(open(os.path.join(o.raw, "parity", "parity.json")))["parity"]
    runs = load_runs(o.raw, "docking_report.py")
    first = first_of_each_side(runs)
    check_same_networks(first, ("denoiser", "prior"), "docking_report.py", "disco's networks")
    failures = parity_failures(parity)
    if failures:
        raise SystemExit(f"docking_report.py: error: Parity FAILED: {'; '.join(failures)}\n  {json.dumps(parity)}")
    check_same_threads(first, "docking_report.py")
    res = {
        "benchmark": "docking (DisCo-DiffDock score network, AR prior and pose sampler): disco C++ vs PyTorch-Python",
        "mode": o.mode, "command": o.command, "complex": first["disco"]["complex"], "size": first["disco"]["size"],
        **common_fields(runs, first),
        "parity": parity,
        "workloads": {},
    }
    for workload, sides in runs.items():
        meta = {k: v for k, v in sides["disco"][0]["workloads"][workload].items() if not isinstance(v, list)}
        meta.pop("best_score", None)
        e = {**meta, "disco": summarise(sides["disco"], workload, "seconds", "cpu_seconds"),
             "python": summarise(sides["python"], workload, "seconds", "cpu_seconds")}
        e["ratio"] = e["python"]["median"] / e["disco"]["median"]
        e["min_ratio"] = e["python"]["min"] / e["disco"]["min"]
        res["workloads"][workload] = e
    dock = res["workloads"].get("dock", {}).get("disco", {}).get("median")
    applies = res["size"].startswith("5 layers, 24x0e + 24x0o + 6x1o + 6x1e") and res["threads"] == 2
    res["targets"] = {"dock_seconds": {"what": f"docking one complex in < {TIME_TARGET_S:.0f} s at DiffDock-S size on "
                                               "2 cores (the paper: 9.1 s on a GPU)",
                                       "value": dock, "applies": applies,
                                       "met": dock is not None and applies and dock < TIME_TARGET_S}}
    publish(o, res, table, BEGIN, END)


if __name__ == "__main__":
    main()

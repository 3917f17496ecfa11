#!/usr/bin/env python3
"""bench/docking_refined_confidence.py DIR [--variant NAME] [--data DIR] [--disco BIN] [--out STEM]

The confidence model on refined poses. `disco dock` ranks refined poses by energy and writes, for a run with a
confidence model, each refined pose's probability of being within 2 A (disco_confidence); the model was trained on
unrefined diffusion samples only. This reads the poses of one variant (default disco_search) of a
bench/docking_vs_vina.sh run in DIR (DIR/<complex>/<variant>/conformer/poses.sdf), scores every pose against the
crystal ligand with `disco rmsd` (symmetry-corrected, in place), and reports:
  - the pooled ROC AUC of disco_confidence for RMSD < 2 A over every pose of every complex;
  - top-1 and top-5 < 2 A when the same poses are ranked by energy (the written order) and by disco_confidence.
Writes STEM.md and STEM.json (default bench/results/docking_refined_confidence).
"""
import argparse
import json
import os
import re
import subprocess
import sys

from docking_sampler_sweep_report import roc_auc

ROW = re.compile(r"^(\d+)\s+(\S+)\s+([0-9.]+)\s+([0-9.]+)\s+(\S+)\s*$")


def pose_rows(disco, ref, poses):
    """[(rank, rmsd, confidence or None)] in file order (the energy ranking) from `disco rmsd`'s table."""
    out = subprocess.run([disco, "-q", "rmsd", ref, poses], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"disco rmsd {ref} {poses}: {out.stderr.strip()}")
    rows = []
    for line in out.stdout.splitlines():
        m = ROW.match(line)
        if m:
            conf = None if m.group(5) == "-" else float(m.group(5))
            rows.append((int(m.group(1)), float(m.group(3)), conf))
    return rows


def below(rmsds, n):
    return any(r < 2.0 for r in rmsds[:n])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="the --out folder of a bench/docking_vs_vina.sh run")
    ap.add_argument("--variant", default="disco_search")
    ap.add_argument("--data", default=os.path.join(here, "../../shared/data/astex"))
    ap.add_argument("--disco", default=os.path.join(here, "../build/bin/disco"))
    ap.add_argument("--out", default=os.path.join(here, "results/docking_refined_confidence"))
    a = ap.parse_args()

    scores, labels = [], []
    energy_top1 = energy_top5 = conf_top1 = conf_top5 = complexes = 0
    skipped = []
    for cid in sorted(os.listdir(a.dir)):
        poses = os.path.join(a.dir, cid, a.variant, "conformer", "poses.sdf")
        ref = os.path.join(a.data, cid, f"{cid}_ligand.sdf")
        if not os.path.isfile(poses) or not os.path.isfile(ref):
            if os.path.isdir(os.path.join(a.dir, cid)):
                skipped.append(cid)
            continue
        rows = pose_rows(a.disco, ref, poses)
        if not rows or any(c is None for _, _, c in rows):
            sys.exit(f"error: {poses}: poses without disco_confidence (a run without a confidence model?)")
        complexes += 1
        by_energy = [r for _, r, _ in rows]
        by_conf = [r for _, r, _ in sorted(rows, key=lambda x: -x[2])]  # stable: ties keep the energy order
        energy_top1 += below(by_energy, 1)
        energy_top5 += below(by_energy, 5)
        conf_top1 += below(by_conf, 1)
        conf_top5 += below(by_conf, 5)
        for _, r, c in rows:
            scores.append(c)
            labels.append(r < 2.0)
    if complexes == 0:
        sys.exit(f"error: no {a.variant}/conformer/poses.sdf under {a.dir}")
    auc = roc_auc(scores, labels)
    result = {"dir": os.path.abspath(a.dir), "variant": a.variant, "complexes": complexes, "poses": len(scores),
              "positive_poses": sum(labels), "confidence_auc": auc,
              "top1_below_2A_by_energy": energy_top1, "top5_below_2A_by_energy": energy_top5,
              "top1_below_2A_by_confidence": conf_top1, "top5_below_2A_by_confidence": conf_top5,
              "complexes_without_poses": skipped}
    with open(a.out + ".json.tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(a.out + ".json.tmp", a.out + ".json")
    auc_text = "n/a (one class only)" if auc is None else f"{auc:.3f}"
    md = [
        "# The confidence model on refined poses (`bench/docking_refined_confidence.py`)",
        "",
        f"Poses of `{a.variant}` in `{a.dir}` (a `bench/docking_vs_vina.sh` run): {complexes} complexes, "
        f"{len(scores)} refined poses, {sum(labels)} within 2 Å of the crystal ligand (`disco rmsd`). "
        "The confidence model was trained on unrefined diffusion samples only.",
        "",
        f"Pooled ROC AUC of `disco_confidence` for RMSD < 2 Å: **{auc_text}**.",
        "",
        "| ranked by | top-1 < 2 Å | top-5 < 2 Å |",
        "|---|---|---|",
        f"| energy (`disco dock`'s ranking) | {energy_top1} of {complexes} | {energy_top5} of {complexes} |",
        f"| disco_confidence | {conf_top1} of {complexes} | {conf_top5} of {complexes} |",
    ]
    if skipped:
        md += ["", f"Without poses (a failed dock): {', '.join(skipped)}."]
    with open(a.out + ".md.tmp", "w") as f:
        f.write("\n".join(md) + "\n")
    os.replace(a.out + ".md.tmp", a.out + ".md")
    print("\n".join(md))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# labels: bench
# `bench/run.sh --quick` runs end to end (so that the benchmarks cannot rot): both programs build and run, the
# parity check between disco and the Python reference passes, and every workload has timings for both sides.
# Image workloads (when disco_bench_image is built): both sides build networks with the same parameter names and
# shapes (run.sh fails otherwise), and train, sample, the AR prior's share and the roofline have numbers.
# Docking (when built and ../shared is there): parity with the Python twin on the same weights, timings.
# It asserts nothing about speed (tests never do); bench/README.md has the measured ratios.
source "$(dirname "$0")/lib.sh"
set -e
PY=${DISCO_BENCH_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch' 2>/dev/null; then echo "SKIP: $PY cannot import torch (apt install python3-torch)"; exit 0; fi
[ -x "$DISCO_BUILD_DIR/bin/disco_bench_toy2d" ] || { echo "SKIP: disco_bench_toy2d not built (DISCO_BUILD_BENCH=OFF)"; exit 0; }
cd "$DISCO_SOURCE"
expect_exit 0 env DISCO_BUILD_DIR="$DISCO_BUILD_DIR" bench/run.sh --quick --no-build --no-readme --threads 1 \
  --results "$WORK/toy2d.json"
"$PY" - "$WORK/toy2d.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["parity"]["match"], f"disco and the Python reference disagree: {d['parity']}"
for name in ("train", "sample"):
    w = d["workloads"][name]
    for side in ("disco", "python"):
        t = w[side]
        assert t["n_timed"] > 0 and t["median"] > 0, f"{name}/{side}: no timings"
    print(f"{name}: disco {w['disco']['median']:.4g} s, python {w['python']['median']:.4g} s (not asserted)")
PYEOF
if [ -x "$DISCO_BUILD_DIR/bin/disco_bench_image" ]; then
  "$PY" - "$WORK/image.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
pc = d["param_count"]
assert pc["disco"] == pc["python"] and pc["disco"]["denoiser"] > 0, f"parameter counts differ: {pc}"
for name in ("train", "sample", "roofline", "roofline_cl"):
    w = d["workloads"][name]
    for side in ("disco", "python"):
        t = w[side]
        assert t["n_timed"] > 0 and t["median"] > 0, f"image {name}/{side}: no timings"
    print(f"image {name}: disco {w['disco']['median']:.4g} s, python {w['python']['median']:.4g} s (not asserted)")
s = d["workloads"]["sample"]
assert s["nfe"] == 35, f"18 Heun steps should be 35 network evaluations, got {s['nfe']}"
assert 0 < s["disco"]["prior_share"] < 1 and 0 < s["python"]["prior_share"] < 1, "AR prior share not measured"
r = d["workloads"]["roofline"]
assert r["flops"] > 0 and r["disco"]["sgemm_peak_gflops"] > 0, "roofline figures missing"
PYEOF
fi
if [ -x "$DISCO_BUILD_DIR/bin/disco_bench_docking" ] && [ -d "$DISCO_SOURCE/../shared/data/pdbbind/1a0q" ]; then
  # Docking: the Python twin loads disco's weights and must reproduce its scores and a whole seeded dock
  # (docking_report.py fails the run otherwise); both sides have timings for both workloads.
  "$PY" - "$WORK/docking_vs_python.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["parity"]
# Most poses agree to 1e-5 Å; a trajectory can amplify the 1e-6 score differences (docking_report.py, POSE_SHARE).
# Latent draws are checked as draws (every one of disco's within 1e-4 of the best Gumbel-max score on the Python
# side: a near-tie may be broken either way), and the dock runs on disco's latents on both sides.
assert p["forward_max_rel_diff"] < 1e-4 and p["prior_nll_max_rel_diff"] < 1e-4, p
assert p["dock_latent_replay_ok"] and p["dock_latent_worst_rel_gap"] < 1e-4 and p["dock_latent_draws"] > 0, p
assert p["dock_poses_within_1e-3_angstrom"] >= 0.95 * p["dock_poses"] and p["dock_median_pose_diff_angstrom"] < 1e-4, p
assert d["param_count"]["disco"] == d["param_count"]["python"], d["param_count"]
for name in ("dock", "forward"):
    w = d["workloads"][name]
    for side in ("disco", "python"):
        assert w[side]["n_timed"] > 0 and w[side]["median"] > 0, f"docking {name}/{side}: no timings"
    print(f"docking {name}: disco {w['disco']['median']:.4g} s, python {w['python']['median']:.4g} s (not asserted)")
PYEOF
else
  echo "docking part skipped: disco_bench_docking not built or ../shared/data/pdbbind/1a0q absent"
fi
echo "ok"

#!/usr/bin/env bash
# The main job: DisCo-Diff against the plain diffusion baseline on the paper's mixture of eight Gaussians
# (App. F), in one run: installs what is missing, builds, trains both models for each seed, samples, evaluates
# and prints one table (mean ± std over seeds).
#   scripts/quickstart.sh [--seeds N] [--out DIR]      (default: 3 seeds, quickstart-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=3
OUT=quickstart-out
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) SEEDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: scripts/quickstart.sh [--seeds N] [--out DIR]" >&2; exit 2 ;;
  esac
done
scripts/install_deps.sh
scripts/build.sh
DISCO=build/bin/disco
rm -rf "$OUT"
mkdir -p "$OUT"
runs=()
for seed in $(seq 0 $((SEEDS - 1))); do
  for model in disco baseline; do
    cfg=examples/toy2d/eight_gaussians.toml
    [ "$model" = baseline ] && cfg=examples/toy2d/eight_gaussians_baseline.toml
    dir="$OUT/$model-seed$seed"
    echo "== $model, seed $seed" >&2
    "$DISCO" -q train "$cfg" --out "$dir" --set seed=$seed >/dev/null
    "$DISCO" -q sample "$dir" --out "$dir/samples/samples" >/dev/null
    "$DISCO" -q eval "$dir" >/dev/null
    runs+=("$dir")
  done
done
echo >&2
echo "DisCo-Diff vs. diffusion baseline, 8 Gaussians, $SEEDS seeds (mean ± std):"
"$DISCO" -q compare "${runs[@]}" --out "$OUT"
echo >&2
echo "samples: $OUT/*/samples/samples.csv  metrics: $OUT/*/metrics.json  plots: $OUT/*/plots/*.png, $OUT/curvature_vs_t.png" >&2

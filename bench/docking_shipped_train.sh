#!/usr/bin/env bash
# bench/docking_shipped_train.sh [--steps N] [--prior-steps N] [--only disco|m0] [--train-only | --eval-only]
#                                [--validation N] [--astex N] [--runs DIR] [--data DIR]
#
# The shipped docking model: DisCo-DiffDock (latent.m = 2) from examples/docking/dsdp_shipped.toml on
# the DSDP training split (examples/docking/dsdp_split/train.txt; conformer matching on), then its latent.m = 0 twin
# with the same budget (data, steps, batch, learning rate, seed), one thread each, one after the other. Each trained
# run is evaluated on the DSDP validation split (dsdp_split/validation.txt, where settings are chosen) and on the 85
# Astex complexes (never tuned on): 40 samples x 20 steps, known pocket, the RDKit conformer as the start ligand.
# DSDP is unpacked from ../shared/data/dsdp.tar.xz into --data (default ../runs/data) on the first run.
#
# Resumable: a run with checkpoints is continued with `disco train --resume` (exact on the CPU with the same thread
# count), a finished run with fewer than --steps stage-1 steps is extended (its prior is trained again), and an
# evaluation whose metrics.json exists is not repeated. Evaluations run on a copy of the run's config.toml and
# newest checkpoint (RUNS/evals/RUN-CHECKPOINT-SET/), so they never touch a run that is still training. --eval-only
# evaluates the newest checkpoint even of an unfinished run (an m = 2 run before stage 2 has an untrained prior:
# the script refuses that one). Run directories default to ../runs/docking_shipped, outside the clone.
# Writes bench/results/docking_shipped.json (every evaluation found) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
DISCO=$(realpath "${DISCO_BUILD_DIR:-build}/bin/disco")
CONFIG=examples/docking/dsdp_shipped.toml
STEPS=3600
PRIOR_STEPS=2000
ONLY=both
TRAIN=1
EVAL=1
VALIDATION=0
ASTEX=0
RUNS=../runs/docking_shipped
DATA=../runs/data
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) STEPS=${2:?}; shift ;;
    --prior-steps) PRIOR_STEPS=${2:?}; shift ;;
    --only) ONLY=${2:?}; shift ;;
    --train-only) EVAL=0 ;;
    --eval-only) TRAIN=0 ;;
    --validation) VALIDATION=${2:?}; shift ;;
    --astex) ASTEX=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    --data) DATA=${2:?}; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$ONLY" in both|disco|m0) ;; *) echo "error: --only must be disco or m0, not '$ONLY'" >&2; exit 2 ;; esac
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
[ -d ../shared/data/astex ] || { echo "SKIP: ../shared/data/astex is absent"; exit 0; }
RUNS=$(realpath -m "$RUNS")
DATA=$(realpath -m "$DATA")
ASTEX_DIR=$(realpath ../shared/data/astex)
if [ ! -d "$DATA/dsdp" ]; then
  [ -f ../shared/data/dsdp.tar.xz ] || { echo "SKIP: ../shared/data/dsdp.tar.xz is absent"; exit 0; }
  mkdir -p "$DATA" && tar -xJf ../shared/data/dsdp.tar.xz -C "$DATA"
fi
mkdir -p "$RUNS/evals"
# Absolute paths, so that the run's config.toml works from any directory (bench/RESUME.md).
SET=(--set data.root="$DATA/dsdp" --set data.cache_dir="$DATA/dsdp-cache"
     --set data.train_split="$REPO/examples/docking/dsdp_split/train.txt"
     --set data.test_root="$DATA/dsdp" --set data.test_split="$REPO/examples/docking/dsdp_split/validation.txt"
     --set train.steps="$STEPS" --set prior.steps="$PRIOR_STEPS")

# Finished (stage 3 reached: "training finished" last in the log) with at least STEPS stage-1 steps.
trained() {
  tail -n 1 "$1/log.txt" 2> /dev/null | grep -q "training finished" &&
    awk -F, -v n="$STEPS" '$1 == 1 && $2 >= n { found = 1 } END { exit !found }' "$1/metrics.csv"
}
train() {  # RUN, extra --set ...: trains unless finished; resumes a stopped one, extends a shorter one
  local run=$1; shift
  trained "$run" && return 0
  local resume=()
  [ -d "$run/checkpoints" ] && resume=(--resume)
  echo "training $run ($STEPS stage-1 steps, $PRIOR_STEPS prior steps; log $run.train.log)"
  # In the background only to write its pid: `kill $(cat RUN.pid)` (SIGTERM) stops it after a checkpoint, and
  # this script with it (bench/RESUME.md).
  "$DISCO" -j 1 train "$CONFIG" "${SET[@]}" "$@" -o "$run" "${resume[@]}" >> "$run.train.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$run.pid"
  wait "$pid"
}
# RUN SET_NAME TEST_ROOT TEST_SPLIT COMPLEXES: evaluates RUN's newest checkpoint on a copy of it.
evaluate() {
  local run=$1 name=$2 root=$3 split=$4 count=$5 newest dest
  newest=$(ls "$run"/checkpoints/ckpt-*.pt | sort -V | tail -n 1)
  if [ "$(basename "$run")" = disco ] && [[ "$newest" == *ckpt-s1-* ]]; then
    echo "skip: $run is still in stage 1 (its prior is untrained); evaluate it after stage 2"
    return 0
  fi
  dest="$RUNS/evals/$(basename "$run")-$(basename "$newest" .pt)-$name"
  [ -f "$dest/metrics.json" ] && { echo "done before: $dest/metrics.json"; return 0; }
  mkdir -p "$dest/checkpoints"
  cp "$run/config.toml" "$dest/config.toml"
  cp "$newest" "$dest/checkpoints/"
  echo "evaluating $newest on $name ($dest)"
  "$DISCO" -j 1 eval "$dest" --set data.test_root="$root" --set data.test_split="$split" \
    --set eval.complexes="$count" > "$dest.log" 2>&1
}

runs=()
[ "$ONLY" != m0 ] && runs+=(disco)
[ "$ONLY" != disco ] && runs+=(m0)
for tag in "${runs[@]}"; do
  run="$RUNS/$tag"
  extra=()
  [ "$tag" = m0 ] && extra=(--set latent.m=0)
  [ "$TRAIN" = 1 ] && train "$run" "${extra[@]}"
  if [ "$EVAL" = 1 ]; then
    evaluate "$run" validation "$DATA/dsdp" "$REPO/examples/docking/dsdp_split/validation.txt" "$VALIDATION"
    evaluate "$run" astex "$ASTEX_DIR" '""' "$ASTEX"
  fi
done
/usr/bin/env python3 bench/docking_shipped_report.py "$RUNS" --out bench/results/docking_shipped.json

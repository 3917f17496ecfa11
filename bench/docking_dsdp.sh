#!/usr/bin/env bash
# bench/docking_dsdp.sh [--steps N] [--prior-steps N] [--size diffdock-s|tiny] [--complexes N] [--runs DIR]
#
# The docking benchmark: DisCo-DiffDock (latent.m = 2) and its latent.m = 0 twin trained with the same budget (the
# same data, steps, batch, learning rate and seed; one thread each, both at once) on the DSDP complexes
# (../shared/data/dsdp.tar.xz, unpacked into data/dsdp on the first run) from examples/docking/dsdp.toml, then both
# evaluated on the Astex complexes (../shared/data/astex; --complexes 0 = all 85): 40 samples x 20 steps each, known
# pocket, ranked by the model score. --size diffdock-s (default) is the paper's DisCo-DiffDock-S network (5 layers,
# 24x0e + 24x0o + 6x1o + 6x1e; encoder 3 layers, 24 scalars and pseudoscalars, 4 vectors and pseudovectors);
# tiny is dsdp.toml as written. A run that finished with at least --steps stage-1 steps is not trained again (one
# with fewer is extended from its last checkpoint), and one whose RUN/metrics.json is newer than its last checkpoint
# is not evaluated again, so a stopped benchmark goes on where it stopped and a larger --steps builds on the last run.
# Writes bench/results/docking_dsdp.json (both runs' metrics, training times, paired per-complex outcomes) and
# prints a markdown table. Cost at DiffDock-S size on this 2-core machine with both runs side by side: about 3.0 s
# (DisCo) and 2.2 s (m = 0) per training step, then about 44 s per complex for each model's evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
DISCO=${DISCO_BUILD_DIR:-build}/bin/disco
STEPS=1000
PRIOR_STEPS=1000
SIZE=diffdock-s
COMPLEXES=0
RUNS=runs
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) STEPS=${2:?}; shift ;;
    --prior-steps) PRIOR_STEPS=${2:?}; shift ;;
    --size) SIZE=${2:?}; shift ;;
    --complexes) COMPLEXES=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
[ -f ../shared/data/dsdp.tar.xz ] || { echo "SKIP: ../shared/data/dsdp.tar.xz is absent"; exit 0; }
[ -d ../shared/data/astex ] || { echo "SKIP: ../shared/data/astex is absent"; exit 0; }
if [ ! -d data/dsdp ]; then
  mkdir -p data && tar -xJf ../shared/data/dsdp.tar.xz -C data
fi
SET=(--set train.steps="$STEPS" --set prior.steps="$PRIOR_STEPS" --set train.log_every=100 --set train.checkpoint_every=250)
case "$SIZE" in
  diffdock-s) SET+=(--set model.layers=5 --set 'model.irreps="24x0e + 24x0o + 6x1o + 6x1e"' --set model.mlp_hidden=48
                    --set model.encoder_layers=3 --set 'model.encoder_irreps="24x0e + 24x0o + 4x1o + 4x1e"') ;;
  tiny) ;;
  *) echo "error: --size must be diffdock-s or tiny, not '$SIZE'" >&2; exit 2 ;;
esac
TAG=${SIZE/diffdock-s/s}
DISCO_RUN="$RUNS/dsdp_${TAG}_disco"
M0_RUN="$RUNS/dsdp_${TAG}_m0"
mkdir -p "$RUNS"
# The graph cache is filled once, before the two trainings would both fill it.
"$DISCO" -q data check data/dsdp --cache data/dsdp-cache --tsv > /dev/null

# Finished with at least STEPS stage-1 steps. A finished run with fewer is extended: `disco train --resume` with a
# larger train.steps continues its stage 1 and trains its prior again.
trained() {
  tail -n 1 "$1/log.txt" 2> /dev/null | grep -q "training finished" &&
    awk -F, -v n="$STEPS" '$1 == 1 && $2 >= n { found = 1 } END { exit !found }' "$1/metrics.csv"
}
train() {  # RUN, extra --set ...: trains unless finished; resumes a stopped one
  local run=$1; shift
  trained "$run" && return 0
  local resume=()
  [ -d "$run/checkpoints" ] && resume=(--resume)
  "$DISCO" -j 1 train examples/docking/dsdp.toml "${SET[@]}" "$@" -o "$run" "${resume[@]}" > "$run.train.log" 2>&1
}
evaluate() {  # RUN: all Astex complexes unless RUN/metrics.json is newer than the run's last checkpoint
  local run=$1 newest
  newest=$(ls -t "$run"/checkpoints/*.pt | head -n 1)
  [ "$run/metrics.json" -nt "$newest" ] && return 0
  "$DISCO" -j 1 eval "$run" --set eval.complexes="$COMPLEXES" > "$run.eval.log" 2>&1
}
echo "training $DISCO_RUN and $M0_RUN ($SIZE, $STEPS steps; logs in $RUNS/*.train.log)"
# Each side trains and then evaluates on its own core; m = 0 finishes first and starts evaluating early.
( train "$DISCO_RUN" && evaluate "$DISCO_RUN" ) &
disco_pid=$!
( train "$M0_RUN" --set latent.m=0 && evaluate "$M0_RUN" ) &
m0_pid=$!
status=0
wait "$disco_pid" || { echo "error: $DISCO_RUN failed; see $DISCO_RUN.train.log / $DISCO_RUN.eval.log" >&2; status=1; }
wait "$m0_pid" || { echo "error: $M0_RUN failed; see $M0_RUN.train.log / $M0_RUN.eval.log" >&2; status=1; }
[ "$status" -eq 0 ] || exit 1
/usr/bin/env python3 bench/docking_dsdp_report.py --disco "$DISCO_RUN" --m0 "$M0_RUN" --size "$SIZE" \
  --out bench/results/docking_dsdp.json

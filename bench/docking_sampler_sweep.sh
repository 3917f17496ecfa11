#!/usr/bin/env bash
# bench/docking_sampler_sweep.sh [--model TAG=RUN] [--settings A,B,..] [--set validation|astex] [--complexes N]
#                                [--seed N] [--runs DIR] [--data DIR] [--list] [--report-only]
#
# The docking sampler's settings, measured on a trained run without training anything: each named setting is a
# `disco eval` of a copy of RUN (its config.toml and newest checkpoint) with some dock.* keys changed, 40 samples x
# 20 steps, pocket given, diffusion alone (no refinement), one thread. Settings are chosen on the DSDP validation
# split (--set validation, the default); --set astex evaluates the chosen one on Astex 85, which is never tuned on.
#
#   sde          the reverse SDE (the default sampler: every dock.temperature_* = 1, no sharpening)
#   ode          the probability-flow ODE (every dock.temperature_* = 0)
#   sharpT       SDE, low-temperature sampling at dock.sharpen_temperature = 0.T (sharp05, sharp02)
#   ode_sharpT   ODE with the same (ode_sharp05, ode_sharp02)
#   any of these + _encoded: the latents the encoder gives the crystal pose instead of the prior's (an oracle for
#                DisCo runs: the denoiser's error without the prior's), or + _priorT: the prior drawing at
#                sample.prior_temperature = 0.T (_prior05, _prior0 = argmax), then optionally + _stepsN: N sampler
#                steps instead of the run's dock.steps (e.g. ode_sharp05_encoded, ode_sharp05_prior05_steps10)
#
# Defaults: --model disco=../runs/docking_shipped/disco (bench/docking_shipped_train.sh's DisCo run), --settings
# sde,ode,sharp05,sharp02, --runs ../runs/docking_shipped/sweep (one folder per TAG-SETTING-SET, kept: a finished
# evaluation is not repeated), DSDP unpacked in --data (default ../runs/data) by docking_shipped_train.sh.
# --seed N (default 0) evaluates a second draw: other RDKit conformers of the ligands and other samples (the folder's
# setting gains _seedN); the report pools the poses of every draw of a setting for the confidence model's AUC.
# Writes bench/results/docking_sampler_sweep.{json,md} from every evaluation found in --runs.
set -euo pipefail
main() {  # the whole script is one function, read before it runs: editing the file while it runs is safe
cd "$(dirname "$0")/.."
REPO=$PWD
DISCO=$(realpath "${DISCO_BUILD_DIR:-build}/bin/disco")
MODEL=disco=../runs/docking_shipped/disco
SETTINGS=sde,ode,sharp05,sharp02
EVAL_SET=validation
COMPLEXES=0
SEED=0
RUNS=../runs/docking_shipped/sweep
DATA=../runs/data
REPORT_ONLY=0

flags_of() {  # SETTING: the --set flags that define it
  local name=$1 ode=0 t="" steps="" encoded=0 prior_t=""
  if [[ "$name" =~ ^(.+)_steps([0-9]+)$ ]]; then name=${BASH_REMATCH[1]}; steps=${BASH_REMATCH[2]}; fi
  if [[ "$name" =~ ^(.+)_prior([0-9]+)$ ]]; then name=${BASH_REMATCH[1]}; prior_t=0.${BASH_REMATCH[2]#0}; [ "$prior_t" = 0. ] && prior_t=0; fi
  if [[ "$name" =~ ^(.+)_encoded$ ]]; then name=${BASH_REMATCH[1]}; encoded=1; fi
  case "$name" in
    sde) ;;
    ode) ode=1 ;;
    sharp[0-9]*) t=0.${name#sharp0} ;;
    ode_sharp[0-9]*) ode=1; t=0.${name#ode_sharp0} ;;
    *) echo "error: unknown setting '$name' (see --list)" >&2; return 2 ;;
  esac
  [ "$ode" = 1 ] && echo "--set dock.temperature_translation=0 --set dock.temperature_rotation=0 --set dock.temperature_torsion=0"
  [ -n "$t" ] && echo "--set dock.sharpen_temperature=$t"
  [ -n "$steps" ] && echo "--set dock.steps=$steps"
  [ "$encoded" = 1 ] && echo "--set dock.latents=encoded"
  [ -n "$prior_t" ] && echo "--set sample.prior_temperature=$prior_t"
  return 0
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) MODEL=${2:?}; shift ;;
    --seed) SEED=${2:?}; shift ;;
    --settings) SETTINGS=${2:?}; shift ;;
    --set) EVAL_SET=${2:?}; shift ;;
    --complexes) COMPLEXES=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    --data) DATA=${2:?}; shift ;;
    --report-only) REPORT_ONLY=1 ;;
    --list) for s in sde ode sharp05 sharp02 ode_sharp05 ode_sharp02 ode_sharp05_steps10 ode_sharp05_encoded ode_sharp05_prior05 ode_sharp05_prior0; do echo "$s: $(flags_of $s | tr '\n' ' ')"; done; exit 0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$EVAL_SET" in validation|astex) ;; *) echo "error: --set must be validation or astex, not '$EVAL_SET'" >&2; exit 2 ;; esac
[[ "$MODEL" == *=* ]] || { echo "error: --model must be TAG=RUN, not '$MODEL'" >&2; exit 2; }
TAG=${MODEL%%=*}
RUN=$(realpath -m "${MODEL#*=}")
RUNS=$(realpath -m "$RUNS")
DATA=$(realpath -m "$DATA")
mkdir -p "$RUNS"
report() {
  /usr/bin/env python3 bench/docking_sampler_sweep_report.py "$RUNS" --out bench/results/docking_sampler_sweep
}
[ "$REPORT_ONLY" = 1 ] && { report; exit 0; }
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
ls "$RUN"/checkpoints/ckpt-s3-*.pt > /dev/null 2>&1 || { echo "error: $RUN has no finished training (no ckpt-s3-*.pt)" >&2; exit 2; }
if [ "$EVAL_SET" = astex ]; then
  [ -d ../shared/data/astex ] || { echo "SKIP: ../shared/data/astex is absent"; exit 0; }
  TEST=(--set data.test_root="$(realpath ../shared/data/astex)" --set 'data.test_split=""')
else
  [ -d "$DATA/dsdp" ] || { echo "error: $DATA/dsdp is absent (bench/docking_shipped_train.sh unpacks it)" >&2; exit 2; }
  TEST=(--set data.test_root="$DATA/dsdp" --set data.test_split="$REPO/examples/docking/dsdp_split/validation.txt")
fi

newest=$(ls "$RUN"/checkpoints/ckpt-s3-*.pt | sort -V | tail -n 1)
for setting in ${SETTINGS//,/ }; do
  flags=$(flags_of "$setting")
  dest="$RUNS/$TAG-$setting$([ "$SEED" = 0 ] || echo "_seed$SEED")-$EVAL_SET"
  [ -f "$dest/metrics.json" ] && { echo "done before: $dest"; continue; }
  mkdir -p "$dest/checkpoints"
  cp "$RUN/config.toml" "$dest/config.toml"
  cp "$newest" "$dest/checkpoints/"
  # a confidence model trained for RUN ranks the poses too (disco eval then reports its AUC)
  if [ -f "$RUN/confidence.pt" ]; then cp "$RUN/confidence.pt" "$dest/"; fi
  echo "evaluating $TAG with $setting on $EVAL_SET ($dest)"
  # shellcheck disable=SC2086  # flags_of gives whole --set words
  "$DISCO" -j 1 eval "$dest" --set data.root="$DATA/dsdp" --set data.cache_dir="$DATA/dsdp-cache" "${TEST[@]}" \
    --set eval.complexes="$COMPLEXES" --set seed="$SEED" $flags > "$dest.log" 2>&1
done
report
}
main "$@"; exit $?  # on one line: bash must not read past it if the file changes

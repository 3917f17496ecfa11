#!/usr/bin/env bash
# bench/image_study.sh [--variants V1,V2,...] [--seeds 0,1,2] [--runs DIR] [--train-only] [--report-only] [--list]
#
# The image study of issue #26: DisCo-Diff against its EDM baseline on unconditional Fashion-MNIST, the same U-Net,
# steps, batch and NFE, one change at a time. Each variant is examples/image/fashion_mnist_uncond.toml (or its
# baseline twin) with the study's size (below) and the variant's --set flags; --list prints them. For every variant
# and seed it trains RUNS/VARIANT_sSEED (one thread; an interrupted run is resumed with `disco train --resume`,
# exact on the CPU), then runs `disco eval` on it (2000 samples, Heun 18 steps = 35 NFE, against 2000 test images;
# FD with prior-sampled and with encoded latents, the latent statistics; code grids of the first latent), unless
# its metrics.json exists.
# Finally bench/image_study_report.py writes bench/results/image_study.{md,csv} from every evaluated run in RUNS.
# Run directories default to ../runs/img, outside the clone.
#
# The whole script is one function, read before it runs: editing the file while a study runs does not change it.
set -euo pipefail
main() {
cd "$(dirname "$0")/.."
DISCO=$(realpath "${DISCO_BUILD_DIR:-build}/bin/disco")
RUNS=../runs/img
VARIANTS=""
SEEDS=0
TRAIN=1
EVAL=1
LIST=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --variants) VARIANTS=${2:?}; shift ;;
    --seeds) SEEDS=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    --train-only) EVAL=0 ;;
    --report-only) TRAIN=0; EVAL=0 ;;
    --list) LIST=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# The study's size: a 16-channel U-Net (28 -> 14 -> 7, attention at 7x7), batch 64, 3000 steps (about 13 min on
# one core), prior 1000 steps. Every variant gets these; a variant may override them.
SIZE="--set model.channels=16 --set train.steps=3000 --set prior.steps=1000 --set train.checkpoint_every=500"
# DisCo variants pin the keys the study varies to the paper's setting first (the example's values when the study
# began), so that a later change of the example's defaults does not change what a variant means.
UNCOND="examples/image/fashion_mnist_uncond.toml --set latent.m=4 --set latent.k=16 --set latent.tau=1.0"
UNCOND+=" --set latent.p_null=0.1 --set latent.hard=false --set model.encoder_logit_norm=false"
UNCOND+=" --set model.latent_entry=cross_attention --set model.encoder_head_per_latent=false"
UNCOND+=" --set prior.lr_schedule=constant --set train.ema_encoder=false --set train.lr_cooldown_steps=0"
BASELINE=examples/image/fashion_mnist_uncond_baseline.toml
# Evaluation: the defaults (2000 samples, 35 NFE, FD with prior-sampled and with encoded latents), FD with the
# latents of training images (an ideal prior; runs evaluated before it was added lack it), code grids for
# the first latent only (the grids of every latent: `disco eval RUN` on the run that wins).
EVAL_FLAGS="--set eval.code_grids=1 --set eval.fd_train_latents=true"
HARD="--set latent.hard=true --set model.encoder_logit_norm=true"
declare -A CONFIG FLAGS WHAT
add() { CONFIG[$1]=$2; FLAGS[$1]=$3; WHAT[$1]=$4; ORDER+=("$1"); }
ORDER=()
add base "$BASELINE" "" "EDM baseline (latent.m = 0), unconditional"
add cond "$BASELINE" "--set data.conditional=true" "EDM baseline given the true class label (the upper bound of a perfect class latent)"
add soft "$UNCOND" "" "DisCo, the paper's setting: soft Gumbel tau = 1, p_null 0.1, latents by cross-attention, m = 4, k = 16"
add hard "$UNCOND" "$HARD" "DisCo, straight-through hard Gumbel with cosine logits (the earlier sessions' best)"
add both_hard "$UNCOND" "$HARD --set model.latent_entry=both" "hard, and the latents also added to the noise embedding"
add both_hard_ph "$UNCOND" "$HARD --set model.latent_entry=both --set model.encoder_head_per_latent=true" \
  "both_hard with one encoder head per latent (each latent its own codes)"
add emb_hard "$UNCOND" "$HARD --set model.latent_entry=embedding" "hard, latents through the noise embedding only"
add emb_hard_ph "$UNCOND" "$HARD --set model.latent_entry=embedding --set model.encoder_head_per_latent=true" \
  "emb_hard with one encoder head per latent (each latent its own codes)"
add emb_soft "$UNCOND" "--set model.latent_entry=embedding" "soft tau = 1, latents through the noise embedding only"
add emb_hard_m1k10 "$UNCOND" "$HARD --set model.latent_entry=embedding --set latent.m=1 --set latent.k=10" \
  "emb_hard with one latent of 10 codes"
add emb_hard_m2k16 "$UNCOND" "$HARD --set model.latent_entry=embedding --set latent.m=2 --set latent.k=16" \
  "emb_hard with two latents of 16 codes"
add emb_hard_ee "$UNCOND" "$HARD --set model.latent_entry=embedding --set train.ema_encoder=true" \
  "emb_hard with an EMA of the encoder beside the EMA denoiser, encoding stage 2's latents and the evaluation's (the denoiser that samples is an average over ~1000 steps, so the trained encoder's newest codes can mean something else to it)"
add emb_hard_pn0 "$UNCOND" "$HARD --set model.latent_entry=embedding --set latent.p_null=0" \
  "emb_hard without latent dropout (the toy's fix: sampling is unguided, so the null latent is never used; its null embedding is never trained either, so its loss gains are not comparable)"

# Longer training: a variant trained to more steps starts from the finished shorter run of the same seed (a copy of
# its run directory; `disco train --resume` with a larger train.steps extends it with the same weights, EMA and
# optimizer state; not bit-equal to a fresh run of that length, whose batches after the shorter run's last step
# would differ, since the extension's generators went on through stage 2). Its FD ratio is to the baseline of the
# same length.
# A variant that changes only the prior starts the same way and runs `disco train --retrain-prior` (stage 2 again
# from fresh prior weights; the encoder and denoiser are the parent's, bit for bit). Its evaluation skips the FDs
# that do not involve the prior (encoded and training-image latents: the same samples as the parent's); the report
# takes them from the parent's run of the same seed.
declare -A PARENT RETRAIN_PRIOR
add_longer() { add "$1" "${CONFIG[$2]}" "${FLAGS[$2]:+${FLAGS[$2]} }--set train.steps=$3" "$4"; PARENT[$1]=$2; }
add_longer base_6k base 6000 "the baseline trained twice as long (6000 steps)"
add_longer emb_hard_6k emb_hard 6000 "emb_hard trained twice as long (6000 steps)"
add_longer emb_hard_ee_6k emb_hard_ee 6000 "emb_hard_ee trained twice as long (6000 steps)"
# The stage-1 learning rates falling linearly to 0 over the last third (train.lr_cooldown_steps = 1000 of 3000),
# for the baseline and for DisCo alike; their FD ratio is to base_cool.
COOL="--set train.lr_cooldown_steps=1000"
add base_cool "$BASELINE" "$COOL" "the baseline with the learning-rate cool-down over its last 1000 steps"
add emb_hard_cool "$UNCOND" "$HARD --set model.latent_entry=embedding $COOL" \
  "emb_hard with the learning-rate cool-down over its last 1000 steps"
add_prior() { add "$1" "${CONFIG[$2]}" "${FLAGS[$2]:+${FLAGS[$2]} }$3" "$4"; PARENT[$1]=$2; RETRAIN_PRIOR[$1]=1; }
add_prior emb_hard_pcos emb_hard "--set prior.lr_schedule=cosine" \
  "emb_hard with the prior's learning rate decayed to 0 (cosine; the toy's fix: with a constant rate the minibatch noise stays in the code frequencies)"
add_prior emb_hard_pcos4k emb_hard "--set prior.lr_schedule=cosine --set prior.steps=4000" \
  "emb_hard_pcos with 4000 prior steps instead of 1000 (the example's default)"
add_prior emb_hard_ee_pcos4k emb_hard_ee "--set prior.lr_schedule=cosine --set prior.steps=4000" \
  "emb_hard_ee with emb_hard_pcos4k's prior"
add_prior emb_hard_cool_pcos4k emb_hard_cool "--set prior.lr_schedule=cosine --set prior.steps=4000" \
  "emb_hard_cool with emb_hard_pcos4k's prior"
add_prior emb_hard_ee_6k_pcos4k emb_hard_ee_6k "--set prior.lr_schedule=cosine --set prior.steps=4000" \
  "emb_hard_ee_6k with emb_hard_pcos4k's prior"

if [[ $LIST == 1 ]]; then
  for v in "${ORDER[@]}"; do
    printf '%s: %s\n  config: %s\n  flags: %s\n' "$v" "${WHAT[$v]}" "${CONFIG[$v]}" "${FLAGS[$v]:-(none)}"
    [[ -n ${RETRAIN_PRIOR[$v]:-} ]] && printf '  prior only, of: %s\n' "${PARENT[$v]}"
  done
  exit 0
fi
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
[ -n "$VARIANTS" ] || VARIANTS=$(IFS=,; echo "${ORDER[*]}")
for v in ${VARIANTS//,/ }; do
  [[ -n ${CONFIG[$v]+x} ]] || { echo "error: unknown variant '$v' (see --list)" >&2; exit 2; }
done
RUNS=$(realpath -m "$RUNS")
mkdir -p "$RUNS"

for seed in ${SEEDS//,/ }; do
  for v in ${VARIANTS//,/ }; do
    run="$RUNS/${v}_s$seed"
    # shellcheck disable=SC2086  # the config and flags are words
    if [[ $TRAIN == 1 ]] && ! grep -q '^training finished' "$run.train.log" 2>/dev/null; then
      parent=${PARENT[$v]:-}
      if [[ -n $parent && ! -d $run ]]; then
        grep -q '^training finished' "$RUNS/${parent}_s$seed.train.log" 2>/dev/null \
          || { echo "error: $v extends $parent, whose seed-$seed run has not finished training" >&2; exit 2; }
        cp -r "$RUNS/${parent}_s$seed" "$run.tmp"
        rm -rf "$run.tmp"/{metrics.json,samples,plots,tables}
        mv "$run.tmp" "$run"
        echo "extends $RUNS/${parent}_s$seed" >> "$run.train.log"  # the report adds that run's training time
      fi
      resume=()
      ls "$run"/checkpoints/ckpt-* > /dev/null 2>&1 && resume=(--resume)
      [[ -n ${RETRAIN_PRIOR[$v]:-} ]] && resume=(--retrain-prior)
      echo "== $(date -u +%FT%TZ) train $v seed $seed -> $run"
      "$DISCO" -j 1 train ${CONFIG[$v]} --out "$run" "${resume[@]}" $SIZE ${FLAGS[$v]} --set seed="$seed" \
        >> "$run.train.log" 2>&1
    fi
    if [[ $EVAL == 1 && ! -f $run/metrics.json ]]; then
      echo "== $(date -u +%FT%TZ) eval $v seed $seed"
      prior_only=()
      [[ -n ${RETRAIN_PRIOR[$v]:-} ]] && prior_only=(--set eval.fd_encoded_latents=false --set eval.fd_train_latents=false)
      "$DISCO" -j 1 eval "$run" $EVAL_FLAGS "${prior_only[@]}" > "$run.eval.log" 2>&1
    fi
  done
done
/usr/bin/python3 bench/image_study_report.py "$RUNS"
}
main "$@"; exit $?  # on one line: bash must not read past it if the file changes

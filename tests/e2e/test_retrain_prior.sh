#!/usr/bin/env bash
# `disco train --retrain-prior` on a finished run: stage 2 again from fresh prior weights with the prior.* training
# keys given; the encoder, denoiser and EMA keep their exact weights (disco inspect's digests), metrics.csv keeps
# the stage-1 rows and replaces the stage-2 ones, and the same retraining twice gives the same prior. Refused with
# one error line for an m = 0 run, an unfinished run, a run being extended, and a prior network of another shape.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
ARGS=(-j 1 train "$EX" --set train.steps=100 --set prior.steps=30 --set train.log_every=20 --set train.checkpoint_every=1000)
digest() { "$DISCO" inspect "$WORK/run" 2>&1 | awk -v m="$1" '$1 == m {print $NF}'; }

expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/run"
"$DISCO" inspect "$WORK/run" > "$WORK/inspect.txt" 2>&1 || fail "disco inspect failed: $(cat "$WORK/inspect.txt")"
for module in denoiser ema encoder prior; do
  [ -n "$(digest $module)" ] || fail "disco inspect shows no digest for $module: $(cat "$WORK/inspect.txt")"
done
before_denoiser=$(digest denoiser) before_ema=$(digest ema) before_encoder=$(digest encoder) before_prior=$(digest prior)

expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/run" --retrain-prior --set prior.steps=40 --set prior.lr_schedule=cosine
expect_output "--retrain-prior: stage 2 again from fresh prior weights \(40 steps"
expect_output "stage 2 step 40/40"
if grep -q "stage 1 step" "$WORK/out"; then fail "--retrain-prior trained stage 1"; fi
[ "$(digest denoiser)" = "$before_denoiser" ] && [ "$(digest ema)" = "$before_ema" ] &&
  [ "$(digest encoder)" = "$before_encoder" ] || fail "--retrain-prior changed the encoder, denoiser or EMA"
retrained=$(digest prior)
[ "$retrained" != "$before_prior" ] || fail "--retrain-prior left the prior as it was"
got=$(tail -n +2 "$WORK/run/metrics.csv" | cut -d, -f1,2 | tr '\n' ' ')
[ "$got" = "1,20 1,40 1,60 1,80 1,100 2,20 2,40 " ] || fail "metrics.csv rows after --retrain-prior: $got"
# The same retraining again: the same prior, bit for bit.
expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/run" --retrain-prior --set prior.steps=40 --set prior.lr_schedule=cosine
[ "$(digest prior)" = "$retrained" ] || fail "two identical retrainings gave different priors"

# Refused: another prior network, a run being extended, an unfinished run, an m = 0 run.
expect_exit 2 "$DISCO" "${ARGS[@]}" --out "$WORK/run" --retrain-prior --set prior.width=32
expect_output "^error: --retrain-prior: none of the checkpoints in .* fits the model this config builds"
grep -q '^width = 32' "$WORK/run/config.toml" && fail "the refused retraining left its config in the run"
cp "$WORK/run/config.toml" "$WORK/config.before"
expect_exit 2 "$DISCO" "${ARGS[@]}" --out "$WORK/run" --retrain-prior --set train.steps=120
expect_output "^error: --retrain-prior with a larger train.steps"
cmp -s "$WORK/config.before" "$WORK/run/config.toml" || fail "the refused retraining changed the run's config.toml"
expect_exit 2 "$DISCO" "${ARGS[@]}" --out "$WORK/empty" --retrain-prior
expect_output "^error: --retrain-prior: .* has not finished stage 1 \(no checkpoint\)"
expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/base" --set latent.m=0 --set train.steps=20
expect_exit 2 "$DISCO" "${ARGS[@]}" --out "$WORK/base" --set latent.m=0 --set train.steps=20 --retrain-prior
expect_output "^error: --retrain-prior: this run has no prior"
echo "ok"

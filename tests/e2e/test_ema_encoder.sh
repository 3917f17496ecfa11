#!/usr/bin/env bash
# train.ema_encoder: an EMA of the encoder beside the EMA denoiser. Switching it on changes nothing in stage 1
# (denoiser, EMA and encoder bit-identical to a run without it, by disco inspect's digests); the EMA encoder is
# saved and resumed exactly; a run trained without one, evaluated with the switch on, says so. And
# `--resume` with a config whose model fits none of the run's checkpoints is refused instead of starting afresh
# (which would soon delete those checkpoints), with the run's config.toml and checkpoints left as they were.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
ARGS=(-j 1 train "$EX" --set prior.steps=30 --set train.log_every=20 --set train.checkpoint_every=50)
digest() { "$DISCO" inspect "$1" 2>&1 | awk -v m="$2" '$1 == m {print $NF}'; }

expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=100 --out "$WORK/off"
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=100 --set train.ema_encoder=true --out "$WORK/on"
for module in denoiser ema encoder; do
  [ -n "$(digest "$WORK/on" $module)" ] || fail "disco inspect shows no digest for $module"
  [ "$(digest "$WORK/on" $module)" = "$(digest "$WORK/off" $module)" ] ||
    fail "train.ema_encoder changed the trained $module"
done
ema_encoder=$(digest "$WORK/on" ema_encoder)
[ -n "$ema_encoder" ] || fail "disco inspect shows no ema_encoder for a run trained with train.ema_encoder = true"
[ "$ema_encoder" != "$(digest "$WORK/on" encoder)" ] || fail "the EMA encoder equals the trained encoder"
[ -z "$(digest "$WORK/off" ema_encoder)" ] || fail "a run without train.ema_encoder has an EMA encoder"

# Cut after step 50 (only that checkpoint kept) and resumed: the same EMA encoder, and the same prior trained on
# its codes.
cp -r "$WORK/on" "$WORK/cut"
find "$WORK/cut/checkpoints" -type f ! -name 'ckpt-s1-000000050.pt' -delete
[ -f "$WORK/cut/checkpoints/ckpt-s1-000000050.pt" ] || fail "no stage-1 checkpoint at step 50: $(ls "$WORK/on/checkpoints")"
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=100 --set train.ema_encoder=true --out "$WORK/cut" --resume
expect_output "resumed from .*ckpt-s1-000000050.pt"
for module in ema_encoder prior; do
  [ "$(digest "$WORK/cut" $module)" = "$(digest "$WORK/on" $module)" ] || fail "the resumed run's $module differs"
done

# A run trained without it, sampled with it: one warning, the trained encoder is used.
sed -i 's/^ema_encoder = false.*/ema_encoder = true/' "$WORK/off/config.toml"
grep -q '^ema_encoder = true' "$WORK/off/config.toml" || fail "config.toml has no train.ema_encoder line to switch"
expect_exit 0 "$DISCO" -j 1 sample "$WORK/off" -n 10 --steps 2 --out "$WORK/samples"
expect_output "warning: .* has no EMA encoder \(trained without train.ema_encoder\): encoding with the trained encoder"

# --resume with another architecture: refused, nothing lost.
ls "$WORK/on/checkpoints" > "$WORK/ckpts.before"
cp "$WORK/on/config.toml" "$WORK/config.before"
expect_exit 2 "$DISCO" "${ARGS[@]}" --set train.steps=100 --set model.hidden=64 --out "$WORK/on" --resume
expect_output "^error: --resume: none of the [0-9]+ checkpoints in .* loads with this config \(newest: .*another architecture"
ls "$WORK/on/checkpoints" | cmp -s - "$WORK/ckpts.before" || fail "the refused resume changed the checkpoints"
cmp -s "$WORK/config.before" "$WORK/on/config.toml" || fail "the refused resume changed the run's config.toml"
echo "ok"

#!/usr/bin/env bash
# A run resumed from a mid-training checkpoint ends bitwise-identical to an uninterrupted one (same seed, same
# thread count): the checkpoint carries weights, EMA, optimizer state, step and both RNG states; also with the
# stage-1 learning-rate cool-down, a function of the step.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
ARGS=(-j 1 train "$EX" --set train.steps=200 --set prior.steps=60 --set train.checkpoint_every=100
      --set train.log_every=20 --set train.keep_checkpoints=10)
expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/full"
# Simulate a kill after step 100: keep only the first checkpoint, then resume.
mkdir -p "$WORK/cut/checkpoints"
cp "$WORK/full/checkpoints/ckpt-s1-000000100.pt" "$WORK/cut/checkpoints/"
# The killed run had logged past its checkpoint; resume must drop those rows and log them again.
cp "$WORK/full/metrics.csv" "$WORK/cut/metrics.csv"
expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/cut" --resume
expect_output "resumed from .*ckpt-s1-000000100.pt"
for run in full cut; do
  "$DISCO" -j 1 sample "$WORK/$run" -n 300 --steps 8 --seed 5 --out "$WORK/$run-samples" >/dev/null 2>&1
done
cmp "$WORK/full-samples.csv" "$WORK/cut-samples.csv" || fail "resumed run differs from the uninterrupted one"
# The training history of the resumed run matches too (rows after the checkpoint are rewritten, not duplicated).
diff <(cut -d, -f1-5 "$WORK/full/metrics.csv") <(cut -d, -f1-5 "$WORK/cut/metrics.csv") || fail "metrics.csv differs"

# With the learning-rate cool-down spanning the checkpoint (train.lr_cooldown_steps): still exact, and not the
# constant-rate run (the key acts).
for run in cool_full cool_cut; do
  [ $run = cool_cut ] && mkdir -p "$WORK/$run/checkpoints" && cp "$WORK/cool_full/checkpoints/ckpt-s1-000000100.pt" "$WORK/$run/checkpoints/"
  expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.lr_cooldown_steps=150 --out "$WORK/$run" $([ $run = cool_cut ] && echo --resume)
  "$DISCO" -j 1 sample "$WORK/$run" -n 300 --steps 8 --seed 5 --out "$WORK/$run-samples" >/dev/null 2>&1
done
expect_output "resumed from .*ckpt-s1-000000100.pt"
cmp "$WORK/cool_full-samples.csv" "$WORK/cool_cut-samples.csv" || fail "resumed cool-down run differs from the uninterrupted one"
cmp -s "$WORK/full-samples.csv" "$WORK/cool_full-samples.csv" && fail "train.lr_cooldown_steps changed nothing"

# A corrupt newest checkpoint is skipped with a warning; the previous good one is used.
cp "$WORK/full/checkpoints/ckpt-s1-000000100.pt" "$WORK/full/checkpoints/ckpt-s1-000000150.pt"
head -c 1000 "$WORK/full/checkpoints/ckpt-s1-000000100.pt" > "$WORK/full/checkpoints/ckpt-s3-000000001.pt"
expect_exit 0 "$DISCO" -j 1 sample "$WORK/full" -n 10 --steps 2 --out "$WORK/x"
expect_output "warning: cannot read checkpoint .*ckpt-s3-000000001.pt"
echo "ok"

# A single flipped bit inside the weights is caught by the checkpoint's checksum, not loaded silently.
rm -f "$WORK/full/checkpoints/"*
cp "$WORK/cut/checkpoints/$(ls "$WORK/cut/checkpoints" | tail -1)" "$WORK/full/checkpoints/ckpt-s3-000000000.pt"
size=$(stat -c %s "$WORK/full/checkpoints/ckpt-s3-000000000.pt")
printf '\x55' | dd of="$WORK/full/checkpoints/ckpt-s3-000000000.pt" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_exit 2 "$DISCO" -j 1 sample "$WORK/full" -n 10 --steps 2 --out "$WORK/y"
expect_output "checksum mismatch"
expect_output "no usable checkpoint"
echo "ok (checksum)"

#!/usr/bin/env bash
# SIGINT / SIGTERM during training: the current step finishes, a checkpoint is written, the exit code is
# 130 / 143 with a line saying how to resume, and the resumed run finishes.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
for sig in INT TERM; do
  want=$([ $sig = INT ] && echo 130 || echo 143)
  run="$WORK/run-$sig"
  set +e
  "$DISCO" -j 1 train "$EX" --out "$run" --set train.steps=1000000 --set train.checkpoint_every=1000000 \
    --set train.log_every=5 >"$WORK/out" 2>&1 &
  pid=$!
  # Wait until steps are being taken (the first progress line, so the handlers are installed), then interrupt.
  # A slow or busy machine only makes this wait longer.
  for _ in $(seq 1 1200); do grep -q "stage 1 step" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
  grep -q "stage 1 step" "$WORK/out" || { cat "$WORK/out" >&2; fail "SIG$sig: training did not start within 120 s"; }
  kill -s $sig $pid
  wait $pid
  got=$?
  set -e
  [ "$got" -eq "$want" ] || { cat "$WORK/out" >&2; fail "SIG$sig: expected exit $want, got $got"; }
  expect_output "SIG$sig: stopped after stage 1 step [0-9]+; checkpoint written to .*Resume with: disco train .* --resume"
  ls "$run/checkpoints" | grep -q 'ckpt-s1-' || fail "SIG$sig: no checkpoint written"
done
# The interrupted run resumes (with a shorter schedule so it finishes here).
steps=$(ls "$WORK/run-INT/checkpoints" | sed -n 's/ckpt-s1-0*\([0-9]*\)\.pt/\1/p' | tail -1)
expect_exit 0 "$DISCO" -j 1 train "$EX" --out "$WORK/run-INT" --resume --set train.steps=$((steps + 20)) \
  --set train.checkpoint_every=1000000 --set prior.steps=10
expect_output "resumed from .*ckpt-s1-"
echo "ok"

#!/usr/bin/env bash
# A finished run is extended by resuming it with a larger train.steps: stage 1 goes on from the step it ended at
# (weights, EMA and optimizer state from the final checkpoint), then the prior is trained again; metrics.csv keeps
# the first run's stage-1 rows and logs every later row once. Resuming with train.steps not above what the run had
# changes nothing.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
ARGS=(-j 1 train "$EX" --set prior.steps=30 --set train.log_every=20 --set train.checkpoint_every=1000)
sample() { "$DISCO" -j 1 sample "$WORK/run" -n 200 --steps 8 --seed 5 --out "$WORK/$1" > /dev/null 2>&1; }

expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=100 --out "$WORK/run"
sample before
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=160 --out "$WORK/run" --resume
expect_output "train.steps = 160 is above the 100 stage-1 steps this run has had: stage 1 goes on from there, then the prior is trained again"
expect_output "stage 1 step 120/160"
if grep -q "stage 1 step 100/160" "$WORK/out"; then fail "stage 1 started again from the beginning"; fi
expect_output "stage 2 step 30/30"
expect_output "training finished"
sample after
if cmp -s "$WORK/before.csv" "$WORK/after.csv"; then fail "extending the run did not change its samples"; fi
# Every (stage, step) once, in order: stage 1 every 20 steps to 160, then stage 2 every 20 steps and at its end.
want=$(printf '1,%s\n' 20 40 60 80 100 120 140 160; printf '2,%s\n' 20 30)
got=$(tail -n +2 "$WORK/run/metrics.csv" | cut -d, -f1,2)
[ "$got" = "$want" ] || fail "metrics.csv rows after the extension: $(echo $got) (want $(echo $want))"

# Nothing to do with the same or a smaller train.steps: the run is left as it is.
for steps in 160 120; do
  expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=$steps --out "$WORK/run" --resume
  expect_output "training finished"
  if grep -q "stage [12] step" "$WORK/out"; then fail "train.steps=$steps trained a finished 160-step run again"; fi
done
sample again
cmp "$WORK/after.csv" "$WORK/again.csv" || fail "a resume with nothing to do changed the run"

# An extension killed part-way (SIGKILL: no checkpoint on the way out) resumes from where it started: the extension
# writes that point as a stage-1 checkpoint before its first step, and the checkpoints of the run's first ending go.
"$DISCO" "${ARGS[@]}" --set train.steps=1000000 --set train.checkpoint_every=1000000 --out "$WORK/run" --resume \
  > "$WORK/out" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do grep -q "stage 1 step 240/" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
grep -q "stage 1 step 240/" "$WORK/out" || { cat "$WORK/out" >&2; fail "the extension did not reach step 240 within 120 s"; }
kill -KILL $pid
wait $pid || true
ckpts=$(ls "$WORK/run/checkpoints" | tr '\n' ' ')
[ "$(ls "$WORK/run/checkpoints" | tail -n 1)" = "ckpt-s1-000000160.pt" ] && ! grep -q "ckpt-s[23]" <<< "$ckpts" ||
  fail "after the killed extension the checkpoints are: $ckpts (want ckpt-s1-000000160.pt the newest, none of stage 2 or 3)"
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.steps=200 --out "$WORK/run" --resume
expect_output "resumed from .*ckpt-s1-000000160.pt \(stage 1, step 160\)"
expect_output "stage 1 step 200/200"
got=$(tail -n +2 "$WORK/run/metrics.csv" | cut -d, -f1,2 | tr '\n' ' ')
[ "$got" = "1,20 1,40 1,60 1,80 1,100 1,120 1,140 1,160 1,180 1,200 2,20 2,30 " ] ||
  fail "metrics.csv rows after the killed extension and its resume: $got"
echo "ok"

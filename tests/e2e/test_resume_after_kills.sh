#!/usr/bin/env bash
# labels: slow
# Exact resume under real kills: a training run is SIGKILLed at 5 random moments (possibly mid-checkpoint or
# mid-log), resumed with --resume each time, and must end with the same weights, bit for bit (`disco inspect`
# digests), and the same samples as a run that was never interrupted (same seed, same thread count).
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
ARGS=(-q -j 1 train "$EX" --set train.steps=3000 --set prior.steps=300 --set train.checkpoint_every=50
      --set train.log_every=25 --set train.keep_checkpoints=3)
expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/full"

RANDOM=${DISCO_TEST_SEED:-7}  # reproducible kill times; set DISCO_TEST_SEED to try others
newest() { ls "$1/checkpoints" 2>/dev/null | grep -v '\.tmp' | tail -1; }
kills=0
first=1
while [ "$kills" -lt 5 ]; do
  if [ "$first" -eq 1 ]; then resume=(); first=0; else resume=(--resume); fi
  "$DISCO" "${ARGS[@]}" --out "$WORK/killed" "${resume[@]}" >"$WORK/log" 2>&1 &
  pid=$!
  # Let the run make progress (a checkpoint newer than the last one), then kill it 0 to 0.5 s later: the kill
  # lands anywhere in a step, a log write or the next checkpoint's write.
  before=$(newest "$WORK/killed")
  while kill -0 "$pid" 2>/dev/null && [ "$(newest "$WORK/killed")" = "$before" ]; do sleep 0.05; done
  sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    kills=$((kills + 1))
    echo "kill $kills: checkpoints now: $(ls "$WORK/killed/checkpoints" 2>/dev/null | tr '\n' ' ')"
  else
    set +e; wait "$pid"; rc=$?; set -e   # it ended before the kill: it must have finished, not failed
    [ "$rc" -eq 0 ] || { cat "$WORK/log" >&2; fail "a resumed run failed with exit $rc"; }
    break
  fi
done
[ "$kills" -eq 5 ] || fail "the run finished after only $kills kills; lower the sleeps"
expect_exit 0 "$DISCO" "${ARGS[@]:1}" --out "$WORK/killed" --resume   # without -q, to see where it resumed
expect_output "resumed from"

[ "$(newest "$WORK/full")" = "$(newest "$WORK/killed")" ] || fail "final checkpoints differ in name"
# Weights compared through their digests (the checkpoint bytes are no witness: LibTorch keys optimizer state
# by tensor address).
"$DISCO" -q inspect "$WORK/full" | tail -n +5 > "$WORK/full.digest"
"$DISCO" -q inspect "$WORK/killed" | tail -n +5 > "$WORK/killed.digest"
diff "$WORK/full.digest" "$WORK/killed.digest" || fail "final weights differ from the uninterrupted run's"
for run in full killed; do
  "$DISCO" -q -j 1 sample "$WORK/$run" -n 500 --steps 8 --seed 3 --out "$WORK/$run-samples" >/dev/null
done
cmp "$WORK/full-samples.csv" "$WORK/killed-samples.csv" || fail "samples differ"
diff <(cut -d, -f1-5 "$WORK/full/metrics.csv") <(cut -d, -f1-5 "$WORK/killed/metrics.csv") || fail "metrics.csv differs"
echo "ok: 5 SIGKILLs, final checkpoint and samples identical"

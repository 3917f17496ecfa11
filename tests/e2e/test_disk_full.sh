#!/usr/bin/env bash
# A checkpoint that cannot be written (disk full, file too large) stops the run with one clear error and a
# non-zero exit; the previous good checkpoint stays intact, and the run resumes from it. Two ways to fill up:
#   1. RLIMIT_FSIZE (`ulimit -f`, with SIGXFSZ ignored so that writes fail with EFBIG): needs no privileges;
#   2. a tmpfs just too small as the run directory (real ENOSPC): only where this test may mount (root with
#      CAP_SYS_ADMIN); otherwise that half is skipped with a message.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
ARGS=(-j 1 train "$EX" --set train.steps=40 --set prior.steps=10 --set train.checkpoint_every=20
      --set train.log_every=10 --set train.keep_checkpoints=5)

# An unconstrained run gives the checkpoint names and sizes, in the order they are written.
expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$WORK/free"
mapfile -t names < <(ls "$WORK/free/checkpoints")
[ "${#names[@]}" -ge 2 ] || fail "expected at least 2 checkpoints, got: ${names[*]}"
# The first checkpoint bigger than every earlier one is the one a size limit can stop alone.
max=$(stat -c %s "$WORK/free/checkpoints/${names[0]}")
fail_at=-1
for i in $(seq 1 $((${#names[@]} - 1))); do
  s=$(stat -c %s "$WORK/free/checkpoints/${names[$i]}")
  if [ "$s" -gt $((max + 4096)) ]; then fail_at=$i; break; fi
  [ "$s" -gt "$max" ] && max=$s
done
[ "$fail_at" -ge 1 ] || fail "no checkpoint is bigger than the ones before it: cannot place a size limit"
limit_kb=$(( (max + $(stat -c %s "$WORK/free/checkpoints/${names[$fail_at]}")) / 2 / 1024 ))
survivor=${names[$((fail_at - 1))]}
kept_kb=0   # what the run directory holds when the failing checkpoint is written (every earlier one is kept)
for i in $(seq 0 $((fail_at - 1))); do kept_kb=$((kept_kb + $(stat -c %s "$WORK/free/checkpoints/${names[$i]}") / 1024 + 1)); done
echo "limit ${limit_kb} KiB: ${names[$fail_at]} cannot be written, $survivor can"

check_run() {  # RUN_DIR RC: one error line naming the failed checkpoint, survivor intact, resume completes
  local run=$1 rc=$2
  [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || { cat "$WORK/out"; fail "expected an error exit, got $rc"; }
  [ "$(grep -c '^error: ' "$WORK/out")" -eq 1 ] || { cat "$WORK/out"; fail "expected one error line"; }
  expect_output "error: .*${names[$fail_at]}"
  [ -f "$run/checkpoints/$survivor" ] || { ls -la "$run/checkpoints"; fail "$survivor is gone"; }
  if ls "$run/checkpoints" | grep -q '\.tmp'; then fail "a temp file was left behind: $(ls "$run/checkpoints")"; fi
  expect_exit 0 "$DISCO" "${ARGS[@]}" --out "$run" --resume
  expect_output "resumed from .*$survivor"
  # The resumed run ends with the free run's weights, bit for bit (so the survivor was intact).
  diff <("$DISCO" -q inspect "$run" | tail -n +5) <("$DISCO" -q inspect "$WORK/free" | tail -n +5) \
    || fail "the resumed run's weights differ from the free run's"
}

# --- 1. file size limit ---
set +e
( trap '' XFSZ; ulimit -f "$limit_kb"; exec "$DISCO" "${ARGS[@]}" --out "$WORK/fsize" ) >"$WORK/out" 2>&1
rc=$?
set -e
err=$(grep '^error: ' "$WORK/out" || true)
check_run "$WORK/fsize" "$rc"
echo "ok: file size limit: exit $rc, $err"

# --- 2. a real full disk ---
mnt="$WORK/tmpfs"
mkdir -p "$mnt"
# Room for the kept checkpoints, half of the failing one, and 64 KiB for log.txt, metrics.csv and config.toml.
if ! mount -t tmpfs -o size=$((kept_kb + $(stat -c %s "$WORK/free/checkpoints/${names[$fail_at]}") / 2048 + 64))k tmpfs "$mnt" 2>/dev/null; then
  echo "SKIP (part 2): cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN); part 1 covered a failed write"
  exit 0
fi
trap 'kill $(jobs -p) 2>/dev/null || true; umount "$mnt" 2>/dev/null; rm -rf "$WORK"' EXIT
set +e; "$DISCO" "${ARGS[@]}" --out "$mnt/run" >"$WORK/out" 2>&1; rc=$?; set -e
err=$(grep '^error: ' "$WORK/out" || true)
# The resume needs room for the rest: copy the run out of the full tmpfs first (as a user would).
[ "$rc" -ne 0 ] || { cat "$WORK/out"; fail "full disk: a run that cannot checkpoint exited 0"; }
cp -r "$mnt/run" "$WORK/enospc"
check_run "$WORK/enospc" "$rc"
echo "ok: full tmpfs: exit $rc, $err"

#!/usr/bin/env bash
# Every file in tests/data/bad gives exit code 2 and one error line naming the file; nothing crashes.
source "$(dirname "$0")/lib.sh"
set -e
BAD="$DISCO_SOURCE/tests/data/bad"
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
check() {  # check FILE CMD...: exit 2, one "error:" line (the last line), naming FILE unless it is a checkpoint
  local file=$1; shift
  set +e; "$@" >"$WORK/out" 2>&1; local got=$?; set -e
  [ "$got" -eq 2 ] || { cat "$WORK/out" >&2; fail "$(basename "$file"): expected exit 2, got $got"; }
  [ "$(grep -c '^error: ' "$WORK/out")" -eq 1 ] || { cat "$WORK/out" >&2; fail "$(basename "$file"): expected one error line"; }
  tail -1 "$WORK/out" | grep -q '^error: ' || { cat "$WORK/out" >&2; fail "$(basename "$file"): error is not the last line"; }
  case "$file" in
    *.pt) ;;
    *) grep -qF "$(basename "$file")" "$WORK/out" || { cat "$WORK/out" >&2; fail "$(basename "$file"): message does not name the file"; } ;;
  esac
  count=$((count + 1))
}
count=0
for f in "$BAD"/*.toml; do check "$f" "$DISCO" -q config check "$f"; done
for f in "$BAD"/*.csv; do
  check "$f" "$DISCO" -q train "$EX" --out "$WORK/csv-run" --set data.name=csv --set "data.path=$f" --set train.steps=1
  rm -rf "$WORK/csv-run"
done
# .npy files go to the plugin template (signal1d), the one domain that reads them.
SIG="$DISCO_SOURCE/plugins/template/example.toml"
for f in "$BAD"/*.npy; do
  check "$f" "$DISCO" -q train "$SIG" --out "$WORK/npy-run" --set data.name=npy --set "data.path=$f" --set train.steps=1
  rm -rf "$WORK/npy-run"
done
# A small real run whose checkpoints are then replaced by broken ones.
"$DISCO" -q -j 1 train "$EX" --out "$WORK/run" --set train.steps=5 --set prior.steps=2 >/dev/null
for f in "$BAD"/*.pt; do
  rm -f "$WORK/run/checkpoints/"*
  cp "$f" "$WORK/run/checkpoints/ckpt-s3-000000000.pt"
  check "$f" "$DISCO" -q sample "$WORK/run" -n 4 --steps 2 --out "$WORK/s"
done
# A checkpoint of another architecture (the m = 0 baseline) is refused, naming both architectures.
"$DISCO" -q -j 1 train "$EX" --out "$WORK/base" --set train.steps=5 --set latent.m=0 >/dev/null
rm -f "$WORK/run/checkpoints/"*
cp "$WORK/base/checkpoints/$(ls "$WORK/base/checkpoints" | tail -1)" "$WORK/run/checkpoints/ckpt-s3-000000000.pt"
check "arch.pt" "$DISCO" -q sample "$WORK/run" -n 4 --steps 2 --out "$WORK/s"
grep -q "has another architecture (checkpoint: .*m=0 k=8; this config: .*m=1 k=8)" "$WORK/out" || { cat "$WORK/out"; fail "architecture not named"; }
echo "ok: $count hostile inputs rejected cleanly"

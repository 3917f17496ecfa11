#!/usr/bin/env bash
# bench/ship_model.sh RUN DEST
#
# Ships a trained run as a model in the repository: copies RUN's config.toml and its newest checkpoint into DEST
# (e.g. models/image/disco-fmnist-uncond), and a docking run's confidence model (RUN/confidence.pt, with its
# confidence/metrics.json) when it has one, and writes SHA256SUMS over them. The checkpoint is a full one, so a later
# session can also resume training from it. MODEL_CARD.md is written by hand from measured numbers; this script only
# prints what the card must state about the checkpoint (stage, step, whether training finished). Refuses a file
# over 50 MB (the repository's limit per file).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: bench/ship_model.sh RUN DEST}
DEST=${2:?usage: bench/ship_model.sh RUN DEST}
newest=$(ls "$RUN"/checkpoints/ckpt-*.pt | sort -V | tail -n 1)
size=$(stat -c %s "$newest")
[ "$size" -le $((50 * 1024 * 1024)) ] || { echo "error: $newest is $size bytes, over 50 MB" >&2; exit 1; }
rm -rf "$DEST/checkpoints" "$DEST/confidence.pt" "$DEST/confidence"
mkdir -p "$DEST/checkpoints"
cp "$RUN/config.toml" "$DEST/config.toml"
cp "$newest" "$DEST/checkpoints/"
files=(config.toml "checkpoints/$(basename "$newest")")
if [ -f "$RUN/confidence.pt" ]; then
  mkdir -p "$DEST/confidence"
  cp "$RUN/confidence.pt" "$DEST/confidence.pt"
  cp "$RUN/confidence/metrics.json" "$DEST/confidence/metrics.json"
  files+=(confidence.pt confidence/metrics.json)
fi
(cd "$DEST" && sha256sum "${files[@]}" > SHA256SUMS)
ckpt=$(basename "$newest" .pt)
stage=${ckpt#ckpt-s}; stage=${stage%%-*}
step=${ckpt##*-}
echo "shipped $newest ($size bytes) as $DEST: stage $stage, step $step$([ "$stage" -ge 3 ] && echo ' (training finished)' || echo ' (an intermediate checkpoint: say so in MODEL_CARD.md)')"
cat "$DEST/SHA256SUMS"

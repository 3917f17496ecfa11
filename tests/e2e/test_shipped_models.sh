#!/usr/bin/env bash
# The weights in the repository: every models/**/SHA256SUMS matches its files, and each shipped image model loads
# with this build and samples (a few images, two steps: PNGs, the .npz and the CSV, DisCo's latents within
# [0, k)). A change that breaks loading a shipped checkpoint fails here, not on a user's machine.
source "$(dirname "$0")/lib.sh"
set -e
MODELS="$DISCO_SOURCE/models"
[ -d "$MODELS" ] || { echo "SKIP: $MODELS is absent"; exit 0; }
sums=$(find "$MODELS" -name SHA256SUMS | sort)
[ -n "$sums" ] || fail "no SHA256SUMS under $MODELS"
for f in $sums; do
  (cd "$(dirname "$f")" && sha256sum --quiet -c SHA256SUMS) > "$WORK/sha.out" 2>&1 || fail "$f: $(cat "$WORK/sha.out")"
done
for model in "$MODELS"/image/*/; do
  name=$(basename "$model")
  expect_exit 0 "$DISCO" -j 1 sample "$model" -n 4 --steps 2 --seed 3 --out "$WORK/$name"
  [ -s "$WORK/$name.png" ] && [ -s "$WORK/$name.npz" ] && [ -f "$WORK/$name/000003.png" ] || fail "$name: samples missing"
  [ "$(wc -l < "$WORK/$name.csv")" -eq 5 ] || fail "$name: expected 4 rows in $name.csv"
  k=$(awk -F' = ' '/^\[latent\]/ {s = 1} s && $1 == "k" {print $2 + 0; exit}' "$model/config.toml")
  awk -F, -v k="$k" 'NR > 1 { for (i = 3; i <= NF; i++) if ($i < 0 || $i >= k) bad = 1 } END { exit bad }' "$WORK/$name.csv" \
    || fail "$name: a latent outside [0, $k)"
done
[ -n "$(ls -d "$MODELS"/image/*/ 2>/dev/null)" ] || fail "no image model under $MODELS/image"
echo "ok"

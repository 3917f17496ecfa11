#!/usr/bin/env bash
# `disco dock` without --model: it uses the shipped model, MODELS/docking/disco-dsdp/, found through
# $DISCO_MODELS_DIR here (next to the executable otherwise). The model is a tiny one trained in this test, never
# the big one in the repository. Checks: docking works and summary.csv, poses.sdf and the report say which ligand
# atom or pocket residue each latent picked; a corrupt, missing or extra weights file, a model without
# SHA256SUMS and a models folder without the model are each one error line naming the file, and exit code 2.
source "$(dirname "$0")/lib.sh"
set -e
PLUGIN="${DISCO_BUILD_DIR:-}/lib/disco/plugins/libdisco_docking.so"
if [ ! -f "$PLUGIN" ]; then echo "skip: the docking plugin is not built (DISCO_BUILD_DOCKING=OFF)"; exit 0; fi
DATA="$DISCO_SOURCE/tests/data/docking/complexes"
cat > "$WORK/dock.toml" <<'TOML'
domain = "docking"
threads = 1
TOML
expect_exit 0 "$DISCO" train "$WORK/dock.toml" --out "$WORK/run" --set seed=5 --set latent.m=2 --set latent.k=32 \
  --set data.synthetic_count=4 --set train.steps=6 --set train.batch_size=2 --set train.log_every=3 \
  --set prior.steps=3 --set prior.batch_size=2

MODEL="$WORK/models/docking/disco-dsdp"
mkdir -p "$MODEL/checkpoints"
cp "$WORK/run/config.toml" "$MODEL/"
cp "$(ls "$WORK"/run/checkpoints/ckpt-s3-*.pt | tail -n 1)" "$MODEL/checkpoints/"
(cd "$MODEL" && sha256sum config.toml checkpoints/*.pt > SHA256SUMS)
CKPT=$(ls "$MODEL"/checkpoints/*.pt)
export DISCO_MODELS_DIR="$WORK/models"

# The 6moa ligand's centroid as the pocket centre.
PROT="$DATA/6moa/6moa_protein_processed.pdb"
LIG="$DATA/6moa/6moa_ligand.sdf"
CENTRE=$(awk 'NR == 4 { n = $1 } NR > 4 && NR <= 4 + n { x += $1; y += $2; z += $3 } END { printf "%.3f,%.3f,%.3f", x / n, y / n, z / n }' "$LIG")
# --refine none: the model's own 3 poses (the physics refinement is tested in test_docking_model.sh).
dock() { "$DISCO" dock --protein "$PROT" --ligand "$LIG" --center "$CENTRE" --samples 3 --steps 2 --refine none --out "$WORK/dock" "$@"; }
expect_exit 0 dock --report "$WORK/dock/report.html"
expect_output "6moa_ligand: 3 poses in"
head -1 "$WORK/dock/summary.csv" | grep -qE '^complex_name,rank,model_score,latent1,latent2,valid,check_.*,seconds$' ||
  fail "summary.csv lacks the latent columns: $(head -1 "$WORK/dock/summary.csv")"
# Every pose names two nodes: a ligand atom with its element, or a pocket residue with chain, name and number.
node='(ligand atom [0-9]+ \([A-Z][a-z]?\)|residue ([A-Z]:)?[A-Z0-9]+-?[0-9]+[A-Z]?)'
[ "$(tail -n +2 "$WORK/dock/summary.csv" | grep -Ec ",$node,$node,[01],")" -eq 3 ] ||
  { cat "$WORK/dock/summary.csv" >&2; fail "each pose should name the node of each latent"; }
[ "$(grep -c '<disco_latent1>' "$WORK/dock/6moa_ligand/poses.sdf")" -eq 3 ] || fail "poses.sdf lacks disco_latent1"
grep -q 'latents picked' "$WORK/dock/report.html" || fail "the report does not list the latents"
grep -q 'id="latents0">\[\[{"label":' "$WORK/dock/report.html" || fail "the report's viewer gets no latent nodes"
# --model still wins over the shipped model, and an m = 0 model has no latent columns.
expect_exit 0 "$DISCO" train "$WORK/dock.toml" --out "$WORK/m0" --set latent.m=0 --set data.synthetic_count=4 \
  --set train.steps=4 --set train.batch_size=2 --set train.log_every=2
expect_exit 0 dock --model "$WORK/m0"
head -1 "$WORK/dock/summary.csv" | grep -qE '^complex_name,rank,model_score,valid,check_.*,seconds$' || fail "m = 0: no latent columns"

one_error() {  # PATTERN: exit code 2 and exactly one error line, matching PATTERN
  [ "$(grep -c '^error:' "$WORK/out")" -eq 1 ] || { cat "$WORK/out" >&2; fail "expected one error line"; }
  expect_output "^error: .*$1"
}
# One byte of the weights changed: corrupt, named.
cp "$CKPT" "$WORK/ckpt.bak"
printf '\x01' | dd of="$CKPT" bs=1 seek=200 conv=notrunc status=none
expect_exit 2 dock
one_error "$(basename "$CKPT"): corrupt"
# Missing weights, or one too many.
rm "$CKPT"
expect_exit 2 dock
one_error "checkpoints: no weights file"
cp "$WORK/ckpt.bak" "$CKPT"
cp "$WORK/ckpt.bak" "$MODEL/checkpoints/ckpt-s3-999999.pt"
expect_exit 2 dock
one_error "2 weights files"
rm "$MODEL/checkpoints/ckpt-s3-999999.pt"
# No SHA256SUMS.
mv "$MODEL/SHA256SUMS" "$WORK/sums.bak"
expect_exit 2 dock
one_error "SHA256SUMS: missing"
mv "$WORK/sums.bak" "$MODEL/SHA256SUMS"
expect_exit 0 dock
# A models folder without the model: where it looked, and how to go on.
DISCO_MODELS_DIR="$WORK/nowhere" expect_exit 2 dock
one_error "no shipped docking model found \(looked in $WORK/nowhere/docking/disco-dsdp; set DISCO_MODELS_DIR"
echo "ok"

#!/usr/bin/env bash
# labels: slow docking
# "The whole loop learns": examples/docking/tiny.toml trains DisCo-DiffDock on one real PDBBind complex
# (1a0q, ~5 min on one core) and `disco eval` redocks it (40 samples x 20 steps) with top-1 RMSD below 2 Å. Then
# `disco dock` docks an Astex complex the model never saw, from its SDF and from SMILES, and RDKit reads every
# written SDF back (`disco rmsd`). Needs ../shared/data (skips without it).
source "$(dirname "$0")/lib.sh"
set -e
PLUGIN="${DISCO_BUILD_DIR:-}/lib/disco/plugins/libdisco_docking.so"
if [ ! -f "$PLUGIN" ]; then echo "SKIP: the docking plugin is not built (DISCO_BUILD_DOCKING=OFF)"; exit 0; fi
SHARED="$DISCO_SOURCE/../shared/data"
[ -d "$SHARED/pdbbind/1a0q" ] || { echo "SKIP: $SHARED/pdbbind is absent"; exit 0; }
cd "$DISCO_SOURCE"  # the example's data.root is relative to the repository root

expect_exit 0 "$DISCO" train examples/docking/tiny.toml --out "$WORK/tiny"
expect_exit 0 "$DISCO" eval "$WORK/tiny"
cat "$WORK/out"
top1=$(awk -F, '$1=="1a0q" && $2==1 {print $3}' "$WORK/tiny/eval/rmsd.csv")
echo "1a0q redocked: rank-1 RMSD $top1 Å"
awk -v r="$top1" 'BEGIN {exit !(r < 2.0)}' || fail "rank-1 RMSD $top1 Å is not below 2 Å"
grep -q '"top1_below_2A": 1' "$WORK/tiny/metrics.json" || fail "metrics.json does not say top-1 < 2 Å"

# An Astex complex it never saw, from SDF (with the crystal pose as reference) and from SMILES.
ASTEX="$SHARED/astex/1GKC_NFH"
if [ -d "$ASTEX" ]; then
  expect_exit 0 "$DISCO" dock --model "$WORK/tiny" --protein "$ASTEX/1GKC_NFH_protein.pdb" \
    --ligand "$ASTEX/1GKC_NFH_ligand.sdf" --ref "$ASTEX/1GKC_NFH_ligand.sdf" --out "$WORK/astex"
  cat "$WORK/out"
  expect_output "1GKC_NFH_ligand: [0-9]+ poses"
  expect_exit 0 "$DISCO" rmsd "$ASTEX/1GKC_NFH_ligand.sdf" "$WORK/astex/1GKC_NFH_ligand/poses.sdf"
  SMILES=$(obabel "$ASTEX/1GKC_NFH_ligand.sdf" -osmi 2>/dev/null | awk '{print $1; exit}')
  [ -n "$SMILES" ] || fail "Open Babel gave no SMILES"
  expect_exit 0 "$DISCO" dock --model "$WORK/tiny" --protein "$ASTEX/1GKC_NFH_protein.pdb" --ligand "$SMILES" \
    --ref "$ASTEX/1GKC_NFH_ligand.sdf" --out "$WORK/astex_smiles"
  cat "$WORK/out"
  expect_exit 0 "$DISCO" rmsd "$ASTEX/1GKC_NFH_ligand.sdf" "$WORK/astex_smiles/ligand/poses.sdf"
fi
echo "docking redock: ok"

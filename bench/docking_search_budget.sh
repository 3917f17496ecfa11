#!/usr/bin/env bash
# bench/docking_search_budget.sh [--budgets C1xS1,C2xS2,...] [--ids FILE] [--data DIR] [--model RUN] [--out DIR]
#
# How deep and how fast `disco dock`'s Monte-Carlo search goes with C chains x S steps, on DSDP validation complexes
# (never on Astex, the evaluation set): for each complex and budget, the top-1 pose's RMSD to the crystal, the best
# RMSD of the top 5, the top-1 energy (kcal/mol, intermolecular + intramolecular, exact), whether the top-1 pose
# passes every check, and the wall seconds of the whole dock (sampling included), one thread. The start is the RDKit
# conformer (`disco conformer --seed 0`), the pocket the crystal ligand's centroid, the box 22 Å, as in
# bench/docking_vs_vina.sh. Default complexes: every ninth id of examples/docking/dsdp_split/validation.txt from the
# fifth (11 ids); default data ../runs/data/dsdp (bench/docking_shipped_train.sh unpacks it there).
# Writes DIR/results.csv (default build/bench/docking_search_budget) and copies it to
# bench/results/docking_search_budget_dsdp.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/docking_common.sh
DISCO=${DISCO_BUILD_DIR:-build}/bin/disco
BUDGETS=8x10,16x100,40x100,40x300
IDS=""
DATA=../runs/data/dsdp
MODEL=""
OUT=${DISCO_BUILD_DIR:-build}/bench/docking_search_budget
while [[ $# -gt 0 ]]; do
  case "$1" in
    --budgets) BUDGETS=${2:?}; shift ;;
    --ids) IDS=${2:?}; shift ;;
    --data) DATA=${2:?}; shift ;;
    --model) MODEL=${2:?}; shift ;;
    --out) OUT=${2:?}; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
[ -d "$DATA" ] || { echo "SKIP: $DATA is absent (bench/docking_shipped_train.sh unpacks DSDP there)"; exit 0; }
if [ -n "$IDS" ]; then LIST=$(grep -v '^#' "$IDS" | awk 'NF {print $1}')
else LIST=$(grep -v '^#' examples/docking/dsdp_split/validation.txt | awk 'NF && NR % 9 == 5 {print $1}'); fi
model_args=()
[ -n "$MODEL" ] && model_args=(--model "$MODEL")
mkdir -p "$OUT"
echo "complex,chains,mc_steps,top1_rmsd,top5_best_rmsd,top1_energy,top1_valid,seconds" > "$OUT/results.csv.tmp"
IFS=, read -ra budgets <<< "$BUDGETS"
for id in $LIST; do
  dir="$DATA/$id"
  W="$OUT/$id"
  mkdir -p "$W"
  "$DISCO" -q conformer "$dir/${id}_ligand.sdf" -o "$W/conformer.sdf" --seed 0 > /dev/null 2>&1 || { echo "skip $id: no conformer"; continue; }
  read -r cx cy cz < <(sdf_centroid "$dir/${id}_ligand.sdf")
  for b in "${budgets[@]}"; do
    chains=${b%x*}
    steps=${b#*x}
    t0=$EPOCHREALTIME
    if ! "$DISCO" -q -j 1 dock "${model_args[@]}" --protein "$dir/${id}_protein.pdb" --ligand "$W/conformer.sdf" \
        --ref "$dir/${id}_ligand.sdf" --center "$cx,$cy,$cz" --box-size 22 --chains "$chains" --mc-steps "$steps" \
        --out "$W/$b" > "$W/$b.log" 2>&1; then
      echo "skip $id: $(tail -n 1 "$W/$b.log")"
      continue 2
    fi
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
    awk -F, -v id="$id" -v c="$chains" -v s="$steps" -v secs="$secs" '
      NR == 1 {for (i = 1; i <= NF; ++i) col[$i] = i; next}
      {r = $col["rmsd"]; if (NR == 2) {t = r; e = $col["energy"]; v = $col["valid"]} if (NR <= 6 && (b == "" || r + 0 < b + 0)) b = r}
      END {printf "%s,%s,%s,%.3f,%.3f,%s,%s,%s\n", id, c, s, t, b, e, v, secs}' "$W/$b/summary.csv" >> "$OUT/results.csv.tmp"
    tail -n 1 "$OUT/results.csv.tmp"
  done
done
mv "$OUT/results.csv.tmp" "$OUT/results.csv"
mkdir -p bench/results && cp "$OUT/results.csv" bench/results/docking_search_budget_dsdp.csv

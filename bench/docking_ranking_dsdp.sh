#!/usr/bin/env bash
# bench/docking_ranking_dsdp.sh [--data DIR] [--out DIR] [--model RUN]
#
# How to rank refined poses, chosen on the DSDP validation split (examples/docking/dsdp_split/validation.txt; never
# on Astex): docks every validation complex once with `disco dock`'s defaults (RDKit conformer, pocket at the crystal
# ligand's centroid, one thread; summary.csv keeps every clustered pose with its energy and cluster size), then
# re-ranks the same poses by energy - W ln(cluster size) for several W (`--population-weight W`; W = 0 is the
# energy alone, Vina's ranking) and counts top-1 and top-5 < 2 Å. Complexes already docked in DIR are kept.
# Writes DIR/ranking.md (default build/bench/docking_ranking) and copies it to bench/results/docking_ranking_dsdp.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/docking_common.sh
DISCO=${DISCO_BUILD_DIR:-build}/bin/disco
DATA=../runs/data/dsdp
OUT=${DISCO_BUILD_DIR:-build}/bench/docking_ranking
MODEL=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) DATA=${2:?}; shift ;;
    --out) OUT=${2:?}; shift ;;
    --model) MODEL=${2:?}; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
[ -d "$DATA" ] || { echo "SKIP: $DATA is absent (bench/docking_shipped_train.sh unpacks DSDP there)"; exit 0; }
model_args=()
[ -n "$MODEL" ] && model_args=(--model "$MODEL")
for id in $(grep -v '^#' examples/docking/dsdp_split/validation.txt | awk 'NF {print $1}'); do
  dir="$DATA/$id"
  W="$OUT/$id"
  [ -s "$W/search/summary.csv" ] && continue
  mkdir -p "$W"
  "$DISCO" -q conformer "$dir/${id}_ligand.sdf" -o "$W/conformer.sdf" --seed 0 > /dev/null 2>&1 || { echo "skip $id: no conformer"; continue; }
  read -r cx cy cz < <(sdf_centroid "$dir/${id}_ligand.sdf")
  "$DISCO" -q -j 1 dock "${model_args[@]}" --protein "$dir/${id}_protein.pdb" --ligand "$W/conformer.sdf" --ref "$dir/${id}_ligand.sdf" \
    --center "$cx,$cy,$cz" --out "$W/search" > "$W/search.log" 2>&1 || echo "skip $id: $(tail -n 1 "$W/search.log")"
done
/usr/bin/python3 - "$OUT" > "$OUT/ranking.md" <<'PY'
import csv, glob, math, statistics, sys
runs = {}
for f in sorted(glob.glob(sys.argv[1] + "/*/search/summary.csv")):
    rows = list(csv.DictReader(open(f)))
    if rows and "cluster_size" in rows[0]:
        runs[f.split("/")[-3]] = rows
print(f"{len(runs)} DSDP validation complexes docked with disco dock's defaults; the same poses re-ranked by "
      "energy - W ln(cluster size).\n")
print("| W (kcal/mol) | top-1 < 2 Å | top-5 < 2 Å | median top-1 RMSD (Å) |")
print("|---|---|---|---|")
for w in [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0]:
    top1 = top5 = 0
    first = []
    for rows in runs.values():
        ranked = sorted(rows, key=lambda r: float(r["energy"]) - w * math.log(float(r["cluster_size"])))
        top1 += float(ranked[0]["rmsd"]) < 2
        top5 += min(float(r["rmsd"]) for r in ranked[:5]) < 2
        first.append(float(ranked[0]["rmsd"]))
    print(f"| {w:g} | {top1} of {len(runs)} | {top5} of {len(runs)} | {statistics.median(first):.2f} |")
PY
cat "$OUT/ranking.md"
mkdir -p bench/results && cp "$OUT/ranking.md" bench/results/docking_ranking_dsdp.md

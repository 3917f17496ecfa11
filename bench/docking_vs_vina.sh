#!/usr/bin/env bash
# bench/docking_vs_vina.sh [--complexes N] [--model RUN]... [--exhaustiveness E] [--out DIR]
#
# AutoDock Vina (Debian's autodock-vina) and disco on the same Astex complexes (../shared/data/astex), side by
# side: top-1 RMSD < 2 Å, median top-1 RMSD and time per complex. Both start from the same RDKit conformer
# (`disco conformer`, ETKDG from the crystal ligand's graph: never the crystal pose) and search the same known
# pocket: Vina a 22 Å box around the crystal ligand's centroid, disco the pocket around that centroid.
# Receptor and ligand PDBQT are prepared with Open Babel (polar hydrogens at pH 7.4). RMSD is `disco rmsd`
# (symmetry-corrected, in place) for both. Without --model only Vina runs.
# --model may be given several times (e.g. DisCo and its latent.m = 0 twin): one column pair per run.
# Writes DIR/results.csv (copied to bench/results/docking_vs_vina.csv) and prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
DISCO=${DISCO_BUILD_DIR:-build}/bin/disco
N=10
MODELS=()
EXH=8
OUT=${DISCO_BUILD_DIR:-build}/bench/docking_vs_vina  # working files (PDBQT, poses, logs)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --complexes) N=${2:?}; shift ;;
    --model) MODELS+=("${2:?}"); shift ;;
    --exhaustiveness) EXH=${2:?}; shift ;;
    --out) OUT=${2:?}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
ASTEX=../shared/data/astex
[ -d "$ASTEX" ] || { echo "SKIP: $ASTEX is absent"; exit 0; }
command -v vina > /dev/null || { echo "error: vina not found (apt-get install autodock-vina)" >&2; exit 2; }
command -v obabel > /dev/null || { echo "error: obabel not found (apt-get install openbabel)" >&2; exit 2; }
mkdir -p "$OUT"
CSV="$OUT/results.csv"
header="complex,vina_top1_rmsd,vina_seconds"
for m in "${MODELS[@]}"; do header+=",$(basename "$m")_top1_rmsd,$(basename "$m")_seconds"; done
echo "$header" > "$CSV.tmp"
top1() { awk '$1 == "1" && NF >= 4 {print $(NF-2); exit}'; }  # rank-1 RMSD from `disco rmsd`'s table
for dir in $(ls -d "$ASTEX"/*/ | sort | head -n "$N"); do
  id=$(basename "$dir")
  W="$OUT/$id"
  mkdir -p "$W"
  ref="$dir/${id}_ligand.sdf"
  "$DISCO" -q conformer "$ref" -o "$W/conformer.sdf" --seed 0 > /dev/null
  read -r cx cy cz < <(awk 'NR==4{n=$1} NR>4 && NR<=4+n {x+=$1;y+=$2;z+=$3} END{printf "%.3f %.3f %.3f\n", x/n, y/n, z/n}' "$ref")
  obabel "$dir/${id}_protein.pdb" -xr -p 7.4 -O "$W/receptor.pdbqt" > /dev/null 2>&1
  obabel "$W/conformer.sdf" -p 7.4 -O "$W/ligand.pdbqt" > /dev/null 2>&1
  t0=$EPOCHREALTIME
  vina --receptor "$W/receptor.pdbqt" --ligand "$W/ligand.pdbqt" --center_x "$cx" --center_y "$cy" --center_z "$cz" \
    --size_x 22 --size_y 22 --size_z 22 --exhaustiveness "$EXH" --num_modes 9 --seed 0 --cpu 1 \
    --out "$W/vina.pdbqt" > "$W/vina.log" 2>&1 || true
  vina_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
  vina_rmsd=$([ -s "$W/vina.pdbqt" ] && "$DISCO" -q rmsd "$ref" "$W/vina.pdbqt" 2>/dev/null | top1 || echo nan)
  row="$id,${vina_rmsd:-nan},$vina_s"
  line="$id: vina top-1 ${vina_rmsd:-nan} Å (${vina_s} s)"
  for m in "${MODELS[@]}"; do
    name=$(basename "$m")
    t0=$EPOCHREALTIME
    "$DISCO" -q dock --model "$m" --protein "$dir/${id}_protein.pdb" --ligand "$W/conformer.sdf" \
      --center "$cx,$cy,$cz" --out "$W/$name" > "$W/$name.log" 2>&1 || true
    disco_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
    disco_rmsd=$([ -s "$W/$name/conformer/poses.sdf" ] && "$DISCO" -q rmsd "$ref" "$W/$name/conformer/poses.sdf" 2>/dev/null | top1 || echo nan)
    row+=",${disco_rmsd:-nan},$disco_s"
    line+="; $name top-1 ${disco_rmsd:-nan} Å (${disco_s} s)"
  done
  echo "$row" >> "$CSV.tmp"
  echo "$line"
done
mv "$CSV.tmp" "$CSV"
mkdir -p bench/results && cp "$CSV" bench/results/docking_vs_vina.csv
/usr/bin/python3 - "$CSV" "$EXH" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def summary(key, tkey):
    vals = [float(r[key]) for r in rows if r[key] not in ("", "nan")]
    if not vals: return None
    t = [float(r[tkey]) for r in rows if r[tkey]]
    return (sum(v < 2 for v in vals), len(vals), statistics.median(vals), sum(t) / len(t))
print("| tool | top-1 < 2 Å | median top-1 RMSD (Å) | s per complex |")
print("|---|---|---|---|")
tools = [(f"AutoDock Vina 1.2.3 (box 22 Å, exhaustiveness {sys.argv[2]}, 1 CPU)", "vina_top1_rmsd", "vina_seconds")]
for key in (rows[0].keys() if rows else []):
    if key.endswith("_top1_rmsd") and key != "vina_top1_rmsd":
        run = key[: -len("_top1_rmsd")]
        tools.append((f"disco dock, run {run}", key, run + "_seconds"))
for name, key, tkey in tools:
    s = summary(key, tkey)
    if s: print(f"| {name} | {s[0]} of {s[1]} | {s[2]:.2f} | {s[3]:.1f} |")
PY

#!/usr/bin/env bash
# bench/docking_vs_vina.sh [--complexes N] [--model NAME=RUN]... [--variants LIST] [--exhaustiveness E]
#                          [--threads T] [--out DIR] [--resume] [--data DIR --ids FILE] [--no-vina]
#                          [--shard K/N] [--merge DIR,DIR...]
#
# AutoDock Vina (Debian's autodock-vina) and disco on the same Astex complexes (../shared/data/astex; all 85 by
# default), side by side in one run: top-1 and top-5 RMSD < 2 Å, median top-1 RMSD, the fraction of top-1 poses
# that pass every pose check, and seconds per complex. Every tool starts from the same RDKit conformer
# (`disco conformer`, ETKDG from the crystal ligand's graph: never the crystal pose) and searches the same known
# pocket: a 22 Å box around the crystal ligand's centroid (Vina's box; disco's --center and --box-size 22).
# Receptor and ligand PDBQT for Vina are prepared with Open Babel (pH 7.4). RMSD is `disco rmsd`
# (symmetry-corrected, in place) for every tool; the pose checks are `disco score`'s for every tool.
#
# --model NAME=RUN (repeatable; e.g. disco=runs/dsdp_m2 m0=runs/dsdp_m0) and, for each, the variants of
# --variants (comma-separated; default diffusion,local,search,random):
#   diffusion  the model's poses and ranking alone (--refine none)
#   local      + local optimisation of every pose under the score, ranked by it (--refine local)
#   search     + Monte-Carlo chains from the best (--refine search; disco dock's default)
#   random     random placements of the ligand instead of the model's samples, then the same search
#              (the same number of local optimisations: does the learned model add anything?)
# A variant may be limited to one model with NAME:variant (e.g. --variants disco:random,m0:search).
# Vina and disco get the same threads (--threads, default 2: Vina --cpu T, disco -j T), one complex at a time.
# --resume keeps the rows of complexes already in DIR/results.csv.
# --data DIR --ids FILE run on other complexes of the same layout (<id>/<id>_protein.pdb, <id>_ligand.sdf), e.g. a
# DSDP validation list, to choose settings there and never on Astex; --no-vina leaves Vina out. Results then stay
# in DIR only (bench/results/ holds the Astex run).
# --shard K/N runs the K-th of N interleaved parts of the list (complexes K, K+N, ...; e.g. two shards side by side,
# one per core, each with its own --out); --merge DIR,DIR... then joins the shards' results.csv into --out and
# summarises them, running nothing.
# Writes DIR/results.csv and DIR/summary.md (copied to bench/results/docking_vs_vina.{csv,md} for a whole Astex run).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/docking_common.sh
DISCO=${DISCO_BUILD_DIR:-build}/bin/disco
N=85
MODELS=()
VARIANTS=diffusion,local,search,random
EXH=8
THREADS=2
RESUME=0
DATA=../shared/data/astex
IDS=""
VINA=1
SHARD=1/1
MERGE=""
OUT=${DISCO_BUILD_DIR:-build}/bench/docking_vs_vina  # working files (PDBQT, poses, logs)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --complexes) N=${2:?}; shift ;;
    --model) MODELS+=("${2:?}"); shift ;;
    --variants) VARIANTS=${2:?}; shift ;;
    --exhaustiveness) EXH=${2:?}; shift ;;
    --threads) THREADS=${2:?}; shift ;;
    --out) OUT=${2:?}; shift ;;
    --resume) RESUME=1 ;;
    --data) DATA=${2:?}; shift ;;
    --ids) IDS=${2:?}; shift ;;
    --no-vina) VINA=0 ;;
    --shard) SHARD=${2:?}; shift ;;
    --merge) MERGE=${2:?}; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$SHARD" =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] && [ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] ||
  { echo "error: --shard takes K/N with 1 <= K <= N, got '$SHARD'" >&2; exit 2; }
SHARD_K=${BASH_REMATCH[1]}
SHARD_N=${BASH_REMATCH[2]}
[ -d "$DATA" ] || { echo "SKIP: $DATA is absent"; exit 0; }
command -v vina > /dev/null || { echo "error: vina not found (scripts/install_deps.sh autodock-vina)" >&2; exit 2; }
command -v obabel > /dev/null || { echo "error: obabel not found (apt-get install openbabel)" >&2; exit 2; }
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
for m in "${MODELS[@]}"; do
  [[ "$m" == *=* ]] || { echo "error: --model takes NAME=RUN, got '$m'" >&2; exit 2; }
done
mkdir -p "$OUT"
CSV="$OUT/results.csv"

# The tools: vina, then NAME_variant for every model and variant that applies to it.
TOOLS=()
[ "$VINA" -eq 1 ] && TOOLS+=(vina)
declare -A RUN_OF VARIANT_OF
for m in "${MODELS[@]}"; do
  name=${m%%=*}
  IFS=, read -ra vs <<< "$VARIANTS"
  for v in "${vs[@]}"; do
    if [[ "$v" == *:* ]]; then [[ "${v%%:*}" == "$name" ]] || continue; v=${v#*:}; fi
    case "$v" in diffusion|local|search|random) ;; *) echo "error: unknown variant '$v'" >&2; exit 2 ;; esac
    TOOLS+=("${name}_$v")
    RUN_OF[${name}_$v]=${m#*=}
    VARIANT_OF[${name}_$v]=$v
  done
done
header="complex"
for t in "${TOOLS[@]}"; do header+=",${t}_top1_rmsd,${t}_top5_rmsd,${t}_top1_valid,${t}_top1_score,${t}_seconds"; done
if [ -n "$MERGE" ]; then
  IFS=, read -ra parts <<< "$MERGE"
  first=1
  for d in "${parts[@]}"; do
    [ -s "$d/results.csv" ] || { echo "error: --merge: $d/results.csv is missing" >&2; exit 2; }
    if [ $first -eq 1 ]; then head -n 1 "$d/results.csv" > "$CSV.tmp"; first=0
    else [ "$(head -n 1 "$d/results.csv")" == "$(head -n 1 "$CSV.tmp")" ] || { echo "error: --merge: $d/results.csv has other columns" >&2; exit 2; }; fi
    tail -n +2 "$d/results.csv" >> "$CSV.tmp"
  done
  # In the list's order (sorted ids), as an unsharded run writes them.
  { head -n 1 "$CSV.tmp"; tail -n +2 "$CSV.tmp" | sort -t, -k1,1; } > "$CSV.sorted" && rm "$CSV.tmp"
else
declare -A DONE
if [ "$RESUME" -eq 1 ] && [ -s "$CSV" ]; then
  [ "$(head -n 1 "$CSV")" == "$header" ] || { echo "error: --resume: $CSV has other columns" >&2; exit 2; }
  cp "$CSV" "$CSV.tmp"
  while IFS=, read -r id _; do DONE[$id]=1; done < <(tail -n +2 "$CSV")
else
  echo "$header" > "$CSV.tmp"
fi

# From `disco rmsd` (rank, ..., rmsd, ...): the rank-1 RMSD and the best of ranks 1-5.
top1() { awk '$1 == "1" && NF >= 4 && !seen {print $(NF-2); seen = 1}'; }  # reads to the end: no SIGPIPE upstream
top5() { awk '$1 ~ /^[1-5]$/ && NF >= 4 {if (best == "" || $(NF-2) < best) best = $(NF-2)} END {print (best == "" ? "nan" : best)}'; }
# The first pose of an SDF file, or the first MODEL of a PDBQT file.
first_pose() { awk '{print} /^\$\$\$\$/ || /^ENDMDL/ {exit}' "$1"; }
# `disco score`'s row of the first pose (checked against the start conformer): score and valid.
score_row() { "$DISCO" -q score --protein "$1" --ligand "$2" --reference-ligand "$3" 2> /dev/null | awk -F, 'NR == 1 {for (i = 1; i <= NF; ++i) col[$i] = i; next} NR == 2 {print $col["score"] "," (("valid" in col) ? $col["valid"] : "")}'; }
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}'; }

if [ -n "$IDS" ]; then LIST=$(grep -v '^#' "$IDS" | awk 'NF {print $1}' | head -n "$N"); else LIST=$(ls "$DATA" | sort | head -n "$N"); fi
LIST=$(echo "$LIST" | awk -v k="$SHARD_K" -v n="$SHARD_N" '(NR - k) % n == 0')
for id in $LIST; do
  dir="$DATA/$id"
  [ -f "$dir/${id}_ligand.sdf" ] || { echo "skip $id: no $dir/${id}_ligand.sdf"; continue; }
  [ -n "${DONE[$id]:-}" ] && continue
  W="$OUT/$id"
  mkdir -p "$W"
  ref="$dir/${id}_ligand.sdf"
  protein="$dir/${id}_protein.pdb"
  "$DISCO" -q conformer "$ref" -o "$W/conformer.sdf" --seed 0 > /dev/null
  read -r cx cy cz < <(sdf_centroid "$ref")
  row="$id"
  line="$id:"
  for t in "${TOOLS[@]}"; do
    t0=$EPOCHREALTIME
    if [ "$t" == vina ]; then
      obabel "$protein" -xr -p 7.4 -O "$W/receptor.pdbqt" > /dev/null 2>&1
      obabel "$W/conformer.sdf" -p 7.4 -O "$W/ligand.pdbqt" > /dev/null 2>&1
      vina --receptor "$W/receptor.pdbqt" --ligand "$W/ligand.pdbqt" --center_x "$cx" --center_y "$cy" --center_z "$cz" \
        --size_x 22 --size_y 22 --size_z 22 --exhaustiveness "$EXH" --num_modes 9 --seed 0 --cpu "$THREADS" \
        --out "$W/vina.pdbqt" > "$W/vina.log" 2>&1 || true
      secs=$(seconds_since "$t0")
      # Read as PDBQT by disco (Open Babel, with the charge fixes of molecule.h): an SDF converted by obabel loses
      # the charges of protonated amines, which RDKit then refuses.
      poses="$W/vina.pdbqt"
    else
      v=${VARIANT_OF[$t]}
      args=(--refine search)
      case "$v" in diffusion) args=(--refine none) ;; local) args=(--refine local) ;; random) args=(--refine search --proposals random) ;; esac
      "$DISCO" -q -j "$THREADS" dock --model "${RUN_OF[$t]}" --protein "$protein" --ligand "$W/conformer.sdf" \
        --center "$cx,$cy,$cz" --box-size 22 "${args[@]}" --out "$W/$t" > "$W/$t.log" 2>&1 || true
      secs=$(seconds_since "$t0")
      poses="$W/$t/conformer/poses.sdf"
    fi
    r1=nan; r5=nan; valid=""; score=""
    if [ -s "$poses" ]; then
      # A file disco cannot read (e.g. Open Babel's bonds perceived from a Vina pose that RDKit refuses) gives nan:
      # counted as not below 2 Å, and named in the summary.
      r1=$("$DISCO" -q rmsd "$ref" "$poses" 2> /dev/null | top1) || r1=nan
      r5=$("$DISCO" -q rmsd "$ref" "$poses" 2> /dev/null | top5) || r5=nan
      top="$W/${t}_top1.${poses##*.}"
      first_pose "$poses" > "$top"
      IFS=, read -r score valid < <(score_row "$protein" "$top" "$W/conformer.sdf" || echo ",")
    fi
    row+=",${r1:-nan},${r5:-nan},${valid},${score},$secs"
    line+=" $t ${r1:-nan} Å (${secs} s)"
  done
  echo "$row" >> "$CSV.tmp"
  echo "$line"
done
fi
if [ -n "$MERGE" ]; then mv "$CSV.sorted" "$CSV"; else mv "$CSV.tmp" "$CSV"; fi
/usr/bin/python3 - "$CSV" "$EXH" "$THREADS" > "$OUT/summary.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
exh, threads = sys.argv[2], sys.argv[3]
tools = [k[: -len("_top1_rmsd")] for k in (rows[0].keys() if rows else []) if k.endswith("_top1_rmsd")]
names = {"diffusion": "diffusion only", "local": "diffusion + local refinement", "search": "diffusion + refinement + search",
         "random": "random starts + refinement + search"}
def number(v):
    try:
        return float(v)
    except ValueError:
        return None
print(f"{len(rows)} complexes, pocket given (22 Å box), the same RDKit start conformer for every tool, {threads} thread(s) each.\n")
print("| tool | top-1 < 2 Å | top-5 < 2 Å | median top-1 RMSD (Å) | top-1 passes all checks | median s per complex | mean s |")
print("|---|---|---|---|---|---|---|")
for t in tools:
    r1 = [number(r[t + "_top1_rmsd"]) for r in rows]
    r5 = [number(r[t + "_top5_rmsd"]) for r in rows]
    valid = [r[t + "_top1_valid"] for r in rows if r[t + "_top1_valid"] != ""]
    secs = [float(r[t + "_seconds"]) for r in rows]
    n = len(rows)
    med = statistics.median([x if x is not None and x == x else float("inf") for x in r1]) if rows else float("nan")
    label = f"AutoDock Vina 1.2.3 (exhaustiveness {exh})" if t == "vina" else f"disco, model {t.split('_', 1)[0]}: {names.get(t.split('_', 1)[1], t)}"
    checks = f"{sum(v == '1' for v in valid)} of {len(valid)}" if valid else "–"
    print(f"| {label} | {sum(x is not None and x < 2 for x in r1)} of {n} | {sum(x is not None and x < 2 for x in r5)} of {n} | "
          f"{med:.2f} | {checks} | {statistics.median(secs):.1f} | {statistics.mean(secs):.1f} |")
unread = {t: [r["complex"] for r in rows if number(r[t + "_top1_rmsd"]) is None or number(r[t + "_top1_rmsd"]) != number(r[t + "_top1_rmsd"])] for t in tools}
for t, ids in unread.items():
    if ids:
        print(f"\n{t}: no RMSD (output not readable by disco, or no pose) for {', '.join(ids)}; counted as not below 2 Å.")
PY
cat "$OUT/summary.md"
if [ "$DATA" == ../shared/data/astex ] && [ "$SHARD_N" -eq 1 ]; then
  mkdir -p bench/results && cp "$CSV" bench/results/docking_vs_vina.csv && cp "$OUT/summary.md" bench/results/docking_vs_vina.md
fi

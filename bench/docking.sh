#!/usr/bin/env bash
# bench/docking.sh [--threads N]
#
# Time per complex of `disco dock` (the target: under 10 s for 40 samples x 20 steps at DiffDock-S size
# on 2 cores; the paper reports 9.1 s on a GPU): one PDBBind complex (1a0q, its 48 pocket residues), 40
# samples, 20 steps, end to end (load, sample, rank, write SDFs), for the tiny example's network and for
# DiffDock-S (5 layers, 24x0e + 24x0o + 6x1o + 6x1e, edge MLP 48). The weights are untrained (one training step):
# the cost does not depend on them. Writes bench/results/docking.json and prints a markdown table.
# There is no Python reference for this workload (no e3nn here): these are disco's own figures, not ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${DISCO_BUILD_DIR:-build}
DISCO=$BUILD_DIR/bin/disco
THREADS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) THREADS=${2:?--threads needs a value}; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
P=../shared/data/pdbbind/1a0q
[ -d "$P" ] || { echo "SKIP: $P is absent (the shared data sets)"; exit 0; }
[ -x "$DISCO" ] || { echo "error: $DISCO not built (scripts/build.sh)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

declare -A SIZE
SIZE[tiny]=""
SIZE[diffdock_s]="--set model.layers=5 --set model.irreps=\"24x0e + 24x0o + 6x1o + 6x1e\" --set model.mlp_hidden=48 --set model.encoder_layers=3 --set model.encoder_irreps=\"24x0e + 24x0o + 4x1o + 4x1e\""
rows=()
json="{\n  \"workload\": \"disco dock, 1a0q, 40 samples x 20 steps, pocket of 48 residues\",\n  \"threads\": $THREADS,\n  \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\",\n  \"load_average_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\",\n  \"results\": ["
first=1
for name in tiny diffdock_s; do
  eval "extra=(${SIZE[$name]})"
  "$DISCO" -q train examples/docking/tiny.toml --out "$WORK/$name" --set train.steps=1 --set prior.steps=1 \
    --set train.log_every=1 "${extra[@]}" > /dev/null
  params=$("$DISCO" inspect "$WORK/$name" 2>/dev/null | awk '$1 == "denoiser" {print $2; exit}')
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$DISCO" -j "$THREADS" dock --model "$WORK/$name" \
    --protein "$P/1a0q_protein_processed.pdb" --ligand "$P/1a0q_ligand.sdf" --ref "$P/1a0q_ligand.sdf" \
    --samples 40 --steps 20 --out "$WORK/$name-dock" > "$WORK/$name.log"
  read -r wall user sys rss < "$WORK/time"
  inside=$(awk -F, 'NR==2 {print $NF}' "$WORK/$name-dock/summary.csv")
  rows+=("| $name | ${params:-?} | $wall | $user | $sys | $inside | $((rss / 1024)) |")
  [ $first = 1 ] || json+=","
  first=0
  json+="\n    {\"model\": \"$name\", \"denoiser_parameters\": \"${params:-?}\", \"wall_s\": $wall, \"user_cpu_s\": $user, \"sys_cpu_s\": $sys, \"docking_s_reported\": $inside, \"peak_rss_mb\": $((rss / 1024))}"
done
json+="\n  ]\n}\n"
mkdir -p bench/results
printf "%b" "$json" > bench/results/docking.json.tmp && mv bench/results/docking.json.tmp bench/results/docking.json
echo "| model | denoiser parameters | wall s | user CPU s | sys CPU s | docking s (as disco dock reports) | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "threads $THREADS; load average before: $(grep -o '"load_average_before": "[^"]*"' bench/results/docking.json | cut -d'"' -f4)"

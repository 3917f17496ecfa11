#!/usr/bin/env bash
# bench/run.sh [--quick] [--threads N] [--no-build] [--results FILE] [--no-readme]
#
# Benchmarks disco against the same model in PyTorch-Python (bench/README.md). For each workload (toy2d:
# train, sample) it runs the C++ program and the Python reference ALTERNATELY, one process each time
# (C, P, C, P, ...), so that both see the same machine state; every process warms up first, and the
# reported numbers are medians over all timed repeats of all rounds. Writes bench/results/toy2d.json and
# regenerates the table in bench/README.md between <!-- bench:toy2d:begin --> and <!-- bench:toy2d:end -->.
#
#   --quick      fewer rounds and repeats (under 3 minutes on 2 idle cores once built)
#   --threads N  intra-op threads for both sides (default: nproc)
#   --no-build   do not call scripts/build.sh (the programs must already be built)
#   --results F  write the summary to F instead of bench/results/toy2d.json
#   --no-readme  leave the table in bench/README.md alone (for extra runs, e.g. --threads 1)
# Environment: DISCO_BUILD_DIR (default build), DISCO_BENCH_PYTHON (default /usr/bin/python3, which has
# Debian's python3-torch; the python3 first on PATH may have no torch).
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS="$*"
BUILD_DIR=${DISCO_BUILD_DIR:-build}
PY=${DISCO_BENCH_PYTHON:-/usr/bin/python3}

QUICK=0
BUILD=1
RESULTS=bench/results/toy2d.json
README=bench/README.md
THREADS=$(nproc)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --threads) THREADS=${2:?--threads needs a value}; shift ;;
    --threads=*) THREADS=${1#--threads=} ;;
    --results) RESULTS=${2:?--results needs a value}; shift ;;
    --no-readme) README= ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $QUICK == 1 ]]; then
  # Sampling without a warm-up run: its first of 99 network evaluations pays the one-off costs, ~1% of a run.
  ROUNDS=2; TRAIN_ARGS=(--repeats 3 --warmup 1 --train-steps 40); SAMPLE_ARGS=(--repeats 2 --warmup 0)
else
  ROUNDS=5; TRAIN_ARGS=(--repeats 5 --warmup 1 --train-steps 100); SAMPLE_ARGS=(--repeats 3 --warmup 1)
fi

if awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg; then
  echo "bench: warning: load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores; other work will inflate" \
       "and scatter the times (the C++/Python alternation keeps the comparison fair on average)" >&2
fi
if [[ $BUILD == 1 ]]; then
  echo "bench: building ($BUILD_DIR) with scripts/build.sh" >&2
  if ! DISCO_BUILD_DIR="$BUILD_DIR" scripts/build.sh -DDISCO_BUILD_BENCH=ON; then
    # Something unrelated to the benchmark (a test, another plugin) may fail to build: build only what runs here.
    echo "bench: warning: the full build failed; building only disco_bench_toy2d and the toy2d plugin" >&2
    cmake --build "$BUILD_DIR" --target disco_bench_toy2d toy2d >&2
  fi
fi
CPP="$BUILD_DIR/bin/disco_bench_toy2d"
[[ -x "$CPP" ]] || { echo "bench: $CPP not found (build with scripts/build.sh, or drop --no-build)" >&2; exit 1; }
"$PY" -c 'import torch' 2>/dev/null || {
  echo "bench: $PY cannot import torch (install python3-torch, or set DISCO_BENCH_PYTHON)" >&2; exit 1; }

RAW=$(mktemp -d)
trap 'rm -rf "$RAW"' EXIT
# Same thread settings for both sides; the programs call torch.set_num_threads / torch::set_num_threads.
export OMP_NUM_THREADS=$THREADS

run_one() {  # impl workload round
  local impl=$1 workload=$2 round=$3 out="$RAW/$2-$1-$3.json" args
  if [[ $workload == train ]]; then args=("${TRAIN_ARGS[@]}"); else args=("${SAMPLE_ARGS[@]}"); fi
  local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)
  if [[ $impl == disco ]]; then
    "$CPP" --json --threads "$THREADS" --workload "$workload" "${args[@]}" > "$out.tmp"
  else
    "$PY" bench/toy2d_reference.py --json --threads "$THREADS" --workload "$workload" "${args[@]}" > "$out.tmp"
  fi
  # Annotate with the 1-minute load average around the run (a busy machine makes the numbers noisy).
  "$PY" - "$out.tmp" "$out" "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["loadavg_before"], d["loadavg_after"] = float(sys.argv[3]), float(sys.argv[4])
json.dump(d, open(sys.argv[2], "w"))
EOF
  echo "bench: $workload $impl round $round done (load $load_before)" >&2
}

# Parity: both programs, 3 training steps and a 5-step sampling from the same seeds, must compute the same
# numbers (Python drawing the initial weights in disco's order). A mismatch means the reference no longer
# mirrors domains/toy2d/src/networks.cpp (or the C++ compiler orders the draws differently); it is reported.
mkdir -p "$RAW/parity"
PARITY_ARGS=(--json --threads 1 --repeats 1 --warmup 0 --train-steps 3 --sample-steps 5)
"$CPP" "${PARITY_ARGS[@]}" > "$RAW/parity/disco.json"
"$PY" bench/toy2d_reference.py --gcc-init-order "${PARITY_ARGS[@]}" > "$RAW/parity/python.json"

start=$(date +%s)
for workload in train sample; do
  for ((r = 1; r <= ROUNDS; r++)); do
    run_one disco "$workload" "$r"
    run_one python "$workload" "$r"
  done
done
echo "bench: measured in $(( $(date +%s) - start )) s" >&2

mkdir -p "$(dirname "$RESULTS")"
"$PY" bench/toy2d_report.py --raw "$RAW" --out "$RESULTS" ${README:+--readme "$README"} \
  --mode "$([[ $QUICK == 1 ]] && echo quick || echo full)" --command "bench/run.sh${ARGS:+ $ARGS}"

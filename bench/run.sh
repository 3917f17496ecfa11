#!/usr/bin/env bash
# bench/run.sh [--quick] [--threads N] [--no-build] [--results FILE] [--no-readme] [--only toy2d|image|docking]
#              [--docking-size tiny|diffdock_s]
#
# Benchmarks disco against the same model in PyTorch-Python (bench/README.md). For each workload (toy2d:
# train, sample; image: train, sample, roofline, roofline_cl; docking: dock, forward) it runs the C++ program and the Python reference ALTERNATELY, one process each time
# (C, P, C, P, ...), so that both see the same machine state; every process warms up first, and the
# reported numbers are medians over all timed repeats of all rounds. Writes bench/results/toy2d.json and
# bench/results/image.json and bench/results/docking_vs_python.json and regenerates their tables in bench/README.md (between <!-- bench:NAME:begin -->
# and <!-- bench:NAME:end -->).
#
#   --quick      fewer rounds and repeats (under 3 minutes on 2 idle cores once built)
#   --threads N  intra-op threads for both sides (default: nproc)
#   --no-build   do not call scripts/build.sh (the programs must already be built)
#   --results F  write the toy2d summary to F instead of bench/results/toy2d.json; the image and docking
#                summaries go next to it as F with toy2d replaced by image and docking_vs_python (or
#                F.image.json, F.docking.json)
#   --no-readme  leave the tables in bench/README.md alone (for extra runs, e.g. --threads 1)
#   --only W     run only the toy2d, the image or the docking benchmark
#   --docking-size S  the docking score network: diffdock_s (default; tiny with --quick) or tiny. Docking
#                needs ../shared/data/pdbbind/1a0q and is skipped with a message without it.
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
ONLY=
DOCKING_SIZE=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --threads) THREADS=${2:?--threads needs a value}; shift ;;
    --threads=*) THREADS=${1#--threads=} ;;
    --results) RESULTS=${2:?--results needs a value}; shift ;;
    --no-readme) README= ;;
    --only) ONLY=${2:?--only needs toy2d, image or docking}; shift ;;
    --docking-size) DOCKING_SIZE=${2:?--docking-size needs tiny or diffdock_s}; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -z $ONLY || $ONLY == toy2d || $ONLY == image || $ONLY == docking ]] || {
  echo "bench/run.sh: --only takes toy2d, image or docking" >&2; exit 2; }
[[ -z $DOCKING_SIZE || $DOCKING_SIZE == tiny || $DOCKING_SIZE == diffdock_s ]] || {
  echo "bench/run.sh: --docking-size takes tiny or diffdock_s" >&2; exit 2; }
RUN_TOY2D=$([[ -z $ONLY || $ONLY == toy2d ]] && echo 1 || echo 0)
RUN_IMAGE=$([[ -z $ONLY || $ONLY == image ]] && echo 1 || echo 0)
RUN_DOCKING=$([[ -z $ONLY || $ONLY == docking ]] && echo 1 || echo 0)
DOCKING_COMPLEX=../shared/data/pdbbind/1a0q
if [[ $RUN_DOCKING == 1 && ! -d $DOCKING_COMPLEX ]]; then
  echo "bench: docking skipped: $DOCKING_COMPLEX is absent (the shared data sets)" >&2
  RUN_DOCKING=0
fi
IMAGE_RESULTS=${RESULTS/toy2d/image}
[[ $IMAGE_RESULTS != "$RESULTS" ]] || IMAGE_RESULTS=$RESULTS.image.json
DOCKING_RESULTS=${RESULTS/toy2d/docking_vs_python}
[[ $DOCKING_RESULTS != "$RESULTS" ]] || DOCKING_RESULTS=$RESULTS.docking.json

if [[ $QUICK == 1 ]]; then
  # Sampling without a warm-up run: its first of 99 network evaluations pays the one-off costs, ~1% of a run.
  ROUNDS=2; TRAIN_ARGS=(--repeats 3 --warmup 1 --train-steps 40); SAMPLE_ARGS=(--repeats 2 --warmup 0)
  # Image: one round, tiny repeats (a U-Net sampling run is 35 network evaluations at batch 64).
  IMAGE_ROUNDS=1; IMAGE_TRAIN_ARGS=(--repeats 2 --warmup 1 --train-steps 1); IMAGE_SAMPLE_ARGS=(--repeats 1 --warmup 0)
  IMAGE_ROOFLINE_ARGS=(--repeats 1 --warmup 1)
  # Docking: the tiny network, one round.
  DOCKING_ROUNDS=1; DOCKING_DOCK_ARGS=(--repeats 1 --warmup 0); DOCKING_FORWARD_ARGS=(--repeats 2 --warmup 1)
  DOCKING_SIZE=${DOCKING_SIZE:-tiny}
else
  ROUNDS=5; TRAIN_ARGS=(--repeats 5 --warmup 1 --train-steps 100); SAMPLE_ARGS=(--repeats 3 --warmup 1)
  IMAGE_ROUNDS=2; IMAGE_TRAIN_ARGS=(--repeats 3 --warmup 1 --train-steps 3); IMAGE_SAMPLE_ARGS=(--repeats 1 --warmup 1)
  IMAGE_ROOFLINE_ARGS=(--repeats 2 --warmup 1)
  DOCKING_ROUNDS=2; DOCKING_DOCK_ARGS=(--repeats 1 --warmup 0); DOCKING_FORWARD_ARGS=(--repeats 3 --warmup 1)
  DOCKING_SIZE=${DOCKING_SIZE:-diffdock_s}
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
    cmake --build "$BUILD_DIR" --target disco_bench_toy2d toy2d disco_bench_image image >&2
    cmake --build "$BUILD_DIR" --target disco_bench_docking docking >&2 || true
  fi
fi
CPP="$BUILD_DIR/bin/disco_bench_toy2d"
CPP_IMAGE="$BUILD_DIR/bin/disco_bench_image"
CPP_DOCKING="$BUILD_DIR/bin/disco_bench_docking"
for exe in $([[ $RUN_TOY2D == 1 ]] && echo "$CPP") $([[ $RUN_IMAGE == 1 ]] && echo "$CPP_IMAGE") \
           $([[ $RUN_DOCKING == 1 ]] && echo "$CPP_DOCKING"); do
  [[ -x "$exe" ]] || { echo "bench: $exe not found (build with scripts/build.sh, or drop --no-build)" >&2; exit 1; }
done
"$PY" -c 'import torch' 2>/dev/null || {
  echo "bench: $PY cannot import torch (install python3-torch, or set DISCO_BENCH_PYTHON)" >&2; exit 1; }

RAW=$(mktemp -d)
RAW_IMAGE=$(mktemp -d)
RAW_DOCKING=$(mktemp -d)
trap 'rm -rf "$RAW" "$RAW_IMAGE" "$RAW_DOCKING"' EXIT
# Same thread settings for both sides; the programs call torch.set_num_threads / torch::set_num_threads.
export OMP_NUM_THREADS=$THREADS

run_one() {  # impl workload round [bench]
  local impl=$1 workload=$2 round=$3 bench=${4:-toy2d} out args
  if [[ $bench == docking ]]; then
    out="$RAW_DOCKING/$2-$1-$3.json"
    if [[ $workload == dock ]]; then args=(--workload dock "${DOCKING_DOCK_ARGS[@]}"); else args=(--workload forward "${DOCKING_FORWARD_ARGS[@]}"); fi
  elif [[ $bench == toy2d ]]; then
    out="$RAW/$2-$1-$3.json"
    if [[ $workload == train ]]; then args=("${TRAIN_ARGS[@]}"); else args=("${SAMPLE_ARGS[@]}"); fi
  else
    out="$RAW_IMAGE/$2-$1-$3.json"
    case $workload in
      train) args=(--workload train "${IMAGE_TRAIN_ARGS[@]}") ;;
      sample) args=(--workload sample "${IMAGE_SAMPLE_ARGS[@]}") ;;
      roofline) args=(--workload roofline "${IMAGE_ROOFLINE_ARGS[@]}") ;;
      roofline_cl) args=(--workload roofline --channels-last "${IMAGE_ROOFLINE_ARGS[@]}") ;;
    esac
  fi
  local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)
  if [[ $bench == docking && $impl == disco ]]; then
    "$CPP_DOCKING" --json --threads "$THREADS" --size "$DOCKING_SIZE" --complex "$DOCKING_COMPLEX" "${args[@]}" > "$out.tmp"
  elif [[ $bench == docking ]]; then
    "$PY" bench/docking_reference.py --json --threads "$THREADS" --data "$RAW_DOCKING/export.pt" "${args[@]}" > "$out.tmp"
  elif [[ $bench == image && $impl == disco ]]; then
    "$CPP_IMAGE" --json --threads "$THREADS" "${args[@]}" > "$out.tmp"
  elif [[ $bench == image ]]; then
    "$PY" bench/image_reference.py --json --threads "$THREADS" "${args[@]}" > "$out.tmp"
  elif [[ $impl == disco ]]; then
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
  rm -f "$out.tmp"
  echo "bench: $bench $workload $impl round $round done (load $load_before)" >&2
}

alternate() {  # bench rounds workload...: C++ then Python, round by round, for each workload in turn
  local bench=$1 rounds=$2 workload r
  shift 2
  for workload in "$@"; do
    for ((r = 1; r <= rounds; r++)); do
      run_one disco "$workload" "$r" "$bench"
      run_one python "$workload" "$r" "$bench"
    done
  done
}

# Parity: both programs, 3 training steps and a 5-step sampling from the same seeds, must compute the same
# numbers (Python drawing the initial weights in disco's order). A mismatch means the reference no longer
# mirrors domains/toy2d/src/networks.cpp (or the C++ compiler orders the draws differently); it is reported.
MODE=$([[ $QUICK == 1 ]] && echo quick || echo full)
if [[ $RUN_TOY2D == 1 ]]; then
  mkdir -p "$RAW/parity"
  PARITY_ARGS=(--json --threads 1 --repeats 1 --warmup 0 --train-steps 3 --sample-steps 5)
  "$CPP" "${PARITY_ARGS[@]}" > "$RAW/parity/disco.json"
  "$PY" bench/toy2d_reference.py --gcc-init-order "${PARITY_ARGS[@]}" > "$RAW/parity/python.json"

  start=$(date +%s)
  alternate toy2d "$ROUNDS" train sample
  echo "bench: toy2d measured in $(( $(date +%s) - start )) s" >&2

  mkdir -p "$(dirname "$RESULTS")"
  "$PY" bench/toy2d_report.py --raw "$RAW" --out "$RESULTS" ${README:+--readme "$README"} \
    --mode "$MODE" --command "bench/run.sh${ARGS:+ $ARGS}"
fi

# Image: the U-Net of examples/image/fashion_mnist.toml. No same-weights parity (the Python side draws its own
# weights); image_report.py fails the run when the two sides' parameter names, shapes or counts differ.
if [[ $RUN_IMAGE == 1 ]]; then
  start=$(date +%s)
  alternate image "$IMAGE_ROUNDS" train sample roofline roofline_cl
  echo "bench: image measured in $(( $(date +%s) - start )) s" >&2
  mkdir -p "$(dirname "$IMAGE_RESULTS")"
  "$PY" bench/image_report.py --raw "$RAW_IMAGE" --out "$IMAGE_RESULTS" ${README:+--readme "$README"} \
    --mode "$MODE" --command "bench/run.sh${ARGS:+ $ARGS}"
fi

# Docking: disco_bench_docking exports the example, its weights and reference outputs once (not timed); the
# Python side loads them, must reproduce disco's scores and a whole seeded dock (parity, checked by
# docking_report.py), and then both sides run the same work alternately.
if [[ $RUN_DOCKING == 1 ]]; then
  start=$(date +%s)
  "$CPP_DOCKING" --threads "$THREADS" --size "$DOCKING_SIZE" --complex "$DOCKING_COMPLEX" --workload none \
    --export "$RAW_DOCKING/export.pt" > /dev/null
  mkdir -p "$RAW_DOCKING/parity"
  "$PY" bench/docking_reference.py --json --threads "$THREADS" --data "$RAW_DOCKING/export.pt" --check --workload none \
    > "$RAW_DOCKING/parity/parity.json"
  alternate docking "$DOCKING_ROUNDS" dock forward
  echo "bench: docking measured in $(( $(date +%s) - start )) s" >&2
  mkdir -p "$(dirname "$DOCKING_RESULTS")"
  "$PY" bench/docking_report.py --raw "$RAW_DOCKING" --out "$DOCKING_RESULTS" ${README:+--readme "$README"} \
    --mode "$MODE" --command "bench/run.sh${ARGS:+ $ARGS}"
fi

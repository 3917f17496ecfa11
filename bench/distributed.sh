#!/usr/bin/env bash
# bench/distributed.sh [--quick] [--rounds N] [--steps N] [--no-build] [--results FILE]
#
# Data-parallel training throughput on this machine: `disco train` on toy2d (examples/toy2d/eight_gaussians.toml,
# DisCo-Diff with m = 1) in one process and in two (`--nproc 2`, c10d Gloo on loopback), stage 1 only. The
# configurations run alternately in rounds (A, B, C, ..., A, B, C, ...) so that they share the machine's state,
# and the numbers are medians over rounds. Writes bench/results/distributed.json.
#
# Throughput is taken from the run's own metrics.csv: the `seconds` column at the first and the last logged
# step, so process start, plugin loading, the rendezvous and the first interval (warm-up) are not counted.
#
#   --quick      3 rounds of 300 steps (default: 5 rounds of 1000)
#   --rounds N / --steps N   override
#   --no-build   do not call scripts/build.sh
#   --results F  write to F instead of bench/results/distributed.json
# Environment: DISCO_BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=("$@")
BUILD_DIR=${DISCO_BUILD_DIR:-build}
DISCO="$BUILD_DIR/bin/disco"
RESULTS=bench/results/distributed.json
ROUNDS=5
STEPS=1000
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) ROUNDS=3; STEPS=300 ;;
    --rounds) ROUNDS=${2:?}; shift ;;
    --steps) STEPS=${2:?}; shift ;;
    --no-build) BUILD=0 ;;
    --results) RESULTS=${2:?}; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/distributed.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $BUILD == 1 ]] && scripts/build.sh >&2
[[ -x $DISCO ]] || { echo "bench/distributed.sh: $DISCO not found (build first)" >&2; exit 2; }
if awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg; then
  echo "bench: warning: load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores; times will scatter" >&2
fi

LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LOG_EVERY=$((STEPS / 10))
# name | processes | threads per process | batch per process | extra --set
CONFIGS=(
  "1proc-1thread-b512|1|1|512|"
  "1proc-2threads-b512|1|2|512|"
  "2proc-1thread-b256|2|1|256|"
  "2proc-1thread-b256-buckets64k|2|1|256|distributed.bucket_mb=0.0625"
  "2proc-1thread-b512|2|1|512|"
)
for round in $(seq 1 "$ROUNDS"); do
  for c in "${CONFIGS[@]}"; do
    IFS='|' read -r name procs threads batch extra <<<"$c"
    out="$WORK/$name-$round"
    args=(-q -j "$threads" train examples/toy2d/eight_gaussians.toml --out "$out" --set "train.steps=$STEPS"
          --set "train.log_every=$LOG_EVERY" --set train.checkpoint_every=1000000 --set prior.steps=0
          --set "train.batch_size=$batch")
    [[ -n $extra ]] && args+=(--set "$extra")
    [[ $procs -gt 1 ]] && args+=(--nproc "$procs")
    echo "bench: round $round/$ROUNDS: $name" >&2
    # CPU time of the whole run (all processes; startup included) as a contention-robust second measure.
    /usr/bin/time -f "%e %U %S" -o "$out.time" "$DISCO" "${args[@]}" >/dev/null 2>"$WORK/$name-$round.err" ||
      { cat "$WORK/$name-$round.err" >&2; exit 1; }
    echo "$name|$procs|$threads|$batch|$extra|$round|$out/metrics.csv|$out.time" >>"$WORK/index"
  done
done

/usr/bin/python3 - "$WORK/index" "$RESULTS" "$STEPS" "$ROUNDS" "$LOAD_START" "${ARGS[@]}" <<'PY'
import csv, json, os, statistics, sys, time
index, results, steps, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
load_start = float(sys.argv[5])
runs = {}
for line in open(index):
    name, procs, threads, batch, extra, rnd, metrics, timing = line.rstrip("\n").split("|")
    wall, user, system = (float(x) for x in open(timing).read().split()[-3:])
    rows = [r for r in csv.DictReader(open(metrics)) if r["stage"] == "1"]
    first, last = rows[0], rows[-1]
    steps_per_s = (int(last["step"]) - int(first["step"])) / (float(last["seconds"]) - float(first["seconds"]))
    r = runs.setdefault(name, {"processes": int(procs), "threads_per_process": int(threads),
                               "batch_per_process": int(batch), "global_batch": int(procs) * int(batch),
                               "extra": extra, "steps_per_s": [], "run_wall_s": [], "run_cpu_s": []})
    r["steps_per_s"].append(steps_per_s)
    r["run_wall_s"].append(wall)
    r["run_cpu_s"].append(user + system)
base = statistics.median(runs["1proc-1thread-b512"]["steps_per_s"]) * 512
for r in runs.values():
    r["steps_per_s_median"] = statistics.median(r["steps_per_s"])
    r["examples_per_s_median"] = r["steps_per_s_median"] * r["global_batch"]
    r["examples_per_s_vs_1proc_1thread"] = r["examples_per_s_median"] / base
    r["cpu_ms_per_step_median_incl_startup"] = 1000 * statistics.median(r["run_cpu_s"]) / steps
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
out = {
    "benchmark": "toy2d stage-1 training throughput, disco train in 1 process vs --nproc 2 (c10d Gloo, loopback)",
    "command": "bench/distributed.sh " + " ".join(sys.argv[6:]),
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "cpu_model": cpu, "nproc": os.cpu_count(),
    "loadavg": {"start": load_start, "end": os.getloadavg()[0]},
    "config": "examples/toy2d/eight_gaussians.toml (m=1, k=8, hidden 128), prior.steps=0",
    "steps_per_run": steps, "rounds": rounds,
    "timing": "steps/s between the first and the last logged step of metrics.csv (startup and rendezvous excluded); "
              "run_cpu_s: user + system CPU seconds of all processes of a run (/usr/bin/time), startup included",
    "runs": runs,
}
os.makedirs(os.path.dirname(results) or ".", exist_ok=True)
json.dump(out, open(results, "w"), indent=2)
print(f"{'configuration':34s} {'global batch':>12s} {'steps/s':>9s} {'examples/s':>11s} {'vs 1p1t':>8s} {'CPU ms/step':>12s}")
for name, r in runs.items():
    print(f"{name:34s} {r['global_batch']:12d} {r['steps_per_s_median']:9.1f} {r['examples_per_s_median']:11.0f}"
          f" {r['examples_per_s_vs_1proc_1thread']:7.2f}x {r['cpu_ms_per_step_median_incl_startup']:12.2f}")
print(f"wrote {results}")
PY

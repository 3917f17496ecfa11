#!/usr/bin/env bash
# labels: bench
# `bench/run.sh --quick` runs end to end (so that the benchmarks cannot rot): both programs build and run, the
# parity check between disco and the Python reference passes, and every workload has timings for both sides.
# It asserts nothing about speed (tests never do); bench/README.md has the measured ratios.
source "$(dirname "$0")/lib.sh"
set -e
PY=${DISCO_BENCH_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch' 2>/dev/null; then echo "SKIP: $PY cannot import torch (apt install python3-torch)"; exit 0; fi
[ -x "$DISCO_BUILD_DIR/bin/disco_bench_toy2d" ] || { echo "SKIP: disco_bench_toy2d not built (DISCO_BUILD_BENCH=OFF)"; exit 0; }
cd "$DISCO_SOURCE"
expect_exit 0 env DISCO_BUILD_DIR="$DISCO_BUILD_DIR" bench/run.sh --quick --no-build --no-readme --threads 1 \
  --results "$WORK/toy2d.json"
"$PY" - "$WORK/toy2d.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["parity"]["match"], f"disco and the Python reference disagree: {d['parity']}"
for name in ("train", "sample"):
    w = d["workloads"][name]
    for side in ("disco", "python"):
        t = w[side]
        assert t["n_timed"] > 0 and t["median"] > 0, f"{name}/{side}: no timings"
    print(f"{name}: disco {w['disco']['median']:.4g} s, python {w['python']['median']:.4g} s (not asserted)")
PYEOF
echo "ok"

#!/usr/bin/env bash
# Data-parallel training is exact: 2 processes with batch B (c10d Gloo on loopback) end with the same weights,
# to within 1e-5, as 1 process with batch 2B, through both stages; and a checkpoint written by the 2-process run
# resumes in 1 process (another world size) and ends where the 1-process run ends.
#
# Why the two runs see the same samples and noise (distributed.rng = "global", the default): every rank draws
# the random numbers of the whole global batch of 2B rows from the shared seed -- data indices, sigma, the
# noise, the Gumbel noise, the latent-dropout mask -- exactly as the single process with batch 2B draws them,
# and then trains on its own rows (rank r: rows r*B .. r*B+B-1). The gradients, averaged over ranks by the
# all-reduce, are then the single process's gradients up to float rounding. One LibTorch thread per process, so
# that reductions inside a process do not change with the thread count.
source "$(dirname "$0")/lib.sh"
set -e
PY=${DISCO_PYTHON:-/usr/bin/python3}  # Debian's python3-torch reads the checkpoints
"$PY" -c 'import torch' 2>/dev/null || fail "$PY has no torch (install python3-torch or set DISCO_PYTHON)"
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
# p_null > 0 and m > 0: the Gumbel noise and the dropout mask are exercised too.
ARGS=(-j 1 train "$EX" --set train.steps=24 --set prior.steps=8 --set train.log_every=8 --set train.checkpoint_every=12
      --set train.keep_checkpoints=10 --set latent.p_null=0.25)
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.batch_size=128 --set prior.batch_size=64 --out "$WORK/one"
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.batch_size=64 --set prior.batch_size=32 --nproc 2 --out "$WORK/two"
expect_output "data-parallel: 2 ranks \(gloo\) x batch 64 = effective batch 128"
# Only rank 0 wrote files; the run directory is printed once.
[ "$(grep -c "^$WORK/two\$" "$WORK/out")" -eq 1 ] || fail "the run directory should be printed once"

# A checkpoint of the 2-process run, resumed by 1 process with the same global batch.
mkdir -p "$WORK/resumed/checkpoints"
cp "$WORK/two/checkpoints/ckpt-s1-000000012.pt" "$WORK/resumed/checkpoints/"
expect_exit 0 "$DISCO" "${ARGS[@]}" --set train.batch_size=128 --set prior.batch_size=64 --out "$WORK/resumed" --resume
expect_output "resumed from .*ckpt-s1-000000012.pt"

# The weights of the finished runs: LibTorch's archive is a TorchScript zip (without disco's 24-byte trailer).
cat > "$WORK/compare.py" <<'PY'
import io, sys, torch
def weights(path):
    data = open(path, "rb").read()[:-24]
    # Keys with "0x" are the optimizer's state, named by parameter addresses; the weights have stable names.
    return {k: v.double() for k, v in torch.jit.load(io.BytesIO(data)).state_dict().items() if "0x" not in k}
ref = weights(sys.argv[1])
assert len(ref) > 10, sorted(ref)
for other in sys.argv[2:]:
    got = weights(other)
    assert sorted(got) == sorted(ref), (sorted(got), sorted(ref))
    worst = max(((got[k] - ref[k]).abs().max().item(), k) for k in ref)
    print(f"{other}: {len(ref)} tensors, max |difference| {worst[0]:.3g} ({worst[1]})")
    if not worst[0] <= 1e-5:
        sys.exit(f"FAIL: {other} differs from {sys.argv[1]} by {worst[0]} in {worst[1]}")
PY
last() { ls "$1"/checkpoints/ckpt-s3-*.pt | tail -1; }
"$PY" "$WORK/compare.py" "$(last "$WORK/one")" "$(last "$WORK/two")" "$(last "$WORK/resumed")" ||
  fail "data-parallel weights differ from the single-process ones"

# The logged losses agree too (the 2-process run logs the mean over both ranks).
"$PY" - "$WORK/one/metrics.csv" "$WORK/two/metrics.csv" <<'PY' || fail "metrics.csv differs"
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
assert len(a) == len(b) == 4, (len(a), len(b))
for x, y in zip(a, b):
    assert (x["stage"], x["step"], x["codes_in_use"]) == (y["stage"], y["step"], y["codes_in_use"]), (x, y)
    assert abs(float(x["loss"]) - float(y["loss"])) <= 1e-5 * max(1, abs(float(x["loss"]))), (x, y)
PY

# The epoch sampler (a permutation per epoch, disjoint shards) is exact in the same way; rng = "rank" (each rank
# draws only its own rows) is not meant to equal one process, but its ranks must stay in step (checked by the
# trainer at every checkpoint) and finish.
SHORT=(-j 1 train "$EX" --set train.steps=12 --set prior.steps=0 --set train.checkpoint_every=6 --set train.log_every=6
       --set distributed.sampler=epoch --set data.points_per_mode=40)  # 320 points: epochs of 2.5 global batches
expect_exit 0 "$DISCO" "${SHORT[@]}" --set train.batch_size=128 --out "$WORK/epoch1"
expect_exit 0 "$DISCO" "${SHORT[@]}" --set train.batch_size=64 --nproc 2 --out "$WORK/epoch2"
"$PY" "$WORK/compare.py" "$(last "$WORK/epoch1")" "$(last "$WORK/epoch2")" || fail "epoch sampler: 2 x 64 differs from 1 x 128"
expect_exit 0 "$DISCO" "${SHORT[@]}" --set train.batch_size=64 --nproc 2 --set distributed.rng=rank --out "$WORK/rank"
expect_output "rng rank, sampler epoch"
echo "ok"

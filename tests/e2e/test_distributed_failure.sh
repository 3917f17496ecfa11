#!/usr/bin/env bash
# Failure behaviour of data-parallel training (c10d Gloo on loopback), every case bounded in time:
#  - a worker killed with SIGKILL under `--nproc 2`: the launcher names its rank, the survivor's collective fails
#    at once and it says which rank is gone; everything is over well within 60 s, exit code 1;
#  - the same under an external (torchrun-style) launcher, without disco's launcher: the survivor alone must
#    notice, and it names rank 0, which also hosted the rendezvous store;
#  - a rendezvous port already in use is reported as such (exit 2), by the launcher and by rank 0;
#  - SIGTERM to the launcher: all ranks stop after the same step, rank 0 writes the checkpoint, exit 143.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
LONG=(-j 1 train "$EX" --set train.steps=1000000 --set train.checkpoint_every=1000000 --set train.batch_size=64)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for FILE REGEX: up to 60 s
  for _ in $(seq 1 600); do grep -qE -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1" >&2; fail "timed out waiting for /$2/"
}
rank_pid() {  # rank_pid LAUNCHER_PID RANK: the worker of that rank
  for p in $(pgrep -P "$1"); do tr '\0' '\n' < "/proc/$p/environ" | grep -qx "RANK=$2" && { echo "$p"; return 0; }; done
  fail "no worker of rank $2 under pid $1"
}
# bounded_wait PID SECONDS: waits for PID (a child of this shell), fails after SECONDS; sets $code and $took.
bounded_wait() {
  local start=$SECONDS
  for _ in $(seq 1 $(($2 * 10))); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && { kill -9 "$1"; fail "pid $1 still running after $2 s"; }
  set +e; wait "$1"; code=$?; set -e
  took=$((SECONDS - start))
}

# ---- 1. disco --nproc 2, rank 1 killed ----
"$DISCO" "${LONG[@]}" --nproc 2 --out "$WORK/killed" >"$WORK/out" 2>&1 &
launcher=$!
wait_for "$WORK/out" "data-parallel: 2 ranks"
sleep 1
kill -9 "$(rank_pid $launcher 1)"
bounded_wait $launcher 60
cat "$WORK/out"
[ "$code" -eq 1 ] || fail "--nproc: expected exit 1 after a worker died, got $code"
expect_output "worker rank 1 \(pid [0-9]+\) was killed by signal 9"
expect_output "rank 0: .* failed: rank 1 is gone"
echo "ok: --nproc run stopped ${took} s after rank 1 was killed"

# ---- 2. torchrun-style environment (no disco launcher), rank 0 killed ----
port=$(free_port)
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$DISCO" "${LONG[@]}" --out "$WORK/external" >"$WORK/out$r" 2>&1 &
  eval "pid$r=\$!"
done
wait_for "$WORK/out0" "data-parallel: 2 ranks"
sleep 1
kill -9 "$pid0"
wait "$pid0" 2>/dev/null || true
bounded_wait "$pid1" 60
cp "$WORK/out1" "$WORK/out"
cat "$WORK/out"
[ "$code" -eq 1 ] || fail "external launcher: expected exit 1 from rank 1, got $code"
expect_output "error: rank 1: .* failed: rank 0 is gone"
echo "ok: rank 1 stopped ${took} s after rank 0 was killed"

# ---- 3. rendezvous port already in use ----
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(60)' \
  >"$WORK/port" &
holder=$!
for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
busy=$(cat "$WORK/port")
MASTER_PORT=$busy expect_exit 2 "$DISCO" "${LONG[@]}" --nproc 2 --out "$WORK/busy1"
expect_output "MASTER_PORT $busy is already in use"
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$busy expect_exit 2 "$DISCO" "${LONG[@]}" --out "$WORK/busy2"
expect_output "rank 0: cannot host the rendezvous on port $busy: the port is already in use"
kill "$holder" 2>/dev/null || true
echo "ok: port in use"

# ---- 4. SIGTERM to the launcher: a clean, agreed stop with a checkpoint ----
"$DISCO" "${LONG[@]}" --nproc 2 --out "$WORK/stopped" >"$WORK/out" 2>&1 &
launcher=$!
wait_for "$WORK/out" "data-parallel: 2 ranks"
sleep 1
kill -TERM $launcher
bounded_wait $launcher 60
[ "$code" -eq 143 ] || { cat "$WORK/out"; fail "SIGTERM: expected exit 143, got $code"; }
expect_output "SIGTERM: stopped after stage 1 step [0-9]+; checkpoint written to"
ls "$WORK/stopped/checkpoints" | grep -q 'ckpt-s1-' || fail "SIGTERM: no checkpoint written"
echo "ok"

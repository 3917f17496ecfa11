#!/usr/bin/env bash
# A small toy2d run through every command: train (both stages), resume of a finished run, sample with the
# prior and with fixed latents, eval (metrics.json + plots), compare; and the plain baseline (m = 0).
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
SMALL=(--set train.steps=300 --set prior.steps=100 --set train.log_every=50 --set train.checkpoint_every=100)
expect_exit 0 "$DISCO" -j 2 train "$EX" --out "$WORK/disco" "${SMALL[@]}"
expect_output "codes in use"
[ -f "$WORK/disco/config.toml" ] && [ -f "$WORK/disco/metrics.csv" ] || fail "run files missing"
ls "$WORK/disco/checkpoints" | grep -q 'ckpt-s3-' || fail "no final checkpoint"

# Training again into the same directory without --resume is refused; with --resume it is a no-op.
expect_exit 2 "$DISCO" train "$EX" --out "$WORK/disco" "${SMALL[@]}"
expect_output "already has checkpoints"
expect_exit 0 "$DISCO" train "$EX" --out "$WORK/disco" --resume "${SMALL[@]}"
expect_output "resumed from"

expect_exit 0 "$DISCO" sample "$WORK/disco" -n 200 --steps 10 --out "$WORK/s"
head -1 "$WORK/s.csv" | grep -q '^x,y,latent$' || fail "bad CSV header"
[ "$(wc -l < "$WORK/s.csv")" -eq 201 ] || fail "expected 200 samples"
expect_exit 0 "$DISCO" sample "$WORK/disco" -n 50 --steps 10 --latents 3 --cfg 2 --out "$WORK/fixed"
expect_output "NFE per sample: 38"   # Heun: 2*10-1 evaluations, two passes each at cfg != 1
awk -F, 'NR>1 && $3!=3 {bad=1} END {exit bad}' "$WORK/fixed.csv" || fail "fixed latents not used"
expect_exit 2 "$DISCO" sample "$WORK/disco" --latents 9 --out "$WORK/bad"
expect_output "latent.k = 8"
expect_exit 2 "$DISCO" sample "$WORK/disco" --sampler nope
expect_output "unknown sampler 'nope' \(available: .*euler, heun"

expect_exit 0 "$DISCO" eval "$WORK/disco" --set eval.n=300 --set eval.curvature_points=100 --set sample.steps=20
for f in metrics.json curvature_vs_t.csv plots/samples.png plots/trajectories.png plots/curvature.png; do
  [ -s "$WORK/disco/$f" ] || fail "eval did not write $f"
done
grep -q '"w2":' "$WORK/disco/metrics.json" || fail "metrics.json lacks w2"
grep -q '"code_purity":' "$WORK/disco/metrics.json" || fail "metrics.json lacks code_purity"

# Sweeps: one metrics row per setting, with the true NFE (two passes per evaluation when cfg != 1).
expect_exit 0 "$DISCO" sample "$WORK/disco" --sweep cfg=0,1,2 --set eval.n=200 --set eval.curvature_points=50 --steps 10
[ "$(wc -l < "$WORK/disco/sweep_cfg.csv")" -eq 4 ] || fail "sweep_cfg.csv should have a header and 3 rows"
awk -F, 'NR==2 && $2!=38 {exit 1} NR==3 && $2!=19 {exit 1}' "$WORK/disco/sweep_cfg.csv" || fail "sweep NFE wrong"
[ -s "$WORK/disco/plots/sweep_cfg.png" ] || fail "no sweep plot"
for s in euler edm-stochastic restart ddpm dpm-solver-2m; do
  expect_exit 0 "$DISCO" sample "$WORK/disco" -n 20 --steps 6 --sampler "$s" --out "$WORK/$s"
  [ "$(wc -l < "$WORK/$s.csv")" -eq 21 ] || fail "sampler $s wrote the wrong number of samples"
done
expect_exit 2 "$DISCO" sample "$WORK/disco" --sweep foo=1

# The baseline is the same config with latent.m = 0.
expect_exit 0 "$DISCO" train "$EX" --out "$WORK/base" "${SMALL[@]}" --set latent.m=0
expect_output "plain diffusion baseline"
expect_exit 0 "$DISCO" sample "$WORK/base" -n 20 --steps 5 --out "$WORK/b"
awk -F, 'NR>1 && $3!="" {bad=1} END {exit bad}' "$WORK/b.csv" || fail "baseline CSV must have blank latents"
expect_exit 0 "$DISCO" eval "$WORK/base" --set eval.n=300 --set eval.curvature_points=100 --set sample.steps=20
expect_exit 0 "$DISCO" compare "$WORK/disco" "$WORK/base" --out "$WORK/cmp"
expect_output '\| w2 \|'
[ -s "$WORK/cmp/curvature_vs_t.png" ] || fail "compare did not plot curvature"
echo "ok"

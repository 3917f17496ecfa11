#!/usr/bin/env bash
# labels: browser
# `disco report` of an unconditional image DisCo-Diff run shows what its latents mean (issue: latents explained):
# the code-class table (tables/latent_classes.csv) and, per latent, the grid of samples sharing a code and the grid
# of one sample per code; the per-sample PNG folders under samples/ are not inlined. The page renders in headless
# Chromium with no console message and every image decoded. Skips without Chromium or Fashion-MNIST.
source "$(dirname "$0")/lib.sh"
set -e
chrome_or_skip
FM=/usr/share/datasets/fashion-mnist
[ -f "$FM/train-images-idx3-ubyte.gz" ] || { echo "SKIP: $FM is absent (apt install dataset-fashion-mnist)"; exit 0; }
EX="$DISCO_SOURCE/examples/image/fashion_mnist_uncond.toml"
"$DISCO" -q -j 1 train "$EX" --out "$WORK/run" --set data.n_train=500 --set model.channels=8 \
  --set model.channel_mult=[1,2] --set model.attn_resolutions=[14] --set model.latent_width=16 \
  --set model.encoder_width=16 --set model.encoder_layers=1 --set latent.m=2 --set latent.k=4 --set train.steps=30 \
  --set train.batch_size=16 --set train.log_every=10 --set prior.steps=20 --set prior.width=16 --set prior.layers=1 \
  >/dev/null
"$DISCO" -q -j 1 eval "$WORK/run" --set eval.n=40 --set eval.loss_n=60 --set eval.classifier_steps=40 \
  --set "eval.classifier_path=\"$WORK/classifier.pt\"" --set eval.shared_latents=1 --set sample.steps=3 >/dev/null
expect_exit 0 "$DISCO" report "$WORK/run" --out "$WORK/report/index.html"
html="$WORK/report/index.html"
self_contained "$html"
grep -q '<h2>Tables</h2>' "$html" || fail "no Tables section"
grep -q '<h3>tables/latent_classes.csv</h3>' "$html" || fail "the code-class table is missing"
grep -q '<th>latent</th><th>code</th><th>images</th>' "$html" || fail "the code-class table has no header row"
grep -q '<th>Ankle boot</th>' "$html" || fail "the table does not name the classes"
for j in 0 1; do
  for grid in code_samples code_images; do
    grep -q "<h3>plots/${grid}_latent$j.png</h3>" "$html" || fail "plots/${grid}_latent$j.png is not in the report"
  done
done
[ -f "$WORK/run/samples/eval_samples/000000.png" ] || fail "eval wrote no per-sample PNGs"
if grep -q 'eval_samples/0000' "$html"; then fail "per-sample PNGs were inlined"; fi
check_report_renders "$html"
echo "ok"

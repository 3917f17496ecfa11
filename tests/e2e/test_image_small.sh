#!/usr/bin/env bash
# The image domain end to end on a Fashion-MNIST subset: train a tiny DisCo-Diff for a few hundred steps, sample
# PNG grids (prior, fixed latents, one class), evaluate FD-FashionMNIST with a freshly trained classifier, and
# the m = 0 baseline through the same commands. Skipped when the dataset package is absent.
source "$(dirname "$0")/lib.sh"
set -e
FM=/usr/share/datasets/fashion-mnist
[ -f "$FM/train-images-idx3-ubyte.gz" ] || { echo "SKIP: $FM is absent (apt install dataset-fashion-mnist)"; exit 0; }
EX="$DISCO_SOURCE/examples/image/fashion_mnist.toml"
TINY=(--set data.n_train=1000 --set model.channels=8 --set model.channel_mult=[1,2] --set model.attn_resolutions=[14]
      --set model.latent_width=16 --set model.encoder_width=16 --set model.encoder_layers=1 --set latent.m=2
      --set latent.k=4 --set train.steps=150 --set train.batch_size=32 --set train.log_every=50
      --set train.checkpoint_every=100 --set prior.steps=50 --set prior.width=16 --set prior.layers=1
      --set eval.n=100 --set eval.loss_n=100 --set eval.classifier_steps=120 --set eval.shared_latents=2
      --set "eval.classifier_path=\"$WORK/classifier.pt\"" --set sample.steps=6)
expect_exit 0 "$DISCO" -j 1 train "$EX" --out "$WORK/disco" "${TINY[@]}"
expect_output "codes in use"

expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 20 --out "$WORK/grid"
[ -s "$WORK/grid.png" ] || fail "no PNG grid"
head -c 8 "$WORK/grid.png" | grep -q PNG || fail "grid.png is not a PNG"
[ "$(wc -l < "$WORK/grid.csv")" -eq 21 ] || fail "expected 20 rows in grid.csv"
head -1 "$WORK/grid.csv" | grep -q '^index,label,z0,z1$' || fail "bad CSV header"
# Fixed latents: every sample carries them; one class: every label is 3.
expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 10 --latents 1,3 --out "$WORK/fixed"
awk -F, 'NR>1 && ($3!=1 || $4!=3) {bad=1} END {exit bad}' "$WORK/fixed.csv" || fail "fixed latents not used"
expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 8 --class 3 --out "$WORK/class3"
awk -F, 'NR>1 && $2!=3 {bad=1} END {exit bad}' "$WORK/class3.csv" || fail "sample.class not used"
expect_exit 2 "$DISCO" sample "$WORK/disco" -n 4 --set sample.class=12 --out "$WORK/bad"
expect_output "sample.class must be < 10"

expect_exit 0 "$DISCO" -j 1 eval "$WORK/disco" --set sample.steps=6 --set eval.n=100
for key in fd_fashion_mnist fd_fashion_mnist_train_test_floor classifier_test_accuracy class_accuracy_mean \
           latent_codes_in_use latent_perplexity latent_mean_max_prob loss_encoded_sigma1 loss_null_sigma1; do
  grep -q "\"$key\":" "$WORK/disco/metrics.json" || fail "metrics.json lacks $key"
done
[ -s "$WORK/classifier.pt" ] || fail "the FD classifier was not cached"
[ -s "$WORK/disco/plots/shared_latents.png" ] && [ -s "$WORK/disco/samples/eval_samples.png" ] || fail "eval PNGs missing"
# The FD is a finite positive number and the classifier learnt something (10 classes: chance is 0.1).
awk -F': ' '/"fd_fashion_mnist"/ {v=$2+0; if (!(v > 0 && v < 1e6)) exit 1}' "$WORK/disco/metrics.json" || fail "bad FD"
awk -F': ' '/"classifier_test_accuracy"/ {v=$2+0; if (!(v > 0.5)) exit 1}' "$WORK/disco/metrics.json" || fail "classifier accuracy <= 0.5"

# The baseline: the same U-Net with latent.m = 0, evaluated with the cached classifier.
expect_exit 0 "$DISCO" -j 1 train "$EX" --out "$WORK/base" "${TINY[@]}" --set latent.m=0 --set train.steps=30
expect_output "plain diffusion baseline"
expect_exit 0 "$DISCO" -j 1 eval "$WORK/base" --set sample.steps=6 --set eval.n=100
expect_output "FD classifier loaded"
grep -q '"loss_sigma1":' "$WORK/base/metrics.json" || fail "baseline metrics.json lacks loss_sigma1"
echo "ok"

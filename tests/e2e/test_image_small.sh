#!/usr/bin/env bash
# The image domain end to end on a Fashion-MNIST subset: train a tiny DisCo-Diff for a few hundred steps, sample
# PNG grids (prior, fixed latents, one class) and every image as a PNG folder and an .npz that numpy reads,
# evaluate FD-FashionMNIST with a freshly trained classifier (prior-sampled and encoded latents, the prior's NLL,
# the code-class table and code grids), and the m = 0 baseline through the same commands. Skipped when the
# dataset package is absent.
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
# Every image for external scorers: grid/000000.png ... and grid.npz, the same pixels, labels and latents as the CSV.
expect_output "$WORK/grid.npz"
check_npz() {  # STEM N: numpy reads STEM.npz, equal to STEM/*.png and STEM.csv
  local rc=0
  [ -x /usr/bin/python3 ] || { echo "SKIP npz check: no /usr/bin/python3"; return 0; }
  /usr/bin/python3 "$DISCO_SOURCE/tests/e2e/npz_matches_pngs.py" "$1" "$2" 28 28 1 > "$WORK/npz.out" 2>&1 || rc=$?
  if [ "$rc" -eq 77 ]; then echo "SKIP npz check: $(cat "$WORK/npz.out")"; return 0; fi
  [ "$rc" -eq 0 ] || fail "$1.npz: $(cat "$WORK/npz.out")"
}
check_npz "$WORK/grid" 20
# Fewer samples to the same stem: the folder is replaced, not topped up.
expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 3 --steps 2 --out "$WORK/grid"
check_npz "$WORK/grid" 3
expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 2 --steps 2 --out "$WORK/gridonly" --set sample.all_images=false
[ -s "$WORK/gridonly.png" ] && [ ! -e "$WORK/gridonly.npz" ] && [ ! -e "$WORK/gridonly" ] || fail "sample.all_images=false"
# Fixed latents: every sample carries them; one class: every label is 3.
expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 10 --latents 1,3 --out "$WORK/fixed"
awk -F, 'NR>1 && ($3!=1 || $4!=3) {bad=1} END {exit bad}' "$WORK/fixed.csv" || fail "fixed latents not used"
check_npz "$WORK/fixed" 10
expect_exit 0 "$DISCO" -j 1 sample "$WORK/disco" -n 8 --class 3 --out "$WORK/class3"
awk -F, 'NR>1 && $2!=3 {bad=1} END {exit bad}' "$WORK/class3.csv" || fail "sample.class not used"
expect_exit 2 "$DISCO" sample "$WORK/disco" -n 4 --set sample.class=12 --out "$WORK/bad"
expect_output "sample.class must be < 10"

expect_exit 0 "$DISCO" -j 1 eval "$WORK/disco" --set sample.steps=6 --set eval.n=100 --set eval.fd_train_latents=true
for key in fd_fashion_mnist fd_fashion_mnist_encoded_latents fd_fashion_mnist_train_latents fd_fashion_mnist_train_test_floor \
           fd_fashion_mnist_vs_train \
           classifier_test_accuracy class_accuracy_mean latent_codes_in_use latent_perplexity latent_mean_max_prob \
           latent_class_mutual_info latent_tuple_class_mutual_info prior_nll_test prior_nll_uniform \
           loss_encoded_sigma1 loss_null_sigma1; do
  grep -q "\"$key\":" "$WORK/disco/metrics.json" || fail "metrics.json lacks $key"
done
value() { awk -F': ' -v k="\"$1\"" '$1 ~ k {gsub(/[ ,]/, "", $2); print $2}' "$WORK/disco/metrics.json"; }
awk -v v="$(value fd_fashion_mnist_encoded_latents)" 'BEGIN { exit !(v > 0 && v < 1e6) }' || fail "bad encoded-latents FD"
# m = 2, k = 4: a uniform prior scores 2 ln 4 nats; the trained prior's NLL is a positive finite number.
awk -v v="$(value prior_nll_uniform)" 'BEGIN { exit !(v > 2.772 && v < 2.773) }' || fail "prior_nll_uniform != 2 ln 4"
awk -v v="$(value prior_nll_test)" 'BEGIN { exit !(v > 0 && v < 20) }' || fail "bad prior_nll_test"
[ -s "$WORK/disco/samples/eval_samples_encoded_latents.png" ] || fail "no grid of the encoded-latent samples"
# Class-conditional: the encoded-latent samples carry their test images' labels, not the classes in turn.
awk -F, 'NR>1 && $2 != (NR-2)%10 {other=1} END {exit !other}' "$WORK/disco/samples/eval_samples_encoded_latents.csv" \
  || fail "the encoded-latent samples were not given their test images' labels"
awk -v v="$(value fd_fashion_mnist_vs_train)" -v t="$(value fd_fashion_mnist)" 'BEGIN { exit !(v > 0 && v < 1e6 && v != t) }' \
  || fail "bad FD against training images"
# The ideal-prior samples: latents (and labels) of random training images.
awk -v v="$(value fd_fashion_mnist_train_latents)" 'BEGIN { exit !(v > 0 && v < 1e6) }' || fail "bad train-latents FD"
awk -F, 'NR>1 && $2 != (NR-2)%10 {other=1} END {exit !other}' "$WORK/disco/samples/eval_samples_train_latents.csv" \
  || fail "the train-latent samples were not given their training images' labels"
[ -f "$WORK/disco/samples/eval_samples/000099.png" ] && [ -s "$WORK/disco/samples/eval_samples.npz" ] \
  || fail "eval did not write every sample"
# The code-class table: per latent, its codes' images add up to the eval.loss_n test images, and each row's class
# counts add up to its images.
t="$WORK/disco/tables/latent_classes.csv"
head -1 "$t" | grep -q '^latent,code,images,share,top_class,top_class_share,T-shirt/top,' || fail "bad table header"
for j in 0 1; do
  [ "$(awk -F, -v j=$j 'NR>1 && $1==j {s+=$3} END {print s}' "$t")" -eq 100 ] || fail "latent $j: images do not add up to 100"
done
awk -F, 'NR>1 {s=0; for (i=7; i<=NF; i++) s+=$i; if (s!=$3) bad=1} END {exit bad}' "$t" || fail "class counts != images"
for f in code_samples_latent0 code_samples_latent1 code_images_latent0 code_images_latent1; do
  [ -s "$WORK/disco/plots/$f.png" ] || fail "plots/$f.png missing"
done
[ -s "$WORK/classifier.pt" ] || fail "the FD classifier was not cached"
[ -s "$WORK/disco/plots/shared_latents.png" ] && [ -s "$WORK/disco/samples/eval_samples.png" ] || fail "eval PNGs missing"
# The FD is a finite positive number and the classifier learnt something (10 classes: chance is 0.1).
awk -F': ' '/"fd_fashion_mnist"/ {v=$2+0; if (!(v > 0 && v < 1e6)) exit 1}' "$WORK/disco/metrics.json" || fail "bad FD"
awk -F': ' '/"classifier_test_accuracy"/ {v=$2+0; if (!(v > 0.5)) exit 1}' "$WORK/disco/metrics.json" || fail "classifier accuracy <= 0.5"

# The baseline: the same U-Net with latent.m = 0, evaluated with the cached classifier.
expect_exit 0 "$DISCO" -j 1 train "$EX" --out "$WORK/base" "${TINY[@]}" --set latent.m=0 --set train.steps=30
expect_output "plain diffusion baseline"
expect_exit 0 "$DISCO" -j 1 eval "$WORK/base" --set sample.steps=6 --set eval.n=100 --set eval.fd_train_latents=true
expect_output "FD classifier loaded"
grep -q '"loss_sigma1":' "$WORK/base/metrics.json" || fail "baseline metrics.json lacks loss_sigma1"
if grep -q 'encoded_latents\|train_latents\|prior_nll' "$WORK/base/metrics.json"; then fail "the baseline has no latents to encode"; fi
[ ! -e "$WORK/base/tables" ] || fail "the baseline has no code table"
echo "ok"

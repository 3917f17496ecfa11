#!/usr/bin/env bash
# An image run with random flips (data.hflip) resumed from a mid-training checkpoint ends with the same weights
# as an uninterrupted one: the flips of each step come from (seed, stage, step), not from a generator that a
# restart would reset (Fashion-MNIST in memory here; the streamed folder uses the same RandomFlips). Skipped when
# the dataset package is absent.
source "$(dirname "$0")/lib.sh"
set -e
FM=/usr/share/datasets/fashion-mnist
[ -f "$FM/train-images-idx3-ubyte.gz" ] || { echo "SKIP: $FM is absent (apt install dataset-fashion-mnist)"; exit 0; }
EX="$DISCO_SOURCE/examples/image/fashion_mnist.toml"
TINY=(--set data.n_train=256 --set data.hflip=true --set model.channels=8 --set model.channel_mult=[1,2]
      --set model.attn_resolutions=[] --set model.latent_width=16 --set model.encoder_width=16
      --set model.encoder_layers=1 --set latent.m=2 --set latent.k=4 --set train.steps=40 --set train.batch_size=16
      --set train.log_every=10 --set train.checkpoint_every=20 --set train.keep_checkpoints=10 --set prior.steps=10
      --set prior.width=16 --set prior.layers=1)
digests() { "$DISCO" inspect "$1" 2>&1 | grep -E "^(denoiser|ema|encoder|prior) "; }
expect_exit 0 "$DISCO" -j 1 train "$EX" --out "$WORK/full" "${TINY[@]}"
mkdir -p "$WORK/cut/checkpoints"
cp "$WORK/full/checkpoints/ckpt-s1-000000020.pt" "$WORK/cut/checkpoints/"
expect_exit 0 "$DISCO" -j 1 train "$EX" --out "$WORK/cut" "${TINY[@]}" --resume
expect_output "resumed from .*ckpt-s1-000000020.pt"
full=$(digests "$WORK/full")
[ -n "$full" ] || fail "disco inspect printed no digests"
[ "$full" = "$(digests "$WORK/cut")" ] || fail "the resumed run's weights differ: $(digests "$WORK/cut") vs $full"
echo "ok"

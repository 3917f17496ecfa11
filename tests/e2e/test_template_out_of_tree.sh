#!/usr/bin/env bash
# The plugin template (plugins/template, domain signal1d) builds out of tree against an installed disco:
# install to a temp prefix, configure plugins/template on its own with find_package(disco) + disco_add_plugin(),
# build it, load it with --plugin-path, then train and sample a few steps with it.
source "$(dirname "$0")/lib.sh"
set -e
: "${DISCO_BUILD_DIR:?}"
cmake --install "$DISCO_BUILD_DIR" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "install failed"; }
D="$WORK/prefix/bin/disco"
[ -x "$D" ] || fail "disco not installed"

cmake -S "$DISCO_SOURCE/plugins/template" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$WORK/prefix" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "configure failed"; }
cmake --build "$WORK/build" >>"$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; fail "build failed"; }
PLUGIN="$WORK/build/plugins/libdisco_signal1d.so"
[ -f "$PLUGIN" ] || fail "the out-of-tree build did not write $PLUGIN"

# --plugin-path is searched first: its signal1d loads, and the copy the in-tree build installed into the prefix
# is then refused as a duplicate, naming the one that won.
expect_exit 0 "$D" plugins --plugin-path "$WORK/build/plugins"
grep -A1 -E '^loaded +signal1d' "$WORK/out" | grep -qF "$PLUGIN" || { cat "$WORK/out"; fail "signal1d was not loaded from $PLUGIN"; }
if [ -e "$WORK/prefix/lib/disco/plugins/libdisco_signal1d.so" ]; then
  expect_output "plugin 'signal1d' already loaded from $PLUGIN"
fi
expect_output '^loaded +toy2d'

# The schema travels inside the plugin.
expect_exit 0 "$D" --plugin-path "$WORK/build/plugins" config explain signal1d
expect_output 'data.frequencies'

# Train both stages and sample, a few steps of each, with the out-of-tree plugin.
EX="$DISCO_SOURCE/plugins/template/example.toml"
TINY=(--set train.steps=20 --set train.batch_size=16 --set train.log_every=10 --set train.checkpoint_every=10
      --set prior.steps=10 --set prior.batch_size=16 --set data.n_train=64)
expect_exit 0 "$D" -j 2 --plugin-path "$WORK/build/plugins" train "$EX" --out "$WORK/run" "${TINY[@]}"
expect_output "codes in use"
ls "$WORK/run/checkpoints" | grep -q 'ckpt-s3-' || fail "no final checkpoint"
expect_exit 0 "$D" --plugin-path "$WORK/build/plugins" sample "$WORK/run" -n 6 --steps 4 --latents 2 --out "$WORK/s"
[ -s "$WORK/s.png" ] || fail "sample did not plot $WORK/s.png"
head -1 "$WORK/s.csv" | grep -q '^x0,x1,.*,x63,latent$' || fail "bad CSV header: $(head -c 80 "$WORK/s.csv")"
[ "$(wc -l < "$WORK/s.csv")" -eq 7 ] || fail "expected 6 signals"
awk -F, 'NR > 1 && (NF != 65 || $65 != 2) { bad = 1 } END { exit bad }' "$WORK/s.csv" || fail "fixed latent not used"
expect_exit 0 "$D" --plugin-path "$WORK/build/plugins" sample "$WORK/run" -n 5 --steps 4 --out "$WORK/prior"
[ "$(wc -l < "$WORK/prior.csv")" -eq 6 ] || fail "expected 5 signals sampled with the prior"
echo "ok"

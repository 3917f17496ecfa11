#!/usr/bin/env bash
# labels: browser
# `disco report` of a DisCo-Diff run and its baseline renders in headless Chromium: no console messages
# (the page logs any image that fails to decode, and scripts errors show up there too), every image decoded,
# and the screenshot has content. Skips when Chromium is absent (scripts/test.sh installs it).
source "$(dirname "$0")/lib.sh"
set -e
chrome_or_skip
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
for m in 1 0; do
  "$DISCO" -q -j 1 train "$EX" --out "$WORK/m$m" --set train.steps=60 --set prior.steps=20 --set latent.m=$m \
    --set train.log_every=10 >/dev/null
  "$DISCO" -q -j 1 eval "$WORK/m$m" --set eval.n=300 >/dev/null
done
expect_exit 0 "$DISCO" report "$WORK/m1" "$WORK/m0" --out "$WORK/report/index.html"
html="$WORK/report/index.html"
[ -s "$html" ] || fail "no report written"
self_contained "$html"  # nothing is fetched from anywhere
[ "$(grep -o '<img ' "$html" | wc -l)" -ge 5 ] || fail "expected the training curves and the runs' plots as images"
grep -q "w2_data_floor" "$html" || fail "metric table missing"

check_report_renders "$html"
[ -z "${DISCO_REPORT_SHOT:-}" ] || cp "$WORK/shot.png" "$DISCO_REPORT_SHOT"
echo "ok"

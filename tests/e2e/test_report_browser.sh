#!/usr/bin/env bash
# labels: browser
# `disco report` of a DisCo-Diff run and its baseline renders in headless Chromium: no console messages
# (the page logs any image that fails to decode, and scripts errors show up there too), every image decoded,
# and the screenshot has content. Skips when Chromium is absent (scripts/test.sh installs it).
source "$(dirname "$0")/lib.sh"
set -e
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then echo "SKIP: no chromium on PATH (apt install chromium)"; exit 0; fi
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
for m in 1 0; do
  "$DISCO" -q -j 1 train "$EX" --out "$WORK/m$m" --set train.steps=60 --set prior.steps=20 --set latent.m=$m \
    --set train.log_every=10 >/dev/null
  "$DISCO" -q -j 1 eval "$WORK/m$m" --set eval.n=300 >/dev/null
done
expect_exit 0 "$DISCO" report "$WORK/m1" "$WORK/m0" --out "$WORK/report/index.html"
html="$WORK/report/index.html"
[ -s "$html" ] || fail "no report written"
# Self-contained: nothing is fetched from anywhere.
if grep -Eo '(src|href)="[^"]*"' "$html" | grep -v '"data:' | grep -q .; then
  fail "the report references external files: $(grep -Eo '(src|href)="[^"]*"' "$html" | grep -v '"data:' | head -3)"
fi
[ "$(grep -o '<img ' "$html" | wc -l)" -ge 5 ] || fail "expected the training curves and the runs' plots as images"
grep -q "w2_data_floor" "$html" || fail "metric table missing"

flags=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --log-level=0
       --user-data-dir="$WORK/chrome-profile" --window-size=1400,2400)
timeout 120 "$CHROME" "${flags[@]}" --dump-dom "file://$html" >"$WORK/dom.html" 2>"$WORK/chrome.log" \
  || { tail -20 "$WORK/chrome.log"; fail "chromium failed on --dump-dom"; }
timeout 120 "$CHROME" "${flags[@]}" --screenshot="$WORK/shot.png" "file://$html" >/dev/null 2>>"$WORK/chrome.log" \
  || { tail -20 "$WORK/chrome.log"; fail "chromium failed on --screenshot"; }
if grep -q "CONSOLE" "$WORK/chrome.log"; then grep "CONSOLE" "$WORK/chrome.log" >&2; fail "console messages"; fi
grep -q 'data-images-ok="yes"' "$WORK/dom.html" || fail "not every image decoded (data-images-ok missing or 'no')"
ink=$(/usr/bin/python3 "$DISCO_SOURCE/tests/e2e/png_nonblank.py" "$WORK/shot.png")
echo "screenshot: $ink of pixels not white"
awk -v v="$ink" 'BEGIN { exit !(v > 0.02) }' || fail "screenshot is (almost) blank: $ink"
[ -z "${DISCO_REPORT_SHOT:-}" ] || cp "$WORK/shot.png" "$DISCO_REPORT_SHOT"
echo "ok"

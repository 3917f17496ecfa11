#!/usr/bin/env bash
# labels: browser
# `disco report` of a docking run (DisCo-DiffDock on one real complex from tests/data, a few steps) and its m = 0
# twin renders in headless Chromium: no console messages, and every 3-D view (3Dmol.js embedded in the page,
# WebGL through SwiftShader) drew something: the page sets data-mol-ink to the smallest fraction of
# non-background pixels over its viewers. Skips when Chromium or the docking plugin is absent.
source "$(dirname "$0")/lib.sh"
set -e
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then echo "SKIP: no chromium on PATH (apt install chromium)"; exit 0; fi
PLUGIN="${DISCO_BUILD_DIR:-}/lib/disco/plugins/libdisco_docking.so"
if [ ! -f "$PLUGIN" ]; then echo "SKIP: the docking plugin is not built"; exit 0; fi
cat > "$WORK/dock.toml" <<TOML
domain = "docking"
threads = 1
[data]
root = "$DISCO_SOURCE/tests/data/docking/complexes"
limit = 1
[pose]
translation_sigma_max = 5.0
[latent]
k = 64
hard = true
TOML
for m in 2 0; do
  "$DISCO" -q train "$WORK/dock.toml" --out "$WORK/m$m" --set latent.m=$m --set train.steps=10 --set train.batch_size=2 \
    --set prior.steps=2 --set prior.batch_size=2 --set train.log_every=5 >/dev/null
  "$DISCO" -q eval "$WORK/m$m" --set dock.samples=4 --set dock.steps=3 >/dev/null
done
expect_exit 0 "$DISCO" report "$WORK/m2" "$WORK/m0" --out "$WORK/report/index.html"
html="$WORK/report/index.html"
grep -q '<h2>Docked poses</h2>' "$html" || fail "no docking section"
[ "$(grep -o 'class=disco-mol' "$html" | wc -l)" -eq 2 ] || fail "expected one 3-D view per run"
grep -q 'this run has no confidence model' "$html" || fail "the page must say what the ranking is"
if grep -Eo '(src|href)="[^"]*"' "$html" | grep -v '"data:' | grep -q .; then fail "the report references external files"; fi

flags=(--headless=new --no-sandbox --hide-scrollbars --enable-logging=stderr --log-level=0
       --use-gl=angle --use-angle=swiftshader --enable-unsafe-swiftshader --virtual-time-budget=10000
       --user-data-dir="$WORK/chrome-profile" --window-size=1400,2400)
timeout 180 "$CHROME" "${flags[@]}" --dump-dom "file://$html" >"$WORK/dom.html" 2>"$WORK/chrome.log" \
  || { tail -20 "$WORK/chrome.log"; fail "chromium failed on --dump-dom"; }
if grep -q "CONSOLE" "$WORK/chrome.log"; then grep "CONSOLE" "$WORK/chrome.log" >&2; fail "console messages"; fi
ink=$(grep -o 'data-mol-ink="[^"]*"' "$WORK/dom.html" | cut -d'"' -f2)
echo "3-D views: smallest non-background fraction $ink"
[ -n "$ink" ] || fail "the 3-D views did not report (data-mol-ink missing)"
awk -v v="$ink" 'BEGIN { exit !(v + 0 > 0.02) }' || fail "a 3-D view is (almost) blank: $ink"
echo "ok"

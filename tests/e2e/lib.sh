# Shared helpers for the end-to-end tests (sourced, not a test itself).
set -u
: "${DISCO:?DISCO must point at the disco binary}"
: "${DISCO_SOURCE:?DISCO_SOURCE must point at the source tree}"
WORK=$(mktemp -d)
# A test that fails while a disco it started in the background still runs must not leave it running.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_exit CODE CMD...: runs CMD, keeps stdout+stderr in $WORK/out, checks the exit code.
expect_exit() {
  local want=$1; shift
  set +e; "$@" >"$WORK/out" 2>&1; local got=$?; set -e
  [ "$got" -eq "$want" ] || { cat "$WORK/out" >&2; fail "expected exit $want, got $got: $*"; }
}
expect_output() { grep -qE -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "output lacks /$1/"; }; }

# chrome_or_skip: sets CHROME to a Chromium on PATH, or ends the test with SKIP (scripts/test.sh installs it).
chrome_or_skip() {
  CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  if [ -z "$CHROME" ]; then echo "SKIP: no chromium on PATH (apt install chromium)"; exit 0; fi
}
# check_report_renders HTML: renders a `disco report` page in headless Chromium ($WORK/dom.html, $WORK/shot.png)
# and fails on any console message (the page logs images that fail to decode), an image that did not decode,
# or an (almost) blank screenshot.
check_report_renders() {
  local html=$1 ink
  local flags=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --log-level=0
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
}
# self_contained HTML: fails when the page references any file or address instead of inlining it.
self_contained() {
  if grep -Eo '(src|href)="[^"]*"' "$1" | grep -v '"data:' | grep -q .; then
    fail "the report references external files: $(grep -Eo '(src|href)="[^"]*"' "$1" | grep -v '"data:' | head -3)"
  fi
}

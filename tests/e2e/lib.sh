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

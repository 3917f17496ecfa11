#!/usr/bin/env bash
# Installs what is missing, builds, and runs the test suite (labels unit + e2e; `slow` tests are excluded
# unless --all is given).
#   scripts/test.sh              default suite
#   scripts/test.sh --all        everything, slow tests included
#   scripts/test.sh --sanitize   the default suite built with AddressSanitizer + UBSan, in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=0
SANITIZE=0
for a in "$@"; do
  case "$a" in
    --all) ALL=1 ;;
    --sanitize) SANITIZE=1 ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/test.sh [--all] [--sanitize]" >&2; exit 2 ;;
  esac
done
# chromium: the `browser` test renders `disco report` headless; dataset-fashion-mnist: the image conformance check
# and bench/run.sh --quick train on it; autodock-vina: the docking score is checked against `vina --score_only`
scripts/install_deps.sh chromium dataset-fashion-mnist autodock-vina
if [ "$SANITIZE" -eq 1 ]; then
  export DISCO_BUILD_DIR=${DISCO_BUILD_DIR:-build-asan}
  # Debug keeps frames readable; docking needs RDKit/Open Babel, which are not instrumented either way.
  DISCO_BUILD_TYPE=${DISCO_BUILD_TYPE:-RelWithDebInfo} scripts/build.sh -DDISCO_SANITIZE=ON
  SUPP="$PWD/tests/sanitizers"
  # LibTorch itself is not instrumented: its container overflow annotations and one-definition checks would
  # flag its own code, so those two checks are off. Everything else (heap overflows, use-after-free, leaks,
  # undefined behaviour) stops the test.
  export ASAN_OPTIONS="detect_leaks=1:detect_container_overflow=0:detect_odr_violation=0:abort_on_error=0:exitcode=86"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$SUPP/ubsan.supp"
else
  scripts/build.sh
fi
BUILD_DIR=${DISCO_BUILD_DIR:-build}
if [ "$ALL" -eq 1 ]; then
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2
else
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 -LE 'slow|gpu'
fi

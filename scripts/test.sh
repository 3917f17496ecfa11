#!/usr/bin/env bash
# Installs what is missing, builds, and runs the test suite (labels unit + e2e; `slow` tests are excluded
# unless --all is given).
#   scripts/test.sh            default suite
#   scripts/test.sh --all      everything, slow tests included
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=0
for a in "$@"; do
  case "$a" in
    --all) ALL=1 ;;
    *) echo "usage: scripts/test.sh [--all]" >&2; exit 2 ;;
  esac
done
scripts/install_deps.sh
scripts/build.sh
BUILD_DIR=${DISCO_BUILD_DIR:-build}
if [ "$ALL" -eq 1 ]; then
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2
else
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 -LE 'slow|gpu'
fi

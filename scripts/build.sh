#!/usr/bin/env bash
# Configures and builds disco into build/ (Release, Ninja, ccache when present). Extra arguments go to cmake,
# e.g. scripts/build.sh -DCMAKE_PREFIX_PATH=/opt/libtorch for a CUDA LibTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${DISCO_BUILD_DIR:-build}
JOBS=${DISCO_BUILD_JOBS:-$(nproc)}
# ccache keys on absolute paths unless told the tree's root: with it, two clones of disco share their cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${DISCO_BUILD_TYPE:-Release} "$@" >&2
cmake --build "$BUILD_DIR" -j "$JOBS" >&2

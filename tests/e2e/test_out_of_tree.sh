#!/usr/bin/env bash
# `cmake --install` gives an SDK: an out-of-tree plugin configures with find_package(disco), builds with
# disco_add_plugin(), and the installed disco loads it with --plugin-path and runs the command it adds.
source "$(dirname "$0")/lib.sh"
set -e
: "${DISCO_BUILD_DIR:?}"
cmake --install "$DISCO_BUILD_DIR" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "install failed"; }
[ -x "$WORK/prefix/bin/disco" ] || fail "disco not installed"
ls "$WORK/prefix/lib/disco/plugins/libdisco_toy2d.so" >/dev/null || fail "toy2d plugin not installed"
[ ! -e "$WORK/prefix/lib/disco/plugins/libdisco_abi_mismatch.so" ] || fail "test plugins must not be installed"
cmake -S "$DISCO_SOURCE/tests/out_of_tree" -B "$WORK/oot" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$WORK/prefix" >"$WORK/oot.log" 2>&1 || { cat "$WORK/oot.log"; fail "configure failed"; }
cmake --build "$WORK/oot" >>"$WORK/oot.log" 2>&1 || { cat "$WORK/oot.log"; fail "build failed"; }
expect_exit 0 "$WORK/prefix/bin/disco" plugins --plugin-path "$WORK/oot/plugins"
expect_output '^loaded +out_of_tree'
expect_output '^loaded +toy2d'
expect_output 'samplers: .*euler-out-of-tree'
# A command added through the Registry the plugin was handed.
expect_exit 0 "$WORK/prefix/bin/disco" --plugin-path "$WORK/oot/plugins" out-of-tree echo first second
expect_output '^second$'
[ ! -e "$WORK/prefix/include/disco/host" ] || fail "the host's headers must not be installed with the SDK"
echo "ok"

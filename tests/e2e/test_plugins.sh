#!/usr/bin/env bash
# `disco plugins` lists toy2d as loaded; deliberately broken plugins are refused by name, with both
# versions named, and the good plugins still load.
source "$(dirname "$0")/lib.sh"
set -e
expect_exit 0 "$DISCO" plugins
expect_output '^loaded +toy2d'
expect_output 'samplers: .*heun'

expect_exit 0 "$DISCO" plugins --plugin-path "$DISCO_BAD_PLUGINS"
expect_output '^loaded +toy2d'
expect_output 'abi_mismatch +incompatible plugin ABI version \(plugin: 999, host: [0-9]+\)'
expect_output 'torch_mismatch +incompatible LibTorch version \(plugin: 0\.0\.1-fake, host: [0-9]'
expect_output 'throws_on_register +registration failed: this test plugin always fails to register'
expect_output "libdisco_no_entry.so"
expect_output "no 'disco_plugin_descriptor' entry symbol"

# A run that needs a refused plugin exits 3 and says why, naming both versions.
cat > "$WORK/abi.toml" <<'TOML'
domain = "abi_mismatch"
TOML
expect_exit 3 "$DISCO" --plugin-path "$DISCO_BAD_PLUGINS" config check "$WORK/abi.toml"
expect_output "domain 'abi_mismatch' is not available: .*plugin: 999, host: [0-9]+"
[ "$(wc -l < "$WORK/out")" -eq 1 ] || fail "expected a one-line error"

# DISCO_PLUGIN_PATH is searched too.
DISCO_PLUGIN_PATH="$DISCO_BAD_PLUGINS" expect_exit 0 "$DISCO" plugins
expect_output 'torch_mismatch'
echo "ok"

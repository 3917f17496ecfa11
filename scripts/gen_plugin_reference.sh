#!/usr/bin/env bash
# Writes the plugin interface reference (default: docs/plugin-reference.md) from the SDK headers
# core/include/disco/*.h and those of the plotting library, plot/include/disco/*.h: for each header, its leading
# comment and its declarations (classes, structs, free functions, constants, macros), without includes,
# namespace lines and private sections. The host's headers (core/include/disco/host/) are not part of it.
# Usage: scripts/gen_plugin_reference.sh [OUT_FILE]     (scripts/gen_docs.sh calls it; a CTest checks the result)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/docs/plugin-reference.md}
export LC_ALL=C
HEADERS=("$ROOT"/core/include/disco/*.h "$ROOT"/plot/include/disco/*.h)

{
  echo "# Plugin interface reference"
  echo
  echo "Generated from the plugin SDK, \`core/include/disco/*.h\`, and the plotting library's \`plot/include/disco/*.h\`"
  echo "(link \`disco_plot\` to use those) by \`scripts/gen_plugin_reference.sh\` (run \`scripts/gen_docs.sh\` after"
  echo "changing a public header; a test fails while this file is stale). Each section is one header: its leading"
  echo "comment, then its public declarations. The tutorial is [plugins.md](plugins.md)."
  echo
  echo "| header | what it is |"
  echo "|---|---|"
  for h in "${HEADERS[@]}"; do
    name=$(basename "$h")
    # The first sentence of the leading comment ("Sec. 3", "Eq. 3", "et al." do not end one).
    summary=$(awk '/^\/\// { sub(/^\/\/ ?/, ""); if ($0 == "") exit; printf "%s ", $0; next } { exit }' "$h" |
      perl -ne 'print $1 if /^(.*?(?<!Sec)(?<!Eq)(?<!Alg)(?<!App)(?<!al)(?<!e\.g)(?<!i\.e)[.](?= |$))/ or /^(.*?)\s*$/' |
      sed 's/|/\\|/g')
    echo "| [\`disco/$name\`](#disco${name//./}) | $summary |"
  done
  for h in "${HEADERS[@]}"; do
    name=$(basename "$h")
    echo
    echo "## disco/$name"
    echo
    echo '```cpp'
    awk '
      # Drop what a plugin author does not need: include guards and includes, namespace open/close lines,
      # and private sections (from " private:" up to the next access specifier or the end of the class).
      /^#pragma once/ || /^#include/ { next }
      /^namespace [A-Za-z_:]+ \{$/ || /^\} *\/\/ namespace/ { next }
      /^ *private:$/ { skipping = 1; pending = 0; next }
      skipping && (/^ *(public|protected):$/ || /^\};/) { skipping = 0 }
      skipping { next }
      /^$/ { if (!blank && printed) pending = 1; blank = 1; next }
      { if (pending) print ""; pending = 0; blank = 0; printed = 1; print }
    ' "$h"
    echo '```'
  done
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"

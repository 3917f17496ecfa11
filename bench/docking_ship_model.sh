#!/usr/bin/env bash
# bench/docking_ship_model.sh RUN [NAME]
#
# bench/ship_model.sh into models/docking/NAME/ (default disco-dsdp, the model `disco dock` uses without --model);
# `disco dock` checks the files against the SHA256SUMS written there. The data paths of the shipped config.toml
# that are absolute (bench/docking_shipped_train.sh trains with paths under ../runs) become the repository-relative
# ones of examples/docking/dsdp_shipped.toml, so that `disco eval models/docking/NAME` works from a clone's root
# once DSDP is unpacked into data/ as that example says.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: bench/docking_ship_model.sh RUN [NAME]}
DEST="models/docking/${2:-disco-dsdp}"
bench/ship_model.sh "$RUN" "$DEST"
/usr/bin/env python3 - "$DEST/config.toml" << 'EOF'
import re, sys
portable = {"root": "data/dsdp", "test_root": "data/dsdp", "cache_dir": "data/dsdp-cache",
            "train_split": "examples/docking/dsdp_split/train.txt",
            "test_split": "examples/docking/dsdp_split/validation.txt"}
path = sys.argv[1]
lines, section = [], ""
for line in open(path):
    m = re.match(r"\[(.+)\]", line)
    if m:
        section = m.group(1)
    m = re.match(r'(\w+) = "(/[^"]*)"', line)
    if section == "data" and m and m.group(1) in portable:
        line = f'{m.group(1)} = "{portable[m.group(1)]}"  # was {m.group(2)} in training\n'
    lines.append(line)
with open(path + ".tmp", "w") as f:
    f.writelines(lines)
import os
os.replace(path + ".tmp", path)
EOF
# the config changed: its checksum again (the file list stays what ship_model.sh wrote)
(cd "$DEST" && sha256sum $(awk '{print $2}' SHA256SUMS) > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
cat "$DEST/SHA256SUMS"

#!/usr/bin/env bash
# bench/docking_ship_model.sh RUN [NAME] [--set SECTION.KEY=VALUE ...]
#
# bench/ship_model.sh into models/docking/NAME/ (default disco-dsdp, the model `disco dock` uses without --model);
# `disco dock` checks the files against the SHA256SUMS written there. The data paths of the shipped config.toml
# that are absolute (bench/docking_shipped_train.sh trains with paths under ../runs) become the repository-relative
# ones of examples/docking/dsdp_shipped.toml, so that `disco eval models/docking/NAME` works from a clone's root
# once DSDP is unpacked into data/ as that example says. Each --set writes one key into the shipped config.toml
# (e.g. the sampler chosen on the validation split: --set dock.sharpen_temperature=0.5); VALUE is TOML as written.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/docking_ship_model.sh RUN [NAME] [--set SECTION.KEY=VALUE ...]"
RUN=${1:?$usage}; shift
NAME=disco-dsdp
if [ $# -gt 0 ] && [ "$1" != --set ]; then NAME=$1; shift; fi
SETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --set) [[ "${2:-}" =~ ^[a-z_]+\.[a-z_0-9]+=.+$ ]] || { echo "error: --set needs SECTION.KEY=VALUE, not '${2:-}'" >&2; exit 2; }
           SETS+=("$2"); shift ;;
    *) echo "error: unknown argument '$1' ($usage)" >&2; exit 2 ;;
  esac
  shift
done
DEST="models/docking/$NAME"
bench/ship_model.sh "$RUN" "$DEST"
/usr/bin/env python3 - "$DEST/config.toml" "${SETS[@]}" << 'EOF_PY'
import os, re, sys
portable = {"root": "data/dsdp", "test_root": "data/dsdp", "cache_dir": "data/dsdp-cache",
            "train_split": "examples/docking/dsdp_split/train.txt",
            "test_split": "examples/docking/dsdp_split/validation.txt"}
path, sets = sys.argv[1], {}
for item in sys.argv[2:]:
    key, value = item.split("=", 1)
    sets[tuple(key.split(".", 1))] = value
lines, section = [], ""
for line in open(path):
    m = re.match(r"\[(.+)\]", line)
    if m:
        section = m.group(1)
    m = re.match(r'(\w+) = "(/[^"]*)"', line)
    if section == "data" and m and m.group(1) in portable:
        line = f'{m.group(1)} = "{portable[m.group(1)]}"  # was {m.group(2)} in training\n'
    m = re.match(r"(\w+) = ", line)
    if m and (section, m.group(1)) in sets:
        line = f"{m.group(1)} = {sets.pop((section, m.group(1)))}  # set when shipped\n"
    lines.append(line)
for (section, key), value in sets.items():  # keys the config did not have: after their section's header
    header = f"[{section}]\n"
    if header not in lines:
        lines += ["\n", header]
    lines.insert(lines.index(header) + 1, f"{key} = {value}  # set when shipped\n")
with open(path + ".tmp", "w") as f:
    f.writelines(lines)
os.replace(path + ".tmp", path)
EOF_PY
# the config changed: its checksum again (the file list stays what ship_model.sh wrote)
(cd "$DEST" && sha256sum $(awk '{print $2}' SHA256SUMS) > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
cat "$DEST/SHA256SUMS"

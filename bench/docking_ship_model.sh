#!/usr/bin/env bash
# bench/docking_ship_model.sh RUN [NAME]
#
# bench/ship_model.sh into models/docking/NAME/ (default disco-dsdp, the model `disco dock` uses without --model);
# `disco dock` checks the files against the SHA256SUMS written there.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: bench/docking_ship_model.sh RUN [NAME]}
exec bench/ship_model.sh "$RUN" "models/docking/${2:-disco-dsdp}"

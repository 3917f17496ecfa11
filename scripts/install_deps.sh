#!/usr/bin/env bash
# Installs the Debian 12 packages disco needs, skipping those already present. Run as root (or with sudo).
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev python3-torch libopenblas0-openmp
  libboost-dev libboost-filesystem-dev
  libtomlplusplus-dev libfmt-dev libspdlog-dev libcli11-dev doctest-dev
  libpng-dev libstb-dev zlib1g-dev
  libgloo-dev
  librdkit-dev rdkit-data libopenbabel-dev openbabel
)
EXTRA=("$@")  # e.g. dataset-fashion-mnist autodock-vina chromium
missing=()
for p in "${PACKAGES[@]}" "${EXTRA[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install_deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

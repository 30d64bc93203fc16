#!/usr/bin/env bash
# Installs exactly the Debian 12 packages precis needs to build, run and test.
# Idempotent: packages already present are not touched, and nothing runs when all are there.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite reads outputs back with
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config git
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev
  libboost-mpi-dev libboost-serialization-dev libboost-math-dev
  libyaml-cpp-dev
  libhts-dev tabix
  libcli11-dev libeigen3-dev nlohmann-json3-dev
  libssl-dev
  catch2
)
test_pkgs=(
  bcftools bc
  python3 python3-h5py python3-anndata python3-numpy python3-scipy python3-sklearn
)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if (( ${#missing[@]} == 0 )); then
  echo "setup: all ${#want[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

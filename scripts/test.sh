#!/usr/bin/env bash
# Installs what precis and its tests need, builds it, and runs every test (unit, MPI, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/build.sh
source scripts/mpi-env.sh
cd build
ctest --output-on-failure -j 2 --timeout 900

#!/usr/bin/env bash
# Installs what precis and its tests need, builds it, and runs every test (unit, MPI, end-to-end, the bad-input
# corpus, the fuzz targets' seeds and regressions), then each libFuzzer target for 10 s (scripts/fuzz.sh).
#   scripts/test.sh              the optimised build (build/); what .ci/run runs
#   scripts/test.sh --sanitize   the ASan + UBSan build (build-asan/), every test but the real-Slurm one; any
#                                sanitizer report fails its test (about 10 + 11 minutes on two cores)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
source scripts/mpi-env.sh
if [[ "${1:-}" == "--sanitize" ]]; then
  bash scripts/build.sh --sanitize
  source tests/sanitizers/env.sh
  cd build-asan
  ctest --output-on-failure -j 2 --timeout 1800 -E "e2e: slurm"
else
  bash scripts/build.sh
  (cd build && ctest --output-on-failure -j 2 --timeout 900)
  bash scripts/fuzz.sh 10
fi

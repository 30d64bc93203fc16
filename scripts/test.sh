#!/usr/bin/env bash
# Installs what precis and its tests need, builds it, and runs every test: unit, MPI, end-to-end (the real Slurm
# one included), the bad-input and invalid-study corpora, the fuzz targets' seeds and regressions.
#   scripts/test.sh              under AddressSanitizer and UndefinedBehaviorSanitizer (clang, build-sanitize/,
#                                tests/sanitizers/env.sh: any report fails its test), then each libFuzzer target
#                                for 5 s (scripts/fuzz.sh); what .ci/run runs, 25-31 minutes on two cores
#   scripts/test.sh --optimised  the same tests on the optimised build users run (build/), about 11 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
source scripts/mpi-env.sh
if [[ "${1:-}" == "--optimised" ]]; then
  bash scripts/build.sh
  (cd build && ctest --output-on-failure -j 2 --timeout 1800)
else
  bash scripts/build.sh --sanitize
  (source tests/sanitizers/env.sh && cd build-sanitize && ctest --output-on-failure -j 2 --timeout 1800)
  bash scripts/fuzz.sh 5
fi

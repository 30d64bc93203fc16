#!/usr/bin/env bash
# Configures and builds precis (and its tests).
#   scripts/build.sh              optimised, with debug information (build/): what users run
#   scripts/build.sh --sanitize   clang with AddressSanitizer and UndefinedBehaviorSanitizer, -O1 and line tables
#                                 (build-sanitize/), warnings as errors: what the test suite runs under (scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--sanitize" ]]; then
  cmake -S . -B build-sanitize -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DPRECIS_SANITIZE=ON -DPRECIS_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" >/dev/null
  cmake --build build-sanitize -j "$(nproc)"
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc)"
fi

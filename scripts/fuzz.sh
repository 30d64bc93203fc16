#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, ASan + UBSan) and runs each for SECONDS (default 20) from
# the seeds of the test data. A crash, a leak, a sanitizer report or an input that runs over 10 s stops the target:
# the input is kept in build-fuzz/artifacts/NAME/ and the script exits 1. Copy such inputs into
# fuzz/regressions/NAME/ once fixed: ctest replays them in every build ("fuzz: NAME").
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --fuzz >/dev/null
secs=${1:-20}
shift || true
targets=("$@")
(( ${#targets[@]} )) || targets=(study options sheet proteome olink maxquant pgs journal vcf plink bgen)
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPRECIS_FUZZ=ON -DPRECIS_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target precis_fuzzers >/dev/null
status=0
for t in "${targets[@]}"; do
  bash scripts/fuzz_seeds.sh "$t" build-fuzz/corpus
  mkdir -p "build-fuzz/artifacts/$t"
  log="build-fuzz/fuzz-$t.log"
  if ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz/fuzz_"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -seed=1 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t/" "build-fuzz/corpus/$t" > "$log" 2>&1; then
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo '?')
    echo "fuzz $t: ${runs} executions in ${secs} s, coverage ${cov} edges, no crash"
  else
    echo "fuzz $t: FOUND A PROBLEM (input in build-fuzz/artifacts/$t/; log $log):"
    grep -E 'ERROR|SUMMARY|runtime error|deadly signal|Test unit written' "$log" | head -8
    status=1
  fi
done
exit $status

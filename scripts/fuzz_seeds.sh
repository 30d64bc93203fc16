#!/usr/bin/env bash
# Gathers the seed inputs of one fuzz target from the test data (and its regression inputs from fuzz/regressions)
# into OUT/NAME, then, given a replay binary, runs the target on all of them.
# Usage: scripts/fuzz_seeds.sh NAME OUT [REPLAY_BINARY]
set -euo pipefail
name=$1 out=$2 replay=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$out/$name"
rm -rf "$dir" && mkdir -p "$dir"
n=0
add() { for f in "$@"; do [[ -f $f ]] || continue; n=$((n + 1)); cp "$f" "$dir/seed-$n"; done; }
addz() { for f in "$@"; do [[ -f $f ]] || continue; n=$((n + 1)); gzip -dc "$f" > "$dir/seed-$n" 2>/dev/null || true; done; }
shopt -s nullglob
case $name in
  study) add "$root"/tests/data/studies/invalid/*/study.yaml "$root"/tests/data/studies/common/study.yaml \
             "$root"/tests/data/bad/common/study.yaml "$root"/tests/data/bad/cases/*/study.yaml "$root"/configs/*.yaml ;;
  sheet) add "$root"/tests/data/studies/common/samples.tsv "$root"/tests/data/studies/invalid/*/samples.tsv \
             "$root"/tests/data/bad/common/samples.tsv "$root"/tests/data/bad/cases/*/samples.tsv ;;
  proteome) add "$root"/tests/data/studies/common/proteome/*.tsv "$root"/tests/data/bad/common/proteome/*.tsv \
                "$root"/tests/data/bad/cases/*/proteome/*.tsv ;;
  olink) add "$root"/tests/data/bad/cases/*/npx.csv ;;
  maxquant) add "$root"/tests/data/bad/cases/*/proteinGroups.txt ;;
  pgs) add "$root"/tests/fixtures/genome/PGS_TEST*.txt "$root"/tests/data/bad/cases/*/pgs.txt
       addz "$root"/tests/fixtures/genome/PGS_TEST*.txt.gz ;;
  options) add "$root"/fuzz/seeds/options/* "$root"/tests/data/studies/invalid/*/args.txt "$root"/slurm/*.sbatch ;;
  journal) add "$root"/fuzz/seeds/journal/* ;;
  vcf) add "$root"/tests/data/studies/common/vcf/*.vcf "$root"/tests/data/bad/cases/*/vcf/*.vcf
       addz "$root"/tests/data/bad/common/vcf/*.vcf.gz ;;
  plink) add "$root"/fuzz/seeds/plink/* ;;
  bgen) add "$root"/tests/fixtures/bgen/*.bgen "$root"/fuzz/seeds/bgen/* ;;
  *) echo "fuzz_seeds.sh: no fuzz target '$name'" >&2; exit 2 ;;
esac
[[ -d "$root/fuzz/regressions/$name" ]] && add "$root"/fuzz/regressions/"$name"/*
(( n > 0 )) || { echo "fuzz_seeds.sh: no seeds for $name" >&2; exit 1; }
if [[ -n $replay ]]; then "$replay" "$dir"; fi

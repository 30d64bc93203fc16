#!/usr/bin/env bash
# Benchmark: sample QC from a PLINK 1 fileset, precis against plink2 --missing --het (its peer) on the same .bed,
# one thread each; then precis on 2 ranks.
#   bench/plink_qc.sh [SAMPLES=1000] [VARIANTS=250000] [WORKDIR]      (run after scripts/build.sh)
# Input: plink2 --dummy (random hard calls, 2% missing) written as a .bed. precis runs a genome-only qc-only study
# (call rate, Hail's counts, het_f from cohort frequencies, the store); plink2 the missingness and the
# heterozygosity F. Each figure is the best of ROUNDS (default 3) runs, the two alternating. Prints both times, the
# ratio, and checks that call_rate and het_f agree with plink2's.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000} V=${2:-250000}
W=${3:-$(mktemp -d)}
P="$here/build/src/precis"
source "$here/scripts/mpi-env.sh"
mkdir -p "$W" && cd "$W"
if [[ ! -f d.bed || $(wc -l < d.fam) != "$N" || $(wc -l < d.bim) != "$V" ]]; then
  plink2 --dummy "$N" "$V" 0.02 acgt --seed 1 --threads 1 --make-bed --out d >/dev/null
  awk 'BEGIN { OFS = "\t" } { $4 = $4 + 1; print }' d.bim > d.bim.tmp && mv d.bim.tmp d.bim  # (dummy starts at 0)
fi
{ echo sample_id; awk '{print $2}' d.fam; } > samples.tsv
source "$here/bench/qc_race.sh"
qc_study bench_plink d.bed
qc_race plink2 --bfile d --missing --het --bad-freqs --threads 1 --out peer
/usr/bin/python3 - <<'PY'
import numpy as np
import pandas as pd
q = pd.read_csv("r1/qc/genome.tsv", sep="\t").set_index("sample_id")
m = pd.read_csv("peer.smiss", sep=r"\s+"); m = m.set_index("#IID" if "#IID" in m.columns else "IID")
h = pd.read_csv("peer.het", sep=r"\s+"); h = h.set_index("#IID" if "#IID" in h.columns else "IID")
d1 = np.abs(q.call_rate - (1 - m.loc[q.index].F_MISS)).max()
d2 = np.abs(q.het_f - h.loc[q.index].F).max()
print(f"call_rate against plink2 1 - F_MISS: largest difference {d1:.2g}; het_f against plink2 F: {d2:.2g}")
assert d1 < 1e-9 and d2 < 1e-5, (d1, d2)
PY
stage_report
awk -v n="$N" -v v="$V" -v b="$b" -v p="$p" -v p2="$p2" 'BEGIN {
  printf "sample QC from a .bed, %d samples x %d variants\n", n, v
  printf "  plink2 --missing --het (1 thread):  %7.2f s\n", b
  printf "  precis run, 1 process x 1 thread:   %7.2f s  (ratio plink2 / precis: %.2fx; goal >= 1)\n", p, b / p
  printf "  precis run, 2 ranks x 1 thread:     %7.2f s\n", p2 }'

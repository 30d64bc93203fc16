#!/usr/bin/env bash
# Benchmark: sample QC from a BGEN 1.2 file, precis against plink2 --bgen ... --missing --het (its peer) on the same
# file, one thread each; then precis on 2 ranks.
#   bench/bgen_qc.sh [SAMPLES=1000] [VARIANTS=250000] [WORKDIR]      (run after scripts/build.sh)
# Input: plink2 --dummy (random calls, 2% missing, 10% of them dosages that are no whole number) written by plink2
# --export bgen-1.2 ref-first bits=8 (zlib). precis runs a genome-only qc-only study (hard calls by the 0.1
# threshold, call rate, Hail's counts, het_f from the dosages' frequencies, the store); plink2 imports the file
# (its .bgen -> .pgen autoconversion is part of its time) and reports missingness and heterozygosity F. Each figure
# is the best of ROUNDS (default 3) runs, the two alternating. Prints both times, the ratio, where precis's time
# goes, and checks that missing counts and het_f agree with plink2's.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000} V=${2:-250000}
W=${3:-$(mktemp -d)}
P="$here/build/src/precis"
source "$here/scripts/mpi-env.sh"
mkdir -p "$W" && cd "$W"
if [[ ! -f d.bgen || $(tail -n +3 d.sample | wc -l) != "$N" ]]; then
  plink2 --dummy "$N" "$V" 0.02 acgt dosage-freq=0.1 --seed 1 --threads 1 --make-pgen --out dummy >/dev/null
  awk 'BEGIN { OFS = "\t" } /^#/ { print; next } { $2 = $2 + 1; print }' dummy.pvar > d.pvar  # (dummy starts at 0)
  cp dummy.pgen d.pgen && cp dummy.psam d.psam
  plink2 --pfile d --export bgen-1.2 ref-first bits=8 --threads 1 --out d >/dev/null
fi
{ echo sample_id; tail -n +3 d.sample | awk '{print $2}'; } > samples.tsv
source "$here/bench/qc_race.sh"
qc_study bench_bgen d.bgen
qc_race plink2 --bgen d.bgen ref-first --sample d.sample --missing --het --bad-freqs --threads 1 --out peer
/usr/bin/python3 - <<'PY'
import numpy as np
import pandas as pd
q = pd.read_csv("r1/qc/genome.tsv", sep="\t").set_index("sample_id")
def read(path):
    t = pd.read_csv(path, sep=r"\s+")
    return t.set_index("#IID" if "#IID" in t.columns else "IID")
m, h = read("peer.smiss"), read("peer.het")
d1 = int((q.n_not_called - m.loc[q.index].MISSING_CT).abs().max())
d2 = np.abs(q.het_f - h.loc[q.index].F).max()
print(f"missing calls against plink2 MISSING_CT: largest difference {d1}; het_f against plink2 F: {d2:.2g}")
assert d1 == 0 and d2 < 2e-6, (d1, d2)
PY
stage_report
awk -v n="$N" -v v="$V" -v b="$b" -v p="$p" -v p2="$p2" -v size="$(stat -c %s d.bgen)" 'BEGIN {
  printf "sample QC from a BGEN 1.2 file (zlib, 8 bits; %.1f MB), %d samples x %d variants\n", size / 1e6, n, v
  printf "  plink2 --bgen --missing --het (1 thread):  %7.2f s\n", b
  printf "  precis run, 1 process x 1 thread:          %7.2f s  (ratio plink2 / precis: %.2fx; goal >= 1)\n", p, b / p
  printf "  precis run, 2 ranks x 1 thread:            %7.2f s\n", p2 }'

#!/usr/bin/env bash
# Benchmark: genetic ancestry PCs and KING relatedness, precis against plink2 (its peer), same VCF.gz, one thread
# each, and precis again on RANKS ranks.
#   bench/structure.sh [SAMPLES] [VARIANTS] [RANKS] [DIR]   (default 2000 x 20000, 2 ranks; after scripts/build.sh)
#   KING=0 leaves relatedness out of both (at 100,000 samples its 5e9 pairs take hours on two cores)
# Input: bench/make_structure_cohort.py (three populations, LD blocks, families, 1% missing), exported by plink2 to
# a bgzipped, indexed VCF. plink2: --indep-pairwise 50 5 0.2 and --make-king-table --king-table-filter 0.0442 (on
# every selected variant, as precis) from the VCF, then --extract prune.in --pca 10 from the VCF (plink2 cannot
# prune and use the result in one run).
# precis: `precis run` with genome.ancestry and genome.relatedness (which also runs its genome QC of every sample
# over the file), clustering and ranking off. PCA: exact below 5,000 samples, randomized above (both tools: plink2
# gets 'approx' above 5,000 too). Prints wall time and peak memory of each, the ratio, and checks the agreement
# (PC1-PC2 |r| and the number of related pairs).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-2000}
V=${2:-20000}
RANKS=${3:-2}
W=${4:-$(mktemp -d)}
mkdir -p "$W" && cd "$W"
source "$here/scripts/mpi-env.sh"
export OMP_NUM_THREADS=1
if [[ ! -f c.vcf.gz.tbi ]]; then
  /usr/bin/python3 "$here/bench/make_structure_cohort.py" c "$N" "$V"
  plink2 --bfile c --export vcf bgz id-paste=iid --out c --threads 2 > /dev/null
  tabix -f -p vcf c.vcf.gz
  rm -f c.bed c.bim c.fam
fi
approx=""; [[ $N -gt 5000 ]] && approx=" approx"
SEL=(--vcf c.vcf.gz --snps-only just-acgt --max-alleles 2 --geno 0.1 --maf 0.01 --threads 1 --memory 4000)
KING=${KING:-1}
king_args=(); [[ $KING == 1 ]] && king_args=(--make-king-table --king-table-filter 0.0442)
/usr/bin/time -f "%e %M" -o t1.txt plink2 "${SEL[@]}" --indep-pairwise 50 5 0.2 "${king_args[@]}" --out pk > /dev/null
/usr/bin/time -f "%e %M" -o t2.txt plink2 "${SEL[@]}" --extract pk.prune.in --pca 10$approx --out pk > /dev/null
cat > study.yaml <<Y
study: {name: bench_structure, seed: 1}
samples: {sheet: c.populations.tsv, phenotypes: [population]}
genome:
  cohort_file: c.vcf.gz
  ancestry: {enabled: true}
  relatedness: {enabled: $([[ $KING == 1 ]] && echo true || echo false)}
clustering: {enabled: false}
ranking: {enabled: false}
Y
/usr/bin/time -f "%e %M" -o p1.txt "$here/build/src/precis" run study.yaml --fresh --output out1 2> p1.log
/usr/bin/time -f "%e %M" -o pr.txt mpirun -np "$RANKS" "$here/build/src/precis" run study.yaml --fresh --output outr \
  2> pr.log
plink_s=$(awk '{s += $1} END {print s}' t1.txt t2.txt); plink_m=$(awk '{if ($2 > m) m = $2} END {print m}' t1.txt t2.txt)
read -r p1_s p1_m < p1.txt
read -r pr_s _ < pr.txt
pr_m=$(grep -o "[0-9.]* MiB the most on any rank" pr.log | cut -d' ' -f1)
printf "%d samples x %d variants: plink2 %.1f s (%d MiB), precis 1 rank %.1f s (%d MiB): %.2fx; precis %d ranks %.1f s (%s MiB per rank at most): %.2fx\n" \
  "$N" "$V" "$plink_s" $((plink_m / 1024)) "$p1_s" $((p1_m / 1024)) "$(echo "$plink_s / $p1_s" | bc -l)" "$RANKS" "$pr_s" \
  "$pr_m" "$(echo "$plink_s / $pr_s" | bc -l)"
grep "population structure" p1.log | sed 's/^/  /'
/usr/bin/python3 - <<'PY'
import numpy as np, pandas as pd
ours = pd.read_csv("out1/ancestry/pcs.tsv", sep="\t").set_index("sample_id")
theirs = pd.read_csv("pk.eigenvec", sep="\t").set_index("#IID").loc[ours.index]
r = [abs(np.corrcoef(ours[f"PC{k}"], theirs[f"PC{k}"])[0, 1]) for k in (1, 2)]
import os
pairs = ""
if os.path.exists("pk.kin0"):
    k = pd.read_csv("out1/relatedness/pairs.tsv", sep="\t")
    kp = pd.read_csv("pk.kin0", sep="\t")
    pairs = f"; pairs with kinship >= 0.0442: precis {len(k)}, plink2 {len(kp)}"
print(f"  agreement: PC1 |r| {r[0]:.6f}, PC2 |r| {r[1]:.6f}{pairs}")
same = open("out1/ancestry/pcs.tsv").read() == open("outr/ancestry/pcs.tsv").read()
print(f"  1 rank and the ranks give {'the same' if same else 'DIFFERENT'} ancestry/pcs.tsv")
PY

#!/usr/bin/env bash
# Benchmark: per-sample genome QC, precis against bcftools stats -s - (its peer), same files, one thread each.
#   bench/genome_qc.sh [SAMPLES] [WORKDIR]      (default 200 samples; run after scripts/build.sh)
#   INSTRUCTIONS=1 bench/genome_qc.sh ...       also count instructions with callgrind (repeatable where wall
#                                               clock on a shared machine is not; about 50 times slower)
# Inputs, made from `precis simulate`: one multi-sample VCF.gz and BCF (bcftools merge -0) and the set of
# single-sample VCF.gz files. precis runs a genome-only qc-only study on one process with one thread; its time
# includes reading the study, checksumming inputs and writing the store. Each figure is the best of ROUNDS runs,
# the two tools alternating.
# Prints both times and the ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-200}
W=${2:-$(mktemp -d)}
P="$here/build/src/precis"
export OMP_NUM_THREADS=1
mkdir -p "$W" && cd "$W"
if [[ ! -f sim/cohort.bcf.csi ]]; then
  "$P" simulate --out sim --samples "$N" --subtypes 3 --seed 1 >/dev/null
  bcftools merge -0 --threads 0 -Oz -o sim/cohort.vcf.gz sim/vcf/*.vcf.gz && tabix -f -p vcf sim/cohort.vcf.gz
  bcftools view -Ob -o sim/cohort.bcf sim/cohort.vcf.gz && bcftools index -f sim/cohort.bcf
fi
cat > sim/qc_cohort_vcf.yaml <<YAML
workflow: qc-only
study: {name: bench}
samples: {sheet: samples.tsv}
genome:
  cohort_file: cohort.vcf.gz
  features: {gene_burden: {genes: genes.bed}}
YAML
sed 's/cohort.vcf.gz/cohort.bcf/' sim/qc_cohort_vcf.yaml > sim/qc_cohort_bcf.yaml
# single-sample files with every site of the cohort and a long INFO (as annotated WGS calls have), where BGZF
# decompression is most of the work: for the decompression threads
if [[ ! -f sim/long/L4.vcf.gz ]]; then
  mkdir -p sim/long
  for i in 1 2 3 4; do
    bcftools view -s "$(bcftools query -l sim/cohort.vcf.gz | sed -n ${i}p)" sim/cohort.vcf.gz |
      awk -v seed="$i" -v name="L$i" 'BEGIN { OFS = "\t"; srand(seed) } /^##/ { print; next }
        /^#CHROM/ { print "##INFO=<ID=ANNOT,Number=1,Type=String,Description=\"filler\">"; $10 = name; print; next }
        { s = ""; for (k = 0; k < 40; k++) s = s sprintf("%06d", int(rand() * 1000000)); $8 = "ANNOT=" s; print }' |
      bgzip -c > "sim/long/L$i.vcf.gz"
  done
fi
{ echo -e "sample_id\tvcf"; for i in 1 2 3 4; do echo -e "L$i\tlong/L$i.vcf.gz"; done; } > sim/long.tsv
sed -e 's/samples.tsv/long.tsv/' -e 's/  cohort_file: cohort.vcf.gz/  path_column: vcf/' -e '/features/d' \
  sim/qc_cohort_vcf.yaml > sim/qc_long.yaml
sed 's/  cohort_file: cohort.vcf.gz/  path_column: vcf/' sim/qc_cohort_vcf.yaml > sim/qc_per_sample.yaml

now() { date +%s.%N; }
# The two commands run alternately, ROUNDS times (default 5), and each keeps its best time: the machine's other
# load only ever adds time, and alternating exposes both to the same spells of it. Sets $b and $p.
ROUNDS=${ROUNDS:-5}
best_pair() {  # best_pair "PEER COMMAND" "PRECIS COMMAND"
  local t0 t i
  b="" p=""
  for ((i = 0; i < ROUNDS; ++i)); do
    t0=$(now); bash -c "$1" >/dev/null 2>&1; t=$(echo "$(now) - $t0" | bc)
    if [[ -z $b ]] || (( $(echo "$t < $b" | bc) )); then b=$t; fi
    t0=$(now); bash -c "$2" >/dev/null 2>&1; t=$(echo "$(now) - $t0" | bc)
    if [[ -z $p ]] || (( $(echo "$t < $p" | bc) )); then p=$t; fi
  done
}

sites=$(bcftools index -n sim/cohort.vcf.gz)
echo "genome QC benchmark: $N samples, $sites sites in the merged file; $(bcftools --version | head -1); precis $("$P" --version | cut -d' ' -f2-)"
printf '%-28s %12s %12s %8s\n' input "bcftools s" "precis s" ratio
row() {
  local name=$1 b=$2 p=$3
  printf '%-28s %12.2f %12.2f %7.2fx\n' "$name" "$b" "$p" "$(echo "$b / $p" | bc -l)"
}
best_pair "bcftools stats -s - sim/cohort.vcf.gz" "'$P' run sim/qc_cohort_vcf.yaml --threads 1 --fresh --output out_vcf"
row "multi-sample VCF.gz" "$b" "$p"
best_pair "bcftools stats -s - sim/cohort.bcf" "'$P' run sim/qc_cohort_bcf.yaml --threads 1 --fresh --output out_bcf"
row "multi-sample BCF" "$b" "$p"
best_pair 'for f in sim/vcf/*.vcf.gz; do bcftools stats -s - "$f"; done' \
  "'$P' run sim/qc_per_sample.yaml --threads 1 --fresh --output out_ps"
row "$N single-sample VCF.gz" "$b" "$p"
best_pair 'for f in sim/long/*.vcf.gz; do bcftools stats --threads 1 -s - "$f"; done' \
  "'$P' run sim/qc_long.yaml --threads 2 --fresh --output out_long"
row "4 long VCF.gz, 2 threads" "$b" "$p"
echo "(ratio = bcftools time / precis time; above 1 means precis is faster)"

if [[ ${INSTRUCTIONS:-0} == 1 ]]; then
  instr() { valgrind --tool=callgrind --callgrind-out-file=cg.out "$@" >/dev/null 2>&1;
            callgrind_annotate cg.out | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }
  printf '%-28s %14s %14s %8s\n' input "bcftools instr" "precis instr" ratio
  for t in vcf bcf; do
    f=sim/cohort.vcf.gz; [[ $t == bcf ]] && f=sim/cohort.bcf
    b=$(instr bcftools stats -s - "$f")
    p=$(instr "$P" run "sim/qc_cohort_$t.yaml" --threads 1 --fresh --output "cg_$t")
    printf '%-28s %14s %14s %7.2fx\n' "multi-sample $t" "$b" "$p" "$(echo "$b / $p" | bc -l)"
  done
fi

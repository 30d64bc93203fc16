# genome.ancestry and genome.relatedness from a PLINK 1 fileset and from BGEN 1.2: the structure fixture
# (tests/fixtures/structure/cohort.vcf.gz: 202 samples of three populations with four families) converted by plink2
# to .bed and to .bgen (its biallelic sites, all that the PCA and KING use; ref-first, 8 bits: every call certain)
# gives the same PCs, eigenvalues, variant weights and KING table as the VCF itself, byte for byte, on 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
FIX="$PRECIS_TESTS/fixtures/structure"
cp "$FIX/populations.tsv" samples.tsv
plink2 --vcf "$FIX/cohort.vcf.gz" --max-alleles 2 --make-bed --out cohort >/dev/null 2>&1
plink2 --vcf "$FIX/cohort.vcf.gz" --max-alleles 2 --export bgen-1.2 ref-first bits=8 --out cohort >/dev/null 2>&1
[[ -f cohort.bed && -f cohort.bgen && -f cohort.sample ]] || fail "plink2 did not convert the fixture"
for input in "$FIX/cohort.vcf.gz" cohort.bed cohort.bgen; do
  name=$(basename "$input" | tr . _)
  cat > "$name.yaml" <<Y
study: {name: structure_binary, seed: 1}
samples: {sheet: samples.tsv, phenotypes: [population]}
genome:
  cohort_file: $input
  ancestry: {enabled: true}
  relatedness: {enabled: true, report_kinship: -1}
clustering: {enabled: false}
ranking: {enabled: false}
Y
  "$PRECIS" run "$name.yaml" --output "$name" 2> "$name.log" || { cat "$name.log"; fail "$input"; }
done
precis_np 3 run cohort_bed.yaml --output cohort_bed3 2>/dev/null
precis_np 3 run cohort_bgen.yaml --output cohort_bgen3 2>/dev/null
for run in cohort_bed cohort_bgen cohort_bed3 cohort_bgen3; do
  for f in ancestry/pcs.tsv ancestry/eigenvalues.tsv ancestry/variant_weights.tsv relatedness/pairs.tsv; do
    cmp "cohort_vcf_gz/$f" "$run/$f" || fail "$run: $f differs from the VCF's"
  done
done
note "PCs, eigenvalues, variant weights and KING from .bed and .bgen (1 and 3 ranks) = from the VCF"

# Differential test on real public VCFs (Bioconductor VariantAnnotation's example data, unpacked by
# scripts/setup.sh --test): precis's genome QC against the fixtures that bcftools 1.16, plink2 and plink 1.9 made
# from the same files (tests/fixtures/genome/make_fixtures.sh; versions in VERSIONS.txt).
#  - bcftools stats -s - (PSC), where the definitions coincide (CONTRACT.md, docs/genome.md):
#      n_not_called = nMissing;  n_hom_ref = nRefHom + nHapRef;
#      n_non_ref = nNonRefHom + nHets + nHapAlt + nIndels + (non-ref calls at MNP/symbolic-only records)
#  - plink2 --missing: call_rate = 1 - F_MISS and n_called + n_not_called + n_filtered = OBS_CT
#  - plink2 --het: het_f = F (cohort allele frequencies, monomorphic sites skipped)
#  - plink 1.9 --check-sex: sex_f = F, inferred_sex = SNPSEX
# chr7-sub.vcf.gz puts GT after other FORMAT keys at most records; plink2 then reads no genotype there, so that
# file is compared with bcftools only.
source "$(dirname "$0")/lib.sh"
DATA=${PRECIS_TESTDATA:-/opt/precis-testdata}/VariantAnnotation/extdata
FIX=$PRECIS_TESTS/fixtures/genome
[[ -f $DATA/chr22.vcf.gz ]] || fail "missing $DATA/chr22.vcf.gz: run scripts/setup.sh --test"

study() {  # study NAME SHEET GENOME-YAML [QC-YAML]
  cat > "$1.yaml" <<Y
study: {name: $1, seed: 1}
samples: {sheet: $2}
genome: $3
clustering: {enabled: false}
ranking: {enabled: false}
Y
}
sheet_of() { { echo sample_id; bcftools query -l "$1"; } > "$2"; }

for f in chr22 hapmap_exome_chr22 h1187-10k chr7-sub; do
  sheet_of "$DATA/$f.vcf.gz" "$f.tsv"
  study "$f" "$f.tsv" "{cohort_file: $DATA/$f.vcf.gz}"
  precis_np 2 run "$f.yaml" --output "out_$f" 2> "$f.log" || { cat "$f.log"; fail "run on $f"; }
done
# the same file as BCF, and as per-sample inputs (each sample's column of the multi-sample file)
bcftools view -Ob -o hapmap.bcf "$DATA/hapmap_exome_chr22.vcf.gz" && bcftools index hapmap.bcf
study hapmap_bcf hapmap_exome_chr22.tsv "{cohort_file: hapmap.bcf}"
"$PRECIS" run hapmap_bcf.yaml --output out_hapmap_bcf 2>/dev/null
awk -v f="$DATA/hapmap_exome_chr22.vcf.gz" 'NR == 1 { print $0 "\tvcf"; next } { print $0 "\t" f }' \
  hapmap_exome_chr22.tsv > per_sample.tsv
study per_sample per_sample.tsv "{path_column: vcf}"
precis_np 3 run per_sample.yaml --output out_per_sample 2>/dev/null
# DP/GQ thresholds
study thresholds hapmap_exome_chr22.tsv \
  "{cohort_file: $DATA/hapmap_exome_chr22.vcf.gz, qc: {min_dp: 10, min_gq: 20}}"
"$PRECIS" run thresholds.yaml --output out_thresholds 2>/dev/null
# heterozygosity threshold: chr22's HG00097 (plink2 F -0.339) fails, HG00096 (0.178) passes
study het chr22.tsv "{cohort_file: $DATA/chr22.vcf.gz, qc: {max_abs_het_f: 0.2}}"
"$PRECIS" run het.yaml --output out_het 2>/dev/null
grep -qP '^HG00097\tfail\thet_f -0.338755 is outside \+-0.2 \(too many heterozygous calls\)' out_het/qc/genome.tsv ||
  fail "HG00097 should fail the het_f threshold: $(grep HG00097 out_het/qc/genome.tsv | cut -f1-3)"
grep -qP '^HG00096\tpass' out_het/qc/genome.tsv || fail "HG00096 should pass"

# sex: reported sex in the sheet, one of them wrong
{ echo -e "sample_id\tsex"; bcftools query -l "$FIX/sexcheck.vcf.gz" | awk '{ print $1 "\t" (NR <= 16 ? "M" : "F") }'; } |
  sed 's/^X020\tF/X020\tM/' > sexcheck.tsv
study sexcheck sexcheck.tsv "{cohort_file: $FIX/sexcheck.vcf.gz, qc: {sex_column: sex}}"
precis_np 2 run sexcheck.yaml --output out_sexcheck 2>/dev/null

FIX=$FIX $PY - <<'PY'
import os
import pandas as pd
fix = os.environ["FIX"] + "/real"
cols = ["PSC", "id", "sample", "nRefHom", "nNonRefHom", "nHets", "nTransitions", "nTransversions", "nIndels",
        "depth", "nSingletons", "nHapRef", "nHapAlt", "nMissing"]
def qc(d):
    return pd.read_csv(f"{d}/qc/genome.tsv", sep="\t", dtype={"sample_id": str}, keep_default_na=False,
                       na_values=["NA"]).set_index("sample_id")
def plink(path):
    t = pd.read_csv(path, sep=r"\s+")
    return t.set_index("IID" if "IID" in t.columns else "#IID")
def close(a, b, tol, what):
    d = (a - b).abs().max()
    assert d <= tol, f"{what}: max difference {d} > {tol}"

for f in ["chr22", "hapmap_exome_chr22", "h1187-10k", "chr7-sub"]:
    b = pd.read_csv(f"{fix}/{f}.psc.tsv", sep="\t", names=cols, dtype={"sample": str}).set_index("sample")
    other = pd.read_csv(f"{fix}/{f}.other_nonref.tsv", sep="\t", names=["s", "n"]).set_index("s").n
    q = qc(f"out_{f}").loc[b.index]
    assert (q.status == "pass").all(), f
    assert (q.n_not_called == b.nMissing).all(), f"{f}: n_not_called"
    assert (q.n_hom_ref == b.nRefHom + b.nHapRef).all(), f"{f}: n_hom_ref"
    want = b.nNonRefHom + b.nHets + b.nHapAlt + b.nIndels + other.reindex(b.index, fill_value=0)
    assert (q.n_non_ref == want).all(), f"{f}: n_non_ref {list(q.n_non_ref)} vs {list(want)}"
    if f != "chr7-sub":
        m = plink(f"{fix}/{f}.smiss").loc[q.index]
        assert (q.n_called + q.n_not_called + q.n_filtered == m.OBS_CT).all(), f"{f}: genotypes counted"
        close(q.call_rate, 1 - m.F_MISS, 1e-6, f"{f}: call_rate vs plink2 --missing")
        h = plink(f"{fix}/{f}.het").loc[q.index]
        close(q.het_f, h.F, 1e-5, f"{f}: het_f vs plink2 --het")
    print(f"{f}: {len(q)} samples agree")

# BCF and per-sample inputs give the cohort VCF.gz's counts
base = qc("out_hapmap_exome_chr22")
counts = [c for c in base.columns if c not in ("het_f", "sex_f", "inferred_sex", "reason", "status")]
for d in ["out_hapmap_bcf", "out_per_sample"]:
    o = qc(d).loc[base.index]
    assert (o[counts].round(6) == base[counts].round(6)).all().all(), d
assert (qc("out_hapmap_bcf").het_f.round(9) == base.het_f.round(9)).all()
# per-sample files: frequencies from INFO/AF (rounded in this file), so only roughly plink2's
assert (qc("out_per_sample").het_f - base.het_f).abs().max() < 0.05

# DP >= 10 and GQ >= 20, against plink2 --vcf-min-dp 10 --vcf-min-gq 20
q = qc("out_thresholds")
m = plink(f"{fix}/hapmap_dp10_gq20.smiss").loc[q.index]
assert (q.n_filtered > 0).all()
assert (q.n_called + q.n_not_called + q.n_filtered == m.OBS_CT).all()
close(q.call_rate, 1 - m.F_MISS, 1e-6, "thresholds: call_rate")
close(q.het_f, plink(f"{fix}/hapmap_dp10_gq20.het").loc[q.index].F, 1e-5, "thresholds: het_f")

# sex
q = qc("out_sexcheck")
s = plink(f"{fix}/sexcheck.sexcheck").loc[q.index]
close(q.sex_f, s.F, 5.1e-5, "sex_f vs plink --check-sex")  # plink prints 4 decimals
assert (q.inferred_sex == s.SNPSEX.map({1: "male", 2: "female", 0: "ambiguous"})).all()
close(q.het_f, plink(f"{fix}/sexcheck.het").loc[q.index].F, 1e-5, "sexcheck: het_f")
assert q.loc["X020", "status"] == "fail" and "'sex' is M but chrX F" in q.loc["X020", "reason"], q.loc["X020"]
assert (q.drop("X020").status == "pass").all()
print("sex inference agrees with plink --check-sex on", len(q), "samples")
PY
note "ok"

# genome.cohort_file: one multi-sample BCF / VCF.gz for the cohort, spread over ranks by region (no rank reads the
# whole file for one sample). Its burden equals that of the per-sample VCFs it was merged from, its QC agrees with
# bcftools stats where the definitions coincide, and its results are the same at 1 and 3 ranks and for BCF and VCF.gz.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 40 --subtypes 2 --seed 3 --resamples 10 >/dev/null
bcftools merge -0 -Ob -o sim/cohort.bcf sim/vcf/*.vcf.gz     # -0: sites absent from a sample are reference calls
bcftools index sim/cohort.bcf
bcftools view -Oz -o sim/cohort.vcf.gz sim/cohort.bcf && tabix -p vcf sim/cohort.vcf.gz
sed 's|  path_column: vcf|  cohort_file: cohort.bcf|' sim/study.yaml > sim/bcf.yaml
sed 's|  path_column: vcf|  cohort_file: cohort.vcf.gz|' sim/study.yaml > sim/vcf.yaml

"$PRECIS" run sim/study.yaml --output per_sample 2>/dev/null
"$PRECIS" run sim/bcf.yaml --output bcf1 2> bcf1.log
grep -q "regions .* done" bcf1.log || fail "no region progress"
precis_np 3 run sim/bcf.yaml --output bcf3 2>/dev/null
"$PRECIS" run sim/vcf.yaml --output vcf1 2>/dev/null
for f in qc/genome.tsv qc/proteome.tsv subtypes.tsv biomarkers.tsv; do
  cmp bcf1/$f bcf3/$f || fail "$f differs between 1 and 3 ranks"
  cmp bcf1/$f vcf1/$f || fail "$f differs between BCF and VCF.gz"
done
for v in sim/cohort.bcf; do bcftools stats -s - "$v" | grep '^PSC'; done > psc.tsv
$PY - <<'PY'
import h5py, json, numpy as np, pandas as pd
x = {r: h5py.File(f"{r}/cohort.h5mu", "r")["mod/genome/X"][()] for r in ("per_sample", "bcf1", "bcf3")}
assert x["bcf1"].shape == (40, 60)
assert np.array_equal(x["bcf1"], x["per_sample"]), "cohort burden differs from per-sample burden"
assert np.array_equal(x["bcf1"], x["bcf3"])
assert x["bcf1"].sum() > 0
cols = ["PSC", "id", "sample", "nRefHom", "nNonRefHom", "nHets", "nTransitions", "nTransversions", "nIndels",
        "depth", "nSingletons", "nHapRef", "nHapAlt", "nMissing"]
b = pd.read_csv("psc.tsv", sep="\t", names=cols, dtype={"sample": str}).set_index("sample")
q = pd.read_csv("bcf1/qc/genome.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id").loc[b.index]
assert (q.n_not_called == b.nMissing).all()
assert (q.n_non_ref == b.nNonRefHom + b.nHets + b.nHapAlt + b.nIndels).all()
# the per-sample non-reference calls are the same calls
s = pd.read_csv("per_sample/qc/genome.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
for c in ("n_het", "n_hom_var", "n_snp", "n_insertion", "n_deletion", "n_transition", "n_transversion"):
    assert (q[c] == s.loc[q.index, c]).all(), c
p = json.load(open("bcf3/provenance.json"))
ins = [i for i in p["inputs"] if i["role"] == "genome_cohort_file"]
assert len(ins) == 1 and len(ins[0]["sha256"]) == 64
print("cohort file: burden equal to per-sample files, QC agrees with bcftools, same at 1 and 3 ranks")
PY

# max_af against the cohort's own AC/AN equals max_af against the INFO/AF that bcftools +fill-tags computes
bcftools +fill-tags sim/cohort.bcf -Oz -o sim/cohort_af.vcf.gz -- -t AF && tabix -p vcf sim/cohort_af.vcf.gz
sed 's|max_af: 0.01}|max_af: 0.02, af: cohort}|' sim/bcf.yaml > sim/af_cohort.yaml
sed -e 's|cohort_file: cohort.bcf|cohort_file: cohort_af.vcf.gz|' -e "s|max_af: 0.01}|max_af: 0.02}|" sim/bcf.yaml \
  > sim/af_info.yaml
grep -q 'af: cohort' sim/af_cohort.yaml || fail "af_cohort.yaml was not written"
precis_np 2 run sim/af_cohort.yaml --output af_cohort 2>/dev/null
"$PRECIS" run sim/af_info.yaml --output af_info 2>/dev/null
$PY - <<'PY'
import h5py, numpy as np
x = {r: h5py.File(f"{r}/cohort.h5mu", "r")["mod/genome/X"][()] for r in ("af_cohort", "af_info", "bcf1")}
assert np.array_equal(x["af_cohort"], x["af_info"]), "cohort AF differs from bcftools +fill-tags AF"
assert 0 < x["af_cohort"].sum() < x["bcf1"].sum(), (x["af_cohort"].sum(), x["bcf1"].sum())
print("burden with the cohort's AF equals burden with bcftools' AF")
PY
sed -i 's|  cohort_file: cohort.bcf|  path_column: vcf|' sim/af_cohort.yaml
expect_exit 2 "$PRECIS" validate sim/af_cohort.yaml
expect_in "'genome.features.gene_burden.af: cohort' needs 'genome.cohort_file'" "$OUT"

# a sheet sample the file lacks: an error before work, or a per-sample error under skip
cp sim/samples.tsv sim/samples.orig.tsv
printf 'S99999\tvcf/S00001.vcf.gz\tproteome/S00001.tsv\t50\tF\tcase\t100\t0\n' >> sim/samples.tsv
expect_exit 2 "$PRECIS" run sim/bcf.yaml --output missing
expect_in "samples.tsv:42: sample 'S99999' is not among the 40 samples of $PWD/sim/cohort.bcf" "$OUT"
sed -i 's/on_sample_error: fail/on_sample_error: skip/' sim/bcf.yaml
expect_exit 0 "$PRECIS" run sim/bcf.yaml --output skipped
grep -qP "^S99999\terror\t.*not among the samples" skipped/qc/genome.tsv || fail "S99999 not reported"
cp sim/samples.orig.tsv sim/samples.tsv

# an unindexed file is refused before work, with the command that fixes it
rm sim/cohort.bcf.csi
expect_exit 2 "$PRECIS" validate sim/bcf.yaml
expect_in "no index (.csi or .tbi) next to the file (fix: index it with 'bcftools index" "$OUT"
note "ok"

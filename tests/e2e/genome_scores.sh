# Polygenic scores against plink2 --score (fixtures: tests/fixtures/genome/make_fixtures.sh, which prepares the
# PGS Catalog files of make_pgs.py for plink2 with pgs_to_plink2.py). plink2 prints 6 significant digits, so the
# sums are compared at that precision, and exactly (to 1e-9) through a plink2 run on whole-number weights; a
# float64 recomputation from the same variants and genotypes checks them too. Cohort file at 2 and 3 ranks, per-sample files (INFO/AF for the mean dosage), the cohort store.
source "$(dirname "$0")/lib.sh"
FIX=$PRECIS_TESTS/fixtures/genome
VCF=$FIX/sexcheck.vcf.gz
{ echo sample_id; bcftools query -l "$VCF"; } > sheet.tsv
write_study() {  # NAME GENOME-SOURCE EXTRA
  cat > "$1.yaml" <<Y
study: {name: $1, seed: 1}
samples: {sheet: $4}
genome:
  $2
  features:
    scores: [$FIX/PGS_TEST1.txt, $FIX/PGS_TEST2.txt.gz, $FIX/PGS_TEST3.txt]
    $3
clustering: {enabled: false}
ranking: {enabled: false}
Y
}
write_study mean "cohort_file: $VCF" "score_missing: mean" sheet.tsv
write_study zero "cohort_file: $VCF" "score_missing: zero" sheet.tsv
precis_np 2 run mean.yaml --output out_mean 2>/dev/null
precis_np 3 run zero.yaml --output out_zero 2>/dev/null
"$PRECIS" run zero.yaml --output out_zero1 2>/dev/null
cmp out_zero/scores.tsv out_zero1/scores.tsv || fail "scores differ between 3 ranks and 1"

# per-sample files that hold every site, with the cohort's AF in INFO (for the mean dosage of missing calls)
mkdir vcf
bcftools +fill-tags "$VCF" -Oz -o af.vcf.gz -- -t AF
for s in $(bcftools query -l "$VCF"); do
  bcftools view -s "$s" -Oz -o "vcf/$s.vcf.gz" af.vcf.gz
done
{ echo -e "sample_id\tvcf"; for s in $(bcftools query -l "$VCF"); do echo -e "$s\tvcf/$s.vcf.gz"; done; } > per_sample.tsv
write_study per_sample "path_column: vcf" "score_missing: mean" per_sample.tsv
precis_np 3 run per_sample.yaml --output out_per_sample 2>/dev/null

bcftools query -f '%ID[\t%GT]\n' "$VCF" > genotypes.tsv
FIX=$FIX $PY - <<'PY'
import os
import anndata
import h5py
import numpy as np
import pandas as pd
from anndata.experimental import read_elem

fix = os.environ["FIX"] + "/real"
def scores(d):
    return pd.read_csv(f"{d}/scores.tsv", sep="\t", dtype={"sample_id": str})

# plink2, at the precision it prints
for mode in ["mean", "zero"]:
    s = scores(f"out_{mode}")
    for name in ["PGS_TEST1", "PGS_TEST2"]:
        p = pd.read_csv(f"{fix}/{name}.{mode}.sscore", sep="\t").set_index("#IID")
        q = s[s.score_id == name].set_index("sample_id").loc[p.index]
        assert (q.status == "scored").all()
        n_plink = len(pd.read_csv(f"{fix}/{name}.plink2.tsv", sep="\t"))
        assert (q.n_matched == n_plink).all(), f"{name}: {q.n_matched.iloc[0]} matched, plink2 used {n_plink}"
        tol = 5e-6 * p.SCORE1_SUM.abs() + 1e-9
        bad = (q.score_sum - p.SCORE1_SUM).abs() > tol
        assert not bad.any(), f"{mode} {name}: differs from plink2 for {list(p.index[bad])}"
    t3 = s[s.score_id == "PGS_TEST3"]
    assert (t3.status == "refused").all() and t3.score_sum.isna().all()
print("scores equal plink2 --score at its printed precision (mean imputation and no-mean-imputation)")

# exactly: plink2 scored whole-number halves of each weight (W x 1e6 = 1000 HI + LO), which it prints exactly
z = scores("out_zero")
for name in ["PGS_TEST1", "PGS_TEST2"]:
    e = pd.read_csv(f"{fix}/{name}.exact.sscore", sep="\t").set_index("#IID")
    want = (1000 * e.SCORE1_SUM + e.SCORE2_SUM) / 1e6
    got = z[z.score_id == name].set_index("sample_id").loc[e.index].score_sum
    assert (got - want).abs().max() < 1e-9, (name, (got - want).abs().max())
print("scores equal plink2 --score to 1e-9")

# float64 recomputation: dosage of the effect allele x weight, missing genotypes adding nothing
g = pd.read_csv("genotypes.tsv", sep="\t", header=None, index_col=0, dtype=str)
ids = open("sheet.tsv").read().split()[1:]
g.columns = ids
z = scores("out_zero")
for name in ["PGS_TEST1", "PGS_TEST2"]:
    want = np.zeros(len(ids))
    for vid, a1, w in pd.read_csv(f"{fix}/{name}.plink2.tsv", sep="\t").itertuples(index=False):
        _, _, ref, alts = vid.split(":")
        k = str(([ref] + alts.split(",")).index(a1))
        for j, gt in enumerate(g.loc[vid]):
            calls = gt.replace("|", "/").split("/")
            if "." not in calls:
                want[j] += w * sum(c == k for c in calls)
    got = z[z.score_id == name].set_index("sample_id").loc[ids].score_sum.to_numpy()
    assert np.abs(got - want).max() < 1e-9, (name, np.abs(got - want).max())
print("scores equal a float64 recomputation to 1e-9")

# per-sample files: the same matching; mean dosages from INFO/AF (written by bcftools +fill-tags)
ps = scores("out_per_sample").set_index(["sample_id", "score_id"])
cm = scores("out_mean").set_index(["sample_id", "score_id"]).loc[ps.index]
assert (ps.n_matched == cm.n_matched).all() and (ps.status == cm.status).all()
ok = ps.score_sum.notna()
assert (ps.score_sum[ok] - cm.score_sum[ok]).abs().max() < 1e-5
rep = pd.read_csv("out_per_sample/qc/scores.tsv", sep="\t").set_index("score_id")
assert rep.loc["PGS_TEST3", "status"] == "refused" and "refused for 40 of 40 samples" in rep.loc["PGS_TEST3", "reason"]
rep = pd.read_csv("out_mean/qc/scores.tsv", sep="\t").set_index("score_id")
assert list(rep.loc["PGS_TEST1", ["n_matched", "n_flipped", "n_ambiguous", "n_mismatch", "n_absent"]]) == [74, 10, 6, 3, 5]

# the store: one genome feature per score, as float32
with h5py.File("out_mean/cohort.h5mu") as f:
    gm = read_elem(f["mod/genome"])
assert list(gm.var_names) == ["PGS_TEST1", "PGS_TEST2", "PGS_TEST3"], list(gm.var_names)
s1 = scores("out_mean").pivot(index="sample_id", columns="score_id", values="score_sum").loc[gm.obs_names]
assert np.allclose(np.asarray(gm.X, dtype=float), s1.to_numpy(), rtol=1e-6, equal_nan=True)
print("store holds the scores")
PY
note "ok"

# genome.ancestry and genome.relatedness on tests/fixtures/structure/cohort.vcf.gz (202 samples of three simulated
# populations with four families), against plink2 2.00a3.5's outputs on the same file (make_plink2_reference.sh):
# the PCs, eigenvalues and variant weights of all samples, and the KING table; then, with the relatives, the same
# results at 1 and 3 ranks, the relatives failed in qc/genome.tsv and out of the cohort (drop_related), projected
# onto the PCs of the unrelated, and the PCs in obs, obsm/X_genetic_pca and usable as ranking covariates.
source "$(dirname "$0")/lib.sh"
FIX="$PRECIS_TESTS/fixtures/structure"
cp "$FIX/populations.tsv" samples.tsv
printf '1\t100000\t400000\tG1\n1\t400000\t800000\tG2\n2\t100000\t600000\tG3\n3\t100000\t900000\tG4\n' > genes.bed
cat > study.yaml <<Y
study: {name: structure, seed: 1}
samples: {sheet: samples.tsv, phenotypes: [population]}
genome:
  cohort_file: $FIX/cohort.vcf.gz
  ancestry: {enabled: true}
clustering: {enabled: false}
ranking: {enabled: false}
Y
"$PRECIS" run study.yaml --output pca 2>/dev/null
"$PRECIS" run study.yaml --output king --set genome.ancestry.enabled=false --set genome.relatedness.enabled=true \
  --set genome.relatedness.report_kinship=-1 2>/dev/null
for np in 1 3; do
  precis_np $np run study.yaml --output related$np --set genome.relatedness.enabled=true \
    --set genome.relatedness.drop_related=true --set genome.features.gene_burden.genes=genes.bed --set ranking.enabled=true --set ranking.groups=population \
    --set ranking.test=moderated --set 'ranking.covariates=[PC1]' 2> related$np.log
done
"$PRECIS" run study.yaml --output outliers --set genome.relatedness.enabled=true \
  --set genome.ancestry.outlier_mads=2.5 2>/dev/null
# the randomized PCA (forced here: it starts above 5,000 samples), at 1 and 3 ranks
"$PRECIS" run study.yaml --output approx1 --set genome.ancestry.approx_above=0 2>/dev/null
precis_np 3 run study.yaml --output approx3 --set genome.ancestry.approx_above=0 2>/dev/null
cmp approx1/ancestry/pcs.tsv approx3/ancestry/pcs.tsv || fail "the randomized PCs differ between 1 and 3 ranks"
# the same cohort as one variant-only VCF per sample (a site a file does not list is REF there): the same results
$PY - "$FIX/cohort.vcf.gz" <<'PY'
import gzip, os, subprocess, sys
os.makedirs("vcf", exist_ok=True)
head, rows = [], []
for line in gzip.open(sys.argv[1], "rt"):
    if line.startswith("##"): head.append(line)
    elif line.startswith("#"): ids = line.rstrip("\n").split("\t")[9:]
    else: rows.append(line.rstrip("\n").split("\t"))
files = {s: open(f"vcf/{s}.vcf", "w") for s in ids}
for s, f in files.items():
    f.writelines(head)
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + s + "\n")
for r in rows:
    for s, gt in zip(ids, r[9:]):
        if gt != "0/0":
            files[s].write("\t".join(r[:9] + [gt]) + "\n")
for f in files.values(): f.close()
with open("per_sample.tsv", "w") as out:
    out.write("sample_id\tpopulation\tvcf\n")
    for line in open("samples.tsv").read().splitlines()[1:]:
        s, pop = line.split("\t")
        out.write(f"{s}\t{pop}\tvcf/{s}.vcf\n")
PY
sed -e 's/^  cohort_file: .*/  path_column: vcf/' -e 's/sheet: samples.tsv/sheet: per_sample.tsv/' study.yaml > per_sample.yaml
precis_np 2 run per_sample.yaml --output per_sample --set genome.relatedness.enabled=true \
  --set genome.relatedness.report_kinship=-1 2>/dev/null
"$PRECIS" run study.yaml --output both --set genome.relatedness.enabled=true --set genome.relatedness.report_kinship=-1 \
  2>/dev/null
for f in ancestry/pcs.tsv ancestry/eigenvalues.tsv ancestry/variant_weights.tsv relatedness/pairs.tsv; do
  cmp both/$f per_sample/$f || fail "$f from per-sample VCFs differs from the cohort VCF's"
done
for f in ancestry/pcs.tsv ancestry/eigenvalues.tsv ancestry/variant_weights.tsv relatedness/pairs.tsv qc/genome.tsv; do
  cmp related1/$f related3/$f || fail "$f differs between 1 and 3 ranks"
done
$PY - "$FIX" <<'PY'
import sys, json, gzip, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd, h5py
from anndata.experimental import read_elem
fix = sys.argv[1]
# PCA of every sample: plink2 --pca 10 on its own pruned variants
ours = pd.read_csv("pca/ancestry/pcs.tsv", sep="\t").set_index("sample_id")
theirs = pd.read_csv(f"{fix}/pca.eigenvec", sep="\t").set_index("#IID").loc[ours.index]
for k in range(1, 11):
    r = np.corrcoef(ours[f"PC{k}"], theirs[f"PC{k}"])[0, 1]
    assert abs(r) >= 0.99999, (k, r)
ev = pd.read_csv("pca/ancestry/eigenvalues.tsv", sep="\t")["eigenvalue"].to_numpy()
ev_p = np.loadtxt(f"{fix}/pca.eigenval")
assert np.allclose(ev, ev_p, rtol=1e-5), (ev, ev_p)
w = pd.read_csv("pca/ancestry/variant_weights.tsv", sep="\t")
wp = pd.read_csv(f"{fix}/pca.eigenvec.var", sep="\t")
assert len(w) == len(wp) == 1345 and (w["MAJ"].to_numpy() == wp["MAJ"].to_numpy()).all()
for k in range(1, 11):
    sign = np.sign(np.corrcoef(ours[f"PC{k}"], theirs[f"PC{k}"])[0, 1])
    assert np.allclose(sign * w[f"PC{k}"], wp[f"PC{k}"], rtol=1e-4, atol=1e-5), k
print(f"PCA: 10 PCs |r| >= 0.99999, eigenvalues and the weights of 1345 variants as plink2's")
approx = pd.read_csv("approx1/ancestry/pcs.tsv", sep="\t").set_index("sample_id").loc[ours.index]
for k in (1, 2):  # the populations' PCs (the later ones are families and noise, with small eigengaps)
    r = np.corrcoef(approx[f"PC{k}"], theirs[f"PC{k}"])[0, 1]
    assert abs(r) >= 0.9999, (k, r)
assert json.load(open("approx1/provenance.json"))["population_structure"]["pca"] == "randomized"
# KING of every pair
k = pd.read_csv("king/relatedness/pairs.tsv", sep="\t")
kp = pd.read_csv(f"{fix}/king.kin0.gz", sep="\t")
assert len(k) == len(kp) == 202 * 201 // 2
key = lambda a, b: tuple(sorted((a, b)))
mine = {key(a, b): (n, kin) for a, b, n, kin in zip(k.sample_id_1, k.sample_id_2, k.nsnp, k.kinship)}
for a, b, n, kin in zip(kp["#IID1"], kp.IID2, kp.NSNP, kp.KINSHIP):
    got = mine[key(a, b)]
    assert got[0] == n and abs(got[1] - kin) <= 1e-5 * max(abs(kin), 1e-3), (a, b, got, n, kin)
print("KING: all 20,301 pairs as plink2's")
# with the relatives: failed, left out, projected
q = pd.read_csv("related1/qc/genome.tsv", sep="\t").set_index("sample_id")
failed = q[q.status == "fail"]
cut = set(open(f"{fix}/cutoff.king.cutoff.out.id").read().split()[1:])
assert len(failed) <= len(cut) == 12, len(failed)
assert failed.reason.str.match(r"related to \S+ \(kinship 0\.\d+ > genome.relatedness.max_kinship\)").all(), failed.reason
pcs = pd.read_csv("related1/ancestry/pcs.tsv", sep="\t").set_index("sample_id")
assert set(pcs.index[~pcs.in_pca]) == set(failed.index)
assert pcs.notna().all().all()
prov = json.load(open("related1/provenance.json"))
ps = prov["population_structure"]
assert ps["relatives"] == len(failed) and ps["relatives_dropped"] and ps["relatives_projected"], ps
assert prov["samples"]["analysed"] == 202 - len(failed)
with h5py.File("related1/cohort.h5mu") as f:
    obs = read_elem(f["obs"])
    X = f["obsm/X_genetic_pca"][()]
assert X.shape == (202 - len(failed), 10) and "PC1" in obs.columns
assert np.allclose(X[:, 0], pcs.loc[obs.index, "PC1"].to_numpy(), rtol=1e-5, atol=1e-8)
# the populations separate on PC1-PC2 (a centroid classifier is exact)
pop = pd.read_csv("samples.tsv", sep="\t").set_index("sample_id").loc[pcs.index, "population"]
P = pcs[["PC1", "PC2"]].to_numpy()
cent = {p: P[pop == p].mean(axis=0) for p in pop.unique()}
pred = [min(cent, key=lambda p: np.sum((x - cent[p]) ** 2)) for x in P]
assert (np.array(pred) == pop.to_numpy()).all()
# ancestry outliers (the default, 6 MADs, flags none here; 2.5 MADs flags the minority populations' edges): as
# recomputed from pcs.tsv with R's mad over the PCA's samples
assert (q.ancestry_outlier == "no").all(), q.ancestry_outlier.value_counts()
q25 = pd.read_csv("outliers/qc/genome.tsv", sep="\t").set_index("sample_id")
p25 = pd.read_csv("outliers/ancestry/pcs.tsv", sep="\t").set_index("sample_id")
ref = p25[p25.in_pca]
want = {}
for s in p25.index:
    want[s] = "no"
    for k in range(1, 5):
        col = ref[f"PC{k}"]
        med, mad = col.median(), 1.4826 * (col - col.median()).abs().median()
        d = abs(p25.loc[s, f"PC{k}"] - med) / mad
        if d > 2.5:
            want[s] = f"PC{k}"
            break
got = q25.loc[p25.index, "ancestry_outlier"].str.split(" ").str[0]
assert (got == pd.Series(want)).all(), (got[got != pd.Series(want)], pd.Series(want)[got != pd.Series(want)])
print(f"ancestry outliers at 2.5 MADs: {(got != 'no').sum()}, as recomputed")
bm = pd.read_csv("related1/biomarkers.tsv", sep="\t")
assert len(bm) > 0
print(f"relatives: {len(failed)} left out (plink2 --king-cutoff: {len(cut)}), projected; populations apart on PC1-PC2")
PY
expect_in "12 relatives left out" "$(cat related1.log)"
# the report's section: two PC plots coloured by the sheet's population, the scree plot, the degrees
"$PRECIS" run study.yaml --output report --set genome.relatedness.enabled=true \
  --set genome.ancestry.color_by=population 2>/dev/null
$PY - <<'PY'
import re
h = open("report/report.html").read()
sec = h[h.index('<section id="structure">'):]
sec = sec[:sec.index("</section>")]
assert sec.count("<svg") == 3, sec.count("<svg")
assert sec.count("coloured by population") == 2 and ">AFR<" in sec and ">EUR<" in sec and ">EAS<" in sec
assert "first degree" in sec and "Scree plot" in sec
print("report: ancestry and relatedness section")
PY
rm report/ancestry/pcs.tsv
expect_exit 2 "$PRECIS" report report
expect_in "ancestry/pcs.tsv is missing" "$OUT"
note "ok"

# On the simulated cohort of run_ranks_identical (200 samples, 3 subtypes, default effect), the planted subtypes
# are recovered (ARI >= 0.9) and the planted biomarkers lead the ranking; the store reads back in anndata and holds
# exactly the values of the input files.
source "$(dirname "$0")/lib.sh"
SIM="$PWD/../e2e_run_ranks_identical/sim"
RES="$PWD/../e2e_run_ranks_identical/r4"
[[ -f $RES/provenance.json ]] || fail "needs the results of e2e: run_ranks_identical"
$PY - "$SIM" "$RES" <<'PY'
import sys, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd, h5py
from sklearn.metrics import adjusted_rand_score
from anndata.experimental import read_elem
sim, res = sys.argv[1], sys.argv[2]
truth = pd.read_csv(f"{sim}/truth.tsv", sep="\t", dtype=str).set_index("sample_id")
sub = pd.read_csv(f"{res}/subtypes.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
ari = adjusted_rand_score(truth.loc[sub.index, "subtype"], sub["subtype"])
print(f"ARI = {ari:.4f}")
assert ari >= 0.9, ari
cl = pd.read_csv(f"{res}/clustering.tsv", sep="\t")
assert list(cl["k"]) == [2, 3, 4, 5, 6]
assert cl.loc[cl["chosen"], "k"].item() == 3, cl
assert list(sub.columns[:2]) == ["subtype", "item_consensus"] and "k6" in sub.columns

planted = pd.read_csv(f"{sim}/truth_features.tsv", sep="\t")
bm = pd.read_csv(f"{res}/biomarkers.tsv", sep="\t")
assert list(bm.columns) == ["rank", "feature_id", "modality", "contrast", "test", "statistic", "effect", "p_value",
                            "q_value", "df", "s2_prior", "df_prior", "ci_low", "ci_high", "auc"]
assert (bm["p_value"].diff().dropna() >= 0).all(), "not sorted by p"
top = bm.drop_duplicates("feature_id").head(len(planted))
share = top["feature_id"].isin(planted["feature_id"]).mean()
print(f"planted share of the top {len(planted)} features: {share:.3f}")
assert share >= 0.9, share
# every planted protein that passed the missingness filter (low-abundance ones may not: the simulator drops them
# out as real assays do) is significant for the subtype it was planted in (mapped through the found labels)
mapping = pd.crosstab(truth.loc[sub.index, "subtype"], sub["subtype"]).idxmax(axis=1).to_dict()
ranked = planted[(planted.modality == "proteome") & planted.feature_id.isin(bm.feature_id)]
assert len(ranked) >= 0.9 * (planted.modality == "proteome").sum(), len(ranked)
for _, row in ranked.iterrows():
    contrast = f"{mapping[str(row.subtype)]}_vs_rest"
    hit = bm[(bm.feature_id == row.feature_id) & (bm.contrast == contrast)]
    assert hit["q_value"].item() < 0.05 and hit["effect"].item() > 0, (row.feature_id, hit)

with h5py.File(f"{res}/cohort.h5mu", "r") as f:
    assert f.attrs["encoding-type"] == "MuData"
    prot = read_elem(f["mod/proteome"])
    gen = read_elem(f["mod/genome"])
    obs = read_elem(f["obs"])
    assert f["obsm/X_pca"].shape == (200, 2)
    assert list(f["uns/clustering/k"][()]) == [2, 3, 4, 5, 6]
    C = f["uns/clustering/consensus"][()]  # the chosen k's consensus matrix (kept up to 2,000 samples)
    assert C.shape == (200, 200) and np.allclose(np.diag(C), 1) and np.allclose(C, C.T)
    same = sub["subtype"].to_numpy()[:, None] == sub["subtype"].to_numpy()[None, :]
    assert C[same].mean() > 0.9 and C[~same].mean() < 0.1, (C[same].mean(), C[~same].mean())
with open(f"{res}/cohort.h5mu", "rb") as fh:
    assert fh.read(6) == b"MuData"
assert prot.shape == (200, 300) and gen.shape == (200, 60), (prot.shape, gen.shape)
sheet = pd.read_csv(f"{sim}/samples.tsv", sep="\t", dtype=str)
assert list(prot.obs_names) == list(sheet["sample_id"])
assert list(obs["subtype"].astype(int)) == list(sub["subtype"])
assert str(obs["sex"].dtype) == "category"
# X equals log2 of the input table, minus the sample's median (float32)
t = pd.read_csv(f"{sim}/proteome/S00017.tsv", sep="\t").set_index("protein_id")["abundance"]
x = np.log2(t)
x = x - np.nanmedian(x)
row = prot[prot.obs_names == "S00017"].to_df().iloc[0]
got = row.loc[x.index].to_numpy(dtype=float)
assert np.allclose(got, x.to_numpy(), atol=1e-5, equal_nan=True)
assert np.isnan(got).sum() == x.isna().sum() > 0
# genome QC columns carried into the global obs with the modality prefix
q = pd.read_csv(f"{res}/qc/genome.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
assert np.allclose(obs["genome:call_rate"].to_numpy(), q.loc[obs.index, "call_rate"].to_numpy(), rtol=1e-5)
print("store, subtypes and biomarkers check out")
PY
note "ok"

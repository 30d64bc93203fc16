# Ancestry as a confounder, end to end: `precis simulate --populations 3` plants three populations that shift
# every protein more than the subtypes do, and writes the genome as one cohort VCF with ancestry SNVs. Without
# adjustment, the three classes are the populations; with the genome's own PCs removed from the proteome before
# clustering (clustering.adjust.covariates: [PC1, PC2]) they are the planted subtypes (ARI >= 0.9). PC1-PC2 separate
# the populations; the run is the same at 1 and 2 ranks.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 90 --subtypes 3 --populations 3 --population-effect 2 --resamples 25 \
  --seed 7 > /dev/null
cd sim
[[ -f cohort.vcf.gz.tbi && ! -d vcf ]] || fail "simulate --populations should write one indexed cohort VCF"
"$PRECIS" run study.yaml --output plain 2>/dev/null
precis_np 2 run study.yaml --output adjusted2 --set 'clustering.adjust.covariates=[PC1,PC2]' 2>/dev/null
"$PRECIS" run study.yaml --output adjusted1 --set 'clustering.adjust.covariates=[PC1,PC2]' 2> adjusted1.log
expect_in "clustering values adjusted (linear) for PC1, PC2" "$(cat adjusted1.log)"
for f in subtypes.tsv ancestry/pcs.tsv; do cmp adjusted1/$f adjusted2/$f || fail "$f differs between 1 and 2 ranks"; done
$PY - <<'PY'
import warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
from sklearn.metrics import adjusted_rand_score as ari
truth = pd.read_csv("truth.tsv", sep="\t", dtype=str).set_index("sample_id")
def classes(d, col):
    return pd.read_csv(f"{d}/subtypes.tsv", sep="\t", dtype=str).set_index("sample_id").loc[truth.index, col]
plain3, adj = classes("plain", "k3"), classes("adjusted1", "subtype")
print(f"as it is, k = 3: ARI with the populations {ari(truth.population, plain3):.3f}, the subtypes {ari(truth.subtype, plain3):.3f}")
print(f"adjusted for PC1, PC2: ARI with the subtypes {ari(truth.subtype, adj):.3f}, the populations {ari(truth.population, adj):.3f}")
assert ari(truth.population, plain3) >= 0.9 and ari(truth.subtype, plain3) < 0.1
assert ari(truth.subtype, adj) >= 0.9 and ari(truth.population, adj) < 0.1
pcs = pd.read_csv("plain/ancestry/pcs.tsv", sep="\t").set_index("sample_id").loc[truth.index]
P = pcs[["PC1", "PC2"]].to_numpy()
pop = truth.population.to_numpy()
cent = {p: P[pop == p].mean(axis=0) for p in set(pop)}
pred = np.array([min(cent, key=lambda p: np.sum((x - cent[p]) ** 2)) for x in P])
assert (pred == pop).all(), "PC1-PC2 do not separate the populations"
q = pd.read_csv("plain/qc/genome.tsv", sep="\t")
assert (q.ancestry_outlier == "no").all()  # outlier_mads: 0 in the simulated study (multimodal PCs)
print("PC1-PC2 separate the three populations")
PY
note "ok"

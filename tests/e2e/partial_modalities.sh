# Samples that lack one modality (an empty cell in the sheet): they are kept, the modality's matrix has rows only
# for the samples that have it, obsmap says which (0 = absent), the QC tables say "absent", and the cohort stages
# run on everyone. The same at 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 30 --subtypes 2 --seed 8 --resamples 10 >/dev/null
# no proteome for S00002, S00005, S00011, S00020; no genome for S00003, S00014, S00029
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 && ($1 == "S00002" || $1 == "S00005" || $1 == "S00011" || $1 == "S00020") { $3 = "" }
            NR > 1 && ($1 == "S00003" || $1 == "S00014" || $1 == "S00029") { $2 = "" } { print }' \
  sim/samples.tsv > sim/partial.tsv
sed 's/samples.tsv/partial.tsv/' sim/study.yaml > sim/partial.yaml
"$PRECIS" run sim/partial.yaml --output out1 2>/dev/null
precis_np 3 run sim/partial.yaml --output out3 2>/dev/null
for f in qc/genome.tsv qc/proteome.tsv subtypes.tsv biomarkers.tsv; do
  cmp out1/$f out3/$f || fail "$f differs between 1 and 3 ranks"
done
$PY - <<'PY'
import h5py
import numpy as np
import pandas as pd
from anndata.experimental import read_elem
no_prot = ["S00002", "S00005", "S00011", "S00020"]
no_gen = ["S00003", "S00014", "S00029"]
qp = pd.read_csv("out1/qc/proteome.tsv", sep="\t", dtype=str).set_index("sample_id")
qg = pd.read_csv("out1/qc/genome.tsv", sep="\t", dtype=str).set_index("sample_id")
assert (qp.loc[no_prot, "status"] == "absent").all() and (qg.loc[no_gen, "status"] == "absent").all()
assert len(pd.read_csv("out1/subtypes.tsv", sep="\t")) == 30
with h5py.File("out1/cohort.h5mu") as f:
    prot, gen = read_elem(f["mod/proteome"]), read_elem(f["mod/genome"])
    om_p, om_g = f["obsmap/proteome"][()], f["obsmap/genome"][()]
    obs = read_elem(f["obs"])
    with h5py.File("out3/cohort.h5mu") as g:
        for m in ["proteome", "genome"]:
            assert np.array_equal(f[f"mod/{m}/X"][()], g[f"mod/{m}/X"][()], equal_nan=True), m
assert prot.shape[0] == 26 and gen.shape[0] == 27, (prot.shape, gen.shape)
assert not set(no_prot) & set(prot.obs_names) and not set(no_gen) & set(gen.obs_names)
ids = list(obs.index)
assert len(ids) == 30
for k, s in enumerate(ids):  # obsmap: 1-based row in the modality, 0 where absent
    assert (om_p[k] == 0) == (s in no_prot) and (om_g[k] == 0) == (s in no_gen), s
    if om_p[k]:
        assert prot.obs_names[om_p[k] - 1] == s
assert obs.loc[no_prot, "proteome:n_features"].isna().all() and obs.loc[no_gen, "genome:n_called"].isna().all()
print("samples without a modality: kept, absent from its matrix, marked in obsmap")
PY
note "ok"

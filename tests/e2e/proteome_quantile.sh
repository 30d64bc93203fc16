# Quantile normalisation against R: limma's normalizeQuantiles on the same matrix (fixture made by
# tests/fixtures/proteome/make_quantile_reference.R from abundance.tsv). Per-sample tables (one protein absent from
# a file rather than NA, to show both mean missing), log2, quantile; the store's matrix is read back with anndata.
# The same at 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
FIX=$PRECIS_TESTS/fixtures/proteome
$PY "$FIX/abundance_to_tables.py" "$FIX/abundance.tsv"
cat > study.yaml <<Y
study: {name: quantile, seed: 1}
samples: {sheet: samples.tsv}
proteome: {path_column: proteome, transform: log2, normalize: quantile}
clustering: {enabled: false}
ranking: {enabled: false}
Y
"$PRECIS" run study.yaml --output out1 2>/dev/null
precis_np 3 run study.yaml --output out3 2>/dev/null
FIX=$FIX $PY - <<'PY'
import os
import h5py
import numpy as np
import pandas as pd
from anndata.experimental import read_elem

ref = pd.read_csv(os.environ["FIX"] + "/quantile_reference.tsv", sep="\t", comment="#", index_col=0)
x = {}
for d in ["out1", "out3"]:
    with h5py.File(f"{d}/cohort.h5mu") as f:
        p = read_elem(f["mod/proteome"])
    x[d] = pd.DataFrame(np.asarray(p.X, dtype=float).T, index=p.var_names, columns=p.obs_names)
assert x["out1"].equals(x["out3"]), "quantile normalisation differs between 1 and 3 ranks"
got = x["out1"].loc[ref.index, ref.columns]
assert (got.isna() == ref.isna()).all().all(), "missing values differ from limma's"
d = np.nanmax(np.abs(got.to_numpy() - ref.to_numpy()) / np.maximum(np.abs(ref.to_numpy()), 1))
assert d < 1e-6, f"largest relative difference from limma {d}"  # the store holds float32
print(f"quantile normalisation equals limma's normalizeQuantiles (largest relative difference {d:.2e})")
PY
note "ok"

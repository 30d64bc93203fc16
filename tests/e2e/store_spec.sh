# The cohort store against the anndata on-disk spec and the mudata layout, element by element with h5py (mudata
# itself is not packaged in Debian 12, so this walk stands in for it), and every modality read by anndata.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 30 --subtypes 2 --seed 4 --resamples 10 >/dev/null
precis_np 2 run sim/study.yaml --output res 2>/dev/null
$PY - <<'PY'
import h5py
import numpy as np
from anndata.experimental import read_elem

def enc(node):
    return node.attrs.get("encoding-type"), node.attrs.get("encoding-version")

def check_frame(g, n, where):
    assert enc(g) == ("dataframe", "0.2.0"), (where, enc(g))
    index = g.attrs["_index"]
    order = list(g.attrs["column-order"])
    assert index in g and len(g[index]) == n, (where, index)
    assert set(order) | {index} == set(g.keys()), (where, order, list(g.keys()))
    for name in g.keys():
        e = g[name]
        t, v = enc(e)
        if t == "categorical":
            assert v == "0.2.0" and "ordered" in e.attrs and set(e.keys()) == {"codes", "categories"}, (where, name)
            assert len(e["codes"]) == n and e["codes"].dtype.kind == "i", (where, name)
            assert h5py.check_string_dtype(e["categories"].dtype).encoding == "utf-8", (where, name)
        elif t == "nullable-integer":
            assert v == "0.1.0" and set(e.keys()) == {"values", "mask"}, (where, name)
            assert len(e["values"]) == n and e["values"].dtype.kind == "i" and e["mask"].dtype == bool, (where, name)
        elif t == "string-array":
            assert v == "0.2.0" and len(e) == n and h5py.check_string_dtype(e.dtype).encoding == "utf-8", (where, name)
        else:
            assert (t, v) == ("array", "0.2.0") and len(e) == n and e.dtype.kind in "fiu", (where, name, t, e.dtype)

with open("res/cohort.h5mu", "rb") as fh:
    head = fh.read(512)
assert head.startswith(b"MuData (format-version=") and b"creator=precis" in head, head[:80]
with h5py.File("res/cohort.h5mu", "r") as f:
    assert enc(f) == ("MuData", "0.1.0"), enc(f)
    n = len(f["obs"][f["obs"].attrs["_index"]])
    check_frame(f["obs"], n, "obs")
    mods = list(f["mod"].keys())
    assert mods == ["genome", "proteome"], mods
    n_var = 0
    for m in mods:
        g = f["mod"][m]
        assert enc(g) == ("anndata", "0.1.0"), (m, enc(g))
        X = g["X"]
        assert enc(X) == ("array", "0.2.0") and X.dtype == np.float32, (m, enc(X), X.dtype)
        rows, cols = X.shape
        check_frame(g["obs"], rows, f"mod/{m}/obs")
        check_frame(g["var"], cols, f"mod/{m}/var")
        for d in ("obsm", "varm", "obsp", "varp", "layers", "uns"):
            assert enc(g[d]) == ("dict", "0.1.0"), (m, d)
        assert len(f["obsmap"][m]) == n and len(f["varmap"][m]) == len(f["var"][f["var"].attrs["_index"]])
        # obsmap: 1-based rows of this modality (0 = absent); every global sample maps to its own row here
        assert sorted(f["obsmap"][m][()]) == list(range(1, rows + 1)), m
        a = read_elem(g)
        assert a.shape == (rows, cols) and list(a.obs_names) == list(a.obs_names.unique())
        count = "n_called" if m == "genome" else "n_detected"  # counts are nullable integers, ratios floats
        assert enc(g["obs"][count])[0] == "nullable-integer" and str(a.obs[count].dtype) == "Int64", (m, count)
        n_var += cols
    check_frame(f["var"], n_var, "var")
    for d in ("obsmap", "varmap", "obsm", "uns"):
        assert enc(f[d]) == ("dict", "0.1.0"), (d, enc(f[d]))
    assert f["obsm"]["X_pca"].shape == (n, 2)
    assert "provenance" in f["uns"] and "clustering" in f["uns"]
print("cohort.h5mu follows the anndata / mudata layout")
PY
note "ok"

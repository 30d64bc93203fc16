# proteome.cohort_file: an Olink NPX export and a MaxQuant proteinGroups.txt made from the simulated per-sample tables
# (tests/fixtures/to_cohort_proteome.py) give the store the same values as the tables themselves, at 1 and several
# ranks; controls and samples outside the sheet are left out and reported; annotations go into var.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 30 --subtypes 2 --seed 8 --resamples 10 >/dev/null
$PY "$PRECIS_TESTS/fixtures/to_cohort_proteome.py" sim
sed -e 's|  path_column: proteome|  cohort_file: npx.csv\n  format: olink_npx|' -e '/  transform: log2/d' sim/study.yaml > sim/npx.yaml
sed -e 's|  path_column: proteome|  cohort_file: proteinGroups.txt\n  format: maxquant|' sim/study.yaml > sim/mq.yaml
"$PRECIS" run sim/study.yaml --output tables 2>/dev/null
"$PRECIS" run sim/npx.yaml --output npx1 2> npx1.log
expect_in "left out 300 rows of control samples" "$(cat npx1.log)"
expect_in "ignored 300 rows of samples that are not in the sheet (e.g. 'NOT_IN_SHEET')" "$(cat npx1.log)"
precis_np 3 run sim/npx.yaml --output npx3 2>/dev/null
"$PRECIS" run sim/mq.yaml --output mq1 2>/dev/null
precis_np 4 run sim/mq.yaml --output mq4 2>/dev/null
for f in qc/proteome.tsv subtypes.tsv biomarkers.tsv; do
  cmp npx1/$f npx3/$f || fail "NPX: $f differs between 1 and 3 ranks"
  cmp mq1/$f mq4/$f || fail "MaxQuant: $f differs between 1 and 4 ranks"
done
grep -q 'transform: "none"' npx1/study.resolved.yaml || fail "NPX must not be log2-transformed again"
$PY - <<'PY'
import h5py, json, numpy as np, warnings
warnings.filterwarnings("ignore")
from anndata.experimental import read_elem
x = {r: h5py.File(f"{r}/cohort.h5mu", "r")["mod/proteome/X"][()] for r in ("tables", "npx1", "npx3", "mq1", "mq4")}
assert x["npx1"].shape == (30, 300)
assert np.allclose(x["npx1"], x["tables"], atol=1e-5, equal_nan=True), "NPX values differ from the tables"
assert np.array_equal(np.isnan(x["npx1"]), np.isnan(x["tables"]))
assert np.array_equal(x["mq1"], x["tables"], equal_nan=True), "MaxQuant values differ from the tables"
assert np.array_equal(x["npx1"], x["npx3"], equal_nan=True) and np.array_equal(x["mq1"], x["mq4"], equal_nan=True)
var = read_elem(h5py.File("npx1/cohort.h5mu", "r")["mod/proteome/var"])
assert var.loc["OID00000", "uniprot"] == "Q00000" and var.loc["OID00000", "gene"] == "PROT0001"
assert var.loc["OID00000", "panel"] == "Cardiometabolic"
assert var.loc["OID00000", "assay_warnings"] == 3 and var.loc["OID00001", "assay_warnings"] == 0
var3 = read_elem(h5py.File("npx3/cohort.h5mu", "r")["mod/proteome/var"])
assert (var3.assay_warnings == var.assay_warnings).all(), "assay warnings differ at 3 ranks"
var = read_elem(h5py.File("mq1/cohort.h5mu", "r")["mod/proteome/var"])
assert "X0" not in var.index and var.loc["PROT0001", "gene"] == "GPROT0001" and len(var) == 300
for r in ("npx3", "mq4"):
    ins = [i["role"] for i in json.load(open(f"{r}/provenance.json"))["inputs"]]
    assert ins.count("proteome_cohort_file") == 1 and "proteome" not in ins, ins
print("NPX and MaxQuant cohort files give the tables' values")
PY

# a sample without a MaxQuant column: an error before work, or a skipped sample
sed -i 's/LFQ intensity S00004/LFQ intensity S0004x/' sim/proteinGroups.txt
expect_exit 2 "$PRECIS" validate sim/mq.yaml
expect_in "samples.tsv:5: sample 'S00004' has no column 'LFQ intensity S00004' in $PWD/sim/proteinGroups.txt" "$OUT"
sed -i 's/on_sample_error: fail/on_sample_error: skip/' sim/mq.yaml
"$PRECIS" run sim/mq.yaml --output mq_skip 2>/dev/null
grep -qP "^S00004\terror\t.*no column 'LFQ intensity S00004'" mq_skip/qc/proteome.tsv || fail "S00004 not reported"
# a broken NPX value is that sample's error, naming the file and line
sed -i '5s/;[^;]*;PASS$/;abc;PASS/' sim/npx.csv
sed -i 's/on_sample_error: fail/on_sample_error: skip/' sim/npx.yaml
"$PRECIS" run sim/npx.yaml --output npx_bad 2>/dev/null
grep -qP "^S00001\terror\t.*npx.csv:5: the NPX of sample 'S00001', assay \S+, is not a number" npx_bad/qc/proteome.tsv \
  || fail "bad NPX not reported with its line"
note "ok"

# Olink plate (intensity) normalisation: after it, every assay's median on every plate is the assay's median over
# all plates, and each value moved by its plate's shift only; the same at 1 and 3 ranks (the matrix is transposed
# to assay owners for the medians). Also: plate_median is refused for files without plates, an empty file is
# named as such, and OlinkIDs not of Olink's form are warned about (as check_npx does).
source "$(dirname "$0")/lib.sh"
$PY - <<'PY'
import numpy as np
rng = np.random.default_rng(3)
S, A = 24, 30
with open("npx.csv", "w") as f, open("samples.tsv", "w") as sheet:
    f.write("SampleID,Sample_Type,OlinkID,UniProt,Assay,Panel,PlateID,QC_Warning,LOD,NPX,Assay_Warning\n")
    sheet.write("sample_id\n")
    base = rng.normal(5, 1, size=A)
    offset = rng.normal(0, 0.8, size=(3, A))  # plate effects, per assay
    for s in range(S):
        plate = s % 3
        sheet.write(f"P{s:02d}\n")
        for a in range(A):
            v = base[a] + offset[plate, a] + rng.normal(0, 0.3)
            npx = "NA" if rng.uniform() < 0.05 else f"{v:.6f}"
            qc = "WARN" if s == 5 and a == 0 else "PASS"  # one sample with an Olink QC warning
            f.write(f"P{s:02d},SAMPLE,OID{a:03d},Q{a:03d},A{a},Inflammation,Plate{plate + 1},{qc},0,{npx},PASS\n")
PY
cat > study.yaml <<Y
study: {name: plates, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: npx.csv, format: olink_npx, transform: none, normalize: plate_median}
clustering: {enabled: false}
ranking: {enabled: false}
Y
"$PRECIS" run study.yaml --output out1 2> run1.log
grep -q "30 OlinkID(s) are not of the form OIDnnnnn (e.g. 'OID000')" run1.log || fail "no OlinkID warning: $(cat run1.log)"
precis_np 3 run study.yaml --output out3 2>/dev/null
$PY - <<'PY'
import h5py
import numpy as np
import pandas as pd
from anndata.experimental import read_elem
raw = pd.read_csv("npx.csv").pivot(index="SampleID", columns="OlinkID", values="NPX")
plate = pd.read_csv("npx.csv").groupby("SampleID").PlateID.first()
def store(d):
    with h5py.File(f"{d}/cohort.h5mu") as f:
        p = read_elem(f["mod/proteome"])
    return pd.DataFrame(np.asarray(p.X, dtype=float), index=p.obs_names, columns=p.var_names).loc[raw.index, raw.columns]
x1, x3 = store("out1"), store("out3")
assert x1.equals(x3), "plate normalisation differs between 1 and 3 ranks"
want = raw - raw.groupby(plate).transform("median") + raw.median()
assert np.allclose(x1.to_numpy(), want.to_numpy(), atol=1e-5, equal_nan=True), np.nanmax(np.abs(x1 - want).to_numpy())
spread_before = raw.groupby(plate).median().std().mean()
spread_after = x1.groupby(plate).median().std().mean()
assert spread_after < 1e-5 < spread_before, (spread_before, spread_after)
print(f"plate medians aligned (spread of plate medians {spread_before:.3f} -> {spread_after:.1e})")
PY
grep -qP '^P05\tpass\t.*\t1$' out1/qc/proteome.tsv || fail "P05 should pass, flagged: $(grep P05 out1/qc/proteome.tsv)"
sed 's/normalize: plate_median}/normalize: none, qc: {fail_qc_warning: true}}/' study.yaml > qcwarn.yaml
"$PRECIS" run qcwarn.yaml --output qcwarn 2>/dev/null
grep -qP '^P05\tfail\tOlink QC_Warning \(proteome.qc.fail_qc_warning\)' qcwarn/qc/proteome.tsv ||
  fail "P05 should fail on its QC warning: $(grep P05 qcwarn/qc/proteome.tsv)"
sed -e 's/PlateID,//' -e 's/,Plate[0-9],/,/' npx.csv > noplates.csv
sed 's/npx.csv/noplates.csv/' study.yaml > noplates.yaml
expect_exit 2 "$PRECIS" validate noplates.yaml
expect_in "no PlateID column, which 'proteome.normalize: plate_median' needs" "$OUT"
: > empty.csv
sed 's/npx.csv/empty.csv/' study.yaml > empty.yaml
expect_exit 2 "$PRECIS" validate empty.yaml
expect_in "empty.csv: the file is empty (no header line)" "$OUT"
note "ok"

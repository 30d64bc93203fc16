# The store's row blocks are gathered and written in slices of whole chunks, a round each (pipeline/store_stage.cpp);
# slices of one chunk (PRECIS_TEST_SLICE_BYTES=1) make several rounds at a few thousand rows (3,100: four chunks, two
# rounds), with ranks whose blocks end before others' do (4 ranks: workers of 1, 1 and 2 chunks). The stored matrix
# is the same as one process's at 3 and 4 ranks.
source "$(dirname "$0")/lib.sh"
$PY "$PRECIS_TESTS/../scripts/make_cohort.py" c 3100 20 3 1
cat > c/study.yaml <<'Y'
study: {name: slices, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
clustering: {algorithm: hc, distance: pearson, top_variable: 0, k: {min: 2, max: 3}, resamples: 10, landmarks: 100}
ranking: {enabled: false}
Y
"$PRECIS" run c/study.yaml --output one 2>/dev/null
PRECIS_TEST_SLICE_BYTES=1 precis_np 3 run c/study.yaml --output three_sliced 2>/dev/null
PRECIS_TEST_SLICE_BYTES=1 precis_np 4 run c/study.yaml --output four_sliced 2>/dev/null
for d in three_sliced four_sliced; do cmp one/subtypes.tsv $d/subtypes.tsv || fail "subtypes differ in $d"; done
$PY - <<'PY'
import h5py, numpy as np
x = {d: h5py.File(f"{d}/cohort.h5mu", "r")["mod/proteome/X"][()] for d in ("one", "three_sliced", "four_sliced")}
assert x["one"].shape == (3100, 20), x["one"].shape
assert not np.isnan(x["one"]).any()
for d in ("three_sliced", "four_sliced"):
    assert np.array_equal(x["one"], x[d]), f"{d}: the stored matrix differs from one process's"
print("the store is the same in one-chunk slices at 3 and 4 ranks")
PY
note "ok"

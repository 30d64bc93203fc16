#!/usr/bin/env bash
# precis classify at scale: a model trained on TRAIN samples (a simulated MaxQuant cohort, scripts/make_cohort.py,
# 3 subtypes, PROTEINS proteins), then SAMPLES new samples from the same truth classified on 1 and RANKS ranks;
# time per sample and peak memory. Peer: scikit-learn's NearestCentroid with the model's shrunken centroids on the
# same file, read, log2- and median-normalised, centred and predicted in python (pandas read_csv); the two must agree.
# Usage: bench/classify.sh [SAMPLES=100000] [PROTEINS=300] [RANKS=2] [TRAIN=2000] [DIR=bench-classify]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000} P=${2:-300} RANKS=${3:-2} TRAIN=${4:-2000} DIR=${5:-bench-classify}
ROOT=$PWD PRECIS=$PWD/build/src/precis PY=/usr/bin/python3
source scripts/mpi-env.sh
mkdir -p "$DIR" && cd "$DIR"
[[ -f train/proteinGroups.txt ]] || $PY "$ROOT/scripts/make_cohort.py" train "$TRAIN" "$P" 3 1
[[ -f new/proteinGroups.txt ]] || $PY "$ROOT/scripts/make_cohort.py" new "$N" "$P" 3 2
for d in train new; do
  cat > $d/study.yaml <<Y
study: {name: bench_$d, seed: 1, output: results}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
clustering: {top_variable: 0, k: {min: 2, max: 4}, resamples: 200}
ranking: {enabled: false}
Y
done
mpirun -n "$RANKS" --bind-to none "$PRECIS" run train/study.yaml --fresh 2>/dev/null
M=train/results/model/subtype_model.h5
t() { /usr/bin/time -f "%e %M" -o time.txt "$@"; cat time.txt; }
read s1 m1 < <(t "$PRECIS" classify $M new/study.yaml --output c1 --fresh 2>/dev/null)
read sR mR < <(t mpirun -n "$RANKS" --bind-to none "$PRECIS" classify $M new/study.yaml --output cR --fresh 2>/dev/null)
read sp mp < <(t $PY - $M new <<'PY'
import sys
import h5py
import numpy as np
import pandas as pd
from sklearn.neighbors import NearestCentroid
model, d = sys.argv[1], sys.argv[2]
with h5py.File(model) as f:
    feats = [x.decode() for x in f["features/proteome"][:]]
    center = f["preprocessing/center"][:]
    cent = f["classifier/shrunken_centroids"][:]
t = pd.read_csv(f"{d}/proteinGroups.txt", sep="\t", index_col=0)
x = np.log2(t.replace(0, np.nan))
x = x - x.median(axis=0)                      # each sample's median
x = x.loc[feats].T.to_numpy().astype(np.float32).astype(np.float64)
x = np.where(np.isnan(x), center, x) - center
nc = NearestCentroid()
nc.centroids_, nc.classes_ = cent, np.arange(1, cent.shape[0] + 1)
nc.n_features_in_ = cent.shape[1]
pd.Series(nc.predict(x), index=t.columns.str.replace("LFQ intensity ", "")).to_csv("peer.tsv", sep="\t", header=False)
PY
)
$PY - <<'PY'
import pandas as pd
c = pd.read_csv("c1/classified.tsv", sep="\t").set_index("sample_id").subtype
p = pd.read_csv("peer.tsv", sep="\t", header=None, index_col=0)[1]
same = (c[p.index] == p).mean()
print(f"agreement with scikit-learn: {same:.4f} of {len(p)} samples")
assert same == 1.0
PY
cmp c1/classified.tsv cR/classified.tsv && echo "classified.tsv: identical on 1 and $RANKS ranks"
awk -v n=$N -v p=$P -v s1=$s1 -v sR=$sR -v sp=$sp -v m1=$m1 -v mR=$mR -v mp=$mp -v r=$RANKS 'BEGIN {
  printf "classify %d samples of %d proteins\n", n, p
  printf "  scikit-learn (read, normalise, predict): %.1f s, %.1f us/sample, peak %.0f MiB\n", sp, sp / n * 1e6, mp / 1024
  printf "  precis 1 rank:  %.1f s, %.1f us/sample, peak %.0f MiB, ratio %.2fx\n", s1, s1 / n * 1e6, m1 / 1024, sp / s1
  printf "  precis %d ranks: %.1f s, %.1f us/sample, peak %.0f MiB per rank (the largest), ratio %.2fx\n", r, sR, sR / n * 1e6, mR / 1024, sp / sR }'

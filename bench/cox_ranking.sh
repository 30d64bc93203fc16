#!/usr/bin/env bash
# Time-to-event biomarkers at scale: SAMPLES samples x PROTEINS proteins (a simulated MaxQuant cohort,
# scripts/make_cohort.py) with one endpoint whose hazard rises with the first protein, ranked by one Cox model per
# protein (per SD, adjusted for age and sex) on 1 and RANKS ranks. Peer: R's survival, as users write it - the same
# file read, log2- and median-normalised, then coxph over the proteins with lapply - in the same run. Prints each
# one's wall time and peak memory and the ratio; checks that the hazard ratios agree.
# Usage: bench/cox_ranking.sh [SAMPLES=50000] [PROTEINS=3000] [RANKS=2] [DIR=bench-cox]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50000} P=${2:-3000} RANKS=${3:-2} DIR=${4:-bench-cox}
ROOT=$PWD PRECIS=$PWD/build/src/precis PY=/usr/bin/python3
source scripts/mpi-env.sh
mkdir -p "$DIR" && cd "$DIR"
if [[ ! -f c/samples.tsv || $(($(wc -l < c/samples.tsv) - 1)) != "$N" ]]; then
  $PY "$ROOT/scripts/make_cohort.py" c "$N" "$P" 3 1
  $PY - "$N" <<'PY'
import sys
import numpy as np
import pandas as pd
n = int(sys.argv[1])
rng = np.random.default_rng(7)
s = pd.read_csv("c/samples.tsv", sep="\t")
x = pd.read_csv("c/proteinGroups.txt", sep="\t", index_col=0, nrows=1).iloc[0].to_numpy()  # the first protein
z = (np.log2(x) - np.log2(x).mean()) / np.log2(x).std()
s["age"] = np.round(rng.normal(58, 9, n))
s["sex"] = rng.choice(["F", "M"], n)
rate = np.exp(0.4 * z + 0.02 * (s.age - 58)) / 1500
t_event, t_cens = rng.exponential(1 / rate), 365 + rng.uniform(0, 9 * 365, n)
s["os_days"] = np.maximum(1, np.round(np.minimum(t_event, t_cens))).astype(int)
s["death"] = (t_event <= t_cens).astype(int)
s.to_csv("c/samples.tsv", sep="\t", index=False)
PY
fi
cat > c/study.yaml <<Y
study: {name: bench_cox, seed: 1, output: results}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
clustering: {enabled: false}
outcomes:
  os: {time: os_days, event: death, covariates: [age, sex]}
ranking: {test: cox, endpoint: os}
Y
t() { /usr/bin/time -f "%e %M" -o time.txt "$@"; cat time.txt; }
read s1 m1 < <(t "$PRECIS" run c/study.yaml --output r1 --fresh 2>/dev/null)
read sR mR < <(t mpirun -n "$RANKS" --bind-to none "$PRECIS" run c/study.yaml --output rR --fresh 2>/dev/null)
read sr mr < <(t Rscript - <<'R'
suppressPackageStartupMessages(library(survival))
s <- read.delim("c/samples.tsv")
x <- as.matrix(read.delim("c/proteinGroups.txt", row.names = 1, check.names = FALSE))
x <- log2(replace(x, x == 0, NA))
x <- sweep(x, 2, apply(x, 2, median, na.rm = TRUE))   # each sample's median, as proteome.normalize: median
res <- lapply(rownames(x), function(p) {
  z <- as.numeric(scale(x[p, ]))
  fit <- coxph(Surv(s$os_days, s$death) ~ z + s$age + s$sex)
  c(hr = exp(coef(fit)[[1]]), p = summary(fit)$coefficients[1, 5])
})
out <- data.frame(feature_id = rownames(x), do.call(rbind, res))
write.table(out, "peer.tsv", sep = "\t", quote = FALSE, row.names = FALSE)
R
)
$PY - <<'PY'
import numpy as np
import pandas as pd
b = pd.read_csv("r1/biomarkers.tsv", sep="\t").set_index("feature_id")
r = pd.read_csv("peer.tsv", sep="\t").set_index("feature_id")
d = np.abs(np.log(b.hr[r.index]) - np.log(r.hr)).max()
print(f"hazard ratios against R's coxph: largest |log HR difference| {d:.2g} over {len(r)} proteins")
assert d < 1e-4, d
PY
cmp r1/biomarkers.tsv rR/biomarkers.tsv && echo "biomarkers.tsv: identical on 1 and $RANKS ranks"
awk -v n=$N -v p=$P -v s1=$s1 -v sR=$sR -v sr=$sr -v m1=$m1 -v mR=$mR -v mr=$mr -v r=$RANKS 'BEGIN {
  printf "cox ranking, %d samples x %d proteins (whole process)\n", n, p
  printf "  precis, 1 rank:    %8.1f s  peak %6.0f MiB\n", s1, m1 / 1024
  printf "  precis, %d ranks:   %8.1f s  peak %6.0f MiB (the largest rank)\n", r, sR, mR / 1024
  printf "  R coxph (lapply):  %8.1f s  peak %6.0f MiB\n", sr, mr / 1024
  printf "  ratio R / precis:  %.1fx on 1 rank, %.1fx on %d ranks (goal >= 20x)\n", sr / s1, sr / sR, r }'

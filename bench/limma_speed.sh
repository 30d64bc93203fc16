#!/usr/bin/env bash
# Benchmark: biomarker ranking, precis against R limma (its peer), same input, whole process each, one process
# each (precis one thread unless THREADS is set).
#   bench/limma_speed.sh [SAMPLES] [PROTEINS] [ROUNDS] [WORKDIR]   (default 50000 x 3000, 1 round; run after
#                                                                   scripts/build.sh and scripts/setup.sh --bench)
# Input: a simulated MaxQuant proteinGroups.txt (scripts/make_cohort.py, 2 groups) and its sheet. R: read.delim,
# log2, lmFit + eBayes + topTable(number = Inf), written out. precis: `precis run` of a proteome-only study with
# log2, no normalisation, no clustering, ranking by the sheet's group with test: moderated (QC tables, the cohort
# store, biomarkers.tsv and provenance included). Prints both wall times, peak memory and the ratio; checks that
# the two agree (largest relative difference of t over all proteins).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-50000}
P=${2:-3000}
ROUNDS=${3:-1}
W=${4:-$(mktemp -d)}
export OMP_NUM_THREADS=${THREADS:-1}
Rscript -e 'suppressPackageStartupMessages(library(limma))' 2>/dev/null ||
  { echo "limma_speed: needs R limma: scripts/setup.sh --bench" >&2; exit 2; }
mkdir -p "$W" && cd "$W"
if [[ ! -f c/proteinGroups.txt ]]; then
  /usr/bin/python3 "$here/scripts/make_cohort.py" c "$N" "$P" 2 1
  /usr/bin/python3 -c "
import pandas as pd
t = pd.read_csv('c/truth.tsv', sep='\t', dtype=str)
t.rename(columns={'subtype': 'group'}).to_csv('c/samples.tsv', sep='\t', index=False)"
fi
cat > c/study.yaml <<'Y'
study: {name: bench_limma, seed: 1}
samples: {sheet: samples.tsv, phenotypes: [group]}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, transform: log2, normalize: none}
cohort: {max_missing: 1}
clustering: {enabled: false}
ranking: {groups: group, levels: ["1", "2"], test: moderated}
Y
cat > limma.R <<'R'
suppressPackageStartupMessages(library(limma))
x <- read.delim("c/proteinGroups.txt", check.names = FALSE, row.names = 1)
s <- read.delim("c/samples.tsv", colClasses = "character")
y <- log2(as.matrix(x))
colnames(y) <- sub("^LFQ intensity ", "", colnames(y))
g <- factor(s$group[match(colnames(y), s$sample_id)], levels = c("1", "2"))
fit <- eBayes(lmFit(y, model.matrix(~g)))
write.table(topTable(fit, coef = 2, number = Inf), "limma_top.tsv", sep = "\t", quote = FALSE)
R
best() { sort -g | head -1; }
: > r.txt; : > p.txt
for ((i = 0; i < ROUNDS; i++)); do
  /usr/bin/time -f "%e %M" -o r1.txt Rscript limma.R; cat r1.txt >> r.txt
  /usr/bin/time -f "%e %M" -o p1.txt "$here/build/src/precis" run c/study.yaml --fresh --output out 2>/dev/null; cat p1.txt >> p.txt
done
R=$(cut -d' ' -f1 r.txt | best); Pt=$(cut -d' ' -f1 p.txt | best)
Rm=$(cut -d' ' -f2 r.txt | sort -g | tail -1); Pm=$(cut -d' ' -f2 p.txt | sort -g | tail -1)
printf "%d samples x %d proteins: R limma %.1f s (%d MiB), precis %.1f s (%d MiB): %.1fx\n" "$N" "$P" "$R" \
  $((Rm / 1024)) "$Pt" $((Pm / 1024)) "$(echo "$R / $Pt" | bc -l)"
/usr/bin/python3 - <<'PY'
import numpy as np, pandas as pd
r = pd.read_csv("limma_top.tsv", sep="\t", index_col=0)
p = pd.read_csv("out/biomarkers.tsv", sep="\t", index_col="feature_id")
p = p.loc[r.index]
d = np.max(np.abs(p.statistic - r.t) / np.abs(r.t))
print(f"largest relative difference of t from limma: {d:.1e}")
PY
echo "(precis threads: $OMP_NUM_THREADS; results in $W)"

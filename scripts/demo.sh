#!/usr/bin/env bash
# The demo: installs what precis needs, builds it, simulates a cohort of 200 samples with 3 molecular subtypes,
# and analyses it on 4 MPI ranks. Usage: scripts/demo.sh [FOLDER]   (default: demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
source scripts/mpi-env.sh
out=${1:-demo}
build/src/precis simulate --out "$out" --samples 200 --subtypes 3 --seed 1
mpirun -n 4 --bind-to none build/src/precis run "$out/study.yaml"
cat <<MSG

Demo finished. Results are in $out/results/:
  report.html      open it in a browser: QC, subtypes, embedding, phenotypes, biomarkers
  subtypes.tsv     the subtype of each sample (compare with $out/truth.tsv)
  clustering.tsv   PAC, delta area and silhouette for each k, and the chosen k
  biomarkers.tsv   ranked biomarkers (compare with $out/truth_features.tsv)
  qc/              per-sample genome and proteome QC (multiqc $out/results/qc shows them too)
  cohort.h5mu      the cohort store (MuData/AnnData layout)
  provenance.json  what was run, on what, by which version
MSG

#!/usr/bin/env bash
# The demo: installs what precis needs, builds it, simulates a cohort of 200 samples with 3 molecular subtypes,
# analyses it on 4 MPI ranks, and places 20 new patients into its subtypes with the saved model (precis classify).
# Usage: scripts/demo.sh [FOLDER]   (default: demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
source scripts/mpi-env.sh
out=${1:-demo}
build/src/precis simulate --out "$out" --samples 200 --subtypes 3 --seed 1
mpirun -n 4 --bind-to none build/src/precis run "$out/study.yaml"
# twenty new patients from the same truth, placed into the subtypes by the run's saved model
build/src/precis simulate --out "$out/new" --samples 20 --subtypes 3 --seed 1 --cohort 1
mpirun -n 4 --bind-to none build/src/precis classify "$out/results/model/subtype_model.h5" "$out/new/study.yaml" \
  --output "$out/new/classified"
cat <<MSG

Demo finished. Results are in $out/results/:
  report.html      open it in a browser: QC, subtypes, embedding, phenotypes, survival, biomarkers
  subtypes.tsv     the subtype of each sample (compare with $out/truth.tsv)
  clustering.tsv   PAC, delta area and silhouette for each k, and the chosen k
  biomarkers.tsv   ranked biomarkers (compare with $out/truth_features.tsv)
  survival.tsv     each subtype's median overall survival and hazard ratio (survival_tests.tsv: log-rank, Cox)
  qc/              per-sample genome and proteome QC (multiqc $out/results/qc shows them too)
  cohort.h5mu      the cohort store (MuData/AnnData layout)
  provenance.json  what was run, on what, by which version
  model/subtype_model.h5  the subtype model that precis classify uses
and in $out/new/classified/ the twenty new patients: classified.tsv (subtype, probabilities, status; compare with
$out/new/truth.tsv, whose subtype numbers are the simulation's), validation.tsv and report.html.
MSG

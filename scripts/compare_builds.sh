#!/usr/bin/env bash
# Whether two builds of precis give the same results: the demo study (200 samples, 3 subtypes) and every example
# study in configs/ (on the data example_configs.sh makes), each at 1, 2 and 4 ranks, compared output by output with
# tests/e2e/same_results.py --other-build (every file byte for byte, the store's datasets, provenance.json but for
# what describes the run). For refactorings that must not change a byte: build the commit before in another work
# tree, then
#   scripts/compare_builds.sh OLD/build/src/precis build/src/precis [WORKDIR]
# Prints one line per study and rank count; exits 1 at the first difference.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
old=$(readlink -f "$1") new=$(readlink -f "$2") work=${3:-$(mktemp -d)}
source "$here/scripts/mpi-env.sh"
PY=/usr/bin/python3
mkdir -p "$work" && cd "$work"
if [[ ! -d demo ]]; then
  "$new" simulate --out demo --samples 200 --subtypes 3 --seed 1 >/dev/null
  "$new" simulate --out sim --samples 40 --subtypes 2 --seed 4 --resamples 10 >/dev/null
  bcftools merge -0 -Ob -o sim/cohort.bcf sim/vcf/*.vcf.gz && bcftools index sim/cohort.bcf
  $PY "$here/tests/fixtures/to_cohort_proteome.py" sim >/dev/null
  cp "$here"/configs/*.yaml sim/
fi
studies=(demo/study.yaml)
for cfg in "$here"/configs/*.yaml; do studies+=("sim/$(basename "$cfg")"); done
run() {  # BIN NP STUDY OUT
  local extra=()
  case $(basename "$3" .yaml) in
    case-control|qc-first-pass|study) ;;
    proteome-only) extra=(--set clustering.resamples=10 --set proteome.id_column=protein_id
                          --set proteome.value_column=abundance) ;;
    *) extra=(--set clustering.resamples=10) ;;
  esac
  if [[ $2 == 1 ]]; then "$1" run "$3" "${extra[@]}" --output "$4" 2>"$4.log"
  else mpirun -n "$2" --bind-to none "$1" run "$3" "${extra[@]}" --output "$4" 2>"$4.log"; fi \
    || { cat "$4.log"; echo "compare_builds: $1 failed on $3 at $2 rank(s)"; exit 1; }
}
for study in "${studies[@]}"; do
  name=$(basename "$study" .yaml)
  for np in 1 2 4; do
    rm -rf "old-$name-$np" "new-$name-$np"
    run "$old" $np "$study" "old-$name-$np"
    run "$new" $np "$study" "new-$name-$np"
    printf '%-16s np=%s: ' "$name" $np
    $PY "$here/tests/e2e/same_results.py" "old-$name-$np" "new-$name-$np" --other-build
  done
done
echo "compare_builds: the same results for ${#studies[@]} studies at 1, 2 and 4 ranks (in $work)"

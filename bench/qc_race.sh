# Shared by bench/plink_qc.sh and bench/bgen_qc.sh (sourced, in the bench's work folder, with P the precis binary):
# a genome-only qc-only study of one cohort file, raced against a peer command.

# qc_study NAME COHORT_FILE: writes qc.yaml (samples.tsv beside it)
qc_study() {
  cat > qc.yaml <<YAML
workflow: qc-only
study: {name: $1}
samples: {sheet: samples.tsv}
genome: {cohort_file: $2}
YAML
}

now() { date +%s.%N; }

# qc_race PEER_COMMAND...: the peer and precis (1 process x 1 thread, into r1) alternate ROUNDS times (default 3);
# b and p get the best of each; then precis on 2 ranks (into r2), p2 its time, and r1/r2 compared
qc_race() {
  local rounds=${ROUNDS:-3} t0 t i
  b="" p=""
  for ((i = 0; i < rounds; ++i)); do
    t0=$(now); "$@" >/dev/null 2>&1; t=$(echo "$(now) - $t0" | bc)
    if [[ -z $b ]] || (( $(echo "$t < $b" | bc) )); then b=$t; fi
    t0=$(now); OMP_NUM_THREADS=1 "$P" run qc.yaml --output r1 --fresh >/dev/null 2>&1; t=$(echo "$(now) - $t0" | bc)
    if [[ -z $p ]] || (( $(echo "$t < $p" | bc) )); then p=$t; fi
  done
  t0=$(now); mpirun -n 2 --bind-to none "$P" run qc.yaml --output r2 --fresh >/dev/null 2>&1; p2=$(echo "$(now) - $t0" | bc)
  cmp r1/qc/genome.tsv r2/qc/genome.tsv && echo "qc/genome.tsv: identical on 1 and 2 ranks"
}

# stage_report: where the time goes (the stages' seconds as provenance.json records them; CPU seconds of each rank)
stage_report() {
  /usr/bin/python3 - <<'PY'
import json
for run in ("r1", "r2"):
    p = json.load(open(f"{run}/provenance.json"))
    st = ", ".join(f"{k} {v:.3f} s" for k, v in p["stage_seconds"].items())
    cpu = ", ".join(f"{c:.2f}" for c in p["cpu_seconds_per_rank"])
    print(f"  {run}: stages {st}; CPU seconds per rank: {cpu}")
PY
}

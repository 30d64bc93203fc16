# precis slurm on a real single-node Slurm (slurmctld, slurmd and munged on localhost, started here and stopped by
# pid): jobs of 2 and 4 tasks (srun --mpi=pmix, and mpirun) COMPLETE with the results of a plain run; paths full of
# shell syntax stay text; a malformed study is refused before anything is written or submitted; a job whose time
# limit falls mid-run is signalled, saves its work, requeues itself and finishes with an uninterrupted run's results.
source "$(dirname "$0")/lib.sh"
source "$PRECIS_TESTS/slurm/cluster.sh"
[[ $(id -u) == 0 ]] || fail "the Slurm tests run slurmd as root (SlurmUser=root): run them as root"
command -v slurmctld >/dev/null || fail "needs slurm-wlm and munge (scripts/setup.sh --test)"
trap 'slurm_stop "$WORK/cluster"' EXIT
slurm_start "$WORK/cluster" || fail "could not start Slurm: $(tail -5 "$WORK"/cluster/log/*.log)"
same() { $PY "$PRECIS_TESTS/e2e/same_results.py" "$1" "$2" >/dev/null || fail "$3: $($PY "$PRECIS_TESTS/e2e/same_results.py" "$1" "$2" 2>&1)"; }
jobs_now() { squeue -h -o %i | wc -l; }

"$PRECIS" simulate --out demo --samples 60 --subtypes 3 --seed 4 --resamples 50 >/dev/null
cat >> demo/study.yaml <<'EOF'
resources:
  ntasks: 2
  cpus_per_task: 1
  time: "00:10:00"
  mem_per_cpu: 500M
  sbatch_options: [--overcommit]   # 4 tasks on this 2-core machine
EOF
precis_np 2 run demo/study.yaml --output ref 2>/dev/null

# 2 tasks with srun --mpi=pmix, 4 with srun and 4 with mpirun: COMPLETED, the plain run's results
for c in "2 srun" "4 srun" "4 mpirun"; do
  read -r n l <<<"$c"
  d="$PWD/job_${n}_$l"
  id=$("$PRECIS" slurm demo/study.yaml --submit --output "$d" --set resources.ntasks=$n --set resources.launcher=$l 2> submit.log) \
    || fail "submit $c: $(cat submit.log)"
  [[ $id =~ ^[0-9]+$ ]] || fail "--submit printed '$id', not a job id"
  state=$(slurm_wait "$id" 300)
  [[ $state == COMPLETED ]] || fail "job $c ended $state: $(cat "$d"/logs/*.log)"
  grep -q "^#SBATCH --ntasks=$n$" "$d/simulated.sbatch" || fail "$c: no --ntasks=$n line"
  $PY -c "import json,sys; p = json.load(open('$d/provenance.json')); sys.exit(p['ranks'] != $n)" || fail "$c: not $n ranks"
  same ref "$d" "job $c"
  grep -q "precis: samples 60/60 done" "$d"/logs/simulated-"$id".log || fail "$c: no progress lines in the job log"
  note "job of $c: COMPLETED, results identical to a plain run"
done

# the script's parts: thread count, placement, signal, requeue
s=job_2_srun/simulated.sbatch
for want in 'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"' '#SBATCH --signal=B:USR1@300' '#SBATCH --requeue' \
            'srun --mpi=pmix -c "$OMP_NUM_THREADS"' '#SBATCH --cpus-per-task=1' '#SBATCH --time=00:10:00' \
            '#SBATCH --mem-per-cpu=500M' '#SBATCH --overcommit' '#SBATCH --job-name=simulated'; do
  grep -qF -- "$want" "$s" || fail "the script lacks: $want"
done
grep -qF -- 'mpirun --map-by slot:PE="$OMP_NUM_THREADS"' job_4_mpirun/simulated.sbatch || fail "no mpirun placement"

# shell syntax in the study's folder and the output folder stays text
weird="$PWD/st dir \$(touch PWNED1); 'q' \`touch PWNED2\`"
mkdir -p "$weird" && cp -r --preserve=timestamps demo/. "$weird/"
out="$PWD/out \$(touch PWNED3); x 'y'"
id=$("$PRECIS" slurm "$weird/study.yaml" --submit --output "$out" 2>submit.log) || fail "weird paths: $(cat submit.log)"
state=$(slurm_wait "$id" 300)
[[ $state == COMPLETED ]] || fail "weird paths: job ended $state"
[[ -f "$out/provenance.json" ]] || fail "weird paths: no results in the quoted output folder"
[[ -z $(find "$WORK" /tmp "$HOME" -name 'PWNED*' 2>/dev/null | head -1) ]] || fail "a path was run as shell"
for f in biomarkers.tsv subtypes.tsv clustering.tsv qc/proteome.tsv qc/genome.tsv; do  # inputs live elsewhere
  cmp "ref/$f" "$out/$f" || fail "weird paths: $f differs"
done
expect_exit 2 "$PRECIS" slurm demo/study.yaml --output "$PWD/a\"b"
expect_in "cannot carry" "$OUT"
note "paths with \$(), backquotes, ';', quotes and spaces stay text"

# a malformed study: refused before any script is written or job submitted
before=$(jobs_now)
cp demo/study.yaml bad.yaml && sed -i 's|  sheet: samples.tsv|  sheet: missing.tsv|; s|  time: "00:10:00"|  time: "ten minutes"|' bad.yaml
cp -r --preserve=timestamps demo/proteome demo/vcf demo/samples.tsv demo/genes.bed . 2>/dev/null || true
expect_exit 2 "$PRECIS" slurm bad.yaml --submit --output "$PWD/bad_out"
expect_in "missing.tsv" "$OUT"
expect_in "not a Slurm time" "$OUT"
expect_in "nothing was submitted" "$OUT"
[[ ! -e bad_out ]] || fail "a script or folder was written for a malformed study"
[[ $(jobs_now) == "$before" ]] || fail "a malformed study was submitted"
sed "s|  name: simulated|  name: \"x\$(touch PWNED4); 'q' y\"|" demo/study.yaml > demo/badname.yaml
expect_exit 2 "$PRECIS" slurm demo/badname.yaml --submit --output "$PWD/badname_out"
expect_in "study.name" "$OUT"
[[ ! -e badname_out && -z $(find "$WORK" -name 'PWNED4') ]] || fail "a study name with shell syntax got a script"
[[ $(jobs_now) == "$before" ]] || fail "a study with a bad name was submitted"
note "a malformed study (and a study name with \$(), quotes and spaces): exit 2, no script, no job"

# the time limit falls mid-run: USR1 before it, precis saves, the job requeues itself and resumes. The limit is 2
# minutes and the signal is due 60 s before it (Slurm may send it up to a minute early), so the job's work must
# outlast 60 s in any build: VCFs of 20,000 records each (200 files), the sheet repeating them as often as ~85 s of
# one worker needs, measured on the 200 first (at most 30 times, 6,000 samples; fewer under ASan): 25 s beyond the
# latest the signal can come (it was ~110 s until stop 45).
n=$(slow_study 85 30 <<'EOF'
resources:
  ntasks: 2
  cpus_per_task: 1
  time: "00:02:00"
  save_before: 60
  mem_per_cpu: 1G
  sbatch_options: [--overcommit]
EOF
)
id=$("$PRECIS" slurm slow/study.yaml --submit --output "$PWD/slow_job" 2>submit.log) || fail "slow: $(cat submit.log)"
# the uninterrupted run alongside: each has one worker (rank 0 hands out samples), one core each
precis_np 2 run slow/study.yaml --output slow_ref 2>slow_ref.log &
ref_pid=$!
state=$(slurm_wait "$id" 900 1)  # 1: a requeued job starts again at once, not after Slurm's two-minute delay
wait $ref_pid || fail "the uninterrupted run failed: $(tail -5 slow_ref.log)"
log=slow_job/logs/simulated-$id.log
[[ $state == COMPLETED ]] || fail "the requeued job ended $state: $(tail -20 "$log")"
grep -q "stopped by SIGUSR1" "$log" || fail "precis was not signalled before the limit: $(cat "$log")"
grep -q "requeueing job $id" "$log" || fail "the job did not requeue itself"
grep -q "(restart 1)" "$log" || fail "the job did not run again"
taken=$(grep -o "[0-9]* of $n samples taken from the journal" "$log" | tail -1 | cut -d' ' -f1)
(( taken > 0 )) || fail "the requeued job took nothing from the journal"
same slow_ref slow_job "requeued job"
note "time limit mid-run, $n samples: signalled, saved, requeued ($(grep -c '(restart' "$log") starts), resumed with $taken samples from the journal, results identical"
note "ok"

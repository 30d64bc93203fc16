# Lose nothing: a run killed at any point (per-sample work, a cohort BCF's regions, the store's write, clustering),
# on rank 0 or a worker,
# with SIGKILL, SIGTERM, SIGINT or SIGUSR1, as one process or on 4 ranks, resumes and ends with the results of an
# uninterrupted run. A rerun of a finished run does no per-sample work; a damaged journal tail, a changed input or
# setting recomputes just what depends on it; a full disk keeps the finished samples.
# The kills come from PRECIS_TEST_KILL (core/signals.hpp: the process raises the signal at a named point), so that
# each lands where it is meant to; one more is sent from outside, at whatever point the run has reached.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 120 --subtypes 3 --seed 21 >/dev/null
"$PRECIS" run sim/study.yaml --output ref 2> ref.log || { cat ref.log; fail "reference run"; }
same() {  # same FOLDER WHAT [REFERENCE]
  $PY "$PRECIS_TESTS/e2e/same_results.py" "${3:-ref}" "$1" >/dev/null ||
    fail "$2: $($PY "$PRECIS_TESTS/e2e/same_results.py" "${3:-ref}" "$1" 2>&1)"
}
unfinished() {  # nothing under its final name looks finished
  for f in provenance.json cohort.h5mu biomarkers.tsv subtypes.tsv clustering.tsv; do
    [[ ! -e "$1/$f" ]] || fail "$2: $f exists after the kill"
  done
}
taken() { grep -o '[0-9]* of 120 samples taken from the journal' "$1" | cut -d' ' -f1; }

# np point:N:signal[:rank] expected-exit (rank w: whichever worker gets there first; the farm shares work by timing) ('fail' = any non-zero: mpirun reports a rank killed by SIGKILL its own way)
cases=(
  "1 sample:50:9 137" "1 sample:50:15 143" "1 store:1:9 137" "1 clustering:1:15 143" "1 clustering:1:2 130"
  "1 sample:30:10 143"
  "4 sample:20:9:w fail" "4 sample:40:15:0 143" "4 sample:40:9:0 fail" "4 sample:20:2:w 130" "4 store:1:15:3 143"
  "4 clustering:1:9:1 fail" "4 clustering:1:10:0 143"
)
# kill_and_resume STUDY REFERENCE LABEL "NP SPEC WANT": the killed run's exit, nothing finished-looking left, and
# a rerun with the reference's results; leaves the rerun's log in $d.resume.log
kill_and_resume() {
  local study=$1 ref=$2 label=$3 np spec want got
  read -r np spec want <<<"$4"
  d="${label}_${np}_${spec//:/_}"
  set +e
  PRECIS_TEST_KILL=$spec precis_np "$np" run "$study" --output "$d" > "$d.log" 2>&1
  got=$?
  set -e
  if [[ $want == fail ]]; then [[ $got != 0 ]] || fail "$label $4: the run was not stopped"
  else [[ $got == "$want" ]] || { show_log "$d.log"; fail "$label $4: exit $got, expected $want"; }
  fi
  [[ $want == fail || $spec == *:9* ]] || grep -q "run the same command again to resume" "$d.log" ||
    fail "$label $4: no resume hint"
  unfinished "$d" "$label $4"
  precis_np "$np" run "$study" --output "$d" > "$d.resume.log" 2>&1 || { show_log "$d.resume.log"; fail "$label $4: resume"; }
  same "$d" "$label $4" "$ref"
  killed_exit=$got
}

for c in "${cases[@]}"; do
  kill_and_resume sim/study.yaml ref samples "$c"
  n=$(taken "$d.resume.log")
  case $c in *sample:*) (( n > 0 && n < 120 )) || fail "$c: $n samples from the journal after a kill mid-way";;
              *) [[ $n == 120 ]] || fail "$c: $n samples from the journal after a kill past the samples";; esac
  note "$c: exit $killed_exit, resumed with $n of 120 samples from the journal, results identical"
done

# a cohort BCF: its regions are the unit of work, journalled as they finish
bcftools merge -0 -Ob -o sim/cohort.bcf sim/vcf/*.vcf.gz && bcftools index sim/cohort.bcf
sed 's|  path_column: vcf|  cohort_file: cohort.bcf|' sim/study.yaml > sim/bcf.yaml
"$PRECIS" run sim/bcf.yaml --output bcf_ref 2>/dev/null
for c in "1 region:80:9 137" "1 region:100:15 143" "4 region:30:9:w fail" "4 region:30:15:w 143" "4 region:20:2:w 130"; do
  kill_and_resume sim/bcf.yaml bcf_ref bcf "$c"
  r=$(grep -o '[0-9]* of [0-9]* regions taken from the journal' "$d.resume.log" | cut -d' ' -f1)
  (( r > 0 )) || fail "cohort BCF $c: no region taken from the journal"
  note "cohort BCF $c: exit $killed_exit, resumed with $r regions from the journal, results identical"
done

# a signal from outside, at whatever point the run has got to (if it already finished, it must still rerun the same)
"$PRECIS" simulate --out big --samples 500 --subtypes 3 --seed 22 >/dev/null
"$PRECIS" run big/study.yaml --output big_ref 2>/dev/null
"$PRECIS" run big/study.yaml --output big_k > big_k.log 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "samples .* done" big_k.log && break; sleep 0.02; done
kill -TERM $pid
set +e; wait $pid; got=$?; set -e
[[ $got == 143 || $got == 0 ]] || fail "outside SIGTERM: exit $got"
"$PRECIS" run big/study.yaml --output big_k > big_k2.log 2>&1
$PY "$PRECIS_TESTS/e2e/same_results.py" big_ref big_k >/dev/null || fail "outside SIGTERM: results differ"
note "outside SIGTERM: exit $got; resumed with $(grep -o '[0-9]* of 500 samples taken' big_k2.log)"

# the journal holds the samples' protein id list once per file, not once per sample record
for j in ref/.precis/journal/*.jnl; do
  [[ $(grep -a -o PROT0001 "$j" | wc -l) == 1 ]] || fail "$j: the id list $(grep -a -o PROT0001 "$j" | wc -l) times"
done

# a finished run, run again with nothing changed: nothing to do, the folder left as it is
stamp() { find ref -type f -not -path 'ref/.precis/*' -not -path 'ref/logs/*' -not -name '*.sbatch' -printf '%P %s %T@\n' | sort; }
before=$(stamp)
mkdir -p ref/logs && echo "a Slurm job's log, written after its run has finished" >> ref/logs/job-1.log
echo "#!/bin/bash" > ref/simulated.sbatch  # (precis slurm's; neither is a result)
precis_np 4 run sim/study.yaml --output ref 2> again.log || { show_log again.log; fail "rerun of a finished run"; }
expect_in "precis: nothing to do: $PWD/ref holds this study's results, finished" "$(cat again.log)"
[[ $(stamp) == "$before" ]] || fail "a rerun with nothing changed touched the results"
[[ -z $(taken again.log) ]] || fail "a rerun with nothing changed read the journal"
note "a rerun of a finished run with nothing changed does nothing: $(grep -o 'real [0-9.]* s' again.log)"
# an input touched (same bytes, a new modification time), a result deleted or edited, --fresh: the run is made
# again; every sample and both cohort stages come from the earlier run, and the results are the same
cp -r ref ref_first
for change in touch delete edit fresh; do
  extra=()
  case $change in
    touch) touch "sim/$(awk -F'\t' 'NR == 2 {print $3}' sim/samples.tsv)";;
    delete) rm ref/clustering.tsv;;
    edit) sed -i '2s/^/x/' ref/biomarkers.tsv;;
    fresh) extra=(--fresh);;
  esac
  precis_np 4 run sim/study.yaml --output ref "${extra[@]}" 2> again.log || { show_log again.log; fail "$change: rerun"; }
  [[ $(cat again.log) != *"nothing to do"* ]] || fail "$change: the run was not made again"
  if [[ $change != fresh ]]; then
    [[ $(taken again.log) == 120 ]] || fail "$change: $(taken again.log) samples from the journal"
    $PY - <<'PY' || fail "$change: provenance of the rerun"
import json
r = json.load(open("ref/provenance.json"))["resumed"]
assert r["samples_from_journal"] == 120 and r["stages_from_cache"] == ["clustering", "ranking"], r
PY
  fi
  same ref "rerun after $change" ref_first
done
note "an input touched, a result deleted or edited, --fresh: the run is made again, from the journal and cache"

# damage: a torn tail and a flipped byte inside a record; those samples are recomputed
cp -r --preserve=timestamps ref dmg
j=$(ls dmg/.precis/journal/*.jnl | head -1)
size=$(stat -c %s "$j")
truncate -s $((size - 1000)) "$j"
printf 'X' | dd of="$j" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$PRECIS" run sim/study.yaml --output dmg 2> dmg.log
grep -q "torn or damaged part" dmg.log || fail "the torn tail was not reported"
n=$(taken dmg.log)
(( n >= 110 && n <= 118 )) || fail "damaged journal: $n samples taken (expected all but the damaged ones)"
same dmg "damaged journal"
note "damaged journal: $n of 120 taken, the rest recomputed"

# a changed setting reruns what depends on it; a changed input reruns that sample
cp -r --preserve=timestamps ref chg
"$PRECIS" run sim/study.yaml --output chg --set ranking.test=wilcoxon 2> chg1.log
$PY -c "import json; r = json.load(open('chg/provenance.json'))['resumed']; assert r['stages_from_cache'] == ['clustering'], r" \
  || fail "ranking.test changed: clustering should come from the cache, ranking be recomputed"
"$PRECIS" run sim/study.yaml --output chg --set clustering.k.max=5 2> chg2.log
$PY -c "import json; r = json.load(open('chg/provenance.json'))['resumed']; assert r['stages_from_cache'] == [], r" \
  || fail "clustering.k.max changed: both stages depend on it"
[[ $(taken chg2.log) == 120 ]] || fail "a cohort setting must not rerun the samples"
f=$(awk -F'\t' 'NR == 6 {print $3}' sim/samples.tsv)
[[ -f sim/$f ]] || fail "no proteome table in the sheet's column 3: $f"
sed -i '3s/\t.*$/\t12345/' "sim/$f"
"$PRECIS" run sim/study.yaml --output chg 2> chg3.log
[[ $(taken chg3.log) == 119 ]] || fail "one changed input: $(taken chg3.log) samples taken (expected 119)"
printf '1\t1\t900000\tGENE_EXTRA\n' >> sim/genes.bed  # a changed genes file: every sample's burden
"$PRECIS" run sim/study.yaml --output chg 2> chg5.log
[[ $(taken chg5.log) == 0 ]] || fail "a changed genes BED: $(taken chg5.log) samples taken (expected 0)"
"$PRECIS" run sim/study.yaml --output chg --fresh 2> chg4.log
[[ $(taken chg4.log) == 0 ]] || fail "--fresh: $(taken chg4.log) samples taken"
note "changed settings, inputs and genes BED rerun what depends on them; --fresh starts over"

# one run per output folder
command -v flock >/dev/null || fail "needs flock(1) from util-linux"
( exec 9> ref/.precis/lock; flock -n 9; sleep 5 ) &
holder=$!
sleep 0.3
expect_exit 2 "$PRECIS" run sim/study.yaml --output ref
expect_in "another precis run is using the output folder" "$OUT"
kill $holder 2>/dev/null || true
[[ -f ref/provenance.json ]] || fail "a refused run must leave the folder alone"

# an output folder that cannot be written: an error before any work (a path through a file; a read-only mount)
expect_exit 2 "$PRECIS" run sim/study.yaml --output sim/study.yaml/out
expect_in "cannot write the output folder" "$OUT"
if mkdir -p ro && mount -t tmpfs -o ro,size=1m tmpfs ro 2>/dev/null; then
  expect_exit 2 "$PRECIS" run sim/study.yaml --output ro/out
  umount ro
  expect_in "cannot write the output folder $PWD/ro/out" "$OUT"
  [[ $OUT != *"samples "*" done"* ]] || fail "work started on an unwritable folder"
  note "unwritable output folders: exit 2 before any work"
fi

# a full disk: a clear error, the finished samples kept (needs a small tmpfs: root; 256 KiB: the journal of the
# 120 samples is about 450 KiB)
if mkdir -p tiny && mount -t tmpfs -o size=256k tmpfs tiny 2>/dev/null; then
  trap 'umount '"$PWD"'/tiny 2>/dev/null || true' EXIT
  expect_exit 1 "$PRECIS" run sim/study.yaml --output tiny/out
  expect_in "No space left on device" "$OUT"
  expect_in "run the same command again to resume" "$OUT"
  mount -o remount,size=64m tiny
  "$PRECIS" run sim/study.yaml --output tiny/out 2> full.log
  n=$(taken full.log)
  (( n > 0 )) || fail "full disk: nothing was kept"
  same tiny/out "full disk" chg  # chg: the last uninterrupted run on these (changed) inputs
  note "full disk: exit 1 with the reason; $n samples kept and reused"
else
  note "full disk: skipped (cannot mount a tmpfs here: needs root)"
fi
note "ok"

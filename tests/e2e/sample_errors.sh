# Inputs that are missing are found before any work starts: with on_sample_error: fail that is exit 2 naming the
# sample, the sheet line and the fix. A file that is there but broken comes back from its worker as an error
# result: fail stops the run with exit 2, leaving nothing that looks finished; skip goes on without the sample
# (on several ranks: the worker does not abort).
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 30 --subtypes 3 --seed 5 --resamples 20 >/dev/null
head -c 400 sim/vcf/S00003.vcf.gz > trunc && mv trunc sim/vcf/S00003.vcf.gz   # truncated bgzip
mv sim/proteome/S00005.tsv S00005.tsv.away                                   # missing file

expect_exit 2 precis_np 3 run sim/study.yaml --output failrun
expect_in "$PWD/sim/samples.tsv:6: sample 'S00005': $PWD/sim/proteome/S00005.tsv does not exist" "$OUT"
expect_in "on_sample_error: skip" "$OUT"
[[ ! -e failrun ]] || fail "a run refused by validation created its output folder"

mv S00005.tsv.away sim/proteome/S00005.tsv
expect_exit 2 precis_np 3 run sim/study.yaml --output failrun
expect_in "sample 'S00003' (sheet line 4)" "$OUT"
expect_in "cannot read the VCF header" "$OUT"
expect_in "on_sample_error: skip" "$OUT"
[[ ! -e failrun/provenance.json && ! -e failrun/cohort.h5mu && ! -e failrun/subtypes.tsv ]] \
  || fail "a failed run left finished-looking outputs"
[[ $(grep -c "precis: malformed input" <<< "$OUT") == 1 ]] || fail "the error should be reported once: $OUT"

mv sim/proteome/S00005.tsv S00005.tsv.away
sed -i 's/on_sample_error: fail/on_sample_error: skip/' sim/study.yaml
expect_exit 0 precis_np 3 run sim/study.yaml --output skiprun
expect_in "warning: $PWD/sim/samples.tsv:6: sample 'S00005'" "$OUT"
grep -P "^S00003\terror\t.*S00003" skiprun/qc/genome.tsv >/dev/null || fail "S00003 not reported as error"
grep -P "^S00005\terror\t.*does not exist" skiprun/qc/proteome.tsv >/dev/null || fail "S00005 not reported as error"
[[ $(tail -n +2 skiprun/subtypes.tsv | wc -l) == 28 ]] || fail "expected 28 analysed samples"
if cut -f1 skiprun/subtypes.tsv | grep -qE "^S0000(3|5)$"; then fail "errored samples were analysed"; fi
$PY -c "
import json; p = json.load(open('skiprun/provenance.json'))
assert p['samples'] == {'in_sheet': 30, 'analysed': 28}, p['samples']"
note "ok"

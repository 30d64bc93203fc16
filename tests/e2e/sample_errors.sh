# A sample whose file is broken or missing comes back as an error result: with on_sample_error: fail the run stops
# with exit 2 and a message naming the sample and the fix, leaving nothing that looks finished; with skip the run
# goes on without it (on several ranks: the worker does not abort).
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 30 --subtypes 3 --seed 5 --resamples 20 >/dev/null
head -c 400 sim/vcf/S00003.vcf.gz > trunc && mv trunc sim/vcf/S00003.vcf.gz   # truncated bgzip
rm sim/proteome/S00005.tsv                                                   # missing file
expect_exit 2 precis_np 3 run sim/study.yaml --output failrun
expect_in "sample 'S00003' (sheet line 4)" "$OUT"
expect_in "S00005.tsv does not exist" "$OUT"
expect_in "on_sample_error: skip" "$OUT"
[[ ! -e failrun/provenance.json && ! -e failrun/cohort.h5mu && ! -e failrun/subtypes.tsv ]] \
  || fail "a failed run left finished-looking outputs"
[[ $(grep -c "precis: malformed input" <<< "$OUT") == 1 ]] || fail "the error should be reported once: $OUT"

sed -i 's/on_sample_error: fail/on_sample_error: skip/' sim/study.yaml
expect_exit 0 precis_np 3 run sim/study.yaml --output skiprun
grep -P "^S00003\terror\t.*S00003" skiprun/qc/genome.tsv >/dev/null || fail "S00003 not reported as error"
grep -P "^S00005\terror\t" skiprun/qc/proteome.tsv >/dev/null || fail "S00005 not reported as error"
[[ $(tail -n +2 skiprun/subtypes.tsv | wc -l) == 28 ]] || fail "expected 28 analysed samples"
if cut -f1 skiprun/subtypes.tsv | grep -qE "^S0000(3|5)$"; then fail "errored samples were analysed"; fi
$PY -c "
import json; p = json.load(open('skiprun/provenance.json'))
assert p['samples'] == {'in_sheet': 30, 'analysed': 28}, p['samples']"
note "ok"

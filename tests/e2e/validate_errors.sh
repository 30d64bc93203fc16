# precis validate lists every problem as FILE:LINE:COL with a fix and exits 2; precis run refuses the same study
# before any work, on every rank, reporting once.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 20 --subtypes 2 --seed 1 --resamples 10 >/dev/null
expect_exit 0 "$PRECIS" validate sim/study.yaml
expect_in "valid (20 samples, workflow subtype-discovery)" "$OUT"
cat > bad.yaml <<'YAML'
study:
  name: bad study
  seed: 1
samples:
  sheet: sim/samples.tsv
  phenotypes: [sex, height]
proteome:
  path_column: proteome
  normalise: median
clustering:
  k: {min: 4, max: 3}
  choose_k: best
YAML
expect_exit 2 "$PRECIS" validate bad.yaml
expect_in "bad.yaml:2:9: 'study.name' is 'bad study'" "$OUT"
expect_in "bad.yaml:9:3: unknown key 'proteome.normalise'" "$OUT"
expect_in "did you mean 'proteome.normalize'?" "$OUT"
expect_in "bad.yaml:11:" "$OUT"
expect_in "bad.yaml:12:13: 'clustering.choose_k' is 'best'" "$OUT"
expect_exit 2 precis_np 2 run bad.yaml
[[ $(grep -c "unknown key 'proteome.normalise'" <<< "$OUT") == 1 ]] || fail "reported more than once: $OUT"
# sheet problems: a phenotype column that does not exist
sed -e 's/name: bad study/name: ok/' -e '/normalise/d' -e 's/min: 4/min: 2/' -e '/choose_k/d' bad.yaml > sheet.yaml
expect_exit 2 "$PRECIS" validate sheet.yaml
expect_in "samples.tsv:1: no column 'height'" "$OUT"
note "ok"

# Every example study in configs/ validates and runs on data of the shape it documents (from precis simulate).
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 40 --subtypes 2 --seed 4 --resamples 10 >/dev/null
bcftools merge -0 -Ob -o sim/cohort.bcf sim/vcf/*.vcf.gz && bcftools index sim/cohort.bcf   # for cohort-bcf.yaml
$PY "$PRECIS_TESTS/fixtures/to_cohort_proteome.py" sim                                   # npx.csv, proteinGroups.txt
"$PRECIS" simulate --out simp --samples 40 --subtypes 2 --seed 4 --resamples 10 --genotype-format plink >/dev/null
cp simp/cohort.bed simp/cohort.bim simp/cohort.fam sim/                                  # for plink-bed.yaml
"$PRECIS" simulate --out simb --samples 40 --subtypes 2 --seed 4 --resamples 10 --genotype-format bgen >/dev/null
cp simb/cohort.bgen simb/cohort.sample sim/                                              # for bgen-imputed.yaml
n=0
for cfg in "$PRECIS_TESTS"/../configs/*.yaml; do
  name=$(basename "$cfg" .yaml)
  cp "$cfg" sim/
  extra=(--set clustering.resamples=10)
  [[ $name == proteome-only ]] && extra+=(--set proteome.id_column=protein_id --set proteome.value_column=abundance)
  [[ $name == case-control || $name == qc-first-pass ]] && extra=()
  "$PRECIS" validate "sim/$name.yaml" "${extra[@]}" || fail "$name does not validate"
  "$PRECIS" run "sim/$name.yaml" "${extra[@]}" --output "out_$name" 2> "$name.log" || { cat "$name.log"; fail "$name failed"; }
  [[ -f out_$name/provenance.json ]] || fail "$name did not finish"
  n=$((n + 1))
done
[[ $n -ge 9 ]] || fail "only $n example studies"
[[ -f out_case-control/biomarkers.tsv && ! -f out_case-control/subtypes.tsv ]] || fail "case-control outputs"
[[ -f out_per-sample-vcf/subtypes.tsv ]] || fail "per-sample-vcf outputs"
note "ok ($n examples)"

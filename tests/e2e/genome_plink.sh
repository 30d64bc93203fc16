# genome.cohort_file as a PLINK 1 fileset (.bed/.bim/.fam): the simulated cohort merged (bcftools) and converted by
# plink2 (biallelic sites; a .bed holds no others), then read by precis from the .bed and from the VCF that plink2
# exports from the same fileset. Every QC count, the burden matrix, the subtypes and the biomarkers are the same from
# both; the same on 1 and 3 ranks; call_rate and het_f equal plink2 --missing and --het on the .bed. What a .bed
# cannot give (DP, GQ, INFO/AF, consequence annotations) is refused before any work, naming the key. precis simulate
# --genotype-format plink writes a fileset that plink2 reads as precis does.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 40 --subtypes 2 --seed 3 --resamples 10 >/dev/null
bcftools merge -0 -Ob -o sim/merged.bcf sim/vcf/*.vcf.gz
plink2 --bcf sim/merged.bcf --max-alleles 2 --make-bed --out sim/cohort >/dev/null 2>&1
plink2 --bfile sim/cohort --export vcf bgz --out sim/from_bed >/dev/null 2>&1
tabix -p vcf sim/from_bed.vcf.gz
sed 's|  path_column: vcf|  cohort_file: cohort.bed|' sim/study.yaml > sim/bed.yaml
sed 's|  path_column: vcf|  cohort_file: from_bed.vcf.gz|' sim/study.yaml > sim/vcf.yaml
grep -q "cohort_file: cohort.bed" sim/bed.yaml || fail "the simulated study's genome section changed"
"$PRECIS" run sim/bed.yaml --output bed1 2> bed1.log || { cat bed1.log; fail "run on the .bed"; }
grep -q "regions .* done" bed1.log || fail "no region progress"
precis_np 3 run sim/bed.yaml --output bed3 2>/dev/null
"$PRECIS" run sim/vcf.yaml --output vcf1 2>/dev/null
# the fileset named by its prefix, as plink --bfile takes it
"$PRECIS" run sim/bed.yaml --set genome.cohort_file=sim/cohort --output prefix 2>/dev/null
for f in qc/genome.tsv subtypes.tsv biomarkers.tsv; do
  cmp bed1/$f prefix/$f || fail "$f differs between the .bed and its prefix"
  cmp bed1/$f bed3/$f || fail "$f differs between 1 and 3 ranks"
  cmp bed1/$f vcf1/$f || fail "$f differs between the .bed and plink2's VCF of it"
done
plink2 --bfile sim/cohort --missing --het --bad-freqs --out plink >/dev/null 2>&1
$PY - <<'PY'
import h5py
import numpy as np
import pandas as pd
x = {r: h5py.File(f"{r}/cohort.h5mu", "r")["mod/genome/X"][()] for r in ("bed1", "vcf1")}
assert np.array_equal(x["bed1"], x["vcf1"]) and x["bed1"].sum() > 0, "burden differs"
q = pd.read_csv("bed1/qc/genome.tsv", sep="\t", keep_default_na=False, na_values=["NA"]).set_index("sample_id")
miss = pd.read_csv("plink.smiss", sep=r"\s+").set_index("#IID" if "#IID" in open("plink.smiss").readline() else "IID")
het = pd.read_csv("plink.het", sep=r"\s+").set_index("#IID" if "#IID" in open("plink.het").readline() else "IID")
assert (q.n_called + q.n_not_called == miss.loc[q.index].OBS_CT).all()
assert np.allclose(q.call_rate, 1 - miss.loc[q.index].F_MISS, atol=1e-12)
d = np.abs(q.het_f - het.loc[q.index].F).max()
assert d < 1e-5, d   # plink2 writes F with 6 significant digits
print(f"PLINK fileset: {len(q)} samples; call_rate = 1 - plink2 F_MISS, het_f = plink2 F (|d| {d:.1g})")
PY
# samples of the fileset that the sheet does not list: left out, and counted
head -n 31 sim/samples.tsv > sim/first30.tsv
"$PRECIS" run sim/bed.yaml --set samples.sheet=sim/first30.tsv --output first30 2> first30.log ||
  { show_log first30.log; fail "a sheet of 30 of the fileset's 40 samples"; }
expect_in "cohort.bed: 10 of its 40 samples are not in the sheet: left out" "$(cat first30.log)"
[[ $(($(wc -l < first30/qc/genome.tsv) - 1)) == 30 ]] || fail "qc/genome.tsv of the 30: $(wc -l < first30/qc/genome.tsv) lines"
# samples named by family and individual id (genome.sample_ids: fid_iid), as plink2 --export vcf names them
$PY - <<'PY'
import pandas as pd
fam = pd.read_csv("sim/cohort.fam", sep=r"\s+", header=None, dtype=str)
sheet = pd.read_csv("sim/samples.tsv", sep="\t", dtype=str)
sheet["sample_id"] = sheet.sample_id.map(dict(zip(fam[1], fam[0] + "_" + fam[1])))
sheet.to_csv("sim/fid_iid.tsv", sep="\t", index=False)
PY
"$PRECIS" run sim/bed.yaml --set samples.sheet=sim/fid_iid.tsv --set genome.sample_ids=fid_iid --output fid_iid 2>/dev/null
$PY - <<'PY'
import pandas as pd
a = pd.read_csv("bed1/qc/genome.tsv", sep="\t")
b = pd.read_csv("fid_iid/qc/genome.tsv", sep="\t")
fam = pd.read_csv("sim/cohort.fam", sep=r"\s+", header=None)
b = b.set_index("sample_id").loc[fam[0].astype(str) + "_" + fam[1].astype(str)]
a = a.set_index("sample_id").loc[fam[1].astype(str)]
assert (a.fillna(-1).values == b.fillna(-1).values).all()
print("genome.sample_ids: fid_iid names the samples FID_IID, with the same QC")
PY
expect_exit 2 "$PRECIS" validate sim/bed.yaml --set samples.sheet=sim/fid_iid.tsv
expect_in "is not among the" "$OUT"
# PGS Catalog scores from a .bed = plink2 --score on the same .bed (the genome fixtures' scoring files, made
# plink2-ready by pgs_to_plink2.py; mean imputation and none), at the precision plink2 prints
G=$PRECIS_TESTS/fixtures/genome
plink2 --vcf "$G/sexcheck.vcf.gz" --vcf-half-call missing --max-alleles 2 --make-bed --out sx >/dev/null 2>&1
{ echo sample_id; awk '{print $2}' sx.fam; } > sx_sheet.tsv
for mode in mean zero; do
  cat > "sx_$mode.yaml" <<Y
study: {name: sx_$mode, seed: 1}
samples: {sheet: sx_sheet.tsv}
genome:
  cohort_file: sx.bed
  features:
    scores: [$G/PGS_TEST1.txt, $G/PGS_TEST2.txt.gz]
    score_missing: $mode
clustering: {enabled: false}
ranking: {enabled: false}
Y
  "$PRECIS" run "sx_$mode.yaml" --output "sx_$mode" 2>/dev/null
  extra=(); [[ $mode == zero ]] && extra=(no-mean-imputation)
  for n in PGS_TEST1 PGS_TEST2; do
    plink2 --bfile sx --bad-freqs --score "$G/real/$n.plink2.tsv" 1 2 3 header cols=+scoresums "${extra[@]}" \
      --out "sx_$n.$mode" >/dev/null 2>&1
  done
done
$PY - <<'PY'
import re
import pandas as pd
for mode in ["mean", "zero"]:
    s = pd.read_csv(f"sx_{mode}/scores.tsv", sep="\t", dtype={"sample_id": str})
    for name in ["PGS_TEST1", "PGS_TEST2"]:
        p = pd.read_csv(f"sx_{name}.{mode}.sscore", sep="\t")
        p = p.set_index("#IID" if "#IID" in p.columns else "IID")
        q = s[s.score_id == name].set_index("sample_id").loc[p.index.astype(str)]
        used = int(re.search(r"--score: (\d+) variants processed", open(f"sx_{name}.{mode}.log").read()).group(1))
        assert (q.status == "scored").all() and (q.n_matched == used).all(), (name, q.n_matched.iloc[0], used)
        d = (q.score_sum.values - p.SCORE1_SUM.values)
        assert (abs(d) <= 5e-6 * abs(p.SCORE1_SUM.values) + 5e-6).all(), (mode, name, abs(d).max())
print("scores from the .bed = plink2 --bfile --score (mean imputation and none), its printed precision")
PY
# a .bed has no DP, GQ, INFO/AF or annotations: the keys that need them are refused before any work
expect_exit 2 "$PRECIS" validate sim/bed.yaml --set genome.qc.min_dp=10 --set genome.qc.frequencies=info_af
expect_in "'genome.qc.min_dp' needs each genotype's DP, which the PLINK fileset" "$OUT"
expect_in "'genome.qc.frequencies' needs INFO/AF" "$OUT"
# a .bed that is not the .bim x .fam it came with
head -c 1000 sim/cohort.bed > sim/short.bed && cp sim/cohort.bim sim/short.bim && cp sim/cohort.fam sim/short.fam
expect_exit 2 "$PRECIS" run sim/bed.yaml --set genome.cohort_file=sim/short.bed --output short
expect_in "short.bed: 1000 bytes, but" "$OUT"
expect_in "the three files are not one fileset, or the .bed is truncated" "$OUT"
# precis simulate --genotype-format plink: the cohort as a fileset that plink2 reads as precis does
"$PRECIS" simulate --out simp --samples 40 --subtypes 2 --seed 3 --resamples 10 --genotype-format plink >/dev/null
[[ -f simp/cohort.bed && -f simp/cohort.bim && -f simp/cohort.fam && ! -d simp/vcf ]] || fail "simulate: no fileset"
grep -q "cohort_file: cohort.bed" simp/study.yaml || fail "simulate: the study does not name cohort.bed"
precis_np 2 run simp/study.yaml --output simp_run 2>/dev/null
plink2 --bfile simp/cohort --missing --out simp_plink >/dev/null 2>&1
$PY - <<'PY'
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
q = pd.read_csv("simp_run/qc/genome.tsv", sep="\t").set_index("sample_id")
m = pd.read_csv("simp_plink.smiss", sep=r"\s+")
m = m.set_index("#IID" if "#IID" in m.columns else "IID")
assert np.allclose(q.call_rate, 1 - m.loc[q.index].F_MISS, atol=1e-12)
s = pd.read_csv("simp_run/subtypes.tsv", sep="\t").set_index("sample_id")
t = pd.read_csv("simp/truth.tsv", sep="\t").set_index("sample_id")
ari = adjusted_rand_score(t.loc[s.index].subtype, s.subtype)
assert ari > 0.9, ari
print(f"simulate --genotype-format plink: call_rate = 1 - plink2 F_MISS; subtypes ARI {ari:.2f}")
PY
# the .fam's sex as the reported sex (genome.qc.sex_from_fam): one male's code changed to female fails the check
mkdir -p sexfam && cp simp/cohort.bed simp/cohort.bim sexfam/
$PY - <<'PY'
import pandas as pd
fam = pd.read_csv("simp/cohort.fam", sep=r"\s+", header=None, dtype=str)
males = fam.index[fam[4] == "1"]
assert len(males) > 0 and (fam[4] == "2").any()
fam.loc[males[0], 4] = "2"
fam.to_csv("sexfam/cohort.fam", sep="\t", header=False, index=False)
open("flipped.txt", "w").write(fam.loc[males[0], 1])
PY
"$PRECIS" run simp/study.yaml --set genome.cohort_file=sexfam/cohort.bed --set genome.qc.sex_from_fam=true \
  --output sexfam_run 2>/dev/null
"$PRECIS" run simp/study.yaml --set genome.qc.sex_column=sex --output sexcol_run 2>/dev/null
$PY - <<'PY'
import pandas as pd
q = pd.read_csv("sexfam_run/qc/genome.tsv", sep="\t").set_index("sample_id")
c = pd.read_csv("sexcol_run/qc/genome.tsv", sep="\t").set_index("sample_id").loc[q.index]
flipped = open("flipped.txt").read()
assert c.loc[flipped, "status"] == "pass" and c.loc[flipped, "inferred_sex"] == "male"
assert q.loc[flipped, "status"] == "fail" and "the .fam's sex is 2" in q.loc[flipped, "reason"], q.loc[flipped]
# every other sample as the check against the sheet's sex column (the same sexes) decides
others = q.index != flipped
assert (q.status[others] == c.status[others]).all()
assert (q.reason[others].fillna("").str.replace("the .fam's sex is 2", "'sex' is F")
        .str.replace("the .fam's sex is 1", "'sex' is M") == c.reason[others].fillna("")).all()
print(f"genome.qc.sex_from_fam: {flipped} (a male coded female in the .fam) fails; the others as with the sheet's sex")
PY
expect_exit 2 "$PRECIS" validate sim/vcf.yaml --set genome.qc.sex_from_fam=true
expect_in "'genome.qc.sex_from_fam' needs a PLINK fileset's .fam" "$OUT"
# the .bim changed under an unchanged .bed (A1 and A2 swapped): a resumed run must not take the regions from the
# journal of the old one; provenance names the .bim and .fam with their checksums
cp simp_run/qc/genome.tsv old_genome.tsv
awk 'BEGIN { OFS = "\t" } { t = $5; $5 = $6; $6 = t; print }' simp/cohort.bim > swapped.bim && mv swapped.bim simp/cohort.bim
"$PRECIS" run simp/study.yaml --output simp_run 2> resumed.log || { cat resumed.log; fail "resumed run"; }
$PY - <<'PY'
import json
import pandas as pd
old = pd.read_csv("old_genome.tsv", sep="\t").set_index("sample_id")
new = pd.read_csv("simp_run/qc/genome.tsv", sep="\t").set_index("sample_id").loc[old.index]
# (the calls are of the .bim's columns, so only what the alleles say changes: an insertion is now a deletion)
assert old.n_insertion.sum() > 0 and old.n_deletion.sum() > 0
assert (new.n_insertion == old.n_deletion).all() and (new.n_deletion == old.n_insertion).all(), "the old regions"
assert (new.n_hom_ref == old.n_hom_ref).all() and (new.n_transition == old.n_transition).all()
roles = {i["role"]: i for i in json.load(open("simp_run/provenance.json"))["inputs"]}
assert roles["genome_cohort_bim"]["path"].endswith("cohort.bim") and len(roles["genome_cohort_bim"]["sha256"]) == 64
assert roles["genome_cohort_fam"]["path"].endswith("cohort.fam")
print("a changed .bim is read again on resume; provenance names the .bim and .fam")
PY
expect_in "precis: 0 of 5 regions taken from the journal" "$(cat resumed.log)"
# a run killed after some of the fileset's blocks resumes from their journal records, with the results of a run
# that was not stopped (SIGKILL on one process; SIGTERM on a worker of 3 ranks at its second block, whichever worker
# gets there first: which takes how many of the 5 blocks is up to timing; one of the two takes at least 3)
"$PRECIS" run simp/study.yaml --output blocks_ref 2>/dev/null
for spec in "1 region:3:9" "3 region:2:15:w"; do
  read -r np kill <<<"$spec"
  d="killed_${np}"
  set +e; PRECIS_TEST_KILL=$kill precis_np "$np" run simp/study.yaml --output "$d" > "$d.log" 2>&1; got=$?; set -e
  [[ $got != 0 ]] || fail "$spec: the run was not stopped"
  [[ ! -e $d/provenance.json ]] || fail "$spec: provenance.json after the kill"
  precis_np "$np" run simp/study.yaml --output "$d" > "$d.resume.log" 2>&1 || { cat "$d.resume.log"; fail "$spec: resume"; }
  r=$(grep -o '[0-9]* of 5 regions taken from the journal' "$d.resume.log" | cut -d' ' -f1)
  (( r > 0 )) || fail "$spec: no block taken from the journal"
  $PY "$PRECIS_TESTS/e2e/same_results.py" blocks_ref "$d" >/dev/null || fail "$spec: results differ after resuming"
  note "killed ($spec) and resumed with $r of 5 blocks from the journal: results identical"
done
note "ok"

# The subtype model and precis classify (docs/classify.md). Train on a simulated cohort (2 ranks); classify a second
# cohort from the same truth (precis simulate --cohort 1): accuracy >= 0.95 against its truth, validation.tsv's
# IGP, the report; one patient alone; the demo's cohort (scripts/demo.sh's simulation, 4 ranks) classified by its
# own model gets, sample by sample, the subtypes run gave it, also with plate-adjusted values (linear and ComBat)
# and with the genome read from a cohort BCF;
# the same results on 2 and 3 ranks; and the refusals:
# a model of another format version, a study without the model's modality, different proteome settings, the
# training run's own folder as output, a sample missing too many of the model's features.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out train --samples 150 --subtypes 3 --seed 11 >/dev/null
"$PRECIS" simulate --out valid --samples 60 --subtypes 3 --seed 11 --cohort 1 >/dev/null
precis_np 2 run train/study.yaml --set ranking.enabled=false 2>/dev/null
M=train/results/model/subtype_model.h5
[[ -s $M ]] || fail "no model written"
precis_np 2 classify $M valid/study.yaml --output cv 2>cv.log || fail "classify failed: $(tail -3 cv.log)"
OMP_NUM_THREADS=2 precis_np 3 classify $M valid/study.yaml --output cv3 2>/dev/null
for f in classified.tsv validation.tsv; do cmp cv/$f cv3/$f || fail "$f differs between 2 and 3 ranks"; done
$PY - <<'PY'
import json, hashlib
import h5py
import numpy as np
import pandas as pd
c = pd.read_csv("cv/classified.tsv", sep="\t").set_index("sample_id")
truth = pd.read_csv("valid/truth.tsv", sep="\t").set_index("sample_id").subtype
run = pd.read_csv("train/results/subtypes.tsv", sep="\t").set_index("sample_id").subtype
ttruth = pd.read_csv("train/truth.tsv", sep="\t").set_index("sample_id").subtype
# the model's subtype numbers named by the training truth (the majority truth of each run subtype)
name = pd.crosstab(run, ttruth[run.index]).idxmax(axis=1)
acc = (c.subtype.map(name) == truth[c.index]).mean()
print(f"validation cohort: accuracy {acc:.3f} over {len(c)} samples; statuses {c.status.value_counts().to_dict()}")
assert acc >= 0.95, acc
assert set(c.status) <= {"pass", "low_confidence"}
probs = c[[f"probability_{k}" for k in (1, 2, 3)]]
assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
dist = c[[f"distance_{k}" for k in (1, 2, 3)]].to_numpy()
assert (dist.argmin(axis=1) + 1 == c.subtype.to_numpy()).all()   # the nearest shrunken centroid
v = pd.read_csv("cv/validation.tsv", sep="\t")
print(v.to_string(index=False))
assert len(v) == 3 and (v.igp > 0.9).all() and (v.p_value < 0.01).all()
p = json.load(open("cv/provenance.json"))
assert p["model"]["sha256"] == hashlib.sha256(open("train/results/model/subtype_model.h5", "rb").read()).hexdigest()
html = open("cv/report.html").read()
assert "Reproducibility" in html and "Probability of the assigned subtype" in html
# the model file as documented
with h5py.File("train/results/model/subtype_model.h5") as f:
    assert f.attrs["format"] == "precis subtype model" and f.attrs["k"] == 3
    assert f["classifier/shrunken_centroids"].shape == (3, len(f["features/proteome"]))
    assert len(f["classifier/cv_error"]) == len(f["classifier/thresholds"]) == 30
PY

# the IGP's null (clusterRepro's centroids permuted within their principal axes): a cohort with no subtypes at all,
# classified by the same model, has no subtype reproduced at p < 0.05
"$PRECIS" simulate --out flat --samples 60 --subtypes 1 --seed 12 >/dev/null
precis_np 2 classify $M flat/study.yaml --output flat_cl 2>/dev/null
$PY - <<'PY'
import pandas as pd
v = pd.read_csv("flat_cl/validation.tsv", sep="\t")
print("structureless cohort:", v.to_dict("records"))
assert not (v.p_value < 0.05).any(), v
# a subtype with one sample has no IGP: NA in validation.tsv and the report
assert v.igp.isna().sum() == 1 and "Reproducibility" in open("flat_cl/report.html").read()
PY

# MultiQC (Debian's 1.14) finds the clustering and classify tables
mkdir mqc && cp train/results/clustering_mqc.tsv cv/classified_mqc.tsv mqc/
(cd mqc && multiqc -q . >/dev/null 2>&1) || fail "multiqc failed"
for id in precis_clustering precis_classify; do
  grep -q "$id" mqc/multiqc_report.html || fail "MultiQC did not show $id"
done

# one patient
head -2 valid/samples.tsv > valid/one.tsv
sed "s#sheet: samples.tsv#sheet: one.tsv#" valid/study.yaml > valid/one.yaml
"$PRECIS" classify $M valid/one.yaml --output c1 2>/dev/null
[[ $(wc -l < c1/classified.tsv) == 2 ]] || fail "one patient: expected one row"
id=$(cut -f1 valid/one.tsv | tail -1)
[[ $(awk -F'\t' -v id=$id '$1 == id {print $2}' c1/classified.tsv) == $(awk -F'\t' -v id=$id '$1 == id {print $2}' cv/classified.tsv) ]] \
  || fail "one patient alone gets another subtype than in the cohort"
[[ ! -e c1/validation.tsv ]] || fail "validation.tsv for one patient"

# the demo's cohort, classified by its own model: every sample gets run's subtype
"$PRECIS" simulate --out demo --samples 200 --subtypes 3 --seed 1 >/dev/null
precis_np 4 run demo/study.yaml 2>/dev/null
precis_np 2 classify demo/results/model/subtype_model.h5 demo/study.yaml --output demo_cl 2>/dev/null
$PY - <<'PY'
import pandas as pd
run = pd.read_csv("demo/results/subtypes.tsv", sep="\t").set_index("sample_id").subtype
cl = pd.read_csv("demo_cl/classified.tsv", sep="\t").set_index("sample_id").subtype
same = (cl[run.index] == run).sum()
print(f"demo: classify gives run's subtype to {same} of {len(run)} samples")
assert same == len(run)
PY

# models of plate-adjusted values (clustering.adjust): linear, and ComBat with a covariate, a preserved column and a
# reference batch. classify adjusts each new sample with the cohort's fit (linear: its coefficients; ComBat: the
# feature's standardisation and the plate's posterior gamma* and delta*), so the cohort classified by its own model
# gets run's subtypes, at the distances of run's adjusted values (the store's layers/adjusted)
"$PRECIS" simulate --out plates --samples 120 --subtypes 3 --seed 4 --batches 3 --batch-effect 1.5 >/dev/null
"$PRECIS" run plates/study.yaml --set clustering.adjust.batch=plate --set ranking.enabled=false 2>/dev/null
precis_np 2 classify plates/results/model/subtype_model.h5 plates/study.yaml --output plates_cl 2>/dev/null
"$PRECIS" run plates/study.yaml --set clustering.adjust.batch=plate --set clustering.adjust.method=combat \
  --set 'clustering.adjust.covariates=[age]' --set 'clustering.adjust.preserve=[sex]' \
  --set clustering.adjust.ref_batch=P2 --set ranking.enabled=false --output plates_combat 2>/dev/null
precis_np 3 classify plates_combat/model/subtype_model.h5 plates/study.yaml --output combat_cl 2>/dev/null
# and a model whose proteome was imputed with MinProb: a sample's draws come from its id's stream, so classify
# imputes each cohort sample as run did, even from a sheet in another order
"$PRECIS" run plates/study.yaml --set proteome.impute=min_prob --set ranking.enabled=false --output minprob 2>/dev/null
(head -1 plates/samples.tsv; tail -n +2 plates/samples.tsv | tac) > plates/reversed.tsv
sed "s#sheet: samples.tsv#sheet: reversed.tsv#" plates/study.yaml > plates/reversed.yaml
precis_np 2 classify minprob/model/subtype_model.h5 plates/reversed.yaml --set proteome.impute=min_prob \
  --output minprob_cl 2>/dev/null
$PY - <<'PY'
import h5py
import numpy as np
import pandas as pd
for run_dir, cl_dir, method, width, layer in (("plates/results", "plates_cl", "linear", 2, "layers/adjusted"),
                                              ("plates_combat", "combat_cl", "combat", 12, "layers/adjusted"),
                                              ("minprob", "minprob_cl", "", 0, "X")):
    run = pd.read_csv(f"{run_dir}/subtypes.tsv", sep="\t").set_index("sample_id").subtype
    cl = pd.read_csv(f"{cl_dir}/classified.tsv", sep="\t").set_index("sample_id")
    same = (cl.subtype[run.index] == run).sum()
    print(f"{method or 'min_prob'} model: classify gives run's subtype to {same} of {len(run)} samples")
    assert same == len(run)
    with h5py.File(f"{run_dir}/model/subtype_model.h5") as f:
        assert f["preprocessing"].attrs["adjustment"] == method
        if method:
            a = f["adjustment/proteome"]
            assert a.attrs["method"] == method
            assert a["coefficients"].shape == (len(f["features/proteome"]), width)
            assert len(a["coefficient_columns"]) == width
        feats = [x.decode() for x in f["features/proteome"][:]]
        center = f["preprocessing/center"][:]
        shrunken = f["classifier/shrunken_centroids"][:]
    # the distances classify reports are those of run's clustered values (float32): the plate effects removed from
    # the new samples as from the cohort (without them they are off by the plates), MinProb's draws the same
    with h5py.File(f"{run_dir}/cohort.h5mu") as f:
        g = f["mod/proteome"]
        var = [x.decode() for x in g["var/_index"][:]]
        obs = [x.decode() for x in g["obs/_index"][:]]
        adj = pd.DataFrame(g[layer][:], index=obs, columns=var)[feats]
    if not method:
        assert cl.missing_features.max() == 0 and not adj.isna().any().any()  # every missing value imputed
    x = np.where(np.isnan(adj.to_numpy()), center, adj.to_numpy()) - center
    d = np.sqrt(((x[:, None, :] - shrunken[None, :, :]) ** 2).sum(axis=2))
    got = cl.loc[obs][[f"distance_{k}" for k in (1, 2, 3)]].to_numpy()
    err = np.abs(got - d).max() / d.max()
    print(f"{method or 'min_prob'}: distances against run's values: largest relative difference {err:.2g}")
    assert err < 1e-4, err
PY
# a sample of a plate the ComBat model's cohort did not have is not classified, and says why
awk -F'\t' 'BEGIN {OFS = "\t"} NR == 2 {for (c = 1; c <= NF; ++c) if (h[c] == "plate") $c = "P9"} NR == 1 {for (c = 1; c <= NF; ++c) h[c] = $c} {print}' \
  plates/samples.tsv > plates/new_plate.tsv
sed "s#sheet: samples.tsv#sheet: new_plate.tsv#" plates/study.yaml > plates/new_plate.yaml
"$PRECIS" classify plates_combat/model/subtype_model.h5 plates/new_plate.yaml --output combat_p9 2>/dev/null
awk -F'\t' 'NR == 2 && $(NF-1) == "fail" && $NF ~ /batch .P9. .*not one of the model/ {ok = 1} END {exit !ok}' \
  combat_p9/classified.tsv || fail "a sample of an unknown plate was classified by ComBat: $(sed -n 2p combat_p9/classified.tsv)"
[[ $(awk -F'\t' '$(NF-1) != "fail"' combat_p9/classified.tsv | wc -l) == 120 ]] || fail "the other samples were not classified"

# a model of the genome and the proteome; the new samples' genomes in one cohort BCF (its gene columns spread over
# the ranks by region, brought to each sample's rank) are classified exactly as from their per-sample VCFs
"$PRECIS" simulate --out gen --samples 40 --subtypes 2 --seed 3 --resamples 10 >/dev/null
bcftools merge -0 -Ob -o gen/cohort.bcf gen/vcf/*.vcf.gz && bcftools index gen/cohort.bcf
sed 's|  path_column: vcf|  cohort_file: cohort.bcf|' gen/study.yaml > gen/bcf.yaml
precis_np 2 run gen/study.yaml --set 'clustering.modalities=[genome, proteome]' --set ranking.enabled=false 2>/dev/null
precis_np 2 classify gen/results/model/subtype_model.h5 gen/study.yaml --output gen_vcf 2>/dev/null
precis_np 3 classify gen/results/model/subtype_model.h5 gen/bcf.yaml --output gen_bcf 2>/dev/null
cmp gen_vcf/classified.tsv gen_bcf/classified.tsv || fail "a cohort BCF classifies otherwise than per-sample VCFs"
$PY - <<'PY'
import h5py
import pandas as pd
with h5py.File("gen/results/model/subtype_model.h5") as f:
    assert [m.decode() for m in f["features/modalities"][:]] == ["genome", "proteome"]
    assert len(f["features/genome"]) > 0
c = pd.read_csv("gen_bcf/classified.tsv", sep="\t").set_index("sample_id")
run = pd.read_csv("gen/results/subtypes.tsv", sep="\t").set_index("sample_id").subtype
assert (c.subtype[run.index] == run).all() and (c.status != "fail").all()
print(f"genome cohort BCF: {len(c)} samples classified as from their VCFs, each with run's subtype")
PY

# refusals (exit 2, with the reason)
cp $M old.h5
$PY -c "import h5py; f = h5py.File('old.h5', 'r+'); f.attrs['format_version'] = 99"
expect_exit 2 "$PRECIS" classify old.h5 valid/study.yaml --output x1
expect_in "format 99" "$OUT"
expect_exit 2 "$PRECIS" classify valid/samples.tsv valid/study.yaml --output x2
expect_in "not an HDF5 file" "$OUT"
expect_exit 2 "$PRECIS" classify $M valid/study.yaml --output x3 --set proteome.normalize=quantile
expect_in "proteome.normalize" "$OUT"
grep -v "^proteome:\|^  path_column: proteome\|^  id_column: protein_id\|^  value_column\|^  transform\|^  normalize\|^  qc: {min_detected_fraction" valid/study.yaml \
  | sed 's/modalities: \[proteome\]/modalities: [genome]/' > valid/genome_only.yaml
expect_exit 2 "$PRECIS" classify $M valid/genome_only.yaml --output x4
expect_in "classifies by the proteome" "$OUT"
expect_exit 2 "$PRECIS" classify $M valid/study.yaml --output train/results
expect_in "holds the model's own run" "$OUT"
[[ -s $M && -s train/results/provenance.json ]] || fail "classify into the training folder removed its results"
# a sample whose table lists too few of the model's proteins is not classified
f=valid/proteome/$id.tsv
head -40 $f > short.tsv && mv short.tsv $f
"$PRECIS" classify $M valid/one.yaml --output c2 --set proteome.qc.min_detected_fraction=0 2>/dev/null
awk -F'\t' 'NR == 2 && $NF ~ /classify.max_missing_features/ && $(NF-1) == "fail" {ok = 1} END {exit !ok}' c2/classified.tsv \
  || fail "a sample missing most features was classified: $(cat c2/classified.tsv)"
note "ok"

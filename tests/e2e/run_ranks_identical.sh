# precis run on 1 (plain process), 2 and 4 ranks gives identical outputs. Leaves its results for recovers_truth.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 200 --subtypes 3 --seed 11 >/dev/null
for np in 1 2 4; do
  precis_np $np run sim/study.yaml --output "r$np" 2> "r$np.log" || { cat "r$np.log"; fail "run on $np ranks failed"; }
  grep -q "results in $PWD/r$np" "r$np.log" || fail "no completion line at np=$np"
done
for f in subtypes.tsv clustering.tsv biomarkers.tsv qc/genome.tsv qc/proteome.tsv; do
  cmp r1/$f r2/$f || fail "$f differs between 1 and 2 ranks"
  cmp r1/$f r4/$f || fail "$f differs between 1 and 4 ranks"
done
$PY - <<'PY' || fail "cohort.h5mu differs between rank counts"
import h5py, numpy as np
def walk(f):
    out = {}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and not name.startswith("uns/provenance"):
            out[name] = obj[()]
    f.visititems(visit)
    return out
ref = walk(h5py.File("r1/cohort.h5mu", "r"))
assert len(ref) > 20, len(ref)
for np_ in (2, 4):
    other = walk(h5py.File(f"r{np_}/cohort.h5mu", "r"))
    assert ref.keys() == other.keys(), (set(ref) ^ set(other))
    for k in ref:
        a, b = ref[k], other[k]
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), k
        else:
            assert np.array_equal(np.asarray(a), np.asarray(b)), k
print("cohort.h5mu identical across 1, 2, 4 ranks:", len(ref), "datasets")
# the subtype model: trained where the clustered rows are, the same fit at any rank count (its creation time and
# its study's resolved text, which names the output folder, aside)
def model(n):
    return {k: v for k, v in walk(h5py.File(f"r{n}/model/subtype_model.h5", "r")).items() if k != "resolved_study"}
ref = model(1)
assert "classifier/sd" in ref and "classifier/cv_error" in ref, sorted(ref)
for np_ in (2, 4):
    other = model(np_)
    assert ref.keys() == other.keys(), (set(ref) ^ set(other))
    for k in ref:
        assert np.array_equal(np.asarray(ref[k]), np.asarray(other[k])), k
PY
$PY - <<'PY' || fail "provenance"
import hashlib
import json
import pandas as pd
for n in (1, 2, 4):
    p = json.load(open(f"r{n}/provenance.json"))
    assert p["ranks"] == n, p["ranks"]
    for key in ("version", "git_commit", "command_line", "study", "inputs", "seed", "start_time", "end_time", "host",
                "threads_per_rank"):
        assert key in p, key
    assert len(p["study"]["sha256"]) == 64
    assert all(len(i["sha256"]) == 64 for i in p["inputs"]), "input checksums"
    assert [i["role"] for i in p["inputs"]] == ["sample_sheet", "genes_bed"], p["inputs"]
    # the samples' own files: inputs.tsv.gz, named with its checksum and counts; the same on any number of ranks
    s = p["sample_inputs"]
    assert s["path"].endswith(f"r{n}/inputs.tsv.gz") and s["files"] == {"genome": 200, "proteome": 200}, s
    assert hashlib.sha256(open(f"r{n}/inputs.tsv.gz", "rb").read()).hexdigest() == s["sha256"]
    t = pd.read_csv(f"r{n}/inputs.tsv.gz", sep="\t")
    assert list(t.columns) == ["sample_id", "role", "path", "sha256"] and len(t) == 400
    for _, r in t.sample(20, random_state=1).iterrows():
        assert hashlib.sha256(open(r.path, "rb").read()).hexdigest() == r.sha256, r
    if n > 1:
        assert s["sha256"] == json.load(open("r1/provenance.json"))["sample_inputs"]["sha256"]
    assert p["collective_io"] is (None if n == 1 else True), (n, p["collective_io"])
PY
[[ ! -e r4/cohort.h5mu.partial ]] || fail "temporary store left behind"
# the contract's columns, in the contract's order (extensions only after them)
want="sample_id	status	reason	n_called	n_not_called	call_rate	n_hom_ref	n_het	n_hom_var	n_non_ref	n_snp	n_insertion	n_deletion	n_transition	n_transversion	r_ti_tv	r_het_hom_var	r_insertion_deletion	dp_mean	gq_mean"
[[ $(head -1 r1/qc/genome.tsv) == "$want"* ]] || fail "qc/genome.tsv columns: $(head -1 r1/qc/genome.tsv)"
[[ $(head -1 r1/qc/proteome.tsv) == "sample_id	status	reason	n_features	n_detected	detected_fraction	median"* ]] \
  || fail "qc/proteome.tsv columns"
[[ $(head -1 r1/subtypes.tsv) == "sample_id	subtype	item_consensus	k2	k3	k4	k5	k6" ]] || fail "subtypes.tsv columns"
[[ $(head -1 r1/clustering.tsv) == "k	pac	delta_area	mean_silhouette	cluster_sizes	chosen	cdf_area	cluster_consensus" ]] || fail "clustering.tsv columns"
note "ok"

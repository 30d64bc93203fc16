# Workflow presets and --set change what a run does, and the resolved study a run writes gives the same results
# when it is run again from another folder.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 60 --subtypes 3 --seed 21 --resamples 20 >/dev/null

# the resolved study runs to the same results
"$PRECIS" run sim/study.yaml --output r1 2>/dev/null
[[ -f r1/study.resolved.yaml ]] || fail "no study.resolved.yaml"
mkdir elsewhere && cp r1/study.resolved.yaml elsewhere/
(cd elsewhere && "$PRECIS" run study.resolved.yaml --output ../r2 2>/dev/null)
for f in subtypes.tsv clustering.tsv biomarkers.tsv qc/genome.tsv qc/proteome.tsv; do
  cmp r1/$f r2/$f || fail "$f differs when the resolved study is run"
done
$PY - <<'PY'
import json, hashlib
p = json.load(open("r1/provenance.json"))
text = open("r1/study.resolved.yaml").read()
assert p["resolved_study"]["yaml"] == text
assert p["resolved_study"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
assert p["stages"] == {"clustering": True, "ranking": True}
PY

# --set overrides the study
"$PRECIS" run sim/study.yaml --output r3 --set clustering.k.max=4 --set clustering.choose_k=silhouette 2>/dev/null
[[ $(cut -f1 r3/clustering.tsv | tail -n +2 | tr '\n' ' ') == "2 3 4 " ]] || fail "--set clustering.k.max=4 ignored"
grep -q 'choose_k: "silhouette"' r3/study.resolved.yaml || fail "--set not in the resolved study"

# qc-only: QC tables, the store and provenance; no clustering, no ranking
"$PRECIS" run sim/study.yaml --output qc --set workflow=qc-only 2>/dev/null
for f in qc/genome.tsv qc/proteome.tsv cohort.h5mu provenance.json study.resolved.yaml; do
  [[ -s qc/$f ]] || fail "qc-only did not write $f"
done
for f in subtypes.tsv clustering.tsv biomarkers.tsv; do [[ ! -e qc/$f ]] || fail "qc-only wrote $f"; done
$PY - <<'PY'
import h5py, json, warnings
warnings.filterwarnings("ignore")
from anndata.experimental import read_elem
with h5py.File("qc/cohort.h5mu", "r") as f:
    a = read_elem(f["mod/proteome"])
    assert a.shape[0] == 60
    assert "subtype" not in read_elem(f["obs"]).columns
assert json.load(open("qc/provenance.json"))["stages"] == {"clustering": False, "ranking": False}
PY

# case-control: cases against controls on the sheet's phenotype column, no subtypes
"$PRECIS" run sim/study.yaml --output cc --set workflow=case-control 2>/dev/null
[[ ! -e cc/subtypes.tsv ]] || fail "case-control clustered"
[[ $(cut -f4 cc/biomarkers.tsv | tail -n +2 | sort -u) == "case_vs_control" ]] || fail "case-control contrast"
# the same run over again: an earlier run's files that this run does not make are gone
"$PRECIS" run sim/study.yaml --output r1 --set workflow=qc-only 2>/dev/null
[[ ! -e r1/subtypes.tsv && ! -e r1/biomarkers.tsv ]] || fail "stale results of an earlier run left behind"
note "ok"

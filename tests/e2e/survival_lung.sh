# outcomes: on a public clinical dataset. survival::lung (R's survival package: 228 patients, status 2 = death and
# 1 = censored, NAs in the covariates) read as the sample sheet, with a small simulated MaxQuant proteome attached
# (tests/fixtures/survival/make_lung_reference.sh made the files and R's reference). On 2 ranks: the subtypes against
# two endpoints (one adjusted for age, sex and ph.ecog; one for age and ph.ecog within strata of sex) equal R's
# survfit, survdiff, coxph and cox.zph to 1e-6; the patient without ph.ecog is left out of both and counted; one Cox
# model per protein equals R's coxph to 1e-6. A subtype without events is said; a covariate with one value over the
# analysed samples is refused, naming its key.
source "$(dirname "$0")/lib.sh"
REF="$PRECIS_TESTS/fixtures/survival/lung"
cp "$REF"/{samples.tsv,proteinGroups.txt,study.yaml} .
precis_np 2 run study.yaml --output run 2>/dev/null
cmp <(cut -f1,2 run/subtypes.tsv) "$REF/subtypes.tsv" \
  || fail "the run's subtypes are not those of the reference: if clustering changed on purpose, rerun tests/fixtures/survival/make_lung_reference.sh"
$PY - "$REF" <<'PY'
import json, sys
import numpy as np
import pandas as pd
ref = sys.argv[1]
def close(a, b, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert (np.isnan(a) == np.isnan(b)).all(), (what, a, b)
    assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-6, atol=0), (what, a, b)
read = lambda p: pd.read_csv(p, sep="\t", keep_default_na=False, na_values=["NA"])
got, want = read("run/survival.tsv"), read(f"{ref}/survival.tsv")
assert (got.endpoint == want.endpoint).all() and (got.subtype == want.subtype).all(), (got, want)
for c in got.columns[2:]:
    close(got[c], want[c], c)
got, want = read("run/survival_tests.tsv"), read(f"{ref}/survival_tests.tsv")
assert got[["endpoint", "test", "groups"]].equals(want[["endpoint", "test", "groups"]]), (got, want)
for c in ("statistic", "df", "p_value", "q_value"):
    close(got[c], want[c], c)
eps = {e["endpoint"]: e for e in json.load(open("run/provenance.json"))["survival"]["endpoints"]}
assert eps["os"]["left_out_missing"] == 1 and eps["os_by_sex"]["left_out_missing"] == 1, eps
print("lung: survival.tsv and survival_tests.tsv (2 endpoints, strata, NA covariates) equal R's survival to 1e-6")
b = read("run/biomarkers.tsv").set_index("feature_id")
want = read(f"{ref}/cox_features.tsv").set_index("feature_id")
assert sorted(b.index) == sorted(want.index), (b.index, want.index)
b = b.loc[want.index]
for c in ("statistic", "effect", "p_value", "hr", "hr_ci_low", "hr_ci_high", "n", "events"):
    close(b[c], want[c], c)
assert (b.note.fillna("") == "").all() and (b.contrast == "os").all()
top = b.p_value.nsmallest(2).index.tolist()
assert sorted(top) == ["Q90009", "Q90010"], top  # the two proteins planted to follow survival
print(f"lung: {len(b)} proteins' Cox models equal R's coxph (per SD; age, sex, ph.ecog) to 1e-6")
PY

# a subtype without events: said (its hazard ratio is not finite, as R's coxph warns), the rest still computed
$PY - <<'PY'
import pandas as pd
s = pd.read_csv("samples.tsv", sep="\t", dtype=str, keep_default_na=False)
sub = pd.read_csv("run/subtypes.tsv", sep="\t", dtype=str).set_index("sample_id").subtype
s.loc[s.sample_id.map(sub) == "1", "status"] = "1"
s.to_csv("no_events.tsv", sep="\t", index=False)
s["centre"] = "Mayo"
s.to_csv("one_centre.tsv", sep="\t", index=False)
PY
sed "s#sheet: samples.tsv#sheet: no_events.tsv#" study.yaml > no_events.yaml
"$PRECIS" run no_events.yaml --set ranking.enabled=false --output no_events 2> no_events.err
expect_in "endpoint 'os': subtype 1 has no events among its 108 samples" "$(cat no_events.err)"
expect_in "the Cox model of the subtypes: the likelihood converged before coefficient 1: it may be infinite" \
  "$(cat no_events.err)"
$PY - <<'PY'
import json
import pandas as pd
t = pd.read_csv("no_events/survival.tsv", sep="\t")
assert (t[t.subtype == 1].events == 0).all() and t[t.subtype == 1]["median"].isna().all(), t
eps = json.load(open("no_events/provenance.json"))["survival"]["endpoints"]
assert all("infinite" in e["cox_problem"] for e in eps), eps
print("a subtype without events: said, in the warnings and provenance.json")
PY
# a covariate with one value over the analysed samples is refused, naming the key and the fix
sed "s#sheet: samples.tsv#sheet: one_centre.tsv#" study.yaml > one_centre.yaml
expect_exit 2 "$PRECIS" run one_centre.yaml --set 'outcomes.os.covariates=[age, centre]' --output one_centre
expect_in "covariate 'centre' of endpoint 'os' has the one value 'Mayo' over the 228 samples analysed" "$OUT"
expect_in "remove 'centre' from outcomes.os.covariates" "$OUT"
[[ ! -e one_centre/provenance.json && ! -e one_centre/biomarkers.tsv ]] || fail "a refused run left results"
note "ok"

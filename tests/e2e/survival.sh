# outcomes: (docs/survival.md): the subtypes of a simulated cohort against its overall survival (precis simulate's
# study names it: os, from os_days and death, adjusted for age and sex; the --set below say so again). survival.tsv and
# survival_tests.tsv equal R's survival (survfit, survdiff, coxph with Efron's ties, cox.zph) on the same samples and
# subtypes to 1e-6 (tests/fixtures/survival/make_e2e_reference.sh made the reference); the same on 1 and 3 ranks;
# start and end dates give the same results as the days between them; samples without follow-up are left out and
# counted; a value that is neither an event nor a censoring is refused before work, naming the sample.
source "$(dirname "$0")/lib.sh"
REF="$PRECIS_TESTS/fixtures/survival/e2e"
"$PRECIS" simulate --out sim --samples 200 --subtypes 3 --seed 1 >/dev/null
OS=(--set outcomes.os.time=os_days --set outcomes.os.event=death --set 'outcomes.os.covariates=[age, sex]')
precis_np 3 run sim/study.yaml --set ranking.enabled=false "${OS[@]}" --output r3 2>/dev/null
"$PRECIS" run sim/study.yaml --set ranking.enabled=false "${OS[@]}" --output r1 2>/dev/null
for f in survival.tsv survival_tests.tsv survival_curves.tsv; do cmp r1/$f r3/$f || fail "$f differs between 1 and 3 ranks"; done
# MultiQC (Debian's 1.14) finds the survival table
mkdir mqc && cp r3/survival_mqc.tsv mqc/ && (cd mqc && multiqc -q . >/dev/null 2>&1) || fail "multiqc failed"
grep -q precis_survival mqc/multiqc_report.html || fail "MultiQC did not show precis_survival"
cmp <(cut -f1,2 r3/subtypes.tsv) "$REF/subtypes.tsv" \
  || fail "the run's subtypes are not those of the reference: if clustering changed on purpose, rerun tests/fixtures/survival/make_e2e_reference.sh"
$PY - "$REF" <<'PY'
import json, sys
import numpy as np
import pandas as pd
ref = sys.argv[1]
def close(a, b, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    same_na = np.isnan(a) == np.isnan(b)
    assert same_na.all(), (what, a, b)
    ok = np.isclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-6, atol=0)
    assert ok.all(), (what, a, b)
got, want = pd.read_csv("r3/survival.tsv", sep="\t"), pd.read_csv(f"{ref}/survival.tsv", sep="\t")
assert list(got.columns) == ["endpoint", "subtype", "n", "events", "median", "median_ci_low", "median_ci_high",
                             "hr", "hr_ci_low", "hr_ci_high", "p_value"]
for c in got.columns[1:]:
    close(got[c], want[c], c)
got, want = pd.read_csv("r3/survival_tests.tsv", sep="\t", keep_default_na=False, na_values=["NA"]), \
            pd.read_csv(f"{ref}/survival_tests.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
assert (got.test == want.test).all() and (got.groups == want.groups).all(), (got, want)
for c in ("statistic", "df", "p_value", "q_value"):
    close(got[c], want[c], c)
p = json.load(open("r3/provenance.json"))
assert p["survival"]["endpoints"][0]["events"] == 163 and p["survival"]["endpoints"][0]["left_out_missing"] == 0
print("survival.tsv and survival_tests.tsv equal R's survfit, survdiff, coxph (Efron) and cox.zph to 1e-6")
# the report: each endpoint's Kaplan-Meier curves and hazard ratios (well-formed SVG), the numbers at risk, the tests
import re
import xml.etree.ElementTree as ET
html = open("r3/report.html").read()
sec = html[html.index('id="survival"'):]
sec = sec[:sec.index("</section>")]
titles = [ET.fromstring(s).get("aria-label") for s in re.findall(r"<svg.*?</svg>", sec, flags=re.S)]
assert titles == ["Kaplan-Meier: os", "Hazard ratios: os"], titles
assert "<th>at risk</th>" in sec and "logrank_pairwise" in sec and "ph_global" in sec
curves = pd.read_csv("r3/survival_curves.tsv", sep="\t")
s = pd.read_csv("r3/survival.tsv", sep="\t").set_index("subtype")
assert (curves.groupby("subtype").n_event.sum() == s.events).all() and (curves.groupby("subtype").n_risk.max() == s.n).all()
# start and end dates, and a sample without follow-up
s = pd.read_csv("sim/samples.tsv", sep="\t", dtype=str)
start = pd.Series(pd.Timestamp("2015-03-01") + pd.to_timedelta(np.arange(len(s)) % 400, unit="D"))
s["entry"] = start.dt.strftime("%Y-%m-%d")
s["last"] = (start + pd.to_timedelta(s.os_days.astype(int), unit="D")).dt.strftime("%Y-%m-%d")
s.loc[4, "death"] = "NA"
s.to_csv("sim/dates.tsv", sep="\t", index=False)
PY
sed -e "s#sheet: samples.tsv#sheet: dates.tsv#" \
    -e "s#  os: {time: os_days, event: death#  os: {start: entry, end: last, event: death#" sim/study.yaml > sim/dates.yaml
grep -q "start: entry" sim/dates.yaml || fail "the simulated study's outcomes section changed"
"$PRECIS" run sim/dates.yaml --set ranking.enabled=false --output dates 2>/dev/null
$PY - <<'PY'
import json
import pandas as pd
a, b = pd.read_csv("r1/survival.tsv", sep="\t"), pd.read_csv("dates/survival.tsv", sep="\t")
assert b.n.sum() == a.n.sum() - 1, (a.n.sum(), b.n.sum())
assert json.load(open("dates/provenance.json"))["survival"]["endpoints"][0]["left_out_missing"] == 1
print("dates: the days between start and end; a sample without its event value left out and counted")
PY
# the same dates with the sample's value back: the same numbers as from the days
awk -F'\t' 'BEGIN {OFS = "\t"} NR == 1 {for (c = 1; c <= NF; ++c) if ($c == "death") d = c} NR == 6 {$d = 1} {print}' \
  sim/dates.tsv > sim/dates_full.tsv
sed -i "s#sheet: dates.tsv#sheet: dates_full.tsv#" sim/dates.yaml
grep -P "^S00005\t" sim/samples.tsv | grep -qP "\t1$" || fail "the fixture's sample S00005 is no longer an event"
"$PRECIS" run sim/dates.yaml --set ranking.enabled=false --output dates_full 2>/dev/null
cmp r1/survival.tsv dates_full/survival.tsv || fail "start and end dates give other results than the days between them"
cmp r1/survival_tests.tsv dates_full/survival_tests.tsv || fail "dates: other tests"

# survival.pairwise_adjust: holm adjusts the pairs' p-values as R's p.adjust(method = "holm")
"$PRECIS" run sim/study.yaml --set ranking.enabled=false --set survival.pairwise_adjust=holm --output holm 2>/dev/null
$PY - <<'PY'
import numpy as np
import pandas as pd
t = pd.read_csv("holm/survival_tests.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
pw = t[t.test == "logrank_pairwise"]
p = pw.p_value.to_numpy()
o = np.argsort(p, kind="stable")
want = np.empty_like(p)
want[o] = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[o]))
assert np.allclose(pw.q_value.to_numpy(), want, rtol=1e-9), (pw.q_value.to_numpy(), want)
print("holm:", pw.q_value.tolist())
PY

# time-to-event biomarkers (ranking.test: cox): one Cox model per protein, per SD, with age and sex, equal to R's
# coxph on the first 40 proteins (those the filter keeps); the same on 1 and 3 ranks
precis_np 3 run sim/study.yaml --set ranking.test=cox --set ranking.endpoint=os --output cox3 2>/dev/null
"$PRECIS" run sim/study.yaml --set ranking.test=cox --set ranking.endpoint=os --output cox1 2>/dev/null
cmp cox1/biomarkers.tsv cox3/biomarkers.tsv || fail "biomarkers.tsv (cox) differs between 1 and 3 ranks"
$PY - "$REF" <<'PY'
import sys
import h5py
import numpy as np
import pandas as pd
ref = sys.argv[1]
want_x = pd.read_csv(f"{ref}/proteins.tsv", sep="\t", index_col=0)
with h5py.File("cox3/cohort.h5mu") as f:
    g = f["mod/proteome"]
    var = [x.decode() for x in g["var/_index"][:]]
    obs = [x.decode() for x in g["obs/_index"][:]]
    x = pd.DataFrame(g["X"][:], index=obs, columns=var)[want_x.columns].loc[want_x.index]
assert np.allclose(x.to_numpy(), want_x.to_numpy(), rtol=1e-6, equal_nan=True), \
    "the store's proteins are not the reference's: rerun tests/fixtures/survival/make_e2e_reference.sh"
b = pd.read_csv("cox3/biomarkers.tsv", sep="\t", keep_default_na=False, na_values=["NA"]).set_index("feature_id")
assert {"hr", "hr_ci_low", "hr_ci_high", "n", "events", "note"} <= set(b.columns)
assert (b.test == "cox").all() and (b.contrast == "os").all() and set(b.modality) == {"genome", "proteome"}
want = pd.read_csv(f"{ref}/cox_features.tsv", sep="\t").set_index("feature_id")
b = b[b.modality == "proteome"]
ranked = [p for p in want.index if p in b.index]  # (proteins with too many missing values are filtered out first)
assert len(ranked) >= 30, ranked
want, got = want.loc[ranked], b.loc[ranked]
for c in ("statistic", "effect", "p_value", "hr", "hr_ci_low", "hr_ci_high", "n", "events"):
    assert np.allclose(got[c], want[c], rtol=1e-6, atol=0), (c, (got[c] - want[c]).abs().max())
assert (b.note.fillna("") == "").all()
print(f"cox biomarkers: {len(ranked)} proteins equal R's per-protein coxph (per SD, age, sex) to 1e-6")
PY

# a feature whose model cannot be fitted is listed with the reason, never left out: one event in the cohort
awk -F'\t' 'BEGIN {OFS = "\t"} NR == 1 {for (c = 1; c <= NF; ++c) if ($c == "death") d = c} NR == 2 {$d = 1} NR > 2 {$d = 0} {print}' \
  sim/samples.tsv > sim/one_event.tsv
sed "s#sheet: samples.tsv#sheet: one_event.tsv#" sim/study.yaml > sim/one_event.yaml
# (in a copy of cox1's folder: its stage cache holds the ranking of the original follow-up, which must not be reused)
cp -r cox1 one_event
"$PRECIS" run sim/one_event.yaml --set ranking.test=cox --set ranking.endpoint=os --output one_event 2>/dev/null
$PY - <<'PY'
import pandas as pd
b = pd.read_csv("one_event/biomarkers.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
c = pd.read_csv("cox1/biomarkers.tsv", sep="\t")
assert len(b) == len(c) and b.p_value.isna().all() and b.hr.isna().all(), b.head()
assert (b.note == "fewer than 2 events among the samples with a value").all() and (b.events <= 1).all()
print(f"one event: all {len(b)} features listed with the reason")
PY

# refused before any work: an event value that is neither coding, an end before its start, a date that is not one
awk -F'\t' 'BEGIN {OFS = "\t"} NR == 1 {for (c = 1; c <= NF; ++c) if ($c == "death") d = c} NR == 3 {$d = "maybe"} {print}' \
  sim/samples.tsv > sim/bad.tsv
sed "s#sheet: samples.tsv#sheet: bad.tsv#" sim/study.yaml > sim/bad.yaml
expect_exit 2 "$PRECIS" run sim/bad.yaml "${OS[@]}" --output bad
expect_in "bad.tsv:3: sample 'S00002': column 'death' is 'maybe', neither an event value (1) nor a censoring value (0)" "$OUT"
expect_in "set outcomes.os.event_values and outcomes.os.censor_values" "$OUT"
[[ ! -e bad/survival.tsv && ! -e bad/provenance.json ]] || fail "a refused run left results"
expect_exit 2 "$PRECIS" validate sim/dates.yaml --set outcomes.os.start=last --set outcomes.os.end=entry
expect_in "is '2015-03-01', before the start" "$OUT"
expect_exit 2 "$PRECIS" validate sim/dates.yaml --set outcomes.os.start=os_days
expect_in "not a date YYYY-MM-DD" "$OUT"
note "ok"

# Biomarker ranking against R limma (lmFit + contrasts.fit + eBayes; standard, trend, robust, trend + robust) and
# base R, on the ALL leukaemia set (fixtures made by tests/fixtures/ranking/make_limma_reference.R). Every case is a
# precis run on the same 128 x 1000 matrix; t, p, df.total, s2.prior, df.prior (and the moderated F) must agree with limma's to 1e-6
# relative, with topTable's confidence intervals; the rank tests, Welch (t.test), AUC and BY q-values with base
# R's to 1e-8. Two-group cases at 1 and at 3 ranks: identical.
source "$(dirname "$0")/lib.sh"
FIX=$PRECIS_TESTS/fixtures/ranking
mk() {  # mk DIR MATRIX.gz: per-sample tables and a sheet with the phenotypes
  mkdir -p "$1" && (cd "$1" && gzip -dc "$2" > matrix.tsv && $PY "$PRECIS_TESTS/fixtures/proteome/abundance_to_tables.py" matrix.tsv &&
    $PY -c "
import pandas as pd
s = pd.read_csv('samples.tsv', sep='\t', dtype=str)
p = pd.read_csv('$FIX/all_pheno.tsv', sep='\t', dtype=str, keep_default_na=False)
s.merge(p, on='sample_id', how='left').to_csv('samples.tsv', sep='\t', index=False)")
}
mk full "$PRECIS_TESTS/fixtures/cluster/all_top1000.tsv.gz"
mk na "$FIX/all_top1000_na.tsv.gz"
run() {  # run DIR NAME RANKING-YAML [NP]
  cat > "$1/$2.yaml" <<Y
study: {name: $2, seed: 1}
samples: {sheet: samples.tsv, phenotypes: [bt, molbiol, sex, age]}
proteome: {path_column: proteome, transform: none, normalize: none}
cohort: {max_missing: 1}
clustering: {enabled: false}
ranking: $3
Y
  precis_np "${4:-1}" run "$1/$2.yaml" --output "out_$2" 2>/dev/null
}
run full bt "{groups: bt, levels: [B, T], test: moderated}"
run full bt_np3 "{groups: bt, levels: [B, T], test: moderated}" 3
run full bt_trend "{groups: bt, levels: [B, T], test: moderated, moderation: trend}"
run full bt_cov "{groups: bt, levels: [B, T], test: moderated, covariates: [sex, age]}"
run full bt_cov_trend "{groups: bt, levels: [B, T], test: moderated, moderation: trend, covariates: [sex, age]}"
run full mol3 "{groups: molbiol, levels: [BCR/ABL, NEG, ALL1/AF4], test: moderated}"
run full mol3_trend "{groups: molbiol, levels: [BCR/ABL, NEG, ALL1/AF4], test: moderated, moderation: trend}"
run na bt_na "{groups: bt, levels: [B, T], test: moderated}"
run full bt_robust "{groups: bt, levels: [B, T], test: moderated, moderation: robust}"
run full mol3_robust "{groups: molbiol, levels: [BCR/ABL, NEG, ALL1/AF4], test: moderated, moderation: robust}"
run na bt_na_robust "{groups: bt, levels: [B, T], test: moderated, moderation: robust}"
run na bt_na_robust_np3 "{groups: bt, levels: [B, T], test: moderated, moderation: robust}" 3
run full bt_trend_robust "{groups: bt, levels: [B, T], test: moderated, moderation: trend_robust}"
run full mol3_trend_robust "{groups: molbiol, levels: [BCR/ABL, NEG, ALL1/AF4], test: moderated, moderation: trend_robust}"
run na bt_na_trend_robust "{groups: bt, levels: [B, T], test: moderated, moderation: trend_robust}"
run full wilcox "{groups: bt, levels: [B, T], test: wilcoxon}"
run full kruskal "{groups: molbiol, levels: [BCR/ABL, NEG, ALL1/AF4], test: kruskal}"
run full by "{groups: bt, levels: [B, T], test: moderated, p_adjust: BY}"
run full welch "{groups: bt, levels: [B, T], test: welch}"
cmp out_bt/biomarkers.tsv out_bt_np3/biomarkers.tsv || fail "moderated: biomarkers.tsv differs between 1 and 3 ranks"
# a covariate the groups determine: a config error naming the keys, exit 2, no finished results
sed 's/covariates: \[sex, age\]/covariates: [bt]/' full/bt_cov.yaml > full/aliased.yaml
expect_exit 2 "$PRECIS" run full/aliased.yaml --output out_aliased
expect_in "not of full rank: 'ranking.groups' (bt) with 'ranking.covariates' (bt), named at" "$OUT"
[[ ! -e out_aliased/provenance.json ]] || fail "an aliased design left finished-looking results"
cmp out_bt_na_robust/biomarkers.tsv out_bt_na_robust_np3/biomarkers.tsv || fail "robust: differs between 1 and 3 ranks"
FIX=$FIX $PY - <<'PY'
import os

import numpy as np
import pandas as pd

fix = os.environ["FIX"]

def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    both = np.isfinite(a) & np.isfinite(b)
    assert (np.isfinite(a) == np.isfinite(b)).all(), "finite in one, not the other"
    return np.max(np.abs(a[both] - b[both]) / np.maximum(np.abs(b[both]), 1e-300)) if both.any() else 0.0

def got(name, contrast):
    b = pd.read_csv(f"out_{name}/biomarkers.tsv", sep="\t", dtype={"feature_id": str})
    return b[b.contrast == contrast].set_index("feature_id")

worst = 0.0
for case, contrast, ref in [("bt", "T_vs_B", "bt"), ("bt_trend", "T_vs_B", "bt_trend"), ("bt_cov", "T_vs_B", "bt_cov"),
                            ("bt_cov_trend", "T_vs_B", "bt_cov_trend"), ("bt_na", "T_vs_B", "bt_na"),
                            ("mol3", "BCR/ABL_vs_rest", "mol3_c1"), ("mol3", "NEG_vs_rest", "mol3_c2"),
                            ("mol3", "ALL1/AF4_vs_rest", "mol3_c3"), ("mol3_trend", "NEG_vs_rest", "mol3_trend_c2"),
                            ("bt_robust", "T_vs_B", "bt_robust"), ("bt_na_robust", "T_vs_B", "bt_na_robust"),
                            ("mol3_robust", "BCR/ABL_vs_rest", "mol3_robust_c1"),
                            ("bt_trend_robust", "T_vs_B", "bt_trend_robust"),
                            ("mol3_trend_robust", "NEG_vs_rest", "mol3_trend_robust_c2"),
                            ("bt_na_trend_robust", "T_vs_B", "bt_na_trend_robust")]:
    r = pd.read_csv(f"{fix}/limma_{ref}.tsv.gz", sep="\t").set_index("gene")
    g = got(case, contrast).loc[r.index]
    d = {"t": rel(g.statistic, r.t), "p": rel(g.p_value, r.p), "coef": rel(g.effect, r.coef),
         "df_total": rel(g.df, r.df_total), "s2_prior": rel(g.s2_prior, r.s2_prior),
         "df_prior": rel(g.df_prior, r.df_prior)}
    if case == "bt":
        d["ci_low"], d["ci_high"] = rel(g.ci_low, r.ci_low), rel(g.ci_high, r.ci_high)
    if case.startswith("mol3"):
        o = got(case, "overall").loc[r.index]
        d["F"], d["F_p"] = rel(o.statistic, r.F), rel(o.p_value, r.F_p)
    print(f"{case} {contrast}: largest relative differences from limma: " +
          ", ".join(f"{k} {v:.1e}" for k, v in d.items()))
    assert max(d.values()) < 1e-6, (case, d)
    worst = max(worst, max(d.values()))
rt = pd.read_csv(f"{fix}/rank_tests.tsv.gz", sep="\t").set_index("gene")
w = got("wilcox", "T_vs_B").loc[rt.index]
k = got("kruskal", "overall").loc[rt.index]
q = got("by", "T_vs_B").loc[rt.index]
t = got("welch", "T_vs_B").loc[rt.index]
pheno = pd.read_csv(f"{fix}/all_pheno.tsv", sep="\t")
n_t, n_b = (pheno.bt == "T").sum(), (pheno.bt == "B").sum()
d = {"W": rel(w.statistic, rt.wilcox_W), "wilcox p": rel(w.p_value, rt.wilcox_p),
     "H": rel(k.statistic, rt.kruskal_H), "kruskal p": rel(k.p_value, rt.kruskal_p), "BY q": rel(q.q_value, rt.by_q),
     "welch t": rel(t.statistic, rt.welch_t), "welch p": rel(t.p_value, rt.welch_p),
     "welch CI": max(rel(t.ci_low, rt.welch_ci_low), rel(t.ci_high, rt.welch_ci_high)),
     "AUC (W / nT nB)": rel(w.auc, rt.wilcox_W / (n_t * n_b)), "AUC, moderated rows": rel(q.auc, w.auc)}
print("rank tests and BY against base R: " + ", ".join(f"{k} {v:.1e}" for k, v in d.items()))
assert max(d.values()) < 1e-8, d
print(f"largest relative difference from limma over every case: {worst:.1e}")
PY
note "ok"

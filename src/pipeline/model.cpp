// Step 7b of `precis run`: the subtype model (model/subtype_model.h5): the clustered matrix's recipe and the nearest
// shrunken centroid classifier trained on the chosen subtypes, its threshold by cross-validation with the folds
// shared over the ranks.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/hash.hpp"
#include "core/rng.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "pipeline/stages.hpp"

namespace precis {

std::optional<SubtypeModel> model_stage(Comm& comm, const Inputs& in, const Cohort& cohort, const Matrices& mx,
                                        const Subtypes& st, const Adjusted& adjusted) {
    if (!st.enabled || st.fit.no_structure || st.k < 2) return std::nullopt;
    const ClusteringConfig& cc = in.study.clustering;
    SubtypeModel m;
    m.precis_version = PRECIS_VERSION;
    m.study_name = in.study.name;
    m.resolved_study = in.study.resolved;
    m.k = st.k;
    m.samples = cohort.size();
    for (size_t mi = 0; mi < cc.modalities.size(); ++mi) {
        const Modality mod = cc.modalities[mi];
        m.modalities.push_back(name(mod));
        std::vector<std::string> ids;
        for (size_t j : st.selected[mi]) ids.push_back(mx.feature_ids.at(mod)[j]);
        m.feature_ids.push_back(std::move(ids));
    }
    m.center_method = name(cc.center);
    m.adjustment = st.adjusted ? name(cc.adjust.method) : "";
    if (st.adjusted)
        for (size_t mi = 0; mi < cc.modalities.size(); ++mi) {
            // the selected columns' rows of the recipe, from the ranks whose blocks hold them, in column order
            const Modality mod = cc.modalities[mi];
            const AdjustRecipe& r = adjusted.recipe.at(mod);
            const size_t q = r.width(), c0 = adjusted.stats.blocks.at(mod).c0, c1 = adjusted.stats.blocks.at(mod).c1;
            const std::vector<double>& coef = adjusted.coefficients.at(mod);
            std::vector<double> mine;  // (place among the selected, q coefficients) per selected column here
            for (size_t s = 0; s < st.selected[mi].size(); ++s) {
                const size_t j = st.selected[mi][s];
                if (j < c0 || j >= c1) continue;
                mine.push_back(double(s));
                mine.insert(mine.end(), coef.begin() + long((j - c0) * q), coef.begin() + long((j - c0 + 1) * q));
            }
            const std::vector<double> all = comm.allgather(mine);
            std::vector<double> ordered(st.selected[mi].size() * q, 0.0);
            for (size_t o = 0; o < all.size(); o += q + 1)
                std::copy_n(&all[o + 1], q, &ordered[size_t(all[o]) * q]);
            m.adjust_recipe.push_back(r);
            m.adjust_coefficients.push_back(std::move(ordered));
        }
    m.center = st.centres;
    m.scale = st.scales;
    if (in.study.proteome.enabled) {
        m.proteome_features = mx.feature_ids.at(Modality::Proteome);
        m.quantile_reference = mx.proteome_refs.quantile_reference;
        m.feature_min = mx.proteome_refs.feature_min;
        m.impute_sd = mx.proteome_refs.impute_sd;
    }
    // the classifier on the clustered matrix and the chosen subtypes, trained where the rows are: each rank sums its
    // rows, the sums are exact over fixed blocks of rows, so every rank comes to the same fit at any rank count
    std::vector<int> labels(st.fit.labels.begin(), st.fit.labels.end());
    // folds: no more than the smallest subtype has samples (each fold then holds out some of every subtype)
    long smallest = long(cohort.size());
    for (int c = 1; c <= m.k; ++c) smallest = std::min(smallest, long(std::count(labels.begin(), labels.end(), c)));
    const int folds = int(std::max(2L, std::min<long>(cc.model_folds, smallest)));
    const std::vector<int> fold_of = stratified_folds(labels, folds, derive_seed(in.study.seed, {STAGE_CLASSIFIER}));
    const ShareReduce reduce{[&](std::vector<double>& v) { comm.allreduce_sum(v); },
                             [&](std::vector<double>& v) { comm.allreduce_max(v); }};
    NscTraining t;
    try {
        // every rank comes to the same outcome here (the sums are every rank's), so an error is every rank's
        t = nsc_train(st.X, st.row0, labels, m.k, fold_of, folds, cc.model_thresholds, reduce);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::DegenerateData) throw;
        if (comm.is_root())
            std::fprintf(stderr, "precis: warning: no subtype model (model/subtype_model.h5) was written: %s\n",
                         e.what());
        return std::nullopt;
    }
    m.fit = std::move(t.fit);
    m.thresholds = std::move(t.thresholds);
    m.cv_error = std::move(t.cv_error);
    m.cv_log_loss = std::move(t.cv_log_loss);
    m.chosen = choose_threshold(m.cv_error, m.cv_log_loss);
    m.shrunken = nsc_shrunken(m.fit, m.thresholds[m.chosen]);
    return m;
}

}  // namespace precis

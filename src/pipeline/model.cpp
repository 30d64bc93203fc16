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
                                        const Subtypes& st) {
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
    m.center = st.centres;
    m.scale = st.scales;
    if (in.study.proteome.enabled) {
        m.proteome_features = mx.feature_ids.at(Modality::Proteome);
        m.quantile_reference = mx.proteome_refs.quantile_reference;
        m.feature_min = mx.proteome_refs.feature_min;
        m.impute_sd = mx.proteome_refs.impute_sd;
    }
    // the classifier on the clustered matrix and the chosen subtypes
    std::vector<int> labels(st.fit.labels.begin(), st.fit.labels.end());
    comm.all_or_none([&] { m.fit = nsc_fit(st.X, labels, m.k); });
    m.thresholds = nsc_thresholds(m.fit, cc.model_thresholds);
    // folds: no more than the smallest subtype has samples (each fold then holds out some of every subtype)
    long smallest = long(cohort.size());
    for (int c = 1; c <= m.k; ++c) smallest = std::min(smallest, long(std::count(labels.begin(), labels.end(), c)));
    const int folds = int(std::max(2L, std::min<long>(cc.model_folds, smallest)));
    const std::vector<int> fold_of = stratified_folds(labels, folds, derive_seed(in.study.seed, {STAGE_CLASSIFIER}));
    std::vector<double> errors(m.thresholds.size(), 0.0);
    comm.all_or_none([&] {
        for (int f = comm.rank(); f < folds; f += comm.size()) {
            const std::vector<long> e = nsc_fold_errors(st.X, labels, m.k, fold_of, f, m.thresholds);
            for (size_t t = 0; t < e.size(); ++t) errors[t] += double(e[t]);
        }
    });
    comm.allreduce_sum(errors);  // counts: exact
    for (double& e : errors) m.cv_error.push_back(e / double(labels.size()));
    m.chosen = choose_threshold(m.cv_error);
    m.shrunken = nsc_shrunken(m.fit, m.thresholds[m.chosen]);
    return m;
}

}  // namespace precis

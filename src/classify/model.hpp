// The saved subtype model (model/subtype_model.h5, docs/classify.md): what `precis classify` needs to place a new
// sample exactly as `precis run` placed the cohort's samples.
#pragma once
#include <string>
#include <vector>

#include "classify/classify.hpp"

namespace precis {

// How clustering.adjust treats a new sample. Its columns are coded as in the cohort: a covariate (or a preserved
// column) as its number, or as indicators of its levels after the first (sorted).
// linear: the removed terms are the batch by sum contrasts over the cohort's levels (the last level -1 in every
// column; a batch the cohort did not have, 0: the mean over the batches), then the covariates; each feature's row of
// coefficients has width() entries, one per removed term.
// combat: each feature's row is [adjusted (1/0), grand mean, pooled sd, mod coefficients (preserve's terms, then
// the covariates'), gamma* per batch, delta* per batch, the covariates' coefficients of the removal after ComBat];
// a new sample must be of one of the cohort's batches (its effects are estimated per batch).
struct AdjustRecipe {
    std::string method = "linear";  // linear | combat
    std::string batch, ref_batch;
    std::vector<std::string> batch_levels;
    std::vector<std::string> covariates;
    std::vector<std::vector<std::string>> covariate_levels;  // per covariate; empty: numeric
    std::vector<std::string> preserve;                       // combat: mod's columns before the covariates
    std::vector<std::vector<std::string>> preserve_levels;
    static size_t terms(const std::vector<std::vector<std::string>>& levels) {
        size_t w = 0;
        for (auto& l : levels) w += l.empty() ? 1 : l.size() - 1;
        return w;
    }
    size_t mod_width() const { return terms(preserve_levels) + terms(covariate_levels); }
    size_t width() const {
        const size_t B = batch_levels.size();
        if (method == "combat") return 3 + mod_width() + 2 * B + terms(covariate_levels);
        return (B == 0 ? 0 : B - 1) + terms(covariate_levels);
    }
    std::vector<std::string> column_names() const;  // of a feature's row (the model file's documentation)
};

struct SubtypeModel {
    static constexpr int kFormatVersion = 1;
    int format_version = kFormatVersion;
    std::string precis_version, created, study_name, study_sha256;
    std::string resolved_study;  // the training run's resolved study (its settings are checked against classify's)
    int k = 0;
    size_t samples = 0;          // trained on
    // the clustered features: per modality (clustering order), the selected feature ids in column order
    std::vector<std::string> modalities;
    std::vector<std::vector<std::string>> feature_ids;
    std::string adjustment;      // clustering.adjust.method when the clustered values were adjusted, else ""
    // linear adjustment: per modality, the recipe and each selected column's coefficients (columns x width)
    std::vector<AdjustRecipe> adjust_recipe;
    std::vector<std::vector<double>> adjust_coefficients;
    std::string center_method;
    std::vector<double> center;  // per column: the value subtracted (missing values get it, i.e. 0 after)
    std::vector<double> scale;   // per modality: the factor of the block's columns (clustering weights)
    // the proteome's cohort steps, with the cohort's references
    std::vector<std::string> proteome_features;   // every protein of the cohort, in its order
    std::vector<double> quantile_reference;       // normalize: quantile (else empty)
    std::vector<double> feature_min;              // impute: half_min, per protein (else empty)
    double impute_sd = 0;                         // impute: min_prob
    // the classifier
    NscFit fit;
    std::vector<double> thresholds, cv_error;  // the grid and its cross-validated error rate
    std::vector<double> cv_log_loss;           // and mean log loss of the true subtype's probability
    size_t chosen = 0;                         // index into thresholds
    std::vector<double> shrunken;              // k x p at the chosen threshold
    size_t columns() const { return center.size(); }
};

}  // namespace precis

// Per-sample proteome processing: read a plain table (one protein per row), transform, normalise, QC.
// No MPI here.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/exact_sum.hpp"
#include "core/stats.hpp"  // median_of, quantile_type7

namespace precis {

struct ProteomeSettings {
    std::string id_column = "protein_id";
    std::string value_column = "abundance";
    bool log2 = true;             // transform: log2; zero or missing values are missing
    bool median_normalize = true; // subtract the sample's median of observed (transformed) values
};

struct ProteomeQC {
    long n_features = 0;   // rows in the table
    long n_detected = 0;   // rows with an observed value
    double detected_fraction = 0;
    double median = 0;     // median of observed values after transform, before normalisation
    long below_lod = 0;    // Olink: values below the assay's LOD
    bool qc_warning = false;  // Olink: the sample has a QC warning
};

const std::vector<std::string>& proteome_qc_columns();
std::vector<double> proteome_qc_values(const ProteomeQC& q);

// A sample's protein ids, in its file's order. The samples of one cohort file share one list.
using FeatureIds = std::shared_ptr<const std::vector<std::string>>;

struct ProteomeResult {
    ProteomeQC qc;
    FeatureIds ids;  // one per value; null once the row spans the cohort's features in their order
    std::vector<double> values;    // transformed + normalised; NaN = missing
    // the values as the store holds them (float32), once no cohort step needs the doubles: `values` is then empty
    // (precis run, pipeline/samples.cpp: half the memory of a worker's results)
    std::vector<float> values32;
    std::string plate;             // Olink: the sample's PlateID ("" when unknown)
};

// Throws MalformedInput naming file and line for unreadable tables, bad numbers, negative values under log2,
// and duplicate protein ids.
ProteomeResult process_proteome(const std::string& path, const ProteomeSettings& settings);


// Quantile normalisation as limma's normalizeQuantiles (ties = TRUE), for a cohort whose samples are spread over
// ranks. A sample is its row over the cohort's F features (NaN = missing). Each sample's sorted observed values,
// interpolated onto F evenly spaced points, are added into `reference` (F sums, exact in any order); the mean of
// those over the n samples is the reference distribution. quantile_apply then gives each observed value the
// reference at its rank (ties share the mean rank; with missing values, ranks are spread over the F points).
// A sample with a single observed value gets NaN; one with none adds nothing (false). limma refuses both.
bool quantile_reference_add(const std::vector<double>& row, std::vector<ExactSum>& reference);
void quantile_apply(std::vector<double>& row, const std::vector<double>& reference_mean);


// Cohort-level imputation of one sample's row (F features, NaN = missing), given cohort statistics:
//  half_min: a feature's missing values get half its smallest observed value (on a log2 scale: minus 1);
//  min_prob: imputeLCMD's MinProb: draws from N(the sample's 1% quantile, median over features observed in more
//            than half of the samples of their SD), each from its own seeded stream (sample id, feature), so the
//            values do not depend on which rank imputes them, nor on the sample's place in the sheet.
struct ImputeSettings {
    std::string method = "none";        // none | half_min | min_prob (knn: see knn_impute)
    bool log_scale = true;              // half_min: subtract 1 instead of halving
    std::vector<double> feature_min;    // half_min: per feature, NaN if never observed
    double sd = 0;                      // min_prob
    uint64_t seed = 1;                  // min_prob: the study's seed
};
// Returns how many values it filled. `sample` names the sample's random stream: id_stream(its id).
long impute_row(std::vector<double>& row, const ImputeSettings& s, uint64_t sample);

// k-nearest-neighbour imputation in the space of features, as Bioconductor impute's impute.knn (k = 10,
// rowmax = 0.5): for a feature with missing values, the k other features nearest by mean squared difference over
// the samples both observe (ties: the lower index; as impute, the feature itself is ranked too and the first
// feature dropped, which matters only for exact duplicates); each missing value is the mean of those neighbours' values in
// that sample. A feature missing in more than trunc(rowmax x n) samples, or a value none of the neighbours has,
// gets the sample's mean over the other features' observed values. `x` is features x samples, feature-major
// (x[f * n + s]), NaN = missing. Fills the features in [f0, f1); returns (feature, sample, value) per fill.
struct KnnFill {
    size_t feature, sample;
    double value;
};
std::vector<KnnFill> knn_impute(const std::vector<double>& x, size_t p, size_t n, size_t f0, size_t f1, int k = 10,
                                double rowmax = 0.5);
// The first sample missing more than `colmax` of the features (impute.knn refuses such data), or -1.
long knn_too_sparse(const std::vector<double>& x, size_t p, size_t n, double colmax = 0.8);

}  // namespace precis

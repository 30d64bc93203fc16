// Placing new samples into the subtypes of a finished run: the nearest shrunken centroid classifier (Tibshirani,
// Hastie, Narasimhan and Chu 2002, as R's pamr and scikit-learn's NearestCentroid(shrink_threshold)), its threshold
// by cross-validation, and the in-group proportion of a validation cohort (Kapp and Tibshirani 2007, as R's
// clusterRepro). No MPI here: the caller shares the folds and permutations out.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster.hpp"
#include "core/exact_sum.hpp"
#include "core/rng.hpp"

#include <Eigen/Dense>

namespace precis {

// The threshold-free part of a fit on n samples x p features with labels 1..k.
struct NscFit {
    int k = 0;
    size_t p = 0, n = 0;
    std::vector<double> overall;   // p: the mean of every sample
    std::vector<double> centroid;  // k x p: class means
    std::vector<double> sd;        // p: s_j + s_0, s_j the pooled within-class SD (n - k df), s_0 the median s_j
    std::vector<double> m;         // k: sqrt(1 / n_k - 1 / n)
    std::vector<double> prior;     // k: n_k / n
};
// Throws DegenerateData when a class has no sample or fewer than k + 1 samples in all.
NscFit nsc_fit(const Matrix& X, const std::vector<int>& labels, int k);
// The standardised class deviations d_kj = (centroid - overall) / (m_k sd_j) (k x p).
std::vector<double> nsc_deviations(const NscFit& f);
// The centroids shrunken by soft-thresholding d at `threshold` (k x p).
std::vector<double> nsc_shrunken(const NscFit& f, double threshold);
// One sample x (p values): the euclidean distance to each shrunken centroid, the class (1..k) of the nearest (ties:
// the lower class; scikit-learn's predict), and pamr's discriminant posterior: delta_k = sum_j (x_j - c'_kj)^2 /
// sd_j^2 - 2 log prior_k, probability_k = exp(-delta_k / 2) / sum_l exp(-delta_l / 2).
struct NscCall {
    int label = 0;
    std::vector<double> distance, probability;
};
NscCall nsc_predict(const NscFit& f, const std::vector<double>& shrunken, const double* x);
// pamr's grid: `count` thresholds evenly from 0 to the largest |d| (at which every centroid is the overall mean).
std::vector<double> nsc_thresholds(const NscFit& f, int count = 30);
// Stratified folds: each class's samples in a random order (seed), dealt to folds 0..folds-1 in turn.
std::vector<int> stratified_folds(const std::vector<int>& labels, int folds, uint64_t seed);
// Training over shares of the rows (ranks; core/exact_sum.hpp): X holds the rows [row0, row0 + X.rows) of the n
// samples. The sums are ShareSums, so the fit and its cross-validation are the same for any number of shares.
// The fit on every sample (labels and fold_of: all n), its `threshold_count` thresholds (nsc_thresholds), and at each
// threshold the cross-validated error rate and mean log loss (-log of the true class's probability): each fold's
// samples predicted by a fit on the other folds (a class absent from those counts as an error).
struct NscTraining {
    NscFit fit;
    std::vector<double> thresholds, cv_error, cv_log_loss;
};
NscTraining nsc_train(const Matrix& X, size_t row0, const std::vector<int>& labels, int k,
                      const std::vector<int>& fold_of, int folds, int threshold_count, const ShareReduce& reduce);
// The chosen threshold: the smallest cross-validated error; among those, the smallest log loss; then the largest
// threshold (the sparsest).
size_t choose_threshold(const std::vector<double>& cv_error, const std::vector<double>& cv_log_loss);

// In-group proportion of each class (1..k) of `labels` over the samples X: the share of the class's samples whose
// nearest other sample (by 1 - Pearson correlation over the features, as clusterRepro) is in the same class. NaN
// for classes with fewer than 2 samples.
std::vector<double> in_group_proportion(const Matrix& X, const std::vector<int>& labels, int k);
// The same from each sample's nearest other sample, which does not depend on the classes: nearest_by_correlation
// (n^2 p, threads share the samples) once, then any labelling in n steps.
std::vector<size_t> nearest_by_correlation(const Matrix& X);
std::vector<double> in_group_proportion(const std::vector<size_t>& nearest, const std::vector<int>& labels, int k);

// One draw of the IGP's null centroids, as clusterRepro makes them: the k centroids (k x p, row-major) as a p x k
// matrix C, turned to its principal axes (C V, V from C's SVD), each axis's p values shuffled over the features, and
// turned back. Each axis keeps its values (so the centroids' spread), but not their features.
class NullCentroids {
public:
    NullCentroids(const std::vector<double>& centroids, int k, size_t p);
    std::vector<double> draw(Rng& rng) const;  // k x p, row-major
    const Eigen::MatrixXd& axes() const { return V_; }

private:
    int k_;
    size_t p_;
    Eigen::MatrixXd rotated_;  // C V (p x k)
    Eigen::MatrixXd V_;
};

}  // namespace precis

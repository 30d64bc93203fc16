// Consensus subtype clustering (Monti et al. 2003, as ConsensusClusterPlus does it): resampled k-means, consensus
// matrices, CDF area, PAC, silhouette, and final classes by average-linkage clustering of 1 - consensus.
// No MPI here: resample tasks are plain (k, r) pairs; the caller decides which rank runs which and sums the counts.
// Each resample draws from its own stream derive_seed(seed, {STAGE_CLUSTER, k, r}), and counts are integers, so the
// summed result is the same whoever runs which resample, in any order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace precis {

// Row-major dense matrix of samples x features.
struct Matrix {
    size_t rows = 0, cols = 0;
    std::vector<double> data;
    Matrix() = default;
    Matrix(size_t r, size_t c, double v = 0.0) : rows(r), cols(c), data(r * c, v) {}
    double& operator()(size_t i, size_t j) { return data[i * cols + j]; }
    double operator()(size_t i, size_t j) const { return data[i * cols + j]; }
};

// Packed strict upper triangle of an n x n symmetric matrix.
inline size_t pair_index(size_t n, size_t i, size_t j) {  // requires i < j
    return i * n - i * (i + 1) / 2 + (j - i - 1);
}

struct ConsensusCounts {
    int k = 0;
    size_t n = 0;
    std::vector<uint32_t> together;  // resamples in which i and j were both drawn and clustered together
    std::vector<uint32_t> sampled;   // resamples in which i and j were both drawn
};

struct ResampleParams {
    double item_fraction = 0.8;
    double feature_fraction = 1.0;
    int max_iter = 100;
    std::string algorithm = "kmeans";  // kmeans | hc (average linkage, cut at k)
    std::string distance = "euclidean";  // hc: euclidean | pearson | spearman (1 - correlation)
};

// Distances between the given rows of X over the given columns (m x m, row-major): euclidean, or 1 - Pearson /
// Spearman correlation (as ConsensusClusterPlus's distance = "pearson" / "spearman"; a constant row gets 1).
std::vector<double> row_distances(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols,
                                  const std::string& distance);

// Lloyd's k-means with k-means++ seeding on the given rows/columns of X. Labels 0..k-1, one per row in `rows`.
std::vector<int> kmeans(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols, int k,
                        uint64_t seed, int max_iter = 100);

// Runs the resample tasks (k, r) listed in `tasks` and returns counts for every k in [k_min, k_max]
// (zero where no task of that k ran here). OpenMP threads share the tasks.
std::vector<ConsensusCounts> run_resamples(const Matrix& X, int k_min, int k_max,
                                           const std::vector<std::pair<int, int>>& tasks, const ResampleParams& p,
                                           uint64_t seed);

// Average-linkage hierarchical clustering of a full n x n distance matrix, cut into k clusters.
// Labels 1..k, numbered by first appearance in item order.
std::vector<int> average_linkage_cut(const std::vector<double>& dist, size_t n, int k);
// The same in two steps, so that one tree serves every k: the merges by height, then the cut into k groups.
struct LinkageMerge {
    size_t a, b;
    double h;
};
std::vector<LinkageMerge> average_linkage_tree(const std::vector<double>& dist, size_t n);
std::vector<int> cut_tree(const std::vector<LinkageMerge>& merges, size_t n, int k);

struct KSummary {
    int k = 0;
    std::vector<int> labels;             // 1..k
    std::vector<double> item_consensus;  // mean consensus with the other members of the item's cluster
    std::vector<long> sizes;             // per label 1..k
    double pac = 0;                      // share of pairs with consensus in (0.1, 0.9]
    double area = 0;                     // area under the consensus CDF (100 bins, as ConsensusClusterPlus)
    double delta_area = 0;               // filled by fill_delta_area
    double mean_silhouette = 0;          // on 1 - consensus
};

KSummary summarize_consensus(const ConsensusCounts& c);
// The consensus matrix (n x n, row-major): the share of the resamples drawing both items that put them together
// (0 when never drawn together; 1 on the diagonal).
std::vector<double> consensus_matrix(const ConsensusCounts& c);
void fill_delta_area(std::vector<KSummary>& ks);  // relative change of area from the previous k
// Index into ks of the chosen k. rule: pac | delta_area | silhouette | fixed.
size_t choose_k(const std::vector<KSummary>& ks, const std::string& rule);

// Feature preparation: center each column (none | median | mean over observed values) and set missing to the centre.
void center_and_impute(Matrix& X, const std::string& center);
// Scale a block of columns [c0, c1) so that its total variance is `weight` (multi-modality clustering).
void scale_block(Matrix& X, size_t c0, size_t c1, double weight);

// Principal components of the (already centred) matrix: n x dims scores, row-major, each component's sign fixed
// so that its largest loading is positive. Empty if X has fewer than dims columns or rows.
std::vector<double> pca_embedding(const Matrix& X, int dims);

// Median absolute deviation of the observed values (scaled by 1.4826 as R's mad), NaN if fewer than 2.
double mad(const double* v, size_t n, size_t stride);

}  // namespace precis

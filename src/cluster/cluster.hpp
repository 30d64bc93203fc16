// Consensus subtype clustering (Monti et al. 2003, as Bioconductor's ConsensusClusterPlus does it): resampled
// hierarchical clustering, k-means or PAM, consensus matrices, CDF area, PAC, item and cluster consensus,
// silhouette, and the final classes by hierarchical clustering of 1 - consensus.
// No MPI here: the caller decides which rank runs which resamples and which rows of the pair counts, and moves the
// pieces. Resample r draws its items (and features) from derive_seed(seed, {STAGE_CLUSTER, 0, r}) and k-means's
// starting points from derive_seed(seed, {STAGE_CLUSTER, k, r}); counts are integers. So the result is the same
// whoever runs which resample, in any order, at any thread count.
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

// Packed strict upper triangle of an n x n symmetric matrix; row i's pairs (i, j > i) are contiguous.
inline size_t pair_index(size_t n, size_t i, size_t j) {  // requires i < j
    return i * n - i * (i + 1) / 2 + (j - i - 1);
}

// ---- distances -------------------------------------------------------------------------------------------------
// The rows of X (over `cols`) made ready for distances: for pearson centred and scaled to unit norm; for spearman
// the same on ranks (ties share the mean rank); for euclidean as they are. `constant` marks rows with no spread
// (their correlation distance to anything is 1).
struct DistanceRows {
    std::string distance;
    size_t m = 0, f = 0;
    std::vector<double> v;      // m x f
    std::vector<char> constant;
};
DistanceRows distance_rows(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols,
                           const std::string& distance);
// Distances of rows [i0, i1) to the rows after them: (i1 - i0) x m, row-major, zero at and below the diagonal.
// Euclidean, or 1 - correlation as ConsensusClusterPlus's distance = "pearson" / "spearman". Threads share rows.
std::vector<double> distance_block(const DistanceRows& d, size_t i0, size_t i1);
// Copies the upper triangle of an m x m matrix onto its lower one.
void mirror_upper(std::vector<double>& D, size_t m);
// All m x m distances between the given rows of X over the given columns.
std::vector<double> row_distances(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols,
                                  const std::string& distance);

// ---- hierarchical clustering -----------------------------------------------------------------------------------
enum class Linkage { Average, Complete, Single, WardD, WardD2 };
// average | complete | single | ward.D | ward.D2 (R's hclust names); throws Internal on anything else.
Linkage parse_linkage(const std::string& name);

struct LinkageMerge {
    size_t a, b;  // the clusters merged, each named by its smallest item
    double h;     // merge height
};
// Agglomerative clustering of a full n x n distance matrix, as R's hclust: at each step the closest pair, ties to
// the lowest index (hclust's nearest-neighbour list); Lance-Williams updates; ward.D2 works on squared distances
// and reports their square roots as heights. Merges in the order made. `dist` is its working copy (move it in
// when it is not needed afterwards).
std::vector<LinkageMerge> hclust(std::vector<double> dist, size_t n, Linkage linkage);
// The same tree by the nearest-neighbour chain (a few n^2 steps, where hclust's list can take tens), merges sorted
// by height. Equal to hclust's whenever no two distances tie; used for the many trees of the resamples, while the
// final tree, where consensus values do tie, follows hclust exactly.
std::vector<LinkageMerge> hclust_chain(std::vector<double> dist, size_t n, Linkage linkage);
// The same on `dist` in place: its values are used up, its memory handed back for the caller's next matrix (a
// fresh n x n buffer per resample was mostly page faults).
std::vector<LinkageMerge> hclust_chain_reusing(std::vector<double>& dist, size_t n, Linkage linkage);
// The partition into k groups after the first n - k merges, as R's cutree: labels 1..k numbered by first
// appearance in item order.
std::vector<int> cut_tree(const std::vector<LinkageMerge>& merges, size_t n, int k);

// ---- partitioning ----------------------------------------------------------------------------------------------
// k-means by Hartigan and Wong's algorithm (AS 136, R's default) from k distinct random points, at most max_iter
// optimal-transfer passes (ConsensusClusterPlus runs R's kmeans with iter.max = 10). Labels 0..k-1.
// On coordinates: the given rows/columns of X.
std::vector<int> kmeans(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols, int k,
                        uint64_t seed, int max_iter = 10);
// The same from squared euclidean distances between the m points (m x m): centroid distances follow from them,
// which is cheaper than coordinates when there are more features than points.
std::vector<int> kmeans_sq(const std::vector<double>& sq, size_t m, int k, uint64_t seed, int max_iter = 10);
// Partitioning around medoids on an m x m symmetric distance matrix (Kaufman and Rousseeuw's BUILD then SWAP, as
// R's cluster::pam): labels 0..k-1 by nearest medoid.
std::vector<int> pam(const std::vector<double>& dist, size_t m, int k);
// Its two halves. BUILD's medoids in the order it picks them (greedy: BUILD for k picks the first k of BUILD for any
// larger k, so one BUILD serves every k); SWAP from the given medoids, the labels (all 0 for one medoid or none).
std::vector<size_t> pam_build(const std::vector<double>& dist, size_t m, int k);
std::vector<int> pam_swap(const std::vector<double>& dist, size_t m, std::vector<size_t> medoids);

// ---- resampling and counting -----------------------------------------------------------------------------------
// Groups of the m items at distance 0 from each other (equal profiles; for correlation, profiles equal up to
// shift and scale), from an m x m distance matrix.
size_t zero_distance_groups(const std::vector<double>& dist, size_t m);
// Items in each resample of n: floor(n * fraction), at least 2, as ConsensusClusterPlus's sampleCols.
size_t resample_size(size_t n, double fraction);
// The smallest item fraction (to four decimals) whose resamples of n items hold at least k_max items: fewer cannot
// be cut into k_max classes (a resample of 0-3 items has a PAC of 0 at every k, which looks perfectly stable).
double min_item_fraction(size_t n, int k_max);
struct ResampleParams {
    double item_fraction = 0.8;
    double feature_fraction = 1.0;
    int max_iter = 10;                   // k-means: passes (R's iter.max, as ConsensusClusterPlus sets it)
    std::string algorithm = "kmeans";    // kmeans | hc | pam
    std::string distance = "euclidean";  // hc and pam: euclidean | pearson | spearman; kmeans: euclidean
    Linkage linkage = Linkage::Average;  // hc of each resample
};

// kmeans of m points over `features` works from squared distances when that is cheaper than from coordinates
// (fewer points than k x features); the clusters are the same.
bool kmeans_by_distances(size_t m, size_t features, int k);
// Whether resample_labels needs the n x n distance matrix D for these settings.
bool resamples_need_distances(size_t n, size_t features, int k_max, const ResampleParams& p);
// Clusters resamples [r0, r1) at every k in [k_min, k_max]. `D` is the n x n distance matrix over all features
// (required when resamples_need_distances says so; ignored otherwise).
// Returns labels[((r - r0) * nk + (k - k_min)) * n + i]: 1..k, or 0 where item i was not drawn.
std::vector<uint8_t> resample_labels(const Matrix& X, const std::vector<double>& D, int k_min, int k_max,
                                     size_t r0, size_t r1, const ResampleParams& p, uint64_t seed);

// Pair counts over every resample's labels, for the pairs (i, j > i) with i in [i0, i1): a contiguous slice of the
// packed triangle starting at pair_index(n, i0, i0 + 1).
struct PairCounts {
    size_t n = 0;
    int k_min = 0, k_max = 0;
    std::vector<uint32_t> sampled;                // resamples that drew both items
    std::vector<std::vector<uint32_t>> together;  // per k: resamples that drew both and put them together
};
// `max_resamples` counts only the first resamples of `labels` (the null test's matched real PAC).
PairCounts count_pairs(const std::vector<uint8_t>& labels, size_t n, int k_min, int k_max, size_t i0, size_t i1,
                       size_t max_resamples = size_t(-1));
// Rows [i0, i1) of n items balanced so that each of `parts` holds about the same number of pairs.
std::pair<size_t, size_t> pair_rows(size_t n, size_t part, size_t parts);

// ---- is there structure at all? (M3C's Monte Carlo reference test) ------------------------------------------------
// Reference data with no clusters and the same feature correlation (M3C's "reverse PCA", made exact): the data's
// principal components X - mean = U S V' with U replaced by a random orthonormal, centred m x r matrix (the Q of a
// Gaussian matrix's QR). Rows of Gaussian data are rotation invariant, so given S and V their U is such a random
// matrix: the references are Gaussian data with exactly the data's covariance. (M3C draws each component's scores
// afresh, which spreads the eigenvalues a second time where there are more features than samples, and makes data
// without clusters look clustered.) For euclidean clustering over every feature the rotation V' changes no
// distance, so the references are the scores Q S themselves (`scores_only`).
struct NullBasis {
    size_t m = 0, p = 0, r = 0;  // samples, features, components (at most m - 1)
    bool scores_only = false;
    std::vector<double> sd;      // r: each component's standard deviation (prcomp's sdev)
    std::vector<double> V;       // r x p, row-major: the loadings (prcomp's rotation, transposed)
    std::vector<double> center;  // p: column means
};
NullBasis null_basis(const Matrix& X, bool scores_only);
// Reference `seed`: m x p (m x r with scores_only); the same bits at any thread count.
Matrix null_reference(const NullBasis& b, uint64_t seed);
// Pairs of a slice of counts (count_pairs) whose consensus at k is ambiguous: in (0.1, 0.9], as PAC counts them.
uint64_t ambiguous_pairs(const PairCounts& c, int k);
// One k's test (M3C): reference PACs against the real PAC (both from the same number of resamples).
struct NullTest {
    double real_pac = 0;       // the real data's PAC at the test's resamples
    double reference_mean = 0; // mean reference PAC
    double p_value = 1;        // M3C's BETA_P: pbeta(real, a, b), a beta fitted to the references by moments
    double p_monte_carlo = 1;  // (#{reference < real} + 1) / (references + 1)
    double p_adjusted = 1;     // p_value x the number of k tested (Bonferroni, at most 1): filled by the caller
    double rcsi = 0, rcsi_se = 0;  // mean and standard error of log(reference) - log(real); PACs of 0 count as 1e-4
};
NullTest null_test(double real_pac, const std::vector<double>& reference_pacs);

// ---- summaries -------------------------------------------------------------------------------------------------
// The consensus matrix for a picture: items ordered by class, within a class by item consensus (highest first),
// then averaged over blocks of consecutive items so that at most max_bins x max_bins values remain. Each class gets
// bins in proportion to its size (at least one); with n <= max_bins every item is its own bin.
struct ConsensusHeatmap {
    size_t bins = 0;
    std::vector<double> values;   // bins x bins, row-major: mean consensus between the items of two bins
    std::vector<int> labels;      // class (1..k) of each bin
    std::vector<uint32_t> items;  // items in each bin
};
ConsensusHeatmap consensus_heatmap(const std::vector<double>& consensus, size_t n, const std::vector<int>& labels,
                                   const std::vector<double>& item_consensus, size_t max_bins);

struct KSummary {
    int k = 0;
    std::vector<int> labels;               // 1..k
    std::vector<double> item_consensus;    // calcICL: mean consensus with the other members of the item's cluster
    std::vector<double> cluster_consensus; // calcICL: mean consensus between the members of each cluster
    std::vector<long> sizes;               // per label 1..k
    double pac = 0;                        // share of pairs with consensus in (0.1, 0.9]
    double area = 0;                       // area under the consensus CDF (100 bins, as ConsensusClusterPlus)
    std::vector<double> cdf;               // 100 values: the share of pairs with consensus <= 0.01, 0.02, ..., 1
    ConsensusHeatmap heatmap;              // filled by the caller (consensus_heatmap), for reports
    double delta_area = 0;                 // filled by fill_delta_area
    double mean_silhouette = 0;            // on 1 - consensus
    // clustering.null_test (empty references when it did not run)
    std::vector<double> reference_pacs;
    NullTest null;
};

// The consensus matrix at k (n x n, row-major) from full counts: the share of the resamples drawing both items that
// put them together (0 when never drawn together; 1 on the diagonal).
std::vector<double> consensus_matrix(const PairCounts& c, int k);
// Classes by hierarchical clustering of 1 - consensus with `final_linkage`, then the figures above.
KSummary summarize_consensus(const std::vector<double>& consensus, size_t n, int k, Linkage final_linkage);
void fill_delta_area(std::vector<KSummary>& ks);  // relative change of area from the previous k
// Index into ks of the chosen k. rule: pac | delta_area | silhouette | fixed | null. null: the best RCSI among the
// k whose null test has p_adjusted < alpha; ks.size() when there is none (no structure).
size_t choose_k(const std::vector<KSummary>& ks, const std::string& rule, double alpha = 0.05);

// ---- features, landmarks ---------------------------------------------------------------------------------------
// Feature preparation, a column of n values `stride` apart at a time: center it (none | median | mean over observed
// values) and set missing to the centre. Returns the centre (the median or mean of its observed values; 0 when none):
// missing values become it, and it is subtracted unless `center` is none.
double center_column(double* v, size_t n, size_t stride, const std::string& center);
// Multi-modality clustering scales a block of columns so that its total variance is `weight`; its columns may lie on
// several ranks. Its pieces: each column's sample variance (0 below 2 values), and the factor (1 when the block has
// no variance) from the block's variances in column order.
double column_variance(const double* v, size_t n, size_t stride);
double block_factor(const double* variances, size_t count, double weight);
// Median absolute deviation of the observed values (scaled by 1.4826 as R's mad), NaN if fewer than 2.
double mad(const double* v, size_t n, size_t stride);

// Equal profiles: a row's digest (SHA-256 of its values, -0 as 0; 32 hex digits) is the same for equal rows only.
std::string row_digest(const double* r, size_t cols);
// For each digest, the index of the first equal one (itself when it is the first).
std::vector<size_t> first_equal(const std::vector<std::string>& digests);

// `m` of n items drawn without replacement, sorted (a uniform landmark subsample).
std::vector<size_t> draw_items(size_t n, size_t m, uint64_t seed);
// Class centroids (k x cols) of the labelled rows (labels 1..k; rows with label 0 are ignored).
Matrix class_centroids(const Matrix& X, const std::vector<int>& labels, int k);
// Label (1..k) of each row of X: the centroid nearest under `distance`; ties to the lower label.
std::vector<int> nearest_centroid(const Matrix& X, const Matrix& centroids, const std::string& distance);

// Principal axes of Y (rows centred on their mean): the first `dims` right singular vectors, each one's sign fixed so
// that its largest loading is positive. None (dims 0) if Y has fewer than dims columns or rows.
struct PcaAxes {
    size_t dims = 0;
    std::vector<double> mean;  // per column of Y
    std::vector<double> axes;  // dims x columns
};
PcaAxes pca_axes(const Matrix& Y, int dims);
// The rows of X (Y's columns) centred on Y's mean and projected on its axes: rows x dims scores, row-major. With
// X = Y these are Y's principal component scores; above clustering.landmarks samples Y is the landmarks.
std::vector<double> pca_project(const PcaAxes& a, const Matrix& X);

}  // namespace precis

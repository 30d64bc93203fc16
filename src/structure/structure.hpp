// Population structure from genotypes: the variants plink2 would use, LD pruning as plink2 --indep-pairwise, genetic
// ancestry PCs as plink2 --pca (with its variant weights and --score projection), and KING-robust kinship as plink2
// --make-king-table, with a maximal unrelated set (--king-cutoff). No MPI here: the pipeline hands each rank its
// variants (PCA: one exchange of the n x n sums) or its share of the sample pairs (KING). docs/structure.md.
#pragma once
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "genome/hts.hpp"

namespace precis {

// One biallelic SNV's hard calls over the samples: 0, 1 or 2 copies of ALT, or kMissingCall.
struct VariantCalls {
    static constexpr uint8_t kMissingCall = 3;
    std::string contig, id, ref, alt;
    int64_t pos = 0;  // 1-based
    std::vector<uint8_t> g;
    uint32_t nonmissing = 0, alt_count = 0;
    double alt_freq() const { return nonmissing ? double(alt_count) / (2.0 * nonmissing) : 0.0; }
    double missing_fraction() const { return g.empty() ? 1.0 : 1.0 - double(nonmissing) / double(g.size()); }
};

// The variants that enter: biallelic SNVs of A/C/G/T alleles (plink2 --snps-only just-acgt --max-alleles 2) with
// diploid GT, missing in at most `max_missing` of the samples (--geno) and with minor allele frequency at least
// `maf` (--maf). `samples` picks the VCF's sample columns, in order.
struct VariantFilter {
    double maf = 0.01;
    double max_missing = 0.1;
};
// The calls of `site` over `samples`; false if it is not a biallelic A/C/G/T SNV with diploid calls.
bool snv_calls(const hts::Site& site, const std::vector<int>& samples, VariantCalls& out);
bool passes(const VariantCalls& v, const VariantFilter& f);

// plink2 --indep-pairwise WINDOW STEP R2 (windows counted in variants; plink2 2.00a3's order, which is plink 1.9's)
// over one contig's variants in file order: true for the variants kept (prune.in). Within each window, each variant
// still in it is tested against the later ones it has not met yet; of a pair with r^2 above the threshold the one
// with the lower minor allele frequency goes (on a tie, the later one), and the window is passed over again until
// nothing more goes. r^2 of the allele counts over the samples called at both variants. A contig of one variant is
// kept whole.
struct PruneSettings {
    int window = 50, step = 5;
    double r2 = 0.2;
};
std::vector<bool> indep_pairwise(const std::vector<const VariantCalls*>& contig, const PruneSettings& s);

// ---- PCA, as plink2 --pca: the variance-standardised relationship matrix with plink2's missingness correction --
// Each variant's ALT count is standardised by its frequency, (g - 2p) / sqrt(2p(1 - p)), a missing call 0; the
// relationship of two samples is the sum of their standardised products over the variants called in both, divided
// by that number of variants.
struct GrmSums {
    Eigen::MatrixXd zz;  // sum of the standardised products (lower triangle and diagonal filled)
    Eigen::MatrixXd oo;  // variants called in both
    void resize(size_t n);
    void add(const std::vector<const VariantCalls*>& vars);  // these variants' shares (matrix products)
    std::vector<double> flat() const;  // the lower triangles, for an allreduce
    void set_flat(const std::vector<double>& f, size_t n);
};
struct Pcs {
    Eigen::VectorXd eigenvalues;  // largest first
    Eigen::MatrixXd vectors;      // n x k, unit length (plink2's .eigenvec)
};
// The top `k` eigenpairs of the relationship matrix; the sign of each vector is fixed so that its largest element
// in magnitude is positive (plink2's sign is arbitrary).
Pcs pcs_from_grm(const GrmSums& s, int k);
// ---- randomized PCA (above a cohort size): subspace iteration on the standardised calls, without the n x n matrix --
// K = Z'Z / M (Z: variants x samples, standardised, a missing call 0; no per-pair missingness correction, as
// plink2 --pca approx). Starting from a random n x l block, Q <- orth(Z'Z Q) a number of times, then the top
// eigenpairs of Q'Z'ZQ / M give the PCs as Q times its eigenvectors. The pieces below are each variant block's
// share of a product; the caller adds the blocks' shares over ranks (exactly) and orthonormalises.
// Z'(Z Q) over these variants (n x l).
Eigen::MatrixXd cross_product(const std::vector<const VariantCalls*>& vars, const Eigen::MatrixXd& Q);
// (Z Q)'(Z Q) over these variants (l x l).
Eigen::MatrixXd projected_gram(const std::vector<const VariantCalls*>& vars, const Eigen::MatrixXd& Q);
// orthonormal columns spanning Y (Householder QR, the same on every rank for the same Y)
Eigen::MatrixXd orthonormal(const Eigen::MatrixXd& Y);
// the PCs from Q and the l x l Gram matrix B = (ZQ)'(ZQ) over M variants: eigenvalues B's / M, vectors Q U
Pcs pcs_from_subspace(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& B, size_t variants, int k);

// A variant's weights (plink2's .eigenvec.var, for its non-major allele): its standardised calls times each vector,
// over the square root of the eigenvalue.
std::vector<double> variant_weights(const VariantCalls& v, const Pcs& pcs);
// plink2 --score WEIGHTS variance-standardize no-mean-imputation, for the ALT allele's weights `w` (one row per
// PC): the sum over a sample's called variants of weight x standardised count, over twice the number of variants
// it has called (plink2's _AVG). Adds one sample's share for one variant; `alt_freq` is the reference cohort's.
struct Projection {
    std::vector<double> sum;    // per PC
    uint32_t called = 0;
    void add(uint8_t g, double alt_freq, const double* w, size_t k);
    double score(size_t pc) const { return called ? sum[pc] / (2.0 * called) : std::nan(""); }
};

// ---- KING-robust kinship, as plink2 --make-king-table ------------------------------------------------------------
// Each sample's calls as bit planes over the variants (heterozygous, homozygous REF, homozygous ALT), 64 variants to
// a word, so that a pair's counts are popcounts.
class KingPlanes {
public:
    KingPlanes() = default;
    KingPlanes(size_t samples, size_t variants);
    void set(size_t sample, size_t variant, uint8_t g);
    size_t samples() const { return n_; }
    // The planes come in parts (one per rank's variants), each sample-major: part p holds, for every sample, its
    // het, hom REF and hom ALT planes of words(p) words. One part unless made by from_parts.
    size_t parts() const { return words_.size(); }
    size_t words(size_t part = 0) const { return words_[part]; }
    const uint64_t* plane(size_t sample, int which, size_t part = 0) const {
        return &bits_[offset_[part] + (sample * 3 + size_t(which)) * words_[part]];
    }
    std::vector<uint64_t>& raw() { return bits_; }
    // parts side by side, as they arrive (one after another in `bits`), without copying them into one layout
    static KingPlanes from_parts(size_t samples, std::vector<uint64_t>&& bits, const std::vector<size_t>& words);

private:
    size_t n_ = 0;
    std::vector<size_t> words_, offset_;
    std::vector<uint64_t> bits_;
};
struct KingPair {
    uint32_t a = 0, b = 0;  // a < b
    uint32_t nsnp = 0, hethet = 0, ibs0 = 0;
    double kinship = 0;
};
// The pairs (a, b) with a in [a0, a1), b > a, whose kinship is at least `min_kinship` (-inf: every pair). KING's
// between-family estimator, as plink2: (HETHET - 2 IBS0) / (2 m) + 1/2 - (het_a + het_b) / (4 m), where het_x
// counts x's heterozygous calls among the variants called in both and m = min(het_a, het_b).
std::vector<KingPair> king_pairs(const KingPlanes& p, size_t a0, size_t a1, double min_kinship);
// KING's degree of a kinship: 0 (duplicate / twin, > 0.354), 1 (> 0.177), 2 (> 0.0884), 3 (> 0.0442), else 4
// (unrelated).
int king_degree(double kinship);
// A maximal set of samples with no pair above `max_kinship`: which samples to remove, ascending. Greedy: the sample
// with the most such relatives goes first (ties: the later sample), until none is left.
std::vector<uint32_t> unrelated_removals(size_t n, const std::vector<KingPair>& above);

}  // namespace precis

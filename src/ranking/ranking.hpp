// Biomarker ranking statistics. No MPI here: the pipeline hands each rank a block of features.
#pragma once
#include <cmath>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/parse.hpp"

namespace precis {

struct TestResult {
    double statistic = 0;  // t
    double df = 0;
    double effect = 0;     // mean(b) - mean(a)
    double p = 1;
    double ci_low = NAN, ci_high = NAN;  // 95% confidence interval of the effect
    double auc = NAN;                    // P(b > a) + P(b = a) / 2 over pairs of observed values
};

// Welch's two-sample t-test, as R's t.test(b, a) (var.equal = FALSE); NaN values are ignored.
// Returns NaN statistic and p when a group has fewer than 2 observed values or both variances are 0.
TestResult welch_test(const std::vector<double>& a, const std::vector<double>& b);

// Benjamini-Hochberg adjusted p-values (R's p.adjust(method = "BH")); NaN p-values stay NaN and are not counted.
std::vector<double> bh_adjust(const std::vector<double>& p);

// Contrasts for a grouping: two levels -> one contrast (second minus first); more -> each level against the rest.
struct Contrast {
    std::string name;   // "B_vs_A" or "3_vs_rest"
    int level = -1;     // the "b" side: samples with this level
    int other = -1;     // the "a" side: this level, or -1 for all other samples
};
std::vector<Contrast> make_contrasts(const std::vector<std::string>& levels);

// Tests one feature (values per sample, NaN = missing) for every contrast with `test` (welch | wilcoxon |
// kruskal); group[i] indexes levels (-1 = excluded). A contrast with level -1 compares every group (kruskal).
std::vector<TestResult> test_feature(const double* values, size_t n, size_t stride, const std::vector<int>& group,
                                     const std::vector<Contrast>& contrasts, const std::string& test = "welch");

// Covariate columns from a sheet column's values: one numeric column when every value present is a number; else
// a factor, one indicator column per level after the first in sorted order. Missing values ("", "NA") are NaN.
std::vector<std::vector<double>> covariate_columns(const std::vector<std::string>& values);
// The levels covariate_columns codes (sorted; empty for a numeric column).
std::vector<std::string> covariate_levels(const std::vector<std::string>& values);
// The same coding of n values read through at (core/parse.hpp), written where the caller keeps its columns: the
// levels, how many columns they make, and column j's n values written to column(j)[0..n).
std::vector<std::string> covariate_levels(size_t n, const TextAt& at);
inline size_t covariate_width(const std::vector<std::string>& levels) {
    return levels.empty() ? 1 : levels.size() - 1;
}
void covariate_fill(size_t n, const TextAt& at, const std::vector<std::string>& levels,
                    const std::function<double*(size_t)>& column);

}  // namespace precis

#include <Eigen/Dense>

namespace precis {

// ---- linear models, as limma's lmFit + contrasts.fit + eBayes ------------------------------------------------
// The design of a grouping with covariates. Two groups: intercept, second-group indicator, covariates; the one
// contrast is the indicator's coefficient (second minus first). More groups: one indicator per group (cell means)
// and the covariates; contrast l is group l's mean minus the mean of the other groups' means, and L holds the
// hypotheses of the overall F (every group mean equal).
struct Design {
    Eigen::MatrixXd X;         // rows: the samples in the model; columns: coefficients
    std::vector<size_t> rows;  // each row's sample index
    Eigen::MatrixXd C;         // coefficients x contrasts
    Eigen::MatrixXd L;         // (groups - 1) x coefficients; empty with two groups
    Eigen::MatrixXd P;         // (X'X)^-1 X': coefficients from fully observed values
    Eigen::MatrixXd V;         // (X'X)^-1
};
// group[i]: level of sample i (-1: not in the model); covariates[c][i]: numeric covariate values (factor levels
// already as indicator columns); a sample with a NaN covariate is left out of the model.
Design make_design(const std::vector<int>& group, size_t n_levels, const std::vector<std::vector<double>>& covariates);

// One feature's least-squares fit on its observed samples (values[i * stride], NaN = missing), as limma's lmFit
// does gene by gene when values are missing.
struct LinearFit {
    std::vector<double> coef, stdev_unscaled;  // per contrast
    double wald = NAN;                         // the overall F's quadratic form before scaling by r * s2
    double s2 = NAN, df = 0, amean = NAN;      // residual variance and df; mean of the observed values
};
LinearFit fit_linear(const double* values, size_t stride, const Design& d);

// limma's fitFDist: the scaled F distribution of s2 (with df1 residual df each): prior variance (per feature when a
// covariate is given: limma's trend, a natural spline in it) and prior df (infinite when the variances are no more
// spread than chance allows).
struct VariancePrior {
    std::vector<double> s2_prior;  // one value, or one per feature with a covariate
    double df_prior = 0;
    std::vector<double> df_prior_each;  // robust: each feature's shrunk prior df (limma's df2.shrunk)
};
VariancePrior fit_f_dist(const std::vector<double>& s2, const std::vector<double>& df1,
                         const std::vector<double>* covariate);
// limma's fitFDistRobustly (eBayes(robust = TRUE)): the prior from Winsorized log variances (tails 0.05 and 0.1)
// around their trimmed mean, or with a covariate around limma's loess trend in it (robust and trend), and each
// feature's prior df shrunk by how likely its variance is to be an outlier.
VariancePrior fit_f_dist_robust(const std::vector<double>& s2, const std::vector<double>& df1,
                                const std::vector<double>* covariate = nullptr);
// R's lowess(x, y, f, iter) with its default delta (1% of the range of x): the fitted values, in the order of x.
std::vector<double> lowess(const std::vector<double>& x, const std::vector<double>& y, double f, int iter);
// The same on x sorted increasingly, with an explicit delta; fitted values in that order.
std::vector<double> lowess_sorted(const std::vector<double>& x, const std::vector<double>& y, double f, int iter,
                                  double delta);

// Inverse of the trigamma function (Smyth's Newton iteration, as limma's trigammaInverse).
double trigamma_inverse(double x);

// Moderated t per contrast and, with more than two groups, the moderated F (last), from a fit and the prior;
// df_pooled caps df.total as limma does.
std::vector<TestResult> moderated_tests(const LinearFit& f, double s2_prior, double df_prior, double df_pooled,
                                        const Design& d);

// ---- rank tests --------------------------------------------------------------------------------------------------
// Wilcoxon rank-sum test of b against a, as R's wilcox.test(b, a, exact = FALSE, correct = TRUE): statistic W (b's
// rank sum minus nb(nb + 1)/2), normal approximation with the tie correction; NaN values ignored.
TestResult wilcoxon_test(const std::vector<double>& a, const std::vector<double>& b);
// Kruskal-Wallis test over groups (values per group, NaN ignored), as R's kruskal.test: statistic H, df groups - 1.
TestResult kruskal_test(const std::vector<std::vector<double>>& groups);
// Pearson's chi-squared test of independence of a contingency table (rows of counts), as R's chisq.test(x): Yates's
// continuity correction on a 2 x 2 table; rows and columns without counts are left out first (R would give NaN).
// statistic X-squared, df (r - 1)(c - 1); NaN when fewer than 2 rows or columns remain. `min_expected` gets the
// smallest expected count (below 5 the approximation may be poor, as R warns).
TestResult chisq_test(const std::vector<std::vector<double>>& table, double* min_expected = nullptr);

// The AUC of b against a: the Mann-Whitney W / (na nb), ties counting one half; NaN values ignored.
double auc(const std::vector<double>& a, const std::vector<double>& b);

// One feature's observed values sorted once, for the rank statistics of all its contrasts: each group's values
// sorted, and all of them (sorting each contrast's two sides anew sorted the whole feature twice a contrast).
// W and the ties term come out the same as from the sides themselves (they depend on the values' order only).
class SortedGroups {
public:
    // values[i * stride] of group[i] (-1: left out), NaN values ignored
    void assign(const double* values, size_t n, size_t stride, const std::vector<int>& group);
    // The Mann-Whitney W of the contrast's level against its other side (its other level or every other group) and
    // the sides' observed sizes; W NaN when a side has no observed value.
    struct W {
        double w, ties, na, nb;
    };
    void mann_whitney(const Contrast& c, W& out);

private:
    std::vector<std::vector<double>> groups_;
    std::vector<double> pooled_, rest_, scratch_;
};
// The Wilcoxon test (as wilcoxon_test, without its effect) and the AUC from a contrast's W.
TestResult wilcoxon_from(const SortedGroups::W& w);
double auc_from(const SortedGroups::W& w);
// The two sides of a contrast among the samples of a feature (values[i * stride]): b = the contrast's level, a =
// its other level or every other grouped sample.
void contrast_sides(const double* values, size_t n, size_t stride, const std::vector<int>& group, const Contrast& c,
                    std::vector<double>& a, std::vector<double>& b);

// Benjamini-Yekutieli adjusted p-values (R's p.adjust(method = "BY")).
std::vector<double> by_adjust(const std::vector<double>& p);
// Holm's adjusted p-values (R's p.adjust(method = "holm")); NaN p-values stay NaN and are not counted.
std::vector<double> holm_adjust(const std::vector<double>& p);

}  // namespace precis

// Biomarker ranking statistics. No MPI here: the pipeline hands each rank a block of features.
#pragma once
#include <string>
#include <vector>

namespace precis {

struct TestResult {
    double statistic = 0;  // t
    double df = 0;
    double effect = 0;     // mean(b) - mean(a)
    double p = 1;
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

// Tests one feature (values per sample, NaN = missing) for every contrast; group[i] indexes levels (-1 = excluded).
std::vector<TestResult> test_feature(const double* values, size_t n, size_t stride, const std::vector<int>& group,
                                     const std::vector<Contrast>& contrasts);

}  // namespace precis

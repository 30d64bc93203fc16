// Small order statistics shared by the modules, each as R computes it.
#pragma once
#include <vector>

namespace precis {

// Median (the mean of the two middle values for an even count); NaN for an empty vector.
double median_of(std::vector<double> v);
// R's quantile(type = 7) of the non-NaN values; NaN if there are none.
double quantile_type7(std::vector<double> values, double q);
// R's rank(): 1-based ranks, ties sharing their mean rank. With `ties`, also sum(t^3 - t) over the groups of ties.
std::vector<double> average_ranks(const std::vector<double>& v, double* ties = nullptr);

}  // namespace precis

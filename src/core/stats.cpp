#include "core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace precis {

double median_of(std::vector<double> v) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    size_t h = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + long(h), v.end());
    double hi = v[h];
    if (v.size() % 2) return hi;
    double lo = *std::max_element(v.begin(), v.begin() + long(h));
    return (lo + hi) / 2;
}

double quantile_type7(std::vector<double> values, double q) {
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
    if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    const double h = double(values.size() - 1) * q;
    const size_t lo = size_t(std::floor(h));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (h - double(lo)) * (values[hi] - values[lo]);
}

std::vector<double> average_ranks(const std::vector<double>& v, double* ties) {
    std::vector<size_t> o(v.size());
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    double t3 = 0;
    for (size_t i = 0; i < o.size();) {
        size_t e = i + 1;
        while (e < o.size() && v[o[e]] == v[o[i]]) ++e;
        const double t = double(e - i);
        for (size_t q = i; q < e; ++q) r[o[q]] = 0.5 * double(i + 1 + e);
        t3 += t * t * t - t;
        i = e;
    }
    if (ties) *ties = t3;
    return r;
}

}  // namespace precis

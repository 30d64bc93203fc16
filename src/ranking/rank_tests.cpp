// Rank tests as base R computes them (wilcox.test with the normal approximation, kruskal.test).
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "core/stats.hpp"
#include "ranking/ranking.hpp"

namespace precis {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean_of(const std::vector<double>& v) {
    return v.empty() ? kNaN : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

std::vector<double> observed(const std::vector<double>& v) {
    std::vector<double> o;
    for (double x : v)
        if (!std::isnan(x)) o.push_back(x);
    return o;
}

// Mann-Whitney W of b against a (both sorted, without NaN, not empty): b's rank sum in the pooled sample less its
// minimum, counted as the pairs in which b's value is above a's, ties counting half (the same number: every term is a
// multiple of 1/2, exact in a double). `ties` is the sum of t^3 - t over the pooled sample's runs of equal values.
// Sorting the two samples' plain values is several times faster than ranking the pooled sample through an index.
double mann_whitney_sorted(const double* a, size_t na, const double* b, size_t nb, double& ties) {
    double w = 0;
    ties = 0;
    for (size_t i = 0, k = 0; i < na || k < nb;) {
        const double v = k == nb ? a[i] : i == na ? b[k] : std::min(a[i], b[k]);
        size_t ca = 0, cb = 0;
        for (; i < na && a[i] == v; ++i) ++ca;
        for (; k < nb && b[k] == v; ++k) ++cb;
        w += double(cb) * (double(i - ca) + 0.5 * double(ca));  // above i - ca of a's values, tied with ca
        const double t = double(ca + cb);
        ties += t * t * t - t;
    }
    return w;
}

double mann_whitney_w(std::vector<double> a, std::vector<double> b, double& ties) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return mann_whitney_sorted(a.data(), a.size(), b.data(), b.size(), ties);
}

// The normal approximation of wilcox.test from W: b (nx values) against a (ny).
void wilcoxon_p(double w, double ties, double nx, double ny, TestResult& r) {
    r.statistic = w;
    const double z0 = w - nx * ny / 2;
    const double sigma = std::sqrt(nx * ny / 12 * ((nx + ny + 1) - ties / ((nx + ny) * (nx + ny - 1))));
    if (!(sigma > 0)) {
        r.p = kNaN;
        return;
    }
    const double correction = z0 > 0 ? 0.5 : (z0 < 0 ? -0.5 : 0.0);
    const double z = (z0 - correction) / sigma;
    boost::math::normal nd;
    r.p = 2 * std::min(boost::math::cdf(nd, z), boost::math::cdf(boost::math::complement(nd, z)));
}
}  // namespace

TestResult wilcoxon_test(const std::vector<double>& a_in, const std::vector<double>& b_in) {
    TestResult r;
    const std::vector<double> a = observed(a_in), b = observed(b_in);
    r.effect = a.empty() || b.empty() ? kNaN : mean_of(b) - mean_of(a);
    r.df = kNaN;
    if (a.empty() || b.empty()) {
        r.statistic = r.p = kNaN;
        return r;
    }
    double ties;
    const double w = mann_whitney_w(a, b, ties);
    wilcoxon_p(w, ties, double(b.size()), double(a.size()), r);
    return r;
}

double auc(const std::vector<double>& a_in, const std::vector<double>& b_in) {
    std::vector<double> a = observed(a_in), b = observed(b_in);
    if (a.empty() || b.empty()) return kNaN;
    const double pairs = double(a.size()) * double(b.size());
    double ties;
    return mann_whitney_w(std::move(a), std::move(b), ties) / pairs;
}

void SortedGroups::assign(const double* values, size_t n, size_t stride, const std::vector<int>& group) {
    for (auto& g : groups_) g.clear();
    for (size_t i = 0; i < n; ++i) {
        const int g = group[i];
        const double v = values[i * stride];
        if (g < 0 || std::isnan(v)) continue;
        if (size_t(g) >= groups_.size()) groups_.resize(size_t(g) + 1);
        groups_[size_t(g)].push_back(v);
    }
    pooled_.clear();
    for (auto& g : groups_) {
        std::sort(g.begin(), g.end());
        scratch_.resize(pooled_.size() + g.size());
        std::merge(pooled_.begin(), pooled_.end(), g.begin(), g.end(), scratch_.begin());
        pooled_.swap(scratch_);
    }
}

void SortedGroups::mann_whitney(const Contrast& c, W& out) {
    static const std::vector<double> none;
    const std::vector<double>& b = c.level >= 0 && size_t(c.level) < groups_.size() ? groups_[size_t(c.level)] : none;
    const std::vector<double>* a = &rest_;
    if (c.other >= 0) {
        a = size_t(c.other) < groups_.size() ? &groups_[size_t(c.other)] : &none;
    } else {  // every other group: the pooled values less b's (as multisets: equal values are alike to W)
        rest_.resize(pooled_.size());
        rest_.erase(std::set_difference(pooled_.begin(), pooled_.end(), b.begin(), b.end(), rest_.begin()),
                    rest_.end());
    }
    out.na = double(a->size());
    out.nb = double(b.size());
    if (a->empty() || b.empty())
        out.w = out.ties = kNaN;
    else
        out.w = mann_whitney_sorted(a->data(), a->size(), b.data(), b.size(), out.ties);
}

TestResult wilcoxon_from(const SortedGroups::W& w) {
    TestResult r;
    r.effect = r.df = kNaN;
    if (!(w.na > 0 && w.nb > 0)) {
        r.statistic = r.p = kNaN;
        return r;
    }
    wilcoxon_p(w.w, w.ties, w.nb, w.na, r);
    return r;
}

double auc_from(const SortedGroups::W& w) { return w.na > 0 && w.nb > 0 ? w.w / (w.na * w.nb) : kNaN; }

TestResult kruskal_test(const std::vector<std::vector<double>>& groups) {
    TestResult r;
    r.effect = kNaN;
    std::vector<double> all;
    std::vector<size_t> sizes;
    for (auto& g : groups) {
        const std::vector<double> o = observed(g);
        if (o.empty()) continue;
        all.insert(all.end(), o.begin(), o.end());
        sizes.push_back(o.size());
    }
    const double n = double(all.size());
    if (sizes.size() < 2) {
        r.statistic = r.p = r.df = kNaN;
        return r;
    }
    double ties;
    const std::vector<double> rk = average_ranks(all, &ties);
    double s = 0;
    size_t at = 0;
    for (size_t g : sizes) {
        double sum = 0;
        for (size_t i = 0; i < g; ++i) sum += rk[at + i];
        s += sum * sum / double(g);
        at += g;
    }
    const double denom = 1 - ties / (n * n * n - n);
    r.df = double(sizes.size() - 1);
    r.statistic = (12 * s / (n * (n + 1)) - 3 * (n + 1)) / denom;
    if (!std::isfinite(r.statistic)) {
        r.p = kNaN;
        return r;
    }
    boost::math::chi_squared chi(r.df);
    r.p = boost::math::cdf(boost::math::complement(chi, std::max(r.statistic, 0.0)));
    return r;
}

TestResult chisq_test(const std::vector<std::vector<double>>& table, double* min_expected) {
    TestResult r;
    r.effect = kNaN;
    r.statistic = r.p = r.df = kNaN;
    if (min_expected) *min_expected = kNaN;
    std::vector<double> rows, cols;
    std::vector<size_t> ri, ci;
    const size_t nc = table.empty() ? 0 : table[0].size();
    for (size_t i = 0; i < table.size(); ++i) {
        double s = 0;
        for (double v : table[i]) s += v;
        if (s > 0) ri.push_back(i), rows.push_back(s);
    }
    for (size_t j = 0; j < nc; ++j) {
        double s = 0;
        for (auto& row : table) s += row[j];
        if (s > 0) ci.push_back(j), cols.push_back(s);
    }
    if (rows.size() < 2 || cols.size() < 2) return r;
    double n = 0;
    for (double v : rows) n += v;
    const bool yates = rows.size() == 2 && cols.size() == 2;
    // R: YATES <- min(0.5, abs(x - E)) on a 2 x 2 table
    double yates_c = 0.5;
    if (yates)
        for (size_t a = 0; a < 2; ++a)
            for (size_t b = 0; b < 2; ++b)
                yates_c = std::min(yates_c, std::fabs(table[ri[a]][ci[b]] - rows[a] * cols[b] / n));
    double x2 = 0, emin = std::numeric_limits<double>::infinity();
    for (size_t a = 0; a < rows.size(); ++a)
        for (size_t b = 0; b < cols.size(); ++b) {
            const double e = rows[a] * cols[b] / n;
            emin = std::min(emin, e);
            const double d = std::fabs(table[ri[a]][ci[b]] - e) - (yates ? yates_c : 0.0);
            x2 += d * d / e;
        }
    r.statistic = x2;
    r.df = double((rows.size() - 1) * (cols.size() - 1));
    r.p = boost::math::cdf(boost::math::complement(boost::math::chi_squared(r.df), x2));
    if (min_expected) *min_expected = emin;
    return r;
}

}  // namespace precis

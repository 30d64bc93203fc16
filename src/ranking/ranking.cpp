#include "ranking/ranking.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <set>
#include <string_view>

#include "core/parse.hpp"

namespace precis {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

void moments(const std::vector<double>& x, double& n, double& mean, double& var) {
    n = 0;
    mean = 0;
    for (double v : x)
        if (!std::isnan(v)) n += 1, mean += v;
    if (n == 0) {
        var = NaN;
        return;
    }
    mean /= n;
    double ss = 0;
    for (double v : x)
        if (!std::isnan(v)) ss += (v - mean) * (v - mean);
    var = n > 1 ? ss / (n - 1) : NaN;
}
}  // namespace

TestResult welch_test(const std::vector<double>& a, const std::vector<double>& b) {
    TestResult r;
    double na, ma, va, nb, mb, vb;
    moments(a, na, ma, va);
    moments(b, nb, mb, vb);
    r.effect = (na > 0 && nb > 0) ? mb - ma : NaN;
    if (na < 2 || nb < 2) {
        r.statistic = r.df = r.p = NaN;
        return r;
    }
    double sa = va / na, sb = vb / nb, se2 = sa + sb;
    if (!(se2 > 0)) {
        r.statistic = r.df = r.p = NaN;
        return r;
    }
    r.statistic = (mb - ma) / std::sqrt(se2);
    r.df = se2 * se2 / (sa * sa / (na - 1) + sb * sb / (nb - 1));
    boost::math::students_t dist(r.df);
    r.p = 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(r.statistic)));
    const double half = boost::math::quantile(boost::math::complement(dist, 0.025)) * std::sqrt(se2);
    r.ci_low = r.effect - half;
    r.ci_high = r.effect + half;
    return r;
}

namespace {
// Step-up adjustment as R's p.adjust: BH, or BY when `factor` is sum(1/i); NaN p-values stay NaN, not counted
std::vector<double> step_up(const std::vector<double>& p, bool by) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < p.size(); ++i)
        if (!std::isnan(p[i])) idx.push_back(i);
    std::vector<double> q(p.size(), NaN);
    const size_t m = idx.size();
    if (m == 0) return q;
    double factor = 1;
    if (by) {
        factor = 0;
        for (size_t i = 1; i <= m; ++i) factor += 1.0 / double(i);
    }
    std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return p[x] > p[y]; });  // decreasing p
    double running = 1.0;
    for (size_t r = 0; r < m; ++r) {
        size_t i = idx[r];
        double rank = double(m - r);  // rank in increasing order
        running = std::min(running, factor * p[i] * double(m) / rank);
        q[i] = std::min(1.0, running);
    }
    return q;
}
}  // namespace

std::vector<double> bh_adjust(const std::vector<double>& p) { return step_up(p, false); }
std::vector<double> by_adjust(const std::vector<double>& p) { return step_up(p, true); }

std::vector<double> holm_adjust(const std::vector<double>& p) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < p.size(); ++i)
        if (!std::isnan(p[i])) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return p[x] < p[y]; });  // increasing p
    std::vector<double> q(p.size(), NaN);
    double running = 0;
    for (size_t r = 0; r < idx.size(); ++r) {
        running = std::max(running, std::min(1.0, double(idx.size() - r) * p[idx[r]]));
        q[idx[r]] = running;
    }
    return q;
}

std::vector<Contrast> make_contrasts(const std::vector<std::string>& levels) {
    std::vector<Contrast> c;
    if (levels.size() == 2) {
        c.push_back({levels[1] + "_vs_" + levels[0], 1, 0});
    } else if (levels.size() > 2) {
        for (size_t l = 0; l < levels.size(); ++l) c.push_back({levels[l] + "_vs_rest", int(l), -1});
    }
    return c;
}

void contrast_sides(const double* values, size_t n, size_t stride, const std::vector<int>& group, const Contrast& c,
                    std::vector<double>& a, std::vector<double>& b) {
    a.clear();
    b.clear();
    for (size_t i = 0; i < n; ++i) {
        const int g = group[i];
        if (g < 0) continue;
        const double v = values[i * stride];
        if (g == c.level)
            b.push_back(v);
        else if (c.other < 0 || g == c.other)
            a.push_back(v);
    }
}

std::vector<TestResult> test_feature(const double* values, size_t n, size_t stride, const std::vector<int>& group,
                                     const std::vector<Contrast>& contrasts, const std::string& test) {
    std::vector<TestResult> out;
    std::vector<double> a, b;
    SortedGroups sorted;  // once, for every contrast's W
    bool have_sorted = false;
    for (const auto& c : contrasts) {
        if (c.level < 0) {  // every group at once
            int k = 0;
            for (int g : group) k = std::max(k, g + 1);
            std::vector<std::vector<double>> groups(static_cast<size_t>(k));
            for (size_t i = 0; i < n; ++i)
                if (group[i] >= 0) groups[size_t(group[i])].push_back(values[i * stride]);
            out.push_back(kruskal_test(groups));
            continue;
        }
        contrast_sides(values, n, stride, group, c, a, b);
        TestResult r = welch_test(a, b);  // the effect's confidence interval is Welch's for every test
        if (!have_sorted) sorted.assign(values, n, stride, group), have_sorted = true;
        SortedGroups::W w;
        sorted.mann_whitney(c, w);
        if (test == "wilcoxon") {
            const TestResult t = wilcoxon_from(w);
            r.statistic = t.statistic, r.p = t.p, r.df = t.df;
        }
        r.auc = auc_from(w);
        out.push_back(r);
    }
    return out;
}

std::vector<std::string> covariate_levels(size_t n, const TextAt& at) {
    if (is_numeric_column(n, at)) return {};
    std::set<std::string_view> distinct;  // (a factor has few levels: not a sort of every value)
    for (size_t i = 0; i < n; ++i)
        if (const std::string_view v = at(i); !is_missing(v)) distinct.emplace(v);
    return std::vector<std::string>(distinct.begin(), distinct.end());
}

void covariate_fill(size_t n, const TextAt& at, const std::vector<std::string>& levels,
                    const std::function<double*(size_t)>& column) {
    if (levels.empty()) {
        double* num = column(0);
        for (size_t i = 0; i < n; ++i) {
            num[i] = NaN;
            if (const std::string_view v = at(i); !is_missing(v)) parse_double(v, num[i]);
        }
        return;
    }
    for (size_t l = 1; l < levels.size(); ++l) {
        double* c = column(l - 1);
        for (size_t i = 0; i < n; ++i) {
            const std::string_view v = at(i);
            c[i] = is_missing(v) ? NaN : v == levels[l] ? 1.0 : 0.0;
        }
    }
}

std::vector<std::string> covariate_levels(const std::vector<std::string>& values) {
    return covariate_levels(values.size(), text_at(values));
}

std::vector<std::vector<double>> covariate_columns(const std::vector<std::string>& values) {
    const TextAt at = text_at(values);
    const std::vector<std::string> levels = covariate_levels(values.size(), at);
    std::vector<std::vector<double>> cols(covariate_width(levels), std::vector<double>(values.size()));
    covariate_fill(values.size(), at, levels, [&](size_t j) { return cols[j].data(); });
    return cols;
}

}  // namespace precis


#include "proteome/proteome.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parse.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/table.hpp"

namespace precis {

const std::vector<std::string>& proteome_qc_columns() {
    static const std::vector<std::string> cols = {"n_features", "n_detected", "detected_fraction", "median",
                                                  "n_below_lod", "qc_warning"};
    return cols;
}

std::vector<double> proteome_qc_values(const ProteomeQC& q) {
    return {double(q.n_features), double(q.n_detected), q.detected_fraction, q.median, double(q.below_lod),
            q.qc_warning ? 1.0 : 0.0};
}

namespace {

// The first row (by position) whose id an earlier row has, and that earlier row; {n, n} if none. Ids are sorted by
// their hash (no allocation per id, as a map would make): equal ids are among equal hashes.
std::pair<size_t, size_t> first_repeat(const std::vector<std::string>& ids, size_t n) {  // of ids[0, n)
    thread_local std::vector<std::pair<size_t, size_t>> by_hash;
    by_hash.resize(n);
    for (size_t i = 0; i < n; ++i) by_hash[i] = {std::hash<std::string>{}(ids[i]), i};
    std::sort(by_hash.begin(), by_hash.end());
    std::pair<size_t, size_t> first{n, n};
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && by_hash[b].first == by_hash[a].first) ++b;
        for (size_t j = a + 1; j < b; ++j)  // rows in order: the first earlier row with the same id
            for (size_t k = a; k < j; ++k)
                if (ids[by_hash[k].second] == ids[by_hash[j].second]) {
                    if (by_hash[j].second < first.first) first = {by_hash[j].second, by_hash[k].second};
                    break;
                }
        a = b;
    }
    return first;
}

}  // namespace

// Rows are checked in order, each for an empty id, then a repeated id, then its value; the first problem is the one
// reported. Repeats are found once all ids are read, so a row's own problem is kept until then.
ProteomeResult process_proteome(const std::string& path, const ProteomeSettings& st) {
    TableReader t(path);
    const int idc = t.head().require_column(st.id_column, "proteome.id_column");
    const int vc = t.head().require_column(st.value_column, "proteome.value_column");
    // per thread, reused from table to table: a worker allocates only the result (its values, and its ids until a
    // list it already has replaces them)
    thread_local std::vector<std::string> ids;
    thread_local std::vector<long> lines;
    thread_local std::vector<double> values, obs;
    size_t n = 0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    size_t bad = size_t(-1);  // the first row with a problem of its own (not a repeat), and that problem
    std::string bad_what, bad_fix;
    const auto problem = [&](const std::string& what, const char* fix) {
        bad = n;
        bad_what = where(path, t.line()) + what;
        bad_fix = fix;
    };
    while (t.next()) {  // every row is read (a ragged row anywhere is reported first, as read_table does)
        if (bad != size_t(-1)) continue;
        const std::string& id = t.fields()[size_t(idc)];
        const std::string& s = t.fields()[size_t(vc)];
        double v = nan;
        if (id.empty()) {
            problem("empty protein id", "give every row a protein id");
        } else if (!is_missing(s)) {
            if (!parse_double(s, v) || !std::isfinite(v)) {  // the cell is not echoed: values stay out of logs
                problem("the value in column " + st.value_column + " (protein '" + id + "') is not a finite number",
                        "write a number, or NA for a missing value");
            } else if (st.log2) {
                if (v < 0)
                    problem("a negative abundance (protein '" + id + "') cannot be log2-transformed",
                            "give raw (linear) abundances, or set proteome.transform: none");
                v = v == 0 ? nan : std::log2(v);
            }
        }
        if (n == ids.size()) {
            ids.emplace_back();
            lines.push_back(0);
            values.push_back(0);
        }
        ids[n] = id;  // a row with a problem too: a repeat on it comes first
        lines[n] = t.line();
        values[n++] = v;
    }
    if (const auto [again, first] = first_repeat(ids, n); again < n && (bad == size_t(-1) || again <= bad))
        throw_malformed(where(path, lines[again]) + "protein '" + ids[again] + "' appears again (first on line " +
                            std::to_string(lines[first]) + ")",
                        "keep one row per protein");
    if (bad != size_t(-1)) throw_malformed(bad_what, bad_fix);
    if (n == 0)
        throw_malformed(path + ": no protein rows after the header", "give one row per protein: id and abundance");
    ProteomeResult r;
    r.ids = std::make_shared<const std::vector<std::string>>(ids.begin(), ids.begin() + long(n));
    r.values.assign(values.begin(), values.begin() + long(n));
    obs.clear();
    for (double v : r.values)
        if (!std::isnan(v)) obs.push_back(v);
    r.qc.n_features = static_cast<long>(r.values.size());
    r.qc.n_detected = static_cast<long>(obs.size());
    r.qc.detected_fraction = r.qc.n_features ? double(r.qc.n_detected) / r.qc.n_features : 0.0;
    r.qc.median = median_of(obs);
    if (st.median_normalize && !obs.empty())
        for (double& v : r.values)
            if (!std::isnan(v)) v -= r.qc.median;
    return r;
}

namespace {

// Linear interpolation of y(x) at xo, x ascending; the ends are held (xo is always inside [x0, xn] here).
double interpolate(const std::vector<double>& x, const std::vector<double>& y, double xo) {
    auto it = std::upper_bound(x.begin(), x.end(), xo);
    if (it == x.begin()) return y.front();
    if (it == x.end()) return y.back();
    size_t k = size_t(it - x.begin());
    double x0 = x[k - 1], x1 = x[k];
    return x1 == x0 ? y[k - 1] : y[k - 1] + (y[k] - y[k - 1]) * (xo - x0) / (x1 - x0);
}

std::vector<double> grid(size_t n) {  // 0, 1/(n-1), ..., 1
    std::vector<double> g(n);
    for (size_t i = 0; i < n; ++i) g[i] = n > 1 ? double(i) / double(n - 1) : 0.0;
    return g;
}

}  // namespace

bool quantile_reference_add(const std::vector<double>& row, std::vector<ExactSum>& reference) {
    const size_t F = row.size();
    std::vector<double> obs;
    for (double v : row)
        if (!std::isnan(v)) obs.push_back(v);
    if (obs.empty()) return false;
    std::sort(obs.begin(), obs.end());
    reference.resize(F);
    if (obs.size() == F) {
        for (size_t i = 0; i < F; ++i) reference[i].add(obs[i]);
        return true;
    }
    const std::vector<double> at = grid(obs.size()), out = grid(F);
    for (size_t i = 0; i < F; ++i) reference[i].add(obs.size() == 1 ? obs[0] : interpolate(at, obs, out[i]));
    return true;
}

void quantile_apply(std::vector<double>& row, const std::vector<double>& reference_mean) {
    const size_t F = row.size();
    std::vector<size_t> idx;
    for (size_t i = 0; i < F; ++i)
        if (!std::isnan(row[i])) idx.push_back(i);
    const size_t nobs = idx.size();
    if (nobs == 0) return;
    if (nobs == 1) {
        row[idx[0]] = std::numeric_limits<double>::quiet_NaN();
        return;
    }
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return row[a] < row[b]; });
    const std::vector<double> points = grid(F);
    std::vector<double> out(nobs);
    for (size_t a = 0; a < nobs;) {  // a tie group [a, b) shares the mean rank
        size_t b = a + 1;
        while (b < nobs && row[idx[b]] == row[idx[a]]) ++b;
        const double rank0 = 0.5 * double(a + b - 1);  // 0-based mean rank
        const double v = interpolate(points, reference_mean, rank0 / double(nobs - 1));
        for (size_t k = a; k < b; ++k) out[k] = v;
        a = b;
    }
    for (size_t k = 0; k < nobs; ++k) row[idx[k]] = out[k];
}

long impute_row(std::vector<double>& row, const ImputeSettings& s, uint64_t sample) {
    if (s.method != "half_min" && s.method != "min_prob") return 0;  // none; knn is knn_impute
    long filled = 0;
    if (s.method == "half_min") {
        for (size_t j = 0; j < row.size(); ++j) {
            if (!std::isnan(row[j]) || std::isnan(s.feature_min[j])) continue;
            row[j] = s.log_scale ? s.feature_min[j] - 1.0 : s.feature_min[j] / 2.0;
            ++filled;
        }
        return filled;
    }
    // min_prob
    const double mean = quantile_type7(row, 0.01);
    if (std::isnan(mean)) return 0;  // a sample with nothing observed stays missing
    for (size_t j = 0; j < row.size(); ++j) {
        if (!std::isnan(row[j])) continue;
        Rng rng(derive_seed(s.seed, {STAGE_IMPUTE, sample, uint64_t(j)}));
        row[j] = rng.normal(mean, s.sd);
        ++filled;
    }
    return filled;
}

long knn_too_sparse(const std::vector<double>& x, size_t p, size_t n, double colmax) {
    for (size_t s = 0; s < n; ++s) {
        size_t miss = 0;
        for (size_t f = 0; f < p; ++f) miss += std::isnan(x[f * n + s]);
        if (double(miss) > colmax * double(p)) return long(s);
    }
    return -1;
}

std::vector<KnnFill> knn_impute(const std::vector<double>& x, size_t p, size_t n, size_t f0, size_t f1, int k,
                                double rowmax) {
    auto at = [&](size_t f, size_t s) { return x[f * n + s]; };
    // features missing in too many samples are mean-imputed and are nobody's neighbours
    const size_t max_missing = size_t(std::trunc(rowmax * double(n)));
    std::vector<char> dense(p);
    std::vector<size_t> miss_count(p, 0);
    for (size_t f = 0; f < p; ++f) {
        for (size_t s = 0; s < n; ++s) miss_count[f] += std::isnan(at(f, s));
        dense[f] = miss_count[f] <= max_missing;
    }
    std::vector<double> sample_mean(n, std::numeric_limits<double>::quiet_NaN());
    for (size_t s = 0; s < n; ++s) {
        double sum = 0;
        size_t c = 0;
        for (size_t f = 0; f < p; ++f)
            if (dense[f] && !std::isnan(at(f, s))) sum += at(f, s), ++c;
        if (c) sample_mean[s] = sum / double(c);
    }
    std::vector<std::vector<KnnFill>> per(f1 - f0);
#pragma omp parallel for schedule(dynamic, 4)
    for (size_t f = f0; f < f1; ++f) {
        if (miss_count[f] == 0) continue;
        std::vector<KnnFill>& out = per[f - f0];
        if (!dense[f]) {
            for (size_t s = 0; s < n; ++s)
                if (std::isnan(at(f, s))) out.push_back({f, s, sample_mean[s]});
            continue;
        }
        // impute's knnimp ranks every dense feature, this one included (distance 0), and drops the first: a
        // duplicate of this feature with a lower index is dropped in its place. Kept so that results are equal.
        std::vector<std::pair<double, size_t>> dist;
        for (size_t g = 0; g < p; ++g) {
            if (!dense[g]) continue;
            double sum = 0;
            size_t c = 0;
            for (size_t s = 0; s < n; ++s) {
                const double a = at(f, s), b = at(g, s);
                if (std::isnan(a) || std::isnan(b)) continue;
                sum += (a - b) * (a - b);
                ++c;
            }
            if (c) dist.push_back({sum / double(c), g});
        }
        const size_t kk = std::min(dist.size(), size_t(k) + 1);
        std::partial_sort(dist.begin(), dist.begin() + long(kk), dist.end());
        for (size_t s = 0; s < n; ++s) {
            if (!std::isnan(at(f, s))) continue;
            double sum = 0;
            size_t c = 0;
            for (size_t i = 1; i < kk; ++i) {
                const double v = at(dist[i].second, s);
                if (!std::isnan(v)) sum += v, ++c;
            }
            out.push_back({f, s, c ? sum / double(c) : sample_mean[s]});
        }
    }
    std::vector<KnnFill> all;
    for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
    return all;
}

}  // namespace precis

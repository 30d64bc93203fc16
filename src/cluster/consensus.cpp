// Resampling, pair counting and the consensus summaries (ConsensusClusterPlus's ccRun, CDF and calcICL).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cluster/cluster.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/signals.hpp"

namespace precis {

namespace {
// m of n items without replacement, sorted
std::vector<size_t> draw_count(size_t n, size_t m, Rng& rng) {
    m = std::min(m, n);
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    for (size_t i = 0; i < m; ++i) std::swap(idx[i], idx[i + rng.below(n - i)]);  // partial Fisher-Yates
    idx.resize(m);
    std::sort(idx.begin(), idx.end());
    return idx;
}

std::vector<size_t> draw_subset(size_t n, double fraction, Rng& rng) { return draw_count(n, resample_size(n, fraction), rng); }
}  // namespace

size_t zero_distance_groups(const std::vector<double>& dist, size_t m) {
    std::vector<char> placed(m, 0);
    size_t groups = 0;
    for (size_t i = 0; i < m; ++i) {
        if (placed[i]) continue;
        ++groups;
        for (size_t j = i + 1; j < m; ++j)
            if (!placed[j] && dist[i * m + j] == 0) placed[j] = 1;
    }
    return groups;
}

size_t resample_size(size_t n, double fraction) {
    const size_t m = static_cast<size_t>(std::floor(double(n) * fraction));
    return std::clamp<size_t>(m, std::min<size_t>(n, 2), n);
}

double min_item_fraction(size_t n, int k_max) {
    if (n == 0) return 1;
    double f = std::ceil(double(k_max) / double(n) * 1e4) / 1e4;  // four decimals, rounded up
    while (f < 1 && resample_size(n, f) < size_t(k_max)) f += 1e-4;
    return std::min(f, 1.0);
}

std::vector<size_t> draw_items(size_t n, size_t m, uint64_t seed) {
    Rng rng(seed);
    return draw_count(n, m, rng);
}

bool kmeans_by_distances(size_t m, size_t features, int k) { return m <= size_t(k) * features; }

bool resamples_need_distances(size_t n, size_t features, int k_max, const ResampleParams& p) {
    if (p.feature_fraction < 1.0) return false;  // each resample measures over its own features
    if (p.algorithm != "kmeans") return true;
    return kmeans_by_distances(size_t(std::floor(double(n) * p.item_fraction)), features, k_max);
}

std::vector<uint8_t> resample_labels(const Matrix& X, const std::vector<double>& D, int k_min, int k_max,
                                     size_t r0, size_t r1, const ResampleParams& p, uint64_t seed) {
    const size_t n = X.rows;
    const int nk = k_max - k_min + 1;
    if (k_max > 255) throw Error(ErrorKind::Internal, "resample_labels: k above 255");
    const bool all_features = p.feature_fraction >= 1.0;
    if (resamples_need_distances(n, X.cols, k_max, p) && D.size() != n * n)
        throw Error(ErrorKind::Internal, "resample_labels: no distance matrix");
    std::vector<uint8_t> out((r1 - r0) * size_t(nk) * n, 0);
#pragma omp parallel
    {
        // each thread's distance matrix, reused by its resamples (all of one size): a fresh m x m buffer per resample
        // cost more in page faults than the clustering
        std::vector<double> dist;
#pragma omp for schedule(dynamic, 1)
        for (long rl = long(r0); rl < long(r1); ++rl) {
            if (stop_requested()) continue;  // stopping: the caller throws these labels away
            const size_t r = size_t(rl);
            Rng rng(derive_seed(seed, {STAGE_CLUSTER, 0, r}));
            const std::vector<size_t> rows = draw_subset(n, p.item_fraction, rng);
            std::vector<size_t> cols;
            if (all_features) {
                cols.resize(X.cols);
                std::iota(cols.begin(), cols.end(), 0);
            } else {
                cols = draw_subset(X.cols, p.feature_fraction, rng);
            }
            const size_t m = rows.size();
            auto by_distances = [&](int k) { return kmeans_by_distances(m, cols.size(), k); };
            const bool need_dist = p.algorithm != "kmeans" || by_distances(k_max);
            if (need_dist && all_features) {
                dist.resize(m * m);
                for (size_t a = 0; a < m; ++a)
                    for (size_t b = 0; b < m; ++b) dist[a * m + b] = D[rows[a] * n + rows[b]];
            } else if (need_dist) {
                dist = row_distances(X, rows, cols, p.algorithm == "kmeans" ? "euclidean" : p.distance);
            } else {
                dist.clear();
            }
            auto put = [&](int k, const std::vector<int>& lab, int base) {
                uint8_t* o = &out[((r - r0) * size_t(nk) + size_t(k - k_min)) * n];
                for (size_t a = 0; a < m; ++a) o[rows[a]] = uint8_t(lab[a] + base);
            };
            // at most as many classes as groups of items at distance 0 (equal profiles): more would split equal items
            // arbitrarily (k-means sees to this itself)
            const int groups =
                p.algorithm == "kmeans" ? k_max : int(std::min<size_t>(zero_distance_groups(dist, m), 255));
            if (p.algorithm == "hc") {
                const auto tree = hclust_chain_reusing(dist, m, p.linkage);
                for (int k = k_min; k <= k_max; ++k) put(k, cut_tree(tree, m, std::min(k, groups)), 0);
            } else if (p.algorithm == "pam") {
                const std::vector<size_t> built = pam_build(dist, m, std::min(k_max, groups));  // (shared by every k)
                for (int k = k_min; k <= k_max; ++k) {
                    const size_t kk = std::min(size_t(std::min(k, groups)), built.size());
                    put(k, pam_swap(dist, m, std::vector<size_t>(built.begin(), built.begin() + long(kk))), 1);
                }
            } else if (p.algorithm == "kmeans") {
                for (double& d : dist) d *= d;
                for (int k = k_min; k <= k_max; ++k) {
                    const uint64_t s = derive_seed(seed, {STAGE_CLUSTER, uint64_t(k), r});
                    put(k,
                        by_distances(k) ? kmeans_sq(dist, m, k, s, p.max_iter)
                                        : kmeans(X, rows, cols, k, s, p.max_iter),
                        1);
                }
            } else {
                throw Error(ErrorKind::Internal, "unknown clustering algorithm " + p.algorithm);
            }
        }
    }
    return out;
}

std::pair<size_t, size_t> pair_rows(size_t n, size_t part, size_t parts) {
    const double total = double(n) * double(n - (n > 0)) / 2;
    auto row_at = [&](size_t p) {  // first row whose pairs start at or after the p-th share
        if (p >= parts) return n;
        const double target = total * double(p) / double(parts);
        size_t i = 0;
        double before = 0;
        while (i < n && before < target) before += double(n - 1 - i), ++i;
        return i;
    };
    return {row_at(part), row_at(part + 1)};
}

PairCounts count_pairs(const std::vector<uint8_t>& labels, size_t n, int k_min, int k_max, size_t i0, size_t i1,
                       size_t max_resamples) {
    PairCounts c;
    c.n = n;
    c.k_min = k_min;
    c.k_max = k_max;
    const size_t nk = size_t(k_max - k_min + 1);
    const size_t R = std::min(n ? labels.size() / (nk * n) : 0, max_resamples);
    const size_t p0 = i0 < n ? pair_index(n, i0, i0 + 1) : 0;
    const size_t len = i1 > i0 && i0 < n ? pair_index(n, i1 - 1, i1 - 1 + 1) + (n - i1) - p0 : 0;
    c.sampled.assign(len, 0);
    c.together.assign(nk, std::vector<uint32_t>(len, 0));
#pragma omp parallel for schedule(dynamic, 8)
    for (long il = long(i0); il < long(i1); ++il) {
        const size_t i = size_t(il);
        if (i + 1 >= n) continue;
        const size_t base = pair_index(n, i, i + 1) - p0, w = n - 1 - i;
        uint32_t* s = &c.sampled[base];
        for (size_t r = 0; r < R; ++r) {
            const uint8_t* L0 = &labels[r * nk * n];
            if (!L0[i]) continue;
            const uint8_t* l0 = L0 + i + 1;
            for (size_t q = 0; q < w; ++q) s[q] += l0[q] != 0;
            for (size_t ki = 0; ki < nk; ++ki) {
                const uint8_t* L = L0 + ki * n;
                const uint8_t li = L[i];
                const uint8_t* l = L + i + 1;
                uint32_t* t = &c.together[ki][base];
                for (size_t q = 0; q < w; ++q) t[q] += l[q] == li;
            }
        }
    }
    return c;
}

std::vector<double> consensus_matrix(const PairCounts& c, int k) {
    const size_t n = c.n;
    const auto& tog = c.together.at(size_t(k - c.k_min));
    if (c.sampled.size() != n * (n - (n > 0)) / 2) throw Error(ErrorKind::Internal, "consensus_matrix: partial counts");
    std::vector<double> C(n * n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        C[i * n + i] = 1.0;
        for (size_t j = i + 1; j < n; ++j) {
            size_t q = pair_index(n, i, j);
            C[i * n + j] = C[j * n + i] = c.sampled[q] ? double(tog[q]) / c.sampled[q] : 0.0;
        }
    }
    return C;
}

ConsensusHeatmap consensus_heatmap(const std::vector<double>& C, size_t n, const std::vector<int>& labels,
                                   const std::vector<double>& item_consensus, size_t max_bins) {
    ConsensusHeatmap h;
    if (n == 0 || max_bins == 0) return h;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    auto ic = [&](size_t i) { return std::isnan(item_consensus[i]) ? -1.0 : item_consensus[i]; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (labels[a] != labels[b]) return labels[a] < labels[b];
        return ic(a) > ic(b);
    });
    // runs of one class in that order, and the bins each gets
    std::vector<size_t> run_start{0};
    for (size_t p = 1; p < n; ++p)
        if (labels[order[p]] != labels[order[p - 1]]) run_start.push_back(p);
    run_start.push_back(n);
    const size_t runs = run_start.size() - 1;
    const size_t total = std::max(std::min(n, max_bins), runs);
    std::vector<size_t> nb(runs, 1);
    if (total > runs) {  // largest remainder over what is left after one bin each
        std::vector<double> want(runs);
        size_t given = runs;
        for (size_t r = 0; r < runs; ++r) {
            const size_t len = run_start[r + 1] - run_start[r];
            want[r] = double(len) * double(total) / double(n);
            const size_t base = std::min(len, std::max<size_t>(1, size_t(want[r])));
            given += base - 1;
            nb[r] = base;
        }
        std::vector<size_t> by_rem(runs);
        std::iota(by_rem.begin(), by_rem.end(), 0);
        std::stable_sort(by_rem.begin(), by_rem.end(), [&](size_t a, size_t b) {
            return want[a] - double(nb[a]) > want[b] - double(nb[b]);
        });
        for (size_t q = 0; given < total && q < 4 * runs; ++q) {
            const size_t r = by_rem[q % runs];
            if (nb[r] < run_start[r + 1] - run_start[r]) ++nb[r], ++given;
        }
    }
    std::vector<size_t> bin_of(n);
    for (size_t r = 0; r < runs; ++r) {
        const size_t len = run_start[r + 1] - run_start[r];
        for (size_t q = 0; q < len; ++q) bin_of[order[run_start[r] + q]] = h.bins + q * nb[r] / len;
        for (size_t b = 0; b < nb[r]; ++b) h.labels.push_back(labels[order[run_start[r]]]);
        h.bins += nb[r];
    }
    h.items.assign(h.bins, 0);
    for (size_t i = 0; i < n; ++i) ++h.items[bin_of[i]];
    h.values.assign(h.bins * h.bins, 0.0);
    for (size_t i = 0; i < n; ++i) {
        double* row = &h.values[bin_of[i] * h.bins];
        for (size_t j = 0; j < n; ++j) row[bin_of[j]] += C[i * n + j];
    }
    for (size_t a = 0; a < h.bins; ++a)
        for (size_t b = 0; b < h.bins; ++b) h.values[a * h.bins + b] /= double(h.items[a]) * double(h.items[b]);
    return h;
}

KSummary summarize_consensus(const std::vector<double>& C, size_t n, int k, Linkage final_linkage) {
    KSummary s;
    s.k = k;
    {
        std::vector<double> dist(n * n);
        for (size_t q = 0; q < n * n; ++q) dist[q] = 1.0 - C[q];
        s.labels = cut_tree(hclust(std::move(dist), n, final_linkage), n, k);
    }
    const int kk = n ? *std::max_element(s.labels.begin(), s.labels.end()) : 0;
    s.sizes.assign(size_t(kk), 0);
    for (int l : s.labels) ++s.sizes[size_t(l - 1)];

    // CDF of the pairwise consensus values, binned as R's hist(breaks = seq(0, 1, 0.01)) (right-closed bins, its
    // 1e-7-of-a-bin fuzz); PAC on (0.1, 0.9]
    const size_t npairs = n * (n - (n > 0)) / 2;
    std::vector<long> hist(100, 0);
    long le_lo = 0, le_hi = 0;
    const double fuzz = 1e-9;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            const double v = C[i * n + j];
            if (v <= 0.1) ++le_lo;
            if (v <= 0.9) ++le_hi;
            long b = std::clamp<long>(long(std::ceil(v * 100.0)) - 1, 0, 99);
            while (b > 0 && v <= double(b) * 0.01 + fuzz) --b;
            while (b < 99 && v > double(b + 1) * 0.01 + fuzz) ++b;
            ++hist[size_t(b)];
        }
    s.pac = npairs ? double(le_hi - le_lo) / double(npairs) : 0.0;
    long cum = 0;
    for (int b = 0; b < 100; ++b) {
        cum += hist[size_t(b)];
        s.cdf.push_back(npairs ? double(cum) / double(npairs) : 0.0);
        s.area += s.cdf.back() * 0.01;
    }

    // calcICL's item and cluster consensus, and the silhouette on 1 - consensus
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.item_consensus.assign(n, nan);
    std::vector<double> within(static_cast<size_t>(kk), 0.0);
    double sil_sum = 0;
    std::vector<double> sum_to(static_cast<size_t>(kk), 0.0);
    for (size_t i = 0; i < n; ++i) {
        std::fill(sum_to.begin(), sum_to.end(), 0.0);
        double csum = 0;
        for (size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            sum_to[size_t(s.labels[j] - 1)] += 1.0 - C[i * n + j];
            if (s.labels[j] == s.labels[i]) csum += C[i * n + j];
        }
        const size_t own = size_t(s.labels[i] - 1);
        const long own_n = s.sizes[own] - 1;
        within[own] += csum;
        if (own_n > 0) s.item_consensus[i] = csum / double(own_n);
        double sil = 0;
        if (own_n > 0) {
            double a = sum_to[own] / double(own_n), b = std::numeric_limits<double>::infinity();
            for (size_t l = 0; l < size_t(kk); ++l)
                if (l != own && s.sizes[l] > 0) b = std::min(b, sum_to[l] / double(s.sizes[l]));
            double mx = std::max(a, b);
            sil = (std::isfinite(b) && mx > 0) ? (b - a) / mx : 0.0;
        }
        sil_sum += sil;
    }
    for (size_t l = 0; l < size_t(kk); ++l) {
        const double pairs = double(s.sizes[l]) * double(s.sizes[l] - 1);  // ordered pairs, as `within` counts
        s.cluster_consensus.push_back(pairs > 0 ? within[l] / pairs : nan);
    }
    s.mean_silhouette = n ? sil_sum / double(n) : 0.0;
    return s;
}

void fill_delta_area(std::vector<KSummary>& ks) {
    for (size_t i = 0; i < ks.size(); ++i)
        ks[i].delta_area =
            (i == 0 || ks[i - 1].area == 0) ? ks[i].area : (ks[i].area - ks[i - 1].area) / ks[i - 1].area;
}

size_t choose_k(const std::vector<KSummary>& ks, const std::string& rule, double alpha) {
    if (ks.empty()) throw Error(ErrorKind::Internal, "choose_k with no k");
    size_t best = 0;
    if (rule == "null") {
        best = ks.size();  // no k significant: no structure
        for (size_t i = 0; i < ks.size(); ++i)
            if (!ks[i].reference_pacs.empty() && ks[i].null.p_adjusted < alpha &&
                (best == ks.size() || ks[i].null.rcsi > ks[best].null.rcsi + 1e-12))
                best = i;
    } else if (rule == "pac") {
        for (size_t i = 1; i < ks.size(); ++i)
            if (ks[i].pac < ks[best].pac - 1e-12) best = i;
    } else if (rule == "silhouette") {
        for (size_t i = 1; i < ks.size(); ++i)
            if (ks[i].mean_silhouette > ks[best].mean_silhouette + 1e-12) best = i;
    } else if (rule == "delta_area") {
        // the last k before the relative gain in CDF area drops below 10%
        best = ks.size() - 1;
        for (size_t i = 0; i + 1 < ks.size(); ++i)
            if (ks[i + 1].delta_area < 0.1) {
                best = i;
                break;
            }
    } else if (rule != "fixed") {
        throw Error(ErrorKind::Internal, "unknown choose_k rule " + rule);
    }
    return best;
}

}  // namespace precis

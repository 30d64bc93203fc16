#include "cluster/cluster.hpp"

#include <omp.h>

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace precis {

namespace {
double sqdist(const Matrix& X, size_t i, const std::vector<size_t>& cols, const double* center) {
    double s = 0;
    const double* x = &X.data[i * X.cols];
    for (size_t c = 0; c < cols.size(); ++c) {
        double d = x[cols[c]] - center[c];
        s += d * d;
    }
    return s;
}

std::vector<size_t> draw_subset(size_t n, double fraction, Rng& rng) {
    size_t m = static_cast<size_t>(std::floor(n * fraction));
    m = std::clamp<size_t>(m, std::min<size_t>(n, 2), n);
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    for (size_t i = 0; i < m; ++i) std::swap(idx[i], idx[i + rng.below(n - i)]);  // partial Fisher-Yates
    idx.resize(m);
    std::sort(idx.begin(), idx.end());
    return idx;
}
}  // namespace

std::vector<int> kmeans(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols, int k,
                        uint64_t seed, int max_iter) {
    const size_t m = rows.size(), f = cols.size();
    std::vector<int> label(m, 0);
    if (k <= 1 || m == 0) return label;
    k = std::min<int>(k, static_cast<int>(m));
    Rng rng(seed);
    std::vector<double> centers(size_t(k) * f);
    auto set_center = [&](int c, size_t row) {
        for (size_t j = 0; j < f; ++j) centers[c * f + j] = X(rows[row], cols[j]);
    };
    // k-means++ seeding
    set_center(0, rng.below(m));
    std::vector<double> d2(m, std::numeric_limits<double>::infinity());
    for (int c = 1; c < k; ++c) {
        double total = 0;
        for (size_t i = 0; i < m; ++i) {
            d2[i] = std::min(d2[i], sqdist(X, rows[i], cols, &centers[(c - 1) * f]));
            total += d2[i];
        }
        size_t pick = 0;
        if (total > 0) {
            double u = rng.uniform() * total, acc = 0;
            for (pick = 0; pick + 1 < m; ++pick) {
                acc += d2[pick];
                if (acc > u) break;
            }
        } else {
            pick = rng.below(m);
        }
        set_center(c, pick);
    }
    std::vector<long> count(k);
    for (int it = 0; it < max_iter; ++it) {
        bool changed = it == 0;
        for (size_t i = 0; i < m; ++i) {
            int best = 0;
            double bd = std::numeric_limits<double>::infinity();
            for (int c = 0; c < k; ++c) {
                double d = sqdist(X, rows[i], cols, &centers[c * f]);
                if (d < bd) bd = d, best = c;
            }
            if (label[i] != best) label[i] = best, changed = true;
        }
        if (!changed) break;
        std::fill(centers.begin(), centers.end(), 0.0);
        std::fill(count.begin(), count.end(), 0);
        for (size_t i = 0; i < m; ++i) {
            ++count[label[i]];
            for (size_t j = 0; j < f; ++j) centers[label[i] * f + j] += X(rows[i], cols[j]);
        }
        for (int c = 0; c < k; ++c) {
            if (count[c] == 0) {  // empty cluster: restart it at the point farthest from its centre
                size_t far = 0;
                double fd = -1;
                for (size_t i = 0; i < m; ++i) {
                    double d = sqdist(X, rows[i], cols, &centers[label[i] * f]) / std::max<long>(count[label[i]], 1);
                    if (d > fd) fd = d, far = i;
                }
                set_center(c, far);
                continue;
            }
            for (size_t j = 0; j < f; ++j) centers[c * f + j] /= count[c];
        }
    }
    return label;
}

std::vector<double> row_distances(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols,
                                  const std::string& distance) {
    const size_t m = rows.size(), f = cols.size();
    std::vector<double> v(m * f);  // the rows' values over cols; for correlations centred and scaled to unit norm
    for (size_t a = 0; a < m; ++a)
        for (size_t j = 0; j < f; ++j) v[a * f + j] = X(rows[a], cols[j]);
    if (distance == "spearman")
        for (size_t a = 0; a < m; ++a) {  // ranks, ties sharing the mean rank
            std::vector<size_t> o(f);
            std::iota(o.begin(), o.end(), 0);
            double* r = &v[a * f];
            std::stable_sort(o.begin(), o.end(), [&](size_t x, size_t y) { return r[x] < r[y]; });
            std::vector<double> rank(f);
            for (size_t i = 0; i < f;) {
                size_t e = i + 1;
                while (e < f && r[o[e]] == r[o[i]]) ++e;
                for (size_t q = i; q < e; ++q) rank[o[q]] = 0.5 * double(i + e - 1);
                i = e;
            }
            std::copy(rank.begin(), rank.end(), r);
        }
    const bool corr = distance == "pearson" || distance == "spearman";
    std::vector<char> constant(m, 0);
    if (corr)
        for (size_t a = 0; a < m; ++a) {
            double* r = &v[a * f];
            double mean = 0, ss = 0;
            for (size_t j = 0; j < f; ++j) mean += r[j];
            mean /= double(std::max<size_t>(f, 1));
            for (size_t j = 0; j < f; ++j) r[j] -= mean, ss += r[j] * r[j];
            if (ss > 0)
                for (size_t j = 0; j < f; ++j) r[j] /= std::sqrt(ss);
            else
                constant[a] = 1;
        }
    std::vector<double> d(m * m, 0.0);
    for (size_t a = 0; a < m; ++a)
        for (size_t b = a + 1; b < m; ++b) {
            double s = 0;
            if (corr) {
                for (size_t j = 0; j < f; ++j) s += v[a * f + j] * v[b * f + j];
                s = constant[a] || constant[b] ? 1.0 : 1.0 - s;
            } else {
                for (size_t j = 0; j < f; ++j) s += (v[a * f + j] - v[b * f + j]) * (v[a * f + j] - v[b * f + j]);
                s = std::sqrt(s);
            }
            d[a * m + b] = d[b * m + a] = s;
        }
    return d;
}

std::vector<ConsensusCounts> run_resamples(const Matrix& X, int k_min, int k_max,
                                           const std::vector<std::pair<int, int>>& tasks, const ResampleParams& p,
                                           uint64_t seed) {
    const size_t n = X.rows, npairs = n * (n - 1) / 2;
    const int nk = k_max - k_min + 1;
    std::vector<ConsensusCounts> out(nk);
    for (int i = 0; i < nk; ++i) {
        out[i].k = k_min + i;
        out[i].n = n;
        out[i].together.assign(npairs, 0);
        out[i].sampled.assign(npairs, 0);
    }
#pragma omp parallel
    {
        std::vector<ConsensusCounts> local(nk);
        for (int i = 0; i < nk; ++i) {
            local[i].together.assign(npairs, 0);
            local[i].sampled.assign(npairs, 0);
        }
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < static_cast<long>(tasks.size()); ++t) {
            auto [k, r] = tasks[t];
            // hc: one subsample and one tree per resample, cut at every k (as ConsensusClusterPlus); its tasks are
            // (k_min, r). kmeans: a subsample per (k, r).
            const bool hc = p.algorithm == "hc";
            Rng rng(derive_seed(seed, {STAGE_CLUSTER, hc ? 0 : uint64_t(k), uint64_t(r)}));
            std::vector<size_t> rows = draw_subset(n, p.item_fraction, rng);
            std::vector<size_t> cols;
            if (p.feature_fraction >= 1.0) {
                cols.resize(X.cols);
                std::iota(cols.begin(), cols.end(), 0);
            } else {
                cols = draw_subset(X.cols, p.feature_fraction, rng);
            }
            auto count = [&](int kk, const std::vector<int>& lab) {
                auto& c = local[kk - k_min];
                for (size_t a = 0; a < rows.size(); ++a)
                    for (size_t b = a + 1; b < rows.size(); ++b) {
                        size_t idx = pair_index(n, rows[a], rows[b]);
                        ++c.sampled[idx];
                        if (lab[a] == lab[b]) ++c.together[idx];
                    }
            };
            if (hc) {
                const auto tree = average_linkage_tree(row_distances(X, rows, cols, p.distance), rows.size());
                for (int kk = k_min; kk <= k_max; ++kk) count(kk, cut_tree(tree, rows.size(), kk));
            } else {
                count(k, kmeans(X, rows, cols, k, rng.next(), p.max_iter));
            }
        }
#pragma omp critical
        for (int i = 0; i < nk; ++i)
            for (size_t q = 0; q < npairs; ++q) {
                out[i].together[q] += local[i].together[q];
                out[i].sampled[q] += local[i].sampled[q];
            }
    }
    return out;
}

std::vector<LinkageMerge> average_linkage_tree(const std::vector<double>& dist, size_t n) {
    // nearest-neighbour chain on a working copy, Lance-Williams update for average linkage
    std::vector<double> D(dist);
    std::vector<long> size(n, 1);
    std::vector<char> active(n, 1);
    std::vector<LinkageMerge> merges;
    std::vector<size_t> chain;
    size_t n_active = n;
    while (n_active > 1) {
        if (chain.empty())
            for (size_t i = 0; i < n; ++i)
                if (active[i]) {
                    chain.push_back(i);
                    break;
                }
        size_t a = chain.back();
        size_t prev = chain.size() >= 2 ? chain[chain.size() - 2] : n;
        size_t b = prev;
        double bd = prev < n ? D[a * n + prev] : std::numeric_limits<double>::infinity();
        for (size_t j = 0; j < n; ++j) {
            if (!active[j] || j == a) continue;
            if (D[a * n + j] < bd) bd = D[a * n + j], b = j;
        }
        if (b == prev && prev < n) {
            chain.pop_back();
            chain.pop_back();
            size_t lo = std::min(a, b), hi = std::max(a, b);
            merges.push_back({lo, hi, bd});
            for (size_t j = 0; j < n; ++j) {
                if (!active[j] || j == lo || j == hi) continue;
                double d = (size[lo] * D[lo * n + j] + size[hi] * D[hi * n + j]) / double(size[lo] + size[hi]);
                D[lo * n + j] = D[j * n + lo] = d;
            }
            size[lo] += size[hi];
            active[hi] = 0;
            --n_active;
        } else {
            chain.push_back(b);
        }
    }
    std::stable_sort(merges.begin(), merges.end(),
                     [](const LinkageMerge& x, const LinkageMerge& y) { return x.h < y.h; });
    return merges;
}

std::vector<int> cut_tree(const std::vector<LinkageMerge>& merges, size_t n, int k) {
    std::vector<int> labels(n, 1);
    if (n == 0) return labels;
    if (k < 1) k = 1;
    // merges name clusters by their smallest-index representative at the time; replay with union-find
    std::vector<size_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](size_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    size_t to_apply = n > size_t(k) ? n - size_t(k) : 0;
    for (size_t m = 0; m < to_apply; ++m) {
        size_t ra = find(merges[m].a), rb = find(merges[m].b);
        if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
    }
    std::vector<int> code(n, 0);
    int next = 0;
    for (size_t i = 0; i < n; ++i) {
        size_t r = find(i);
        if (!code[r]) code[r] = ++next;
        labels[i] = code[r];
    }
    return labels;
}

std::vector<int> average_linkage_cut(const std::vector<double>& dist, size_t n, int k) {
    return cut_tree(average_linkage_tree(dist, n), n, k);
}

std::vector<double> consensus_matrix(const ConsensusCounts& c) {
    const size_t n = c.n;
    std::vector<double> C(n * n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        C[i * n + i] = 1.0;
        for (size_t j = i + 1; j < n; ++j) {
            size_t q = pair_index(n, i, j);
            C[i * n + j] = C[j * n + i] = c.sampled[q] ? double(c.together[q]) / c.sampled[q] : 0.0;
        }
    }
    return C;
}

KSummary summarize_consensus(const ConsensusCounts& c) {
    const size_t n = c.n;
    KSummary s;
    s.k = c.k;
    const std::vector<double> C = consensus_matrix(c);
    std::vector<double> dist(n * n);
    for (size_t q = 0; q < n * n; ++q) dist[q] = 1.0 - C[q];
    s.labels = average_linkage_cut(dist, n, c.k);
    int kk = *std::max_element(s.labels.begin(), s.labels.end());
    s.sizes.assign(kk, 0);
    for (int l : s.labels) ++s.sizes[l - 1];

    // CDF of the pairwise consensus values: PAC on (0.1, 0.9], and area with 100 bins as ConsensusClusterPlus
    const size_t npairs = n * (n - 1) / 2;
    std::vector<long> hist(100, 0);
    long le_lo = 0, le_hi = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            double v = C[i * n + j];
            if (v <= 0.1) ++le_lo;
            if (v <= 0.9) ++le_hi;
            int bin = v <= 0 ? 0 : std::min(99, static_cast<int>(std::ceil(v * 100.0 - 1e-9)) - 1);
            ++hist[std::max(bin, 0)];
        }
    s.pac = npairs ? double(le_hi - le_lo) / npairs : 0.0;
    long cum = 0;
    s.area = 0;
    for (int b = 0; b < 100; ++b) {
        cum += hist[b];
        s.area += (npairs ? double(cum) / npairs : 0.0) * 0.01;
    }

    // item consensus and silhouette on 1 - consensus
    s.item_consensus.assign(n, std::numeric_limits<double>::quiet_NaN());
    double sil_sum = 0;
    std::vector<double> sum_to(kk);
    for (size_t i = 0; i < n; ++i) {
        std::fill(sum_to.begin(), sum_to.end(), 0.0);
        double csum = 0;
        for (size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            sum_to[s.labels[j] - 1] += dist[i * n + j];
            if (s.labels[j] == s.labels[i]) csum += C[i * n + j];
        }
        int own = s.labels[i] - 1;
        long own_n = s.sizes[own] - 1;
        if (own_n > 0) s.item_consensus[i] = csum / own_n;
        double sil = 0;
        if (own_n > 0) {
            double a = sum_to[own] / own_n, b = std::numeric_limits<double>::infinity();
            for (int l = 0; l < kk; ++l)
                if (l != own && s.sizes[l] > 0) b = std::min(b, sum_to[l] / s.sizes[l]);
            double m = std::max(a, b);
            sil = (std::isfinite(b) && m > 0) ? (b - a) / m : 0.0;
        }
        sil_sum += sil;
    }
    s.mean_silhouette = n ? sil_sum / n : 0.0;
    return s;
}

void fill_delta_area(std::vector<KSummary>& ks) {
    for (size_t i = 0; i < ks.size(); ++i)
        ks[i].delta_area = (i == 0 || ks[i - 1].area == 0) ? ks[i].area : (ks[i].area - ks[i - 1].area) / ks[i - 1].area;
}

size_t choose_k(const std::vector<KSummary>& ks, const std::string& rule) {
    if (ks.empty()) throw Error(ErrorKind::Internal, "choose_k with no k");
    size_t best = 0;
    if (rule == "pac") {
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

double mad(const double* v, size_t n, size_t stride) {
    std::vector<double> x;
    for (size_t i = 0; i < n; ++i)
        if (!std::isnan(v[i * stride])) x.push_back(v[i * stride]);
    if (x.size() < 2) return std::numeric_limits<double>::quiet_NaN();
    auto med = [](std::vector<double> a) {
        size_t h = a.size() / 2;
        std::nth_element(a.begin(), a.begin() + h, a.end());
        double hi = a[h];
        if (a.size() % 2) return hi;
        return (hi + *std::max_element(a.begin(), a.begin() + h)) / 2;
    };
    double m = med(x);
    for (double& e : x) e = std::fabs(e - m);
    return 1.4826 * med(x);
}

void center_and_impute(Matrix& X, const std::string& center) {
    for (size_t j = 0; j < X.cols; ++j) {
        std::vector<double> obs;
        for (size_t i = 0; i < X.rows; ++i)
            if (!std::isnan(X(i, j))) obs.push_back(X(i, j));
        double c = 0;
        if (!obs.empty()) {
            if (center == "median") {
                size_t h = obs.size() / 2;
                std::nth_element(obs.begin(), obs.begin() + h, obs.end());
                c = obs[h];
                if (obs.size() % 2 == 0) c = (c + *std::max_element(obs.begin(), obs.begin() + h)) / 2;
            } else {
                c = std::accumulate(obs.begin(), obs.end(), 0.0) / obs.size();
            }
        }
        double shift = center == "none" ? 0.0 : c;
        for (size_t i = 0; i < X.rows; ++i) {
            double& v = X(i, j);
            v = std::isnan(v) ? c - shift : v - shift;
        }
    }
}

void scale_block(Matrix& X, size_t c0, size_t c1, double weight) {
    double total = 0;
    for (size_t j = c0; j < c1; ++j) {
        double m = 0, ss = 0;
        for (size_t i = 0; i < X.rows; ++i) m += X(i, j);
        m /= std::max<size_t>(X.rows, 1);
        for (size_t i = 0; i < X.rows; ++i) ss += (X(i, j) - m) * (X(i, j) - m);
        total += X.rows > 1 ? ss / (X.rows - 1) : 0.0;
    }
    if (total <= 0) return;
    double f = std::sqrt(weight / total);
    for (size_t i = 0; i < X.rows; ++i)
        for (size_t j = c0; j < c1; ++j) X(i, j) *= f;
}

std::vector<double> pca_embedding(const Matrix& X, int dims) {
    if (X.rows < size_t(dims) || X.cols < size_t(dims) || dims <= 0) return {};
    Eigen::MatrixXd A(X.rows, X.cols);
    for (size_t i = 0; i < X.rows; ++i)
        for (size_t j = 0; j < X.cols; ++j) A(i, j) = X(i, j);
    A.rowwise() -= A.colwise().mean();
    Eigen::BDCSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
    std::vector<double> out(X.rows * dims);
    for (int d = 0; d < dims; ++d) {
        Eigen::Index arg = 0;
        svd.matrixV().col(d).cwiseAbs().maxCoeff(&arg);
        double sign = svd.matrixV()(arg, d) < 0 ? -1.0 : 1.0;
        for (size_t i = 0; i < X.rows; ++i) out[i * dims + d] = sign * svd.matrixU()(i, d) * svd.singularValues()(d);
    }
    return out;
}

}  // namespace precis

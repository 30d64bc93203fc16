// Partitioning of one resample: k-means (on coordinates or on squared distances) and PAM.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cluster/cluster.hpp"
#include "core/rng.hpp"

namespace precis {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// k-means shared by both representations: Hartigan and Wong's algorithm (Applied Statistics AS 136, 1979), which
// R's kmeans runs by default and ConsensusClusterPlus calls with one random start and iter.max = 10. Each point
// starts in the cluster of its nearest starting point; then optimal-transfer passes (every point against the live
// clusters, moved where that lowers the within-cluster sum of squares) alternate with quick-transfer passes (each
// point against its second-best cluster only) until a whole optimal-transfer pass moves nothing.
// An engine knows the squared distance of point i to a starting point (point_sq) and to the centroid of cluster c
// for the current members (d), sets itself up from labels (rebuild), and follows one point's move (move).
template <class Engine>
std::vector<int> kmeans_with(Engine& e, size_t m, int k, uint64_t seed, int max_iter) {
    std::vector<int> ic1(m, 0);
    if (k <= 1 || m == 0) return ic1;
    k = std::min<int>(k, int(m));
    // starting centres: k points drawn at random (as R's kmeans), passing over a point equal to a centre drawn
    // already. R refuses more centres than distinct points; here, with fewer distinct points than k, each distinct
    // point is a cluster: a split of equal points would be arbitrary.
    Rng rng(seed);
    std::vector<size_t> idx(m);
    std::iota(idx.begin(), idx.end(), 0);
    size_t K = 0;
    for (size_t pos = 0; K < size_t(k) && pos < m; ++pos) {
        std::swap(idx[pos], idx[pos + rng.below(m - pos)]);
        bool repeat = false;
        for (size_t c = 0; c < K && !repeat; ++c) repeat = e.point_sq(idx[pos], idx[c]) == 0;
        if (!repeat) std::swap(idx[K++], idx[pos]);
    }
    k = e.k = int(K);
    if (k <= 1) return ic1;
    std::vector<int> ic2(m, 1);  // the second-closest cluster
    for (size_t i = 0; i < m; ++i) {
        double d1 = kInf, d2 = kInf;
        for (int c = 0; c < k; ++c) {
            const double d = e.point_sq(i, idx[size_t(c)]);
            if (d < d1) {
                d2 = d1, ic2[i] = ic1[i];
                d1 = d, ic1[i] = c;
            } else if (d < d2) {
                d2 = d, ic2[i] = c;
            }
        }
        if (ic2[i] == ic1[i]) ic2[i] = (ic1[i] + 1) % k;
    }
    std::vector<long> nc(K, 0);
    for (int l : ic1) ++nc[size_t(l)];
    for (size_t c = 0; c < K; ++c)
        if (nc[c] == 0) {  // cannot happen with distinct centres (each is nearest to itself); kept as a guard
            const size_t p = idx[c];
            --nc[size_t(ic1[p])];
            ic2[p] = ic1[p];
            ic1[p] = int(c);
            ++nc[c];
        }
    e.rebuild(ic1, nc);
    // an1 = n / (n - 1) and an2 = n / (n + 1): the factors of leaving and of joining a cluster of n
    std::vector<double> an1(K), an2(K), dist(m, 0.0);
    auto set_factors = [&](size_t c) {
        const double n = double(nc[c]);
        an2[c] = n / (n + 1);
        an1[c] = n > 1 ? n / (n - 1) : kInf;
    };
    for (size_t c = 0; c < K; ++c) set_factors(c);
    const long M = long(m);
    std::vector<long> ncp(K, -1), live(K, 0);  // ncp: step of a cluster's last update; live: end of its live set
    std::vector<char> itran(K, 1);
    long indx = 0;
    auto transfer = [&](size_t i, int from, int to) {
        e.move(i, from, to, nc);
        --nc[size_t(from)];
        ++nc[size_t(to)];
        set_factors(size_t(from));
        set_factors(size_t(to));
        ic1[i] = to;
        ic2[i] = from;
    };
    for (int iter = 0; iter < max_iter; ++iter) {
        // optimal transfer
        for (size_t c = 0; c < K; ++c)
            if (itran[c]) live[c] = M + 1;
        for (long i = 0; i < M; ++i) {
            const size_t u = size_t(i);
            ++indx;
            const int l1 = ic1[u];
            if (nc[size_t(l1)] != 1) {
                if (ncp[size_t(l1)] != 0) dist[u] = e.d(u, l1) * an1[size_t(l1)];
                const int ll = ic2[u];
                int l2 = ll;
                double r2 = e.d(u, ll) * an2[size_t(ll)];
                for (int c = 0; c < k; ++c) {
                    // a point may go to any cluster while its own is live, otherwise only to live ones
                    if ((i + 1 >= live[size_t(l1)] && i + 1 >= live[size_t(c)]) || c == l1 || c == ll) continue;
                    const double rc = e.d(u, c) * an2[size_t(c)];
                    if (rc < r2) r2 = rc, l2 = c;
                }
                if (r2 >= dist[u]) {
                    ic2[u] = l2;
                } else {
                    indx = 0;
                    live[size_t(l1)] = live[size_t(l2)] = M + i + 1;
                    ncp[size_t(l1)] = ncp[size_t(l2)] = i + 1;
                    transfer(u, l1, l2);
                }
            }
            if (indx == M) break;
        }
        if (indx == M) break;  // a whole pass without a move: converged
        for (size_t c = 0; c < K; ++c) itran[c] = 0, live[c] -= M;
        // quick transfer: each point against its second-best cluster, until m steps pass without a move
        long icoun = 0, istep = 0;
        const long max_steps = 50 * M;  // a guard against cycling on ties
        for (bool done = false; !done && istep < max_steps;)
            for (long i = 0; i < M; ++i) {
                const size_t u = size_t(i);
                ++icoun;
                ++istep;
                const int l1 = ic1[u], l2 = ic2[u];
                if (nc[size_t(l1)] != 1) {
                    if (istep <= ncp[size_t(l1)]) dist[u] = e.d(u, l1) * an1[size_t(l1)];
                    if (istep < ncp[size_t(l1)] || istep < ncp[size_t(l2)]) {
                        if (e.d(u, l2) < dist[u] / an2[size_t(l2)]) {
                            icoun = 0;
                            indx = 0;
                            itran[size_t(l1)] = itran[size_t(l2)] = 1;
                            ncp[size_t(l1)] = ncp[size_t(l2)] = istep + M;
                            transfer(u, l1, l2);
                        }
                    }
                }
                if (icoun == M) {
                    done = true;
                    break;
                }
            }
        if (k == 2) break;  // two clusters: the quick transfers have done all there is
        std::fill(ncp.begin(), ncp.end(), 0);
    }
    return ic1;
}

struct CoordEngine {
    const Matrix& X;
    const std::vector<size_t>& rows;
    const std::vector<size_t>& cols;
    size_t f;
    int k;
    std::vector<double> centre;
    const double* x(size_t i) const { return &X.data[rows[i] * X.cols]; }
    double point_sq(size_t i, size_t p) const {
        double s = 0;
        const double *a = x(i), *b = x(p);
        for (size_t j = 0; j < f; ++j) s += (a[cols[j]] - b[cols[j]]) * (a[cols[j]] - b[cols[j]]);
        return s;
    }
    double d(size_t i, int c) const {
        double s = 0;
        const double* a = x(i);
        const double* z = &centre[size_t(c) * f];
        for (size_t j = 0; j < f; ++j) s += (a[cols[j]] - z[j]) * (a[cols[j]] - z[j]);
        return s;
    }
    void rebuild(const std::vector<int>& label, const std::vector<long>& count) {
        centre.assign(size_t(k) * f, 0.0);
        for (size_t i = 0; i < label.size(); ++i) {
            const double* a = x(i);
            double* z = &centre[size_t(label[i]) * f];
            for (size_t j = 0; j < f; ++j) z[j] += a[cols[j]];
        }
        for (int c = 0; c < k; ++c)
            if (count[size_t(c)])
                for (size_t j = 0; j < f; ++j) centre[size_t(c) * f + j] /= double(count[size_t(c)]);
    }
    void move(size_t i, int from, int to, const std::vector<long>& count) {
        const double* a = x(i);
        double na = double(count[size_t(from)]), nb = double(count[size_t(to)]);
        double *za = &centre[size_t(from) * f], *zb = &centre[size_t(to) * f];
        for (size_t j = 0; j < f; ++j) {
            za[j] = (na * za[j] - a[cols[j]]) / (na - 1);
            zb[j] = (nb * zb[j] + a[cols[j]]) / (nb + 1);
        }
    }
};

// From squared distances: with S(i, c) = sum of sq(i, s) over the members s of c and T(c) = sum of S(s, c) over
// them, the squared distance of i to c's centroid is S(i, c) / n_c - T(c) / (2 n_c^2).
struct SqEngine {
    const std::vector<double>& sq;
    size_t m;
    int k;
    std::vector<double> S, T;
    std::vector<long> n;
    double point_sq(size_t i, size_t p) const { return sq[i * m + p]; }
    double d(size_t i, int c) const {
        double nc = double(n[size_t(c)]);
        return nc > 0 ? S[i * size_t(k) + size_t(c)] / nc - T[size_t(c)] / (2 * nc * nc) : kInf;
    }
    void rebuild(const std::vector<int>& label, const std::vector<long>& count) {
        n = count;
        S.assign(m * size_t(k), 0.0);
        for (size_t i = 0; i < m; ++i) {
            const double* row = &sq[i * m];
            double* s = &S[i * size_t(k)];
            for (size_t j = 0; j < m; ++j) s[label[j]] += row[j];
        }
        T.assign(size_t(k), 0.0);
        for (size_t i = 0; i < m; ++i) T[size_t(label[i])] += S[i * size_t(k) + size_t(label[i])];
    }
    void move(size_t i, int from, int to, const std::vector<long>&) {
        T[size_t(from)] -= 2 * S[i * size_t(k) + size_t(from)];
        T[size_t(to)] += 2 * S[i * size_t(k) + size_t(to)];
        const double* row = &sq[i * m];
        for (size_t j = 0; j < m; ++j) {
            S[j * size_t(k) + size_t(from)] -= row[j];
            S[j * size_t(k) + size_t(to)] += row[j];
        }
        --n[size_t(from)];
        ++n[size_t(to)];
    }
};
}  // namespace

std::vector<int> kmeans(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols, int k,
                        uint64_t seed, int max_iter) {
    CoordEngine e{X, rows, cols, cols.size(), std::min<int>(k, int(std::max<size_t>(rows.size(), 1))), {}};
    return kmeans_with(e, rows.size(), k, seed, max_iter);
}

std::vector<int> kmeans_sq(const std::vector<double>& sq, size_t m, int k, uint64_t seed, int max_iter) {
    SqEngine e{sq, m, std::min<int>(k, int(std::max<size_t>(m, 1))), {}, {}, {}};
    return kmeans_with(e, m, k, seed, max_iter);
}

std::vector<size_t> pam_build(const std::vector<double>& dist, size_t m, int k) {
    std::vector<size_t> med;
    k = std::min<int>(k, int(m));
    if (k < 1) return med;
    const double* D = dist.data();
    std::vector<char> is_med(m, 0);
    std::vector<double> near(m, kInf);
    // the most central point, then repeatedly the point that lowers the total distance most
    size_t first = 0;
    double bs = kInf;
    for (size_t i = 0; i < m; ++i) {
        double s = 0;
        for (size_t j = 0; j < m; ++j) s += D[i * m + j];
        if (s < bs) bs = s, first = i;
    }
    med.push_back(first);
    is_med[first] = 1;
    for (size_t j = 0; j < m; ++j) near[j] = D[first * m + j];
    while (int(med.size()) < k) {
        size_t best = m;
        double bg = -1;
        for (size_t i = 0; i < m; ++i) {
            if (is_med[i]) continue;
            const double* di = D + i * m;
            double g = 0;
            for (size_t j = 0; j < m; ++j) g += std::max(near[j] - di[j], 0.0);
            if (g > bg) bg = g, best = i;
        }
        med.push_back(best);
        is_med[best] = 1;
        for (size_t j = 0; j < m; ++j) near[j] = std::min(near[j], D[best * m + j]);
    }
    return med;
}

std::vector<int> pam_swap(const std::vector<double>& dist, size_t m, std::vector<size_t> med) {
    std::vector<int> label(m, 0);
    const int k = int(med.size());
    if (k <= 1 || m == 0) return label;
    const double* D = dist.data();
    std::vector<char> is_med(m, 0);
    for (size_t c : med) is_med[c] = 1;
    std::vector<double> near(m, kInf), second(m, kInf);
    std::vector<int> nearest(m, 0);
    auto assign = [&] {
        for (size_t j = 0; j < m; ++j) {
            near[j] = second[j] = kInf;
            for (int c = 0; c < k; ++c) {
                double d = D[med[size_t(c)] * m + j];
                if (d < near[j]) {
                    second[j] = near[j];
                    near[j] = d;
                    nearest[j] = c;
                } else if (d < second[j]) {
                    second[j] = d;
                }
            }
        }
    };
    // the medoid / non-medoid exchange that lowers the total most, while one does. For each candidate h the change
    // of every medoid's swap comes from one pass over the points (h's row: the matrix is symmetric).
    std::vector<double> change(static_cast<size_t>(k), 0.0);
    for (int iter = 0; iter < 1000; ++iter) {
        assign();
        double total = 0;
        for (size_t j = 0; j < m; ++j) total += near[j];
        double best = 0;
        int bc = -1;
        size_t bh = m;
        for (size_t h = 0; h < m; ++h) {
            if (is_med[h]) continue;
            const double* dh = D + h * m;
            double shared = 0;
            std::fill(change.begin(), change.end(), 0.0);
            for (size_t j = 0; j < m; ++j) {
                const double djh = dh[j], gain = std::min(djh - near[j], 0.0);
                shared += gain;
                change[size_t(nearest[j])] += std::min(djh, second[j]) - near[j] - gain;
            }
            for (int c = 0; c < k; ++c)
                if (shared + change[size_t(c)] < best) best = shared + change[size_t(c)], bc = c, bh = h;
        }
        if (bc < 0 || best >= -1e-12 * std::max(total, 1e-300)) break;
        is_med[med[size_t(bc)]] = 0;
        med[size_t(bc)] = bh;
        is_med[bh] = 1;
    }
    assign();
    for (size_t j = 0; j < m; ++j) label[j] = nearest[j];
    for (int c = 0; c < k; ++c) label[med[size_t(c)]] = c;
    return label;
}

std::vector<int> pam(const std::vector<double>& dist, size_t m, int k) {
    if (k <= 1 || m == 0) return std::vector<int>(m, 0);
    return pam_swap(dist, m, pam_build(dist, m, k));
}

}  // namespace precis

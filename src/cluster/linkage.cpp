// Agglomerative hierarchical clustering with R hclust's choices (nearest-neighbour list, lowest index on ties), so
// that trees, and the classes cut from them, match ConsensusClusterPlus's.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cluster/cluster.hpp"
#include "core/error.hpp"

namespace precis {

Linkage parse_linkage(const std::string& name) {
    if (name == "average") return Linkage::Average;
    if (name == "complete") return Linkage::Complete;
    if (name == "single") return Linkage::Single;
    if (name == "ward.D") return Linkage::WardD;
    if (name == "ward.D2") return Linkage::WardD2;
    throw Error(ErrorKind::Internal, "unknown linkage " + name);
}

namespace {
// distance from cluster k to the union of i and j (sizes ni, nj, nk)
inline double lance_williams(Linkage linkage, double dik, double djk, double dij, double ni, double nj, double nk) {
    switch (linkage) {
        case Linkage::Average: return (ni * dik + nj * djk) / (ni + nj);
        case Linkage::Complete: return std::max(dik, djk);
        case Linkage::Single: return std::min(dik, djk);
        default: return ((ni + nk) * dik + (nj + nk) * djk - nk * dij) / (ni + nj + nk);  // Ward
    }
}

// The state both algorithms share: the working distances (squared for ward.D2), cluster sizes, which clusters are
// still active (each named by its smallest item), and the merges made so far.
struct Agglomeration {
    std::vector<double> D;
    size_t n;
    Linkage linkage;
    bool ward2;
    std::vector<long> size;
    std::vector<char> active;
    std::vector<LinkageMerge> merges;
    Agglomeration(std::vector<double> dist, size_t n_, Linkage l)
        : D(std::move(dist)), n(n_), linkage(l), ward2(l == Linkage::WardD2), size(n_, 1), active(n_, 1) {
        if (ward2)
            for (double& d : D) d *= d;
        merges.reserve(n);
    }
    double at(size_t i, size_t j) const { return D[i * n + j]; }
    // merges clusters lo < hi at distance d: Lance-Williams distances from the union, kept under lo
    void merge(size_t lo, size_t hi, double d) {
        merges.push_back({lo, hi, ward2 ? std::sqrt(d) : d});
        const double ni = double(size[lo]), nj = double(size[hi]);
        for (size_t k = 0; k < n; ++k) {
            if (!active[k] || k == lo || k == hi) continue;
            D[lo * n + k] = D[k * n + lo] = lance_williams(linkage, D[lo * n + k], D[hi * n + k], d, ni, nj,
                                                           double(size[k]));
        }
        size[lo] += size[hi];
        active[hi] = 0;
    }
};
}  // namespace

std::vector<LinkageMerge> hclust_chain(std::vector<double> dist, size_t n, Linkage linkage) {
    return hclust_chain_reusing(dist, n, linkage);
}

std::vector<LinkageMerge> hclust_chain_reusing(std::vector<double>& dist, size_t n, Linkage linkage) {
    if (n < 2) return {};
    Agglomeration g(std::move(dist), n, linkage);
    std::vector<size_t> chain;
    chain.reserve(n);
    size_t n_active = n, first_active = 0;
    while (n_active > 1) {
        if (chain.empty()) {
            while (!g.active[first_active]) ++first_active;
            chain.push_back(first_active);
        }
        const size_t a = chain.back();
        const size_t prev = chain.size() >= 2 ? chain[chain.size() - 2] : n;
        size_t b = prev;
        double bd = prev < n ? g.at(a, prev) : std::numeric_limits<double>::infinity();
        const double* row = &g.D[a * n];
        for (size_t j = 0; j < n; ++j)
            if (g.active[j] && j != a && row[j] < bd) bd = row[j], b = j;
        if (b != prev || prev == n) {
            chain.push_back(b);
            continue;
        }
        chain.pop_back();
        chain.pop_back();
        g.merge(std::min(a, b), std::max(a, b), bd);
        --n_active;
    }
    dist = std::move(g.D);
    std::stable_sort(g.merges.begin(), g.merges.end(),
                     [](const LinkageMerge& x, const LinkageMerge& y) { return x.h < y.h; });
    return g.merges;
}

std::vector<LinkageMerge> hclust(std::vector<double> dist, size_t n, Linkage linkage) {
    if (n < 2) return {};
    Agglomeration g(std::move(dist), n, linkage);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<size_t> nn(n, n);
    std::vector<double> disnn(n, inf);
    auto find_nn = [&](size_t i) {  // the nearest active j > i, the first of equals
        nn[i] = n;
        disnn[i] = inf;
        const double* row = &g.D[i * n];
        for (size_t j = i + 1; j < n; ++j)
            if (g.active[j] && row[j] < disnn[i]) disnn[i] = row[j], nn[i] = j;
    };
    for (size_t i = 0; i + 1 < n; ++i) find_nn(i);
    for (size_t step = 0; step + 1 < n; ++step) {
        size_t i2 = n;
        double dmin = inf;
        for (size_t i = 0; i + 1 < n; ++i)
            if (g.active[i] && nn[i] < n && disnn[i] < dmin) dmin = disnn[i], i2 = i;
        if (i2 == n) {  // only infinite distances left: join the lowest two active clusters
            for (size_t i = 0; i < n; ++i)
                if (g.active[i]) {
                    if (i2 == n) {
                        i2 = i;
                    } else {
                        nn[i2] = i;
                        break;
                    }
                }
            dmin = g.at(i2, nn[i2]);
        }
        const size_t j2 = nn[i2];
        g.merge(i2, j2, dmin);
        for (size_t i = 0; i + 1 < n; ++i) {
            if (!g.active[i]) continue;
            if (i == i2 || nn[i] == i2 || nn[i] == j2)
                find_nn(i);
            else if (i < i2 && g.at(i, i2) < disnn[i])
                disnn[i] = g.at(i, i2), nn[i] = i2;
        }
    }
    return g.merges;
}

std::vector<int> cut_tree(const std::vector<LinkageMerge>& merges, size_t n, int k) {
    std::vector<int> labels(n, 1);
    if (n == 0) return labels;
    if (k < 1) k = 1;
    std::vector<size_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](size_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    const size_t to_apply = std::min(merges.size(), n > size_t(k) ? n - size_t(k) : 0);
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

}  // namespace precis

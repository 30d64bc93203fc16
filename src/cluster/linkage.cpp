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
}  // namespace

std::vector<LinkageMerge> hclust_chain(std::vector<double> D, size_t n, Linkage linkage) {
    std::vector<LinkageMerge> merges;
    if (n < 2) return merges;
    merges.reserve(n - 1);
    const bool ward2 = linkage == Linkage::WardD2;
    if (ward2)
        for (double& d : D) d *= d;
    std::vector<long> size(n, 1);
    std::vector<char> active(n, 1);
    std::vector<size_t> chain;
    chain.reserve(n);
    size_t n_active = n, first_active = 0;
    while (n_active > 1) {
        if (chain.empty()) {
            while (!active[first_active]) ++first_active;
            chain.push_back(first_active);
        }
        const size_t a = chain.back();
        const size_t prev = chain.size() >= 2 ? chain[chain.size() - 2] : n;
        size_t b = prev;
        double bd = prev < n ? D[a * n + prev] : std::numeric_limits<double>::infinity();
        const double* row = &D[a * n];
        for (size_t j = 0; j < n; ++j)
            if (active[j] && j != a && row[j] < bd) bd = row[j], b = j;
        if (b != prev || prev == n) {
            chain.push_back(b);
            continue;
        }
        chain.pop_back();
        chain.pop_back();
        const size_t lo = std::min(a, b), hi = std::max(a, b);
        merges.push_back({lo, hi, ward2 ? std::sqrt(bd) : bd});
        const double ni = double(size[lo]), nj = double(size[hi]);
        for (size_t k = 0; k < n; ++k) {
            if (!active[k] || k == lo || k == hi) continue;
            D[lo * n + k] = D[k * n + lo] =
                lance_williams(linkage, D[lo * n + k], D[hi * n + k], bd, ni, nj, double(size[k]));
        }
        size[lo] += size[hi];
        active[hi] = 0;
        --n_active;
    }
    std::stable_sort(merges.begin(), merges.end(),
                     [](const LinkageMerge& x, const LinkageMerge& y) { return x.h < y.h; });
    return merges;
}

std::vector<LinkageMerge> hclust(std::vector<double> D, size_t n, Linkage linkage) {
    std::vector<LinkageMerge> merges;
    if (n < 2) return merges;
    merges.reserve(n - 1);
    const bool ward2 = linkage == Linkage::WardD2;
    if (ward2)
        for (double& d : D) d *= d;
    std::vector<long> size(n, 1);
    std::vector<char> active(n, 1);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<size_t> nn(n, n);
    std::vector<double> disnn(n, inf);
    auto find_nn = [&](size_t i) {  // the nearest active j > i, the first of equals
        nn[i] = n;
        disnn[i] = inf;
        const double* row = &D[i * n];
        for (size_t j = i + 1; j < n; ++j)
            if (active[j] && row[j] < disnn[i]) disnn[i] = row[j], nn[i] = j;
    };
    for (size_t i = 0; i + 1 < n; ++i) find_nn(i);
    for (size_t step = 0; step + 1 < n; ++step) {
        size_t i2 = n;
        double dmin = inf;
        for (size_t i = 0; i + 1 < n; ++i)
            if (active[i] && nn[i] < n && disnn[i] < dmin) dmin = disnn[i], i2 = i;
        if (i2 == n) {  // only infinite distances left: join the lowest two active clusters
            for (size_t i = 0; i < n; ++i)
                if (active[i]) {
                    if (i2 == n) {
                        i2 = i;
                    } else {
                        nn[i2] = i;
                        break;
                    }
                }
            dmin = D[i2 * n + nn[i2]];
        }
        const size_t j2 = nn[i2];
        merges.push_back({i2, j2, ward2 ? std::sqrt(dmin) : dmin});
        const double ni = double(size[i2]), nj = double(size[j2]), dij = D[i2 * n + j2];
        for (size_t k = 0; k < n; ++k) {
            if (!active[k] || k == i2 || k == j2) continue;
            D[i2 * n + k] = D[k * n + i2] =
                lance_williams(linkage, D[i2 * n + k], D[j2 * n + k], dij, ni, nj, double(size[k]));
        }
        size[i2] += size[j2];
        active[j2] = 0;
        for (size_t i = 0; i + 1 < n; ++i) {
            if (!active[i]) continue;
            if (i == i2 || nn[i] == i2 || nn[i] == j2)
                find_nn(i);
            else if (i < i2 && D[i * n + i2] < disnn[i])
                disnn[i] = D[i * n + i2], nn[i] = i2;
        }
    }
    return merges;
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

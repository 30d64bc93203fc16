#include "cluster/cluster.hpp"

#include <omp.h>

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/stats.hpp"

namespace precis {

DistanceRows distance_rows(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols,
                           const std::string& distance) {
    DistanceRows d;
    d.distance = distance;
    d.m = rows.size();
    d.f = cols.size();
    const size_t m = d.m, f = d.f;
    d.v.resize(m * f);
    for (size_t a = 0; a < m; ++a)
        for (size_t j = 0; j < f; ++j) d.v[a * f + j] = X(rows[a], cols[j]);
    d.constant.assign(m, 0);
    if (distance == "euclidean") return d;
    if (distance != "pearson" && distance != "spearman")
        throw Error(ErrorKind::Internal, "unknown distance " + distance);
#pragma omp parallel for schedule(static)
    for (long al = 0; al < long(m); ++al) {
        double* r = &d.v[size_t(al) * f];
        if (distance == "spearman") {  // ranks from 0, ties sharing the mean rank
            const std::vector<double> rank = average_ranks(std::vector<double>(r, r + f));
            for (size_t j = 0; j < f; ++j) r[j] = rank[j] - 1;
        }
        double mean = 0, ss = 0;
        for (size_t j = 0; j < f; ++j) mean += r[j];
        mean /= double(std::max<size_t>(f, 1));
        for (size_t j = 0; j < f; ++j) r[j] -= mean, ss += r[j] * r[j];
        if (ss > 0)
            for (size_t j = 0; j < f; ++j) r[j] /= std::sqrt(ss);
        else
            d.constant[size_t(al)] = 1;
    }
    return d;
}

std::vector<double> distance_block(const DistanceRows& d, size_t i0, size_t i1) {
    const size_t m = d.m, f = d.f;
    const bool corr = d.distance != "euclidean";
    std::vector<double> out((i1 - i0) * m, 0.0);
#pragma omp parallel for schedule(dynamic, 4)
    for (long al = long(i0); al < long(i1); ++al) {
        const size_t a = size_t(al);
        const double* x = &d.v[a * f];
        double* o = &out[(a - i0) * m];
        for (size_t b = a + 1; b < m; ++b) {
            const double* y = &d.v[b * f];
            double s = 0;
            if (corr) {
                for (size_t j = 0; j < f; ++j) s += x[j] * y[j];
                o[b] = d.constant[a] || d.constant[b] ? 1.0 : 1.0 - s;
            } else {
                for (size_t j = 0; j < f; ++j) s += (x[j] - y[j]) * (x[j] - y[j]);
                o[b] = std::sqrt(s);
            }
        }
    }
    return out;
}

std::vector<double> row_distances(const Matrix& X, const std::vector<size_t>& rows, const std::vector<size_t>& cols,
                                  const std::string& distance) {
    const DistanceRows d = distance_rows(X, rows, cols, distance);
    std::vector<double> D = distance_block(d, 0, d.m);
    mirror_upper(D, d.m);
    return D;
}

void mirror_upper(std::vector<double>& D, size_t m) {
    for (size_t a = 0; a < m; ++a)
        for (size_t b = a + 1; b < m; ++b) D[b * m + a] = D[a * m + b];
}

Matrix class_centroids(const Matrix& X, const std::vector<int>& labels, int k) {
    Matrix c(size_t(k), X.cols);
    std::vector<long> count(size_t(k), 0);
    for (size_t i = 0; i < X.rows; ++i) {
        if (labels[i] < 1) continue;
        const size_t l = size_t(labels[i] - 1);
        ++count[l];
        for (size_t j = 0; j < X.cols; ++j) c(l, j) += X(i, j);
    }
    for (size_t l = 0; l < size_t(k); ++l)
        for (size_t j = 0; j < X.cols; ++j) c(l, j) = count[l] ? c(l, j) / double(count[l]) : NAN;
    return c;
}

std::vector<int> nearest_centroid(const Matrix& X, const Matrix& centroids, const std::string& distance) {
    // the centroids as rows after X's rows, so that both are prepared for the distance alike
    Matrix Y(X.rows + centroids.rows, X.cols);
    std::copy(X.data.begin(), X.data.end(), Y.data.begin());
    std::copy(centroids.data.begin(), centroids.data.end(), Y.data.begin() + long(X.data.size()));
    std::vector<size_t> rows(Y.rows), cols(Y.cols);
    std::iota(rows.begin(), rows.end(), 0);
    std::iota(cols.begin(), cols.end(), 0);
    const DistanceRows d = distance_rows(Y, rows, cols, distance);
    const bool corr = distance != "euclidean";
    std::vector<int> out(X.rows, 1);
#pragma omp parallel for schedule(static)
    for (long il = 0; il < long(X.rows); ++il) {
        const size_t i = size_t(il);
        double best = std::numeric_limits<double>::infinity();
        for (size_t c = 0; c < centroids.rows; ++c) {
            const size_t b = X.rows + c;
            if (std::isnan(centroids(c, 0))) continue;  // a class without members
            double s = 0;
            for (size_t j = 0; j < d.f; ++j)
                s += corr ? d.v[i * d.f + j] * d.v[b * d.f + j]
                          : (d.v[i * d.f + j] - d.v[b * d.f + j]) * (d.v[i * d.f + j] - d.v[b * d.f + j]);
            const double dist = corr ? (d.constant[i] || d.constant[b] ? 1.0 : 1.0 - s) : s;
            if (dist < best) best = dist, out[i] = int(c + 1);
        }
    }
    return out;
}

double mad(const double* v, size_t n, size_t stride) {
    std::vector<double> x;
    for (size_t i = 0; i < n; ++i)
        if (!std::isnan(v[i * stride])) x.push_back(v[i * stride]);
    if (x.size() < 2) return std::numeric_limits<double>::quiet_NaN();
    const double m = median_of(x);
    for (double& e : x) e = std::fabs(e - m);
    return 1.4826 * median_of(x);
}

std::vector<double> center_and_impute(Matrix& X, const std::string& center) {
    std::vector<double> centres(X.cols, 0.0);
    for (size_t j = 0; j < X.cols; ++j) {
        std::vector<double> obs;
        for (size_t i = 0; i < X.rows; ++i)
            if (!std::isnan(X(i, j))) obs.push_back(X(i, j));
        double c = 0;
        if (!obs.empty()) {
            if (center == "median") {
                c = median_of(obs);
            } else {
                c = std::accumulate(obs.begin(), obs.end(), 0.0) / obs.size();
            }
        }
        centres[j] = c;
        double shift = center == "none" ? 0.0 : c;
        for (size_t i = 0; i < X.rows; ++i) {
            double& v = X(i, j);
            v = std::isnan(v) ? c - shift : v - shift;
        }
    }
    return centres;
}

double scale_block(Matrix& X, size_t c0, size_t c1, double weight) {
    double total = 0;
    for (size_t j = c0; j < c1; ++j) {
        double m = 0, ss = 0;
        for (size_t i = 0; i < X.rows; ++i) m += X(i, j);
        m /= std::max<size_t>(X.rows, 1);
        for (size_t i = 0; i < X.rows; ++i) ss += (X(i, j) - m) * (X(i, j) - m);
        total += X.rows > 1 ? ss / (X.rows - 1) : 0.0;
    }
    if (total <= 0) return 1.0;
    double f = std::sqrt(weight / total);
    for (size_t i = 0; i < X.rows; ++i)
        for (size_t j = c0; j < c1; ++j) X(i, j) *= f;
    return f;
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

std::vector<size_t> first_equal_rows(const Matrix& X) {
    std::vector<size_t> first(X.rows);
    std::unordered_map<uint64_t, std::vector<size_t>> by_hash;  // rows seen first, by a hash of their values
    for (size_t i = 0; i < X.rows; ++i) {
        const double* r = X.data.data() + i * X.cols;
        uint64_t h = 1469598103934665603ULL;  // FNV-1a over the values' bits
        for (size_t j = 0; j < X.cols; ++j) {
            const double v = r[j] == 0 ? 0.0 : r[j];  // -0 equals 0
            uint64_t b = 0;
            std::memcpy(&b, &v, sizeof b);
            h = (h ^ b) * 1099511628211ULL;
        }
        first[i] = i;
        auto& seen = by_hash[h];
        for (size_t s : seen)
            if (std::equal(r, r + X.cols, X.data.data() + s * X.cols)) {
                first[i] = s;
                break;
            }
        if (first[i] == i) seen.push_back(i);
    }
    return first;
}

}  // namespace precis

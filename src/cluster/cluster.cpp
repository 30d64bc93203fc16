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
#include "core/hash.hpp"
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
    // X's rows and the centroids prepared for the distance alike (each row on its own), X's a chunk at a time: a
    // chunk's copy, not the whole matrix's
    std::vector<size_t> cols(X.cols), crow(centroids.rows);
    std::iota(cols.begin(), cols.end(), 0);
    std::iota(crow.begin(), crow.end(), 0);
    const DistanceRows dc = distance_rows(centroids, crow, cols, distance);
    const bool corr = distance != "euclidean";
    std::vector<int> out(X.rows, 1);
    constexpr size_t kChunk = 4096;
    std::vector<size_t> rows;
    for (size_t c0 = 0; c0 < X.rows; c0 += kChunk) {
        rows.resize(std::min(kChunk, X.rows - c0));
        std::iota(rows.begin(), rows.end(), c0);
        const DistanceRows d = distance_rows(X, rows, cols, distance);
#pragma omp parallel for schedule(static)
        for (long al = 0; al < long(rows.size()); ++al) {
            const size_t a = size_t(al);
            double best = std::numeric_limits<double>::infinity();
            for (size_t c = 0; c < centroids.rows; ++c) {
                if (std::isnan(centroids(c, 0))) continue;  // a class without members
                const double* x = &d.v[a * d.f];
                const double* y = &dc.v[c * dc.f];
                double s = 0;
                for (size_t j = 0; j < d.f; ++j) s += corr ? x[j] * y[j] : (x[j] - y[j]) * (x[j] - y[j]);
                const double dist = corr ? (d.constant[a] || dc.constant[c] ? 1.0 : 1.0 - s) : s;
                if (dist < best) best = dist, out[c0 + a] = int(c + 1);
            }
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

double center_column(double* v, size_t n, size_t stride, const std::string& center) {
    std::vector<double> obs;
    for (size_t i = 0; i < n; ++i)
        if (!std::isnan(v[i * stride])) obs.push_back(v[i * stride]);
    double c = 0;
    if (!obs.empty()) {
        if (center == "median") {
            c = median_of(obs);
        } else {
            c = std::accumulate(obs.begin(), obs.end(), 0.0) / obs.size();
        }
    }
    const double shift = center == "none" ? 0.0 : c;
    for (size_t i = 0; i < n; ++i) {
        double& x = v[i * stride];
        x = std::isnan(x) ? c - shift : x - shift;
    }
    return c;
}

double column_variance(const double* v, size_t n, size_t stride) {
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; ++i) m += v[i * stride];
    m /= std::max<size_t>(n, 1);
    for (size_t i = 0; i < n; ++i) ss += (v[i * stride] - m) * (v[i * stride] - m);
    return n > 1 ? ss / (n - 1) : 0.0;
}

double block_factor(const double* variances, size_t count, double weight) {
    double total = 0;
    for (size_t j = 0; j < count; ++j) total += variances[j];
    return total <= 0 ? 1.0 : std::sqrt(weight / total);
}

PcaAxes pca_axes(const Matrix& Y, int dims) {
    PcaAxes a;
    if (Y.rows < size_t(dims) || Y.cols < size_t(dims) || dims <= 0) return a;
    Eigen::MatrixXd A(Y.rows, Y.cols);
    for (size_t i = 0; i < Y.rows; ++i)
        for (size_t j = 0; j < Y.cols; ++j) A(long(i), long(j)) = Y(i, j);
    const Eigen::RowVectorXd mean = A.colwise().mean();
    A.rowwise() -= mean;
    Eigen::BDCSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinV);
    a.dims = size_t(dims);
    a.mean.assign(mean.data(), mean.data() + Y.cols);
    a.axes.resize(size_t(dims) * Y.cols);
    for (int d = 0; d < dims; ++d) {
        Eigen::Index arg = 0;
        svd.matrixV().col(d).cwiseAbs().maxCoeff(&arg);
        const double sign = svd.matrixV()(arg, d) < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < Y.cols; ++j) a.axes[size_t(d) * Y.cols + j] = sign * svd.matrixV()(long(j), d);
    }
    return a;
}

std::vector<double> pca_project(const PcaAxes& a, const Matrix& X) {
    if (a.dims == 0) return {};
    const size_t p = a.mean.size();
    std::vector<double> out(X.rows * a.dims), centred(p);
    for (size_t i = 0; i < X.rows; ++i) {
        for (size_t j = 0; j < p; ++j) centred[j] = X(i, j) - a.mean[j];
        for (size_t d = 0; d < a.dims; ++d) {
            double s = 0;
            for (size_t j = 0; j < p; ++j) s += centred[j] * a.axes[d * p + j];
            out[i * a.dims + d] = s;
        }
    }
    return out;
}

std::string row_digest(const double* r, size_t cols) {
    std::vector<double> v(r, r + cols);
    for (double& x : v)
        if (x == 0) x = 0.0;  // -0 equals 0
    Sha256 h;
    h.update(v.data(), v.size() * sizeof(double));
    return h.hex().substr(0, 32);
}

std::vector<size_t> first_equal(const std::vector<std::string>& digests) {
    std::vector<size_t> first(digests.size());
    std::unordered_map<std::string, size_t> seen;
    seen.reserve(digests.size());
    for (size_t i = 0; i < digests.size(); ++i) first[i] = seen.emplace(digests[i], i).first->second;
    return first;
}

}  // namespace precis

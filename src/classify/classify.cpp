#include "classify/classify.hpp"
#include "classify/model.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/stats.hpp"

namespace precis {

namespace {
// The fit over the rows `rows` of X (all rows when null), in their order; labels[i] is row rows[i]'s (or row i's).
// The cross-validation's folds fit on their training rows where they lie in X, without copying them out.
NscFit nsc_fit_rows(const Matrix& X, const std::vector<size_t>* rows, const std::vector<int>& labels, int k) {
    NscFit f;
    f.k = k;
    f.p = X.cols;
    f.n = rows ? rows->size() : X.rows;
    const size_t K = size_t(k), p = X.cols, n = f.n;
    const auto row = [&](size_t i) { return &X.data[(rows ? (*rows)[i] : i) * p]; };
    std::vector<double> nk(K, 0.0);
    for (int l : labels) {
        if (l < 1 || l > k) throw Error(ErrorKind::Internal, "nsc_fit: label out of range");
        nk[size_t(l - 1)] += 1;
    }
    for (size_t c = 0; c < K; ++c)
        if (nk[c] == 0)
            throw Error(ErrorKind::DegenerateData, "subtype " + std::to_string(c + 1) + " has no sample to train on",
                        "choose another k");
    if (n <= K) throw Error(ErrorKind::DegenerateData, "too few samples to train a classifier", "add samples");
    f.overall.assign(p, 0.0);
    f.centroid.assign(K * p, 0.0);
    for (size_t i = 0; i < n; ++i) {
        const size_t c = size_t(labels[i] - 1);
        const double* x = row(i);
        for (size_t j = 0; j < p; ++j) f.overall[j] += x[j], f.centroid[c * p + j] += x[j];
    }
    for (size_t j = 0; j < p; ++j) f.overall[j] /= double(n);
    for (size_t c = 0; c < K; ++c)
        for (size_t j = 0; j < p; ++j) f.centroid[c * p + j] /= nk[c];
    std::vector<double> ss(p, 0.0);
    for (size_t i = 0; i < n; ++i) {
        const size_t c = size_t(labels[i] - 1);
        const double* x = row(i);
        for (size_t j = 0; j < p; ++j) {
            const double d = x[j] - f.centroid[c * p + j];
            ss[j] += d * d;
        }
    }
    f.sd.resize(p);
    for (size_t j = 0; j < p; ++j) f.sd[j] = std::sqrt(ss[j] / double(n - K));
    const double s0 = median_of(f.sd);
    for (double& s : f.sd) s += s0;
    for (double s : f.sd)
        if (!(s > 0))
            throw Error(ErrorKind::DegenerateData, "the clustered features do not vary within the subtypes",
                        "check the inputs of clustering.modalities");
    for (size_t c = 0; c < K; ++c) {
        f.m.push_back(std::sqrt(1.0 / nk[c] - 1.0 / double(n)));
        f.prior.push_back(nk[c] / double(n));
    }
    return f;
}
}  // namespace

NscFit nsc_fit(const Matrix& X, const std::vector<int>& labels, int k) {
    if (labels.size() != X.rows) throw Error(ErrorKind::Internal, "nsc_fit: one label per row needed");
    return nsc_fit_rows(X, nullptr, labels, k);
}

std::vector<double> nsc_deviations(const NscFit& f) {
    const size_t K = size_t(f.k), p = f.p;
    std::vector<double> d(K * p);
    for (size_t c = 0; c < K; ++c)
        for (size_t j = 0; j < p; ++j) d[c * p + j] = (f.centroid[c * p + j] - f.overall[j]) / (f.m[c] * f.sd[j]);
    return d;
}

std::vector<double> nsc_shrunken(const NscFit& f, double threshold) {
    const size_t K = size_t(f.k), p = f.p;
    std::vector<double> d = nsc_deviations(f), out(K * p);
    for (size_t c = 0; c < K; ++c)
        for (size_t j = 0; j < p; ++j) {
            const double x = d[c * p + j];
            const double s = std::max(std::abs(x) - threshold, 0.0) * (x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0);
            out[c * p + j] = f.overall[j] + f.m[c] * f.sd[j] * s;
        }
    return out;
}

namespace {
// x's distance to each class's shrunken centroid (`shrunken`: K x p) and its discriminant score (the squared
// standardised distance less twice the log prior), into distance[K] and delta[K]
void nsc_scores(const NscFit& f, const double* shrunken, const double* x, double* distance, double* delta) {
    const size_t K = size_t(f.k), p = f.p;
    for (size_t c = 0; c < K; ++c) {
        double e = 0, w = 0;
        const double* s = &shrunken[c * p];
        for (size_t j = 0; j < p; ++j) {
            const double d = x[j] - s[j];
            e += d * d;
            w += d * d / (f.sd[j] * f.sd[j]);
        }
        distance[c] = std::sqrt(e);
        delta[c] = w - 2 * std::log(f.prior[c]);
    }
}

// the class probabilities from the discriminant scores, into probability[K]
void nsc_probabilities(const double* delta, size_t K, double* probability) {
    const double lo = *std::min_element(delta, delta + K);
    double sum = 0;
    for (size_t c = 0; c < K; ++c) sum += probability[c] = std::exp(-(delta[c] - lo) / 2);
    for (size_t c = 0; c < K; ++c) probability[c] /= sum;
}
}  // namespace

NscCall nsc_predict(const NscFit& f, const std::vector<double>& shrunken, const double* x) {
    const size_t K = size_t(f.k);
    NscCall call;
    call.distance.resize(K);
    call.probability.resize(K);
    std::vector<double> delta(K);
    nsc_scores(f, shrunken.data(), x, call.distance.data(), delta.data());
    call.label = int(std::min_element(call.distance.begin(), call.distance.end()) - call.distance.begin()) + 1;
    nsc_probabilities(delta.data(), K, call.probability.data());
    return call;
}

std::vector<double> nsc_thresholds(const NscFit& f, int count) {
    double top = 0;
    for (double d : nsc_deviations(f)) top = std::max(top, std::abs(d));
    std::vector<double> t;
    for (int i = 0; i < count; ++i) t.push_back(count > 1 ? top * double(i) / double(count - 1) : 0.0);
    return t;
}

std::vector<int> stratified_folds(const std::vector<int>& labels, int folds, uint64_t seed) {
    std::vector<int> fold(labels.size(), 0);
    const int k = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end());
    int next = 0;  // classes continue the deal where the previous one stopped: folds stay even in size
    for (int c = 1; c <= k; ++c) {
        std::vector<size_t> members;
        for (size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == c) members.push_back(i);
        Rng rng(derive_seed(seed, {uint64_t(c)}));
        for (size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng.below(i)]);
        for (size_t i : members) fold[i] = next, next = (next + 1) % folds;
    }
    return fold;
}

FoldErrors nsc_fold_errors(const Matrix& X, const std::vector<int>& labels, int k, const std::vector<int>& fold_of,
                           int fold, const std::vector<double>& thresholds) {
    std::vector<size_t> train, test;
    for (size_t i = 0; i < X.rows; ++i) (fold_of[i] == fold ? test : train).push_back(i);
    FoldErrors out;
    out.errors.assign(thresholds.size(), 0.0);
    out.log_loss.assign(thresholds.size(), 0.0);
    if (test.empty()) return out;
    std::vector<int> tl;
    for (size_t i : train) tl.push_back(labels[i]);
    // a class absent from the training folds cannot be predicted: its test samples count as errors
    std::vector<int> present(size_t(k) + 1, 0), remap(size_t(k) + 1, 0), back;
    for (int l : tl) present[size_t(l)] = 1;
    for (int c = 1; c <= k; ++c)
        if (present[size_t(c)]) remap[size_t(c)] = int(back.size()) + 1, back.push_back(c);
    for (int& l : tl) l = remap[size_t(l)];
    const NscFit f = nsc_fit_rows(X, &train, tl, int(back.size()));
    constexpr double kFloor = 1e-15;  // a probability of 0 counts as this (the loss stays finite)
    // every threshold's centroids at once (small), then each test sample against all of them: the test rows are
    // read once, not once per threshold (at 100,000 samples a fold's rows no longer fit the cache), scored as
    // nsc_predict scores (nsc_scores) without its allocations; each threshold's sums add the test samples in order.
    const size_t K = size_t(f.k), nt = thresholds.size();
    std::vector<double> shrunken;  // nt x K x p
    for (size_t t = 0; t < nt; ++t) {
        const std::vector<double> s = nsc_shrunken(f, thresholds[t]);
        shrunken.insert(shrunken.end(), s.begin(), s.end());
    }
    std::vector<double> distance(K), delta(K), probability(K);
    for (size_t i : test) {
        const int own = remap[size_t(labels[i])];
        const double* x = &X.data[i * X.cols];
        for (size_t t = 0; t < nt; ++t) {
            nsc_scores(f, &shrunken[t * K * f.p], x, distance.data(), delta.data());
            const size_t label = size_t(std::min_element(distance.begin(), distance.end()) - distance.begin());
            out.errors[t] += back[label] != labels[i];
            nsc_probabilities(delta.data(), K, probability.data());
            out.log_loss[t] -= std::log(std::max(own ? probability[size_t(own - 1)] : 0.0, kFloor));
        }
    }
    return out;
}

size_t choose_threshold(const std::vector<double>& cv_error, const std::vector<double>& cv_log_loss) {
    size_t best = 0;
    for (size_t t = 1; t < cv_error.size(); ++t) {
        const bool fewer = cv_error[t] < cv_error[best] - 1e-12, same = std::abs(cv_error[t] - cv_error[best]) <= 1e-12;
        if (fewer || (same && cv_log_loss[t] <= cv_log_loss[best] * (1 + 1e-12) + 1e-300)) best = t;
    }
    return best;
}

std::vector<size_t> nearest_by_correlation(const Matrix& X) {
    const size_t n = X.rows, p = X.cols;
    // rows centred and scaled: 1 - correlation is then 1 - the dot product
    std::vector<double> z(X.data);
    for (size_t i = 0; i < n; ++i) {
        double* r = &z[i * p];
        double m = 0, ss = 0;
        for (size_t j = 0; j < p; ++j) m += r[j];
        m /= double(p);
        for (size_t j = 0; j < p; ++j) r[j] -= m, ss += r[j] * r[j];
        const double s = ss > 0 ? 1 / std::sqrt(ss) : 0.0;
        for (size_t j = 0; j < p; ++j) r[j] *= s;
    }
    // correlations by blocks of 64 rows against every row (a matrix product per block, one thread each: Eigen does
    // not split products inside a parallel region, and the blocks are the same at any thread count, so are the sums)
    using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMatrix> Z(z.data(), Eigen::Index(n), Eigen::Index(p));
    constexpr size_t kBlock = 64;
    std::vector<size_t> nn(n);
#pragma omp parallel for schedule(dynamic, 1)
    for (long bl = 0; bl < long((n + kBlock - 1) / kBlock); ++bl) {
        const size_t i0 = size_t(bl) * kBlock, i1 = std::min(n, i0 + kBlock);
        const RowMatrix C = Z.middleRows(Eigen::Index(i0), Eigen::Index(i1 - i0)) * Z.transpose();
        for (size_t i = i0; i < i1; ++i) {
            double best = -std::numeric_limits<double>::infinity();
            size_t arg = i;
            for (size_t o = 0; o < n; ++o) {
                if (o == i) continue;
                const double c = C(Eigen::Index(i - i0), Eigen::Index(o));
                if (c > best) best = c, arg = o;  // ties: the first
            }
            nn[i] = arg;
        }
    }
    return nn;
}

std::vector<double> in_group_proportion(const std::vector<size_t>& nn, const std::vector<int>& labels, int k) {
    std::vector<double> same(size_t(k), 0.0), size(size_t(k), 0.0);
    for (size_t i = 0; i < nn.size(); ++i) {
        const size_t c = size_t(labels[i] - 1);
        size[c] += 1;
        same[c] += nn[i] != i && labels[nn[i]] == labels[i];
    }
    std::vector<double> igp(static_cast<size_t>(k));
    for (size_t c = 0; c < size_t(k); ++c)
        igp[c] = size[c] >= 2 ? same[c] / size[c] : std::numeric_limits<double>::quiet_NaN();
    return igp;
}

std::vector<double> in_group_proportion(const Matrix& X, const std::vector<int>& labels, int k) {
    return in_group_proportion(nearest_by_correlation(X), labels, k);
}

NullCentroids::NullCentroids(const std::vector<double>& centroids, int k, size_t p) : k_(k), p_(p) {
    // C = centroids' (p x k); its right singular vectors from the k x k C'C (deterministic, small)
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> Ct(
        centroids.data(), long(k), long(p));
    const Eigen::MatrixXd C = Ct.transpose();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C.transpose() * C);
    V_ = eig.eigenvectors();
    rotated_ = C * V_;
}

std::vector<double> NullCentroids::draw(Rng& rng) const {
    Eigen::MatrixXd R = rotated_;
    for (long c = 0; c < R.cols(); ++c)
        for (size_t i = p_; i > 1; --i) std::swap(R(long(i - 1), c), R(long(rng.below(i)), c));
    const Eigen::MatrixXd back = R * V_.transpose();  // p x k
    std::vector<double> out(size_t(k_) * p_);
    for (int c = 0; c < k_; ++c)
        for (size_t j = 0; j < p_; ++j) out[size_t(c) * p_ + j] = back(long(j), c);
    return out;
}

std::vector<std::string> AdjustRecipe::column_names() const {
    std::vector<std::string> out;
    auto coded = [&](const std::string& prefix, const std::vector<std::string>& cols,
                     const std::vector<std::vector<std::string>>& levels) {
        for (size_t c = 0; c < cols.size(); ++c) {
            if (levels[c].empty()) out.push_back(prefix + cols[c]);
            for (size_t l = 1; l < levels[c].size(); ++l) out.push_back(prefix + cols[c] + "=" + levels[c][l]);
        }
    };
    if (method == "combat") {
        out = {"adjusted", "grand_mean", "sd"};
        coded("mod:", preserve, preserve_levels);
        coded("mod:", covariates, covariate_levels);
        for (auto& b : batch_levels) out.push_back("gamma_star:" + b);
        for (auto& b : batch_levels) out.push_back("delta_star:" + b);
        coded("covariate:", covariates, covariate_levels);
        return out;
    }
    for (size_t l = 0; l + 1 < batch_levels.size(); ++l) out.push_back(batch + "=" + batch_levels[l]);
    coded("", covariates, covariate_levels);
    return out;
}

}  // namespace precis

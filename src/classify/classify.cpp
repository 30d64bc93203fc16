#include "classify/classify.hpp"
#include "classify/model.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/exact_sum.hpp"
#include "core/rng.hpp"
#include "core/stats.hpp"

namespace precis {

namespace {
// The fit's centroids from exact sums: per class its count and its samples' sums (K x p), and the sums over every
// sample (p). Throws DegenerateData when a class has no sample or there are no more samples than classes.
NscFit nsc_centroids(int k, size_t p, const std::vector<double>& nk, const std::vector<double>& class_sums,
                     const std::vector<double>& overall_sums) {
    NscFit f;
    f.k = k;
    f.p = p;
    const size_t K = size_t(k);
    double n = 0;
    for (size_t c = 0; c < K; ++c) {
        if (nk[c] == 0)
            throw Error(ErrorKind::DegenerateData, "subtype " + std::to_string(c + 1) + " has no sample to train on",
                        "choose another k");
        n += nk[c];
    }
    if (n <= double(K)) throw Error(ErrorKind::DegenerateData, "too few samples to train a classifier", "add samples");
    f.n = size_t(n);
    f.overall.resize(p);
    for (size_t j = 0; j < p; ++j) f.overall[j] = overall_sums[j] / n;
    f.centroid.resize(K * p);
    for (size_t c = 0; c < K; ++c)
        for (size_t j = 0; j < p; ++j) f.centroid[c * p + j] = class_sums[c * p + j] / nk[c];
    for (size_t c = 0; c < K; ++c) {
        f.m.push_back(std::sqrt(1.0 / nk[c] - 1.0 / n));
        f.prior.push_back(nk[c] / n);
    }
    return f;
}

// The fit's SDs from the within-class sums of squares (p): s_j + s_0. Throws DegenerateData if one is not > 0.
void nsc_finish(NscFit& f, const std::vector<double>& ss) {
    f.sd.resize(f.p);
    for (size_t j = 0; j < f.p; ++j) f.sd[j] = std::sqrt(ss[j] / double(f.n - size_t(f.k)));
    const double s0 = median_of(f.sd);
    for (double& s : f.sd) s += s0;
    for (double s : f.sd)
        if (!(s > 0))
            throw Error(ErrorKind::DegenerateData, "the clustered features do not vary within the subtypes",
                        "check the inputs of clustering.modalities");
}

std::vector<double> share_max(const Matrix& X, const ShareReduce& r) {
    std::vector<double> mx(X.cols, 0.0);
    for (size_t i = 0; i < X.rows; ++i)
        for (size_t j = 0; j < X.cols; ++j) mx[j] = std::max(mx[j], std::abs(X(i, j)));
    r.max(mx);
    return mx;
}

// Pass 1 over the share: per fold (group) and class, the count and the feature sums; the full fit, each fold's fit
// (the classes present in its training folds, renumbered 1..; `present`), pass 2 the within-class sums of squares.
struct Fits {
    NscFit full;
    std::vector<NscFit> fold;
    std::vector<std::vector<int>> remap, back;  // per fold: class -> its class in the fold's fit (0: absent), back
};

Fits nsc_fits(const Matrix& X, size_t row0, const std::vector<int>& labels, int k, const std::vector<int>* fold_of,
              size_t F, const ShareReduce& r) {
    const size_t K = size_t(k), p = X.cols, G = std::max<size_t>(F, 1);
    if (row0 % kShareBlock != 0) throw Error(ErrorKind::Internal, "nsc: a share must start at a block's first row");
    const auto fold = [&](size_t i) { return fold_of ? size_t((*fold_of)[row0 + i]) : 0; };
    for (int l : labels)  // (before any sum: every share throws or none)
        if (l < 1 || l > k) throw Error(ErrorKind::Internal, "nsc_fit: label out of range");
    const auto cls = [&](size_t i) { return size_t(labels[row0 + i] - 1); };
    // pass 1: sums per (fold, class)
    std::vector<double> count(G * K, 0.0);
    const std::vector<double> xmax = share_max(X, r);  // per feature, the largest |x| of every share
    ShareSums s1(G * K, p, xmax);
    s1.for_rows(X.rows, row0, [&](size_t i) {
        const size_t g = fold(i) * K + cls(i);
        count[g] += 1;
        double* acc = s1.group(g);
        const double* x = &X.data[i * p];
        for (size_t j = 0; j < p; ++j) acc[j] += x[j];
    });
    r.sum(count);
    s1.reduce(r);
    // a fit from the sums of the rows outside fold `out` (none: every row)
    const auto fit_without = [&](size_t out, std::vector<int>& remap, std::vector<int>& back) {
        remap.assign(K + 1, 0);
        back.clear();
        std::vector<double> nk, sums, overall(p);
        std::vector<ExactSum> tot(p);
        for (size_t c = 0; c < K; ++c) {
            double n_c = 0;
            for (size_t g = 0; g < G; ++g)
                if (g != out) n_c += count[g * K + c];
            if (n_c == 0 && out < G) continue;  // absent from the fold's training rows
            remap[c + 1] = int(back.size()) + 1;
            back.push_back(int(c) + 1);
            nk.push_back(n_c);
            for (size_t j = 0; j < p; ++j) {
                ExactSum e;
                for (size_t g = 0; g < G; ++g)
                    if (g != out) e.add(s1.exact(g * K + c, j));
                tot[j].add(e);
                sums.push_back(s1.value(e, j));
            }
        }
        for (size_t j = 0; j < p; ++j) overall[j] = s1.value(tot[j], j);
        return nsc_centroids(int(back.size()), p, nk, sums, overall);
    };
    Fits fits;
    std::vector<int> remap, back;
    fits.full = fit_without(G, remap, back);
    for (size_t f = 0; f < F; ++f) {
        fits.remap.emplace_back();
        fits.back.emplace_back();
        fits.fold.push_back(fit_without(f, fits.remap.back(), fits.back.back()));
    }
    // pass 2: within-class sums of squares, group F the full fit's; each term is below (|x| + |centroid|)^2
    std::vector<double> bound(p, 0.0);
    for (size_t j = 0; j < p; ++j) {
        double c = 0;
        for (size_t q = 0; q <= F; ++q) {
            const NscFit& f = q < F ? fits.fold[q] : fits.full;
            for (size_t a = 0; a < size_t(f.k); ++a) c = std::max(c, std::abs(f.centroid[a * p + j]));
        }
        bound[j] = (xmax[j] + c) * (xmax[j] + c);
    }
    ShareSums s2(F + 1, p, bound);
    s2.for_rows(X.rows, row0, [&](size_t i) {
        const size_t c = cls(i), own = fold(i);
        const double* x = &X.data[i * p];
        for (size_t q = 0; q <= F; ++q) {
            if (q == own && q < F) continue;  // a fold's own rows are its test rows
            const NscFit& f = q < F ? fits.fold[q] : fits.full;
            const double* cent = &f.centroid[size_t(q < F ? fits.remap[q][c + 1] - 1 : int(c)) * p];
            double* acc = s2.group(q);
            for (size_t j = 0; j < p; ++j) {
                const double d = x[j] - cent[j];
                acc[j] += d * d;
            }
        }
    });
    s2.reduce(r);
    std::vector<double> ss(p);
    for (size_t q = F + 1; q-- > 0;) {  // the full fit first: its failure is the one reported
        for (size_t j = 0; j < p; ++j) ss[j] = s2.value(q, j);
        nsc_finish(q < F ? fits.fold[q] : fits.full, ss);
    }
    return fits;
}
}  // namespace

NscFit nsc_fit(const Matrix& X, const std::vector<int>& labels, int k) {
    if (labels.size() != X.rows) throw Error(ErrorKind::Internal, "nsc_fit: one label per row needed");
    return nsc_fits(X, 0, labels, k, nullptr, 0, ShareReduce::local()).full;
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

NscTraining nsc_train(const Matrix& X, size_t row0, const std::vector<int>& labels, int k,
                      const std::vector<int>& fold_of, int folds, int threshold_count, const ShareReduce& r) {
    const size_t F = size_t(folds), p = X.cols;
    Fits fits = nsc_fits(X, row0, labels, k, &fold_of, F, r);
    NscTraining out;
    out.fit = std::move(fits.full);
    out.thresholds = nsc_thresholds(out.fit, threshold_count);
    const size_t T = out.thresholds.size();
    // each fold's test rows of the share scored by the fold's fit at every threshold (all thresholds' centroids at
    // once: a row is read once), as nsc_predict scores; errors are counts, the log loss an exact sum
    constexpr double kFloor = 1e-15;  // a probability of 0 counts as this (the loss stays finite)
    std::vector<double> errors(F * T, 0.0);
    std::vector<ExactSum> loss(F * T);
    for (size_t f = 0; f < F; ++f) {
        const NscFit& fit = fits.fold[f];
        const size_t K = size_t(fit.k);
        std::vector<double> shrunken;  // T x K x p
        for (size_t t = 0; t < T; ++t) {
            const std::vector<double> s = nsc_shrunken(fit, out.thresholds[t]);
            shrunken.insert(shrunken.end(), s.begin(), s.end());
        }
        std::vector<double> distance(K), delta(K), probability(K);
        for (size_t i = 0; i < X.rows; ++i) {
            if (size_t(fold_of[row0 + i]) != f) continue;
            const int truth = labels[row0 + i], own = fits.remap[f][size_t(truth)];  // 0: absent from training
            const double* x = &X.data[i * p];
            for (size_t t = 0; t < T; ++t) {
                nsc_scores(fit, &shrunken[t * K * p], x, distance.data(), delta.data());
                const size_t label = size_t(std::min_element(distance.begin(), distance.end()) - distance.begin());
                errors[f * T + t] += fits.back[f][label] != truth;
                nsc_probabilities(delta.data(), K, probability.data());
                loss[f * T + t].add(-std::log(std::max(own ? probability[size_t(own - 1)] : 0.0, kFloor)));
            }
        }
    }
    r.sum(errors);
    reduce_exact(loss, r);
    out.cv_error.assign(T, 0.0);
    out.cv_log_loss.assign(T, 0.0);
    const double n = double(labels.size());
    for (size_t t = 0; t < T; ++t) {
        double e = 0;  // (counts: exact)
        ExactSum l;
        for (size_t f = 0; f < F; ++f) {
            e += errors[f * T + t];
            l.add(loss[f * T + t]);
        }
        out.cv_error[t] = e / n;
        out.cv_log_loss[t] = l.value() / n;
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

// The null test of consensus clustering (M3C, John et al. 2020): reference data without clusters but with the
// data's feature correlation, clustered as the real data; PAC p-values and the relative cluster stability index.
#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>

#include "cluster/cluster.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

namespace precis {

namespace {
// Eigen's products pick their blocking by thread count, which changes the order of sums: the references are made
// with one thread so that they are the same bits whatever OMP_NUM_THREADS is.
struct OneEigenThread {
    int before = Eigen::nbThreads();
    OneEigenThread() { Eigen::setNbThreads(1); }
    ~OneEigenThread() { Eigen::setNbThreads(before); }
};
}  // namespace

NullBasis null_basis(const Matrix& X, bool scores_only) {
    NullBasis b;
    b.m = X.rows;
    b.p = X.cols;
    b.scores_only = scores_only;
    if (b.m < 3 || b.p == 0) throw Error(ErrorKind::Internal, "null_basis: fewer than 3 samples or no features");
    OneEigenThread one;
    Eigen::MatrixXd A(X.rows, X.cols);
    for (size_t i = 0; i < X.rows; ++i)
        for (size_t j = 0; j < X.cols; ++j) A(Eigen::Index(i), Eigen::Index(j)) = X(i, j);
    const Eigen::RowVectorXd mean = A.colwise().mean();
    A.rowwise() -= mean;
    Eigen::BDCSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinV);
    b.r = std::min<size_t>(size_t(svd.singularValues().size()), b.m - 1);  // centred: at most m - 1 components
    b.center.assign(mean.data(), mean.data() + mean.size());
    b.sd.resize(b.r);
    for (size_t j = 0; j < b.r; ++j) b.sd[j] = svd.singularValues()(Eigen::Index(j)) / std::sqrt(double(b.m - 1));
    if (!scores_only) {
        b.V.resize(b.r * b.p);  // row j: component j's loadings over the features
        for (size_t j = 0; j < b.r; ++j)
            for (size_t c = 0; c < b.p; ++c) b.V[j * b.p + c] = svd.matrixV()(Eigen::Index(c), Eigen::Index(j));
    }
    return b;
}

Matrix null_reference(const NullBasis& b, uint64_t seed) {
    OneEigenThread one;
    const Eigen::Index m = Eigen::Index(b.m), r = Eigen::Index(b.r);
    // random orthonormal scores: a Gaussian m x r matrix, centred, orthonormalised (Householder QR)
    Eigen::MatrixXd G(m, r);
    Rng rng(seed);
    for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = 0; j < r; ++j) G(i, j) = rng.normal();
    G.rowwise() -= G.colwise().mean();
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(G);
    Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(m, r);
    const double scale = std::sqrt(double(b.m - 1));  // column j of Q S: sum of squares s_j^2 = sd_j^2 (m - 1)
    for (Eigen::Index j = 0; j < r; ++j) Q.col(j) *= b.sd[size_t(j)] * scale;
    const size_t width = b.scores_only ? b.r : b.p;
    Matrix Y(b.m, width);
    for (size_t i = 0; i < b.m; ++i) {
        double* y = &Y.data[i * width];
        if (b.scores_only) {
            for (size_t j = 0; j < b.r; ++j) y[j] = Q(Eigen::Index(i), Eigen::Index(j));
            continue;
        }
        std::copy(b.center.begin(), b.center.end(), y);
        for (size_t j = 0; j < b.r; ++j) {  // components in order
            const double zj = Q(Eigen::Index(i), Eigen::Index(j));
            const double* v = &b.V[j * b.p];
            for (size_t c = 0; c < b.p; ++c) y[c] += zj * v[c];
        }
    }
    return Y;
}

uint64_t ambiguous_pairs(const PairCounts& c, int k) {
    const auto& tog = c.together.at(size_t(k - c.k_min));
    uint64_t n = 0;
    for (size_t q = 0; q < c.sampled.size(); ++q) {
        if (!c.sampled[q]) continue;  // consensus 0
        const double v = double(tog[q]) / double(c.sampled[q]);
        n += v > 0.1 && v <= 0.9;
    }
    return n;
}

NullTest null_test(double real_pac, const std::vector<double>& ref) {
    NullTest t;
    t.real_pac = real_pac;
    const size_t B = ref.size();
    if (B == 0) return t;
    constexpr double kFloor = 1e-4;  // M3C: a PAC of 0 counts as 0.0001
    double sum = 0, below = 0;
    for (double r : ref) sum += r, below += r < real_pac;
    t.reference_mean = sum / double(B);
    t.p_monte_carlo = (below + 1) / double(B + 1);
    std::vector<double> d;
    const double lr = std::log(std::max(real_pac, kFloor));
    for (double r : ref) d.push_back(std::log(std::max(r, kFloor)) - lr);
    double dm = 0;
    for (double x : d) dm += x;
    dm /= double(B);
    t.rcsi = dm;
    double ss = 0, vv = 0;
    for (double x : d) ss += (x - dm) * (x - dm);
    for (double r : ref) vv += (r - t.reference_mean) * (r - t.reference_mean);
    t.rcsi_se = B > 1 ? std::sqrt(ss / double(B - 1)) / std::sqrt(double(B)) : std::nan("");
    // a beta distribution with the references' mean and variance (M3C's estBetaParams), its CDF at the real PAC
    const double mu = t.reference_mean, var = B > 1 ? vv / double(B - 1) : 0.0;
    const double a = ((1 - mu) / var - 1 / mu) * mu * mu, bb = a * (1 / mu - 1);
    if (var > 0 && mu > 0 && mu < 1 && a > 0 && bb > 0)
        t.p_value = real_pac <= 0 ? 0.0 : real_pac >= 1 ? 1.0 : boost::math::ibeta(a, bb, real_pac);
    else  // every reference the same PAC: no distribution to fit
        t.p_value = t.p_monte_carlo;
    return t;
}

}  // namespace precis

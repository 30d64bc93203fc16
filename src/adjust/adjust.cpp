// limma removeBatchEffect and sva ComBat (parametric), from their documented models: Smyth's limma user's guide and
// Johnson, Li and Rabinovic (2007), "Adjusting batch effects in microarray expression data using empirical Bayes
// methods". The choices where sva's implementation fixes details the paper leaves open (the pooled variance over n
// without missing values and over n - 1 with them, the convergence test, the reference batch as an intercept) are
// listed in docs/adjustment.md.
#include "adjust/adjust.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace precis {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTolerance = 1e-7;  // R's qr() tolerance
constexpr double kConverged = 1e-4;  // ComBat's it.sol conv
constexpr int kMaxIterations = 10000;

// Least squares of y on the columns of X: (X'X)^-1 X' y, or false when X'X is singular.
bool solve_normal(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Eigen::VectorXd& beta) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    qr.setThreshold(kTolerance);
    if (qr.rank() < X.cols()) return false;
    beta = qr.solve(y);
    return true;
}

std::vector<long> observed(const double* y, size_t n) {
    std::vector<long> obs;
    for (size_t i = 0; i < n; ++i)
        if (!std::isnan(y[i])) obs.push_back(long(i));
    return obs;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / double(v.size());
}

double var_of(const std::vector<double>& v) {  // R's var: over n - 1
    const double m = mean_of(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return s / double(v.size() - 1);
}
}  // namespace

Factor make_factor(const std::vector<std::string>& values) {
    Factor f;
    f.levels = values;
    std::sort(f.levels.begin(), f.levels.end());
    f.levels.erase(std::unique(f.levels.begin(), f.levels.end()), f.levels.end());
    for (const auto& v : values)
        f.code.push_back(int(std::lower_bound(f.levels.begin(), f.levels.end(), v) - f.levels.begin()));
    return f;
}

Eigen::MatrixXd sum_contrasts(const Factor& f) {
    const long L = long(f.levels.size());
    Eigen::MatrixXd C = Eigen::MatrixXd::Zero(long(f.code.size()), std::max(0L, L - 1));
    for (size_t i = 0; i < f.code.size(); ++i) {
        if (f.code[i] == L - 1)
            C.row(long(i)).setConstant(-1);
        else
            C(long(i), f.code[i]) = 1;
    }
    return C;
}

long design_rank(const Eigen::MatrixXd& X) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    qr.setThreshold(kTolerance);
    return qr.rank();
}

// ---- removeBatchEffect ----------------------------------------------------------------------------------------

LinearRemoval::LinearRemoval(Eigen::MatrixXd keep, Eigen::MatrixXd remove) : p_(keep.cols()) {
    X_.resize(keep.rows(), keep.cols() + remove.cols());
    X_ << keep, remove;
    if (design_rank(X_) < X_.cols())
        throw Error(ErrorKind::Internal, "LinearRemoval: the design is not of full rank (the caller checks)");
    const Eigen::MatrixXd P = (X_.transpose() * X_).ldlt().solve(X_.transpose());
    P_ = P.bottomRows(X_.cols() - p_);
}

Eigen::VectorXd LinearRemoval::coefficients(const double* y) const {
    const long n = X_.rows(), q = X_.cols() - p_;
    Eigen::VectorXd beta_r = Eigen::VectorXd::Zero(q);
    if (q == 0) return beta_r;
    const std::vector<long> obs = observed(y, size_t(n));
    if (obs.empty()) return beta_r;
    if (obs.size() == size_t(n)) {
        beta_r = P_ * Eigen::Map<const Eigen::VectorXd>(y, n);
    } else {
        // the observed samples' fit; a column the earlier ones determine is left out (lm.fit's aliased
        // coefficients, NA in limma and then 0)
        std::vector<long> cols;
        for (long c = 0; c < X_.cols(); ++c) {
            cols.push_back(c);
            Eigen::MatrixXd Xo(long(obs.size()), long(cols.size()));
            for (size_t r = 0; r < obs.size(); ++r)
                for (size_t k = 0; k < cols.size(); ++k) Xo(long(r), long(k)) = X_(obs[r], cols[k]);
            if (design_rank(Xo) < long(cols.size())) cols.pop_back();
        }
        Eigen::MatrixXd Xo(long(obs.size()), long(cols.size()));
        Eigen::VectorXd yo(long(obs.size()));
        for (size_t r = 0; r < obs.size(); ++r) {
            yo(long(r)) = y[obs[r]];
            for (size_t k = 0; k < cols.size(); ++k) Xo(long(r), long(k)) = X_(obs[r], cols[k]);
        }
        Eigen::VectorXd b;
        if (cols.empty() || !solve_normal(Xo, yo, b)) return beta_r;
        for (size_t k = 0; k < cols.size(); ++k)
            if (cols[k] >= p_) beta_r(cols[k] - p_) = b(long(k));
    }
    return beta_r;
}

void LinearRemoval::apply(double* y) const { subtract(coefficients(y), y); }

void LinearRemoval::subtract(const Eigen::VectorXd& beta_r, double* y) const {
    const long n = X_.rows(), q = X_.cols() - p_;
    if (q == 0) return;
    const Eigen::VectorXd effect = X_.rightCols(q) * beta_r;
    for (long i = 0; i < n; ++i)
        if (!std::isnan(y[i])) y[i] -= effect(i);
}

// ---- ComBat ---------------------------------------------------------------------------------------------------

Combat::Combat(Factor batch, Eigen::MatrixXd mod, int ref, bool mean_only)
    : batch_(std::move(batch)), ref_(ref), mean_only_(mean_only) {
    const long n = long(batch_.code.size()), B = long(batch_.levels.size());
    members_.assign(size_t(B), {});
    for (size_t i = 0; i < batch_.code.size(); ++i) members_[size_t(batch_.code[i])].push_back(i);
    design_ = Eigen::MatrixXd::Zero(n, B + mod.cols());
    for (long i = 0; i < n; ++i) {
        design_(i, batch_.code[size_t(i)]) = 1;
        if (ref_ >= 0) design_(i, ref_) = 1;  // sva: the reference batch's column is the intercept
    }
    design_.rightCols(mod.cols()) = mod;
    if (design_rank(design_) < design_.cols())
        throw Error(ErrorKind::Internal, "Combat: the design is not of full rank (the caller checks)");
    P_ = (design_.transpose() * design_).ldlt().solve(design_.transpose());
    const Eigen::MatrixXd Xb = design_.leftCols(B);
    Pb_ = (Xb.transpose() * Xb).ldlt().solve(Xb.transpose());
}

double Combat::grand_mean(const Feature& f) const {
    if (f.beta.size() == 0) return kNaN;
    if (ref_ >= 0) return f.beta(ref_);
    const long n = long(samples()), B = long(batches());
    double grand = 0;
    for (long b = 0; b < B; ++b) grand += double(members_[size_t(b)].size()) / double(n) * f.beta(b);
    return grand;
}

Eigen::VectorXd Combat::mod_coefficients(const Feature& f) const {
    const long B = long(batches()), m = design_.cols() - B;
    if (f.beta.size() == 0) return Eigen::VectorXd();
    return f.beta.tail(m);
}

double combat_adjust_value(double y, double grand, const double* mod_coefficients, const double* z, size_t m,
                           double sd, double gamma, double delta) {
    double sm = grand;
    for (size_t c = 0; c < m; ++c) sm += z[c] * mod_coefficients[c];
    const double s = (y - sm) / sd;
    return (s - gamma) / std::sqrt(delta) * sd + sm;
}

Eigen::VectorXd Combat::stand_mean(const Feature& f) const {
    const long n = long(samples()), B = long(batches());
    Eigen::VectorXd m = Eigen::VectorXd::Constant(n, grand_mean(f));
    if (design_.cols() > B) m += design_.rightCols(design_.cols() - B) * f.beta.tail(design_.cols() - B);
    return m;
}

Combat::Feature Combat::summarize(const double* y, bool any_missing) const {
    Feature f;
    const size_t n = samples(), B = batches();
    // sva leaves out features constant within a batch of two or more samples (var == 0)
    for (const auto& mem : members_) {
        bool constant = mem.size() > 1, missing = false;
        for (size_t i : mem) missing = missing || std::isnan(y[i]), constant = constant && y[i] == y[mem[0]];
        if (constant && !missing) return f;
    }
    const std::vector<long> obs = observed(y, n);
    const Eigen::Map<const Eigen::VectorXd> yv(y, long(n));
    auto fit_observed = [&](const Eigen::MatrixXd& X, const Eigen::VectorXd& v, Eigen::VectorXd& beta) {
        Eigen::MatrixXd Xo(long(obs.size()), X.cols());
        Eigen::VectorXd vo(long(obs.size()));
        for (size_t r = 0; r < obs.size(); ++r) Xo.row(long(r)) = X.row(obs[r]), vo(long(r)) = v(obs[r]);
        return solve_normal(Xo, vo, beta);
    };
    if (obs.size() == n)
        f.beta = P_ * yv;
    else if (!fit_observed(design_, yv, f.beta))
        return f;  // the observed samples cannot estimate the batch and covariate effects
    const Eigen::VectorXd sm = stand_mean(f);
    const Eigen::VectorXd fitted = design_ * f.beta;
    // the pooled variance: over the reference batch's samples, or all; without any missing value in the matrix over
    // n, otherwise R's var over the observed residuals (n - 1)
    std::vector<double> resid;
    for (size_t i = 0; i < n; ++i)
        if ((ref_ < 0 || batch_.code[i] == ref_) && !std::isnan(y[i])) resid.push_back(y[i] - fitted(long(i)));
    if (resid.size() < 2) return f;
    double var = 0;
    if (!any_missing) {
        for (double r : resid) var += r * r;
        var /= double(resid.size());
    } else {
        var = var_of(resid);
    }
    if (!(var > 0)) return f;
    f.sd = std::sqrt(var);
    Eigen::VectorXd s(static_cast<Eigen::Index>(n));
    for (size_t i = 0; i < n; ++i) s(long(i)) = (y[i] - sm(long(i))) / f.sd;
    Eigen::VectorXd g;
    if (obs.size() == n)
        g = Pb_ * s;
    else if (!fit_observed(design_.leftCols(long(B)), s, g))
        return f;
    f.gamma_hat.assign(g.data(), g.data() + B);
    for (size_t b = 0; b < B; ++b) {
        std::vector<double> v;
        for (size_t i : members_[b])
            if (!std::isnan(s(long(i)))) v.push_back(s(long(i)));
        if (v.size() < 2) return Feature{};  // no variance in a batch: ComBat's var() would be NA
        const double m = mean_of(v);
        double ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        f.n.push_back(double(v.size()));
        f.mean.push_back(m);
        f.ss.push_back(ss);
        f.delta_hat.push_back(mean_only_ ? 1.0 : ss / double(v.size() - 1));
    }
    f.adjusted = true;
    return f;
}

void Combat::posterior(std::vector<Feature>& all) const {
    const size_t B = batches();
    std::vector<size_t> used;
    for (size_t j = 0; j < all.size(); ++j)
        if (all[j].adjusted) used.push_back(j), all[j].gamma_star.assign(B, 0), all[j].delta_star.assign(B, 1);
    if (used.size() < 2)
        throw Error(ErrorKind::DegenerateData,
                    "ComBat needs at least two features it can adjust; " + std::to_string(used.size()) + " remain",
                    "use clustering.adjust.method: linear, or check the features' missing values");
    for (size_t b = 0; b < B; ++b) {
        if (int(b) == ref_) continue;  // the reference batch stays as it is
        std::vector<double> gh, dh;
        for (size_t j : used) gh.push_back(all[j].gamma_hat[b]), dh.push_back(all[j].delta_hat[b]);
        const double g_bar = mean_of(gh), t2 = var_of(gh);
        const double dm = mean_of(dh), ds2 = var_of(dh);
        const double a = (2 * ds2 + dm * dm) / ds2, bp = (dm * ds2 + dm * dm * dm) / ds2;
        if (mean_only_) {
            for (size_t j : used) all[j].gamma_star[b] = (t2 * all[j].gamma_hat[b] + g_bar) / (t2 + 1);
            continue;
        }
        std::vector<double> g_old = gh, d_old = dh, g_new(used.size()), d_new(used.size());
        for (int it = 0;; ++it) {
            if (it == kMaxIterations)
                throw Error(ErrorKind::DegenerateData,
                            "ComBat's empirical Bayes estimates of batch '" + batch_.levels[b] + "' did not converge "
                            "in " + std::to_string(kMaxIterations) + " iterations",
                            "use clustering.adjust.mean_only: true or method: linear");
            double change = -std::numeric_limits<double>::infinity();
            for (size_t u = 0; u < used.size(); ++u) {
                const Feature& f = all[used[u]];
                const double n = f.n[b];
                g_new[u] = (t2 * n * f.gamma_hat[b] + d_old[u] * g_bar) / (t2 * n + d_old[u]);
                const double sum2 = f.ss[b] + n * (f.mean[b] - g_new[u]) * (f.mean[b] - g_new[u]);
                d_new[u] = (0.5 * sum2 + bp) / (n / 2 + a - 1);
                // as it.sol: max(abs(new - old) / old), the sign of old kept
                change = std::max({change, std::abs(g_new[u] - g_old[u]) / g_old[u],
                                   std::abs(d_new[u] - d_old[u]) / d_old[u]});
            }
            if (std::isnan(change))
                throw Error(ErrorKind::DegenerateData,
                            "ComBat's empirical Bayes estimates of batch '" + batch_.levels[b] + "' are not defined "
                            "(a feature without batch effect or variance)",
                            "use clustering.adjust.mean_only: true or method: linear");
            g_old = g_new;
            d_old = d_new;
            if (!(change > kConverged)) break;
        }
        for (size_t u = 0; u < used.size(); ++u) all[used[u]].gamma_star[b] = g_new[u], all[used[u]].delta_star[b] = d_new[u];
    }
}

void Combat::apply(const Feature& f, double* y) const {
    if (!f.adjusted) return;
    const Eigen::VectorXd sm = stand_mean(f);
    for (size_t i = 0; i < samples(); ++i) {
        const int b = batch_.code[i];
        if (b == ref_ || std::isnan(y[i])) continue;
        const double s = (y[i] - sm(long(i))) / f.sd;
        y[i] = (s - f.gamma_star[size_t(b)]) / std::sqrt(f.delta_star[size_t(b)]) * f.sd + sm(long(i));
    }
}

size_t Combat::flat_size() const { return 1 + 5 * batches(); }

void Combat::flatten(const Feature& f, std::vector<double>& out) const {
    out.push_back(f.adjusted ? 1 : 0);
    for (const auto* v : {&f.n, &f.mean, &f.ss, &f.gamma_hat, &f.delta_hat})
        for (size_t b = 0; b < batches(); ++b) out.push_back(f.adjusted ? (*v)[b] : kNaN);
}

Combat::Feature Combat::unflatten(const double* in) const {
    Feature f;
    f.adjusted = in[0] != 0;
    if (!f.adjusted) return f;
    size_t at = 1;
    for (auto* v : {&f.n, &f.mean, &f.ss, &f.gamma_hat, &f.delta_hat}) v->assign(in + at, in + at + batches()), at += batches();
    return f;
}

}  // namespace precis

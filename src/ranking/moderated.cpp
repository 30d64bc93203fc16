// limma's linear-model statistics: per-feature least squares, the scaled-F prior of the variances (fitFDist, with
// the trend in the mean), and moderated t and F (eBayes). Formulas from Smyth (2004) and limma's documentation.
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/stats.hpp"
#include "ranking/ranking.hpp"

namespace precis {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A basis of the natural cubic splines with the given knots (boundary knots first and last): 1, x, and the
// truncated-power differences of Hastie, Tibshirani and Friedman (ESL 5.2.1). It spans the same space as R's
// splines::ns(intercept = TRUE) with these knots, so least-squares fitted values are the same.
Eigen::RowVectorXd natural_spline_row(double x, const std::vector<double>& knots) {
    const size_t K = knots.size();
    Eigen::RowVectorXd row(static_cast<Eigen::Index>(K));
    row(0) = 1;
    row(1) = x;
    auto d = [&](size_t k) {
        auto cube = [](double v) { return v > 0 ? v * v * v : 0.0; };
        return (cube(x - knots[k]) - cube(x - knots[K - 1])) / (knots[K - 1] - knots[k]);
    };
    for (size_t k = 0; k + 2 < K; ++k) row(long(k + 2)) = d(k) - d(K - 2);
    return row;
}
}  // namespace

Design make_design(const std::vector<int>& group, size_t n_levels, const std::vector<std::vector<double>>& covariates) {
    Design d;
    for (size_t i = 0; i < group.size(); ++i) {
        if (group[i] < 0) continue;
        bool ok = true;
        for (auto& c : covariates) ok = ok && !std::isnan(c[i]);
        if (ok) d.rows.push_back(i);
    }
    const size_t n = d.rows.size(), nc = covariates.size();
    const bool two = n_levels == 2;
    const size_t ng = two ? 2 : n_levels;  // two groups: intercept + indicator; else one indicator per group
    d.X = Eigen::MatrixXd::Zero(long(n), long(ng + nc));
    for (size_t r = 0; r < n; ++r) {
        const size_t i = d.rows[r];
        if (two) {
            d.X(long(r), 0) = 1;
            d.X(long(r), 1) = group[i] == 1 ? 1 : 0;
        } else {
            d.X(long(r), group[i]) = 1;
        }
        for (size_t c = 0; c < nc; ++c) d.X(long(r), long(ng + c)) = covariates[c][i];
    }
    const long p = d.X.cols();
    if (two) {
        d.C = Eigen::MatrixXd::Zero(p, 1);
        d.C(1, 0) = 1;
    } else {
        d.C = Eigen::MatrixXd::Zero(p, long(n_levels));
        d.L = Eigen::MatrixXd::Zero(long(n_levels) - 1, p);
        for (size_t l = 0; l < n_levels; ++l) {
            for (size_t j = 0; j < n_levels; ++j) d.C(long(j), long(l)) = j == l ? 1.0 : -1.0 / double(n_levels - 1);
            if (l > 0) d.L(long(l) - 1, long(l)) = 1, d.L(long(l) - 1, 0) = -1;
        }
    }
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(d.X);
    if (qr.rank() < p)
        throw Error(ErrorKind::DegenerateData, "the ranking design (groups and covariates) is not of full rank",
                    "drop a covariate that a group or another covariate determines");
    d.V = (d.X.transpose() * d.X).inverse();
    d.P = d.V * d.X.transpose();
    return d;
}

LinearFit fit_linear(const double* values, size_t stride, const Design& d) {
    LinearFit f;
    const size_t n = d.rows.size();
    const long p = d.X.cols();
    Eigen::VectorXd y(static_cast<Eigen::Index>(n));
    std::vector<long> obs;
    for (size_t r = 0; r < n; ++r) {
        y(long(r)) = values[d.rows[r] * stride];
        if (!std::isnan(y(long(r)))) obs.push_back(long(r));
    }
    if (obs.empty()) return f;
    f.amean = 0;
    for (long r : obs) f.amean += y(r);
    f.amean /= double(obs.size());
    Eigen::VectorXd beta;
    Eigen::MatrixXd V;
    double rss = 0;
    if (obs.size() == n) {
        beta = d.P * y;
        V = d.V;
        rss = (y - d.X * beta).squaredNorm();
    } else {
        Eigen::MatrixXd Xo(long(obs.size()), p);
        Eigen::VectorXd yo(long(obs.size()));
        for (size_t r = 0; r < obs.size(); ++r) Xo.row(long(r)) = d.X.row(obs[r]), yo(long(r)) = y(obs[r]);
        Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(Xo);
        if (qr.rank() < p) return f;  // a coefficient not estimable from the observed samples
        beta = qr.solve(yo);
        V = (Xo.transpose() * Xo).inverse();
        rss = (yo - Xo * beta).squaredNorm();
    }
    f.df = double(obs.size()) - double(p);
    f.s2 = f.df > 0 ? rss / f.df : kNaN;
    for (long c = 0; c < d.C.cols(); ++c) {
        f.coef.push_back(d.C.col(c).dot(beta));
        f.stdev_unscaled.push_back(std::sqrt(d.C.col(c).dot(V * d.C.col(c))));
    }
    if (d.L.rows() > 0) {
        const Eigen::VectorXd w = d.L * beta;
        const Eigen::MatrixXd M = d.L * V * d.L.transpose();
        f.wald = w.dot(M.ldlt().solve(w));
    }
    return f;
}

double trigamma_inverse(double x) {
    if (std::isnan(x) || x < 0) return kNaN;
    if (x > 1e7) return 1 / std::sqrt(x);
    if (x < 1e-6) return 1 / x;
    double y = 0.5 + 1 / x;
    for (int iter = 0; iter < 50; ++iter) {
        const double tri = boost::math::trigamma(y);
        const double dif = tri * (1 - tri / x) / boost::math::polygamma(2, y);
        y += dif;
        if (-dif / y < 1e-8) break;
    }
    return y;
}

VariancePrior fit_f_dist(const std::vector<double>& s2_in, const std::vector<double>& df1_in,
                         const std::vector<double>* covariate) {
    VariancePrior out;
    const size_t n = s2_in.size();
    std::vector<size_t> ok;
    for (size_t i = 0; i < n; ++i)
        if (std::isfinite(df1_in[i]) && df1_in[i] > 1e-15 && std::isfinite(s2_in[i]) && s2_in[i] > -1e-15)
            ok.push_back(i);
    const size_t nok = ok.size();
    if (nok == 0) {
        out.s2_prior.assign(1, kNaN);
        out.df_prior = kNaN;
        return out;
    }
    if (nok == 1) {
        out.s2_prior.assign(1, s2_in[ok[0]]);
        return out;
    }
    std::vector<double> x, df1, cov;
    for (size_t i : ok) {
        x.push_back(std::max(s2_in[i], 0.0));
        df1.push_back(df1_in[i]);
        if (covariate) cov.push_back((*covariate)[i]);
    }
    size_t splinedf = 1;
    if (covariate) {
        splinedf = 1 + (nok >= 3) + (nok >= 6) + (nok >= 30);
        std::vector<double> u(cov);
        std::sort(u.begin(), u.end());
        splinedf = std::min<size_t>(splinedf, size_t(std::unique(u.begin(), u.end()) - u.begin()));
        if (splinedf < 2) {
            VariancePrior flat = fit_f_dist(s2_in, df1_in, nullptr);
            flat.s2_prior.assign(n, flat.s2_prior[0]);
            return flat;
        }
    }
    double m = median_of(x);
    if (m == 0) m = 1;
    std::vector<double> e(nok);
    double mean_trigamma = 0;
    for (size_t i = 0; i < nok; ++i) {
        x[i] = std::max(x[i], 1e-5 * m);
        const double z = std::log(x[i]);
        e[i] = z - boost::math::digamma(df1[i] / 2) + std::log(df1[i] / 2);
        mean_trigamma += boost::math::trigamma(df1[i] / 2);
    }
    mean_trigamma /= double(nok);
    std::vector<double> emean;  // per ok feature, or one value
    double evar;
    Eigen::VectorXd spline_coef;
    std::vector<double> knots;
    if (!covariate) {
        double s = 0;
        for (double v : e) s += v;
        emean.assign(1, s / double(nok));
        double ss = 0;
        for (double v : e) ss += (v - emean[0]) * (v - emean[0]);
        evar = ss / double(nok - 1);
    } else {
        // knots as splines::ns(df = splinedf, intercept = TRUE): the range, and splinedf - 2 interior quantiles
        const double lo = *std::min_element(cov.begin(), cov.end()), hi = *std::max_element(cov.begin(), cov.end());
        knots.push_back(lo);
        for (size_t k = 1; k + 1 < splinedf; ++k) knots.push_back(quantile_type7(cov, double(k) / double(splinedf - 1)));
        knots.push_back(hi);
        Eigen::MatrixXd B(static_cast<Eigen::Index>(nok), static_cast<Eigen::Index>(splinedf));
        for (size_t i = 0; i < nok; ++i) B.row(long(i)) = natural_spline_row(cov[i], knots);
        Eigen::VectorXd ev = Eigen::Map<Eigen::VectorXd>(e.data(), long(nok));
        Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(B);
        spline_coef = qr.solve(ev);
        const Eigen::VectorXd fitted = B * spline_coef;
        emean.assign(fitted.data(), fitted.data() + nok);
        evar = (ev - fitted).squaredNorm() / double(nok - size_t(qr.rank()));
    }
    evar -= mean_trigamma;
    std::vector<double> prior_ok(emean.size());
    if (evar > 0) {
        out.df_prior = 2 * trigamma_inverse(evar);
        for (size_t i = 0; i < emean.size(); ++i)
            prior_ok[i] = std::exp(emean[i] + boost::math::digamma(out.df_prior / 2) - std::log(out.df_prior / 2));
    } else {
        out.df_prior = kInf;
        if (!covariate) {
            double s = 0;
            for (double v : x) s += v;
            prior_ok[0] = s / double(nok);
        } else {
            for (size_t i = 0; i < emean.size(); ++i) prior_ok[i] = std::exp(emean[i]);
        }
    }
    if (!covariate) {
        out.s2_prior = prior_ok;
        return out;
    }
    // every feature gets the trend's value at its covariate, those left out of the fit too
    out.s2_prior.assign(n, kNaN);
    const double shift = std::isfinite(out.df_prior)
                             ? boost::math::digamma(out.df_prior / 2) - std::log(out.df_prior / 2)
                             : 0.0;
    for (size_t i = 0; i < n; ++i) {
        if (std::isnan((*covariate)[i])) continue;
        const double em = natural_spline_row((*covariate)[i], knots).dot(spline_coef);
        out.s2_prior[i] = std::exp(em + shift);
    }
    for (size_t j = 0; j < nok; ++j) out.s2_prior[ok[j]] = prior_ok[j];
    return out;
}

std::vector<TestResult> moderated_tests(const LinearFit& f, double s2_prior, double df_prior, double df_pooled,
                                        const Design& d) {
    const size_t nc = size_t(d.C.cols());
    std::vector<TestResult> out(nc + (d.L.rows() > 0 ? 1 : 0));
    for (auto& r : out) r.statistic = r.p = r.df = r.effect = kNaN;
    if (f.coef.empty()) return out;
    const double df = f.df > 0 && std::isfinite(f.s2) ? f.df : 0;
    const double s2 = df > 0 ? f.s2 : 0;
    const double s2_post = std::isfinite(df_prior) ? (df * s2 + df_prior * s2_prior) / (df + df_prior) : s2_prior;
    const double df_total = std::min(df + df_prior, df_pooled);
    for (size_t c = 0; c < nc; ++c) {
        TestResult& r = out[c];
        r.effect = f.coef[c];
        r.df = df_total;
        r.statistic = f.coef[c] / f.stdev_unscaled[c] / std::sqrt(s2_post);
        if (std::isfinite(r.statistic)) {
            boost::math::students_t t(df_total);
            r.p = 2 * boost::math::cdf(boost::math::complement(t, std::fabs(r.statistic)));
            // limma's topTable(confint = TRUE)
            const double half = boost::math::quantile(boost::math::complement(t, 0.025)) * f.stdev_unscaled[c] *
                                std::sqrt(s2_post);
            r.ci_low = r.effect - half;
            r.ci_high = r.effect + half;
        }
    }
    if (d.L.rows() > 0) {
        TestResult& r = out.back();
        const double rr = double(d.L.rows());
        const double df2 = df + df_prior;  // limma's F uses df.prior + df.residual, uncapped
        r.df = df2;
        r.statistic = f.wald / (rr * s2_post);
        if (std::isfinite(r.statistic)) {
            if (std::isinf(df2)) {
                boost::math::chi_squared chi(rr);
                r.p = boost::math::cdf(boost::math::complement(chi, rr * r.statistic));
            } else {
                boost::math::fisher_f F(rr, df2);
                r.p = boost::math::cdf(boost::math::complement(F, r.statistic));
            }
        }
    }
    return out;
}

}  // namespace precis

// limma's robust empirical Bayes prior (Phipson, Lee, Majewski, Alexander and Smyth 2016, Ann. Appl. Stat.):
// fitFDistRobustly without a covariate.
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/stats.hpp"
#include "ranking/ranking.hpp"

namespace precis {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// Gauss-Legendre nodes and weights of n points on [0, 1] (weights summing to 1), by Newton's method on the
// Legendre polynomial
void gauss_uniform(int n, std::vector<double>& nodes, std::vector<double>& weights) {
    nodes.assign(size_t(n), 0);
    weights.assign(size_t(n), 0);
    for (int i = 0; i < (n + 1) / 2; ++i) {
        double x = std::cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 0;
        for (int it = 0; it < 100; ++it) {
            double p0 = 1, p1 = x;
            for (int k = 2; k <= n; ++k) {
                const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
                p0 = p1, p1 = p2;
            }
            dp = n * (x * p1 - p0) / (x * x - 1);
            const double dx = p1 / dp;
            x -= dx;
            if (std::fabs(dx) < 1e-16) break;
        }
        const double w = 2 / ((1 - x * x) * dp * dp);
        nodes[size_t(i)] = (1 - x) / 2, weights[size_t(i)] = w / 2;
        nodes[size_t(n - 1 - i)] = (1 + x) / 2, weights[size_t(n - 1 - i)] = w / 2;
    }
}

// F(df1, df2) quantile, density and log upper tail, df2 = infinity meaning chi-square(df1) / df1
double qf(double p, double df1, double df2) {
    if (std::isinf(df2)) return boost::math::quantile(boost::math::chi_squared(df1), p) / df1;
    return boost::math::quantile(boost::math::fisher_f(df1, df2), p);
}
double df_density(double x, double df1, double df2) {
    if (std::isinf(df2)) return df1 * boost::math::pdf(boost::math::chi_squared(df1), df1 * x);
    return boost::math::pdf(boost::math::fisher_f(df1, df2), x);
}
double log_upper(double x, double df1, double df2) {
    if (std::isinf(df2))
        return std::log(boost::math::cdf(boost::math::complement(boost::math::chi_squared(df1), df1 * x)));
    return std::log(boost::math::cdf(boost::math::complement(boost::math::fisher_f(df1, df2), x)));
}

// R's approx(x, y, xout = at, rule = 2, ties = mean): linear interpolation, constant beyond the ends
double approx_rule2(const std::vector<double>& x, const std::vector<double>& y, double at) {
    std::vector<size_t> o(x.size());
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> ux, uy;
    for (size_t k = 0; k < o.size();) {
        size_t e = k;
        double s = 0;
        while (e < o.size() && x[o[e]] == x[o[k]]) s += y[o[e]], ++e;
        ux.push_back(x[o[k]]), uy.push_back(s / double(e - k));
        k = e;
    }
    if (at <= ux.front()) return uy.front();
    if (at >= ux.back()) return uy.back();
    const size_t j = size_t(std::upper_bound(ux.begin(), ux.end(), at) - ux.begin());
    const double t = (at - ux[j - 1]) / (ux[j] - ux[j - 1]);
    return uy[j - 1] + t * (uy[j] - uy[j - 1]);
}

struct Moments {
    double mean, var;
};
}  // namespace

VariancePrior fit_f_dist_robust(const std::vector<double>& s2_in, const std::vector<double>& df1_in,
                                const std::vector<double>* covariate) {
    const size_t n_all = s2_in.size();
    std::vector<size_t> ok;
    for (size_t i = 0; i < n_all; ++i)
        if (!std::isnan(s2_in[i]) && std::isfinite(df1_in[i]) && df1_in[i] > 1e-6) ok.push_back(i);
    if (ok.size() < n_all) {  // fit the features that can be, give the rest the overall prior df
        std::vector<double> x, d, c;
        for (size_t i : ok) {
            x.push_back(s2_in[i]), d.push_back(df1_in[i]);
            if (covariate) c.push_back((*covariate)[i]);
        }
        VariancePrior fit = fit_f_dist_robust(x, d, covariate ? &c : nullptr);
        VariancePrior out = fit;
        out.df_prior_each.assign(n_all, fit.df_prior);
        for (size_t j = 0; j < ok.size(); ++j) out.df_prior_each[ok[j]] = fit.df_prior_each[j];
        if (covariate) {  // the others' prior variance: the trend interpolated at their covariate (R's approx)
            std::vector<double> logs;
            for (double v : fit.s2_prior) logs.push_back(std::log(v));
            out.s2_prior.assign(n_all, NAN);
            for (size_t j = 0; j < ok.size(); ++j) out.s2_prior[ok[j]] = fit.s2_prior[j];
            for (size_t i = 0; i < n_all; ++i)
                if (std::isnan(out.s2_prior[i])) out.s2_prior[i] = std::exp(approx_rule2(c, logs, (*covariate)[i]));
        }
        return out;
    }
    const size_t n = n_all;
    std::vector<double> x(s2_in), df1v(df1_in);
    const double m = median_of(x);
    for (double& v : x) v = std::max(v, m * 1e-12);
    VariancePrior nonrobust = fit_f_dist(x, df1v, covariate);
    auto prior_at = [](const VariancePrior& v, size_t i) {
        return v.s2_prior.size() == 1 ? v.s2_prior[0] : v.s2_prior[i];
    };
    const double tail_lo = 0.05, tail_hi = 0.1;
    auto shrunk_all = [&](VariancePrior v) {
        v.df_prior_each.assign(n, v.df_prior);
        return v;
    };
    if (tail_lo < 1.0 / double(n) && tail_hi < 1.0 / double(n)) return shrunk_all(nonrobust);
    // features with fewer residual df: their variance moved to the same tail probability at the largest df
    double df1 = *std::max_element(df1v.begin(), df1v.end());
    {
        const double df2 = nonrobust.df_prior;
        for (size_t i = 0; i < n; ++i) {
            if (!(df1v[i] < df1 - 1e-14)) continue;
            const double s = prior_at(nonrobust, i);
            const double f = x[i] / s;
            double g;
            if (std::isinf(df2)) {
                boost::math::chi_squared a(df1v[i]), b(df1);
                const double up = boost::math::cdf(boost::math::complement(a, df1v[i] * f));
                const double lo = boost::math::cdf(a, df1v[i] * f);
                g = up < lo ? boost::math::quantile(boost::math::complement(b, up)) : boost::math::quantile(b, lo);
                g /= df1;
            } else {
                boost::math::fisher_f a(df1v[i], df2), b(df1, df2);
                const double up = boost::math::cdf(boost::math::complement(a, f)), lo = boost::math::cdf(a, f);
                g = up < lo ? boost::math::quantile(boost::math::complement(b, up)) : boost::math::quantile(b, lo);
            }
            x[i] = g * s;
        }
    }
    std::vector<double> z(n);
    for (size_t i = 0; i < n; ++i) z[i] = std::log(x[i]);
    // the trend of z: mean(z, trim = 0.1), or with a covariate limma's loessFit (lowess, span 0.4, 3 iterations)
    std::vector<double> ztrend(n);
    if (covariate) {
        ztrend = lowess(*covariate, z, 0.4, 3);
    } else {
        std::vector<double> zs(z);
        std::sort(zs.begin(), zs.end());
        const size_t lo = size_t(std::floor(double(n) * tail_hi));
        double s = 0;
        for (size_t i = lo; i < n - lo; ++i) s += zs[i];
        ztrend.assign(n, s / double(n - 2 * lo));
    }
    std::vector<double> zresid(n);
    for (size_t i = 0; i < n; ++i) zresid[i] = z[i] - ztrend[i];
    const double q1 = quantile_type7(zresid, tail_lo), q2 = quantile_type7(zresid, 1 - tail_hi);
    double zwmean = 0;
    std::vector<double> zw(n);
    for (size_t i = 0; i < n; ++i) zw[i] = std::min(std::max(zresid[i], q1), q2), zwmean += zw[i];
    zwmean /= double(n);
    double zwvar = 0;
    for (double v : zw) zwvar += (v - zwmean) * (v - zwmean);
    zwvar = zwvar / double(n) * double(n) / double(n - 1);

    std::vector<double> gn, gw;
    gauss_uniform(128, gn, gw);
    auto moments = [&](double d2) {  // mean and variance of the Winsorized log F(df1, d2)
        const double f1 = qf(tail_lo, df1, d2), f2 = qf(1 - tail_hi, df1, d2);
        const double zq1 = std::log(f1), zq2 = std::log(f2);
        const double a = f1 / (1 + f1), b = f2 / (1 + f2), q21 = b - a;
        double mm = 0, vv = 0;
        std::vector<double> fz(gn.size()), zn(gn.size());
        for (size_t k = 0; k < gn.size(); ++k) {
            const double node = a + q21 * gn[k], fnode = node / (1 - node);
            zn[k] = std::log(fnode);
            fz[k] = df_density(fnode, df1, d2) / ((1 - node) * (1 - node));
            mm += gw[k] * fz[k] * zn[k];
        }
        mm = q21 * mm + zq1 * tail_lo + zq2 * tail_hi;
        for (size_t k = 0; k < gn.size(); ++k) vv += gw[k] * fz[k] * (zn[k] - mm) * (zn[k] - mm);
        vv = q21 * vv + (zq1 - mm) * (zq1 - mm) * tail_lo + (zq2 - mm) * (zq2 - mm) * tail_hi;
        return Moments{mm, vv};
    };
    VariancePrior out;
    const Moments inf_m = moments(kInf);
    const double funval_inf = std::log(zwvar / inf_m.var);
    if (funval_inf <= 0) {
        out.df_prior = kInf;
        out.s2_prior.resize(covariate ? n : 1);
        std::vector<double> fstat(n), tail(n);
        for (size_t i = 0; i < n; ++i) {
            const double corrected = ztrend[i] + zwmean - inf_m.mean;
            if (i < out.s2_prior.size()) out.s2_prior[i] = std::exp(corrected);
            fstat[i] = std::exp(z[i] - corrected);
            tail[i] = boost::math::cdf(boost::math::complement(boost::math::chi_squared(df1), fstat[i] * df1));
        }
        const std::vector<double> r = average_ranks(fstat);
        const double pooled = double(n) * df1;
        out.df_prior_each.assign(n, kInf);
        for (size_t i = 0; i < n; ++i) {
            const double not_outlier = std::min(tail[i] / ((double(n) - r[i] + 0.5) / double(n)), 1.0);
            if (not_outlier < 1) out.df_prior_each[i] = not_outlier * pooled;
        }
        std::vector<size_t> o(n);
        std::iota(o.begin(), o.end(), 0);
        std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return tail[a] < tail[b]; });
        double run = -kInf;
        for (size_t i : o) run = std::max(run, out.df_prior_each[i]), out.df_prior_each[i] = run;
        return out;
    }
    if (std::isinf(nonrobust.df_prior)) return shrunk_all(nonrobust);
    auto link = [](double v) { return v / (1 + v); };
    auto linkinv = [](double v) { return v / (1 - v); };
    auto fun = [&](double u) { return u >= 1 ? funval_inf : std::log(zwvar / moments(linkinv(u)).var); };
    const double rbx = link(nonrobust.df_prior);
    const double funval_low = fun(rbx);
    double df2 = nonrobust.df_prior;
    if (funval_low < 0) {
        boost::uintmax_t iters = 200;
        auto root = boost::math::tools::toms748_solve(fun, rbx, 1.0, funval_low, funval_inf,
                                                      boost::math::tools::eps_tolerance<double>(50), iters);
        df2 = linkinv((root.first + root.second) / 2);
    }
    const Moments mo = moments(df2);
    out.s2_prior.resize(covariate ? n : 1);
    out.df_prior = df2;
    std::vector<double> fstat(n), log_tail(n), log_not(n);
    for (size_t i = 0; i < n; ++i) {
        const double corrected = ztrend[i] + zwmean - mo.mean;
        if (i < out.s2_prior.size()) out.s2_prior[i] = std::exp(corrected);
        fstat[i] = std::exp(z[i] - corrected);
        log_tail[i] = log_upper(fstat[i], df1, df2);
    }
    const std::vector<double> r = average_ranks(fstat);
    bool any_outlier = false;
    for (size_t i = 0; i < n; ++i) {
        log_not[i] = std::min(log_tail[i] - (std::log(double(n) - r[i] + 0.5) - std::log(double(n))), 0.0);
        any_outlier = any_outlier || log_not[i] < 0;
    }
    out.df_prior_each.assign(n, df2);
    if (!any_outlier) return out;
    const double min_log_tail = *std::min_element(log_tail.begin(), log_tail.end());
    std::vector<double> shrunk(n);
    if (std::isinf(min_log_tail)) {
        for (size_t i = 0; i < n; ++i) shrunk[i] = std::exp(log_not[i]) * df2;
    } else {
        double df2_out = std::log(0.5) / min_log_tail * df2;
        const double fmax = *std::max_element(fstat.begin(), fstat.end());
        df2_out = std::log(0.5) / log_upper(fmax, df1, df2_out) * df2_out;
        for (size_t i = 0; i < n; ++i)
            shrunk[i] = std::exp(log_not[i]) * df2 + (-std::expm1(log_not[i])) * df2_out;
    }
    std::vector<size_t> o(n);
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return log_tail[a] < log_tail[b]; });
    std::vector<double> ordered(n);
    for (size_t i = 0; i < n; ++i) ordered[i] = shrunk[o[i]];
    double cum = 0, best = kInf;
    size_t imin = 0;
    for (size_t i = 0; i < n; ++i) {
        cum += ordered[i];
        const double mean = cum / double(i + 1);
        if (mean < best) best = mean, imin = i;
    }
    for (size_t i = 0; i <= imin; ++i) ordered[i] = best;
    double run = -kInf;
    for (size_t i = 0; i < n; ++i) run = std::max(run, ordered[i]), out.df_prior_each[o[i]] = run;
    return out;
}

}  // namespace precis

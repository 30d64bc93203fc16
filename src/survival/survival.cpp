#include "survival/survival.hpp"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "core/error.hpp"

namespace precis {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

std::vector<size_t> by_time(const SurvTimes& s) {
    std::vector<size_t> o(s.size());
    std::iota(o.begin(), o.end(), size_t(0));
    if (std::is_sorted(s.time.begin(), s.time.end())) return o;  // (the stable sort's answer, in one pass)
    std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return s.time[a] < s.time[b]; });
    return o;
}

namespace {

// `order` split by stratum (0, 1, ...; all in 0 when there are none), each stratum's subjects in their order there;
// first[st] is where stratum st begins (and first.back() the end)
std::vector<size_t> split_by_stratum(std::vector<size_t> order, const std::vector<int>& strata,
                                     std::vector<size_t>& first) {
    size_t n_strata = 1;
    for (int st : strata) n_strata = std::max(n_strata, size_t(st) + 1);
    first.assign(n_strata + 1, 0);
    if (strata.empty()) {
        first[1] = order.size();
        return order;
    }
    for (size_t i : order) ++first[size_t(strata[i]) + 1];
    for (size_t st = 0; st < n_strata; ++st) first[st + 1] += first[st];
    std::vector<size_t> out(order.size()), next(first.begin(), first.end() - 1);
    for (size_t i : order) out[next[size_t(strata[i])]++] = i;
    return out;
}

void check_times(const SurvTimes& s) {
    if (s.event.size() != s.time.size()) throw Error(ErrorKind::Internal, "survival: times and events differ in length");
    for (size_t i = 0; i < s.size(); ++i)
        if (!std::isfinite(s.time[i]) || (s.event[i] != 0 && s.event[i] != 1))
            throw Error(ErrorKind::Internal, "survival: a time that is not finite or an event that is not 0/1");
}
}  // namespace

double chisq_upper(double statistic, double df) {
    if (!(df > 0) || std::isnan(statistic)) return NaN;
    if (statistic <= 0) return 1.0;
    if (std::isinf(statistic)) return 0.0;
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), statistic));
}

KmCurve kaplan_meier(const SurvTimes& s, double conf_level) {
    check_times(s);
    KmCurve c;
    const std::vector<size_t> o = by_time(s);
    const double z = boost::math::quantile(boost::math::normal(), 1 - (1 - conf_level) / 2);
    const long n = long(s.size());
    double km = 1, v = 0;
    for (size_t i = 0; i < o.size();) {
        const double t = s.time[o[i]];
        long d = 0, cens = 0;
        size_t j = i;
        for (; j < o.size() && s.time[o[j]] == t; ++j) (s.event[o[j]] ? d : cens) += 1;
        const long at_risk = n - long(i);
        if (d > 0) {
            km *= double(at_risk - d) / double(at_risk);
            v += double(d) / (double(at_risk) * double(at_risk - d));  // infinite when all at risk die
        }
        const double se = std::sqrt(v);
        c.time.push_back(t);
        c.n_risk.push_back(at_risk);
        c.n_event.push_back(d);
        c.n_censor.push_back(cens);
        c.surv.push_back(km);
        c.std_err.push_back(se);
        if (se == 0) {
            c.lower.push_back(km), c.upper.push_back(km);
        } else if (km == 0) {
            c.lower.push_back(NaN), c.upper.push_back(NaN);
        } else {
            c.lower.push_back(std::exp(std::log(km) - z * se));
            c.upper.push_back(std::min(std::exp(std::log(km) + z * se), 1.0));
        }
        c.events += d;
        i = j;
    }
    c.n = n;
    return c;
}

namespace {
// the first time the curve y is at or below 0.5 (to sqrt(eps)); exactly 0.5 until a later drop: the middle
double first_half(const std::vector<double>& y, const std::vector<double>& x) {
    const double tol = std::sqrt(std::numeric_limits<double>::epsilon());
    std::vector<size_t> keep;
    for (size_t i = 0; i < y.size(); ++i)
        if (!std::isnan(y[i]) && y[i] < 0.5 + tol) keep.push_back(i);
    if (keep.empty()) return NaN;
    const double y1 = y[keep[0]];
    if (std::abs(y1 - 0.5) < tol)
        for (size_t k = 1; k < keep.size(); ++k)
            if (y[keep[k]] < y1) return (x[keep[0]] + x[keep[k]]) / 2;
    return x[keep[0]];
}
}  // namespace

KmMedian km_median(const KmCurve& c) {
    // the lower band reaches 0.5 first: the lower limit of the median
    return {first_half(c.surv, c.time), first_half(c.lower, c.time), first_half(c.upper, c.time)};
}

std::vector<long> km_at_risk(const KmCurve& c, const std::vector<double>& at) {
    std::vector<long> out;
    for (double t : at) {
        const size_t i = size_t(std::lower_bound(c.time.begin(), c.time.end(), t) - c.time.begin());
        out.push_back(i < c.time.size() ? c.n_risk[i] : 0);
    }
    return out;
}

std::vector<double> km_surv_at(const KmCurve& c, const std::vector<double>& at) {
    std::vector<double> out;
    for (double t : at) {
        const size_t i = size_t(std::upper_bound(c.time.begin(), c.time.end(), t) - c.time.begin());
        out.push_back(i == 0 ? 1.0 : c.surv[i - 1]);
    }
    return out;
}

LogRank logrank(const SurvTimes& s, const std::vector<int>& group, int groups, const std::vector<int>& strata) {
    check_times(s);
    const size_t G = size_t(groups);
    LogRank r;
    r.observed.assign(G, 0.0);
    r.expected.assign(G, 0.0);
    r.var = Eigen::MatrixXd::Zero(long(G), long(G));
    int n_strata = 1;
    for (int st : strata) n_strata = std::max(n_strata, st + 1);
    // the subjects by time once, then split by stratum (each stratum's keeps the time order)
    std::vector<size_t> first;
    const std::vector<size_t> by_stratum = split_by_stratum(by_time(s), strata, first);
    for (int st = 0; st < n_strata; ++st) {
        const size_t* o = by_stratum.data() + first[size_t(st)];  // this stratum's subjects
        const size_t size = first[size_t(st) + 1] - first[size_t(st)];
        std::vector<double> risk(G, 0.0);
        double at_risk = 0;
        // from the latest time back: each run of equal times joins the risk set, then its deaths are scored
        for (size_t end = size; end > 0;) {
            const double t = s.time[o[end - 1]];
            size_t begin = end;
            double deaths = 0;
            for (; begin > 0 && s.time[o[begin - 1]] == t; --begin) {
                const size_t i = o[begin - 1];
                if (group[i] < 0) continue;  // left out of this test
                risk[size_t(group[i])] += 1;
                at_risk += 1;
                r.observed[size_t(group[i])] += s.event[i];
                deaths += s.event[i];
            }
            const double nrisk = at_risk;
            end = begin;
            if (deaths == 0) continue;
            for (size_t g = 0; g < G; ++g) r.expected[g] += deaths * risk[g] / nrisk;
            if (nrisk == 1) continue;
            for (size_t g = 0; g < G; ++g) {
                const double tmp = deaths * risk[g] * (nrisk - deaths) / (nrisk * (nrisk - 1));
                r.var(long(g), long(g)) += tmp;
                for (size_t h = 0; h < G; ++h) r.var(long(g), long(h)) -= tmp * risk[h] / nrisk;
            }
        }
    }
    std::vector<long> used;
    for (size_t g = 0; g < G; ++g)
        if (r.expected[g] > 0) used.push_back(long(g));
    r.df = int(used.size()) - 1;
    if (used.size() < 2) {
        r.statistic = 0;
        r.p_value = NaN;
        return r;
    }
    const long m = long(used.size()) - 1;  // the first group used is left out
    Eigen::VectorXd diff(m);
    Eigen::MatrixXd V(m, m);
    for (long a = 0; a < m; ++a) {
        diff(a) = r.observed[size_t(used[size_t(a + 1)])] - r.expected[size_t(used[size_t(a + 1)])];
        for (long b = 0; b < m; ++b) V(a, b) = r.var(used[size_t(a + 1)], used[size_t(b + 1)]);
    }
    r.statistic = diff.dot(V.partialPivLu().solve(diff));
    r.p_value = chisq_upper(r.statistic, r.df);
    return r;
}

CoxRiskSets cox_risk_sets(const SurvTimes& s, const std::vector<int>& strata) {
    check_times(s);
    CoxRiskSets r;
    r.n = long(s.size());
    auto stratum = [&](size_t i) { return strata.empty() ? 0 : strata[i]; };
    // by stratum, then time descending (stable: equal times keep their input order)
    r.order.resize(s.size());
    std::iota(r.order.begin(), r.order.end(), size_t(0));
    if (std::is_sorted(s.time.begin(), s.time.end())) {
        // times ascending already (as the pipeline passes them): the subjects split by stratum keep that order,
        // then each stratum's runs of equal times are taken from the last run back; the stable sort's order
        std::vector<size_t> first;
        r.order = split_by_stratum(std::move(r.order), strata, first);
        std::vector<size_t> sorted;
        sorted.reserve(r.order.size());
        for (size_t st = 0; st + 1 < first.size(); ++st) {
            const size_t b = first[st], e = first[st + 1];
            for (size_t run_end = e; run_end > b;) {
                size_t run_begin = run_end;
                while (run_begin > b && s.time[r.order[run_begin - 1]] == s.time[r.order[run_end - 1]]) --run_begin;
                sorted.insert(sorted.end(), r.order.begin() + long(run_begin), r.order.begin() + long(run_end));
                run_end = run_begin;
            }
        }
        r.order = std::move(sorted);
    } else {
        std::stable_sort(r.order.begin(), r.order.end(), [&](size_t a, size_t b) {
            if (stratum(a) != stratum(b)) return stratum(a) < stratum(b);
            return s.time[a] > s.time[b];
        });
    }
    for (size_t k = 0; k < r.order.size();) {
        const size_t i = r.order[k];
        size_t j = k;
        while (j < r.order.size() && stratum(r.order[j]) == stratum(i) && s.time[r.order[j]] == s.time[i]) ++j;
        r.stratum_start.push_back(k == 0 || stratum(r.order[k - 1]) != stratum(i));
        r.run_end.push_back(j);
        k = j;
    }
    r.event.reserve(r.order.size());
    for (size_t i : r.order) r.event.push_back(s.event[i]), r.events += s.event[i];
    return r;
}

namespace {

// small fixed-size loops of the Efron pass, unrolled so that its sums stay in registers
#define PRECIS_UNROLL _Pragma("GCC unroll 4")

// The Efron partial log-likelihood at beta, its score u and information I. X: the covariates centred and scaled,
// row-major (one subject's p values together), rows in the risk sets' order. P is p when known at compile time
// (the common small models: the sums stay in registers) or 0. This pass runs once per Newton step of every
// feature's model, so it is written for speed:
// - the sums over the risk set (s1, s2: lower triangle) and over a time's deaths (d1, d2) are plain arrays;
// - Efron's terms for the k-th of a time's D deaths (weights w = 1/denom, v = (k/D)/denom) are summed as scalars,
//   then u -= s1 sum(w) - d1 sum(v), I += s2 sum(w) - d2 sum(v) - [s1 s1' sum(w^2) - (s1 d1' + d1 s1') sum(wv)
//   + d1 d1' sum(v^2)], per time instead of per death;
// - the log denominators are summed as the log of their product (one log per pass), kept in range by moving the
//   binary exponents out.
template <int P>
double efron_pass(const CoxRiskSets& r, const double* X, long p_run, const double* eta, const double* risk,
                  double* u_out, double* I_out, double* work) {
    const long p = P > 0 ? P : p_run;
    constexpr long A = P > 0 ? P : 1;
    double s1_l[A] = {}, d1_l[A] = {}, u_l[A] = {}, s2_l[A * A] = {}, d2_l[A * A] = {}, I_l[A * A] = {};
    double* s1 = P > 0 ? s1_l : work;
    double* d1 = P > 0 ? d1_l : s1 + p;
    double* u = P > 0 ? u_l : d1 + p;
    double* s2 = P > 0 ? s2_l : u + p;
    double* d2 = P > 0 ? d2_l : s2 + p * p;
    double* I = P > 0 ? I_l : d2 + p * p;
    std::fill(u, u + p, 0.0);
    std::fill(I, I + p * p, 0.0);
    double loglik = 0, s0 = 0, denominators = 1;
    long exponent = 0;
    size_t begin = 0;
    for (size_t run = 0; run < r.run_end.size(); ++run) {
        if (r.stratum_start[run]) {
            s0 = 0;
            std::fill(s1, s1 + p, 0.0);
            std::fill(s2, s2 + p * p, 0.0);
        }
        const size_t end = r.run_end[run];
        long deaths = 0;
        double d0 = 0;
        // a subject's risk-weighted first and second moments into (m0, m1, m2)
        auto moments = [&](const double* x, double w, double& m0, double* m1, double* m2) {
            m0 += w;
            PRECIS_UNROLL
            for (long j = 0; j < p; ++j) {
                const double wx = w * x[j];
                m1[j] += wx;
                PRECIS_UNROLL
                for (long l = 0; l <= j; ++l) m2[j * p + l] += wx * x[l];
            }
        };
        for (size_t k = begin; k < end; ++k) {
            const double* x = X + k * size_t(p);
            moments(x, risk[k], s0, s1, s2);
            if (r.event[k]) {
                if (deaths == 0) {
                    std::fill(d1, d1 + p, 0.0);
                    std::fill(d2, d2 + p * p, 0.0);
                }
                ++deaths;
                moments(x, risk[k], d0, d1, d2);
                loglik += eta[k];
                PRECIS_UNROLL
                for (long j = 0; j < p; ++j) u[j] += x[j];
            }
        }
        begin = end;
        if (deaths == 0) continue;
        double sw = 0, sv = 0, sww = 0, swv = 0, svv = 0;
        for (long k = 0; k < deaths; ++k) {
            const double f = double(k) / double(deaths);
            const double denom = s0 - f * d0;
            int e = 0;
            denominators *= std::frexp(denom, &e);  // (a NaN or an infinity passes on to the result)
            exponent += e;
            if (denominators < 1e-150) {  // each factor is at least 1/2: renormalised every few hundred deaths
                denominators = std::frexp(denominators, &e);
                exponent += e;
            }
            const double w = 1 / denom, v = f * w;
            sw += w, sv += v, sww += w * w, swv += w * v, svv += v * v;
        }
        PRECIS_UNROLL
        for (long j = 0; j < p; ++j) {
            u[j] -= s1[j] * sw - d1[j] * sv;
            PRECIS_UNROLL
            for (long l = 0; l <= j; ++l)
                I[j * p + l] += s2[j * p + l] * sw - d2[j * p + l] * sv -
                                (s1[j] * s1[l] * sww - (s1[j] * d1[l] + d1[j] * s1[l]) * swv + d1[j] * d1[l] * svv);
        }
    }
    PRECIS_UNROLL
    for (long j = 0; j < p; ++j) {
        u_out[j] = u[j];
        PRECIS_UNROLL
        for (long l = 0; l <= j; ++l) I_out[j * p + l] = I_out[l * p + j] = I[j * p + l];
    }
    return loglik - (std::log(denominators) + double(exponent) * std::log(2.0));
}

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMap = Eigen::Map<RowMatrix>;
using VectorMap = Eigen::Map<Eigen::VectorXd>;

// The workspace's covariates (n x p) and its two n-vectors, sized for this call
struct Room {
    RowMap X;
    VectorMap a, b;
};
Room room(CoxWorkspace& w, long n, long p) {
    w.x.resize(size_t(n * p));
    w.a.resize(size_t(n));
    w.b.resize(size_t(n));
    return {RowMap(w.x.data(), n, p), VectorMap(w.a.data(), n), VectorMap(w.b.data(), n)};
}

// eta and risk: room for n values (kept by the caller over its Newton steps)
double efron(const CoxRiskSets& r, const RowMap& X, const Eigen::VectorXd& beta, Eigen::VectorXd& u,
             Eigen::MatrixXd& I, VectorMap& eta, VectorMap& risk) {
    const long p = X.cols();
    u.resize(p);
    I.resize(p, p);
    eta.noalias() = X * beta;
    risk.array() = eta.array().exp();  // (Eigen's vectorised exp)
    std::vector<double> work(size_t(3 * p + 3 * p * p));
    const double *x = X.data(), *e = eta.data(), *k = risk.data();
    switch (p) {  // (I is symmetric: its row-major filling is its column-major one)
    case 1: return efron_pass<1>(r, x, p, e, k, u.data(), I.data(), work.data());
    case 2: return efron_pass<2>(r, x, p, e, k, u.data(), I.data(), work.data());
    case 3: return efron_pass<3>(r, x, p, e, k, u.data(), I.data(), work.data());
    case 4: return efron_pass<4>(r, x, p, e, k, u.data(), I.data(), work.data());
    default: return efron_pass<0>(r, x, p, e, k, u.data(), I.data(), work.data());
    }
}

}  // namespace

CoxFit cox_fit(const CoxRiskSets& r, const Covariates& X0, const CoxOptions& opt, CoxWorkspace* work) {
    CoxFit f;
    f.n = r.n;
    f.events = r.events;
    const long n = X0.rows(), p = X0.cols();
    if (n != r.n) throw Error(ErrorKind::Internal, "cox_fit: covariates and times differ in length");
    f.beta = Eigen::VectorXd::Zero(p);
    f.var = Eigen::MatrixXd::Constant(p, p, NaN);
    if (r.events == 0) {
        f.problem = "no events";
        return f;
    }
    // centred and scaled covariates (for a stable Newton-Raphson, as coxph), in the risk sets' order
    CoxWorkspace local;
    Room w = room(work ? *work : local, n, p);
    RowMap& X = w.X;
    VectorMap &eta = w.a, &risk = w.b;
    for (long k = 0; k < n; ++k) X.row(k) = X0.row(long(r.order[size_t(k)]));
    Eigen::VectorXd scale(p);
    for (long j = 0; j < p; ++j) {
        const double mean = X.col(j).mean();
        X.col(j).array() -= mean;
        const double abs_sum = X.col(j).cwiseAbs().sum();
        scale(j) = abs_sum > 0 ? double(n) / abs_sum : 1.0;
        X.col(j) *= scale(j);
    }
    Eigen::VectorXd u(p), beta = Eigen::VectorXd::Zero(p);
    Eigen::MatrixXd I(p, p);
    auto positive = [&](const Eigen::MatrixXd& M) {
        // R's cholesky2: a pivot at most toler_chol times the largest diagonal entry makes the matrix singular
        const Eigen::LDLT<Eigen::MatrixXd> ldlt(M);
        const double biggest = M.diagonal().cwiseAbs().maxCoeff();
        return ldlt.info() == Eigen::Success && (ldlt.vectorD().array() > opt.toler_chol * biggest).all();
    };
    double best = efron(r, X, beta, u, I, eta, risk);
    f.loglik_null = best;
    if (!positive(I)) {
        f.problem = "the information matrix is singular at the start (a covariate is constant or determined by the others)";
        return f;
    }
    Eigen::VectorXd step = I.ldlt().solve(u);
    f.score_test = u.dot(step);
    Eigen::VectorXd next = beta + step;
    for (f.iterations = 1; f.iterations <= opt.max_iterations; ++f.iterations) {
        const double lik = efron(r, X, next, u, I, eta, risk);
        const bool finite = std::isfinite(lik) && u.allFinite() && I.allFinite();
        if (finite && std::abs(1 - best / lik) <= opt.eps) {
            beta = next;
            best = lik;
            f.converged = true;
            break;
        }
        if (!finite || lik < best) {  // step halving
            next = (next + beta) / 2;
            continue;
        }
        best = lik;
        beta = next;
        if (!positive(I)) break;
        next = beta + I.ldlt().solve(u);
    }
    f.loglik = best;
    if (!f.converged) {
        f.iterations = std::min(f.iterations, opt.max_iterations);
        f.problem = "did not converge in " + std::to_string(opt.max_iterations) + " iterations";
    }
    if (!positive(I)) {
        f.problem = "the information matrix is singular at the estimate";
        f.beta = beta.cwiseProduct(scale);
        return f;
    }
    Eigen::MatrixXd V = I.ldlt().solve(Eigen::MatrixXd::Identity(p, p));
    // coxph's check for a coefficient that runs to infinity (a monotone likelihood): a step still large relative
    // to the coefficient when the likelihood has stopped changing
    f.beta = beta.cwiseProduct(scale);
    const Eigen::VectorXd infs = (V * u).cwiseProduct(scale).cwiseAbs();  // on the covariates' own scale
    const double toler_inf = std::sqrt(opt.eps);
    for (long j = 0; j < p && f.problem.empty(); ++j)
        if (infs(j) > opt.eps && infs(j) > toler_inf * std::abs(f.beta(j)))
            f.problem = "the likelihood converged before coefficient " + std::to_string(j + 1) +
                        ": it may be infinite (a group without events, or a covariate that separates them)";
    f.var = scale.asDiagonal() * V * scale.asDiagonal();
    return f;
}

PhTest cox_zph(const SurvTimes& s, const CoxRiskSets& r, const Covariates& X0, const Eigen::VectorXd& beta,
               const std::vector<std::vector<int>>& terms, CoxWorkspace* work) {
    const long n = X0.rows(), p = X0.cols();
    CoxWorkspace local;
    Room w = room(work ? *work : local, n, p);
    // g(t) at each event: 1 - the Kaplan-Meier of all subjects just before t, centred over the events
    const KmCurve km = kaplan_meier(s);
    VectorMap& g = w.a;
    g.setZero();
    double g_sum = 0;
    for (long i = 0; i < n; ++i) {
        if (!s.event[size_t(i)]) continue;
        const size_t before = size_t(std::lower_bound(km.time.begin(), km.time.end(), s.time[size_t(i)]) - km.time.begin());
        g(i) = 1 - (before == 0 ? 1.0 : km.surv[before - 1]);
        g_sum += g(i);
    }
    g.array() -= g_sum / double(r.events);
    // the covariates centred, in the risk sets' order; the risk scores centred (neither changes the test)
    RowMap& X = w.X;
    for (long k = 0; k < n; ++k) X.row(k) = X0.row(long(r.order[size_t(k)]));
    X.rowwise() -= X.colwise().mean();
    VectorMap& eta = w.b;
    eta.noalias() = X * beta;
    eta.array() -= eta.mean();
    // the score of the time-varying terms at (beta, 0) and the information of [X, g(t) X]: Efron's sums, each
    // death's share of the risk set added a fraction at a time
    Eigen::VectorXd u = Eigen::VectorXd::Zero(2 * p);
    Eigen::MatrixXd I = Eigen::MatrixXd::Zero(2 * p, 2 * p);
    double s0 = 0;
    Eigen::VectorXd s1(p), d1(p), a(p);
    Eigen::MatrixXd s2(p, p), d2(p, p), v(p, p);
    size_t begin = 0;
    for (size_t run = 0; run < r.run_end.size(); ++run) {
        if (r.stratum_start[run]) s0 = 0, s1.setZero(), s2.setZero();
        const size_t end = r.run_end[run];
        double deaths = 0, d0 = 0, gt = 0;
        d1.setZero(), d2.setZero();
        for (size_t k = begin; k < end; ++k) {
            const Eigen::Map<const Eigen::VectorXd> xi(X.data() + k * size_t(p), p);  // (row-major: the row)
            const double risk = std::exp(eta(long(k)));
            if (!r.event[k]) {
                s0 += risk, s1.noalias() += risk * xi, s2.noalias() += risk * xi * xi.transpose();
                continue;
            }
            gt = g(long(r.order[k]));
            deaths += 1;
            d0 += risk, d1.noalias() += risk * xi, d2.noalias() += risk * xi * xi.transpose();
            u.head(p) += xi;
            u.tail(p) += gt * xi;
        }
        for (int k = 0; k < int(deaths); ++k) {
            s0 += d0 / deaths, s1 += d1 / deaths, s2 += d2 / deaths;
            a = s1 / s0;
            u.head(p) -= a;
            u.tail(p) -= gt * a;
            v = s2 / s0 - a * a.transpose();
            I.topLeftCorner(p, p) += v;
            I.topRightCorner(p, p) += gt * v;
            I.bottomRightCorner(p, p) += gt * gt * v;
        }
        begin = end;
    }
    I.bottomLeftCorner(p, p) = I.topRightCorner(p, p).transpose();
    PhTest out;
    auto test = [&](const std::vector<int>& cols) {  // u' I^-1 u over [X, the terms' time-varying columns]
        std::vector<long> keep;
        for (long j = 0; j < p; ++j) keep.push_back(j);
        for (int c : cols) keep.push_back(p + c);
        const long m = long(keep.size());
        Eigen::MatrixXd Im(m, m);
        Eigen::VectorXd um = Eigen::VectorXd::Zero(m);  // the fit's own score is 0 at beta
        for (long x = 0; x < m; ++x) {
            if (keep[size_t(x)] >= p) um(x) = u(keep[size_t(x)]);
            for (long y = 0; y < m; ++y) Im(x, y) = I(keep[size_t(x)], keep[size_t(y)]);
        }
        const double stat = um.dot(Im.partialPivLu().solve(um));
        out.statistic.push_back(stat);
        out.df.push_back(int(cols.size()));
        out.p_value.push_back(chisq_upper(stat, double(cols.size())));
    };
    std::vector<int> all;
    for (const auto& t : terms) {
        test(t);
        all.insert(all.end(), t.begin(), t.end());
    }
    test(all);
    return out;
}

double wald_statistic(const CoxFit& f, const std::vector<int>& which) {
    const long m = long(which.size());
    Eigen::VectorXd b(m);
    Eigen::MatrixXd V(m, m);
    for (long a = 0; a < m; ++a) {
        b(a) = f.beta(which[size_t(a)]);
        for (long c = 0; c < m; ++c) V(a, c) = f.var(which[size_t(a)], which[size_t(c)]);
    }
    return b.dot(V.ldlt().solve(b));
}

}  // namespace precis

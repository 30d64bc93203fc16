// Survival analysis as R's survival package computes it (docs/survival.md): Kaplan-Meier curves with Greenwood's
// variance and log confidence intervals (survfit), the median and its interval (print.survfit), the k-group
// log-rank test (survdiff, rho = 0, with strata), and the Cox proportional hazards model with Efron's ties and strata
// (coxph): coefficients, their variance, the Wald, likelihood-ratio and score tests. No MPI here: the pipeline
// spreads features over the ranks and calls these per feature.
#pragma once
#include <Eigen/Dense>
#include <cstddef>
#include <string>
#include <vector>

namespace precis {

// Right-censored follow-up: each subject's time and whether it ended in the event (1) or was censored (0).
struct SurvTimes {
    std::vector<double> time;
    std::vector<int> event;
    size_t size() const { return time.size(); }
};

// The subjects' indices by time ascending, equal times in their input order (a stable sort; one pass when the times
// are in order already: callers that analyse one cohort many ways put it in time order once).
std::vector<size_t> by_time(const SurvTimes& s);

// survfit(Surv(time, event) ~ 1, conf.type = "log"): one row per distinct time (events and censorings), ascending.
struct KmCurve {
    std::vector<double> time;
    std::vector<long> n_risk, n_event, n_censor;
    std::vector<double> surv;
    std::vector<double> std_err;  // of -log S (Greenwood): sqrt(sum d / (n (n - d))); infinite once S is 0
    std::vector<double> lower, upper;  // exp(log S -+ z std_err), the upper at most 1; NaN where S is 0
    long n = 0, events = 0;
};
KmCurve kaplan_meier(const SurvTimes& s, double conf_level = 0.95);

// The time at which the curve (or a confidence limit) first reaches 0.5, as print.survfit: where it stays exactly at
// 0.5 over an interval, the middle of that interval. NaN when it never does.
struct KmMedian {
    double median, low, high;
};
KmMedian km_median(const KmCurve& c);
// The number at risk at each time of `at` (subjects whose time is at least it), as summary.survfit(times = at).
std::vector<long> km_at_risk(const KmCurve& c, const std::vector<double>& at);
// The survival at each time of `at` (the curve's value at the last distinct time <= t; 1 before the first).
std::vector<double> km_surv_at(const KmCurve& c, const std::vector<double>& at);

// survdiff(Surv(time, event) ~ group + strata(...)) with rho = 0: groups 0..G-1, strata 0..S-1 (all 0 for none).
// A subject of group -1 is left out (as if not given: a test of some groups of a cohort without copying the rest).
struct LogRank {
    std::vector<double> observed, expected;  // per group, summed over the strata
    Eigen::MatrixXd var;                      // G x G
    double statistic = 0;
    int df = 0;  // groups with expected > 0, minus 1
    double p_value = 1;
};
LogRank logrank(const SurvTimes& s, const std::vector<int>& group, int groups, const std::vector<int>& strata = {});

// coxph(Surv(time, event) ~ X + strata(...), ties = "efron"): Newton-Raphson from 0 with step halving, converged
// when the partial log-likelihood changes by at most eps relative (coxph.control defaults).
struct CoxOptions {
    double eps = 1e-9;
    int max_iterations = 20;
    double toler_chol = 1.818989403545856e-12;  // .Machine$double.eps^0.75
};
struct CoxFit {
    Eigen::VectorXd beta;
    Eigen::MatrixXd var;  // the inverse information at beta
    double loglik_null = 0, loglik = 0;
    double score_test = 0;  // the score test of beta = 0
    int iterations = 0;
    bool converged = false;
    long n = 0, events = 0;
    std::string problem;  // "" or why the fit cannot be used (no events, a singular information, ...)
};
// The subjects in the order the fit visits them (by stratum, then time descending), with the runs of equal times:
// made once per endpoint and shared by every fit on it (one per feature when ranking).
// Covariates: any n x p block of a column-major matrix, its columns read in place (a design's right-hand columns for
// a reduced model, without a copy).
using Covariates = Eigen::Ref<const Eigen::MatrixXd>;
struct CoxRiskSets {
    std::vector<size_t> order;
    std::vector<size_t> run_end;      // per run of one stratum and time, in `order`: one past its last subject
    std::vector<char> stratum_start;  // per run: the first (latest) of its stratum, where the risk set empties
    std::vector<int> event;           // in `order`
    long n = 0, events = 0;
};
CoxRiskSets cox_risk_sets(const SurvTimes& s, const std::vector<int>& strata = {});
// The memory cox_fit and cox_zph work in (the covariates in the risk sets' order, row-major, and two values per
// subject), grown as needed: a caller that fits several models to one endpoint passes one, so that its pages are
// touched once rather than once per model (at 200,000 subjects a fresh page cost more than the arithmetic on it;
// bench/README.md, stop 46). Its contents between calls mean nothing.
struct CoxWorkspace {
    std::vector<double> x, a, b;
};
// X: n x p covariates (no intercept), rows in the subjects' order.
CoxFit cox_fit(const CoxRiskSets& r, const Covariates& X, const CoxOptions& opt = {}, CoxWorkspace* work = nullptr);
inline CoxFit cox_fit(const SurvTimes& s, const Covariates& X, const std::vector<int>& strata = {},
                      const CoxOptions& opt = {}) {
    return cox_fit(cox_risk_sets(s, strata), X, opt);
}

// cox.zph(fit, transform = "km"): the score test of proportional hazards, each term's coefficients (its columns of
// X) letting their effect change with g(t) = 1 - KM(t-) (centred over the events), and all of them together (the
// global test, last). `terms`: each term's columns. Needs the fit's beta on the same risk sets.
struct PhTest {
    std::vector<double> statistic, p_value;  // per term, then the global test
    std::vector<int> df;
};
PhTest cox_zph(const SurvTimes& s, const CoxRiskSets& r, const Covariates& X, const Eigen::VectorXd& beta,
               const std::vector<std::vector<int>>& terms, CoxWorkspace* work = nullptr);

// Tests of a set of coefficients (their indices): Wald, beta' V^-1 beta; chi-square upper tail p-values.
double wald_statistic(const CoxFit& f, const std::vector<int>& which);
double chisq_upper(double statistic, double df);

}  // namespace precis

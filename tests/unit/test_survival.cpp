// Survival analysis against R's survival package (tests/fixtures/survival/make_survival_reference.R): survfit's
// Kaplan-Meier curve, median and numbers at risk, survdiff's log-rank tests, coxph with Efron's ties and strata.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ranking/ranking.hpp"
#include "survival/survival.hpp"

using namespace precis;

namespace {

using Row = std::map<std::string, std::string>;
std::vector<Row> read_table(const std::string& name) {
    std::ifstream in(std::string(PRECIS_FIXTURES) + "/survival/" + name);
    REQUIRE(in.good());
    std::string line;
    std::getline(in, line);
    std::vector<std::string> head;
    std::istringstream h(line);
    for (std::string f; std::getline(h, f, '\t');) head.push_back(f);
    std::vector<Row> rows;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        Row r;
        size_t c = 0;
        for (std::string f; std::getline(fields, f, '\t'); ++c) r[head.at(c)] = f;
        rows.push_back(r);
    }
    return rows;
}
double num(const std::string& s) { return s == "NA" || s == "Inf" ? (s == "NA" ? NAN : INFINITY) : std::stod(s); }
std::vector<double> nums(const std::string& s) {
    std::vector<double> out;
    std::istringstream in(s);
    for (std::string f; std::getline(in, f, ',');) out.push_back(std::stod(f));
    return out;
}
bool same(double a, double b, double tol = 1e-9) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::abs(a - b) <= tol * std::max(1.0, std::abs(b));
}

struct Data {
    SurvTimes all;
    std::vector<int> group, sex, site;
    std::vector<double> age;
};
Data read_data() {
    Data d;
    for (const Row& r : read_table("data.tsv")) {
        d.all.time.push_back(num(r.at("time")));
        d.all.event.push_back(int(num(r.at("event"))));
        d.group.push_back(int(num(r.at("group"))));
        d.age.push_back(num(r.at("age")));
        d.sex.push_back(int(num(r.at("sex"))));
        d.site.push_back(int(num(r.at("site"))));
    }
    return d;
}
SurvTimes subset(const Data& d, int g) {
    SurvTimes s;
    for (size_t i = 0; i < d.all.size(); ++i)
        if (d.group[i] == g) s.time.push_back(d.all.time[i]), s.event.push_back(d.all.event[i]);
    return s;
}

}  // namespace

TEST_CASE("Kaplan-Meier curves, medians and numbers at risk equal survfit's", "[survival]") {
    const Data d = read_data();
    const std::vector<Row> km = read_table("km.tsv"), med = read_table("km_median.tsv");
    size_t row = 0;
    for (int g = 0; g < 3; ++g) {
        const KmCurve c = kaplan_meier(subset(d, g));
        for (size_t i = 0; i < c.time.size(); ++i, ++row) {
            const Row& r = km.at(row);
            REQUIRE(int(num(r.at("group"))) == g);
            CHECK(c.time[i] == num(r.at("time")));
            CHECK(c.n_risk[i] == long(num(r.at("n_risk"))));
            CHECK(c.n_event[i] == long(num(r.at("n_event"))));
            CHECK(c.n_censor[i] == long(num(r.at("n_censor"))));
            CHECK(same(c.surv[i], num(r.at("surv"))));
            CHECK(same(c.std_err[i], num(r.at("std_err"))));
            CHECK(same(c.lower[i], num(r.at("lower"))));
            CHECK(same(c.upper[i], num(r.at("upper"))));
        }
        const KmMedian m = km_median(c);
        CHECK(same(m.median, num(med.at(size_t(g)).at("median"))));
        CHECK(same(m.low, num(med.at(size_t(g)).at("low"))));
        CHECK(same(m.high, num(med.at(size_t(g)).at("high"))));
    }
    CHECK(row == km.size());
    const KmCurve all = kaplan_meier(d.all);
    std::vector<double> at;
    std::vector<long> want_n;
    std::vector<double> want_s;
    for (const Row& r : read_table("km_at.tsv"))
        at.push_back(num(r.at("time"))), want_n.push_back(long(num(r.at("n_risk")))), want_s.push_back(num(r.at("surv")));
    CHECK(km_at_risk(all, at) == want_n);
    const std::vector<double> s = km_surv_at(all, at);
    for (size_t i = 0; i < at.size(); ++i) CHECK(same(s[i], want_s[i]));
    // a curve at exactly 0.5 between two event times: the median is the middle of the interval
    const KmMedian half = km_median(kaplan_meier({{1, 2, 3, 4, 5, 6}, {1, 1, 1, 0, 1, 1}}));
    const Row h = read_table("km_half.tsv").at(0);
    CHECK(same(half.median, num(h.at("median"))));
    CHECK(half.median == 4.0);
    CHECK(same(half.low, num(h.at("low"))));
    CHECK(same(half.high, num(h.at("high"))));
}

TEST_CASE("log-rank tests equal survdiff's", "[survival]") {
    const Data d = read_data();
    const std::vector<Row> lr = read_table("logrank.tsv");
    for (const Row& r : lr) {
        const bool strata = r.at("test") == "strata";
        const LogRank t = logrank(d.all, d.group, 3, strata ? d.site : std::vector<int>{});
        CHECK(same(t.statistic, num(r.at("chisq"))));
        CHECK(t.df == int(num(r.at("df"))));
        const std::vector<double> o = nums(r.at("observed")), e = nums(r.at("expected"));
        for (size_t g = 0; g < 3; ++g) {
            CHECK(same(t.observed[g], o[g]));
            CHECK(same(t.expected[g], e[g]));
        }
        CHECK(same(t.p_value, chisq_upper(num(r.at("chisq")), 2)));
    }
    std::vector<double> pair_p, want_bh, want_holm;
    for (const Row& r : read_table("logrank_pairs.tsv")) {
        pair_p.push_back(num(r.at("p")));
        want_bh.push_back(num(r.at("p_bh")));
        want_holm.push_back(num(r.at("p_holm")));
        const int a = int(num(r.at("a"))), b = int(num(r.at("b")));
        SurvTimes s;
        std::vector<int> g;
        for (size_t i = 0; i < d.all.size(); ++i)
            if (d.group[i] == a || d.group[i] == b)
                s.time.push_back(d.all.time[i]), s.event.push_back(d.all.event[i]), g.push_back(d.group[i] == b);
        const LogRank t = logrank(s, g, 2);
        CHECK(same(t.statistic, num(r.at("chisq"))));
        CHECK(same(t.p_value, num(r.at("p"))));
        // the same pair with the other subjects left out (group -1) rather than copied out: the same numbers,
        // with strata too (the pipeline's pairwise tests)
        std::vector<int> left_out(d.all.size()), sp;
        for (size_t i = 0; i < d.all.size(); ++i) {
            left_out[i] = d.group[i] == a ? 0 : d.group[i] == b ? 1 : -1;
            if (left_out[i] >= 0) sp.push_back(d.site[i]);
        }
        for (bool strata : {false, true}) {
            const LogRank copied = logrank(s, g, 2, strata ? sp : std::vector<int>{});
            const LogRank in_place = logrank(d.all, left_out, 2, strata ? d.site : std::vector<int>{});
            CHECK(in_place.statistic == copied.statistic);
            CHECK(in_place.observed == copied.observed);
            CHECK(in_place.expected == copied.expected);
            CHECK(in_place.var == copied.var);
            CHECK(in_place.df == copied.df);
        }
    }
    // the pairs' adjustment (survival.pairwise_adjust) as R's p.adjust
    const std::vector<double> bh = bh_adjust(pair_p), holm = holm_adjust(pair_p);
    for (size_t i = 0; i < pair_p.size(); ++i) {
        CHECK(same(bh[i], want_bh[i]));
        CHECK(same(holm[i], want_holm[i]));
    }
}

TEST_CASE("Cox models with Efron's ties and strata equal coxph's", "[survival]") {
    const Data d = read_data();
    const size_t n = d.all.size();
    Eigen::MatrixXd full(long(n), 4), one(long(n), 1), reduced(long(n), 2), wide(long(n), 6);
    for (size_t i = 0; i < n; ++i) {
        full.row(long(i)) << (d.group[i] == 1), (d.group[i] == 2), d.age[i], d.sex[i];
        one(long(i), 0) = d.age[i];
        reduced.row(long(i)) << d.age[i], d.sex[i];
        wide.row(long(i)) << full.row(long(i)), double(d.site[i]), d.age[i] * d.sex[i];
    }
    const CoxFit f = cox_fit(d.all, full), s = cox_fit(d.all, full, d.site), o = cox_fit(d.all, one),
                 w = cox_fit(d.all, wide);
    const std::map<std::string, const CoxFit*> fits{{"full", &f}, {"strata", &s}, {"one", &o}, {"wide", &w}};
    std::map<std::string, long> term;
    for (const Row& r : read_table("cox.tsv")) {
        const CoxFit& c = *fits.at(r.at("model"));
        const long j = term[r.at("model")]++;
        CHECK(c.converged);
        CHECK(c.problem.empty());
        CHECK(same(c.beta(j), num(r.at("coef")), 1e-7));
        CHECK(same(std::sqrt(c.var(j, j)), num(r.at("se")), 1e-7));
        CHECK(same(c.loglik_null, num(r.at("loglik0"))));
        CHECK(same(c.loglik, num(r.at("loglik")), 1e-10));
        CHECK(same(c.score_test, num(r.at("score"))));
    }
    for (const Row& r : read_table("cox_var.tsv"))
        CHECK(same(f.var(long(num(r.at("row"))) - 1, long(num(r.at("col"))) - 1), num(r.at("v")), 1e-7));
    // the group term: Wald on its coefficients, likelihood ratio against the model without it
    const Row t = read_table("cox_group_tests.tsv").at(0);
    const CoxFit without = cox_fit(d.all, reduced);
    CHECK(same(wald_statistic(f, {0, 1}), num(t.at("wald")), 1e-7));
    CHECK(same(2 * (f.loglik - without.loglik), num(t.at("lrt")), 1e-8));
    CHECK(same(chisq_upper(wald_statistic(f, {0, 1}), 2), num(t.at("wald_p")), 1e-6));
}

TEST_CASE("the proportional-hazards test equals cox.zph's", "[survival]") {
    const Data d = read_data();
    const size_t n = d.all.size();
    Eigen::MatrixXd full(long(n), 4), one(long(n), 1);
    for (size_t i = 0; i < n; ++i) {
        full.row(long(i)) << (d.group[i] == 1), (d.group[i] == 2), d.age[i], d.sex[i];
        one(long(i), 0) = d.age[i];
    }
    const std::vector<std::vector<int>> terms{{0, 1}, {2}, {3}};
    std::map<std::string, PhTest> got;
    for (const std::string model : {"full", "strata", "one"}) {
        const CoxRiskSets r = cox_risk_sets(d.all, model == "strata" ? d.site : std::vector<int>{});
        const Eigen::MatrixXd& X = model == "one" ? one : full;
        const CoxFit f = cox_fit(r, X);
        REQUIRE(f.converged);
        got[model] = cox_zph(d.all, r, X, f.beta, model == "one" ? std::vector<std::vector<int>>{{0}} : terms);
    }
    std::map<std::string, size_t> at;
    for (const Row& r : read_table("cox_zph.tsv")) {
        const PhTest& t = got.at(r.at("model"));
        const size_t k = at[r.at("model")]++;
        INFO(r.at("model") << " " << r.at("term"));
        CHECK(same(t.statistic.at(k), num(r.at("chisq")), 1e-6));
        CHECK(t.df.at(k) == int(num(r.at("df"))));
        CHECK(same(t.p_value.at(k), num(r.at("p")), 1e-6));
    }
    CHECK(at["full"] == got["full"].statistic.size());
}

TEST_CASE("Cox fits that cannot be used say why", "[survival]") {
    // no events
    SurvTimes none{{1, 2, 3}, {0, 0, 0}};
    Eigen::MatrixXd x(3, 1);
    x << 1, 2, 3;
    CHECK(cox_fit(none, x).problem == "no events");
    // a constant covariate
    SurvTimes s{{1, 2, 3, 4}, {1, 0, 1, 1}};
    Eigen::MatrixXd c = Eigen::MatrixXd::Ones(4, 1);
    CHECK(cox_fit(s, c).problem.find("singular") != std::string::npos);
    // a covariate that separates the events from the rest: the coefficient runs to infinity
    SurvTimes sep{{1, 2, 3, 4, 5, 6}, {1, 1, 1, 0, 0, 0}};
    Eigen::MatrixXd z(6, 1);
    z << 1, 1, 1, 0, 0, 0;
    const CoxFit f = cox_fit(sep, z);
    CHECK(!f.problem.empty());
}

TEST_CASE("subjects given in time order get the same curves, tests and models as in any order", "[survival]") {
    // many ties and three strata; the same subjects again in time order (a stable sort: ties in their order), as
    // the pipeline passes an endpoint: every function then takes its one-pass path and must give the same numbers
    const size_t n = 240;
    SurvTimes s;
    std::vector<int> group(n), strata(n);
    Eigen::MatrixXd X(long(n), 2);
    uint64_t x = 7;
    auto next = [&] { return (x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
    for (size_t i = 0; i < n; ++i) {
        s.time.push_back(double(1 + next() % 40));
        s.event.push_back(next() % 3 != 0);
        group[i] = int(next() % 3);
        strata[i] = int(next() % 3);
        X(long(i), 0) = group[i] == 1;
        X(long(i), 1) = double(next() % 50) / 10;
    }
    const std::vector<size_t> o = by_time(s);
    SurvTimes t;
    std::vector<int> group_t, strata_t;
    Eigen::MatrixXd X_t(long(n), 2);
    for (size_t r = 0; r < n; ++r) {
        t.time.push_back(s.time[o[r]]), t.event.push_back(s.event[o[r]]);
        group_t.push_back(group[o[r]]), strata_t.push_back(strata[o[r]]);
        X_t.row(long(r)) = X.row(long(o[r]));
    }
    REQUIRE(std::is_sorted(t.time.begin(), t.time.end()));
    for (size_t r = 0; r < n; ++r) CHECK(by_time(t)[r] == r);
    const KmCurve a = kaplan_meier(s), b = kaplan_meier(t);
    CHECK(a.surv == b.surv);
    CHECK(a.n_risk == b.n_risk);
    const std::vector<int> none;
    for (bool stratified : {true, false}) {
        const std::vector<int>&sa = stratified ? strata : none, &sb = stratified ? strata_t : none;
        CHECK(logrank(s, group, 3, sa).statistic == logrank(t, group_t, 3, sb).statistic);
        const CoxRiskSets ra = cox_risk_sets(s, sa), rb = cox_risk_sets(t, sb);
        REQUIRE(ra.order.size() == n);
        for (size_t r = 0; r < n; ++r) CHECK(ra.order[r] == o[rb.order[r]]);  // the same subjects, in the same order
        CHECK(ra.run_end == rb.run_end);
        CHECK(ra.stratum_start == rb.stratum_start);
        const CoxFit fa = cox_fit(ra, X), fb = cox_fit(rb, X_t);
        CHECK(fa.loglik == fb.loglik);
        CHECK(fa.beta == fb.beta);
        const PhTest pa = cox_zph(s, ra, X, fa.beta, {{0}, {1}}), pb = cox_zph(t, rb, X_t, fb.beta, {{0}, {1}});
        REQUIRE(pa.statistic.size() == pb.statistic.size());
        for (size_t i = 0; i < pa.statistic.size(); ++i)  // (g(t) is centred by a sum in the subjects' order)
            CHECK(pa.statistic[i] == Approx(pb.statistic[i]).epsilon(1e-12));
    }
}

TEST_CASE("one workspace shared by fits of different sizes gives each fit's own numbers", "[survival]") {
    // the pipeline fits the full model, the model without the subtype and the PH test in one workspace; what a
    // larger or smaller call left in it must not reach the next
    const Data d = read_data();
    const size_t n = d.all.size();
    Eigen::MatrixXd full(long(n), 4);
    for (size_t i = 0; i < n; ++i) full.row(long(i)) << (d.group[i] == 1), (d.group[i] == 2), d.age[i], d.sex[i];
    SurvTimes half;  // the first half of the subjects: a smaller fit
    for (size_t i = 0; i < n / 2; ++i) half.time.push_back(d.all.time[i]), half.event.push_back(d.all.event[i]);
    const Eigen::MatrixXd half_X = full.topRows(long(n / 2));
    const CoxRiskSets r = cox_risk_sets(d.all, d.site), rh = cox_risk_sets(half);
    const std::vector<std::vector<int>> terms{{0, 1}, {2}, {3}};
    CoxWorkspace work;
    for (int round = 0; round < 2; ++round) {  // the large fits first, then after the small ones
        const CoxFit f = cox_fit(r, full), fw = cox_fit(r, full, {}, &work);
        CHECK(f.beta == fw.beta);
        CHECK(f.var == fw.var);
        CHECK(f.loglik == fw.loglik);
        const CoxFit g = cox_fit(r, full.rightCols(2)), gw = cox_fit(r, full.rightCols(2), {}, &work);
        CHECK(g.beta == gw.beta);
        CHECK(g.loglik == gw.loglik);
        const PhTest p = cox_zph(d.all, r, full, f.beta, terms), pw = cox_zph(d.all, r, full, f.beta, terms, &work);
        CHECK(p.statistic == pw.statistic);
        const CoxFit h = cox_fit(rh, half_X), hw = cox_fit(rh, half_X, {}, &work);
        CHECK(h.beta == hw.beta);
        CHECK(h.loglik == hw.loglik);
        CHECK(cox_zph(half, rh, half_X, h.beta, terms).statistic ==
              cox_zph(half, rh, half_X, h.beta, terms, &work).statistic);
    }
    CHECK(work.x.capacity() >= n * 4);  // room for the largest call, kept
}

// Survival analysis against R's survival package (tests/fixtures/survival/make_survival_reference.R): survfit's
// Kaplan-Meier curve, median and numbers at risk, survdiff's log-rank tests, coxph with Efron's ties and strata.
#include <catch2/catch.hpp>

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

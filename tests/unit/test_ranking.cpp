#include <catch2/catch.hpp>
#include <cmath>

#include "ranking/ranking.hpp"

using namespace precis;

// Reference values: tests/fixtures/welch_reference.txt, made by tests/fixtures/make_welch_reference.py (SciPy).
TEST_CASE("Welch's t-test matches the reference") {
    std::vector<double> a{5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 5.3}, b{6.5, 7.1, 6.9, 5.9, 7.4, 6.8};
    TestResult r = welch_test(a, b);
    CHECK(r.statistic == Approx(4.38474627357).epsilon(1e-10));
    CHECK(r.df == Approx(10.3523494806).epsilon(1e-10));
    CHECK(r.p == Approx(0.00125908063575).epsilon(1e-9));
    CHECK(r.effect == Approx(1.22380952381).epsilon(1e-10));
    // missing values are ignored
    a.push_back(std::nan(""));
    CHECK(welch_test(a, b).p == Approx(r.p).epsilon(1e-12));
    // degenerate groups give NaN, not a number that looks real
    CHECK(std::isnan(welch_test({1.0}, b).p));
    CHECK(std::isnan(welch_test({1.0, 1.0}, {2.0, 2.0}).p));
}

TEST_CASE("BH adjustment matches the reference and leaves NaN alone") {
    std::vector<double> q = bh_adjust({0.01, 0.04, 0.03, 0.005, 0.5, 0.2});
    std::vector<double> want{0.03, 0.06, 0.06, 0.03, 0.5, 0.24};
    for (size_t i = 0; i < want.size(); ++i) CHECK(q[i] == Approx(want[i]).epsilon(1e-12));
    auto q2 = bh_adjust({0.01, std::nan(""), 0.02});
    CHECK(q2[0] == Approx(0.02));
    CHECK(std::isnan(q2[1]));
    CHECK(q2[2] == Approx(0.02));
}

TEST_CASE("contrasts: two levels give second minus first, more give each against the rest") {
    auto two = make_contrasts({"control", "case"});
    REQUIRE(two.size() == 1);
    CHECK(two[0].name == "case_vs_control");
    auto three = make_contrasts({"1", "2", "3"});
    REQUIRE(three.size() == 3);
    CHECK(three[1].name == "2_vs_rest");
    std::vector<double> v{1, 2, 1.5, 10, 11, 10.5, 5, 6, 5.5};
    std::vector<int> g{0, 0, 0, 1, 1, 1, 2, 2, 2};
    auto res = test_feature(v.data(), v.size(), 1, g, three);
    CHECK(res[1].effect == Approx(10.5 - 3.5));
    CHECK(res[1].statistic > 0);
    CHECK(res[0].statistic < 0);
}

TEST_CASE("rank tests, BY and trigamma inverse equal base R and limma on small cases") {
    // R: wilcox.test(b, a, exact = FALSE, correct = TRUE); kruskal.test(list(a, b, c(3, 3, 9)))
    const std::vector<double> a{1.1, 2.2, 2.2, 3.5, 4}, b{2.2, 5, 6, 6, 7.5, 1, NAN};
    auto w = wilcoxon_test(a, b);
    CHECK(w.statistic == Approx(22).epsilon(1e-12));
    CHECK(w.p == Approx(0.22996380068573).epsilon(1e-12));
    CHECK(auc(a, b) == Approx(22.0 / 30).epsilon(1e-12));
    auto k = kruskal_test({a, b, {3, 3, 9}});
    CHECK(k.statistic == Approx(2.01514476614698).epsilon(1e-12));
    CHECK(k.p == Approx(0.365104237830494).epsilon(1e-12));
    CHECK(k.df == 2);
    // R: p.adjust(c(0.01, 0.02, 0.03, 0.5, NA), "BY")
    auto q = by_adjust({0.01, 0.02, 0.03, 0.5, NAN});
    CHECK(q[0] == Approx(0.0833333333333333).epsilon(1e-12));
    CHECK(q[2] == Approx(0.0833333333333333).epsilon(1e-12));
    CHECK(q[3] == 1.0);
    CHECK(std::isnan(q[4]));
    // limma: trigammaInverse(c(0.3, 2, 1e-7, 2e7))
    CHECK(trigamma_inverse(0.3) == Approx(3.80871901205117).epsilon(1e-10));
    CHECK(trigamma_inverse(2) == Approx(0.87666407746426).epsilon(1e-10));
    CHECK(trigamma_inverse(1e-7) == Approx(1e7));
    CHECK(trigamma_inverse(2e7) == Approx(0.000223606797749979));
}

TEST_CASE("covariates: numbers as they are, other columns as indicators after the first level") {
    auto num = covariate_columns({"53", "19.5", "NA", ""});
    REQUIRE(num.size() == 1);
    CHECK(num[0][1] == 19.5);
    CHECK(std::isnan(num[0][2]));
    auto f = covariate_columns({"M", "F", "NA", "X", "F"});
    REQUIRE(f.size() == 2);  // F is the reference; M and X get columns
    CHECK(f[0][0] == 1);
    CHECK(f[0][1] == 0);
    CHECK(std::isnan(f[0][2]));
    CHECK(f[1][3] == 1);
}

TEST_CASE("a design a group or covariate determines is refused") {
    std::vector<int> group{0, 0, 1, 1};
    CHECK_THROWS(make_design(group, 2, {{0, 0, 1, 1}}));  // the covariate is the group
    auto d = make_design(group, 2, {{1, 2, 3, 5}});
    CHECK(d.X.rows() == 4);
    CHECK(d.X.cols() == 3);
}

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

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

TEST_CASE("rank statistics from one sort per feature equal those of each contrast's own two sides") {
    // ties within and across groups, NaNs, a left-out sample (-1), -0.0 beside 0.0, a group with no observed value
    const std::vector<double> v{3, 1, 2, 2, NAN, 0.0, -0.0, 5, 2, 1, 7, 3, 3, NAN, 4, 2, -1, 6};
    const std::vector<int> g{0, 1, 2, 0, 1, 2, 0, 1, -1, 2, 0, 1, 2, 3, 0, 1, 2, 0};
    std::vector<Contrast> cs;
    for (int level = 0; level <= 3; ++level) {
        cs.push_back({"rest", level, -1});
        for (int other = 0; other <= 3; ++other)
            if (other != level) cs.push_back({"pair", level, other});
    }
    SortedGroups sorted;
    sorted.assign(v.data(), v.size(), 1, g);
    for (const Contrast& c : cs) {
        std::vector<double> a, b;
        contrast_sides(v.data(), v.size(), 1, g, c, a, b);
        SortedGroups::W w;
        sorted.mann_whitney(c, w);
        const TestResult one = wilcoxon_test(a, b), two = wilcoxon_from(w);
        INFO("level " << c.level << " other " << c.other);
        CHECK(std::isnan(one.statistic) == std::isnan(two.statistic));
        if (std::isnan(one.statistic)) continue;
        CHECK(one.statistic == two.statistic);  // exactly: the same sums in the same order
        CHECK(one.p == two.p);
        CHECK(auc(a, b) == auc_from(w));
    }
    // strided values (a row-major matrix's column), and assign again reuses the object
    std::vector<double> wide;
    for (double x : v) wide.insert(wide.end(), {x, 99.0});
    SortedGroups again;
    again.assign(v.data(), 3, 1, g);
    again.assign(wide.data(), v.size(), 2, g);
    for (const Contrast& c : cs) {
        SortedGroups::W x, y;
        sorted.mann_whitney(c, x);
        again.mann_whitney(c, y);
        CHECK((std::isnan(x.w) ? std::isnan(y.w) : x.w == y.w));
        CHECK(x.na == y.na);
        CHECK(x.nb == y.nb);
    }
}

TEST_CASE("covariates: numbers as they are, other columns as indicators after the first level") {
    auto num = covariate_columns(std::vector<std::string>{"53", "19.5", "NA", ""});
    REQUIRE(num.size() == 1);
    CHECK(num[0][1] == 19.5);
    CHECK(std::isnan(num[0][2]));
    const std::vector<std::string> sex{"M", "F", "NA", "X", "F"};
    auto f = covariate_columns(sex);
    REQUIRE(f.size() == 2);  // F is the reference; M and X get columns
    CHECK(f[0][0] == 1);
    CHECK(f[0][1] == 0);
    CHECK(std::isnan(f[0][2]));
    CHECK(f[1][3] == 1);
    CHECK(covariate_levels(sex) == std::vector<std::string>{"F", "M", "X"});
    // the same read through a function (as the survival stage reads the sheet), written where the caller says
    const TextAt at = [&](size_t i) { return std::string_view(sex[sex.size() - 1 - i]); };  // (backwards)
    const std::vector<std::string> levels = covariate_levels(sex.size(), at);
    CHECK(levels == covariate_levels(sex));
    REQUIRE(covariate_width(levels) == 2);
    Eigen::MatrixXd X = Eigen::MatrixXd::Constant(long(sex.size()), 3, 7.0);
    covariate_fill(sex.size(), at, levels, [&](size_t j) { return X.col(long(j + 1)).data(); });
    CHECK((X.col(0).array() == 7.0).all());  // a column it was not given is left as it was
    for (size_t c = 0; c < 2; ++c)
        for (size_t i = 0; i < sex.size(); ++i) {
            const double want = f[c][sex.size() - 1 - i], got = X(long(i), long(c + 1));
            CHECK((std::isnan(want) ? std::isnan(got) : want == got));
        }
    const std::vector<std::string> age{"53", "19.5", "NA", ""};
    const TextAt age_at = [&](size_t i) { return std::string_view(age[i]); };
    REQUIRE(covariate_levels(age.size(), age_at).empty());
    CHECK(covariate_width({}) == 1);
    std::vector<double> a(4, 7.0);
    covariate_fill(age.size(), age_at, {}, [&](size_t) { return a.data(); });
    CHECK(a[0] == 53);
    CHECK(a[1] == 19.5);
    CHECK(std::isnan(a[2]));
    CHECK(std::isnan(a[3]));
}

TEST_CASE("a design a group or covariate determines is refused") {
    std::vector<int> group{0, 0, 1, 1};
    CHECK_THROWS(make_design(group, 2, {{0, 0, 1, 1}}));  // the covariate is the group
    auto d = make_design(group, 2, {{1, 2, 3, 5}});
    CHECK(d.X.rows() == 4);
    CHECK(d.X.cols() == 3);
}

TEST_CASE("lowess equals R's lowess(x, y, f = 0.4, iter = 3), ties, an outlier and delta included") {
    // R: set.seed(2); x <- round(runif(40, 0, 10), 1); y <- sin(x) + rnorm(40, sd = 0.3); y[7] <- 5
    const std::vector<double> x{1.8, 7.0, 5.7, 1.7, 9.4, 9.4, 1.3, 8.3, 4.7, 5.5, 5.5, 2.4, 7.6, 1.8,
                                4.1, 8.5, 9.8, 2.3, 4.4, 0.7, 6.6, 3.9, 8.4, 1.5, 3.5, 4.9, 1.5, 3.6,
                                9.6, 1.3, 0.1, 1.6, 8.1, 8.7, 5.1, 6.3, 8.4, 2.8, 6.7, 1.5};
    const std::vector<double> y{
        1.6010933924529387,  0.29700885282562772, -0.073794082510616477, 1.5780603031194447, 0.026256758501800547,
        -0.71073649090048008, 5,                   0.7232043831668723,    -0.76226227647420608, -0.61864931251718758,
        -0.48385874444175442, 0.77115130088044559, 1.2907689781750877,    0.8886003147317213,  -1.0512796932583375,
        0.61978896301595732,  -0.88427306299573816, 0.47492986824761391,  -1.1193206483596558, 0.57026391703763635,
        0.19646549498394472,  -1.2754971117341123, 0.60208739004759804,   1.5685592268083475,  -0.16403504865339869,
        -0.38517648195023835, 0.90584986915161814, -0.46977371385508021,  -0.22957521668835806, 0.60392785582496922,
        -0.15165272763378496, 1.6194640097608763,  0.80121569484233801,   1.0456838836374596,  -1.2400864704262269,
        -0.57294957194984775, 0.7577075799602887,  0.61574690819849498,   0.74661886143682321, 1.4989806168018529};
    // lowess(x, y, f = 0.4, iter = 3)$y, in the order of sorted x
    const std::vector<double> want{
        0.29047977542603787,  0.64635219093082219,  0.94181363100855031,  0.94181363100855031,  1.0230871182552372,
        1.0230871182552372,   1.0230871182552372,   1.0548609821828319,   1.0730260393512481,   1.0699545805190305,
        1.0699545805190305,   0.80269799540186271,  0.70295572708660736,  0.34529093559007706,  -0.26707714559936091,
        -0.3509590608251249,  -0.49016778719375026, -0.53365953281089051, -0.66250893724304161, -0.66933476397824443,
        -0.67188576437057257, -0.587357285610415,   -0.45151971224708437, -0.45151971224708437, -0.33903434182128184,
        0.028512967712162277, 0.21880898157331177,  0.24611306207496622,  0.34594172302682646,  0.57907675427391769,
        0.53465605500507563,  0.46023510600202927,  0.42071762419264491,  0.42071762419264491,  0.37979272514111406,
        0.2934737472347107,   -0.062221118482160664, -0.062221118482160664, -0.18002453304391181, -0.30455664114215919};
    auto fit = lowess(x, y, 0.4, 3);
    std::vector<size_t> o(x.size());
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    for (size_t k = 0; k < o.size(); ++k) CHECK(fit[o[k]] == Approx(want[k]).epsilon(1e-12));
}

TEST_CASE("chi-squared test of independence equals R's chisq.test, Yates on 2 x 2") {
    // tests/fixtures/report/make_chisq.R: the same tables (filled column by column, as R's matrix())
    const std::map<std::string, std::pair<size_t, std::vector<double>>> tables = {
        {"t2x2", {2, {12, 5, 7, 15}}},
        {"t3x2", {3, {20, 3, 9, 4, 18, 11}}},
        {"t3x4", {3, {5, 9, 14, 2, 8, 8, 11, 3, 0, 6, 4, 10}}},
        {"t2x3_small", {2, {1, 0, 2, 3, 1, 1}}}};
    std::ifstream in(std::string(PRECIS_FIXTURES) + "/report/chisq.tsv");
    REQUIRE(in);
    std::string name;
    double stat, df, p;
    std::getline(in, name);  // header
    size_t seen = 0;
    while (in >> name >> stat >> df >> p) {
        const auto& [nrow, flat] = tables.at(name);
        const size_t ncol = flat.size() / nrow;
        std::vector<std::vector<double>> t(nrow, std::vector<double>(ncol));
        for (size_t j = 0; j < ncol; ++j)
            for (size_t i = 0; i < nrow; ++i) t[i][j] = flat[j * nrow + i];
        const precis::TestResult r = precis::chisq_test(t);
        INFO(name);
        CHECK(r.statistic == Approx(stat).epsilon(1e-12));
        CHECK(r.df == df);
        CHECK(r.p == Approx(p).epsilon(1e-10));
        ++seen;
    }
    CHECK(seen == tables.size());
    // an empty row is left out; one row left is no test
    CHECK(precis::chisq_test({{3, 4}, {0, 0}, {5, 1}}).df == 1);
    CHECK(std::isnan(precis::chisq_test({{3, 4}, {0, 0}}).p));
}

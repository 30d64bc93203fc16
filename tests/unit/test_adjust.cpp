// Confounder adjustment against limma removeBatchEffect and sva ComBat (tests/fixtures/adjust/make_adjust_reference.R)
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "adjust/adjust.hpp"
#include "core/error.hpp"

using namespace precis;

namespace {

const std::string kDir = std::string(PRECIS_FIXTURES) + "/adjust/";

// features x samples, as R wrote it; NaN for NA
struct Fixture {
    std::vector<std::string> features;
    std::vector<std::vector<double>> rows;
};
Fixture read_matrix(const std::string& name) {
    FILE* f = popen(("gzip -dc " + kDir + name).c_str(), "r");
    REQUIRE(f);
    std::string text;
    char buf[65536];
    for (size_t got; (got = fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, got);
    REQUIRE(pclose(f) == 0);
    Fixture m;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string v;
        std::getline(fields, v, '\t');
        m.features.push_back(v);
        m.rows.emplace_back();
        while (std::getline(fields, v, '\t')) m.rows.back().push_back(v == "NA" ? NAN : std::stod(v));
    }
    return m;
}

struct Samples {
    std::vector<std::string> batch, group, sex;
    std::vector<double> age;
};
Samples read_samples() {
    std::ifstream in(kDir + "samples.tsv");
    Samples s;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, b, g, a, x;
        f >> id >> b >> g >> a >> x;
        s.batch.push_back(b), s.group.push_back(g), s.age.push_back(std::stod(a)), s.sex.push_back(x);
    }
    return s;
}

Eigen::MatrixXd columns(const std::vector<std::vector<double>>& cols, bool intercept) {
    const long n = long(cols.empty() ? 0 : cols[0].size());
    Eigen::MatrixXd X(n, long(cols.size()) + (intercept ? 1 : 0));
    long c = 0;
    if (intercept) X.col(c++).setOnes();
    for (auto& v : cols) X.col(c++) = Eigen::Map<const Eigen::VectorXd>(v.data(), n);
    return X;
}
std::vector<double> indicator(const std::vector<std::string>& v, const std::string& level) {
    std::vector<double> r;
    for (auto& x : v) r.push_back(x == level ? 1 : 0);
    return r;
}

// the largest difference from the reference, over the features of `ref` (matched by name)
double max_diff(const Fixture& got, const Fixture& ref) {
    double worst = 0;
    for (size_t r = 0; r < ref.rows.size(); ++r) {
        size_t g = 0;
        while (got.features[g] != ref.features[r]) ++g;
        for (size_t i = 0; i < ref.rows[r].size(); ++i) {
            const double a = got.rows[g][i], b = ref.rows[r][i];
            if (std::isnan(a) != std::isnan(b)) return INFINITY;
            if (!std::isnan(a)) worst = std::max(worst, std::abs(a - b));
        }
    }
    return worst;
}

Fixture remove_linear(const Fixture& x, const Eigen::MatrixXd& keep, const Eigen::MatrixXd& remove) {
    LinearRemoval lr(keep, remove);
    Fixture out = x;
    for (auto& row : out.rows) lr.apply(row.data());
    return out;
}

Fixture combat(const Fixture& x, const Combat& cb) {
    bool any_missing = false;
    for (auto& row : x.rows)
        for (double v : row) any_missing = any_missing || std::isnan(v);
    std::vector<Combat::Feature> fs;
    for (auto& row : x.rows) fs.push_back(cb.summarize(row.data(), any_missing));
    // through the flat form, as the pipeline sends it between ranks
    std::vector<double> flat;
    for (auto& f : fs) cb.flatten(f, flat);
    std::vector<Combat::Feature> all;
    for (size_t j = 0; j < fs.size(); ++j) all.push_back(cb.unflatten(&flat[j * cb.flat_size()]));
    cb.posterior(all);
    Fixture out = x;
    for (size_t j = 0; j < fs.size(); ++j) {
        fs[j].gamma_star = all[j].gamma_star, fs[j].delta_star = all[j].delta_star;
        cb.apply(fs[j], out.rows[j].data());
    }
    return out;
}

// The same, each value adjusted alone as `precis classify` adjusts a new sample: with the feature's saved fit (grand
// mean, mod coefficients, pooled sd) and the sample's batch's gamma* and delta*.
Fixture combat_one_by_one(const Fixture& x, const Combat& cb, const Factor& batch, const Eigen::MatrixXd& mod) {
    std::vector<Combat::Feature> fs;
    for (auto& row : x.rows) fs.push_back(cb.summarize(row.data(), false));
    cb.posterior(fs);
    Fixture out = x;
    for (size_t j = 0; j < fs.size(); ++j) {
        const Combat::Feature& f = fs[j];
        REQUIRE(f.adjusted);
        const double grand = cb.grand_mean(f);
        const Eigen::VectorXd beta = cb.mod_coefficients(f);
        REQUIRE(beta.size() == mod.cols());
        for (size_t i = 0; i < out.rows[j].size(); ++i) {
            const int b = batch.code[i];
            if (b == cb.reference()) continue;
            std::vector<double> z;  // (a 0-column matrix has no rows to take)
            for (long c = 0; c < mod.cols(); ++c) z.push_back(mod(long(i), c));
            out.rows[j][i] = combat_adjust_value(x.rows[j][i], grand, beta.data(), z.data(), z.size(), f.sd,
                                                 f.gamma_star[size_t(b)], f.delta_star[size_t(b)]);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("removeBatchEffect equals limma's", "[adjust]") {
    const Samples s = read_samples();
    const Fixture x = read_matrix("x.tsv.gz"), x_na = read_matrix("x_na.tsv.gz");
    const Eigen::MatrixXd batch = sum_contrasts(make_factor(s.batch));
    const Eigen::MatrixXd cov = columns({s.age, indicator(s.sex, "M")}, false);
    const Eigen::MatrixXd one = Eigen::MatrixXd::Ones(long(s.age.size()), 1);
    const Eigen::MatrixXd design = columns({indicator(s.group, "b")}, true);
    Eigen::MatrixXd both(batch.rows(), batch.cols() + cov.cols());
    both << batch, cov;
    CHECK(max_diff(remove_linear(x, one, batch), read_matrix("rbe_batch.tsv.gz")) < 1e-9);
    CHECK(max_diff(remove_linear(x, design, both), read_matrix("rbe_full.tsv.gz")) < 1e-9);
    CHECK(max_diff(remove_linear(x, one, cov), read_matrix("rbe_covariates.tsv.gz")) < 1e-9);
    // missing values: each feature fitted on its observed samples; F001 lacks batch P3 (its coefficient is 0)
    CHECK(max_diff(remove_linear(x_na, design, both), read_matrix("rbe_na.tsv.gz")) < 1e-9);
}

TEST_CASE("ComBat equals sva's", "[adjust]") {
    const Samples s = read_samples();
    const Fixture x = read_matrix("x.tsv.gz"), x_na = read_matrix("x_na.tsv.gz");
    const Factor batch = make_factor(s.batch);
    const long n = long(s.age.size());
    const Eigen::MatrixXd none(n, 0);
    const Eigen::MatrixXd group = columns({indicator(s.group, "b")}, false);
    // the same iterations as sva's it.sol, so the same numbers to rounding (1e-14 seen)
    CHECK(max_diff(combat(x, Combat(batch, none, -1, false)), read_matrix("combat.tsv.gz")) < 1e-9);
    CHECK(max_diff(combat(x, Combat(batch, group, -1, false)), read_matrix("combat_mod.tsv.gz")) < 1e-9);
    CHECK(max_diff(combat(x, Combat(batch, none, -1, true)), read_matrix("combat_mean_only.tsv.gz")) < 1e-9);
    CHECK(max_diff(combat(x, Combat(batch, none, 1, false)), read_matrix("combat_ref.tsv.gz")) < 1e-9);
    // missing values (sva's reference leaves out F001, which precis leaves as it is)
    const Fixture na = combat(x_na, Combat(batch, none, -1, false));
    CHECK(max_diff(na, read_matrix("combat_na.tsv.gz")) < 1e-9);
    CHECK(std::equal(na.rows[0].begin(), na.rows[0].end(), x_na.rows[0].begin(), [](double a, double b) {
        return a == b || (std::isnan(a) && std::isnan(b));
    }));
    // ComBat with the covariates kept, then the covariates removed linearly
    const Eigen::MatrixXd cov = columns({s.age, indicator(s.sex, "M")}, false);
    Eigen::MatrixXd mod(n, 3);
    mod << group, cov;
    const Fixture cb = combat(x, Combat(batch, mod, -1, false));
    CHECK(max_diff(remove_linear(cb, columns({indicator(s.group, "b")}, true), cov),
                   read_matrix("combat_covariates.tsv.gz")) < 1e-9);
}

TEST_CASE("a new sample adjusted with a saved ComBat fit equals sva's adjustment of it", "[adjust][classify]") {
    const Samples s = read_samples();
    const Fixture x = read_matrix("x.tsv.gz");
    const Factor batch = make_factor(s.batch);
    const long n = long(s.age.size());
    const Eigen::MatrixXd none(n, 0);
    const Eigen::MatrixXd group = columns({indicator(s.group, "b")}, false);
    CHECK(max_diff(combat_one_by_one(x, Combat(batch, none, -1, false), batch, none), read_matrix("combat.tsv.gz")) < 1e-9);
    CHECK(max_diff(combat_one_by_one(x, Combat(batch, group, -1, false), batch, group),
                   read_matrix("combat_mod.tsv.gz")) < 1e-9);
    CHECK(max_diff(combat_one_by_one(x, Combat(batch, none, -1, true), batch, none),
                   read_matrix("combat_mean_only.tsv.gz")) < 1e-9);
    CHECK(max_diff(combat_one_by_one(x, Combat(batch, none, 1, false), batch, none), read_matrix("combat_ref.tsv.gz")) < 1e-9);
}

TEST_CASE("sum contrasts and factors are R's", "[adjust]") {
    const Factor f = make_factor({"b", "a", "c", "a"});
    CHECK(f.levels == std::vector<std::string>{"a", "b", "c"});
    CHECK(f.code == std::vector<int>{1, 0, 2, 0});
    const Eigen::MatrixXd C = sum_contrasts(f);
    Eigen::MatrixXd want(4, 2);
    want << 0, 1, 1, 0, -1, -1, 1, 0;
    CHECK(C == want);
    Eigen::MatrixXd confounded(4, 2);
    confounded << 1, 1, 1, 1, 1, 0, 1, 0;
    CHECK(design_rank(confounded) == 2);
    confounded.col(1).setOnes();
    CHECK(design_rank(confounded) == 1);
}

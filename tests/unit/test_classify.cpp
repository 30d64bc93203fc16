// The nearest shrunken centroid classifier against scikit-learn's NearestCentroid(shrink_threshold)
// (tests/fixtures/classify/make_nsc_reference.py), pamr's posterior against hand-computed values, the folds, the
// threshold choice, the in-group proportion, and the model file written and read back.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <algorithm>

#include "classify/classify.hpp"
#include "core/error.hpp"
#include "store/model_file.hpp"

using namespace precis;

namespace {
std::vector<std::vector<double>> read_tsv(const std::string& name) {
    std::ifstream in(std::string(PRECIS_FIXTURES) + "/classify/" + name);
    REQUIRE(in.good());
    std::vector<std::vector<double>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream l(line);
        std::vector<double> r;
        double v;
        while (l >> v) r.push_back(v);
        rows.push_back(r);
    }
    return rows;
}
Matrix to_matrix(const std::vector<std::vector<double>>& rows, size_t skip) {
    Matrix X(rows.size(), rows[0].size() - skip);
    for (size_t i = 0; i < X.rows; ++i)
        for (size_t j = 0; j < X.cols; ++j) X(i, j) = rows[i][j + skip];
    return X;
}
}  // namespace

TEST_CASE("nearest shrunken centroids equal scikit-learn's", "[classify]") {
    const auto train = read_tsv("train.tsv");
    const Matrix X = to_matrix(train, 1), T = to_matrix(read_tsv("test.tsv"), 0);
    std::vector<int> y;
    for (auto& r : train) y.push_back(int(r[0]));
    const NscFit f = nsc_fit(X, y, 3);
    for (const char* t : {"0.5", "1", "2", "3.5"}) {
        const auto want = read_tsv(std::string("centroids_") + t + ".tsv");
        const std::vector<double> s = nsc_shrunken(f, std::stod(t));
        for (size_t c = 0; c < 3; ++c)
            for (size_t j = 0; j < X.cols; ++j) CHECK(s[c * X.cols + j] == Approx(want[c][j]).margin(1e-12));
        const auto pred = read_tsv(std::string("predict_") + t + ".tsv");
        size_t same = 0;
        for (size_t i = 0; i < T.rows; ++i) same += nsc_predict(f, s, &T.data[i * T.cols]).label == int(pred[i][0]);
        CHECK(same == T.rows);
    }
}

TEST_CASE("pamr's discriminant posterior, by hand", "[classify]") {
    // two classes of two samples, two features: class means (0, 0) and (2, 2), overall (1, 1); within-class
    // deviations +-1 and +-0.5 give s = (sqrt(4 / 2), sqrt(1 / 2)) = (1.41421, 0.70711), s0 = their median
    // (1.06066), sd = s + s0 = (2.47487, 1.76777)
    Matrix X(4, 2);
    const double v[4][2] = {{-1, -0.5}, {1, 0.5}, {1, 1.5}, {3, 2.5}};
    for (size_t i = 0; i < 4; ++i) X(i, 0) = v[i][0], X(i, 1) = v[i][1];
    const NscFit f = nsc_fit(X, {1, 1, 2, 2}, 2);
    CHECK(f.sd[0] == Approx(std::sqrt(2.0) + (std::sqrt(2.0) + std::sqrt(0.5)) / 2));
    CHECK(f.sd[1] == Approx(std::sqrt(0.5) + (std::sqrt(2.0) + std::sqrt(0.5)) / 2));
    const std::vector<double> s = nsc_shrunken(f, 0.0);  // no shrinkage: the class means
    const double x[2] = {0.5, 1.0};
    const NscCall c = nsc_predict(f, s, x);
    // delta_1 = 0.5^2 / sd0^2 + 1 / sd1^2, delta_2 = 1.5^2 / sd0^2 + 1 / sd1^2 (equal priors cancel)
    const double d1 = 0.25 / (f.sd[0] * f.sd[0]) + 1.0 / (f.sd[1] * f.sd[1]);
    const double d2 = 2.25 / (f.sd[0] * f.sd[0]) + 1.0 / (f.sd[1] * f.sd[1]);
    CHECK(d1 == Approx(0.0408163 + 0.32).epsilon(1e-5));
    const double p1 = 1 / (1 + std::exp(-(d2 - d1) / 2));
    CHECK(p1 == Approx(0.5406).epsilon(1e-3));  // 1 / (1 + exp(-2 / 2.47487^2 / 2)): by hand
    CHECK(c.probability[0] == Approx(p1).epsilon(1e-12));
    CHECK(c.probability[1] == Approx(1 - p1).epsilon(1e-12));
    CHECK(c.label == 1);
    CHECK(c.distance[0] == Approx(std::sqrt(0.25 + 1.0)));
    CHECK(c.distance[1] == Approx(std::sqrt(2.25 + 1.0)));
}

TEST_CASE("folds, thresholds and the threshold choice", "[classify]") {
    std::vector<int> y;
    for (int c = 1; c <= 3; ++c)
        for (int i = 0; i < 7 * c; ++i) y.push_back(c);
    const std::vector<int> fold = stratified_folds(y, 5, 42);
    CHECK(stratified_folds(y, 5, 42) == fold);
    for (int c = 1; c <= 3; ++c) {  // each class spread evenly over the folds
        std::vector<int> n(5, 0);
        for (size_t i = 0; i < y.size(); ++i)
            if (y[i] == c) ++n[size_t(fold[i])];
        CHECK(*std::max_element(n.begin(), n.end()) - *std::min_element(n.begin(), n.end()) <= 1);
    }
    // the fewest errors; among those the least log loss; then the largest threshold
    CHECK(choose_threshold({0.2, 0.1, 0.1, 0.3}, {5, 4, 3, 1}) == 2);
    CHECK(choose_threshold({0.1, 0.1, 0.1}, {2, 2, 2}) == 2);
    CHECK(choose_threshold({0.0, 0.1}, {9, 1}) == 0);
}

TEST_CASE("in-group proportion", "[classify]") {
    // two tight pairs of profiles and a fifth sample nearest to the first pair but labelled with the second
    Matrix X(5, 3);
    const double v[5][3] = {{1, 2, 3}, {1, 2, 3.1}, {3, 2, 1}, {3.1, 2, 1}, {1, 2.2, 3}};
    for (size_t i = 0; i < 5; ++i)
        for (size_t j = 0; j < 3; ++j) X(i, j) = v[i][j];
    const std::vector<double> igp = in_group_proportion(X, {1, 1, 2, 2, 2}, 2);
    CHECK(igp[0] == 1.0);
    CHECK(igp[1] == Approx(2.0 / 3.0));
}

TEST_CASE("the IGP's null centroids: permuted within the centroids' principal axes (clusterRepro)", "[classify]") {
    const int k = 3;
    const size_t p = 7;
    std::vector<double> C(size_t(k) * p);
    for (size_t i = 0; i < C.size(); ++i) C[i] = std::sin(double(i) * 1.7) * double(1 + i % 4);
    const NullCentroids nc(C, k, p);
    const Eigen::MatrixXd& V = nc.axes();
    CHECK((V.transpose() * V - Eigen::MatrixXd::Identity(k, k)).norm() < 1e-12);
    auto rotated = [&](const std::vector<double>& cent) {  // C V, each axis's values sorted
        Eigen::MatrixXd M(long(p), k);
        for (int c = 0; c < k; ++c)
            for (size_t j = 0; j < p; ++j) M(long(j), c) = cent[size_t(c) * p + j];
        Eigen::MatrixXd R = M * V;
        for (long c = 0; c < R.cols(); ++c) std::sort(R.col(c).data(), R.col(c).data() + R.rows());
        return R;
    };
    const Eigen::MatrixXd want = rotated(C);
    Rng rng(5);
    const std::vector<double> a = nc.draw(rng), b = nc.draw(rng);
    CHECK((rotated(a) - want).cwiseAbs().maxCoeff() < 1e-12);  // each axis keeps its values
    CHECK((rotated(b) - want).cwiseAbs().maxCoeff() < 1e-12);
    double moved = 0;
    for (size_t i = 0; i < C.size(); ++i) moved = std::max(moved, std::abs(a[i] - C[i]));
    CHECK(moved > 0.1);  // but not their features
    Rng again(5);
    CHECK(nc.draw(again) == a);  // the same stream, the same draw
}

TEST_CASE("the model file is written and read back, and refused when it is not one", "[classify]") {
    SubtypeModel m;
    m.precis_version = "test";
    m.k = 2;
    m.modalities = {"proteome"};
    m.feature_ids = {{"P1", "P2"}};
    m.center = {0.5, -1};
    m.scale = {1};
    m.proteome_features = {"P0", "P1", "P2"};
    m.quantile_reference = {1, 2, 3};
    m.fit.k = 2, m.fit.p = 2, m.fit.n = 10;
    m.fit.overall = {0, 1};
    m.fit.centroid = {1, 2, 3, 4};
    m.fit.sd = {1, 1};
    m.fit.m = {0.3, 0.3};
    m.fit.prior = {0.5, 0.5};
    m.shrunken = {1, 2, 3, 4};
    m.thresholds = {0, 1};
    m.cv_error = {0, 0.5};
    m.cv_log_loss = {0.1, 0.6};
    const std::string path = "test_model.h5";
    write_subtype_model(path, m);
    const SubtypeModel r = read_subtype_model(path);
    CHECK(r.feature_ids == m.feature_ids);
    CHECK(r.center == m.center);
    CHECK(r.quantile_reference == m.quantile_reference);
    CHECK(r.fit.centroid == m.fit.centroid);
    CHECK(r.cv_log_loss == m.cv_log_loss);
    CHECK(r.k == 2);
    std::remove(path.c_str());
    {
        std::ofstream("not_a_model.h5") << "hello";
    }
    try {
        read_subtype_model("not_a_model.h5");
        FAIL("read a text file as a model");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Config);
        CHECK(std::string(e.what()).find("not an HDF5 file") != std::string::npos);
    }
    std::remove("not_a_model.h5");
}

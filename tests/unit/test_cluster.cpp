#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "cluster/cluster.hpp"
#include "core/rng.hpp"

using namespace precis;

namespace {
// three well-separated groups of 20 points in 5 dimensions
Matrix blobs(uint64_t seed, std::vector<int>& truth) {
    Rng r(seed);
    Matrix X(60, 5);
    truth.clear();
    for (size_t i = 0; i < 60; ++i) {
        int g = int(i % 3);
        truth.push_back(g);
        for (size_t j = 0; j < 5; ++j) X(i, j) = r.normal(0, 0.3) + (j == size_t(g) ? 5.0 : 0.0);
    }
    return X;
}

bool same_partition(const std::vector<int>& a, const std::vector<int>& b) {
    for (size_t i = 0; i < a.size(); ++i)
        for (size_t j = i + 1; j < a.size(); ++j)
            if ((a[i] == a[j]) != (b[i] == b[j])) return false;
    return true;
}

std::vector<std::pair<int, int>> all_tasks(int kmin, int kmax, int R) {
    std::vector<std::pair<int, int>> t;
    for (int k = kmin; k <= kmax; ++k)
        for (int r = 0; r < R; ++r) t.push_back({k, r});
    return t;
}
}  // namespace

TEST_CASE("k-means finds well-separated groups") {
    std::vector<int> truth;
    Matrix X = blobs(3, truth);
    std::vector<size_t> rows(60), cols(5);
    for (size_t i = 0; i < 60; ++i) rows[i] = i;
    for (size_t j = 0; j < 5; ++j) cols[j] = j;
    CHECK(same_partition(kmeans(X, rows, cols, 3, 11), truth));
}

TEST_CASE("average linkage cuts a known tree") {
    // points on a line: 0, 1, 10, 11, 30
    std::vector<double> x{0, 1, 10, 11, 30};
    std::vector<double> d(25);
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j) d[i * 5 + j] = std::fabs(x[i] - x[j]);
    CHECK(average_linkage_cut(d, 5, 3) == std::vector<int>{1, 1, 2, 2, 3});
    CHECK(average_linkage_cut(d, 5, 2) == std::vector<int>{1, 1, 1, 1, 2});
    CHECK(average_linkage_cut(d, 5, 5) == std::vector<int>{1, 2, 3, 4, 5});
}

TEST_CASE("consensus clustering recovers the groups, with PAC choosing k = 3") {
    std::vector<int> truth;
    Matrix X = blobs(5, truth);
    auto counts = run_resamples(X, 2, 5, all_tasks(2, 5, 40), {}, 99);
    std::vector<KSummary> ks;
    for (auto& c : counts) ks.push_back(summarize_consensus(c));
    fill_delta_area(ks);
    size_t chosen = choose_k(ks, "pac");
    CHECK(ks[chosen].k == 3);
    CHECK(ks[chosen].pac == Approx(0.0).margin(1e-9));
    CHECK(ks[chosen].mean_silhouette > 0.9);
    CHECK(same_partition(ks[chosen].labels, truth));
    CHECK(ks[chosen].labels[0] == 1);  // labels numbered by first appearance
    CHECK(choose_k(ks, "silhouette") == chosen);
    CHECK(choose_k(ks, "fixed") == 0);
    for (double ic : ks[chosen].item_consensus) CHECK(ic == Approx(1.0));
}

TEST_CASE("resample counts do not depend on how tasks are split or on the thread count") {
    std::vector<int> truth;
    Matrix X = blobs(7, truth);
    for (size_t i = 0; i < X.rows; ++i) X(i, 0) += (i % 7) * 0.8;  // make it less clean, so resamples differ
    auto tasks = all_tasks(2, 4, 30);
    omp_set_num_threads(1);
    auto whole = run_resamples(X, 2, 4, tasks, {0.7, 0.8, 100}, 1234);
    // split as 3 ranks would, each with 2 threads, then summed
    omp_set_num_threads(2);
    std::vector<std::vector<ConsensusCounts>> parts;
    for (int rank = 0; rank < 3; ++rank) {
        std::vector<std::pair<int, int>> mine;
        for (size_t t = rank; t < tasks.size(); t += 3) mine.push_back(tasks[t]);
        parts.push_back(run_resamples(X, 2, 4, mine, {0.7, 0.8, 100}, 1234));
    }
    for (size_t k = 0; k < whole.size(); ++k) {
        auto together = parts[0][k].together, sampled = parts[0][k].sampled;
        for (int rank = 1; rank < 3; ++rank)
            for (size_t q = 0; q < together.size(); ++q) {
                together[q] += parts[rank][k].together[q];
                sampled[q] += parts[rank][k].sampled[q];
            }
        CHECK(together == whole[k].together);
        CHECK(sampled == whole[k].sampled);
    }
    auto other_seed = run_resamples(X, 2, 4, tasks, {0.7, 0.8, 100}, 1235);
    CHECK(other_seed[0].sampled != whole[0].sampled);
}

TEST_CASE("hc resamples: one subsample and tree per resample serve every k, split any way") {
    std::vector<int> truth;
    Matrix X = blobs(7, truth);
    ResampleParams p;
    p.algorithm = "hc";
    p.distance = "pearson";
    p.item_fraction = 0.7;
    std::vector<std::pair<int, int>> tasks;
    for (int r = 0; r < 20; ++r) tasks.push_back({2, r});
    omp_set_num_threads(1);
    auto whole = run_resamples(X, 2, 4, tasks, p, 77);
    REQUIRE(whole.size() == 3);
    CHECK(whole[0].sampled == whole[2].sampled);  // the same subsamples at every k
    CHECK(whole[0].together != whole[2].together);
    omp_set_num_threads(2);
    std::vector<std::pair<int, int>> odd, even;
    for (auto& t : tasks) (t.second % 2 ? odd : even).push_back(t);
    auto a = run_resamples(X, 2, 4, odd, p, 77), b = run_resamples(X, 2, 4, even, p, 77);
    for (size_t k = 0; k < 3; ++k)
        for (size_t q = 0; q < whole[k].together.size(); ++q)
            REQUIRE(a[k].together[q] + b[k].together[q] == whole[k].together[q]);
}

TEST_CASE("feature preparation: centring, imputation, spread") {
    Matrix X(4, 2);
    double v[] = {1, 10, 2, NAN, 3, 30, 100, 40};
    for (int i = 0; i < 8; ++i) X.data[i] = v[i];
    CHECK(mad(X.data.data(), 4, 2) == Approx(1.4826 * 1.0));
    center_and_impute(X, "median");
    CHECK(X(0, 0) == Approx(-1.5));
    CHECK(X(1, 1) == Approx(0.0));  // missing -> centre
    CHECK(X(3, 1) == Approx(10.0));
    auto emb = pca_embedding(X, 2);
    CHECK(emb.size() == 8);
}

TEST_CASE("resample distances: euclidean, 1 - Pearson and 1 - Spearman") {
    Matrix X(4, 4);
    const double v[4][4] = {{1, 2, 3, 4}, {2, 4, 6, 8}, {4, 3, 2, 1}, {1, 10, 100, 1000}};
    for (size_t i = 0; i < 4; ++i)
        for (size_t j = 0; j < 4; ++j) X(i, j) = v[i][j];
    const std::vector<size_t> rows = {0, 1, 2, 3}, cols = {0, 1, 2, 3};
    auto p = row_distances(X, rows, cols, "pearson");
    CHECK(p[0 * 4 + 1] == Approx(0.0).margin(1e-12));  // proportional rows
    CHECK(p[0 * 4 + 2] == Approx(2.0));                 // reversed
    CHECK(p[0 * 4 + 3] > 0.05);                         // monotone but not linear
    auto s = row_distances(X, rows, cols, "spearman");
    CHECK(s[0 * 4 + 3] == Approx(0.0).margin(1e-12));   // Spearman sees only the order
    CHECK(s[2 * 4 + 3] == Approx(2.0));
    auto e = row_distances(X, rows, cols, "euclidean");
    CHECK(e[0 * 4 + 1] == Approx(std::sqrt(1.0 + 4 + 9 + 16)));
    CHECK(e[1 * 4 + 0] == e[0 * 4 + 1]);
}

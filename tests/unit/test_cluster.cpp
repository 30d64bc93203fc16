#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>

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

// every resample's labels for resamples [0, R) and the full pair counts
PairCounts consensus_counts(const Matrix& X, int kmin, int kmax, size_t R, const ResampleParams& p, uint64_t seed,
                            std::vector<uint8_t>* labels_out = nullptr) {
    std::vector<size_t> rows(X.rows), cols(X.cols);
    for (size_t i = 0; i < X.rows; ++i) rows[i] = i;
    for (size_t j = 0; j < X.cols; ++j) cols[j] = j;
    auto D = row_distances(X, rows, cols, p.algorithm == "kmeans" ? "euclidean" : p.distance);
    auto labels = resample_labels(X, D, kmin, kmax, 0, R, p, seed);
    if (labels_out) *labels_out = labels;
    return count_pairs(labels, X.rows, kmin, kmax, 0, X.rows);
}

std::vector<double> line_distances(const std::vector<double>& x) {
    std::vector<double> d(x.size() * x.size());
    for (size_t i = 0; i < x.size(); ++i)
        for (size_t j = 0; j < x.size(); ++j) d[i * x.size() + j] = std::fabs(x[i] - x[j]);
    return d;
}
}  // namespace

TEST_CASE("k-means finds well-separated groups, from coordinates and from distances alike") {
    std::vector<int> truth;
    Matrix X = blobs(3, truth);
    std::vector<size_t> rows(60), cols(5);
    for (size_t i = 0; i < 60; ++i) rows[i] = i;
    for (size_t j = 0; j < 5; ++j) cols[j] = j;
    auto sq = row_distances(X, rows, cols, "euclidean");
    for (double& v : sq) v *= v;
    // one random start each (as R's kmeans with nstart = 1): two starts in one group can stick, but most find them
    int found = 0;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        auto a = kmeans(X, rows, cols, 3, seed);
        CHECK(same_partition(a, kmeans_sq(sq, 60, 3, seed)));
        found += same_partition(a, truth);
    }
    CHECK(found >= 14);
    // a harder case (groups touching): both routes still agree, start for start
    for (size_t i = 0; i < 60; ++i) X(i, 0) += double(i % 7) * 0.9;
    sq = row_distances(X, rows, cols, "euclidean");
    for (double& v : sq) v *= v;
    for (uint64_t seed = 1; seed <= 20; ++seed)
        CHECK(same_partition(kmeans(X, rows, cols, 4, seed), kmeans_sq(sq, 60, 4, seed)));
}

TEST_CASE("hclust: heights and cuts equal R's hclust for every linkage") {
    // R: hclust(dist(c(0, 1, 10, 11, 30, 12.5, 4)), method = m)$height and cutree(h, 3)
    const auto d = line_distances({0, 1, 10, 11, 30, 12.5, 4});
    const std::vector<std::pair<std::string, std::vector<double>>> ref = {
        {"average", {1, 1, 2, 3.5, 9.5, 23.58333333}},
        {"complete", {1, 1, 2.5, 4, 12.5, 30}},
        {"single", {1, 1, 1.5, 3, 6, 17.5}},
        {"ward.D", {1, 1, 2.333333333, 4.333333333, 24.16666667, 35.73809524}},
        {"ward.D2", {1, 1, 2.309401077, 4.041451884, 16.45448267, 30.87783147}}};
    for (auto& [name, heights] : ref) {
        INFO(name);
        for (auto tree : {hclust(d, 7, parse_linkage(name)), hclust_chain(d, 7, parse_linkage(name))}) {
            REQUIRE(tree.size() == 6);
            for (size_t i = 0; i < 6; ++i) CHECK(tree[i].h == Approx(heights[i]).epsilon(1e-9));
            CHECK(cut_tree(tree, 7, 3) == std::vector<int>{1, 1, 2, 2, 3, 2, 1});
            CHECK(cut_tree(tree, 7, 7) == std::vector<int>{1, 2, 3, 4, 5, 6, 7});
            CHECK(cut_tree(tree, 7, 1) == std::vector<int>(7, 1));
        }
        // without ties, the chain's tree is hclust's, merge for merge
        std::vector<int> truth;
        Matrix X = blobs(11, truth);
        std::vector<size_t> rows(60), cols{0, 1, 2, 3, 4};
        for (size_t i = 0; i < 60; ++i) rows[i] = i;
        auto e = row_distances(X, rows, cols, "euclidean");
        auto a = hclust(e, 60, parse_linkage(name)), b = hclust_chain(e, 60, parse_linkage(name));
        for (size_t i = 0; i < 59; ++i) {
            CHECK(a[i].a == b[i].a);
            CHECK(a[i].b == b[i].b);
            CHECK(a[i].h == Approx(b[i].h).epsilon(1e-12));
        }
    }
    CHECK_THROWS(parse_linkage("ward"));
}

TEST_CASE("pam: BUILD and SWAP give R cluster::pam's partition") {
    // R: set.seed(3); three groups of five points; pam(dist(p), k, diss = TRUE)$clustering
    const double p[15][2] = {{-0.9619, -0.3077}, {-0.2925, -0.953}, {0.2588, -0.6482}, {-1.1521, 1.2243},
                             {0.1958, 0.1998},   {4.0301, 0.4215},  {4.0854, 0.0577},  {5.1166, 0.7963},
                             {2.7811, -0.6665},  {5.2674, 0.5155},  {7.2552, -0.7411}, {6.8688, 1.1606},
                             {7.2836, 1.0121},   {8.2527, -0.0721}, {8.152, -1.1368}};
    Matrix X(15, 2);
    for (size_t i = 0; i < 15; ++i) X(i, 0) = p[i][0], X(i, 1) = p[i][1];
    std::vector<size_t> rows(15), cols{0, 1};
    for (size_t i = 0; i < 15; ++i) rows[i] = i;
    auto d = row_distances(X, rows, cols, "euclidean");
    CHECK(same_partition(pam(d, 15, 3), {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3}));
    CHECK(same_partition(pam(d, 15, 4), {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 4, 4, 3, 3}));
    // BUILD is greedy: its medoids for k are the first k of those for a larger k, so one BUILD serves every k
    const std::vector<size_t> built = pam_build(d, 15, 6);
    REQUIRE(built.size() == 6);
    for (int k = 2; k <= 6; ++k) {
        const std::vector<size_t> mine = pam_build(d, 15, k);
        CHECK(mine == std::vector<size_t>(built.begin(), built.begin() + k));
        CHECK(pam_swap(d, 15, mine) == pam(d, 15, k));
    }
}

TEST_CASE("consensus clustering recovers the groups, with PAC choosing k = 3, for every algorithm") {
    std::vector<int> truth;
    Matrix X = blobs(5, truth);
    for (std::string alg : {"kmeans", "hc", "pam"}) {
        INFO(alg);
        ResampleParams p;
        p.algorithm = alg;
        auto counts = consensus_counts(X, 2, 5, 40, p, 99);
        std::vector<KSummary> ks;
        for (int k = 2; k <= 5; ++k)
            ks.push_back(summarize_consensus(consensus_matrix(counts, k), 60, k, Linkage::Average));
        fill_delta_area(ks);
        size_t chosen = choose_k(ks, "pac");
        // k-means from single random starts sometimes sticks (two starts in one group), so its consensus is a
        // little below 1; hc and pam are exact here
        const double tol = alg == "kmeans" ? 0.1 : 1e-9;
        CHECK(ks[chosen].k == 3);
        CHECK(ks[chosen].pac == Approx(0.0).margin(tol));
        CHECK(ks[chosen].mean_silhouette > 0.9);
        CHECK(same_partition(ks[chosen].labels, truth));
        CHECK(ks[chosen].labels[0] == 1);  // labels numbered by first appearance
        CHECK(choose_k(ks, "silhouette") == chosen);
        CHECK(choose_k(ks, "fixed") == 0);
        for (double ic : ks[chosen].item_consensus) CHECK(ic == Approx(1.0).margin(tol));
        for (double cc : ks[chosen].cluster_consensus) CHECK(cc == Approx(1.0).margin(tol));
    }
}

TEST_CASE("item and cluster consensus as calcICL, CDF area as ConsensusClusterPlus's 100-bin histogram") {
    // two clusters {0, 1, 2} and {3, 4}; consensus inside 0.9 / 0.6 / 0.75, across 0.1 or 0
    const size_t n = 5;
    std::vector<double> C(n * n, 0.0);
    auto set = [&](size_t i, size_t j, double v) { C[i * n + j] = C[j * n + i] = v; };
    for (size_t i = 0; i < n; ++i) C[i * n + i] = 1;
    set(0, 1, 0.9), set(0, 2, 0.6), set(1, 2, 0.75), set(3, 4, 0.5), set(0, 3, 0.1), set(2, 4, 0.01);
    auto s = summarize_consensus(C, n, 2, Linkage::Average);
    REQUIRE(same_partition(s.labels, {1, 1, 1, 2, 2}));
    CHECK(s.item_consensus[0] == Approx((0.9 + 0.6) / 2));
    CHECK(s.item_consensus[2] == Approx((0.6 + 0.75) / 2));
    CHECK(s.item_consensus[3] == Approx(0.5));
    CHECK(s.cluster_consensus[0] == Approx((0.9 + 0.6 + 0.75) / 3));
    CHECK(s.cluster_consensus[1] == Approx(0.5));
    // 10 pairs: 0 x4, 0.01, 0.1, 0.5, 0.6, 0.75, 0.9. PAC counts (0.1, 0.9]: 4 of 10.
    CHECK(s.pac == Approx(0.4));
    // CDF: bins 1-9 hold 5/10 (0.01 falls in the first, right-closed), 10-49: 6/10, 50-59: 7/10, 60-74: 8/10,
    // 75-89: 9/10, 90-100: 1
    double area = 0.01 * (9 * 0.5 + 40 * 0.6 + 10 * 0.7 + 15 * 0.8 + 15 * 0.9 + 11 * 1.0);
    CHECK(s.area == Approx(area));
    REQUIRE(s.cdf.size() == 100);
    CHECK(s.cdf[0] == Approx(0.5));    // <= 0.01
    CHECK(s.cdf[9] == Approx(0.6));    // <= 0.10
    CHECK(s.cdf[59] == Approx(0.8));   // <= 0.60
    CHECK(s.cdf[99] == Approx(1.0));

    // the heatmap at full size: items by class, within a class by item consensus (item 1: 0.825, 0: 0.75, 2: 0.675)
    ConsensusHeatmap h = consensus_heatmap(C, n, s.labels, s.item_consensus, 10);
    REQUIRE(h.bins == 5);
    const int first = s.labels[0], second = s.labels[3];
    CHECK(h.labels == std::vector<int>{first, first, first, second, second});
    CHECK(h.values[0 * 5 + 1] == Approx(0.9));   // items 1 and 0
    CHECK(h.values[1 * 5 + 2] == Approx(0.6));   // items 0 and 2
    CHECK(h.values[0 * 5 + 0] == Approx(1.0));
    // two bins: one per class; a bin's value is the mean over its item pairs (diagonal included)
    h = consensus_heatmap(C, n, s.labels, s.item_consensus, 2);
    REQUIRE(h.bins == 2);
    CHECK(h.items == std::vector<uint32_t>{3, 2});
    CHECK(h.values[0] == Approx((3 + 2 * (0.9 + 0.6 + 0.75)) / 9));
    CHECK(h.values[1] == Approx((0.1 + 0.0 + 0.0 + 0.01 + 0.0 + 0.0) / 6));
    CHECK(h.values[3] == Approx((2 + 2 * 0.5) / 4));
    // more items than bins: every bin holds items of one class, all items are counted
    h = consensus_heatmap(C, n, s.labels, s.item_consensus, 3);
    CHECK(h.bins == 3);
    CHECK(std::accumulate(h.items.begin(), h.items.end(), 0u) == 5);
}

TEST_CASE("resamples and pair counts do not depend on how they are split or on the thread count") {
    std::vector<int> truth;
    Matrix X = blobs(7, truth);
    for (size_t i = 0; i < X.rows; ++i) X(i, 0) += double(i % 7) * 0.8;  // less clean, so resamples differ
    for (std::string alg : {"kmeans", "hc", "pam", "hc, half the features"}) {
        INFO(alg);
        ResampleParams p;
        p.algorithm = alg.substr(0, alg.find(','));
        p.distance = alg == "kmeans" ? "euclidean" : "pearson";
        p.item_fraction = 0.7;
        if (alg.find("half") != std::string::npos) p.feature_fraction = 0.5;
        std::vector<size_t> rows(X.rows), cols(X.cols);
        for (size_t i = 0; i < X.rows; ++i) rows[i] = i;
        for (size_t j = 0; j < X.cols; ++j) cols[j] = j;
        auto D = row_distances(X, rows, cols, p.distance);
        omp_set_num_threads(1);
        auto whole = resample_labels(X, D, 2, 4, 0, 30, p, 1234);
        omp_set_num_threads(2);
        std::vector<uint8_t> parts;
        for (auto [r0, r1] : {std::pair<size_t, size_t>{0, 7}, {7, 8}, {8, 30}}) {  // as three ranks would
            auto l = resample_labels(X, D, 2, 4, r0, r1, p, 1234);
            parts.insert(parts.end(), l.begin(), l.end());
        }
        CHECK(parts == whole);
        CHECK(resample_labels(X, D, 2, 4, 0, 30, p, 1235) != whole);
        if (p.feature_fraction < 1) {  // each resample's own features make a difference
            ResampleParams all = p;
            all.feature_fraction = 1;
            CHECK(resample_labels(X, D, 2, 4, 0, 30, all, 1234) != whole);
        }
        // the same items drawn at every k of a resample
        for (size_t i = 0; i < X.rows; ++i) CHECK((whole[i] == 0) == (whole[2 * X.rows + i] == 0));
        // counts: three slices of rows, balanced by pairs, concatenate to the whole
        auto all = count_pairs(whole, X.rows, 2, 4, 0, X.rows);
        PairCounts joined;
        for (size_t part = 0; part < 3; ++part) {
            auto [i0, i1] = pair_rows(X.rows, part, 3);
            auto c = count_pairs(whole, X.rows, 2, 4, i0, i1);
            joined.sampled.insert(joined.sampled.end(), c.sampled.begin(), c.sampled.end());
            joined.together.resize(3);
            for (size_t k = 0; k < 3; ++k)
                joined.together[k].insert(joined.together[k].end(), c.together[k].begin(), c.together[k].end());
        }
        CHECK(joined.sampled == all.sampled);
        CHECK(joined.together == all.together);
        omp_set_num_threads(1);
        CHECK(count_pairs(whole, X.rows, 2, 4, 0, X.rows).together == all.together);
    }
    auto [a0, a1] = pair_rows(100, 0, 2);
    auto [b0, b1] = pair_rows(100, 1, 2);
    CHECK(a0 == 0);
    CHECK(a1 == b0);
    CHECK(b1 == 100);
    CHECK(a1 < 50);  // the first rows hold more pairs
}

TEST_CASE("landmarks: a uniform draw, and each sample to the nearest class centroid") {
    auto a = draw_items(1000, 100, 5), b = draw_items(1000, 100, 5);
    CHECK(a == b);
    CHECK(a.size() == 100);
    CHECK(std::is_sorted(a.begin(), a.end()));
    CHECK(draw_items(1000, 100, 6) != a);
    std::vector<int> truth;
    Matrix X = blobs(9, truth);
    std::vector<int> lab(60, 0);
    for (size_t i = 0; i < 60; i += 4) lab[i] = truth[i] + 1;  // a quarter labelled
    for (std::string d : {"euclidean", "pearson", "spearman"}) {
        INFO(d);
        const Matrix cent = class_centroids(X, lab, 3);
        auto got = nearest_centroid(X, cent, d);
        if (d != "spearman")  // 5 features, 4 of them noise: too few for ranks to find every group
            for (size_t i = 0; i < 60; ++i) CHECK(got[i] == truth[i] + 1);
        Matrix Y(63, 5);  // by brute force: the distances of the samples and centroids together
        std::copy(X.data.begin(), X.data.end(), Y.data.begin());
        std::copy(cent.data.begin(), cent.data.end(), Y.data.begin() + 300);
        std::vector<size_t> rows(63), cols{0, 1, 2, 3, 4};
        for (size_t i = 0; i < 63; ++i) rows[i] = i;
        auto D = row_distances(Y, rows, cols, d);
        for (size_t i = 0; i < 60; ++i) {
            int best = 1;
            for (int c = 2; c <= 3; ++c)
                if (D[i * 63 + 59 + size_t(c)] < D[i * 63 + 59 + size_t(best)]) best = c;
            CHECK(got[i] == best);
        }
    }
}

TEST_CASE("feature preparation: centring, imputation, spread") {
    Matrix X(4, 2);
    double v[] = {1, 10, 2, NAN, 3, 30, 100, 40};
    for (int i = 0; i < 8; ++i) X.data[i] = v[i];
    CHECK(mad(X.data.data(), 4, 2) == Approx(1.4826 * 1.0));
    for (size_t j = 0; j < 2; ++j) CHECK(center_column(X.data.data() + j, 4, 2, "median") == Approx(j ? 30.0 : 2.5));
    CHECK(X(0, 0) == Approx(-1.5));
    CHECK(X(1, 1) == Approx(0.0));  // missing -> centre
    CHECK(X(3, 1) == Approx(10.0));
    CHECK(pca_project(pca_axes(X, 2), X).size() == 8);
}

TEST_CASE("embedding: principal component scores, and other rows projected on a subsample's axes") {
    // points along (1, -2, 0) with a little spread in z: the first axis is about (-1, 2, 0) / sqrt(5) (the largest
    // loading positive)
    Rng r(3);
    Matrix X(40, 3);
    for (size_t i = 0; i < 40; ++i) {
        const double t = r.normal(0, 3);
        X(i, 0) = t + 1, X(i, 1) = -2 * t, X(i, 2) = r.normal(0, 0.1);
    }
    const PcaAxes a = pca_axes(X, 2);
    REQUIRE(a.dims == 2);
    CHECK(std::abs(a.axes[0]) == Approx(1 / std::sqrt(5.0)).epsilon(1e-5));  // (the z noise tilts it a little)
    CHECK(a.axes[1] == Approx(2 / std::sqrt(5.0)).epsilon(1e-5));  // the largest loading, positive
    const std::vector<double> s = pca_project(a, X);
    double mean = 0, ss0 = 0, ss1 = 0;
    for (size_t i = 0; i < 40; ++i) mean += s[i * 2], ss0 += s[i * 2] * s[i * 2], ss1 += s[i * 2 + 1] * s[i * 2 + 1];
    CHECK(mean == Approx(0).margin(1e-9));  // scores are centred
    CHECK(ss0 > 100 * ss1);                 // the first axis carries the spread
    // the landmarks' axes: a row projected is its centred values' dot product with them
    Matrix Y(20, 3);
    std::copy(X.data.begin(), X.data.begin() + 60, Y.data.begin());
    const PcaAxes b = pca_axes(Y, 2);
    const std::vector<double> all = pca_project(b, X);
    for (size_t i : {size_t(0), size_t(25), size_t(39)}) {
        double d = 0;
        for (size_t j = 0; j < 3; ++j) d += (X(i, j) - b.mean[j]) * b.axes[j];
        CHECK(all[i * 2] == Approx(d).epsilon(1e-12));
    }
    CHECK(pca_axes(Matrix(1, 3), 2).dims == 0);  // fewer rows than dims: none
    CHECK(pca_project(PcaAxes{}, X).empty());
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

TEST_CASE("from ConsensusClusterPlus's own consensus matrices: its classes, calcICL figures and CDF area") {
    // tests/fixtures/cluster/make_ccp_reference.R: CCP on the ALL data, every pair's consensus at k = 2..6
    for (std::string alg : {"hc", "pam", "km"}) {
        INFO(alg);
        const std::string dir = std::string(PRECIS_FIXTURES) + "/cluster/ccp_" + alg;
        FILE* f = popen(("gzip -dc " + dir + "_consensus.tsv.gz").c_str(), "r");
        REQUIRE(f);
        const size_t n = 128;
        std::vector<std::vector<double>> C(7, std::vector<double>(n * n, 0.0));
        char line[256];
        REQUIRE(std::fgets(line, sizeof line, f));  // header
        int k;
        size_t i, j;
        double v;
        while (std::fscanf(f, "%d %zu %zu %lf", &k, &i, &j, &v) == 4)
            C[size_t(k)][(i - 1) * n + (j - 1)] = C[size_t(k)][(j - 1) * n + (i - 1)] = v;
        pclose(f);
        std::ifstream cls(dir + "_classes.tsv"), summ(dir + "_summary.tsv");
        std::string header, row;
        std::getline(cls, header);
        std::vector<std::vector<double>> ref;  // per sample: k2, ic2, k3, ic3, ...
        while (std::getline(cls, row)) {
            std::istringstream in(row);
            std::string id;
            in >> id;
            ref.emplace_back(10);
            for (double& x : ref.back()) in >> x;
        }
        REQUIRE(ref.size() == n);
        std::getline(summ, header);
        for (int kk = 2; kk <= 6; ++kk) {
            INFO("k = " << kk);
            for (size_t a = 0; a < n; ++a) C[size_t(kk)][a * n + a] = 1.0;
            auto s = summarize_consensus(C[size_t(kk)], n, kk, Linkage::Average);
            std::vector<int> theirs(n);
            for (size_t a = 0; a < n; ++a) theirs[a] = int(ref[a][size_t(2 * (kk - 2))]);
            CHECK(s.labels == theirs);  // the same numbering, too
            for (size_t a = 0; a < n; ++a)
                CHECK(s.item_consensus[a] == Approx(ref[a][size_t(2 * (kk - 2) + 1)]).margin(2e-6));
            std::getline(summ, row);
            std::istringstream in(row);
            std::string cc;
            double area, pac;
            in >> k >> cc >> area >> pac;
            CHECK(k == kk);
            CHECK(s.area == Approx(area).margin(1e-12));
            CHECK(s.pac == Approx(pac).margin(1e-12));
            std::istringstream ccs(cc);
            for (double want : s.cluster_consensus) {
                std::string part;
                std::getline(ccs, part, ',');
                CHECK(want == Approx(std::stod(part)).margin(2e-6));
            }
        }
    }
}

TEST_CASE("modality blocks: each scaled to its weight's share of the total variance") {
    Rng r(4);
    Matrix X(50, 5);
    for (size_t i = 0; i < 50; ++i)
        for (size_t j = 0; j < 5; ++j) X(i, j) = r.normal(0, j < 2 ? 10.0 : 0.5);  // a loud block, a quiet one
    // each column's variance where it is, then the block's factor from them in column order
    auto scale = [&](size_t c0, size_t c1, double weight) {
        std::vector<double> var;
        for (size_t j = c0; j < c1; ++j) var.push_back(column_variance(X.data.data() + j, 50, 5));
        const double f = block_factor(var.data(), var.size(), weight);
        for (size_t i = 0; i < 50; ++i)
            for (size_t j = c0; j < c1; ++j) X(i, j) *= f;
    };
    scale(0, 2, 1.0);
    scale(2, 5, 0.25);
    auto total = [&](size_t c0, size_t c1) {
        double t = 0;
        for (size_t j = c0; j < c1; ++j) {
            double m = 0, ss = 0;
            for (size_t i = 0; i < 50; ++i) m += X(i, j) / 50;
            for (size_t i = 0; i < 50; ++i) ss += (X(i, j) - m) * (X(i, j) - m);
            t += ss / 49;
        }
        return t;
    };
    CHECK(total(0, 2) == Approx(1.0));
    CHECK(total(2, 5) == Approx(0.25));
}

TEST_CASE("equal profiles are never split: k-means, hc and pam keep them together, at most one class each") {
    // 3 distinct points, each 5 times (as 3 samples duplicated), and k up to 5
    Matrix X(15, 4);
    const double base[3][4] = {{0, 0, 0, 0}, {3, 1, 0, 2}, {0, 4, 4, 1}};
    for (size_t i = 0; i < 15; ++i)
        for (size_t j = 0; j < 4; ++j) X(i, j) = base[i % 3][j];
    std::vector<size_t> rows(15), cols(4);
    std::iota(rows.begin(), rows.end(), 0);
    std::iota(cols.begin(), cols.end(), 0);
    auto D = row_distances(X, rows, cols, "euclidean");
    auto sq = D;
    for (double& v : sq) v *= v;
    std::vector<int> truth(15);
    for (size_t i = 0; i < 15; ++i) truth[i] = int(i % 3);
    for (uint64_t seed = 1; seed <= 30; ++seed)
        for (int k = 2; k <= 5; ++k) {
            INFO("seed " << seed << " k " << k);
            const auto a = kmeans(X, rows, cols, k, seed), b = kmeans_sq(sq, 15, k, seed);
            CHECK(same_partition(a, b));
            // equal points together; with k >= 3 every distinct point is a class of its own
            for (size_t i = 0; i < 15; ++i) CHECK(a[i] == a[i % 3]);
            if (k >= 3) CHECK(same_partition(a, truth));
        }
    CHECK(zero_distance_groups(D, 15) == 3);
    auto first_equal_rows = [](const Matrix& M) {
        std::vector<std::string> d;
        for (size_t i = 0; i < M.rows; ++i) d.push_back(row_digest(M.data.data() + i * M.cols, M.cols));
        return first_equal(d);
    };
    CHECK(first_equal_rows(X) == std::vector<size_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
    for (std::string alg : {"kmeans", "hc", "pam"}) {
        INFO(alg);
        ResampleParams p;
        p.algorithm = alg;
        auto labels = resample_labels(X, D, 2, 5, 0, 40, p, 99);
        for (size_t r = 0; r < 40; ++r)
            for (int k = 2; k <= 5; ++k) {
                const uint8_t* l = &labels[(r * 4 + size_t(k - 2)) * 15];
                for (size_t i = 0; i < 15; ++i)
                    for (size_t j = 0; j < 15; ++j)
                        if (l[i] && l[j] && i % 3 == j % 3) CHECK(l[i] == l[j]);
            }
    }
    std::vector<int> t;
    const auto firsts = first_equal_rows(blobs(3, t));
    for (size_t i = 0; i < 60; ++i) CHECK(firsts[i] == i);
}

TEST_CASE("resample sizes: floor(n x fraction), at least 2, and the smallest fraction that holds k.max items") {
    CHECK(resample_size(60, 0.8) == 48);
    CHECK(resample_size(60, 0.01) == 2);
    CHECK(resample_size(1, 0.5) == 1);
    for (size_t n : {5u, 7u, 60u, 333u, 2000u})
        for (int k : {2, 3, 6, 4}) {
            if (size_t(k) > n) continue;
            const double f = min_item_fraction(n, k);
            INFO(n << " " << k << " " << f);
            CHECK(resample_size(n, f) >= size_t(k));
            CHECK((f - 1e-4 <= 0 || resample_size(n, f - 1e-4) < size_t(k) || f - 1e-4 < double(k) / double(n)));
        }
    CHECK(min_item_fraction(60, 6) == Approx(0.1));
    CHECK(min_item_fraction(7, 6) == Approx(0.8572));
}

// ---- the null test ---------------------------------------------------------------------------------------------

TEST_CASE("null references have exactly the data's covariance and no more", "[cluster][null]") {
    Rng r(7);
    for (auto [m, p] : {std::pair<size_t, size_t>{30, 8}, {12, 40}}) {  // fewer and more features than samples
        Matrix X(m, p);
        for (size_t i = 0; i < m; ++i)
            for (size_t j = 0; j < p; ++j) X(i, j) = r.normal() * double(j + 1) + (j ? X(i, j - 1) : 0.0);
        auto cov = [](const Matrix& A) {
            std::vector<double> mean(A.cols, 0.0), c(A.cols * A.cols, 0.0);
            for (size_t i = 0; i < A.rows; ++i)
                for (size_t j = 0; j < A.cols; ++j) mean[j] += A(i, j) / double(A.rows);
            for (size_t i = 0; i < A.rows; ++i)
                for (size_t a = 0; a < A.cols; ++a)
                    for (size_t b = 0; b < A.cols; ++b)
                        c[a * A.cols + b] += (A(i, a) - mean[a]) * (A(i, b) - mean[b]) / double(A.rows - 1);
            return std::make_pair(mean, c);
        };
        const auto [mx, cx] = cov(X);
        const NullBasis b = null_basis(X, false);
        REQUIRE(b.r == std::min(m - 1, p));
        const Matrix R1 = null_reference(b, 11), R2 = null_reference(b, 12);
        REQUIRE(R1.rows == m);
        REQUIRE(R1.cols == p);
        const auto [m1, c1] = cov(R1);
        double scale = 0;
        for (double v : cx) scale = std::max(scale, std::abs(v));
        for (size_t q = 0; q < cx.size(); ++q) CHECK(std::abs(c1[q] - cx[q]) <= 1e-9 * scale);
        for (size_t j = 0; j < p; ++j) CHECK(std::abs(m1[j] - mx[j]) <= 1e-9 * (1 + std::abs(mx[j])));
        CHECK(R1.data != R2.data);                         // another seed, another reference
        CHECK(null_reference(b, 11).data == R1.data);      // the same seed, the same bits
        // scores only: the same distances between samples as the full reference
        const Matrix S = null_reference(null_basis(X, true), 11);
        REQUIRE(S.cols == b.r);
        for (size_t i = 0; i < m; ++i)
            for (size_t k = i + 1; k < m; ++k) {
                double df = 0, ds = 0;
                for (size_t j = 0; j < p; ++j) df += (R1(i, j) - R1(k, j)) * (R1(i, j) - R1(k, j));
                for (size_t j = 0; j < S.cols; ++j) ds += (S(i, j) - S(k, j)) * (S(i, j) - S(k, j));
                CHECK(std::abs(df - ds) <= 1e-9 * (1 + df));
            }
    }
}

TEST_CASE("null test statistics are M3C's", "[cluster][null]") {
    // values from scipy: beta.cdf(0.28, a, b) with a, b from the references' mean and variance (ddof 1)
    const std::vector<double> refs{0.3, 0.4, 0.5, 0.35, 0.45};
    const NullTest t = null_test(0.28, refs);
    CHECK(t.p_value == Approx(0.06119767494978338).epsilon(1e-10));
    CHECK(t.rcsi == Approx(0.3406175683175902).epsilon(1e-12));
    CHECK(t.rcsi_se == Approx(0.09026857123294747).epsilon(1e-12));
    CHECK(t.p_monte_carlo == Approx(1.0 / 6.0));
    CHECK(t.reference_mean == Approx(0.4));
    CHECK(null_test(0.42, refs).p_monte_carlo == Approx(4.0 / 6.0));
    // a real PAC of 0 counts as 1e-4 in RCSI (M3C); identical references leave only the Monte Carlo p
    double mean_log = 0;
    for (double x : refs) mean_log += std::log(x) / double(refs.size());
    CHECK(null_test(0.0, refs).rcsi == Approx(mean_log - std::log(1e-4)).epsilon(1e-12));
    CHECK(null_test(0.0, refs).p_value == 0.0);
    const NullTest same = null_test(0.1, {0.3, 0.3, 0.3});
    CHECK(same.p_value == same.p_monte_carlo);
    CHECK(same.p_monte_carlo == Approx(0.25));
    // choose_k null: the best RCSI among the significant k; none significant: ks.size()
    std::vector<KSummary> ks(3);
    for (size_t i = 0; i < 3; ++i) ks[i].k = int(i) + 2, ks[i].reference_pacs = refs;
    ks[0].null.p_adjusted = 0.01, ks[0].null.rcsi = 0.5;
    ks[1].null.p_adjusted = 0.2, ks[1].null.rcsi = 0.9;
    ks[2].null.p_adjusted = 0.001, ks[2].null.rcsi = 0.7;
    CHECK(choose_k(ks, "null", 0.05) == 2);
    for (auto& k : ks) k.null.p_adjusted = 0.5;
    CHECK(choose_k(ks, "null", 0.05) == 3);
}

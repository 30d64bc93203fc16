#include "pipeline/clustering.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/exact_sum.hpp"
#include "core/memory.hpp"
#include "core/rng.hpp"
#include "core/table.hpp"
#include "core/signals.hpp"
#include "pipeline/stages.hpp"
#include "store/store.hpp"

namespace precis {

std::pair<size_t, size_t> clustered_rows(size_t n, int rank, int ranks) {
    const WorkerPart w = worker_part(rank, ranks);
    if (!w.holds) return {0, 0};
    const size_t blocks = (n + kShareBlock - 1) / kShareBlock;
    const size_t b0 = blocks * w.part / w.parts, b1 = blocks * (w.part + 1) / w.parts;
    return {std::min(n, b0 * kShareBlock), std::min(n, b1 * kShareBlock)};
}

std::vector<size_t> draw_landmarks(size_t n, const ClusteringConfig& cc, uint64_t seed) {
    if (cc.landmarks > 0 && n > size_t(cc.landmarks))
        return draw_items(n, size_t(cc.landmarks), derive_seed(seed, {STAGE_LANDMARK}));
    return {};
}

Matrix gather_rows(Comm& comm, const Matrix& mine, size_t row0, size_t n, const std::vector<size_t>& which) {
    const size_t p = mine.cols, m = which.empty() ? n : which.size();
    std::vector<double> held;  // (place in `which`, the row's values) per wanted row held here
    const size_t a0 = which.empty() ? row0 : size_t(std::lower_bound(which.begin(), which.end(), row0) - which.begin());
    for (size_t a = a0; a < m; ++a) {
        const size_t i = which.empty() ? a : which[a];
        if (i >= row0 + mine.rows) break;
        held.push_back(double(a));
        held.insert(held.end(), &mine.data[(i - row0) * p], &mine.data[(i - row0) * p] + p);
    }
    const std::vector<double> all = comm.allgather(held);
    Matrix Y(m, p);
    for (size_t o = 0; o < all.size(); o += p + 1)
        std::copy_n(&all[o + 1], p, &Y.data[size_t(all[o]) * p]);
    return Y;
}

ClusteringResult consensus_clustering(Comm& comm, const Matrix& Yrows, const std::vector<size_t>& landmarks,
                                      const Matrix& mine, size_t n, const ClusteringConfig& cc,
                                      uint64_t seed, size_t store_limit) {
    ClusteringResult res;
    const size_t ranks = size_t(comm.size()), me = size_t(comm.rank());
    const int nk = cc.k_max - cc.k_min + 1;
    res.landmarks = landmarks;
    const Matrix* Y = &Yrows;
    const size_t m = Y->rows;

    // distances over all features, once: each rank a share of the pairs
    ResampleParams rp;
    rp.item_fraction = cc.item_fraction;
    rp.feature_fraction = cc.feature_fraction;
    rp.algorithm = name(cc.algorithm);
    rp.distance = name(cc.algorithm == Algorithm::Kmeans ? Distance::Euclidean : cc.distance);
    rp.linkage = parse_linkage(name(cc.inner_linkage));
    auto distances = [&](const Matrix& Z) {
        std::vector<double> D;
        if (!resamples_need_distances(m, Z.cols, cc.k_max, rp)) return D;
        std::vector<size_t> rows(m), cols(Z.cols);
        std::iota(rows.begin(), rows.end(), 0);
        std::iota(cols.begin(), cols.end(), 0);
        const DistanceRows dr = distance_rows(Z, rows, cols, rp.distance);
        auto [i0, i1] = pair_rows(m, me, ranks);
        D = comm.allgather(distance_block(dr, i0, i1));
        mirror_upper(D, m);
        return D;
    };
    std::vector<double> D = distances(*Y);

    test_kill_point("clustering", comm.rank());
    // resamples: each rank a contiguous share; every rank gets all labels, in resample order
    const size_t R = size_t(cc.resamples);
    std::vector<uint8_t> labels =
        comm.allgather(resample_labels(*Y, D, cc.k_min, cc.k_max, R * me / ranks, R * (me + 1) / ranks, rp, seed));
    free_storage(D);
    // glibc serves a large request from the heap's free chunks before it maps new memory, and keeps a freed chunk's
    // pages (tune_allocator): after the samples' results were freed, clustering's buffers would each touch another
    // part of that free heap and keep it (+55-115 MB a worker at 100,000 MaxQuant samples). So they are given back
    // after each large one is freed.
    give_back_free_memory();
    comm.stop_point("clustering was not finished and starts again on resume; the journal keeps the samples");

    // pair counts: each rank a share of the rows of the triangle, gathered on rank 0
    const std::pair<size_t, size_t> rows_share = pair_rows(m, me, ranks);
    const size_t p0 = rows_share.first, p1 = rows_share.second;  // (plain names: the lambda below captures them)
    const bool null_test = cc.null_test.enabled;
    const size_t R_test = size_t(cc.null_test.resamples_for(cc.resamples));
    // each k's PAC from the first `resamples` of every rank's labels: each rank counts its share of the pairs, the
    // ambiguous ones are summed (integer counts: exact)
    auto pacs = [&](const std::vector<uint8_t>& lab, size_t resamples) {
        const PairCounts c = count_pairs(lab, m, cc.k_min, cc.k_max, p0, p1, resamples);
        std::vector<double> pac(static_cast<size_t>(nk));
        for (int ki = 0; ki < nk; ++ki) pac[size_t(ki)] = double(ambiguous_pairs(c, cc.k_min + ki));
        comm.allreduce_sum(pac);
        for (double& v : pac) v /= double(m) * double(m - 1) / 2;
        return pac;
    };
    // the null test's PAC of the real data, from as many resamples as each reference has (the same noise)
    const std::vector<double> test_pac = null_test ? pacs(labels, R_test) : std::vector<double>{};
    PairCounts counts = count_pairs(labels, m, cc.k_min, cc.k_max, p0, p1);
    free_storage(labels);
    give_back_free_memory();
    counts.sampled = comm.gather(counts.sampled);
    for (auto& t : counts.together) t = comm.gather(t);

    if (comm.is_root()) {
        const Linkage final_linkage = parse_linkage(name(cc.linkage));
        for (int k = cc.k_min; k <= cc.k_max; ++k) {
            std::vector<double> C = consensus_matrix(counts, k);
            res.ks.push_back(summarize_consensus(C, m, k, final_linkage));
            KSummary& s = res.ks.back();
            s.heatmap = consensus_heatmap(C, m, s.labels, s.item_consensus, kHeatmapBins);
            if (res.landmarks.empty() && n <= store_limit) res.consensus.push_back(std::move(C));
            give_back_free_memory();
        }
        fill_delta_area(res.ks);
    }
    counts = PairCounts{};
    give_back_free_memory();

    // the null test: references without clusters, each clustered as the real data; each rank makes every reference
    // (they are small beside their clusterings), clusters a share of its resamples and counts a share of its pairs
    if (null_test) {
        const auto t0 = std::chrono::steady_clock::now();
        // euclidean over every feature: the random scores have the references' distances
        const bool scores_only = rp.distance == "euclidean" && cc.feature_fraction >= 1.0;
        const NullBasis basis = null_basis(*Y, scores_only);
        const size_t B = size_t(cc.null_test.references);
        std::vector<std::vector<double>> ref_pacs(static_cast<size_t>(nk));
        for (size_t b = 0; b < B; ++b) {
            const Matrix ref = null_reference(basis, derive_seed(seed, {STAGE_NULL, b}));  // every rank: the same
            const std::vector<double> Dr = distances(ref);
            const std::vector<uint8_t> lab = comm.allgather(resample_labels(
                ref, Dr, cc.k_min, cc.k_max, R_test * me / ranks, R_test * (me + 1) / ranks, rp,
                derive_seed(seed, {STAGE_NULL, b, 1})));
            const std::vector<double> pac = pacs(lab, R_test);
            for (int ki = 0; ki < nk; ++ki) ref_pacs[size_t(ki)].push_back(pac[size_t(ki)]);
            give_back_free_memory();
            comm.stop_point("clustering was not finished and starts again on resume; the journal keeps the samples");
        }
        if (comm.is_root())
            for (int ki = 0; ki < nk; ++ki) {
                KSummary& s = res.ks[size_t(ki)];
                s.reference_pacs = ref_pacs[size_t(ki)];
                s.null = precis::null_test(test_pac[size_t(ki)], s.reference_pacs);
                s.null.p_adjusted = std::min(1.0, s.null.p_value * double(nk));  // Bonferroni over the k tried
            }
        res.null_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

    std::vector<int64_t> landmark_labels;  // every k's classes of the landmarks, for assigning the rest
    if (comm.is_root()) {
        res.chosen = choose_k(res.ks, name(cc.choose_k), cc.null_test.alpha);
        for (auto& s : res.ks) landmark_labels.insert(landmark_labels.end(), s.labels.begin(), s.labels.end());
    }
    landmark_labels.resize(size_t(nk) * m);
    comm.broadcast(landmark_labels);
    std::vector<int64_t> chosen{int64_t(res.chosen)};
    comm.broadcast(chosen);
    res.chosen = size_t(chosen[0]);
    res.no_structure = res.chosen == size_t(nk);  // choose_k null found no significant k
    res.chosen_k = res.no_structure ? 1 : cc.k_min + int(res.chosen);
    const size_t label_k = res.no_structure ? 0 : res.chosen;  // (every k's labels are made; none is used)

    if (!res.landmarks.empty()) {
        // the other samples join the class of the nearest landmark-class centroid; each rank its own rows
        std::vector<double> assigned;  // rows x nk
        assigned.reserve(mine.rows * size_t(nk));
        std::vector<std::vector<int>> by_k;
        for (int ki = 0; ki < nk; ++ki) {
            std::vector<int> lab(landmark_labels.begin() + long(size_t(ki) * m),
                                 landmark_labels.begin() + long(size_t(ki + 1) * m));
            by_k.push_back(nearest_centroid(mine, class_centroids(*Y, lab, cc.k_min + ki), rp.distance));
        }
        for (size_t i = 0; i < mine.rows; ++i)
            for (int ki = 0; ki < nk; ++ki) assigned.push_back(by_k[size_t(ki)][i]);
        // (the shares are in rank order: gathered, the rows are in order)
        assigned = comm.allgather(assigned);
        for (size_t a = 0; a < m; ++a)  // a landmark keeps its consensus class
            for (int ki = 0; ki < nk; ++ki)
                assigned[res.landmarks[a] * size_t(nk) + size_t(ki)] = double(landmark_labels[size_t(ki) * m + a]);
        res.labels.resize(n);
        for (size_t i = 0; i < n; ++i) res.labels[i] = int64_t(assigned[i * size_t(nk) + label_k]);
        if (comm.is_root())
            for (int ki = 0; ki < nk; ++ki) {
                KSummary& s = res.ks[size_t(ki)];
                std::vector<double> ic(n, std::numeric_limits<double>::quiet_NaN());
                s.labels.assign(n, 0);
                std::fill(s.sizes.begin(), s.sizes.end(), 0);
                for (size_t i = 0; i < n; ++i) {
                    s.labels[i] = int(assigned[i * size_t(nk) + size_t(ki)]);
                    ++s.sizes[size_t(s.labels[i] - 1)];
                }
                for (size_t a = 0; a < m; ++a) ic[res.landmarks[a]] = s.item_consensus[a];
                s.item_consensus = std::move(ic);
            }
    } else {
        res.labels.assign(landmark_labels.begin() + long(label_k * m),
                          landmark_labels.begin() + long((label_k + 1) * m));
    }
    if (res.no_structure) std::fill(res.labels.begin(), res.labels.end(), 1);  // one class
    return res;
}

namespace {
constexpr size_t kConsensusInStore = 1000;  // up to this many samples the store keeps the consensus matrices
}  // namespace

std::string clustering_key(const StudyConfig& study, const std::string& data_key) {
    return content_key({"precis clustering 3", data_key, resolved_settings(study.resolved, {"study.seed", "clustering"})});
}

std::vector<size_t> select_features(const FeatureStats& fs, Modality m, size_t n_features, int top_variable) {
    const auto& spread = fs.spread.at(m);
    std::vector<size_t> cand;
    for (size_t j = 0; j < n_features; ++j)
        if (fs.kept(m, j) && spread[j] > 0) cand.push_back(j);
    std::stable_sort(cand.begin(), cand.end(), [&](size_t a, size_t b) { return spread[a] > spread[b]; });
    if (top_variable > 0 && cand.size() > size_t(top_variable)) cand.resize(size_t(top_variable));
    std::sort(cand.begin(), cand.end());
    return cand;
}

namespace {
// This rank's rows [row0, row0 + rows) of the clustered matrix, read from the store a few rows at a time: per
// modality its selected columns, each centred as center_column does with its centre (a missing value, or a sample
// without the modality, becomes the centre less the shift). The matrix's room is reserved first and each rows' part
// touched as it is filled.
Matrix clustered_rows_from_store(const std::string& store, const Cohort& cohort, const std::vector<Modality>& mods,
                                 const std::vector<std::vector<size_t>>& selected, const std::vector<size_t>& edges,
                                 const std::vector<double>& centre, bool no_shift, size_t row0, size_t rows) {
    Matrix X;
    X.rows = rows;
    X.cols = edges.back();
    const size_t width = X.cols;
    if (rows == 0 || width == 0) {
        X.data.assign(rows * width, 0.0);
        return X;
    }
    X.data.reserve(rows * width);
    prefer_huge_pages(static_cast<void*>(X.data.data()), X.data.capacity() * sizeof(double));
    MatrixReader reader(store);
    std::vector<size_t> F;
    size_t all = 0;
    for (const Modality m : mods) all += F.emplace_back(reader.shape(name(m)).second);
    const size_t step = std::max<size_t>(1, (size_t(16) << 20) / (std::max<size_t>(all, 1) * sizeof(float)));
    std::vector<float> buf;
    for (size_t a = row0; a < row0 + rows; a += step) {
        const size_t b = std::min(row0 + rows, a + step);
        X.data.resize((b - row0) * width);
        for (size_t mi = 0; mi < mods.size(); ++mi) {
            const std::vector<size_t>& with = cohort.rows_of.at(mods[mi]);  // its store rows' cohort rows, ascending
            const size_t k0 = size_t(std::lower_bound(with.begin(), with.end(), a) - with.begin());
            const size_t k1 = size_t(std::lower_bound(with.begin(), with.end(), b) - with.begin());
            reader.read_rows(name(mods[mi]), k0, k1, buf);
            const std::vector<size_t>& sel = selected[mi];
            for (size_t i = a, k = k0; i < b; ++i) {
                double* dst = &X.data[(i - row0) * width + edges[mi]];
                const float* src = k < k1 && with[k] == i ? &buf[(k++ - k0) * F[mi]] : nullptr;
                for (size_t s = 0; s < sel.size(); ++s) {
                    const double c = centre[edges[mi] + s], shift = no_shift ? 0.0 : c;
                    const double x = src ? double(src[sel[s]]) : std::numeric_limits<double>::quiet_NaN();
                    dst[s] = std::isnan(x) ? c - shift : x - shift;
                }
            }
        }
    }
    return X;
}
}  // namespace

Subtypes cluster_stage(Comm& comm, const Inputs& in, const Cohort& cohort, FeatureStats& fs, const std::string& store,
                       StageCache& cache) {
    const ClusteringConfig& cc = in.study.clustering;
    Subtypes st;
    if (!(st.enabled = cc.enabled)) return st;
    // the selected features of each modality side by side, each column's centre found on the rank whose block holds
    // it; the rows (clustered_rows) then read from the store and centred by the rank that holds them, or, for
    // computed values, each column centred and imputed where it is and sent by rows
    const size_t n = cohort.size(), ranks = size_t(comm.size());
    std::vector<std::pair<size_t, size_t>> shares;
    for (size_t r = 0; r < ranks; ++r) shares.push_back(clustered_rows(n, int(r), int(ranks)));
    st.row0 = shares[size_t(comm.rank())].first;
    const size_t rows = shares[size_t(comm.rank())].second - st.row0;
    std::vector<size_t> block_edges{0};
    struct Column {
        size_t x;        // its column of the clustered matrix
        const Block* b;  // this rank's block that holds it
        size_t j;        // its column in the block
    };
    std::vector<Column> here;
    for (const Modality m : cc.modalities) {
        const Block& b = fs.blocks.at(m);
        st.selected.push_back(select_features(fs, m, fs.spread.at(m).size(), cc.top_variable));
        const std::vector<size_t>& sel = st.selected.back();
        for (size_t s = 0; s < sel.size(); ++s)
            if (sel[s] >= b.c0 && sel[s] < b.c1)
                here.push_back({block_edges.back() + s, &b, sel[s] - b.c0});
        block_edges.push_back(block_edges.back() + sel.size());
    }
    const size_t width = block_edges.back();
    comm.all_or_none([&] {
        if (width != 0) return;
        // why: too many missing values (cohort.max_missing), or values that do not vary over the samples
        size_t features = 0, kept = 0;
        for (const Modality m : cc.modalities)
            for (size_t j = 0; j < fs.spread.at(m).size(); ++j) features += 1, kept += fs.kept(m, j);
        if (kept == 0)
            throw Error(ErrorKind::DegenerateData,
                        "no features are left for clustering: all " + std::to_string(features) + " have more missing "
                        "values than cohort.max_missing allows (" + fmt(fs.max_missing) + ")",
                        "raise cohort.max_missing or check the inputs of clustering.modalities");
        throw Error(ErrorKind::DegenerateData,
                    "no features are left for clustering: " + std::to_string(kept) + " of the " +
                        std::to_string(features) + " features pass cohort.max_missing, and none of them varies "
                        "over the " + std::to_string(n) + " samples (every sample has the same values)",
                    "check that the samples' input files are not copies of one another, and the inputs of "
                    "clustering.modalities");
    });
    const bool weighted = cc.modalities.size() > 1;
    std::vector<double> facts;  // per column here: its column, centre and variance
    // a column here into v (n values), centred and imputed, and its facts
    const auto centre_column = [&](const Column& c, std::vector<double>& v, std::vector<double>& scratch) {
        std::copy_n(c.b->column(c.j, scratch), n, v.begin());
        facts.push_back(double(c.x));
        facts.push_back(center_column(v.data(), n, 1, name(cc.center)));
        facts.push_back(weighted ? column_variance(v.data(), n, 1) : 0.0);
    };
    const bool none = cc.center == Center::None;
    if (!store.empty()) {
        // the values are the store's: each column here gives its centre and variance, the blocks are let go, and
        // the rows are made from the store, a few at a time, into room that is only touched as it fills (the rows,
        // 2x their float32, never beside the blocks)
        std::vector<double> v(n), scratch;
        for (const Column& c : here) centre_column(c, v, scratch);
        release_values(fs);
        give_back_free_memory();  // blocks served from the heap's free chunks would otherwise stay resident
        facts = comm.allgather(facts);
        std::vector<double> centre(width, 0.0);
        for (size_t o = 0; o < facts.size(); o += 3) centre[size_t(facts[o])] = facts[o + 1];
        st.X = clustered_rows_from_store(store, cohort, cc.modalities, st.selected, block_edges, centre, none,
                                         st.row0, rows);
    } else {
        // in rounds of at most kRoundBytes sent by any rank, so that the messages stay a fixed size at any n (16 MB:
        // a round's messages, in and out, are the fixed part of a worker's peak beside its rows)
        constexpr double kRoundBytes = 16 << 20;
        std::vector<double> most{double(here.size()) * double(n) * sizeof(double)};
        comm.allreduce_max(most);
        const size_t rounds = std::max<size_t>(1, size_t(std::ceil(most[0] / kRoundBytes)));
        st.X = Matrix(rows, width);
        std::vector<double> v(n), scratch;
        for (size_t round = 0; round < rounds; ++round) {
            std::vector<std::string> to(ranks);  // per rank, per column here: its column, the rank's rows' values
            const size_t c0 = here.size() * round / rounds, c1 = here.size() * (round + 1) / rounds;
            for (size_t r = 0; r < ranks; ++r)  // sized once: grown by appends, a message would pass twice its size
                if (shares[r].second != shares[r].first)
                    to[r].reserve((c1 - c0) * (shares[r].second - shares[r].first + 1) * sizeof(double));
            for (size_t c = c0; c < c1; ++c) {
                centre_column(here[c], v, scratch);
                for (size_t r = 0; r < ranks; ++r) {
                    if (shares[r].second == shares[r].first) continue;
                    const double x = double(here[c].x);
                    to[r].append(reinterpret_cast<const char*>(&x), sizeof x);
                    to[r].append(reinterpret_cast<const char*>(&v[shares[r].first]),
                                 (shares[r].second - shares[r].first) * sizeof(double));
                }
            }
            std::vector<std::string> from = comm.all_to_all(to);
            free_storage(to);
            for (std::string& msg : from) {
                const double* d = reinterpret_cast<const double*>(msg.data());
                for (size_t o = 0; o < msg.size() / sizeof(double); o += rows + 1) {
                    const size_t x = size_t(d[o]);
                    for (size_t i = 0; i < rows; ++i) st.X(i, x) = d[o + 1 + i];
                }
                free_storage(msg);
            }
        }
        release_values(fs);  // the rows hold what clustering needs
        give_back_free_memory();
        facts = comm.allgather(facts);
    }
    Matrix& X = st.X;
    st.centres.assign(width, 0.0);
    std::vector<double> variance(width, 0.0);
    for (size_t o = 0; o < facts.size(); o += 3) {
        st.centres[size_t(facts[o])] = facts[o + 1];
        variance[size_t(facts[o])] = facts[o + 2];
    }
    st.scales.assign(cc.modalities.size(), 1.0);
    if (weighted)
        for (size_t ci = 0; ci < cc.modalities.size(); ++ci) {
            const size_t c0 = block_edges[ci], c1 = block_edges[ci + 1];
            const double f = st.scales[ci] = block_factor(&variance[c0], c1 - c0, cc.weights[ci]);
            if (f != 1.0)
                for (size_t i = 0; i < X.rows; ++i)
                    for (size_t j = c0; j < c1; ++j) X(i, j) *= f;
        }

    // samples with equal profiles are always in one class: at most as many classes as distinct profiles (rank 0
    // compares the rows' digests)
    ClusteringConfig tried = cc;
    std::string digests;
    for (size_t i = 0; i < X.rows; ++i) digests += row_digest(&X.data[i * X.cols], X.cols);
    std::vector<std::string> all_digests;
    for (std::string& d : comm.gather(digests))
        for (size_t o = 0; o < d.size(); o += 32) all_digests.push_back(d.substr(o, 32));
    free_storage(digests);
    std::vector<int64_t> distinct_rows{int64_t(n)};
    if (comm.is_root()) {
        const std::vector<size_t> first = first_equal(all_digests);
        free_storage(all_digests);
        std::vector<size_t> repeats;
        for (size_t i = 0; i < n; ++i)
            if (first[i] != i) repeats.push_back(i);
        distinct_rows[0] = int64_t(n - repeats.size());
        if (!repeats.empty()) {
            const std::vector<std::string> ids = cohort.ids(in.sheet);
            std::fprintf(stderr, "precis: warning: %zu of %zu samples have the same clustering profile as an earlier "
                         "sample (e.g. '%s' as '%s'): equal samples are always in one class; check for duplicated "
                         "samples\n", repeats.size(), n, ids[repeats[0]].c_str(), ids[first[repeats[0]]].c_str());
        }
    }
    comm.broadcast(distinct_rows);
    const int distinct = int(std::min<int64_t>(distinct_rows[0], std::numeric_limits<int>::max()));
    comm.all_or_none([&] {
        if (distinct < cc.k_min)
            throw Error(ErrorKind::DegenerateData,
                        "only " + std::to_string(distinct) + " of the " + std::to_string(n) +
                            " samples have distinct clustering profiles, fewer than clustering.k.min = " +
                            std::to_string(cc.k_min),
                        "remove the duplicated samples or lower clustering.k.min");
    });
    for (int k = distinct + 1; k <= cc.k_max; ++k)
        st.k_skipped.push_back({k, "only " + std::to_string(distinct) + " distinct sample profiles: " +
                                       std::to_string(k) + " classes would split equal samples"});
    if (!st.k_skipped.empty() && comm.is_root())
        std::fprintf(stderr, "precis: warning: clustering skips k = %d to %d: %s\n", distinct + 1, cc.k_max,
                     st.k_skipped.front().second.c_str());
    tried.k_max = std::min(cc.k_max, distinct);

    // the rows consensus runs on (the landmarks, or all), on every rank; the embedding's axes are theirs
    const std::vector<size_t> landmarks = draw_landmarks(n, cc, in.study.seed);
    const Matrix Y = gather_rows(comm, X, st.row0, n, landmarks);
    {
        const PcaAxes axes = pca_axes(Y, 2);
        std::vector<double> scores = comm.allgather(pca_project(axes, X));  // (rows in rank order: in order)
        if (comm.is_root()) st.embedding = std::move(scores);
    }

    // a finished clustering of the same data with the same settings is taken from the stage cache
    int k = 0;
    st.fit = cache.run<ClusteringStage>("clustering", clustering_key(in.study, cohort.data_key), [&] {
        const auto t0 = std::chrono::steady_clock::now();
        ClusteringResult cr = consensus_clustering(comm, Y, landmarks, X, n, tried, in.study.seed, kConsensusInStore);
        k = cr.chosen_k;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return ClusteringStage{std::move(cr.ks), cr.chosen, std::move(cr.labels), std::move(cr.consensus),
                               cr.landmarks.size(), seconds, cr.no_structure, cr.null_seconds};
    });
    // a kept result is on every rank
    st.k = st.fit.ks.empty() ? k : st.fit.no_structure ? 1 : st.fit.ks[st.fit.chosen].k;
    return st;
}

}  // namespace precis

// The consensus clustering stage across ranks: distances, resamples and pair counts shared out, summaries on rank 0.
#pragma once
#include <cstdint>
#include <vector>

#include "cluster/cluster.hpp"
#include "config/study.hpp"
#include "parallel/comm.hpp"

namespace precis {

// Bins of the stored consensus heatmaps (uns/clustering/heatmap), per side.
constexpr size_t kHeatmapBins = 150;

struct ClusteringResult {
    std::vector<KSummary> ks;  // rank 0: one per k, labels and item consensus over all n samples
    size_t chosen = 0;         // rank 0: index into ks
    int chosen_k = 0;          // every rank
    std::vector<int64_t> labels;                 // every rank: the chosen k's class of each sample, 1..k
    std::vector<std::vector<double>> consensus;  // rank 0, exact path with n <= store_limit: per k, n x n
    std::vector<size_t> landmarks;               // the samples consensus ran on, when fewer than all
    bool no_structure = false;  // choose_k null: no k passed the null test; every sample in class 1
    double null_seconds = 0;    // the null test's share of the time
};

// The clustered matrix (samples x selected features, centred and weighted) is held by rows: this rank's share is
// whole blocks of kShareBlock rows (core/exact_sum.hpp), in rank order, none on rank 0 when there are other
// ranks (as the store's rows). [first, last) of the n rows.
std::pair<size_t, size_t> clustered_rows(size_t n, int rank, int ranks);

// The samples consensus runs on: above cc.landmarks samples that many drawn at random (sorted), else none (all).
std::vector<size_t> draw_landmarks(size_t n, const ClusteringConfig& cc, uint64_t seed);
// The rows `which` (sorted; every row when empty) of the matrix whose rows [row0, row0 + mine.rows) this rank
// holds, on every rank, in order.
Matrix gather_rows(Comm& comm, const Matrix& mine, size_t row0, size_t n, const std::vector<size_t>& which);

// Y: the rows consensus runs on (gather_rows of `landmarks`, or of every row when there are none); mine: this
// rank's rows of the n, from row0 (clustered_rows). The samples that are not landmarks join the class of the
// nearest landmark-class centroid, each on the rank that holds it.
ClusteringResult consensus_clustering(Comm& comm, const Matrix& Y, const std::vector<size_t>& landmarks,
                                      const Matrix& mine, size_t n, const ClusteringConfig& cc,
                                      uint64_t seed, size_t store_limit);

}  // namespace precis

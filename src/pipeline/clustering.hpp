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

// X (n samples x features, the same on every rank) is prepared already: selected, centred, weighted.
ClusteringResult consensus_clustering(Comm& comm, const Matrix& X, const ClusteringConfig& cc, uint64_t seed,
                                      size_t store_limit);

}  // namespace precis

// The cohort store, cohort.h5mu: MuData layout (anndata on-disk spec) in one HDF5 file.
// The per-modality matrices X (samples x features, float32) are written collectively by every rank with parallel
// HDF5, each rank its own rows. Names, strings and annotations are written afterwards by rank 0 alone (HDF5 1.10
// cannot write variable-length strings in parallel); they are small: ids and per-sample columns, never matrices.
// The cohort stages read feature blocks back from the file.
// This header is serial: the collective writer is in matrix_writer.hpp, the only part of the store that sees MPI.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace precis {

// Serial reader for the matrices (any rank, read-only).
class MatrixReader {
public:
    explicit MatrixReader(const std::string& path);
    ~MatrixReader();
    MatrixReader(const MatrixReader&) = delete;
    MatrixReader& operator=(const MatrixReader&) = delete;
    // shape of mod/<modality>/X
    std::pair<size_t, size_t> shape(const std::string& modality) const;
    // columns [c0, c1) of every row as stored (float32, NaN = missing), feature-major: (c1 - c0) x rows, so that
    // each feature's values are contiguous for the per-feature statistics
    std::vector<float> read_features(const std::string& modality, size_t c0, size_t c1) const;
    // rows [r0, r1) with every column, as stored, row-major, into `out` (its storage reused)
    void read_rows(const std::string& modality, size_t r0, size_t r1, std::vector<float>& out) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;  // owned: freed also when the constructor throws
};

// A dataframe column: numeric (NaN = missing) or text (categorical when `categorical`).
struct FrameColumn {
    std::string name;
    bool numeric = true;
    std::vector<double> numbers;
    std::vector<std::string> strings;
    bool categorical = false;
    bool integer = false;  // numeric whole numbers: written as anndata's nullable-integer (missing stays missing)
    // when set, the column (all of the above but its name) is made as it is written, and freed once written: a
    // frame of many per-sample columns is never held whole
    std::function<FrameColumn()> make = nullptr;
};

struct Frame {
    std::vector<std::string> index;
    std::vector<FrameColumn> columns;
};

struct ModalityAnnotations {
    std::string modality;
    Frame obs;   // index: sample ids of the rows of X
    Frame var;   // index: feature ids
    std::vector<int> obsmap;  // per global sample: 1-based row in this modality, 0 if absent
    std::vector<std::string> layers;  // matrices written under layers/ with X (ParallelMatrixWriter), e.g. adjusted
};

// A consensus matrix reduced for pictures (cluster module's ConsensusHeatmap): bins x bins mean consensus, the class
// and item count of each bin.
struct StoreHeatmap {
    size_t bins = 0;
    std::vector<double> values;
    std::vector<int> labels, items;
};

struct StoreAnnotations {
    Frame obs;                                 // global: phenotypes, <mod>:<qc column>, subtype
    std::vector<ModalityAnnotations> mods;
    std::vector<double> embedding;             // obsm/X_consensus_mds? (n x dims), may be empty
    size_t embedding_dims = 0;
    std::string embedding_name;
    std::vector<double> genetic_pca;           // obsm/X_genetic_pca (n x dims): genome.ancestry's PCs, may be empty
    size_t genetic_pca_dims = 0;
    // uns/clustering
    std::vector<int> k;
    std::vector<double> pac, delta_area, mean_silhouette, cdf_area;
    int chosen_k = 0;
    int landmarks = 0;                         // samples consensus ran on, 0 = all
    // per k (as `k`), n x n, small N only: uns/clustering/consensus_by_k/k<K>, and the chosen k's as
    // uns/clustering/consensus
    std::vector<std::vector<double>> consensus;
    std::vector<std::vector<double>> cdf;      // per k: uns/clustering/cdf, k x 100 (consensus CDF at 0.01 .. 1)
    std::vector<StoreHeatmap> heatmaps;        // per k: uns/clustering/heatmap/k<K>/{values, labels, items}
    std::string provenance_json;               // uns/provenance
    std::string version;                       // creator-version in the userblock
};

// Serial (rank 0): adds names, annotations and uns to a file whose matrices are written, and the MuData userblock.
void write_annotations(const std::string& path, const StoreAnnotations& a);

// A global obs column as a report reads it: numbers (NaN = missing), or text as codes into its sorted distinct
// values (-1: missing, empty or NA), 4 bytes a sample rather than a string each.
struct ObsColumn {
    std::string name;
    bool numeric = true;
    std::vector<double> numbers;
    std::vector<int> codes;
    std::vector<std::string> categories;
    const std::string& text(size_t i) const;  // "" when missing
};
struct ObsFrame {
    std::vector<std::string> index;
    std::vector<ObsColumn> columns;
};

// What reports read back from a finished store (serial, read-only): global obs columns by name (absent names are
// left out), the embedding, and uns/clustering's per-k summaries.
struct StoreSummary {
    ObsFrame obs;
    std::vector<double> embedding;
    size_t embedding_dims = 0;
    std::string embedding_name;
    std::vector<double> genetic_pca;           // obsm/X_genetic_pca (n x dims): genome.ancestry's PCs, may be empty
    size_t genetic_pca_dims = 0;
    std::vector<int> k;
    std::vector<std::vector<double>> cdf;
    std::vector<StoreHeatmap> heatmaps;
};
StoreSummary read_store_summary(const std::string& path, const std::vector<std::string>& obs_columns);

}  // namespace precis

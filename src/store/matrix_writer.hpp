// The cohort store's matrices, written collectively: every rank of an MPI communicator its own rows (or columns) of
// each mod/<modality>/X, in one MPI-IO transfer per matrix. The only part of the store module that sees MPI; the
// serial rest (annotations, readers) is store.hpp.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace precis {

struct MatrixSpec {
    std::string modality;  // group mod/<modality>
    size_t rows = 0, cols = 0;
    std::string dataset = "X";  // its path under mod/<modality>, e.g. layers/adjusted
};

// Bytes the matrices take in the store (whole chunks) and room for its metadata: the constructor refuses to start
// (an IO error on every rank, before HDF5 writes anything) when the file system has less free.
uintmax_t store_bytes_needed(const std::vector<MatrixSpec>& mats);

// The rows [first, second) of matrix `m` that writer `part` of `parts` best writes: whole chunks, the blocks in
// order. Written so, every writer's selection is one hyperslab and no chunk is written by two.
std::pair<size_t, size_t> row_block(const MatrixSpec& m, int part, int parts);
// the rows of a chunk of m: row blocks start at multiples of it
size_t chunk_rows(const MatrixSpec& m);

// Collective: every rank of `comm` constructs, writes and closes together. With MPI_COMM_NULL (a process without
// MPI) it writes the same file through HDF5's POSIX driver.
class ParallelMatrixWriter {
public:
    // `existing`: the matrices are added to the store at `path` (its groups mod/<modality> made before), rather than
    // a new store created.
    ParallelMatrixWriter(const std::string& path, MPI_Comm comm, const std::vector<MatrixSpec>& mats,
                         bool existing = false);
    ~ParallelMatrixWriter();
    ParallelMatrixWriter(const ParallelMatrixWriter&) = delete;
    ParallelMatrixWriter& operator=(const ParallelMatrixWriter&) = delete;
    // Collective. `rows` (sorted, may be empty on some ranks) are this rank's rows; data is rows.size() x cols.
    void write_rows(size_t mat, const std::vector<size_t>& rows, const std::vector<float>& data);
    // Collective. This rank's columns (sorted, may be empty) of every row; data is rows x cols.size(), row-major.
    void write_columns(size_t mat, const std::vector<size_t>& cols, const std::vector<float>& data);
    void close();
    // Whether the last write was collective in HDF5 (H5Pget_mpio_actual_io_mode): every rank in one H5Dwrite. Where
    // every rank's rows are whole chunks, each rank's raw data then goes to the file itself (write_selection says
    // why); otherwise through collective MPI-IO. False without MPI.
    bool last_write_collective() const { return last_collective_; }
    // Whether in the last write every rank wrote its own whole chunks' raw data itself (false without MPI).
    bool last_write_own_chunks() const { return last_own_chunks_; }

private:
    // Collective write of `data` into the selection (runs of `idx` along dimension `dim`, everything along the other).
    void write_selection(size_t mat, int dim, const std::vector<size_t>& idx, const std::vector<float>& data);
    struct Impl;
    std::unique_ptr<Impl> impl_;  // owned: freed also when the constructor throws
    bool last_collective_ = false, last_own_chunks_ = false;
};

}  // namespace precis

// The store's matrices written by every rank together (see matrix_writer.hpp).
#include "store/matrix_writer.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "store/h5.hpp"

namespace precis {

using h5::check;
using h5::Id;
namespace fs = std::filesystem;

namespace {
// Chunks serve both row blocks (the store's write) and column blocks (the cohort stages): 1,024 rows by at most 256
// columns, the columns split evenly, so that the last chunk of a row is not mostly empty (300 columns as 256 + 44
// wrote 512 columns' worth of file pages).
std::pair<hsize_t, hsize_t> chunk_shape(const MatrixSpec& m) {
    const hsize_t pieces = std::max<hsize_t>(1, (m.cols + 255) / 256);
    return {std::max<hsize_t>(1, std::min<hsize_t>(m.rows, 1024)), std::max<hsize_t>(1, (m.cols + pieces - 1) / pieces)};
}
}  // namespace

size_t chunk_rows(const MatrixSpec& m) {
    return chunk_shape(m).first;
}

std::pair<size_t, size_t> row_block(const MatrixSpec& m, int part, int parts) {
    const size_t cr = chunk_shape(m).first, chunks = (m.rows + cr - 1) / cr;
    const auto at = [&](int r) { return std::min<size_t>(m.rows, chunks * size_t(r) / size_t(parts) * cr); };
    return {at(part), at(part + 1)};
}

struct ParallelMatrixWriter::Impl {
    bool parallel = true;
    MPI_Comm comm = MPI_COMM_NULL;
    Id file;
    std::vector<Id> datasets;
    std::vector<MatrixSpec> specs;
    std::string path;
};

uintmax_t store_bytes_needed(const std::vector<MatrixSpec>& mats) {
    uintmax_t bytes = uintmax_t(1) << 20;  // the file's metadata
    for (const MatrixSpec& m : mats) {
        const auto [cr, cc] = chunk_shape(m);  // edge chunks take their whole size
        bytes += uintmax_t((m.rows + cr - 1) / cr * cr) * uintmax_t((m.cols + cc - 1) / cc * cc) * sizeof(float);
    }
    return bytes;
}

ParallelMatrixWriter::ParallelMatrixWriter(const std::string& path, MPI_Comm comm, const std::vector<MatrixSpec>& mats,
                                           bool existing)
    : impl_(new Impl) {
    h5::silence_errors();
    impl_->path = path;
    impl_->specs = mats;
    impl_->parallel = comm != MPI_COMM_NULL;
    impl_->comm = comm;
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
    if (impl_->parallel) {  // without MPI (one process started on its own) the same file through the POSIX driver
        check(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "use MPI-IO");
        check(H5Pset_all_coll_metadata_ops(fapl, true), "use collective metadata");
        check(H5Pset_coll_metadata_write(fapl, true), "use collective metadata writes");
    }
    Id fcpl(H5Pcreate(H5P_FILE_CREATE), "create file creation list");
    check(H5Pset_userblock(fcpl, h5::kUserblockBytes), "reserve the MuData userblock");
    // the file is made private first (0640 less the umask) and HDF5 opens it: HDF5 would create it 0666 less the umask
    int rank = 0;
    if (impl_->parallel) MPI_Comm_rank(comm, &rank);
    // Room for the matrices is checked before HDF5 starts: a full disk in the middle of a parallel HDF5 write
    // leaves the ranks' collective closes out of step (a hang) and HDF5's own state broken.
    unsigned long long room[2] = {0, 0};  // {free bytes, needed bytes} as rank 0 sees them
    if (rank == 0) {
        const uintmax_t need = store_bytes_needed(mats);
        std::error_code ec;
        const fs::space_info sp = fs::space(fs::path(path).parent_path(), ec);
        room[0] = ec ? ~0ULL : sp.available;
        struct stat old {};  // an unfinished store of an earlier run is truncated, and its blocks freed
        if (!ec && !existing && ::stat(path.c_str(), &old) == 0) room[0] += uintmax_t(old.st_blocks) * 512;
        room[1] = need;
    }
    if (impl_->parallel) MPI_Bcast(room, 2, MPI_UNSIGNED_LONG_LONG, 0, comm);
    if (room[0] < room[1])
        throw_io("not enough space for the cohort store " + path + ": its matrices need " +
                     std::to_string(room[1] >> 20) + " MiB, the file system has " + std::to_string(room[0] >> 20) +
                     " MiB free",
                 "free space there (the finished samples are kept in the journal), then run the same command "
                 "again to resume");
    if (existing) {
        impl_->file = Id(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl), "open " + path + " to add to it");
    } else {
        if (rank == 0) (void)create_private_file(path);  // on failure H5Fcreate fails on every rank and says why
        if (impl_->parallel) MPI_Barrier(comm);
        impl_->file = Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), "create " + path);
    }
    Id mod = existing ? h5::open_group(impl_->file, "mod") : h5::create_group(impl_->file, "mod");
    for (auto& m : mats) {
        Id g = existing ? h5::open_group(mod, m.modality) : h5::create_group(mod, m.modality);
        // the groups on the dataset's path (anndata's layers/)
        std::string name = m.dataset;
        for (size_t slash; (slash = name.find('/')) != std::string::npos; name = name.substr(slash + 1))
            g = h5::exists(g, name.substr(0, slash)) ? h5::open_group(g, name.substr(0, slash))
                                                     : h5::create_group(g, name.substr(0, slash));
        hsize_t dims[2] = {m.rows, m.cols};
        Id space(H5Screate_simple(2, dims, nullptr), "create dataspace");
        Id dcpl(H5Pcreate(H5P_DATASET_CREATE), "create dataset creation list");
        const auto [cr, cc] = chunk_shape(m);
        hsize_t chunk[2] = {cr, cc};
        if (m.rows > 0 && m.cols > 0) check(H5Pset_chunk(dcpl, 2, chunk), "set chunking");
        check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "set fill time");
        impl_->datasets.emplace_back(
            H5Dcreate2(g, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
            "create mod/" + m.modality + "/" + m.dataset);
    }
}

ParallelMatrixWriter::~ParallelMatrixWriter() = default;

void ParallelMatrixWriter::write_rows(size_t mat, const std::vector<size_t>& rows, const std::vector<float>& data) {
    write_selection(mat, 0, rows, data);
}

void ParallelMatrixWriter::write_columns(size_t mat, const std::vector<size_t>& cols, const std::vector<float>& data) {
    write_selection(mat, 1, cols, data);
}

void ParallelMatrixWriter::write_selection(size_t mat, int dim, const std::vector<size_t>& idx,
                                           const std::vector<float>& data) {
    const MatrixSpec& m = impl_->specs.at(mat);
    hid_t d = impl_->datasets.at(mat);
    const hsize_t extent[2] = {m.rows, m.cols};
    const hsize_t other = extent[1 - dim];
    Id fspace(H5Dget_space(d), "get dataspace");
    if (idx.empty() || other == 0) {
        check(H5Sselect_none(fspace), "select");
    } else {
        // runs of consecutive indices become one hyperslab each. OR-ing them into one selection one at a time
        // costs time in proportion to the selection so far: quadratic in the runs (a worker's rows interleave with
        // the others', so runs are about as many as rows; 50,000 runs took 67 s). They are merged as a binary
        // counter carries instead, equal-sized selections pairwise: n log n (0.66 s), at most log n alive.
        struct Part {
            Id space;
            size_t runs;
        };
        std::vector<Part> parts;
        auto merge_top = [&] {
            Part b = std::move(parts.back());
            parts.pop_back();
            Part& a = parts.back();
            a.space = Id(H5Scombine_select(a.space, H5S_SELECT_OR, b.space), "select");
            a.runs += b.runs;
        };
        for (size_t i = 0; i < idx.size();) {
            size_t j = i + 1;
            while (j < idx.size() && idx[j] == idx[j - 1] + 1) ++j;
            hsize_t start[2] = {0, 0}, count[2] = {extent[0], extent[1]};
            start[dim] = idx[i];
            count[dim] = j - i;
            Id run(H5Scopy(fspace), "copy dataspace");
            check(H5Sselect_hyperslab(run, H5S_SELECT_SET, start, nullptr, count, nullptr), "select");
            parts.push_back({std::move(run), 1});
            while (parts.size() >= 2 && parts[parts.size() - 2].runs == parts.back().runs) merge_top();
            i = j;
        }
        while (parts.size() >= 2) merge_top();
        fspace = std::move(parts.back().space);
    }
    // HDF5 walks a selection in row-major order, which is the order of `data`
    hsize_t nmem = idx.empty() ? 0 : idx.size() * other;
    if (data.size() != nmem) throw Error(ErrorKind::Internal, "store: data does not match the selection");
    // in the shape of the selection, so that HDF5 maps it onto chunks by hyperslabs rather than element by element
    hsize_t mdims[2] = {dim == 0 ? hsize_t(idx.size()) : extent[0], dim == 1 ? hsize_t(idx.size()) : extent[1]};
    Id mspace(nmem ? H5Screate_simple(2, mdims, nullptr) : H5Screate_simple(1, &nmem, nullptr), "create memory space");
    if (nmem == 0) check(H5Sselect_none(mspace), "select");
    Id dxpl(H5Pcreate(H5P_DATASET_XFER), "create transfer list");
    if (impl_->parallel) check(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "request collective I/O");
    // Where every rank's rows are whole chunks (row_block's blocks), each chunk is one contiguous piece of the file
    // that one rank holds whole: the raw data then goes from each rank straight to the file (H5FD_MPIO_INDIVIDUAL_IO;
    // the write stays collective in HDF5). MPI-IO's collective buffering would only move whole chunks between ranks
    // first: at 100,000 samples the proteome's 120 MB took 0.25-0.27 s that way and 0.07 s this way (bench/README.md,
    // stop 42). Otherwise (interleaved rows, column blocks: chunks shared by ranks) the data is written collectively.
    if (impl_->parallel) {
        const hsize_t cr = chunk_shape(m).first;
        const bool contiguous = !idx.empty() && idx.back() - idx.front() + 1 == idx.size();
        int whole = dim == 0 && (idx.empty() || (contiguous && idx.front() % cr == 0 &&
                                                 ((idx.back() + 1) % cr == 0 || idx.back() + 1 == m.rows)));
        MPI_Allreduce(MPI_IN_PLACE, &whole, 1, MPI_INT, MPI_MIN, impl_->comm);
        if (whole) check(H5Pset_dxpl_mpio_collective_opt(dxpl, H5FD_MPIO_INDIVIDUAL_IO), "request independent I/O");
        last_own_chunks_ = whole;
    }
    static const float dummy = 0;
    check(H5Dwrite(d, H5T_NATIVE_FLOAT, mspace, fspace, dxpl, nmem ? data.data() : &dummy),
          "write mod/" + m.modality + "/" + m.dataset + " to " + impl_->path);
    last_collective_ = false;
    if (impl_->parallel) {
        H5D_mpio_actual_io_mode_t mode;
        check(H5Pget_mpio_actual_io_mode(dxpl, &mode), "query I/O mode");
        last_collective_ = mode != H5D_MPIO_NO_COLLECTIVE;
    }
}

void ParallelMatrixWriter::close() {
    impl_->datasets.clear();
    if (impl_->file.get() >= 0) check(H5Fclose(impl_->file.release()), "finish writing " + impl_->path);
}

}  // namespace precis

// Steps 4 to 6 of `precis run`: the feature ids, the proteome's cohort steps, the cohort store written by every rank
// (each its own rows, collectively), and the per-feature statistics read back from it in blocks.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <set>

#include "core/memory.hpp"
#include "core/signals.hpp"
#include "parallel/mpi_comm.hpp"
#include "pipeline/stages.hpp"
#include "store/matrix_writer.hpp"

namespace precis {
namespace {

// Genes from the BED, then the polygenic scores; proteins: the union over the kept samples, sorted.
void feature_ids(Comm& comm, const Inputs& in, const Cohort& cohort, const LocalFeatures& local, Matrices& mx) {
    if (in.study.genome.enabled) {
        mx.modalities.push_back(Modality::Genome);
        auto& ids = mx.feature_ids[Modality::Genome];
        if (in.have_genes) ids = in.genes.names();
        for (size_t i = 0; i < in.scores.size(); ++i) ids.push_back(in.scores.id(i));
    }
    if (in.study.proteome.enabled) {
        mx.modalities.push_back(Modality::Proteome);
        const auto& row_of = cohort.row_of.at(Modality::Proteome);
        std::set<std::string> mine;
        std::set<const std::vector<std::string>*> lists;  // samples of one cohort file share their id list
        for (auto& [idx, r] : local.proteome)
            if (row_of.count(idx) && lists.insert(r.ids.get()).second) mine.insert(r.ids->begin(), r.ids->end());
        std::set<std::string> all;
        for (auto& part : comm.gather(encode(std::vector<std::string>(mine.begin(), mine.end())))) {
            std::vector<std::string> theirs;
            decode(part, theirs);
            all.insert(theirs.begin(), theirs.end());
        }
        std::string msg = comm.is_root() ? encode(std::vector<std::string>(all.begin(), all.end())) : std::string();
        comm.broadcast(msg);
        decode(msg, mx.feature_ids[Modality::Proteome]);
    }
}

// A sample this rank holds a row of: its row in the matrix and its result (one of the two, by modality).
struct HeldRow {
    size_t row;
    std::vector<float>* burden;
    ProteomeResult* proteome;
    bool operator<(const HeldRow& o) const { return row < o.row; }
    // once its row is packed the sample's values are not needed again: freed, so that the results and their rows
    // are not held twice (a proteome result's doubles are 2x its float32 row)
    void release() const {
        if (burden) free_storage(*burden);
        if (proteome) free_storage(proteome->values), free_storage(proteome->values32);
    }
};

// One sample's row as float32 over all F features, into `dst` (NaN where it has no value).
void fill_row(const HeldRow& h, size_t F, FeaturePositions& positions, float* dst) {
    if (h.burden) {
        if (h.burden->size() != F) throw Error(ErrorKind::Internal, "store: a genome row does not match the genes");
        std::copy(h.burden->begin(), h.burden->end(), dst);
        return;
    }
    const ProteomeResult& r = *h.proteome;
    if (!r.ids) {  // a full row (finish_proteome_matrix)
        for (size_t j = 0; j < F; ++j) dst[j] = float(r.values[j]);
        return;
    }
    std::fill(dst, dst + F, std::numeric_limits<float>::quiet_NaN());
    const std::vector<size_t>& at = positions.of(r.ids);
    const bool narrowed = r.values.empty();  // to float32 as the sample was done (process_samples)
    if ((narrowed ? r.values32.size() : r.values.size()) != at.size())
        throw Error(ErrorKind::Internal, "store: a proteome row does not match its ids");
    for (size_t j = 0; j < at.size(); ++j) dst[at[j]] = narrowed ? r.values32[j] : float(r.values[j]);
}

// A modality's matrix (row-major, F features) written by the ranks together, each its block of rows (`blocks`: whole
// chunks), gathered from the ranks that hold the samples. The rows a worker processed interleave with the others', so
// written where they are, a rank's selection would be as many runs as rows, slow to build and to write. The blocks go
// in slices of whole chunks, about kSliceBytes each, one slice of every rank's block a round: each rank sends every
// other the rows it holds of that rank's slice (their numbers, then their values, converted straight from the
// per-sample results), and every rank writes its slice (one collective write a round). The slice and the messages
// are buffers made once and filled again each round, so that the exchange touches fresh memory only in its first
// round: on virtual machines a fresh page's first touch costs more than the copy into it (at 100,000 samples a
// worker's 60 MB block, made whole, took 0.22 s to make and the freed results' purges 0.29 s; bench/README.md,
// stop 44). Each sample's values are freed once its row is packed; the memory they leave is what later rounds' and
// stages' allocations take: it is given back (purged) once, after the store is written (run.cpp).
struct SliceBuffers {  // made once for all of the store's matrices
    std::vector<std::string> out, got;  // the messages to and from each rank
    std::vector<float> values;          // the rows of this rank's slice
};
void write_row_blocks(Comm& comm, Modality m, const Cohort& cohort, const std::vector<std::string>& ids,
                      LocalFeatures& local, const std::vector<std::pair<size_t, size_t>>& blocks, size_t chunk_rows,
                      SliceBuffers& buffers,
                      const std::function<void(size_t r0, size_t r1, const std::vector<float>& rows)>& write) {
    const size_t F = ids.size();
    const auto& row_of = cohort.row_of.at(m);
    std::vector<HeldRow> mine;
    if (m == Modality::Genome) {
        for (auto& [idx, v] : local.burden)
            if (const size_t row = row_of.row(idx); row != SheetRows::none) mine.push_back({row, &v, nullptr});
    } else {
        for (auto& [idx, r] : local.proteome)
            if (const size_t row = row_of.row(idx); row != SheetRows::none) mine.push_back({row, nullptr, &r});
    }
    std::sort(mine.begin(), mine.end());
    FeaturePositions positions(m == Modality::Proteome ? ids : std::vector<std::string>{});
    const size_t P = blocks.size(), me = size_t(comm.rank());
    const size_t row_bytes = sizeof(uint64_t) + F * sizeof(float);
    // rows a slice: whole chunks (every block starts at a chunk's first row), as many as make about kSliceBytes;
    // PRECIS_TEST_SLICE_BYTES sets it for tests (1: a chunk a slice, several rounds at a few thousand rows)
    static const size_t kSliceBytes = [] {
        const char* v = std::getenv("PRECIS_TEST_SLICE_BYTES");
        return v ? std::max<size_t>(1, std::strtoull(v, nullptr, 10)) : size_t(16) << 20;
    }();
    size_t longest = 1;
    for (auto& [b0, b1] : blocks) longest = std::max(longest, b1 - b0);
    const size_t slice = F ? std::max<size_t>(1, kSliceBytes / (F * sizeof(float)) / chunk_rows) * chunk_rows : longest;
    const size_t rounds = (longest + slice - 1) / slice;  // at least one write, if only of nothing
    const auto slice_of = [&](size_t r, size_t round) {
        const size_t b0 = blocks[r].first, len = blocks[r].second - b0, off = std::min(len, round * slice);
        return std::pair<size_t, size_t>{b0 + off, b0 + std::min(len, off + slice)};
    };
    std::vector<size_t> next(P, 0);  // per rank: the first of `mine` not yet sent to it
    for (size_t r = 0; r < P; ++r)
        next[r] = size_t(std::lower_bound(mine.begin(), mine.end(), HeldRow{blocks[r].first, nullptr, nullptr}) -
                         mine.begin());
    std::vector<std::string>& out = buffers.out;
    out.resize(P);
    std::vector<float>& values = buffers.values;
    std::vector<float> one(F);
    std::vector<bool> filled;
    // A round's packing and unpacking are this rank's own work, between collectives (the exchange, the write): each
    // is agreed on (all_or_none), so that an error on one rank stops every rank there rather than leaving the
    // others waiting in the next collective.
    for (size_t round = 0; round < rounds; ++round) {
        comm.all_or_none([&] {
            for (size_t r = 0; r < P; ++r) {  // the rows of rank r's slice this rank holds
                std::string& msg = out[r];
                msg.clear();
                if (r == me) continue;
                const size_t hi = slice_of(r, round).second;
                const size_t i = next[r];
                size_t j = i;
                while (j < mine.size() && mine[j].row < hi) ++j;
                next[r] = j;
                msg.resize((j - i) * row_bytes);
                char* packed = msg.data() + (j - i) * sizeof(uint64_t);  // the values after the row numbers
                for (size_t k = i; k < j; ++k) {
                    const uint64_t row = mine[k].row;
                    std::memcpy(msg.data() + (k - i) * sizeof row, &row, sizeof row);
                    fill_row(mine[k], F, positions, one.data());
                    if (F) std::memcpy(packed + (k - i) * F * sizeof(float), one.data(), F * sizeof(float));
                    mine[k].release();
                }
            }
        });
        comm.all_to_all(out, buffers.got);
        // this rank's slice: its own rows and the rows that came in
        const auto [lo, hi] = slice_of(me, round);
        comm.all_or_none([&, lo = lo, hi = hi] {
            values.resize((hi - lo) * F);
            filled.assign(hi - lo, false);
            size_t count = 0;
            const auto fill = [&](uint64_t row, const void* from) {
                if (row < lo || row >= hi || filled[row - lo])
                    throw Error(ErrorKind::Internal,
                                "store: row " + std::to_string(row) + " sent to the wrong rank or twice");
                filled[row - lo] = true;
                ++count;
                if (F) std::memcpy(&values[(row - lo) * F], from, F * sizeof(float));
            };
            for (size_t k = next[me]; k < mine.size() && mine[k].row < hi; ++k) {
                fill_row(mine[k], F, positions, one.data());
                fill(mine[k].row, one.data());
                mine[k].release();
                next[me] = k + 1;
            }
            for (const std::string& msg : buffers.got) {
                const size_t n = msg.size() / row_bytes;
                const char* packed = msg.data() + n * sizeof(uint64_t);
                for (size_t k = 0; k < n; ++k) {
                    uint64_t row;
                    std::memcpy(&row, msg.data() + k * sizeof row, sizeof row);
                    fill(row, packed + k * F * sizeof(float));
                }
            }
            if (count != hi - lo)
                throw Error(ErrorKind::Internal, "store: a row of the block was not sent by any rank");
        });
        write(lo, hi, values);
    }
}

// Workers share the features; rank 0 holds none when there are workers (it keeps its memory for the cohort's
// per-sample state: at national scale a block of every feature would be the most it holds).
Block my_block(size_t n_features, int rank, int size) {
    Block b;
    const WorkerPart w = worker_part(rank, size);
    if (!w.holds) return b;
    b.c0 = n_features * w.part / w.parts;
    b.c1 = n_features * (w.part + 1) / w.parts;
    return b;
}

}  // namespace

Matrices write_store(Comm& comm, const Inputs& in, const Cohort& cohort, Features&& features) {
    Matrices mx;
    LocalFeatures& local = features.local;
    feature_ids(comm, in, cohort, local, mx);

    // the kept samples' proteome rows as one cohort matrix: quantile normalisation and imputation, with cohort
    // statistics from allreduces over feature-length vectors (see proteome_matrix.cpp)
    if (in.study.proteome.enabled) {
        std::vector<std::string> names;  // rank 0: the samples of the proteome's rows, for errors
        if (comm.is_root())
            for (size_t r : cohort.rows_of.at(Modality::Proteome))
                names.push_back(in.sheet.id(size_t(cohort.kept[r])));
        mx.proteome_missing = finish_proteome_matrix(comm, in.study, mx.feature_ids[Modality::Proteome], local,
                                                     cohort.row_of.at(Modality::Proteome),
                                                     cohort.rows_of.at(Modality::Proteome).size(), names, in.sheet,
                                                     &mx.proteome_refs);
    }

    // every rank writes its own rows of each matrix, collectively
    mx.store_tmp = in.study.output + "/cohort.h5mu.partial";
    mx.store_path = in.study.output + "/cohort.h5mu";
    comm.all_or_none([&] {
        std::vector<MatrixSpec> specs;
        for (auto& m : mx.modalities) specs.push_back({name(m), cohort.rows_of.at(m).size(), mx.feature_ids[m].size()});
        ParallelMatrixWriter w(mx.store_tmp, mpi_comm(comm), specs);
        SliceBuffers buffers;
        for (size_t mi = 0; mi < mx.modalities.size(); ++mi) {
            const Modality m = mx.modalities[mi];
            if (m == Modality::Genome && in.cohort_genome()) {  // this rank's gene columns, every row
                std::vector<size_t> cols;
                for (auto& [g, v] : features.burden_cols) cols.push_back(g);
                std::vector<float> data;
                data.reserve(cohort.rows_of.at(m).size() * cols.size());
                for (size_t r : cohort.rows_of.at(m))
                    for (size_t g : cols) data.push_back(features.burden_cols[uint32_t(g)][size_t(cohort.kept[r])]);
                w.write_columns(mi, cols, data);
            } else {
                // worker by worker in whole chunks: a worker's selection is one hyperslab, and no chunk is written
                // by two; rank 0, which holds none of the matrices, writes nothing (unless it is the only rank)
                std::vector<std::pair<size_t, size_t>> blocks;
                for (int r = 0; r < comm.size(); ++r) {
                    const WorkerPart w = worker_part(r, comm.size());
                    blocks.push_back(w.holds ? row_block(specs[mi], int(w.part), int(w.parts))
                                             : std::pair<size_t, size_t>{0, 0});
                }
                std::vector<size_t> rows;
                write_row_blocks(comm, m, cohort, mx.feature_ids[m], local, blocks, chunk_rows(specs[mi]), buffers,
                                 [&](size_t r0, size_t r1, const std::vector<float>& values) {
                                     rows.resize(r1 - r0);
                                     std::iota(rows.begin(), rows.end(), r0);
                                     w.write_rows(mi, rows, values);
                                     mx.collective_io = mx.collective_io && w.last_write_collective();
                                 });
            }
            if (m == Modality::Genome && in.cohort_genome())
                mx.collective_io = mx.collective_io && w.last_write_collective();
        }
        w.close();
        test_kill_point("store", comm.rank());
    });
    features = Features();  // the store has them now
    comm.stop_point("the samples are kept in the journal; the store is written again on resume");
    return mx;
}

const double* Block::column(size_t j, std::vector<double>& scratch) const {
    if (released) throw Error(ErrorKind::Internal, "a feature block's values were used after they were let go");
    if (stored.empty()) return computed.data() + j * n;
    scratch.resize(n);
    std::copy_n(stored.data() + j * n, n, scratch.data());
    return scratch.data();
}

bool FeatureStats::kept(Modality m, size_t j) const {
    return missing_frac.at(m)[j] <= max_missing && !std::isnan(spread.at(m)[j]);
}

void read_blocks(Comm& comm, const Cohort& cohort, const Matrices& mx, FeatureStats& fs) {
    comm.all_or_none([&] {
        MatrixReader reader(mx.store_tmp);
        const size_t n = cohort.size();
        for (auto& m : mx.modalities) {
            Block b = my_block(mx.feature_ids.at(m).size(), comm.rank(), comm.size());
            b.stored = reader.read_features(name(m), b.c0, b.c1);
            const auto& rows = cohort.rows_of.at(m);
            const size_t nm = rows.size();  // the samples that have this modality: the store's rows
            if (nm != n) {
                std::vector<float> full;
                resize_huge(full, n * b.width(), std::numeric_limits<float>::quiet_NaN());
                for (size_t j = 0; j < b.width(); ++j)
                    for (size_t i = 0; i < nm; ++i) full[j * n + rows[i]] = b.stored[j * nm + i];
                b.stored = std::move(full);
            }
            b.n = n;
            fs.blocks[m] = std::move(b);
        }
    });
}

void release_values(FeatureStats& fs) {
    for (auto& [m, b] : fs.blocks) {
        free_storage(b.stored);
        free_storage(b.computed);
        b.released = true;
    }
}

FeatureStats feature_stats(Comm& comm, const Inputs& in, const Cohort& cohort, const Matrices& mx) {
    FeatureStats fs;
    fs.max_missing = in.study.max_missing;
    fs.modalities = mx.modalities;
    read_blocks(comm, cohort, mx, fs);
    for (auto& m : mx.modalities) {
        const Block& b = fs.blocks[m];
        const auto& rows = cohort.rows_of.at(m);
        const size_t nm = rows.size();  // the samples that have this modality
        // per column: missing fraction, mad (over the samples that have the modality)
        std::vector<double> stats(2 * b.width());
        each_column(b.width(), 8, [&](size_t j, std::vector<double>& scratch) {
            const double* v = b.column(j, scratch);
            std::vector<double> own;  // the values of the samples that have the modality, when some have not
            if (nm != b.n) {
                own.resize(nm);
                for (size_t i = 0; i < nm; ++i) own[i] = v[rows[i]];
                v = own.data();
            }
            const auto miss = size_t(std::count_if(v, v + nm, [](double x) { return std::isnan(x); }));
            stats[2 * j] = nm ? double(miss) / double(nm) : 1.0;
            stats[2 * j + 1] = mad(v, nm, 1);
        });
        auto all = comm.allgather(stats);
        fs.missing_frac[m].clear();  // an entry even for a modality without features
        fs.spread[m].clear();
        for (size_t j = 0; j < all.size() / 2; ++j) {
            fs.missing_frac[m].push_back(all[2 * j]);
            fs.spread[m].push_back(all[2 * j + 1]);
        }
        if (m == Modality::Proteome && !mx.proteome_missing.empty())
            fs.missing_frac[m] = mx.proteome_missing;  // before imputation
    }
    return fs;
}

}  // namespace precis

// Steps 4 to 6 of `precis run`: the feature ids, the proteome's cohort steps, the cohort store written by every rank
// (each its own rows, collectively), and the per-feature statistics read back from it in blocks.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
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

// The rows of this rank's block of a modality's matrix (row-major, F features), gathered from the ranks that hold
// the samples: each rank sends every other the rows of its block (their numbers, then their values, converted
// straight from the per-sample results) and keeps its own. The rows a worker processed interleave with the others',
// so written where they are, a rank's selection would be as many runs as rows, slow to build and to write.
// Each sample's values are freed once its row is packed (and the freed memory given back before each round of the
// exchange); the block is made after the exchange, so that it never stands beside all the results.
std::vector<float> block_rows(Comm& comm, Modality m, const Cohort& cohort, const std::vector<std::string>& ids,
                              LocalFeatures& local, const std::vector<std::pair<size_t, size_t>>& blocks) {
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
    const size_t b0 = blocks[size_t(comm.rank())].first, b1 = blocks[size_t(comm.rank())].second;
    const size_t row_bytes = sizeof(uint64_t) + F * sizeof(float);
    std::vector<float> one(F);
    // the rows for each rank: mine[first[r], first[r + 1])
    std::vector<size_t> first{0};
    for (size_t r = 0, j = 0; r < blocks.size(); ++r) {
        while (j < mine.size() && mine[j].row < blocks[r].second) ++j;
        first.push_back(j);
    }
    // the others' rows first, in rounds of at most kRoundBytes sent by any rank, so that the messages in flight are
    // a fixed amount beside the results not yet sent (which shrink as they go); what comes in is kept as it came
    constexpr double kRoundBytes = 16 << 20;
    std::vector<double> most{double(mine.size()) * double(row_bytes)};
    comm.allreduce_max(most);
    const size_t rounds = std::max<size_t>(1, size_t(std::ceil(most[0] / kRoundBytes)));
    std::vector<std::string> received;
    for (size_t round = 0; round < rounds; ++round) {
        std::vector<std::string> out(blocks.size());
        for (size_t r = 0; r < blocks.size(); ++r) {
            if (int(r) == comm.rank()) continue;
            const size_t all = first[r + 1] - first[r];
            const size_t i = first[r] + all * round / rounds, j = first[r] + all * (round + 1) / rounds;
            if (j == i) continue;
            std::string& msg = out[r];
            msg.resize((j - i) * row_bytes);  // 4 KiB pages: see the block below
            char* values = &msg[(j - i) * sizeof(uint64_t)];
            for (size_t k = i; k < j; ++k) {
                const uint64_t row = mine[k].row;
                std::memcpy(&msg[(k - i) * sizeof row], &row, sizeof row);
                fill_row(mine[k], F, positions, one.data());
                if (F) std::memcpy(values + (k - i) * F * sizeof(float), one.data(), F * sizeof(float));
                mine[k].release();
            }
        }
        give_back_free_memory();  // the released results, before the exchange
        std::vector<std::string> got = comm.all_to_all(out);
        free_storage(out);
        for (std::string& msg : got)
            if (!msg.empty()) received.push_back(std::move(msg));
    }
    // then the block, from this rank's own rows and the rows that came in: made only now, once the results sent away
    // are freed (made first, it stood beside all of them). Fresh memory on 4 KiB pages, not huge pages: this buffer,
    // the messages and the all-to-all's are made and let go in turn, and fresh huge pages made the kernel compact
    // memory first (at 200,000 MaxQuant samples the block took 0.27-0.36 s to make on huge pages, 0.06 s on 4 KiB
    // pages; bench/README.md, stop 41)
    std::vector<float> block((b1 - b0) * F);
    std::vector<bool> filled(b1 - b0);
    size_t count = 0;
    const auto fill = [&](uint64_t row, const void* values) {
        if (row < b0 || row >= b1 || filled[row - b0])
            throw Error(ErrorKind::Internal, "store: row " + std::to_string(row) + " sent to the wrong rank or twice");
        filled[row - b0] = true;
        ++count;
        if (F) std::memcpy(&block[(row - b0) * F], values, F * sizeof(float));
    };
    for (size_t k = first[size_t(comm.rank())]; k < first[size_t(comm.rank()) + 1]; ++k) {
        fill_row(mine[k], F, positions, one.data());
        fill(mine[k].row, one.data());
        mine[k].release();
    }
    for (std::string& msg : received) {
        const size_t n = msg.size() / row_bytes;
        const char* values = msg.data() + n * sizeof(uint64_t);
        for (size_t k = 0; k < n; ++k) {
            uint64_t row;
            std::memcpy(&row, &msg[k * sizeof row], sizeof row);
            fill(row, values + k * F * sizeof(float));
        }
        free_storage(msg);
    }
    if (count != b1 - b0) throw Error(ErrorKind::Internal, "store: a row of the block was not sent by any rank");
    return block;
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
                const std::vector<float> block = block_rows(comm, m, cohort, mx.feature_ids[m], local, blocks);
                std::vector<size_t> rows;
                for (size_t r = blocks[size_t(comm.rank())].first; r < blocks[size_t(comm.rank())].second; ++r)
                    rows.push_back(r);
                w.write_rows(mi, rows, block);
            }
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

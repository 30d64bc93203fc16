// Sums that do not depend on the order of their terms, so that results are the same at any number of ranks and
// threads however the terms are split among them.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <vector>

namespace precis {

// A sum of doubles that is exact in any order: each term is rounded once to a multiple of 2^-40 and the multiples
// are added as 128-bit integers. It travels as three doubles that also add exactly (see parts/add_parts).
class ExactSum {
public:
    void add(double x);
    void add(const ExactSum& other) { v_ += other.v_; }
    // x as the integer multiple of 2^-40 that add(x) adds; sums of them added with add_units
    static int64_t units(double x);
    void add_units(int64_t u) { v_ += u; }
    double value() const;
    static constexpr size_t kParts = 3;
    void parts(double* out) const;
    void add_parts(const double* in);

private:
    __int128 v_ = 0;
};

// Sums over rows shared out among ranks ("shares"), the same for any number of shares. Each share holds the rows
// [row0, row0 + rows) of the n, row0 a multiple of kShareBlock; `ShareReduce` combines a vector over the shares
// (MPI's allreduce; nothing to do with one share).
constexpr size_t kShareBlock = 1024;
struct ShareReduce {
    std::function<void(std::vector<double>&)> sum;  // element-wise sum over the shares (exact for integers)
    std::function<void(std::vector<double>&)> max;  // element-wise maximum over the shares
    static ShareReduce local() { return {[](std::vector<double>&) {}, [](std::vector<double>&) {}}; }
};

// Each of `sums` replaced by its sum over the shares (exact: their parts are integers that add exactly).
void reduce_exact(std::vector<ExactSum>& sums, const ShareReduce& r);

// Sums of many terms per (group, column): the rows are taken in the fixed blocks of kShareBlock, each block's terms
// added in double in row order (group(g) gives the block's running sums), and the blocks' sums exactly (ExactSum),
// each column scaled by a power of two (exact) that puts the bound on its terms (every share's) below 2^10: a
// block's sum stays below ExactSum's limit (2^23), and its 2^-40 units keep 50 bits below the largest term.
class ShareSums {
public:
    ShareSums(size_t groups, size_t columns, const std::vector<double>& bound);
    double* group(size_t g) {
        touched_[g] = 1;
        return &block_[g * p_];
    }
    void end_block();                     // the block's sums into the exact ones
    void reduce(const ShareReduce& r);    // every share's sums added (their ExactSum parts: integers, exact)
    const ExactSum& exact(size_t g, size_t j) const { return exact_[g * p_ + j]; }
    double value(const ExactSum& e, size_t j) const;  // a sum (or sum of sums) of column j, unscaled
    double value(size_t g, size_t j) const { return value(exact(g, j), j); }

    // Every row of a share in its blocks: body(local row) for each, end_block() after each block.
    template <class Body>
    void for_rows(size_t rows, size_t row0, Body&& body) {
        for (size_t i = 0; i < rows;) {
            const size_t end = std::min(rows, (row0 + i) / kShareBlock * kShareBlock + kShareBlock - row0);
            for (; i < end; ++i) body(i);
            end_block();
        }
    }

private:
    size_t groups_, p_;
    std::vector<ExactSum> exact_;
    std::vector<double> block_;
    std::vector<uint8_t> touched_;
    std::vector<int> scale_;
};

}  // namespace precis

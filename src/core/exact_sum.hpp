// Sums that do not depend on the order of their terms, so that results are the same at any number of ranks and
// threads however the terms are split among them.
#pragma once
#include <cstdint>
#include <cstddef>

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

}  // namespace precis

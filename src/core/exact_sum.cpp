#include "core/exact_sum.hpp"

#include <cmath>
#include <cstdint>

namespace precis {

namespace {
constexpr double kScale = 1099511627776.0;  // 2^40
constexpr int kPartBits = 40;
const __int128 kPartMask = (__int128(1) << kPartBits) - 1;
}  // namespace

void ExactSum::add(double x) { v_ += __int128(std::llround(x * kScale)); }

int64_t ExactSum::units(double x) { return std::llround(x * kScale); }

double ExactSum::value() const { return double(v_) / kScale; }

void ExactSum::parts(double* out) const {
    out[0] = double(int64_t(v_ & kPartMask));
    out[1] = double(int64_t((v_ >> kPartBits) & kPartMask));
    out[2] = double(int64_t(v_ >> (2 * kPartBits)));  // signed
}

void ExactSum::add_parts(const double* in) {
    // multiplied, not shifted: a left shift of a negative value is undefined before C++20
    v_ += __int128(int64_t(in[0])) + __int128(int64_t(in[1])) * (__int128(1) << kPartBits) +
          __int128(int64_t(in[2])) * (__int128(1) << (2 * kPartBits));
}

static_assert(kShareBlock <= (1 << 12), "a block's sum of terms below 2^10 must stay below ExactSum's 2^23");

ShareSums::ShareSums(size_t groups, size_t columns, const std::vector<double>& bound)
    : groups_(groups), p_(columns), exact_(groups * columns), block_(groups * columns, 0.0), touched_(groups, 0),
      scale_(columns, 0) {
    for (size_t j = 0; j < columns; ++j)
        if (bound[j] > 0 && std::isfinite(bound[j])) scale_[j] = 9 - std::ilogb(bound[j]);
}

void ShareSums::end_block() {
    for (size_t g = 0; g < groups_; ++g) {
        if (!touched_[g]) continue;
        for (size_t j = 0; j < p_; ++j) {
            exact_[g * p_ + j].add(std::ldexp(block_[g * p_ + j], scale_[j]));
            block_[g * p_ + j] = 0;
        }
        touched_[g] = 0;
    }
}

void reduce_exact(std::vector<ExactSum>& sums, const ShareReduce& r) {
    std::vector<double> parts(sums.size() * ExactSum::kParts);
    for (size_t t = 0; t < sums.size(); ++t) sums[t].parts(&parts[t * ExactSum::kParts]);
    r.sum(parts);
    for (size_t t = 0; t < sums.size(); ++t) {
        sums[t] = ExactSum();
        sums[t].add_parts(&parts[t * ExactSum::kParts]);
    }
}

void ShareSums::reduce(const ShareReduce& r) { reduce_exact(exact_, r); }

double ShareSums::value(const ExactSum& e, size_t j) const { return std::ldexp(e.value(), -scale_[j]); }

}  // namespace precis

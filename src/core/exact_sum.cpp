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

}  // namespace precis

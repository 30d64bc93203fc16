#include "core/parse.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace precis {
namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
// Trims `s` and drops one leading '+'; false if nothing that could be a number is left.
bool number_text(std::string_view& s) {
    s = trim(s);
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (!s.empty() && (s.front() == '+' || s.front() == '-')) return false;
    }
    return !s.empty();
}
}  // namespace

bool is_missing(std::string_view s) {
    s = trim(s);
    return s.empty() || s == "NA" || s == "NaN" || s == "nan" || s == "null" || s == "NULL" || s == ".";
}

bool parse_double(std::string_view s, double& v) {
    if (!number_text(s)) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (end != s.data() + s.size()) return false;
    if (ec == std::errc::result_out_of_range) {
        // a number below the normal range (1e-320) is a subnormal or 0, one above it (1e400) infinite: strtod says
        // which (from_chars leaves v untouched); a caller that needs a finite number checks
        const std::string copy(s);
        v = std::strtod(copy.c_str(), nullptr);
        return true;
    }
    return ec == std::errc();
}

bool parse_int(std::string_view s, int64_t& v) {
    if (!number_text(s)) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
}

bool is_numeric_column(size_t n, const TextAt& at) {
    for (size_t i = 0; i < n; ++i) {
        const std::string_view v = at(i);
        if (is_missing(v)) continue;
        double x = 0;
        if (!parse_double(v, x) || !std::isfinite(x)) return false;
    }
    return true;
}

bool is_numeric_column(const std::vector<std::string>& values) {
    return is_numeric_column(values.size(), text_at(values));
}

}  // namespace precis

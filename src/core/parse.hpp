// One parsing vocabulary for every reader of precis: sample sheets, protein tables, Olink NPX and MaxQuant exports,
// PGS scoring files, genes BED files, and the report's reading of precis's own outputs (docs/study.md, "Missing
// values and numbers").
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace precis {

// The missing-value tokens, one set everywhere: an empty cell, NA, NaN, nan, null, NULL and "." (surrounding
// spaces ignored).
bool is_missing(std::string_view s);

// A whole cell as a number: surrounding spaces ignored, an optional leading '+', then a decimal or scientific number
// as std::from_chars reads it (correctly rounded; no hexadecimal). "inf" and "nan" spellings parse: a caller that
// needs a finite number checks std::isfinite.
bool parse_double(std::string_view s, double& v);

// A whole cell as a whole number in base 10 (optional sign, surrounding spaces ignored) that fits in 64 bits.
bool parse_int(std::string_view s, int64_t& v);

// A column is numeric when every value that is not missing is a finite number (and numeric when all are missing).
bool is_numeric_column(const std::vector<std::string>& values);
// A column's n values read through a function (a table's column in some order, not copied): value i is at(i).
using TextAt = std::function<std::string_view(size_t)>;
bool is_numeric_column(size_t n, const TextAt& at);
// A vector's texts in their order, read that way (the vector outlives the function).
inline TextAt text_at(const std::vector<std::string>& values) {
    return [&values](size_t i) { return std::string_view(values[i]); };
}

}  // namespace precis

#include "proteome/proteome.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "core/error.hpp"
#include "core/table.hpp"

namespace precis {

const std::vector<std::string>& proteome_qc_columns() {
    static const std::vector<std::string> cols = {"n_features", "n_detected", "detected_fraction", "median",
                                                  "n_below_lod", "qc_warning"};
    return cols;
}

std::vector<double> proteome_qc_values(const ProteomeQC& q) {
    return {double(q.n_features), double(q.n_detected), q.detected_fraction, q.median, double(q.below_lod),
            q.qc_warning ? 1.0 : 0.0};
}

double median_of(std::vector<double> v) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    size_t h = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + h, v.end());
    double hi = v[h];
    if (v.size() % 2) return hi;
    double lo = *std::max_element(v.begin(), v.begin() + h);
    return (lo + hi) / 2;
}

namespace {
bool is_missing_token(const std::string& s) {
    return s.empty() || s == "NA" || s == "NaN" || s == "nan" || s == "null" || s == "NULL" || s == ".";
}
}  // namespace

ProteomeResult process_proteome(const std::string& path, const ProteomeSettings& st) {
    Table t = read_table(path);
    int idc = t.require_column(st.id_column, "proteome.id_column");
    int vc = t.require_column(st.value_column, "proteome.value_column");
    ProteomeResult r;
    r.ids.reserve(t.rows.size());
    r.values.reserve(t.rows.size());
    std::unordered_map<std::string, long> seen;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (auto& row : t.rows) {
        const std::string& id = row.fields[idc];
        if (id.empty()) throw_malformed(where(path, row.line) + "empty protein id", "give every row a protein id");
        if (auto [it, fresh] = seen.emplace(id, row.line); !fresh)
            throw_malformed(where(path, row.line) + "protein '" + id + "' appears again (first on line " +
                                std::to_string(it->second) + ")",
                            "keep one row per protein");
        const std::string& s = row.fields[vc];
        double v = nan;
        if (!is_missing_token(s)) {
            size_t used = 0;
            try {
                v = std::stod(s, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != s.size() || std::isinf(v) || std::isnan(v))
                throw_malformed(where(path, row.line) + "'" + s + "' in column " + st.value_column +
                                    " is not a finite number",
                                "write a number, or NA for a missing value");
            if (st.log2) {
                if (v < 0)
                    throw_malformed(where(path, row.line) + "negative abundance " + s + " cannot be log2-transformed",
                                    "give raw (linear) abundances, or set proteome.transform: none");
                v = v == 0 ? nan : std::log2(v);
            }
        }
        r.ids.push_back(id);
        r.values.push_back(v);
    }
    std::vector<double> obs;
    for (double v : r.values)
        if (!std::isnan(v)) obs.push_back(v);
    r.qc.n_features = static_cast<long>(r.values.size());
    r.qc.n_detected = static_cast<long>(obs.size());
    r.qc.detected_fraction = r.qc.n_features ? double(r.qc.n_detected) / r.qc.n_features : 0.0;
    r.qc.median = median_of(obs);
    if (st.median_normalize && !obs.empty())
        for (double& v : r.values)
            if (!std::isnan(v)) v -= r.qc.median;
    return r;
}

}  // namespace precis

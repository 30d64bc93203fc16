// The proteome's cohort-level steps: quantile normalisation and imputation. The rows stay on the ranks that read
// them; what the steps need from the whole cohort is a few feature-length vectors, summed exactly over the ranks
// (ExactSum parts, integer counts) or reduced to their minimum, so the results do not depend on the rank count.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/exact_sum.hpp"
#include "parallel/comm.hpp"
#include "pipeline/inputs.hpp"

namespace precis {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// Exact element-wise sums of one value per feature over every rank's rows.
std::vector<double> exact_feature_sums(Comm& comm, const std::vector<ExactSum>& mine) {
    std::vector<double> raw(mine.size() * ExactSum::kParts);
    for (size_t j = 0; j < mine.size(); ++j) mine[j].parts(&raw[j * ExactSum::kParts]);
    comm.allreduce_sum(raw);
    std::vector<double> out(mine.size());
    for (size_t j = 0; j < mine.size(); ++j) {
        ExactSum t;
        t.add_parts(&raw[j * ExactSum::kParts]);
        out[j] = t.value();
    }
    return out;
}
}  // namespace

std::vector<double> finish_proteome_matrix(Comm& comm, const StudyConfig& study, const std::vector<std::string>& ids,
                                           LocalFeatures& local, const std::unordered_map<uint64_t, size_t>& row_of,
                                           size_t n) {
    if (study.proteome.normalize != "quantile" && study.proteome.impute == "none") return {};
    const size_t F = ids.size();
    std::unordered_map<std::string, size_t> col;
    for (size_t j = 0; j < F; ++j) col[ids[j]] = j;
    // this rank's kept rows, full width
    std::map<uint64_t, std::vector<double>> rows;
    for (auto& [idx, r] : local.proteome) {
        if (!row_of.count(idx)) continue;
        std::vector<double> row(F, NaN);
        for (size_t k = 0; k < r.ids.size(); ++k) row[col.at(r.ids[k])] = r.values[k];
        rows[idx] = std::move(row);
    }

    // quantile normalisation: the mean of the samples' interpolated sorted values is the reference
    if (study.proteome.normalize == "quantile") {
        std::vector<ExactSum> sums(F);
        ExactSum added;
        for (auto& [idx, row] : rows) added.add(quantile_reference_add(row, sums) ? 1.0 : 0.0);
        sums.push_back(added);
        std::vector<double> reference = exact_feature_sums(comm, sums);
        const double count = std::max(reference.back(), 1.0);
        reference.pop_back();
        for (double& v : reference) v /= count;
        for (auto& [idx, row] : rows) quantile_apply(row, reference);
    }

    // missing fractions, before imputation (cohort.max_missing and the store's var use them)
    std::vector<double> missing(F, 0.0);
    for (auto& [idx, row] : rows)
        for (size_t j = 0; j < F; ++j) missing[j] += std::isnan(row[j]);
    comm.allreduce_sum(missing);  // integer counts: exact
    for (double& m : missing) m /= double(std::max<size_t>(n, 1));

    ImputeSettings imp;
    imp.method = study.proteome.impute;
    imp.log_scale = study.proteome.transform == "log2" || study.proteome.format == "olink_npx";
    imp.seed = study.seed;
    if (imp.method == "half_min") {
        imp.feature_min.assign(F, std::numeric_limits<double>::infinity());
        for (auto& [idx, row] : rows)
            for (size_t j = 0; j < F; ++j)
                if (!std::isnan(row[j])) imp.feature_min[j] = std::min(imp.feature_min[j], row[j]);
        comm.allreduce_min(imp.feature_min);
        for (double& m : imp.feature_min)
            if (std::isinf(m)) m = NaN;
    } else if (imp.method == "min_prob") {
        // per feature: observed count, mean, then the SD (two passes, exact sums)
        std::vector<ExactSum> s1(F), cnt(F);
        for (auto& [idx, row] : rows)
            for (size_t j = 0; j < F; ++j)
                if (!std::isnan(row[j])) s1[j].add(row[j]), cnt[j].add(1.0);
        std::vector<double> sum = exact_feature_sums(comm, s1), count = exact_feature_sums(comm, cnt);
        std::vector<ExactSum> s2(F);
        for (auto& [idx, row] : rows)
            for (size_t j = 0; j < F; ++j)
                if (!std::isnan(row[j])) {
                    const double d = row[j] - sum[j] / count[j];
                    s2[j].add(d * d);
                }
        std::vector<double> ss = exact_feature_sums(comm, s2), sds;
        for (size_t j = 0; j < F; ++j)  // imputeLCMD: features observed in more than half of the samples
            if (count[j] / double(n) > 0.5 && count[j] > 1) sds.push_back(std::sqrt(ss[j] / (count[j] - 1)));
        imp.sd = sds.empty() ? 0.0 : median_of(sds);
    }
    for (auto& [idx, row] : rows) {
        impute_row(row, imp, idx);
        ProteomeResult& r = local.proteome[idx];  // the whole row now (ids empty: in `ids` order), as imputation
        r.ids.clear();                            // fills features the sample's file did not list
        r.values = std::move(row);
    }
    return missing;
}

}  // namespace precis

// The proteome's cohort-level steps: quantile or plate normalisation, then imputation. The rows stay on the ranks
// that read them. Quantile normalisation, half_min and MinProb need only feature-length vectors from the whole
// cohort, summed exactly over the ranks (ExactSum parts, integer counts) or reduced to their minimum; plate medians
// transpose the values once to assay owners; kNN gives every rank the matrix. No result depends on the rank count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "core/exact_sum.hpp"
#include "core/rng.hpp"
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

// Olink intensity normalisation: each assay's values on each plate are shifted so that their median is the
// assay's median over every plate. Medians need every value of an assay, so the matrix is transposed once:
// assay j's values (with their plate) go to rank j mod P, which computes its assays' shifts; one exact allreduce
// (each entry has a single non-zero term) gives every rank every shift.
void plate_median(Comm& comm, size_t F, LocalFeatures& local, std::map<uint64_t, std::vector<double>>& rows) {
    const int P = comm.size();
    // plate names, numbered the same on every rank
    std::set<std::string> mine;
    for (auto& [idx, row] : rows) mine.insert(local.proteome[idx].plate);
    std::string joined;
    for (auto& p : mine) joined += p + "\n";
    std::string all;
    if (comm.is_root()) {
        std::set<std::string> u;
        for (auto& part : comm.gather(joined))
            for (size_t a = 0, b; (b = part.find('\n', a)) != std::string::npos; a = b + 1) u.insert(part.substr(a, b - a));
        for (auto& p : u) all += p + "\n";
    } else {
        comm.gather(joined);
    }
    comm.broadcast(all);
    std::map<std::string, size_t> plate_code;
    for (size_t a = 0, b; (b = all.find('\n', a)) != std::string::npos; a = b + 1)
        plate_code.emplace(all.substr(a, b - a), plate_code.size());
    const size_t L = plate_code.size();
    // (assay, plate, value) records to each assay's rank
    struct Rec {
        uint32_t assay, plate;
        double value;
    };
    std::vector<std::string> out(P);
    for (auto& [idx, row] : rows) {
        const uint32_t p = uint32_t(plate_code.at(local.proteome[idx].plate));
        for (size_t j = 0; j < F; ++j) {
            if (std::isnan(row[j])) continue;
            Rec r{uint32_t(j), p, row[j]};
            out[j % size_t(P)].append(reinterpret_cast<const char*>(&r), sizeof r);
        }
    }
    std::map<std::pair<uint32_t, uint32_t>, std::vector<double>> by_plate;
    std::map<uint32_t, std::vector<double>> by_assay;
    for (auto& msg : comm.all_to_all(out))
        for (size_t o = 0; o + sizeof(Rec) <= msg.size(); o += sizeof(Rec)) {
            Rec r;
            std::memcpy(&r, msg.data() + o, sizeof r);
            by_plate[{r.assay, r.plate}].push_back(r.value);
            by_assay[r.assay].push_back(r.value);
        }
    std::vector<double> shift(F * L, 0.0);
    for (auto& [key, values] : by_plate)
        shift[size_t(key.first) * L + key.second] = median_of(by_assay.at(key.first)) - median_of(values);
    comm.allreduce_sum(shift);
    for (auto& [idx, row] : rows) {
        const size_t p = plate_code.at(local.proteome[idx].plate);
        for (size_t j = 0; j < F; ++j)
            if (!std::isnan(row[j])) row[j] += shift[j * L + p];
    }
}

// kNN imputation needs every feature of every sample to find neighbours: each rank gets the whole matrix
// (feature-major), imputes its block of features, and every rank takes the fills of its own rows.
void knn(Comm& comm, size_t F, size_t n, const SheetRows& row_of,
         std::map<uint64_t, std::vector<double>>& rows, const std::vector<std::string>& names) {
    std::vector<double> mine;  // store row, then its F values
    for (auto& [idx, row] : rows) {
        mine.push_back(double(row_of.at(idx)));
        mine.insert(mine.end(), row.begin(), row.end());
    }
    const std::vector<double> all = comm.allgather(mine);
    std::vector<double> x(F * n, NaN);
    for (size_t o = 0; o + F < all.size(); o += F + 1) {
        const size_t r = size_t(all[o]);
        for (size_t j = 0; j < F; ++j) x[j * n + r] = all[o + 1 + j];
    }
    comm.all_or_none([&] {
        if (!comm.is_root()) return;
        const long bad = knn_too_sparse(x, F, n);
        if (bad >= 0)
            throw Error(ErrorKind::DegenerateData,
                        "sample '" + names[size_t(bad)] + "' misses more than 80% of the proteins, more than kNN "
                        "imputation allows (impute.knn's colmax)",
                        "raise proteome.qc.min_detected_fraction so that such samples fail QC, or use impute: "
                        "min_prob or half_min");
    });
    const size_t P = size_t(comm.size()), me = size_t(comm.rank());
    std::vector<double> fills;  // feature, store row, value
    for (const KnnFill& f : knn_impute(x, F, n, F * me / P, F * (me + 1) / P))
        fills.insert(fills.end(), {double(f.feature), double(f.sample), f.value});
    std::unordered_map<size_t, std::vector<double>*> by_row;
    for (auto& [idx, row] : rows) by_row[row_of.at(idx)] = &row;
    const std::vector<double> every = comm.allgather(fills);
    for (size_t o = 0; o + 2 < every.size(); o += 3) {
        auto it = by_row.find(size_t(every[o + 1]));
        if (it != by_row.end()) (*it->second)[size_t(every[o])] = every[o + 2];
    }
}

}  // namespace

bool proteome_cohort_steps(const StudyConfig& study) {
    const Normalize norm = study.proteome.normalize;
    return norm == Normalize::Quantile || norm == Normalize::PlateMedian || study.proteome.impute != Impute::None;
}

std::vector<double> finish_proteome_matrix(Comm& comm, const StudyConfig& study, const std::vector<std::string>& ids,
                                           LocalFeatures& local, const SheetRows& row_of,
                                           size_t n, const std::vector<std::string>& names, const SampleSheet& sheet,
                                           ProteomeReferences* refs) {
    const Normalize norm = study.proteome.normalize;
    if (!proteome_cohort_steps(study)) return {};
    const size_t F = ids.size();
    FeaturePositions positions(ids);
    // this rank's kept rows, full width
    std::map<uint64_t, std::vector<double>> rows;
    for (auto& [idx, r] : local.proteome) {
        if (!row_of.count(idx)) continue;
        std::vector<double> row(F, NaN);
        const std::vector<size_t>& at = positions.of(r.ids);
        for (size_t k = 0; k < r.values.size(); ++k) row[at[k]] = r.values[k];
        rows[idx] = std::move(row);
    }

    // quantile normalisation: the mean of the samples' interpolated sorted values is the reference
    if (study.proteome.normalize == Normalize::Quantile) {
        std::vector<ExactSum> sums(F);
        ExactSum added;
        for (auto& [idx, row] : rows) added.add(quantile_reference_add(row, sums) ? 1.0 : 0.0);
        sums.push_back(added);
        std::vector<double> reference = exact_feature_sums(comm, sums);
        const double count = std::max(reference.back(), 1.0);
        reference.pop_back();
        for (double& v : reference) v /= count;
        for (auto& [idx, row] : rows) quantile_apply(row, reference);
        if (refs) refs->quantile_reference = reference;
    }

    if (norm == Normalize::PlateMedian) plate_median(comm, ids.size(), local, rows);

    // missing fractions, before imputation (cohort.max_missing and the store's var use them)
    std::vector<double> missing(F, 0.0);
    for (auto& [idx, row] : rows)
        for (size_t j = 0; j < F; ++j) missing[j] += std::isnan(row[j]);
    comm.allreduce_sum(missing);  // integer counts: exact
    for (double& m : missing) m /= double(std::max<size_t>(n, 1));

    ImputeSettings imp;
    imp.method = name(study.proteome.impute);
    imp.log_scale = study.proteome.transform == Transform::Log2 || study.proteome.format == ProteomeFormat::OlinkNpx;
    imp.seed = study.seed;
    const Impute method = study.proteome.impute;
    if (method == Impute::HalfMin) {
        imp.feature_min.assign(F, std::numeric_limits<double>::infinity());
        for (auto& [idx, row] : rows)
            for (size_t j = 0; j < F; ++j)
                if (!std::isnan(row[j])) imp.feature_min[j] = std::min(imp.feature_min[j], row[j]);
        comm.allreduce_min(imp.feature_min);
        for (double& m : imp.feature_min)
            if (std::isinf(m)) m = NaN;
    } else if (method == Impute::MinProb) {
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
    if (refs) refs->feature_min = imp.feature_min, refs->impute_sd = imp.sd;
    if (method == Impute::Knn) knn(comm, F, n, row_of, rows, names);
    for (auto& [idx, row] : rows) {
        if (method != Impute::Knn) impute_row(row, imp, id_stream(sheet.id(idx)));
        ProteomeResult& r = local.proteome[idx];  // the whole row now (no ids: in `ids` order), as imputation
        r.ids.reset();                            // fills features the sample's file did not list
        r.values = std::move(row);
    }
    return missing;
}

}  // namespace precis

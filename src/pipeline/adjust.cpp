// Step 6b of `precis run`: the confounders of clustering.adjust removed from the values that clustering uses
// (docs/adjustment.md). Each rank adjusts the features of its blocks; ComBat's priors come from every feature's
// summaries, all-gathered in feature order, so the result is the same for any number of ranks. The adjusted values
// go into the store as mod/<m>/layers/adjusted (each rank its columns, collectively); X keeps the values as they
// were, and ranking uses those (its covariates are in its own model).
#include <algorithm>
#include <cmath>
#include <limits>

#include "adjust/adjust.hpp"
#include "cluster/cluster.hpp"
#include "core/error.hpp"
#include "core/memory.hpp"
#include "core/table.hpp"
#include "core/parse.hpp"
#include "parallel/mpi_comm.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/validate.hpp"
#include "ranking/ranking.hpp"
#include "store/matrix_writer.hpp"

namespace precis {

namespace {

// columns side by side (n rows); `intercept` puts a column of ones first
Eigen::MatrixXd side_by_side(const std::vector<std::vector<double>>& cols, size_t n, bool intercept) {
    Eigen::MatrixXd X(long(n), long(cols.size()) + (intercept ? 1 : 0));
    long c = 0;
    if (intercept) X.col(c++).setOnes();
    for (const auto& v : cols) X.col(c++) = Eigen::Map<const Eigen::VectorXd>(v.data(), long(n));
    return X;
}

Eigen::MatrixXd beside(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    Eigen::MatrixXd X(a.rows(), a.cols() + b.cols());
    X << a, b;
    return X;
}

}  // namespace

std::string adjust_design(const StudyConfig& s, size_t n, const ColumnValue& value, const SampleWho& who,
                          AdjustDesign& d) {
    const AdjustConfig& a = s.clustering.adjust;
    d = AdjustDesign{};
    if (n < 3)
        return s.origin_of("clustering.adjust.method") + ": the adjustment needs at least three samples, and " +
               std::to_string(n) + " are left (fix: remove clustering.adjust, or add samples)";
    // every sample needs a value in every column named
    for (const auto& [col, key] : a.named_columns())
        for (size_t i = 0; i < n; ++i)
            if (is_missing(value(col, i)))
                return who(i) + " has no value in column '" + col + "', named by '" + key + "' at " +
                       s.origin_of(key) + " (fix: fill it in, or remove the sample from the sheet: the adjustment "
                       "needs every sample's value)";
    auto values = [&](const std::string& col) {
        std::vector<std::string> v;
        for (size_t i = 0; i < n; ++i) v.push_back(value(col, i));
        return v;
    };
    std::vector<std::vector<double>> keep_cols, cov_cols;
    for (auto& c : a.preserve)
        for (auto& col : covariate_columns(values(c))) keep_cols.push_back(std::move(col));
    for (auto& c : a.covariates)
        for (auto& col : covariate_columns(values(c))) cov_cols.push_back(std::move(col));
    d.keep = side_by_side(keep_cols, n, true);
    d.covariates = side_by_side(cov_cols, n, false);
    d.mod = beside(d.keep.rightCols(d.keep.cols() - 1), d.covariates);
    Eigen::MatrixXd batch(long(n), 0);
    if (!a.batch.empty()) {
        d.batch = make_factor(values(a.batch));
        const std::string at = "column '" + a.batch + "' (clustering.adjust.batch)";
        if (d.batch.levels.size() < 2)
            return s.origin_of("clustering.adjust.batch") + ": " + at + " has one value, '" + d.batch.levels.at(0) + "', over the " + std::to_string(n) +
                   " samples: there is no batch effect to remove (fix: name a column with two batches or more, or "
                   "remove clustering.adjust.batch)";
        std::vector<size_t> size(d.batch.levels.size(), 0), first(d.batch.levels.size(), 0);
        for (size_t i = n; i-- > 0;) ++size[size_t(d.batch.code[i])], first[size_t(d.batch.code[i])] = i;
        for (size_t l = 0; l < size.size(); ++l)
            if (size[l] == 1)
                return who(first[l]) + " is the only sample of batch '" + d.batch.levels[l] + "' of " + at +
                       ": its batch effect cannot be told apart from the sample's own values (fix: merge it into "
                       "another batch, or remove the sample from the sheet)";
        if (!a.ref_batch.empty()) {
            auto it = std::find(d.batch.levels.begin(), d.batch.levels.end(), a.ref_batch);
            if (it == d.batch.levels.end())
                return s.origin_of("clustering.adjust.ref_batch") + ": clustering.adjust.ref_batch is '" +
                       a.ref_batch + "', not a batch of " + at + " (fix: use one of " + join(d.batch.levels) + ")";
            d.ref = int(it - d.batch.levels.begin());
        }
        batch = sum_contrasts(d.batch);
    }
    // the design must have full rank: name the first part that adds nothing new
    const std::string preserved = a.preserve.empty() ? "the intercept" : "clustering.adjust.preserve (" +
                                                                            join(a.preserve) + ")";
    if (design_rank(d.keep) < d.keep.cols())
        return s.origin_of("clustering.adjust.preserve") + ": the columns of clustering.adjust.preserve (" + join(a.preserve) + ") determine one another, or one "
               "of them is the same for every sample (fix: keep columns that vary and are not confounded)";
    const Eigen::MatrixXd with_batch = beside(d.keep, batch);
    if (design_rank(with_batch) < with_batch.cols())
        return s.origin_of("clustering.adjust.batch") + ": batch column '" + a.batch + "' (clustering.adjust.batch) is confounded with " + preserved +
               ": removing the batch would remove what is to be kept (fix: drop the confounded column from "
               "preserve, or do not adjust for this batch)";
    const Eigen::MatrixXd all = beside(with_batch, d.covariates);
    if (design_rank(all) < all.cols())
        return s.origin_of("clustering.adjust.covariates") + ": clustering.adjust.covariates (" + join(a.covariates) + ") are confounded with " +
               (a.batch.empty() ? "" : "the batch, ") + preserved + " or one another, or one of them is the same "
               "for every sample (fix: drop the covariate that the others determine)";
    d.remove = beside(batch, d.covariates);
    return "";
}

Adjusted adjust_stage(Comm& comm, const Inputs& in, const Cohort& cohort, const FeatureStats& fs, Matrices& mx) {
    const ClusteringConfig& cc = in.study.clustering;
    const AdjustConfig& a = cc.adjust;
    Adjusted out;
    if (!cc.enabled || !a.enabled()) return out;
    out.enabled = true;
    FeatureStats& st = out.stats;
    st.modalities = fs.modalities;
    st.max_missing = fs.max_missing;
    st.missing_frac = fs.missing_frac;
    const size_t n = cohort.size();
    std::vector<MatrixSpec> specs;
    std::vector<std::vector<float>> layer_data;  // per adjusted modality: this rank's columns, rows x width
    std::vector<std::vector<size_t>> layer_cols;
    for (const Modality m : cc.modalities) {
        const std::vector<size_t>& rows = cohort.rows_of.at(m);
        const size_t nm = rows.size();
        AdjustDesign d;
        comm.all_or_none([&] {  // the same sheet on every rank: every rank finds the same problem
            const ColumnValue value = [&](const std::string& col, size_t i) {
                const auto& ph = in.study.phenotypes;
                const size_t c = size_t(std::find(ph.begin(), ph.end(), col) - ph.begin());
                return in.sheet.phenotype(size_t(cohort.kept[rows[i]]), size_t(c));
            };
            const SampleWho who = [&](size_t i) { return in.sheet.sample_at(size_t(cohort.kept[rows[i]])); };
            const std::string problem = adjust_design(in.study, nm, value, who, d);
            if (!problem.empty())
                throw Error(ErrorKind::Config, problem + " [the " + name(m) + " values of the samples that passed "
                                                   "QC, adjusted before clustering]");
        });
        const Block& from = fs.blocks.at(m);
        const size_t w = from.width();
        // this rank's features over the samples that have the modality: feature-major
        std::vector<double> y(w * nm), scratch;
        for (size_t j = 0; j < w; ++j) {
            const double* v = from.column(j, scratch);
            for (size_t i = 0; i < nm; ++i) y[j * nm + i] = v[rows[i]];
        }
        Block b{from.c0, from.c1, n, {}, {}};  // the adjusted values: double
        // how a new sample's columns are coded (the subtype model): as adjust_design coded the cohort
        AdjustRecipe& r = out.recipe[m];
        r.method = name(a.method);
        r.batch = a.batch;
        r.ref_batch = a.ref_batch;
        r.batch_levels = a.batch.empty() ? std::vector<std::string>{} : d.batch.levels;
        auto levels_of = [&](const std::string& c) {
            std::vector<std::string> vals;
            const auto& ph = in.study.phenotypes;
            const size_t col = size_t(std::find(ph.begin(), ph.end(), c) - ph.begin());
            for (size_t i = 0; i < nm; ++i)
                vals.push_back(in.sheet.phenotype(size_t(cohort.kept[rows[i]]), size_t(col)));
            return covariate_levels(vals);
        };
        r.covariates = a.covariates;
        for (const std::string& c : a.covariates) r.covariate_levels.push_back(levels_of(c));
        if (a.method == AdjustMethod::Combat) {
            r.preserve = a.preserve;
            for (const std::string& c : a.preserve) r.preserve_levels.push_back(levels_of(c));
        }
        const size_t q = r.width();
        if (r.mod_width() != size_t(d.mod.cols()) || r.terms(r.covariate_levels) != size_t(d.covariates.cols()))
            throw Error(ErrorKind::Internal, "adjustment recipe does not match the design");
        std::vector<double>& coef = out.coefficients[m];  // each feature's row of the recipe
        coef.assign(w * q, 0.0);
        size_t left = 0;
        if (a.method == AdjustMethod::Combat) {
            std::vector<double> any{0};
            for (double v : y) any[0] = any[0] || std::isnan(v);
            comm.allreduce_sum(any);
            const Combat cb(d.batch, d.mod, d.ref, a.mean_only);
            std::vector<Combat::Feature> mine(w);
#pragma omp parallel for schedule(dynamic, 16)
            for (long j = 0; j < long(w); ++j) mine[size_t(j)] = cb.summarize(&y[size_t(j) * nm], any[0] > 0);
            std::vector<double> flat;
            flat.reserve(w * cb.flat_size());
            for (auto& f : mine) cb.flatten(f, flat);
            flat = comm.allgather(flat);  // every feature's summaries, in feature order
            std::vector<Combat::Feature> all(flat.size() / cb.flat_size());
            for (size_t j = 0; j < all.size(); ++j) all[j] = cb.unflatten(&flat[j * cb.flat_size()]);
            free_storage(flat);
            comm.all_or_none([&] { cb.posterior(all); });
            for (auto& f : all) left += f.adjusted ? 0 : 1;
            const size_t B = cb.batches(), mw = r.mod_width();
#pragma omp parallel for schedule(dynamic, 16)
            for (long j = 0; j < long(w); ++j) {
                Combat::Feature& f = mine[size_t(j)];
                f.gamma_star = all[b.c0 + size_t(j)].gamma_star;
                f.delta_star = all[b.c0 + size_t(j)].delta_star;
                cb.apply(f, &y[size_t(j) * nm]);
                double* row = &coef[size_t(j) * q];  // [adjusted, grand, sd, mod, gamma*, delta*, covariates]
                if (!f.adjusted) {
                    std::fill(row + 1, row + 3 + mw + 2 * B, std::numeric_limits<double>::quiet_NaN());
                    continue;
                }
                row[0] = 1, row[1] = cb.grand_mean(f), row[2] = f.sd;
                const Eigen::VectorXd beta = cb.mod_coefficients(f);
                std::copy(beta.data(), beta.data() + mw, row + 3);
                std::copy(f.gamma_star.begin(), f.gamma_star.end(), row + 3 + mw);
                std::copy(f.delta_star.begin(), f.delta_star.end(), row + 3 + mw + B);
            }
            if (d.covariates.cols() > 0) {  // then the covariates, as removeBatchEffect with the preserved design
                const LinearRemoval lr(d.keep, d.covariates);
                const size_t c = size_t(d.covariates.cols());
#pragma omp parallel for schedule(dynamic, 16)
                for (long j = 0; j < long(w); ++j) {
                    const Eigen::VectorXd beta = lr.coefficients(&y[size_t(j) * nm]);
                    std::copy(beta.data(), beta.data() + c, &coef[size_t(j) * q + q - c]);
                    lr.subtract(beta, &y[size_t(j) * nm]);
                }
            }
        } else {
            const LinearRemoval lr(d.keep, d.remove);
#pragma omp parallel for schedule(dynamic, 16)
            for (long j = 0; j < long(w); ++j) {
                const Eigen::VectorXd beta = lr.coefficients(&y[size_t(j) * nm]);
                std::copy(beta.data(), beta.data() + q, &coef[size_t(j) * q]);
                lr.subtract(beta, &y[size_t(j) * nm]);
            }
        }
        out.left_as_is[m] = left;
        // back into the block, the spread of the adjusted values (clustering.top_variable ranks by it)
        std::vector<double> spread(w);
        resize_huge(b.computed, w * n, std::numeric_limits<double>::quiet_NaN());
        for (size_t j = 0; j < w; ++j) {
            for (size_t i = 0; i < nm; ++i) b.computed[j * n + rows[i]] = y[j * nm + i];
            spread[j] = mad(&y[j * nm], nm, 1);
        }
        st.spread[m] = comm.allgather(spread);
        std::vector<float> rowmajor(nm * w);
        for (size_t i = 0; i < nm; ++i)
            for (size_t j = 0; j < w; ++j) rowmajor[i * w + j] = float(y[j * nm + i]);
        specs.push_back({name(m), nm, mx.feature_ids.at(m).size(), "layers/adjusted"});
        layer_data.push_back(std::move(rowmajor));
        layer_cols.emplace_back();
        for (size_t j = b.c0; j < b.c1; ++j) layer_cols.back().push_back(j);
        st.blocks[m] = std::move(b);
        mx.layers[m].push_back("adjusted");
        if (left > 0 && comm.is_root())
            std::fprintf(stderr, "precis: warning: ComBat left %zu %s feature(s) as they are: constant within a batch, "
                         "or too few observed values to estimate their batch effects (as sva's ComBat)\n", left,
                         name(m).c_str());
    }
    comm.all_or_none([&] {
        ParallelMatrixWriter wr(mx.store_tmp, mpi_comm(comm), specs, true);
        for (size_t k = 0; k < specs.size(); ++k) wr.write_columns(k, layer_cols[k], layer_data[k]);
        wr.close();
    });
    if (comm.is_root())
        std::fprintf(stderr, "precis: clustering values adjusted (%s) for %s\n", name(a.method).c_str(),
                     (a.batch.empty() ? join(a.covariates) : "batch '" + a.batch + "'" +
                     (a.covariates.empty() ? "" : " and " + join(a.covariates))).c_str());
    return out;
}

}  // namespace precis

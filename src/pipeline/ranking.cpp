// Step 8 of `precis run`: biomarker ranking. Each rank tests the features of its blocks; limma's variance prior is
// fitted on every rank from all features' variances (all-gathered in feature order, so the same for any number of
// ranks); rank 0 adjusts per contrast and sorts (biomarker_rows).
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <unordered_map>

#include "core/error.hpp"
#include "core/table.hpp"
#include "pipeline/stages.hpp"

namespace precis {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kFlat = 15;  // doubles per record in its flat form

// Covariates (moderated test): numbers as they are; other columns as indicators of their levels after the first.
std::vector<std::vector<double>> covariates(const Inputs& in, const Cohort& cohort) {
    std::vector<std::vector<double>> covs;
    for (const auto& cv : in.study.ranking.covariates)
        for (auto& column : covariate_columns(cohort.column(in, cv))) covs.push_back(std::move(column));
    return covs;
}

// limma: fit every feature of the block, the variance prior from all of them, then the moderated statistics.
std::vector<std::vector<TestResult>> moderated_block(Comm& comm, const Inputs& in, const FeatureStats& fs,
                                                     Modality m, const Groups& g, const Design& design,
                                                     const std::vector<Contrast>& contrasts,
                                                     std::vector<double>& s2_prior, std::vector<double>& df_prior) {
    const Block& b = fs.blocks.at(m);
    const size_t n = g.code.size();
    std::vector<std::vector<TestResult>> res(b.width());
    std::vector<LinearFit> fits(b.width());
    each_column(b.width(), 16, [&](size_t j, std::vector<double>& scratch) {
        if (fs.kept(m, b.c0 + j)) fits[j] = fit_linear(b.column(j, scratch), 1, design);
    });
    std::vector<double> mine;
    for (size_t j = 0; j < b.width(); ++j)
        if (fs.kept(m, b.c0 + j)) mine.insert(mine.end(), {double(b.c0 + j), fits[j].s2, fits[j].df, fits[j].amean});
    const std::vector<double> all = comm.allgather(mine);
    std::vector<size_t> order(all.size() / 4);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return all[4 * x] < all[4 * y]; });
    std::vector<double> s2v, dfv, amv;
    std::unordered_map<size_t, size_t> pos;
    double df_pooled = 0;
    for (size_t o : order) {
        pos[size_t(all[4 * o])] = s2v.size();
        s2v.push_back(all[4 * o + 1]);
        dfv.push_back(all[4 * o + 2]);
        amv.push_back(all[4 * o + 3]);
        if (std::isfinite(dfv.back())) df_pooled += dfv.back();
    }
    const Moderation mod = in.study.ranking.moderation;
    const std::vector<double>* trend = mod == Moderation::Trend || mod == Moderation::TrendRobust ? &amv : nullptr;
    const bool robust = mod == Moderation::Robust || mod == Moderation::TrendRobust;
    const VariancePrior prior = robust ? fit_f_dist_robust(s2v, dfv, trend) : fit_f_dist(s2v, dfv, trend);
    each_column(b.width(), 16, [&](size_t j, std::vector<double>& scratch) {
        if (!fs.kept(m, b.c0 + j)) return;
        const size_t at = pos.at(b.c0 + j);
        s2_prior[j] = prior.s2_prior.size() == 1 ? prior.s2_prior[0] : prior.s2_prior[at];
        df_prior[j] = prior.df_prior_each.empty() ? prior.df_prior : prior.df_prior_each[at];
        res[j] = moderated_tests(fits[j], s2_prior[j], df_prior[j], df_pooled, design);
        SortedGroups sorted;  // sorted once, if a contrast needs it
        bool have_sorted = false;
        for (size_t c = 0; c < contrasts.size(); ++c)
            if (contrasts[c].level >= 0) {
                if (!have_sorted) sorted.assign(b.column(j, scratch), n, 1, g.code), have_sorted = true;
                SortedGroups::W w;
                sorted.mann_whitney(contrasts[c], w);
                res[j][c].auc = auc_from(w);
            }
    });
    return res;
}

// ranking.test: cox: one Cox model per feature of this rank's blocks, against the endpoint, per SD of the feature,
// with the endpoint's covariates and strata; each feature on its samples with a value (coxph's complete cases).
std::vector<BiomarkerRecord> cox_block(const StudyConfig& study, const Cohort& cohort, const FeatureStats& fs,
                                       const Endpoint& ep, const EndpointData& d) {
    std::unordered_map<int64_t, size_t> row_of;
    for (size_t r = 0; r < cohort.kept.size(); ++r) row_of.emplace(cohort.kept[r], r);
    const size_t m = d.samples.size();
    std::vector<size_t> rows(m);
    for (size_t i = 0; i < m; ++i) rows[i] = row_of.at(d.samples[i]);
    std::vector<std::vector<int>> terms;
    const Eigen::MatrixXd C = endpoint_covariates(study, d, ep, terms, 1);
    const std::vector<int> strata = endpoint_strata(d);
    const CoxRiskSets all = cox_risk_sets(d.times, strata);
    std::vector<BiomarkerRecord> out;
    for (size_t mi = 0; mi < fs.modalities.size(); ++mi) {
        const Modality mod = fs.modalities[mi];
        const Block& b = fs.blocks.at(mod);
        std::vector<BiomarkerRecord> res(b.width());
        std::vector<char> tested(b.width(), 0);
        each_column(b.width(), 4, [&](size_t j, std::vector<double>& scratch) {
            if (!fs.kept(mod, b.c0 + j)) return;
            tested[j] = 1;
            BiomarkerRecord& r = res[j];
            r = {uint32_t(mi), uint64_t(b.c0 + j), 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0};
            const double* v = b.column(j, scratch);
            std::vector<size_t> use;  // the endpoint's samples with a value of this feature
            for (size_t i = 0; i < m; ++i)
                if (!std::isnan(v[rows[i]])) use.push_back(i);
            double mean = 0, ss = 0;
            for (size_t i : use) mean += v[rows[i]];
            mean /= double(std::max<size_t>(use.size(), 1));
            for (size_t i : use) ss += (v[rows[i]] - mean) * (v[rows[i]] - mean);
            const double sd = use.size() > 1 ? std::sqrt(ss / double(use.size() - 1)) : 0.0;
            long events = 0;
            for (size_t i : use) events += d.times.event[i];
            r.n = double(use.size()), r.events = double(events);
            if (events < 2) {
                r.note = 1;
                return;
            }
            if (!(sd > 0)) {
                r.note = 2;
                return;
            }
            Eigen::MatrixXd X(long(use.size()), 1 + C.cols());
            for (size_t a = 0; a < use.size(); ++a) {
                X(long(a), 0) = (v[rows[use[a]]] - mean) / sd;
                if (C.cols()) X.row(long(a)).tail(C.cols()) = C.row(long(use[a]));
            }
            CoxFit f;
            if (use.size() == m) {
                f = cox_fit(all, X);
            } else {
                SurvTimes t;
                std::vector<int> st;
                for (size_t i : use) {
                    t.time.push_back(d.times.time[i]), t.event.push_back(d.times.event[i]);
                    if (!strata.empty()) st.push_back(strata[i]);
                }
                f = cox_fit(cox_risk_sets(t, st), X);
            }
            if (!f.problem.empty()) r.note = f.converged ? (f.problem.find("infinite") != std::string::npos ? 4 : 5) : 3;
            if (!f.converged && f.problem.find("did not converge") == std::string::npos) r.note = 5;
            if (r.note == 3 || r.note == 5) return;
            const double beta = f.beta(0), se = std::sqrt(f.var(0, 0));
            r.effect = beta;
            r.statistic = beta / se;
            r.p = chisq_upper(r.statistic * r.statistic, 1);
            r.ci_low = beta - 1.959963984540054 * se;
            r.ci_high = beta + 1.959963984540054 * se;
        });
        for (size_t j = 0; j < b.width(); ++j)
            if (tested[j]) out.push_back(res[j]);
    }
    return out;
}

}  // namespace

std::string cox_note(int code) {
    switch (code) {
    case 1: return "fewer than 2 events among the samples with a value";
    case 2: return "the feature is constant over the samples with a value";
    case 3: return "the Cox model did not converge in 20 iterations";
    case 4: return "the likelihood converged before the coefficient: it may be infinite";
    case 5: return "the Cox model's information is singular (the feature is determined by the covariates)";
    default: return "";
    }
}

std::vector<double> flatten(const std::vector<BiomarkerRecord>& records) {
    std::vector<double> flat;
    flat.reserve(records.size() * kFlat);
    for (const BiomarkerRecord& r : records)
        flat.insert(flat.end(), {double(r.modality), double(r.feature), double(r.contrast), r.statistic, r.effect, r.p,
                                 r.df, r.s2_prior, r.df_prior, r.ci_low, r.ci_high, r.auc, r.n, r.events, r.note});
    return flat;
}

std::vector<BiomarkerRecord> unflatten(const std::vector<double>& flat) {
    if (flat.size() % kFlat) throw Error(ErrorKind::Internal, "a ranking record of the wrong size");
    std::vector<BiomarkerRecord> records(flat.size() / kFlat);
    for (size_t i = 0; i < records.size(); ++i) {
        const double* x = &flat[i * kFlat];
        records[i] = {uint32_t(x[0]), uint64_t(x[1]), uint32_t(x[2]), x[3],  x[4],  x[5],  x[6], x[7],
                      x[8],           x[9],           x[10],          x[11], x[12], x[13], x[14]};
    }
    return records;
}

Groups ranking_groups(const Inputs& in, const Cohort& cohort, const Subtypes& subtypes) {
    const RankingConfig& rc = in.study.ranking;
    const size_t n = cohort.size();
    Groups g;
    g.code.assign(n, -1);
    if (rc.groups == "subtype") {
        for (int l = 1; l <= subtypes.k; ++l) g.levels.push_back(std::to_string(l));
        for (size_t i = 0; i < n; ++i) g.code[i] = int(subtypes.fit.labels[i] - 1);
    } else {
        const std::vector<std::string> vals = cohort.column(in, rc.groups);
        if (!rc.levels.empty()) {
            g.levels = rc.levels;
            for (auto& l : g.levels)
                if (std::find(vals.begin(), vals.end(), l) == vals.end())
                    throw Error(ErrorKind::InconsistentInput,
                                in.study.path + ": ranking.levels names '" + l + "', but no sample that passed QC has "
                                "that value in column '" + rc.groups + "' of " + in.sheet.path,
                                "list levels that occur in the sheet");
        } else {
            std::set<std::string> u;
            for (auto& v : vals)
                if (!v.empty() && v != "NA") u.insert(v);
            g.levels.assign(u.begin(), u.end());
        }
        for (size_t i = 0; i < n; ++i) {
            auto it = std::find(g.levels.begin(), g.levels.end(), vals[i]);
            g.code[i] = it == g.levels.end() ? -1 : int(it - g.levels.begin());
        }
    }
    if (g.levels.size() < 2)
        throw Error(ErrorKind::DegenerateData,
                    "ranking.groups '" + rc.groups + "' has fewer than 2 groups among the samples",
                    "choose a grouping with at least two levels");
    return g;
}

std::string ranking_key(const StudyConfig& study, const std::string& data_key, const Groups& g,
                        const std::vector<std::vector<double>>& covariates) {
    std::vector<double> design_in(g.code.begin(), g.code.end());
    for (auto& c : covariates) design_in.insert(design_in.end(), c.begin(), c.end());
    return content_key({"precis ranking 1", data_key, resolved_settings(study.resolved, {"ranking"}),
                        join(g.levels, "\n"), encode(design_in)});
}

Ranking rank_stage(Comm& comm, const Inputs& in, const Cohort& cohort, const Matrices& mx, FeatureStats& fs,
                   const Subtypes& subtypes, StageCache& cache) {
    const RankingConfig& rc = in.study.ranking;
    auto blocks = [&] {  // read again if clustering let them go
        if (!fs.blocks.empty() && fs.blocks.begin()->second.released) read_blocks(comm, cohort, mx, fs);
    };
    Ranking r;
    if (!(r.enabled = rc.enabled)) return r;
    if (rc.test == RankTest::Cox) {  // time to event: one contrast, the endpoint
        r.contrasts.push_back({rc.endpoint, -1, -1});
        // the key holds the endpoint's follow-up of the kept samples: a sheet edited since is ranked again
        const Endpoint& ep = *std::find_if(in.study.outcomes.begin(), in.study.outcomes.end(),
                                           [&](const Endpoint& e) { return e.name == rc.endpoint; });
        EndpointData d;
        std::string follow_up;
        comm.all_or_none([&] {
            d = endpoint_data(in.study, in.sheet, ep, cohort.kept);
            std::vector<double> v(d.samples.begin(), d.samples.end());
            v.insert(v.end(), d.times.time.begin(), d.times.time.end());
            v.insert(v.end(), d.times.event.begin(), d.times.event.end());
            follow_up = encode(v);
            for (size_t i = 0; i < d.samples.size(); ++i) {  // (each sample's covariates, then its strata: a line each)
                for (size_t c = 0; c < d.covariates.size(); ++c) (follow_up += c ? "\t" : "") += d.covariate(c, i);
                follow_up += "\n";
                for (size_t c = 0; c < d.strata.size(); ++c) (follow_up += c ? "\t" : "") += d.stratum(c, i);
                follow_up += "\n";
            }
        });
        const std::string key = content_key({"precis ranking cox 1", cohort.data_key,
                                             resolved_settings(in.study.resolved, {"ranking", "outcomes"}), follow_up});
        const std::vector<double> flat = cache.run<std::vector<double>>("ranking", key, [&] {
            std::vector<BiomarkerRecord> mine;
            blocks();
            comm.all_or_none([&] { mine = cox_block(in.study, cohort, fs, ep, d); });
            fs.blocks.clear();
            return comm.allgather(flatten(mine));
        });
        fs.blocks.clear();
        r.records = unflatten(flat);
        return r;
    }
    if (rc.groups == "subtype" && subtypes.fit.no_structure) {  // one class: nothing to compare
        r.enabled = false;
        r.skipped = "no subtype structure (clustering.choose_k: null found no k), so there are no subtypes to compare";
        if (comm.is_root()) std::fprintf(stderr, "precis: warning: ranking skipped: %s\n", r.skipped.c_str());
        return r;
    }
    const size_t n = cohort.size();
    Groups g;
    comm.all_or_none([&] { g = ranking_groups(in, cohort, subtypes); });
    const RankTest test = rc.test;
    r.contrasts = make_contrasts(g.levels);
    if (test == RankTest::Kruskal) r.contrasts.clear();
    if (test == RankTest::Kruskal || (test == RankTest::Moderated && g.levels.size() > 2))
        r.contrasts.push_back({"overall", -1, -1});
    std::vector<std::vector<double>> covs;
    comm.all_or_none([&] { covs = covariates(in, cohort); });
    Design design;
    if (test == RankTest::Moderated)
        comm.all_or_none([&] {
            try {
                design = make_design(g.code, g.levels.size(), covs);
            } catch (const Error& e) {  // the study's choice of groups and covariates is at fault
                throw_config(std::string(e.what()) + ": 'ranking.groups' (" + rc.groups + ") with 'ranking.covariates' (" +
                                 join(rc.covariates, ",") + "), named at " + in.study.origin_of("ranking.covariates"),
                             e.hint());
            }
        });

    // a finished ranking of the same data, groups, covariates and settings is taken from the stage cache
    const std::string key = ranking_key(in.study, cohort.data_key, g, covs);
    const std::vector<double> flat = cache.run<std::vector<double>>("ranking", key, [&] {
        std::vector<BiomarkerRecord> mine;
        blocks();
        for (size_t mi = 0; mi < fs.modalities.size(); ++mi) {
            const Modality m = fs.modalities[mi];
            const Block& b = fs.blocks.at(m);
            std::vector<double> s2_prior(b.width(), NaN), df_prior(b.width(), NaN);
            std::vector<std::vector<TestResult>> res;
            if (test == RankTest::Moderated) {
                res = moderated_block(comm, in, fs, m, g, design, r.contrasts, s2_prior, df_prior);
            } else {
                res.resize(b.width());
                each_column(b.width(), 16, [&](size_t j, std::vector<double>& scratch) {
                    if (fs.kept(m, b.c0 + j))
                        res[j] = test_feature(b.column(j, scratch), n, 1, g.code, r.contrasts, name(test));
                });
            }
            for (size_t j = 0; j < b.width(); ++j)
                for (size_t c = 0; c < res[j].size(); ++c) {
                    const TestResult& t = res[j][c];
                    mine.push_back({uint32_t(mi), uint64_t(b.c0 + j), uint32_t(c), t.statistic, t.effect, t.p, t.df,
                                    s2_prior[j], df_prior[j], t.ci_low, t.ci_high, t.auc, NaN, NaN, 0});
                }
        }
        fs.blocks.clear();  // before the records of every rank arrive
        return comm.allgather(flatten(mine));
    });
    fs.blocks.clear();  // (a kept ranking did not need them)
    r.records = unflatten(flat);
    return r;
}

std::vector<BiomarkerRow> biomarker_rows(const Ranking& r, const Matrices& mx, const StudyConfig& study) {
    const auto& rec = r.records;
    const size_t nrec = rec.size();
    std::vector<std::vector<size_t>> by_contrast(r.contrasts.size());
    for (size_t i = 0; i < nrec; ++i) by_contrast[rec[i].contrast].push_back(i);
    std::vector<double> q(nrec, NaN);
    for (auto& rs : by_contrast) {
        std::vector<double> p;
        for (size_t i : rs) p.push_back(rec[i].p);
        auto adj = study.ranking.p_adjust == PAdjust::BY ? by_adjust(p) : bh_adjust(p);
        for (size_t i = 0; i < rs.size(); ++i) q[rs[i]] = adj[i];
    }
    std::vector<size_t> order(nrec);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const double pa = rec[a].p, pb = rec[b].p;
        const bool na = std::isnan(pa), nb = std::isnan(pb);
        if (na != nb) return nb;
        if (!na && pa != pb) return pa < pb;
        return std::tie(rec[a].contrast, rec[a].modality, rec[a].feature) <
               std::tie(rec[b].contrast, rec[b].modality, rec[b].feature);
    });
    std::vector<BiomarkerRow> rows;
    rows.reserve(nrec);
    for (size_t i : order) {
        const BiomarkerRecord& x = rec[i];
        const Modality m = mx.modalities[x.modality];
        rows.push_back({mx.feature_ids.at(m)[x.feature], name(m), r.contrasts[x.contrast].name, name(study.ranking.test),
                        x.statistic, x.effect, x.p, q[i], x.df, x.s2_prior, x.df_prior, x.ci_low, x.ci_high, x.auc,
                        x.n, x.events, cox_note(int(x.note))});
    }
    return rows;
}

}  // namespace precis

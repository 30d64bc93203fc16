// Step 8b of `precis run`: the subtypes against each endpoint of `outcomes:` (docs/survival.md): Kaplan-Meier
// curves and medians, the log-rank tests, a Cox model of the subtype with the endpoint's covariates and strata, and
// its proportional-hazards check. Rank 0 computes it (one pass over the kept samples per endpoint).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <type_traits>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/parse.hpp"
#include "core/table.hpp"
#include "pipeline/stages.hpp"
#include "ranking/ranking.hpp"

namespace precis {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-calendar count: years from March, so that the
// leap day comes last).
long days_from_civil(long y, long m, long d) {
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD" (a valid date) -> days; false otherwise
bool parse_date(const std::string& s, long& days) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    const long y = std::stol(s.substr(0, 4)), m = std::stol(s.substr(5, 2)), d = std::stol(s.substr(8, 2));
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > len[m - 1] + (m == 2 && leap)) return false;
    days = days_from_civil(y, m, d);
    return true;
}

size_t column_of(const StudyConfig& s, const std::string& col) {
    return size_t(std::find(s.phenotypes.begin(), s.phenotypes.end(), col) - s.phenotypes.begin());
}

}  // namespace

EndpointData endpoint_data(const StudyConfig& s, const SampleSheet& sheet, const Endpoint& ep,
                           const std::vector<int64_t>& samples) {
    EndpointData d;
    auto column = [&](const std::string& col) -> const TextColumn& { return sheet.phenotypes.at(column_of(s, col)); };
    const TextColumn* time = ep.time.empty() ? nullptr : &column(ep.time);
    const TextColumn* start = ep.time.empty() ? &column(ep.start) : nullptr;
    const TextColumn* end = ep.time.empty() ? &column(ep.end) : nullptr;
    const TextColumn& event_of = column(ep.event);
    std::vector<const TextColumn*> cov_cols, strata_cols;
    for (const std::string& c : ep.covariates) cov_cols.push_back(&column(c));
    for (const std::string& c : ep.strata) strata_cols.push_back(&column(c));
    d.samples.reserve(samples.size());
    d.times.time.reserve(samples.size());
    d.times.event.reserve(samples.size());
    const std::string key = "outcomes." + ep.name + ".";
    for (int64_t idx : samples) {
        const size_t i = size_t(idx);
        auto bad = [&](const std::string& col, std::string_view v, const std::string& what, const std::string& k,
                       const std::string& fix) {
            throw Error(ErrorKind::Config,
                        sheet.sample_at(i) + ": column '" + col + "' is '" + std::string(v) + "', " + what +
                            " (endpoint '" + ep.name + "', " + key + k + " at " + s.origin_of(key + k) + ")",
                        fix);
        };
        // follow-up time
        double t = NaN;
        bool missing = false;
        if (time) {
            const std::string_view v = (*time)[i];
            if (is_missing(v)) {
                missing = true;
            } else if (!parse_double(v, t) || !std::isfinite(t) || t < 0) {
                bad(ep.time, v, "not a time >= 0", "time", "give each sample's follow-up time as a number, or NA");
            }
        } else {
            const std::string a((*start)[i]), b((*end)[i]);
            long da = 0, db = 0;
            if (is_missing(a) || is_missing(b)) {
                missing = true;
            } else if (!parse_date(a, da)) {
                bad(ep.start, a, "not a date YYYY-MM-DD", "start", "write dates as YYYY-MM-DD, or NA");
            } else if (!parse_date(b, db)) {
                bad(ep.end, b, "not a date YYYY-MM-DD", "end", "write dates as YYYY-MM-DD, or NA");
            } else if (db < da) {
                bad(ep.end, b, "before the start " + a, "end", "check the two dates (the end is the event or the last contact)");
            } else {
                t = double(db - da);
            }
        }
        // event
        const std::string_view ev = event_of[i];
        int event = -1;
        if (is_missing(ev)) {
            missing = true;
        } else if (std::find(ep.event_values.begin(), ep.event_values.end(), ev) != ep.event_values.end()) {
            event = 1;
        } else if (std::find(ep.censor_values.begin(), ep.censor_values.end(), ev) != ep.censor_values.end()) {
            event = 0;
        } else {
            bad(ep.event, ev,
                "neither an event value (" + join(ep.event_values) + ") nor a censoring value (" +
                    join(ep.censor_values) + ")",
                "event_values", "set " + key + "event_values and " + key + "censor_values to the column's coding");
        }
        for (auto* cols : {&cov_cols, &strata_cols})
            for (const TextColumn* c : *cols) missing = missing || is_missing((*c)[i]);
        if (missing) {
            ++d.missing;
            continue;
        }
        d.samples.push_back(idx);
        d.times.time.push_back(t);
        d.times.event.push_back(event);
    }
    // in time order, equal times in the sheet's: the curves, tests and models of the endpoint each sort by time
    // (stably), and now find their subjects sorted, in the order they would have put them in
    const std::vector<size_t> o = by_time(d.times);
    auto reorder = [&](auto& v) {
        std::decay_t<decltype(v)> w;
        w.reserve(o.size());
        for (size_t i : o) w.push_back(v[i]);
        v = std::move(w);
    };
    reorder(d.samples);
    reorder(d.times.time);
    reorder(d.times.event);
    d.covariates = std::move(cov_cols);
    d.strata = std::move(strata_cols);
    return d;
}

namespace {

// The endpoint's Cox design: the subtype's indicators (all but the reference), then each covariate's columns
struct CoxDesign {
    Eigen::MatrixXd X;
    std::vector<std::vector<int>> terms;  // subtype, then each covariate
    std::vector<std::string> term_names;
    std::vector<int> strata;
};
CoxDesign design(const StudyConfig& s, const EndpointData& d, const std::vector<int>& subtype, int k, int reference,
                 const Endpoint& ep) {
    CoxDesign g;
    const size_t n = d.samples.size();
    std::vector<int> sub_term;
    for (int j = 0; j < k - 1; ++j) sub_term.push_back(j);
    g.terms.push_back(sub_term);
    g.term_names.push_back("subtype");
    g.X = endpoint_covariates(s, d, ep, g.terms, k - 1, k - 1);  // the covariates after the subtype's indicators
    for (const std::string& c : ep.covariates) g.term_names.push_back(c);
    for (int c = 1, j = 0; c <= k; ++c) {
        if (c == reference) continue;
        for (size_t i = 0; i < n; ++i) g.X(long(i), j) = subtype[i] == c;
        ++j;
    }
    g.strata = endpoint_strata(d);
    return g;
}

}  // namespace

Eigen::MatrixXd endpoint_covariates(const StudyConfig& s, const EndpointData& d, const Endpoint& ep,
                                    std::vector<std::vector<int>>& terms, int first_column, int leading) {
    const size_t n = d.samples.size();
    std::vector<std::vector<std::string>> levels;
    size_t width = 0;
    for (size_t c = 0; c < ep.covariates.size(); ++c) {
        const std::string_view first = n > 0 ? d.covariate(c, 0) : std::string_view();
        size_t i = 1;
        while (i < n && d.covariate(c, i) == first) ++i;
        if (n > 0 && i == n)
            throw Error(ErrorKind::Config,
                        s.origin_of("outcomes." + ep.name + ".covariates") + ": covariate '" + ep.covariates[c] +
                            "' of endpoint '" + ep.name + "' has the one value '" + std::string(first) + "' over the " +
                            std::to_string(n) + " samples analysed (those that passed QC and have follow-up), so " +
                            "nothing can be adjusted for it",
                        "remove '" + ep.covariates[c] + "' from outcomes." + ep.name + ".covariates");
        levels.push_back(covariate_levels(n, [&](size_t i) { return d.covariate(c, i); }));
        std::vector<int> term;
        for (size_t j = 0; j < covariate_width(levels.back()); ++j) term.push_back(first_column + int(width++));
        terms.push_back(term);
    }
    // written in place: each column once, no copy of the design per sample
    Eigen::MatrixXd X(long(n), leading + long(width));
    for (size_t c = 0, at = size_t(leading); c < ep.covariates.size(); at += covariate_width(levels[c]), ++c)
        covariate_fill(n, [&](size_t i) { return d.covariate(c, i); }, levels[c],
                       [&](size_t j) { return X.col(long(at + j)).data(); });
    return X;
}

std::vector<int> endpoint_strata(const EndpointData& d) {
    std::vector<int> out;
    const size_t n = d.samples.size();
    if (d.strata.empty() || n == 0) return out;
    // each sample's values of the strata columns together; numbered in their sorted order
    std::vector<std::string_view> key(d.strata.size());
    auto key_of = [&](size_t i) -> const std::vector<std::string_view>& {
        for (size_t c = 0; c < key.size(); ++c) key[c] = d.stratum(c, i);
        return key;
    };
    std::map<std::vector<std::string_view>, int> level;
    for (size_t i = 0; i < n; ++i)
        if (level.find(key_of(i)) == level.end()) level.emplace(key, 0);
    int next = 0;
    for (auto& [s, v] : level) v = next++;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(level.at(key_of(i)));
    return out;
}

SurvivalResults survival_stage(const Inputs& in, const Cohort& cohort, const Subtypes& st) {
    SurvivalResults out;
    const StudyConfig& s = in.study;
    if (s.outcomes.empty()) return out;
    out.enabled = true;
    if (!st.enabled) {
        out.skipped = "clustering is off: there are no subtypes to compare";
        return out;
    }
    if (st.fit.no_structure || st.k < 2) {
        out.skipped = "no structure: every sample is in one class";
        return out;
    }
    const int k = st.k;
    std::vector<int> subtype_of(in.sheet.size(), 0);  // sheet index -> subtype (0: not kept)
    for (size_t r = 0; r < cohort.kept.size(); ++r) subtype_of.at(size_t(cohort.kept[r])) = int(st.fit.labels.at(r));
    for (const Endpoint& ep : s.outcomes) {
        const EndpointData d = endpoint_data(s, in.sheet, ep, cohort.kept);
        SurvivalEndpoint e;
        e.name = ep.name;
        e.unit = ep.unit;
        e.missing = d.missing;
        const size_t n = d.samples.size();
        std::vector<int> subtype(n);
        for (size_t i = 0; i < n; ++i) subtype[i] = subtype_of.at(size_t(d.samples[i]));
        // per subtype: the curve, its median
        std::vector<long> size(size_t(k) + 1, 0);
        for (int c : subtype) ++size[size_t(c)];
        int reference = 1;
        for (int c = 1; c <= k; ++c)
            if (size[size_t(c)] > size[size_t(reference)]) reference = c;
        if (!ep.reference.empty()) {
            reference = std::stoi(ep.reference);
            if (reference > k)
                throw Error(ErrorKind::Config,
                            s.origin_of("outcomes." + ep.name + ".reference") + ": 'outcomes." + ep.name +
                                ".reference' is subtype " + ep.reference + ", but the run found " + std::to_string(k),
                            "name one of subtypes 1.." + std::to_string(k) + ", or remove it for the largest");
        }
        e.reference = reference;
        for (int c = 1; c <= k; ++c) {
            SurvTimes t;
            for (size_t i = 0; i < n; ++i)
                if (subtype[i] == c) t.time.push_back(d.times.time[i]), t.event.push_back(d.times.event[i]);
            SubtypeSurvival row;
            row.subtype = c;
            row.curve = kaplan_meier(t);
            row.median = km_median(row.curve);
            e.subtypes.push_back(std::move(row));
            if (!t.time.empty() && std::count(t.event.begin(), t.event.end(), 1) == 0)
                std::fprintf(stderr,
                             "precis: warning: endpoint '%s': subtype %d has no events among its %zu samples: its "
                             "survival stays at 1 and its hazard ratio is not finite (R's coxph warns the same)\n",
                             ep.name.c_str(), c, t.time.size());
        }
        // the log-rank tests: all subtypes, then each pair (stratified as the Cox model)
        std::vector<int> group(n);
        for (size_t i = 0; i < n; ++i) group[i] = subtype[i] - 1;
        const CoxDesign g = design(s, d, subtype, k, reference, ep);
        const std::vector<int>& strata_of = g.strata;
        const LogRank all = logrank(d.times, group, k, strata_of);
        e.tests.push_back({"logrank", "", all.statistic, double(all.df), all.p_value, NaN});
        std::vector<double> pair_p;
        for (int a = 1; a <= k; ++a)
            for (int b = a + 1; b <= k; ++b) {
                for (size_t i = 0; i < n; ++i) group[i] = subtype[i] == a ? 0 : subtype[i] == b ? 1 : -1;
                const LogRank lr = logrank(d.times, group, 2, strata_of);
                e.tests.push_back({"logrank_pairwise", std::to_string(a) + "-" + std::to_string(b), lr.statistic,
                                   double(lr.df), lr.p_value, NaN});
                pair_p.push_back(lr.p_value);
            }
        const std::vector<double> q = s.survival.pairwise_adjust == "holm" ? holm_adjust(pair_p) : bh_adjust(pair_p);
        for (size_t i = 0, at = 1; i < q.size(); ++i, ++at) e.tests[at].q_value = q[i];
        // the Cox model of the subtype with the covariates and strata
        const CoxRiskSets rs = cox_risk_sets(d.times, g.strata);
        CoxWorkspace work;  // (shared by the fits and the PH test)
        const CoxFit fit = cox_fit(rs, g.X, {}, &work);
        e.cox_problem = fit.problem;
        if (!fit.problem.empty())
            std::fprintf(stderr, "precis: warning: endpoint '%s': the Cox model of the subtypes: %s%s\n", ep.name.c_str(),
                         fit.problem.c_str(), fit.converged ? "" : " (no hazard ratios in survival.tsv)");
        const std::vector<int>& sub = g.terms[0];
        if (fit.problem.empty() || fit.converged) {
            // hazard ratios of each subtype against the reference
            for (int c = 1, j = 0; c <= k; ++c) {
                SubtypeSurvival& row = e.subtypes[size_t(c - 1)];
                if (c == reference) {
                    row.hr = row.hr_low = row.hr_high = 1;
                    continue;
                }
                const double b = fit.beta(sub[size_t(j)]), se = std::sqrt(fit.var(sub[size_t(j)], sub[size_t(j)]));
                row.hr = std::exp(b), row.hr_low = std::exp(b - 1.959963984540054 * se);
                row.hr_high = std::exp(b + 1.959963984540054 * se);
                row.p_value = chisq_upper(b * b / (se * se), 1);
                ++j;
            }
            const double wald = wald_statistic(fit, sub);
            e.tests.push_back({"cox_wald", "subtype", wald, double(sub.size()), chisq_upper(wald, double(sub.size())), NaN});
            // the likelihood ratio against the model without the subtype
            double reduced = fit.loglik_null;
            if (g.X.cols() > long(sub.size())) {
                const CoxFit without = cox_fit(rs, g.X.rightCols(g.X.cols() - long(sub.size())), {}, &work);
                reduced = without.loglik;
            }
            const double lrt = 2 * (fit.loglik - reduced);
            e.tests.push_back({"cox_lrt", "subtype", lrt, double(sub.size()), chisq_upper(lrt, double(sub.size())), NaN});
            const PhTest ph = cox_zph(d.times, rs, g.X, fit.beta, g.terms, &work);
            for (size_t t = 0; t < g.terms.size(); ++t)
                e.tests.push_back({"ph_term", g.term_names[t], ph.statistic[t], double(ph.df[t]), ph.p_value[t], NaN});
            e.tests.push_back({"ph_global", "", ph.statistic.back(), double(ph.df.back()), ph.p_value.back(), NaN});
        }
        e.n = long(n);
        e.events = d.times.event.empty() ? 0 : long(std::count(d.times.event.begin(), d.times.event.end(), 1));
        out.endpoints.push_back(std::move(e));
    }
    return out;
}

void write_survival(const std::string& out, const SurvivalResults& r) {
    // ten significant digits: the numbers are compared with R's survival to 1e-6
    auto num = [](double v) { return std::isfinite(v) ? fmt(v, 10) : std::string("NA"); };
    AtomicFile f(out + "/survival.tsv");
    f.write("endpoint\tsubtype\tn\tevents\tmedian\tmedian_ci_low\tmedian_ci_high\thr\thr_ci_low\thr_ci_high\tp_value\n");
    AtomicFile t(out + "/survival_tests.tsv");
    t.write("endpoint\ttest\tgroups\tstatistic\tdf\tp_value\tq_value\n");
    AtomicFile c(out + "/survival_curves.tsv");
    c.write("endpoint\tsubtype\ttime\tn_risk\tn_event\tn_censor\tsurv\tlower\tupper\n");
    AtomicFile m(out + "/survival_mqc.tsv");
    m.write("# id: 'precis_survival'\n# section_name: 'precis survival'\n# description: 'Each subtype against each "
            "endpoint: samples, events, median survival and the hazard ratio against the reference subtype "
            "(survival.tsv).'\n# plot_type: 'table'\nrow\tendpoint\tsubtype\tn\tevents\tmedian\thr\tp_value\n");
    for (const SurvivalEndpoint& e : r.endpoints) {
        for (const SubtypeSurvival& s : e.subtypes) {
            f.write(e.name + "\t" + std::to_string(s.subtype) + "\t" + std::to_string(s.curve.n) + "\t" +
                    std::to_string(s.curve.events) + "\t" + num(s.median.median) + "\t" + num(s.median.low) + "\t" +
                    num(s.median.high) + "\t" + num(s.hr) + "\t" + num(s.hr_low) + "\t" + num(s.hr_high) + "\t" +
                    num(s.p_value) + "\n");
            m.write(e.name + "_" + std::to_string(s.subtype) + "\t" + e.name + "\t" + std::to_string(s.subtype) + "\t" +
                    std::to_string(s.curve.n) + "\t" + std::to_string(s.curve.events) + "\t" + num(s.median.median) +
                    "\t" + num(s.hr) + "\t" + num(s.p_value) + "\n");
            const KmCurve& k = s.curve;
            for (size_t i = 0; i < k.time.size(); ++i)
                c.write(e.name + "\t" + std::to_string(s.subtype) + "\t" + fmt(k.time[i]) + "\t" +
                        std::to_string(k.n_risk[i]) + "\t" + std::to_string(k.n_event[i]) + "\t" +
                        std::to_string(k.n_censor[i]) + "\t" + num(k.surv[i]) + "\t" + num(k.lower[i]) + "\t" +
                        num(k.upper[i]) + "\n");
        }
        for (const SurvivalTest& x : e.tests)
            t.write(e.name + "\t" + x.test + "\t" + x.groups + "\t" + num(x.statistic) + "\t" + num(x.df) + "\t" +
                    num(x.p_value) + "\t" + num(x.q_value) + "\n");
    }
    f.commit();
    t.commit();
    c.commit();
    m.commit();
}

}  // namespace precis

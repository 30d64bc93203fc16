#include "pipeline/outputs.hpp"

#include <cmath>

#include "core/table.hpp"

namespace precis {

std::string fmt_value(double x) {
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", x);
        return buf;
    }
    return fmt(x);
}

namespace {
std::string clean(const std::string& s) {  // a value must not break the TSV
    std::string o = s;
    for (char& c : o)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return o;
}
}  // namespace

void write_qc_table(const std::string& path, const std::vector<std::string>& columns, const SampleSheet& sheet,
                    const std::vector<SampleOutcome>& outcomes, bool genome) {
    AtomicFile f(path);
    std::string line = "sample_id\tstatus\treason";
    for (auto& c : columns) line += "\t" + c;
    if (genome) line += "\tinferred_sex";
    f.write(line + "\n");
    for (size_t i = 0; i < sheet.samples.size(); ++i) {
        const ModalityOutcome& m = genome ? outcomes[i].genome : outcomes[i].proteome;
        line = clean(sheet.samples[i].id) + "\t" + (m.present ? m.status : "absent") + "\t" + clean(m.reason);
        for (size_t c = 0; c < columns.size(); ++c) line += "\t" + (c < m.qc.size() ? fmt_value(m.qc[c]) : "NA");
        if (genome) line += "\t" + (m.inferred_sex.empty() ? std::string("NA") : m.inferred_sex);
        f.write(line + "\n");
    }
    f.commit();
}

void write_scores(const std::string& out, const ScoreSet& scores, double min_overlap, bool cohort_file,
                  const SampleSheet& sheet, const std::vector<SampleOutcome>& outcomes) {
    constexpr size_t K = 5;  // score_info per score: matched, flipped, ambiguous, mismatch, imputed
    AtomicFile f(out + "/scores.tsv");
    f.write("sample_id\tscore_id\tscore_sum\tn_matched\tn_variants\tmatch_rate\tn_imputed\tstatus\n");
    const size_t S = scores.size();
    std::vector<long> worst(S, -1);  // sample with the fewest matched variants, per score
    std::vector<size_t> n_scored(S, 0), n_refused(S, 0);
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const ModalityOutcome& g = outcomes[i].genome;
        if (g.scores.size() != S || g.score_info.size() != S * K) continue;
        for (size_t k = 0; k < S; ++k) {
            const double* info = &g.score_info[k * K];
            const bool scored = !std::isnan(g.scores[k]);
            (scored ? n_scored : n_refused)[k]++;
            if (worst[k] < 0 || info[0] < outcomes[size_t(worst[k])].genome.score_info[k * K]) worst[k] = long(i);
            f.write(clean(sheet.samples[i].id) + "\t" + clean(scores.id(k)) + "\t" + fmt(g.scores[k], 10) + "\t" +
                    fmt_value(info[0]) + "\t" + std::to_string(scores.n_variants(k)) + "\t" +
                    fmt(info[0] / double(scores.n_variants(k))) + "\t" + fmt_value(info[4]) + "\t" +
                    (scored ? "scored" : "refused") + "\n");
        }
    }
    f.commit();
    AtomicFile q(out + "/qc/scores.tsv");
    q.write("score_id\tfile\tn_variants\tn_matched\tn_flipped\tn_ambiguous\tn_mismatch\tn_absent\tmatch_rate\t"
            "status\treason\n");
    for (size_t k = 0; k < S; ++k) {
        const long n = scores.n_variants(k);
        std::string line = clean(scores.id(k)) + "\t" + clean(scores.file(k)) + "\t" + std::to_string(n);
        std::string status = n_scored[k] ? "used" : "refused", reason;
        if (worst[k] < 0) {
            line += "\tNA\tNA\tNA\tNA\tNA\tNA";
            status = "refused";
            reason = "no sample had genome results";
        } else {
            const double* info = &outcomes[size_t(worst[k])].genome.score_info[k * K];
            const double absent = double(n) - info[0] - info[2] - info[3];
            const double rate = info[0] / double(n);
            for (double v : {info[0], info[1], info[2], info[3], absent}) line += "\t" + fmt_value(v);
            line += "\t" + fmt(rate);
            if (cohort_file && !n_scored[k])
                reason = "match rate " + fmt(rate) + " < score_min_overlap " + fmt(min_overlap);
            else if (!cohort_file && n_refused[k])
                reason = "refused for " + std::to_string(n_refused[k]) + " of " +
                         std::to_string(n_refused[k] + n_scored[k]) + " samples (match rate below score_min_overlap " +
                         fmt(min_overlap) + "); counts are those of sample '" +
                         clean(sheet.samples[size_t(worst[k])].id) + "'";
            else if (!cohort_file)
                reason = "counts are those of sample '" + clean(sheet.samples[size_t(worst[k])].id) +
                         "', the one that matched fewest";
        }
        q.write(line + "\t" + status + "\t" + clean(reason) + "\n");
    }
    q.commit();
}

// ten significant digits: enough to compare with limma or R at 1e-8, short enough to read
void write_biomarkers(const std::string& path, const std::vector<BiomarkerRow>& rows) {
    AtomicFile f(path);
    f.write("rank\tfeature_id\tmodality\tcontrast\ttest\tstatistic\teffect\tp_value\tq_value\tdf\ts2_prior\t"
            "df_prior\tci_low\tci_high\tauc\n");
    size_t r = 0;
    for (auto& b : rows)
        f.write(std::to_string(++r) + "\t" + clean(b.feature_id) + "\t" + b.modality + "\t" + b.contrast + "\t" +
                b.test + "\t" + fmt(b.statistic, 10) + "\t" + fmt(b.effect, 10) + "\t" + fmt(b.p, 10) + "\t" +
                fmt(b.q, 10) + "\t" + fmt(b.df, 10) + "\t" + fmt(b.s2_prior, 10) + "\t" + fmt(b.df_prior, 10) + "\t" +
                fmt(b.ci_low, 10) + "\t" + fmt(b.ci_high, 10) + "\t" + fmt(b.auc, 10) + "\n");
    f.commit();
}

void write_subtypes(const std::string& path, const std::vector<std::string>& sample_ids,
                    const std::vector<KSummary>& ks, size_t chosen) {
    AtomicFile f(path);
    std::string line = "sample_id\tsubtype\titem_consensus";
    for (auto& k : ks) line += "\tk" + std::to_string(k.k);
    f.write(line + "\n");
    for (size_t i = 0; i < sample_ids.size(); ++i) {
        line = clean(sample_ids[i]) + "\t" + std::to_string(ks[chosen].labels[i]) + "\t" +
               fmt(ks[chosen].item_consensus[i]);
        for (auto& k : ks) line += "\t" + std::to_string(k.labels[i]);
        f.write(line + "\n");
    }
    f.commit();
}

void write_clustering(const std::string& path, const std::vector<KSummary>& ks, size_t chosen) {
    AtomicFile f(path);
    f.write("k\tpac\tdelta_area\tmean_silhouette\tcluster_sizes\tchosen\tcdf_area\tcluster_consensus\n");
    for (size_t i = 0; i < ks.size(); ++i) {
        std::string sizes, cons;
        for (long s : ks[i].sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
        for (double c : ks[i].cluster_consensus) cons += (cons.empty() ? "" : ",") + fmt(c);
        f.write(std::to_string(ks[i].k) + "\t" + fmt(ks[i].pac) + "\t" + fmt(ks[i].delta_area) + "\t" +
                fmt(ks[i].mean_silhouette) + "\t" + sizes + "\t" + (i == chosen ? "TRUE" : "FALSE") + "\t" +
                fmt(ks[i].area) + "\t" + cons + "\n");
    }
    f.commit();
}

}  // namespace precis

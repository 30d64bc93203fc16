#include "pipeline/outputs.hpp"

#include <algorithm>
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

namespace {
std::string yaml_quote(const std::string& s) {  // YAML single-quoted scalar, on one line
    std::string o = "'";
    for (char c : s) {
        if (c == '\'') o += "''";
        else if (c == '\n' || c == '\r' || c == '\t') o += ' ';
        else o += c;
    }
    return o + "'";
}

struct MultiqcSection {
    std::string id, name, description, plot_type;
    std::vector<std::string> pconfig;  // "key: value" lines (values already YAML)
    std::vector<std::string> headers;  // lines under `headers:`, indented by the caller beyond 4 spaces
};

void write_multiqc(const std::string& path, const MultiqcSection& m, const std::vector<std::string>& columns,
                   const std::vector<std::vector<std::string>>& rows) {
    AtomicFile f(path);
    std::string h = "# id: " + yaml_quote(m.id) + "\n# section_name: " + yaml_quote(m.name) +
                    "\n# description: " + yaml_quote(m.description) + "\n# format: 'tsv'\n# plot_type: " +
                    yaml_quote(m.plot_type) + "\n# pconfig:\n#     id: " + yaml_quote(m.id + "_plot") + "\n";
    for (auto& l : m.pconfig) h += "#     " + l + "\n";
    if (!m.headers.empty()) {
        h += "# headers:\n";
        for (auto& l : m.headers) h += "#     " + l + "\n";
    }
    std::string line = "Sample";
    for (auto& c : columns) line += "\t" + c;
    f.write(h + line + "\n");
    for (auto& r : rows) {
        line.clear();
        for (size_t i = 0; i < r.size(); ++i) line += (i ? "\t" : "") + clean(r[i]);
        f.write(line + "\n");
    }
    f.commit();
}
}  // namespace

void write_multiqc_qc(const std::string& qc_dir, const std::vector<std::string>& columns, const SampleSheet& sheet,
                      const std::vector<SampleOutcome>& outcomes, bool genome, const std::string& thresholds) {
    const std::string mod = genome ? "genome" : "proteome";
    MultiqcSection t;
    t.id = "precis_" + mod + "_qc";
    t.name = "precis: " + mod + " QC";
    t.description = genome ? "Per-sample genotype QC (Hail sample_qc definitions) from precis; " + thresholds
                           : "Per-sample protein QC from precis; " + thresholds;
    t.plot_type = "table";
    t.pconfig = {"title: " + yaml_quote(t.name), "namespace: 'precis'"};
    t.headers = {"status:", "    title: 'Status'", "    description: 'pass, fail (by the QC thresholds) or error'"};
    for (auto& c : columns) {
        const bool fraction = c == "call_rate" || c == "detected_fraction";
        t.headers.push_back(c + ":");
        t.headers.push_back("    title: " + yaml_quote(c));
        t.headers.push_back("    format: " + yaml_quote(c.rfind("n_", 0) == 0 ? "{:,.0f}" : "{:,.4g}"));
        if (fraction) {
            t.headers.push_back("    min: 0");
            t.headers.push_back("    max: 1");
        }
    }
    std::vector<std::string> tcols{"status"};
    tcols.insert(tcols.end(), columns.begin(), columns.end());
    std::vector<std::vector<std::string>> trows;

    MultiqcSection b;
    b.plot_type = "bargraph";
    std::vector<std::string> bcols;
    if (genome) {
        b.id = "precis_genome_calls";
        b.name = "precis: genotype calls";
        b.description = "Genotype calls of each sample by class, from precis's genome QC";
        b.pconfig = {"title: 'precis: genotype calls'", "ylab: 'Genotypes'", "cpswitch_counts_label: 'Genotypes'"};
        bcols = {"n_hom_ref", "n_het", "n_hom_var", "n_not_called"};
    } else {
        b.id = "precis_proteome_detection";
        b.name = "precis: detected proteins";
        b.description = "Proteins detected and not detected in each sample, from precis's proteome QC";
        b.pconfig = {"title: 'precis: detected proteins'", "ylab: 'Proteins'", "cpswitch_counts_label: 'Proteins'"};
        bcols = {"n_detected", "n_not_detected"};
    }
    auto col = [&](const std::string& name) {
        return size_t(std::find(columns.begin(), columns.end(), name) - columns.begin());
    };
    std::vector<std::vector<std::string>> brows;
    for (size_t i = 0; i < sheet.samples.size(); ++i) {
        const ModalityOutcome& m = genome ? outcomes[i].genome : outcomes[i].proteome;
        if (!m.present) continue;
        std::vector<std::string> r{sheet.samples[i].id, m.status};
        for (size_t c = 0; c < columns.size(); ++c) r.push_back(c < m.qc.size() ? fmt_value(m.qc[c]) : "NA");
        trows.push_back(std::move(r));
        if (m.status == "error") continue;  // no counts to draw
        std::vector<std::string> br{sheet.samples[i].id};
        auto val = [&](const std::string& name) {
            const size_t c = col(name);
            return c < m.qc.size() ? m.qc[c] : std::nan("");
        };
        if (genome)
            for (auto& c : bcols) br.push_back(fmt_value(val(c)));
        else
            br.insert(br.end(), {fmt_value(val("n_detected")), fmt_value(val("n_features") - val("n_detected"))});
        brows.push_back(std::move(br));
    }
    write_multiqc(qc_dir + "/" + mod + "_mqc.tsv", t, tcols, trows);
    write_multiqc(qc_dir + "/" + mod + (genome ? "_calls" : "_detection") + "_mqc.tsv", b, bcols, brows);
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

#include "pipeline/outputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>

#include "core/parse.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "pipeline/stages.hpp"

namespace precis {

std::string fmt_value(double x) {
    std::string out;
    append_value(out, x);
    return out;
}

void append_value(std::string& out, double x) {
    if (!(std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15)) return append_fmt(out, x);
    if (x == 0 && std::signbit(x)) {  // as printf's %.0f, -0 included
        out += "-0";
        return;
    }
    char buf[24];
    out.append(buf, std::to_chars(buf, std::end(buf), static_cast<long long>(x)).ptr);
}

namespace {
void append_clean(std::string& out, std::string_view s) {  // a value must not break the TSV
    for (char c : s) out += c == '\t' || c == '\n' || c == '\r' ? ' ' : c;
}

std::string clean(const std::string& s) {
    std::string o;
    append_clean(o, s);
    return o;
}
}  // namespace

void write_qc_table(const std::string& path, const std::vector<std::string>& columns, const SampleSheet& sheet,
                    const std::vector<SampleOutcome>& outcomes, bool genome, bool ancestry) {
    AtomicFile f(path);
    std::string line = "sample_id\tstatus\treason";
    for (auto& c : columns) line += "\t" + c;
    if (genome) line += "\tinferred_sex";
    if (ancestry) line += "\tancestry_outlier";
    f.write(line + "\n");
    for (size_t i = 0; i < sheet.size(); ++i) {
        const ModalityOutcome& m = genome ? outcomes[i].genome : outcomes[i].proteome;
        line.clear();
        append_clean(line, sheet.ids[i]);
        line += '\t';
        line += m.present ? name(m.status) : "absent";
        line += '\t';
        append_clean(line, m.reason);
        for (size_t c = 0; c < columns.size(); ++c) {
            line += '\t';
            append_value(line, c < m.qc.size() ? m.qc[c] : std::nan(""));
        }
        if (genome) line += "\t" + (m.inferred_sex.empty() ? std::string("NA") : m.inferred_sex);
        if (ancestry) line += "\t" + (m.ancestry_outlier.empty() ? std::string("NA") : m.ancestry_outlier);
        line += '\n';
        f.write(line);
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

// The section's header and the table's column line; the caller writes the rows and commits.
void write_multiqc_header(AtomicFile& f, const MultiqcSection& m, const std::vector<std::string>& columns) {
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
}

void write_multiqc(const std::string& path, const MultiqcSection& m, const std::vector<std::string>& columns,
                   const std::vector<std::vector<std::string>>& rows) {
    AtomicFile f(path);
    write_multiqc_header(f, m, columns);
    std::string line;
    for (auto& r : rows) {
        line.clear();
        for (size_t i = 0; i < r.size(); ++i) {
            if (i) line += '\t';
            append_clean(line, r[i]);
        }
        line += '\n';
        f.write(line);
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
    std::vector<size_t> bars;  // the bar graph's columns in the QC's (genome); n_detected, n_features (proteome)
    for (auto& c : genome ? bcols : std::vector<std::string>{"n_detected", "n_features"}) bars.push_back(col(c));
    // both files row by row, each value formatted as it is written (at national scale the rows are many)
    AtomicFile tf(qc_dir + "/" + mod + "_mqc.tsv"), bf(qc_dir + "/" + mod + (genome ? "_calls" : "_detection") + "_mqc.tsv");
    write_multiqc_header(tf, t, tcols);
    write_multiqc_header(bf, b, bcols);
    std::string tl, bl;
    for (size_t i = 0; i < sheet.size(); ++i) {
        const ModalityOutcome& m = genome ? outcomes[i].genome : outcomes[i].proteome;
        if (!m.present) continue;
        const auto val = [&](size_t c) { return c < m.qc.size() ? m.qc[c] : std::nan(""); };
        tl.clear();
        append_clean(tl, sheet.ids[i]);
        tl += '\t';
        tl += name(m.status);
        for (size_t c = 0; c < columns.size(); ++c) {
            tl += '\t';
            append_value(tl, val(c));
        }
        tl += '\n';
        tf.write(tl);
        if (m.status == SampleStatus::Error) continue;  // no counts to draw
        bl.clear();
        append_clean(bl, sheet.ids[i]);
        if (genome) {
            for (size_t c : bars) {
                bl += '\t';
                append_value(bl, val(c));
            }
        } else {
            bl += '\t';
            append_value(bl, val(bars[0]));
            bl += '\t';
            append_value(bl, val(bars[1]) - val(bars[0]));
        }
        bl += '\n';
        bf.write(bl);
    }
    tf.commit();
    bf.commit();
}

void write_multiqc_clustering(const std::string& path, const std::vector<KSummary>& ks, size_t chosen) {
    const bool null = !ks.empty() && !ks[0].reference_pacs.empty();
    MultiqcSection t;
    t.id = "precis_clustering";
    t.name = "precis: consensus clustering";
    t.description = std::string("Stability of each number of subtypes k (PAC: lower is more stable)") +
                    (null ? "; the null test against reference data without clusters (M3C): p-values and RCSI" : "") +
                    (chosen >= ks.size() ? "; no k passed the null test: no structure" : "");
    t.plot_type = "table";
    t.pconfig = {"title: " + yaml_quote(t.name), "namespace: 'precis'"};
    std::vector<std::string> cols{"pac", "mean_silhouette", "cluster_sizes", "chosen"};
    if (null) cols.insert(cols.end(), {"reference_pac", "p_value", "p_adjusted", "rcsi"});
    for (auto& c : cols) t.headers.insert(t.headers.end(), {c + ":", "    title: " + yaml_quote(c)});
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < ks.size(); ++i) {
        std::string sizes;
        for (long s : ks[i].sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
        std::vector<std::string> r{"k" + std::to_string(ks[i].k), fmt(ks[i].pac), fmt(ks[i].mean_silhouette), sizes,
                                   i == chosen ? "yes" : "no"};
        if (null)
            r.insert(r.end(), {fmt(ks[i].null.reference_mean), fmt(ks[i].null.p_value), fmt(ks[i].null.p_adjusted),
                               fmt(ks[i].null.rcsi)});
        rows.push_back(std::move(r));
    }
    write_multiqc(path, t, cols, rows);
}

void write_multiqc_classified(const std::string& path, const std::vector<std::vector<std::string>>& rows) {
    MultiqcSection t;
    t.id = "precis_classify";
    t.name = "precis: classified samples";
    t.description = "Each sample's subtype by the saved subtype model, its probability and status (pass, "
                    "low_confidence, fail)";
    t.plot_type = "table";
    t.pconfig = {"title: " + yaml_quote(t.name), "namespace: 'precis'"};
    t.headers = {"subtype:", "    title: 'Subtype'", "probability:", "    title: 'Probability'", "    min: 0",
                 "    max: 1", "status:", "    title: 'Status'"};
    write_multiqc(path, t, {"subtype", "probability", "status"}, rows);
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
            f.write(clean(sheet.id(i)) + "\t" + clean(scores.id(k)) + "\t" + fmt(g.scores[k], 10) + "\t" +
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
                         clean(sheet.id(size_t(worst[k]))) + "'";
            else if (!cohort_file)
                reason = "counts are those of sample '" + clean(sheet.id(size_t(worst[k]))) +
                         "', the one that matched fewest";
        }
        q.write(line + "\t" + status + "\t" + clean(reason) + "\n");
    }
    q.commit();
}

// ten significant digits: enough to compare with limma or R at 1e-8, short enough to read
void write_biomarkers(const std::string& path, const std::vector<BiomarkerRow>& rows, bool cox) {
    AtomicFile f(path);
    f.write(std::string("rank\tfeature_id\tmodality\tcontrast\ttest\tstatistic\teffect\tp_value\tq_value\tdf\ts2_prior\t"
                        "df_prior\tci_low\tci_high\tauc") +
            (cox ? "\thr\thr_ci_low\thr_ci_high\tn\tevents\tnote\n" : "\n"));
    size_t r = 0;
    for (auto& b : rows)
        f.write(std::to_string(++r) + "\t" + clean(b.feature_id) + "\t" + b.modality + "\t" + b.contrast + "\t" +
                b.test + "\t" + fmt(b.statistic, 10) + "\t" + fmt(b.effect, 10) + "\t" + fmt(b.p, 10) + "\t" +
                fmt(b.q, 10) + "\t" + fmt(b.df, 10) + "\t" + fmt(b.s2_prior, 10) + "\t" + fmt(b.df_prior, 10) + "\t" +
                fmt(b.ci_low, 10) + "\t" + fmt(b.ci_high, 10) + "\t" + fmt(b.auc, 10) +
                (cox ? "\t" + fmt(std::exp(b.effect), 10) + "\t" + fmt(std::exp(b.ci_low), 10) + "\t" +
                           fmt(std::exp(b.ci_high), 10) + "\t" + fmt(b.n, 10) + "\t" + fmt(b.events, 10) + "\t" +
                           clean(b.note)
                     : std::string()) +
                "\n");
    f.commit();
}

void write_subtypes(const std::string& path, const std::vector<std::string>& sample_ids,
                    const std::vector<KSummary>& ks, size_t chosen) {
    AtomicFile f(path);
    std::string line = "sample_id\tsubtype\titem_consensus";
    for (auto& k : ks) line += "\tk" + std::to_string(k.k);
    f.write(line + "\n");
    const bool none = chosen >= ks.size();  // no structure: one class
    for (size_t i = 0; i < sample_ids.size(); ++i) {
        line = clean(sample_ids[i]) + "\t" + (none ? std::string("1\tNA") : std::to_string(ks[chosen].labels[i]) +
               "\t" + fmt(ks[chosen].item_consensus[i]));
        for (auto& k : ks) line += "\t" + std::to_string(k.labels[i]);
        f.write(line + "\n");
    }
    f.commit();
}

void write_clustering(const std::string& path, const std::vector<KSummary>& ks, size_t chosen) {
    AtomicFile f(path);
    const bool null = !ks.empty() && !ks[0].reference_pacs.empty();
    f.write(std::string("k\tpac\tdelta_area\tmean_silhouette\tcluster_sizes\tchosen\tcdf_area\tcluster_consensus") +
            (null ? "\tp_value\tp_adjusted\trcsi\trcsi_se\tp_monte_carlo\ttest_pac\treference_pac" : "") + "\n");
    for (size_t i = 0; i < ks.size(); ++i) {
        std::string sizes, cons;
        for (long s : ks[i].sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
        for (double c : ks[i].cluster_consensus) cons += (cons.empty() ? "" : ",") + fmt(c);
        std::string line = std::to_string(ks[i].k) + "\t" + fmt(ks[i].pac) + "\t" + fmt(ks[i].delta_area) + "\t" +
                           fmt(ks[i].mean_silhouette) + "\t" + sizes + "\t" + (i == chosen ? "TRUE" : "FALSE") +
                           "\t" + fmt(ks[i].area) + "\t" + cons;
        if (null) {
            const NullTest& t = ks[i].null;
            line += "\t" + fmt(t.p_value) + "\t" + fmt(t.p_adjusted) + "\t" + fmt(t.rcsi) + "\t" + fmt(t.rcsi_se) + "\t" + fmt(t.p_monte_carlo) +
                    "\t" + fmt(t.real_pac) + "\t" + fmt(t.reference_mean);
        }
        f.write(line + "\n");
    }
    f.commit();
}

void write_null_references(const std::string& path, const std::vector<KSummary>& ks) {
    AtomicFile f(path);
    f.write("k\treference\tpac\n");
    for (const KSummary& s : ks)
        for (size_t b = 0; b < s.reference_pacs.size(); ++b)
            f.write(std::to_string(s.k) + "\t" + std::to_string(b + 1) + "\t" + fmt(s.reference_pacs[b]) + "\n");
    f.commit();
}

}  // namespace precis

// ---- the store's names and annotations (declared with the stages: they are made from the stages' results) ----
namespace precis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A phenotype column over the kept samples: numeric as core/parse.hpp decides (as for ranking.covariates),
// otherwise categorical text.
FrameColumn phenotype_column(const std::string& name, const std::vector<std::string>& vals) {
    FrameColumn c;
    c.name = name;
    c.numeric = is_numeric_column(vals);
    if (c.numeric)
        for (auto& v : vals) {
            double x = kNaN;
            if (!is_missing(v)) parse_double(v, x);
            c.numbers.push_back(x);
        }
    else
        c.strings = vals, c.categorical = true;
    return c;
}

// One modality's obs (its QC columns; the global obs gets them as <m>:<column>) and var (filtering statistics and,
// for proteome cohort files, the assays' annotations).
ModalityAnnotations modality_annotations(Modality m, const Inputs& in, const RootState& root,
                                         const Cohort& cohort, const Matrices& mx, const FeatureStats& fs,
                                         Frame& global) {
    const size_t n = cohort.size();
    const std::vector<std::string>& sample_ids = global.index;  // the kept samples' ids
    ModalityAnnotations ma;
    ma.modality = name(m);
    const std::vector<size_t>& mr = cohort.rows_of.at(m);  // the global rows that have this modality
    std::vector<int> pos(n, -1);
    for (size_t k = 0; k < mr.size(); ++k) pos[mr[k]] = int(k);
    for (size_t r : mr) ma.obs.index.push_back(sample_ids[r]);
    ma.var.index = mx.feature_ids.at(m);
    // the per-sample columns are made as they are written (FrameColumn::make): each sample's value from its outcome,
    // in the global obs for every sample (missing without the modality), in the modality's for those with it
    auto outcome = [&root, &cohort, m](size_t i) -> const ModalityOutcome& {
        const SampleOutcome& o = root.outcomes[size_t(cohort.kept[i])];
        return m == Modality::Genome ? o.genome : o.proteome;
    };
    auto per_sample = [n, outcome, rows = &mr](FrameColumn c, bool all, auto value) {
        c.make = [n, outcome, rows, all, value, base = c] {
            FrameColumn out = base;
            if (!all) {
                for (size_t r : *rows) value(out, &outcome(r));
                return out;
            }
            for (size_t i = 0, k = 0; i < n; ++i) {  // (rows ascending)
                const bool has = k < rows->size() && (*rows)[k] == i;
                value(out, has ? &outcome(i) : nullptr);
                k += has;
            }
            return out;
        };
        return c;
    };
    const auto& cols = m == Modality::Genome ? genome_qc_columns() : proteome_qc_columns();
    for (size_t c = 0; c < cols.size(); ++c) {
        FrameColumn col;
        col.integer = cols[c].rfind("n_", 0) == 0 || cols[c] == "qc_warning";  // counts
        auto qc = [c](FrameColumn& out, const ModalityOutcome* mo) {
            out.numbers.push_back(mo && c < mo->qc.size() ? mo->qc[c] : kNaN);
        };
        col.name = name(m) + ":" + cols[c];  // the global obs: NaN for samples without the modality
        global.columns.push_back(per_sample(col, true, qc));
        col.name = cols[c];
        ma.obs.columns.push_back(per_sample(col, false, qc));
    }
    if (m == Modality::Genome) {
        FrameColumn col{"genome:inferred_sex", false, {}, {}, true};
        auto sex = [](FrameColumn& out, const ModalityOutcome* mo) {
            out.strings.push_back(mo ? mo->inferred_sex : "");
        };
        global.columns.push_back(per_sample(col, true, sex));
        col.name = "inferred_sex";
        ma.obs.columns.push_back(per_sample(col, false, sex));
    }
    FrameColumn miss{"missing_fraction", true, fs.missing_frac.at(m), {}, false};
    FrameColumn sp{"mad", true, fs.spread.at(m), {}, false};
    FrameColumn used{"kept", true, {}, {}, false};
    for (size_t j = 0; j < ma.var.index.size(); ++j) used.numbers.push_back(fs.kept(m, j) ? 1.0 : 0.0);
    ma.var.columns = {miss, sp, used};
    if (m == Modality::Proteome && !root.feature_info.empty()) {
        FrameColumn up{"uniprot", false, {}, {}, false}, gene{"gene", false, {}, {}, false},
            panel{"panel", false, {}, {}, true}, warned{"assay_warnings", true, {}, {}, false};
        for (auto& id : ma.var.index) {
            auto it = root.feature_info.find(id);
            const bool known = it != root.feature_info.end();
            up.strings.push_back(known ? it->second.uniprot : "");
            gene.strings.push_back(known ? it->second.gene : "");
            panel.strings.push_back(known ? it->second.panel : "");
            warned.numbers.push_back(known ? double(it->second.assay_warnings) : 0.0);
        }
        ma.var.columns.push_back(std::move(up));
        ma.var.columns.push_back(std::move(gene));
        ma.var.columns.push_back(std::move(panel));
        if (in.study.proteome.format == ProteomeFormat::OlinkNpx) ma.var.columns.push_back(std::move(warned));
    }
    for (size_t i = 0; i < n; ++i) ma.obsmap.push_back(pos[i] + 1);  // 0: the sample lacks the modality
    if (auto it = mx.layers.find(m); it != mx.layers.end()) ma.layers = it->second;
    return ma;
}

}  // namespace

StoreAnnotations store_annotations(const Inputs& in, const RootState& root, const Cohort& cohort, const Matrices& mx,
                                   const FeatureStats& fs, Subtypes& subtypes) {
    const size_t n = cohort.size();
    StoreAnnotations a;
    a.version = PRECIS_VERSION;
    a.obs.index = cohort.ids(in.sheet);
    for (size_t p = 0; p < in.study.phenotypes.size(); ++p) {  // by index: a sheet may have 100,000 phenotypes
        FrameColumn c;
        c.name = in.study.phenotypes[p];
        c.make = [&in, &cohort, p] { return phenotype_column(in.study.phenotypes[p], cohort.column(in, p)); };
        a.obs.columns.push_back(std::move(c));
    }
    for (auto& m : mx.modalities) a.mods.push_back(modality_annotations(m, in, root, cohort, mx, fs, a.obs));
    if (in.study.genome.enabled && in.study.genome.ancestry.enabled) {  // obsm/X_genetic_pca: the PC columns
        const int k = in.study.genome.ancestry.pcs;
        a.genetic_pca.assign(n * size_t(k), kNaN);
        for (int c = 0; c < k; ++c) {
            const std::vector<std::string> v = cohort.column(in, "PC" + std::to_string(c + 1));
            for (size_t i = 0; i < n; ++i)
                if (!is_missing(v[i])) parse_double(v[i], a.genetic_pca[i * size_t(k) + size_t(c)]);
        }
        a.genetic_pca_dims = size_t(k);
    }
    const ClusteringStage& fit = subtypes.fit;
    if (subtypes.enabled) {
        FrameColumn sub;
        sub.name = "subtype";
        sub.make = [&fit, n] {
            FrameColumn c{"subtype", false, {}, {}, true};
            for (size_t i = 0; i < n; ++i) c.strings.push_back(std::to_string(fit.labels[i]));
            return c;
        };
        a.obs.columns.push_back(std::move(sub));
        a.embedding = subtypes.embedding;
        a.embedding_dims = a.embedding.empty() ? 0 : 2;
        a.embedding_name = "X_pca";
    }
    for (auto& k : fit.ks) {
        a.k.push_back(k.k);
        a.pac.push_back(k.pac);
        a.delta_area.push_back(k.delta_area);
        a.mean_silhouette.push_back(k.mean_silhouette);
        a.cdf_area.push_back(k.area);
        a.cdf.push_back(k.cdf);
        a.heatmaps.push_back({k.heatmap.bins, k.heatmap.values, k.heatmap.labels,
                              std::vector<int>(k.heatmap.items.begin(), k.heatmap.items.end())});
    }
    a.chosen_k = subtypes.enabled ? subtypes.k : 0;
    a.landmarks = int(fit.n_landmarks);
    a.consensus = std::move(subtypes.fit.consensus);
    return a;
}

}  // namespace precis

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
        line = clean(sheet.samples[i].id) + "\t" + m.status + "\t" + clean(m.reason);
        for (size_t c = 0; c < columns.size(); ++c) line += "\t" + (c < m.qc.size() ? fmt_value(m.qc[c]) : "NA");
        if (genome) line += "\t" + (m.inferred_sex.empty() ? std::string("NA") : m.inferred_sex);
        f.write(line + "\n");
    }
    f.commit();
}

void write_biomarkers(const std::string& path, const std::vector<BiomarkerRow>& rows) {
    AtomicFile f(path);
    f.write("rank\tfeature_id\tmodality\tcontrast\ttest\tstatistic\teffect\tp_value\tq_value\n");
    size_t r = 0;
    for (auto& b : rows)
        f.write(std::to_string(++r) + "\t" + clean(b.feature_id) + "\t" + b.modality + "\t" + b.contrast + "\t" +
                b.test + "\t" + fmt(b.statistic) + "\t" + fmt(b.effect) + "\t" + fmt(b.p) + "\t" + fmt(b.q) + "\n");
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
    f.write("k\tpac\tdelta_area\tmean_silhouette\tcluster_sizes\tchosen\n");
    for (size_t i = 0; i < ks.size(); ++i) {
        std::string sizes;
        for (long s : ks[i].sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
        f.write(std::to_string(ks[i].k) + "\t" + fmt(ks[i].pac) + "\t" + fmt(ks[i].delta_area) + "\t" +
                fmt(ks[i].mean_silhouette) + "\t" + sizes + "\t" + (i == chosen ? "TRUE" : "FALSE") + "\n");
    }
    f.commit();
}

}  // namespace precis

// Rank 0's writers for the text outputs (qc tables, subtypes, clustering, biomarkers, provenance).
#pragma once
#include <string>
#include <vector>

#include "cluster/cluster.hpp"
#include "config/sheet.hpp"
#include "genome/scores.hpp"
#include "pipeline/messages.hpp"

namespace precis {

// Integers as integers, other numbers with 6 significant digits, NaN as NA.
std::string fmt_value(double x);
// fmt_value(x) appended to `out`, without a string of its own
void append_value(std::string& out, double x);

void write_qc_table(const std::string& path, const std::vector<std::string>& columns, const SampleSheet& sheet,
                    const std::vector<SampleOutcome>& outcomes, bool genome, bool ancestry = false);

// MultiQC custom content (qc/<modality>_mqc.tsv, a table of every QC column with the status, and
// qc/<modality>_<what>_mqc.tsv, a bar graph of genotype classes or detected proteins), with the comment header
// MultiQC reads (id, section_name, description, plot_type, pconfig, headers). `thresholds` is told in the
// description. Samples without the modality are left out.
void write_multiqc_qc(const std::string& qc_dir, const std::vector<std::string>& columns, const SampleSheet& sheet,
                      const std::vector<SampleOutcome>& outcomes, bool genome, const std::string& thresholds);

// scores.tsv (one row per sample and score: sum, matching, status) and qc/scores.tsv (one row per score: how its
// variants matched; with per-sample files, the counts of the sample that matched fewest).
void write_scores(const std::string& out, const ScoreSet& scores, double min_overlap, bool cohort_file,
                  const SampleSheet& sheet, const std::vector<SampleOutcome>& outcomes);

struct BiomarkerRow {
    std::string feature_id, modality, contrast, test;
    double statistic, effect, p, q;
    double df, s2_prior, df_prior;  // the test's df (moderated: df.total); limma's priors (moderated only)
    double ci_low, ci_high, auc;    // 95% interval of the effect; AUC of the contrast's level against the other side
    double n, events;               // test: cox: the samples and events each feature's model used
    std::string note;               // test: cox: why its numbers are missing or doubtful
};
// rows already sorted; cox adds hr, hr_ci_low, hr_ci_high (exp of effect and its interval), n, events and note
void write_biomarkers(const std::string& path, const std::vector<BiomarkerRow>& rows, bool cox = false);

void write_subtypes(const std::string& path, const std::vector<std::string>& sample_ids,
                    const std::vector<KSummary>& ks, size_t chosen);
// chosen == ks.size(): no structure (choose_k null): every sample in subtype 1, no k chosen.
void write_clustering(const std::string& path, const std::vector<KSummary>& ks, size_t chosen);
// MultiQC custom content: clustering_mqc.tsv (per k: PAC, silhouette, sizes, chosen, and the null test's figures),
// and classify's classified_mqc.tsv (rows: sample, subtype, probability, status).
void write_multiqc_clustering(const std::string& path, const std::vector<KSummary>& ks, size_t chosen);
void write_multiqc_classified(const std::string& path, const std::vector<std::vector<std::string>>& rows);
// clustering_null.tsv: each k's reference PACs (clustering.null_test).
void write_null_references(const std::string& path, const std::vector<KSummary>& ks);

}  // namespace precis

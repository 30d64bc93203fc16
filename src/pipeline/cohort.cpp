// Step 3 of `precis run`: the QC tables, the error policy, and the samples that go on to the cohort stages.
#include <algorithm>
#include <cstdio>
#include <future>

#include "core/error.hpp"
#include "core/version.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/validate.hpp"

namespace precis {

std::vector<std::string> Cohort::ids(const SampleSheet& sheet) const {
    std::vector<std::string> out;
    out.reserve(kept.size());
    for (int64_t i : kept) out.push_back(sheet.id(size_t(i)));
    return out;
}

std::vector<std::string> Cohort::column(const Inputs& in, const std::string& phenotype) const {
    const auto& ph = in.study.phenotypes;
    return column(in, size_t(std::find(ph.begin(), ph.end(), phenotype) - ph.begin()));
}

std::vector<std::string> Cohort::column(const Inputs& in, size_t col) const {
    std::vector<std::string> vals;
    vals.reserve(kept.size());
    for (int64_t i : kept) vals.push_back(in.sheet.phenotype(size_t(i), size_t(col)));
    return vals;
}

std::vector<int64_t> passing_samples(const std::vector<SampleOutcome>& outcomes) {
    std::vector<int64_t> kept;
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const auto& o = outcomes[i];
        bool pass = (!o.genome.present || o.genome.status == SampleStatus::Pass) &&
                    (!o.proteome.present || o.proteome.status == SampleStatus::Pass);
        if (pass && (o.genome.present || o.proteome.present)) kept.push_back(int64_t(i));
    }
    return kept;
}

void modality_rows(Cohort& c, const std::vector<int64_t>& has_genome, const std::vector<int64_t>& has_proteome) {
    for (const auto& [m, has] : {std::pair{Modality::Genome, &has_genome}, std::pair{Modality::Proteome, &has_proteome}}) {
        c.rows_of[m];  // every modality has an entry, if an empty one
        c.row_of[m];
        for (size_t r = 0; r < c.kept.size(); ++r)
            if ((*has)[r]) {
                c.row_of[m].set(uint64_t(c.kept[r]), c.rows_of[m].size());
                c.rows_of[m].push_back(r);
            }
    }
}

namespace {

// Rank 0: the QC tables, then the error policy and the checks that enough samples are left.
std::vector<int64_t> apply_policy(const Inputs& in, RootState& root) {
    const StudyConfig& study = in.study;
    const SampleSheet& sheet = in.sheet;
    const std::string& out = study.output;
    auto& outcomes = root.outcomes;
    if (study.genome.enabled) check_sex(study, sheet, outcomes);
    // The tables are written on a thread of their own while the store is written (select_cohort's caller waits for
    // them after write_store; nothing changes the outcomes in between), and waited for here before any error.
    root.qc_tables = std::async(std::launch::async, [&in, &root] {
        const StudyConfig& study = in.study;
        const std::string& out = study.output;
        const auto& outcomes = root.outcomes;
        if (study.genome.enabled)
            write_qc_table(out + "/qc/genome.tsv", genome_qc_columns(), in.sheet, outcomes, true,
                           study.genome.ancestry.enabled);
        if (in.have_scores)
            write_scores(out, in.scores, study.genome.score_min_overlap, in.cohort_genome(), in.sheet, outcomes);
        if (study.proteome.enabled)
            write_qc_table(out + "/qc/proteome.tsv", proteome_qc_columns(), in.sheet, outcomes, false);
        if (study.genome.enabled)
            write_multiqc_qc(out + "/qc", genome_qc_columns(), in.sheet, outcomes, true, qc_thresholds(study, true));
        if (study.proteome.enabled)
            write_multiqc_qc(out + "/qc", proteome_qc_columns(), in.sheet, outcomes, false,
                             qc_thresholds(study, false));
    });
    // every refusal below waits for the tables first: the messages point to them (and an error writing them wins)
    const auto refuse = [&root](Error e) {
        root.qc_tables.get();
        return e;
    };
    std::vector<std::string> errors;
    for (const auto& o : outcomes)
        for (const ModalityOutcome* m : {&o.genome, &o.proteome})
            if (m->present && m->status == SampleStatus::Error) errors.push_back(m->reason);
    const std::vector<int64_t> kept = passing_samples(outcomes);
    const size_t n_sheet = sheet.size();
    if (!errors.empty()) {
        std::fprintf(stderr, "precis: %zu sample input(s) could not be processed:\n", errors.size());
        for (size_t i = 0; i < errors.size() && i < 20; ++i) std::fprintf(stderr, "  %s\n", errors[i].c_str());
        if (study.on_sample_error == OnSampleError::Fail)
            throw refuse(Error(ErrorKind::MalformedInput,
                               std::to_string(errors.size()) + " sample input(s) could not be processed; first: " +
                                   errors.front(),
                               "repair or remove those samples, or set 'study.on_sample_error: skip' in " +
                                   study.path + " to go on without them (they are listed in " + out + "/qc/)"));
    }
    // QC only: one will do; classify: none (each sample's failure is its result)
    const size_t need = in.classifying ? 0 : study.clustering.enabled || study.ranking.enabled ? 3 : 1;
    if (kept.size() < need)
        throw refuse(Error(ErrorKind::DegenerateData,
                           "only " + std::to_string(kept.size()) + " of " + std::to_string(n_sheet) +
                               " samples passed QC and error checks; " +
                               (need == 3 ? "the cohort stages need at least 3" : "there is nothing to store"),
                           "see " + out + "/qc/ for each sample's status and reason"));
    if (study.clustering.enabled && size_t(study.clustering.k_max) >= kept.size())
        throw refuse(Error(ErrorKind::DegenerateData,
                           std::to_string(kept.size()) + " samples passed QC, too few for clustering.k.max = " +
                               std::to_string(study.clustering.k_max),
                           "lower clustering.k.max or relax the QC thresholds"));
    if (study.clustering.enabled) {
        const std::string why_not = item_fraction_problem(study.clustering, kept.size(), "the QC-passing");
        if (!why_not.empty())
            throw refuse(Error(ErrorKind::Config, study.origin_of("clustering.item_fraction") + ": " + why_not));
    }
    return kept;
}

// Rank 0: the content key of what the cohort stages start from.
std::string cohort_data_key(const Inputs& in, RootState& root, const std::vector<int64_t>& kept) {
    if (root.proteome_file_hashing.valid()) root.proteome_file_sha = root.proteome_file_hashing.get();
    if (root.genome_file_hashing.valid()) root.genome_file_sha = root.genome_file_hashing.get();
    ContentKey k;
    for (const std::string& p : {std::string("precis cohort data 1"), std::string(PRECIS_VERSION),
                                 resolved_settings(in.study.resolved, {"study.on_sample_error", "samples.id_column",
                                                                       "genome", "proteome", "cohort"}),
                                 root.genes_sha, root.proteome_file_sha, root.genome_file_sha})
        k.part(p);
    for (const std::string& sha : root.score_shas) k.part(sha);
    k.part(root.annotation_sha);
    for (auto& [path, sha] : root.genome_companion_shas) k.part(sha);
    for (int64_t i : kept) k.piece(in.sheet.id(size_t(i))).piece("\t").part(root.outcomes[size_t(i)].key);
    return k.hex();
}

}  // namespace

void finish_cohort(Comm& comm, Cohort& cohort, RootState* root) {
    comm.all_or_none([&] {
        if (root && root->qc_tables.valid()) root->qc_tables.get();
        if (root && root->data_key_making.valid()) cohort.data_key = root->data_key_making.get();
    });
    comm.broadcast(cohort.data_key);
}

Cohort select_cohort(Comm& comm, const Inputs& in, RootState* root) {
    Cohort c;
    comm.all_or_none([&] {
        if (root) c.kept = apply_policy(in, *root);
    });
    comm.broadcast(c.kept);
    const size_t n = c.kept.size();
    std::vector<int64_t> has(2 * n, 0);  // genome, proteome
    if (root) {
        // ~0.1 s at 100,000 samples (their result keys hashed, and a cohort file's checksum awaited), off the path
        root->data_key_making = std::async(std::launch::async, [&in, root, kept = c.kept] {
            return cohort_data_key(in, *root, kept);
        });
        for (size_t r = 0; r < n; ++r) {
            has[r] = root->outcomes[size_t(c.kept[r])].genome.present;
            has[n + r] = root->outcomes[size_t(c.kept[r])].proteome.present;
        }
    }
    comm.broadcast(has);
    modality_rows(c, std::vector<int64_t>(has.begin(), has.begin() + long(n)),
                  std::vector<int64_t>(has.begin() + long(n), has.end()));
    return c;
}

}  // namespace precis

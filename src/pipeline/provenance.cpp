// provenance.json: what was run, on what, by which version, how, and how long it took.

#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "genome/hts.hpp"
#include "core/version.hpp"
#include "pipeline/stages.hpp"

namespace fs = std::filesystem;

namespace precis {
namespace {

using json = nlohmann::ordered_json;


// Every input file with its checksum: the sheet, genes, scoring files, cohort files; each sample's own files are in
// sample_input_files.
json input_files(const Inputs& in, const RootState& root) {
    const StudyConfig& study = in.study;
    json inputs = json::array();
    inputs.push_back({{"role", "sample_sheet"}, {"path", study.sheet}, {"sha256", root.sheet_sha}});
    if (!root.genes_sha.empty())
        inputs.push_back({{"role", "genes_bed"}, {"path", study.genome.genes_bed}, {"sha256", root.genes_sha}});
    for (size_t i = 0; i < root.score_shas.size(); ++i)
        inputs.push_back({{"role", "pgs_scoring_file"}, {"path", study.genome.scores[i]}, {"sha256", root.score_shas[i]}});
    if (!root.annotation_sha.empty())
        inputs.push_back({{"role", "burden_annotation_table"},
                          {"path", study.genome.annotation_table},
                          {"sha256", root.annotation_sha}});
    if (in.cohort_proteome())
        inputs.push_back(
            {{"role", "proteome_cohort_file"}, {"path", study.proteome.cohort_file}, {"sha256", root.proteome_file_sha}});
    if (in.cohort_genome())
        inputs.push_back(
            {{"role", "genome_cohort_file"}, {"path", study.genome.cohort_file}, {"sha256", root.genome_file_sha}});
    for (size_t i = 0; i < root.genome_companion_shas.size(); ++i)
        inputs.push_back({{"role", root.genome_companion_shas.size() == 1 ? "genome_cohort_sample"
                                   : i == 0                                ? "genome_cohort_bim"
                                                                           : "genome_cohort_fam"},
                          {"path", root.genome_companion_shas[i].first},
                          {"sha256", root.genome_companion_shas[i].second}});
    return inputs;
}

// Each sample's own files (genome, proteome) with their checksums, one per line of <output>/inputs.tsv.gz
// (sample_id, role, path, sha256; "NA" for a file that could not be read), written through a temporary name; at
// national scale these are a million lines, which provenance.json (copied into the store and read by the report)
// should not hold. provenance.json names the file, its line count by role and its checksum.
json sample_input_files(const Inputs& in, const RootState& root) {
    const std::string path = in.study.output + "/inputs.tsv.gz", tmp = path + ".tmp";
    size_t genome = 0, proteome = 0;
    {
        hts::BgzfWriter w(tmp);
        std::string buf = "sample_id\trole\tpath\tsha256\n";
        for (size_t i = 0; i < root.outcomes.size(); ++i) {
            const SampleOutcome& o = root.outcomes[i];
            for (auto [role, m, cohort_file, count] :
                 {std::tuple{"genome", &o.genome, in.cohort_genome(), &genome},
                  std::tuple{"proteome", &o.proteome, in.cohort_proteome(), &proteome}})
                if (m->present && !cohort_file) {
                    buf += in.sheet.id(i) + '\t' + role + '\t' + m->path + '\t' +
                           (m->sha256.empty() ? "NA" : m->sha256) + '\n';
                    ++*count;
                }
            if (buf.size() > (size_t(1) << 20)) w.write(buf), buf.clear();
        }
        w.write(buf);
        w.close();
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw_io("cannot rename " + tmp + " to " + path, "check that the output folder is writable and has space");
    return {{"path", fs::absolute(path).lexically_normal().string()},
            {"files", {{"genome", genome}, {"proteome", proteome}}},
            {"sha256", sha256_file(path)}};
}

}  // namespace

std::string iso_time(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string provenance_json(const RunFacts& run, const Inputs& in, const RootState& root, const Cohort& cohort,
                            const Matrices& mx, const Subtypes& subtypes, const Ranking& ranking,
                            const SubtypeModel* model, const SurvivalResults& survival) {
    const StudyConfig& study = in.study;
    const RunOptions& opt = *run.options;
    json pj;
    pj["program"] = "precis";
    pj["version"] = PRECIS_VERSION;
    pj["git_commit"] = PRECIS_GIT_COMMIT;
    pj["command_line"] = opt.command_line;
    pj["study"] = {{"path", fs::absolute(study.path).string()}, {"name", study.name}, {"sha256", root.study_sha}};
    pj["workflow"] = study.workflow;
    pj["overrides"] = opt.overrides;
    pj["resolved_study"] = {{"path", fs::absolute(study.output + "/study.resolved.yaml").lexically_normal().string()},
                            {"sha256", sha256_string(study.resolved)},
                            {"yaml", study.resolved}};
    pj["seed"] = study.seed;
    pj["ranks"] = run.ranks;
    pj["threads_per_rank"] = in.threads.threads;
    // whether every matrix write was collective MPI-IO; null for a process without MPI (nothing to collect)
    pj["collective_io"] = run.uses_mpi ? json(mx.collective_io) : json();
    pj["host"] = run.usage.host.empty() ? std::string() : run.usage.host.front();  // rank 0's (rank_usage)
    // the hosts the ranks ran on, in the order of their first rank, with their ranks
    json hosts = json::array();
    std::map<std::string, size_t> host_index;
    for (size_t r = 0; r < run.usage.host.size(); ++r) {
        auto [it, added] = host_index.emplace(run.usage.host[r], hosts.size());
        if (added) hosts.push_back({{"name", run.usage.host[r]}, {"ranks", json::array()}});
        hosts[it->second]["ranks"].push_back(r);
    }
    pj["hosts"] = hosts;
    pj["start_time"] = iso_time(run.start);
    pj["inputs"] = input_files(in, root);
    if (in.per_sample()) pj["sample_inputs"] = sample_input_files(in, root);
    pj["samples"] = {{"in_sheet", in.sheet.size()}, {"analysed", cohort.size()}};
    if (root.structure.done) {
        const auto& s = root.structure;
        pj["population_structure"] = {{"samples", s.samples},           {"variants_selected", s.variants},
                                      {"variants_in_pca", s.pca_variants}, {"relatives", s.relatives},
                                      {"relatives_dropped", s.dropped},   {"relatives_projected", s.projected},
                                      {"pca", s.approx ? "randomized" : "exact"}};
    }
    if (subtypes.enabled) {
        pj["chosen_k"] = subtypes.k;
        if (study.clustering.null_test.enabled) {
            const auto& nt = study.clustering.null_test;
            pj["clustering_null_test"] = {{"references", nt.references},
                                          {"resamples", nt.resamples_for(study.clustering.resamples)},
                                          {"alpha", nt.alpha},
                                          {"no_structure", subtypes.fit.no_structure},
                                          {"seconds", subtypes.fit.null_seconds}};
        }
        pj["clustering_landmarks"] = subtypes.fit.n_landmarks;  // 0: consensus over every sample
        pj["clustering_seconds"] = subtypes.fit.seconds;
        pj["clustering_k_skipped"] = nlohmann::json::array();
        for (const auto& [k, why] : subtypes.k_skipped) pj["clustering_k_skipped"].push_back({{"k", k}, {"reason", why}});
        if (subtypes.adjusted) {
            const AdjustConfig& a = study.clustering.adjust;
            json left = json::object();
            for (const auto& [m, count] : subtypes.left_as_is) left[name(m)] = count;
            pj["clustering_adjustment"] = {{"method", name(a.method)},      {"batch", a.batch},
                                           {"covariates", a.covariates},    {"preserve", a.preserve},
                                           {"features_left_as_is", left},   {"layer", "layers/adjusted"}};
        }
    }
    pj["peak_memory_mib_per_rank"] = run.usage.peak_mib;  // before the results are written
    pj["cpu_seconds_per_rank"] = run.usage.cpu_seconds;   // user + system, every thread of the rank
    json stage_seconds = json::object();
    for (auto& [stage, seconds] : run.clock->seconds()) stage_seconds[stage] = seconds;
    pj["stage_seconds"] = stage_seconds;
    pj["stages"] = {{"clustering", subtypes.enabled}, {"ranking", ranking.enabled}};
    if (!ranking.skipped.empty()) pj["ranking_skipped"] = ranking.skipped;
    if (survival.enabled) {
        json ends = json::array();
        for (const SurvivalEndpoint& e : survival.endpoints) {
            json j = {{"endpoint", e.name}, {"unit", e.unit},       {"samples", e.n},
                      {"events", e.events}, {"left_out_missing", e.missing}, {"reference_subtype", e.reference}};
            if (!e.cox_problem.empty()) j["cox_problem"] = e.cox_problem;
            ends.push_back(j);
        }
        pj["survival"] = {{"endpoints", ends}, {"pairwise_adjust", study.survival.pairwise_adjust}};
        if (!survival.skipped.empty()) pj["survival"]["skipped"] = survival.skipped;
    }
    if (model) {
        size_t features = 0, kept = 0;
        for (auto& ids : model->feature_ids) features += ids.size();
        const size_t K = size_t(model->k), p = model->fit.p;
        for (size_t j = 0; j < p; ++j)  // features a shrunken centroid still uses
            for (size_t c = 0; c < K; ++c)
                if (model->shrunken[c * p + j] != model->fit.overall[j]) {
                    ++kept;
                    break;
                }
        pj["subtype_model"] = {{"path", "model/subtype_model.h5"},
                               {"format_version", model->format_version},
                               {"classifier", "nearest shrunken centroid"},
                               {"features", features},
                               {"features_used", kept},
                               {"threshold", model->thresholds[model->chosen]},
                               {"cv_error", model->cv_error[model->chosen]}};
    }
    // what an earlier, interrupted (or finished) run in this folder had already done
    pj["resumed"] = {{"attempt", in.attempt},
                     {"samples_from_journal", root.samples_from_journal},
                     {"stages_from_cache", root.stages_reused}};
    if (!root.skipped_regions.empty()) pj["skipped_regions"] = root.skipped_regions;
    pj["end_time"] = iso_time(run.end);
    // a path that is not UTF-8 (file names are bytes) is written with U+FFFD rather than refused
    return pj.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace precis

#include "pipeline/run.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/files.hpp"
#include "core/memory.hpp"
#include "core/signals.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "parallel/comm.hpp"
#include "pipeline/stages.hpp"
#include "report/report.hpp"
#include "store/model_file.hpp"

namespace precis {

RankUsage rank_usage(Comm& comm) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);  // ru_maxrss in KiB on Linux
    const double cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    RankUsage u;
    for (auto& r : comm.gather(std::to_string(ru.ru_maxrss) + " " + std::to_string(cpu) + " " + host)) {
        std::istringstream in(r);
        double kib = 0, sec = 0;
        in >> kib >> sec >> std::ws;
        u.peak_mib.push_back(std::round(kib / 1024.0 * 10) / 10);
        u.cpu_seconds.push_back(std::round(sec * 100) / 100);
        std::string name;
        std::getline(in, name);
        u.host.push_back(name);
    }
    return u;
}

void print_run_summary(Comm& comm, const std::string& command_line, double real_seconds, int exit_code) {
    const RankUsage u = rank_usage(comm);
    if (!comm.is_root() || u.peak_mib.empty()) return;
    double cpu = 0;
    for (double c : u.cpu_seconds) cpu += c;
    std::fprintf(stderr,
                 "precis: summary: precis %s, command '%s', exit %d, real %.1f s, CPU %.1f s over %d rank(s), "
                 "peak RSS %.1f MiB on rank 0, %.1f MiB the most on any rank\n",
                 PRECIS_VERSION, command_line.c_str(), exit_code, real_seconds, cpu, comm.size(), u.peak_mib[0],
                 *std::max_element(u.peak_mib.begin(), u.peak_mib.end()));
}

void StageClock::done(const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    seconds_.emplace_back(stage, std::round(std::chrono::duration<double>(now - last_).count() * 1000) / 1000);
    last_ = now;
}

namespace {

// Step 9 (rank 0): the TSVs, the store's annotations, the store renamed into place, then report.html, and
// provenance.json, the mark of a finished run, last.
void write_results(const RunFacts& run, const Inputs& in, const RootState& root, const Cohort& cohort,
                   const Matrices& mx, const FeatureStats& fs, Subtypes& subtypes, const Ranking& ranking,
                   std::optional<SubtypeModel>& model, const SurvivalResults& survival) {
    const StudyConfig& study = in.study;
    const std::string& out = study.output;
    if (model) {
        model->created = iso_time(run.end);
        model->study_sha256 = root.study_sha;
        std::filesystem::create_directories(out + "/model");
        write_subtype_model(out + "/model/subtype_model.h5", *model);
    }
    if (ranking.enabled)
        write_biomarkers(out + "/biomarkers.tsv", biomarker_rows(ranking, mx, study), study.ranking.test == RankTest::Cox);
    if (subtypes.enabled) {
        write_subtypes(out + "/subtypes.tsv", cohort.ids(in.sheet), subtypes.fit.ks, subtypes.fit.chosen);
        write_clustering(out + "/clustering.tsv", subtypes.fit.ks, subtypes.fit.chosen);
        if (study.clustering.null_test.enabled) write_null_references(out + "/clustering_null.tsv", subtypes.fit.ks);
        write_multiqc_clustering(out + "/clustering_mqc.tsv", subtypes.fit.ks, subtypes.fit.chosen);
    }
    if (!survival.endpoints.empty()) write_survival(out, survival);
    const std::string pj = provenance_json(run, in, root, cohort, mx, subtypes, ranking, model ? &*model : nullptr,
                                           survival);
    StoreAnnotations a = store_annotations(in, root, cohort, mx, fs, subtypes);
    a.provenance_json = pj;
    write_annotations(mx.store_tmp, a);
    if (std::rename(mx.store_tmp.c_str(), mx.store_path.c_str()) != 0)
        throw_io("cannot rename " + mx.store_tmp + " to " + mx.store_path, "check that the output folder is writable and has space");
    write_report(out, pj);  // from the files just written
    write_file_atomic(out + "/provenance.json", pj + "\n");
    if (!root.finished_inputs.empty()) write_finished_stamp(out, root.finished_inputs, iso_time(run.end));
    const std::string k_text =
        !subtypes.enabled ? ""
        : subtypes.fit.no_structure
            ? ", no structure: no k of " + std::to_string(study.clustering.k_min) + ".." +
                  std::to_string(study.clustering.k_max) + " passed the null test (adjusted p < " +
                  fmt(study.clustering.null_test.alpha) + "), every sample in one class"
            : ", k = " + std::to_string(subtypes.k);
    std::fprintf(stderr, "precis: done: %zu of %zu samples analysed%s; results in %s\n", cohort.size(),
                 in.sheet.size(), k_text.c_str(), out.c_str());
}

}  // namespace

int run_study(Comm& comm, const RunOptions& opt) {
    RunFacts run{&opt, std::chrono::system_clock::now(), {}, comm.size(), comm.uses_mpi(), {}, nullptr};
    install_stop_handlers();
    StageClock clock;
    std::optional<RootState> root_state;  // rank 0 only
    if (comm.is_root()) root_state.emplace();
    RootState* const root = root_state ? &*root_state : nullptr;

    Inputs in = gather_inputs(comm, opt, root);  // 1
    CohortThreadsGuard cohort_threads{root};
    if (in.unchanged) {
        if (root)
            std::fprintf(stderr,
                         "precis: nothing to do: %s holds this study's results, finished %s, and no input, setting or "
                         "result has changed since (--fresh computes them again)\n",
                         in.study.output.c_str(), root->unchanged_since.c_str());
        return 0;
    }
    RankJournal journal(in.study.output, in.attempt, comm.rank());  // finished samples and regions of this attempt
    clock.done("checks");
    Features features = process_samples(comm, in, journal, root, !proteome_cohort_steps(in.study));  // 2
    clock.done("samples");
    const Structure structure = structure_stage(comm, in, root);  // 2b
    if (structure.ancestry || structure.relatedness) clock.done("structure");
    Cohort cohort = select_cohort(comm, in, root);  // 3
    Matrices mx = write_store(comm, in, cohort, std::move(features));  // 4, 5
    give_back_free_memory();  // the samples' results, freed
    finish_cohort(comm, cohort, root);  // the QC tables and the key, made meanwhile
    clock.done("store");
    FeatureStats fs = feature_stats(comm, in, cohort, mx);  // 6
    clock.done("filtering");
    StageCache cache(comm, in.study.output, root);
    Adjusted adjusted = adjust_stage(comm, in, cohort, fs, mx);  // 6b
    if (adjusted.enabled) {
        release_values(fs);  // clustering uses the adjusted values; ranking reads these again
        clock.done("adjustment");
    }
    Subtypes subtypes = adjusted.enabled ? cluster_stage(comm, in, cohort, adjusted.stats, "", cache)  // 7
                                         : cluster_stage(comm, in, cohort, fs, mx.store_tmp, cache);
    subtypes.adjusted = adjusted.enabled;
    subtypes.left_as_is = adjusted.left_as_is;
    if (subtypes.enabled) clock.done("clustering");
    std::optional<SubtypeModel> model = model_stage(comm, in, cohort, mx, subtypes, adjusted);  // 7b
    if (model) clock.done("model");
    subtypes.X = Matrix();  // the clustered rows: nothing after the model needs them
    const Ranking ranking = rank_stage(comm, in, cohort, mx, fs, subtypes, cache);  // 8
    if (ranking.enabled) clock.done("ranking");
    SurvivalResults survival;  // 8b (rank 0)
    comm.all_or_none([&] {
        if (root) survival = survival_stage(in, cohort, subtypes);
    });
    if (survival.enabled) clock.done("survival");

    run.usage = rank_usage(comm);  // 9
    run.clock = &clock;
    comm.all_or_none([&] {
        if (!root) return;
        run.end = std::chrono::system_clock::now();
        write_results(run, in, *root, cohort, mx, fs, subtypes, ranking, model, survival);
    });
    return 0;
}

}  // namespace precis

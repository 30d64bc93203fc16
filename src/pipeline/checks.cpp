// Step 1 of `precis run`: the study, the sheet, the inputs and the output folder, checked before any work starts.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <utility>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/table.hpp"
#include "core/threads.hpp"
#include "core/version.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/validate.hpp"

namespace fs = std::filesystem;

namespace precis {
namespace {

// The output folder must exist and be writable before any work starts.
void prepare_output(const std::string& out) {
    make_private_dirs((fs::path(out) / "qc").string());
    std::string probe = (fs::path(out) / (".precis-write-test-" + std::to_string(::getpid()))).string();
    FILE* f = open_private(probe, "wb");
    if (!f)
        throw Error(ErrorKind::Config, "the output folder " + out + " is not writable",
                    "set study.output or --output to a folder you can write");
    std::fclose(f);
    std::remove(probe.c_str());
}

// Once the folder is this run's (its lock held), an earlier run's results go, provenance.json (the mark of a
// finished run) first, so that the folder never looks finished while this run is under way; then what a killed run
// left half-written (AtomicFile's PATH.tmp-PID, the store's .partial).
void clear_earlier_results(const std::string& out) {
    std::error_code ec;
    remove_finished_stamp(out);
    for (const char* f : {"provenance.json", "cohort.h5mu", "subtypes.tsv", "clustering.tsv", "biomarkers.tsv",
                          "study.resolved.yaml", "qc/genome.tsv", "qc/proteome.tsv", "scores.tsv", "qc/scores.tsv",
                          "cohort.h5mu.partial", "report.html", "qc/genome_mqc.tsv", "qc/genome_calls_mqc.tsv",
                          "qc/proteome_mqc.tsv", "qc/proteome_detection_mqc.tsv", "ancestry/pcs.tsv",
                          "ancestry/eigenvalues.tsv", "ancestry/variant_weights.tsv", "relatedness/pairs.tsv",
                          "clustering_null.tsv", "model/subtype_model.h5", "model/subtype_model.h5.partial",
                          "classified.tsv", "validation.tsv", "clustering_mqc.tsv",
                          "classified_mqc.tsv", "survival.tsv", "survival_tests.tsv", "survival_curves.tsv",
                          "survival_mqc.tsv", "inputs.tsv.gz", "inputs.tsv.gz.tmp"})
        fs::remove(fs::path(out) / f, ec);
    for (const fs::path& dir : {fs::path(out), fs::path(out) / "qc"})
        for (auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && e.path().filename().string().find(".tmp-") != std::string::npos)
                fs::remove(e.path(), ec);
}

// Rank 0: the checks, the folder taken (its lock, the journal indexed, earlier results cleared), the checksums of
// the small inputs.
void check_on_root(const RunOptions& opt, Inputs& in, RootState& root) {
    Validation v = validate_study(opt.study_path, opt.overrides, opt.output_override, CohortFileCheck::Header);
    for (auto& w : v.warnings) std::fprintf(stderr, "precis: warning: %s\n", w.c_str());
    if (!v.ok()) throw Error(ErrorKind::Config, v.problem_lines());
    in.study = std::move(v.study);
    in.sheet = std::move(v.sheet);
    const StudyConfig& study = in.study;
    if (!opt.keep_folder.empty()) {
        std::error_code e1, e2;
        const fs::path out = fs::weakly_canonical(study.output, e1), keep = fs::weakly_canonical(opt.keep_folder, e2);
        if (!e1 && !e2 && out == keep)
            throw Error(ErrorKind::Config,
                        "the output folder " + out.string() + " holds " + opt.keep_folder_holds +
                            ": this command would replace its results",
                        "give another folder with --output (or study.output)");
    }
    prepare_output(study.output);
    make_private_dirs(state_dir(study.output));
    FolderLock lock(state_dir(study.output) + "/lock");  // no other run changes the folder from here to the end
    if (opt.reuse_finished) {
        root.finished_inputs = finished_inputs(study, in.sheet);
        if (!opt.fresh && finished_and_unchanged(study.output, root.finished_inputs, root.unchanged_since)) return;
    }
    root.journal = open_journal(study.output, opt.fresh, std::move(lock));
    clear_earlier_results(study.output);
    if (root.journal.records > 0)
        std::fprintf(stderr, "precis: resuming from %s: %zu record(s) in %zu journal file(s)%s\n",
                     state_dir(study.output).c_str(), root.journal.records, root.journal.files,
                     root.journal.torn ? " (a torn or damaged part was left out: that work is done again)" : "");
    write_file_atomic(study.output + "/study.resolved.yaml", study.resolved);
    if (study.genome.enabled && !study.genome.genes_bed.empty()) root.genes_sha = sha256_file(study.genome.genes_bed);
    if (study.genome.enabled)
        for (auto& f : study.genome.scores) root.score_shas.push_back(sha256_file(f));
    if (study.genome.enabled && !study.genome.annotation_table.empty() && !study.genome.consequences.empty())
        root.annotation_sha = sha256_file(study.genome.annotation_table);
    root.study_sha = sha256_string(study.text);
    root.sheet_sha = sha256_file(study.sheet);
}

}  // namespace

Inputs gather_inputs(Comm& comm, const RunOptions& opt, RootState* root) {
    Inputs in;
    comm.all_or_none([&] {
        if (root) check_on_root(opt, in, *root);
    });
    std::vector<int64_t> unchanged{root && !root->unchanged_since.empty() ? 1 : 0};
    comm.broadcast(unchanged);
    if (unchanged[0]) {
        in.unchanged = true;
        return in;
    }
    // the other ranks get the resolved study (every value explicit, paths absolute) and the checked sheet
    std::string resolved = in.study.resolved, path = in.study.path;
    std::string sheet = root && comm.size() > 1 ? encode(in.sheet) : std::string();
    comm.broadcast(resolved);
    comm.broadcast(path);
    comm.broadcast(sheet);
    std::vector<int64_t> attempt{root ? root->journal.attempt : 0};
    comm.broadcast(attempt);
    in.attempt = int(attempt[0]);
    comm.all_or_none([&] {
        if (!root) {
            in.study = parse_study(resolved, path);
            decode(sheet, in.sheet);
        }
        const GenomeConfig& g = in.study.genome;
        if (g.enabled && !g.genes_bed.empty()) {
            in.genes = GeneSet::load(g.genes_bed);
            in.have_genes = true;
        }
        if (g.enabled && !g.scores.empty()) {
            in.scores = ScoreSet::load(g.scores);
            in.have_scores = true;
        }
    });
    in.threads = configure_threads(opt.threads, comm.size());  // the thread policy: core/threads.hpp
    if (root) {
        const size_t n = in.sheet.size();
        root->outcomes.resize(n);
        for (size_t i = 0; i < n; ++i) root->outcomes[i].index = i;
        std::fprintf(stderr, "precis %s: study '%s', %zu samples, %d rank(s) x %d thread(s)\n", PRECIS_VERSION,
                     in.study.name.c_str(), n, comm.size(), in.threads.threads);
    }
    return in;
}

}  // namespace precis

// precis: a thin command line over the libraries. Parses, dispatches, and turns errors into exit codes.
#include <chrono>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>

#include "config/schema.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/memory.hpp"
#include "core/version.hpp"
#include "parallel/comm.hpp"
#include "pipeline/classify.hpp"
#include "pipeline/run.hpp"
#include "core/table.hpp"
#include "core/threads.hpp"
#include "pipeline/validate.hpp"
#include "report/report.hpp"
#include "simulate/simulate.hpp"
#include "slurm/slurm.hpp"

namespace {

void report(const precis::Error& e) {
    std::fprintf(stderr, "precis: %s: %s\n", precis::kind_name(e.kind()), e.describe().c_str());
}

// A study's problems, one per line, then what was not done; 2. `what_not_done`: "nothing was run", ...
int print_problems(const std::string& path, const precis::Validation& v, const std::string& what_not_done) {
    std::fprintf(stderr, "%s\n%s: %zu problem%s; %s\n", v.problem_lines().c_str(), path.c_str(), v.problems.size(),
                 v.problems.size() == 1 ? "" : "s", what_not_done.c_str());
    return 2;
}

int cmd_validate(const std::string& path, const std::vector<std::string>& overrides, const std::string& output) {
    precis::Validation v = precis::validate_study(path, overrides, output);
    for (auto& w : v.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (!v.ok()) return print_problems(path, v, "nothing was run");
    std::printf("%s: valid (%zu samples%s%s)\n", path.c_str(), v.sheet.size(),
                v.study.workflow.empty() ? "" : ", workflow ", v.study.workflow.c_str());
    return 0;
}

// precis slurm: the study is checked in full first; only a valid study gets a script, and only a script is submitted.
int cmd_slurm(const std::string& path, const std::vector<std::string>& overrides, const std::string& output,
              bool submit) {
    namespace fs = std::filesystem;
    precis::Validation v = precis::validate_study(path, overrides, output);
    for (auto& w : v.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (!v.ok())
        return print_problems(path, v,
                              std::string("no job script was written") + (submit ? " and nothing was submitted" : ""));
    const precis::StudyConfig& s = v.study;
    std::string text = precis::builtin_sbatch_template(), name = "the built-in template (slurm/precis.sbatch)";
    if (!s.resources.template_path.empty()) {
        name = s.resources.template_path;
        std::error_code ec;
        if (!fs::is_regular_file(name, ec))
            precis::throw_config(s.origin_of("resources.template") + ": the sbatch template " + name +
                                     " does not exist",
                                 "correct 'resources.template', or remove it to use the built-in one");
        text = precis::read_file(name);
    }
    const std::string script = precis::render_sbatch(s, text, name, fs::read_symlink("/proc/self/exe").string());
    precis::make_private_dirs(precis::log_folder(s));
    const std::string at = precis::sbatch_path(s);
    precis::write_file_atomic(at, script);
    if (!submit) {
        std::printf("%s\n", at.c_str());
        std::fprintf(stderr, "precis: wrote %s (submit it with: sbatch %s, or precis slurm --submit)\n", at.c_str(),
                     precis::shell_quote(at).c_str());
        return 0;
    }
    const std::string id = precis::submit_sbatch(at);
    std::printf("%s\n", id.c_str());
    std::fprintf(stderr, "precis: submitted %s as job %s; its log: %s/%s-%s.log\n", at.c_str(), id.c_str(),
                 precis::log_folder(s).c_str(), s.name.c_str(), id.c_str());
    return 0;
}

// run and classify: one process or many MPI ranks, where every rank must agree on the outcome
int cmd_mpi(int& argc, char**& argv, const precis::RunOptions& opt,
            const std::function<int(precis::Comm&)>& body) {
    const auto t0 = std::chrono::steady_clock::now();
    precis::Comm comm(argc, argv);
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    try {
        const int rc = body(comm);
        precis::print_run_summary(comm, opt.command_line, seconds(), rc);
        return rc;
    } catch (const precis::AgreedError& e) {  // every rank is here: the summary's gather is safe
        if (comm.is_root()) report(e);
        precis::print_run_summary(comm, opt.command_line, seconds(), precis::exit_code(e.kind()));
        return precis::exit_code(e.kind());
    } catch (const precis::Error& e) {
        std::fprintf(stderr, "precis (rank %d): %s: %s\n", comm.rank(), precis::kind_name(e.kind()),
                     e.describe().c_str());
        if (comm.size() > 1) comm.abort(precis::exit_code(e.kind()));
        return precis::exit_code(e.kind());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "precis (rank %d): internal error: %s\n", comm.rank(), e.what());
        if (comm.size() > 1) comm.abort(1);
        return 1;
    }
}

std::string command_line(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    precis::tune_allocator();
    CLI::App app{"precis: population biomarker discovery - molecular subtypes and the markers that tell them apart"};
    app.set_version_flag("--version", std::string("precis ") + PRECIS_VERSION + " (" + PRECIS_GIT_COMMIT + "; malloc: " +
                                           precis::allocator_name() + ")");
    app.require_subcommand(1);

    precis::RunOptions run;
    auto* run_cmd = app.add_subcommand("run", "run a study: per-sample QC and features, cohort store, subtypes, "
                                              "biomarkers; one process, or N ranks under mpirun/srun");
    run_cmd->add_option("study", run.study_path, "the study YAML file")->required();
    run_cmd->add_option("--output", run.output_override, "output folder (overrides study.output)");
    run_cmd->add_option("--threads", run.threads, "OpenMP threads per rank (default: OMP_NUM_THREADS, else 1 per "
                                                  "rank under MPI, else all cores)")
        ->check(CLI::NonNegativeNumber);
    run_cmd->add_flag("--fresh", run.fresh,
                      "start over: forget the finished samples and stages an earlier run left in the output folder "
                      "(by default a run resumes from them)");
    run_cmd->add_option("--set", run.overrides, "override a study key, e.g. --set clustering.k.max=8 (repeatable)")
        ->type_name("KEY=VALUE");

    precis::ClassifyOptions classify;
    auto* classify_cmd = app.add_subcommand(
        "classify", "place new samples (one patient or a validation cohort) into the subtypes of a saved model: "
                    "classified.tsv, validation.tsv, qc/, report.html");
    classify_cmd->add_option("model", classify.model, "model/subtype_model.h5 of a finished precis run")->required();
    classify_cmd->add_option("study", classify.run.study_path, "the study YAML file naming the new samples")->required();
    classify_cmd->add_option("--output", classify.run.output_override, "output folder (overrides study.output)");
    classify_cmd->add_option("--threads", classify.run.threads, "OpenMP threads per rank")->check(CLI::NonNegativeNumber);
    classify_cmd->add_flag("--fresh", classify.run.fresh, "start over instead of resuming from the output folder");
    classify_cmd->add_option("--set", classify.run.overrides, "override a study key (repeatable)")->type_name("KEY=VALUE");

    std::string validate_path, validate_output;
    std::vector<std::string> validate_sets;
    auto* val_cmd = app.add_subcommand("validate", "check a study, its sample sheet, its inputs and its output folder; "
                                                   "every problem as FILE:LINE:COL; exit 0 if valid, 2 if not");
    val_cmd->add_option("study", validate_path, "the study YAML file")->required();
    val_cmd->add_option("--set", validate_sets, "override a study key (repeatable)")->type_name("KEY=VALUE");
    val_cmd->add_option("--output", validate_output, "output folder (overrides study.output)");

    std::string slurm_path, slurm_output;
    std::vector<std::string> slurm_sets;
    bool slurm_submit = false;
    auto* slurm_cmd = app.add_subcommand("slurm", "write an sbatch script from the study's resources (after checking the "
                                                  "study as validate does); --submit also submits it");
    slurm_cmd->add_option("study", slurm_path, "the study YAML file")->required();
    slurm_cmd->add_flag("--submit", slurm_submit, "run sbatch on the script and print the job id");
    slurm_cmd->add_option("--set", slurm_sets, "override a study key (repeatable)")->type_name("KEY=VALUE");
    slurm_cmd->add_option("--output", slurm_output, "output folder (overrides study.output)");

    std::string report_dir;
    auto* report_cmd = app.add_subcommand("report", "(re)write report.html in a finished results folder from its files "
                                                    "alone (QC, clustering, embedding, phenotypes, biomarkers)");
    report_cmd->add_option("results", report_dir, "the results folder (the study's output)")->required();

    auto* keys_cmd = app.add_subcommand("keys", "print the reference of every study key (Markdown)");

    precis::SimulateOptions sim;
    auto* sim_cmd = app.add_subcommand("simulate", "write a complete synthetic study with known subtypes and markers");
    sim_cmd->add_option("--out", sim.out, "output folder")->required();
    sim_cmd->add_option("--samples", sim.samples, "number of samples")->capture_default_str();
    sim_cmd->add_option("--subtypes", sim.subtypes, "number of planted subtypes")->capture_default_str();
    sim_cmd->add_option("--seed", sim.seed, "random seed")->capture_default_str();
    sim_cmd->add_option("--proteins", sim.proteins, "proteins per sample")->capture_default_str();
    sim_cmd->add_option("--genes", sim.genes, "genes in genes.bed")->capture_default_str();
    sim_cmd->add_option("--effect", sim.effect, "log2 shift of planted proteins")->capture_default_str();
    sim_cmd->add_option("--batches", sim.batches, "plates with their own protein shifts (sheet column 'plate'); 0: none")
        ->capture_default_str();
    sim_cmd->add_option("--batch-effect", sim.batch_effect, "sd of each plate's log2 shift of each protein")
        ->capture_default_str();
    sim_cmd->add_option("--populations", sim.populations,
                        "genetic ancestries (sheet column 'population') that shift every protein; the genome becomes "
                        "one cohort VCF with ancestry SNVs; 0: none")
        ->capture_default_str();
    sim_cmd->add_option("--population-effect", sim.population_effect, "sd of each population's log2 shift of each protein")
        ->capture_default_str();
    sim_cmd->add_option("--ancestry-snps", sim.ancestry_snps, "SNVs with population-specific frequencies (Fst 0.1)")
        ->capture_default_str();
    sim_cmd->add_option("--resamples", sim.resamples, "clustering.resamples written to study.yaml")
        ->capture_default_str();
    sim_cmd->add_option("--genotype-format", sim.genotype_format,
                        "vcf: a VCF per sample (one cohort VCF with --populations); plink: the cohort's genotypes as "
                        "one PLINK 1 fileset, cohort.bed/.bim/.fam; bgen: as one BGEN 1.2 file, cohort.bgen/.sample")
        ->capture_default_str();
    sim_cmd->add_option("--cohort", sim.cohort,
                        "N > 0: a further cohort from the same truth as --seed's (the same proteins, markers and "
                        "genes), with new samples (ids C<N>S00001...), e.g. to validate a subtype model")
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    run.command_line = command_line(argc, argv);
    classify.run.command_line = run.command_line;

    // one table of subcommands and one error boundary: precis::Error -> its exit code, anything else -> internal
    // error (exit 1). `run` and `classify` have its own boundary inside, where every MPI rank must agree (cmd_mpi).
    const std::vector<std::pair<CLI::App*, std::function<int()>>> commands = {
        {val_cmd, [&] { return cmd_validate(validate_path, validate_sets, validate_output); }},
        {slurm_cmd, [&] { return cmd_slurm(slurm_path, slurm_sets, slurm_output, slurm_submit); }},
        {report_cmd,
         [&] {
             precis::write_report(report_dir);
             std::printf("precis: wrote %s/report.html\n", report_dir.c_str());
             return 0;
         }},
        {keys_cmd,
         [&] {
             std::fputs(precis::schema_markdown().c_str(), stdout);
             return 0;
         }},
        {sim_cmd,
         [&] {
             precis::configure_threads(0, 1);  // the same thread policy as precis run on one process
             precis::simulate(sim);
             std::printf("precis: wrote a study of %d samples and %d subtypes to %s (run: precis run %s/study.yaml)\n",
                         sim.samples, sim.subtypes, sim.out.c_str(), sim.out.c_str());
             return 0;
         }},
        {run_cmd, [&] { return cmd_mpi(argc, argv, run, [&](precis::Comm& c) { return precis::run_study(c, run); }); }},
        {classify_cmd,
         [&] {
             return cmd_mpi(argc, argv, classify.run,
                            [&](precis::Comm& c) { return precis::classify_study(c, classify); });
         }},
    };
    for (auto& [cmd, body] : commands) {
        if (!*cmd) continue;
        try {
            return body();
        } catch (const precis::Error& e) {
            report(e);
            return precis::exit_code(e.kind());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "precis: internal error in 'precis %s': %s (please report this with the command "
                                 "line and its input)\n", cmd->get_name().c_str(), e.what());
            return 1;
        }
    }
    return 2;
}

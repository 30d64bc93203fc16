#include "pipeline/run.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "cluster/cluster.hpp"
#include "config/sheet.hpp"
#include "config/study.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/signals.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "genome/genome.hpp"
#include "genome/hts.hpp"
#include "parallel/comm.hpp"
#include "pipeline/clustering.hpp"
#include "pipeline/inputs.hpp"
#include "pipeline/messages.hpp"
#include "pipeline/outputs.hpp"
#include "pipeline/resume.hpp"
#include "pipeline/validate.hpp"
#include "proteome/cohort.hpp"
#include "proteome/proteome.hpp"
#include "ranking/ranking.hpp"
#include "report/report.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace precis {

int configure_threads(int requested, int n_ranks) {
    int n = requested;
    if (n <= 0) {
        const char* env = std::getenv("OMP_NUM_THREADS");
        if (env && std::atoi(env) > 0)
            n = std::atoi(env);
        else
            n = n_ranks > 1 ? 1 : omp_get_num_procs();
    }
    omp_set_num_threads(n);
    return n;
}

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
// a ranking record: modality, feature, contrast, statistic, effect, p, df, s2_prior, df_prior, ci_low, ci_high, auc
constexpr size_t kRecord = 12;
constexpr size_t kConsensusInStore = 1000;  // up to this many samples the store keeps the consensus matrices

std::string iso_time(std::chrono::system_clock::time_point t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string join(const std::vector<std::string>& v, char sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? std::string(1, sep) : "") + v[i];
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    size_t a = 0;
    while (true) {
        size_t b = s.find(sep, a);
        out.push_back(s.substr(a, b - a));
        if (b == std::string::npos) break;
        a = b + 1;
    }
    return out;
}

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
    for (const char* f : {"provenance.json", "cohort.h5mu", "subtypes.tsv", "clustering.tsv", "biomarkers.tsv",
                          "study.resolved.yaml", "qc/genome.tsv", "qc/proteome.tsv", "scores.tsv", "qc/scores.tsv",
                          "cohort.h5mu.partial", "report.html", "qc/genome_mqc.tsv", "qc/genome_calls_mqc.tsv",
                          "qc/proteome_mqc.tsv", "qc/proteome_detection_mqc.tsv"})
        fs::remove(fs::path(out) / f, ec);
    for (const fs::path& dir : {fs::path(out), fs::path(out) / "qc"})
        for (auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && e.path().filename().string().find(".tmp-") != std::string::npos)
                fs::remove(e.path(), ec);
}

// A feature block [c0, c1) of a modality assigned to one rank.
struct Block {
    size_t c0 = 0, c1 = 0;
    std::vector<double> values;  // (c1 - c0) x n, feature-major: feature j's values from values[j * n]
    size_t width() const { return c1 - c0; }
};

Block my_block(size_t n_features, int rank, int size) {
    Block b;
    b.c0 = n_features * rank / size;
    b.c1 = n_features * (rank + 1) / size;
    return b;
}

// The sample's record in the journal, if the task names one that is intact and still has this key.
bool load_sample(const SampleTask& t, const std::string& key, SampleRecord& rec) {
    std::string payload;
    if (!RankJournal::load({t.journal_file, t.journal_key, t.journal_offset, t.journal_size}, kSampleRecord, t.id, key,
                           payload))
        return false;
    try {
        decode(payload, rec);
    } catch (const std::exception&) {  // checksummed, but not a record this version reads: recompute
        return false;
    }
    return rec.outcome.index == t.index;
}

}  // namespace

RankUsage rank_usage(Comm& comm) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);  // ru_maxrss in KiB on Linux
    const double cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    RankUsage u;
    for (auto& r : comm.gather(std::to_string(ru.ru_maxrss) + " " + std::to_string(cpu))) {
        std::istringstream in(r);
        double kib = 0, sec = 0;
        in >> kib >> sec;
        u.peak_mib.push_back(std::round(kib / 1024.0 * 10) / 10);
        u.cpu_seconds.push_back(std::round(sec * 100) / 100);
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

int run_study(Comm& comm, const RunOptions& opt) {
    const auto t_start = std::chrono::system_clock::now();
    install_stop_handlers();
    // wall time of each stage on rank 0 (the ranks move through the stages together), for provenance and the report
    nlohmann::ordered_json stage_seconds = nlohmann::ordered_json::object();
    auto t_stage = std::chrono::steady_clock::now();
    auto stage_done = [&](const char* name) {
        const auto now = std::chrono::steady_clock::now();
        stage_seconds[name] = std::round(std::chrono::duration<double>(now - t_stage).count() * 1000) / 1000;
        t_stage = now;
    };
    StudyConfig study;
    SampleSheet sheet;  // rank 0 only
    JournalIndex journal;  // rank 0 only: the journal's latest record of each sample
    std::string study_sha, sheet_sha, genes_sha;
    std::vector<std::string> score_shas;

    // 1. rank 0 reads and checks the study, the sheet, the inputs and the output folder before any work starts;
    //    the other ranks get the resolved study (every value explicit, paths absolute)
    comm.all_or_none([&] {
        if (!comm.is_root()) return;
        Validation v = validate_study(opt.study_path, opt.overrides, opt.output_override, CohortFileCheck::Header);
        for (auto& w : v.warnings) std::fprintf(stderr, "precis: warning: %s\n", w.c_str());
        if (!v.ok()) {
            std::string msg;
            for (auto& p : v.problems) msg += (msg.empty() ? "" : "\n") + p;
            throw Error(ErrorKind::Config, msg);
        }
        study = std::move(v.study);
        sheet = std::move(v.sheet);
        prepare_output(study.output);
        journal = open_journal(study.output, opt.fresh);
        clear_earlier_results(study.output);
        if (journal.records > 0)
            std::fprintf(stderr, "precis: resuming from %s: %zu record(s) in %zu journal file(s)%s\n",
                         state_dir(study.output).c_str(), journal.records, journal.files,
                         journal.torn ? " (a torn or damaged part was left out: that work is done again)" : "");
        write_file_atomic(study.output + "/study.resolved.yaml", study.resolved);
        if (study.genome.enabled && !study.genome.genes_bed.empty()) genes_sha = sha256_file(study.genome.genes_bed);
        if (study.genome.enabled)
            for (auto& f : study.genome.scores) score_shas.push_back(sha256_file(f));
        study_sha = sha256_string(study.text);
        sheet_sha = sha256_file(study.sheet);
    });
    std::string resolved = study.resolved, path = study.path;
    comm.broadcast(resolved);
    comm.broadcast(path);
    std::vector<int64_t> attempt{journal.attempt};
    comm.broadcast(attempt);
    GeneSet genes;
    bool have_genes = false;
    ScoreSet scores;  // every rank: workers score their samples or regions
    bool have_scores = false;
    comm.all_or_none([&] {
        if (!comm.is_root()) study = parse_study(resolved, path);
        if (study.genome.enabled && !study.genome.genes_bed.empty()) {
            genes = GeneSet::load(study.genome.genes_bed);
            have_genes = true;
        }
        if (study.genome.enabled && !study.genome.scores.empty()) {
            scores = ScoreSet::load(study.genome.scores);
            have_scores = true;
        }
    });
    const ScoreSet* score_set = have_scores ? &scores : nullptr;
    const int threads = configure_threads(opt.threads, comm.size());
    const std::string out = study.output;
    RankJournal rank_journal(out, int(attempt[0]), comm.rank());  // finished samples and regions of this attempt

    LocalFeatures local;
    std::vector<SampleOutcome> outcomes;  // rank 0: one per sheet row
    size_t n_sheet = sheet.samples.size();
    if (comm.is_root()) {
        outcomes.resize(n_sheet);
        for (size_t i = 0; i < n_sheet; ++i) outcomes[i].index = i;
        std::fprintf(stderr, "precis %s: study '%s', %zu samples, %d rank(s) x %d thread(s)\n", PRECIS_VERSION,
                     study.name.c_str(), n_sheet, comm.size(), threads);
    }

    stage_done("checks");

    // 2a. a cohort VCF/BCF: its regions (never splitting a gene) go to workers as they become free. Each worker
    //     keeps the burden columns of the genes its regions own; the per-sample QC counters are summed onto rank 0.
    const bool cohort_genome = study.genome.enabled && !study.genome.cohort_file.empty();
    std::map<uint32_t, std::vector<float>> burden_cols;  // this rank's genes: one value per sheet sample
    std::future<std::string> cohort_sha;
    if (cohort_genome) {
        // rank 0 only hands out regions: it checksums the file meanwhile, on its own thread (no MPI there)
        if (comm.is_root()) {
            const std::string f = study.genome.cohort_file;
            cohort_sha = std::async(std::launch::async, [f] { return sha256_file(f); });
        }
        std::string inputs_sha = genes_sha;  // the genes and scoring files, for the regions' journal keys
        for (auto& x : score_shas) inputs_sha += x;
        cohort_genome_stage(comm, study, sheet, have_genes ? &genes : nullptr, score_set, burden_cols, outcomes,
                            {&rank_journal, &journal, inputs_sha});
    }

    // 2b. a cohort proteome file (Olink NPX, MaxQuant)
    const bool cohort_prot = study.proteome.enabled && !study.proteome.cohort_file.empty();
    std::map<std::string, FeatureInfo> feature_info;  // rank 0
    std::future<std::string> proteome_sha;
    if (cohort_prot) {
        std::string joined;
        std::vector<int64_t> lines;
        if (comm.is_root())
            for (auto& e : sheet.samples) {
                joined += (joined.empty() ? "" : "\n") + e.id;
                lines.push_back(e.line);
            }
        comm.broadcast(joined);
        comm.broadcast(lines);
        if (comm.is_root()) {
            const std::string f = study.proteome.cohort_file;
            proteome_sha = std::async(std::launch::async, [f] { return sha256_file(f); });
        }
        std::vector<std::string> warnings;
        cohort_proteome(comm, study, split(joined, '\n'), lines, local, outcomes, feature_info, warnings);
        for (auto& w : warnings) std::fprintf(stderr, "precis: warning: %s\n", w.c_str());
    }

    // 2c. per-sample work: rank 0 hands samples to workers as they become free. A worker's other threads have
    //     nothing to do meanwhile: they decompress its VCFs ahead (htslib's thread pool, as many threads as
    //     the rank has, up to 4: the main thread mostly waits for them).
    const bool per_sample = (study.proteome.enabled && !cohort_prot) || (study.genome.enabled && !cohort_genome);
    std::unique_ptr<hts::ThreadPool> pool;
    if (study.genome.enabled && !cohort_genome && threads > 1 && (comm.size() == 1 || !comm.is_root()))
        pool = std::make_unique<hts::ThreadPool>(std::min(threads, 4));  // more do not outrun one decoding thread
    Progress progress;
    progress.total = n_sheet;
    const std::string settings = sample_settings(study);
    size_t from_journal = 0;    // rank 0: samples taken from the journal
    comm.task_farm(
        per_sample ? n_sheet : 0,
        [&](size_t i) {
            const SampleEntry& e = sheet.samples[i];
            SampleTask t{e.index, e.line, e.id, e.vcf, e.proteome, {}, {}, 0, 0};
            if (auto it = journal.latest.find(e.id); it != journal.latest.end()) {
                t.journal_file = it->second.file;
                t.journal_key = it->second.key;
                t.journal_offset = it->second.offset;
                t.journal_size = it->second.payload_size;
            }
            return encode(t);
        },
        [&](const std::string& msg) {
            SampleTask t;
            decode(msg, t);
            if (poll_stop()) return std::string();  // stopping: not started
            const SampleInputs in = hash_inputs(t, study);
            const std::string key = sample_key(settings, t, in.vcf_sha, in.proteome_sha);
            SampleRecord rec;
            if (in.complete() && load_sample(t, key, rec)) {  // finished in an earlier run
                rec.outcome.rank = comm.rank();
                rec.outcome.from_journal = true;
                if (rec.has_burden) local.burden[t.index] = std::move(rec.burden);
                if (rec.has_proteome) local.proteome[t.index] = std::move(rec.proteome);
                return encode(rec.outcome);
            }
            try {
                rec.outcome = process_sample(t, in, study, have_genes ? &genes : nullptr, score_set, pool.get(), local,
                                             comm.rank());
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::Interrupted) return std::string();  // dropped; done again on resume
                throw;
            }
            rec.outcome.key = key;
            if (in.complete()) {
                auto b = local.burden.find(t.index);
                auto p = local.proteome.find(t.index);
                if ((rec.has_burden = b != local.burden.end())) rec.burden = b->second;
                if ((rec.has_proteome = p != local.proteome.end())) rec.proteome = p->second;
                rank_journal.append(kSampleRecord, key, t.id, encode(rec));
                test_kill_point("sample", comm.rank());
            }
            return encode(rec.outcome);
        },
        [&](std::string&& msg) {
            if (msg.empty()) return;  // a sample dropped by a stop
            if (comm.size() > 1) test_kill_point("sample", comm.rank());  // rank 0 hands out, workers process
            SampleOutcome o;
            decode(msg, o);
            bool ok = o.genome.status != "error" && o.proteome.status != "error";
            SampleOutcome& dst = outcomes[o.index];  // a cohort file's genome results are already there
            dst.rank = o.rank;
            dst.key = o.key;
            from_journal += o.from_journal;
            if (o.genome.present) dst.genome = std::move(o.genome);
            if (o.proteome.present) dst.proteome = std::move(o.proteome);
            progress.tick(ok);
        });
    comm.all_or_none([&] { rank_journal.finish(); });
    comm.stop_point("the samples finished so far are kept in " + state_dir(out) + "/journal");
    if (comm.is_root() && per_sample)
        std::fprintf(stderr, "precis: %zu of %zu samples taken from the journal of an earlier run\n", from_journal,
                     n_sheet);

    stage_done("samples");

    // 3. rank 0: QC tables, the error policy, and the samples that go on to the cohort stages
    std::vector<int64_t> kept;
    comm.all_or_none([&] {
        if (!comm.is_root()) return;
        if (study.genome.enabled) check_sex(study, sheet, outcomes);
        if (study.genome.enabled)
            write_qc_table(out + "/qc/genome.tsv", genome_qc_columns(), sheet, outcomes, true);
        if (have_scores) write_scores(out, scores, study.genome.score_min_overlap, cohort_genome, sheet, outcomes);
        if (study.proteome.enabled)
            write_qc_table(out + "/qc/proteome.tsv", proteome_qc_columns(), sheet, outcomes, false);
        if (study.genome.enabled)
            write_multiqc_qc(out + "/qc", genome_qc_columns(), sheet, outcomes, true, qc_thresholds(study, true));
        if (study.proteome.enabled)
            write_multiqc_qc(out + "/qc", proteome_qc_columns(), sheet, outcomes, false, qc_thresholds(study, false));
        std::vector<std::string> errors;
        for (size_t i = 0; i < n_sheet; ++i) {
            const auto& o = outcomes[i];
            for (const ModalityOutcome* m : {&o.genome, &o.proteome})
                if (m->present && m->status == "error") errors.push_back(m->reason);
            bool pass = (!o.genome.present || o.genome.status == "pass") &&
                        (!o.proteome.present || o.proteome.status == "pass");
            if (pass && (o.genome.present || o.proteome.present)) kept.push_back(int64_t(i));
        }
        if (!errors.empty()) {
            std::fprintf(stderr, "precis: %zu sample input(s) could not be processed:\n", errors.size());
            for (size_t i = 0; i < errors.size() && i < 20; ++i) std::fprintf(stderr, "  %s\n", errors[i].c_str());
            if (study.on_sample_error == "fail")
                throw Error(ErrorKind::MalformedInput,
                            std::to_string(errors.size()) + " sample input(s) could not be processed; first: " +
                                errors.front(),
                            "repair or remove those samples, or set 'study.on_sample_error: skip' in " + study.path +
                                " to go on without them (they are listed in " + out + "/qc/)");
        }
        const size_t need = study.clustering.enabled || study.ranking.enabled ? 3 : 1;  // QC only: one will do
        if (kept.size() < need)
            throw Error(ErrorKind::DegenerateData,
                        "only " + std::to_string(kept.size()) + " of " + std::to_string(n_sheet) +
                            " samples passed QC and error checks; " +
                            (need == 3 ? "the cohort stages need at least 3" : "there is nothing to store"),
                        "see " + out + "/qc/ for each sample's status and reason");
        if (study.clustering.enabled && size_t(study.clustering.k_max) >= kept.size())
            throw Error(ErrorKind::DegenerateData,
                        std::to_string(kept.size()) + " samples passed QC, too few for clustering.k.max = " +
                            std::to_string(study.clustering.k_max),
                        "lower clustering.k.max or relax the QC thresholds");
    });
    comm.broadcast(kept);
    const size_t n = kept.size();

    // the content key of what the cohort stages start from (rank 0): the kept samples' results (each sample's key,
    // or the cohort files' checksums) and every setting of the samples' processing and the cohort matrix
    std::string data_key, proteome_file_sha, genome_file_sha;
    if (comm.is_root()) {
        if (cohort_prot) proteome_file_sha = proteome_sha.get();
        if (cohort_genome) genome_file_sha = cohort_sha.get();
        std::vector<std::string> parts{"precis cohort data 1", PRECIS_VERSION,
                                       resolved_settings(study.resolved, {"study.on_sample_error", "samples.id_column",
                                                                          "genome", "proteome", "cohort"}),
                                       genes_sha, proteome_file_sha, genome_file_sha};
        parts.insert(parts.end(), score_shas.begin(), score_shas.end());
        for (int64_t i : kept) parts.push_back(sheet.samples[size_t(i)].id + "\t" + outcomes[size_t(i)].key);
        data_key = content_key(parts);
    }
    std::vector<std::string> stages_reused;  // rank 0: cohort stages taken from the stage cache
    // each modality's rows: the kept samples that have it (a sample may lack one modality)
    std::map<std::string, std::vector<size_t>> rows_of;  // modality -> global rows, ascending
    std::map<std::string, std::unordered_map<uint64_t, size_t>> mrow_of;  // modality -> sheet index -> its row
    {
        std::vector<int64_t> has(2 * n, 0);  // genome, proteome
        if (comm.is_root())
            for (size_t r = 0; r < n; ++r) {
                has[r] = outcomes[size_t(kept[r])].genome.present;
                has[n + r] = outcomes[size_t(kept[r])].proteome.present;
            }
        comm.broadcast(has);
        for (size_t k = 0; k < 2; ++k) {
            const std::string m = k == 0 ? "genome" : "proteome";
            for (size_t r = 0; r < n; ++r)
                if (has[k * n + r]) {
                    mrow_of[m][uint64_t(kept[r])] = rows_of[m].size();
                    rows_of[m].push_back(r);
                }
        }
    }

    // 4. feature ids of each modality: genes from the BED; proteins: the union over kept samples, sorted
    std::vector<std::string> modalities;
    std::map<std::string, std::vector<std::string>> feature_ids;
    if (study.genome.enabled) {
        modalities.push_back("genome");
        feature_ids["genome"] = have_genes ? genes.names() : std::vector<std::string>{};
        for (size_t i = 0; i < scores.size(); ++i) feature_ids["genome"].push_back(scores.id(i));
    }
    if (study.proteome.enabled) {
        modalities.push_back("proteome");
        std::set<std::string> mine;
        std::set<const std::vector<std::string>*> lists;  // samples of one cohort file share their id list
        for (auto& [idx, r] : local.proteome)
            if (mrow_of["proteome"].count(idx) && lists.insert(r.ids.get()).second)
                mine.insert(r.ids->begin(), r.ids->end());
        auto parts = comm.gather(join(std::vector<std::string>(mine.begin(), mine.end()), '\n'));
        std::string all;
        if (comm.is_root()) {
            std::set<std::string> u;
            for (auto& p : parts)
                for (auto& id : split(p, '\n')) u.insert(id);
            all = join(std::vector<std::string>(u.begin(), u.end()), '\n');
        }
        comm.broadcast(all);
        feature_ids["proteome"] = split(all, '\n');
    }

    // 4b. the kept samples' proteome rows as one cohort matrix: quantile normalisation and imputation, with
    //     cohort statistics from allreduces over feature-length vectors (see proteome_matrix.cpp)
    std::vector<double> proteome_missing;  // per feature, before imputation
    if (study.proteome.enabled) {
        std::vector<std::string> names;  // rank 0: the samples of the proteome's rows, for errors
        if (comm.is_root())
            for (size_t r : rows_of["proteome"]) names.push_back(sheet.samples[size_t(kept[r])].id);
        proteome_missing = finish_proteome_matrix(comm, study, feature_ids["proteome"], local, mrow_of["proteome"],
                                                  rows_of["proteome"].size(), names);
    }

    // 5. the cohort store: every rank writes its own rows of each matrix, collectively
    const std::string store_tmp = out + "/cohort.h5mu.partial";
    const std::string store_path = out + "/cohort.h5mu";
    bool collective_io = true;
    comm.all_or_none([&] {
        std::vector<MatrixSpec> specs;
        for (auto& m : modalities) specs.push_back({m, rows_of[m].size(), feature_ids[m].size()});
        ParallelMatrixWriter w(store_tmp, comm.raw(), specs);
        for (size_t mi = 0; mi < modalities.size(); ++mi) {
            const std::string& m = modalities[mi];
            const size_t F = feature_ids[m].size();
            std::vector<std::pair<size_t, uint64_t>> mine;  // (row, sample index)
            auto& mrow = mrow_of[m];
            if (m == "genome") {
                for (auto& [idx, v] : local.burden)
                    if (mrow.count(idx)) mine.push_back({mrow[idx], idx});
            } else {
                for (auto& [idx, v] : local.proteome)
                    if (mrow.count(idx)) mine.push_back({mrow[idx], idx});
            }
            if (m == "genome" && cohort_genome) {  // this rank's gene columns, every row
                std::vector<size_t> cols;
                for (auto& [g, v] : burden_cols) cols.push_back(g);
                std::vector<float> data;
                data.reserve(rows_of[m].size() * cols.size());
                for (size_t r : rows_of[m])
                    for (size_t g : cols) data.push_back(burden_cols[uint32_t(g)][size_t(kept[r])]);
                w.write_columns(mi, cols, data);
                collective_io = collective_io && w.last_write_collective();
                continue;
            }
            std::sort(mine.begin(), mine.end());
            std::vector<size_t> rows;
            std::vector<float> data;
            data.reserve(mine.size() * F);
            FeaturePositions positions(m == "proteome" ? feature_ids[m] : std::vector<std::string>{});
            for (auto& [row, idx] : mine) {
                rows.push_back(row);
                if (m == "genome") {
                    const auto& v = local.burden[idx];
                    data.insert(data.end(), v.begin(), v.end());
                } else {
                    size_t base = data.size();
                    data.resize(base + F, std::numeric_limits<float>::quiet_NaN());
                    const auto& r = local.proteome[idx];
                    if (!r.ids)  // a full row (finish_proteome_matrix)
                        for (size_t j = 0; j < F; ++j) data[base + j] = float(r.values[j]);
                    else
                    {
                        size_t j = 0;
                        for (const size_t at : positions.of(r.ids)) data[base + at] = float(r.values[j++]);
                    }
                }
            }
            w.write_rows(mi, rows, data);
            collective_io = collective_io && w.last_write_collective();
        }
        w.close();
        test_kill_point("store", comm.rank());
    });
    local = LocalFeatures();  // the store has them now
    burden_cols.clear();
    comm.stop_point("the samples are kept in the journal; the store is written again on resume");

    stage_done("store");

    // 6. cohort stages read feature blocks from the store: per-feature missingness and spread
    std::map<std::string, Block> blocks;
    std::map<std::string, std::vector<double>> missing_frac, spread;
    comm.all_or_none([&] {
        MatrixReader reader(store_tmp);
        for (auto& m : modalities) {
            Block b = my_block(feature_ids[m].size(), comm.rank(), comm.size());
            b.values = reader.read_features(m, b.c0, b.c1);
            blocks[m] = std::move(b);
        }
    });
    for (auto& m : modalities) {
        Block& b = blocks[m];
        const size_t nm = rows_of[m].size();  // the samples that have this modality
        std::vector<double> stats;  // per column: missing fraction, mad (over the samples that have the modality)
        for (size_t j = 0; j < b.width(); ++j) {
            const double* v = b.values.data() + j * nm;
            const auto miss = size_t(std::count_if(v, v + nm, [](double x) { return std::isnan(x); }));
            stats.push_back(nm ? double(miss) / double(nm) : 1.0);
            stats.push_back(mad(v, nm, 1));
        }
        if (nm != n) {  // from here on every block has all kept samples, NaN where the modality is absent
            std::vector<double> full(n * b.width(), NaN);
            for (size_t j = 0; j < b.width(); ++j)
                for (size_t i = 0; i < nm; ++i) full[j * n + rows_of[m][i]] = b.values[j * nm + i];
            b.values = std::move(full);
        }
        auto all = comm.allgather(stats);
        for (size_t j = 0; j < all.size() / 2; ++j) {
            missing_frac[m].push_back(all[2 * j]);
            spread[m].push_back(all[2 * j + 1]);
        }
        if (m == "proteome" && !proteome_missing.empty()) missing_frac[m] = proteome_missing;  // before imputation
    }
    auto feature_kept = [&](const std::string& m, size_t j) {
        return missing_frac[m][j] <= study.max_missing && !std::isnan(spread[m][j]);
    };

    stage_done("filtering");

    // 7. consensus clustering: features by spread, resamples spread over ranks and threads
    const auto& cc = study.clustering;
    Matrix X;
    std::vector<KSummary> ks;
    size_t chosen = 0;
    std::vector<std::vector<double>> consensus;  // rank 0, small N: every k's consensus matrix, for the store's uns
    std::vector<int64_t> labels;
    size_t n_landmarks = 0;  // 0: consensus over every sample
    double clustering_seconds = 0;  // wall time of the consensus clustering (resamples to classes), for benchmarks
    if (cc.enabled) {
        std::vector<size_t> block_edges{0};
        for (size_t ci = 0; ci < study.clustering.modalities.size(); ++ci) {
            const std::string& m = study.clustering.modalities[ci];
            std::vector<size_t> cand;
            for (size_t j = 0; j < feature_ids[m].size(); ++j)
                if (feature_kept(m, j) && spread[m][j] > 0) cand.push_back(j);
            std::stable_sort(cand.begin(), cand.end(), [&](size_t a, size_t b) { return spread[m][a] > spread[m][b]; });
            if (study.clustering.top_variable > 0 && cand.size() > size_t(study.clustering.top_variable))
                cand.resize(study.clustering.top_variable);
            std::sort(cand.begin(), cand.end());
            const Block& b = blocks[m];
            std::vector<double> cols;  // column-major, this rank's selected columns
            size_t mine = 0;
            for (size_t j : cand)
                if (j >= b.c0 && j < b.c1) {
                    ++mine;
                    const double* v = b.values.data() + (j - b.c0) * n;
                    cols.insert(cols.end(), v, v + n);
                }
            auto all = comm.allgather(cols);
            size_t s = all.size() / std::max<size_t>(n, 1);
            Matrix Y(n, X.cols + s);
            for (size_t i = 0; i < n; ++i) {
                for (size_t j = 0; j < X.cols; ++j) Y(i, j) = X(i, j);
                for (size_t j = 0; j < s; ++j) Y(i, X.cols + j) = all[j * n + i];
            }
            X = std::move(Y);
            block_edges.push_back(X.cols);
            (void)mine;
        }
        comm.all_or_none([&] {
            if (X.cols == 0)
                throw Error(ErrorKind::DegenerateData, "no features are left for clustering after filtering",
                            "raise cohort.max_missing or check the inputs of clustering.modalities");
        });
        center_and_impute(X, study.clustering.center);
        if (study.clustering.modalities.size() > 1)
            for (size_t ci = 0; ci < study.clustering.modalities.size(); ++ci)
                scale_block(X, block_edges[ci], block_edges[ci + 1], study.clustering.weights[ci]);

        // a finished clustering of the same data with the same settings is taken from the stage cache
        const std::string cluster_key =
            comm.is_root() ? content_key({"precis clustering 2", data_key,
                                          resolved_settings(study.resolved, {"study.seed", "clustering"})})
                           : std::string();
        std::vector<int64_t> hit{0};
        ClusteringStage cs;
        comm.all_or_none([&] {
            std::string payload;
            if (comm.is_root() && load_stage(out, "clustering", cluster_key, payload)) {
                decode(payload, cs);
                hit[0] = 1;
            }
        });
        comm.broadcast(hit);
        if (hit[0]) {
            labels = cs.labels;
            comm.broadcast(labels);
            ks = std::move(cs.ks);
            chosen = size_t(cs.chosen);
            consensus = std::move(cs.consensus);
            n_landmarks = size_t(cs.n_landmarks);
            clustering_seconds = cs.seconds;
            if (comm.is_root()) stages_reused.push_back("clustering");
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            ClusteringResult cr = consensus_clustering(comm, X, cc, study.seed, kConsensusInStore);
            clustering_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ks = std::move(cr.ks);
            chosen = cr.chosen;
            labels = std::move(cr.labels);
            consensus = std::move(cr.consensus);
            n_landmarks = cr.landmarks.size();
            comm.stop_point("clustering was not finished and starts again on resume; the journal keeps the samples");
            comm.all_or_none([&] {
                if (comm.is_root())
                    save_stage(out, "clustering", cluster_key,
                               encode(ClusteringStage{ks, chosen, labels, consensus, n_landmarks, clustering_seconds}));
            });
        }
    }

    if (cc.enabled) stage_done("clustering");

    // 8. ranking: each rank tests the features of its blocks; rank 0 adjusts and sorts
    std::vector<Contrast> contrasts;
    std::vector<double> records;  // per test, kRecord values
    if (study.ranking.enabled) {
        std::vector<std::string> levels;
        std::vector<int> group(n, -1);
        {
            std::string lv;
            std::vector<int64_t> codes(n, -1);
            comm.all_or_none([&] {
                if (!comm.is_root()) return;
                if (study.ranking.groups == "subtype") {
                    int k = ks[chosen].k;
                    for (int l = 1; l <= k; ++l) levels.push_back(std::to_string(l));
                    for (size_t i = 0; i < n; ++i) codes[i] = labels[i] - 1;
                } else {
                    size_t col = std::find(study.phenotypes.begin(), study.phenotypes.end(), study.ranking.groups) -
                                 study.phenotypes.begin();
                    std::vector<std::string> vals;
                    for (size_t i = 0; i < n; ++i) vals.push_back(sheet.samples[kept[i]].phenotypes[col]);
                    if (!study.ranking.levels.empty()) {
                        levels = study.ranking.levels;
                        for (auto& l : levels)
                            if (std::find(vals.begin(), vals.end(), l) == vals.end())
                                throw Error(ErrorKind::InconsistentInput,
                                            study.path + ": ranking.levels names '" + l + "', but no sample that passed "
                                            "QC has that value in column '" + study.ranking.groups + "' of " + sheet.path,
                                            "list levels that occur in the sheet");
                    } else {
                        std::set<std::string> u;
                        for (auto& v : vals)
                            if (!v.empty() && v != "NA") u.insert(v);
                        levels.assign(u.begin(), u.end());
                    }
                    for (size_t i = 0; i < n; ++i) {
                        auto it = std::find(levels.begin(), levels.end(), vals[i]);
                        codes[i] = it == levels.end() ? -1 : it - levels.begin();
                    }
                }
                if (levels.size() < 2)
                    throw Error(ErrorKind::DegenerateData,
                                "ranking.groups '" + study.ranking.groups + "' has fewer than 2 groups among the samples",
                                "choose a grouping with at least two levels");
                lv = join(levels, '\n');
            });
            comm.broadcast(lv);
            comm.broadcast(codes);
            levels = split(lv, '\n');
            for (size_t i = 0; i < n; ++i) group[i] = int(codes[i]);
        }
        const std::string& test = study.ranking.test;
        contrasts = make_contrasts(levels);
        if (test == "kruskal") contrasts.clear();
        if (test == "kruskal" || (test == "moderated" && levels.size() > 2)) contrasts.push_back({"overall", -1, -1});
        // covariates (moderated): numbers as they are; other columns as indicators of their levels after the first
        std::vector<std::vector<double>> covs;
        {
            std::vector<double> flat;
            comm.all_or_none([&] {
                if (!comm.is_root()) return;
                for (const auto& cv : study.ranking.covariates) {
                    size_t col = size_t(std::find(study.phenotypes.begin(), study.phenotypes.end(), cv) -
                                        study.phenotypes.begin());
                    std::vector<std::string> vals;
                    for (size_t i = 0; i < n; ++i) vals.push_back(sheet.samples[kept[i]].phenotypes[col]);
                    for (auto& column : covariate_columns(vals)) flat.insert(flat.end(), column.begin(), column.end());
                }
            });
            comm.broadcast(flat);
            for (size_t c = 0; n && c < flat.size() / n; ++c)
                covs.emplace_back(flat.begin() + long(c * n), flat.begin() + long((c + 1) * n));
        }
        Design design;
        if (test == "moderated")
            comm.all_or_none([&] {
                try {
                    design = make_design(group, levels.size(), covs);
                } catch (const Error& e) {  // the study's choice of groups and covariates is at fault
                    throw_config(std::string(e.what()) + ": 'ranking.groups' (" + study.ranking.groups +
                                     ") with 'ranking.covariates' (" + join(study.ranking.covariates, ',') +
                                     "), named at " + study.origin_of("ranking.covariates"),
                                 e.hint());
                }
            });
        // a finished ranking of the same data, groups, covariates and settings is taken from the stage cache
        std::string rank_key;
        std::vector<int64_t> hit{0};
        comm.all_or_none([&] {
            if (!comm.is_root()) return;
            std::vector<double> design_in(group.begin(), group.end());
            for (auto& c : covs) design_in.insert(design_in.end(), c.begin(), c.end());
            rank_key = content_key({"precis ranking 1", data_key, resolved_settings(study.resolved, {"ranking"}),
                                    join(levels, '\n'), encode(design_in)});
            std::string payload;
            if (load_stage(out, "ranking", rank_key, payload)) {
                decode(payload, records);
                hit[0] = 1;
                stages_reused.push_back("ranking");
            }
        });
        comm.broadcast(hit);
        for (size_t mi = 0; mi < modalities.size() && !hit[0]; ++mi) {
            const std::string& m = modalities[mi];
            const Block& b = blocks[m];
            std::vector<std::vector<TestResult>> res(b.width());
            std::vector<double> s2_prior(b.width(), NaN), df_prior(b.width(), NaN);
            if (test == "moderated") {
                // limma: fit every feature, the variance prior from all of them (in feature order, so the same for
                // any number of ranks), then the moderated statistics
                std::vector<LinearFit> fits(b.width());
    #pragma omp parallel for schedule(dynamic, 16)
                for (long j = 0; j < long(b.width()); ++j)
                    if (feature_kept(m, b.c0 + size_t(j)))
                        fits[size_t(j)] = fit_linear(b.values.data() + size_t(j) * n, 1, design);
                std::vector<double> mine;
                for (size_t j = 0; j < b.width(); ++j)
                    if (feature_kept(m, b.c0 + j))
                        mine.insert(mine.end(), {double(b.c0 + j), fits[j].s2, fits[j].df, fits[j].amean});
                const std::vector<double> all = comm.allgather(mine);
                std::vector<size_t> order(all.size() / 4);
                std::iota(order.begin(), order.end(), 0);
                std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return all[4 * x] < all[4 * y]; });
                std::vector<double> s2v, dfv, amv;
                std::unordered_map<size_t, size_t> pos;
                double df_pooled = 0;
                for (size_t o : order) {
                    pos[size_t(all[4 * o])] = s2v.size();
                    s2v.push_back(all[4 * o + 1]);
                    dfv.push_back(all[4 * o + 2]);
                    amv.push_back(all[4 * o + 3]);
                    if (std::isfinite(dfv.back())) df_pooled += dfv.back();
                }
                const std::string& mod = study.ranking.moderation;
                const std::vector<double>* trend = mod == "trend" || mod == "trend_robust" ? &amv : nullptr;
                const bool robust = mod == "robust" || mod == "trend_robust";
                const VariancePrior prior =
                    robust ? fit_f_dist_robust(s2v, dfv, trend) : fit_f_dist(s2v, dfv, trend);
    #pragma omp parallel for schedule(dynamic, 16)
                for (long jj = 0; jj < long(b.width()); ++jj) {
                    const size_t j = size_t(jj);
                    if (!feature_kept(m, b.c0 + j)) continue;
                    const size_t at = pos.at(b.c0 + j);
                    s2_prior[j] = prior.s2_prior.size() == 1 ? prior.s2_prior[0] : prior.s2_prior[at];
                    df_prior[j] = prior.df_prior_each.empty() ? prior.df_prior : prior.df_prior_each[at];
                    res[j] = moderated_tests(fits[j], s2_prior[j], df_prior[j], df_pooled, design);
                    std::vector<double> a, bb;
                    for (size_t c = 0; c < contrasts.size(); ++c)
                        if (contrasts[c].level >= 0) {
                            contrast_sides(b.values.data() + j * n, n, 1, group, contrasts[c], a, bb);
                            res[j][c].auc = auc(a, bb);
                        }
                }
            } else {
    #pragma omp parallel for schedule(dynamic, 16)
                for (long j = 0; j < long(b.width()); ++j)
                    if (feature_kept(m, b.c0 + size_t(j)))
                        res[size_t(j)] = test_feature(b.values.data() + size_t(j) * n, n, 1, group, contrasts, test);
            }
            for (size_t j = 0; j < b.width(); ++j)
                for (size_t c = 0; c < res[j].size(); ++c) {
                    const TestResult& t = res[j][c];
                    records.insert(records.end(), {double(mi), double(b.c0 + j), double(c), t.statistic, t.effect, t.p,
                                                   t.df, s2_prior[j], df_prior[j], t.ci_low, t.ci_high, t.auc});
                }
        }
        blocks.clear();
        if (!hit[0]) {
            records = comm.allgather(records);
            comm.stop_point("ranking was not finished and starts again on resume; the journal keeps the samples");
            comm.all_or_none([&] {
                if (comm.is_root()) save_stage(out, "ranking", rank_key, encode(records));
            });
        }
    }

    if (study.ranking.enabled) stage_done("ranking");

    std::vector<double> peak_mib, cpu_seconds;  // rank 0: each rank's peak resident memory (MiB) and CPU time so far
    auto write_results = [&] {
        const size_t nrec = records.size() / kRecord;
        std::vector<std::vector<size_t>> by_contrast(contrasts.size());
        for (size_t r = 0; r < nrec; ++r) by_contrast[size_t(records[kRecord * r + 2])].push_back(r);
        std::vector<double> q(nrec, NaN);
        for (auto& rs : by_contrast) {
            std::vector<double> p;
            for (size_t r : rs) p.push_back(records[kRecord * r + 5]);
            auto adj = study.ranking.p_adjust == "BY" ? by_adjust(p) : bh_adjust(p);
            for (size_t i = 0; i < rs.size(); ++i) q[rs[i]] = adj[i];
        }
        std::vector<size_t> order(nrec);
        for (size_t r = 0; r < nrec; ++r) order[r] = r;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            double pa = records[kRecord * a + 5], pb = records[kRecord * b + 5];
            bool na = std::isnan(pa), nb = std::isnan(pb);
            if (na != nb) return nb;
            if (!na && pa != pb) return pa < pb;
            for (int f : {2, 0, 1})
                if (records[kRecord * a + f] != records[kRecord * b + f])
                    return records[kRecord * a + f] < records[kRecord * b + f];
            return false;
        });
        std::vector<BiomarkerRow> rows;
        rows.reserve(nrec);
        for (size_t r : order) {
            const double* rec = &records[kRecord * r];
            const std::string& m = modalities[size_t(rec[0])];
            rows.push_back({feature_ids[m][size_t(rec[1])], m, contrasts[size_t(rec[2])].name, study.ranking.test, rec[3],
                            rec[4], rec[5], q[r], rec[6], rec[7], rec[8], rec[9], rec[10], rec[11]});
        }
        std::vector<std::string> sample_ids;
        for (size_t i = 0; i < n; ++i) sample_ids.push_back(sheet.samples[kept[i]].id);

        if (study.ranking.enabled) write_biomarkers(out + "/biomarkers.tsv", rows);
        if (cc.enabled) {
            write_subtypes(out + "/subtypes.tsv", sample_ids, ks, chosen);
            write_clustering(out + "/clustering.tsv", ks, chosen);
        }

        // provenance
        const auto t_end = std::chrono::system_clock::now();
        nlohmann::ordered_json pj;
        pj["program"] = "precis";
        pj["version"] = PRECIS_VERSION;
        pj["git_commit"] = PRECIS_GIT_COMMIT;
        pj["command_line"] = opt.command_line;
        pj["study"] = {{"path", fs::absolute(study.path).string()}, {"name", study.name}, {"sha256", study_sha}};
        pj["workflow"] = study.workflow;
        pj["overrides"] = opt.overrides;
        pj["resolved_study"] = {{"path", fs::absolute(out + "/study.resolved.yaml").lexically_normal().string()},
                                {"sha256", sha256_string(study.resolved)},
                                {"yaml", study.resolved}};
        pj["seed"] = study.seed;
        pj["ranks"] = comm.size();
        pj["threads_per_rank"] = threads;
        // whether every matrix write was collective MPI-IO; null for a process without MPI (nothing to collect)
        pj["collective_io"] = comm.uses_mpi() ? nlohmann::ordered_json(collective_io) : nlohmann::ordered_json();
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        pj["host"] = host;
        pj["start_time"] = iso_time(t_start);
        nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
        inputs.push_back({{"role", "sample_sheet"}, {"path", study.sheet}, {"sha256", sheet_sha}});
        if (!genes_sha.empty())
            inputs.push_back({{"role", "genes_bed"}, {"path", study.genome.genes_bed}, {"sha256", genes_sha}});
        for (size_t i = 0; i < score_shas.size(); ++i)
            inputs.push_back({{"role", "pgs_scoring_file"}, {"path", study.genome.scores[i]}, {"sha256", score_shas[i]}});
        if (cohort_prot)
            inputs.push_back(
                {{"role", "proteome_cohort_file"}, {"path", study.proteome.cohort_file}, {"sha256", proteome_file_sha}});
        if (cohort_genome)
            inputs.push_back(
                {{"role", "genome_cohort_file"}, {"path", study.genome.cohort_file}, {"sha256", genome_file_sha}});
        for (size_t i = 0; i < n_sheet; ++i)
            for (auto [role, m] : {std::pair{"genome", &outcomes[i].genome}, std::pair{"proteome", &outcomes[i].proteome}})
                if (m->present && !(cohort_genome && m == &outcomes[i].genome) &&
                    !(cohort_prot && m == &outcomes[i].proteome))
                    inputs.push_back({{"role", role},
                                      {"sample_id", sheet.samples[i].id},
                                      {"path", m->path},
                                      {"sha256", m->sha256.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(m->sha256)}});
        pj["inputs"] = inputs;
        pj["samples"] = {{"in_sheet", n_sheet}, {"analysed", n}};
        if (cc.enabled) {
            pj["chosen_k"] = ks[chosen].k;
            pj["clustering_landmarks"] = n_landmarks;  // 0: consensus over every sample
            pj["clustering_seconds"] = clustering_seconds;
        }
        pj["peak_memory_mib_per_rank"] = peak_mib;  // before the results are written
        pj["cpu_seconds_per_rank"] = cpu_seconds;   // user + system, every thread of the rank
        pj["stage_seconds"] = stage_seconds;
        pj["stages"] = {{"clustering", cc.enabled}, {"ranking", study.ranking.enabled}};
        // what an earlier, interrupted (or finished) run in this folder had already done
        pj["resumed"] = {{"attempt", attempt[0]},
                         {"samples_from_journal", from_journal},
                         {"stages_from_cache", stages_reused}};

        // the store's names and annotations
        StoreAnnotations a;
        a.version = PRECIS_VERSION;
        a.obs.index = sample_ids;
        for (size_t p = 0; p < study.phenotypes.size(); ++p) {
            FrameColumn c;
            c.name = study.phenotypes[p];
            std::vector<std::string> vals;
            bool numeric = true;
            for (size_t i = 0; i < n; ++i) {
                const std::string& v = sheet.samples[kept[i]].phenotypes[p];
                vals.push_back(v);
                if (v.empty() || v == "NA") continue;
                char* end = nullptr;
                std::strtod(v.c_str(), &end);
                if (end != v.c_str() + v.size()) numeric = false;
            }
            c.numeric = numeric;
            if (numeric)
                for (auto& v : vals) c.numbers.push_back(v.empty() || v == "NA" ? NaN : std::strtod(v.c_str(), nullptr));
            else
                c.strings = vals, c.categorical = true;
            a.obs.columns.push_back(std::move(c));
        }
        for (auto& m : modalities) {
            ModalityAnnotations ma;
            ma.modality = m;
            const std::vector<size_t>& mr = rows_of[m];  // the global rows that have this modality
            std::vector<int> pos(n, -1);
            for (size_t k = 0; k < mr.size(); ++k) pos[mr[k]] = int(k);
            for (size_t r : mr) ma.obs.index.push_back(sample_ids[r]);
            ma.var.index = feature_ids[m];
            auto outcome = [&](size_t i) -> const ModalityOutcome& {
                return m == "genome" ? outcomes[kept[i]].genome : outcomes[kept[i]].proteome;
            };
            const auto& cols = m == "genome" ? genome_qc_columns() : proteome_qc_columns();
            for (size_t c = 0; c < cols.size(); ++c) {
                FrameColumn fc, g;
                fc.name = cols[c];
                g.name = m + ":" + cols[c];  // the global obs: NaN for samples without the modality
                fc.integer = g.integer = cols[c].rfind("n_", 0) == 0 || cols[c] == "qc_warning";  // counts
                for (size_t i = 0; i < n; ++i) {
                    const auto& mo = outcome(i);
                    const double v = pos[i] >= 0 && c < mo.qc.size() ? mo.qc[c] : NaN;
                    g.numbers.push_back(v);
                    if (pos[i] >= 0) fc.numbers.push_back(v);
                }
                a.obs.columns.push_back(std::move(g));
                ma.obs.columns.push_back(std::move(fc));
            }
            if (m == "genome") {
                FrameColumn sex{"inferred_sex", false, {}, {}, true}, g{"genome:inferred_sex", false, {}, {}, true};
                for (size_t i = 0; i < n; ++i) {
                    g.strings.push_back(pos[i] >= 0 ? outcome(i).inferred_sex : "");
                    if (pos[i] >= 0) sex.strings.push_back(outcome(i).inferred_sex);
                }
                a.obs.columns.push_back(std::move(g));
                ma.obs.columns.push_back(std::move(sex));
            }
            FrameColumn miss{"missing_fraction", true, missing_frac[m], {}, false};
            FrameColumn sp{"mad", true, spread[m], {}, false};
            FrameColumn used{"kept", true, {}, {}, false};
            for (size_t j = 0; j < feature_ids[m].size(); ++j) used.numbers.push_back(feature_kept(m, j) ? 1.0 : 0.0);
            ma.var.columns = {miss, sp, used};
        if (m == "proteome" && !feature_info.empty()) {
            FrameColumn up{"uniprot", false, {}, {}, false}, gene{"gene", false, {}, {}, false},
                panel{"panel", false, {}, {}, true}, warned{"assay_warnings", true, {}, {}, false};
            for (auto& id : feature_ids[m]) {
                auto it = feature_info.find(id);
                up.strings.push_back(it == feature_info.end() ? "" : it->second.uniprot);
                gene.strings.push_back(it == feature_info.end() ? "" : it->second.gene);
                panel.strings.push_back(it == feature_info.end() ? "" : it->second.panel);
                warned.numbers.push_back(it == feature_info.end() ? 0.0 : double(it->second.assay_warnings));
            }
            ma.var.columns.push_back(std::move(up));
            ma.var.columns.push_back(std::move(gene));
            ma.var.columns.push_back(std::move(panel));
            if (study.proteome.format == "olink_npx") ma.var.columns.push_back(std::move(warned));
        }
            for (size_t i = 0; i < n; ++i) ma.obsmap.push_back(pos[i] + 1);  // 0: the sample lacks the modality
            a.mods.push_back(std::move(ma));
        }
        if (cc.enabled) {
            FrameColumn sub;
            sub.name = "subtype";
            sub.numeric = false;
            sub.categorical = true;
            for (size_t i = 0; i < n; ++i) sub.strings.push_back(std::to_string(labels[i]));
            a.obs.columns.push_back(std::move(sub));
            a.embedding = pca_embedding(X, 2);
            a.embedding_dims = a.embedding.empty() ? 0 : 2;
            a.embedding_name = "X_pca";
        }
        for (auto& k : ks) {
            a.k.push_back(k.k);
            a.pac.push_back(k.pac);
            a.delta_area.push_back(k.delta_area);
            a.mean_silhouette.push_back(k.mean_silhouette);
            a.cdf_area.push_back(k.area);
            a.cdf.push_back(k.cdf);
            a.heatmaps.push_back({k.heatmap.bins, k.heatmap.values, k.heatmap.labels,
                                  std::vector<int>(k.heatmap.items.begin(), k.heatmap.items.end())});
        }
        a.chosen_k = cc.enabled ? ks[chosen].k : 0;
        a.landmarks = int(n_landmarks);
        a.consensus = std::move(consensus);
        pj["end_time"] = iso_time(t_end);
        // a path that is not UTF-8 (file names are bytes) is written with U+FFFD rather than refused
        const std::string pj_text = pj.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        a.provenance_json = pj_text;
        write_annotations(store_tmp, a);
        if (std::rename(store_tmp.c_str(), store_path.c_str()) != 0)
            throw_io("cannot rename " + store_tmp + " to " + store_path);
        write_report(out, pj_text);  // from the files just written; provenance.json, the finishing mark, last
        write_file_atomic(out + "/provenance.json", pj_text + "\n");
        std::string k_text = cc.enabled ? ", k = " + std::to_string(ks[chosen].k) : "";
        std::fprintf(stderr, "precis: done: %zu of %zu samples analysed%s; results in %s\n", n, n_sheet,
                     k_text.c_str(), out.c_str());
    };
    // 9. rank 0 writes the results; the store is renamed into place, then report.html, provenance.json last
    {
        const RankUsage u = rank_usage(comm);
        peak_mib = u.peak_mib;
        cpu_seconds = u.cpu_seconds;
    }
    comm.all_or_none([&] {
        if (comm.is_root()) write_results();
    });
    return 0;
}

}  // namespace precis

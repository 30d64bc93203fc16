// The input stages of `precis run`: per-sample files through the task farm, and cohort-wide files (a multi-sample
// VCF/BCF, an Olink NPX export, a MaxQuant table) spread over the ranks. Each leaves the feature vectors on the rank
// that made them and the outcomes (status, QC numbers, checksums) on rank 0.
#pragma once
#include <chrono>
#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "config/sheet.hpp"
#include "config/study.hpp"
#include "genome/genome.hpp"
#include "pipeline/messages.hpp"
#include "pipeline/resume.hpp"
#include "proteome/cohort.hpp"
#include "proteome/proteome.hpp"

namespace precis {

// How the study reads its genotype files (genome.qc.hard_call_threshold, genome.sample_ids).
inline GenotypeOptions genotype_options(const GenomeConfig& g) { return {g.hard_call_threshold, g.fid_iid}; }

class Comm;

// Progress of a stage on rank 0: done/total, rate, ETA, failures. Into a log file (a Slurm job's output) one plain
// line at each tenth of the work and at least once a minute, never a carriage return; on a terminal one line
// rewritten in place (at most twice a second) and ended when the stage is done.
struct Progress {
    const char* what = "samples";
    size_t total = 0, done = 0, failed = 0, next_report = 0;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last_line = start;
    bool terminal = false;  // set from isatty(stderr) by the constructor
    Progress();
    void tick(bool ok);
    // The line for the counts so far (no newline), as printed.
    std::string line() const;
};
// "45s", "12m05s", "3h07m": durations as a person reads them in a log.
std::string human_duration(double seconds);

// Where each protein id of a sample sits among the cohort's features, worked out once per shared id list (the
// samples of a cohort file share one).
class FeaturePositions {
public:
    static constexpr size_t kAbsent = size_t(-1);
    FeaturePositions() = default;
    // allow_absent: an id not in the cohort is at kAbsent (classify: a new sample's proteins the model lacks)
    explicit FeaturePositions(const std::vector<std::string>& cohort_ids, bool allow_absent = false);
    const std::vector<size_t>& of(const FeatureIds& ids);  // else throws std::out_of_range for an id not in the cohort

private:
    bool allow_absent_ = false;
    std::unordered_map<std::string, size_t> col_;
    std::map<const std::vector<std::string>*, std::vector<size_t>> known_;
};

// Per-rank state of the input stages: the feature vectors this rank made, by sheet index.
struct LocalFeatures {
    std::map<uint64_t, std::vector<float>> burden;
    std::map<uint64_t, ProteomeResult> proteome;
};

// The per-sample settings a study implies.
GenomeSettings genome_settings(const StudyConfig& s, const ScoreSet* scores);

// ModalityOutcome::score_info holds, per score: n_matched, n_flipped, n_ambiguous, n_mismatch, n_imputed.
constexpr size_t kScoreInfo = 5;
// Fills g.scores / g.score_info from one sample's sums; a score matched below min_overlap is refused (NaN).
void put_scores(ModalityOutcome& g, const ScoreSet& set, const ExactSum* sums, const int64_t* imputed,
                const std::vector<ScoreMatch>& match, double min_overlap);
ProteomeSettings proteome_settings(const StudyConfig& s);

// Pass or fail by the study's QC thresholds.
void genome_status(ModalityOutcome& g, const GenomeQC& q, const StudyConfig& s);
void proteome_status(ModalityOutcome& p, const ProteomeQC& q, const StudyConfig& s);
// The thresholds those apply, as a sentence for people ("a sample fails when ...").
std::string qc_thresholds(const StudyConfig& s, bool genome);
// Rank 0, after the genome stage: each sample's inferred_sex from sex_f, and a fail where it contradicts the
// sheet's genome.qc.sex_column (or is ambiguous while a sex is reported), as plink --check-sex's PROBLEM.
void check_sex(const StudyConfig& s, const SampleSheet& sheet, std::vector<SampleOutcome>& outcomes);

// A sample's per-sample files, checked and hashed (for its journal key); a file that is missing or unreadable is
// the sample's error, in the reason's words.
struct SampleInputs {
    std::string vcf_sha, proteome_sha;      // empty if absent or unreadable
    std::string vcf_stamp, proteome_stamp;  // their stamps (core/files.hpp), taken before they were hashed
    std::string vcf_error, proteome_error;  // the reason, if unreadable
    bool complete() const { return vcf_error.empty() && proteome_error.empty(); }
};
// `earlier`: the sample's outcome in an earlier run, if any; a file whose path and stamp are as it recorded keeps
// its checksum instead of being read again (a rerun after a settings change does not hash the cohort again).
SampleInputs hash_inputs(const SampleTask& t, const StudyConfig& s, const SampleOutcome* earlier = nullptr);

// One sample's per-sample files (a worker's task). A file's failure becomes the sample's error, never an abort;
// a stop request (ErrorKind::Interrupted) goes up. `pool`: decompression threads for the genome file (or null).
SampleOutcome process_sample(const SampleTask& t, const SampleInputs& in, const StudyConfig& s, const GeneSet* genes,
                             const ScoreSet* scores, hts::ThreadPool* pool, LocalFeatures& local, int rank);

// The journal as the cohort VCF stage uses it: each finished region is a record; a region whose record still
// matches is added from the journal instead of being read again.
struct RegionJournal {
    RankJournal* journal = nullptr;       // this rank's
    const JournalIndex* index = nullptr;  // rank 0's index (empty on the other ranks)
    std::string inputs_sha;               // rank 0: the genes and scoring files' checksums
};

// genome.cohort_file (collective): regions to workers as they become free; this rank's burden columns in
// `burden_cols` (gene -> one value per sheet sample); rank 0's `outcomes` get each sample's genome QC.
// Scores are columns n_genes + s of burden_cols, on rank 0. A region that cannot be read stops the run (exit 2), or
// under study.on_sample_error: skip is left out: its genes' burden and the scores with a variant in it become NaN,
// the QC counts come from the other regions; returns (rank 0) those regions: "contig:beg-end: why".
std::vector<std::string> cohort_genome_stage(Comm& comm, const StudyConfig& study, const SampleSheet& sheet,
                                             const GeneSet* genes, const ScoreSet* scores,
                                             std::map<uint32_t, std::vector<float>>& burden_cols,
                                             std::vector<SampleOutcome>& outcomes, const RegionJournal& rj);

// (collective) The kept samples' proteome rows (`row_of`: sheet index -> store row; n of them) over the cohort's
// features `ids`, as one matrix spread over the ranks that hold them: proteome.normalize: quantile, then
// proteome.impute. Rows become full: `values` over every feature in `ids` order, `ids` left empty. Returns each
// feature's missing fraction before imputation, on every rank (empty when neither step is asked for).
// `names`: the kept samples' ids in store-row order, on rank 0 (for errors); `sheet`: every rank's sheet (MinProb's
// stream of each sample is that of its id).
// `refs` gets the cohort's references (for the subtype model): the quantile reference, half_min's feature minima,
// MinProb's SD.
struct ProteomeReferences {
    std::vector<double> quantile_reference, feature_min;
    double impute_sd = 0;
};
// Whether the study's proteome has cohort steps (quantile or plate-median normalisation, imputation), which work on
// the kept samples' values as doubles; without them each value goes to the store as float32 and nothing else.
bool proteome_cohort_steps(const StudyConfig& study);
std::vector<double> finish_proteome_matrix(Comm& comm, const StudyConfig& study, const std::vector<std::string>& ids,
                                           LocalFeatures& local, const SheetRows& row_of,
                                           size_t n, const std::vector<std::string>& names, const SampleSheet& sheet,
                                           ProteomeReferences* refs = nullptr);

// proteome.cohort_file (collective): see inputs.cpp. `sheet` is on every rank.
void cohort_proteome(Comm& comm, const StudyConfig& s, const SampleSheet& sheet, LocalFeatures& local,
                     std::vector<SampleOutcome>& outcomes, std::map<std::string, FeatureInfo>& info,
                     std::vector<std::string>& warnings);

}  // namespace precis

// The stages of `precis run`, in the order run_study calls them (docs/architecture.md, "The run, stage by stage").
// Each is a collective function with a typed result. What only rank 0 has lives in RootState, which exists on rank 0
// only: a stage that needs it takes a `RootState*` that is null on every other rank.
//
// Adding a stage: one new file with a function `Result my_stage(Comm&, const Inputs&, ...)` and, if its result is
// worth keeping across a killed run, a StageCache::run call keyed on what it was computed from; then one line in
// run_study.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "classify/model.hpp"
#include "cluster/cluster.hpp"
#include "config/sheet.hpp"
#include "config/study.hpp"
#include "core/threads.hpp"
#include "genome/genome.hpp"
#include "genome/scores.hpp"
#include "parallel/comm.hpp"
#include "pipeline/inputs.hpp"
#include "pipeline/messages.hpp"
#include "pipeline/outputs.hpp"
#include "pipeline/resume.hpp"
#include "pipeline/run.hpp"
#include "ranking/ranking.hpp"
#include "store/store.hpp"
#include "structure/structure.hpp"
#include "survival/survival.hpp"

namespace precis {

// What rank 0 alone holds during a run.
struct RootState {
    JournalIndex journal;                  // the journal's latest record of each sample and region
    std::vector<SampleOutcome> outcomes;   // one per sheet row: status, QC numbers, checksums
    std::string study_sha, sheet_sha, genes_sha;
    std::vector<std::string> score_shas;   // one per PGS scoring file
    std::string annotation_sha;            // genome.features.gene_burden.annotation_table
    // the contents of the files every sample's genome features depend on (genes, scores, consequence table)
    std::string feature_files_sha() const {
        std::string s = genes_sha;
        for (auto& x : score_shas) s += x;
        return s + annotation_sha;
    }
    std::string genome_file_sha, proteome_file_sha;  // cohort files: checksummed on a thread of their own while
    std::future<std::string> genome_file_hashing, proteome_file_hashing;  // their samples are processed
    std::future<void> qc_tables;  // qc/*.tsv, written by select_cohort on a thread of their own (finish_cohort)
    std::future<std::string> data_key_making;  // the cohort's content key, also on a thread (finish_cohort)
    std::vector<std::pair<std::string, std::string>> genome_companion_shas;  // a PLINK fileset's .bim and .fam
    std::map<std::string, FeatureInfo> feature_info;  // proteome cohort files' feature annotations
    size_t samples_from_journal = 0;
    std::vector<std::string> skipped_regions;  // cohort genome regions left out (on_sample_error: skip)
    std::vector<std::string> stages_reused;  // cohort stages taken from the stage cache
    std::string finished_inputs;   // for the finished-run stamp (resume.hpp), taken at the start
    std::string unchanged_since;   // the end time of the finished run this one would repeat, if any
    struct {  // population structure (structure_stage), for provenance
        bool done = false;
        size_t samples = 0, variants = 0, pca_variants = 0, relatives = 0;
        bool dropped = false, projected = false, approx = false;
    } structure;
};

// Step 1 (every rank): the checked study and sheet, the inputs every rank reads, the thread policy.
struct Inputs {
    StudyConfig study;
    SampleSheet sheet;  // broadcast once: every rank derives ids, groups, covariates and phenotypes from it
    GeneSet genes;
    ScoreSet scores;
    bool have_genes = false, have_scores = false;
    ThreadPolicy threads;  // OpenMP threads per rank, htslib's decompression pool
    int attempt = 1;   // this run's attempt number in the output folder
    bool classifying = false;  // precis classify: QC's survivors are not a cohort (one sample, or none, will do)
    bool unchanged = false;    // the output folder holds this study's finished results, from these inputs: no work
    const GeneSet* gene_set() const { return have_genes ? &genes : nullptr; }
    const ScoreSet* score_set() const { return have_scores ? &scores : nullptr; }
    bool cohort_genome() const { return study.genome.enabled && !study.genome.cohort_file.empty(); }
    bool cohort_proteome() const { return study.proteome.enabled && !study.proteome.cohort_file.empty(); }
    bool per_sample() const {
        return (study.proteome.enabled && !cohort_proteome()) || (study.genome.enabled && !cohort_genome());
    }
};
// Checks the study, sheet, inputs and output folder on rank 0 (every problem ends the run with exit 2 before work
// starts), takes the folder, and gives every rank the resolved study and the sheet.
Inputs gather_inputs(Comm& comm, const RunOptions& opt, RootState* root);

// Step 2 (every rank): the feature vectors this rank made; outcomes go to rank 0.
struct Features {
    LocalFeatures local;                                  // per-sample results, by sheet index
    std::map<uint32_t, std::vector<float>> burden_cols;  // a cohort VCF's gene columns this rank owns
};
// float32: the proteome values a rank keeps are narrowed to the store's float32 as each sample is done (after its
// journal record, which keeps the doubles), for a run whose proteome has no cohort steps (proteome_cohort_steps).
Features process_samples(Comm& comm, const Inputs& in, RankJournal& journal, RootState* root, bool float32 = false);

// Step 2b (every rank): population structure from the cohort VCF (pipeline/structure.cpp): genetic ancestry PCs and
// KING-robust relatedness over the samples whose genome passed QC. Rank 0 writes ancestry/ and relatedness/ and
// fails the relatives that leave (genome.relatedness.drop_related); every rank gets the PCs as the phenotype
// columns PC1...
constexpr int kPcaIterations = 10;  // subspace iterations of the randomized PCA
struct Structure {
    bool ancestry = false, relatedness = false;
    std::vector<int64_t> samples;              // sheet indices analysed
    size_t variants = 0, pca_variants = 0;     // selected; in the PCA (pruned, not excluded)
    std::vector<KingPair> pairs;               // at least genome.relatedness.report_kinship (indices into samples)
    std::vector<uint32_t> related;             // samples left out of the PCA (and, with drop_related, the cohort)
    Pcs pcs;                                   // of the PCA's samples
    std::vector<std::vector<double>> values;   // per sample: its PCs (projected for the relatives)
    bool projected = false;
    bool approx = false;                       // the randomized PCA (above genome.ancestry.approx_above samples)
    size_t outliers = 0;                       // flagged in qc/genome.tsv (ancestry_outlier)
    std::vector<std::string> weights_text;     // (rank 0, while writing)
};
Structure structure_stage(Comm& comm, Inputs& in, RootState* root);

// Step 3 (every rank): the samples that go on to the cohort stages.
struct Cohort {
    std::vector<int64_t> kept;  // sheet indices, in sheet order: the store's rows
    // each modality's rows: the kept samples that have it (a sample may lack one modality)
    std::map<Modality, std::vector<size_t>> rows_of;                   // rows of `kept` that have it, ascending
    std::map<Modality, SheetRows> row_of;         // sheet index -> its row in the modality
    // the content key of what the cohort stages start from: the kept samples' results and every setting of the
    // samples' processing and the cohort matrix
    std::string data_key;
    size_t size() const { return kept.size(); }
    std::vector<std::string> ids(const SampleSheet& sheet) const;
    // a phenotype column's values over the kept samples
    std::vector<std::string> column(const Inputs& in, const std::string& phenotype) const;
    std::vector<std::string> column(const Inputs& in, size_t phenotype_index) const;  // of study.phenotypes
};
// Rank 0 writes the QC tables and applies the error policy; every rank gets the kept samples. The tables are still
// being written when it returns, and the cohort's data_key made (each on a thread of rank 0's own, while the store is
// written): finish_cohort before anything changes root->outcomes or uses data_key.
Cohort select_cohort(Comm& comm, const Inputs& in, RootState* root);
// Collective: rank 0 waits for the QC tables and the key; an error in either is every rank's; every rank gets the key.
void finish_cohort(Comm& comm, Cohort& cohort, RootState* root);
// Waits for select_cohort's threads when it goes out of scope (an error unwinding past select_cohort must not destroy
// what they read): declare it after the Inputs and the RootState.
struct CohortThreadsGuard {
    RootState* root;
    ~CohortThreadsGuard() {
        if (root && root->qc_tables.valid()) root->qc_tables.wait();
        if (root && root->data_key_making.valid()) root->data_key_making.wait();
    }
};
// The kept samples: those that passed in every modality they have (and have one).
std::vector<int64_t> passing_samples(const std::vector<SampleOutcome>& outcomes);
// Which kept samples have which modality: (rows_of, row_of) from has[modality][row].
void modality_rows(Cohort& c, const std::vector<int64_t>& has_genome, const std::vector<int64_t>& has_proteome);

// Steps 4-5 (every rank): feature ids, the proteome's cohort steps, and the store written collectively.
struct Matrices {
    std::vector<Modality> modalities;                         // in store order
    std::map<Modality, std::vector<std::string>> feature_ids;  // ids, in column order
    std::vector<double> proteome_missing;  // per protein, before imputation (empty when nothing was imputed)
    bool collective_io = true;             // every matrix write was collective MPI-IO
    std::string store_tmp, store_path;     // cohort.h5mu.partial until the results are written
    std::map<Modality, std::vector<std::string>> layers;  // matrices under mod/<m>/layers (adjust_stage)
    ProteomeReferences proteome_refs;      // the proteome's cohort references (for the subtype model)
};
Matrices write_store(Comm& comm, const Inputs& in, const Cohort& cohort, Features&& features);

// Step 6 (every rank): a block of each modality's features, and every feature's missingness and spread.
// A block's values are (c1 - c0) x n kept samples, feature-major, NaN where the modality is absent: as the store
// holds them (float32, half the memory of double), or computed from them (double: the adjusted values). They are
// widened to double a feature at a time where they are used.
struct Block {
    size_t c0 = 0, c1 = 0;         // the features [c0, c1) of the modality
    size_t n = 0;                  // values per feature
    std::vector<float> stored;     // as the store holds them, or
    std::vector<double> computed;  // computed (then `stored` is empty)
    bool released = false;         // its values were let go (release_values)
    size_t width() const { return c1 - c0; }
    // feature j's (0-based in the block) n values: in place when computed, else widened into `scratch`
    const double* column(size_t j, std::vector<double>& scratch) const;
};
// body(j, scratch) for j in [0, width), in parallel (OpenMP's dynamic schedule, `chunk` at a time), each thread with
// a scratch vector of its own for Block::column
template <class Body>
void each_column(size_t width, int chunk, Body&& body) {
#pragma omp parallel
    {
        std::vector<double> scratch;
#pragma omp for schedule(dynamic, chunk)
        for (long j = 0; j < long(width); ++j) body(size_t(j), scratch);
    }
}
struct FeatureStats {
    std::vector<Modality> modalities;  // Matrices::modalities
    std::map<Modality, Block> blocks;
    std::map<Modality, std::vector<double>> missing_frac, spread;  // spread: mad
    double max_missing = 1;
    // kept for clustering and ranking: missing in at most cohort.max_missing, spread defined
    bool kept(Modality m, size_t j) const;
};
FeatureStats feature_stats(Comm& comm, const Inputs& in, const Cohort& cohort, const Matrices& mx);
// Each modality's block of this rank's features read from the store, widened to every kept sample (NaN where the
// modality is absent): at the filtering stage, and again for ranking once clustering let them go.
void read_blocks(Comm& comm, const Cohort& cohort, const Matrices& mx, FeatureStats& fs);
// The blocks' values let go (their columns and the statistics stay): the clustered rows take their place in memory.
void release_values(FeatureStats& fs);

// Step 6b (every rank): clustering.adjust's confounders removed from the values clustering uses
// (pipeline/adjust.cpp); the adjusted values also go into the store (mod/<m>/layers/adjusted, recorded in mx).
struct Adjusted {
    bool enabled = false;
    FeatureStats stats;  // the clustered modalities' blocks after adjustment, and their spread
    std::map<Modality, size_t> left_as_is;  // features ComBat could not adjust (constant within a batch, ...)
    // how a new sample is adjusted (the subtype model): its columns' coding, and each feature of this rank's block's
    // row of the recipe (linear: the removed terms' coefficients; combat: its fit, see AdjustRecipe)
    std::map<Modality, AdjustRecipe> recipe;
    std::map<Modality, std::vector<double>> coefficients;  // block width x recipe.width(), row-major
};
Adjusted adjust_stage(Comm& comm, const Inputs& in, const Cohort& cohort, const FeatureStats& fs, Matrices& mx);

// The stage cache as one protocol, for any cohort stage whose result is worth keeping across a killed run.
class StageCache {
public:
    StageCache(Comm& comm, std::string output, RootState* root) : comm_(comm), output_(std::move(output)), root_(root) {}
    // `compute` runs on every rank unless the cache holds `name`'s result under `key` (the same on every rank);
    // then every rank gets the kept result instead. A computed result is saved by rank 0 once every rank has
    // finished it (a stop before that point leaves the stage to be computed again on resume).
    template <class Result, class Compute>
    Result run(const std::string& name, const std::string& key, Compute&& compute) {
        Result r;
        std::string payload;
        if (lookup(name, key, payload)) {
            comm_.all_or_none([&] { decode(payload, r); });
            return r;
        }
        r = compute();
        save(name, key, [&] { return encode(r); });
        return r;
    }

private:
    bool lookup(const std::string& name, const std::string& key, std::string& payload);  // collective
    void save(const std::string& name, const std::string& key, const std::function<std::string()>& payload);
    Comm& comm_;
    std::string output_;
    RootState* root_;
};

// Step 7 (every rank): consensus clustering (pipeline/clustering.cpp).
struct Subtypes {
    bool enabled = false;
    // the matrix clustered (samples x selected features, centred and weighted): this rank's rows of it, from row0
    // (clustered_rows: whole blocks of rows, in rank order)
    Matrix X;
    size_t row0 = 0;
    std::vector<double> embedding;  // rank 0: every sample's scores on the clustered rows' 2 principal axes
    ClusteringStage fit;  // ks (one per k) and chosen on rank 0; labels on every rank
    int k = 0;            // the chosen k, on every rank
    // k of clustering.k that were not tried, with why (more classes than distinct sample profiles)
    std::vector<std::pair<int, std::string>> k_skipped;
    bool adjusted = false;  // clustered the values of clustering.adjust (adjust_stage)
    std::map<Modality, size_t> left_as_is;
    // how X was made, for the subtype model: per modality of clustering.modalities, its selected columns; per
    // column of X, its centre; per modality, its weight's factor
    std::vector<std::vector<size_t>> selected;
    std::vector<double> centres, scales;
};
// The blocks' values are let go once the rows are made (release_values). `store`: the cohort store the blocks' values
// came from, unchanged (the rows are then read from it once the blocks are let go, so that the two are never held
// together); empty when they were computed (clustering.adjust): the rows are then sent from the blocks.
Subtypes cluster_stage(Comm& comm, const Inputs& in, const Cohort& cohort, FeatureStats& fs, const std::string& store,
                       StageCache& cache);
// The stage cache's key of a clustering: the cohort's data and every setting it depends on.
std::string clustering_key(const StudyConfig& study, const std::string& data_key);
// The `top_variable` features of one modality by spread, among those kept with spread > 0, in column order.
std::vector<size_t> select_features(const FeatureStats& fs, Modality m, size_t n_features, int top_variable);

// Step 7b (every rank): the subtype model (pipeline/model.cpp): none when clustering found no structure.
std::optional<SubtypeModel> model_stage(Comm& comm, const Inputs& in, const Cohort& cohort, const Matrices& mx,
                                        const Subtypes& subtypes, const Adjusted& adjusted);

// Step 8 (every rank): biomarker ranking (pipeline/ranking.cpp).
struct BiomarkerRecord {
    uint32_t modality = 0;  // index into Matrices::modalities
    uint64_t feature = 0;   // column of the modality
    uint32_t contrast = 0;  // index into Ranking::contrasts
    double statistic = 0, effect = 0, p = 0, df = 0;
    double s2_prior = 0, df_prior = 0;  // limma's priors (moderated test only, else NaN)
    double ci_low = 0, ci_high = 0, auc = 0;
    double n = NAN, events = NAN, note = 0;  // test: cox: samples and events fitted; why the numbers are missing
};
// test: cox: why a feature's Cox model has no (or doubtful) numbers; "" for none
std::string cox_note(int code);
struct Ranking {
    bool enabled = false;
    std::string skipped;  // why ranking.enabled did not rank (provenance, report)
    std::vector<Contrast> contrasts;
    std::vector<BiomarkerRecord> records;  // on rank 0 (every rank when computed): one per feature and contrast
};
// The groups of ranking.groups over the kept samples: levels and each sample's level (-1: none).
struct Groups {
    std::vector<std::string> levels;
    std::vector<int> code;
};
Groups ranking_groups(const Inputs& in, const Cohort& cohort, const Subtypes& subtypes);
// The stage cache's key of a ranking: the cohort's data, the ranking settings, the groups and the covariates.
std::string ranking_key(const StudyConfig& study, const std::string& data_key, const Groups& g,
                        const std::vector<std::vector<double>>& covariates);
// Reads the blocks again if clustering let them go, and lets them go when done.
Ranking rank_stage(Comm& comm, const Inputs& in, const Cohort& cohort, const Matrices& mx, FeatureStats& fs,
                   const Subtypes& subtypes, StageCache& cache);
// Step 8b (rank 0): the subtypes against each endpoint of outcomes: (pipeline/survival.cpp, docs/survival.md).
// An endpoint's follow-up of the given samples (sheet indices): the samples with a time, an event and every
// covariate and stratum (the others counted in `missing`); a value that is none of these is a Config error naming
// the sheet line, the sample and the key.
// The samples of an endpoint with its follow-up and its covariates, in order of time (equal times in the sheet's
// order).
struct EndpointData {
    std::vector<int64_t> samples;  // the sheet's indices of the samples analysed
    SurvTimes times;
    // the sheet's columns of the endpoint's covariates and strata (the sheet outlives this), read through
    // covariate() and stratum() rather than copied per sample: at 200,000 samples the copies' fresh memory cost more
    // than the analysis
    std::vector<const TextColumn*> covariates, strata;
    long missing = 0;
    std::string_view covariate(size_t c, size_t i) const { return (*covariates[c])[size_t(samples[i])]; }
    std::string_view stratum(size_t c, size_t i) const { return (*strata[c])[size_t(samples[i])]; }
};
EndpointData endpoint_data(const StudyConfig& s, const SampleSheet& sheet, const Endpoint& ep,
                           const std::vector<int64_t>& samples);
struct SubtypeSurvival {
    int subtype = 0;
    KmCurve curve;
    KmMedian median{};
    double hr = NAN, hr_low = NAN, hr_high = NAN, p_value = NAN;  // against the reference (1 for it)
};
struct SurvivalTest {
    std::string test, groups;
    double statistic, df, p_value, q_value;
};
struct SurvivalEndpoint {
    std::string name, unit;
    long n = 0, events = 0, missing = 0;
    int reference = 0;
    std::vector<SubtypeSurvival> subtypes;
    std::vector<SurvivalTest> tests;
    std::string cox_problem;  // "" or why the Cox model's numbers are missing or doubtful
};
struct SurvivalResults {
    bool enabled = false;
    std::string skipped;  // why the subtypes were not compared ("" when they were)
    std::vector<SurvivalEndpoint> endpoints;
};
SurvivalResults survival_stage(const Inputs& in, const Cohort& cohort, const Subtypes& subtypes);
// An endpoint's covariates as Cox model columns (numbers, or indicators of their levels after the first), each
// covariate's columns in `terms`, numbered from first_column (a covariate with one value over the samples is a
// Config error naming its key); the matrix has `leading` columns before them, left for the caller to fill. And each
// sample's stratum (the combined levels of the strata columns, numbered in sorted order; empty without strata).
Eigen::MatrixXd endpoint_covariates(const StudyConfig& s, const EndpointData& d, const Endpoint& ep,
                                    std::vector<std::vector<int>>& terms, int first_column, int leading = 0);
std::vector<int> endpoint_strata(const EndpointData& d);

// biomarkers.tsv's rows: q-values per contrast (BH or BY), sorted by p, then contrast, modality, feature.
std::vector<BiomarkerRow> biomarker_rows(const Ranking& r, const Matrices& mx, const StudyConfig& study);
// The records' flat form (for an allgather and the stage cache) and back.
std::vector<double> flatten(const std::vector<BiomarkerRecord>& records);
std::vector<BiomarkerRecord> unflatten(const std::vector<double>& flat);

// Step 9 (rank 0): provenance (pipeline/provenance.cpp) and the store's annotations (pipeline/outputs.cpp).
// The wall time of each stage on rank 0 (the ranks move through the stages together), for provenance and the report.
class StageClock {
public:
    void done(const char* stage);  // the stage that ends now began when the previous one ended
    const std::vector<std::pair<std::string, double>>& seconds() const { return seconds_; }

private:
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, double>> seconds_;
};
// What describes the run rather than its results.
struct RunFacts {
    const RunOptions* options = nullptr;
    std::chrono::system_clock::time_point start, end;
    int ranks = 1;
    bool uses_mpi = false;  // false: a process without MPI
    RankUsage usage;        // each rank's peak memory and CPU time before the results are written
    const StageClock* clock = nullptr;
};
// provenance.json's text (also the store's uns/provenance and the report's source). Writes inputs.tsv.gz, the
// samples' own input files with their checksums, which it names. `model`: the subtype model written (null: none).
std::string provenance_json(const RunFacts& run, const Inputs& in, const RootState& root, const Cohort& cohort,
                            const Matrices& mx, const Subtypes& subtypes, const Ranking& ranking,
                            const SubtypeModel* model, const SurvivalResults& survival);
// survival.tsv, survival_tests.tsv, survival_curves.tsv and survival_mqc.tsv (docs/survival.md).
void write_survival(const std::string& out, const SurvivalResults& s);
// An ISO 8601 UTC time, as provenance writes them.
std::string iso_time(std::chrono::system_clock::time_point t);
// Moves the consensus matrices out of `subtypes` (the store is their last use). The per-sample obs columns are made
// as they are written (FrameColumn::make), from `in`, `root`, `cohort` and `subtypes`: write the result before any
// of them changes or goes.
StoreAnnotations store_annotations(const Inputs& in, const RootState& root, const Cohort& cohort, const Matrices& mx,
                                   const FeatureStats& fs, Subtypes& subtypes);

}  // namespace precis

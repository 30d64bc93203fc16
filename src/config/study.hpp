// The study definition: plain structs, filled by layering built-in defaults, a workflow preset, the study file and
// command-line overrides, each checked against the schema (config/schema.hpp). resolve_study() lists every problem
// at once, each as FILE:LINE:COL: message (fix: ...).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/choices.hpp"

namespace precis {

struct GenomeConfig {
    bool enabled = false;
    std::string path_column;      // per-sample VCF/BCF column of the sheet
    std::string cohort_file;      // or one multi-sample indexed VCF/BCF (resolved path)
    double min_call_rate = 0.0;
    bool pass_only = false;
    int min_dp = 0, min_gq = 0;
    double hard_call_threshold = 0.1;  // BGEN calls from dosages
    bool fid_iid = false;              // PLINK sample ids: FID_IID instead of IID
    bool sex_from_fam = false;         // the reported sex is the .fam's, not a sheet column's
    Frequencies frequencies = Frequencies::Auto;  // resolved: Cohort, InfoAf or None
    XPar x_par = XPar::Auto;
    double female_max_f = 0.2, male_min_f = 0.8;
    double max_abs_het_f = 0;  // 0 = no threshold
    std::string sex_column;
    std::string genes_bed;        // resolved path, empty = no burden features
    double max_af = 1.0;
    BurdenAf af = BurdenAf::Info;
    std::vector<std::string> consequences;  // empty = no filter
    Annotation annotation = Annotation::Auto;
    std::string annotation_table;  // consequences from a per-variant table instead ("" = from the VCF's INFO)
    std::vector<std::string> scores;  // resolved PGS Catalog scoring files
    double score_min_overlap = 0.75;
    ScoreMissing score_missing = ScoreMissing::Mean;
    struct {
        bool enabled = false;
        int pcs = 10;
        double maf = 0.01, max_missing = 0.1;
        int window = 50, step = 5;
        double r2 = 0.2;
        int approx_above = 5000;  // samples; above them the randomized PCA
        int outlier_pcs = 4;
        std::string color_by;  // a sheet column for the report's PC plots
        double outlier_mads = 6;
        std::string exclude;  // resolved path of a BED, or empty
    } ancestry;
    struct {
        bool enabled = false;
        double max_kinship = 0.0884, report_kinship = 0.0442;
        bool drop_related = false;
    } relatedness;
    // whether `column` is a PC that genome.ancestry makes (PC1 .. PC<pcs>), rather than a sheet column
    bool is_pc_column(const std::string& column) const;
};

struct ProteomeConfig {
    bool enabled = false;
    std::string path_column;
    std::string cohort_file;           // resolved path (olink_npx, maxquant)
    Measure measure = Measure::LfqIntensity;
    BelowLod below_lod = BelowLod::Keep;
    ProteomeFormat format = ProteomeFormat::Tsv;
    std::string id_column = "protein_id";
    std::string value_column = "abundance";
    Transform transform = Transform::Log2;
    Normalize normalize = Normalize::Median;
    Impute impute = Impute::None;
    double min_detected_fraction = 0.0;
    bool fail_qc_warning = false;
};

// Confounders removed from the clustered values (docs/adjustment.md): on when a batch or covariates are named.
struct AdjustConfig {
    AdjustMethod method = AdjustMethod::Linear;  // limma removeBatchEffect, or sva ComBat for the batch
    std::string batch;                     // a sheet column: plate, site
    std::vector<std::string> covariates;   // sheet columns whose effects are removed
    std::vector<std::string> preserve;     // sheet columns whose effects are kept (the design)
    bool mean_only = false;                // combat: batch means only
    std::string ref_batch;                 // combat: the batch the others are adjusted to
    bool enabled() const { return !batch.empty() || !covariates.empty(); }
    // every column named, with the key that names it: batch, covariates, preserve
    std::vector<std::pair<std::string, std::string>> named_columns() const;
};

struct ClusteringConfig {
    bool enabled = true;
    std::vector<Modality> modalities;
    std::vector<double> weights;
    int top_variable = 5000;
    Center center = Center::Median;
    Algorithm algorithm = Algorithm::Kmeans;
    Distance distance = Distance::Euclidean;
    LinkageMethod linkage = LinkageMethod::Average;        // final clustering of 1 - consensus
    LinkageMethod inner_linkage = LinkageMethod::Average;  // hc of each resample
    int landmarks = 2000;                   // above this many samples, consensus on this many landmarks
    int k_min = 2, k_max = 6;
    int resamples = 1000;
    double item_fraction = 0.8;
    double feature_fraction = 1.0;
    ChooseK choose_k = ChooseK::Pac;
    AdjustConfig adjust;
    // clustering.null_test (docs/clustering.md): M3C's Monte Carlo test of each k against structureless references
    struct NullTestConfig {
        bool enabled = false;  // also when choose_k is null
        int references = 5;
        int resamples = 0;     // per reference; 0: 2/5 of clustering.resamples, at least 50
        double alpha = 0.05;
        // the resamples of each reference (and of the real data's test PAC)
        int resamples_for(int clustering_resamples) const {
            return resamples > 0 ? resamples : std::max(50, clustering_resamples * 2 / 5);
        }
    } null_test;
    // the subtype model's classifier (docs/classify.md)
    int model_folds = 10;       // cross-validation folds for the shrinkage threshold
    int model_thresholds = 30;  // thresholds tried
};

struct RankingConfig {
    bool enabled = true;
    std::string groups = "subtype";
    std::vector<std::string> levels;
    RankTest test = RankTest::Welch;
    std::vector<std::string> covariates;
    Moderation moderation = Moderation::Standard;  // the moderated test's variance prior
    PAdjust p_adjust = PAdjust::BH;
    double fdr = 0.05;
    std::string endpoint;  // test: cox
};

// `precis classify` (docs/classify.md).
struct ClassifyConfig {
    double min_probability = 0.8;       // below: status low_confidence
    double max_missing_features = 0.2;  // above this share of the model's features missing: status fail
    int permutations = 1000;            // validation.tsv's IGP p-values
    int validation_samples = 10000;     // the IGP's nearest neighbours among at most this many (a random subset)
};

// An endpoint of outcomes: (docs/survival.md): where each sample's follow-up time and event are in the sheet.
struct Endpoint {
    std::string name;
    std::string time, start, end, event;  // sheet columns: time, or start and end dates
    std::vector<std::string> event_values, censor_values, covariates, strata;
    std::string reference;                 // a subtype number, or "" for the largest subtype
    std::string unit = "days";
};
struct SurvivalConfig {
    std::string pairwise_adjust = "BH";  // BH | holm
    std::vector<double> at_risk;          // the report's at-risk times; empty: automatic
};

struct ResourcesConfig {
    int nodes = 1, ntasks = 8, cpus_per_task = 2;
    std::string time = "02:00:00", mem_per_cpu = "4G", partition, account;
    Launcher launcher = Launcher::Srun;
    int save_before = 300;          // seconds before the time limit: --signal
    std::string template_path;      // resolved; empty = built-in
    std::vector<std::string> sbatch_options;  // more #SBATCH options, --name[=value]
};

struct StudyConfig {
    std::string path;          // the study file as given
    std::string text;          // its YAML text
    std::string resolved;      // the resolved study as YAML: every key, absolute paths; runs to the same results
    std::string workflow;
    std::string name;
    uint64_t seed = 1;
    std::string output;        // resolved output folder
    OnSampleError on_sample_error = OnSampleError::Fail;
    std::string sheet;         // resolved sample sheet path
    std::string id_column = "sample_id";
    // samples.phenotypes, then ranking.groups and ranking.covariates if not already listed: the sheet columns that
    // are carried into the outputs
    std::vector<std::string> phenotypes;
    std::vector<std::string> listed_phenotypes;  // samples.phenotypes alone, as the study lists them
    GenomeConfig genome;
    ProteomeConfig proteome;
    double max_missing = 0.2;
    ClusteringConfig clustering;
    RankingConfig ranking;
    ClassifyConfig classify;
    std::vector<Endpoint> outcomes;  // by name
    SurvivalConfig survival;
    ResourcesConfig resources;
    // where each key's value came from ("study.yaml:12:5", "workflows/qc-only.yaml:3:3", "--set k=v", "default"),
    // so that later checks (against the sheet) can point at it
    std::vector<std::pair<std::string, std::string>> origins;
    std::string origin_of(const std::string& key) const;
    bool is_set(const std::string& key) const;  // given by a preset, the study or the command line
};

// Resolves the study at `path` with command-line overrides ("clustering.k.max=8"). Problems are appended to
// `problems` (one line each, FILE:LINE:COL: message (fix: ...)); the returned study is complete only if none.
// `output` (from --output) overrides study.output last.
StudyConfig resolve_study(const std::string& path, const std::vector<std::string>& overrides,
                          std::vector<std::string>& problems, const std::string& output = {});
// Same, throwing a Config error that lists every problem.
StudyConfig load_study(const std::string& path, const std::vector<std::string>& overrides = {});
// Parses a study from text (no file read); `path` names it in messages and anchors relative paths.
StudyConfig parse_study(const std::string& text, const std::string& path,
                        const std::vector<std::string>& overrides = {});

std::string resolve_path(const std::string& base_dir, const std::string& p);

// Some keys of a resolved study ("genome", "clustering", "study.seed"), each as "key: <its YAML>" on its own line,
// for content keys: the same settings give the same text. An absent key gives "key: ~".
std::string resolved_settings(const std::string& resolved, const std::vector<std::string>& keys);
// A key's value as the resolved study spells it ("1.0", "1000"), for text meant for people; "" if not a scalar.
std::string setting_text(const StudyConfig& s, const std::string& key);

}  // namespace precis

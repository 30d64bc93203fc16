// The study definition: plain structs with defaults, filled from YAML and checked in one place.
// load_study() reports every problem it finds at once, each as FILE:LINE:COL: message (fix: ...).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace precis {

struct GenomeConfig {
    bool enabled = false;
    std::string path_column;      // per-sample VCF/BCF column of the sheet
    double min_call_rate = 0.0;   // qc.min_call_rate
    bool pass_only = false;       // qc.pass_only: only FILTER=PASS (or .) sites count
    std::string genes_bed;        // features.gene_burden.genes (resolved path), empty = no burden features
    double max_af = 1.0;          // features.gene_burden.max_af, applied to INFO/AF where present
};

struct ProteomeConfig {
    bool enabled = false;
    std::string path_column;
    std::string format = "tsv";
    std::string id_column = "protein_id";
    std::string value_column = "abundance";
    std::string transform = "log2";   // log2 | none
    std::string normalize = "median"; // none | median
    double min_detected_fraction = 0.0;
};

struct ClusteringConfig {
    std::vector<std::string> modalities;  // default: every enabled modality
    std::vector<double> weights;          // one per modality, default 1
    int top_variable = 5000;
    std::string center = "median";        // none | median | mean
    std::string algorithm = "kmeans";
    std::string distance = "euclidean";
    int k_min = 2, k_max = 6;
    int resamples = 1000;
    double item_fraction = 0.8;
    double feature_fraction = 1.0;
    std::string choose_k = "pac";         // pac | delta_area | silhouette | fixed
};

struct RankingConfig {
    std::string groups = "subtype";
    std::vector<std::string> levels;
    std::string test = "welch";
    std::vector<std::string> covariates;
    double fdr = 0.05;
};

struct ResourcesConfig {
    int nodes = 1, ntasks = 8, cpus_per_task = 2;
    std::string time = "02:00:00", mem_per_cpu = "4G", partition, account;
};

struct StudyConfig {
    std::string path;      // the study file as given
    std::string dir;       // its folder: relative paths resolve against it
    std::string text;      // the YAML text, for provenance and for sending to other ranks
    std::string name;
    uint64_t seed = 1;
    std::string output;    // resolved output folder
    std::string on_sample_error = "fail";
    std::string workflow;
    std::string sheet;     // resolved sample sheet path
    std::string id_column = "sample_id";
    std::vector<std::string> phenotypes;
    GenomeConfig genome;
    ProteomeConfig proteome;
    double max_missing = 0.2;
    ClusteringConfig clustering;
    RankingConfig ranking;
    ResourcesConfig resources;
};

// Parse and check a study from its YAML text. `path` is used for messages and to resolve relative paths.
// Throws Error(Config) listing every problem, one per line.
StudyConfig parse_study(const std::string& text, const std::string& path);
StudyConfig load_study(const std::string& path);

// Resolve p against base folder unless absolute.
std::string resolve_path(const std::string& base_dir, const std::string& p);

}  // namespace precis

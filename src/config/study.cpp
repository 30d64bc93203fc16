#include "config/study.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "core/error.hpp"
#include "core/table.hpp"

namespace fs = std::filesystem;

namespace precis {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

// Collects every problem with its position; thrown together at the end.
class Checker {
public:
    explicit Checker(std::string path) : path_(std::move(path)) {}

    void add(const YAML::Mark& m, const std::string& msg, const std::string& hint = {}) {
        std::string s = where(path_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0) + msg;
        if (!hint.empty()) s += " (fix: " + hint + ")";
        problems_.push_back(s);
    }
    void add_top(const std::string& msg, const std::string& hint = {}) { add(YAML::Mark::null_mark(), msg, hint); }

    // Checks that `node` is a map whose keys are all in `allowed`; reports unknown keys with a suggestion.
    bool check_map(const YAML::Node& node, const std::string& section, const std::vector<std::string>& allowed) {
        if (!node) return false;
        if (!node.IsMap()) {
            add(node.Mark(), "'" + section + "' must be a mapping of keys to values");
            return false;
        }
        for (auto it = node.begin(); it != node.end(); ++it) {
            std::string key = it->first.as<std::string>();
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string best;
            size_t bd = 99;
            for (auto& a : allowed) {
                size_t d = edit_distance(key, a);
                if (d < bd) bd = d, best = a;
            }
            std::string prefix = section.empty() ? "" : section + ".";
            if (bd <= 3)
                add(it->first.Mark(), "unknown key '" + prefix + key + "'", "did you mean '" + prefix + best + "'?");
            else {
                std::string list;
                for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                add(it->first.Mark(), "unknown key '" + prefix + key + "'", "known keys here: " + list);
            }
        }
        return true;
    }

    template <class T>
    void get(const YAML::Node& map, const char* key, T& out, const std::string& section) {
        if (!map || !map.IsMap()) return;
        YAML::Node n = map[key];
        if (!n) return;
        try {
            out = n.as<T>();
        } catch (const YAML::Exception&) {
            add(n.Mark(), "'" + section + "." + key + "' has the wrong type", "expected " + type_name<T>());
        }
    }

    void get_list(const YAML::Node& map, const char* key, std::vector<std::string>& out, const std::string& section) {
        if (!map || !map.IsMap()) return;
        YAML::Node n = map[key];
        if (!n) return;
        if (n.IsScalar()) {
            out = {n.as<std::string>()};
            return;
        }
        if (!n.IsSequence()) {
            add(n.Mark(), "'" + section + "." + key + "' must be a list", "write it as [a, b]");
            return;
        }
        out.clear();
        for (const auto& e : n) {
            if (!e.IsScalar()) {
                add(e.Mark(), "'" + section + "." + key + "' entries must be plain values");
                continue;
            }
            out.push_back(e.as<std::string>());
        }
    }

    void one_of(const YAML::Node& map, const char* key, const std::string& value, const std::string& section,
                const std::vector<std::string>& allowed) {
        if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
        std::string list;
        for (auto& a : allowed) list += (list.empty() ? "" : " | ") + a;
        add(mark_of(map, key), "'" + section + "." + key + "' is '" + value + "'", "use one of: " + list);
    }

    void range(const YAML::Node& map, const char* key, double v, double lo, double hi, bool lo_open,
               const std::string& section) {
        bool ok = (lo_open ? v > lo : v >= lo) && v <= hi;
        if (!ok || std::isnan(v))
            add(mark_of(map, key), "'" + section + "." + key + "' is " + fmt(v) + ", outside " +
                                       (lo_open ? "(" : "[") + fmt(lo) + ", " + fmt(hi) + "]");
    }

    static YAML::Mark mark_of(const YAML::Node& map, const char* key) {
        if (map && map.IsMap() && map[key]) return map[key].Mark();
        if (map) return map.Mark();
        return YAML::Mark::null_mark();
    }

    const std::vector<std::string>& problems() const { return problems_; }

private:
    template <class T>
    static std::string type_name() {
        if constexpr (std::is_same_v<T, bool>) return "true or false";
        if constexpr (std::is_integral_v<T>) return "a whole number";
        if constexpr (std::is_floating_point_v<T>) return "a number";
        return "a text value";
    }
    std::string path_;
    std::vector<std::string> problems_;
};

}  // namespace

std::string resolve_path(const std::string& base_dir, const std::string& p) {
    if (p.empty()) return p;
    fs::path q(p);
    if (q.is_absolute()) return p;
    return (fs::path(base_dir) / q).lexically_normal().string();
}

StudyConfig parse_study(const std::string& text, const std::string& path) {
    StudyConfig s;
    s.path = path;
    s.text = text;
    s.dir = fs::path(path).parent_path().string();
    if (s.dir.empty()) s.dir = ".";

    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw Error(ErrorKind::Config,
                    where(path, e.mark.line + 1, e.mark.column + 1) + "not valid YAML: " + e.msg,
                    "correct the YAML syntax at that position");
    }
    Checker c(path);
    if (!root || !root.IsMap()) {
        c.add_top("the study file must be a YAML mapping with at least 'study' and 'samples'");
        throw Error(ErrorKind::Config, c.problems().front());
    }
    c.check_map(root, "",
                {"study", "workflow", "samples", "genome", "proteome", "cohort", "clustering", "ranking", "resources"});

    // study
    YAML::Node st = root["study"];
    if (!st) {
        c.add(root.Mark(), "missing section 'study'", "add 'study: {name: my_study}'");
    } else if (c.check_map(st, "study", {"name", "seed", "output", "on_sample_error"})) {
        c.get(st, "name", s.name, "study");
        c.get(st, "seed", s.seed, "study");
        c.get(st, "output", s.output, "study");
        c.get(st, "on_sample_error", s.on_sample_error, "study");
        c.one_of(st, "on_sample_error", s.on_sample_error, "study", {"fail", "skip"});
        if (!st["name"])
            c.add(st.Mark(), "missing 'study.name'", "add a name made of letters, digits, '.', '_' or '-'");
        else if (!std::regex_match(s.name, std::regex("[A-Za-z0-9._-]+")))
            c.add(st["name"].Mark(), "'study.name' is '" + s.name + "'",
                  "use only letters, digits, '.', '_' and '-'");
    }
    if (root["workflow"]) {
        c.get(root, "workflow", s.workflow, "");
        c.add(root["workflow"].Mark(), "workflow presets are not available in this version of precis",
              "remove the 'workflow' key and set the values in the study file");
    }
    s.output = resolve_path(s.dir, s.output.empty() ? "results/" + s.name : s.output);

    // samples
    YAML::Node sa = root["samples"];
    if (!sa) {
        c.add(root.Mark(), "missing section 'samples'", "add 'samples: {sheet: samples.tsv}'");
    } else if (c.check_map(sa, "samples", {"sheet", "id_column", "phenotypes"})) {
        c.get(sa, "sheet", s.sheet, "samples");
        c.get(sa, "id_column", s.id_column, "samples");
        c.get_list(sa, "phenotypes", s.phenotypes, "samples");
        if (s.sheet.empty()) c.add(sa.Mark(), "missing 'samples.sheet'", "name the TSV or CSV sample sheet");
        s.sheet = resolve_path(s.dir, s.sheet);
    }

    // genome
    YAML::Node ge = root["genome"];
    if (c.check_map(ge, "genome", {"path_column", "cohort_file", "qc", "features"})) {
        s.genome.enabled = true;
        c.get(ge, "path_column", s.genome.path_column, "genome");
        if (ge["cohort_file"])
            c.add(ge["cohort_file"].Mark(), "'genome.cohort_file' is not available in this version",
                  "give one VCF per sample with 'genome.path_column'");
        else if (s.genome.path_column.empty())
            c.add(ge.Mark(), "missing 'genome.path_column'", "name the sheet column that holds each sample's VCF");
        YAML::Node q = ge["qc"];
        if (c.check_map(q, "genome.qc", {"min_call_rate", "pass_only"})) {
            c.get(q, "min_call_rate", s.genome.min_call_rate, "genome.qc");
            c.range(q, "min_call_rate", s.genome.min_call_rate, 0, 1, false, "genome.qc");
            c.get(q, "pass_only", s.genome.pass_only, "genome.qc");
        }
        YAML::Node f = ge["features"];
        if (c.check_map(f, "genome.features", {"gene_burden", "scores"})) {
            if (f["scores"])
                c.add(f["scores"].Mark(), "'genome.features.scores' (polygenic scores) is not available in this version",
                      "remove it");
            YAML::Node gb = f["gene_burden"];
            if (c.check_map(gb, "genome.features.gene_burden", {"genes", "max_af"})) {
                c.get(gb, "genes", s.genome.genes_bed, "genome.features.gene_burden");
                c.get(gb, "max_af", s.genome.max_af, "genome.features.gene_burden");
                c.range(gb, "max_af", s.genome.max_af, 0, 1, true, "genome.features.gene_burden");
                if (s.genome.genes_bed.empty())
                    c.add(gb.Mark(), "missing 'genome.features.gene_burden.genes'", "name a BED file of genes");
                s.genome.genes_bed = resolve_path(s.dir, s.genome.genes_bed);
            }
        }
    }

    // proteome
    YAML::Node pr = root["proteome"];
    if (c.check_map(pr, "proteome", {"path_column", "cohort_file", "format", "id_column", "value_column", "transform",
                                     "normalize", "impute", "qc"})) {
        auto& p = s.proteome;
        p.enabled = true;
        c.get(pr, "path_column", p.path_column, "proteome");
        c.get(pr, "format", p.format, "proteome");
        c.get(pr, "id_column", p.id_column, "proteome");
        c.get(pr, "value_column", p.value_column, "proteome");
        c.get(pr, "transform", p.transform, "proteome");
        c.get(pr, "normalize", p.normalize, "proteome");
        c.one_of(pr, "format", p.format, "proteome", {"tsv"});
        c.one_of(pr, "transform", p.transform, "proteome", {"log2", "none"});
        c.one_of(pr, "normalize", p.normalize, "proteome", {"none", "median"});
        std::string impute = "none";
        c.get(pr, "impute", impute, "proteome");
        c.one_of(pr, "impute", impute, "proteome", {"none"});
        if (pr["cohort_file"])
            c.add(pr["cohort_file"].Mark(), "'proteome.cohort_file' is not available in this version",
                  "give one table per sample with 'proteome.path_column'");
        else if (p.path_column.empty())
            c.add(pr.Mark(), "missing 'proteome.path_column'", "name the sheet column that holds each sample's table");
        YAML::Node q = pr["qc"];
        if (c.check_map(q, "proteome.qc", {"min_detected_fraction"})) {
            c.get(q, "min_detected_fraction", p.min_detected_fraction, "proteome.qc");
            c.range(q, "min_detected_fraction", p.min_detected_fraction, 0, 1, false, "proteome.qc");
        }
    }
    if (!s.genome.enabled && !s.proteome.enabled)
        c.add(root.Mark(), "the study has no modality", "add a 'genome' or a 'proteome' section (or both)");

    // cohort
    YAML::Node co = root["cohort"];
    if (c.check_map(co, "cohort", {"max_missing"})) {
        c.get(co, "max_missing", s.max_missing, "cohort");
        c.range(co, "max_missing", s.max_missing, 0, 1, false, "cohort");
    }

    // clustering
    auto& k = s.clustering;
    YAML::Node cl = root["clustering"];
    if (c.check_map(cl, "clustering", {"modalities", "top_variable", "center", "algorithm", "distance", "linkage", "k",
                                       "resamples", "item_fraction", "feature_fraction", "choose_k"})) {
        if (YAML::Node m = cl["modalities"]) {
            if (!m.IsSequence()) {
                c.add(m.Mark(), "'clustering.modalities' must be a list", "e.g. [proteome] or [proteome, {genome: 0.5}]");
            } else {
                for (const auto& e : m) {
                    if (e.IsScalar()) {
                        k.modalities.push_back(e.as<std::string>());
                        k.weights.push_back(1.0);
                    } else if (e.IsMap() && e.size() == 1) {
                        k.modalities.push_back(e.begin()->first.as<std::string>());
                        double w = 1.0;
                        try {
                            w = e.begin()->second.as<double>();
                        } catch (const YAML::Exception&) {
                            c.add(e.Mark(), "a modality weight must be a number");
                        }
                        if (!(w > 0)) c.add(e.Mark(), "a modality weight must be positive");
                        k.weights.push_back(w);
                    } else {
                        c.add(e.Mark(), "a 'clustering.modalities' entry must be a name or {name: weight}");
                    }
                }
            }
        }
        c.get(cl, "top_variable", k.top_variable, "clustering");
        if (k.top_variable < 0) c.add(cl["top_variable"].Mark(), "'clustering.top_variable' must be >= 0");
        c.get(cl, "center", k.center, "clustering");
        c.one_of(cl, "center", k.center, "clustering", {"none", "median", "mean"});
        c.get(cl, "algorithm", k.algorithm, "clustering");
        c.one_of(cl, "algorithm", k.algorithm, "clustering", {"kmeans"});
        c.get(cl, "distance", k.distance, "clustering");
        c.one_of(cl, "distance", k.distance, "clustering", {"euclidean"});
        std::string linkage = "average";
        c.get(cl, "linkage", linkage, "clustering");
        c.one_of(cl, "linkage", linkage, "clustering", {"average"});
        YAML::Node kk = cl["k"];
        if (c.check_map(kk, "clustering.k", {"min", "max"})) {
            c.get(kk, "min", k.k_min, "clustering.k");
            c.get(kk, "max", k.k_max, "clustering.k");
            if (k.k_min < 2) c.add(Checker::mark_of(kk, "min"), "'clustering.k.min' must be at least 2");
            if (k.k_min > k.k_max)
                c.add(Checker::mark_of(kk, "max"), "'clustering.k.min' (" + std::to_string(k.k_min) +
                                                       ") is larger than 'clustering.k.max' (" +
                                                       std::to_string(k.k_max) + ")",
                      "make k.min <= k.max");
        }
        c.get(cl, "resamples", k.resamples, "clustering");
        if (k.resamples < 1) c.add(Checker::mark_of(cl, "resamples"), "'clustering.resamples' must be at least 1");
        c.get(cl, "item_fraction", k.item_fraction, "clustering");
        c.range(cl, "item_fraction", k.item_fraction, 0, 1, true, "clustering");
        c.get(cl, "feature_fraction", k.feature_fraction, "clustering");
        c.range(cl, "feature_fraction", k.feature_fraction, 0, 1, true, "clustering");
        c.get(cl, "choose_k", k.choose_k, "clustering");
        c.one_of(cl, "choose_k", k.choose_k, "clustering", {"pac", "delta_area", "silhouette", "fixed"});
        if (k.choose_k == "fixed" && k.k_min != k.k_max)
            c.add(Checker::mark_of(cl, "choose_k"), "'clustering.choose_k: fixed' needs k.min == k.max",
                  "set k: {min: K, max: K}");
    }
    if (k.modalities.empty()) {
        if (s.proteome.enabled) k.modalities.push_back("proteome"), k.weights.push_back(1.0);
        if (s.genome.enabled) k.modalities.push_back("genome"), k.weights.push_back(1.0);
    }
    for (auto& m : k.modalities) {
        bool ok = (m == "genome" && s.genome.enabled) || (m == "proteome" && s.proteome.enabled);
        if (!ok)
            c.add(Checker::mark_of(cl, "modalities"), "'clustering.modalities' names '" + m +
                                                          "', which the study does not define",
                  "use genome or proteome, with its section present");
    }

    // ranking
    YAML::Node ra = root["ranking"];
    if (c.check_map(ra, "ranking", {"groups", "levels", "test", "covariates", "fdr"})) {
        c.get(ra, "groups", s.ranking.groups, "ranking");
        c.get_list(ra, "levels", s.ranking.levels, "ranking");
        c.get(ra, "test", s.ranking.test, "ranking");
        c.one_of(ra, "test", s.ranking.test, "ranking", {"welch"});
        c.get_list(ra, "covariates", s.ranking.covariates, "ranking");
        if (!s.ranking.covariates.empty())
            c.add(Checker::mark_of(ra, "covariates"), "'ranking.covariates' is not available with the welch test",
                  "remove the covariates");
        c.get(ra, "fdr", s.ranking.fdr, "ranking");
        c.range(ra, "fdr", s.ranking.fdr, 0, 1, true, "ranking");
        if (s.ranking.groups != "subtype" &&
            std::find(s.phenotypes.begin(), s.phenotypes.end(), s.ranking.groups) == s.phenotypes.end())
            c.add(Checker::mark_of(ra, "groups"), "'ranking.groups' is '" + s.ranking.groups +
                                                      "', which is neither 'subtype' nor a phenotype",
                  "list the column in 'samples.phenotypes' or use 'subtype'");
    }

    // resources
    YAML::Node re = root["resources"];
    if (c.check_map(re, "resources",
                    {"nodes", "ntasks", "cpus_per_task", "time", "mem_per_cpu", "partition", "account"})) {
        auto& r = s.resources;
        c.get(re, "nodes", r.nodes, "resources");
        c.get(re, "ntasks", r.ntasks, "resources");
        c.get(re, "cpus_per_task", r.cpus_per_task, "resources");
        c.get(re, "time", r.time, "resources");
        c.get(re, "mem_per_cpu", r.mem_per_cpu, "resources");
        c.get(re, "partition", r.partition, "resources");
        c.get(re, "account", r.account, "resources");
    }

    if (!c.problems().empty()) {
        std::string msg;
        for (auto& p : c.problems()) msg += (msg.empty() ? "" : "\n") + p;
        throw Error(ErrorKind::Config, msg);
    }
    return s;
}

StudyConfig load_study(const std::string& path) {
    if (fs::is_directory(path)) throw_config(path + ": is a folder; give the study's YAML file");
    std::string text;
    try {
        text = read_file(path);
    } catch (const Error&) {
        throw_config(path + ": cannot read the study file", "check the path");
    }
    return parse_study(text, path);
}

}  // namespace precis

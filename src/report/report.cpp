#include "report/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>

#include "config/study.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/stats.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "ranking/ranking.hpp"
#include "report/svg.hpp"
#include "store/model_file.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;

namespace precis {
namespace {

using json = nlohmann::ordered_json;
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
using svg::esc;

double number(const std::string& s) {
    double v = NaN;
    return !is_missing(s) && parse_double(s, v) ? v : NaN;
}

std::string fmt_p(double p) {
    if (!std::isfinite(p)) return "NA";
    char buf[32];
    std::snprintf(buf, sizeof buf, p < 1e-3 ? "%.2e" : "%.3g", p);
    return buf;
}

std::string fmt_n(double v, int digits = 4) { return std::isfinite(v) ? fmt(v, digits) : "NA"; }
// a number of provenance.json, NaN where it is null (JSON has no NaN: nlohmann writes it as null) or absent
double number_or_nan(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

std::string pct(double a, double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", b > 0 ? 100.0 * a / b : 0.0);
    return buf;
}

// One text column's rows in one buffer: a std::vector<std::string> costs 32 bytes a row before its text.
class TextColumn {
public:
    void reserve(size_t rows) { end_.reserve(rows); }
    void push_back(std::string_view s) {
        chars_.append(s);
        end_.push_back(chars_.size());
    }
    std::string_view operator[](size_t r) const {
        const size_t b = r ? end_[r - 1] : 0;
        return std::string_view(chars_).substr(b, end_[r] - b);
    }

private:
    std::string chars_;
    std::vector<size_t> end_;
};

// Each row of a results table, split at tabs: `header` gets the first line's fields, `row` every later non-empty
// line's (checked to have as many). Streams: nothing of the table is held.
template <typename Header, typename Row>
void each_row(const std::string& path, Header&& header, Row&& row) {
    LineReader in(path);
    std::string_view line;
    size_t width = 0;
    while (in.next(line)) {
        if (line.empty()) continue;
        const std::vector<std::string> f = split_fields_at(std::string(line), '\t', path, in.line_number());
        if (width == 0) {
            width = f.size();
            header(f);
            continue;
        }
        if (f.size() != width)
            throw Error(ErrorKind::MalformedInput,
                        path + ":" + std::to_string(in.line_number()) + ": " + std::to_string(f.size()) +
                            " fields where the header has " + std::to_string(width),
                        "this file is written by precis run: run the study again to rewrite it");
        row(f);
    }
}

// The rows after the header (the lines that are not empty): a first pass, so that the columns are made at their
// size rather than grown (a vector grown by doubling holds up to twice its values, and once more while it moves).
size_t count_rows(const std::string& path) {
    LineReader in(path);
    std::string_view line;
    size_t n = 0;
    while (in.next(line)) n += !line.empty();
    return n ? n - 1 : 0;
}

// The columns of a results table that the report uses, read in one streaming pass (a QC table of 500,000 samples
// is not held as strings): text columns as text, number columns parsed (NA and blanks as NaN); nums {"*"}: every
// column not named in `text`. Columns the file lacks are left out; `header` keeps the file's order.
struct Columns {
    std::string path;
    std::vector<std::string> header;
    size_t n = 0;  // rows
    std::map<std::string, TextColumn> text;
    std::map<std::string, std::vector<double>> nums;
};

Columns read_columns(const std::string& path, const std::vector<std::string>& text,
                     const std::vector<std::string>& nums) {
    Columns t;
    t.path = path;
    const size_t rows = count_rows(path);
    std::vector<std::pair<size_t, TextColumn*>> want_text;
    std::vector<std::pair<size_t, std::vector<double>*>> want_num;
    each_row(
        path,
        [&](const std::vector<std::string>& f) {
            t.header = f;
            const bool all = nums.size() == 1 && nums[0] == "*";
            for (size_t c = 0; c < f.size(); ++c) {
                const bool is_text = std::find(text.begin(), text.end(), f[c]) != text.end();
                if (is_text) want_text.push_back({c, &t.text[f[c]]}), want_text.back().second->reserve(rows);
                if ((all && !is_text) || std::find(nums.begin(), nums.end(), f[c]) != nums.end())
                    want_num.push_back({c, &t.nums[f[c]]}), want_num.back().second->reserve(rows);
            }
        },
        [&](const std::vector<std::string>& f) {
            for (auto& [c, v] : want_text) v->push_back(f[c]);
            for (auto& [c, v] : want_num) v->push_back(number(f[c]));
            ++t.n;
        });
    return t;
}

// One column of those: s(r) its text, d(r) its number.
struct Col {
    const TextColumn* text = nullptr;
    const std::vector<double>* nums = nullptr;
    Col(const Columns& t, const std::string& name) {
        if (auto it = t.text.find(name); it != t.text.end()) text = &it->second;
        if (auto it = t.nums.find(name); it != t.nums.end()) nums = &it->second;
    }
    bool ok() const { return text || nums; }
    std::string s(size_t r) const { return text ? std::string((*text)[r]) : nums ? fmt((*nums)[r]) : std::string(); }
    double d(size_t r) const { return nums ? (*nums)[r] : text ? number(std::string((*text)[r])) : NaN; }
};

// A QC table (qc/<modality>.tsv) summarised in two streaming passes, so that the table of 500,000 samples is never
// held: the samples by status, the first failures, and each metric's histogram over the samples that were read
// (neither absent nor errors).
struct QcMetric {
    std::string name;
    double lo = INFINITY, hi = -INFINITY;  // over the finite values
    std::optional<svg::Histogram> histogram;  // when lo < hi
};
struct QcTable {
    std::string modality;
    std::vector<std::string> header;
    size_t n = 0;
    std::map<std::string, size_t> status;               // samples by status
    std::vector<std::vector<std::string>> first_bad;    // the first 100 failures and errors: id, status, reason
    std::map<std::string, size_t> why;                  // by the metric named first in the reason; errors together
    size_t n_bad = 0;
    std::vector<QcMetric> metrics;                      // the number columns, in the table's order
    std::map<std::string, std::vector<double>> thresholds;  // metric: the thresholds that decide pass or fail
};

constexpr size_t kQcBins = 30, kQcListed = 100;

std::map<std::string, std::vector<double>> qc_thresholds(const StudyConfig& study, const std::string& modality) {
    std::map<std::string, std::vector<double>> t;
    if (modality == "genome") {
        const GenomeConfig& g = study.genome;
        t["call_rate"] = {g.min_call_rate};
        if (g.max_abs_het_f > 0) t["het_f"] = {-g.max_abs_het_f, g.max_abs_het_f};
        t["sex_f"] = {g.female_max_f, g.male_min_f};
    } else {
        t["detected_fraction"] = {study.proteome.min_detected_fraction};
    }
    return t;
}

std::optional<QcTable> read_qc(const std::string& path, const std::string& modality, const StudyConfig& study) {
    if (!fs::exists(path)) return std::nullopt;
    QcTable q;
    q.modality = modality;
    q.thresholds = qc_thresholds(study, modality);
    const std::vector<std::string> text{"sample_id", "status", "reason", "inferred_sex"};
    std::vector<size_t> metric_col;  // per metric, its column
    size_t id_col = size_t(-1), status_col = size_t(-1), reason_col = size_t(-1);
    const auto header = [&](const std::vector<std::string>& f) {
        q.header = f;
        for (size_t c = 0; c < f.size(); ++c) {
            if (f[c] == "sample_id") id_col = c;
            if (f[c] == "status") status_col = c;
            if (f[c] == "reason") reason_col = c;
            if (std::find(text.begin(), text.end(), f[c]) == text.end()) {
                metric_col.push_back(c);
                q.metrics.emplace_back().name = f[c];
            }
        }
    };
    const auto field = [](const std::vector<std::string>& f, size_t c) { return c < f.size() ? f[c] : std::string(); };
    // a sample's metrics count when it was read: neither absent nor an error
    const auto read = [&](const std::string& st) { return st != "absent" && st != "error"; };
    each_row(path, header, [&](const std::vector<std::string>& f) {
        ++q.n;
        const std::string st = field(f, status_col);
        ++q.status[st];
        if (st == "fail" || st == "error") {
            const std::string reason = field(f, reason_col);
            ++q.why[st == "error" ? "could not be read (error)" : reason.substr(0, reason.find(' '))];
            if (++q.n_bad <= kQcListed) q.first_bad.push_back({field(f, id_col), st, reason});
        }
        if (!read(st)) return;
        for (size_t m = 0; m < q.metrics.size(); ++m)
            if (const double x = number(f[metric_col[m]]); std::isfinite(x))
                q.metrics[m].lo = std::min(q.metrics[m].lo, x), q.metrics[m].hi = std::max(q.metrics[m].hi, x);
    });
    bool any = false;
    for (QcMetric& m : q.metrics)
        if (m.lo < m.hi) m.histogram.emplace(m.lo, m.hi, q.thresholds[m.name], kQcBins), any = true;
    if (any)  // the second pass: the histograms' counts
        each_row(path, [](const std::vector<std::string>&) {}, [&](const std::vector<std::string>& f) {
            if (!read(field(f, status_col))) return;
            for (size_t m = 0; m < q.metrics.size(); ++m)
                if (q.metrics[m].histogram) q.metrics[m].histogram->add(number(f[metric_col[m]]));
        });
    return q;
}

struct Results {
    std::string dir;
    json prov;
    StudyConfig study;  // the resolved study, read by the config module (its defaults where a key is absent)
    std::optional<QcTable> qc_genome, qc_proteome;
    std::optional<Columns> clustering, subtypes, biomarkers;
    std::optional<Columns> pcs, eigenvalues, pairs;  // ancestry/ and relatedness/
    std::optional<Columns> null_refs;                // clustering_null.tsv
    std::optional<Columns> survival, survival_tests, survival_curves;
    bool no_structure() const {
        return prov.contains("clustering_null_test") && prov["clustering_null_test"].value("no_structure", false);
    }
    std::optional<StoreSummary> store;
    std::optional<SubtypeModel> model;  // model/subtype_model.h5
    std::vector<std::string> phenotypes;
};

std::optional<Columns> columns_if(const std::string& path, const std::vector<std::string>& text,
                                  const std::vector<std::string>& nums) {
    if (!fs::exists(path)) return std::nullopt;
    return read_columns(path, text, nums);
}

// The folder holds what its provenance says the run wrote, and the files agree with one another: a report of a
// damaged or mixed-up folder would show a wrong answer as if it were the run's.
void check_complete(const Results& r) {
    auto broken = [&](const std::string& what) {
        throw Error(ErrorKind::MalformedInput, r.dir + ": " + what,
                    "rerun the study with precis run to write its results again (it resumes from its journal)");
    };
    auto need = [&](const auto& t, const std::string& file, bool rows) {
        if (!t) broken(file + " is missing, although provenance.json says the run wrote it");
        if (t->header.empty()) broken(file + " is empty");
        if (rows && t->n == 0) broken(file + " has a header but no rows");
    };
    if (!fs::exists(r.dir + "/cohort.h5mu")) broken("cohort.h5mu is missing, although provenance.json says the run wrote it");
    if (r.study.genome.enabled) need(r.qc_genome, "qc/genome.tsv", true);
    if (r.study.proteome.enabled) need(r.qc_proteome, "qc/proteome.tsv", true);
    const json stages = r.prov.value("stages", json::object());
    const size_t analysed = r.prov.contains("samples") ? r.prov["samples"].value("analysed", size_t(0)) : 0;
    if (stages.value("ranking", false)) need(r.biomarkers, "biomarkers.tsv", true);
    if (r.prov.contains("population_structure")) {
        if (r.study.genome.ancestry.enabled) need(r.pcs, "ancestry/pcs.tsv", true), need(r.eigenvalues, "ancestry/eigenvalues.tsv", true);
        if (r.study.genome.relatedness.enabled) need(r.pairs, "relatedness/pairs.tsv", false);
    }
    if (!stages.value("clustering", false)) return;
    need(r.clustering, "clustering.tsv", true);
    need(r.subtypes, "subtypes.tsv", true);
    if (r.subtypes->n != analysed)
        broken("subtypes.tsv has " + std::to_string(r.subtypes->n) + " samples, provenance.json " +
               std::to_string(analysed) + " analysed");
    // the chosen row of clustering.tsv: its k and class sizes are those of subtypes.tsv
    const Col k(*r.clustering, "k"), chosen(*r.clustering, "chosen"), sizes(*r.clustering, "cluster_sizes");
    const Col subtype(*r.subtypes, "subtype");
    if (!k.ok() || !chosen.ok() || !sizes.ok() || !subtype.ok())
        broken("clustering.tsv or subtypes.tsv lacks a column precis writes (k, chosen, cluster_sizes, subtype)");
    std::map<long, long> count;
    for (size_t i = 0; i < r.subtypes->n; ++i) ++count[std::lround(subtype.d(i))];
    std::string have;
    for (auto& [c, n] : count) have += (have.empty() ? "" : ",") + std::to_string(n);
    size_t rows_chosen = 0;
    if (r.prov.contains("clustering_null_test")) need(r.null_refs, "clustering_null.tsv", true);
    if (r.prov.contains("survival") && !r.prov["survival"].contains("skipped")) {
        need(r.survival, "survival.tsv", true);
        need(r.survival_tests, "survival_tests.tsv", true);
        need(r.survival_curves, "survival_curves.tsv", true);
    }
    if (r.no_structure()) {  // no k passed the null test: one class, no row chosen
        if (count.size() != 1 || count.begin()->first != 1 || r.prov.value("chosen_k", 0) != 1)
            broken("provenance.json says the null test found no structure, but subtypes.tsv has subtypes " + have);
        for (size_t i = 0; i < r.clustering->n; ++i)
            if (chosen.s(i) == "TRUE") broken("clustering.tsv chose k = " + k.s(i) + ", although provenance.json "
                                              "says no k passed the null test");
        return;
    }
    for (size_t i = 0; i < r.clustering->n; ++i) {
        if (chosen.s(i) != "TRUE") continue;
        ++rows_chosen;
        if (std::lround(k.d(i)) != long(count.size()) || sizes.s(i) != have)
            broken("subtypes.tsv (" + std::to_string(count.size()) + " subtypes of sizes " + have +
                   ") contradicts clustering.tsv (k = " + k.s(i) + " chosen, sizes " + sizes.s(i) + ")");
        if (std::lround(k.d(i)) != r.prov.value("chosen_k", 0))
            broken("clustering.tsv chose k = " + k.s(i) + ", provenance.json k = " +
                   std::to_string(r.prov.value("chosen_k", 0)));
    }
    if (rows_chosen != 1) broken("clustering.tsv marks " + std::to_string(rows_chosen) + " rows as chosen, not one");
}

Results load(const std::string& dir, const std::string& provenance_json) {
    Results r;
    r.dir = dir;
    const std::string prov_path = dir + "/provenance.json";
    std::string text = provenance_json;
    if (text.empty()) {
        if (!fs::exists(prov_path))
            throw Error(ErrorKind::Config,
                        dir + " holds no finished results: " + prov_path + " is missing",
                        "give the output folder of a finished precis run (or finish the run: precis run resumes it)");
        text = read_file(prov_path);
    }
    try {
        r.prov = json::parse(text);
        r.study = parse_study(r.prov.at("resolved_study").at("yaml").get<std::string>(),
                              dir + "/study.resolved.yaml");
    } catch (const std::exception& e) {
        throw Error(ErrorKind::MalformedInput, prov_path + ": not the provenance of a precis run (" + e.what() + ")",
                    "rerun the study with precis run to write its results again");
    }
    r.phenotypes = r.study.listed_phenotypes;
    r.qc_genome = read_qc(dir + "/qc/genome.tsv", "genome", r.study);
    r.qc_proteome = read_qc(dir + "/qc/proteome.tsv", "proteome", r.study);
    r.clustering = columns_if(dir + "/clustering.tsv", {"k", "cluster_sizes", "cluster_consensus", "chosen"},
                              {"k", "pac", "delta_area", "mean_silhouette", "p_value", "p_adjusted", "rcsi", "rcsi_se",
                               "p_monte_carlo", "test_pac", "reference_pac"});
    r.subtypes = columns_if(dir + "/subtypes.tsv", {"sample_id"}, {"subtype", "item_consensus"});
    r.biomarkers = columns_if(dir + "/biomarkers.tsv", {"rank", "feature_id", "modality", "contrast"},
                              {"statistic", "effect", "p_value", "q_value", "auc"});
    r.pcs = columns_if(dir + "/ancestry/pcs.tsv", {"sample_id", "in_pca"}, {"*"});
    r.eigenvalues = columns_if(dir + "/ancestry/eigenvalues.tsv", {"pc"}, {"eigenvalue"});
    r.pairs = columns_if(dir + "/relatedness/pairs.tsv", {"sample_id_1", "sample_id_2"}, {"kinship", "ibs0", "degree"});
    r.null_refs = columns_if(dir + "/clustering_null.tsv", {}, {"k", "reference", "pac"});
    r.survival = columns_if(dir + "/survival.tsv", {"endpoint"},
                            {"subtype", "n", "events", "median", "median_ci_low", "median_ci_high", "hr", "hr_ci_low",
                             "hr_ci_high", "p_value"});
    r.survival_tests = columns_if(dir + "/survival_tests.tsv", {"endpoint", "test", "groups"},
                                  {"statistic", "df", "p_value", "q_value"});
    r.survival_curves = columns_if(dir + "/survival_curves.tsv", {"endpoint"},
                                   {"subtype", "time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"});
    check_complete(r);
    if (r.prov.contains("subtype_model")) {
        const std::string path = dir + "/model/subtype_model.h5";
        if (!fs::exists(path))
            throw Error(ErrorKind::MalformedInput, dir + ": model/subtype_model.h5 is missing, although provenance.json "
                        "says the run wrote it", "rerun the study with precis run to write its results again");
        try {
            r.model = read_subtype_model(path);
        } catch (const Error& e) {
            throw Error(ErrorKind::MalformedInput, e.what(), "rerun the study with precis run to write its results again");
        }
    }
    const std::string store = dir + "/cohort.h5mu";
    if (fs::exists(store)) {
        try {
            std::vector<std::string> obs = r.phenotypes;
            const std::string& by = r.study.genome.ancestry.color_by;
            if (!by.empty() && std::find(obs.begin(), obs.end(), by) == obs.end()) obs.push_back(by);
            r.store = read_store_summary(store, obs);
        } catch (const Error& e) {
            throw Error(ErrorKind::MalformedInput, store + ": cannot be read for the report: " + e.what(),
                        "rerun the study with precis run to write its results again");
        }
    }
    return r;
}

// ---- page pieces -------------------------------------------------------------------------------------------------

std::string table_html(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows,
                       const std::string& cls = "") {
    std::string o = "<table" + (cls.empty() ? "" : " class=\"" + cls + "\"") + ">";
    if (std::any_of(head.begin(), head.end(), [](const std::string& h) { return !h.empty(); })) {
        o += "<thead><tr>";
        for (auto& h : head) o += "<th>" + esc(h) + "</th>";
        o += "</tr></thead>";
    }
    o += "<tbody>";
    for (auto& r : rows) {
        o += "<tr>";
        for (auto& c : r) o += "<td>" + esc(c) + "</td>";
        o += "</tr>";
    }
    return o + "</tbody></table>";
}

std::string figure(const std::string& svg_text, const std::string& caption = "") {
    return "<figure>" + svg_text + (caption.empty() ? "" : "<figcaption>" + esc(caption) + "</figcaption>") +
           "</figure>";
}

// The subtype (text) of each sample id, from subtypes.tsv.
// A sample's row among n ids: at the row guessed first (the results tables list the cohort in the store's order),
// else by a binary search of the ids' sorted order, made once (4 bytes a row, where a map of strings costs ~100).
class RowFinder {
public:
    static constexpr size_t npos = size_t(-1);
    RowFinder(size_t n, std::function<std::string_view(size_t)> id_at) : n_(n), id_at_(std::move(id_at)) {}
    size_t find(std::string_view id, size_t guess) const {
        if (guess < n_ && id_at_(guess) == id) return guess;
        if (order_.empty() && n_) {
            order_.resize(n_);
            std::iota(order_.begin(), order_.end(), uint32_t(0));
            std::stable_sort(order_.begin(), order_.end(),
                             [&](uint32_t a, uint32_t b) { return id_at_(a) < id_at_(b); });
        }
        // the last of equal ids, as a map filled in row order would keep
        const auto it = std::upper_bound(order_.begin(), order_.end(), id,
                                         [&](std::string_view v, uint32_t b) { return v < id_at_(b); });
        return it == order_.begin() || id_at_(*(it - 1)) != id ? npos : *(it - 1);
    }

private:
    size_t n_;
    std::function<std::string_view(size_t)> id_at_;
    mutable std::vector<uint32_t> order_;
};

// Each store row's subtype from subtypes.tsv (NaN where the sample has none).
std::vector<double> store_subtypes(const Results& r) {
    const std::vector<std::string>& index = r.store->obs.index;
    std::vector<double> sub(index.size(), NaN);
    if (!r.subtypes) return sub;
    const Col id(*r.subtypes, "sample_id"), st(*r.subtypes, "subtype");
    if (!id.text) return sub;
    const RowFinder rows(r.subtypes->n, [&](size_t i) { return (*id.text)[i]; });
    for (size_t i = 0; i < index.size(); ++i)
        if (const size_t at = rows.find(index[i], i); at != RowFinder::npos) sub[i] = st.d(at);
    return sub;
}

int chosen_k(const Results& r) {
    if (r.prov.contains("chosen_k") && r.prov["chosen_k"].is_number()) return r.prov["chosen_k"].get<int>();
    return 0;
}

// ---- sections ----------------------------------------------------------------------------------------------------

std::string overview(const Results& r) {
    std::vector<std::string> items;
    const json& s = r.prov.contains("samples") ? r.prov["samples"] : json::object();
    const double in_sheet = s.value("in_sheet", 0.0), analysed = s.value("analysed", 0.0);
    items.push_back(fmt_n(analysed, 10) + " of " + fmt_n(in_sheet, 10) + " samples in the sheet were analysed (" +
                    pct(analysed, in_sheet) + ")" +
                    (analysed < in_sheet ? "; the others failed QC or could not be read (see Sample QC)." : "."));
    for (auto [name, t] : {std::pair{"genome", &r.qc_genome}, std::pair{"proteome", &r.qc_proteome}}) {
        if (!*t) continue;
        std::map<std::string, size_t> n = (*t)->status;
        const size_t present = (*t)->n - n["absent"];
        items.push_back(std::string(name) + " QC: " + std::to_string(n["pass"]) + " of " + std::to_string(present) +
                        " samples pass, " + std::to_string(n["fail"]) + " fail, " + std::to_string(n["error"]) +
                        " could not be read.");
    }
    const int k = chosen_k(r);
    if (r.clustering && r.no_structure()) {
        items.push_back("No structure: no k from " + std::to_string(r.study.clustering.k_min) + " to " +
                        std::to_string(r.study.clustering.k_max) + " clusters more stably than reference data "
                        "without clusters (null test: adjusted p >= " + fmt_n(r.study.clustering.null_test.alpha) +
                        "); every sample is in one class.");
    } else if (r.clustering && k > 0) {
        Col kk(*r.clustering, "k"), pac(*r.clustering, "pac"), sil(*r.clustering, "mean_silhouette"),
            sizes(*r.clustering, "cluster_sizes");
        const Col pv(*r.clustering, "p_value"), rcsi(*r.clustering, "rcsi");
        for (size_t i = 0; i < r.clustering->n; ++i)
            if (int(kk.d(i)) == k) {
                items.push_back("Consensus clustering chose k = " + std::to_string(k) + " by " +
                                name(r.study.clustering.choose_k) + " (PAC " + fmt_n(pac.d(i)) +
                                ", lower is more stable; mean silhouette " + fmt_n(sil.d(i)) +
                                (pv.ok() ? "; null test p = " + fmt_n(pv.d(i)) + ", RCSI " + fmt_n(rcsi.d(i)) : "") +
                                "); subtype sizes " + sizes.s(i) + ".");
            }
        const double lm = r.prov.value("clustering_landmarks", 0.0);
        if (lm > 0)
            items.push_back("Consensus ran on " + fmt_n(lm, 10) + " landmark samples drawn at random; the others "
                            "joined the subtype of the nearest landmark-subtype centroid.");
    }
    if (r.biomarkers) {
        const double fdr = r.study.ranking.fdr;
        Col contrast(*r.biomarkers, "contrast"), q(*r.biomarkers, "q_value");
        std::map<std::string, std::pair<size_t, size_t>> n;  // contrast: significant, tested
        std::vector<std::string> order;
        for (size_t i = 0; i < r.biomarkers->n; ++i) {
            auto& e = n[contrast.s(i)];
            if (e.second == 0 && e.first == 0) order.push_back(contrast.s(i));
            ++e.second;
            if (q.d(i) < fdr) ++e.first;
        }
        std::sort(order.begin(), order.end());
        std::string t = "Biomarkers (" + name(r.study.ranking.test) + " test of " + r.study.ranking.groups +
                        ", FDR " + fmt_n(fdr) + "): ";
        for (size_t i = 0; i < order.size(); ++i)
            t += (i ? "; " : "") + order[i] + " " + std::to_string(n[order[i]].first) + " of " +
                 std::to_string(n[order[i]].second);
        items.push_back(t + ".");
    }
    std::string o = "<section id=\"overview\"><h2>At a glance</h2><ul>";
    for (auto& i : items) o += "<li>" + esc(i) + "</li>";
    return o + "</ul></section>";
}

std::string run_summary(const Results& r) {
    const json& p = r.prov;
    auto str = [&](const char* k) -> std::string {
        if (!p.contains(k) || p[k].is_null()) return "";
        return p[k].is_string() ? p[k].get<std::string>() : p[k].dump();
    };
    std::vector<std::vector<std::string>> rows = {
        {"precis", str("version") + " (" + str("git_commit") + ")"},
        {"command", str("command_line")},
        {"host", str("host")},
        {"started / ended", str("start_time") + " / " + str("end_time")},
        {"ranks x threads", str("ranks") + " x " + str("threads_per_rank")},
        {"seed", str("seed")},
        {"workflow", str("workflow")},
        {"overrides", p.contains("overrides") ? p["overrides"].dump() : "[]"},
    };
    if (p.contains("study")) {
        rows.push_back({"study file", p["study"].value("path", "")});
        rows.push_back({"study sha256", p["study"].value("sha256", "")});
    }
    if (p.contains("resolved_study")) rows.push_back({"resolved study sha256", p["resolved_study"].value("sha256", "")});
    if (p.contains("inputs") && p["inputs"].is_array()) {
        std::map<std::string, size_t> by_role;
        for (auto& i : p["inputs"]) ++by_role[i.value("role", "?")];
        std::string t;
        if (p.contains("sample_inputs") && p["sample_inputs"].contains("files"))
            for (auto& [role, n] : p["sample_inputs"]["files"].items())
                if (n.is_number() && n.get<size_t>() > 0) by_role[role] += n.get<size_t>();
        for (auto& [role, n] : by_role) t += (t.empty() ? "" : ", ") + std::to_string(n) + " " + role;
        rows.push_back({"input files (sha256 in provenance.json; the samples' own files in inputs.tsv.gz)", t});
    }
    if (p.contains("resumed")) {
        const json& rs = p["resumed"];
        rows.push_back({"resumed", "attempt " + rs.value("attempt", json(1)).dump() + ", " +
                                       rs.value("samples_from_journal", json(0)).dump() +
                                       " samples from the journal, stages from cache: " +
                                       rs.value("stages_from_cache", json::array()).dump()});
    }
    double cpu = 0, peak = 0;
    if (p.contains("cpu_seconds_per_rank"))
        for (auto& c : p["cpu_seconds_per_rank"]) cpu += c.get<double>();
    if (p.contains("peak_memory_mib_per_rank"))
        for (auto& m : p["peak_memory_mib_per_rank"]) peak = std::max(peak, m.get<double>());
    rows.push_back({"CPU time (all ranks)", fmt_n(cpu) + " s"});
    rows.push_back({"peak memory (largest rank)", fmt_n(peak) + " MiB"});
    std::string o = "<!-- run:begin --><section id=\"run\"><h2>Run summary</h2>" +
                    table_html({"", ""}, rows, "kv");
    if (p.contains("stage_seconds") && p["stage_seconds"].is_object()) {
        std::vector<std::vector<std::string>> st;
        double total = 0;
        for (auto& [k, v] : p["stage_seconds"].items()) total += v.get<double>();
        for (auto& [k, v] : p["stage_seconds"].items())
            st.push_back({k, fmt_n(v.get<double>()), pct(v.get<double>(), total)});
        st.push_back({"total", fmt_n(total), "100%"});
        o += "<h3>Time per stage (wall clock, seconds)</h3>" + table_html({"stage", "seconds", "share"}, st);
    }
    return o + "</section><!-- run:end -->";
}

std::string qc_section(const Results& r) {
    std::string o = "<section id=\"qc\"><h2>Sample QC</h2>";
    bool any = false;
    for (const auto* t : {&r.qc_genome, &r.qc_proteome}) {
        if (!*t) continue;
        any = true;
        const QcTable& T = **t;
        const std::string& mod = T.modality;
        std::map<std::string, size_t> n = T.status;
        o += "<h3>" + esc(mod) + "</h3>";
        o += table_html({"pass", "fail", "error", "absent"},
                        {{std::to_string(n["pass"]), std::to_string(n["fail"]), std::to_string(n["error"]),
                          std::to_string(n["absent"])}});
        // every metric in the table's order, with the thresholds that decide pass or fail
        if (mod == "genome") {
            const GenomeConfig& g = r.study.genome;
            const double cr = g.min_call_rate, het = g.max_abs_het_f;
            o += "<p>A sample fails with call_rate below " + esc(fmt_n(cr)) +
                 (het > 0 ? " or |het_f| above " + esc(fmt_n(het)) : std::string()) +
                 " (dashed red lines; on sex_f: the female and male cut-offs of the inferred sex). Metrics follow "
                 "Hail's sample_qc; het_f and sex_f are plink's F.</p>";
        } else {
            o += "<p>A sample fails with detected_fraction below " +
                 esc(fmt_n(r.study.proteome.min_detected_fraction)) + " (dashed red line).</p>";
        }
        std::string constants;  // metrics with one value in every sample: a sentence, not a picture
        o += "<div class=\"grid\">";
        for (const QcMetric& m : T.metrics) {
            if (!(m.lo <= m.hi)) continue;  // no values
            if (m.lo == m.hi) {
                constants += (constants.empty() ? "" : ", ") + m.name + " = " + fmt_n(m.lo);
                continue;
            }
            const auto thr = T.thresholds.find(m.name);
            o += figure(svg::histogram(*m.histogram, mod + ": " + m.name, m.name,
                                       thr == T.thresholds.end() ? std::vector<double>{} : thr->second, 340, 220));
        }
        o += "</div>";
        if (!constants.empty()) o += "<p>The same in every sample: " + esc(constants) + ".</p>";
        if (T.n_bad) {
            std::vector<std::vector<std::string>> causes;
            for (auto& [k, c] : T.why) causes.push_back({k, std::to_string(c)});
            o += "<h4>Samples that failed (" + std::to_string(T.n_bad) + ")</h4>" +
                 table_html({"reason", "samples"}, causes) + "<div class=\"scroll\">" +
                 table_html({"sample_id", "status", "reason"}, T.first_bad) + "</div>";
            if (T.n_bad > kQcListed)
                o += "<p class=\"note\">The first 100 are shown; qc/" + esc(mod) + ".tsv lists all " +
                     std::to_string(T.n_bad) + ".</p>";
        } else {
            o += "<p>No sample failed.</p>";
        }
    }
    if (!any) o += "<p>No QC tables in this folder.</p>";
    return o + "</section>";
}

// A heatmap reduced further, for thumbnails: consecutive bins of one class merged, weighted by their items.
StoreHeatmap rebin(const StoreHeatmap& h, size_t max_bins) {
    if (h.bins <= max_bins) return h;
    const size_t f = (h.bins + max_bins - 1) / max_bins;
    std::vector<size_t> group(h.bins);
    StoreHeatmap o;
    for (size_t b = 0, run = 0; b < h.bins; ++b) {
        if (b > 0 && h.labels[b] != h.labels[b - 1]) run = 0;
        if (run % f == 0) {
            o.labels.push_back(h.labels[b]);
            o.items.push_back(0);
            ++o.bins;
        }
        group[b] = o.bins - 1;
        o.items.back() += h.items[b];
        ++run;
    }
    o.values.assign(o.bins * o.bins, 0.0);
    for (size_t a = 0; a < h.bins; ++a)
        for (size_t b = 0; b < h.bins; ++b)
            o.values[group[a] * o.bins + group[b]] += h.values[a * h.bins + b] * double(h.items[a]) * double(h.items[b]);
    for (size_t a = 0; a < o.bins; ++a)
        for (size_t b = 0; b < o.bins; ++b)
            o.values[a * o.bins + b] /= double(o.items[a]) * double(o.items[b]);
    return o;
}

// The null test: each k's reference PACs against the real data's, p-values and RCSI.
std::string null_test_part(const Results& r) {
    if (!r.null_refs || !r.clustering) return "";
    const Columns& T = *r.clustering;
    const Col kc(T, "k"), pv(T, "p_value"), pa(T, "p_adjusted"), rcsi(T, "rcsi"), se(T, "rcsi_se"), mc(T, "p_monte_carlo"),
        tp(T, "test_pac"), rp(T, "reference_pac");
    if (!pv.ok() || !pa.ok() || !rcsi.ok() || !tp.ok()) return "";
    const ClusteringConfig& c = r.study.clustering;
    const Col nk(*r.null_refs, "k"), npac(*r.null_refs, "pac");
    std::vector<svg::Point> pts;
    for (size_t i = 0; i < r.null_refs->n; ++i)  // references spread a little around their k
        pts.push_back({nk.d(i) - 0.2 + 0.4 * double(i % 25) / 24.0, npac.d(i), 0});
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < T.n; ++i) {
        pts.push_back({kc.d(i), tp.d(i), 1});
        rows.push_back({kc.s(i), fmt_n(tp.d(i)), fmt_n(rp.d(i)), fmt_n(pv.d(i)), fmt_n(pa.d(i)), fmt_n(mc.d(i)),
                        fmt_n(rcsi.d(i)) + " ± " + fmt_n(se.d(i)), pa.d(i) < c.null_test.alpha ? "yes" : "no"});
    }
    std::string o = "<h3>Is there structure? The null test</h3><p>" +
                    esc("Each k's PAC against " + std::to_string(c.null_test.references) +
                        " reference data sets without clusters but with the data's principal components and their "
                        "variances (M3C's Monte Carlo method), each clustered as the data with " +
                        std::to_string(c.null_test.resamples_for(c.resamples)) + " resamples (the data's PAC here is "
                        "from as many of its resamples). A k is significant when p, times the " +
                        std::to_string(T.n) + " k tried, is below " + fmt_n(c.null_test.alpha) + "; RCSI = mean log(reference PAC) - log(PAC), higher is more stable than chance.") +
                    "</p><div class=\"grid\">";
    o += figure(svg::scatter(pts, {"reference data", "real data"}, "PAC: real data against references", "k", "PAC",
                             420, 280));
    o += "</div>";
    o += table_html({"k", "PAC (test)", "reference PAC (mean)", "p (beta)", "p adjusted", "p (Monte Carlo)", "RCSI ± SE",
                     "significant"},
                    rows);
    return o;
}

// The subtype model: the classifier's cross-validated error by threshold and each subtype's top features.
std::string model_part(const Results& r) {
    if (!r.model) return "";
    const SubtypeModel& m = *r.model;
    const size_t K = size_t(m.k), p = m.fit.p;
    std::vector<std::string> ids;
    for (size_t mi = 0; mi < m.feature_ids.size(); ++mi)
        for (auto& id : m.feature_ids[mi]) ids.push_back(m.modalities.size() > 1 ? m.modalities[mi] + ":" + id : id);
    size_t used = 0;
    for (size_t j = 0; j < p; ++j)
        for (size_t c = 0; c < K; ++c)
            if (m.shrunken[c * p + j] != m.fit.overall[j]) {
                ++used;
                break;
            }
    svg::Series err{"CV error", m.thresholds, m.cv_error, 0}, loss{"CV log loss / 10", m.thresholds, {}, 1};
    for (double l : m.cv_log_loss) loss.y.push_back(l / 10);
    std::string o = "<h3>Subtype model</h3><p>" +
                    esc("model/subtype_model.h5 places new samples into these subtypes (precis classify): nearest "
                        "shrunken centroids over " + std::to_string(p) + " features, the threshold " +
                        fmt_n(m.thresholds[m.chosen]) + " chosen by " + std::to_string(m.thresholds.size()) +
                        " thresholds' cross-validated error (then log loss): error " + fmt_n(m.cv_error[m.chosen]) +
                        "; " + std::to_string(used) + " features still tell the subtypes apart at it.") +
                    "</p><div class=\"grid\">" +
                    figure(svg::line_chart({err, loss}, "Classifier cross-validation", "threshold", "error",
                                           420, 260, {m.thresholds[m.chosen]}, true)) +
                    "</div>";
    // each subtype's features by standardised shrunken deviation from the overall mean
    std::vector<std::vector<std::string>> rows;
    for (size_t c = 0; c < K; ++c) {
        std::vector<std::pair<double, size_t>> d;
        for (size_t j = 0; j < p; ++j) {
            const double x = (m.shrunken[c * p + j] - m.fit.overall[j]) / m.fit.sd[j];
            if (x != 0) d.push_back({-std::abs(x), j});
        }
        std::sort(d.begin(), d.end());
        std::string top;
        for (size_t q = 0; q < d.size() && q < 8; ++q) {
            const size_t j = d[q].second;
            top += (q ? ", " : "") + ids[j] + (m.shrunken[c * p + j] > m.fit.overall[j] ? " (up)" : " (down)");
        }
        rows.push_back({std::to_string(c + 1), std::to_string(d.size()), top});
    }
    return o + table_html({"subtype", "features", "top features (shrunken centroid against the mean)"}, rows);
}

std::string clustering_section(const Results& r) {
    std::string o = "<section id=\"clustering\"><h2>Consensus clustering</h2>";
    const int k_chosen = chosen_k(r);
    if (!r.clustering || k_chosen == 0) return o + "<p>Clustering was not run.</p></section>";
    const StudyConfig& s = r.study;
    const ClusteringConfig& c = s.clustering;
    o += "<p>" + esc(name(c.algorithm) + " on " + name(c.distance) + " distance, " + std::to_string(c.resamples) +
                     " resamples of " + setting_text(s, "clustering.item_fraction") + " of the samples and " +
                     setting_text(s, "clustering.feature_fraction") + " of the features, k from " +
                     std::to_string(c.k_min) + " to " + std::to_string(c.k_max) + "; k chosen by " +
                     name(c.choose_k) + ": " +
                     (r.no_structure() ? "no structure (no k passed the null test; one class)"
                                       : "k = " + std::to_string(k_chosen) + " (dashed red lines)") + ".") +
         "</p>";
    o += null_test_part(r);
    const Columns& T = *r.clustering;
    Col kc(T, "k"), pac(T, "pac"), da(T, "delta_area"), sil(T, "mean_silhouette"), sizes(T, "cluster_sizes"),
        cc(T, "cluster_consensus"), chosen(T, "chosen");
    svg::Series spac{"PAC", {}, {}, 0}, sda{"delta area", {}, {}, 1}, ssil{"mean silhouette", {}, {}, 2};
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < T.n; ++i) {
        const double k = kc.d(i);
        spac.x.push_back(k), spac.y.push_back(pac.d(i));
        sda.x.push_back(k), sda.y.push_back(da.d(i));
        ssil.x.push_back(k), ssil.y.push_back(sil.d(i));
        rows.push_back({kc.s(i), fmt_n(pac.d(i)), fmt_n(da.d(i)), fmt_n(sil.d(i)), sizes.s(i), cc.s(i),
                        chosen.s(i) == "TRUE" ? "chosen" : ""});
    }
    const std::vector<double> mark{double(k_chosen)};
    o += "<div class=\"grid\">";
    if (r.store && r.store->cdf.size() == r.store->k.size() && !r.store->cdf.empty()) {
        std::vector<svg::Series> cdfs;
        for (size_t i = 0; i < r.store->k.size(); ++i) {
            svg::Series c{"k = " + std::to_string(r.store->k[i]), {0.0}, {0.0}, i, true};
            for (size_t b = 0; b < r.store->cdf[i].size(); ++b) {
                c.x.push_back(double(b + 1) / 100.0);
                c.y.push_back(r.store->cdf[i][b]);
            }
            cdfs.push_back(std::move(c));
        }
        o += figure(svg::line_chart(cdfs, "Consensus CDF", "consensus index", "CDF", 420, 280));
    }
    o += figure(svg::line_chart({sda}, "Relative change in CDF area", "k", "delta area", 300, 240, mark, true));
    o += figure(svg::line_chart({spac}, "PAC (ambiguous pairs)", "k", "PAC", 300, 240, mark, true));
    o += figure(svg::line_chart({ssil}, "Mean silhouette", "k", "silhouette", 300, 240, mark));
    o += "</div>";
    o += table_html({"k", "PAC", "delta area", "mean silhouette", "cluster sizes", "cluster consensus", ""}, rows);

    if (r.store && r.store->heatmaps.size() == r.store->k.size()) {
        o += "<h3>Consensus matrices</h3><p>Samples ordered by subtype, within a subtype by item consensus; white 0, "
             "dark blue 1; the bars give the subtype.";
        size_t ci = 0;
        for (size_t i = 0; i < r.store->k.size(); ++i)
            if (r.store->k[i] == k_chosen) ci = i;
        const StoreHeatmap& h = r.store->heatmaps[ci];
        const long items = std::accumulate(h.items.begin(), h.items.end(), 0L);
        if (h.bins > 0 && size_t(items) > h.bins)
            o += " Each cell is the mean over a block of samples: " + std::to_string(items) + " samples in " +
                 std::to_string(h.bins) + " blocks.";
        o += "</p><div class=\"grid\">";
        if (h.bins > 0)
            o += figure(svg::heatmap(h.values, h.bins, h.labels, "k = " + std::to_string(k_chosen) + " (chosen)", 420));
        for (size_t i = 0; i < r.store->k.size(); ++i) {
            if (i == ci || r.store->heatmaps[i].bins == 0) continue;
            const StoreHeatmap t = rebin(r.store->heatmaps[i], 40);
            o += figure(svg::heatmap(t.values, t.bins, t.labels, "k = " + std::to_string(r.store->k[i]), 150));
        }
        o += "</div>";
    }
    o += model_part(r);
    // item consensus of the chosen k, by subtype
    if (r.subtypes) {
        const Columns& S = *r.subtypes;
        Col st(S, "subtype"), ic(S, "item_consensus");
        std::vector<std::pair<int, double>> v;
        for (size_t i = 0; i < S.n; ++i)
            if (std::isfinite(ic.d(i))) v.push_back({int(st.d(i)), ic.d(i)});
        std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) {
            return a.first != b.first ? a.first < b.first : a.second > b.second;
        });
        const size_t max_bars = 600;
        std::vector<double> vals;
        std::vector<int> cls;
        if (v.size() <= max_bars) {
            for (auto& [c, x] : v) cls.push_back(c), vals.push_back(x);
        } else {  // evenly spaced order statistics of each subtype, in proportion to its size
            for (size_t a = 0; a < v.size();) {
                size_t b = a;
                while (b < v.size() && v[b].first == v[a].first) ++b;
                const size_t m = std::max<size_t>(1, (b - a) * max_bars / v.size());
                for (size_t q = 0; q < m; ++q) {
                    const auto& e = v[a + (m == 1 ? 0 : q * (b - a - 1) / (m - 1))];
                    cls.push_back(e.first), vals.push_back(e.second);
                }
                a = b;
            }
        }
        if (!vals.empty())
            o += "<h3>Item consensus</h3>" +
                 figure(svg::class_bars(vals, cls, "Item consensus at k = " + std::to_string(k_chosen),
                                        "item consensus", 860, 220),
                        "Each bar is a sample's mean consensus with the other members of its subtype" +
                            std::string(v.size() > max_bars ? " (" + std::to_string(vals.size()) + " of " +
                                                                   std::to_string(v.size()) + " samples, evenly spaced "
                                                                   "within each subtype)"
                                                             : "") +
                            "; colour: subtype.");
    }
    return o + "</section>";
}

// Genetic ancestry (PC1-PC2, PC3-PC4 coloured by genome.ancestry.color_by, the scree plot) and relatedness.
std::string structure_section(const Results& r) {
    if (!r.pcs && !r.pairs) return "";
    std::string o = "<section id=\"structure\"><h2>Ancestry and relatedness</h2>";
    if (r.pcs && r.pcs->n > 0) {
        const Col id(*r.pcs, "sample_id"), in_pca(*r.pcs, "in_pca");
        // colour: the study's color_by column (from the store's obs), else in the PCA or projected
        const std::string& by = r.study.genome.ancestry.color_by;
        const ObsColumn* by_column = nullptr;
        if (!by.empty() && r.store)
            for (const ObsColumn& c : r.store->obs.columns)
                if (c.name == by) by_column = &c;  // the last of that name
        const std::vector<std::string> no_index;
        const std::vector<std::string>& index = by_column ? r.store->obs.index : no_index;
        const RowFinder store_row(index.size(), [&](size_t i) { return std::string_view(index[i]); });
        const auto group_of = [&](size_t row) -> std::optional<std::string> {  // none: not in the cohort
            const size_t i = store_row.find(id.s(row), row);
            if (i == RowFinder::npos) return std::nullopt;
            const ObsColumn& c = *by_column;
            return c.numeric ? fmt(i < c.numbers.size() ? c.numbers[i] : NaN) : c.text(i);
        };
        std::vector<std::string> names;
        std::map<std::string, size_t> colour_of;
        std::vector<size_t> colour(r.pcs->n);
        for (size_t i = 0; i < r.pcs->n; ++i) {
            std::string g = by.empty() ? (in_pca.s(i) == "true" ? "in the PCA" : "relative (projected)")
                                       : group_of(i).value_or("not in the cohort");
            if (g.empty() || g == "NA") g = "NA";
            auto it = colour_of.find(g);
            if (it == colour_of.end()) it = colour_of.emplace(g, names.size()).first, names.push_back(g);
            colour[i] = it->second;
        }
        const size_t k = r.eigenvalues ? r.eigenvalues->n : 0;
        for (size_t a = 1; a + 1 <= k && a <= 3; a += 2) {
            const Col x(*r.pcs, "PC" + std::to_string(a)), y(*r.pcs, "PC" + std::to_string(a + 1));
            if (!x.ok() || !y.ok()) continue;
            std::vector<svg::Point> pts;
            for (size_t i = 0; i < r.pcs->n; ++i)
                if (std::isfinite(x.d(i)) && std::isfinite(y.d(i))) pts.push_back({x.d(i), y.d(i), colour[i]});
            size_t drawn = 0;
            const std::string pa = "PC" + std::to_string(a), pb = "PC" + std::to_string(a + 1);
            const std::string picture =
                svg::scatter(pts, names, "Genetic ancestry: " + pa + " and " + pb, pa, pb, 560, 420, &drawn);
            o += figure(picture, std::to_string(pts.size()) + " samples (ancestry/pcs.tsv), coloured by " +
                            (by.empty() ? std::string("whether they are in the PCA") : esc(by)) +
                            (drawn < pts.size() ? "; overlapping points drawn once (" + std::to_string(drawn) + " marks)"
                                                : std::string()) + ".");
        }
        if (k > 0) {
            svg::Series s;
            s.name = "eigenvalue";
            const Col ev(*r.eigenvalues, "eigenvalue");
            for (size_t i = 0; i < k; ++i) s.x.push_back(double(i + 1)), s.y.push_back(ev.d(i));
            o += figure(svg::line_chart({s}, "Scree plot", "PC", "eigenvalue", 560, 300, {}, true),
                        "Eigenvalues of the genetic relationship matrix (ancestry/eigenvalues.tsv).");
        }
    }
    if (r.pairs) {
        const Col degree(*r.pairs, "degree"), a(*r.pairs, "sample_id_1"), b(*r.pairs, "sample_id_2"),
            kin(*r.pairs, "kinship"), ibs0(*r.pairs, "ibs0");
        std::map<int, size_t> per;
        for (size_t i = 0; i < r.pairs->n; ++i) ++per[int(degree.d(i))];
        static const char* names[] = {"duplicate or twin", "first degree", "second degree", "third degree", "unrelated"};
        std::vector<std::vector<std::string>> rows;
        for (auto& [d, count] : per)
            if (d >= 0 && d <= 4) rows.push_back({names[d], std::to_string(count)});
        o += "<p>KING-robust kinship (relatedness/pairs.tsv lists " + std::to_string(r.pairs->n) + " pairs):</p>" +
             table_html({"degree", "pairs"}, rows);
        std::vector<std::vector<std::string>> top;
        for (size_t i = 0; i < r.pairs->n && i < 10; ++i)
            top.push_back({a.s(i), b.s(i), fmt_n(kin.d(i)), fmt_n(ibs0.d(i))});
        if (!top.empty()) o += "<p>The closest pairs:</p>" + table_html({"sample", "sample", "kinship", "IBS0"}, top);
    }
    return o + "</section>";
}

std::string embedding_section(const Results& r) {
    std::string o = "<section id=\"embedding\"><h2>Embedding</h2>";
    if (!r.store || r.store->embedding_dims < 2 || r.store->obs.index.empty())
        return o + "<p>No embedding in the store (clustering was not run).</p></section>";
    const std::vector<double> sub = store_subtypes(r);
    std::vector<std::string> names;
    const int k = chosen_k(r);
    for (int i = 1; i <= k; ++i) names.push_back("subtype " + std::to_string(i));
    std::vector<svg::Point> pts;
    const size_t d = r.store->embedding_dims;
    for (size_t i = 0; i < r.store->obs.index.size() && (i + 1) * d <= r.store->embedding.size(); ++i) {
        const double s = sub[i];
        pts.push_back({r.store->embedding[i * d], r.store->embedding[i * d + 1],
                       std::isfinite(s) && s >= 1 ? size_t(s) - 1 : size_t(k)});
    }
    size_t drawn = 0;
    const std::string picture = svg::scatter(pts, names, "PCA of the clustering features", "PC1", "PC2", 560, 420, &drawn);
    o += figure(picture,
                std::to_string(pts.size()) + " samples (obsm/X_pca of cohort.h5mu), coloured by subtype" +
                    (drawn < pts.size() ? "; points that would overlap on screen are drawn once (" +
                                              std::to_string(drawn) + " marks)"
                                        : std::string()) +
                    ".");
    return o + "</section>";
}

std::string phenotype_section(const Results& r) {
    std::string o = "<section id=\"phenotypes\"><h2>Subtypes and phenotypes</h2>";
    if (!r.store || chosen_k(r) == 0) return o + "<p>Clustering was not run.</p></section>";
    if (r.store->obs.columns.empty()) return o + "<p>The study names no phenotype columns.</p></section>";
    const std::vector<double> sub = store_subtypes(r);
    const int k = chosen_k(r);
    std::vector<int> s(r.store->obs.index.size(), 0);
    for (size_t i = 0; i < s.size(); ++i)
        if (std::isfinite(sub[i])) s[i] = int(sub[i]);
    o += "<p>Categorical phenotypes: counts per subtype and Pearson's chi-squared test of independence (R's "
         "chisq.test). Numeric phenotypes: summaries per subtype and the Kruskal-Wallis test. Missing values are "
         "left out.</p>";
    for (const ObsColumn& c : r.store->obs.columns) {
        o += "<h3>" + esc(c.name) + "</h3>";
        if (c.numeric) {
            std::vector<std::vector<double>> g(static_cast<size_t>(k), std::vector<double>{});
            for (size_t i = 0; i < s.size() && i < c.numbers.size(); ++i)
                if (s[i] >= 1 && s[i] <= k && std::isfinite(c.numbers[i])) g[size_t(s[i] - 1)].push_back(c.numbers[i]);
            std::vector<std::vector<std::string>> rows;
            for (int l = 1; l <= k; ++l) {
                const auto& v = g[size_t(l - 1)];
                double mean = 0;
                for (double x : v) mean += x;
                mean = v.empty() ? NaN : mean / double(v.size());
                rows.push_back({std::to_string(l), std::to_string(v.size()), fmt_n(mean),
                                v.empty() ? "NA" : fmt_n(quantile_type7(v, 0.25)),
                                v.empty() ? "NA" : fmt_n(median_of(v)),
                                v.empty() ? "NA" : fmt_n(quantile_type7(v, 0.75))});
            }
            const TestResult t = kruskal_test(g);
            o += table_html({"subtype", "n", "mean", "lower quartile", "median", "upper quartile"}, rows) +
                 "<p class=\"test\">Kruskal-Wallis H = " + esc(fmt_n(t.statistic)) + ", df = " + esc(fmt_n(t.df)) +
                 ", p = " + esc(fmt_p(t.p)) + "</p>";
        } else {
            const std::vector<std::string>& levels = c.categories;  // sorted, distinct, neither empty nor NA
            if (levels.size() > 30) {
                o += "<p>" + std::to_string(levels.size()) + " distinct values: too many for a cross-table.</p>";
                continue;
            }
            std::vector<std::vector<double>> tab(size_t(k), std::vector<double>(levels.size(), 0.0));
            for (size_t i = 0; i < s.size() && i < c.codes.size(); ++i)
                if (s[i] >= 1 && s[i] <= k && c.codes[i] >= 0) tab[size_t(s[i] - 1)][size_t(c.codes[i])] += 1;
            std::vector<std::string> head{"subtype"};
            head.insert(head.end(), levels.begin(), levels.end());
            std::vector<std::vector<std::string>> rows;
            for (int l = 1; l <= k; ++l) {
                std::vector<std::string> row{std::to_string(l)};
                for (double x : tab[size_t(l - 1)]) row.push_back(fmt_n(x, 10));
                rows.push_back(std::move(row));
            }
            double emin = NaN;
            const TestResult t = chisq_test(tab, &emin);
            o += table_html(head, rows) + "<p class=\"test\">chi-squared = " + esc(fmt_n(t.statistic)) + ", df = " +
                 esc(fmt_n(t.df)) + ", p = " + esc(fmt_p(t.p)) +
                 (std::isfinite(emin) && emin < 5 ? " (some expected counts are below 5: the approximation may be "
                                                    "poor)"
                                                  : "") +
                 "</p>";
        }
    }
    return o + "</section>";
}

// Kaplan-Meier curves of one endpoint, each subtype's step function over its 95% band, with the times at which the
// numbers at risk are counted marked on the axis.
std::string km_chart(const std::string& title, const std::string& unit, const std::vector<int>& subtypes,
                     const std::map<int, std::vector<std::array<double, 4>>>& curve, double t_max) {
    svg::Canvas c(520, 300, title);
    svg::Axes a{0, t_max > 0 ? t_max : 1, 0, 1};
    a.right = 90;
    svg::draw_axes(c, a, "time (" + unit + ")", "survival", title);
    for (size_t q = 0; q < subtypes.size(); ++q) {
        const auto& pts = curve.at(subtypes[q]);  // (time, surv, lower, upper), from time 0
        const double x0 = a.px(c, 0), y1 = a.py(c, 1);
        std::vector<double> line{x0, y1}, upper{x0, y1}, lower{x0, y1};
        double last_s = 1, last_l = 1, last_u = 1;
        for (const auto& p : pts) {
            const double x = a.px(c, p[0]);
            line.insert(line.end(), {x, a.py(c, last_s), x, a.py(c, p[1])});
            if (std::isfinite(p[2]) && std::isfinite(p[3])) {
                upper.insert(upper.end(), {x, a.py(c, last_u), x, a.py(c, p[3])});
                lower.insert(lower.end(), {x, a.py(c, last_l), x, a.py(c, p[2])});
                last_l = p[2], last_u = p[3];
            }
            last_s = p[1];
        }
        const double x_end = a.px(c, t_max);
        line.insert(line.end(), {x_end, a.py(c, last_s)});
        std::string band;  // the band: along the upper limit, back along the lower
        for (size_t i = 0; i + 1 < upper.size(); i += 2) band += svg::num(upper[i]) + "," + svg::num(upper[i + 1]) + " ";
        for (size_t i = lower.size(); i >= 2; i -= 2) band += svg::num(lower[i - 2]) + "," + svg::num(lower[i - 1]) + " ";
        if (!band.empty())
            c.raw("<polygon points=\"" + band + "\" fill=\"" + svg::colour(size_t(subtypes[q] - 1)) +
                  "\" fill-opacity=\"0.12\" stroke=\"none\"/>");
        c.polyline(line, svg::colour(size_t(subtypes[q] - 1)), 1.8);
        const double ly = a.top + 14 + 16 * double(q);
        c.line(c.width() - 84, ly - 4, c.width() - 70, ly - 4, svg::colour(size_t(subtypes[q] - 1)), 3);
        c.text(c.width() - 66, ly, "subtype " + std::to_string(subtypes[q]), "start", 10);
    }
    return c.str();
}

// The hazard ratios of one endpoint against the reference subtype, with their 95% intervals, on a log scale.
std::string forest_chart(const std::string& title, const std::vector<std::array<double, 4>>& rows) {
    // rows: (subtype, hr, low, high)
    double lo = 1, hi = 1;
    for (const auto& r : rows)
        if (std::isfinite(r[2]) && std::isfinite(r[3]) && r[2] > 0) lo = std::min(lo, r[2]), hi = std::max(hi, r[3]);
    svg::Canvas c(420, 60 + 28 * double(rows.size()), title);
    svg::Axes a{std::log10(lo) - 0.1, std::log10(hi) + 0.1, 0, double(rows.size())};
    a.left = 80;
    a.bottom = 36;
    const double T = a.top, B = c.height() - a.bottom;
    c.rect(a.left, T, c.width() - a.right - a.left, B - T, "#ffffff");
    for (double v : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0}) {
        const double lv = std::log10(v);
        if (lv < a.x0 || lv > a.x1) continue;
        const double x = a.px(c, lv);
        c.line(x, T, x, B, v == 1.0 ? "#555555" : "#e6e6e6", 1, v == 1.0 ? "4 3" : "");
        c.text(x, B + 14, svg::tick_label(v), "middle", 10);
    }
    c.text((a.left + c.width() - a.right) / 2, c.height() - 6, "hazard ratio (log scale)", "middle", 11);
    c.text(a.left, 16, title, "start", 12, "font-weight=\"bold\"");
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const double y = a.py(c, double(rows.size()) - double(i) - 0.5);
        const std::string col = svg::colour(size_t(r[0] - 1));
        c.text(a.left - 8, y + 4, "subtype " + fmt(r[0]), "end", 10);
        if (!(r[1] > 0)) continue;
        if (std::isfinite(r[2]) && std::isfinite(r[3]) && r[2] > 0)
            c.line(a.px(c, std::log10(r[2])), y, a.px(c, std::log10(r[3])), y, col, 2);
        c.rect(a.px(c, std::log10(r[1])) - 4, y - 4, 8, 8, col,
               "HR " + fmt_n(r[1]) + " [" + fmt_n(r[2]) + ", " + fmt_n(r[3]) + "]");
    }
    return c.str();
}

std::string survival_section(const Results& r) {
    if (!r.prov.contains("survival")) return "";
    const json& sv = r.prov["survival"];
    std::string o = "<section id=\"survival\"><h2>Survival of the subtypes</h2>";
    if (sv.contains("skipped")) return o + "<p>" + esc("Not compared: " + sv["skipped"].get<std::string>() + ".") + "</p></section>";
    const Columns &S = *r.survival, &T = *r.survival_tests, &C = *r.survival_curves;
    Col ep(S, "endpoint"), sub(S, "subtype"), n(S, "n"), ev(S, "events"), med(S, "median"), mlo(S, "median_ci_low"),
        mhi(S, "median_ci_high"), hr(S, "hr"), hlo(S, "hr_ci_low"), hhi(S, "hr_ci_high"), p(S, "p_value");
    Col tep(T, "endpoint"), test(T, "test"), groups(T, "groups"), stat(T, "statistic"), df(T, "df"), tp(T, "p_value"),
        tq(T, "q_value");
    Col cep(C, "endpoint"), csub(C, "subtype"), time(C, "time"), nrisk(C, "n_risk"), surv(C, "surv"), low(C, "lower"),
        up(C, "upper");
    o += "<p>" + esc("Each subtype against each endpoint of outcomes: Kaplan-Meier curves with 95% log intervals, the "
                     "log-rank tests, a Cox model of the subtype (Efron's ties) with the endpoint's covariates and "
                     "strata, and its proportional-hazards check (cox.zph). All numbers are in survival.tsv, "
                     "survival_tests.tsv and survival_curves.tsv.") + "</p>";
    for (const json& e : sv["endpoints"]) {
        const std::string name = e.value("endpoint", ""), unit = e.value("unit", "days");
        o += "<h3>" + esc(name) + "</h3><p>" +
             esc(std::to_string(e.value("samples", 0L)) + " samples, " + std::to_string(e.value("events", 0L)) +
                 " events; " + std::to_string(e.value("left_out_missing", 0L)) + " left out for missing values; "
                 "hazard ratios against subtype " + std::to_string(e.value("reference_subtype", 0)) + "." +
                 (e.contains("cox_problem") ? " The Cox model: " + e["cox_problem"].get<std::string>() + "." : "")) +
             "</p>";
        std::map<int, std::vector<std::array<double, 4>>> curve;
        std::map<int, long> size;
        double t_max = 0;
        for (size_t i = 0; i < C.n; ++i)
            if (cep.s(i) == name) {
                curve[int(csub.d(i))].push_back({time.d(i), surv.d(i), low.d(i), up.d(i)});
                t_max = std::max(t_max, time.d(i));
            }
        std::vector<int> subtypes;
        std::vector<std::array<double, 4>> forest;
        std::vector<std::vector<std::string>> rows;
        for (size_t i = 0; i < S.n; ++i) {
            if (ep.s(i) != name) continue;
            const int st = int(sub.d(i));
            subtypes.push_back(st);
            size[st] = long(n.d(i));
            curve[st];  // (a subtype without follow-up still has its line)
            forest.push_back({double(st), hr.d(i), hlo.d(i), hhi.d(i)});
            rows.push_back({std::to_string(st), fmt_n(n.d(i), 10), fmt_n(ev.d(i), 10),
                            fmt_n(med.d(i)) + " [" + fmt_n(mlo.d(i)) + ", " + fmt_n(mhi.d(i)) + "]",
                            fmt_n(hr.d(i)) + " [" + fmt_n(hlo.d(i)) + ", " + fmt_n(hhi.d(i)) + "]", fmt_p(p.d(i))});
        }
        // the numbers at risk under the curves
        std::vector<double> at = r.study.survival.at_risk;
        if (at.empty())
            for (int q = 0; q < 6; ++q) at.push_back(std::round(t_max * q / 5));
        std::vector<std::vector<std::string>> risk;
        for (int st : subtypes) {
            std::vector<std::string> row{"subtype " + std::to_string(st)};
            const auto& pts = curve[st];
            for (double t : at) {
                long count = 0;
                for (size_t i = 0; i < C.n; ++i)  // the first time >= t of this curve
                    if (cep.s(i) == name && int(csub.d(i)) == st && time.d(i) >= t) {
                        count = long(nrisk.d(i));
                        break;
                    }
                if (pts.empty()) count = 0;
                row.push_back(std::to_string(count));
            }
            risk.push_back(row);
        }
        std::vector<std::string> risk_head{"at risk"};
        for (double t : at) risk_head.push_back(fmt_n(t) + " " + unit);
        o += "<div class=\"grid\">" +
             figure(km_chart("Kaplan-Meier: " + name, unit, subtypes, curve, t_max),
                    "Each subtype's survival with its 95% interval (shaded).") +
             figure(forest_chart("Hazard ratios: " + name, forest),
                    "Cox model of the subtype against the reference subtype, with 95% intervals.") +
             "</div>" + table_html(risk_head, risk) +
             table_html({"subtype", "samples", "events", "median [95% CI]", "hazard ratio [95% CI]", "p"}, rows);
        std::vector<std::vector<std::string>> tests;
        for (size_t i = 0; i < T.n; ++i)
            if (tep.s(i) == name)
                tests.push_back({test.s(i), groups.s(i), fmt_n(stat.d(i)), fmt_n(df.d(i)), fmt_p(tp.d(i)),
                                 std::isfinite(tq.d(i)) ? fmt_p(tq.d(i)) : ""});
        o += table_html({"test", "groups", "statistic", "df", "p", "q (pairs)"}, tests);
    }
    return o + "</section>";
}

std::string ranking_section(const Results& r) {
    std::string o = "<section id=\"ranking\"><h2>Biomarkers</h2>";
    if (!r.biomarkers) return o + "<p>Ranking was not run.</p></section>";
    const Columns& B = *r.biomarkers;
    const double fdr = r.study.ranking.fdr;
    Col rank(B, "rank"), fid(B, "feature_id"), mod(B, "modality"), contrast(B, "contrast"), stat(B, "statistic"),
        eff(B, "effect"), p(B, "p_value"), q(B, "q_value"), auc(B, "auc");
    const bool cox = r.study.ranking.test == RankTest::Cox;
    o += "<p>" +
         esc(cox ? "One Cox model per feature against endpoint " + r.study.ranking.endpoint +
                       " (per SD of the feature, with the endpoint's covariates and strata); effect = log hazard "
                       "ratio; q: " + name(r.study.ranking.p_adjust) + "; significant: q < " + fmt_n(fdr) +
                       " (red: higher hazard, blue: lower). All rows, with hazard ratios, are in biomarkers.tsv."
                 : name(r.study.ranking.test) + " test of " + r.study.ranking.groups +
                       "; effect = mean of the contrast's first-named level minus the other side; q: " +
                       name(r.study.ranking.p_adjust) + " within each contrast; significant: q < " + fmt_n(fdr) +
                       " (red: up, blue: down). All rows are in biomarkers.tsv.") +
         "</p>";
    std::map<std::string, std::vector<size_t>> by;  // rows stay in biomarkers.tsv order (by p)
    for (size_t i = 0; i < B.n; ++i) by[contrast.s(i)].push_back(i);
    for (auto& [name, rows] : by) {
        o += "<h3>" + esc(name) + "</h3>";
        bool effects = false;
        size_t sig = 0;
        for (size_t i : rows) {
            effects |= std::isfinite(eff.d(i));
            sig += q.d(i) < fdr;
        }
        o += "<p>" + std::to_string(sig) + " of " + std::to_string(rows.size()) + " features significant.</p>";
        if (effects) {
            std::vector<std::string> mods;  // effects of different modalities are in different units: a plot each
            for (size_t i : rows)
                if (std::find(mods.begin(), mods.end(), mod.s(i)) == mods.end()) mods.push_back(mod.s(i));
            std::sort(mods.begin(), mods.end());
            o += "<div class=\"grid\">";
            for (const std::string& m : mods) {
                std::vector<svg::Point> pts;
                std::vector<std::pair<svg::Point, std::string>> labels;
                double p_cut = NaN;  // the largest p still significant: the dashed line
                for (size_t i : rows) {
                    if (mod.s(i) != m) continue;
                    const double pv = p.d(i), e = eff.d(i);
                    if (!std::isfinite(pv) || !std::isfinite(e)) continue;
                    const double y = -std::log10(std::max(pv, 1e-300));
                    const bool sg = q.d(i) < fdr;
                    if (sg) p_cut = std::isfinite(p_cut) ? std::max(p_cut, pv) : pv;
                    pts.push_back({e, y, sg ? (e > 0 ? 3u : 0u) : 9u});
                    if (sg && labels.size() < 10) labels.push_back({pts.back(), fid.s(i)});
                }
                if (pts.empty()) continue;
                std::vector<double> ymarks;
                if (std::isfinite(p_cut)) ymarks.push_back(-std::log10(std::max(p_cut, 1e-300)));
                size_t drawn = 0;
                const std::string picture = svg::scatter(pts, {}, "Volcano: " + name + ", " + m, "effect", "-log10 p",
                                                         520, 380, &drawn, labels, ymarks);
                o += figure(picture, std::to_string(pts.size()) + " " + m +
                                         " features; the significant features with the smallest p are named where there is room; dashed: the FDR "
                                         "cut" +
                                         (drawn < pts.size() ? "; overlapping points drawn once (" +
                                                                   std::to_string(drawn) + " marks)"
                                                             : std::string()) +
                                         ".");
            }
            o += "</div>";
        } else {
            o += "<p>This test has no effect size (an overall test of every group); its top features follow.</p>";
        }
        std::vector<std::vector<std::string>> top;
        for (size_t j = 0; j < rows.size() && j < 20; ++j) {
            const size_t i = rows[j];
            top.push_back({rank.s(i), fid.s(i), mod.s(i), fmt_n(stat.d(i)), fmt_n(eff.d(i)), fmt_p(p.d(i)),
                           fmt_p(q.d(i)), fmt_n(auc.d(i))});
        }
        o += table_html({"rank", "feature", "modality", "statistic", "effect", "p", "q", "AUC"}, top);
    }
    return o + "</section>";
}

const char* kStyle = R"(
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1180px;padding:0 20px 40px;color:#222;line-height:1.4}
header{border-bottom:2px solid #4e79a7;margin-bottom:8px}h1{font-size:1.6em;margin:18px 0 4px}h2{border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:34px}
h3{margin:20px 0 6px}nav a{margin-right:14px}p.sub{color:#555;margin:0 0 10px}table{border-collapse:collapse;margin:8px 0;font-size:0.86em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f5f8}table.kv td:first-child{font-weight:bold;white-space:nowrap}
.grid{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}figure{margin:6px 0}figcaption{font-size:0.82em;color:#555;max-width:520px}
p.note,p.test{font-size:0.9em;color:#444}footer{margin-top:40px;font-size:0.8em;color:#666;border-top:1px solid #ddd;padding-top:8px}
td{word-break:break-word;max-width:520px}.scroll{max-height:320px;overflow-y:auto;display:inline-block}
)";

}  // namespace

namespace {
std::string render(const Results& r) {
    const std::string name = r.prov.contains("study") ? r.prov["study"].value("name", "") : "";
    std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                    "content=\"width=device-width, initial-scale=1\"><title>precis report: " +
                    esc(name) + "</title><style>" + kStyle + "</style></head><body>\n";
    o += "<header><h1>precis report: " + esc(name) + "</h1><p class=\"sub\">Study " + esc(name) + ", workflow " +
         esc(r.prov.value("workflow", "")) + ", seed " + esc(r.prov.contains("seed") ? r.prov["seed"].dump() : "") +
         ". Made from the files of this results folder; every figure's numbers are in them.</p>"
         "<nav><a href=\"#overview\">At a glance</a><a href=\"#run\">Run</a><a href=\"#qc\">Sample QC</a>"
         "<a href=\"#clustering\">Clustering</a><a href=\"#embedding\">Embedding</a><a href=\"#phenotypes\">"
         "Phenotypes</a><a href=\"#ranking\">Biomarkers</a></nav></header>\n";
    o += overview(r) + "\n" + run_summary(r) + "\n" + qc_section(r) + "\n" + structure_section(r) + "\n" +
         clustering_section(r) + "\n" +
         embedding_section(r) + "\n" + phenotype_section(r) + "\n" + survival_section(r) + "\n" +
         ranking_section(r) + "\n";
    o += std::string("<footer>precis ") + PRECIS_VERSION +
         ". Rebuild this page from the results folder with: precis report FOLDER.</footer></body></html>\n";
    return o;
}
}  // namespace

std::string render_report(const std::string& dir, const std::string& provenance_json) {
    const Results r = load(dir, provenance_json);
    try {
        return render(r);
    } catch (const json::exception& e) {  // a field of the wrong type (the file was edited or damaged)
        throw Error(ErrorKind::MalformedInput, dir + "/provenance.json: a field has a value of the wrong type (" +
                                                   e.what() + ")",
                    "rerun the study with precis run to write its results again");
    }
}

void write_report(const std::string& dir, const std::string& provenance_json) {
    write_file_atomic(dir + "/report.html", render_report(dir, provenance_json));
}

}  // namespace precis

// ---- precis classify's page --------------------------------------------------------------------------------------
namespace precis {

void write_classify_report(const std::string& dir, const std::string& provenance_json) {
    const json p = json::parse(provenance_json);
    const json& model = p.at("model");
    const int k = model.value("k", 0);
    std::vector<std::string> text{"sample_id", "status", "reason", "subtype"};
    std::vector<std::string> nums{"missing_features"};
    for (int c = 1; c <= k; ++c) nums.push_back("probability_" + std::to_string(c));
    const Columns T = read_columns(dir + "/classified.tsv", text, nums);
    const Col id(T, "sample_id"), status(T, "status"), reason(T, "reason"), subtype(T, "subtype");
    std::map<std::string, size_t> count;
    std::vector<double> top;  // each classified sample's probability of its subtype
    std::vector<std::vector<std::string>> low, failed;
    std::map<std::string, size_t> by_subtype;
    for (size_t i = 0; i < T.n; ++i) {
        ++count[status.s(i)];
        if (status.s(i) == "fail") {
            failed.push_back({id.s(i), reason.s(i)});
            continue;
        }
        ++by_subtype[subtype.s(i)];
        const double pr = Col(T, "probability_" + subtype.s(i)).d(i);
        top.push_back(pr);
        if (status.s(i) == "low_confidence") low.push_back({id.s(i), subtype.s(i), fmt_n(pr), reason.s(i)});
    }
    const std::string title = "precis classify: " + p.at("study").value("name", "");
    std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
                    "</title><style>" + kStyle + "</style></head><body>\n<header><h1>" + esc(title) +
                    "</h1><p class=\"sub\">New samples placed into the subtypes of the model of study '" +
                    esc(model.value("study_name", "")) + "' (" + esc(model.value("path", "")) + ", sha256 " +
                    esc(model.value("sha256", "")) + "). Made from classified.tsv" +
                    (p.contains("validation") ? std::string(" and validation.tsv") : std::string()) +
                    " in this folder.</p></header>\n";
    o += "<section><h2>At a glance</h2><ul><li>" +
         esc(std::to_string(T.n) + " samples: " + std::to_string(count["pass"]) + " classified, " +
             std::to_string(count["low_confidence"]) + " classified with low confidence (probability below " +
             fmt_n(p.at("classify").value("min_probability", 0.0)) + "), " + std::to_string(count["fail"]) +
             " not classified.") +
         "</li><li>" +
         esc("Model: k = " + std::to_string(k) + " subtypes, nearest shrunken centroids over " +
             std::to_string(model.value("features", 0)) + " features at threshold " +
             fmt_n(model.value("threshold", 0.0)) + ".") +
         "</li></ul>";
    std::vector<std::vector<std::string>> sizes;
    for (auto& [s, n] : by_subtype) sizes.push_back({s, std::to_string(n)});
    o += table_html({"subtype", "samples"}, sizes) + "</section>\n";
    o += "<section><h2>Confidence</h2><div class=\"grid\">" +
         figure(svg::histogram(top, 20, "Probability of the assigned subtype", "probability",
                               {p.at("classify").value("min_probability", 0.0)}, 420, 260),
                "pamr's discriminant posterior of each classified sample's subtype; dashed: classify.min_probability.") +
         "</div>";
    if (!low.empty()) o += "<h3>Low confidence</h3>" + table_html({"sample", "subtype", "probability", "why"}, low);
    if (!failed.empty()) o += "<h3>Not classified</h3>" + table_html({"sample", "why"}, failed);
    o += "</section>\n";
    if (p.contains("validation")) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& v : p["validation"])
            rows.push_back({std::to_string(v.value("subtype", 0)), std::to_string(v.value("n", 0)),
                            std::to_string(v.value("igp_samples", 0)), fmt_n(number_or_nan(v, "igp")),
                            fmt_p(number_or_nan(v, "p_value"))});
        o += "<section><h2>Reproducibility (in-group proportion)</h2><p>" +
             esc("For each subtype, the share of its samples whose nearest sample (1 - Pearson correlation over the "
                 "model's features) is in the same subtype (Kapp and Tibshirani 2007); the p-value from " +
                 std::to_string(p.at("classify").value("permutations", 0)) +
                 " classifications by null centroids (clusterRepro's: permuted within their principal axes). NA: "
                 "fewer than two samples.") +
             "</p>" + table_html({"subtype", "samples", "in the IGP's sample", "IGP", "p"}, rows) + "</section>\n";
    }
    o += std::string("<footer>precis ") + PRECIS_VERSION + "</footer></body></html>\n";
    write_file_atomic(dir + "/report.html", o);
}

}  // namespace precis

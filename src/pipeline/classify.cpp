// `precis classify MODEL STUDY.yaml`: new samples placed into the subtypes of a saved model (docs/classify.md). The
// study's samples go through the same readers, QC and MPI distribution as `precis run`; the cohort steps use the
// model's references (never re-estimated from the new samples); each rank classifies the samples it processed.
#include "pipeline/classify.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <cstring>

#include "core/hash.hpp"
#include "core/memory.hpp"
#include "core/parse.hpp"
#include "core/rng.hpp"
#include "core/signals.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "adjust/adjust.hpp"
#include "pipeline/stages.hpp"
#include "report/report.hpp"
#include "store/model_file.hpp"

namespace precis {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// The study's settings that shape the values must be the model's.
void check_settings(const SubtypeModel& m, const StudyConfig& s, const std::string& model_path) {
    const StudyConfig t = parse_study(m.resolved_study, model_path + " (its training study)");
    for (const std::string& mod : m.modalities) {
        const bool have = (mod == "genome" && s.genome.enabled) || (mod == "proteome" && s.proteome.enabled);
        if (!have)
            throw Error(ErrorKind::Config,
                        s.path + ": the model " + model_path + " classifies by the " + mod + ", which this study does "
                        "not have",
                        "add the samples' " + mod + " to the study (" + mod + ".path_column or " + mod +
                            ".cohort_file), or use a model trained on the modalities you have");
    }
    if (!m.adjustment.empty() && m.adjust_recipe.empty())
        throw Error(ErrorKind::Config,
                    model_path + ": the model's subtypes were found on values adjusted by clustering.adjust (" +
                        m.adjustment + "), but the model does not keep the adjustment",
                    "rerun the training study with this precis version to write a new model");
    for (const AdjustRecipe& r : m.adjust_recipe) {  // the new samples' batch and columns, from the sheet
        std::vector<std::string> need = r.covariates;
        if (!r.batch.empty()) need.insert(need.begin(), r.batch);
        need.insert(need.end(), r.preserve.begin(), r.preserve.end());
        for (const std::string& c : need)
            if (std::find(s.phenotypes.begin(), s.phenotypes.end(), c) == s.phenotypes.end())
                throw Error(ErrorKind::Config,
                            s.path + ": the model adjusts for sheet column '" + c + "' (clustering.adjust of its "
                            "training study), and this study does not list it in samples.phenotypes",
                            "add '" + c + "' to samples.phenotypes (and the column to the sample sheet)");
    }
    auto same = [&](const char* key, const std::string& theirs, const std::string& mine) {
        if (theirs != mine)
            throw Error(ErrorKind::Config,
                        s.origin_of(key) + ": '" + key + "' is " + mine + ", but the model was trained with " + theirs,
                        "set " + std::string(key) + ": " + theirs + " in " + s.path +
                            " so that the new samples' values are made as the cohort's were");
    };
    if (std::find(m.modalities.begin(), m.modalities.end(), "proteome") != m.modalities.end()) {
        same("proteome.transform", name(t.proteome.transform), name(s.proteome.transform));
        same("proteome.normalize", name(t.proteome.normalize), name(s.proteome.normalize));
        same("proteome.impute", name(t.proteome.impute), name(s.proteome.impute));
        if (s.proteome.normalize == Normalize::PlateMedian)
            throw Error(ErrorKind::Config,
                        s.origin_of("proteome.normalize") + ": plate_median normalisation needs each plate's cohort "
                        "medians, which new samples' plates do not have",
                        "train the model with proteome.normalize: median or quantile");
    }
    if (std::find(m.modalities.begin(), m.modalities.end(), "genome") != m.modalities.end()) {
        same("genome.features.gene_burden.max_af", fmt(t.genome.max_af), fmt(s.genome.max_af));
    }
}

// One sample's classification, as rank 0 writes it.
struct Call {
    uint64_t index = 0;
    int label = 0;
    std::vector<double> probability, distance;
    long missing = 0;  // model features the sample lacked (imputed as the model says)
    std::string status, reason;
    std::vector<double> x;  // the prepared values (for validation.tsv)
};

// Calls travel to rank 0 in binary: their numbers are many (each sample's prepared values, for validation.tsv)
template <class T>
void put(std::string& out, const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_doubles(std::string& out, const std::vector<double>& v) {
    put(out, uint64_t(v.size()));
    if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}
void put_text(std::string& out, const std::string& t) {
    put(out, uint64_t(t.size()));
    out += t;
}

std::string encode_call(const Call& c) {
    std::string o;
    put(o, c.index);
    put(o, int64_t(c.label));
    put(o, int64_t(c.missing));
    put_doubles(o, c.probability);
    put_doubles(o, c.distance);
    put_doubles(o, c.x);
    put_text(o, c.status);
    put_text(o, c.reason);
    return o;
}

std::vector<Call> decode_calls(const std::string& s) {
    std::vector<Call> out;
    size_t at = 0;
    auto get = [&](auto& v) {
        std::memcpy(&v, s.data() + at, sizeof v);
        at += sizeof v;
    };
    auto get_doubles = [&](std::vector<double>& v) {
        uint64_t n = 0;
        get(n);
        v.resize(n);
        if (n) std::memcpy(v.data(), s.data() + at, n * sizeof(double));  // (an empty vector's data() may be null)
        at += n * sizeof(double);
    };
    auto get_text = [&](std::string& t) {
        uint64_t n = 0;
        get(n);
        t.assign(s, at, n);
        at += n;
    };
    while (at < s.size()) {
        Call c;
        int64_t label = 0, missing = 0;
        get(c.index);
        get(label);
        get(missing);
        c.label = int(label);
        c.missing = long(missing);
        get_doubles(c.probability);
        get_doubles(c.distance);
        get_doubles(c.x);
        get_text(c.status);
        get_text(c.reason);
        out.push_back(std::move(c));
    }
    return out;
}

// Column positions of the model's features of one modality within a list of ids (-1: absent).
std::vector<long> positions(const std::vector<std::string>& wanted, const std::vector<std::string>& have) {
    std::map<std::string, long> at;
    for (size_t i = 0; i < have.size(); ++i) at.emplace(have[i], long(i));
    std::vector<long> out;
    for (auto& w : wanted) {
        auto it = at.find(w);
        out.push_back(it == at.end() ? -1 : it->second);
    }
    return out;
}

// A genome cohort file's columns are spread over the ranks by gene (each rank the genes of its regions), but a
// sample is classified whole on one rank: the rank that holds its proteome, or without one, sheet index mod ranks.
// Each rank sends every such owner its columns of the model's genome features for the owner's samples; the owner
// keeps each sample's row of the model's genome features in local.burden, and lookup.genome_at then points there.
void genome_rows_to_owners(Comm& comm, const SubtypeModel& m, const Inputs& in, const Cohort& cohort, Features& f,
                           ModelLookup& lookup) {
    const size_t N = in.sheet.size(), R = size_t(comm.size());
    const auto& rows = cohort.rows_of.at(Modality::Genome);
    std::vector<uint8_t> mine(N, 0);
    for (auto& [idx, r] : f.local.proteome) mine[idx] = 1;
    const std::vector<uint8_t> held = comm.allgather(mine);  // rank-major
    free_storage(mine);
    std::vector<std::vector<uint64_t>> samples_of(R);  // each owner's genome samples, in sheet order
    for (size_t r : rows) {
        const uint64_t idx = uint64_t(cohort.kept[r]);
        size_t owner = idx % R;
        for (size_t q = 0; q < R; ++q)
            if (held[q * N + idx]) {
                owner = q;
                break;
            }
        samples_of[owner].push_back(idx);
    }
    for (size_t mi = 0; mi < m.modalities.size(); ++mi) {
        if (m.modalities[mi] != "genome") continue;
        const std::vector<long>& at = lookup.genome_at[mi];
        std::vector<std::string> to(R);
        for (size_t j = 0; j < at.size(); ++j) {
            if (at[j] < 0) continue;
            auto col = f.burden_cols.find(uint32_t(at[j]));
            if (col == f.burden_cols.end()) continue;
            for (size_t q = 0; q < R; ++q) {
                const uint32_t jj = uint32_t(j);
                to[q].append(reinterpret_cast<const char*>(&jj), sizeof jj);
                for (uint64_t idx : samples_of[q]) {
                    const float v = col->second[idx];
                    to[q].append(reinterpret_cast<const char*>(&v), sizeof v);
                }
            }
        }
        const std::vector<uint64_t>& own = samples_of[size_t(comm.rank())];
        for (uint64_t idx : own) f.local.burden[idx].assign(at.size(), std::nanf(""));
        const size_t record = sizeof(uint32_t) + own.size() * sizeof(float);
        for (const std::string& got : comm.all_to_all(to)) {
            if (got.size() % record) throw Error(ErrorKind::Internal, "classify: genome columns of the wrong size");
            for (size_t at_byte = 0; at_byte < got.size(); at_byte += record) {
                uint32_t j = 0;
                std::memcpy(&j, got.data() + at_byte, sizeof j);
                for (size_t s = 0; s < own.size(); ++s)
                    std::memcpy(&f.local.burden[own[s]][j], got.data() + at_byte + sizeof j + s * sizeof(float),
                                sizeof(float));
            }
        }
        for (size_t j = 0; j < at.size(); ++j) lookup.genome_at[mi][j] = long(j);  // the rows are in model order
    }
    f.burden_cols.clear();
}

}  // namespace

std::vector<double> prepare_for_model(const SubtypeModel& m, const ModelValues& v, long& missing) {
    if (!v.problem.empty()) throw Error(ErrorKind::Internal, "prepare_for_model: " + v.problem);
    std::vector<double> x;
    missing = 0;
    const bool shift = m.center_method != "none";
    size_t col = 0;
    for (size_t mi = 0; mi < m.modalities.size(); ++mi) {
        const AdjustRecipe* r = mi < v.terms.size() && !m.adjust_recipe.empty() ? &m.adjust_recipe[mi] : nullptr;
        const AdjustTerms* t = r ? &v.terms[mi] : nullptr;
        const size_t q = r ? r->width() : 0;
        const bool combat = r && r->method == "combat";
        const size_t B = r ? r->batch_levels.size() : 0, mw = r ? r->mod_width() : 0;
        const size_t ref = r && !r->ref_batch.empty()
                               ? size_t(std::find(r->batch_levels.begin(), r->batch_levels.end(), r->ref_batch) -
                                        r->batch_levels.begin())
                               : B;
        for (size_t j = 0; j < m.feature_ids[mi].size(); ++j, ++col) {
            double value = v.values[mi][j];
            if (std::isnan(value)) {
                ++missing, value = m.center[col];
            } else {
                value = double(float(value));  // as the cohort store keeps values
                if (r) {  // the cohort's adjustment, with its coefficients
                    const double* row = &m.adjust_coefficients[mi][j * q];
                    const double* beta = row;  // the removed terms' coefficients
                    const std::vector<double>* terms = &t->removed;
                    if (combat) {
                        if (row[0] == 1 && t->batch != ref)
                            value = combat_adjust_value(value, row[1], row + 3, t->mod.data(), mw, row[2],
                                                        row[3 + mw + t->batch], row[3 + mw + B + t->batch]);
                        beta = row + (q - t->covariates.size());
                        terms = &t->covariates;
                    }
                    double effect = 0;
                    for (size_t c = 0; c < terms->size(); ++c) effect += (*terms)[c] * beta[c];
                    value -= effect;
                }
            }
            x.push_back((value - (shift ? m.center[col] : 0.0)) * m.scale[mi]);
        }
    }
    return x;
}

ModelLookup model_lookup(const SubtypeModel& m, const Inputs& in) {
    ModelLookup l;
    std::vector<std::string> genome_ids = in.have_genes ? in.genes.names() : std::vector<std::string>{};
    for (size_t s = 0; s < in.scores.size(); ++s) genome_ids.push_back(in.scores.id(s));
    l.cohort_proteins = FeaturePositions(m.proteome_features, true);
    for (size_t mi = 0; mi < m.modalities.size(); ++mi) {
        l.genome_at.push_back(m.modalities[mi] == "genome" ? positions(m.feature_ids[mi], genome_ids)
                                                           : std::vector<long>{});
        if (m.modalities[mi] == "proteome") l.proteome_pick = positions(m.feature_ids[mi], m.proteome_features);
    }
    return l;
}

// A sample's columns coded as the cohort's were (AdjustRecipe); "" or why they cannot be.
std::string code_terms(const AdjustRecipe& r, const Inputs& in, uint64_t idx, AdjustTerms& t) {
    const SampleEntry e = in.sheet.entry(idx);
    auto value = [&](const std::string& col) -> const std::string& {
        const auto& ph = in.study.phenotypes;
        return e.phenotypes.at(size_t(std::find(ph.begin(), ph.end(), col) - ph.begin()));
    };
    t = AdjustTerms{};
    const size_t L = r.batch_levels.size();
    if (!r.batch.empty()) {
        const std::string& b = value(r.batch);
        t.batch = size_t(std::find(r.batch_levels.begin(), r.batch_levels.end(), b) - r.batch_levels.begin());
        if (r.method == "combat" && t.batch == L)
            return "its batch '" + b + "' (column '" + r.batch + "') is not one of the model's cohort (" +
                   join(r.batch_levels) + "): ComBat's batch effects are known only for those batches";
        for (size_t c = 0; c + 1 < L; ++c)
            t.removed.push_back(t.batch == L ? 0.0 : t.batch == L - 1 ? -1.0 : t.batch == c ? 1.0 : 0.0);
    }
    auto code = [&](const std::string& col, const std::vector<std::string>& levels, std::vector<double>& out) {
        const std::string& v = value(col);
        if (is_missing(v)) return "has no value in column '" + col + "', for which the model adjusts";
        if (levels.empty()) {
            double x = 0;
            if (!parse_double(v, x)) return "column '" + col + "' is '" + v + "', not a number as in the model's cohort";
            out.push_back(x);
            return std::string();
        }
        if (std::find(levels.begin(), levels.end(), v) == levels.end())
            return "column '" + col + "' is '" + v + "', a level the model's cohort did not have (" + join(levels) + ")";
        for (size_t l = 1; l < levels.size(); ++l) out.push_back(v == levels[l] ? 1.0 : 0.0);
        return std::string();
    };
    std::string problem;
    for (size_t c = 0; c < r.preserve.size() && problem.empty(); ++c)
        problem = code(r.preserve[c], r.preserve_levels[c], t.mod);
    std::vector<double> cov;
    for (size_t c = 0; c < r.covariates.size() && problem.empty(); ++c)
        problem = code(r.covariates[c], r.covariate_levels[c], cov);
    if (!problem.empty()) return problem;
    if (r.method == "combat") {
        t.mod.insert(t.mod.end(), cov.begin(), cov.end());
        t.covariates = std::move(cov);
    } else {
        t.removed.insert(t.removed.end(), cov.begin(), cov.end());
    }
    return "";
}

ModelValues model_values(const SubtypeModel& m, const Inputs& in, const LocalFeatures& local, uint64_t idx,
                         ModelLookup& lookup) {
    ModelValues v;
    v.values.resize(m.modalities.size());
    v.terms.resize(m.adjust_recipe.size());
    for (size_t mi = 0; mi < m.adjust_recipe.size() && v.problem.empty(); ++mi)
        v.problem = code_terms(m.adjust_recipe[mi], in, idx, v.terms[mi]);
    for (size_t mi = 0; mi < m.modalities.size(); ++mi) {
        const auto& ids = m.feature_ids[mi];
        v.values[mi].assign(ids.size(), NaN);
        if (m.modalities[mi] == "genome") {
            auto it = local.burden.find(idx);
            if (it == local.burden.end()) continue;
            const std::vector<long>& at = lookup.genome_at[mi];
            for (size_t j = 0; j < ids.size(); ++j)
                if (at[j] >= 0 && size_t(at[j]) < it->second.size()) v.values[mi][j] = double(it->second[size_t(at[j])]);
            continue;
        }
        auto it = local.proteome.find(idx);
        if (it == local.proteome.end()) continue;
        const ProteomeResult& r = it->second;
        // the sample's row over the cohort's proteins, then the cohort steps with the model's references
        const size_t F = m.proteome_features.size();
        std::vector<double> row(F, NaN);
        const std::vector<size_t>& at = lookup.cohort_proteins.of(r.ids);
        for (size_t q = 0; q < r.values.size(); ++q)
            if (at[q] != FeaturePositions::kAbsent) row[at[q]] = r.values[q];
        const StudyConfig& s = in.study;
        if (s.proteome.normalize == Normalize::Quantile && m.quantile_reference.size() == F)
            quantile_apply(row, m.quantile_reference);
        if (s.proteome.impute == Impute::HalfMin || s.proteome.impute == Impute::MinProb) {
            ImputeSettings imp;
            imp.method = name(s.proteome.impute);
            imp.log_scale = s.proteome.transform == Transform::Log2 || s.proteome.format == ProteomeFormat::OlinkNpx;
            imp.seed = s.seed;
            imp.feature_min = m.feature_min;
            imp.sd = m.impute_sd;
            impute_row(row, imp, id_stream(in.sheet.id(idx)));  // the draws run made for the same id
        }
        for (size_t j = 0; j < ids.size(); ++j)
            if (lookup.proteome_pick[j] >= 0) v.values[mi][j] = row[size_t(lookup.proteome_pick[j])];
    }
    return v;
}

std::vector<IgpRow> validate_subtypes(const SubtypeModel& m, const Matrix& X, const std::vector<int>& labels,
                                      int permutations, uint64_t seed) {
    const int k = m.k;
    const std::vector<size_t> nn = nearest_by_correlation(X);  // once: the classes do not change it
    const std::vector<double> igp = in_group_proportion(nn, labels, k);
    std::vector<long> sizes(size_t(k), 0);
    for (int l : labels) ++sizes[size_t(l - 1)];
    // the null: the model's shrunken centroids permuted within their principal axes (clusterRepro's null
    // centroids), the samples placed anew by the classifier
    std::vector<long> at_least(size_t(k), 0);
    const size_t p = m.fit.p;
    const NullCentroids null_centroids(m.shrunken, k, p);
    Rng rng(derive_seed(seed, {STAGE_CLASSIFIER, 1}));
    for (int b = 0; b < permutations; ++b) {
        const std::vector<double> cent = null_centroids.draw(rng);
        std::vector<int> perm(X.rows);
#pragma omp parallel for schedule(static)
        for (long i = 0; i < long(X.rows); ++i) perm[size_t(i)] = nsc_predict(m.fit, cent, &X.data[size_t(i) * X.cols]).label;
        const std::vector<double> null = in_group_proportion(nn, perm, k);
        for (int c = 0; c < k; ++c)
            if (!std::isnan(igp[size_t(c)]) && !std::isnan(null[size_t(c)]) && null[size_t(c)] >= igp[size_t(c)])
                ++at_least[size_t(c)];
    }
    std::vector<IgpRow> out;
    for (int c = 0; c < k; ++c)
        out.push_back({c + 1, sizes[size_t(c)], igp[size_t(c)],
                       std::isnan(igp[size_t(c)]) ? NaN : double(at_least[size_t(c)] + 1) / double(permutations + 1)});
    return out;
}

int classify_study(Comm& comm, const ClassifyOptions& copt) {
    const auto start = std::chrono::system_clock::now();
    install_stop_handlers();
    std::optional<RootState> root_state;
    if (comm.is_root()) root_state.emplace();
    RootState* const root = root_state ? &*root_state : nullptr;
    RunOptions opt = copt.run;
    opt.reuse_finished = false;
    // the cohort stages do not run: their keys are not checked against one patient
    opt.overrides.push_back("clustering.enabled=false");
    opt.overrides.push_back("ranking.enabled=false");
    SubtypeModel model;
    std::string model_sha;
    comm.all_or_none([&] {
        model = read_subtype_model(copt.model);
        if (comm.is_root()) model_sha = sha256_file(copt.model);
    });
    // the output folder must not be the training run's: classify clears a folder's earlier results
    opt.keep_folder = std::filesystem::absolute(copt.model).parent_path().parent_path().string();
    opt.keep_folder_holds = "the model's own run (" + copt.model + ")";
    Inputs in = gather_inputs(comm, opt, root);
    CohortThreadsGuard cohort_threads{root};
    in.classifying = true;
    comm.all_or_none([&] { check_settings(model, in.study, copt.model); });
    RankJournal journal(in.study.output, in.attempt, comm.rank());
    Features features = process_samples(comm, in, journal, root);
    Cohort cohort = select_cohort(comm, in, root);
    finish_cohort(comm, cohort, root);
    const ClassifyConfig& cc = in.study.classify;

    // each rank its own kept samples
    std::string mine;
    const size_t p = model.fit.p;
    const size_t limit = size_t(std::floor(cc.max_missing_features * double(p)));
    ModelLookup lookup = model_lookup(model, in);
    if (in.cohort_genome()) genome_rows_to_owners(comm, model, in, cohort, features, lookup);
    // the samples whose prepared values go to rank 0 for validation.tsv's IGP: every sample that passed QC, or above
    // classify.validation_samples a random subset of them (the same on every rank), so that rank 0 never holds more
    std::vector<char> for_igp(in.sheet.size(), 0);
    if (cohort.kept.size() <= size_t(cc.validation_samples))
        for (int64_t idx : cohort.kept) for_igp[size_t(idx)] = 1;
    else
        for (size_t a : draw_items(cohort.kept.size(), size_t(cc.validation_samples),
                                   derive_seed(in.study.seed, {STAGE_CLASSIFIER, 2})))
            for_igp[size_t(cohort.kept[a])] = 1;
    for (int64_t idx : cohort.kept) {
        const uint64_t i = uint64_t(idx);
        if (!features.local.burden.count(i) && !features.local.proteome.count(i)) continue;
        Call c;
        c.index = i;
        const ModelValues v = model_values(model, in, features.local, i, lookup);
        if (v.problem.empty()) c.x = prepare_for_model(model, v, c.missing);
        if (!v.problem.empty()) {
            for (auto& vals : v.values) c.missing += long(std::count_if(vals.begin(), vals.end(), [](double y) { return std::isnan(y); }));
            c.status = "fail";
            c.reason = v.problem;
        } else if (size_t(c.missing) > limit) {
            c.status = "fail";
            c.reason = "misses " + std::to_string(c.missing) + " of the model's " + std::to_string(p) +
                       " features, more than classify.max_missing_features (" + fmt(cc.max_missing_features) + ")";
            c.x.clear();
        } else {
            const NscCall call = nsc_predict(model.fit, model.shrunken, c.x.data());
            c.label = call.label;
            c.probability = call.probability;
            c.distance = call.distance;
            const double pr = call.probability[size_t(call.label - 1)];
            c.status = pr < cc.min_probability ? "low_confidence" : "pass";
            if (c.status == "low_confidence")
                c.reason = "probability " + fmt(pr) + " below classify.min_probability (" + fmt(cc.min_probability) + ")";
        }
        if (!for_igp[i]) c.x.clear();
        mine += encode_call(c);
    }
    const std::vector<std::string> parts = comm.gather(mine);
    comm.all_or_none([&] {
        if (!root) return;
        std::map<uint64_t, Call> calls;
        for (auto& part : parts)
            for (Call& c : decode_calls(part)) calls.emplace(c.index, std::move(c));
        const std::string& out = in.study.output;
        const size_t K = size_t(model.k);
        AtomicFile f(out + "/classified.tsv");
        std::string head = "sample_id\tsubtype";
        for (size_t c = 1; c <= K; ++c) head += "\tprobability_" + std::to_string(c);
        for (size_t c = 1; c <= K; ++c) head += "\tdistance_" + std::to_string(c);
        f.write(head + "\tmissing_features\tstatus\treason\n");
        std::map<std::string, size_t> count;
        std::vector<long> n_of(K, 0);  // classified into each subtype
        std::vector<std::vector<std::string>> mqc;
        std::vector<int> labels;
        Matrix V;
        std::vector<double> vals;
        for (size_t i = 0; i < in.sheet.size(); ++i) {
            std::string line = in.sheet.id(i);
            auto it = calls.find(i);
            std::string status, reason;
            if (it == calls.end()) {  // failed QC or could not be read
                status = "fail";
                for (const ModalityOutcome* mo : {&root->outcomes[i].genome, &root->outcomes[i].proteome})
                    if (mo->present && mo->status != SampleStatus::Pass) reason = mo->reason;
                if (reason.empty()) reason = "has none of the model's modalities";
                line += "\tNA";
                for (size_t c = 0; c < 2 * K; ++c) line += "\tNA";
                line += "\tNA";
            } else {
                const Call& c = it->second;
                status = c.status;
                reason = c.reason;
                line += "\t" + (c.label ? std::to_string(c.label) : std::string("NA"));
                for (size_t q = 0; q < K; ++q) line += "\t" + (c.label ? fmt(c.probability[q]) : std::string("NA"));
                for (size_t q = 0; q < K; ++q) line += "\t" + (c.label ? fmt(c.distance[q]) : std::string("NA"));
                line += "\t" + std::to_string(c.missing);
                if (c.label) ++n_of[size_t(c.label - 1)];
                if (c.label && !c.x.empty()) {  // in the IGP's sample
                    labels.push_back(c.label);
                    vals.insert(vals.end(), c.x.begin(), c.x.end());
                }
            }
            ++count[status];
            {
                const Call* c = it == calls.end() ? nullptr : &it->second;
                const bool has = c && c->label;
                mqc.push_back({in.sheet.id(i), has ? std::to_string(c->label) : "NA",
                               has ? fmt(c->probability[size_t(c->label - 1)]) : "NA", status});
            }
            for (char& ch : reason)
                if (ch == '\t' || ch == '\n') ch = ' ';
            f.write(line + "\t" + status + "\t" + reason + "\n");
        }
        f.commit();
        write_multiqc_classified(out + "/classified_mqc.tsv", mqc);
        nlohmann::ordered_json validation = nlohmann::ordered_json::array();
        size_t igp_samples = 0;
        if (labels.size() >= 20) {  // a validation cohort: the reproducibility of each subtype
            V = Matrix(labels.size(), p);
            V.data = std::move(vals);
            igp_samples = labels.size();
            const std::vector<IgpRow> rows = validate_subtypes(model, V, labels, cc.permutations, in.study.seed);
            AtomicFile v(out + "/validation.tsv");
            v.write("subtype\tn\tigp\tp_value\tigp_samples\n");
            for (const IgpRow& r : rows) {
                const long n = n_of[size_t(r.subtype - 1)];
                v.write(std::to_string(r.subtype) + "\t" + std::to_string(n) + "\t" + fmt(r.igp) + "\t" +
                        fmt(r.p_value) + "\t" + std::to_string(r.n) + "\n");
                validation.push_back({{"subtype", r.subtype}, {"n", n}, {"igp", r.igp}, {"p_value", r.p_value},
                                      {"igp_samples", r.n}});
            }
            v.commit();
        }
        nlohmann::ordered_json pj;
        pj["precis_version"] = PRECIS_VERSION;
        pj["command"] = "classify";
        pj["command_line"] = opt.command_line;
        pj["model"] = {{"path", copt.model},       {"sha256", model_sha},
                       {"study_name", model.study_name}, {"study_sha256", model.study_sha256},
                       {"precis_version", model.precis_version}, {"created", model.created},
                       {"k", model.k},             {"features", p},
                       {"threshold", model.thresholds[model.chosen]}};
        pj["study"] = {{"path", in.study.path}, {"sha256", root->study_sha}, {"name", in.study.name}};
        pj["resolved_study"] = {{"yaml", in.study.resolved}};
        pj["ranks"] = comm.size();
        pj["threads_per_rank"] = in.threads.threads;
        pj["seed"] = in.study.seed;
        pj["samples"] = {{"in_sheet", in.sheet.size()}, {"pass", count["pass"]},
                         {"low_confidence", count["low_confidence"]}, {"fail", count["fail"]}};
        pj["classify"] = {{"min_probability", cc.min_probability},
                          {"max_missing_features", cc.max_missing_features},
                          {"permutations", cc.permutations},
                          {"validation_samples", cc.validation_samples}};
        if (igp_samples) pj["validation_igp_samples"] = igp_samples;
        if (!validation.empty()) pj["validation"] = validation;
        pj["start_time"] = iso_time(start);
        pj["end_time"] = iso_time(std::chrono::system_clock::now());
        write_classify_report(out, pj.dump(2));
        write_file_atomic(out + "/provenance.json", pj.dump(2) + "\n");
        std::fprintf(stderr, "precis: classified %zu of %zu samples (%zu low confidence, %zu failed); results in %s\n",
                     count["pass"] + count["low_confidence"], in.sheet.size(), count["low_confidence"],
                     count["fail"], out.c_str());
    });
    return 0;
}

}  // namespace precis

#include "pipeline/inputs.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unordered_map>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/memory.hpp"
#include "core/signals.hpp"
#include "core/table.hpp"
#include "genome/hts.hpp"
#include "genome/plink.hpp"
#include "genome/reader.hpp"
#include "parallel/comm.hpp"
#include "pipeline/farm.hpp"
#include "pipeline/outputs.hpp"

namespace fs = std::filesystem;

namespace precis {

namespace {
constexpr int64_t kRegionBp = 5'000'000;  // a cohort file's regions: a few Mb, never inside a gene
constexpr int64_t kRegionCalls = int64_t(1) << 26;  // (or, for a file whose sites are listed, about 64 M calls)
}  // namespace

FeaturePositions::FeaturePositions(const std::vector<std::string>& cohort_ids, bool allow_absent)
    : allow_absent_(allow_absent) {
    for (size_t j = 0; j < cohort_ids.size(); ++j) col_.emplace(cohort_ids[j], j);
}

const std::vector<size_t>& FeaturePositions::of(const FeatureIds& ids) {
    auto [it, fresh] = known_.emplace(ids.get(), std::vector<size_t>());
    if (fresh)
        for (auto& id : *ids) {
            auto c = col_.find(id);
            if (c == col_.end() && !allow_absent_) throw std::out_of_range("feature id '" + id + "' not in the cohort");
            it->second.push_back(c == col_.end() ? kAbsent : c->second);
        }
    return it->second;
}

Progress::Progress() : terminal(isatty(STDERR_FILENO) == 1) {}

std::string human_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    char buf[48];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%lds", s);
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    return buf;
}

std::string Progress::line() const {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = secs > 0 ? double(done) / secs : 0;
    char buf[200];
    std::snprintf(buf, sizeof buf, "precis: %s %zu/%zu done (%.0f%%), %.1f/s, ETA %s, %zu failed", what, done, total,
                  total ? 100.0 * double(done) / double(total) : 100.0, rate,
                  done == total ? "0s" : rate > 0 ? human_duration(double(total - done) / rate).c_str() : "?", failed);
    return buf;
}

void Progress::tick(bool ok) {
    ++done;
    if (!ok) ++failed;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_line).count();
    if (terminal) {
        if (since < 0.5 && done != total) return;
        last_line = now;
        std::fprintf(stderr, "\r%s%s", line().c_str(), done == total ? "\n" : "");
        return;
    }
    if (done < next_report && since < 60 && done != total) return;
    if (done >= next_report) next_report = done + std::max<size_t>(1, total / 10);
    last_line = now;
    std::fprintf(stderr, "%s\n", line().c_str());
}

// Pass or fail by the study's genome QC thresholds.
void genome_status(ModalityOutcome& g, const GenomeQC& q, const StudyConfig& s) {
    g.qc = genome_qc_values(q);
    double cr = q.call_rate();
    if (q.n_called + q.n_not_called + q.n_filtered == 0) {
        g.status = SampleStatus::Fail;
        g.reason = "no genotypes";
    } else if (!(cr >= s.genome.min_call_rate)) {
        g.status = SampleStatus::Fail;
        g.reason = "call_rate " + fmt(cr) + " < " + fmt(s.genome.min_call_rate);
    } else if (s.genome.max_abs_het_f > 0 && std::fabs(q.het_f()) > s.genome.max_abs_het_f) {
        g.status = SampleStatus::Fail;
        g.reason = "het_f " + fmt(q.het_f()) + " is outside +-" + fmt(s.genome.max_abs_het_f) +
                   (q.het_f() > 0 ? " (too few heterozygous calls)" : " (too many heterozygous calls)");
    } else {
        g.status = SampleStatus::Pass;
    }
}

void check_sex(const StudyConfig& s, const SampleSheet& sheet, std::vector<SampleOutcome>& outcomes) {
    const auto& cols = genome_qc_columns();
    const size_t fi = size_t(std::find(cols.begin(), cols.end(), "sex_f") - cols.begin());
    const auto pit = std::find(s.phenotypes.begin(), s.phenotypes.end(), s.genome.sex_column);
    const long pcol = s.genome.sex_column.empty() || pit == s.phenotypes.end() ? -1 : long(pit - s.phenotypes.begin());
    // or the .fam's sex codes (genome.qc.sex_from_fam), by sample id
    std::unordered_map<std::string, std::string> fam_sex;
    if (s.genome.sex_from_fam && is_plink_path(s.genome.cohort_file)) {
        const PlinkReader fam(s.genome.cohort_file, true, s.genome.fid_iid);
        for (int i = 0; i < fam.n_samples(); ++i)
            fam_sex.emplace(fam.sample_name(i), fam.fam_sex(i) == 1 ? "1" : fam.fam_sex(i) == 2 ? "2" : "");
    }
    const std::string label = s.genome.sex_from_fam ? "the .fam's sex" : "'" + s.genome.sex_column + "'";
    for (size_t i = 0; i < outcomes.size(); ++i) {
        ModalityOutcome& g = outcomes[i].genome;
        if (!g.present || g.status == SampleStatus::Error || g.qc.size() <= fi) continue;
        const double f = g.qc[fi];
        g.inferred_sex = infer_sex(f, s.genome.female_max_f, s.genome.male_min_f);
        if ((pcol < 0 && !s.genome.sex_from_fam) || g.status != SampleStatus::Pass || g.inferred_sex.empty()) continue;
        std::string given;
        if (s.genome.sex_from_fam) {
            auto it = fam_sex.find(sheet.id(i));
            if (it != fam_sex.end()) given = it->second;
        } else {
            given = sheet.phenotype(i, size_t(pcol));
        }
        std::string lower;
        for (char c : given) lower += char(std::tolower(static_cast<unsigned char>(c)));
        const std::string reported = lower == "f" || lower == "female" || lower == "2"   ? "female"
                                     : lower == "m" || lower == "male" || lower == "1" ? "male"
                                                                                         : "";
        if (reported.empty() || reported == g.inferred_sex) continue;
        g.status = SampleStatus::Fail;
        g.reason = "sex check: " + label + " is " + given + " but chrX F = " + fmt(f) +
                   (g.inferred_sex == "ambiguous"
                        ? " lies between female_max_f " + fmt(s.genome.female_max_f) + " and male_min_f " +
                              fmt(s.genome.male_min_f)
                        : " says " + g.inferred_sex);
    }
}

// Pass or fail by the study's proteome QC thresholds.
void proteome_status(ModalityOutcome& p, const ProteomeQC& q, const StudyConfig& s) {
    p.qc = proteome_qc_values(q);
    if (!(q.detected_fraction >= s.proteome.min_detected_fraction) || q.n_detected == 0) {
        p.status = SampleStatus::Fail;
        p.reason = "detected_fraction " + fmt(q.detected_fraction) + " < " + fmt(s.proteome.min_detected_fraction);
    } else if (s.proteome.fail_qc_warning && q.qc_warning) {
        p.status = SampleStatus::Fail;
        p.reason = "Olink QC_Warning (proteome.qc.fail_qc_warning)";
    } else {
        p.status = SampleStatus::Pass;
    }
}

std::string qc_thresholds(const StudyConfig& s, bool genome) {
    std::vector<std::string> rules;
    if (genome) {
        rules.push_back("call_rate < " + fmt(s.genome.min_call_rate) + " (genome.qc.min_call_rate)");
        if (s.genome.max_abs_het_f > 0)
            rules.push_back("|het_f| > " + fmt(s.genome.max_abs_het_f) + " (genome.qc.max_abs_het_f)");
        if (!s.genome.sex_column.empty())
            rules.push_back("an inferred sex that contradicts column '" + s.genome.sex_column + "' of the sheet");
        if (s.genome.sex_from_fam) rules.push_back("an inferred sex that contradicts the .fam's sex code");
    } else {
        rules.push_back("detected_fraction < " + fmt(s.proteome.min_detected_fraction) +
                        " (proteome.qc.min_detected_fraction)");
        if (s.proteome.fail_qc_warning) rules.push_back("an Olink QC_Warning (proteome.qc.fail_qc_warning)");
    }
    std::string text = "a sample fails with ";
    for (size_t i = 0; i < rules.size(); ++i)
        text += (i == 0 ? "" : i + 1 == rules.size() ? " or " : ", ") + rules[i];
    return text;
}

void put_scores(ModalityOutcome& g, const ScoreSet& set, const ExactSum* sums, const int64_t* imputed,
                const std::vector<ScoreMatch>& match, double min_overlap) {
    g.scores.clear();
    g.score_info.clear();
    for (size_t i = 0; i < set.size(); ++i) {
        ScoreMatch m = i < match.size() ? match[i] : ScoreMatch{};
        m.n_variants = set.n_variants(i);
        g.scores.push_back(m.match_rate() >= min_overlap ? sums[i].value() : std::nan(""));
        for (int64_t v : {m.n_matched, m.n_flipped, m.n_ambiguous, m.n_mismatch, imputed[i]})
            g.score_info.push_back(double(v));
    }
}

GenomeSettings genome_settings(const StudyConfig& s, const ScoreSet* scores) {
    GenomeSettings gs;
    gs.scores = scores;
    gs.score_mean_impute = s.genome.score_missing == ScoreMissing::Mean;
    gs.pass_only = s.genome.pass_only;
    gs.max_af = s.genome.max_af;
    gs.min_dp = s.genome.min_dp;
    gs.min_gq = s.genome.min_gq;
    gs.frequencies = s.genome.frequencies == Frequencies::Cohort   ? FrequencySource::Cohort
                     : s.genome.frequencies == Frequencies::InfoAf ? FrequencySource::InfoAF
                                                                   : FrequencySource::None;
    gs.x_par = name(s.genome.x_par);
    gs.consequences = s.genome.consequences;
    gs.annotation = name(s.genome.annotation);
    gs.annotation_table = s.genome.annotation_table;
    gs.burden_af_cohort = s.genome.af == BurdenAf::Cohort;
    return gs;
}

ProteomeSettings proteome_settings(const StudyConfig& s) {
    ProteomeSettings ps;
    ps.id_column = s.proteome.id_column;
    ps.value_column = s.proteome.value_column;
    ps.log2 = s.proteome.transform == Transform::Log2;
    ps.median_normalize = s.proteome.normalize == Normalize::Median;
    return ps;
}

namespace {
bool wants_genome(const SampleTask& t, const StudyConfig& s) {
    return s.genome.enabled && s.genome.cohort_file.empty() && !t.vcf.empty();
}
bool wants_proteome(const SampleTask& t, const StudyConfig& s) {
    return s.proteome.enabled && s.proteome.cohort_file.empty() && !t.proteome.empty();
}
std::string sample_failure(const SampleTask& t, const Error& e) {
    return "sample '" + t.id + "' (sheet line " + std::to_string(t.line) + "): " + e.one_line();
}
}  // namespace

SampleInputs hash_inputs(const SampleTask& t, const StudyConfig& s, const SampleOutcome* earlier) {
    SampleInputs in;
    auto check = [&](const std::string& path, const std::string& column, std::string& sha, std::string& stamp,
                     const ModalityOutcome* before, std::string& error) {
        try {
            std::error_code ec;
            if (!fs::is_regular_file(path, ec))
                throw Error(ErrorKind::MalformedInput,
                            path + (fs::exists(path, ec) ? " is not a regular file" : " does not exist"),
                            "correct column '" + column + "' of the sample sheet, or restore the file");
            stamp = file_stamp(path);
            if (before && before->present && before->path == path && before->stamp == stamp && !before->sha256.empty())
                sha = before->sha256;
            else
                sha = sha256_file(path);
        } catch (const Error& e) {
            error = sample_failure(t, e);
        }
    };
    if (wants_genome(t, s))
        check(t.vcf, s.genome.path_column, in.vcf_sha, in.vcf_stamp, earlier ? &earlier->genome : nullptr, in.vcf_error);
    if (wants_proteome(t, s))
        check(t.proteome, s.proteome.path_column, in.proteome_sha, in.proteome_stamp,
              earlier ? &earlier->proteome : nullptr, in.proteome_error);
    return in;
}

SampleOutcome process_sample(const SampleTask& t, const SampleInputs& in, const StudyConfig& s, const GeneSet* genes,
                             const ScoreSet* scores, hts::ThreadPool* pool, LocalFeatures& local, int rank) {
    SampleOutcome o;
    o.index = t.index;
    o.rank = rank;
    // one modality of the sample: its file was checked and hashed; any failure becomes the sample's error (a stop
    // request is not the sample's failure: it goes up)
    auto run = [&](ModalityOutcome& m, const std::string& path, const std::string& sha, const std::string& stamp,
                   const std::string& error, auto&& work) {
        m.present = true;
        m.path = path;
        m.sha256 = sha;
        m.stamp = stamp;
        if (!error.empty()) {
            m.status = SampleStatus::Error;
            m.reason = error;
            return;
        }
        try {
            work(m);
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Interrupted) throw;
            m.status = SampleStatus::Error;
            m.reason = sample_failure(t, e);
        }
    };
    // an empty cell: the sample has no data of that modality (allowed; the store's obsmap says which)
    if (wants_genome(t, s))
        run(o.genome, t.vcf, in.vcf_sha, in.vcf_stamp, in.vcf_error, [&](ModalityOutcome& g) {
            GenomeSettings gs = genome_settings(s, scores);
            gs.pool = pool;
            GenomeResult r = process_genome(t.vcf, t.id, gs, genes);
            genome_status(g, r.qc, s);
            if (scores) {
                put_scores(g, *scores, r.score_sums.data(), r.score_imputed.data(), r.score_match,
                           s.genome.score_min_overlap);
                for (double v : g.scores) r.burden.push_back(float(v));
            }
            local.burden[t.index] = std::move(r.burden);
        });
    if (wants_proteome(t, s))
        run(o.proteome, t.proteome, in.proteome_sha, in.proteome_stamp, in.proteome_error, [&](ModalityOutcome& p) {
            ProteomeResult r = process_proteome(t.proteome, proteome_settings(s));
            proteome_status(p, r.qc, s);
            local.proteome[t.index] = std::move(r);
        });
    return o;
}

// The lines of a file whose first byte lies in [b0, b1), in order: a rank's share of an NPX file (a line belongs to
// the rank whose byte range holds its first byte; header_end: where the data lines begin).
class RangeLines {
public:
    RangeLines(const std::string& file, uint64_t header_end, uint64_t b0, uint64_t b1)
        : in_(file, std::ios::binary), pos_(b0), end_(b1) {
        if (b0 >= b1) return;
        if (!in_) throw_io("cannot read " + file + ": " + std::strerror(errno), "check that the file is readable");
        in_.seekg(std::streamoff(b0 - 1));
        char prev = 0;
        in_.get(prev);
        if (prev != '\n' && b0 != header_end) {  // the line that began in the range before
            std::string rest;
            std::getline(in_, rest);
            pos_ += rest.size() + 1;
        }
    }
    bool next(std::string& line) {
        if (pos_ >= end_ || !std::getline(in_, line)) return false;
        pos_ += line.size() + 1;
        return true;
    }

private:
    std::ifstream in_;
    uint64_t pos_, end_;
};

// The text of an NPX file a rank reads before its rows go to their owners (a round).
constexpr uint64_t kNpxRoundBytes = 64ull << 20;

// Which rank assembles sheet sample i from a cohort file: the workers in turn (rank 0 itself when alone).
int owner_of(size_t i, int size) { return size == 1 ? 0 : 1 + int(i % size_t(size - 1)); }

// The proteome from one cohort file (Olink NPX or MaxQuant). An NPX file is read by every rank, each its own byte
// range, and rows travel to the rank that owns their sample; a MaxQuant table (one row per protein group, one
// column per sample) is read through by every rank that owns samples, each parsing only its samples' columns, and
// by rank 0 for the protein ids. Owners assemble their samples into `local`, as the per-sample path does, and the
// outcomes go to rank 0, which also gets the feature annotations and any warnings.
void cohort_proteome(Comm& comm, const StudyConfig& s, const SampleSheet& sheet, LocalFeatures& local,
                     std::vector<SampleOutcome>& outcomes, std::map<std::string, FeatureInfo>& info,
                     std::vector<std::string>& warnings) {
    const std::string& file = s.proteome.cohort_file;
    const int P = comm.size(), me = comm.rank();
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < sheet.size(); ++i) index.emplace(sheet.id(i), i);
    std::vector<SampleOutcome> mine;
    auto outcome = [&](size_t i) -> ModalityOutcome& {
        mine.emplace_back();
        mine.back().index = i;
        mine.back().rank = me;
        ModalityOutcome& p = mine.back().proteome;
        p.present = true;
        p.path = file;
        return p;
    };
    auto sample_error = [&](size_t i, const std::string& msg) {
        ModalityOutcome& p = outcome(i);
        p.status = SampleStatus::Error;
        p.reason = "sample '" + sheet.id(i) + "' (sheet line " + std::to_string(sheet.line(i)) + "): " + msg;
    };
    std::string my_info;  // feature annotations this rank saw: id \t uniprot \t gene \t panel \t assay warnings
    std::vector<double> counts(2, 0.0);  // rows of control samples, rows of samples not in the sheet
    std::string unknown_example;

    if (s.proteome.format == ProteomeFormat::OlinkNpx) {
        NpxColumns cols;
        uint64_t header_end = 0, b0 = 0, b1 = 0;
        int64_t lines = 0;
        comm.all_or_none([&] {
            std::ifstream in(file, std::ios::binary);
            std::string header;
            if (!in || !std::getline(in, header)) throw_malformed(file + ": cannot read the NPX file",
                                                                  "check the path and that it is an Olink NPX export");
            cols = npx_header(header, file);
            header_end = header.size() + 1;
            const uint64_t size = fs::file_size(file);
            b0 = std::max<uint64_t>(header_end, size * uint64_t(me) / uint64_t(P));
            b1 = size * uint64_t(me + 1) / uint64_t(P);
            RangeLines count(file, header_end, b0, b1);  // a first pass counts the lines: their numbers
            std::string line;
            while (count.next(line)) ++lines;
        });
        int64_t lineno = 2 + comm.exscan_sum(lines);
        // Then the rows, in rounds of at most kNpxRoundBytes of text per rank: parsed, and sent as compact cells to
        // their samples' owners, which keep nothing else (no rank holds more than a round of text at a time).
        // as many rounds as the rank with the most text needs (the max, as the min of the negated counts)
        std::vector<double> rounds{-double((b1 > b0 ? b1 - b0 : 0) / kNpxRoundBytes + 1)};
        comm.allreduce_min(rounds);
        auto slot = [&](size_t i) { return P == 1 ? i : i / size_t(P - 1); };  // among this rank's samples
        std::vector<std::vector<NpxCell>> cells(sheet.empty() ? 0 : slot(sheet.size() - 1) + 1);
        StringTable assays, plates;
        std::map<std::string, FeatureInfo> seen;
        std::unique_ptr<RangeLines> reader;
        for (long round = 0; round < long(-rounds[0]); ++round) {
            std::vector<std::string> msgs(P);
            comm.all_or_none([&] {
                if (!reader) reader = std::make_unique<RangeLines>(file, header_end, b0, b1);
                uint64_t taken = 0;
                std::string line;
                while (taken < kNpxRoundBytes && reader->next(line)) {
                    taken += line.size() + 1;
                    const int64_t k = lineno++;
                    if (line.empty() || line == "\r") continue;
                    NpxRow r = npx_row(line, cols, file, k);
                    auto it = index.find(r.sample);
                    if (it == index.end()) {
                        if (r.is_control())
                            counts[0] += 1;
                        else {
                            counts[1] += 1;
                            if (unknown_example.empty()) unknown_example = r.sample;
                        }
                        continue;
                    }
                    auto [fi, fresh] = seen.emplace(r.olink_id, FeatureInfo{r.uniprot, r.assay, r.panel});
                    fi->second.assay_warnings += olink_warns(r.assay_warning);
                    pack_npx_row(msgs[owner_of(it->second, P)], uint32_t(it->second), r);
                }
            });
            for (auto& m : comm.all_to_all(msgs))
                unpack_npx_rows(m, assays, plates, [&](uint32_t i, const NpxCell& c) { cells[slot(i)].push_back(c); });
        }
        reader.reset();
        for (auto& [id, fi] : seen)
            my_info += id + "\t" + fi.uniprot + "\t" + fi.gene + "\t" + fi.panel + "\t" +
                       std::to_string(fi.assay_warnings) + "\n";
        NpxSettings st;
        st.below_lod_missing = s.proteome.below_lod == BelowLod::Missing;
        st.median_normalize = s.proteome.normalize == Normalize::Median;
        NpxIdLists lists;
        for (size_t i = 0; i < sheet.size(); ++i) {
            if (owner_of(i, P) != me) continue;
            std::vector<NpxCell>& c = cells[slot(i)];
            if (c.empty()) {
                sample_error(i, "no rows in " + file);
                continue;
            }
            try {
                ProteomeResult r = npx_sample(sheet.id(i), c, assays, plates, st, file, lists);
                proteome_status(outcome(i), r.qc, s);
                local.proteome[i] = std::move(r);
            } catch (const Error& e) {
                sample_error(i, e.one_line());
            }
            free_storage(c);
        }
    } else {  // maxquant
        std::vector<std::string> columns;  // this rank's samples' intensities: the only cells it parses
        for (size_t i = 0; i < sheet.size(); ++i)
            if (owner_of(i, P) == me) columns.push_back(name(s.proteome.measure) + " " + sheet.id(i));
        MaxQuantTable t;
        comm.all_or_none([&] {
            if (!columns.empty() || me == 0) t = read_maxquant(file, columns);
        });
        if (me == 0)
            for (size_t j = 0; j < t.ids->size(); ++j)
                my_info += (*t.ids)[j] + "\t" + t.info[j].uniprot + "\t" + t.info[j].gene + "\t\t0\n";
        const ProteomeSettings ps = proteome_settings(s);
        std::vector<size_t> own;
        for (size_t i = 0; i < sheet.size(); ++i)
            if (owner_of(i, P) == me) own.push_back(i);
        // each sample's column over the rank's threads (a biobank's table has tens of thousands), then its
        // outcome in sample order
        std::vector<ProteomeResult> res(own.size());
        std::vector<std::string> errors(own.size());
        std::exception_ptr other;
#pragma omp parallel for schedule(dynamic, 64)
        for (long k = 0; k < long(own.size()); ++k) {
            try {
                res[size_t(k)] = maxquant_sample(t, sheet.id(own[size_t(k)]), name(s.proteome.measure), ps);
            } catch (const Error& e) {
                errors[size_t(k)] = e.one_line();
            } catch (...) {
#pragma omp critical(precis_maxquant_other)
                if (!other) other = std::current_exception();
            }
        }
        if (other) std::rethrow_exception(other);
        for (size_t k = 0; k < own.size(); ++k) {
            if (!errors[k].empty()) {
                sample_error(own[k], errors[k]);
                continue;
            }
            proteome_status(outcome(own[k]), res[k].qc, s);
            local.proteome[own[k]] = std::move(res[k]);
        }
    }

    // to rank 0: outcomes, annotations, and what was left out
    auto parts = comm.gather(encode(mine));
    auto infos = comm.gather(my_info);
    auto examples = comm.gather(unknown_example);
    comm.reduce_sum_to_root(counts);
    if (!comm.is_root()) return;
    for (auto& p : parts) {
        std::vector<SampleOutcome> v;
        decode(p, v);
        for (auto& o : v) outcomes[o.index].proteome = std::move(o.proteome);
    }
    for (auto& block : infos) {
        size_t a = 0;
        while (a < block.size()) {
            size_t b = block.find('\n', a);
            auto f = split_fields(block.substr(a, b - a), '\t');
            a = b + 1;
            FeatureInfo fi{f[1], f[2], f[3], std::stol(f[4])};
            auto [it, fresh] = info.emplace(f[0], fi);
            if (!fresh) it->second.assay_warnings += fi.assay_warnings;
            if (!fresh && it->second.uniprot != fi.uniprot)
                warnings.push_back(file + ": assay " + f[0] + " has more than one UniProt id (" + it->second.uniprot +
                                   ", " + fi.uniprot + ")");
        }
    }
    if (counts[0] > 0) warnings.push_back(file + ": left out " + fmt_value(counts[0]) + " rows of control samples");
    if (s.proteome.format == ProteomeFormat::OlinkNpx) {  // check_npx: OlinkIDs not of the form OID + 5 digits
        std::vector<std::string> odd;
        for (auto& [id, fi] : info)
            if (!olink_id_valid(id)) odd.push_back(id);
        if (!odd.empty())
            warnings.push_back(file + ": " + std::to_string(odd.size()) + " OlinkID(s) are not of the form OID" +
                               "nnnnn (e.g. '" + odd.front() + "'); check that the OlinkID column holds Olink's ids");
    }
    if (counts[1] > 0) {
        std::string ex;
        for (auto& e : examples)
            if (ex.empty()) ex = e;
        warnings.push_back(file + ": ignored " + fmt_value(counts[1]) + " rows of samples that are not in the sheet (" +
                           "e.g. '" + ex + "')");
    }
}

std::vector<std::string> cohort_genome_stage(Comm& comm, const StudyConfig& study, const SampleSheet& sheet,
                                             const GeneSet* genes, const ScoreSet* scores,
                                             std::map<uint32_t, std::vector<float>>& burden_cols,
                                             std::vector<SampleOutcome>& outcomes, const RegionJournal& rj) {
    const std::string& file = study.genome.cohort_file;
    std::vector<int64_t> cols64;
    std::vector<Region> regions;
    comm.all_or_none([&] {
        if (comm.is_root()) {
            std::vector<std::string> ids;
            for (size_t i = 0; i < sheet.size(); ++i) ids.push_back(sheet.id(i));
            const std::unique_ptr<GenotypeReader> opened = open_genotypes(file, genotype_options(study.genome));
            const int n_file = opened->n_samples();
            for (int c : sample_columns(*opened, ids)) cols64.push_back(c);
            std::vector<char> used(size_t(n_file), 0);
            for (int64_t c : cols64)
                if (c >= 0) used[size_t(c)] = 1;
            const size_t n_used = size_t(std::count(used.begin(), used.end(), 1));
            if (n_used < size_t(n_file))
                std::fprintf(stderr, "precis: %s: %zu of its %d samples are not in the sheet: left out\n", file.c_str(),
                             size_t(n_file) - n_used, n_file);
        }
    });
    comm.broadcast(cols64);
    const std::vector<int> cols(cols64.begin(), cols64.end());
    comm.all_or_none([&] { regions = plan_regions(file, genes, kRegionBp, kRegionCalls); });
    std::string base_key;  // the file, settings and inputs every region's key starts from
    comm.all_or_none([&] {
        if (comm.is_root()) base_key = cohort_vcf_key(study, rj.inputs_sha, cols);
    });
    comm.broadcast(base_key);
    auto region_key = [&](size_t i) {
        const Region& rg = regions[i];
        std::string g;
        for (uint32_t x : rg.genes) g += (genes ? genes->names()[x] : std::to_string(x)) + ",";
        return content_key({base_key, std::to_string(i), rg.contig, std::to_string(rg.beg), std::to_string(rg.end),
                            std::to_string(rg.qbeg), std::to_string(rg.qend), g});
    };
    const GenomeSettings gs = genome_settings(study, scores);
    std::vector<double> qc_raw(cols.size() * GenomeQC::kRaw, 0.0);
    // scores: per (sample, score) an exact sum and the imputed count; per score how its variants matched
    const size_t n_scores = scores ? scores->size() : 0;
    std::vector<ExactSum> score_sums(cols.size() * n_scores);
    std::vector<double> score_imputed(cols.size() * n_scores, 0.0);
    std::vector<double> score_match(n_scores * 4, 0.0);
    std::vector<std::string> region_errors;
    std::vector<size_t> failed;  // rank 0: the regions that could not be read
    std::unique_ptr<GenotypeReader> reader;
    size_t from_journal = 0;  // rank 0: regions taken from the journal
    Progress rprog;
    rprog.what = "regions";
    rprog.total = regions.size();
    // a region's sums, as the journal keeps them, into this rank's totals
    auto add = [&](RegionRecord& r) {
        const Region& rg = regions[r.region];
        for (size_t k = 0; k < r.qc_raw.size(); ++k) qc_raw[k] += r.qc_raw[k];
        for (size_t j = 0; j < rg.genes.size() && j < r.burden.size(); ++j)
            burden_cols[rg.genes[j]] = std::move(r.burden[j]);
        for (size_t j = 0; j < score_sums.size(); ++j) {
            score_sums[j].add_parts(&r.score_parts[j * ExactSum::kParts]);
            score_imputed[j] += r.score_imputed[j];
        }
        for (size_t k = 0; k < r.score_match.size(); ++k) score_match[k] += r.score_match[k];
    };
    task_farm<RegionTask, RegionOutcome>(
        comm, regions.size(),
        [&](size_t i) {
            RegionTask t{i, {}};
            auto it = rj.index->regions.find("region " + std::to_string(i));  // rank 0's index
            if (it != rj.index->regions.end()) t.journal = JournalRef::of(it->second);
            return t;
        },
        [&](const RegionTask& task) -> std::optional<RegionOutcome> {
            const size_t i = size_t(task.region);
            const Region& rg = regions[i];
            const std::string key = region_key(i), name = "region " + std::to_string(i);
            RegionRecord rec;
            std::string payload;
            try {  // finished in an earlier run?
                if (RankJournal::load(task.journal, kRegionRecord, name, key, payload)) {
                    decode(payload, rec);
                    if (rec.region == i && rec.qc_raw.size() == qc_raw.size()) {
                        add(rec);
                        return RegionOutcome{true, {}};
                    }
                }
            } catch (const std::exception&) {  // not a record this version reads: read the region again
            }
            try {
                if (!reader) {  // opened once per worker, index loaded once
                    reader = open_genotypes(file, genotype_options(study.genome));
                    reader->load_index();
                }
                RegionResult r = process_region(*reader, rg, cols, gs, genes);
                rec = RegionRecord{};
                rec.region = i;
                rec.qc_raw.resize(cols.size() * GenomeQC::kRaw);
                for (size_t k = 0; k < cols.size(); ++k) r.qc[k].to_raw(&rec.qc_raw[k * GenomeQC::kRaw]);
                rec.burden = std::move(r.burden);
                rec.score_parts.resize(r.score_sums.size() * ExactSum::kParts);
                for (size_t j = 0; j < r.score_sums.size(); ++j) {
                    r.score_sums[j].parts(&rec.score_parts[j * ExactSum::kParts]);
                    rec.score_imputed.push_back(double(r.score_imputed[j]));
                }
                for (const ScoreMatch& m : r.score_match)
                    rec.score_match.insert(rec.score_match.end(), {double(m.n_matched), double(m.n_flipped),
                                                                   double(m.n_ambiguous), double(m.n_mismatch)});
                rj.journal->append(kRegionRecord, key, name, encode(rec));
                test_kill_point("region", comm.rank());
                add(rec);
                return RegionOutcome{};
            } catch (const Error& e) {
                return RegionOutcome{
                    false, rg.contig + ":" + std::to_string(rg.beg + 1) + "-" + std::to_string(rg.end) + ": " + e.what(),
                    int64_t(i)};
            }
        },
        [&](RegionOutcome&& o) {
            if (!o.error.empty()) region_errors.push_back(o.error), failed.push_back(size_t(o.region));
            from_journal += o.from_journal;
            rprog.tick(o.error.empty());
        });
    if (comm.is_root() && !rj.index->regions.empty())
        std::fprintf(stderr, "precis: %zu of %zu regions taken from the journal of an earlier run\n", from_journal,
                     regions.size());
    comm.reduce_sum_to_root(qc_raw);
    std::vector<double> score_raw(score_sums.size() * ExactSum::kParts);
    for (size_t j = 0; j < score_sums.size(); ++j) score_sums[j].parts(&score_raw[j * ExactSum::kParts]);
    if (n_scores) {
        comm.reduce_sum_to_root(score_raw);
        comm.reduce_sum_to_root(score_imputed);
        comm.reduce_sum_to_root(score_match);
    }
    comm.all_or_none([&] {
        if (!comm.is_root()) return;
        std::vector<ScoreMatch> match(n_scores);
        for (size_t i = 0; i < n_scores; ++i)
            match[i] = {0, int64_t(score_match[i * 4]), int64_t(score_match[i * 4 + 1]),
                        int64_t(score_match[i * 4 + 2]), int64_t(score_match[i * 4 + 3])};
        const uint32_t n_genes = genes ? uint32_t(genes->size()) : 0;
        for (size_t i = 0; i < n_scores; ++i)
            burden_cols[n_genes + uint32_t(i)].assign(sheet.size(), std::nanf(""));
        if (!region_errors.empty() && study.on_sample_error == OnSampleError::Fail)
            throw Error(ErrorKind::MalformedInput,
                        file + ": " + std::to_string(region_errors.size()) + " region(s) could not be read; first: " +
                            region_errors.front(),
                        "check the file (it may be truncated or corrupt) and replace it; or set "
                        "'study.on_sample_error: skip' to leave those regions out");
        // on_sample_error: skip: what a left-out region held is unknown, not zero
        std::vector<char> score_lost(n_scores, 0);
        for (size_t r : failed) {
            const Region& rg = regions[r];
            for (uint32_t g : rg.genes) burden_cols[g].assign(sheet.size(), std::nanf(""));
            const std::string chrom = normalize_chrom(rg.contig);
            for (uint32_t v = 0; scores && v < scores->n_total(); ++v) {
                const ScoreSet::Variant& sv = scores->variant(v);
                if (sv.chrom == chrom && sv.pos - 1 >= rg.beg && sv.pos - 1 < rg.end) score_lost[sv.score] = 1;
            }
        }
        for (size_t k = 0; k < region_errors.size(); ++k)
            std::fprintf(stderr, "precis: warning: %s: region %s left out (study.on_sample_error: skip)\n",
                         file.c_str(), region_errors[k].c_str());
        if (!failed.empty()) {
            size_t genes_lost = 0;
            for (size_t r : failed) genes_lost += regions[r].genes.size();
            std::string lost;
            for (size_t k = 0; k < n_scores; ++k)
                if (score_lost[k]) lost += (lost.empty() ? "" : ", ") + scores->id(k);
            std::fprintf(stderr,
                         "precis: warning: %zu of %zu regions of %s left out: the QC counts come from the others; "
                         "the burden of their %zu gene(s) is NaN%s\n",
                         failed.size(), regions.size(), file.c_str(), genes_lost,
                         lost.empty() ? "" : ("; so are the scores " + lost).c_str());
        }
        for (size_t i = 0; i < sheet.size(); ++i) {
            ModalityOutcome& g = outcomes[i].genome;
            g.present = true;
            g.path = file;
            if (cols[i] < 0) {
                g.status = SampleStatus::Error;
                g.reason = "sample '" + sheet.id(i) + "' (sheet line " +
                           std::to_string(sheet.line(i)) + "): not among the samples of " + file;
                continue;
            }
            GenomeQC q;
            q.add_raw(&qc_raw[i * GenomeQC::kRaw]);
            genome_status(g, q, study);
            if (n_scores) {
                std::vector<ExactSum> sums(n_scores);
                std::vector<int64_t> imputed(n_scores);
                for (size_t k = 0; k < n_scores; ++k) {
                    sums[k].add_parts(&score_raw[(i * n_scores + k) * ExactSum::kParts]);
                    imputed[k] = int64_t(score_imputed[i * n_scores + k]);
                }
                put_scores(g, *scores, sums.data(), imputed.data(), match, study.genome.score_min_overlap);
                for (size_t k = 0; k < n_scores; ++k)
                    if (score_lost[k]) g.scores[k] = std::nan("");
                for (size_t k = 0; k < n_scores; ++k) burden_cols[n_genes + uint32_t(k)][i] = float(g.scores[k]);
            }
        }
    });
    return region_errors;
}

}  // namespace precis

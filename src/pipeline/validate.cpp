#include "pipeline/validate.hpp"
#include "pipeline/stages.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cluster/cluster.hpp"
#include "core/error.hpp"
#include "core/table.hpp"
#include "genome/annotation.hpp"
#include "genome/bgen.hpp"
#include "genome/genome.hpp"
#include "genome/hts.hpp"
#include "genome/plink.hpp"
#include "proteome/cohort.hpp"

namespace fs = std::filesystem;

namespace precis {

std::string Validation::problem_lines() const {
    std::string text;
    for (auto& p : problems) text += (text.empty() ? "" : "\n") + p;
    return text;
}

bool output_writable(const std::string& folder, std::string& why) {
    std::error_code ec;
    fs::path p = fs::absolute(folder, ec).lexically_normal();
    if (fs::exists(p, ec) && !fs::is_directory(p, ec)) {
        why = p.string() + " exists and is not a folder";
        return false;
    }
    fs::path probe = p;
    while (!fs::exists(probe, ec) && probe.has_parent_path() && probe != probe.parent_path()) probe = probe.parent_path();
    if (!fs::is_directory(probe, ec)) {
        why = probe.string() + " is not a folder";
        return false;
    }
    if (::access(probe.c_str(), W_OK | X_OK) != 0) {
        why = probe.string() + " is not writable";
        return false;
    }
    return true;
}

std::string item_fraction_problem(const ClusteringConfig& cc, size_t n, const std::string& whose) {
    const size_t m = cc.landmarks > 0 ? std::min(n, size_t(cc.landmarks)) : n;  // the samples consensus runs on
    const size_t per = resample_size(m, cc.item_fraction);
    if (per >= size_t(cc.k_max)) return "";
    return "'clustering.item_fraction' is " + fmt(cc.item_fraction) + ": each resample of " + whose + " " +
           std::to_string(m) + " samples holds " + std::to_string(per) + ", fewer than the " +
           std::to_string(cc.k_max) + " classes of clustering.k.max (fix: set clustering.item_fraction to at least " +
           fmt(min_item_fraction(m, cc.k_max)) + ", or lower clustering.k.max)";
}

namespace {
// A file's problem, told with the study key that names the file and where: "... (named by 'KEY' at FILE:L:C; fix: ...)"
std::string named_by(const Error& e, const std::string& key, const std::string& at) {
    return std::string(e.what()) + " (named by '" + key + "' at " + at + (e.hint().empty() ? "" : "; fix: " + e.hint()) +
           ")";
}
}  // namespace

Validation validate_study(const std::string& path, const std::vector<std::string>& overrides,
                          const std::string& output, CohortFileCheck check) {
    Validation v;
    v.study = resolve_study(path, overrides, v.problems, output);
    const StudyConfig& s = v.study;
    if (s.sheet.empty()) return v;

    v.sheet = load_sheet(s, v.problems);
    const SampleSheet& sheet = v.sheet;

    // outcomes: each sample's follow-up time and event readable before any work (NA leaves a sample out)
    if (v.problems.empty() && !s.outcomes.empty()) {
        std::vector<int64_t> all(sheet.size());
        for (size_t i = 0; i < all.size(); ++i) all[i] = int64_t(i);
        for (const Endpoint& ep : s.outcomes) {
            try {
                (void)endpoint_data(s, v.sheet, ep, all);
            } catch (const Error& e) {
                v.problems.push_back(e.one_line());
            }
        }
    }

    // a sample whose input is missing: a problem, or under on_sample_error: skip a warning (the run leaves it out)
    auto missing_input = [&](const std::string& msg, const std::string& fix) {
        if (s.on_sample_error == OnSampleError::Skip)
            v.warnings.push_back(msg + " (the sample will be skipped)");
        else
            v.problems.push_back(msg + " (fix: " + fix + "; or set study.on_sample_error: skip to go on without it)");
    };

    // every input file is there and readable
    auto check_file = [&](size_t i, const std::string& file, const std::string& column) {
        std::error_code ec;
        std::string why;
        if (!fs::exists(file, ec))
            why = "does not exist";
        else if (!fs::is_regular_file(file, ec))
            why = "is not a regular file";
        else if (::access(file.c_str(), R_OK) != 0)
            why = "is not readable";
        if (why.empty()) return;
        missing_input(sheet.sample_at(i) + ": " + file + " " + why,
                      "correct column '" + column + "' or restore the file");
    };
    for (size_t i = 0; i < sheet.size(); ++i) {
        if (const std::string f = sheet.vcf(i); s.genome.enabled && !f.empty()) check_file(i, f, s.genome.path_column);
        if (const std::string f = sheet.proteome(i); s.proteome.enabled && !f.empty())
            check_file(i, f, s.proteome.path_column);
    }

    std::error_code ec;
    // a cohort file: readable, indexed, and holding every sample of the sheet
    if (!s.genome.cohort_file.empty()) {
        const std::string& cf = s.genome.cohort_file;
        const std::string at = s.origin_of("genome.cohort_file");
        if (!fs::is_regular_file(cf, ec)) {
            v.problems.push_back(at + ": the cohort file " + cf + " does not exist (fix: correct 'genome.cohort_file')");
        } else {
            if (s.genome.sex_from_fam && !is_plink_path(cf))
                v.problems.push_back(s.origin_of("genome.qc.sex_from_fam") + ": 'genome.qc.sex_from_fam' needs a " +
                                     "PLINK fileset's .fam, but the cohort file is " + cf +
                                     " (fix: give the reported sex in a sheet column, genome.qc.sex_column)");
            // what a PLINK fileset or a BGEN file cannot give: per-genotype DP and GQ, INFO/AF, consequence
            // annotations
            if (is_plink_path(cf) || is_bgen_path(cf)) {
                const std::string kind = is_plink_path(cf) ? "PLINK fileset " : "BGEN file ";
                auto cannot = [&](const std::string& key, const std::string& what, const std::string& fix) {
                    v.problems.push_back(s.origin_of(key) + ": '" + key + "' needs " + what + ", which the " + kind +
                                         cf + " does not have (fix: " + fix + ")");
                };
                if (s.genome.min_dp > 0)
                    cannot("genome.qc.min_dp", "each genotype's DP", "remove it, or give the cohort as VCF/BCF");
                if (s.genome.min_gq > 0)
                    cannot("genome.qc.min_gq", "each genotype's GQ", "remove it, or give the cohort as VCF/BCF");
                if (s.genome.frequencies == Frequencies::InfoAf)
                    cannot("genome.qc.frequencies", "INFO/AF", "use 'cohort' (the default for a cohort file)");
                if (!s.genome.consequences.empty() && s.genome.annotation_table.empty())
                    cannot("genome.features.gene_burden.consequences", "VEP or SnpEff annotations (INFO/CSQ or ANN)",
                           "give them per variant in genome.features.gene_burden.annotation_table, or remove it to "
                           "count every ALT allele in a gene");
            }
            try {
                const std::unique_ptr<GenotypeReader> reader =
                    open_genotypes(cf, genotype_options(s.genome));
                GenotypeReader& vcf = *reader;
                vcf.load_index();
                if (!s.genome.consequences.empty() && s.genome.annotation_table.empty() && !is_plink_path(cf) &&
                    !is_bgen_path(cf))
                    ConsequenceFilter(vcf, s.genome.consequences, name(s.genome.annotation));
                std::vector<std::string> ids;
                for (size_t i = 0; i < sheet.size(); ++i) ids.push_back(sheet.id(i));
                std::vector<int> cols = sample_columns(vcf, ids);
                for (size_t i = 0; i < sheet.size(); ++i) {
                    if (cols[i] >= 0) continue;
                    missing_input(sheet.sample_at(i) + " is not among the " + std::to_string(vcf.n_samples()) +
                                      " samples of " + cf,
                                  "correct the id");
                }
            } catch (const Error& e) {
                v.problems.push_back(at + ": " + e.one_line());
            }
        }
    }

    // a cohort proteome file: there, the right format, and (MaxQuant) a column for every sample
    if (!s.proteome.cohort_file.empty()) {
        const std::string& pf = s.proteome.cohort_file;
        const std::string at = s.origin_of("proteome.cohort_file");
        if (!fs::is_regular_file(pf, ec)) {
            v.problems.push_back(at + ": the proteome file " + pf + " does not exist (fix: correct "
                                      "'proteome.cohort_file')");
        } else {
            try {
                if (s.proteome.format == ProteomeFormat::OlinkNpx) {
                    std::ifstream in(pf);
                    std::string header;
                    std::getline(in, header);
                    NpxColumns cols = npx_header(header, pf);
                    if (cols.plate < 0 && s.proteome.normalize == Normalize::PlateMedian)
                        v.problems.push_back(where(pf, 1) + "no PlateID column, which 'proteome.normalize: "
                                             "plate_median' needs (named at " + s.origin_of("proteome.normalize") +
                                             "; fix: export NPX with plate ids, or choose another normalisation)");
                } else {
                    MaxQuantTable t = check == CohortFileCheck::Full ? read_maxquant(pf) : maxquant_header(pf);
                    const std::string measure = name(s.proteome.measure);
                    for (size_t i = 0; i < sheet.size(); ++i) {
                        const std::string id = sheet.id(i);
                        if (t.column(measure + " " + id) >= 0) continue;
                        missing_input(sheet.sample_at(i) + " has no column '" + measure + " " + id + "' in " + pf,
                                      "correct the id or proteome.measure");
                    }
                }
            } catch (const Error& e) {
                v.problems.push_back(named_by(e, "proteome.cohort_file", at));
            }
        }
    }

    std::vector<std::string> gene_names;  // of a readable genes BED
    if (s.genome.enabled && !s.genome.genes_bed.empty() && !fs::is_regular_file(s.genome.genes_bed, ec)) {
        v.problems.push_back(s.origin_of("genome.features.gene_burden.genes") + ": the genes BED file " +
                             s.genome.genes_bed + " does not exist (fix: correct 'genome.features.gene_burden.genes')");
    } else if (s.genome.enabled && !s.genome.genes_bed.empty()) {
        try {
            gene_names = GeneSet::load(s.genome.genes_bed).names();
        } catch (const Error& e) {
            v.problems.push_back(
                named_by(e, "genome.features.gene_burden.genes", s.origin_of("genome.features.gene_burden.genes")));
        }
    }

    // a consequence table: there and readable (it is read once per process, with the consequences it is read for)
    if (s.genome.enabled && !s.genome.annotation_table.empty() && !s.genome.consequences.empty()) {
        const std::string key = "genome.features.gene_burden.annotation_table";
        if (!fs::is_regular_file(s.genome.annotation_table, ec))
            v.problems.push_back(s.origin_of(key) + ": the annotation table " + s.genome.annotation_table +
                                 " does not exist (fix: correct '" + key + "')");
        else
            try {
                (void)ConsequenceTable::shared(s.genome.annotation_table, s.genome.consequences);
            } catch (const Error& e) {
                v.problems.push_back(named_by(e, key, s.origin_of(key)));
            }
    }

    // scoring files: there, readable, and their ids distinct from each other and from the genes
    if (s.genome.enabled && !s.genome.scores.empty()) {
        const std::string at = s.origin_of("genome.features.scores");
        std::map<std::string, std::string> first_file;  // score id -> the file that gives it
        for (auto& f : s.genome.scores) {
            if (!fs::is_regular_file(f, ec)) {
                v.problems.push_back(at + ": the scoring file " + f +
                                     " does not exist (fix: correct 'genome.features.scores')");
                continue;
            }
            try {
                const std::string id = ScoreSet::load({f}).id(0);
                if (auto [it, fresh] = first_file.emplace(id, f); !fresh)
                    v.problems.push_back(f + ": score '" + id + "' is already given by " + it->second +
                                         " (named by 'genome.features.scores' at " + at +
                                         "; fix: list each score once in genome.features.scores)");
                if (std::find(gene_names.begin(), gene_names.end(), id) != gene_names.end())
                    v.problems.push_back(at + ": score '" + id + "' has the name of a gene in " + s.genome.genes_bed +
                                         " (fix: rename the scoring file or its #pgs_id line)");
            } catch (const Error& e) {
                v.problems.push_back(named_by(e, "genome.features.scores", at));
            }
        }
    }

    // the grouping column and its levels
    const auto& rk = s.ranking;
    if (rk.enabled && rk.groups != "subtype" && !sheet.empty()) {
        int col = v.sheet.column_of(rk.groups, s);
        if (col >= 0 && !sheet.phenotypes.empty()) {
            std::set<std::string> values;
            for (size_t i = 0; i < sheet.size(); ++i)
                if (const std::string_view x = sheet.phenotypes[size_t(col)][i]; !x.empty() && x != "NA")
                    values.emplace(x);
            for (auto& l : rk.levels)
                if (!values.count(l)) {
                    std::string have;
                    for (auto& x : values) have += (have.empty() ? "" : ", ") + x;
                    v.problems.push_back(s.origin_of("ranking.levels") + ": 'ranking.levels' names '" + l +
                                         "', which column '" + rk.groups + "' of " + v.sheet.path +
                                         " never holds (fix: its values are: " + have + ")");
                }
            if (values.size() < 2)
                v.problems.push_back(s.origin_of("ranking.groups") + ": column '" + rk.groups + "' of " +
                                     v.sheet.path + " has fewer than two groups (fix: choose a column with at least "
                                     "two values)");
        }
    }

    // clustering.adjust over the sheet's samples (run checks the QC-passing ones again)
    if (s.clustering.enabled && s.clustering.adjust.enabled() && !sheet.empty()) {
        std::vector<std::string> cols;
        for (auto& [col, key] : s.clustering.adjust.named_columns()) cols.push_back(col);
        bool have = std::set<std::string>(cols.begin(), cols.end()).size() == cols.size();  // else reported
        for (auto& c : cols) have = have && !s.genome.is_pc_column(c);  // PCs exist only once the run makes them
        for (auto& c : cols) have = have && v.sheet.column_of(c, s) >= 0 && !sheet.phenotypes.empty();
        if (have) {
            AdjustDesign d;
            const std::string problem = adjust_design(
                s, sheet.size(),
                [&](const std::string& c, size_t i) { return sheet.phenotype(i, size_t(sheet.column_of(c, s))); },
                [&](size_t i) { return sheet.sample_at(i); },
                d);
            if (!problem.empty()) v.problems.push_back(problem);
        }
    }

    if (s.clustering.enabled && !sheet.empty() && size_t(s.clustering.k_max) >= sheet.size())
        v.problems.push_back(s.origin_of("clustering.k.max") + ": 'clustering.k.max' is " +
                             std::to_string(s.clustering.k_max) +
                             (s.is_set("clustering.k.max") ? "" : " (the default)") + " but the sheet has only " +
                             std::to_string(sheet.size()) + " samples (fix: set clustering.k.max below " +
                             std::to_string(sheet.size()) + ")");

    if (s.clustering.enabled && !sheet.empty() && size_t(s.clustering.k_max) < sheet.size() &&
        (s.clustering.landmarks == 0 || s.clustering.landmarks > s.clustering.k_max)) {  // else reported already
        std::string why_not = item_fraction_problem(s.clustering, sheet.size(), "the sheet's");
        if (!why_not.empty()) v.problems.push_back(s.origin_of("clustering.item_fraction") + ": " + why_not);
    }

    std::string why;
    if (!s.output.empty() && !output_writable(s.output, why))
        v.problems.push_back(s.origin_of("study.output") + ": cannot write the output folder " + s.output + ": " +
                             why + " (fix: set study.output or --output to a folder you can write)");
    return v;
}

}  // namespace precis

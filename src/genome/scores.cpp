#include "genome/scores.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "core/parse.hpp"
#include "core/error.hpp"
#include "core/table.hpp"
#include "genome/genome.hpp"
#include "genome/hts.hpp"

namespace precis {

double ScoreMatch::match_rate() const {
    return n_variants == 0 ? std::numeric_limits<double>::quiet_NaN() : double(n_matched) / double(n_variants);
}

namespace {

std::string upper(std::string s) {
    for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

char complement(char b) {
    switch (b) {
    case 'A': return 'T';
    case 'T': return 'A';
    case 'C': return 'G';
    case 'G': return 'C';
    default: return 0;
    }
}

// The other strand's allele of a single base (strand flips are defined for SNVs only), or "".
std::string flip(const std::string& a) {
    if (a.size() != 1 || !complement(a[0])) return "";
    return std::string(1, complement(a[0]));
}

bool truthy(const std::string& v) {
    std::string u = upper(v);
    return u == "TRUE" || u == "T" || u == "1" || u == "YES";
}

std::string score_name(const std::string& path) {
    std::string n = std::filesystem::path(path).filename().string();
    for (const char* suffix : {".gz", ".txt", ".tsv"})
        if (n.size() > std::string(suffix).size() && n.compare(n.size() - std::string(suffix).size(),
                                                               std::string(suffix).size(), suffix) == 0)
            n.resize(n.size() - std::string(suffix).size());
    return n;
}

}  // namespace

ScoreSet ScoreSet::load(const std::vector<std::string>& paths) {
    ScoreSet set;
    std::map<std::string, std::string> first_file;
    for (const std::string& path : paths) {
        const uint32_t s = uint32_t(set.ids_.size());
        std::vector<std::string> lines = hts::read_text_lines(path);
        std::string pgs_id;
        std::vector<std::string> header;
        size_t li = 0;
        for (; li < lines.size(); ++li) {
            const std::string& l = lines[li];
            if (l.empty()) continue;
            if (l[0] == '#') {
                if (l.rfind("#pgs_id=", 0) == 0) pgs_id = l.substr(8);
                continue;
            }
            header = split_fields_at(l, '\t', path, long(li + 1));
            break;
        }
        if (header.empty())
            throw_malformed(path + ": no column header (effect_allele, effect_weight, ...)",
                            "give a PGS Catalog scoring file (format 2.0), e.g. PGS000001_hmPOS_GRCh38.txt.gz");
        auto col = [&](const char* name) {
            auto it = std::find(header.begin(), header.end(), name);
            return it == header.end() ? -1 : int(it - header.begin());
        };
        const int c_ea = col("effect_allele"), c_w = col("effect_weight"), c_oa = col("other_allele"),
                  c_infer = col("hm_inferOtherAllele"), c_af = col("allelefrequency_effect");
        int c_chr = col("hm_chr"), c_pos = col("hm_pos");
        const bool harmonized = c_chr >= 0 && c_pos >= 0;
        if (!harmonized) c_chr = col("chr_name"), c_pos = col("chr_position");
        const std::string at = where(path, long(li + 1));
        if (c_ea < 0 || c_w < 0)
            throw_malformed(at + "the scoring file has no '" + std::string(c_ea < 0 ? "effect_allele" : "effect_weight") +
                                "' column",
                            "give a PGS Catalog scoring file (format 2.0)");
        if (c_chr < 0 || c_pos < 0)
            throw_malformed(at + "the scoring file gives no positions (chr_name/chr_position or hm_chr/hm_pos)",
                            "download the harmonized file from the PGS Catalog (e.g. PGS000001_hmPOS_GRCh38.txt.gz), "
                            "whose hm_chr and hm_pos columns place every variant");
        for (const char* unsupported : {"dosage_0_weight", "dosage_1_weight", "dosage_2_weight"})
            if (col(unsupported) >= 0)
                throw_malformed(at + "column '" + unsupported + "': genotype-specific weights are not supported",
                                "use a score with additive weights (effect_weight only)");
        std::vector<int> flags;
        for (const char* f : {"is_interaction", "is_dominant", "is_recessive", "is_haplotype", "is_diplotype"})
            flags.push_back(col(f));
        if (pgs_id.empty()) pgs_id = score_name(path);
        if (auto [it, fresh] = first_file.emplace(pgs_id, path); !fresh)
            throw_malformed(path + ": score '" + pgs_id + "' is already given by " + it->second,
                            "list each score once in genome.features.scores");
        set.ids_.push_back(pgs_id);
        set.files_.push_back(path);
        set.n_variants_.push_back(0);
        std::map<std::tuple<std::string, int64_t, std::string>, long> seen;
        for (++li; li < lines.size(); ++li) {
            const std::string& l = lines[li];
            if (l.empty() || l[0] == '#') continue;
            const std::string here = where(path, long(li + 1));
            std::vector<std::string> f = split_fields_at(l, '\t', path, long(li + 1));
            if (f.size() != header.size())
                throw_malformed(here + "has " + std::to_string(f.size()) + " fields, the header " +
                                    std::to_string(header.size()),
                                "the file must be tab-separated with one value per column");
            for (size_t k = 0; k < flags.size(); ++k)
                if (flags[k] >= 0 && truthy(f[flags[k]]))
                    throw_malformed(here + "'" + header[flags[k]] + "' is set: only additive weights are supported",
                                    "use a score without interaction, dominant, recessive or haplotype terms");
            ++set.n_variants_[s];
            Variant v;
            v.score = s;
            v.effect = upper(f[c_ea]);
            if (v.effect.empty()) throw_malformed(here + "empty effect_allele", "give every variant its effect allele");
            if (!parse_double(f[c_w], v.weight) || !std::isfinite(v.weight))
                throw_malformed(here + "effect_weight '" + f[c_w] + "' is not a number", "fix the weight");
            if (c_oa >= 0) v.other = upper(f[c_oa]);
            if (v.other.empty() && c_infer >= 0 && f[c_infer].find('/') == std::string::npos)
                v.other = upper(f[c_infer]);  // the harmonizer's inferred other allele, when it is unique
            if (c_af >= 0 && !f[c_af].empty()) {
                double p = -1;
                if (parse_double(f[c_af], p) && p >= 0 && p <= 1) v.effect_freq = p;
            }
            if (f[c_chr].empty() || f[c_pos].empty()) continue;  // not placed by the harmonizer: absent
            v.chrom = normalize_chrom(f[c_chr]);
            if (!parse_int(f[c_pos], v.pos) || v.pos <= 0)
                throw_malformed(here + "position '" + f[c_pos] + "' is not a positive whole number", "fix the position");
            if (auto [it, fresh] = seen.emplace(std::make_tuple(v.chrom, v.pos, v.effect), long(li + 1)); !fresh)
                throw_malformed(here + "variant " + v.chrom + ":" + std::to_string(v.pos) + " effect allele " +
                                    v.effect + " is listed again (first on line " + std::to_string(it->second) + ")",
                                "keep one line per variant and effect allele");
            set.by_chrom_[v.chrom][v.pos].push_back(uint32_t(set.variants_.size()));
            set.variants_.push_back(std::move(v));
        }
        if (set.n_variants_[s] == 0) throw_malformed(path + ": the scoring file lists no variants", "give a PGS Catalog scoring file with its variant rows");
    }
    return set;
}

const ScoreSet::Positions* ScoreSet::chrom(const std::string& c) const {
    auto it = by_chrom_.find(c);
    return it == by_chrom_.end() ? nullptr : &it->second;
}

ScoreSet::Fit ScoreSet::fit(uint32_t vi, const std::vector<std::string>& alleles, int& allele) const {
    const Variant& v = variants_[vi];
    auto index = [&](const std::string& a) {
        for (size_t i = 0; i < alleles.size(); ++i)
            if (alleles[i].size() == a.size() && upper(alleles[i]) == a) return int(i);
        return -1;
    };
    // the other allele: as given, else the record's other allele when it is biallelic
    std::string other = v.other;
    const int e = index(v.effect);
    if (other.empty() && alleles.size() == 2 && e >= 0) other = upper(alleles[1 - e]);
    if (!other.empty() && flip(v.effect) == other) return Fit::Ambiguous;  // A/T or C/G: strand unknowable
    if (e >= 0 && (other.empty() || index(other) >= 0) && other != v.effect) {
        allele = e;
        return Fit::Direct;
    }
    const std::string fe = flip(v.effect), fo = flip(v.other);
    if (!fe.empty() && (v.other.empty() || !fo.empty())) {
        const int e2 = index(fe);
        if (e2 >= 0 && (v.other.empty() || index(fo) >= 0)) {
            if (v.other.empty() && alleles.size() == 2 && flip(upper(alleles[1 - e2])) == v.effect)
                return Fit::Ambiguous;
            allele = e2;
            return Fit::Flipped;
        }
    }
    return Fit::Mismatch;
}

}  // namespace precis

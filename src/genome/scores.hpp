// Polygenic scores from PGS Catalog scoring files (format 2.0; harmonized hm_chr/hm_pos columns preferred).
// Sums are ExactSums, so that a score is the same at any number of ranks. No MPI here.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/exact_sum.hpp"

namespace precis {

// How one score's variants met a VCF: matched (directly or on the other strand), palindromic A/T or C/G SNPs left
// out, a record at the position whose alleles did not fit, or no record at all.
struct ScoreMatch {
    int64_t n_variants = 0, n_matched = 0, n_flipped = 0, n_ambiguous = 0, n_mismatch = 0;
    double match_rate() const;
    int64_t n_absent() const { return n_variants - n_matched - n_ambiguous - n_mismatch; }
};

class ScoreSet {
public:
    struct Variant {
        std::string chrom;  // normalised (no 'chr')
        int64_t pos = 0;    // 1-based
        std::string effect, other;  // upper case; other may be empty
        double weight = 0;
        double effect_freq = -1;  // allelefrequency_effect, -1 if not given
        uint32_t score = 0;
    };
    // Reads the files (plain or gzipped). Throws MalformedInput naming the file, line and fix.
    static ScoreSet load(const std::vector<std::string>& paths);

    size_t size() const { return ids_.size(); }
    const std::string& id(size_t s) const { return ids_[s]; }    // #pgs_id, else the file name without suffixes
    const std::string& file(size_t s) const { return files_[s]; }
    int64_t n_variants(size_t s) const { return n_variants_[s]; }
    size_t n_total() const { return variants_.size(); }
    const Variant& variant(uint32_t v) const { return variants_[v]; }
    // The variants of one chromosome (normalised name) by 1-based position, or nullptr.
    using Positions = std::unordered_map<int64_t, std::vector<uint32_t>>;
    const Positions* chrom(const std::string& chrom) const;

    enum class Fit { Direct, Flipped, Ambiguous, Mismatch };
    // How variant v fits a record's alleles (REF first); `allele` gets the index of the effect allele.
    Fit fit(uint32_t v, const std::vector<std::string>& alleles, int& allele) const;

private:
    std::vector<std::string> ids_, files_;
    std::vector<int64_t> n_variants_;
    std::vector<Variant> variants_;
    std::unordered_map<std::string, Positions> by_chrom_;
};

}  // namespace precis

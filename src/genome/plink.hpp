// PLINK 1 binary filesets (.bed + .bim + .fam), read as sites like a VCF's: the genotype files of arrays and most
// GWAS consortia. The .bed must be SNP-major (plink 1.9's and plink2's --make-bed; magic bytes 6c 1b 01).
// Alleles: A2 is REF and A1 is ALT, as plink2 imports a .bim (an A1 of '0', a monomorphic site, gives no ALT).
// Calls are hard and diploid: 00 = A1/A1, 10 = A2/A1, 11 = A2/A2, 01 = missing. Chromosome codes 23-26 are named
// X, Y, XY and MT, as plink2 --export vcf writes them.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "genome/reader.hpp"

namespace precis {

struct PlinkVariant {
    std::string contig, id, a1, a2;
    int64_t pos = 0;  // 1-based, as the .bim writes it
    long line = 0;    // in the .bim
};

// The three files of a fileset from any one of them or their common prefix ("cohort", "cohort.bed").
struct PlinkPaths {
    std::string bed, bim, fam;
};
PlinkPaths plink_paths(const std::string& path);
// True for a path ending in .bed, .bim or .fam.
bool is_plink_path(const std::string& path);

class PlinkReader : public GenotypeReader {
public:
    // Reads the .fam and .bim and checks the .bed's magic bytes and size. Throws MalformedInput naming the file,
    // line and fix: wrong column counts, a repeated sample id, a position that is not a number, an individual-major
    // .bed, a .bed whose size is not that of its .bim x .fam.
    explicit PlinkReader(const std::string& path);
    ~PlinkReader() override;
    PlinkReader(const PlinkReader&) = delete;
    PlinkReader& operator=(const PlinkReader&) = delete;

    const std::string& path() const override { return paths_.bed; }
    int n_samples() const override { return int(iids_.size()); }
    std::string sample_name(int i) const override { return iids_[size_t(i)]; }
    const std::string& family_id(int i) const { return fids_[size_t(i)]; }
    int fam_sex(int i) const { return sex_[size_t(i)]; }  // the .fam's code: 1 male, 2 female, 0 unknown
    size_t n_variants() const { return variants_.size(); }
    const PlinkVariant& variant(size_t v) const { return variants_[v]; }

    std::vector<std::pair<std::string, int64_t>> contigs() const override;
    void load_index() override {}  // (the .bim is its own index)
    bool query(const std::string& contig, int64_t beg, int64_t end) override;
    bool next() override;
    const Site& site() const override { return site_; }
    long records_read() const override { return n_read_; }
    const std::vector<float>& allele_frequencies() override { return no_af_; }
    bool info_text(const char*, std::string&) override { return false; }
    std::string info_description(const char*) const override { return ""; }

private:
    void read_fam();
    void read_bim();
    void decode(size_t v);  // variant v -> site_

    PlinkPaths paths_;
    std::vector<std::string> fids_, iids_;
    std::vector<int> sex_;
    std::vector<PlinkVariant> variants_;
    // per contig (in the .bim's order of first appearance): its variants sorted by position (stable)
    std::vector<std::string> contig_order_;
    std::unordered_map<std::string, std::vector<size_t>> by_contig_;
    std::unordered_map<std::string, int64_t> max_span_;  // the longest REF of the contig, for overlap queries
    std::FILE* bed_ = nullptr;
    size_t bytes_per_variant_ = 0;
    long file_at_ = -1;  // where the next read starts, when known
    std::vector<unsigned char> buf_;
    // the current query (or the whole file in .bim order when none was made)
    const std::vector<size_t>* list_ = nullptr;
    size_t at_ = 0, stop_ = 0;
    bool queried_ = false;
    int64_t query_beg_ = 0, query_end_ = 0;
    long n_read_ = 0;
    Site site_;
    std::vector<float> no_af_;
};

}  // namespace precis

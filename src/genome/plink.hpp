// PLINK 1 binary filesets (.bed + .bim + .fam), read as sites like a VCF's: the genotype files of arrays and most
// GWAS consortia. The .bed must be SNP-major (plink 1.9's and plink2's --make-bed; magic bytes 6c 1b 01).
// Alleles: A2 is REF and A1 is ALT, as plink2 imports a .bim (an A1 of '0', a monomorphic site, gives no ALT).
// Calls are hard and diploid: 00 = A1/A1, 10 = A2/A1, 11 = A2/A2, 01 = missing. Chromosome codes 23-26 are named
// X, Y, XY and MT, as plink2 --export vcf writes them.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "genome/reader.hpp"
#include "genome/site_index.hpp"

namespace precis {

struct PlinkVariant {
    std::string_view id, a1, a2;  // in PlinkFileset::bim_text
    int64_t pos = 0;              // 1-based, as the .bim writes it
    long line = 0;                // in the .bim
    uint32_t contig = 0;          // PlinkFileset::contigs
};

// The three files of a fileset from any one of them or their common prefix ("cohort", "cohort.bed").
struct PlinkPaths {
    std::string bed, bim, fam;
};
PlinkPaths plink_paths(const std::string& path);
// True for a path ending in .bed, .bim or .fam.
bool is_plink_path(const std::string& path);

// The .fam and .bim of a fileset, parsed once: a process opens the same fileset many times (checks, planning, each
// block), so open_genotypes keeps the last one parsed and shares it while the files are unchanged.
struct PlinkFileset {
    PlinkPaths paths;
    std::vector<std::string> fids, iids;
    std::vector<int> sex;  // the .fam's code: 1 male, 2 female, 0 unknown
    std::string bim_text;  // the whole .bim, which the variants' ids and alleles point into
    std::vector<PlinkVariant> variants;
    SiteIndex sites;  // the variants by contig and position
    // per naming (0: IID, 1: FID_IID), the first sample whose name an earlier one has: {earlier, it}, or {-1, -1}
    std::pair<long, long> repeat[2] = {{-1, -1}, {-1, -1}};

    // sample i's name: its IID, or with `fid_iid` its FID and IID joined by '_'
    std::string name(size_t i, bool fid_iid) const { return fid_iid ? fids[i] + "_" + iids[i] : iids[i]; }
    // Reads and checks the .fam and .bim (see PlinkReader). Throws MalformedInput.
    static std::shared_ptr<const PlinkFileset> load(const PlinkPaths& paths);
};

class PlinkReader : public GenotypeReader {
public:
    // Reads the .fam and .bim (or takes them from the last opening of the same unchanged files) and checks the
    // .bed's magic bytes and size. Throws MalformedInput naming the file, line and fix: wrong column counts, a
    // repeated sample or variant id, a position that is not a number, an individual-major .bed, a .bed whose size
    // is not that of its .bim x .fam. `shared`: take the parsed .fam/.bim from the process's last opening of the
    // same files when their names, sizes and times are unchanged (false: parse them, e.g. files rewritten at once).
    // `fid_iid`: samples are named FID_IID (the .fam's family and individual ids joined by '_', as plink2 --export
    // vcf names them) instead of IID.
    explicit PlinkReader(const std::string& path, bool shared = true, bool fid_iid = false);
    ~PlinkReader() override;
    PlinkReader(const PlinkReader&) = delete;
    PlinkReader& operator=(const PlinkReader&) = delete;

    const std::string& path() const override { return set_->paths.bed; }
    int n_samples() const override { return int(set_->iids.size()); }
    std::string sample_name(int i) const override { return set_->name(size_t(i), fid_iid_); }
    const std::string& family_id(int i) const { return set_->fids[size_t(i)]; }
    int fam_sex(int i) const { return set_->sex[size_t(i)]; }  // the .fam's code: 1 male, 2 female, 0 unknown
    size_t n_variants() const { return set_->variants.size(); }
    const PlinkVariant& variant(size_t v) const { return set_->variants[v]; }

    std::vector<std::pair<std::string, int64_t>> contigs() const override;
    void load_index() override {}  // (the .bim is its own index)
    bool query(const std::string& contig, int64_t beg, int64_t end) override;
    bool next() override;
    const Site& site() const override { return site_; }
    long records_read() const override { return n_read_; }
    const std::vector<float>& allele_frequencies() override { return no_af_; }
    bool info_text(const char*, std::string&) override { return false; }
    std::string info_description(const char*) const override { return ""; }
    const uint64_t* packed_calls() const override { return words_.data(); }
    bool defer_calls() override { return deferred_ = true; }
    void fill_calls() override;
    const std::vector<int64_t>* site_positions(const std::string& contig) const override;

private:
    void read(size_t v);  // variant v's bytes -> words_, site_ without its calls

    std::shared_ptr<const PlinkFileset> set_;
    bool fid_iid_ = false;
    std::FILE* bed_ = nullptr;
    size_t bytes_per_variant_ = 0;
    // variants [chunk_first_, chunk_first_ + chunk_n_) as read from the .bed (a read serves many variants)
    std::vector<unsigned char> chunk_;
    size_t chunk_first_ = 0, chunk_n_ = 0;
    std::vector<uint64_t> words_;  // the current variant's calls, padded
    bool deferred_ = false, filled_ = false;
    SiteCursor cursor_;  // the current query (or the whole file in .bim order when none was made)
    long n_read_ = 0;
    Site site_;
    std::vector<float> no_af_;
};

}  // namespace precis

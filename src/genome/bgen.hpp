// BGEN 1.2 files (layout 2: what UK Biobank, All of Us and plink2 --export bgen-1.2 write), read as sites like a
// VCF's: genotype probabilities (zlib- or zstd-compressed or plain blocks, 1 to 32 bits per probability, phased or
// not, ploidy 0 to 2, any number of alleles), turned into each allele's dosage and a hard call.
//
// Hard calls follow plink2 --hard-call-threshold (default 0.1): a biallelic call is the ALT dosage's nearest whole
// number when it lies within the threshold of it, else missing; a haploid call's dosage counts double, as plink's
// haploid calls do. A multi-allelic call is its most probable genotype when that probability is at least 1 - the
// threshold. The first allele is REF (plink2 --bgen ref-first; plink2 --export writes REF first). Samples are the
// .sample file's ID_2 when a PREFIX.sample lies beside PREFIX.bgen, else the ids the file holds.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "genome/reader.hpp"
#include "genome/site_index.hpp"

struct libdeflate_decompressor;

namespace precis {

bool is_bgen_path(const std::string& path);  // ends in .bgen
std::string bgen_sample_path(const std::string& path);  // the .sample beside it: X.bgen -> X.sample

// The header, samples and variant index of a BGEN file, read once per process and shared while the file (and its
// .sample) are unchanged.
struct BgenFile {
    std::string path, sample_path;  // sample_path: the .sample used, or ""
    int compression = 0;            // 0 none, 1 zlib, 2 zstd
    uint32_t n_samples = 0;
    std::vector<std::string> ids;
    std::vector<int64_t> offsets;  // each variant's block, in file order
    SiteIndex sites;
    // Reads the header and samples, and plans the variants by one pass over their headers (each genotype block is
    // skipped). Throws MalformedInput naming the file, the byte offset or variant, and the fix.
    // With a bgenix index beside it (PATH.bgi), the variants come from the index instead, checked against the
    // file; an index that does not fit it is refused.
    static std::shared_ptr<const BgenFile> load(const std::string& path, bool shared = true);

private:
    static void load_bgi(BgenFile& b, const std::string& bgi, int64_t first, uint32_t m);
};

class BgenReader : public GenotypeReader {
public:
    explicit BgenReader(const std::string& path, double hard_call_threshold = 0.1, bool shared = true);
    ~BgenReader() override;
    BgenReader(const BgenReader&) = delete;
    BgenReader& operator=(const BgenReader&) = delete;

    const std::string& path() const override { return file_->path; }
    int n_samples() const override { return int(file_->n_samples); }
    std::string sample_name(int i) const override { return file_->ids[size_t(i)]; }
    std::vector<std::pair<std::string, int64_t>> contigs() const override { return file_->sites.lengths(); }
    void load_index() override {}
    bool query(const std::string& contig, int64_t beg, int64_t end) override {
        return cursor_.query(file_->sites, contig, beg, end);
    }
    bool next() override;
    const Site& site() const override { return site_; }
    long records_read() const override { return n_read_; }
    const std::vector<float>& allele_frequencies() override { return no_af_; }
    bool info_text(const char*, std::string&) override { return false; }
    std::string info_description(const char*) const override { return ""; }
    // A biallelic record whose samples are all diploid (or missing) also has its hard calls packed as a .bed row.
    const uint64_t* packed_calls() const override { return packed_ok_ ? words_.data() : nullptr; }
    // Deferred, a biallelic unphased record of diploid samples is decoded into its packed calls and dosage totals
    // only; fill_calls() adds the calls and dosages of each sample.
    bool defer_calls() override { return deferred_ = true; }
    void fill_calls() override;
    const std::vector<int64_t>* site_positions(const std::string& contig) const override {
        const SiteIndex::Contig* c = file_->sites.find(contig);
        return c ? &c->positions : nullptr;
    }

private:
    void read(size_t v);
    void decode();  // the genotype block -> calls, dosages and (when they exist) packed calls
    void decode_diploid(bool full);
    [[noreturn]] void bad_probabilities(size_t sample) const;

    std::shared_ptr<const BgenFile> file_;
    double threshold_;
    std::FILE* f_ = nullptr;
    struct libdeflate_decompressor* inflater_ = nullptr;  // (zlib blocks)
    SiteCursor cursor_;
    std::vector<unsigned char> raw_, data_;  // the genotype block as stored, and decompressed
    size_t variant_ = 0;
    long n_read_ = 0;
    bool packed_ok_ = false, deferred_ = false;
    struct {
        const unsigned char* prob = nullptr;  // a record decode_diploid() has not filled the calls of, or nullptr
        unsigned bits = 0;
    } pending_;
    std::vector<uint64_t> words_;
    std::vector<uint32_t> table8_;  // decode_diploid's rule for every pair of 8-bit values, made at first need
    Site site_;
    std::vector<float> no_af_;
};

}  // namespace precis

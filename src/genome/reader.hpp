// What the genome stages read from a genotype file, whatever its format: its samples and contigs, and its sites in
// order (all of them, or those of a queried region), each with every sample's calls. VCF/BCF (hts::VcfReader)
// implements it; the binary formats national projects ship implement it beside it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace precis {

// One record, decoded as far as precis needs it: position, alleles, FILTER, and each sample's GT, DP and GQ in
// htslib's encodings (bcf_gt_* alleles padded with bcf_int32_vector_end; bcf_int32_missing for absent values).
struct Site {
    std::string contig;
    int64_t pos = 0;                   // 0-based
    int64_t rlen = 1;                  // reference span (INFO/END for symbolic alleles)
    std::vector<std::string> alleles;  // REF first
    bool pass = true;                  // FILTER is PASS or '.'
    int ploidy = 0;                    // GT values per sample; 0 when the record has no GT
    std::vector<int32_t> gt;           // n_samples x ploidy
    std::vector<int32_t> dp, gq;       // n_samples each, or empty when FORMAT lacks the field
    // formats with genotype probabilities (BGEN): n_samples x alleles, each allele's expected copies (a haploid
    // sample's counted twice, as plink counts haploid calls); NaN for a sample without data. Empty for the others.
    std::vector<float> dosage;
    // the same summed over every sample that has data, per allele, and how many samples have (empty without)
    std::vector<double> dosage_totals;
    int64_t dosage_samples = 0;
};

class GenotypeReader {
public:
    virtual ~GenotypeReader() = default;
    virtual const std::string& path() const = 0;
    virtual int n_samples() const = 0;
    virtual std::string sample_name(int i) const = 0;
    // Contigs with their lengths (0 where the file gives none), in the file's order.
    virtual std::vector<std::pair<std::string, int64_t>> contigs() const = 0;
    // Makes query() possible (a VCF's .csi/.tbi); throws MalformedInput naming the fix if it cannot.
    virtual void load_index() = 0;
    // Restricts next() to the records overlapping [beg, end) (0-based) on `contig`; false if the contig is unknown
    // (then next() returns nothing).
    virtual bool query(const std::string& contig, int64_t beg, int64_t end) = 0;
    // Next record into site(); false at the end of the file (or of the queried region). Throws MalformedInput on a
    // broken record, naming the file and the record.
    virtual bool next() = 0;
    virtual const Site& site() const = 0;  // the same object for every record (filled in place by next())
    virtual long records_read() const = 0;  // so far: the current record's number, for messages
    // INFO/AF of the current record, one value per ALT (NaN where missing); empty if it has none.
    virtual const std::vector<float>& allele_frequencies() = 0;
    // The text value of INFO/`key` of the current record (e.g. CSQ, ANN); false if the record has none.
    virtual bool info_text(const char* key, std::string& out) = 0;
    // The Description of an ##INFO header line, or "" if the file does not declare `key`.
    virtual std::string info_description(const char* key) const = 0;

    // Formats that store hard diploid calls packed (PLINK 1) give them as they are, which counting can use without
    // unpacking: the current record's calls as 2 bits per sample, sample i in bits 2(i % 32) of word i / 32 (00 hom
    // ALT, 01 missing, 10 het, 11 hom REF; the last word padded with 00), or nullptr when the format has none.
    virtual const uint64_t* packed_calls() const { return nullptr; }
    // Asks next() to leave site().gt as it is until fill_calls() (for a reader that has packed calls); false, and
    // nothing changes, for one that has not.
    virtual bool defer_calls() { return false; }
    virtual void fill_calls() {}
    // The 0-based positions of a contig's sites in order, when the reader knows them without reading the file (a
    // PLINK .bim); nullptr otherwise. For planning blocks of about equal numbers of sites.
    virtual const std::vector<int64_t>* site_positions(const std::string& contig) const {
        (void)contig;
        return nullptr;
    }
};

namespace hts {
class ThreadPool;
}

// How a study reads its genotype files' samples and calls.
struct GenotypeOptions {
    double hard_call_threshold = 0.1;  // BGEN calls (genome.qc.hard_call_threshold)
    bool fid_iid = false;              // PLINK: samples named FID_IID instead of IID (genome.sample_ids: fid_iid)
};

// The reader for a genotype file by its name: a PLINK 1 fileset (a .bed, .bim or .fam, or their prefix when `plink`
// is said), a BGEN file (.bgen), else VCF/BCF. `pool`: decompression threads for a VCF read from start to end
// (nullptr: none).
std::unique_ptr<GenotypeReader> open_genotypes(const std::string& path, const GenotypeOptions& options = {},
                                               bool plink = false, hts::ThreadPool* pool = nullptr);

}  // namespace precis

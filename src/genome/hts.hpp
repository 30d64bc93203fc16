// htslib, wrapped once: RAII owners with checked calls. Analysis code uses these, never raw htslib handles.
#pragma once
#include <htslib/bgzf.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include <memory>
#include <string>
#include <vector>

namespace precis::hts {

// Reads VCF, VCF.gz or BCF records one at a time.
class VcfReader {
public:
    explicit VcfReader(const std::string& path);
    ~VcfReader();
    VcfReader(const VcfReader&) = delete;
    VcfReader& operator=(const VcfReader&) = delete;

    const std::string& path() const { return path_; }
    bcf_hdr_t* header() const { return hdr_; }
    int n_samples() const { return bcf_hdr_nsamples(hdr_); }
    std::string sample_name(int i) const { return hdr_->samples[i]; }
    const char* contig(int rid) const { return bcf_hdr_id2name(hdr_, rid); }

    // Contigs of the header with their lengths (0 where the header gives none).
    std::vector<std::pair<std::string, int64_t>> contigs() const;
    // Loads the file's index (.csi, or .tbi for VCF.gz); throws MalformedInput naming the fix if there is none.
    void load_index();
    // Restricts next() to the records overlapping [beg, end) (0-based) on `contig`; false if the index does not
    // know the contig (then next() returns nothing).
    bool query(const std::string& contig, int64_t beg, int64_t end);

    // Next record (alleles and filters unpacked; INFO and FORMAT on first use); false at end of file (or of the
    // queried region). Throws MalformedInput on a
    // broken record.
    bool next();
    bcf1_t* record() const { return rec_; }
    long records_read() const { return n_read_; }

    // Per-record accessors; each tag has its own reused buffer, valid until the next record.
    // Return the number of values, or <= 0 if absent.
    int genotypes(int32_t** out);
    int format_int(const char* tag, int32_t** out);
    int info_float(const char* tag, float** out);
    bool passes_filter() const;  // FILTER is PASS or '.'

private:
    std::string path_;
    htsFile* fp_ = nullptr;
    bcf_hdr_t* hdr_ = nullptr;
    bcf1_t* rec_ = nullptr;
    long n_read_ = 0;
    bool is_bcf_ = false;
    hts_idx_t* idx_ = nullptr;   // BCF index
    tbx_t* tbx_ = nullptr;         // tabix index of a VCF.gz
    hts_itr_t* itr_ = nullptr;
    bool query_empty_ = false;
    kstring_t line_ = {0, 0, nullptr};
    int32_t* gt_ = nullptr;
    int n_gt_ = 0;
    struct IntBuf {
        int32_t* p = nullptr;
        int n = 0;
    };
    std::vector<std::pair<std::string, IntBuf>> ibufs_;
    float* fbuf_ = nullptr;
    int n_fbuf_ = 0;
};

// A bgzip-compressed text writer (BGZF), for VCFs that tabix can index.
class BgzfWriter {
public:
    explicit BgzfWriter(const std::string& path);
    ~BgzfWriter();
    BgzfWriter(const BgzfWriter&) = delete;
    BgzfWriter& operator=(const BgzfWriter&) = delete;
    void write(const std::string& s);
    void close();  // flush and close; throws IO on failure

private:
    std::string path_;
    BGZF* fp_ = nullptr;
};

// Builds a tabix (.tbi) index for a bgzipped VCF.
void tabix_index_vcf(const std::string& path);

}  // namespace precis::hts

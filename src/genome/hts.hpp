// htslib, wrapped once: RAII owners with checked calls. Analysis code uses these, never raw htslib handles.
#pragma once
#include <htslib/bgzf.h>
#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/thread_pool.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include <memory>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "genome/reader.hpp"

namespace precis::hts {

// htslib's thread pool, shared by the files one worker reads one after another: BGZF blocks are decompressed
// ahead on its threads while the worker decodes. Worth it for files read from start to end; a region query
// flushes the read-ahead, so cohort-file regions are read without it.
class ThreadPool {
public:
    explicit ThreadPool(int threads);  // throws IO if the threads cannot be started
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;
    htsThreadPool* get() { return &pool_; }

private:
    htsThreadPool pool_ = {nullptr, 0};
};

using precis::Site;

// Reads VCF, VCF.gz or BCF records one at a time. Text VCF is decoded by precis itself, reading only CHROM, POS,
// REF, ALT, FILTER and the GT/DP/GQ subfields (INFO/AF and END on request); BCF goes through htslib.
class VcfReader : public GenotypeReader {
public:
    explicit VcfReader(const std::string& path, ThreadPool* pool = nullptr);
    ~VcfReader() override;
    VcfReader(const VcfReader&) = delete;
    VcfReader& operator=(const VcfReader&) = delete;

    const std::string& path() const override { return path_; }
    int n_samples() const override { return bcf_hdr_nsamples(hdr_); }
    std::string sample_name(int i) const override { return hdr_->samples[i]; }

    // Contigs of the header with their lengths (0 where the header gives none).
    std::vector<std::pair<std::string, int64_t>> contigs() const override;
    // Loads the file's index (.csi, or .tbi for VCF.gz); throws MalformedInput naming the fix if there is none.
    void load_index() override;
    bool query(const std::string& contig, int64_t beg, int64_t end) override;
    bool next() override;
    const Site& site() const override { return site_; }
    long records_read() const override { return n_read_; }
    const std::vector<float>& allele_frequencies() override;
    bool info_text(const char* key, std::string& out) override;
    std::string info_description(const char* key) const override;

private:
    bool next_line();              // text: a region's first line, through the index, into line_
    bool buffered_line(const char*& line, size_t& len);  // text: the next line from rbuf_ (no '\n')
    void decode_text(const char* line, size_t len);     // -> site_
    void decode_bcf();             // rec_ -> site_
    [[noreturn]] void broken(const std::string& what) const;
    void check_index();            // throws MalformedInput if the index is stale or another file's

    std::string path_;
    htsFile* fp_ = nullptr;
    bcf_hdr_t* hdr_ = nullptr;
    bcf1_t* rec_ = nullptr;
    long n_read_ = 0;
    bool is_bcf_ = false;
    int64_t header_end_ = 0;       // BGZF virtual offset after the header
    hts_idx_t* idx_ = nullptr;     // BCF index
    tbx_t* tbx_ = nullptr;         // tabix index of a VCF.gz
    hts_itr_t* itr_ = nullptr;
    bool query_empty_ = false;
    bool itr_started_ = false;     // text: after the iterator's first line, lines are read straight from BGZF
    std::string query_contig_;
    int64_t query_end_ = 0;
    kstring_t line_ = {0, 0, nullptr};
    std::vector<char> rbuf_;       // text: decompressed bytes not yet decoded
    size_t rpos_ = 0, rlen_ = 0;
    bool reof_ = false;
    Site site_;
    std::string info_;             // text: the INFO column of the current record
    std::vector<float> af_;
    bool af_ready_ = false;
    int id_gt_ = -1, id_dp_ = -1, id_gq_ = -1;  // BCF: header ids of the FORMAT fields read
    float* fbuf_ = nullptr;
    int n_fbuf_ = 0;
    char* sbuf_ = nullptr;
    int n_sbuf_ = 0;
};

// A bgzip-compressed text writer (BGZF), for VCFs that tabix can index; the file is created private (0640 less
// the umask, core/files.hpp).
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

// Every line of a plain or gzip/bgzip-compressed text file (without the newline; a trailing '\r' dropped).
// Throws MalformedInput naming the file if it cannot be opened or decompressed.
std::vector<std::string> read_text_lines(const std::string& path);
// The same one line at a time, for files too large to hold: `line` gets each line and its number (from 1).
void for_each_text_line(const std::string& path, const std::function<void(std::string_view line, long number)>& line);

// Builds a tabix (.tbi) index for a bgzipped VCF.
void tabix_index_vcf(const std::string& path);

}  // namespace precis::hts

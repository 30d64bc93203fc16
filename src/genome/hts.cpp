#include "genome/hts.hpp"

#include <htslib/tbx.h>

#include "core/error.hpp"

namespace precis::hts {

VcfReader::VcfReader(const std::string& path) : path_(path) {
    fp_ = hts_open(path.c_str(), "r");
    if (!fp_) throw_malformed(path + ": cannot open as VCF/BCF", "check that the file exists and is VCF, VCF.gz or BCF");
    const htsFormat* f = hts_get_format(fp_);
    if (f->category != variant_data) {
        hts_close(fp_);
        fp_ = nullptr;
        throw_malformed(path + ": not a VCF or BCF file (htslib sees " + std::string(hts_format_file_extension(f)) + ")",
                        "give a VCF, VCF.gz or BCF");
    }
    hdr_ = bcf_hdr_read(fp_);
    if (!hdr_) {
        hts_close(fp_);
        fp_ = nullptr;
        throw_malformed(path + ": cannot read the VCF header",
                        "the file may be truncated or not bgzip-compressed; a VCF needs a ##fileformat line and a "
                        "#CHROM line (check it with 'bcftools view -h')");
    }
    rec_ = bcf_init();
}

VcfReader::~VcfReader() {
    free(gt_);
    for (auto& b : ibufs_) free(b.second.p);
    free(fbuf_);
    if (rec_) bcf_destroy(rec_);
    if (hdr_) bcf_hdr_destroy(hdr_);
    if (fp_) hts_close(fp_);
}

bool VcfReader::next() {
    int r = bcf_read(fp_, hdr_, rec_);
    if (r == -1) return false;
    ++n_read_;
    if (r < -1 || rec_->errcode)
        throw_malformed(path_ + ": broken record after " + std::to_string(n_read_ - 1) + " good records",
                        "check the file with 'bcftools view'; it may be truncated or corrupt");
    if (bcf_unpack(rec_, BCF_UN_ALL) < 0)
        throw_malformed(path_ + ": cannot unpack record " + std::to_string(n_read_));
    return true;
}

int VcfReader::genotypes(int32_t** out) {
    int n = bcf_get_genotypes(hdr_, rec_, &gt_, &n_gt_);
    *out = gt_;
    return n;
}

int VcfReader::format_int(const char* tag, int32_t** out) {
    IntBuf* b = nullptr;
    for (auto& [t, buf] : ibufs_)
        if (t == tag) b = &buf;
    if (!b) b = &ibufs_.emplace_back(tag, IntBuf{}).second;
    int n = bcf_get_format_int32(hdr_, rec_, tag, &b->p, &b->n);
    *out = b->p;
    return n;
}

int VcfReader::info_float(const char* tag, float** out) {
    int n = bcf_get_info_float(hdr_, rec_, tag, &fbuf_, &n_fbuf_);
    *out = fbuf_;
    return n;
}

bool VcfReader::passes_filter() const {
    if (rec_->d.n_flt == 0) return true;
    int pass = bcf_hdr_id2int(hdr_, BCF_DT_ID, "PASS");
    return rec_->d.n_flt == 1 && rec_->d.flt[0] == pass;
}

BgzfWriter::BgzfWriter(const std::string& path) : path_(path) {
    fp_ = bgzf_open(path.c_str(), "w");
    if (!fp_) throw_io("cannot create " + path, "check that the folder exists and is writable");
}

BgzfWriter::~BgzfWriter() {
    if (fp_) bgzf_close(fp_);
}

void BgzfWriter::write(const std::string& s) {
    if (bgzf_write(fp_, s.data(), s.size()) != static_cast<ssize_t>(s.size()))
        throw_io("cannot write " + path_, "free disk space");
}

void BgzfWriter::close() {
    int r = bgzf_close(fp_);
    fp_ = nullptr;
    if (r != 0) throw_io("cannot finish " + path_, "free disk space");
}

void tabix_index_vcf(const std::string& path) {
    if (tbx_index_build(path.c_str(), 0, &tbx_conf_vcf) != 0)
        throw_io("cannot build the tabix index for " + path, "check that it is bgzipped and sorted");
}

}  // namespace precis::hts

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
    is_bcf_ = f->format == bcf;
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
    if (itr_) hts_itr_destroy(itr_);
    if (idx_) hts_idx_destroy(idx_);
    if (tbx_) tbx_destroy(tbx_);
    free(line_.s);
    free(gt_);
    for (auto& b : ibufs_) free(b.second.p);
    free(fbuf_);
    if (rec_) bcf_destroy(rec_);
    if (hdr_) bcf_hdr_destroy(hdr_);
    if (fp_) hts_close(fp_);
}

std::vector<std::pair<std::string, int64_t>> VcfReader::contigs() const {
    std::vector<std::pair<std::string, int64_t>> out;
    for (int i = 0; i < hdr_->n[BCF_DT_CTG]; ++i) {
        const bcf_idpair_t& p = hdr_->id[BCF_DT_CTG][i];
        out.push_back({p.key, p.val ? int64_t(p.val->info[0]) : 0});
    }
    return out;
}

void VcfReader::load_index() {
    if (is_bcf_)
        idx_ = bcf_index_load(path_.c_str());
    else
        tbx_ = tbx_index_load(path_.c_str());
    if (!idx_ && !tbx_)
        throw_malformed(path_ + ": no index (.csi or .tbi) next to the file",
                        "index it with 'bcftools index " + path_ + "' (or 'tabix -p vcf' for a bgzipped VCF)");
}

bool VcfReader::query(const std::string& contig, int64_t beg, int64_t end) {
    if (itr_) hts_itr_destroy(itr_);
    itr_ = nullptr;
    query_empty_ = true;
    if (idx_) {
        int rid = bcf_hdr_name2id(hdr_, contig.c_str());
        if (rid < 0) return false;
        itr_ = bcf_itr_queryi(idx_, rid, beg, end);
    } else if (tbx_) {
        int tid = tbx_name2id(tbx_, contig.c_str());
        if (tid < 0) return false;
        itr_ = tbx_itr_queryi(tbx_, tid, beg, end);
    } else {
        throw Error(ErrorKind::Internal, "query before load_index");
    }
    query_empty_ = itr_ == nullptr;
    return itr_ != nullptr;
}

bool VcfReader::next() {
    int r;
    if (query_empty_) return false;
    if (itr_ && idx_) {
        r = bcf_itr_next(fp_, itr_, rec_);
    } else if (itr_) {
        r = tbx_itr_next(fp_, tbx_, itr_, &line_);
        if (r >= 0) r = vcf_parse1(&line_, hdr_, rec_) < 0 ? -2 : 0;
    } else {
        r = bcf_read(fp_, hdr_, rec_);
    }
    if (r == -1) return false;
    ++n_read_;
    if (r < -1 || rec_->errcode)
        throw_malformed(path_ + ": broken record after " + std::to_string(n_read_ - 1) + " good records",
                        "check the file with 'bcftools view'; it may be truncated or corrupt");
    // alleles and filters now; INFO and FORMAT are unpacked by htslib when first asked for
    if (bcf_unpack(rec_, BCF_UN_STR | BCF_UN_FLT) < 0)
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

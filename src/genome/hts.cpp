#include "genome/hts.hpp"

#include <htslib/kseq.h>
#include <htslib/tbx.h>
#include <sys/stat.h>

#include "core/error.hpp"
#include "core/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>

namespace precis::hts {

ThreadPool::ThreadPool(int threads) {
    pool_.pool = hts_tpool_init(threads);
    if (!pool_.pool) throw_io("cannot start " + std::to_string(threads) + " decompression threads", "use fewer threads (--threads)");
}

ThreadPool::~ThreadPool() {
    if (pool_.pool) hts_tpool_destroy(pool_.pool);
}

VcfReader::VcfReader(const std::string& path, ThreadPool* pool) : path_(path) {
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
    if (pool && f->compression == bgzf && hts_set_thread_pool(fp_, pool->get()) != 0) {
        hts_close(fp_);
        fp_ = nullptr;
        throw_io(path + ": cannot attach the decompression threads", "use fewer threads (--threads)");
    }
    hdr_ = bcf_hdr_read(fp_);
    if (!hdr_) {
        hts_close(fp_);
        fp_ = nullptr;
        throw_malformed(path + ": cannot read the VCF header",
                        "the file may be truncated or not bgzip-compressed; a VCF needs a ##fileformat line and a "
                        "#CHROM line (check it with 'bcftools view -h')");
    }
    if (BGZF* bg = hts_get_bgzfp(fp_)) header_end_ = bgzf_tell(bg);
    rec_ = bcf_init();
    id_gt_ = bcf_hdr_id2int(hdr_, BCF_DT_ID, "GT");
    id_dp_ = bcf_hdr_id2int(hdr_, BCF_DT_ID, "DP");
    id_gq_ = bcf_hdr_id2int(hdr_, BCF_DT_ID, "GQ");
}

VcfReader::~VcfReader() {
    if (itr_) hts_itr_destroy(itr_);
    if (idx_) hts_idx_destroy(idx_);
    if (tbx_) tbx_destroy(tbx_);
    free(line_.s);
    free(fbuf_);
    free(sbuf_);
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
    check_index();
}

// An index made for another file, or for this file before it changed, sends queries to the wrong places or past
// records it does not know: precis would read some contigs only, with no error. Refused here: an index older than
// its file (as htslib compares them, in whole seconds), one that points past the file's end or between records, or
// one after whose last record the file holds more.
void VcfReader::check_index() {
    // the file htslib loaded: a VCF.gz's .tbi before its .csi; a BCF's .csi
    std::error_code ec;
    const std::string tbi = path_ + ".tbi", csi = path_ + ".csi";
    const std::string index_path = !is_bcf_ && std::filesystem::exists(tbi, ec) ? tbi
                                   : std::filesystem::exists(csi, ec)          ? csi
                                                                               : "";
    const std::string fix = "re-index it: bcftools index -f " + std::string(is_bcf_ ? "" : "--tbi ") + path_;
    struct stat data {}, index {};
    const bool have_data = ::stat(path_.c_str(), &data) == 0;
    if (have_data && !index_path.empty() && ::stat(index_path.c_str(), &index) == 0 && index.st_mtime < data.st_mtime)
        throw_malformed(path_ + ": the index " + index_path + " is older than the file (the file changed after it "
                        "was indexed, so the index may miss records)", fix);
    // the end of the last record the index knows (the header's end if it knows none)
    uint64_t last = uint64_t(header_end_);
    const int n = idx_ ? hts_idx_nseq(idx_) : hts_idx_nseq(tbx_->idx);
    for (int tid = 0; tid < n; ++tid) {
        hts_itr_t* it = idx_ ? bcf_itr_queryi(idx_, tid, 0, HTS_POS_MAX) : tbx_itr_queryi(tbx_, tid, 0, HTS_POS_MAX);
        if (!it) continue;
        for (int i = 0; i < it->n_off; ++i) last = std::max(last, uint64_t(it->off[i].v));
        hts_itr_destroy(it);
    }
    const std::string mismatch = path_ + ": its index" + (index_path.empty() ? "" : " " + index_path) +
                                 " does not match the file";
    BGZF* bg = hts_get_bgzfp(fp_);
    if (!bg) return;
    struct Quiet {  // a mismatched index makes htslib log its read errors; the error below says what they mean
        const htsLogLevel level = hts_get_log_level();
        Quiet() { hts_set_log_level(HTS_LOG_OFF); }
        ~Quiet() { hts_set_log_level(level); }
    } quiet;
    if (have_data && (last >> 16) > uint64_t(data.st_size))
        throw_malformed(mismatch + " (it points past the file's end: it was made for another or a longer file)", fix);
    if (bgzf_seek(bg, int64_t(last), SEEK_SET) < 0)
        throw_malformed(mismatch + " (it points between the file's compressed blocks)", fix);
    int more = 0;
    if (is_bcf_) {
        more = bcf_read(fp_, hdr_, rec_);
    } else {
        kstring_t line = {0, 0, nullptr};
        more = bgzf_getline(bg, '\n', &line);
        if (more >= 0 && line.l == 0) more = -1;
        free(line.s);
    }
    if (more >= 0)
        throw_malformed(path_ + ": the file holds records after the last one its index" +
                            (index_path.empty() ? "" : " " + index_path) + " knows (the file changed after it was "
                            "indexed)", fix);
    if (more < -1)
        throw_malformed(mismatch + " (where it says the last record ends, the file holds no record: it was made "
                                   "for another file, or for this one before it changed)",
                        fix);
}

bool VcfReader::query(const std::string& contig, int64_t beg, int64_t end) {
    if (itr_) hts_itr_destroy(itr_);
    itr_ = nullptr;
    query_empty_ = true;
    itr_started_ = false;
    rpos_ = rlen_ = 0;
    reof_ = false;
    query_contig_ = contig;
    query_end_ = end;
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

void VcfReader::broken(const std::string& what) const {
    throw_malformed(path_ + ": record " + std::to_string(n_read_) + " (" + site_.contig + ":" +
                        std::to_string(site_.pos + 1) + "): " + what,
                    "check the file with 'bcftools view'; it may be truncated or corrupt");
}

bool VcfReader::next_line() {
    // the index finds the region's first record; the records after it follow in the file, read by
    // buffered_line(), and next() stops at the region's end (tabix's own parse of every line to check that costs as
    // much as decoding it)
    int r = tbx_itr_next(fp_, tbx_, itr_, &line_);
    itr_started_ = true;
    if (r == -1) return false;
    if (r < -1) {
        ++n_read_;
        throw_malformed(path_ + ": cannot read record " + std::to_string(n_read_) + " (the file may be truncated)",
                        "check the file with 'bcftools view'");
    }
    return true;
}

bool VcfReader::buffered_line(const char*& line, size_t& len) {
    BGZF* fp = hts_get_bgzfp(fp_);
    while (true) {
        char* base = rbuf_.data();
        const void* nl = rpos_ < rlen_ ? std::memchr(base + rpos_, '\n', rlen_ - rpos_) : nullptr;
        if (nl) {
            line = base + rpos_;
            len = size_t(static_cast<const char*>(nl) - line);
            rpos_ += len + 1;
            return true;
        }
        if (reof_) {  // a last line without '\n': give it one, as decode_text stops at line ends
            if (rpos_ >= rlen_) return false;
            if (rbuf_.size() == rlen_) rbuf_.push_back('\n');
            rbuf_[rlen_] = '\n';
            base = rbuf_.data();
            line = base + rpos_;
            len = rlen_ - rpos_;
            rpos_ = rlen_;
            return true;
        }
        if (rlen_ > rpos_) std::memmove(base, base + rpos_, rlen_ - rpos_);  // (an empty buffer has no data())
        rlen_ -= rpos_;
        rpos_ = 0;
        if (rbuf_.size() - rlen_ < (1 << 16)) rbuf_.resize(rbuf_.size() * 2 + (1 << 16));
        ssize_t got = bgzf_read(fp, rbuf_.data() + rlen_, rbuf_.size() - rlen_);
        if (got < 0)
            throw_malformed(path_ + ": cannot read after record " + std::to_string(n_read_) +
                                " (the file may be truncated)",
                            "check the file with 'bcftools view'");
        if (got == 0) reof_ = true;
        rlen_ += size_t(got);
    }
}

bool VcfReader::next() {
    if (query_empty_) return false;
    af_ready_ = false;
    if (!is_bcf_) {
        // lines come from our own buffer over BGZF (no copy per line), except a region's first, which the index
        // finds
        const char* line = nullptr;
        size_t len = 0;
        do {
            if (itr_ && !itr_started_) {
                if (!next_line()) return false;
                line = line_.s;
                len = line_.l;
            } else if (!hts_get_bgzfp(fp_)) {  // an uncompressed VCF: htslib's line reader
                int r = hts_getline(fp_, KS_SEP_LINE, &line_);
                if (r == -1) return false;
                if (r < -1) throw_malformed(path_ + ": cannot read after record " + std::to_string(n_read_),
                                            "check the file with 'bcftools view'; it may be truncated or corrupt");
                line = line_.s;
                len = line_.l;
            } else if (!buffered_line(line, len)) {
                return false;
            }
        } while (len == 0 || line[0] == '#');
        ++n_read_;
        decode_text(line, len);
        if (itr_ && (site_.contig != query_contig_ || site_.pos >= query_end_)) {
            query_empty_ = true;  // past the queried region
            return false;
        }
        return true;
    }
    int r = itr_ ? bcf_itr_next(fp_, itr_, rec_) : bcf_read(fp_, hdr_, rec_);
    if (r == -1) return false;
    ++n_read_;
    if (r < -1 || rec_->errcode)
        throw_malformed(path_ + ": broken record after " + std::to_string(n_read_ - 1) + " good records",
                        "check the file with 'bcftools view'; it may be truncated or corrupt");
    if (bcf_unpack(rec_, BCF_UN_STR | BCF_UN_FLT) < 0) broken("cannot unpack");
    decode_bcf();
    return true;
}

namespace {
// a non-negative decimal at p (advanced past it); false if there is none, or if it is beyond 10^17 (no position,
// length or allele index is; and the sum must not overflow)
inline bool read_uint(const char*& p, const char* end, int64_t& v) {
    if (p >= end || *p < '0' || *p > '9') return false;
    v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v >= 100000000000000000LL) return false;
        v = v * 10 + (*p++ - '0');
    }
    return true;
}
}  // namespace

void VcfReader::decode_text(const char* s, size_t len) {
    Site& st = site_;
    const char* e = s + len;
    while (e > s && e[-1] == '\r') --e;  // CRLF files
    if (e == s) broken("empty line");
    // the first nine columns
    const char* col[9];
    const char* col_end[9];
    const char* p = s;
    for (int c = 0; c < 9; ++c) {
        col[c] = p;
        while (p < e && *p != '\t') ++p;
        col_end[c] = p;
        if (p < e) ++p;
        else if (c < 7) {
            st.contig.assign(col[0], col_end[0]);
            broken("fewer than 8 columns");
        }
    }
    st.contig.assign(col[0], col_end[0]);
    {
        const char* q = col[1];
        int64_t pos;
        if (!read_uint(q, col_end[1], pos) || q != col_end[1] || pos < 1) broken("POS is not a positive number");
        st.pos = pos - 1;
    }
    st.alleles.clear();
    st.alleles.emplace_back(col[3], col_end[3]);
    if (!(col_end[4] - col[4] == 1 && *col[4] == '.')) {
        for (const char* q = col[4]; q <= col_end[4];) {
            const char* r = q;
            while (r < col_end[4] && *r != ',') ++r;
            st.alleles.emplace_back(q, r);
            q = r + 1;
        }
    }
    st.rlen = int64_t(st.alleles[0].size());
    std::string_view filter(col[6], size_t(col_end[6] - col[6]));
    st.pass = filter == "PASS" || filter == ".";
    info_.assign(col[7], col_end[7]);
    for (size_t a = 1; a < st.alleles.size(); ++a)
        if (!st.alleles[a].empty() && st.alleles[a][0] == '<') {  // symbolic: the span is up to INFO/END
            size_t k = (";" + info_).find(";END=");
            if (k != std::string::npos) {
                const char* q = info_.c_str() + k + 4;
                int64_t end;
                if (read_uint(q, info_.c_str() + info_.size(), end) && end > st.pos) st.rlen = end - st.pos;
            }
            break;
        }

    // FORMAT: where GT, DP and GQ are
    const int ns = n_samples();
    st.ploidy = 0;
    int i_gt = -1, i_dp = -1, i_gq = -1, nkeys = 0;
    if (ns > 0 && col_end[8] != col[8])
        for (const char* q = col[8]; q <= col_end[8]; ++nkeys) {
            const char* r = q;
            while (r < col_end[8] && *r != ':') ++r;
            std::string_view key(q, size_t(r - q));
            if (key == "GT") i_gt = nkeys;
            else if (key == "DP") i_dp = nkeys;
            else if (key == "GQ") i_gq = nkeys;
            q = r + 1;
        }
    // sized, not filled: each sample's values are set as its column is read (resize to the same size is free)
    if (i_gt >= 0) st.ploidy = 2, st.gt.resize(size_t(ns) * 2); else st.gt.clear();
    if (i_dp >= 0) st.dp.resize(size_t(ns)); else st.dp.clear();
    if (i_gq >= 0) st.gq.resize(size_t(ns)); else st.gq.clear();
    const int last = std::max({i_gt, i_dp, i_gq});
    if (last < 0) return;
    const char* q = col_end[8] < e ? col_end[8] + 1 : e;
    // A subfield ends at ':', at the tab before the next sample, or at the line's end: every line handed to
    // decode_text is followed by '\n', '\r' or '\0', and no byte below '\r' belongs inside a VCF field, so one
    // comparison serves for the bounds.
    auto is_end = [](const char* c) { return *c == ':' || static_cast<unsigned char>(*c) <= '\r'; };
    int32_t* const dp_out = st.dp.empty() ? nullptr : st.dp.data();
    int32_t* const gq_out = st.gq.empty() ? nullptr : st.gq.data();
    // single-digit alleles this record has (the fast path below; others, and those it lacks, take the slow one)
    const unsigned n_alleles = unsigned(std::min<size_t>(st.alleles.size(), 10));
    for (int smp = 0; smp < ns; ++smp) {
        if (q > e) broken("has " + std::to_string(smp) + " sample columns; the header names " + std::to_string(ns));
        // one pass over the sample's subfields; those not there (dropped at the end) are set missing after it
        const char* c = q;
        int k = 0;
        for (;; ++k) {
            if (k == i_gt) {
                int n = 0;
                int32_t* slot = st.gt.data() + size_t(smp) * st.ploidy;
                // the common case: one digit, a separator, one digit
                if (unsigned(c[0] - '0') < n_alleles && (c[1] == '/' || c[1] == '|') &&
                    unsigned(c[2] - '0') < n_alleles && is_end(c + 3) && st.ploidy == 2) {
                    slot[0] = bcf_gt_unphased(c[0] - '0');
                    slot[1] = bcf_gt_unphased(c[2] - '0');
                    c += 3;
                    n = 2;
                }
                while (!is_end(c)) {
                    int32_t v = bcf_gt_missing;
                    int64_t allele;
                    if (*c == '.')
                        ++c;
                    else if (read_uint(c, e, allele)) {
                        if (allele >= int64_t(st.alleles.size()))
                            broken("GT of sample " + sample_name(smp) + " names an allele the record does not have");
                        v = bcf_gt_unphased(int32_t(allele));  // phase does not matter to the counts
                    } else
                        broken("GT of sample " + sample_name(smp) + " is not a genotype");  // not echoed: private
                    if (!is_end(c)) {  // a separator, then another allele
                        if ((*c != '/' && *c != '|') || is_end(c + 1))
                            broken("GT of sample " + sample_name(smp) + " is malformed");
                        ++c;
                    }
                    if (n == st.ploidy) {  // more alleles than slots: widen every sample's
                        std::vector<int32_t> w(size_t(ns) * (st.ploidy + 1), bcf_int32_vector_end);
                        for (int x = 0; x < ns; ++x)
                            for (int y = 0; y < st.ploidy; ++y)
                                w[size_t(x) * (st.ploidy + 1) + y] = st.gt[size_t(x) * st.ploidy + y];
                        st.gt.swap(w);
                        ++st.ploidy;
                        slot = st.gt.data() + size_t(smp) * st.ploidy;
                    }
                    slot[n++] = v;
                }
                if (n == 0) slot[n++] = bcf_gt_missing;  // an empty GT is missing
                for (; n < st.ploidy; ++n) slot[n] = bcf_int32_vector_end;
            } else if (k == i_dp || k == i_gq) {
                // an integer, read in place; "." or anything else is missing. Depths and qualities mostly have
                // two digits (or one) or are '.': those are read without a loop.
                int32_t v = bcf_int32_missing;
                const unsigned a = unsigned(uint8_t(c[0])) - '0', b = unsigned(uint8_t(c[1])) - '0';
                if (c[0] == '.' && is_end(c + 1)) {  // missing, as merged files are full of
                    c += 1;
                } else if (is_end(c)) {  // empty: missing too
                } else if (a < 10 && b < 10 && is_end(c + 2)) {
                    v = int32_t(a * 10 + b);
                    c += 2;
                } else if (a < 10 && is_end(c + 1)) {
                    v = int32_t(a);
                    c += 1;
                } else {
                    const char* d = c + (*c == '-');
                    int64_t x = 0;
                    const char* digits = d;
                    while (unsigned(*d - '0') < 10 && d - digits < 9) x = x * 10 + (*d++ - '0');
                    if (d == digits || !is_end(d))
                        broken(std::string(k == i_dp ? "DP" : "GQ") + " of sample " + sample_name(smp) +
                               " is not a whole number or '.'");
                    v = int32_t(*c == '-' ? -x : x);
                    c = d;
                }
                (k == i_dp ? dp_out : gq_out)[smp] = v;
            } else if (k > last) {
                const void* tab = std::memchr(c, '\t', size_t(e - c));
                c = tab ? static_cast<const char*>(tab) : e;
            } else {
                while (!is_end(c)) ++c;
            }
            if (*c != ':') break;  // the tab before the next sample, or the line's end
            ++c;
        }
        if (i_gt > k) {  // subfields 0..k were there
            int32_t* slot = st.gt.data() + size_t(smp) * st.ploidy;
            slot[0] = bcf_gt_missing;
            for (int y = 1; y < st.ploidy; ++y) slot[y] = bcf_int32_vector_end;
        }
        if (i_dp > k) dp_out[smp] = bcf_int32_missing;
        if (i_gq > k) gq_out[smp] = bcf_int32_missing;
        q = c + 1;
    }
    if (ns > 0 && q <= e)
        broken("has more sample columns than the " + std::to_string(ns) + " the header names");
}

namespace {
// The first `take` values of every sample of a BCF FORMAT array, widened to int32 with htslib's int32 missing and
// vector-end codes; the type is looked at once per field, not once per value.
template <class T, int Take>
void widen(const bcf_fmt_t& f, int ns, int take, T vend, T miss, int32_t* out) {
    const int n = Take > 0 ? Take : take;  // the usual widths (1: DP, GQ; 2: diploid GT) known at compile time
    const uint8_t* p = f.p;
    for (int s = 0; s < ns; ++s, p += f.size, out += n)
        for (int k = 0; k < n; ++k) {
            T v;
            std::memcpy(&v, p + k * sizeof(T), sizeof(T));  // BCF data need not be aligned; this is one load
            out[k] = v == vend ? bcf_int32_vector_end : v == miss ? bcf_int32_missing : int32_t(v);
        }
}

template <class T>
void widen_width(const bcf_fmt_t& f, int ns, int take, T vend, T miss, int32_t* out) {
    if (take == 1)
        widen<T, 1>(f, ns, take, vend, miss, out);
    else if (take == 2)
        widen<T, 2>(f, ns, take, vend, miss, out);
    else
        widen<T, 0>(f, ns, take, vend, miss, out);
}

bool widen_any(const bcf_fmt_t& f, int ns, int take, int32_t* out) {
    switch (f.type) {
    case BCF_BT_INT8: widen_width<int8_t>(f, ns, take, bcf_int8_vector_end, bcf_int8_missing, out); return true;
    case BCF_BT_INT16: widen_width<int16_t>(f, ns, take, bcf_int16_vector_end, bcf_int16_missing, out); return true;
    case BCF_BT_INT32: widen_width<int32_t>(f, ns, take, bcf_int32_vector_end, bcf_int32_missing, out); return true;
    default: return false;  // DP or GQ given as float or text: not read
    }
}
}  // namespace

void VcfReader::decode_bcf() {
    // FORMAT straight from the record's typed arrays: only GT, DP and GQ, without htslib's per-tag conversion
    Site& st = site_;
    st.contig = bcf_hdr_id2name(hdr_, rec_->rid);
    st.pos = rec_->pos;
    st.rlen = rec_->rlen;
    st.alleles.assign(rec_->d.allele, rec_->d.allele + rec_->n_allele);
    int pass = bcf_hdr_id2int(hdr_, BCF_DT_ID, "PASS");
    st.pass = rec_->d.n_flt == 0 || (rec_->d.n_flt == 1 && rec_->d.flt[0] == pass);
    st.ploidy = 0;
    st.gt.clear();
    st.dp.clear();
    st.gq.clear();
    const int ns = n_samples();
    if (ns == 0 || rec_->n_fmt == 0) return;
    if (bcf_unpack(rec_, BCF_UN_FMT) < 0) broken("cannot unpack FORMAT");
    for (int i = 0; i < rec_->n_fmt; ++i) {
        const bcf_fmt_t& f = rec_->d.fmt[i];
        if (!f.p || f.n <= 0) continue;
        if (f.id == id_gt_) {
            st.ploidy = f.n;
            st.gt.resize(size_t(ns) * f.n);
            if (!widen_any(f, ns, f.n, st.gt.data())) broken("GT is not stored as integers");
        } else if (f.id == id_dp_ || f.id == id_gq_) {
            std::vector<int32_t>& out = f.id == id_dp_ ? st.dp : st.gq;
            out.resize(ns);
            if (!widen_any(f, ns, 1, out.data())) {
                out.clear();
                continue;
            }
            for (int32_t& v : out)
                if (v == bcf_int32_vector_end) v = bcf_int32_missing;
        }
    }
}

const std::vector<float>& VcfReader::allele_frequencies() {
    if (af_ready_) return af_;
    af_ready_ = true;
    af_.clear();
    const size_t n_alt = site_.alleles.size() - 1;
    if (is_bcf_) {
        int n = bcf_get_info_float(hdr_, rec_, "AF", &fbuf_, &n_fbuf_);
        for (int i = 0; i < n && size_t(i) < n_alt; ++i)
            af_.push_back(bcf_float_is_missing(fbuf_[i]) || bcf_float_is_vector_end(fbuf_[i])
                              ? std::numeric_limits<float>::quiet_NaN()
                              : fbuf_[i]);
        return af_;
    }
    size_t k = (";" + info_).find(";AF=");
    if (k == std::string::npos) return af_;
    const char* p = info_.c_str() + k + 3;
    const char* end = info_.c_str() + info_.size();
    while (p < end && *p != ';' && af_.size() < n_alt) {
        const char* q = p;
        while (q < end && *q != ',' && *q != ';') ++q;
        std::string v(p, q);
        char* used = nullptr;
        float f = std::strtof(v.c_str(), &used);
        af_.push_back(v == "." || used != v.c_str() + v.size() ? std::numeric_limits<float>::quiet_NaN() : f);
        p = q < end && *q == ',' ? q + 1 : q;
    }
    return af_;
}

bool VcfReader::info_text(const char* key, std::string& out) {
    out.clear();
    if (is_bcf_) {
        int n = bcf_get_info_string(hdr_, rec_, key, &sbuf_, &n_sbuf_);
        if (n < 0) return false;
        out.assign(sbuf_, strnlen(sbuf_, size_t(n)));
        return true;
    }
    const std::string tag = std::string(key) + "=";
    for (size_t a = 0; a < info_.size();) {
        size_t b = info_.find(';', a);
        if (b == std::string::npos) b = info_.size();
        if (info_.compare(a, tag.size(), tag) == 0) {
            out.assign(info_, a + tag.size(), b - a - tag.size());
            return true;
        }
        a = b + 1;
    }
    return false;
}

std::string VcfReader::info_description(const char* key) const {
    bcf_hrec_t* h = bcf_hdr_get_hrec(hdr_, BCF_HL_INFO, "ID", key, nullptr);
    if (!h) return "";
    int i = bcf_hrec_find_key(h, "Description");
    if (i < 0) return "";
    std::string d = h->vals[i];
    if (d.size() >= 2 && d.front() == '"' && d.back() == '"') d = d.substr(1, d.size() - 2);
    return d;
}

BgzfWriter::BgzfWriter(const std::string& path) : path_(path) {
    // created private first (core/files.hpp): htslib would create it 0666 less the umask, and keeps the mode of a
    // file it truncates
    if (!create_private_file(path)) throw_io("cannot create " + path + ": " + std::strerror(errno),
                                             "check that the folder exists and is writable");
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

void for_each_text_line(const std::string& path, const std::function<void(std::string_view, long)>& line) {
    BGZF* fp = bgzf_open(path.c_str(), "r");  // BGZF reads plain gzip and uncompressed files too
    if (!fp) throw_malformed(path + ": cannot open", "check that the file exists and is readable");
    kstring_t ks = {0, 0, nullptr};
    struct Closer {
        BGZF* fp;
        kstring_t* ks;
        ~Closer() { free(ks->s), bgzf_close(fp); }
    } closer{fp, &ks};
    int r;
    long number = 0;
    while ((r = bgzf_getline(fp, '\n', &ks)) >= 0) {
        std::string_view l(ks.s ? ks.s : "", ks.l);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        line(l, ++number);
    }
    if (r < -1) throw_malformed(path + ": cannot decompress (truncated or corrupt gzip)", "download the file again");
}

std::vector<std::string> read_text_lines(const std::string& path) {
    std::vector<std::string> lines;
    for_each_text_line(path, [&](std::string_view l, long) { lines.emplace_back(l); });
    return lines;
}

void tabix_index_vcf(const std::string& path) {
    if (tbx_index_build(path.c_str(), 0, &tbx_conf_vcf) != 0)
        throw_io("cannot build the tabix index for " + path, "check that it is bgzipped and sorted");
}

}  // namespace precis::hts

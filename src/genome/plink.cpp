#include "genome/plink.hpp"

#include <htslib/vcf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/table.hpp"
#include "genome/hts.hpp"

namespace precis {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// The whitespace-separated fields of a .fam or .bim line (plink reads both with any run of spaces or tabs).
void split_ws(std::string_view line, std::vector<std::string_view>& out) {
    out.clear();
    size_t a = 0;
    while (a < line.size()) {
        while (a < line.size() && (line[a] == ' ' || line[a] == '\t')) ++a;
        if (a == line.size()) break;
        size_t b = a;
        while (b < line.size() && line[b] != ' ' && line[b] != '\t') ++b;
        out.push_back(line.substr(a, b - a));
        a = b;
    }
}

// plink's numeric chromosome codes for the non-autosomes, named as plink2 --export vcf names them
std::string contig_name(std::string_view code) {
    if (code == "23") return "X";
    if (code == "24") return "Y";
    if (code == "25") return "XY";
    if (code == "26") return "MT";
    return std::string(code);
}

}  // namespace

bool is_plink_path(const std::string& path) {
    return ends_with(path, ".bed") || ends_with(path, ".bim") || ends_with(path, ".fam");
}

PlinkPaths plink_paths(const std::string& path) {
    const std::string prefix = is_plink_path(path) ? path.substr(0, path.size() - 4) : path;
    return {prefix + ".bed", prefix + ".bim", prefix + ".fam"};
}

std::unique_ptr<GenotypeReader> open_genotypes(const std::string& path, bool plink, hts::ThreadPool* pool) {
    if (plink || is_plink_path(path)) return std::make_unique<PlinkReader>(path);
    return std::make_unique<hts::VcfReader>(path, pool);
}

PlinkReader::PlinkReader(const std::string& path) : paths_(plink_paths(path)) {
    read_fam();
    read_bim();
    bed_ = std::fopen(paths_.bed.c_str(), "rb");
    if (!bed_)
        throw_malformed(paths_.bed + ": cannot open (" + std::strerror(errno) + ")",
                        "give the .bed of the fileset (its .bim and .fam beside it, with the same name)");
    unsigned char magic[3] = {0, 0, 0};
    const size_t got = std::fread(magic, 1, 3, bed_);
    if (got == 3 && magic[0] == 0x6c && magic[1] == 0x1b && magic[2] == 0x00)
        throw_malformed(paths_.bed + ": an individual-major .bed (PLINK 1 before version 1.0 wrote these); precis reads "
                                     "SNP-major ones",
                        "convert it with 'plink --bfile PREFIX --make-bed --out NEW' and give NEW.bed");
    if (got != 3 || magic[0] != 0x6c || magic[1] != 0x1b || magic[2] != 0x01)
        throw_malformed(paths_.bed + ": not a PLINK 1 .bed file (its first bytes are not 6c 1b 01)",
                        "give the .bed that plink --make-bed wrote (a PLINK 2 .pgen is not read)");
    bytes_per_variant_ = (iids_.size() + 3) / 4;
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(paths_.bed, ec);
    const uintmax_t want = 3 + uintmax_t(bytes_per_variant_) * variants_.size();
    if (!ec && size != want)
        throw_malformed(paths_.bed + ": " + std::to_string(size) + " bytes, but " + paths_.bim + " (" +
                            std::to_string(variants_.size()) + " variants) and " + paths_.fam + " (" +
                            std::to_string(iids_.size()) + " samples) make " + std::to_string(want),
                        "the three files are not one fileset, or the .bed is truncated: write them again together "
                        "(plink --make-bed)");
    buf_.resize(bytes_per_variant_);
}

PlinkReader::~PlinkReader() {
    if (bed_) std::fclose(bed_);
}

void PlinkReader::read_fam() {
    LineReader in(paths_.fam);
    std::string_view line;
    std::vector<std::string_view> f;
    std::unordered_map<std::string, long> seen;
    while (in.next(line)) {
        split_ws(line, f);
        const long lineno = in.line_number();
        if (f.empty()) throw_malformed(where(paths_.fam, lineno) + "empty line", "remove it");
        if (f.size() != 6)
            throw_malformed(where(paths_.fam, lineno) + std::to_string(f.size()) + " columns, but a .fam line has 6 "
                                                                                  "(family, individual, father, mother, sex, phenotype)",
                            "give the .fam that plink wrote with the .bed");
        std::string iid(f[1]);
        if (auto [it, fresh] = seen.emplace(iid, lineno); !fresh)
            throw_malformed(where(paths_.fam, lineno) + "sample '" + iid + "' appears again (first on line " +
                                std::to_string(it->second) + ")",
                            "give each sample its own individual id (IID)");
        fids_.emplace_back(f[0]);
        iids_.push_back(std::move(iid));
        sex_.push_back(f[4] == "1" ? 1 : f[4] == "2" ? 2 : 0);
    }
    if (iids_.empty()) throw_malformed(paths_.fam + ": no samples", "give the .fam that plink wrote with the .bed");
}

void PlinkReader::read_bim() {
    LineReader in(paths_.bim);
    std::string_view line;
    std::vector<std::string_view> f;
    while (in.next(line)) {
        split_ws(line, f);
        const long lineno = in.line_number();
        if (f.empty()) throw_malformed(where(paths_.bim, lineno) + "empty line", "remove it");
        if (f.size() != 6)
            throw_malformed(where(paths_.bim, lineno) + std::to_string(f.size()) + " columns, but a .bim line has 6 "
                                                                                  "(chromosome, id, cM, position, A1, A2)",
                            "give the .bim that plink wrote with the .bed");
        int64_t pos = 0;
        if (!parse_int(f[3], pos) || pos < 1)
            throw_malformed(where(paths_.bim, lineno) + "position '" + std::string(f[3]) + "' is not a number >= 1",
                            "give each variant its position, or leave it out (plink --exclude)");
        PlinkVariant v;
        v.contig = contig_name(f[0]);
        v.id = std::string(f[1]);
        v.pos = pos;
        v.a1 = std::string(f[4]);
        v.a2 = std::string(f[5]);
        v.line = lineno;
        auto it = by_contig_.find(v.contig);
        if (it == by_contig_.end()) {
            contig_order_.push_back(v.contig);
            it = by_contig_.emplace(v.contig, std::vector<size_t>()).first;
        }
        it->second.push_back(variants_.size());
        int64_t& span = max_span_[v.contig];
        span = std::max<int64_t>(span, int64_t(v.a2.size()));
        variants_.push_back(std::move(v));
    }
    for (auto& [contig, list] : by_contig_)
        std::stable_sort(list.begin(), list.end(),
                         [&](size_t a, size_t b) { return variants_[a].pos < variants_[b].pos; });
}

std::vector<std::pair<std::string, int64_t>> PlinkReader::contigs() const {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const std::string& c : contig_order_) {
        int64_t end = 0;
        for (size_t v : by_contig_.at(c)) end = std::max<int64_t>(end, variants_[v].pos + int64_t(variants_[v].a2.size()) - 1);
        out.emplace_back(c, end);
    }
    return out;
}

bool PlinkReader::query(const std::string& contig, int64_t beg, int64_t end) {
    queried_ = true;
    auto it = by_contig_.find(contig);
    if (it == by_contig_.end()) {
        list_ = nullptr;
        at_ = stop_ = 0;
        return false;
    }
    list_ = &it->second;
    query_beg_ = beg, query_end_ = end;
    // the first variant that can reach beg (0-based start >= beg - longest REF + 1), to the first at or after end
    const int64_t from = beg - max_span_.at(contig) + 1;
    at_ = size_t(std::lower_bound(list_->begin(), list_->end(), from,
                                  [&](size_t v, int64_t x) { return variants_[v].pos - 1 < x; }) -
                 list_->begin());
    stop_ = size_t(std::lower_bound(list_->begin(), list_->end(), end,
                                    [&](size_t v, int64_t x) { return variants_[v].pos - 1 < x; }) -
                   list_->begin());
    return true;
}

bool PlinkReader::next() {
    for (;;) {
        size_t v = 0;
        if (!queried_) {
            if (at_ >= variants_.size()) return false;
            v = at_++;
        } else {
            if (!list_ || at_ >= stop_) return false;
            v = (*list_)[at_++];
            const PlinkVariant& pv = variants_[v];
            if (pv.pos - 1 + int64_t(pv.a2.size()) <= query_beg_) continue;  // ends before the region
        }
        decode(v);
        ++n_read_;
        return true;
    }
}

void PlinkReader::decode(size_t v) {
    const PlinkVariant& pv = variants_[v];
    const long offset = long(3 + bytes_per_variant_ * v);
    const bool positioned = offset == file_at_ || std::fseek(bed_, offset, SEEK_SET) == 0;  // (no seek when in order)
    file_at_ = -1;
    if (!positioned || std::fread(buf_.data(), 1, buf_.size(), bed_) != buf_.size())
        throw_malformed(paths_.bed + ": cannot read variant " + pv.id + " (line " + std::to_string(pv.line) + " of " +
                            paths_.bim + ") at byte " + std::to_string(offset) + ": the file is truncated or unreadable",
                        "write the fileset again (plink --make-bed)");
    file_at_ = offset + long(buf_.size());
    site_.contig = pv.contig;
    site_.pos = pv.pos - 1;
    site_.rlen = int64_t(std::max<size_t>(pv.a2.size(), 1));
    site_.alleles.assign(1, pv.a2);
    const bool has_alt = pv.a1 != "0";
    if (has_alt) site_.alleles.push_back(pv.a1);
    site_.pass = true;
    site_.ploidy = 2;
    const size_t n = iids_.size();
    site_.gt.resize(2 * n);
    site_.dp.clear();
    site_.gq.clear();
    const int32_t ref = bcf_gt_unphased(0), alt = bcf_gt_unphased(1), missing = bcf_gt_missing;
    for (size_t i = 0; i < n; ++i) {
        const unsigned code = (buf_[i >> 2] >> ((i & 3) * 2)) & 3u;
        int32_t* g = &site_.gt[2 * i];
        switch (code) {
        case 0: g[0] = alt, g[1] = alt; break;      // A1/A1
        case 1: g[0] = missing, g[1] = missing; break;
        case 2: g[0] = ref, g[1] = alt; break;      // A2/A1
        default: g[0] = ref, g[1] = ref; break;     // A2/A2
        }
    }
}

}  // namespace precis

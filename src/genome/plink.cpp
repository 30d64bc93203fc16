#include "genome/plink.hpp"

#include <htslib/vcf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <mutex>
#include <string_view>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/parse.hpp"
#include "core/table.hpp"
#include "genome/bgen.hpp"
#include "genome/hts.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "packed calls are read as little-endian words"
#endif

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

std::unique_ptr<GenotypeReader> open_genotypes(const std::string& path, const GenotypeOptions& options, bool plink,
                                               hts::ThreadPool* pool) {
    if (plink || is_plink_path(path)) return std::make_unique<PlinkReader>(path, true, options.fid_iid);
    if (is_bgen_path(path)) return std::make_unique<BgenReader>(path, options.hard_call_threshold);
    return std::make_unique<hts::VcfReader>(path, pool);
}

namespace {

// What identifies the files of a parsed fileset: the names and stamps (core/files.hpp) of the .fam and .bim.
std::string fileset_stamp(const PlinkPaths& p) {
    std::string out;
    for (const std::string* f : {&p.fam, &p.bim}) {
        const std::string stamp = file_stamp(*f);
        if (stamp == "-") return "";  // (let load() say what is wrong)
        out += *f + '\n' + stamp + '\n';
    }
    return out;
}

std::shared_ptr<const PlinkFileset> cached_fileset(const PlinkPaths& paths) {
    static std::mutex mutex;
    static std::string stamp;
    static std::shared_ptr<const PlinkFileset> last;
    const std::string now = fileset_stamp(paths);
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (last && !now.empty() && now == stamp) return last;
    }
    std::shared_ptr<const PlinkFileset> set = PlinkFileset::load(paths);
    std::lock_guard<std::mutex> lock(mutex);
    if (!now.empty()) stamp = now, last = set;
    return set;
}

void read_fam(PlinkFileset& set) {
    const std::string& fam = set.paths.fam;
    LineReader in(fam);
    std::string_view line;
    std::vector<std::string_view> f;
    while (in.next(line)) {
        split_ws(line, f);
        const long lineno = in.line_number();
        if (f.empty()) throw_malformed(where(fam, lineno) + "empty line", "remove it");
        if (f.size() != 6)
            throw_malformed(where(fam, lineno) + std::to_string(f.size()) + " columns, but a .fam line has 6 "
                                                                            "(family, individual, father, mother, sex, phenotype)",
                            "give the .fam that plink wrote with the .bed");
        set.fids.emplace_back(f[0]);
        set.iids.emplace_back(f[1]);
        set.sex.push_back(f[4] == "1" ? 1 : f[4] == "2" ? 2 : 0);
    }
    if (set.iids.empty()) throw_malformed(fam + ": no samples", "give the .fam that plink wrote with the .bed");
}

void read_bim(PlinkFileset& set) {
    const std::string& bim = set.paths.bim;
    {  // the whole file at once: the variants keep views of their ids and alleles in it
        std::FILE* in = std::fopen(bim.c_str(), "rb");
        if (!in)
            throw Error(ErrorKind::IO, bim + ": cannot open (" + std::strerror(errno) + ")",
                        "give the .bed of the fileset (its .bim and .fam beside it, with the same name)");
        std::error_code ec;
        set.bim_text.resize(size_t(std::filesystem::file_size(bim, ec)));
        const size_t got = ec ? 0 : std::fread(set.bim_text.data(), 1, set.bim_text.size(), in);
        std::fclose(in);
        if (ec || got != set.bim_text.size())
            throw Error(ErrorKind::IO, bim + ": cannot read it whole", "check the file and the disk");
    }
    const std::string_view all(set.bim_text);
    set.variants.reserve(all.size() / 24);
    std::string_view f[7];
    std::string_view last_code;
    uint32_t current = 0;
    long lineno = 0;
    for (size_t at = 0; at < all.size();) {
        size_t eol = all.find('\n', at);
        if (eol == std::string_view::npos) eol = all.size();
        std::string_view line = all.substr(at, eol - at);
        at = eol + 1;
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t n = 0;  // the line's fields (up to a seventh, which is one too many)
        for (size_t a = 0; a < line.size() && n < 7;) {
            while (a < line.size() && (line[a] == ' ' || line[a] == '\t')) ++a;
            if (a == line.size()) break;
            size_t b = a;
            while (b < line.size() && line[b] != ' ' && line[b] != '\t') ++b;
            f[n++] = line.substr(a, b - a);
            a = b;
        }
        if (n == 0) throw_malformed(where(bim, lineno) + "empty line", "remove it");
        if (n != 6) {
            std::vector<std::string_view> all_fields;
            split_ws(line, all_fields);
            throw_malformed(where(bim, lineno) + std::to_string(all_fields.size()) + " columns, but a .bim line has 6 "
                                                                            "(chromosome, id, cM, position, A1, A2)",
                            "give the .bim that plink wrote with the .bed");
        }
        int64_t pos = 0;
        if (!parse_int(f[3], pos) || pos < 1)
            throw_malformed(where(bim, lineno) + "position '" + std::string(f[3]) + "' is not a number >= 1",
                            "give each variant its position, or leave it out (plink --exclude)");
        if (set.sites.contigs.empty() || f[0] != last_code) {  // (a .bim holds its contigs in runs: one lookup each)
            last_code = f[0];
            current = set.sites.contig(contig_name(f[0]));
        }
        set.sites.add(current, uint32_t(set.variants.size()), pos - 1, int64_t(f[5].size()));
        if (set.variants.size() == UINT32_MAX)
            throw_malformed(where(bim, lineno) + "more than 4,294,967,294 variants", "split the fileset by chromosome");
        set.variants.push_back(PlinkVariant{f[1], f[4], f[5], pos, lineno, current});
    }
    // a repeated variant id ('.' is no id) would make the variant ambiguous in everything that names it
    // (an open-addressing table of 32 bits of each id's hash and its variant's number: no allocation per id, and
    // the variant itself looked at only when the bits agree)
    size_t slots = 16;
    while (slots < 2 * set.variants.size()) slots *= 2;
    std::vector<uint64_t> table(slots, UINT64_MAX);
    const std::hash<std::string_view> hash;
    for (size_t k = 0; k < set.variants.size(); ++k) {
        const PlinkVariant& v = set.variants[k];
        if (v.id == ".") continue;
        const uint64_t hv = hash(v.id), mark = hv >> 32 << 32;
        for (size_t h = hv & (slots - 1);; h = (h + 1) & (slots - 1)) {
            if (table[h] == UINT64_MAX) {
                table[h] = mark | k;
                break;
            }
            if ((table[h] >> 32 << 32) != mark) continue;
            const PlinkVariant& first = set.variants[table[h] & 0xffffffffu];
            if (first.id == v.id)
                throw_malformed(where(bim, v.line) + "variant id '" + std::string(v.id) +
                                    "' appears again (first on line " + std::to_string(first.line) + ")",
                                "give each variant its own id, e.g. 'plink2 --bfile PREFIX --set-all-var-ids "
                                "@:#:\\$r:\\$a --new-id-max-allele-len 100 --make-bed --out NEW', or remove the "
                                "duplicates (plink2 --rm-dup)");
        }
    }
    set.sites.sort();
}

}  // namespace

std::shared_ptr<const PlinkFileset> PlinkFileset::load(const PlinkPaths& paths) {
    auto set = std::make_shared<PlinkFileset>();
    set->paths = paths;
    read_fam(*set);
    read_bim(*set);
    for (bool fid_iid : {false, true}) {  // repeated names, found once for every opening under either naming
        std::unordered_map<std::string, long> seen;
        for (size_t i = 0; i < set->iids.size() && set->repeat[fid_iid].first < 0; ++i)
            if (auto [it, fresh] = seen.emplace(set->name(i, fid_iid), long(i)); !fresh)
                set->repeat[fid_iid] = {it->second, long(i)};
    }
    return set;
}

PlinkReader::PlinkReader(const std::string& path, bool shared, bool fid_iid)
    : set_(shared ? cached_fileset(plink_paths(path)) : PlinkFileset::load(plink_paths(path))), fid_iid_(fid_iid) {
    const PlinkPaths& paths = set_->paths;
    if (const auto [first, again] = set_->repeat[fid_iid]; again >= 0)  // each sample named once
        throw_malformed(where(paths.fam, again + 1) + "sample '" + set_->name(size_t(again), fid_iid) +
                            "' appears again (first on line " + std::to_string(first + 1) + ")",
                        fid_iid ? "give each sample its own family and individual id"
                                : "give each sample its own individual id (IID), or name samples by "
                                  "family and individual id ('genome.sample_ids: fid_iid')");
    bed_ = std::fopen(paths.bed.c_str(), "rb");
    if (!bed_)
        throw_malformed(paths.bed + ": cannot open (" + std::strerror(errno) + ")",
                        "give the .bed of the fileset (its .bim and .fam beside it, with the same name)");
    unsigned char magic[3] = {0, 0, 0};
    const size_t got = std::fread(magic, 1, 3, bed_);
    if (got == 3 && magic[0] == 0x6c && magic[1] == 0x1b && magic[2] == 0x00)
        throw_malformed(paths.bed + ": an individual-major .bed (PLINK 1 before version 1.0 wrote these); precis reads "
                                    "SNP-major ones",
                        "convert it with 'plink --bfile PREFIX --make-bed --out NEW' and give NEW.bed");
    if (got != 3 || magic[0] != 0x6c || magic[1] != 0x1b || magic[2] != 0x01)
        throw_malformed(paths.bed + ": not a PLINK 1 .bed file (its first bytes are not 6c 1b 01)",
                        "give the .bed that plink --make-bed wrote (a PLINK 2 .pgen is not read)");
    const size_t n = set_->iids.size();
    bytes_per_variant_ = (n + 3) / 4;
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(paths.bed, ec);
    const uintmax_t want = 3 + uintmax_t(bytes_per_variant_) * set_->variants.size();
    if (!ec && size != want)
        throw_malformed(paths.bed + ": " + std::to_string(size) + " bytes, but " + paths.bim + " (" +
                            std::to_string(set_->variants.size()) + " variants) and " + paths.fam + " (" +
                            std::to_string(n) + " samples) make " + std::to_string(want),
                        "the three files are not one fileset, or the .bed is truncated: write them again together "
                        "(plink --make-bed)");
    words_.assign((n + 31) / 32, 0);
    cursor_ = SiteCursor(set_->variants.size());
}

PlinkReader::~PlinkReader() {
    if (bed_) std::fclose(bed_);
}

std::vector<std::pair<std::string, int64_t>> PlinkReader::contigs() const { return set_->sites.lengths(); }

const std::vector<int64_t>* PlinkReader::site_positions(const std::string& contig) const {
    const SiteIndex::Contig* c = set_->sites.find(contig);
    return c ? &c->positions : nullptr;
}

bool PlinkReader::query(const std::string& contig, int64_t beg, int64_t end) {
    return cursor_.query(set_->sites, contig, beg, end);
}

bool PlinkReader::next() {
    size_t v = 0;
    if (!cursor_.next(v)) return false;
    read(v);
    ++n_read_;
    return true;
}

void PlinkReader::read(size_t v) {
    const PlinkVariant& pv = set_->variants[v];
    if (v < chunk_first_ || v >= chunk_first_ + chunk_n_) {  // read a run of variants from v on, about 1 MiB
        const size_t n = std::min(std::max<size_t>(1, (size_t(1) << 20) / bytes_per_variant_),
                                  set_->variants.size() - v);
        const long offset = long(3 + bytes_per_variant_ * v);
        chunk_.resize(n * bytes_per_variant_);
        chunk_n_ = 0;
        if (std::fseek(bed_, offset, SEEK_SET) != 0 ||
            std::fread(chunk_.data(), 1, chunk_.size(), bed_) != chunk_.size())
            throw_malformed(set_->paths.bed + ": cannot read variant " + std::string(pv.id) + " (line " +
                                std::to_string(pv.line) +
                                " of " + set_->paths.bim + ") at byte " + std::to_string(offset) +
                                ": the file is truncated or unreadable",
                            "write the fileset again (plink --make-bed)");
        chunk_first_ = v, chunk_n_ = n;
    }
    std::memcpy(words_.data(), &chunk_[(v - chunk_first_) * bytes_per_variant_], bytes_per_variant_);
    site_.contig = set_->sites.contigs[pv.contig].name;
    site_.pos = pv.pos - 1;
    site_.rlen = int64_t(std::max<size_t>(pv.a2.size(), 1));
    site_.alleles.resize(pv.a1 != "0" ? 2 : 1);  // (no ALT for a monomorphic site)
    site_.alleles[0] = pv.a2;
    if (site_.alleles.size() == 2) site_.alleles[1] = pv.a1;
    site_.pass = true;
    site_.ploidy = 2;
    filled_ = false;
    if (!deferred_) fill_calls();
}

void PlinkReader::fill_calls() {
    if (filled_) return;
    filled_ = true;
    const size_t n = set_->iids.size();
    site_.gt.resize(2 * n);
    site_.dp.clear();
    site_.gq.clear();
    const int32_t ref = bcf_gt_unphased(0), alt = bcf_gt_unphased(1), missing = bcf_gt_missing;
    for (size_t i = 0; i < n; ++i) {
        const unsigned code = unsigned(words_[i >> 5] >> ((i & 31) * 2)) & 3u;
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

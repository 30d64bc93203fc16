#include "genome/bgen.hpp"

#include <htslib/vcf.h>
#include <libdeflate.h>
#include <sqlite3.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string_view>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/table.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "BGEN's little-endian integers are read as they lie"
#endif

namespace precis {

namespace {

constexpr size_t kMaxAlleles = 64;
const char kRewrite[] = "write it again, e.g. 'plink2 --bgen FILE ref-first --export bgen-1.2 --out NEW'";

// Reads of a file at given offsets through a window of 64 KiB, so that small reads cost no system call.
class Window {
public:
    explicit Window(const std::string& path) : f_(std::fopen(path.c_str(), "rb")) {
        if (!f_)
            throw_malformed(path + ": cannot open (" + std::strerror(errno) + ")", "give the .bgen file's path");
    }
    ~Window() { std::fclose(f_); }
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    // `n` bytes at `at`, or nullptr when the file ends first
    const unsigned char* get(int64_t at, size_t n) {
        if (at < beg_ || at + int64_t(n) > beg_ + int64_t(buf_.size())) {
            // (64 KiB: a file of small blocks is read a few dozen variants at a time; of blocks larger than that,
            // only their headers)
            buf_.resize(std::max<size_t>(n, size_t(1) << 16));
            if (fseeko(f_, at, SEEK_SET) != 0) return nullptr;
            buf_.resize(std::fread(buf_.data(), 1, buf_.size(), f_));
            beg_ = at;
            if (buf_.size() < n) return nullptr;
        }
        return buf_.data() + (at - beg_);
    }

private:
    std::FILE* f_;
    std::vector<unsigned char> buf_;
    int64_t beg_ = 0;
};

template <class T>
T le(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A variant's identifying block: ids, chromosome, position, alleles; `end` is where its genotype block starts.
struct VariantHeader {
    std::string chrom;
    uint32_t pos = 0;
    std::vector<std::string> alleles;
    int64_t end = 0;
};

// Reads the variant header at `at` (with the allele strings only when `alleles`); false at the end of the file.
bool read_header(Window& w, const std::string& path, int64_t at, size_t variant, bool alleles, VariantHeader& h) {
    const auto bad = [&](const std::string& what) {
        throw_malformed(path + ": variant " + std::to_string(variant + 1) + " (byte " + std::to_string(at) +
                            "): " + what,
                        std::string("the file is truncated or not BGEN 1.2: ") + kRewrite);
    };
    int64_t p = at;
    const unsigned char* b = w.get(p, 2);
    if (!b) return false;
    for (int k = 0; k < 2; ++k) {  // the variant id and the rsid
        b = w.get(p, 2);
        if (!b) bad("ends inside its ids");
        p += 2 + le<uint16_t>(b);
    }
    b = w.get(p, 2);
    if (!b) bad("ends before its chromosome");
    const uint16_t lc = le<uint16_t>(b);
    b = w.get(p + 2, size_t(lc) + 6);
    if (!b) bad("ends inside its chromosome or position");
    h.chrom.assign(reinterpret_cast<const char*>(b), lc);
    h.pos = le<uint32_t>(b + lc);
    const uint16_t k = le<uint16_t>(b + lc + 4);
    if (k < 1) bad("has no alleles");
    p += 2 + lc + 6;
    h.alleles.resize(alleles ? k : 1);
    for (uint16_t a = 0; a < k; ++a) {
        b = w.get(p, 4);
        if (!b) bad("ends inside its alleles");
        const uint32_t la = le<uint32_t>(b);
        if (la > (uint32_t(1) << 28)) bad("an allele of " + std::to_string(la) + " bases");
        if (a == 0 || alleles) {
            b = w.get(p + 4, la);
            if (!b) bad("ends inside its alleles");
            h.alleles[a].assign(reinterpret_cast<const char*>(b), la);
        }
        p += 4 + int64_t(la);
    }
    h.end = p;
    return true;
}

// The ID_2 column of an Oxford .sample file (a header line, a line of column types, then one line per sample).
std::vector<std::string> read_sample_file(const std::string& path) {
    LineReader in(path);
    std::string_view line;
    std::vector<std::string> ids;
    while (in.next(line)) {
        std::vector<std::string_view> f;
        for (size_t a = 0; a < line.size();) {
            while (a < line.size() && (line[a] == ' ' || line[a] == '\t')) ++a;
            if (a == line.size()) break;
            size_t b = a;
            while (b < line.size() && line[b] != ' ' && line[b] != '\t') ++b;
            f.push_back(line.substr(a, b - a));
            a = b;
        }
        const long n = in.line_number();
        if (n == 1 && (f.size() < 3 || f[0] != "ID_1" || f[1] != "ID_2"))
            throw_malformed(where(path, 1) + "not an Oxford .sample header (ID_1 ID_2 missing ...)",
                            "give the .sample written with the .bgen (plink2 --export bgen-1.2 writes one)");
        if (n <= 2) continue;  // (the header and the column types)
        if (f.size() < 3)
            throw_malformed(where(path, n) + std::to_string(f.size()) + " columns, but a .sample line has at least 3",
                            "give the .sample written with the .bgen");
        ids.emplace_back(f[1]);
    }
    return ids;
}

}  // namespace

// The variants of a BGEN file from its bgenix index (SQLite: table Variant, one row per variant with its chromosome,
// position, first allele, and the offset and size of its block), checked against the file: as many variants as its
// header says, the first where its header puts it, each block where the one before ends, the last at the file's
// end (and bgenix's Metadata, when there, naming this file's size and first bytes).
void BgenFile::load_bgi(BgenFile& b, const std::string& bgi, int64_t first, uint32_t m) {
    const auto bad = [&](const std::string& what) {
        throw_malformed(bgi + ": " + what + "; it is not the index of " + b.path,
                        "make it again ('bgenix -g " + b.path + " -index -clobber') or remove it (precis then reads "
                        "the variant headers instead)");
    };
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(bgi.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw_malformed(bgi + ": cannot open as an SQLite index (" + why + ")",
                        "make it again ('bgenix -g " + b.path + " -index -clobber') or remove it");
    }
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> hold(db, sqlite3_close);
    std::error_code ec;
    const int64_t size = int64_t(std::filesystem::file_size(b.path, ec));
    sqlite3_stmt* st = nullptr;
    const auto prepare = [&](const char* sql) {
        st = nullptr;
        return sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK;
    };
    if (prepare("SELECT file_size, first_1000_bytes FROM Metadata")) {
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> meta(st, sqlite3_finalize);
        if (sqlite3_step(st) == SQLITE_ROW) {
            if (sqlite3_column_int64(st, 0) != size)
                bad("it was made for a file of " + std::to_string(sqlite3_column_int64(st, 0)) + " bytes, not " +
                    std::to_string(size));
            const int n = sqlite3_column_bytes(st, 1);
            const void* want = sqlite3_column_blob(st, 1);
            std::string head(size_t(n), '\0');
            std::FILE* f = std::fopen(b.path.c_str(), "rb");
            const size_t got = f ? std::fread(head.data(), 1, head.size(), f) : 0;
            if (f) std::fclose(f);
            if (n > 0 && (got != size_t(n) || std::memcmp(head.data(), want, size_t(n)) != 0))
                bad("its record of the file's first bytes differs from them");
        }
    }
    if (!prepare("SELECT chromosome, position, allele1, file_start_position, size_in_bytes FROM Variant "
                 "ORDER BY file_start_position"))
        bad(std::string("it has no Variant table (") + sqlite3_errmsg(db) + ")");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> rows(st, sqlite3_finalize);
    int64_t expect = first;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const size_t v = b.offsets.size();
        const auto text = [&](int col) {
            const unsigned char* t = sqlite3_column_text(st, col);
            return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
        };
        const int64_t pos = sqlite3_column_int64(st, 1), start = sqlite3_column_int64(st, 3),
                      bytes = sqlite3_column_int64(st, 4);
        if (start != expect)
            bad("variant " + std::to_string(v + 1) + " starts at byte " + std::to_string(start) + ", where " +
                (v ? "the one before ends at " : "the header puts the first at ") + std::to_string(expect));
        if (bytes <= 0 || pos <= 0 || pos > UINT32_MAX)
            bad("variant " + std::to_string(v + 1) + " has " + std::to_string(bytes) + " bytes at position " +
                std::to_string(pos));
        b.offsets.push_back(start);
        b.sites.add(b.sites.contig(text(0)), uint32_t(v), pos - 1, int64_t(text(2).size()));
        expect = start + bytes;
    }
    if (rc != SQLITE_DONE) bad(std::string("reading it failed (") + sqlite3_errmsg(db) + ")");
    if (b.offsets.size() != m)
        bad("it lists " + std::to_string(b.offsets.size()) + " variants, the file's header " + std::to_string(m));
    if (expect != size)
        bad("its last variant ends at byte " + std::to_string(expect) + ", the file at " + std::to_string(size));
}

bool is_bgen_path(const std::string& path) {
    return path.size() >= 5 && path.compare(path.size() - 5, 5, ".bgen") == 0;
}

std::string bgen_sample_path(const std::string& path) {
    return path.substr(0, path.size() - (is_bgen_path(path) ? 5 : 0)) + ".sample";
}

std::shared_ptr<const BgenFile> BgenFile::load(const std::string& path, bool shared) {
    const std::string sample = bgen_sample_path(path);
    std::error_code ec;
    const bool has_sample = std::filesystem::is_regular_file(sample, ec);
    static std::mutex mutex;
    static std::string last_stamp;
    static std::shared_ptr<const BgenFile> last;
    // the file, its .sample and its .bgi as they are now (core/files.hpp; a missing one stamps as "-"), or nothing
    // for a file that is not there: it is not cached
    const std::string own = file_stamp(path);
    const std::string stamp =
        own == "-" ? "" : path + '\n' + own + '\n' + file_stamp(sample) + '\n' + file_stamp(path + ".bgi");
    if (shared) {
        std::lock_guard<std::mutex> lock(mutex);
        if (last && !stamp.empty() && stamp == last_stamp) return last;
    }
    auto out = std::make_shared<BgenFile>();
    BgenFile& b = *out;
    b.path = path;
    Window w(path);
    const auto bad = [&](const std::string& what, const std::string& fix) { throw_malformed(path + ": " + what, fix); };
    const unsigned char* h = w.get(0, 24);
    if (!h) bad("too short for a BGEN header", kRewrite);
    const uint32_t offset = le<uint32_t>(h), lh = le<uint32_t>(h + 4), m = le<uint32_t>(h + 8);
    b.n_samples = le<uint32_t>(h + 12);
    if (std::memcmp(h + 16, "bgen", 4) != 0 && std::memcmp(h + 16, "\0\0\0\0", 4) != 0)
        bad("not a BGEN file (no 'bgen' magic number at byte 16)", "give a BGEN 1.2 file");
    if (lh < 20 || lh > offset) bad("a header of " + std::to_string(lh) + " bytes does not fit", kRewrite);
    h = w.get(4 + int64_t(lh) - 4, 4);
    if (!h) bad("ends inside its header", kRewrite);
    const uint32_t flags = le<uint32_t>(h);
    b.compression = int(flags & 3u);
    const uint32_t layout = (flags >> 2) & 15u;
    if (layout == 1)
        bad("layout 1 (BGEN 1.1), which precis does not read", "convert it to BGEN 1.2 ('plink2 --bgen FILE ref-first "
                                                               "--export bgen-1.2 --out NEW', or qctool)");
    if (layout != 2) bad("layout " + std::to_string(layout) + ", which is not BGEN 1.2's (2)", kRewrite);
    if (b.compression == 3) bad("compression code 3, which BGEN does not define", kRewrite);
    if (b.n_samples == 0) bad("no samples", "give the BGEN file of the cohort");
    std::vector<std::string> embedded;
    if (flags >> 31) {  // the sample identifier block
        int64_t p = 4 + int64_t(lh);
        const unsigned char* s = w.get(p, 8);
        if (!s) bad("ends inside its sample block", kRewrite);
        if (le<uint32_t>(s + 4) != b.n_samples)
            bad("its sample block names " + std::to_string(le<uint32_t>(s + 4)) + " samples, its header " +
                    std::to_string(b.n_samples),
                kRewrite);
        p += 8;
        for (uint32_t i = 0; i < b.n_samples; ++i) {
            s = w.get(p, 2);
            const uint16_t n = s ? le<uint16_t>(s) : 0;
            const unsigned char* id = s ? w.get(p + 2, n) : nullptr;
            if (!id) bad("ends inside its sample block", kRewrite);
            embedded.emplace_back(reinterpret_cast<const char*>(id), n);
            p += 2 + n;
        }
    }
    if (has_sample) {
        b.sample_path = sample;
        b.ids = read_sample_file(sample);
        if (b.ids.size() != b.n_samples)
            bad("holds " + std::to_string(b.n_samples) + " samples, but " + sample + " lists " +
                    std::to_string(b.ids.size()),
                "give the .sample written with this .bgen");
        for (size_t i = 0; i < embedded.size(); ++i)
            if (embedded[i] != b.ids[i])
                bad("sample " + std::to_string(i + 1) + " is '" + embedded[i] + "' in the file but '" + b.ids[i] +
                        "' in " + sample,
                    "give the .sample written with this .bgen, or remove it to use the file's own ids");
    } else if (!embedded.empty()) {
        b.ids = std::move(embedded);
    } else {
        bad("holds no sample ids and there is no " + sample, "put the .sample written with it beside it");
    }
    {
        std::unordered_map<std::string_view, size_t> seen;
        for (size_t i = 0; i < b.ids.size(); ++i)
            if (auto [it, fresh] = seen.emplace(b.ids[i], i); !fresh)
                bad("sample '" + b.ids[i] + "' appears twice (samples " + std::to_string(it->second + 1) + " and " +
                        std::to_string(i + 1) + ")",
                    "give each sample its own id");
    }
    const std::string bgi = path + ".bgi";
    if (std::filesystem::is_regular_file(bgi, ec)) {  // the index bgenix made: the variants without reading them
        load_bgi(b, bgi, 4 + int64_t(offset), m);
    } else {
        // no index: one pass over the variant headers, each genotype block skipped by its length
        int64_t at = 4 + int64_t(offset);
        VariantHeader vh;
        for (size_t v = 0; v < m; ++v) {
            if (!read_header(w, path, at, v, false, vh))
                bad("the header says " + std::to_string(m) + " variants, but the file ends after " + std::to_string(v),
                    "the file is truncated: copy or write it again");
            const unsigned char* c = w.get(vh.end, 4);
            if (!c) bad("variant " + std::to_string(v + 1) + " ends before its genotype block", kRewrite);
            const int64_t next = vh.end + 4 + int64_t(le<uint32_t>(c));
            if (vh.pos == 0)
                bad("variant " + std::to_string(v + 1) + " (byte " + std::to_string(at) + ") is at position 0 of " +
                        vh.chrom,
                    "give each variant its position (from 1), or leave it out (plink2 --exclude)");
            b.offsets.push_back(at);
            b.sites.add(b.sites.contig(vh.chrom), uint32_t(v), int64_t(vh.pos) - 1, int64_t(vh.alleles[0].size()));
            at = next;
        }
        std::error_code ec2;
        const auto size = std::filesystem::file_size(path, ec2);
        if (!ec2 && int64_t(size) < at)
            bad("its last genotype block ends at byte " + std::to_string(at) + ", past the end of the file (" +
                    std::to_string(size) + " bytes)",
                "the file is truncated: copy or write it again");
    }
    b.sites.sort();
    if (shared) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!stamp.empty()) last_stamp = stamp, last = out;
    }
    return out;
}

BgenReader::BgenReader(const std::string& path, double hard_call_threshold, bool shared)
    : file_(BgenFile::load(path, shared)), threshold_(hard_call_threshold) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) throw_malformed(path + ": cannot open (" + std::strerror(errno) + ")", "give the .bgen file's path");
    cursor_ = SiteCursor(file_->offsets.size());
    words_.assign((file_->n_samples + 31) / 32, 0);
}

BgenReader::~BgenReader() {
    if (f_) std::fclose(f_);
    if (inflater_) libdeflate_free_decompressor(inflater_);
}

bool BgenReader::next() {
    size_t v = 0;
    if (!cursor_.next(v)) return false;
    read(v);
    ++n_read_;
    return true;
}

void BgenReader::read(size_t v) {
    const std::string& path = file_->path;
    const int64_t at = file_->offsets[v];
    const auto bad = [&](const std::string& what) {
        throw_malformed(path + ": variant " + std::to_string(v + 1) + " (byte " + std::to_string(at) + "): " + what,
                        std::string("the file is damaged: ") + kRewrite);
    };
    // the variant's header and genotype block in one read (the next variant's offset bounds it)
    const int64_t end = v + 1 < file_->offsets.size() ? file_->offsets[v + 1] : -1;
    VariantHeader h;
    {
        if (fseeko(f_, at, SEEK_SET) != 0) bad("cannot seek to it");
        const size_t want = end > at ? size_t(end - at) : size_t(1) << 16;
        raw_.resize(want + 8);
        raw_.resize(std::fread(raw_.data(), 1, want, f_));
        size_t p = 0;
        const auto need = [&](size_t n) {
            if (p + n > raw_.size()) bad("ends early");
        };
        for (int k = 0; k < 2; ++k) {
            need(2);
            p += 2 + le<uint16_t>(&raw_[p]);
        }
        need(2);
        const uint16_t lc = le<uint16_t>(&raw_[p]);
        need(2 + size_t(lc) + 6);
        h.chrom.assign(reinterpret_cast<const char*>(&raw_[p + 2]), lc);
        h.pos = le<uint32_t>(&raw_[p + 2 + lc]);
        const uint16_t k = le<uint16_t>(&raw_[p + 2 + lc + 4]);
        p += 2 + size_t(lc) + 6;
        h.alleles.resize(k);
        for (uint16_t a = 0; a < k; ++a) {
            need(4);
            const uint32_t la = le<uint32_t>(&raw_[p]);
            need(4 + size_t(la));
            h.alleles[a].assign(reinterpret_cast<const char*>(&raw_[p + 4]), la);
            p += 4 + la;
        }
        need(4);
        const uint32_t c = le<uint32_t>(&raw_[p]);
        p += 4;
        if (raw_.size() < p + c) {  // (the last variant: read the rest of its block)
            const size_t have = raw_.size();
            raw_.resize(p + c);
            if (std::fread(raw_.data() + have, 1, p + c - have, f_) != p + c - have)
                bad("its genotype block is truncated");
        }
        if (h.alleles.size() > kMaxAlleles)
            bad(std::to_string(h.alleles.size()) + " alleles; precis reads up to " + std::to_string(kMaxAlleles));
        const unsigned char* g = raw_.data() + p;
        if (file_->compression == 0) {
            data_.assign(g, g + c);
        } else {
            if (c < 4) bad("a compressed genotype block of " + std::to_string(c) + " bytes");
            const uint32_t d = le<uint32_t>(g);
            // the most a block of these samples and alleles can hold (ploidy up to 2, 32 bits per probability),
            // before anything is allocated for it
            const uint64_t na = h.alleles.size(), n = file_->n_samples;
            const uint64_t values = std::max<uint64_t>(na * (na + 1) / 2 - 1, 2 * (na - 1));
            if (d > 10 + n + n * values * 4)
                bad("its genotype block declares " + std::to_string(d) + " bytes, more than " + std::to_string(n) +
                    " samples' probabilities of " + std::to_string(na) + " alleles can take");
            data_.resize(d);
            if (file_->compression == 1) {  // (libdeflate: zlib's format, decompressed some times faster)
                if (!inflater_) inflater_ = libdeflate_alloc_decompressor();
                size_t got = 0;
                if (!inflater_ ||
                    libdeflate_zlib_decompress(inflater_, g + 4, c - 4, data_.data(), d, &got) != LIBDEFLATE_SUCCESS ||
                    got != d)
                    bad("its zlib-compressed genotype block does not decompress to the " + std::to_string(d) +
                        " bytes it declares");
            } else {
                const size_t n = ZSTD_decompress(data_.data(), d, g + 4, c - 4);
                if (ZSTD_isError(n) || n != d)
                    bad("its zstd-compressed genotype block does not decompress to the " + std::to_string(d) +
                        " bytes it declares");
            }
        }
    }
    variant_ = v;
    site_.contig = h.chrom;
    site_.pos = int64_t(h.pos) - 1;
    site_.rlen = int64_t(std::max<size_t>(h.alleles[0].size(), 1));
    site_.alleles = std::move(h.alleles);
    site_.pass = true;
    decode();
}

// Layout 2's probability data: N, K, the least and greatest ploidy, a ploidy/missingness byte per sample, phased,
// bits per probability, then the probabilities packed little-endian, B bits each (the last of each set implied).
void BgenReader::decode() {
    const std::string& path = file_->path;
    const auto bad = [&](const std::string& what) {
        throw_malformed(path + ": variant " + std::to_string(variant_ + 1) + " at " + site_.contig + ":" +
                            std::to_string(site_.pos + 1) + ": " + what,
                        std::string("the file is damaged or not BGEN 1.2 layout 2: ") + kRewrite);
    };
    const size_t n = file_->n_samples, K = site_.alleles.size();
    if (K > kMaxAlleles) bad(std::to_string(K) + " alleles; precis reads up to " + std::to_string(kMaxAlleles));
    if (data_.size() < 10 + n) bad("a genotype block of " + std::to_string(data_.size()) + " bytes");
    const unsigned char* d = data_.data();
    if (le<uint32_t>(d) != n)
        bad("its genotype block is for " + std::to_string(le<uint32_t>(d)) + " samples, the file's are " +
            std::to_string(n));
    if (le<uint16_t>(d + 4) != K)
        bad("its genotype block has " + std::to_string(le<uint16_t>(d + 4)) + " alleles, the variant " +
            std::to_string(K));
    const unsigned pmax = d[7];
    if (pmax > 2) bad("ploidy up to " + std::to_string(pmax) + "; precis reads ploidy 0 to 2");
    const unsigned char* ploidy = d + 8;  // (re-pointed after the resize below)
    const bool phased = d[8 + n] != 0;
    if (d[8 + n] > 1) bad("a phased flag of " + std::to_string(d[8 + n]));
    const unsigned bits = d[9 + n];
    if (bits < 1 || bits > 32) bad(std::to_string(bits) + " bits per probability (BGEN allows 1 to 32)");
    // how many probabilities each sample stores
    const auto stored = [&](unsigned z) -> size_t {
        if (phased) return size_t(z) * (K - 1);
        if (z == 0) return 0;
        return z == 1 ? K - 1 : K * (K + 1) / 2 - 1;
    };
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) {
        const unsigned z = ploidy[i] & 63u;
        if (z > pmax || z < d[6]) bad("sample " + std::to_string(i + 1) + " has ploidy " + std::to_string(z) +
                                      " outside the block's " + std::to_string(d[6]) + " to " + std::to_string(pmax));
        total += stored(z);
    }
    const size_t start = 10 + n;
    if (data_.size() < start + (total * bits + 7) / 8)
        bad("its probabilities need " + std::to_string((total * bits + 7) / 8) + " bytes, the block has " +
            std::to_string(data_.size() - start));
    data_.resize(data_.size() + 8, 0);  // (values are read 8 bytes at a time)
    d = data_.data();
    ploidy = d + 8;  // (the resize may have moved the block)
    const unsigned char* prob = d + start;
    const double scale = double((uint64_t(1) << bits) - 1);
    const uint64_t mask = (uint64_t(1) << bits) - 1;
    size_t bit = 0;
    const auto value = [&]() -> uint64_t {
        uint64_t x;
        std::memcpy(&x, prob + bit / 8, 8);
        const uint64_t v = (x >> (bit % 8)) & mask;
        bit += bits;
        return v;
    };
    // packed calls when biallelic and every sample diploid or without data
    packed_ok_ = K == 2 && pmax == 2;
    site_.ploidy = int(std::max(1u, pmax));
    site_.dosage_totals.assign(K, 0.0);
    site_.dosage_samples = 0;
    if (K == 2 && !phased && d[6] == 2 && pmax == 2) {  // the common case: biallelic, unphased, every sample diploid
        pending_ = {prob, bits};
        decode_diploid(!deferred_);  // (deferred: the calls and dosages when fill_calls() asks)
        return;
    }
    pending_ = {nullptr, 0};
    site_.dosage.assign(n * K, std::numeric_limits<float>::quiet_NaN());
    site_.gt.assign(n * size_t(site_.ploidy), bcf_int32_vector_end);
    std::fill(words_.begin(), words_.end(), 0);
    std::vector<double> p(K * (K + 1) / 2 + 1);
    double dd[kMaxAlleles];
    for (size_t i = 0; i < n; ++i) {
        const unsigned z = ploidy[i] & 63u;
        const bool missing = (ploidy[i] & 128u) != 0 || z == 0;
        if (z == 1) packed_ok_ = false;  // (a haploid sample has no .bed code)
        int32_t* g = &site_.gt[i * size_t(site_.ploidy)];
        float* dose = &site_.dosage[i * K];
        std::fill(dd, dd + K, 0.0);
        int call[2] = {-1, -1};  // the called allele of each chromosome copy, -1 for none
        if (phased) {  // per haplotype: the probabilities of its first K-1 alleles
            for (unsigned h = 0; h < z; ++h) {
                double rest = 1, top = -1;
                int best = 0;
                for (size_t a = 0; a + 1 < K; ++a) {
                    const double q = double(value()) / scale;
                    rest -= q;
                    dd[a] += q;
                    if (q > top) top = q, best = int(a);
                }
                if (rest < -1e-6) bad("sample " + std::to_string(i + 1) + ": probabilities sum above 1");
                rest = std::max(rest, 0.0);
                dd[K - 1] += rest;
                if (rest > top) top = rest, best = int(K - 1);
                call[h] = top >= 1 - threshold_ ? best : -1;  // (multi-allelic; biallelic calls below)
            }
            if (z == 1)
                for (size_t a = 0; a < K; ++a) dd[a] *= 2;  // (haploid copies count twice)
        } else {
            const size_t ng = stored(z) + (z ? 1 : 0);
            double rest = 1;
            for (size_t j = 0; j + 1 < ng; ++j) {
                p[j] = double(value()) / scale;
                rest -= p[j];
            }
            if (ng) {
                if (rest < -1e-6) bad("sample " + std::to_string(i + 1) + ": probabilities sum above 1");
                p[ng - 1] = std::max(rest, 0.0);
            }
            // genotypes in colex order: haploid a = 0..K-1; diploid (a, b) for b = 0..K-1, a = 0..b
            size_t j = 0, top = 0;
            for (size_t b = 0; b < K && z; ++b) {
                if (z == 1) {
                    dd[b] += 2 * p[j];
                    if (p[j] > p[top]) top = j, call[0] = int(b);
                    if (j == 0) call[0] = 0;
                    ++j;
                    continue;
                }
                for (size_t a = 0; a <= b; ++a, ++j) {
                    dd[a] += p[j], dd[b] += p[j];
                    if (j == 0 || p[j] > p[top]) top = j, call[0] = int(a), call[1] = int(b);
                }
            }
            if (z && p[top] < 1 - threshold_) call[0] = call[1] = -1;  // (multi-allelic; biallelic calls below)
        }
        if (!missing && K == 2) {  // plink2's rule: the ALT dosage within the threshold of a whole number
            const double r = std::round(dd[1]);
            const bool ok = std::fabs(dd[1] - r) <= threshold_ && !(z == 1 && r == 1);
            if (!ok) {
                call[0] = call[1] = -1;
            } else if (z == 1) {
                call[0] = int(r) / 2;
            } else {
                call[0] = r == 2 ? 1 : 0, call[1] = r >= 1 ? 1 : 0;
            }
        }
        unsigned code = 1;  // (.bed code: missing)
        if (missing) {
            for (unsigned k = 0; k < std::max(1u, z); ++k) g[k] = bcf_gt_missing;
        } else {
            for (size_t a = 0; a < K; ++a) dose[a] = float(dd[a]), site_.dosage_totals[a] += dd[a];
            ++site_.dosage_samples;
            const bool called = call[0] >= 0 && (z == 1 || call[1] >= 0);
            for (unsigned k = 0; k < z; ++k)
                g[k] = !called ? bcf_gt_missing : k > 0 && phased ? bcf_gt_phased(call[k]) : bcf_gt_unphased(call[k]);
            if (called && z == 2 && K == 2) code = call[0] + call[1] == 0 ? 3u : call[0] + call[1] == 1 ? 2u : 0u;
        }
        if (packed_ok_) words_[i >> 5] |= uint64_t(code) << (2 * (i & 31));
    }
}



// decode()'s arithmetic for a biallelic unphased record of diploid samples, without its general loops: per sample
// P(REF/REF) and P(REF/ALT) stored, P(ALT/ALT) the rest; the dosages and the call as decode() makes them.
void BgenReader::decode_diploid(bool full) {
    // In integers: with M = 2^bits - 1 and the stored v0 = M P(REF/REF), v1 = M P(REF/ALT), the ALT dosage is
    // D / M with D = v1 + 2 (M - v0 - v1) (v1 when the two exceed M within the slack decode() allows, P(ALT/ALT)
    // being 0 then), and the call r is the whole number with |D - r M| <= threshold x M, which holds exactly when
    // it holds for the integer floor(threshold x M): decode()'s rule without its rounding. Without `full`, only
    // the packed calls and the totals.
    const size_t n = file_->n_samples;
    const unsigned char* ploidy = data_.data() + 8;
    const unsigned char* prob = pending_.prob;
    const unsigned bits = pending_.bits;
    const uint64_t mask = (uint64_t(1) << bits) - 1;
    const int64_t M = int64_t(mask);
    const int64_t slack = int64_t(1e-6 * double(M)), tm = int64_t(std::floor(threshold_ * double(M)));
    const double inv = 1.0 / double(M);
    if (full) {
        site_.dosage.resize(2 * n);
        site_.gt.resize(2 * n);
    }
    float* dose = site_.dosage.data();
    int32_t* gt = site_.gt.data();
    uint64_t* words = words_.data();
    std::fill(words_.begin(), words_.end(), 0);
    const int32_t ref = bcf_gt_unphased(0), alt = bcf_gt_unphased(1), none = bcf_gt_missing;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    int64_t sum_ref = 0, sum_alt = 0, with_data = 0;
    // the same integer rule, looked up: for 8 bits, every (v0, v1) pair's D, REF dosage x M, code and validity
    const auto classify = [&](int64_t v0, int64_t v1, int64_t& D) {
        D = v0 + v1 > M ? v1 : v1 + 2 * (M - v0 - v1);
        return D <= tm                       ? 3u   // REF/REF
               : D - M <= tm && M - D <= tm ? 2u   // REF/ALT
               : 2 * M - D <= tm             ? 0u   // ALT/ALT
                                             : 1u;  // no call
    };
    if (bits == 8 && !full) {
        if (table8_.empty()) {  // (bit 0-1 code, 2-11 D, 12-21 2 v0 + v1, 22 invalid)
            table8_.resize(65536);
            for (int64_t v1 = 0; v1 < 256; ++v1)
                for (int64_t v0 = 0; v0 < 256; ++v0) {
                    int64_t D = 0;
                    const unsigned code = classify(v0, v1, D);
                    table8_[size_t(v0 | v1 << 8)] = code | uint32_t(D) << 2 | uint32_t(2 * v0 + v1) << 12 |
                                                    uint32_t(v0 + v1 > M + slack) << 22;
                }
        }
        const uint32_t* table = table8_.data();
        uint32_t invalid = 0;
        for (size_t i = 0; i < n; ++i) {
            const uint32_t t = table[size_t(prob[2 * i]) | size_t(prob[2 * i + 1]) << 8];
            invalid |= t;
            const uint32_t has = uint32_t(~ploidy[i] >> 7 & 1u);  // (0 when flagged missing)
            const uint32_t code = has ? (t & 3u) : 1u;
            sum_alt += int64_t((t >> 2 & 1023u) * has);
            sum_ref += int64_t((t >> 12 & 1023u) * has);
            with_data += has;
            words[i >> 5] |= uint64_t(code) << (2 * (i & 31));
        }
        if (invalid >> 22 & 1u)
            for (size_t i = 0; i < n; ++i)
                if (table[size_t(prob[2 * i]) | size_t(prob[2 * i + 1]) << 8] >> 22) bad_probabilities(i);
        site_.dosage_totals.assign({double(sum_ref) * inv, double(sum_alt) * inv});
        site_.dosage_samples = with_data;
        return;
    }
    size_t bit = 0;
    for (size_t i = 0; i < n; ++i, bit += 2 * bits) {
        uint64_t x;
        std::memcpy(&x, prob + bit / 8, 8);
        x >>= bit % 8;
        const int64_t v0 = int64_t(x & mask), v1 = int64_t((x >> bits) & mask);
        if (v0 + v1 > M + slack) bad_probabilities(i);
        unsigned code = 1;  // (.bed code: missing)
        if (ploidy[i] & 128u) {
            if (full) gt[2 * i] = gt[2 * i + 1] = none, dose[2 * i] = dose[2 * i + 1] = nan;
        } else {
            int64_t D = 0;
            code = classify(v0, v1, D);
            sum_ref += 2 * v0 + v1, sum_alt += D, ++with_data;
            if (full) {
                dose[2 * i] = float(double(2 * v0 + v1) * inv);
                dose[2 * i + 1] = float(double(D) * inv);
                gt[2 * i] = code == 1 ? none : code == 0 ? alt : ref;
                gt[2 * i + 1] = code == 1 ? none : code == 3 ? ref : alt;
            }
        }
        words[i >> 5] |= uint64_t(code) << (2 * (i & 31));
    }
    site_.dosage_totals.assign({double(sum_ref) * inv, double(sum_alt) * inv});
    site_.dosage_samples = with_data;
    if (full) pending_.prob = nullptr;
}

void BgenReader::fill_calls() {
    if (pending_.prob) decode_diploid(true);
}

void BgenReader::bad_probabilities(size_t sample) const {
    throw_malformed(file_->path + ": variant " + std::to_string(variant_ + 1) + " at " + site_.contig + ":" +
                        std::to_string(site_.pos + 1) + ": sample " + std::to_string(sample + 1) +
                        ": probabilities sum above 1",
                    std::string("the file is damaged or not BGEN 1.2 layout 2: ") + kRewrite);
}

}  // namespace precis

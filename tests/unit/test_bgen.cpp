// BGEN 1.2 read as sites: every call and dosage of plink2-made files (tests/fixtures/bgen/make_bgen_fixture.sh:
// zlib with 8 bits, zstd with 16 bits, phased) equals what plink2 reads from them; files written here byte by byte
// for what plink2 does not write (three alleles, haploid and ploidy-0 samples, no compression) and for broken ones,
// refused with the file, the place and the fix; the packed QC of BGEN records equals the call-by-call count.
#include <catch2/catch.hpp>
#include <htslib/vcf.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "genome/bgen.hpp"
#include "genome/genome.hpp"
#include "genome/hts.hpp"

using namespace precis;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(PRECIS_FIXTURES) + "/bgen/";

// A site's calls as allele sums per sample ('.' missing), and its ALT dosages
std::string calls(const Site& s) {
    std::string out = s.contig + ":" + std::to_string(s.pos) + ":" + s.alleles[0] + ">" + s.alleles[1] + " ";
    for (size_t i = 0; i * size_t(s.ploidy) < s.gt.size(); ++i) {
        int sum = 0;
        bool missing = false;
        for (int k = 0; k < s.ploidy; ++k) {
            const int32_t g = s.gt[i * size_t(s.ploidy) + size_t(k)];
            if (g == bcf_int32_vector_end) continue;
            if (bcf_gt_is_missing(g)) missing = true;
            else sum += bcf_gt_allele(g);
        }
        out += missing ? "." : std::to_string(sum);
    }
    return out;
}

// --- a BGEN writer for the cases plink2 does not write ---

template <class T>
void put(std::string& s, T v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Layout 2 probability data: `ploidy` per sample (128 added: missing), then `values` packed `bits` each.
std::string probs(uint16_t k, const std::vector<uint8_t>& ploidy, bool phased, unsigned bits,
                  const std::vector<uint32_t>& values) {
    std::string s;
    put<uint32_t>(s, uint32_t(ploidy.size()));
    put<uint16_t>(s, k);
    uint8_t lo = 63, hi = 0;
    for (uint8_t p : ploidy) lo = std::min<uint8_t>(lo, p & 63), hi = std::max<uint8_t>(hi, p & 63);
    put<uint8_t>(s, lo);
    put<uint8_t>(s, hi);
    for (uint8_t p : ploidy) put<uint8_t>(s, p);
    put<uint8_t>(s, phased);
    put<uint8_t>(s, uint8_t(bits));
    std::vector<uint8_t> packed((values.size() * bits + 7) / 8, 0);
    size_t bit = 0;
    for (uint32_t v : values)
        for (unsigned b = 0; b < bits; ++b, ++bit)
            if (v >> b & 1u) packed[bit / 8] |= uint8_t(1u << (bit % 8));
    s.append(reinterpret_cast<const char*>(packed.data()), packed.size());
    return s;
}

struct Variant {
    std::string chrom;
    uint32_t pos;
    std::vector<std::string> alleles;
    std::string data;  // probability data, stored uncompressed
};

std::string bgen(const std::vector<std::string>& ids, const std::vector<Variant>& vs, uint32_t flags = 2u << 2,
                 int m = -1) {
    std::string samples;
    put<uint32_t>(samples, 0);
    put<uint32_t>(samples, uint32_t(ids.size()));
    for (auto& id : ids) put<uint16_t>(samples, uint16_t(id.size())), samples += id;
    const uint32_t lsi = uint32_t(samples.size());
    std::memcpy(&samples[0], &lsi, 4);
    std::string s;
    put<uint32_t>(s, 20 + lsi);
    put<uint32_t>(s, 20);
    put<uint32_t>(s, m < 0 ? uint32_t(vs.size()) : uint32_t(m));
    put<uint32_t>(s, uint32_t(ids.size()));
    s += "bgen";
    put<uint32_t>(s, flags | 1u << 31);
    s += samples;
    for (const Variant& v : vs) {
        const std::string id = "v" + std::to_string(v.pos);
        put<uint16_t>(s, uint16_t(id.size())), s += id;
        put<uint16_t>(s, uint16_t(id.size())), s += id;
        put<uint16_t>(s, uint16_t(v.chrom.size())), s += v.chrom;
        put<uint32_t>(s, v.pos);
        put<uint16_t>(s, uint16_t(v.alleles.size()));
        for (auto& a : v.alleles) put<uint32_t>(s, uint32_t(a.size())), s += a;
        put<uint32_t>(s, uint32_t(v.data.size()));
        s += v.data;
    }
    return s;
}

std::string write(const std::string& name, const std::string& bytes) {
    const fs::path dir = fs::temp_directory_path() / "precis_unit_bgen";
    fs::create_directories(dir);
    const std::string path = (dir / (name + ".bgen")).string();
    std::ofstream(path, std::ios::binary) << bytes;
    fs::remove(dir / (name + ".sample"));
    return path;
}

}  // namespace

TEST_CASE("BGEN: every call and dosage as plink2 reads them (zlib 8-bit, zstd 16-bit, phased)", "[bgen]") {
    for (const char* name : {"zlib8", "zstd16", "phased"}) {
        INFO(name);
        BgenReader b(kDir + name + ".bgen");
        hts::VcfReader v(kDir + name + ".export.vcf");
        // each record's DS values, from the text (plink2 writes GT:DS for every sample)
        std::vector<std::vector<float>> ds_of;
        {
            std::ifstream in(kDir + name + ".export.vcf");
            std::string line;
            while (std::getline(in, line)) {
                if (line.empty() || line[0] == '#') continue;
                std::vector<float> ds;
                size_t at = 0;
                for (int field = 0; field < 9; ++field) at = line.find('\t', at) + 1;
                while (at > 0 && at <= line.size()) {
                    const size_t end = std::min(line.find('\t', at), line.size());
                    const std::string f = line.substr(at, end - at);
                    const std::string d = f.substr(f.find(':') + 1);
                    ds.push_back(d == "." ? std::nanf("") : std::stof(d));
                    at = end + 1;
                }
                ds_of.push_back(ds);
            }
        }
        REQUIRE(b.n_samples() == 30);
        for (int i = 0; i < 30; ++i) CHECK(b.sample_name(i) == v.sample_name(i));
        size_t sites = 0;
        int with_dosage = 0, half_called = 0;
        double worst = 0;
        while (v.next()) {
            REQUIRE(b.next());
            const Site &x = b.site(), &y = v.site();
            CHECK(calls(x) == calls(y));
            // plink2 writes DS with up to 5 decimals; the file's own precision is 1/255 or 1/65535
            REQUIRE(sites < ds_of.size());
            const std::vector<float>& want = ds_of[sites];
            REQUIRE(want.size() == 30);
            for (size_t i = 0; i < 30; ++i) {
                const float d = x.dosage[i * 2 + 1];
                if (!std::isnan(d) && std::fabs(d - std::round(d)) > 0.1f) ++half_called;
                CHECK(std::isnan(d) == std::isnan(want[i]));
                if (!std::isnan(d)) worst = std::max(worst, double(std::fabs(d - want[i])));
                with_dosage += !std::isnan(d);
            }
            ++sites;
        }
        CHECK_FALSE(b.next());
        CHECK(sites == (std::string(name) == "phased" ? 100u : 119u));
        CHECK(worst < 1e-4);
        CHECK(with_dosage > 0);
        if (std::string(name) != "phased") CHECK(half_called > 0);  // (dosages that make no call are there)
    }
}

TEST_CASE("BGEN: three alleles, haploid and ploidy-0 samples, no compression, 3-bit values", "[bgen]") {
    // three samples: diploid, haploid, diploid; bits 3 (max 7)
    // site 1, K = 3 unphased: genotypes 0/0 0/1 1/1 0/2 1/2 2/2 (5 stored); sample 3 at 0.71/0.29 makes no call
    const std::vector<uint32_t> v1 = {0, 0, 0, 0, 7,  // sample 1: 1/2 with certainty
                                      0, 7,           // sample 2 (haploid: 2 stored): allele 1
                                      5, 2, 0, 0, 0};  // sample 3: 0/0 at 5/7, 0/1 at 2/7: no call
    // site 2, biallelic: sample 1 dosage 2 x 4/7 + 3/7 ~ 1.57 (no call), sample 2 haploid P(ALT) = 1 (call 1, dosage
    // 2), sample 3 ploidy 0
    const std::vector<uint32_t> v2 = {0, 3, 0};
    const std::string path =
        write("three", bgen({"a", "b", "c"}, {{"1", 100, {"A", "C", "G"}, probs(3, {2, 1, 2}, false, 3, v1)},
                                              {"1", 200, {"T", "TA"}, probs(2, {2, 1, 0}, false, 3, v2)}}));
    BgenReader r(path);
    REQUIRE(r.next());
    const Site& s = r.site();
    REQUIRE(s.ploidy == 2);
    CHECK(bcf_gt_allele(s.gt[0]) == 1);
    CHECK(bcf_gt_allele(s.gt[1]) == 2);
    CHECK(bcf_gt_allele(s.gt[2]) == 1);
    CHECK(s.gt[3] == bcf_int32_vector_end);
    CHECK(bcf_gt_is_missing(s.gt[4]));
    CHECK(s.dosage[3 + 1] == Approx(2.0));  // haploid: counted twice
    CHECK(s.dosage[6 + 0] == Approx(2 * 5.0 / 7 + 2.0 / 7));
    CHECK(r.packed_calls() == nullptr);
    REQUIRE(r.next());
    const Site& t = r.site();
    CHECK(bcf_gt_is_missing(t.gt[0]));  // dosage 1.57: no call
    CHECK(t.dosage[1] == Approx(3.0 / 7 + 2 * 4.0 / 7));
    CHECK(bcf_gt_allele(t.gt[2]) == 1);
    CHECK(t.dosage[3] == Approx(2.0));
    CHECK(bcf_gt_is_missing(t.gt[4]));
    CHECK(std::isnan(t.dosage[5]));
    CHECK(r.packed_calls() == nullptr);  // (a haploid sample: no .bed row)
    CHECK_FALSE(r.next());
}

TEST_CASE("BGEN: broken files are refused with the file, the place and the fix", "[bgen]") {
    const auto refused = [](const std::string& path, const std::string& what) {
        CHECK_THROWS_WITH(BgenReader(path, 0.1, false), Catch::Contains(what));
    };
    const std::vector<Variant> one = {{"1", 5, {"A", "G"}, probs(2, {2, 2}, false, 8, {255, 0, 0, 255})}};
    CHECK_NOTHROW(BgenReader(write("good", bgen({"a", "b"}, one)), 0.1, false));
    refused(write("layout1", bgen({"a", "b"}, one, 1u << 2)), "layout 1 (BGEN 1.1), which precis does not read");
    refused(write("comp3", bgen({"a", "b"}, one, 2u << 2 | 3u)), "compression code 3");
    refused(write("short", bgen({"a", "b"}, one, 2u << 2, 2)), "the header says 2 variants, but the file ends after 1");
    std::string cut = bgen({"a", "b"}, one);
    cut.resize(cut.size() - 2);
    refused(write("cut", cut), "past the end of the file");
    refused(write("dup", bgen({"a", "a"}, one)), "sample 'a' appears twice");
    std::string magic = bgen({"a", "b"}, one);
    magic[16] = 'x';
    refused(write("magic", magic), "not a BGEN file");
    // broken genotype blocks: refused when read
    const auto unreadable = [](const std::string& path, const std::string& what) {
        BgenReader r(path, 0.1, false);
        CHECK_THROWS_WITH(r.next(), Catch::Contains(what));
    };
    unreadable(write("sum", bgen({"a", "b"}, {{"1", 5, {"A", "G"}, probs(2, {2, 2}, false, 8, {200, 100, 0, 255})}})),
               "sample 1: probabilities sum above 1");
    unreadable(write("bits", bgen({"a", "b"}, {{"1", 5, {"A", "G"}, probs(2, {2, 2}, false, 0, {})}})),
               "0 bits per probability");
    unreadable(write("n", bgen({"a", "b"}, {{"1", 5, {"A", "G"}, probs(2, {2, 2, 2}, false, 8, {0, 0, 0, 0, 0, 0})}})),
               "its genotype block is for 3 samples, the file's are 2");
    unreadable(write("tri", bgen({"a", "b"}, {{"1", 5, {"A", "G"}, probs(3, {2, 2}, false, 8, {0, 0})}})),
               "its genotype block has 3 alleles, the variant 2");
    unreadable(write("ploidy", bgen({"a", "b"}, {{"1", 5, {"A", "G"}, probs(2, {3, 3}, false, 8, {0, 0, 0, 0, 0, 0})}})),
               "ploidy up to 3; precis reads ploidy 0 to 2");
    // a .sample that does not fit
    const std::string p = write("sample", bgen({"a", "b"}, one));
    std::ofstream(p.substr(0, p.size() - 5) + ".sample") << "ID_1 ID_2 missing\n0 0 0\na a 0\n";
    refused(p, "holds 2 samples, but");
    std::ofstream(p.substr(0, p.size() - 5) + ".sample") << "ID_1 ID_2 missing\n0 0 0\na a 0\nb c 0\n";
    refused(p, "sample 2 is 'b' in the file but 'c' in");
}

TEST_CASE("BGEN: QC counted from the packed calls equals the call-by-call count", "[bgen][packed]") {
    for (const char* name : {"zlib8", "phased"}) {
        const std::string path = kDir + name + ".bgen";
        BgenReader a(path), b(path);
        std::vector<int> columns;
        for (int i = 0; i < a.n_samples(); ++i) columns.push_back(i);
        GenomeSettings packed, by_call;
        packed.frequencies = by_call.frequencies = FrequencySource::Cohort;
        by_call.packed_calls = false;
        for (const Region& rg : plan_regions(path, nullptr, 1 << 30)) {
            const RegionResult x = process_region(a, rg, columns, packed, nullptr);
            const RegionResult y = process_region(b, rg, columns, by_call, nullptr);
            for (size_t k = 0; k < columns.size(); ++k) {
                std::vector<double> rx(GenomeQC::kRaw), ry(GenomeQC::kRaw);
                x.qc[k].to_raw(rx.data());
                y.qc[k].to_raw(ry.data());
                CHECK(rx == ry);
            }
        }
    }
}

namespace {

// A bgenix-style index of `bgen` (tables Variant and Metadata) listing `drop` fewer variants, or stating another
// file size when `size_off` is not 0.
void write_bgi(const std::string& bgen, size_t drop, int64_t size_off) {
    const std::string bgi = bgen + ".bgi";
    fs::remove(bgi);
    const std::shared_ptr<const BgenFile> f = BgenFile::load(bgen, false);
    const int64_t size = int64_t(fs::file_size(bgen));
    BgenReader r(bgen, 0.1, false);  // (read by its headers: the index is made next)
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(bgi.c_str(), &db) == SQLITE_OK);
    const auto exec = [&](const std::string& sql) {
        REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    };
    exec("CREATE TABLE Variant (chromosome TEXT, position INT, rsid TEXT, number_of_alleles INT, allele1 TEXT, "
         "allele2 TEXT, file_start_position INT, size_in_bytes INT)");
    exec("CREATE TABLE Metadata (filename TEXT, file_size INT, last_write_time INT, first_1000_bytes BLOB, "
         "index_creation_time INT)");
    std::string head(1000, '\0');
    std::ifstream(bgen, std::ios::binary).read(head.data(), 1000);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO Metadata VALUES ('x', ?, 0, ?, 0)", -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, size + size_off);
    sqlite3_bind_blob(st, 2, head.data(), 1000, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    for (size_t v = 0; v + drop < f->offsets.size(); ++v) {
        REQUIRE(r.next());
        const Site& s = r.site();
        const int64_t end = v + 1 < f->offsets.size() ? f->offsets[v + 1] : size;
        exec("INSERT INTO Variant VALUES ('" + s.contig + "', " + std::to_string(s.pos + 1) + ", 'r', 2, '" +
             s.alleles[0] + "', '" + s.alleles[1] + "', " + std::to_string(f->offsets[v]) + ", " +
             std::to_string(end - f->offsets[v]) + ")");
    }
    sqlite3_close(db);
}

}  // namespace

TEST_CASE("BGEN: a bgenix index plans the variants, and one that does not fit the file is refused", "[bgen]") {
    const fs::path dir = fs::temp_directory_path() / "precis_unit_bgi";
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const char* ext : {".bgen", ".sample"}) fs::copy_file(kDir + "zlib8" + ext, dir / (std::string("z") + ext));
    const std::string path = (dir / "z.bgen").string();
    std::vector<std::string> scanned;
    {
        BgenReader r(path, 0.1, false);
        while (r.next()) scanned.push_back(calls(r.site()));
    }
    write_bgi(path, 0, 0);
    const std::shared_ptr<const BgenFile> with = BgenFile::load(path, false);
    fs::rename(path + ".bgi", path + ".kept");
    const std::shared_ptr<const BgenFile> without = BgenFile::load(path, false);
    fs::rename(path + ".kept", path + ".bgi");
    CHECK(with->offsets == without->offsets);
    CHECK(with->sites.lengths() == without->sites.lengths());
    std::vector<std::string> indexed;
    BgenReader r(path, 0.1, false);
    REQUIRE(r.query("1", 0, 1 << 30));
    while (r.next()) indexed.push_back(calls(r.site()));
    REQUIRE(r.query("X", 0, 1 << 30));
    while (r.next()) indexed.push_back(calls(r.site()));
    CHECK(indexed == scanned);
    write_bgi(path, 1, 0);
    CHECK_THROWS_WITH(BgenFile::load(path, false),
                      Catch::Contains("z.bgen.bgi: it lists 118 variants, the file's header 119") &&
                          Catch::Contains("it is not the index of"));
    write_bgi(path, 0, 7);
    CHECK_THROWS_WITH(BgenFile::load(path, false), Catch::Contains("it was made for a file of"));
    std::ofstream(path + ".bgi") << "not a database";
    CHECK_THROWS_WITH(BgenFile::load(path, false), Catch::Contains("z.bgen.bgi: "));
}

// PLINK 1 filesets read as sites (tests/fixtures/plink/make_plink_fixture.sh made the fixture with plink2): every
// site and call equals what plink2 exports from the same fileset as VCF, read by precis's VCF reader; region
// queries; and broken filesets refused with the file, the line and the fix.
#include <catch2/catch.hpp>
#include <htslib/vcf.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "genome/hts.hpp"
#include "genome/plink.hpp"

using namespace precis;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(PRECIS_FIXTURES) + "/plink/";

// A site as comparable text: contig, position, alleles, then each sample's allele indices ('.' missing)
std::string describe(const Site& s) {
    std::string out = s.contig + ":" + std::to_string(s.pos) + ":" + std::to_string(s.rlen);
    for (auto& a : s.alleles) out += ":" + a;
    out += " ";
    for (size_t i = 0; i < s.gt.size(); ++i) {
        const int32_t g = s.gt[i];
        if (g == bcf_int32_vector_end) continue;
        out += bcf_gt_is_missing(g) ? "." : std::to_string(bcf_gt_allele(g));
        out += i % size_t(s.ploidy) + 1 == size_t(s.ploidy) ? " " : "/";
    }
    return out;
}

std::vector<std::string> all_sites(GenotypeReader& r) {
    std::vector<std::string> out;
    while (r.next()) out.push_back(describe(r.site()));
    return out;
}

// a copy of the fixture's fileset in a fresh folder, to be broken
std::string copy_fileset(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("precis_unit_plink_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const char* ext : {".bed", ".bim", ".fam"})
        fs::copy_file(kDir + "small" + ext, dir / (std::string("small") + ext));
    return (dir / "small").string();
}

}  // namespace

TEST_CASE("PLINK filesets: every site and call as plink2 exports them to VCF", "[plink]") {
    PlinkReader bed(kDir + "small.bed");
    hts::VcfReader vcf(kDir + "small.export.vcf");
    REQUIRE(bed.n_samples() == 37);
    REQUIRE(vcf.n_samples() == 37);
    for (int i = 0; i < 37; ++i) CHECK(bed.sample_name(i) == vcf.sample_name(i));
    CHECK(bed.n_variants() == 150);
    const std::vector<std::string> a = all_sites(bed), b = all_sites(vcf);
    REQUIRE(a.size() == 150);
    CHECK(a == b);
    CHECK(bed.records_read() == 150);
    // from the prefix or any of the three files
    PlinkReader by_prefix(kDir + "small"), by_bim(kDir + "small.bim");
    CHECK(all_sites(by_prefix) == a);
    CHECK(all_sites(by_bim) == a);
    std::vector<std::string> names;
    for (auto& [name, length] : bed.contigs()) names.push_back(name);
    CHECK(names == std::vector<std::string>{"1", "2", "X"});
}

TEST_CASE("PLINK filesets: region queries give the sites that overlap the region, in position order", "[plink]") {
    PlinkReader bed(kDir + "small.bed");
    std::vector<Site> every;
    while (bed.next()) every.push_back(bed.site());
    for (auto [contig, beg, end] : std::vector<std::tuple<std::string, int64_t, int64_t>>{
             {"2", 10000, 60000}, {"X", 0, 1000000}, {"1", 0, 1}, {"1", 3137, 3138}}) {
        std::vector<std::string> want;
        for (const Site& s : every)
            if (s.contig == contig && s.pos < end && s.pos + s.rlen > beg) want.push_back(describe(s));
        REQUIRE(bed.query(contig, beg, end));
        CHECK(all_sites(bed) == want);
    }
    // a deletion is found from inside its REF
    for (const Site& s : every)
        if (s.rlen > 1) {
            REQUIRE(bed.query(s.contig, s.pos + 1, s.pos + 2));
            REQUIRE(bed.next());
            CHECK(describe(bed.site()) == describe(s));
            break;
        }
    CHECK_FALSE(bed.query("7", 0, 100));
    CHECK_FALSE(bed.next());
}

TEST_CASE("PLINK filesets: broken ones are refused with the file, the line and the fix", "[plink]") {
    const auto refused = [](const std::string& path, const std::string& what) {
        CHECK_THROWS_WITH(PlinkReader(path), Catch::Contains(what));
    };
    {  // an individual-major .bed, and something that is not a .bed at all
        const std::string p = copy_fileset("magic");
        std::fstream f(p + ".bed", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(2), f.put(char(0x00)), f.close();
        refused(p, "an individual-major .bed");
        std::fstream g(p + ".bed", std::ios::in | std::ios::out | std::ios::binary);
        g.seekp(0), g.put('#'), g.close();
        refused(p, "not a PLINK 1 .bed file");
    }
    {  // a truncated .bed
        const std::string p = copy_fileset("size");
        fs::resize_file(p + ".bed", fs::file_size(p + ".bed") - 10);
        refused(p, "small.bed: 1493 bytes, but");
        refused(p, "150 variants) and");
    }
    {  // a .fam line without its six columns; a sample twice
        const std::string p = copy_fileset("fam");
        std::ofstream(p + ".fam", std::ios::app) << "0 S99 0 0\n";
        refused(p, "small.fam:38: 4 columns, but a .fam line has 6");
        const std::string q = copy_fileset("fam2");
        std::ofstream(q + ".fam", std::ios::app) << "F S07 0 0 1 -9\n";
        refused(q, "small.fam:38: sample 'S07' appears again (first on line 7)");
        // by FID_IID the two are different samples (the fixture's FIDs are 0, this one's F)
        PlinkReader by_family(q, true, true);
        CHECK(by_family.sample_name(6) == "0_S07");
        CHECK(by_family.sample_name(37) == "F_S07");
        std::ofstream(q + ".fam", std::ios::app) << "F S07 0 0 1 -9\n";
        // (39 samples still take 10 bytes a variant: the .bed stays valid)
        CHECK_THROWS_WITH(PlinkReader(q, true, true), Catch::Contains("sample 'F_S07' appears again (first on line 38)"));
    }
    {  // a .bim position that is not a number
        const std::string p = copy_fileset("bim");
        std::ofstream(p + ".bim", std::ios::app) << "3\tv999\t0\tnear\tA\tG\n";
        refused(p, "small.bim:151: position 'near' is not a number >= 1");
    }
    {  // a variant id twice ('.' is no id, and may repeat)
        const std::string p = copy_fileset("dupid");
        std::string bim;
        {
            std::ifstream in(p + ".bim");
            bim.assign(std::istreambuf_iterator<char>(in), {});
        }
        const size_t second = bim.find('\n') + 1;
        const std::string first_id = bim.substr(bim.find('\t') + 1, bim.find('\t', bim.find('\t') + 1) - bim.find('\t') - 1);
        const size_t id_at = bim.find('\t', second) + 1;
        std::string twice = bim;
        twice.replace(id_at, bim.find('\t', id_at) - id_at, first_id);
        std::ofstream(p + ".bim") << twice;
        refused(p, "small.bim:2: variant id '" + first_id + "' appears again (first on line 1)");
        std::string dots = bim;
        dots.replace(id_at, bim.find('\t', id_at) - id_at, ".");
        dots.replace(bim.find('\t') + 1, first_id.size(), ".");
        std::ofstream(p + ".bim") << dots;
        CHECK_NOTHROW(PlinkReader(p));
    }
    {  // a fileset opened, then changed: the next opening reads the new files (the parse is shared only while
       // they are unchanged)
        const std::string p = copy_fileset("changed");
        CHECK_NOTHROW(PlinkReader(p));
        std::ofstream(p + ".bim", std::ios::app) << "3\tv999\t0\t5\tA\tG\n";
        refused(p, "small.bed: 1503 bytes, but");
    }
    refused(kDir + "absent", "absent.fam");
}

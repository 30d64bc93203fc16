// Sample QC counted from packed calls (PackedQC) equals the call-by-call count (RecordCounter) to the last bit, on
// random PLINK filesets built to reach every case: every allele class, autosomes, chrX inside and outside the PARs,
// MT, monomorphic and uncalled records, a site without ALT, sample counts around the 32-sample words, counted
// samples in another order or absent, regions; and the lane counters past every fold.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "genome/genome.hpp"
#include "genome/packed_qc.hpp"
#include "genome/plink.hpp"

using namespace precis;
namespace fs = std::filesystem;

namespace {

struct Fileset {
    std::string prefix;
    int n_samples;
};

// A random fileset: `n` samples, `records` variants over contigs 1, 2, X (some in the GRCh38 PARs) and MT.
Fileset random_fileset(const std::string& name, int n, int records, uint64_t seed) {
    const fs::path dir = fs::temp_directory_path() / ("precis_unit_packed_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::mt19937_64 rng(seed);
    std::ofstream fam(dir / "set.fam"), bim(dir / "set.bim");
    std::ofstream bed(dir / "set.bed", std::ios::binary);
    for (int i = 0; i < n; ++i) fam << "F" << i << " S" << i << " 0 0 " << (i % 3) << " -9\n";
    bed.write("\x6c\x1b\x01", 3);
    const char* const contigs[] = {"1", "2", "23", "26"};
    // ALT/REF pairs: transitions, transversions, insertions, deletions, an MNP, a monomorphic site (A1 '0')
    const std::pair<const char*, const char*> alleles[] = {{"G", "A"}, {"T", "C"}, {"C", "A"}, {"T", "G"},
                                                           {"AT", "A"}, {"C", "CGT"}, {"TG", "CA"}, {"0", "G"}};
    const int64_t par_positions[] = {10000, 2000000, 100000000, 156000000};  // chrX: PAR1, outside, outside, PAR2
    int64_t pos = 1;
    for (int r = 0; r < records; ++r) {
        const int c = r * 4 / records;  // contigs in runs, positions rising
        pos = c == 2 ? par_positions[r % 4] + r : pos + 1 + int64_t(rng() % 500);
        const auto& [a1, a2] = alleles[rng() % 8];
        const bool mono = std::string(a1) == "0";
        bim << contigs[c] << "\tv" << r << "\t0\t" << pos << "\t" << a1 << "\t" << a2 << "\n";
        // the record's missing rate and ALT frequency: sometimes none, sometimes all
        const int kind = int(rng() % 10);
        const double miss = kind == 0 ? 1.0 : kind == 1 ? 0.0 : double(rng() % 30) / 100.0;
        const double p = mono || kind == 2 ? 0.0 : kind == 3 ? 1.0 : double(rng() % 100) / 100.0;
        std::string row(size_t((n + 3) / 4), '\0');
        std::uniform_real_distribution<double> u(0, 1);
        for (int i = 0; i < n; ++i) {
            unsigned code = 1;  // missing
            if (u(rng) >= miss) {
                const int alts = (u(rng) < p) + (u(rng) < p);
                code = alts == 2 ? 0u : alts == 1 ? 2u : 3u;
            }
            row[size_t(i / 4)] = char(static_cast<unsigned char>(row[size_t(i / 4)]) | (code << (2 * (i % 4))));
        }
        bed.write(row.data(), std::streamsize(row.size()));
    }
    return {(dir / "set").string(), n};
}

std::vector<double> raw(const std::vector<GenomeQC>& qc) {
    std::vector<double> out(qc.size() * GenomeQC::kRaw);
    for (size_t k = 0; k < qc.size(); ++k) qc[k].to_raw(&out[k * GenomeQC::kRaw]);
    return out;
}

// Both ways over every region of the fileset; the counts of each region compared raw
void compare(const Fileset& f, const std::vector<int>& columns, FrequencySource freq, int64_t target_calls) {
    GenomeSettings packed, by_call;
    packed.frequencies = by_call.frequencies = freq;
    packed.x_par = by_call.x_par = "GRCh38";
    by_call.packed_calls = false;
    PlinkReader a(f.prefix + ".bed"), b(f.prefix + ".bed");
    const std::vector<Region> regions = plan_regions(f.prefix + ".bed", nullptr, 1 << 30, target_calls);
    int64_t called = 0, het = 0, f_records = 0;
    for (const Region& rg : regions) {
        const RegionResult x = process_region(a, rg, columns, packed, nullptr);
        const RegionResult y = process_region(b, rg, columns, by_call, nullptr);
        REQUIRE(raw(x.qc) == raw(y.qc));
        for (const GenomeQC& q : x.qc) called += q.n_called, het += q.n_het, f_records += q.het_n + q.x_n;
    }
    CHECK(called > 0);  // (the fileset gives the comparison something to compare)
    CHECK(het > 0);
    if (freq == FrequencySource::Cohort) CHECK(f_records > 0);
}

}  // namespace

TEST_CASE("Packed QC: the lane counters count every sample past every fold", "[plink][packed]") {
    std::mt19937_64 rng(7);
    for (int n : {1, 31, 32, 33, 100}) {
        const size_t words = size_t(n + 31) / 32;
        LaneCounter c(words);
        std::vector<uint32_t> want(size_t(n), 0);
        for (int r = 0; r < 5000; ++r) {  // (folds at 3, 15 and 255 records)
            uint64_t* l = c.lanes();
            for (int i = 0; i < n; ++i)
                if (rng() % 3 == 0) l[i / 32] += uint64_t(1) << (2 * (i % 32)), ++want[size_t(i)];
            c.added();
            if (r == 2000) c.finish();  // (finishing on the way changes nothing)
        }
        c.finish();
        for (int i = 0; i < n; ++i) CHECK(c.total(size_t(i)) == want[size_t(i)]);
    }
}

TEST_CASE("Packed QC: counts equal the call-by-call count, with cohort frequencies or none", "[plink][packed]") {
    for (int n : {1, 5, 32, 37, 64, 75}) {
        const Fileset f = random_fileset("n" + std::to_string(n), n, 600, uint64_t(n));
        std::vector<int> all;
        for (int i = 0; i < n; ++i) all.push_back(i);
        compare(f, all, FrequencySource::Cohort, 0);
        compare(f, all, FrequencySource::None, 0);
        // counted samples in another order, some of the file's left out, one absent (-1)
        std::vector<int> some;
        for (int i = n - 1; i >= 0; i -= 2) some.push_back(i);
        some.push_back(-1);
        compare(f, some, FrequencySource::Cohort, 0);
        // the file split into regions of at least 10,000 sites: one here (600 sites)
        compare(f, all, FrequencySource::Cohort, 1);
    }
}

TEST_CASE("Packed QC: regions planned by sites split a large fileset and count the same", "[plink][packed]") {
    const Fileset f = random_fileset("blocks", 40, 30000, 11);
    const std::vector<Region> regions = plan_regions(f.prefix + ".bed", nullptr, 1 << 30, 40 * 10000);
    // 30,000 sites over 4 contigs in runs of 7,500: no cut within a contig at 10,000 sites per region
    CHECK(regions.size() == 4);
    const std::vector<Region> finer = plan_regions(f.prefix + ".bed", nullptr, 1 << 30, 1);
    CHECK(finer.size() == 4);
    const Fileset g = random_fileset("blocks2", 8, 100000, 12);
    // 25,000 sites per contig, 10,000 per region: 3 regions each
    CHECK(plan_regions(g.prefix + ".bed", nullptr, 1 << 30, 1).size() == 12);
    std::vector<int> all;
    for (int i = 0; i < 40; ++i) all.push_back(i);
    compare(f, all, FrequencySource::Cohort, 1);
}

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/sheet.hpp"
#include "config/study.hpp"
#include "core/error.hpp"

using namespace precis;
namespace fs = std::filesystem;

static const char* kGood = R"(study:
  name: demo
  seed: 5
samples:
  sheet: samples.tsv
  phenotypes: [sex]
proteome:
  path_column: proteome
clustering:
  k: {min: 2, max: 4}
  resamples: 10
)";

TEST_CASE("a valid study gets defaults and resolved paths") {
    StudyConfig s = parse_study(kGood, "/data/study/study.yaml");
    CHECK(s.name == "demo");
    CHECK(s.seed == 5);
    CHECK(s.output == "/data/study/results/demo");
    CHECK(s.resolved.find("output: \"/data/study/results/demo\"") != std::string::npos);
    CHECK(s.sheet == "/data/study/samples.tsv");
    CHECK(s.proteome.enabled);
    CHECK_FALSE(s.genome.enabled);
    CHECK(s.clustering.k_max == 4);
    CHECK(s.clustering.item_fraction == 0.8);
    CHECK(s.clustering.modalities == std::vector<std::string>{"proteome"});
    CHECK(s.ranking.groups == "subtype");
}

TEST_CASE("every problem is reported at once, with line and column") {
    const char* bad = R"(study:
  name: "bad name"
  on_sample_error: ignore
samples:
  sheet: samples.tsv
proteome:
  path_colum: proteome
clustering:
  k: {min: 5, max: 3}
  item_fraction: 1.5
  resamples: many
)";
    try {
        parse_study(bad, "s.yaml");
        FAIL("no error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(e.kind() == ErrorKind::Config);
        CHECK(m.find("s.yaml:2:9: 'study.name' is 'bad name'") != std::string::npos);
        CHECK(m.find("s.yaml:3:20: 'study.on_sample_error' is 'ignore'") != std::string::npos);
        CHECK(m.find("s.yaml:7:3: unknown key 'proteome.path_colum'") != std::string::npos);
        CHECK(m.find("did you mean 'proteome.path_column'?") != std::string::npos);
        CHECK(m.find("larger than 'clustering.k.max'") != std::string::npos);
        CHECK(m.find("s.yaml:10:18: 'clustering.item_fraction' is 1.5, outside the range") != std::string::npos);
        CHECK(m.find("s.yaml:11:14: 'clustering.resamples' is 'many' (fix: use a whole number >= 1)") != std::string::npos);
    }
}

TEST_CASE("YAML syntax errors point at the place") {
    try {
        parse_study("study: {name: x\nsamples: [", "y.yaml");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).rfind("y.yaml:", 0) == 0);
    }
}

TEST_CASE("sample sheets: duplicates, empty ids and missing columns are listed with lines") {
    auto dir = fs::temp_directory_path() / "precis_sheet_test";
    fs::create_directories(dir);
    std::ofstream(dir / "samples.tsv") << "sample_id\tproteome\tsex\nA\ta.tsv\tF\n\tb.tsv\tM\nA\tc.tsv\tF\n0012\td.tsv\tM\n";
    StudyConfig s = parse_study(kGood, (dir / "study.yaml").string());
    try {
        load_sheet(s);
        FAIL("no error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(m.find("samples.tsv:3: empty sample id") != std::string::npos);
        CHECK(m.find("samples.tsv:4: duplicate sample id 'A', first on line 2") != std::string::npos);
    }
    std::ofstream(dir / "samples.tsv") << "sample_id,proteome,sex\n0012,d.tsv,M\n";
    SampleSheet sh = load_sheet(s);
    REQUIRE(sh.samples.size() == 1);
    CHECK(sh.samples[0].id == "0012");
    CHECK(sh.samples[0].proteome == (dir / "d.tsv").string());
    CHECK(sh.samples[0].phenotypes == std::vector<std::string>{"M"});
    std::ofstream(dir / "samples.tsv") << "id\tproteome\nA\ta.tsv\n";
    CHECK_THROWS_WITH(load_sheet(s), Catch::Contains("no column 'sample_id'"));
}

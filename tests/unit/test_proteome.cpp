#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "proteome/proteome.hpp"

using namespace precis;
namespace fs = std::filesystem;

static std::string table(const std::string& name, const std::string& content) {
    auto p = (fs::temp_directory_path() / ("precis_unit_" + name)).string();
    std::ofstream(p) << content;
    return p;
}

TEST_CASE("log2, median normalisation and QC") {
    auto p = table("p1.tsv", "protein_id\tabundance\nA\t4\nB\t16\nC\tNA\nD\t0\nE\t64\n");
    ProteomeResult r = process_proteome(p, {});
    CHECK(r.qc.n_features == 5);
    CHECK(r.qc.n_detected == 3);  // NA and 0 are missing
    CHECK(r.qc.detected_fraction == Approx(0.6));
    CHECK(r.qc.median == Approx(4.0));  // log2 of 4, 16, 64 -> 2, 4, 6
    CHECK(r.values[0] == Approx(-2.0));
    CHECK(r.values[1] == Approx(0.0));
    CHECK(std::isnan(r.values[2]));
    CHECK(std::isnan(r.values[3]));
    CHECK(r.values[4] == Approx(2.0));
    ProteomeSettings raw;
    raw.log2 = false;
    raw.median_normalize = false;
    CHECK(process_proteome(p, raw).values[1] == Approx(16.0));
}

TEST_CASE("configurable columns and clear errors") {
    auto p = table("p2.csv", "gene,uniprot,value\nX,P1,2\n");
    ProteomeSettings st;
    st.id_column = "uniprot";
    st.value_column = "value";
    CHECK(process_proteome(p, st).ids[0] == "P1");
    CHECK_THROWS_WITH(process_proteome(p, {}), Catch::Contains("no column 'protein_id'"));
    CHECK_THROWS_WITH(process_proteome(table("p3.tsv", "protein_id\tabundance\nA\t1\nA\t2\n"), {}),
                      Catch::Contains(":3: protein 'A' appears again"));
    CHECK_THROWS_WITH(process_proteome(table("p4.tsv", "protein_id\tabundance\nA\tabc\n"), {}),
                      Catch::Contains(":2: 'abc'"));
    CHECK_THROWS_WITH(process_proteome(table("p5.tsv", "protein_id\tabundance\nA\t-3\n"), {}),
                      Catch::Contains("negative abundance"));
    CHECK_THROWS_WITH(process_proteome(table("p6.tsv", "protein_id\tabundance\nA\tinf\n"), {}),
                      Catch::Contains("not a finite number"));
}

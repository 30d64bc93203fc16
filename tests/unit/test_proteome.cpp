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
    CHECK(process_proteome(p, st).ids->at(0) == "P1");
    CHECK_THROWS_WITH(process_proteome(p, {}), Catch::Contains("no column 'protein_id'"));
    CHECK_THROWS_WITH(process_proteome(table("p3.tsv", "protein_id\tabundance\nA\t1\nA\t2\n"), {}),
                      Catch::Contains(":3: protein 'A' appears again"));
    CHECK_THROWS_WITH(process_proteome(table("p4.tsv", "protein_id\tabundance\nA\tabc\n"), {}),
                      Catch::Contains(":2: the value in column abundance (protein 'A') is not a finite number"));
    CHECK_THROWS_WITH(process_proteome(table("p5.tsv", "protein_id\tabundance\nA\t-3\n"), {}),
                      Catch::Contains("negative abundance"));
    CHECK_THROWS_WITH(process_proteome(table("p6.tsv", "protein_id\tabundance\nA\tinf\n"), {}),
                      Catch::Contains("not a finite number"));
}

TEST_CASE("a table's first problem, row by row, is the one reported") {
    const auto err = [](const std::string& name, const std::string& rows) {
        try {
            process_proteome(table(name, "protein_id\tabundance\n" + rows), {});
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    // each row: an empty id, then a repeated id, then its value
    CHECK_THAT(err("o1.tsv", "A\t1\nB\tx\nA\t2\n"), Catch::Contains(":3: the value in column abundance"));
    CHECK_THAT(err("o2.tsv", "A\t1\nA\tx\nB\tx\n"),
               Catch::Contains(":3: protein 'A' appears again (first on line 2)"));
    CHECK_THAT(err("o3.tsv", "A\t1\nB\t2\nB\t3\nA\t4\n"), Catch::Contains(":4: protein 'B' appears again "
                                                                                 "(first on line 3)"));
    CHECK_THAT(err("o4.tsv", "A\t1\n\t2\n\t3\n"), Catch::Contains(":3: empty protein id"));
    CHECK_THAT(err("o5.tsv", "A\t1\nA\t2\nB\n"), Catch::Contains(":4: row has 1 fields"));  // the table first
    // many ids, a repeat far apart: found (ids are compared within equal hashes)
    std::string rows;
    for (int i = 0; i < 2000; ++i) rows += "P" + std::to_string(i) + "\t1\n";
    CHECK(process_proteome(table("o6.tsv", "protein_id\tabundance\n" + rows), {}).ids->size() == 2000);
    CHECK_THAT(err("o7.tsv", rows + "P17\t2\n"),
               Catch::Contains(":2002: protein 'P17' appears again (first on line 19)"));
}

TEST_CASE("quantile normalisation gives full samples one distribution and keeps missing values in place") {
    std::vector<std::vector<double>> rows = {{5, 1, 3, 2}, {10, 30, 20, 40}, {2, NAN, 1, 2}};
    std::vector<ExactSum> sums(4);
    int added = 0;
    for (auto& r : rows) added += quantile_reference_add(r, sums);
    REQUIRE(added == 3);
    std::vector<double> ref;
    for (auto& s : sums) ref.push_back(s.value() / added);
    for (auto& r : rows) quantile_apply(r, ref);
    std::vector<double> a = rows[0], b = rows[1];
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    CHECK(a == b);
    CHECK(std::isnan(rows[2][1]));
    CHECK(rows[2][0] == rows[2][3]);  // tied values stay tied
    CHECK(rows[2][2] < rows[2][0]);
}

TEST_CASE("R's type 7 quantile and the imputation of a row") {
    CHECK(quantile_type7({4, 1, NAN, 10, 3, 2}, 0.01) == Approx(1.04));
    CHECK(quantile_type7({7}, 0.5) == 7);
    CHECK(std::isnan(quantile_type7({NAN}, 0.5)));
    ImputeSettings s;
    s.method = "half_min";
    s.feature_min = {2.0, NAN, 8.0};
    std::vector<double> row = {NAN, NAN, 9.0};
    CHECK(impute_row(row, s, 0) == 1);
    CHECK(row[0] == 1.0);  // log2 scale: minus 1
    CHECK(std::isnan(row[1]));  // never observed: stays missing
    s.log_scale = false;
    row = {NAN, NAN, 9.0};
    impute_row(row, s, 0);
    CHECK(row[0] == 1.0);  // linear: half
    s.method = "min_prob";
    s.sd = 0.5;
    std::vector<double> r1 = {NAN, 3, 4, NAN}, r2 = r1, r3 = r1;
    CHECK(impute_row(r1, s, 11) == 2);
    impute_row(r2, s, 11);
    impute_row(r3, s, 12);
    CHECK(r1 == r2);  // the same sample and feature: the same draw
    CHECK(r1[0] != r3[0]);
}

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "proteome/cohort.hpp"

using namespace precis;
namespace fs = std::filesystem;

TEST_CASE("Olink NPX: header in any of the export dialects, rows, controls") {
    for (std::string d : {";", ",", "\t"}) {
        std::string h = "SampleID" + d + "Sample_Type" + d + "OlinkID" + d + "UniProt" + d + "Assay" + d + "Panel" + d +
                        "PlateID" + d + "QC_Warning" + d + "LOD" + d + "NPX";
        NpxColumns c = npx_header(h, "npx");
        CHECK(c.delim == d[0]);
        NpxRow r = npx_row("S1" + d + "SAMPLE" + d + "OID1" + d + "P1" + d + "IL6" + d + "Inflammation" + d + "Pl1" + d +
                               "PASS" + d + "1.5" + d + "3.25",
                           c, "npx", 7);
        CHECK(r.sample == "S1");
        CHECK(r.olink_id == "OID1");
        CHECK(r.npx == "3.25");
        CHECK(r.line == 7);
        CHECK_FALSE(r.is_control());
    }
    CHECK_THROWS_WITH(npx_header("SampleID,Assay,Value", "x.csv"), Catch::Contains("x.csv:1: not an Olink NPX table: no "
                                                                                   "column(s) OlinkID NPX"));
    NpxRow ctl;
    ctl.sample_type = "CONTROL";
    CHECK(ctl.is_control());
    ctl.sample_type = "SAMPLE";
    ctl.sample = "CONTROL_SAMPLE_AS 1";
    CHECK(ctl.is_control());
}

namespace {
// rows of sample S1 -> the cells its owner assembles, through the message a reading rank sends
ProteomeResult npx_of(const std::vector<NpxRow>& rows, const NpxSettings& st, NpxIdLists& lists,
                      StringTable& assays, StringTable& plates) {
    std::string msg;
    for (auto& r : rows) pack_npx_row(msg, 7, r);
    std::vector<NpxCell> cells;
    unpack_npx_rows(msg, assays, plates, [&](uint32_t sample, const NpxCell& c) {
        CHECK(sample == 7);
        cells.push_back(c);
    });
    return npx_sample("S1", cells, assays, plates, st, "n.csv", lists);
}
}  // namespace

TEST_CASE("Olink NPX: one sample's values, LOD, warnings and check_npx-style errors") {
    auto row = [](long line, const std::string& id, const std::string& npx, const std::string& lod = "1",
                  const std::string& warn = "PASS", const std::string& plate = "P1") {
        NpxRow r;
        r.line = line, r.sample = "S1", r.olink_id = id, r.npx = npx, r.lod = lod, r.qc_warning = warn, r.plate = plate;
        return r;
    };
    std::vector<NpxRow> rows{row(5, "A", "3"), row(2, "B", "0.5", "1", "PASS", ""), row(9, "C", "NA", "x"),
                             row(7, "D", "5", "1", "WARN")};
    NpxSettings keep;
    NpxIdLists lists;
    StringTable assays, plates;
    ProteomeResult r = npx_of(rows, keep, lists, assays, plates);
    CHECK(*r.ids == std::vector<std::string>{"B", "A", "D", "C"});  // file order
    CHECK(r.values[0] == 0.5);                                       // below LOD, kept
    CHECK(std::isnan(r.values[3]));
    CHECK(r.qc.below_lod == 1);
    CHECK(r.qc.qc_warning);
    CHECK(r.qc.n_detected == 3);
    CHECK(r.plate == "P1");  // the first plate named (line 2 names none)
    NpxSettings drop;
    drop.below_lod_missing = true;
    drop.median_normalize = true;
    ProteomeResult d = npx_of(rows, drop, lists, assays, plates);
    CHECK(std::isnan(d.values[0]));
    CHECK(d.qc.median == Approx(4.0));
    CHECK(d.values[1] == Approx(-1.0));
    CHECK(d.ids == r.ids);  // the same assays in the same order: one shared id list
    CHECK(lists.size() == 1);
    rows.push_back(row(11, "A", "4"));
    CHECK_THROWS_WITH(npx_of(rows, keep, lists, assays, plates),
                      Catch::Contains("n.csv:11: assay A of sample 'S1' appears again (first on line 5)"));
    rows.back() = row(11, "E", "high");
    CHECK_THROWS_WITH(npx_of(rows, keep, lists, assays, plates),
                      Catch::Contains("n.csv:11: the NPX of sample 'S1', assay E, is not a number"));
    rows.back() = row(11, "E", "2", "1", "PASS", "P2");
    CHECK_THROWS_WITH(npx_of(rows, keep, lists, assays, plates),
                      Catch::Contains("n.csv:11: sample 'S1' is on plate P2 here but on plate P1 on line 2"));
}

TEST_CASE("MaxQuant proteinGroups: decoys, contaminants and site-only rows dropped - 0 is missing") {
    auto p = (fs::temp_directory_path() / "precis_unit_proteinGroups.txt").string();
    std::ofstream(p) << "Protein IDs\tMajority protein IDs\tGene names\tLFQ intensity A\tLFQ intensity B\tReverse\t"
                        "Potential contaminant\tOnly identified by site\n"
                        "P1;P1-2\tP1\tIL6;IL6X\t1024\t0\t\t\t\n"
                        "REV__P9\tREV__P9\t\t5\t5\t+\t\t\n"
                        "CON__P8\tCON__P8\t\t5\t5\t\t+\t\n"
                        "P7\tP7\t\t5\t5\t\t\t+\n"
                        "P2\tP2\tTNF\t4096\t256\t\t\t\n";
    MaxQuantTable t = read_maxquant(p, {"LFQ intensity A", "LFQ intensity B", "iBAQ A", "LFQ intensity A"});
    CHECK(*t.ids == std::vector<std::string>{"P1", "P2"});
    CHECK(t.lines == std::vector<long>{2, 6});
    CHECK(t.dropped == 3);
    CHECK(t.info[0].gene == "IL6");
    ProteomeSettings st;
    st.median_normalize = false;
    ProteomeResult a = maxquant_sample(t, "A", "LFQ intensity", st);
    CHECK(a.values == std::vector<double>{10.0, 12.0});
    ProteomeResult b = maxquant_sample(t, "B", "LFQ intensity", st);
    CHECK(std::isnan(b.values[0]));
    CHECK(b.values[1] == 8.0);
    CHECK_THROWS_WITH(maxquant_sample(t, "C", "LFQ intensity", st), Catch::Contains("no column 'LFQ intensity C'"));
    CHECK_THROWS_WITH(maxquant_sample(t, "A", "iBAQ", st), Catch::Contains("no column 'iBAQ A'"));
}

TEST_CASE("MaxQuant proteinGroups: one pass, only the columns asked for, errors with their line") {
    auto p = (fs::temp_directory_path() / "precis_unit_proteinGroups2.txt").string();
    // CRLF, a quoted field holding the delimiter, blanks around a number, an exponent, NA, a bad cell in B
    std::ofstream(p) << "\xEF\xBB\xBFMajority protein IDs\tGene names\tLFQ intensity A\tLFQ intensity B\r\n"
                        "P1\t\"G1\tX\"\t 2.5E+01 \t8\r\n"
                        "\r\n"
                        "P2\tG2\tNA\tlots\r\n"
                        "P3\tG3\t4\t-1\r\n";
    MaxQuantTable t = read_maxquant(p, {"LFQ intensity A", "LFQ intensity B"});
    REQUIRE(*t.ids == std::vector<std::string>{"P1", "P2", "P3"});
    CHECK(t.info[0].gene == "G1\tX");
    CHECK(t.lines == std::vector<long>{2, 4, 5});
    ProteomeSettings st;
    st.log2 = false;
    st.median_normalize = false;
    ProteomeResult a = maxquant_sample(t, "A", "LFQ intensity", st);
    CHECK(a.values[0] == 25.0);
    CHECK(std::isnan(a.values[1]));
    CHECK(a.values[2] == 4.0);
    CHECK(a.ids == t.ids);  // shared, not copied
    CHECK_THROWS_WITH(maxquant_sample(t, "B", "LFQ intensity", st),
                      Catch::Contains(p + ":4: the cell in column 'LFQ intensity B' is not a non-negative number"));
    // a column that exists but was not asked for is a programming error, not a missing column
    MaxQuantTable only_a = read_maxquant(p, {"LFQ intensity A"});
    CHECK_THROWS_WITH(maxquant_sample(only_a, "B", "LFQ intensity", st), Catch::Contains("was not read"));
    CHECK(maxquant_header(p).column("LFQ intensity B") == 3);
    CHECK(maxquant_header(p).ids->empty());

    // rows longer than the reader's buffer (8 MiB): 600,000 samples
    std::string head = "Protein IDs", row1 = "Q1", row2 = "Q2";
    for (int i = 0; i < 600000; ++i) {
        head += "\tLFQ intensity S" + std::to_string(i);
        row1 += "\t" + std::to_string(i);
        row2 += "\t1024";
    }
    std::ofstream(p) << head << "\n" << row1 << "\n" << row2;  // no final newline
    MaxQuantTable w = read_maxquant(p, {"LFQ intensity S599999", "LFQ intensity S7"});
    st.log2 = true;
    CHECK(maxquant_sample(w, "S599999", "LFQ intensity", st).values == std::vector<double>{std::log2(599999.0), 10.0});
    CHECK(maxquant_sample(w, "S7", "LFQ intensity", st).values == std::vector<double>{std::log2(7.0), 10.0});
}

TEST_CASE("MaxQuant proteinGroups: malformed tables name the file and line") {
    auto p = (fs::temp_directory_path() / "precis_unit_proteinGroups3.txt").string();
    std::ofstream(p) << "Protein IDs\tLFQ intensity A\nP1\t1\nP2\t1\t3\n";
    CHECK_THROWS_WITH(read_maxquant(p), Catch::Contains(p + ":3: row has 3 fields, header has 2"));
    std::ofstream(p) << "Protein IDs\tLFQ intensity A\nP1;P9\t1\nP1\t1\n";
    CHECK_THROWS_WITH(read_maxquant(p), Catch::Contains(p + ":3: protein group 'P1' appears again (first on line 2)"));
    std::ofstream(p) << "Protein IDs\tLFQ intensity A\n\t1\n";
    CHECK_THROWS_WITH(read_maxquant(p), Catch::Contains(p + ":2: empty protein id"));
    std::ofstream(p) << "Protein IDs\tLFQ intensity A\n\"P1\t1\n";
    CHECK_THROWS_WITH(read_maxquant(p), Catch::Contains(p + ":2: unterminated quote"));
    std::ofstream(p) << "Gene names\tLFQ intensity A\nG\t1\n";
    CHECK_THROWS_WITH(maxquant_header(p), Catch::Contains("no 'Majority protein IDs' or 'Protein IDs' column"));
    std::ofstream(p) << "";
    CHECK_THROWS_WITH(read_maxquant(p), Catch::Contains("the file is empty"));
}

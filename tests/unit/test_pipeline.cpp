// The pipeline module's pieces that need no whole run: cohort selection, sheet-derived vectors, feature selection,
// stage keys, the ranking's groups, records and biomarker order, the messages' encodings, and core's parsing
// vocabulary that every reader shares.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <array>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/memory.hpp"
#include "core/table.hpp"
#include "core/parse.hpp"
#include "pipeline/clustering.hpp"
#include "pipeline/stages.hpp"

using namespace precis;

namespace {
const double NaN = std::numeric_limits<double>::quiet_NaN();

SampleOutcome outcome(uint64_t i, const char* genome, const char* proteome) {
    SampleOutcome o;
    o.index = i;
    if (*genome) o.genome.present = parse_choice(genome, o.genome.status);
    if (*proteome) o.proteome.present = parse_choice(proteome, o.proteome.status);
    return o;
}

Inputs sheet_inputs() {
    Inputs in;
    in.study.path = "study.yaml";
    in.study.phenotypes = {"site", "age"};
    in.sheet.path = "samples.tsv";
    const char* rows[][3] = {{"s0", "A", "50"}, {"s1", "B", "NA"}, {"s2", "A", "61.5"}, {"s3", "C", "70"},
                             {"s4", "B", ""}};
    for (size_t i = 0; i < 5; ++i) {
        SampleEntry e;
        e.index = i;
        e.line = long(i + 2);
        e.id = rows[i][0];
        e.phenotypes = {rows[i][1], rows[i][2]};
        in.sheet.add(e);
    }
    return in;
}
}  // namespace

TEST_CASE("pipeline: the kept samples pass in every modality they have, and have one") {
    const std::vector<SampleOutcome> o = {outcome(0, "pass", "pass"), outcome(1, "pass", "fail"),
                                          outcome(2, "", "pass"),     outcome(3, "error", ""),
                                          outcome(4, "", ""),         outcome(5, "pass", "")};
    CHECK(passing_samples(o) == std::vector<int64_t>{0, 2, 5});
}

TEST_CASE("pipeline: each modality's rows are the kept samples that have it, in order") {
    Cohort c;
    c.kept = {0, 2, 5, 7};
    modality_rows(c, {1, 0, 1, 1}, {0, 0, 0, 0});
    CHECK(c.rows_of.at(Modality::Genome) == std::vector<size_t>{0, 2, 3});
    CHECK(c.row_of.at(Modality::Genome).at(5) == 1);  // sheet sample 5 is the genome matrix's second row
    CHECK(c.row_of.at(Modality::Genome).count(2) == 0);
    CHECK(c.rows_of.at(Modality::Proteome).empty());  // a modality no kept sample has still has its (empty) entry
    CHECK(c.row_of.at(Modality::Proteome).empty());
}

TEST_CASE("pipeline: the sheet by column: paths without their common folder, phenotypes replaced whole") {
    SampleSheet sh;
    sh.vcfs.prefix = sh.proteomes.prefix = "/data/study/";
    const std::vector<std::array<std::string, 4>> rows = {{"a", "/data/study/vcf/a.vcf.gz", "", "x"},
                                                          {"b", "/elsewhere/b.vcf.gz", "/data/study/p/b.tsv", ""},
                                                          {"c", "/data/studyX/c.vcf.gz", "rel.tsv", "z"}};
    for (size_t i = 0; i < rows.size(); ++i) {
        SampleEntry e;
        e.line = long(i + 2);
        e.id = rows[i][0];
        e.vcf = rows[i][1];
        e.proteome = rows[i][2];
        e.phenotypes = {rows[i][3]};
        sh.add(e);
    }
    REQUIRE(sh.size() == 3);
    for (size_t i = 0; i < rows.size(); ++i) {
        const SampleEntry e = sh.entry(i);
        CHECK(e.index == i);
        CHECK(e.line == long(i + 2));
        CHECK(e.id == rows[i][0]);
        CHECK(e.vcf == rows[i][1]);
        CHECK(e.proteome == rows[i][2]);
        CHECK(sh.phenotype(i, 0) == rows[i][3]);
    }
    CHECK(sh.vcfs.tail[0] == "vcf/a.vcf.gz");  // under the folder: kept without it
    CHECK(sh.vcfs.tail[2] == "/data/studyX/c.vcf.gz");
    CHECK(sh.vcfs.text_bytes() < 60);
    sh.set_phenotype(0, {"1", "2", "3"});
    CHECK(sh.phenotype(1, 0) == "2");
    CHECK_THROWS_AS(sh.set_phenotype(0, {"1"}), Error);
    SampleEntry wrong;
    wrong.phenotypes = {"p", "q"};
    CHECK_THROWS_AS(sh.add(wrong), Error);  // every row has the sheet's phenotype columns
    SampleSheet back;
    decode(encode(sh), back);
    for (size_t i = 0; i < rows.size(); ++i) CHECK(back.vcf(i) == rows[i][1]);
}

TEST_CASE("pipeline: every rank derives ids and phenotype columns from the sheet") {
    const Inputs in = sheet_inputs();
    Cohort c;
    c.kept = {1, 3, 4};
    CHECK(c.ids(in.sheet) == std::vector<std::string>{"s1", "s3", "s4"});
    CHECK(c.column(in, "site") == std::vector<std::string>{"B", "C", "B"});
    CHECK(c.column(in, "age") == std::vector<std::string>{"NA", "70", ""});
    // the sheet survives its broadcast encoding
    SampleSheet back;
    decode(encode(in.sheet), back);
    REQUIRE(back.size() == in.sheet.size());
    CHECK(back.path == "samples.tsv");
    CHECK(back.entry(2).phenotypes == in.sheet.entry(2).phenotypes);
    CHECK(back.line(4) == 6);
    CHECK(back.id(4) == "s4");
}

TEST_CASE("pipeline: ranking groups from a phenotype, from subtypes, and their errors") {
    Inputs in = sheet_inputs();
    Cohort c;
    c.kept = {0, 1, 2, 3, 4};
    in.study.ranking.groups = "site";
    Groups g = ranking_groups(in, c, Subtypes{});
    CHECK(g.levels == std::vector<std::string>{"A", "B", "C"});
    CHECK(g.code == std::vector<int>{0, 1, 0, 2, 1});
    in.study.ranking.levels = {"B", "A"};  // an order, and a level left out
    g = ranking_groups(in, c, Subtypes{});
    CHECK(g.code == std::vector<int>{1, 0, 1, -1, 0});
    in.study.ranking.levels = {"A", "D"};
    CHECK_THROWS_WITH(ranking_groups(in, c, Subtypes{}), Catch::Contains("names 'D'"));
    in.study.ranking.levels = {};
    c.kept = {0, 2};  // one site only
    CHECK_THROWS_WITH(ranking_groups(in, c, Subtypes{}), Catch::Contains("fewer than 2 groups"));
    in.study.ranking.groups = "subtype";
    Subtypes st;
    st.k = 3;
    st.fit.labels = {3, 1};
    g = ranking_groups(in, c, st);
    CHECK(g.levels == std::vector<std::string>{"1", "2", "3"});
    CHECK(g.code == std::vector<int>{2, 0});
}

TEST_CASE("pipeline: clustering takes the top_variable kept features by spread, in column order") {
    FeatureStats fs;
    fs.max_missing = 0.2;
    fs.missing_frac[Modality::Proteome] = {0, 0, 0.5, 0, 0, 0};
    fs.spread[Modality::Proteome] = {1.0, 3.0, 9.0, 0.0, 2.0, NaN};
    CHECK(select_features(fs, Modality::Proteome, 6, 0) == std::vector<size_t>{0, 1, 4});  // no 2 (missing), 3 (flat), 5
    CHECK(select_features(fs, Modality::Proteome, 6, 2) == std::vector<size_t>{1, 4});
    fs.spread[Modality::Proteome][0] = 2.0;  // a tie at the cut: the lower column first
    CHECK(select_features(fs, Modality::Proteome, 6, 2) == std::vector<size_t>{0, 1});
}

TEST_CASE("pipeline: the clustered rows are whole blocks per worker, in rank order, covering every row once") {
    for (size_t n : {size_t(0), size_t(5), kShareBlock, 3 * kShareBlock + 7, size_t(100000)})
        for (int ranks : {1, 2, 3, 8}) {
            INFO("n " << n << " ranks " << ranks);
            size_t next = 0;
            for (int r = 0; r < ranks; ++r) {
                const auto [a, b] = clustered_rows(n, r, ranks);
                if (ranks > 1 && r == 0) CHECK(b == a);  // rank 0 holds none
                if (b == a) continue;
                CHECK(a == next);
                CHECK(a % kShareBlock == 0);
                next = b;
            }
            CHECK(next == n);
        }
}

TEST_CASE("pipeline: a block's feature as double, from float32 as stored or doubles as computed, never once let go") {
    Block stored{4, 6, 3, {1.5f, NAN, -2.25f, 7.0f, 8.0f, 9.0f}, {}};
    std::vector<double> scratch;
    const double* v = stored.column(1, scratch);
    CHECK(v == scratch.data());  // widened
    CHECK((v[0] == 7.0 && v[1] == 8.0 && v[2] == 9.0));
    v = stored.column(0, scratch);
    CHECK((v[0] == 1.5 && std::isnan(v[1]) && v[2] == -2.25));
    Block computed{0, 2, 2, {}, {0.1, 0.2, 0.3, 0.4}};
    CHECK(computed.column(1, scratch) == computed.computed.data() + 2);  // in place, no copy
    FeatureStats fs;
    fs.blocks[Modality::Proteome] = stored;
    std::vector<double> seen(2, 0.0);
    each_column(2, 1, [&](size_t j, std::vector<double>& s) { seen[j] = fs.blocks[Modality::Proteome].column(j, s)[2]; });
    CHECK(seen == std::vector<double>{-2.25, 9.0});
    release_values(fs);
    const Block& gone = fs.blocks[Modality::Proteome];
    CHECK((gone.stored.capacity() == 0 && gone.c0 == 4 && gone.c1 == 6));  // the memory, not only the values
    CHECK_THROWS_AS(gone.column(0, scratch), Error);
}

TEST_CASE("core: free_storage gives a container's memory back ('= {}' would keep its capacity)") {
    std::vector<double> v(1000, 1.0);
    std::string s(1000, 'x');
    free_storage(v);
    free_storage(s);
    CHECK(v.capacity() == 0);
    CHECK(s.capacity() < 1000);  // (a string keeps its small inline buffer)
}

TEST_CASE("pipeline: a stage's key changes with what its result depends on, and only with that") {
    StudyConfig a;
    a.resolved = "study:\n  seed: 1\nclustering:\n  resamples: 100\nranking:\n  test: moderated\n";
    StudyConfig seed = a, resamples = a, test = a;
    seed.resolved = "study:\n  seed: 2\nclustering:\n  resamples: 100\nranking:\n  test: moderated\n";
    resamples.resolved = "study:\n  seed: 1\nclustering:\n  resamples: 200\nranking:\n  test: moderated\n";
    test.resolved = "study:\n  seed: 1\nclustering:\n  resamples: 100\nranking:\n  test: welch\n";
    const std::string k = clustering_key(a, "data");
    CHECK(k.size() == 64);
    CHECK(clustering_key(a, "data") == k);
    CHECK(clustering_key(a, "other data") != k);
    CHECK(clustering_key(seed, "data") != k);
    CHECK(clustering_key(resamples, "data") != k);
    CHECK(clustering_key(test, "data") == k);  // ranking settings do not touch clustering
    const Groups g{{"A", "B"}, {0, 1, 1}};
    const std::string r = ranking_key(a, "data", g, {});
    CHECK(ranking_key(resamples, "data", g, {}) == r);
    CHECK(ranking_key(test, "data", g, {}) != r);
    CHECK(ranking_key(a, "data", Groups{{"A", "B"}, {1, 0, 1}}, {}) != r);
    CHECK(ranking_key(a, "data", g, {{1.0, 2.0, 3.0}}) != r);
}

TEST_CASE("pipeline: biomarker rows get q-values per contrast and are sorted by p, then contrast, modality, feature") {
    Matrices mx;
    mx.modalities = {Modality::Genome, Modality::Proteome};
    mx.feature_ids = {{Modality::Genome, {"G1", "G2"}}, {Modality::Proteome, {"P1", "P2"}}};
    Ranking r;
    r.enabled = true;
    r.contrasts = {{"B_vs_A", 1, 0}, {"C_vs_A", 2, 0}};
    auto rec = [](uint32_t m, uint64_t f, uint32_t c, double p) {
        return BiomarkerRecord{m, f, c, 1.0, 0.5, p, 10, NaN, NaN, 0, 1, 0.6};
    };
    r.records = {rec(1, 1, 0, 0.04), rec(0, 0, 0, 0.01), rec(1, 0, 1, 0.01), rec(0, 1, 1, NaN), rec(1, 0, 0, 0.01)};
    REQUIRE(unflatten(flatten(r.records)).size() == r.records.size());
    CHECK(unflatten(flatten(r.records))[2].feature == 0);
    CHECK_THROWS(unflatten(std::vector<double>(13, 0.0)));
    StudyConfig study;
    study.ranking.test = RankTest::Moderated;
    const std::vector<BiomarkerRow> rows = biomarker_rows(r, mx, study);
    REQUIRE(rows.size() == 5);
    CHECK(rows[0].feature_id == "G1");  // p 0.01 in contrast 0: genome before proteome
    CHECK(rows[1].feature_id == "P1");
    CHECK(rows[1].contrast == "B_vs_A");
    CHECK(rows[2].contrast == "C_vs_A");  // p 0.01 in contrast 1
    CHECK(rows[3].feature_id == "P2");    // p 0.04
    CHECK(std::isnan(rows[4].p));         // NaN last
    CHECK(rows[0].q == Approx(0.015));  // BH within B_vs_A: p 0.01, 0.01, 0.04 -> q 0.015, 0.015, 0.04
    CHECK(rows[3].q == Approx(0.04));
    CHECK(rows[2].q == Approx(0.01));  // C_vs_A: one p that is a number
}

TEST_CASE("pipeline: a sample's file keeps its recorded checksum while its stamp holds, and is hashed again after") {
    const std::string dir = std::filesystem::temp_directory_path() / ("precis_stamp_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/p.tsv";
    write_file_atomic(path, "protein_id\tabundance\nP1\t1.5\n");
    StudyConfig s;
    s.proteome.enabled = true;
    SampleTask t;
    t.id = "s0";
    t.proteome = path;
    const SampleInputs first = hash_inputs(t, s);
    REQUIRE(first.complete());
    CHECK(first.proteome_sha == sha256_file(path));
    CHECK(first.proteome_stamp == file_stamp(path));
    // an earlier run's outcome with this path and stamp: its checksum stands (a made-up one shows it was not read)
    SampleOutcome earlier;
    earlier.proteome.present = true;
    earlier.proteome.path = path;
    earlier.proteome.stamp = first.proteome_stamp;
    earlier.proteome.sha256 = std::string(64, 'a');
    CHECK(hash_inputs(t, s, &earlier).proteome_sha == std::string(64, 'a'));
    // another path, or the file touched (same bytes): read and hashed again
    earlier.proteome.path = dir + "/other.tsv";
    CHECK(hash_inputs(t, s, &earlier).proteome_sha == first.proteome_sha);
    earlier.proteome.path = path;
    std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) + std::chrono::seconds(1));
    const SampleInputs touched = hash_inputs(t, s, &earlier);
    CHECK(touched.proteome_stamp != first.proteome_stamp);
    CHECK(touched.proteome_sha == first.proteome_sha);
    // the modification time set back: the change time still differs
    std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) - std::chrono::seconds(1));
    CHECK(file_stamp(path) != first.proteome_stamp);
    std::filesystem::remove_all(dir);
}

TEST_CASE("core: one set of missing tokens and one rule for numbers and numeric columns") {
    for (const char* m : {"", "NA", "NaN", "nan", "null", "NULL", ".", "  NA "}) CHECK(is_missing(m));
    for (const char* m : {"0", "na", "none", "-", "A"}) CHECK_FALSE(is_missing(m));
    double v = 0;
    CHECK((parse_double("1.5", v) && v == 1.5));
    CHECK((parse_double(" +2e-3 ", v) && v == 2e-3));
    CHECK((parse_double("-7", v) && v == -7));
    // below the normal range: a subnormal or 0, not "not a number"; above it: infinite (callers refuse it)
    CHECK((parse_double("1e-320", v) && v == 1e-320 && v > 0));
    CHECK((parse_double("-1e-400", v) && v == 0));
    CHECK((parse_double("1e400", v) && std::isinf(v)));
    CHECK((parse_double("0.1", v) && v == 0.1));  // correctly rounded, as strtod
    for (const char* bad : {"", "1.5x", "0x10", "+-1", "++1", "1 2"}) CHECK_FALSE(parse_double(bad, v));
    CHECK((parse_double("inf", v) && std::isinf(v)));  // a number, but not finite: callers that need one check
    int64_t i = 0;
    CHECK((parse_int("42", i) && i == 42));
    CHECK((parse_int(" -3", i) && i == -3));
    for (const char* bad : {"4.0", "1e3", "", "99999999999999999999"}) CHECK_FALSE(parse_int(bad, i));
    CHECK(is_numeric_column(std::vector<std::string>{"1", "NA", "", "2.5", "."}));
    CHECK(is_numeric_column(std::vector<std::string>{"NA", ""}));
    CHECK_FALSE(is_numeric_column(std::vector<std::string>{"1", "two"}));
    CHECK_FALSE(is_numeric_column(std::vector<std::string>{"1", "inf"}));
    const std::vector<std::string> mixed{"1", "two", "1", "NA"};
    CHECK_FALSE(is_numeric_column(4, [&](size_t i) { return std::string_view(mixed[i]); }));
    CHECK(is_numeric_column(2, [&](size_t i) { return std::string_view(mixed[2 + i]); }));  // (read from the 3rd)
}

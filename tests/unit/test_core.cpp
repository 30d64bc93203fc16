#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/rng.hpp"
#include "core/table.hpp"

using namespace precis;
namespace fs = std::filesystem;

static std::string tmpfile(const std::string& name, const std::string& content) {
    auto p = fs::temp_directory_path() / ("precis_unit_" + name);
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
}

TEST_CASE("derived seeds give independent, reproducible streams") {
    Rng a(derive_seed(1, {STAGE_CLUSTER, 3, 7})), b(derive_seed(1, {STAGE_CLUSTER, 3, 7}));
    Rng c(derive_seed(1, {STAGE_CLUSTER, 3, 8}));
    uint64_t x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
    CHECK(derive_seed(1, {2, 3}) != derive_seed(1, {3, 2}));
    Rng r(42);
    double sum = 0;
    for (int i = 0; i < 20000; ++i) {
        double u = r.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        sum += u;
    }
    CHECK(sum / 20000 == Approx(0.5).margin(0.01));
    for (int i = 0; i < 1000; ++i) REQUIRE(r.below(7) < 7);
    double psum = 0;
    for (int i = 0; i < 20000; ++i) psum += r.poisson(3.0);
    CHECK(psum / 20000 == Approx(3.0).margin(0.05));
}

TEST_CASE("tables: BOM, CRLF, quotes, commas and line numbers") {
    auto p = tmpfile("t1.csv", "\xEF\xBB\xBFid,value\r\n\"007\",\"a, b\"\r\n\r\n008,\"say \"\"hi\"\"\"\r\n");
    Table t = read_table(p);
    REQUIRE(t.header == std::vector<std::string>{"id", "value"});
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].fields[0] == "007");
    CHECK(t.rows[0].fields[1] == "a, b");
    CHECK(t.rows[1].line == 4);
    CHECK(t.rows[1].fields[1] == "say \"hi\"");
}

TEST_CASE("tables: ragged rows are reported with file and line") {
    auto p = tmpfile("t2.tsv", "a\tb\n1\t2\n3\n");
    try {
        read_table(p);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::MalformedInput);
        CHECK(std::string(e.what()).find(p + ":3:") != std::string::npos);
    }
    auto missing = (fs::temp_directory_path() / "precis_no_such_file.tsv").string();
    CHECK_THROWS_AS(read_table(missing), Error);
    CHECK_THROWS_AS(read_table(tmpfile("t3.tsv", "")), Error);
}

TEST_CASE("atomic files appear only when committed") {
    auto p = (fs::temp_directory_path() / "precis_atomic.txt").string();
    fs::remove(p);
    {
        AtomicFile f(p);
        f.write("half");
        CHECK_FALSE(fs::exists(p));
    }
    CHECK_FALSE(fs::exists(p));  // never committed: nothing under the final name, and no temporary left
    for (auto& e : fs::directory_iterator(fs::temp_directory_path()))
        CHECK(e.path().filename().string().rfind("precis_atomic.txt.tmp", 0) != 0);
    write_file_atomic(p, "whole\n");
    CHECK(read_file(p) == "whole\n");
}

TEST_CASE("number formatting and hashing") {
    CHECK(fmt(std::nan("")) == "NA");
    CHECK(fmt(1.0 / 0.0) == "Inf");
    CHECK(fmt(0.123456789) == "0.123457");
    CHECK(sha256_string("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_file(tmpfile("h.txt", "abc")) == sha256_string("abc"));
    CHECK(exit_code(ErrorKind::Config) == 2);
    CHECK(exit_code(ErrorKind::MalformedInput) == 2);
    CHECK(exit_code(ErrorKind::IO) == 1);
}

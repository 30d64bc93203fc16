#include <catch2/catch.hpp>
#include <dlfcn.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/memory.hpp"
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

TEST_CASE("fields split into reused strings, as split_fields splits them") {
    const std::vector<std::string> lines = {"a\tb\tc", "", "\t", "\"x\ty\"\tz", "\"say \"\"hi\"\"\"\t\"\"",
                                            "ab\"c\td", "\"q\"tail\tr", "a long field of more than fifteen bytes\tb"};
    std::vector<std::string> reused;
    for (const std::string& l : lines) {
        split_fields_into(l, '\t', reused);
        CHECK(reused == split_fields(l, '\t'));
    }
    CHECK(split_fields("\"x\ty\"\tz", '\t') == std::vector<std::string>{"x\ty", "z"});
    CHECK(split_fields("ab\"c\td", '\t') == std::vector<std::string>{"ab\"c", "d"});
    CHECK(split_fields("\"q\"tail", '\t') == std::vector<std::string>{"qtail"});
    CHECK_THROWS_AS(split_fields_into("\"open\tb", '\t', reused), std::invalid_argument);
    split_fields_into("a long field of more than fifteen bytes\tb", '\t', reused);
    const char* storage = reused[0].data();
    split_fields_into("another field, also longer than fifteen\tc", '\t', reused);
    CHECK(reused[0].data() == storage);  // no new allocation
}

TEST_CASE("a table read row by row gives read_table's rows and errors") {
    auto p = tmpfile("t4.tsv", "\n\xEF\xBB\xBFid\tv\n1\t2\n\n3\t\"4\"\n");
    TableReader in(p);
    CHECK(in.head().header == std::vector<std::string>{"\xEF\xBB\xBFid", "v"});  // a BOM counts on line 1 only
    CHECK(in.head().column("v") == 1);
    REQUIRE(in.next());
    CHECK(in.line() == 3);
    CHECK(in.fields() == std::vector<std::string>{"1", "2"});
    REQUIRE(in.next());
    CHECK(in.line() == 5);
    CHECK(in.fields() == std::vector<std::string>{"3", "4"});
    CHECK_FALSE(in.next());
    const Table t = read_table(p);
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[1].line == 5);
    CHECK_THROWS_WITH(TableReader(tmpfile("t5.tsv", "a\ta\n")), Catch::Contains(":1: column 'a' appears twice"));
    CHECK_THROWS_WITH(TableReader(tmpfile("t6.tsv", "\n\n")), Catch::Contains("the file is empty"));
    TableReader cr(tmpfile("t7.tsv", "a\tb\n1\t2\r3\t4\n"));
    CHECK_THROWS_WITH(cr.next(), Catch::Contains(":2: a carriage return ends a line"));
    TableReader quote(tmpfile("t8.tsv", "a\tb\n\"1\t2\n"));
    CHECK_THROWS_WITH(quote.next(), Catch::Contains(":2: unterminated quote"));
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

TEST_CASE("the malloc precis --version names is the one that serves the process's allocations") {
    const std::string name = precis::allocator_name();
    INFO(name);
    if (name.rfind("jemalloc", 0) != 0) {  // the sanitizer builds: their own allocator over the system's
        CHECK(name.rfind("glibc ", 0) == 0);
        return;
    }
    // jemalloc counts what it hands this thread: a malloc that went to glibc's instead would not show
    using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
    auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
    REQUIRE(mallctl != nullptr);
    auto allocated = [&] {
        uint64_t bytes = 0;
        size_t size = sizeof bytes;
        REQUIRE(mallctl("thread.allocated", &bytes, &size, nullptr, 0) == 0);
        return bytes;
    };
    const uint64_t before = allocated();
    void* volatile p = std::malloc(3 << 20);
    const uint64_t after = allocated();
    std::free(p);
    CHECK(after - before >= (3u << 20));
    precis::give_back_free_memory();  // purges every arena: must not fail or crash
}

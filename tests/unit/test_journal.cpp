// The journal (append-only, checksummed records) and the stop flags.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "config/study.hpp"
#include "core/signals.hpp"
#include "journal/journal.hpp"

using namespace precis;
namespace fs = std::filesystem;

namespace {
std::string key_of(char c) { return std::string(32, c); }

std::string file_bytes(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
void put_bytes(const std::string& p, const std::string& b) { std::ofstream(p, std::ios::binary) << b; }
}  // namespace

TEST_CASE("journal: records come back with their keys, names and payloads, across writers") {
    auto p = (fs::temp_directory_path() / "precis_unit_journal.jnl").string();
    fs::remove(p);
    {
        JournalWriter w(p);
        w.append(1, key_of('a'), "S1", "first payload");
        w.append(1, key_of('b'), "S2", std::string(100000, 'x'));
    }
    {
        JournalWriter w(p);  // a later writer appends
        w.append(2, key_of('c'), "", "");
    }
    JournalScan s = scan_journal(p, true);
    REQUIRE(s.entries.size() == 3);
    CHECK_FALSE(s.torn);
    CHECK(s.entries[0].name == "S1");
    CHECK(s.entries[1].key == key_of('b'));
    CHECK(s.entries[2].kind == 2);
    std::string payload;
    REQUIRE(read_journal_payload(s.entries[1], payload));
    CHECK(payload == std::string(100000, 'x'));
    REQUIRE(read_journal_payload(s.entries[2], payload));
    CHECK(payload.empty());
    JournalEntry wrong = s.entries[0];
    wrong.key = key_of('z');  // a record is only read back under its own key
    CHECK_FALSE(read_journal_payload(wrong, payload));
    CHECK_THROWS_WITH(JournalWriter(p).append(1, "short", "S", ""), Catch::Contains("32 bytes"));
}

TEST_CASE("journal: a torn tail is left out, damage is skipped and the records after it are found again") {
    auto p = (fs::temp_directory_path() / "precis_unit_journal2.jnl").string();
    fs::remove(p);
    {
        JournalWriter w(p);
        for (int i = 0; i < 5; ++i) w.append(1, key_of(char('a' + i)), "S" + std::to_string(i), std::string(50, char('0' + i)));
    }
    const std::string whole = file_bytes(p);
    const size_t rec = whole.size() / 5;  // every record here has the same size
    put_bytes(p, whole.substr(0, whole.size() - 7));  // torn: the last record lacks its end
    JournalScan torn = scan_journal(p);
    CHECK(torn.torn);
    CHECK(torn.entries.size() == 4);

    std::string damaged = whole;
    damaged[rec + 2] ^= 0x40;  // the second record's magic
    put_bytes(p, damaged);
    JournalScan s = scan_journal(p);
    CHECK(s.torn);
    REQUIRE(s.entries.size() == 4);
    CHECK(s.entries[1].name == "S2");  // found again after the damage

    damaged = whole;
    damaged[3 * rec + rec / 2] ^= 0x01;  // inside the fourth record's payload: the header scan cannot see it
    put_bytes(p, damaged);
    JournalScan quick = scan_journal(p), full = scan_journal(p, true);
    REQUIRE(quick.entries.size() == 5);
    std::string payload;
    CHECK_FALSE(read_journal_payload(quick.entries[3], payload));  // the checksum catches it when read
    CHECK(read_journal_payload(quick.entries[4], payload));
    CHECK(full.entries.size() == 4);  // a verifying scan skips it
    CHECK(full.torn);

    put_bytes(p, "");
    CHECK(scan_journal(p).entries.empty());
    put_bytes(p, std::string(1000, '\0'));
    CHECK(scan_journal(p).entries.empty());
    CHECK(crc32_update(0, "123456789", 9) == 0xCBF43926u);  // the standard CRC-32 check value
}

TEST_CASE("stop flags: the first signal decides, and a stop passed on is not a signal received") {
    REQUIRE_FALSE(stop_requested());
    request_stop(SIGTERM);
    CHECK(stop_requested());
    CHECK(stop_signal() == SIGTERM);
    CHECK(stop_received() == 0);
    install_stop_handlers();
    std::raise(SIGINT);  // handled: only the flag is set
    std::raise(SIGUSR1);
    CHECK(stop_received() == SIGINT);
    CHECK(stop_signal() == SIGINT);  // a signal received beats a stop passed on
    CHECK(stop_exit_code(stop_signal()) == 130);
    CHECK(stop_exit_code(SIGUSR1) == 143);
    clear_stop();
    CHECK_FALSE(stop_requested());  // the other tests run on
}

TEST_CASE("resolved settings: the same keys give the same text, absent keys are ~") {
    const std::string a = "study:\n  name: x\n  seed: 3\nclustering:\n  k:\n    min: 2\n    max: 6\n";
    const std::string b = "clustering:\n  k: {min: 2, max: 6}\nstudy: {seed: 3, name: y}\n";
    const std::vector<std::string> keys{"study.seed", "clustering", "genome", "clustering.k.max", "study.seed.x"};
    CHECK(resolved_settings(a, keys) == resolved_settings(b, keys));
    CHECK(resolved_settings(a, keys) == "study.seed: \"3\"\nclustering: {k: {min: \"2\", max: \"6\"}}\n"
                                        "genome: ~\nclustering.k.max: \"6\"\nstudy.seed.x: ~\n");
    CHECK(resolved_settings(a, {"study"}) != resolved_settings(b, {"study"}));
}

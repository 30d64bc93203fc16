// The resume journal: a scan over damaged, torn or foreign bytes must find only intact records.
#include "fuzz.hpp"
#include "journal/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("journal.jnl", data, size);
    return precis_fuzz::refuse_or_parse([&] {
        for (bool verify : {false, true}) {
            const precis::JournalScan s = precis::scan_journal(path, verify);
            std::string payload;
            for (const auto& e : s.entries) precis::read_journal_payload(e, payload);
        }
    });
}

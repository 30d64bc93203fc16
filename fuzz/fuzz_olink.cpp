// An Olink NPX export: header (',' ';' or tab), rows, one sample's values and checks, and the rows' encoding
// between ranks.
#include <map>
#include <sstream>

#include "fuzz.hpp"
#include "proteome/cohort.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    return precis_fuzz::refuse_or_parse([&] {
        std::istringstream in(text);
        std::string line;
        if (!std::getline(in, line)) return;
        const precis::NpxColumns c = precis::npx_header(line, "npx.csv");
        std::map<std::string, std::vector<precis::NpxRow>> by_sample;
        for (long n = 2; std::getline(in, line); ++n) {
            precis::NpxRow r = precis::npx_row(line, c, "npx.csv", n);
            by_sample[r.sample].push_back(std::move(r));
        }
        for (auto& [s, rows] : by_sample) {
            if (precis::decode_rows(precis::encode_rows(rows)).size() != rows.size()) __builtin_trap();
            precis::npx_sample(rows, precis::NpxSettings{}, "npx.csv");
        }
    });
}

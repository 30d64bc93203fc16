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
        std::map<std::string, std::string> to;  // per sample, the message its owner would get
        std::map<std::string, size_t> rows;
        for (long n = 2; std::getline(in, line); ++n) {
            const precis::NpxRow r = precis::npx_row(line, c, "npx.csv", n);
            precis::pack_npx_row(to[r.sample], 0, r);
            ++rows[r.sample];
        }
        precis::StringTable assays, plates;
        precis::NpxIdLists lists;
        for (auto& [s, msg] : to) {
            std::vector<precis::NpxCell> cells;
            precis::unpack_npx_rows(msg, assays, plates, [&](uint32_t, const precis::NpxCell& cell) { cells.push_back(cell); });
            if (cells.size() != rows[s]) __builtin_trap();
            precis::npx_sample(s, cells, assays, plates, precis::NpxSettings{}, "npx.csv", lists);
        }
    });
}

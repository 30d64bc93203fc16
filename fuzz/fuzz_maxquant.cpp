// A MaxQuant proteinGroups.txt: the header, the streaming read of the intensity columns, each sample's values
// (a sample named twice by the header is taken once: its second call fails as a caller's error would).
#include "fuzz.hpp"
#include "proteome/cohort.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("proteinGroups.txt", data, size);
    return precis_fuzz::refuse_or_parse([&] {
        const precis::MaxQuantTable h = precis::maxquant_header(path);
        std::vector<std::string> samples, columns;
        for (const auto& col : h.header)
            if (col.rfind("LFQ intensity ", 0) == 0) {
                samples.push_back(col.substr(14));
                columns.push_back(col);
            }
        precis::MaxQuantTable t = precis::read_maxquant(path, columns);
        for (const auto& s : samples) {
            try {
                precis::maxquant_sample(t, s, "LFQ intensity", precis::ProteomeSettings{});
            } catch (const precis::Error&) {  // one sample's bad cell is that sample's error
            }
        }
    });
}

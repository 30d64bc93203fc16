// A plain per-sample protein table: ids, values, log2, median normalisation, QC.
#include "fuzz.hpp"
#include "proteome/proteome.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("sample.tsv", data, size);
    return precis_fuzz::refuse_or_parse([&] { precis::process_proteome(path, precis::ProteomeSettings{}); });
}

// A PGS Catalog scoring file (plain or gzip): the header block, columns, alleles and weights.
#include "fuzz.hpp"
#include "genome/scores.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("PGS.txt", data, size);
    return precis_fuzz::refuse_or_parse([&] { precis::ScoreSet::load({path}); });
}

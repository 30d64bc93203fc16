// precis's BGEN 1.2 reader: the input is a whole .bgen file (header, sample block, variant headers, genotype blocks
// with their compression, ploidy and probabilities). A file that opens is read to its end, queried by contig, and
// its sample QC counted both from the packed calls and call by call, which must agree.
#include "fuzz.hpp"
#include "genome/bgen.hpp"
#include "packed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("in.bgen", data, size);
    return precis_fuzz::refuse_or_parse([&] {
        precis::BgenReader r(path, 0.1, false);  // (the file is rewritten at once: no sharing)
        if (r.n_samples() > 100000) return;
        for (int k = 0; k < 100000 && r.next(); ++k) {
        }
        precis::BgenReader a(path, 0.1, false), b(path, 0.1, false);
        precis_fuzz::packed_equals_call_by_call(a, b, r.n_samples());
    });
}

// precis's own decoder of text VCF records (CHROM, POS, REF, ALT, FILTER, GT/DP/GQ, INFO/AF and END), after
// htslib has read the header.
#include "fuzz.hpp"
#include "genome/hts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("sample.vcf", data, size);
    return precis_fuzz::refuse_or_parse([&] {
        precis::hts::VcfReader r(path);
        for (int n = 0; n < 100000 && r.next(); ++n) {
            r.allele_frequencies();
            std::string csq;
            r.info_text("CSQ", csq);
        }
    });
}

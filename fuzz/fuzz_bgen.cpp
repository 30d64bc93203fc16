// precis's BGEN 1.2 reader: the input is a whole .bgen file (header, sample block, variant headers, genotype blocks
// with their compression, ploidy and probabilities). A file that opens is read to its end, queried by contig, and
// its sample QC counted both from the packed calls and call by call, which must agree.
#include "fuzz.hpp"
#include "genome/bgen.hpp"
#include "genome/genome.hpp"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = precis_fuzz::file("in.bgen", data, size);
    return precis_fuzz::refuse_or_parse([&] {
        precis::BgenReader r(path, 0.1, false);  // (the file is rewritten at once: no sharing)
        if (r.n_samples() > 100000) return;
        for (int k = 0; k < 100000 && r.next(); ++k) {
        }
        std::vector<int> columns;
        for (int i = 0; i < r.n_samples(); ++i) columns.push_back(i);
        precis::GenomeSettings packed, by_call;
        packed.frequencies = by_call.frequencies = precis::FrequencySource::Cohort;
        by_call.packed_calls = false;
        precis::BgenReader a(path, 0.1, false), b(path, 0.1, false);
        for (auto& [contig, length] : r.contigs()) {
            precis::Region rg;
            rg.contig = contig;
            rg.end = rg.qend = length + 1;
            const precis::RegionResult x = precis::process_region(a, rg, columns, packed, nullptr);
            const precis::RegionResult y = precis::process_region(b, rg, columns, by_call, nullptr);
            std::vector<double> rx(precis::GenomeQC::kRaw), ry(precis::GenomeQC::kRaw);
            for (size_t k = 0; k < columns.size(); ++k) {
                x.qc[k].to_raw(rx.data());
                y.qc[k].to_raw(ry.data());
                if (rx != ry) __builtin_trap();
            }
        }
    });
}

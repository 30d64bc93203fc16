// Shared by the PLINK and BGEN targets: a reader's records counted from their packed calls (PackedQC) and call by
// call must give the same QC counts for every sample, or it is a finding.
#pragma once
#include <vector>

#include "genome/genome.hpp"

namespace precis_fuzz {

// `a` and `b`: two readers of the same file, with its `contigs`, over `n_samples` samples.
template <class Reader>
void packed_equals_call_by_call(Reader& a, Reader& b, int n_samples) {
    std::vector<int> columns;
    for (int i = 0; i < n_samples; ++i) columns.push_back(i);
    precis::GenomeSettings packed, by_call;
    packed.frequencies = by_call.frequencies = precis::FrequencySource::Cohort;
    by_call.packed_calls = false;
    for (auto& [contig, length] : a.contigs()) {
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
}

}  // namespace precis_fuzz

// precis's PLINK 1 reader (.fam and .bim lines, the .bed's magic, size and 2-bit calls, region queries). The first
// byte of an input says which file the rest of it is (0: the .bed, 1: the .bim, 2: the .fam; anything else: all
// three as below); the other two are a small valid fileset of 5 samples and 3 variants. A fileset that reads is
// then counted both from its packed calls and call by call, which must agree.
#include "fuzz.hpp"
#include "genome/plink.hpp"
#include "packed.hpp"

namespace {
const char kFam[] = "F1 A 0 0 1 -9\nF1 B 0 0 2 -9\nF2 C 0 0 0 -9\nF2 D 0 0 1 1\nF3 E 0 0 2 2\n";
const char kBim[] = "1\tr1\t0\t100\tA\tG\n1\tr2\t0\t200\tC\tT\n23\tr3\t0\t300\tAT\tA\n";
const uint8_t kBed[] = {0x6c, 0x1b, 0x01, 0x1b, 0x02, 0xe4, 0x01, 0xff, 0x03};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const int which = size ? data[0] : 3;
    const uint8_t* rest = size ? data + 1 : data;
    const size_t n = size ? size - 1 : 0;
    using precis_fuzz::file;
    file("set.bed", which == 0 ? rest : kBed, which == 0 ? n : sizeof kBed);
    file("set.bim", which == 1 ? rest : reinterpret_cast<const uint8_t*>(kBim), which == 1 ? n : sizeof kBim - 1);
    const std::string path =
        file("set.fam", which == 2 ? rest : reinterpret_cast<const uint8_t*>(kFam), which == 2 ? n : sizeof kFam - 1);
    return precis_fuzz::refuse_or_parse([&] {
        precis::PlinkReader r(path, false);  // (the files are rewritten at once: no sharing)
        for (int k = 0; k < 100000 && r.next(); ++k) {
        }
        for (auto& [contig, length] : r.contigs()) {
            if (!r.query(contig, 0, length + 1)) continue;
            for (int k = 0; k < 100000 && r.next(); ++k) {
            }
        }
        // the .bed rows counted from their packed calls (PackedQC) and call by call: the same counts, or a finding
        precis::PlinkReader a(path, false), b(path, false);
        if (r.n_variants() > 100000) return;
        precis_fuzz::packed_equals_call_by_call(a, b, r.n_samples());
    });
}

// The sample sheet (TSV or CSV, quotes, BOM, CRLF) as a study reads it: ids, paths, phenotypes.
#include "config/sheet.hpp"
#include "config/study.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string sheet = precis_fuzz::file("samples.tsv", data, size);
    static const precis::StudyConfig study = precis::parse_study(
        "study: {name: fuzz}\nsamples:\n  sheet: samples.tsv\n  phenotypes: [age, sex]\n"
        "genome: {path_column: vcf}\nproteome: {path_column: proteome}\n",
        precis_fuzz::dir() + "/study.yaml");
    return precis_fuzz::refuse_or_parse([&] {
        std::vector<std::string> problems;
        precis::load_sheet(study, problems);
    });
}

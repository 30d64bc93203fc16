// Option values: `--set key=value` overrides (one per line of the input) over a valid study, then the sbatch script
// `precis slurm` writes from the result; or, for an input that starts with "#!", that input as a site's sbatch
// template. Values of any length and form: a 50,000-character study name, partition or memory value, or a template
// of 30,000 blank lines, once overflowed the stack in std::regex; a section given a value escaped as
// std::out_of_range.
#include "config/study.hpp"
#include "fuzz.hpp"
#include "slurm/slurm.hpp"

namespace {
const char* kStudy = R"(study:
  name: fuzz
  seed: 1
samples:
  sheet: samples.tsv
  phenotypes: [age]
proteome:
  path_column: proteome
resources:
  partition: short
  sbatch_options: [--qos=normal]
)";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string path = precis_fuzz::dir() + "/study.yaml";
    return precis_fuzz::refuse_or_parse([&] {
        if (text.rfind("#!", 0) == 0) {
            const precis::StudyConfig s = precis::parse_study(kStudy, path);
            (void)precis::render_sbatch(s, text, "site.sbatch", "/usr/bin/precis");
            return;
        }
        std::vector<std::string> overrides;
        for (size_t a = 0; a <= text.size();) {
            const size_t b = std::min(text.find('\n', a), text.size());
            overrides.push_back(text.substr(a, b - a));
            a = b + 1;
        }
        const precis::StudyConfig s = precis::parse_study(kStudy, path, overrides);
        (void)precis::render_sbatch(s, precis::builtin_sbatch_template(), "builtin", "/usr/bin/precis");
    });
}

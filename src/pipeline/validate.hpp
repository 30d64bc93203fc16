// The checks `precis validate` and `precis run` share: the study (layered and schema-checked), the sample sheet,
// the input files, the sheet columns the study names, and the output folder. Every problem is collected.
#pragma once
#include <string>
#include <vector>

#include "config/sheet.hpp"
#include "config/study.hpp"

namespace precis {

struct Validation {
    StudyConfig study;
    SampleSheet sheet;
    std::vector<std::string> problems;  // each "FILE:LINE[:COL]: message (fix: ...)"; any -> exit 2
    std::vector<std::string> warnings;  // e.g. missing inputs under on_sample_error: skip
    bool ok() const { return problems.empty(); }
    std::string problem_lines() const;  // the problems, one per line
};

// How far a cohort proteome file is read: `Full` (precis validate) reads a MaxQuant table through, checking every
// row; `Header` (precis run, whose own reading of the table stops with the same errors) its header only.
enum class CohortFileCheck { Full, Header };

// `overrides` are --set key=value; `output` (--output) overrides study.output when not empty.
Validation validate_study(const std::string& path, const std::vector<std::string>& overrides,
                          const std::string& output, CohortFileCheck check = CohortFileCheck::Full);

// "" if the resamples of n samples (or of clustering.landmarks of them) hold at least clustering.k.max samples;
// else why not, naming the smallest valid clustering.item_fraction (`whose`: "the sheet's", "the QC-passing").
std::string item_fraction_problem(const ClusteringConfig& cc, size_t n, const std::string& whose);

// The output folder (or the nearest folder above it that exists) is one this process can write.
bool output_writable(const std::string& folder, std::string& why);

}  // namespace precis

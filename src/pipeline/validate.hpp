// The checks `precis validate` and `precis run` share: the study (layered and schema-checked), the sample sheet,
// the input files, the sheet columns the study names, and the output folder. Every problem is collected.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "adjust/adjust.hpp"

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

// The design of clustering.adjust over n samples (pipeline/adjust.cpp).
struct AdjustDesign {
    Factor batch;                // empty without clustering.adjust.batch
    int ref = -1;                // clustering.adjust.ref_batch's level
    Eigen::MatrixXd keep;        // intercept and the preserved columns
    Eigen::MatrixXd covariates;  // the covariates' columns (factors as indicators after their first level)
    Eigen::MatrixXd remove;      // linear: the batch as sum contrasts, then the covariates
    Eigen::MatrixXd mod;         // combat: the preserved columns and the covariates (no intercept)
};
using ColumnValue = std::function<std::string(const std::string& column, size_t sample)>;
using SampleWho = std::function<std::string(size_t sample)>;  // "sheet:line: sample 'id'"
// "" and the design, or the problem: a missing value, one batch, a batch of one sample, an unknown ref_batch, a
// design that is not of full rank (which part). `value` gives sample i's value in a sheet column.
std::string adjust_design(const StudyConfig& s, size_t n, const ColumnValue& value, const SampleWho& who,
                          AdjustDesign& d);

// The output folder (or the nearest folder above it that exists) is one this process can write.
bool output_writable(const std::string& folder, std::string& why);

}  // namespace precis

// The sample sheet: one row per sample, with the per-sample input paths and the carried phenotype columns.
#pragma once
#include <string>
#include <vector>

#include "config/study.hpp"

namespace precis {

struct SampleEntry {
    size_t index = 0;        // position in the sheet (0-based), the sample's identity inside precis
    long line = 0;           // line in the sheet, for messages
    std::string id;
    std::string vcf;         // resolved path, empty if genome is disabled
    std::string proteome;    // resolved path, empty if proteome is disabled
    std::vector<std::string> phenotypes;  // in StudyConfig::phenotypes order
};

struct SampleSheet {
    std::string path;
    std::vector<SampleEntry> samples;
    int column_of(const std::string& phenotype, const StudyConfig& s) const;  // index into phenotypes, or -1
};

// Reads and checks the sheet: readable, required columns, empty and duplicate ids, empty paths. Every problem is
// appended to `problems` as "FILE:LINE: message (fix: ...)".
SampleSheet load_sheet(const StudyConfig& study, std::vector<std::string>& problems);
// Same, throwing a Config error listing every problem.
SampleSheet load_sheet(const StudyConfig& study);

}  // namespace precis

// The sample sheet: one row per sample, with the per-sample input paths and the carried phenotype columns.
// Every rank holds it, so it is kept by column, each column's texts one after another in a single string: about the
// sheet's own bytes plus 4 a cell, where a std::string a cell took 32 bytes and a heap block each when longer than
// 15 (about 540 bytes a sample, 270 MB a rank at 500,000 samples).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/study.hpp"

namespace precis {

// One sample's row, made on request (SampleSheet::entry) or to be added (SampleSheet::add).
struct SampleEntry {
    size_t index = 0;        // position in the sheet (0-based), the sample's identity inside precis
    long line = 0;           // line in the sheet, for messages
    std::string id;
    std::string vcf;         // resolved path, empty if genome is disabled
    std::string proteome;    // resolved path, empty if proteome is disabled
    std::vector<std::string> phenotypes;  // in StudyConfig::phenotypes order
};

// Texts one after another, each found by where it ends.
struct TextColumn {
    std::string text;
    std::vector<uint32_t> end;
    size_t size() const { return end.size(); }
    std::string_view operator[](size_t i) const {
        const size_t b = i ? end[i - 1] : 0;
        return std::string_view(text).substr(b, end[i] - b);
    }
    void push_back(std::string_view s);  // throws Config past 4 GiB of text
    void shrink_to_fit();
};

// Paths, each kept without the common folder in front of most of them (the sheet's own, where relative paths start).
struct PathColumn {
    std::string prefix;
    TextColumn tail;
    std::vector<bool> prefixed;
    std::string operator[](size_t i) const {
        return prefixed[i] ? prefix + std::string(tail[i]) : std::string(tail[i]);
    }
    void push_back(const std::string& path);
    void shrink_to_fit();
    size_t text_bytes() const { return tail.text.size(); }
};

struct SampleSheet {
    std::string path;
    // by column, one value per sample
    std::vector<uint32_t> lines;
    TextColumn ids;
    PathColumn vcfs, proteomes;
    std::vector<TextColumn> phenotypes;  // in StudyConfig::phenotypes order

    size_t size() const { return lines.size(); }
    bool empty() const { return lines.empty(); }
    long line(size_t i) const { return long(lines[i]); }
    std::string id(size_t i) const { return std::string(ids[i]); }
    std::string vcf(size_t i) const { return vcfs[i]; }
    std::string proteome(size_t i) const { return proteomes[i]; }
    std::string phenotype(size_t i, size_t column) const { return std::string(phenotypes.at(column)[i]); }
    std::string sample_at(size_t i) const;  // "SHEET:LINE: sample 'ID'", for messages
    SampleEntry entry(size_t i) const;
    // Appends a sample (its index is its position); the first sets the number of phenotype columns.
    void add(const SampleEntry& e);
    // Replaces phenotype column `column` with `values`, one per sample (the ancestry PCs, made after the sheet).
    void set_phenotype(size_t column, const std::vector<std::string>& values);
    int column_of(const std::string& phenotype, const StudyConfig& s) const;  // index into phenotypes, or -1
};

// Sheet index -> a row of a matrix, for the samples that have one: 4 bytes a sheet sample, in one block. (A hash
// map's node per sample, allocated after the samples stage has left the heap in pieces, pinned its pages for the
// rest of the run: ~190 MB of a worker's memory at 200,000 samples.)
class SheetRows {
public:
    static constexpr size_t none = size_t(-1);
    void set(uint64_t index, size_t row);  // sheet indices ascending, as kept samples are
    size_t row(uint64_t index) const {     // or `none`
        return index < row_.size() && row_[index] != kAbsent ? size_t(row_[index]) : none;
    }
    size_t count(uint64_t index) const { return row(index) != none; }
    size_t at(uint64_t index) const;  // throws Internal if the sample has no row
    size_t size() const { return rows_; }
    bool empty() const { return rows_ == 0; }

private:
    static constexpr uint32_t kAbsent = UINT32_MAX;
    std::vector<uint32_t> row_;
    size_t rows_ = 0;
};

// Reads and checks the sheet: readable, required columns, empty and duplicate ids, empty paths. Every problem is
// appended to `problems` as "FILE:LINE: message (fix: ...)".
SampleSheet load_sheet(const StudyConfig& study, std::vector<std::string>& problems);
// Same, throwing a Config error listing every problem.
SampleSheet load_sheet(const StudyConfig& study);

}  // namespace precis

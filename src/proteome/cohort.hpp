// Cohort-wide proteome files: Olink NPX exports (long: one row per sample and assay) and MaxQuant proteinGroups.txt
// (wide: one row per protein group, one column per sample). Parsing and per-sample assembly only; no MPI: the
// pipeline decides which rank reads which bytes and which samples.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "proteome/proteome.hpp"

namespace precis {

// Feature annotations that go into the store's var.
struct FeatureInfo {
    std::string uniprot, gene, panel;
    long assay_warnings = 0;  // Olink: rows of the sheet's samples whose Assay_Warning is WARN
};

// Whether an OlinkID has Olink's form, OID and five digits (check_npx warns about others).
bool olink_id_valid(const std::string& id);

// Whether an Olink QC_Warning / Assay_Warning value flags the row (WARN, Warning; PASS and empty do not).
bool olink_warns(const std::string& value);

// ---- Olink NPX ------------------------------------------------------------------------------------------------

struct NpxColumns {
    char delim = ',';
    int sample = -1, olink_id = -1, uniprot = -1, assay = -1, panel = -1, plate = -1, npx = -1, lod = -1,
        qc_warning = -1, sample_type = -1, assay_warning = -1;
};

// Reads the header line (CSV with ',' or ';', or TSV). Throws MalformedInput naming the missing columns.
NpxColumns npx_header(const std::string& header_line, const std::string& path);

struct NpxRow {
    long line = 0;  // in the file
    std::string sample, olink_id, uniprot, assay, panel, plate, npx, lod, qc_warning, sample_type, assay_warning;
    bool is_control() const;  // Sample_Type CONTROL / NEGATIVE / PLATE / ..., or a control SampleID
};

// Splits one data line; throws MalformedInput (path:line) if it has too few fields.
NpxRow npx_row(const std::string& line, const NpxColumns& c, const std::string& path, long lineno);

struct NpxSettings {
    bool below_lod_missing = false;  // proteome.below_lod: missing (else keep)
    bool median_normalize = false;
};

// Distinct strings numbered in the order first seen: the assays and the plates of an NPX file, on one rank.
struct StringTable {
    std::vector<std::string> names;
    std::unordered_map<std::string, uint32_t> index;
    uint32_t id(const std::string& s);
};

// One NPX row as a sample's assembly needs it, small enough for a rank to hold every row of its samples from a
// biobank's export (40 bytes against ~120 of text): the assay and plate as numbers in the rank's tables, the NPX
// and LOD parsed on the rank that read the line.
struct NpxCell {
    long line = 0;  // in the file
    uint32_t assay = 0, plate = 0;
    double npx = 0, lod = 0;  // NaN: missing (the LOD also when it is not a number)
    bool npx_bad = false;     // the NPX was neither missing nor a number
    bool qc_warn = false;     // QC_Warning flags the row
};

// Appends row `r`, of the sheet's sample number `sample`, to `msg`: a message to the rank that owns the sample.
void pack_npx_row(std::string& msg, uint32_t sample, const NpxRow& r);
// The rows of a message: add(sample, cell) for each, its assay and plate numbered in `assays` and `plates`.
void unpack_npx_rows(const std::string& msg, StringTable& assays, StringTable& plates,
                     const std::function<void(uint32_t, const NpxCell&)>& add);

// Samples with the same assays in the same order share one id list (by the assays' numbers).
using NpxIdLists = std::map<std::vector<uint32_t>, FeatureIds>;

// One sample's cells (sorted here into file order) -> its values (NPX is log2 already), QC, and flags. Throws
// MalformedInput naming file:line for a non-numeric NPX and a duplicate assay (OlinkAnalyze's check_npx checks these
// too); `sample` is its id, for those messages.
ProteomeResult npx_sample(const std::string& sample, std::vector<NpxCell>& cells, const StringTable& assays,
                          const StringTable& plates, const NpxSettings& st, const std::string& path, NpxIdLists& lists);

// ---- MaxQuant proteinGroups.txt --------------------------------------------------------------------------------

// A MaxQuant table read in one pass: the protein groups, and only the intensity columns asked for, as numbers (a
// table of 50,000 samples is 1.5 GB of text; a rank keeps the columns of its own samples).
struct MaxQuantTable {
    std::string path;
    std::vector<std::string> header;
    std::unordered_map<std::string, int> header_index;  // the first column of each name
    FeatureIds ids;                  // first of 'Majority protein IDs' (or 'Protein IDs'), kept rows in file order
    std::vector<FeatureInfo> info;   // gene names
    std::vector<long> lines;         // of the kept rows, for messages
    long dropped = 0;                // Reverse, Potential contaminant and Only identified by site rows
    std::vector<int> slot;           // per header column: its place among the parsed columns, or -1
    std::vector<std::vector<double>> columns;  // per slot, the parsed cells of the kept rows; NaN = empty or NA
    struct BadCell {
        long line = 0;  // 0: none (where only: a cell's content never goes into a message)
    };
    std::vector<BadCell> bad;        // per parsed column: its first cell that is not a non-negative number
    int column(const std::string& name) const;  // -1 if absent; constant time (one column per sample)
};

// The header line only (to check which columns a table has). Throws MalformedInput without an id column.
MaxQuantTable maxquant_header(const std::string& path);

// Reads the table, dropping Reverse, Potential contaminant and Only identified by site rows, and parses the cells
// of `columns` (names absent from the header are skipped: maxquant_sample reports them). Throws MalformedInput
// (file:line) on ragged rows, unterminated quotes, empty or repeated protein ids.
MaxQuantTable read_maxquant(const std::string& path, const std::vector<std::string>& columns = {});

// One sample's column ("<measure> <sample>", measure = "LFQ intensity", "Intensity" or "iBAQ"); 0 is missing.
// The column moves out of the table into the result (a cohort's table and its samples are never both in memory):
// each sample is taken once. Calls for different samples may run on different threads. Throws InconsistentInput if
// the table has no such column, MalformedInput (file:line) for a cell that is not a non-negative number.
ProteomeResult maxquant_sample(MaxQuantTable& t, const std::string& sample, const std::string& measure,
                               const ProteomeSettings& st);

}  // namespace precis

// Per-sample proteome processing: read a plain table (one protein per row), transform, normalise, QC.
// No MPI here.
#pragma once
#include <string>
#include <vector>

namespace precis {

struct ProteomeSettings {
    std::string id_column = "protein_id";
    std::string value_column = "abundance";
    bool log2 = true;             // transform: log2; zero or missing values are missing
    bool median_normalize = true; // subtract the sample's median of observed (transformed) values
};

struct ProteomeQC {
    long n_features = 0;   // rows in the table
    long n_detected = 0;   // rows with an observed value
    double detected_fraction = 0;
    double median = 0;     // median of observed values after transform, before normalisation
    long below_lod = 0;    // Olink: values below the assay's LOD
    bool qc_warning = false;  // Olink: the sample has a QC warning
};

const std::vector<std::string>& proteome_qc_columns();
std::vector<double> proteome_qc_values(const ProteomeQC& q);

struct ProteomeResult {
    ProteomeQC qc;
    std::vector<std::string> ids;  // in file order
    std::vector<double> values;    // transformed + normalised; NaN = missing
};

// Throws MalformedInput naming file and line for unreadable tables, bad numbers, negative values under log2,
// and duplicate protein ids.
ProteomeResult process_proteome(const std::string& path, const ProteomeSettings& settings);

double median_of(std::vector<double> v);  // NaN for an empty vector

}  // namespace precis

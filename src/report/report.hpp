// report.html: one self-contained page (inline SVG and CSS, no scripts, nothing fetched) that lets a reader judge
// a run from its results alone: run summary, sample QC, consensus clustering, embedding, subtypes against
// phenotypes, ranked biomarkers. It is made from the files of a results folder - provenance.json, qc/*.tsv,
// clustering.tsv, subtypes.tsv, biomarkers.tsv and cohort.h5mu (obs, obsm, uns/clustering) - so `precis report DIR`
// rebuilds the same page from a finished folder. Everything that describes the run rather than the results
// (times, host, command, resources) sits between the comments <!-- run:begin --> and <!-- run:end -->.
#pragma once
#include <string>

namespace precis {

// The page for the results in `dir`. `provenance_json`: the run's provenance when provenance.json is not written
// yet (precis run writes it last, as the mark of a finished folder); empty: read DIR/provenance.json, and refuse a
// folder without it (Config error naming the folder: not finished results).
std::string render_report(const std::string& dir, const std::string& provenance_json = "");

// Writes DIR/report.html atomically.
void write_report(const std::string& dir, const std::string& provenance_json = "");
// report.html of a `precis classify` output folder, from its classified.tsv, validation.tsv and provenance.
void write_classify_report(const std::string& dir, const std::string& provenance_json);

}  // namespace precis

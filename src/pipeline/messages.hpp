// What rank 0 and the workers send each other during per-sample work, and its (Boost.Serialization) encoding.
// Messages are small: ids, paths, QC numbers, checksums. Feature vectors stay on the worker that made them.
// The journal's and the stage cache's records use the same encoding.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster.hpp"
#include "config/choices.hpp"
#include "config/sheet.hpp"
#include "journal/journal.hpp"
#include "proteome/proteome.hpp"

namespace precis {

// Where a journal record lies, as a task carries it to the worker that may reuse it (all empty: none).
struct JournalRef {
    std::string file, key;  // key: the record's raw 32-byte key
    uint64_t offset = 0, size = 0;
    static JournalRef of(const JournalEntry& e) { return {e.file, e.key, e.offset, e.payload_size}; }
};

struct SampleTask {
    uint64_t index = 0;
    long line = 0;  // in the sample sheet, for messages
    std::string id, vcf, proteome;
    JournalRef journal;  // the sample's latest record, if any (the worker uses it if its key still matches the inputs)
};

// A region of a cohort VCF/BCF (genome.cohort_file) for a worker, and what became of it.
struct RegionTask {
    uint64_t region = 0;  // index into the planned regions
    JournalRef journal;   // the region's latest record, if any
};
struct RegionOutcome {
    bool from_journal = false;  // added from an earlier run's journal
    std::string error;          // the region could not be read: where and why
    int64_t region = -1;        // which, when it could not
};

struct ModalityOutcome {
    bool present = false;
    SampleStatus status = SampleStatus::Pass;  // when present
    std::string reason;
    std::vector<double> qc;     // genome_qc_values / proteome_qc_values
    std::string inferred_sex;   // genome: female | male | ambiguous | "" (set on rank 0 by check_sex)
    std::vector<double> scores;      // genome: per polygenic score, its value (NaN if refused)
    std::vector<double> score_info;  // genome: per score kScoreInfo numbers (see inputs.hpp)
    std::string sha256;         // of the input file
    std::string stamp;          // the input file's stamp (core/files.hpp) when it was hashed
    std::string path;
    // genome, rank 0 only (not sent or kept in the journal): why the sample is an ancestry outlier ("no" if it is
    // not), "" when genome.ancestry did not analyse it
    std::string ancestry_outlier;
};

struct SampleOutcome {
    uint64_t index = 0;
    int rank = 0;               // which rank holds the features
    ModalityOutcome genome, proteome;
    std::string key;            // hex content key of the sample's inputs and settings ("" for cohort files)
    bool from_journal = false;  // taken from an earlier run's journal instead of computed
};

// What the journal keeps of a finished sample: its outcome and the features its worker made. The proteome's id
// list is not in the record but named by its checksum (ids_sha, hex): the samples of a panel share one list, kept
// once per journal file as a record of its own (pipeline/samples.cpp); decoding leaves proteome.ids null.
struct SampleRecord {
    SampleOutcome outcome;
    bool has_burden = false, has_proteome = false;
    std::vector<float> burden;
    ProteomeResult proteome;
    std::string ids_sha;  // "" = no id list
};

// What the journal keeps of a finished region of a cohort VCF: its sums over the region, as the worker adds them.
struct RegionRecord {
    uint64_t region = 0;
    std::vector<double> qc_raw;                // samples x GenomeQC::kRaw
    std::vector<std::vector<float>> burden;    // per owned gene, one value per sample
    std::vector<double> score_parts;           // samples x scores x ExactSum::kParts
    std::vector<double> score_imputed;         // samples x scores
    std::vector<double> score_match;           // scores x 4
};

// A finished consensus clustering stage and a finished ranking stage, as the stage cache keeps them.
struct ClusteringStage {
    std::vector<KSummary> ks;
    uint64_t chosen = 0;
    std::vector<int64_t> labels;
    std::vector<std::vector<double>> consensus;
    uint64_t n_landmarks = 0;
    double seconds = 0;
    bool no_structure = false;  // choose_k null found no k: chosen is ks.size(), labels all 1
    double null_seconds = 0;
};

std::string encode(const SampleSheet& s);
void decode(const std::string& s, SampleSheet& sheet);
std::string encode(const RegionTask& t);
void decode(const std::string& s, RegionTask& t);
std::string encode(const RegionOutcome& o);
void decode(const std::string& s, RegionOutcome& o);
std::string encode(const SampleTask& t);
std::string encode(const SampleOutcome& o);
void decode(const std::string& s, SampleTask& t);
void decode(const std::string& s, SampleOutcome& o);
std::string encode(const std::vector<SampleOutcome>& v);
void decode(const std::string& s, std::vector<SampleOutcome>& v);
std::string encode(const SampleRecord& r);
void decode(const std::string& s, SampleRecord& r);  // throws on a payload that is not a record
std::string encode(const RegionRecord& r);
void decode(const std::string& s, RegionRecord& r);
std::string encode(const ClusteringStage& c);
void decode(const std::string& s, ClusteringStage& c);
std::string encode(const std::vector<std::string>& v);
void decode(const std::string& s, std::vector<std::string>& v);
std::string encode(const std::vector<double>& v);
void decode(const std::string& s, std::vector<double>& v);

}  // namespace precis

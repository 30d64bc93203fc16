// What rank 0 and the workers send each other during per-sample work, and its (Boost.Serialization) encoding.
// Messages are small: ids, paths, QC numbers, checksums. Feature vectors stay on the worker that made them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace precis {

struct SampleTask {
    uint64_t index = 0;
    long line = 0;  // in the sample sheet, for messages
    std::string id, vcf, proteome;
};

struct ModalityOutcome {
    bool present = false;
    std::string status;         // pass | fail | error
    std::string reason;
    std::vector<double> qc;     // genome_qc_values / proteome_qc_values
    std::string inferred_sex;   // genome: female | male | ambiguous | "" (set on rank 0 by check_sex)
    std::vector<double> scores;      // genome: per polygenic score, its value (NaN if refused)
    std::vector<double> score_info;  // genome: per score kScoreInfo numbers (see inputs.hpp)
    std::string sha256;         // of the input file
    std::string path;
};

struct SampleOutcome {
    uint64_t index = 0;
    int rank = 0;               // which rank holds the features
    ModalityOutcome genome, proteome;
};

std::string encode(const SampleTask& t);
std::string encode(const SampleOutcome& o);
void decode(const std::string& s, SampleTask& t);
void decode(const std::string& s, SampleOutcome& o);
std::string encode(const std::vector<SampleOutcome>& v);
void decode(const std::string& s, std::vector<SampleOutcome>& v);

}  // namespace precis

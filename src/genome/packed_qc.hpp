// Sample QC straight from packed hard calls (GenotypeReader::packed_calls: PLINK 1 .bed rows), without unpacking
// a call: each record's 2-bit codes are turned into indicator bits for 32 samples at a time, and those are added up
// per sample in counters of 2-, 4- and 8-bit lanes that are folded into wider ones before they can overflow. The
// result is what the record-by-record count gives for the same records, to the last bit (tests/unit/test_packed_qc).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "genome/genome.hpp"

namespace precis {

// Per-sample counts of indicator bits added a word at a time: word w holds samples 32w..32w+31, sample 32w+i in
// bits 2i..2i+1 (the indicator in bit 2i, bit 2i+1 zero).
class LaneCounter {
public:
    explicit LaneCounter(size_t words);
    uint64_t* lanes() { return l2_.data(); }  // add one record's indicator words here, then call added()
    void added() {
        if (++n2_ == 3) fold2();
    }
    void finish();                       // folds everything into the totals (the counter stays usable)
    uint32_t total(size_t sample) const { return total_[sample]; }

private:
    void fold2();
    void fold4();
    void fold8();
    std::vector<uint64_t> l2_, l4_, l8_;  // 2-bit lanes (up to 3), 4-bit (up to 15), 8-bit (up to 255)
    std::vector<uint32_t> total_;
    int n2_ = 0, n4_ = 0, n8_ = 0;       // records in l2_, folds in l4_ and l8_
};

class PackedQC {
public:
    // What an ALT allele counts as in Hail's sample_qc (n_snp with n_transition or n_transversion, n_insertion,
    // n_deletion, or none of them), and where the record counts for plink's F (autosome, chrX outside the PARs, or
    // not at all).
    enum Class { Transition, Transversion, Insertion, Deletion, OtherClass, kClasses };
    enum FKind { Autosome, ChrX, NoF, kFKinds };

    // `columns` as for process_region (the file's column of each counted sample, -1 for none); n_file: the file's
    // samples.
    PackedQC(const std::vector<int>& columns, int n_file);

    // Counts one biallelic diploid record. For f = Autosome or ChrX, its frequencies (REF, ALT) make its expected
    // homozygosity for het_f or sex_f, unless it is monomorphic, as the cohort tally of the record-by-record count
    // does: `freq` when given (a record's dosage frequencies), else those of the counted samples' calls. NoF: it
    // counts for neither. Nobody called: neither.
    void add(const uint64_t* codes, Class cls, FKind f, const std::vector<double>* freq = nullptr);

    // Adds the counts into qc[k] for every counted column.
    void finish(std::vector<GenomeQC>& qc);

private:
    LaneCounter& counter(std::unique_ptr<LaneCounter>& c);
    std::vector<int> columns_;
    size_t words_;
    int64_t counted_ = 0;
    std::vector<uint64_t> sel_;  // bit 2i of word w: sample 32w+i is counted
    std::vector<uint64_t> missing_words_;        // the current record's uncalled samples (as sel_)
    std::vector<uint32_t> words_with_missing_;   // the words of missing_words_ that have any
    std::unique_ptr<LaneCounter> het_[kFKinds][kClasses], hom_var_[kFKinds][kClasses], missing_[kFKinds];
    std::unique_ptr<LaneCounter> mono_missing_[kFKinds];  // uncalled samples of Autosome/ChrX records without F
    int64_t records_ = 0, f_records_[2] = {0, 0};
    ExactSum f_expected_[2];
    std::vector<int64_t> missing_units_[2];  // per file sample: sum of the expected homozygosity it lost, in ExactSum units
};

}  // namespace precis

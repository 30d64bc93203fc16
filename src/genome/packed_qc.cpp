#include "genome/packed_qc.hpp"

namespace precis {

namespace {
constexpr uint64_t kLow2 = 0x5555555555555555ull;   // the low bit of every 2-bit lane
constexpr uint64_t kLanes4 = 0x3333333333333333ull;  // every other 2-bit lane, widened to 4 bits
constexpr uint64_t kLanes8 = 0x0F0F0F0F0F0F0F0Full;  // every other 4-bit lane, widened to 8 bits
}  // namespace

LaneCounter::LaneCounter(size_t words) : l2_(words, 0), l4_(2 * words, 0), l8_(4 * words, 0), total_(32 * words, 0) {}

// l4_[2w + p], 4-bit lane j: sample 32w + 2j + p
void LaneCounter::fold2() {
    for (size_t w = 0; w < l2_.size(); ++w) {
        const uint64_t x = l2_[w];
        l4_[2 * w] += x & kLanes4;
        l4_[2 * w + 1] += (x >> 2) & kLanes4;
        l2_[w] = 0;
    }
    n2_ = 0;
    if (++n4_ == 5) fold4();
}

// l8_[2j + r], byte m: 4-bit lane 2m + r of l4_[j]
void LaneCounter::fold4() {
    for (size_t j = 0; j < l4_.size(); ++j) {
        const uint64_t y = l4_[j];
        l8_[2 * j] += y & kLanes8;
        l8_[2 * j + 1] += (y >> 4) & kLanes8;
        l4_[j] = 0;
    }
    n4_ = 0;
    if (++n8_ == 17) fold8();
}

// l8_[4w + 2p + r], byte m: sample 32w + 4m + 2r + p
void LaneCounter::fold8() {
    for (size_t j = 0; j < l8_.size(); ++j) {
        const uint64_t z = l8_[j];
        if (!z) continue;
        const size_t base = 32 * (j >> 2) + 2 * (j & 1) + ((j >> 1) & 1);
        for (size_t m = 0; m < 8; ++m) total_[base + 4 * m] += uint32_t((z >> (8 * m)) & 0xff);
        l8_[j] = 0;
    }
    n8_ = 0;
}

void LaneCounter::finish() {
    fold2();
    fold4();
    fold8();
}

PackedQC::PackedQC(const std::vector<int>& columns, int n_file)
    : columns_(columns), words_((size_t(n_file) + 31) / 32), sel_(words_, 0), missing_words_(words_),
      words_with_missing_(words_) {
    for (int c : columns)
        if (c >= 0 && c < n_file) {
            uint64_t& w = sel_[size_t(c) >> 5];
            const uint64_t bit = uint64_t(1) << (2 * (c & 31));
            counted_ += !(w & bit);
            w |= bit;
        }
}

LaneCounter& PackedQC::counter(std::unique_ptr<LaneCounter>& c) {
    if (!c) c = std::make_unique<LaneCounter>(words_);
    return *c;
}

void PackedQC::add(const uint64_t* codes, Class cls, FKind f, const std::vector<double>* freq) {
    // One pass adds the record's heterozygous, homozygous-ALT and uncalled samples into the counters of its kind
    // and class, and (for F) counts them and keeps the uncalled ones. A record that turns out monomorphic over the
    // counted samples (or not called in any) has no F: it has no heterozygous calls there, and its uncalled ones
    // are counted again in mono_missing_ to be taken off the kind's at the end.
    const uint64_t* __restrict sel = sel_.data();
    LaneCounter &H = counter(het_[f][cls]), &V = counter(hom_var_[f][cls]), &M = counter(missing_[f]);
    uint64_t* __restrict h = H.lanes();
    uint64_t* __restrict v = V.lanes();
    uint64_t* __restrict m = M.lanes();
    if (f == NoF) {
        for (size_t w = 0; w < words_; ++w) {  // (a loop the compiler vectorises)
            const uint64_t x = codes[w], lo = x & kLow2, hi = (x >> 1) & kLow2, s = sel[w];
            h[w] += hi & ~lo & s;    // 10: A2/A1
            v[w] += ~(hi | lo) & s;  // 00: A1/A1
            m[w] += lo & ~hi & s;    // 01: missing
        }
    } else {
        int64_t het = 0, hom_var = 0, missing = 0;
        uint64_t* __restrict miss = missing_words_.data();
        uint32_t* __restrict with = words_with_missing_.data();
        size_t n_with = 0;
        for (size_t w = 0; w < words_; ++w) {
            const uint64_t x = codes[w], lo = x & kLow2, hi = (x >> 1) & kLow2, s = sel[w];
            const uint64_t a = hi & ~lo & s, b = ~(hi | lo) & s, c = lo & ~hi & s;
            h[w] += a, v[w] += b, m[w] += c;
            het += __builtin_popcountll(a);
            hom_var += __builtin_popcountll(b);
            missing += __builtin_popcountll(c);
            miss[w] = c;
            with[n_with] = uint32_t(w);  // (kept only when c has a bit: no branch)
            n_with += c != 0;
        }
        const int64_t called = counted_ - missing, total = 2 * called;
        const int64_t ref = 2 * (called - het - hom_var) + het, alt = 2 * hom_var + het;
        double fr[2] = {0, 0};  // (REF, ALT: the dosages', else the calls')
        if (freq) {
            fr[0] = (*freq)[0], fr[1] = (*freq)[1];
        } else if (total > 0) {
            for (int a = 0; a < 2; ++a) fr[a] = double(a == 0 ? ref : alt) / double(total);
        }
        if (total == 0 || fr[0] == 1.0 || fr[1] == 1.0) {  // plink leaves it out
            if (missing > 0) {
                uint64_t* __restrict mm = counter(mono_missing_[f]).lanes();
                for (size_t w = 0; w < words_; ++w) mm[w] += miss[w];
                mono_missing_[f]->added();
            }
        } else {
            double e = 0;  // (summed as RecordCounter::settle sums it, REF first)
            for (double p : fr) e += p * p;
            ++f_records_[f];
            f_expected_[f].add(e);
            const int64_t units = ExactSum::units(e);
            if (missing_units_[f].empty()) missing_units_[f].assign(32 * words_, 0);
            int64_t* lost = missing_units_[f].data();
            // the samples not called lose the record's expected homozygosity: the first two of a word without
            // branches (a third is rare; the second adds 0 to the word's last sample when there is none)
            for (size_t j = 0; j < n_with; ++j) {
                const size_t w = with[j];
                int64_t* at = lost + 32 * w;
                uint64_t c = miss[w];
                at[__builtin_ctzll(c) >> 1] += units;
                c &= c - 1;
                at[__builtin_ctzll(c | (uint64_t(1) << 63)) >> 1] += units & -int64_t(c != 0);
                for (c &= c - 1; c; c &= c - 1) at[__builtin_ctzll(c) >> 1] += units;
            }
        }
    }
    H.added();
    V.added();
    M.added();
    ++records_;
}

void PackedQC::finish(std::vector<GenomeQC>& qc) {
    for (int f = 0; f < kFKinds; ++f) {
        if (missing_[f]) missing_[f]->finish();
        if (mono_missing_[f]) mono_missing_[f]->finish();
        for (int c = 0; c < kClasses; ++c) {
            if (het_[f][c]) het_[f][c]->finish();
            if (hom_var_[f][c]) hom_var_[f][c]->finish();
        }
    }
    const auto total = [](const std::unique_ptr<LaneCounter>& c, size_t s) -> int64_t { return c ? c->total(s) : 0; };
    for (size_t k = 0; k < columns_.size(); ++k) {
        if (columns_[k] < 0) continue;
        const size_t s = size_t(columns_[k]);
        GenomeQC& q = qc[k];
        int64_t het_class[kClasses] = {}, hom_var_class[kClasses] = {}, missing_f[kFKinds] = {}, het_f[kFKinds] = {};
        int64_t missing = 0;
        for (int f = 0; f < kFKinds; ++f) {
            missing_f[f] = total(missing_[f], s);
            missing += missing_f[f];
            missing_f[f] -= total(mono_missing_[f], s);  // (records without F)
            for (int c = 0; c < kClasses; ++c) {
                const int64_t h = total(het_[f][c], s);
                het_class[c] += h, het_f[f] += h;
                hom_var_class[c] += total(hom_var_[f][c], s);
            }
        }
        int64_t het = 0, hom_var = 0;
        for (int c = 0; c < kClasses; ++c) het += het_class[c], hom_var += hom_var_class[c];
        const int64_t called = records_ - missing;
        q.n_not_called += missing;
        q.n_called += called;
        q.n_het += het;
        q.n_hom_var += hom_var;
        q.n_hom_ref += called - het - hom_var;
        const auto copies = [&](int c) { return het_class[c] + 2 * hom_var_class[c]; };
        q.n_transition += copies(Transition);
        q.n_transversion += copies(Transversion);
        q.n_snp += copies(Transition) + copies(Transversion);
        q.n_insertion += copies(Insertion);
        q.n_deletion += copies(Deletion);
        // plink's F: every counted sample has each F record's N, O and E, less the records it was not called at
        // (and their E); a heterozygous call is not homozygous
        const int64_t n_auto = f_records_[Autosome] - missing_f[Autosome], n_x = f_records_[ChrX] - missing_f[ChrX];
        q.het_n += n_auto, q.het_o += n_auto - het_f[Autosome], q.het_e.add(f_expected_[Autosome]);
        q.x_n += n_x, q.x_o += n_x - het_f[ChrX], q.x_e.add(f_expected_[ChrX]);
        if (!missing_units_[Autosome].empty()) q.het_e.add_units(-missing_units_[Autosome][s]);
        if (!missing_units_[ChrX].empty()) q.x_e.add_units(-missing_units_[ChrX][s]);
    }
}

}  // namespace precis

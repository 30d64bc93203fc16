#include "genome/genome.hpp"
#include "genome/packed_qc.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <cmath>
#include <limits>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "core/parse.hpp"
#include "core/error.hpp"
#include "core/signals.hpp"
#include "core/table.hpp"
#include "genome/annotation.hpp"
#include "genome/hts.hpp"

namespace precis {

namespace {
double ratio(double a, double b) { return b == 0 ? std::numeric_limits<double>::quiet_NaN() : a / b; }
}  // namespace

void GenomeQC::to_raw(double* o) const {
    const double v[kRaw] = {double(n_called),     double(n_not_called), double(n_hom_ref),   double(n_het),
                            double(n_hom_var),    double(n_snp),        double(n_insertion), double(n_deletion),
                            double(n_transition), double(n_transversion), dp_sum,           double(dp_n),
                            gq_sum,               double(gq_n),         double(n_filtered),  double(het_n),
                            double(het_o),        double(x_n),          double(x_o)};
    std::copy(v, v + 19, o);
    het_e.parts(o + 19);
    x_e.parts(o + 19 + ExactSum::kParts);
}

void GenomeQC::add_raw(const double* v) {
    n_called += int64_t(v[0]), n_not_called += int64_t(v[1]), n_hom_ref += int64_t(v[2]), n_het += int64_t(v[3]);
    n_hom_var += int64_t(v[4]), n_snp += int64_t(v[5]), n_insertion += int64_t(v[6]), n_deletion += int64_t(v[7]);
    n_transition += int64_t(v[8]), n_transversion += int64_t(v[9]);
    dp_sum += v[10], dp_n += int64_t(v[11]), gq_sum += v[12], gq_n += int64_t(v[13]);
    n_filtered += int64_t(v[14]);
    het_n += int64_t(v[15]), het_o += int64_t(v[16]), x_n += int64_t(v[17]), x_o += int64_t(v[18]);
    het_e.add_parts(v + 19);
    x_e.add_parts(v + 19 + ExactSum::kParts);
}

namespace {
double f_coefficient(int64_t n, int64_t o, const ExactSum& expected) {
    const double e = expected.value();
    return n == 0 ? std::numeric_limits<double>::quiet_NaN() : ratio(double(o) - e, double(n) - e);
}
}  // namespace

double GenomeQC::het_f() const { return f_coefficient(het_n, het_o, het_e); }
double GenomeQC::sex_f() const { return f_coefficient(x_n, x_o, x_e); }

std::string infer_sex(double f, double female_max_f, double male_min_f) {
    if (std::isnan(f)) return "";
    if (f < female_max_f) return "female";
    if (f > male_min_f) return "male";
    return "ambiguous";
}

std::pair<int64_t, int64_t> x_par_bounds(const std::string& x_par, int64_t chrx_length) {
    std::string build = x_par;
    if (build == "auto")
        build = chrx_length == 155270560 ? "GRCh37" : chrx_length == 156040895 ? "GRCh38" : "none";
    if (build == "GRCh37") return {2699520, 154931044};
    if (build == "GRCh38") return {2781479, 155701383};
    return {0, std::numeric_limits<int64_t>::max()};
}

// Hail: "fraction of calls not missing or filtered", so filtered genotypes stay in the denominator
double GenomeQC::call_rate() const { return ratio(n_called, n_called + n_not_called + n_filtered); }
double GenomeQC::r_ti_tv() const { return ratio(n_transition, n_transversion); }
double GenomeQC::r_het_hom_var() const { return ratio(n_het, n_hom_var); }
double GenomeQC::r_insertion_deletion() const { return ratio(n_insertion, n_deletion); }
double GenomeQC::dp_mean() const { return ratio(dp_sum, dp_n); }
double GenomeQC::gq_mean() const { return ratio(gq_sum, gq_n); }

const std::vector<std::string>& genome_qc_columns() {
    static const std::vector<std::string> cols = {
        "n_called", "n_not_called", "call_rate", "n_hom_ref", "n_het", "n_hom_var", "n_non_ref", "n_snp",
        "n_insertion", "n_deletion", "n_transition", "n_transversion", "r_ti_tv", "r_het_hom_var",
        "r_insertion_deletion", "dp_mean", "gq_mean",  // the contract's columns, then ours
        "n_filtered", "het_f", "sex_f"};
    return cols;
}

std::vector<double> genome_qc_values(const GenomeQC& q) {
    return {double(q.n_called), double(q.n_not_called), q.call_rate(), double(q.n_hom_ref), double(q.n_het),
            double(q.n_hom_var), double(q.n_non_ref()), double(q.n_snp), double(q.n_insertion),
            double(q.n_deletion), double(q.n_transition), double(q.n_transversion), q.r_ti_tv(),
            q.r_het_hom_var(), q.r_insertion_deletion(), q.dp_mean(), q.gq_mean(), double(q.n_filtered),
            q.het_f(),         q.sex_f()};
}

std::string normalize_chrom(const std::string& c) {
    std::string s = c;
    if (s.size() > 3 && (s.compare(0, 3, "chr") == 0 || s.compare(0, 3, "Chr") == 0)) s = s.substr(3);
    if (s == "M") s = "MT";
    return s;
}

GeneSet GeneSet::load(const std::string& bed_path) {
    std::ifstream in(bed_path);
    if (!in) throw_malformed(bed_path + ": cannot open the genes BED file", "check genome.features.gene_burden.genes");
    GeneSet g;
    std::unordered_map<std::string, size_t> chrom_index;
    std::unordered_map<std::string, long> seen;
    std::string line;
    long lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#' || line.compare(0, 5, "track") == 0 || line.compare(0, 7, "browser") == 0)
            continue;
        auto f = split_fields_at(line, '\t', bed_path, lineno);
        if (f.size() < 4)
            throw_malformed(where(bed_path, lineno) + "a genes BED line needs 4 columns (chrom, start, end, name)",
                            "add the gene name as the 4th tab-separated column");
        int64_t beg = 0, end = 0;
        if (!parse_int(f[1], beg) || !parse_int(f[2], end))
            throw_malformed(where(bed_path, lineno) + "start and end must be whole numbers",
                            "give each gene as: chromosome, start, end, name (tab-separated, 0-based start)");
        if (beg < 0 || end <= beg)
            throw_malformed(where(bed_path, lineno) + "needs 0 <= start < end",
                            "BED starts are 0-based and ends exclusive: check the columns' order");
        const std::string& name = f[3];
        if (auto [it, fresh] = seen.emplace(name, lineno); !fresh)
            throw_malformed(where(bed_path, lineno) + "gene '" + name + "' is listed again (first on line " +
                                std::to_string(it->second) + ")",
                            "merge its intervals under one line or give distinct names");
        std::string chrom = normalize_chrom(f[0]);
        auto [ci, fresh] = chrom_index.emplace(chrom, g.chroms_.size());
        if (fresh) g.chroms_.push_back({chrom, {}});
        g.chroms_[ci->second].second.iv.push_back({beg, end, uint32_t(g.names_.size())});
        g.names_.push_back(name);
        g.loci_.push_back({chrom, beg, end});
    }
    if (g.names_.empty()) throw_malformed(bed_path + ": no genes in the BED file", "give a BED file with one gene per line: chrom, start, end, name");
    for (auto& [name, c] : g.chroms_) {
        std::sort(c.iv.begin(), c.iv.end(),
                  [](const Interval& a, const Interval& b) { return a.beg != b.beg ? a.beg < b.beg : a.gene < b.gene; });
        int64_t m = 0;
        for (auto& i : c.iv) c.max_end.push_back(m = std::max(m, i.end));
    }
    return g;
}

const GeneSet::Chrom* GeneSet::find(const std::string& chrom) const {
    for (auto& [n, c] : chroms_)
        if (n == chrom) return &c;
    return nullptr;
}

void GeneSet::overlaps(const std::string& chrom, int64_t beg, int64_t end, std::vector<uint32_t>& out) const {
    const Chrom* c = find(chrom);
    if (!c) return;
    // intervals with iv.beg < end, walked backwards while some earlier interval may still reach beg
    auto it = std::lower_bound(c->iv.begin(), c->iv.end(), end, [](const Interval& i, int64_t v) { return i.beg < v; });
    for (auto j = it - c->iv.begin() - 1; j >= 0; --j) {
        if (c->max_end[j] <= beg) break;
        if (c->iv[j].end > beg) out.push_back(c->iv[j].gene);
    }
}

AlleleType allele_type(const std::string& ref, const std::string& alt) {
    if (alt == "*") return AlleleType::Star;
    if (alt.empty() || alt[0] == '<' || alt.find('[') != std::string::npos || alt.find(']') != std::string::npos ||
        alt == ".")
        return AlleleType::Symbolic;
    if (ref.size() == alt.size()) {
        size_t mism = 0;
        for (size_t i = 0; i < ref.size(); ++i) mism += (std::toupper(ref[i]) != std::toupper(alt[i]));
        if (mism == 1) return AlleleType::SNP;
        return mism == 0 ? AlleleType::Unknown : AlleleType::MNP;
    }
    if (ref.size() < alt.size()) {
        if (ref[0] == alt[0] && alt.compare(alt.size() - (ref.size() - 1), ref.size() - 1, ref, 1) == 0)
            return AlleleType::Insertion;
        return AlleleType::Complex;
    }
    if (ref[0] == alt[0] && ref.compare(ref.size() - (alt.size() - 1), alt.size() - 1, alt, 1) == 0)
        return AlleleType::Deletion;
    return AlleleType::Complex;
}

bool is_transition(const std::string& ref, const std::string& alt) {
    for (size_t i = 0; i < ref.size(); ++i) {
        char r = std::toupper(ref[i]), a = std::toupper(alt[i]);
        if (r == a) continue;
        return (r == 'A' && a == 'G') || (r == 'G' && a == 'A') || (r == 'C' && a == 'T') || (r == 'T' && a == 'C');
    }
    return false;
}

namespace {

// The allele frequencies of a record with dosages (BGEN) over the counted samples that have them, as plink2 computes
// them: each allele's summed dosage over twice the samples. With `all` (the counted samples are every sample of the
// file, once each) the reader's totals give them; else the samples' dosages (site.dosage, filled). False (and f
// left as it was) without any.
bool dosage_frequencies(const Site& site, const std::vector<int>& columns, bool all, std::vector<double>& f) {
    const size_t na = site.alleles.size();
    if (all && site.dosage_totals.size() == na) {
        if (site.dosage_samples == 0) return false;
        f.resize(na);
        for (size_t a = 0; a < na; ++a) f[a] = site.dosage_totals[a] / double(2 * site.dosage_samples);
        return true;
    }
    if (site.dosage.empty()) return false;
    std::vector<double> sum(na, 0.0);
    double total = 0;
    for (int c : columns) {
        if (c < 0) continue;
        const float* d = &site.dosage[size_t(c) * na];
        if (std::isnan(d[0])) continue;
        for (size_t a = 0; a < na; ++a) sum[a] += double(d[a]);
        total += 2;
    }
    if (total == 0) return false;
    f.resize(na);
    for (size_t a = 0; a < na; ++a) f[a] = sum[a] / total;
    return true;
}

// Whether `columns` holds every one of the file's n samples once.
bool every_sample(const std::vector<int>& columns, int n) {
    std::vector<char> seen(size_t(std::max(n, 0)), 0);
    int count = 0;
    for (int c : columns)
        if (c >= 0 && c < n && !seen[size_t(c)]) seen[size_t(c)] = 1, ++count;
    return count == n && int(columns.size()) == n;
}

// What one record means for the samples that are counted: shared by the per-sample and the cohort paths.
class RecordCounter {
public:
    RecordCounter(GenotypeReader& vcf, const GenomeSettings& st, const GeneSet* genes)
        : vcf_(vcf), site_(vcf.site()), st_(st), genes_(genes) {
        int64_t x_length = 0;
        for (auto& [name, length] : vcf.contigs())
            if (normalize_chrom(name) == "X") x_length = length;
        std::tie(par1_end_, par2_beg_) = x_par_bounds(st.x_par, x_length);
        if (genes_ && !st.consequences.empty())
            consequences_ = st.annotation_table.empty()
                                ? std::make_unique<ConsequenceFilter>(vcf, st.consequences, st.annotation)
                                : std::make_unique<ConsequenceFilter>(
                                      ConsequenceTable::shared(st.annotation_table, st.consequences));
        if (st.scores) state_.assign(st.scores->n_total(), 0);
    }

    // Prepares the current record: allele types, overlapping genes. False if it is filtered out.
    bool load() {
        const hts::Site& site = site_;
        if (st_.pass_only && !site.pass) return false;
        const size_t na = site.alleles.size();
        types_.assign(na, AlleleType::Unknown);
        transition_.assign(na, false);
        for (size_t a = 1; a < na; ++a) {
            types_[a] = allele_type(site.alleles[0], site.alleles[a]);
            if (types_[a] == AlleleType::SNP) transition_[a] = is_transition(site.alleles[0], site.alleles[a]);
        }
        hits_.clear();
        rare_.assign(na, true);
        if (site.contig != last_contig_) {
            last_contig_ = site.contig;
            norm_contig_ = normalize_chrom(site.contig);
            score_positions_ = st_.scores ? st_.scores->chrom(norm_contig_) : nullptr;
            contig_kind_ = norm_contig_ == "X" || norm_contig_ == "23" ? Kind::X
                           : !norm_contig_.empty() && std::all_of(norm_contig_.begin(), norm_contig_.end(), ::isdigit)
                               ? Kind::Autosome
                               : Kind::Other;
        }
        kind_ = contig_kind_;
        if (kind_ == Kind::X && (site.pos + 1 <= par1_end_ || site.pos + 1 >= par2_beg_)) kind_ = Kind::Other;
        f_valid_ = false;
        score_hits_.clear();
        dp_ = site.dp.empty() ? nullptr : site.dp.data();
        gq_ = site.gq.empty() ? nullptr : site.gq.data();
        if (kind_ != Kind::Other && st_.frequencies == FrequencySource::InfoAF) info_frequencies();
        if (genes_) {
            genes_->overlaps(norm_contig_, site.pos, site.pos + std::max<int64_t>(site.rlen, 1), hits_);
            if (!hits_.empty() && consequences_) consequences_->evaluate(vcf_);
            if (!hits_.empty() && !st_.burden_af_cohort) {
                const std::vector<float>& af = vcf_.allele_frequencies();
                for (size_t a = 1; a < na && a - 1 < af.size(); ++a)
                    if (!std::isnan(af[a - 1])) rare_[a] = af[a - 1] <= st_.max_af;
            }
        }
        return true;
    }

    const std::vector<uint32_t>& genes_hit() const { return hits_; }
    // Whether `columns` are every sample of the file, once each (worked out once)
    bool all_samples(const std::vector<int>& columns) {
        if (all_ < 0) all_ = every_sample(columns, vcf_.n_samples());
        return all_ == 1;
    }

    // Whether the current record (after load() and match_scores()) counts for QC only, so that its packed calls
    // can be counted instead (PackedQC): a biallelic diploid record in no gene and no score, without DP/GQ
    // thresholds; and then how its ALT allele and the record count.
    bool packed(PackedQC::Class& cls, PackedQC::FKind& f) const {
        const Site& site = site_;
        if (!hits_.empty() || !score_hits_.empty() || thresholds_ || site.alleles.size() != 2 || site.ploidy != 2)
            return false;
        switch (types_[1]) {
        case AlleleType::SNP: cls = transition_[1] ? PackedQC::Transition : PackedQC::Transversion; break;
        case AlleleType::Insertion: cls = PackedQC::Insertion; break;
        case AlleleType::Deletion: cls = PackedQC::Deletion; break;
        default: cls = PackedQC::OtherClass; break;
        }
        f = st_.frequencies != FrequencySource::Cohort || kind_ == Kind::Other ? PackedQC::NoF
            : kind_ == Kind::Autosome                                          ? PackedQC::Autosome
                                                                               : PackedQC::ChrX;
        return true;
    }

    // Before the samples of a cohort record are counted (after match_scores()): whether to tally its alleles for
    // cohort frequencies (het_f/sex_f, the scores' mean dosages), and max_af against the cohort's AC/AN (which
    // burden needs before counting, so it takes a pass of its own). `columns` must be the same for a counter.
    void prepare(const std::vector<int>& columns, bool in_window) {
        const hts::Site& site = site_;
        if (active_ < 0) active_ = int64_t(std::count_if(columns.begin(), columns.end(), [](int c) { return c >= 0; }));
        tally_ = in_window && st_.frequencies == FrequencySource::Cohort && site.ploidy > 0 &&
                 (kind_ != Kind::Other || !score_hits_.empty());
        defer_ = tally_ && kind_ != Kind::Other;
        if (tally_) counts_.assign(site.alleles.size(), 0), total_ = 0, other_called_ = 0;
        dosage_ = tally_ && dosage_frequencies(site, columns, all_samples(columns), dosage_freq_);
        if (st_.burden_af_cohort && !hits_.empty()) burden_frequencies(columns);
    }

    // After the samples of a cohort record are counted: its frequencies from the tally. The common diploid
    // reference call is not tallied one by one: those calls are what is left of the counted samples once the
    // uncalled ones (missing_) and the other calls are taken away. het_f/sex_f likewise: every counted sample
    // gets the record's N, O and E at the end of the region (finish_region); here the uncalled lose them again,
    // and the called non-homozygous ones lost their O in count().
    void settle() {
        if (!tally_) return;
        tally_ = false;
        const int64_t ref_calls = active_ - int64_t(missing_.size()) - other_called_;
        counts_[0] += 2 * ref_calls;
        total_ += 2 * ref_calls;
        // the allele frequencies: of the dosages when the record has them (as plink2's), else of the hard calls
        freq_.assign(counts_.size(), 0.0);
        if (dosage_) {
            freq_ = dosage_freq_;
        } else if (total_ > 0) {
            for (size_t a = 0; a < counts_.size(); ++a) freq_[a] = double(counts_[a]) / double(total_);
        }
        if (total_ == 0 && !dosage_) {  // nobody called (so nobody was heterozygous either)
            missing_.clear();
            return;
        }
        for (auto& h : score_hits_) h.mean_dosage = 2.0 * freq_[size_t(h.allele)];
        if (!defer_ || total_ == 0) {
            missing_.clear();
            return;
        }
        const int kk = kind_ == Kind::Autosome ? 0 : 1;
        bool mono = false;
        double e = 0;
        for (double p : freq_) {
            mono = mono || p == 1.0;
            e += p * p;
        }
        if (mono) {  // plink skips it (and then no call was heterozygous: nothing to undo)
            missing_.clear();
            return;
        }
        ++records_[kk];
        expected_[kk].add(e);
        for (GenomeQC* q : missing_)
            kk == 0 ? (--q->het_n, --q->het_o, q->het_e.add(-e)) : (--q->x_n, --q->x_o, q->x_e.add(-e));
        missing_.clear();
    }

    // At the end of a region: each counted sample gets the N, O and E of every record that counted.
    void finish_region(std::vector<GenomeQC>& qc, const std::vector<int>& columns) {
        for (size_t k = 0; k < columns.size(); ++k) {
            if (columns[k] < 0) continue;
            GenomeQC& q = qc[k];
            q.het_n += records_[0], q.het_o += records_[0], q.het_e.add(expected_[0]);
            q.x_n += records_[1], q.x_o += records_[1], q.x_e.add(expected_[1]);
        }
    }

    // Finds the score variants this record matches (call after load(), before prepare()). A variant
    // is taken from the first record at its position whose alleles fit it.
    void match_scores() {
        if (!score_positions_) return;
        const hts::Site& site = site_;
        auto it = score_positions_->find(site.pos + 1);
        if (it == score_positions_->end()) return;
        for (uint32_t v : it->second) {
            uint8_t& state = state_[v];
            if (state >= kAmbiguous) continue;
            if (state == kUntouched) touched_.push_back(v);
            int allele = -1;
            switch (st_.scores->fit(v, site.alleles, allele)) {
            case ScoreSet::Fit::Direct: state = kDirect; break;
            case ScoreSet::Fit::Flipped: state = kFlipped; break;
            case ScoreSet::Fit::Ambiguous: state = kAmbiguous; break;
            case ScoreSet::Fit::Mismatch: state = kMismatch; break;
            }
            if (state < kDirect) continue;
            ScoreHit h{v, allele, std::numeric_limits<double>::quiet_NaN()};
            if (st_.frequencies == FrequencySource::InfoAF) {
                const std::vector<float>& af = vcf_.allele_frequencies();
                if (af.size() == site.alleles.size() - 1) {
                    double p = 1;
                    if (allele > 0) p = af[allele - 1];
                    else
                        for (float x : af) p -= x;
                    if (std::isfinite(p) && p >= 0 && p <= 1) h.mean_dosage = 2 * p;
                }
            }
            score_hits_.push_back(h);
        }
        // the file's own allelefrequency_effect where no better frequency is known (cohort ones come later)
        for (auto& h : score_hits_) {
            const auto& var = st_.scores->variant(h.variant);
            if (std::isnan(h.mean_dosage) && var.effect_freq >= 0 && st_.frequencies != FrequencySource::Cohort)
                h.mean_dosage = 2 * var.effect_freq;
        }
    }

    bool scoring() const { return !score_hits_.empty(); }

    // Adds sample column `col`'s dosage x weight of every matched score variant at this record into sums
    // (one per score); missing or filtered genotypes add their mean dosage (counted in imputed) if known.
    void score(int col, ExactSum* sums, int64_t* imputed) const {
        if (score_hits_.empty()) return;
        const hts::Site& site = site_;
        if (!site.dosage.empty()) {  // dosages (BGEN): each sample's expected copies of the effect allele, as plink2
            const size_t na = site.alleles.size();
            const float* d = &site.dosage[size_t(col) * na];
            for (const ScoreHit& h : score_hits_) {
                const auto& var = st_.scores->variant(h.variant);
                if (std::isnan(d[0])) {
                    if (st_.score_mean_impute && !std::isnan(h.mean_dosage)) {
                        sums[var.score].add(var.weight * h.mean_dosage);
                        ++imputed[var.score];
                    }
                    continue;
                }
                const double x = double(d[size_t(h.allele)]);
                if (x != 0) sums[var.score].add(var.weight * x);
            }
            return;
        }
        const int ploidy = site.ploidy == 0 || filtered(col) ? -1 : call_ploidy(col);
        const bool missing = ploidy <= 0;
        const int32_t* g = missing ? nullptr : site.gt.data() + size_t(col) * site.ploidy;
        for (const ScoreHit& h : score_hits_) {
            const auto& var = st_.scores->variant(h.variant);
            if (missing) {
                if (st_.score_mean_impute && !std::isnan(h.mean_dosage)) {
                    sums[var.score].add(var.weight * h.mean_dosage);
                    ++imputed[var.score];
                }
                continue;
            }
            int dosage = 0;
            for (int i = 0; i < ploidy; ++i) dosage += bcf_gt_allele(g[i]) == h.allele;
            if (ploidy == 1) dosage *= 2;  // haploid calls as homozygous diploid (plink)
            if (dosage) sums[var.score].add(var.weight * dosage);
        }
    }

    // How the score variants met this file (or region): counts per score of the variants it saw.
    void finish_scores(std::vector<ScoreMatch>& match) const {
        if (!st_.scores) return;
        match.assign(st_.scores->size(), ScoreMatch{});
        for (uint32_t v : touched_) {
            ScoreMatch& m = match[st_.scores->variant(v).score];
            switch (state_[v]) {
            case kDirect: ++m.n_matched; break;
            case kFlipped: ++m.n_matched, ++m.n_flipped; break;
            case kAmbiguous: ++m.n_ambiguous; break;
            default: ++m.n_mismatch; break;
            }
        }
    }

    // Counts sample column `col` into q; for each alternate allele copy that counts towards burden, calls
    // add_burden(gene) for every overlapping gene.
    template <class AddBurden>
    void count(int col, GenomeQC& q, AddBurden&& add_burden) {
        const hts::Site& site = site_;
        // DP/GQ thresholds, as Hail's filter_entries: a genotype below either (or without the value) is left out
        // of every count
        if (thresholds_ && filtered(col)) {
            ++q.n_filtered;
            on_uncalled(q);
            return;
        }
        if (dp_ && dp_[col] != bcf_int32_missing) q.dp_sum += dp_[col], ++q.dp_n;
        if (gq_ && gq_[col] != bcf_int32_missing) q.gq_sum += gq_[col], ++q.gq_n;
        if (site.ploidy == 0) {
            ++q.n_not_called;
            return;
        }
        const int32_t* g = site.gt.data() + size_t(col) * site.ploidy;
        // the common case first: a diploid call of reference alleles
        if (site.ploidy == 2 && g[0] == bcf_gt_unphased(0) && (g[1] >> 1) == 1) {
            ++q.n_called;
            ++q.n_hom_ref;
            if (f_valid_) add_f(q, true);  // (a cohort tally counts these in settle())
            return;
        }
        const int ploidy = call_ploidy(col);
        if (ploidy <= 0) {
            ++q.n_not_called;
            on_uncalled(q);
            return;
        }
        ++q.n_called;
        const int n_allele = int(site.alleles.size());
        int a0 = bcf_gt_allele(g[0]);
        bool all_same = true, any_alt = false;
        for (int i = 0; i < ploidy; ++i) {
            int a = bcf_gt_allele(g[i]);
            if (a != a0) all_same = false;
            if (a != 0) any_alt = true;
            if (a < 0 || a >= n_allele)
                throw_malformed(vcf_.path() + ": record " + std::to_string(vcf_.records_read()) + " at " +
                                    site.contig + ":" + std::to_string(site.pos + 1) + " calls allele " +
                                    std::to_string(a) + " but has only " + std::to_string(n_allele) + " alleles",
                                "fix the genotype or the ALT column");
        }
        on_called(q, g, ploidy, all_same);
        if (!any_alt) {
            ++q.n_hom_ref;
            return;
        }
        if (all_same)
            ++q.n_hom_var;
        else
            ++q.n_het;
        for (int i = 0; i < ploidy; ++i) {
            int a = bcf_gt_allele(g[i]);
            if (a == 0) continue;
            switch (types_[a]) {
            case AlleleType::SNP:
                ++q.n_snp;
                (transition_[a] ? q.n_transition : q.n_transversion)++;
                break;
            case AlleleType::Insertion: ++q.n_insertion; break;
            case AlleleType::Deletion: ++q.n_deletion; break;
            default: break;
            }
            if (!hits_.empty() && rare_[a] && types_[a] != AlleleType::Star && types_[a] != AlleleType::Symbolic)
                for (uint32_t h : hits_)
                    if (!consequences_ || consequences_->qualifies(a, genes_->names()[h])) add_burden(h);
        }
    }

private:
    enum class Kind { Autosome, X, Other };  // X: outside the PARs
    enum : uint8_t { kUntouched, kMismatch, kAmbiguous, kDirect, kFlipped };
    struct ScoreHit {
        uint32_t variant;
        int allele;          // index of the effect allele in the record
        double mean_dosage;  // for missing genotypes; NaN if unknown
    };

    // Walks sample `col`'s genotype: its allele count (up to the vector end), or -1 when an allele is missing.
    int call_ploidy(int col) const {
        const hts::Site& site = site_;
        const int32_t* g = site.gt.data() + size_t(col) * site.ploidy;
        int ploidy = 0;
        for (; ploidy < site.ploidy && g[ploidy] != bcf_int32_vector_end; ++ploidy)
            if (bcf_gt_is_missing(g[ploidy])) return -1;
        return ploidy;
    }

    // DP/GQ thresholds (copied out of the settings so that the per-sample loop keeps them in registers)
    bool filtered(int col) const {
        return (min_dp_ > 0 && (!dp_ || dp_[col] == bcf_int32_missing || dp_[col] < min_dp_)) ||
               (min_gq_ > 0 && (!gq_ || gq_[col] == bcf_int32_missing || gq_[col] < min_gq_));
    }

    // max_af against AC/AN over the counted samples' called genotypes (haploid calls count one allele)
    void burden_frequencies(const std::vector<int>& columns) {
        const hts::Site& site = site_;
        if (site.ploidy == 0) return;
        const int na = int(site.alleles.size());
        ac_.assign(na, 0);
        int64_t an = 0;
        for (int col : columns) {
            if (col < 0 || filtered(col)) continue;
            const int ploidy = call_ploidy(col);
            if (ploidy <= 0) continue;
            const int32_t* g = site.gt.data() + size_t(col) * site.ploidy;
            if (std::any_of(g, g + ploidy, [&](int32_t x) { return bcf_gt_allele(x) >= na; })) continue;
            for (int i = 0; i < ploidy; ++i) ++ac_[bcf_gt_allele(g[i])];
            an += ploidy;
        }
        if (an > 0)
            for (int a = 1; a < na; ++a) rare_[a] = double(ac_[a]) / double(an) <= st_.max_af;
    }

    // A called genotype's part in het_f/sex_f: now (INFO/AF), or (cohort frequencies) only a non-homozygous call
    // loses the O that finish_region gives every sample; the tally of its alleles for the frequencies.
    void on_called(GenomeQC& q, const int32_t* g, int ploidy, bool hom) {
        if (!tally_) return add_f(q, hom);
        ++other_called_;
        for (int i = 0; i < ploidy; ++i) counts_[bcf_gt_allele(g[i])] += ploidy == 1 ? 2 : 1;  // haploid as plink
        total_ += ploidy == 1 ? 2 : ploidy;
        if (defer_ && !hom) (kind_ == Kind::Autosome ? q.het_o : q.x_o) -= 1;
    }
    void on_uncalled(GenomeQC& q) {
        if (tally_) missing_.push_back(&q);
    }

    void set_expected(double e) {
        f_valid_ = true;
        e_ = e;
    }

    // Frequencies from INFO/AF (plink --read-freq): every ALT needs a value; monomorphic sites are skipped.
    void info_frequencies() {
        const std::vector<float>& af = vcf_.allele_frequencies();
        const size_t n_alt = site_.alleles.size() - 1;
        if (af.size() != n_alt || n_alt == 0) return;
        double ref = 1, e = 0;
        for (float p : af) {
            if (std::isnan(p) || p < 0 || p >= 1) return;
            ref -= p;
            e += double(p) * p;
        }
        if (ref <= 0 || ref >= 1) return;
        set_expected(e + ref * ref);
    }

    void add_f(GenomeQC& q, bool hom) const {
        if (!f_valid_) return;
        if (kind_ == Kind::Autosome)
            ++q.het_n, q.het_o += hom, q.het_e.add(e_);
        else
            ++q.x_n, q.x_o += hom, q.x_e.add(e_);
    }

    GenotypeReader& vcf_;
    const Site& site_;  // the reader's current record (the same object for every record: one virtual call, once)
    const GenomeSettings& st_;
    const GeneSet* genes_;
    std::vector<AlleleType> types_;
    std::vector<bool> transition_, rare_;
    std::vector<uint32_t> hits_;
    std::string last_contig_, norm_contig_;
    Kind contig_kind_ = Kind::Other, kind_ = Kind::Other;
    int64_t par1_end_ = 0, par2_beg_ = 0;
    bool f_valid_ = false;
    double e_ = 0;  // expected homozygosity of the current record (INFO/AF)
    const int min_dp_ = st_.min_dp, min_gq_ = st_.min_gq;
    const bool thresholds_ = min_dp_ > 0 || min_gq_ > 0;
    const int32_t *dp_ = nullptr, *gq_ = nullptr;  // the current record's DP and GQ, or nullptr
    std::vector<int64_t> counts_, ac_;
    std::vector<double> freq_, dosage_freq_;
    bool dosage_ = false;  // the record's frequencies are its dosages' (dosage_freq_)
    int all_ = -1;         // whether the columns are every sample of the file (-1: not known yet)
    int64_t total_ = 0, other_called_ = 0, active_ = -1;
    bool tally_ = false, defer_ = false;
    std::vector<GenomeQC*> missing_;   // uncalled samples of the current record (cohort tally)
    int64_t records_[2] = {0, 0};  // per region: autosomes, chrX
    ExactSum expected_[2];
    std::unique_ptr<ConsequenceFilter> consequences_;
    // scores
    const ScoreSet::Positions* score_positions_ = nullptr;  // the current contig's score variants, if any
    std::vector<uint8_t> state_;  // per score variant
    std::vector<uint32_t> touched_;
    std::vector<ScoreHit> score_hits_;
};

}  // namespace

GenomeResult process_genome(const std::string& path, const std::string& sample_id, const GenomeSettings& settings,
                            const GeneSet* genes) {
    const std::unique_ptr<GenotypeReader> reader = open_genotypes(path, {}, false, settings.pool);
    GenotypeReader& vcf = *reader;
    int ns = vcf.n_samples();
    int col = -1;
    for (int i = 0; i < ns; ++i)
        if (vcf.sample_name(i) == sample_id) col = i;
    if (col < 0 && ns == 1) col = 0;
    if (col < 0)
        throw Error(ErrorKind::InconsistentInput,
                    path + ": sample '" + sample_id + "' is not among the file's " + std::to_string(ns) + " samples",
                    ns == 0 ? "the VCF has no sample columns; give a VCF with genotypes"
                            : "name the VCF column after the sample id, or give a single-sample VCF");
    GenomeResult res;
    if (genes) res.burden.assign(genes->size(), 0.0f);
    const size_t n_scores = settings.scores ? settings.scores->size() : 0;
    res.score_sums.assign(n_scores, ExactSum{});
    res.score_imputed.assign(n_scores, 0);
    RecordCounter counter(vcf, settings, genes);
    for (uint64_t records = 0; vcf.next(); ++records) {
        if ((records & 0xfff) == 0 && poll_stop()) throw Error(ErrorKind::Interrupted, path + ": stopped");
        if (!counter.load()) continue;
        counter.match_scores();
        counter.count(col, res.qc, [&](uint32_t gene) { res.burden[gene] += 1.0f; });
        if (counter.scoring()) counter.score(col, res.score_sums.data(), res.score_imputed.data());
    }
    counter.finish_scores(res.score_match);
    return res;
}

std::vector<int> sample_columns(const std::string& path, const std::vector<std::string>& ids,
                                const GenotypeOptions& options) {
    return sample_columns(*open_genotypes(path, options), ids);
}

std::vector<int> sample_columns(const GenotypeReader& vcf, const std::vector<std::string>& ids) {
    std::unordered_map<std::string, int> col;
    for (int i = 0; i < vcf.n_samples(); ++i) col.emplace(vcf.sample_name(i), i);
    std::vector<int> out;
    for (auto& id : ids) {
        auto it = col.find(id);
        out.push_back(it == col.end() ? -1 : it->second);
    }
    return out;
}

std::vector<Region> plan_regions(const std::string& path, const GeneSet* genes, int64_t target_bp,
                                 int64_t target_calls) {
    const std::unique_ptr<GenotypeReader> reader = open_genotypes(path);
    const GenotypeReader& vcf = *reader;
    std::vector<Region> regions;
    std::vector<char> owned(genes ? genes->size() : 0, 0);
    const int64_t kUnbounded = int64_t(1) << 40, kMinRegionSites = 10000;
    for (auto& [contig, length] : vcf.contigs()) {
        const std::string norm = normalize_chrom(contig);
        // genes of this contig, and the spans where they (or overlapping groups of them) lie
        std::vector<uint32_t> here;
        for (size_t g = 0; genes && g < genes->size(); ++g)
            if (genes->locus(g).chrom == norm) here.push_back(uint32_t(g));
        std::sort(here.begin(), here.end(), [&](uint32_t a, uint32_t b) {
            return genes->locus(a).beg != genes->locus(b).beg ? genes->locus(a).beg < genes->locus(b).beg : a < b;
        });
        std::vector<std::pair<int64_t, int64_t>> spans;
        for (uint32_t g : here) {
            const auto& l = genes->locus(g);
            if (!spans.empty() && l.beg < spans.back().second)
                spans.back().second = std::max(spans.back().second, l.end);
            else
                spans.push_back({l.beg, l.end});
        }
        int64_t L = length > 0 ? length : kUnbounded;
        // where to cut before genes move the cuts: every target_bp, or every so many sites when the reader knows
        // where its sites are
        std::vector<int64_t> base;
        const std::vector<int64_t>* sites = target_calls > 0 ? vcf.site_positions(contig) : nullptr;
        if (sites) {
            const size_t every = size_t(std::max<int64_t>(kMinRegionSites, target_calls / std::max(1, vcf.n_samples())));
            for (size_t i = every; i < sites->size(); i += every) base.push_back((*sites)[i]);
        } else {
            for (int64_t b = target_bp; length > 0 && b < L; b += target_bp) base.push_back(b);
        }
        std::vector<int64_t> cuts;
        for (int64_t b : base) {
            int64_t c = b;
            for (auto& [sb, se] : spans)
                if (sb < c && c < se) c = se;  // never cut inside a gene
            if (c < L && (cuts.empty() || c > cuts.back())) cuts.push_back(c);
        }
        cuts.push_back(L);
        int64_t prev = 0;
        for (int64_t c : cuts) {
            Region r;
            r.contig = contig;
            r.beg = r.qbeg = prev;
            r.end = r.qend = c;
            for (uint32_t g : here) {
                const auto& l = genes->locus(g);
                if (l.beg >= prev && (l.beg < c || c == L) && !owned[g]) {
                    r.genes.push_back(g);
                    owned[g] = 1;
                    r.qend = std::max(r.qend, l.end);
                }
            }
            regions.push_back(std::move(r));
            prev = c;
        }
    }
    if (regions.empty()) throw_malformed(path + ": the header declares no contigs", "add ##contig lines to the header");
    for (size_t g = 0; g < owned.size(); ++g)
        if (!owned[g]) regions.front().genes.push_back(uint32_t(g));  // on no contig of the file: stays zero
    return regions;
}

RegionResult process_region(GenotypeReader& vcf, const Region& region, const std::vector<int>& columns,
                            const GenomeSettings& settings, const GeneSet* genes) {
    RegionResult res;
    res.qc.resize(columns.size());
    const size_t n_scores = settings.scores ? settings.scores->size() : 0;
    res.score_sums.assign(columns.size() * n_scores, ExactSum{});
    res.score_imputed.assign(columns.size() * n_scores, 0);
    res.score_match.assign(n_scores, ScoreMatch{});
    res.burden.assign(region.genes.size(), std::vector<float>(columns.size(), 0.0f));
    std::vector<int> local(genes ? genes->size() : 0, -1);
    for (size_t i = 0; i < region.genes.size(); ++i) local[region.genes[i]] = int(i);
    if (!vcf.query(region.contig, region.qbeg, region.qend)) return res;
    RecordCounter counter(vcf, settings, genes);
    // records that count for QC only are counted from their packed calls when the reader has them; the others are
    // unpacked (fill_calls) and counted call by call
    std::unique_ptr<PackedQC> packed;
    if (settings.packed_calls) {
        vcf.defer_calls();
        packed = std::make_unique<PackedQC>(columns, vcf.n_samples());
    }
    PackedQC::Class cls = PackedQC::OtherClass;
    PackedQC::FKind fkind = PackedQC::NoF;
    std::vector<double> freq;  // (a record's dosage frequencies)
    const bool all = counter.all_samples(columns);
    GenomeQC scratch;
    const int* cols = columns.data();
    const size_t nc = columns.size();
    GenomeQC* qc = res.qc.data();
    while (vcf.next()) {
        const int64_t pos = vcf.site().pos;
        const bool in_window = pos >= region.beg && pos < region.end;
        if (!counter.load()) continue;
        bool owns_hit = false;
        for (uint32_t g : counter.genes_hit()) owns_hit = owns_hit || local[g] >= 0;
        if (!in_window && !owns_hit) continue;
        if (in_window) counter.match_scores();
        if (packed && in_window && vcf.packed_calls() && counter.packed(cls, fkind)) {
            // (a record with dosages, of some of the file's samples: their dosages, for their sums)
            if (fkind != PackedQC::NoF && !all && !vcf.site().dosage_totals.empty()) vcf.fill_calls();
            const bool by_dosage = fkind != PackedQC::NoF && dosage_frequencies(vcf.site(), columns, all, freq);
            packed->add(vcf.packed_calls(), cls, fkind, by_dosage ? &freq : nullptr);
            continue;
        }
        vcf.fill_calls();
        counter.prepare(columns, in_window);
        for (size_t k = 0; k < nc; ++k) {  // the hot loop: locals only, so that they stay in registers
            const int c = cols[k];
            if (c < 0) continue;
            GenomeQC& q = in_window ? qc[k] : scratch;
            counter.count(c, q, [&](uint32_t gene) {
                if (local[gene] >= 0) res.burden[local[gene]][k] += 1.0f;
            });
        }
        counter.settle();
        if (counter.scoring())  // only records that hold score variants (never outside the window)
            for (size_t k = 0; k < columns.size(); ++k)
                if (columns[k] >= 0)
                    counter.score(columns[k], &res.score_sums[k * n_scores], &res.score_imputed[k * n_scores]);
    }
    counter.finish_scores(res.score_match);
    counter.finish_region(res.qc, columns);
    if (packed) packed->finish(res.qc);
    return res;
}

}  // namespace precis

// Per-sample genome processing: Hail sample_qc metrics and gene burden, from one sample's VCF/BCF.
// No MPI here: the pipeline decides which rank calls process_genome for which sample.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "genome/reader.hpp"
#include "genome/scores.hpp"

namespace precis {
class GenotypeReader;
namespace hts {
class ThreadPool;
}

// Counts as Hail's sample_qc defines them (see CONTRACT.md for how they map to bcftools stats PSC).
struct GenomeQC {
    int64_t n_called = 0, n_not_called = 0, n_hom_ref = 0, n_het = 0, n_hom_var = 0;
    int64_t n_filtered = 0;  // genotypes left out by the DP/GQ thresholds (Hail: filtered entries)
    int64_t n_snp = 0, n_insertion = 0, n_deletion = 0, n_transition = 0, n_transversion = 0;
    double dp_sum = 0, gq_sum = 0;
    int64_t dp_n = 0, gq_n = 0;
    // Inbreeding coefficients as plink defines them: observed homozygous genotypes, their expected number (Nei,
    // sum of squared allele frequencies; an ExactSum, so that sums are exact in any order) and the genotypes
    // counted, over autosomes (plink2 --het) and over chrX outside the PARs (plink --check-sex).
    int64_t het_n = 0, het_o = 0, x_n = 0, x_o = 0;
    ExactSum het_e, x_e;

    int64_t n_non_ref() const { return n_het + n_hom_var; }
    // The raw counters, as numbers that sum exactly (integers below 2^53), and back.
    static constexpr size_t kRaw = 19 + 2 * ExactSum::kParts;
    void to_raw(double* out) const;
    void add_raw(const double* in);
    double call_rate() const;
    double r_ti_tv() const;
    double r_het_hom_var() const;
    double r_insertion_deletion() const;
    double dp_mean() const;
    double gq_mean() const;
    double het_f() const;  // plink2 --het F
    double sex_f() const;  // plink --check-sex F
};

// Sex from the chrX F: female below female_max_f, male above male_min_f, else ambiguous; "" without chrX data.
std::string infer_sex(double sex_f, double female_max_f, double male_min_f);

// Column names of qc/genome.tsv after sample_id, status, reason; values() gives them in the same order.
const std::vector<std::string>& genome_qc_columns();
std::vector<double> genome_qc_values(const GenomeQC& q);

// A gene set from a BED file (chrom, start, end, name); chromosome names are matched with or without 'chr'.
class GeneSet {
public:
    static GeneSet load(const std::string& bed_path);
    size_t size() const { return names_.size(); }
    const std::vector<std::string>& names() const { return names_; }
    struct Locus {
        std::string chrom;  // normalised (no 'chr')
        int64_t beg, end;
    };
    const Locus& locus(size_t gene) const { return loci_[gene]; }
    // Indices of genes overlapping [beg, end) (0-based) on chrom; appended to out.
    void overlaps(const std::string& chrom, int64_t beg, int64_t end, std::vector<uint32_t>& out) const;

private:
    struct Interval {
        int64_t beg, end;
        uint32_t gene;
    };
    struct Chrom {
        std::vector<Interval> iv;       // sorted by beg
        std::vector<int64_t> max_end;   // running max of end, for early stop
    };
    std::vector<std::string> names_;
    std::vector<Locus> loci_;
    std::vector<std::pair<std::string, Chrom>> chroms_;
    const Chrom* find(const std::string& chrom) const;
};

std::string normalize_chrom(const std::string& c);  // "chr1" -> "1", "chrM" -> "MT"

enum class AlleleType { SNP, MNP, Insertion, Deletion, Complex, Star, Symbolic, Unknown };
AlleleType allele_type(const std::string& ref, const std::string& alt);
bool is_transition(const std::string& ref, const std::string& alt);  // for SNPs

// Where the allele frequencies of het_f and sex_f come from: the cohort's own genotypes (a multi-sample file,
// each site's called genotypes of the counted samples), a record's INFO/AF, or nowhere (both stay NA).
enum class FrequencySource { None, Cohort, InfoAF };

struct GenomeSettings {
    bool pass_only = false;
    double max_af = 1.0;
    int min_dp = 0;  // genotypes with a lower (or missing) DP are filtered; 0 = no threshold
    int min_gq = 0;  // the same for GQ
    FrequencySource frequencies = FrequencySource::None;
    std::string x_par = "auto";  // chrX pseudo-autosomal regions left out of sex_f: auto | GRCh37 | GRCh38 | none
    // polygenic scores (nullptr: none). A missing or filtered genotype adds 2 x the effect allele's frequency
    // (from `frequencies`, else the file's allelefrequency_effect) when score_mean_impute, as plink2 --score does.
    const ScoreSet* scores = nullptr;
    bool score_mean_impute = true;
    // burden: only ALT alleles with one of these consequences (VEP CSQ or SnpEff ANN) for the gene count;
    // empty = every ALT allele. annotation: auto | csq | ann.
    std::vector<std::string> consequences;
    std::string annotation = "auto";
    std::string annotation_table;  // consequences from this per-variant table instead (genome/annotation.hpp)
    // max_af against the cohort's own AC/AN (the counted samples of a multi-sample file) instead of INFO/AF
    bool burden_af_cohort = false;
    // per-sample files: decompression threads (nullptr: none)
    hts::ThreadPool* pool = nullptr;
    // cohort regions of a reader with packed calls (PLINK 1): QC-only records are counted from the packed calls
    // (PackedQC); false counts every record call by call (the same numbers; for tests)
    bool packed_calls = true;
};

// The chrX PAR bounds (1-based, as plink --split-x: PAR when pos <= par1_end or pos >= par2_beg) for `x_par`,
// with auto deciding by the chrX length in the header (GRCh37 155,270,560; GRCh38 156,040,895; else none).
std::pair<int64_t, int64_t> x_par_bounds(const std::string& x_par, int64_t chrx_length);

struct GenomeResult {
    GenomeQC qc;
    std::vector<float> burden;  // one per gene of the GeneSet (alternate allele copies), empty if no gene set
    std::vector<ExactSum> score_sums;     // one per score of the ScoreSet
    std::vector<int64_t> score_imputed;   // missing genotypes given their mean dosage, per score
    std::vector<ScoreMatch> score_match;  // per score (n_variants left 0: the ScoreSet knows it)
};

// A piece of a multi-sample (cohort) VCF/BCF for one task. Sites whose POS lies in [beg, end) count towards QC;
// the genes the region owns get their whole burden column from it (it reads every record overlapping them).
struct Region {
    std::string contig;           // as the file names it
    int64_t beg = 0, end = 0;     // 0-based, half-open
    int64_t qbeg = 0, qend = 0;   // the span read: [beg, end) and the owned genes
    std::vector<uint32_t> genes;  // owned genes (GeneSet indices)
};

// Splits the file's contigs into regions of about `target_bp`, never inside a gene, so that every gene is owned by
// exactly one region (genes on contigs the file does not have are owned by the first region and stay zero). A
// reader that knows its sites' positions (GenotypeReader::site_positions: a PLINK .bim) is split by sites instead
// when target_calls > 0: regions of about target_calls calls (sites x samples), at least 10,000 sites.
// Deterministic: it depends only on the file's header (or site list), the genes and the targets.
std::vector<Region> plan_regions(const std::string& path, const GeneSet* genes, int64_t target_bp,
                                 int64_t target_calls = 0);

struct RegionResult {
    std::vector<GenomeQC> qc;                // one per entry of `columns`
    std::vector<std::vector<float>> burden;  // per owned gene (Region::genes order): one value per entry of columns
    std::vector<ExactSum> score_sums;        // columns x scores
    std::vector<int64_t> score_imputed;      // columns x scores
    std::vector<ScoreMatch> score_match;     // per score, for the sites of this region
};

// Counts the samples whose VCF columns are `columns` (-1 = not in the file: left at zero) over one region.
// `vcf` is the cohort file, opened once per worker with its index loaded (GenotypeReader::load_index).
RegionResult process_region(GenotypeReader& vcf, const Region& region, const std::vector<int>& columns,
                            const GenomeSettings& settings, const GeneSet* genes);

// The columns of `ids` among the file's samples (-1 where absent).
std::vector<int> sample_columns(const GenotypeReader& reader, const std::vector<std::string>& ids);
std::vector<int> sample_columns(const std::string& path, const std::vector<std::string>& ids,
                                const GenotypeOptions& options = {});

// Processes the sample `sample_id` from `path`. The VCF column used is the one named sample_id, or the only one.
// Throws MalformedInput / InconsistentInput naming the file and sample.
GenomeResult process_genome(const std::string& path, const std::string& sample_id, const GenomeSettings& settings,
                            const GeneSet* genes);

}  // namespace precis

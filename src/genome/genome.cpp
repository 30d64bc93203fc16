#include "genome/genome.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "core/error.hpp"
#include "core/table.hpp"
#include "genome/hts.hpp"

namespace precis {

namespace {
double ratio(double a, double b) { return b == 0 ? std::numeric_limits<double>::quiet_NaN() : a / b; }
}  // namespace

double GenomeQC::call_rate() const { return ratio(n_called, n_called + n_not_called); }
double GenomeQC::r_ti_tv() const { return ratio(n_transition, n_transversion); }
double GenomeQC::r_het_hom_var() const { return ratio(n_het, n_hom_var); }
double GenomeQC::r_insertion_deletion() const { return ratio(n_insertion, n_deletion); }
double GenomeQC::dp_mean() const { return ratio(dp_sum, dp_n); }
double GenomeQC::gq_mean() const { return ratio(gq_sum, gq_n); }

const std::vector<std::string>& genome_qc_columns() {
    static const std::vector<std::string> cols = {
        "n_called", "n_not_called", "call_rate", "n_hom_ref", "n_het", "n_hom_var", "n_non_ref", "n_snp",
        "n_insertion", "n_deletion", "n_transition", "n_transversion", "r_ti_tv", "r_het_hom_var",
        "r_insertion_deletion", "dp_mean", "gq_mean"};
    return cols;
}

std::vector<double> genome_qc_values(const GenomeQC& q) {
    return {double(q.n_called), double(q.n_not_called), q.call_rate(), double(q.n_hom_ref), double(q.n_het),
            double(q.n_hom_var), double(q.n_non_ref()), double(q.n_snp), double(q.n_insertion),
            double(q.n_deletion), double(q.n_transition), double(q.n_transversion), q.r_ti_tv(),
            q.r_het_hom_var(), q.r_insertion_deletion(), q.dp_mean(), q.gq_mean()};
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
        auto f = split_fields(line, '\t');
        if (f.size() < 4)
            throw_malformed(where(bed_path, lineno) + "a genes BED line needs 4 columns (chrom, start, end, name)",
                            "add the gene name as the 4th tab-separated column");
        int64_t beg, end;
        try {
            size_t p1, p2;
            beg = std::stoll(f[1], &p1);
            end = std::stoll(f[2], &p2);
            if (p1 != f[1].size() || p2 != f[2].size()) throw std::invalid_argument("x");
        } catch (const std::exception&) {
            throw_malformed(where(bed_path, lineno) + "start and end must be whole numbers");
        }
        if (beg < 0 || end <= beg) throw_malformed(where(bed_path, lineno) + "needs 0 <= start < end");
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
    }
    if (g.names_.empty()) throw_malformed(bed_path + ": no genes in the BED file");
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

GenomeResult process_genome(const std::string& path, const std::string& sample_id, const GenomeSettings& settings,
                            const GeneSet* genes) {
    hts::VcfReader vcf(path);
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
    res.vcf_sample = vcf.sample_name(col);
    GenomeQC& q = res.qc;
    if (genes) res.burden.assign(genes->size(), 0.0f);

    std::vector<std::string> chrom_names;  // normalised, by rid, filled lazily
    std::vector<uint32_t> hits;
    std::vector<AlleleType> types;
    while (vcf.next()) {
        bcf1_t* rec = vcf.record();
        if (settings.pass_only && !vcf.passes_filter()) continue;

        int32_t* dp;
        int ndp = vcf.format_int("DP", &dp);
        if (ndp >= ns && dp) {
            int per = ndp / ns;
            int32_t v = dp[col * per];
            if (v != bcf_int32_missing && v != bcf_int32_vector_end) q.dp_sum += v, ++q.dp_n;
        }
        int32_t* gq;
        int ngq = vcf.format_int("GQ", &gq);
        if (ngq >= ns && gq) {
            int per = ngq / ns;
            int32_t v = gq[col * per];
            if (v != bcf_int32_missing && v != bcf_int32_vector_end) q.gq_sum += v, ++q.gq_n;
        }

        int32_t* gt;
        int ngt = vcf.genotypes(&gt);
        if (ngt <= 0) {
            ++q.n_not_called;
            continue;
        }
        int ploidy_max = ngt / ns;
        int32_t* g = gt + col * ploidy_max;
        int ploidy = 0;
        bool missing = false;
        for (int i = 0; i < ploidy_max; ++i) {
            if (g[i] == bcf_int32_vector_end) break;
            ++ploidy;
            if (bcf_gt_is_missing(g[i])) missing = true;
        }
        if (ploidy == 0 || missing) {
            ++q.n_not_called;
            continue;
        }
        ++q.n_called;
        int a0 = bcf_gt_allele(g[0]);
        bool all_same = true, any_alt = false;
        for (int i = 0; i < ploidy; ++i) {
            int a = bcf_gt_allele(g[i]);
            if (a != a0) all_same = false;
            if (a != 0) any_alt = true;
            if (a < 0 || a >= rec->n_allele)
                throw_malformed(path + ": record " + std::to_string(vcf.records_read()) + " at " +
                                    vcf.contig(rec->rid) + ":" + std::to_string(rec->pos + 1) + " calls allele " +
                                    std::to_string(a) + " but has only " + std::to_string(rec->n_allele) + " alleles",
                                "fix the genotype or the ALT column");
        }
        if (!any_alt) {
            ++q.n_hom_ref;
            continue;
        }
        if (all_same)
            ++q.n_hom_var;
        else
            ++q.n_het;

        float* af = nullptr;
        int naf = genes ? vcf.info_float("AF", &af) : 0;
        bool overlaps_known = false;
        if (genes) {
            if (rec->rid >= static_cast<int>(chrom_names.size())) chrom_names.resize(rec->rid + 1);
            if (chrom_names[rec->rid].empty()) chrom_names[rec->rid] = normalize_chrom(vcf.contig(rec->rid));
            hits.clear();
            genes->overlaps(chrom_names[rec->rid], rec->pos, rec->pos + std::max<int64_t>(rec->rlen, 1), hits);
            overlaps_known = !hits.empty();
        }
        const std::string ref = rec->d.allele[0];
        for (int i = 0; i < ploidy; ++i) {
            int a = bcf_gt_allele(g[i]);
            if (a == 0) continue;
            const std::string alt = rec->d.allele[a];
            AlleleType t = allele_type(ref, alt);
            switch (t) {
            case AlleleType::SNP:
                ++q.n_snp;
                (is_transition(ref, alt) ? q.n_transition : q.n_transversion)++;
                break;
            case AlleleType::Insertion: ++q.n_insertion; break;
            case AlleleType::Deletion: ++q.n_deletion; break;
            default: break;
            }
            if (overlaps_known && t != AlleleType::Star && t != AlleleType::Symbolic) {
                bool rare = true;
                if (naf >= a && af && !bcf_float_is_missing(af[a - 1]) && !bcf_float_is_vector_end(af[a - 1]))
                    rare = af[a - 1] <= settings.max_af;
                if (rare)
                    for (uint32_t h : hits) res.burden[h] += 1.0f;
            }
        }
    }
    return res;
}

}  // namespace precis

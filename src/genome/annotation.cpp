#include "genome/annotation.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/error.hpp"
#include "core/table.hpp"
#include "genome/hts.hpp"

namespace precis {

namespace {
std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" '\""), b = s.find_last_not_of(" '\"");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Splits on `sep` without allocating a new vector each time.
void split_into(const std::string& s, char sep, std::vector<std::string>& out) {
    out.clear();
    size_t a = 0;
    for (size_t b; (b = s.find(sep, a)) != std::string::npos; a = b + 1) out.emplace_back(s, a, b - a);
    out.emplace_back(s, a);
}
}  // namespace

ConsequenceFilter::ConsequenceFilter(const GenotypeReader& vcf, const std::vector<std::string>& consequences,
                                     const std::string& which)
    : wanted_(consequences.begin(), consequences.end()) {
    std::string desc;
    if (which == "csq" || which == "auto") desc = vcf.info_description("CSQ"), key_ = "CSQ";
    if (desc.empty() && (which == "ann" || which == "auto")) desc = vcf.info_description("ANN"), key_ = "ANN";
    if (desc.empty())
        throw_malformed(vcf.path() + ": the header declares no INFO/" +
                            (which == "csq" ? std::string("CSQ") : which == "ann" ? "ANN" : "CSQ or INFO/ANN") +
                            ", so consequences cannot be filtered",
                        "annotate the file with Ensembl VEP (--vcf) or SnpEff, or remove "
                        "genome.features.gene_burden.consequences");
    vep_ = key_ == "CSQ";
    // VEP: '... Format: Allele|Consequence|IMPACT|SYMBOL|Gene|...'; SnpEff: "... 'Allele | Annotation | ...'"
    size_t at = vep_ ? desc.find("Format:") : desc.find('\'');
    if (at == std::string::npos && !vep_) at = desc.find(':');
    std::string format = at == std::string::npos ? "" : desc.substr(at + (vep_ ? 7 : 1));
    std::vector<std::string> names;
    split_into(format, '|', names);
    for (size_t i = 0; i < names.size(); ++i) {
        const std::string n = trim(names[i]);
        if (n == "Allele") f_allele_ = int(i);
        if (n == "Consequence" || n == "Annotation") f_consequence_ = int(i);
        if (n == "SYMBOL" || n == "Gene_Name") f_symbol_ = int(i);
        if (n == "Gene" || n == "Gene_ID") f_gene_ = int(i);
        if (n == "ALLELE_NUM") f_allele_num_ = int(i);
    }
    if (f_allele_ < 0 || f_consequence_ < 0)
        throw_malformed(vcf.path() + ": the INFO/" + key_ + " header gives no Allele and " +
                            (vep_ ? "Consequence" : "Annotation") + " fields in its format",
                        "annotate with a standard VEP or SnpEff version, whose header lists the fields");
}

void ConsequenceFilter::evaluate(GenotypeReader& vcf) {
    const auto& alleles = vcf.site().alleles;
    const size_t na = alleles.size();
    genes_.assign(na, {});
    any_gene_.assign(na, 0);
    if (!vcf.info_text(key_.c_str(), text_)) return;
    if (vep_ && f_allele_num_ < 0) {  // alleles as VEP writes them
        bool shared = na > 1, all_single = true;
        for (size_t a = 0; a < na; ++a) {
            const std::string& s = alleles[a];
            if (s.empty() || s[0] == '<' || s == "*") continue;
            if (s.size() != 1) all_single = false;
            if (s[0] != alleles[0][0]) shared = false;
        }
        vep_alleles_.assign(alleles.begin(), alleles.end());
        if (shared && !all_single)
            for (auto& s : vep_alleles_)
                if (!s.empty() && s[0] != '<' && s != "*") s = s.size() > 1 ? s.substr(1) : "-";
    }
    std::vector<std::string> entries, fields, terms;
    split_into(text_, ',', entries);
    for (const std::string& e : entries) {
        split_into(e, '|', fields);
        if (int(fields.size()) <= std::max(f_allele_, f_consequence_)) continue;
        int allele = -1;
        if (f_allele_num_ >= 0 && f_allele_num_ < int(fields.size())) {
            allele = std::atoi(fields[f_allele_num_].c_str());
        } else {
            const std::vector<std::string>& names = vep_ ? vep_alleles_ : alleles;
            for (size_t a = 1; a < na; ++a)
                if (names[a] == fields[f_allele_]) allele = int(a);
        }
        if (allele < 1 || allele >= int(na)) continue;
        split_into(fields[f_consequence_], '&', terms);
        if (std::none_of(terms.begin(), terms.end(), [&](const std::string& t) { return wanted_.count(t) > 0; }))
            continue;
        bool named = false;
        for (int f : {f_symbol_, f_gene_})
            if (f >= 0 && f < int(fields.size()) && !fields[f].empty()) {
                genes_[allele].push_back(fields[f]);
                named = true;
            }
        if (!named) any_gene_[allele] = 1;
    }
}

bool ConsequenceFilter::qualifies(int allele, const std::string& gene) const {
    if (allele < 0 || size_t(allele) >= genes_.size()) return false;
    if (any_gene_[allele]) return true;
    const auto& g = genes_[allele];
    return std::find(g.begin(), g.end(), gene) != g.end();
}

}  // namespace precis

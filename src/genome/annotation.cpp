#include "genome/annotation.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/table.hpp"
#include "genome/genome.hpp"
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
std::string upper(std::string_view s) {
    std::string u(s);
    for (char& c : u) c = char(std::toupper(static_cast<unsigned char>(c)));
    return u;
}

std::string table_key(const std::string& chrom, int64_t pos, std::string_view ref, std::string_view alt) {
    return normalize_chrom(chrom) + '\t' + std::to_string(pos) + '\t' + upper(ref) + '\t' + upper(alt);
}
}  // namespace

ConsequenceTable::ConsequenceTable(const std::string& path, const std::vector<std::string>& consequences)
    : path_(path) {
    const std::unordered_set<std::string> wanted(consequences.begin(), consequences.end());
    const char* names[] = {"chrom", "pos", "ref", "alt", "gene", "consequence"};
    int col[6] = {-1, -1, -1, -1, -1, -1};
    size_t width = 0;
    std::vector<std::string> fields, terms;
    auto at = [&](long line) { return path + " line " + std::to_string(line) + ": "; };
    hts::for_each_text_line(path, [&](std::string_view l, long line) {
        if (l.empty()) return;
        split_into(std::string(l), '\t', fields);
        if (width == 0) {  // the header
            for (size_t i = 0; i < fields.size(); ++i) {
                std::string n = fields[i];
                while (!n.empty() && n[0] == '#') n.erase(0, 1);
                for (char& c : n) c = char(std::tolower(static_cast<unsigned char>(c)));
                for (int k = 0; k < 6; ++k)
                    if (n == names[k] && col[k] < 0) col[k] = int(i);
            }
            for (int k = 0; k < 6; ++k)
                if (col[k] < 0)
                    throw_malformed(at(line) + "the header has no column '" + names[k] +
                                        "' (it needs chrom, pos, ref, alt, gene and consequence, tab-separated)",
                                    "add the header row, e.g. printf 'chrom\\tpos\\tref\\talt\\tgene\\tconsequence\\n'");
            width = fields.size();
            return;
        }
        if (fields.size() != width)
            throw_malformed(at(line) + std::to_string(fields.size()) + " fields where the header has " +
                                std::to_string(width),
                            "give every row the header's columns, tab-separated");
        split_into(fields[size_t(col[5])], '&', terms);
        bool hit = false;
        for (const std::string& t : terms) {
            size_t a = 0;  // ',' joins terms too
            for (size_t b; a <= t.size(); a = b + 1) {
                b = t.find(',', a);
                if (b == std::string::npos) b = t.size();
                if (wanted.count(t.substr(a, b - a))) hit = true;
            }
        }
        if (!hit) return;
        const std::string& alt = fields[size_t(col[3])];
        if (alt.empty() || alt.find(',') != std::string::npos || fields[size_t(col[2])].empty())
            throw_malformed(at(line) + "alt '" + alt + "': one REF and one ALT allele per row",
                            "split multiallelic records first (bcftools norm -m-) and annotate those");
        char* end = nullptr;
        const std::string& p = fields[size_t(col[1])];
        const long long pos = std::strtoll(p.c_str(), &end, 10);
        if (p.empty() || *end || pos < 1)
            throw_malformed(at(line) + "pos '" + p + "' is not a position (a whole number from 1)",
                            "give 1-based positions, as in VCF's POS");
        Entry& e = entries_[table_key(fields[size_t(col[0])], pos, fields[size_t(col[2])], alt)];
        const std::string& gene = fields[size_t(col[4])];
        if (gene.empty() || gene == ".")
            e.any_gene = true;
        else if (std::find(e.genes.begin(), e.genes.end(), gene) == e.genes.end())
            e.genes.push_back(gene);
    });
    if (width == 0)
        throw_malformed(path + ": the annotation table is empty",
                        "give a table with the header chrom, pos, ref, alt, gene, consequence and its rows");
}

std::shared_ptr<const ConsequenceTable> ConsequenceTable::shared(const std::string& path,
                                                                 const std::vector<std::string>& consequences) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const ConsequenceTable>> cache;
    std::string key = path + '\n' + file_stamp(path);  // (core/files.hpp)
    for (auto& c : consequences) key += '\n' + c;
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = cache[key];
    if (!slot) slot.reset(new ConsequenceTable(path, consequences));
    return slot;
}

const ConsequenceTable::Entry* ConsequenceTable::find(const std::string& chrom, int64_t pos, std::string_view ref,
                                                      std::string_view alt) const {
    auto it = entries_.find(table_key(chrom, pos, ref, alt));
    return it == entries_.end() ? nullptr : &it->second;
}

ConsequenceFilter::ConsequenceFilter(std::shared_ptr<const ConsequenceTable> table)
    : table_(std::move(table)), key_("table") {}

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
    if (table_) {
        const auto& site = vcf.site();
        for (size_t a = 1; a < na; ++a)
            if (const ConsequenceTable::Entry* e = table_->find(site.contig, site.pos + 1, alleles[0], alleles[a])) {
                genes_[a] = e->genes;
                any_gene_[a] = e->any_gene;
            }
        return;
    }
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

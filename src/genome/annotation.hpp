// Consequence annotations: Ensembl VEP's INFO/CSQ and SnpEff's INFO/ANN, read as far as gene burden needs them.
#pragma once
#include <string>
#include <unordered_set>
#include <vector>

namespace precis {
class GenotypeReader;

class ConsequenceFilter {
public:
    // `which`: csq, ann, or auto (CSQ if the header declares it, else ANN). Throws MalformedInput naming the file
    // when the chosen field is not declared or its header gives no Format of Allele|Consequence|...
    ConsequenceFilter(const GenotypeReader& vcf, const std::vector<std::string>& consequences,
                      const std::string& which);

    // Reads the current record's annotations: for each ALT (allele index >= 1), which genes have one of the
    // wanted consequences. VEP alleles are matched by ALLELE_NUM when present, else as VEP writes them (the
    // first base dropped when REF and every ALT share it, '-' for nothing left); SnpEff alleles as written.
    void evaluate(GenotypeReader& vcf);
    // Whether ALT `allele` has a wanted consequence for the gene called `gene` (its SYMBOL / Gene, or SnpEff's
    // Gene_Name / Gene_ID); an annotation that names no gene qualifies the allele for every gene.
    bool qualifies(int allele, const std::string& gene) const;
    const std::string& field() const { return key_; }

private:
    std::string key_;  // CSQ or ANN
    bool vep_ = true;
    int f_allele_ = -1, f_consequence_ = -1, f_symbol_ = -1, f_gene_ = -1, f_allele_num_ = -1;
    std::unordered_set<std::string> wanted_;
    std::vector<std::vector<std::string>> genes_;  // per allele index
    std::vector<char> any_gene_;
    std::string text_;
    std::vector<std::string> vep_alleles_;
};

}  // namespace precis

// Consequence annotations: Ensembl VEP's INFO/CSQ and SnpEff's INFO/ANN, or a per-variant table (for PLINK
// filesets and BGEN files, which have no INFO), read as far as gene burden needs them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace precis {
class GenotypeReader;

// genome.features.gene_burden.annotation_table: a TSV (plain or gzipped) with a header naming at least the columns
// chrom, pos (1-based), ref, alt (one ALT allele), gene and consequence (Sequence Ontology terms, several joined by
// '&' or ',' as VEP writes them); one row per allele and gene (bcftools +split-vep -d makes it from a VEP-annotated
// VCF). Only the rows with one of the wanted consequences are kept.
class ConsequenceTable {
public:
    struct Entry {
        std::vector<std::string> genes;  // genes the allele has a wanted consequence for
        bool any_gene = false;           // a row with no gene ('' or '.'): the allele counts for every gene
    };
    // Loaded once per process for the same file (path, size, time) and consequences; throws MalformedInput
    // naming the file, line and fix.
    static std::shared_ptr<const ConsequenceTable> shared(const std::string& path,
                                                          const std::vector<std::string>& consequences);
    // chrom as the genotype file names it ("chr1" and "1" are the same), pos 1-based; nullptr when none
    const Entry* find(const std::string& chrom, int64_t pos, std::string_view ref, std::string_view alt) const;
    size_t size() const { return entries_.size(); }
    const std::string& path() const { return path_; }

private:
    ConsequenceTable(const std::string& path, const std::vector<std::string>& consequences);
    std::string path_;
    std::unordered_map<std::string, Entry> entries_;  // "chrom\tpos\tREF\tALT"
};

class ConsequenceFilter {
public:
    // `which`: csq, ann, or auto (CSQ if the header declares it, else ANN). Throws MalformedInput naming the file
    // when the chosen field is not declared or its header gives no Format of Allele|Consequence|...
    ConsequenceFilter(const GenotypeReader& vcf, const std::vector<std::string>& consequences,
                      const std::string& which);
    // From a per-variant table instead: each ALT matched by chromosome, position, REF and ALT (not swapped).
    explicit ConsequenceFilter(std::shared_ptr<const ConsequenceTable> table);

    // Reads the current record's annotations: for each ALT (allele index >= 1), which genes have one of the
    // wanted consequences. VEP alleles are matched by ALLELE_NUM when present, else as VEP writes them (the
    // first base dropped when REF and every ALT share it, '-' for nothing left); SnpEff alleles as written.
    void evaluate(GenotypeReader& vcf);
    // Whether ALT `allele` has a wanted consequence for the gene called `gene` (its SYMBOL / Gene, or SnpEff's
    // Gene_Name / Gene_ID); an annotation that names no gene qualifies the allele for every gene.
    bool qualifies(int allele, const std::string& gene) const;
    const std::string& field() const { return key_; }

private:
    std::shared_ptr<const ConsequenceTable> table_;
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

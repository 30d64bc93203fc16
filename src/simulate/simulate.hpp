// `precis simulate`: a complete synthetic study with known truth. Same options and seed -> byte-identical files.
#pragma once
#include <cstdint>
#include <string>

namespace precis {

struct SimulateOptions {
    std::string out;
    int samples = 200;
    int subtypes = 3;
    uint64_t seed = 1;
    int proteins = 300;
    int genes = 60;
    int planted_proteins = 10;   // per subtype, raised in that subtype
    int planted_genes = 3;       // per subtype, with extra rare variants in that subtype
    double effect = 1.5;         // log2 abundance shift of planted proteins
    double burden_base = 1.0;    // mean variants per gene per sample
    double burden_planted = 4.0; // mean variants in a planted gene, in its subtype
    double missing = 0.03;       // share of abundances missing at random
    int resamples = 100;         // written into study.yaml
    int batches = 0;             // plates: each sample on one, each protein shifted on each plate (0: none)
    double batch_effect = 1.0;   // sd of the plates' log2 shifts, per protein
    int populations = 0;         // genetic ancestries: the genome becomes one cohort VCF with ancestry SNVs
    double population_effect = 1.0;  // sd of each population's log2 shift of each protein
    int ancestry_snps = 2000;    // SNVs whose frequencies differ between the populations (Fst 0.1)
    int cohort = 0;              // > 0: a further cohort from the same truth, new samples (ids C<cohort>S00001...)
    std::string genotype_format = "vcf";  // vcf; plink: the cohort's genotypes as one PLINK 1 fileset (cohort.bed);
                                          // bgen: as one BGEN 1.2 file (cohort.bgen, cohort.sample)
};

// Writes the study into opts.out (created if needed). Throws Config for impossible options, IO on write failures.
void simulate(const SimulateOptions& opts);

}  // namespace precis

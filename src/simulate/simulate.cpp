#include "simulate/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <vector>

#include <zlib.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/table.hpp"
#include "genome/hts.hpp"

namespace fs = std::filesystem;

namespace precis {

namespace {

struct Chrom {
    std::string name;  // as in the VCFs ("chr1"); the BED omits "chr" on purpose, as real files often do
    int64_t length;
};
const std::vector<Chrom> kChroms = {{"chr1", 248956422}, {"chr2", 242193529}, {"chr3", 198295559},
                                    {"chr4", 190214555}, {"chrX", 156040895}};

// The cohort's calls as a PLINK 1 fileset (PREFIX.bed SNP-major, .bim, .fam): every site of any sample, a sample
// without a call there (or with other alleles at that position, a rare collision) homozygous REF; REF is A2 and ALT
// A1, as plink2 imports a VCF; a haploid call is stored as its homozygote, as plink does.
void write_plink(const std::string& prefix,
                 const std::vector<std::map<std::pair<int, int64_t>, std::pair<std::string, std::string>>>& calls,
                 const std::vector<std::string>& ids, const std::vector<std::string>& sex) {
    std::map<std::pair<int, int64_t>, std::string> alleles;
    for (auto& c : calls)
        for (auto& [key, call] : c) alleles.emplace(key, call.first);
    const size_t n = ids.size(), bytes = (n + 3) / 4;
    std::string fam, bim, bed = "\x6c\x1b\x01";
    for (size_t i = 0; i < n; ++i)
        fam += ids[i] + "\t" + ids[i] + "\t0\t0\t" + (sex[i] == "M" ? "1" : sex[i] == "F" ? "2" : "0") + "\t-9\n";
    for (auto& [key, al] : alleles) {
        const std::string chrom = kChroms[size_t(key.first)].name.substr(3), ref = al.substr(0, al.find('\t')),
                          alt = al.substr(al.find('\t') + 1), pos = std::to_string(key.second);
        bim += chrom + "\t" + chrom + ":" + pos + "\t0\t" + pos + "\t" + alt + "\t" + ref + "\n";
        std::string row(bytes, '\0');
        for (size_t i = 0; i < n; ++i) {
            auto it = calls[i].find(key);
            const std::string gt = it != calls[i].end() && it->second.first == al ? it->second.second : "0/0";
            const int alts = int(std::count(gt.begin(), gt.end(), '1'));
            // 2-bit codes: 00 A1/A1, 01 missing, 10 A2/A1, 11 A2/A2
            unsigned code = gt[0] == '.' ? 1u : gt.size() == 1 ? (alts ? 0u : 3u) : alts == 2 ? 0u : alts == 1 ? 2u : 3u;
            row[i / 4] = char(static_cast<unsigned char>(row[i / 4]) | (code << (2 * (i % 4))));
        }
        bed += row;
    }
    write_file_atomic(prefix + ".fam", fam);
    write_file_atomic(prefix + ".bim", bim);
    write_file_atomic(prefix + ".bed", bed);
}

template <class T>
void put_le(std::string& s, T v) {  // (BGEN's integers are little-endian, as this machine's)
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// The cohort's calls as BGEN 1.2 (layout 2, zlib, 8 bits per probability, the ids in the file and in PREFIX.sample):
// every site of any sample, as write_plink; REF the first allele; each call certain (probability 1); a haploid
// call of ploidy 1; a missing call flagged missing.
void write_bgen(const std::string& prefix,
                const std::vector<std::map<std::pair<int, int64_t>, std::pair<std::string, std::string>>>& calls,
                const std::vector<std::string>& ids, const std::vector<std::string>& sex) {
    std::map<std::pair<int, int64_t>, std::string> alleles;
    for (auto& c : calls)
        for (auto& [key, call] : c) alleles.emplace(key, call.first);
    const size_t n = ids.size();
    std::string samples;
    put_le<uint32_t>(samples, 0);
    put_le<uint32_t>(samples, uint32_t(n));
    for (auto& id : ids) put_le<uint16_t>(samples, uint16_t(id.size())), samples += id;
    const uint32_t lsi = uint32_t(samples.size());
    std::memcpy(&samples[0], &lsi, 4);
    std::string out;
    put_le<uint32_t>(out, 20 + lsi);
    put_le<uint32_t>(out, 20);
    put_le<uint32_t>(out, uint32_t(alleles.size()));
    put_le<uint32_t>(out, uint32_t(n));
    out += "bgen";
    put_le<uint32_t>(out, 1u | 2u << 2 | 1u << 31);  // zlib, layout 2, sample ids
    out += samples;
    std::string block;
    std::vector<unsigned char> packed;
    for (auto& [key, al] : alleles) {
        const std::string chrom = kChroms[size_t(key.first)].name.substr(3), ref = al.substr(0, al.find('\t')),
                          alt = al.substr(al.find('\t') + 1), id = chrom + ":" + std::to_string(key.second);
        for (int k = 0; k < 2; ++k) put_le<uint16_t>(out, uint16_t(id.size())), out += id;  // (id and rsid)
        put_le<uint16_t>(out, uint16_t(chrom.size())), out += chrom;
        put_le<uint32_t>(out, uint32_t(key.second));
        put_le<uint16_t>(out, 2);
        for (const std::string* a : {&ref, &alt}) put_le<uint32_t>(out, uint32_t(a->size())), out += *a;
        // probability data: ploidy bytes, then per sample P(REF/REF), P(REF/ALT) (diploid) or P(REF) (haploid)
        block.clear();
        put_le<uint32_t>(block, uint32_t(n));
        put_le<uint16_t>(block, 2);
        std::string ploidy;
        std::vector<uint8_t> values;
        for (size_t i = 0; i < n; ++i) {
            auto it = calls[i].find(key);
            const std::string gt = it != calls[i].end() && it->second.first == al ? it->second.second : "0/0";
            const int alts = int(std::count(gt.begin(), gt.end(), '1'));
            if (gt[0] == '.') {
                ploidy += char(0x82);  // missing, diploid: its two values are there, zero
                values.insert(values.end(), {0, 0});
            } else if (gt.size() == 1) {
                ploidy += char(1);
                values.push_back(alts ? 0 : 255);
            } else {
                ploidy += char(2);
                values.push_back(alts == 0 ? 255 : 0);
                values.push_back(alts == 1 ? 255 : 0);
            }
        }
        uint8_t lo = 2;
        for (char c : ploidy) lo = std::min<uint8_t>(lo, uint8_t(c & 63));
        put_le<uint8_t>(block, lo);
        put_le<uint8_t>(block, 2);
        block += ploidy;
        put_le<uint8_t>(block, 0);  // unphased
        put_le<uint8_t>(block, 8);
        block.append(reinterpret_cast<const char*>(values.data()), values.size());
        uLongf size = compressBound(uLong(block.size()));
        packed.resize(size);
        if (compress2(packed.data(), &size, reinterpret_cast<const Bytef*>(block.data()), uLong(block.size()), 6) != Z_OK)
            throw_io(prefix + ".bgen: cannot compress a genotype block", "report this as a bug");
        put_le<uint32_t>(out, uint32_t(size + 4));
        put_le<uint32_t>(out, uint32_t(block.size()));
        out.append(reinterpret_cast<const char*>(packed.data()), size);
    }
    std::string sample = "ID_1 ID_2 missing sex\n0 0 0 D\n";
    for (size_t i = 0; i < n; ++i)
        sample += ids[i] + " " + ids[i] + " 0 " + (sex[i] == "M" ? "1" : sex[i] == "F" ? "2" : "NA") + "\n";
    write_file_atomic(prefix + ".sample", sample);
    write_file_atomic(prefix + ".bgen", out);
}

struct Gene {
    int chrom;
    int64_t beg, end;  // 0-based, half-open
    std::string name;
};

// A fixed pseudo-reference: the base at a position depends only on (chrom, pos).
char ref_base(int chrom, int64_t pos) {
    uint64_t s = (uint64_t(chrom) << 40) ^ uint64_t(pos);
    return "ACGT"[splitmix64(s) & 3];
}

std::string fmtf(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

struct SimVariant {
    int64_t pos;  // 1-based
    std::string ref, alt;
};

SimVariant make_variant(int chrom, int64_t pos, Rng& rng) {
    SimVariant s{pos, std::string(1, ref_base(chrom, pos)), ""};
    double u = rng.uniform();
    if (u < 0.85) {  // SNV; transitions twice as likely as transversions, as in real genomes (Ti/Tv ~ 2)
        static const char* transition = "GTAC";   // partner of A, C, G, T
        static const char* transv[4] = {"CT", "AG", "CT", "AG"};
        int b = int(std::string("ACGT").find(s.ref[0]));
        s.alt = std::string(1, rng.uniform() < 0.67 ? transition[b] : transv[b][rng.below(2)]);
    } else if (u < 0.93) {
        s.alt = s.ref;
        int len = 1 + int(rng.below(3));
        for (int i = 0; i < len; ++i) s.alt += "ACGT"[rng.below(4)];
    } else {
        int len = 1 + int(rng.below(3));
        s.alt = s.ref;
        for (int i = 1; i <= len; ++i) s.ref += ref_base(chrom, pos + i);
    }
    return s;
}

// A confounder planted in the samples: `groups` balanced groups in a random order of their own, and for each group
// a log2 shift of every protein drawn from N(0, effect).
void plant_groups(Rng& r, int samples, int groups, int proteins, double effect, std::vector<int>& group,
                  std::vector<std::vector<double>>& shift) {
    std::vector<int> order(samples);
    std::iota(order.begin(), order.end(), 0);
    for (int i = samples - 1; i > 0; --i) std::swap(order[i], order[r.below(i + 1)]);
    for (int i = 0; i < samples; ++i) group[order[i]] = i % groups;
    shift.assign(size_t(groups), {});
    for (auto& sh : shift)
        for (int p = 0; p < proteins; ++p) sh.push_back(r.normal(0, effect));
}

}  // namespace

void simulate(const SimulateOptions& o) {
    if (o.samples < 4) throw_config("--samples must be at least 4", "ask for more samples");
    if (o.subtypes < 1 || o.subtypes > o.samples / 2)
        throw_config("--subtypes must be between 1 and half the number of samples",
                     "raise --samples or lower --subtypes");
    if (o.proteins < o.subtypes * o.planted_proteins || o.genes < o.subtypes * o.planted_genes)
        throw_config("--proteins/--genes are too few for the planted features of every subtype",
                     "raise --proteins / --genes or lower --subtypes");
    if (o.batches < 0 || o.batches == 1 || o.batches > o.samples / 2)
        throw_config("--batches must be 0 (none) or between 2 and half the number of samples",
                     "choose --batches 0, or 2 to " + std::to_string(o.samples / 2));
    if (!(o.batch_effect >= 0)) throw_config("--batch-effect must be 0 or more", "give the sd of the plate shifts");
    if (o.populations < 0 || o.populations == 1 || o.populations > o.samples / 2)
        throw_config("--populations must be 0 (none) or between 2 and half the number of samples",
                     "choose --populations 0, or 2 to " + std::to_string(o.samples / 2));
    if (o.genotype_format != "vcf" && o.genotype_format != "plink" && o.genotype_format != "bgen")
        throw_config("--genotype-format must be vcf, plink or bgen, not '" + o.genotype_format + "'",
                     "choose vcf (per-sample VCFs, or a cohort VCF with --populations), plink (a cohort .bed) or "
                     "bgen (a cohort .bgen)");
    if (!(o.population_effect >= 0) || o.ancestry_snps < 100 || o.ancestry_snps > 1000000)
        throw_config("--population-effect must be 0 or more and --ancestry-snps between 100 and 1,000,000",
                     "give the sd of the populations' protein shifts and the number of ancestry SNVs");
    std::error_code ec;
    fs::create_directories(fs::path(o.out) / "vcf", ec);
    fs::create_directories(fs::path(o.out) / "proteome", ec);
    if (ec) throw_io("cannot create " + o.out + ": " + ec.message(), "choose a folder you can write");
    const std::string dir = o.out;

    Rng rng(derive_seed(o.seed, {STAGE_SIMULATE, 0}));

    // genes: spread over the autosomes, 20 kb each, 100 kb apart
    std::vector<Gene> genes;
    for (int g = 0; g < o.genes; ++g) {
        int chrom = g % 4;
        int64_t beg = 1000000 + int64_t(g / 4) * 100000;
        char name[32];
        std::snprintf(name, sizeof name, "GENE%04d", g + 1);
        genes.push_back({chrom, beg, beg + 20000, name});
    }
    // planted: subtype s raises proteins [s*P, (s+1)*P) of a shuffled order, and genes likewise
    auto shuffled = [&](int n) {
        std::vector<int> v(n);
        std::iota(v.begin(), v.end(), 0);
        for (int i = n - 1; i > 0; --i) std::swap(v[i], v[rng.below(i + 1)]);
        return v;
    };
    std::vector<int> prot_order = shuffled(o.proteins), gene_order = shuffled(o.genes);
    std::vector<int> prot_subtype(o.proteins, -1), gene_subtype(o.genes, -1);
    for (int s = 0; s < o.subtypes; ++s) {
        for (int i = 0; i < o.planted_proteins; ++i) prot_subtype[prot_order[s * o.planted_proteins + i]] = s;
        for (int i = 0; i < o.planted_genes; ++i) gene_subtype[gene_order[s * o.planted_genes + i]] = s;
    }
    std::vector<double> prot_mean(o.proteins);
    for (auto& m : prot_mean) m = rng.normal(22.0, 2.0);
    // a further cohort from the same truth (the proteins, markers and genes above): its samples from streams of
    // their own
    if (o.cohort > 0) rng = Rng(derive_seed(o.seed, {STAGE_SIMULATE, 5, uint64_t(o.cohort)}));
    auto sample_stream = [&](uint64_t what, int i) {
        return o.cohort > 0 ? derive_seed(o.seed, {STAGE_SIMULATE, what, uint64_t(i), 1000 + uint64_t(o.cohort)})
                            : derive_seed(o.seed, {STAGE_SIMULATE, what, uint64_t(i)});
    };

    // samples: balanced subtypes in shuffled order
    std::vector<int> perm = shuffled(o.samples);
    std::vector<int> subtype(o.samples);
    std::vector<std::string> ids(o.samples), sex(o.samples), pheno(o.samples);
    std::vector<double> age(o.samples);
    for (int i = 0; i < o.samples; ++i) {
        char id[32];
        if (o.cohort > 0)
            std::snprintf(id, sizeof id, "C%dS%05d", o.cohort, i + 1);
        else
            std::snprintf(id, sizeof id, "S%05d", i + 1);
        ids[i] = id;
        subtype[i] = perm[i] % o.subtypes;
        sex[i] = rng.uniform() < 0.5 ? "F" : "M";
        age[i] = std::round(std::clamp(rng.normal(58, 9), 30.0, 90.0));
        pheno[i] = rng.uniform() < (subtype[i] == 0 ? 0.7 : 0.3) ? "case" : "control";
    }

    // overall survival (a stream per sample, so that the rest is the same as without it): an exponential time to
    // death whose hazard grows with the subtype (hazard ratio exp(0.7) per subtype after the first) and with age
    // (exp(0.02) per year), censored uniformly between 1 and 10 years
    std::vector<double> os_days(o.samples);
    std::vector<int> death(o.samples);
    for (int i = 0; i < o.samples; ++i) {
        Rng sr(sample_stream(6, i));
        const double rate = std::exp(0.7 * subtype[i] + 0.02 * (age[i] - 58)) / 1500.0;
        const double t_death = -std::log(1 - sr.uniform()) / rate, t_censor = 365 + sr.uniform() * 9 * 365;
        death[i] = t_death <= t_censor;
        os_days[i] = std::max(1.0, std::round(std::min(t_death, t_censor)));
    }

    // plates (a stream of their own, so that the rest is the same with and without them): balanced, independent
    // of the subtypes, each with its own log2 shift of every protein
    std::vector<int> plate(o.samples, -1);
    std::vector<std::vector<double>> plate_shift;
    if (o.batches > 0) {
        Rng pr(derive_seed(o.seed, {STAGE_SIMULATE, 2}));
        plant_groups(pr, o.samples, o.batches, o.proteins, o.batch_effect, plate, plate_shift);
    }
    auto plate_name = [](int b) { return "P" + std::to_string(b + 1); };
    // populations (a stream of their own): balanced, independent of the subtypes and plates; each shifts every
    // protein, and has its own allele frequencies at the ancestry SNVs (Fst 0.1: each frequency drawn around the
    // ancestral one with variance Fst p(1 - p))
    std::vector<int> population(o.samples, -1);
    std::vector<std::vector<double>> pop_shift;
    std::vector<std::vector<double>> pop_freq(size_t(std::max(o.populations, 0)));
    if (o.populations > 0) {
        Rng qr(derive_seed(o.seed, {STAGE_SIMULATE, 3}));
        plant_groups(qr, o.samples, o.populations, o.proteins, o.population_effect, population, pop_shift);
        std::vector<double> anc(size_t(o.ancestry_snps));
        for (auto& a : anc) a = 0.05 + 0.9 * qr.uniform();
        const double f = 0.1;
        for (auto& fr : pop_freq)
            for (double a : anc)  // Balding-Nichols' mean and variance, by a normal draw
                fr.push_back(std::clamp(a + qr.normal(0, std::sqrt(f * a * (1 - a))), 0.01, 0.99));
    }
    const bool plink = o.genotype_format == "plink", bgen = o.genotype_format == "bgen";
    const bool one_file = o.populations > 0 || plink || bgen;  // the cohort's genotypes in one file
    auto population_name = [](int q) { return "POP" + std::to_string(q + 1); };
    // with populations or as PLINK, each sample's calls go into one cohort file instead of a file of its own
    std::vector<std::map<std::pair<int, int64_t>, std::pair<std::string, std::string>>> calls(
        one_file ? size_t(o.samples) : 0);  // (chrom, pos) -> ("REF\tALT", GT)

    // genes.bed
    {
        std::string bed;
        for (auto& g : genes)
            bed += kChroms[g.chrom].name.substr(3) + "\t" + std::to_string(g.beg) + "\t" + std::to_string(g.end) +
                   "\t" + g.name + "\n";
        write_file_atomic(dir + "/genes.bed", bed);
    }

    // per-sample files, each from its own random stream (so threads do not change them)
    std::string first_error;
#pragma omp parallel for schedule(dynamic, 4)
    for (int i = 0; i < o.samples; ++i) {
        try {
            Rng r(sample_stream(1, i));
            bool male = sex[i] == "M";
            // --- genome
            std::map<std::pair<int, int64_t>, std::pair<SimVariant, std::string>> sites;  // (chrom, pos) -> site, GT
            auto add = [&](int chrom, int64_t pos, const std::string& gt, bool variant) {
                SimVariant s = variant ? make_variant(chrom, pos, r) : SimVariant{pos, std::string(1, ref_base(chrom, pos)), "."};
                if (!variant) {  // a reference call still needs an ALT to be a site; use a SNV allele
                    char b;
                    do b = "ACGT"[r.below(4)];
                    while (b == s.ref[0]);
                    s.alt = std::string(1, b);
                }
                sites.emplace(std::make_pair(chrom, pos), std::make_pair(s, gt));
            };
            auto variant_gt = [&](bool haploid) {
                if (haploid) return std::string(r.uniform() < 0.5 ? "1" : "0");
                double u = r.uniform();
                return std::string(u < 0.65 ? "0/1" : (u < 0.7 ? "0|1" : "1/1"));
            };
            for (int g = 0; g < o.genes; ++g) {
                double lambda = gene_subtype[g] == subtype[i] ? o.burden_planted : o.burden_base;
                unsigned nv = r.poisson(lambda);
                for (unsigned v = 0; v < nv; ++v) {
                    int64_t pos = genes[g].beg + 1 + int64_t(r.below(genes[g].end - genes[g].beg - 5));
                    add(genes[g].chrom, pos, r.uniform() < 0.8 ? "0/1" : "1/1", true);
                }
            }
            for (int b = 0; b < 150; ++b) {  // background: outside the genes, reference calls and common variants
                int chrom = int(r.below(4));
                int64_t pos = 500000 + int64_t(r.below(20000000));
                double u = r.uniform();
                if (u < 0.03)
                    add(chrom, pos, "./.", true);
                else if (u < 0.4)
                    add(chrom, pos, "0/0", false);
                else
                    add(chrom, pos, variant_gt(false), true);
            }
            for (int b = 0; b < 20; ++b) {  // chrX: haploid calls for males
                int64_t pos = 2800000 + int64_t(r.below(100000000));
                add(4, pos, variant_gt(male), true);
            }
            if (one_file) {
                for (auto& [key, sg] : sites) calls[size_t(i)][key] = {sg.first.ref + "\t" + sg.first.alt, sg.second};
                // the ancestry SNVs: chr1-chr4 from 30 Mb, 1 kb apart (away from the genes and the background)
                if (o.populations > 0) {
                    Rng ar(sample_stream(4, i));
                    const auto& fr = pop_freq[size_t(population[i])];
                    for (int j = 0; j < o.ancestry_snps; ++j) {
                        const int chrom = j % 4;
                        const int64_t pos = 30000000 + int64_t(j / 4) * 1000;
                        const int g = (ar.uniform() < fr[size_t(j)]) + (ar.uniform() < fr[size_t(j)]);
                        const char ref = ref_base(chrom, pos), alt = "ACGT"[(std::string("ACGT").find(ref) + 1) % 4];
                        calls[size_t(i)][{chrom, pos}] = {std::string(1, ref) + "\t" + std::string(1, alt),
                                                           g == 0 ? "0/0" : g == 1 ? "0/1" : "1/1"};
                    }
                }
            }
            std::string vcf = "##fileformat=VCFv4.2\n##source=precis-simulate\n";
            for (auto& c : kChroms)
                vcf += "##contig=<ID=" + c.name + ",length=" + std::to_string(c.length) + ">\n";
            vcf += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
                   "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Read depth\">\n"
                   "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Genotype quality\">\n"
                   "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" +
                   ids[i] + "\n";
            for (auto& [key, sg] : sites) {
                auto& [s, gt] = sg;
                int dp = 8 + int(r.poisson(22));
                int gq = std::min(99, 5 + int(r.poisson(45)));
                std::string call = gt == "./." ? "./.:.:." : gt + ":" + std::to_string(dp) + ":" + std::to_string(gq);
                vcf += kChroms[key.first].name + "\t" + std::to_string(s.pos) + "\t.\t" + s.ref + "\t" + s.alt +
                       "\t50\tPASS\t.\tGT:DP:GQ\t" + call + "\n";
            }
            if (!one_file) {
                std::string vpath = dir + "/vcf/" + ids[i] + ".vcf.gz";
                hts::BgzfWriter w(vpath);
                w.write(vcf);
                w.close();
                hts::tabix_index_vcf(vpath);
            }

            // --- proteome
            double offset = r.normal(0, 0.3);  // loading differences that median normalisation removes
            std::string tsv = "protein_id\tabundance\n";
            for (int p = 0; p < o.proteins; ++p) {
                double x = prot_mean[p] + offset + r.normal(0, 0.4);
                if (prot_subtype[p] == subtype[i]) x += o.effect;
                if (plate[i] >= 0) x += plate_shift[size_t(plate[i])][size_t(p)];
                if (population[i] >= 0) x += pop_shift[size_t(population[i])][size_t(p)];
                bool miss = r.uniform() < o.missing || (x < 19.0 && r.uniform() < 0.3);
                char pid[32];
                std::snprintf(pid, sizeof pid, "PROT%04d", p + 1);
                tsv += std::string(pid) + "\t" + (miss ? "NA" : fmtf("%.6g", std::exp2(x))) + "\n";
            }
            write_file_atomic(dir + "/proteome/" + ids[i] + ".tsv", tsv);
        } catch (const std::exception& e) {
#pragma omp critical
            if (first_error.empty()) first_error = e.what();
        }
    }
    if (!first_error.empty()) throw_io(first_error, "choose an --out folder you can write, with space");
    if (plink || bgen) {  // every site of any sample, as a PLINK 1 fileset or a BGEN file
        (plink ? write_plink : write_bgen)(dir + "/cohort", calls, ids, sex);
        std::error_code ec2;
        fs::remove(fs::path(o.out) / "vcf", ec2);
    } else if (one_file) {  // every site of any sample; a sample without a call there is homozygous REF
        std::map<std::pair<int, int64_t>, std::string> alleles;
        for (auto& c : calls)
            for (auto& [key, call] : c) alleles.emplace(key, call.first);
        std::string vcf = "##fileformat=VCFv4.2\n##source=precis-simulate\n";
        for (auto& c : kChroms) vcf += "##contig=<ID=" + c.name + ",length=" + std::to_string(c.length) + ">\n";
        vcf += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
               "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT";
        for (auto& id : ids) vcf += "\t" + id;
        vcf += "\n";
        hts::BgzfWriter w(dir + "/cohort.vcf.gz");
        for (auto& [key, al] : alleles) {
            vcf += kChroms[key.first].name + "\t" + std::to_string(key.second) + "\t.\t" + al + "\t50\tPASS\t.\tGT";
            for (int i = 0; i < o.samples; ++i) {
                auto it = calls[size_t(i)].find(key);
                // a sample's call with other alleles at the same position (a rare collision) counts as REF
                vcf += "\t" + (it != calls[size_t(i)].end() && it->second.first == al ? it->second.second
                                                                                   : std::string("0/0"));
            }
            vcf += "\n";
            if (vcf.size() > (1u << 22)) w.write(vcf), vcf.clear();
        }
        w.write(vcf);
        w.close();
        hts::tabix_index_vcf(dir + "/cohort.vcf.gz");
        std::error_code ec2;
        fs::remove(fs::path(o.out) / "vcf", ec2);
    }

    // sample sheet, truth
    const bool plates = o.batches > 0, pops = o.populations > 0;
    std::string sheet = std::string("sample_id") + (one_file ? "" : "\tvcf") + "\tproteome\tage\tsex\tphenotype" +
                        (plates ? "\tplate" : "") + (pops ? "\tpopulation" : "") + "\tos_days\tdeath\n";
    std::string truth = std::string("sample_id\tsubtype") + (plates ? "\tplate" : "") + (pops ? "\tpopulation" : "") + "\n";
    for (int i = 0; i < o.samples; ++i) {
        const std::string pl = (plates ? "\t" + plate_name(plate[i]) : "") +
                               (pops ? "\t" + population_name(population[i]) : "");
        sheet += ids[i] + (one_file ? "" : "\tvcf/" + ids[i] + ".vcf.gz") + "\tproteome/" + ids[i] + ".tsv\t" +
                 fmtf("%.0f", age[i]) + "\t" + sex[i] + "\t" + pheno[i] + pl + "\t" + fmtf("%.0f", os_days[i]) + "\t" +
                 std::to_string(death[i]) + "\n";
        truth += ids[i] + "\t" + std::to_string(subtype[i] + 1) + pl + "\n";
    }
    write_file_atomic(dir + "/samples.tsv", sheet);
    write_file_atomic(dir + "/truth.tsv", truth);
    std::string tf = "feature_id\tmodality\tsubtype\teffect\n";
    for (int p = 0; p < o.proteins; ++p)
        if (prot_subtype[p] >= 0) {
            char pid[32];
            std::snprintf(pid, sizeof pid, "PROT%04d", p + 1);
            tf += std::string(pid) + "\tproteome\t" + std::to_string(prot_subtype[p] + 1) + "\t" +
                  fmtf("%g", o.effect) + "\n";
        }
    for (int g = 0; g < o.genes; ++g)
        if (gene_subtype[g] >= 0)
            tf += genes[g].name + "\tgenome\t" + std::to_string(gene_subtype[g] + 1) + "\t" +
                  fmtf("%g", o.burden_planted - o.burden_base) + "\n";
    write_file_atomic(dir + "/truth_features.tsv", tf);

    std::string y =
        "# A synthetic precis study, written by `precis simulate --samples " + std::to_string(o.samples) +
        " --subtypes " + std::to_string(o.subtypes) + " --seed " + std::to_string(o.seed) +
        (plates ? " --batches " + std::to_string(o.batches) + " --batch-effect " + fmtf("%g", o.batch_effect) : "") +
        (pops ? " --populations " + std::to_string(o.populations) + " --population-effect " +
                    fmtf("%g", o.population_effect) + " --ancestry-snps " + std::to_string(o.ancestry_snps)
              : "") +
        "`.\n# truth.tsv holds each sample's subtype; truth_features.tsv the planted biomarkers; the sheet's os_days and death a\n# survival that worsens with the subtype (outcomes: os, docs/survival.md).\n" +
        (plates ? "# The proteome has planted plate effects (sheet column 'plate'); remove them before clustering with\n"
                  "# --set clustering.adjust.batch=plate (see docs/adjustment.md).\n"
                : "") +
        (pops ? "# The cohort has planted populations (sheet column 'population') that shift every protein; the genome\n"
                "# is one cohort VCF with ancestry SNVs, and genome.ancestry makes PC1...; remove them before\n"
                "# clustering with --set 'clustering.adjust.covariates=[PC1,PC2]' (docs/structure.md).\n"
              : "") +
        "# The workflow preset supplies the rest (see docs/study.md); try --set workflow=case-control.\n"
        "workflow: subtype-discovery\n"
        "study:\n"
        "  name: simulated\n"
        "  seed: " + std::to_string(o.seed) + "\n"
        "  output: results\n"
        "  on_sample_error: fail\n"
        "samples:\n"
        "  sheet: samples.tsv\n"
        "  id_column: sample_id\n"
        "  phenotypes: [age, sex, phenotype" + (plates ? ", plate" : "") + (pops ? ", population" : "") + "]\n"
        "genome:\n" +
        (one_file ? std::string(plink  ? "  cohort_file: cohort.bed\n"
                                : bgen ? "  cohort_file: cohort.bgen\n"
                                       : "  cohort_file: cohort.vcf.gz\n") +
                        (pops ? "  ancestry: {enabled: true, pcs: 4, outlier_mads: 0, color_by: population}\n" : "")
                  : std::string("  path_column: vcf\n")) +
        "  qc: {min_call_rate: 0.9}\n"
        "  features:\n"
        "    gene_burden: {genes: genes.bed, max_af: 0.01}\n"
        "proteome:\n"
        "  path_column: proteome\n"
        "  id_column: protein_id\n"
        "  value_column: abundance\n"
        "  transform: log2\n"
        "  normalize: median\n"
        "  qc: {min_detected_fraction: 0.5}\n"
        "clustering:\n"
        "  modalities: [proteome]\n"
        "  k: {min: 2, max: 6}\n"
        "  resamples: " + std::to_string(o.resamples) + "\n"
        "outcomes:\n"
        "  os: {time: os_days, event: death, covariates: [age, sex]}\n";
    write_file_atomic(dir + "/study.yaml", y);
}

}  // namespace precis

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/exact_sum.hpp"
#include "genome/annotation.hpp"
#include "genome/genome.hpp"
#include "genome/hts.hpp"
#include "genome/scores.hpp"

#include <htslib/vcf.h>

using namespace precis;
namespace fs = std::filesystem;

namespace {
const char* kHeader =
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=1000000>\n##contig=<ID=chrX,length=1000000>\n"
    "##FILTER=<ID=LowQual,Description=\"low\">\n"
    "##INFO=<ID=AF,Number=A,Type=Float,Description=\"allele frequency\">\n"
    "##INFO=<ID=END,Number=1,Type=Integer,Description=\"end\">\n"
    "##ALT=<ID=DEL,Description=\"deletion\">\n"
    "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
    "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n"
    "##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"Quality\">\n";

std::string write_vcf(const std::string& name, const std::string& body, const std::string& samples = "S1") {
    auto p = (fs::temp_directory_path() / ("precis_unit_" + name + ".vcf.gz")).string();
    hts::BgzfWriter w(p);
    w.write(std::string(kHeader) + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + samples + "\n" + body);
    w.close();
    hts::tabix_index_vcf(p);
    return p;
}

const char* kBody =
    "chr1\t100\t.\tA\tG\t50\tPASS\tAF=0.001\tGT:DP:GQ\t0/1:20:30\n"
    "chr1\t150\t.\tC\tA,T\t50\tPASS\tAF=0.001,0.5\tGT:DP:GQ\t1/2:10:20\n"
    "chr1\t300\t.\tA\tAT\t50\tPASS\t.\tGT:DP:GQ\t1|1:30:40\n"
    "chr1\t350\t.\tATG\tA\t50\tLowQual\t.\tGT:DP:GQ\t0/1:.:.\n"
    "chr1\t500\t.\tG\tC\t50\tPASS\t.\tGT\t0/0\n"
    "chr1\t600\t.\tT\tC\t50\tPASS\t.\tGT\t./.\n"
    "chr1\t700\t.\tT\tC\t50\tPASS\t.\tGT\t0/.\n"
    "chr1\t800\t.\tG\t*\t50\tPASS\t.\tGT\t0/1\n"
    "chrX\t1000\t.\tA\tG\t50\tPASS\t.\tGT\t1\n"
    "chrX\t2000\t.\tC\tT\t50\tPASS\t.\tGT\t0\n";

std::string genes_bed() {
    auto p = (fs::temp_directory_path() / "precis_unit_genes.bed").string();
    std::ofstream(p) << "1\t50\t200\tG1\n1\t250\t400\tG2\n1\t90\t110\tG3\nX\t5000\t6000\tG4\n";
    return p;
}
}  // namespace

TEST_CASE("allele types follow Hail's definitions") {
    CHECK(allele_type("A", "G") == AlleleType::SNP);
    CHECK(allele_type("AC", "AT") == AlleleType::SNP);
    CHECK(allele_type("AC", "GT") == AlleleType::MNP);
    CHECK(allele_type("A", "AT") == AlleleType::Insertion);
    CHECK(allele_type("ATG", "A") == AlleleType::Deletion);
    CHECK(allele_type("ATG", "C") == AlleleType::Complex);
    CHECK(allele_type("A", "*") == AlleleType::Star);
    CHECK(allele_type("A", "<DEL>") == AlleleType::Symbolic);
    CHECK(is_transition("A", "G"));
    CHECK(is_transition("C", "T"));
    CHECK_FALSE(is_transition("C", "A"));
    CHECK(normalize_chrom("chr7") == "7");
    CHECK(normalize_chrom("chrM") == "MT");
}

TEST_CASE("sample QC counts: multi-allelic, phased, haploid, missing, partial and star alleles") {
    GeneSet genes = GeneSet::load(genes_bed());
    GenomeSettings st;
    st.max_af = 0.01;
    GenomeResult r = process_genome(write_vcf("qc", kBody), "S1", st, &genes);
    const GenomeQC& q = r.qc;
    CHECK(q.n_called == 8);
    CHECK(q.n_not_called == 2);
    CHECK(q.call_rate() == Approx(0.8));
    CHECK(q.n_hom_ref == 2);
    CHECK(q.n_het == 4);
    CHECK(q.n_hom_var == 2);
    CHECK(q.n_non_ref() == 6);
    CHECK(q.n_snp == 4);
    CHECK(q.n_transition == 3);
    CHECK(q.n_transversion == 1);
    CHECK(q.n_insertion == 2);
    CHECK(q.n_deletion == 1);
    CHECK(q.r_insertion_deletion() == Approx(2.0));
    CHECK(q.dp_mean() == Approx(20.0));
    CHECK(q.gq_mean() == Approx(30.0));
    // burden: alt allele copies of rare variants per gene; the common second allele at 150 is left out
    REQUIRE(r.burden.size() == 4);
    CHECK(r.burden[0] == 2.0f);  // G1
    CHECK(r.burden[1] == 3.0f);  // G2: hom-alt insertion (2) + deletion (1)
    CHECK(r.burden[2] == 1.0f);  // G3 overlaps G1
    CHECK(r.burden[3] == 0.0f);

    st.pass_only = true;
    GenomeResult p = process_genome(write_vcf("qc", kBody), "S1", st, &genes);
    CHECK(p.qc.n_called == 7);
    CHECK(p.qc.n_deletion == 0);
    CHECK(p.burden[1] == 2.0f);
}

namespace {
// The same records as BCF, written by htslib, to check precis's own VCF text decoding against htslib's.
std::string to_bcf(const std::string& vcf) {
    std::string out = vcf + ".bcf";
    htsFile* in = hts_open(vcf.c_str(), "r");
    bcf_hdr_t* h = bcf_hdr_read(in);
    htsFile* o = hts_open(out.c_str(), "wb");
    REQUIRE(bcf_hdr_write(o, h) == 0);
    bcf1_t* r = bcf_init();
    while (bcf_read(in, h, r) == 0) REQUIRE(bcf_write(o, h, r) == 0);
    bcf_destroy(r);
    hts_close(o);
    bcf_hdr_destroy(h);
    hts_close(in);
    return out;
}
}  // namespace

TEST_CASE("VCF text decoded by precis counts exactly as htslib's BCF decoding") {
    std::string body = std::string(kBody) +
                       "chrX\t3000\t.\tA\tT,C\t50\tPASS\t.\tGT:DP\t0/1/2:7\n"   // triploid
                       "chrX\t3100\t.\tA\tT\t50\tPASS\t.\tGT:DP:GQ\t1/1\n"     // trailing fields dropped
                       "chrX\t3200\t.\tA\t<DEL>\t50\tPASS\tEND=3300\tGT\t0/1\n"  // symbolic
                       "chrX\t3400\t.\tA\tG\t50\tPASS\t.\tDP:GT\t12:.|1\n";     // GT not first, partial
    auto vcf = write_vcf("decode", body);
    GeneSet genes = GeneSet::load(genes_bed());
    for (bool pass_only : {false, true}) {
        GenomeSettings st;
        st.max_af = 0.01;
        st.pass_only = pass_only;
        GenomeResult t = process_genome(vcf, "S1", st, &genes), b = process_genome(to_bcf(vcf), "S1", st, &genes);
        auto tv = genome_qc_values(t.qc), bv = genome_qc_values(b.qc);
        REQUIRE(tv.size() == bv.size());
        for (size_t i = 0; i < tv.size(); ++i) {
            INFO(genome_qc_columns()[i] << " pass_only=" << pass_only);
            CHECK(((std::isnan(tv[i]) && std::isnan(bv[i])) || tv[i] == bv[i]));
        }
        CHECK(t.burden == b.burden);
    }
    // an uncompressed VCF reads the same
    std::string plain = vcf.substr(0, vcf.size() - 3);
    {
        std::ofstream(plain) << kHeader << "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n" << body;
    }
    GenomeSettings st;
    st.max_af = 0.01;
    GenomeResult u = process_genome(plain, "S1", st, &genes), z = process_genome(vcf, "S1", st, &genes);
    CHECK(u.qc.n_called == z.qc.n_called);
    CHECK(u.qc.n_het == z.qc.n_het);
    CHECK(u.qc.dp_sum == z.qc.dp_sum);
    CHECK(u.burden == z.burden);
    GenomeResult t = process_genome(vcf, "S1", {}, nullptr);
    CHECK(t.qc.n_called == 8 + 3);  // the triploid call, the hom-alt with dropped fields, the symbolic het
    CHECK(t.qc.n_not_called == 2 + 1);
}

TEST_CASE("DP and GQ thresholds filter genotypes as Hail's filter_entries does") {
    auto vcf = write_vcf("thresholds", kBody);
    GenomeSettings st;
    st.min_dp = 15;  // keeps 100 (DP 20) and 300 (DP 30); the rest have a lower or no DP
    GenomeResult r = process_genome(vcf, "S1", st, nullptr);
    CHECK(r.qc.n_filtered == 8);
    CHECK(r.qc.n_called == 2);
    CHECK(r.qc.n_not_called == 0);
    CHECK(r.qc.n_het == 1);
    CHECK(r.qc.n_hom_var == 1);
    CHECK(r.qc.dp_mean() == Approx(25.0));
    CHECK(r.qc.call_rate() == Approx(2.0 / 10));  // Hail: filtered genotypes stay in the denominator
    st.min_dp = 0;
    st.min_gq = 35;  // keeps only 300 (GQ 40)
    r = process_genome(vcf, "S1", st, nullptr);
    CHECK(r.qc.n_filtered == 9);
    CHECK(r.qc.n_hom_var == 1);
    CHECK(r.qc.n_insertion == 2);
    CHECK(process_genome(to_bcf(vcf), "S1", st, nullptr).qc.n_filtered == 9);
}

TEST_CASE("het_f and sex_f from INFO/AF follow plink's method-of-moments F") {
    const std::string body =
        "chr1\t100\t.\tA\tG\t50\tPASS\tAF=0.5\tGT\t0/0\n"      // hom, E = 0.25 + 0.25
        "chr1\t200\t.\tA\tG\t50\tPASS\tAF=0.1\tGT\t0/1\n"      // het, E = 0.01 + 0.81
        "chr1\t300\t.\tA\tG,T\t50\tPASS\tAF=0.2,0.3\tGT\t1/2\n"  // het, E = 0.04 + 0.09 + 0.25
        "chr1\t400\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n"           // no AF: skipped
        "chr1\t500\t.\tA\tG\t50\tPASS\tAF=0\tGT\t0/0\n"        // monomorphic: skipped
        "chr1\t600\t.\tA\tG\t50\tPASS\tAF=0.5\tGT\t./.\n"      // not called: skipped
        "chrX\t1000\t.\tA\tG\t50\tPASS\tAF=0.5\tGT\t0/1\n"     // PAR1 (GRCh38)
        "chrX\t3000000\t.\tA\tG\t50\tPASS\tAF=0.3\tGT\t1\n"    // haploid: hom, E = 0.09 + 0.49
        "chrX\t3000100\t.\tA\tG\t50\tPASS\tAF=0.4\tGT\t0\n";   // hom, E = 0.16 + 0.36
    auto p = write_vcf("inbreeding", body);
    GenomeSettings st;
    GenomeResult none = process_genome(p, "S1", st, nullptr);
    CHECK(std::isnan(none.qc.het_f()));  // no frequency source: NA
    st.frequencies = FrequencySource::InfoAF;
    st.x_par = "GRCh38";
    GenomeResult r = process_genome(p, "S1", st, nullptr);
    CHECK(r.qc.het_n == 3);
    CHECK(r.qc.het_o == 1);
    CHECK(r.qc.het_f() == Approx((1 - 1.7) / (3 - 1.7)));
    CHECK(r.qc.x_n == 2);
    CHECK(r.qc.sex_f() == Approx(1.0));
    CHECK(infer_sex(r.qc.sex_f(), 0.2, 0.8) == "male");
    st.x_par = "none";  // the PAR het call now counts
    r = process_genome(p, "S1", st, nullptr);
    CHECK(r.qc.sex_f() == Approx((2 - 1.6) / (3 - 1.6)));
    CHECK(infer_sex(r.qc.sex_f(), 0.2, 0.8) == "ambiguous");
    CHECK(infer_sex(-0.05, 0.2, 0.8) == "female");
    CHECK(infer_sex(std::nan(""), 0.2, 0.8).empty());
    // the raw counters carry the fixed-point expectation exactly
    double raw[GenomeQC::kRaw];
    r.qc.to_raw(raw);
    GenomeQC twice;
    twice.add_raw(raw);
    twice.add_raw(raw);
    CHECK(twice.x_e.value() == 2 * r.qc.x_e.value());
    CHECK(twice.sex_f() == Approx(r.qc.sex_f()));
}

TEST_CASE("chrX PARs by build, as plink --split-x") {
    CHECK(x_par_bounds("auto", 155270560) == std::pair<int64_t, int64_t>{2699520, 154931044});
    CHECK(x_par_bounds("auto", 156040895) == std::pair<int64_t, int64_t>{2781479, 155701383});
    CHECK(x_par_bounds("auto", 1000).first == 0);
    CHECK(x_par_bounds("GRCh37", 0).second == 154931044);
}

TEST_CASE("the sample's own column is used in a multi-sample VCF") {
    std::string body = "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/0\t1/1\n";
    auto p = write_vcf("multi", body, "S1\tS2");
    CHECK(process_genome(p, "S2", {}, nullptr).qc.n_hom_var == 1);
    CHECK(process_genome(p, "S1", {}, nullptr).qc.n_hom_ref == 1);
    CHECK_THROWS_WITH(process_genome(p, "S3", {}, nullptr), Catch::Contains("'S3' is not among the file's 2 samples"));
}

TEST_CASE("broken inputs give errors that name the file") {
    auto bad = (fs::temp_directory_path() / "precis_unit_bad.vcf").string();
    std::ofstream(bad) << "this is not a VCF\n";
    CHECK_THROWS_WITH(process_genome(bad, "S1", {}, nullptr), Catch::Contains(bad));
    CHECK_THROWS_AS(process_genome("/nonexistent/x.vcf.gz", "S1", {}, nullptr), Error);
    auto dup = (fs::temp_directory_path() / "precis_unit_dup.bed").string();
    std::ofstream(dup) << "1\t1\t10\tA\n1\t20\t30\tA\n";
    CHECK_THROWS_WITH(GeneSet::load(dup), Catch::Contains(dup + ":2:"));
}

namespace {
std::string write_text(const std::string& name, const std::string& text) {
    auto p = (fs::temp_directory_path() / ("precis_unit_" + name)).string();
    std::ofstream(p) << text;
    return p;
}
}  // namespace

TEST_CASE("PGS Catalog scoring files: harmonized positions, strand flips, palindromes, mismatches") {
    auto p = write_text("score1.txt",
                        "###PGS CATALOG SCORING FILE\n#format_version=2.0\n#pgs_id=PGS000123\n"
                        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\thm_chr\thm_pos\n"
                        "1\t99\tG\tA\t0.5\t1\t100\n"    // direct, ALT
                        "1\t199\tc\tt\t-1\t1\t200\n"     // other strand of G/A, lower case
                        "1\t299\tA\tT\t2\t1\t300\n"      // palindromic
                        "1\t399\tAT\tA\t1\t1\t400\n"     // an indel where the VCF has a SNP
                        "1\t499\tG\tA\t1\t\t\n");        // not placed by the harmonizer
    ScoreSet s = ScoreSet::load({p});
    REQUIRE(s.size() == 1);
    CHECK(s.id(0) == "PGS000123");
    CHECK(s.n_variants(0) == 5);
    const auto* chr1 = s.chrom("1");
    REQUIRE(chr1);
    CHECK(chr1->count(99) == 0);  // hm_pos wins over chr_position
    int allele = -1;
    CHECK(s.fit(chr1->at(100)[0], {"A", "G"}, allele) == ScoreSet::Fit::Direct);
    CHECK(allele == 1);
    CHECK(s.fit(chr1->at(200)[0], {"G", "A"}, allele) == ScoreSet::Fit::Flipped);
    CHECK(allele == 0);
    CHECK(s.fit(chr1->at(300)[0], {"A", "T"}, allele) == ScoreSet::Fit::Ambiguous);
    CHECK(s.fit(chr1->at(400)[0], {"A", "C"}, allele) == ScoreSet::Fit::Mismatch);
    CHECK(s.fit(chr1->at(100)[0], {"A", "C", "G"}, allele) == ScoreSet::Fit::Direct);  // multi-allelic
    CHECK(allele == 2);
}

TEST_CASE("scoring files that cannot be used are refused with the reason") {
    auto rsid_only = write_text("score_rsid.txt", "rsID\teffect_allele\teffect_weight\nrs1\tA\t0.1\n");
    CHECK_THROWS_AS(ScoreSet::load({rsid_only}), Error);
    try {
        ScoreSet::load({rsid_only});
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("gives no positions"));
        CHECK_THAT(e.hint(), Catch::Contains("hmPOS"));
    }
    auto dominant = write_text("score_dom.txt",
                               "chr_name\tchr_position\teffect_allele\teffect_weight\tis_dominant\n1\t5\tA\t1\tTRUE\n");
    CHECK_THROWS_WITH(ScoreSet::load({dominant}), Catch::Contains(":2:") && Catch::Contains("is_dominant"));
    auto bad_weight = write_text("score_w.txt", "chr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\tx\n");
    CHECK_THROWS_WITH(ScoreSet::load({bad_weight}), Catch::Contains("effect_weight 'x' is not a number"));
    auto ok = write_text("score_ok.txt", "chr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1\n");
    CHECK_THROWS_WITH(ScoreSet::load({ok, ok}), Catch::Contains("already given"));
}

TEST_CASE("exact sums do not depend on the order of their terms") {
    std::vector<double> terms;
    for (int i = 0; i < 1000; ++i) terms.push_back(std::sin(i) * std::pow(10.0, (i % 7) - 3));
    ExactSum forward, backward, split_a, split_b;
    for (double t : terms) forward.add(t);
    for (auto it = terms.rbegin(); it != terms.rend(); ++it) backward.add(*it);
    for (size_t i = 0; i < terms.size(); ++i) (i % 2 ? split_a : split_b).add(terms[i]);
    double parts[ExactSum::kParts];
    split_b.parts(parts);
    split_a.add_parts(parts);
    CHECK(forward.value() == backward.value());
    CHECK(forward.value() == split_a.value());
    double plain = 0;
    for (double t : terms) plain += t;
    CHECK(forward.value() == Approx(plain).epsilon(1e-12));
    ExactSum neg;
    neg.add(-2.5);
    neg.parts(parts);
    ExactSum back;
    back.add_parts(parts);
    CHECK(back.value() == -2.5);
}

TEST_CASE("share sums: the same for any split of the rows into shares of whole blocks") {
    // 3,000 rows x 3 columns of very different magnitudes, in 2 groups; one share against three
    const size_t n = 3000, p = 3;
    std::vector<double> x(n * p), bound(p, 0.0);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < p; ++j) {
            x[i * p + j] = std::sin(double(i * p + j)) * std::pow(10.0, 4.0 * double(j) - 6.0);
            bound[j] = std::max(bound[j], std::abs(x[i * p + j]));
        }
    const auto sums = [&](size_t r0, size_t r1) {
        ShareSums s(2, p, bound);
        s.for_rows(r1 - r0, r0, [&](size_t i) {
            double* acc = s.group((r0 + i) % 2);
            for (size_t j = 0; j < p; ++j) acc[j] += x[(r0 + i) * p + j];
        });
        return s;
    };
    const ShareSums whole = sums(0, n);
    std::vector<ShareSums> shares{sums(0, kShareBlock), sums(kShareBlock, 2 * kShareBlock), sums(2 * kShareBlock, n)};
    for (size_t g = 0; g < 2; ++g)
        for (size_t j = 0; j < p; ++j) {
            ExactSum e;
            double plain = 0;
            for (const ShareSums& s : shares) e.add(s.exact(g, j));
            for (size_t i = g; i < n; i += 2) plain += x[i * p + j];
            CHECK(whole.value(e, j) == whole.value(g, j));
            CHECK(whole.value(g, j) == Approx(plain).epsilon(1e-12).margin(1e-300));
        }
}

namespace {
std::string annotated_vcf(const std::string& name, const std::string& info_line, const std::string& body) {
    auto p = (fs::temp_directory_path() / ("precis_unit_" + name + ".vcf.gz")).string();
    hts::BgzfWriter w(p);
    w.write(std::string(kHeader) + info_line + "\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n" + body);
    w.close();
    hts::tabix_index_vcf(p);
    return p;
}
}  // namespace

TEST_CASE("burden counts only the wanted consequences, from VEP CSQ or SnpEff ANN, for the gene they name") {
    // genes: G1 1:50-200, G2 1:250-400, G3 1:90-110, G4 X:5000-6000
    const std::string csq =
        "##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from Ensembl VEP. Format: "
        "Allele|Consequence|IMPACT|SYMBOL|Gene\">";
    const std::string csq_body =
        "chr1\t100\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|MODERATE|G1|ENSG1,G|intron_variant|MODIFIER|G3|ENSG3"
        "\tGT\t0/1\n"                                                                  // G1 only
        "chr1\t150\t.\tC\tA,T\t50\tPASS\tCSQ=A|synonymous_variant|LOW|G1|ENSG1,T|stop_gained|HIGH|G1|ENSG1\tGT\t1/2\n"
        "chr1\t160\t.\tG\tA\t50\tPASS\tCSQ=A|missense_variant&splice_region_variant|MODERATE||\tGT\t0/1\n"  // no gene
        "chr1\t300\t.\tA\tAT\t50\tPASS\tCSQ=T|frameshift_variant|HIGH|G2|ENSG2\tGT\t1|1\n"  // VEP trims the A
        "chr1\t350\t.\tATG\tA\t50\tPASS\tCSQ=-|inframe_deletion|MODERATE|G2|ENSG2\tGT\t0/1\n";
    const std::string ann =
        "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
        "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID' \">";
    const std::string ann_body =
        "chr1\t100\t.\tA\tG\t50\tPASS\tANN=G|missense_variant|MODERATE|G1|ENSG1|transcript|T1,G|intron_variant|"
        "MODIFIER|G3|ENSG3|transcript|T3\tGT\t0/1\n"
        "chr1\t150\t.\tC\tA,T\t50\tPASS\tANN=A|synonymous_variant|LOW|G1|ENSG1|transcript|T1,T|stop_gained|HIGH|G1|"
        "ENSG1|transcript|T1\tGT\t1/2\n"
        "chr1\t160\t.\tG\tA\t50\tPASS\tANN=A|missense_variant&splice_region_variant|MODERATE||||\tGT\t0/1\n"
        "chr1\t300\t.\tA\tAT\t50\tPASS\tANN=AT|frameshift_variant|HIGH|G2|ENSG2|transcript|T2\tGT\t1|1\n"
        "chr1\t350\t.\tATG\tA\t50\tPASS\tANN=A|conservative_inframe_deletion|MODERATE|G2|ENSG2|transcript|T2\tGT\t0/1\n";
    GeneSet genes = GeneSet::load(genes_bed());
    GenomeSettings st;
    st.consequences = {"missense_variant", "stop_gained", "frameshift_variant"};
    const std::vector<float> want = {3, 2, 0, 0};
    auto v1 = annotated_vcf("csq", csq, csq_body), v2 = annotated_vcf("ann", ann, ann_body);
    CHECK(process_genome(v1, "S1", st, &genes).burden == want);
    CHECK(process_genome(to_bcf(v1), "S1", st, &genes).burden == want);
    CHECK(process_genome(v2, "S1", st, &genes).burden == want);
    st.annotation = "ann";
    CHECK_THROWS_WITH(process_genome(v1, "S1", st, &genes), Catch::Contains("declares no INFO/ANN"));
    st.consequences.clear();  // no filter: every ALT allele copy
    CHECK(process_genome(v1, "S1", st, &genes).burden == std::vector<float>{4, 3, 1, 0});
}

TEST_CASE("burden consequences from a per-variant annotation table, for files without INFO/CSQ") {
    // the CSQ test's records without INFO, and their annotations as rows (chromosome named either way)
    const std::string body =
        "chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n"
        "chr1\t150\t.\tC\tA,T\t50\tPASS\t.\tGT\t1/2\n"
        "chr1\t160\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\n"
        "chr1\t300\t.\tA\tAT\t50\tPASS\t.\tGT\t1|1\n"
        "chr1\t350\t.\tATG\tA\t50\tPASS\t.\tGT\t0/1\n";
    const auto vcf = annotated_vcf("plain", "##INFO=<ID=X,Number=1,Type=Integer,Description=\"x\">", body);
    auto table = [](const std::string& name, const std::string& text) {
        auto p = (fs::temp_directory_path() / ("precis_unit_" + name + ".tsv")).string();
        std::ofstream(p) << text;
        return p;
    };
    const std::string rows =
        "#chrom\tpos\tref\talt\tgene\tconsequence\textra\n"
        "chr1\t100\tA\tG\tG1\tmissense_variant\tx\n"
        "chr1\t100\tA\tG\tG3\tintron_variant\tx\n"
        "1\t150\tC\tA\tG1\tsynonymous_variant\tx\n"
        "1\t150\tc\tt\tG1\tstop_gained\tx\n"                        // case does not matter
        "chr1\t160\tG\tA\t.\tmissense_variant&splice_region_variant\tx\n"  // no gene: every gene
        "chr1\t300\tA\tAT\tG2\tframeshift_variant\tx\n"
        "chr1\t350\tATG\tA\tG2\tinframe_deletion\tx\n"
        "chr1\t350\tA\tATG\tG2\tstop_gained\tx\n";                  // swapped alleles: not this record
    GeneSet genes = GeneSet::load(genes_bed());
    GenomeSettings st;
    st.consequences = {"missense_variant", "stop_gained", "frameshift_variant"};
    st.annotation_table = table("csq_rows", rows);
    CHECK(process_genome(vcf, "S1", st, &genes).burden == std::vector<float>{3, 2, 0, 0});
    CHECK(ConsequenceTable::shared(st.annotation_table, st.consequences)->size() == 5);
    st.consequences = {"inframe_deletion"};
    CHECK(process_genome(vcf, "S1", st, &genes).burden == std::vector<float>{0, 1, 0, 0});
    const std::vector<std::string> any{"missense_variant"};
    CHECK_THROWS_WITH(ConsequenceTable::shared(table("t1", "chrom\tpos\tref\talt\tgene\n"), any),
                      Catch::Contains("t1.tsv line 1: the header has no column 'consequence'"));
    CHECK_THROWS_WITH(
        ConsequenceTable::shared(table("t2", "chrom\tpos\tref\talt\tgene\tconsequence\n1\t0\tA\tG\tG\tmissense_variant\n"), any),
        Catch::Contains("t2.tsv line 2: pos '0'"));
    CHECK_THROWS_WITH(
        ConsequenceTable::shared(table("t3", "chrom\tpos\tref\talt\tgene\tconsequence\n1\t5\tA\tG,T\tG\tmissense_variant\n"), any),
        Catch::Contains("line 2: alt 'G,T': one REF and one ALT allele per row"));
    CHECK_THROWS_WITH(ConsequenceTable::shared(table("t4", "chrom\tpos\tref\talt\tgene\tconsequence\n1\t5\tA\n"), any),
                      Catch::Contains("t4.tsv line 2: 3 fields where the header has 6"));
    // rows without a wanted consequence are not checked further, nor kept
    CHECK(ConsequenceTable::shared(table("t5", "chrom\tpos\tref\talt\tgene\tconsequence\n1\tx\tA\tG\tG\tintron_variant\n"), any)
              ->size() == 0);
}

// Population structure against plink2 2.00a3.5 on tests/fixtures/structure/cohort.vcf.gz (202 samples of three
// populations with relatives; make_cohort.py and make_plink2_reference.sh made the data and the reference).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "genome/hts.hpp"
#include "structure/structure.hpp"

using namespace precis;

namespace {

const std::string kDir = std::string(PRECIS_FIXTURES) + "/structure/";

struct Cohort {
    std::vector<std::string> ids;
    std::vector<VariantCalls> variants;  // passing the filter, in file order
};

const Cohort& cohort() {
    static const Cohort c = [] {
        Cohort c;
        hts::VcfReader r(kDir + "cohort.vcf.gz");
        std::vector<int> all;
        for (int i = 0; i < r.n_samples(); ++i) all.push_back(i), c.ids.push_back(r.sample_name(i));
        VariantCalls v;
        int id = 0;
        while (r.next()) {
            ++id;
            if (!snv_calls(r.site(), all, v) || !passes(v, VariantFilter{})) continue;
            c.variants.push_back(v);
        }
        return c;
    }();
    return c;
}

// the variants ids of the fixture VCF: column 3 (VariantCalls has no id; take them from the file again)
std::vector<std::string> variant_ids() {
    static const std::vector<std::string> ids = [] {
        std::vector<std::string> out;
        FILE* f = popen(("gzip -dc " + kDir + "cohort.vcf.gz").c_str(), "r");
        char line[1 << 16];
        while (fgets(line, sizeof line, f)) {
            if (line[0] == '#') continue;
            std::istringstream in(line);
            std::string chrom, pos, id, ref, alt;
            in >> chrom >> pos >> id >> ref >> alt;
            if (ref.size() == 1 && alt.size() == 1) out.push_back(chrom + ":" + pos + "\t" + id);
        }
        pclose(f);
        return out;
    }();
    return ids;
}

std::map<std::string, std::string> id_of_position() {
    std::map<std::string, std::string> m;
    for (auto& s : variant_ids()) m[s.substr(0, s.find('\t'))] = s.substr(s.find('\t') + 1);
    return m;
}

std::vector<std::vector<std::string>> read_tsv(const std::string& path, bool gz = false) {
    std::vector<std::vector<std::string>> rows;
    FILE* f = popen(((gz ? "gzip -dc " : "cat ") + path).c_str(), "r");
    char line[1 << 16];
    while (fgets(line, sizeof line, f)) {
        std::vector<std::string> row;
        std::istringstream in(line);
        std::string x;
        while (in >> x) row.push_back(x);
        rows.push_back(row);
    }
    pclose(f);
    return rows;
}

// the pruned variants, contig by contig
std::vector<const VariantCalls*> pruned() {
    const Cohort& c = cohort();
    std::vector<const VariantCalls*> kept;
    for (size_t i = 0; i < c.variants.size();) {
        size_t j = i;
        std::vector<const VariantCalls*> contig;
        while (j < c.variants.size() && c.variants[j].contig == c.variants[i].contig) contig.push_back(&c.variants[j++]);
        const std::vector<bool> keep = indep_pairwise(contig, PruneSettings{50, 5, 0.2});
        for (size_t k = 0; k < contig.size(); ++k)
            if (keep[k]) kept.push_back(contig[k]);
        i = j;
    }
    return kept;
}

bool close(double got, double printed, double rel) {  // plink2 prints 6 significant digits
    return std::abs(got - printed) <= rel * std::max(std::abs(printed), 1e-6) + 5e-7;
}

}  // namespace

TEST_CASE("variant selection and LD pruning equal plink2's", "[structure]") {
    const Cohort& c = cohort();
    CHECK(c.ids.size() == 202);
    CHECK(c.variants.size() == 2999);  // 3000 SNVs, less one below maf 0.01; indels, multi-allelic, monomorphic out
    const auto ids = id_of_position();
    std::vector<std::string> ours;
    for (const VariantCalls* v : pruned()) ours.push_back(ids.at(v->contig + ":" + std::to_string(v->pos)));
    std::vector<std::string> theirs;
    for (auto& row : read_tsv(kDir + "prune.prune.in")) theirs.push_back(row.at(0));
    CHECK(ours.size() == theirs.size());
    CHECK(ours == theirs);
}

TEST_CASE("PCs, eigenvalues, variant weights and projection equal plink2's", "[structure]") {
    const Cohort& c = cohort();
    const std::vector<const VariantCalls*> vars = pruned();
    GrmSums s;
    s.resize(c.ids.size());
    // in two parts through the flat form, as ranks add theirs
    GrmSums a = s, b = s;
    a.add({vars.begin(), vars.begin() + 500});
    b.add({vars.begin() + 500, vars.end()});
    std::vector<double> fa = a.flat(), fb = b.flat();
    for (size_t i = 0; i < fa.size(); ++i) fa[i] += fb[i];
    s.set_flat(fa, c.ids.size());
    const Pcs pcs = pcs_from_grm(s, 10);
    const auto eigenval = read_tsv(kDir + "pca.eigenval");
    for (int k = 0; k < 10; ++k) CHECK(close(pcs.eigenvalues(k), std::stod(eigenval[size_t(k)][0]), 1e-5));
    // eigenvectors: by sample id; plink2's signs are its own
    std::map<std::string, size_t> row_of;
    for (size_t i = 0; i < c.ids.size(); ++i) row_of[c.ids[i]] = i;
    const auto ev = read_tsv(kDir + "pca.eigenvec");
    std::vector<double> sign(10);
    for (int k = 0; k < 10; ++k) {
        Eigen::VectorXd theirs(long(c.ids.size()));
        for (size_t r = 1; r < ev.size(); ++r) theirs(long(row_of.at(ev[r][0]))) = std::stod(ev[r][size_t(k) + 1]);
        const double dot = theirs.dot(pcs.vectors.col(k));
        sign[size_t(k)] = dot < 0 ? -1 : 1;
        CHECK(std::abs(dot) / theirs.norm() > 0.999999);
        CHECK((sign[size_t(k)] * pcs.vectors.col(k) - theirs).cwiseAbs().maxCoeff() < 2e-6);
    }
    // weights of the non-major allele, as .eigenvec.var
    const auto wv = read_tsv(kDir + "pca.eigenvec.var");
    REQUIRE(wv.size() == vars.size() + 1);
    for (size_t j = 0; j < vars.size(); ++j) {
        std::vector<double> w = variant_weights(*vars[j], pcs);
        const double flip = vars[j]->alt_freq() > 0.5 ? -1 : 1;  // ALT major: the weights are REF's
        CHECK(wv[j + 1][3] == (flip < 0 ? vars[j]->ref : vars[j]->alt));
        for (int k = 0; k < 10; ++k) CHECK(close(flip * sign[size_t(k)] * w[size_t(k)], std::stod(wv[j + 1][size_t(k) + 4]), 1e-5));
    }
    // projection: plink2 --score of the weights (named allele MAJ), variance-standardised, no mean imputation
    std::vector<Projection> proj(c.ids.size());
    for (const VariantCalls* v : vars) {
        std::vector<double> w = variant_weights(*v, pcs);
        for (size_t i = 0; i < c.ids.size(); ++i) proj[i].add(v->g[i], v->alt_freq(), w.data(), 10);
    }
    const auto sc = read_tsv(kDir + "projection.sscore");
    for (size_t r = 1; r < sc.size(); ++r) {
        const Projection& p = proj[row_of.at(sc[r][0])];
        CHECK(2 * p.called == std::stoul(sc[r][1]));
        // plink2 scores the major allele with the non-major allele's weights: the negative of the ALT projection
        for (int k = 0; k < 10; ++k) CHECK(close(-sign[size_t(k)] * p.score(size_t(k)), std::stod(sc[r][size_t(k) + 3]), 1e-5));
    }
}

TEST_CASE("KING-robust kinship equals plink2's, and the unrelated set is no smaller", "[structure]") {
    const Cohort& c = cohort();
    const size_t n = c.ids.size();
    // planes made in two variant parts and joined, as ranks make theirs
    const size_t half = c.variants.size() / 2;
    KingPlanes p1(n, half), p2(n, c.variants.size() - half);
    for (size_t j = 0; j < c.variants.size(); ++j)
        for (size_t i = 0; i < n; ++i) (j < half ? p1 : p2).set(i, j < half ? j : j - half, c.variants[j].g[i]);
    std::vector<uint64_t> bits = p1.raw();
    bits.insert(bits.end(), p2.raw().begin(), p2.raw().end());
    const KingPlanes planes = KingPlanes::from_parts(n, std::move(bits), {p1.words(), p2.words()});
    std::vector<KingPair> all = king_pairs(planes, 0, n / 3, -INFINITY);
    for (auto& x : king_pairs(planes, n / 3, n, -INFINITY)) all.push_back(x);
    REQUIRE(all.size() == n * (n - 1) / 2);
    std::map<std::pair<std::string, std::string>, const KingPair*> by_ids;
    for (const KingPair& x : all) by_ids[{c.ids[x.a], c.ids[x.b]}] = &x;
    const auto kin = read_tsv(kDir + "king.kin0.gz", true);
    REQUIRE(kin.size() == all.size() + 1);
    size_t checked = 0;
    for (size_t r = 1; r < kin.size(); ++r) {
        auto it = by_ids.find({kin[r][0], kin[r][1]});
        if (it == by_ids.end()) it = by_ids.find({kin[r][1], kin[r][0]});
        REQUIRE(it != by_ids.end());
        const KingPair& x = *it->second;
        CHECK(x.nsnp == std::stoul(kin[r][2]));
        CHECK(close(double(x.hethet) / x.nsnp, std::stod(kin[r][3]), 1e-5));
        CHECK(close(double(x.ibs0) / x.nsnp, std::stod(kin[r][4]), 1e-5));
        CHECK(close(x.kinship, std::stod(kin[r][5]), 1e-5));
        ++checked;
    }
    CHECK(checked == all.size());
    std::vector<KingPair> above;
    for (const KingPair& x : all)
        if (x.kinship > 0.0884) above.push_back(x);
    const std::vector<uint32_t> removed = unrelated_removals(n, above);
    const size_t plink_removed = read_tsv(kDir + "cutoff.king.cutoff.out.id").size() - 1;
    CHECK(removed.size() <= plink_removed);
    std::set<uint32_t> gone(removed.begin(), removed.end());
    for (const KingPair& x : above) CHECK((gone.count(x.a) || gone.count(x.b)));
    CHECK(king_degree(0.25) == 1);
    CHECK(king_degree(0.5) == 0);
    CHECK(king_degree(0.1) == 2);
    CHECK(king_degree(0.0) == 4);
}

TEST_CASE("the randomized PCA finds plink2's population PCs", "[structure]") {
    const Cohort& c = cohort();
    const std::vector<const VariantCalls*> vars = pruned();
    const size_t n = c.ids.size();
    const int k = 10, l = 2 * k;
    Eigen::MatrixXd Q(long(n), l);
    uint64_t state = 12345;
    for (long i = 0; i < Q.size(); ++i) {  // any fixed start will do for the test
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        Q.data()[i] = double(state >> 11) / 9007199254740992.0 - 0.5;
    }
    Q = orthonormal(Q);
    for (int it = 0; it < 10; ++it) {
        // in two variant parts, as ranks add theirs
        Eigen::MatrixXd Y = cross_product({vars.begin(), vars.begin() + 700}, Q);
        Y += cross_product({vars.begin() + 700, vars.end()}, Q);
        Q = orthonormal(Y);
    }
    const Eigen::MatrixXd B = projected_gram({vars.begin(), vars.begin() + 700}, Q) +
                              projected_gram({vars.begin() + 700, vars.end()}, Q);
    const Pcs approx = pcs_from_subspace(Q, B, vars.size(), k);
    GrmSums s;
    s.resize(n);
    s.add(vars);
    const Pcs exact = pcs_from_grm(s, k);
    for (int j = 0; j < k; ++j) {
        const double r = std::abs(approx.vectors.col(j).dot(exact.vectors.col(j)));
        INFO("PC" << j + 1 << ": |r| " << r << ", eigenvalues " << approx.eigenvalues(j) << " / " << exact.eigenvalues(j));
        if (j < 2) {  // the populations' PCs: clear of the rest
            CHECK(r > 0.9999);
            CHECK(std::abs(approx.eigenvalues(j) / exact.eigenvalues(j) - 1) < 0.02);
        }
    }
}

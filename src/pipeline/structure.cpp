// Step 2b of `precis run`: population structure from the cohort VCF (genome.ancestry, genome.relatedness;
// docs/structure.md). The samples are those whose genome passed QC. The autosomes are shared out over the ranks
// (LD pruning needs a whole contig); each rank selects and prunes its contigs' variants, adds its share of the
// relationship matrix's sums (exact sums, so the same for any number of ranks) and makes the bit planes of its
// variants for KING; the planes are all-gathered and each rank computes its rows of the pair triangle. Rank 0
// writes ancestry/ and relatedness/, marks the relatives that leave (drop_related) and every rank adds the PCs to
// the samples' phenotypes (PC1...), so that obs, ranking.covariates and clustering.adjust.covariates have them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <tuple>

#include "cluster/cluster.hpp"
#include "core/error.hpp"
#include "core/exact_sum.hpp"
#include "core/files.hpp"
#include "core/memory.hpp"
#include "core/parse.hpp"
#include "core/rng.hpp"
#include "core/stats.hpp"
#include "core/table.hpp"
#include "genome/genome.hpp"
#include "genome/reader.hpp"
#include "pipeline/stages.hpp"
#include "structure/structure.hpp"

namespace precis {

namespace {

bool autosome(const std::string& contig) {
    std::string c = contig.rfind("chr", 0) == 0 ? contig.substr(3) : contig;
    if (c.empty() || c.size() > 2 || !std::all_of(c.begin(), c.end(), ::isdigit)) return false;
    const int k = std::stoi(c);
    return k >= 1 && k <= 22;
}

std::string bare(const std::string& contig) { return contig.rfind("chr", 0) == 0 ? contig.substr(3) : contig; }

// genome.ancestry.exclude: BED intervals (long-range LD regions) whose variants are left out of the PCA
std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> load_exclusions(const std::string& path) {
    std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> ex;
    if (path.empty()) return ex;
    long line = 0;
    for (const std::string& l : hts::read_text_lines(path)) {
        ++line;
        if (l.empty() || l[0] == '#' || l.rfind("track", 0) == 0 || l.rfind("browser", 0) == 0) continue;
        std::vector<std::string> f = split_fields(l, '\t');
        double b = 0, e = 0;
        if (f.size() < 3 || !parse_double(f[1], b) || !parse_double(f[2], e) || b < 0 || e < b)
            throw_malformed(where(path, line) + "not a BED interval (chrom, start, end)",
                            "give the long-range LD regions as tab-separated chrom, start, end (0-based, half-open)");
        ex[bare(f[0])].push_back({int64_t(b), int64_t(e)});
    }
    return ex;
}

bool excluded(const std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>& ex, const VariantCalls& v) {
    auto it = ex.find(bare(v.contig));
    if (it == ex.end()) return false;
    for (auto [b, e] : it->second)
        if (v.pos - 1 >= b && v.pos - 1 < e) return true;
    return false;
}

std::string variant_id(const VariantCalls& v) {
    return v.contig + ":" + std::to_string(v.pos) + ":" + v.ref + ":" + v.alt;
}

// A rank's contigs: the longest first, each to the rank with the fewest bases so far (ties: the lowest rank)
std::vector<std::string> my_contigs(const std::vector<std::pair<std::string, int64_t>>& contigs, int rank, int size) {
    std::vector<std::pair<std::string, int64_t>> auto_;
    for (auto& c : contigs)
        if (autosome(c.first)) auto_.push_back(c);
    std::stable_sort(auto_.begin(), auto_.end(), [](auto& a, auto& b) { return a.second > b.second; });
    std::vector<int64_t> load(size_t(size), 0);
    std::vector<std::string> mine;
    for (auto& [name, len] : auto_) {
        const size_t r = size_t(std::min_element(load.begin(), load.end()) - load.begin());
        load[r] += std::max<int64_t>(len, 1);
        if (int(r) == rank) mine.push_back(name);
    }
    return mine;
}

void write_table(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    AtomicFile f(path);
    f.write(text);
    f.commit();
}

// sum over the ranks of `part(block)` for fixed blocks of up to `size` variants of one contig, each block's
// matrix added exactly: the same result for any split of the contigs among ranks
template <class Part>
Eigen::MatrixXd exact_block_sum(Comm& comm, const std::vector<const VariantCalls*>& vars, size_t size, long rows,
                                long cols, Part part) {
    std::vector<ExactSum> acc(size_t(rows * cols));
    for (size_t b0 = 0; b0 < vars.size();) {
        size_t b1 = b0;
        while (b1 < vars.size() && b1 - b0 < size && vars[b1]->contig == vars[b0]->contig) ++b1;
        const Eigen::MatrixXd m = part(std::vector<const VariantCalls*>(vars.begin() + long(b0), vars.begin() + long(b1)));
        for (long t = 0; t < rows * cols; ++t) acc[size_t(t)].add(m.data()[t]);
        b0 = b1;
    }
    std::vector<double> parts(acc.size() * ExactSum::kParts);
    for (size_t t = 0; t < acc.size(); ++t) acc[t].parts(&parts[t * ExactSum::kParts]);
    comm.allreduce_sum(parts);
    Eigen::MatrixXd out(rows, cols);
    for (long t = 0; t < rows * cols; ++t) {
        ExactSum e;
        e.add_parts(&parts[size_t(t) * ExactSum::kParts]);
        out.data()[t] = e.value();
    }
    return out;
}

// the randomized PCA: subspace iteration from a seeded random start, every product summed exactly over ranks
Pcs randomized_pcs(Comm& comm, const std::vector<const VariantCalls*>& vars, size_t n, size_t variants, int k,
                   uint64_t seed) {
    const long l = std::min<long>(long(n), 2L * k + 10);
    Rng rng(derive_seed(seed, {STAGE_PCA}));
    Eigen::MatrixXd Q(long(n), l);
    for (long i = 0; i < Q.size(); ++i) Q.data()[i] = rng.normal();
    Q = orthonormal(Q);
    for (int it = 0; it < kPcaIterations; ++it)
        Q = orthonormal(exact_block_sum(comm, vars, 1024, long(n), l, [&](const auto& b) { return cross_product(b, Q); }));
    const Eigen::MatrixXd B = exact_block_sum(comm, vars, 1024, l, l, [&](const auto& b) { return projected_gram(b, Q); });
    return pcs_from_subspace(Q, B, variants, k);
}


// Per-sample VCFs: every rank reads its share of the samples' files (autosomal biallelic A/C/G/T SNVs with diploid
// calls; a site a file does not list is homozygous REF there, as in a variant-only VCF; an explicit ./. is missing)
// and sends each non-REF or missing call to the rank that owns its contig. Each rank returns its contigs' variants,
// contig by contig in the order of the first sample's header, sites by position and ALT. A position with two ALT
// alleles among the samples is left out (not biallelic).
std::vector<std::vector<VariantCalls>> gather_per_sample(Comm& comm, const Inputs& in, const std::vector<int64_t>& samples) {
    const size_t n = samples.size();
    // the contigs, from the first sample's header (every rank the same list)
    std::string names;
    comm.all_or_none([&] {
        if (!comm.is_root()) return;
        hts::VcfReader first(in.sheet.vcf(size_t(samples.at(0))));
        for (auto& [name, len] : first.contigs()) names += name + "\t" + std::to_string(len) + "\n";
    });
    comm.broadcast(names);
    std::vector<std::pair<std::string, int64_t>> contigs;
    for (const std::string& l : split_fields(names, '\n'))
        if (!l.empty()) contigs.push_back({l.substr(0, l.find('\t')), std::stoll(l.substr(l.find('\t') + 1))});
    std::map<std::string, uint32_t> contig_index;
    std::vector<int> owner(contigs.size(), -1);
    for (int r = 0; r < comm.size(); ++r)
        for (const std::string& c : my_contigs(contigs, r, comm.size())) {
            const uint32_t k = uint32_t(std::find_if(contigs.begin(), contigs.end(), [&](auto& x) { return x.first == c; }) -
                                        contigs.begin());
            owner[k] = r;
        }
    for (uint32_t k = 0; k < contigs.size(); ++k) contig_index[contigs[k].first] = k;
    // a call: contig, position, REF, ALT, sample, genotype (0..2, 3 missing), packed as bytes
    struct Call {
        uint32_t contig;
        int64_t pos;
        char ref, alt;
        uint32_t sample;
        uint8_t g;
    };
    std::vector<std::string> to(size_t(comm.size()));
    comm.all_or_none([&] {
        for (size_t k = size_t(comm.rank()); k < n; k += size_t(comm.size())) {
            const SampleEntry e = in.sheet.entry(size_t(samples[k]));
            hts::VcfReader r(e.vcf);
            const std::vector<int> col{r.n_samples() == 1 ? 0 : std::max(0, [&] {
                for (int c = 0; c < r.n_samples(); ++c)
                    if (r.sample_name(c) == e.id) return c;
                return 0;
            }())};
            VariantCalls v;
            while (r.next()) {
                auto it = contig_index.find(r.site().contig);
                if (it == contig_index.end() || owner[it->second] < 0 || !snv_calls(r.site(), col, v) || v.g[0] == 0)
                    continue;
                Call c{it->second, v.pos, v.ref[0], v.alt[0], uint32_t(k), v.g[0]};
                to[size_t(owner[it->second])].append(reinterpret_cast<const char*>(&c), sizeof c);
            }
        }
    });
    const std::vector<std::string> got = comm.all_to_all(to);
    to.clear();
    std::vector<Call> calls;
    for (const std::string& part : got)
        for (size_t at = 0; at + sizeof(Call) <= part.size(); at += sizeof(Call)) {
            Call c;
            std::memcpy(&c, part.data() + at, sizeof c);
            calls.push_back(c);
        }
    std::sort(calls.begin(), calls.end(), [](const Call& a, const Call& b) {
        return std::tie(a.contig, a.pos, a.alt, a.sample) < std::tie(b.contig, b.pos, b.alt, b.sample);
    });
    std::vector<std::vector<VariantCalls>> out;
    uint32_t current = UINT32_MAX;
    for (size_t i = 0; i < calls.size();) {
        size_t j = i;
        while (j < calls.size() && calls[j].contig == calls[i].contig && calls[j].pos == calls[i].pos) ++j;
        bool one_alt = true;
        for (size_t t = i; t < j; ++t) one_alt = one_alt && calls[t].alt == calls[i].alt && calls[t].ref == calls[i].ref;
        if (one_alt) {
            if (calls[i].contig != current) out.emplace_back(), current = calls[i].contig;
            VariantCalls v;
            v.contig = contigs[calls[i].contig].first;
            v.pos = calls[i].pos;
            v.ref = std::string(1, calls[i].ref);
            v.alt = std::string(1, calls[i].alt);
            v.g.assign(n, 0);
            for (size_t t = i; t < j; ++t) v.g[calls[t].sample] = calls[t].g;
            for (uint8_t x : v.g)
                if (x != VariantCalls::kMissingCall) ++v.nonmissing, v.alt_count += x;
            out.back().push_back(std::move(v));
        }
        i = j;
    }
    return out;
}

}  // namespace

Structure structure_stage(Comm& comm, Inputs& in, RootState* root) {
    const GenomeConfig& g = in.study.genome;
    Structure st;
    st.ancestry = g.ancestry.enabled;
    st.relatedness = g.relatedness.enabled;
    if (!st.ancestry && !st.relatedness) return st;
    const std::string& file = g.cohort_file;  // empty: the samples' own VCFs
    const std::string source = file.empty() ? std::string("the samples' VCFs") : file;

    // the samples whose genome passed QC, and their VCF columns
    std::vector<int64_t> cols64;
    comm.all_or_none([&] {
        if (!root) return;
        std::vector<std::string> ids;
        for (size_t i = 0; i < root->outcomes.size(); ++i)
            if (root->outcomes[i].genome.present && root->outcomes[i].genome.status == SampleStatus::Pass) {
                st.samples.push_back(int64_t(i));
                ids.push_back(in.sheet.id(i));
            }
        if (!file.empty())
            for (int c : sample_columns(file, ids, genotype_options(g))) cols64.push_back(c);
    });
    comm.broadcast(st.samples);
    comm.broadcast(cols64);
    const size_t n = st.samples.size();
    const std::vector<int> cols(cols64.begin(), cols64.end());
    comm.all_or_none([&] {
        const int k = g.ancestry.pcs;
        if (n < 3)
            throw Error(ErrorKind::DegenerateData,
                        std::to_string(n) + " samples passed genome QC: too few for genome.ancestry / relatedness",
                        "relax the genome QC thresholds, or turn genome.ancestry and genome.relatedness off");
        if (st.ancestry && size_t(k) >= n)
            throw Error(ErrorKind::Config,
                        in.study.origin_of("genome.ancestry.pcs") + ": genome.ancestry.pcs is " + std::to_string(k) +
                            ", but only " + std::to_string(n) + " samples passed genome QC",
                        "ask for fewer PCs than samples");
    });

    // each rank: its contigs' variants, selected, and (for the PCA) pruned
    std::vector<VariantCalls> vars;  // selected, in contig order
    std::vector<char> in_pca;       // per selected variant: pruned in and not excluded
    std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> exclusions;
    comm.all_or_none([&] { exclusions = load_exclusions(g.ancestry.exclude); });
    const VariantFilter filter{g.ancestry.maf, g.ancestry.max_missing};
    auto select_and_prune = [&](std::vector<VariantCalls>&& contig_calls) {
        const size_t first = vars.size();
        for (auto& v : contig_calls)
            if (passes(v, filter)) vars.push_back(std::move(v));
        std::vector<const VariantCalls*> contig_vars;
        for (size_t j = first; j < vars.size(); ++j) contig_vars.push_back(&vars[j]);
        const std::vector<bool> keep =
            indep_pairwise(contig_vars, PruneSettings{g.ancestry.window, g.ancestry.step, g.ancestry.r2});
        for (size_t j = 0; j < keep.size(); ++j) in_pca.push_back(keep[j] && !excluded(exclusions, vars[first + j]));
    };
    if (!file.empty()) {  // the cohort file: each rank reads its contigs
        comm.all_or_none([&] {
            const std::unique_ptr<GenotypeReader> opened =
                open_genotypes(file, genotype_options(g));
            GenotypeReader& reader = *opened;
            reader.load_index();
            for (const std::string& contig : my_contigs(reader.contigs(), comm.rank(), comm.size())) {
                if (!reader.query(contig, 0, std::numeric_limits<int64_t>::max() / 2)) continue;
                std::vector<VariantCalls> calls;
                VariantCalls v;
                while (reader.next())
                    if (snv_calls(reader.site(), cols, v)) calls.push_back(v);
                select_and_prune(std::move(calls));
            }
        });
    } else {  // per-sample VCFs: each rank reads its share of the samples, and sends each call to its contig's rank
        for (auto& contig_calls : gather_per_sample(comm, in, st.samples)) select_and_prune(std::move(contig_calls));
    }
    std::vector<double> counts{double(vars.size()), 0};
    for (char c : in_pca) counts[1] += c;
    comm.allreduce_sum(counts);
    st.variants = size_t(counts[0]);
    st.pca_variants = size_t(counts[1]);
    // drops the calls of the variants the PCA does not use
    auto keep_pca_variants = [&] {
        size_t w = 0;
        for (size_t j = 0; j < vars.size(); ++j)
            if (in_pca[j]) {
                if (w != j) vars[w] = std::move(vars[j]);  // (never onto itself: a self-move empties it)
                ++w;
            }
        vars.resize(w);
        vars.shrink_to_fit();
        in_pca.assign(w, 1);
    };
    if (!st.relatedness) keep_pca_variants();

    // relatedness: every pair above the report threshold, each rank its rows of the triangle
    std::vector<char> keep_sample(n, 1);  // in the PCA itself (not a relative that left)
    if (st.relatedness) {
        comm.all_or_none([&] {
            if (st.variants == 0)
                throw Error(ErrorKind::DegenerateData, source + ": no variant passes the selection for relatedness",
                            "check genome.ancestry.maf and max_missing, and that the file has autosomal SNVs");
        });
        KingPlanes mine(n, vars.size());
        for (size_t j = 0; j < vars.size(); ++j)
            for (size_t i = 0; i < n; ++i) mine.set(i, j, vars[j].g[i]);
        keep_pca_variants();  // from here on only the PCA's variants' calls are needed
        // every rank's planes, as they arrive: one part per rank, read where they lie (not joined into one layout)
        const std::vector<double> words = comm.allgather(std::vector<double>{double(mine.words())});
        std::vector<uint8_t> bytes(mine.raw().size() * 8);
        std::memcpy(bytes.data(), mine.raw().data(), bytes.size());
        mine = KingPlanes();
        std::vector<uint8_t> all = comm.allgather(bytes);
        free_storage(bytes);
        std::vector<uint64_t> bits(all.size() / 8);
        std::memcpy(bits.data(), all.data(), all.size());
        free_storage(all);
        std::vector<size_t> per_rank;
        for (double w : words) per_rank.push_back(size_t(w));
        const KingPlanes planes = KingPlanes::from_parts(n, std::move(bits), per_rank);
        const size_t r = size_t(comm.rank()), R = size_t(comm.size());
        // rows of the triangle with about equal pair counts per rank
        auto row_at = [&](size_t k) {
            const double share = double(k) / double(R);
            return size_t(std::round(double(n) * (1.0 - std::sqrt(1.0 - share))));
        };
        const double report = std::min(g.relatedness.report_kinship, g.relatedness.max_kinship);
        std::vector<KingPair> found = king_pairs(planes, row_at(r), r + 1 == R ? n : row_at(r + 1), report);
        std::vector<double> fl;
        for (auto& p : found) fl.insert(fl.end(), {double(p.a), double(p.b), double(p.nsnp), double(p.hethet),
                                                   double(p.ibs0), p.kinship});
        fl = comm.allgather(fl);
        for (size_t k = 0; k + 5 < fl.size(); k += 6)
            st.pairs.push_back({uint32_t(fl[k]), uint32_t(fl[k + 1]), uint32_t(fl[k + 2]), uint32_t(fl[k + 3]),
                                uint32_t(fl[k + 4]), fl[k + 5]});
        std::vector<KingPair> above;
        for (auto& p : st.pairs)
            if (p.kinship > g.relatedness.max_kinship) above.push_back(p);
        for (uint32_t s : unrelated_removals(n, above)) st.related.push_back(s), keep_sample[s] = 0;
    }

    // ancestry: the PCA on the unrelated samples, the relatives projected onto it
    if (st.ancestry) {
        const int k = g.ancestry.pcs;
        std::vector<size_t> in_set;
        for (size_t i = 0; i < n; ++i)
            if (keep_sample[i]) in_set.push_back(i);
        comm.all_or_none([&] {
            if (st.pca_variants < size_t(k) || st.pca_variants < 50)
                throw Error(ErrorKind::DegenerateData,
                            source + ": " + std::to_string(st.pca_variants) + " variants are left for the PCA after "
                            "selection and LD pruning (" + std::to_string(st.variants) + " selected), too few for " +
                            std::to_string(k) + " PCs",
                            "lower genome.ancestry.maf or raise genome.ancestry.prune.r2; the PCA needs thousands of "
                            "independent variants");
        });
        std::vector<const VariantCalls*> pca_vars;
        std::vector<VariantCalls> sub;  // the PCA samples' calls, when relatives were left out
        sub.reserve(vars.size());
        for (size_t j = 0; j < vars.size(); ++j) {
            if (!in_pca[j]) continue;
            if (in_set.size() == n) {
                pca_vars.push_back(&vars[j]);
                continue;
            }
            VariantCalls v = vars[j];
            v.g.clear();
            v.nonmissing = v.alt_count = 0;
            for (size_t i : in_set) {
                v.g.push_back(vars[j].g[i]);
                if (v.g.back() != VariantCalls::kMissingCall) ++v.nonmissing, v.alt_count += v.g.back();
            }
            sub.push_back(std::move(v));
        }
        for (auto& v : sub) pca_vars.push_back(&v);
        if (in_set.size() > size_t(g.ancestry.approx_above)) {  // randomized: O(n x PCs) per rank
            st.approx = true;
            comm.all_or_none([&] {
                st.pcs = randomized_pcs(comm, pca_vars, in_set.size(), st.pca_variants, k, in.study.seed);
            });
        } else {
            // the exact relationship matrix: sums in fixed blocks of each contig, added exactly
            GrmSums sums;
            sums.resize(in_set.size());
            const size_t m = in_set.size();
            std::vector<ExactSum> zz(m * (m + 1) / 2);
            std::vector<double> oo(m * (m + 1) / 2, 0.0);
            for (size_t b0 = 0; b0 < pca_vars.size();) {
                size_t b1 = b0;
                while (b1 < pca_vars.size() && b1 - b0 < 256 && pca_vars[b1]->contig == pca_vars[b0]->contig) ++b1;
                GrmSums part;
                part.resize(m);
                part.add({pca_vars.begin() + long(b0), pca_vars.begin() + long(b1)});
                size_t at = 0;
                for (long j = 0; j < long(m); ++j)
                    for (long i = j; i < long(m); ++i, ++at) zz[at].add(part.zz(i, j)), oo[at] += part.oo(i, j);
                b0 = b1;
            }
            std::vector<double> zparts(zz.size() * ExactSum::kParts);
            for (size_t t = 0; t < zz.size(); ++t) zz[t].parts(&zparts[t * ExactSum::kParts]);
            free_storage(zz);
            comm.allreduce_sum(zparts);
            comm.allreduce_sum(oo);  // whole numbers: exact in any order
            size_t at = 0;
            for (long j = 0; j < long(m); ++j)
                for (long i = j; i < long(m); ++i, ++at) {
                    ExactSum e;
                    e.add_parts(&zparts[at * ExactSum::kParts]);
                    sums.zz(i, j) = e.value();
                    sums.oo(i, j) = oo[at];
                }
            free_storage(zparts);
            comm.all_or_none([&] { st.pcs = pcs_from_grm(sums, k); });
        }
        // each variant's weights (all ranks: the weights of its own variants, gathered on rank 0 for the file)
        std::vector<double> wflat;
        std::vector<std::string> wtext;
        std::vector<Projection> proj(n);
        for (size_t j = 0, s = 0; j < vars.size(); ++j) {
            if (!in_pca[j]) continue;
            const VariantCalls& v = *pca_vars[s++];
            const std::vector<double> w = variant_weights(v, st.pcs);
            const bool alt_major = v.alt_freq() > 0.5;
            std::string line = v.contig + "\t" + variant_id(v) + "\t" + (alt_major ? v.alt : v.ref) + "\t" +
                               (alt_major ? v.ref : v.alt);
            for (double x : w) line += "\t" + fmt(alt_major ? -x : x);
            wtext.push_back(line + "\n");
            if (in_set.size() < n)  // the relatives: projected with the PCA samples' frequencies
                for (size_t i = 0; i < n; ++i)
                    if (!keep_sample[i]) proj[i].add(vars[j].g[i], v.alt_freq(), w.data(), size_t(k));
        }
        std::string text;
        for (auto& l : wtext) text += l;
        st.weights_text = comm.gather(text);
        // every sample's PCs: the PCA's eigenvectors, and 2 x score / sqrt(eigenvalue) for the projected (the same
        // scale for a sample without missing calls)
        std::vector<double> psum;
        for (size_t i = 0; i < n; ++i)
            if (!keep_sample[i]) {
                psum.insert(psum.end(), proj[i].sum.begin(), proj[i].sum.end());
                psum.resize(psum.size() + size_t(k) - proj[i].sum.size(), 0.0);
                psum.push_back(proj[i].called);
            }
        comm.allreduce_sum(psum);
        st.values.assign(n, std::vector<double>(size_t(k), std::nan("")));
        for (size_t a = 0; a < in_set.size(); ++a)
            for (int c = 0; c < k; ++c) st.values[in_set[a]][size_t(c)] = st.pcs.vectors(long(a), c);
        size_t at = 0;
        for (size_t i = 0; i < n; ++i)
            if (!keep_sample[i]) {
                const double called = psum[at + size_t(k)];
                for (int c = 0; c < k; ++c)
                    st.values[i][size_t(c)] =
                        called > 0 ? psum[at + size_t(c)] / called / std::sqrt(st.pcs.eigenvalues(c)) : std::nan("");
                at += size_t(k) + 1;
            }
        st.projected = in_set.size() < n;
    }

    // rank 0: the files, and the relatives that leave
    comm.all_or_none([&] {
        if (!root) return;
        const std::string& out = in.study.output;
        auto id = [&](size_t i) { return in.sheet.id(size_t(st.samples[i])); };
        if (st.relatedness) {
            std::vector<KingPair> pairs = st.pairs;
            std::stable_sort(pairs.begin(), pairs.end(), [](auto& x, auto& y) { return x.kinship > y.kinship; });
            std::string t = "sample_id_1\tsample_id_2\tnsnp\thethet\tibs0\tkinship\tdegree\n";
            for (auto& p : pairs)
                if (p.kinship >= g.relatedness.report_kinship)
                    t += id(p.a) + "\t" + id(p.b) + "\t" + std::to_string(p.nsnp) + "\t" +
                         fmt(double(p.hethet) / p.nsnp) + "\t" + fmt(double(p.ibs0) / p.nsnp) + "\t" + fmt(p.kinship) +
                         "\t" + std::to_string(king_degree(p.kinship)) + "\n";
            write_table(out + "/relatedness/pairs.tsv", t);
            if (g.relatedness.drop_related)
                for (uint32_t s : st.related) {
                    // the relative it is closest to, among those that stay
                    const KingPair* best = nullptr;
                    for (auto& p : st.pairs)
                        if ((p.a == s || p.b == s) && p.kinship > g.relatedness.max_kinship &&
                            (!best || p.kinship > best->kinship))
                            best = &p;
                    ModalityOutcome& o = root->outcomes[size_t(st.samples[s])].genome;
                    o.status = SampleStatus::Fail;
                    o.reason = "related to " + (best ? id(best->a == s ? best->b : best->a) : std::string("?")) +
                               " (kinship " + fmt(best ? best->kinship : std::nan("")) +
                               " > genome.relatedness.max_kinship)";
                }
        }
        if (st.ancestry) {
            const int k = g.ancestry.pcs;
            std::string t = "sample_id";
            for (int c = 1; c <= k; ++c) t += "\tPC" + std::to_string(c);
            t += "\tin_pca\n";
            for (size_t i = 0; i < n; ++i) {
                t += id(i);
                for (double x : st.values[i]) t += "\t" + fmt(x);
                t += std::string("\t") + (keep_sample[i] ? "true" : "false") + "\n";
            }
            write_table(out + "/ancestry/pcs.tsv", t);
            // outliers: beyond outlier_mads MADs from the PCA samples' median on any of the first outlier_pcs PCs
            std::vector<std::pair<double, double>> centre;  // per PC: median, mad
            for (int c = 0; c < g.ancestry.outlier_pcs; ++c) {
                std::vector<double> v;
                for (size_t i = 0; i < n; ++i)
                    if (keep_sample[i]) v.push_back(st.values[i][size_t(c)]);
                const double m = mad(v.data(), v.size(), 1);
                centre.push_back({median_of(std::move(v)), m});
            }
            for (size_t i = 0; i < n; ++i) {
                std::string why = "no";
                for (int c = 0; c < g.ancestry.outlier_pcs && why == "no"; ++c) {
                    const double d = std::abs(st.values[i][size_t(c)] - centre[size_t(c)].first) / centre[size_t(c)].second;
                    if (g.ancestry.outlier_mads > 0 && centre[size_t(c)].second > 0 && d > g.ancestry.outlier_mads)
                        why = "PC" + std::to_string(c + 1) + " (" + fmt(d, 3) + " MADs)";
                }
                root->outcomes[size_t(st.samples[i])].genome.ancestry_outlier = why;
                st.outliers += why != "no";
            }
            std::string e = "pc\teigenvalue\n";
            for (int c = 0; c < k; ++c) e += "PC" + std::to_string(c + 1) + "\t" + fmt(st.pcs.eigenvalues(c)) + "\n";
            write_table(out + "/ancestry/eigenvalues.tsv", e);
            std::string w = "#CHROM\tID\tMAJ\tNONMAJ";
            for (int c = 1; c <= k; ++c) w += "\tPC" + std::to_string(c);
            w += "\n";
            for (auto& part : st.weights_text) w += part;
            write_table(out + "/ancestry/variant_weights.tsv", w);
        }
        root->structure = {true, n, st.variants, st.pca_variants, st.related.size(),
                           st.relatedness && g.relatedness.drop_related, st.projected, st.approx};
        std::string what = std::to_string(st.variants) + " variants selected";
        if (st.ancestry)
            what += ", " + std::to_string(st.pca_variants) + " in the " + (st.approx ? "randomized " : "") + "PCA, " +
                    std::to_string(st.outliers) + " ancestry outlier(s)";
        if (st.relatedness)
            what += ", " + std::to_string(st.related.size()) + " relatives " +
                    (g.relatedness.drop_related ? "left out" : "flagged") +
                    (st.projected ? " (projected onto the PCs of the others)" : "");
        std::fprintf(stderr, "precis: population structure of %zu samples: %s\n", n, what.c_str());
    });
    st.weights_text.clear();

    // the PCs as phenotype columns PC1..PCk of every sample (NA where the sample was not analysed)
    if (st.ancestry)
        for (int c = 0; c < g.ancestry.pcs; ++c) {
            const std::string name = "PC" + std::to_string(c + 1);
            const auto& ph = in.study.phenotypes;
            const size_t col = size_t(std::find(ph.begin(), ph.end(), name) - ph.begin());
            if (col == ph.size()) throw Error(ErrorKind::Internal, "the PC columns were not made phenotypes");
            std::vector<std::string> values(in.sheet.size(), "NA");
            for (size_t i = 0; i < n; ++i) values[size_t(st.samples[i])] = fmt(st.values[i][size_t(c)], 9);
            in.sheet.set_phenotype(col, values);
        }
    return st;
}

}  // namespace precis

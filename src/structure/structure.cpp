// Population structure: variant selection, LD pruning, PCA and KING-robust kinship. The rules that decide plink2's
// exact output (which variant of a correlated pair goes, the missingness correction of the relationship matrix,
// KING's between-family estimator, the non-major allele of the weights) are listed in docs/structure.md.
#include "structure/structure.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/error.hpp"

#include <Spectra/MatOp/DenseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>

namespace precis {

namespace {
constexpr double kSmallEpsilon = 1.0 / 17592186044416.0;  // 2^-44: a tie of allele frequencies, as plink2
constexpr size_t kGrmBlock = 1024;                          // variants per matrix product

// the largest element of each column positive
void fix_signs(Eigen::MatrixXd& V) {
    for (long c = 0; c < V.cols(); ++c) {
        Eigen::Index at = 0;
        V.col(c).cwiseAbs().maxCoeff(&at);
        if (V(at, c) < 0) V.col(c) = -V.col(c);
    }
}

bool acgt(const std::string& a) { return a.size() == 1 && (a[0] == 'A' || a[0] == 'C' || a[0] == 'G' || a[0] == 'T'); }

double major_freq(const VariantCalls& v) {
    const double p = v.alt_freq();
    return std::max(p, 1.0 - p);
}

// the standardised ALT count: (g - 2p) / sqrt(2p(1 - p)); 0 where missing
double standardised(uint8_t g, double p, double inv_sd) {
    return g == VariantCalls::kMissingCall ? 0.0 : (double(g) - 2.0 * p) * inv_sd;
}
}  // namespace

bool snv_calls(const hts::Site& site, const std::vector<int>& samples, VariantCalls& out) {
    if (site.alleles.size() != 2 || !acgt(site.alleles[0]) || !acgt(site.alleles[1]) || site.ploidy != 2) return false;
    out.contig = site.contig;
    out.pos = site.pos + 1;
    out.ref = site.alleles[0];
    out.alt = site.alleles[1];
    out.g.resize(samples.size());
    out.nonmissing = out.alt_count = 0;
    for (size_t k = 0; k < samples.size(); ++k) {
        const int32_t a = site.gt[size_t(samples[k]) * 2], b = site.gt[size_t(samples[k]) * 2 + 1];
        if (bcf_gt_is_missing(a) || bcf_gt_is_missing(b) || a == bcf_int32_vector_end || b == bcf_int32_vector_end) {
            out.g[k] = VariantCalls::kMissingCall;
            continue;
        }
        const uint8_t g = uint8_t((bcf_gt_allele(a) == 1) + (bcf_gt_allele(b) == 1));
        out.g[k] = g;
        ++out.nonmissing;
        out.alt_count += g;
    }
    return true;
}

bool passes(const VariantCalls& v, const VariantFilter& f) {
    if (v.nonmissing == 0 || v.missing_fraction() > f.max_missing) return false;
    const double p = v.alt_freq();
    return std::min(p, 1.0 - p) >= f.maf;
}

// ---- LD pruning -------------------------------------------------------------------------------------------------

namespace {
// r^2 > threshold for the allele counts of x and y over the samples called at both (as plink2: integer sums,
// compared without a division so that a pair with nothing in common is never pruned)
bool above_r2(const VariantCalls& x, const VariantCalls& y, double threshold) {
    int64_t n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    const size_t m = x.g.size();
    const uint8_t* a = x.g.data();
    const uint8_t* b = y.g.data();
    for (size_t i = 0; i < m; ++i) {
        const int64_t both = (a[i] != VariantCalls::kMissingCall) & (b[i] != VariantCalls::kMissingCall);
        const int64_t u = both * a[i], v = both * b[i];
        n += both, sx += u, sy += v, sxx += u * u, syy += v * v, sxy += u * v;
    }
    const double cov = double(sxy * n - sx * sy);
    const double vx = double(sxx * n - sx * sx), vy = double(syy * n - sy * sy);
    return cov * cov > threshold * vx * vy;
}

bool monomorphic(const VariantCalls& v) {  // every call the same genotype (all heterozygous included)
    uint32_t c[4] = {0, 0, 0, 0};
    for (uint8_t g : v.g) ++c[g];
    return c[0] == v.nonmissing || c[1] == v.nonmissing || c[2] == v.nonmissing;
}
}  // namespace

std::vector<bool> indep_pairwise(const std::vector<const VariantCalls*>& contig, const PruneSettings& s) {
    const size_t n = contig.size();
    std::vector<bool> removed(n, false);
    if (n < 2) return std::vector<bool>(n, true);  // plink2 leaves a contig of one variant alone
    std::vector<double> maj(n);
    for (size_t i = 0; i < n; ++i) maj[i] = major_freq(*contig[i]);
    const double threshold = s.r2 * (1 + kSmallEpsilon);
    const size_t window = size_t(s.window), step = size_t(s.step);
    std::vector<size_t> w;          // the window's variants still in it, in order
    std::vector<size_t> unchecked(n);  // per variant: the first later variant it has not been tested against
    size_t start = 0, loaded = 0, end = std::min(window, n);
    auto count_removed = [&] {
        size_t c = 0;
        for (size_t v : w) c += removed[v];
        return c;
    };
    while (true) {
        for (; loaded < end; ++loaded) {
            unchecked[loaded] = loaded + 1;
            if (monomorphic(*contig[loaded])) removed[loaded] = true;
            w.push_back(loaded);
        }
        // plink 1.x's order (plink2 2.00a3): each variant in turn against the later ones it has not met, until a
        // pass over the window removes nothing more
        auto next_in = [&](size_t pos) {  // the next position after `pos` whose variant is still in
            do ++pos;
            while (pos < w.size() && removed[w[pos]]);
            return pos;
        };
        size_t before = 0;
        do {
            before = count_removed();
            for (size_t fp = 0; fp < w.size(); ++fp) {
                const size_t first = w[fp];
                if (removed[first]) continue;
                size_t sp = next_in(fp);
                while (sp < w.size() && w[sp] < unchecked[first]) sp = next_in(sp);
                if (sp == w.size()) continue;
                while (true) {
                    const size_t second = w[sp];
                    if (above_r2(*contig[first], *contig[second], threshold)) {
                        if (maj[first] > maj[second] * (1 + kSmallEpsilon)) {
                            removed[first] = true;
                        } else {
                            removed[second] = true;
                            const size_t after = next_in(sp);
                            unchecked[first] = after < w.size() ? w[after] : end;
                        }
                        break;
                    }
                    sp = next_in(sp);
                    if (sp == w.size()) {
                        unchecked[first] = end;
                        break;
                    }
                }
            }
        } while (count_removed() > before);
        if (end == n) break;
        start += step;
        end = std::min(start + window, n);
        std::vector<size_t> kept;
        for (size_t v : w)
            if (!removed[v] && v >= start) kept.push_back(v);
        w = std::move(kept);
        loaded = std::max(loaded, start);
    }
    std::vector<bool> keep(n);
    for (size_t i = 0; i < n; ++i) keep[i] = !removed[i];
    return keep;
}

// ---- PCA ---------------------------------------------------------------------------------------------------------

void GrmSums::resize(size_t n) {
    zz = Eigen::MatrixXd::Zero(long(n), long(n));
    oo = Eigen::MatrixXd::Zero(long(n), long(n));
}

void GrmSums::add(const std::vector<const VariantCalls*>& vars) {
    const long n = zz.rows();
    for (size_t b0 = 0; b0 < vars.size(); b0 += kGrmBlock) {
        const size_t b1 = std::min(vars.size(), b0 + kGrmBlock), B = b1 - b0, words = (B + 63) / 64;
        Eigen::MatrixXd Z(n, long(B));
        std::vector<uint64_t> missing(size_t(n) * words, 0);  // per sample: the block's variants it lacks
        std::vector<uint32_t> lacks(size_t(n), 0);
        bool any = false;
        for (size_t j = b0; j < b1; ++j) {
            const VariantCalls& v = *vars[j];
            const double p = v.alt_freq(), inv_sd = 1.0 / std::sqrt(2.0 * p * (1.0 - p));
            for (long i = 0; i < n; ++i) {
                const uint8_t g = v.g[size_t(i)];
                Z(i, long(j - b0)) = standardised(g, p, inv_sd);
                if (g == VariantCalls::kMissingCall) {
                    missing[size_t(i) * words + (j - b0) / 64] |= uint64_t(1) << ((j - b0) % 64);
                    ++lacks[size_t(i)];
                    any = true;
                }
            }
        }
        zz.selfadjointView<Eigen::Lower>().rankUpdate(Z);
        // the variants called in both: B less those either lacks (bit counts, not a matrix product)
#pragma omp parallel for schedule(dynamic, 16) if (any)
        for (long j = 0; j < n; ++j)
            for (long i = j; i < n; ++i) {
                uint32_t both = 0;
                if (any)
                    for (size_t w = 0; w < words; ++w)
                        both += uint32_t(__builtin_popcountll(missing[size_t(i) * words + w] & missing[size_t(j) * words + w]));
                oo(i, j) += double(B) - lacks[size_t(i)] - lacks[size_t(j)] + both;
            }
    }
}

std::vector<double> GrmSums::flat() const {
    std::vector<double> f;
    const long n = zz.rows();
    f.reserve(size_t(n * (n + 1)));
    for (const Eigen::MatrixXd* m : {&zz, &oo})
        for (long j = 0; j < n; ++j)
            for (long i = j; i < n; ++i) f.push_back((*m)(i, j));
    return f;
}

void GrmSums::set_flat(const std::vector<double>& f, size_t n) {
    resize(n);
    size_t at = 0;
    for (Eigen::MatrixXd* m : {&zz, &oo})
        for (long j = 0; j < long(n); ++j)
            for (long i = j; i < long(n); ++i) (*m)(i, j) = f.at(at++);
}

Pcs pcs_from_grm(const GrmSums& s, int k) {
    const long n = s.zz.rows();
    if (k > n) throw Error(ErrorKind::Internal, "pcs_from_grm: more PCs than samples (the caller checks)");
    Eigen::MatrixXd K(n, n);
    for (long j = 0; j < n; ++j)
        for (long i = j; i < n; ++i) K(i, j) = K(j, i) = s.oo(i, j) > 0 ? s.zz(i, j) / s.oo(i, j) : 0.0;
    Pcs p;
    p.eigenvalues.resize(k);
    p.vectors.resize(n, k);
    const long ncv = std::max<long>(2L * k + 1, 20);
    if (n > ncv + 1) {
        // the top k only (implicitly restarted Lanczos): O(n^2) per step rather than the O(n^3) of all of them
        Spectra::DenseSymMatProd<double> op(K);
        Spectra::SymEigsSolver<Spectra::DenseSymMatProd<double>> eigs(op, k, ncv);
        eigs.init();
        eigs.compute(Spectra::SortRule::LargestAlge, 10000, 1e-13);
        if (eigs.info() != Spectra::CompInfo::Successful)
            throw Error(ErrorKind::DegenerateData, "the top eigenvectors of the relationship matrix did not converge",
                        "check the genotypes (too few variants left?)");
        p.eigenvalues = eigs.eigenvalues();
        p.vectors = eigs.eigenvectors();
    } else {
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(K);
        if (es.info() != Eigen::Success)
            throw Error(ErrorKind::DegenerateData, "the relationship matrix has no eigen decomposition",
                        "check the genotypes (too few variants left?)");
        for (int c = 0; c < k; ++c) {
            p.eigenvalues(c) = es.eigenvalues()(n - 1 - c);
            p.vectors.col(c) = es.eigenvectors().col(n - 1 - c);
        }
    }
    fix_signs(p.vectors);
    return p;
}

namespace {
// the standardised calls of these variants: variants x n
Eigen::MatrixXd standardised_block(const std::vector<const VariantCalls*>& vars, size_t n) {
    Eigen::MatrixXd Z(long(vars.size()), long(n));
    for (size_t j = 0; j < vars.size(); ++j) {
        const VariantCalls& v = *vars[j];
        const double p = v.alt_freq(), inv_sd = 1.0 / std::sqrt(2.0 * p * (1.0 - p));
        for (size_t i = 0; i < n; ++i) Z(long(j), long(i)) = standardised(v.g[i], p, inv_sd);
    }
    return Z;
}
}  // namespace

Eigen::MatrixXd cross_product(const std::vector<const VariantCalls*>& vars, const Eigen::MatrixXd& Q) {
    if (vars.empty()) return Eigen::MatrixXd::Zero(Q.rows(), Q.cols());
    // in single precision: twice the numbers per vector instruction, and the iteration only needs the subspace (the
    // eigenvalues and vectors come from projected_gram, in double)
    const Eigen::MatrixXf Z = standardised_block(vars, size_t(Q.rows())).cast<float>();
    const Eigen::MatrixXf ZQ = Z * Q.cast<float>();
    return (Z.transpose() * ZQ).cast<double>();
}

Eigen::MatrixXd projected_gram(const std::vector<const VariantCalls*>& vars, const Eigen::MatrixXd& Q) {
    if (vars.empty()) return Eigen::MatrixXd::Zero(Q.cols(), Q.cols());
    const Eigen::MatrixXd ZQ = standardised_block(vars, size_t(Q.rows())) * Q;
    return ZQ.transpose() * ZQ;
}

Eigen::MatrixXd orthonormal(const Eigen::MatrixXd& Y) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(Y);
    return qr.householderQ() * Eigen::MatrixXd::Identity(Y.rows(), Y.cols());
}

Pcs pcs_from_subspace(const Eigen::MatrixXd& Q, const Eigen::MatrixXd& B, size_t variants, int k) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(B);
    const long l = B.rows();
    Pcs p;
    p.eigenvalues.resize(k);
    p.vectors.resize(Q.rows(), k);
    for (int c = 0; c < k; ++c) {
        p.eigenvalues(c) = es.eigenvalues()(l - 1 - c) / double(variants);
        p.vectors.col(c) = Q * es.eigenvectors().col(l - 1 - c);
    }
    fix_signs(p.vectors);
    return p;
}

std::vector<double> variant_weights(const VariantCalls& v, const Pcs& pcs) {
    const long n = pcs.vectors.rows(), k = pcs.vectors.cols();
    const double p = v.alt_freq(), inv_sd = 1.0 / std::sqrt(2.0 * p * (1.0 - p));
    Eigen::VectorXd z(static_cast<Eigen::Index>(n));
    for (long i = 0; i < n; ++i) z(i) = standardised(v.g[size_t(i)], p, inv_sd);
    std::vector<double> w(static_cast<size_t>(k));
    for (long c = 0; c < k; ++c) w[size_t(c)] = z.dot(pcs.vectors.col(c)) / std::sqrt(pcs.eigenvalues(c));
    return w;
}

void Projection::add(uint8_t g, double alt_freq, const double* w, size_t k) {
    if (g == VariantCalls::kMissingCall) return;
    if (sum.size() < k) sum.resize(k, 0.0);
    const double z = (double(g) - 2.0 * alt_freq) / std::sqrt(2.0 * alt_freq * (1.0 - alt_freq));
    for (size_t c = 0; c < k; ++c) sum[c] += w[c] * z;
    ++called;
}

// ---- KING --------------------------------------------------------------------------------------------------------

KingPlanes::KingPlanes(size_t samples, size_t variants)
    : n_(samples), words_{(variants + 63) / 64}, offset_{0}, bits_(samples * 3 * words_[0], 0) {}

void KingPlanes::set(size_t sample, size_t variant, uint8_t g) {
    if (g == VariantCalls::kMissingCall) return;
    const int which = g == 1 ? 0 : (g == 0 ? 1 : 2);
    bits_[(sample * 3 + size_t(which)) * words_[0] + variant / 64] |= uint64_t(1) << (variant % 64);
}

KingPlanes KingPlanes::from_parts(size_t samples, std::vector<uint64_t>&& bits, const std::vector<size_t>& words) {
    KingPlanes k;
    k.n_ = samples;
    size_t at = 0;
    for (size_t w : words) {
        if (w == 0) continue;
        k.words_.push_back(w);
        k.offset_.push_back(at);
        at += samples * 3 * w;
    }
    if (at != bits.size()) throw Error(ErrorKind::Internal, "KingPlanes::from_parts: the parts do not fill the bits");
    k.bits_ = std::move(bits);
    return k;
}

std::vector<KingPair> king_pairs(const KingPlanes& p, size_t a0, size_t a1, double min_kinship) {
    const size_t n = p.samples();
    const bool all = std::isinf(min_kinship) && min_kinship < 0;
    std::vector<std::vector<KingPair>> found(a1 > a0 ? a1 - a0 : 0);
    // tiles of kTile samples a against every later b: b's planes stay in L1 while the tile's a pass over them, and
    // the tile's planes in L2, so each b is read from memory once per tile rather than once per a
    constexpr size_t kTile = 32;
    const size_t tiles = (a1 > a0 ? a1 - a0 + kTile - 1 : 0) / kTile;
#pragma omp parallel for schedule(dynamic, 1)
    for (long t = 0; t < long(tiles); ++t) {
        const size_t t0 = a0 + size_t(t) * kTile, t1 = std::min(a1, t0 + kTile);
        for (size_t b = t0 + 1; b < n; ++b) {
            for (size_t a = t0; a < t1 && a < b; ++a) {
                uint32_t nsnp = 0, hethet = 0, ibs0 = 0, hets_a = 0, hets_b = 0;
                for (size_t part = 0; part < p.parts(); ++part) {
                    const uint64_t *het_b = p.plane(b, 0, part), *hr_b = p.plane(b, 1, part), *ha_b = p.plane(b, 2, part);
                    const uint64_t *het_a = p.plane(a, 0, part), *hr_a = p.plane(a, 1, part), *ha_a = p.plane(a, 2, part);
                    const size_t W = p.words(part);
                    for (size_t w = 0; w < W; ++w) {
                        const uint64_t nm_a = het_a[w] | hr_a[w] | ha_a[w], nm_b = het_b[w] | hr_b[w] | ha_b[w];
                        nsnp += uint32_t(__builtin_popcountll(nm_a & nm_b));
                        hethet += uint32_t(__builtin_popcountll(het_a[w] & het_b[w]));
                        ibs0 += uint32_t(__builtin_popcountll((hr_a[w] & ha_b[w]) | (ha_a[w] & hr_b[w])));
                        hets_a += uint32_t(__builtin_popcountll(het_a[w] & nm_b));
                        hets_b += uint32_t(__builtin_popcountll(het_b[w] & nm_a));
                    }
                }
                const double m = std::min(hets_a, hets_b);
                const double kin = m > 0 ? (double(hethet) - 2.0 * ibs0) / (2.0 * m) + 0.5 - 0.25 * (hets_a + hets_b) / m
                                         : std::numeric_limits<double>::quiet_NaN();
                if (all || kin >= min_kinship)
                    found[a - a0].push_back({uint32_t(a), uint32_t(b), nsnp, hethet, ibs0, kin});
            }
        }
    }
    std::vector<KingPair> out;
    for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
    return out;
}

int king_degree(double k) {
    if (k > 0.354) return 0;
    if (k > 0.177) return 1;
    if (k > 0.0884) return 2;
    if (k > 0.0442) return 3;
    return 4;
}

std::vector<uint32_t> unrelated_removals(size_t n, const std::vector<KingPair>& above) {
    std::vector<std::set<uint32_t>> rel(n);
    for (const KingPair& p : above) rel[p.a].insert(p.b), rel[p.b].insert(p.a);
    std::set<std::pair<size_t, uint32_t>> by_count;  // (relatives, sample): the last is removed next
    for (uint32_t s = 0; s < n; ++s)
        if (!rel[s].empty()) by_count.insert({rel[s].size(), s});
    std::vector<uint32_t> removed;
    while (!by_count.empty()) {
        const uint32_t s = std::prev(by_count.end())->second;
        by_count.erase(std::prev(by_count.end()));
        removed.push_back(s);
        for (uint32_t r : rel[s]) {
            by_count.erase({rel[r].size(), r});
            rel[r].erase(s);
            if (!rel[r].empty()) by_count.insert({rel[r].size(), r});
        }
        rel[s].clear();
    }
    std::sort(removed.begin(), removed.end());
    return removed;
}

}  // namespace precis

// The sites of a binary genotype file (a PLINK .bim, a BGEN's variant headers) by contig, in position order: what
// region queries, block planning and GenotypeReader::contigs() need, without reading any genotype.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace precis {

struct SiteIndex {
    struct Contig {
        std::string name;
        std::vector<uint32_t> order;     // the contig's sites (numbers in file order), by position (stable)
        std::vector<int64_t> positions;  // their 0-based positions, in that order
        std::vector<uint32_t> spans;     // their REF lengths (at least 1), in that order
        int64_t max_span = 1, end = 0;   // the longest REF; the end of the last REF (0-based, exclusive)
    };
    std::vector<Contig> contigs;  // in the file's order of first appearance
    std::unordered_map<std::string, size_t> by_name;

    // The contig called `name`, added at first sight.
    uint32_t contig(const std::string& name) {
        auto [it, fresh] = by_name.emplace(name, contigs.size());
        if (fresh) contigs.push_back(Contig{name, {}, {}, {}, 1, 0});
        return uint32_t(it->second);
    }
    // Site number `site` lies on contig `c` at 0-based `pos` with a REF of `span` bases.
    void add(uint32_t c, uint32_t site, int64_t pos, int64_t span) {
        Contig& k = contigs[c];
        span = std::max<int64_t>(span, 1);
        k.order.push_back(site);
        k.positions.push_back(pos);
        k.spans.push_back(uint32_t(std::min<int64_t>(span, UINT32_MAX)));
        k.max_span = std::max(k.max_span, span);
        k.end = std::max(k.end, pos + span);
    }
    // After the last add: each contig in position order (a file in order, as most are, is left as it is).
    void sort() {
        for (Contig& k : contigs) {
            if (std::is_sorted(k.positions.begin(), k.positions.end())) continue;
            std::vector<size_t> idx(k.order.size());
            for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
            std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return k.positions[a] < k.positions[b]; });
            Contig s{k.name, {}, {}, {}, k.max_span, k.end};
            for (size_t i : idx) {
                s.order.push_back(k.order[i]);
                s.positions.push_back(k.positions[i]);
                s.spans.push_back(k.spans[i]);
            }
            k = std::move(s);
        }
    }
    const Contig* find(const std::string& name) const {
        auto it = by_name.find(name);
        return it == by_name.end() ? nullptr : &contigs[it->second];
    }
    std::vector<std::pair<std::string, int64_t>> lengths() const {
        std::vector<std::pair<std::string, int64_t>> out;
        for (const Contig& k : contigs) out.emplace_back(k.name, k.end);
        return out;
    }
};

// Which site a reader reads next: every one in file order until a query, then those of the query that overlap it.
class SiteCursor {
public:
    explicit SiteCursor(size_t n_sites = 0) : n_(n_sites) {}
    // false if the contig is unknown (then next() gives nothing)
    bool query(const SiteIndex& index, const std::string& contig, int64_t beg, int64_t end) {
        queried_ = true;
        list_ = index.find(contig);
        at_ = stop_ = 0;
        if (!list_) return false;
        beg_ = beg;
        // the first site that can reach beg (start >= beg - longest REF + 1), to the first at or after end
        const std::vector<int64_t>& p = list_->positions;
        at_ = size_t(std::lower_bound(p.begin(), p.end(), beg - list_->max_span + 1) - p.begin());
        stop_ = size_t(std::lower_bound(p.begin(), p.end(), end) - p.begin());
        return true;
    }
    // The next site's number in file order, or false at the end.
    bool next(size_t& site) {
        if (!queried_) {
            if (at_ >= n_) return false;
            site = at_++;
            return true;
        }
        while (list_ && at_ < stop_) {
            const size_t i = at_++;
            if (list_->positions[i] + list_->spans[i] <= beg_) continue;  // ends before the region
            site = list_->order[i];
            return true;
        }
        return false;
    }

private:
    size_t n_ = 0;
    const SiteIndex::Contig* list_ = nullptr;
    size_t at_ = 0, stop_ = 0;
    bool queried_ = false;
    int64_t beg_ = 0;
};

}  // namespace precis

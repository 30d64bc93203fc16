// Step 2 of `precis run`: every sample's inputs, from per-sample files through the task farm or from cohort files
// spread over the ranks (pipeline/inputs.cpp). Feature vectors stay on the rank that made them.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/memory.hpp"
#include "core/signals.hpp"
#include "genome/bgen.hpp"
#include "genome/hts.hpp"
#include "genome/plink.hpp"
#include "pipeline/farm.hpp"
#include "pipeline/stages.hpp"

namespace precis {
namespace {

// The proteome id lists of the sample records, one journal record per list and journal file (the samples of a
// panel share one list: at 3,000 proteins it is most of a record's bytes). A rank keeps each list it has read or
// written once, by checksum; rank 0's index says where each list lies in the journal of earlier attempts.
class IdLists {
public:
    // every rank: the lists rank 0 found in the journal (collective)
    IdLists(Comm& comm, const JournalIndex* index) {
        std::vector<std::string> flat;
        if (index)
            for (auto& [name, e] : index->id_lists) {
                const JournalRef r = JournalRef::of(e);
                flat.insert(flat.end(), {name, r.file, r.key, std::to_string(r.offset), std::to_string(r.size)});
            }
        std::string msg = comm.is_root() ? encode(flat) : std::string();
        comm.broadcast(msg);
        decode(msg, flat);
        for (size_t i = 0; i + 4 < flat.size(); i += 5)
            where_[flat[i]] = JournalRef{flat[i + 1], flat[i + 2], std::stoull(flat[i + 3]), std::stoull(flat[i + 4])};
    }
    // the list with this checksum, from memory or the journal; null if it cannot be had
    FeatureIds get(const std::string& sha) {
        if (auto it = known_.find(sha); it != known_.end()) return it->second;
        const std::string name = "ids " + sha;
        auto w = where_.find(name);
        std::string payload;
        if (w == where_.end() || !RankJournal::load_any(w->second, kIdListRecord, name, payload)) return nullptr;
        std::vector<std::string> ids;
        try {
            decode(payload, ids);
        } catch (const std::exception&) {
            return nullptr;
        }
        if (list_sha(ids) != sha) return nullptr;
        return known_[sha] = std::make_shared<const std::vector<std::string>>(std::move(ids));
    }
    // the checksum of `ids`, which is made to point at the one copy of the list this rank keeps: a worker holds
    // tens of thousands of samples of a panel, each read with its own copy of the same few thousand ids
    std::string share(FeatureIds& ids) {
        const std::string sha = list_sha(*ids);
        ids = known_.emplace(sha, ids).first->second;
        return sha;
    }
    // the same, the list's record added to this rank's journal file first if this run has not written it
    std::string put(RankJournal& journal, FeatureIds& ids) {
        const std::string sha = share(ids);
        if (written_.insert(sha).second) journal.append(kIdListRecord, sha, "ids " + sha, encode(*ids));
        return sha;
    }

private:
    static std::string list_sha(const std::vector<std::string>& ids) {
        std::string all;
        for (auto& s : ids) all += s + '\n';
        return sha256_string(all);
    }
    std::unordered_map<std::string, JournalRef> where_;
    std::unordered_map<std::string, FeatureIds> known_;
    std::unordered_set<std::string> written_;
};

// The sample's latest record in the journal, if the task names one and it is intact (whatever its key), with its
// id list.
bool load_sample(const SampleTask& t, IdLists& lists, SampleRecord& rec) {
    std::string payload;
    if (!RankJournal::load_any(t.journal, kSampleRecord, t.id, payload)) return false;
    try {
        decode(payload, rec);
    } catch (const std::exception&) {  // checksummed, but not a record this version reads: recompute
        return false;
    }
    if (!rec.ids_sha.empty() && !(rec.proteome.ids = lists.get(rec.ids_sha))) return false;
    return rec.outcome.index == t.index;
}

// A cohort VCF/BCF: its regions (never splitting a gene) go to workers as they become free. Each worker keeps the
// burden columns of the genes its regions own; the per-sample QC counters are summed onto rank 0.
void cohort_genome(Comm& comm, const Inputs& in, RankJournal& journal, RootState* root, Features& f) {
    const JournalIndex no_index;  // the other ranks: only rank 0 hands out regions
    std::string inputs_sha;  // rank 0: the genes and scoring files, for the regions' journal keys
    if (root) {
        const std::string file = in.study.genome.cohort_file;  // checksummed meanwhile, on a thread of its own
        root->genome_file_hashing = std::async(std::launch::async, [file] { return sha256_file(file); });
        inputs_sha = root->feature_files_sha();
        if (is_plink_path(file)) {  // the .bim and .fam say what the .bed's bytes are: their contents key the regions
            const PlinkPaths p = plink_paths(file);
            root->genome_companion_shas = {{p.bim, sha256_file(p.bim)}, {p.fam, sha256_file(p.fam)}};
        } else if (is_bgen_path(file)) {  // a .sample beside a .bgen names its samples
            const std::string sample = bgen_sample_path(file);
            std::error_code ec;
            if (std::filesystem::is_regular_file(sample, ec))
                root->genome_companion_shas = {{sample, sha256_file(sample)}};
        }
        for (auto& [path, sha] : root->genome_companion_shas) inputs_sha += sha;
    }
    std::vector<SampleOutcome> none;
    std::vector<std::string> skipped =
        cohort_genome_stage(comm, in.study, in.sheet, in.gene_set(), in.score_set(), f.burden_cols,
                            root ? root->outcomes : none, {&journal, root ? &root->journal : &no_index, inputs_sha});
    if (root) root->skipped_regions = std::move(skipped);
}

// A cohort proteome file (Olink NPX, MaxQuant).
void cohort_proteome_file(Comm& comm, const Inputs& in, RootState* root, Features& f) {
    if (root) {
        const std::string file = in.study.proteome.cohort_file;
        root->proteome_file_hashing = std::async(std::launch::async, [file] { return sha256_file(file); });
    }
    std::vector<std::string> warnings;
    std::vector<SampleOutcome> none;
    std::map<std::string, FeatureInfo> no_info;
    cohort_proteome(comm, in.study, in.sheet, f.local, root ? root->outcomes : none,
                    root ? root->feature_info : no_info, warnings);
    for (auto& w : warnings) std::fprintf(stderr, "precis: warning: %s\n", w.c_str());
}

// A sample's proteome values as the store will hold them (float32: the conversion the store would make), the doubles
// freed. Once only: a cohort file's result is also found by its sample's per-sample task (a genome file).
void narrow(ProteomeResult& r) {
    if (r.values.empty()) return;
    r.values32.assign(r.values.begin(), r.values.end());
    free_storage(r.values);
}

// Per-sample files: rank 0 hands samples to workers as they become free. A worker's other threads have nothing to
// do meanwhile: they decompress its VCFs ahead (htslib's thread pool, ThreadPolicy::hts_pool: the main thread
// mostly waits for them).
void per_sample_files(Comm& comm, const Inputs& in, RankJournal& journal, RootState* root, Features& f,
                      bool float32) {
    const StudyConfig& study = in.study;
    const size_t n_sheet = in.sheet.size();
    std::unique_ptr<hts::ThreadPool> pool;
    const bool reads_vcfs = study.genome.enabled && !in.cohort_genome() && (comm.size() == 1 || !comm.is_root());
    if (reads_vcfs && in.threads.hts_pool() > 0)
        pool = std::make_unique<hts::ThreadPool>(in.threads.hts_pool());
    Progress progress;
    progress.total = n_sheet;
    // the records' keys: the settings, and the contents of the genes, scoring and consequence files (on rank 0)
    std::string feature_files = root ? root->feature_files_sha() : std::string();
    comm.broadcast(feature_files);
    const std::string settings = sample_settings(study) + feature_files;
    LocalFeatures& local = f.local;
    IdLists id_lists(comm, root ? &root->journal : nullptr);
    task_farm<SampleTask, SampleOutcome>(
        comm, in.per_sample() ? n_sheet : 0,
        [&](size_t i) {  // rank 0
            SampleTask t{i, in.sheet.line(i), in.sheet.id(i), in.sheet.vcf(i), in.sheet.proteome(i), {}};
            if (auto it = root->journal.latest.find(t.id); it != root->journal.latest.end())
                t.journal = JournalRef::of(it->second);
            return t;
        },
        [&](const SampleTask& t) -> std::optional<SampleOutcome> {
            if (poll_stop()) return std::nullopt;  // stopping: not started
            // the latest record of the sample, if any: its files' checksums stand while their stamps do; the record
            // itself while its key does
            SampleRecord rec;
            const bool earlier = load_sample(t, id_lists, rec);
            const SampleInputs si = hash_inputs(t, study, earlier ? &rec.outcome : nullptr);
            const std::string key = sample_key(settings, t, si.vcf_sha, si.proteome_sha);
            if (si.complete() && earlier && RankJournal::has_key(t.journal, key)) {  // finished in an earlier run
                rec.outcome.rank = comm.rank();
                rec.outcome.from_journal = true;
                if (rec.has_burden) local.burden[t.index] = std::move(rec.burden);
                if (rec.has_proteome) {
                    ProteomeResult& r = local.proteome[t.index] = std::move(rec.proteome);
                    if (float32) narrow(r);
                }
                return rec.outcome;
            }
            rec = SampleRecord{};
            try {
                rec.outcome =
                    process_sample(t, si, study, in.gene_set(), in.score_set(), pool.get(), local, comm.rank());
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::Interrupted) return std::nullopt;  // dropped; done again on resume
                throw;
            }
            rec.outcome.key = key;
            auto p = local.proteome.find(t.index);
            if (p != local.proteome.end() && p->second.ids)
                rec.ids_sha = si.complete() ? id_lists.put(journal, p->second.ids) : id_lists.share(p->second.ids);
            if (si.complete()) {
                auto b = local.burden.find(t.index);
                if ((rec.has_burden = b != local.burden.end())) rec.burden = b->second;
                if ((rec.has_proteome = p != local.proteome.end())) rec.proteome = p->second;
                journal.append(kSampleRecord, key, t.id, encode(rec));
                test_kill_point("sample", comm.rank());
            }
            if (float32 && p != local.proteome.end()) narrow(p->second);
            return rec.outcome;
        },
        [&](SampleOutcome&& o) {  // rank 0
            if (comm.size() > 1) test_kill_point("sample", comm.rank());  // rank 0 hands out, workers process
            const bool ok = !(o.genome.present && o.genome.status == SampleStatus::Error) &&
                            !(o.proteome.present && o.proteome.status == SampleStatus::Error);
            SampleOutcome& dst = root->outcomes[o.index];  // a cohort file's genome results are already there
            dst.rank = o.rank;
            dst.key = o.key;
            root->samples_from_journal += o.from_journal;
            if (o.genome.present) dst.genome = std::move(o.genome);
            if (o.proteome.present) dst.proteome = std::move(o.proteome);
            progress.tick(ok);
        });
}

}  // namespace

Features process_samples(Comm& comm, const Inputs& in, RankJournal& journal, RootState* root, bool float32) {
    Features f;
    if (in.cohort_genome()) cohort_genome(comm, in, journal, root, f);
    if (in.cohort_proteome()) cohort_proteome_file(comm, in, root, f);
    per_sample_files(comm, in, journal, root, f, float32);  // its records keep what they find as doubles
    if (float32 && in.cohort_proteome())
        for (auto& [idx, r] : f.local.proteome) narrow(r);
    comm.all_or_none([&] { journal.finish(); });
    const std::string out = in.study.output;
    comm.stop_point("the samples finished so far are kept in " + state_dir(out) + "/journal");
    if (root && in.per_sample())
        std::fprintf(stderr, "precis: %zu of %zu samples taken from the journal of an earlier run\n",
                     root->samples_from_journal, in.sheet.size());
    return f;
}

}  // namespace precis

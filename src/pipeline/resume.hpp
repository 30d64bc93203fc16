// Resuming a killed run: the journal of finished samples and the cache of finished cohort stages, both under
// <output>/.precis/ (see docs/resume.md):
//   journal/journal-a<attempt>-r<rank>.jnl   finished samples (and cohort VCF regions): one file per rank and
//                                            attempt, append-only
//   stages/<stage>.rec                        the latest result of each cohort stage, under its content key
// Keys are SHA-256 digests of everything a result was computed from: the precis version, the settings that matter
// (as the resolved study spells them), and the inputs' content checksums. A result whose key no longer matches is
// recomputed; nothing else decides. Only rank 0 scans the journal (record headers only); each worker reads the
// records of the samples it is given.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/sheet.hpp"
#include "config/study.hpp"
#include "core/hash.hpp"
#include "journal/journal.hpp"
#include "pipeline/messages.hpp"

namespace precis {

constexpr uint32_t kSampleRecord = 1, kStageRecord = 2, kRegionRecord = 3;
// a proteome id list that sample records name by checksum: name "ids <hex sha256>", payload the encoded list
constexpr uint32_t kIdListRecord = 4;

std::string state_dir(const std::string& output);  // <output>/.precis

// Rank 0, before any work: with `fresh`, removes the state folder first; makes the folders; indexes the journal
// (each sample's latest record) and picks this attempt's number.
// Holds <output>/.precis/lock (flock) while the run lasts, so that two runs never share an output folder.
class FolderLock {
public:
    FolderLock() = default;
    explicit FolderLock(const std::string& path);  // throws Config if another process holds it
    FolderLock(FolderLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    FolderLock& operator=(FolderLock&& o) noexcept;
    ~FolderLock();

private:
    int fd_ = -1;
};

struct JournalIndex {
    std::unordered_map<std::string, JournalEntry> latest;   // sample id -> its latest record
    std::unordered_map<std::string, JournalEntry> regions;  // "region I" of a cohort VCF -> its latest record
    std::unordered_map<std::string, JournalEntry> id_lists; // "ids <sha>" -> a record of that list
    int attempt = 1;
    size_t files = 0, records = 0, torn = 0;  // torn: files whose tail was cut off or damaged
    FolderLock lock;
};
// Keeps `lock`, the folder's lock the caller took (FolderLock(state_dir(output) + "/lock")): a second run on the same
// folder is a Config error (exit 2).
JournalIndex open_journal(const std::string& output, bool fresh, FolderLock lock);

// <output>/.precis/finished (pipeline/finished.cpp), the mark of a folder that holds a study's finished results.
// finished_inputs: what the results are made from, for the stamp (rank 0, at the start: the precis build, the
// resolved study, and a digest of the size, modification time and inode of every input file). finished_and_unchanged: the
// folder's stamp has these inputs and every output file is as the finished run left it (`when`: its end time).
std::string finished_inputs(const StudyConfig& s, const SampleSheet& sheet);
bool finished_and_unchanged(const std::string& output, const std::string& inputs, std::string& when);
void write_finished_stamp(const std::string& output, const std::string& inputs, const std::string& when);
void remove_finished_stamp(const std::string& output);

// The hex content key of anything: SHA-256 over the parts, each ended by a separator.
std::string content_key(const std::vector<std::string>& parts);
// The same key made a part at a time, a part in pieces, without holding the parts (a cohort's key has one part a
// sample: as a list, 38 MB at 200,000 samples).
class ContentKey {
public:
    ContentKey& piece(std::string_view s) {
        sha_.update(s.data(), s.size());
        return *this;
    }
    ContentKey& end_part() { return piece("\x1f"); }
    ContentKey& part(std::string_view s) { return piece(s).end_part(); }
    std::string hex() { return sha_.hex(); }

private:
    Sha256 sha_;
};

// The settings a sample's own results depend on (genome and proteome processing and QC).
std::string sample_settings(const StudyConfig& s);
// A sample's key: precis version, those settings, its sheet row, its input files and their checksums.
std::string sample_key(const std::string& settings, const SampleTask& t, const std::string& vcf_sha,
                       const std::string& proteome_sha);

// One rank's journal file for this attempt, opened on first use.
class RankJournal {
public:
    RankJournal(const std::string& output, int attempt, int rank);
    // Adds a record. A failure to write (a full disk) is not thrown here, in the middle of a task: it is kept, and
    // the run is asked to stop (no more work is handed out); finish() reports it.
    void append(uint32_t kind, const std::string& key, const std::string& name, const std::string& payload);
    // Flushes; throws IO naming the file and the first failure, if any write failed.
    void finish();
    // The payload of the record `ref` names, if it is intact and is `kind` / `name` under the hex `key`.
    static bool load(const JournalRef& ref, uint32_t kind, const std::string& name, const std::string& key,
                     std::string& payload);
    // The same under whatever key the record has; has_key: whether that is the hex `key`.
    static bool load_any(const JournalRef& ref, uint32_t kind, const std::string& name, std::string& payload);
    static bool has_key(const JournalRef& ref, const std::string& key);

private:
    std::string path_, error_;
    std::unique_ptr<JournalWriter> w_;
};

// What a cohort VCF's region records are keyed on besides the region: the file (path, size, modification time and
// its index's checksum: hashing a national-scale BCF before each start would cost minutes), the genome settings,
// the genes and scoring files (by checksum) and the sample columns.
std::string cohort_vcf_key(const StudyConfig& s, const std::string& inputs_sha, const std::vector<int>& columns);

// The stage cache (rank 0). load_stage is true if the stage's latest result has this key (and is intact);
// save_stage replaces it atomically.
bool load_stage(const std::string& output, const std::string& stage, const std::string& key, std::string& payload);
void save_stage(const std::string& output, const std::string& stage, const std::string& key,
                const std::string& payload);

}  // namespace precis
